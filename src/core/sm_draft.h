/* sm_draft.h - drafts of forms the user left before submitting, kept in
 * $XDG_DATA_HOME/sitemark/drafts/LOGIN/KEY.json so that nothing typed is lost. */
#ifndef SM_DRAFT_H
#define SM_DRAFT_H

#include <jansson.h>

#include "sm_err.h"

/* KEY: [a-z0-9-]+, e.g. "site-new", "case-12". */
sm_status sm_draft_save(const char *login, const char *key, const json_t *values, sm_err *err);
/* The saved draft (new reference), or NULL when there is none. */
json_t *sm_draft_load(const char *login, const char *key);
void sm_draft_delete(const char *login, const char *key);

#endif
