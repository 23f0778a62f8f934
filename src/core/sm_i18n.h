/* sm_i18n.h - gettext macros shared by the core, the command line and the console.
 *
 * Every string a user sees has an English msgid and goes through _().
 * Strings in tables are marked N_() and translated where they are shown. */
#ifndef SM_I18N_H
#define SM_I18N_H

#include <libintl.h>

#define _(s) dgettext("sitemark", (s))
#define N_(s) (s)

#endif
