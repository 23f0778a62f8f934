/* sm_scan.c - the mark monitor's page scanner (sm_scan.h). */
#include <config.h>

#include "sm_scan.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NEAR_END 8192  /* the snippet within so many bytes of </body> is near its end */

void
sm_scan_init(sm_scan *s, const char *code)
{
	memset(s, 0, offsetof(sm_scan, val)); /* a page's values: 14 KB not cleared each time */
	snprintf(s->mark, sizeof(s->mark), "/%s.js", code);
	for (char *m = s->mark; *m; m++) /* matched in lower case */
		if (*m >= 'A' && *m <= 'Z')
			*m = (char)(*m + ('a' - 'A'));
	s->cur = -1;
	s->head_start = s->head_end = s->body_start = s->body_end = s->mark_body = -1;
	s->head_gave_way = s->mark_maybe = -1;
}

/* HTML's white space: not \v, which isspace() counts. */
static bool
html_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
named(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}
#define NAMED(name, list) named((name), (list), sizeof(list) / sizeof((list)[0]))

/* charset=NAME in TEXT (a Content-Type or a meta's content) into OUT. */
bool
sm_charset_of(const char *text, char *out, size_t outsz)
{
	const char *p = text ? strcasestr(text, "charset") : NULL;
	size_t n = 0;
	if (p == NULL)
		return false;
	p += 7;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '=')
		return false;
	p++;
	while (isspace((unsigned char)*p) || *p == '"' || *p == '\'')
		p++;
	while (*p && n + 1 < outsz && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
		out[n++] = *p++;
	out[n] = '\0';
	return n > 0;
}

/* ------------------------------------------------------------ a script that runs */

/* The code point U as UTF-8 into OUT (4 bytes at most); its length. */
static size_t
utf8_put(unsigned long u, char *out)
{
	if (u == 0 || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
		u = 0xFFFD;
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xC0 | (u >> 6));
		out[1] = (char)(0x80 | (u & 0x3F));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xE0 | (u >> 12));
		out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
		out[2] = (char)(0x80 | (u & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (u >> 18));
	out[1] = (char)(0x80 | ((u >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((u >> 6) & 0x3F));
	out[3] = (char)(0x80 | (u & 0x3F));
	return 4;
}

/* The named character references a URL is written with (ASCII
 * punctuation and the no-break space): the rest of HTML's two thousand
 * stand for letters no script path of ours holds, and are left as they are. */
static const struct {
	const char *name;
	unsigned long cp;
} refs[] = {
	{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"sol", '/'},
	{"quest", '?'}, {"period", '.'}, {"num", '#'}, {"colon", ':'}, {"semi", ';'},
	{"equals", '='}, {"percnt", '%'}, {"lowbar", '_'}, {"excl", '!'}, {"commat", '@'},
	{"dollar", '$'}, {"plus", '+'}, {"comma", ','}, {"lpar", '('}, {"rpar", ')'},
	{"ast", '*'}, {"Hat", '^'}, {"grave", '`'}, {"lsqb", '['}, {"rsqb", ']'},
	{"lcub", '{'}, {"rcub", '}'}, {"verbar", '|'}, {"bsol", '\\'}, {"nbsp", 0xA0},
};

/* IN (an attribute value) with its character references decoded into OUT
 * (OUTSZ bytes; a value that does not fit is cut). */
static void
decode_refs(const char *in, char *out, size_t outsz)
{
	size_t n = 0;
	while (*in && n + 5 < outsz) {
		if (*in != '&') {
			out[n++] = *in++;
			continue;
		}
		const char *p = in + 1;
		unsigned long cp = 0;
		bool got = false;
		if (*p == '#') {
			bool hex = p[1] == 'x' || p[1] == 'X';
			p += hex ? 2 : 1;
			const char *digits = p;
			while (hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p)) {
				if (cp <= 0x10FFFF)
					cp = cp * (hex ? 16 : 10) +
					    (unsigned long)(isdigit((unsigned char)*p) ? *p - '0' :
					    lower((unsigned char)*p) - 'a' + 10);
				p++;
			}
			got = p > digits;
			if (got && *p == ';')
				p++;
		} else {
			for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]) && !got; i++) {
				size_t k = strlen(refs[i].name);
				if (strncmp(p, refs[i].name, k) == 0 && p[k] == ';') {
					cp = refs[i].cp;
					p += k + 1;
					got = true;
				}
			}
		}
		if (!got) {
			out[n++] = *in++;
			continue;
		}
		n += utf8_put(cp, out + n);
		in = p;
	}
	out[n] = '\0';
}

/* Whether the script source SRC (an attribute value) is the mark's: as a
 * URL parser reads it (spaces and controls around it dropped, tabs and
 * newlines in it too), its path (before any query or fragment) ends in
 * "/code.js", without regard to case. */
static bool
src_has_mark(const char *src, const char *mark)
{
	char dec[SM_SCAN_VALUE_MAX], url[SM_SCAN_VALUE_MAX];
	size_t n = 0, m = strlen(mark);
	decode_refs(src, dec, sizeof(dec));
	const char *p = dec;
	while (*p && (unsigned char)*p <= ' ')
		p++;
	for (; *p; p++)
		if (*p != '\t' && *p != '\n' && *p != '\r')
			url[n++] = *p;
	while (n > 0 && (unsigned char)url[n - 1] <= ' ')
		n--;
	url[n] = '\0';
	n = strcspn(url, "?#");
	return n >= m && strncasecmp(url + n - m, mark, m) == 0;
}

/* Whether the script tag just read would run its src in a browser: no
 * nomodule, and a JavaScript type or "module" (none, or empty; without a
 * type, a language makes one: "text/" and it). */
static bool
script_runs(const sm_scan *s)
{
	static const char *const js[] = {"application/ecmascript", "application/javascript",
	    "application/x-ecmascript", "application/x-javascript", "text/ecmascript",
	    "text/javascript", "text/javascript1.0", "text/javascript1.1", "text/javascript1.2",
	    "text/javascript1.3", "text/javascript1.4", "text/javascript1.5", "text/jscript",
	    "text/livescript", "text/x-ecmascript", "text/x-javascript", "module"};
	char type[SM_SCAN_VALUE_MAX + 8];
	if (s->vset[SM_SCAN_A_NOMODULE])
		return false;
	if (s->vset[SM_SCAN_A_TYPE]) {
		if (s->vover[SM_SCAN_A_TYPE])
			return false;
		snprintf(type, sizeof(type), "%s", s->val[SM_SCAN_A_TYPE]);
	} else if (s->vset[SM_SCAN_A_LANGUAGE] && s->vlen[SM_SCAN_A_LANGUAGE] > 0) {
		if (s->vover[SM_SCAN_A_LANGUAGE])
			return false;
		snprintf(type, sizeof(type), "text/%s", s->val[SM_SCAN_A_LANGUAGE]);
	} else {
		return true;
	}
	char *t = type;
	while (html_space((unsigned char)*t))
		t++;
	size_t n = strlen(t);
	while (n > 0 && html_space((unsigned char)t[n - 1]))
		t[--n] = '\0';
	for (char *c = t; *c; c++)
		*c = (char)lower((unsigned char)*c);
	return n == 0 || NAMED(t, js);
}

/* ------------------------------------------------------------ where things stand */

/* The snippet, its <script> tag beginning at AT.  After the head gave way
 * (a browser opened the body at a tag or text the head cannot hold, such
 * as the snippet's own <span>), where it stands waits for the page: a
 * </head> or <body> later says it was written in the head (and shows at
 * the top of the page, not at its foot); none, and it is in the body. */
static void
mark_found(sm_scan *s, int64_t at)
{
	if (s->body_end >= 0)
		s->mark_after = true;
	else if (s->body_start >= 0 || s->head_end >= 0 || s->head_start < 0)
		s->mark_body = at;
	else if (s->head_gave_way >= 0)
		s->mark_maybe = at;
	else
		s->mark_head = true;
}

/* In the head: it began, and neither ended nor gave way to the body. */
static bool
in_head(const sm_scan *s)
{
	return s->head_start >= 0 && s->head_end < 0 && s->body_start < 0 && s->head_gave_way < 0;
}

/* The body opens at AT without a <body> (a tag or text the head cannot hold). */
static void
body_opens(sm_scan *s, int64_t at)
{
	s->head_gave_way = at;
}

/* A snippet found after the head gave way: written in the head (HEAD: a
 * </head> or <body> followed it), else in the body. */
static void
mark_settle(sm_scan *s, bool head)
{
	if (s->mark_maybe < 0)
		return;
	if (head)
		s->mark_head = true;
	else
		s->mark_body = s->mark_maybe;
	s->mark_maybe = -1;
}

/* ------------------------------------------------------------ tags */

static const char *const raw_elements[] = {"script", "style", "textarea", "title", "xmp",
    "noscript", "noembed", "noframes", "iframe", "plaintext"};
/* what the head holds; another start tag opens the body */
static const char *const head_elements[] = {"base", "basefont", "bgsound", "link", "meta",
    "title", "style", "script", "noscript", "template", "head", "html"};

static const char *const attr_names[SM_SCAN_A_COUNT] = {
	[SM_SCAN_A_SRC] = "src", [SM_SCAN_A_TYPE] = "type", [SM_SCAN_A_LANGUAGE] = "language",
	[SM_SCAN_A_NOMODULE] = "nomodule", [SM_SCAN_A_CHARSET] = "charset",
	[SM_SCAN_A_CONTENT] = "content", [SM_SCAN_A_HREF] = "href",
	[SM_SCAN_A_ENCODING] = "encoding",
};

/* HTML start tags that end foreign content (svg, math) where they stand */
static const char *const breakout[] = {"b", "big", "blockquote", "body", "br", "center",
    "code", "dd", "div", "dl", "dt", "em", "embed", "h1", "h2", "h3", "h4", "h5", "h6",
    "head", "hr", "i", "img", "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre",
    "ruby", "s", "small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul",
    "var"};

/* The elements s->nest keeps: svg and math, the HTML integration points
 * (svg's first, then MathML's), and MathML's two that stay MathML in a text
 * integration point. */
enum { NS_SVG = 1, NS_MATH = 2 };
enum { N_SVG, N_MATH, N_FOREIGNOBJECT, N_DESC, N_TITLE, N_MI, N_MO, N_MN, N_MS, N_MTEXT,
	N_ANNOTATION_XML, N_MGLYPH, N_MALIGNMARK, N_COUNT };
static const char *const nest_names[N_COUNT] = {"svg", "math", "foreignobject", "desc", "title",
    "mi", "mo", "mn", "ms", "mtext", "annotation-xml", "mglyph", "malignmark"};
/* HTML elements with no end tag (an HTML element open in a point is counted) */
static const char *const void_elements[] = {"area", "base", "br", "col", "embed", "hr", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr"};

static int
nest_name(const char *n)
{
	for (int i = 0; i < N_COUNT; i++)
		if (strcmp(n, nest_names[i]) == 0)
			return i;
	return -1;
}

static struct sm_scan_frame *
nest_top(sm_scan *s)
{
	return s->nest_n > 0 ? &s->nest[s->nest_n - 1] : NULL;
}

/* In foreign content: no script runs its src there, and CDATA sections. */
static bool
in_foreign(const sm_scan *s)
{
	return s->nest_lost || (s->nest_n > 0 && !s->nest[s->nest_n - 1].point);
}

static void
nest_push(sm_scan *s, int ns, int name, bool point)
{
	if (s->nest_n == SM_SCAN_NEST_MAX) {
		s->nest_lost = true; /* too deep to follow: foreign to the end */
		return;
	}
	s->nest[s->nest_n++] = (struct sm_scan_frame){.ns = (unsigned char)ns,
	    .name = (unsigned char)name, .point = point};
}

/* A start tag NAME (an index of nest_names, or -1) in foreign content: the
 * element it opens is in the language around it (an <svg> in math is
 * MathML's), and an integration point when it is one of that language
 * (an annotation-xml only of HTML: its encoding, references decoded). */
static void
foreign_start(sm_scan *s, int name)
{
	const struct sm_scan_frame *top = nest_top(s);
	int ns = top->ns;
	if (s->self_closing || name < 0)
		return;
	if (name == N_SVG || name == N_MATH) {
		nest_push(s, ns, name, false);
		return;
	}
	bool point = ns == NS_SVG ? name == N_FOREIGNOBJECT || name == N_DESC || name == N_TITLE :
	    name >= N_MI && name <= N_MTEXT;
	if (ns == NS_MATH && name == N_ANNOTATION_XML && s->vset[SM_SCAN_A_ENCODING] &&
	    !s->vover[SM_SCAN_A_ENCODING]) {
		char enc[64];
		decode_refs(s->val[SM_SCAN_A_ENCODING], enc, sizeof(enc));
		point = strcasecmp(enc, "text/html") == 0 || strcasecmp(enc, "application/xhtml+xml") == 0;
	}
	if (point)
		nest_push(s, ns, name, true);
}

/* An end tag NAME (as foreign_start) where the current node is foreign (a
 * point with no HTML element open in it counts): the nearest element of
 * that name closes, with what was left open in it ("<svg><title>x</svg>"),
 * as the end tag's walk up the open elements goes in foreign content; it
 * stops at an HTML element (one open in a point), where HTML's rules
 * ignore such an end tag. */
static void
foreign_end(sm_scan *s, int name)
{
	if (name < 0)
		return;
	for (int i = s->nest_n - 1; i >= 0; i--) {
		if (s->nest[i].name == name) {
			s->nest_n = i;
			return;
		}
		if (s->nest[i].point && s->nest[i].html > 0)
			return;
	}
}

/* Start tags in a point: HTML's, counted open (but for svg, math, and
 * mglyph and malignmark in a MathML text point, which open foreign content
 * again); an end tag there closes one of them, or (none open) is the
 * foreign content's own. */
static void
point_tag(sm_scan *s, struct sm_scan_frame *top, int name)
{
	if (s->end_tag) {
		/* the point's own end tag closes it, whatever HTML seems open in
		 * it: browsers leave some of it open (and ignore the end tag) but
		 * not all (a <td>, a second <p>, a <frame>), and when in doubt
		 * foreign content again can only make a mark missing, never one
		 * no browser runs found */
		if (name == top->name)
			s->nest_n--;
		else if (top->html > 0)
			top->html -= name < 0; /* an HTML element's */
		else
			foreign_end(s, name);
		return;
	}
	if (s->self_closing && (name == N_SVG || name == N_MATH))
		return;
	if (name == N_SVG || name == N_MATH)
		nest_push(s, name == N_SVG ? NS_SVG : NS_MATH, name, false);
	else if ((name == N_MGLYPH || name == N_MALIGNMARK) && top->ns == NS_MATH &&
	    top->name >= N_MI && top->name <= N_MTEXT && !s->self_closing)
		nest_push(s, NS_MATH, name, false);
	else if (!NAMED(s->name, void_elements) && top->html < 65535)
		top->html++;
}

/* A tag's name has been read: what it opens or closes. */
static void
tag_named(sm_scan *s)
{
	const char *n = s->name;
	if (s->nlen > SM_SCAN_NAME_MAX)
		s->name[0] = '\0'; /* no tag of ours */
	/* a breakout start tag, and </p> and </br>, end foreign content where
	 * they stand: back to the HTML around it (a point, or the page) */
	if (!s->nest_lost && in_foreign(s) && (s->end_tag ? strcmp(n, "p") == 0 ||
	    strcmp(n, "br") == 0 : NAMED(n, breakout)))
		while (s->nest_n > 0 && !s->nest[s->nest_n - 1].point)
			s->nest_n--;
	bool html = s->nest_n == 0 && !s->nest_lost; /* not in svg or math at all */
	if (strcmp(n, "head") == 0 && html) {
		int64_t *at = s->end_tag ? &s->head_end : &s->head_start;
		if (*at < 0)
			*at = s->tag_at;
		if (s->end_tag)
			mark_settle(s, true);
	} else if (strcmp(n, "body") == 0 && html) {
		int64_t *at = s->end_tag ? &s->body_end : &s->body_start;
		mark_settle(s, !s->end_tag);
		if (*at < 0)
			*at = s->tag_at;
	} else if (!s->end_tag && in_head(s) && !NAMED(n, head_elements)) {
		body_opens(s, s->tag_at);
	}
	s->keep = !s->end_tag && (in_foreign(s) ? strcmp(n, "annotation-xml") == 0 :
	    strcmp(n, "script") == 0 || strcmp(n, "meta") == 0 || strcmp(n, "a") == 0);
	memset(s->vset, 0, sizeof(s->vset));
	memset(s->vover, 0, sizeof(s->vover));
	memset(s->vlen, 0, sizeof(s->vlen));
	s->cur = -1;
	s->slash = s->self_closing = false;
	s->font_breaks = false;
}

/* An attribute's name has been read: its value is kept if it is one of
 * the tag's we read (the first of a name only, as browsers do). */
static void
attr_named(sm_scan *s)
{
	s->cur = -1;
	if (s->anlen > SM_SCAN_NAME_MAX)
		return;
	s->an[s->anlen] = '\0';
	/* <font> with any of these ends foreign content, as the breakout tags */
	if (!s->end_tag && s->name[0] == 'f' && strcmp(s->name, "font") == 0 && in_foreign(s) &&
	    (strcmp(s->an, "color") == 0 || strcmp(s->an, "face") == 0 || strcmp(s->an, "size") == 0))
		s->font_breaks = true;
	if (!s->keep)
		return;
	for (int a = 0; a < SM_SCAN_A_COUNT; a++)
		if (strcmp(s->an, attr_names[a]) == 0 && !s->vset[a]) {
			s->vset[a] = true;
			s->val[a][0] = '\0';
			s->cur = a;
		}
}

static void
attr_byte(sm_scan *s, int c)
{
	if (s->cur < 0)
		return;
	if (s->vlen[s->cur] + 1 < SM_SCAN_VALUE_MAX) {
		s->val[s->cur][s->vlen[s->cur]++] = (char)c;
		s->val[s->cur][s->vlen[s->cur]] = '\0';
	} else {
		s->vover[s->cur] = true;
	}
}

/* A tag has ended ('>'): its attributes read, and what follows it. */
static void
tag_closed(sm_scan *s)
{
	const char *n = s->name;
	bool foreign = in_foreign(s);
	int name = nest_name(n);
	struct sm_scan_frame *top = nest_top(s);
	s->st = SM_SCAN_DATA;
	s->cur = -1;
	if (foreign && s->font_breaks && !s->nest_lost) {
		/* back to the HTML around it, where the font is HTML's */
		while (s->nest_n > 0 && !s->nest[s->nest_n - 1].point)
			s->nest_n--;
		top = nest_top(s);
		if (top != NULL)
			point_tag(s, top, name);
		return;
	}
	if (foreign) { /* no element's text is raw there, no script runs its src */
		if (s->nest_lost)
			return;
		if (s->end_tag)
			foreign_end(s, name);
		else
			foreign_start(s, name);
		return;
	}
	if (top != NULL) { /* HTML in an integration point */
		point_tag(s, top, name);
		if (name == N_SVG || name == N_MATH || s->nest_n == 0 || !s->nest[s->nest_n - 1].point ||
		    &s->nest[s->nest_n - 1] != top)
			return; /* svg or math opened, or the point closed */
	}
	if (s->end_tag) {
		if (strcmp(n, "template") == 0 && s->template_depth > 0)
			s->template_depth--;
		return;
	}
	if (name == N_SVG || name == N_MATH) {
		if (!s->self_closing)
			nest_push(s, name == N_SVG ? NS_SVG : NS_MATH, name, false);
		return;
	}
	if (strcmp(n, "template") == 0) {
		s->template_depth++;
		return;
	}
	if (s->keep) {
		char out[SM_SCAN_VALUE_MAX];
		if (n[0] == 's') { /* script */
			if (s->template_depth == 0 && s->vset[SM_SCAN_A_SRC] && !s->vover[SM_SCAN_A_SRC] &&
			    script_runs(s) && src_has_mark(s->val[SM_SCAN_A_SRC], s->mark))
				mark_found(s, s->tag_at);
		} else if (n[0] == 'm') { /* meta */
			if (s->charset[0] == '\0' && s->vset[SM_SCAN_A_CHARSET])
				snprintf(s->charset, sizeof(s->charset), "%.39s", s->val[SM_SCAN_A_CHARSET]);
			else if (s->charset[0] == '\0' && s->vset[SM_SCAN_A_CONTENT])
				sm_charset_of(s->val[SM_SCAN_A_CONTENT], s->charset, sizeof(s->charset));
		} else if (s->on_link && s->template_depth == 0 && s->vset[SM_SCAN_A_HREF] &&
		    !s->vover[SM_SCAN_A_HREF]) {
			decode_refs(s->val[SM_SCAN_A_HREF], out, sizeof(out));
			s->on_link(s->ud, out);
		}
	}
	if (NAMED(n, raw_elements)) {
		s->st = SM_SCAN_RAW;
		s->raw_len = (size_t)snprintf(s->raw, sizeof(s->raw), "%s", n);
		s->raw_forever = strcmp(n, "plaintext") == 0;
		s->raw_script = strcmp(n, "script") == 0;
		s->script_esc = 0;
		s->ring_n = 0;
		s->in_title = strcmp(n, "title") == 0 && !s->have_title && s->body_start < 0;
		if (s->in_title)
			s->title_len = 0;
	}
}

/* A tag's name ended at C (white space, '/' or '>'). */
static void
name_ended(sm_scan *s, int c)
{
	tag_named(s);
	if (c == '>') {
		tag_closed(s);
	} else {
		s->st = SM_SCAN_ATTR_BEFORE;
		s->slash = c == '/';
	}
}

/* ------------------------------------------------------------ element text */

static void
ring_push(sm_scan *s, int c)
{
	if (s->ring_n == SM_SCAN_RING) {
		memmove(s->ring, s->ring + 1, SM_SCAN_RING - 1);
		s->ring_n--;
	}
	s->ring[s->ring_n++] = (unsigned char)lower(c);
}

/* Whether the text read last ends with the N bytes of TAIL. */
static bool
ring_ends(const sm_scan *s, const char *tail, size_t n)
{
	return s->ring_n >= n && memcmp(s->ring + s->ring_n - n, tail, n) == 0;
}

/* Whether the text read last is "<" or "</" (END) and the element's name. */
static bool
ring_tag(const sm_scan *s, bool end)
{
	char t[SM_SCAN_NAME_MAX + 3];
	int n = snprintf(t, sizeof(t), "%s%s", end ? "</" : "<", s->raw);
	return n > 0 && ring_ends(s, t, (size_t)n);
}

/* One byte C of an element's text (script's with its escaped states):
 * whether C ended it (its end tag's name just read). */
static bool
raw_byte(sm_scan *s, int c)
{
	if (html_space(c) || c == '/' || c == '>') {
		if (ring_tag(s, true)) {
			if (s->raw_script && s->script_esc == 2) {
				s->script_esc = 1; /* "</script>" ends only the double escape */
			} else {
				return true;
			}
		} else if (s->raw_script && s->script_esc == 1 && ring_tag(s, false)) {
			s->script_esc = 2;
		}
	}
	ring_push(s, c);
	if (s->raw_script) {
		if (s->script_esc == 0 && ring_ends(s, "<!--", 4))
			s->script_esc = 1;
		else if (s->script_esc > 0 && ring_ends(s, "-->", 3))
			s->script_esc = 0;
	}
	return false;
}

/* ------------------------------------------------------------ the bytes */

/* Text bytes from I up to the next '<' (or the end): in the head, the
 * first that is not white space opens the body.  The index of the '<'. */
static size_t
skip_text(sm_scan *s, const unsigned char *buf, size_t i, size_t len)
{
	const unsigned char *lt = memchr(buf + i, '<', len - i);
	size_t end = lt ? (size_t)(lt - buf) : len;
	if (in_head(s))
		for (size_t k = i; k < end; k++)
			if (!html_space(buf[k])) {
				body_opens(s, s->pos + (int64_t)(k - i));
				break;
			}
	return end;
}

void
sm_scan_bytes(sm_scan *s, const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++, s->pos++) {
		int c = buf[i], lc = lower(c);
		switch (s->st) {
		case SM_SCAN_DATA: {
			size_t lt = skip_text(s, buf, i, len);
			s->pos += (int64_t)(lt - i);
			i = lt;
			if (i == len) {
				i--; /* the loop's step: LEN read */
				s->pos--;
				break;
			}
			s->st = SM_SCAN_LT;
			s->tag_at = s->pos;
			break;
		}
		case SM_SCAN_LT:
			if (isalpha(c) || c == '/') {
				s->end_tag = c == '/';
				s->nlen = s->end_tag ? 0 : 1;
				s->name[0] = (char)lc;
				s->name[s->nlen] = '\0';
				s->st = SM_SCAN_NAME;
			} else if (c == '!') {
				s->st = SM_SCAN_BANG;
				s->blen = 0;
			} else if (c == '?') {
				s->st = SM_SCAN_BOGUS;
			} else if (c == '<') {
				s->tag_at = s->pos; /* "<<": the second may begin a tag */
			} else {
				s->st = SM_SCAN_DATA; /* a '<' of text */
				if (in_head(s) && !html_space(c))
					body_opens(s, s->tag_at);
			}
			break;
		case SM_SCAN_BANG:
			s->bang[s->blen++] = (char)c;
			if (s->blen == 2 && memcmp(s->bang, "--", 2) == 0) {
				s->st = SM_SCAN_COMMENT;
				s->dashes = 2; /* "<!-->" and "<!--->" end at once */
				s->comment_bang = false;
			} else if (in_foreign(s) && s->blen == 7 && memcmp(s->bang, "[CDATA[", 7) == 0) {
				s->st = SM_SCAN_CDATA;
				s->ring_n = 0;
			} else if (memcmp(s->bang, "--", s->blen < 2 ? s->blen : 2) != 0 &&
			    (!in_foreign(s) || memcmp(s->bang, "[CDATA[", s->blen) != 0)) {
				s->st = c == '>' ? SM_SCAN_DATA : SM_SCAN_BOGUS;
			}
			break;
		case SM_SCAN_COMMENT:
			if (c == '>' && (s->dashes >= 2 || s->comment_bang)) {
				s->st = SM_SCAN_DATA;
			} else if (c == '-') {
				s->dashes++;
				s->comment_bang = false;
			} else if (c == '!' && s->dashes >= 2) {
				s->comment_bang = true;
				s->dashes = 0;
			} else {
				s->dashes = 0;
				s->comment_bang = false;
			}
			break;
		case SM_SCAN_BOGUS:
			if (c == '>')
				s->st = SM_SCAN_DATA;
			break;
		case SM_SCAN_CDATA:
			ring_push(s, c);
			if (ring_ends(s, "]]>", 3))
				s->st = SM_SCAN_DATA;
			break;
		case SM_SCAN_NAME:
			if (html_space(c) || c == '/' || c == '>') {
				if (s->nlen == 0) { /* "</" and no name: not a tag */
					s->st = c == '>' ? SM_SCAN_DATA : SM_SCAN_BOGUS;
					break;
				}
				name_ended(s, c);
				break;
			}
			if (s->nlen == 0 && !isalpha(c)) { /* "</" then no letter: a bogus comment */
				s->st = SM_SCAN_BOGUS;
				break;
			}
			if (s->nlen < SM_SCAN_NAME_MAX) {
				s->name[s->nlen] = c == '\0' ? '?' : (char)lc;
				s->name[s->nlen + 1] = '\0';
			}
			s->nlen++;
			break;
		case SM_SCAN_ATTR_BEFORE:
		case SM_SCAN_ATTR_AFTER:
			if (c == '>') {
				s->self_closing = s->slash;
				tag_closed(s);
			} else if (c == '/') {
				s->slash = true;
				s->st = SM_SCAN_ATTR_BEFORE;
			} else if (html_space(c)) {
				s->slash = false;
			} else if (c == '=' && s->st == SM_SCAN_ATTR_AFTER) {
				s->st = SM_SCAN_VALUE_BEFORE;
			} else {
				s->slash = false;
				s->an[0] = c == '\0' ? '?' : (char)lc;
				s->anlen = 1;
				s->cur = -1;
				s->st = SM_SCAN_ATTR_NAME;
			}
			break;
		case SM_SCAN_ATTR_NAME:
			if (html_space(c) || c == '/' || c == '>' || c == '=') {
				attr_named(s);
				if (c == '=') {
					s->st = SM_SCAN_VALUE_BEFORE;
				} else if (c == '>') {
					tag_closed(s);
				} else {
					s->st = c == '/' ? SM_SCAN_ATTR_BEFORE : SM_SCAN_ATTR_AFTER;
					s->slash = c == '/';
				}
				break;
			}
			if (s->anlen < SM_SCAN_NAME_MAX)
				s->an[s->anlen] = c == '\0' ? '?' : (char)lc;
			s->anlen++;
			break;
		case SM_SCAN_VALUE_BEFORE:
			if (c == '"')
				s->st = SM_SCAN_VALUE_DQ;
			else if (c == '\'')
				s->st = SM_SCAN_VALUE_SQ;
			else if (c == '>')
				tag_closed(s);
			else if (!html_space(c)) {
				attr_byte(s, c);
				s->st = SM_SCAN_VALUE_UNQ;
			}
			break;
		case SM_SCAN_VALUE_DQ:
		case SM_SCAN_VALUE_SQ:
			if (c == (s->st == SM_SCAN_VALUE_DQ ? '"' : '\'')) {
				s->cur = -1;
				s->slash = false;
				s->st = SM_SCAN_ATTR_BEFORE;
			} else {
				attr_byte(s, c);
			}
			break;
		case SM_SCAN_VALUE_UNQ:
			if (html_space(c)) {
				s->cur = -1;
				s->slash = false;
				s->st = SM_SCAN_ATTR_BEFORE;
			} else if (c == '>') {
				tag_closed(s);
			} else {
				attr_byte(s, c);
			}
			break;
		case SM_SCAN_RAW:
			if (s->raw_forever)
				break; /* plaintext: text to the end */
			if (s->in_title && s->title_len < SM_SCAN_TITLE_MAX - 1)
				s->title[s->title_len++] = (char)c;
			if (!raw_byte(s, c))
				break;
			/* its end tag: read on as any end tag */
			if (s->in_title) {
				size_t n = s->raw_len + 3; /* "</name" and this byte */
				s->title_len = s->title_len >= n ? s->title_len - n : 0;
				s->have_title = true;
				s->in_title = false;
			}
			snprintf(s->name, sizeof(s->name), "%s", s->raw);
			s->nlen = s->raw_len;
			s->end_tag = true;
			s->tag_at = s->pos - (int64_t)s->raw_len - 2;
			name_ended(s, c);
			break;
		}
	}
}

/* Whether the verdict is settled: the snippet stands in the body and the
 * body has ended (nothing after can change it). */
bool
sm_scan_settled(const sm_scan *s)
{
	return s->mark_body >= 0 && s->body_end >= 0;
}

/* Where the snippet stands, once the page has been read (END: its length). */
sm_mark_where
sm_scan_where(const sm_scan *s)
{
	int64_t mark = s->mark_body >= 0 ? s->mark_body : s->mark_maybe;
	if (mark >= 0) {
		int64_t end = s->body_end >= 0 ? s->body_end : s->pos;
		int64_t start = s->body_start >= 0 ? s->body_start : s->head_end >= 0 ? s->head_end :
		    s->head_gave_way >= 0 ? s->head_gave_way : 0;
		int64_t tail = end - mark;
		if (s->body_end >= 0 && (tail <= NEAR_END || tail * 4 <= end - start))
			return SM_WHERE_BODY_END;
		return s->body_end >= 0 ? SM_WHERE_BODY : SM_WHERE_BODY_END;
	}
	if (s->mark_head)
		return SM_WHERE_HEAD;
	if (s->mark_after)
		return SM_WHERE_AFTER_BODY;
	return SM_WHERE_MISSING;
}

sm_mark_where
sm_mark_scan(const char *code, const char *html, size_t len, size_t chunk)
{
	static __thread sm_scan s;
	sm_scan_init(&s, code);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t at = 0; at < len; at += chunk)
		sm_scan_bytes(&s, (const unsigned char *)html + at, len - at < chunk ? len - at : chunk);
	return sm_scan_where(&s);
}
