/* tui_line.c - a line editor that works in screen cells: the cursor never
 * splits a double-width character, and text scrolls sideways in cells. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "sm_text.h"
#include "tui.h"
#include "tui_curses.h"

#define LINE_MAX_BYTES 8192

static void
reserve(tui_line *l, size_t need)
{
	if (need + 1 <= l->cap)
		return;
	size_t cap = l->cap ? l->cap : 64;
	while (cap < need + 1)
		cap *= 2;
	char *b = realloc(l->buf, cap);
	if (b == NULL)
		abort(); /* the console cannot go on without memory */
	l->buf = b;
	l->cap = cap;
}

void
tui_line_init(tui_line *l, const char *text)
{
	memset(l, 0, sizeof(*l));
	tui_line_set(l, text);
}

void
tui_line_set(tui_line *l, const char *text)
{
	size_t n = text ? strlen(text) : 0;
	reserve(l, n);
	if (n)
		memcpy(l->buf, text, n);
	l->buf[n] = '\0';
	l->len = n;
	l->pos = n;
	l->scroll = 0;
}

void
tui_line_free(tui_line *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}

static void
insert(tui_line *l, const char *s, size_t n)
{
	if (l->len + n > LINE_MAX_BYTES)
		return;
	reserve(l, l->len + n);
	memmove(l->buf + l->pos + n, l->buf + l->pos, l->len - l->pos + 1);
	memcpy(l->buf + l->pos, s, n);
	l->len += n;
	l->pos += n;
}

static void
erase_range(tui_line *l, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(l->buf + from, l->buf + to, l->len - to + 1);
	l->len -= to - from;
	l->pos = from;
}

/* Pasted text as a field takes it: line breaks and tabs become one space
 * each (runs of them one space; a multi-line editor keeps the breaks), every other control or invisible format
 * character (C0, DEL, C1, bidi controls, zero-width ones) and every byte
 * that is not UTF-8 is dropped; spaces at either end go. */
static void
insert_pasted(tui_line *l, const char *text)
{
	size_t len = strlen(text), i = 0;
	bool space = false, any = false;
	while (i < len) {
		unsigned int cp;
		size_t n = sm_utf8_decode(text + i, len - i, &cp);
		if (n == 0) {
			i++;
			continue;
		}
		const char *c = text + i;
		i += n;
		if (l->multiline && (cp == '\n' || cp == '\r')) {
			/* several lines keep their breaks (CR LF and CR as one) */
			if (cp == '\r' && i < len && text[i] == '\n')
				i++;
			insert(l, "\n", 1);
			space = false;
			continue;
		}
		if (cp == '\n' || cp == '\r' || cp == '\t' || cp == ' ') {
			space = any;
			continue;
		}
		/* every character the forms refuse as invisible (sm_text's list) */
		if (cp < 0x20 || cp == 0x7f || sm_text_cp_escaped(cp))
			continue;
		if (space)
			insert(l, " ", 1);
		space = false;
		any = true;
		insert(l, c, n);
	}
}

/* ------------------------------------------------------------ several lines */

static size_t
cp_cells(unsigned int cp)
{
	int w = sm_text_cp_width(cp);
	return w < 1 ? 1 : (size_t)w;
}

/* Where each row of BUF starts when wrapped at WIDTH cells (a malloc'd
 * array of *N offsets): a line break ends a row, and so does a character
 * that would pass the width. */
static size_t *
row_starts(const char *buf, size_t len, int width, size_t *n)
{
	size_t *st = malloc((len + 2) * sizeof(*st)), cell = 0;
	if (st == NULL)
		abort(); /* the console cannot go on without memory */
	*n = 0;
	st[(*n)++] = 0;
	for (size_t i = 0; i < len;) {
		unsigned int cp;
		size_t k = sm_utf8_decode(buf + i, len - i, &cp);
		if (k == 0)
			k = 1, cp = '?';
		if (cp == '\n') {
			i += k;
			st[(*n)++] = i;
			cell = 0;
			continue;
		}
		size_t w = cp_cells(cp);
		if (cell > 0 && cell + w > (size_t)(width > 0 ? width : 1)) {
			st[(*n)++] = i;
			cell = 0;
		}
		cell += w;
		i += k;
	}
	return st;
}

/* The row POS stands in. */
static size_t
row_of(const size_t *st, size_t n, size_t pos)
{
	size_t r = 0;
	while (r + 1 < n && st[r + 1] <= pos)
		r++;
	return r;
}

/* The last place the cursor may take in row R: before the line break that
 * ends it, before the last character of a row the width broke, or the end. */
static size_t
row_end(const tui_line *l, const size_t *st, size_t n, size_t r)
{
	if (r + 1 >= n)
		return l->len;
	size_t next = st[r + 1];
	if (next > 0 && l->buf[next - 1] == '\n')
		return next - 1;
	return sm_text_prev(l->buf, next);
}

/* Cells from the start of row R to POS. */
static size_t
cells_between(const char *buf, size_t from, size_t to)
{
	size_t cells = 0;
	for (size_t i = from; i < to;) {
		unsigned int cp;
		size_t k = sm_utf8_decode(buf + i, to - i, &cp);
		if (k == 0)
			k = 1, cp = '?';
		cells += cp_cells(cp);
		i += k;
	}
	return cells;
}

/* Move the cursor one row up or down (DIR), to the column it had; false
 * when there is no row there. */
static bool
move_row(tui_line *l, int dir)
{
	size_t n, *st = row_starts(l->buf, l->len, l->width > 0 ? l->width : 40, &n);
	size_t r = row_of(st, n, l->pos);
	bool moved = false;
	if ((dir < 0 && r > 0) || (dir > 0 && r + 1 < n)) {
		size_t col = cells_between(l->buf, st[r], l->pos);
		size_t to = dir < 0 ? r - 1 : r + 1, end = row_end(l, st, n, to), i = st[to], cell = 0;
		while (i < end) {
			unsigned int cp;
			size_t k = sm_utf8_decode(l->buf + i, l->len - i, &cp);
			if (k == 0)
				k = 1, cp = '?';
			if (cell + cp_cells(cp) > col)
				break;
			cell += cp_cells(cp);
			i += k;
		}
		l->pos = i;
		moved = true;
	}
	free(st);
	return moved;
}

static size_t
line_start(const tui_line *l)
{
	size_t p = l->pos;
	while (p > 0 && l->buf[p - 1] != '\n')
		p--;
	return p;
}

static size_t
line_end(const tui_line *l)
{
	size_t p = l->pos;
	while (p < l->len && l->buf[p] != '\n')
		p++;
	return p;
}

/* The keys that differ in a multi-line editor; -1 when KEY is not one. */
static int
multiline_key(tui_line *l, const tui_key *k)
{
	if (!l->multiline)
		return -1;
	if ((!k->is_code && (k->ch == '\r' || k->ch == '\n')) || (k->is_code && k->ch == KEY_ENTER)) {
		insert(l, "\n", 1);
		return 1;
	}
	if (k->is_code) {
		switch (k->ch) {
		case KEY_UP:
			return move_row(l, -1);
		case KEY_DOWN:
			return move_row(l, +1);
		case KEY_HOME:
			l->pos = line_start(l);
			return 1;
		case KEY_END:
			l->pos = line_end(l);
			return 1;
		default:
			return -1;
		}
	}
	switch (k->ch) {
	case 1: /* Ctrl-A */
		l->pos = line_start(l);
		return 1;
	case 5: /* Ctrl-E */
		l->pos = line_end(l);
		return 1;
	case 11: /* Ctrl-K */
		erase_range(l, l->pos, line_end(l));
		return 1;
	case 21: /* Ctrl-U */
		erase_range(l, line_start(l), l->pos);
		return 1;
	default:
		return -1;
	}
}

/* Draw the rows of L (or of TEXT when L is NULL) in ROWS rows of WIDTH. */
static void
draw_rows(tui_line *l, int y, int x, int width, int rows, bool focus, int *cy, int *cx)
{
	size_t n, *st;
	if (width <= 0 || rows <= 0)
		return;
	l->width = width;
	st = row_starts(l->buf ? l->buf : "", l->len, width, &n);
	size_t cr = row_of(st, n, l->pos);
	if (focus) {
		if (cr < l->scroll)
			l->scroll = cr;
		if (cr >= l->scroll + (size_t)rows)
			l->scroll = cr - (size_t)rows + 1;
	}
	if (l->scroll >= n)
		l->scroll = 0;
	for (int r = 0; r < rows; r++) {
		size_t row = l->scroll + (size_t)r;
		int used = 0;
		move(y + r, x);
		if (row < n) {
			size_t end = row + 1 < n ? st[row + 1] : l->len;
			for (size_t i = st[row]; i < end;) {
				unsigned int cp;
				size_t k = sm_utf8_decode(l->buf + i, l->len - i, &cp);
				if (k == 0)
					k = 1, cp = '?';
				if (cp != '\n') {
					char *clean = sm_text_neutralise(l->buf + i, k, false);
					addstr(clean ? clean : "?");
					free(clean);
					used += (int)cp_cells(cp);
				}
				i += k;
			}
		}
		while (used < width) {
			addch(focus ? '_' : ' ');
			used++;
		}
	}
	if (!focus && n > l->scroll + (size_t)rows)
		mvaddch(y + rows - 1, x + width - 1, '>'); /* more than is shown */
	if (focus && cy && cx) {
		*cy = y + (int)(cr - l->scroll);
		*cx = x + (int)cells_between(l->buf, st[cr], l->pos);
	}
	free(st);
}

void
tui_line_draw_rows(tui_line *l, int y, int x, int width, int rows, bool focus, int *cy, int *cx)
{
	draw_rows(l, y, x, width, rows, focus, cy, cx);
}

void
tui_text_rows(const char *text, int y, int x, int width, int rows)
{
	tui_line l;
	tui_line_init(&l, text);
	l.multiline = true;
	l.pos = 0;
	draw_rows(&l, y, x, width, rows, false, NULL, NULL);
	tui_line_free(&l);
}

bool
tui_line_key(tui_line *l, const tui_key *k)
{
	if (tui_key_is_paste(k)) {
		insert_pasted(l, k->text ? k->text : "");
		return true;
	}
	int m = multiline_key(l, k);
	if (m >= 0)
		return m > 0;
	if (k->is_code) {
		switch (k->ch) {
		case KEY_LEFT:
			l->pos = sm_text_prev(l->buf, l->pos);
			return true;
		case KEY_RIGHT:
			if (l->pos < l->len)
				l->pos = sm_text_next(l->buf, l->pos);
			return true;
		case KEY_HOME:
			l->pos = 0;
			return true;
		case KEY_END:
			l->pos = l->len;
			return true;
		case KEY_BACKSPACE:
			erase_range(l, sm_text_prev(l->buf, l->pos), l->pos);
			return true;
		case KEY_DC:
			if (l->pos < l->len)
				erase_range(l, l->pos, sm_text_next(l->buf, l->pos));
			return true;
		default:
			return false;
		}
	}
	switch (k->ch) {
	case 1: /* Ctrl-A */
		l->pos = 0;
		return true;
	case 5: /* Ctrl-E */
		l->pos = l->len;
		return true;
	case 2: /* Ctrl-B */
		l->pos = sm_text_prev(l->buf, l->pos);
		return true;
	case 6: /* Ctrl-F */
		if (l->pos < l->len)
			l->pos = sm_text_next(l->buf, l->pos);
		return true;
	case 8:
	case 127:
		erase_range(l, sm_text_prev(l->buf, l->pos), l->pos);
		return true;
	case 4: /* Ctrl-D */
		if (l->pos < l->len)
			erase_range(l, l->pos, sm_text_next(l->buf, l->pos));
		return true;
	case 11: /* Ctrl-K */
		l->buf[l->pos] = '\0';
		l->len = l->pos;
		return true;
	case 21: /* Ctrl-U */
		erase_range(l, 0, l->pos);
		return true;
	case 23: { /* Ctrl-W */
		size_t p = l->pos;
		while (p > 0 && l->buf[p - 1] == ' ')
			p--;
		while (p > 0 && l->buf[p - 1] != ' ')
			p = sm_text_prev(l->buf, p);
		erase_range(l, p, l->pos);
		return true;
	}
	default:
		break;
	}
	if (k->ch < 32 || k->ch == 127 || (k->ch >= 0x80 && k->ch < 0xa0) || k->ch > 0x10ffff)
		return false; /* controls never enter the text */
	char mb[8];
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t n = wcrtomb(mb, (wchar_t)k->ch, &st);
	if (n == (size_t)-1 || n == 0)
		return false;
	insert(l, mb, n);
	return true;
}

int
tui_line_draw(tui_line *l, int y, int x, int width, bool focus)
{
	size_t cur = 0, cell = 0;
	if (width <= 0)
		return x;
	/* the cursor's cell */
	for (size_t i = 0; i < l->pos;) {
		unsigned int cp;
		size_t n = sm_utf8_decode(l->buf + i, l->len - i, &cp);
		if (n == 0)
			n = 1, cp = '?';
		cur += (size_t)sm_text_cp_width(cp);
		i += n;
	}
	if (cur < l->scroll)
		l->scroll = cur;
	if (cur >= l->scroll + (size_t)width)
		l->scroll = cur - (size_t)width + 1;
	move(y, x);
	int used = 0;
	for (size_t i = 0; i < l->len;) {
		unsigned int cp;
		size_t n = sm_utf8_decode(l->buf + i, l->len - i, &cp);
		if (n == 0)
			n = 1, cp = '?';
		size_t w = (size_t)sm_text_cp_width(cp);
		if (cell >= l->scroll && cell + w <= l->scroll + (size_t)width) {
			char *clean = sm_text_neutralise(l->buf + i, n, false);
			addstr(clean ? clean : "?");
			free(clean);
			used += (int)w;
		} else if (cell < l->scroll && cell + w > l->scroll) {
			addch(' '); /* a wide character cut by the left edge */
			used++;
		}
		cell += w;
		i += n;
		if (cell >= l->scroll + (size_t)width)
			break;
	}
	while (used < width) {
		addch(focus ? '_' : ' ');
		used++;
	}
	return x + (int)(cur - l->scroll);
}
