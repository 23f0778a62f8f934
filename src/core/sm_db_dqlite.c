/* sm_db_dqlite.c - the networked database driver: a dqlite cluster.
 *
 * It speaks dqlite's wire protocol (sm_dqlite_proto.c) to the cluster's
 * leader.  A statement is its SQL text and its parameters, sent with
 * EXEC_SQL or QUERY_SQL when it is stepped (the rows of a query all come
 * then); a transaction is BEGIN ... COMMIT over the one connection, which
 * the leader keeps.
 *
 * The target is "dqlite:HOST:PORT,HOST:PORT..." (store.nodes), optionally
 * followed by ";timeout=MS" (store.timeout): the longest any request waits.
 *
 * Faults: a dropped connection, NOT_LEADER or LEADERSHIP_LOST mean the
 * connection is closed and SM_DB_RETRY returned: the transaction is gone
 * (a COMMIT may or may not have landed) and the store runs it again whole
 * under the same request id, on a new connection to the new leader.  No
 * leader found within the timeout is SM_DB_IOERR: the store gives up.  The
 * leader answers SQLITE_BUSY at once (no busy timeout in dqlite 1.11):
 * BEGIN IMMEDIATE backs off with jitter and tries again for up to
 * SM_DB_BUSY_TIMEOUT_MS; inside a transaction BUSY is SM_DB_RETRY too.
 * A backup is the leader's dump of the database (DUMP): a consistent copy
 * of its files.  What the driver cannot do on a cluster (data_version) it
 * says so rather than pretend. */
#include <config.h>

#include "sm_db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sm_dqlite_proto.h"
#include "sm_i18n.h"
#include "sm_random.h"

#define DQ_DATABASE "sitemark"
/* what schema_get reads: the schema version, whose the database is, and
 * whether it has tables */
#define DQ_SCHEMA_SQL "SELECT (SELECT user_version FROM pragma_user_version)," \
	" (SELECT application_id FROM pragma_application_id)," \
	" (SELECT count(*) FROM sqlite_master)"
#define DQ_PREFIX SM_DB_DQLITE_PREFIX

typedef struct dq_db {
	sm_db base;
	char **addrs;
	size_t naddrs;
	int timeout_ms;
	sm_dq_conn *conn;
	uint32_t dbid;
	bool in_tx;       /* a transaction is open on the leader */
	bool tx_lost;     /* the connection went during a transaction: all fails until rollback */
	/* a transaction begun, not yet sent: its BEGIN goes with the first
	 * query (one trip), or alone before the first write */
	const char *begin_sql;
	/* deferred writes held on the connection, sent with the next request
	 * that needs an answer: their SQL (for the tests' fault) and the rows
	 * each must change (-1: any) */
	struct held {
		char *sql;
		int want;
	} *held;
	size_t nheld, capheld;
	/* the transaction's tag, and its writes sent with sm_wrote (all of
	 * them, unless the leader lacks it: no_wrote) */
	uint64_t tag;
	int64_t marked;
	bool no_wrote;
	/* their outcomes, answered and not yet given by sync */
	sm_db_outcome *later;
	size_t nlater, caplater, nsynced;
	int64_t changes, last_id;
	uint64_t trips_closed; /* round trips of connections closed */
	/* a write run again: no wait for a leader or a lock past this
	 * (CLOCK_MONOTONIC, ms; 0: none) */
	int64_t deadline;
	bool unsure;      /* the last COMMIT went, and its answer did not come */
	/* queries sent ahead (sm_db_ahead), in the order of their requests:
	 * S NULL when its statement was finalized; UNREAD while the answer
	 * has not been read (the request held, or sent) */
	struct ahead {
		struct dq_stmt *s;
		bool unread;
	} *ahead;
	size_t nahead, capahead;
	/* the schema's query answered with the connection's session, and
	 * the connection's round trips then: schema_get takes it while
	 * nothing has been sent since */
	sm_dq_rows schema;
	uint64_t schema_trips;
	/* when no leader could be found last (CLOCK_MONOTONIC, ms; 0: not
	 * lately), and why: a request within DQ_GONE_MS of it fails at once
	 * with the same reason, so that the reads of one screen, or of one
	 * key in the console, do not each wait the whole timeout again */
	int64_t gone_at;
	char gone_msg[600];
	char msg[600];
} dq_db;

#define DQ_GONE_MS 1000
/* a read whose connection went after it waited: at least so long to find
 * the leader again (a new one elected meanwhile answers at once) */
#define DQ_AGAIN_MS 2000

typedef struct dq_stmt {
	sm_db_stmt base;
	dq_db *db;
	char *sql;
	bool query;
	sm_dq_value params[SM_DQ_MAX_PARAMS];
	char *owned[SM_DQ_MAX_PARAMS];
	int nparams;
	sm_db_rc bind_rc;
	bool ran;
	sm_dq_rows rows;
	size_t cur;       /* the current row + 1 */
	char (*num)[32];  /* a column's number as text */
	/* sent ahead (in D's list): its parameters then (params_key), and
	 * its rows once read (PRE_READ) */
	bool is_ahead, pre_read;
	char *key;
	size_t keylen;
	sm_dq_rows pre;
} dq_stmt;

#define DQ(d) ((dq_db *)(d))
#define DS(s) ((dq_stmt *)(s))

static void
set_msg(dq_db *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
set_msg(dq_db *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

/* Forget the held writes (nothing of them was answered). */
static void
forget_held(dq_db *d)
{
	for (size_t i = 0; i < d->nheld; i++)
		free(d->held[i].sql);
	d->nheld = 0;
	if (d->conn)
		sm_dq_drop_held(d->conn);
}

/* Forget the first N outcomes of deferred writes. */
static void
forget_later(dq_db *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)d->later[i].msg);
	memmove(d->later, d->later + n, (d->nlater - n) * sizeof(*d->later));
	d->nlater -= n;
	d->nsynced = d->nsynced > n ? d->nsynced - n : 0;
}

static void ahead_forget(dq_db *d);

static void
drop_conn(dq_db *d)
{
	forget_held(d);
	ahead_forget(d);
	if (d->conn) {
		d->trips_closed += sm_dq_round_trips(d->conn);
		sm_dq_close(d->conn);
	}
	d->conn = NULL;
	if (d->in_tx)
		d->tx_lost = true;
	d->in_tx = false;
}

/* SQLite's (extended) code sent by the leader as ours. */
static sm_db_rc
map_code(uint64_t code)
{
	switch (code) {
	case 1555: /* SQLITE_CONSTRAINT_PRIMARYKEY */
	case 2067: /* SQLITE_CONSTRAINT_UNIQUE */
		return SM_DB_UNIQUE;
	case 1299: /* SQLITE_CONSTRAINT_NOTNULL */
		return SM_DB_NOTNULL;
	case 275:  /* SQLITE_CONSTRAINT_CHECK */
		return SM_DB_CHECK;
	case 787:  /* SQLITE_CONSTRAINT_FOREIGNKEY */
		return SM_DB_FOREIGNKEY;
	case SM_DQ_ERR_NOT_LEADER:
	case SM_DQ_ERR_LEADERSHIP_LOST:
		return SM_DB_RETRY;
	default:
		break;
	}
	switch (code & 0xff) {
	case 5: /* BUSY */
	case 6: /* LOCKED */
		return SM_DB_BUSY;
	case 7:
		return SM_DB_NOMEM;
	case 8: /* READONLY */
	case 3: /* PERM */
		return SM_DB_READONLY;
	case 10:
		return SM_DB_IOERR;
	case 11:
	case 26:
		return SM_DB_CORRUPT;
	case 13:
		return SM_DB_FULL;
	case 19:
		return SM_DB_CONSTRAINT;
	default:
		return SM_DB_ERROR;
	}
}

/* The outcome of a request on D's connection as ours; the connection is
 * dropped when it cannot go on. */
static sm_db_rc
outcome(dq_db *d, sm_dq_rc rc)
{
	if (rc == SM_DQ_OK)
		return SM_DB_OK;
	if (rc == SM_DQ_NOMEM)
		return SM_DB_NOMEM;
	const char *m = d->conn ? sm_dq_fail_msg(d->conn) : "";
	if (rc == SM_DQ_USAGE) { /* nothing was sent: the connection goes on */
		set_msg(d, "%s", m);
		return SM_DB_ERROR;
	}
	uint64_t code = d->conn ? sm_dq_fail_code(d->conn) : 0;
	set_msg(d, "%s", m);
	if (rc != SM_DQ_FAILURE) {
		drop_conn(d);
		return SM_DB_RETRY;
	}
	/* dqlite 1.11 says "disk I/O error" when the leader lost its
	 * majority while it committed: not the disks */
	if (code == SM_DQ_ERR_LEADERSHIP_LOST)
		set_msg(d, _("the leader lost its majority (leadership lost) before the change was confirmed"));
	else if (code == SM_DQ_ERR_NOT_LEADER)
		set_msg(d, _("the node asked is no longer the leader"));
	sm_db_rc r = map_code(code);
	if (r == SM_DB_RETRY || strstr(m, "not leader") != NULL ||
	    strstr(m, "no database opened") != NULL || strstr(m, "leadership lost") != NULL) {
		drop_conn(d);
		return SM_DB_RETRY;
	}
	return r;
}

/* A leader that has not answered for DQ_STALL_MS: the other nodes are
 * asked (DQ_STALL_ASK_MS at most) which node leads.  One that names
 * another gives the wait up (why, malloc'd): the leader stopped, or was cut
 * off from the others, and commits nothing more; the transaction runs
 * again on the new leader under its request id, in what is left of its
 * time, instead of waiting the whole of store.timeout on the old one.
 * NULL (wait on) while they name it, or none (an election). */
#define DQ_STALL_MS 500
#define DQ_STALL_ASK_MS 300
#define DQ_STALL_NODES 16

static char *
leader_moved(void *ud)
{
	dq_db *d = ud;
	const char *ours = d->conn ? sm_dq_address(d->conn) : NULL;
	char *others[DQ_STALL_NODES];
	sm_dq_probe p[DQ_STALL_NODES];
	size_t n = 0;
	char *why = NULL;
	for (size_t i = 0; ours != NULL && i < d->naddrs && n < DQ_STALL_NODES; i++)
		if (strcmp(d->addrs[i], ours) != 0)
			others[n++] = d->addrs[i];
	if (n == 0)
		return NULL;
	bool asked = sm_dq_probe_nodes(others, n, DQ_STALL_ASK_MS, p) == SM_DQ_OK;
	for (size_t i = 0; asked && i < n && why == NULL; i++)
		if (p[i].answered && p[i].leader[0] != '\0' && strcmp(p[i].leader, ours) != 0 &&
		    asprintf(&why, _("%s stopped answering, and %s names %s the leader now"), ours,
		    others[i], p[i].leader) < 0)
			why = NULL;
	sm_dq_probes_clear(p, n);
	return why;
}

/* A connection to the leader, with the database open. */
static sm_db_rc
ensure_conn(dq_db *d)
{
	char *why = NULL;
	uint64_t client = 0;
	if (d->conn != NULL)
		return SM_DB_OK;
	if (d->tx_lost)
		return SM_DB_RETRY;
	if (d->gone_at != 0 && sm_db_now_ms() - d->gone_at < DQ_GONE_MS) {
		set_msg(d, "%s", d->gone_msg);
		return SM_DB_IOERR;
	}
	int timeout = d->timeout_ms;
	if (d->deadline != 0) { /* a write run again: what is left of its time */
		int64_t left = d->deadline - sm_db_now_ms();
		if (left <= 0) {
			set_msg(d, _("no answer from the cluster within %d ms"), d->timeout_ms);
			return SM_DB_IOERR;
		}
		timeout = left < timeout ? (int)left : timeout;
	}
	if (sm_dq_connect_leader(d->addrs, d->naddrs, timeout, &d->conn, &why) != SM_DQ_OK) {
		/* it waited the whole timeout for a leader: no retry of the
		 * transaction would fare better now */
		set_msg(d, _("no leader of the cluster could be reached: %s"), why ? why : "");
		free(why);
		d->gone_at = sm_db_now_ms();
		snprintf(d->gone_msg, sizeof(d->gone_msg), "%s", d->msg);
		return SM_DB_IOERR;
	}
	d->gone_at = 0;
	/* found within what was left of a write's time: the connection
	 * outlives it, and its requests wait store.timeout */
	sm_dq_set_timeout(d->conn, d->timeout_ms);
	sm_dq_set_stall(d->conn, DQ_STALL_MS, leader_moved, d);
	sm_random_bytes(&client, sizeof(client), NULL);
	/* cache_spill off: dqlite 1.11.1 fails a transaction's read of a page
	 * it spilled to the write-ahead log while the log holds no committed
	 * frame, as it does after every checkpoint (vfsWalRead, src/vfs.c:902,
	 * SQLITE_IOERR_SHORT_READ, "disk I/O error"; fixed in 1.13.0): a
	 * transaction that changes more pages than the leader's page cache
	 * holds (about 2 MB) keeps them in memory instead.  With CLIENT and
	 * OPEN, and the schema's query (what opening a store asks first): one
	 * round trip. */
	sm_dq_rows_clear(&d->schema);
	sm_dq_rc rc = sm_dq_session(d->conn, client, DQ_DATABASE,
	    "PRAGMA foreign_keys = ON; PRAGMA cache_spill = OFF", DQ_SCHEMA_SQL, &d->schema,
	    &d->dbid);
	d->schema_trips = sm_dq_round_trips(d->conn);
	return outcome(d, rc);
}

/* ------------------------------------------------------------ reads sent ahead
 *
 * A read of several independent queries (a case's unit, mark, history,
 * notices...) costs a round trip each when each waits for its answer
 * before the next is sent: on a slow link, most of the time a screen
 * takes.  sm_db_ahead sends a bound query's request at once, held on the
 * connection with the others sent ahead until a request needs an answer
 * (the first step of one of them, or another statement): then all go in
 * one write, and their answers are read in order into each statement
 * (PRE).  A step of the statement bound to the same parameters takes the
 * rows read; bound otherwise, it asks again.  Only outside a
 * transaction: a BEGIN, a script, a plain query or a backup forgets what
 * was sent ahead (its answers read, or its requests dropped while still
 * held), and so does sm_db_ahead_end: an answer is never taken after
 * this connection wrote, nor long after it came. */

/* S's parameters as bytes: what its answer was asked with. */
static char *
params_key(const dq_stmt *s, size_t *len)
{
	size_t n = 0;
	for (int i = 0; i < s->nparams; i++) {
		const sm_dq_value *v = &s->params[i];
		n += 1 + sizeof(int64_t) + sizeof(double) + sizeof(size_t);
		if (v->type == SM_DQ_TEXT || v->type == SM_DQ_BLOB || v->type == SM_DQ_ISO8601)
			n += v->len;
	}
	char *k = malloc(n + 1), *p = k;
	if (k == NULL)
		return NULL;
	for (int i = 0; i < s->nparams; i++) {
		const sm_dq_value *v = &s->params[i];
		size_t l = 0;
		*p++ = (char)v->type;
		memcpy(p, &v->i, sizeof(int64_t));
		p += sizeof(int64_t);
		memcpy(p, &v->f, sizeof(double));
		p += sizeof(double);
		if (v->type == SM_DQ_TEXT || v->type == SM_DQ_BLOB || v->type == SM_DQ_ISO8601)
			l = v->len;
		memcpy(p, &l, sizeof(size_t));
		p += sizeof(size_t);
		if (l > 0)
			memcpy(p, v->s, l);
		p += l;
	}
	*len = n;
	return k;
}

/* S no longer sent ahead: its rows read, if any, and key forgotten. */
static void
ahead_clear(dq_stmt *s)
{
	sm_dq_rows_clear(&s->pre);
	free(s->key);
	s->key = NULL;
	s->keylen = 0;
	s->is_ahead = s->pre_read = false;
}

/* S out of D's list (its answer, if still to come, read and dropped) and
 * cleared. */
static void
ahead_drop(dq_stmt *s)
{
	for (size_t i = 0; i < s->db->nahead; i++)
		if (s->db->ahead[i].s == s)
			s->db->ahead[i].s = NULL;
	ahead_clear(s);
}

/* Everything sent ahead forgotten, the answers not read left unread (the
 * connection went, or is about to: drop_conn). */
static void
ahead_forget(dq_db *d)
{
	for (size_t i = 0; i < d->nahead; i++)
		if (d->ahead[i].s != NULL)
			ahead_clear(d->ahead[i].s);
	d->nahead = 0;
}

/* Read the answers to the queries sent ahead, in order (their requests
 * sent already): each into its statement.  A failure the leader answered
 * is left for the statement's own step to meet; a failure of the
 * connection drops it (and all sent ahead): SM_DB_RETRY. */
static sm_db_rc
ahead_read(dq_db *d)
{
	for (size_t i = 0; i < d->nahead; i++) {
		struct ahead *a = &d->ahead[i];
		if (!a->unread)
			continue;
		sm_dq_rows r;
		sm_dq_rc rc = sm_dq_query_recv(d->conn, &r);
		a->unread = false;
		if (rc != SM_DQ_OK && rc != SM_DQ_FAILURE) {
			/* an answer half read would be taken for the next one's */
			outcome(d, rc);
			drop_conn(d);
			return SM_DB_RETRY;
		}
		if (rc == SM_DQ_OK && a->s != NULL && a->s->key != NULL) {
			a->s->pre = r;
			a->s->pre_read = true;
		} else {
			if (rc == SM_DQ_OK)
				sm_dq_rows_clear(&r);
			if (a->s != NULL)
				ahead_clear(a->s);
			a->s = NULL;
		}
	}
	return SM_DB_OK;
}

/* Forget what was sent ahead: its requests dropped while they are still
 * held, else their answers read (they were sent) and dropped. */
static void
ahead_cancel(dq_db *d)
{
	if (d->nahead == 0)
		return;
	bool unread = false;
	for (size_t i = 0; i < d->nahead; i++)
		unread = unread || d->ahead[i].unread;
	if (unread && d->conn != NULL) {
		if (sm_dq_holding(d->conn))
			sm_dq_drop_held(d->conn); /* none of them went */
		else
			ahead_read(d);
	}
	ahead_forget(d);
}

/* The answers to what was sent ahead: the requests still held sent, then
 * the answers read. */
static sm_db_rc
ahead_settle(dq_db *d)
{
	if (d->conn == NULL)
		return SM_DB_RETRY;
	if (sm_dq_holding(d->conn)) {
		sm_dq_rc r = sm_dq_send_held(d->conn);
		if (r != SM_DQ_OK)
			return outcome(d, r);
	}
	return ahead_read(d);
}

static void
dq_ahead(sm_db_stmt *st)
{
	dq_stmt *s = DS(st);
	dq_db *d = s->db;
	if (s->is_ahead) /* sent ahead before, and not taken: not any more */
		ahead_drop(s);
	/* no connection: none is sought here (the cluster may be gone, and
	 * each seeking waits the timeout); the step asks */
	if (!s->query || s->bind_rc != SM_DB_OK || d->in_tx || d->tx_lost ||
	    d->begin_sql != NULL || d->nheld > 0 || d->conn == NULL)
		return;
	if (d->nahead == d->capahead) {
		size_t cap = d->capahead ? d->capahead * 2 : 8;
		struct ahead *a = realloc(d->ahead, cap * sizeof(*a));
		if (a == NULL)
			return;
		d->ahead = a;
		d->capahead = cap;
	}
	if ((s->key = params_key(s, &s->keylen)) == NULL)
		return;
	sm_dq_hold(d->conn);
	if (sm_dq_query_send(d->conn, d->dbid, s->sql, s->params, s->nparams) != SM_DQ_OK) {
		/* not sent (too many parameters...; no memory: dropped from
		 * what is held); the connection holds no more than it did:
		 * nothing, and the next request goes at once */
		if (!sm_dq_holding(d->conn))
			sm_dq_drop_held(d->conn);
		ahead_clear(s);
		return;
	}
	s->is_ahead = true;
	d->ahead[d->nahead++] = (struct ahead){.s = s, .unread = true};
}

static void
dq_ahead_end(sm_db *db)
{
	ahead_cancel(DQ(db));
}

/* ------------------------------------------------------------ opening */

static void dq_close(sm_db *db);

static sm_status
dq_open(const char *target, bool create, sm_db **out, sm_err *err)
{
	(void)create; /* a cluster makes its database on first use */
	*out = NULL;
	if (strncmp(target, DQ_PREFIX, strlen(DQ_PREFIX)) != 0)
		return sm_err_add(err, SM_E_STORE, NULL, _("%s is not a dqlite cluster"), target);
	dq_db *d = calloc(1, sizeof(*d));
	char *list = d ? strdup(target + strlen(DQ_PREFIX)) : NULL;
	if (list == NULL) {
		free(d);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	d->base.drv = &sm_db_dqlite;
	d->timeout_ms = 5000;
	char *opt = strchr(list, ';');
	if (opt != NULL) {
		*opt++ = '\0';
		if (strncmp(opt, "timeout=", 8) == 0 && atoi(opt + 8) > 0)
			d->timeout_ms = atoi(opt + 8);
	}
	d->addrs = sm_dq_split(list, &d->naddrs);
	free(list);
	if (d->addrs == NULL) {
		dq_close(&d->base);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	if (d->naddrs == 0) {
		dq_close(&d->base);
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("store.backend is dqlite but store.nodes names no node: list the cluster's nodes (host:port)"));
	}
	/* a leader found may lose its leadership before the database is open
	 * (an election under load): find the new one, within the timeout */
	struct timespec t0, t;
	sm_db_rc rc;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((rc = ensure_conn(d)) == SM_DB_RETRY) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= d->timeout_ms)
			break;
		sm_db_back_off(50);
	}
	if (rc != SM_DB_OK) {
		/* the nodes, without the options after them */
		const char *nodes = target + strlen(DQ_PREFIX);
		char *shown = strndup(nodes, strcspn(nodes, ";"));
		sm_err_add(err, SM_E_STORE, NULL,
		    _("cannot reach the sitemark cluster (%s) within %d ms: %s. Check that its nodes run and that a majority of them is up"),
		    shown ? shown : nodes, d->timeout_ms, d->msg);
		free(shown);
		dq_close(&d->base);
		return SM_E_STORE;
	}
	*out = &d->base;
	return SM_OK;
}

static void
dq_close(sm_db *db)
{
	dq_db *d = DQ(db);
	if (d == NULL)
		return;
	forget_held(d);
	ahead_forget(d);
	free(d->ahead);
	sm_dq_rows_clear(&d->schema);
	forget_later(d, d->nlater);
	free(d->held);
	free(d->later);
	if (d->conn)
		sm_dq_close(d->conn);
	sm_dq_split_free(d->addrs, d->naddrs);
	free(d);
}

static const char *
dq_errmsg(sm_db *db)
{
	return DQ(db)->msg;
}

/* Run SQL (no parameters) yielding rows into R, reconnecting once when the
 * connection went outside a transaction. */
static sm_db_rc
query_plain(dq_db *d, const char *sql, sm_dq_rows *r)
{
	sm_db_rc rc = SM_DB_RETRY;
	ahead_cancel(d);
	for (int tries = 0; tries < (d->conn ? 2 : 1) && rc == SM_DB_RETRY; tries++) {
		bool in_tx = d->in_tx;
		if ((rc = ensure_conn(d)) != SM_DB_OK)
			continue;
		rc = outcome(d, sm_dq_query(d->conn, d->dbid, sql, NULL, 0, r));
		if (in_tx)
			break;
	}
	return rc;
}

static sm_status
dq_schema_get(sm_db *db, const char *target, int *version, sm_err *err)
{
	dq_db *d = DQ(db);
	sm_dq_rows r;
	sm_db_rc rc;
	*version = 0;
	if (d->conn != NULL && d->schema.nrows > 0 &&
	    sm_dq_round_trips(d->conn) == d->schema_trips) {
		r = d->schema; /* asked with the session, and nothing since */
		memset(&d->schema, 0, sizeof(d->schema));
	} else if ((rc = query_plain(d, DQ_SCHEMA_SQL, &r)) != SM_DB_OK)
		return sm_db_fail(db, rc, err);
	if (r.nrows != 1 || r.ncols != 3) {
		sm_dq_rows_clear(&r);
		return sm_err_add(err, SM_E_STORE, NULL, _("database error: %s"), "schema");
	}
	*version = (int)r.values[0].i;
	int64_t appid = r.values[1].i, tables = r.values[2].i;
	sm_dq_rows_clear(&r);
	if (appid == SM_DB_RESTORING_ID)
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("%s holds a restore that did not finish: start a new cluster on empty node.data_dir directories and restore the backup again; nothing was touched"),
		    target);
	if ((tables > 0 || *version > 0) && appid != SM_DB_APPLICATION_ID)
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("%s is a SQLite database of another program, not of sitemark: nothing was touched"),
		    target);
	return SM_OK;
}

static sm_status
dq_ready(sm_db *db, sm_err *err)
{
	/* dqlite keeps its own write-ahead log and replicates it; foreign keys
	 * are switched on with every connection */
	(void)db;
	(void)err;
	return SM_OK;
}

static sm_db_rc dq_exec(sm_db *db, const char *script);

static sm_db_rc
dq_schema_set(sm_db *db, int version)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	sm_db_rc rc = dq_exec(db, sql);
	if (rc != SM_DB_OK)
		return rc;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", SM_DB_APPLICATION_ID);
	return dq_exec(db, sql);
}

static sm_status
dq_check(sm_db *db, sm_err *err)
{
	sm_dq_rows r;
	sm_status status = SM_OK;
	sm_db_rc rc = query_plain(DQ(db), "PRAGMA integrity_check", &r);
	if (rc != SM_DB_OK)
		return sm_db_fail(db, rc, err);
	for (size_t i = 0; i < r.nrows; i++) {
		const sm_dq_value *v = &r.values[i * (size_t)r.ncols];
		if (v->type == SM_DQ_TEXT && strcmp(v->s, "ok") != 0)
			status = sm_err_add(err, SM_E_STORE, NULL, "%s", v->s);
	}
	sm_dq_rows_clear(&r);
	return status;
}

/* Write N bytes of DATA into the new file PATH (0660 at most). */
static bool
write_new(const char *path, const unsigned char *data, uint64_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0660);
	if (fd < 0)
		return false;
	while (n > 0) {
		ssize_t k = write(fd, data, n > (1u << 20) ? (1u << 20) : (size_t)n);
		if (k <= 0) {
			close(fd);
			return false;
		}
		data += k;
		n -= (uint64_t)k;
	}
	return fsync(fd) == 0 && close(fd) == 0;
}

/* DEST from the leader's dump of the database: its main file and, beside
 * it, its write-ahead log (DEST-wal), which SQLite folds into DEST when the
 * store opens the copy to verify it. */
static sm_status
dq_backup(sm_db *db, const char *dest, sm_err *err)
{
	dq_db *d = DQ(db);
	sm_dq_files files = {0};
	char *wal = NULL;
	ahead_cancel(d);
	sm_db_rc rc = ensure_conn(d);
	if (rc == SM_DB_OK)
		rc = outcome(d, sm_dq_dump(d->conn, DQ_DATABASE, &files));
	if (rc != SM_DB_OK)
		return sm_err_add(err, SM_E_STORE, NULL, _("cannot copy the database to %s: %s"), dest,
		    d->msg);
	if (asprintf(&wal, "%s-wal", dest) < 0) {
		sm_dq_files_clear(&files);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	bool ok = files.n >= 1 && files.f[0].size > 0 &&
	    write_new(dest, files.f[0].data, files.f[0].size) &&
	    (files.n < 2 || files.f[1].size == 0 || write_new(wal, files.f[1].data, files.f[1].size));
	int e = errno;
	sm_dq_files_clear(&files);
	if (!ok) {
		unlink(wal);
		free(wal);
		return sm_err_add(err, SM_E_IO, NULL, _("cannot copy the database to %s: %s"), dest,
		    strerror(e ? e : EIO));
	}
	free(wal);
	return SM_OK;
}

static int64_t
dq_data_version(sm_db *db)
{
	(void)db;
	return -1; /* the engine cannot tell: sm_store_generation asks the audit head */
}

/* ------------------------------------------------------------ statements */

/* Whether SQL yields rows (its first word). */
static bool
yields_rows(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '(')
		sql++;
	static const char *const words[] = {"SELECT", "WITH", "VALUES", "EXPLAIN"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strncasecmp(sql, words[i], strlen(words[i])) == 0)
			return true;
	return strncasecmp(sql, "PRAGMA", 6) == 0 && strchr(sql, '=') == NULL;
}

static sm_db_rc
dq_prepare(sm_db *db, const char *sql, bool persistent, sm_db_stmt **out)
{
	(void)persistent;
	dq_stmt *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (s == NULL || (s->sql = strdup(sql)) == NULL) {
		free(s);
		return SM_DB_NOMEM;
	}
	s->base.drv = &sm_db_dqlite;
	s->db = DQ(db);
	s->query = yields_rows(sql);
	*out = &s->base;
	return SM_DB_OK;
}

static void
clear_params(dq_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		free(s->owned[i]);
		s->owned[i] = NULL;
	}
	memset(s->params, 0, sizeof(s->params[0]) * (size_t)s->nparams);
	s->nparams = 0;
}

static void
dq_reset(sm_db_stmt *st)
{
	dq_stmt *s = DS(st);
	clear_params(s);
	sm_dq_rows_clear(&s->rows);
	free(s->num);
	s->num = NULL;
	s->cur = 0;
	s->ran = false;
	s->bind_rc = SM_DB_OK;
}

static void
dq_finalize(sm_db_stmt *st)
{
	if (DS(st)->is_ahead)
		ahead_drop(DS(st));
	dq_reset(st);
	free(DS(st)->sql);
	free(st);
}

/* The parameter I (from 1) to set, or NULL (remembered as a failed bind). */
static sm_dq_value *
param(dq_stmt *s, int i)
{
	if (i < 1 || i > SM_DQ_MAX_PARAMS) {
		if (s->bind_rc == SM_DB_OK)
			s->bind_rc = SM_DB_ERROR;
		return NULL;
	}
	free(s->owned[i - 1]);
	s->owned[i - 1] = NULL;
	if (i > s->nparams)
		s->nparams = i;
	memset(&s->params[i - 1], 0, sizeof(s->params[0]));
	return &s->params[i - 1];
}

static sm_db_rc
dq_bind_int64(sm_db_stmt *st, int i, int64_t v)
{
	sm_dq_value *p = param(DS(st), i);
	if (p == NULL)
		return SM_DB_ERROR;
	p->type = SM_DQ_INTEGER;
	p->i = v;
	return SM_DB_OK;
}

static sm_db_rc
dq_bind_double(sm_db_stmt *st, int i, double v)
{
	sm_dq_value *p = param(DS(st), i);
	if (p == NULL)
		return SM_DB_ERROR;
	p->type = SM_DQ_FLOAT;
	p->f = v;
	return SM_DB_OK;
}

static sm_db_rc
dq_bind_null(sm_db_stmt *st, int i)
{
	sm_dq_value *p = param(DS(st), i);
	if (p == NULL)
		return SM_DB_ERROR;
	p->type = SM_DQ_NULL;
	return SM_DB_OK;
}

/* V (allocated, taken over: freed with the statement) as parameter I, of
 * TYPE and LEN bytes. */
static sm_db_rc
bind_owned(sm_db_stmt *st, int i, char *v, size_t len, int type)
{
	sm_dq_value *p = param(DS(st), i);
	if (p == NULL) {
		free(v);
		return SM_DB_ERROR;
	}
	DS(st)->owned[i - 1] = v;
	p->type = type;
	p->s = v;
	p->len = len;
	return SM_DB_OK;
}

/* No memory for parameter I's copy: NULL bound, the statement failed. */
static sm_db_rc
bind_nomem(sm_db_stmt *st, int i)
{
	dq_bind_null(st, i);
	if (DS(st)->bind_rc == SM_DB_OK)
		DS(st)->bind_rc = SM_DB_NOMEM;
	return SM_DB_NOMEM;
}

static sm_db_rc
dq_bind_text_owned(sm_db_stmt *st, int i, char *v)
{
	if (v == NULL)
		return dq_bind_null(st, i);
	return bind_owned(st, i, v, strlen(v), SM_DQ_TEXT);
}

static sm_db_rc
dq_bind_text(sm_db_stmt *st, int i, const char *v)
{
	if (v == NULL)
		return dq_bind_null(st, i);
	char *copy = strdup(v);
	return copy ? dq_bind_text_owned(st, i, copy) : bind_nomem(st, i);
}

static sm_db_rc
dq_bind_blob(sm_db_stmt *st, int i, const void *v, size_t n)
{
	if (v == NULL)
		return dq_bind_null(st, i);
	char *copy = malloc(n ? n : 1);
	if (copy == NULL)
		return bind_nomem(st, i);
	memcpy(copy, v, n);
	return bind_owned(st, i, copy, n, SM_DQ_BLOB);
}

static void
dq_bind_failed(sm_db_stmt *st, sm_db_rc rc)
{
	if (DS(st)->bind_rc == SM_DB_OK)
		DS(st)->bind_rc = rc;
}

/* Whether the failure in D's message says that the leader lacks sm_wrote
 * (a node of an older sitemark): then, from now on, writes and the COMMIT
 * go apart. */
static bool
no_wrote(dq_db *d)
{
	if (strstr(d->msg, "no such function: sm_wrote") == NULL &&
	    strstr(d->msg, "no such function: sm_all_wrote") == NULL)
		return false;
	d->no_wrote = true;
	return true;
}

/* Read the answers to the deferred writes held and sent: their outcomes
 * for sync.  A failure of one is its outcome; a lost connection or leader
 * is the transaction's (SM_DB_RETRY), and then nothing more is read. */
static sm_db_rc
read_held(dq_db *d)
{
	size_t n = d->nheld;
	if (d->nlater + n > d->caplater) {
		size_t cap = d->caplater ? d->caplater : 8;
		while (cap < d->nlater + n)
			cap *= 2;
		sm_db_outcome *o = realloc(d->later, cap * sizeof(*o));
		if (o == NULL) {
			drop_conn(d); /* the answers cannot be kept: the transaction goes again */
			return SM_DB_RETRY;
		}
		d->later = o;
		d->caplater = cap;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t changes = 0;
		sm_dq_rc r = sm_dq_exec_recv(d->conn, d->held[i].sql, NULL, &changes);
		if (r != SM_DQ_OK && r != SM_DQ_FAILURE) {
			outcome(d, r);
			/* the connection goes, and the rest held: an answer
			 * left half read (no memory for it) would be taken
			 * for the next one's */
			drop_conn(d);
			return SM_DB_RETRY;
		}
		sm_db_rc rc = outcome(d, r);
		if (rc == SM_DB_RETRY) /* not the leader any more: dropped */
			return rc;
		if (rc == SM_DB_BUSY)
			rc = SM_DB_RETRY;
		if (rc != SM_DB_OK && no_wrote(d))
			rc = SM_DB_RETRY; /* the write ran: the transaction goes again, apart */
		sm_db_outcome *o = &d->later[d->nlater++];
		o->rc = rc;
		o->changes = (int64_t)changes;
		o->want = d->held[i].want;
		o->msg = rc == SM_DB_OK ? NULL : strdup(d->msg);
	}
	forget_held(d);
	return SM_DB_OK;
}

/* Send S (with the writes held before it, in one trip) and read the
 * answers: the held writes' outcomes, then S's rows or changes. */
static sm_db_rc
send_stmt(dq_db *d, dq_stmt *s)
{
	sm_dq_rc r;
	if (s->query)
		r = sm_dq_query_send(d->conn, d->dbid, s->sql, s->params, s->nparams);
	else
		r = sm_dq_exec_send(d->conn, d->dbid, s->sql, s->params, s->nparams);
	if (r == SM_DQ_OK && sm_dq_holding(d->conn))
		r = sm_dq_send_held(d->conn);
	if (r != SM_DQ_OK)
		return outcome(d, r);
	sm_db_rc rc = read_held(d);
	if (rc != SM_DB_OK || (rc = ahead_read(d)) != SM_DB_OK)
		return rc;
	if (s->query)
		return outcome(d, sm_dq_query_recv(d->conn, &s->rows));
	uint64_t id = 0, changes = 0;
	rc = outcome(d, sm_dq_exec_recv(d->conn, s->sql, &id, &changes));
	if (rc == SM_DB_OK) {
		d->changes = (int64_t)changes;
		d->last_id = (int64_t)id;
	}
	return rc;
}

static sm_db_rc begin_now(dq_db *d, dq_stmt *with);

static sm_db_rc flush_held(dq_db *d);

/* Send the statement: its rows, or its changes. */
static sm_db_rc
run_stmt(dq_stmt *s)
{
	dq_db *d = s->db;
	sm_db_rc rc;
	if (!s->query) /* a write: no answer from before it is taken after it */
		ahead_cancel(d);
	if (d->begin_sql != NULL) { /* the transaction's first statement: with its BEGIN */
		rc = begin_now(d, s->query ? s : NULL);
		if (rc != SM_DB_OK || s->query)
			goto done;
	}
	/* a write sent behind deferred writes runs even when one of them
	 * made SQLite roll the transaction back (out of memory, a full disk,
	 * an I/O error: the ones after it fail on sm_in_tx), and then it would
	 * commit alone: those are answered first, and after such a failure
	 * the write is not sent */
	if (!s->query && d->in_tx && d->nheld > 0) {
		if ((rc = flush_held(d)) != SM_DB_OK)
			goto done;
		for (size_t i = d->nsynced; i < d->nlater; i++) {
			const sm_db_outcome *o = &d->later[i];
			if (o->rc == SM_DB_NOMEM || o->rc == SM_DB_IOERR || o->rc == SM_DB_FULL ||
			    (o->msg != NULL && strstr(o->msg, "sm_in_tx: not inside") != NULL)) {
				set_msg(d, "%s", o->msg ? o->msg : "");
				rc = o->rc;
				goto done;
			}
		}
	}
	rc = SM_DB_RETRY;
	/* outside a transaction a read may go again, once, on a new connection
	 * when the one it had went */
	int tries = d->in_tx || d->tx_lost || !s->query || d->conn == NULL ? 1 : 2;
	int64_t t0 = sm_db_now_ms();
	for (int t = 0; t < tries && rc == SM_DB_RETRY; t++) {
		if (t > 0 && d->deadline == 0) {
			/* the leader is looked for in what is left of the timeout,
			 * DQ_AGAIN_MS at least: a read that waited the whole
			 * timeout on a leader that stopped answering does not wait
			 * it once more */
			int64_t end = t0 + d->timeout_ms, now = sm_db_now_ms();
			int again = d->timeout_ms < DQ_AGAIN_MS ? d->timeout_ms : DQ_AGAIN_MS;
			d->deadline = end - now < again ? now + again : end;
			rc = ensure_conn(d);
			d->deadline = 0;
		} else {
			rc = ensure_conn(d);
		}
		if (rc != SM_DB_OK)
			continue;
		rc = send_stmt(d, s);
	}
done:
	/* inside a transaction another writer's lock cannot be waited for on
	 * the leader: the whole transaction goes again */
	if (rc == SM_DB_BUSY && d->in_tx)
		rc = SM_DB_RETRY;
	if (rc == SM_DB_OK && s->query && s->rows.ncols > 0 &&
	    (s->num = calloc((size_t)s->rows.ncols, sizeof(*s->num))) == NULL)
		rc = SM_DB_NOMEM;
	return rc;
}

/* Whether S takes the rows sent ahead for it (they are then its rows):
 * its answer read (with the others sent ahead) when it was not, and S
 * bound as it was sent. */
static bool
take_ahead(dq_stmt *s)
{
	dq_db *d = s->db;
	bool took = false;
	if (!s->pre_read)
		ahead_settle(d); /* a failure: S asks again */
	if (s->pre_read) {
		size_t len = 0;
		char *key = params_key(s, &len);
		took = key != NULL && len == s->keylen && memcmp(key, s->key, len) == 0 &&
		    (s->pre.ncols == 0 ||
		     (s->num = calloc((size_t)s->pre.ncols, sizeof(*s->num))) != NULL);
		free(key);
		if (took) {
			sm_dq_rows_clear(&s->rows);
			s->rows = s->pre;
			memset(&s->pre, 0, sizeof(s->pre));
		}
	}
	ahead_drop(s);
	return took;
}

static sm_db_rc
dq_step(sm_db_stmt *st)
{
	dq_stmt *s = DS(st);
	if (s->bind_rc != SM_DB_OK)
		return s->bind_rc;
	if (!s->ran) {
		if (!s->is_ahead || !take_ahead(s)) {
			sm_db_rc rc = run_stmt(s);
			if (rc != SM_DB_OK)
				return rc;
		}
		s->ran = true;
		s->cur = 0;
	}
	if (!s->query || s->cur >= s->rows.nrows)
		return SM_DB_DONE;
	s->cur++;
	return SM_DB_ROW;
}

static const sm_dq_value *
value(sm_db_stmt *st, int i)
{
	dq_stmt *s = DS(st);
	if (s->cur == 0 || s->cur > s->rows.nrows || i < 0 || i >= s->rows.ncols)
		return NULL;
	return &s->rows.values[(s->cur - 1) * (size_t)s->rows.ncols + (size_t)i];
}

static int
dq_column_count(sm_db_stmt *st)
{
	return DS(st)->rows.ncols;
}

static sm_db_type
dq_column_type(sm_db_stmt *st, int i)
{
	const sm_dq_value *v = value(st, i);
	switch (v ? v->type : SM_DQ_NULL) {
	case SM_DQ_INTEGER:
		return SM_DB_INTEGER;
	case SM_DQ_FLOAT:
		return SM_DB_FLOAT;
	case SM_DQ_TEXT:
		return SM_DB_TEXT;
	case SM_DQ_BLOB:
		return SM_DB_BLOB;
	default:
		return SM_DB_NULL;
	}
}

static int64_t
dq_column_int64(sm_db_stmt *st, int i)
{
	const sm_dq_value *v = value(st, i);
	if (v == NULL)
		return 0;
	switch (v->type) {
	case SM_DQ_INTEGER:
		return v->i;
	case SM_DQ_FLOAT:
		return (int64_t)v->f;
	case SM_DQ_TEXT:
		return strtoll(v->s, NULL, 10);
	default:
		return 0;
	}
}

static double
dq_column_double(sm_db_stmt *st, int i)
{
	const sm_dq_value *v = value(st, i);
	if (v == NULL)
		return 0;
	switch (v->type) {
	case SM_DQ_INTEGER:
		return (double)v->i;
	case SM_DQ_FLOAT:
		return v->f;
	case SM_DQ_TEXT:
		return strtod(v->s, NULL);
	default:
		return 0;
	}
}

static const char *
dq_column_text(sm_db_stmt *st, int i)
{
	const sm_dq_value *v = value(st, i);
	dq_stmt *s = DS(st);
	if (v == NULL)
		return NULL;
	switch (v->type) {
	case SM_DQ_TEXT:
		return v->s;
	case SM_DQ_INTEGER:
		snprintf(s->num[i], sizeof(s->num[i]), "%lld", (long long)v->i);
		return s->num[i];
	case SM_DQ_FLOAT:
		snprintf(s->num[i], sizeof(s->num[i]), "%.15g", v->f);
		return s->num[i];
	default:
		return NULL; /* NULL; blobs are not text */
	}
}

static const void *
dq_column_blob(sm_db_stmt *st, int i, size_t *n)
{
	const sm_dq_value *v = value(st, i);
	*n = 0;
	if (v == NULL || v->type != SM_DQ_BLOB)
		return NULL;
	*n = v->len;
	return v->s ? v->s : "";
}

/* ------------------------------------------------------------ the connection */

static int64_t
dq_changes(sm_db *db)
{
	return DQ(db)->changes;
}

static int64_t
dq_last_insert_id(sm_db *db)
{
	return DQ(db)->last_id;
}

static sm_db_rc
dq_exec(sm_db *db, const char *script)
{
	dq_db *d = DQ(db);
	sm_db_rc rc;
	ahead_cancel(d);
	if (d->begin_sql != NULL && (rc = begin_now(d, NULL)) != SM_DB_OK)
		return rc;
	if ((rc = ensure_conn(d)) != SM_DB_OK)
		return rc;
	uint64_t id = 0, changes = 0;
	sm_dq_rc r = sm_dq_exec_send(d->conn, d->dbid, script, NULL, 0);
	if (r == SM_DQ_OK && sm_dq_holding(d->conn))
		r = sm_dq_send_held(d->conn);
	if (r != SM_DQ_OK)
		rc = outcome(d, r);
	else if ((rc = read_held(d)) == SM_DB_OK)
		rc = outcome(d, sm_dq_exec_recv(d->conn, script, &id, &changes));
	if (rc == SM_DB_OK) {
		d->changes = (int64_t)changes;
		d->last_id = (int64_t)id;
	} else if (rc == SM_DB_BUSY && d->in_tx)
		rc = SM_DB_RETRY;
	return rc;
}

/* Open the begun transaction on the leader: BEGIN, with the query WITH in
 * the same trip when there is one (then its rows are WITH's).  The leader
 * answers BUSY at once while another writer holds the lock: again, backing
 * off with jitter, up to SM_DB_BUSY_TIMEOUT_MS; a lost connection or
 * leader: again on a new connection, up to the connection's timeout.  A
 * query sent with a BEGIN that failed ran outside the transaction: its rows
 * are dropped. */
static sm_db_rc
begin_now(dq_db *d, dq_stmt *with)
{
	const char *sql = d->begin_sql;
	struct timespec t0, t;
	int wait_ms = 2;
	sm_db_rc rc;

	d->begin_sql = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		sm_db_rc qrc = SM_DB_OK;
		d->tx_lost = false; /* a new transaction may use a new connection */
		if ((rc = ensure_conn(d)) == SM_DB_OK) {
			sm_dq_hold(d->conn);
			sm_dq_rc r = sm_dq_exec_send(d->conn, d->dbid, sql, NULL, 0);
			if (r == SM_DQ_OK && with != NULL)
				r = sm_dq_query_send(d->conn, d->dbid, with->sql, with->params,
				    with->nparams);
			if (r == SM_DQ_OK)
				r = sm_dq_send_held(d->conn);
			if (r != SM_DQ_OK) {
				sm_dq_drop_held(d->conn);
				rc = outcome(d, r);
			} else {
				rc = outcome(d, sm_dq_exec_recv(d->conn, sql, NULL, NULL));
				if (rc == SM_DB_OK)
					d->in_tx = true;
				if (with != NULL && d->conn != NULL) {
					qrc = outcome(d, sm_dq_query_recv(d->conn, &with->rows));
					if (rc != SM_DB_OK)
						sm_dq_rows_clear(&with->rows);
				}
			}
		}
		if (rc == SM_DB_OK)
			return qrc;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		/* BUSY: another writer holds the lock, and the leader does not
		 * wait; RETRY: the connection went or the leader changed: again,
		 * on a new connection, a while */
		int limit = rc == SM_DB_BUSY ? SM_DB_BUSY_TIMEOUT_MS : d->timeout_ms;
		if ((rc != SM_DB_BUSY && rc != SM_DB_RETRY) || spent >= limit ||
		    (d->deadline != 0 && sm_db_now_ms() >= d->deadline))
			return rc;
		sm_db_back_off(wait_ms);
		if (wait_ms < 100)
			wait_ms *= 2;
	}
}

/* Nothing goes to the leader yet: the BEGIN waits for the first statement. */
static sm_db_rc
dq_begin(sm_db *db, bool immediate)
{
	dq_db *d = DQ(db);
	ahead_cancel(d);
	forget_held(d);
	forget_later(d, d->nlater);
	d->tx_lost = false;
	d->tag++;
	d->marked = 0;
	d->begin_sql = immediate ? "BEGIN IMMEDIATE" : "BEGIN";
	return SM_DB_OK;
}

/* Send the held writes and read their outcomes: a failure of the
 * connection, else SM_DB_OK (the outcomes' failures are theirs). */
static sm_db_rc
flush_held(dq_db *d)
{
	if (d->nheld == 0)
		return SM_DB_OK;
	if (d->tx_lost || d->conn == NULL)
		return SM_DB_RETRY;
	sm_dq_rc r = sm_dq_send_held(d->conn);
	return r != SM_DQ_OK ? outcome(d, r) : read_held(d);
}

static sm_db_rc
dq_commit(sm_db *db)
{
	dq_db *d = DQ(db);
	sm_db_rc rc;
	d->unsure = false;
	if (d->begin_sql != NULL) { /* nothing was sent: nothing to commit */
		d->begin_sql = NULL;
		return SM_DB_OK;
	}
	if (d->tx_lost)
		return SM_DB_RETRY;
	/* never COMMIT after writes whose outcome was not seen, or failed */
	if ((rc = flush_held(d)) != SM_DB_OK)
		return rc;
	for (size_t i = d->nsynced; i < d->nlater; i++)
		if (d->later[i].rc != SM_DB_OK) {
			set_msg(d, "%s", d->later[i].msg ? d->later[i].msg : "");
			return d->later[i].rc;
		}
	rc = dq_exec(db, "COMMIT");
	if (rc == SM_DB_OK)
		d->in_tx = false;
	/* sent, and no answer (the connection went, or the leader did not
	 * answer within the timeout): it may have landed */
	d->unsure = rc == SM_DB_RETRY;
	return rc;
}

static sm_db_rc dq_sync(sm_db *db, const sm_db_outcome **out, size_t *n);

/* The first of D's outcomes that is a failure or changed other rows than
 * it had to: its failure (SM_DB_ERROR for the rows), else SM_DB_OK. */
static sm_db_rc
first_bad(const dq_db *d)
{
	for (size_t i = 0; i < d->nlater; i++) {
		const sm_db_outcome *o = &d->later[i];
		if (o->rc != SM_DB_OK)
			return o->rc;
		if (o->want >= 0 && o->changes != o->want)
			return SM_DB_ERROR;
	}
	return SM_DB_OK;
}

/* The writes held and the COMMIT in one round trip: the COMMIT follows
 * sm_all_wrote in its request, which fails (and then the COMMIT does not
 * run) unless every write of the transaction went as it had to (sm_wrote
 * after each).  Where that cannot be (writes sent already, a leader
 * without sm_wrote), the writes' answers are read, then the COMMIT goes
 * alone when they went as they had to. */
static sm_db_rc
dq_commit_later(sm_db *db, const sm_db_outcome **out, size_t *n)
{
	static const char commit_sql[] = "SELECT 0 WHERE sm_all_wrote(?, ?) IS NOT NULL;\nCOMMIT";
	dq_db *d = DQ(db);
	sm_db_rc rc, bad;
	*out = NULL;
	*n = 0;
	d->unsure = false;
	if (d->nheld == 0 || d->no_wrote || d->begin_sql != NULL || d->tx_lost || d->conn == NULL) {
		if ((rc = dq_sync(db, out, n)) != SM_DB_OK)
			return rc;
		if ((bad = first_bad(d)) != SM_DB_OK)
			return bad;
		return dq_commit(db);
	}
	forget_later(d, d->nsynced); /* the ones sync gave */
	sm_dq_value p[2] = {{.type = SM_DQ_INTEGER, .i = (int64_t)d->tag},
	    {.type = SM_DQ_INTEGER, .i = d->marked}};
	sm_dq_rc r = sm_dq_exec_send(d->conn, d->dbid, commit_sql, p, 2);
	if (r == SM_DQ_OK)
		r = sm_dq_send_held(d->conn);
	if (r != SM_DQ_OK) {
		rc = outcome(d, r);
		d->unsure = rc == SM_DB_RETRY; /* it may have gone */
		return rc;
	}
	if ((rc = read_held(d)) != SM_DB_OK) {
		/* the connection went: the COMMIT may have run, unless a write
		 * answered before had failed */
		d->unsure = rc == SM_DB_RETRY && first_bad(d) == SM_DB_OK;
		return rc;
	}
	*out = d->later;
	*n = d->nsynced = d->nlater;
	bad = first_bad(d);
	uint64_t id = 0, changes = 0;
	/* "COMMIT": the tests' fault loses a COMMIT's answer */
	sm_dq_rc cr = sm_dq_exec_recv(d->conn, "COMMIT", &id, &changes);
	if (cr == SM_DQ_NOMEM) { /* the answer half read: it may have landed */
		drop_conn(d);
		d->unsure = true;
		return SM_DB_RETRY;
	}
	rc = outcome(d, cr);
	if (d->no_wrote || (rc != SM_DB_OK && no_wrote(d))) {
		*out = NULL; /* the writes' failures were sm_wrote's: again, apart */
		*n = 0;
		return SM_DB_RETRY;
	}
	if (rc == SM_DB_OK) {
		d->in_tx = false;
		if (bad != SM_DB_OK) { /* cannot be: sm_all_wrote counts */
			set_msg(d, "the cluster committed a transaction one of whose writes did not go as it had to");
			return SM_DB_CORRUPT;
		}
		return SM_DB_OK;
	}
	if (bad != SM_DB_OK) /* the COMMIT did not run: the transaction is open */
		return bad;
	if (rc == SM_DB_BUSY)
		rc = SM_DB_RETRY;
	/* the connection or the leader went with the COMMIT sent */
	d->unsure = rc == SM_DB_RETRY && d->conn == NULL;
	return rc;
}

static sm_db_rc
dq_rollback(sm_db *db)
{
	dq_db *d = DQ(db);
	d->begin_sql = NULL;
	ahead_cancel(d);
	forget_held(d);
	forget_later(d, d->nlater);
	d->tx_lost = false;
	if (!d->in_tx || d->conn == NULL) {
		d->in_tx = false;
		return SM_DB_OK;
	}
	uint64_t id, changes;
	sm_dq_rc rc = sm_dq_exec(d->conn, d->dbid, "ROLLBACK", NULL, 0, &id, &changes);
	d->in_tx = false;
	if (rc == SM_DQ_FAILURE) /* "no transaction is active": the leader rolled it back */
		return SM_DB_OK;
	return outcome(d, rc);
}

/* S's SQL followed, in the same request, by sm_wrote for D's transaction:
 * it runs when the write did not fail, and counts it when it changed WANT
 * rows (any, when WANT is -1).  A newline ends a comment the SQL may end
 * with; the semicolons and blanks it ends with are dropped (SQLite skips
 * empty statements, but the request stays as written: one statement, then
 * sm_wrote). */
static char *
marked_sql(const dq_db *d, const char *sql, int want)
{
	size_t n = strlen(sql);
	while (n > 0 && strchr(" \t\r\n;", sql[n - 1]) != NULL)
		n--;
	char cond[40] = "1";
	if (want >= 0)
		snprintf(cond, sizeof(cond), "changes() = %d", want);
	size_t len = n + 128;
	char *out = malloc(len);
	if (out != NULL)
		snprintf(out, len, "%.*s\n;SELECT 0 WHERE sm_wrote(%llu, %s) IS NOT NULL", (int)n, sql,
		    (unsigned long long)d->tag, cond);
	return out;
}

/* Held on the connection, to go with the next statement that needs an
 * answer (or sync, or commit). */
static sm_db_rc
dq_defer(sm_db_stmt *st, int want)
{
	dq_stmt *s = DS(st);
	dq_db *d = s->db;
	sm_db_rc rc;
	if (s->bind_rc != SM_DB_OK)
		return s->bind_rc;
	if (s->query) {
		set_msg(d, "a query cannot be deferred: %s", s->sql);
		return SM_DB_ERROR;
	}
	/* before any read, the BEGIN goes alone: a write must never run
	 * outside the transaction */
	if (d->begin_sql != NULL && (rc = begin_now(d, NULL)) != SM_DB_OK)
		return rc;
	if (!d->in_tx || d->tx_lost || d->conn == NULL) {
		if (d->in_tx || d->tx_lost)
			return SM_DB_RETRY;
		set_msg(d, "a write is deferred only inside a transaction: %s", s->sql);
		return SM_DB_ERROR;
	}
	if (d->nheld == d->capheld) {
		size_t cap = d->capheld ? d->capheld * 2 : 8;
		struct held *h = realloc(d->held, cap * sizeof(*h));
		if (h == NULL)
			return SM_DB_NOMEM;
		d->held = h;
		d->capheld = cap;
	}
	char *sql = strdup(s->sql);
	char *marked = d->no_wrote || sql == NULL ? NULL : marked_sql(d, s->sql, want);
	if (sql == NULL || (!d->no_wrote && marked == NULL)) {
		free(sql);
		return SM_DB_NOMEM;
	}
	sm_dq_hold(d->conn);
	sm_dq_rc r = sm_dq_exec_send(d->conn, d->dbid, marked ? marked : s->sql, s->params,
	    s->nparams);
	free(marked);
	if (r != SM_DQ_OK) {
		free(sql);
		return outcome(d, r);
	}
	if (!d->no_wrote)
		d->marked++;
	d->held[d->nheld++] = (struct held){.sql = sql, .want = want};
	return SM_DB_OK;
}

static sm_db_rc
dq_sync(sm_db *db, const sm_db_outcome **out, size_t *n)
{
	dq_db *d = DQ(db);
	*out = NULL;
	*n = 0;
	forget_later(d, d->nsynced); /* the ones given last time */
	sm_db_rc rc = flush_held(d);
	if (rc != SM_DB_OK)
		return rc;
	*out = d->later;
	*n = d->nsynced = d->nlater;
	return SM_DB_OK;
}

int
sm_db_dqlite_timeout(sm_db *db)
{
	return DQ(db)->timeout_ms;
}

void
sm_db_dqlite_deadline(sm_db *db, int64_t at)
{
	DQ(db)->deadline = at;
}

bool
sm_db_dqlite_unsure(sm_db *db)
{
	return DQ(db)->unsure;
}

uint64_t
sm_db_dqlite_round_trips(sm_db *db)
{
	dq_db *d = DQ(db);
	return d->trips_closed + (d->conn ? sm_dq_round_trips(d->conn) : 0);
}

const sm_db_driver sm_db_dqlite = {
	.name = "dqlite",
	.open = dq_open,
	.close = dq_close,
	.errmsg = dq_errmsg,
	.schema_get = dq_schema_get,
	.ready = dq_ready,
	.schema_set = dq_schema_set,
	.check = dq_check,
	.prepare = dq_prepare,
	.finalize = dq_finalize,
	.reset = dq_reset,
	.bind_int64 = dq_bind_int64,
	.bind_double = dq_bind_double,
	.bind_text = dq_bind_text,
	.bind_text_owned = dq_bind_text_owned,
	.bind_null = dq_bind_null,
	.bind_failed = dq_bind_failed,
	.step = dq_step,
	.column_count = dq_column_count,
	.column_type = dq_column_type,
	.column_int64 = dq_column_int64,
	.column_double = dq_column_double,
	.column_text = dq_column_text,
	.changes = dq_changes,
	.last_insert_id = dq_last_insert_id,
	.exec = dq_exec,
	.begin = dq_begin,
	.commit = dq_commit,
	.rollback = dq_rollback,
	.data_version = dq_data_version,
	.backup = dq_backup,
	.defer = dq_defer,
	.sync = dq_sync,
	.commit_later = dq_commit_later,
	.bind_blob = dq_bind_blob,
	.column_blob = dq_column_blob,
	.ahead = dq_ahead,
	.ahead_end = dq_ahead_end,
};
