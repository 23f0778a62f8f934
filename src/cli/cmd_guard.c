/* cmd_guard.c - integrity on guard: audit verify against the anchors,
 * check (for cron), backup and restore. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sm_i18n.h"

/* Say what checking the audit log against its anchors found: 0 when all
 * holds, else 1 (the first record that no longer matches on stderr). */
int
cli_report_audit(const sm_audit_check *a)
{
	if (a->broken_seq) {
		fprintf(stderr, _("sitemark: the audit log is broken at record %lld (edited, deleted or reordered there)\n"),
		    (long long)a->broken_seq);
		return 1;
	}
	if (a->tail_deleted) {
		fprintf(stderr, _("sitemark: the audit log ends at record %lld, but record %lld was anchored at %s (%s): the records from %lld on were deleted\n"),
		    (long long)a->head_seq, (long long)a->anchor_seq, a->anchor_at, a->anchors_path,
		    (long long)a->first_bad);
		return 1;
	}
	if (a->anchor_seq) {
		fprintf(stderr, _("sitemark: audit record %lld no longer matches its anchor of %s (%s): the log was rewritten from record %lld on (or later) and its chain computed again\n"),
		    (long long)a->anchor_seq, a->anchor_at, a->anchors_path, (long long)a->first_bad);
		return 1;
	}
	if (a->anchors_missing) {
		fprintf(stderr, _("sitemark: the audit log's chain holds (%lld records), but its anchors file %s is missing: without it a deleted tail of the log cannot be seen.  Bring the file back (a database moved or restored needs its anchors file beside it), or compare the log with the anchors in syslog; a new anchors file is started only by creating it empty\n"),
		    (long long)a->count, a->anchors_path);
		return 1;
	}
	printf(_("the audit log is intact: %lld records\n"), (long long)a->count);
	if (a->anchors_path[0] == '\0') {
		/* a cluster has no file beside it: anchors only where
		 * audit.anchors says, and in syslog */
		cli_putln(_("anchors: no file (the store is a cluster and audit.anchors names none: set it, on a file system the cluster's writers cannot reach); they go to syslog only"));
		if (a->anchored)
			printf(_("record %lld anchored in syslog only\n"), (long long)a->head_seq);
		return 0;
	}
	printf(_("anchors: %zu in %s agree with it\n"), a->anchors, a->anchors_path);
	if (a->anchored)
		printf(_("record %lld anchored\n"), (long long)a->head_seq);
	return 0;
}

int
cmd_check(cli *c)
{
	sm_check_report r;
	sm_err *problems = sm_err_new();
	if (problems == NULL) {
		fprintf(stderr, "sitemark: %s\n", _("out of memory"));
		return 1;
	}
	sm_status st = sm_view_check(c->app, c->anchors, &r, problems, c->err);
	if (st != SM_OK) {
		sm_err_free(&problems);
		return cli_fail(c, st);
	}
	if (r.was_broken) {
		/* the mark is a file anyone of the group may write: neutralised */
		char *line = NULL;
		if (asprintf(&line, _("the database was marked damaged: %s\n"), r.was_broken) >= 0) {
			line[strcspn(line, "\n")] = '\0';
			cli_putln(line);
			free(line);
		}
	}
	if (r.integrity_ok)
		printf("%s\n", _("integrity check: ok"));
	else
		fprintf(stderr, "%s\n", _("sitemark: the database fails SQLite's integrity check:"));
	cli_print_problems(c, problems);
	sm_err_free(&problems);
	int rc = r.audit_read ? cli_report_audit(&r.audit) : 1;
	if (r.cleared)
		printf("%s\n", _("the damage mark is removed: the database takes changes again"));
	if (!r.ok) {
		if (!r.integrity_ok)
			fprintf(stderr, "%s\n", _("sitemark: no changes are taken until the check passes: restore the last good backup with 'sitemark --db NEW restore BACKUP'"));
		rc = 1;
	} else
		printf("%s\n", _("all well"));
	sm_check_report_clear(&r);
	return rc;
}

int
cmd_backup(cli *c)
{
	int64_t records = 0;
	sm_status st = sm_view_backup(c->app, c->args[0], &records, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	printf(_("backup written to %s and verified (integrity check ok, audit log intact: %lld records)\n"),
	    c->args[0], (long long)records);
	return 0;
}

int
cmd_restore(cli *c)
{
	sm_app_opts o = {.db_path = c->db, .config_path = c->config, .mode = SM_OPEN_EXISTING};
	char *login = c->as ? strdup(c->as) : sm_app_unix_login();
	char *dest = NULL;
	int64_t records = 0;
	sm_status st = sm_app_restore(&o, login, c->args[0], c->force, &dest, &records, c->warn,
	    c->err);
	free(login);
	cli_print_problems(c, c->warn);
	if (st != SM_OK) {
		free(dest);
		return cli_fail(c, st);
	}
	printf(_("%s restored into %s and verified (audit log intact: %lld records)\n"),
	    c->args[0], dest, (long long)records);
	free(dest);
	return 0;
}

/* store status: the backend; for a cluster its nodes, their roles, the
 * leader, and how each answers itself.  Without a leader, the nodes
 * configured as they answered, and the failure. */
int
cmd_store_status(cli *c)
{
	sm_app_opts o = {.db_path = c->db, .config_path = c->config, .mode = SM_OPEN_EXISTING};
	sm_backend_status s;
	sm_status st = sm_view_store_status(&o, &s, c->warn, c->err);
	cli_print_problems(c, c->warn);
	if (st != SM_OK && s.n == 0) {
		sm_backend_status_clear(&s);
		return cli_fail(c, st);
	}
	if (c->json) {
		json_t *nodes = json_array();
		for (size_t i = 0; i < s.n; i++) {
			const sm_backend_node *n = &s.nodes[i];
			json_t *one = json_object();
			if (n->id != 0)
				json_object_set_new(one, "id", json_integer((json_int_t)n->id));
			json_object_set_new(one, "address", json_string(n->address));
			json_object_set_new(one, "role", n->role ? json_string(n->role) : json_null());
			json_object_set_new(one, "leader", json_boolean(n->leader));
			json_object_set_new(one, "reachable", json_boolean(n->reachable));
			if (n->reachable) {
				json_object_set_new(one, "answer_us", json_integer((json_int_t)(n->ms * 1000)));
				json_object_set_new(one, "names_leader",
				    n->names && *n->names ? json_string(n->names) : json_null());
			} else {
				json_object_set_new(one, "error", json_string(n->why ? n->why : ""));
			}
			json_array_append_new(nodes, one);
		}
		json_t *obj = json_pack("{s:s, s:s?, s:s?, s:o}", "backend", s.backend, "database",
		    s.database, "leader", s.leader, "nodes", nodes);
		cli_print_json(obj);
		json_decref(obj);
	} else {
		printf(_("backend: %s\n"), s.backend);
		if (s.database) {
			printf("%s", _("database: "));
			cli_putln(s.database);
		}
		if (s.leader) {
			printf("%s", _("leader: "));
			cli_putln(s.leader);
		} else if (s.n > 0) {
			cli_putln(_("leader: none found"));
		}
		for (size_t i = 0; i < s.n; i++) {
			char *line = sm_backend_node_line(&s.nodes[i], s.leader);
			if (line)
				cli_putln(line);
			free(line);
		}
	}
	sm_backend_status_clear(&s);
	return st == SM_OK ? 0 : cli_fail(c, st);
}
