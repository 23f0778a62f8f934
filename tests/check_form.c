/* check_form.c - form definitions and the validation of values. */
#include <config.h>

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sm_division.h"
#include "sm_err.h"
#include "sm_form.h"
#include "sm_yaml.h"
#include "testutil.h"

static sm_err *err;
static sm_forms *forms;
static sm_divisions *divs;

static void
setup(void)
{
	tu_lang("en");
	err = sm_err_new();
	ck_assert_ptr_nonnull(err);
	if (sm_forms_load_dir(tu_src("forms"), &forms, err) != SM_OK)
		ck_abort_msg("forms do not load: %s", sm_err_msg(err, 0));
	if (sm_divisions_load(tu_src("data/divisions.tsv"), &divs, err) != SM_OK)
		ck_abort_msg("divisions do not load: %s", sm_err_msg(err, 0));
	sm_err_clear(err);
}

static void
teardown(void)
{
	sm_forms_free(&forms);
	sm_divisions_free(&divs);
	sm_err_free(&err);
}

static const sm_form *
form(const char *id)
{
	const sm_form *f = sm_forms_get(forms, id);
	ck_assert_msg(f != NULL, "no form %s", id);
	return f;
}

/* The message of the problem on FIELD, or NULL. */
static const char *
msg_of(const char *field)
{
	for (size_t i = 0; i < sm_err_count(err); i++)
		if (sm_err_field(err, i) && strcmp(sm_err_field(err, i), field) == 0)
			return sm_err_msg(err, i);
	return NULL;
}

static int
err_has(const char *needle)
{
	for (size_t i = 0; i < sm_err_count(err); i++)
		if (strstr(sm_err_msg(err, i), needle) != NULL)
			return 1;
	return 0;
}

/* Validate VALUES (YAML text) against form ID. */
static sm_status
validate_text(const char *id, sm_validate_mode mode, const char *yaml, json_t **norm)
{
	json_t *v;
	sm_status st;

	sm_err_clear(err);
	v = sm_values_load_buffer(yaml, strlen(yaml), "v.yaml", err);
	ck_assert_msg(v != NULL, "values do not load: %s", yaml);
	st = sm_form_validate(form(id), v, divs, mode, norm, err);
	json_decref(v);
	return st;
}

/* ------------------------------------------------------------ shipped forms */

START_TEST(test_shipped_forms_load)
{
	static const char *const ids[] = { "unit", "domain", "site", "mark", "reject",
	    "reject-paper", "confirm-payment", "confirm-paper", "redpage", NULL };
	ck_assert_uint_eq(sm_forms_count(forms), 9);
	for (int i = 0; ids[i]; i++) {
		const sm_form *f = form(ids[i]);
		char want[64];
		snprintf(want, sizeof(want), "/%s.yaml", ids[i]);
		ck_assert_ptr_nonnull(strstr(f->file, want));
		ck_assert_ptr_nonnull(f->title);
		ck_assert_ptr_nonnull(f->help);
		ck_assert_uint_gt(f->n_fields, 0);
	}
	ck_assert_ptr_null(sm_forms_get(forms, "nope"));
	ck_assert_ptr_null(sm_forms_at(forms, 9));
	ck_assert_ptr_nonnull(sm_forms_at(forms, 0));

	/* each file alone too, with no problem */
	for (int i = 0; ids[i]; i++) {
		char rel[64];
		sm_form *f = NULL;
		snprintf(rel, sizeof(rel), "forms/%s.yaml", ids[i]);
		if (sm_form_load(tu_src(rel), &f, err) != SM_OK)
			ck_abort_msg("%s: %s", rel, sm_err_msg(err, 0));
		ck_assert_uint_eq(sm_err_count(err), 0);
		ck_assert_str_eq(f->id, ids[i]);
		sm_form_free(&f);
		ck_assert_ptr_null(f);
	}
}
END_TEST

START_TEST(test_field_ids_as_interfaces)
{
	/* interfaces.md, "Values files" */
	static const char *const unit[] = { "name", "type", "uscc", "affiliation",
	    "division", "address", "functions", "head", "contact.name", "contact.phone",
	    "contact.mobile", "contact.email", "handler.name", "handler.id_number",
	    "handler.mobile", NULL };
	static const char *const site[] = { "purpose", "site_name", "domain",
	    "english_domains", "hosting", "server_ip", "server_location", "icp_number",
	    "psb_number", "site_code", "intro", "site_head.name", "site_head.mobile", NULL };
	for (int i = 0; unit[i]; i++)
		ck_assert_msg(sm_form_field(form("unit"), unit[i]) != NULL, "unit %s", unit[i]);
	for (int i = 0; site[i]; i++) {
		ck_assert_msg(sm_form_field(form("site"), site[i]) != NULL, "site %s", site[i]);
		int in_mark = strcmp(site[i], "purpose") != 0 && strcmp(site[i], "site_code") != 0;
		ck_assert_msg((sm_form_field(form("mark"), site[i]) != NULL) == in_mark,
		    "mark %s", site[i]);
	}
	ck_assert_uint_eq(form("unit")->n_fields, 10);
	ck_assert_uint_eq(form("site")->n_fields, 12);
	ck_assert_uint_eq(form("mark")->n_fields, 10);
	ck_assert_ptr_nonnull(sm_form_field(form("domain"), "usage"));
	ck_assert_ptr_nonnull(sm_form_field(form("reject"), "reason_code"));
	ck_assert_ptr_nonnull(sm_form_field(form("reject-paper"), "reason"));
	ck_assert_ptr_nonnull(sm_form_field(form("confirm-payment"), "paid_on"));
	ck_assert_ptr_nonnull(sm_form_field(form("confirm-paper"), "id_copy"));

	const sm_field *f = sm_form_field(form("unit"), "handler.id_number");
	ck_assert_str_eq(f->validator, "id_number");
	ck_assert(f->mask);
	ck_assert(sm_form_field(form("unit"), "handler.mobile")->mask);
	ck_assert(sm_form_field(form("unit"), "contact.mobile")->mask);
	ck_assert_str_eq(sm_form_field(form("unit"), "division")->validator, "division");
	f = sm_form_field(form("unit"), "type");
	ck_assert_int_eq(f->type, SM_FT_CHOICE);
	ck_assert_uint_eq(f->n_choices, 3);
	ck_assert_str_eq(f->choices[2].value, "social");

	f = sm_form_field(form("site"), "english_domains");
	ck_assert_int_eq(f->type, SM_FT_LIST);
	ck_assert_int_eq(f->min_items, 1);
	ck_assert_str_eq(f->item->validator, "hostname");
	ck_assert_ptr_eq(sm_form_field(form("site"), "english_domains[2]"), f->item);
	ck_assert_ptr_null(sm_form_field(form("site"), "english_domains[0]"));
	ck_assert_ptr_null(sm_form_field(form("site"), "site_name[1]"));
	ck_assert_ptr_null(sm_form_field(form("site"), "site_head.nope"));
	ck_assert_ptr_null(sm_form_field(form("site"), "site_head."));
	ck_assert_ptr_null(sm_form_field(form("site"), ""));
	f = sm_form_field(form("site"), "server_ip");
	ck_assert_str_eq(f->when_field, "hosting");
	ck_assert_str_eq(f->when_value, "own");
	ck_assert_str_eq(f->shown_field, "hosting");
	f = sm_form_field(form("site"), "psb_number");
	ck_assert_ptr_null(f->when_field);
	ck_assert_str_eq(f->shown_value, "own");
	ck_assert_uint_eq(sm_form_field(form("reject"), "reason_code")->n_choices, 6);
	ck_assert_uint_eq(sm_form_field(form("reject-paper"), "reason_code")->n_choices, 4);
	ck_assert_int_eq(sm_form_field(form("confirm-paper"), "letter")->type, SM_FT_BOOL);
	ck_assert_int_eq(sm_form_field(form("confirm-payment"), "amount")->type, SM_FT_AMOUNT);
	ck_assert_int_eq(sm_form_field(form("domain"), "name")->max_length, 63);
}
END_TEST

START_TEST(test_labels)
{
	char buf[128];
	const sm_form *u = form("unit");

	ck_assert_str_eq(sm_form_field_label(u, "uscc", buf, sizeof(buf)),
	    "Unified social credit code");
	ck_assert_str_eq(sm_form_field_label(u, "contact.email", buf, sizeof(buf)),
	    "Contact person E-mail");
	ck_assert_str_eq(sm_form_field_label(u, "nope", buf, sizeof(buf)), "nope");
	ck_assert_str_eq(sm_form_field_label(u, "contact.nope", buf, sizeof(buf)), "contact.nope");
	ck_assert_str_eq(sm_form_field_label(form("site"), "english_domains[2]", buf,
	    sizeof(buf)), "English domain names 2");
	/* a small buffer cuts, never overflows */
	char small[8];
	const char *l = sm_form_field_label(u, "contact.email", small, sizeof(small));
	ck_assert_ptr_eq(l, small);
	ck_assert_str_eq(small, "Contact");
}
END_TEST

struct strings {
	int n;
	int has_title, has_choice, has_item;
};

static void
count_string(const char *msgid, void *ud)
{
	struct strings *s = ud;
	s->n++;
	if (strcmp(msgid, "Website opening review or requalification") == 0)
		s->has_title = 1;
	if (strcmp(msgid, "Red page hosted by the registry") == 0)
		s->has_choice = 1;
	if (strcmp(msgid, "English domain name") == 0)
		s->has_item = 1;
}

START_TEST(test_strings)
{
	struct strings s = { 0, 0, 0, 0 };
	sm_form_strings(form("site"), count_string, &s);
	ck_assert(s.has_title && s.has_choice && s.has_item);
	ck_assert_int_gt(s.n, 25);
}
END_TEST

/* ------------------------------------------------------------ broken definitions */

static const char head[] = "form: t\ntitle: \"T\"\nfields:\n";

struct broken {
	const char *fields; /* appended to head: line 4 is the first field line */
	const char *want;   /* "b.yaml:LINE: text" */
};

static const struct broken broken[] = {
	{ "  - {id: a, type: text, label: A, colour: red}\n",
	  "b.yaml:4: unknown key 'colour' in field 'a'" },
	{ "  - id: a\n    type: string\n    label: A\n",
	  "b.yaml:5: unknown type 'string'" },
	{ "  - {type: text, label: A}\n", "b.yaml:4: a field has no id" },
	{ "  - {id: a, type: text}\n", "b.yaml:4: field 'a' has no label" },
	{ "  - {id: a, label: A}\n", "b.yaml:4: field 'a' has no type" },
	{ "  - {id: a, type: text, label: A}\n  - {id: b, type: text, label: B}\n"
	  "  - {id: a, type: date, label: C}\n",
	  "b.yaml:6: duplicate field id 'a' (first at line 4)" },
	{ "  - {id: a, type: choice, label: A}\n", "b.yaml:4: choice field 'a' has no choices" },
	{ "  - id: a\n    type: choice\n    label: A\n    choices: []\n",
	  "b.yaml:7: 'choices' must be a list" },
	{ "  - id: a\n    type: choice\n    label: A\n    choices:\n      - {value: x, label: X}\n"
	  "      - {value: x, label: Y}\n",
	  "b.yaml:9: duplicate choice 'x'" },
	{ "  - id: a\n    type: choice\n    label: A\n    choices:\n      - {value: x}\n",
	  "b.yaml:8: a choice has no label" },
	{ "  - {id: a, type: list, label: A}\n", "b.yaml:4: list field 'a' has no item" },
	{ "  - {id: a, type: list, label: A, item: {type: list, item: {type: text}}}\n",
	  "b.yaml:4: a list item cannot be a list" },
	{ "  - {id: a, type: group, label: A}\n", "b.yaml:4: group 'a' has no fields" },
	{ "  - id: a\n    type: text\n    label: A\n    validator: zipcode\n",
	  "b.yaml:7: unknown validator 'zipcode': expected one of" },
	{ "  - {id: a, type: text, label: A, validator: division}\n"
	  "  - {id: b, type: text, label: B, required_when: {hostin: own}}\n",
	  "b.yaml:5: required_when of field 'b' names an unknown field 'hostin'" },
	{ "  - id: h\n    type: choice\n    label: H\n    choices: [{value: own, label: O}]\n"
	  "  - {id: b, type: text, label: B, shown_when: {h: mine}}\n",
	  "b.yaml:8: shown_when of field 'b': 'mine' is not a choice of field 'h'" },
	{ "  - {id: b, type: text, label: B, required_when: own}\n",
	  "b.yaml:4: 'required_when' must map one field id to a value" },
	{ "  - id: a\n    type: text\n    label: A\n    min_length: 10\n    max_length: 5\n",
	  "b.yaml:7: min_length (10) is greater than max_length (5)" },
	{ "  - {id: a, type: list, label: A, min_items: 3, max_items: 2, item: {type: text}}\n",
	  "b.yaml:4: min_items (3) is greater than max_items (2)" },
	{ "  - {id: a, type: text, label: A, max_length: -1}\n",
	  "b.yaml:4: 'max_length' must be a whole number from 0 to 1000000" },
	{ "  - {id: a, type: text, label: A, required: sometimes}\n",
	  "b.yaml:4: 'required' must be true or false" },
	{ "  - {id: Name, type: text, label: A}\n", "b.yaml:4: field id 'Name' is not valid" },
	{ "  - {id: a, type: bool, label: A, validator: mobile}\n",
	  "b.yaml:4: 'validator' applies only to text, longtext fields" },
	{ "  - {id: a, type: text, label: A, choices: [{value: x, label: X}]}\n",
	  "b.yaml:4: 'choices' applies only to choice fields" },
	{ "  - {id: a, type: text, label: A, required: true, required_when: {a: x}}\n",
	  "b.yaml:4: 'required' and 'required_when' cannot be used together" },
	{ "  - {id: a, type: text, label: A, required_when: {a: x}}\n",
	  "b.yaml:4: required_when of field 'a' names the field itself" },
	{ "  - just a string\n", "b.yaml:4: a field must be a mapping" },
	{ "  - {id: a, type: text, label: A, lines: 4}\n",
	  "b.yaml:4: 'lines' applies only to longtext fields" },
	{ "  - {id: a, type: longtext, label: A, lines: 1}\n",
	  "b.yaml:4: lines must be between 2 and 12" },
	{ "  - {id: a, type: longtext, label: A, lines: 40}\n",
	  "b.yaml:4: lines must be between 2 and 12" },
	{ "  - {id: a, type: text, label: A, not_future: true}\n",
	  "b.yaml:4: 'not_future' applies only to date fields" },
	{ "  - {id: a, type: date, label: A, not_future: maybe}\n",
	  "b.yaml:4: 'not_future' must be true or false" },
	{ "  - id: g1\n    type: group\n    label: G\n    fields:\n"
	  "      - id: g2\n        type: group\n        label: G\n        fields:\n"
	  "          - id: g3\n            type: group\n            label: G\n            fields:\n"
	  "              - id: g4\n                type: group\n                label: G\n"
	  "                fields:\n"
	  "                  - id: g5\n                    type: group\n"
	  "                    label: G\n                    fields:\n"
	  "                      - {id: x, type: text, label: X}\n",
	  "b.yaml:23: groups are nested deeper than 4 levels" },
	{ NULL, NULL }
};

START_TEST(test_broken_definitions)
{
	char *dir = tu_tmpdir();

	for (int i = 0; broken[i].fields; i++) {
		char *text = NULL, *path;
		sm_form *f = NULL;

		ck_assert_int_ge(asprintf(&text, "%s%s", head, broken[i].fields), 0);
		path = tu_write(dir, "b.yaml", text);
		sm_err_clear(err);
		ck_assert_int_eq(sm_form_load(path, &f, err), SM_E_INVALID);
		ck_assert_ptr_null(f);
		ck_assert_uint_ge(sm_err_count(err), 1);
		int found = 0;
		for (size_t k = 0; k < sm_err_count(err); k++) {
			const char *m = sm_err_msg(err, k);
			const char *b = strstr(m, "b.yaml:");
			if (b != NULL && strncmp(b, broken[i].want, strlen(broken[i].want)) == 0)
				found = 1;
		}
		if (!found) {
			tu_dump_err(err);
			ck_abort_msg("case %d: no '%s'", i, broken[i].want);
		}
		free(text);
		free(path);
	}
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_every_problem_reported)
{
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "many.yaml",
	    "form: many\n"
	    "colour: blue\n"
	    "fields:\n"
	    "  - {id: a, type: texte, label: A}\n"
	    "  - {id: b, type: choice, label: B}\n"
	    "  - {id: a, type: text}\n"
	    "  - {id: c, type: text, label: C, validator: nope, mask: 1}\n");
	sm_form *f = NULL;
	ck_assert_int_eq(sm_form_load(path, &f, err), SM_E_INVALID);
	ck_assert_ptr_null(f);
	static const char *const want[] = {
	    "many.yaml:2: unknown key 'colour' in a form",
	    "many.yaml:1: the form has no title",
	    "many.yaml:4: unknown type 'texte'",
	    "many.yaml:5: choice field 'b' has no choices",
	    "many.yaml:6: field 'a' has no label",
	    "many.yaml:6: duplicate field id 'a'",
	    "many.yaml:7: unknown validator 'nope'",
	    "many.yaml:7: 'mask' must be true or false", NULL };
	for (int i = 0; want[i]; i++)
		if (!err_has(want[i])) {
			tu_dump_err(err);
			ck_abort_msg("no '%s'", want[i]);
		}
	ck_assert_uint_eq(sm_err_count(err), 8);
	free(path);

	/* a hostile definition is refused like any bad YAML */
	path = tu_write(dir, "alias.yaml", "form: &x a\ntitle: *x\nfields: []\n");
	sm_err_clear(err);
	ck_assert_int_eq(sm_form_load(path, &f, err), SM_E_INVALID);
	ck_assert(err_has("alias.yaml:1: anchors are not allowed"));
	free(path);
	path = tu_write(dir, "list.yaml", "- form: x\n");
	sm_err_clear(err);
	ck_assert_int_eq(sm_form_load(path, &f, err), SM_E_INVALID);
	ck_assert(err_has("list.yaml:1: a form definition must be a mapping"));
	free(path);

	/* a directory: every file checked, duplicates found */
	sm_forms *fs = NULL;
	char *sub = NULL;
	ck_assert_int_ge(asprintf(&sub, "%s/d", dir), 0);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	free(tu_write(sub, "one.yaml", "form: one\ntitle: One\nfields: [{id: a, type: text, label: A}]\n"));
	free(tu_write(sub, "two.yaml", "form: one\ntitle: Two\nfields: [{id: a, type: text, label: A}]\n"));
	free(tu_write(sub, "bad.yaml", "form: bad\ntitle: Bad\nfields: [{id: a, type: txt, label: A}]\n"));
	free(tu_write(sub, "notes.txt", "not a form"));
	sm_err_clear(err);
	ck_assert_int_eq(sm_forms_load_dir(sub, &fs, err), SM_E_INVALID);
	ck_assert_ptr_null(fs);
	ck_assert(err_has("bad.yaml:3: unknown type 'txt'"));
	ck_assert(err_has("two.yaml:1: form 'one' is already defined in"));
	ck_assert_uint_eq(sm_err_count(err), 2);
	free(sub);
	sm_err_clear(err);
	ck_assert_int_eq(sm_forms_load_dir("/nonexistent/forms", &fs, err), SM_E_IO);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* ------------------------------------------------------------ sample values */

/* The form a sample is for: the longest form id its name starts with. */
static const char *
sample_form(const char *name)
{
	const char *best = NULL;
	for (size_t i = 0; i < sm_forms_count(forms); i++) {
		const char *id = sm_forms_at(forms, i)->id;
		size_t n = strlen(id);
		if (strncmp(name, id, n) == 0 && (name[n] == '-' || name[n] == '.') &&
		    (best == NULL || n > strlen(best)))
			best = id;
	}
	return best;
}

/* A header line "# KEY: value" of the file at PATH, malloc'd, or NULL. */
static char *
header(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t klen = strlen(key);
	char *r = NULL;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL && line[0] == '#') {
		if (strncmp(line + 2, key, klen) == 0 && line[2 + klen] == ':') {
			line[strcspn(line, "\n")] = '\0';
			r = strdup(line + 2 + klen + 2);
			break;
		}
	}
	fclose(f);
	return r;
}

/* Each expected path is a problem (or the prefix of problems), and each
 * problem is expected. */
static void
check_expected(const char *file, const char *expect)
{
	char *copy = strdup(expect), *save = NULL;
	for (char *p = strtok_r(copy, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		size_t n = strlen(p);
		int found = 0;
		for (size_t i = 0; i < sm_err_count(err); i++) {
			const char *fld = sm_err_field(err, i);
			if (fld && strncmp(fld, p, n) == 0 && (fld[n] == '\0' || fld[n] == '.'))
				found = 1;
		}
		if (!found) {
			tu_dump_err(err);
			ck_abort_msg("%s: no problem for %s", file, p);
		}
	}
	for (size_t i = 0; i < sm_err_count(err); i++) {
		const char *fld = sm_err_field(err, i);
		int found = 0;
		strcpy(copy, expect);
		for (char *p = strtok_r(copy, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
			size_t n = strlen(p);
			if (fld && strncmp(fld, p, n) == 0 && (fld[n] == '\0' || fld[n] == '.'))
				found = 1;
		}
		if (!found) {
			tu_dump_err(err);
			ck_abort_msg("%s: unexpected problem on %s", file, fld ? fld : "-");
		}
	}
	free(copy);
}

START_TEST(test_samples)
{
	const char *vdir = tu_src("tests/values");
	DIR *d = opendir(vdir);
	struct dirent *de;
	int good = 0, bad = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		const char *fid;
		char *hform, *expect;
		json_t *v, *norm = NULL;
		sm_status st;

		if (strstr(de->d_name, ".yaml") == NULL || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", vdir, de->d_name);
		hform = header(path, "form");
		expect = header(path, "expect");
		fid = hform ? hform : sample_form(de->d_name);
		ck_assert_msg(fid != NULL, "%s: which form?", de->d_name);
		sm_err_clear(err);
		v = sm_values_load_file(path, err);
		ck_assert_msg(v != NULL, "%s does not load", de->d_name);
		st = sm_form_validate(form(fid), v, divs, SM_FORM_COMPLETE, &norm, err);
		if (expect == NULL) {
			if (st != SM_OK) {
				tu_dump_err(err);
				ck_abort_msg("%s should be valid for %s", de->d_name, fid);
			}
			ck_assert_ptr_nonnull(norm);
			/* the normalised values are valid again, through YAML */
			char *y = sm_yaml_dump_json(norm);
			json_t *again = sm_values_load_buffer(y, strlen(y), "again", err);
			json_t *norm2 = NULL;
			ck_assert_int_eq(sm_form_validate(form(fid), again, divs,
			    SM_FORM_COMPLETE, &norm2, err), SM_OK);
			ck_assert_msg(json_equal(norm, norm2), "%s: normalising is not stable",
			    de->d_name);
			json_decref(norm2);
			json_decref(again);
			free(y);
			good++;
		} else {
			ck_assert_msg(st == SM_E_INVALID, "%s should be invalid", de->d_name);
			ck_assert_ptr_null(norm);
			check_expected(de->d_name, expect);
			bad++;
		}
		json_decref(norm);
		json_decref(v);
		free(hform);
		free(expect);
	}
	closedir(d);
	ck_assert_int_ge(good, 14);
	ck_assert_int_ge(bad, 20);
}
END_TEST

static json_t *
norm_of_file(const char *rel, const char *fid)
{
	json_t *v = sm_values_load_file(tu_src(rel), err), *norm = NULL;
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(sm_form_validate(form(fid), v, divs, SM_FORM_COMPLETE, &norm, err),
	    SM_OK);
	json_decref(v);
	return norm;
}

START_TEST(test_normalised_samples)
{
	json_t *n;

	n = norm_of_file("tests/values/confirm-payment.yaml", "confirm-payment");
	ck_assert_str_eq(json_string_value(json_object_get(n, "amount")), "300.00");
	ck_assert_str_eq(json_string_value(json_object_get(n, "paid_on")), "2026-02-05");
	json_decref(n);

	n = norm_of_file("tests/values/confirm-paper.yaml", "confirm-paper");
	ck_assert(json_is_true(json_object_get(n, "letter")));
	ck_assert(json_is_true(json_object_get(n, "forms")));
	ck_assert(json_is_true(json_object_get(n, "id_copy")));
	ck_assert_str_eq(json_string_value(json_object_get(n, "received_on")), "2026-02-12");
	json_decref(n);

	n = norm_of_file("tests/values/mark-own.yaml", "mark");
	ck_assert(json_is_array(json_object_get(n, "english_domains")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(n,
	    "english_domains"), 0)), "www.fzlib.org.cn");
	json_decref(n);

	n = norm_of_file("tests/values/site-redpage.yaml", "site");
	ck_assert_ptr_null(json_object_get(n, "server_ip"));
	ck_assert_ptr_null(json_object_get(n, "icp_number"));
	ck_assert_str_eq(json_string_value(json_object_get(n, "hosting")), "redpage");
	json_decref(n);

	n = norm_of_file("tests/values/site-own.yaml", "site");
	ck_assert_str_eq(json_string_value(json_object_get(n, "domain")), "福州市人民政府.政务");
	ck_assert_uint_eq(json_array_size(json_object_get(n, "english_domains")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(n, "site_head"),
	    "mobile")), "13905910003");
	json_decref(n);

	n = norm_of_file("tests/values/unit-organ-fj.yaml", "unit");
	ck_assert_str_eq(json_string_value(json_object_get(n, "uscc")), "11350100003012349K");
	ck_assert_ptr_nonnull(strchr(json_string_value(json_object_get(n, "functions")), '\n'));
	json_decref(n);
}
END_TEST

/* ------------------------------------------------------------ rules */

START_TEST(test_required_when)
{
	json_t *n = NULL;
	const char *base = "site_name: 某某网站\ndomain: 福州市人民政府.政务\nintro: x\n"
	    "site_head: {name: 张三, mobile: \"13905910003\"}\npurpose: new\n";
	char *text = NULL;

	ck_assert_int_ge(asprintf(&text, "%shosting: own\n", base), 0);
	ck_assert_int_eq(validate_text("site", SM_FORM_COMPLETE, text, &n), SM_E_INVALID);
	ck_assert_ptr_null(n);
	ck_assert_str_eq(msg_of("server_ip"), "is required");
	ck_assert_str_eq(msg_of("site_code"), "is required");
	ck_assert_str_eq(msg_of("english_domains"), "is required");
	ck_assert_ptr_null(msg_of("psb_number"));
	free(text);

	/* red page: the own-site fields are not needed; given empty, dropped */
	ck_assert_int_ge(asprintf(&text, "%shosting: \" redpage \"\nserver_ip: \"  \"\n"
	    "english_domains: []\n", base), 0);
	ck_assert_int_eq(validate_text("site", SM_FORM_COMPLETE, text, &n), SM_OK);
	ck_assert_ptr_null(json_object_get(n, "server_ip"));
	ck_assert_ptr_null(json_object_get(n, "english_domains"));
	ck_assert_str_eq(json_string_value(json_object_get(n, "hosting")), "redpage");
	json_decref(n);
	free(text);

	/* given while not required: still checked */
	ck_assert_int_ge(asprintf(&text, "%shosting: redpage\nserver_ip: 10.0.0.1\n", base), 0);
	ck_assert_int_eq(validate_text("site", SM_FORM_COMPLETE, text, NULL), SM_E_INVALID);
	ck_assert_ptr_nonnull(msg_of("server_ip"));
	free(text);

	json_t *vals = json_pack("{s:s}", "hosting", "own");
	const sm_field *ip = sm_form_field(form("site"), "server_ip");
	ck_assert(sm_field_is_required(ip, vals));
	ck_assert(sm_field_is_shown(ip, vals));
	json_object_set_new(vals, "hosting", json_string("redpage"));
	ck_assert(!sm_field_is_required(ip, vals));
	ck_assert(!sm_field_is_shown(ip, vals));
	ck_assert(sm_field_is_shown(sm_form_field(form("site"), "intro"), vals));
	ck_assert(sm_field_is_required(sm_form_field(form("site"), "intro"), vals));
	json_decref(vals);
}
END_TEST

START_TEST(test_partial_mode)
{
	json_t *n = NULL;
	ck_assert_int_eq(validate_text("site", SM_FORM_PARTIAL, "site_name: 某某网站\n", &n),
	    SM_OK);
	ck_assert_str_eq(json_string_value(json_object_get(n, "site_name")), "某某网站");
	json_decref(n);
	ck_assert_int_eq(validate_text("site", SM_FORM_PARTIAL,
	    "site_name: x\nserver_ip: 127.0.0.1\nsite_head: {mobile: \"13905910003\"}\n", NULL),
	    SM_E_INVALID);
	ck_assert_ptr_nonnull(msg_of("site_name")); /* too short */
	ck_assert_ptr_nonnull(msg_of("server_ip"));
	ck_assert_ptr_null(msg_of("site_head.name"));
	ck_assert_uint_eq(sm_err_count(err), 2);
	ck_assert_int_eq(validate_text("site", SM_FORM_COMPLETE, "site_name: 某某网站\n", NULL),
	    SM_E_INVALID);
	ck_assert_str_eq(msg_of("site_head.name"), "is required");
	ck_assert_str_eq(msg_of("purpose"), "is required");
}
END_TEST

START_TEST(test_unknown_fields)
{
	ck_assert_int_eq(validate_text("domain", SM_FORM_COMPLETE,
	    "name: 福州市人民政府\ncolour: red\nsize: 3\n", NULL), SM_E_INVALID);
	ck_assert_uint_eq(sm_err_count(err), 2);
	ck_assert_str_eq(msg_of("colour"), "unknown field");
	ck_assert_str_eq(msg_of("size"), "unknown field");

	json_t *notobj = json_array();
	sm_err_clear(err);
	ck_assert_int_eq(sm_form_validate(form("domain"), notobj, NULL, SM_FORM_COMPLETE,
	    NULL, err), SM_E_INVALID);
	ck_assert_uint_eq(sm_err_count(err), 1);
	json_decref(notobj);
}
END_TEST

/* Validate one string VALUE for field PATH of form FID; returns the
 * problem message or NULL (and the normalised value in *OUT). */
static const char *
one(const char *fid, const char *path, json_t *value, json_t **out)
{
	const sm_field *f = sm_form_field(form(fid), path);
	json_t *n = NULL;
	ck_assert_ptr_nonnull(f);
	sm_err_clear(err);
	sm_status st = sm_field_validate(f, value, divs, path, &n, err);
	json_decref(value);
	if (st == SM_OK) {
		ck_assert_uint_eq(sm_err_count(err), 0);
		if (out)
			*out = n;
		else
			json_decref(n);
		return NULL;
	}
	ck_assert_ptr_null(n);
	ck_assert_uint_eq(sm_err_count(err), 1);
	ck_assert(strncmp(sm_err_field(err, 0), path, strlen(path)) == 0);
	return sm_err_msg(err, 0);
}

START_TEST(test_text_safety)
{
	const char *m;

	ck_assert_ptr_null(one("unit", "name", json_string("  福州市人民政府办公厅\u3000 "), NULL));
	json_t *out = NULL;
	ck_assert_ptr_null(one("unit", "name", json_string(" \xe3\x80\x80福州市 "), &out));
	ck_assert_str_eq(json_string_value(out), "福州市");
	json_decref(out);

	m = one("unit", "name", json_string("福州\x1b[2J市"), NULL);
	ck_assert_str_eq(m, "contains a control character (U+001B)");
	m = one("unit", "name", json_string("福州\xc2\x9b" "2J市"), NULL);
	ck_assert_str_eq(m, "contains a control character (U+009B)");
	m = one("unit", "name", json_string("福州\x7f市"), NULL);
	ck_assert_str_eq(m, "contains a control character (U+007F)");
	m = one("unit", "name", json_string("福州\r市"), NULL);
	ck_assert_str_eq(m, "contains a control character (U+000D)");
	m = one("unit", "name", json_string("福州\b市"), NULL);
	ck_assert_str_eq(m, "contains a control character (U+0008)");
	m = one("unit", "name", json_string("福州\t市"), NULL);
	ck_assert_str_eq(m, "contains a control character (U+0009)");
	m = one("unit", "name", json_string("福州\n市"), NULL);
	ck_assert_str_eq(m, "must be a single line");
	static const char *const bidi[] = { "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x80\x8f",
	    "\xe2\x80\x8e", "\xd8\x9c", "\xe2\x80\xaa", "\xe2\x81\xa9", NULL };
	for (int i = 0; bidi[i]; i++) {
		char s[64];
		snprintf(s, sizeof(s), "abc%sdef", bidi[i]);
		m = one("unit", "name", json_string(s), NULL);
		ck_assert_ptr_nonnull(strstr(m, "bidirectional control character (U+"));
	}
	/* the other invisible characters, pasted along with text: zero-width
	 * space, U+FEFF, the line separator, a tag, the soft hyphen */
	static const char *const invisible[] = { "\xe2\x80\x8b", "\xef\xbb\xbf", "\xe2\x80\xa8",
	    "\xf3\xa0\x81\x81", "\xc2\xad", NULL };
	for (int i = 0; invisible[i]; i++) {
		char s[64];
		snprintf(s, sizeof(s), "陈%s强", invisible[i]);
		m = one("unit", "name", json_string(s), NULL);
		ck_assert_ptr_nonnull(strstr(m, "contains an invisible character (U+"));
		m = one("unit", "functions", json_string(s), NULL);
		ck_assert_ptr_nonnull(strstr(m, "contains an invisible character (U+"));
	}
	m = one("unit", "name", json_stringn_nocheck("ab\xff\xfe", 4), NULL);
	ck_assert_str_eq(m, "is not valid UTF-8 text");
	m = one("unit", "name", json_stringn_nocheck("ab\xc0\xafz", 5), NULL); /* overlong */
	ck_assert_str_eq(m, "is not valid UTF-8 text");
	m = one("unit", "name", json_stringn_nocheck("ab\0cd", 5), NULL);
	ck_assert_str_eq(m, "contains a control character (U+0000)");

	/* longtext keeps line breaks and tabs */
	ck_assert_ptr_null(one("unit", "functions", json_string("一\n二\t三\n"), &out));
	ck_assert_str_eq(json_string_value(out), "一\n二\t三");
	json_decref(out);
	m = one("unit", "functions", json_string("一\n\x1b]0;title\x07"), NULL);
	ck_assert_str_eq(m, "contains a control character (U+001B)");

	/* not text at all */
	m = one("unit", "name", json_pack("[s]", "x"), NULL);
	ck_assert_str_eq(m, "must be a single value, not a list or a mapping");
	m = one("unit", "name", json_true(), NULL);
	ck_assert_str_eq(m, "must be a text");
}
END_TEST

START_TEST(test_lengths_in_characters)
{
	char s[64 * 3 + 1] = "";
	for (int i = 0; i < 63; i++)
		strcat(s, "福");
	ck_assert_ptr_null(one("domain", "name", json_string(s), NULL));
	strcat(s, "福");
	const char *m = one("domain", "name", json_string(s), NULL);
	ck_assert_str_eq(m, "is too long: 64 characters, at most 63 allowed");
	m = one("unit", "name", json_string("福"), NULL);
	ck_assert_str_eq(m, "is too short: 1 characters, at least 2 needed");

	/* 10,000 characters in a longtext limited to 2000 */
	char *big = malloc(10001);
	memset(big, 'x', 10000);
	big[10000] = '\0';
	m = one("unit", "functions", json_string(big), NULL);
	ck_assert_str_eq(m, "is too long: 10000 characters, at most 2000 allowed");
	free(big);
}
END_TEST

/* Several lines where the form says so (longtext, lines:), and only there. */
START_TEST(test_multiline)
{
	const char *m;
	json_t *out = NULL;
	ck_assert_int_eq(sm_form_field(form("site"), "intro")->type, SM_FT_LONGTEXT);
	ck_assert_int_eq(sm_form_field(form("site"), "intro")->lines, 4);
	ck_assert_int_eq(sm_form_field(form("mark"), "intro")->lines, SM_FORM_DEFAULT_LINES);
	ck_assert_int_eq(sm_form_field(form("reject"), "reason")->lines, SM_FORM_DEFAULT_LINES);
	ck_assert_int_eq(sm_form_field(form("site"), "site_name")->lines, 0);
	ck_assert_ptr_null(one("site", "intro", json_string("第一段。\n\n第二段。"), &out));
	ck_assert_str_eq(json_string_value(out), "第一段。\n\n第二段。");
	json_decref(out);
	m = one("site", "site_name", json_string("福州市\n人民政府"), NULL);
	ck_assert_str_eq(m, "must be a single line");
	m = one("site", "intro", json_string("一\r\n二"), NULL);
	ck_assert_str_eq(m, "contains a control character (U+000D)");
	m = one("reject", "reason", json_string("材料\x7f不全"), NULL);
	ck_assert_str_eq(m, "contains a control character (U+007F)");
	ck_assert_ptr_null(one("reject", "reason", json_string("材料不全：\n1. 申请函未盖章"), NULL));
}
END_TEST

/* Dates marked not_future, against the day the caller gives. */
START_TEST(test_not_future)
{
	ck_assert(sm_form_field(form("confirm-payment"), "paid_on")->not_future);
	ck_assert(sm_form_field(form("confirm-paper"), "received_on")->not_future);
	json_t *v = json_pack("{s:s}", "paid_on", "2026-02-14");
	sm_err_clear(err);
	ck_assert_int_eq(sm_form_check_dates(form("confirm-payment"), v, "2026-02-13", err),
	    SM_E_INVALID);
	ck_assert_str_eq(sm_err_field(err, 0), "paid_on");
	ck_assert(err_has("after today (2026-02-13)"));
	sm_err_clear(err);
	ck_assert_int_eq(sm_form_check_dates(form("confirm-payment"), v, "2026-02-14", err), SM_OK);
	ck_assert_int_eq(sm_form_check_dates(form("confirm-payment"), v, "2027-01-01", err), SM_OK);
	ck_assert_uint_eq(sm_err_count(err), 0);
	json_decref(v);
	v = json_object();
	ck_assert_int_eq(sm_form_check_dates(form("confirm-paper"), v, "2026-02-13", err), SM_OK);
	json_decref(v);
}
END_TEST

START_TEST(test_bool)
{
	static const char *const yes[] = { "true", "yes", "1", "是", "TRUE", " Yes ", NULL };
	static const char *const no[] = { "false", "no", "0", "否", "False", NULL };
	json_t *out;

	for (int i = 0; yes[i]; i++) {
		ck_assert_ptr_null(one("confirm-paper", "letter", json_string(yes[i]), &out));
		ck_assert(json_is_true(out));
		json_decref(out);
	}
	for (int i = 0; no[i]; i++) {
		ck_assert_ptr_null(one("confirm-paper", "letter", json_string(no[i]), &out));
		ck_assert(json_is_false(out));
		json_decref(out);
	}
	ck_assert_ptr_null(one("confirm-paper", "letter", json_false(), &out));
	ck_assert(json_is_false(out));
	json_decref(out);
	ck_assert_ptr_null(one("confirm-paper", "letter", json_integer(1), &out));
	ck_assert(json_is_true(out));
	json_decref(out);
	ck_assert_ptr_nonnull(one("confirm-paper", "letter", json_string("maybe"), NULL));
	ck_assert_ptr_nonnull(one("confirm-paper", "letter", json_string("2"), NULL));
	ck_assert_ptr_nonnull(one("confirm-paper", "letter", json_integer(2), NULL));
	ck_assert_ptr_nonnull(one("confirm-paper", "letter", json_string("y\xe2\x80\xae" "es"), NULL));
}
END_TEST

START_TEST(test_amount_and_date)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "300", "300.00" }, { "300.5", "300.50" }, { "0.05", "0.05" },
		{ " 1.00 ", "1.00" }, { "12345678.90", "12345678.90" },
		{ NULL, NULL } };
	static const char *const bad[] = { "300.123", "abc", "0", "-5", "3,000", "¥300",
	    "1e3", "0300", "300.", "", NULL };
	json_t *out;

	for (int i = 0; ok[i].in; i++) {
		const char *m = one("confirm-payment", "amount", json_string(ok[i].in), &out);
		ck_assert_msg(m == NULL, "%s: %s", ok[i].in, m);
		ck_assert_str_eq(json_string_value(out), ok[i].out);
		json_decref(out);
	}
	for (int i = 0; bad[i]; i++) {
		if (bad[i][0] == '\0')
			continue; /* empty is missing, tested elsewhere */
		ck_assert_msg(one("confirm-payment", "amount", json_string(bad[i]), NULL) != NULL,
		    "%s accepted", bad[i]);
	}
	ck_assert_ptr_null(one("confirm-payment", "amount", json_integer(300), &out));
	ck_assert_str_eq(json_string_value(out), "300.00");
	json_decref(out);
	ck_assert_ptr_null(one("confirm-payment", "amount", json_real(300.5), &out));
	ck_assert_str_eq(json_string_value(out), "300.50");
	json_decref(out);
	ck_assert_ptr_nonnull(one("confirm-payment", "amount", json_real(1.005), NULL));

	static const struct { const char *in, *out; } dates[] = {
		{ "2026-03-05", "2026-03-05" }, { "2026-3-5", "2026-03-05" },
		{ "2026/03/05", "2026-03-05" }, { "2024-02-29", "2024-02-29" },
		{ NULL, NULL } };
	for (int i = 0; dates[i].in; i++) {
		const char *m = one("confirm-payment", "paid_on", json_string(dates[i].in), &out);
		ck_assert_msg(m == NULL, "%s: %s", dates[i].in, m);
		ck_assert_str_eq(json_string_value(out), dates[i].out);
		json_decref(out);
	}
	static const char *const bad_dates[] = { "2026-02-30", "2025-02-29", "2026-13-01",
	    "tomorrow", "2026-03/05", "26-03-05", "2026-003-05", "2026-03-05x", NULL };
	for (int i = 0; bad_dates[i]; i++)
		ck_assert_msg(one("confirm-payment", "paid_on", json_string(bad_dates[i]),
		    NULL) != NULL, "%s accepted", bad_dates[i]);
}
END_TEST

START_TEST(test_choice_message)
{
	const char *m = one("unit", "type", json_string("company"), NULL);
	ck_assert_str_eq(m, "must be one of: organ (Party or government organ), "
	    "institution (Public institution), social (Social organisation)");
	json_t *out;
	ck_assert_ptr_null(one("unit", "type", json_string(" social "), &out));
	ck_assert_str_eq(json_string_value(out), "social");
	json_decref(out);
	/* the bad value is not echoed into the message */
	m = one("unit", "type", json_string("\x1b[2J"), NULL);
	ck_assert_ptr_null(strchr(m, '\x1b'));
}
END_TEST

START_TEST(test_lists_and_groups)
{
	json_t *out;
	const char *m;

	/* one value for a list: a list of one */
	ck_assert_ptr_null(one("site", "english_domains", json_string("www.fj.gov.cn"), &out));
	ck_assert_uint_eq(json_array_size(out), 1);
	json_decref(out);
	m = one("site", "english_domains", json_pack("[s,s,s]", "www.fj.gov.cn", "a..b",
	    "fj.gov.cn"), NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(sm_err_field(err, 0), "english_domains[2]");
	/* empty entries are skipped but keep their position in paths */
	ck_assert_ptr_null(one("site", "english_domains", json_pack("[s,s]", "", "fj.gov.cn"),
	    &out));
	ck_assert_uint_eq(json_array_size(out), 1);
	json_decref(out);
	json_t *many = json_array();
	for (int i = 0; i < 21; i++)
		json_array_append_new(many, json_string("fj.gov.cn"));
	m = one("site", "english_domains", many, NULL);
	ck_assert_str_eq(m, "has too many entries: at most 20, 21 given");

	/* group problems carry the dotted path */
	ck_assert_int_eq(validate_text("unit", SM_FORM_PARTIAL,
	    "contact: {email: not-an-address, fax: 1}\n", NULL), SM_E_INVALID);
	ck_assert_ptr_nonnull(msg_of("contact.email"));
	ck_assert_str_eq(msg_of("contact.fax"), "unknown field");
	ck_assert_int_eq(validate_text("unit", SM_FORM_PARTIAL, "contact: [a, b]\n", NULL),
	    SM_E_INVALID);
	ck_assert_ptr_nonnull(msg_of("contact"));

	/* an empty optional field validates to null */
	const sm_field *f = sm_form_field(form("site"), "psb_number");
	json_t *n = NULL;
	sm_err_clear(err);
	json_t *empty = json_string(" ");
	ck_assert_int_eq(sm_field_validate(f, empty, divs, "psb_number", &n, err), SM_OK);
	ck_assert(json_is_null(n));
	json_decref(n);
	json_decref(empty);
	f = sm_form_field(form("site"), "intro");
	ck_assert_int_eq(sm_field_validate(f, NULL, divs, "intro", &n, err), SM_E_INVALID);
	ck_assert_str_eq(sm_err_msg(err, 0), "is required");
}
END_TEST

START_TEST(test_division)
{
	json_t *out;
	ck_assert_ptr_null(one("unit", "division", json_string("350100"), &out));
	json_decref(out);
	ck_assert_ptr_null(one("unit", "division", json_string("000000"), &out));
	json_decref(out);
	ck_assert_ptr_nonnull(one("unit", "division", json_string("359999"), NULL));
	ck_assert_ptr_nonnull(one("unit", "division", json_string("35010"), NULL));

	/* without the table only the shape is checked */
	const sm_field *f = sm_form_field(form("unit"), "division");
	json_t *v = json_string("359900");
	sm_err_clear(err);
	ck_assert_int_eq(sm_field_validate(f, v, NULL, "division", NULL, err), SM_OK);
	json_decref(v);
	v = json_string("35x100");
	ck_assert_int_eq(sm_field_validate(f, v, NULL, "division", NULL, err), SM_E_INVALID);
	json_decref(v);
}
END_TEST

START_TEST(test_chinese_messages)
{
	if (tu_lang("zh") != 0)
		return; /* no zh_CN.UTF-8 locale here */
	ck_assert_int_eq(validate_text("domain", SM_FORM_COMPLETE, "usage: x\n", NULL),
	    SM_E_INVALID);
	ck_assert_ptr_nonnull(msg_of("name"));
	tu_lang("en");
}
END_TEST

static Suite *
form_suite(void)
{
	Suite *s = suite_create("form");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_shipped_forms_load);
	tcase_add_test(tc, test_field_ids_as_interfaces);
	tcase_add_test(tc, test_labels);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_broken_definitions);
	tcase_add_test(tc, test_every_problem_reported);
	tcase_add_test(tc, test_samples);
	tcase_add_test(tc, test_normalised_samples);
	tcase_add_test(tc, test_required_when);
	tcase_add_test(tc, test_partial_mode);
	tcase_add_test(tc, test_unknown_fields);
	tcase_add_test(tc, test_text_safety);
	tcase_add_test(tc, test_lengths_in_characters);
	tcase_add_test(tc, test_bool);
	tcase_add_test(tc, test_multiline);
	tcase_add_test(tc, test_not_future);
	tcase_add_test(tc, test_amount_and_date);
	tcase_add_test(tc, test_choice_message);
	tcase_add_test(tc, test_lists_and_groups);
	tcase_add_test(tc, test_division);
	tcase_add_test(tc, test_chinese_messages);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(form_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
