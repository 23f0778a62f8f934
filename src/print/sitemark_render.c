/* sitemark_render.c - sitemark-render, the drawing helper (sm_drawing.h):
 * the only program that loads pango, cairo, fontconfig and freetype.
 *
 * Reads one request (JSON) on fd 0, writes the drawing to fd 1 and the
 * report to fd 3.  It is started by sitemark with the caller's identity and
 * only these descriptors open; it reads no database and no configuration.
 * Not meant to be run by hand (it lives in PKGLIBEXECDIR). */
#include <config.h>

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sm_badge.h"
#include "sm_i18n.h"
#include "sm_render.h"

#define REPORT_FD 3

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The request's "doc" as a document of the core; false when malformed or
 * out of memory.  Freed with doc_free(). */
static bool
doc_from(const json_t *j, sm_doc *doc)
{
	memset(doc, 0, sizeof(*doc));
	const json_t *blocks = json_object_get(j, "blocks"), *labels = json_object_get(j, "copy_labels");
	doc->kind = (sm_doc_kind)json_integer_value(json_object_get(j, "kind"));
	doc->case_id = (int64_t)json_integer_value(json_object_get(j, "case_id"));
	doc->copies = (int)json_integer_value(json_object_get(j, "copies"));
	doc->title = dup_or_null(str(j, "title"));
	doc->author = dup_or_null(str(j, "author"));
	if (!json_is_array(blocks) || doc->title == NULL || doc->copies < 1 ||
	    doc->copies > SM_DOC_MAX_COPIES || (labels && !json_is_null(labels) &&
	    json_array_size(labels) != (size_t)doc->copies))
		return false;
	doc->n_blocks = json_array_size(blocks);
	if (doc->n_blocks > 0 && (doc->blocks = calloc(doc->n_blocks, sizeof(sm_doc_block))) == NULL)
		return false;
	for (size_t i = 0; i < doc->n_blocks; i++) {
		const json_t *b = json_array_get(blocks, i);
		sm_doc_block *d = &doc->blocks[i];
		d->type = (sm_block_type)json_integer_value(json_object_get(b, "type"));
		d->lines = (int)json_integer_value(json_object_get(b, "lines"));
		d->label = dup_or_null(str(b, "label"));
		d->text = dup_or_null(str(b, "text"));
		d->note = dup_or_null(str(b, "note"));
		if (d->type > SM_BLOCK_BOX || d->lines < 0 || d->lines > 100)
			return false;
	}
	if (json_is_array(labels)) {
		if ((doc->copy_labels = calloc((size_t)doc->copies, sizeof(char *))) == NULL)
			return false;
		for (int c = 0; c < doc->copies; c++)
			if ((doc->copy_labels[c] = dup_or_null(json_string_value(json_array_get(labels,
			    (size_t)c)))) == NULL)
				return false;
	}
	return true;
}

static void
doc_free(sm_doc *doc)
{
	for (size_t i = 0; doc->blocks && i < doc->n_blocks; i++) {
		free(doc->blocks[i].label);
		free(doc->blocks[i].text);
		free(doc->blocks[i].note);
	}
	for (int c = 0; doc->copy_labels && c < doc->copies; c++)
		free(doc->copy_labels[c]);
	free(doc->copy_labels);
	free(doc->blocks);
	free(doc->title);
	free(doc->author);
}

int
main(void)
{
	const char *localedir = getenv("SITEMARK_LOCALEDIR");
	setlocale(LC_ALL, "");
	bindtextdomain("sitemark", localedir && *localedir ? localedir : LOCALEDIR);
	textdomain("sitemark");

	FILE *report = fdopen(REPORT_FD, "w");
	if (report == NULL) {
		fprintf(stderr, "sitemark-render: run by sitemark only (no report descriptor)\n");
		return 2;
	}
	sm_err *err = sm_err_new();
	json_t *req = json_loadf(stdin, 0, NULL);
	const char *what = str(req, "draw");
	sm_status st = SM_OK;
	int pages = 0, missing = 0;
	if (err == NULL)
		st = SM_E_NOMEM;
	else if (what && strcmp(what, "pdf") == 0) {
		sm_doc doc;
		sm_render_opts o = {str(req, "title_font"), str(req, "body_font")};
		if (doc_from(json_object_get(req, "doc"), &doc))
			st = sm_render_pdf(&doc, &o, stdout, &pages, &missing, err);
		else
			st = sm_err_add(err, SM_E_INVALID, NULL, _("the drawing request is malformed"));
		doc_free(&doc);
	} else if (what && strcmp(what, "badge") == 0) {
		st = sm_badge_png(json_is_true(json_object_get(req, "red")),
		    json_is_true(json_object_get(req, "valid")), stdout, err);
	} else
		st = sm_err_add(err, SM_E_INVALID, NULL, _("the drawing request is malformed"));
	if (st == SM_OK && fflush(stdout) != 0)
		st = sm_err_add(err, SM_E_IO, NULL, _("cannot write the drawing: %s"),
		    strerror(errno));

	json_t *rep;
	if (st == SM_OK)
		rep = json_pack("{s:i, s:i}", "pages", pages, "missing_glyphs", missing);
	else {
		json_t *msgs = json_array();
		for (size_t i = 0; err && msgs && i < sm_err_count(err); i++)
			json_array_append_new(msgs, json_string(sm_err_msg(err, i)));
		rep = json_pack("{s:i, s:o}", "status", (int)st, "messages", msgs);
	}
	int rc = st == SM_OK ? 0 : 1;
	if (rep == NULL || json_dumpf(rep, report, JSON_COMPACT) != 0 || fclose(report) != 0)
		rc = 1;
	json_decref(rep);
	json_decref(req);
	sm_err_free(&err);
	return rc;
}
