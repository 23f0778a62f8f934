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
 * line is labelled BENCH_CLUSTER_LABEL when that is set.  The exit
 * status is 1 only when the benchmark could not run. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sm_app.h"
#include "sm_err.h"
#include "sm_store.h"
#include "sm_workflow.h"

enum { ORG, OFFICE, CONAC, N_ACTORS };
static const char *const logins[N_ACTORS] = {"org-op", "fz-rev1", "conac1"};

struct backend {
	const char *name;
	sm_app *app[N_ACTORS];
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
	struct backend be[2] = {
		{.name = "local file", .case_id = atoll(argv[3])},
		{.name = getenv("BENCH_CLUSTER_LABEL") ? getenv("BENCH_CLUSTER_LABEL") : "dqlite (3)",
		    .case_id = atoll(argv[5])},
	};
	json_t *reject = json_pack("{s:s, s:s}", "reason_code", "site_name", "reason",
	    "网站名称应与网站首页标题一致，请修改后重新提交。");
	if (cycles < 1 || warn == NULL || err == NULL || reject == NULL)
		return 1;
	open_backend(&be[0], argv[2], NULL, warn, err);
	open_backend(&be[1], NULL, argv[4], warn, err);
	for (int i = 0; i < 2; i++)
		if ((be[i].ms = calloc((size_t)cycles * 3, sizeof(double))) == NULL)
			return 1;
	for (int done = 0; done < cycles; done += 10)
		for (int i = 0; i < 2; i++)
			for (int k = done; k < cycles && k < done + 10; k++)
				cycle(&be[i], reject, err);
	for (int i = 0; i < 2; i++) {
		report(&be[i]);
		for (int a = 0; a < N_ACTORS; a++)
			sm_app_close(&be[i].app[a]);
		free(be[i].ms);
	}
	json_decref(reject);
	sm_err_free(&warn);
	sm_err_free(&err);
	return 0;
}
