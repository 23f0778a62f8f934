/* check_notify.c - tests of sm_notify: composing an e-mail (headers, RFC
 * 2047 subjects split between characters, base64 bodies, an attachment as
 * multipart/mixed, no header from data), the Message-ID, the SMS gateway's
 * body, the delay before a retry.  Delivery itself is tests/notify.sh's,
 * against real servers. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_audit.h"
#include "sm_config.h"
#include "sm_err.h"
#include "sm_notify.h"
#include "testutil.h"

static sm_err *err;

static void
setup(void)
{
	tu_lang("en");
	err = sm_err_new();
	ck_assert_ptr_nonnull(err);
}

static void
teardown(void)
{
	sm_err_free(&err);
}

/* The base64 of TEXT (as the message carries it). */
static char *
b64(const char *text)
{
	return sm_base64(text, strlen(text));
}

static const sm_mail base = {
	.from = "noreply@sitemark.example.cn", .to = "web@fuzhou.gov.cn", .to_name = "李华",
	.subject = "sitemark: case 12, your website mark", .body = "第一行\n第二行\n",
	.message_id = "<12.0123456789abcdef0123@sitemark.example.cn>",
	.date = 1796086800, /* 2026-12-01 09:00 in Shanghai */
};

START_TEST(test_headers)
{
	size_t len = 0;
	char *m = sm_mail_compose(&base, &len, err);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(strlen(m), len);
	ck_assert_ptr_nonnull(strstr(m, "From: <noreply@sitemark.example.cn>\r\n"));
	char *name = b64("李华"), want[256];
	snprintf(want, sizeof(want), "To: =?UTF-8?B?%s?= <web@fuzhou.gov.cn>\r\n", name);
	ck_assert_ptr_nonnull(strstr(m, want));
	free(name);
	ck_assert_ptr_nonnull(strstr(m, "Subject: sitemark: case 12, your website mark\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Date: Tue, 1 Dec 2026 09:00:00 +0800\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Message-ID: <12.0123456789abcdef0123@sitemark.example.cn>\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "MIME-Version: 1.0\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Content-Type: text/plain; charset=UTF-8\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Content-Transfer-Encoding: base64\r\n\r\n"));
	/* the body in canonical form (CRLF), base64 */
	char *body = b64("第一行\r\n第二行\r\n");
	ck_assert_ptr_nonnull(strstr(m, body));
	free(body);
	/* every line ends in CRLF, none longer than 78 */
	for (char *p = m, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert(nl > p && nl[-1] == '\r');
		ck_assert_int_le(nl - p - 1, 78);
	}
	free(m);
}
END_TEST

START_TEST(test_subject_words)
{
	/* 40 Chinese characters (120 bytes): words of whole characters (13
	 * each, 39 bytes), at most 75 characters, folded */
	const char *s = "网站开办审核和资格复核请打印关于申请对网站开办审核和资格复核的函并加盖公章后寄送至机构编制部门";
	char *w = sm_mail_header_words(s);
	ck_assert_ptr_nonnull(w);
	size_t words = 0;
	char *copy = strdup(w), *save = NULL, joined[512] = "";
	for (char *t = strtok_r(copy, "\r\n ", &save); t; t = strtok_r(NULL, "\r\n ", &save)) {
		ck_assert_uint_le(strlen(t), 75);
		ck_assert(strncmp(t, "=?UTF-8?B?", 10) == 0);
		ck_assert(strcmp(t + strlen(t) - 2, "?=") == 0);
		/* each decodes alone to whole characters */
		char enc[128];
		snprintf(enc, sizeof(enc), "%.*s", (int)(strlen(t) - 12), t + 10);
		ck_assert_uint_eq(strlen(enc) % 4, 0);
		words++;
	}
	free(copy);
	(void)joined;
	ck_assert_uint_eq(words, (strlen(s) + 38) / 39);
	/* words are folded: CRLF and a space between them */
	ck_assert_ptr_nonnull(strstr(w, "?=\r\n =?UTF-8?B?"));
	/* the first word holds exactly the first 13 characters */
	char *first = sm_base64(s, 39), want[128];
	snprintf(want, sizeof(want), "=?UTF-8?B?%s?=", first);
	ck_assert(strncmp(w, want, strlen(want)) == 0);
	free(first);
	free(w);
	/* short ASCII as it is; "=?" in ASCII encoded (not taken for a word) */
	w = sm_mail_header_words("sitemark: case 1");
	ck_assert_str_eq(w, "sitemark: case 1");
	free(w);
	w = sm_mail_header_words("=?UTF-8?B?eA==?=");
	ck_assert(strncmp(w, "=?UTF-8?B?PT9VVEY", 17) == 0);
	free(w);
}
END_TEST

/* A header value with CR, LF or another control character: no message. */
START_TEST(test_no_injection)
{
	static const char *const evil[] = {
		"x\r\nBcc: evil@attacker.example", "x\nX-Injected: 1", "x\rY", "x\tY", "x\x7fY",
	};
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		size_t len = 0;
		sm_mail m = base;
		m.to_name = evil[i];
		sm_err_clear(err);
		ck_assert_ptr_null(sm_mail_compose(&m, &len, err));
		ck_assert_int_eq(sm_err_status(err), SM_E_INVALID);
		m = base;
		m.subject = evil[i];
		ck_assert_ptr_null(sm_mail_compose(&m, &len, err));
		m = base;
		m.to = "web@fuzhou.gov.cn\r\nBcc: evil@attacker.example";
		ck_assert_ptr_null(sm_mail_compose(&m, &len, err));
	}
	/* a body may hold line breaks: they are in base64 */
	sm_mail m = base;
	m.body = "line\r\nBcc: evil@attacker.example\r\n";
	size_t len = 0;
	char *msg = sm_mail_compose(&m, &len, err);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_null(strstr(msg, "Bcc:"));
	free(msg);
	/* an ASCII name with quotes is quoted */
	m = base;
	m.to_name = "Li \"Hua\"";
	msg = sm_mail_compose(&m, &len, err);
	ck_assert_ptr_nonnull(strstr(msg, "To: \"Li \\\"Hua\\\"\" <web@fuzhou.gov.cn>\r\n"));
	free(msg);
}
END_TEST

START_TEST(test_attachment)
{
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "申请函.pdf", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n");
	sm_mail m = base;
	m.attachment = path;
	size_t len = 0;
	char *msg = sm_mail_compose(&m, &len, err);
	ck_assert_ptr_nonnull(msg);
	char *bnd = strstr(msg, "Content-Type: multipart/mixed; boundary=\"=_sitemark_");
	ck_assert_ptr_nonnull(bnd);
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: application/pdf\r\n"));
	ck_assert_ptr_nonnull(strstr(msg,
	    "Content-Disposition: attachment; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E5%87%BD.pdf\r\n"));
	char *data = sm_base64("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", 21);
	ck_assert_ptr_nonnull(strstr(msg, data));
	free(data);
	/* the closing boundary */
	char b[64];
	ck_assert_int_eq(sscanf(bnd, "Content-Type: multipart/mixed; boundary=\"%63[^\"]\"", b), 1);
	char close[80];
	snprintf(close, sizeof(close), "--%s--\r\n", b);
	ck_assert_ptr_nonnull(strstr(msg, close));
	free(msg);
	/* a file that is not there: no message, why */
	m.attachment = "/nonexistent/letter.pdf";
	sm_err_clear(err);
	ck_assert_ptr_null(sm_mail_compose(&m, &len, err));
	ck_assert_int_eq(sm_err_status(err), SM_E_IO);
	tu_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_message_id)
{
	char *a = sm_mail_message_id(7, "req-1:1", "noreply@sitemark.example.cn");
	char *b = sm_mail_message_id(7, "req-1:1", "noreply@sitemark.example.cn");
	char *c = sm_mail_message_id(8, "req-1:2", "noreply@sitemark.example.cn");
	char *d = sm_mail_message_id(7, "req-1:1", "bad@host\r\nX: y");
	ck_assert_str_eq(a, b); /* the same on every attempt */
	ck_assert_str_ne(a, c);
	ck_assert(strncmp(a, "<7.", 3) == 0);
	ck_assert_uint_eq(strlen(a), strlen("<7.") + 20 + strlen("@sitemark.example.cn>"));
	ck_assert(strcmp(a + strlen(a) - 21, "@sitemark.example.cn>") == 0);
	ck_assert_ptr_nonnull(strstr(d, "@sitemark.invalid>"));
	free(a);
	free(b);
	free(c);
	free(d);
}
END_TEST

/* Addresses of a Chinese domain go into the headers and the Message-ID in
 * their ACE form: no raw UTF-8 in a header without SMTPUTF8. */
START_TEST(test_idn_addresses)
{
	char *a = sm_mail_ace("web@福州市人民政府.政务");
	ck_assert_ptr_nonnull(a);
	ck_assert(strncmp(a, "web@xn--", 8) == 0);
	ck_assert_ptr_nonnull(strstr(a, ".xn--"));
	sm_mail m = base;
	m.to = "web@福州市人民政府.政务";
	m.from = "noreply@网站标识.政务";
	size_t len = 0;
	char *msg = sm_mail_compose(&m, &len, err);
	ck_assert_ptr_nonnull(msg);
	char want[256];
	snprintf(want, sizeof(want), " <%s>\r\n", a);
	ck_assert_ptr_nonnull(strstr(msg, want));
	for (size_t i = 0; i < len; i++)
		ck_assert_int_lt((unsigned char)msg[i], 0x80);
	free(msg);
	char *id = sm_mail_message_id(7, "req-1:1", "noreply@网站标识.政务");
	ck_assert_ptr_nonnull(strstr(id, "@xn--"));
	free(id);
	/* plain addresses as they are */
	char *p = sm_mail_ace("web@fuzhou.gov.cn");
	ck_assert_str_eq(p, "web@fuzhou.gov.cn");
	free(p);
	free(a);
}
END_TEST

START_TEST(test_sms_body)
{
	char *s = sm_sms_body("{\"to\": \"{mobile}\", \"msg\": \"{text}\"}", "13905911012",
	    "说\"明\"\\\n第二行", NULL, true);
	ck_assert_str_eq(s, "{\"to\": \"13905911012\", \"msg\": \"说\\\"明\\\"\\\\\\n第二行\"}");
	free(s);
	s = sm_sms_body(NULL, "13905911012", "a b&c=d", NULL, false);
	ck_assert_str_eq(s, "mobile=13905911012&text=a%20b%26c%3Dd");
	free(s);
	s = sm_sms_body("m={mobile}&t={text}", "139", "短", NULL, false);
	ck_assert_str_eq(s, "m=139&t=%E7%9F%AD");
	free(s);
	/* {id}: the notice's message id, the same on every retry */
	s = sm_sms_body("{\"to\": \"{mobile}\", \"outId\": \"{id}\"}", "139", "x", "R-1:2", true);
	ck_assert_str_eq(s, "{\"to\": \"139\", \"outId\": \"R-1:2\"}");
	free(s);

	sm_config cfg = {0};
	char *h[] = {(char *)"X-Token: t", (char *)"content-type: application/json"};
	ck_assert(!sm_sms_is_json(&cfg));
	cfg.sms_body = (char *)"  {\"a\": \"{text}\"}";
	ck_assert(sm_sms_is_json(&cfg));
	cfg.sms_body = (char *)"a={text}";
	ck_assert(!sm_sms_is_json(&cfg));
	cfg.sms_headers = h;
	cfg.n_sms_headers = 2;
	ck_assert(sm_sms_is_json(&cfg));
}
END_TEST

START_TEST(test_from)
{
	char *a = NULL, *n = NULL;
	TU_OK(err, sm_mail_parse_from("网站标识管理 <sitemark@example.gov.cn>", &a, &n, err));
	ck_assert_str_eq(a, "sitemark@example.gov.cn");
	ck_assert_str_eq(n, "网站标识管理");
	free(a);
	free(n);
	TU_OK(err, sm_mail_parse_from("\"Sitemark\" <s@example.cn>", &a, &n, err));
	ck_assert_str_eq(n, "Sitemark");
	free(a);
	free(n);
	TU_OK(err, sm_mail_parse_from("s@example.cn", &a, &n, err));
	ck_assert_str_eq(a, "s@example.cn");
	ck_assert_ptr_null(n);
	free(a);
	ck_assert_int_eq(sm_mail_parse_from("not an address", &a, &n, err), SM_E_INVALID);
	ck_assert_int_eq(sm_mail_parse_from("x\r\nBcc: e@evil.cn <s@example.cn>", &a, &n, err),
	    SM_E_INVALID);
	ck_assert_ptr_null(a);
	/* the name in From, encoded */
	sm_mail m = base;
	m.from_name = "网站标识管理";
	size_t len = 0;
	char *msg = sm_mail_compose(&m, &len, err), *w = sm_base64("网站标识管理", 18), want[128];
	snprintf(want, sizeof(want), "From: =?UTF-8?B?%s?= <noreply@sitemark.example.cn>\r\n", w);
	ck_assert_ptr_nonnull(strstr(msg, want));
	free(w);
	free(msg);
	/* a gateway header with {mobile} and {text}: no line break from data */
	char *h = sm_sms_header("X-To: {mobile}; {text}", "139", "a\r\nX-Evil: 1", NULL);
	ck_assert_str_eq(h, "X-To: 139; a  X-Evil: 1");
	free(h);
}
END_TEST

START_TEST(test_delay)
{
	sm_config cfg = {.notify_retry_base = 60, .notify_retry_cap = 600};
	/* doubling from the base, scaled by 0.5 to 1, at most the cap */
	ck_assert_int_eq(sm_notify_delay(&cfg, 1, 0.0), 30);
	ck_assert_int_eq(sm_notify_delay(&cfg, 1, 0.999999), 59);
	ck_assert_int_eq(sm_notify_delay(&cfg, 2, 0.0), 60);
	ck_assert_int_eq(sm_notify_delay(&cfg, 3, 0.0), 120);
	ck_assert_int_eq(sm_notify_delay(&cfg, 4, 0.0), 240);
	ck_assert_int_eq(sm_notify_delay(&cfg, 5, 0.0), 300);
	ck_assert_int_eq(sm_notify_delay(&cfg, 60, 0.5), 450);
	ck_assert_int_eq(sm_notify_delay(&cfg, 1000000, 0.0), 300);
}
END_TEST

static Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("compose");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_subject_words);
	tcase_add_test(tc, test_no_injection);
	tcase_add_test(tc, test_attachment);
	tcase_add_test(tc, test_message_id);
	tcase_add_test(tc, test_idn_addresses);
	tcase_add_test(tc, test_sms_body);
	tcase_add_test(tc, test_from);
	tcase_add_test(tc, test_delay);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(notify_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
