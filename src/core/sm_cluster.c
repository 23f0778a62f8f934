/* sm_cluster.c - where the data lives: the store's backend and, for a dqlite
 * cluster, its members, their roles and its leader (sitemark store status). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_config.h"
#include "sm_db.h"
#include "sm_dqlite_proto.h"
#include "sm_i18n.h"
#include "sm_view.h"

void
sm_backend_status_clear(sm_backend_status *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++) {
		free(st->nodes[i].address);
		free(st->nodes[i].names);
		free(st->nodes[i].why);
	}
	free(st->nodes);
	free(st->database);
	free(st->leader);
	memset(st, 0, sizeof(*st));
}

/* Ask each of OUT's nodes itself which node leads (all at once, TIMEOUT
 * ms at most, SM_PROBE_MS at most). */
static sm_status
probe(sm_backend_status *out, int timeout, sm_err *err)
{
	if (out->n == 0)
		return SM_OK;
	char **addrs = calloc(out->n, sizeof(*addrs));
	sm_dq_probe *p = calloc(out->n, sizeof(*p));
	sm_status st = SM_OK;
	if (addrs == NULL || p == NULL) {
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto done;
	}
	for (size_t i = 0; i < out->n; i++)
		addrs[i] = out->nodes[i].address;
	if (sm_dq_probe_nodes(addrs, out->n, timeout < SM_PROBE_MS ? timeout : SM_PROBE_MS, p) !=
	    SM_DQ_OK)
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	for (size_t i = 0; i < out->n; i++) {
		sm_backend_node *o = &out->nodes[i];
		o->reachable = p[i].answered;
		o->ms = p[i].ms;
		o->names = p[i].leader;
		o->why = p[i].why;
		p[i].leader = p[i].why = NULL;
	}
done:
	free(addrs);
	free(p);
	return st;
}

/* Without a leader: the nodes of ADDRS as configured, each as it
 * answers (roles unknown). */
static sm_status
configured(char *const *addrs, size_t n, int timeout, sm_backend_status *out, sm_err *err)
{
	if ((out->nodes = calloc(n ? n : 1, sizeof(*out->nodes))) == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	for (size_t i = 0; i < n; i++) {
		if ((out->nodes[i].address = strdup(addrs[i])) == NULL)
			return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		out->n++;
	}
	return probe(out, timeout, err);
}

/* Ask the cluster of NODES (host:port, ...) who leads and who belongs,
 * waiting TIMEOUT ms at most; then each member itself. */
static sm_status
ask_cluster(const char *list, int timeout, sm_backend_status *out, sm_err *err)
{
	size_t n = 0, nn = 0;
	char **addrs = sm_dq_split(list, &n);
	sm_dq_conn *c = NULL;
	sm_dq_node *nodes = NULL;
	char *why = NULL;
	sm_status st = SM_OK;

	if (addrs == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	if (n == 0)
		st = sm_err_add(err, SM_E_STORE, NULL,
		    _("store.backend is dqlite but store.nodes names no node: list the cluster's nodes (host:port)"));
	else if (sm_dq_connect_leader(addrs, n, timeout, &c, &why) != SM_DQ_OK) {
		st = sm_err_add(err, SM_E_STORE, NULL,
		    _("cannot reach the sitemark cluster (%s) within %d ms: %s. Check that its nodes run and that a majority of them is up"),
		    list, timeout, why ? why : "");
		configured(addrs, n, timeout, out, err);
	}
	else if (sm_dq_cluster(c, &nodes, &nn) != SM_DQ_OK)
		st = sm_err_add(err, SM_E_STORE, NULL, _("the leader %s did not list the cluster: %s"),
		    sm_dq_address(c), sm_dq_fail_msg(c));
	else if ((out->leader = strdup(sm_dq_address(c))) == NULL ||
	    (out->nodes = calloc(nn ? nn : 1, sizeof(*out->nodes))) == NULL)
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	else {
		for (size_t i = 0; i < nn; i++) {
			sm_backend_node *o = &out->nodes[out->n++];
			o->id = nodes[i].id;
			o->address = nodes[i].address;
			nodes[i].address = NULL;
			o->role = sm_dq_role_name(nodes[i].role);
			o->leader = strcmp(o->address, out->leader) == 0;
		}
	}
	sm_dq_nodes_free(nodes, nn);
	sm_dq_close(c);
	if (st == SM_OK)
		st = probe(out, timeout, err);
	free(why);
	sm_dq_split_free(addrs, n);
	return st;
}

/* The status of the store TARGET (a file, or "dqlite:NODES[;timeout=MS]"
 * as sm_app_db_path gives it). */
static sm_status
status_of(const char *target, sm_backend_status *out, sm_err *err)
{
	if (strncmp(target, SM_DB_DQLITE_PREFIX, strlen(SM_DB_DQLITE_PREFIX)) != 0) {
		out->backend = "sqlite";
		if ((out->database = strdup(target)) == NULL)
			return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		return SM_OK;
	}
	out->backend = "dqlite";
	int timeout;
	char *nodes = sm_dq_target_nodes(target + strlen(SM_DB_DQLITE_PREFIX), 5000, &timeout);
	out->database = nodes;
	if (nodes == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	return ask_cluster(nodes, timeout, out, err);
}

sm_status
sm_view_store_status(const sm_app_opts *opts, sm_backend_status *out, sm_err *warn, sm_err *err)
{
	sm_config *cfg = NULL;
	sm_status st;
	memset(out, 0, sizeof(*out));
	if ((st = sm_config_load(opts->config_path, &cfg, warn, err)) != SM_OK)
		return st;
	char *target = sm_app_db_path(opts->db_path, cfg);
	sm_config_free(&cfg);
	if (target == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	st = status_of(target, out, err);
	free(target);
	return st;
}

sm_status
sm_view_app_store_status(sm_app *app, sm_backend_status *out, sm_err *err)
{
	memset(out, 0, sizeof(*out));
	return status_of(app->db_path, out, err);
}

/* The roles as shown (sm_dq_role_name's words stay as they are in
 * --json): for xgettext. */
static const char *const role_words[] = {N_("voter"), N_("standby"), N_("spare")};

/* A role as shown to people ("role unknown" for NULL). */
static const char *
role_label(const char *role)
{
	(void)role_words;
	return role ? _(role) : _("role unknown");
}

/* How node N answered when asked itself, as a line's end. */
static char *
node_health(const sm_backend_node *n, const char *leader)
{
	char *s = NULL;
	int r;
	if (!n->reachable)
		r = asprintf(&s, _("not answering: %s"), n->why ? n->why : "");
	else if (n->names == NULL || n->names[0] == '\0')
		r = asprintf(&s, _("up, %.1f ms, knows no leader"), n->ms);
	else if (leader == NULL || strcmp(n->names, leader) != 0)
		r = asprintf(&s, _("up, %.1f ms, names %s the leader"), n->ms, n->names);
	else
		r = asprintf(&s, _("up, %.1f ms"), n->ms);
	return r < 0 ? NULL : s;
}

char *
sm_backend_node_line(const sm_backend_node *n, const char *leader)
{
	char *health = node_health(n, leader), *line = NULL, id[24] = "?";
	if (n->id != 0)
		snprintf(id, sizeof(id), "%llu", (unsigned long long)n->id);
	if (asprintf(&line, _("node %s  %s  %s%s  %s"), id, n->address, role_label(n->role),
	    n->leader ? _("  (leader)") : "", health ? health : "") < 0)
		line = NULL;
	free(health);
	return line;
}
