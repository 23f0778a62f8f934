/* cmd_case.c - case new, edit, act, show, list, note; mark show. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sm_i18n.h"
#include "sm_view.h"
#include "sm_workflow.h"

int
cmd_case_new(cli *c)
{
	json_t *v = NULL;
	int64_t id = 0;
	/* as interfaces.md has it: a new case is made from a values file (an
	 * empty one makes an empty draft), never by a forgotten option */
	if (c->values == NULL)
		return cli_usage_error(_("usage: sitemark %s"), _("case new KIND --values FILE"));
	if ((v = cli_load_values(c, c->values)) == NULL)
		return 1;
	sm_kind kind = sm_kind_parse(c->args[0]);
	if (kind == SM_KIND_NONE) {
		json_decref(v);
		return cli_bad_word(c, "kind", c->args[0]);
	}
	sm_status st = sm_case_new(c->app, kind, v, &id, c->err);
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
	sm_state state = SM_STATE_NONE;
	sm_case cs = {0};
	sm_status st;

	if (id < 0)
		return 2;
	sm_action action = sm_action_parse(c->args[1]);
	if (action == SM_ACTION_NONE)
		return cli_bad_word(c, "action", c->args[1]);
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
		.case_id = id, .action = action, .values = v, .reason = c->reason,
		.expect_version = version, .request_id = c->request_id,
	};
	st = sm_case_act(c->app, &act, &state, c->err);
	json_decref(v);
	const char *unsure = st != SM_OK ? sm_case_act_unsure(c->app) : NULL;
	if (unsure != NULL)
		sm_err_add(c->err, st, NULL, _("(sitemark case act %lld %s ... --request-id %s)"),
		    (long long)id, sm_action_name(action), unsure);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		sm_case_view cv;
		if (sm_view_case(c->app, id, &cv, c->err) == SM_OK) {
			json_t *o = cli_case_json(&cv.c, cv.days_over, &cv.mark, &cv);
			cli_print_json(o);
			json_decref(o);
			sm_case_view_clear(&cv);
		}
	} else {
		printf(_("case %lld: %s\n"), (long long)id, sm_state_label(state));
	}
	return 0;
}

int
cmd_case_show(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	sm_case_view cv;
	if (id < 0)
		return 2;
	sm_status st = sm_view_case(c->app, id, &cv, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		json_t *o = cli_case_json(&cv.c, cv.days_over, &cv.mark, &cv);
		cli_print_json(o);
		json_decref(o);
	} else {
		cli_print_case(c, &cv);
	}
	sm_case_view_clear(&cv);
	return 0;
}

int
cmd_case_list(cli *c)
{
	sm_case_query q = {.waiting = c->queue, .text = c->text, .marks = c->json};
	sm_case_page p;
	const char *bad = NULL;
	if (c->kind && (q.kind = sm_kind_parse(c->kind)) == SM_KIND_NONE)
		return cli_bad_word(c, "kind", c->kind);
	if (c->state && !sm_states_parse(c->state, &q.states, &bad)) {
		char word[64];
		size_t n = strcspn(bad, ",");
		snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) ? n : sizeof(word) - 1), bad);
		return cli_bad_word(c, "state", word);
	}
	sm_status st = sm_view_cases(c->app, &q, &p, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		json_t *arr = json_array();
		sm_office *offices = NULL; /* their names beside the codes */
		size_t n_offices = 0;
		if (sm_view_offices(c->app, &offices, &n_offices, NULL) != SM_OK)
			n_offices = 0;
		for (size_t i = 0; i < p.n; i++) {
			json_t *o = cli_case_json(&p.cases[i], p.days_over[i],
			    p.marks ? &p.marks[i] : NULL, NULL);
			json_object_set_new(o, "notice_failed", json_boolean(p.notice_failed[i]));
			for (size_t k = 0; p.cases[i].office && k < n_offices; k++)
				if (strcmp(offices[k].code, p.cases[i].office) == 0)
					json_object_set_new(o, "office_name", json_string(offices[k].name));
			json_array_append_new(arr, o);
		}
		for (size_t k = 0; k < n_offices; k++)
			sm_office_clear(&offices[k]);
		free(offices);
		cli_print_json(arr);
		json_decref(arr);
	} else {
		cli_print_case_list(c, &p);
	}
	sm_case_page_clear(&p);
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

/* unmask ID FIELD --reason TEXT: the value alone, on a line of its own. */
int
cmd_unmask(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	char *value = NULL;
	if (id < 0)
		return 2;
	if (c->reason == NULL)
		return cli_usage_error(_("usage: sitemark %s"), _("unmask ID FIELD --reason TEXT"));
	sm_status st = sm_unmask(c->app, id, c->args[1], c->reason, &value, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	cli_putln(value);
	free(value);
	return 0;
}

int
cmd_mark_show(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	sm_mark m = {0};
	if (id < 0)
		return 2;
	sm_status st = sm_view_mark(c->app, id, &m, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		json_t *o = cli_mark_json(&m);
		cli_print_json(o);
		json_decref(o);
	} else {
		cli_print_mark(c, &m);
	}
	sm_mark_clear(&m);
	return 0;
}
