/* check_division.c - tests of sm_division: the shipped table and bad files. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_division.h"
#include "sm_err.h"
#include "testutil.h"

static sm_divisions *divs;

static void
load_shipped(void)
{
	sm_err *err = sm_err_new();
	sm_status st;

	ck_assert_ptr_nonnull(err);
	st = sm_divisions_load(tu_src("data/divisions.tsv"), &divs, err);
	ck_assert_msg(st == SM_OK, "load: %s",
	    sm_err_count(err) ? sm_err_msg(err, 0) : "?");
	ck_assert_ptr_nonnull(divs);
	sm_err_free(&err);
}

static void
free_shipped(void)
{
	sm_divisions_free(&divs);
	ck_assert_ptr_null(divs);
}

START_TEST(shipped_count)
{
	/* 3351 data rows; 东莞市, 中山市 and 儋州市 are listed twice. */
	ck_assert_uint_eq(sm_divisions_count(divs), 3348);
}
END_TEST

START_TEST(fujian)
{
	char buf[128];

	ck_assert_str_eq(sm_division_name(divs, "350000"), "福建省");
	ck_assert_str_eq(sm_division_name(divs, "350100"), "福州市");
	ck_assert_str_eq(sm_division_name(divs, "350102"), "鼓楼区");
	ck_assert_int_eq(sm_division_level("350000"), SM_LEVEL_PROVINCE);
	ck_assert_int_eq(sm_division_level("350100"), SM_LEVEL_PREFECTURE);
	ck_assert_int_eq(sm_division_level("350102"), SM_LEVEL_COUNTY);
	ck_assert_ptr_null(sm_division_parent(divs, "350000"));
	ck_assert_str_eq(sm_division_parent(divs, "350100"), "350000");
	ck_assert_str_eq(sm_division_parent(divs, "350102"), "350100");
	ck_assert_str_eq(sm_division_full_name(divs, "350000", buf,
	    sizeof(buf)), "福建省");
	ck_assert_str_eq(sm_division_full_name(divs, "350100", buf,
	    sizeof(buf)), "福建省福州市");
	ck_assert_str_eq(sm_division_full_name(divs, "350102", buf,
	    sizeof(buf)), "福建省福州市鼓楼区");
	ck_assert_ptr_eq(sm_division_full_name(divs, "350102", buf,
	    sizeof(buf)), buf);
	ck_assert_ptr_null(sm_division_check(divs, "350000"));
	ck_assert_ptr_null(sm_division_check(divs, "350100"));
	ck_assert_ptr_null(sm_division_check(divs, "350102"));
}
END_TEST

START_TEST(placeholders)
{
	char buf[128];

	/* 市辖区, 县 and the 直辖县级 groupings are skipped in full names. */
	ck_assert_str_eq(sm_division_name(divs, "110100"), "市辖区");
	ck_assert_str_eq(sm_division_full_name(divs, "110101", buf,
	    sizeof(buf)), "北京市东城区");
	ck_assert_str_eq(sm_division_full_name(divs, "110100", buf,
	    sizeof(buf)), "北京市");
	ck_assert_str_eq(sm_division_name(divs, "500200"), "县");
	ck_assert_str_eq(sm_division_parent(divs, "429004"), "429000");
	ck_assert_str_eq(sm_division_full_name(divs, "429004", buf,
	    sizeof(buf)), "湖北省仙桃市");
	ck_assert_str_eq(sm_division_full_name(divs, "659001", buf,
	    sizeof(buf)), "新疆维吾尔自治区石河子市");
	/* A city without counties, listed twice in the data. */
	ck_assert_str_eq(sm_division_name(divs, "441900"), "东莞市");
	ck_assert_str_eq(sm_division_parent(divs, "441900"), "440000");
	ck_assert_str_eq(sm_division_full_name(divs, "441900", buf,
	    sizeof(buf)), "广东省东莞市");
}
END_TEST

START_TEST(central)
{
	char buf[64];

	ck_assert_int_eq(sm_division_level("000000"), SM_LEVEL_CENTRAL);
	ck_assert_str_eq(sm_division_name(divs, "000000"), "中央和国家机关");
	ck_assert_str_eq(sm_division_name(NULL, "000000"), "中央和国家机关");
	ck_assert_ptr_null(sm_division_parent(divs, "000000"));
	ck_assert_ptr_null(sm_division_check(divs, "000000"));
	ck_assert_str_eq(sm_division_full_name(divs, "000000", buf,
	    sizeof(buf)), "中央和国家机关");
}
END_TEST

START_TEST(levels)
{
	ck_assert_int_eq(sm_division_level("110000"), SM_LEVEL_PROVINCE);
	ck_assert_int_eq(sm_division_level("110100"), SM_LEVEL_PREFECTURE);
	ck_assert_int_eq(sm_division_level("110101"), SM_LEVEL_COUNTY);
	ck_assert_int_eq(sm_division_level("429004"), SM_LEVEL_COUNTY);
	ck_assert_int_eq(sm_division_level("000100"), SM_LEVEL_INVALID);
	ck_assert_int_eq(sm_division_level("35010"), SM_LEVEL_INVALID);
	ck_assert_int_eq(sm_division_level("3501000"), SM_LEVEL_INVALID);
	ck_assert_int_eq(sm_division_level("35010a"), SM_LEVEL_INVALID);
	ck_assert_int_eq(sm_division_level(""), SM_LEVEL_INVALID);
	ck_assert_int_eq(sm_division_level(NULL), SM_LEVEL_INVALID);
	ck_assert_str_eq(sm_level_name(SM_LEVEL_CENTRAL), "central");
	ck_assert_str_eq(sm_level_name(SM_LEVEL_PROVINCE), "province");
	ck_assert_str_eq(sm_level_name(SM_LEVEL_PREFECTURE), "prefecture");
	ck_assert_str_eq(sm_level_name(SM_LEVEL_COUNTY), "county");
	ck_assert_str_eq(sm_level_name(SM_LEVEL_INVALID), "invalid");
}
END_TEST

START_TEST(unknown)
{
	char buf[64] = "unchanged";

	ck_assert_ptr_null(sm_division_name(divs, "350199"));
	ck_assert_ptr_null(sm_division_parent(divs, "350199"));
	ck_assert_ptr_null(sm_division_full_name(divs, "350199", buf,
	    sizeof(buf)));
	ck_assert_ptr_null(sm_division_name(divs, "990000"));
	ck_assert_ptr_null(sm_division_name(divs, "3501"));
	ck_assert_ptr_null(sm_division_name(divs, NULL));
	ck_assert_ptr_null(sm_division_full_name(divs, NULL, buf,
	    sizeof(buf)));
	ck_assert_ptr_null(sm_division_full_name(divs, "350102", NULL, 10));
	ck_assert_ptr_null(sm_division_full_name(divs, "350102", buf, 0));
	ck_assert_str_eq(sm_division_check(divs, "350199"),
	    "is not a known division code");
	ck_assert_str_eq(sm_division_check(divs, "35010"), "must be 6 digits");
	ck_assert_str_eq(sm_division_check(divs, "35010x"),
	    "must be 6 digits");
	ck_assert_str_eq(sm_division_check(divs, "000100"),
	    "is not a division code");
	ck_assert_str_eq(sm_division_check(divs, ""), "is empty");
	ck_assert_str_eq(sm_division_check(divs, NULL), "is empty");
	ck_assert_str_eq(sm_division_check(NULL, "350102"),
	    "is not a known division code");
	ck_assert_uint_eq(sm_divisions_count(NULL), 0);
	ck_assert_ptr_null(sm_divisions_code_at(NULL, 0));
}
END_TEST

START_TEST(truncation)
{
	char buf[16];

	/* 福建省福州市鼓楼区 is 27 bytes: cut at a character boundary. */
	ck_assert_str_eq(sm_division_full_name(divs, "350102", buf,
	    sizeof(buf)), "福建省福州");
	ck_assert_str_eq(sm_division_full_name(divs, "350102", buf, 3),
	    "");
	ck_assert_str_eq(sm_division_full_name(divs, "350102", buf, 4),
	    "福");
}
END_TEST

START_TEST(iterate)
{
	size_t i, n = sm_divisions_count(divs);
	const char *prev = NULL, *code;

	for (i = 0; i < n; i++) {
		code = sm_divisions_code_at(divs, i);
		ck_assert_ptr_nonnull(code);
		ck_assert_int_ne(sm_division_level(code), SM_LEVEL_INVALID);
		ck_assert_ptr_null(sm_division_check(divs, code));
		ck_assert_ptr_nonnull(sm_division_name(divs, code));
		if (prev != NULL)
			ck_assert_int_lt(strcmp(prev, code), 0);
		prev = code;
	}
	ck_assert_str_eq(sm_divisions_code_at(divs, 0), "110000");
	ck_assert_ptr_null(sm_divisions_code_at(divs, n));
}
END_TEST

/* ---- files written for the test ---- */

struct bad_file {
	const char *text;
	const char *msg;  /* expected message, after "PATH:" */
};

static const struct bad_file bad_files[] = {
	{ "350000\t福建省\t\n350100 福州市 350000\n",
	    "2: must be code, tab, name, tab, parent code" },
	{ "35000\t福建省\t\n", "1: the code must be 6 digits" },
	{ "3500000\t福建省\t\n", "1: the code must be 6 digits" },
	{ "35000a\t福建省\t\n", "1: the code must be 6 digits" },
	{ "000100\t福建省\t\n", "1: the code is not a division code" },
	{ "350000\t\t\n", "1: the name is empty" },
	{ "350000\t福建省\t\t\n",
	    "1: has more than three tab-separated fields" },
	{ "350000\t福建\xff省\t\n", "1: the name is not valid UTF-8" },
	{ "350000\t福建\x1b[2J省\t\n",
	    "1: the name contains a control or invisible character" },
	{ "350000\t福建\xe2\x80\xae省\t\n",
	    "1: the name contains a control or invisible character" },
	{ "350000\t福建省\t110000\n", "1: a province must have no parent code" },
	{ "350000\t福建省\t\n350100\t福州市\t\n",
	    "2: the parent code is missing" },
	{ "350000\t福建省\t\n350100\t福州市\t35000\n",
	    "2: the parent code must be 6 digits" },
	{ "350000\t福建省\t\n350100\t福州市\t110000\n",
	    "2: the parent code is not a higher level that contains the code" },
	{ "350000\t福建省\t\n350100\t福州市\t350000\n350102\t鼓楼区\t350200\n",
	    "3: the parent code is not a higher level that contains the code" },
	{ "350000\t福建省\t\n350102\t鼓楼区\t350100\n",
	    "2: parent code 350100 is not in the file" },
	{ "350000\t福建省\t\n350100\t福州市\t350000\n350100\t厦门市\t350000\n",
	    "3: code 350100 is already on line 2" },
	{ "350000\t福建省\t\n350100\t福州市\t350100\n",
	    "2: the parent code is the code itself" },
	{ "# only a comment\n\n", "has no divisions" },
	{ "", "has no divisions" },
};

START_TEST(malformed)
{
	const struct bad_file *b = &bad_files[_i];
	char *dir = tu_tmpdir(), *path, *want;
	sm_divisions *d = (sm_divisions *)&d;
	sm_err *err = sm_err_new();
	sm_status st;
	size_t n;

	path = tu_write(dir, "divisions.tsv", b->text);
	st = sm_divisions_load(path, &d, err);
	ck_assert_int_eq(st, SM_E_INVALID);
	ck_assert_ptr_null(d);
	ck_assert_uint_ge(sm_err_count(err), 1);
	ck_assert_int_eq(sm_err_status(err), SM_E_INVALID);
	n = strlen(path) + strlen(b->msg) + 3;
	want = malloc(n);
	ck_assert_ptr_nonnull(want);
	snprintf(want, n, "%s:%s%s", path, b->msg[0] >= '0' &&
	    b->msg[0] <= '9' ? "" : " ", b->msg);
	ck_assert_str_eq(sm_err_msg(err, 0), want);
	free(want);
	sm_err_free(&err);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(tolerated)
{
	static const char text[] =
	    "\xef\xbb\xbf# a comment after a byte order mark\r\n"
	    "\r\n"
	    "350000\t福建省\r\n"
	    "350100\t福州市\t350000\r\n"
	    "350100\t福州市\t350100\r\n"
	    "350102\t鼓楼区\t350100\r\n"
	    "350181\t福清市\t350100";
	char *dir = tu_tmpdir(), *path, buf[64];
	sm_divisions *d = NULL;
	sm_err *err = sm_err_new();

	path = tu_write(dir, "divisions.tsv", text);
	ck_assert_int_eq(sm_divisions_load(path, &d, err), SM_OK);
	ck_assert_uint_eq(sm_err_count(err), 0);
	ck_assert_uint_eq(sm_divisions_count(d), 4);
	ck_assert_str_eq(sm_division_name(d, "350000"), "福建省");
	ck_assert_str_eq(sm_division_parent(d, "350100"), "350000");
	ck_assert_str_eq(sm_division_full_name(d, "350181", buf, sizeof(buf)),
	    "福建省福州市福清市");
	ck_assert_str_eq(sm_divisions_code_at(d, 3), "350181");
	sm_divisions_free(&d);
	/* The self-parent repeat first: the real row is kept. */
	free(path);
	path = tu_write(dir, "divisions.tsv", "350000\t福建省\t\n"
	    "350100\t福州市\t350100\n350100\t福州市\t350000\n");
	ck_assert_int_eq(sm_divisions_load(path, &d, err), SM_OK);
	ck_assert_uint_eq(sm_divisions_count(d), 2);
	ck_assert_str_eq(sm_division_parent(d, "350100"), "350000");
	sm_divisions_free(&d);
	ck_assert_ptr_null(d);
	sm_divisions_free(&d);
	sm_divisions_free(NULL);
	sm_err_free(&err);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(io_errors)
{
	char *dir = tu_tmpdir(), *path;
	sm_divisions *d = NULL;
	sm_err *err = sm_err_new();
	size_t n;

	n = strlen(dir) + 32;
	path = malloc(n);
	ck_assert_ptr_nonnull(path);
	snprintf(path, n, "%s/missing.tsv", dir);
	ck_assert_int_eq(sm_divisions_load(path, &d, err), SM_E_IO);
	ck_assert_ptr_null(d);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), path));
	sm_err_clear(err);
	/* A directory opens but cannot be read. */
	ck_assert_int_eq(sm_divisions_load(dir, &d, err), SM_E_IO);
	ck_assert_ptr_null(d);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), dir));
	/* No error object: the status alone. */
	ck_assert_int_eq(sm_divisions_load(path, &d, NULL), SM_E_IO);
	free(path);
	sm_err_free(&err);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(long_line)
{
	char *dir = tu_tmpdir(), *path, *text;
	sm_divisions *d = NULL;
	sm_err *err = sm_err_new();

	text = malloc(20000);
	ck_assert_ptr_nonnull(text);
	strcpy(text, "350000\t");
	memset(text + 7, 'a', 10000);
	strcpy(text + 10007, "\t\n");
	path = tu_write(dir, "divisions.tsv", text);
	ck_assert_int_eq(sm_divisions_load(path, &d, err), SM_E_INVALID);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0),
	    ":1: the line is too long"));
	sm_err_clear(err);
	/* A name over the limit on an acceptable line. */
	strcpy(text, "350000\t");
	memset(text + 7, 'a', 300);
	strcpy(text + 307, "\t\n");
	free(path);
	path = tu_write(dir, "divisions.tsv", text);
	ck_assert_int_eq(sm_divisions_load(path, &d, err), SM_E_INVALID);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0),
	    ":1: the name is too long"));
	free(text);
	free(path);
	sm_err_free(&err);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

static Suite *
division_suite(void)
{
	Suite *s = suite_create("division");
	TCase *tc;

	tc = tcase_create("shipped");
	tcase_add_checked_fixture(tc, load_shipped, free_shipped);
	tcase_add_test(tc, shipped_count);
	tcase_add_test(tc, fujian);
	tcase_add_test(tc, placeholders);
	tcase_add_test(tc, central);
	tcase_add_test(tc, levels);
	tcase_add_test(tc, unknown);
	tcase_add_test(tc, truncation);
	tcase_add_test(tc, iterate);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_loop_test(tc, malformed, 0,
	    (int)(sizeof(bad_files) / sizeof(bad_files[0])));
	tcase_add_test(tc, tolerated);
	tcase_add_test(tc, io_errors);
	tcase_add_test(tc, long_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(division_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
