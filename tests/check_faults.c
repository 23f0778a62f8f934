/* check_faults.c - failure injection (issue 7, point 12; trust.md scenario
 * 7): SQLite's Nth allocation, or its Nth write, sync or truncate, fails in
 * the middle of a transition, for N = 1, 2, ... until the transition runs
 * without the fault firing.  Every run must leave the database intact
 * (integrity_check, the audit chain) and the transition either whole or
 * absent, with a clear error when absent; the same action right after
 * succeeds (the store is not wedged).
 *
 * make check runs a short sweep (a stride over SQLite's allocations, the
 * first and the last always; every other point); SM_FAULT_FULL=1 runs every
 * point.  SM_FAULT_KEEP=1 keeps the test's directory (run.db) to look at. */
#include <config.h>

#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sm_app.h"
#include "sm_err.h"
#include "sm_fault.h"
#include "sm_store.h"
#include "sm_validate.h"
#include "sm_workflow.h"
#include "sm_yaml.h"
#include "testutil.h"

#define BASE_URL "https://bs.example.cn"
#define NOW "2026-02-13T10:00:00+08:00"
#define SHORT_RUNS 40 /* about this many runs per sweep in make check */

static sm_err *err;
static char *dir;
static char *db;
static sm_app *app;

static bool disarm(long *count);

#define OK(x) TU_OK(err, x)

/* ------------------------------------------------------------ fixture */

static void
open_app(const char *path)
{
	sm_app_opts o = {0};
	char *cfg = tu_write(dir, "sitemark.yaml", "mark:\n  base_url: " BASE_URL "\n");
	o.db_path = path;
	o.config_path = cfg;
	o.mode = SM_OPEN_CREATE;
	sm_err *warn = sm_err_new();
	OK(sm_app_open(&o, &app, warn, err));
	sm_err_free(&warn);
	free(cfg);
}

static void
setup(void)
{
	tu_lang("en");
	if (getenv("SITEMARK_DATADIR") == NULL)
		setenv("SITEMARK_DATADIR", tu_srcdir(), 1);
	unsetenv("SITEMARK_CONFIG");
	unsetenv("SITEMARK_DB");
	setenv("SSH_CLIENT", "10.1.2.3 50000 22", 1);
	setenv("SITEMARK_NOW", NOW, 1);
	err = sm_err_new();
	dir = tu_tmpdir();
	ck_assert(asprintf(&db, "%s/world.db", dir) > 0);
	open_app(db);
	bool created = false;
	OK(sm_first_admin(app, "admin", &created, err));
}

static void
teardown(void)
{
	long count;
	disarm(&count);
	sm_app_close(&app);
	if (getenv("SM_FAULT_KEEP") == NULL) /* to look at run.db after a failure */
		tu_rmrf(dir);
	else
		fprintf(stderr, "faults: kept %s\n", dir);
	free(dir);
	free(db);
	dir = db = NULL;
	sm_err_free(&err);
}

static void
as(const char *login)
{
	OK(sm_app_login(app, login, err));
}

static json_t *
values_file(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "tests/values/%s", name);
	json_t *v = sm_values_load_file(tu_src(rel), err);
	if (v == NULL)
		tu_dump_err(err);
	ck_assert_msg(v != NULL, "cannot load %s", rel);
	return v;
}

static void
add_user(const char *login, sm_role role, const char *office)
{
	tu_staff(app, "admin", login, role, office, err);
}

static int64_t
new_case(const char *login, sm_kind kind, const char *file)
{
	int64_t id = 0;
	json_t *v = values_file(file);
	as(login);
	OK(sm_case_new(app, kind, v, &id, err));
	json_decref(v);
	return id;
}

static sm_status
act(const char *login, int64_t id, sm_action action, const char *file)
{
	json_t *v = file ? values_file(file) : NULL;
	sm_act a = {.case_id = id, .action = action, .values = v};
	sm_state ns = SM_STATE_NONE;
	as(login);
	sm_err_clear(err);
	sm_status st = sm_case_act(app, &a, &ns, err);
	json_decref(v);
	return st;
}

static void
act_ok(const char *login, int64_t id, sm_action action, const char *file)
{
	sm_status st = act(login, id, action, file);
	if (st != SM_OK)
		tu_dump_err(err);
	ck_assert_msg(st == SM_OK, "%s %s case %lld: status %d", login, sm_action_name(action),
	    (long long)id, (int)st);
}

static void
copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;
	ck_assert(in != NULL && out != NULL);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

/* The world's database as it is now, saved as DIR/NAME (the app is closed
 * for it, so that the write-ahead log is checkpointed, and reopened). */
static void
save(const char *name)
{
	char *to = NULL;
	sm_app_close(&app);
	ck_assert(asprintf(&to, "%s/%s", dir, name) > 0);
	copy_file(db, to);
	free(to);
	open_app(db);
}

/* Office 350100, its reviewer, two CONAC reviewers, the unit gov with its
 * registered .政务 domain and a site case S at conac_review (saved as
 * t-conac.db) and at paper_pending (t-paper.db). */
static int64_t
build_world(void)
{
	as("admin");
	OK(sm_office_add(app, "350100", "中共福州市委机构编制委员会办公室", err));
	sm_user sec = {.login = "sec", .role = SM_ROLE_SECADMIN};
	OK(sm_user_add(app, &sec, err));
	add_user("fz-review", SM_ROLE_OFFICE, "350100");
	add_user("conac-li", SM_ROLE_CONAC, NULL);
	add_user("conac-wang", SM_ROLE_CONAC, NULL);
	json_t *v = values_file("unit-organ-fj.yaml");
	int64_t unit = 0;
	OK(sm_unit_register(app, v, "gov", &unit, err));
	json_decref(v);
	tu_grant(app, "gov", SM_ROLE_UNIT, "admin", err);
	int64_t d = new_case("gov", SM_KIND_DOMAIN, "domain.yaml");
	act_ok("gov", d, SM_ACTION_SUBMIT, NULL);
	act_ok("fz-review", d, SM_ACTION_APPROVE, NULL);
	act_ok("conac-li", d, SM_ACTION_APPROVE, NULL);
	act_ok("conac-wang", d, SM_ACTION_CONFIRM_PAYMENT, "confirm-payment.yaml");
	int64_t s = new_case("gov", SM_KIND_SITE, "site-own.yaml");
	act_ok("gov", s, SM_ACTION_SUBMIT, NULL);
	save("t-office.db");
	act_ok("fz-review", s, SM_ACTION_APPROVE, NULL);
	save("t-conac.db");
	act_ok("conac-li", s, SM_ACTION_APPROVE, NULL);
	save("t-paper.db");
	sm_app_close(&app);
	return s;
}

/* ------------------------------------------------------------ snapshots */

/* Everything a transition can change, as numbers; the last a digest of the
 * contents (but the random request ids and mark GUIDs). */
#define N_SNAP 16
struct snap {
	int64_t v[N_SNAP];
};

static const char snap_sql[] =
    "SELECT (SELECT count(*) FROM audit), (SELECT ifnull(max(seq), 0) FROM audit),"
    " (SELECT count(*) FROM outbox), (SELECT count(*) FROM marks),"
    " (SELECT count(*) FROM domains), (SELECT count(*) FROM cases),"
    " (SELECT ifnull(sum(version), 0) FROM cases), (SELECT count(*) FROM requests),"
    " (SELECT count(*) FROM notes), (SELECT ifnull(sum(mark_seq), 0) FROM units),"
    " (SELECT ifnull(sum(value), 0) FROM counters), (SELECT count(*) FROM users),"
    " (SELECT count(*) FROM units), (SELECT count(*) FROM offices),"
    " (SELECT ifnull(sum(length(state)), 0) FROM cases)";

static const char content_sql[] =
    "SELECT 'case', id, state, \"values\", hints, due, due_kind, version, submitted_by"
    "   FROM cases"
    " UNION ALL SELECT 'audit', seq, actor, action, from_state, to_state, reason,"
    "   \"values\", NULL FROM audit"
    " UNION ALL SELECT 'outbox', id, event, channel, recipient, subject, body, status,"
    "   last_error FROM outbox"
    " UNION ALL SELECT 'mark', case_id, code, cert_no, color, snippet, hang_due,"
    "   json_remove(certificate, '$.guid'), issued_at FROM marks"
    " UNION ALL SELECT 'unit', id, mark_seq, NULL, NULL, NULL, NULL, NULL, NULL FROM units"
    " UNION ALL SELECT 'counter', NULL, name, value, NULL, NULL, NULL, NULL, NULL FROM counters";

/* FNV-1a over every column of every row of content_sql. */
static int64_t
content_digest(sqlite3 *raw)
{
	sqlite3_stmt *st = NULL;
	uint64_t h = 14695981039346656037u;
	ck_assert_msg(sqlite3_prepare_v2(raw, content_sql, -1, &st, NULL) == SQLITE_OK, "%s",
	    sqlite3_errmsg(raw));
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			for (const unsigned char *p = t ? t : (const unsigned char *)"\x01NULL"; *p; p++)
				h = (h ^ *p) * 1099511628211u;
			h = (h ^ 0xff) * 1099511628211u;
		}
	sqlite3_finalize(st);
	return (int64_t)h;
}

static void
snap(const char *path, struct snap *s)
{
	sqlite3 *raw = NULL;
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(raw, snap_sql, -1, &st, NULL) == SQLITE_OK, "%s",
	    sqlite3_errmsg(raw));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	for (int i = 0; i < N_SNAP - 1; i++)
		s->v[i] = sqlite3_column_int64(st, i);
	sqlite3_finalize(st);
	s->v[N_SNAP - 1] = content_digest(raw);
	sqlite3_close(raw);
}

static bool
snap_eq(const struct snap *a, const struct snap *b)
{
	for (int i = 0; i < N_SNAP; i++)
		if (a->v[i] != b->v[i]) {
			fprintf(stderr, "faults: snapshot column %d: %lld, want %lld\n", i,
			    (long long)a->v[i], (long long)b->v[i]);
			return false;
		}
	return true;
}

/* The database is sound: integrity_check and the audit chain. */
static void
intact(const char *what, long n)
{
	int64_t broken = -1, count = -1;
	OK(sm_store_integrity(app->store, err));
	OK(sm_store_audit_verify(app->store, &broken, &count, err));
	ck_assert_msg(broken == 0, "%s at %ld: the audit chain is broken at %lld", what, n,
	    (long long)broken);
}

/* ------------------------------------------------------------ the sweep */

struct scenario {
	const char *tmpl;   /* the world before */
	const char *login;  /* who acts */
	sm_action action;
	const char *values; /* values file or NULL */
};

static const struct scenario scenarios[] = {
	{"t-office.db", "fz-review", SM_ACTION_APPROVE, NULL},
	{"t-conac.db", "conac-li", SM_ACTION_APPROVE, NULL},
	{"t-paper.db", "fz-review", SM_ACTION_CONFIRM_PAPER, "confirm-paper.yaml"},
};
#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* Besides SQLite's: the Nth allocation of jansson (the values, the
 * certificate, the notices) fails, through json_set_alloc_funcs. */
#define FAULT_JSON (SM_FAULT_FULL + 1)

static const sm_fault_kind kinds[] = {SM_FAULT_ALLOC, SM_FAULT_IO, SM_FAULT_FULL, FAULT_JSON};
static const char *const kind_names[] = {"alloc", "io", "full", "json"};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static bool json_armed, json_fired;
static long json_at, json_seen;

static void *
json_fault_malloc(size_t n)
{
	if (json_armed && ++json_seen == json_at) {
		json_fired = true;
		return NULL;
	}
	return malloc(n);
}

static void
arm(sm_fault_kind kind, long n)
{
	if (kind == FAULT_JSON) {
		json_seen = 0;
		json_at = n;
		json_fired = false;
		json_armed = true;
	} else {
		sm_fault_arm(kind, n);
	}
}

/* Disarm; whether it fired; *COUNT: the calls counted. */
static bool
disarm(long *count)
{
	if (json_armed) {
		json_armed = false;
		*count = json_seen;
		return json_fired;
	}
	*count = sm_fault_count();
	return sm_fault_disarm();
}

static char last_msg[256]; /* the message of the last failed run */

/* Copy scenario SC's world to DIR/run.db and open it; its path. */
static char *
fresh(const struct scenario *sc, struct snap *before)
{
	char *from = NULL, *to = NULL, *x = NULL;
	ck_assert(asprintf(&from, "%s/%s", dir, sc->tmpl) > 0);
	ck_assert(asprintf(&to, "%s/run.db", dir) > 0);
	const char *sfx[] = {"-wal", "-shm"};
	for (int i = 0; i < 2; i++) {
		ck_assert(asprintf(&x, "%s%s", to, sfx[i]) > 0);
		unlink(x);
		free(x);
	}
	copy_file(from, to);
	free(from);
	open_app(to);
	as(sc->login);
	snap(to, before);
	return to;
}

/* Apply scenario SC with KIND armed at N: the run's checks.  *FIRED: whether
 * the fault fired; *COUNT: how many calls were counted; *FAILED (unless
 * NULL): whether the transition failed. */
static void
run_one(const struct scenario *sc, int64_t case_id, sm_fault_kind kind, long n,
        const struct snap *after, bool *fired, long *count, bool *failed)
{
	struct snap before, now;
	char *path = fresh(sc, &before);
	json_t *v = sc->values ? values_file(sc->values) : NULL;
	sm_act a = {.case_id = case_id, .action = sc->action, .values = v};
	sm_state ns = SM_STATE_NONE;
	sm_err_clear(err);
	arm(kind, n);
	sm_status st = sm_case_act(app, &a, &ns, err);
	*fired = disarm(count);
	snap(path, &now);
	if (failed)
		*failed = st != SM_OK;
	if (st == SM_OK) {
		ck_assert_int_eq(sm_err_count(err), 0);
		if (after)
			ck_assert_msg(snap_eq(&now, after), "%s %s at %ld: succeeded, not whole",
			    sc->tmpl, kind_names[kind - 1], n);
	} else {
		ck_assert_msg(sm_err_count(err) >= 1 && sm_err_msg(err, 0)[0] != '\0',
		    "%s %s at %ld: status %d without a message", sc->tmpl, kind_names[kind - 1],
		    n, (int)st);
		ck_assert_msg(*fired, "%s at %ld: failed without the fault", sc->tmpl, n);
		ck_assert_msg(snap_eq(&now, &before), "%s %s at %ld: failed (%s), but changed",
		    sc->tmpl, kind_names[kind - 1], n, sm_err_msg(err, 0));
	}
	if (st != SM_OK)
		snprintf(last_msg, sizeof(last_msg), "%s", sm_err_msg(err, 0));
	char what[64];
	snprintf(what, sizeof(what), "%s %s", sc->tmpl, kind_names[kind - 1]);
	intact(what, n);
	if (st != SM_OK) {
		/* The store is usable again: the same action now succeeds. */
		sm_err_clear(err);
		st = sm_case_act(app, &a, &ns, err);
		if (st != SM_OK)
			tu_dump_err(err);
		ck_assert_msg(st == SM_OK, "%s %s at %ld: the retry failed, status %d", sc->tmpl,
		    kind_names[kind - 1], n, (int)st);
		snap(path, &now);
		if (after)
			ck_assert(snap_eq(&now, after));
		intact(what, n);
	}
	json_decref(v);
	sm_app_close(&app);
	free(path);
}

START_TEST(test_sweep)
{
	int64_t s = build_world();
	bool full = getenv("SM_FAULT_FULL") && strcmp(getenv("SM_FAULT_FULL"), "0") != 0;
	for (size_t i = 0; i < N_SCENARIOS; i++) {
		const struct scenario *sc = &scenarios[i];
		/* The reference: the transition without a fault. */
		struct snap after;
		bool fired;
		long total;
		for (size_t k = 0; k < N_KINDS; k++) {
			struct timespec t0, t1;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			run_one(sc, s, kinds[k], LONG_MAX, NULL, &fired, &total, NULL);
			ck_assert(!fired);
			char *path = NULL;
			ck_assert(asprintf(&path, "%s/run.db", dir) > 0);
			snap(path, &after);
			free(path);
			/* jansson's points are few and cheap: all of them always */
			long stride = full || kinds[k] == FAULT_JSON || total <= SHORT_RUNS ? 1 :
			    total / SHORT_RUNS;
			long runs = 0, failed = 0, n;
			for (n = 1; n <= 4 * total + 100; n += n >= total ? 1 : stride) {
				long count;
				bool f;
				sm_err_clear(err);
				bool failed_run = false;
				run_one(sc, s, kinds[k], n, &after, &f, &count, &failed_run);
				runs++;
				if (!f)
					break;
				/* A fault that fired and still the transition succeeded
				 * (SQLite recovered) is fine; count the failures. */
				if (failed_run)
					failed++;
			}
			ck_assert_msg(n <= 4 * total + 100, "%s %s: the fault never stopped firing",
			    sc->tmpl, kind_names[kinds[k] - 1]);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			fprintf(stderr, "faults: %-12s %-5s %4ld injection points, %4ld runs, %4ld failed"
			    " cleanly, %.1f s (\"%s\")\n", sc->tmpl, kind_names[kinds[k] - 1], total, runs,
			    failed, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
			    last_msg);
		}
	}
}
END_TEST

static Suite *
faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("sweep");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 3600);
	tcase_add_test(tc, test_sweep);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	/* Before any database is opened. */
	if (sm_fault_install() != 0) {
		fprintf(stderr, "cannot install the failure injection\n");
		return 1;
	}
	json_set_alloc_funcs(json_fault_malloc, free);
	SRunner *sr = srunner_create(faults_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
