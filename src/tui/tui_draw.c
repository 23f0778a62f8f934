/* tui_draw.c - drawing: clipped text in cells, the frame, prompts, popups, help. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_workflow.h"
#include "tui.h"
#include "tui_curses.h"

int
tui_text(int y, int x, int width, const char *s, bool pad)
{
	char *clean = sm_text_neutralise(s ? s : "", (size_t)-1, false);
	const char *p = clean ? clean : "";
	int used = 0;

	if (width <= 0) {
		free(clean);
		return 0;
	}
	move(y, x);
	size_t total = sm_text_width(p);
	bool cut = total > (size_t)width;
	int room = cut ? width - 1 : width;
	const char *end = p + strlen(p);
	while (*p) {
		unsigned int cp;
		size_t n = sm_utf8_decode(p, (size_t)(end - p), &cp);
		if (n == 0)
			break;
		int w = sm_text_cp_width(cp);
		if (used + w > room)
			break;
		addnstr(p, (int)n);
		used += w;
		p += n;
	}
	if (cut) {
		while (used < width - 1) {
			addch(' ');
			used++;
		}
		addch('>');
		used++;
	}
	while (pad && used < width) {
		addch(' ');
		used++;
	}
	free(clean);
	return used;
}

void
tui_attr(tui *t, int pair, bool on, int extra)
{
	attr_t a = (attr_t)extra;
	if (t->color && pair > 0)
		a |= COLOR_PAIR(pair);
	else if (pair == TUI_PAIR_TITLE || pair == TUI_PAIR_BAR)
		a |= A_REVERSE;
	else if (pair == TUI_PAIR_OVERDUE || pair == TUI_PAIR_ERROR)
		a |= A_BOLD;
	if (on)
		attron(a);
	else
		attroff(a);
}

void
tui_hline(tui *t, int y, int x, int width)
{
	move(y, x);
	if (t->opts.ascii)
		for (int i = 0; i < width; i++)
			addch('-');
	else
		hline(ACS_HLINE, width);
}

static const char *
fkey_name(int f, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%d", f == 10 ? 10 : f);
	return buf;
}

/* One entry of the key bar: "2" or "a" (the key) then the label. */
static bool
keybar_entry(tui *t, int y, int *x, const char *key, const char *label)
{
	int need = (int)sm_text_width(key) + (int)sm_text_width(label) + 1;
	if (*x + need > t->cols)
		return false;
	*x += tui_text(y, *x, t->cols - *x, key, false);
	tui_attr(t, TUI_PAIR_BAR, true, 0);
	*x += tui_text(y, *x, (int)sm_text_width(label), label, true);
	tui_attr(t, TUI_PAIR_BAR, false, 0);
	if (*x < t->cols) {
		move(y, *x);
		addch(' ');
		(*x)++;
	}
	return true;
}

/* The key bar: the F-key actions of the view, then the generic ones, with
 * the keys in force (the configuration may move an action to another
 * F-key, or to a letter: those come after the F-keys). */
static void
draw_keybar(tui *t)
{
	const tui_action *tables[2] = {t->top ? t->top->ops->actions : NULL, tui_generic_actions};
	int x = 0, y = t->lines - 1;
	char num[8], letter[32];
	move(y, 0);
	clrtoeol();
	for (int f = 1; f <= 10; f++) {
		const tui_action *found = NULL;
		for (int k = 0; k < 2 && !found; k++)
			for (const tui_action *a = tables[k]; a && a->act; a++)
				if (a->label && tui_offers(t, a->act) &&
				    tui_keys_bar(tables[k], a, letter, sizeof(letter)) == f) {
					found = a;
					break;
				}
		if (found == NULL)
			continue;
		if (!keybar_entry(t, y, &x, fkey_name(f, num, sizeof(num)), _(found->label)))
			return;
	}
	for (int k = 0; k < 2; k++)
		for (const tui_action *a = tables[k]; a && a->act; a++)
			if (a->label && tui_offers(t, a->act) &&
			    tui_keys_bar(tables[k], a, letter, sizeof(letter)) == 0 &&
			    letter[0] && !keybar_entry(t, y, &x, letter, _(a->label)))
				return;
}

static const char *
who(tui *t, char *buf, size_t bufsz)
{
	const sm_user *u = &t->app->user;
	if (u->office && !t->office_read) {
		t->office_name = sm_view_office_name(t->app, u->office);
		t->office_read = true;
	}
	/* the office by code and name: the name gives way first on a narrow line */
	snprintf(buf, bufsz, "%s %s%s%s%s%s", sm_role_label(u->role), u->name ? u->name : u->login,
	    u->office ? " " : "", u->office ? u->office : "", u->office && t->office_name ? " " : "",
	    u->office && t->office_name ? t->office_name : "");
	return buf;
}

#define MESSAGE_LINES_MAX 8

/* TEXT (clean) broken into lines of the screen's width: START and LEN of
 * each (a third of the screen at most, the last holding the rest, to be
 * cut); how many.  Lines break after a space when one is in the line's
 * second half. */
static int
message_wrap(const tui *t, const char *text, size_t *start, size_t *len)
{
	int n = 0, most = t->lines / 3;
	if (most < 1)
		most = 1;
	if (most > MESSAGE_LINES_MAX)
		most = MESSAGE_LINES_MAX;
	for (size_t at = 0; text[at] != '\0' && n < most; n++) {
		size_t b = sm_text_fit(text + at, (size_t)t->cols, NULL);
		if (b == 0)
			b = sm_text_next(text + at, 0);
		if (text[at + b] != '\0' && n + 1 < most) {
			size_t sp = b;
			while (sp > b / 2 && text[at + sp - 1] != ' ')
				sp--;
			if (sp > b / 2)
				b = sp;
		}
		start[n] = at;
		len[n] = n + 1 == most ? strlen(text + at) : b;
		at += len[n];
	}
	return n;
}

int
tui_message_lines(const tui *t)
{
	size_t start[MESSAGE_LINES_MAX], len[MESSAGE_LINES_MAX];
	if (t->message[0] == '\0')
		return 0;
	char *clean = sm_text_neutralise(t->message, (size_t)-1, false);
	int n = message_wrap(t, clean ? clean : "", start, len);
	free(clean);
	return n;
}

/* The message whole, ending on line Y (the status line), over as many
 * lines above it as it needs (message_wrap; the views are drawn that many
 * lines shorter: tui_render): what it says of a decision, such as whether
 * anything was written, must not be lost at the screen's edge. */
static void
draw_message(tui *t, int y)
{
	char *clean = sm_text_neutralise(t->message, (size_t)-1, false);
	const char *text = clean ? clean : "";
	size_t start[MESSAGE_LINES_MAX], len[MESSAGE_LINES_MAX];
	int n = message_wrap(t, text, start, len);
	for (int i = 0; i < n; i++) {
		char *piece = strndup(text + start[i], len[i]);
		move(y - (n - 1) + i, 0);
		clrtoeol();
		tui_text(y - (n - 1) + i, 0, t->cols, piece ? piece : "", false);
		free(piece);
	}
	free(clean);
}

void
tui_draw_frame(tui *t)
{
	char buf[512], right[256];
	tui_attr(t, TUI_PAIR_TITLE, true, 0);
	move(0, 0);
	for (int i = 0; i < t->cols; i++)
		addch(' ');
	int x = tui_text(0, 0, t->cols, "sitemark", false);
	x += tui_text(0, x, t->cols - x, " | ", false);
	/* the view's title goes first: the user's name gives way to it */
	int room = t->cols - x;
	if (t->top && t->top->title)
		room -= 3 + (int)sm_text_width(t->top->title);
	if (room < 12)
		room = 12;
	if (room > t->cols - x)
		room = t->cols - x;
	x += tui_text(0, x, room, who(t, buf, sizeof(buf)), false);
	if (t->top && t->top->title) {
		x += tui_text(0, x, t->cols - x, " | ", false);
		x += tui_text(0, x, t->cols - x, t->top->title, false);
	}
	tui_attr(t, TUI_PAIR_TITLE, false, 0);

	/* status line */
	int y = t->lines - 2;
	move(y, 0);
	clrtoeol();
	if (t->message[0]) {
		tui_attr(t, t->message_error ? TUI_PAIR_ERROR : TUI_PAIR_OK, true, 0);
		draw_message(t, y);
		tui_attr(t, t->message_error ? TUI_PAIR_ERROR : TUI_PAIR_OK, false, 0);
	} else if (t->top && t->top->ops->status) {
		right[0] = '\0';
		t->top->ops->status(t->top, t, right, sizeof(right));
		tui_attr(t, TUI_PAIR_DIM, true, 0);
		tui_text(y, 0, t->cols, right, false);
		tui_attr(t, TUI_PAIR_DIM, false, 0);
	}
	draw_keybar(t);
}

/* ------------------------------------------------------------ modal helpers */

static char *prompt(tui *t, const char *label, const char *initial, tui_history *hist);

char *
tui_prompt(tui *t, const char *label, const char *initial)
{
	return prompt(t, label, initial, NULL);
}

char *
tui_prompt_history(tui *t, const char *label, tui_history *hist)
{
	char *answer = prompt(t, label, NULL, hist);
	if (answer && *answer && hist) {
		/* the newest last; an older copy of the same text goes */
		for (size_t i = 0; i < hist->n; i++)
			if (strcmp(hist->items[i], answer) == 0) {
				free(hist->items[i]);
				memmove(hist->items + i, hist->items + i + 1, (hist->n - i - 1) * sizeof(char *));
				hist->n--;
				break;
			}
		if (hist->n == TUI_HISTORY_MAX) {
			free(hist->items[0]);
			memmove(hist->items, hist->items + 1, (hist->n - 1) * sizeof(char *));
			hist->n--;
		}
		char *copy = strdup(answer);
		if (copy)
			hist->items[hist->n++] = copy;
	}
	return answer;
}

static char *
prompt(tui *t, const char *label, const char *initial, tui_history *hist)
{
	tui_line l;
	tui_key k;
	char *answer = NULL;
	size_t at = hist ? hist->n : 0;  /* hist->n: what is being typed */
	char *typed = NULL;              /* kept while Up shows the history */
	tui_line_init(&l, initial);
	t->message[0] = '\0';
	for (;;) {
		tui_render(t);
		int y = t->lines - 2;
		move(y, 0);
		clrtoeol();
		/* the label whole when it can be (Chinese ones are long); at least
		 * 20 cells stay for the answer */
		int x = tui_text(y, 0, t->cols - 22, label, false);
		int cx = tui_line_draw(&l, y, x + 1, t->cols - x - 2, true);
		move(y, cx);
		curs_set(1);
		wnoutrefresh(stdscr);
		doupdate();
		if (tui_read_key_idle(t, &k) < 0)
			break;
		if (k.is_code && k.ch == KEY_RESIZE)
			continue;
		if ((!k.is_code && (k.ch == '\n' || k.ch == '\r')) || (k.is_code && k.ch == KEY_ENTER)) {
			answer = strdup(l.buf);
			break;
		}
		if ((!k.is_code && (k.ch == 27 || k.ch == 7)) && k.fkey == 0)
			break;
		if (hist && k.is_code && (k.ch == KEY_UP || k.ch == KEY_DOWN)) {
			size_t to = k.ch == KEY_UP ? (at > 0 ? at - 1 : 0) : (at < hist->n ? at + 1 : at);
			if (to == at || (k.ch == KEY_UP && hist->n == 0))
				continue;
			if (at == hist->n) {
				free(typed);
				typed = strdup(l.buf);
			}
			at = to;
			tui_line_set(&l, at < hist->n ? hist->items[at] : (typed ? typed : ""));
			continue;
		}
		tui_line_key(&l, &k);
	}
	free(typed);
	tui_line_free(&l);
	return answer;
}

/* QUESTION in the status line; the answer's key in *K.  Returns -1 when the
 * keys ran out. */
static int
ask(tui *t, const char *question, tui_key *k)
{
	for (;;) {
		tui_render(t);
		int y = t->lines - 2;
		move(y, 0);
		clrtoeol();
		tui_attr(t, TUI_PAIR_ERROR, true, A_BOLD);
		tui_text(y, 0, t->cols, question, false);
		tui_attr(t, TUI_PAIR_ERROR, false, A_BOLD);
		doupdate();
		if (tui_read_key_idle(t, k) < 0)
			return -1;
		if (!(k->is_code && k->ch == KEY_RESIZE))
			return 0;
	}
}

static bool
is_yes(const tui_key *k)
{
	return !k->is_code && (k->ch == 'y' || k->ch == 'Y' || k->ch == 0x662f /* 是 */);
}

bool
tui_confirm(tui *t, const char *question)
{
	tui_key k;
	char q[512];
	snprintf(q, sizeof(q), "%s %s", question, _("(y/n)"));
	/* anything but yes is no: a paste too */
	return ask(t, q, &k) == 0 && is_yes(&k);
}

bool
tui_confirm_quit(tui *t)
{
	tui_key k;
	char q[512];
	snprintf(q, sizeof(q), "%s %s", _("Leave sitemark?"), _("(y/n; q again: yes)"));
	if (ask(t, q, &k) < 0)
		return true; /* the keys ran out: nothing more can be asked */
	if (is_yes(&k) || (k.is_code && k.ch == TUI_KEY_INTERRUPT)) /* y, Ctrl-C again */
		return true;
	if (!k.is_code && (k.ch == 27 || k.ch == 7)) /* Esc, Ctrl-G: cancel */
		return false;
	/* the key that asked, again (q on the menu, Q, F10) */
	enum tui_act a = t->top ? tui_lookup(t->top->ops->actions, &k) : A_NONE;
	if (a == A_NONE)
		a = tui_lookup(tui_generic_actions, &k);
	return a == A_QUIT || a == A_BACK;
}

int
tui_choose(tui *t, const char *title, const char *const *labels, size_t n, size_t current)
{
	tui_key k;
	size_t cur = current < n ? current : 0, top = 0;
	int width = (int)sm_text_width(title) + 4;
	for (size_t i = 0; i < n; i++)
		if ((int)sm_text_width(labels[i]) + 6 > width)
			width = (int)sm_text_width(labels[i]) + 6;
	if (width > t->cols - 4)
		width = t->cols - 4;
	for (;;) {
		int rows = (int)n < t->lines - 8 ? (int)n : t->lines - 8;
		int y0 = (t->lines - rows - 2) / 2, x0 = (t->cols - width) / 2;
		if (cur < top)
			top = cur;
		if (cur >= top + (size_t)rows)
			top = cur - (size_t)rows + 1;
		tui_render(t);
		/* a blank cell each side sets the popup apart from what is below */
		for (int r = 0; r < rows + 2; r++) {
			if (x0 > 0)
				mvaddch(y0 + r, x0 - 1, ' ');
			if (x0 + width < t->cols)
				mvaddch(y0 + r, x0 + width, ' ');
		}
		tui_attr(t, TUI_PAIR_TITLE, true, 0);
		tui_text(y0, x0, width, title, true);
		tui_attr(t, TUI_PAIR_TITLE, false, 0);
		for (int r = 0; r < rows; r++) {
			size_t i = top + (size_t)r;
			if (i == cur)
				attron(A_REVERSE);
			move(y0 + 1 + r, x0);
			addstr("  ");
			tui_text(y0 + 1 + r, x0 + 2, width - 2, labels[i], true);
			if (i == cur)
				attroff(A_REVERSE);
		}
		tui_hline(t, y0 + 1 + rows, x0, width);
		/* the cursor is not left at the popup's edge: it sits on the
		 * selected entry, and goes back to the field when the popup closes
		 * (the next tui_render places or hides it) */
		move(y0 + 1 + (int)(cur - top), x0);
		leaveok(stdscr, FALSE);
		wnoutrefresh(stdscr);
		doupdate();
		if (tui_read_key_idle(t, &k) < 0)
			return -1;
		enum tui_act a = tui_lookup(tui_generic_actions, &k);
		if (a == A_UP && cur > 0)
			cur--;
		else if (a == A_DOWN && cur + 1 < n)
			cur++;
		else if (a == A_HOME)
			cur = 0;
		else if (a == A_END)
			cur = n - 1;
		else if (a == A_PGUP)
			cur = cur > (size_t)rows ? cur - (size_t)rows : 0;
		else if (a == A_PGDN)
			cur = cur + (size_t)rows < n ? cur + (size_t)rows : n - 1;
		else if (a == A_ENTER || (!k.is_code && k.ch == ' '))
			return (int)cur;
		else if (a == A_BACK || a == A_QUIT)
			return -1;
	}
}

/* ------------------------------------------------------------ help */

static void
help_lines(tui *t, tui_pager *p, const tui_action *table)
{
	char keys[128];
	/* on a screen that takes text (a form), a letter is typed: the keys
	 * everywhere are listed without their letters */
	bool typing = table == tui_generic_actions && t->top && t->top->ops->text_input;
	for (const tui_action *a = table; a && a->act; a++) {
		if (a->help == NULL || (table != tui_generic_actions && !tui_offers(t, a->act)))
			continue;
		tui_keys_text(table, a, keys, sizeof(keys));
		if (typing) {
			char kept[128] = "";
			size_t n = 0;
			for (char *tok = strtok(keys, " "); tok; tok = strtok(NULL, " "))
				if (!(tok[0] != '\0' && tok[1] == '\0' && tok[0] > ' ' && tok[0] < 127))
					n += (size_t)snprintf(kept + n, n < sizeof(kept) ? sizeof(kept) - n : 0,
					    "%s%s", n ? " " : "", tok);
			if (kept[0] == '\0')
				continue;
			snprintf(keys, sizeof(keys), "%s", kept);
		}
		tui_pager_field(p, keys, _(a->help));
	}
}

void
tui_help(tui *t)
{
	tui_pager p = {0};
	tui_key k;
	tui_pager_add(&p, "%s", _("Keys on this screen"));
	help_lines(t, &p, t->top ? t->top->ops->actions : NULL);
	tui_pager_add(&p, "%s", "");
	tui_pager_add(&p, "%s", _("Keys everywhere"));
	help_lines(t, &p, tui_generic_actions);
	tui_pager_add(&p, "%s", "");
	if (t->top && t->top->ops->text_input)
		tui_pager_add(&p, "%s", _("Letters are typed into the field. Tab and the arrows move, Esc or Ctrl-G go back. Esc then a digit works as that F-key."));
	else
		tui_pager_add(&p, "%s", _("Arrows, PgUp/PgDn, Home/End, j/k and g/G move. Esc, q or Ctrl-G go back. Esc then a digit works as that F-key."));
	char *support = sm_app_support_line(t->app);
	if (support && *support)
		tui_pager_add(&p, "%s %s", _("Support:"), support);
	free(support);
	char *saved = t->top ? t->top->title : NULL;
	for (;;) {
		erase();
		tui_draw_frame(t);
		tui_attr(t, TUI_PAIR_TITLE, true, 0);
		move(0, 0);
		tui_text(0, 0, t->cols, _("sitemark | Help (q: back)"), true);
		tui_attr(t, TUI_PAIR_TITLE, false, 0);
		tui_pager_draw(&p, t, 1, t->lines - 3);
		curs_set(0);
		wnoutrefresh(stdscr);
		doupdate();
		if (tui_read_key_idle(t, &k) < 0)
			break;
		enum tui_act a = tui_lookup(tui_generic_actions, &k);
		if (a == A_BACK || a == A_QUIT || a == A_HELP)
			break;
		tui_pager_handle(&p, t, a, t->lines - 3);
	}
	(void)saved;
	tui_pager_clear(&p);
}
