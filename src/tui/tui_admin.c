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
	int64_t *ids;        /* the case of each entry (marks), or NULL */
	unsigned char *redpage; /* per entry: REDPAGE_* (marks), or NULL */
} pager_view;

enum { REDPAGE_HOSTS = 1, REDPAGE_MAY_PUBLISH = 2 };

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
	free(pv->ids);
	free(pv->redpage);
	pv->copy = NULL;
	pv->ids = NULL;
	pv->redpage = NULL;
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
	{A_EDIT, 3, "e", N_("Red page"), N_("Edit the selected mark's red page, preview it and publish it")},
	{A_OPEN, 4, "v", N_("Preview"), N_("The selected mark's red page as text")},
	{A_NEXT_FIELD, 0, "\t", NULL, N_("Select the next mark (Tab)")},
	{A_SEARCH, 0, "/", NULL, N_("Search")},
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")},
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read again")},
	{A_NONE, 0, NULL, NULL, NULL},
};

/* ------------------------------------------------------------ the red page
 *
 * A unit whose mark hangs on a red page (hosting redpage) edits the page
 * from its mark management: the red page form (forms/redpage.yaml) under
 * the unit's own fields, shown as they are; F2 checks it and shows the page
 * as text; F2 there publishes it (the rules' publish-redpage: the mark then
 * hangs), Esc goes back to the form.  Esc in the form keeps a draft. */

static void
redpage_state(pager_view *pv, tui *t, int64_t case_id)
{
	sm_redpage_view rv;
	char buf[256];
	if (sm_view_redpage(t->app, case_id, &rv, NULL) != SM_OK)
		return;
	if (rv.published)
		snprintf(buf, sizeof(buf), _("published on %.10s"), rv.published_at ? rv.published_at : "");
	else if (rv.draft)
		snprintf(buf, sizeof(buf), "%s", _("not published yet (a draft is kept): F3 edits it"));
	else
		snprintf(buf, sizeof(buf), "%s", _("not published yet: F3 edits it"));
	tui_pager_field(&pv->pager, _("Red page"), buf);
	tui_pager_field(&pv->pager, _("Web address"), rv.page_url);
	sm_redpage_view_clear(&rv);
}

/* TEXT as lines of at most WIDTH cells under LABEL (the first line beside it). */
static void
pager_wrapped(tui_pager *p, const char *label, const char *text, size_t width)
{
	const char *s = text ? text : "";
	char line[1024];
	do {
		size_t nl = strcspn(s, "\n"), n = sm_text_fit(s, width, NULL);
		if (n > nl)
			n = nl;
		if (n == 0 && nl > 0) /* a character wider than the width */
			n = sm_text_next(s, 0);
		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		tui_pager_field(p, label, line);
		label = "";
		s += n;
		if (*s == '\n')
			s++;
	} while (*s);
}


static void
preview_field(const char *id, const char *label, const char *text, void *ud)
{
	tui_pager *p = ud;
	if (strcmp(id, "intro") == 0 || strcmp(id, "footer") == 0)
		tui_pager_add(p, "%s", "");
	pager_wrapped(p, label, text, 50);
}

/* The red page RV with VALUES, as text. */
static void
redpage_text(tui_pager *p, tui *t, const sm_redpage_view *rv, const json_t *values)
{
	tui_pager_field(p, _("Web address"), rv->page_url);
	tui_pager_add(p, "%s", "");
	sm_site_redpage_each(t->app, rv->certificate, values, preview_field, p);
	tui_pager_field(p, _("Footer mark"), rv->code);
	tui_pager_add(p, "  %s", _("(the mark's image, linked to its certificate, stands below the footer)"));
}

typedef struct preview_view {
	tui_view v;
	tui_pager pager;
	bool offer;          /* F2 publishes (from the form) */
	bool *publish;       /* where the answer goes */
} preview_view;

static const tui_action preview_actions[] = {
	{A_SUBMIT, 2, "\023", N_("Publish"), N_("Publish the red page: the mark then hangs (Ctrl-S)")},
	{A_SEARCH, 0, "/", NULL, N_("Search")},
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static void
preview_draw(tui_view *v, tui *t, int top, int rows)
{
	tui_pager_draw(&((preview_view *)v)->pager, t, top, rows);
}

static int
preview_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	preview_view *pv = (preview_view *)v;
	(void)k;
	if (act == A_SUBMIT && pv->offer) {
		if (!tui_confirm(t, _("Publish the red page now? The mark then counts as hung.")))
			return TUI_DRAW;
		*pv->publish = true;
		return TUI_POP;
	}
	return tui_pager_handle(&pv->pager, t, act, t->lines - 3);
}

static void
preview_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	preview_view *pv = (preview_view *)v;
	(void)t;
	snprintf(buf, bufsz, pv->offer ? _("%s  |  F2 publishes, Esc goes back to the form") :
	    _("%s  |  q back"), v->title);
}

static bool
preview_offers(tui_view *v, tui *t, enum tui_act act)
{
	(void)t;
	return act != A_SUBMIT || ((preview_view *)v)->offer;
}

static void
preview_destroy(tui_view *v)
{
	tui_pager_clear(&((preview_view *)v)->pager);
	free(v);
}

static const tui_view_ops preview_ops = {
	.name = "redpage-preview",
	.actions = preview_actions,
	.draw = preview_draw,
	.handle = preview_handle,
	.status = preview_status,
	.offers = preview_offers,
	.destroy = preview_destroy,
};

/* The preview of case CASE_ID's red page with VALUES; with PUBLISH, modal,
 * offering to publish (*PUBLISH tells whether the user chose to). */
static preview_view *
preview_new(tui *t, const sm_redpage_view *rv, const json_t *values, bool *publish)
{
	preview_view *pv = calloc(1, sizeof(*pv));
	if (pv == NULL)
		return NULL;
	pv->v.ops = &preview_ops;
	pv->v.title = strdup(_("Red page preview"));
	pv->offer = publish != NULL;
	pv->publish = publish;
	redpage_text(&pv->pager, t, rv, values);
	return pv;
}

static bool
redpage_submit(tui *t, void *ud, json_t *values, sm_err *err)
{
	int64_t case_id = *(int64_t *)ud;
	sm_redpage_view rv;
	json_t *norm = NULL;
	bool publish = false;
	if (sm_action_validate(t->app, SM_ACTION_PUBLISH_REDPAGE, values, &norm, err) != SM_OK)
		return false;
	if (sm_view_redpage(t->app, case_id, &rv, err) != SM_OK) {
		json_decref(norm);
		return false;
	}
	preview_view *pv = preview_new(t, &rv, norm, &publish);
	char *url = rv.page_url ? strdup(rv.page_url) : NULL;
	sm_redpage_view_clear(&rv);
	if (pv != NULL) {
		tui_push(t, &pv->v);
		tui_run_until_closed(t, &pv->v);
	}
	if (publish && sm_redpage_publish(t->app, case_id, norm, 0, err) != SM_OK)
		publish = false;
	else if (publish)
		tui_msg(t, false, _("The red page was published (%s); the public site has it after its next export."),
		    url ? url : "");
	else if (sm_err_count(err) == 0)
		tui_msg(t, false, "%s", _("Not published: go on editing, or Esc to keep a draft."));
	free(url);
	json_decref(norm);
	return publish;
}

static void
preface_field(const char *id, const char *label, const char *text, void *ud)
{
	/* the unit's own fields: shown, not edited */
	if (strcmp(id, "unit_name") == 0 || strcmp(id, "unit_type") == 0 ||
	    strcmp(id, "address") == 0 || strcmp(id, "functions") == 0)
		tui_form_preface(ud, label, text);
}

/* The editor of RV's page (its draft restored), or NULL with a message. */
static tui_view *
redpage_form(tui *t, const sm_redpage_view *rv)
{
	char key[32];
	if (!rv->may_publish) {
		tui_msg(t, true, "%s", _("The red page is published and the mark hangs: it can no longer be changed."));
		return NULL;
	}
	int64_t *ud = malloc(sizeof(*ud));
	if (ud == NULL)
		return NULL;
	*ud = rv->case_id;
	snprintf(key, sizeof(key), "redpage-%lld", (long long)rv->case_id);
	tui_view *v = tui_form_new(t, "redpage", key, rv->published, redpage_submit, ud, free);
	if (v)
		sm_site_redpage_each(t->app, rv->certificate, NULL, preface_field, v);
	return v;
}

static int
redpage_open(pager_view *pv, tui *t, bool edit)
{
	sm_redpage_view rv;
	if (pv->sel >= pv->count || !(pv->redpage[pv->sel] & REDPAGE_HOSTS)) {
		tui_msg(t, true, "%s", _("This mark hangs on the unit's own website, not on a red page."));
		return TUI_DRAW;
	}
	int64_t case_id = pv->ids[pv->sel];
	sm_err *err = sm_err_new();
	if (sm_view_redpage(t->app, case_id, &rv, err) != SM_OK) {
		tui_msg_err(t, err);
		sm_err_free(&err);
		return TUI_DRAW;
	}
	sm_err_free(&err);
	if (!edit) {
		preview_view *p = preview_new(t, &rv, rv.draft ? rv.draft : rv.published, NULL);
		if (p)
			tui_push(t, &p->v);
	} else {
		tui_view *v = redpage_form(t, &rv);
		if (v)
			tui_push(t, v);
	}
	sm_redpage_view_clear(&rv);
	return TUI_DRAW;
}

tui_view *
tui_redpage_form(tui *t, int64_t case_id)
{
	sm_redpage_view rv;
	sm_err *err = sm_err_new();
	tui_view *v = NULL;
	if (sm_view_redpage(t->app, case_id, &rv, err) == SM_OK) {
		v = redpage_form(t, &rv);
		sm_redpage_view_clear(&rv);
	} else {
		tui_msg_err(t, err);
	}
	sm_err_free(&err);
	return v;
}

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
	pv->ids = calloc(page.n, sizeof(int64_t));
	pv->redpage = calloc(page.n, 1);
	if (pv->copy == NULL || pv->ids == NULL || pv->redpage == NULL) {
		sm_case_page_clear(&page);
		pv_free_copy(pv);
		return;
	}
	for (size_t i = 0; i < page.n; i++) {
		const sm_mark *mk = &page.marks[i];
		const sm_case *cs = &page.cases[i];
		if (mk->code == NULL)
			continue;
		pv->ids[pv->count] = cs->id;
		if (sm_case_hosts_redpage(cs))
			pv->redpage[pv->count] = REDPAGE_HOSTS |
			    (sm_case_action_allowed(t->app, cs, SM_ACTION_PUBLISH_REDPAGE) ?
			    REDPAGE_MAY_PUBLISH : 0);
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
		if (pv->redpage[pv->count - 1] & REDPAGE_HOSTS) {
			redpage_state(pv, t, cs->id);
		} else {
			tui_pager_add(&pv->pager, "%s", _("  Paste this before </body> of every page, at the bottom centre:"));
			tui_pager_snippet(&pv->pager, mk->snippet); /* never cut inside its URL */
		}
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
	if (act == A_EDIT || act == A_OPEN)
		return redpage_open(pv, t, act == A_EDIT);
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

/* The red page's keys only where the selected mark hangs on one. */
static bool
marks_offers(tui_view *v, tui *t, enum tui_act act)
{
	pager_view *pv = (pager_view *)v;
	(void)t;
	if (act != A_EDIT && act != A_OPEN)
		return true;
	if (pv->sel >= pv->count || pv->redpage == NULL)
		return false;
	return act == A_OPEN ? (pv->redpage[pv->sel] & REDPAGE_HOSTS) != 0 :
	    (pv->redpage[pv->sel] & REDPAGE_MAY_PUBLISH) != 0;
}

static const tui_view_ops marks_ops = { .name = "marks", .actions = marks_actions,
	.draw = pv_draw, .handle = pv_handle, .reload = pv_reload, .status = pv_status,
	.destroy = pv_destroy, .offers = marks_offers };

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

/* ------------------------------------------------------------ the store */

/* Where the data lives (sitemark store status): the backend, and for a
 * cluster its nodes as each answers itself.  Read on opening and on R
 * only: asking a node that has stopped waits for it (2 s at most), which
 * others' writes must not bring about. */
static void
fill_store(pager_view *pv, tui *t)
{
	sm_backend_status s;
	sm_err *err = sm_err_new();
	sm_status st = err ? sm_view_app_store_status(t->app, &s, err) : SM_E_NOMEM;
	if (err == NULL)
		memset(&s, 0, sizeof(s));
	bool cluster = s.backend && strcmp(s.backend, "dqlite") == 0;
	if (s.backend)
		tui_pager_field(&pv->pager, _("Backend"), s.backend);
	if (s.database)
		tui_pager_field(&pv->pager, cluster ? _("Nodes configured") : _("Database file"),
		    s.database);
	if (cluster)
		tui_pager_field(&pv->pager, _("Leader"), s.leader ? s.leader : _("none found"));
	if (s.n > 0)
		tui_pager_add(&pv->pager, "%s", "");
	for (size_t i = 0; i < s.n; i++) {
		char *line = sm_backend_node_line(&s.nodes[i], s.leader);
		if (line)
			tui_pager_add(&pv->pager, "  %s", line);
		free(line);
	}
	if (st != SM_OK) {
		tui_pager_add(&pv->pager, "%s", "");
		tui_pager_add(&pv->pager, "%s",
		    err && sm_err_count(err) ? sm_err_msg(err, 0) : _("out of memory"));
	}
	sm_backend_status_clear(&s);
	sm_err_free(&err);
}

/* no .reload: others' writes leave it as read (R reads it again) */
static const tui_view_ops store_ops = {.name = "store", .actions = plain_actions,
    .draw = pv_draw, .handle = pv_handle, .status = pv_status, .destroy = pv_destroy};

tui_view *
tui_store_new(tui *t)
{
	return &pv_new(t, &store_ops, _("Store"), fill_store, NULL)->v;
}

/* ------------------------------------------------------------ administrators' lists */

/* A list view of the administrators' screens: users, offices, the audit log.
 * The rows live in the view; LOAD reads them (through sm_view.h) and resets
 * the list; HANDLE takes the screen's own actions after the list's. */
typedef struct admin_view {
	tui_view v;
	tui_list *list;
	void (*load)(struct admin_view *av, tui *t);
	int (*handle)(struct admin_view *av, tui *t, enum tui_act act);
	void (*drop)(struct admin_view *av);
	void (*status)(struct admin_view *av, tui *t, char *buf, size_t bufsz);
} admin_view;

static void
av_draw(tui_view *v, tui *t, int top, int rows)
{
	tui_list_draw(((admin_view *)v)->list, t, top, rows);
}

static int
av_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	admin_view *av = (admin_view *)v;
	(void)k;
	int r = av->handle(av, t, act);
	if (r)
		return r;
	if (act == A_REFRESH) {
		av->load(av, t);
		return TUI_DRAW;
	}
	return tui_list_handle(av->list, t, act);
}

static void
av_reload(tui_view *v, tui *t)
{
	admin_view *av = (admin_view *)v;
	av->load(av, t);
}

static void
av_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	admin_view *av = (admin_view *)v;
	char list[256];
	if (av->status) {
		av->status(av, t, buf, bufsz);
		return;
	}
	tui_list_status(av->list, list, sizeof(list));
	snprintf(buf, bufsz, "%s  |  %s", v->title, list);
}

static void
av_destroy(tui_view *v)
{
	admin_view *av = (admin_view *)v;
	av->drop(av);
	tui_list_free(&av->list);
	free(av);
}

static bool av_offers(tui_view *v, tui *t, enum tui_act act);

#define ADMIN_OPS(name_, acts) { .name = name_, .actions = acts, .draw = av_draw, \
	.handle = av_handle, .reload = av_reload, .status = av_status, .offers = av_offers, \
	.destroy = av_destroy }

/* Which administrative operation an action is (the core's table decides who
 * may: the key bar and the help show only what the user may do). */
static sm_admin_op
act_op(enum tui_act act, const char *screen)
{
	bool offices = strcmp(screen, "offices") == 0;
	if (strcmp(screen, "policy") == 0)
		return act == A_EDIT ? SM_ADMIN_POLICY : SM_ADMIN_NONE;
	switch (act) {
	case A_NEW: return offices ? SM_ADMIN_OFFICE_ADD : SM_ADMIN_USER_ADD;
	case A_EDIT: return offices ? SM_ADMIN_OFFICE_EDIT : SM_ADMIN_USER_EDIT;
	case A_DISABLE: return offices ? SM_ADMIN_OFFICE_EDIT : SM_ADMIN_USER_DISABLE;
	case A_ROLE: return SM_ADMIN_USER_ROLE;
	case A_LOCK: return SM_ADMIN_USER_LOCK;
	default: return SM_ADMIN_NONE;
	}
}

static bool
av_offers(tui_view *v, tui *t, enum tui_act act)
{
	sm_admin_op op = act_op(act, v->ops->name);
	return op == SM_ADMIN_NONE || sm_admin_may(t->app->user.role, op);
}

static admin_view *
av_new(size_t size, const tui_view_ops *ops, const char *title, const tui_column *cols,
       size_t ncols, tui_cell_fn cell, tui_row_attr_fn attr)
{
	admin_view *av = calloc(1, size);
	if (av == NULL)
		return NULL;
	av->v.ops = ops;
	av->v.title = strdup(title);
	av->list = tui_list_new(cols, ncols, cell, attr, av);
	if (av->v.title == NULL || av->list == NULL) {
		tui_list_free(&av->list);
		free(av->v.title);
		free(av);
		return NULL;
	}
	return av;
}

/* Report the outcome of an operation; true when it was done. */
static bool
done_or_error(tui *t, sm_status st, sm_err *err, const char *ok_msg)
{
	if (st == SM_OK)
		tui_msg(t, false, "%s", ok_msg);
	else
		tui_msg_err(t, err);
	return st == SM_OK;
}

/* ------------------------------------------------------------ users */

typedef struct users_view {
	admin_view av;
	sm_user *users;
	size_t n;
} users_view;

static const tui_column users_cols[] = {
	{N_("Login"), 14, false},
	{N_("Role"), 12, false},
	{N_("Office"), 8, false},
	{N_("Name"), 0, false},
	{N_("E-mail"), 0, false},
	{N_("Account"), 8, false},
};

static const tui_action users_actions[] = {
	{A_NEW, 2, "c", N_("Add"), N_("Add an account (the security administrator grants its role)")},
	{A_EDIT, 3, "e", N_("Edit"), N_("Change the account's name, mobile and e-mail")},
	{A_DISABLE, 4, "d", N_("Disable"), N_("Disable the account, or enable it again")},
	{A_ROLE, 5, "r", N_("Role"), N_("Grant the account a role")},
	{A_LOCK, 6, "l", N_("Lock"), N_("Lock the account, or unlock it")},
	{A_SORT, 7, "s", N_("Sort"), N_("Sort by a column")},
	{A_SORT_REVERSE, 0, "S", NULL, N_("Reverse the order")},
	{A_FILTER, 8, "f", N_("Filter"), N_("Show only rows containing a text (empty: all)")},
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read again")},
	{A_SEARCH, 0, "/", NULL, N_("Search")},
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")},
	{A_SEARCH_PREV, 0, "N", NULL, N_("Previous match")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static const char *
users_cell(void *ud, size_t row, size_t col, char *buf, size_t bufsz)
{
	users_view *uv = ud;
	const sm_user *u = &uv->users[row];
	switch (col) {
	case 0:
		return u->login;
	case 1:
		if (u->role == SM_ROLE_NONE && u->asked_role != SM_ROLE_NONE) {
			/* created for a role the security administrator grants */
			snprintf(buf, bufsz, _("(asks: %s)"), sm_role_label(u->asked_role));
			return buf;
		}
		if (u->role == SM_ROLE_NONE)
			return _("(no role)");
		if (u->unit > 0) {
			snprintf(buf, bufsz, "%s #%lld", sm_role_label(u->role), (long long)u->unit);
			return buf;
		}
		return sm_role_label(u->role);
	case 2:
		return u->office ? u->office : u->asked_office;
	case 3:
		return u->name;
	case 4:
		return u->email;
	case 5:
		return u->disabled ? _("disabled") : u->locked ? _("locked") : "";
	default:
		return "";
	}
}

static int
users_attr(void *ud, size_t row)
{
	users_view *uv = ud;
	const sm_user *u = &uv->users[row];
	return u->disabled || u->locked ? TUI_PAIR_DIM : u->role == SM_ROLE_NONE ? TUI_PAIR_OVERDUE : 0;
}

static void
users_clear(admin_view *av)
{
	users_view *uv = (users_view *)av;
	for (size_t i = 0; i < uv->n; i++)
		sm_user_clear(&uv->users[i]);
	free(uv->users);
	uv->users = NULL;
	uv->n = 0;
}

static void
users_load(admin_view *av, tui *t)
{
	users_view *uv = (users_view *)av;
	sm_err *err = sm_err_new();
	size_t row = tui_list_current(av->list);
	char *keep = row < uv->n ? strdup(uv->users[row].login) : NULL;
	users_clear(av);
	if (sm_view_users(t->app, SM_ROLE_NONE, &uv->users, &uv->n, err) != SM_OK)
		tui_msg_err(t, err);
	sm_err_free(&err);
	tui_list_reset(av->list, uv->n);
	/* the cursor stays on the same account, wherever it now sorts */
	for (size_t i = 0; keep && i < uv->n; i++)
		if (strcmp(uv->users[i].login, keep) == 0)
			tui_list_select(av->list, i);
	free(keep);
}

static const sm_user *
current_user(users_view *uv)
{
	size_t row = tui_list_current(uv->av.list);
	return row < uv->n ? &uv->users[row] : NULL;
}

static bool
user_add(tui *t)
{
	/* the role the account is for (interfaces.md: user add --role); the
	 * security administrator grants it (三员分立) */
	static const sm_role roles[] = {SM_ROLE_NONE, SM_ROLE_UNIT, SM_ROLE_OFFICE, SM_ROLE_CONAC,
	    SM_ROLE_SERVICE};
	const char *labels[5];
	char *login = tui_prompt(t, _("Login:"), NULL);
	char *office = NULL, *name = NULL;
	bool added = false;
	if (login == NULL || !*login)
		goto out;
	labels[0] = _("none yet: the security administrator grants it");
	for (size_t i = 1; i < 5; i++)
		labels[i] = sm_role_label(roles[i]);
	int r = tui_choose(t, _("For the role (the security administrator grants it)"), labels, 5, 0);
	if (r < 0)
		goto out;
	if (roles[r] == SM_ROLE_OFFICE &&
	    (office = tui_prompt(t, _("Office code (6 digits):"), NULL)) == NULL)
		goto out;
	if ((name = tui_prompt(t, _("Name:"), NULL)) == NULL)
		goto out;
	sm_user u = {.login = login, .role = roles[r], .office = office,
	    .name = *name ? name : NULL};
	sm_err *err = sm_err_new();
	char msg[256];
	if (roles[r] != SM_ROLE_NONE)
		snprintf(msg, sizeof(msg), _("User %s added; the security administrator grants the role %s."),
		    login, sm_role_label(roles[r]));
	else
		snprintf(msg, sizeof(msg), _("User %s added."), login);
	added = done_or_error(t, sm_user_add(t->app, &u, err), err, msg);
	sm_err_free(&err);
out:
	free(login);
	free(office);
	free(name);
	return added;
}

static bool
user_edit(tui *t, const sm_user *u)
{
	/* copies: the prompts draw the screen, which may read the list again */
	char *login = strdup(u->login), *old_email = u->email ? strdup(u->email) : NULL;
	char *name = login ? tui_prompt(t, _("Name:"), u->name) : NULL;
	/* a mobile is shown to no administrator (domain.md §3): typed anew or kept */
	char *mobile = name ? tui_prompt(t, _("Mobile (empty: unchanged):"), NULL) : NULL;
	char *email = mobile ? tui_prompt(t, _("E-mail:"), old_email) : NULL;
	bool done = false;
	if (email) {
		sm_err *err = sm_err_new();
		char msg[256];
		snprintf(msg, sizeof(msg), _("Account %s changed."), login);
		done = done_or_error(t, sm_user_edit(t->app, login, name, *mobile ? mobile : NULL,
		    email, err), err, msg);
		sm_err_free(&err);
	}
	free(login);
	free(old_email);
	free(name);
	free(mobile);
	free(email);
	return done;
}

static bool
user_role(tui *t, const sm_user *u)
{
	sm_role roles[SM_ROLE_COUNT];
	const char *labels[SM_ROLE_COUNT];
	size_t n = sm_grantable_roles(t->app, roles, SM_ROLE_COUNT), cur = 0;
	char *office = NULL, title[160], msg[256];
	bool done = false;
	for (size_t i = 0; i < n; i++) {
		labels[i] = sm_role_label(roles[i]);
		if (roles[i] == (u->role != SM_ROLE_NONE ? u->role : u->asked_role))
			cur = i;  /* the role held, else the one asked for */
	}
	snprintf(title, sizeof(title), _("Role of %s"), u->login);
	int r = tui_choose(t, title, labels, n, cur);
	if (r < 0)
		return false;
	if (roles[r] == SM_ROLE_OFFICE &&
	    (office = tui_prompt(t, _("Office code (6 digits):"),
	    u->office ? u->office : u->asked_office)) == NULL)
		return false;
	sm_err *err = sm_err_new();
	snprintf(msg, sizeof(msg), _("%s is now: %s."), u->login, sm_role_label(roles[r]));
	done = done_or_error(t, sm_user_set_role(t->app, u->login, roles[r], office, err), err, msg);
	sm_err_free(&err);
	free(office);
	return done;
}

static int
users_handle(admin_view *av, tui *t, enum tui_act act)
{
	users_view *uv = (users_view *)av;
	const sm_user *u = current_user(uv);
	bool changed = false;
	char q[256], msg[256];
	sm_err *err;
	sm_admin_op op = act_op(act, "users");
	if (op == SM_ADMIN_NONE)
		return 0;
	if (!sm_admin_may(t->app->user.role, op)) {
		tui_msg(t, true, _("Your role (%s) may not do this."), sm_role_label(t->app->user.role));
		return TUI_DRAW;
	}
	if (act != A_NEW && u == NULL)
		return TUI_DRAW;
	switch (act) {
	case A_NEW:
		changed = user_add(t);
		break;
	case A_EDIT:
		changed = user_edit(t, u);
		break;
	case A_ROLE:
		changed = user_role(t, u);
		break;
	case A_DISABLE:
	case A_LOCK: {
		bool on = act == A_DISABLE ? !u->disabled : !u->locked;
		if (act == A_DISABLE)
			snprintf(q, sizeof(q), on ? _("Disable the account %s? It can no longer log in.") :
			    _("Enable the account %s again?"), u->login);
		else
			snprintf(q, sizeof(q), on ? _("Lock the account %s? It can no longer log in.") :
			    _("Unlock the account %s?"), u->login);
		if (!tui_confirm(t, q))
			return TUI_DRAW;
		err = sm_err_new();
		sm_status st = act == A_DISABLE ? sm_user_enable(t->app, u->login, !on, err) :
		    sm_user_lock(t->app, u->login, on, err);
		if (act == A_DISABLE)
			snprintf(msg, sizeof(msg), on ? _("Account %s disabled.") : _("Account %s enabled."),
			    u->login);
		else
			snprintf(msg, sizeof(msg), on ? _("Account %s locked.") : _("Account %s unlocked."),
			    u->login);
		changed = done_or_error(t, st, err, msg);
		sm_err_free(&err);
		break;
	}
	default:
		return 0;
	}
	if (changed) {
		size_t row = tui_list_current(av->list);
		users_load(av, t);
		if (row != (size_t)-1)
			tui_list_select(av->list, row);
	}
	return TUI_DRAW | (changed ? TUI_RELOAD : 0);
}

static const tui_view_ops users_ops = ADMIN_OPS("users", users_actions);

tui_view *
tui_users_new(tui *t)
{
	users_view *uv = (users_view *)av_new(sizeof(users_view), &users_ops, _("Users"),
	    users_cols, sizeof(users_cols) / sizeof(users_cols[0]), users_cell, users_attr);
	if (uv == NULL)
		return NULL;
	uv->av.load = users_load;
	uv->av.handle = users_handle;
	uv->av.drop = users_clear;
	users_load(&uv->av, t);
	return &uv->av.v;
}

/* ------------------------------------------------------------ offices */

typedef struct offices_view {
	admin_view av;
	sm_office *offices;
	size_t n;
	const sm_divisions *divs;
} offices_view;

static const tui_column offices_cols[] = {
	{N_("Code"), 7, true},
	{N_("Name"), 0, false},
	{N_("Level"), 10, false},
	{N_("Division"), 0, false},
	{N_("State"), 8, false},
};

static const tui_action offices_actions[] = {
	{A_NEW, 2, "c", N_("Add"), N_("Add an establishment office")},
	{A_EDIT, 3, "e", N_("Rename"), N_("Change the office's name")},
	{A_DISABLE, 4, "d", N_("Disable"), N_("Disable the office, or enable it again")},
	{A_SORT, 7, "s", N_("Sort"), N_("Sort by a column")},
	{A_FILTER, 8, "f", N_("Filter"), N_("Show only rows containing a text (empty: all)")},
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read again")},
	{A_SEARCH, 0, "/", NULL, N_("Search")},
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static const char *
offices_cell(void *ud, size_t row, size_t col, char *buf, size_t bufsz)
{
	offices_view *ov = ud;
	const sm_office *o = &ov->offices[row];
	const char *lvl;
	switch (col) {
	case 0:
		return o->code;
	case 1:
		return o->name;
	case 2:
		lvl = sm_level_name(sm_division_level(o->code));
		return lvl ? _(lvl) : "";
	case 3:
		return sm_division_full_name(ov->divs, o->code, buf, bufsz) ? buf : "";
	case 4:
		return o->disabled ? _("disabled") : "";
	default:
		return "";
	}
}

static int
offices_attr(void *ud, size_t row)
{
	offices_view *ov = ud;
	return ov->offices[row].disabled ? TUI_PAIR_DIM : 0;
}

static void
offices_clear(admin_view *av)
{
	offices_view *ov = (offices_view *)av;
	for (size_t i = 0; i < ov->n; i++)
		sm_office_clear(&ov->offices[i]);
	free(ov->offices);
	ov->offices = NULL;
	ov->n = 0;
}

static void
offices_load(admin_view *av, tui *t)
{
	offices_view *ov = (offices_view *)av;
	sm_err *err = sm_err_new();
	size_t row = tui_list_current(av->list);
	char *keep = row < ov->n ? strdup(ov->offices[row].code) : NULL;
	offices_clear(av);
	if (sm_view_offices(t->app, &ov->offices, &ov->n, err) != SM_OK)
		tui_msg_err(t, err);
	sm_err_free(&err);
	tui_list_reset(av->list, ov->n);
	for (size_t i = 0; keep && i < ov->n; i++)
		if (strcmp(ov->offices[i].code, keep) == 0)
			tui_list_select(av->list, i);
	free(keep);
}

static int
offices_handle(admin_view *av, tui *t, enum tui_act act)
{
	offices_view *ov = (offices_view *)av;
	size_t row = tui_list_current(av->list);
	const sm_office *o = row < ov->n ? &ov->offices[row] : NULL;
	sm_admin_op op = act_op(act, "offices");
	char msg[256];
	bool changed = false;
	if (op == SM_ADMIN_NONE)
		return 0;
	if (!sm_admin_may(t->app->user.role, op)) {
		tui_msg(t, true, _("Your role (%s) may not do this."), sm_role_label(t->app->user.role));
		return TUI_DRAW;
	}
	sm_err *err = sm_err_new();
	if (act == A_NEW) {
		char *code = tui_prompt(t, _("Division code of the office (6 digits):"), NULL);
		char *name = code && *code ? tui_prompt(t, _("Name of the office:"), NULL) : NULL;
		if (code && name) {
			snprintf(msg, sizeof(msg), _("Office %s added."), code);
			changed = done_or_error(t, sm_office_add(t->app, code, name, err), err, msg);
		}
		free(code);
		free(name);
	} else if (o && act == A_EDIT) {
		char *name = tui_prompt(t, _("Name of the office:"), o->name);
		if (name) {
			snprintf(msg, sizeof(msg), _("Office %s renamed."), o->code);
			changed = done_or_error(t, sm_office_edit(t->app, o->code, name, err), err, msg);
		}
		free(name);
	} else if (o && act == A_DISABLE) {
		char q[256];
		snprintf(q, sizeof(q), o->disabled ? _("Enable the office %s again?") :
		    _("Disable the office %s? It takes no new reviewers and no new units."), o->code);
		if (tui_confirm(t, q)) {
			snprintf(msg, sizeof(msg), o->disabled ? _("Office %s enabled.") :
			    _("Office %s disabled."), o->code);
			changed = done_or_error(t, sm_office_enable(t->app, o->code, o->disabled, err),
			    err, msg);
		}
	}
	sm_err_free(&err);
	if (changed) {
		offices_load(av, t);
		if (row != (size_t)-1)
			tui_list_select(av->list, row);
	}
	return TUI_DRAW | (changed ? TUI_RELOAD : 0);
}

static const tui_view_ops offices_ops = ADMIN_OPS("offices", offices_actions);

tui_view *
tui_offices_new(tui *t)
{
	offices_view *ov = (offices_view *)av_new(sizeof(offices_view), &offices_ops,
	    _("Establishment offices"), offices_cols, sizeof(offices_cols) / sizeof(offices_cols[0]),
	    offices_cell, offices_attr);
	if (ov == NULL)
		return NULL;
	ov->divs = t->app->divs;
	ov->av.load = offices_load;
	ov->av.handle = offices_handle;
	ov->av.drop = offices_clear;
	offices_load(&ov->av, t);
	return &ov->av.v;
}

/* ------------------------------------------------------------ security policy */

typedef struct policy_view {
	admin_view av;
	sm_policy_item items[SM_POLICY_COUNT];
	size_t n;
} policy_view;

static const tui_column policy_cols[] = {
	{N_("Setting"), 0, false},
	{N_("Value"), 24, false},
	{N_("Set by"), 12, false},
};

static const tui_action policy_actions[] = {
	{A_EDIT, 3, "e", N_("Change"), N_("Change the setting (in force from each account's next session)")},
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read again")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static const char *
policy_cell(void *ud, size_t row, size_t col, char *buf, size_t bufsz)
{
	(void)buf;
	(void)bufsz;
	policy_view *pv = ud;
	const sm_policy_item *it = &pv->items[row];
	switch (col) {
	case 0:
		return _(sm_policy_label(it->key));
	case 1:
		return it->value;
	case 2:
		return it->set_by ? it->set_by : _("(configuration)");
	default:
		return "";
	}
}

static int
policy_attr(void *ud, size_t row)
{
	policy_view *pv = ud;
	return pv->items[row].set_by ? 0 : TUI_PAIR_DIM;
}

static void
policy_clear(admin_view *av)
{
	policy_view *pv = (policy_view *)av;
	sm_policy_items_clear(pv->items);
	pv->n = 0;
}

static void
policy_load(admin_view *av, tui *t)
{
	policy_view *pv = (policy_view *)av;
	sm_err *err = sm_err_new();
	policy_clear(av);
	if (sm_view_policy(t->app, pv->items, err) != SM_OK)
		tui_msg_err(t, err);
	else
		pv->n = SM_POLICY_COUNT;
	sm_err_free(&err);
	tui_list_reset(av->list, pv->n);
}

static int
policy_handle(admin_view *av, tui *t, enum tui_act act)
{
	policy_view *pv = (policy_view *)av;
	size_t row = tui_list_current(av->list);
	sm_admin_op op = act_op(act, "policy");
	if (op == SM_ADMIN_NONE || row >= pv->n)
		return 0;
	if (!sm_admin_may(t->app->user.role, op)) {
		tui_msg(t, true, _("Your role (%s) may not do this."), sm_role_label(t->app->user.role));
		return TUI_DRAW;
	}
	sm_policy_key k = pv->items[row].key;
	char prompt[256], msg[256];
	snprintf(prompt, sizeof(prompt), "%s:", _(sm_policy_label(k)));
	char *value = tui_prompt(t, prompt, pv->items[row].value);
	bool changed = false;
	if (value) {
		sm_err *err = sm_err_new();
		snprintf(msg, sizeof(msg), _("%s set; in force from each account's next session."),
		    sm_policy_name(k));
		changed = done_or_error(t, sm_policy_set(t->app, sm_policy_name(k), value, err), err, msg);
		sm_err_free(&err);
		free(value);
	}
	if (changed) {
		policy_load(av, t);
		tui_list_select(av->list, row);
	}
	return TUI_DRAW;
}

static const tui_view_ops policy_ops = ADMIN_OPS("policy", policy_actions);

tui_view *
tui_policy_new(tui *t)
{
	policy_view *pv = (policy_view *)av_new(sizeof(policy_view), &policy_ops,
	    _("Security policy"), policy_cols, sizeof(policy_cols) / sizeof(policy_cols[0]),
	    policy_cell, policy_attr);
	if (pv == NULL)
		return NULL;
	pv->av.load = policy_load;
	pv->av.handle = policy_handle;
	pv->av.drop = policy_clear;
	policy_load(&pv->av, t);
	return &pv->av.v;
}

/* ------------------------------------------------------------ the audit log */

/* The auditor's list: one page of records at a time, read from the store
 * (LIMIT/OFFSET in the chain's order), filtered there by user, case, action
 * and date; PgUp and PgDn turn the pages, Enter opens a record whole, v
 * verifies the chain and goes to the first broken record. */
typedef struct audit_view {
	admin_view av;
	sm_audit_page page;
	size_t offset;       /* of the page, among the records that match */
	size_t size;         /* records a page */
	char *actor, *action, *since;
	int64_t case_id;
	int64_t broken;      /* the first broken record after a verification, else 0 */
	bool verified;       /* a verification found the chain intact */
	int64_t verified_count;
} audit_view;

static const tui_column audit_cols[] = {
	{N_("Seq"), 5, true},
	{N_("Time"), 16, false},
	{N_("Actor"), 9, false},
	{N_("Role"), 10, false},
	{N_("Action"), 0, false},
	{N_("Object"), 12, false},
	{N_("From -> to"), 0, false},
};

static const tui_action audit_actions[] = {
	{A_OPEN, 2, "o", N_("Open"), N_("Open the record whole (Enter)")},
	{A_VERIFY_CHAIN, 5, "v", N_("Verify"), N_("Verify the hash chain; go to the first broken record")},
	{A_SORT, 7, "s", N_("Sort"), N_("Sort the page by a column")},
	{A_SORT_REVERSE, 0, "S", NULL, N_("Reverse the order")},
	{A_FILTER, 8, "f", N_("Filter"), N_("Filter by user, case, action or date (read from the log)")},
	{A_REFRESH, 9, "R", N_("Refresh"), N_("Read again")},
	{A_SEARCH, 0, "/", NULL, N_("Search the page")},
	{A_SEARCH_NEXT, 0, "n", NULL, N_("Next match")},
	{A_SEARCH_PREV, 0, "N", NULL, N_("Previous match")},
	{A_PGDN, 0, "]", NULL, N_("Next page of the log (PgDn)")},
	{A_PGUP, 0, "[", NULL, N_("Previous page of the log (PgUp)")},
	{A_NONE, 0, NULL, NULL, NULL},
};

/* A state's or a role's label (the from -> to of transitions and grants). */
static const char *
value_label(const char *name)
{
	sm_state s = sm_state_parse(name);
	if (s != SM_STATE_NONE)
		return sm_state_short(s);
	sm_role r = sm_role_parse(name);
	if (r != SM_ROLE_NONE)
		return sm_role_label(r);
	return name ? name : "";
}

/* "2026-11-18T11:00:00+08:00" -> "2026-11-18 11:00" */
static const char *
short_time(const char *at, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%.16s", at ? at : "");
	if (strlen(buf) > 10 && buf[10] == 'T')
		buf[10] = ' ';
	return buf;
}

static const char *
audit_cell(void *ud, size_t row, size_t col, char *buf, size_t bufsz)
{
	audit_view *aw = ud;
	const sm_event *e = &aw->page.events[row];
	switch (col) {
	case 0:
		snprintf(buf, bufsz, "%lld", (long long)e->seq);
		return buf;
	case 1:
		return short_time(e->at, buf, bufsz);
	case 2:
		return e->actor;
	case 3:
		return e->role ? sm_role_label(sm_role_parse(e->role)) : "";
	case 4:
		return sm_event_label(e->action);
	case 5:
		if (e->object_id > 0)
			snprintf(buf, bufsz, "%s %lld", sm_object_label(e->object), (long long)e->object_id);
		else
			snprintf(buf, bufsz, "%s %s", sm_object_label(e->object),
			    e->object_key ? e->object_key : "");
		return buf;
	case 6:
		if (e->from_state == NULL && e->to_state == NULL)
			return "";
		snprintf(buf, bufsz, "%s -> %s", value_label(e->from_state), value_label(e->to_state));
		return buf;
	default:
		return "";
	}
}

static int
audit_attr(void *ud, size_t row)
{
	audit_view *aw = ud;
	return aw->broken > 0 && aw->page.events[row].seq >= aw->broken ? TUI_PAIR_ERROR : 0;
}

static void
audit_clear(admin_view *av)
{
	audit_view *aw = (audit_view *)av;
	sm_audit_page_clear(&aw->page);
}

static sm_audit_filter
audit_filter(const audit_view *aw)
{
	sm_audit_filter f = {.actor = aw->actor, .action = aw->action, .since = aw->since,
	    .case_id = aw->case_id, .limit = aw->size, .offset = aw->offset};
	return f;
}

static void
audit_load(admin_view *av, tui *t)
{
	audit_view *aw = (audit_view *)av;
	sm_err *err = sm_err_new();
	size_t size = t->lines > 8 ? (size_t)(t->lines - 4) : 4;
	if (size != aw->size) /* the screen changed: keep the first record shown */
		aw->offset = aw->size ? aw->offset / size * size : 0;
	aw->size = size;
	audit_clear(av);
	sm_audit_filter f = audit_filter(aw);
	if (sm_view_audit(t->app, &f, &aw->page, err) != SM_OK)
		tui_msg_err(t, err);
	sm_err_free(&err);
	tui_list_reset(av->list, aw->page.n);
}

static void
audit_status(admin_view *av, tui *t, char *buf, size_t bufsz)
{
	audit_view *aw = (audit_view *)av;
	char filt[256] = "", list[256];
	size_t len = 0;
	(void)t;
	if (aw->actor)
		len += (size_t)snprintf(filt + len, sizeof(filt) - len, _(" user %s"), aw->actor);
	if (aw->case_id > 0 && len < sizeof(filt))
		len += (size_t)snprintf(filt + len, sizeof(filt) - len, _(" case %lld"),
		    (long long)aw->case_id);
	if (aw->action && len < sizeof(filt))
		len += (size_t)snprintf(filt + len, sizeof(filt) - len, _(" action %s"),
		    sm_event_label(aw->action));
	if (aw->since && len < sizeof(filt))
		snprintf(filt + len, sizeof(filt) - len, _(" since %s"), aw->since);
	tui_list_status(av->list, list, sizeof(list));
	size_t pages = aw->size ? ((size_t)aw->page.total + aw->size - 1) / aw->size : 0;
	len = (size_t)snprintf(buf, bufsz, _("%s  |  page %zu/%zu, %lld records"), av->v.title,
	    aw->size ? aw->offset / aw->size + 1 : 1, pages ? pages : 1, (long long)aw->page.total);
	if (*filt && len < bufsz)
		len += (size_t)snprintf(buf + len, bufsz - len, _("  [filter:%s]"), filt);
	if (aw->broken > 0 && len < bufsz)
		len += (size_t)snprintf(buf + len, bufsz - len, _("  BROKEN at %lld"),
		    (long long)aw->broken);
	else if (aw->verified && len < bufsz)
		len += (size_t)snprintf(buf + len, bufsz - len, _("  chain intact"));
	if (len < bufsz)
		snprintf(buf + len, bufsz - len, "  |  %s", list);
}

/* Ask which filter to change, then its value (empty: no longer filtered). */
static bool
audit_ask_filter(audit_view *aw, tui *t)
{
	const char *labels[] = {_("User (login)"), _("Case number"), _("Action"),
	    _("Since (YYYY-MM-DD)"), _("No filter: the whole log")};
	int c = tui_choose(t, _("Filter the audit log by"), labels, 5, 0);
	char num[32] = "";
	char **field = c == 0 ? &aw->actor : c == 2 ? &aw->action : c == 3 ? &aw->since : NULL;
	if (c < 0)
		return false;
	if (c == 4) {
		free(aw->actor);
		free(aw->action);
		free(aw->since);
		aw->actor = aw->action = aw->since = NULL;
		aw->case_id = 0;
		return true;
	}
	if (c == 1 && aw->case_id > 0)
		snprintf(num, sizeof(num), "%lld", (long long)aw->case_id);
	char *s = tui_prompt(t, labels[c], field ? *field : num);
	if (s == NULL)
		return false;
	if (c == 1) {
		char *end = NULL;
		long long id = *s ? strtoll(s, &end, 10) : 0;
		bool ok = *s == '\0' || (end && *end == '\0' && id > 0);
		if (!ok)
			tui_msg(t, true, "%s", _("A case number is a positive whole number."));
		else
			aw->case_id = id;
		free(s);
		return ok;
	}
	if (c == 3 && *s && sm_date_parse(s) == SM_DATE_NONE) {
		tui_msg(t, true, "%s", _("A date is written YYYY-MM-DD."));
		free(s);
		return false;
	}
	if (c == 2 && *s && sm_event_parse(s)) { /* a label ("退回") or a name */
		char *name = strdup(sm_event_parse(s));
		if (name) {
			free(s);
			s = name;
		}
	}
	free(*field);
	*field = *s ? s : NULL;
	if (!*s)
		free(s);
	return true;
}

static tui_view *audit_record_new(tui *t, int64_t seq, int64_t broken);

static int
audit_handle(admin_view *av, tui *t, enum tui_act act)
{
	audit_view *aw = (audit_view *)av;
	size_t row = tui_list_current(av->list);
	switch (act) {
	case A_PGDN:
		if (aw->offset + aw->size < (size_t)aw->page.total) {
			aw->offset += aw->size;
			audit_load(av, t);
			return TUI_DRAW;
		}
		tui_list_handle(av->list, t, A_END);
		return TUI_DRAW;
	case A_PGUP:
		if (aw->offset > 0) {
			aw->offset = aw->offset > aw->size ? aw->offset - aw->size : 0;
			audit_load(av, t);
			return TUI_DRAW;
		}
		tui_list_handle(av->list, t, A_HOME);
		return TUI_DRAW;
	case A_ENTER:
	case A_OPEN:
		if (row < aw->page.n)
			tui_push(t, audit_record_new(t, aw->page.events[row].seq, aw->broken));
		return TUI_DRAW;
	case A_FILTER:
		if (audit_ask_filter(aw, t)) {
			aw->offset = 0;
			audit_load(av, t);
		}
		return TUI_DRAW;
	case A_VERIFY_CHAIN: {
		int64_t broken = 0, count = 0;
		sm_audit_check ac;
		sm_err *err = sm_err_new();
		/* the chain, and the chain against its anchors (audit.anchors) */
		if (sm_view_audit_check(t->app, NULL, &ac, err) != SM_OK) {
			tui_msg_err(t, err);
			sm_err_free(&err);
			return TUI_DRAW;
		}
		sm_err_free(&err);
		broken = ac.broken_seq;
		count = ac.count;
		if (broken == 0 && ac.tail_deleted) {
			tui_msg(t, true, _("Records from %lld on were DELETED: the log ends at %lld, but record %lld was anchored at %s."),
			    (long long)ac.first_bad, (long long)ac.head_seq, (long long)ac.anchor_seq,
			    ac.anchor_at);
			return TUI_DRAW;
		}
		if (broken == 0 && ac.anchors_missing) {
			tui_msg(t, true, _("The hash chain holds (%lld records), but the anchors file %s is missing: a deleted tail of the log cannot be seen without it."),
			    (long long)count, ac.anchors_path);
			return TUI_DRAW;
		}
		if (broken == 0 && ac.anchor_seq != 0)
			broken = ac.first_bad; /* a chain computed again: go to where it may begin */
		aw->broken = broken;
		aw->verified = broken == 0;
		aw->verified_count = count;
		if (broken == 0) {
			tui_msg(t, false, _("The audit log is intact: %lld records, hash chain verified."),
			    (long long)count);
			return TUI_DRAW;
		}
		/* the whole log, at the page of the first broken record */
		free(aw->actor);
		free(aw->action);
		free(aw->since);
		aw->actor = aw->action = aw->since = NULL;
		aw->case_id = 0;
		sm_audit_filter f = {.before_seq = broken, .limit = 1};
		sm_audit_page before;
		if (sm_view_audit(t->app, &f, &before, NULL) == SM_OK) {
			aw->offset = (size_t)before.total / aw->size * aw->size;
			sm_audit_page_clear(&before);
		}
		audit_load(av, t);
		for (size_t i = 0; i < aw->page.n; i++)
			if (aw->page.events[i].seq == broken)
				tui_list_select(av->list, i);
		if (ac.broken_seq == 0)
			tui_msg(t, true, _("The log was REWRITTEN from record %lld on (or later): record %lld no longer matches its anchor of %s."),
			    (long long)broken, (long long)ac.anchor_seq, ac.anchor_at);
		else
			tui_msg(t, true, _("The audit log is BROKEN at record %lld (edited, deleted or reordered there)."),
			    (long long)broken);
		return TUI_DRAW;
	}
	default:
		return 0;
	}
}

static void
audit_free_filters(admin_view *av)
{
	audit_view *aw = (audit_view *)av;
	audit_clear(av);
	free(aw->actor);
	free(aw->action);
	free(aw->since);
	aw->actor = aw->action = aw->since = NULL;
}

static const tui_view_ops audit_ops = ADMIN_OPS("audit", audit_actions);

tui_view *
tui_audit_new(tui *t)
{
	audit_view *aw = (audit_view *)av_new(sizeof(audit_view), &audit_ops, _("Audit log"),
	    audit_cols, sizeof(audit_cols) / sizeof(audit_cols[0]), audit_cell, audit_attr);
	if (aw == NULL)
		return NULL;
	aw->av.load = audit_load;
	aw->av.handle = audit_handle;
	aw->av.drop = audit_free_filters;
	aw->av.status = audit_status;
	audit_load(&aw->av, t);
	return &aw->av.v;
}

/* ---- one record, whole */

typedef struct record_view {
	pager_view pv;
	int64_t seq, broken;
} record_view;

static void
fill_record(pager_view *pv, tui *t)
{
	record_view *rv = (record_view *)pv;
	sm_event e;
	char buf[64];
	sm_err *err = sm_err_new();
	if (sm_view_audit_record(t->app, rv->seq, &e, err) != SM_OK) {
		tui_pager_add(&pv->pager, "%s", sm_err_count(err) ? sm_err_msg(err, 0) : "");
		sm_err_free(&err);
		return;
	}
	sm_err_free(&err);
	snprintf(buf, sizeof(buf), "%lld", (long long)e.seq);
	tui_pager_field(&pv->pager, _("Record"), buf);
	tui_pager_field(&pv->pager, _("Time"), e.at);
	tui_pager_field(&pv->pager, _("Actor"), e.actor);
	tui_pager_field(&pv->pager, _("Role"), e.role ? sm_role_label(sm_role_parse(e.role)) : "");
	tui_pager_field(&pv->pager, _("SSH client"), e.ssh_client ? e.ssh_client : _("(local)"));
	tui_pager_field(&pv->pager, _("Action"), sm_event_label(e.action));
	tui_pager_field(&pv->pager, "", e.action);
	if (e.object_id > 0)
		snprintf(buf, sizeof(buf), "%s %lld", sm_object_label(e.object), (long long)e.object_id);
	else
		snprintf(buf, sizeof(buf), "%s %.40s", sm_object_label(e.object),
		    e.object_key ? e.object_key : "");
	tui_pager_field(&pv->pager, _("Object"), buf);
	if (e.from_state || e.to_state) {
		char ft[256];
		snprintf(ft, sizeof(ft), "%s -> %s", value_label(e.from_state), value_label(e.to_state));
		tui_pager_field(&pv->pager, _("From -> to"), ft);
	}
	if (e.reason)
		tui_pager_field(&pv->pager, _("Reason given"), e.reason);
	json_t *v = e.values ? json_loads(e.values, 0, NULL) : NULL;
	if (json_is_object(v) && json_object_size(v) > 0) {
		tui_pager_add(&pv->pager, "%s", _("Values:"));
		const char *key;
		json_t *val;
		json_object_foreach(v, key, val) {
			char *text = json_is_string(val) ? strdup(json_string_value(val)) :
			    json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
			char label[128];
			snprintf(label, sizeof(label), "  %s", key);
			tui_pager_field(&pv->pager, label, text ? text : "");
			free(text);
		}
	} else if (e.values) {
		tui_pager_field(&pv->pager, _("Values"), e.values);
	}
	json_decref(v);
	tui_pager_field(&pv->pager, _("Request id"), e.request_id);
	/* the hashes whole, each on its own line (64 hex digits) */
	tui_pager_field(&pv->pager, _("Previous hash"), "");
	tui_pager_add(&pv->pager, "    %s", e.prev_hash ? e.prev_hash : "");
	tui_pager_field(&pv->pager, _("Hash"), "");
	tui_pager_add(&pv->pager, "    %s", e.hash ? e.hash : "");
	if (rv->broken > 0 && e.seq == rv->broken)
		tui_pager_add(&pv->pager, "%s", _("The chain breaks here: this record was edited, or one before it deleted or moved."));
	else if (rv->broken > 0 && e.seq > rv->broken)
		tui_pager_add(&pv->pager, "%s", _("After the break: this record cannot be trusted."));
	sm_event_clear(&e);
}

static const tui_view_ops record_ops = PAGER_OPS("audit", plain_actions);

static tui_view *
audit_record_new(tui *t, int64_t seq, int64_t broken)
{
	record_view *rv = calloc(1, sizeof(*rv));
	char title[64];
	if (rv == NULL)
		return NULL;
	snprintf(title, sizeof(title), _("Audit record %lld"), (long long)seq);
	rv->seq = seq;
	rv->broken = broken;
	rv->pv.v.ops = &record_ops;
	rv->pv.v.title = strdup(title);
	rv->pv.fill = fill_record;
	fill_record(&rv->pv, t);
	return &rv->pv.v;
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
