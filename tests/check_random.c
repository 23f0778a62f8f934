/* check_random.c - random identifiers. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sm_random.h"
#include "testutil.h"

static int
cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

START_TEST(test_guid)
{
	enum { N = 10000 };
	char (*g)[33] = malloc(N * sizeof(*g));
	ck_assert_ptr_nonnull(g);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(sm_random_guid(g[i], NULL), SM_OK);
		ck_assert_uint_eq(strlen(g[i]), 32);
		ck_assert_uint_eq(strspn(g[i], "0123456789ABCDEF"), 32);
	}
	qsort(g, N, sizeof(*g), cmp);
	for (int i = 1; i < N; i++)
		ck_assert_str_ne(g[i - 1], g[i]);
	free(g);
}
END_TEST

START_TEST(test_request_id)
{
	char id[37], other[37];
	ck_assert_int_eq(sm_random_request_id(id, NULL), SM_OK);
	ck_assert_uint_eq(strlen(id), 36);
	/* RFC 4122 version 4: xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx */
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ck_assert_int_eq(id[i], '-');
		else
			ck_assert_ptr_nonnull(strchr("0123456789abcdef", id[i]));
	}
	ck_assert_int_eq(id[14], '4');
	ck_assert_ptr_nonnull(strchr("89ab", id[19]));
	ck_assert_int_eq(sm_random_request_id(other, NULL), SM_OK);
	ck_assert_str_ne(id, other);
}
END_TEST

/* The demo's fixed sequence: the same ids again from the same seed, then the
 * kernel's generator again. */
START_TEST(test_fixed)
{
	char a[3][37], b[3][37], g1[33], g2[33], r[37];
	sm_random_fixed(42);
	ck_assert_int_eq(sm_random_guid(g1, NULL), SM_OK);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(sm_random_request_id(a[i], NULL), SM_OK);
	sm_random_fixed(42);
	ck_assert_int_eq(sm_random_guid(g2, NULL), SM_OK);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(sm_random_request_id(b[i], NULL), SM_OK);
	ck_assert_str_eq(g1, g2);
	ck_assert_uint_eq(strspn(g1, "0123456789ABCDEF"), 32);
	for (int i = 0; i < 3; i++) {
		ck_assert_str_eq(a[i], b[i]);
		ck_assert_int_eq(a[i][14], '4');
	}
	ck_assert_str_ne(a[0], a[1]);
	sm_random_fixed(43);
	ck_assert_int_eq(sm_random_guid(g2, NULL), SM_OK);
	ck_assert_str_ne(g1, g2);
	/* Off again: not the fixed sequence. */
	sm_random_fixed(0);
	ck_assert_int_eq(sm_random_request_id(r, NULL), SM_OK);
	ck_assert_str_ne(r, a[0]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("random");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_guid);
	tcase_add_test(tc, test_request_id);
	tcase_add_test(tc, test_fixed);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
