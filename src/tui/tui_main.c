/* tui_main.c - the console's loop: terminal set-up, keys (from the terminal
 * or a script), the view stack, one doupdate per loop. */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "sm_i18n.h"
#include "sm_priv.h"
#include "sm_workflow.h"
#include "sm_text.h"
#include "tui.h"
#include "tui_curses.h"

const tui_action tui_generic_actions[] = {
	{A_HELP, 1, "?", N_("Help"), N_("Help for this screen")},
	{A_QUIT, 10, "Q", N_("Quit"), N_("Leave sitemark")},
	{A_BACK, 0, "q\033\007", NULL, N_("Back, cancel")},
	{A_UP, 0, "k", NULL, N_("Up")},
	{A_DOWN, 0, "j", NULL, N_("Down")},
	{A_HOME, 0, "g", NULL, N_("First line")},
	{A_END, 0, "G", NULL, N_("Last line")},
	{A_PGUP, 0, "\002", NULL, N_("Page up (Ctrl-B)")},
	{A_PGDN, 0, "\006", NULL, N_("Page down (Ctrl-F)")},
	{A_ENTER, 0, "\n\r", NULL, N_("Open")},
	{A_REDRAW, 0, "\014", NULL, N_("Redraw the screen")},
	{A_NONE, 0, NULL, NULL, NULL},
};

/* ------------------------------------------------------------ messages */

void
tui_msg(tui *t, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
	t->message_error = error;
}

void
tui_msg_err(tui *t, const sm_err *err)
{
	size_t len = 0;
	t->message[0] = '\0';
	for (size_t i = 0; i < sm_err_count(err) && len < sizeof(t->message); i++)
		len += (size_t)snprintf(t->message + len, sizeof(t->message) - len, "%s%s%s%s",
		    i ? "; " : "", sm_err_field(err, i) ? sm_err_field(err, i) : "",
		    sm_err_field(err, i) ? ": " : "", sm_err_msg(err, i));
	t->message_error = true;
}

/* ------------------------------------------------------------ views */

static double now_seconds(void);

bool
tui_follow_data(tui *t)
{
	sm_err *err = sm_err_new();
	int64_t g = err ? sm_view_generation_err(t->app, err) : -1;
	t->followed_at = now_seconds();
	if (g < 0) {
		/* the store did not answer (a cluster without its majority):
		 * say why; what is on the screen stays, and the looks while
		 * idle space out (tui_run) until it answers again */
		if (err && sm_err_count(err) > 0)
			tui_msg_err(t, err);
		sm_err_free(&err);
		t->follow_fails++;
		return false;
	}
	sm_err_free(&err);
	if (t->follow_fails > 0 && t->message_error)
		t->message[0] = '\0'; /* the store answers again */
	t->follow_fails = 0;
	if (g == t->generation)
		return false;
	t->generation = g;
	tui_mark_stale(t);
	return true;
}

bool
tui_offers(tui *t, enum tui_act act)
{
	return t->top == NULL || t->top->ops->offers == NULL || t->top->ops->offers(t->top, t, act);
}

static void register_table(const tui_action *table, const char *screen);

void
tui_push(tui *t, tui_view *v)
{
	if (v == NULL)
		return;
	register_table(v->ops->actions, v->ops->name);
	v->below = t->top;
	t->top = v;
}

void
tui_pop(tui *t)
{
	tui_view *v = t->top;
	if (v == NULL)
		return;
	t->top = v->below;
	free(v->title);
	v->ops->destroy(v);
}

void
tui_mark_stale(tui *t)
{
	for (tui_view *v = t->top; v; v = v->below)
		v->stale = true;
}

/* ------------------------------------------------------------ keys */

/* The configuration's names of the actions (keys: section). */
static const char *const act_names[A_COUNT] = {
	[A_HELP] = "help", [A_QUIT] = "quit", [A_BACK] = "back", [A_UP] = "up",
	[A_DOWN] = "down", [A_PGUP] = "page-up", [A_PGDN] = "page-down", [A_HOME] = "home",
	[A_END] = "end", [A_ENTER] = "enter", [A_SEARCH] = "search",
	[A_SEARCH_NEXT] = "search-next", [A_SEARCH_PREV] = "search-prev", [A_FILTER] = "filter",
	[A_SORT] = "sort", [A_SORT_REVERSE] = "sort-reverse", [A_TAG] = "tag",
	[A_TAG_ALL] = "tag-all", [A_REFRESH] = "refresh", [A_REDRAW] = "redraw",
	[A_GO_LEFT] = "left", [A_GO_RIGHT] = "right", [A_OPEN] = "open",
	/* the case actions are named by the core (tui_act_action) */
	[A_EDIT] = "edit", [A_NEW] = "new", [A_NOTE] = "note", [A_SAVE] = "save",
	[A_NEXT_FIELD] = "next-field", [A_PREV_FIELD] = "prev-field", [A_ADD_ITEM] = "add-item",
	[A_DEL_ITEM] = "del-item", [A_TOGGLE] = "toggle", [A_INFO] = "instructions",
	[A_DISCARD] = "discard", [A_HOLIDAY] = "holiday",
	[A_WORKDAY] = "workday", [A_DEFAULT_DAY] = "default-day", [A_NEXT_MONTH] = "next-month",
	[A_PREV_MONTH] = "prev-month", [A_DISABLE] = "disable", [A_ROLE] = "role",
	[A_LOCK] = "lock", [A_VERIFY_CHAIN] = "verify-chain",
	[A_UNMASK] = "unmask",
	[A_PRINT_LETTER] = "print-letter", [A_PRINT_FORM] = "print-form",
};

/* The console's keys for the domain's actions, one row each. */
static const struct {
	enum tui_act act;
	sm_action action;
} case_acts[] = {
	{A_APPROVE, SM_ACTION_APPROVE},
	{A_REJECT, SM_ACTION_REJECT},
	{A_CONFIRM_PAYMENT, SM_ACTION_CONFIRM_PAYMENT},
	{A_CONFIRM_PAPER, SM_ACTION_CONFIRM_PAPER},
	{A_REJECT_PAPER, SM_ACTION_REJECT_PAPER},
	{A_VERIFY_HUNG, SM_ACTION_VERIFY_HUNG},
	{A_FLAG_MISSING, SM_ACTION_FLAG_MISSING},
	{A_SUBMIT, SM_ACTION_SUBMIT},
	{A_WITHDRAW, SM_ACTION_WITHDRAW},
};

sm_action
tui_act_action(enum tui_act act)
{
	for (size_t i = 0; i < sizeof(case_acts) / sizeof(case_acts[0]); i++)
		if (case_acts[i].act == act)
			return case_acts[i].action;
	return SM_ACTION_NONE;
}

const char *
tui_act_name(enum tui_act act)
{
	if (tui_act_action(act) != SM_ACTION_NONE)
		return sm_action_name(tui_act_action(act));
	return act > A_NONE && act < A_COUNT ? act_names[act] : NULL;
}

enum tui_act
tui_act_from_name(const char *name)
{
	for (int a = A_NONE + 1; a < A_COUNT; a++)
		if (tui_act_name((enum tui_act)a) && name &&
		    strcmp(tui_act_name((enum tui_act)a), name) == 0)
			return (enum tui_act)a;
	return A_NONE;
}

/* The screens a binding may name: the view ops' names. */
static const char *const screen_names[] = {
	"generic", "menu", "queue", "case", "form", "unit", "marks", "counts", "users",
	"offices", "audit", "calendar", "drafts", "instructions", "policy", "redpage-preview", "store",
	NULL,
};

/* The bindings in force (from the configuration), one key each; KEY.ch 0
 * with no F-key: the action was bound to nothing (it loses its keys). */
typedef struct binding {
	const char *screen;  /* one of screen_names */
	enum tui_act act;
	tui_key key;
	bool none;
} binding;

static binding *bindings;
static size_t nbindings;

/* Which screen each action table belongs to, learnt as views are pushed. */
static struct {
	const tui_action *table;
	const char *screen;
} tables[64];
static size_t ntables;

static void
register_table(const tui_action *table, const char *screen)
{
	if (table == NULL || screen == NULL)
		return;
	for (size_t i = 0; i < ntables; i++)
		if (tables[i].table == table)
			return;
	if (ntables < sizeof(tables) / sizeof(tables[0])) {
		tables[ntables].table = table;
		tables[ntables++].screen = screen;
	}
}

const char *
tui_table_screen(const tui_action *table)
{
	if (table == tui_generic_actions)
		return "generic";
	for (size_t i = 0; i < ntables; i++)
		if (tables[i].table == table)
			return tables[i].screen;
	return NULL;
}

/* Whether binding key B is what was pressed. */
static bool
key_eq(const tui_key *b, const tui_key *k)
{
	if (b->fkey)
		return k->fkey == b->fkey;
	if (k->fkey || tui_key_is_paste(k))
		return false;
	if (b->is_code && b->ch == (unsigned)KEY_BACKSPACE && !k->is_code && (k->ch == 127 || k->ch == 8))
		return true; /* what most terminals send for it */
	if (b->is_code)
		return k->is_code && k->ch == b->ch;
	if (b->ch == '\r')
		return (!k->is_code && (k->ch == '\r' || k->ch == '\n')) ||
		    (k->is_code && k->ch == KEY_ENTER);
	return !k->is_code && k->ch == b->ch;
}

/* Whether the configuration rebinds ACT on SCREEN. */
static bool
rebound(const char *screen, enum tui_act act)
{
	for (size_t i = 0; i < nbindings; i++)
		if (bindings[i].act == act && strcmp(bindings[i].screen, screen) == 0)
			return true;
	return false;
}

static bool
table_has(const tui_action *table, enum tui_act act)
{
	for (const tui_action *a = table; a && a->act; a++)
		if (a->act == act)
			return true;
	return false;
}

/* Whether the configuration gives KEY to an action of TABLE on SCREEN:
 * then the table's own use of the key no longer holds. */
static bool
taken(const char *screen, const tui_action *table, const tui_key *key)
{
	for (size_t i = 0; screen && i < nbindings; i++) {
		const binding *b = &bindings[i];
		if (!b->none && strcmp(b->screen, screen) == 0 && key_eq(&b->key, key) &&
		    table_has(table, b->act))
			return true;
	}
	return false;
}

/* The key as its table gives it matches? */
static bool
default_match(const tui_action *a, const tui_key *k)
{
	if (k->fkey && a->fkey == k->fkey)
		return true;
	return !k->is_code && !k->fkey && a->keys && k->ch > 0 && k->ch < 128 &&
	    strchr(a->keys, (int)k->ch);
}

enum tui_act
tui_lookup(const tui_action *table, const tui_key *k)
{
	const char *screen = tui_table_screen(table);
	if (tui_key_is_paste(k))
		return A_NONE;
	/* the configuration's keys first (a binding of an action this table
	 * does not have, as approve on a unit's queue, does not count here) */
	for (size_t i = 0; screen && i < nbindings; i++) {
		const binding *b = &bindings[i];
		if (!b->none && strcmp(b->screen, screen) == 0 && key_eq(&b->key, k) &&
		    table_has(table, b->act))
			return b->act;
	}
	for (const tui_action *a = table; a && a->act; a++) {
		if (screen && rebound(screen, a->act))
			continue;
		if (default_match(a, k))
			return a->act;
	}
	if (table != tui_generic_actions || !k->is_code)
		return A_NONE;
	switch (k->ch) {
	case KEY_UP: return A_UP;
	case KEY_DOWN: return A_DOWN;
	case KEY_PPAGE: return A_PGUP;
	case KEY_NPAGE: return A_PGDN;
	case KEY_HOME: return A_HOME;
	case KEY_END: return A_END;
	case KEY_ENTER: return A_ENTER;
	case KEY_LEFT: return A_GO_LEFT;
	case KEY_RIGHT: return A_GO_RIGHT;
	default: return A_NONE;
	}
}

static const struct {
	const char *name;
	int code;   /* curses key code, or 0 */
	int ch;     /* character */
} key_names[] = {
	{"Up", KEY_UP, 0}, {"Down", KEY_DOWN, 0}, {"Left", KEY_LEFT, 0}, {"Right", KEY_RIGHT, 0},
	{"PgUp", KEY_PPAGE, 0}, {"PgDn", KEY_NPAGE, 0}, {"Home", KEY_HOME, 0}, {"End", KEY_END, 0},
	{"BTab", KEY_BTAB, 0}, {"Del", KEY_DC, 0}, {"BS", KEY_BACKSPACE, 0},
	{"Enter", 0, '\r'}, {"Tab", 0, '\t'}, {"Esc", 0, 27}, {"Space", 0, ' '}, {"lt", 0, '<'},
};

/* Parse one key of the script line at *P. */
static bool
script_token(const char **pp, tui_key *k)
{
	const char *p = *pp;
	memset(k, 0, sizeof(*k));
	if (*p == '\0')
		return false;
	if (*p == '<') {
		const char *end = strchr(p, '>');
		if (end && end > p + 1) {
			char name[32];
			size_t n = (size_t)(end - p - 1);
			if (n < sizeof(name)) {
				memcpy(name, p + 1, n);
				name[n] = '\0';
				*pp = end + 1;
				if (name[0] == 'F' && atoi(name + 1) >= 1 && atoi(name + 1) <= 12) {
					k->is_code = 1;
					k->ch = (unsigned)KEY_F(atoi(name + 1));
					k->fkey = atoi(name + 1);
					return true;
				}
				if (name[0] == 'C' && name[1] == '-' && name[2] && !name[3]) {
					k->ch = (unsigned)(name[2] & 0x1f);
					return true;
				}
				for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
					if (strcmp(key_names[i].name, name) == 0) {
						k->is_code = key_names[i].code != 0;
						k->ch = (unsigned)(k->is_code ? key_names[i].code : key_names[i].ch);
						return true;
					}
			}
		}
	}
	unsigned int cp;
	size_t n = sm_utf8_decode(p, strlen(p), &cp);
	if (n == 0) {
		n = 1;
		cp = '?';
	}
	k->ch = cp;
	*pp = p + n;
	return true;
}

/* A key of the configuration: "a", "中", "F3", "<F3>", "C-x", "Ctrl-X",
 * "^X", or a name of key_names ("PgDn", "Enter", "Space" ...). */
static bool
parse_key(const char *s, tui_key *k)
{
	char buf[32];
	size_t n = strlen(s);
	memset(k, 0, sizeof(*k));
	if (n >= 3 && s[0] == '<' && s[n - 1] == '>' && n - 2 < sizeof(buf)) {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		s = buf;
		n -= 2;
	}
	if (n == 0)
		return false;
	if ((s[0] == 'F' || s[0] == 'f') && n >= 2 && n <= 3 && strspn(s + 1, "0123456789") == n - 1) {
		int f = atoi(s + 1);
		if (f < 1 || f > 12)
			return false;
		k->is_code = 1;
		k->fkey = f;
		k->ch = (unsigned)KEY_F(f);
		return true;
	}
	const char *ctl = NULL;
	if ((s[0] == 'C' || s[0] == 'c') && s[1] == '-' && n == 3)
		ctl = s + 2;
	else if (strncasecmp(s, "Ctrl-", 5) == 0 && n == 6)
		ctl = s + 5;
	else if (s[0] == '^' && n == 2)
		ctl = s + 1;
	if (ctl) {
		char c = *ctl;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < '@' || c > '_' || c == 'I' || c == 'M' || c == '[')
			return false; /* Tab, Enter, Esc: by their names */
		k->ch = (unsigned)(c & 0x1f);
		return true;
	}
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (strcasecmp(key_names[i].name, s) == 0 && strcmp(s, "lt") != 0) {
			k->is_code = key_names[i].code != 0;
			k->ch = (unsigned)(k->is_code ? key_names[i].code : key_names[i].ch);
			return true;
		}
	unsigned int cp;
	size_t len = sm_utf8_decode(s, n, &cp);
	if (len == 0 || len != n || cp <= ' ' || cp == 127 || (cp >= 0x80 && cp < 0xa0) ||
	    sm_text_cp_width(cp) < 1 || !sm_text_is_clean(s, false))
		return false;
	k->ch = cp;
	return true;
}

/* A key's name as the help screen shows it. */
static void
key_text(const tui_key *k, char *buf, size_t bufsz)
{
	if (k->fkey) {
		snprintf(buf, bufsz, "F%d Esc-%d", k->fkey, k->fkey % 10);
		return;
	}
	if (!k->is_code && k->ch == ' ') {
		snprintf(buf, bufsz, "%s", _("Space"));
		return;
	}
	if (!k->is_code && (k->ch == '\r' || k->ch == '\n')) {
		snprintf(buf, bufsz, "%s", _("Enter"));
		return;
	}
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if ((k->is_code && key_names[i].code == (int)k->ch) ||
		    (!k->is_code && key_names[i].code == 0 && key_names[i].ch == (int)k->ch &&
		    k->ch != '<')) {
			snprintf(buf, bufsz, "%s", key_names[i].name);
			return;
		}
	if (!k->is_code && k->ch < 32) {
		snprintf(buf, bufsz, "Ctrl-%c", (char)(k->ch + 64));
		return;
	}
	if (!k->is_code && k->ch == 127) {
		snprintf(buf, bufsz, "BS");
		return;
	}
	char u[8];
	size_t n = 0;
	unsigned int c = k->ch;
	if (c < 0x80)
		u[n++] = (char)c;
	else if (c < 0x800) {
		u[n++] = (char)(0xc0 | (c >> 6));
		u[n++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		u[n++] = (char)(0xe0 | (c >> 12));
		u[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[n++] = (char)(0x80 | (c & 0x3f));
	} else {
		u[n++] = (char)(0xf0 | (c >> 18));
		u[n++] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[n++] = (char)(0x80 | (c & 0x3f));
	}
	u[n] = '\0';
	snprintf(buf, bufsz, "%s", u);
}

/* The help text of a table's own keys (fkey, then the letters). */
static void
default_keys_text(const char *screen, const tui_action *table, const tui_action *a, char *keys,
                  size_t bufsz)
{
	size_t len = 0;
	keys[0] = '\0';
	if (a->fkey && !taken(screen, table, &(tui_key){.is_code = 1, .fkey = a->fkey}))
		len += (size_t)snprintf(keys + len, bufsz - len, "F%d Esc-%d ", a->fkey, a->fkey % 10);
	for (const char *c = a->keys; c && *c && len + 4 < bufsz; c++) {
		if (taken(screen, table, &(tui_key){.ch = (unsigned char)*c}))
			continue;
		if (*c == ' ')
			len += (size_t)snprintf(keys + len, bufsz - len, "%s ", _("Space"));
		else if (*c == '\n' || (*c == '\r' && !strchr(a->keys, '\n')))
			len += (size_t)snprintf(keys + len, bufsz - len, "%s ", _("Enter"));
		else if (*c == '\r')
			continue; /* Enter is already listed */
		else if (*c == '\033')
			len += (size_t)snprintf(keys + len, bufsz - len, "Esc ");
		else if (*c == '\t')
			len += (size_t)snprintf(keys + len, bufsz - len, "Tab ");
		else if ((unsigned char)*c < 32)
			len += (size_t)snprintf(keys + len, bufsz - len, "Ctrl-%c ", *c + 64);
		else
			len += (size_t)snprintf(keys + len, bufsz - len, "%c ", *c);
	}
}

void
tui_keys_text(const tui_action *table, const tui_action *a, char *buf, size_t bufsz)
{
	const char *screen = tui_table_screen(table);
	size_t len = 0;
	if (bufsz == 0)
		return;
	buf[0] = '\0';
	if (screen == NULL || !rebound(screen, a->act)) {
		default_keys_text(screen, table, a, buf, bufsz);
		return;
	}
	for (size_t i = 0; i < nbindings && len + 1 < bufsz; i++) {
		const binding *b = &bindings[i];
		char one[64];
		if (b->none || b->act != a->act || strcmp(b->screen, screen) != 0)
			continue;
		key_text(&b->key, one, sizeof(one));
		len += (size_t)snprintf(buf + len, bufsz - len, "%s ", one);
		if (len >= bufsz)
			len = bufsz - 1;
	}
}

int
tui_keys_bar(const tui_action *table, const tui_action *a, char *letter, size_t lsz)
{
	const char *screen = tui_table_screen(table);
	if (lsz)
		letter[0] = '\0';
	if (screen == NULL || !rebound(screen, a->act))
		return a->fkey <= 10 && !taken(screen, table, &(tui_key){.is_code = 1, .fkey = a->fkey}) ?
		    a->fkey : 0;
	int f = 0;
	for (size_t i = 0; i < nbindings; i++) {
		const binding *b = &bindings[i];
		if (b->none || b->act != a->act || strcmp(b->screen, screen) != 0)
			continue;
		if (b->key.fkey && b->key.fkey <= 10) {
			if (f == 0)
				f = b->key.fkey;
		} else if (lsz && letter[0] == '\0' && !b->key.fkey) {
			key_text(&b->key, letter, lsz);
		}
	}
	if (f && lsz)
		letter[0] = '\0';
	return f;
}

/* The screen as UTF-8 text, one line per row, trailing spaces trimmed;
 * line-drawing characters as ASCII. */
static void
dump_screen(tui *t, FILE *out)
{
	static const char acs_ascii[][2] = {
		{'q', '-'}, {'x', '|'}, {'l', '+'}, {'k', '+'}, {'m', '+'}, {'j', '+'},
		{'t', '+'}, {'u', '+'}, {'v', '+'}, {'w', '+'}, {'n', '+'},
	};
	for (int y = 0; y < t->lines; y++) {
		char line[4096];
		size_t len = 0;
		for (int x = 0; x < t->cols && len + 8 < sizeof(line);) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1] = {0};
			attr_t attrs = 0;
			short pair = 0;
			if (mvin_wch(y, x, &cc) == ERR || getcchar(&cc, wch, &attrs, &pair, NULL) == ERR)
				wch[0] = L' ';
			wchar_t c = wch[0] ? wch[0] : L' ';
			if (attrs & A_ALTCHARSET) {
				char a = '+';
				for (size_t i = 0; i < sizeof(acs_ascii) / sizeof(acs_ascii[0]); i++)
					if ((wchar_t)acs_ascii[i][0] == c)
						a = acs_ascii[i][1];
				c = (wchar_t)a;
			}
			int w = wcwidth(c);
			if (w > 1) {
				/* a wide character half overwritten (by a popup's edge) is
				 * shown by the terminal as blanks: ncurses marks the two
				 * halves 1 and 2 in the attribute's character bits */
				cchar_t next;
				bool whole = (cc.attr & A_CHARTEXT) != 2 && x + 1 < t->cols &&
				    mvin_wch(y, x + 1, &next) != ERR && (next.attr & A_CHARTEXT) == 2;
				if (!whole) {
					c = L' ';
					w = 1;
				}
			}
			mbstate_t st;
			memset(&st, 0, sizeof(st));
			size_t n = wcrtomb(line + len, c, &st);
			if (n == (size_t)-1) {
				line[len] = '?';
				n = 1;
			}
			len += n;
			x += w > 1 ? w : 1;
		}
		while (len > 0 && line[len - 1] == ' ')
			len--;
		line[len] = '\0';
		fprintf(out, "%s\n", line);
	}
}

/* Which cells are in reverse video or line drawing: one line per row, 'r'
 * for a reversed cell, 'a' for one of the alternate character set (lines),
 * 'R' for both, ' ' for another, trailing spaces trimmed (":attrs FILE"). */
static void
dump_reverse(tui *t, FILE *out)
{
	for (int y = 0; y < t->lines; y++) {
		char line[1024];
		int len = 0;
		for (int x = 0; x < t->cols && len + 1 < (int)sizeof(line); x++) {
			chtype c = mvinch(y, x);
			bool r = (c & A_REVERSE) != 0, a = (c & A_ALTCHARSET) != 0;
			line[len++] = r && a ? 'R' : r ? 'r' : a ? 'a' : ' ';
		}
		while (len > 0 && line[len - 1] == ' ')
			len--;
		line[len] = '\0';
		fprintf(out, "%s\n", line);
	}
}

static double
now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether K only moves the cursor (in a list, a pager, between a form's
 * fields) or types into a text field, while the data was looked at within
 * console.follow: then it goes without looking again.  Such a key acts on
 * nothing, and on a cluster each look is a round trip that a typed-ahead
 * key would wait for; a key that acts looks first, and so does every key
 * of a console that never looks by itself (console.follow 0) or runs a
 * script. */
#define DOWN_LOOK_MS 10000

static bool
only_moves(tui *t, const tui_key *k)
{
	int follow_ms = t->app->cfg->console_follow_ms;
	/* the store did not answer the last look: a look now would wait its
	 * timeout for a key that only moves over what is drawn, so such keys
	 * look only every DOWN_LOOK_MS (the idle looks go on, spaced out, and
	 * a key that acts looks first) */
	double since_ms = (now_seconds() - t->followed_at) * 1000.0;
	bool down = t->follow_fails > 0;
	if (t->top == NULL || t->script || follow_ms <= 0 ||
	    since_ms >= (down ? (follow_ms > DOWN_LOOK_MS ? follow_ms : DOWN_LOOK_MS) : follow_ms))
		return false;
	bool typed = !k->is_code && !k->fkey && k->ch >= 32 && k->ch != 127;
	enum tui_act act = tui_lookup(t->top->ops->actions, k);
	if (act == A_NONE && t->top->ops->text_input && typed)
		return true;
	if (act == A_NONE)
		act = tui_lookup(tui_generic_actions, k);
	switch (act) {
	case A_UP: case A_DOWN: case A_PGUP: case A_PGDN: case A_HOME: case A_END:
	case A_GO_LEFT: case A_GO_RIGHT: case A_NEXT_FIELD: case A_PREV_FIELD:
	case A_HELP: case A_REDRAW:
		return true;
	default:
		return false;
	}
}

static long
bytes_written(tui *t)
{
	struct stat sb;
	fflush(t->tty_out);
	if (t->tty_out && fstat(fileno(t->tty_out), &sb) == 0)
		return (long)sb.st_size;
	return 0;
}

/* Run a script directive (":dump FILE", ":attrs FILE", ":resize COLS ROWS",
 * ":bytes LABEL", ":time LABEL"; ":paste TEXT" is read as a key). */
static void
script_directive(tui *t, const char *line)
{
	char arg[1024] = "";
	if (sscanf(line, ":dump %1023[^\n]", arg) == 1 || strcmp(line, ":dump") == 0) {
		FILE *out = arg[0] ? sm_priv_fopen(arg, "w") : stdout;
		if (out == NULL)
			return;
		dump_screen(t, out);
		if (out != stdout)
			fclose(out);
		else
			fflush(stdout);
	} else if (sscanf(line, ":attrs %1023[^\n]", arg) == 1) {
		FILE *out = sm_priv_fopen(arg, "w");
		if (out) {
			dump_reverse(t, out);
			fclose(out);
		}
	} else if (strncmp(line, ":resize ", 8) == 0) {
		int c = 0, r = 0;
		if (sscanf(line + 8, "%d %d", &c, &r) == 2 && c > 0 && r > 0) {
			resizeterm(r, c);
			t->lines = r;
			t->cols = c;
			tui_render(t);
		}
	} else if (sscanf(line, ":bytes %1023[^\n]", arg) == 1) {
		doupdate();
		long b = bytes_written(t);
		fprintf(stderr, "bytes %s %ld\n", arg, b - t->bytes_mark);
		t->bytes_mark = b;
	} else if (sscanf(line, ":time %1023[^\n]", arg) == 1) {
		double s = now_seconds();
		fprintf(stderr, "time %s %.3f ms\n", arg, (s - t->time_mark) * 1000.0);
		t->time_mark = s;
	}
}

/* A copy of S with the escapes \n \r \t \e \\ resolved. */
static char *
unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		if (*s != '\\' || s[1] == '\0') {
			*o++ = *s;
			continue;
		}
		s++;
		switch (*s) {
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'e': *o++ = 27; break;
		default: *o++ = *s; break;
		}
	}
	*o = '\0';
	return out;
}

static int
script_key(tui *t, tui_key *k)
{
	for (;;) {
		if (t->pending) {
			const char *p = t->pending + t->pending_pos;
			if (script_token(&p, k)) {
				t->pending_pos = (size_t)(p - t->pending);
				return 0;
			}
			free(t->pending);
			t->pending = NULL;
		}
		char *line = NULL;
		size_t cap = 0;
		ssize_t n = getline(&line, &cap, t->script);
		if (n < 0) {
			free(line);
			return -1;
		}
		t->script_line++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#') {
			free(line);
			continue;
		}
		if (strncmp(line, ":paste ", 7) == 0) {
			/* a bracketed paste of the rest of the line (\n, \t, \e, \\) */
			free(t->paste);
			t->paste = unescape(line + 7);
			free(line);
			memset(k, 0, sizeof(*k));
			k->is_code = 1;
			k->ch = TUI_KEY_PASTE;
			k->text = t->paste ? t->paste : "";
			return 0;
		}
		if (line[0] == ':') {
			script_directive(t, line);
			free(line);
			continue;
		}
		t->pending = line;
		t->pending_pos = 0;
	}
}

/* Bracketed paste: the codes keypad() returns for ESC[200~ and ESC[201~. */
static int paste_begin, paste_end;

static void
paste_keys(void)
{
	paste_begin = key_defined("\033[200~");
	if (paste_begin <= 0 && define_key("\033[200~", KEY_MAX + 101) == OK)
		paste_begin = KEY_MAX + 101;
	paste_end = key_defined("\033[201~");
	if (paste_end <= 0 && define_key("\033[201~", KEY_MAX + 102) == OK)
		paste_end = KEY_MAX + 102;
}

/* The keys other terminals send than the terminfo entry says (PuTTY, rxvt,
 * the Linux console under TERM=xterm ...): known too, when no other key
 * has their sequence.  A sequence known to none is read whole and dropped
 * (tui_read_key), not taken as Esc and letters that run commands. */
static void
alternate_keys(void)
{
	static const struct {
		const char *seq;
		int code;
	} alt[] = {
		{"\033[1~", KEY_HOME}, {"\033[7~", KEY_HOME}, {"\033[H", KEY_HOME}, {"\033OH", KEY_HOME},
		{"\033[4~", KEY_END}, {"\033[8~", KEY_END}, {"\033[F", KEY_END}, {"\033OF", KEY_END},
		{"\033[2~", KEY_IC}, {"\033[3~", KEY_DC}, {"\033[5~", KEY_PPAGE}, {"\033[6~", KEY_NPAGE},
		{"\033[A", KEY_UP}, {"\033[B", KEY_DOWN}, {"\033[C", KEY_RIGHT}, {"\033[D", KEY_LEFT},
		{"\033OA", KEY_UP}, {"\033OB", KEY_DOWN}, {"\033OC", KEY_RIGHT}, {"\033OD", KEY_LEFT},
		{"\033[11~", KEY_F(1)}, {"\033[12~", KEY_F(2)}, {"\033[13~", KEY_F(3)},
		{"\033[14~", KEY_F(4)}, {"\033OP", KEY_F(1)}, {"\033OQ", KEY_F(2)}, {"\033OR", KEY_F(3)},
		{"\033OS", KEY_F(4)}, {"\033[[A", KEY_F(1)}, {"\033[[B", KEY_F(2)}, {"\033[[C", KEY_F(3)},
		{"\033[[D", KEY_F(4)}, {"\033[[E", KEY_F(5)}, {"\033[15~", KEY_F(5)},
		{"\033[17~", KEY_F(6)}, {"\033[18~", KEY_F(7)}, {"\033[19~", KEY_F(8)},
		{"\033[20~", KEY_F(9)}, {"\033[21~", KEY_F(10)}, {"\033[23~", KEY_F(11)},
		{"\033[24~", KEY_F(12)}, {"\033[Z", KEY_BTAB},
	};
	for (size_t i = 0; i < sizeof(alt) / sizeof(alt[0]); i++)
		if (key_defined(alt[i].seq) == 0)
			define_key(alt[i].seq, alt[i].code);
}

/* Ask the terminal to bracket what is pasted (xterm's mode 2004). */
static void
paste_mode(tui *t, bool on)
{
	if (t->script || t->tty_out == NULL)
		return;
	fflush(t->tty_out);
	const char *seq = on ? "\033[?2004h" : "\033[?2004l";
	if (write(fileno(t->tty_out), seq, strlen(seq)) < 0) {
		/* nothing to do: the terminal is gone */
	}
}

/* Ctrl-Z: the terminal gets its usual modes (no bracketed paste) while
 * sitemark is stopped. */
static volatile sig_atomic_t stop_requested;

static void
on_tstp(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Ctrl-C: a key like F10 (TUI_KEY_INTERRUPT), not the end of the process
 * with what was typed in it; pressed again before the console read the
 * first (it hangs), the default's. */
static volatile sig_atomic_t interrupt_requested;

/* SIGHUP (the SSH connection dropped) and SIGTERM: the console leaves at
 * once, what was typed kept as drafts (tui_run's end), nothing asked. */
static volatile sig_atomic_t hangup_requested;

static void
on_hup(int sig)
{
	(void)sig;
	hangup_requested = 1;
}

static void
on_int(int sig)
{
	if (interrupt_requested) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	interrupt_requested = 1;
}

static void
suspend(tui *t)
{
	stop_requested = 0;
	paste_mode(t, false);
	endwin();
	signal(SIGTSTP, SIG_DFL);
	kill(getpid(), SIGTSTP);
	/* continued */
	struct sigaction sa = {.sa_handler = on_tstp};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTSTP, &sa, NULL);
	paste_mode(t, true);
	clearok(curscr, TRUE);
	doupdate();
}

#define PASTE_MAX (64 * 1024)

/* Read a paste up to its end mark into t->paste. */
static void
read_paste(tui *t, tui_key *k)
{
	size_t len = 0, cap = 256;
	char *buf = malloc(cap);
	wint_t w;
	int r;
	timeout(2000); /* a paste whose end is lost must not hang the console */
	for (;;) {
		errno = 0;
		r = get_wch(&w);
		if (r == ERR && errno == EINTR)
			continue;
		if (r == ERR)
			break;
		if (r == KEY_CODE_YES) {
			if ((int)w == paste_end)
				break;
			continue; /* a function key inside a paste: dropped */
		}
		char mb[MB_LEN_MAX];
		mbstate_t st;
		memset(&st, 0, sizeof(st));
		size_t n = wcrtomb(mb, (wchar_t)w, &st);
		if (n == (size_t)-1 || buf == NULL || len + n + 1 > PASTE_MAX)
			continue;
		if (len + n + 1 > cap) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL)
				continue;
			buf = nb;
			cap *= 2;
		}
		memcpy(buf + len, mb, n);
		len += n;
	}
	timeout(-1);
	if (buf)
		buf[len] = '\0';
	free(t->paste);
	t->paste = buf;
	k->is_code = 1;
	k->ch = TUI_KEY_PASTE;
	k->fkey = 0;
	k->text = t->paste ? t->paste : "";
}

static int
terminal_key(tui *t, tui_key *k)
{
	wint_t w;
	int r;
	memset(k, 0, sizeof(*k));
	int resumed = 0;  /* after Ctrl-Z and fg, curses may return ERR once */
	for (;;) {
		errno = 0;
		r = get_wch(&w);
		if (r != ERR)
			break;
		if (stop_requested) {
			suspend(t);
			resumed = 3;
		} else if (hangup_requested) {
			return -1;
		} else if (interrupt_requested) {
			interrupt_requested = 0;
			k->is_code = 1;
			k->ch = TUI_KEY_INTERRUPT;
			return 0;
		} else if (errno == EINTR) {
			continue;
		} else if (t->idle_ms > 0) {
			return TUI_IDLE; /* no key for a while: the caller looks around */
		} else if (resumed-- <= 0) {
			break;
		}
	}
	if (r == ERR)
		return -1;
	k->is_code = r == KEY_CODE_YES;
	k->ch = (unsigned)w;
	if (k->is_code && paste_begin > 0 && (int)w == paste_begin) {
		read_paste(t, k);
		return 0;
	}
	if (k->is_code && paste_end > 0 && (int)w == paste_end) {
		/* a stray end mark: nothing */
		k->is_code = 1;
		k->ch = TUI_KEY_PASTE;
		k->text = "";
		return 0;
	}
	if (k->is_code && k->ch >= (unsigned)KEY_F(1) && k->ch <= (unsigned)KEY_F(12))
		k->fkey = (int)(k->ch - (unsigned)KEY_F(0));
	return 0;
}

int
tui_read_key(tui *t, tui_key *k)
{
	int r = t->script ? script_key(t, k) : terminal_key(t, k);
	if (r < 0 || r == TUI_IDLE) /* no key: not one to act on */
		return r;
	if (k->is_code && k->ch == KEY_RESIZE) {
		getmaxyx(stdscr, t->lines, t->cols);
		return 0;
	}
	/* Esc then a digit acts as that F-key (mc): for terminals whose F-keys
	 * are lost on the way. */
	if (!k->is_code && k->ch == 27) {
		tui_key next;
		bool digit = false;
		if (t->script) {
			const char *p = t->pending ? t->pending + t->pending_pos : "";
			if (*p >= '0' && *p <= '9' && script_token(&p, &next)) {
				t->pending_pos = (size_t)(p - t->pending);
				digit = true;
			}
		} else {
			timeout(300);
			double esc_at = now_seconds();
			int got = terminal_key(t, &next);
			double after = now_seconds() - esc_at;
			timeout(-1);
			if (got == 0 && tui_key_is_paste(&next)) {
				*k = next; /* Esc then a paste: the paste */
				return 0;
			}
			/* a terminal sends a sequence's bytes at once; a person
			 * pressing Esc and then [ takes longer than 20 ms */
			if (got == 0 && !next.is_code && (next.ch == '[' || next.ch == 'O') &&
			    after < 0.02) {
				/* a key's sequence no terminfo entry and no
				 * alternate_keys() knows: read to its final byte
				 * and dropped, then the next key */
				timeout(50);
				for (int i = 0; i < 16 && terminal_key(t, &next) == 0 && !next.is_code &&
				     !(next.ch >= 0x40 && next.ch <= 0x7e && !(i == 0 && next.ch == '['));
				     i++)
					;
				timeout(-1);
				return tui_read_key(t, k);
			}
			if (got == 0 && !next.is_code && next.ch >= '0' && next.ch <= '9')
				digit = true;
			else if (got == 0 && next.is_code)
				ungetch((int)next.ch);
			else if (got == 0)
				unget_wch((wchar_t)next.ch);
		}
		if (digit) {
			k->fkey = next.ch == '0' ? 10 : (int)(next.ch - '0');
			k->is_code = 1;
			k->ch = (unsigned)KEY_F(k->fkey);
		}
	}
	return 0;
}

int
tui_read_key_idle(tui *t, tui_key *k)
{
	int logout_ms = t->app->cfg->console_idle_logout_ms;
	if (t->script || logout_ms <= 0)
		return tui_read_key(t, k);
	for (;;) {
		double left = t->last_key + logout_ms / 1000.0 - now_seconds();
		if (left <= 0) {
			t->idle_out_s = logout_ms / 1000;
			t->quit = true;
			return -1;
		}
		t->idle_ms = (int)(left * 1000.0) + 1;
		timeout(t->idle_ms);
		int r = tui_read_key(t, k);
		t->idle_ms = -1;
		timeout(-1);
		if (r == TUI_IDLE)
			continue;
		if (r >= 0)
			t->last_key = now_seconds();
		return r;
	}
}

/* ------------------------------------------------------------ drawing */

static void
too_small(tui *t)
{
	erase();
	char buf[256];
	snprintf(buf, sizeof(buf), _("The terminal is %dx%d: sitemark needs at least %dx%d. Enlarge the window, or press Q to quit."),
	    t->cols, t->lines, TUI_MIN_COLS, TUI_MIN_LINES);
	int y = t->lines / 2 - 1;
	if (y < 0)
		y = 0;
	/* wrap by hand over the narrow screen */
	const char *p = buf;
	while (*p && y < t->lines) {
		size_t cells = 0, n = sm_text_fit(p, (size_t)(t->cols > 1 ? t->cols : 1), &cells);
		size_t skip = 0;
		if (n == 0)
			break;
		if (p[n] && p[n] != ' ') { /* between words, when there are spaces */
			size_t sp = n;
			while (sp > n / 2 && p[sp - 1] != ' ')
				sp--;
			if (sp > n / 2)
				n = sp;
		}
		while (p[n + skip] == ' ')
			skip++;
		mvaddnstr(y++, 0, p, (int)n);
		p += n + skip;
	}
}

void
tui_render(tui *t)
{
	getmaxyx(stdscr, t->lines, t->cols);
	erase();
	t->cur_y = -1;
	if (t->lines < TUI_MIN_LINES || t->cols < TUI_MIN_COLS) {
		too_small(t);
	} else {
		if (t->top && t->top->stale && t->top->ops->reload) {
			t->top->stale = false;
			t->top->ops->reload(t->top, t);
		}
		/* a message over several lines takes them from the view, so
		 * that the cursor's row stays on the screen */
		int more = tui_message_lines(t) - 1;
		if (t->top)
			t->top->ops->draw(t->top, t, 1, t->lines - 3 - (more > 0 ? more : 0));
		int cy = t->cur_y, cx = t->cur_x;
		tui_draw_frame(t);
		t->cur_y = cy;
		t->cur_x = cx;
	}
	if (t->cur_y >= 0) {
		leaveok(stdscr, FALSE);
		move(t->cur_y, t->cur_x);
		curs_set(1);
	} else {
		/* no cursor to show: let it stay wherever the last change left it,
		 * rather than spend bytes moving it home */
		leaveok(stdscr, TRUE);
		curs_set(0);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* ------------------------------------------------------------ the loop */

static bool
view_open(const tui *t, const tui_view *v)
{
	for (const tui_view *x = t->top; x; x = x->below)
		if (x == v)
			return true;
	return false;
}

void
tui_run_until_closed(tui *t, tui_view *until)
{
	while (t->top && !t->quit && (until == NULL || view_open(t, until))) {
		tui_key k;
		tui_render(t);
		/* Idle, the console looks every console.follow seconds whether someone else
		 * changed the data (a reviewer, a script); what did not change is
		 * not sent again (curses compares the screens). */
		t->idle_ms = t->script || t->app->cfg->console_follow_ms <= 0 ? -1 :
		    t->app->cfg->console_follow_ms;
		/* the store did not answer the last looks: each waits for it
		 * (store.timeout), so they space out, doubling up to a minute;
		 * a key still looks at once */
		for (int i = 0; t->idle_ms > 0 && i < t->follow_fails && i < 5 &&
		     t->idle_ms < 60000; i++)
			t->idle_ms = t->idle_ms * 2 < 60000 ? t->idle_ms * 2 : 60000;
		/* console.idle_logout: no key for so long and the console leaves,
		 * drafts kept (tui_run) */
		int logout_ms = t->app->cfg->console_idle_logout_ms;
		if (!t->script && logout_ms > 0) {
			double left = t->last_key + logout_ms / 1000.0 - now_seconds();
			if (left <= 0) {
				t->idle_out_s = logout_ms / 1000;
				t->quit = true;
				break;
			}
			int left_ms = (int)(left * 1000.0) + 1;
			if (t->idle_ms <= 0 || left_ms < t->idle_ms)
				t->idle_ms = left_ms;
		}
		timeout(t->idle_ms);
		int got = tui_read_key(t, &k);
		t->idle_ms = -1;
		timeout(-1);
		if (got < 0) {
			t->quit = true;
			break;
		}
		if (got != TUI_IDLE)
			t->last_key = now_seconds();
		if (got == TUI_IDLE) {
			tui_follow_data(t);
			continue;
		}
		/* A key acts on the data as it is now, not as it was drawn. */
		if (!only_moves(t, &k) && tui_follow_data(t) && t->top && t->top->stale &&
		    t->top->ops->reload) {
			t->top->stale = false;
			t->top->ops->reload(t->top, t);
		}
		/* the message goes with the key, but for why the store does not
		 * answer: that stays until it answers again (tui_follow_data) */
		if (!(t->follow_fails > 0 && t->message_error))
			t->message[0] = '\0';
		if (k.is_code && k.ch == KEY_RESIZE) {
			/* a taller screen may show more than the views read */
			tui_mark_stale(t);
			continue;
		}
		bool interrupt = k.is_code && k.ch == TUI_KEY_INTERRUPT;
		if (t->lines < TUI_MIN_LINES || t->cols < TUI_MIN_COLS) {
			/* asked as anywhere; what was typed is kept on the way out */
			if ((interrupt || tui_lookup(tui_generic_actions, &k) == A_QUIT) &&
			    tui_confirm_quit(t))
				t->quit = true;
			continue;
		}
		register_table(t->top->ops->actions, t->top->ops->name);
		if (tui_key_is_paste(&k) && !t->top->ops->text_input) {
			/* pasted letters must not run a list's commands */
			tui_msg(t, true, "%s", _("Pasted text ignored: paste only into a text field."));
			continue;
		}
		enum tui_act act = interrupt ? A_QUIT : tui_lookup(t->top->ops->actions, &k);
		bool typed = !k.is_code && !k.fkey && k.ch >= 32 && k.ch != 127;
		if (act == A_NONE && !(t->top->ops->text_input && typed))
			act = tui_lookup(tui_generic_actions, &k);
		if (act == A_HELP) {
			tui_help(t);
			continue;
		}
		if (act == A_REDRAW) {
			clearok(curscr, TRUE);
			continue;
		}
		tui_view *was = t->top;
		int flags = t->top->ops->handle(t->top, t, act, &k);
		if (flags & TUI_RELOAD)
			tui_mark_stale(t);
		bool quit = flags & TUI_QUIT || (!flags && act == A_QUIT);
		bool pop = !quit && (flags & TUI_POP || (!flags && act == A_BACK));
		/* leaving the console (Q, F10, or q on the last screen) asks first */
		if ((quit || (pop && t->top == was && was->below == NULL)) && !tui_confirm_quit(t))
			continue;
		if (quit)
			t->quit = true;
		else if (pop)
			tui_pop(t);
	}
}

/* ------------------------------------------------------------ place */

/* Where the user was: $XDG_STATE_HOME/sitemark/LOGIN.place ("menu N case M"). */
static char *
place_path(tui *t)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *p = NULL;
	const char *login = t->app->user.login;
	if (login == NULL || strchr(login, '/') || login[0] == '.')
		return NULL;
	if (xdg && *xdg == '/') {
		if (asprintf(&p, "%s/sitemark/%s.place", xdg, login) < 0)
			p = NULL;
	} else if (home && *home) {
		if (asprintf(&p, "%s/.local/state/sitemark/%s.place", home, login) < 0)
			p = NULL;
	}
	return p;
}

static void
place_load(tui *t)
{
	char *path = place_path(t);
	FILE *f = path ? sm_priv_fopen(path, "r") : NULL;
	long long c = 0;
	int m = -1;
	if (f && fscanf(f, "menu %d case %lld", &m, &c) == 2) {
		t->last_menu = m;
		t->last_case = c;
	}
	if (f)
		fclose(f);
	free(path);
}

static void
place_save(tui *t)
{
	char *path = place_path(t);
	sm_priv_saved ids; /* the caller's file: with the caller's own identity */
	if (path == NULL || sm_priv_lower(&ids) != 0) {
		free(path);
		return;
	}
	for (char *q = path + 1; *q; q++)
		if (*q == '/') {
			*q = '\0';
			mkdir(path, 0700);
			*q = '/';
		}
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "menu %d case %lld\n", t->last_menu, (long long)t->last_case);
		fclose(f);
	}
	sm_priv_raise(&ids);
	free(path);
}

/* ------------------------------------------------------------ set-up */

static bool
utf8_locale(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

static void
colors(tui *t)
{
	const char *nc = getenv("NO_COLOR");
	t->color = !t->opts.no_color && !(nc && *nc) && has_colors();
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(TUI_PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
	init_pair(TUI_PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
	init_pair(TUI_PAIR_KEY, -1, -1);
	init_pair(TUI_PAIR_OVERDUE, COLOR_RED, -1);
	init_pair(TUI_PAIR_ERROR, COLOR_RED, -1);
	init_pair(TUI_PAIR_OK, COLOR_GREEN, -1);
	init_pair(TUI_PAIR_DIM, -1, -1);
}

/* The terminal cannot show the console: a message in both languages (the
 * catalogue may not suit a terminal that cannot even place the cursor). */
static int
unusable_terminal(const char *term)
{
	fprintf(stderr, "sitemark: 终端类型“%s”无法显示全屏控制台（未知类型，或不能定位光标）。"
	    "请设置正确的终端类型，例如：export TERM=xterm-256color；或改用命令行（sitemark --help）。\n"
	    "sitemark: the terminal type '%s' cannot show the full-screen console (unknown, or no cursor addressing). "
	    "Set the right type, e.g. export TERM=xterm-256color, or use the commands (sitemark --help).\n",
	    term ? term : "", term ? term : "");
	return 1;
}

/* Whether the terminal just set up draws lines we can trust: its acsc has
 * the horizontal line ('q'), and ncurses will not send it as the Unicode
 * U+2500 (terminfo U8, or NCURSES_NO_UTF8_ACS: screen, tmux, the Linux
 * console) to a terminal in a Chinese, Japanese or Korean locale, where
 * box drawing is "ambiguous width" and often drawn two cells wide. */
static bool
terminal_lines(void)
{
	const char *acsc = tigetstr("acsc");
	bool q = false;
	if (acsc == NULL || acsc == (char *)-1)
		return false;
	for (const char *p = acsc; p[0] && p[1]; p += 2)
		if (p[0] == 'q')
			q = true;
	if (!q)
		return false;
	const char *env = getenv("NCURSES_NO_UTF8_ACS");
	bool unicode = (env && *env && strcmp(env, "0") != 0) || tigetnum("U8") > 0;
	const char *loc = setlocale(LC_CTYPE, NULL);
	bool cjk = loc && (strncmp(loc, "zh", 2) == 0 || strncmp(loc, "ja", 2) == 0 ||
	    strncmp(loc, "ko", 2) == 0);
	return !(unicode && cjk);
}

/* The configuration's key bindings, checked: the problems go to PROBLEMS
 * (translated, "FILE:LINE: ..."). */
static void
load_bindings(tui *t, sm_err *problems)
{
	const sm_config *cfg = t->app ? t->app->cfg : NULL;
	const char *path = cfg && cfg->path ? cfg->path : "";
	free(bindings);
	bindings = NULL;
	nbindings = 0;
	ntables = 0;
	if (cfg == NULL || cfg->n_keys == 0)
		return;
	bindings = calloc(cfg->n_keys, sizeof(*bindings));
	if (bindings == NULL)
		return;
	for (size_t i = 0; i < cfg->n_keys; i++) {
		const sm_key_binding *kb = &cfg->keys[i];
		binding b = {0};
		char *sh = sm_text_excerpt(kb->screen);
		for (size_t s = 0; screen_names[s]; s++)
			if (strcmp(screen_names[s], kb->screen) == 0)
				b.screen = screen_names[s];
		if (b.screen == NULL) {
			char all[256] = ""; /* the list is the table's */
			for (size_t s = 0; screen_names[s]; s++)
				snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s", s ? ", " : "",
				    screen_names[s]);
			sm_err_add(problems, SM_E_INVALID, "keys", _("%s:%d: keys: unknown screen '%s' (the screens: %s)"),
			    path, kb->line, sh, all);
			sm_text_excerpt_free(sh);
			continue;
		}
		sm_text_excerpt_free(sh);
		sh = sm_text_excerpt(kb->action);
		b.act = tui_act_from_name(kb->action);
		if (b.act == A_NONE) {
			sm_err_add(problems, SM_E_INVALID, "keys", _("%s:%d: keys: unknown action '%s' on the screen '%s'"),
			    path, kb->line, sh, b.screen);
			sm_text_excerpt_free(sh);
			continue;
		}
		if (strcmp(b.screen, "generic") == 0 && !table_has(tui_generic_actions, b.act)) {
			sm_err_add(problems, SM_E_INVALID, "keys", _("%s:%d: keys: '%s' is not an action of every screen: bind it on its screen"),
			    path, kb->line, sh);
			sm_text_excerpt_free(sh);
			continue;
		}
		sm_text_excerpt_free(sh);
		if (kb->key == NULL) {
			b.none = true;
			bindings[nbindings++] = b;
			continue;
		}
		sh = sm_text_excerpt(kb->key);
		if (!parse_key(kb->key, &b.key)) {
			sm_err_add(problems, SM_E_INVALID, "keys", _("%s:%d: keys: cannot read the key '%s' (a character, F1 to F12, C-x, or Up, Down, Left, Right, PgUp, PgDn, Home, End, Enter, Tab, Esc, Space, BTab, Del, BS)"),
			    path, kb->line, sh);
			sm_text_excerpt_free(sh);
			continue;
		}
		if (strcmp(b.screen, "form") == 0 && !b.key.fkey && !b.key.is_code && b.key.ch >= ' ' &&
		    b.key.ch != 127) {
			sm_err_add(problems, SM_E_INVALID, "keys", _("%s:%d: keys: '%s' is typed into the form's fields: bind an F-key or a control key there"),
			    path, kb->line, sh);
			sm_text_excerpt_free(sh);
			continue;
		}
		bool twice = false;
		for (size_t j = 0; j < nbindings && !twice; j++)
			if (!bindings[j].none && bindings[j].screen == b.screen &&
			    key_eq(&bindings[j].key, &b.key) && key_eq(&b.key, &bindings[j].key))
				twice = true;
		if (twice) {
			sm_err_add(problems, SM_E_INVALID, "keys", _("%s:%d: keys: '%s' is bound twice on the screen '%s'"),
			    path, kb->line, sh, b.screen);
			sm_text_excerpt_free(sh);
			continue;
		}
		sm_text_excerpt_free(sh);
		bindings[nbindings++] = b;
	}
}

int
tui_run(sm_app *app, const tui_opts *opts)
{
	tui t = {.app = app, .opts = *opts, .cur_y = -1, .idle_ms = -1,
	    .generation = sm_view_generation(app)};
	SCREEN *screen;
	int saved_stderr = -1;

	if (!utf8_locale()) {
		/* Bilingual on purpose: the catalogue cannot be shown in this locale. */
		fputs("sitemark: 当前语言环境不是 UTF-8，控制台无法正确显示中文。请先执行：export LANG=zh_CN.UTF-8\n"
		    "sitemark: the locale is not UTF-8, so the console cannot show Chinese. Fix it with: export LANG=zh_CN.UTF-8 (or en_US.UTF-8)\n",
		    stderr);
		return 1;
	}
	const char *term = getenv("TERM");
	if (term == NULL || *term == '\0' || strcmp(term, "dumb") == 0)
		return unusable_terminal(term);
	if (opts->script) {
		if ((t.script = sm_priv_fopen(opts->script, "r")) == NULL) {
			fprintf(stderr, _("sitemark: cannot read the script %s: %s\n"), opts->script,
			    strerror(errno));
			return 1;
		}
		if (getenv("LINES") == NULL)
			setenv("LINES", "24", 1);
		if (getenv("COLUMNS") == NULL)
			setenv("COLUMNS", "80", 1);
		t.tty_out = sm_priv_fopen(opts->output ? opts->output : "/dev/null", "w");
		t.tty_in = fopen("/dev/null", "r");
		if (t.tty_out == NULL || t.tty_in == NULL) {
			fprintf(stderr, _("sitemark: cannot open %s\n"), opts->output ? opts->output : "/dev/null");
			return 1;
		}
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			fprintf(stderr, "%s\n", _("sitemark: the console needs a terminal; use a command instead (sitemark --help)"));
			return 2;
		}
		t.tty_out = stdout;
		t.tty_in = stdin;
	}
	sm_err *problems = sm_err_new();
	load_bindings(&t, problems);
	for (size_t i = 0; problems && i < sm_err_count(problems); i++)
		fprintf(stderr, "sitemark: %s\n", sm_err_msg(problems, i));
	char keys_notice[512];
	if (problems && sm_err_count(problems) > 0 && opts->notice == NULL) {
		snprintf(keys_notice, sizeof(keys_notice), _("key bindings: %zu problems (see standard error), the first: %s"),
		    sm_err_count(problems), sm_err_msg(problems, 0));
		t.opts.notice = keys_notice;
	}
	sm_err_free(&problems);
	if (app && app->cfg && app->cfg->console_cursor && strcmp(app->cfg->console_cursor, "reverse") == 0)
		t.opts.reverse_cursor = true;
	struct sigaction old_int, old_hup, old_term;
	if (!opts->script) {
		/* Ctrl-Z is ours (see suspend()), installed before curses looks */
		struct sigaction sa = {.sa_handler = on_tstp};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTSTP, &sa, NULL);
		/* so is Ctrl-C (on_int): no SA_RESTART, the read of keys ends */
		struct sigaction si = {.sa_handler = on_int};
		sigemptyset(&si.sa_mask);
		interrupt_requested = 0;
		sigaction(SIGINT, &si, &old_int);
		struct sigaction sh = {.sa_handler = on_hup};
		sigemptyset(&sh.sa_mask);
		hangup_requested = 0;
		sigaction(SIGHUP, &sh, &old_hup);
		sigaction(SIGTERM, &sh, &old_term);
	}
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	screen = newterm(term, t.tty_out, t.tty_in);
	const char *cup = screen ? tigetstr("cup") : NULL;
	if (cup == NULL || cup == (char *)-1) {
		if (screen) {
			endwin();
			delscreen(screen);
		}
		if (!opts->script) {
			signal(SIGTSTP, SIG_DFL);
			sigaction(SIGINT, &old_int, NULL);
			sigaction(SIGHUP, &old_hup, NULL);
			sigaction(SIGTERM, &old_term, NULL);
		}
		if (t.script) {
			fclose(t.script);
			fclose(t.tty_out);
			fclose(t.tty_in);
		}
		free(bindings);
		bindings = NULL;
		nbindings = 0;
		return unusable_terminal(term);
	}
	/* line drawing the terminal may get wrong: ASCII (mc -a) */
	if (!terminal_lines())
		t.opts.ascii = true;
	set_term(screen);
	cbreak();
	noecho();
	nonl();
	/* Ctrl-S is a key (submit), not XOFF: flow control off while the
	 * console runs, its mode kept for curses to give back after Ctrl-Z */
	struct termios tio;
	if (!opts->script && tcgetattr(fileno(t.tty_in), &tio) == 0 && (tio.c_iflag & IXON)) {
		tio.c_iflag &= ~(tcflag_t)IXON;
		if (tcsetattr(fileno(t.tty_in), TCSANOW, &tio) == 0)
			def_prog_mode();
	}
	keypad(stdscr, TRUE);
	meta(stdscr, TRUE);
	idlok(stdscr, TRUE); /* a scrolled list is sent as a scroll, not redrawn */
	paste_keys();
	alternate_keys();
	paste_mode(&t, true);
	colors(&t);
	getmaxyx(stdscr, t.lines, t.cols);
	/* Nothing may write on the screen behind curses' back. */
	if (!opts->script && isatty(STDERR_FILENO)) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			saved_stderr = dup(STDERR_FILENO);
			dup2(devnull, STDERR_FILENO);
			close(devnull);
		}
	}
	t.time_mark = now_seconds();
	t.last_key = t.time_mark;
	t.last_menu = -1;
	if (!opts->script)
		place_load(&t);
	tui_push(&t, tui_menu_new(&t));
	tui_menu_restore(&t);
	if (t.opts.notice)
		tui_msg(&t, true, "%s", t.opts.notice);

	tui_run_until_closed(&t, NULL);
	/* what was typed is kept before the views go, however the console
	 * leaves (F10 in a form keeps it itself, idle log-out, Ctrl-C, Q on a
	 * screen too small to show the form) */
	for (tui_view *v = t.top; v; v = v->below)
		if (v->ops->save)
			v->ops->save(v, &t);
	if (!opts->script)
		place_save(&t);
	while (t.top)
		tui_pop(&t);
	paste_mode(&t, false);
	endwin();
	delscreen(screen);
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
	}
	if (t.script)
		fclose(t.script);
	free(t.pending);
	free(t.paste);
	free(t.office_name);
	for (size_t i = 0; i < t.searches.n; i++)
		free(t.searches.items[i]);
	free(bindings);
	bindings = NULL;
	nbindings = 0;
	ntables = 0;
	if (!opts->script) {
		signal(SIGTSTP, SIG_DFL);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (opts->script) {
		fclose(t.tty_out);
		fclose(t.tty_in);
	}
	if (t.idle_out_s > 0) {
		sm_err *err = sm_err_new();
		if (sm_auth_idle_logout(app, t.idle_out_s, err) != SM_OK && sm_err_count(err) > 0)
			fprintf(stderr, "sitemark: %s\n", sm_err_msg(err, 0));
		sm_err_free(&err);
		if (t.idle_out_s >= 60)
			printf(_("Logged out after %d minutes idle; forms being filled in are kept as drafts.\n"),
			    t.idle_out_s / 60);
		else
			printf(_("Logged out after %d seconds idle; forms being filled in are kept as drafts.\n"),
			    t.idle_out_s);
	}
	return 0;
}
