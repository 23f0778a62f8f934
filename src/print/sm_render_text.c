/* sm_render_text.c - a document of the core as plain UTF-8 text
 * (sm_render.h): the same blocks as the PDF, a form feed between copies.
 * Apart from sm_render.c, so that the text needs no drawing library: the
 * program writes it itself, the PDF is drawn by sitemark-render. */
#include <config.h>

#include "sm_render.h"

#include <errno.h>
#include <string.h>

#include "sm_i18n.h"
#include "sm_text.h"

/* The PDF's line: 28 characters of the body (sm_render.c). */
#define CHARS 28

/* ------------------------------------------------------------ plain text */

/* The width of the text version's page, in cells (28 characters). */
#define TEXT_CELLS (2 * CHARS)

static void
put_right(FILE *out, const char *s, size_t margin)
{
	size_t w = sm_text_width(s);
	for (size_t i = w + margin; i < TEXT_CELLS; i++)
		fputc(' ', out);
	fprintf(out, "%s\n", s);
}

/* TEXT with every line after the first indented by INDENT. */
static void
put_lines(FILE *out, const char *indent, const char *text)
{
	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(out, "%.*s\n", (int)n, p);
		p += n;
		if (*p == '\n' && *++p)
			fputs(indent, out);
	}
}

sm_status
sm_render_text(const sm_doc *doc, FILE *out, sm_err *err)
{
	const char *indent = "\xe3\x80\x80\xe3\x80\x80"; /* two ideographic spaces */
	for (int c = 0; c < doc->copies; c++) {
		if (c > 0)
			fputs("\f\n", out);
		if (doc->copy_labels)
			put_right(out, doc->copy_labels[c], 0);
		for (size_t i = 0; i < doc->n_blocks; i++) {
			const sm_doc_block *b = &doc->blocks[i];
			switch (b->type) {
			case SM_BLOCK_TITLE: {
				size_t w = sm_text_width(b->text);
				for (size_t k = w; k + 1 < TEXT_CELLS; k += 2)
					fputc(' ', out);
				fprintf(out, "%s\n", b->text);
				break;
			}
			case SM_BLOCK_LINE:
				put_lines(out, "", b->text);
				break;
			case SM_BLOCK_PARA:
				fputs(indent, out);
				put_lines(out, indent, b->text);
				break;
			case SM_BLOCK_HANGING:
				fprintf(out, "%s%s", indent, b->label ? b->label : "      ");
				put_lines(out, "", b->text);
				break;
			case SM_BLOCK_SIGNATURE:
				put_right(out, b->text, 8);
				break;
			case SM_BLOCK_BLANK:
				fputc('\n', out);
				break;
			case SM_BLOCK_SECTION:
				fprintf(out, "\n%s\n", b->text);
				break;
			case SM_BLOCK_GROUP:
				fprintf(out, "[%s]\n", b->text);
				break;
			case SM_BLOCK_FIELD:
				fprintf(out, "%s: ", b->label && *b->label ? b->label : "  ");
				put_lines(out, "    ", b->text);
				break;
			case SM_BLOCK_BOX:
				fprintf(out, "+-- %s\n", b->label ? b->label : "");
				if (b->text)
					fprintf(out, "|   %s\n", b->text);
				for (int k = 0; k < b->lines - 3; k++)
					fputs("|\n", out);
				fputs("|", out);
				put_right(out, b->note ? b->note : "", 1);
				fputs("+--\n", out);
				break;
			}
		}
	}
	if (fflush(out) != 0 || ferror(out))
		return sm_err_add(err, SM_E_IO, NULL, _("cannot write the text: %s"),
		    strerror(errno ? errno : EIO));
	return SM_OK;
}
