/* bench_dqlite.c - transitions on a dqlite cluster against a local file
 * (bench/bench_dqlite.sh builds both and runs this).
 *
 *   bench_dqlite CYCLES LOCAL_DB LOCAL_CASE CLUSTER_CONFIG CLUSTER_CASE
 *
 * On each backend a site case goes round CYCLES times: the unit submits
 * (org-op), its office approves (fz-rev1), CONAC returns it (conac1): three
 * transitions through sm_case_act, each one write transaction with its
 * request id, version check and audit record.  The backends take turns, ten
 * cycles at a time.  Printed per backend: the transitions' latency (p50,
 * p99, mean), transitions per second, and for the cluster the network round
 * trips per transition (requests to the leader; each is paid again on a
 * slow link while the write lock is held).  With BENCH_SAMPLES=FILE each
 * transition's latency is appended to FILE in the order they ran (backend,
 * index, ms: stalls that come back every so many show there); the cluster's
 * line is labelled BENCH_CLUSTER_LABEL when that is set.
 *
 * With BENCH_NODES=host:port,... (the cluster's nodes), a third turn runs
 * the floor under a transition: dqlite alone, the smallest transaction of
 * a transition's shape (BEGIN IMMEDIATE and a read of one row in one round
 * trip, an UPDATE of that row and the COMMIT in the next), in a database
 * of its own on the same cluster ("bench-floor"), through the same
 * protocol code; labelled BENCH_FLOOR_LABEL when that is set.  What a transition costs above it is sitemark's: its
 * reads, checks and writes (a dozen pages of the write-ahead log against
 * one).  With BENCH_NODE_PIDS="PID ..." (the nodes' processes, on this
 * machine), the CPU time those processes and this one spent during each
 * of the cluster's turns is printed per transaction (the sum over each
 * process's threads of /proc/PID/task/TID/schedstat, in nanoseconds): on a
 * machine of few processors a cluster's latency is mostly that work, done
 * by dqlite and Raft in the nodes and queued behind each other.  The exit
 * status is 1 only when the benchmark could not run. */
#include <config.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sm_app.h"
#include "sm_dqlite_proto.h"
#include "sm_err.h"
#include "sm_store.h"
#include "sm_workflow.h"

enum { ORG, OFFICE, CONAC, N_ACTORS };
static const char *const logins[N_ACTORS] = {"org-op", "fz-rev1", "conac1"};

enum { MAX_NODES = 8 };
/* The processes measured: the nodes (BENCH_NODE_PIDS), then this one. */
struct cpu {
	long pid[MAX_NODES + 1];
	int n;
	uint64_t ns[MAX_NODES + 1], at[MAX_NODES + 1];
};

struct backend {
	const char *name;
	sm_app *app[N_ACTORS];
	sm_dq_conn *floor; /* the floor's connection, its database */
	uint32_t floor_db;
	struct cpu cpu;
	int64_t case_id;
	double *ms;
	size_t n;
	uint64_t trips, write_trips;
};

static void
die_err(const char *what, sm_err *err)
{
	fprintf(stderr, "bench_dqlite: %s", what);
	for (size_t i = 0; err && i < sm_err_count(err); i++)
		fprintf(stderr, ": %s", sm_err_msg(err, i));
	fputc('\n', stderr);
	exit(1);
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
open_backend(struct backend *b, const char *db, const char *config, sm_err *warn, sm_err *err)
{
	for (int a = 0; a < N_ACTORS; a++) {
		sm_app_opts o = {.db_path = db, .config_path = config, .mode = SM_OPEN_EXISTING};
		if (sm_app_open(&o, &b->app[a], warn, err) != SM_OK ||
		    sm_app_login(b->app[a], logins[a], err) != SM_OK)
			die_err(b->name, err);
	}
}

/* One cycle: submit, approve, return; each timed. */
static void
cycle(struct backend *b, const json_t *reject, sm_err *err)
{
	static const struct {
		int who;
		sm_action action;
	} steps[] = {{ORG, SM_ACTION_SUBMIT}, {OFFICE, SM_ACTION_APPROVE}, {CONAC, SM_ACTION_REJECT}};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		sm_app *app = b->app[steps[i].who];
		sm_act act = {.case_id = b->case_id, .action = steps[i].action,
		    .values = steps[i].action == SM_ACTION_REJECT ? reject : NULL};
		uint64_t rt0 = sm_store_round_trips(app->store);
		uint64_t wt0 = sm_store_write_round_trips(app->store);
		double t0 = now_ms();
		if (sm_case_act(app, &act, NULL, err) != SM_OK)
			die_err(b->name, err);
		b->ms[b->n++] = now_ms() - t0;
		b->trips += sm_store_round_trips(app->store) - rt0;
		b->write_trips += sm_store_write_round_trips(app->store) - wt0;
	}
}

/* The CPU time, in nanoseconds, of process PID's threads so far (0 for a
 * process that is gone: it is measured, not required). */
static uint64_t
cpu_ns(long pid)
{
	char path[64];
	uint64_t sum = 0;
	snprintf(path, sizeof path, "/proc/%ld/task", pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char stat[300];
		snprintf(stat, sizeof stat, "/proc/%ld/task/%s/schedstat", pid, e->d_name);
		FILE *f = fopen(stat, "r");
		unsigned long long ns;
		if (f != NULL && fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		if (f != NULL)
			fclose(f);
	}
	closedir(d);
	return sum;
}

static void
cpu_start(struct cpu *c)
{
	for (int i = 0; i < c->n; i++)
		c->at[i] = cpu_ns(c->pid[i]);
}

static void
cpu_stop(struct cpu *c)
{
	for (int i = 0; i < c->n; i++) {
		uint64_t now = cpu_ns(c->pid[i]);
		if (now >= c->at[i])
			c->ns[i] += now - c->at[i];
	}
}

static void
cpu_report(const struct cpu *c, size_t transitions)
{
	if (c->n < 2 || transitions == 0)
		return;
	double nodes = 0, most = 0, per = 1e6 * (double)transitions;
	for (int i = 0; i < c->n - 1; i++) {
		nodes += (double)c->ns[i] / per;
		if ((double)c->ns[i] / per > most)
			most = (double)c->ns[i] / per;
	}
	printf("%-14s   CPU each: the %d nodes %.2f ms (the busiest %.2f ms), this client %.2f ms;"
	       " %ld processors\n",
	    "", c->n - 1, nodes, most, (double)c->ns[c->n - 1] / per, sysconf(_SC_NPROCESSORS_ONLN));
}

static void
die_dq(const char *what, sm_dq_conn *c, char *why)
{
	fprintf(stderr, "bench_dqlite: the floor: %s: %s\n", what, why ? why : c ? sm_dq_fail_msg(c) : "?");
	exit(1);
}

/* The floor's connection to the leader of NODES, its database made. */
static void
floor_open(struct backend *b, const char *nodes)
{
	size_t n = 0;
	char **addrs = sm_dq_split(nodes, &n), *why = NULL;
	uint64_t id, changes;
	if (addrs == NULL || n == 0)
		die_dq("BENCH_NODES", NULL, "no node");
	if (sm_dq_connect_leader(addrs, n, 10000, &b->floor, &why) != SM_DQ_OK)
		die_dq("the leader", NULL, why);
	sm_dq_split_free(addrs, n);
	if (sm_dq_client(b->floor, 1) != SM_DQ_OK || sm_dq_open(b->floor, "bench-floor", &b->floor_db) != SM_DQ_OK ||
	    sm_dq_exec(b->floor, b->floor_db,
	        "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v INTEGER NOT NULL);"
	        "INSERT OR IGNORE INTO t VALUES (1, 0)", NULL, 0, &id, &changes) != SM_DQ_OK)
		die_dq("its database", b->floor, NULL);
}

/* One cycle of the floor: three transactions of a transition's shape. */
static void
floor_cycle(struct backend *b)
{
	sm_dq_value one = {.type = SM_DQ_INTEGER, .i = 1};
	for (int i = 0; i < 3; i++) {
		sm_dq_conn *c = b->floor;
		sm_dq_rows rows = {0};
		uint64_t id, changes;
		uint64_t rt0 = sm_dq_round_trips(c);
		double t0 = now_ms();
		sm_dq_hold(c);
		if (sm_dq_exec_send(c, b->floor_db, "BEGIN IMMEDIATE", NULL, 0) != SM_DQ_OK ||
		    sm_dq_query_send(c, b->floor_db, "SELECT v FROM t WHERE id = ?", &one, 1) != SM_DQ_OK ||
		    sm_dq_send_held(c) != SM_DQ_OK || sm_dq_exec_recv(c, NULL, &id, &changes) != SM_DQ_OK ||
		    sm_dq_query_recv(c, &rows) != SM_DQ_OK || rows.nrows != 1)
			die_dq("a read", c, NULL);
		sm_dq_rows_clear(&rows);
		sm_dq_hold(c);
		if (sm_dq_exec_send(c, b->floor_db, "UPDATE t SET v = v + 1 WHERE id = ?", &one, 1) != SM_DQ_OK ||
		    sm_dq_exec_send(c, b->floor_db, "COMMIT", NULL, 0) != SM_DQ_OK ||
		    sm_dq_send_held(c) != SM_DQ_OK || sm_dq_exec_recv(c, NULL, &id, &changes) != SM_DQ_OK ||
		    changes != 1 || sm_dq_exec_recv(c, NULL, &id, &changes) != SM_DQ_OK)
			die_dq("a write", c, NULL);
		b->ms[b->n++] = now_ms() - t0;
		b->trips += sm_dq_round_trips(c) - rt0;
		b->write_trips += sm_dq_round_trips(c) - rt0; /* BEGIN IMMEDIATE went first */
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
report(struct backend *b)
{
	double sum = 0;
	const char *dump = getenv("BENCH_SAMPLES");
	FILE *f = dump ? fopen(dump, "a") : NULL;
	for (size_t i = 0; f && i < b->n; i++)
		fprintf(f, "%s\t%zu\t%.3f\n", b->name, i, b->ms[i]);
	if (f)
		fclose(f);
	qsort(b->ms, b->n, sizeof(double), cmp_double);
	for (size_t i = 0; i < b->n; i++)
		sum += b->ms[i];
	printf("%-14s %6zu transitions  p50 %7.2f ms  p99 %7.2f ms  mean %7.2f ms  %7.0f/s",
	    b->name, b->n, b->ms[b->n / 2], b->ms[(b->n * 99) / 100], sum / (double)b->n,
	    (double)b->n / (sum / 1e3));
	if (b->trips > 0)
		printf("  round trips %.1f per transition (%.1f of them in the write transaction)",
		    (double)b->trips / (double)b->n, (double)b->write_trips / (double)b->n);
	printf("\n");
	cpu_report(&b->cpu, b->n);
}

int
main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: bench_dqlite CYCLES LOCAL_DB LOCAL_CASE CLUSTER_CONFIG CLUSTER_CASE\n");
		return 1;
	}
	int cycles = atoi(argv[1]);
	sm_err *warn = sm_err_new(), *err = sm_err_new();
	const char *nodes = getenv("BENCH_NODES");
	struct backend be[3] = {
		{.name = "local file", .case_id = atoll(argv[3])},
		{.name = getenv("BENCH_CLUSTER_LABEL") ? getenv("BENCH_CLUSTER_LABEL") : "dqlite (3)",
		    .case_id = atoll(argv[5])},
		{.name = getenv("BENCH_FLOOR_LABEL") ? getenv("BENCH_FLOOR_LABEL") : "dqlite alone"},
	};
	int nbe = nodes && *nodes ? 3 : 2;
	json_t *reject = json_pack("{s:s, s:s}", "reason_code", "site_name", "reason",
	    "网站名称应与网站首页标题一致，请修改后重新提交。");
	if (cycles < 1 || warn == NULL || err == NULL || reject == NULL)
		return 1;
	open_backend(&be[0], argv[2], NULL, warn, err);
	open_backend(&be[1], NULL, argv[4], warn, err);
	if (nbe == 3)
		floor_open(&be[2], nodes);
	const char *pids = getenv("BENCH_NODE_PIDS");
	for (int i = 0; i < nbe; i++) {
		if ((be[i].ms = calloc((size_t)cycles * 3, sizeof(double))) == NULL)
			return 1;
		if (i == 0)
			continue; /* the local file: this process alone */
		struct cpu *cpu = &be[i].cpu;
		const char *p = pids;
		for (char *end; p && cpu->n < MAX_NODES; p = end) {
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			cpu->pid[cpu->n++] = pid;
		}
		if (cpu->n > 0)
			cpu->pid[cpu->n++] = (long)getpid();
	}
	for (int done = 0; done < cycles; done += 10)
		for (int i = 0; i < nbe; i++) {
			cpu_start(&be[i].cpu);
			for (int k = done; k < cycles && k < done + 10; k++) {
				if (i == 2)
					floor_cycle(&be[i]);
				else
					cycle(&be[i], reject, err);
			}
			cpu_stop(&be[i].cpu);
		}
	for (int i = 0; i < nbe; i++) {
		report(&be[i]);
		for (int a = 0; a < N_ACTORS; a++)
			if (be[i].app[a] != NULL)
				sm_app_close(&be[i].app[a]);
		if (be[i].floor != NULL)
			sm_dq_close(be[i].floor);
		free(be[i].ms);
	}
	json_decref(reject);
	sm_err_free(&warn);
	sm_err_free(&err);
	return 0;
}
