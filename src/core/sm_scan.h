/* sm_scan.h - the mark monitor's page scanner: where a unit's snippet
 * stands in a page's raw bytes, read as they come. */
#ifndef SM_SCAN_H
#define SM_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_monitor.h"

/* A small HTML tokenizer over the page's raw bytes, as they come: text,
 * tags (their names, and their attributes with quoted values), comments,
 * and the elements whose content is text, not markup.  Every byte it
 * acts on is ASCII ('<', '>', '=', quotes, tag names after '<'), and none
 * of '<', '>', '"', '\'', '=' is ever a byte of a GBK or GB18030
 * character, so the page is read in those encodings as in UTF-8 without
 * decoding it.
 *
 * The snippet is a start tag <script> whose src attribute's path ends in
 * "/CODE.js": the code anywhere else (text, another tag or attribute, a
 * string in a script, a comment) is not the mark hung.  The content of
 * script, style, textarea, title, xmp, noscript, noembed, noframes,
 * iframe, template and plaintext is not markup: nothing is looked for in
 * it but its end tag. */

#define SM_SCAN_TAG_MAX 1024   /* a start tag's attributes kept, to read them */
#define SM_SCAN_NAME_MAX 15   /* a tag name's bytes kept (longer ones are no tag of ours) */
#define SM_SCAN_TITLE_MAX 512  /* bytes of a title kept */

enum sm_scan_state {
	SM_SCAN_DATA,     /* text */
	SM_SCAN_LT,       /* after '<' */
	SM_SCAN_BANG,     /* after "<!": a comment if "--" follows */
	SM_SCAN_NAME,     /* a tag's name */
	SM_SCAN_ATTRS,    /* a tag's attributes, until '>' outside quotes */
	SM_SCAN_COMMENT,  /* <!-- ... --> */
	SM_SCAN_BOGUS,    /* <!DOCTYPE ...>, <?...>, </ ...>: until '>' */
	SM_SCAN_RAW,      /* an element's text: until its end tag */
};

typedef struct sm_scan {
	char mark[48];          /* "/code.js", lower case */
	enum sm_scan_state st;
	int64_t pos;            /* bytes read */
	/* the tag being read */
	bool end_tag;
	char name[SM_SCAN_NAME_MAX + 1];
	size_t nlen;
	int64_t tag_at;         /* where its '<' is */
	char quote;             /* in its attributes: the quote open, or 0 */
	bool after_eq;          /* just after '=' (spaces aside): a quote opens a value */
	bool keep;              /* its attributes are kept (meta, a, script) */
	char tag[SM_SCAN_TAG_MAX];
	size_t tlen;
	int bang;               /* "<!" then dashes seen */
	int dashes;             /* in a comment: '-' in a row */
	/* the element whose text this is (SM_SCAN_RAW) */
	char raw[SM_SCAN_NAME_MAX + 3]; /* "</name" */
	size_t raw_len, raw_k;
	bool in_title;
	/* what was found */
	int64_t head_start, head_end, body_start, body_end;
	int64_t mark_body;      /* the last snippet in the body, -1 */
	bool mark_head, mark_after;
	char title[SM_SCAN_TITLE_MAX];
	size_t title_len;
	bool have_title;
	char charset[40];       /* from <meta>, or "" */
	/* links of the home page: called with each href */
	void (*on_link)(void *ud, const char *href);
	void *ud;
} sm_scan;

/* Ready S to look for the snippet of mark CODE. */
void sm_scan_init(sm_scan *s, const char *code);
/* Read the next LEN bytes of the page. */
void sm_scan_bytes(sm_scan *s, const unsigned char *buf, size_t len);
/* Whether the verdict is settled: the snippet in the body, the body ended. */
bool sm_scan_settled(const sm_scan *s);
/* Where the snippet stands, once the page has been read. */
sm_mark_where sm_scan_where(const sm_scan *s);
/* charset=NAME in TEXT (a Content-Type or a meta's content) into OUT. */
bool sm_charset_of(const char *text, char *out, size_t outsz);

#endif
