/* tui_pager.c - a pager of text lines (case detail, history, help). */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_i18n.h"
#include "sm_text.h"
#include "tui.h"
#include "tui_curses.h"

#define PAGER_WIDTH 78  /* lines are wrapped for the 80-column minimum */
#define LABEL_WIDTH 24

void
tui_pager_clear(tui_pager *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->search);
	memset(p, 0, sizeof(*p));
}

static void
push(tui_pager *p, char *line)
{
	if (line == NULL)
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		char **l = realloc(p->lines, cap * sizeof(*l));
		if (l == NULL) {
			free(line);
			return;
		}
		p->lines = l;
		p->cap = cap;
	}
	p->lines[p->n++] = line;
}

/* Add TEXT (neutralised, one paragraph per '\n') wrapped at WIDTH cells,
 * each line after INDENT prefixed by INDENT spaces and the first by FIRST. */
static void
wrap(tui_pager *p, const char *first, int indent, const char *text)
{
	char *clean = sm_text_neutralise(text ? text : "", (size_t)-1, true);
	const char *s = clean ? clean : "";
	bool first_line = true;
	int width = PAGER_WIDTH - indent;
	for (;;) {
		const char *nl = strchr(s, '\n');
		size_t para = nl ? (size_t)(nl - s) : strlen(s);
		char *chunk = strndup(s, para);
		const char *c = chunk ? chunk : "";
		do {
			size_t cells = 0;
			size_t n = sm_text_fit(c, (size_t)width, &cells), skip = 0;
			if (n == 0 && *c)
				n = sm_text_next(c, 0);
			/* words are not cut: break at the last space of the line's
			 * second half (Chinese, without spaces, breaks anywhere) */
			if (c[n] != '\0' && c[n] != ' ' && n > 0 && c[n - 1] != ' ') {
				size_t sp = n;
				while (sp > n / 2 && c[sp - 1] != ' ')
					sp--;
				if (sp > n / 2) {
					n = sp - 1;
					skip = 1;
				}
			} else if (c[n] == ' ') {
				skip = 1;
			}
			char *line = NULL;
			if (asprintf(&line, "%s%*s%.*s", first_line ? first : "",
			    first_line ? 0 : indent, "", (int)n, c) < 0)
				line = NULL;
			push(p, line);
			first_line = false;
			c += n + skip;
		} while (*c);
		free(chunk);
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	free(clean);
}

void
tui_pager_add(tui_pager *p, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	wrap(p, "", 0, text ? text : "");
	free(text);
}

void
tui_pager_field(tui_pager *p, const char *label, const char *value)
{
	char pad[256];
	char first[300];
	if (label && sm_text_width(label) > LABEL_WIDTH) {
		/* a long label on its own line rather than cut */
		wrap(p, "  ", 2, label);
		label = "";
	}
	sm_text_pad(pad, sizeof(pad), label ? label : "", LABEL_WIDTH, '>');
	snprintf(first, sizeof(first), "  %s ", pad);
	wrap(p, first, LABEL_WIDTH + 3, value ? value : "");
}

/* Lines of a snippet being packed. */
struct packer {
	tui_pager *p;
	char *line;
	size_t len;
};

/* Add S[0..N) to the line, after a space when SPACE; on a new line when it
 * does not fit or BREAK_BEFORE. */
static void
pack(struct packer *k, const char *s, size_t n, bool space, bool break_before)
{
	if (k->len > 0 && (break_before || k->len + (space ? 1 : 0) + n > PAGER_WIDTH)) {
		push(k->p, strndup(k->line, k->len));
		k->len = 0;
	}
	if (k->len > 0 && space)
		k->line[k->len++] = ' ';
	memcpy(k->line + k->len, s, n);
	k->len += n;
}

void
tui_pager_snippet(tui_pager *p, const char *html)
{
	char *clean = sm_text_neutralise(html ? html : "", (size_t)-1, false);
	const char *s = clean ? clean : "";
	size_t n = strlen(s), start = 0;
	struct packer k = {p, calloc(n + 1, 1), 0};
	bool quoted = false;

	if (k.line == NULL) {
		tui_pager_add(p, "%s", s);
		free(clean);
		return;
	}
	/* Words end at spaces outside quotes and between '>' and '<' (the
	 * snippet is ASCII: a byte is a cell). */
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] == '"')
			quoted = !quoted;
		if (i < n && !(i > 0 && !quoted && (s[i] == ' ' || (s[i] == '<' && s[i - 1] == '>'))))
			continue;
		const char *w = s + start;
		size_t len = i - start;
		bool space = start > 0 && s[start - 1] == ' ';
		const char *eq = len > PAGER_WIDTH ? memchr(w, '=', len) : NULL;
		const char *close = eq && eq[1] == '"' ? memchr(eq + 2, '"', len - (size_t)(eq + 2 - w)) : NULL;
		if (len > 0 && close == NULL) {
			pack(&k, w, len, space, false);
		} else if (len > 0) {
			/* too long for a line: NAME= here, "VALUE" on a line of
			 * its own, what follows the value after it */
			pack(&k, w, (size_t)(eq + 1 - w), space, false);
			pack(&k, eq + 1, (size_t)(close - eq), false, true);
			if (close + 1 < w + len)
				pack(&k, close + 1, (size_t)(w + len - close - 1), false, true);
		}
		start = i < n && s[i] == ' ' ? i + 1 : i;
	}
	if (k.len > 0)
		push(p, strndup(k.line, k.len));
	free(k.line);
	free(clean);
}

void
tui_pager_draw(tui_pager *p, tui *t, int top, int rows)
{
	if (p->n > 0 && p->top >= p->n)
		p->top = p->n - 1;
	for (int r = 0; r < rows; r++) {
		size_t i = p->top + (size_t)r;
		if (i >= p->n)
			break;
		bool hit = p->search && *p->search && strstr(p->lines[i], p->search);
		if (hit)
			attron(A_BOLD);
		const char *line = p->lines[i];
		if (p->left > 0) {
			size_t cells = 0;
			line += sm_text_fit(line, p->left, &cells);
		}
		tui_text(top + r, 0, t->cols, line, false);
		if (hit)
			attroff(A_BOLD);
	}
}

static bool
pager_find(tui_pager *p, bool forward)
{
	for (size_t k = 1; k <= p->n; k++) {
		size_t i = forward ? (p->top + k) % p->n : (p->top + p->n - k) % p->n;
		if (strstr(p->lines[i], p->search)) {
			p->top = i;
			return true;
		}
	}
	return false;
}

int
tui_pager_handle(tui_pager *p, tui *t, enum tui_act act, int rows)
{
	size_t page = rows > 1 ? (size_t)rows - 1 : 1;
	size_t last = p->n > (size_t)rows ? p->n - (size_t)rows : 0;
	switch (act) {
	case A_UP:
		if (p->top > 0)
			p->top--;
		return TUI_DRAW;
	case A_DOWN:
		if (p->top < last)
			p->top++;
		return TUI_DRAW;
	case A_PGUP:
		p->top = p->top > page ? p->top - page : 0;
		return TUI_DRAW;
	case A_PGDN:
		p->top = p->top + page < last ? p->top + page : last;
		return TUI_DRAW;
	case A_HOME:
		p->top = 0;
		return TUI_DRAW;
	case A_GO_RIGHT: {
		/* as far as the widest line needs */
		size_t widest = 0;
		for (size_t i = 0; i < p->n; i++)
			if (sm_text_width(p->lines[i]) > widest)
				widest = sm_text_width(p->lines[i]);
		if (t->cols > 0 && widest > p->left + (size_t)t->cols)
			p->left += (size_t)t->cols / 2;
		return TUI_DRAW;
	}
	case A_GO_LEFT:
		p->left = p->left > (size_t)t->cols / 2 ? p->left - (size_t)t->cols / 2 : 0;
		return TUI_DRAW;
	case A_END:
		p->top = last;
		return TUI_DRAW;
	case A_SEARCH: {
		char *s = tui_prompt_history(t, _("Search:"), &t->searches);
		if (s && *s == '\0') { /* empty: the last search stays for n, N */
			free(s);
			s = NULL;
		}
		if (s) {
			free(p->search);
			p->search = s;
			if (*s && !pager_find(p, true))
				tui_msg(t, true, _("Not found: %s"), s);
		}
		return TUI_DRAW;
	}
	case A_SEARCH_NEXT:
	case A_SEARCH_PREV:
		if (p->search == NULL || !*p->search)
			tui_msg(t, true, "%s", _("No search yet: press / first"));
		else if (!pager_find(p, act == A_SEARCH_NEXT))
			tui_msg(t, true, _("Not found: %s"), p->search);
		return TUI_DRAW;
	default:
		return 0;
	}
}
