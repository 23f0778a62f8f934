/* tui_main.c - the console's loop: terminal set-up, keys (from the terminal
 * or a script), the view stack, one doupdate per loop. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "sm_i18n.h"
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

bool
tui_offers(tui *t, enum tui_act act)
{
	return t->top == NULL || t->top->ops->offers == NULL || t->top->ops->offers(t->top, t, act);
}

void
tui_push(tui *t, tui_view *v)
{
	if (v == NULL)
		return;
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

enum tui_act
tui_lookup(const tui_action *table, const tui_key *k)
{
	for (const tui_action *a = table; a && a->act; a++) {
		if (k->fkey && a->fkey == k->fkey)
			return a->act;
		if (!k->is_code && !k->fkey && a->keys && k->ch > 0 && k->ch < 128 &&
		    strchr(a->keys, (int)k->ch))
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

static double
now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* Run a script directive (":dump FILE", ":resize COLS ROWS", ":bytes LABEL",
 * ":time LABEL"). */
static void
script_directive(tui *t, const char *line)
{
	char arg[1024] = "";
	if (sscanf(line, ":dump %1023[^\n]", arg) == 1 || strcmp(line, ":dump") == 0) {
		FILE *out = arg[0] ? fopen(arg, "w") : stdout;
		if (out == NULL)
			return;
		dump_screen(t, out);
		if (out != stdout)
			fclose(out);
		else
			fflush(stdout);
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
		if (line[0] == ':') {
			script_directive(t, line);
			free(line);
			continue;
		}
		t->pending = line;
		t->pending_pos = 0;
	}
}

static int
terminal_key(tui *t, tui_key *k)
{
	wint_t w;
	int r;
	memset(k, 0, sizeof(*k));
	do
		r = get_wch(&w);
	while (r == ERR && errno == EINTR);
	if (r == ERR)
		return -1;
	k->is_code = r == KEY_CODE_YES;
	k->ch = (unsigned)w;
	if (k->is_code && k->ch >= (unsigned)KEY_F(1) && k->ch <= (unsigned)KEY_F(12))
		k->fkey = (int)(k->ch - (unsigned)KEY_F(0));
	(void)t;
	return 0;
}

int
tui_read_key(tui *t, tui_key *k)
{
	int r = t->script ? script_key(t, k) : terminal_key(t, k);
	if (r < 0)
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
			int got = terminal_key(t, &next);
			timeout(-1);
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
		if (t->top)
			t->top->ops->draw(t->top, t, 1, t->lines - 3);
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
		if (tui_read_key(t, &k) < 0) {
			t->quit = true;
			break;
		}
		t->message[0] = '\0';
		if (k.is_code && k.ch == KEY_RESIZE)
			continue;
		if (t->lines < TUI_MIN_LINES || t->cols < TUI_MIN_COLS) {
			if (tui_lookup(tui_generic_actions, &k) == A_QUIT)
				t->quit = true;
			continue;
		}
		enum tui_act act = tui_lookup(t->top->ops->actions, &k);
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
		int flags = t->top->ops->handle(t->top, t, act, &k);
		if (flags & TUI_RELOAD)
			tui_mark_stale(t);
		if (flags & TUI_QUIT || (!flags && act == A_QUIT))
			t->quit = true;
		else if (flags & TUI_POP || (!flags && act == A_BACK))
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
	FILE *f = path ? fopen(path, "r") : NULL;
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
	if (path == NULL)
		return;
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

int
tui_run(sm_app *app, const tui_opts *opts)
{
	tui t = {.app = app, .opts = *opts, .cur_y = -1};
	SCREEN *screen;
	int saved_stderr = -1;

	if (!utf8_locale()) {
		/* Bilingual on purpose: the catalogue cannot be shown in this locale. */
		fputs("sitemark: 当前语言环境不是 UTF-8，控制台无法正确显示中文。请先执行：export LANG=zh_CN.UTF-8\n"
		    "sitemark: the locale is not UTF-8, so the console cannot show Chinese. Fix it with: export LANG=zh_CN.UTF-8 (or en_US.UTF-8)\n",
		    stderr);
		return 1;
	}
	if (opts->script) {
		if ((t.script = fopen(opts->script, "r")) == NULL) {
			fprintf(stderr, _("sitemark: cannot read the script %s: %s\n"), opts->script,
			    strerror(errno));
			return 1;
		}
		if (getenv("LINES") == NULL)
			setenv("LINES", "24", 1);
		if (getenv("COLUMNS") == NULL)
			setenv("COLUMNS", "80", 1);
		t.tty_out = fopen(opts->output ? opts->output : "/dev/null", "w");
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
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	const char *term = getenv("TERM");
	screen = newterm(term && *term ? term : "vt100", t.tty_out, t.tty_in);
	if (screen == NULL) {
		fprintf(stderr, _("sitemark: the terminal type '%s' is unknown; try TERM=xterm\n"),
		    term ? term : "");
		return 1;
	}
	set_term(screen);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	meta(stdscr, TRUE);
	idlok(stdscr, TRUE); /* a scrolled list is sent as a scroll, not redrawn */
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
	t.last_menu = -1;
	if (!opts->script)
		place_load(&t);
	tui_push(&t, tui_menu_new(&t));
	tui_menu_restore(&t);
	if (opts->notice)
		tui_msg(&t, true, "%s", opts->notice);

	tui_run_until_closed(&t, NULL);
	if (!opts->script)
		place_save(&t);
	while (t.top)
		tui_pop(&t);
	endwin();
	delscreen(screen);
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
	}
	if (t.script)
		fclose(t.script);
	free(t.pending);
	if (opts->script) {
		fclose(t.tty_out);
		fclose(t.tty_in);
	}
	return 0;
}
