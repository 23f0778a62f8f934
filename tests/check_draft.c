/* check_draft.c - drafts of unfinished forms. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "sm_draft.h"
#include "testutil.h"

static char *home;

static void
setup(void)
{
	home = tu_tmpdir();
	setenv("XDG_DATA_HOME", home, 1);
}

static void
teardown(void)
{
	tu_rmrf(home);
	free(home);
	home = NULL;
}

START_TEST(test_round_trip)
{
	sm_err *err = sm_err_new();
	json_t *v = json_pack("{s:s, s:[s,s], s:{s:s}}", "site_name", "福州市人民政府门户网站",
	    "english_domains", "www.fuzhou.gov.cn", "", "site_head", "name", "陈强");
	ck_assert_ptr_null(sm_draft_load("fz-gov", "site-new"));
	ck_assert_int_eq(sm_draft_save("fz-gov", "site-new", v, err), SM_OK);
	json_t *back = sm_draft_load("fz-gov", "site-new");
	ck_assert_ptr_nonnull(back);
	ck_assert(json_equal(v, back));
	/* another user's draft of the same form is another file */
	ck_assert_ptr_null(sm_draft_load("gl-gov", "site-new"));
	/* the file is private */
	char path[4096];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/sitemark/drafts/fz-gov/site-new.json", home);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);
	/* saving again replaces it, and no temporary file is left */
	json_object_set_new(v, "site_name", json_string("改过的名称"));
	ck_assert_int_eq(sm_draft_save("fz-gov", "site-new", v, err), SM_OK);
	json_decref(back);
	back = sm_draft_load("fz-gov", "site-new");
	ck_assert_str_eq(json_string_value(json_object_get(back, "site_name")), "改过的名称");
	snprintf(path, sizeof(path), "%s/sitemark/drafts/fz-gov/site-new.json.tmp", home);
	ck_assert_int_ne(stat(path, &sb), 0);
	sm_draft_delete("fz-gov", "site-new");
	ck_assert_ptr_null(sm_draft_load("fz-gov", "site-new"));
	json_decref(back);
	json_decref(v);
	sm_err_free(&err);
}
END_TEST

/* The drafts a user has kept, newest first, to list and discard. */
START_TEST(test_list)
{
	sm_err *err = sm_err_new();
	sm_draft_info *l = NULL;
	size_t n = 99;
	ck_assert_int_eq(sm_draft_list("fz-gov", &l, &n, err), SM_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(l);
	json_t *v = json_pack("{s:s}", "name", "福州市人民政府");
	ck_assert_int_eq(sm_draft_save("fz-gov", "domain-new", v, err), SM_OK);
	ck_assert_int_eq(sm_draft_save("fz-gov", "case-12", v, err), SM_OK);
	ck_assert_int_eq(sm_draft_save("gl-gov", "site-new", v, err), SM_OK);
	/* domain-new older than case-12 */
	char path[4096];
	snprintf(path, sizeof(path), "%s/sitemark/drafts/fz-gov/domain-new.json", home);
	struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
	ck_assert_int_eq(utimes(path, tv), 0);
	/* what is not a draft is not listed */
	snprintf(path, sizeof(path), "%s/sitemark/drafts/fz-gov/notes.txt", home);
	FILE *fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fclose(fp);
	ck_assert_int_eq(sm_draft_list("fz-gov", &l, &n, err), SM_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(l[0].key, "case-12");
	ck_assert_str_eq(l[1].key, "domain-new");
	ck_assert_int_eq((long long)l[1].saved, 1000000000LL);
	sm_draft_list_free(&l, n);
	ck_assert_ptr_null(l);
	sm_draft_delete("fz-gov", "case-12");
	ck_assert_int_eq(sm_draft_list("fz-gov", &l, &n, err), SM_OK);
	ck_assert_uint_eq(n, 1);
	sm_draft_list_free(&l, n);
	/* a login that cannot be a directory has none */
	ck_assert_int_eq(sm_draft_list("../x", &l, &n, err), SM_OK);
	ck_assert_uint_eq(n, 0);
	json_decref(v);
	sm_err_free(&err);
}
END_TEST

/* A draft over a stored object keeps the version it started from; the
 * values come back without it, and a draft kept without one says 0. */
START_TEST(test_version)
{
	sm_err *err = sm_err_new();
	json_t *v = json_pack("{s:s}", "site_name", "鼓楼区人民政府网站");
	int64_t ver = -1;
	ck_assert_int_eq(sm_draft_save_at("gl-gov", "case-14", v, 7, err), SM_OK);
	json_t *back = sm_draft_load_at("gl-gov", "case-14", &ver);
	ck_assert_int_eq(ver, 7);
	ck_assert(json_equal(v, back));
	json_decref(back);
	/* the plain load drops it too */
	back = sm_draft_load("gl-gov", "case-14");
	ck_assert(json_equal(v, back));
	json_decref(back);
	ck_assert_int_eq(sm_draft_save("gl-gov", "case-14", v, err), SM_OK);
	back = sm_draft_load_at("gl-gov", "case-14", &ver);
	ck_assert_int_eq(ver, 0);
	ck_assert(json_equal(v, back));
	json_decref(back);
	json_decref(v);
	sm_err_free(&err);
}
END_TEST

START_TEST(test_bad_names)
{
	sm_err *err = sm_err_new();
	json_t *v = json_object();
	static const char *const bad[] = {"../x", "a/b", ".hidden", "", "a b", "x\033[2J"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_ne(sm_draft_save("fz-gov", bad[i], v, err), SM_OK);
		ck_assert_int_ne(sm_draft_save(bad[i], "site-new", v, err), SM_OK);
		ck_assert_ptr_null(sm_draft_load(bad[i], "site-new"));
	}
	ck_assert_uint_gt(sm_err_count(err), 0);
	json_decref(v);
	sm_err_free(&err);
}
END_TEST

START_TEST(test_not_an_object)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/sitemark", home);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/sitemark/drafts", home);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/sitemark/drafts/u", home);
	mkdir(dir, 0700);
	free(tu_write(dir, "k.json", "[1, 2, 3]"));
	free(tu_write(dir, "j.json", "{ not json"));
	ck_assert_ptr_null(sm_draft_load("u", "k"));
	ck_assert_ptr_null(sm_draft_load("u", "j"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("draft");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_not_an_object);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
