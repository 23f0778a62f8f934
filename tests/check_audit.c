/* check_audit.c - tests of sm_audit: the hash of one audit record. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_audit.h"
#include "testutil.h"

static sm_audit_rec
sample(void)
{
	sm_audit_rec r = {
		.seq = 7,
		.at = "2026-02-13T10:00:00+08:00",
		.actor = "fz-review",
		.role = "office",
		.ssh_client = "10.0.0.1 5555 22",
		.object = "case",
		.object_id = 12,
		.object_key = NULL,
		.action = "approve",
		.from_state = "office_review",
		.to_state = "conac_review",
		.reason = NULL,
		.values = "{\"a\":1}",
		.request_id = "req-1",
		.prev_hash = SM_AUDIT_GENESIS,
	};
	return r;
}

static void
hash(const sm_audit_rec *r, char out[SM_AUDIT_HASH_LEN + 1])
{
	memset(out, 'Z', SM_AUDIT_HASH_LEN + 1);
	sm_audit_hash(r, out);
}

START_TEST(test_known_value)
{
	/* SHA-256 of the canonical encoding, computed independently:
	 * "17:sitemark-audit-v1," "1:7," "25:2026-02-13T10:00:00+08:00," ...
	 * with "-," for each NULL field. */
	sm_audit_rec r = sample();
	char h[SM_AUDIT_HASH_LEN + 1];
	hash(&r, h);
	ck_assert_str_eq(h, "78075ea6540d3141541aeda775917df4c9489adc04405706a9c8c11320e7371e");

	sm_audit_rec r2 = {
		.seq = 1, .at = "2026-02-13T10:00:00+08:00", .actor = "管理员", .role = "sysadmin",
		.object = "user", .object_key = "admin", .action = "user-add", .reason = "理由",
		.request_id = "r", .prev_hash = SM_AUDIT_GENESIS,
	};
	hash(&r2, h);
	ck_assert_str_eq(h, "5dd596ab2e03a9fac698b968093e1ca4f8c2430d3b404a1e8810fdf7cdad2c42");
}
END_TEST

START_TEST(test_deterministic)
{
	sm_audit_rec r = sample();
	char a[SM_AUDIT_HASH_LEN + 1], b[SM_AUDIT_HASH_LEN + 1];
	hash(&r, a);
	ck_assert_uint_eq(strlen(a), SM_AUDIT_HASH_LEN);
	for (size_t i = 0; i < SM_AUDIT_HASH_LEN; i++)
		ck_assert_msg(strchr("0123456789abcdef", a[i]) != NULL, "not lower-case hex: %s", a);
	/* The same record in other memory hashes alike. */
	char *actor = strdup(r.actor);
	r.actor = actor;
	hash(&r, b);
	ck_assert_str_eq(a, b);
	free(actor);
	ck_assert_uint_eq(strlen(SM_AUDIT_GENESIS), SM_AUDIT_HASH_LEN);
}
END_TEST

/* The address of R's I-th string field. */
static const char **
field(sm_audit_rec *r, int i)
{
	switch (i) {
	case 0: return &r->at;
	case 1: return &r->actor;
	case 2: return &r->role;
	case 3: return &r->ssh_client;
	case 4: return &r->object;
	case 5: return &r->object_key;
	case 6: return &r->action;
	case 7: return &r->from_state;
	case 8: return &r->to_state;
	case 9: return &r->reason;
	case 10: return &r->values;
	case 11: return &r->request_id;
	case 12: return &r->prev_hash;
	default: return NULL;
	}
}
#define N_STR_FIELDS 13

START_TEST(test_every_field_counts)
{
	sm_audit_rec base = sample();
	char h0[SM_AUDIT_HASH_LEN + 1], h[SM_AUDIT_HASH_LEN + 1];
	hash(&base, h0);

	sm_audit_rec r = base;
	r.seq = 8;
	hash(&r, h);
	ck_assert_str_ne(h, h0);
	r = base;
	r.object_id = 13;
	hash(&r, h);
	ck_assert_str_ne(h, h0);
	r = base;
	r.object_id = -12;
	hash(&r, h);
	ck_assert_str_ne(h, h0);

	for (int i = 0; i < N_STR_FIELDS; i++) {
		/* another value */
		r = base;
		*field(&r, i) = "x";
		hash(&r, h);
		ck_assert_msg(strcmp(h, h0) != 0, "field %d does not count", i);
		/* one byte more */
		r = base;
		char *longer = NULL;
		const char *old = *field(&base, i);
		ck_assert(asprintf(&longer, "%s ", old ? old : "") > 0);
		*field(&r, i) = longer;
		hash(&r, h);
		ck_assert_msg(strcmp(h, h0) != 0, "field %d: a trailing space does not count", i);
		free(longer);
		/* missing (or present when it was missing) */
		r = base;
		*field(&r, i) = old ? NULL : "y";
		hash(&r, h);
		ck_assert_msg(strcmp(h, h0) != 0, "field %d: NULL does not count", i);
	}
}
END_TEST

START_TEST(test_null_is_not_empty)
{
	sm_audit_rec base = sample();
	char h_null[SM_AUDIT_HASH_LEN + 1], h_empty[SM_AUDIT_HASH_LEN + 1],
	    h_dash[SM_AUDIT_HASH_LEN + 1];
	for (int i = 0; i < N_STR_FIELDS; i++) {
		sm_audit_rec r = base;
		*field(&r, i) = NULL;
		hash(&r, h_null);
		*field(&r, i) = "";
		hash(&r, h_empty);
		ck_assert_msg(strcmp(h_null, h_empty) != 0, "field %d: NULL and \"\" hash alike", i);
		/* nor the encoding of NULL itself as text */
		*field(&r, i) = "-";
		hash(&r, h_dash);
		ck_assert_msg(strcmp(h_null, h_dash) != 0, "field %d: NULL and \"-\" hash alike", i);
		ck_assert_str_ne(h_empty, h_dash);
	}
}
END_TEST

START_TEST(test_no_shifting)
{
	/* Moving bytes from one field to the next changes the hash. */
	sm_audit_rec a = sample(), b = sample();
	char ha[SM_AUDIT_HASH_LEN + 1], hb[SM_AUDIT_HASH_LEN + 1];
	a.actor = "ab";
	a.role = "c";
	b.actor = "a";
	b.role = "bc";
	hash(&a, ha);
	hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	/* Nor can a field fake the separator. */
	a = sample();
	b = sample();
	a.from_state = "x,1:y";
	a.to_state = NULL;
	b.from_state = "x";
	b.to_state = "y";
	hash(&a, ha);
	hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	/* Two fields swapped. */
	a = sample();
	b = sample();
	b.from_state = a.to_state;
	b.to_state = a.from_state;
	hash(&a, ha);
	hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	/* seq and object_id swapped */
	a = sample();
	b = sample();
	b.seq = a.object_id;
	b.object_id = a.seq;
	hash(&a, ha);
	hash(&b, hb);
	ck_assert_str_ne(ha, hb);
}
END_TEST

START_TEST(test_chain)
{
	/* A record's hash depends on the one before it. */
	sm_audit_rec r1 = sample(), r2 = sample();
	char h1[SM_AUDIT_HASH_LEN + 1], h2[SM_AUDIT_HASH_LEN + 1], h2b[SM_AUDIT_HASH_LEN + 1];
	r1.seq = 1;
	hash(&r1, h1);
	r2.seq = 2;
	r2.prev_hash = h1;
	hash(&r2, h2);
	r1.reason = "edited";
	hash(&r1, h1);
	hash(&r2, h2b);
	ck_assert_str_ne(h2, h2b);
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("hash");
	tcase_add_test(tc, test_known_value);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_every_field_counts);
	tcase_add_test(tc, test_null_is_not_empty);
	tcase_add_test(tc, test_no_shifting);
	tcase_add_test(tc, test_chain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(audit_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
