/* sm_render.c - a document of the core as PDF (pango, cairo) or plain text
 * (sm_render.h).
 *
 * Every block becomes rows of the page's grid (22 rows of 225/22 mm): pango
 * breaks each text into lines (PangoLayout, set as text, never as markup,
 * so nothing in the data is read as markup) and each line takes one row.
 * Pages are cut at 22 rows; a table's frame is closed at the foot of a page
 * and opened again at the head of the next. */
#include <config.h>

#include "sm_render.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "sm_i18n.h"
#include "sm_text.h"

#define MM (72.0 / 25.4)
#define PAGE_W (210 * MM)
#define PAGE_H (297 * MM)
#define LEFT (28 * MM)
#define TOP (37 * MM)
#define AREA_W (156 * MM)
#define AREA_H (225 * MM)
#define ROWS 22
#define CHARS 28
#define PITCH (AREA_H / ROWS)
#define BODY_PT 16.0
#define TITLE_PT 22.0
#define FOLIO_PT 14.0
#define FOLIO_GAP (7 * MM)
#define LABEL_CHARS 9.0     /* the form's label column, in body characters */
#define PAD (BODY_PT / 4)   /* inside a table's cell */

enum frame { F_NONE, F_FIELD, F_FULL };

/* One row of the grid: up to two lines of text (a label's and a value's),
 * and the frame it belongs to. */
typedef struct row {
	PangoLayoutLine *line[2];
	double x[2];            /* from the type area's left edge */
	bool right[2];          /* line[i] ends at x[i] (right aligned) */
	enum frame frame;
	bool top, bottom;       /* the frame's cell starts / ends here */
	bool keep_next;         /* a heading: not the last row of a page */
	bool new_page;          /* a copy starts here */
	int copy;
} row;

typedef struct render {
	cairo_t *cr;
	PangoContext *ctx;
	PangoFontDescription *title, *body, *bold, *folio;
	PangoLayout **layouts;
	size_t n_layouts, cap_layouts;
	row *rows;
	size_t n_rows, cap_rows;
	double hang;            /* the last hanging label's width */
	bool nomem;
} render;

static PangoFontDescription *
font(const char *family, const char *fallback, double pt, bool bold)
{
	char *fam = NULL;
	if (asprintf(&fam, "%s,%s", family, fallback) < 0)
		return NULL;
	PangoFontDescription *d = pango_font_description_new();
	pango_font_description_set_family(d, fam);
	pango_font_description_set_absolute_size(d, pt * PANGO_SCALE);
	pango_font_description_set_weight(d, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	free(fam);
	return d;
}

static row *
add_row(render *r)
{
	if (r->n_rows == r->cap_rows) {
		size_t cap = r->cap_rows ? r->cap_rows * 2 : 128;
		row *n = realloc(r->rows, cap * sizeof(*n));
		if (n == NULL) {
			r->nomem = true;
			return NULL;
		}
		r->rows = n;
		r->cap_rows = cap;
	}
	row *w = &r->rows[r->n_rows++];
	memset(w, 0, sizeof(*w));
	return w;
}

/* A layout of TEXT in FONT, WIDTH points wide; SPACING narrows the body
 * so that 28 characters fill the type area's 156 mm. */
static PangoLayout *
layout(render *r, const char *text, const PangoFontDescription *fd, double width,
       PangoAlignment align, double indent, bool spacing)
{
	if (r->n_layouts == r->cap_layouts) {
		size_t cap = r->cap_layouts ? r->cap_layouts * 2 : 64;
		PangoLayout **n = realloc(r->layouts, cap * sizeof(*n));
		if (n == NULL) {
			r->nomem = true;
			return NULL;
		}
		r->layouts = n;
		r->cap_layouts = cap;
	}
	PangoLayout *l = pango_layout_new(r->ctx);
	r->layouts[r->n_layouts++] = l;
	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align);
	pango_layout_set_indent(l, (int)(indent * PANGO_SCALE));
	if (spacing) {
		PangoAttrList *al = pango_attr_list_new();
		/* 156 mm / 28 = 5.57 mm a character: 16 pt glyphs a little closer
		 * (and a hair more, so that rounding never pushes the 28th over) */
		double ls = (AREA_W - CHARS * BODY_PT) / CHARS - 0.01;
		pango_attr_list_insert(al, pango_attr_letter_spacing_new((int)(ls * PANGO_SCALE)));
		pango_layout_set_attributes(l, al);
		pango_attr_list_unref(al);
	}
	pango_layout_set_text(l, text ? text : "", -1);
	return l;
}

/* Where each line of L starts (its indent, its centring), in points. */
static double *
line_starts(render *r, PangoLayout *l, int *n)
{
	*n = pango_layout_get_line_count(l);
	double *x = calloc((size_t)(*n > 0 ? *n : 1), sizeof(double));
	if (x == NULL) {
		r->nomem = true;
		return NULL;
	}
	PangoLayoutIter *it = pango_layout_get_iter(l);
	int i = 0;
	do {
		PangoRectangle lg;
		pango_layout_iter_get_line_extents(it, NULL, &lg);
		if (i < *n)
			x[i++] = (double)lg.x / PANGO_SCALE;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	return x;
}

/* The rows of a text laid out in one column: each line of L, at X. */
static void
text_rows(render *r, PangoLayout *l, double x, enum frame fr, bool keep_next)
{
	int n = 0;
	double *at = l ? line_starts(r, l, &n) : NULL;
	for (int i = 0; at && i < n; i++) {
		row *w = add_row(r);
		if (w == NULL)
			break;
		w->line[0] = pango_layout_get_line_readonly(l, i);
		w->x[0] = x + at[i];
		w->frame = fr;
		w->top = fr != F_NONE && i == 0;
		w->bottom = fr != F_NONE && i == n - 1;
		w->keep_next = keep_next;
	}
	free(at);
}

static double
text_width(render *r, const char *s, const PangoFontDescription *fd)
{
	PangoLayout *l = layout(r, s, fd, -1, PANGO_ALIGN_LEFT, 0, true);
	int w = 0;
	if (l) {
		pango_layout_set_width(l, -1);
		pango_layout_get_size(l, &w, NULL);
	}
	return (double)w / PANGO_SCALE;
}

static void
block_rows(render *r, const sm_doc_block *b)
{
	const double ch = AREA_W / CHARS;
	PangoLayout *l, *l2;
	switch (b->type) {
	case SM_BLOCK_TITLE:
		text_rows(r, layout(r, b->text, r->title, AREA_W, PANGO_ALIGN_CENTER, 0, false), 0,
		    F_NONE, true);
		break;
	case SM_BLOCK_LINE:
		text_rows(r, layout(r, b->text, r->body, AREA_W, PANGO_ALIGN_LEFT, 0, true), 0, F_NONE,
		    false);
		break;
	case SM_BLOCK_PARA:
		text_rows(r, layout(r, b->text, r->body, AREA_W, PANGO_ALIGN_LEFT, 2 * ch, true), 0,
		    F_NONE, false);
		break;
	case SM_BLOCK_HANGING: {
		/* "附件：1. ..." two characters in; the text's lines under its start */
		if (b->label)
			r->hang = text_width(r, b->label, r->body);
		double at = 2 * ch + r->hang;
		size_t first = r->n_rows;
		text_rows(r, layout(r, b->text, r->body, AREA_W - at, PANGO_ALIGN_LEFT, 0, true), at,
		    F_NONE, false);
		if (b->label && first < r->n_rows) {
			l = layout(r, b->label, r->body, -1, PANGO_ALIGN_LEFT, 0, true);
			if (l) {
				r->rows[first].line[1] = pango_layout_get_line_readonly(l, 0);
				r->rows[first].x[1] = 2 * ch;
			}
		}
		break;
	}
	case SM_BLOCK_SIGNATURE: {
		/* right, four characters in (成文日期右空四字) */
		size_t first = r->n_rows;
		text_rows(r, layout(r, b->text, r->body, AREA_W - 4 * ch, PANGO_ALIGN_LEFT, 0, true),
		    AREA_W - 4 * ch, F_NONE, false);
		for (size_t i = first; i < r->n_rows; i++) {
			r->rows[i].right[0] = true;
			r->rows[i].keep_next = true; /* the signature and its date together */
		}
		break;
	}
	case SM_BLOCK_BLANK:
		add_row(r);
		break;
	case SM_BLOCK_SECTION:
		text_rows(r, layout(r, b->text, r->bold, AREA_W, PANGO_ALIGN_LEFT, 0, false), 0, F_NONE,
		    true);
		break;
	case SM_BLOCK_GROUP:
		text_rows(r, layout(r, b->text, r->bold, AREA_W - 2 * PAD, PANGO_ALIGN_LEFT, 0, false),
		    PAD, F_FULL, true);
		break;
	case SM_BLOCK_FIELD: {
		double lw = LABEL_CHARS * BODY_PT;
		l = layout(r, b->label, r->body, lw - 2 * PAD, PANGO_ALIGN_LEFT, 0, false);
		l2 = layout(r, b->text, r->body, AREA_W - lw - 2 * PAD, PANGO_ALIGN_LEFT, 0, false);
		if (l == NULL || l2 == NULL)
			return;
		int n1 = 0, n2 = 0;
		double *a1 = line_starts(r, l, &n1), *a2 = line_starts(r, l2, &n2);
		int n = n1 > n2 ? n1 : n2;
		for (int i = 0; a1 && a2 && i < n; i++) {
			row *w = add_row(r);
			if (w == NULL)
				break;
			w->line[0] = i < n1 ? pango_layout_get_line_readonly(l, i) : NULL;
			w->x[0] = PAD + (i < n1 ? a1[i] : 0);
			w->line[1] = i < n2 ? pango_layout_get_line_readonly(l2, i) : NULL;
			w->x[1] = lw + PAD + (i < n2 ? a2[i] : 0);
			w->frame = F_FIELD;
			w->top = i == 0;
			w->bottom = i == n - 1;
		}
		free(a1);
		free(a2);
		break;
	}
	case SM_BLOCK_BOX: {
		/* the label, the text, empty rows, the note at the foot, right */
		size_t first = r->n_rows;
		text_rows(r, layout(r, b->label, r->bold, AREA_W - 2 * PAD, PANGO_ALIGN_LEFT, 0, false),
		    PAD, F_FULL, false);
		if (b->text)
			text_rows(r, layout(r, b->text, r->body, AREA_W - 2 * PAD, PANGO_ALIGN_LEFT,
			    2 * ch, false), PAD, F_FULL, false);
		while (r->n_rows - first < (size_t)(b->lines > 1 ? b->lines - 1 : 1))
			if (add_row(r) == NULL)
				return;
		size_t note = r->n_rows;
		text_rows(r, layout(r, b->note, r->body, AREA_W - 2 * PAD, PANGO_ALIGN_LEFT, 0, false),
		    AREA_W - 2 * ch, F_FULL, false);
		for (size_t i = note; i < r->n_rows; i++)
			r->rows[i].right[0] = true;
		for (size_t i = first; i < r->n_rows; i++) {
			r->rows[i].frame = F_FULL;
			r->rows[i].top = i == first;
			r->rows[i].bottom = i == r->n_rows - 1;
			r->rows[i].keep_next = i + 1 < r->n_rows; /* a box is not cut */
		}
		break;
	}
	}
}

/* Draw LINE with its left end at X (or right end, when RIGHT), on row Y. */
static void
draw_line(render *r, PangoLayoutLine *line, double x, bool right, double y)
{
	PangoRectangle log;
	pango_layout_line_get_extents(line, NULL, &log);
	double h = (double)log.height / PANGO_SCALE, asc = -(double)log.y / PANGO_SCALE;
	double w = (double)log.width / PANGO_SCALE;
	double lx = LEFT + x - (right ? w : 0);
	/* centred in its row; a line taller than the row (the title) from its top */
	cairo_move_to(r->cr, lx, y + (h < PITCH ? (PITCH - h) / 2 : 0) + asc);
	pango_cairo_show_layout_line(r->cr, line);
}

static void
draw_frames(render *r, const row *rows, size_t n)
{
	cairo_t *cr = r->cr;
	double lw = LABEL_CHARS * BODY_PT;
	cairo_set_line_width(cr, 0.75);
	for (size_t i = 0; i < n; i++) {
		const row *w = &rows[i];
		if (w->frame == F_NONE)
			continue;
		double y = TOP + (double)i * PITCH;
		cairo_move_to(cr, LEFT, y);
		cairo_line_to(cr, LEFT, y + PITCH);
		cairo_move_to(cr, LEFT + AREA_W, y);
		cairo_line_to(cr, LEFT + AREA_W, y + PITCH);
		if (w->frame == F_FIELD) {
			cairo_move_to(cr, LEFT + lw, y);
			cairo_line_to(cr, LEFT + lw, y + PITCH);
		}
		/* a cell cut by the page is closed at its foot, opened at the next head */
		if (w->top || i == 0) {
			cairo_move_to(cr, LEFT, y);
			cairo_line_to(cr, LEFT + AREA_W, y);
		}
		if (w->bottom || i == n - 1) {
			cairo_move_to(cr, LEFT, y + PITCH);
			cairo_line_to(cr, LEFT + AREA_W, y + PITCH);
		}
	}
	cairo_stroke(cr);
}

/* "— 1 —", 7 mm under the type area: odd pages right, even pages left,
 * one character in (GB/T 9704-2012, 7.5). */
static void
draw_folio(render *r, int page)
{
	char text[32];
	snprintf(text, sizeof(text), "\xe2\x80\x94 %d \xe2\x80\x94", page);
	PangoLayout *l = layout(r, text, r->folio, -1, PANGO_ALIGN_LEFT, 0, false);
	if (l == NULL)
		return;
	int w = 0, h = 0;
	pango_layout_get_size(l, &w, &h);
	double x = page % 2 ? LEFT + AREA_W - FOLIO_PT - (double)w / PANGO_SCALE : LEFT + FOLIO_PT;
	cairo_move_to(r->cr, x, TOP + AREA_H + FOLIO_GAP);
	pango_cairo_show_layout(r->cr, l);
}

/* Cut the rows into pages and draw them; returns the pages drawn. */
static int
draw_pages(render *r)
{
	int pages = 0, page = 0;
	size_t i = 0;
	while (i < r->n_rows) {
		/* this page: up to 22 rows, to the next copy, a heading not last */
		size_t end = i + 1;
		while (end < r->n_rows && end - i < ROWS && !r->rows[end].new_page)
			end++;
		while (end - i > 1 && end < r->n_rows && r->rows[end - 1].keep_next &&
		    !r->rows[end].new_page)
			end--;
		if (r->rows[i].new_page)
			page = 0;
		page++;
		pages++;
		cairo_set_source_rgb(r->cr, 0, 0, 0);
		for (size_t k = i; k < end; k++) {
			const row *w = &r->rows[k];
			double y = TOP + (double)(k - i) * PITCH;
			for (int c = 0; c < 2; c++)
				if (w->line[c])
					draw_line(r, w->line[c], w->x[c], w->right[c], y);
		}
		draw_frames(r, &r->rows[i], end - i);
		draw_folio(r, page);
		cairo_show_page(r->cr);
		i = end;
	}
	return pages;
}

static cairo_status_t
write_out(void *closure, const unsigned char *data, unsigned int length)
{
	FILE *out = closure;
	return fwrite(data, 1, length, out) == length ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

sm_status
sm_render_pdf(const sm_doc *doc, const sm_render_opts *opts, FILE *out, int *pages,
              int *missing, sm_err *err)
{
	render r = {0};
	sm_status st = SM_OK;
	size_t one_copy = 0; /* the layouts of the first copy */
	const char *tf = opts && opts->title_font ? opts->title_font : SM_RENDER_TITLE_FONT;
	const char *bf = opts && opts->body_font ? opts->body_font : SM_RENDER_BODY_FONT;

	cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(write_out, out, PAGE_W,
	    PAGE_H);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, doc->title);
	if (doc->author)
		cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, doc->author);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "sitemark");
	r.cr = cairo_create(surface);
	r.ctx = pango_cairo_create_context(r.cr);
	/* points are the PDF's units: a 16 pt font is 16 units high */
	pango_cairo_context_set_resolution(r.ctx, 72);
	pango_context_set_language(r.ctx, pango_language_from_string("zh-cn"));
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(r.ctx, fo);
	cairo_font_options_destroy(fo);
	r.title = font(tf, SM_RENDER_FALLBACK_FONT, TITLE_PT, true);
	r.body = font(bf, SM_RENDER_FALLBACK_FONT, BODY_PT, false);
	r.bold = font(bf, SM_RENDER_FALLBACK_FONT, BODY_PT, true);
	r.folio = font(tf, SM_RENDER_FALLBACK_FONT, FOLIO_PT, false);
	if (!r.title || !r.body || !r.bold || !r.folio)
		r.nomem = true;

	for (int c = 0; !r.nomem && c < doc->copies; c++) {
		size_t first = r.n_rows;
		if (doc->copy_labels) {
			/* 第一联: the copy's mark, top right */
			row *w = add_row(&r);
			PangoLayout *l = layout(&r, doc->copy_labels[c], r.body, -1, PANGO_ALIGN_LEFT, 0,
			    false);
			if (w && l) {
				w->line[0] = pango_layout_get_line_readonly(l, 0);
				w->x[0] = AREA_W;
				w->right[0] = true;
			}
		}
		for (size_t b = 0; !r.nomem && b < doc->n_blocks; b++)
			block_rows(&r, &doc->blocks[b]);
		if (first < r.n_rows) {
			r.rows[first].new_page = true;
			r.rows[first].copy = c;
		}
		if (c == 0)
			one_copy = r.n_layouts;
	}
	int n = r.nomem ? 0 : draw_pages(&r);
	if (pages)
		*pages = n;
	/* characters no installed font has (pango draws them as boxes with
	 * their code), counted once whatever the copies */
	int unknown = 0;
	for (size_t i = 0; i < one_copy && i < r.n_layouts; i++)
		unknown += pango_layout_get_unknown_glyphs_count(r.layouts[i]);
	if (missing)
		*missing = unknown;

	for (size_t i = 0; i < r.n_layouts; i++)
		g_object_unref(r.layouts[i]);
	free(r.layouts);
	free(r.rows);
	pango_font_description_free(r.title);
	pango_font_description_free(r.body);
	pango_font_description_free(r.bold);
	pango_font_description_free(r.folio);
	g_object_unref(r.ctx);
	cairo_destroy(r.cr);
	cairo_surface_finish(surface);
	cairo_status_t cs = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (r.nomem)
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	else if (cs != CAIRO_STATUS_SUCCESS)
		st = sm_err_add(err, cs == CAIRO_STATUS_WRITE_ERROR ? SM_E_IO : SM_E_NOMEM, NULL,
		    _("cannot write the PDF: %s"), cs == CAIRO_STATUS_WRITE_ERROR ?
		    strerror(errno ? errno : EIO) : cairo_status_to_string(cs));
	return st;
}
