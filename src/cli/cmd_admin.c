/* cmd_admin.c - init, offices, users, units, audit. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
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
	if (c->role == NULL)
		return cli_usage_error(_("user add needs --role ROLE"));
	sm_role role = sm_role_parse(c->role);
	if (role == SM_ROLE_NONE)
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
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:s?, s:b}",
			    "login", u->login, "role", sm_role_name(u->role), "office", u->office,
			    "office_name", oname,
			    "unit", u->unit > 0 ? json_integer(u->unit) : json_null(),
			    "name", u->name, "locked", u->locked));
		} else {
			char unitbuf[24] = "-";
			if (u->unit > 0)
				snprintf(unitbuf, sizeof(unitbuf), "%lld", (long long)u->unit);
			char *l = sm_text_neutralise(u->login, (size_t)-1, false);
			char *o = sm_text_neutralise(u->office ? u->office : "-", (size_t)-1, false);
			printf("%-16s %-9s %-7s %-8s ", l ? l : "", sm_role_name(u->role), o ? o : "",
			    unitbuf);
			free(l);
			free(o);
			cli_put(u->name ? u->name : "");
			if (oname) { /* the office's name after the columns */
				fputs("  ", stdout);
				cli_put(oname);
			}
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
	int64_t broken = 0, count = 0;
	sm_status st = sm_view_audit_verify(c->app, &broken, &count, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (broken) {
		fprintf(stderr, _("sitemark: the audit log is broken at record %lld (edited, deleted or reordered there)\n"),
		    (long long)broken);
		return 1;
	}
	printf(_("the audit log is intact: %lld records\n"), (long long)count);
	return 0;
}
