/* check_validate.c - tests of sm_validate: codes, formats, IDNA, hints.
 *
 * Check digits are recomputed here by an independent implementation (tables
 * of weights written out), and every position of known-good codes is
 * mutated to show that the validator rejects what the algorithm rejects. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sm_validate.h"
#include "testutil.h"

#define OK(expr) ck_assert_ptr_null(expr)
#define BAD(expr, msg) do { \
	const char *why_ = (expr); \
	ck_assert_msg(why_ != NULL, "%s accepted", #expr); \
	ck_assert_str_eq(why_, (msg)); \
} while (0)
#define REJECTED(expr) ck_assert_msg((expr) != NULL, "%s accepted", #expr)

/* ---- independent check digit computations ---- */

static const char T_USCC[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int T_USCC_W[17] = {
	1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

static int
t_uscc_val(char c)
{
	const char *p = strchr(T_USCC, c);
	return c != '\0' && p != NULL ? (int)(p - T_USCC) : -1;
}

static char
t_uscc_check(const char *s17)
{
	int i, sum = 0;

	for (i = 0; i < 17; i++)
		sum += t_uscc_val(s17[i]) * T_USCC_W[i];
	return T_USCC[(31 - sum % 31) % 31];
}

static int
t_org_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return -1000;
}

static char
t_org_check(const char *s8)
{
	static const int w[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	int i, sum = 0, c;

	for (i = 0; i < 8; i++)
		sum += t_org_val(s8[i]) * w[i];
	c = 11 - sum % 11;
	return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

static char
t_id_check(const char *s17)
{
	static const int w[17] = {
		7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
	};
	int i, sum = 0;

	for (i = 0; i < 17; i++)
		sum += (s17[i] - '0') * w[i];
	return "10X98765432"[sum % 11];
}

/* Build an ID number from AREA (6), BIRTH (8), SEQ (3) with its check. */
static void
t_make_id(char out[19], const char *area, const char *birth, const char *seq)
{
	snprintf(out, 19, "%s%s%s", area, birth, seq);
	out[17] = t_id_check(out);
	out[18] = '\0';
}

/* Build a USCC from its first 8 characters and an 8-character org body. */
static void
t_make_uscc(char out[19], const char *head8, const char *org8)
{
	memcpy(out, head8, 8);
	memcpy(out + 8, org8, 8);
	out[16] = t_org_check(org8);
	out[17] = t_uscc_check(out);
	out[18] = '\0';
}

/* ---- 统一社会信用代码 ---- */

static const char *const good_uscc[] = {
	"91350100M000100Y43", "11140800558745220K", "121200004013590816",
	NULL
};

START_TEST(uscc_vectors)
{
	size_t i;

	for (i = 0; good_uscc[i] != NULL; i++) {
		OK(sm_check_uscc(good_uscc[i]));
		ck_assert_int_eq(t_uscc_check(good_uscc[i]), good_uscc[i][17]);
		ck_assert_int_eq(t_org_check(good_uscc[i] + 8),
		    good_uscc[i][16]);
	}
	REJECTED(sm_check_uscc("91350100M000100Y4Z"));
	BAD(sm_check_uscc("91350100M000100Y4Z"),
	    "contains a character that is not allowed: only digits and "
	    "upper-case letters except I, O, S, V and Z");
	BAD(sm_check_uscc("91350100M000100Y44"), "check digit is wrong");
}
END_TEST

START_TEST(uscc_generated)
{
	static const char *const heads[] = {
		"11350000", "12350100", "13110000", "51350102", "52110105",
		"53440300", "91350100", "Y1350000", NULL
	};
	static const char *const bodies[] = {
		"00000000", "12345678", "ABCDEFGH", "MA2XY3QT", "40135908",
		"R0W1N2P3", NULL
	};
	char code[19];
	size_t i, j;

	for (i = 0; heads[i] != NULL; i++)
		for (j = 0; bodies[j] != NULL; j++) {
			t_make_uscc(code, heads[i], bodies[j]);
			if (strchr(code, 'I') || strchr(code, 'O') ||
			    strchr(code, 'S') || strchr(code, 'V') ||
			    strchr(code, 'Z'))
				continue;
			ck_assert_msg(sm_check_uscc(code) == NULL,
			    "%s rejected: %s", code, sm_check_uscc(code));
		}
}
END_TEST

/* Every single substitution and every adjacent transposition changes the
 * mod-31 sum: all are rejected. */
START_TEST(uscc_mutations)
{
	char m[19];
	size_t i, k, pos;
	long tried = 0;

	for (i = 0; good_uscc[i] != NULL; i++) {
		for (pos = 0; pos < 18; pos++)
			for (k = 0; T_USCC[k] != '\0'; k++) {
				if (T_USCC[k] == good_uscc[i][pos])
					continue;
				memcpy(m, good_uscc[i], 19);
				m[pos] = T_USCC[k];
				ck_assert_msg(sm_check_uscc(m) != NULL,
				    "mutation %s accepted", m);
				tried++;
			}
		for (pos = 0; pos < 17; pos++) {
			memcpy(m, good_uscc[i], 19);
			if (m[pos] == m[pos + 1])
				continue;
			m[pos] = good_uscc[i][pos + 1];
			m[pos + 1] = good_uscc[i][pos];
			ck_assert_msg(sm_check_uscc(m) != NULL,
			    "transposition %s accepted", m);
		}
	}
	ck_assert_int_eq(tried, 3 * 18 * 30);
}
END_TEST

START_TEST(uscc_rejections)
{
	char code[19];

	BAD(sm_check_uscc(NULL), "is empty");
	BAD(sm_check_uscc(""), "is empty");
	BAD(sm_check_uscc("91350100M000100Y4"), "must be 18 characters");
	BAD(sm_check_uscc("91350100M000100Y433"), "must be 18 characters");
	BAD(sm_check_uscc("91350100m000100y43"), "letters must be upper-case");
	BAD(sm_check_uscc("91350100M000100I43"),
	    "contains a character that is not allowed: only digits and "
	    "upper-case letters except I, O, S, V and Z");
	BAD(sm_check_uscc("9135 0100M000100Y4"),
	    "contains a character that is not allowed: only digits and "
	    "upper-case letters except I, O, S, V and Z");
	BAD(sm_check_uscc("９1350100M000100Y43"),
	    "contains a character that is not allowed: only digits and "
	    "upper-case letters except I, O, S, V and Z");
	BAD(sm_check_uscc("91350100M000100Y43\r\n"),
	    "contains a control character");
	/* A letter in the division part, with both check digits right. */
	t_make_uscc(code, "913501A0", "M000100Y");
	BAD(sm_check_uscc(code),
	    "characters 3 to 8 must be digits (a division code)");
	/* The USCC check digit right, the embedded one wrong. */
	memcpy(code, "91350100M000100Y", 16);
	code[16] = t_org_check("M000100Y") == '0' ? '1' : '0';
	code[17] = t_uscc_check(code);
	code[18] = '\0';
	BAD(sm_check_uscc(code), "characters 9 to 17 are not a valid "
	    "organisation code: their check digit is wrong");
}
END_TEST

/* ---- 组织机构代码 ---- */

START_TEST(orgcode_vectors)
{
	static const char *const bodies[] = {
		"D2143569", "74371976", "55874522", "40135908", "00000000",
		"ZZZZZZZZ", "MA2XY3QT", NULL
	};
	char code[11];
	size_t i;

	OK(sm_check_orgcode("D2143569-X"));
	OK(sm_check_orgcode("74371976-1"));
	OK(sm_check_orgcode("743719761"));
	OK(sm_check_orgcode("D2143569X"));
	ck_assert_int_eq(t_org_check("D2143569"), 'X');
	ck_assert_int_eq(t_org_check("74371976"), '1');
	for (i = 0; bodies[i] != NULL; i++) {
		snprintf(code, sizeof(code), "%s-%c", bodies[i],
		    t_org_check(bodies[i]));
		ck_assert_msg(sm_check_orgcode(code) == NULL, "%s: %s", code,
		    sm_check_orgcode(code));
		code[8] = t_org_check(bodies[i]);
		code[9] = '\0';
		OK(sm_check_orgcode(code));
	}
}
END_TEST

/* Mod 11 with values up to 35 does not catch every substitution: the
 * validator must agree with the independent computation on each one. */
START_TEST(orgcode_mutations)
{
	static const char *const good[] = { "D2143569-X", "74371976-1", NULL };
	static const char chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char m[11];
	size_t i, k, pos;
	long rejected = 0, total = 0;

	for (i = 0; good[i] != NULL; i++)
		for (pos = 0; pos < 10; pos++) {
			if (pos == 8)
				continue;
			for (k = 0; chars[k] != '\0'; k++) {
				bool expect;

				if (chars[k] == good[i][pos])
					continue;
				memcpy(m, good[i], 11);
				m[pos] = chars[k];
				expect = (pos == 9 && chars[k] != 'X' &&
				    (chars[k] < '0' || chars[k] > '9')) ? false :
				    t_org_check(m) == m[9];
				ck_assert_msg((sm_check_orgcode(m) == NULL) ==
				    expect, "%s: validator and computation "
				    "disagree", m);
				total++;
				rejected += !expect;
			}
		}
	/* Most substitutions are caught; those at multiples of 11 are not. */
	ck_assert_int_gt(rejected, total * 9 / 10);
	ck_assert_int_lt(rejected, total);
}
END_TEST

START_TEST(orgcode_rejections)
{
	BAD(sm_check_orgcode("D2143569-1"), "check digit is wrong");
	BAD(sm_check_orgcode("74371976-X"), "check digit is wrong");
	BAD(sm_check_orgcode("74371976-A"),
	    "the check digit must be a digit or X");
	BAD(sm_check_orgcode("d2143569-x"), "letters must be upper-case");
	BAD(sm_check_orgcode("D214-3569X"),
	    "contains a character that is not allowed: only digits, "
	    "upper-case letters and a hyphen before the check digit");
	BAD(sm_check_orgcode("D2143569-"),
	    "must be 9 characters, or 10 with a hyphen before the check digit");
	BAD(sm_check_orgcode("D2143569"),
	    "must be 9 characters, or 10 with a hyphen before the check digit");
	BAD(sm_check_orgcode("D2143569XX"),
	    "must be 9 characters, or 10 with a hyphen before the check digit");
	BAD(sm_check_orgcode(""), "is empty");
	BAD(sm_check_orgcode("D2143569-X\n"), "contains a control character");
}
END_TEST

/* ---- 居民身份证号 ---- */

START_TEST(id_vectors)
{
	static const struct { const char *area, *birth, *seq; } gen[] = {
		{ "350102", "19800101", "123" }, { "110105", "20000229", "001" },
		{ "440305", "19000101", "999" }, { "650102", "19991231", "456" },
		{ "810000", "19700615", "010" }, { "370202", "20240229", "777" },
	};
	char id[19];
	size_t i;

	OK(sm_check_id_number("11010519491231002X"));
	ck_assert_int_eq(t_id_check("11010519491231002X"), 'X');
	BAD(sm_check_id_number("36042619910102009X"), "check digit is wrong");
	ck_assert_int_ne(t_id_check("36042619910102009X"), 'X');
	for (i = 0; i < sizeof(gen) / sizeof(gen[0]); i++) {
		t_make_id(id, gen[i].area, gen[i].birth, gen[i].seq);
		ck_assert_msg(sm_check_id_number(id) == NULL, "%s: %s", id,
		    sm_check_id_number(id));
	}
}
END_TEST

/* Mod 11 with prime weights: every single digit change is caught (by the
 * check digit, or by the birth date or province it breaks). */
START_TEST(id_mutations)
{
	static const char *const good[] = {
		"11010519491231002X", NULL, NULL
	};
	char gen1[19], gen2[19], m[19];
	const char *list[3];
	size_t i, pos;
	char c;

	t_make_id(gen1, "350102", "19800101", "123");
	t_make_id(gen2, "110105", "20000229", "001");
	list[0] = good[0];
	list[1] = gen1;
	list[2] = gen2;
	for (i = 0; i < 3; i++)
		for (pos = 0; pos < 18; pos++)
			for (c = '0'; c <= '9' + 1; c++) {
				char cc = c > '9' ? 'X' : c;

				if (cc == list[i][pos] || (cc == 'X' && pos != 17))
					continue;
				memcpy(m, list[i], 19);
				m[pos] = cc;
				ck_assert_msg(sm_check_id_number(m) != NULL,
				    "mutation %s accepted", m);
			}
}
END_TEST

START_TEST(id_rejections)
{
	char id[19], birth[9];
	time_t t;
	struct tm tm;

	BAD(sm_check_id_number("1101051949123100"), "must be 18 characters");
	BAD(sm_check_id_number("110105491231002"), "must be 18 characters");
	BAD(sm_check_id_number("1101051949123100X2"),
	    "the first 17 characters must be digits");
	BAD(sm_check_id_number("11010519491231002x"),
	    "the last character must be a digit or an upper-case X");
	BAD(sm_check_id_number("11010519491231002Y"),
	    "the last character must be a digit or an upper-case X");
	t_make_id(id, "990105", "19491231", "002");
	BAD(sm_check_id_number(id), "the first two digits are not a province "
	    "code");
	t_make_id(id, "360426", "19910230", "009");
	BAD(sm_check_id_number(id), "birth date is not a real date");
	t_make_id(id, "360426", "19001301", "009");
	BAD(sm_check_id_number(id), "birth date is not a real date");
	t_make_id(id, "360426", "19000229", "009");
	BAD(sm_check_id_number(id), "birth date is not a real date");
	t_make_id(id, "360426", "19910100", "009");
	BAD(sm_check_id_number(id), "birth date is not a real date");
	t_make_id(id, "360426", "18991231", "009");
	BAD(sm_check_id_number(id), "birth date is before 1900");
	t_make_id(id, "360426", "29991231", "009");
	BAD(sm_check_id_number(id), "birth date is in the future");
	/* Tomorrow is in the future, today is not. */
	t = time(NULL) + 86400;
	localtime_r(&t, &tm);
	strftime(birth, sizeof(birth), "%Y%m%d", &tm);
	t_make_id(id, "350102", birth, "123");
	BAD(sm_check_id_number(id), "birth date is in the future");
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(birth, sizeof(birth), "%Y%m%d", &tm);
	t_make_id(id, "350102", birth, "123");
	OK(sm_check_id_number(id));
	BAD(sm_check_id_number("11010519491231002X\r"),
	    "contains a control character");
}
END_TEST

/* ---- mobile and phone ---- */

START_TEST(mobile)
{
	OK(sm_check_mobile("13800138000"));
	OK(sm_check_mobile("19912345678"));
	OK(sm_check_mobile("+8613800138000"));
	OK(sm_check_mobile("+86 13800138000"));
	OK(sm_check_mobile("+86-138-0013-8000"));
	OK(sm_check_mobile("8613800138000"));
	OK(sm_check_mobile("86 138 0013 8000"));
	OK(sm_check_mobile("138 0013 8000"));
	OK(sm_check_mobile("138-0013-8000"));
	BAD(sm_check_mobile("12800138000"), "must start with 13 to 19");
	BAD(sm_check_mobile("23800138000"), "must start with 13 to 19");
	BAD(sm_check_mobile("1380013800"), "must be 11 digits");
	BAD(sm_check_mobile("138001380001"), "must be 11 digits");
	BAD(sm_check_mobile("+86"), "must be 11 digits");
	BAD(sm_check_mobile("1380013800a"), "contains a character that is not "
	    "a digit, space or hyphen");
	BAD(sm_check_mobile("138 00138000"), "separators must group the "
	    "digits 3-4-4, as in 138 0013 8000");
	BAD(sm_check_mobile("138 0013-8000"), "separators must group the "
	    "digits 3-4-4, as in 138 0013 8000");
	BAD(sm_check_mobile("1380 013 8000"), "must be 11 digits");
	BAD(sm_check_mobile("13800138000\r\nBcc: x@y.cn"),
	    "contains a control character");
	BAD(sm_check_mobile(""), "is empty");
}
END_TEST

START_TEST(postal_code)
{
	OK(sm_check_postal_code("350003"));
	OK(sm_check_postal_code("100000"));
	BAD(sm_check_postal_code("35000"), "must be a postal code of 6 digits, for example 350003");
	BAD(sm_check_postal_code("3500033"), "must be a postal code of 6 digits, for example 350003");
	BAD(sm_check_postal_code("35000X"), "must be a postal code of 6 digits, for example 350003");
	BAD(sm_check_postal_code(""), "is empty");
}
END_TEST

START_TEST(phone)
{
	OK(sm_check_phone("010-69001234"));
	OK(sm_check_phone("0591-87304002"));
	OK(sm_check_phone("(0591)87304002"));
	OK(sm_check_phone("(0591) 87304002"));
	OK(sm_check_phone("（0591）87304002"));
	OK(sm_check_phone("0591 8730 4002"));
	OK(sm_check_phone("0591-8730-4002"));
	OK(sm_check_phone("059187304002"));
	OK(sm_check_phone("0596-2345678"));
	OK(sm_check_phone("0596-234-5678"));
	OK(sm_check_phone("010-69001234-123"));
	OK(sm_check_phone("010-69001234转123"));
	OK(sm_check_phone("010-69001234 转 123"));
	OK(sm_check_phone("021-62345678 ext. 9"));
	OK(sm_check_phone("400-810-8888"));
	OK(sm_check_phone("4008108888"));
	OK(sm_check_phone("800 810 8888"));
	OK(sm_check_phone("400-810-8888转2"));
	OK(sm_check_phone("13800138000"));
	OK(sm_check_phone("+86 138 0013 8000"));
	BAD(sm_check_phone("010-6900123"), "the number after a three-digit "
	    "area code must have 8 digits");
	BAD(sm_check_phone("0591-873040021"), "the number after the area code "
	    "must have 7 or 8 digits");
	BAD(sm_check_phone("0591-87304"), "the number after the area code "
	    "must have 7 or 8 digits");
	BAD(sm_check_phone("0591-07304002"), "the number after the area code "
	    "cannot start with 0 or 1");
	BAD(sm_check_phone("0591-"), "the number after the area code is "
	    "missing");
	BAD(sm_check_phone("059"), "the area code is incomplete");
	BAD(sm_check_phone("(0591 87304002"), "the area code's parenthesis "
	    "is not closed");
	BAD(sm_check_phone("69001234"), "must start with an area code such "
	    "as 010 or 0591, or be a mobile or 400 number");
	BAD(sm_check_phone("010-69001234-1234567"), "the extension must have "
	    "1 to 6 digits");
	BAD(sm_check_phone("010-69001234转"), "the extension must have 1 to 6 "
	    "digits");
	BAD(sm_check_phone("010-69001234 abc"), "has unexpected text after the "
	    "number; write an extension as -123 or 转123");
	BAD(sm_check_phone("400-810-888"), "a 400 or 800 number must have 10 "
	    "digits, as in 400-810-8888");
	BAD(sm_check_phone("12800138000"), "must start with 13 to 19");
	BAD(sm_check_phone("010-69001234\n"), "contains a control character");
}
END_TEST

/* ---- e-mail ---- */

START_TEST(email)
{
	char *longlocal;

	OK(sm_check_email("zhang.san@fj.gov.cn"));
	OK(sm_check_email("a+b_c-d!#$%&'*/=?^`{|}~@example.com"));
	OK(sm_check_email("office@中央编办.政务"));
	OK(sm_check_email("x@EXAMPLE.COM"));
	BAD(sm_check_email("zhang.fj.gov.cn"), "must contain exactly one @");
	BAD(sm_check_email("a@b@fj.gov.cn"), "must contain exactly one @");
	BAD(sm_check_email("@fj.gov.cn"), "the part before @ is empty");
	BAD(sm_check_email("a@"), "the part after @ is empty");
	BAD(sm_check_email("a@localhost"), "the part after @ must be a domain "
	    "name with at least one dot");
	BAD(sm_check_email("a@fj..gov.cn"), "the part after @ is not a valid "
	    "domain name");
	BAD(sm_check_email("a@fj_x.gov.cn"), "the part after @ is not a valid "
	    "domain name");
	BAD(sm_check_email("zhang san@fj.gov.cn"), "the part before @ contains "
	    "a character that is not allowed");
	BAD(sm_check_email("<a>@fj.gov.cn"), "the part before @ contains a "
	    "character that is not allowed");
	BAD(sm_check_email("a,b@fj.gov.cn"), "the part before @ contains a "
	    "character that is not allowed");
	BAD(sm_check_email("\"a\"@fj.gov.cn"), "the part before @ contains a "
	    "character that is not allowed");
	BAD(sm_check_email("张三@fj.gov.cn"), "the part before @ contains a "
	    "character that is not allowed");
	BAD(sm_check_email(".a@fj.gov.cn"), "the part before @ must not start "
	    "or end with a dot or have two dots in a row");
	BAD(sm_check_email("a.@fj.gov.cn"), "the part before @ must not start "
	    "or end with a dot or have two dots in a row");
	BAD(sm_check_email("a..b@fj.gov.cn"), "the part before @ must not "
	    "start or end with a dot or have two dots in a row");
	BAD(sm_check_email("a@fj.gov.cn\r\nBcc: all@x.cn"),
	    "contains a control character");
	BAD(sm_check_email("a@fj.gov.cn\n"), "contains a control character");
	longlocal = malloc(80);
	ck_assert_ptr_nonnull(longlocal);
	memset(longlocal, 'a', 65);
	strcpy(longlocal + 65, "@fj.gov.cn");
	BAD(sm_check_email(longlocal), "the part before @ is longer than 64 "
	    "characters");
	free(longlocal);
}
END_TEST

/* ---- IP addresses ---- */

START_TEST(public_ip)
{
	static const char priv[] = "is a private address, not a public one";
	static const char doc[] = "is a documentation address, not a public "
	    "one";
	static const char lo[] = "is a loopback address, not a public one";
	static const char ll[] = "is a link-local address, not a public one";
	static const char mc[] = "is a multicast address, not a unicast one";
	static const char unspec[] = "is the unspecified address, not a public "
	    "one";
	static const char notip[] = "is not an IPv4 or IPv6 address";

	OK(sm_check_public_ip("8.8.8.8"));
	OK(sm_check_public_ip("220.181.38.148"));
	OK(sm_check_public_ip("1.0.0.1"));
	OK(sm_check_public_ip("223.255.255.254"));
	OK(sm_check_public_ip("2400:3200::1"));
	OK(sm_check_public_ip("2001:4860:4860::8888"));
	OK(sm_check_public_ip("::ffff:8.8.8.8"));
	/* edges of the private ranges */
	OK(sm_check_public_ip("9.255.255.255"));
	OK(sm_check_public_ip("11.0.0.0"));
	OK(sm_check_public_ip("172.15.255.255"));
	OK(sm_check_public_ip("172.32.0.0"));
	OK(sm_check_public_ip("100.63.255.255"));
	OK(sm_check_public_ip("100.128.0.0"));
	OK(sm_check_public_ip("198.17.255.255"));
	OK(sm_check_public_ip("198.20.0.0"));
	OK(sm_check_public_ip("192.0.1.1"));
	BAD(sm_check_public_ip("0.0.0.0"), unspec);
	BAD(sm_check_public_ip("0.1.2.3"), "is in 0.0.0.0/8 (this network), "
	    "not a public address");
	BAD(sm_check_public_ip("10.1.2.3"), priv);
	BAD(sm_check_public_ip("172.16.0.1"), priv);
	BAD(sm_check_public_ip("172.31.255.255"), priv);
	BAD(sm_check_public_ip("192.168.1.1"), priv);
	BAD(sm_check_public_ip("100.64.0.1"), "is a carrier-grade NAT address "
	    "(100.64.0.0/10), not a public one");
	BAD(sm_check_public_ip("100.127.255.255"), "is a carrier-grade NAT "
	    "address (100.64.0.0/10), not a public one");
	BAD(sm_check_public_ip("127.0.0.1"), lo);
	BAD(sm_check_public_ip("169.254.1.1"), ll);
	BAD(sm_check_public_ip("192.0.0.8"), "is reserved for protocol "
	    "assignments (192.0.0.0/24), not a public address");
	BAD(sm_check_public_ip("192.0.2.1"), doc);
	BAD(sm_check_public_ip("198.51.100.7"), doc);
	BAD(sm_check_public_ip("203.0.113.9"), doc);
	BAD(sm_check_public_ip("198.18.0.1"), "is reserved for benchmarking "
	    "(198.18.0.0/15), not a public address");
	BAD(sm_check_public_ip("198.19.255.255"), "is reserved for "
	    "benchmarking (198.18.0.0/15), not a public address");
	BAD(sm_check_public_ip("224.0.0.1"), mc);
	BAD(sm_check_public_ip("239.255.255.255"), mc);
	BAD(sm_check_public_ip("240.0.0.1"), "is a reserved address "
	    "(240.0.0.0/4), not a public one");
	BAD(sm_check_public_ip("255.255.255.255"), "is the broadcast address, "
	    "not a public one");
	BAD(sm_check_public_ip("::"), unspec);
	BAD(sm_check_public_ip("::1"), lo);
	BAD(sm_check_public_ip("fe80::1"), ll);
	BAD(sm_check_public_ip("febf::1"), ll);
	BAD(sm_check_public_ip("fc00::1"), priv);
	BAD(sm_check_public_ip("fd12:3456::1"), priv);
	BAD(sm_check_public_ip("ff02::1"), mc);
	BAD(sm_check_public_ip("2001:db8::1"), doc);
	BAD(sm_check_public_ip("::ffff:192.168.0.1"), priv);
	BAD(sm_check_public_ip("::ffff:127.0.0.1"), lo);
	BAD(sm_check_public_ip("::ffff:0.0.0.0"), unspec);
	BAD(sm_check_public_ip("fec0::1"), "is not in the global unicast "
	    "range 2000::/3, not a public address");
	BAD(sm_check_public_ip("::8.8.8.8"), "is not in the global unicast "
	    "range 2000::/3, not a public address");
	BAD(sm_check_public_ip("1.2.3"), notip);
	BAD(sm_check_public_ip("1.2.3.256"), notip);
	BAD(sm_check_public_ip(" 8.8.8.8"), notip);
	BAD(sm_check_public_ip("8.8.8.8 "), notip);
	BAD(sm_check_public_ip("fe80::1%eth0"), notip);
	BAD(sm_check_public_ip("2400:3200::1::2"), notip);
	BAD(sm_check_public_ip("www.fj.gov.cn"), notip);
	BAD(sm_check_public_ip("8.8.8.8\n"), "contains a control character");
}
END_TEST

/* ---- ICP and PSB filing numbers ---- */

START_TEST(icp)
{
	static const char *const abbr[] = {
		"京", "津", "冀", "晋", "蒙", "辽", "吉", "黑", "沪", "苏", "浙",
		"皖", "闽", "赣", "鲁", "豫", "鄂", "湘", "粤", "桂", "琼", "渝",
		"川", "贵", "云", "藏", "陕", "甘", "青", "宁", "新", NULL
	};
	char buf[64];
	size_t i;

	OK(sm_check_icp("闽ICP备12345678号-1"));
	OK(sm_check_icp("闽ICP备12345678号"));
	OK(sm_check_icp("京ICP证030173号"));
	OK(sm_check_icp("粤ICP备2021012345号-12"));
	for (i = 0; abbr[i] != NULL; i++) {
		snprintf(buf, sizeof(buf), "%sICP备05070602号", abbr[i]);
		OK(sm_check_icp(buf));
	}
	ck_assert_uint_eq(i, 31);
	BAD(sm_check_icp("港ICP备12345678号"), "must start with a province "
	    "abbreviation such as 京 or 闽");
	BAD(sm_check_icp("ICP备12345678号"), "must start with a province "
	    "abbreviation such as 京 or 闽");
	BAD(sm_check_icp("闽icp备12345678号"), "must have ICP备 or ICP证 after "
	    "the province abbreviation");
	BAD(sm_check_icp("闽ICP12345678号"), "must have ICP备 or ICP证 after "
	    "the province abbreviation");
	BAD(sm_check_icp("闽ICP备号"), "the number after ICP备 must have 5 to "
	    "12 digits");
	BAD(sm_check_icp("闽ICP备1234号"), "the number after ICP备 must have 5 "
	    "to 12 digits");
	BAD(sm_check_icp("闽ICP备1234567890123号"), "the number after ICP备 "
	    "must have 5 to 12 digits");
	BAD(sm_check_icp("闽ICP备12345678"), "the number must be followed by 号");
	BAD(sm_check_icp("闽ICP备12345678号1"), "may only have -N after 号, as "
	    "in 闽ICP备12345678号-1");
	BAD(sm_check_icp("闽ICP备12345678号-"), "the site number after 号- must "
	    "be 1 to 3 digits, not starting with 0");
	BAD(sm_check_icp("闽ICP备12345678号-01"), "the site number after 号- "
	    "must be 1 to 3 digits, not starting with 0");
	BAD(sm_check_icp("闽ICP备12345678号-1234"), "the site number after 号- "
	    "must be 1 to 3 digits, not starting with 0");
	BAD(sm_check_icp("闽ICP备12345678号-1\r\n"), "contains a control "
	    "character");
}
END_TEST

START_TEST(psb)
{
	OK(sm_check_psb("闽公网安备 35010202000123号"));
	OK(sm_check_psb("闽公网安备35010202000123号"));
	OK(sm_check_psb("闽公网安备\xe3\x80\x80" "35010202000123号"));
	OK(sm_check_psb("京公网安备 11010502030143号"));
	BAD(sm_check_psb("闽公网安备 11010502030143号"), "the number's first "
	    "two digits do not match the province abbreviation");
	BAD(sm_check_psb("闽公网安备 3501020200012号"), "the number after "
	    "公网安备 must have 14 digits");
	BAD(sm_check_psb("闽公网安备 350102020001234号"), "the number after "
	    "公网安备 must have 14 digits");
	BAD(sm_check_psb("闽公网安备  35010202000123号"), "the number after "
	    "公网安备 must have 14 digits");
	BAD(sm_check_psb("闽公网安备 35010202000123"), "the number must be "
	    "followed by 号 and nothing else");
	BAD(sm_check_psb("闽公网安备 35010202000123号-1"), "the number must "
	    "be followed by 号 and nothing else");
	BAD(sm_check_psb("闽公安备 35010202000123号"), "must have 公网安备 "
	    "after the province abbreviation");
	BAD(sm_check_psb("公网安备 35010202000123号"), "must start with a "
	    "province abbreviation such as 京 or 闽");
	BAD(sm_check_psb("闽公网安备 35010202000123号\n"), "contains a "
	    "control character");
}
END_TEST

/* ---- site code, date, amount ---- */

START_TEST(site_code)
{
	OK(sm_check_site_code("3501000001"));
	OK(sm_check_site_code("1100000088"));
	OK(sm_check_site_code("bm01000001"));
	BAD(sm_check_site_code("BM01000001"), "the prefix bm must be "
	    "lower-case");
	BAD(sm_check_site_code("bm0100001"), "must be bm and 8 digits");
	BAD(sm_check_site_code("bm0100000a"), "must be bm and 8 digits");
	BAD(sm_check_site_code("350100001"), "must be 10 digits (a 6-digit "
	    "division code and 4 digits), or bm and 8 digits");
	BAD(sm_check_site_code("35010000011"), "must be 10 digits (a 6-digit "
	    "division code and 4 digits), or bm and 8 digits");
	BAD(sm_check_site_code("35010O0001"), "must be 10 digits (a 6-digit "
	    "division code and 4 digits), or bm and 8 digits");
	BAD(sm_check_site_code("0001000001"), "the first six digits must be "
	    "a division code");
}
END_TEST

START_TEST(date)
{
	OK(sm_check_date("2026-02-27"));
	OK(sm_check_date("2024-02-29"));
	OK(sm_check_date("2000-02-29"));
	OK(sm_check_date("1999-12-31"));
	BAD(sm_check_date("2025-02-29"), "is not a real date");
	BAD(sm_check_date("1900-02-29"), "is not a real date");
	BAD(sm_check_date("2026-04-31"), "is not a real date");
	BAD(sm_check_date("2026-13-01"), "is not a real date");
	BAD(sm_check_date("2026-00-10"), "is not a real date");
	BAD(sm_check_date("2026-01-00"), "is not a real date");
	BAD(sm_check_date("0000-01-01"), "is not a real date");
	BAD(sm_check_date("2026/02/27"), "must be a date written YYYY-MM-DD");
	BAD(sm_check_date("2026-2-27"), "must be a date written YYYY-MM-DD");
	BAD(sm_check_date("26-02-27"), "must be a date written YYYY-MM-DD");
	BAD(sm_check_date("2026-02-27T00"), "must be a date written "
	    "YYYY-MM-DD");
	BAD(sm_check_date("2026-0a-27"), "must be a date written YYYY-MM-DD");
}
END_TEST

START_TEST(amount)
{
	OK(sm_check_amount("1200"));
	OK(sm_check_amount("1200.5"));
	OK(sm_check_amount("1200.50"));
	OK(sm_check_amount("0.01"));
	OK(sm_check_amount("999999999999.99"));
	BAD(sm_check_amount("0"), "must be greater than zero");
	BAD(sm_check_amount("0.00"), "must be greater than zero");
	BAD(sm_check_amount("-5"), "must be greater than zero");
	BAD(sm_check_amount("1200.505"), "must have at most two decimals");
	BAD(sm_check_amount("1200."), "must have digits after the decimal "
	    "point");
	BAD(sm_check_amount(".5"), "must be an amount in yuan such as 1200 or "
	    "1200.50");
	BAD(sm_check_amount("1,200"), "must be an amount in yuan such as 1200 "
	    "or 1200.50");
	BAD(sm_check_amount("1200元"), "must be an amount in yuan such as 1200 "
	    "or 1200.50");
	BAD(sm_check_amount("1e3"), "must be an amount in yuan such as 1200 "
	    "or 1200.50");
	BAD(sm_check_amount("0100"), "must not start with 0");
	BAD(sm_check_amount("1234567890123"), "is too large");
}
END_TEST

/* ---- host names, IDNA2008 and registry names ---- */

static void
norm_eq(const char *in, const char *want_ace, const char *want_uni)
{
	char *ace = NULL, *uni = NULL;
	const char *why = sm_domain_normalise(in, &ace, &uni);

	ck_assert_msg(why == NULL, "%s: %s", in, why);
	ck_assert_str_eq(ace, want_ace);
	ck_assert_str_eq(uni, want_uni);
	free(ace);
	free(uni);
}

START_TEST(idn_normalise)
{
	char *ace = (char *)"x", *uni = (char *)"y";

	norm_eq("政务", "xn--zfr164b", "政务");
	norm_eq("公益", "xn--55qw42g", "公益");
	norm_eq("中央编办.政务", "xn--fiq11i8xgb87b.xn--zfr164b",
	    "中央编办.政务");
	norm_eq("中央编办。政务", "xn--fiq11i8xgb87b.xn--zfr164b",
	    "中央编办.政务");
	norm_eq("中央编办．政务", "xn--fiq11i8xgb87b.xn--zfr164b",
	    "中央编办.政务");
	norm_eq("xn--fiq11i8xgb87b.xn--zfr164b",
	    "xn--fiq11i8xgb87b.xn--zfr164b", "中央编办.政务");
	norm_eq("XN--FIQ11I8XGB87B.XN--ZFR164B",
	    "xn--fiq11i8xgb87b.xn--zfr164b", "中央编办.政务");
	norm_eq("中央编办.xn--zfr164b", "xn--fiq11i8xgb87b.xn--zfr164b",
	    "中央编办.政务");
	norm_eq("WWW.FJ.Gov.CN", "www.fj.gov.cn", "www.fj.gov.cn");
	/* ACE only, Unicode only. */
	ck_assert_ptr_null(sm_domain_normalise("政务", &ace, NULL));
	ck_assert_str_eq(ace, "xn--zfr164b");
	free(ace);
	ck_assert_ptr_null(sm_domain_normalise("政务", NULL, &uni));
	ck_assert_str_eq(uni, "政务");
	free(uni);
	/* Failure leaves NULLs. */
	ace = (char *)"x";
	uni = (char *)"y";
	BAD(sm_domain_normalise("xn--abc", &ace, &uni),
	    "an xn-- label is not a valid encoded name");
	ck_assert_ptr_null(ace);
	ck_assert_ptr_null(uni);
	BAD(sm_domain_normalise("a..b", NULL, NULL), "must not contain two "
	    "dots in a row");
	BAD(sm_domain_normalise(".a.cn", NULL, NULL), "must not start with a "
	    "dot");
	BAD(sm_domain_normalise("a.cn.", NULL, NULL), "must not end with a "
	    "dot");
	BAD(sm_domain_normalise("a_b.cn", NULL, NULL), "may only contain "
	    "letters, digits, hyphens and dots");
	BAD(sm_domain_normalise("a b.cn", NULL, NULL), "may only contain "
	    "letters, digits, hyphens and dots");
	BAD(sm_domain_normalise("ab--c.cn", NULL, NULL), "a label must not "
	    "have hyphens in both its third and fourth positions");
	BAD(sm_domain_normalise("xn--55qw42g-.cn", NULL, NULL), "an xn-- "
	    "label is not a valid encoded name");
	BAD(sm_domain_normalise("xn--ls8h.cn", NULL, NULL), "contains a "
	    "character that is not allowed in a domain name");
	BAD(sm_domain_normalise("福建_省.政务", NULL, NULL), "may only contain "
	    "letters, digits, hyphens and dots");
	BAD(sm_domain_normalise("-a.cn", NULL, NULL), "a label must not start "
	    "or end with a hyphen");
	BAD(sm_domain_normalise("a-.cn", NULL, NULL), "a label must not start "
	    "or end with a hyphen");
	BAD(sm_domain_normalise("福建\xe2\x80\xae政务.政务", NULL, NULL),
	    "contains a character that is not allowed in a domain name");
	BAD(sm_domain_normalise("☺.cn", NULL, NULL),
	    "contains a character that is not allowed in a domain name");
	BAD(sm_domain_normalise("a\xff.cn", NULL, NULL), "is not valid UTF-8");
	BAD(sm_domain_normalise("a.cn\r\n", NULL, NULL), "contains a control "
	    "character");
}
END_TEST

START_TEST(hostname)
{
	char label[80], name[400];
	size_t i;

	OK(sm_check_hostname("www.fj.gov.cn"));
	OK(sm_check_hostname("WWW.FJ.GOV.CN"));
	OK(sm_check_hostname("中央编办.政务"));
	OK(sm_check_hostname("xn--fiq11i8xgb87b.xn--zfr164b"));
	OK(sm_check_hostname("a-b.c1.cn"));
	OK(sm_check_hostname("www。fj。gov。cn"));
	BAD(sm_check_hostname("localhost"), "must contain at least one dot, "
	    "as in www.example.cn");
	BAD(sm_check_hostname("1.2.3.4"), "the last label must not be all "
	    "digits: an IP address is not a host name");
	BAD(sm_check_hostname("http://www.fj.gov.cn"), "must be a host name "
	    "only, without http:// or a path");
	BAD(sm_check_hostname("www.fj.gov.cn/index.html"), "must be a host "
	    "name only, without http:// or a path");
	BAD(sm_check_hostname("www.fj.gov.cn:80"), "may only contain letters, "
	    "digits, hyphens and dots");
	BAD(sm_check_hostname("www..cn"), "must not contain two dots in a row");
	memset(label, 'a', 64);
	label[64] = '\0';
	snprintf(name, sizeof(name), "%s.cn", label);
	BAD(sm_check_hostname(name), "a label is longer than 63 characters");
	label[63] = '\0';
	snprintf(name, sizeof(name), "%s.cn", label);
	OK(sm_check_hostname(name));
	/* 4 labels of 63 + 3 dots + ".cn" = 258 > 253 */
	name[0] = '\0';
	for (i = 0; i < 4; i++) {
		strcat(name, label);
		strcat(name, ".");
	}
	strcat(name, "cn");
	BAD(sm_check_hostname(name), "is longer than 253 characters");
	BAD(sm_check_hostname(""), "is empty");
	BAD(sm_check_hostname(NULL), "is empty");
}
END_TEST

START_TEST(registry)
{
	sm_check_fn fn = sm_validator_find("registry_domain");

	OK(sm_check_registry_label("福建省人民政府", SM_TLD_ZHENGWU));
	OK(sm_check_registry_label("中央编办", SM_TLD_ZHENGWU));
	OK(sm_check_registry_label("中国红十字会", SM_TLD_GONGYI));
	OK(sm_check_registry_label("xn--fiq11i8xgb87b", SM_TLD_ZHENGWU));
	OK(sm_check_registry_label("中央编办", SM_TLD_ZHENGWU_ACE));
	OK(sm_check_registry_label("12345中心", SM_TLD_GONGYI));
	BAD(sm_check_registry_label("fujian", SM_TLD_ZHENGWU), "must contain "
	    "at least one Chinese character");
	BAD(sm_check_registry_label("福建.省政府", SM_TLD_ZHENGWU), "must be a "
	    "single name before the top-level domain, without dots");
	BAD(sm_check_registry_label("福建。省政府", SM_TLD_ZHENGWU), "must be a "
	    "single name before the top-level domain, without dots");
	BAD(sm_check_registry_label("福建省人民政府", "com"), "the top-level "
	    "domain must be 政务 or 公益");
	BAD(sm_check_registry_label("福建省人民政府", NULL), "the top-level "
	    "domain must be 政务 or 公益");
	BAD(sm_check_registry_label("", SM_TLD_ZHENGWU), "is empty");
	BAD(sm_check_registry_label("福建 省", SM_TLD_ZHENGWU), "may only "
	    "contain letters, digits, hyphens and dots");
	BAD(sm_check_registry_label("福建\n", SM_TLD_ZHENGWU), "contains a "
	    "control character");

	ck_assert_ptr_nonnull(fn);
	OK(fn("福建省人民政府.政务"));
	OK(fn("中国红十字会.公益"));
	OK(fn("xn--fiq11i8xgb87b.xn--zfr164b"));
	OK(fn("中央编办。政务"));
	OK(sm_check_registry_domain("中央编办.政务"));
	BAD(fn("福建省人民政府.中国"), "must end in .政务 or .公益");
	BAD(fn("政务"), "must end in .政务 or .公益");
	BAD(fn("www.fj.gov.cn"), "must end in .政务 or .公益");
	BAD(fn("福建.人民政府.政务"), "must be a single name before the "
	    "top-level domain, without dots");
	BAD(fn("fujian.政务"), "must contain at least one Chinese character");
	BAD(fn(".政务"), "must not start with a dot");
}
END_TEST

/* ---- every validator refuses what no field may hold ---- */

START_TEST(all_hostile)
{
	static const struct { const char *name, *good; } v[] = {
		{ "uscc", "91350100M000100Y43" },
		{ "orgcode", "D2143569-X" },
		{ "id_number", "11010519491231002X" },
		{ "mobile", "13800138000" },
		{ "phone", "010-69001234" },
		{ "email", "a@fj.gov.cn" },
		{ "public_ip", "8.8.8.8" },
		{ "icp", "闽ICP备12345678号-1" },
		{ "psb", "闽公网安备 35010202000123号" },
		{ "site_code", "3501000001" },
		{ "hostname", "www.fj.gov.cn" },
		{ "date", "2026-02-27" },
		{ "amount", "1200.50" },
		{ "registry_domain", "福建省人民政府.政务" },
	};
	static const char *const tails[] = {
		"\r", "\n", "\r\nBcc: x@y.cn", "\x1b[2J", "\x7f", "\t", "\b",
		NULL
	};
	const char *const *names = sm_validator_names();
	char buf[256], *big;
	size_t i, j, n;

	for (n = 0; names[n] != NULL; n++)
		ck_assert_ptr_nonnull(sm_validator_find(names[n]));
	ck_assert_uint_eq(n, sizeof(v) / sizeof(v[0]));
	ck_assert_ptr_null(sm_validator_find("division"));
	ck_assert_ptr_null(sm_validator_find("nosuch"));
	ck_assert_ptr_null(sm_validator_find(NULL));
	big = malloc(10001);
	ck_assert_ptr_nonnull(big);
	memset(big, '1', 10000);
	big[10000] = '\0';
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sm_check_fn fn = sm_validator_find(v[i].name);

		ck_assert_ptr_nonnull(fn);
		ck_assert_msg(fn(v[i].good) == NULL, "%s: %s: %s", v[i].name,
		    v[i].good, fn(v[i].good));
		for (j = 0; tails[j] != NULL; j++) {
			snprintf(buf, sizeof(buf), "%s%s", v[i].good, tails[j]);
			BAD(fn(buf), "contains a control character");
			snprintf(buf, sizeof(buf), "%s%s", tails[j], v[i].good);
			BAD(fn(buf), "contains a control character");
		}
		snprintf(buf, sizeof(buf), "%s\xc3", v[i].good);
		BAD(fn(buf), "is not valid UTF-8");
		BAD(fn(""), "is empty");
		BAD(fn(NULL), "is empty");
		BAD(fn(big), "is too long");
	}
	free(big);
}
END_TEST

/* Random bytes and random mixes of meaningful characters: no crash, and
 * the answer is always a message or NULL (run under valgrind). */
START_TEST(random_input)
{
	static const char *const atoms[] = {
		"0", "1", "9", "X", "x", "A", "Z", "-", ".", "@", ":", " ", "(",
		")", "号", "ICP", "备", "闽", "公网安备", "xn--", "。", "转",
		"\xff", "\xe3\x80", "+86", "::", "%", NULL
	};
	const char *const *names = sm_validator_names();
	char buf[128];
	size_t natoms, i, k, len;
	unsigned int seed = 20260227;

	for (natoms = 0; atoms[natoms] != NULL; natoms++)
		;
	for (i = 0; i < 3000; i++) {
		len = 0;
		buf[0] = '\0';
		for (k = (size_t)rand_r(&seed) % 12; k > 0; k--) {
			const char *a = atoms[(size_t)rand_r(&seed) % natoms];

			if (len + strlen(a) + 1 >= sizeof(buf))
				break;
			memcpy(buf + len, a, strlen(a) + 1);
			len += strlen(a);
		}
		if (i % 3 == 0)
			for (k = 0; k < 20; k++)
				buf[k] = (char)(1 + rand_r(&seed) % 255);
		if (i % 3 == 0)
			buf[20] = '\0';
		for (k = 0; names[k] != NULL; k++) {
			const char *why = sm_validator_find(names[k])(buf);

			if (why != NULL)
				ck_assert_uint_gt(strlen(why), 5);
		}
		sm_domain_normalise(buf, NULL, NULL);
		sm_check_registry_label(buf, SM_TLD_GONGYI);
		sm_hint_address_vague(buf);
	}
}
END_TEST

/* ---- reviewer hints ---- */

START_TEST(hints)
{
	ck_assert(!sm_hint_uscc_type("11140800558745220K", "organ"));
	ck_assert(!sm_hint_uscc_type("13100000000000000X", "organ"));
	ck_assert(sm_hint_uscc_type("121200004013590816", "organ"));
	ck_assert(sm_hint_uscc_type("91350100M000100Y43", "organ"));
	ck_assert(!sm_hint_uscc_type("121200004013590816", "institution"));
	ck_assert(sm_hint_uscc_type("11140800558745220K", "institution"));
	ck_assert(!sm_hint_uscc_type("51350000MJ0000000X", "social"));
	ck_assert(!sm_hint_uscc_type("52350000MJ0000000X", "social"));
	ck_assert(!sm_hint_uscc_type("53350000MJ0000000X", "social"));
	ck_assert(sm_hint_uscc_type("121200004013590816", "social"));
	ck_assert(!sm_hint_uscc_type("121200004013590816", "other"));
	ck_assert(!sm_hint_uscc_type(NULL, "organ"));
	ck_assert(!sm_hint_uscc_type("1", "organ"));

	ck_assert(sm_hint_address_vague("福建省福州市鼓楼区"));
	ck_assert(sm_hint_address_vague("福建省福州市"));
	ck_assert(sm_hint_address_vague("山东省潍坊市"));
	ck_assert(sm_hint_address_vague("黑龙江省哈尔滨市道里区"));
	ck_assert(sm_hint_address_vague("福建省福州市鼓楼区市民中心"));
	ck_assert(!sm_hint_address_vague("福建省福州市鼓楼区华林路147号"));
	ck_assert(!sm_hint_address_vague("福建省福州市鼓楼区华林路"));
	ck_assert(!sm_hint_address_vague("北京市西城区北礼士路甲一号"));
	ck_assert(!sm_hint_address_vague("北京市东城区东四十条胡同"));
	ck_assert(!sm_hint_address_vague("上海市黄浦区人民大道"));
	ck_assert(!sm_hint_address_vague("福州市鼓楼区８栋"));
	ck_assert(!sm_hint_address_vague("某某镇某某村"));
	ck_assert(!sm_hint_address_vague(NULL));
	ck_assert(!sm_hint_address_vague(""));

	ck_assert(sm_hint_site_name_china("中国福建", "350000"));
	ck_assert(sm_hint_site_name_china("中国福建", NULL));
	ck_assert(!sm_hint_site_name_china("中国政府网", "000000"));
	ck_assert(!sm_hint_site_name_china("福建省人民政府", "350000"));
	ck_assert(!sm_hint_site_name_china(NULL, "350000"));

	ck_assert(!sm_hint_english_domain("www.fj.gov.cn", "organ"));
	ck_assert(!sm_hint_english_domain("WWW.FJ.GOV.CN.", "organ"));
	ck_assert(sm_hint_english_domain("www.fj.com.cn", "organ"));
	ck_assert(sm_hint_english_domain("fjgov.cn", "organ"));
	ck_assert(sm_hint_english_domain("gov.cn", "organ"));
	ck_assert(!sm_hint_english_domain("www.redcross.org.cn",
	    "institution"));
	ck_assert(!sm_hint_english_domain(NULL, "organ"));
}
END_TEST

static Suite *
validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc;

	tc = tcase_create("codes");
	tcase_add_test(tc, uscc_vectors);
	tcase_add_test(tc, uscc_generated);
	tcase_add_test(tc, uscc_mutations);
	tcase_add_test(tc, uscc_rejections);
	tcase_add_test(tc, orgcode_vectors);
	tcase_add_test(tc, orgcode_mutations);
	tcase_add_test(tc, orgcode_rejections);
	tcase_add_test(tc, id_vectors);
	tcase_add_test(tc, id_mutations);
	tcase_add_test(tc, id_rejections);
	tcase_add_test(tc, site_code);
	suite_add_tcase(s, tc);

	tc = tcase_create("contact");
	tcase_add_test(tc, mobile);
	tcase_add_test(tc, phone);
	tcase_add_test(tc, postal_code);
	tcase_add_test(tc, email);
	suite_add_tcase(s, tc);

	tc = tcase_create("network");
	tcase_add_test(tc, public_ip);
	tcase_add_test(tc, icp);
	tcase_add_test(tc, psb);
	tcase_add_test(tc, idn_normalise);
	tcase_add_test(tc, hostname);
	tcase_add_test(tc, registry);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, date);
	tcase_add_test(tc, amount);
	tcase_add_test(tc, hints);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, all_hostile);
	tcase_add_test(tc, random_input);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(validate_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
