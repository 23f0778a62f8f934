/* tui_admin.c - the unit's own screens (unit information, mark management),
 * counts, and the administrators' screens (users, offices, calendar, audit). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_audit.h"
#include "sm_calendar.h"
#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_view.h"
#include "sm_workflow.h"
#include "tui.h"
#include "tui_curses.h"

/* ------------------------------------------------------------ pager views */

/* A view that shows a pager filled by FILL; the screens below are pagers
 * with their own keys. */
typedef struct pager_view {
	tui_view v;
	tui_pager pager;
	void (*fill)(struct pager_view *pv, tui *t);
	int (*extra)(struct pager_view *pv, tui *t, enum tui_act act);
	size_t sel;          /* a selected entry, for screens that have some */
	size_t count;
	char **copy;         /* texts to copy, one per entry (mark snippets) */
} pager_view;

static void
pv_draw(tui_view *v, tui *t, int top, int rows)
{
	tui_pager_draw(&((pager_view *)v)->pager, t, top, rows);
}

static void
pv_free_copy(pager_view *pv)
{
	for (size_t i = 0; i < pv->count; i++)
		free(pv->copy[i]);
	free(pv->copy);
	pv->copy = NULL;
	pv->count = 0;
}

static void
pv_reload(tui_view *v, tui *t)
{
	pager_view *pv = (pager_view *)v;
	size_t top = pv->pager.top;
	pv_free_copy(pv);
	tui_pager_clear(&pv->pager);
	pv->fill(pv, t);
	pv->pager.top = top;
}

static int
pv_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	pager_view *pv = (pager_view *)v;
	(void)k;
	if (pv->extra) {
		int r = pv->extra(pv, t, act);
		if (r)
			return r;
	}
	if (act == A_REFRESH) {
		pv_reload(v, t);
		return TUI_DRAW;
	}
	return tui_pager_handle(&pv->pager, t, act, t->lines - 3);
}

static void
pv_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	pager_view *pv = (pager_view *)v;
	(void)t;
	snprintf(buf, bufsz, _("%s  |  line %zu/%zu  |  q back"), v->title,
	    pv->pager.n ? pv->pager.top + 1 : 0, pv->pager.n);
}

static void
pv_destroy(tui_view *v)
{
	pager_view *pv = (pager_view *)v;
	pv_free_copy(pv);
	tui_pager_clear(&pv->pager);
	free(pv);
}

static pager_view *
pv_new(tui *t, const tui_view_ops *ops, const char *title,
       void (*fill)(pager_view *, tui *), int (*extra)(pager_view *, tui *, enum tui_act))
{
	pager_view *pv = calloc(1, sizeof(*pv));
	if (pv == NULL)
		return NULL;
	pv->v.ops = ops;
	pv->v.title = strdup(title);
	pv->fill = fill;
	pv->extra = extra;
	fill(pv, t);
	return pv;
}

#define PAGER_OPS(name_, acts) { .name = name_, .actions = acts, .draw = pv_draw, \
	.handle = pv_handle, .reload = pv_reload, .status = pv_status, .destroy = pv_destroy }

static const tui_action plain_actions[] = {
	{A_SEARCH, 0, "/", NULL, N_("Search")},
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")},
	{A_SEARCH_PREV, 0, "N", NULL, N_("Previous match")},
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read again")},
	{A_NONE, 0, NULL, NULL, NULL},
};

/* ------------------------------------------------------------ the unit */

static void
field_line(const sm_field *field, const char *label, const char *text, void *ud)
{
	(void)field;
	tui_pager_field(ud, label, text);
}

static void
fill_unit(pager_view *pv, tui *t)
{
	sm_unit_view uv;
	char buf[256];
	if (sm_view_unit(t->app, t->app->user.unit, NULL, &uv, NULL) != SM_OK) {
		tui_pager_add(&pv->pager, "%s", _("The unit is not registered yet."));
		return;
	}
	snprintf(buf, sizeof(buf), "%08lld", (long long)uv.unit.id);
	tui_pager_field(&pv->pager, _("Unit serial"), buf);
	snprintf(buf, sizeof(buf), "%s%s%s", uv.unit.office, uv.office_name ? " " : "",
	    uv.office_name ? uv.office_name : "");
	tui_pager_field(&pv->pager, _("Reviewing office"), buf);
	sm_form_each_value(sm_forms_get(t->app->forms, "unit"), uv.unit.values, field_line,
	    &pv->pager);
	tui_pager_add(&pv->pager, "%s", "");
	tui_pager_add(&pv->pager, "%s", _("Registered domains:"));
	if (uv.n_domains == 0)
		tui_pager_add(&pv->pager, "  %s", _("none yet"));
	for (size_t i = 0; i < uv.n_domains; i++)
		tui_pager_add(&pv->pager, "  %s  (%s)", uv.domains[i], uv.domains_ace[i]);
	sm_unit_view_clear(&uv);
}

static bool
submit_unit(tui *t, void *ud, json_t *values, sm_err *err)
{
	int64_t id = 0;
	(void)ud;
	if (sm_unit_register(t->app, values, NULL, &id, err) != SM_OK)
		return false;
	tui_msg(t, false, _("The unit is registered (serial %08lld). Apply for its domain next."),
	    (long long)id);
	return true;
}

/* The unit's screen: E changes the contact person and the handler (the
 * unit form's definitions of those groups, sm_unit_edit_form). */
static const tui_action unit_actions[] = {
	{A_EDIT, 3, "e", N_("Edit"), N_("Change the contact person and the handler")},
	{A_SEARCH, 0, "/", NULL, N_("Search")},
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")},
	{A_SEARCH_PREV, 0, "N", NULL, N_("Previous match")},
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read again")},
	{A_NONE, 0, NULL, NULL, NULL},
};

struct unit_edit {
	int64_t unit, version; /* the version the form started from */
};

static bool
submit_unit_edit(tui *t, void *ud, json_t *values, sm_err *err)
{
	struct unit_edit *ue = ud;
	if (sm_unit_edit(t->app, ue->unit, values, ue->version, err) != SM_OK)
		return false;
	tui_msg(t, false, "%s", _("The contact person and the handler are changed."));
	return true;
}

static int
unit_extra(pager_view *pv, tui *t, enum tui_act act)
{
	sm_unit_view uv;
	(void)pv;
	if (act != A_EDIT)
		return 0;
	if (sm_view_unit(t->app, t->app->user.unit, NULL, &uv, NULL) != SM_OK)
		return TUI_DRAW;
	struct unit_edit *ue = malloc(sizeof(*ue));
	json_t *initial = json_object();
	for (size_t i = 0; sm_unit_edit_fields[i]; i++) {
		json_t *g = json_object_get(uv.unit.values, sm_unit_edit_fields[i]);
		if (g)
			json_object_set(initial, sm_unit_edit_fields[i], g);
	}
	tui_view *v = NULL;
	if (ue) {
		*ue = (struct unit_edit){uv.unit.id, uv.unit.version};
		v = tui_form_new_subset(t, sm_unit_edit_form(t->app), initial, submit_unit_edit, ue,
		    free);
	}
	json_decref(initial);
	sm_unit_view_clear(&uv);
	if (v)
		tui_push(t, v);
	return TUI_DRAW;
}

static const tui_view_ops unit_ops = PAGER_OPS("unit", unit_actions);

tui_view *
tui_unit_info_new(tui *t)
{
	if (t->app->user.unit <= 0)
		return tui_form_new(t, "unit", "unit-new", NULL, submit_unit, NULL, NULL);
	return &pv_new(t, &unit_ops, _("Unit information"), fill_unit, unit_extra)->v;
}

/* ------------------------------------------------------------ mark management */

static const tui_action marks_actions[] = {
	{A_SAVE, 2, "y", N_("Copy"), N_("Copy the selected mark code to the clipboard (OSC 52)")},
	{A_NEXT_FIELD, 0, "\t", NULL, N_("Select the next mark (Tab)")},
	{A_SEARCH, 0, "/", NULL, N_("Search")},
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")},
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read again")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static void
fill_marks(pager_view *pv, tui *t)
{
	sm_case_page page;
	char buf[256];
	sm_case_query q = {.states = SM_BIT(SM_STATE_MARK_ISSUED) | SM_BIT(SM_STATE_MARK_HUNG),
	    .marks = true};
	if (sm_view_cases(t->app, &q, &page, NULL) != SM_OK || page.n == 0) {
		tui_pager_add(&pv->pager, "%s", _("No mark has been issued to the unit yet."));
		sm_case_page_clear(&page);
		return;
	}
	pv->copy = calloc(page.n, sizeof(char *));
	for (size_t i = 0; i < page.n; i++) {
		const sm_mark *mk = &page.marks[i];
		const sm_case *cs = &page.cases[i];
		if (mk->code == NULL)
			continue;
		if (pv->copy)
			pv->copy[pv->count++] = strdup(mk->snippet);
		tui_pager_add(&pv->pager, "%s%s  %s", pv->count - 1 == pv->sel ? ">> " : "   ",
		    cs->domain_unicode ? cs->domain_unicode : "", sm_state_label(cs->state));
		tui_pager_field(&pv->pager, _("Mark code"), mk->code);
		tui_pager_field(&pv->pager, _("Certificate no."), mk->cert_no);
		tui_pager_field(&pv->pager, _("Colour"),
		    strcmp(mk->color, "red") == 0 ? _("red") : _("blue"));
		if (cs->state == SM_STATE_MARK_ISSUED && mk->hang_due) {
			int over = page.days_over[i];
			if (over > 0)
				snprintf(buf, sizeof(buf), _("%s: %d working days overdue"), mk->hang_due, over);
			else
				snprintf(buf, sizeof(buf), _("%s: %d working days left"), mk->hang_due,
				    sm_case_days_left(t->app, cs));
			tui_pager_field(&pv->pager, _("Hang by"), buf);
		} else {
			tui_pager_field(&pv->pager, _("Hang by"), _("done: the mark hangs"));
		}
		const json_t *cert = mk->certificate;
		tui_pager_field(&pv->pager, _("Website name"),
		    json_string_value(json_object_get(cert, "site_name")));
		size_t j;
		json_t *d;
		json_array_foreach(json_object_get(cert, "domains"), j, d)
			tui_pager_field(&pv->pager, j == 0 ? _("Domains") : "", json_string_value(d));
		tui_pager_field(&pv->pager, _("Issued by"),
		    _("China Organizational Name Administration Center (CONAC)"));
		snprintf(buf, sizeof(buf), "%.16s", mk->issued_at ? mk->issued_at : "");
		if (buf[10] == 'T') /* 2026-11-18 11:00, as in the history */
			buf[10] = ' ';
		tui_pager_field(&pv->pager, _("Issued on"), buf);
		tui_pager_add(&pv->pager, "%s", _("  Paste this before </body> of every page, at the bottom centre:"));
		tui_pager_snippet(&pv->pager, mk->snippet); /* never cut inside its URL */
		tui_pager_add(&pv->pager, "%s", "");
	}
	tui_pager_add(&pv->pager, "%s", _("F2 or y copies the selected code to the clipboard; 'sitemark mark show ID' prints it on one line."));
	sm_case_page_clear(&page);
}

static int
marks_extra(pager_view *pv, tui *t, enum tui_act act)
{
	if (act == A_NEXT_FIELD && pv->count > 0) {
		pv->sel = (pv->sel + 1) % pv->count;
		pv_reload(&pv->v, t);
		return TUI_DRAW;
	}
	if (act != A_SAVE)
		return 0;
	if (pv->sel >= pv->count || pv->copy[pv->sel] == NULL) {
		tui_msg(t, true, "%s", _("No mark to copy."));
		return TUI_DRAW;
	}
	char *b64 = sm_base64(pv->copy[pv->sel], strlen(pv->copy[pv->sel]));
	if (b64 && t->tty_out) {
		/* OSC 52: the terminal puts it on the clipboard (xterm, tmux, iTerm2...) */
		fprintf(t->tty_out, "\033]52;c;%s\a", b64);
		fflush(t->tty_out);
		tui_msg(t, false, "%s", _("The mark code was sent to the clipboard (if your terminal allows OSC 52)."));
	}
	free(b64);
	return TUI_DRAW;
}

static const tui_view_ops marks_ops = PAGER_OPS("marks", marks_actions);

tui_view *
tui_marks_new(tui *t)
{
	return &pv_new(t, &marks_ops, _("Online names - mark management"), fill_marks, marks_extra)->v;
}

/* ------------------------------------------------------------ counts */

static void
fill_counts(pager_view *pv, tui *t)
{
	char buf[128];
	sm_state_count counts[SM_STATE_COUNT];
	bool office = false;
	sm_err *err = sm_err_new();
	if (sm_view_counts(t->app, counts, &office, err) != SM_OK) {
		tui_pager_add(&pv->pager, "%s", sm_err_count(err) ? sm_err_msg(err, 0) : "");
		sm_err_free(&err);
		return;
	}
	sm_err_free(&err);
	tui_pager_add(&pv->pager, "%s", office ? _("Cases of your office by state") :
	    _("All cases by state"));
	if (office && t->app->user.office) {
		/* which office, by code and name */
		char *name = sm_view_office_name(t->app, t->app->user.office);
		snprintf(buf, sizeof(buf), "%s%s%s", t->app->user.office, name ? " " : "",
		    name ? name : "");
		tui_pager_field(&pv->pager, _("Office"), buf);
		free(name);
	}
	for (int s = 1; s < SM_STATE_COUNT; s++) {
		if (s == SM_STATE_OFFICE_REVIEW || s == SM_STATE_PAPER_PENDING ||
		    s == SM_STATE_MARK_ISSUED)
			snprintf(buf, sizeof(buf), _("%lld  (overdue: %d)"), (long long)counts[s].cases,
			    (int)counts[s].overdue);
		else
			snprintf(buf, sizeof(buf), "%lld", (long long)counts[s].cases);
		tui_pager_field(&pv->pager, sm_state_label((sm_state)s), buf);
	}
}

static const tui_view_ops counts_ops = PAGER_OPS("counts", plain_actions);

tui_view *
tui_counts_new(tui *t)
{
	return &pv_new(t, &counts_ops, _("Counts"), fill_counts, NULL)->v;
}

/* ------------------------------------------------------------ users and offices */

static const tui_action users_actions[] = {
	{A_NEW, 2, "c", N_("Add"), N_("Add a user")},
	{A_SEARCH, 0, "/", NULL, N_("Search")},
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")},
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read again")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static void
fill_users(pager_view *pv, tui *t)
{
	sm_user *users = NULL;
	size_t n = 0;
	char left[160];
	sm_err *err = sm_err_new();
	if (sm_view_users(t->app, SM_ROLE_NONE, &users, &n, err) != SM_OK) {
		tui_pager_add(&pv->pager, "%s", sm_err_count(err) ? sm_err_msg(err, 0) : "");
		sm_err_free(&err);
		return;
	}
	sm_err_free(&err);
	/* the offices' names beside their codes */
	sm_office *offices = NULL;
	size_t n_offices = 0;
	if (sm_view_offices(t->app, &offices, &n_offices, NULL) != SM_OK)
		n_offices = 0;
	tui_pager_add(&pv->pager, _("%zu accounts"), n);
	for (size_t i = 0; i < n; i++) {
		char unit[24] = "";
		const char *oname = NULL;
		if (users[i].unit > 0)
			snprintf(unit, sizeof(unit), " #%lld", (long long)users[i].unit);
		for (size_t k = 0; users[i].office && k < n_offices; k++)
			if (strcmp(offices[k].code, users[i].office) == 0)
				oname = offices[k].name;
		snprintf(left, sizeof(left), "%s", users[i].login);
		char right[600];
		snprintf(right, sizeof(right), "%s%s  %s%s%s%s%s%s", sm_role_label(users[i].role),
		    unit, users[i].name ? users[i].name : "", users[i].locked ? _("  [locked]") : "",
		    users[i].office ? "  " : "", users[i].office ? users[i].office : "",
		    oname ? " " : "", oname ? oname : "");
		tui_pager_field(&pv->pager, left, right);
		sm_user_clear(&users[i]);
	}
	free(users);
	for (size_t k = 0; k < n_offices; k++)
		sm_office_clear(&offices[k]);
	free(offices);
}

static int
users_extra(pager_view *pv, tui *t, enum tui_act act)
{
	if (act != A_NEW)
		return 0;
	if (t->app->user.role != SM_ROLE_SYSADMIN) {
		tui_msg(t, true, "%s", _("Only the system administrator adds users."));
		return TUI_DRAW;
	}
	static const sm_role roles[] = {SM_ROLE_UNIT, SM_ROLE_OFFICE, SM_ROLE_CONAC,
	    SM_ROLE_SERVICE, SM_ROLE_SYSADMIN, SM_ROLE_SECADMIN, SM_ROLE_AUDITOR};
	const char *labels[7];
	for (size_t i = 0; i < 7; i++)
		labels[i] = sm_role_label(roles[i]);
	char *login = tui_prompt(t, _("Login:"), NULL);
	if (login == NULL || !*login) {
		free(login);
		return TUI_DRAW;
	}
	int r = tui_choose(t, _("Role"), labels, 7, 0);
	char *office = NULL, *name = NULL;
	if (r >= 0 && roles[r] == SM_ROLE_OFFICE)
		office = tui_prompt(t, _("Office code (6 digits):"), NULL);
	if (r >= 0)
		name = tui_prompt(t, _("Name:"), NULL);
	if (r >= 0 && (roles[r] != SM_ROLE_OFFICE || office)) {
		sm_user u = {.login = login, .role = roles[r], .office = office,
		    .name = name && *name ? name : NULL};
		sm_err *err = sm_err_new();
		if (sm_user_add(t->app, &u, err) == SM_OK)
			tui_msg(t, false, _("User %s added."), login);
		else
			tui_msg_err(t, err);
		sm_err_free(&err);
		pv_reload(&pv->v, t);
	}
	free(login);
	free(office);
	free(name);
	return TUI_DRAW;
}

static const tui_view_ops users_ops = PAGER_OPS("users", users_actions);

tui_view *
tui_users_new(tui *t)
{
	return &pv_new(t, &users_ops, _("Users"), fill_users, users_extra)->v;
}

static void
fill_offices(pager_view *pv, tui *t)
{
	sm_office *o = NULL;
	size_t n = 0;
	if (sm_view_offices(t->app, &o, &n, NULL) != SM_OK)
		return;
	tui_pager_add(&pv->pager, _("%zu establishment offices"), n);
	for (size_t i = 0; i < n; i++) {
		char full[256];
		const char *lvl = sm_level_name(sm_division_level(o[i].code));
		char right[512];
		snprintf(right, sizeof(right), "%s  (%s%s%s)", o[i].name, lvl ? _(lvl) : "",
		    sm_division_full_name(t->app->divs, o[i].code, full, sizeof(full)) ? ", " : "",
		    sm_division_full_name(t->app->divs, o[i].code, full, sizeof(full)) ? full : "");
		tui_pager_field(&pv->pager, o[i].code, right);
		sm_office_clear(&o[i]);
	}
	free(o);
}

static int
offices_extra(pager_view *pv, tui *t, enum tui_act act)
{
	if (act != A_NEW)
		return 0;
	char *code = tui_prompt(t, _("Division code of the office (6 digits):"), NULL);
	char *name = code && *code ? tui_prompt(t, _("Name of the office:"), NULL) : NULL;
	if (code && name) {
		sm_err *err = sm_err_new();
		if (sm_office_add(t->app, code, name, err) == SM_OK)
			tui_msg(t, false, _("Office %s added."), code);
		else
			tui_msg_err(t, err);
		sm_err_free(&err);
		pv_reload(&pv->v, t);
	}
	free(code);
	free(name);
	return TUI_DRAW;
}

static const tui_action offices_actions[] = {
	{A_NEW, 2, "c", N_("Add"), N_("Add an establishment office")},
	{A_SEARCH, 0, "/", NULL, N_("Search")},
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")},
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read again")},
	{A_NONE, 0, NULL, NULL, NULL},
};
static const tui_view_ops offices_ops = PAGER_OPS("offices", offices_actions);

tui_view *
tui_offices_new(tui *t)
{
	return &pv_new(t, &offices_ops, _("Establishment offices"), fill_offices, offices_extra)->v;
}

/* ------------------------------------------------------------ audit */

static void
fill_audit(pager_view *pv, tui *t)
{
	int64_t broken = 0, count = 0;
	sm_err *err = sm_err_new();
	if (sm_view_audit_verify(t->app, &broken, &count, err) != SM_OK)
		tui_pager_add(&pv->pager, "%s", sm_err_msg(err, 0));
	else if (broken)
		tui_pager_add(&pv->pager, _("The audit log is BROKEN at record %lld (edited, deleted or reordered there)."),
		    (long long)broken);
	else
		tui_pager_add(&pv->pager, _("The audit log is intact: %lld records, hash chain verified."),
		    (long long)count);
	sm_err_free(&err);
}

static const tui_view_ops audit_ops = PAGER_OPS("audit", plain_actions);

tui_view *
tui_audit_new(tui *t)
{
	return &pv_new(t, &audit_ops, _("Audit log"), fill_audit, NULL)->v;
}

/* ------------------------------------------------------------ calendar */

typedef struct cal_view {
	tui_view v;
	sm_date cursor;
	bool changed;
} cal_view;

static const tui_action cal_actions[] = {
	{A_SAVE, 2, "w", N_("Save"), N_("Write the calendar file")},
	{A_HOLIDAY, 3, "h", N_("Holiday"), N_("Make the day a public holiday")},
	{A_WORKDAY, 4, "b", N_("Workday"), N_("Make the day an adjusted working day")},
	{A_DEFAULT_DAY, 5, "d", N_("Default"), N_("Back to the weekday rule")},
	{A_PREV_MONTH, 0, "[", NULL, N_("Previous month (PgUp)")},
	{A_NEXT_MONTH, 0, "]", NULL, N_("Next month (PgDn)")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static const char *
cal_path(tui *t, char *buf, size_t bufsz)
{
	if (t->app->cfg->calendar)
		return t->app->cfg->calendar;
	snprintf(buf, bufsz, "%s/data/calendar.yaml", sm_datadir());
	return buf;
}

static void
cal_draw(tui_view *v, tui *t, int top, int rows)
{
	cal_view *c = (cal_view *)v;
	int y, m, d;
	char buf[128];
	static const char *const wd[] = {N_("Sun"), N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"),
	    N_("Fri"), N_("Sat")};
	sm_date_to_ymd(c->cursor, &y, &m, &d);
	snprintf(buf, sizeof(buf), _("%04d-%02d   (h holiday, b working day, d default; w saves)"), y, m);
	tui_text(top + 1, 4, t->cols - 8, buf, false);
	for (int i = 0; i < 7; i++)
		tui_text(top + 3, 4 + i * 9, 8, _(wd[i]), false);
	sm_date first = sm_date_from_ymd(y, m, 1);
	int col = sm_date_weekday(first), row = 0;
	for (sm_date day = first;; day++) {
		int yy, mm, dd;
		sm_date_to_ymd(day, &yy, &mm, &dd);
		if (mm != m)
			break;
		bool uncertain = false;
		bool work = sm_calendar_is_workday(t->app->cal, day, &uncertain);
		sm_day_kind kind = sm_calendar_get(t->app->cal, day);
		const char *mark = kind == SM_DAY_HOLIDAY ? _("hol") : kind == SM_DAY_WORKDAY ? _("work") :
		    work ? "" : "-";
		snprintf(buf, sizeof(buf), "%2d %s", dd, mark);
		int yy0 = top + 5 + row * 2, xx = 4 + col * 9;
		if (yy0 >= top + rows)
			break;
		if (day == c->cursor)
			attron(A_REVERSE);
		if (!work)
			tui_attr(t, TUI_PAIR_OVERDUE, true, 0);
		tui_text(yy0, xx, 8, buf, true);
		if (!work)
			tui_attr(t, TUI_PAIR_OVERDUE, false, 0);
		if (day == c->cursor)
			attroff(A_REVERSE);
		if (++col == 7) {
			col = 0;
			row++;
		}
	}
	(void)rows;
}

static int
cal_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	cal_view *c = (cal_view *)v;
	int y, m, d;
	sm_err *err;
	sm_date_to_ymd(c->cursor, &y, &m, &d);
	(void)k;
	switch (act) {
	case A_GO_LEFT: c->cursor--; return TUI_DRAW;
	case A_GO_RIGHT: c->cursor++; return TUI_DRAW;
	case A_UP: c->cursor -= 7; return TUI_DRAW;
	case A_DOWN: c->cursor += 7; return TUI_DRAW;
	case A_PGUP:
	case A_PREV_MONTH:
		c->cursor = m == 1 ? sm_date_from_ymd(y - 1, 12, 1) : sm_date_from_ymd(y, m - 1, 1);
		return TUI_DRAW;
	case A_PGDN:
	case A_NEXT_MONTH:
		c->cursor = m == 12 ? sm_date_from_ymd(y + 1, 1, 1) : sm_date_from_ymd(y, m + 1, 1);
		return TUI_DRAW;
	case A_HOLIDAY:
	case A_WORKDAY:
	case A_DEFAULT_DAY:
		err = sm_err_new();
		if (sm_calendar_set(t->app->cal, c->cursor, act == A_HOLIDAY ? SM_DAY_HOLIDAY :
		    act == A_WORKDAY ? SM_DAY_WORKDAY : SM_DAY_DEFAULT, err) == SM_OK)
			c->changed = true;
		else
			tui_msg_err(t, err);
		sm_err_free(&err);
		return TUI_DRAW;
	case A_SAVE: {
		char buf[1024];
		err = sm_err_new();
		if (sm_calendar_save(t->app->cal, cal_path(t, buf, sizeof(buf)), err) == SM_OK) {
			c->changed = false;
			tui_msg(t, false, _("The calendar was saved to %s."), cal_path(t, buf, sizeof(buf)));
		} else {
			tui_msg_err(t, err);
		}
		sm_err_free(&err);
		return TUI_DRAW | TUI_RELOAD;
	}
	case A_BACK:
		if (c->changed && !tui_confirm(t, _("Leave without saving the calendar?")))
			return TUI_DRAW;
		return TUI_POP;
	default:
		return 0;
	}
}

static void
cal_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	cal_view *c = (cal_view *)v;
	char day[16];
	bool uncertain = false;
	bool work = sm_calendar_is_workday(t->app->cal, c->cursor, &uncertain);
	snprintf(buf, bufsz, _("%s is %s%s%s  |  calendar covers %d-%d"),
	    sm_date_format(c->cursor, day, sizeof(day)), work ? _("a working day") : _("a day off"),
	    uncertain ? _(" (outside the calendar: weekdays only)") : "",
	    c->changed ? _("  |  not saved") : "", sm_calendar_first_year(t->app->cal),
	    sm_calendar_last_year(t->app->cal));
}

static void
cal_destroy(tui_view *v)
{
	free(v);
}

static const tui_view_ops cal_ops = {
	.name = "calendar", .actions = cal_actions, .draw = cal_draw, .handle = cal_handle,
	.status = cal_status, .destroy = cal_destroy,
};

tui_view *
tui_calendar_new(tui *t)
{
	cal_view *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->v.ops = &cal_ops;
	c->v.title = strdup(_("Working-day calendar"));
	c->cursor = sm_clock_today(&t->app->clock);
	return &c->v;
}
