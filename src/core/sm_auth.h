/* sm_auth.h - the second factor (a time-based one-time password, RFC 6238)
 * on top of the Unix login, its lock-out, and the audit of refused logins
 * and of idle log-outs.  The one user of liboath. */
#ifndef SM_AUTH_H
#define SM_AUTH_H

#include <stdbool.h>

#include "sm_app.h"
#include "sm_err.h"

/* Whether the acting user (after sm_app_login) must give a code: their role
 * is one of auth.totp_roles and they are enrolled.  A role of auth.totp_roles
 * not enrolled is refused (SM_E_DENIED, "ask the security administrator to
 * enrol you") when auth.totp_required is true, else needs no code. */
sm_status sm_auth_totp_needed(sm_app *app, bool *needed, sm_err *err);

/* Check CODE (6 digits) for the acting user at the session's clock, one
 * step of 30 s either side.  A wrong code is audited (totp-failed) and
 * counted; auth.max_failures wrong codes in a row lock the account
 * (account-locked-out) until the security administrator unlocks it.  A right
 * code clears the count.  SM_E_DENIED with a message when refused. */
sm_status sm_auth_totp_check(sm_app *app, const char *code, sm_err *err);

/* The security administrator enrols LOGIN: a new random secret replaces any
 * old one.  *SECRET (base32) and *URI (otpauth://, for an authenticator
 * app) are malloc'd, to be shown once to the account's holder; the audit
 * names the enrolment, never the secret.  A security administrator enrols
 * their own account only when it has no secret yet. */
sm_status sm_auth_totp_enrol(sm_app *app, const char *login, char **secret, char **uri,
                             sm_err *err);

/* Audit a refused login (login-failed) of LOGIN with the reason WHY. */
void sm_auth_login_refused(sm_app *app, const char *login, const char *why);

/* Audit that the console logged the acting user out after SECONDS idle. */
sm_status sm_auth_idle_logout(sm_app *app, int seconds, sm_err *err);

#endif
