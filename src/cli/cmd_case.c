/* cmd_case.c - case new, edit, act, show, list, note; mark show. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sm_i18n.h"
#include "sm_workflow.h"

int
cmd_case_new(cli *c)
{
	json_t *v = NULL;
	int64_t id = 0;
	if (c->values && (v = cli_load_values(c, c->values)) == NULL)
		return 1;
	sm_status st = sm_case_new(c->app, c->args[0], v, &id, c->err);
	json_decref(v);
	if (st != SM_OK)
		return cli_fail(c, st);
	printf("%lld\n", (long long)id);
	return 0;
}

int
cmd_case_edit(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	if (id < 0)
		return 2;
	if (c->values == NULL)
		return cli_usage_error(_("usage: sitemark %s"), _("case edit ID --values FILE"));
	json_t *v = cli_load_values(c, c->values);
	if (v == NULL)
		return 1;
	sm_status st = sm_case_edit(c->app, id, v, c->expect_version, c->err);
	json_decref(v);
	return st == SM_OK ? 0 : cli_fail(c, st);
}

int
cmd_case_act(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	json_t *v = NULL;
	char *state = NULL;
	sm_case cs = {0};
	sm_status st;

	if (id < 0)
		return 2;
	if (c->values && (v = cli_load_values(c, c->values)) == NULL)
		return 1;
	/* The version the user acts on: --expect-version, else the one read now. */
	int64_t version = c->expect_version;
	if (version == 0) {
		if ((st = sm_case_read(c->app, id, &cs, c->err)) != SM_OK) {
			json_decref(v);
			return cli_fail(c, st);
		}
		version = cs.version;
		sm_case_clear(&cs);
	}
	sm_act act = {
		.case_id = id, .action = c->args[1], .values = v, .reason = c->reason,
		.expect_version = version, .request_id = c->request_id,
	};
	st = sm_case_act(c->app, &act, &state, c->err);
	json_decref(v);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		if (sm_case_read(c->app, id, &cs, c->err) == SM_OK) {
			json_t *o = cli_case_json(c, &cs, true);
			cli_print_json(o);
			json_decref(o);
			sm_case_clear(&cs);
		}
	} else {
		const char *l = sm_name_label(sm_states, state);
		printf(_("case %lld: %s\n"), (long long)id, l ? _(l) : state);
	}
	free(state);
	return 0;
}

int
cmd_case_show(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	sm_case cs = {0};
	if (id < 0)
		return 2;
	sm_status st = sm_case_read(c->app, id, &cs, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		json_t *o = cli_case_json(c, &cs, true);
		cli_print_json(o);
		json_decref(o);
	} else {
		cli_print_case(c, &cs);
	}
	sm_case_clear(&cs);
	return 0;
}

int
cmd_case_list(cli *c)
{
	sm_case *cases = NULL;
	size_t n = 0;
	if (c->kind && sm_name_label(sm_kinds, c->kind) == NULL) {
		sm_err_add(c->err, SM_E_INVALID, "kind",
		    _("unknown case kind '%s': one of domain, site, mark"), c->kind);
		return cli_fail(c, SM_E_INVALID);
	}
	if (c->state) {
		char *copy = strdup(c->state), *save = NULL;
		for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save))
			if (sm_name_label(sm_states, s) == NULL)
				sm_err_add(c->err, SM_E_INVALID, "state",
				    _("unknown state '%s': one of draft, office_review, conac_review, returned, awaiting_payment, registered, paper_pending, mark_issued, mark_hung, withdrawn"),
				    s);
		free(copy);
		if (sm_err_count(c->err) > 0)
			return cli_fail(c, SM_E_INVALID);
	}
	sm_case_filter f = {.state = c->state, .kind = c->kind, .text = c->text};
	sm_status st = sm_case_query(c->app, &f, c->queue, &cases, &n, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, cli_case_json(c, &cases[i], false));
		cli_print_json(arr);
		json_decref(arr);
	} else {
		cli_print_case_list(c, cases, n);
	}
	sm_cases_free(&cases, n);
	return 0;
}

int
cmd_case_note(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	if (id < 0)
		return 2;
	if (c->text == NULL)
		return cli_usage_error(_("usage: sitemark %s"), _("case note ID --text TEXT"));
	sm_status st = sm_case_note(c->app, id, c->text, c->err);
	return st == SM_OK ? 0 : cli_fail(c, st);
}

int
cmd_mark_show(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	sm_case cs = {0};
	sm_mark m = {0};
	if (id < 0)
		return 2;
	sm_status st = sm_case_read(c->app, id, &cs, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	st = sm_store_mark_get(c->app->store, id, &m, c->err);
	if (st == SM_E_NOTFOUND) {
		sm_err_add(c->err, SM_E_NOTFOUND, NULL, _("case %lld has no mark yet"), (long long)id);
		sm_case_clear(&cs);
		return cli_fail(c, SM_E_NOTFOUND);
	}
	if (st != SM_OK) {
		sm_case_clear(&cs);
		return cli_fail(c, st);
	}
	if (c->json) {
		json_t *o = cli_mark_json(&m);
		cli_print_json(o);
		json_decref(o);
	} else {
		cli_print_mark(c, &cs, &m);
	}
	sm_mark_clear(&m);
	sm_case_clear(&cs);
	return 0;
}
