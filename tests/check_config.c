/* check_config.c - tests of sm_config: keys, types, defaults, search order. */
#include <config.h>

#include <check.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_config.h"
#include "sm_policy.h"
#include "sm_vocab.h"
#include "testutil.h"

static char *tmp;

/* Every test starts with no configuration anywhere it would be found but
 * /etc, and a data directory of its own. */
static void
setup(void)
{
	tmp = tu_tmpdir();
	unsetenv("SITEMARK_CONFIG");
	setenv("XDG_CONFIG_HOME", tmp, 1);
	setenv("HOME", tmp, 1);
	setenv("SITEMARK_DATADIR", "/data/dir", 1);
	tu_lang("en");
}

static void
teardown(void)
{
	tu_rmrf(tmp);
	free(tmp);
	tmp = NULL;
}

static sm_config *
load_ok(const char *path, sm_err *warn)
{
	sm_config *cfg = NULL;
	sm_err *err = sm_err_new();
	sm_status st = sm_config_load(path, &cfg, warn, err);

	ck_assert_msg(st == SM_OK, "%s: %s", path ? path : "(search)",
	    sm_err_msg(err, 0) ? sm_err_msg(err, 0) : "?");
	ck_assert_ptr_nonnull(cfg);
	sm_err_free(&err);
	return cfg;
}

static sm_config *
load_text(const char *text, sm_err *warn)
{
	char *p = tu_write(tmp, "sitemark.yaml", text);
	sm_config *cfg = load_ok(p, warn);
	free(p);
	return cfg;
}

static char *
in_tmp(const char *rel)
{
	char *p = NULL;
	ck_assert_int_gt(asprintf(&p, "%s/%s", tmp, rel), 0);
	return p;
}

/* TEXT is refused with SM_E_INVALID and one message holding every WANT. */
static void
expect_bad(const char *text, ...)
{
	char *p = tu_write(tmp, "bad.yaml", text);
	sm_config *cfg = (sm_config *)1;
	sm_err *err = sm_err_new();
	sm_status st = sm_config_load(p, &cfg, NULL, err);
	va_list ap;
	const char *want;

	ck_assert_msg(st == SM_E_INVALID, "accepted (%d):\n%s", st, text);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_ge(sm_err_count(err), 1);
	va_start(ap, text);
	while ((want = va_arg(ap, const char *)) != NULL) {
		int found = 0;
		for (size_t i = 0; i < sm_err_count(err); i++)
			if (strstr(sm_err_msg(err, i), want) != NULL)
				found = 1;
		ck_assert_msg(found, "no '%s' in '%s'", want, sm_err_msg(err, 0));
	}
	va_end(ap);
	ck_assert_msg(strncmp(sm_err_msg(err, 0), p, strlen(p)) == 0,
	    "message does not name the file: %s", sm_err_msg(err, 0));
	sm_err_free(&err);
	free(p);
}

static bool
has_warning(const sm_err *warn, const char *want)
{
	for (size_t i = 0; i < sm_err_count(warn); i++)
		if (strstr(sm_err_msg(warn, i), want) != NULL)
			return true;
	return false;
}

START_TEST(test_nested)
{
	sm_err *warn = sm_err_new();
	sm_config *cfg = load_text(
	    "# a full configuration\n"
	    "database: sitemark.db\n"
	    "mark:\n"
	    "  base_url: https://bs.example.cn\n"
	    "smtp:\n"
	    "  url: smtps://mail.example.cn:465\n"
	    "  from: \"编办 <noreply@example.cn>\"\n"
	    "  user: noreply\n"
	    "  password_file: secrets/smtp.pw\n"
	    "sms:\n"
	    "  url: https://sms.example.cn/send\n"
	    "  headers:\n"
	    "    - \"Authorization: Bearer abc\"\n"
	    "    - \"Content-Type: application/json\"\n"
	    "  body: |\n"
	    "    {\"to\": \"{mobile}\",\n"
	    "     \"text\": \"{text}\"}\n"
	    "support:\n"
	    "  - name: 客服\n"
	    "    phone: 010-1\n"
	    "  - {name: 编办, phone: 0591-2, scope: 省直单位}\n"
	    "calendar: /srv/calendar.yaml\n"
	    "forms: ../forms\n"
	    "divisions: ~/divisions.tsv\n", warn);
	char *p;

	ck_assert_uint_eq(sm_err_count(warn), 0);
	p = in_tmp("sitemark.yaml");
	ck_assert_str_eq(cfg->path, p);
	free(p);
	/* Relative paths are relative to the configuration file. */
	p = in_tmp("sitemark.db");
	ck_assert_str_eq(cfg->database, p);
	free(p);
	p = in_tmp("secrets/smtp.pw");
	ck_assert_str_eq(cfg->smtp_password_file, p);
	free(p);
	p = in_tmp("../forms");
	ck_assert_str_eq(cfg->forms_dir, p);
	free(p);
	ck_assert_str_eq(cfg->calendar, "/srv/calendar.yaml");
	/* HOME is the temporary directory here. */
	p = in_tmp("divisions.tsv");
	ck_assert_str_eq(cfg->divisions, p);
	free(p);
	ck_assert_str_eq(cfg->mark_base_url, "https://bs.example.cn");
	ck_assert_str_eq(cfg->smtp_url, "smtps://mail.example.cn:465");
	ck_assert_str_eq(cfg->smtp_from, "编办 <noreply@example.cn>");
	ck_assert_str_eq(cfg->smtp_user, "noreply");
	ck_assert_str_eq(cfg->sms_url, "https://sms.example.cn/send");
	ck_assert_uint_eq(cfg->n_sms_headers, 2);
	ck_assert_str_eq(cfg->sms_headers[0], "Authorization: Bearer abc");
	ck_assert_str_eq(cfg->sms_headers[1], "Content-Type: application/json");
	ck_assert_str_eq(cfg->sms_body, "{\"to\": \"{mobile}\",\n \"text\": \"{text}\"}\n");
	ck_assert_uint_eq(cfg->n_support, 2);
	ck_assert_str_eq(cfg->support[0].name, "客服");
	ck_assert_str_eq(cfg->support[0].phone, "010-1");
	ck_assert_ptr_null(cfg->support[0].scope);
	ck_assert_str_eq(cfg->support[1].name, "编办");
	ck_assert_str_eq(cfg->support[1].phone, "0591-2");
	ck_assert_str_eq(cfg->support[1].scope, "省直单位");
	sm_config_free(&cfg);
	ck_assert_ptr_null(cfg);
	sm_config_free(&cfg);
	sm_err_free(&warn);
}
END_TEST

START_TEST(test_dotted_and_header_map)
{
	sm_config *cfg = load_text(
	    "mark.base_url: http://localhost:8080\n"
	    "smtp.url: smtp://127.0.0.1:2525\n"
	    "smtp.from: a@b.cn\n"
	    "sms.url: http://127.0.0.1:9/sms\n"
	    "sms.headers:\n"
	    "  X-Api-Key: k123\n"
	    "  Accept: \"*/*\"\n"
	    "sms.body: \"mobile={mobile}&text={text}\"\n", NULL);

	ck_assert_str_eq(cfg->mark_base_url, "http://localhost:8080");
	ck_assert_str_eq(cfg->smtp_url, "smtp://127.0.0.1:2525");
	ck_assert_str_eq(cfg->smtp_from, "a@b.cn");
	ck_assert_ptr_null(cfg->smtp_user);
	ck_assert_str_eq(cfg->sms_url, "http://127.0.0.1:9/sms");
	ck_assert_uint_eq(cfg->n_sms_headers, 2);
	ck_assert_str_eq(cfg->sms_headers[0], "X-Api-Key: k123");
	ck_assert_str_eq(cfg->sms_headers[1], "Accept: */*");
	ck_assert_str_eq(cfg->sms_body, "mobile={mobile}&text={text}");
	sm_config_free(&cfg);
}
END_TEST

START_TEST(test_defaults)
{
	sm_config *cfg = load_text("# nothing configured\n", NULL);

	ck_assert_ptr_null(cfg->database);
	ck_assert_str_eq(cfg->mark_base_url, "https://bs.sitemark.invalid");
	ck_assert_str_eq(cfg->calendar, "/data/dir/data/calendar.yaml");
	ck_assert_str_eq(cfg->forms_dir, "/data/dir/forms");
	ck_assert_str_eq(cfg->divisions, "/data/dir/data/divisions.tsv");
	ck_assert_ptr_null(cfg->smtp_url);
	ck_assert_ptr_null(cfg->sms_url);
	ck_assert_uint_eq(cfg->n_sms_headers, 0);
	/* The seed's two contacts. */
	ck_assert_uint_eq(cfg->n_support, 2);
	ck_assert_str_eq(cfg->support[0].name, "中央编办客服中心");
	ck_assert_str_eq(cfg->support[0].phone, "010-69001234");
	ck_assert(strstr(cfg->support[1].name, "省委编办电子政务中心") != NULL);
	ck_assert(strstr(cfg->support[1].name, "曾群") != NULL);
	ck_assert_str_eq(cfg->support[1].phone, "0591-87304002");
	ck_assert_str_eq(cfg->support[1].scope, "Fujian provincial units");
	sm_config_free(&cfg);

	/* Nulls and empty strings leave the defaults too; an empty support
	 * list means no contacts. */
	cfg = load_text("database: ~\nmark:\nsmtp:\n  url: \"\"\nsupport: []\n", NULL);
	ck_assert_ptr_null(cfg->database);
	ck_assert_ptr_null(cfg->smtp_url);
	ck_assert_str_eq(cfg->mark_base_url, "https://bs.sitemark.invalid");
	ck_assert_uint_eq(cfg->n_support, 0);
	sm_config_free(&cfg);

	/* An empty file. */
	cfg = load_text("", NULL);
	ck_assert_uint_eq(cfg->n_support, 2);
	sm_config_free(&cfg);

	setenv("SITEMARK_DATADIR", "/other", 1);
	ck_assert_str_eq(sm_datadir(), "/other");
	unsetenv("SITEMARK_DATADIR");
	ck_assert_str_eq(sm_datadir(), PKGDATADIR);
	setenv("SITEMARK_DATADIR", "", 1);
	ck_assert_str_eq(sm_datadir(), PKGDATADIR);
}
END_TEST

START_TEST(test_unknown_keys)
{
	sm_err *warn = sm_err_new();
	sm_config *cfg = load_text(
	    "database: x.db\n"
	    "databse: y.db\n"
	    "smtp:\n"
	    "  url: smtp://m:25\n"
	    "  port: 25\n"
	    "mark.base_url.x: 1\n"
	    "support:\n"
	    "  - name: a\n"
	    "    phone: b\n"
	    "    email: c@d\n", warn);
	char *p = in_tmp("sitemark.yaml"), *want = NULL;

	ck_assert_uint_eq(sm_err_count(warn), 4);
	ck_assert_int_gt(asprintf(&want, "%s:2: unknown key 'databse'", p), 0);
	ck_assert_str_eq(sm_err_msg(warn, 0), want);
	ck_assert_str_eq(sm_err_field(warn, 0), "databse");
	free(want);
	ck_assert(has_warning(warn, ":5: unknown key 'smtp.port'"));
	ck_assert(has_warning(warn, ":6: unknown key 'mark.base_url.x'"));
	ck_assert(has_warning(warn, ":10: unknown key 'support.email'"));
	/* The rest is read all the same. */
	ck_assert_str_eq(cfg->smtp_url, "smtp://m:25");
	ck_assert_uint_eq(cfg->n_support, 1);
	sm_config_free(&cfg);
	/* Without a place for warnings, loading still works. */
	cfg = load_text("whatever: 1\n", NULL);
	sm_config_free(&cfg);
	sm_err_free(&warn);
	free(p);
}
END_TEST

START_TEST(test_unknown_key_combining)
{
	/* A key of one letter and 63 COMBINING ACUTE ACCENTs: its excerpt in
	 * the warning used to be written past its allocation (issue 7). */
	char text[1 + 63 * 2 + 16], *p = text;
	sm_err *warn = sm_err_new();
	sm_config *cfg;
	const char *msg, *q, *end;

	*p++ = 'a';
	for (int i = 0; i < 63; i++) {
		memcpy(p, "\xcc\x81", 2);
		p += 2;
	}
	strcpy(p, ": 1\n");
	cfg = load_text(text, warn);
	ck_assert_uint_eq(sm_err_count(warn), 1);
	msg = sm_err_msg(warn, 0);
	q = strstr(msg, "unknown key 'a\xcc\x81");
	ck_assert_ptr_nonnull(q);
	q += strlen("unknown key '");
	end = strstr(q, "...'");
	ck_assert_ptr_nonnull(end);
	ck_assert_uint_le((size_t)(end - q) + 3, 63);
	sm_config_free(&cfg);
	sm_err_free(&warn);
}
END_TEST

START_TEST(test_wrong_types)
{
	expect_bad("database: [a, b]\n", ":1: ", "'database' must be a string", NULL);
	expect_bad("smtp: smtp://x\n", ":1: ", "'smtp' must be a mapping", NULL);
	expect_bad("mark:\n  base_url: {a: b}\n", ":2: ", "'mark.base_url' must be a string",
	    NULL);
	expect_bad("sms.headers: 5\n", "'sms.headers' must be a list", NULL);
	expect_bad("sms:\n  headers: [[a]]\n", ":2: ", "'sms.headers' must be a list", NULL);
	expect_bad("sms:\n  headers:\n    X: [1]\n", "'sms.headers' must be a list", NULL);
	expect_bad("support: 010-69001234\n", "'support' must be a list of contacts", NULL);
	expect_bad("support: [a]\n", "'support' must be a list of contacts", NULL);
	expect_bad("support:\n  - name: x\n", ":2: ", "needs a 'phone'", NULL);
	expect_bad("support:\n  - phone: x\n", "needs a 'name'", NULL);
	expect_bad("support:\n  - {name: [x], phone: y}\n", "'support.name' must be a string",
	    NULL);
	expect_bad("notify:\n  batch: [3]\n", ":2: ", "'notify.batch' must be a whole number", NULL);
	expect_bad("auth.totp_required: [true]\n", "'auth.totp_required' must be true or false", NULL);
	expect_bad("console:\n  follow: {a: 1}\n", "'console.follow' must be a whole number of seconds",
	    NULL);
	expect_bad("- database\n", ":1: ", "must be a mapping", NULL);
	expect_bad("just a string\n", "must be a mapping", NULL);
	/* The same setting twice. */
	expect_bad("smtp.url: smtp://a\nsmtp:\n  url: smtp://b\n", ":3: ",
	    "'smtp.url' is given twice", NULL);
	/* Syntax errors come with their line. */
	expect_bad("a: b\n c: [\n", ":", NULL);
	/* Every problem is reported, not only the first. */
	{
		char *p = tu_write(tmp, "many.yaml", "database: []\nforms: {}\nsmtp.url: x\n");
		sm_config *cfg = NULL;
		sm_err *err = sm_err_new();
		ck_assert_int_eq(sm_config_load(p, &cfg, NULL, err), SM_E_INVALID);
		ck_assert_uint_eq(sm_err_count(err), 3);
		ck_assert_str_eq(sm_err_field(err, 0), "database");
		sm_err_free(&err);
		free(p);
	}
}
END_TEST

START_TEST(test_urls_and_controls)
{
	expect_bad("smtp.url: http://mail.example.cn\n",
	    "'smtp.url' must start with smtp:// or smtps://", NULL);
	expect_bad("smtp:\n  url: smtps://\n", ":2: ", "'smtp.url' has no host name", NULL);
	expect_bad("mark.base_url: ftp://bs.example.cn\n",
	    "'mark.base_url' must start with http:// or https://", NULL);
	expect_bad("mark.base_url: bs.example.cn\n", "must start with http://", NULL);
	expect_bad("mark.base_url: \"https://a b\"\n", "must not contain spaces", NULL);
	expect_bad("sms.url: smtp://x\n", "'sms.url' must start with http://", NULL);
	/* Header injection through the configuration. */
	expect_bad("smtp.from: \"a@b.cn\\r\\nBcc: victim@x\"\n",
	    "'smtp.from' contains a control character", NULL);
	expect_bad("sms.headers: [\"X-A: 1\\r\\nX-B: 2\"]\n", "control character", NULL);
	expect_bad("sms.headers: {\"X-A\": \"1\\nX-B: 2\"}\n", "control character", NULL);
	expect_bad("sms.headers: [\"no colon\"]\n", "is not of the form", NULL);
	expect_bad("sms.headers: [\"Bad Name: v\"]\n", "is not of the form", NULL);
	expect_bad("sms.headers: [\": v\"]\n", "is not of the form", NULL);
	expect_bad("sms.headers: {\"A:B\": v}\n", "contains a colon", NULL);
	expect_bad("support:\n  - {name: \"a\\e[2J\", phone: 1}\n", "control character", NULL);
	/* An escape sequence in an unknown key is shown neutralised. */
	{
		sm_err *warn = sm_err_new();
		sm_config *cfg = load_text("\"\\e]52;c;eA==\\a\": 1\n", warn);
		ck_assert_uint_eq(sm_err_count(warn), 1);
		ck_assert(strstr(sm_err_msg(warn, 0), "'^[]52;c;eA==^G'") != NULL);
		ck_assert(strchr(sm_err_msg(warn, 0), 0x1b) == NULL);
		sm_config_free(&cfg);
		sm_err_free(&warn);
	}
	/* A multi-line body is fine. */
	{
		sm_config *cfg = load_text("sms.body: \"a\\nb\\tc\"\n", NULL);
		ck_assert_str_eq(cfg->sms_body, "a\nb\tc");
		sm_config_free(&cfg);
	}
}
END_TEST

START_TEST(test_explicit_missing)
{
	sm_config *cfg = (sm_config *)1;
	sm_err *err = sm_err_new();
	char *p = in_tmp("nope.yaml");

	ck_assert_int_eq(sm_config_load(p, &cfg, NULL, err), SM_E_IO);
	ck_assert_ptr_null(cfg);
	ck_assert(strstr(sm_err_msg(err, 0), p) != NULL);
	sm_err_clear(err);
	/* $SITEMARK_CONFIG names a file that must exist too. */
	setenv("SITEMARK_CONFIG", p, 1);
	ck_assert_int_eq(sm_config_load(NULL, &cfg, NULL, err), SM_E_IO);
	ck_assert_ptr_null(cfg);
	unsetenv("SITEMARK_CONFIG");
	sm_err_free(&err);
	free(p);
}
END_TEST

START_TEST(test_search_order)
{
	char *xdg = in_tmp("xdg"), *home = in_tmp("home"), *dir, *p;
	char *explicit_path = tu_write(tmp, "explicit.yaml", "database: explicit.db\n");
	char *env_path = tu_write(tmp, "env.yaml", "database: env.db\n");
	sm_config *cfg;

	ck_assert_int_eq(mkdir(xdg, 0700), 0);
	ck_assert_int_eq(mkdir(home, 0700), 0);
	ck_assert_int_gt(asprintf(&dir, "%s/sitemark", xdg), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	free(tu_write(dir, "sitemark.yaml", "database: xdg.db\n"));
	free(dir);
	ck_assert_int_gt(asprintf(&dir, "%s/.config", home), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	free(dir);
	ck_assert_int_gt(asprintf(&dir, "%s/.config/sitemark", home), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	free(tu_write(dir, "sitemark.yaml", "database: home.db\n"));
	free(dir);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	setenv("HOME", home, 1);

	/* --config first. */
	setenv("SITEMARK_CONFIG", env_path, 1);
	cfg = load_ok(explicit_path, NULL);
	ck_assert_str_eq(cfg->path, explicit_path);
	ck_assert(strstr(cfg->database, "/explicit.db") != NULL);
	sm_config_free(&cfg);
	/* Then $SITEMARK_CONFIG. */
	cfg = load_ok(NULL, NULL);
	ck_assert_str_eq(cfg->path, env_path);
	ck_assert(strstr(cfg->database, "/env.db") != NULL);
	sm_config_free(&cfg);
	/* Then $XDG_CONFIG_HOME/sitemark/sitemark.yaml. */
	unsetenv("SITEMARK_CONFIG");
	cfg = load_ok(NULL, NULL);
	ck_assert_int_gt(asprintf(&p, "%s/sitemark/xdg.db", xdg), 0);
	ck_assert_str_eq(cfg->database, p);
	free(p);
	sm_config_free(&cfg);
	/* Then ~/.config/sitemark/sitemark.yaml; a relative XDG_CONFIG_HOME
	 * does not count. */
	unsetenv("XDG_CONFIG_HOME");
	cfg = load_ok(NULL, NULL);
	ck_assert_int_gt(asprintf(&p, "%s/.config/sitemark/home.db", home), 0);
	ck_assert_str_eq(cfg->database, p);
	sm_config_free(&cfg);
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	cfg = load_ok(NULL, NULL);
	ck_assert_str_eq(cfg->database, p);
	free(p);
	sm_config_free(&cfg);
	/* An empty $SITEMARK_CONFIG is as good as none. */
	setenv("SITEMARK_CONFIG", "", 1);
	cfg = load_ok(NULL, NULL);
	ck_assert(strstr(cfg->database, "/home.db") != NULL);
	sm_config_free(&cfg);
	/* Nothing found: defaults, no file. */
	unsetenv("SITEMARK_CONFIG");
	setenv("XDG_CONFIG_HOME", tmp, 1);
	if (access("/etc/sitemark/sitemark.yaml", F_OK) != 0 &&
	    access(SYSCONFDIR "/sitemark/sitemark.yaml", F_OK) != 0) {
		cfg = load_ok(NULL, NULL);
		ck_assert_ptr_null(cfg->path);
		ck_assert_ptr_null(cfg->database);
		ck_assert_str_eq(cfg->mark_base_url, "https://bs.sitemark.invalid");
		ck_assert_uint_eq(cfg->n_support, 2);
		sm_config_free(&cfg);
	}
	free(xdg);
	free(home);
	free(explicit_path);
	free(env_path);
}
END_TEST

START_TEST(test_relative_config_path)
{
	/* A configuration named relative to the working directory: its paths
	 * stay relative to the same place. */
	char *dir = in_tmp("rel"), *cwd = getcwd(NULL, 0);
	sm_config *cfg;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	free(tu_write(dir, "s.yaml", "database: d.db\n"));
	ck_assert_int_eq(chdir(tmp), 0);
	cfg = load_ok("rel/s.yaml", NULL);
	ck_assert_str_eq(cfg->database, "rel/d.db");
	sm_config_free(&cfg);
	ck_assert_int_eq(chdir(dir), 0);
	cfg = load_ok("s.yaml", NULL);
	ck_assert_str_eq(cfg->database, "d.db");
	sm_config_free(&cfg);
	ck_assert_int_eq(chdir(cwd), 0);
	free(cwd);
	free(dir);
}
END_TEST

START_TEST(test_keys_and_console)
{
	sm_err *warn = sm_err_new();
	sm_config *cfg = load_text(
	    "console:\n"
	    "  cursor: reverse\n"
	    "keys:\n"
	    "  queue:\n"
	    "    approve: A\n"
	    "    reject: [F3, C-r]\n"
	    "    open: []\n"
	    "  nosuch: {x: y}\n"
	    "  generic: 5\n"
	    "  case:\n"
	    "    note: {a: b}\n"
	    "    edit: [e, [f]]\n", warn);

	ck_assert_str_eq(cfg->console_cursor, "reverse");
	/* the shape only: names and keys are the console's to check */
	ck_assert_uint_eq(cfg->n_keys, 6);
	ck_assert_str_eq(cfg->keys[0].screen, "queue");
	ck_assert_str_eq(cfg->keys[0].action, "approve");
	ck_assert_str_eq(cfg->keys[0].key, "A");
	ck_assert_int_eq(cfg->keys[0].line, 5);
	ck_assert_str_eq(cfg->keys[1].key, "F3");
	ck_assert_str_eq(cfg->keys[2].key, "C-r");
	ck_assert_str_eq(cfg->keys[2].action, "reject");
	ck_assert_str_eq(cfg->keys[3].action, "open");
	ck_assert_ptr_null(cfg->keys[3].key); /* [] : no key */
	ck_assert_str_eq(cfg->keys[4].screen, "nosuch");
	ck_assert_str_eq(cfg->keys[5].key, "e");
	/* the wrong shapes are warnings, with their lines */
	ck_assert_uint_eq(sm_err_count(warn), 3);
	ck_assert(has_warning(warn, ":9: keys: 'generic' must be a mapping from actions to keys"));
	ck_assert(has_warning(warn, ":11: keys: the keys of 'note' must be strings"));
	ck_assert(has_warning(warn, ":12: keys: the keys of 'edit' must be strings"));
	sm_config_free(&cfg);
	sm_err_free(&warn);

	warn = sm_err_new();
	cfg = load_text("keys: [a, b]\n", warn);
	ck_assert_uint_eq(cfg->n_keys, 0);
	ck_assert(has_warning(warn, ":1: 'keys' must be a mapping"));
	sm_config_free(&cfg);
	sm_err_free(&warn);

	expect_bad("console:\n  cursor: sideways\n", ":2: ",
	    "'console.cursor' must be 'marker' or 'reverse', not 'sideways'", NULL);
	expect_bad("console.cursor: [x]\n", ":1: ", "'console.cursor' must be a string", NULL);
}
END_TEST

START_TEST(test_example_file)
{
	/* The documented example has every key and no unknown one. */
	sm_err *warn = sm_err_new();
	sm_config *cfg = load_ok(tu_src("doc/sitemark.example.yaml"), warn);

	ck_assert_msg(sm_err_count(warn) == 0, "%s", sm_err_msg(warn, 0));
	ck_assert_ptr_nonnull(cfg->database);
	ck_assert_ptr_nonnull(cfg->smtp_url);
	ck_assert_ptr_nonnull(cfg->smtp_from);
	ck_assert_ptr_nonnull(cfg->smtp_user);
	ck_assert_ptr_nonnull(cfg->smtp_password_file);
	ck_assert_ptr_nonnull(cfg->sms_url);
	ck_assert_uint_gt(cfg->n_sms_headers, 0);
	ck_assert_ptr_nonnull(cfg->sms_body);
	ck_assert(strstr(cfg->sms_body, "{mobile}") != NULL);
	ck_assert(strstr(cfg->sms_body, "{text}") != NULL);
	ck_assert_uint_eq(cfg->n_support, 2);
	ck_assert_str_eq(cfg->console_cursor, "marker");
	ck_assert_uint_gt(cfg->n_keys, 0);
	ck_assert_str_eq(cfg->fee_amount, "300.00");
	ck_assert(strstr(cfg->fee_how, "reference") != NULL);
	ck_assert_int_eq(cfg->console_idle_logout_ms, 900000);
	ck_assert_uint_eq(cfg->auth_totp_roles, SM_TOTP_ROLES_DEFAULT);
	ck_assert_int_eq(cfg->auth_max_failures, 5);
	sm_config_free(&cfg);
	sm_err_free(&warn);
}
END_TEST

START_TEST(test_fee)
{
	/* fee: {amount, how}, nested or dotted; none: both NULL */
	sm_err *warn = sm_err_new();
	sm_config *cfg = load_text("fee:\n  amount: 300.00\n  how: |\n    银行转账\n    附言: 案件号\n",
	    warn);
	ck_assert_uint_eq(sm_err_count(warn), 0);
	ck_assert_str_eq(cfg->fee_amount, "300.00");
	ck_assert_str_eq(cfg->fee_how, "银行转账\n附言: 案件号");
	sm_config_free(&cfg);
	cfg = load_text("fee.amount: \"150\"\n", warn);
	ck_assert_str_eq(cfg->fee_amount, "150");
	ck_assert_ptr_null(cfg->fee_how);
	sm_config_free(&cfg);
	cfg = load_text("database: x.db\n", warn);
	ck_assert_ptr_null(cfg->fee_amount);
	ck_assert_ptr_null(cfg->fee_how);
	sm_config_free(&cfg);
	cfg = load_text("fee:\n  amount: 1\n  bank: x\n", warn);
	ck_assert(has_warning(warn, "fee.bank"));
	sm_config_free(&cfg);
	sm_err_free(&warn);
}
END_TEST

START_TEST(test_auth_and_idle)
{
	/* defaults: the three administrators, enrolled only, 5 codes, 900 s */
	sm_err *warn = sm_err_new();
	sm_config *cfg = load_text("database: x.db\n", warn);
	ck_assert_uint_eq(cfg->auth_totp_roles, SM_TOTP_ROLES_DEFAULT);
	ck_assert_int_eq(cfg->auth_totp_required, 0);
	ck_assert_int_eq(cfg->auth_max_failures, 5);
	ck_assert_int_eq(cfg->console_idle_logout_ms, 900000);
	sm_config_free(&cfg);
	cfg = load_text("auth:\n  totp_roles: [auditor, conac, office]\n  totp_required: true\n"
	    "  max_failures: 3\nconsole:\n  idle_logout: 0\n", warn);
	ck_assert_uint_eq(sm_err_count(warn), 0);
	ck_assert_uint_eq(cfg->auth_totp_roles,
	    (1u << SM_ROLE_AUDITOR) | (1u << SM_ROLE_CONAC) | (1u << SM_ROLE_OFFICE));
	ck_assert_int_eq(cfg->auth_totp_required, 1);
	ck_assert_int_eq(cfg->auth_max_failures, 3);
	ck_assert_int_eq(cfg->console_idle_logout_ms, 0);
	sm_config_free(&cfg);
	/* the public site: site.dir (a path beside the file), site.language */
	cfg = load_text("site:\n  dir: www\n  language: en_US.UTF-8\n", warn);
	ck_assert_uint_eq(sm_err_count(warn), 0);
	ck_assert(strstr(cfg->site_dir, "/www") != NULL);
	ck_assert_str_eq(cfg->site_language, "en_US.UTF-8");
	sm_config_free(&cfg);
	cfg = load_text("site:\n  root: /srv\n", warn);
	ck_assert(has_warning(warn, "site.root"));
	ck_assert_str_eq(cfg->site_language, "zh_CN.UTF-8");
	ck_assert_ptr_null(cfg->site_dir);
	sm_config_free(&cfg);
	cfg = load_text("auth.totp_roles: sysadmin\n", warn);
	ck_assert_uint_eq(cfg->auth_totp_roles, 1u << SM_ROLE_SYSADMIN);
	sm_config_free(&cfg);
	sm_err_free(&warn);
	expect_bad("auth:\n  totp_roles: [auditor, unit]\n", "auth.totp_roles", "unit", NULL);
	expect_bad("auth:\n  totp_roles: [nobody]\n", "nobody", NULL);
	expect_bad("auth:\n  totp_required: yes\n", "true or false", NULL);
	expect_bad("auth:\n  max_failures: 0\n", "auth.max_failures", NULL);
	/* the idle log-out's range is the policy's (sitemark policy set) */
	expect_bad("console:\n  idle_logout: 86401\n", "console.idle_logout", "from 0 to 86400", NULL);
	cfg = load_text("console:\n  idle_logout: 7200\n", NULL);
	ck_assert_int_eq(cfg->console_idle_logout_ms, 7200000);
	sm_config_free(&cfg);
	sm_err *perr = sm_err_new();
	ck_assert_int_eq(sm_policy_parse(SM_POLICY_IDLE_LOGOUT, "86400", NULL, NULL, perr), SM_OK);
	ck_assert_int_ne(sm_policy_parse(SM_POLICY_IDLE_LOGOUT, "86401", NULL, NULL, perr), SM_OK);
	/* a boolean of the policy is what the file takes: true or false */
	ck_assert_int_ne(sm_policy_parse(SM_POLICY_TOTP_REQUIRED, "yes", NULL, NULL, perr), SM_OK);
	ck_assert_int_eq(sm_policy_parse(SM_POLICY_TOTP_REQUIRED, "true", NULL, NULL, perr), SM_OK);
	sm_err_free(&perr);
}
END_TEST

START_TEST(test_notify)
{
	/* notify.* and smtp.ca_file/starttls: defaults, set, refused */
	sm_err *warn = sm_err_new();
	sm_config *cfg = load_text("database: x.db\n", warn);
	ck_assert_int_eq(cfg->notify_retry_base, 60);
	ck_assert_int_eq(cfg->notify_retry_cap, 3600);
	ck_assert_int_eq(cfg->notify_give_up, 172800);
	ck_assert_int_eq(cfg->notify_interval, 60);
	ck_assert_int_eq(cfg->notify_timeout, 60);
	ck_assert_int_eq(cfg->notify_connect_timeout, 10);
	ck_assert_int_eq(cfg->notify_batch, 10);
	ck_assert_int_eq(cfg->smtp_starttls, 1);
	ck_assert_ptr_null(cfg->smtp_ca_file);
	sm_config_free(&cfg);
	cfg = load_text("notify:\n  retry_base: 5\n  retry_cap: 50\n  give_up: 600\n"
	    "  interval: 2\n  timeout: 9\n  connect_timeout: 3\n  batch: 1\n"
	    "smtp:\n  starttls: false\n  ca_file: /etc/ca.pem\n", warn);
	ck_assert_uint_eq(sm_err_count(warn), 0);
	ck_assert_int_eq(cfg->notify_retry_base, 5);
	ck_assert_int_eq(cfg->notify_retry_cap, 50);
	ck_assert_int_eq(cfg->notify_give_up, 600);
	ck_assert_int_eq(cfg->notify_interval, 2);
	ck_assert_int_eq(cfg->notify_timeout, 9);
	ck_assert_int_eq(cfg->notify_connect_timeout, 3);
	ck_assert_int_eq(cfg->notify_batch, 1);
	ck_assert_int_eq(cfg->smtp_starttls, 0);
	ck_assert_str_eq(cfg->smtp_ca_file, "/etc/ca.pem");
	sm_config_free(&cfg);
	cfg = load_text("notify:\n  retries: 3\n", warn);
	ck_assert(has_warning(warn, "notify.retries"));
	sm_config_free(&cfg);
	sm_err_free(&warn);
	expect_bad("notify:\n  retry_base: 0\n", "notify.retry_base", NULL);
	expect_bad("notify:\n  give_up: soon\n", "notify.give_up", NULL);
	expect_bad("smtp:\n  starttls: maybe\n", "true or false", NULL);
	/* ports are ports; a timeout of 0 is not "the default" */
	expect_bad("monitor:\n  http_port: 70000\n", "monitor.http_port", "from 1 to 65535", NULL);
	expect_bad("monitor:\n  https_port: 0\n", "monitor.https_port", NULL);
	expect_bad("monitor:\n  timeout: 0\n", "monitor.timeout", "seconds from 1 to 3600", NULL);
	expect_bad("monitor:\n  connect_timeout: 0\n", "monitor.connect_timeout", NULL);
	expect_bad("store:\n  timeout: 0\n", "store.timeout", NULL);
	expect_bad("console:\n  follow: 3601\n", "console.follow", "from 0 to 3600", NULL);
	/* ... and so is a port in a URL */
	expect_bad("mark:\n  base_url: https://bs.example.cn:99999/js\n", "mark.base_url", "65535", NULL);
	expect_bad("smtp:\n  url: smtp://127.0.0.1:70000\n", "smtp.url", NULL);
	expect_bad("sms:\n  url: http://127.0.0.1:0/x\n", "sms.url", NULL);
	expect_bad("sms:\n  url: http://127.0.0.1:8x/x\n", "sms.url", NULL);
	expect_bad("sms:\n  url: http://[::1]:/x\n", "sms.url", NULL);
	cfg = load_text("mark:\n  base_url: https://u:p@bs.example.cn:8443/js\n"
	    "sms:\n  url: http://[::1]:9000/send?a=b:c\nsmtp:\n  url: smtps://mail.example.cn\n", NULL);
	ck_assert_str_eq(cfg->sms_url, "http://[::1]:9000/send?a=b:c");
	sm_config_free(&cfg);
	cfg = load_text("monitor:\n  http_port: 65535\n  timeout: 1\nconsole:\n  follow: 0\n", NULL);
	ck_assert_int_eq(cfg->monitor_http_port, 65535);
	ck_assert_int_eq(cfg->monitor_timeout_ms, 1000);
	ck_assert_int_eq(cfg->console_follow_ms, 0);
	sm_config_free(&cfg);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_nested);
	tcase_add_test(tc, test_dotted_and_header_map);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_unknown_keys);
	tcase_add_test(tc, test_unknown_key_combining);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_urls_and_controls);
	tcase_add_test(tc, test_explicit_missing);
	tcase_add_test(tc, test_search_order);
	tcase_add_test(tc, test_relative_config_path);
	tcase_add_test(tc, test_keys_and_console);
	tcase_add_test(tc, test_example_file);
	tcase_add_test(tc, test_fee);
	tcase_add_test(tc, test_auth_and_idle);
	tcase_add_test(tc, test_notify);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
