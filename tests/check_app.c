/* check_app.c - a session: where the database is, what it loads, who acts. */
#include <config.h>

#include <check.h>
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
	ck_assert_uint_eq(sm_forms_count(app->forms), 8);
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
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
