/* check_app.c - a session: where the database is, what it loads, who acts. */
#include <config.h>

#include <check.h>
#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sm_app.h"
#include "sm_store.h"
#include "sm_workflow.h"
#include "testutil.h"

static char *dir;

static void
setup(void)
{
	dir = tu_tmpdir();
	if (getenv("SITEMARK_DATADIR") == NULL)
		setenv("SITEMARK_DATADIR", tu_srcdir(), 1);
	unsetenv("SITEMARK_DB");
	unsetenv("SITEMARK_CONFIG");
	setenv("XDG_CONFIG_HOME", dir, 1);
}

static void
teardown(void)
{
	tu_rmrf(dir);
	free(dir);
	dir = NULL;
}

START_TEST(test_db_path)
{
	sm_config cfg = {0};
	char *p;
	setenv("XDG_DATA_HOME", "/srv/data", 1);
	p = sm_app_db_path(NULL, NULL);
	ck_assert_str_eq(p, "/srv/data/sitemark/sitemark.db");
	free(p);
	cfg.database = "/etc-chosen.db";
	p = sm_app_db_path(NULL, &cfg);
	ck_assert_str_eq(p, "/etc-chosen.db");
	free(p);
	setenv("SITEMARK_DB", "/env.db", 1);
	p = sm_app_db_path(NULL, &cfg);
	ck_assert_str_eq(p, "/env.db");
	free(p);
	p = sm_app_db_path("/opt.db", &cfg);
	ck_assert_str_eq(p, "/opt.db");
	free(p);
	unsetenv("SITEMARK_DB");
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/u", 1);
	p = sm_app_db_path(NULL, NULL);
	ck_assert_str_eq(p, "/home/u/.local/share/sitemark/sitemark.db");
	free(p);
}
END_TEST

static sm_app *
open_app(const char *db, sm_open_mode mode, sm_err *err)
{
	char path[4096];
	sm_app *app = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, db);
	sm_app_opts o = {.db_path = path, .mode = mode};
	sm_app_open(&o, &app, NULL, err);
	return app;
}

START_TEST(test_open_loads_everything)
{
	sm_err *err = sm_err_new();
	sm_app *app = open_app("a.db", SM_OPEN_CREATE, err);
	ck_assert_msg(app != NULL, "%s", sm_err_msg(err, 0) ? sm_err_msg(err, 0) : "");
	ck_assert_uint_eq(sm_forms_count(app->forms), 9);
	ck_assert_ptr_nonnull(sm_forms_get(app->forms, "site"));
	ck_assert_uint_gt(sm_divisions_count(app->divs), 3000);
	ck_assert_int_eq(sm_calendar_first_year(app->cal), 2025);
	ck_assert_int_ge(sm_calendar_last_year(app->cal), 2026);
	ck_assert_int_eq(sm_store_schema_version(app->store), SM_SCHEMA_VERSION);
	char *support = sm_app_support_line(app);
	ck_assert_ptr_nonnull(strstr(support, "010-69001234"));
	ck_assert_ptr_nonnull(strstr(support, "0591-87304002"));
	free(support);
	sm_app_close(&app);
	ck_assert_ptr_null(app);
	sm_err_free(&err);
}
END_TEST

/* The session makes its clock once, from SITEMARK_NOW (this test runs with
 * its own privileges), and its store stamps records with it. */
START_TEST(test_session_clock)
{
	sm_err *err = sm_err_new();
	char now[32];
	setenv("SITEMARK_NOW", "2026-02-13T10:00:00+08:00", 1);
	sm_app *app = open_app("c.db", SM_OPEN_CREATE, err);
	ck_assert_msg(app != NULL, "%s", sm_err_msg(err, 0) ? sm_err_msg(err, 0) : "");
	/* read when the session opened, not later */
	setenv("SITEMARK_NOW", "2030-01-01", 1);
	ck_assert(app->clock.fixed);
	ck_assert_int_eq(sm_clock_today(&app->clock), sm_date_parse("2026-02-13"));
	sm_store_now(app->store, now);
	ck_assert_str_eq(now, "2026-02-13T10:00:00+08:00");
	app->clock = sm_clock_fixed(app->clock.at + 3600);
	sm_store_now(app->store, now);
	ck_assert_str_eq(now, "2026-02-13T11:00:00+08:00");
	sm_app_close(&app);
	/* without SITEMARK_NOW, the system's clock */
	unsetenv("SITEMARK_NOW");
	app = open_app("c.db", SM_OPEN_EXISTING, err);
	ck_assert_ptr_nonnull(app);
	ck_assert(!app->clock.fixed);
	sm_app_close(&app);
	sm_err_free(&err);
}
END_TEST

START_TEST(test_missing_database)
{
	sm_err *err = sm_err_new();
	sm_app *app = open_app("none.db", SM_OPEN_EXISTING, err);
	ck_assert_ptr_null(app);
	ck_assert_int_eq(sm_err_status(err), SM_E_STORE);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "sitemark init"));
	sm_err_free(&err);
}
END_TEST

START_TEST(test_broken_forms_dir)
{
	sm_err *err = sm_err_new();
	char *cfg = NULL;
	char *forms = NULL;
	ck_assert_int_ge(asprintf(&forms, "%s/forms", dir), 0);
	ck_assert_int_eq(mkdir(forms, 0700), 0);
	free(tu_write(forms, "site.yaml", "form: site\ntitle: \"x\"\nfields:\n  - id: a\n    type: nope\n"));
	ck_assert_int_ge(asprintf(&cfg, "forms: %s\n", forms), 0);
	char *path = tu_write(dir, "sitemark.yaml", cfg);
	setenv("SITEMARK_CONFIG", path, 1);
	sm_app *app = open_app("b.db", SM_OPEN_CREATE, err);
	ck_assert_ptr_null(app);
	ck_assert_uint_gt(sm_err_count(err), 0);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "site.yaml:"));
	unsetenv("SITEMARK_CONFIG");
	free(path);
	free(cfg);
	free(forms);
	sm_err_free(&err);
}
END_TEST

START_TEST(test_login)
{
	sm_err *err = sm_err_new();
	sm_app *app = open_app("c.db", SM_OPEN_CREATE, err);
	bool created = false;
	ck_assert_ptr_nonnull(app);
	ck_assert_int_eq(sm_app_login(app, "nobody", err), SM_E_DENIED);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "nobody"));
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "010-69001234"));
	sm_err_clear(err);
	ck_assert_int_eq(sm_first_admin(app, "root", &created, err), SM_OK);
	ck_assert(created);
	ck_assert_int_eq(sm_first_admin(app, "other", &created, err), SM_OK);
	ck_assert(!created);
	ck_assert_int_eq(sm_app_login(app, "root", err), SM_OK);
	ck_assert_int_eq(app->user.role, SM_ROLE_SYSADMIN);
	ck_assert_int_eq(sm_app_login(app, "other", err), SM_E_DENIED);
	sm_app_close(&app);
	sm_err_free(&err);
}
END_TEST

/* The code an authenticator app shows for SECRET (base32) at T. */
static void
totp_at(const char *secret, time_t t, char code[7])
{
	char *raw = NULL;
	size_t len = 0;
	ck_assert_int_eq(oath_init(), OATH_OK);
	ck_assert_int_eq(oath_base32_decode(secret, strlen(secret), &raw, &len), OATH_OK);
	ck_assert_int_eq(oath_totp_generate(raw, len, t, 30, 0, 6, code), OATH_OK);
	free(raw);
	oath_done();
}

static int64_t
audit_count(sm_app *app, const char *action, const char *actor)
{
	sm_audit_filter f = {.action = action, .actor = actor};
	sm_event *ev = NULL;
	size_t n = 0;
	int64_t total = 0;
	sm_err *err = sm_err_new();
	ck_assert_int_eq(sm_store_audit_page(app->store, &f, &ev, &n, &total, err), SM_OK);
	sm_events_free(&ev, n);
	sm_err_free(&err);
	return total;
}

static void
as(sm_app *app, const char *login)
{
	sm_err *err = sm_err_new();
	ck_assert_int_eq(sm_app_login(app, login, err), SM_OK);
	sm_err_free(&err);
}

/* The second factor (issue 7, point 3): enrolled by the security
 * administrator, checked at the session's clock with one step either side,
 * wrong codes counted and locking at auth.max_failures, everything audited;
 * roles it does not ask of, and unenrolled accounts (auth.totp_required
 * false), are not asked. */
START_TEST(test_totp)
{
	sm_err *err = sm_err_new();
	sm_app *app = open_app("t.db", SM_OPEN_CREATE, err);
	bool created = false, needed = true;
	char *secret = NULL, *uri = NULL, code[7];
	time_t now = 1771000000; /* 2026-02-13 */
	ck_assert_ptr_nonnull(app);
	app->clock = sm_clock_fixed(now);
	ck_assert_int_eq(sm_first_admin(app, "root", &created, err), SM_OK);
	as(app, "root");
	sm_user aud = {.login = "aud", .role = SM_ROLE_AUDITOR};
	sm_user sec = {.login = "sec", .role = SM_ROLE_SECADMIN};
	sm_user kf = {.login = "kf", .role = SM_ROLE_SERVICE};
	ck_assert_int_eq(sm_user_add(app, &aud, err), SM_OK);
	ck_assert_int_eq(sm_user_add(app, &sec, err), SM_OK);
	as(app, "sec");
	ck_assert_int_eq(sm_user_add(app, &kf, err), SM_E_DENIED); /* not the secadmin's */
	sm_err_clear(err);
	as(app, "root");
	ck_assert_int_eq(sm_user_add(app, &kf, err), SM_OK);
	tu_grant(app, "kf", SM_ROLE_SERVICE, "root", err);

	/* not enrolled: not asked (auth.totp_required is false) */
	as(app, "aud");
	ck_assert_int_eq(sm_auth_totp_needed(app, &needed, err), SM_OK);
	ck_assert(!needed);
	/* only the security administrator enrols */
	ck_assert_int_eq(sm_auth_totp_enrol(app, "aud", &secret, &uri, err), SM_E_DENIED);
	sm_err_clear(err);
	as(app, "root");
	ck_assert_int_eq(sm_auth_totp_enrol(app, "aud", &secret, &uri, err), SM_E_DENIED);
	sm_err_clear(err);
	as(app, "sec");
	ck_assert_int_eq(sm_auth_totp_enrol(app, "nobody", &secret, &uri, err), SM_E_NOTFOUND);
	sm_err_clear(err);
	ck_assert_int_eq(sm_auth_totp_enrol(app, "aud", &secret, &uri, err), SM_OK);
	ck_assert_uint_eq(strlen(secret), 32); /* 160 bits in base32 */
	ck_assert_ptr_nonnull(strstr(uri, "otpauth://totp/sitemark:aud?secret="));
	ck_assert_ptr_nonnull(strstr(uri, secret));
	ck_assert_int_eq(audit_count(app, "totp-enrol", "sec"), 1);

	/* enrolled: asked; right code accepted, one step either side too */
	as(app, "aud");
	ck_assert_int_eq(sm_auth_totp_needed(app, &needed, err), SM_OK);
	ck_assert(needed);
	totp_at(secret, now, code);
	ck_assert_int_eq(sm_auth_totp_check(app, code, err), SM_OK);
	totp_at(secret, now - 30, code);
	ck_assert_int_eq(sm_auth_totp_check(app, code, err), SM_OK);
	totp_at(secret, now + 30, code);
	ck_assert_int_eq(sm_auth_totp_check(app, code, err), SM_OK);
	/* two steps away, malformed, empty: wrong, counted and audited */
	totp_at(secret, now - 90, code);
	ck_assert_int_eq(sm_auth_totp_check(app, code, err), SM_E_DENIED);
	ck_assert_int_eq(sm_auth_totp_check(app, "12345", err), SM_E_DENIED);
	ck_assert_int_eq(sm_auth_totp_check(app, "", err), SM_E_DENIED);
	ck_assert_int_eq(audit_count(app, "totp-failed", "aud"), 3);
	/* a right code starts the count again */
	totp_at(secret, now, code);
	ck_assert_int_eq(sm_auth_totp_check(app, code, err), SM_OK);
	sm_err_clear(err);
	/* five wrong codes in a row lock the account */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(sm_auth_totp_check(app, "000000", err), SM_E_DENIED);
	ck_assert_int_eq(audit_count(app, "account-locked-out", NULL), 0);
	sm_err_clear(err);
	ck_assert_int_eq(sm_auth_totp_check(app, "000000", err), SM_E_DENIED);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "locked"));
	ck_assert_int_eq(audit_count(app, "account-locked-out", "aud"), 1);
	sm_err_clear(err);
	ck_assert_int_eq(sm_app_login(app, "aud", err), SM_E_DENIED); /* the existing lock */
	ck_assert_int_eq(audit_count(app, "login-failed", "aud"), 1);
	sm_err_clear(err);
	/* until the security administrator unlocks it (audited) */
	as(app, "sec");
	ck_assert_int_eq(sm_user_lock(app, "aud", false, err), SM_OK);
	ck_assert_int_eq(audit_count(app, "user-unlock", "sec"), 1);
	as(app, "aud");
	/* the count started again with the unlock */
	ck_assert_int_eq(sm_auth_totp_check(app, "000000", err), SM_E_DENIED);
	totp_at(secret, now, code);
	ck_assert_int_eq(sm_auth_totp_check(app, code, err), SM_OK);
	sm_err_clear(err);

	/* unknown logins are audited */
	ck_assert_int_eq(sm_app_login(app, "mallory", err), SM_E_DENIED);
	ck_assert_int_eq(audit_count(app, "login-failed", "mallory"), 1);
	sm_err_clear(err);

	/* a role the second factor is not asked of: not asked */
	as(app, "kf");
	ck_assert_int_eq(sm_auth_totp_needed(app, &needed, err), SM_OK);
	ck_assert(!needed);
	/* auth.totp_required: an unenrolled administrator is refused */
	app->cfg->auth_totp_required = 1;
	as(app, "root");
	ck_assert_int_eq(sm_auth_totp_needed(app, &needed, err), SM_E_DENIED);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "enrol"));
	sm_err_clear(err);
	as(app, "kf");
	ck_assert_int_eq(sm_auth_totp_needed(app, &needed, err), SM_OK);
	/* reviewers where configured */
	app->cfg->auth_totp_roles |= 1u << SM_ROLE_SERVICE;
	ck_assert_int_eq(sm_auth_totp_needed(app, &needed, err), SM_E_DENIED);
	sm_err_clear(err);
	/* the security administrator's own first enrolment, not a second */
	as(app, "sec");
	free(secret);
	free(uri);
	ck_assert_int_eq(sm_auth_totp_enrol(app, "sec", &secret, &uri, err), SM_OK);
	free(secret);
	free(uri);
	ck_assert_int_eq(sm_auth_totp_enrol(app, "sec", &secret, &uri, err), SM_E_DENIED);
	/* an idle log-out is audited */
	ck_assert_int_eq(sm_auth_idle_logout(app, 900, err), SM_OK);
	ck_assert_int_eq(audit_count(app, "logout-idle", "sec"), 1);
	sm_app_close(&app);
	sm_err_free(&err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("app");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_db_path);
	tcase_add_test(tc, test_open_loads_everything);
	tcase_add_test(tc, test_session_clock);
	tcase_add_test(tc, test_missing_database);
	tcase_add_test(tc, test_broken_forms_dir);
	tcase_add_test(tc, test_login);
	tcase_add_test(tc, test_totp);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
