/* cmd_admin.c - init, offices, users, units, audit. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sm_calendar.h"
#include "sm_demo.h"
#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_view.h"
#include "sm_workflow.h"

int
cmd_init(cli *c)
{
	char *login = c->as ? strdup(c->as) : sm_app_unix_login();
	bool created = false;
	sm_status st = sm_first_admin(c->app, login, &created, c->err);
	if (st != SM_OK) {
		free(login);
		return cli_fail(c, st);
	}
	if (created) {
		char *clean = sm_text_neutralise(login, (size_t)-1, false);
		printf(_("%s is the first system administrator\n"), clean ? clean : "");
		free(clean);
	}
	if (c->demo) {
		if (!sm_view_db_empty(c->app)) {
			free(login);
			sm_err_add(c->err, SM_E_STATE, NULL,
			    _("demo data goes only into a new database: %s already has data"),
			    c->app->db_path);
			return cli_fail(c, SM_E_STATE);
		}
		if ((st = sm_app_login(c->app, login, c->err)) != SM_OK ||
		    (st = sm_demo_build(c->app, c->err)) != SM_OK) {
			free(login);
			return cli_fail(c, st);
		}
		printf(_("demo data added\n"));
	}
	char *path = sm_text_neutralise(c->app->db_path, (size_t)-1, false);
	printf(_("database %s is ready (schema %d)\n"), path ? path : "",
	    sm_view_schema_version(c->app));
	free(path);
	free(login);
	return 0;
}

int
cmd_office_add(cli *c)
{
	if (c->name == NULL)
		return cli_usage_error(_("usage: sitemark %s"), _("office add CODE --name NAME"));
	sm_status st = sm_office_add(c->app, c->args[0], c->name, c->err);
	return st == SM_OK ? 0 : cli_fail(c, st);
}

int
cmd_user_add(cli *c)
{
	/* without --role: an account awaiting the security administrator's grant */
	sm_role role = SM_ROLE_NONE;
	if (c->role && (role = sm_role_parse(c->role)) == SM_ROLE_NONE)
		return cli_bad_word(c, "role", c->role);
	sm_user u = {
		.login = c->args[0], .role = role, .office = (char *)c->office,
		.name = (char *)c->name, .mobile = (char *)c->mobile, .email = (char *)c->email,
	};
	if (c->unit && (u.unit = cli_parse_id(c->unit, "--unit")) < 0)
		return 2;
	sm_status st = sm_user_add(c->app, &u, c->err);
	return st == SM_OK ? 0 : cli_fail(c, st);
}

int
cmd_user_list(cli *c)
{
	sm_user *users = NULL;
	size_t n = 0;
	sm_role role = SM_ROLE_NONE;
	if (c->role && (role = sm_role_parse(c->role)) == SM_ROLE_NONE)
		return cli_bad_word(c, "role", c->role);
	sm_status st = sm_view_users(c->app, role, &users, &n, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	json_t *arr = c->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		sm_user *u = &users[i];
		char *oname = u->office ? sm_view_office_name(c->app, u->office) : NULL;
		if (arr) {
			json_t *asks = u->asked_role == SM_ROLE_NONE ? json_null() :
			    json_pack("{s:s, s:s?, s:o}", "role", sm_role_name(u->asked_role),
			    "office", u->asked_office,
			    "unit", u->asked_unit > 0 ? json_integer(u->asked_unit) : json_null());
			json_array_append_new(arr, json_pack("{s:s, s:s?, s:s?, s:s?, s:o, s:s?, s:b, s:b, s:o}",
			    "login", u->login, "role", sm_role_name(u->role), "office", u->office,
			    "office_name", oname,
			    "unit", u->unit > 0 ? json_integer(u->unit) : json_null(),
			    "name", u->name, "locked", u->locked, "disabled", u->disabled,
			    "asks", asks));
		} else {
			char unitbuf[24] = "-";
			if (u->unit > 0)
				snprintf(unitbuf, sizeof(unitbuf), "%lld", (long long)u->unit);
			char *l = sm_text_neutralise(u->login, (size_t)-1, false);
			char *o = sm_text_neutralise(u->office ? u->office : "-", (size_t)-1, false);
			printf("%-16s %-9s %-7s %-8s ", l ? l : "",
			    u->role != SM_ROLE_NONE ? sm_role_name(u->role) : "-", o ? o : "", unitbuf);
			free(l);
			free(o);
			cli_put(u->name ? u->name : "");
			if (oname) { /* the office's name after the columns */
				fputs("  ", stdout);
				cli_put(oname);
			}
			if (u->asked_role != SM_ROLE_NONE) {
				/* created for a role the security administrator has to grant */
				printf("  [%s: %s", _("asks"), sm_role_name(u->asked_role));
				if (u->asked_office)
					printf(" %s", u->asked_office);
				if (u->asked_unit > 0)
					printf(" #%lld", (long long)u->asked_unit);
				putchar(']');
			}
			if (u->disabled)
				printf("  [%s]", _("disabled"));
			if (u->locked)
				printf("  [%s]", _("locked"));
			putchar('\n');
		}
		free(oname);
		sm_user_clear(u);
	}
	free(users);
	if (arr) {
		cli_print_json(arr);
		json_decref(arr);
	}
	return 0;
}

int
cmd_unit_register(cli *c)
{
	int64_t id = 0;
	if (c->values == NULL)
		return cli_usage_error(_("usage: sitemark %s"), _("unit register --values FILE [--login LOGIN]"));
	json_t *v = cli_load_values(c, c->values);
	if (v == NULL)
		return 1;
	sm_status st = sm_unit_register(c->app, v, c->login, &id, c->err);
	json_decref(v);
	if (st != SM_OK)
		return cli_fail(c, st);
	printf("%lld\n", (long long)id);
	return 0;
}

int
cmd_unit_edit(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the unit id"));
	if (id < 0)
		return 2;
	if (c->values == NULL)
		return cli_usage_error(_("usage: sitemark %s"),
		    _("unit edit ID --values FILE [--expect-version N]"));
	json_t *v = cli_load_values(c, c->values);
	if (v == NULL)
		return 1;
	sm_status st = sm_unit_edit(c->app, id, v, c->expect_version, c->err);
	json_decref(v);
	return st == SM_OK ? 0 : cli_fail(c, st);
}

int
cmd_unit_list(cli *c)
{
	sm_unit *units = NULL;
	size_t n = 0;
	if (c->text == NULL)
		return cli_usage_error(_("usage: sitemark %s"), _("unit list --text TEXT"));
	sm_status st = sm_view_units_search(c->app, c->text, 0, &units, &n, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	json_t *arr = c->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		const sm_unit *u = &units[i];
		char *oname = sm_view_office_name(c->app, u->office);
		if (arr) {
			json_array_append_new(arr, json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:O?, s:I}",
			    "id", (json_int_t)u->id, "name", u->name, "type", sm_unit_type_name(u->type),
			    "uscc", u->uscc, "office", u->office, "office_name", oname,
			    "values", u->values, "version", (json_int_t)u->version));
		} else {
			/* id, USCC, name, office by code and name; data neutralised */
			printf("%-8lld ", (long long)u->id);
			cli_put(u->uscc);
			fputs("  ", stdout);
			cli_put(u->name);
			fputs("  ", stdout);
			cli_put(u->office);
			fputs(" ", stdout);
			cli_putln(oname ? oname : "");
		}
		free(oname);
	}
	sm_units_free(&units, n);
	if (arr) {
		cli_print_json(arr);
		json_decref(arr);
	}
	return 0;
}

int
cmd_audit_verify(cli *c)
{
	sm_audit_check a;
	sm_status st = sm_view_audit_check(c->app, c->anchors, &a, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	return cli_report_audit(&a);
}

/* ------------------------------------------------------------ the three administrators */

/* Say "WHAT: DONE" (neutralised: WHAT is a login or a code), or why the
 * operation was refused. */
static int
report(cli *c, sm_status st, const char *what, const char *done)
{
	char line[512];
	if (st != SM_OK)
		return cli_fail(c, st);
	snprintf(line, sizeof(line), "%s: %s", what, done);
	cli_putln(line);
	return 0;
}

int
cmd_user_edit(cli *c)
{
	if (c->name == NULL && c->mobile == NULL && c->email == NULL)
		return cli_usage_error(_("usage: sitemark %s"),
		    _("user edit LOGIN [--name N] [--mobile M] [--email E]"));
	return report(c, sm_user_edit(c->app, c->args[0], c->name, c->mobile, c->email, c->err),
	    c->args[0], _("account changed"));
}

int
cmd_user_disable(cli *c)
{
	return report(c, sm_user_enable(c->app, c->args[0], false, c->err), c->args[0],
	    _("account disabled"));
}

int
cmd_user_enable(cli *c)
{
	return report(c, sm_user_enable(c->app, c->args[0], true, c->err), c->args[0],
	    _("account enabled"));
}

int
cmd_policy_show(cli *c)
{
	sm_policy_item items[SM_POLICY_COUNT];
	sm_status st = sm_view_policy(c->app, items, c->err);
	if (st != SM_OK) {
		sm_policy_items_clear(items);
		return cli_fail(c, st);
	}
	json_t *obj = c->json ? json_object() : NULL;
	for (int k = 0; k < SM_POLICY_COUNT; k++) {
		const sm_policy_item *it = &items[k];
		if (obj) {
			json_object_set_new(obj, sm_policy_name(it->key), json_pack("{s:s, s:s, s:s?, s:s?}",
			    "value", it->value, "source", it->set_by ? "policy" : "configuration",
			    "set_by", it->set_by, "set_at", it->set_at));
			continue;
		}
		printf("%-20s %-24s ", sm_policy_name(it->key), it->value);
		if (it->set_by) {
			char *who = sm_text_neutralise(it->set_by, (size_t)-1, false);
			printf(_("(set by %s at %s)"), who ? who : "", it->set_at ? it->set_at : "");
			free(who);
		} else {
			fputs(_("(the configuration's)"), stdout);
		}
		printf("  %s\n", _(sm_policy_label(it->key)));
	}
	sm_policy_items_clear(items);
	if (obj) {
		cli_print_json(obj);
		json_decref(obj);
	}
	return 0;
}

int
cmd_policy_set(cli *c)
{
	return report(c, sm_policy_set(c->app, c->args[0], c->args[1], c->err), c->args[0],
	    c->args[1]);
}

int
cmd_user_role(cli *c)
{
	sm_role role = sm_role_parse(c->args[1]);
	if (role == SM_ROLE_NONE)
		return cli_bad_word(c, "role", c->args[1]);
	return report(c, sm_user_set_role(c->app, c->args[0], role, c->office, c->err), c->args[0],
	    sm_role_label(role));
}

int
cmd_user_lock(cli *c)
{
	return report(c, sm_user_lock(c->app, c->args[0], true, c->err), c->args[0],
	    _("account locked"));
}

int
cmd_user_unlock(cli *c)
{
	return report(c, sm_user_lock(c->app, c->args[0], false, c->err), c->args[0],
	    _("account unlocked"));
}

/* The security administrator enrols LOGIN's second factor: the secret is
 * printed here once, for the account's holder, and never again. */
int
cmd_user_totp(cli *c)
{
	char *secret = NULL, *uri = NULL;
	sm_status st = sm_auth_totp_enrol(c->app, c->args[0], &secret, &uri, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "login", c->args[0], "secret", secret,
		    "uri", uri);
		cli_print_json(j);
		json_decref(j);
	} else {
		char line[512];
		snprintf(line, sizeof(line), "%s: %s", c->args[0], _("second factor enrolled"));
		cli_putln(line);
		printf("%s: %s\n", _("secret (base32)"), secret);
		printf("%s: %s\n", _("for the authenticator app"), uri);
		printf("%s\n", _("Give these to the account's holder only: they are shown this once and never again. The app shows a 6-digit code every 30 seconds."));
	}
	free(secret);
	free(uri);
	return 0;
}

int
cmd_office_edit(cli *c)
{
	if (c->name == NULL)
		return cli_usage_error(_("usage: sitemark %s"), _("office edit CODE --name NAME"));
	return report(c, sm_office_edit(c->app, c->args[0], c->name, c->err), c->args[0],
	    _("office changed"));
}

int
cmd_office_disable(cli *c)
{
	return report(c, sm_office_enable(c->app, c->args[0], false, c->err), c->args[0],
	    _("office disabled"));
}

int
cmd_office_enable(cli *c)
{
	return report(c, sm_office_enable(c->app, c->args[0], true, c->err), c->args[0],
	    _("office enabled"));
}

static json_t *
event_json_as_is(const sm_event *e)
{
	json_t *values = e->values ? json_loads(e->values, 0, NULL) : NULL;
	return json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:s?, s:s?, s:s?, s:s?, s:s?,"
	    " s:o, s:s?, s:s?, s:s?}",
	    "seq", (json_int_t)e->seq, "at", e->at, "actor", e->actor, "role", e->role,
	    "ssh_client", e->ssh_client, "object", e->object,
	    "object_id", e->object_id > 0 ? json_integer(e->object_id) : json_null(),
	    "object_key", e->object_key, "action", e->action, "from", e->from_state,
	    "to", e->to_state, "reason", e->reason, "values", values ? values : json_null(),
	    "request_id", e->request_id, "prev_hash", e->prev_hash, "hash", e->hash);
}

/* A record as JSON, never left out: one whose text is not UTF-8 (changed
 * outside sitemark; audit verify finds it) is shown with those bytes as
 * "\xNN", as on the terminal.  NULL only when memory is short. */
static json_t *
event_json(const sm_event *e)
{
	json_t *j = event_json_as_is(e);
	if (j != NULL)
		return j;
	sm_event n = *e;
	char **f[] = {&n.at, &n.actor, &n.role, &n.ssh_client, &n.object, &n.object_key, &n.action,
	    &n.from_state, &n.to_state, &n.reason, &n.values, &n.request_id, &n.prev_hash, &n.hash};
	size_t k = sizeof(f) / sizeof(f[0]);
	for (size_t i = 0; i < k; i++)
		*f[i] = *f[i] ? sm_text_neutralise(*f[i], (size_t)-1, true) : NULL;
	j = event_json_as_is(&n);
	for (size_t i = 0; i < k; i++)
		free(*f[i]);
	return j;
}

int
cmd_audit_show(cli *c)
{
	sm_audit_filter f = {.actor = c->user, .action = c->action};
	char since[16];
	/* an action by its name or its label, as in the console */
	if (c->action && (f.action = sm_event_parse(c->action)) == NULL) {
		sm_err_add(c->err, SM_E_INVALID, "action", _("no audit record has the action '%s'"),
		    c->action);
		return cli_fail(c, SM_E_INVALID);
	}
	if (c->case_id && (f.case_id = cli_parse_id(c->case_id, "--case")) < 0)
		return 2;
	if (c->since) {
		sm_date d = sm_date_parse(c->since);
		if (d == SM_DATE_NONE)
			return cli_usage_error(_("--since takes a date YYYY-MM-DD"));
		f.since = sm_date_format(d, since, sizeof(since));
	}
	sm_audit_page p;
	sm_status st = sm_view_audit(c->app, &f, &p, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	json_t *arr = c->json ? json_array() : NULL;
	for (size_t i = 0; i < p.n; i++) {
		const sm_event *e = &p.events[i];
		if (arr) {
			if (json_array_append_new(arr, event_json(e)) != 0) {
				json_decref(arr);
				sm_audit_page_clear(&p);
				sm_err_add(c->err, SM_E_NOMEM, NULL, _("out of memory"));
				return cli_fail(c, SM_E_NOMEM);
			}
			continue;
		}
		char obj[160];
		if (e->object_id > 0)
			snprintf(obj, sizeof(obj), "%s %lld", e->object ? e->object : "",
			    (long long)e->object_id);
		else
			snprintf(obj, sizeof(obj), "%s %s", e->object ? e->object : "",
			    e->object_key ? e->object_key : "");
		char line[1024];
		snprintf(line, sizeof(line), "%6lld  %.19s  %-12s %-9s %-16s %-22s %s%s%s",
		    (long long)e->seq, e->at ? e->at : "", e->actor ? e->actor : "",
		    e->role ? e->role : "-", e->action ? e->action : "", obj,
		    e->from_state ? e->from_state : "", e->to_state ? " -> " : "",
		    e->to_state ? e->to_state : "");
		cli_putln(line);
	}
	sm_audit_page_clear(&p);
	if (arr) {
		cli_print_json(arr);
		json_decref(arr);
	}
	return 0;
}
