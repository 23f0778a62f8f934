/* sm_scan.c - the mark monitor's page scanner (sm_scan.h). */
#include <config.h>

#include "sm_scan.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NEAR_END 8192  /* the snippet within so many bytes of </body> is near its end */

void
sm_scan_init(sm_scan *s, const char *code)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->mark, sizeof(s->mark), "/%s.js", code);
	for (char *m = s->mark; *m; m++) /* matched in lower case */
		if (*m >= 'A' && *m <= 'Z')
			*m = (char)(*m + ('a' - 'A'));
	s->head_start = s->head_end = s->body_start = s->body_end = s->mark_body = -1;
}

/* The value of attribute NAME among ATTRS (a start tag's text after its
 * name, NUL-terminated), into OUT ("" for one without a value); false when
 * the tag has no such attribute.  Names are whole ("data-src" is not
 * "src") and values taken with their quotes, so that nothing inside one
 * is read as another attribute. */
static bool
tag_attr(const char *attrs, const char *name, char *out, size_t outsz)
{
	const char *p = attrs;
	size_t want = strlen(name);
	for (;;) {
		while (*p && (isspace((unsigned char)*p) || *p == '/'))
			p++;
		if (*p == '\0')
			return false;
		const char *an = p;
		while (*p && !isspace((unsigned char)*p) && *p != '=' && *p != '/')
			p++;
		size_t al = (size_t)(p - an);
		while (isspace((unsigned char)*p))
			p++;
		const char *v = p;
		size_t vl = 0;
		if (*p == '=') {
			p++;
			while (isspace((unsigned char)*p))
				p++;
			if (*p == '"' || *p == '\'') {
				char q = *p++;
				v = p;
				while (*p && *p != q)
					p++;
				vl = (size_t)(p - v);
				if (*p)
					p++;
			} else {
				v = p;
				while (*p && !isspace((unsigned char)*p))
					p++;
				vl = (size_t)(p - v);
			}
		}
		if (al == 0) { /* a stray '=' */
			if (*p)
				p++;
			continue;
		}
		if (al == want && strncasecmp(an, name, want) == 0) {
			size_t n = vl < outsz - 1 ? vl : outsz - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
	}
}

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

/* Whether the script source SRC (a URL) is the mark's: its path (before
 * any query or fragment) ends in "/code.js", without regard to case. */
static bool
src_has_mark(const char *src, const char *mark)
{
	size_t n = strcspn(src, "?#"), m = strlen(mark);
	return n >= m && strncasecmp(src + n - m, mark, m) == 0;
}

/* The elements whose content is text, not markup. */
static bool
raw_element(const char *name)
{
	static const char *const raw[] = {"script", "style", "textarea", "title", "xmp",
	    "noscript", "noembed", "noframes", "iframe", "template", "plaintext"};
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		if (strcmp(name, raw[i]) == 0)
			return true;
	return false;
}

/* The snippet, its <script> tag beginning at AT. */
static void
mark_found(sm_scan *s, int64_t at)
{
	if (s->body_end >= 0)
		s->mark_after = true;
	else if (s->body_start >= 0 || s->head_end >= 0 || s->head_start < 0)
		s->mark_body = at;
	else
		s->mark_head = true;
}

/* A tag's name has been read: what it opens or closes. */
static void
tag_named(sm_scan *s)
{
	const char *n = s->name;
	int64_t *at = NULL;
	if (strcmp(n, "head") == 0)
		at = s->end_tag ? &s->head_end : &s->head_start;
	else if (strcmp(n, "body") == 0)
		at = s->end_tag ? &s->body_end : &s->body_start;
	if (at != NULL && *at < 0)
		*at = s->tag_at;
	s->keep = !s->end_tag && (strcmp(n, "script") == 0 || strcmp(n, "meta") == 0 ||
	    strcmp(n, "a") == 0);
	s->tlen = 0;
	s->quote = 0;
	s->after_eq = false;
}

/* A tag has ended ('>'): its attributes read, and what follows it. */
static void
tag_closed(sm_scan *s)
{
	char val[SM_SCAN_TAG_MAX];
	s->st = SM_SCAN_DATA;
	if (s->end_tag)
		return;
	s->tag[s->tlen] = '\0';
	if (s->keep) {
		if (s->name[0] == 's') { /* script */
			if (tag_attr(s->tag, "src", val, sizeof(val)) && src_has_mark(val, s->mark))
				mark_found(s, s->tag_at);
		} else if (s->name[0] == 'm') { /* meta */
			if (s->charset[0] == '\0' && tag_attr(s->tag, "charset", val, sizeof(val)))
				snprintf(s->charset, sizeof(s->charset), "%.39s", val);
			else if (s->charset[0] == '\0' && tag_attr(s->tag, "content", val, sizeof(val)))
				sm_charset_of(val, s->charset, sizeof(s->charset));
		} else if (s->on_link && tag_attr(s->tag, "href", val, sizeof(val))) {
			s->on_link(s->ud, val);
		}
	}
	if (raw_element(s->name)) {
		s->st = SM_SCAN_RAW;
		s->raw_len = (size_t)snprintf(s->raw, sizeof(s->raw), "</%s", s->name);
		if (strcmp(s->name, "plaintext") == 0)
			s->raw_len = 0; /* never ends */
		s->raw_k = 0;
		s->in_title = strcmp(s->name, "title") == 0 && !s->have_title && s->body_start < 0;
		if (s->in_title)
			s->title_len = 0;
	}
}

static bool
name_byte(int c)
{
	return isalnum(c) || c == '-' || c == ':' || c == '_';
}

void
sm_scan_bytes(sm_scan *s, const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++, s->pos++) {
		int c = buf[i];
		int lc = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
		switch (s->st) {
		case SM_SCAN_DATA: {
			/* text: on to the next '<' */
			const unsigned char *lt = memchr(buf + i, '<', len - i);
			if (lt == NULL) {
				s->pos += (int64_t)(len - i) - 1;
				i = len - 1;
				break;
			}
			s->pos += lt - (buf + i);
			i = (size_t)(lt - buf);
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
				s->bang = 0;
			} else if (c == '?') {
				s->st = SM_SCAN_BOGUS;
			} else if (c == '<') {
				s->tag_at = s->pos; /* "<<": the second may begin a tag */
			} else {
				s->st = SM_SCAN_DATA; /* a '<' of text */
			}
			break;
		case SM_SCAN_BANG:
			if (c == '-' && ++s->bang == 2) {
				s->st = SM_SCAN_COMMENT;
				s->dashes = 0;
			} else if (c == '>') {
				s->st = SM_SCAN_DATA;
			} else if (c != '-') {
				s->st = SM_SCAN_BOGUS;
			}
			break;
		case SM_SCAN_COMMENT:
			if (c == '-')
				s->dashes++;
			else if (c == '>' && s->dashes >= 2)
				s->st = SM_SCAN_DATA;
			else
				s->dashes = 0;
			break;
		case SM_SCAN_BOGUS:
			if (c == '>')
				s->st = SM_SCAN_DATA;
			break;
		case SM_SCAN_NAME:
			if (isalpha(c) || (s->nlen > 0 && name_byte(c))) {
				if (s->nlen < SM_SCAN_NAME_MAX) {
					s->name[s->nlen] = (char)lc;
					s->name[s->nlen + 1] = '\0';
				}
				s->nlen++;
				break;
			}
			if (s->nlen == 0) { /* "</" and no name: not a tag */
				s->st = c == '>' ? SM_SCAN_DATA : SM_SCAN_BOGUS;
				break;
			}
			if (s->nlen > SM_SCAN_NAME_MAX)
				s->name[0] = '\0'; /* no tag of ours */
			tag_named(s);
			if (c == '>')
				tag_closed(s);
			else
				s->st = SM_SCAN_ATTRS;
			break;
		case SM_SCAN_ATTRS:
			if (s->quote) {
				if (c == s->quote)
					s->quote = 0;
			} else if (c == '>') {
				tag_closed(s);
				break;
			} else if ((c == '"' || c == '\'') && s->after_eq) {
				s->quote = (char)c;
				s->after_eq = false;
			} else if (c == '=') {
				s->after_eq = true;
			} else if (!isspace(c)) {
				s->after_eq = false;
			}
			if (s->keep && s->tlen < SM_SCAN_TAG_MAX - 1)
				s->tag[s->tlen++] = (char)c;
			break;
		case SM_SCAN_RAW:
			if (s->raw_len == 0)
				break; /* plaintext: text to the end */
			if (s->raw_k == s->raw_len) {
				/* "</name" read: its end tag, if the name ends here */
				if (!name_byte(c)) {
					if (s->in_title) {
						s->title_len = s->title_len >= s->raw_len ?
						    s->title_len - s->raw_len : 0;
						s->have_title = true;
						s->in_title = false;
					}
					snprintf(s->name, sizeof(s->name), "%s", s->raw + 2);
					s->nlen = s->raw_len - 2;
					s->end_tag = true;
					s->tag_at = s->pos - (int64_t)s->raw_len;
					s->st = SM_SCAN_NAME;
					i--; /* this byte again, as the name's end */
					s->pos--;
					break;
				}
				s->raw_k = 0; /* "</scripts": text */
			}
			if (s->in_title && s->title_len < SM_SCAN_TITLE_MAX - 1)
				s->title[s->title_len++] = (char)c;
			if (lc == (unsigned char)s->raw[s->raw_k])
				s->raw_k++;
			else
				s->raw_k = c == '<';
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
	if (s->mark_body >= 0) {
		int64_t end = s->body_end >= 0 ? s->body_end : s->pos;
		int64_t start = s->body_start >= 0 ? s->body_start : s->head_end >= 0 ? s->head_end : 0;
		int64_t tail = end - s->mark_body;
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
	sm_scan s;
	sm_scan_init(&s, code);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t at = 0; at < len; at += chunk)
		sm_scan_bytes(&s, (const unsigned char *)html + at, len - at < chunk ? len - at : chunk);
	return sm_scan_where(&s);
}
