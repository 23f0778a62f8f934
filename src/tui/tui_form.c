/* tui_form.c - forms drawn from the YAML definitions: a line editor per
 * field, choice lists, check boxes, repeatable fields, each field's help,
 * validation when leaving a field and on submit with the message beside the
 * field, and drafts kept when the user leaves. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_division.h"
#include "sm_draft.h"
#include "sm_workflow.h"
#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_yaml.h"
#include "tui.h"
#include "tui_curses.h"

#define LABEL_CELLS 20

enum item_kind { IT_FIELD, IT_HEADING, IT_LIST_ITEM, IT_LIST_ADD };

typedef struct item {
	enum item_kind kind;
	const sm_field *field;   /* the field (for list items: the list field) */
	const sm_field *top;     /* its top-level field (for shown_when) */
	char path[128];          /* "contact.email", "english_domains[2]" */
	char label[160];
	size_t index;            /* list item index (0-based) */
	int depth;
} item;

typedef struct form_view {
	tui_view v;
	const sm_form *form;
	json_t *values;          /* what the user has entered */
	json_t *errors;          /* path -> message */
	item *items;
	size_t n, cap;
	size_t focus;
	size_t scroll;
	tui_line line;           /* the editor of the focused text item */
	bool editing;            /* line holds the focused item's text */
	bool dirty;
	char *draft_key;
	int64_t version;         /* the stored object's version the values start from (0: none) */
	int64_t draft_version;   /* the version the restored draft was kept with (0: none) */
	tui_form_submit_fn submit;
	void *ud;
	void (*free_ud)(void *);
	json_t **modal_out;      /* modal forms: where the values go */
	sm_action action;        /* modal forms: the action whose form it is */
	tui_pager intro;         /* the form's instructions, wrapped */
	tui_pager returned;      /* why the case was returned, wrapped (n 0: not) */
	tui_pager preface;       /* fields shown, not edited, above the form (n 0: none) */
	sm_form *subset;         /* a form of some fields of another, owned (sm_form_subset) */
} form_view;

static const tui_action form_actions[] = {
	{A_SUBMIT, 2, "\023", N_("Submit"), N_("Check every field and submit (Ctrl-S)")},
	{A_SAVE, 3, "\024", N_("Keep"), N_("Keep the draft and go back (Ctrl-T)")},
	{A_DEL_ITEM, 8, "\030", N_("Remove"), N_("Remove this entry of a repeatable field (Ctrl-X)")},
	{A_INFO, 4, "\017", N_("Instructions"), N_("The application's instructions in full, and why it was returned (Ctrl-O)")},
	{A_NEXT_FIELD, 0, "\t", NULL, N_("Next field (Tab, Enter, Down)")},
	{A_PREV_FIELD, 0, NULL, NULL, N_("Previous field (Shift-Tab, Up)")},
	{A_BACK, 0, "\033\007", NULL, N_("Leave; what was typed is kept as a draft (Esc, Ctrl-G)")},
	{A_TOGGLE, 0, NULL, NULL, N_("Space ticks a box; Enter opens a choice list")},
	{A_HOME, 0, NULL, NULL, N_("Home, End: start and end of the text (of its line, in a text of several lines); PgUp, PgDn: first and last field")},
	{A_ENTER, 0, NULL, NULL, N_("In a text of several lines Enter starts a new line and Up, Down move between its lines; Tab leaves it")},
	{A_NONE, 0, NULL, NULL, NULL},
};

/* ------------------------------------------------------------ values by path */

/* The JSON slot for an item: its parent object (or array) and key/index. */
static json_t *
get_value(form_view *f, const item *it)
{
	if (it->kind == IT_LIST_ITEM) {
		json_t *arr = json_object_get(f->values, it->field->id);
		return json_array_get(arr, it->index);
	}
	const char *dot = strchr(it->path, '.');
	if (dot) {
		char group[64];
		snprintf(group, sizeof(group), "%.*s", (int)(dot - it->path), it->path);
		return json_object_get(json_object_get(f->values, group), dot + 1);
	}
	return json_object_get(f->values, it->path);
}

static void
set_value(form_view *f, const item *it, json_t *v /* stolen, NULL removes */)
{
	if (it->kind == IT_LIST_ITEM) {
		json_t *arr = json_object_get(f->values, it->field->id);
		if (arr && v)
			json_array_set_new(arr, it->index, v);
		else if (arr)
			json_array_set_new(arr, it->index, json_string(""));
		f->dirty = true;
		return;
	}
	json_t *obj = f->values;
	const char *key = it->path;
	const char *dot = strchr(it->path, '.');
	if (dot) {
		char group[64];
		snprintf(group, sizeof(group), "%.*s", (int)(dot - it->path), it->path);
		obj = json_object_get(f->values, group);
		if (obj == NULL) {
			obj = json_object();
			json_object_set_new(f->values, group, obj);
		}
		key = dot + 1;
	}
	if (v)
		json_object_set_new(obj, key, v);
	else
		json_object_del(obj, key);
	f->dirty = true;
}

static const char *
value_text(form_view *f, const item *it)
{
	json_t *v = get_value(f, it);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* ------------------------------------------------------------ layout */

static void
add_item(form_view *f, enum item_kind kind, const sm_field *field, const sm_field *top,
         const char *path, const char *label, size_t index, int depth)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 32;
		item *p = realloc(f->items, cap * sizeof(*p));
		if (p == NULL)
			return;
		f->items = p;
		f->cap = cap;
	}
	item *it = &f->items[f->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->field = field;
	it->top = top;
	it->index = index;
	it->depth = depth;
	snprintf(it->path, sizeof(it->path), "%s", path);
	snprintf(it->label, sizeof(it->label), "%s", label);
}

/* The items of the form as the values stand (shown_when, list lengths). */
static void
layout(form_view *f)
{
	char path[128], label[160];
	f->n = 0;
	for (size_t i = 0; i < f->form->n_fields; i++) {
		const sm_field *fd = &f->form->fields[i];
		if (!sm_field_is_shown(fd, f->values))
			continue;
		const char *star = sm_field_is_required(fd, f->values) ? "*" : "";
		snprintf(label, sizeof(label), "%s%s", _(fd->label), star);
		if (fd->type == SM_FT_GROUP) {
			add_item(f, IT_HEADING, fd, fd, fd->id, label, 0, 0);
			for (size_t j = 0; j < fd->n_fields; j++) {
				const sm_field *sub = &fd->fields[j];
				snprintf(path, sizeof(path), "%s.%s", fd->id, sub->id);
				snprintf(label, sizeof(label), "%s%s", _(sub->label), sub->required ? "*" : "");
				add_item(f, IT_FIELD, sub, fd, path, label, 0, 1);
			}
		} else if (fd->type == SM_FT_LIST) {
			json_t *arr = json_object_get(f->values, fd->id);
			add_item(f, IT_HEADING, fd, fd, fd->id, label, 0, 0);
			for (size_t j = 0; j < json_array_size(arr); j++) {
				snprintf(path, sizeof(path), "%s[%zu]", fd->id, j + 1);
				snprintf(label, sizeof(label), "%zu.", j + 1);
				add_item(f, IT_LIST_ITEM, fd, fd, path, label, j, 1);
			}
			add_item(f, IT_LIST_ADD, fd, fd, fd->id, _("[+] add an entry"), 0, 1);
		} else {
			add_item(f, IT_FIELD, fd, fd, fd->id, label, 0, 0);
		}
	}
	if (f->focus >= f->n)
		f->focus = f->n ? f->n - 1 : 0;
}

/* A field's label in W cells: one too long is cut, but its "*" (required)
 * stays at its end. */
static void
draw_label(int y, int x, int w, const char *label)
{
	size_t n = strlen(label);
	if (n == 0 || label[n - 1] != '*' || (int)sm_text_width(label) <= w) {
		tui_text(y, x, w, label, true);
		return;
	}
	char *body = strndup(label, n - 1);
	tui_text(y, x, w - 1, body ? body : "", true);
	mvaddstr(y, x + w - 1, "*");
	free(body);
}

static bool
focusable(const item *it)
{
	return it->kind != IT_HEADING;
}

static bool
is_text(const item *it)
{
	if (it->kind == IT_LIST_ITEM)
		return true;
	if (it->kind != IT_FIELD)
		return false;
	switch (it->field->type) {
	case SM_FT_TEXT:
	case SM_FT_LONGTEXT:
	case SM_FT_DATE:
	case SM_FT_AMOUNT:
		return true;
	default:
		return false;
	}
}

/* Rows an item takes on the screen (its error not counted). */
static int
item_rows(const item *it)
{
	if (it->kind == IT_FIELD && it->field->type == SM_FT_LONGTEXT && it->field->lines > 1)
		return it->field->lines;
	return 1;
}

static bool
is_multiline(const item *it)
{
	return item_rows(it) > 1;
}

/* ------------------------------------------------------------ editing */

static const sm_field *
item_field(const item *it)
{
	return it->kind == IT_LIST_ITEM ? it->field->item : it->field;
}

/* Validate one item's value; remember or clear its error. */
static void
check_item(form_view *f, tui *t, const item *it)
{
	sm_err *err = sm_err_new();
	json_t *v = get_value(f, it);
	json_object_del(f->errors, it->path);
	if (v && !(json_is_string(v) && *json_string_value(v) == '\0')) {
		if (sm_field_validate(item_field(it), v, t->app->divs, it->path, NULL, err) != SM_OK &&
		    sm_err_count(err) > 0)
			json_object_set_new(f->errors, it->path, json_string(sm_err_msg(err, 0)));
	}
	sm_err_free(&err);
}

/* Leave the focused item: its text goes into the values, then it is checked. */
static void
commit(form_view *f, tui *t)
{
	if (!f->editing || f->focus >= f->n)
		return;
	item *it = &f->items[f->focus];
	char *text = strdup(f->line.buf ? f->line.buf : "");
	sm_text_trim(text);
	if (strcmp(text, value_text(f, it)) != 0) {
		if (*text || it->kind == IT_LIST_ITEM)
			set_value(f, it, json_string(text));
		else
			set_value(f, it, NULL);
	}
	free(text);
	f->editing = false;
	check_item(f, t, it);
}

static void
focus_on(form_view *f, size_t i)
{
	f->focus = i;
	if (i < f->n && is_text(&f->items[i])) {
		tui_line_set(&f->line, value_text(f, &f->items[i]));
		f->line.multiline = is_multiline(&f->items[i]);
		f->editing = true;
	}
}

static void
move_focus(form_view *f, tui *t, int dir)
{
	commit(f, t);
	layout(f);
	size_t i = f->focus;
	for (;;) {
		if (dir > 0 && i + 1 < f->n)
			i++;
		else if (dir < 0 && i > 0)
			i--;
		else
			break;
		if (focusable(&f->items[i]))
			break;
	}
	if (f->n && !focusable(&f->items[i]))
		i = f->focus;
	focus_on(f, i);
}

/* Suggestions for a text field: the unit's registered domains for "domain". */
static void
choose_domain(form_view *f, tui *t, item *it)
{
	sm_unit_view uv;
	if (t->app->user.unit <= 0 || sm_view_unit(t->app, t->app->user.unit, NULL, &uv, NULL) != SM_OK)
		return;
	if (uv.n_domains == 0) {
		tui_msg(t, true, "%s", _("The unit has no registered domain yet: apply for one first."));
	} else {
		int c = tui_choose(t, _(it->field->label), (const char *const *)uv.domains,
		    uv.n_domains, 0);
		if (c >= 0) {
			set_value(f, it, json_string(uv.domains[c]));
			tui_line_set(&f->line, uv.domains[c]);
			check_item(f, t, it);
		}
	}
	sm_unit_view_clear(&uv);
}

static void
choose(form_view *f, tui *t, item *it)
{
	const sm_field *fd = it->field;
	const char *labels[64];
	size_t n = fd->n_choices < 64 ? fd->n_choices : 64, cur = 0;
	const char *now = value_text(f, it);
	for (size_t i = 0; i < n; i++) {
		labels[i] = _(fd->choices[i].label);
		if (strcmp(fd->choices[i].value, now) == 0)
			cur = i;
	}
	int c = tui_choose(t, _(fd->label), labels, n, cur);
	if (c >= 0) {
		set_value(f, it, json_string(fd->choices[c].value));
		check_item(f, t, it);
		layout(f); /* shown_when may change */
	}
}

static void
cycle(form_view *f, tui *t, item *it, int dir)
{
	const sm_field *fd = it->field;
	if (fd->n_choices == 0)
		return;
	const char *now = value_text(f, it);
	size_t cur = 0;
	bool found = false;
	for (size_t i = 0; i < fd->n_choices; i++)
		if (strcmp(fd->choices[i].value, now) == 0) {
			cur = i;
			found = true;
		}
	size_t next = !found ? 0 : (cur + fd->n_choices + (size_t)(dir > 0 ? 1 : -1)) % fd->n_choices;
	set_value(f, it, json_string(fd->choices[next].value));
	check_item(f, t, it);
	layout(f);
}

/* Show the problems of a failed submit beside their fields. */
static void
show_errors(form_view *f, tui *t, const sm_err *err)
{
	size_t shown = 0, loose = 0;
	json_object_clear(f->errors);
	for (size_t i = 0; i < sm_err_count(err); i++) {
		const char *path = sm_err_field(err, i);
		bool placed = false;
		/* beside the field itself; else beside its group's heading */
		size_t exact = f->n;
		for (size_t j = 0; path && j < f->n && exact == f->n; j++)
			if (strcmp(f->items[j].path, path) == 0)
				exact = j;
		for (size_t j = exact == f->n ? 0 : exact; path && j < f->n; j++)
			if (j == exact ||
			    (exact == f->n && f->items[j].kind == IT_HEADING && strncmp(path, f->items[j].path,
			    strlen(f->items[j].path)) == 0 && path[strlen(f->items[j].path)] == '.')) {
				if (!json_object_get(f->errors, f->items[j].path))
					json_object_set_new(f->errors, f->items[j].path,
					    json_string(sm_err_msg(err, i)));
				placed = true;
				if (shown++ == 0)
					focus_on(f, f->items[j].kind == IT_HEADING && j + 1 < f->n ? j + 1 : j);
				break;
			}
		if (!placed)
			loose++;
	}
	if (loose) {
		tui_msg_err(t, err);
	} else {
		/* the focused field's problem in full too, where messages wrap:
		 * beside the field it is cut to the width of the screen */
		json_t *e = f->n ? json_object_get(f->errors, f->items[f->focus].path) : NULL;
		tui_msg(t, true, dngettext("sitemark", "%zu problem: see the marked field",
		    "%zu problems: see the marked fields", sm_err_count(err)), sm_err_count(err));
		if (e != NULL && json_is_string(e)) {
			size_t n = strlen(t->message);
			/* TRANSLATORS: between a field's label and its problem */
			const char *sep = C_("field problem", ": ");
			snprintf(t->message + n, sizeof(t->message) - n, " %s%s%s",
			    f->items[f->focus].label, sep, json_string_value(e));
		}
	}
}

static void form_destroy(tui_view *v);
static bool form_offers(tui_view *v, tui *t, enum tui_act act);

/* ------------------------------------------------------------ instructions */

/* The form's instructions in full: why the case was returned, the form's
 * help, each field's help; wrapped, scrolled like any pager. */
typedef struct info_view {
	tui_view v;
	tui_pager pager;
	int rows;
} info_view;

static const tui_action info_actions[] = {
	{A_BACK, 0, "q\033\007", NULL, N_("Back to the form (q, Esc, Ctrl-G)")},
	{A_INFO, 4, "\017", NULL, N_("Back to the form (F4, Ctrl-O)")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static void
info_draw(tui_view *v, tui *t, int top, int rows)
{
	info_view *iv = (info_view *)v;
	iv->rows = rows;
	tui_pager_draw(&iv->pager, t, top, rows);
}

static int
info_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	info_view *iv = (info_view *)v;
	(void)k;
	if (act == A_INFO || act == A_BACK)
		return TUI_POP;
	return tui_pager_handle(&iv->pager, t, act, iv->rows);
}

static void
info_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	info_view *iv = (info_view *)v;
	(void)t;
	snprintf(buf, bufsz, _("%s  |  lines %zu-%zu of %zu  |  q back to the form"), v->title,
	    iv->pager.n ? iv->pager.top + 1 : 0,
	    iv->pager.top + (size_t)iv->rows < iv->pager.n ? iv->pager.top + (size_t)iv->rows :
	    iv->pager.n, iv->pager.n);
}

static void
info_destroy(tui_view *v)
{
	info_view *iv = (info_view *)v;
	tui_pager_clear(&iv->pager);
	free(iv);
}

static const tui_view_ops info_ops = {
	.name = "instructions", .actions = info_actions, .draw = info_draw, .handle = info_handle,
	.status = info_status, .destroy = info_destroy,
};

static void
info_fields(tui_pager *p, const sm_field *fields, size_t n, const char *prefix)
{
	char label[256];
	for (size_t i = 0; i < n; i++) {
		const sm_field *fd = &fields[i];
		snprintf(label, sizeof(label), "%s%s", prefix, _(fd->label));
		if (fd->help)
			tui_pager_field(p, label, _(fd->help));
		if (fd->type == SM_FT_GROUP) {
			char sub[300];
			snprintf(sub, sizeof(sub), "%s ", label);
			info_fields(p, fd->fields, fd->n_fields, sub);
		}
	}
}

static tui_view *
info_new(tui *t, form_view *f)
{
	info_view *iv = calloc(1, sizeof(*iv));
	(void)t;
	if (iv == NULL)
		return NULL;
	iv->v.ops = &info_ops;
	if (asprintf(&iv->v.title, _("Instructions: %s"), _(f->form->title)) < 0)
		iv->v.title = NULL;
	tui_pager *p = &iv->pager;
	if (f->returned.n) {
		tui_pager_add(p, "%s", _("Why the application was returned"));
		for (size_t i = 0; i < f->returned.n; i++)
			tui_pager_add(p, "%s", f->returned.lines[i]);
		tui_pager_add(p, "%s", "");
	}
	tui_pager_add(p, "%s", _("Instructions"));
	tui_pager_add(p, "%s", f->form->help ? _(f->form->help) : _("This form has no instructions."));
	tui_pager_add(p, "%s", "");
	tui_pager_add(p, "%s", _("The fields"));
	info_fields(p, f->form->fields, f->form->n_fields, "");
	tui_pager_add(p, "%s", "");
	tui_pager_add(p, "%s", _("Keys: Tab and Shift-Tab move between fields; Enter starts a new line in a text of several lines; F2 submits; Esc keeps a draft."));
	return &iv->v;
}

void
tui_form_returned(tui_view *v, tui *t, int64_t case_id)
{
	form_view *f = (form_view *)v;
	sm_case_view cv;
	if (v == NULL || v->ops->destroy != form_destroy)
		return;
	sm_err *err = sm_err_new();
	if (sm_view_case(t->app, case_id, &cv, err) != SM_OK) {
		sm_err_free(&err);
		return;
	}
	sm_err_free(&err);
	/* the last return in the history, with its reason code's label */
	for (size_t i = cv.n_history; i-- > 0;) {
		const sm_event *ev = &cv.history[i];
		sm_action a = sm_action_parse(ev->action);
		if (a != SM_ACTION_REJECT && a != SM_ACTION_REJECT_PAPER)
			continue;
		json_t *vals = ev->values ? json_loads(ev->values, 0, NULL) : NULL;
		const char *code = json_string_value(json_object_get(vals, "reason_code"));
		const char *label = NULL;
		const sm_form *rf = sm_action_form(a) ? sm_forms_get(t->app->forms, sm_action_form(a)) :
		    NULL;
		const sm_field *cf = rf ? sm_form_field(rf, "reason_code") : NULL;
		for (size_t c = 0; cf && code && c < cf->n_choices; c++)
			if (strcmp(cf->choices[c].value, code) == 0)
				label = _(cf->choices[c].label);
		const char *reason = ev->reason ? ev->reason :
		    json_string_value(json_object_get(vals, "reason"));
		char day[11];
		snprintf(day, sizeof(day), "%.10s", ev->at ? ev->at : "");
		tui_pager_clear(&f->returned);
		if (label)
			tui_pager_add(&f->returned, _("Returned on %s: %s. %s"), day, label,
			    reason ? reason : "");
		else
			tui_pager_add(&f->returned, _("Returned on %s: %s"), day, reason ? reason : "");
		json_decref(vals);
		break;
	}
	sm_case_view_clear(&cv);
}

void
tui_form_preface(tui_view *v, const char *label, const char *value)
{
	if (v != NULL && v->ops->destroy == form_destroy)
		tui_pager_field(&((form_view *)v)->preface, label, value);
}

/* ------------------------------------------------------------ the view */

static void
form_draw(tui_view *v, tui *t, int top, int rows)
{
	form_view *f = (form_view *)v;
	int help_rows = 2, area = rows - help_rows - 1;
	int y = top, width = t->cols;
	char buf[512];

	if (f->scroll == 0 && area > 8) {
		/* at its top: why the case was returned, then the instructions,
		 * two lines each at most; the rest behind F4 */
		bool more = false;
		if (f->returned.n) {
			tui_attr(t, TUI_PAIR_ERROR, true, A_BOLD);
			size_t shown = f->returned.n <= 2 ? f->returned.n : 1;
			for (size_t i = 0; i < shown; i++, area--)
				tui_text(y++, 1, width - 2, f->returned.lines[i], false);
			tui_attr(t, TUI_PAIR_ERROR, false, A_BOLD);
			more = shown < f->returned.n;
		}
		for (size_t i = 0; i < f->preface.n && area > 8; i++, area--)
			tui_text(y++, 1, width - 2, f->preface.lines[i], false);
		tui_attr(t, TUI_PAIR_DIM, true, A_DIM);
		size_t room = f->returned.n ? 1 : 2;
		size_t shown = f->intro.n <= room ? f->intro.n : room - 1;
		for (size_t i = 0; i < shown; i++, area--)
			tui_text(y++, 1, width - 2, f->intro.lines[i], false);
		if (more || shown < f->intro.n) {
			tui_text(y++, 1, width - 2, _("... F4 shows the instructions in full"), false);
			area--;
		}
		tui_attr(t, TUI_PAIR_DIM, false, A_DIM);
	}
	/* rows each item takes, plus 1 when it has an error */
	if (f->focus < f->scroll)
		f->scroll = f->focus;
	for (;;) {
		int used = 0;
		for (size_t i = f->scroll; i <= f->focus && i < f->n; i++)
			used += item_rows(&f->items[i]) +
			    (json_object_get(f->errors, f->items[i].path) ? 1 : 0);
		if (used <= area || f->scroll >= f->focus)
			break;
		f->scroll++;
	}
	int bottom = y + area;
	for (size_t i = f->scroll; i < f->n && y < bottom; i++) {
		item *it = &f->items[i];
		bool focus = i == f->focus;
		int x = 1 + it->depth * 2;
		if (it->kind == IT_HEADING) {
			attron(A_BOLD);
			tui_text(y, x, width - x, it->label, false);
			attroff(A_BOLD);
			y++;
			json_t *he = json_object_get(f->errors, it->path);
			if (he && y < bottom) {
				tui_attr(t, TUI_PAIR_ERROR, true, A_BOLD);
				snprintf(buf, sizeof(buf), "! %s", json_string_value(he));
				tui_text(y, LABEL_CELLS + 2, width - LABEL_CELLS - 3, buf, false);
				tui_attr(t, TUI_PAIR_ERROR, false, A_BOLD);
				y++;
			}
			continue;
		}
		if (focus && !is_text(it))
			attron(A_REVERSE);
		draw_label(y, x, LABEL_CELLS - it->depth * 2, it->label);
		if (focus && !is_text(it))
			attroff(A_REVERSE);
		int vx = LABEL_CELLS + 2, vw = width - vx - 1;
		if (it->kind == IT_LIST_ADD) {
			if (focus)
				attron(A_REVERSE);
			tui_text(y, x, LABEL_CELLS, it->label, true);
			if (focus)
				attroff(A_REVERSE);
		} else if (is_multiline(it)) {
			int nr = item_rows(it) < bottom - y ? item_rows(it) : bottom - y;
			if (focus && f->editing)
				tui_line_draw_rows(&f->line, y, vx, vw, nr, true, &t->cur_y, &t->cur_x);
			else
				tui_text_rows(value_text(f, it), y, vx, vw, nr);
			y += nr - 1;
		} else if (is_text(it) && focus && f->editing) {
			t->cur_y = y;
			t->cur_x = tui_line_draw(&f->line, y, vx, vw, true);
		} else if (it->field->type == SM_FT_BOOL) {
			json_t *b = get_value(f, it);
			snprintf(buf, sizeof(buf), "[%s] %s", json_is_true(b) ? "x" : " ",
			    json_is_true(b) ? _("yes") : json_is_false(b) ? _("no") : "");
			tui_text(y, vx, vw, buf, false);
		} else if (it->kind == IT_FIELD && it->field->type == SM_FT_CHOICE) {
			const char *val = value_text(f, it), *shown = "";
			for (size_t c = 0; c < it->field->n_choices; c++)
				if (strcmp(it->field->choices[c].value, val) == 0)
					shown = _(it->field->choices[c].label);
			snprintf(buf, sizeof(buf), "<%s>", *shown ? shown : _("choose with Enter"));
			tui_text(y, vx, vw, buf, false);
		} else {
			const char *val = value_text(f, it);
			if (it->field->validator && strcmp(it->field->validator, "division") == 0 && *val) {
				char name[256];
				snprintf(buf, sizeof(buf), "%s  %s", val,
				    sm_division_full_name(t->app->divs, val, name, sizeof(name)) ? name : "");
				tui_text(y, vx, vw, buf, false);
			} else {
				tui_text(y, vx, vw, val, false);
			}
		}
		y++;
		json_t *e = json_object_get(f->errors, it->path);
		if (e && y < bottom) {
			tui_attr(t, TUI_PAIR_ERROR, true, A_BOLD);
			snprintf(buf, sizeof(buf), "! %s", json_string_value(e));
			tui_text(y, vx, vw, buf, false);
			tui_attr(t, TUI_PAIR_ERROR, false, A_BOLD);
			y++;
		}
	}
	/* the focused field's help */
	int hy = top + rows - help_rows;
	tui_hline(t, hy - 1, 0, width);
	if (f->focus < f->n) {
		const item *fi = &f->items[f->focus];
		const sm_field *fd = item_field(fi);
		const char *help = fd && fd->help ? _(fd->help) :
		    (fi->field->help ? _(fi->field->help) : "");
		char full[1024];
		if (fi->kind != IT_LIST_ADD &&
		    sm_text_width(fi->label) > (size_t)(LABEL_CELLS - fi->depth * 2)) {
			/* the label was cut beside the field: here it is whole */
			if (*help)
				snprintf(full, sizeof(full), _("%s: %s"), fi->label, help);
			else
				snprintf(full, sizeof(full), "%s", fi->label);
			help = full;
		}
		size_t n1 = sm_text_fit(help, (size_t)width - 2, NULL), n2 = n1;
		/* two lines, broken between words when there are spaces */
		if (help[n1] && help[n1] != ' ') {
			size_t sp = n1;
			while (sp > n1 / 2 && help[sp - 1] != ' ')
				sp--;
			if (sp > n1 / 2)
				n1 = n2 = sp;
		}
		while (help[n2] == ' ')
			n2++;
		snprintf(buf, sizeof(buf), "%.*s", (int)n1, help);
		tui_text(hy, 1, width - 2, buf, false);
		tui_text(hy + 1, 1, width - 2, help + n2, false);
	}
}

static void
form_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	form_view *f = (form_view *)v;
	size_t bad = json_object_size(f->errors);
	(void)t;
	const char *keys = f->draft_key ? _("F2 submit, Esc keeps a draft") :
	    _("F2 submit, Esc cancels");
	if (bad)
		snprintf(buf, bufsz, dngettext("sitemark", "%s  |  %zu field needs attention  |  %s",
		    "%s  |  %zu fields need attention  |  %s", bad), _(f->form->title), bad, keys);
	else
		snprintf(buf, bufsz, "%s  |  %s", _(f->form->title), keys);
}

static void
keep_draft(form_view *f, tui *t)
{
	if (f->draft_key == NULL || !f->dirty)
		return;
	sm_err *err = sm_err_new();
	if (sm_draft_save_at(t->app->user.login, f->draft_key, f->values, f->version, err) == SM_OK)
		tui_msg(t, false, "%s", _("The draft is kept: open the form again to go on."));
	else
		tui_msg_err(t, err);
	sm_err_free(&err);
}

static int
form_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	form_view *f = (form_view *)v;
	item *it = f->focus < f->n ? &f->items[f->focus] : NULL;
	bool in_text = it && is_text(it) && f->editing;

	if (act == A_NONE && k->is_code && k->ch == KEY_BTAB)
		act = A_PREV_FIELD; /* Shift-Tab */
	/* keys a text field keeps: Home and End move in it; in a text of
	 * several lines Enter breaks the line and Up, Down move between lines */
	if (in_text && k->is_code && (k->ch == KEY_HOME || k->ch == KEY_END) &&
	    (act == A_HOME || act == A_END)) {
		tui_line_key(&f->line, k);
		return TUI_DRAW;
	}
	if (in_text && is_multiline(it) && (act == A_ENTER || ((act == A_UP || act == A_DOWN) &&
	    k->is_code && (k->ch == KEY_UP || k->ch == KEY_DOWN)))) {
		if (tui_line_key(&f->line, k)) {
			if (act == A_ENTER)
				f->dirty = true;
			return TUI_DRAW;
		}
	}

	switch (act) {
	case A_INFO:
		commit(f, t);
		tui_push(t, info_new(t, f));
		focus_on(f, f->focus);
		return TUI_DRAW;
	case A_BACK:
		commit(f, t);
		keep_draft(f, t);
		return TUI_POP;
	case A_SAVE:
		commit(f, t);
		f->dirty = true;
		keep_draft(f, t);
		return TUI_POP;
	case A_QUIT:
		commit(f, t);
		keep_draft(f, t);
		return TUI_QUIT;
	case A_UP:
	case A_PREV_FIELD:
		move_focus(f, t, -1);
		return TUI_DRAW;
	case A_DOWN:
	case A_NEXT_FIELD:
		move_focus(f, t, +1);
		return TUI_DRAW;
	case A_PGUP:
	case A_HOME:
		commit(f, t);
		for (size_t i = 0; i < f->n; i++)
			if (focusable(&f->items[i])) {
				focus_on(f, i);
				break;
			}
		return TUI_DRAW;
	case A_PGDN:
	case A_END:
		commit(f, t);
		for (size_t i = f->n; i-- > 0;)
			if (focusable(&f->items[i])) {
				focus_on(f, i);
				break;
			}
		return TUI_DRAW;
	case A_DEL_ITEM:
		if (it && it->kind == IT_LIST_ITEM) {
			json_array_remove(json_object_get(f->values, it->field->id), it->index);
			f->editing = false;
			f->dirty = true;
			json_object_clear(f->errors);
			layout(f);
			focus_on(f, f->focus);
		} else if (form_offers(v, t, A_DEL_ITEM))
			tui_msg(t, true, "%s",
			    _("Remove takes away an entry of a repeatable field: go to the entry first."));
		else
			tui_msg(t, true, "%s", _("This form has no repeatable field to remove an entry from."));
		return TUI_DRAW;
	case A_SUBMIT: {
		commit(f, t);
		layout(f);
		sm_err *err = sm_err_new();
		json_t *copy = json_deep_copy(f->values);
		/* list entries left empty are not answers */
		const char *key;
		json_t *val;
		json_object_foreach(copy, key, val)
			if (json_is_array(val))
				for (size_t i = json_array_size(val); i-- > 0;)
					if (json_is_string(json_array_get(val, i)) &&
					    !*json_string_value(json_array_get(val, i)))
						json_array_remove(val, i);
		bool ok;
		if (f->modal_out) {
			/* as the action will take them: the session's date too */
			json_t *norm = NULL;
			ok = (f->action != SM_ACTION_NONE ?
			    sm_action_validate(t->app, f->action, copy, &norm, err) :
			    sm_form_validate(f->form, copy, t->app->divs, SM_FORM_COMPLETE, &norm, err)) == SM_OK;
			if (ok)
				*f->modal_out = norm;
		} else {
			ok = f->submit(t, f->ud, copy, err);
		}
		json_decref(copy);
		if (ok) {
			/* an action's form is kept until the action is made
			 * (tui_form_modal_done): a store that refuses the write
			 * does not lose the reason typed */
			if (f->draft_key && f->modal_out) {
				f->dirty = true;
				keep_draft(f, t);
				t->message[0] = '\0';
			} else if (f->draft_key)
				sm_draft_delete(t->app->user.login, f->draft_key);
			f->dirty = false;
			sm_err_free(&err);
			return TUI_POP | TUI_RELOAD;
		}
		if (sm_err_count(err) > 0) /* none: the submitter went back to the form */
			show_errors(f, t, err);
		sm_err_free(&err);
		return TUI_DRAW;
	}
	case A_ENTER:
		if (it == NULL)
			return TUI_DRAW;
		if (it->kind == IT_LIST_ADD) {
			json_t *arr = json_object_get(f->values, it->field->id);
			if (!json_is_array(arr)) {
				arr = json_array();
				json_object_set_new(f->values, it->field->id, arr);
			}
			json_array_append_new(arr, json_string(""));
			f->dirty = true;
			layout(f);
			focus_on(f, f->focus); /* the new entry now stands where "add" was */
			return TUI_DRAW;
		}
		if (it->kind == IT_FIELD && it->field->type == SM_FT_CHOICE) {
			choose(f, t, it);
			return TUI_DRAW;
		}
		if (it->kind == IT_FIELD && it->field->type == SM_FT_BOOL) {
			set_value(f, it, json_boolean(!json_is_true(get_value(f, it))));
			return TUI_DRAW;
		}
		if (it->kind == IT_FIELD && strcmp(it->path, "domain") == 0 &&
		    (strcmp(f->form->id, "site") == 0 || strcmp(f->form->id, "mark") == 0)) {
			choose_domain(f, t, it);
			return TUI_DRAW;
		}
		move_focus(f, t, +1);
		return TUI_DRAW;
	default:
		break;
	}
	if (it == NULL)
		return TUI_DRAW;
	/* raw keys: text into the editor, Space and arrows for choices and boxes */
	if (is_text(it) && f->editing) {
		if (tui_line_key(&f->line, k))
			f->dirty = true;
		return TUI_DRAW;
	}
	if (tui_key_is_paste(k)) {
		tui_msg(t, true, "%s", _("Pasted text ignored: paste only into a text field."));
		return TUI_DRAW;
	}
	if (it->kind == IT_FIELD && it->field->type == SM_FT_BOOL && !k->is_code && k->ch == ' ') {
		set_value(f, it, json_boolean(!json_is_true(get_value(f, it))));
		return TUI_DRAW;
	}
	if (it->kind == IT_FIELD && it->field->type == SM_FT_CHOICE) {
		if ((k->is_code && k->ch == KEY_RIGHT) || (!k->is_code && k->ch == ' '))
			cycle(f, t, it, +1);
		else if (k->is_code && k->ch == KEY_LEFT)
			cycle(f, t, it, -1);
	}
	return TUI_DRAW;
}

static void
form_destroy(tui_view *v)
{
	form_view *f = (form_view *)v;
	json_decref(f->values);
	json_decref(f->errors);
	free(f->items);
	tui_line_free(&f->line);
	tui_pager_clear(&f->intro);
	tui_pager_clear(&f->returned);
	tui_pager_clear(&f->preface);
	free(f->draft_key);
	if (f->free_ud)
		f->free_ud(f->ud);
	sm_form_subset_free(&f->subset);
	free(f);
}

/* The console closes by itself (idle log-out): what was typed is kept. */
static void
form_save(tui_view *v, tui *t)
{
	form_view *f = (form_view *)v;
	commit(f, t);
	keep_draft(f, t);
}

/* Remove (F8) is offered by a form with repeatable fields only. */
static bool
form_offers(tui_view *v, tui *t, enum tui_act act)
{
	form_view *f = (form_view *)v;
	(void)t;
	if (act != A_DEL_ITEM)
		return true;
	for (size_t i = 0; i < f->form->n_fields; i++)
		if (f->form->fields[i].type == SM_FT_LIST)
			return true;
	return false;
}

static const tui_view_ops form_ops = {
	.name = "form",
	.text_input = true,
	.actions = form_actions,
	.draw = form_draw,
	.handle = form_handle,
	.status = form_status,
	.destroy = form_destroy,
	.save = form_save,
	.offers = form_offers,
};

/* Forms of an action (reject, confirm-paper ...): no draft, no lists. */
static const tui_action modal_actions[] = {
	{A_SUBMIT, 2, "\023", N_("Submit"), N_("Check every field and submit (Ctrl-S)")},
	{A_INFO, 4, "\017", N_("Form help"), N_("The form's instructions in full (Ctrl-O)")},
	{A_NEXT_FIELD, 0, "\t", NULL, N_("Next field (Tab, Enter, Down)")},
	{A_PREV_FIELD, 0, NULL, NULL, N_("Previous field (Shift-Tab, Up)")},
	{A_BACK, 0, "\033\007", NULL, N_("Cancel (Esc, Ctrl-G)")},
	{A_TOGGLE, 0, NULL, NULL, N_("Space ticks a box; Enter opens a choice list")},
	{A_HOME, 0, NULL, NULL, N_("Home, End: start and end of the text (of its line, in a text of several lines); PgUp, PgDn: first and last field")},
	{A_ENTER, 0, NULL, NULL, N_("In a text of several lines Enter starts a new line and Up, Down move between its lines; Tab leaves it")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static void form_save(tui_view *v, tui *t);

static const tui_view_ops modal_ops = {
	.name = "form",
	.text_input = true,
	.actions = modal_actions,
	.draw = form_draw,
	.handle = form_handle,
	.status = form_status,
	.destroy = form_destroy,
	.save = form_save, /* an action's form on a case: kept (tui_form_modal) */
};

static form_view *form_make_of(tui *t, const sm_form *form, const char *draft_key,
                               const json_t *initial);

static form_view *
form_make(tui *t, const char *form_id, const char *draft_key, const json_t *initial)
{
	const sm_form *form = sm_forms_get(t->app->forms, form_id);
	if (form == NULL) {
		tui_msg(t, true, _("the form definition '%s' is missing"), form_id);
		return NULL;
	}
	return form_make_of(t, form, draft_key, initial);
}

static form_view *
form_make_of(tui *t, const sm_form *form, const char *draft_key, const json_t *initial)
{
	form_view *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->v.ops = &form_ops;
	f->v.title = strdup(_(form->title));
	f->form = form;
	json_t *draft = draft_key ? sm_draft_load_at(t->app->user.login, draft_key,
	    &f->draft_version) : NULL;
	f->values = draft ? draft : (initial ? json_deep_copy(initial) : json_object());
	f->errors = json_object();
	f->draft_key = draft_key ? strdup(draft_key) : NULL;
	tui_line_init(&f->line, "");
	if (form->help)
		tui_pager_add(&f->intro, "%s", _(form->help));
	layout(f);
	for (size_t i = 0; i < f->n; i++)
		if (focusable(&f->items[i])) {
			focus_on(f, i);
			break;
		}
	if (draft && f->draft_version == 0)
		f->draft_version = -1; /* kept without one (an older sitemark) */
	if (draft)
		tui_msg(t, false, "%s", _("Your draft was restored."));
	return f;
}

tui_view *
tui_form_new(tui *t, const char *form_id, const char *draft_key, const json_t *initial,
             tui_form_submit_fn submit, void *ud, void (*free_ud)(void *))
{
	form_view *f = form_make(t, form_id, draft_key, initial);
	if (f == NULL) {
		if (free_ud)
			free_ud(ud);
		return NULL;
	}
	f->submit = submit;
	f->ud = ud;
	f->free_ud = free_ud;
	return &f->v;
}

int64_t
tui_form_draft_version(tui_view *v)
{
	return ((form_view *)v)->draft_version;
}

void
tui_form_set_version(tui_view *v, int64_t version)
{
	((form_view *)v)->version = version;
}

tui_view *
tui_form_new_subset(tui *t, sm_form *subset, const json_t *initial, tui_form_submit_fn submit,
                    void *ud, void (*free_ud)(void *))
{
	form_view *f = subset ? form_make_of(t, subset, NULL, initial) : NULL;
	if (f == NULL) {
		sm_form_subset_free(&subset);
		if (free_ud)
			free_ud(ud);
		return NULL;
	}
	f->subset = subset;
	f->v.ops = &modal_ops; /* no draft: submit or cancel */
	f->submit = submit;
	f->ud = ud;
	f->free_ud = free_ud;
	return &f->v;
}

json_t *
tui_form_modal(tui *t, const char *form_id, const char *title, const char *draft_key)
{
	json_t *out = NULL;
	form_view *f = form_make(t, form_id, draft_key, NULL);
	if (f == NULL)
		return NULL;
	f->modal_out = &out;
	f->v.ops = &modal_ops;
	for (int a = SM_ACTION_NONE + 1; a < SM_ACTION_COUNT; a++)
		if (sm_action_form((sm_action)a) && strcmp(sm_action_form((sm_action)a), form_id) == 0) {
			f->action = (sm_action)a;
			break;
		}
	if (title) {
		free(f->v.title);
		f->v.title = strdup(title);
	}
	tui_push(t, &f->v);
	tui_run_until_closed(t, &f->v);
	return out;
}

/* ------------------------------------------------------------ drafts */

/* The forms the user left with a draft kept: a new application of a kind
 * ("site-new"), the unit's registration ("unit-new"), or a case being
 * corrected ("case-12").  Enter opens one where it left off; F8 discards. */
typedef struct draft_row {
	char *key;
	char *form;       /* the form's title, translated */
	char *what;       /* "New application", "Case 12 (returned)" */
	sm_kind kind;     /* SM_KIND_NONE: the unit's registration */
	int64_t case_id;  /* 0: a new one */
	bool redpage;     /* the red page of case CASE_ID */
	sm_action action; /* an action's form on case CASE_ID (SM_ACTION_NONE: not) */
} draft_row;

typedef struct drafts_view {
	tui_view v;
	tui_list *list;
	draft_row *rows;
	size_t n;
} drafts_view;

static const tui_column draft_cols[] = {
	{N_("Form"), 0, false},
	{N_("Application"), 0, false},
};

static const tui_action drafts_actions[] = {
	{A_ENTER, 0, "\r", NULL, N_("Open the form where it was left (Enter)")},
	{A_DISCARD, 8, "d", N_("Discard"), N_("Discard the draft under the cursor, after asking")},
	{A_SEARCH, 0, "/", NULL, N_("Search")},
	{A_NONE, 0, NULL, NULL, NULL},
};

static const char *
draft_cell(void *ud, size_t row, size_t col, char *buf, size_t bufsz)
{
	drafts_view *d = ud;
	(void)buf;
	(void)bufsz;
	if (row >= d->n)
		return "";
	return col == 0 ? d->rows[row].form : d->rows[row].what;
}

static void
drafts_free_rows(drafts_view *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->rows[i].key);
		free(d->rows[i].form);
		free(d->rows[i].what);
	}
	free(d->rows);
	d->rows = NULL;
	d->n = 0;
}

/* What draft KEY is, in words; false for a key no form of ours keeps. */
static bool
draft_describe(tui *t, const char *key, draft_row *r)
{
	char prefix[64], *end;
	const char *dash = strrchr(key, '-');
	memset(r, 0, sizeof(*r));
	if (dash == NULL || (size_t)(dash - key) >= sizeof(prefix))
		return false;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(dash - key), key);
	if (strcmp(dash + 1, "new") == 0) {
		const sm_form *form = sm_forms_get(t->app->forms, prefix);
		if (form == NULL)
			return false;
		r->kind = sm_kind_parse(prefix);
		r->form = strdup(_(form->title));
		r->what = strdup(_("New application, not yet saved"));
	} else if (strcmp(prefix, "redpage") == 0) {
		long long id = strtoll(dash + 1, &end, 10);
		sm_redpage_view rv;
		if (*end != '\0' || id <= 0 || sm_view_redpage(t->app, id, &rv, NULL) != SM_OK)
			return false;
		r->redpage = true;
		r->case_id = id;
		r->form = strdup(_("Red page"));
		if (asprintf(&r->what, _("Case %lld (%s), changes not yet saved"), id,
		    sm_state_label(rv.state)) < 0)
			r->what = NULL;
		sm_redpage_view_clear(&rv);
	} else if (strncmp(prefix, "act-", 4) == 0 &&
	    sm_action_parse(prefix + 4) != SM_ACTION_NONE) {
		/* an action's form on a case (tui_form_modal) */
		long long id = strtoll(dash + 1, &end, 10);
		sm_case c = {0};
		sm_err *err = sm_err_new();
		bool ok = *end == '\0' && id > 0 && sm_case_read(t->app, id, &c, err) == SM_OK;
		sm_err_free(&err);
		if (!ok)
			return false;
		r->action = sm_action_parse(prefix + 4);
		r->case_id = id;
		r->form = strdup(sm_action_label(r->action));
		if (asprintf(&r->what, _("Case %lld (%s), not yet done"), id,
		    sm_state_label(c.state)) < 0)
			r->what = NULL;
		sm_case_clear(&c);
	} else if (strcmp(prefix, "case") == 0) {
		long long id = strtoll(dash + 1, &end, 10);
		sm_case_view cv;
		sm_err *err = sm_err_new();
		bool ok = *end == '\0' && id > 0 && sm_view_case(t->app, id, &cv, err) == SM_OK;
		sm_err_free(&err);
		if (!ok)
			return false;
		const sm_form *form = sm_forms_get(t->app->forms, sm_kind_name(cv.c.kind));
		r->kind = cv.c.kind;
		r->case_id = id;
		r->form = strdup(form ? _(form->title) : sm_kind_label(cv.c.kind));
		if (asprintf(&r->what, _("Case %lld (%s), changes not yet saved"), id,
		    sm_state_label(cv.c.state)) < 0)
			r->what = NULL;
		sm_case_view_clear(&cv);
	} else {
		return false;
	}
	r->key = strdup(key);
	return r->key && r->form && r->what;
}

static void
drafts_load(drafts_view *d, tui *t)
{
	sm_draft_info *list = NULL;
	size_t n = 0;
	sm_err *err = sm_err_new();
	drafts_free_rows(d);
	if (sm_draft_list(t->app->user.login, &list, &n, err) != SM_OK)
		tui_msg_err(t, err);
	sm_err_free(&err);
	d->rows = n ? calloc(n, sizeof(*d->rows)) : NULL;
	for (size_t i = 0; d->rows && i < n; i++) {
		draft_row r;
		if (draft_describe(t, list[i].key, &r))
			d->rows[d->n++] = r;
		else {
			free(r.key);
			free(r.form);
			free(r.what);
		}
	}
	sm_draft_list_free(&list, n);
	tui_list_reset(d->list, d->n);
}

static void
drafts_draw(tui_view *v, tui *t, int top, int rows)
{
	drafts_view *d = (drafts_view *)v;
	if (d->n == 0) {
		tui_text(top + 1, 2, t->cols - 4,
		    _("No drafts: a form left before it was submitted is kept here."), false);
		return;
	}
	tui_list_draw(d->list, t, top, rows);
}

static int
drafts_handle(tui_view *v, tui *t, enum tui_act act, const tui_key *k)
{
	drafts_view *d = (drafts_view *)v;
	size_t cur = tui_list_current(d->list);
	draft_row *r = cur < d->n ? &d->rows[cur] : NULL;
	(void)k;
	if (act == A_ENTER && r && r->action != SM_ACTION_NONE) {
		sm_case c = {0};
		sm_err *err = sm_err_new();
		if (sm_case_read(t->app, r->case_id, &c, err) == SM_OK)
			tui_case_act(t, r->case_id, c.version, r->action);
		else
			tui_msg_err(t, err);
		sm_case_clear(&c);
		sm_err_free(&err);
		d->v.stale = true;
		return TUI_DRAW | TUI_RELOAD;
	}
	if (act == A_ENTER && r) {
		tui_view *f = r->redpage ? tui_redpage_form(t, r->case_id) :
		    r->kind == SM_KIND_NONE ? tui_unit_info_new(t) :
		    tui_application_form(t, r->kind, r->case_id);
		tui_push(t, f);
		d->v.stale = true;
		return TUI_DRAW;
	}
	if (act == A_DISCARD) {
		char q[512];
		if (r == NULL)
			return TUI_DRAW;
		snprintf(q, sizeof(q), _("Discard the draft of %s (%s)? What was typed in it is lost."),
		    r->form, r->what);
		if (tui_confirm(t, q)) {
			sm_draft_delete(t->app->user.login, r->key);
			tui_msg(t, false, "%s", _("The draft was discarded."));
			drafts_load(d, t);
		}
		return TUI_DRAW;
	}
	return tui_list_handle(d->list, t, act);
}

static void
drafts_reload(tui_view *v, tui *t)
{
	drafts_load((drafts_view *)v, t);
}

static void
drafts_status(tui_view *v, tui *t, char *buf, size_t bufsz)
{
	drafts_view *d = (drafts_view *)v;
	(void)t;
	snprintf(buf, bufsz, dngettext("sitemark", "%zu draft  |  Enter opens, F8 discards",
	    "%zu drafts  |  Enter opens, F8 discards", d->n), d->n);
}

static bool
drafts_offers(tui_view *v, tui *t, enum tui_act act)
{
	(void)t;
	return act != A_DISCARD || ((drafts_view *)v)->n > 0;
}

static void
drafts_destroy(tui_view *v)
{
	drafts_view *d = (drafts_view *)v;
	drafts_free_rows(d);
	tui_list_free(&d->list);
	free(d);
}

static const tui_view_ops drafts_ops = {
	.name = "drafts", .actions = drafts_actions, .draw = drafts_draw, .handle = drafts_handle,
	.reload = drafts_reload, .status = drafts_status, .offers = drafts_offers,
	.destroy = drafts_destroy,
};

tui_view *
tui_drafts_new(tui *t)
{
	drafts_view *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->v.ops = &drafts_ops;
	d->v.title = strdup(_("Drafts"));
	d->list = tui_list_new(draft_cols, sizeof(draft_cols) / sizeof(draft_cols[0]), draft_cell,
	    NULL, d);
	drafts_load(d, t);
	return &d->v;
}
