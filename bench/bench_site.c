/* bench_site.c - the benchmark of the public site (make bench): `site
 * export` of 100,000 marks.
 *
 * 1. Builds (once, then reuses) a database of N issued marks (default
 *    100,000), one unit and one mark case each, a tenth of them on a
 *    published red page: the schema is the real one (sm_store_open with
 *    SM_OPEN_CREATE), the rows are bulk-loaded with plain SQLite.
 * 2. Times, in process as the system administrator, a full export into an
 *    empty directory, an export again with nothing changed, and an export
 *    after one change (one mark's case withdrawn: its script and its
 *    certificate page change), and prints how many files each wrote.
 *
 * It prints numbers and fails nothing: the exit status is 1 only when the
 * benchmark itself could not run. */
#include <config.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sm_app.h"
#include "sm_err.h"
#include "sm_mark.h"
#include "sm_store.h"
#include "sm_view.h"

/* Bump when the generated data change: a cached database is rebuilt. */
#define GENERATOR 1

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench_site: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void
die_err(const char *what, sm_err *err)
{
	die("%s: %s", what, sm_err_count(err) ? sm_err_msg(err, 0) : "?");
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", sql, msg ? msg : "?");
}

static sqlite3_stmt *
prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("%s: %s", sql, sqlite3_errmsg(db));
	return st;
}

static void
step(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die("insert: %s", sqlite3_errmsg(db));
	sqlite3_reset(st);
}

static char *
stamp_text(long n)
{
	char *s = NULL;
	if (asprintf(&s, "generator %d marks %ld schema %d\n", GENERATOR, n, SM_SCHEMA_VERSION) < 0)
		die("out of memory");
	return s;
}

/* The database of N marks at PATH (its stamp beside it). */
static void
build(const char *path, long n)
{
	char stamp_path[4200];
	snprintf(stamp_path, sizeof(stamp_path), "%s.stamp", path);
	char *want = stamp_text(n), have[256] = "";
	FILE *f = fopen(stamp_path, "r");
	if (f) {
		size_t r = fread(have, 1, sizeof(have) - 1, f);
		have[r] = '\0';
		fclose(f);
	}
	if (strcmp(want, have) == 0 && access(path, R_OK) == 0) {
		fprintf(stderr, "bench_site: reusing %s\n", path);
		free(want);
		return;
	}
	fprintf(stderr, "bench_site: building %ld marks in %s\n", n, path);
	char side[4200];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	sm_store *s = NULL;
	sm_err *err = sm_err_new();
	if (sm_store_open(path, SM_OPEN_CREATE, &s, err) != SM_OK)
		die_err("creating the database", err);
	sm_store_close(&s);
	sm_err_free(&err);

	sqlite3 *db = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("cannot open %s", path);
	exec_sql(db, "PRAGMA synchronous = OFF; BEGIN;");
	exec_sql(db, "INSERT INTO offices(code, name) VALUES ('350100', '中共福州市委机构编制委员会办公室');"
	    "INSERT INTO users(login, role, created_at) VALUES ('bench-admin', 'sysadmin', '2026-11-20');");
	sqlite3_stmt *unit = prep(db, "INSERT INTO units(id, name, type, uscc, affiliation, division,"
	    " office, \"values\", mark_seq, created_at) VALUES (?1, ?2, ?3, ?4, 'local', '350100',"
	    " '350100', ?5, 1, '2026-11-01T09:00:00+08:00')");
	sqlite3_stmt *cs = prep(db, "INSERT INTO cases(id, kind, unit, office, state, version, domain,"
	    " domain_unicode, \"values\", created_by, created_at, updated_at) VALUES (?1, ?2, ?1,"
	    " '350100', ?3, 5, ?4, ?5, ?6, 'bench', '2026-11-01T09:00:00+08:00',"
	    " '2026-11-10T09:00:00+08:00')");
	sqlite3_stmt *mk = prep(db, "INSERT INTO marks(case_id, unit, code, guid, cert_no, color,"
	    " snippet, issued_at, certificate) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6,"
	    " '2026-11-10T15:00:00+08:00', ?7)");
	sqlite3_stmt *rp = prep(db, "INSERT INTO redpages(case_id, \"values\", published_at)"
	    " VALUES (?1, ?2, '2026-11-12T10:00:00+08:00')");
	for (long i = 1; i <= n; i++) {
		char name[128], uscc[32], code[SM_MARK_CODE_LEN + 1], guid[40], cert[16], dom[160];
		bool organ = i % 3 == 0, red = i % 10 == 0;
		snprintf(name, sizeof(name), "福州市第%ld%s", i, organ ? "局" : "中心");
		snprintf(uscc, sizeof(uscc), "B%017ld", i);
		snprintf(dom, sizeof(dom), "%s.%s", name, organ ? "政务" : "公益");
		snprintf(guid, sizeof(guid), "%016llX%016llX", (unsigned long long)i * 0x9E3779B97F4A7C15ULL,
		    (unsigned long long)i);
		snprintf(cert, sizeof(cert), "202635%08ld", i);
		sm_err *e = sm_err_new();
		if (sm_mark_code("350100", i, 1, code, e) != SM_OK)
			die_err("mark code", e);
		sm_err_free(&e);
		char *uvals = NULL, *cvals = NULL, *certj = NULL;
		char *snippet = sm_mark_snippet("https://bs.sitemark.invalid", code);
		if (asprintf(&uvals, "{\"name\":\"%s\",\"address\":\"福建省福州市鼓楼区东街%ld号\","
		    "\"functions\":\"为社会公众提供公共服务。\"}", name, i) < 0 ||
		    asprintf(&cvals, "{\"site_name\":\"%s网站\",\"domain\":\"%s\",\"hosting\":\"%s\"}",
		    name, dom, red ? "redpage" : "own") < 0 ||
		    asprintf(&certj, "{\"unit_name\":\"%s\",\"unit_type\":\"%s\",\"address\":"
		    "\"福建省福州市鼓楼区东街%ld号\",\"functions\":\"为社会公众提供公共服务。\","
		    "\"site_name\":\"%s网站\",\"domains\":[\"%s\",\"www%ld.fuzhou.gov.cn\"],"
		    "\"cert_no\":\"%s\",\"issuer\":\"conac\",\"issued_at\":\"2026-11-10T15:00:00+08:00\"}",
		    name, organ ? "organ" : "institution", i, name, dom, i, cert) < 0 || snippet == NULL)
			die("out of memory");
		sqlite3_bind_int64(unit, 1, i);
		sqlite3_bind_text(unit, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(unit, 3, organ ? "organ" : "institution", -1, SQLITE_STATIC);
		sqlite3_bind_text(unit, 4, uscc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(unit, 5, uvals, -1, SQLITE_TRANSIENT);
		step(db, unit);
		sqlite3_bind_int64(cs, 1, i);
		sqlite3_bind_text(cs, 2, organ ? "site" : "mark", -1, SQLITE_STATIC);
		sqlite3_bind_text(cs, 3, i % 2 ? "mark_hung" : "mark_issued", -1, SQLITE_STATIC);
		sqlite3_bind_text(cs, 4, dom, -1, SQLITE_TRANSIENT); /* not ACE: no lookup here */
		sqlite3_bind_text(cs, 5, dom, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(cs, 6, cvals, -1, SQLITE_TRANSIENT);
		step(db, cs);
		sqlite3_bind_int64(mk, 1, i);
		sqlite3_bind_text(mk, 2, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(mk, 3, guid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(mk, 4, cert, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(mk, 5, organ ? "red" : "blue", -1, SQLITE_STATIC);
		sqlite3_bind_text(mk, 6, snippet, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(mk, 7, certj, -1, SQLITE_TRANSIENT);
		step(db, mk);
		if (red) {
			sqlite3_bind_int64(rp, 1, i);
			sqlite3_bind_text(rp, 2, "{\"phone\":\"0591-87654321\",\"email\":\"office@example.cn\","
			    "\"postal_code\":\"350001\",\"office_hours\":\"工作日 8:30-17:30\","
			    "\"intro\":\"本单位为社会公众提供公共服务。\",\"footer\":\"版权所有\"}",
			    -1, SQLITE_STATIC);
			step(db, rp);
		}
		free(uvals);
		free(cvals);
		free(certj);
		free(snippet);
	}
	sqlite3_finalize(unit);
	sqlite3_finalize(cs);
	sqlite3_finalize(mk);
	sqlite3_finalize(rp);
	exec_sql(db, "COMMIT;");
	sqlite3_close(db);
	f = fopen(stamp_path, "w");
	if (f == NULL || fputs(want, f) < 0 || fclose(f) != 0)
		die("cannot write %s", stamp_path);
	free(want);
}

static void
export(sm_app *app, const char *dir, const char *what)
{
	sm_site_stats s;
	sm_err *err = sm_err_new();
	double t0 = now_ms();
	if (sm_view_site_export(app, dir, &s, err) != SM_OK)
		die_err("site export", err);
	double ms = now_ms() - t0;
	printf("site export, %-34s %9.0f ms  (%lld marks, %lld red pages, %lld files: "
	    "%lld written, %lld unchanged)\n", what, ms, (long long)s.marks, (long long)s.redpages,
	    (long long)s.files, (long long)s.written, (long long)s.unchanged);
	fflush(stdout);
	sm_err_free(&err);
}

int
main(int argc, char **argv)
{
	const char *dir = getenv("SITEMARK_BENCH_DIR");
	long n = 100000;
	char db[4000], out[4000];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--marks") == 0 && i + 1 < argc)
			n = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else
			die("usage: bench_site [--marks N] [--dir DIR]");
	}
	if (n < 1 || n > 99999999)
		die("--marks: 1 to 99999999");
	if (dir == NULL)
		dir = "/tmp/sitemark-bench";
	mkdir(dir, 0755);
	snprintf(db, sizeof(db), "%s/site.db", dir);
	snprintf(out, sizeof(out), "%s/site-out", dir);
	build(db, n);

	/* an empty directory for the first export */
	char cmd[8300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", out);
	if (system(cmd) != 0)
		die("cannot empty %s", out);

	sm_app_opts ao = {.db_path = db, .mode = SM_OPEN_EXISTING};
	sm_app *app = NULL;
	sm_err *warn = sm_err_new(), *err = sm_err_new();
	if (sm_app_open(&ao, &app, warn, err) != SM_OK)
		die_err("cannot open the session", err);
	if (sm_app_login(app, "bench-admin", err) != SM_OK)
		die_err("cannot log in", err);
	printf("site export of %ld marks into %s\n", n, out);
	export(app, out, "full, into an empty directory:");
	export(app, out, "again, nothing changed:");

	/* one change: a mark's case withdrawn (as a revocation would) */
	sqlite3 *raw = NULL;
	if (sqlite3_open(db, &raw) != SQLITE_OK)
		die("cannot open %s", db);
	sqlite3_busy_timeout(raw, 10000);
	char sql[160];
	snprintf(sql, sizeof(sql), "UPDATE cases SET state = 'withdrawn' WHERE id = %ld;", (n + 1) / 2);
	exec_sql(raw, sql);
	export(app, out, "after one change:");
	snprintf(sql, sizeof(sql), "UPDATE cases SET state = 'mark_hung' WHERE id = %ld;", (n + 1) / 2);
	exec_sql(raw, sql);
	sqlite3_close(raw);
	sm_app_close(&app);
	sm_err_free(&warn);
	sm_err_free(&err);
	return 0;
}
