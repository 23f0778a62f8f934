/* sm_policy.h - the security policy, the security administrator's to set
 * (三员分立): how many wrong one-time codes lock an account, which roles sign
 * in with a second factor and whether they must, and when an idle console
 * logs out.  The configuration's auth.* and console.idle_logout give the
 * defaults; what the security administrator sets (sm_policy_set in
 * sm_workflow.h, audited) is kept in the database and wins, for every
 * session from the next one on.  Passwords are the operating system's: the
 * account is the Unix login, authenticated by SSH and PAM. */
#ifndef SM_POLICY_H
#define SM_POLICY_H

#include <stddef.h>

#include "sm_app.h"
#include "sm_err.h"

typedef enum sm_policy_key {
	SM_POLICY_MAX_FAILURES,  /* auth.max_failures: 1..100 */
	SM_POLICY_TOTP_ROLES,    /* auth.totp_roles: role names */
	SM_POLICY_TOTP_REQUIRED, /* auth.totp_required: true | false */
	SM_POLICY_IDLE_LOGOUT,   /* console.idle_logout: seconds, 0: never */
	SM_POLICY_COUNT
} sm_policy_key;

/* The key's name ("auth.max_failures") and its label (an N_() msgid). */
const char *sm_policy_name(sm_policy_key k);
const char *sm_policy_label(sm_policy_key k);
/* The key of NAME, or SM_POLICY_COUNT. */
sm_policy_key sm_policy_parse_name(const char *name);
/* The value in force of K in CFG, as text in BUF. */
const char *sm_policy_value(const sm_config *cfg, sm_policy_key k, char *buf, size_t n);
/* Check VALUE for K (a message in ERR, field "value", when it is not one);
 * when CFG is not NULL, put it there.  *NORM (may be NULL) gets the value as
 * it is kept (malloc'd). */
sm_status sm_policy_parse(sm_policy_key k, const char *value, sm_config *cfg, char **norm,
                          sm_err *err);
/* Put the database's policy over APP's configuration (at the session's
 * start). */
sm_status sm_policy_load(sm_app *app, sm_err *err);

#endif
