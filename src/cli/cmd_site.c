/* cmd_site.c - site export; redpage show, edit, publish. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sm_i18n.h"
#include "sm_view.h"
#include "sm_workflow.h"

int
cmd_site_export(cli *c)
{
	sm_site_stats s;
	sm_status st = sm_view_site_export(c->app, c->nargs > 0 ? c->args[0] : NULL, &s, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "marks", (json_int_t)s.marks,
		    "invalid", (json_int_t)s.invalid, "redpages", (json_int_t)s.redpages,
		    "skipped", (json_int_t)s.skipped, "files", (json_int_t)s.files,
		    "written", (json_int_t)s.written, "unchanged", (json_int_t)s.unchanged);
		cli_print_json(o);
		json_decref(o);
	} else {
		printf(_("site export: %lld marks (%lld no longer valid), %lld red pages; "
		    "%lld files, %lld written, %lld unchanged\n"), (long long)s.marks,
		    (long long)s.invalid, (long long)s.redpages, (long long)s.files,
		    (long long)s.written, (long long)s.unchanged);
		if (s.skipped > 0)
			printf(_("site export: %lld marks skipped: their code or GUID is malformed\n"),
			    (long long)s.skipped);
	}
	return 0;
}

static void
field_json(const char *id, const char *label, const char *text, void *ud)
{
	json_array_append_new(ud, json_pack("{s:s, s:s, s:s}", "id", id, "label", label,
	    "text", text));
}

static void
field_text(const char *id, const char *label, const char *text, void *ud)
{
	(void)id;
	(void)ud;
	cli_print_field(label, text);
}

/* redpage show ID: the page as it stands (the draft, else what was
 * published), as text; --json with both. */
int
cmd_redpage_show(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	sm_redpage_view v;
	if (id < 0)
		return 2;
	sm_status st = sm_view_redpage(c->app, id, &v, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	const json_t *shown = v.draft ? v.draft : v.published;
	if (c->json) {
		json_t *fields = json_array();
		sm_site_redpage_each(c->app, v.certificate, shown, field_json, fields);
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:O?, s:s?, s:I, s:O?, s:b, s:o}",
		    "case", (json_int_t)v.case_id, "state", sm_state_name(v.state),
		    "url", v.page_url, "mark", v.code, "published", v.published,
		    "published_at", v.published_at, "published_version",
		    (json_int_t)v.published_version, "draft_values", v.draft, "may_publish", v.may_publish,
		    "fields", fields);
		cli_print_json(o);
		json_decref(o);
	} else {
		if (v.published)
			printf(_("Red page of case %lld: published %.10s\n"), (long long)v.case_id,
			    v.published_at ? v.published_at : "");
		else
			printf(_("Red page of case %lld: not published yet\n"), (long long)v.case_id);
		if (v.draft)
			printf("%s\n", _("Shown: the draft, not yet published"));
		cli_print_field(_("Web address"), v.page_url);
		printf("\n");
		sm_site_redpage_each(c->app, v.certificate, shown, field_text, NULL);
		printf("\n");
		cli_print_field(_("Mark code"), v.code);
		cli_print_field(_("Footer mark"), v.script_url);
	}
	sm_redpage_view_clear(&v);
	return 0;
}

int
cmd_redpage_edit(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	if (id < 0)
		return 2;
	if (c->values == NULL)
		return cli_usage_error(_("usage: sitemark %s"), _("redpage edit ID --values FILE"));
	json_t *v = cli_load_values(c, c->values);
	if (v == NULL)
		return 1;
	sm_status st = sm_redpage_save(c->app, id, v, c->err);
	json_decref(v);
	if (st != SM_OK)
		return cli_fail(c, st);
	printf(_("red page of case %lld: draft kept; 'sitemark redpage publish %lld' publishes it\n"),
	    (long long)id, (long long)id);
	return 0;
}

int
cmd_redpage_publish(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	json_t *v = NULL;
	if (id < 0)
		return 2;
	if (c->values && (v = cli_load_values(c, c->values)) == NULL)
		return 1;
	sm_status st = sm_redpage_publish(c->app, id, v, c->expect_version, c->err);
	json_decref(v);
	if (st != SM_OK)
		return cli_fail(c, st);
	sm_redpage_view rv;
	if (sm_view_redpage(c->app, id, &rv, NULL) == SM_OK) {
		printf(_("red page of case %lld published: %s\n"), (long long)id, rv.page_url);
		sm_redpage_view_clear(&rv);
	}
	return 0;
}
