/* sm_db_sqlite.c - the local database driver: one SQLite file in WAL mode.
 *
 * The only file of sitemark that includes sqlite3.h.  Besides running the
 * store's statements it keeps what is particular to a database file: the
 * refusal of network file systems, the journal and durability pragmas, the
 * file's application id and user_version, and PRAGMA integrity_check. */
#include <config.h>

#include "sm_db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sm_fault.h"
#include "sm_i18n.h"

#define SM_APPLICATION_ID SM_DB_APPLICATION_ID

enum { TX_BEGIN_IMMEDIATE, TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_DATA_VERSION, TX_COUNT };

static const char *const tx_sql[TX_COUNT] = {
	[TX_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[TX_BEGIN] = "BEGIN",
	[TX_COMMIT] = "COMMIT",
	[TX_ROLLBACK] = "ROLLBACK",
	[TX_DATA_VERSION] = "PRAGMA data_version",
};

struct lite_db;
typedef struct lite_db {
	sm_db base;
	sqlite3 *db;
	sqlite3_stmt *tx[TX_COUNT]; /* prepared on first use */
	/* the outcomes of deferred writes (run at once here) not yet synced */
	sm_db_outcome *later;
	size_t nlater, caplater, nsynced;
	char *path;
	dev_t dev;           /* the file opened: a write checks it is still */
	ino_t ino;           /* the one at PATH (lite_begin) */
	char gone[512];      /* why the last write did not begin, or "" */
} lite_db;

typedef struct lite_stmt {
	sm_db_stmt base;
	struct lite_db *db;
	sqlite3_stmt *st;
	sm_db_rc bind_rc; /* the first failed bind since the last reset */
} lite_stmt;

#define DB(d) (((lite_db *)(d))->db)
#define ST(s) (((lite_stmt *)(s))->st)

/* SQLite's (extended) result code as ours. */
static sm_db_rc
map_rc(int rc)
{
	switch (rc) {
	case SQLITE_OK:
		return SM_DB_OK;
	case SQLITE_ROW:
		return SM_DB_ROW;
	case SQLITE_DONE:
		return SM_DB_DONE;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return SM_DB_UNIQUE;
	case SQLITE_CONSTRAINT_NOTNULL:
		return SM_DB_NOTNULL;
	case SQLITE_CONSTRAINT_CHECK:
		return SM_DB_CHECK;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return SM_DB_FOREIGNKEY;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return SM_DB_FULL;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return SM_DB_CORRUPT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SM_DB_BUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		return SM_DB_READONLY;
	case SQLITE_IOERR:
		return SM_DB_IOERR;
	case SQLITE_NOMEM:
		return SM_DB_NOMEM;
	case SQLITE_CONSTRAINT:
		return SM_DB_CONSTRAINT;
	default:
		return SM_DB_ERROR;
	}
}

/* ------------------------------------------------------------ the file */

static bool
on_network_fs(const char *path)
{
	char *dir = strdup(path);
	struct statfs fs;
	bool net = false;
	if (dir == NULL)
		return false;
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (statfs(dir, &fs) == 0) {
		switch ((unsigned long)fs.f_type) {
		case 0x6969UL:     /* NFS */
		case 0x517bUL:     /* SMB */
		case 0xff534d42UL: /* CIFS */
		case 0xfe534d42UL: /* SMB2 */
		case 0x65735546UL: /* FUSE (sshfs and friends) */
		case 0x564c:       /* NCP */
		case 0x5346414fUL: /* AFS */
		case 0x6b414653UL: /* kAFS */
		case 0x47504653UL: /* GPFS */
		case 0x19830326UL: /* FhGFS / BeeGFS */
		case 0x0bd00bd0UL: /* Lustre */
			net = true;
			break;
		default:
			break;
		}
	}
	free(dir);
	return net;
}

static void lite_close(sm_db *d);

/* sm_in_tx(): 1 inside a transaction (BEGIN), else a failure. */
static void
in_tx(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	if (sqlite3_get_autocommit(sqlite3_context_db_handle(ctx)))
		sqlite3_result_error(ctx,
		    "sm_in_tx: not inside a transaction (it was rolled back before this write)", -1);
	else
		sqlite3_result_int(ctx, 1);
}

static int
add_in_tx(sqlite3 *db, const char **errmsg, const struct sqlite3_api_routines *api)
{
	(void)errmsg;
	(void)api;
	return sqlite3_create_function_v2(db, "sm_in_tx", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
	    in_tx, NULL, NULL, NULL);
}

/* What the writes of a connection's transaction did, for its commit: the
 * transaction's tag (chosen by the client), and how many of its writes
 * went as they must. */
struct wrote {
	sqlite3_int64 tag, n;
};

/* sm_wrote(TAG, OK): a write of transaction TAG went as it must (it ran,
 * and OK: it changed the rows it had to) when OK is true.  Sent after the
 * write in the same request, it runs only when the write did not fail.
 * NULL. */
static void
wrote(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct wrote *w = sqlite3_user_data(ctx);
	(void)argc;
	sqlite3_int64 tag = sqlite3_value_int64(argv[0]);
	if (w->tag != tag) {
		w->tag = tag;
		w->n = 0;
	}
	if (sqlite3_value_int64(argv[1]) != 0)
		w->n++;
	sqlite3_result_null(ctx);
}

/* sm_all_wrote(TAG, N): NULL when the N writes of transaction TAG all
 * went as they must, else a failure, so that the COMMIT sent after it in
 * the same request does not run.  Forgets TAG either way. */
static void
all_wrote(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct wrote *w = sqlite3_user_data(ctx);
	(void)argc;
	sqlite3_int64 tag = sqlite3_value_int64(argv[0]), n = sqlite3_value_int64(argv[1]);
	sqlite3_int64 had = w->tag == tag ? w->n : 0;
	w->tag = 0;
	w->n = 0;
	if (had != n) {
		char msg[160];
		snprintf(msg, sizeof(msg),
		    "sm_all_wrote: %lld of the transaction's %lld writes went as they must: not committed",
		    (long long)had, (long long)n);
		sqlite3_result_error(ctx, msg, -1);
		return;
	}
	sqlite3_result_null(ctx);
}

static int
add_wrote(sqlite3 *db, const char **errmsg, const struct sqlite3_api_routines *api)
{
	(void)errmsg;
	(void)api;
	struct wrote *w = sqlite3_malloc(sizeof(*w));
	if (w == NULL)
		return SQLITE_NOMEM;
	w->tag = w->n = 0;
	/* the state goes with sm_wrote, which outlives neither */
	int rc = sqlite3_create_function_v2(db, "sm_wrote", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, w,
	    wrote, NULL, NULL, sqlite3_free);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "sm_all_wrote", 2,
		    SQLITE_UTF8 | SQLITE_DIRECTONLY, w, all_wrote, NULL, NULL, NULL);
	return rc;
}

static sm_status
lite_open(const char *path, bool create, sm_db **out, sm_err *err)
{
	struct stat sb;
	lite_db *d;

	*out = NULL;
	bool exists = stat(path, &sb) == 0;
	if (!exists && !create)
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("database %s does not exist: create it with 'sitemark init'"), path);
	if (exists && !S_ISREG(sb.st_mode))
		return sm_err_add(err, SM_E_STORE, NULL, _("%s is not a regular file"), path);
	/* SQLite names the write-ahead log and the shared memory after the
	 * name it was given: two names of one file (hard links) get two logs,
	 * and writes through one are lost or corrupt the file for the other
	 * (sqlite.org/howtocorrupt.html, 2.4); a symbolic link is safe */
	if (exists && sb.st_nlink > 1)
		return sm_db_refuse_links(path, (unsigned long)sb.st_nlink - 1, err);
	if (on_network_fs(path))
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("%s is on a network file system, where SQLite's write-ahead log is not safe: put the database on a local disk"),
		    path);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	d->base.drv = &sm_db_sqlite;
	if (!exists && create) {
		/* 0660 at most (less what the umask takes; installed set-group-id
		 * the umask is 007): the group shares it, others never read it.
		 * SQLite gives its -wal and -shm files the same mode. */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0660);
		if (fd >= 0)
			close(fd);
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &d->db, flags, NULL);
	if (rc != SQLITE_OK) {
		sm_err_add(err, SM_E_STORE, NULL, _("cannot open database %s: %s"), path,
		    d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
		lite_close(&d->base);
		return SM_E_STORE;
	}
	sqlite3_extended_result_codes(d->db, 1);
	sqlite3_busy_timeout(d->db, SM_DB_BUSY_TIMEOUT_MS);
	add_in_tx(d->db, NULL, NULL);
	if (stat(path, &sb) == 0) {
		d->dev = sb.st_dev;
		d->ino = sb.st_ino;
	}
	if ((d->path = strdup(path)) == NULL) {
		lite_close(&d->base);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	/* SQLite makes PATH-wal and PATH-shm beside it, even to read: a
	 * directory it cannot write is said as such, not as a database that
	 * cannot be written */
	char *shm = NULL, *slash = strrchr(d->path, '/');
	char *dir = slash ? strndup(d->path, (size_t)(slash - d->path) + (slash == d->path)) :
	    strdup(".");
	if (dir != NULL && asprintf(&shm, "%s-shm", path) >= 0 && stat(shm, &sb) != 0 &&
	    faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) != 0 && (errno == EACCES || errno == EROFS)) {
		sm_err_add(err, SM_E_STORE, NULL,
		    _("cannot use database %s: its directory %s cannot be written, and SQLite keeps its write-ahead log and shared memory (%s-wal, %s-shm) beside the database, even to read: let sitemark's group write the directory"),
		    path, dir, path, path);
		free(shm);
		free(dir);
		lite_close(&d->base);
		return SM_E_STORE;
	}
	free(shm);
	free(dir);
	*out = &d->base;
	return SM_OK;
}

/* Forget the first N outcomes of deferred writes (their messages). */
static void
forget_later(lite_db *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)l->later[i].msg);
	memmove(l->later, l->later + n, (l->nlater - n) * sizeof(*l->later));
	l->nlater -= n;
}

void
sm_db_in_tx_everywhere(void)
{
	sqlite3_auto_extension((void (*)(void))add_in_tx);
}

void
sm_db_wrote_everywhere(void)
{
	sqlite3_auto_extension((void (*)(void))add_wrote);
}

static void
lite_close(sm_db *d)
{
	lite_db *l = (lite_db *)d;
	for (int i = 0; i < TX_COUNT; i++)
		sqlite3_finalize(l->tx[i]);
	forget_later(l, l->nlater);
	free(l->later);
	sqlite3_close(l->db);
	free(l->path);
	free(l);
}

static const char *
lite_errmsg(sm_db *d)
{
	if (((lite_db *)d)->gone[0] != '\0')
		return ((lite_db *)d)->gone;
	return DB(d) ? sqlite3_errmsg(DB(d)) : "";
}

static sm_status
lite_schema_get(sm_db *d, const char *path, int *version, sm_err *err)
{
	int appid = 0, tables = 0, rc;
	sqlite3_stmt *st = NULL;
	*version = 0;
	/* one statement, one snapshot: an init in another process between
	 * three reads showed its tables without its application id */
	rc = sqlite3_prepare_v2(DB(d), "SELECT (SELECT user_version FROM pragma_user_version),"
	    " (SELECT application_id FROM pragma_application_id),"
	    " (SELECT count(*) FROM sqlite_master)", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		appid = sqlite3_column_int(st, 1);
		tables = sqlite3_column_int(st, 2);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return sm_db_fail(d, map_rc(rc), err);
	if ((tables > 0 || *version > 0) && appid != SM_APPLICATION_ID)
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("%s is a SQLite database of another program, not of sitemark: nothing was touched"),
		    path);
	return SM_OK;
}

static sm_db_rc lite_exec(sm_db *d, const char *script);

static sm_status
lite_ready(sm_db *d, sm_err *err)
{
	sm_db_rc rc = lite_exec(d, "PRAGMA journal_mode = WAL;"
	    " PRAGMA synchronous = FULL;"
	    " PRAGMA foreign_keys = ON");
	return rc == SM_DB_OK ? SM_OK : sm_db_fail(d, rc, err);
}

static sm_db_rc
lite_schema_set(sm_db *d, int version)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d",
	    version, SM_APPLICATION_ID);
	return lite_exec(d, sql);
}

static sm_status
lite_check(sm_db *d, sm_err *err)
{
	sqlite3_stmt *st = NULL;
	sm_status status = SM_OK;
	int rc = sqlite3_prepare_v2(DB(d), "PRAGMA integrity_check", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sm_db_fail(d, map_rc(rc), err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		if (line && strcmp(line, "ok") != 0)
			status = sm_err_add(err, SM_E_STORE, NULL, "%s", line);
	}
	if (rc != SQLITE_DONE)
		status = sm_db_fail(d, map_rc(rc), err);
	sqlite3_finalize(st);
	return status;
}

/* A consistent copy of the whole database into DEST (made or replaced):
 * SQLite's online backup in one step, which reads one snapshot (WAL:
 * writers go on meanwhile). */
static sm_status
lite_backup(sm_db *d, const char *dest, sm_err *err)
{
	sqlite3 *to = NULL;
	sqlite3_backup *b;
	/* a new file made as a database is (lite_open): 0660 at most, never
	 * for others to read (it holds every ID number and mobile); SQLite
	 * would make it 0644 under the usual umask */
	int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0660);
	if (fd >= 0)
		close(fd);
	int rc = sqlite3_open_v2(dest, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(to, SM_DB_BUSY_TIMEOUT_MS);
		if ((b = sqlite3_backup_init(to, "main", DB(d), "main")) == NULL)
			rc = sqlite3_errcode(to);
		else {
			for (int tries = 0; tries < 600; tries++) {
				rc = sqlite3_backup_step(b, -1);
				if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
					break;
				sqlite3_sleep(25);
			}
			int frc = sqlite3_backup_finish(b);
			if (rc == SQLITE_DONE)
				rc = frc;
		}
	}
	if (rc != SQLITE_OK) {
		sm_err_add(err, rc == SQLITE_FULL ? SM_E_IO : SM_E_STORE, NULL,
		    _("cannot copy the database to %s: %s"), dest,
		    to ? sqlite3_errmsg(to) : sqlite3_errstr(rc));
		sqlite3_close(to);
		return rc == SQLITE_FULL ? SM_E_IO : SM_E_STORE;
	}
	if (sqlite3_close(to) != SQLITE_OK)
		return sm_err_add(err, SM_E_STORE, NULL, _("cannot copy the database to %s: %s"),
		    dest, sqlite3_errstr(rc));
	/* a file that was there (restore --force), or made through a symbolic
	 * link: not for others to read either */
	struct stat sb;
	if (stat(dest, &sb) == 0 && (sb.st_mode & 07) != 0)
		(void)chmod(dest, sb.st_mode & 07770);
	return SM_OK;
}

/* ------------------------------------------------------------ statements */

static sm_db_rc
lite_prepare(sm_db *d, const char *sql, bool persistent, sm_db_stmt **out)
{
	lite_stmt *s = malloc(sizeof(*s));
	*out = NULL;
	if (s == NULL)
		return SM_DB_NOMEM;
	s->base.drv = &sm_db_sqlite;
	s->db = (lite_db *)d;
	s->st = NULL;
	s->bind_rc = SM_DB_OK;
	int rc = sqlite3_prepare_v3(DB(d), sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0,
	    &s->st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s->st);
		free(s);
		return map_rc(rc);
	}
	*out = &s->base;
	return SM_DB_OK;
}

static void
lite_finalize(sm_db_stmt *s)
{
	sqlite3_finalize(ST(s));
	free(s);
}

static void
lite_reset(sm_db_stmt *s)
{
	sqlite3_reset(ST(s));
	sqlite3_clear_bindings(ST(s));
	((lite_stmt *)s)->bind_rc = SM_DB_OK;
}

/* A failed bind (out of memory) leaves the parameter NULL: remembered, so
 * that the next step fails instead of storing a NULL (the store does not
 * test every bind). */
static sm_db_rc
bound(sm_db_stmt *s, int rc)
{
	lite_stmt *l = (lite_stmt *)s;
	if (rc != SQLITE_OK && l->bind_rc == SM_DB_OK)
		l->bind_rc = map_rc(rc);
	return map_rc(rc);
}

static sm_db_rc
lite_bind_int64(sm_db_stmt *s, int i, int64_t v)
{
	return bound(s, sqlite3_bind_int64(ST(s), i, v));
}

static sm_db_rc
lite_bind_double(sm_db_stmt *s, int i, double v)
{
	return bound(s, sqlite3_bind_double(ST(s), i, v));
}

static sm_db_rc
lite_bind_text(sm_db_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return bound(s, sqlite3_bind_null(ST(s), i));
	return bound(s, sqlite3_bind_text(ST(s), i, v, -1, SQLITE_TRANSIENT));
}

static sm_db_rc
lite_bind_text_owned(sm_db_stmt *s, int i, char *v)
{
	if (v == NULL)
		return bound(s, sqlite3_bind_null(ST(s), i));
	return bound(s, sqlite3_bind_text(ST(s), i, v, -1, free));
}

static sm_db_rc
lite_bind_blob(sm_db_stmt *s, int i, const void *v, size_t n)
{
	if (v == NULL)
		return bound(s, sqlite3_bind_null(ST(s), i));
	return bound(s, sqlite3_bind_blob64(ST(s), i, n ? v : "", n, SQLITE_TRANSIENT));
}

static sm_db_rc
lite_bind_null(sm_db_stmt *s, int i)
{
	return bound(s, sqlite3_bind_null(ST(s), i));
}

static void
lite_bind_failed(sm_db_stmt *s, sm_db_rc rc)
{
	lite_stmt *l = (lite_stmt *)s;
	if (l->bind_rc == SM_DB_OK)
		l->bind_rc = rc;
}

static sm_db_rc lite_step(sm_db_stmt *s);

/* Here a deferred write runs at once; its outcome waits for sync. */
static sm_db_rc
lite_defer(sm_db_stmt *s, int want)
{
	lite_db *l = ((lite_stmt *)s)->db;
	if (l->nlater == l->caplater) {
		size_t cap = l->caplater ? l->caplater * 2 : 8;
		sm_db_outcome *o = realloc(l->later, cap * sizeof(*o));
		if (o == NULL)
			return SM_DB_NOMEM;
		l->later = o;
		l->caplater = cap;
	}
	sm_db_outcome *o = &l->later[l->nlater];
	o->want = want;
	/* after a failure nothing more runs: SQLite may have rolled the
	 * transaction back (out of memory, a full disk, an I/O error), and a
	 * write now would be committed on its own */
	for (size_t i = 0; i < l->nlater; i++)
		if (l->later[i].rc != SM_DB_OK) {
			o->rc = l->later[i].rc;
			o->changes = 0;
			o->msg = l->later[i].msg ? strdup(l->later[i].msg) : NULL;
			l->nlater++;
			return SM_DB_OK;
		}
	if (sqlite3_get_autocommit(l->db)) {
		o->rc = SM_DB_ERROR;
		o->changes = 0;
		o->msg = strdup("not run: no transaction is open");
		l->nlater++;
		return SM_DB_OK;
	}
	sm_db_rc rc = lite_step(s);
	o->rc = rc == SM_DB_DONE || rc == SM_DB_ROW ? SM_DB_OK : rc;
	o->changes = sqlite3_changes(l->db);
	o->msg = o->rc == SM_DB_OK ? NULL : strdup(sqlite3_errmsg(l->db));
	l->nlater++;
	return SM_DB_OK;
}

static sm_db_rc
lite_sync(sm_db *d, const sm_db_outcome **out, size_t *n)
{
	lite_db *l = (lite_db *)d;
	forget_later(l, l->nsynced); /* the ones the last call gave */
	*out = l->later;
	*n = l->nsynced = l->nlater;
	return SM_DB_OK;
}

static sm_db_rc
lite_step(sm_db_stmt *s)
{
	if (((lite_stmt *)s)->bind_rc != SM_DB_OK)
		return ((lite_stmt *)s)->bind_rc;
	int rc = sqlite3_step(ST(s));
	if (rc == SQLITE_ROW)
		return SM_DB_ROW;
	if (rc == SQLITE_DONE)
		return SM_DB_DONE;
	return map_rc(rc);
}

static int
lite_column_count(sm_db_stmt *s)
{
	return sqlite3_column_count(ST(s));
}

static sm_db_type
lite_column_type(sm_db_stmt *s, int i)
{
	switch (sqlite3_column_type(ST(s), i)) {
	case SQLITE_INTEGER:
		return SM_DB_INTEGER;
	case SQLITE_FLOAT:
		return SM_DB_FLOAT;
	case SQLITE_TEXT:
		return SM_DB_TEXT;
	case SQLITE_BLOB:
		return SM_DB_BLOB;
	default:
		return SM_DB_NULL;
	}
}

static int64_t
lite_column_int64(sm_db_stmt *s, int i)
{
	return sqlite3_column_int64(ST(s), i);
}

static double
lite_column_double(sm_db_stmt *s, int i)
{
	return sqlite3_column_double(ST(s), i);
}

static const char *
lite_column_text(sm_db_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(ST(s), i);
}

static const void *
lite_column_blob(sm_db_stmt *s, int i, size_t *n)
{
	*n = 0;
	if (sqlite3_column_type(ST(s), i) != SQLITE_BLOB)
		return NULL;
	const void *v = sqlite3_column_blob(ST(s), i);
	int len = sqlite3_column_bytes(ST(s), i);
	if (v == NULL)
		return len == 0 ? "" : NULL; /* empty, or out of memory */
	*n = (size_t)len;
	return v;
}

/* ------------------------------------------------------------ the connection */

static int64_t
lite_changes(sm_db *d)
{
	return sqlite3_changes(DB(d));
}

static int64_t
lite_last_insert_id(sm_db *d)
{
	return sqlite3_last_insert_rowid(DB(d));
}

static sm_db_rc
lite_exec(sm_db *d, const char *script)
{
	return map_rc(sqlite3_exec(DB(d), script, NULL, NULL, NULL));
}

static sm_db_rc
run_tx(sm_db *d, int which)
{
	lite_db *l = (lite_db *)d;
	int rc;
	if (l->tx[which] == NULL) {
		rc = sqlite3_prepare_v3(l->db, tx_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
		    &l->tx[which], NULL);
		if (rc != SQLITE_OK)
			return map_rc(rc);
	}
	rc = sqlite3_step(l->tx[which]);
	sqlite3_reset(l->tx[which]);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SM_DB_OK : map_rc(rc);
}

/* Whether the file at the database's path is no longer the one opened. */
static bool
lite_replaced(sm_db *d)
{
	lite_db *l = (lite_db *)d;
	struct stat sb;
	return l->path != NULL && l->ino != 0 &&
	    (stat(l->path, &sb) != 0 || sb.st_dev != l->dev || sb.st_ino != l->ino);
}

static sm_db_rc
lite_begin(sm_db *d, bool immediate)
{
	lite_db *l = (lite_db *)d;
	forget_later(l, l->nlater); /* a transaction's outcomes are its own */
	l->nsynced = 0;
	l->gone[0] = '\0';
	/* a write goes to the file at the database's path, not to one
	 * deleted or replaced (a restore) since it was opened: what it wrote
	 * would be lost with the file, the user told it was done */
	if (immediate && lite_replaced(d)) {
		snprintf(l->gone, sizeof(l->gone),
		    _("the file %s was deleted or replaced since sitemark opened it; start sitemark again"),
		    l->path);
		return SM_DB_READONLY;
	}
	return run_tx(d, immediate ? TX_BEGIN_IMMEDIATE : TX_BEGIN);
}

static sm_db_rc
lite_commit(sm_db *d)
{
	return run_tx(d, TX_COMMIT);
}


/* PRAGMA data_version: it changes when another connection commits. */
static int64_t
lite_data_version(sm_db *d)
{
	lite_db *l = (lite_db *)d;
	int64_t v = -1;
	if (l->tx[TX_DATA_VERSION] == NULL &&
	    sqlite3_prepare_v3(l->db, tx_sql[TX_DATA_VERSION], -1, SQLITE_PREPARE_PERSISTENT,
	    &l->tx[TX_DATA_VERSION], NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(l->tx[TX_DATA_VERSION]) == SQLITE_ROW)
		v = sqlite3_column_int64(l->tx[TX_DATA_VERSION], 0);
	sqlite3_reset(l->tx[TX_DATA_VERSION]);
	return v;
}

static sm_db_rc
lite_rollback(sm_db *d)
{
	if (sqlite3_get_autocommit(DB(d)))
		return SM_DB_OK;
	return run_tx(d, TX_ROLLBACK);
}

const sm_db_driver sm_db_sqlite = {
	.name = "sqlite",
	.open = lite_open,
	.close = lite_close,
	.errmsg = lite_errmsg,
	.schema_get = lite_schema_get,
	.ready = lite_ready,
	.schema_set = lite_schema_set,
	.check = lite_check,
	.prepare = lite_prepare,
	.finalize = lite_finalize,
	.reset = lite_reset,
	.bind_int64 = lite_bind_int64,
	.bind_double = lite_bind_double,
	.bind_text = lite_bind_text,
	.bind_text_owned = lite_bind_text_owned,
	.bind_null = lite_bind_null,
	.bind_failed = lite_bind_failed,
	.step = lite_step,
	.column_count = lite_column_count,
	.column_type = lite_column_type,
	.column_int64 = lite_column_int64,
	.column_double = lite_column_double,
	.column_text = lite_column_text,
	.changes = lite_changes,
	.last_insert_id = lite_last_insert_id,
	.exec = lite_exec,
	.begin = lite_begin,
	.commit = lite_commit,
	.rollback = lite_rollback,
	.data_version = lite_data_version,
	.replaced = lite_replaced,
	.backup = lite_backup,
	.defer = lite_defer,
	.sync = lite_sync,
	.bind_blob = lite_bind_blob,
	.column_blob = lite_column_blob,
};

/* ------------------------------------------------------------ failure injection
 * For tests only (sm_fault.h): a wrapper around SQLite's allocator and a
 * file system around the default one that fail the Nth call when armed. */

static sm_fault_kind fault_kind;
static long fault_at, fault_seen;
static bool fault_fired;
static sqlite3_mem_methods fault_mem_real;
static sqlite3_vfs *fault_vfs_real;

/* Whether this counted call of KIND fails. */
static bool
fault_hit(sm_fault_kind kind)
{
	if (fault_kind != kind)
		return false;
	fault_seen++;
	if (fault_seen == fault_at || (kind == SM_FAULT_FULL && fault_seen > fault_at)) {
		fault_fired = true;
		return true;
	}
	return false;
}

static void *
fault_malloc(int n)
{
	return fault_hit(SM_FAULT_ALLOC) ? NULL : fault_mem_real.xMalloc(n);
}

static void *
fault_realloc(void *p, int n)
{
	return fault_hit(SM_FAULT_ALLOC) ? NULL : fault_mem_real.xRealloc(p, n);
}

typedef struct fault_file {
	sqlite3_file base;
	sqlite3_file *real; /* follows this struct in the same allocation */
} fault_file;

#define REAL(f) (((fault_file *)(f))->real)

static int
ff_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
ff_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int
ff_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (fault_hit(SM_FAULT_IO))
		return SQLITE_IOERR_WRITE;
	if (fault_hit(SM_FAULT_FULL))
		return SQLITE_FULL;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int
ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (fault_hit(SM_FAULT_IO))
		return SQLITE_IOERR_TRUNCATE;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
ff_sync(sqlite3_file *f, int flags)
{
	if (fault_hit(SM_FAULT_IO))
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
ff_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
ff_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int
ff_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int
ff_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
ff_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
ff_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
ff_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
ff_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **p)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, p);
}

static int
ff_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void
ff_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
ff_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Version 2: shared memory for the write-ahead log, no memory mapping. */
static const sqlite3_io_methods fault_io = {
	.iVersion = 2,
	.xClose = ff_close,
	.xRead = ff_read,
	.xWrite = ff_write,
	.xTruncate = ff_truncate,
	.xSync = ff_sync,
	.xFileSize = ff_size,
	.xLock = ff_lock,
	.xUnlock = ff_unlock,
	.xCheckReservedLock = ff_check_lock,
	.xFileControl = ff_control,
	.xSectorSize = ff_sector,
	.xDeviceCharacteristics = ff_device,
	.xShmMap = ff_shm_map,
	.xShmLock = ff_shm_lock,
	.xShmBarrier = ff_shm_barrier,
	.xShmUnmap = ff_shm_unmap,
};

static int
fault_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	fault_file *ff = (fault_file *)f;
	ff->real = (sqlite3_file *)(ff + 1);
	int rc = fault_vfs_real->xOpen(fault_vfs_real, name, ff->real, flags, out_flags);
	ff->base.pMethods = ff->real->pMethods ? &fault_io : NULL;
	return rc;
}

static sqlite3_vfs fault_vfs;

int
sm_fault_install(void)
{
	static bool done;
	if (done)
		return 0;
	sqlite3_mem_methods m;
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &fault_mem_real) != SQLITE_OK)
		return 1;
	m = fault_mem_real;
	m.xMalloc = fault_malloc;
	m.xRealloc = fault_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
		return 1;
	if ((fault_vfs_real = sqlite3_vfs_find(NULL)) == NULL)
		return 1;
	fault_vfs = *fault_vfs_real;
	fault_vfs.zName = "sm_fault";
	fault_vfs.szOsFile = (int)sizeof(fault_file) + fault_vfs_real->szOsFile;
	fault_vfs.pNext = NULL;
	fault_vfs.xOpen = fault_open;
	if (sqlite3_vfs_register(&fault_vfs, 1) != SQLITE_OK)
		return 1;
	done = true;
	return 0;
}

void
sm_fault_arm(sm_fault_kind kind, long n)
{
	fault_seen = 0;
	fault_fired = false;
	fault_at = n;
	fault_kind = kind;
}

bool
sm_fault_disarm(void)
{
	fault_kind = SM_FAULT_NONE;
	return fault_fired;
}

long
sm_fault_count(void)
{
	return fault_seen;
}
