/* sm_i18n.h - gettext macros shared by the core, the command line and the console.
 *
 * Every string a user sees has an English msgid and goes through _().
 * Strings in tables are marked N_() and translated where they are shown;
 * C_(context, s) is a msgid with a context (the short forms of labels in
 * narrow columns), NC_ marks one in a table. */
#ifndef SM_I18N_H
#define SM_I18N_H

#include <libintl.h>
#include <string.h>

#define _(s) dgettext("sitemark", (s))
#define N_(s) (s)
#define NC_(ctx, s) (ctx "\004" s)
#define C_(ctx, s) sm_pgettext(ctx "\004" s)

/* The translation of a "context\004msgid" key, or the msgid itself. */
static inline const char *
sm_pgettext(const char *key)
{
	const char *t = dgettext("sitemark", key);
	if (t != key)
		return t;
	const char *eot = strchr(key, '\004');
	return eot ? eot + 1 : key;
}

#endif
