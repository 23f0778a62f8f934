/* cli_out.c - what the command line prints: problems, cases, marks.
 * Every string that came from data is neutralised before it is printed. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sm_calendar.h"
#include "sm_i18n.h"
#include "sm_priv.h"
#include "sm_text.h"
#include "sm_view.h"
#include "sm_workflow.h"
#include "sm_yaml.h"

void
cli_put(const char *s)
{
	char *clean = sm_text_neutralise(s ? s : "", (size_t)-1, true);
	fputs(clean ? clean : "", stdout);
	free(clean);
}

void
cli_putln(const char *s)
{
	cli_put(s);
	putchar('\n');
}

/* S on stdout, neutralised, its later lines indented by INDENT columns:
 * a value of several lines in a column of the output stays in it, and
 * cannot pass for lines of the output's own (a reason that fakes a row of
 * the history). */
static void
put_indented(const char *s, int indent)
{
	char *clean = sm_text_neutralise(s ? s : "", (size_t)-1, true);
	const char *p = clean ? clean : "", *nl;
	while ((nl = strchr(p, '\n')) != NULL) {
		fwrite(p, 1, (size_t)(nl - p) + 1, stdout);
		printf("%*s", indent, "");
		p = nl + 1;
	}
	fputs(p, stdout);
	free(clean);
}

static void
eput(const char *s)
{
	char *clean = sm_text_neutralise(s ? s : "", (size_t)-1, false);
	fputs(clean ? clean : "", stderr);
	free(clean);
}

void
cli_print_problems(const cli *c, const sm_err *err)
{
	(void)c;
	for (size_t i = 0; i < sm_err_count(err); i++) {
		fputs("sitemark: ", stderr);
		if (sm_err_field(err, i)) {
			eput(sm_err_field(err, i));
			fputs(": ", stderr);
		}
		eput(sm_err_msg(err, i));
		fputc('\n', stderr);
	}
}

int
cli_fail(cli *c, sm_status status)
{
	if (sm_err_count(c->err) == 0 && status != SM_OK)
		sm_err_add(c->err, status, NULL, _("failed"));
	cli_print_problems(c, c->err);
	sm_err_clear(c->err);
	return sm_status_exit_code(status);
}

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	fputs("sitemark: ", stderr);
	va_start(ap, fmt);
	/* the words are the caller's, maybe data: neutralise them too */
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	eput(msg ? msg : fmt);
	free(msg);
	fputc('\n', stderr);
	fprintf(stderr, _("Try 'sitemark --help' for more information.\n"));
	return 2;
}

void
cli_print_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (s == NULL)
		return;
	/* jansson escapes only U+0000-U+001F: the C1 controls (a terminal takes
	 * U+009B for CSI) and the invisible characters sm_text_neutralise shows
	 * as <U+XXXX> (bidi, zero-width, separators, soft hyphen, tags) would
	 * reach the terminal raw.  They can only stand inside strings, where
	 * a \u escape of four hex digits means the same. */
	const char *end = s + strlen(s); /* not strlen(p) each time: the output may be megabytes */
	for (const char *p = s; *p; ) {
		unsigned int cp = 0;
		size_t len = sm_utf8_decode(p, (size_t)(end - p), &cp);
		if (len > 1 && sm_text_cp_escaped(cp)) {
			/* the tag characters lie above U+FFFF: a surrogate pair */
			if (cp > 0xFFFF)
				printf("\\u%04X\\u%04X", 0xD800 + ((cp - 0x10000) >> 10),
				    0xDC00 + ((cp - 0x10000) & 0x3FF));
			else
				printf("\\u%04X", cp);
			p += len;
		} else {
			putchar(*p++);
		}
	}
	putchar('\n');
	free(s);
}

json_t *
cli_load_values(cli *c, const char *path)
{
	json_t *v = NULL;
	if (sm_priv_active()) {
		/* the caller's file, read with the caller's own identity */
		FILE *f = sm_priv_fopen(path, "rb");
		size_t cap = SM_YAML_MAX_BYTES + 2, len;
		char *buf = f ? malloc(cap) : NULL;
		if (f == NULL)
			sm_err_add(c->err, SM_E_IO, NULL, _("%s: cannot open: %s"), path, strerror(errno));
		else if (buf == NULL)
			sm_err_add(c->err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
		else if ((len = fread(buf, 1, cap, f)) > 0 || !ferror(f))
			v = sm_values_load_buffer(buf, len, path, c->err);
		else
			sm_err_add(c->err, SM_E_IO, NULL, _("%s: cannot open: %s"), path, strerror(EIO));
		free(buf);
		if (f)
			fclose(f);
	} else {
		v = sm_values_load_file(path, c->err);
	}
	if (v == NULL)
		cli_fail(c, sm_err_status(c->err) ? sm_err_status(c->err) : SM_E_INVALID);
	return v;
}

int
cli_bad_word(cli *c, const char *what, const char *word)
{
	char list[256];
	if (strcmp(what, "kind") == 0)
		sm_err_add(c->err, SM_E_INVALID, what, _("unknown case kind '%s': one of %s"), word,
		    sm_words_list(sm_kind_words, SM_KIND_COUNT, list, sizeof(list)));
	else if (strcmp(what, "state") == 0)
		sm_err_add(c->err, SM_E_INVALID, what, _("unknown state '%s': one of %s"), word,
		    sm_words_list(sm_state_words, SM_STATE_COUNT, list, sizeof(list)));
	else if (strcmp(what, "action") == 0)
		sm_err_add(c->err, SM_E_INVALID, what, _("unknown action '%s': one of %s"), word,
		    sm_words_list(sm_action_words, SM_ACTION_COUNT, list, sizeof(list)));
	else
		sm_err_add(c->err, SM_E_INVALID, what, _("unknown role '%s': one of %s"), word,
		    sm_words_list(sm_role_words, SM_ROLE_COUNT, list, sizeof(list)));
	return cli_fail(c, SM_E_INVALID);
}

int64_t
cli_parse_id(const char *s, const char *what)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || v < 1 || errno == ERANGE) {
		cli_usage_error(_("%s must be a positive whole number, not '%s'"), what, s);
		return -1;
	}
	return v;
}

/* ------------------------------------------------------------ JSON */

static json_t *
jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
cli_mark_json(const sm_mark *m)
{
	return json_pack("{s:s?, s:s?, s:O?, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "code", m->code, "snippet", m->snippet, "certificate", m->certificate,
	    "guid", m->guid, "color", m->color, "cert_no", m->cert_no,
	    "issued_at", m->issued_at, "hang_due", m->hang_due);
}

static json_t *
actions_json(const sm_action *a, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(sm_action_name(a[i])));
	return arr;
}

json_t *
cli_case_json(const sm_case *cs, int days_over, const sm_mark *m, const sm_case_view *v)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(cs->id));
	json_object_set_new(o, "kind", json_string(sm_kind_name(cs->kind)));
	json_object_set_new(o, "state", json_string(sm_state_name(cs->state)));
	json_object_set_new(o, "version", json_integer(cs->version));
	json_object_set_new(o, "unit", json_integer(cs->unit));
	json_object_set_new(o, "unit_name", jstr_or_null(cs->unit_name));
	json_object_set_new(o, "unit_type", jstr_or_null(sm_unit_type_name(cs->unit_type)));
	json_object_set_new(o, "office", jstr_or_null(cs->office));
	if (v)
		json_object_set_new(o, "office_name", jstr_or_null(v->office_name));
	json_object_set_new(o, "domain", jstr_or_null(cs->domain_unicode));
	json_object_set_new(o, "domain_ace", jstr_or_null(cs->domain));
	json_object_set(o, "values", cs->values ? cs->values : json_object());
	json_t *hints = json_array();
	size_t i;
	json_t *h;
	json_array_foreach(cs->hints, i, h)
		json_array_append_new(hints, json_pack("{s:s, s:s}", "code", json_string_value(h),
		    "text", _(sm_hint_label(json_string_value(h)))));
	json_object_set_new(o, "hints", hints);
	json_object_set_new(o, "deadline", jstr_or_null(cs->due));
	json_object_set_new(o, "deadline_kind", jstr_or_null(cs->due_kind));
	json_object_set_new(o, "deadline_uncertain", json_boolean(cs->due_uncertain));
	json_object_set_new(o, "days_over", json_integer(days_over));
	json_object_set_new(o, "submitted_by", jstr_or_null(cs->submitted_by));
	json_object_set_new(o, "created_at", jstr_or_null(cs->created_at));
	json_object_set_new(o, "updated_at", jstr_or_null(cs->updated_at));
	json_object_set_new(o, "mark", m && m->code ? cli_mark_json(m) : json_null());
	if (v == NULL)
		return o;

	json_object_set_new(o, "days_left", json_integer(v->days_left));
	if (v->fee_due)
		json_object_set_new(o, "fee", json_pack("{s:o, s:o, s:b, s:o}",
		    "amount", jstr_or_null(v->fee_amount), "how", jstr_or_null(v->fee_how),
		    "configured", v->fee_amount != NULL || v->fee_how != NULL,
		    "text", jstr_or_null(v->fee_text)));
	json_object_set(o, "unit_values", v->unit.values ? v->unit.values : json_object());
	json_object_set_new(o, "unit_version", json_integer(v->unit.version)); /* unit edit --expect-version */
	json_object_set_new(o, "actions", actions_json(v->actions, v->n_actions));
	json_object_set_new(o, "may_print", json_boolean(v->may_print)); /* sitemark print */
	json_t *hist = json_array();
	for (i = 0; i < v->n_history; i++) {
		const sm_event *ev = &v->history[i];
		json_t *vals = ev->values ? json_loads(ev->values, JSON_DECODE_ANY, NULL) : NULL;
		json_array_append_new(hist, json_pack("{s:s, s:o, s:o, s:s, s:s?, s:s, s:o, s:o}",
		    "action", ev->action, "from", jstr_or_null(ev->from_state),
		    "to", jstr_or_null(ev->to_state), "by", ev->actor, "role", ev->role,
		    "at", ev->at, "reason", jstr_or_null(ev->reason),
		    "values", vals ? vals : json_null()));
	}
	json_object_set_new(o, "history", hist);

	json_t *outbox = json_array(), *notices = json_array();
	bool failed = false;
	for (i = 0; i < v->n_notices; i++) {
		const sm_notice *nt = &v->notices[i];
		json_array_append_new(outbox, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s}",
		    "id", nt->msg_id, "event", nt->event, "channel", nt->channel,
		    "recipient", nt->recipient, "subject", nt->subject, "body", nt->body,
		    "status", nt->status));
		json_t *nj = json_pack("{s:s, s:s, s:s, s:i}",
		    "channel", nt->channel, "event", nt->event, "status", nt->status,
		    "attempts", nt->attempts);
		/* where delivery stands: why the last attempt failed, the next
		 * one, when it was sent */
		json_object_set_new(nj, "reason", jstr_or_null(nt->last_error));
		json_object_set_new(nj, "next_attempt", jstr_or_null(nt->next_at));
		json_object_set_new(nj, "sent_at", jstr_or_null(nt->sent_at));
		json_array_append_new(notices, nj);
		if (sm_notice_failed(nt))
			failed = true;
	}
	json_object_set_new(o, "outbox", outbox);
	json_object_set_new(o, "notices", notices);
	json_object_set_new(o, "notice_failed", json_boolean(failed));
	if (v->n_notes > 0) {
		json_t *notes = json_array();
		for (i = 0; i < v->n_notes; i++)
			json_array_append_new(notes, json_pack("{s:s, s:s, s:s}", "by", v->notes[i].author,
			    "at", v->notes[i].at, "text", v->notes[i].text));
		json_object_set_new(o, "notes", notes);
	}
	if (v->check.id > 0)
		json_object_set_new(o, "mark_check", cli_mark_check_json(&v->check));
	return o;
}

/* ------------------------------------------------------------ text */

/* where the later lines of a reason or a note go: deeper than the rows of
 * the history and the notes (2) */
#define HISTORY_MORE 6

static void
print_field(const char *lbl, const char *value)
{
	char pad[128];
	sm_text_pad(pad, sizeof(pad), lbl, 18, '>');
	fputs("  ", stdout);
	fputs(pad, stdout);
	fputs(" ", stdout);
	put_indented(value, 2 + (int)sm_text_width(pad) + 1);
	putchar('\n');
}

void
cli_print_field(const char *lbl, const char *value)
{
	/* a text of several lines: its lines under one another */
	const char *v = value ? value : "", *nl;
	while ((nl = strchr(v, '\n')) != NULL) {
		char *line = strndup(v, (size_t)(nl - v));
		print_field(lbl, line ? line : "");
		free(line);
		lbl = "";
		v = nl + 1;
	}
	print_field(lbl, v);
}

static void
value_line(const sm_field *field, const char *lbl, const char *text, void *ud)
{
	(void)field;
	(void)ud;
	print_field(lbl, text);
}

void
cli_print_case(cli *c, const sm_case_view *v)
{
	char buf[256];
	const sm_case *cs = &v->c;
	const sm_form *form = sm_forms_get(c->app->forms, sm_kind_name(cs->kind));

	printf(_("Case %lld: %s\n"), (long long)cs->id, sm_kind_label(cs->kind));
	print_field(_("State"), sm_state_label(cs->state));
	for (size_t k = 0; k < v->n_notices; k++)
		if (sm_notice_failed(&v->notices[k])) {
			printf("! %s\n", _("A notification was given up: the office should reach the unit another way."));
			break;
		}
	print_field(_("Unit"), cs->unit_name);
	print_field(_("Unit type"), sm_unit_type_label(cs->unit_type));
	print_field(_("USCC"), cs->unit_uscc);
	snprintf(buf, sizeof(buf), "%s%s%s", cs->office ? cs->office : "",
	    v->office_name ? " " : "", v->office_name ? v->office_name : "");
	print_field(_("Office"), buf);
	if (cs->domain_unicode)
		print_field(_("Domain"), cs->domain_unicode);
	if (cs->due) {
		if (v->days_over > 0)
			snprintf(buf, sizeof(buf), _("%s (%d working days over)"), cs->due, v->days_over);
		else
			snprintf(buf, sizeof(buf), "%s%s", cs->due,
			    cs->due_uncertain ? _(" (uncertain: past the calendar)") : "");
		print_field(_("Deadline"), buf);
	}
	if (v->fee_due) {
		/* the fee to pay and how (configuration "fee") */
		if (v->fee_amount)
			print_field(_("Fee"), v->fee_amount);
		if (v->fee_how) {
			char *how = strdup(v->fee_how), *save = NULL;
			bool first = true;
			for (char *l = how ? strtok_r(how, "\n", &save) : NULL; l;
			    l = strtok_r(NULL, "\n", &save), first = false)
				print_field(first ? _("How to pay") : "", l);
			free(how);
		}
		if (v->fee_amount == NULL && v->fee_how == NULL)
			print_field(_("Fee"), v->fee_text);
	}
	if (form) {
		printf("%s\n", _(form->title));
		sm_form_each_value(form, cs->values, value_line, NULL);
	}
	const sm_form *uf = sm_forms_get(c->app->forms, "unit");
	if (uf) {
		printf("%s\n", _("The unit"));
		sm_form_each_value(uf, v->unit.values, value_line, NULL);
	}
	size_t i;
	json_t *h;
	if (json_array_size(cs->hints) > 0) {
		printf("%s\n", _("Hints for reviewers:"));
		json_array_foreach(cs->hints, i, h) {
			fputs("  - ", stdout);
			cli_putln(_(sm_hint_label(json_string_value(h))));
		}
	}
	if (v->mark.code) {
		printf("%s\n", _("Mark:"));
		print_field(_("Mark code"), v->mark.code);
		print_field(_("Certificate no."), v->mark.cert_no);
		print_field(_("Hang by"), v->mark.hang_due);
	}
	if (v->n_history > 0)
		printf("%s\n", _("History:"));
	for (i = 0; i < v->n_history; i++) {
		const sm_event *ev = &v->history[i];
		/* the audit rows are data: every part is neutralised */
		fputs("  ", stdout);
		cli_put(ev->at);
		fputs("  ", stdout);
		cli_put(ev->actor);
		fputs("  ", stdout);
		cli_put(sm_event_label(ev->action));
		if (ev->from_state && ev->to_state && strcmp(ev->from_state, ev->to_state)) {
			fputs("  ", stdout);
			cli_put(sm_state_label(sm_state_parse(ev->from_state)));
			fputs(" -> ", stdout);
			cli_put(sm_state_label(sm_state_parse(ev->to_state)));
		}
		if (ev->reason) {
			fputs("  ", stdout);
			put_indented(ev->reason, HISTORY_MORE);
		}
		putchar('\n');
	}
	if (v->n_notices > 0)
		printf("%s\n", _("Notifications:"));
	for (i = 0; i < v->n_notices; i++) {
		const sm_notice *nt = &v->notices[i];
		char *st = sm_notice_status_text(nt);
		/* the recipient and the reasons are data: neutralised */
		printf("  %s, %s, ", sm_notice_channel_label(nt->channel),
		    sm_notice_event_label(nt->event));
		cli_put(nt->recipient);
		fputs(": ", stdout);
		cli_putln(st ? st : "");
		free(st);
	}
	if (v->n_notes > 0)
		printf("%s\n", _("Staff notes:"));
	for (i = 0; i < v->n_notes; i++) {
		fputs("  ", stdout);
		cli_put(v->notes[i].at);
		fputs("  ", stdout);
		cli_put(v->notes[i].author);
		fputs("  ", stdout);
		put_indented(v->notes[i].text, HISTORY_MORE);
		putchar('\n');
	}
	if (v->check.id > 0) {
		/* the mark monitor's latest check, page by page */
		printf(_("Mark check %lld at %s: %s"), (long long)v->check.id, v->check.at,
		    sm_mark_check_headline(&v->check));
		putchar('\n');
		for (i = 0; i < v->check.n_pages; i++)
			cli_print_page(&v->check.pages[i]);
	}
	if (v->n_actions > 0) {
		size_t len = 0;
		buf[0] = '\0';
		for (i = 0; i < v->n_actions && len < sizeof(buf); i++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s (%s)", i ? ", " : "",
			    sm_action_label(v->actions[i]), sm_action_name(v->actions[i]));
		print_field(_("You may"), buf);
	}
}

void
cli_print_case_list(cli *c, const sm_case_page *p)
{
	char id[32], a[64], b[64], d[128], e[128], f[64];
	(void)c;
	printf("%s %s %s %s %s %s\n", sm_text_pad(id, sizeof(id), _("No."), 7, '>'),
	    sm_text_pad(a, sizeof(a), _("Kind"), 12, '>'),
	    sm_text_pad(b, sizeof(b), _("State"), 14, '>'),
	    sm_text_pad(d, sizeof(d), _("Unit"), 24, '>'),
	    sm_text_pad(e, sizeof(e), _("Domain"), 24, '>'), _("Due"));
	for (size_t i = 0; i < p->n; i++) {
		const sm_case *cs = &p->cases[i];
		char *name = sm_text_neutralise(cs->unit_name ? cs->unit_name : "", (size_t)-1, false);
		char *dom = sm_text_neutralise(cs->domain_unicode ? cs->domain_unicode : "",
		    (size_t)-1, false);
		char *due = sm_text_neutralise(cs->due ? cs->due : "", (size_t)-1, false);
		int over = p->days_over[i];
		if (over > 0)
			snprintf(f, sizeof(f), _("%s +%d"), due ? due : "", over);
		else
			snprintf(f, sizeof(f), "%s", due ? due : "");
		/* a notification to the unit was given up: for its office */
		if (p->notice_failed && p->notice_failed[i])
			snprintf(f + strlen(f), sizeof(f) - strlen(f), " !");
		printf("%-7lld %s %s %s %s %s\n", (long long)cs->id,
		    sm_text_pad(a, sizeof(a), sm_kind_label(cs->kind), 12, '>'),
		    sm_text_pad(b, sizeof(b), sm_state_label(cs->state), 14, '>'),
		    sm_text_pad(d, sizeof(d), name ? name : "", 24, '>'),
		    sm_text_pad(e, sizeof(e), dom ? dom : "", 24, '>'), f);
		free(name);
		free(dom);
		free(due);
	}
}

void
cli_print_mark(cli *c, const sm_mark *m)
{
	(void)c;
	printf(_("Mark of case %lld\n"), (long long)m->case_id);
	print_field(_("Mark code"), m->code);
	print_field(_("Colour"), strcmp(m->color, "red") == 0 ? _("red") : _("blue"));
	print_field(_("GUID"), m->guid);
	print_field(_("Issued"), m->issued_at);
	print_field(_("Hang by"), m->hang_due);
	printf("%s\n", _("Paste this before </body> on every page, at the bottom centre:"));
	cli_putln(m->snippet);
	printf("%s\n", _("Certificate:"));
	const json_t *cert = m->certificate;
	print_field(_("Unit name"), json_string_value(json_object_get(cert, "unit_name")));
	print_field(_("Unit type"), sm_unit_type_label(sm_unit_type_parse(
	    json_string_value(json_object_get(cert, "unit_type")))));
	print_field(_("Address"), json_string_value(json_object_get(cert, "address")));
	print_field(_("Functions"), json_string_value(json_object_get(cert, "functions")));
	print_field(_("Website name"), json_string_value(json_object_get(cert, "site_name")));
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(cert, "domains"), i, d)
		print_field(i == 0 ? _("Domains") : "", json_string_value(d));
	print_field(_("Certificate no."), m->cert_no);
	print_field(_("Issued by"), _("China Organizational Name Administration Center (CONAC)"));
	print_field(_("Issued on"), m->issued_at);
}
