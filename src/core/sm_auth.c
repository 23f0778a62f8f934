/* sm_auth.c - the second factor (TOTP, RFC 6238: 6 digits, 30 s, SHA-1, as
 * authenticator apps expect), its lock-out, and the audit of refused logins
 * and idle log-outs.  The only file that uses liboath. */
#include <config.h>

#include "sm_auth.h"

#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_i18n.h"
#include "sm_model.h"
#include "sm_random.h"
#include "sm_store.h"
#include "sm_vocab.h"

#define TOTP_SECRET_BYTES 20 /* 160 bits, as RFC 4226 recommends */
#define TOTP_DIGITS 6
#define TOTP_WINDOW 1        /* one step of 30 s either side */

static bool
role_asks(const sm_app *app, sm_role r)
{
	unsigned roles = app->cfg ? app->cfg->auth_totp_roles : SM_TOTP_ROLES_DEFAULT;
	return r > SM_ROLE_NONE && r < SM_ROLE_COUNT && (roles & (1u << r)) != 0;
}

static sm_status
audit_user(sm_tx *tx, const sm_app *app, const char *actor, const char *role, const char *login,
           const char *action, const char *reason, sm_err *err)
{
	sm_event e = {
		.actor = (char *)(actor ? actor : "-"), .role = (char *)role,
		.ssh_client = app->ssh_client, .object = (char *)"user",
		.object_key = (char *)login, .action = (char *)action, .reason = (char *)reason,
	};
	return sm_tx_audit(tx, &e, err);
}

/* One write under a fresh request id. */
static sm_status
write_tx(sm_app *app, sm_write_fn fn, void *ud, sm_err *err)
{
	char rid[37];
	sm_status st = sm_random_request_id(rid, err);
	if (st != SM_OK)
		return st;
	return sm_store_write(app->store, rid, fn, ud, NULL, NULL, err);
}

/* ------------------------------------------------------------ needed? */

sm_status
sm_auth_totp_needed(sm_app *app, bool *needed, sm_err *err)
{
	char *secret = NULL;
	int64_t failures = 0;
	sm_status st;
	*needed = false;
	if (app->user.login == NULL || !role_asks(app, app->user.role))
		return SM_OK;
	if ((st = sm_store_user_totp_get(app->store, app->user.login, &secret, &failures, err)) != SM_OK)
		return st;
	*needed = secret != NULL;
	free(secret);
	if (!*needed && app->cfg && app->cfg->auth_totp_required)
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("the account '%s' (%s) must sign in with a one-time code and is not enrolled: ask the security administrator to enrol you (sitemark user totp %s)"),
		    app->user.login, sm_role_label(app->user.role), app->user.login);
	return SM_OK;
}

/* ------------------------------------------------------------ checking */

struct check_ctx {
	sm_app *app;
	const char *code;
	bool ok, locked, enrolled;
	int64_t failures;
};

static bool
code_valid(const char *secret, const char *code, time_t now)
{
	char *raw = NULL;
	size_t rawlen = 0;
	int r;
	if (code == NULL || strlen(code) != TOTP_DIGITS || strspn(code, "0123456789") != TOTP_DIGITS)
		return false;
	if (oath_base32_decode(secret, strlen(secret), &raw, &rawlen) != OATH_OK)
		return false;
	r = oath_totp_validate2(raw, rawlen, now, OATH_TOTP_DEFAULT_TIME_STEP_SIZE,
	    OATH_TOTP_DEFAULT_START_TIME, TOTP_WINDOW, NULL, code);
	free(raw);
	return r >= 0;
}

static sm_status
check_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct check_ctx *c = ud;
	const sm_app *app = c->app;
	const char *login = app->user.login, *role = sm_role_name(app->user.role);
	char *secret = NULL;
	sm_status st = sm_tx_user_totp_get(tx, login, &secret, &c->failures, err);
	if (st != SM_OK)
		return st;
	c->enrolled = secret != NULL;
	if (secret == NULL)
		return SM_OK;
	c->ok = code_valid(secret, c->code, sm_clock_now(&app->clock));
	free(secret);
	if (c->ok)
		return c->failures == 0 ? SM_OK : sm_tx_user_totp_failures(tx, login, 0, err);
	c->failures++;
	if ((st = sm_tx_user_totp_failures(tx, login, c->failures, err)) != SM_OK ||
	    (st = audit_user(tx, app, login, role, login, "totp-failed", NULL, err)) != SM_OK)
		return st;
	int max = app->cfg && app->cfg->auth_max_failures > 0 ? app->cfg->auth_max_failures : 5;
	if (c->failures < max)
		return SM_OK;
	c->locked = true;
	char why[64];
	snprintf(why, sizeof(why), "%lld", (long long)c->failures);
	if ((st = sm_tx_user_set_locked(tx, login, true, err)) != SM_OK)
		return st;
	return audit_user(tx, app, login, role, login, "account-locked-out", why, err);
}

sm_status
sm_auth_totp_check(sm_app *app, const char *code, sm_err *err)
{
	struct check_ctx c = {.app = app, .code = code};
	sm_status st;
	if (app->user.login == NULL)
		return sm_err_add(err, SM_E_DENIED, NULL, "%s", _("nobody is logged in"));
	oath_init();
	st = write_tx(app, check_tx, &c, err);
	oath_done();
	if (st != SM_OK)
		return st;
	if (!c.enrolled)
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("the account '%s' has no second factor: ask the security administrator to enrol you"),
		    app->user.login);
	if (c.locked)
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("wrong one-time code; after %lld wrong codes in a row the account '%s' is locked: ask your security administrator to unlock it"),
		    (long long)c.failures, app->user.login);
	if (!c.ok)
		return sm_err_add(err, SM_E_DENIED, "totp",
		    _("wrong one-time code for '%s' (the 6 digits your authenticator app shows now)"),
		    app->user.login);
	return SM_OK;
}

/* ------------------------------------------------------------ enrolling */

struct enrol_ctx {
	sm_app *app;
	const char *login;
	const char *secret;
};

static sm_status
enrol_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct enrol_ctx *c = ud;
	sm_user u = {0};
	char *old = NULL;
	int64_t failures = 0;
	sm_status st = sm_tx_user_get(tx, c->login, &u, err);
	sm_user_clear(&u);
	if (st == SM_E_NOTFOUND)
		return sm_err_add(err, SM_E_NOTFOUND, "login", _("there is no account '%s'"), c->login);
	if (st != SM_OK || (st = sm_tx_user_totp_get(tx, c->login, &old, &failures, err)) != SM_OK)
		return st;
	bool enrolled = old != NULL;
	free(old);
	if (enrolled && strcmp(c->login, c->app->user.login) == 0)
		return sm_err_add(err, SM_E_DENIED, "login", "%s",
		    _("a security administrator does not enrol their own account again: ask another security administrator"));
	if ((st = sm_tx_user_totp_set(tx, c->login, c->secret, err)) != SM_OK)
		return st;
	return audit_user(tx, c->app, c->app->user.login, sm_role_name(c->app->user.role), c->login,
	    "totp-enrol", NULL, err);
}

sm_status
sm_auth_totp_enrol(sm_app *app, const char *login, char **secret, char **uri, sm_err *err)
{
	unsigned char raw[TOTP_SECRET_BYTES];
	char *b32 = NULL;
	size_t len = 0;
	sm_status st;
	*secret = *uri = NULL;
	if (app->user.role != SM_ROLE_SECADMIN)
		return sm_err_add(err, SM_E_DENIED, NULL, "%s",
		    _("only the security administrator enrols a second factor"));
	if (login == NULL || *login == '\0' || strspn(login,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(login))
		return sm_err_add(err, SM_E_INVALID, "login", "%s", _("not a login name"));
	if ((st = sm_random_bytes(raw, sizeof(raw), err)) != SM_OK)
		return st;
	oath_init();
	int r = oath_base32_encode((const char *)raw, sizeof(raw), &b32, &len);
	oath_done();
	memset(raw, 0, sizeof(raw));
	if (r != OATH_OK || b32 == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
	struct enrol_ctx c = {.app = app, .login = login, .secret = b32};
	if ((st = write_tx(app, enrol_tx, &c, err)) != SM_OK) {
		free(b32);
		return st;
	}
	if (asprintf(uri, "otpauth://totp/sitemark:%s?secret=%s&issuer=sitemark&algorithm=SHA1&digits=6&period=30",
	    login, b32) < 0) {
		*uri = NULL;
		free(b32);
		return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
	}
	*secret = b32;
	return SM_OK;
}

/* ------------------------------------------------------------ the record */

struct note_ctx {
	sm_app *app;
	const char *actor, *role, *login, *action, *reason;
};

static sm_status
note_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct note_ctx *c = ud;
	return audit_user(tx, c->app, c->actor, c->role, c->login, c->action, c->reason, err);
}

void
sm_auth_login_refused(sm_app *app, const char *login, const char *why)
{
	struct note_ctx c = {.app = app, .actor = login, .login = login, .action = "login-failed",
	    .reason = why};
	sm_err *e = sm_err_new();
	if (app->store && login && *login)
		(void)write_tx(app, note_tx, &c, e);
	sm_err_free(&e);
}

sm_status
sm_auth_idle_logout(sm_app *app, int seconds, sm_err *err)
{
	char why[32];
	snprintf(why, sizeof(why), "%d", seconds);
	struct note_ctx c = {.app = app, .actor = app->user.login,
	    .role = sm_role_name(app->user.role), .login = app->user.login,
	    .action = "logout-idle", .reason = why};
	return write_tx(app, note_tx, &c, err);
}
