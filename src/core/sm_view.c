/* sm_view.c - the one door of the front ends into the data: role checks,
 * masking, queues, a case's whole view. */
#include <config.h>

#include "sm_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calendar.h"
#include "sm_i18n.h"
#include "sm_store.h"
#include "sm_workflow.h"

/* ------------------------------------------------------------ queues */

#define ST(x) SM_BIT(SM_STATE_##x)
#define ORGAN SM_BIT(SM_UNIT_ORGAN)
#define OTHERS (SM_BIT(SM_UNIT_INSTITUTION) | SM_BIT(SM_UNIT_SOCIAL))
#define OPEN_STATES (ST(DRAFT) | ST(OFFICE_REVIEW) | ST(CONAC_REVIEW) | ST(RETURNED) | \
	ST(AWAITING_PAYMENT) | ST(PAPER_PENDING) | ST(MARK_ISSUED))

const sm_queue sm_queues[] = {
	/* units: the menus of the two platforms */
	{"domains", SM_ROLE_UNIT, ORGAN, N_("Domain application (.政务)"), 0, SM_KIND_DOMAIN,
	    SM_QUEUE_MENU},
	{"domains", SM_ROLE_UNIT, OTHERS, N_("Domain application (.公益)"), 0, SM_KIND_DOMAIN,
	    SM_QUEUE_MENU},
	{"sites", SM_ROLE_UNIT, ORGAN, N_("Website opening review / requalification application"),
	    0, SM_KIND_SITE, SM_QUEUE_MENU},
	{"marks", SM_ROLE_UNIT, OTHERS, N_("Online names - mark application"), 0, SM_KIND_MARK,
	    SM_QUEUE_MENU},
	{"progress", SM_ROLE_UNIT, 0, N_("Application progress"), 0, SM_KIND_NONE, SM_QUEUE_MENU},
	{"todo", SM_ROLE_UNIT, 0, N_("Waiting for the unit"),
	    ST(DRAFT) | ST(RETURNED) | ST(AWAITING_PAYMENT) | ST(PAPER_PENDING) | ST(MARK_ISSUED),
	    SM_KIND_NONE, SM_QUEUE_WAITING},
	/* establishment offices */
	{"review", SM_ROLE_OFFICE, 0, N_("Online review"), ST(OFFICE_REVIEW), SM_KIND_NONE,
	    SM_QUEUE_MENU | SM_QUEUE_WAITING | SM_QUEUE_BY_DUE},
	{"paper", SM_ROLE_OFFICE, 0, N_("Paper confirmation"), ST(PAPER_PENDING), SM_KIND_NONE,
	    SM_QUEUE_MENU | SM_QUEUE_WAITING | SM_QUEUE_BY_DUE},
	{"handled", SM_ROLE_OFFICE, 0, N_("Cases handled"), 0, SM_KIND_NONE,
	    SM_QUEUE_MENU | SM_QUEUE_HANDLED},
	{"marks-overdue-office", SM_ROLE_OFFICE, 0, N_("Marks not hung in time"), ST(MARK_ISSUED),
	    SM_KIND_NONE, SM_QUEUE_MENU | SM_QUEUE_BY_DUE | SM_QUEUE_OVERDUE},
	/* CONAC */
	{"rereview", SM_ROLE_CONAC, 0, N_("CONAC re-review"), ST(CONAC_REVIEW), SM_KIND_NONE,
	    SM_QUEUE_MENU | SM_QUEUE_WAITING | SM_QUEUE_BY_DUE},
	{"payments", SM_ROLE_CONAC, 0, N_("Payments to confirm"), ST(AWAITING_PAYMENT),
	    SM_KIND_DOMAIN, SM_QUEUE_MENU | SM_QUEUE_WAITING | SM_QUEUE_BY_DUE},
	{"issued", SM_ROLE_CONAC, 0, N_("Marks issued"), ST(MARK_ISSUED) | ST(MARK_HUNG),
	    SM_KIND_NONE, SM_QUEUE_MENU | SM_QUEUE_BY_DUE},
	{"marks-overdue", SM_ROLE_CONAC, 0, N_("Marks not hung in time"), ST(MARK_ISSUED),
	    SM_KIND_NONE, SM_QUEUE_MENU | SM_QUEUE_BY_DUE | SM_QUEUE_OVERDUE},
	/* customer service */
	{"search", SM_ROLE_SERVICE, 0, N_("Search units and cases"), 0, SM_KIND_NONE,
	    SM_QUEUE_MENU | SM_QUEUE_SEARCH},
	{"open", SM_ROLE_SERVICE, 0, N_("Open cases"), OPEN_STATES, SM_KIND_NONE,
	    SM_QUEUE_MENU | SM_QUEUE_WAITING | SM_QUEUE_BY_DUE},
	/* the mark monitor */
	{"hanging", SM_ROLE_MONITOR, 0, N_("Marks to check"), ST(MARK_ISSUED), SM_KIND_NONE,
	    SM_QUEUE_WAITING | SM_QUEUE_BY_DUE},
	{NULL, SM_ROLE_NONE, 0, NULL, 0, SM_KIND_NONE, 0},
};

static sm_unit_type
own_unit_type(sm_app *app)
{
	sm_unit u = {0};
	sm_unit_type t = SM_UNIT_TYPE_NONE;
	if (app->user.role == SM_ROLE_UNIT && app->user.unit > 0 &&
	    sm_store_unit_get(app->store, app->user.unit, &u, NULL) == SM_OK)
		t = u.type;
	sm_unit_clear(&u);
	return t;
}

size_t
sm_queues_for(sm_app *app, const sm_queue **out, size_t max)
{
	size_t n = 0;
	sm_unit_type ut = SM_UNIT_TYPE_NONE;
	if (app->user.login == NULL)
		return 0;
	if (app->user.role == SM_ROLE_UNIT) {
		if (app->user.unit <= 0)
			return 0; /* nothing to list before the unit is registered */
		ut = own_unit_type(app);
	}
	for (const sm_queue *q = sm_queues; q->id && n < max; q++)
		if (q->role == app->user.role && (q->flags & SM_QUEUE_MENU) &&
		    (q->unit_types == 0 || (q->unit_types & SM_BIT(ut))))
			out[n++] = q;
	return n;
}

const sm_queue *
sm_queue_find(const char *id)
{
	for (const sm_queue *q = sm_queues; id && q->id; q++)
		if (strcmp(q->id, id) == 0)
			return q;
	return NULL;
}

unsigned
sm_queue_waiting_states(sm_role role)
{
	unsigned set = 0;
	for (const sm_queue *q = sm_queues; q->id; q++)
		if (q->role == role && (q->flags & SM_QUEUE_WAITING))
			set |= q->states;
	return set;
}

/* ------------------------------------------------------------ masking */

char *
sm_mask_text(const char *value)
{
	size_t n = value ? strlen(value) : 0, head = n >= 15 ? 6 : 3, tail = 4;
	char *out;
	if (n <= head + tail)  /* too short to show any of it */
		head = tail = 0;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		out[i] = (i < head || i >= n - tail) ? value[i] : '*';
	out[n] = '\0';
	return out;
}

/* Mask, in VALUES, every field of the FIELDS that says `mask: true`. */
static void
mask_fields(const sm_field *fields, size_t n, json_t *values)
{
	for (size_t i = 0; values && i < n; i++) {
		const sm_field *f = &fields[i];
		json_t *v = json_object_get(values, f->id);
		if (v == NULL)
			continue;
		if (f->n_fields > 0) {
			mask_fields(f->fields, f->n_fields, v);
		} else if (f->mask && json_is_string(v)) {
			char *m = sm_mask_text(json_string_value(v));
			if (m)
				json_object_set_new(values, f->id, json_string(m));
			free(m);
		} else if (f->mask && json_is_array(v)) {
			size_t j;
			json_t *e;
			json_array_foreach(v, j, e)
				if (json_is_string(e)) {
					char *m = sm_mask_text(json_string_value(e));
					if (m)
						json_array_set_new(v, j, json_string(m));
					free(m);
				}
		}
	}
}

static void
mask_values(const sm_app *app, const char *form_id, json_t *values)
{
	const sm_form *form = sm_forms_get(app->forms, form_id);
	if (form && json_is_object(values))
		mask_fields(form->fields, form->n_fields, values);
}

/* Whether the acting user sees a case of UNIT reviewed by OFFICE unmasked:
 * the unit itself and its office's reviewers do; no one else. */
static bool
needs_mask(const sm_app *app, int64_t unit, const char *office)
{
	if (app->user.role == SM_ROLE_UNIT && app->user.unit == unit)
		return false;
	if (app->user.role == SM_ROLE_OFFICE && app->user.office && office &&
	    strcmp(app->user.office, office) == 0)
		return false;
	return true;
}

static void
mask_case(const sm_app *app, sm_case *c)
{
	if (needs_mask(app, c->unit, c->office))
		mask_values(app, sm_kind_name(c->kind), c->values);
}

/* ------------------------------------------------------------ lists of cases */

void
sm_case_page_clear(sm_case_page *p)
{
	if (p == NULL)
		return;
	sm_cases_free(&p->cases, p->n);
	for (size_t i = 0; p->marks && i < p->n; i++)
		sm_mark_clear(&p->marks[i]);
	free(p->marks);
	free(p->days_over);
	free(p->notice_failed);
	memset(p, 0, sizeof(*p));
}

/* A running deadline is past when a working day has begun since it: cases
 * due before the last working day up to today (YYYY-MM-DD into BUF). */
static const char *
overdue_before(sm_app *app, char *buf, size_t bufsz)
{
	sm_date last = sm_clock_today(&app->clock);
	for (int i = 0; i < 60 && !sm_calendar_is_workday(app->cal, last, NULL); i++)
		last--;
	return sm_date_format(last, buf, bufsz);
}

/* The filter of Q for APP's account (DUE_BUF, 16 bytes, holds its date),
 * its scope with the account read again and checked (CHECK), or as it
 * logged in; *NONE when nothing is to be listed. */
static sm_status
cases_filter(sm_app *app, const sm_case_query *q, bool check, sm_case_filter *f, bool *none,
    char *due_buf, sm_err *err)
{
	sm_status st;
	/* whoever sees mobiles masked (needs_mask: all but the unit and its
	 * office, whose scopes hold only their own cases) finds no case by
	 * one: a search that did would tell the number, unaudited */
	*f = (sm_case_filter){.states = q->states, .kind = q->kind, .text = q->text,
	    .no_mobile = app->user.role != SM_ROLE_UNIT && app->user.role != SM_ROLE_OFFICE,
	    .limit = q->limit, .offset = q->offset};
	st = check ? sm_case_scope(app, f, none, err) : sm_case_scope_of(app, f, none, err);
	if (st != SM_OK)
		return st;
	if (q->queue) {
		if (q->queue->role != app->user.role)
			return sm_err_add(err, SM_E_DENIED, NULL, _("'%s' is not a queue of your role (%s)"),
			    _(q->queue->title), sm_role_label(app->user.role));
		if ((q->queue->flags & SM_QUEUE_SEARCH) && (q->text == NULL || *q->text == '\0')) {
			*none = true;
			return SM_OK;
		}
		f->states = f->states ? (f->states & (q->queue->states ? q->queue->states : ~0u)) :
		    q->queue->states;
		if (q->queue->kind != SM_KIND_NONE)
			f->kind = q->queue->kind;
		if (q->queue->flags & SM_QUEUE_HANDLED)
			f->acted_by = app->user.login;
		f->by_due = (q->queue->flags & SM_QUEUE_BY_DUE) != 0;
		if (q->queue->flags & SM_QUEUE_OVERDUE)
			f->due_before = overdue_before(app, due_buf, 16);
	}
	if (q->waiting) {
		unsigned w = sm_queue_waiting_states(app->user.role);
		f->states = f->states ? (f->states & w) : w;
		f->by_due = true;
		if (f->states == 0)
			*none = true;
	}
	return SM_OK;
}

static sm_status view_cases(sm_app *app, const sm_case_query *q, sm_case_page *out, sm_err *err);

sm_status
sm_view_cases(sm_app *app, const sm_case_query *q, sm_case_page *out, sm_err *err)
{
	sm_case_filter f;
	char due_buf[16], before[16];
	bool none = false;
	/* on a cluster, the account's check, the page and its counts in one
	 * round trip: asked as the account logged in, taken only when the
	 * check finds it unchanged (sm_case_scope) */
	if (app->user.login != NULL &&
	    cases_filter(app, q, false, &f, &none, due_buf, NULL) == SM_OK && !none) {
		sm_store_ahead_case(app->store, app->user.login, 0);
		sm_store_ahead_case_list(app->store, &f);
		if (q->count && (q->limit > 0 || q->offset > 0)) {
			sm_store_ahead_case_count(app->store, &f);
			f.due_before = overdue_before(app, before, sizeof(before));
			sm_store_ahead_case_count(app->store, &f);
		}
	}
	sm_status st = view_cases(app, q, out, err);
	sm_store_ahead_end(app->store);
	return st;
}

static sm_status
view_cases(sm_app *app, const sm_case_query *q, sm_case_page *out, sm_err *err)
{
	sm_case_filter f;
	char due_buf[16];
	bool none = false;
	sm_status st;

	memset(out, 0, sizeof(*out));
	if ((st = cases_filter(app, q, true, &f, &none, due_buf, err)) != SM_OK || none)
		return st;
	if ((st = sm_store_case_list(app->store, &f, &out->cases, &out->n, err)) != SM_OK)
		return st;
	out->total = (int64_t)out->n;
	if (q->count && (q->limit > 0 || q->offset > 0)) {
		char before[16];
		sm_case_filter late = f;
		late.due_before = overdue_before(app, before, sizeof(before));
		if ((st = sm_store_case_count(app->store, &f, &out->total, err)) != SM_OK ||
		    (st = sm_store_case_count(app->store, &late, &out->overdue_total, err)) != SM_OK) {
			sm_case_page_clear(out);
			return st;
		}
	}
	out->days_over = out->n ? calloc(out->n, sizeof(int)) : NULL;
	out->notice_failed = out->n ? calloc(out->n, sizeof(bool)) : NULL;
	out->marks = q->marks && out->n ? calloc(out->n, sizeof(sm_mark)) : NULL;
	if (out->n && (out->days_over == NULL || out->notice_failed == NULL ||
	    (q->marks && out->marks == NULL))) {
		sm_case_page_clear(out);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	int64_t *ids = out->n ? malloc(out->n * sizeof(*ids)) : NULL;
	if (out->n && ids == NULL) {
		sm_case_page_clear(out);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	for (size_t i = 0; i < out->n; i++) {
		sm_case *c = &out->cases[i];
		mask_case(app, c);
		out->days_over[i] = sm_case_days_over(app, c);
		out->overdue += out->days_over[i] > 0;
		ids[i] = c->id;
	}
	/* flagged for its office (notify run gave a notice up); the marks of
	 * the page's cases: each one query for the whole page */
	if ((st = sm_store_cases_notice_failed(app->store, ids, out->n, out->notice_failed,
	    err)) != SM_OK ||
	    (out->marks && (st = sm_store_marks_of(app->store, ids, out->n, out->marks, err)) != SM_OK)) {
		free(ids);
		sm_case_page_clear(out);
		return st;
	}
	free(ids);
	for (size_t i = 0; out->marks && i < out->n; i++) /* shown while issued or hung */
		if (out->cases[i].state != SM_STATE_MARK_ISSUED && out->cases[i].state != SM_STATE_MARK_HUNG)
			sm_mark_clear(&out->marks[i]);
	if (!(q->count && (q->limit > 0 || q->offset > 0)))
		out->overdue_total = out->overdue;
	return SM_OK;
}

/* ------------------------------------------------------------ actions */

size_t
sm_case_actions(const sm_app *app, const sm_case *c, sm_action *out, size_t max)
{
	const sm_rule *rules[SM_ACTION_COUNT * 2];
	size_t n = 0, nr;
	if (app->user.login == NULL || sm_case_may_see(app, c, NULL) != SM_OK)
		return 0;
	nr = sm_rules_for(c->kind, c->state, app->user.role, rules, sizeof(rules) / sizeof(rules[0]));
	for (size_t i = 0; i < nr && n < max; i++) {
		if ((rules[i]->effects & SM_FX_APPROVAL) && c->submitted_by &&
		    strcmp(c->submitted_by, app->user.login) == 0)
			continue;
		if ((rules[i]->effects & SM_FX_REDPAGE) && !sm_case_hosts_redpage(c))
			continue;
		out[n++] = rules[i]->action;
	}
	return n;
}

bool
sm_case_action_allowed(const sm_app *app, const sm_case *c, sm_action action)
{
	sm_action a[SM_ACTION_COUNT];
	size_t n = sm_case_actions(app, c, a, SM_ACTION_COUNT);
	for (size_t i = 0; i < n; i++)
		if (a[i] == action)
			return true;
	return false;
}

bool
sm_role_has_action(sm_role role, sm_action action)
{
	for (const sm_rule *r = sm_rules; r->action; r++)
		if (r->action == action && (r->roles & SM_BIT(role)))
			return true;
	return false;
}

/* ------------------------------------------------------------ one case */

void
sm_case_view_clear(sm_case_view *v)
{
	if (v == NULL)
		return;
	sm_case_clear(&v->c);
	free(v->office_name);
	sm_unit_clear(&v->unit);
	sm_mark_clear(&v->mark);
	sm_events_free(&v->history, v->n_history);
	for (size_t i = 0; i < v->n_notices; i++)
		sm_notice_clear(&v->notices[i]);
	free(v->notices);
	for (size_t i = 0; i < v->n_notes; i++)
		sm_note_clear(&v->notes[i]);
	free(v->notes);
	free(v->fee_amount);
	free(v->fee_how);
	free(v->fee_text);
	sm_mark_check_clear(&v->check);
	memset(v, 0, sizeof(*v));
}

/* Mask the form values an audit record carries (JSON text). */
static void
mask_event(const sm_app *app, const sm_case *c, sm_event *e)
{
	json_t *v;
	char *text;
	if (e->values == NULL || (v = json_loads(e->values, JSON_DECODE_ANY, NULL)) == NULL)
		return;
	mask_values(app, sm_kind_name(c->kind), v);
	if ((text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) != NULL) {
		free(e->values);
		e->values = text;
	}
	json_decref(v);
}

/* Staff notes are internal: a unit's history has no "note" records (their
 * reason is the note's text). */
static void
drop_notes(sm_case_view *v)
{
	size_t k = 0;
	for (size_t i = 0; i < v->n_history; i++) {
		if (v->history[i].action && strcmp(v->history[i].action, "note") == 0)
			sm_event_clear(&v->history[i]);
		else
			v->history[k++] = v->history[i];
	}
	v->n_history = k;
}

sm_status
sm_view_case(sm_app *app, int64_t id, sm_case_view *out, sm_err *err)
{
	sm_status st;
	memset(out, 0, sizeof(*out));
	if ((st = sm_case_read(app, id, &out->c, err)) != SM_OK)
		return st;
	out->masked = needs_mask(app, out->c.unit, out->c.office);
	out->days_over = sm_case_days_over(app, &out->c);
	out->days_left = sm_case_days_left(app, &out->c);
	out->n_actions = sm_case_actions(app, &out->c, out->actions, SM_ACTION_COUNT);
	out->may_print = sm_case_may_print(app, &out->c);
	/* what follows in one round trip on a cluster */
	sm_store_ahead_case_detail(app->store, &out->c, app->user.role != SM_ROLE_UNIT);
	out->office_name = sm_view_office_name(app, out->c.office);
	if ((st = sm_store_unit_get(app->store, out->c.unit, &out->unit, err)) != SM_OK)
		goto fail;
	if ((st = sm_store_mark_get(app->store, id, &out->mark, NULL)) != SM_OK)
		sm_mark_clear(&out->mark);
	if (out->mark.code != NULL &&
	    (st = sm_store_mark_check_latest(app->store, id, &out->check, err)) != SM_OK) {
		if (st != SM_E_NOTFOUND)
			goto fail;
		memset(&out->check, 0, sizeof(out->check));
	}
	if ((st = sm_store_case_history(app->store, id, &out->history, &out->n_history, err)) != SM_OK ||
	    (st = sm_store_notices(app->store, id, &out->notices, &out->n_notices, err)) != SM_OK)
		goto fail;
	if (app->user.role != SM_ROLE_UNIT &&
	    (st = sm_store_notes(app->store, "case", id, &out->notes, &out->n_notes, err)) != SM_OK)
		goto fail;
	sm_store_ahead_end(app->store);
	if (app->user.role == SM_ROLE_UNIT)
		drop_notes(out);
	if (out->c.kind == SM_KIND_DOMAIN && out->c.state == SM_STATE_AWAITING_PAYMENT) {
		out->fee_due = true;
		if (app->cfg && app->cfg->fee_amount)
			out->fee_amount = strdup(app->cfg->fee_amount);
		if (app->cfg && app->cfg->fee_how)
			out->fee_how = strdup(app->cfg->fee_how);
		out->fee_text = sm_app_fee_text(app, true);
	}
	if (out->masked) {
		mask_values(app, sm_kind_name(out->c.kind), out->c.values);
		mask_values(app, "unit", out->unit.values);
		for (size_t i = 0; i < out->n_history; i++)
			mask_event(app, &out->c, &out->history[i]);
		for (size_t i = 0; i < out->n_notices; i++) {
			sm_notice *n = &out->notices[i];
			if (n->channel && strcmp(n->channel, "sms") == 0 && n->recipient) {
				char *m = sm_mask_text(n->recipient);
				free(n->recipient);
				n->recipient = m;
			}
		}
	}
	return SM_OK;
fail:
	sm_store_ahead_end(app->store);
	sm_case_view_clear(out);
	return st;
}

sm_status
sm_view_mark(sm_app *app, int64_t case_id, sm_mark *out, sm_err *err)
{
	sm_case c = {0};
	sm_status st = sm_case_read(app, case_id, &c, err);
	sm_case_clear(&c);
	if (st != SM_OK)
		return st;
	st = sm_store_mark_get(app->store, case_id, out, err);
	if (st == SM_E_NOTFOUND) {
		sm_err_clear(err);
		return sm_err_add(err, SM_E_NOTFOUND, NULL, _("case %lld has no mark yet"),
		    (long long)case_id);
	}
	return st;
}

/* ------------------------------------------------------------ units, offices, users */

void
sm_unit_view_clear(sm_unit_view *v)
{
	if (v == NULL)
		return;
	sm_unit_clear(&v->unit);
	free(v->office_name);
	for (size_t i = 0; i < v->n_domains; i++) {
		free(v->domains[i]);
		free(v->domains_ace[i]);
	}
	free(v->domains);
	free(v->domains_ace);
	memset(v, 0, sizeof(*v));
}

sm_status
sm_view_unit(sm_app *app, int64_t unit_id, const char *tld_ace, sm_unit_view *out, sm_err *err)
{
	sm_status st;
	sm_role r = app->user.role;
	memset(out, 0, sizeof(*out));
	if (app->user.login == NULL)
		return sm_err_add(err, SM_E_DENIED, NULL, _("no user is logged in"));
	if (r == SM_ROLE_UNIT && unit_id != app->user.unit)
		return sm_err_add(err, SM_E_DENIED, NULL, _("unit %lld is not yours"),
		    (long long)unit_id);
	if (r != SM_ROLE_UNIT && r != SM_ROLE_OFFICE && r != SM_ROLE_CONAC && r != SM_ROLE_SERVICE)
		return sm_err_add(err, SM_E_DENIED, NULL, _("your role (%s) does not work on units"),
		    sm_role_label(r));
	st = sm_store_unit_get(app->store, unit_id, &out->unit, err);
	if (st == SM_E_NOTFOUND) {
		sm_err_clear(err);
		return sm_err_add(err, SM_E_NOTFOUND, NULL, _("no unit %lld"), (long long)unit_id);
	}
	if (st != SM_OK)
		return st;
	if (r == SM_ROLE_OFFICE && (app->user.office == NULL ||
	    strcmp(app->user.office, out->unit.office) != 0)) {
		sm_unit_view_clear(out);
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("unit %lld is reviewed by another office"), (long long)unit_id);
	}
	if (needs_mask(app, out->unit.id, out->unit.office))
		mask_values(app, "unit", out->unit.values);
	out->office_name = sm_view_office_name(app, out->unit.office);
	st = sm_store_unit_domains(app->store, unit_id, tld_ace, &out->domains_ace, &out->domains,
	    &out->n_domains, err);
	if (st != SM_OK)
		sm_unit_view_clear(out);
	return st;
}

sm_status
sm_view_units_search(sm_app *app, const char *text, size_t limit, sm_unit **out, size_t *n,
                     sm_err *err)
{
	sm_role r = app->user.role;
	sm_status st;
	size_t k = 0;
	*out = NULL;
	*n = 0;
	if (r != SM_ROLE_OFFICE && r != SM_ROLE_CONAC && r != SM_ROLE_SERVICE)
		return sm_err_add(err, SM_E_DENIED, NULL, _("your role (%s) does not search units"),
		    sm_role_label(r));
	if (text == NULL || *text == '\0')
		return sm_err_add(err, SM_E_INVALID, "text", _("is required"));
	/* mobiles are keys only for office reviewers, who see their own
	 * units' in full (another office's units are dropped below) */
	if ((st = sm_store_unit_search(app->store, text, r != SM_ROLE_OFFICE, limit, out, n,
	    err)) != SM_OK)
		return st;
	for (size_t i = 0; i < *n; i++) {
		sm_unit *u = &(*out)[i];
		if (r == SM_ROLE_OFFICE && (app->user.office == NULL || u->office == NULL ||
		    strcmp(app->user.office, u->office) != 0)) {
			sm_unit_clear(u); /* another office's unit */
			continue;
		}
		if (needs_mask(app, u->id, u->office))
			mask_values(app, "unit", u->values);
		(*out)[k++] = *u;
	}
	*n = k;
	return SM_OK;
}

void
sm_units_free(sm_unit **units, size_t n)
{
	if (units == NULL || *units == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		sm_unit_clear(&(*units)[i]);
	free(*units);
	*units = NULL;
}

char *
sm_view_office_name(sm_app *app, const char *code)
{
	sm_office o = {0};
	char *name = NULL;
	if (code && sm_store_office_get(app->store, code, &o, NULL) == SM_OK) {
		name = o.name;
		o.name = NULL;
	}
	sm_office_clear(&o);
	return name;
}

sm_status
sm_view_offices(sm_app *app, sm_office **out, size_t *n, sm_err *err)
{
	*out = NULL;
	*n = 0;
	if (app->user.login == NULL)
		return sm_err_add(err, SM_E_DENIED, NULL, _("no user is logged in"));
	return sm_store_office_list(app->store, out, n, err);
}

sm_status
sm_view_policy(sm_app *app, sm_policy_item out[SM_POLICY_COUNT], sm_err *err)
{
	sm_policy_row *rows = NULL;
	size_t n = 0;
	memset(out, 0, SM_POLICY_COUNT * sizeof(*out));
	if (!sm_admin_may(app->user.role, SM_ADMIN_POLICY))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("only the security administrator sees and sets the security policy"));
	sm_status st = sm_store_policy_list(app->store, &rows, &n, err);
	for (int k = 0; k < SM_POLICY_COUNT; k++) {
		out[k].key = (sm_policy_key)k;
		sm_policy_value(app->cfg, (sm_policy_key)k, out[k].value, sizeof(out[k].value));
	}
	for (size_t i = 0; i < n; i++) {
		sm_policy_key k = sm_policy_parse_name(rows[i].key);
		if (k < SM_POLICY_COUNT) {
			out[k].set_by = rows[i].set_by;
			out[k].set_at = rows[i].set_at;
			rows[i].set_by = rows[i].set_at = NULL;
		}
		sm_policy_row_clear(&rows[i]);
	}
	free(rows);
	return st;
}

void
sm_policy_items_clear(sm_policy_item items[SM_POLICY_COUNT])
{
	for (int k = 0; k < SM_POLICY_COUNT; k++) {
		free(items[k].set_by);
		free(items[k].set_at);
		items[k].set_by = items[k].set_at = NULL;
	}
}

sm_status
sm_view_users(sm_app *app, sm_role role, sm_user **out, size_t *n, sm_err *err)
{
	*out = NULL;
	*n = 0;
	if (!sm_admin_may(app->user.role, SM_ADMIN_USER_LIST))
		return sm_err_add(err, SM_E_DENIED, NULL, _("only administrators list users"));
	return sm_store_user_list(app->store, role, out, n, err);
}

/* ------------------------------------------------------------ counts */

sm_status
sm_view_counts(sm_app *app, sm_state_count counts[SM_STATE_COUNT], bool *scope_office,
               sm_err *err)
{
	sm_case_filter f = {0};
	char before[16];
	sm_status st;
	bool none = false;

	memset(counts, 0, sizeof(sm_state_count) * SM_STATE_COUNT);
	*scope_office = false;
	if (app->user.role != SM_ROLE_OFFICE && app->user.role != SM_ROLE_CONAC &&
	    app->user.role != SM_ROLE_SERVICE)
		return sm_err_add(err, SM_E_DENIED, NULL, _("your role (%s) does not work on cases"),
		    sm_role_label(app->user.role));
	if ((st = sm_case_scope(app, &f, &none, err)) != SM_OK)
		return st;
	*scope_office = f.office != NULL;
	overdue_before(app, before, sizeof(before));
	for (int s = 1; s < SM_STATE_COUNT; s++) {
		f.states = SM_BIT(s);
		f.due_before = NULL;
		if ((st = sm_store_case_count(app->store, &f, &counts[s].cases, err)) != SM_OK)
			return st;
		if (s == SM_STATE_OFFICE_REVIEW || s == SM_STATE_PAPER_PENDING ||
		    s == SM_STATE_MARK_ISSUED) {
			f.due_before = before;
			if ((st = sm_store_case_count(app->store, &f, &counts[s].overdue, err)) != SM_OK)
				return st;
		}
	}
	return SM_OK;
}

/* ------------------------------------------------------------ the database, the audit */

bool
sm_view_db_empty(sm_app *app)
{
	sm_case_filter all = {0};
	int64_t n = 0;
	if (sm_store_case_count(app->store, &all, &n, NULL) != SM_OK)
		return false;
	return n == 0 && sm_store_user_count(app->store) <= 1;
}

int64_t
sm_view_generation(sm_app *app)
{
	return sm_store_generation(app->store);
}

int64_t
sm_view_generation_err(sm_app *app, sm_err *err)
{
	return sm_store_generation_err(app->store, err);
}

int
sm_view_schema_version(sm_app *app)
{
	return sm_store_schema_version(app->store);
}

sm_status
sm_view_audit_verify(sm_app *app, int64_t *broken_seq, int64_t *count, sm_err *err)
{
	*broken_seq = *count = 0;
	if (!sm_admin_may(app->user.role, SM_ADMIN_AUDIT_READ))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("only the audit administrator reads the audit log"));
	return sm_store_audit_verify(app->store, broken_seq, count, err);
}

sm_status
sm_view_audit_check(sm_app *app, const char *anchors, sm_audit_check *out, sm_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!sm_admin_may(app->user.role, SM_ADMIN_AUDIT_READ))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("only the audit administrator reads the audit log"));
	return sm_store_audit_check(app->store, anchors, true, out, err);
}

sm_status
sm_view_check(sm_app *app, const char *anchors, sm_check_report *out, sm_err *problems,
              sm_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!sm_admin_may(app->user.role, SM_ADMIN_CHECK))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("only the system administrator or the audit administrator runs the check"));
	sm_store_broken(app->store, &out->was_broken);
	if (out->was_broken == NULL && sm_store_broken(app->store, NULL))
		out->was_broken = strdup("");
	out->integrity_ok = sm_store_integrity(app->store, problems) == SM_OK;
	/* a damaged database's head is not anchored: it may not be the truth */
	out->audit_read = sm_store_audit_check(app->store, anchors, out->integrity_ok, &out->audit,
	    problems) == SM_OK;
	out->audit_ok = out->audit_read && out->audit.broken_seq == 0 &&
	    out->audit.anchor_seq == 0 && !out->audit.anchors_missing;
	out->ok = out->integrity_ok && out->audit_ok;
	if (out->ok && out->was_broken != NULL)
		out->cleared = sm_store_clear_broken(app->store, problems) == SM_OK;
	return SM_OK;
}

void
sm_check_report_clear(sm_check_report *r)
{
	free(r->was_broken);
	memset(r, 0, sizeof(*r));
}

sm_status
sm_view_backup(sm_app *app, const char *dest, int64_t *records, sm_err *err)
{
	*records = 0;
	if (!sm_admin_may(app->user.role, SM_ADMIN_BACKUP))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("only the system administrator takes backups"));
	return sm_store_backup(app->store, dest, records, err);
}

/* The values an audit record carries, masked for the auditor as for anyone
 * without need (domain.md §3): the fields a form marks `mask: true`, of
 * whichever form the record's values came from, and an account's mobile. */
static void
mask_audit_event(const sm_app *app, sm_event *e)
{
	static const char *const forms[] = {"unit", "domain", "site", "mark"};
	json_t *v, *mobile;
	char *text;
	if (e->values == NULL || (v = json_loads(e->values, JSON_DECODE_ANY, NULL)) == NULL)
		return;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		mask_values(app, forms[i], v);
	if ((mobile = json_object_get(v, "mobile")) != NULL && json_is_string(mobile)) {
		char *m = sm_mask_text(json_string_value(mobile));
		if (m)
			json_object_set_new(v, "mobile", json_string(m));
		free(m);
	}
	if ((text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) != NULL) {
		free(e->values);
		e->values = text;
	}
	json_decref(v);
}

sm_status
sm_view_audit(sm_app *app, const sm_audit_filter *f, sm_audit_page *out, sm_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!sm_admin_may(app->user.role, SM_ADMIN_AUDIT_READ))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("only the audit administrator reads the audit log"));
	sm_status st = sm_store_audit_page(app->store, f, &out->events, &out->n, &out->total, err);
	for (size_t i = 0; st == SM_OK && i < out->n; i++)
		mask_audit_event(app, &out->events[i]);
	return st;
}

void
sm_audit_page_clear(sm_audit_page *p)
{
	sm_events_free(&p->events, p->n);
	p->n = 0;
	p->total = 0;
}

sm_status
sm_view_audit_record(sm_app *app, int64_t seq, sm_event *out, sm_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!sm_admin_may(app->user.role, SM_ADMIN_AUDIT_READ))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("only the audit administrator reads the audit log"));
	sm_status st = sm_store_audit_get(app->store, seq, out, err);
	if (st == SM_E_NOTFOUND)
		return sm_err_add(err, SM_E_NOTFOUND, NULL, _("there is no audit record %lld"),
		    (long long)seq);
	if (st == SM_OK)
		mask_audit_event(app, out);
	return st;
}

/* ------------------------------------------------------------ marks not hung */

void
sm_mark_report_free(sm_mark_report_row **rows, size_t n)
{
	for (size_t i = 0; rows && *rows && i < n; i++) {
		sm_mark_report_row *r = &(*rows)[i];
		free(r->office);
		free(r->office_name);
		free(r->unit_name);
		free(r->domain);
		free(r->code);
		free(r->hosting);
		free(r->due);
		free(r->checked_at);
	}
	if (rows) {
		free(*rows);
		*rows = NULL;
	}
}

static int
report_order(const void *a, const void *b)
{
	const sm_mark_report_row *x = a, *y = b;
	int c = strcmp(x->office ? x->office : "", y->office ? y->office : "");
	if (c != 0)
		return c;
	if (x->days_over != y->days_over)
		return x->days_over > y->days_over ? -1 : 1;
	return x->case_id < y->case_id ? -1 : x->case_id > y->case_id;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

sm_status
sm_view_marks_report(sm_app *app, sm_mark_report_row **out, size_t *n, sm_err *err)
{
	sm_case_query q = {.states = SM_BIT(SM_STATE_MARK_ISSUED), .marks = true};
	sm_case_page page = {0};
	sm_status st;
	*out = NULL;
	*n = 0;
	if ((st = sm_view_cases(app, &q, &page, err)) != SM_OK)
		return st;
	if (page.n > 0 && (*out = calloc(page.n, sizeof(**out))) == NULL) {
		sm_case_page_clear(&page);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	for (size_t i = 0; i < page.n; i++) {
		const sm_case *c = &page.cases[i];
		sm_mark_report_row *r = &(*out)[(*n)++];
		sm_mark_check mc = {0};
		r->case_id = c->id;
		r->office = dup_or_null(c->office);
		r->office_name = sm_view_office_name(app, c->office);
		r->unit_name = dup_or_null(c->unit_name);
		r->domain = dup_or_null(c->domain_unicode);
		r->code = dup_or_null(page.marks ? page.marks[i].code : NULL);
		r->hosting = dup_or_null(json_string_value(json_object_get(c->values, "hosting")));
		r->due = dup_or_null(c->due);
		r->days_over = page.days_over ? page.days_over[i] : 0;
		if (sm_store_mark_check_latest(app->store, c->id, &mc, NULL) == SM_OK) {
			r->checked_at = mc.at;
			mc.at = NULL;
			r->check_pass = mc.pass;
			r->pages = mc.n_pages;
			for (size_t k = 0; k < mc.n_pages; k++)
				r->pages_passed += mc.pages[k].verdict == SM_PAGE_PASS;
		}
		sm_mark_check_clear(&mc);
	}
	sm_case_page_clear(&page);
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), report_order);
	return SM_OK;
}
