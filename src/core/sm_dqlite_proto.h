/* sm_dqlite_proto.h - a minimal client of dqlite's wire protocol.
 *
 * dqlite 1.11 has no public C client; this is the part of its documented
 * protocol (canonical/dqlite-docs, reference/wire-protocol) that sitemark
 * needs: the handshake (protocol version 1), the leader, the client's
 * registration, opening a database, SQL text with parameters (EXEC_SQL and
 * QUERY_SQL, at most 255 parameters, rows in several batches), failures
 * (a code and a message), a database's files (DUMP), and the cluster's
 * membership (ADD, ASSIGN, REMOVE, TRANSFER, CLUSTER).  No SQLite here: values are the protocol's.
 *
 * Every socket operation waits at most the connection's timeout (poll); a
 * timed-out or dropped connection is dead (SM_DQ_IO) and is closed by the
 * caller. */
#ifndef SM_DQLITE_PROTO_H
#define SM_DQLITE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The results of a request. */
typedef enum sm_dq_rc {
	SM_DQ_OK = 0,
	SM_DQ_FAILURE, /* the server answered with a failure: sm_dq_fail_code/msg */
	SM_DQ_IO,      /* the connection failed, dropped or timed out: close it */
	SM_DQ_PROTO,   /* the server's answer made no sense: close it */
	SM_DQ_NOMEM,
	SM_DQ_USAGE    /* the request cannot be sent (too many parameters...) */
} sm_dq_rc;

/* Value types (the protocol's codes). */
enum {
	SM_DQ_INTEGER = 1,
	SM_DQ_FLOAT = 2,
	SM_DQ_TEXT = 3,
	SM_DQ_BLOB = 4,
	SM_DQ_NULL = 5,
	SM_DQ_UNIXTIME = 9,
	SM_DQ_ISO8601 = 10,
	SM_DQ_BOOLEAN = 11
};

/* Node roles. */
enum { SM_DQ_VOTER = 0, SM_DQ_STANDBY = 1, SM_DQ_SPARE = 2 };

/* Failure codes sitemark acts on (SQLite's extended codes as dqlite sends them). */
#define SM_DQ_ERR_BUSY 5
#define SM_DQ_ERR_NOT_LEADER 10250
#define SM_DQ_ERR_LEADERSHIP_LOST 10506

#define SM_DQ_MAX_PARAMS 255

typedef struct sm_dq_value {
	int type;       /* SM_DQ_INTEGER... */
	int64_t i;      /* INTEGER, BOOLEAN, UNIXTIME */
	double f;       /* FLOAT */
	const char *s;  /* TEXT, ISO8601 (NUL-terminated), BLOB */
	size_t len;     /* BLOB: its length; TEXT: strlen */
} sm_dq_value;

/* The rows of a query, all batches read. */
typedef struct sm_dq_rows {
	int ncols;
	char **names;          /* column names */
	size_t nrows;
	sm_dq_value *values;   /* nrows * ncols; text and blobs point into bufs */
	char **bufs;           /* the messages the rows came in */
	size_t nbufs;
} sm_dq_rows;

/* A node of the cluster. */
typedef struct sm_dq_node {
	uint64_t id;
	char *address;
	int role;
} sm_dq_node;

/* The files of a database dump: the main file and its write-ahead log. */
typedef struct sm_dq_file {
	const char *name;
	const unsigned char *data;
	uint64_t size;
} sm_dq_file;

typedef struct sm_dq_files {
	sm_dq_file f[2];
	size_t n;
	void *buf;             /* the message they point into */
} sm_dq_files;

typedef struct sm_dq_conn sm_dq_conn;

/* Connect to ADDRESS ("host:port"), handshake.  *WHY (malloc'd) says why
 * not on failure. */
sm_dq_rc sm_dq_connect(const char *address, int timeout_ms, sm_dq_conn **out, char **why);
/* A blocking TCP socket connected to ADDRESS (host:port) within TIMEOUT_MS,
 * with Nagle's algorithm off, or -1 and WHY (malloc'd; may be NULL): how a
 * node reaches its peers (dqlite_node_set_connect_func). */
int sm_dq_dial(const char *address, int timeout_ms, char **why);
/* Connect to the leader: ask every one of ADDRS at once which node leads,
 * each on its own connection; the leader is the node that names itself (a
 * node a follower names is asked too).  A node that knows none (an
 * election), fails or names another is asked again after a short pause,
 * until TIMEOUT_MS have passed.  A node that answers slowly or not at all
 * (stopped) holds up only its own question. */
sm_dq_rc sm_dq_connect_leader(char *const *addrs, size_t n, int timeout_ms, sm_dq_conn **out,
    char **why);
void sm_dq_close(sm_dq_conn *c);
/* How long each request on C waits for its answer from now on. */
void sm_dq_set_timeout(sm_dq_conn *c, int timeout_ms);
/* While an answer on C is awaited longer than AFTER_MS, STALLED(UD) is
 * asked, again each AFTER_MS: a message (malloc'd) gives the wait up as a
 * failure of the connection (SM_DQ_IO), NULL waits on. */
void sm_dq_set_stall(sm_dq_conn *c, int after_ms, char *(*stalled)(void *ud), void *ud);
const char *sm_dq_address(const sm_dq_conn *c);

/* The last failure's code and message (the server's, or what went wrong on
 * the connection). */
uint64_t sm_dq_fail_code(const sm_dq_conn *c);
const char *sm_dq_fail_msg(const sm_dq_conn *c);

/* How many requests this connection sent (round trips). */
uint64_t sm_dq_round_trips(const sm_dq_conn *c);

sm_dq_rc sm_dq_leader(sm_dq_conn *c, uint64_t *id, char **address);
sm_dq_rc sm_dq_client(sm_dq_conn *c, uint64_t id);
sm_dq_rc sm_dq_open(sm_dq_conn *c, const char *name, uint32_t *db);
/* CLIENT ID, OPEN NAME (*DB), EXEC_SQL SQL on it and, when QUERY is not
 * NULL, QUERY_SQL QUERY (its rows into *ROWS), in one round trip: a
 * failure is the first request's that failed (the answers after it are
 * read all the same, and *ROWS is set only when all went). */
sm_dq_rc sm_dq_session(sm_dq_conn *c, uint64_t id, const char *name, const char *sql,
    const char *query, sm_dq_rows *rows, uint32_t *db);
sm_dq_rc sm_dq_exec(sm_dq_conn *c, uint32_t db, const char *sql, const sm_dq_value *params,
    int n, uint64_t *last_id, uint64_t *changes);
sm_dq_rc sm_dq_query(sm_dq_conn *c, uint32_t db, const char *sql, const sm_dq_value *params,
    int n, sm_dq_rows *rows);
void sm_dq_rows_clear(sm_dq_rows *rows);

/* Several requests in one trip.  After sm_dq_hold, the EXEC_SQL and
 * QUERY_SQL requests are held (their _send) until sm_dq_send_held sends
 * them all in one write; then their answers are read in the same order
 * (their _recv).  The server runs them one after the other as if each had
 * waited for the one before; a failure of one does not stop the next.
 * sm_dq_drop_held forgets the held ones (nothing was sent). */
void sm_dq_hold(sm_dq_conn *c);
bool sm_dq_holding(const sm_dq_conn *c);
sm_dq_rc sm_dq_send_held(sm_dq_conn *c);
void sm_dq_drop_held(sm_dq_conn *c);
sm_dq_rc sm_dq_exec_send(sm_dq_conn *c, uint32_t db, const char *sql, const sm_dq_value *params,
    int n);
/* SQL: the request's (for the tests' fault), may be NULL. */
sm_dq_rc sm_dq_exec_recv(sm_dq_conn *c, const char *sql, uint64_t *last_id, uint64_t *changes);
sm_dq_rc sm_dq_query_send(sm_dq_conn *c, uint32_t db, const char *sql, const sm_dq_value *params,
    int n);
sm_dq_rc sm_dq_query_recv(sm_dq_conn *c, sm_dq_rows *rows);

/* How one node answered a probe: the leader it names, or why it did not
 * answer. */
typedef struct sm_dq_probe {
	bool answered;
	char *leader;   /* answered: the leader it names, "" when it knows none */
	double ms;      /* answered: from the first connect to the answer */
	char *why;      /* not answered: why (malloc'd) */
} sm_dq_probe;

/* Ask each of the N nodes of ADDRS, all at once and once each, which node
 * leads, waiting TIMEOUT_MS at most: OUT[i] for ADDRS[i] (at most 16; the
 * rest are not asked, and say so).  A node that answers slowly or not at
 * all holds up only itself.  SM_DQ_NOMEM when OUT could not be filled. */
sm_dq_rc sm_dq_probe_nodes(char *const *addrs, size_t n, int timeout_ms, sm_dq_probe *out);
void sm_dq_probes_clear(sm_dq_probe *p, size_t n);

sm_dq_rc sm_dq_add(sm_dq_conn *c, uint64_t id, const char *address);
sm_dq_rc sm_dq_assign(sm_dq_conn *c, uint64_t id, int role);
sm_dq_rc sm_dq_remove(sm_dq_conn *c, uint64_t id);
sm_dq_rc sm_dq_transfer(sm_dq_conn *c, uint64_t id);
sm_dq_rc sm_dq_cluster(sm_dq_conn *c, sm_dq_node **nodes, size_t *n);
/* DUMP: a consistent copy of database NAME's files (one message, 4 GB at most). */
sm_dq_rc sm_dq_dump(sm_dq_conn *c, const char *name, sm_dq_files *out);
void sm_dq_files_clear(sm_dq_files *f);
void sm_dq_nodes_free(sm_dq_node *nodes, size_t n);

/* For tests only (tests/check_dqlite.c): the Nth EXEC_SQL from now whose
 * SQL begins with PREFIX runs on the server, but its answer is lost: the
 * connection is closed and the request fails with SM_DQ_IO, as when a
 * network drops after a COMMIT landed.  N 0 disarms.  Nothing of sitemark
 * calls it. */
void sm_dq_fault_lose_answer(const char *prefix, long n);
/* For tests only too: the Nth request begun from now finds no memory for
 * itself, as when malloc fails (SM_DQ_NOMEM; the requests held before it
 * stay).  N 0 disarms. */
void sm_dq_fault_nomem(long n);
/* And: the Nth query's answer read from now is lost (the connection
 * closed, SM_DQ_IO).  N 0 disarms. */
void sm_dq_fault_lose_rows(long n);

/* "voter", "standby", "spare" */
const char *sm_dq_role_name(int role);

/* Split "a:1, b:2" (commas or spaces) into a malloc'd array of strdup'd
 * addresses; NULL out of memory. */
char **sm_dq_split(const char *list, size_t *n);
void sm_dq_split_free(char **v, size_t n);
/* The nodes of a store target's tail "NODES[;timeout=MS]" (what follows
 * "dqlite:"), malloc'd (NULL out of memory); *TIMEOUT_MS the timeout it
 * names, else DEFAULT_MS. */
char *sm_dq_target_nodes(const char *tail, int default_ms, int *timeout_ms);

#endif
