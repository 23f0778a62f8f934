/* sm_db.h - the seam between the store and a database engine.
 *
 * sm_store.c writes every SQL statement; a driver runs them.  A driver is a
 * table of functions (sm_db_driver); its connection (sm_db) and statement
 * (sm_db_stmt) handles begin with a pointer to that table, so that the
 * inline sm_db_*() calls below dispatch without the store knowing which
 * engine it talks to.  sm_db_sqlite.c is the local driver (one SQLite file);
 * a networked one (dqlite over its wire protocol) is one more file.
 *
 * What a driver must do is what the store needs and no more: statements with
 * numbered parameters (?1, ?2 ...), rows of integers, reals, text, bytes and NULL,
 * the rows a write changed and the id it inserted, a plain script for
 * migrations, transactions (BEGIN IMMEDIATE for writes), and its failures as
 * sm_db_rc codes.  What a database file needs besides (its journal mode, its
 * header, its integrity check) stays behind open(), schema_get(),
 * schema_set() and check().
 *
 * Text handed to bind_text is copied; text returned by column_text is valid
 * until the next step, reset or finalize of the statement. */
#ifndef SM_DB_H
#define SM_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "sm_err.h"

/* How long a driver waits for another writer before it gives up (SM_DB_BUSY). */
#define SM_DB_BUSY_TIMEOUT_MS 15000

typedef struct sm_db_driver sm_db_driver;

/* What became of a deferred write (sm_db_defer). */
typedef struct sm_db_outcome {
	int rc;          /* an sm_db_rc: SM_DB_OK, or its failure */
	int64_t changes; /* rows it changed */
	const char *msg; /* the engine's words for a failure */
	int want;        /* the rows it had to change (sm_db_defer), or -1: any */
} sm_db_outcome;

/* A connection; each driver's own begins with this. */
typedef struct sm_db {
	const sm_db_driver *drv;
} sm_db;

/* A prepared statement; each driver's own begins with this. */
typedef struct sm_db_stmt {
	const sm_db_driver *drv;
} sm_db_stmt;

/* Results, the engine's codes mapped to ours. */
typedef enum sm_db_rc {
	SM_DB_OK = 0,
	SM_DB_ROW,        /* step: a row is ready */
	SM_DB_DONE,       /* step: the statement has finished */
	SM_DB_BUSY,       /* another writer held the database past the timeout */
	SM_DB_FULL,       /* the disk is full */
	SM_DB_CORRUPT,    /* corrupt, or not a database */
	SM_DB_READONLY,   /* cannot be opened or written (permissions, read-only) */
	SM_DB_IOERR,      /* reading or writing failed */
	SM_DB_NOMEM,
	SM_DB_UNIQUE,     /* a UNIQUE or PRIMARY KEY constraint */
	SM_DB_NOTNULL,    /* a NOT NULL constraint */
	SM_DB_CHECK,      /* a CHECK constraint */
	SM_DB_FOREIGNKEY, /* a FOREIGN KEY constraint */
	SM_DB_CONSTRAINT, /* another constraint */
	SM_DB_ERROR,      /* anything else (a mistake in the SQL...): see errmsg */
	SM_DB_RETRY       /* networked: the connection was lost, the leader changed, or
	                   * another writer got in the way: the transaction did not
	                   * happen (a commit may have) and may be run again whole */
} sm_db_rc;

/* What a sitemark database says it is (SQLite's application_id): "SMK1". */
#define SM_DB_APPLICATION_ID 0x534d4b31
/* What a cluster says while a backup is being restored into it ("SMK0"),
 * until the restore sets SM_DB_APPLICATION_ID last: one that did not
 * finish is told apart from another program's database. */
#define SM_DB_RESTORING_ID 0x534d4b30

/* The type of a column's value in the current row. */
typedef enum sm_db_type {
	SM_DB_NULL = 0,
	SM_DB_INTEGER,
	SM_DB_FLOAT,
	SM_DB_TEXT,
	SM_DB_BLOB
} sm_db_type;

struct sm_db_driver {
	const char *name;

	/* Open TARGET (a path, or an address for a networked driver).  CREATE
	 * allows making a new database.  Refusals (no such database, not a
	 * regular file, a network file system...) go to ERR as SM_E_STORE with a
	 * message saying what to do. */
	sm_status (*open)(const char *target, bool create, sm_db **out, sm_err *err);
	void (*close)(sm_db *db);
	/* The engine's message for the last failure on DB (never NULL). */
	const char *(*errmsg)(sm_db *db);

	/* The schema version, 0 for an empty database; SM_E_STORE (with a
	 * message) when the database belongs to another program. */
	sm_status (*schema_get)(sm_db *db, const char *target, int *version, sm_err *err);
	/* Make the database ready for use (journal, durability, foreign keys);
	 * the first thing that may write to it. */
	sm_status (*ready)(sm_db *db, sm_err *err);
	/* Inside a migration's transaction: record VERSION and mark the
	 * database as sitemark's. */
	sm_db_rc (*schema_set)(sm_db *db, int version);
	/* The engine's own consistency check: one problem per line it reports. */
	sm_status (*check)(sm_db *db, sm_err *err);

	/* PERSISTENT: the statement is kept for the life of the connection. */
	sm_db_rc (*prepare)(sm_db *db, const char *sql, bool persistent, sm_db_stmt **out);
	void (*finalize)(sm_db_stmt *st);
	/* Back to the start, every parameter NULL again. */
	void (*reset)(sm_db_stmt *st);
	sm_db_rc (*bind_int64)(sm_db_stmt *st, int i, int64_t v);
	sm_db_rc (*bind_double)(sm_db_stmt *st, int i, double v);
	sm_db_rc (*bind_text)(sm_db_stmt *st, int i, const char *v); /* NULL binds NULL */
	/* The same, taking V (from malloc) over: it is freed by the driver. */
	sm_db_rc (*bind_text_owned)(sm_db_stmt *st, int i, char *v);
	sm_db_rc (*bind_null)(sm_db_stmt *st, int i);
	/* The caller could not make a parameter's value (out of memory): the
	 * next step fails with RC instead of running, until a reset.  A bind
	 * that fails in the driver does the same. */
	void (*bind_failed)(sm_db_stmt *st, sm_db_rc rc);
	/* SM_DB_ROW, SM_DB_DONE or a failure. */
	sm_db_rc (*step)(sm_db_stmt *st);
	int (*column_count)(sm_db_stmt *st);
	sm_db_type (*column_type)(sm_db_stmt *st, int i);
	int64_t (*column_int64)(sm_db_stmt *st, int i);
	double (*column_double)(sm_db_stmt *st, int i);
	const char *(*column_text)(sm_db_stmt *st, int i); /* NULL for NULL */

	/* Rows changed by the last INSERT, UPDATE or DELETE; id of the last row
	 * inserted. */
	int64_t (*changes)(sm_db *db);
	int64_t (*last_insert_id)(sm_db *db);
	/* Run a script of statements without results. */
	sm_db_rc (*exec)(sm_db *db, const char *script);
	/* IMMEDIATE: take the write lock now (every write); else a read
	 * transaction. */
	sm_db_rc (*begin)(sm_db *db, bool immediate);
	sm_db_rc (*commit)(sm_db *db);
	/* Roll back the open transaction, if there is one. */
	sm_db_rc (*rollback)(sm_db *db);
	/* A number that changes when another connection has committed since it
	 * was last read (-1 when the engine cannot tell): how open screens
	 * learn that the data changed under them. */
	int64_t (*data_version)(sm_db *db);
	/* Whether the database file was deleted or replaced since it was
	 * opened (every write checks; NULL: a store without a file). */
	bool (*replaced)(sm_db *db);
	/* A consistent copy of the whole database into DEST (made, or replaced
	 * when it is a database already) while others go on writing. */
	sm_status (*backup)(sm_db *db, const char *dest, sm_err *err);

	/* Inside a transaction: run the write ST now or with the next request
	 * (a networked driver sends the deferred writes with the statement that
	 * next needs an answer, in one round trip); it may be reset and bound
	 * again at once.  Its outcome comes from sync.  Returns a failure only
	 * when it could not be taken (then it was not run).  WANT: the rows it
	 * must change for its transaction to be committed (commit_later), or
	 * -1. */
	sm_db_rc (*defer)(sm_db_stmt *st, int want);
	/* The outcomes of the writes deferred since the last sync, in their
	 * order, N of them (OUT is the driver's, valid until the next call).
	 * A failure of the
	 * connection is returned (SM_DB_RETRY...), and then OUT says nothing. */
	sm_db_rc (*sync)(sm_db *db, const sm_db_outcome **out, size_t *n);
	/* Commit, unless a write deferred since the last sync failed or did
	 * not change the rows it had to: then its failure (SM_DB_ERROR when it
	 * changed other rows), nothing committed, the transaction still
	 * open.  The writes' outcomes as sync's (N 0 when they are not known:
	 * the connection went).  Optional: a networked driver sends the
	 * writes and the COMMIT in one round trip, the leader refusing the
	 * COMMIT when a write did not go as it had to. */
	sm_db_rc (*commit_later)(sm_db *db, const sm_db_outcome **out, size_t *n);

	/* Bytes (a mail's attachment): V's N bytes are copied (N 0 binds an
	 * empty blob, V NULL binds NULL); a blob column's bytes and *N, valid
	 * as column_text's (NULL for NULL, and for a value of another type). */
	sm_db_rc (*bind_blob)(sm_db_stmt *st, int i, const void *v, size_t n);
	const void *(*column_blob)(sm_db_stmt *st, int i, size_t *n);

	/* Optional (a networked driver): the bound query ST sent now, its
	 * answer not waited for: the queries sent ahead go in one round trip
	 * with the next request that needs an answer.  The next step of ST,
	 * bound to the same parameters again, takes that answer instead of
	 * asking; bound otherwise, it asks.  Only outside a transaction, on
	 * a connection already made, and never a failure: a query that
	 * cannot be sent ahead is asked when stepped.  What was sent ahead
	 * and not taken is forgotten by ahead_end, and by a begin, an exec, a
	 * write's step, a check or a backup: an answer is never taken after
	 * the connection wrote. */
	void (*ahead)(sm_db_stmt *st);
	void (*ahead_end)(sm_db *db);
};

/* The local driver: one SQLite file in WAL mode (sm_db_sqlite.c). */
extern const sm_db_driver sm_db_sqlite;
/* Make the SQL function sm_in_tx() known to every SQLite connection this
 * process opens from now on (a dqlite node's, before it starts; the local
 * driver adds it to its own): 1 inside a transaction, else a failure.  The
 * writes the store defers carry it, so that one that reaches the engine
 * after its transaction was rolled back (out of memory...) fails rather
 * than commits alone. */
void sm_db_in_tx_everywhere(void);

/* PATH has OTHERS more names (hard links): refused, said with what to do
 * (SQLite keeps a write-ahead log per name, sqlite.org/howtocorrupt.html
 * 2.4). */
sm_status sm_db_refuse_links(const char *path, unsigned long others, sm_err *err);
/* The same for sm_wrote(TAG, OK) and sm_all_wrote(TAG, N), with which a
 * networked driver sends a transaction's writes and its COMMIT in one
 * request: each write is followed by sm_wrote, which runs only when the
 * write did not fail and counts it when OK (it changed the rows it had
 * to); sm_all_wrote fails unless N were counted, and then the COMMIT after
 * it does not run. */
void sm_db_wrote_everywhere(void);

/* The networked driver: a dqlite cluster over its wire protocol
 * (sm_db_dqlite.c); its target is "dqlite:HOST:PORT,...[;timeout=MS]". */
extern const sm_db_driver sm_db_dqlite;
#define SM_DB_DQLITE_PREFIX "dqlite:"
/* Requests DB (of sm_db_dqlite) has sent: its round trips. */
uint64_t sm_db_dqlite_round_trips(sm_db *db);
/* DB's store.timeout (ms): the longest a request waits for an answer. */
int sm_db_dqlite_timeout(sm_db *db);
/* From now on no wait of DB's for a leader or for another writer's lock
 * goes past AT (CLOCK_MONOTONIC, ms; 0: none): a write run again keeps
 * to the time of the first run. */
void sm_db_dqlite_deadline(sm_db *db, int64_t at);
/* Whether DB's last commit was sent and its answer never came (the
 * connection went, or the leader did not answer in time): it may have
 * landed or not. */
bool sm_db_dqlite_unsure(sm_db *db);

/* Add the translated message for the failure RC of DB (may be NULL) to ERR,
 * with the engine's words; returns its status: SM_E_DUPLICATE for a UNIQUE
 * or PRIMARY KEY constraint, SM_E_INVALID for another constraint (saying
 * which kind), SM_E_NOMEM, else SM_E_STORE.  (sm_db.c) */
sm_status sm_db_fail(sm_db *db, sm_db_rc rc, sm_err *err);
/* The same with the engine's words DETAIL (a deferred write's). */
sm_status sm_db_fail_detail(sm_db_rc rc, const char *detail, sm_err *err);

/* Sleep about MS: half to one and a half of it, at random (a back-off with
 * jitter, so that writers that met do not meet again).  (sm_db.c) */
void sm_db_back_off(int ms);
/* The monotonic clock (CLOCK_MONOTONIC) in milliseconds: the deadlines of
 * a networked driver's waits.  (sm_db.c) */
int64_t sm_db_now_ms(void);

/* ------------------------------------------------------------ dispatch */

static inline int64_t
sm_db_data_version(sm_db *db)
{
	return db->drv->data_version(db);
}

static inline void
sm_db_close(sm_db *db)
{
	if (db)
		db->drv->close(db);
}

static inline const char *
sm_db_errmsg(sm_db *db)
{
	return db->drv->errmsg(db);
}

static inline sm_db_rc
sm_db_prepare(sm_db *db, const char *sql, bool persistent, sm_db_stmt **out)
{
	return db->drv->prepare(db, sql, persistent, out);
}

static inline void
sm_db_finalize(sm_db_stmt *st)
{
	if (st)
		st->drv->finalize(st);
}

static inline void
sm_db_reset(sm_db_stmt *st)
{
	st->drv->reset(st);
}

static inline sm_db_rc
sm_db_bind_int64(sm_db_stmt *st, int i, int64_t v)
{
	return st->drv->bind_int64(st, i, v);
}

static inline sm_db_rc
sm_db_bind_double(sm_db_stmt *st, int i, double v)
{
	return st->drv->bind_double(st, i, v);
}

static inline sm_db_rc
sm_db_bind_text(sm_db_stmt *st, int i, const char *v)
{
	return st->drv->bind_text(st, i, v);
}

static inline sm_db_rc
sm_db_bind_text_owned(sm_db_stmt *st, int i, char *v)
{
	return st->drv->bind_text_owned(st, i, v);
}

static inline sm_db_rc
sm_db_bind_blob(sm_db_stmt *st, int i, const void *v, size_t n)
{
	return st->drv->bind_blob(st, i, v, n);
}

static inline const void *
sm_db_column_blob(sm_db_stmt *st, int i, size_t *n)
{
	return st->drv->column_blob(st, i, n);
}

static inline sm_db_rc
sm_db_bind_null(sm_db_stmt *st, int i)
{
	return st->drv->bind_null(st, i);
}

static inline void
sm_db_bind_failed(sm_db_stmt *st, sm_db_rc rc)
{
	st->drv->bind_failed(st, rc);
}

static inline sm_db_rc
sm_db_step(sm_db_stmt *st)
{
	return st->drv->step(st);
}

static inline int
sm_db_column_count(sm_db_stmt *st)
{
	return st->drv->column_count(st);
}

static inline sm_db_type
sm_db_column_type(sm_db_stmt *st, int i)
{
	return st->drv->column_type(st, i);
}

static inline int64_t
sm_db_column_int64(sm_db_stmt *st, int i)
{
	return st->drv->column_int64(st, i);
}

static inline double
sm_db_column_double(sm_db_stmt *st, int i)
{
	return st->drv->column_double(st, i);
}

static inline const char *
sm_db_column_text(sm_db_stmt *st, int i)
{
	return st->drv->column_text(st, i);
}

static inline int64_t
sm_db_changes(sm_db *db)
{
	return db->drv->changes(db);
}

static inline int64_t
sm_db_last_insert_id(sm_db *db)
{
	return db->drv->last_insert_id(db);
}

static inline sm_db_rc
sm_db_exec(sm_db *db, const char *script)
{
	return db->drv->exec(db, script);
}

static inline sm_db_rc
sm_db_begin(sm_db *db, bool immediate)
{
	return db->drv->begin(db, immediate);
}

static inline sm_db_rc
sm_db_commit(sm_db *db)
{
	return db->drv->commit(db);
}

static inline sm_db_rc
sm_db_rollback(sm_db *db)
{
	return db->drv->rollback(db);
}

static inline sm_db_rc
sm_db_defer(sm_db_stmt *st, int want)
{
	return st->drv->defer(st, want);
}

static inline sm_db_rc
sm_db_sync(sm_db *db, const sm_db_outcome **out, size_t *n)
{
	return db->drv->sync(db, out, n);
}

/* Whether DB's driver has commit_later. */
static inline bool
sm_db_has_commit_later(const sm_db *db)
{
	return db->drv->commit_later != NULL;
}

/* Whether DB's driver sends reads ahead. */
static inline bool
sm_db_has_ahead(const sm_db *db)
{
	return db->drv->ahead != NULL;
}

static inline void
sm_db_ahead(sm_db_stmt *st)
{
	if (st->drv->ahead != NULL)
		st->drv->ahead(st);
}

static inline void
sm_db_ahead_end(sm_db *db)
{
	if (db->drv->ahead_end != NULL)
		db->drv->ahead_end(db);
}

static inline sm_db_rc
sm_db_commit_later(sm_db *db, const sm_db_outcome **out, size_t *n)
{
	return db->drv->commit_later(db, out, n);
}

#endif
