/* tui.h - the full-screen console: views, actions, widgets.
 *
 * Layout at 80x24 (console.md): row 0 the title, rows 1..LINES-3 the view,
 * row LINES-2 the status line, row LINES-1 the key bar.  Every loop draws
 * the whole screen into curses' virtual screen with erase(), and a single
 * doupdate() sends only what changed. */
#ifndef TUI_H
#define TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "sm_app.h"
#include "sm_form.h"
#include "sm_view.h"

#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24

typedef struct tui tui;
typedef struct tui_view tui_view;

/* ------------------------------------------------------------ actions */

/* Every action a key can trigger.  Tables of tui_action map keys to them;
 * the key bar and the help screen are generated from the same tables. */
enum tui_act {
	A_NONE = 0,
	/* generic */
	A_HELP, A_QUIT, A_BACK, A_UP, A_DOWN, A_PGUP, A_PGDN, A_HOME, A_END, A_ENTER,
	A_SEARCH, A_SEARCH_NEXT, A_SEARCH_PREV, A_FILTER, A_SORT, A_SORT_REVERSE,
	A_TAG, A_TAG_ALL, A_REFRESH, A_REDRAW, A_GO_LEFT, A_GO_RIGHT,
	/* case work */
	A_OPEN, A_APPROVE, A_REJECT, A_CONFIRM_PAYMENT, A_CONFIRM_PAPER, A_REJECT_PAPER,
	A_VERIFY_HUNG, A_SUBMIT, A_WITHDRAW, A_EDIT, A_NEW, A_NOTE, A_SAVE,
	A_FLAG_MISSING,
	/* forms */
	A_NEXT_FIELD, A_PREV_FIELD, A_ADD_ITEM, A_DEL_ITEM, A_TOGGLE, A_INFO, A_DISCARD,
	/* administration */
	A_HOLIDAY, A_WORKDAY, A_DEFAULT_DAY, A_NEXT_MONTH, A_PREV_MONTH,
	A_DISABLE, A_ROLE, A_LOCK, A_VERIFY_CHAIN,
	/* a masked value in full, with a reason (audited) */
	A_UNMASK,
	/* 打印申请函, 打印申请表 (tui_print.c) */
	A_PRINT_LETTER, A_PRINT_FORM,
	A_COUNT
};

typedef struct tui_action {
	enum tui_act act;
	int fkey;            /* 1..10, or 0 */
	const char *keys;    /* letters that trigger it, e.g. "jJ"; NULL for none */
	const char *label;   /* short key bar label (msgid), NULL: not on the bar */
	const char *help;    /* the help screen's line (msgid) */
} tui_action;

/* A key as read: a character or a curses key code. */
typedef struct tui_key {
	int is_code;         /* KEY_* code */
	unsigned int ch;     /* character or code */
	int fkey;            /* 1..12 when an F-key (or Esc digit) */
	const char *text;    /* TUI_KEY_PASTE: the pasted text (UTF-8, raw) */
} tui_key;

/* A bracketed paste (ESC[200~ ... ESC[201~) arrives as one key: is_code,
 * ch TUI_KEY_PASTE, the text in k->text.  Only text fields take it (see
 * tui_line_key); everywhere else it is swallowed with a message, so pasted
 * letters never run commands. */
#define TUI_KEY_PASTE 0x7fff0001u
/* Ctrl-C (SIGINT) while the console reads keys: leave, as F10 does (asked
 * first, what was typed kept); twice, leave at once. */
#define TUI_KEY_INTERRUPT 0x7fff0002u
static inline bool
tui_key_is_paste(const tui_key *k)
{
	return k->is_code && k->ch == TUI_KEY_PASTE;
}

/* The domain's action a key triggers (SM_ACTION_NONE for the console's own). */
sm_action tui_act_action(enum tui_act act);
/* Action names for the configuration's "keys:" section: the domain's names
 * for case actions, the console's own for the others; NULL for A_NONE or
 * out of range. */
const char *tui_act_name(enum tui_act act);
enum tui_act tui_act_from_name(const char *name);
/* The keys in force for action A of TABLE (the screen's bindings from the
 * configuration, else the table's own), as text for the help screen:
 * "F2 Esc-2 a".  Empty when the action has no key left. */
void tui_keys_text(const tui_action *table, const tui_action *a, char *buf, size_t bufsz);
/* The F-key (1..10) in force for A of TABLE, or 0; *LETTER gets the first
 * other key's name when the configuration rebound the action without an F-key. */
int tui_keys_bar(const tui_action *table, const tui_action *a, char *letter, size_t lsz);
/* The screen name TABLE was registered under ("generic" for the generic table). */
const char *tui_table_screen(const tui_action *table);
/* ------------------------------------------------------------ views */

/* What a handler changed. */
enum {
	TUI_DRAW = 1 << 0,   /* redraw (always cheap: only changes are sent) */
	TUI_POP = 1 << 1,    /* close this view */
	TUI_QUIT = 1 << 2,   /* leave the console */
	TUI_RELOAD = 1 << 3  /* data changed: views reload when shown again */
};

typedef struct tui_view_ops {
	const char *name;                    /* for scripts and remembering place */
	bool text_input;                     /* letters are typed, not commands */
	const tui_action *actions;           /* this view's keys (then the generic ones) */
	void (*draw)(tui_view *v, tui *t, int top, int rows);
	/* Handle an action (A_NONE with the raw key for text input). */
	int (*handle)(tui_view *v, tui *t, enum tui_act act, const tui_key *k);
	/* Reload data after another view changed it. */
	void (*reload)(tui_view *v, tui *t);
	/* The title's right part and the status line (may be NULL). */
	void (*status)(tui_view *v, tui *t, char *buf, size_t bufsz);
	/* Whether the view offers ACT now (the key bar and the help show only
	 * those); NULL: every action of its table. */
	bool (*offers)(tui_view *v, tui *t, enum tui_act act);
	void (*destroy)(tui_view *v);
	/* Keep what was typed (a form's draft) before the console closes by
	 * itself (the idle log-out); NULL: nothing to keep. */
	void (*save)(tui_view *v, tui *t);
} tui_view_ops;

struct tui_view {
	const tui_view_ops *ops;
	char *title;          /* shown in the title bar, already translated */
	bool stale;           /* reload before the next draw */
	tui_view *below;      /* the view it was opened from */
};

/* ------------------------------------------------------------ the console */

typedef struct tui_opts {
	bool no_color;
	bool ascii;
	const char *script;   /* script mode: keystrokes from this file */
	const char *output;   /* script mode: terminal bytes go here (else /dev/null) */
	const char *notice;   /* shown in the status line at start (configuration warnings) */
	bool reverse_cursor;  /* the cursor row in full reverse video (--reverse-cursor) */
} tui_opts;

/* A prompt's history (searches): oldest first. */
#define TUI_HISTORY_MAX 20
typedef struct tui_history {
	char *items[TUI_HISTORY_MAX];
	size_t n;
} tui_history;

struct tui {
	sm_app *app;
	tui_opts opts;
	tui_view *top;        /* the view on screen */
	char message[2048];   /* one-shot message for the status line */
	bool message_error;
	bool color;
	bool quit;
	int lines, cols;
	int cur_y, cur_x;     /* where the cursor goes, when cur_y >= 0 */
	int64_t generation;   /* the data's, when the views were last read */
	double followed_at;   /* when it was last looked at (CLOCK_MONOTONIC, s) */
	int follow_fails;     /* looks in a row that the store did not answer */
	int idle_ms;          /* > 0: tui_read_key returns TUI_IDLE after so long */
	/* script mode */
	FILE *script;
	int script_line;
	FILE *tty_out, *tty_in;
	int last_menu;        /* the menu entry last opened (remembered between runs) */
	int64_t last_case;    /* the case last under the cursor in a queue */
	char *pending;        /* keys of the current script line not yet read */
	size_t pending_pos;
	long bytes_mark;      /* terminal bytes at the last :bytes */
	double time_mark;     /* monotonic seconds at the last :time */
	char *paste;          /* the text of the last bracketed paste */
	tui_history searches; /* what was searched for with / (lists and pager) */
	char *office_name;    /* the user's office's name (title bar), read once */
	bool office_read;
	double last_key;      /* monotonic seconds at the last key (console.idle_logout) */
	int idle_out_s;       /* > 0: the console logged out after so many seconds idle */
};

/* Run the console.  Returns the process exit status. */
int tui_run(sm_app *app, const tui_opts *opts);

/* Views stack. */
void tui_push(tui *t, tui_view *v);
void tui_pop(tui *t);
void tui_mark_stale(tui *t);
void tui_msg(tui *t, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tui_msg_err(tui *t, const sm_err *err);

/* Reading keys (from the terminal, or the script): 0, TUI_IDLE when
 * t->idle_ms passed without a key, or -1 at the end of input. */
enum { TUI_IDLE = 1 };
int tui_read_key(tui *t, tui_key *k);
/* tui_read_key for prompts and popups opened from a view: console.idle_logout
 * still runs there; when it is up, t->quit is set and -1 returned (as at
 * the end of input). */
int tui_read_key_idle(tui *t, tui_key *k);
/* If the data changed since the views were read, mark them all stale (the
 * one on screen reads again before it is drawn); returns whether it did. */
bool tui_follow_data(tui *t);
enum tui_act tui_lookup(const tui_action *table, const tui_key *k);

/* Drawing (tui_draw.c). */
enum { TUI_PAIR_TITLE = 1, TUI_PAIR_BAR, TUI_PAIR_KEY, TUI_PAIR_OVERDUE, TUI_PAIR_ERROR,
       TUI_PAIR_OK, TUI_PAIR_DIM };
/* Text at Y,X clipped to WIDTH cells (padded with spaces when PAD), data
 * neutralised; returns the cells used. */
int tui_text(int y, int x, int width, const char *s, bool pad);
void tui_attr(tui *t, int pair, bool on, int extra);
void tui_hline(tui *t, int y, int x, int width);
void tui_draw_frame(tui *t);
/* Lines the status message takes (0: none): tui_draw_frame shows it whole,
 * above the status line. */
int tui_message_lines(const tui *t);
/* A one-line prompt in the status line; returns a malloc'd answer or NULL
 * when cancelled. */
char *tui_prompt(tui *t, const char *label, const char *initial);
/* The same, starting empty, with HIST offered by Up/Down; a non-empty
 * answer is added to HIST. */
char *tui_prompt_history(tui *t, const char *label, tui_history *hist);
/* Ask before leaving the console: y, or the quit key again (q, Q, F10). */
bool tui_confirm_quit(tui *t);
/* Ask yes/no in the status line. */
bool tui_confirm(tui *t, const char *question);
/* Pick one of N labels in a popup; returns the index or -1. */
int tui_choose(tui *t, const char *title, const char *const *labels, size_t n, size_t current);
/* The help screen for the current view. */
void tui_help(tui *t);
/* Draw the whole screen once and flush. */
void tui_render(tui *t);

extern const tui_action tui_generic_actions[];

/* ------------------------------------------------------------ widgets */

/* A line editor that works in screen cells. */
typedef struct tui_line {
	char *buf;            /* UTF-8 */
	size_t len, cap;
	size_t pos;           /* byte offset of the cursor, on a character boundary */
	size_t scroll;        /* first visible cell (one line); first visible row (several) */
	bool multiline;       /* several lines: Enter breaks the line, Up/Down move
	                       * between rows, Home/End go to the line's ends */
	int width;            /* cells of the last draw (rows wrap there) */
} tui_line;

void tui_line_init(tui_line *l, const char *text);
void tui_line_free(tui_line *l);
void tui_line_set(tui_line *l, const char *text);
/* Edit with a key; returns true when the key was used. */
bool tui_line_key(tui_line *l, const tui_key *k);
/* Draw in WIDTH cells at Y,X; places the cursor when FOCUS. */
/* Returns the screen column of the cursor. */
int tui_line_draw(tui_line *l, int y, int x, int width, bool focus);
/* A multi-line editor drawn in ROWS rows of WIDTH cells, wrapped at the
 * width (line breaks start a new row); scrolls to keep the cursor shown.
 * Places the cursor in *CY, *CX when FOCUS. */
void tui_line_draw_rows(tui_line *l, int y, int x, int width, int rows, bool focus, int *cy,
                        int *cx);
/* TEXT (not edited) wrapped the same way in ROWS rows; a last row cut short
 * ends with '>'. */
void tui_text_rows(const char *text, int y, int x, int width, int rows);

/* The list widget: every queue and search result. */
typedef struct tui_column {
	const char *title;    /* msgid */
	int width;            /* cells; 0 = share what is left */
	bool numeric;         /* sort as a number */
} tui_column;

typedef struct tui_list tui_list;
typedef const char *(*tui_cell_fn)(void *ud, size_t row, size_t col, char *buf, size_t bufsz);
typedef int (*tui_row_attr_fn)(void *ud, size_t row); /* 0, or TUI_PAIR_OVERDUE... */

tui_list *tui_list_new(const tui_column *cols, size_t ncols, tui_cell_fn cell,
                       tui_row_attr_fn attr, void *ud);
void tui_list_free(tui_list **lp);
/* The rows changed (N of them): keep sort, filter, tags by row index where they still fit. */
void tui_list_reset(tui_list *l, size_t n);
void tui_list_draw(tui_list *l, tui *t, int top, int rows);
/* Navigation, search, filter, sort, tags; returns TUI_DRAW flags or 0 when not used. */
int tui_list_handle(tui_list *l, tui *t, enum tui_act act);
/* The row under the cursor, or (size_t)-1 when the list is empty. */
size_t tui_list_current(const tui_list *l);
/* Move the cursor to ROW (if shown). */
bool tui_list_select(tui_list *l, size_t row); /* false: ROW is not shown */
/* Move the cursor to the next row (after a decision). */
void tui_list_next(tui_list *l);
size_t tui_list_shown(const tui_list *l);
/* How many rows are tagged; their indexes in *ROWS (malloc'd) unless ROWS is NULL. */
size_t tui_list_tagged(const tui_list *l, size_t **rows);
void tui_list_untag(tui_list *l);
bool tui_list_is_tagged(const tui_list *l, size_t row);
void tui_list_set_tag(tui_list *l, size_t row, bool on);
/* "排序: 期限 ↑  过滤: 福州  已标记: 3" for the status line. */
void tui_list_status(const tui_list *l, char *buf, size_t bufsz);
/* The row shown at position POS (0: the first shown), or (size_t)-1. */
size_t tui_list_row_at(const tui_list *l, size_t pos);
size_t tui_list_position(const tui_list *l);

/* The pager: lines of text. */
typedef struct tui_pager {
	char **lines;
	size_t n, cap;
	size_t top;
	char *search;
	size_t left;          /* cells scrolled to the right (Right, Left): lines
	                       * kept whole, a mark's URL, can be wider than the screen */
} tui_pager;

void tui_pager_clear(tui_pager *p);
void tui_pager_add(tui_pager *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add "label  value" with the label padded to a column. */
void tui_pager_field(tui_pager *p, const char *label, const char *value);
/* Add an HTML snippet (a mark's code) on lines broken only where HTML allows
 * white space: between tags and attributes, and, for an attribute too long
 * for a line, around its quoted value; a URL is never cut, so that what a
 * mouse selects over SSH still works when pasted.  A value longer than the
 * pager is width stays whole on a line of its own. */
void tui_pager_snippet(tui_pager *p, const char *html);
void tui_pager_draw(tui_pager *p, tui *t, int top, int rows);
int tui_pager_handle(tui_pager *p, tui *t, enum tui_act act, int rows);

/* ------------------------------------------------------------ screens */

tui_view *tui_menu_new(tui *t);
/* Reopen the menu entry and case the user had last time. */
void tui_menu_restore(tui *t);
/* A queue of the core's table (sm_queues). */
tui_view *tui_queue_new(tui *t, const sm_queue *queue);
tui_view *tui_case_view_new(tui *t, int64_t case_id);
/* Print case C's letter (A_PRINT_LETTER) or form (A_PRINT_FORM): where to,
 * how many copies, then where it went (tui_print.c).  Returns TUI_ flags. */
int tui_print_case(tui *t, const sm_case *c, enum tui_act act);
/* Whether ACT is a print the rules allow the user on case C. */
bool tui_print_offers(tui *t, const sm_case *c, enum tui_act act);
/* A form for FORM_ID; SUBMIT is called with the values when the user submits.
 * DRAFT_KEY names its draft ("site-new", "case-12"); INITIAL may be NULL. */
typedef bool (*tui_form_submit_fn)(tui *t, void *ud, json_t *values, sm_err *err);
tui_view *tui_form_new(tui *t, const char *form_id, const char *draft_key, const json_t *initial,
                       tui_form_submit_fn submit, void *ud, void (*free_ud)(void *));
/* Show at the top of form V why case CASE_ID was last returned (the reason
 * code's label and the reviewer's words), from the case's history. */
void tui_form_returned(tui_view *v, tui *t, int64_t case_id);
/* A form over a stored object: the version its restored draft was kept with
 * (0: no draft; -1: a draft kept without one), and the version the values
 * now start from, kept with a draft left. */
int64_t tui_form_draft_version(tui_view *v);
void tui_form_set_version(tui_view *v, int64_t version);
/* Show "LABEL  VALUE" at the top of form V, above its instructions: what
 * the form's values go with but do not change (a red page's unit fields). */
void tui_form_preface(tui_view *v, const char *label, const char *value);
/* The unit's drafts: which forms have one kept, to open or discard. */
tui_view *tui_drafts_new(tui *t);
/* The form of a new application of KIND (CASE_ID 0), or of the draft or
 * returned case CASE_ID; for a new one, first whether the unit may start
 * it (sm_case_may_start), offering the domain application when the domain
 * it needs is missing.  NULL when nothing opens. */
tui_view *tui_application_form(tui *t, sm_kind kind, int64_t case_id);
/* The same for SUBSET, a form of some fields of another (sm_form_subset),
 * which the view owns and frees; no draft. */
tui_view *tui_form_new_subset(tui *t, sm_form *subset, const json_t *initial,
                              tui_form_submit_fn submit, void *ud, void (*free_ud)(void *));
tui_view *tui_unit_info_new(tui *t);
tui_view *tui_marks_new(tui *t);
/* The editor of case CASE_ID's red page (its draft restored), or NULL with
 * a message when the unit may not change it. */
tui_view *tui_redpage_form(tui *t, int64_t case_id);
tui_view *tui_counts_new(tui *t);
tui_view *tui_users_new(tui *t);
tui_view *tui_offices_new(tui *t);
tui_view *tui_policy_new(tui *t);
tui_view *tui_calendar_new(tui *t);
tui_view *tui_store_new(tui *t);
tui_view *tui_audit_new(tui *t);

/* Run the console's loop until V has been closed (modal forms). */
void tui_run_until_closed(tui *t, tui_view *v);
/* A form for an action (reject, confirm-payment ...), modal: returns the
 * values (new reference) or NULL when cancelled. */
json_t *tui_form_modal(tui *t, const char *form_id, const char *title, const char *draft_key);
/* The draft key of ACTION's form on case ID ("act-reject-12"), in BUF. */
const char *tui_action_draft_key(char *buf, size_t bufsz, sm_action action, int64_t id);

/* Act on a case from a queue or the case view: asks for the action's form
 * when it has one, confirms, applies with the version seen.  Returns true
 * when the case changed. */
bool tui_case_act(tui *t, int64_t case_id, int64_t version, sm_action action);
/* Whether the view on top offers ACT now (see tui_view_ops.offers). */
bool tui_offers(tui *t, enum tui_act act);

#endif
