/* sm_scan.h - the mark monitor's page scanner: where a unit's snippet
 * stands in a page's raw bytes, read as they come. */
#ifndef SM_SCAN_H
#define SM_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_monitor.h"

/* HTML's tokenizer (the WHATWG standard's states, those that matter here)
 * over the page's raw bytes: text, tags with their names and attributes
 * (values quoted or not), comments as browsers end them, the elements
 * whose content is text (script, with its escaped states, style,
 * textarea, title, xmp, noscript, noembed, noframes, iframe, plaintext),
 * foreign content (svg, math: their CDATA sections; a script there runs
 * no src) and template content (inert).  Every byte it acts on is ASCII
 * ('<', '>', '/', '=', quotes, spaces, tag and attribute names), and none
 * of those is ever a byte of a GBK or GB18030 character, so the page is
 * read in those encodings as in UTF-8 without decoding it.
 *
 * The snippet is a start tag <script> that a browser runs (no type but a
 * JavaScript one or "module", no nomodule), outside templates and foreign
 * content, whose src (its character references decoded, the spaces a URL
 * parser drops dropped) has a path ending in "/CODE.js".  The code
 * anywhere else is not the mark hung.  Where it stands follows the tree a
 * browser builds: a tag that has no place in the head (a <div>, text)
 * ends the head and opens the body. */

#define SM_SCAN_NAME_MAX 15    /* a tag or attribute name's bytes kept (longer: none of ours) */
#define SM_SCAN_NEST_MAX 32    /* svg, math and integration points kept nested */
#define SM_SCAN_VALUE_MAX 2048 /* an attribute value kept (longer: not trusted) */
#define SM_SCAN_TITLE_MAX 512  /* bytes of a title kept */
#define SM_SCAN_RING 16        /* the last bytes of an element's text, to find its end */

enum sm_scan_state {
	SM_SCAN_DATA,        /* text */
	SM_SCAN_LT,          /* after '<' */
	SM_SCAN_BANG,        /* after "<!": a comment, a CDATA section, or bogus */
	SM_SCAN_COMMENT,     /* <!-- ... --> (or --!>) */
	SM_SCAN_BOGUS,       /* <!DOCTYPE ...>, <?...>, </ ...>: until '>' */
	SM_SCAN_NAME,        /* a tag's name */
	SM_SCAN_ATTR_BEFORE, /* before an attribute's name */
	SM_SCAN_ATTR_NAME,
	SM_SCAN_ATTR_AFTER,  /* after its name: '=' or another */
	SM_SCAN_VALUE_BEFORE,
	SM_SCAN_VALUE_DQ,
	SM_SCAN_VALUE_SQ,
	SM_SCAN_VALUE_UNQ,
	SM_SCAN_RAW,         /* an element's text: until its end tag */
	SM_SCAN_CDATA,       /* <![CDATA[ ... ]]> in foreign content */
};

/* The attributes kept of a tag (script, meta, a; annotation-xml in math). */
enum sm_scan_attr {
	SM_SCAN_A_SRC, SM_SCAN_A_TYPE, SM_SCAN_A_LANGUAGE, SM_SCAN_A_NOMODULE,
	SM_SCAN_A_CHARSET, SM_SCAN_A_CONTENT, SM_SCAN_A_HREF, SM_SCAN_A_ENCODING, SM_SCAN_A_COUNT
};

typedef struct sm_scan {
	char mark[48];          /* "/code.js", lower case */
	enum sm_scan_state st;
	int64_t pos;            /* bytes read */
	/* the tag being read */
	bool end_tag, slash, self_closing;
	char name[SM_SCAN_NAME_MAX + 1];
	size_t nlen;
	int64_t tag_at;         /* where its '<' is */
	bool keep;              /* its attributes are kept (script, meta, a) */
	char an[SM_SCAN_NAME_MAX + 1]; /* the attribute name being read */
	size_t anlen;
	int cur;                /* the kept attribute whose value is being read, -1 none */
	size_t vlen[SM_SCAN_A_COUNT];
	bool vset[SM_SCAN_A_COUNT], vover[SM_SCAN_A_COUNT];
	char bang[8];           /* what follows "<!", up to "[CDATA[" */
	size_t blen;
	int dashes;             /* in a comment: '-' in a row */
	bool comment_bang;      /* in a comment: "--!" just read */
	/* the element whose text this is (SM_SCAN_RAW), SM_SCAN_CDATA */
	char raw[SM_SCAN_NAME_MAX + 1];
	size_t raw_len;
	bool raw_forever;       /* plaintext */
	bool raw_script;
	int script_esc;         /* in a script's text: 0, 1 escaped (<!--), 2 double escaped */
	unsigned char ring[SM_SCAN_RING];
	unsigned ring_n;
	bool in_title;
	int template_depth;
	/* foreign content (svg, math) and the HTML integration points in it
	 * (svg's foreignObject, desc and title; math's mi, mo, mn, ms, mtext
	 * and an annotation-xml of HTML), where markup is HTML again: the
	 * innermost last; nested deeper than SM_SCAN_NEST_MAX, the rest of the
	 * page is foreign (no script there counts) */
	struct sm_scan_frame {
		unsigned char ns;    /* 1 svg, 2 MathML: its content's language */
		unsigned char name;  /* its name (an index of sm_scan.c's nest_names) */
		bool point;          /* an HTML integration point */
		unsigned short html; /* in a point: HTML elements open in it now */
	} nest[SM_SCAN_NEST_MAX];
	int nest_n;
	bool nest_lost;
	bool font_breaks;       /* a <font> in foreign content with color, face or size */
	/* what was found */
	int64_t head_start, head_end, body_start, body_end;
	int64_t head_gave_way;  /* where a tag or text the head cannot hold opened the body, -1 */
	int64_t mark_body;      /* the last snippet in the body, -1 */
	int64_t mark_maybe;     /* a snippet after the head gave way, before </head> or
	                         * <body> said where it ends: in the head as written if
	                         * one follows, else in the body, -1 */
	bool mark_head, mark_after;
	char title[SM_SCAN_TITLE_MAX];
	size_t title_len;
	bool have_title;
	char charset[40];       /* from <meta>, or "" */
	/* links of the home page: called with each href */
	void (*on_link)(void *ud, const char *href);
	void *ud;
	/* last: the kept attributes' values (not cleared by sm_scan_init:
	 * each is written before it is read) */
	char val[SM_SCAN_A_COUNT][SM_SCAN_VALUE_MAX];
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
