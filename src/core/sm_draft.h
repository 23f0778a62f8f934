/* sm_draft.h - drafts of forms the user left before submitting, kept in
 * $XDG_DATA_HOME/sitemark/drafts/LOGIN/KEY.json so that nothing typed is lost. */
#ifndef SM_DRAFT_H
#define SM_DRAFT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "sm_err.h"

/* KEY: [a-z0-9-]+, e.g. "site-new", "case-12". */
sm_status sm_draft_save(const char *login, const char *key, const json_t *values, sm_err *err);
/* The saved draft (new reference), or NULL when there is none. */
json_t *sm_draft_load(const char *login, const char *key);
/* The same for a form over a stored object (a case): VERSION is the
 * object's version the form started from, kept with the draft (0: none),
 * so that the draft restored later is written only over that version. */
sm_status sm_draft_save_at(const char *login, const char *key, const json_t *values,
                           int64_t version, sm_err *err);
json_t *sm_draft_load_at(const char *login, const char *key, int64_t *version);
void sm_draft_delete(const char *login, const char *key);

/* One kept draft: its key and when it was last kept. */
typedef struct sm_draft_info {
	char *key;
	time_t saved;
} sm_draft_info;

/* LOGIN's drafts, newest first, in *OUT (malloc'd; free with
 * sm_draft_list_free); *N 0 when there are none. */
sm_status sm_draft_list(const char *login, sm_draft_info **out, size_t *n, sm_err *err);
void sm_draft_list_free(sm_draft_info **list, size_t n);

#endif
