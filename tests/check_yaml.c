/* check_yaml.c - the YAML layer: trees, values files, hostile input, dump. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_err.h"
#include "sm_yaml.h"
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

/* Whether some problem's message contains NEEDLE. */
static int
err_has(const char *needle)
{
	for (size_t i = 0; i < sm_err_count(err); i++)
		if (strstr(sm_err_msg(err, i), needle) != NULL)
			return 1;
	return 0;
}

static sm_status
load(const char *text, sm_node **out)
{
	return sm_yaml_load_buffer(text, strlen(text), "t.yaml", out, err);
}

/* Loading TEXT fails with one message containing NEEDLE. */
static void
refused(const char *text, size_t len, const char *needle)
{
	sm_node *n = NULL;
	sm_err_clear(err);
	sm_status st = sm_yaml_load_buffer(text, len, "t.yaml", &n, err);
	ck_assert_int_eq(st, SM_E_INVALID);
	ck_assert_ptr_null(n);
	ck_assert_uint_eq(sm_err_count(err), 1);
	ck_assert_ptr_null(sm_err_field(err, 0));
	if (strstr(sm_err_msg(err, 0), needle) == NULL)
		ck_abort_msg("message '%s' lacks '%s'", sm_err_msg(err, 0), needle);
	ck_assert(strncmp(sm_err_msg(err, 0), "t.yaml:", 7) == 0);
}

START_TEST(test_tree)
{
	sm_node *root = NULL;
	const char *text =
	    "# comment\n"
	    "name: 福州市\n"
	    "quoted: \"true\"\n"
	    "plain: true\n"
	    "nothing:\n"
	    "tilde: ~\n"
	    "empty: ''\n"
	    "list:\n"
	    "  - a\n"
	    "  - {x: 1, y: [2, 3]}\n";

	ck_assert_int_eq(load(text, &root), SM_OK);
	ck_assert_uint_eq(sm_err_count(err), 0);
	ck_assert_int_eq(root->type, SM_NODE_MAP);
	ck_assert_int_eq(root->line, 2);
	ck_assert_uint_eq(root->n, 7);
	ck_assert_str_eq(root->keys[0], "name");
	ck_assert_int_eq(root->key_lines[6], 8);
	ck_assert_str_eq(sm_node_str(root, "name"), "福州市");
	ck_assert(sm_node_get(root, "quoted")->quoted);
	ck_assert(!sm_node_get(root, "plain")->quoted);
	ck_assert(!sm_node_get(root, "plain")->null);
	ck_assert(sm_node_get(root, "nothing")->null);
	ck_assert(sm_node_get(root, "tilde")->null);
	ck_assert(!sm_node_get(root, "empty")->null);
	ck_assert_ptr_null(sm_node_get(root, "missing"));
	ck_assert_ptr_null(sm_node_str(root, "list"));
	const sm_node *list = sm_node_get(root, "list");
	ck_assert_int_eq(list->type, SM_NODE_SEQ);
	ck_assert_uint_eq(list->n, 2);
	ck_assert_int_eq(list->items[0]->line, 9);
	ck_assert_int_eq(list->items[1]->type, SM_NODE_MAP);
	ck_assert_int_eq(list->items[1]->line, 10);
	ck_assert_str_eq(sm_node_get(list->items[1], "y")->items[1]->scalar, "3");
	ck_assert_ptr_null(sm_node_get(list, "x")); /* not a map */

	json_t *j = sm_node_to_json(root);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "plain")), "true");
	ck_assert(json_is_null(json_object_get(j, "nothing")));
	ck_assert_str_eq(json_string_value(json_object_get(j, "empty")), "");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(
	    json_array_get(json_object_get(j, "list"), 1), "y"), 0)), "2");
	json_decref(j);
	sm_node_free(&root);
	ck_assert_ptr_null(root);
	sm_node_free(&root); /* twice is harmless */
}
END_TEST

START_TEST(test_empty_stream_is_null)
{
	sm_node *root = NULL;
	ck_assert_int_eq(load("", &root), SM_OK);
	ck_assert_int_eq(root->type, SM_NODE_SCALAR);
	ck_assert(root->null);
	sm_node_free(&root);
	ck_assert_int_eq(load("# only a comment\n", &root), SM_OK);
	ck_assert(root->null);
	sm_node_free(&root);
}
END_TEST

/* A file saved with a byte order mark (Notepad) reads as without it, the
 * mark in no value; one anywhere else is the text's. */
START_TEST(test_byte_order_mark)
{
	sm_node *root = NULL;
	ck_assert_int_eq(load("\xef\xbb\xbfname: 福州\nusage: x\n", &root), SM_OK);
	ck_assert_str_eq(sm_node_str(root, "name"), "福州");
	ck_assert_ptr_null(sm_node_get(root, "\xef\xbb\xbfname"));
	sm_node_free(&root);
	ck_assert_int_eq(load("\xef\xbb\xbf", &root), SM_OK);
	ck_assert(root->null);
	sm_node_free(&root);
}
END_TEST

START_TEST(test_aliases_refused)
{
	const char *laughs =
	    "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
	    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
	    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
	    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	refused(laughs, strlen(laughs), "t.yaml:1: anchors are not allowed");
	refused("a: 1\nb: *x\n", 11, "t.yaml:2: aliases are not allowed");
	refused("x: 1\ny: !!python/object:os.system ls\n", 36, "t.yaml:2: tags are not allowed");
}
END_TEST

static char *
nested(int depth, int block)
{
	size_t cap = (size_t)depth * (size_t)(depth * 2 + 8) + 16;
	char *s = malloc(cap);
	size_t len = 0;
	ck_assert_ptr_nonnull(s);
	for (int i = 0; i < depth; i++) {
		if (block) {
			for (int k = 0; k < i; k++)
				s[len++] = ' ';
			len += (size_t)sprintf(s + len, "k%d:\n", i);
		} else
			s[len++] = '[';
	}
	if (block) {
		for (int k = 0; k < depth; k++)
			s[len++] = ' ';
		len += (size_t)sprintf(s + len, "leaf\n");
	} else
		for (int i = 0; i < depth; i++)
			s[len++] = ']';
	s[len] = '\0';
	return s;
}

START_TEST(test_depth_limit)
{
	char *s = nested(100, 0);
	refused(s, strlen(s), "nesting is deeper than 32 levels");
	free(s);
	s = nested(100, 1);
	refused(s, strlen(s), "t.yaml:33: nesting is deeper than 32 levels");
	free(s);

	sm_node *root = NULL;
	s = nested(SM_YAML_MAX_DEPTH, 0);
	ck_assert_int_eq(load(s, &root), SM_OK);
	sm_node_free(&root);
	free(s);
}
END_TEST

START_TEST(test_duplicate_keys)
{
	refused("a: 1\nb: 2\na: 3\n", 15, "t.yaml:3: duplicate key 'a'");
	refused("top:\n  x: 1\n  y: 2\n  x: 3\n", 26, "t.yaml:4: duplicate key 'x'");
	refused("{a: 1, a: 1}", 12, "t.yaml:1: duplicate key 'a'");
	/* same text, different quoting: still the same key */
	refused("a: 1\n\"a\": 2\n", 12, "t.yaml:2: duplicate key 'a'");

	/* A large mapping with a duplicate at the end is found quickly. */
	size_t n = 20000, len = 0;
	char *s = malloc(n * 16 + 32);
	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "k%zu: v\n", i);
	len += (size_t)sprintf(s + len, "k17: again\n");
	refused(s, len, "duplicate key 'k17'");
	free(s);
}
END_TEST

START_TEST(test_keys_must_be_scalars)
{
	refused("? [a, b]\n: 1\n", 13, "t.yaml:1: a key must be a plain string");
	refused("{[a]: 1}", 8, "a key must be a plain string");
	refused("? {x: 1}\n: 2\n", 13, "a key must be a plain string");
	refused("~: 1\n", 5, "t.yaml:1: empty key");
}
END_TEST

START_TEST(test_binary_junk)
{
	static const char junk[] = "a: b\n\x7f" "ELF\x02\x01\x01\x00\x00\xff\xfe\x80";
	refused(junk, sizeof(junk) - 1, "t.yaml:2: the file contains a NUL byte");
	static const char bad_utf8[] = "a: \xff\xfe\xc3\x28\n";
	refused(bad_utf8, sizeof(bad_utf8) - 1, "t.yaml:1: YAML syntax error");
	static const char ctrl[] = "a: \x1b[2J\n";
	refused(ctrl, sizeof(ctrl) - 1, "t.yaml:1: YAML syntax error");
	/* an escaped NUL inside a double-quoted string */
	refused("a: \"x\\0y\"\n", 10, "t.yaml:1: a string contains a NUL character");
	refused("a: [1, 2\n", 9, "YAML syntax error");
	refused("a: 'x\n", 6, "YAML syntax error");
	/* UTF-16 (with its BOM) is not UTF-8 */
	static const char u16[] = "\xff\xfe" "a\0:\0 \0b\0";
	refused(u16, sizeof(u16) - 1, "NUL byte");
}
END_TEST

START_TEST(test_one_document)
{
	refused("a: 1\n---\nb: 2\n", 14, "t.yaml:2: only one YAML document is allowed");
	sm_node *root = NULL;
	ck_assert_int_eq(load("---\na: 1\n...\n", &root), SM_OK);
	sm_node_free(&root);
}
END_TEST

START_TEST(test_too_many_nodes)
{
	size_t n = 150000, len = 0;
	char *s = malloc(n * 2 + 8);
	ck_assert_ptr_nonnull(s);
	s[len++] = '[';
	for (size_t i = 0; i < n; i++) {
		s[len++] = '1';
		s[len++] = ',';
	}
	s[len++] = ']';
	refused(s, len, "too many values");
	free(s);
}
END_TEST

START_TEST(test_values_files)
{
	json_t *v;

	v = sm_values_load_buffer("", 0, "v.yaml", err);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(sm_err_count(err), 1);
	ck_assert(err_has("v.yaml: the file is empty"));

	sm_err_clear(err);
	v = sm_values_load_buffer("- a\n- b\n", 8, "v.yaml", err);
	ck_assert_ptr_null(v);
	ck_assert(err_has("v.yaml:1: expected a mapping from field ids to values, found a list"));

	sm_err_clear(err);
	v = sm_values_load_buffer("just text\n", 10, "v.yaml", err);
	ck_assert_ptr_null(v);
	ck_assert(err_has("found a single value"));

	sm_err_clear(err);
	v = sm_values_load_buffer("a: 1\nb:\n  - x\nc: {d: e}\n", 24, "v.yaml", err);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(sm_err_count(err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(v, "a")), "1");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(v, "b"), 0)), "x");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(v, "c"), "d")), "e");
	json_decref(v);

	/* the shipped samples load */
	v = sm_values_load_file(tu_src("tests/values/unit-organ-fj.yaml"), err);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(json_string_value(json_object_get(v, "division")), "350100");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(v, "handler"),
	    "id_number")), "350102198803151238");
	json_decref(v);

	sm_err_clear(err);
	v = sm_values_load_file("/nonexistent/dir/v.yaml", err);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(sm_err_status(err), SM_E_IO);
	ck_assert(err_has("/nonexistent/dir/v.yaml: cannot open"));
}
END_TEST

START_TEST(test_big_file)
{
	char *dir = tu_tmpdir();
	char *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/big.yaml", dir), 0);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("a: \"", f);
	for (int i = 0; i < 5 * 1024; i++) {
		char kb[1024];
		memset(kb, 'x', sizeof(kb));
		fwrite(kb, 1, sizeof(kb), f);
	}
	fputs("\"\n", f);
	fclose(f);

	json_t *v = sm_values_load_file(path, err);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(sm_err_count(err), 1);
	ck_assert_int_eq(sm_err_status(err), SM_E_INVALID);
	ck_assert(err_has("big.yaml: the file is too large"));

	/* just under the limit is fine */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("a: \"", f);
	for (size_t i = 0; i < SM_YAML_MAX_BYTES - 16; i++)
		fputc('y', f);
	fputs("\"\n", f);
	fclose(f);
	sm_err_clear(err);
	v = sm_values_load_file(path, err);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(json_string_length(json_object_get(v, "a")), SM_YAML_MAX_BYTES - 16);
	json_decref(v);

	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_file_lines)
{
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "f.yaml", "a: 1\n\n\nb: [\n");
	sm_node *root = NULL;
	ck_assert_int_eq(sm_yaml_load_file(path, &root, err), SM_E_INVALID);
	ck_assert_ptr_null(root);
	ck_assert_uint_eq(sm_err_count(err), 1);
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want, "%s:5: YAML syntax error", path), 0);
	if (strstr(sm_err_msg(err, 0), want) != sm_err_msg(err, 0))
		ck_abort_msg("'%s' does not start with '%s'", sm_err_msg(err, 0), want);
	free(want);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_dump_roundtrip)
{
	json_t *in = json_pack("{s:s, s:s, s:s, s:[s,s,{s:s}], s:{s:{s:s}}, s:[], s:{}, s:s, s:s}",
	    "name", "福州市 \"人民\" 政府\\办公厅",
	    "multi", "line one\nline two\ttab\r\x1b[2J\x7f\xc2\x9b end",
	    "odd key: #x", "v",
	    "list", "- dash", "true", "k", "yes",
	    "group", "inner", "deep", "~",
	    "empty_list",
	    "empty_map",
	    "seps", "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xef\xbb\xbf" "d\xc2\x85" "e",
	    "bidi", "x\xe2\x80\xaey");
	ck_assert_ptr_nonnull(in);
	char *y = sm_yaml_dump_json(in);
	ck_assert_ptr_nonnull(y);
	json_t *back = sm_values_load_buffer(y, strlen(y), "dump", err);
	if (back == NULL)
		ck_abort_msg("dump does not load: %s\n%s", sm_err_msg(err, 0), y);
	if (!json_equal(in, back)) {
		char *a = json_dumps(back, 0);
		ck_abort_msg("round trip differs:\n%s\n%s", y, a);
	}
	/* block style, one entry a line */
	ck_assert(strstr(y, "name: \"") == y);
	ck_assert_ptr_nonnull(strstr(y, "\ngroup:\n  inner:\n    deep: \"~\"\n"));
	ck_assert_ptr_nonnull(strstr(y, "\"odd key: #x\": \"v\""));
	free(y);
	json_decref(back);
	json_decref(in);

	/* non-string scalars come back as strings */
	in = json_pack("{s:b, s:i, s:n}", "ok", 1, "n", 42, "none");
	y = sm_yaml_dump_json(in);
	ck_assert_str_eq(y, "ok: true\n\"n\": 42\nnone: ~\n");
	back = sm_values_load_buffer(y, strlen(y), "dump", err);
	ck_assert_str_eq(json_string_value(json_object_get(back, "ok")), "true");
	ck_assert(json_is_null(json_object_get(back, "none")));
	free(y);
	json_decref(back);
	json_decref(in);

	/* a list at the top, and a scalar */
	in = json_pack("[s,[s]]", "a", "b");
	y = sm_yaml_dump_json(in);
	ck_assert_str_eq(y, "- \"a\"\n-\n  - \"b\"\n");
	free(y);
	json_decref(in);
	in = json_string("x");
	y = sm_yaml_dump_json(in);
	ck_assert_str_eq(y, "\"x\"\n");
	free(y);
	json_decref(in);
	ck_assert_ptr_null(sm_yaml_dump_json(NULL));
}
END_TEST

START_TEST(test_dump_too_deep)
{
	json_t *v = json_string("leaf");
	for (int i = 0; i < 100; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "k", v);
		v = o;
	}
	ck_assert_ptr_null(sm_yaml_dump_json(v));
	json_decref(v);
}
END_TEST

static Suite *
yaml_suite(void)
{
	Suite *s = suite_create("yaml");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tree);
	tcase_add_test(tc, test_empty_stream_is_null);
	tcase_add_test(tc, test_byte_order_mark);
	tcase_add_test(tc, test_aliases_refused);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_keys_must_be_scalars);
	tcase_add_test(tc, test_binary_junk);
	tcase_add_test(tc, test_one_document);
	tcase_add_test(tc, test_too_many_nodes);
	tcase_add_test(tc, test_values_files);
	tcase_add_test(tc, test_big_file);
	tcase_add_test(tc, test_file_lines);
	tcase_add_test(tc, test_dump_roundtrip);
	tcase_add_test(tc, test_dump_too_deep);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(yaml_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
