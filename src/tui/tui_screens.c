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

static const char *
label_of(const sm_name *table, const char *name)
{
	const char *l = sm_name_label(table, name);
	return l ? _(l) : (name ? name : "");
}

static bool
role_is(tui *t, const char *role)
{
	return t->app->user.role && strcmp(t->app->user.role, role) == 0;
}

/* ------------------------------------------------------------ menu */

typedef tui_view *(*menu_fn)(tui *t);

typedef struct menu_item {
	const char *label;  /* msgid */
	menu_fn open;
} menu_item;

typedef struct menu_view {
	tui_view v;
	menu_item items[12];
	size_t n;
	size_t cursor;
} menu_view;

static const tui_action menu_actions[] = {
	{A_ENTER, 0, "\r", NULL, N_("Open the entry under the cursor (Enter), or type its number")},
	{A_BACK, 0, "q\033\007", NULL, N_("Leave sitemark (q, Esc, Ctrl-G)")},
	{A_NONE, 0, NULL, NULL, NULL},
};

/* The openers of each menu entry. */
static tui_view *
open_review_queue(tui *t)
{
	return tui_queue_new(t, _("Online review"), "office_review", NULL, false, false);
}

static tui_view *
open_paper_queue(tui *t)
{
	return tui_queue_new(t, _("Paper confirmation"), "paper_pending", NULL, false, false);
}

static tui_view *
open_handled(tui *t)
{
	return tui_queue_new(t, _("Cases handled"), NULL, NULL, true, false);
}

static tui_view *
open_conac_queue(tui *t)
{
	return tui_queue_new(t, _("CONAC re-review"), "conac_review", NULL, false, false);
}

static tui_view *
open_payments(tui *t)
{
	return tui_queue_new(t, _("Payments to confirm"), "awaiting_payment", "domain", false, false);
}

static tui_view *
open_marks_issued(tui *t)
{
	return tui_queue_new(t, _("Marks issued"), "mark_issued,mark_hung", NULL, false, false);
}

static tui_view *
open_search(tui *t)
{
	return tui_queue_new(t, _("Search"), NULL, NULL, false, true);
}

static tui_view *
open_all_open(tui *t)
{
	return tui_queue_new(t, _("Open cases"),
	    "draft,office_review,conac_review,returned,awaiting_payment,paper_pending,mark_issued",
	    NULL, false, false);
}

static tui_view *
open_unit_domains(tui *t)
{
	return tui_queue_new(t, _("Domain application"), NULL, "domain", false, false);
}

static tui_view *
open_unit_sites(tui *t)
{
	return tui_queue_new(t, _("Website opening review / requalification application"), NULL,
	    "site", false, false);
}

static tui_view *
open_unit_marks_apply(tui *t)
{
	return tui_queue_new(t, _("Online names - mark application"), NULL, "mark", false, false);
}

static tui_view *
open_progress(tui *t)
{
	return tui_queue_new(t, _("Application progress"), NULL, NULL, false, false);
}

static void
menu_add(menu_view *m, const char *label, menu_fn open)
{
	if (m->n < sizeof(m->items) / sizeof(m->items[0])) {
		m->items[m->n].label = label;
		m->items[m->n].open = open;
		m->n++;
	}
}

static void
menu_build(menu_view *m, tui *t)
{
	const sm_user *u = &t->app->user;
	m->n = 0;
	if (role_is(t, "unit")) {
		sm_unit unit = {0};
		bool organ = false;
		if (u->unit > 0 && sm_store_unit_get(t->app->store, u->unit, &unit, NULL) == SM_OK)
			organ = unit.type && strcmp(unit.type, "organ") == 0;
		menu_add(m, u->unit > 0 ? N_("Unit information") : N_("Register the unit"),
		    tui_unit_info_new);
		if (u->unit > 0) {
			menu_add(m, organ ? N_("Domain application (.政务)") : N_("Domain application (.公益)"),
			    open_unit_domains);
			if (organ)
				menu_add(m, N_("Website opening review / requalification application"),
				    open_unit_sites);
			else
				menu_add(m, N_("Online names - mark application"), open_unit_marks_apply);
			menu_add(m, N_("Online names - mark management"), tui_marks_new);
			menu_add(m, N_("Application progress"), open_progress);
		}
		sm_unit_clear(&unit);
	} else if (role_is(t, "office")) {
		menu_add(m, N_("Online review"), open_review_queue);
		menu_add(m, N_("Paper confirmation"), open_paper_queue);
		menu_add(m, N_("Cases handled"), open_handled);
		menu_add(m, N_("Counts"), tui_counts_new);
	} else if (role_is(t, "conac")) {
		menu_add(m, N_("CONAC re-review"), open_conac_queue);
		menu_add(m, N_("Payments to confirm"), open_payments);
		menu_add(m, N_("Marks issued"), open_marks_issued);
		menu_add(m, N_("Counts"), tui_counts_new);
	} else if (role_is(t, "service")) {
		menu_add(m, N_("Search units and cases"), open_search);
		menu_add(m, N_("Open cases"), open_all_open);
	} else if (role_is(t, "sysadmin")) {
		menu_add(m, N_("Users"), tui_users_new);
		menu_add(m, N_("Establishment offices"), tui_offices_new);
		menu_add(m, N_("Working-day calendar"), tui_calendar_new);
	} else if (role_is(t, "secadmin")) {
		menu_add(m, N_("Users"), tui_users_new);
	} else if (role_is(t, "auditor")) {
		menu_add(m, N_("Audit log"), tui_audit_new);
	}
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
	if (support && top + rows - 2 > y) {
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
			tui_push(t, m->items[m->cursor].open(t));
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
		tui_push(t, m->items[m->cursor].open(t));
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

static const char *
action_form(const char *action)
{
	for (const sm_rule *r = sm_rules; r->action; r++)
		if (strcmp(r->action, action) == 0 && r->form)
			return r->form;
	return NULL;
}

/* Ask what the action needs (its form, or a confirmation) for COUNT cases. */
static bool
ask_action(tui *t, const char *action, int64_t id, size_t count, json_t **values)
{
	char q[256];
	const char *form = action_form(action);
	*values = NULL;
	if (count > 1)
		snprintf(q, sizeof(q), _("%s: %zu tagged cases"), label_of(sm_actions, action), count);
	else
		snprintf(q, sizeof(q), _("%s: case %lld"), label_of(sm_actions, action), (long long)id);
	if (form && (*values = tui_form_modal(t, form, q)) == NULL)
		return false;
	/* a decision cannot be undone: asked even after its form */
	char confirm[300];
	snprintf(confirm, sizeof(confirm), _("%s?"), q);
	if (tui_confirm(t, confirm))
		return true;
	json_decref(*values);
	*values = NULL;
	return false;
}

/* Apply ACTION to one case at the version seen; the message says what happened. */
static sm_status
apply_action(tui *t, int64_t id, int64_t version, const char *action, const json_t *values,
             sm_err *err)
{
	sm_act a = {.case_id = id, .action = action, .values = values, .expect_version = version};
	char *state = NULL;
	sm_status st = sm_case_act(t->app, &a, &state, err);
	free(state);
	return st;
}

bool
tui_case_act(tui *t, int64_t case_id, int64_t version, const char *action)
{
	json_t *values = NULL;
	sm_case c = {0};
	if (!ask_action(t, action, case_id, 1, &values))
		return false;
	sm_err *err = sm_err_new();
	sm_status st = apply_action(t, case_id, version, action, values, err);
	if (st == SM_OK && sm_store_case_get(t->app->store, case_id, &c, NULL) == SM_OK) {
		tui_msg(t, false, _("Case %lld: %s"), (long long)case_id, label_of(sm_states, c.state));
		sm_case_clear(&c);
	} else if (st != SM_OK) {
		tui_msg_err(t, err);
	}
	sm_err_free(&err);
	json_decref(values);
	return st == SM_OK || st == SM_E_CONFLICT;
}

/* ------------------------------------------------------------ queues */

typedef struct queue_view {
	tui_view v;
	sm_app *app;
	tui_list *list;
	sm_case *cases;
	size_t n;
	int *over;          /* working days over, per case, as of the load */
	int overdue;        /* how many cases are over */
	char *states;
	char *kind;
	char *text;         /* search text (service) */
	bool handled;
	bool search;
} queue_view;

/* Short labels for the narrow columns of queues. */
static const sm_name short_kinds[] = {
	{"domain", NC_("short", "Domain")},
	{"site", NC_("short", "Website")},
	{"mark", NC_("short", "Mark")},
	{NULL, NULL},
};

static const sm_name short_states[] = {
	{"draft", NC_("short", "Draft")},
	{"office_review", NC_("short", "Office")},
	{"conac_review", NC_("short", "CONAC")},
	{"returned", NC_("short", "Returned")},
	{"awaiting_payment", NC_("short", "To pay")},
	{"registered", NC_("short", "Registered")},
	{"paper_pending", NC_("short", "Paper")},
	{"mark_issued", NC_("short", "Issued")},
	{"mark_hung", NC_("short", "Hung")},
	{"withdrawn", NC_("short", "Withdrawn")},
	{NULL, NULL},
};

static const char *
short_label(const sm_name *table, const char *name)
{
	const char *l = sm_name_label(table, name);
	return l ? sm_pgettext(l) : (name ? name : "");
}

static const tui_column queue_cols[] = {
	{N_("No."), 6, true},
	{N_("Kind"), 8, false},
	{N_("State"), 10, false},
	{N_("Unit"), 0, false},
	{N_("Domain"), 0, false},
	{N_("Due"), 10, false},
	{N_("Over"), 4, true},
};

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
	{A_VERIFY_HUNG, 6, "v", N_("Hung"), N_("Confirm the mark hangs on the site")}

#define CONAC_REVIEW_KEYS \
	{A_APPROVE, 2, "a", N_("Approve"), N_("Approve the case, or every tagged case")}, \
	{A_REJECT, 3, "r", N_("Return"), N_("Return the case to the unit with a reason")}, \
	{A_CONFIRM_PAYMENT, 4, "p", N_("Paid"), N_("Confirm the fee was paid: registers the domain")}, \
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
	{A_NEW, 3, "/", N_("Search"), N_("Search units and cases by name, USCC, domain or number")},
	LIST_KEYS,
	{A_NONE, 0, NULL, NULL, NULL},
};

static const char *
queue_cell(void *ud, size_t row, size_t col, char *buf, size_t bufsz)
{
	queue_view *q = ud;
	const sm_case *c = &q->cases[row];
	switch (col) {
	case 0:
		snprintf(buf, bufsz, "%lld", (long long)c->id);
		return buf;
	case 1:
		return short_label(short_kinds, c->kind);
	case 2:
		return short_label(short_states, c->state);
	case 3:
		return c->unit_name;
	case 4:
		return c->domain_unicode;
	case 5:
		return c->due;
	default:
		return "";
	}
}

static const char *
queue_cell_over(void *ud, size_t row, size_t col, char *buf, size_t bufsz)
{
	queue_view *q = ud;
	if (col != 6)
		return queue_cell(ud, row, col, buf, bufsz);
	int over = q->over ? q->over[row] : 0;
	if (over > 0)
		snprintf(buf, bufsz, "+%d", over);
	return buf;
}

static int
queue_attr(void *ud, size_t row)
{
	queue_view *q = ud;
	return q->over && q->over[row] > 0 ? TUI_PAIR_OVERDUE : 0;
}

static const sm_case *current_case(queue_view *q);

static void
queue_load(queue_view *q, tui *t)
{
	sm_err *err = sm_err_new();
	sm_case_filter f = {
		.state = q->states, .kind = q->kind, .text = q->text,
		.acted_by = q->handled ? t->app->user.login : NULL,
		.by_due = q->states != NULL && !q->handled, .limit = 5000,
	};
	sm_cases_free(&q->cases, q->n);
	q->n = 0;
	q->overdue = 0;
	if (q->search && (q->text == NULL || *q->text == '\0')) {
		tui_list_reset(q->list, 0);
		sm_err_free(&err);
		return;
	}
	if (sm_case_query(t->app, &f, false, &q->cases, &q->n, err) != SM_OK)
		tui_msg_err(t, err);
	sm_err_free(&err);
	/* the calendar is asked once per load, not on every key */
	free(q->over);
	q->over = q->n ? calloc(q->n, sizeof(int)) : NULL;
	q->overdue = 0;
	for (size_t i = 0; q->over && i < q->n; i++) {
		q->over[i] = sm_case_days_over(t->app, &q->cases[i]);
		q->overdue += q->over[i] > 0;
	}
	tui_list_reset(q->list, q->n);
}

static void
queue_draw(tui_view *v, tui *t, int top, int rows)
{
	queue_view *q = (queue_view *)v;
	const sm_case *c;
	tui_list_draw(q->list, t, top, rows);
	if ((c = current_case(q)) != NULL)
		t->last_case = c->id;
	if (q->search && q->n == 0)
		tui_text(top + 3, 2, t->cols - 4,
		    _("Press / (or F3) and type a unit name, USCC, domain or case number."), false);
}

static void
queue_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	queue_view *q = (queue_view *)v;
	char list[256];
	int overdue = q->overdue;
	(void)t;
	tui_list_status(q->list, list, sizeof(list));
	if (overdue)
		snprintf(buf, bufsz, _("%s  |  %s  |  overdue: %d"), v->title, list, overdue);
	else
		snprintf(buf, bufsz, "%s  |  %s", v->title, list);
}

static const sm_case *
current_case(queue_view *q)
{
	size_t row = tui_list_current(q->list);
	return row < q->n ? &q->cases[row] : NULL;
}

static const char *
act_name(enum tui_act act)
{
	switch (act) {
	case A_APPROVE: return "approve";
	case A_REJECT: return "reject";
	case A_CONFIRM_PAYMENT: return "confirm-payment";
	case A_CONFIRM_PAPER: return "confirm-paper";
	case A_REJECT_PAPER: return "reject-paper";
	case A_VERIFY_HUNG: return "verify-hung";
	case A_SUBMIT: return "submit";
	case A_WITHDRAW: return "withdraw";
	default: return NULL;
	}
}

/* Apply an action to the tagged cases, or to the case under the cursor; then
 * the cursor stands on the next case. */
static int
queue_act(queue_view *q, tui *t, const char *action)
{
	size_t *rows = NULL;
	size_t n = tui_list_tagged(q->list, &rows);
	const sm_case *c = current_case(q);
	if (n == 0) {
		free(rows);
		if (c == NULL)
			return TUI_DRAW;
		if (tui_case_act(t, c->id, c->version, action)) {
			queue_load(q, t);
			return TUI_DRAW | TUI_RELOAD;
		}
		return TUI_DRAW;
	}
	json_t *values = NULL;
	if (!ask_action(t, action, 0, n, &values)) {
		free(rows);
		return TUI_DRAW;
	}
	size_t ok = 0, conflict = 0, refused = 0;
	sm_err *err = sm_err_new(), *first = sm_err_new();
	for (size_t i = 0; i < n; i++) {
		const sm_case *tc = &q->cases[rows[i]];
		sm_err_clear(err);
		sm_status st = apply_action(t, tc->id, tc->version, action, values, err);
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
	free(rows);
	return TUI_DRAW | TUI_RELOAD;
}

/* ---- the unit's own applications */

typedef struct app_ctx {
	char *kind;
	int64_t case_id;   /* 0 until the draft exists */
} app_ctx;

static void
app_ctx_free(void *p)
{
	app_ctx *a = p;
	if (a) {
		free(a->kind);
		free(a);
	}
}

/* Save the form as the case's values (creating the draft the first time). */
static sm_status
save_case(tui *t, app_ctx *a, json_t *values, sm_err *err)
{
	if (a->case_id == 0)
		return sm_case_new(t->app, a->kind, values, &a->case_id, err);
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
	st = sm_case_edit(t->app, a->case_id, patch, c.version, err);
	json_decref(patch);
	sm_case_clear(&c);
	return st;
}

static bool
submit_application(tui *t, void *ud, json_t *values, sm_err *err)
{
	app_ctx *a = ud;
	const sm_form *form = sm_forms_get(t->app->forms, a->kind);
	if (form && sm_form_validate(form, values, t->app->divs, SM_FORM_COMPLETE, NULL, err) != SM_OK)
		return false;
	if (save_case(t, a, values, err) != SM_OK)
		return false;
	sm_case c = {0};
	if (sm_case_read(t->app, a->case_id, &c, err) != SM_OK)
		return false;
	sm_status st = apply_action(t, a->case_id, c.version, "submit", NULL, err);
	sm_case_clear(&c);
	if (st != SM_OK)
		return false;
	tui_msg(t, false, _("Case %lld was submitted to your establishment office."), (long long)a->case_id);
	return true;
}

static tui_view *
application_form(tui *t, const char *kind, const sm_case *c)
{
	app_ctx *a = calloc(1, sizeof(*a));
	char key[64];
	if (a == NULL)
		return NULL;
	a->kind = strdup(kind);
	a->case_id = c ? c->id : 0;
	if (c)
		snprintf(key, sizeof(key), "case-%lld", (long long)c->id);
	else
		snprintf(key, sizeof(key), "%s-new", kind);
	return tui_form_new(t, kind, key, c ? c->values : NULL, submit_application, a, app_ctx_free);
}

static int
queue_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	queue_view *q = (queue_view *)v;
	const sm_case *c = current_case(q);
	int r = tui_list_handle(q->list, t, act);
	(void)k;
	if (r)
		return r;
	switch (act) {
	case A_ENTER:
	case A_OPEN:
		if (c)
			tui_push(t, tui_case_view_new(t, c->id));
		return TUI_DRAW;
	case A_REFRESH:
		queue_load(q, t);
		return TUI_DRAW;
	case A_APPROVE:
	case A_REJECT:
	case A_CONFIRM_PAYMENT:
	case A_CONFIRM_PAPER:
	case A_REJECT_PAPER:
	case A_VERIFY_HUNG:
	case A_WITHDRAW:
		return queue_act(q, t, act_name(act));
	case A_SUBMIT:
		if (c == NULL)
			return TUI_DRAW;
		/* a submit goes through the form, which checks every field */
		tui_push(t, application_form(t, c->kind, c));
		return TUI_DRAW;
	case A_EDIT:
		if (c && (strcmp(c->state, "draft") == 0 || strcmp(c->state, "returned") == 0))
			tui_push(t, application_form(t, c->kind, c));
		else if (c)
			tui_msg(t, true, "%s", _("Only drafts and returned applications can be edited."));
		return TUI_DRAW;
	case A_NEW:
		if (q->search) {
			char *s = tui_prompt(t, _("Unit name, USCC, domain or case number:"), q->text);
			if (s) {
				free(q->text);
				q->text = s;
				queue_load(q, t);
			}
			return TUI_DRAW;
		}
		if (role_is(t, "service")) /* "/" and F3 search the list shown */
			return tui_list_handle(q->list, t, A_SEARCH);
		if (q->kind)
			tui_push(t, application_form(t, q->kind, NULL));
		else
			tui_msg(t, true, "%s", _("Start new applications from their own menu entry."));
		return TUI_DRAW;
	case A_NOTE:
		if (c) {
			char *s = tui_prompt(t, _("Note:"), NULL);
			if (s && *s) {
				sm_err *err = sm_err_new();
				if (sm_case_note(t->app, c->id, s, err) == SM_OK)
					tui_msg(t, false, _("The note was added to case %lld."), (long long)c->id);
				else
					tui_msg_err(t, err);
				sm_err_free(&err);
			}
			free(s);
		}
		return TUI_DRAW;
	default:
		return 0;
	}
}

static void
queue_reload(tui_view *v, tui *t)
{
	queue_load((queue_view *)v, t);
}

static void
queue_destroy(tui_view *v)
{
	queue_view *q = (queue_view *)v;
	tui_list_free(&q->list);
	sm_cases_free(&q->cases, q->n);
	free(q->over);
	free(q->states);
	free(q->kind);
	free(q->text);
	free(q);
}

static tui_view_ops queue_ops_office = {
	.name = "queue", .actions = office_queue_actions, .draw = queue_draw,
	.handle = queue_handle, .reload = queue_reload, .status = queue_status,
	.destroy = queue_destroy,
};
static tui_view_ops queue_ops_conac = {
	.name = "queue", .actions = conac_queue_actions, .draw = queue_draw,
	.handle = queue_handle, .reload = queue_reload, .status = queue_status,
	.destroy = queue_destroy,
};
static tui_view_ops queue_ops_unit = {
	.name = "queue", .actions = unit_queue_actions, .draw = queue_draw,
	.handle = queue_handle, .reload = queue_reload, .status = queue_status,
	.destroy = queue_destroy,
};
static tui_view_ops queue_ops_service = {
	.name = "queue", .actions = service_queue_actions, .draw = queue_draw,
	.handle = queue_handle, .reload = queue_reload, .status = queue_status,
	.destroy = queue_destroy,
};

static const tui_view_ops *
ops_for_role(tui *t)
{
	if (role_is(t, "office"))
		return &queue_ops_office;
	if (role_is(t, "conac"))
		return &queue_ops_conac;
	if (role_is(t, "unit"))
		return &queue_ops_unit;
	return &queue_ops_service;
}

tui_view *
tui_queue_new(tui *t, const char *title, const char *states, const char *kind, bool handled,
              bool search)
{
	queue_view *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->v.ops = ops_for_role(t);
	q->app = t->app;
	q->v.title = strdup(title);
	q->states = states ? strdup(states) : NULL;
	q->kind = kind ? strdup(kind) : NULL;
	q->handled = handled;
	q->search = search;
	q->list = tui_list_new(queue_cols, sizeof(queue_cols) / sizeof(queue_cols[0]),
	    queue_cell_over, queue_attr, q);
	queue_load(q, t);
	for (size_t i = 0; t->last_case > 0 && i < q->n; i++)
		if (q->cases[i].id == t->last_case)
			tui_list_select(q->list, i);
	return &q->v;
}

/* ------------------------------------------------------------ a case */

typedef struct case_view {
	tui_view v;
	int64_t id;
	sm_case c;
	tui_pager pager;
	bool loaded;
} case_view;

/* Where values go, and whether ID numbers and mobiles are masked: CONAC and
 * customer service have no need for them whole (trust.md #11); the unit and
 * its office do. */
struct shown {
	tui_pager *p;
	bool mask;
};

static void
pager_value(const sm_field *field, const char *label, const char *text, void *ud)
{
	struct shown *sh = ud;
	tui_pager *p = sh->p;
	char masked[64];
	if (sh->mask && field->mask && text && strlen(text) > 6) {
		/* reviewers see enough to compare; the whole number stays with the unit */
		size_t n = strlen(text);
		snprintf(masked, sizeof(masked), "%.3s%.*s%s", text,
		    (int)(n - 7 < sizeof(masked) - 8 ? n - 7 : sizeof(masked) - 8),
		    "****************************************************", text + n - 4);
		text = masked;
	}
	tui_pager_field(p, label, text);
}

static void
case_detail(tui *t, const sm_case *c, tui_pager *p)
{
	char buf[256];
	sm_office office = {0};
	sm_unit unit = {0};
	struct shown sh = {p, role_is(t, "conac") || role_is(t, "service")};
	tui_pager_clear(p);
	tui_pager_add(p, _("Case %lld: %s - %s"), (long long)c->id, label_of(sm_kinds, c->kind),
	    label_of(sm_states, c->state));
	tui_pager_field(p, _("Unit"), c->unit_name);
	tui_pager_field(p, _("Unit type"), label_of(sm_unit_types, c->unit_type));
	tui_pager_field(p, _("USCC"), c->unit_uscc);
	if (sm_store_office_get(t->app->store, c->office, &office, NULL) == SM_OK)
		snprintf(buf, sizeof(buf), "%s %s", c->office, office.name);
	else
		snprintf(buf, sizeof(buf), "%s", c->office);
	sm_office_clear(&office);
	tui_pager_field(p, _("Office"), buf);
	if (c->domain_unicode)
		tui_pager_field(p, _("Domain"), c->domain_unicode);
	if (c->due) {
		int over = sm_case_days_over(t->app, c);
		if (over > 0)
			snprintf(buf, sizeof(buf), _("%s (%d working days over)"), c->due, over);
		else
			snprintf(buf, sizeof(buf), "%s%s", c->due,
			    c->due_uncertain ? _(" (uncertain: past the calendar)") : "");
		tui_pager_field(p, _("Deadline"), buf);
	}
	if (json_array_size(c->hints) > 0) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _("Hints for reviewers:"));
		size_t i;
		json_t *h;
		json_array_foreach(c->hints, i, h)
			tui_pager_add(p, "  ! %s", _(sm_hint_label(json_string_value(h))));
	}
	const sm_form *form = sm_forms_get(t->app->forms, c->kind);
	if (form) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _(form->title));
		sm_form_each_value(form, c->values, pager_value, &sh);
	}
	if (sm_store_unit_get(t->app->store, c->unit, &unit, NULL) == SM_OK) {
		const sm_form *uf = sm_forms_get(t->app->forms, "unit");
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _("The unit"));
		if (uf)
			sm_form_each_value(uf, unit.values, pager_value, &sh);
		sm_unit_clear(&unit);
	}
	sm_mark m = {0};
	if (sm_store_mark_get(t->app->store, c->id, &m, NULL) == SM_OK) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _("Mark:"));
		tui_pager_field(p, _("Mark code"), m.code);
		tui_pager_field(p, _("Certificate no."), m.cert_no);
		tui_pager_field(p, _("Hang by"), m.hang_due);
		sm_mark_clear(&m);
	}
	sm_event *ev = NULL;
	size_t n = 0;
	if (sm_store_case_history(t->app->store, c->id, &ev, &n, NULL) == SM_OK && n > 0) {
		tui_pager_add(p, "%s", "");
		tui_pager_add(p, "%s", _("History:"));
		for (size_t i = 0; i < n; i++) {
			const char *what = sm_name_label(sm_actions, ev[i].action);
			if (what == NULL)
				what = sm_name_label(sm_events, ev[i].action);
			char at[20];
			snprintf(at, sizeof(at), "%.16s", ev[i].at ? ev[i].at : "");
			if (at[10] == 'T')
				at[10] = ' ';
			if (ev[i].from_state && ev[i].to_state && strcmp(ev[i].from_state, ev[i].to_state))
				tui_pager_add(p, "  %s  %s  %s: %s -> %s", at, ev[i].actor,
				    what ? _(what) : ev[i].action, label_of(sm_states, ev[i].from_state),
				    label_of(sm_states, ev[i].to_state));
			else
				tui_pager_add(p, "  %s  %s  %s", at, ev[i].actor, what ? _(what) : ev[i].action);
			if (ev[i].reason && *ev[i].reason)
				tui_pager_field(p, _("    reason"), ev[i].reason);
		}
	}
	sm_events_free(&ev, n);
}

static void
case_load(case_view *cv, tui *t)
{
	sm_err *err = sm_err_new();
	sm_case_clear(&cv->c);
	cv->loaded = sm_case_read(t->app, cv->id, &cv->c, err) == SM_OK;
	if (cv->loaded)
		case_detail(t, &cv->c, &cv->pager);
	else
		tui_msg_err(t, err);
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

static int
case_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	case_view *cv = (case_view *)v;
	int r = tui_pager_handle(&cv->pager, t, act, t->lines - 3);
	(void)k;
	if (r)
		return r;
	const char *action = act_name(act);
	if (action && cv->loaded && act != A_SUBMIT) {
		if (tui_case_act(t, cv->id, cv->c.version, action)) {
			/* back to the queue, whose cursor stands on the next case */
			return TUI_POP | TUI_RELOAD;
		}
		return TUI_DRAW;
	}
	if (act == A_NOTE && cv->loaded) {
		char *s = tui_prompt(t, _("Note:"), NULL);
		if (s && *s) {
			sm_err *err = sm_err_new();
			if (sm_case_note(t->app, cv->id, s, err) == SM_OK)
				case_load(cv, t);
			else
				tui_msg_err(t, err);
			sm_err_free(&err);
		}
		free(s);
		return TUI_DRAW;
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
	sm_case_clear(&cv->c);
	tui_pager_clear(&cv->pager);
	free(cv);
}

#define CASE_KEYS \
	FIND_KEYS, \
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read the case again")}, \
	{A_NONE, 0, NULL, NULL, NULL}

static const tui_action case_actions_office[] = {OFFICE_REVIEW_KEYS, CASE_KEYS};
static const tui_action case_actions_conac[] = {CONAC_REVIEW_KEYS, CASE_KEYS};
static const tui_action case_actions_unit[] = {
	{A_WITHDRAW, 5, "w", N_("Withdraw"), N_("Withdraw the application")},
	CASE_KEYS,
};
static const tui_action case_actions_service[] = {
	{A_NOTE, 2, "m", N_("Note"), N_("Add a note to the case")},
	CASE_KEYS,
};

#define CASE_OPS(acts) { .name = "case", .actions = acts, .draw = case_draw, \
	.handle = case_handle, .reload = case_reload, .status = case_status, \
	.destroy = case_destroy }
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
	cv->v.ops = role_is(t, "office") ? &case_ops_office : role_is(t, "conac") ? &case_ops_conac :
	    role_is(t, "unit") ? &case_ops_unit : &case_ops_service;
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
