/* sm_validate.c - validators of the domain's codes and formats (domain.md §5-6).
 *
 * Every check first refuses what no field may hold (NULL, empty, over-long,
 * control characters such as CR and LF that would allow header injection,
 * invalid UTF-8), then parses the value by hand: no regular expressions, no
 * recursion, one pass over at most SM_VALUE_MAX bytes. */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <idn2.h>

#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_validate.h"

/* No field value is longer than this many bytes. */
#define SM_VALUE_MAX 1024

/* ---- common helpers ---- */

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static int
ascii_lower(int c)
{
	return is_upper(c) ? c - 'A' + 'a' : c;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return false;
	return true;
}

/* Number of leading ASCII digits of S. */
static size_t
digit_run(const char *s)
{
	size_t n = 0;

	while (is_digit((unsigned char)s[n]))
		n++;
	return n;
}

/* What no value may be: missing, empty, too long, with control characters
 * (CR, LF, ESC, DEL ...: header injection, terminal escapes) or not UTF-8. */
static const char *
precheck(const char *v)
{
	size_t i, len;

	if (v == NULL || *v == '\0')
		return N_("is empty");
	len = strnlen(v, SM_VALUE_MAX + 1);
	if (len > SM_VALUE_MAX)
		return N_("is too long");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f)
			return N_("contains a control character");
	}
	if (!sm_text_valid_utf8(v, len))
		return N_("is not valid UTF-8");
	return NULL;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
real_date(int y, int m, int d)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int last;

	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	last = mdays[m - 1] + (m == 2 && is_leap(y));
	return d <= last;
}

static int
num(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Today's date as YYYYMMDD in local time (Asia/Shanghai in production). */
static long
today_ymd(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL)
		return 99991231L;
	return (tm.tm_year + 1900L) * 10000L + (tm.tm_mon + 1) * 100L +
	    tm.tm_mday;
}

/* Two-digit province codes of GB/T 2260 (with 71 台湾, 81 香港, 82 澳门 and
 * 83 for residence permits of Taiwan residents). */
static bool
province_digits(const char *s)
{
	static const char *const codes[] = {
		"11", "12", "13", "14", "15", "21", "22", "23", "31", "32",
		"33", "34", "35", "36", "37", "41", "42", "43", "44", "45",
		"46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
		"65", "71", "81", "82", "83", NULL
	};
	size_t i;

	for (i = 0; codes[i] != NULL; i++)
		if (s[0] == codes[i][0] && s[1] == codes[i][1])
			return true;
	return false;
}

/* ---- 统一社会信用代码 and 组织机构代码 ---- */

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int
uscc_value(int c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(uscc_alphabet, c);
	return p == NULL ? -1 : (int)(p - uscc_alphabet);
}

/* Value of a GB 11714 body character: 0-9 then A-Z as 10-35. */
static int
orgcode_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (is_upper(c))
		return c - 'A' + 10;
	return -1;
}

/* The check character of the 8-character GB 11714 body S. */
static char
orgcode_check(const char *s)
{
	static const int w[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	int i, sum = 0, c;

	for (i = 0; i < 8; i++)
		sum += orgcode_value((unsigned char)s[i]) * w[i];
	c = 11 - sum % 11;
	if (c == 10)
		return 'X';
	if (c == 11)
		return '0';
	return (char)('0' + c);
}

const char *
sm_check_uscc(const char *value)
{
	const char *why;
	size_t i, len;
	int sum = 0, w = 1, c;

	if ((why = precheck(value)) != NULL)
		return why;
	len = strlen(value);
	for (i = 0; i < len; i++) {
		if (is_lower((unsigned char)value[i]))
			return N_("letters must be upper-case");
		if (uscc_value((unsigned char)value[i]) < 0)
			return N_("contains a character that is not allowed: "
			    "only digits and upper-case letters except I, O, "
			    "S, V and Z");
	}
	if (len != 18)
		return N_("must be 18 characters");
	if (!all_digits(value + 2, 6))
		return N_("characters 3 to 8 must be digits (a division code)");
	for (i = 0; i < 17; i++) {
		sum += uscc_value((unsigned char)value[i]) * w;
		w = w * 3 % 31;
	}
	c = (31 - sum % 31) % 31;
	if (uscc_alphabet[c] != value[17])
		return N_("check digit is wrong");
	if (orgcode_check(value + 8) != value[16])
		return N_("characters 9 to 17 are not a valid organisation "
		    "code: their check digit is wrong");
	return NULL;
}

const char *
sm_check_orgcode(const char *value)
{
	const char *why;
	char check;
	size_t i, len;

	if ((why = precheck(value)) != NULL)
		return why;
	len = strlen(value);
	for (i = 0; i < len; i++) {
		int c = (unsigned char)value[i];

		if (is_lower(c))
			return N_("letters must be upper-case");
		if (orgcode_value(c) < 0 && !(c == '-' && i == 8))
			return N_("contains a character that is not allowed: "
			    "only digits, upper-case letters and a hyphen "
			    "before the check digit");
	}
	if (len == 10 && value[8] == '-')
		check = value[9];
	else if (len == 9 && value[8] != '-')
		check = value[8];
	else
		return N_("must be 9 characters, or 10 with a hyphen before "
		    "the check digit");
	if (!is_digit((unsigned char)check) && check != 'X')
		return N_("the check digit must be a digit or X");
	if (orgcode_check(value) != check)
		return N_("check digit is wrong");
	return NULL;
}

/* ---- 居民身份证号 ---- */

const char *
sm_check_id_number(const char *value)
{
	static const int w[17] = {
		7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
	};
	static const char checks[] = "10X98765432";
	const char *why;
	int i, sum = 0, y, m, d;
	long birth;

	if ((why = precheck(value)) != NULL)
		return why;
	if (strlen(value) != 18)
		return N_("must be 18 characters");
	if (!all_digits(value, 17))
		return N_("the first 17 characters must be digits");
	if (!is_digit((unsigned char)value[17]) && value[17] != 'X')
		return N_("the last character must be a digit or an "
		    "upper-case X");
	if (!province_digits(value))
		return N_("the first two digits are not a province code");
	y = num(value + 6, 4);
	m = num(value + 10, 2);
	d = num(value + 12, 2);
	if (!real_date(y, m, d))
		return N_("birth date is not a real date");
	if (y < 1900)
		return N_("birth date is before 1900");
	birth = y * 10000L + m * 100L + d;
	if (birth > today_ymd())
		return N_("birth date is in the future");
	for (i = 0; i < 17; i++)
		sum += (value[i] - '0') * w[i];
	if (checks[sum % 11] != value[17])
		return N_("check digit is wrong");
	return NULL;
}

/* ---- telephone numbers ---- */

static bool
is_sep(int c)
{
	return c == ' ' || c == '-';
}

/* Parse a mobile number at P (no prefix) up to the end of the string:
 * 11 digits, optionally grouped 3-4-4 with one kind of separator. */
static const char *
mobile_body(const char *p)
{
	size_t a, b, c;
	char sep;

	a = digit_run(p);
	if (a == 11 && p[11] == '\0') {
		if (p[0] != '1' || p[1] < '3' || p[1] > '9')
			return N_("must start with 13 to 19");
		return NULL;
	}
	if (a == 3 && is_sep((unsigned char)p[3])) {
		sep = p[3];
		b = digit_run(p + 4);
		if (b == 4 && p[8] == sep) {
			c = digit_run(p + 9);
			if (c == 4 && p[13] == '\0') {
				if (p[0] != '1' || p[1] < '3' || p[1] > '9')
					return N_("must start with 13 to 19");
				return NULL;
			}
		}
		return N_("separators must group the digits 3-4-4, as in "
		    "138 0013 8000");
	}
	for (; *p != '\0'; p++)
		if (!is_digit((unsigned char)*p) && !is_sep((unsigned char)*p))
			return N_("contains a character that is not a digit, "
			    "space or hyphen");
	return N_("must be 11 digits");
}

const char *
sm_check_mobile(const char *value)
{
	const char *why, *p;

	if ((why = precheck(value)) != NULL)
		return why;
	p = value;
	/* A mainland mobile starts with 1, so a leading 86 is the country
	 * code. */
	if (starts_with(p, "+86"))
		p += 3;
	else if (starts_with(p, "86"))
		p += 2;
	if (p != value && is_sep((unsigned char)*p))
		p++;
	if (*p == '\0')
		return N_("must be 11 digits");
	return mobile_body(p);
}

/* Optional extension at P: "-123", "转123", " ext 123", " x123". */
static const char *
phone_extension(const char *p)
{
	size_t n;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return NULL;
	if (*p == '-')
		p++;
	else if (starts_with(p, "转"))
		p += strlen("转");
	else if (strncmp(p, "ext", 3) == 0 || strncmp(p, "EXT", 3) == 0) {
		p += 3;
		if (*p == '.')
			p++;
	} else if (*p == 'x' || *p == 'X')
		p++;
	else
		return N_("has unexpected text after the number; write an "
		    "extension as -123 or 转123");
	while (*p == ' ')
		p++;
	n = digit_run(p);
	if (n < 1 || n > 6 || p[n] != '\0')
		return N_("the extension must have 1 to 6 digits");
	return NULL;
}

/* 400 and 800 numbers: 10 digits, in up to three groups. */
static const char *
phone_tollfree(const char *p)
{
	size_t total = 0, groups = 0, n;

	while (total < 10) {
		n = digit_run(p);
		if (n == 0)
			break;
		total += n;
		groups++;
		p += n;
		if (total < 10 && is_sep((unsigned char)*p) &&
		    is_digit((unsigned char)p[1]))
			p++;
		else
			break;
	}
	if (total != 10 || groups > 3)
		return N_("a 400 or 800 number must have 10 digits, as in "
		    "400-810-8888");
	return phone_extension(p);
}

const char *
sm_check_postal_code(const char *value)
{
	const char *why = precheck(value);
	if (why != NULL)
		return why;
	if (strlen(value) != 6 || digit_run(value) != 6)
		return N_("must be a postal code of 6 digits, for example 350003");
	return NULL;
}

const char *
sm_check_phone(const char *value)
{
	const char *why, *p, *q;
	size_t area, a, b, sub;
	int paren = 0;

	if ((why = precheck(value)) != NULL)
		return why;
	if (sm_check_mobile(value) == NULL)
		return NULL;
	p = value;
	if (starts_with(p, "400") || starts_with(p, "800"))
		return phone_tollfree(p);
	if (*p == '(') {
		paren = 1;
		p++;
	} else if (starts_with(p, "（")) {
		paren = 1;
		p += strlen("（");
	}
	if (*p != '0') {
		if (*p == '1' && !paren)
			return sm_check_mobile(value);
		return N_("must start with an area code such as 010 or 0591, "
		    "or be a mobile or 400 number");
	}
	area = (p[1] == '1' || p[1] == '2') ? 3 : 4;
	if (digit_run(p) < area)
		return N_("the area code is incomplete");
	p += area;
	if (paren) {
		if (*p == ')')
			p++;
		else if (starts_with(p, "）"))
			p += strlen("）");
		else
			return N_("the area code's parenthesis is not closed");
		if (*p == ' ')
			p++;
	} else if (is_sep((unsigned char)*p))
		p++;
	a = digit_run(p);
	if (a == 0)
		return N_("the number after the area code is missing");
	if (p[0] == '0' || p[0] == '1')
		return N_("the number after the area code cannot start with 0 "
		    "or 1");
	sub = a;
	q = p + a;
	/* "8730 4002" or "873-4002": one separator inside the number. */
	if ((a == 3 || a == 4) && is_sep((unsigned char)*q)) {
		b = digit_run(q + 1);
		if (b == 4 && (a + b == 7 || a + b == 8)) {
			sub = a + b;
			q += 1 + b;
		}
	}
	if (area == 3 && sub != 8)
		return N_("the number after a three-digit area code must have "
		    "8 digits");
	if (sub != 7 && sub != 8)
		return N_("the number after the area code must have 7 or 8 "
		    "digits");
	return phone_extension(q);
}

/* ---- host names and IDNA2008 ---- */

static const char *
idn2_reason(int rc, const char *value)
{
	const char *p;

	switch (rc) {
	case IDN2_MALLOC:
		return N_("out of memory");
	case IDN2_TOO_BIG_LABEL:
		return N_("a label is longer than 63 characters");
	case IDN2_TOO_BIG_DOMAIN:
		return N_("is longer than 253 characters");
	case IDN2_HYPHEN_STARTEND:
		return N_("a label must not start or end with a hyphen");
	case IDN2_2HYPHEN:
		return N_("a label must not have hyphens in both its third and "
		    "fourth positions");
	case IDN2_LEADING_COMBINING:
		return N_("a label must not start with a combining mark");
	case IDN2_BIDI:
		return N_("mixes right-to-left and left-to-right text in a way "
		    "IDNA2008 does not allow");
	case IDN2_ENCODING_ERROR:
	case IDN2_ICONV_FAIL:
		return N_("is not valid UTF-8");
	default:
		break;
	}
	/* An ACE label that does not decode to a valid name. */
	switch (rc) {
	case IDN2_PUNYCODE_BAD_INPUT:
	case IDN2_PUNYCODE_BIG_OUTPUT:
	case IDN2_PUNYCODE_OVERFLOW:
	case IDN2_INVALID_ALABEL:
	case IDN2_INVALID_NONTRANSITIONAL:
	case IDN2_ALABEL_ROUNDTRIP_FAILED:
		break;
	default:
		value = "";
		break;
	}
	for (p = value; *p != '\0'; p++)
		if ((p == value || p[-1] == '.') &&
		    ascii_lower((unsigned char)p[0]) == 'x' &&
		    ascii_lower((unsigned char)p[1]) == 'n' &&
		    p[2] == '-' && p[3] == '-')
			return N_("an xn-- label is not a valid encoded name");
	switch (rc) {
	case IDN2_DISALLOWED:
	case IDN2_CONTEXTJ:
	case IDN2_CONTEXTO:
	case IDN2_CONTEXTO_NO_RULE:
	case IDN2_UNASSIGNED:
		return N_("contains a character that is not allowed in a "
		    "domain name");
	default:
		return N_("is not a valid internationalised domain name");
	}
}

static bool
is_ldh(int c)
{
	return is_digit(c) || is_lower(c) || c == '-';
}

/* Structure of a lower-case ACE name: labels of letters, digits and
 * hyphens, 1-63 characters each, 253 in all. */
static const char *
ace_structure(const char *ace)
{
	const char *label = ace, *p;
	size_t len = strlen(ace);

	if (len > 253)
		return N_("is longer than 253 characters");
	if (ace[0] == '.')
		return N_("must not start with a dot");
	if (len > 0 && ace[len - 1] == '.')
		return N_("must not end with a dot");
	for (p = ace;; p++) {
		if (*p == '.' || *p == '\0') {
			size_t n = (size_t)(p - label);

			if (n == 0)
				return N_("must not contain two dots in a row");
			if (n > 63)
				return N_("a label is longer than 63 "
				    "characters");
			if (label[0] == '-' || label[n - 1] == '-')
				return N_("a label must not start or end "
				    "with a hyphen");
			if (*p == '\0')
				break;
			label = p + 1;
		} else if (!is_ldh((unsigned char)*p))
			return N_("may only contain letters, digits, "
			    "hyphens and dots");
	}
	return NULL;
}

const char *
sm_domain_normalise(const char *value, char **ace, char **unicode)
{
	const char *why, *q;
	char *a = NULL, *u = NULL, *p;
	int rc;

	if (ace != NULL)
		*ace = NULL;
	if (unicode != NULL)
		*unicode = NULL;
	if ((why = precheck(value)) != NULL)
		return why;
	/* ASCII other than letters, digits, '-' and '.' is never part of a
	 * host name; libidn2 would pass some of it through (or fail on it
	 * with an unhelpful code). */
	for (q = value; *q != '\0'; q++)
		if ((unsigned char)*q < 0x80 && !is_ldh(ascii_lower(
		    (unsigned char)*q)) && *q != '.')
			return N_("may only contain letters, digits, "
			    "hyphens and dots");
	/* TR46 maps the full stops 。 ． ｡ to '.' and upper to lower case. */
	rc = idn2_to_ascii_8z(value, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		free(a);
		return idn2_reason(rc, value);
	}
	for (p = a; *p != '\0'; p++)
		*p = (char)ascii_lower((unsigned char)*p);
	if ((why = ace_structure(a)) != NULL) {
		free(a);
		return why;
	}
	if (unicode != NULL) {
		rc = idn2_to_unicode_8z8z(a, &u, 0);
		if (rc != IDN2_OK) {
			free(a);
			free(u);
			return idn2_reason(rc, value);
		}
		*unicode = u;
	}
	if (ace != NULL)
		*ace = a;
	else
		free(a);
	return NULL;
}

static const char hostname_needs_dot[] =
    N_("must contain at least one dot, as in www.example.cn");

const char *
sm_check_hostname(const char *value)
{
	const char *why, *tld;
	char *ace = NULL;

	if ((why = precheck(value)) != NULL)
		return why;
	if (strstr(value, "://") != NULL || strchr(value, '/') != NULL)
		return N_("must be a host name only, without http:// or a "
		    "path");
	if ((why = sm_domain_normalise(value, &ace, NULL)) != NULL)
		return why;
	tld = strrchr(ace, '.');
	if (tld == NULL)
		why = hostname_needs_dot;
	else if (all_digits(tld + 1, strlen(tld + 1)))
		why = N_("the last label must not be all digits: an IP address "
		    "is not a host name");
	free(ace);
	return why;
}

/* True when the UTF-8 string S (N bytes) contains a CJK ideograph. */
static bool
has_chinese(const char *s, size_t n)
{
	unsigned int cp;
	size_t k;

	while (n > 0) {
		k = sm_utf8_decode(s, n, &cp);
		if (k == 0)
			return false;
		if ((cp >= 0x3400 && cp <= 0x4dbf) ||
		    (cp >= 0x4e00 && cp <= 0x9fff) ||
		    (cp >= 0xf900 && cp <= 0xfaff) ||
		    (cp >= 0x20000 && cp <= 0x3134f))
			return true;
		s += k;
		n -= k;
	}
	return false;
}

/* A full registry name: one label before .政务 or .公益 (the one whose ACE
 * is WANT_TLD, or either when WANT_TLD is NULL). */
static const char *
check_registry(const char *full, const char *want_tld)
{
	const char *why = NULL, *dot;
	char *ace = NULL, *uni = NULL, *udot;

	if ((why = sm_domain_normalise(full, &ace, &uni)) != NULL)
		return why;
	dot = strrchr(ace, '.');
	udot = strrchr(uni, '.');
	if (dot == NULL || udot == NULL ||
	    (strcmp(dot + 1, SM_TLD_ZHENGWU_ACE) != 0 &&
	    strcmp(dot + 1, SM_TLD_GONGYI_ACE) != 0))
		why = N_("must end in .政务 or .公益");
	else if (want_tld != NULL && strcmp(dot + 1, want_tld) != 0)
		why = N_("has the wrong top-level domain for this unit");
	else if (memchr(ace, '.', (size_t)(dot - ace)) != NULL)
		why = N_("must be a single name before the top-level domain, "
		    "without dots");
	else if (!has_chinese(uni, (size_t)(udot - uni)))
		why = N_("must contain at least one Chinese character");
	free(ace);
	free(uni);
	return why;
}

const char *
sm_check_registry_label(const char *label, const char *tld)
{
	const char *why, *want, *tldu;
	char *full;
	size_t n;

	if ((why = precheck(label)) != NULL)
		return why;
	if (tld != NULL && (strcmp(tld, SM_TLD_ZHENGWU) == 0 ||
	    strcmp(tld, SM_TLD_ZHENGWU_ACE) == 0))
		want = SM_TLD_ZHENGWU_ACE;
	else if (tld != NULL && (strcmp(tld, SM_TLD_GONGYI) == 0 ||
	    strcmp(tld, SM_TLD_GONGYI_ACE) == 0))
		want = SM_TLD_GONGYI_ACE;
	else
		return N_("the top-level domain must be 政务 or 公益");
	tldu = strcmp(want, SM_TLD_ZHENGWU_ACE) == 0 ? SM_TLD_ZHENGWU :
	    SM_TLD_GONGYI;
	n = strlen(label) + 1 + strlen(tldu) + 1;
	if ((full = malloc(n)) == NULL)
		return N_("out of memory");
	memcpy(full, label, strlen(label));
	full[strlen(label)] = '.';
	memcpy(full + strlen(label) + 1, tldu, strlen(tldu) + 1);
	why = check_registry(full, want);
	free(full);
	return why;
}

const char *
sm_check_registry_domain(const char *value)
{
	const char *why;

	if ((why = precheck(value)) != NULL)
		return why;
	return check_registry(value, NULL);
}

/* ---- e-mail ---- */

const char *
sm_check_email(const char *value)
{
	const char *why, *at, *p;
	size_t local;

	if ((why = precheck(value)) != NULL)
		return why;
	if (strlen(value) > 254)
		return N_("is longer than 254 characters");
	at = strchr(value, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return N_("must contain exactly one @");
	local = (size_t)(at - value);
	if (local == 0)
		return N_("the part before @ is empty");
	if (local > 64)
		return N_("the part before @ is longer than 64 characters");
	for (p = value; p < at; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || strchr("()<>[]\\,;:\"", c) != NULL)
			return N_("the part before @ contains a character that "
			    "is not allowed");
	}
	if (value[0] == '.' || at[-1] == '.' ||
	    memmem(value, local, "..", 2) != NULL)
		return N_("the part before @ must not start or end with a dot "
		    "or have two dots in a row");
	if (at[1] == '\0')
		return N_("the part after @ is empty");
	if ((why = sm_check_hostname(at + 1)) != NULL) {
		if (why == hostname_needs_dot)
			return N_("the part after @ must be a domain name with "
			    "at least one dot");
		return N_("the part after @ is not a valid domain name");
	}
	return NULL;
}

/* ---- IP addresses ---- */

struct ip_range {
	uint8_t net[16];
	unsigned int prefix;
	const char *why;
};

static const char ip_private[] = N_("is a private address, not a public one");
static const char ip_documentation[] =
    N_("is a documentation address, not a public one");

/* Checked in order: the first match wins. */
static const struct ip_range ip4_ranges[] = {
	{ { 0, 0, 0, 0 }, 32,
	    N_("is the unspecified address, not a public one") },
	{ { 0 }, 8,
	    N_("is in 0.0.0.0/8 (this network), not a public address") },
	{ { 10 }, 8, ip_private },
	{ { 100, 64 }, 10, N_("is a carrier-grade NAT address (100.64.0.0/10), "
	    "not a public one") },
	{ { 127 }, 8, N_("is a loopback address, not a public one") },
	{ { 169, 254 }, 16, N_("is a link-local address, not a public one") },
	{ { 172, 16 }, 12, ip_private },
	{ { 192, 0, 0 }, 24, N_("is reserved for protocol assignments "
	    "(192.0.0.0/24), not a public address") },
	{ { 192, 0, 2 }, 24, ip_documentation },
	{ { 192, 168 }, 16, ip_private },
	{ { 198, 18 }, 15, N_("is reserved for benchmarking (198.18.0.0/15), "
	    "not a public address") },
	{ { 198, 51, 100 }, 24, ip_documentation },
	{ { 203, 0, 113 }, 24, ip_documentation },
	{ { 224 }, 4, N_("is a multicast address, not a unicast one") },
	{ { 255, 255, 255, 255 }, 32,
	    N_("is the broadcast address, not a public one") },
	{ { 240 }, 4, N_("is a reserved address (240.0.0.0/4), not a public "
	    "one") },
};

static const struct ip_range ip6_ranges[] = {
	{ { 0 }, 128, N_("is the unspecified address, not a public one") },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128,
	    N_("is a loopback address, not a public one") },
	{ { 0xfe, 0x80 }, 10, N_("is a link-local address, not a public one") },
	{ { 0xfc }, 7, ip_private },
	{ { 0xff }, 8, N_("is a multicast address, not a unicast one") },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, ip_documentation },
};

static bool
in_range(const uint8_t *a, const uint8_t *net, unsigned int prefix)
{
	unsigned int i, bits;
	uint8_t mask;

	for (i = 0; prefix > 0; i++) {
		bits = prefix >= 8 ? 8 : prefix;
		mask = (uint8_t)(0xff << (8 - bits));
		if ((a[i] & mask) != (net[i] & mask))
			return false;
		prefix -= bits;
	}
	return true;
}

static const char *
check_ip4(const uint8_t *a)
{
	size_t i;

	for (i = 0; i < sizeof(ip4_ranges) / sizeof(ip4_ranges[0]); i++)
		if (in_range(a, ip4_ranges[i].net, ip4_ranges[i].prefix))
			return ip4_ranges[i].why;
	return NULL;
}

const char *
sm_check_public_ip(const char *value)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const char *why;
	uint8_t a[16];
	size_t i;

	if ((why = precheck(value)) != NULL)
		return why;
	if (strchr(value, ':') == NULL) {
		if (inet_pton(AF_INET, value, a) != 1)
			return N_("is not an IPv4 or IPv6 address");
		return check_ip4(a);
	}
	if (inet_pton(AF_INET6, value, a) != 1)
		return N_("is not an IPv4 or IPv6 address");
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return check_ip4(a + 12);
	for (i = 0; i < sizeof(ip6_ranges) / sizeof(ip6_ranges[0]); i++)
		if (in_range(a, ip6_ranges[i].net, ip6_ranges[i].prefix))
			return ip6_ranges[i].why;
	if ((a[0] & 0xe0) != 0x20)
		return N_("is not in the global unicast range 2000::/3, not a "
		    "public address");
	return NULL;
}

/* ---- ICP and public security filing numbers ---- */

struct province_abbr {
	const char *abbr;
	const char *digits;
};

static const struct province_abbr provinces[] = {
	{ "京", "11" }, { "津", "12" }, { "冀", "13" }, { "晋", "14" },
	{ "蒙", "15" }, { "辽", "21" }, { "吉", "22" }, { "黑", "23" },
	{ "沪", "31" }, { "苏", "32" }, { "浙", "33" }, { "皖", "34" },
	{ "闽", "35" }, { "赣", "36" }, { "鲁", "37" }, { "豫", "41" },
	{ "鄂", "42" }, { "湘", "43" }, { "粤", "44" }, { "桂", "45" },
	{ "琼", "46" }, { "渝", "50" }, { "川", "51" }, { "贵", "52" },
	{ "云", "53" }, { "藏", "54" }, { "陕", "61" }, { "甘", "62" },
	{ "青", "63" }, { "宁", "64" }, { "新", "65" },
};

/* The province abbreviation at the start of S, or NULL. */
static const struct province_abbr *
province_at(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		if (starts_with(s, provinces[i].abbr))
			return &provinces[i];
	return NULL;
}

const char *
sm_check_icp(const char *value)
{
	const struct province_abbr *prov;
	const char *why, *p;
	size_t n;

	if ((why = precheck(value)) != NULL)
		return why;
	if ((prov = province_at(value)) == NULL)
		return N_("must start with a province abbreviation such as 京 "
		    "or 闽");
	p = value + strlen(prov->abbr);
	if (starts_with(p, "ICP备"))
		p += strlen("ICP备");
	else if (starts_with(p, "ICP证"))
		p += strlen("ICP证");
	else
		return N_("must have ICP备 or ICP证 after the province "
		    "abbreviation");
	n = digit_run(p);
	if (n < 5 || n > 12)
		return N_("the number after ICP备 must have 5 to 12 digits");
	p += n;
	if (!starts_with(p, "号"))
		return N_("the number must be followed by 号");
	p += strlen("号");
	if (*p == '\0')
		return NULL;
	if (*p != '-')
		return N_("may only have -N after 号, as in 闽ICP备12345678号-1");
	p++;
	n = digit_run(p);
	if (n < 1 || n > 3 || p[0] == '0' || p[n] != '\0')
		return N_("the site number after 号- must be 1 to 3 digits, not "
		    "starting with 0");
	return NULL;
}

const char *
sm_check_psb(const char *value)
{
	const struct province_abbr *prov;
	const char *why, *p;
	size_t n;

	if ((why = precheck(value)) != NULL)
		return why;
	if ((prov = province_at(value)) == NULL)
		return N_("must start with a province abbreviation such as 京 "
		    "or 闽");
	p = value + strlen(prov->abbr);
	if (!starts_with(p, "公网安备"))
		return N_("must have 公网安备 after the province abbreviation");
	p += strlen("公网安备");
	if (*p == ' ')
		p++;
	else if (starts_with(p, "\xe3\x80\x80")) /* U+3000 */
		p += 3;
	n = digit_run(p);
	if (n != 14)
		return N_("the number after 公网安备 must have 14 digits");
	if (p[0] != prov->digits[0] || p[1] != prov->digits[1])
		return N_("the number's first two digits do not match the "
		    "province abbreviation");
	p += n;
	if (!starts_with(p, "号") || p[strlen("号")] != '\0')
		return N_("the number must be followed by 号 and nothing else");
	return NULL;
}

/* ---- other codes and values ---- */

const char *
sm_check_site_code(const char *value)
{
	const char *why;
	size_t len;

	if ((why = precheck(value)) != NULL)
		return why;
	len = strlen(value);
	if (value[0] == 'B' && value[1] == 'M')
		return N_("the prefix bm must be lower-case");
	if (value[0] == 'b' && value[1] == 'm') {
		if (len != 10 || !all_digits(value + 2, 8))
			return N_("must be bm and 8 digits");
		return NULL;
	}
	if (len != 10 || !all_digits(value, 10))
		return N_("must be 10 digits (a 6-digit division code and 4 "
		    "digits), or bm and 8 digits");
	if (!province_digits(value))
		return N_("the first six digits must be a division code");
	return NULL;
}

const char *
sm_check_date(const char *value)
{
	const char *why;

	if ((why = precheck(value)) != NULL)
		return why;
	if (strlen(value) != 10 || value[4] != '-' || value[7] != '-' ||
	    !all_digits(value, 4) || !all_digits(value + 5, 2) ||
	    !all_digits(value + 8, 2))
		return N_("must be a date written YYYY-MM-DD");
	if (!real_date(num(value, 4), num(value + 5, 2), num(value + 8, 2)))
		return N_("is not a real date");
	return NULL;
}

const char *
sm_check_amount(const char *value)
{
	const char *why, *p;
	size_t n, dec = 0;
	bool nonzero = false;

	if ((why = precheck(value)) != NULL)
		return why;
	if (value[0] == '-')
		return N_("must be greater than zero");
	n = digit_run(value);
	if (n == 0)
		return N_("must be an amount in yuan such as 1200 or 1200.50");
	if (n > 12)
		return N_("is too large");
	if (n > 1 && value[0] == '0')
		return N_("must not start with 0");
	p = value + n;
	if (*p == '.') {
		dec = digit_run(p + 1);
		if (dec == 0)
			return N_("must have digits after the decimal point");
		if (dec > 2)
			return N_("must have at most two decimals");
		p += 1 + dec;
	}
	if (*p != '\0')
		return N_("must be an amount in yuan such as 1200 or 1200.50");
	for (p = value; *p != '\0'; p++)
		if (*p >= '1' && *p <= '9')
			nonzero = true;
	if (!nonzero)
		return N_("must be greater than zero");
	return NULL;
}

/* ---- validators by name ---- */

struct validator {
	const char *name;
	sm_check_fn fn;
};

static const struct validator validators[] = {
	{ "uscc", sm_check_uscc },
	{ "orgcode", sm_check_orgcode },
	{ "id_number", sm_check_id_number },
	{ "mobile", sm_check_mobile },
	{ "phone", sm_check_phone },
	{ "postal_code", sm_check_postal_code },
	{ "email", sm_check_email },
	{ "public_ip", sm_check_public_ip },
	{ "icp", sm_check_icp },
	{ "psb", sm_check_psb },
	{ "site_code", sm_check_site_code },
	{ "hostname", sm_check_hostname },
	{ "date", sm_check_date },
	{ "amount", sm_check_amount },
	{ "registry_domain", sm_check_registry_domain },
};

static const char *const validator_names[] = {
	"uscc", "orgcode", "id_number", "mobile", "phone", "email",
	"public_ip", "icp", "psb", "site_code", "hostname", "date", "amount",
	"registry_domain", NULL
};

sm_check_fn
sm_validator_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(validators) / sizeof(validators[0]); i++)
		if (strcmp(validators[i].name, name) == 0)
			return validators[i].fn;
	return NULL;
}

const char *const *
sm_validator_names(void)
{
	return validator_names;
}

/* ---- reviewer hints ---- */

bool
sm_hint_uscc_type(const char *uscc, const char *unit_type)
{
	if (uscc == NULL || unit_type == NULL || strlen(uscc) < 2)
		return false;
	if (strcmp(unit_type, "organ") == 0)
		return !starts_with(uscc, "11") && !starts_with(uscc, "13");
	if (strcmp(unit_type, "institution") == 0)
		return !starts_with(uscc, "12");
	if (strcmp(unit_type, "social") == 0)
		return !starts_with(uscc, "51") && !starts_with(uscc, "52") &&
		    !starts_with(uscc, "53");
	return false;
}

bool
sm_hint_address_vague(const char *address)
{
	/* Characters that end an administrative unit's name. */
	static const char *const admin[] = {
		"省", "市", "区", "县", "旗", "盟", "州", "镇", "乡", NULL
	};
	/* Words below the administrative units.  Single characters count
	 * only after the last administrative unit (鼓楼区, 潍坊市, 道里区);
	 * the longer words never occur in a unit's name. */
	static const char *const street1[] = {
		"路", "街", "道", "巷", "弄", "号", "村", "组", "楼", "里",
		"院", "栋", "幢", "座", "室", "层", "屯", "苑", NULL
	};
	static const char *const street2[] = {
		"大道", "广场", "大厦", "胡同", "社区", "小区", "大院", NULL
	};
	const char *p, *rest;
	unsigned int cp;
	size_t i, len, k;

	if (address == NULL || *address == '\0')
		return false;
	len = strlen(address);
	rest = address;
	for (p = address; *p != '\0';) {
		k = sm_utf8_decode(p, len - (size_t)(p - address), &cp);
		if (k == 0)
			k = 1;
		else if ((cp >= '0' && cp <= '9') ||
		    (cp >= 0xff10 && cp <= 0xff19))
			return false; /* a number: street or building */
		for (i = 0; admin[i] != NULL; i++)
			if (starts_with(p, admin[i]))
				rest = p + k;
		p += k;
	}
	for (i = 0; street2[i] != NULL; i++)
		if (strstr(address, street2[i]) != NULL)
			return false;
	for (i = 0; street1[i] != NULL; i++)
		if (strstr(rest, street1[i]) != NULL)
			return false;
	return true;
}

bool
sm_hint_site_name_china(const char *site_name, const char *office_code)
{
	if (site_name == NULL || strstr(site_name, "中国") == NULL)
		return false;
	return office_code == NULL || strcmp(office_code, "000000") != 0;
}

bool
sm_hint_english_domain(const char *hostname, const char *unit_type)
{
	static const char suffix[] = ".gov.cn";
	size_t len, i, n = sizeof(suffix) - 1;

	if (hostname == NULL || unit_type == NULL ||
	    strcmp(unit_type, "organ") != 0)
		return false;
	len = strlen(hostname);
	if (len > 0 && hostname[len - 1] == '.')
		len--;
	if (len <= n)
		return true;
	for (i = 0; i < n; i++)
		if (ascii_lower((unsigned char)hostname[len - n + i]) !=
		    suffix[i])
			return true;
	return false;
}
