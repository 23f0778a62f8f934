/* cmd_marks.c - the mark monitor on the command line: marks check (for cron
 * and the systemd timer) and marks report. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_workflow.h"

struct check_out {
	cli *c;
	bool progress;       /* a progress line on standard error (a terminal) */
	bool line_shown;
};

static void
clear_progress(struct check_out *o)
{
	if (o->line_shown) {
		fputs("\r\033[K", stderr);
		o->line_shown = false;
	}
}

static void
on_progress(void *ud, const sm_monitor_totals *t)
{
	struct check_out *o = ud;
	if (!o->progress)
		return;
	fprintf(stderr, "\r\033[K");
	fprintf(stderr, _("checked %zu of %zu marks, %zu pages; %zu failed"), t->read, t->marks_total,
	    t->pages, t->read_failed);
	fflush(stderr);
	o->line_shown = true;
}

static json_t *
page_json(const sm_page_result *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "url", json_string(p->url ? p->url : ""));
	if (p->final_url)
		json_object_set_new(o, "final_url", json_string(p->final_url));
	json_object_set_new(o, "status", json_integer(p->status));
	json_object_set_new(o, "verdict", json_string(sm_page_verdict_name(p->verdict)));
	if (p->where != SM_WHERE_NONE)
		json_object_set_new(o, "where", json_string(sm_mark_where_name(p->where)));
	json_object_set_new(o, "title_ok", p->title_ok < 0 ? json_null() : json_boolean(p->title_ok));
	if (p->title && sm_text_valid_utf8(p->title, (size_t)-1))
		json_object_set_new(o, "title", json_string(p->title));
	char why[1024];
	const char *d = p->detail ? sm_page_detail_text(p->detail, why, sizeof(why)) : NULL;
	if (d && sm_text_valid_utf8(d, (size_t)-1))
		json_object_set_new(o, "detail", json_string(d));
	json_object_set_new(o, "bytes", json_integer(p->bytes));
	json_object_set_new(o, "ms", json_integer(p->ms));
	if (p->http > 0)
		json_object_set_new(o, "http", json_integer(p->http));
	return o;
}

json_t *
cli_mark_check_json(const sm_mark_check *mc)
{
	json_t *o = json_object(), *pages = json_array();
	if (mc->id > 0)
		json_object_set_new(o, "check", json_integer(mc->id));
	json_object_set_new(o, "case", json_integer(mc->case_id));
	if (mc->at)
		json_object_set_new(o, "at", json_string(mc->at));
	if (mc->code)
		json_object_set_new(o, "code", json_string(mc->code));
	json_object_set_new(o, "state", json_string(sm_state_name(mc->state)));
	json_object_set_new(o, "pass", json_boolean(mc->pass));
	for (size_t i = 0; i < mc->n_pages; i++)
		json_array_append_new(pages, page_json(&mc->pages[i]));
	json_object_set_new(o, "pages", pages);
	return o;
}

/* One page as a line: verdict, where, status, URL, title hint, detail. */
void
cli_print_page(const sm_page_result *p)
{
	fputs("  ", stdout);
	cli_put(p->verdict == SM_PAGE_PASS ? _("PASS") : _("FAIL"));
	fputs("  ", stdout);
	cli_put(p->url);
	if (p->final_url) {
		fputs(" -> ", stdout);
		cli_put(p->final_url);
	}
	if (p->status > 0)
		printf(" [%ld]", p->status);
	fputs("\n      ", stdout);
	cli_put(sm_page_verdict_label(p->verdict));
	if (p->where != SM_WHERE_NONE && p->where != SM_WHERE_MISSING) {
		fputs(": ", stdout);
		cli_put(sm_mark_where_label(p->where));
	}
	if (p->title_ok == 0) {
		fputs("; ", stdout);
		cli_put(_("the page title differs from the site name"));
		fputs(": ", stdout);
		cli_put(p->title);
	}
	if (p->detail) {
		char why[1024];
		fputs(" (", stdout);
		cli_put(sm_page_detail_text(p->detail, why, sizeof(why)));
		fputs(")", stdout);
	}
	putchar('\n');
}

static void
on_mark(void *ud, const sm_mark_check *mc, const sm_monitor_totals *t)
{
	struct check_out *o = ud;
	(void)t;
	clear_progress(o);
	if (o->c->json) {
		json_t *j = cli_mark_check_json(mc);
		if (mc->applied != SM_ACTION_NONE)
			json_object_set_new(j, "action", json_string(sm_action_name(mc->applied)));
		if (mc->problem)
			json_object_set_new(j, "problem", json_string(mc->problem));
		cli_print_json(j);
		json_decref(j);
		return;
	}
	printf(_("case %lld"), (long long)mc->case_id);
	fputs(" ", stdout);
	cli_put(mc->code);
	fputs(" ", stdout);
	cli_put(mc->site_name);
	fputs(": ", stdout);
	cli_put(sm_mark_check_headline(mc));
	if (mc->applied != SM_ACTION_NONE) {
		fputs(" -> ", stdout);
		cli_put(sm_action_label(mc->applied));
		if (o->c->dry_run) {
			fputs(" ", stdout);
			cli_put(_("(dry run: not done)"));
		}
	}
	putchar('\n');
	if (mc->problem) {
		fputs("  ", stdout);
		cli_putln(mc->problem);
	}
	for (size_t i = 0; i < mc->n_pages; i++)
		cli_print_page(&mc->pages[i]);
	fflush(stdout);
}

int
cmd_marks_check(cli *c)
{
	sm_monitor_opts o = {.resolve = c->resolve, .n_resolve = (size_t)c->n_resolve,
	    .office = c->office, .dry_run = c->dry_run, .on_mark = on_mark,
	    .on_progress = on_progress};
	struct check_out out = {.c = c, .progress = isatty(STDERR_FILENO) && !c->json};
	sm_monitor_totals t;
	o.ud = &out;
	if (c->unit && (o.unit = cli_parse_id(c->unit, "--unit")) < 0)
		return 2;
	if (c->case_id && (o.case_id = cli_parse_id(c->case_id, "--case")) < 0)
		return 2;
	sm_status st = sm_marks_check(c->app, &o, &t, c->err);
	clear_progress(&out);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		json_t *j = json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}}", "totals",
		    "marks", (json_int_t)t.marks, "passed", (json_int_t)t.passed,
		    "failed", (json_int_t)t.failed, "pages", (json_int_t)t.pages,
		    "hung", (json_int_t)t.hung, "flagged", (json_int_t)t.flagged,
		    "not_applied", (json_int_t)t.not_applied, "dry_run", c->dry_run);
		cli_print_json(j);
		json_decref(j);
	} else {
		printf(_("%zu marks checked (%zu pages): %zu passed, %zu failed; %zu now hung, %zu flagged missing"),
		    t.marks, t.pages, t.passed, t.failed, t.hung, t.flagged);
		putchar('\n');
	}
	/* the exit status says whether every mark passed (cron mails the rest):
	 * 3, not 1, so that a check that ran is told from one refused (no
	 * database, an account refused), which must not pass unnoticed */
	return t.failed > 0 || t.not_applied > 0 ? 3 : 0;
}

/* A CSV field: quoted when it holds a comma, a quote or a line break;
 * neutralised like everything printed. */
static void
csv_field(const char *s, bool last)
{
	char *clean = sm_text_neutralise(s ? s : "", (size_t)-1, false);
	const char *v = clean ? clean : "";
	if (strpbrk(v, ",\"\n\r") || (*v == '=' || *v == '+' || *v == '-' || *v == '@')) {
		putchar('"');
		if (*v == '=' || *v == '+' || *v == '-' || *v == '@')
			putchar('\''); /* not a formula in a spreadsheet */
		for (const char *p = v; *p; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	} else {
		fputs(v, stdout);
	}
	putchar(last ? '\n' : ',');
	free(clean);
}

int
cmd_marks_report(cli *c)
{
	sm_mark_report_row *rows = NULL;
	size_t n = 0;
	sm_status st = sm_view_marks_report(c->app, &rows, &n, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++) {
			sm_mark_report_row *r = &rows[i];
			json_t *o = json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:i}",
			    "case", (json_int_t)r->case_id, "office", r->office, "office_name",
			    r->office_name, "unit", r->unit_name, "domain", r->domain, "code", r->code,
			    "hosting", r->hosting, "due", r->due, "days_over", r->days_over);
			if (o && r->checked_at)
				json_object_set_new(o, "last_check", json_pack("{s:s, s:b, s:I, s:I}",
				    "at", r->checked_at, "pass", r->check_pass, "pages",
				    (json_int_t)r->pages, "passed", (json_int_t)r->pages_passed));
			json_array_append_new(a, o);
		}
		cli_print_json(a);
		json_decref(a);
	} else if (c->csv) {
		csv_field("office", false);
		csv_field("office_name", false);
		csv_field("case", false);
		csv_field("unit", false);
		csv_field("domain", false);
		csv_field("code", false);
		csv_field("hosting", false);
		csv_field("due", false);
		csv_field("days_over", false);
		csv_field("last_check", false);
		csv_field("last_verdict", false);
		csv_field("pages_passed", true);
		for (size_t i = 0; i < n; i++) {
			sm_mark_report_row *r = &rows[i];
			char id[24], over[16], pages[48];
			snprintf(id, sizeof(id), "%lld", (long long)r->case_id);
			snprintf(over, sizeof(over), "%d", r->days_over);
			snprintf(pages, sizeof(pages), "%zu/%zu", r->pages_passed, r->pages);
			csv_field(r->office, false);
			csv_field(r->office_name, false);
			csv_field(id, false);
			csv_field(r->unit_name, false);
			csv_field(r->domain, false);
			csv_field(r->code, false);
			csv_field(r->hosting, false);
			csv_field(r->due, false);
			csv_field(over, false);
			csv_field(r->checked_at, false);
			csv_field(r->checked_at ? (r->check_pass ? "pass" : "fail") : "", false);
			csv_field(r->checked_at ? pages : "", true);
		}
	} else {
		const char *office = NULL;
		for (size_t i = 0; i < n; i++) {
			sm_mark_report_row *r = &rows[i];
			if (office == NULL || strcmp(office, r->office ? r->office : "") != 0) {
				office = r->office ? r->office : "";
				cli_put(office);
				fputs(" ", stdout);
				cli_putln(r->office_name);
			}
			printf("  %-6lld ", (long long)r->case_id);
			cli_put(r->code);
			fputs("  ", stdout);
			cli_put(r->unit_name);
			fputs("  ", stdout);
			cli_put(r->domain);
			fputs("  ", stdout);
			printf(_("due %s"), r->due ? r->due : "-");
			if (r->days_over > 0) {
				fputs("  ", stdout);
				printf(_("%d working days overdue"), r->days_over);
			}
			if (r->checked_at) {
				fputs("  ", stdout);
				printf(_("last check %s: %zu of %zu pages pass"), r->checked_at,
				    r->pages_passed, r->pages);
			} else if (r->hosting && strcmp(r->hosting, "own") != 0) {
				fputs("  ", stdout);
				cli_put(_("red page: not checked"));
			}
			putchar('\n');
		}
		printf(_("%zu marks not hung"), n);
		putchar('\n');
	}
	sm_mark_report_free(&rows, n);
	return 0;
}
