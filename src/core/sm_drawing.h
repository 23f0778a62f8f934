/* sm_drawing.h - drawing through the helper program sitemark-render.
 *
 * Pango, cairo, fontconfig and freetype are some forty shared libraries:
 * loaded by the program they made every command slow to start.  Only two
 * things draw (the print's PDF, the public site's mark images), so the
 * drawing lives in a separate program, sitemark-render (src/print), which
 * the core runs for each drawing:
 *
 *   fd 0  the request, one JSON object:
 *         {"draw": "pdf", "title_font": F|null, "body_font": F|null,
 *          "doc": {"kind", "case_id", "title", "author", "copies",
 *                  "copy_labels": [...]|null,
 *                  "blocks": [{"type", "label", "text", "note", "lines"}]}}
 *         {"draw": "badge", "red": true|false, "valid": true|false}
 *   fd 1  the drawing (PDF, PNG)
 *   fd 2  the libraries' diagnostics, shown only when the helper fails
 *   fd 3  the report, one JSON object: {"pages": N} when it drew, else
 *         {"status": S, "messages": [translated, ...]}
 *
 * Each descriptor is an anonymous memory file (memfd); nothing else of the
 * program's is open in the helper.  The helper runs with the caller's
 * identity: a program installed set-group-id drops its group for good
 * before it starts it.  Where: PKGLIBEXECDIR/sitemark-render, fixed when
 * configured; $SITEMARK_RENDER names another (the build tree's, for make
 * check) only while the program runs with its caller's privileges. */
#ifndef SM_DRAWING_H
#define SM_DRAWING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sm_doc.h"
#include "sm_err.h"

/* The helper's path. */
const char *sm_drawing_helper(void);

/* DOC as PDF (fonts: NULL for the defaults of sm_render.h) to OUT; *PAGES
 * (may be NULL) gets its number of pages, *MISSING (may be NULL) how many
 * of its characters no installed font has (drawn as boxes). */
sm_status sm_draw_pdf(const sm_doc *doc, const char *title_font, const char *body_font,
                      FILE *out, int *pages, int *missing, sm_err *err);

/* The mark's image (sm_site.c), RED or blue, VALID or not, as PNG in *PNG
 * (malloc'd, *LEN bytes). */
sm_status sm_draw_badge(bool red, bool valid, char **png, size_t *len, sm_err *err);

#endif
