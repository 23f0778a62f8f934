/* tui_screens.c - the menus of each role, the queues, a case's detail, and
 * acting on cases. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_audit.h"
#include "sm_calendar.h"
#include "sm_draft.h"
#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_validate.h"
#include "sm_workflow.h"
#include "tui.h"
#include "tui_curses.h"

static bool
role_is(tui *t, sm_role role)
{
	return t->app->user.role == role;
}

/* Whether the key ACT is offered on case C (NULL: none under the cursor):
 * the domain's actions only where the rules allow them to this user now;
 * editing and submitting where the unit may submit. */
static bool
offers_on_case(tui *t, const sm_case *c, enum tui_act act)
{
	sm_action a = tui_act_action(act);
	if (act == A_EDIT)
		a = SM_ACTION_SUBMIT;
	if (act == A_NOTE)
		return c != NULL && role_is(t, SM_ROLE_SERVICE);
	if (act == A_PRINT_LETTER || act == A_PRINT_FORM)
		return tui_print_offers(t, c, act);
	if (a == SM_ACTION_NONE)
		return true;
	return c != NULL && sm_case_action_allowed(t->app, c, a);
}

/* ------------------------------------------------------------ menu */

typedef tui_view *(*menu_fn)(tui *t);

typedef struct menu_item {
	const char *label;       /* msgid */
	menu_fn open;            /* a screen, or NULL for ... */
	const sm_queue *queue;   /* ... a queue of the core's table */
} menu_item;

typedef struct menu_view {
	tui_view v;
	menu_item items[16];
	size_t n;
	size_t cursor;
} menu_view;

static const tui_action menu_actions[] = {
	{A_ENTER, 0, "\r", NULL, N_("Open the entry under the cursor (Enter), or type its number")},
	{A_BACK, 0, "q\033\007", NULL, N_("Leave sitemark (q, Esc, Ctrl-G)")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static void
menu_add(menu_view *m, const char *label, menu_fn open, const sm_queue *queue)
{
	if (m->n < sizeof(m->items) / sizeof(m->items[0])) {
		m->items[m->n].label = label;
		m->items[m->n].open = open;
		m->items[m->n].queue = queue;
		m->n++;
	}
}

/* The role's queues (the core's table), then its other screens. */
static void
menu_build(menu_view *m, tui *t)
{
	const sm_user *u = &t->app->user;
	const sm_queue *queues[16];
	size_t nq = sm_queues_for(t->app, queues, sizeof(queues) / sizeof(queues[0]));
	m->n = 0;
	if (role_is(t, SM_ROLE_UNIT))
		menu_add(m, u->unit > 0 ? N_("Unit information") : N_("Register the unit"),
		    tui_unit_info_new, NULL);
	for (size_t i = 0; i < nq; i++) {
		/* a unit's mark management sits with its applications, before
		 * the overview of them all */
		if (role_is(t, SM_ROLE_UNIT) && queues[i]->kind == SM_KIND_NONE)
			menu_add(m, N_("Online names - mark management"), tui_marks_new, NULL);
		menu_add(m, queues[i]->title, NULL, queues[i]);
	}
	if (role_is(t, SM_ROLE_UNIT)) /* forms left before they were submitted */
		menu_add(m, N_("Drafts"), tui_drafts_new, NULL);
	switch (u->role) {
	case SM_ROLE_OFFICE:
	case SM_ROLE_CONAC:
		menu_add(m, N_("Counts"), tui_counts_new, NULL);
		break;
	case SM_ROLE_SYSADMIN:
		menu_add(m, N_("Users"), tui_users_new, NULL);
		menu_add(m, N_("Establishment offices"), tui_offices_new, NULL);
		menu_add(m, N_("Working-day calendar"), tui_calendar_new, NULL);
		menu_add(m, N_("Store"), tui_store_new, NULL);
		break;
	case SM_ROLE_SECADMIN:
		menu_add(m, N_("Users"), tui_users_new, NULL);
		menu_add(m, N_("Security policy"), tui_policy_new, NULL);
		break;
	case SM_ROLE_AUDITOR:
		menu_add(m, N_("Audit log"), tui_audit_new, NULL);
		break;
	default:
		break;
	}
}

static tui_view *
menu_open(tui *t, const menu_item *it)
{
	return it->queue ? tui_queue_new(t, it->queue) : it->open(t);
}

static void
menu_draw(tui_view *v, tui *t, int top, int rows)
{
	menu_view *m = (menu_view *)v;
	char buf[256];
	int y = top + 1;
	tui_text(y++, 2, t->cols - 4, _("Choose with the arrows and Enter, or type the number:"), false);
	y++;
	for (size_t i = 0; i < m->n && y < top + rows; i++, y++) {
		snprintf(buf, sizeof(buf), " %zu  %s ", i + 1, _(m->items[i].label));
		if (i == m->cursor)
			attron(A_REVERSE);
		tui_text(y, 4, (int)sm_text_width(buf), buf, false);
		if (i == m->cursor)
			attroff(A_REVERSE);
	}
	char *support = sm_app_support_line(t->app);
	if (support && *support && top + rows - 2 > y) {
		tui_attr(t, TUI_PAIR_DIM, true, A_DIM);
		snprintf(buf, sizeof(buf), "%s %s", _("Support:"), support);
		size_t fit = sm_text_fit(buf, (size_t)(t->cols - 4), NULL), cut = fit;
		/* too long for a line: two, broken after a "; " (phone numbers whole) */
		while (buf[fit] && cut > 1 && !(buf[cut - 1] == ' ' && buf[cut - 2] == ';'))
			cut--;
		if (buf[fit] && cut > 1 && top + rows - 3 > y) {
			char first[256];
			int indent = (int)sm_text_width(_("Support:")) + 1;
			snprintf(first, sizeof(first), "%.*s", (int)cut, buf);
			tui_text(top + rows - 3, 2, t->cols - 4, first, false);
			tui_text(top + rows - 2, 2 + indent, t->cols - 4 - indent, buf + cut, false);
		} else {
			tui_text(top + rows - 2, 2, t->cols - 4, buf, false);
		}
		tui_attr(t, TUI_PAIR_DIM, false, A_DIM);
	}
	free(support);
}

static int
menu_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	menu_view *m = (menu_view *)v;
	switch (act) {
	case A_UP:
		if (m->cursor > 0)
			m->cursor--;
		return TUI_DRAW;
	case A_DOWN:
		if (m->cursor + 1 < m->n)
			m->cursor++;
		return TUI_DRAW;
	case A_HOME:
		m->cursor = 0;
		return TUI_DRAW;
	case A_END:
		m->cursor = m->n ? m->n - 1 : 0;
		return TUI_DRAW;
	case A_ENTER:
		if (m->cursor < m->n) {
			t->last_menu = (int)m->cursor;
			tui_push(t, menu_open(t, &m->items[m->cursor]));
		}
		return TUI_DRAW;
	case A_BACK:
		return TUI_QUIT;
	default:
		break;
	}
	if (!k->is_code && k->ch >= '1' && k->ch <= '9' && (size_t)(k->ch - '1') < m->n) {
		m->cursor = k->ch - '1';
		t->last_menu = (int)m->cursor;
		tui_push(t, menu_open(t, &m->items[m->cursor]));
		return TUI_DRAW;
	}
	return 0;
}

static void
menu_reload(tui_view *v, tui *t)
{
	menu_build((menu_view *)v, t);
}

static void
menu_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	(void)v;
	snprintf(buf, bufsz, _("sitemark %s  |  ? help  |  q quit"), PACKAGE_VERSION);
	(void)t;
}

static void
menu_destroy(tui_view *v)
{
	free(v);
}

static const tui_view_ops menu_ops = {
	.name = "menu", .actions = menu_actions, .draw = menu_draw, .handle = menu_handle,
	.reload = menu_reload, .status = menu_status, .destroy = menu_destroy,
};

tui_view *
tui_menu_new(tui *t)
{
	menu_view *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->v.ops = &menu_ops;
	m->v.title = strdup(_("Main menu"));
	menu_build(m, t);
	return &m->v;
}

/* ------------------------------------------------------------ acting on cases */

/* Ask what the action needs (its form, then a confirmation for what cannot
 * be undone) for COUNT cases. */
static bool
ask_action(tui *t, sm_action action, int64_t id, size_t count, json_t **values)
{
	char q[256], confirm[300];
	const char *form = sm_action_form(action);
	*values = NULL;
	if (count > 1)
		snprintf(q, sizeof(q), _("%s: %zu tagged cases"), sm_action_label(action), count);
	else
		snprintf(q, sizeof(q), _("%s: case %lld"), sm_action_label(action), (long long)id);
	char key[96];
	/* one case's action form is kept as a draft until the action is made */
	if (form && (*values = tui_form_modal(t, form, q, count == 1 ?
	    tui_action_draft_key(key, sizeof(key), action, id) : NULL)) == NULL)
		return false;
	if (form && !sm_action_irreversible(action))
		return true;
	snprintf(confirm, sizeof(confirm), _("%s?"), q);
	if (tui_confirm(t, confirm))
		return true;
	json_decref(*values);
	*values = NULL;
	return false;
}

const char *
tui_action_draft_key(char *buf, size_t bufsz, sm_action action, int64_t id)
{
	snprintf(buf, bufsz, "act-%s-%lld", sm_action_name(action), (long long)id);
	return buf;
}

/* Apply ACTION to one case at the version seen. */
static sm_status
apply_action(tui *t, int64_t id, int64_t version, sm_action action, const json_t *values,
             sm_err *err)
{
	sm_act a = {.case_id = id, .action = action, .values = values, .expect_version = version};
	return sm_case_act(t->app, &a, NULL, err);
}

bool
tui_case_act(tui *t, int64_t case_id, int64_t version, sm_action action)
{
	json_t *values = NULL;
	sm_state state = SM_STATE_NONE;
	if (!ask_action(t, action, case_id, 1, &values))
		return false;
	sm_err *err = sm_err_new();
	sm_act a = {.case_id = case_id, .action = action, .values = values,
	    .expect_version = version};
	sm_status st = sm_case_act(t->app, &a, &state, err);
	char key[96];
	tui_action_draft_key(key, sizeof(key), action, case_id);
	if (st == SM_OK || st == SM_E_CONFLICT || st == SM_E_STATE)
		/* made, or no longer to be made: its form's draft goes */
		sm_draft_delete(t->app->user.login, key);
	if (st == SM_OK)
		tui_msg(t, false, _("Case %lld: %s"), (long long)case_id, sm_state_label(state));
	else
		tui_msg_err(t, err);
	if (st != SM_OK && st != SM_E_CONFLICT && st != SM_E_STATE && values != NULL) {
		size_t n = strlen(t->message);
		snprintf(t->message + n, sizeof(t->message) - n, " %s",
		    _("What you typed is kept: the same action on this case brings it back."));
	}
	if (st != SM_OK && sm_case_act_unsure(t->app) != NULL) {
		/* the store could not tell whether it was made: the version
		 * check makes a second decision on a case that moved a refusal */
		size_t n = strlen(t->message);
		snprintf(t->message + n, sizeof(t->message) - n, " %s",
		    _("Press R to read the case again: if it moved on, the decision was made; if not, make it again."));
	}
	sm_err_free(&err);
	json_decref(values);
	return st == SM_OK || st == SM_E_CONFLICT;
}

/* The message for an action the rules do not allow here: it names the
 * action in the user's language, and the state that stands in its way. */
static int
not_offered(tui *t, sm_action a, const sm_case *c)
{
	if (c == NULL)
		tui_msg(t, true, "%s", _("No case is selected."));
	else
		tui_msg(t, true, _("%s is not possible on case %lld now: it is %s."),
		    sm_action_label(a), (long long)c->id, sm_state_label(c->state));
	return TUI_DRAW;
}

/* ------------------------------------------------------------ queues */

typedef struct queue_view {
	tui_view v;
	const sm_queue *queue;
	tui_list *list;
	sm_case_page page;
	char *text;         /* search text (service) */
	bool lost;          /* a reload took the case under the cursor away */
	bool full;          /* every case of the queue is read ... */
	size_t limit;       /* ... else this many (screenfuls, as the reader goes down) */
} queue_view;

static const tui_column queue_cols[] = {
	{N_("No."), 6, true},
	{N_("Kind"), 8, false},
	{N_("State"), 10, false},
	{N_("Unit"), 0, false},
	{N_("Domain"), 0, false},
	{N_("Due"), 10, false},
	{N_("Over"), 4, true},
};

/* 打印申请函 / 打印申请表: where the rules allow it (sm_case_may_print) */
#define PRINT_KEYS(f1, f2) \
	{A_PRINT_LETTER, f1, "p", N_("Print letter"), N_("Print the application letter: to the printer or a file")}, \
	{A_PRINT_FORM, f2, "b", N_("Print form"), N_("Print the application form (in triplicate): to the printer or a file")}

#define FIND_KEYS \
	{A_SEARCH, 0, "/", NULL, N_("Search")}, \
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")}, \
	{A_SEARCH_PREV, 0, "N", NULL, N_("Previous match")}

/* What offices and CONAC decide, in a queue (also on the tagged cases) and
 * in a case's pager alike. */
#define OFFICE_REVIEW_KEYS \
	{A_APPROVE, 2, "a", N_("Approve"), N_("Approve the case, or every tagged case")}, \
	{A_REJECT, 3, "r", N_("Return"), N_("Return the case to the unit with a reason")}, \
	{A_CONFIRM_PAPER, 4, "c", N_("Paper OK"), N_("Confirm the sealed paper arrived: issues the mark")}, \
	{A_REJECT_PAPER, 5, "x", N_("Paper bad"), N_("Reject the paper: the unit applies again")}, \
	{A_VERIFY_HUNG, 6, "v", N_("Hung"), N_("Confirm the mark hangs on the site")}, \
	{A_FLAG_MISSING, 0, "m", N_("Missing"), N_("The mark is gone from the site: back to mark issued, the hanging deadline starts again")}

#define CONAC_REVIEW_KEYS \
	{A_APPROVE, 2, "a", N_("Approve"), N_("Approve the case, or every tagged case")}, \
	{A_REJECT, 3, "r", N_("Return"), N_("Return the case to the unit with a reason")}, \
	{A_CONFIRM_PAYMENT, 4, "p", N_("Paid"), N_("Confirm the fee was paid: registers the domain")}, \
	{A_FLAG_MISSING, 5, "m", N_("Missing"), N_("The mark is gone from the site: back to mark issued, the hanging deadline starts again")}, \
	{A_VERIFY_HUNG, 6, "v", N_("Hung"), N_("Confirm the mark hangs on the site")}

#define LIST_KEYS \
	{A_SORT, 7, "s", N_("Sort"), N_("Sort by a column")}, \
	{A_SORT_REVERSE, 0, "S", NULL, N_("Reverse the order")}, \
	{A_FILTER, 8, "f", N_("Filter"), N_("Show only rows containing a text (empty: all)")}, \
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read the queue again")}, \
	FIND_KEYS, \
	{A_TAG, 0, "t ", NULL, N_("Tag or untag the case (t, Space)")}, \
	{A_TAG_ALL, 0, "T", NULL, N_("Tag all shown cases, or untag them")}, \
	{A_OPEN, 0, "o", NULL, N_("Open the case (Enter)")}

static const tui_action office_queue_actions[] = {
	OFFICE_REVIEW_KEYS,
	LIST_KEYS,
	PRINT_KEYS(0, 0),
	{A_NONE, 0, NULL, NULL, NULL},
};

static const tui_action conac_queue_actions[] = {
	CONAC_REVIEW_KEYS,
	LIST_KEYS,
	{A_NONE, 0, NULL, NULL, NULL},
};

static const tui_action unit_queue_actions[] = {
	{A_SUBMIT, 2, "u", N_("Submit"), N_("Submit the draft or returned application")},
	{A_EDIT, 3, "e", N_("Edit"), N_("Edit the draft or returned application")},
	{A_NEW, 4, "c", N_("New"), N_("Start a new application")},
	{A_WITHDRAW, 5, "w", N_("Withdraw"), N_("Withdraw the application")},
	LIST_KEYS,
	{A_NONE, 0, NULL, NULL, NULL},
};

static const tui_action service_queue_actions[] = {
	{A_NOTE, 2, "m", N_("Note"), N_("Add a note to the case")},
	{A_NEW, 3, "/", N_("Search"), N_("Search units and cases by name, USCC, domain, number, mark code, certificate number, contact or handler name or mobile")},
	LIST_KEYS,
	{A_NONE, 0, NULL, NULL, NULL},
};

static const char *
queue_cell(void *ud, size_t row, size_t col, char *buf, size_t bufsz)
{
	queue_view *q = ud;
	const sm_case *c = &q->page.cases[row];
	switch (col) {
	case 0:
		snprintf(buf, bufsz, "%lld", (long long)c->id);
		return buf;
	case 1:
		return sm_kind_short(c->kind);
	case 2:
		return sm_state_short(c->state);
	case 3:
		return c->unit_name;
	case 4:
		return c->domain_unicode;
	case 5:
		return c->due;
	case 6:
		/* "!": a notification to the unit was given up */
		if (q->page.days_over[row] > 0)
			snprintf(buf, bufsz, "+%d%s", q->page.days_over[row],
			    q->page.notice_failed[row] ? "!" : "");
		else if (q->page.notice_failed[row])
			snprintf(buf, bufsz, "!");
		return buf;
	default:
		return "";
	}
}

static int
queue_attr(void *ud, size_t row)
{
	queue_view *q = ud;
	return q->page.days_over[row] > 0 ? TUI_PAIR_OVERDUE : 0;
}

static const sm_case *
current_case(queue_view *q)
{
	size_t row = tui_list_current(q->list);
	return row < q->page.n ? &q->page.cases[row] : NULL;
}

/* Read the queue (again): the cursor and the tags stay on the same cases,
 * wherever they now sort; *LOST (may be NULL) tells whether the case under
 * the cursor left the queue. */
/* The most cases a queue holds in memory; past it, the status line says so
 * and a search (/, customer service's search) narrows it in the store. */
#define QUEUE_MAX 5000

#define NEXT_KEPT 64

static void
queue_read(queue_view *q, tui *t, bool *lost)
{
	/* A queue opens on what the screen shows (and the counts of the rest):
	 * the whole of it is read when the user goes past it, searches,
	 * filters, sorts or tags all. */
	size_t screenful = (size_t)(t->lines > 0 ? t->lines : 24);
	const sm_case *c = current_case(q);
	int64_t cur = c ? c->id : 0;
	int64_t *tagged = calloc(q->page.n ? q->page.n : 1, sizeof(int64_t));
	size_t ntag = 0;
	bool gone = cur != 0;
	/* the cases shown after the cursor, in the order shown (filtered,
	 * sorted): the cursor goes to the first still there when its own case
	 * leaves the queue (decided) */
	int64_t after[NEXT_KEPT];
	size_t nafter = 0;
	for (size_t pos = tui_list_position(q->list); nafter < NEXT_KEPT; pos++) {
		size_t row = tui_list_row_at(q->list, pos);
		if (row == (size_t)-1)
			break;
		after[nafter++] = q->page.cases[row].id;
	}

	if (q->limit < screenful)
		q->limit = screenful;
	for (size_t i = 0; tagged && i < q->page.n; i++)
		if (tui_list_is_tagged(q->list, i))
			tagged[ntag++] = q->page.cases[i].id;
	for (int pass = 0; pass < 2; pass++) {
		sm_err *err = sm_err_new();
		sm_case_query query = {.queue = q->queue, .text = q->text,
		    .limit = q->full ? QUEUE_MAX : q->limit, .count = true};
		sm_case_page fresh = {0};
		sm_status st = sm_view_cases(t->app, &query, &fresh, err);
		if (st == SM_E_STORE) {
			/* the store did not answer (a cluster without its majority,
			 * say): the rows read before stay on the screen, the
			 * message says why; a refusal (an account disabled since)
			 * empties the list as before */
			tui_msg_err(t, err);
			sm_err_free(&err);
			sm_case_page_clear(&fresh);
			if (lost)
				*lost = false;
			free(tagged);
			return;
		}
		if (st != SM_OK)
			tui_msg_err(t, err);
		sm_err_free(&err);
		sm_case_page_clear(&q->page);
		q->page = fresh;
		if (!q->full && (int64_t)q->page.n >= q->page.total)
			q->full = true; /* the screenfuls were all of it */
		gone = cur != 0;
		for (size_t i = 0; gone && i < q->page.n; i++)
			gone = q->page.cases[i].id != cur;
		/* not among the screenfuls read: the case may only have moved
		 * further down; read all of it before saying it left */
		if (!(lost && gone && !q->full))
			break;
		q->full = true;
	}
	tui_list_reset(q->list, q->page.n);
	tui_list_untag(q->list);
	for (size_t i = 0; i < q->page.n; i++) {
		for (size_t j = 0; j < ntag; j++)
			if (q->page.cases[i].id == tagged[j])
				tui_list_set_tag(q->list, i, true);
		if (cur != 0 && q->page.cases[i].id == cur)
			tui_list_select(q->list, i);
	}
	for (size_t k = 0; gone && k < nafter; k++) {
		size_t i = 0;
		while (i < q->page.n && q->page.cases[i].id != after[k])
			i++;
		if (i < q->page.n && tui_list_select(q->list, i))
			break;
	}
	if (lost)
		*lost = gone;
	free(tagged);
}

static void
queue_load(queue_view *q, tui *t)
{
	queue_read(q, t, NULL);
}

static void
queue_draw(tui_view *v, tui *t, int top, int rows)
{
	queue_view *q = (queue_view *)v;
	const sm_case *c;
	q->lost = false; /* what the cursor stands on is on the screen now */
	/* (a taller terminal is read for again after KEY_RESIZE, in the loop:
	 * never here, where a prompt may be drawing over a handler) */
	tui_list_draw(q->list, t, top, rows);
	if ((c = current_case(q)) != NULL)
		t->last_case = c->id;
	if ((q->queue->flags & SM_QUEUE_SEARCH) && q->page.n == 0)
		tui_text(top + 3, 2, t->cols - 4,
		    _("Press / (or F3) and type a unit name, USCC, domain or case number."), false);
}

static void
queue_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	queue_view *q = (queue_view *)v;
	char list[256];
	(void)t;
	if (q->full && (int64_t)q->page.n < q->page.total) { /* past QUEUE_MAX */
		char part[200];
		tui_list_status(q->list, part, sizeof(part));
		snprintf(list, sizeof(list), _("%s  (the first %zu of %lld: search to narrow)"),
		    part, q->page.n, (long long)q->page.total);
	} else if (q->full) {
		tui_list_status(q->list, list, sizeof(list));
	} else { /* a screenful of the queue: its position among all of them */
		snprintf(list, sizeof(list), "%zu/%lld", tui_list_position(q->list),
		    (long long)q->page.total);
	}
	if (q->page.overdue_total)
		snprintf(buf, bufsz, _("%s  |  %s  |  overdue: %d"), v->title, list,
		    (int)q->page.overdue_total);
	else
		snprintf(buf, bufsz, "%s  |  %s", v->title, list);
}

static bool
queue_offers(tui_view *v, tui *t, enum tui_act act)
{
	queue_view *q = (queue_view *)v;
	if (act == A_NEW && role_is(t, SM_ROLE_UNIT))
		return q->queue->kind != SM_KIND_NONE;
	if (tui_list_tagged(q->list, NULL) > 0 && tui_act_action(act) != SM_ACTION_NONE) {
		/* the next action goes to the tagged cases: offered where the
		 * rules allow it on at least one of them */
		for (size_t i = 0; i < q->page.n; i++)
			if (tui_list_is_tagged(q->list, i) && offers_on_case(t, &q->page.cases[i], act))
				return true;
		return false;
	}
	return offers_on_case(t, current_case(q), act);
}

/* Apply an action to the tagged cases, or to the case under the cursor; then
 * the cursor stands on the next case. */
static int
queue_act(queue_view *q, tui *t, sm_action action)
{
	size_t *rows = NULL;
	size_t n = tui_list_tagged(q->list, &rows);
	const sm_case *c = current_case(q);
	if (n == 0) {
		free(rows);
		if (c == NULL || !sm_case_action_allowed(t->app, c, action))
			return not_offered(t, action, c);
		if (tui_case_act(t, c->id, c->version, action)) {
			queue_load(q, t);
			return TUI_DRAW | TUI_RELOAD;
		}
		return TUI_DRAW;
	}
	/* the tagged cases by value: asking draws the screen, which may read
	 * the list again */
	struct { int64_t id, version; } *tagged = calloc(n, sizeof(*tagged));
	json_t *values = NULL;
	for (size_t i = 0; tagged && i < n; i++) {
		tagged[i].id = q->page.cases[rows[i]].id;
		tagged[i].version = q->page.cases[rows[i]].version;
	}
	if (tagged == NULL || !ask_action(t, action, n == 1 ? tagged[0].id : 0, n, &values)) {
		free(tagged);
		free(rows);
		return TUI_DRAW;
	}
	size_t ok = 0, conflict = 0, refused = 0;
	sm_err *err = sm_err_new(), *first = sm_err_new();
	for (size_t i = 0; i < n; i++) {
		sm_err_clear(err);
		sm_status st = apply_action(t, tagged[i].id, tagged[i].version, action, values, err);
		if (st == SM_OK)
			ok++;
		else if (st == SM_E_CONFLICT)
			conflict++;
		else {
			refused++;
			if (sm_err_count(first) == 0)
				sm_err_merge(first, err, NULL);
		}
	}
	tui_list_untag(q->list);
	queue_load(q, t);
	if (refused && sm_err_count(first))
		tui_msg(t, true, _("%zu done, %zu already handled by someone else (已被他人处理), %zu refused: %s"),
		    ok, conflict, refused, sm_err_msg(first, 0));
	else
		tui_msg(t, conflict > 0, _("%zu done, %zu already handled by someone else (已被他人处理)"),
		    ok, conflict);
	sm_err_free(&err);
	sm_err_free(&first);
	json_decref(values);
	free(tagged);
	free(rows);
	return TUI_DRAW | TUI_RELOAD;
}

/* ---- the unit's own applications */

typedef struct app_ctx {
	sm_kind kind;
	int64_t case_id;   /* 0 until the draft exists */
	int64_t version;   /* the case's version the form's values start from */
	tui_view *form;
} app_ctx;

/* The version the form's values now start from: its draft's too. */
static void
app_at(app_ctx *a, int64_t version)
{
	a->version = version;
	tui_form_set_version(a->form, version);
}

/* Save the form as the case's values (creating the draft the first time),
 * over the version it started from only: a change made meanwhile (the
 * office's correction, the unit's other session) is not written over
 * unseen.  Told by whom, the user may submit again over it. */
static sm_status
save_case(tui *t, app_ctx *a, json_t *values, sm_err *err)
{
	if (a->case_id == 0) {
		sm_status st = sm_case_new(t->app, a->kind, values, &a->case_id, err);
		if (st == SM_OK)
			app_at(a, 1);
		return st;
	}
	sm_case c = {0};
	sm_status st = sm_case_read(t->app, a->case_id, &c, err);
	if (st != SM_OK)
		return st;
	/* fields the user emptied are removed */
	json_t *patch = json_deep_copy(values);
	const char *key;
	json_t *v;
	json_object_foreach(c.values, key, v)
		if (json_object_get(patch, key) == NULL)
			json_object_set_new(patch, key, json_null());
	st = sm_case_edit(t->app, a->case_id, patch, a->version > 0 ? a->version : c.version, err);
	json_decref(patch);
	if (st == SM_OK)
		app_at(a, c.version + 1);
	else if (st == SM_E_CONFLICT && c.version != a->version) {
		/* newer, or older (a database restored from a backup under a
		 * draft): the case as it is now is what F2 again writes over */
		app_at(a, c.version);
		sm_err_add(err, SM_E_CONFLICT, NULL, "%s",
		    _("your form is as you left it: F2 again writes it over that change, Esc keeps it as a draft"));
	}
	sm_case_clear(&c);
	return st;
}

static bool
submit_application(tui *t, void *ud, json_t *values, sm_err *err)
{
	app_ctx *a = ud;
	const sm_form *form = sm_forms_get(t->app->forms, sm_kind_name(a->kind));
	if (form && sm_form_validate(form, values, t->app->divs, SM_FORM_COMPLETE, NULL, err) != SM_OK)
		return false;
	if (save_case(t, a, values, err) != SM_OK)
		return false;
	sm_case c = {0};
	if (sm_case_read(t->app, a->case_id, &c, err) != SM_OK)
		return false;
	sm_status st = apply_action(t, a->case_id, c.version, SM_ACTION_SUBMIT, NULL, err);
	if (st == SM_OK)
		app_at(a, c.version + 1);
	sm_case_clear(&c);
	if (st != SM_OK)
		return false;
	tui_msg(t, false, _("Case %lld was submitted to your establishment office."), (long long)a->case_id);
	return true;
}

static tui_view *
application_form(tui *t, sm_kind kind, const sm_case *c)
{
	app_ctx *a = calloc(1, sizeof(*a));
	char key[64];
	if (a == NULL)
		return NULL;
	a->kind = kind;
	a->case_id = c ? c->id : 0;
	if (c)
		snprintf(key, sizeof(key), "case-%lld", (long long)c->id);
	else
		snprintf(key, sizeof(key), "%s-new", sm_kind_name(kind));
	tui_view *v = tui_form_new(t, sm_kind_name(kind), key, c ? c->values : NULL,
	    submit_application, a, free);
	if (v == NULL)
		return NULL;
	a->form = v;
	if (c) {
		/* a draft kept over an older version: said now, and F2 says by whom */
		int64_t dv = tui_form_draft_version(v);
		app_at(a, dv > 0 ? dv : c->version);
		if (dv > 0 && dv != c->version)
			tui_msg(t, true, "%s",
			    _("Your draft was restored, but the case has been changed since it was kept: look at the case before you submit (F2 says who changed it)."));
		else if (dv < 0)
			tui_msg(t, true, "%s",
			    _("Your draft was restored; it was kept without the case's version, so whether the case changed since cannot be told: look at the case before you submit."));
	}
	if (c && c->state == SM_STATE_RETURNED)
		tui_form_returned(v, t, c->id);
	return v;
}

tui_view *
tui_application_form(tui *t, sm_kind kind, int64_t case_id)
{
	if (case_id > 0) {
		sm_case c = {0};
		sm_err *err = sm_err_new();
		tui_view *v = NULL;
		if (sm_case_read(t->app, case_id, &c, err) == SM_OK)
			v = application_form(t, c.kind, &c);
		else
			tui_msg_err(t, err);
		sm_case_clear(&c);
		sm_err_free(&err);
		return v;
	}
	/* said before the form opens, not after it was filled */
	sm_err *err = sm_err_new();
	sm_status st = sm_case_may_start(t->app, kind, err);
	if (st == SM_E_STATE && kind != SM_KIND_DOMAIN) {
		char q[512];
		snprintf(q, sizeof(q), _("%s. Apply for it now?"), sm_err_msg(err, 0));
		sm_err_free(&err);
		if (!tui_confirm(t, q))
			return NULL;
		if (sm_case_may_start(t->app, SM_KIND_DOMAIN, NULL) != SM_OK)
			return NULL;
		tui_msg(t, false, "%s", _("Domain application: once the domain is registered, start the application again."));
		return application_form(t, SM_KIND_DOMAIN, NULL);
	}
	if (st != SM_OK) {
		tui_msg_err(t, err);
		sm_err_free(&err);
		return NULL;
	}
	sm_err_free(&err);
	return application_form(t, kind, NULL);
}

/* A staff note on case ID. */
static bool
note_case(tui *t, int64_t id)
{
	bool added = false;
	/* the id by value: the prompt draws the screen, which may read the list again */
	char *s = tui_prompt(t, _("Note:"), NULL);
	if (s && *s) {
		sm_err *err = sm_err_new();
		if ((added = sm_case_note(t->app, id, s, err) == SM_OK))
			tui_msg(t, false, _("The note was added to case %lld."), (long long)id);
		else
			tui_msg_err(t, err);
		sm_err_free(&err);
	}
	free(s);
	return added;
}

/* Whether ACT needs more of the queue than the screenfuls read so far. */
static bool
needs_more(queue_view *q, enum tui_act act, int rows)
{
	switch (act) {
	case A_DOWN:
		return tui_list_position(q->list) >= q->page.n;
	case A_PGDN:
		return tui_list_position(q->list) + (size_t)rows >= q->page.n;
	case A_END: case A_SEARCH: case A_SEARCH_NEXT: case A_SEARCH_PREV:
	case A_FILTER: case A_SORT: case A_SORT_REVERSE: case A_TAG: case A_TAG_ALL:
		return true;
	default:
		return false;
	}
}

static int
queue_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	queue_view *q = (queue_view *)v;
	const sm_case *c = current_case(q);
	bool lost = q->lost;
	if (!q->full && needs_more(q, act, t->lines)) {
		/* going down reads a screenful more; the rest needs all of it */
		if (act == A_DOWN || act == A_PGDN)
			q->limit += (size_t)(t->lines > 0 ? t->lines : 24);
		else
			q->full = true;
		queue_read(q, t, NULL);
		c = current_case(q);
	}
	int r = tui_list_handle(q->list, t, act);
	sm_action a = tui_act_action(act);
	(void)k;
	q->lost = false;
	if (r)
		return r;
	if (lost && a != SM_ACTION_NONE && tui_list_tagged(q->list, NULL) == 0) {
		/* the key was meant for a case that someone else moved on */
		tui_msg(t, true, "%s", _("The case under the cursor has left this queue (someone else acted on it): look at the one now under the cursor before acting."));
		return TUI_DRAW;
	}
	if (a != SM_ACTION_NONE && a != SM_ACTION_SUBMIT)
		return queue_act(q, t, a);
	switch (act) {
	case A_ENTER:
	case A_OPEN:
		if (c)
			tui_push(t, tui_case_view_new(t, c->id));
		return TUI_DRAW;
	case A_REFRESH:
		queue_load(q, t);
		return TUI_DRAW;
	case A_SUBMIT:
	case A_EDIT:
		/* a submit goes through the form, which checks every field */
		if (c && sm_case_action_allowed(t->app, c, SM_ACTION_SUBMIT))
			tui_push(t, application_form(t, c->kind, c));
		else if (c && act == A_EDIT)
			tui_msg(t, true, "%s", _("Only drafts and returned applications can be edited."));
		else
			not_offered(t, SM_ACTION_SUBMIT, c);
		return TUI_DRAW;
	case A_NEW:
		if (q->queue->flags & SM_QUEUE_SEARCH) {
			char *s = tui_prompt_history(t, _("Unit name, USCC, domain or case number:"),
			    &t->searches);
			if (s) {
				free(q->text);
				q->text = s;
				queue_load(q, t);
			}
			return TUI_DRAW;
		}
		if (role_is(t, SM_ROLE_SERVICE)) { /* "/" and F3 search the list shown, all of it */
			if (!q->full) {
				q->full = true;
				queue_read(q, t, NULL);
			}
			return tui_list_handle(q->list, t, A_SEARCH);
		}
		if (q->queue->kind != SM_KIND_NONE)
			tui_push(t, tui_application_form(t, q->queue->kind, 0));
		else
			tui_msg(t, true, "%s", _("Start new applications from their own menu entry."));
		return TUI_DRAW;
	case A_NOTE:
		if (c)
			note_case(t, c->id);
		return TUI_DRAW;
	case A_PRINT_LETTER:
	case A_PRINT_FORM:
		return tui_print_case(t, c, act);
	default:
		return 0;
	}
}

static void
queue_reload(tui_view *v, tui *t)
{
	queue_view *q = (queue_view *)v;
	queue_read(q, t, &q->lost);
}

static void
queue_destroy(tui_view *v)
{
	queue_view *q = (queue_view *)v;
	tui_list_free(&q->list);
	sm_case_page_clear(&q->page);
	free(q->text);
	free(q);
}

#define QUEUE_OPS(acts) { .name = "queue", .actions = acts, .draw = queue_draw, \
	.handle = queue_handle, .reload = queue_reload, .status = queue_status, \
	.offers = queue_offers, .destroy = queue_destroy }
static const tui_view_ops queue_ops_office = QUEUE_OPS(office_queue_actions);
static const tui_view_ops queue_ops_conac = QUEUE_OPS(conac_queue_actions);
static const tui_view_ops queue_ops_unit = QUEUE_OPS(unit_queue_actions);
static const tui_view_ops queue_ops_service = QUEUE_OPS(service_queue_actions);

tui_view *
tui_queue_new(tui *t, const sm_queue *queue)
{
	queue_view *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->v.ops = role_is(t, SM_ROLE_OFFICE) ? &queue_ops_office :
	    role_is(t, SM_ROLE_CONAC) ? &queue_ops_conac :
	    role_is(t, SM_ROLE_UNIT) ? &queue_ops_unit : &queue_ops_service;
	q->queue = queue;
	q->v.title = strdup(_(queue->title));
	q->list = tui_list_new(queue_cols, sizeof(queue_cols) / sizeof(queue_cols[0]),
	    queue_cell, queue_attr, q);
	queue_load(q, t);
	for (size_t i = 0; t->last_case > 0 && i < q->page.n; i++)
		if (q->page.cases[i].id == t->last_case)
			tui_list_select(q->list, i);
	return &q->v;
}

/* ------------------------------------------------------------ a case */

/* A value unmasked in this view (sm_unmask): shown until the view is left. */
typedef struct case_unmasked {
	char *label;
	char *value;
} case_unmasked;

typedef struct case_view {
	tui_view v;
	int64_t id;
	sm_case_view cv;
	tui_pager pager;
	bool loaded;
	case_unmasked unmasked[8];
	size_t n_unmasked;
} case_view;

static void
pager_value(const sm_field *field, const char *label, const char *text, void *ud)
{
	(void)field;
	tui_pager_field(ud, label, text); /* masked by the core where the user has no need */
}

static void
case_detail(tui *t, const sm_case_view *v, tui_pager *p, const case_unmasked *um, size_t n_um)
{
	char buf[256];
	const sm_case *c = &v->c;
	tui_pager_clear(p);
	tui_pager_add(p, _("Case %lld: %s - %s"), (long long)c->id, sm_kind_label(c->kind),
	    sm_state_label(c->state));
	for (size_t i = 0; i < v->n_notices; i++)
		if (sm_notice_failed(&v->notices[i])) {
			tui_pager_add(p, "! %s", _("A notification was given up: the office should reach the unit another way."));
			break;
		}
	if (n_um > 0)
		tui_pager_add(p, "%s", _("Unmasked for you (recorded in the audit log):"));
	for (size_t i = 0; i < n_um; i++)
		tui_pager_field(p, um[i].label, um[i].value);
	if (n_um > 0)
		tui_pager_add(p, "%s", "");
	tui_pager_field(p, _("Unit"), c->unit_name);
	tui_pager_field(p, _("Unit type"), sm_unit_type_label(c->unit_type));
	tui_pager_field(p, _("USCC"), c->unit_uscc);
	snprintf(buf, sizeof(buf), "%s%s%s", c->office ? c->office : "", v->office_name ? " " : "",
	    v->office_name ? v->office_name : "");
	tui_pager_field(p, _("Office"), buf);
	if (c->domain_unicode)
		tui_pager_field(p, _("Domain"), c->domain_unicode);
	if (c->due) {
		if (v->days_over > 0)
			snprintf(buf, sizeof(buf), _("%s (%d working days over)"), c->due, v->days_over);
		else
			snprintf(buf, sizeof(buf), "%s%s", c->due,
			    c->due_uncertain ? _(" (uncertain: past the calendar)") : "");
		tui_pager_field(p, _("Deadline"), buf);
	}
	if (v->fee_due) {
		/* the fee to pay and how (configuration "fee") */
		if (v->fee_amount)
			tui_pager_field(p, _("Fee"), v->fee_amount);
		if (v->fee_how)
			tui_pager_field(p, _("How to pay"), v->fee_how);
		if (v->fee_amount == NULL && v->fee_how == NULL)
			tui_pager_field(p, _("Fee"), v->fee_text);
	}
	if (json_array_size(c->hints) > 0) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _("Hints for reviewers:"));
		size_t i;
		json_t *h;
		json_array_foreach(c->hints, i, h)
			tui_pager_add(p, "  ! %s", _(sm_hint_label(json_string_value(h))));
	}
	const sm_form *form = sm_forms_get(t->app->forms, sm_kind_name(c->kind));
	if (form) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _(form->title));
		sm_form_each_value(form, c->values, pager_value, p);
	}
	const sm_form *uf = sm_forms_get(t->app->forms, "unit");
	if (uf) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _("The unit"));
		sm_form_each_value(uf, v->unit.values, pager_value, p);
	}
	if (v->mark.code) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _("Mark:"));
		tui_pager_field(p, _("Mark code"), v->mark.code);
		tui_pager_field(p, _("Certificate no."), v->mark.cert_no);
		tui_pager_field(p, _("Hang by"), v->mark.hang_due);
		if (v->mark.snippet) {
			tui_pager_add(p, "%s", _("  Paste this before </body> of every page, at the bottom centre:"));
			tui_pager_snippet(p, v->mark.snippet); /* never cut inside its URL */
		}
	}
	if (v->check.id > 0) {
		/* the mark monitor's latest check of the site, page by page */
		char at[20];
		snprintf(at, sizeof(at), "%.16s", v->check.at ? v->check.at : "");
		if (at[10] == 'T')
			at[10] = ' ';
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, _("Mark check of %s: %s"), at, sm_mark_check_headline(&v->check));
		for (size_t i = 0; i < v->check.n_pages; i++) {
			const sm_page_result *pg = &v->check.pages[i];
			tui_pager_add(p, "  %s  %s", pg->verdict == SM_PAGE_PASS ? _("PASS") : _("FAIL"),
			    pg->url ? pg->url : "");
			char why[256];
			snprintf(why, sizeof(why), pg->status >= 300 ? "%s (%ld)" : "%s",
			    pg->where != SM_WHERE_NONE && pg->where != SM_WHERE_MISSING ?
			    sm_mark_where_label(pg->where) : sm_page_verdict_label(pg->verdict), pg->status);
			tui_pager_field(p, "", why);
			if (pg->detail && *pg->detail) { /* why it could not be read */
				char text[1024];
				tui_pager_field(p, "", sm_page_detail_text(pg->detail, text, sizeof(text)));
			}
			if (pg->title_ok == 0)
				tui_pager_field(p, _("    title"), pg->title);
		}
	}
	if (v->n_history > 0) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _("History:"));
	}
	for (size_t i = 0; i < v->n_history; i++) {
		const sm_event *ev = &v->history[i];
		char at[20];
		snprintf(at, sizeof(at), "%.16s", ev->at ? ev->at : "");
		if (at[10] == 'T')
			at[10] = ' ';
		if (ev->from_state && ev->to_state && strcmp(ev->from_state, ev->to_state))
			tui_pager_add(p, "  %s  %s  %s: %s -> %s", at, ev->actor,
			    sm_event_label(ev->action), sm_state_label(sm_state_parse(ev->from_state)),
			    sm_state_label(sm_state_parse(ev->to_state)));
		else
			tui_pager_add(p, "  %s  %s  %s", at, ev->actor, sm_event_label(ev->action));
		if (ev->reason && *ev->reason)
			tui_pager_field(p, _("    reason"), ev->reason);
	}
	if (v->n_notices > 0) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _("Notifications:"));
	}
	for (size_t i = 0; i < v->n_notices; i++) {
		const sm_notice *nt = &v->notices[i];
		char *st = sm_notice_status_text(nt), *line = NULL;
		char what[128];
		snprintf(what, sizeof(what), "%s, %s", sm_notice_channel_label(nt->channel),
		    sm_notice_event_label(nt->event));
		if (asprintf(&line, "%s: %s", nt->recipient ? nt->recipient : "", st ? st : "") < 0)
			line = NULL;
		tui_pager_field(p, what, line ? line : "");
		free(line);
		free(st);
	}
	if (v->n_notes > 0) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _("Staff notes (never shown to the unit):"));
	}
	for (size_t i = 0; i < v->n_notes; i++) {
		char at[20];
		snprintf(at, sizeof(at), "%.16s", v->notes[i].at ? v->notes[i].at : "");
		if (at[10] == 'T')
			at[10] = ' ';
		tui_pager_add(p, "  %s  %s", at, v->notes[i].author);
		tui_pager_field(p, "", v->notes[i].text);
	}
}

static void
case_load(case_view *cv, tui *t)
{
	sm_err *err = sm_err_new();
	size_t top = cv->pager.top;
	char *search = cv->pager.search ? strdup(cv->pager.search) : NULL;
	sm_case_view_clear(&cv->cv);
	cv->loaded = sm_view_case(t->app, cv->id, &cv->cv, err) == SM_OK;
	if (cv->loaded) {
		case_detail(t, &cv->cv, &cv->pager, cv->unmasked, cv->n_unmasked);
		/* read again, the reader stays where they were */
		cv->pager.top = top < cv->pager.n ? top : (cv->pager.n ? cv->pager.n - 1 : 0);
		cv->pager.search = search;
		search = NULL;
	} else {
		tui_msg_err(t, err);
	}
	free(search);
	sm_err_free(&err);
}

static void
case_draw(tui_view *v, tui *t, int top, int rows)
{
	case_view *cv = (case_view *)v;
	tui_pager_draw(&cv->pager, t, top, rows);
}

static void
case_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	case_view *cv = (case_view *)v;
	(void)t;
	snprintf(buf, bufsz, _("Case %lld  |  line %zu/%zu  |  q back"), (long long)cv->id,
	    cv->pager.top + 1, cv->pager.n);
}

/* Ask which masked value of the case and why; show it at the pager's top
 * until the view is left (the core audits it, without the value). */
static void
case_unmask(case_view *cv, tui *t)
{
	sm_unmask_field f[16];
	const char *labels[16];
	char text[16][240];
	size_t n = sm_unmask_fields(t->app, cv->cv.c.kind, f, 16);
	for (size_t i = 0; i < n; i++) {
		snprintf(text[i], sizeof(text[i]), "%s (%s)", f[i].label, f[i].path);
		labels[i] = text[i];
	}
	if (n == 0 || cv->n_unmasked >= sizeof(cv->unmasked) / sizeof(cv->unmasked[0])) {
		tui_msg(t, true, "%s", _("Nothing more to unmask here."));
		return;
	}
	int k = tui_choose(t, _("Unmask which value?"), labels, n, 0);
	if (k < 0)
		return;
	char *reason = tui_prompt(t, _("Why do you need it in full (recorded)?"), NULL);
	char *value = NULL;
	if (reason && *reason) {
		sm_err *err = sm_err_new();
		if (sm_unmask(t->app, cv->id, f[k].path, reason, &value, err) == SM_OK) {
			case_unmasked *u = &cv->unmasked[cv->n_unmasked++];
			u->label = strdup(f[k].label);
			u->value = value;
			case_load(cv, t);
			cv->pager.top = 0;
			tui_msg(t, false, _("%s: %s (recorded in the audit log)"), f[k].label, value);
		} else {
			tui_msg_err(t, err);
		}
		sm_err_free(&err);
	} else if (reason) {
		tui_msg(t, true, "%s", _("A reason is required to unmask a value."));
	}
	free(reason);
}

static bool
case_offers(tui_view *v, tui *t, enum tui_act act)
{
	case_view *cv = (case_view *)v;
	if (act == A_SUBMIT)
		return false; /* submitting goes through the form, from the queue */
	if (act == A_UNMASK)
		return cv->loaded && cv->cv.masked && sm_may_unmask(t->app->user.role);
	return offers_on_case(t, cv->loaded ? &cv->cv.c : NULL, act);
}

static int
case_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	case_view *cv = (case_view *)v;
	int r = tui_pager_handle(&cv->pager, t, act, t->lines - 3);
	sm_action action = tui_act_action(act);
	(void)k;
	if (r)
		return r;
	if (action != SM_ACTION_NONE && action != SM_ACTION_SUBMIT) {
		if (!cv->loaded || !sm_case_action_allowed(t->app, &cv->cv.c, action))
			return not_offered(t, action, cv->loaded ? &cv->cv.c : NULL);
		if (tui_case_act(t, cv->id, cv->cv.c.version, action)) {
			/* back to the queue, whose cursor stands on the next case */
			return TUI_POP | TUI_RELOAD;
		}
		return TUI_DRAW;
	}
	if (act == A_NOTE && cv->loaded) {
		if (note_case(t, cv->id))
			case_load(cv, t);
		return TUI_DRAW;
	}
	if (act == A_UNMASK) {
		if (cv->loaded && cv->cv.masked && sm_may_unmask(t->app->user.role))
			case_unmask(cv, t);
		return TUI_DRAW;
	}
	if (act == A_PRINT_LETTER || act == A_PRINT_FORM) {
		int r2 = tui_print_case(t, cv->loaded ? &cv->cv.c : NULL, act);
		case_load(cv, t); /* the print is in the history now */
		return r2;
	}
	if (act == A_REFRESH) {
		case_load(cv, t);
		return TUI_DRAW;
	}
	return 0;
}

static void
case_reload(tui_view *v, tui *t)
{
	case_load((case_view *)v, t);
}

static void
case_destroy(tui_view *v)
{
	case_view *cv = (case_view *)v;
	for (size_t i = 0; i < cv->n_unmasked; i++) {
		if (cv->unmasked[i].value) /* no full value left behind in memory */
			explicit_bzero(cv->unmasked[i].value, strlen(cv->unmasked[i].value));
		free(cv->unmasked[i].value);
		free(cv->unmasked[i].label);
	}
	sm_case_view_clear(&cv->cv);
	tui_pager_clear(&cv->pager);
	free(cv);
}

#define CASE_KEYS \
	FIND_KEYS, \
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read the case again")}, \
	{A_NONE, 0, NULL, NULL, NULL}

static const tui_action case_actions_office[] = {OFFICE_REVIEW_KEYS, PRINT_KEYS(7, 8), CASE_KEYS};
#define UNMASK_KEY \
	{A_UNMASK, 7, "u", N_("Unmask"), N_("Show one masked ID number or mobile in full, with a reason (audited)")}

static const tui_action case_actions_conac[] = {CONAC_REVIEW_KEYS, UNMASK_KEY, CASE_KEYS};
static const tui_action case_actions_unit[] = {
	{A_WITHDRAW, 5, "w", N_("Withdraw"), N_("Withdraw the application")},
	PRINT_KEYS(6, 7),
	CASE_KEYS,
};
static const tui_action case_actions_service[] = {
	{A_NOTE, 2, "m", N_("Note"), N_("Add a note to the case")},
	UNMASK_KEY,
	CASE_KEYS,
};

#define CASE_OPS(acts) { .name = "case", .actions = acts, .draw = case_draw, \
	.handle = case_handle, .reload = case_reload, .status = case_status, \
	.offers = case_offers, .destroy = case_destroy }
static const tui_view_ops case_ops_office = CASE_OPS(case_actions_office);
static const tui_view_ops case_ops_conac = CASE_OPS(case_actions_conac);
static const tui_view_ops case_ops_unit = CASE_OPS(case_actions_unit);
static const tui_view_ops case_ops_service = CASE_OPS(case_actions_service);

tui_view *
tui_case_view_new(tui *t, int64_t case_id)
{
	case_view *cv = calloc(1, sizeof(*cv));
	char title[64];
	if (cv == NULL)
		return NULL;
	cv->v.ops = role_is(t, SM_ROLE_OFFICE) ? &case_ops_office :
	    role_is(t, SM_ROLE_CONAC) ? &case_ops_conac :
	    role_is(t, SM_ROLE_UNIT) ? &case_ops_unit : &case_ops_service;
	snprintf(title, sizeof(title), _("Case %lld"), (long long)case_id);
	cv->v.title = strdup(title);
	cv->id = case_id;
	case_load(cv, t);
	return &cv->v;
}

/* Back where the user was last time: the cursor on the same menu entry; the
 * queue, when opened, puts its cursor on the same case (tui_queue_new). */
void
tui_menu_restore(tui *t)
{
	menu_view *m = (menu_view *)t->top;
	if (m && m->v.ops == &menu_ops && t->last_menu >= 0 && (size_t)t->last_menu < m->n)
		m->cursor = (size_t)t->last_menu;
}
