/* sm_doc.c - the letter and the form of the paper step, assembled once for
 * every front end and renderer (sm_doc.h).
 *
 * The wording follows the seed's operating instructions (步骤三, "单位线下向
 * 同级机构编制部门报送资料备案"): the two notices the process rests on, the
 * online approvals by the office at the unit's own level and by CONAC, and
 * what goes with the letter: the sealed form 一式三份 and a copy of the
 * handler's ID card. */
#include <config.h>

#include "sm_doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calendar.h"
#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_view.h"
#include "sm_workflow.h"

static const struct {
	sm_doc_kind kind;
	const char *name;
	const char *label;
} doc_words[] = {
	{SM_DOC_LETTER, "letter", N_("application letter")},
	{SM_DOC_FORM, "form", N_("application form")},
};

/* 第一联 ... 第十联: the marks of the form's copies. */
static const char *const copy_words[SM_DOC_MAX_COPIES] = {
	N_("Copy 1"), N_("Copy 2"), N_("Copy 3"), N_("Copy 4"), N_("Copy 5"),
	N_("Copy 6"), N_("Copy 7"), N_("Copy 8"), N_("Copy 9"), N_("Copy 10"),
};

sm_doc_kind
sm_doc_kind_parse(const char *word)
{
	for (size_t i = 0; word && i < sizeof(doc_words) / sizeof(doc_words[0]); i++)
		if (strcmp(word, doc_words[i].name) == 0)
			return doc_words[i].kind;
	return SM_DOC_NONE;
}

static const char *
doc_word(sm_doc_kind kind, bool label)
{
	for (size_t i = 0; i < sizeof(doc_words) / sizeof(doc_words[0]); i++)
		if (doc_words[i].kind == kind)
			return label ? _(doc_words[i].label) : doc_words[i].name;
	return label ? "" : NULL;
}

const char *
sm_doc_kind_name(sm_doc_kind kind)
{
	return doc_word(kind, false);
}

const char *
sm_doc_kind_label(sm_doc_kind kind)
{
	return doc_word(kind, true);
}

/* ------------------------------------------------------------ building */

typedef struct builder {
	sm_doc *doc;
	bool nomem;
} builder;

/* Data made safe for any output: control characters and escape sequences
 * as visible escapes, line breaks kept.  NULL stays NULL. */
static char *
clean(builder *b, const char *s)
{
	if (s == NULL)
		return NULL;
	char *r = sm_text_neutralise(s, (size_t)-1, true);
	if (r == NULL)
		b->nomem = true;
	return r;
}

static char *
dup(builder *b, const char *s)
{
	char *r = s ? strdup(s) : NULL;
	if (s && r == NULL)
		b->nomem = true;
	return r;
}

/* Add a block; LABEL, TEXT and NOTE are taken over (malloc'd or NULL). */
static void
add_taken(builder *b, sm_block_type type, char *label, char *text, char *note, int lines)
{
	sm_doc *d = b->doc;
	if (d->n_blocks == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		sm_doc_block *nb = realloc(d->blocks, cap * sizeof(*nb));
		if (nb == NULL) {
			b->nomem = true;
			free(label);
			free(text);
			free(note);
			return;
		}
		d->blocks = nb;
		d->cap = cap;
	}
	d->blocks[d->n_blocks++] = (sm_doc_block){type, label, text, note, lines};
}

/* A block of our own words (LABEL and TEXT copied as they are). */
static void
add(builder *b, sm_block_type type, const char *label, const char *text)
{
	add_taken(b, type, dup(b, label), dup(b, text), NULL, 0);
}

/* A block of text made with FMT, whose %s arguments are data: the caller
 * passes them neutralised. */
static void addf(builder *b, sm_block_type type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void
addf(builder *b, sm_block_type type, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0) {
		text = NULL;
		b->nomem = true;
	}
	va_end(ap);
	if (text)
		add_taken(b, type, NULL, text, NULL, 0);
}

/* One value of a YAML form, as a row of the form's table. */
static void
field_row(const sm_field *field, const char *label, const char *text, void *ud)
{
	builder *b = ud;
	(void)field;
	if (text == NULL) /* a group's heading */
		add_taken(b, SM_BLOCK_GROUP, NULL, dup(b, label), NULL, 0);
	else
		add_taken(b, SM_BLOCK_FIELD, dup(b, label), clean(b, text), NULL, 0);
}

/* A string of VALUES at the dotted PATH ("contact.name"), or "". */
static const char *
value_at(const json_t *values, const char *path)
{
	char key[64];
	const json_t *v = values;
	while (v && *path) {
		size_t n = strcspn(path, ".");
		snprintf(key, sizeof(key), "%.*s", (int)(n < sizeof(key) ? n : sizeof(key) - 1), path);
		v = json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return json_is_string(v) ? json_string_value(v) : "";
}

/* Today's date, as the documents write it (GB/T 9704: 2026年11月20日). */
static void
today_text(const sm_app *app, char *buf, size_t bufsz)
{
	int y, m, d;
	sm_date_to_ymd(sm_clock_today(&app->clock), &y, &m, &d);
	snprintf(buf, bufsz, _("%d-%02d-%02d"), y, m, d);
}

static void
build_letter(builder *b, const sm_case_view *v, const char *date)
{
	const json_t *cv = v->c.values, *uv = v->unit.values;
	char *office = clean(b, v->office_name ? v->office_name : v->c.office);
	char *unit = clean(b, v->unit.name);
	char *site = clean(b, value_at(cv, "site_name"));
	char *domain = clean(b, v->c.domain_unicode ? v->c.domain_unicode : value_at(cv, "domain"));
	char *contact = clean(b, value_at(uv, "contact.name"));
	char *phone = clean(b, value_at(uv, "contact.phone"));
	char *handler = clean(b, value_at(uv, "handler.name"));
	char *mobile = clean(b, value_at(uv, "handler.mobile"));
	bool requalify = strcmp(value_at(cv, "purpose"), "requalify") == 0;

	if (!b->nomem) {
		add(b, SM_BLOCK_TITLE, NULL, b->doc->title);
		add(b, SM_BLOCK_BLANK, NULL, NULL);
		addf(b, SM_BLOCK_LINE, _("%s:"), office);
		addf(b, SM_BLOCK_PARA, requalify ?
		    _("In accordance with the Notice on Strengthening the Security Management of Party and Government Websites (Zhongwangbanfawen [2014] No. 1) and the Notice on the Opening Review, Requalification and Mark Management of Party and Government Websites (Zhongyangbianbanfa [2014] No. 69), %s applies for the requalification of its website \"%s\" (domain %s).") :
		    _("In accordance with the Notice on Strengthening the Security Management of Party and Government Websites (Zhongwangbanfawen [2014] No. 1) and the Notice on the Opening Review, Requalification and Mark Management of Party and Government Websites (Zhongyangbianbanfa [2014] No. 69), %s applies for the opening review of its website \"%s\" (domain %s)."),
		    unit, site, domain);
		addf(b, SM_BLOCK_PARA,
		    _("The application (case %lld) was approved online by the establishment office at our level and by CONAC. We send you the sealed application form in triplicate with a copy of the handler's ID card for your records, and ask you to review them."),
		    (long long)v->c.id);
		addf(b, SM_BLOCK_PARA, _("Contact: %s, telephone %s; handler: %s, mobile %s."),
		    contact, phone, handler, mobile);
		add(b, SM_BLOCK_BLANK, NULL, NULL);
		add(b, SM_BLOCK_HANGING, _("Attachments: "),
		    _("1. Application form for the opening review and requalification of a Party or government website (in triplicate)"));
		add(b, SM_BLOCK_HANGING, NULL, _("2. Copy of the handler's ID card"));
		add(b, SM_BLOCK_BLANK, NULL, NULL);
		add(b, SM_BLOCK_BLANK, NULL, NULL);
		addf(b, SM_BLOCK_SIGNATURE, _("%s (seal)"), unit);
		add(b, SM_BLOCK_SIGNATURE, NULL, date);
	}
	free(office);
	free(unit);
	free(site);
	free(domain);
	free(contact);
	free(phone);
	free(handler);
	free(mobile);
}

static void
build_form(builder *b, const sm_app *app, const sm_case_view *v, const char *date)
{
	const sm_form *uf = sm_forms_get(app->forms, "unit");
	const sm_form *cf = sm_forms_get(app->forms, sm_kind_name(v->c.kind));
	char *office = clean(b, v->office_name ? v->office_name : v->c.office);

	add(b, SM_BLOCK_TITLE, NULL, b->doc->title);
	add(b, SM_BLOCK_BLANK, NULL, NULL);
	addf(b, SM_BLOCK_LINE, _("Case %lld    Date: %s"), (long long)v->c.id, date);
	add(b, SM_BLOCK_SECTION, NULL, _("1. The unit"));
	add_taken(b, SM_BLOCK_FIELD, dup(b, _("Establishment office")), dup(b, office), NULL, 0);
	sm_form_each_value(uf, v->unit.values, field_row, b);
	add(b, SM_BLOCK_SECTION, NULL, _("2. The website"));
	sm_form_each_value(cf, v->c.values, field_row, b);
	add(b, SM_BLOCK_SECTION, NULL, _("3. Opinions"));
	add_taken(b, SM_BLOCK_BOX, dup(b, _("Applying unit (seal)")),
	    dup(b, _("We confirm that the above is true.")),
	    dup(b, _("(seal)    year    month    day")), 5);
	add_taken(b, SM_BLOCK_BOX, dup(b, _("Opinion of the establishment office")), NULL,
	    dup(b, _("(seal)    year    month    day")), 5);
	free(office);
}

sm_status
sm_doc_build(sm_app *app, int64_t case_id, sm_doc_kind kind, int copies, sm_doc *out,
             sm_err *err)
{
	sm_case_view v;
	sm_status st;
	char date[64];

	memset(out, 0, sizeof(*out));
	if (kind != SM_DOC_LETTER && kind != SM_DOC_FORM)
		return sm_err_add(err, SM_E_INVALID, "what", _("print the letter or the form"));
	if (copies < 1 || copies > SM_DOC_MAX_COPIES)
		return sm_err_add(err, SM_E_INVALID, "copies",
		    _("the number of copies is from 1 to %d"), SM_DOC_MAX_COPIES);
	if ((st = sm_view_case(app, case_id, &v, err)) != SM_OK)
		return st;
	if ((st = sm_print_check(app, &v.c, err)) != SM_OK) {
		sm_case_view_clear(&v);
		return st;
	}
	builder b = {out, false};
	out->kind = kind;
	out->case_id = case_id;
	out->copies = copies;
	out->title = dup(&b, kind == SM_DOC_LETTER ?
	    _("Letter applying for the website opening review and requalification") :
	    _("Application form for the opening review and requalification of a Party or government website"));
	out->author = clean(&b, v.unit.name);
	today_text(app, date, sizeof(date));
	if (!b.nomem && kind == SM_DOC_LETTER)
		build_letter(&b, &v, date);
	else if (!b.nomem)
		build_form(&b, app, &v, date);
	if (!b.nomem && kind == SM_DOC_FORM && copies > 1) {
		if ((out->copy_labels = calloc((size_t)copies, sizeof(char *))) == NULL)
			b.nomem = true;
		for (int i = 0; !b.nomem && i < copies; i++)
			out->copy_labels[i] = dup(&b, _(copy_words[i]));
	}
	sm_case_view_clear(&v);
	if (b.nomem) {
		sm_doc_clear(out);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	return SM_OK;
}

void
sm_doc_clear(sm_doc *doc)
{
	if (doc == NULL)
		return;
	for (size_t i = 0; i < doc->n_blocks; i++) {
		free(doc->blocks[i].label);
		free(doc->blocks[i].text);
		free(doc->blocks[i].note);
	}
	free(doc->blocks);
	for (int i = 0; doc->copy_labels && i < doc->copies; i++)
		free(doc->copy_labels[i]);
	free(doc->copy_labels);
	free(doc->title);
	free(doc->author);
	memset(doc, 0, sizeof(*doc));
}
