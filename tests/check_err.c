/* check_err.c - tests of sm_err: errors as values. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "sm_err.h"
#include "testutil.h"

START_TEST(test_empty)
{
	sm_err *err = sm_err_new();

	ck_assert_ptr_nonnull(err);
	ck_assert_uint_eq(sm_err_count(err), 0);
	ck_assert_int_eq(sm_err_status(err), SM_OK);
	ck_assert_ptr_null(sm_err_msg(err, 0));
	ck_assert_ptr_null(sm_err_field(err, 0));
	ck_assert_int_eq(sm_err_status_at(err, 0), SM_OK);
	sm_err_free(&err);
	ck_assert_ptr_null(err);
	sm_err_free(&err); /* twice is harmless */
	sm_err_free(NULL);
}
END_TEST

START_TEST(test_add)
{
	sm_err *err = sm_err_new();

	ck_assert_int_eq(sm_err_add(err, SM_E_INVALID, "uscc", "check digit is wrong: "
	    "expected %c", 'X'), SM_E_INVALID);
	ck_assert_int_eq(sm_err_add(err, SM_E_DENIED, NULL, "%s may not %s", "unit",
	    "approve"), SM_E_DENIED);
	ck_assert_uint_eq(sm_err_count(err), 2);
	ck_assert_int_eq(sm_err_status(err), SM_E_INVALID); /* the first one */
	ck_assert_int_eq(sm_err_status_at(err, 1), SM_E_DENIED);
	ck_assert_str_eq(sm_err_field(err, 0), "uscc");
	ck_assert_str_eq(sm_err_msg(err, 0), "check digit is wrong: expected X");
	ck_assert_ptr_null(sm_err_field(err, 1));
	ck_assert_str_eq(sm_err_msg(err, 1), "unit may not approve");
	ck_assert_ptr_null(sm_err_msg(err, 2));
	sm_err_free(&err);
}
END_TEST

START_TEST(test_null_err)
{
	/* Without an sm_err only the status comes back. */
	ck_assert_int_eq(sm_err_add(NULL, SM_E_CONFLICT, "x", "%d", 1), SM_E_CONFLICT);
	ck_assert_uint_eq(sm_err_count(NULL), 0);
	ck_assert_int_eq(sm_err_status(NULL), SM_OK);
	ck_assert_ptr_null(sm_err_msg(NULL, 0));
	sm_err_clear(NULL);
	sm_err_merge(NULL, NULL, "p");
}
END_TEST

START_TEST(test_many_and_clear)
{
	sm_err *err = sm_err_new();
	char want[32];

	for (int i = 0; i < 100; i++)
		sm_err_add(err, i % 2 ? SM_E_STATE : SM_E_NOTFOUND, "f", "problem %d", i);
	ck_assert_uint_eq(sm_err_count(err), 100);
	for (int i = 0; i < 100; i++) {
		snprintf(want, sizeof(want), "problem %d", i);
		ck_assert_str_eq(sm_err_msg(err, (size_t)i), want);
		ck_assert_int_eq(sm_err_status_at(err, (size_t)i),
		    i % 2 ? SM_E_STATE : SM_E_NOTFOUND);
	}
	sm_err_clear(err);
	ck_assert_uint_eq(sm_err_count(err), 0);
	ck_assert_int_eq(sm_err_status(err), SM_OK);
	/* Usable again after clearing. */
	sm_err_add(err, SM_E_IO, NULL, "again");
	ck_assert_uint_eq(sm_err_count(err), 1);
	ck_assert_str_eq(sm_err_msg(err, 0), "again");
	sm_err_free(&err);
}
END_TEST

START_TEST(test_merge)
{
	sm_err *src = sm_err_new(), *dst = sm_err_new();

	sm_err_add(src, SM_E_INVALID, "name", "is empty");
	sm_err_add(src, SM_E_INVALID, NULL, "rule broken");
	sm_err_add(dst, SM_E_DUPLICATE, "id", "taken");

	sm_err_merge(dst, src, "contact");
	ck_assert_uint_eq(sm_err_count(dst), 3);
	ck_assert_int_eq(sm_err_status(dst), SM_E_DUPLICATE);
	ck_assert_str_eq(sm_err_field(dst, 1), "contact.name");
	ck_assert_str_eq(sm_err_msg(dst, 1), "is empty");
	/* A problem without a field takes the prefix as its field. */
	ck_assert_str_eq(sm_err_field(dst, 2), "contact");
	ck_assert_str_eq(sm_err_msg(dst, 2), "rule broken");

	sm_err_merge(dst, src, NULL);
	ck_assert_uint_eq(sm_err_count(dst), 5);
	ck_assert_str_eq(sm_err_field(dst, 3), "name");
	ck_assert_ptr_null(sm_err_field(dst, 4));
	/* The source is unchanged. */
	ck_assert_uint_eq(sm_err_count(src), 2);
	ck_assert_str_eq(sm_err_field(src, 0), "name");
	sm_err_free(&src);
	sm_err_free(&dst);
}
END_TEST

START_TEST(test_exit_codes)
{
	ck_assert_int_eq(sm_status_exit_code(SM_OK), 0);
	ck_assert_int_eq(sm_status_exit_code(SM_E_USAGE), 2);
	ck_assert_int_eq(sm_status_exit_code(SM_E_INVALID), 1);
	ck_assert_int_eq(sm_status_exit_code(SM_E_DENIED), 1);
	ck_assert_int_eq(sm_status_exit_code(SM_E_STATE), 1);
	ck_assert_int_eq(sm_status_exit_code(SM_E_CONFLICT), 1);
	ck_assert_int_eq(sm_status_exit_code(SM_E_STORE), 1);
	ck_assert_int_eq(sm_status_exit_code(SM_E_NOMEM), 1);
}
END_TEST

static Suite *
err_suite(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_add);
	tcase_add_test(tc, test_null_err);
	tcase_add_test(tc, test_many_and_clear);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_exit_codes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(err_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
