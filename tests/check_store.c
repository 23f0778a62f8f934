/* check_store.c - tests of sm_store: opening, transactions, idempotent
 * replay, version checks, uniqueness and the audit chain, on real SQLite
 * files. */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sm_audit.h"
#include "sm_db.h"
#include "sm_err.h"
#include "sm_store.h"
#include "testutil.h"

static sm_err *err;
static char *dir;
static char *db;

/* The session's clock of the stores of these tests (open_new). */
static sm_clock clock_;

static void
setup(void)
{
	tu_lang("en");
	clock_ = sm_clock_choose("2026-02-13T10:00:00+08:00", false);
	/* the store takes the time from its session, never from here */
	setenv("SITEMARK_NOW", "2031-07-01T12:00:00+08:00", 1);
	err = sm_err_new();
	ck_assert_ptr_nonnull(err);
	dir = tu_tmpdir();
	ck_assert(asprintf(&db, "%s/store.db", dir) > 0);
}

static void
teardown(void)
{
	tu_rmrf(dir);
	free(dir);
	free(db);
	dir = db = NULL;
	sm_err_free(&err);
}

#define OK(x) do { \
	sm_status st_ = (x); \
	if (st_ != SM_OK) \
		tu_dump_err(err); \
	ck_assert_msg(st_ == SM_OK, "%s: status %d", #x, (int)st_); \
} while (0)

/* ------------------------------------------------------------ files */

static bool
file_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

static bool
sibling_exists(const char *path, const char *suffix)
{
	char *p = NULL;
	ck_assert(asprintf(&p, "%s%s", path, suffix) > 0);
	bool e = file_exists(p);
	free(p);
	return e;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, k;
	ck_assert_msg(f != NULL, "cannot read %s", path);
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		k = fread(buf + len, 1, cap - len, f);
		len += k;
	} while (k > 0);
	fclose(f);
	*n = len;
	return buf;
}

static void
write_bytes(const char *path, const void *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(bytes, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* Run SQL on PATH through a connection of our own. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *d = NULL;
	char *msg = NULL;
	ck_assert_int_eq(sqlite3_open_v2(path, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(d, 5000);
	int rc = sqlite3_exec(d, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
	ck_assert_int_eq(sqlite3_close(d), SQLITE_OK);
}

static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3 *d = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	ck_assert_int_eq(sqlite3_open_v2(path, &d, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(d, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(d);
	return v;
}

static char *
raw_text(const char *path, const char *sql)
{
	sqlite3 *d = NULL;
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	ck_assert_int_eq(sqlite3_open_v2(path, &d, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(d, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(d);
	return v;
}

/* A + B, kept until the test ends (leaks are fine in a forked test). */
static char *
tu_str_cat(const char *a, const char *b)
{
	char *p = NULL;
	ck_assert(asprintf(&p, "%s%s", a, b) > 0);
	return p;
}

static bool
err_has(const char *needle)
{
	for (size_t i = 0; i < sm_err_count(err); i++)
		if (strstr(sm_err_msg(err, i), needle) != NULL)
			return true;
	return false;
}

/* Opening PATH in both modes is refused with SM_E_STORE and a message
 * containing NEEDLE; the file's bytes stay as they were and no journal is
 * left behind. */
static void
refused_untouched(const char *path, const char *needle)
{
	size_t n0, n1;
	char *before = slurp(path, &n0);
	bool had_wal = sibling_exists(path, "-wal");
	for (int mode = 0; mode < 2; mode++) {
		sm_store *s = (sm_store *)&s;
		sm_err_clear(err);
		ck_assert_int_eq(sm_store_open(path, mode ? SM_OPEN_CREATE : SM_OPEN_EXISTING, &s,
		    err), SM_E_STORE);
		ck_assert_ptr_null(s);
		ck_assert_uint_ge(sm_err_count(err), 1);
		ck_assert_msg(err_has(needle), "mode %d: message '%s' lacks '%s'", mode,
		    sm_err_msg(err, 0), needle);
		char *after = slurp(path, &n1);
		ck_assert_uint_eq(n0, n1);
		ck_assert_msg(memcmp(before, after, n0) == 0, "mode %d changed the file", mode);
		free(after);
		ck_assert(sibling_exists(path, "-wal") == had_wal);
		ck_assert(!sibling_exists(path, "-journal"));
	}
	free(before);
}

/* ------------------------------------------------------------ opening */

START_TEST(test_open_missing)
{
	sm_store *s = NULL;
	ck_assert_int_eq(sm_store_open(db, SM_OPEN_EXISTING, &s, err), SM_E_STORE);
	ck_assert_ptr_null(s);
	ck_assert(err_has("does not exist"));
	ck_assert(err_has("sitemark init"));
	ck_assert(!file_exists(db));
	ck_assert(!sibling_exists(db, "-wal"));
	ck_assert(!sibling_exists(db, "-shm"));
	ck_assert(!sibling_exists(db, "-journal"));

	sm_err_clear(err);
	ck_assert_int_eq(sm_store_open("", SM_OPEN_CREATE, &s, err), SM_E_USAGE);
	ck_assert_int_eq(sm_store_open(NULL, SM_OPEN_CREATE, &s, err), SM_E_USAGE);
	/* A directory is no database. */
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_open(dir, SM_OPEN_CREATE, &s, err), SM_E_STORE);
	ck_assert(err_has("not a regular file"));
	/* Nor a path below a missing directory. */
	char *deep = NULL;
	ck_assert(asprintf(&deep, "%s/no/such/dir/x.db", dir) > 0);
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_open(deep, SM_OPEN_CREATE, &s, err), SM_E_STORE);
	ck_assert_uint_ge(sm_err_count(err), 1);
	free(deep);
}
END_TEST

START_TEST(test_open_create)
{
	sm_store *s = NULL;
	OK(sm_store_open(db, SM_OPEN_CREATE, &s, err));
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sm_store_schema_version(s), SM_SCHEMA_VERSION);
	OK(sm_store_integrity(s, err));
	ck_assert_uint_eq(sm_store_user_count(s), 0);
	sm_store_close(&s);
	ck_assert_ptr_null(s);
	sm_store_close(&s);
	ck_assert(file_exists(db));
	ck_assert_int_eq(raw_int(db, "PRAGMA application_id"), 0x534d4b31);
	ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), SM_SCHEMA_VERSION);
	/* Opening again, existing or create, keeps it. */
	OK(sm_store_open(db, SM_OPEN_EXISTING, &s, err));
	ck_assert_int_eq(sm_store_schema_version(s), SM_SCHEMA_VERSION);
	sm_store_close(&s);
	OK(sm_store_open(db, SM_OPEN_CREATE, &s, err));
	sm_store_close(&s);
}
END_TEST

START_TEST(test_open_not_sqlite)
{
	static const char text[] =
	    "This is not a database, just a text file that someone named store.db.\n"
	    "It must come out of sitemark exactly as it went in.\n";
	write_bytes(db, text, sizeof(text) - 1);
	refused_untouched(db, "not a sitemark database");

	/* A larger binary file. */
	char *junk = malloc(8192);
	ck_assert_ptr_nonnull(junk);
	for (size_t i = 0; i < 8192; i++)
		junk[i] = (char)((i * 7919u + 13u) >> 3);
	write_bytes(db, junk, 8192);
	refused_untouched(db, "not a sitemark database");
	free(junk);
}
END_TEST

START_TEST(test_open_other_program)
{
	raw_exec(db, "CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT);"
	    "INSERT INTO accounts(name) VALUES ('alice'), ('bob');");
	ck_assert_int_eq(raw_int(db, "PRAGMA application_id"), 0);
	refused_untouched(db, "another program");
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM accounts"), 2);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM sqlite_master"), 1);

	/* Another program's application id, even without tables. */
	unlink(db);
	raw_exec(db, "PRAGMA application_id = 1234; PRAGMA user_version = 1;");
	refused_untouched(db, "another program");
}
END_TEST

START_TEST(test_open_newer)
{
	/* A sitemark database of a schema newer than this program. */
	sm_store *s = NULL;
	OK(sm_store_open(db, SM_OPEN_CREATE, &s, err));
	sm_store_close(&s);
	raw_exec(db, "PRAGMA user_version = 99");
	ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), 99);
	refused_untouched(db, "newer");
	ck_assert(err_has("99"));
	ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), 99);
}
END_TEST

START_TEST(test_open_old_existing)
{
	/* An empty file (schema 0) opened as existing: refused, untouched;
	 * created: becomes a sitemark database. */
	write_bytes(db, "", 0);
	sm_store *s = NULL;
	ck_assert_int_eq(sm_store_open(db, SM_OPEN_EXISTING, &s, err), SM_E_STORE);
	ck_assert(err_has("sitemark init"));
	struct stat sb;
	ck_assert_int_eq(stat(db, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
	OK(sm_store_open(db, SM_OPEN_CREATE, &s, err));
	ck_assert_int_eq(sm_store_schema_version(s), SM_SCHEMA_VERSION);
	sm_store_close(&s);
}
END_TEST

/* Take a database of the present schema back to schema 1, undoing every
 * later migration (each new migration adds its undoing here), so that the
 * upgrades can be tried on data. */
static void
downgrade_to_1(const char *path)
{
	raw_exec(path,
	    /* 12: attachments kept with their notices */
	    "ALTER TABLE outbox DROP COLUMN attachment_data;"
	    /* 11: the mark monitor's checks (the users table made again to
	     * allow the role 'monitor' stays, as 3's did for 'none') */
	    "DROP TABLE mark_check_pages; DROP TABLE mark_checks;"
	    /* 10: the red pages */
	    "DROP TABLE redpages;"
	    /* 9: delivering the outbox */
	    "DROP INDEX outbox_due;"
	    "CREATE INDEX outbox_pending ON outbox(status) WHERE status = 'pending';"
	    "ALTER TABLE outbox DROP COLUMN attachment;"
	    "ALTER TABLE outbox DROP COLUMN name;"
	    "ALTER TABLE outbox DROP COLUMN next_at;"
	    /* 8: the security administrator's policy */
	    "DROP TABLE policy;"
	    /* 7: what an account was created for (三员分立) */
	    "ALTER TABLE users DROP COLUMN asked_unit;"
	    "ALTER TABLE users DROP COLUMN asked_office;"
	    "ALTER TABLE users DROP COLUMN asked_role;"
	    /* 6: the second factor */
	    "ALTER TABLE users DROP COLUMN totp_failures;"
	    "ALTER TABLE users DROP COLUMN totp_secret;"
	    /* 5: requests' digests */
	    "ALTER TABLE requests DROP COLUMN digest;"
	    /* 4: units' version, the mobiles' indexes */
	    "DROP INDEX units_contact_mobile; DROP INDEX units_handler_mobile;"
	    "ALTER TABLE units DROP COLUMN version;"
	    /* 3: disabled accounts and offices, the audit's action index */
	    "DROP INDEX audit_action;"
	    "ALTER TABLE offices DROP COLUMN disabled;"
	    "ALTER TABLE users DROP COLUMN disabled;"
	    /* 2: the queues' index */
	    "DROP INDEX cases_queue;"
	    "CREATE INDEX cases_state_office ON cases(state, office);"
	    "PRAGMA user_version = 1;");
}

START_TEST(test_upgrade_from_1)
{
	/* A database of schema 1 (before the queue index) with a case: opened
	 * as existing it is refused, untouched; init upgrades it, data kept. */
	sm_store *s = NULL;
	OK(sm_store_open(db, SM_OPEN_CREATE, &s, err));
	sm_store_close(&s);
	raw_exec(db, "INSERT INTO offices(code, name) VALUES ('350100', '福州市委编办');");
	downgrade_to_1(db);
	ck_assert_int_eq(sm_store_open(db, SM_OPEN_EXISTING, &s, err), SM_E_STORE);
	ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), 1);
	OK(sm_store_open(db, SM_OPEN_CREATE, &s, err));
	ck_assert_int_eq(sm_store_schema_version(s), SM_SCHEMA_VERSION);
	OK(sm_store_integrity(s, err));
	sm_store_close(&s);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM offices"), 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'cases_queue'"), 1);
	ck_assert_int_eq(raw_int(db,
	    "SELECT count(*) FROM sqlite_master WHERE name = 'cases_state_office'"), 0);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM offices WHERE disabled = 0"), 1);
	ck_assert_int_eq(raw_int(db,
	    "SELECT count(*) FROM pragma_table_info('requests') WHERE name = 'digest'"), 1);
	ck_assert_int_eq(raw_int(db,
	    "SELECT count(*) FROM pragma_table_info('users') WHERE name = 'asked_role'"), 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'redpages'"), 1);
	ck_assert_int_eq(raw_int(db,
	    "SELECT count(*) FROM pragma_table_info('mark_check_pages') WHERE name = 'where'"), 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM sqlite_master"
	    " WHERE name = 'users' AND sql LIKE '%''monitor''%'"), 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM pragma_table_info('outbox')"
	    " WHERE name = 'attachment_data' AND type = 'BLOB'"), 1);
}
END_TEST

/* The connection the store opens, caught as SQLite opens it. */
static sqlite3 *caught;

static int
catch_connection(sqlite3 *d, const char **msg, const void *api)
{
	(void)msg;
	(void)api;
	caught = d;
	return SQLITE_OK;
}

static int64_t
conn_int(sqlite3 *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	ck_assert_int_eq(sqlite3_prepare_v2(d, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

START_TEST(test_pragmas)
{
	sm_store *s = NULL;
	caught = NULL;
	ck_assert_int_eq(sqlite3_auto_extension((void (*)(void))catch_connection), SQLITE_OK);
	sm_status st = sm_store_open(db, SM_OPEN_CREATE, &s, err);
	sqlite3_cancel_auto_extension((void (*)(void))catch_connection);
	OK(st);
	ck_assert_ptr_nonnull(caught);
	/* The store's own connection: synchronous = FULL (2), a busy timeout,
	 * foreign keys. */
	ck_assert_int_eq(conn_int(caught, "PRAGMA synchronous"), 2);
	ck_assert_int_ge(conn_int(caught, "PRAGMA busy_timeout"), 1000);
	ck_assert_int_eq(conn_int(caught, "PRAGMA foreign_keys"), 1);
	sm_store_close(&s);
	caught = NULL;
	/* WAL is a property of the file: another connection sees it. */
	char *mode = raw_text(db, "PRAGMA journal_mode");
	ck_assert_str_eq(mode, "wal");
	free(mode);
	/* And so after reopening an existing database. */
	ck_assert_int_eq(sqlite3_auto_extension((void (*)(void))catch_connection), SQLITE_OK);
	st = sm_store_open(db, SM_OPEN_EXISTING, &s, err);
	sqlite3_cancel_auto_extension((void (*)(void))catch_connection);
	OK(st);
	ck_assert_int_eq(conn_int(caught, "PRAGMA synchronous"), 2);
	char *jm = NULL;
	sqlite3_stmt *q = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(caught, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	jm = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	ck_assert_str_eq(jm, "wal");
	free(jm);
	sm_store_close(&s);
}
END_TEST

/* ------------------------------------------------------------ writing */

static sm_store *
open_new(void)
{
	sm_store *s = NULL;
	OK(sm_store_open(db, SM_OPEN_CREATE, &s, err));
	sm_store_set_clock(s, &clock_);
	return s;
}

struct seed {
	int64_t unit, unit2, unit3;
};

static json_t *
unit_values(const char *name)
{
	return json_pack("{s:s, s:{s:s}, s:{s:s}}", "name", name, "handler", "mobile",
	    "13805910002", "contact", "email", "a@example.cn");
}

static sm_status
seed_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct seed *sd = ud;
	sm_office o = {.code = "350100", .name = "福州市委编办"};
	sm_status st;
	if ((st = sm_tx_office_insert(tx, &o, e)) != SM_OK)
		return st;
	const char *names[3] = {"单位甲", "单位乙", "单位丙"};
	const char *usccs[3] = {"11350100003012349K", "123501004880012335", "51350100MJ0012342T"};
	const char *types[3] = {"organ", "institution", "social"};
	int64_t *ids[3] = {&sd->unit, &sd->unit2, &sd->unit3};
	for (int i = 0; i < 3; i++) {
		json_t *v = unit_values(names[i]);
		sm_unit u = {.name = (char *)names[i], .type = sm_unit_type_parse(types[i]),
		    .uscc = (char *)usccs[i], .affiliation = "local", .division = "350100",
		    .office = "350100", .values = v};
		st = sm_tx_unit_insert(tx, &u, ids[i], e);
		json_decref(v);
		if (st != SM_OK)
			return st;
	}
	sm_user usr = {.login = "op", .role = SM_ROLE_UNIT, .unit = sd->unit, .name = "操作员"};
	return sm_tx_user_insert(tx, &usr, e);
}

static void
seed(sm_store *s, struct seed *sd)
{
	OK(sm_store_write(s, "seed", seed_tx, sd, NULL, NULL, err));
	ck_assert_int_gt(sd->unit, 0);
	ck_assert_int_ne(sd->unit, sd->unit2);
}

struct counting {
	int calls;
	const char *office;
	const char *result;
	sm_status fail;   /* return this after writing, when not SM_OK */
	char rid[64];     /* the request id the transaction saw */
};

static sm_status
office_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct counting *c = ud;
	sm_office o = {.code = (char *)c->office, .name = "某编办"};
	sm_status st;
	c->calls++;
	snprintf(c->rid, sizeof(c->rid), "%s", sm_tx_request_id(tx));
	ck_assert_ptr_nonnull(sm_tx_now(tx));
	ck_assert_str_eq(sm_tx_now(tx), "2026-02-13T10:00:00+08:00");
	if ((st = sm_tx_office_insert(tx, &o, e)) != SM_OK)
		return st;
	sm_event ev = {.actor = "admin", .role = "sysadmin", .object = "office",
	    .object_key = (char *)c->office, .action = "office-add"};
	if ((st = sm_tx_audit(tx, &ev, e)) != SM_OK)
		return st;
	sm_notice n = {.event = "test", .channel = "sms", .recipient = "13805910002",
	    .body = "x"};
	if ((st = sm_tx_notice(tx, &n, e)) != SM_OK)
		return st;
	if (c->result)
		sm_tx_set_result(tx, c->result);
	if (c->fail != SM_OK)
		return sm_err_add(e, c->fail, NULL, "failing on purpose");
	return SM_OK;
}

static int64_t
audit_count(sm_store *s)
{
	int64_t broken = -1, count = -1;
	OK(sm_store_audit_verify(s, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	return count;
}

/* A database file deleted (or replaced by a restore) under an open store
 * takes no more writes: they would be lost with the file, the user told
 * they were made. */
START_TEST(test_file_gone)
{
	sm_store *s = open_new();
	struct counting c = {.office = "350200", .result = "done"};
	OK(sm_store_write(s, "req-1", office_tx, &c, NULL, NULL, err));
	ck_assert_int_eq(unlink(db), 0);
	c.office = "350300";
	ck_assert_int_eq(sm_store_write(s, "req-2", office_tx, &c, NULL, NULL, err), SM_E_STORE);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "was deleted or replaced"));
	ck_assert_int_eq(c.calls, 1);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_replay)
{
	sm_store *s = open_new();
	struct counting c = {.office = "350200", .result = "done-1"};
	bool replayed = true;
	char *result = NULL;

	OK(sm_store_write(s, "req-A", office_tx, &c, &replayed, &result, err));
	ck_assert_int_eq(c.calls, 1);
	ck_assert(!replayed);
	ck_assert_str_eq(result, "done-1");
	ck_assert_str_eq(c.rid, "req-A");
	free(result);
	result = NULL;

	/* The same request again: not applied again, the first result returned. */
	c.result = "done-2";
	OK(sm_store_write(s, "req-A", office_tx, &c, &replayed, &result, err));
	ck_assert_int_eq(c.calls, 1);
	ck_assert(replayed);
	ck_assert_str_eq(result, "done-1");
	free(result);
	result = NULL;
	/* Without a place for the result or the flag. */
	OK(sm_store_write(s, "req-A", office_tx, &c, NULL, NULL, err));
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(audit_count(s), 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM offices"), 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM outbox"), 1);
	char *msg_id = raw_text(db, "SELECT msg_id FROM outbox");
	ck_assert_str_eq(msg_id, "req-A:1");
	free(msg_id);
	char *rid = raw_text(db, "SELECT request_id FROM audit WHERE seq = 1");
	ck_assert_str_eq(rid, "req-A");
	free(rid);

	/* Another request id runs again, and the duplicate office is refused. */
	OK(sm_store_write(s, "req-B", office_tx, &(struct counting){.office = "350300"},
	    &replayed, NULL, err));
	ck_assert(!replayed);
	ck_assert_int_eq(sm_store_write(s, "req-C", office_tx, &c, &replayed, &result, err),
	    SM_E_DUPLICATE);
	ck_assert_int_eq(c.calls, 2);
	ck_assert_ptr_null(result);
	ck_assert_int_eq(audit_count(s), 2);

	/* A write needs a request id. */
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_write(s, NULL, office_tx, &c, &replayed, NULL, err), SM_E_USAGE);
	ck_assert_int_eq(sm_store_write(s, "", office_tx, &c, &replayed, NULL, err), SM_E_USAGE);
	ck_assert_int_eq(c.calls, 2);
	sm_store_close(&s);
}
END_TEST

/* A request id bound to a digest of its request: the same digest replays,
 * another (or none, against one) is refused inside the transaction, with
 * nothing written and the request's function not called. */
START_TEST(test_replay_digest)
{
	sm_store *s = open_new();
	struct counting c = {.office = "350200", .result = "done-1"};
	bool replayed = true;
	char *result = NULL;

	OK(sm_store_write_digest(s, "req-D", "digest-1", office_tx, &c, &replayed, &result, err));
	ck_assert(!replayed);
	free(result);
	result = NULL;
	char *dg = raw_text(db, "SELECT digest FROM requests WHERE id = 'req-D'");
	ck_assert_str_eq(dg, "digest-1");
	free(dg);
	OK(sm_store_write_digest(s, "req-D", "digest-1", office_tx, &c, &replayed, &result, err));
	ck_assert(replayed);
	ck_assert_str_eq(result, "done-1");
	free(result);
	result = NULL;
	ck_assert_int_eq(sm_store_write_digest(s, "req-D", "digest-2", office_tx, &c, &replayed,
	    &result, err), SM_E_INVALID);
	ck_assert(!replayed);
	ck_assert_ptr_null(result);
	ck_assert(strstr(sm_err_msg(err, 0), "req-D") != NULL);
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_write(s, "req-D", office_tx, &c, &replayed, NULL, err),
	    SM_E_INVALID);
	sm_err_clear(err);
	/* and the other way round: an id recorded without a digest */
	OK(sm_store_write(s, "req-E", office_tx, &(struct counting){.office = "350300"}, NULL, NULL,
	    err));
	ck_assert_int_eq(sm_store_write_digest(s, "req-E", "digest-1", office_tx, &c, &replayed,
	    NULL, err), SM_E_INVALID);
	sm_err_clear(err);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(audit_count(s), 2);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM offices"), 2);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM requests"), 2);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_rollback)
{
	sm_store *s = open_new();
	struct counting c = {.office = "350200", .result = "r", .fail = SM_E_INVALID};
	bool replayed = true;
	char *result = (char *)&c;

	ck_assert_int_eq(sm_store_write(s, "req-X", office_tx, &c, &replayed, &result, err),
	    SM_E_INVALID);
	ck_assert_int_eq(c.calls, 1);
	ck_assert(!replayed);
	ck_assert_ptr_null(result);
	/* Nothing of it is in the database: office, audit, outbox, request. */
	sm_office o = {0};
	ck_assert_int_eq(sm_store_office_get(s, "350200", &o, err), SM_E_NOTFOUND);
	ck_assert_int_eq(audit_count(s), 0);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM outbox"), 0);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM requests"), 0);
	/* So the same request id can be tried again, and then it is applied. */
	c.fail = SM_OK;
	OK(sm_store_write(s, "req-X", office_tx, &c, &replayed, &result, err));
	ck_assert_int_eq(c.calls, 2);
	ck_assert(!replayed);
	ck_assert_str_eq(result, "r");
	free(result);
	OK(sm_store_office_get(s, "350200", &o, err));
	ck_assert_str_eq(o.name, "某编办");
	sm_office_clear(&o);
	ck_assert_int_eq(audit_count(s), 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM requests WHERE id = 'req-X'"), 1);
	/* A store error half way rolls back the first half too: the office
	 * insert fails after nothing, the audit of a second office is gone. */
	struct counting dup = {.office = "350200"};
	ck_assert_int_eq(sm_store_write(s, "req-Y", office_tx, &dup, NULL, NULL, err),
	    SM_E_DUPLICATE);
	ck_assert_int_eq(audit_count(s), 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM outbox"), 1);
	sm_store_close(&s);
}
END_TEST

/* Notification ids stay unique for long request ids. */
static sm_status
two_notices_tx(sm_tx *tx, void *ud, sm_err *e)
{
	sm_notice n = {.case_id = 0, .event = "mark_issued", .channel = "sms",
	    .recipient = "13805910002", .body = "a"};
	sm_status st = sm_tx_notice(tx, &n, e);
	if (st != SM_OK)
		return st;
	n.channel = "email";
	n.recipient = "a@example.cn";
	return sm_tx_notice(tx, &n, e);
}

START_TEST(test_notice_ids)
{
	sm_store *s = open_new();
	char rid[301];
	memset(rid, 'r', 300);
	rid[300] = '\0';
	OK(sm_store_write(s, "short", two_notices_tx, NULL, NULL, NULL, err));
	OK(sm_store_write(s, rid, two_notices_tx, NULL, NULL, NULL, err));
	ck_assert_int_eq(raw_int(db, "SELECT count(DISTINCT msg_id) FROM outbox"), 4);
	char *m = raw_text(db, "SELECT msg_id FROM outbox WHERE id = 2");
	ck_assert_str_eq(m, "short:2");
	free(m);
	m = raw_text(db, "SELECT msg_id FROM outbox WHERE id = 4");
	ck_assert_uint_eq(strlen(m), 302);
	ck_assert_str_eq(m + 300, ":2");
	free(m);
	sm_store_close(&s);
}
END_TEST

/* An e-mail's attachment kept with its notice (schema 12). */
static const char att_bytes[] = "%PDF-1.4\n\0\x01\xff\xfe end";

static sm_status
attachment_tx(sm_tx *tx, void *ud, sm_err *e)
{
	(void)ud;
	sm_notice n = {.event = "mail", .channel = "email", .recipient = "a@example.cn",
	    .subject = "s", .body = "b", .attachment = "case-1-letter.pdf",
	    .attachment_data = att_bytes, .attachment_len = sizeof(att_bytes)};
	sm_status st = sm_tx_notice(tx, &n, e);
	/* one never to be sent keeps no bytes */
	n.status = "refused";
	if (st == SM_OK)
		st = sm_tx_notice(tx, &n, e);
	/* one queued before schema 12 names a file */
	sm_notice old = {.event = "mail", .channel = "email", .recipient = "a@example.cn",
	    .subject = "s", .body = "b", .attachment = "/var/lib/sitemark/mail/case-1-letter.pdf"};
	if (st == SM_OK)
		st = sm_tx_notice(tx, &old, e);
	return st;
}

struct done_op {
	int64_t id;
	const char *status;
};

static sm_status
done_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct done_op *d = ud;
	return sm_tx_notice_done(tx, d->id, d->status, d->status[0] == 'r' ? "down" : NULL,
	    d->status[0] == 'r' ? "2026-02-13T10:05:00+08:00" : NULL, NULL, e);
}

START_TEST(test_notice_attachment)
{
	sm_store *s = open_new();
	sm_notice *ns = NULL;
	size_t n = 0, len = 0;
	void *data = NULL;
	ck_assert_uint_eq(sm_store_attachment_max(s), SM_ATTACHMENT_MAX);
	OK(sm_store_write(s, "att", attachment_tx, NULL, NULL, NULL, err));
	OK(sm_store_notices_due(s, "2026-02-13T10:00:00+08:00", 0, 10, &ns, &n, err));
	ck_assert_uint_eq(n, 2); /* not the refused one */
	ck_assert(ns[0].attachment_kept);
	ck_assert_str_eq(ns[0].attachment, "case-1-letter.pdf");
	ck_assert(!ns[1].attachment_kept);
	ck_assert_str_eq(ns[1].attachment, "/var/lib/sitemark/mail/case-1-letter.pdf");
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM outbox WHERE status = 'refused'"
	    " AND attachment_data IS NULL"), 1);
	int64_t id = ns[0].id;
	for (size_t i = 0; i < n; i++)
		sm_notice_clear(&ns[i]);
	free(ns);
	/* the bytes as they were, NULs and all; none for the others */
	OK(sm_store_notice_attachment(s, id, &data, &len, err));
	ck_assert_uint_eq(len, sizeof(att_bytes));
	ck_assert(memcmp(data, att_bytes, len) == 0);
	free(data);
	OK(sm_store_notice_attachment(s, id + 2, &data, &len, err));
	ck_assert_ptr_null(data);
	ck_assert_int_eq(sm_store_notice_attachment(s, 999, &data, &len, err), SM_E_NOTFOUND);
	/* a backup carries them */
	char *copy = tu_str_cat(dir, "/att-copy.db");
	int64_t records = 0;
	OK(sm_store_backup(s, copy, &records, err));
	ck_assert_int_eq(raw_int(copy, "SELECT count(*) FROM outbox WHERE attachment_data ="
	    " X'255044462D312E340A0001FFFE20656E6400'"), 1);
	free(copy);
	/* kept while it is retried; dropped once sent or given up, the name kept */
	struct done_op d = {id, "retrying"};
	OK(sm_store_write(s, "att-1", done_tx, &d, NULL, NULL, err));
	ck_assert_int_eq(raw_int(db, "SELECT length(attachment_data) FROM outbox WHERE id = 1"),
	    (int64_t)sizeof(att_bytes));
	d.status = "sent";
	OK(sm_store_write(s, "att-2", done_tx, &d, NULL, NULL, err));
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM outbox WHERE id = 1 AND status = 'sent'"
	    " AND attachment_data IS NULL AND attachment = 'case-1-letter.pdf'"), 1);
	OK(sm_store_notice_attachment(s, id, &data, &len, err));
	ck_assert_ptr_null(data);
	d.id = id + 2;
	d.status = "failed";
	OK(sm_store_write(s, "att-3", done_tx, &d, NULL, NULL, err));
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM outbox WHERE attachment_data IS NOT NULL"),
	    0);
	sm_store_close(&s);
}
END_TEST

/* ------------------------------------------------------------ cases */

struct case_op {
	sm_case c;
	int64_t id;
	int64_t expect;
	bool update;
	bool read_first;  /* read the case in the transaction first: the update is deferred */
	bool state_only;  /* sm_tx_case_set_state */
	const char *actor; /* of the audit record ("op"; "" for NULL: refused) */
};

static sm_status
case_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct case_op *op = ud;
	sm_status st;
	if (op->read_first) {
		sm_case was = {0};
		if ((st = sm_tx_case_get(tx, op->c.id, &was, e)) != SM_OK)
			return st;
		sm_case_clear(&was);
	}
	if (op->update && op->state_only)
		st = sm_tx_case_set_state(tx, &op->c, op->expect, e);
	else if (op->update)
		st = sm_tx_case_update(tx, &op->c, op->expect, e);
	else
		st = sm_tx_case_insert(tx, &op->c, &op->id, e);
	if (st != SM_OK)
		return st;
	const char *actor = op->actor == NULL ? "op" : *op->actor ? op->actor : NULL;
	sm_event ev = {.actor = (char *)actor, .role = "unit", .object = "case",
	    .object_id = op->update ? op->c.id : op->id, .action = op->update ? "edit" : "create",
	    .to_state = (char *)sm_state_name(op->c.state)};
	return sm_tx_audit(tx, &ev, e);
}

static int rid_counter;

static sm_status
do_case(sm_store *s, struct case_op *op)
{
	char rid[32];
	snprintf(rid, sizeof(rid), "case-%d", ++rid_counter);
	return sm_store_write(s, rid, case_tx, op, NULL, NULL, err);
}

static struct case_op
new_case_op(int64_t unit, const char *kind, const char *domain)
{
	static json_t *empty;
	if (empty == NULL)
		empty = json_object();
	struct case_op op = {.c = {.kind = sm_kind_parse(kind), .unit = unit, .office = "350100",
	    .state = SM_STATE_DRAFT, .domain = (char *)domain, .domain_unicode = (char *)domain,
	    .values = empty, .created_by = "op"}};
	return op;
}

/* The writes that wait for the next round trip (sm_db_defer): an update of
 * a case read in the transaction, its audit record, the request id's: a
 * stale version, a second open case, a refused record each fail the whole
 * transaction before its commit, with the same words as at once. */
START_TEST(test_deferred_writes)
{
	sm_store *s = open_new();
	struct seed sd = {0};
	seed(s, &sd);
	struct case_op op = new_case_op(sd.unit, "site", "xn--fiq11i8xgb87b.xn--zfr164b");
	OK(do_case(s, &op));
	sm_case c = {0};
	OK(sm_store_case_get(s, op.id, &c, err));
	int64_t audits = audit_count(s), requests = raw_int(db, "SELECT count(*) FROM requests");
	/* read, then updated at a version that is not the case's any more */
	for (int only = 0; only < 2; only++) {
		struct case_op up = {.c = c, .expect = 7, .update = true, .read_first = true,
		    .state_only = only};
		up.c.state = SM_STATE_OFFICE_REVIEW;
		sm_err_clear(err);
		ck_assert_int_eq(do_case(s, &up), SM_E_CONFLICT);
		ck_assert(err_has("changed by someone else"));
	}
	/* the audit record refused (NOT NULL): nothing of the update stays */
	struct case_op bad = {.c = c, .expect = 1, .update = true, .read_first = true, .actor = ""};
	bad.c.state = SM_STATE_OFFICE_REVIEW;
	sm_err_clear(err);
	ck_assert_int_eq(do_case(s, &bad), SM_E_INVALID);
	ck_assert(err_has("NOT NULL"));
	sm_case now = {0};
	OK(sm_store_case_get(s, op.id, &now, err));
	ck_assert_int_eq(now.version, 1);
	ck_assert_str_eq(sm_state_name(now.state), "draft");
	sm_case_clear(&now);
	ck_assert_int_eq(audit_count(s), audits);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM requests"), requests);
	/* and at the right version it goes through, deferred, audited */
	struct case_op good = {.c = c, .expect = 1, .update = true, .read_first = true,
	    .state_only = true};
	good.c.state = SM_STATE_OFFICE_REVIEW;
	OK(do_case(s, &good));
	OK(sm_store_case_get(s, op.id, &now, err));
	ck_assert_int_eq(now.version, 2);
	ck_assert_str_eq(sm_state_name(now.state), "office_review");
	sm_case_clear(&now);
	ck_assert_int_eq(audit_count(s), audits + 1);
	/* a second open case of the kind for the domain: the deferred update
	 * that would make it says so as the immediate one does */
	struct case_op other = new_case_op(sd.unit, "site", "xn--fiq11i8xgb87b.xn--zfr164b");
	other.c.state = SM_STATE_WITHDRAWN;
	OK(do_case(s, &other));
	sm_case o2 = {0};
	OK(sm_store_case_get(s, other.id, &o2, err));
	struct case_op reopen = {.c = o2, .expect = 1, .update = true, .read_first = true};
	reopen.c.state = SM_STATE_OFFICE_REVIEW;
	sm_err_clear(err);
	ck_assert_int_eq(do_case(s, &reopen), SM_E_DUPLICATE);
	ck_assert(err_has("already has an open case"));
	sm_case_clear(&o2);
	sm_case_clear(&c);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_case_version)
{
	sm_store *s = open_new();
	struct seed sd = {0};
	seed(s, &sd);
	struct case_op op = new_case_op(sd.unit, "site", "xn--fiq11i8xgb87b.xn--zfr164b");
	OK(do_case(s, &op));
	sm_case c = {0};
	OK(sm_store_case_get(s, op.id, &c, err));
	ck_assert_int_eq(c.version, 1);
	ck_assert_str_eq(sm_state_name(c.state), "draft");
	ck_assert_str_eq(c.unit_name, "单位甲");
	ck_assert_int_eq(c.unit_type, SM_UNIT_ORGAN);
	ck_assert_str_eq(c.created_at, "2026-02-13T10:00:00+08:00");
	ck_assert_ptr_null(c.due);

	/* Update at version 1: applied, version 2. */
	c.state = SM_STATE_OFFICE_REVIEW;
	c.due = strdup("2026-02-27");
	c.due_kind = strdup("office_review");
	c.submitted_by = strdup("op");
	struct case_op up = {.c = c, .expect = 1, .update = true};
	OK(do_case(s, &up));
	sm_case now = {0};
	OK(sm_store_case_get(s, op.id, &now, err));
	ck_assert_int_eq(now.version, 2);
	ck_assert_str_eq(sm_state_name(now.state), "office_review");
	ck_assert_str_eq(now.due, "2026-02-27");
	ck_assert_str_eq(now.submitted_by, "op");
	sm_case_clear(&now);

	/* Again at version 1: someone else acted first. */
	int64_t audits = audit_count(s);
	up.c.state = SM_STATE_WITHDRAWN;
	sm_err_clear(err);
	ck_assert_int_eq(do_case(s, &up), SM_E_CONFLICT);
	ck_assert(err_has("changed by someone else"));
	OK(sm_store_case_get(s, op.id, &now, err));
	ck_assert_int_eq(now.version, 2);
	ck_assert_str_eq(sm_state_name(now.state), "office_review");
	sm_case_clear(&now);
	ck_assert_int_eq(audit_count(s), audits);
	/* A case that does not exist is no match either. */
	up.c.id = 9999;
	up.expect = 1;
	ck_assert_int_eq(do_case(s, &up), SM_E_CONFLICT);
	sm_case_clear(&up.c);
	ck_assert_int_eq(sm_store_case_get(s, 9999, &now, err), SM_E_NOTFOUND);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_case_unique_open)
{
	sm_store *s = open_new();
	struct seed sd = {0};
	seed(s, &sd);
	const char *dom = "xn--fiq11i8xgb87b.xn--zfr164b";
	struct case_op a = new_case_op(sd.unit, "site", dom);
	OK(do_case(s, &a));
	/* A second open site case of the unit for that domain: refused. */
	struct case_op b = new_case_op(sd.unit, "site", dom);
	sm_err_clear(err);
	ck_assert_int_eq(do_case(s, &b), SM_E_DUPLICATE);
	ck_assert_str_eq(sm_err_field(err, 0), "domain");
	/* Another kind, another domain, another unit: fine. */
	struct case_op c1 = new_case_op(sd.unit, "mark", dom);
	OK(do_case(s, &c1));
	struct case_op c2 = new_case_op(sd.unit, "site", "xn--abc.xn--zfr164b");
	OK(do_case(s, &c2));
	struct case_op c3 = new_case_op(sd.unit2, "site", dom);
	OK(do_case(s, &c3));
	/* Drafts without a domain yet do not clash. */
	struct case_op n1 = new_case_op(sd.unit, "site", NULL);
	struct case_op n2 = new_case_op(sd.unit, "site", NULL);
	OK(do_case(s, &n1));
	OK(do_case(s, &n2));
	/* ... until one is given the domain of an open case. */
	sm_case c = {0};
	OK(sm_store_case_get(s, n1.id, &c, err));
	free(c.domain);
	c.domain = strdup(dom);
	struct case_op up = {.c = c, .expect = 1, .update = true};
	ck_assert_int_eq(do_case(s, &up), SM_E_DUPLICATE);
	/* Once the first case is closed (withdrawn), a new one may open. */
	sm_case first = {0};
	OK(sm_store_case_get(s, a.id, &first, err));
	first.state = SM_STATE_WITHDRAWN;
	struct case_op w = {.c = first, .expect = first.version, .update = true};
	OK(do_case(s, &w));
	OK(do_case(s, &up));
	sm_case_clear(&up.c);
	sm_case_clear(&w.c);
	/* mark_hung closes a case too. */
	c = (sm_case){0};
	OK(sm_store_case_get(s, n1.id, &c, err));
	c.state = SM_STATE_MARK_HUNG;
	struct case_op h = {.c = c, .expect = c.version, .update = true};
	OK(do_case(s, &h));
	sm_case_clear(&h.c);
	struct case_op again = new_case_op(sd.unit, "site", dom);
	OK(do_case(s, &again));

	/* Open domain cases: one per domain in the whole registry. */
	const char *name = "xn--3bs795g.xn--55qw42g";
	struct case_op d1 = new_case_op(sd.unit2, "domain", name);
	OK(do_case(s, &d1));
	struct case_op d2 = new_case_op(sd.unit3, "domain", name);
	ck_assert_int_eq(do_case(s, &d2), SM_E_DUPLICATE);
	sm_store_close(&s);
}
END_TEST

struct dom_op {
	int64_t unit, case_id, exclude;
	const char *ace;
	bool taken, owned;
	bool reg;
};

static sm_status
dom_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct dom_op *d = ud;
	sm_status st;
	if (d->reg && (st = sm_tx_domain_register(tx, d->ace, "某某.公益", d->unit, d->case_id,
	    e)) != SM_OK)
		return st;
	if ((st = sm_tx_domain_taken(tx, d->ace, d->exclude, &d->taken, e)) != SM_OK)
		return st;
	return sm_tx_domain_owned(tx, d->ace, d->unit, &d->owned, e);
}

START_TEST(test_domains)
{
	sm_store *s = open_new();
	struct seed sd = {0};
	seed(s, &sd);
	const char *name = "xn--3bs795g.xn--55qw42g";
	struct dom_op d = {.unit = sd.unit2, .ace = name};
	OK(sm_store_write(s, "d1", dom_tx, &d, NULL, NULL, err));
	ck_assert(!d.taken);
	ck_assert(!d.owned);
	/* An open domain case takes the name, except for itself. */
	struct case_op c = new_case_op(sd.unit2, "domain", name);
	OK(do_case(s, &c));
	OK(sm_store_write(s, "d2", dom_tx, &d, NULL, NULL, err));
	ck_assert(d.taken);
	d.exclude = c.id;
	OK(sm_store_write(s, "d3", dom_tx, &d, NULL, NULL, err));
	ck_assert(!d.taken);
	/* Registered: taken and owned by its unit only. */
	d.reg = true;
	d.case_id = c.id;
	OK(sm_store_write(s, "d4", dom_tx, &d, NULL, NULL, err));
	ck_assert(d.taken);
	ck_assert(d.owned);
	d.reg = false;
	d.unit = sd.unit3;
	OK(sm_store_write(s, "d5", dom_tx, &d, NULL, NULL, err));
	ck_assert(d.taken);
	ck_assert(!d.owned);
	/* Twice: refused. */
	d.reg = true;
	ck_assert_int_eq(sm_store_write(s, "d6", dom_tx, &d, NULL, NULL, err), SM_E_DUPLICATE);

	char **ace = NULL, **uni = NULL;
	size_t n = 0;
	OK(sm_store_unit_domains(s, sd.unit2, "xn--55qw42g", &ace, &uni, &n, err));
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ace[0], name);
	ck_assert_str_eq(uni[0], "某某.公益");
	free(ace[0]);
	free(uni[0]);
	free(ace);
	free(uni);
	OK(sm_store_unit_domains(s, sd.unit2, "xn--zfr164b", &ace, NULL, &n, err));
	ck_assert_uint_eq(n, 0);
	free(ace);
	OK(sm_store_unit_domains(s, sd.unit3, NULL, &ace, NULL, &n, err));
	ck_assert_uint_eq(n, 0);
	free(ace);
	sm_store_close(&s);
}
END_TEST

struct mark_op {
	int64_t unit, case_id;
	int seq;
	int64_t serial;
	const char *code;
};

static sm_status
mark_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct mark_op *m = ud;
	sm_status st = sm_tx_mark_next(tx, m->unit, &m->seq, &m->serial, e);
	if (st != SM_OK || m->code == NULL)
		return st;
	json_t *cert = json_pack("{s:s}", "cert_no", "x");
	char guid[40], cert_no[20];
	snprintf(guid, sizeof(guid), "%032lld", (long long)m->serial);
	snprintf(cert_no, sizeof(cert_no), "2026%010lld", (long long)m->serial);
	sm_mark mk = {.case_id = m->case_id, .unit = m->unit, .code = (char *)m->code,
	    .guid = guid, .cert_no = cert_no, .color = "red", .snippet = "<span></span>",
	    .hang_due = "2026-02-27", .certificate = cert};
	st = sm_tx_mark_insert(tx, &mk, e);
	json_decref(cert);
	return st;
}

START_TEST(test_marks)
{
	sm_store *s = open_new();
	struct seed sd = {0};
	seed(s, &sd);
	struct mark_op m = {.unit = sd.unit};
	OK(sm_store_write(s, "m1", mark_tx, &m, NULL, NULL, err));
	ck_assert_int_eq(m.seq, 1);
	ck_assert_int_eq(m.serial, 1);
	OK(sm_store_write(s, "m2", mark_tx, &m, NULL, NULL, err));
	ck_assert_int_eq(m.seq, 2);
	ck_assert_int_eq(m.serial, 2);
	/* The sequence is the unit's, the serial the registry's. */
	m.unit = sd.unit2;
	OK(sm_store_write(s, "m3", mark_tx, &m, NULL, NULL, err));
	ck_assert_int_eq(m.seq, 1);
	ck_assert_int_eq(m.serial, 3);
	/* A failed write takes no number. */
	m.unit = 424242;
	ck_assert_int_ne(sm_store_write(s, "m4", mark_tx, &m, NULL, NULL, err), SM_OK);
	m.unit = sd.unit2;
	OK(sm_store_write(s, "m5", mark_tx, &m, NULL, NULL, err));
	ck_assert_int_eq(m.seq, 2);
	ck_assert_int_eq(m.serial, 4);
	sm_unit u = {0};
	OK(sm_store_unit_get(s, sd.unit2, &u, err));
	ck_assert_int_eq(u.mark_seq, 2);
	sm_unit_clear(&u);

	/* Inserting marks: one per case, each code once. */
	struct case_op c1 = new_case_op(sd.unit, "site", "xn--a.xn--zfr164b");
	struct case_op c2 = new_case_op(sd.unit, "site", "xn--b.xn--zfr164b");
	OK(do_case(s, &c1));
	OK(do_case(s, &c2));
	m = (struct mark_op){.unit = sd.unit, .case_id = c1.id, .code = "CA350010000000000010003"};
	OK(sm_store_write(s, "m6", mark_tx, &m, NULL, NULL, err));
	/* of a page of cases in one query (500 ids a query): each in its place */
	int64_t ids[1203];
	sm_mark page[1203];
	for (size_t i = 0; i < 1203; i++)
		ids[i] = 100000 + (int64_t)i; /* no such cases */
	ids[700] = c2.id;
	ids[1201] = c1.id;
	memset(page, 0, sizeof(page));
	OK(sm_store_marks_of(s, ids, 1203, page, err));
	for (size_t i = 0; i < 1203; i++)
		if (i != 1201)
			ck_assert_ptr_null(page[i].code);
	ck_assert_str_eq(page[1201].code, "CA350010000000000010003");
	ck_assert_int_eq(page[1201].case_id, c1.id);
	sm_mark_clear(&page[1201]);
	sm_mark mk = {0};
	OK(sm_store_mark_get(s, c1.id, &mk, err));
	ck_assert_str_eq(mk.code, "CA350010000000000010003");
	ck_assert_str_eq(mk.issued_at, "2026-02-13T10:00:00+08:00");
	ck_assert_str_eq(json_string_value(json_object_get(mk.certificate, "cert_no")), "x");
	sm_mark_clear(&mk);
	m.case_id = c1.id;
	m.code = "CA350010000000000010004";
	ck_assert_int_eq(sm_store_write(s, "m7", mark_tx, &m, NULL, NULL, err), SM_E_DUPLICATE);
	m.case_id = c2.id;
	m.code = "CA350010000000000010003";
	ck_assert_int_eq(sm_store_write(s, "m8", mark_tx, &m, NULL, NULL, err), SM_E_DUPLICATE);
	ck_assert_int_eq(sm_store_mark_get(s, c2.id, &mk, err), SM_E_NOTFOUND);
	sm_unit u1 = {0};
	OK(sm_store_unit_get(s, sd.unit, &u1, err));
	ck_assert_int_eq(u1.mark_seq, 3);  /* m1, m2, m6; m7 and m8 rolled back */
	sm_unit_clear(&u1);
	sm_store_close(&s);
}
END_TEST

struct unit_upd {
	int64_t id, version;
	json_t *values;
};

static sm_status
unit_upd_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct unit_upd *u = ud;
	return sm_tx_unit_update(tx, u->id, u->version, u->values, e);
}

static size_t
found_cases(sm_store *s, const char *text, int64_t *first)
{
	sm_case *cs = NULL;
	size_t n = 0;
	int64_t count = -1;
	sm_case_filter f = {.text = text};
	OK(sm_store_case_list(s, &f, &cs, &n, err));
	OK(sm_store_case_count(s, &f, &count, err));
	ck_assert_int_eq(count, (int64_t)n);
	*first = n ? cs[0].id : 0;
	sm_cases_free(&cs, n);
	return n;
}

static size_t
found_units(sm_store *s, const char *text, int64_t *first)
{
	sm_unit *us = NULL;
	size_t n = 0;
	OK(sm_store_unit_search(s, text, false, 0, &us, &n, err));
	*first = n ? us[0].id : 0;
	for (size_t i = 0; i < n; i++)
		sm_unit_clear(&us[i]);
	free(us);
	return n;
}

START_TEST(test_migrate_units_version)
{
	/* A database of schema 1 with a unit: opened, it gets the units'
	 * version (1 for the units there) and the indexes of the mobiles. */
	sm_store *s = open_new();
	struct seed sd = {0};
	seed(s, &sd);
	sm_store_close(&s);
	downgrade_to_1(db);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM pragma_table_info('units')"
	    " WHERE name = 'version'"), 0);
	ck_assert_int_eq(sm_store_open(db, SM_OPEN_EXISTING, &s, err), SM_E_STORE);
	sm_err_clear(err);
	OK(sm_store_open(db, SM_OPEN_CREATE, &s, err));
	ck_assert_int_eq(sm_store_schema_version(s), SM_SCHEMA_VERSION);
	sm_unit u = {0};
	OK(sm_store_unit_get(s, sd.unit2, &u, err));
	ck_assert_int_eq(u.version, 1);
	sm_unit_clear(&u);
	sm_store_close(&s);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND name IN ('units_contact_mobile', 'units_handler_mobile')"), 2);
}
END_TEST

START_TEST(test_search_more)
{
	/* Customer service finds units and cases by mark code, certificate
	 * number (exact), contact's or handler's mobile (exact) and name (part). */
	sm_store *s = open_new();
	struct seed sd = {0};
	int64_t id = 0;
	seed(s, &sd);
	sm_unit u = {0};
	OK(sm_store_unit_get(s, sd.unit2, &u, err));
	ck_assert_int_eq(u.version, 1);
	struct unit_upd up = {.id = sd.unit2, .version = 1, .values = json_pack(
	    "{s:s, s:{s:s, s:s}, s:{s:s, s:s}}", "name", "单位乙",
	    "contact", "name", "李华", "mobile", "13905910001",
	    "handler", "name", "王芳", "mobile", "13805919999")};
	OK(sm_store_write(s, "u1", unit_upd_tx, &up, NULL, NULL, err));
	sm_unit_clear(&u);
	OK(sm_store_unit_get(s, sd.unit2, &u, err));
	ck_assert_int_eq(u.version, 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(u.values, "contact"),
	    "name")), "李华");
	sm_unit_clear(&u);
	/* the version moved: a second write from version 1 is refused */
	ck_assert_int_eq(sm_store_write(s, "u2", unit_upd_tx, &up, NULL, NULL, err), SM_E_CONFLICT);
	sm_err_clear(err);
	json_decref(up.values);

	struct case_op a = new_case_op(sd.unit, "site", "xn--a.xn--zfr164b");
	struct case_op b = new_case_op(sd.unit2, "mark", "xn--b.xn--55qw42g");
	struct case_op b2 = new_case_op(sd.unit2, "domain", NULL);
	OK(do_case(s, &a));
	OK(do_case(s, &b));
	OK(do_case(s, &b2));
	struct mark_op m = {.unit = sd.unit2, .case_id = b.id, .code = "CA350010000000000020001"};
	OK(sm_store_write(s, "mk", mark_tx, &m, NULL, NULL, err));
	char cert_no[20];
	snprintf(cert_no, sizeof(cert_no), "2026%010lld", (long long)m.serial);

	/* the mark code and certificate number: the one case with that mark */
	ck_assert_uint_eq(found_cases(s, "CA350010000000000020001", &id), 1);
	ck_assert_int_eq(id, b.id);
	ck_assert_uint_eq(found_cases(s, "ca350010000000000020001", &id), 1);
	ck_assert_uint_eq(found_cases(s, cert_no, &id), 1);
	ck_assert_int_eq(id, b.id);
	ck_assert_uint_eq(found_cases(s, "CA350010000000000020002", &id), 0);
	/* a mobile: every case of the unit; not a part of one */
	ck_assert_uint_eq(found_cases(s, "13905910001", &id), 2);
	ck_assert_uint_eq(found_cases(s, "13805919999", &id), 2);
	ck_assert_uint_eq(found_cases(s, "1390591", &id), 0);
	/* the seed's handler mobile is every unit's */
	ck_assert_uint_eq(found_cases(s, "13805910002", &id), 1);
	ck_assert_int_eq(id, a.id);
	/* a name, or a part of it */
	ck_assert_uint_eq(found_cases(s, "李华", &id), 2);
	ck_assert_uint_eq(found_cases(s, "李", &id), 2);
	ck_assert_uint_eq(found_cases(s, "王芳", &id), 2);
	ck_assert_uint_eq(found_cases(s, "张三", &id), 0);
	/* the case number still finds the case */
	char num[24];
	snprintf(num, sizeof(num), "%lld", (long long)a.id);
	ck_assert_uint_eq(found_cases(s, num, &id), 1);
	ck_assert_int_eq(id, a.id);

	/* units likewise */
	ck_assert_uint_eq(found_units(s, "CA350010000000000020001", &id), 1);
	ck_assert_int_eq(id, sd.unit2);
	ck_assert_uint_eq(found_units(s, cert_no, &id), 1);
	ck_assert_int_eq(id, sd.unit2);
	ck_assert_uint_eq(found_units(s, "13905910001", &id), 1);
	ck_assert_int_eq(id, sd.unit2);
	ck_assert_uint_eq(found_units(s, "李", &id), 1);
	ck_assert_int_eq(id, sd.unit2);
	ck_assert_uint_eq(found_units(s, "13805910002", &id), 2);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_reads)
{
	sm_store *s = open_new();
	struct seed sd = {0};
	seed(s, &sd);
	struct case_op a = new_case_op(sd.unit, "site", "xn--fiq11i8xgb87b.xn--zfr164b");
	struct case_op b = new_case_op(sd.unit2, "mark", "xn--3bs795g.xn--55qw42g");
	struct case_op c = new_case_op(sd.unit3, "domain", NULL);
	OK(do_case(s, &a));
	OK(do_case(s, &b));
	OK(do_case(s, &c));
	sm_case *cs = NULL;
	size_t n = 0;
	int64_t count = 0;
	sm_case_filter f = {0};
	OK(sm_store_case_list(s, &f, &cs, &n, err));
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(cs[0].id, c.id);  /* newest first */
	ck_assert_int_eq(cs[2].id, a.id);
	sm_cases_free(&cs, n);
	ck_assert_ptr_null(cs);
	f.kind = SM_KIND_MARK;
	OK(sm_store_case_list(s, &f, &cs, &n, err));
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cs[0].id, b.id);
	sm_cases_free(&cs, n);
	f = (sm_case_filter){.states = SM_BIT(SM_STATE_DRAFT) | SM_BIT(SM_STATE_OFFICE_REVIEW),
	    .unit = sd.unit};
	OK(sm_store_case_count(s, &f, &count, err));
	ck_assert_int_eq(count, 1);
	f = (sm_case_filter){.states = SM_BIT(SM_STATE_OFFICE_REVIEW)};
	OK(sm_store_case_count(s, &f, &count, err));
	ck_assert_int_eq(count, 0);
	f = (sm_case_filter){.text = "单位乙"};
	OK(sm_store_case_list(s, &f, &cs, &n, err));
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cs[0].id, b.id);
	sm_cases_free(&cs, n);
	f = (sm_case_filter){.limit = 2, .offset = 1};
	OK(sm_store_case_list(s, &f, &cs, &n, err));
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(cs[0].id, b.id);
	sm_cases_free(&cs, n);
	f = (sm_case_filter){.acted_by = "op"};
	OK(sm_store_case_count(s, &f, &count, err));
	ck_assert_int_eq(count, 3);
	f = (sm_case_filter){.acted_by = "nobody"};
	OK(sm_store_case_count(s, &f, &count, err));
	ck_assert_int_eq(count, 0);

	sm_event *ev = NULL;
	OK(sm_store_case_history(s, b.id, &ev, &n, err));
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ev[0].action, "create");
	ck_assert_str_eq(ev[0].to_state, "draft");
	ck_assert_ptr_null(ev[0].from_state);
	ck_assert_uint_eq(strlen(ev[0].hash), SM_AUDIT_HASH_LEN);
	sm_events_free(&ev, n);

	sm_unit *us = NULL;
	OK(sm_store_unit_search(s, "单位", false, 0, &us, &n, err));
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++)
		sm_unit_clear(&us[i]);
	free(us);
	OK(sm_store_unit_search(s, "123501004880012335", false, 0, &us, &n, err));
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(us[0].id, sd.unit2);
	ck_assert_str_eq(json_string_value(json_object_get(us[0].values, "name")), "单位乙");
	sm_unit_clear(&us[0]);
	free(us);

	sm_user u = {0};
	OK(sm_store_user_get(s, "op", &u, err));
	ck_assert_int_eq(u.role, SM_ROLE_UNIT);
	ck_assert_int_eq(u.unit, sd.unit);
	ck_assert(!u.locked);
	sm_user_clear(&u);
	ck_assert_int_eq(sm_store_user_get(s, "nobody", &u, err), SM_E_NOTFOUND);
	ck_assert_uint_eq(sm_store_user_count(s), 1);
	sm_store_close(&s);
}
END_TEST

/* ------------------------------------------------------------ audit chain */

static sm_status
audit_tx(sm_tx *tx, void *ud, sm_err *e)
{
	int *i = ud;
	char reason[32];
	snprintf(reason, sizeof(reason), "reason %d", *i);
	sm_event ev = {.actor = "conac-li", .role = "conac", .object = "case", .object_id = *i,
	    .action = "approve", .from_state = "conac_review", .to_state = "mark_issued",
	    .reason = reason, .values = "{\"k\":1}"};
	return sm_tx_audit(tx, &ev, e);
}

#define N_AUDIT 6

static sm_store *
audit_db(void)
{
	sm_store *s = open_new();
	for (int i = 1; i <= N_AUDIT; i++) {
		char rid[16];
		snprintf(rid, sizeof(rid), "a%d", i);
		OK(sm_store_write(s, rid, audit_tx, &i, NULL, NULL, err));
	}
	int64_t broken = -1, count = -1;
	OK(sm_store_audit_verify(s, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	ck_assert_int_eq(count, N_AUDIT);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM audit"), N_AUDIT);
	char *first_prev = raw_text(db, "SELECT prev_hash FROM audit WHERE seq = 1");
	ck_assert_str_eq(first_prev, SM_AUDIT_GENESIS);
	free(first_prev);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM audit a JOIN audit b"
	    " ON b.seq = a.seq + 1 WHERE b.prev_hash = a.hash"), N_AUDIT - 1);
	return s;
}

static int64_t
broken_after(sm_store *s, const char *tamper)
{
	int64_t broken = -1, count = -1;
	raw_exec(db, tamper);
	OK(sm_store_audit_verify(s, &broken, &count, err));
	return broken;
}

static const struct {
	const char *sql;
	int64_t broken;
} tampers[] = {
	/* one row's reason edited */
	{"UPDATE audit SET reason = 'reason 9' WHERE seq = 3", 3},
	/* one row's actor edited */
	{"UPDATE audit SET actor = 'someone' WHERE seq = 5", 5},
	/* the first row's values */
	{"UPDATE audit SET \"values\" = '{\"k\":2}' WHERE seq = 1", 1},
	/* a middle row deleted: the next one no longer follows */
	{"DELETE FROM audit WHERE seq = 3", 4},
	/* the first row deleted */
	{"DELETE FROM audit WHERE seq = 1", 2},
	/* two rows' contents swapped (3 <-> 5) */
	{"UPDATE audit SET seq = -seq WHERE seq IN (3, 5);"
	 "UPDATE audit SET seq = 8 + seq WHERE seq IN (-3, -5)", 3},
	/* two neighbours swapped (4 <-> 5) */
	{"UPDATE audit SET seq = -seq WHERE seq IN (4, 5);"
	 "UPDATE audit SET seq = 9 + seq WHERE seq IN (-4, -5)", 4},
	/* a row appended with a made-up hash */
	{"INSERT INTO audit(seq, at, actor, object, object_id, action, prev_hash, hash)"
	 " SELECT 7, at, actor, object, object_id, action, hash, hash FROM audit WHERE seq = 6", 7},
	/* the last row's hash replaced */
	{"UPDATE audit SET hash = prev_hash WHERE seq = 6", 6},
	/* a NULL where a value was */
	{"UPDATE audit SET from_state = NULL WHERE seq = 2", 2},
	/* an empty string where NULL was */
	{"UPDATE audit SET object_key = '' WHERE seq = 2", 2},
	/* a NUL and more after a field's text (a field is hashed up to its
	 * first NUL), as a blob and as text */
	{"UPDATE audit SET actor = CAST(actor AS BLOB) || x'00' WHERE seq = 5", 5},
	{"UPDATE audit SET action = CAST(CAST(action AS BLOB) || x'00787878' AS TEXT) WHERE seq = 4", 4},
	/* the same bytes as another type: a blob, a number as a blob */
	{"UPDATE audit SET actor = CAST(actor AS BLOB) WHERE seq = 3", 3},
	{"UPDATE audit SET object_id = CAST(object_id AS BLOB) WHERE seq = 6", 6},
};

START_TEST(test_audit_tamper)
{
	sm_store *s = audit_db();
	ck_assert_int_eq(broken_after(s, tampers[_i].sql), tampers[_i].broken);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_audit_edit_and_rehash)
{
	/* Someone edits row 3 and recomputes its hash: row 4 no longer chains. */
	sm_store *s = audit_db();
	sm_event *ev = NULL;
	size_t n = 0;
	OK(sm_store_case_history(s, 3, &ev, &n, err));
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ev[0].seq, 3);
	sm_audit_rec r = {
		.seq = 3, .at = ev[0].at, .actor = ev[0].actor, .role = ev[0].role,
		.ssh_client = ev[0].ssh_client, .object = ev[0].object,
		.object_id = ev[0].object_id, .object_key = ev[0].object_key,
		.action = ev[0].action, .from_state = ev[0].from_state,
		.to_state = ev[0].to_state, .reason = "nothing to see",
		.values = ev[0].values, .request_id = ev[0].request_id,
		.prev_hash = ev[0].prev_hash,
	};
	char h[SM_AUDIT_HASH_LEN + 1];
	/* The stored hash is the one sm_audit_hash gives for the record. */
	sm_audit_rec orig = r;
	orig.reason = ev[0].reason;
	sm_audit_hash(&orig, h);
	ck_assert_str_eq(h, ev[0].hash);
	sm_audit_hash(&r, h);
	char *sql = NULL;
	ck_assert(asprintf(&sql, "UPDATE audit SET reason = 'nothing to see', hash = '%s'"
	    " WHERE seq = 3", h) > 0);
	ck_assert_int_eq(broken_after(s, sql), 4);
	free(sql);
	sm_events_free(&ev, n);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_audit_restore)
{
	/* The verification is of the data, not a sticky flag: undoing the edit
	 * makes the chain whole again; the store's connection sees edits made
	 * while it is open. */
	sm_store *s = audit_db();
	ck_assert_int_eq(broken_after(s, "UPDATE audit SET reason = 'x' WHERE seq = 2"), 2);
	ck_assert_int_eq(broken_after(s, "UPDATE audit SET reason = 'reason 2' WHERE seq = 2"), 0);
	/* And it goes on chaining after verification. */
	int i = 7;
	OK(sm_store_write(s, "a7", audit_tx, &i, NULL, NULL, err));
	ck_assert_int_eq(broken_after(s, "SELECT 1"), 0);
	ck_assert_int_eq(audit_count(s), 7);
	sm_store_close(&s);
}
END_TEST

/* ------------------------------------------------------------ anchors */

/* Six audit records, anchored every 2 (no syslog): anchors at 2, 4, 6. */
static sm_store *
anchored_db(void)
{
	sm_store *s = open_new();
	sm_store_set_anchors(s, NULL, 2, -1);
	for (int i = 1; i <= N_AUDIT; i++) {
		char rid[16];
		snprintf(rid, sizeof(rid), "a%d", i);
		OK(sm_store_write(s, rid, audit_tx, &i, NULL, NULL, err));
	}
	return s;
}

static sm_audit_check
audit_check(sm_store *s, bool anchor)
{
	sm_audit_check a;
	OK(sm_store_audit_check(s, NULL, anchor, &a, err));
	return a;
}

START_TEST(test_anchor_every)
{
	sm_store *s = anchored_db();
	sm_anchor *a = NULL;
	size_t n = 0;
	ck_assert_str_eq(sm_store_anchors_path(s), tu_str_cat(db, ".anchors"));
	OK(sm_anchor_load(sm_store_anchors_path(s), &a, &n, err));
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(a[0].seq, 2);
	ck_assert_int_eq(a[2].seq, 6);
	char *h6 = raw_text(db, "SELECT hash FROM audit WHERE seq = 6");
	ck_assert_str_eq(a[2].hash, h6);
	free(h6);
	free(a);
	sm_audit_check c = audit_check(s, true);
	ck_assert_int_eq(c.broken_seq, 0);
	ck_assert_int_eq(c.anchor_seq, 0);
	ck_assert_int_eq(c.count, N_AUDIT);
	ck_assert_uint_eq(c.anchors, 3);
	ck_assert(!c.anchored); /* the head is anchored already */
	int i = 7;
	OK(sm_store_write(s, "a7", audit_tx, &i, NULL, NULL, err));
	c = audit_check(s, true);
	ck_assert(c.anchored); /* a check anchors the head it verified */
	ck_assert_int_eq(c.head_seq, 7);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_anchor_tail_deleted)
{
	/* The hole: a tail deleted with the sqlite3 shell still verifies as a
	 * chain; the anchors find it and name the first record missing. */
	sm_store *s = anchored_db();
	int64_t broken = -1, count = -1;
	raw_exec(db, "DELETE FROM audit WHERE seq > 3");
	OK(sm_store_audit_verify(s, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	sm_audit_check c = audit_check(s, true);
	ck_assert(c.tail_deleted);
	ck_assert_int_eq(c.anchor_seq, 4);
	ck_assert_int_eq(c.first_bad, 4);
	ck_assert_int_eq(c.head_seq, 3);
	ck_assert(!c.anchored); /* a truncated log is not anchored */
	sm_store_close(&s);
}
END_TEST

/* Rewrite record FROM's reason and compute the chain again from there:
 * what someone with the sqlite3 shell and the hash function can do. */
static void
rewrite_and_rehash(sm_store *s, int64_t from, const char *reason)
{
	char prev[SM_AUDIT_HASH_LEN + 1] = "";
	for (int64_t seq = from; seq <= N_AUDIT; seq++) {
		sm_event e = {0};
		OK(sm_store_audit_get(s, seq, &e, err));
		sm_audit_rec r = {
			.seq = e.seq, .at = e.at, .actor = e.actor, .role = e.role,
			.ssh_client = e.ssh_client, .object = e.object, .object_id = e.object_id,
			.object_key = e.object_key, .action = e.action, .from_state = e.from_state,
			.to_state = e.to_state, .reason = seq == from ? reason : e.reason,
			.values = e.values, .request_id = e.request_id,
			.prev_hash = seq == from ? e.prev_hash : prev,
		};
		char h[SM_AUDIT_HASH_LEN + 1], *sql = NULL;
		sm_audit_hash(&r, h);
		ck_assert(asprintf(&sql, "UPDATE audit SET reason = '%s', prev_hash = '%s', hash = '%s'"
		    " WHERE seq = %lld", r.reason, r.prev_hash, h, (long long)seq) > 0);
		raw_exec(db, sql);
		free(sql);
		memcpy(prev, h, sizeof(prev));
		sm_event_clear(&e);
	}
}

START_TEST(test_anchor_rehash)
{
	/* The hole: record 3 rewritten and the chain computed again verifies;
	 * the anchor at 4 no longer matches: the rewrite began after 2. */
	sm_store *s = anchored_db();
	int64_t broken = -1, count = -1;
	rewrite_and_rehash(s, 3, "nothing to see");
	OK(sm_store_audit_verify(s, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	sm_audit_check c = audit_check(s, true);
	ck_assert(!c.tail_deleted);
	ck_assert_int_eq(c.anchor_seq, 4);
	ck_assert_int_eq(c.first_bad, 3);
	ck_assert(!c.anchored);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_anchor_file_altered)
{
	/* Anchors from another file; a line that is not an anchor. */
	sm_store *s = anchored_db();
	char *other = tu_write(dir, "other.anchors", "9 "
	    "0000000000000000000000000000000000000000000000000000000000000000 2026-01-01T00:00:00+08:00 every\n");
	sm_audit_check a;
	OK(sm_store_audit_check(s, other, false, &a, err));
	ck_assert(a.tail_deleted);
	ck_assert_int_eq(a.anchor_seq, 9);
	char *bad = tu_write(dir, "bad.anchors", "2 zz 2026 every\n");
	ck_assert_int_eq(sm_store_audit_check(s, bad, false, &a, err), SM_E_INVALID);
	ck_assert(err_has("bad.anchors:1"));
	free(other);
	free(bad);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_broken_refuses_writes)
{
	sm_store *s = anchored_db();
	char *flag = tu_str_cat(db, ".broken");
	ck_assert(!sm_store_broken(s, NULL));
	FILE *f = fopen(flag, "w");
	ck_assert_ptr_nonnull(f);
	fputs("2026-01-01T00:00:00+08:00 database disk image is malformed\n", f);
	fclose(f);
	char *why = NULL;
	ck_assert(sm_store_broken(s, &why));
	ck_assert_ptr_nonnull(strstr(why, "malformed"));
	free(why);
	int i = 7;
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_write(s, "a7", audit_tx, &i, NULL, NULL, err), SM_E_STORE);
	ck_assert(err_has("restore"));
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM audit"), N_AUDIT);
	OK(sm_store_clear_broken(s, err));
	OK(sm_store_write(s, "a7", audit_tx, &i, NULL, NULL, err));
	free(flag);
	sm_store_close(&s);
}
END_TEST

START_TEST(test_backup_restore)
{
	sm_store *s = anchored_db();
	char *copy = tu_str_cat(dir, "/copy.db"), *back = tu_str_cat(dir, "/back.db");
	int64_t records = 0;
	OK(sm_store_backup(s, copy, &records, err));
	ck_assert_int_eq(records, N_AUDIT);
	ck_assert_int_eq(raw_int(copy, "SELECT count(*) FROM audit"), N_AUDIT);
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_backup(s, copy, &records, err), SM_E_IO); /* not over a file */
	ck_assert(err_has("exists"));
	OK(sm_store_restore(copy, back, false, &records, err));
	ck_assert_int_eq(records, N_AUDIT);
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_restore(copy, back, false, &records, err), SM_E_IO);
	ck_assert(err_has("--force"));
	OK(sm_store_restore(copy, back, true, &records, err));
	/* a backup whose chain is broken is not restored */
	raw_exec(copy, "UPDATE audit SET reason = 'x' WHERE seq = 2");
	char *other = tu_str_cat(dir, "/other.db");
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_restore(copy, other, false, &records, err), SM_E_STORE);
	ck_assert(err_has("not a good backup"));
	ck_assert_int_eq(access(other, F_OK), -1);
	free(copy);
	free(back);
	free(other);
	sm_store_close(&s);
}
END_TEST

/* ------------------------------------------------------------ constraints */

struct bad_insert {
	int which; /* 0 duplicate office, 1 CHECK, 2 NOT NULL, 3 FOREIGN KEY */
};

static sm_status
bad_insert_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct bad_insert *b = ud;
	sm_office o = {.code = "350100", .name = "福州市委编办"};
	switch (b->which) {
	case 0: /* the office that seed() made */
		return sm_tx_office_insert(tx, &o, e);
	case 1: { /* an office reviewer without an office: the CHECK constraint */
		sm_user u = {.login = "x1", .role = SM_ROLE_OFFICE};
		return sm_tx_user_insert(tx, &u, e);
	}
	case 2: { /* an office without its NOT NULL name */
		sm_office nameless = {.code = "350200", .name = NULL};
		return sm_tx_office_insert(tx, &nameless, e);
	}
	default: { /* an office user of an office that does not exist */
		sm_user u = {.login = "x3", .role = SM_ROLE_OFFICE, .office = "999999"};
		return sm_tx_user_insert(tx, &u, e);
	}
	}
}

START_TEST(test_constraint_kinds)
{
	static const struct {
		sm_status status;
		const char *says;
	} want[] = {
		{SM_E_DUPLICATE, "an office with this code already exists"},
		{SM_E_INVALID, "CHECK constraint"},
		{SM_E_INVALID, "NOT NULL constraint"},
		{SM_E_INVALID, "FOREIGN KEY constraint"},
	};
	sm_store *s = open_new();
	struct seed sd = {0};
	seed(s, &sd);
	for (int i = 0; i < 4; i++) {
		struct bad_insert b = {i};
		char rid[16];
		snprintf(rid, sizeof(rid), "bad-%d", i);
		sm_err_clear(err);
		ck_assert_int_eq(sm_store_write(s, rid, bad_insert_tx, &b, NULL, NULL, err),
		    want[i].status);
		ck_assert_int_eq(sm_err_status(err), want[i].status);
		ck_assert_msg(err_has(want[i].says), "case %d: %s", i,
		    sm_err_count(err) ? sm_err_msg(err, 0) : "(no message)");
		/* only a uniqueness rule is a duplicate */
		ck_assert(i == 0 || !err_has("already exists"));
	}
	/* nothing of it was written */
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM offices"), 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM users"), 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM requests WHERE id LIKE 'bad-%'"), 0);
	sm_store_close(&s);
}
END_TEST

/* ------------------------------------------------------------ the driver */

START_TEST(test_driver_roundtrip)
{
	const sm_db_driver *drv = &sm_db_sqlite;
	sm_db *d = NULL;
	sm_db_stmt *ins = NULL, *sel = NULL;
	static const char text[] = "福州 \"quoted\" 'x' 🙂";

	ck_assert_int_eq(drv->open(db, false, &d, err), SM_E_STORE);
	ck_assert_ptr_null(d);
	OK(drv->open(db, true, &d, err));
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_eq(d->drv, drv);
	ck_assert_int_eq(sm_db_exec(d, "CREATE TABLE t(id INTEGER PRIMARY KEY, i INTEGER,"
	    " s TEXT, r REAL, n TEXT, k TEXT UNIQUE, c INTEGER CHECK(c > 0), m TEXT NOT NULL)"),
	    SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(d, "INSERT INTO t(i, s, r, n, k, c, m)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", true, &ins), SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_int64(ins, 1, INT64_MIN), SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_text(ins, 2, text), SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_double(ins, 3, 2.5), SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_null(ins, 4), SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_text_owned(ins, 5, strdup("key-1")), SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_int64(ins, 6, 1), SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_text(ins, 7, "m"), SM_DB_OK);
	ck_assert_int_eq(sm_db_step(ins), SM_DB_DONE);
	ck_assert_int_eq(sm_db_changes(d), 1);
	ck_assert_int_eq(sm_db_last_insert_id(d), 1);

	/* bytes both ways: NULs kept, an empty blob is not NULL, text is not bytes */
	sm_db_stmt *b = NULL;
	size_t blen = 9;
	ck_assert_int_eq(sm_db_exec(d, "CREATE TABLE bl(b)"), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(d, "INSERT INTO bl VALUES (?1)", false, &b), SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_blob(b, 1, "a\0b", 3), SM_DB_OK);
	ck_assert_int_eq(sm_db_step(b), SM_DB_DONE);
	sm_db_reset(b);
	ck_assert_int_eq(sm_db_bind_blob(b, 1, "x", 0), SM_DB_OK);
	ck_assert_int_eq(sm_db_step(b), SM_DB_DONE);
	sm_db_finalize(b);
	ck_assert_int_eq(sm_db_prepare(d, "SELECT b, 'text' FROM bl ORDER BY rowid", false, &b),
	    SM_DB_OK);
	ck_assert_int_eq(sm_db_step(b), SM_DB_ROW);
	ck_assert_int_eq(sm_db_column_type(b, 0), SM_DB_BLOB);
	ck_assert(memcmp(sm_db_column_blob(b, 0, &blen), "a\0b", 3) == 0);
	ck_assert_uint_eq(blen, 3);
	ck_assert_ptr_null(sm_db_column_blob(b, 1, &blen));
	ck_assert_int_eq(sm_db_step(b), SM_DB_ROW);
	ck_assert_ptr_nonnull(sm_db_column_blob(b, 0, &blen));
	ck_assert_uint_eq(blen, 0);
	sm_db_finalize(b);

	/* sm_in_tx(): a guarded write outside a transaction fails; inside
	 * one, and deferred, it runs; after a failure nothing more does */
	sm_db_stmt *g = NULL;
	const sm_db_outcome *out = NULL;
	size_t nout = 0;
	ck_assert_int_eq(sm_db_prepare(d, "INSERT INTO t(m, k) SELECT ?1, ?1 WHERE sm_in_tx()", false,
	    &g), SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_text(g, 1, "guarded"), SM_DB_OK);
	ck_assert_int_eq(sm_db_step(g), SM_DB_ERROR);
	ck_assert_ptr_nonnull(strstr(sm_db_errmsg(d), "not inside a transaction"));
	sm_db_reset(g);
	ck_assert_int_eq(sm_db_begin(d, true), SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_text(g, 1, "guarded"), SM_DB_OK);
	ck_assert_int_eq(sm_db_defer(g, -1), SM_DB_OK);
	sm_db_reset(g);
	ck_assert_int_eq(sm_db_bind_text(g, 1, "guarded"), SM_DB_OK); /* UNIQUE k */
	ck_assert_int_eq(sm_db_defer(g, -1), SM_DB_OK);
	sm_db_reset(g);
	ck_assert_int_eq(sm_db_bind_text(g, 1, "after"), SM_DB_OK);
	ck_assert_int_eq(sm_db_defer(g, -1), SM_DB_OK);
	sm_db_reset(g);
	ck_assert_int_eq(sm_db_sync(d, &out, &nout), SM_DB_OK);
	ck_assert_uint_eq(nout, 3);
	ck_assert_int_eq(out[0].rc, SM_DB_OK);
	ck_assert_int_eq(out[0].changes, 1);
	ck_assert_int_eq(out[1].rc, SM_DB_UNIQUE);
	ck_assert_ptr_nonnull(strstr(out[1].msg, "UNIQUE"));
	ck_assert_int_eq(out[2].rc, SM_DB_UNIQUE); /* not run */
	ck_assert_int_eq(sm_db_rollback(d), SM_DB_OK);
	sm_db_finalize(g);

	/* reset clears the parameters: NOT NULL m now fails, and says so */
	sm_db_reset(ins);
	ck_assert_int_eq(sm_db_bind_int64(ins, 6, 1), SM_DB_OK);
	ck_assert_int_eq(sm_db_step(ins), SM_DB_NOTNULL);
	ck_assert_int_eq(sm_db_fail(d, SM_DB_NOTNULL, err), SM_E_INVALID);
	ck_assert(err_has("NOT NULL"));
	/* the same key again is a duplicate, a bad value a CHECK */
	sm_db_reset(ins);
	sm_db_bind_text(ins, 5, "key-1");
	sm_db_bind_int64(ins, 6, 1);
	sm_db_bind_text(ins, 7, "m");
	ck_assert_int_eq(sm_db_step(ins), SM_DB_UNIQUE);
	sm_db_reset(ins);
	sm_db_bind_text(ins, 5, "key-2");
	sm_db_bind_int64(ins, 6, 0);
	sm_db_bind_text(ins, 7, "m");
	ck_assert_int_eq(sm_db_step(ins), SM_DB_CHECK);
	sm_db_reset(ins);
	ck_assert_int_eq(sm_db_exec(d, "INSERT INTO t(id, m) VALUES (1, 'again')"), SM_DB_UNIQUE);
	ck_assert_int_eq(sm_db_exec(d, "this is not SQL"), SM_DB_ERROR);
	sm_err_clear(err);
	ck_assert_int_eq(sm_db_fail(d, SM_DB_UNIQUE, err), SM_E_DUPLICATE);
	ck_assert_int_eq(sm_db_fail(d, SM_DB_CHECK, err), SM_E_INVALID);
	ck_assert_int_eq(sm_db_fail(d, SM_DB_BUSY, err), SM_E_STORE);

	ck_assert_int_eq(sm_db_prepare(d, "SELECT id, i, s, r, n FROM t WHERE id = ?1", false,
	    &sel), SM_DB_OK);
	sm_db_reset(sel);
	sm_db_bind_int64(sel, 1, 1);
	ck_assert_int_eq(sm_db_step(sel), SM_DB_ROW);
	ck_assert_int_eq(sm_db_column_count(sel), 5);
	ck_assert_int_eq(sm_db_column_type(sel, 0), SM_DB_INTEGER);
	ck_assert_int_eq(sm_db_column_type(sel, 2), SM_DB_TEXT);
	ck_assert_int_eq(sm_db_column_type(sel, 3), SM_DB_FLOAT);
	ck_assert_int_eq(sm_db_column_type(sel, 4), SM_DB_NULL);
	ck_assert_int_eq(sm_db_column_int64(sel, 1), INT64_MIN);
	ck_assert_str_eq(sm_db_column_text(sel, 2), text);
	ck_assert(sm_db_column_double(sel, 3) == 2.5);
	ck_assert_ptr_null(sm_db_column_text(sel, 4));
	ck_assert_int_eq(sm_db_step(sel), SM_DB_DONE);

	/* transactions: rolled back is gone, committed stays; a rollback
	 * without a transaction does nothing */
	ck_assert_int_eq(sm_db_begin(d, true), SM_DB_OK);
	ck_assert_int_eq(sm_db_exec(d, "INSERT INTO t(id, m) VALUES (2, 'b')"), SM_DB_OK);
	ck_assert_int_eq(sm_db_rollback(d), SM_DB_OK);
	ck_assert_int_eq(sm_db_rollback(d), SM_DB_OK);
	ck_assert_int_eq(sm_db_begin(d, false), SM_DB_OK);
	ck_assert_int_eq(sm_db_exec(d, "INSERT INTO t(id, m) VALUES (3, 'c')"), SM_DB_OK);
	ck_assert_int_eq(sm_db_commit(d), SM_DB_OK);
	sm_db_finalize(ins);
	sm_db_finalize(sel);
	sm_db_close(d);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM t WHERE id IN (1, 3)"), 2);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM t WHERE id = 2"), 0);
}
END_TEST

/* ------------------------------------------------------------ the clock */

static sm_status
note_tx(sm_tx *tx, void *ud, sm_err *e)
{
	sm_note n = {.object = "unit", .object_id = 1, .author = "op", .text = ud};
	return sm_tx_note_insert(tx, &n, NULL, e);
}

START_TEST(test_session_clock)
{
	sm_store *s = open_new();
	struct seed sd = {0};
	sm_note *notes = NULL;
	size_t n = 0;
	char now[32];

	seed(s, &sd);
	/* every record of a write carries the session's "now", whatever
	 * SITEMARK_NOW says (setup set it elsewhere) */
	OK(sm_store_write(s, "n1", note_tx, "first", NULL, NULL, err));
	/* the session moves its clock: the store follows */
	clock_ = sm_clock_choose("2026-03-02T09:30:00+08:00", false);
	sm_store_now(s, now);
	ck_assert_str_eq(now, "2026-03-02T09:30:00+08:00");
	OK(sm_store_write(s, "n2", note_tx, "second", NULL, NULL, err));
	OK(sm_store_notes(s, "unit", 1, &notes, &n, err));
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(notes[0].at, "2026-02-13T10:00:00+08:00");
	ck_assert_str_eq(notes[1].at, "2026-03-02T09:30:00+08:00");
	for (size_t i = 0; i < n; i++)
		sm_note_clear(&notes[i]);
	free(notes);
	char *at = raw_text(db, "SELECT group_concat(id || '=' || at, ' ')"
	    " FROM (SELECT id, at FROM requests ORDER BY id)");
	ck_assert_str_eq(at, "n1=2026-02-13T10:00:00+08:00 n2=2026-03-02T09:30:00+08:00"
	    " seed=2026-02-13T10:00:00+08:00");
	free(at);
	char *unit_at = raw_text(db, "SELECT created_at FROM units WHERE id = 1");
	ck_assert_str_eq(unit_at, "2026-02-13T10:00:00+08:00");
	free(unit_at);

	/* without a session's clock, the system's: not SITEMARK_NOW */
	sm_store_set_clock(s, NULL);
	time_t t = time(NULL);
	sm_store_now(s, now);
	char lo[32], hi[32];
	sm_time_format(t, lo, sizeof(lo));
	sm_time_format(t + 5, hi, sizeof(hi));
	ck_assert_msg(strcmp(now, lo) >= 0 && strcmp(now, hi) <= 0, "now %s", now);
	sm_store_close(&s);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("open");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_open_create);
	tcase_add_test(tc, test_open_not_sqlite);
	tcase_add_test(tc, test_open_other_program);
	tcase_add_test(tc, test_open_newer);
	tcase_add_test(tc, test_file_gone);
	tcase_add_test(tc, test_open_old_existing);
	tcase_add_test(tc, test_upgrade_from_1);
	tcase_add_test(tc, test_pragmas);
	suite_add_tcase(s, tc);

	tc = tcase_create("write");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_replay_digest);
	tcase_add_test(tc, test_rollback);
	tcase_add_test(tc, test_notice_ids);
	tcase_add_test(tc, test_notice_attachment);
	tcase_add_test(tc, test_case_version);
	tcase_add_test(tc, test_deferred_writes);
	tcase_add_test(tc, test_case_unique_open);
	tcase_add_test(tc, test_domains);
	tcase_add_test(tc, test_marks);
	tcase_add_test(tc, test_reads);
	tcase_add_test(tc, test_constraint_kinds);
	tcase_add_test(tc, test_driver_roundtrip);
	tcase_add_test(tc, test_session_clock);
	tcase_add_test(tc, test_search_more);
	tcase_add_test(tc, test_migrate_units_version);
	suite_add_tcase(s, tc);

	tc = tcase_create("audit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_audit_tamper, 0, (int)(sizeof(tampers) / sizeof(tampers[0])));
	tcase_add_test(tc, test_audit_edit_and_rehash);
	tcase_add_test(tc, test_audit_restore);
	tcase_add_test(tc, test_anchor_every);
	tcase_add_test(tc, test_anchor_tail_deleted);
	tcase_add_test(tc, test_anchor_rehash);
	tcase_add_test(tc, test_anchor_file_altered);
	tcase_add_test(tc, test_broken_refuses_writes);
	tcase_add_test(tc, test_backup_restore);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
