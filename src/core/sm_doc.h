/* sm_doc.h - the printouts of the paper step (domain.md §6 "Printouts"):
 * 《关于申请对网站开办审核和资格复核的函》 (the letter) and
 * 《党政机关网站开办审核和资格复核申请表》 (the form), as a list of blocks.
 *
 * The core assembles a document once, from the case as the acting user may
 * see it (sm_view_case) and the labels of the YAML forms (translated); every
 * value is neutralised (sm_text_neutralise: control characters and escape
 * sequences become visible escapes).  The renderers (src/print: PDF through
 * pango and cairo, plain text) lay the blocks out and add nothing of their
 * own, so that the command line and the console print the same thing.
 * Who may print what is sm_case_may_print() (sm_workflow.h). */
#ifndef SM_DOC_H
#define SM_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_app.h"
#include "sm_err.h"
#include "sm_workflow.h"

/* The most copies one print makes (第一联 ... 第十联). */
#define SM_DOC_MAX_COPIES SM_PRINT_MAX_COPIES

typedef enum sm_doc_kind {
	SM_DOC_NONE = 0,
	SM_DOC_LETTER,  /* 申请函 */
	SM_DOC_FORM     /* 申请表 */
} sm_doc_kind;

/* "letter", "form" (the words of `sitemark print ID letter|form` and of the
 * audit record); SM_DOC_NONE for any other word. */
sm_doc_kind sm_doc_kind_parse(const char *word);
const char *sm_doc_kind_name(sm_doc_kind kind);
/* The document's name for messages, translated ("application letter"). */
const char *sm_doc_kind_label(sm_doc_kind kind);

typedef enum sm_block_type {
	SM_BLOCK_TITLE,      /* text: the title, centred, 2号 bold */
	SM_BLOCK_LINE,       /* text: a line flush left (the addressee, the form's case line) */
	SM_BLOCK_PARA,       /* text: a paragraph, its first line indented 2 characters */
	SM_BLOCK_HANGING,    /* label + text: "附件：1. ..." with the text's lines under its start */
	SM_BLOCK_SIGNATURE,  /* text: right, 4 characters from the edge (署名, 成文日期) */
	SM_BLOCK_BLANK,      /* an empty line */
	SM_BLOCK_SECTION,    /* text: a section heading of the form (一、单位信息) */
	SM_BLOCK_GROUP,      /* text: a group's heading row inside the form's table */
	SM_BLOCK_FIELD,      /* label + text: one row of the form's table */
	SM_BLOCK_BOX         /* label + text + note: a box of LINES lines (seal, opinion) */
} sm_block_type;

typedef struct sm_doc_block {
	sm_block_type type;
	char *label;   /* translated */
	char *text;    /* neutralised; line breaks kept (several-line values) */
	char *note;    /* BOX: the last line, right (盖章, 年 月 日) */
	int lines;     /* BOX: its height in lines */
} sm_doc_block;

typedef struct sm_doc {
	sm_doc_kind kind;
	int64_t case_id;
	char *title;             /* translated, also the PDF's title */
	char *author;            /* the unit's name (neutralised), the PDF's author */
	sm_doc_block *blocks;    /* one copy */
	size_t n_blocks, cap;
	int copies;              /* 1 .. SM_DOC_MAX_COPIES */
	/* Marked copies (the form, 一式三份): copy i carries copy_labels[i]
	 * (第一联 ...) at its top right; NULL when the copies are the same. */
	char **copy_labels;
} sm_doc;

/* Assemble document KIND of case CASE_ID for the acting user, COPIES of it
 * (1 .. SM_DOC_MAX_COPIES; the form's copies are marked when more than
 * one).  Refused (SM_E_DENIED, SM_E_STATE, with the reason) unless the
 * rule of sm_case_may_print() allows it. */
sm_status sm_doc_build(sm_app *app, int64_t case_id, sm_doc_kind kind, int copies,
                       sm_doc *out, sm_err *err);
void sm_doc_clear(sm_doc *doc);

#endif
