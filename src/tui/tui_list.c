/* tui_list.c - the one list widget behind every queue and search result:
 * columns measured in cells, cursor, sort, search, filter, tags. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sm_i18n.h"
#include "sm_text.h"
#include "tui.h"
#include "tui_curses.h"

struct tui_list {
	const tui_column *cols;
	size_t ncols;
	tui_cell_fn cell;
	tui_row_attr_fn attr;
	void *ud;
	size_t n;
	size_t *shown;
	size_t nshown;
	size_t cursor, top;
	int sort_col;
	bool sort_desc;
	char *filter;
	char *search;
	bool *tag;
	int page;
};

tui_list *
tui_list_new(const tui_column *cols, size_t ncols, tui_cell_fn cell, tui_row_attr_fn attr,
             void *ud)
{
	tui_list *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->cols = cols;
	l->ncols = ncols;
	l->cell = cell;
	l->attr = attr;
	l->ud = ud;
	l->sort_col = -1;
	l->page = 20;
	return l;
}

void
tui_list_free(tui_list **lp)
{
	if (lp == NULL || *lp == NULL)
		return;
	free((*lp)->shown);
	free((*lp)->filter);
	free((*lp)->search);
	free((*lp)->tag);
	free(*lp);
	*lp = NULL;
}

static const char *
cell(const tui_list *l, size_t row, size_t col, char *buf, size_t bufsz)
{
	buf[0] = '\0';
	const char *s = l->cell(l->ud, row, col, buf, bufsz);
	return s ? s : "";
}

/* Case-insensitive (ASCII) substring. */
static bool
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return true;
	for (const char *p = hay; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static bool
row_matches(const tui_list *l, size_t row, const char *text)
{
	char buf[512];
	for (size_t c = 0; c < l->ncols; c++)
		if (contains(cell(l, row, c, buf, sizeof(buf)), text))
			return true;
	return false;
}

static const tui_list *sorting; /* the list qsort compares for */

static int
compare_rows(const void *a, const void *b)
{
	const tui_list *l = sorting;
	size_t ra = *(const size_t *)a, rb = *(const size_t *)b;
	char ba[512], bb[512];
	const char *sa = cell(l, ra, (size_t)l->sort_col, ba, sizeof(ba));
	const char *sb = cell(l, rb, (size_t)l->sort_col, bb, sizeof(bb));
	int r;
	if (l->cols[l->sort_col].numeric) {
		long long x = atoll(sa), y = atoll(sb);
		r = x < y ? -1 : x > y;
	} else {
		/* empty cells last, whichever the order */
		if (!*sa != !*sb)
			return *sa ? -1 : 1;
		r = strcoll(sa, sb);
	}
	if (r == 0)
		r = ra < rb ? -1 : ra > rb;
	return l->sort_desc ? -r : r;
}

static void
rebuild(tui_list *l, size_t keep_row)
{
	size_t *s = realloc(l->shown, (l->n ? l->n : 1) * sizeof(*s));
	if (s == NULL)
		return;
	l->shown = s;
	l->nshown = 0;
	for (size_t r = 0; r < l->n; r++)
		if (l->filter == NULL || row_matches(l, r, l->filter))
			l->shown[l->nshown++] = r;
	if (l->sort_col >= 0 && l->nshown > 1) {
		sorting = l;
		qsort(l->shown, l->nshown, sizeof(size_t), compare_rows);
		sorting = NULL;
	}
	l->cursor = 0;
	for (size_t i = 0; i < l->nshown; i++)
		if (l->shown[i] == keep_row) {
			l->cursor = i;
			break;
		}
	if (l->top > l->cursor)
		l->top = l->cursor;
}

void
tui_list_reset(tui_list *l, size_t n)
{
	size_t keep = tui_list_current(l);
	bool *tag = realloc(l->tag, (n ? n : 1) * sizeof(bool));
	if (tag == NULL)
		return;
	for (size_t i = l->n; i < n; i++)
		tag[i] = false;
	l->tag = tag;
	l->n = n;
	rebuild(l, keep);
	if (l->cursor >= l->nshown && l->nshown)
		l->cursor = l->nshown - 1;
}

size_t
tui_list_current(const tui_list *l)
{
	return l->cursor < l->nshown ? l->shown[l->cursor] : (size_t)-1;
}

size_t
tui_list_row_at(const tui_list *l, size_t pos)
{
	return pos < l->nshown ? l->shown[pos] : (size_t)-1;
}

size_t
tui_list_position(const tui_list *l)
{
	return l->nshown ? l->cursor + 1 : 0;
}

size_t
tui_list_shown(const tui_list *l)
{
	return l->nshown;
}

bool
tui_list_select(tui_list *l, size_t row)
{
	for (size_t i = 0; i < l->nshown; i++)
		if (l->shown[i] == row) {
			l->cursor = i;
			return true;
		}
	return false;
}

void
tui_list_next(tui_list *l)
{
	if (l->cursor + 1 < l->nshown)
		l->cursor++;
}

size_t
tui_list_tagged(const tui_list *l, size_t **rows)
{
	size_t n = 0;
	if (rows)
		*rows = NULL;
	for (size_t i = 0; i < l->nshown; i++)
		if (l->tag[l->shown[i]])
			n++;
	if (rows == NULL || n == 0)
		return n;
	if ((*rows = malloc(n * sizeof(size_t))) == NULL)
		return 0;
	n = 0;
	for (size_t i = 0; i < l->nshown; i++)
		if (l->tag[l->shown[i]])
			(*rows)[n++] = l->shown[i];
	return n;
}

bool
tui_list_is_tagged(const tui_list *l, size_t row)
{
	return row < l->n && l->tag[row];
}

void
tui_list_set_tag(tui_list *l, size_t row, bool on)
{
	if (row < l->n)
		l->tag[row] = on;
}

void
tui_list_untag(tui_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		l->tag[i] = false;
}

/* Column widths: fixed ones as given, the rest share what is left. */
static void
widths(const tui_list *l, int total, int *w)
{
	int fixed = 0, flex = 0;
	for (size_t c = 0; c < l->ncols; c++) {
		if (l->cols[c].width > 0)
			fixed += l->cols[c].width;
		else
			flex++;
		fixed += 1; /* separator */
	}
	int left = total - fixed;
	for (size_t c = 0; c < l->ncols; c++) {
		if (l->cols[c].width > 0) {
			w[c] = l->cols[c].width;
		} else {
			w[c] = flex ? left / flex : 0;
			if (w[c] < 4)
				w[c] = 4;
			left -= w[c];
			flex--;
		}
	}
}

void
tui_list_draw(tui_list *l, tui *t, int top, int rows)
{
	int w[32];
	char buf[512];
	size_t nc = l->ncols < 32 ? l->ncols : 32;
	int data = rows - 1;

	if (rows < 2)
		return;
	l->page = data;
	widths(l, t->cols - 1, w);
	/* header */
	attron(A_BOLD | A_UNDERLINE);
	move(top, 0);
	addch(' ');
	int x = 1;
	for (size_t c = 0; c < nc; c++) {
		char title[128];
		snprintf(title, sizeof(title), "%s%s", _(l->cols[c].title),
		    (int)c == l->sort_col ? (l->sort_desc ? "v" : "^") : "");
		tui_text(top, x, w[c], title, true);
		x += w[c];
		if (x < t->cols)
			mvaddch(top, x++, ' ');
	}
	attroff(A_BOLD | A_UNDERLINE);
	if (l->nshown == 0) {
		tui_text(top + 2, 2, t->cols - 4,
		    l->filter ? _("No case matches the filter.") : _("Nothing here."), false);
		return;
	}
	if (l->cursor >= l->nshown)
		l->cursor = l->nshown - 1;
	if (l->cursor < l->top)
		l->top = l->cursor;
	if (l->cursor >= l->top + (size_t)data)
		l->top = l->cursor - (size_t)data + 1;
	for (int r = 0; r < data; r++) {
		size_t i = l->top + (size_t)r;
		if (i >= l->nshown)
			break;
		size_t row = l->shown[i];
		int pair = l->attr ? l->attr(l->ud, row) : 0;
		int y = top + 1 + r;
		/* The cursor row shows a '>' and its first column in reverse video;
		 * a row's colour (overdue) starts after that column.  So moving the
		 * cursor rewrites a few plain cells, not two whole rows of Chinese:
		 * a few dozen bytes over a slow link, not hundreds. */
		bool cur = i == l->cursor;
		/* --reverse-cursor (console.cursor: reverse): the whole row */
		bool whole = cur && t->opts.reverse_cursor;
		if (cur)
			attron(A_REVERSE);
		move(y, 0);
		addch(l->tag[row] ? '*' : cur ? '>' : ' ');
		x = 1;
		for (size_t c = 0; c < nc; c++) {
			if (c == 1 && pair)
				tui_attr(t, pair, true, 0);
			tui_text(y, x, w[c], cell(l, row, c, buf, sizeof(buf)), true);
			x += w[c];
			if (c == 0 && cur && !whole)
				attroff(A_REVERSE);
			if (x < t->cols)
				mvaddch(y, x++, ' ');
		}
		if (pair)
			tui_attr(t, pair, false, 0);
		if (whole) {
			while (x < t->cols)
				mvaddch(y, x++, ' ');
			attroff(A_REVERSE);
		}
	}
}

static bool
find(tui_list *l, const char *text, bool forward)
{
	for (size_t k = 1; k <= l->nshown; k++) {
		size_t i = forward ? (l->cursor + k) % l->nshown :
		    (l->cursor + l->nshown - k) % l->nshown;
		if (row_matches(l, l->shown[i], text)) {
			l->cursor = i;
			return true;
		}
	}
	return false;
}

int
tui_list_handle(tui_list *l, tui *t, enum tui_act act)
{
	size_t page = l->page > 0 ? (size_t)l->page : 1;
	switch (act) {
	case A_UP:
		if (l->cursor > 0)
			l->cursor--;
		return TUI_DRAW;
	case A_DOWN:
		if (l->cursor + 1 < l->nshown)
			l->cursor++;
		return TUI_DRAW;
	case A_PGUP:
		l->cursor = l->cursor > page ? l->cursor - page : 0;
		l->top = l->top > page ? l->top - page : 0;
		return TUI_DRAW;
	case A_PGDN:
		if (l->nshown) {
			l->cursor = l->cursor + page < l->nshown ? l->cursor + page : l->nshown - 1;
			l->top += page;
			if (l->top > l->cursor)
				l->top = l->cursor;
		}
		return TUI_DRAW;
	case A_HOME:
		l->cursor = 0;
		return TUI_DRAW;
	case A_END:
		l->cursor = l->nshown ? l->nshown - 1 : 0;
		return TUI_DRAW;
	case A_SEARCH: {
		char *s = tui_prompt_history(t, _("Search:"), &t->searches);
		if (s == NULL || *s == '\0') { /* empty: the last search stays for n, N */
			free(s);
			return TUI_DRAW;
		}
		free(l->search);
		l->search = s;
		if (*s && !find(l, s, true))
			tui_msg(t, true, _("Not found: %s"), s);
		return TUI_DRAW;
	}
	case A_SEARCH_NEXT:
	case A_SEARCH_PREV:
		if (l->search == NULL || *l->search == '\0')
			tui_msg(t, true, "%s", _("No search yet: press / first"));
		else if (!find(l, l->search, act == A_SEARCH_NEXT))
			tui_msg(t, true, _("Not found: %s"), l->search);
		return TUI_DRAW;
	case A_FILTER: {
		size_t keep = tui_list_current(l);
		char *s = tui_prompt(t, _("Show only rows containing (empty: all):"), l->filter);
		if (s == NULL)
			return TUI_DRAW;
		free(l->filter);
		l->filter = *s ? s : NULL;
		if (!*s)
			free(s);
		rebuild(l, keep);
		return TUI_DRAW;
	}
	case A_SORT: {
		const char *labels[32];
		size_t nc = l->ncols < 32 ? l->ncols : 32;
		for (size_t c = 0; c < nc; c++)
			labels[c] = _(l->cols[c].title);
		int c = tui_choose(t, _("Sort by"), labels, nc, l->sort_col >= 0 ? (size_t)l->sort_col : 0);
		if (c >= 0) {
			size_t keep = tui_list_current(l);
			l->sort_col = c;
			rebuild(l, keep);
		}
		return TUI_DRAW;
	}
	case A_SORT_REVERSE: {
		size_t keep = tui_list_current(l);
		if (l->sort_col < 0)
			l->sort_col = 0;
		l->sort_desc = !l->sort_desc;
		rebuild(l, keep);
		return TUI_DRAW;
	}
	case A_TAG:
		if (l->nshown) {
			size_t row = l->shown[l->cursor];
			l->tag[row] = !l->tag[row];
			if (l->cursor + 1 < l->nshown)
				l->cursor++;
		}
		return TUI_DRAW;
	case A_TAG_ALL: {
		bool any = false;
		for (size_t i = 0; i < l->nshown; i++)
			any |= l->tag[l->shown[i]];
		for (size_t i = 0; i < l->nshown; i++)
			l->tag[l->shown[i]] = !any;
		return TUI_DRAW;
	}
	default:
		return 0;
	}
}

void
tui_list_status(const tui_list *l, char *buf, size_t bufsz)
{
	size_t len = 0, tagged = 0;
	for (size_t i = 0; i < l->nshown; i++)
		tagged += l->tag[l->shown[i]];
	len += (size_t)snprintf(buf + len, bufsz - len, _("%zu/%zu"), tui_list_position(l),
	    l->nshown);
	if (l->filter && len < bufsz)
		len += (size_t)snprintf(buf + len, bufsz - len, _("  [filter: %s, %zu of %zu]"),
		    l->filter, l->nshown, l->n);
	if (l->sort_col >= 0 && len < bufsz)
		len += (size_t)snprintf(buf + len, bufsz - len, _("  sorted by %s%s"),
		    _(l->cols[l->sort_col].title), l->sort_desc ? _(" (descending)") : "");
	if (tagged && len < bufsz)
		snprintf(buf + len, bufsz - len, _("  tagged: %zu"), tagged);
}
