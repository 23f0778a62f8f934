/* sm_render.h - laying out a document of the core (sm_doc.h) as PDF, after
 * GB/T 9704-2012, through pango and cairo's PDF surface; or as plain UTF-8
 * text with the same content.
 *
 * The page: A4; top margin 37 mm, binding (left) margin 28 mm; type area
 * 156 x 225 mm holding 22 lines of 28 characters of the body (3号, 16 pt);
 * the title in 2号 (22 pt) bold; page numbers in 4号 (14 pt) as "— 1 —",
 * 7 mm under the type area, odd pages right and even pages left, one
 * character in.  Cairo embeds the fonts used as subsets. */
#ifndef SM_RENDER_H
#define SM_RENDER_H

#include <stdio.h>

#include "sm_doc.h"
#include "sm_err.h"

/* Fonts (fontconfig family names); NULL for the defaults. */
typedef struct sm_render_opts {
	const char *title_font;   /* default "Noto Serif CJK SC" (bold) */
	const char *body_font;    /* default "FandolFang" (a 仿宋 with every simplified
	                           * character) where installed, else Noto Serif CJK SC;
	                           * Noto Serif CJK SC for what a font lacks */
} sm_render_opts;

#define SM_RENDER_TITLE_FONT "Noto Serif CJK SC"
#define SM_RENDER_BODY_FONT "FandolFang"
#define SM_RENDER_FALLBACK_FONT "Noto Serif CJK SC"

/* Write DOC (all its copies, each starting on a new page, page numbers
 * from 1 in each) as PDF to OUT.  *PAGES (may be NULL) gets the number of
 * pages written. */
sm_status sm_render_pdf(const sm_doc *doc, const sm_render_opts *opts, FILE *out, int *pages,
                        int *missing, sm_err *err);

/* Write DOC as plain UTF-8 text to OUT: the same blocks, a form feed
 * between copies. */
sm_status sm_render_text(const sm_doc *doc, FILE *out, sm_err *err);

#endif
