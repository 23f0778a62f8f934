/* check_dqlite.c - the dqlite wire-protocol client and the store on dqlite.
 *
 * A dqlite node runs in this process (libdqlite, on a free port of
 * 127.0.0.1, its data in a temporary directory): the protocol client's
 * values, rows in several batches, failures, the parameter limit and its
 * timeouts, a silent node listed first; then the store over the node: a COMMIT that landed but whose
 * answer was lost is answered by its request id on the replay (written
 * once, the transaction's function not run again), a statement's lost
 * answer runs the whole transaction again, constraints keep their meaning,
 * a deferred write's failure fails the transaction before its COMMIT, and
 * its lost answer runs the whole again, a write takes three round trips,
 * a whole transition two (its acting account and its case read with the
 * request id: one disabled or moved since it logged in is refused; the
 * writes go with the COMMIT, which the leader runs only when every write
 * went as it had to, and apart on a node without that), a newer
 * schema or another program's database is refused, and an
 * unreachable cluster, or one gone under an open store, fails within its
 * timeout.  Reads sent ahead each take their own answer (in several
 * batches; one lost, or not sent for want of memory: asked again), never
 * one from before a write of the connection, and without a connection
 * none is sought. */
#include <config.h>

#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dqlite.h>
#include <sqlite3.h>

#include "sm_app.h"
#include "sm_db.h"
#include "sm_dqlite_proto.h"
#include "sm_err.h"
#include "sm_store.h"
#include "sm_view.h"
#include "sm_workflow.h"
#include "sm_yaml.h"
#include "testutil.h"

static char node_addr[64];
static char *target;
static dqlite_node *node; /* stopped by the last test */

/* A free TCP port of 127.0.0.1 (bound and released), or a socket listening
 * on one when LISTEN (*FD). */
static int
free_port(bool listen_too, int *fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0)
		return -1;
	if (listen_too) {
		listen(s, 4);
		*fd = s;
	} else
		close(s);
	return ntohs(a.sin_port);
}

/* A child that answers the first connection on LFD as an HTTP server
 * does a request it cannot read; its pid. */
static pid_t
http_answerer(int lfd)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = accept(lfd, NULL, NULL);
		char buf[64];
		static const char answer[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
		if (fd >= 0 && read(fd, buf, sizeof(buf)) > 0 &&
		    write(fd, answer, sizeof(answer) - 1) == (ssize_t)sizeof(answer) - 1)
			close(fd);
		_exit(0);
	}
	return pid;
}

static int64_t
ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static sm_dq_conn *
leader(void)
{
	char *addrs[] = {node_addr};
	sm_dq_conn *c = NULL;
	char *why = NULL;
	sm_dq_rc rc = sm_dq_connect_leader(addrs, 1, 5000, &c, &why);
	ck_assert_msg(rc == SM_DQ_OK, "connect: %s", why ? why : "");
	ck_assert_int_eq(sm_dq_client(c, 7), SM_DQ_OK);
	return c;
}

/* ------------------------------------------------------------ the protocol */

START_TEST(test_values)
{
	sm_dq_conn *c = leader();
	uint32_t db;
	uint64_t id = 0, changes = 0;
	sm_dq_rows r;
	ck_assert_int_eq(sm_dq_open(c, "proto", &db), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec(c, db, "CREATE TABLE IF NOT EXISTS v(i, t, f, b, n)", NULL, 0,
	    NULL, NULL), SM_DQ_OK);
	sm_dq_value p[5] = {
		{.type = SM_DQ_INTEGER, .i = -1234567890123LL},
		{.type = SM_DQ_TEXT, .s = "福州市人民政府.政务 — a text longer than one word"},
		{.type = SM_DQ_FLOAT, .f = 2.5},
		{.type = SM_DQ_BLOB, .s = "a\0b\0c", .len = 5},
		{.type = SM_DQ_NULL},
	};
	ck_assert_int_eq(sm_dq_exec(c, db, "INSERT INTO v VALUES (?, ?, ?, ?, ?)", p, 5, &id,
	    &changes), SM_DQ_OK);
	ck_assert_int_eq(changes, 1);
	ck_assert_int_ge(id, 1);
	ck_assert_int_eq(sm_dq_query(c, db, "SELECT i, t, f, b, n FROM v WHERE rowid = ?",
	    &(sm_dq_value){.type = SM_DQ_INTEGER, .i = (int64_t)id}, 1, &r), SM_DQ_OK);
	ck_assert_int_eq(r.ncols, 5);
	ck_assert_uint_eq(r.nrows, 1);
	ck_assert_str_eq(r.names[1], "t");
	ck_assert_int_eq(r.values[0].type, SM_DQ_INTEGER);
	ck_assert(r.values[0].i == -1234567890123LL);
	ck_assert_int_eq(r.values[1].type, SM_DQ_TEXT);
	ck_assert_str_eq(r.values[1].s, p[1].s);
	ck_assert_int_eq(r.values[2].type, SM_DQ_FLOAT);
	ck_assert(r.values[2].f == 2.5);
	ck_assert_int_eq(r.values[3].type, SM_DQ_BLOB);
	ck_assert_uint_eq(r.values[3].len, 5);
	ck_assert(memcmp(r.values[3].s, "a\0b\0c", 5) == 0);
	ck_assert_int_eq(r.values[4].type, SM_DQ_NULL);
	sm_dq_rows_clear(&r);
	sm_dq_close(c);
}
END_TEST

START_TEST(test_pipeline)
{
	sm_dq_conn *c = leader();
	uint32_t db;
	uint64_t id = 0, changes = 0;
	sm_dq_rows r;
	ck_assert_int_eq(sm_dq_open(c, "proto", &db), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec(c, db, "CREATE TABLE IF NOT EXISTS p(k TEXT PRIMARY KEY)", NULL,
	    0, NULL, NULL), SM_DQ_OK);
	uint64_t trips = sm_dq_round_trips(c);
	/* four requests held, sent in one write; the second fails, the others
	 * still run, and the answers come in order */
	sm_dq_hold(c);
	sm_dq_value a = {.type = SM_DQ_TEXT, .s = "a"}, b = {.type = SM_DQ_TEXT, .s = "b"};
	ck_assert_int_eq(sm_dq_exec_send(c, db, "INSERT INTO p VALUES (?)", &a, 1), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec_send(c, db, "INSERT INTO p VALUES (?)", &a, 1), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec_send(c, db, "INSERT INTO p VALUES (?)", &b, 1), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_query_send(c, db, "SELECT group_concat(k, ',') FROM p", NULL, 0),
	    SM_DQ_OK);
	ck_assert(sm_dq_holding(c));
	ck_assert_uint_eq(sm_dq_round_trips(c), trips);
	ck_assert_int_eq(sm_dq_send_held(c), SM_DQ_OK);
	ck_assert_uint_eq(sm_dq_round_trips(c), trips + 1);
	ck_assert_int_eq(sm_dq_exec_recv(c, NULL, &id, &changes), SM_DQ_OK);
	ck_assert_uint_eq(changes, 1);
	ck_assert_int_eq(sm_dq_exec_recv(c, NULL, &id, &changes), SM_DQ_FAILURE);
	ck_assert_ptr_nonnull(strstr(sm_dq_fail_msg(c), "UNIQUE"));
	ck_assert_int_eq(sm_dq_exec_recv(c, NULL, &id, &changes), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_query_recv(c, &r), SM_DQ_OK);
	ck_assert_str_eq(r.values[0].s, "a,b");
	sm_dq_rows_clear(&r);
	/* sm_in_tx() (sitemark-node's): a write held behind a transaction's
	 * end (here a ROLLBACK, as SQLite does by itself after some failures)
	 * fails rather than commits alone */
	sm_dq_value g = {.type = SM_DQ_TEXT, .s = "g"};
	sm_dq_hold(c);
	ck_assert_int_eq(sm_dq_exec_send(c, db, "BEGIN IMMEDIATE", NULL, 0), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec_send(c, db, "ROLLBACK", NULL, 0), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec_send(c, db, "INSERT INTO p SELECT ? WHERE sm_in_tx()", &g, 1),
	    SM_DQ_OK);
	ck_assert_int_eq(sm_dq_send_held(c), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec_recv(c, NULL, NULL, NULL), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec_recv(c, NULL, NULL, NULL), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec_recv(c, NULL, NULL, NULL), SM_DQ_FAILURE);
	ck_assert_ptr_nonnull(strstr(sm_dq_fail_msg(c), "not inside a transaction"));
	ck_assert_int_eq(sm_dq_query(c, db, "SELECT count(*) FROM p WHERE k = 'g'", NULL, 0, &r),
	    SM_DQ_OK);
	ck_assert_int_eq(r.values[0].i, 0);
	sm_dq_rows_clear(&r);
	/* held and dropped: nothing was sent */
	sm_dq_hold(c);
	sm_dq_value z = {.type = SM_DQ_TEXT, .s = "z"};
	ck_assert_int_eq(sm_dq_exec_send(c, db, "INSERT INTO p VALUES (?)", &z, 1), SM_DQ_OK);
	sm_dq_drop_held(c);
	ck_assert(!sm_dq_holding(c));
	ck_assert_int_eq(sm_dq_query(c, db, "SELECT count(*) FROM p WHERE k = 'z'", NULL, 0, &r),
	    SM_DQ_OK);
	ck_assert_int_eq(r.values[0].i, 0);
	sm_dq_rows_clear(&r);
	sm_dq_close(c);
}
END_TEST

/* A request that finds no memory for its header (a test's fault) is dropped
 * whole: what of its body was written does not go with the requests held
 * before and after it. */
START_TEST(test_held_nomem)
{
	sm_dq_conn *c = leader();
	uint32_t db;
	sm_dq_rows r;
	ck_assert_int_eq(sm_dq_open(c, "proto", &db), SM_DQ_OK);
	sm_dq_hold(c);
	ck_assert_int_eq(sm_dq_exec_send(c, db, "CREATE TABLE IF NOT EXISTS held(x)", NULL, 0),
	    SM_DQ_OK);
	sm_dq_fault_nomem(1);
	ck_assert_int_eq(sm_dq_add(c, 99, "127.0.0.1:1"), SM_DQ_NOMEM);
	ck_assert_int_eq(sm_dq_query_send(c, db, "SELECT 7", NULL, 0), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_send_held(c), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec_recv(c, NULL, NULL, NULL), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_query_recv(c, &r), SM_DQ_OK);
	ck_assert_uint_eq(r.nrows, 1);
	ck_assert_int_eq(r.values[0].i, 7);
	sm_dq_rows_clear(&r);
	sm_dq_close(c);
}
END_TEST

START_TEST(test_batches)
{
	sm_dq_conn *c = leader();
	uint32_t db;
	sm_dq_rows r;
	ck_assert_int_eq(sm_dq_open(c, "proto", &db), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_query(c, db,
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
	    " SELECT i, 'row ' || i FROM n", &(sm_dq_value){.type = SM_DQ_INTEGER, .i = 30000}, 1,
	    &r), SM_DQ_OK);
	ck_assert_uint_eq(r.nrows, 30000);
	ck_assert_msg(r.nbufs > 1, "the rows came in %zu batch(es)", r.nbufs);
	ck_assert_int_eq(r.values[2 * 29999].i, 30000);
	ck_assert_str_eq(r.values[2 * 29999 + 1].s, "row 30000");
	ck_assert_int_eq(r.values[2 * 12345].i, 12346);
	sm_dq_rows_clear(&r);
	/* the connection goes on after them */
	ck_assert_int_eq(sm_dq_query(c, db, "SELECT 1", NULL, 0, &r), SM_DQ_OK);
	ck_assert_uint_eq(r.nrows, 1);
	sm_dq_rows_clear(&r);
	sm_dq_close(c);
}
END_TEST

/* Bytes both ways through the driver: a blob parameter and a blob column
 * (an attachment of the most a cluster keeps, SM_ATTACHMENT_MAX_CLUSTER,
 * NULs and all; an empty one, not NULL), and large rows that come in
 * several batches. */
START_TEST(test_blobs)
{
	sm_err *err = sm_err_new();
	sm_db *d = NULL;
	sm_db_stmt *ins = NULL, *sel = NULL;
	const size_t big = SM_ATTACHMENT_MAX_CLUSTER, part = 400000;
	unsigned char *data = malloc(big);
	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < big; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 11));
	data[0] = data[big - 1] = 0;
	TU_OK(err, sm_db_dqlite.open(target, true, &d, err));
	ck_assert_int_eq(sm_db_exec(d, "CREATE TABLE blob_test(id INTEGER PRIMARY KEY, b BLOB)"),
	    SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(d, "INSERT INTO blob_test(b) VALUES (?1)", false, &ins),
	    SM_DB_OK);
	ck_assert_int_eq(sm_db_bind_blob(ins, 1, data, big), SM_DB_OK);
	ck_assert_int_eq(sm_db_step(ins), SM_DB_DONE);
	sm_db_reset(ins);
	ck_assert_int_eq(sm_db_bind_blob(ins, 1, "", 0), SM_DB_OK);
	ck_assert_int_eq(sm_db_step(ins), SM_DB_DONE);
	for (size_t k = 0; k < 6; k++) {
		sm_db_reset(ins);
		ck_assert_int_eq(sm_db_bind_blob(ins, 1, data + k * 250000, part), SM_DB_OK);
		ck_assert_int_eq(sm_db_step(ins), SM_DB_DONE);
	}
	sm_db_finalize(ins);
	ck_assert_int_eq(sm_db_prepare(d, "SELECT b, typeof(b) FROM blob_test ORDER BY id", false,
	    &sel), SM_DB_OK);
	size_t n = 0;
	ck_assert_int_eq(sm_db_step(sel), SM_DB_ROW);
	ck_assert_int_eq(sm_db_column_type(sel, 0), SM_DB_BLOB);
	const void *v = sm_db_column_blob(sel, 0, &n);
	ck_assert_uint_eq(n, big);
	ck_assert(memcmp(v, data, big) == 0);
	ck_assert_ptr_null(sm_db_column_blob(sel, 1, &n)); /* text is not bytes */
	ck_assert_int_eq(sm_db_step(sel), SM_DB_ROW);
	ck_assert_str_eq(sm_db_column_text(sel, 1), "blob");
	ck_assert_ptr_nonnull(sm_db_column_blob(sel, 0, &n));
	ck_assert_uint_eq(n, 0);
	for (size_t k = 0; k < 6; k++) {
		ck_assert_int_eq(sm_db_step(sel), SM_DB_ROW);
		v = sm_db_column_blob(sel, 0, &n);
		ck_assert_uint_eq(n, part);
		ck_assert(memcmp(v, data + k * 250000, part) == 0);
	}
	ck_assert_int_eq(sm_db_step(sel), SM_DB_DONE);
	sm_db_finalize(sel);
	/* on the wire: the large rows came in several batches */
	sm_dq_conn *c = leader();
	uint32_t db;
	sm_dq_rows r;
	ck_assert_int_eq(sm_dq_open(c, "sitemark", &db), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_query(c, db, "SELECT b FROM blob_test ORDER BY id", NULL, 0, &r),
	    SM_DQ_OK);
	ck_assert_uint_eq(r.nrows, 8);
	ck_assert_msg(r.nbufs > 1, "the rows came in %zu batch(es)", r.nbufs);
	ck_assert_uint_eq(r.values[7].len, part);
	ck_assert(memcmp(r.values[7].s, data + 5 * 250000, part) == 0);
	sm_dq_rows_clear(&r);
	sm_dq_close(c);
	ck_assert_int_eq(sm_db_exec(d, "DROP TABLE blob_test"), SM_DB_OK);
	sm_db_close(d);
	free(data);
	sm_err_free(&err);
}
END_TEST

START_TEST(test_failure)
{
	sm_dq_conn *c = leader();
	uint32_t db;
	sm_dq_rows r;
	sm_dq_value many[SM_DQ_MAX_PARAMS + 1] = {{0}};
	ck_assert_int_eq(sm_dq_open(c, "proto", &db), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec(c, db, "INSERT INTO no_such_table VALUES (1)", NULL, 0, NULL,
	    NULL), SM_DQ_FAILURE);
	ck_assert_int_eq(sm_dq_fail_code(c) & 0xff, 1); /* SQLITE_ERROR */
	ck_assert_ptr_nonnull(strstr(sm_dq_fail_msg(c), "no such table: no_such_table"));
	ck_assert_int_eq(sm_dq_query(c, db, "SELEKT", NULL, 0, &r), SM_DQ_FAILURE);
	ck_assert_ptr_nonnull(strstr(sm_dq_fail_msg(c), "syntax error"));
	/* 256 parameters: refused before anything is sent */
	ck_assert_int_eq(sm_dq_exec(c, db, "SELECT 1", many, SM_DQ_MAX_PARAMS + 1, NULL, NULL),
	    SM_DQ_USAGE);
	/* 255 are fine */
	for (int i = 0; i < SM_DQ_MAX_PARAMS; i++)
		many[i] = (sm_dq_value){.type = SM_DQ_INTEGER, .i = i};
	ck_assert_int_eq(sm_dq_query(c, db, "SELECT ?255", many, SM_DQ_MAX_PARAMS, &r), SM_DQ_OK);
	ck_assert_int_eq(r.values[0].i, 254);
	sm_dq_rows_clear(&r);
	sm_dq_close(c);
}
END_TEST

START_TEST(test_cluster)
{
	sm_dq_conn *c = leader();
	sm_dq_node *nodes = NULL;
	size_t n = 0;
	uint64_t id = 0;
	char *addr = NULL;
	ck_assert_int_eq(sm_dq_leader(c, &id, &addr), SM_DQ_OK);
	ck_assert_int_eq(id, 1);
	ck_assert_str_eq(addr, node_addr);
	ck_assert_int_eq(sm_dq_cluster(c, &nodes, &n), SM_DQ_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(nodes[0].address, node_addr);
	ck_assert_str_eq(sm_dq_role_name(nodes[0].role), "voter");
	/* a spare added and removed again */
	ck_assert_int_eq(sm_dq_add(c, 9, "127.0.0.1:1"), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_remove(c, 9), SM_DQ_OK);
	sm_dq_nodes_free(nodes, n);
	free(addr);
	sm_dq_close(c);
}
END_TEST

/* A server that accepts and never answers: every wait ends at the timeout. */
START_TEST(test_timeout)
{
	int lfd = -1;
	int port = free_port(true, &lfd);
	char addr[64];
	sm_dq_conn *c = NULL;
	uint64_t id;
	char *a = NULL;
	ck_assert_int_gt(port, 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	ck_assert_int_eq(sm_dq_connect(addr, 300, &c, NULL), SM_DQ_OK);
	int64_t t0 = ms_now();
	ck_assert_int_eq(sm_dq_leader(c, &id, &a), SM_DQ_IO);
	int64_t spent = ms_now() - t0;
	ck_assert_msg(spent >= 250 && spent < 1500, "waited %lld ms", (long long)spent);
	ck_assert_ptr_nonnull(strstr(sm_dq_fail_msg(c), "did not answer within 300 ms"));
	sm_dq_close(c);
	close(lfd);
	/* nothing listens: refused at once */
	port = free_port(false, NULL);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	char *why = NULL;
	ck_assert_int_eq(sm_dq_connect(addr, 300, &c, &why), SM_DQ_IO);
	ck_assert_ptr_nonnull(why);
	free(why);
}
END_TEST

/* Each node asked itself, all at once: the node answers (naming itself
 * the leader), a silent one holds up only itself until the timeout, a
 * refused one and an address that is none say why. */
START_TEST(test_probe)
{
	int lfd = -1, hfd = -1;
	char silent[64], refused[64], http[64];
	snprintf(silent, sizeof(silent), "127.0.0.1:%d", free_port(true, &lfd));
	snprintf(refused, sizeof(refused), "127.0.0.1:%d", free_port(false, NULL));
	snprintf(http, sizeof(http), "127.0.0.1:%d", free_port(true, &hfd));
	pid_t web = http_answerer(hfd);
	ck_assert_int_gt(web, 0);
	char *addrs[] = {silent, (char *)node_addr, refused, "no-port-here", http};
	sm_dq_probe p[5];
	int64_t t0 = ms_now();
	ck_assert_int_eq(sm_dq_probe_nodes(addrs, 5, 400, p), SM_DQ_OK);
	int64_t spent = ms_now() - t0;
	ck_assert_msg(spent >= 350 && spent < 1500, "waited %lld ms", (long long)spent);
	ck_assert(!p[0].answered);
	ck_assert_msg(strstr(p[0].why, "took the connection but did not answer within 400 ms") != NULL,
	    "%s", p[0].why);
	ck_assert(p[1].answered);
	ck_assert_str_eq(p[1].leader, node_addr);
	ck_assert_msg(p[1].ms >= 0 && p[1].ms < 350, "the node answered in %.1f ms", p[1].ms);
	ck_assert_ptr_null(p[1].why);
	ck_assert(!p[2].answered);
	ck_assert_ptr_nonnull(strstr(p[2].why, refused));
	ck_assert(!p[3].answered);
	ck_assert_ptr_nonnull(strstr(p[3].why, "host:port"));
	/* another program at the port: said so, not "did not answer" */
	ck_assert(!p[4].answered);
	ck_assert_msg(strstr(p[4].why, "answers in HTTP, not as a dqlite node") != NULL, "%s", p[4].why);
	sm_dq_probes_clear(p, 5);
	waitpid(web, NULL, 0);
	close(lfd);
	close(hfd);
}
END_TEST

/* A node that accepts and never answers, listed first, holds up nobody:
 * every node is asked at once, and the leader's own answer is taken.  With
 * only silent nodes the search ends at its timeout, saying so. */
START_TEST(test_silent_first)
{
	int lfd = -1, lfd2 = -1;
	int port = free_port(true, &lfd), port2 = free_port(true, &lfd2);
	char silent[64], silent2[64];
	ck_assert_int_gt(port, 0);
	ck_assert_int_gt(port2, 0);
	snprintf(silent, sizeof(silent), "127.0.0.1:%d", port);
	snprintf(silent2, sizeof(silent2), "127.0.0.1:%d", port2);
	char *addrs[] = {silent, node_addr, silent2};
	sm_dq_conn *c = NULL;
	char *why = NULL;
	int64_t t0 = ms_now();
	sm_dq_rc rc = sm_dq_connect_leader(addrs, 3, 4000, &c, &why);
	int64_t spent = ms_now() - t0;
	ck_assert_msg(rc == SM_DQ_OK, "connect: %s", why ? why : "");
	ck_assert_str_eq(sm_dq_address(c), node_addr);
	ck_assert_msg(spent < 500, "the silent node held the search up %lld ms", (long long)spent);
	ck_assert_int_eq(sm_dq_client(c, 9), SM_DQ_OK);
	sm_dq_close(c);
	char *none[] = {silent, silent2};
	t0 = ms_now();
	ck_assert_int_eq(sm_dq_connect_leader(none, 2, 400, &c, &why), SM_DQ_IO);
	spent = ms_now() - t0;
	ck_assert_msg(spent >= 350 && spent < 1500, "gave up after %lld ms", (long long)spent);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "answered within 400 ms"));
	free(why);
	close(lfd);
	close(lfd2);
}
END_TEST

/* ------------------------------------------------------------ the store */

struct office_ctx {
	const char *code;
	int calls;
};

static sm_status
office_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct office_ctx *o = ud;
	sm_office rec = {.code = (char *)o->code, .name = "某编办"};
	o->calls++;
	return sm_tx_office_insert(tx, &rec, e);
}

static int
offices_with(sm_store *s, const char *code)
{
	sm_office *all = NULL;
	size_t n = 0;
	int found = 0;
	sm_err *err = sm_err_new();
	TU_OK(err, sm_store_office_list(s, &all, &n, err));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(all[i].code, code) == 0)
			found++;
		sm_office_clear(&all[i]);
	}
	free(all);
	sm_err_free(&err);
	return found;
}

static sm_store *
open_store(sm_err *err)
{
	sm_store *s = NULL;
	TU_OK(err, sm_store_open(target, SM_OPEN_CREATE, &s, err));
	return s;
}

START_TEST(test_commit_answer_lost)
{
	sm_err *err = sm_err_new();
	sm_store *s = open_store(err);
	struct office_ctx o = {.code = "350100"};
	bool replayed = false;
	/* the COMMIT lands, its answer is lost: the transaction goes again,
	 * and its request id answers: written once, not run again */
	sm_dq_fault_lose_answer("COMMIT", 1);
	TU_OK(err, sm_store_write(s, "lost-commit", office_tx, &o, &replayed, NULL, err));
	ck_assert(replayed);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(offices_with(s, "350100"), 1);
	sm_store_close(&s);
	sm_err_free(&err);
}
END_TEST

START_TEST(test_statement_answer_lost)
{
	sm_err *err = sm_err_new();
	sm_store *s = open_store(err);
	struct office_ctx o = {.code = "350200"};
	bool replayed = true;
	/* the INSERT's answer is lost inside the transaction: the leader rolls
	 * it back with the connection, and the whole goes again */
	sm_dq_fault_lose_answer("INSERT INTO offices", 1);
	TU_OK(err, sm_store_write(s, "lost-insert", office_tx, &o, &replayed, NULL, err));
	ck_assert(!replayed);
	ck_assert_int_eq(o.calls, 2);
	ck_assert_int_eq(offices_with(s, "350200"), 1);
	/* the same request again: answered by its id */
	TU_OK(err, sm_store_write(s, "lost-insert", office_tx, &o, &replayed, NULL, err));
	ck_assert(replayed);
	ck_assert_int_eq(o.calls, 2);
	sm_store_close(&s);
	sm_err_free(&err);
}
END_TEST

struct audited_ctx {
	const char *code;
	const char *actor; /* NULL: the audit record is refused (NOT NULL) */
	int calls;
};

/* An office and its audit record (a deferred write: on a cluster it goes
 * with the request id's record, checked before the COMMIT). */
static sm_status
audited_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct audited_ctx *o = ud;
	sm_office rec = {.code = (char *)o->code, .name = "某编办"};
	sm_event ev = {.actor = (char *)o->actor, .role = "sysadmin", .object = "office",
	    .object_key = (char *)o->code, .action = "office-add"};
	o->calls++;
	sm_status st = sm_tx_office_insert(tx, &rec, e);
	return st != SM_OK ? st : sm_tx_audit(tx, &ev, e);
}

/* The audit chain of S verifies; S and ERR are closed. */
static void
close_verified(sm_store *s, sm_err *err)
{
	int64_t broken = 0, count = 0;
	TU_OK(err, sm_store_audit_verify(s, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	sm_store_close(&s);
	sm_err_free(&err);
}

START_TEST(test_deferred_failure)
{
	sm_err *err = sm_err_new();
	sm_store *s = open_store(err);
	struct audited_ctx o = {.code = "350400", .actor = NULL};
	/* the deferred audit record fails: the transaction says why, and
	 * nothing of it was committed */
	ck_assert_int_eq(sm_store_write(s, "deferred-bad", audited_tx, &o, NULL, NULL, err),
	    SM_E_INVALID);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "NOT NULL"));
	ck_assert_int_eq(offices_with(s, "350400"), 0);
	sm_err_clear(err);
	/* the request id was not used up */
	o.actor = "admin";
	TU_OK(err, sm_store_write(s, "deferred-bad", audited_tx, &o, NULL, NULL, err));
	ck_assert_int_eq(offices_with(s, "350400"), 1);
	close_verified(s, err);
}
END_TEST

START_TEST(test_deferred_answer_lost)
{
	sm_err *err = sm_err_new();
	sm_store *s = open_store(err);
	struct audited_ctx o = {.code = "350500", .actor = "admin"};
	bool replayed = true;
	/* the answer to a deferred write (the request id's record, sent with
	 * the audit record and the COMMIT in one trip) is lost: the COMMIT
	 * may have run or not; the whole goes again, and is made once (the
	 * request id answers when it had) */
	sm_dq_fault_lose_answer("INSERT INTO requests", 1);
	TU_OK(err, sm_store_write(s, "lost-deferred", audited_tx, &o, &replayed, NULL, err));
	ck_assert_int_eq(o.calls, replayed ? 1 : 2);
	ck_assert_int_eq(offices_with(s, "350500"), 1);
	close_verified(s, err);
}
END_TEST

/* The account UD (a login) made. */
static sm_status
user_tx(sm_tx *tx, void *ud, sm_err *e)
{
	sm_user u = {.login = ud, .role = SM_ROLE_SYSADMIN, .name = ud};
	return sm_tx_user_insert(tx, &u, e);
}

/* An actor check that lets only a missing account through, and counts its calls. */
static sm_status
no_account(const sm_user *now, void *ud, sm_err *e)
{
	(*(int *)ud)++;
	return now == NULL ? SM_OK : sm_err_add(e, SM_E_DENIED, NULL, "account %s exists", now->login);
}

/* A connection to the cluster, its table T made anew with one row (1). */
static sm_db *
db_with_t(sm_err *err)
{
	sm_db *db = NULL;
	TU_OK(err, sm_db_dqlite.open(target, true, &db, err));
	ck_assert_int_eq(sm_db_exec(db, "DROP TABLE IF EXISTS t; CREATE TABLE t(x INTEGER PRIMARY KEY);"
	    " INSERT INTO t VALUES (1)"), SM_DB_OK);
	return db;
}

/* What the query SQL (a count) finds on DB. */
static int64_t
count_on(sm_db *db, const char *sql)
{
	sm_db_stmt *st = NULL;
	ck_assert_int_eq(sm_db_prepare(db, sql, false, &st), SM_DB_OK);
	ck_assert_int_eq(sm_db_step(st), SM_DB_ROW);
	int64_t n = sm_db_column_int64(st, 0);
	sm_db_finalize(st);
	return n;
}

/* Rows of T on DB. */
static int64_t
rows_t(sm_db *db)
{
	return count_on(db, "SELECT count(*) FROM t");
}

/* On DB, in a transaction: the insert of X (deferred) and an update that
 * must change one row and changes ONE_ROW (1 or 0), then commit_later:
 * its result, the outcomes in *O and *N. */
static sm_db_rc
insert_update(sm_db *db, int64_t x, int one_row, const sm_db_outcome **o, size_t *n)
{
	sm_db_stmt *ins = NULL, *upd = NULL;
	ck_assert_int_eq(sm_db_begin(db, true), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "INSERT INTO t VALUES (?1)", false, &ins), SM_DB_OK);
	sm_db_bind_int64(ins, 1, x);
	ck_assert_int_eq(sm_db_defer(ins, -1), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "UPDATE t SET x = x WHERE x = ?1", false, &upd), SM_DB_OK);
	sm_db_bind_int64(upd, 1, one_row ? 1 : -1);
	ck_assert_int_eq(sm_db_defer(upd, 1), SM_DB_OK);
	sm_db_rc rc = sm_db_commit_later(db, o, n);
	sm_db_finalize(ins);
	sm_db_finalize(upd);
	return rc;
}

/* The writes and the COMMIT in one round trip: the leader commits them
 * when each went as it had to, and refuses the COMMIT when one failed or
 * changed other rows than it had to (then nothing is committed, though
 * the writes before and after it ran). */
START_TEST(test_commit_later)
{
	sm_err *err = sm_err_new();
	sm_db *db = NULL;
	const sm_db_outcome *o = NULL;
	size_t n = 0;
	db = db_with_t(err);
	uint64_t before = sm_db_dqlite_round_trips(db);
	/* both went: committed, in two round trips (BEGIN goes alone before
	 * the first write when no read comes first) */
	ck_assert_int_eq(insert_update(db, 2, 1, &o, &n), SM_DB_OK);
	ck_assert_uint_eq(sm_db_dqlite_round_trips(db) - before, 2);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(o[0].rc, SM_DB_OK);
	ck_assert_int_eq(o[1].changes, 1);
	ck_assert_int_eq(rows_t(db), 2);
	/* the update changed no row: the COMMIT is refused, the insert that
	 * ran before it is rolled back */
	ck_assert_int_eq(insert_update(db, 3, 0, &o, &n), SM_DB_ERROR);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(o[0].rc, SM_DB_OK);
	ck_assert_int_eq(o[1].rc, SM_DB_OK);
	ck_assert_int_eq(o[1].changes, 0);
	ck_assert_int_eq(sm_db_rollback(db), SM_DB_OK);
	ck_assert_int_eq(rows_t(db), 2);
	/* the insert failed (a duplicate); the update after it ran, and went
	 * as it had to: refused all the same */
	ck_assert_int_eq(insert_update(db, 2, 1, &o, &n), SM_DB_UNIQUE);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(o[0].rc, SM_DB_UNIQUE);
	ck_assert_int_eq(o[1].rc, SM_DB_OK);
	ck_assert_int_eq(sm_db_rollback(db), SM_DB_OK);
	ck_assert_int_eq(rows_t(db), 2);
	/* and the connection goes on */
	ck_assert_int_eq(insert_update(db, 4, 1, &o, &n), SM_DB_OK);
	ck_assert_int_eq(rows_t(db), 3);
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

struct many_ctx {
	const char *code;
	int notices;
	int calls;
};

/* An office, its audit record and NOTICES notices: more deferred writes
 * than a transaction keeps before it syncs (16). */
static sm_status
many_tx(sm_tx *tx, void *ud, sm_err *e)
{
	struct many_ctx *m = ud;
	sm_office rec = {.code = (char *)m->code, .name = "某编办"};
	sm_event ev = {.actor = "admin", .role = "sysadmin", .object = "office",
	    .object_key = (char *)m->code, .action = "office-add"};
	sm_notice no = {.event = (char *)m->code, .channel = "sms", .recipient = "13805910002",
	    .body = "x"};
	sm_status st;
	m->calls++;
	if ((st = sm_tx_office_insert(tx, &rec, e)) != SM_OK || (st = sm_tx_audit(tx, &ev, e)) != SM_OK)
		return st;
	for (int i = 0; i < m->notices && st == SM_OK; i++)
		st = sm_tx_notice(tx, &no, e);
	return st;
}

/* A write stepped at once behind deferred writes, one of which made SQLite
 * roll the transaction back (here INSERT OR ROLLBACK; out of memory, a
 * full disk or an I/O error do the same) so that the next fails on
 * sm_in_tx: it is not sent, for it would commit alone. */
START_TEST(test_write_after_rollback)
{
	sm_err *err = sm_err_new();
	sm_db *db = NULL;
	sm_db_stmt *st[3] = {NULL, NULL, NULL};
	db = db_with_t(err);
	ck_assert_int_eq(sm_db_begin(db, true), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "INSERT OR ROLLBACK INTO t VALUES (1)", false, &st[0]),
	    SM_DB_OK);
	ck_assert_int_eq(sm_db_defer(st[0], -1), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "INSERT INTO t SELECT 5 WHERE sm_in_tx()", false, &st[1]),
	    SM_DB_OK);
	ck_assert_int_eq(sm_db_defer(st[1], -1), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "INSERT INTO t VALUES (6)", false, &st[2]), SM_DB_OK);
	ck_assert_int_ne(sm_db_step(st[2]), SM_DB_DONE);
	ck_assert_ptr_nonnull(strstr(sm_db_errmsg(db), "sm_in_tx"));
	sm_db_rollback(db);
	for (int i = 0; i < 3; i++)
		sm_db_finalize(st[i]);
	ck_assert_int_eq(rows_t(db), 1);
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

/* A node of an older sitemark, without sm_wrote: the first transaction's
 * writes fail there, and it goes again whole, its writes and COMMIT apart;
 * made once, as everything after. */
START_TEST(test_commit_later_old_node)
{
	sm_err *err = sm_err_new();
	char *dir = tu_tmpdir(), addr[64], t[128];
	dqlite_node *old = NULL;
	sm_store *s = NULL;
	struct audited_ctx o = {.code = "350700", .actor = "admin"};
	sqlite3_reset_auto_extension();
	sm_db_in_tx_everywhere();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", free_port(false, NULL));
	ck_assert_int_eq(dqlite_node_create(1, addr, dir, &old), 0);
	ck_assert_int_eq(dqlite_node_set_bind_address(old, addr), 0);
	ck_assert_int_eq(dqlite_node_start(old), 0);
	snprintf(t, sizeof(t), "dqlite:%s;timeout=3000", addr);
	TU_OK(err, sm_store_open(t, SM_OPEN_CREATE, &s, err));
	TU_OK(err, sm_store_write(s, "old-node", audited_tx, &o, NULL, NULL, err));
	ck_assert_int_eq(o.calls, 2);
	ck_assert_int_eq(offices_with(s, "350700"), 1);
	/* from then on apart: BEGIN with the read, the office, the audit and
	 * request records, COMMIT */
	struct audited_ctx o2 = {.code = "350710", .actor = "admin"};
	uint64_t before = sm_store_round_trips(s);
	TU_OK(err, sm_store_write(s, "old-node-2", audited_tx, &o2, NULL, NULL, err));
	ck_assert_uint_eq(sm_store_round_trips(s) - before, 4);
	ck_assert_int_eq(o2.calls, 1);
	/* a deferred write's failure still fails it, nothing committed */
	struct audited_ctx bad = {.code = "350720", .actor = NULL};
	ck_assert_int_eq(sm_store_write(s, "old-node-bad", audited_tx, &bad, NULL, NULL, err),
	    SM_E_INVALID);
	ck_assert_int_eq(offices_with(s, "350720"), 0);
	sm_err_clear(err);
	int64_t broken = 0, count = 0;
	TU_OK(err, sm_store_audit_verify(s, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	ck_assert_int_eq(count, 2);
	sm_store_close(&s);
	/* a new console (it does not know the node yet) whose first
	 * transaction syncs mid-way: its first writes fail there, and it goes
	 * again whole, apart */
	struct many_ctx m = {.code = "350730", .notices = 20};
	TU_OK(err, sm_store_open(t, SM_OPEN_EXISTING, &s, err));
	TU_OK(err, sm_store_write(s, "old-node-many", many_tx, &m, NULL, NULL, err));
	ck_assert_int_eq(m.calls, 2);
	ck_assert_int_eq(offices_with(s, "350730"), 1);
	TU_OK(err, sm_store_audit_verify(s, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	ck_assert_int_eq(count, 3);
	sm_store_close(&s);
	dqlite_node_stop(old);
	dqlite_node_destroy(old);
	sm_db_wrote_everywhere(); /* as before, for the nodes of the tests after */
	tu_rmrf(dir);
	free(dir);
	sm_err_free(&err);
}
END_TEST

/* How many rows the query SQL (a count) finds on the cluster. */
static int64_t
count_of(const char *sql)
{
	sm_err *err = sm_err_new();
	sm_db *db = NULL;
	TU_OK(err, sm_db_dqlite.open(target, false, &db, err));
	int64_t n = count_on(db, sql);
	sm_db_close(db);
	sm_err_free(&err);
	return n;
}

/* Defer SQL on DB with X bound to ?1, WANT the rows it must change. */
static void
defer_x(sm_db *db, const char *sql, int64_t x, int want)
{
	sm_db_stmt *st = NULL;
	ck_assert_int_eq(sm_db_prepare(db, sql, false, &st), SM_DB_OK);
	sm_db_bind_int64(st, 1, x);
	ck_assert_int_eq(sm_db_defer(st, want), SM_DB_OK);
	sm_db_finalize(st);
}

/* A deferred write whose SQL ends with a semicolon and a comment, or
 * other white space than the usual: committed as any other (an empty
 * statement between the write and its sm_wrote would end the request
 * before sm_wrote, and the COMMIT would be refused every time). */
START_TEST(test_commit_later_sql_ends)
{
	static const char *const ins[] = {
		"INSERT INTO t VALUES (?1); -- a note",
		"INSERT INTO t VALUES (?1);/* a note */",
		"INSERT INTO t VALUES (?1);\f",
		"INSERT INTO t VALUES (?1) -- a note; with a semicolon",
		"INSERT INTO t VALUES (?1);;\n",
	};
	sm_err *err = sm_err_new();
	sm_db *db = NULL;
	const sm_db_outcome *o = NULL;
	size_t n = 0;
	db = db_with_t(err);
	for (size_t i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		ck_assert_int_eq(sm_db_begin(db, true), SM_DB_OK);
		defer_x(db, ins[i], 10 + (int64_t)i, -1);
		defer_x(db, "UPDATE t SET x = x WHERE x = ?1;  -- one row", 1, 1);
		sm_db_rc rc = sm_db_commit_later(db, &o, &n);
		ck_assert_msg(rc == SM_DB_OK, "%s: %d %s", ins[i], rc, sm_db_errmsg(db));
		ck_assert_uint_eq(n, 2);
		ck_assert_int_eq(rows_t(db), 2 + (int64_t)i);
	}
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

/* What a connection's sm_wrote counted for a transaction rolled back is
 * not counted for the next; a transaction that syncs mid-way (its first
 * writes sent and answered before the rest) is counted whole. */
START_TEST(test_commit_later_stale)
{
	sm_err *err = sm_err_new();
	sm_db *db = NULL;
	const sm_db_outcome *o = NULL;
	size_t n = 0;
	db = db_with_t(err);
	/* three writes counted, then rolled back */
	ck_assert_int_eq(sm_db_begin(db, true), SM_DB_OK);
	for (int i = 0; i < 3; i++)
		defer_x(db, "INSERT INTO t VALUES (?1)", 20 + i, -1);
	ck_assert_int_eq(sm_db_sync(db, &o, &n), SM_DB_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(sm_db_rollback(db), SM_DB_OK);
	/* the next: a stale update among three: refused */
	ck_assert_int_eq(sm_db_begin(db, true), SM_DB_OK);
	defer_x(db, "INSERT INTO t VALUES (?1)", 30, -1);
	defer_x(db, "UPDATE t SET x = x WHERE x = ?1", -1, 1);
	defer_x(db, "INSERT INTO t VALUES (?1)", 31, -1);
	ck_assert_int_eq(sm_db_commit_later(db, &o, &n), SM_DB_ERROR);
	ck_assert_int_eq(sm_db_rollback(db), SM_DB_OK);
	ck_assert_int_eq(rows_t(db), 1);
	/* a stale update answered by a sync, its outcome not looked at: the
	 * leader still refuses the COMMIT */
	ck_assert_int_eq(sm_db_begin(db, true), SM_DB_OK);
	defer_x(db, "UPDATE t SET x = x WHERE x = ?1", -1, 1);
	for (int i = 0; i < 15; i++)
		defer_x(db, "INSERT INTO t VALUES (?1)", 40 + i, -1);
	ck_assert_int_eq(sm_db_sync(db, &o, &n), SM_DB_OK);
	ck_assert_uint_eq(n, 16);
	ck_assert_int_eq(o[0].changes, 0);
	defer_x(db, "INSERT INTO t VALUES (?1)", 60, -1);
	ck_assert_int_ne(sm_db_commit_later(db, &o, &n), SM_DB_OK);
	ck_assert_int_eq(sm_db_rollback(db), SM_DB_OK);
	ck_assert_int_eq(rows_t(db), 1);
	/* 16 writes synced, 4 more with the COMMIT: committed */
	ck_assert_int_eq(sm_db_begin(db, true), SM_DB_OK);
	for (int i = 0; i < 16; i++)
		defer_x(db, "INSERT INTO t VALUES (?1)", 40 + i, -1);
	ck_assert_int_eq(sm_db_sync(db, &o, &n), SM_DB_OK);
	ck_assert_uint_eq(n, 16);
	for (int i = 16; i < 20; i++)
		defer_x(db, "INSERT INTO t VALUES (?1)", 40 + i, -1);
	defer_x(db, "UPDATE t SET x = x WHERE x = ?1", 1, 1);
	ck_assert_int_eq(sm_db_commit_later(db, &o, &n), SM_DB_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(rows_t(db), 21);
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

/* A write that fails and has SQLite roll the transaction back (OR
 * ROLLBACK): the writes after it in the request fail (sm_in_tx), and the
 * COMMIT is refused: nothing of the transaction stands, not even a write
 * that ran before. */
START_TEST(test_commit_later_rolled_back)
{
	sm_err *err = sm_err_new();
	sm_db *db = NULL;
	const sm_db_outcome *o = NULL;
	size_t n = 0;
	db = db_with_t(err);
	ck_assert_int_eq(sm_db_begin(db, true), SM_DB_OK);
	defer_x(db, "INSERT INTO t SELECT ?1 WHERE sm_in_tx()", 70, -1);
	defer_x(db, "INSERT OR ROLLBACK INTO t SELECT ?1 WHERE sm_in_tx()", 1, -1);
	defer_x(db, "INSERT INTO t SELECT ?1 WHERE sm_in_tx()", 71, -1);
	ck_assert_int_ne(sm_db_commit_later(db, &o, &n), SM_DB_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(o[0].rc, SM_DB_OK);
	ck_assert_int_ne(o[1].rc, SM_DB_OK);
	ck_assert_int_ne(o[2].rc, SM_DB_OK);
	ck_assert_int_eq(sm_db_rollback(db), SM_DB_OK);
	ck_assert_int_eq(rows_t(db), 1);
	/* and the connection goes on, its writes still with the COMMIT (the
	 * failures were not taken for a node without sm_wrote): two trips */
	uint64_t before = sm_db_dqlite_round_trips(db);
	ck_assert_int_eq(insert_update(db, 72, 1, &o, &n), SM_DB_OK);
	ck_assert_uint_eq(sm_db_dqlite_round_trips(db) - before, 2);
	ck_assert_int_eq(rows_t(db), 2);
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

/* The answer to each request of the last round trip lost in turn (a
 * deferred write's, the COMMIT's): the driver says the COMMIT may have
 * run; the transaction is committed at most once, and the connection that
 * follows counts afresh. */
START_TEST(test_commit_later_lost)
{
	static const char *const lost[] = {"INSERT INTO t VALUES (?1)", "UPDATE t", "COMMIT"};
	sm_err *err = sm_err_new();
	sm_db *db = NULL;
	const sm_db_outcome *o = NULL;
	size_t n = 0;
	db = db_with_t(err);
	for (size_t i = 0; i < sizeof(lost) / sizeof(lost[0]); i++) {
		int64_t before = rows_t(db);
		sm_dq_fault_lose_answer(lost[i], 1);
		ck_assert_int_eq(insert_update(db, 80 + (int64_t)i, 1, &o, &n), SM_DB_RETRY);
		sm_dq_fault_lose_answer(NULL, 0);
		ck_assert_msg(sm_db_dqlite_unsure(db), "%s", lost[i]);
		ck_assert_int_eq(sm_db_rollback(db), SM_DB_OK);
		/* a stale update on the new connection: refused (its BEGIN
		 * IMMEDIATE waits for the transaction whose answer was lost,
		 * which may still commit) */
		ck_assert_int_eq(insert_update(db, 90 + (int64_t)i, 0, &o, &n), SM_DB_ERROR);
		ck_assert_int_eq(sm_db_rollback(db), SM_DB_OK);
		int64_t after = rows_t(db);
		ck_assert_msg(after == before || after == before + 1, "%s: %lld rows, were %lld",
		    lost[i], (long long)after, (long long)before);
	}
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

/* The answer to each request of a store's last round trip lost in turn,
 * in a transaction of a few deferred writes and in one that syncs
 * mid-way: made exactly once. */
START_TEST(test_commit_later_store_lost)
{
	static const char *const lost[] = {NULL, "INSERT INTO audit", "INSERT INTO outbox",
	    "INSERT INTO requests", "COMMIT"};
	sm_err *err = sm_err_new();
	sm_store *s = open_store(err);
	char code[16], rid[32], q[128];
	for (int many = 0; many < 2; many++)
		for (size_t i = 0; i < sizeof(lost) / sizeof(lost[0]); i++) {
			snprintf(code, sizeof(code), "3508%d%zu", many, i);
			snprintf(rid, sizeof(rid), "store-lost-%s", code);
			struct many_ctx m = {.code = code, .notices = many ? 20 : 1};
			bool replayed = false;
			/* the last of the outbox's inserts (the second batch's) */
			if (lost[i] != NULL)
				sm_dq_fault_lose_answer(lost[i],
				    strcmp(lost[i], "INSERT INTO outbox") == 0 ? m.notices : 1);
			TU_OK(err, sm_store_write(s, rid, many_tx, &m, &replayed, NULL, err));
			sm_dq_fault_lose_answer(NULL, 0);
			ck_assert_msg(m.calls == (replayed ? 1 : lost[i] ? 2 : 1) || (!replayed && m.calls == 2),
			    "%s: %d calls", lost[i] ? lost[i] : "none", m.calls);
			ck_assert_int_eq(offices_with(s, code), 1);
			snprintf(q, sizeof(q), "SELECT count(*) FROM outbox WHERE event = '%s'", code);
			ck_assert_int_eq(count_of(q), m.notices);
			snprintf(q, sizeof(q), "SELECT count(*) FROM audit WHERE object_key = '%s'", code);
			ck_assert_int_eq(count_of(q), 1);
			/* again: answered by its request id */
			TU_OK(err, sm_store_write(s, rid, many_tx, &m, &replayed, NULL, err));
			ck_assert(replayed);
		}
	close_verified(s, err);
}
END_TEST

/* The one integer Q yields (stepped now). */
static int64_t
one_int(sm_db_stmt *q)
{
	ck_assert_int_eq(sm_db_step(q), SM_DB_ROW);
	int64_t v = sm_db_column_int64(q, 0);
	ck_assert_int_eq(sm_db_step(q), SM_DB_DONE);
	return v;
}

/* Reads sent ahead: several in one round trip, each taking its own answer;
 * bound otherwise, asked again; never an answer from before a write of the
 * connection, nor one forgotten by ahead_end; a statement finalized with
 * its answer to come, or a query the leader refuses, leaves the next
 * answers in their places; inside a transaction nothing is sent ahead. */
START_TEST(test_ahead)
{
	sm_err *err = sm_err_new();
	sm_db *db = db_with_t(err), *other = NULL;
	sm_db_stmt *x = NULL, *n = NULL, *bad = NULL, *m = NULL;
	TU_OK(err, sm_db_dqlite.open(target, false, &other, err));
	ck_assert(sm_db_has_ahead(db));
	ck_assert_int_eq(sm_db_exec(db, "INSERT INTO t VALUES (2), (3)"), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "SELECT x * 10 FROM t WHERE x = ?1", true, &x), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "SELECT count(*) FROM t", true, &n), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "SELECT max(x) FROM t", true, &m), SM_DB_OK);

	/* two in one trip */
	uint64_t t0 = sm_db_dqlite_round_trips(db);
	sm_db_bind_int64(x, 1, 2);
	sm_db_ahead(x);
	sm_db_ahead(n);
	ck_assert_uint_eq(sm_db_dqlite_round_trips(db), t0); /* held */
	sm_db_reset(x);
	sm_db_bind_int64(x, 1, 2);
	ck_assert_int_eq(one_int(x), 20);
	ck_assert_int_eq(one_int(n), 3);
	ck_assert_uint_eq(sm_db_dqlite_round_trips(db), t0 + 1);
	/* taken once: stepped again, asked again */
	sm_db_reset(n);
	ck_assert_int_eq(one_int(n), 3);
	ck_assert_uint_eq(sm_db_dqlite_round_trips(db), t0 + 2);

	/* bound otherwise: the answer sent ahead is not taken */
	sm_db_reset(x);
	sm_db_bind_int64(x, 1, 2);
	sm_db_ahead(x);
	sm_db_reset(x);
	sm_db_bind_int64(x, 1, 3);
	ck_assert_int_eq(one_int(x), 30);

	/* another statement stepped first: it goes with them, in one trip */
	sm_db_reset(x);
	sm_db_bind_int64(x, 1, 1);
	sm_db_ahead(x);
	sm_db_reset(n);
	sm_db_ahead(n);
	t0 = sm_db_dqlite_round_trips(db);
	sm_db_reset(m);
	ck_assert_int_eq(one_int(m), 3);
	sm_db_reset(x);
	sm_db_bind_int64(x, 1, 1);
	ck_assert_int_eq(one_int(x), 10);
	ck_assert_int_eq(one_int(n), 3);
	ck_assert_uint_eq(sm_db_dqlite_round_trips(db), t0 + 1);

	/* a write of the connection after it: not taken (held, or answered) */
	for (int answered = 0; answered < 2; answered++) {
		sm_db_reset(n);
		sm_db_ahead(n);
		if (answered) {
			sm_db_reset(m);
			ck_assert_int_eq(one_int(m), 4);
		}
		ck_assert_int_eq(sm_db_exec(db, answered ? "INSERT INTO t VALUES (5)"
		    : "INSERT INTO t VALUES (4)"), SM_DB_OK);
		sm_db_reset(n);
		ck_assert_int_eq(one_int(n), 4 + answered);
	}
	/* forgotten at ahead_end: another connection's write is seen */
	sm_db_reset(n);
	sm_db_ahead(n);
	sm_db_reset(m);
	ck_assert_int_eq(one_int(m), 5); /* n's answer read with it */
	sm_db_ahead_end(db);
	ck_assert_int_eq(sm_db_exec(other, "INSERT INTO t VALUES (6)"), SM_DB_OK);
	sm_db_reset(n);
	ck_assert_int_eq(one_int(n), 6);

	/* finalized with its answer to come; refused by the leader: the
	 * answers after them stay in their places */
	sm_db_stmt *gone = NULL;
	ck_assert_int_eq(sm_db_prepare(db, "SELECT 99", false, &gone), SM_DB_OK);
	sm_db_ahead(gone);
	sm_db_finalize(gone);
	ck_assert_int_eq(sm_db_prepare(db, "SELECT no_such_column FROM t", false, &bad), SM_DB_OK);
	sm_db_ahead(bad);
	sm_db_reset(x);
	sm_db_bind_int64(x, 1, 6);
	sm_db_ahead(x);
	sm_db_reset(m);
	ck_assert_int_eq(one_int(m), 6);
	ck_assert_int_eq(sm_db_step(bad), SM_DB_ERROR);
	ck_assert_ptr_nonnull(strstr(sm_db_errmsg(db), "no_such_column"));
	sm_db_reset(x);
	sm_db_bind_int64(x, 1, 6);
	ck_assert_int_eq(one_int(x), 60);

	/* inside a transaction: asked in it, not ahead */
	ck_assert_int_eq(sm_db_begin(db, false), SM_DB_OK);
	sm_db_reset(n);
	sm_db_ahead(n);
	ck_assert_int_eq(sm_db_exec(other, "INSERT INTO t VALUES (7)"), SM_DB_OK);
	sm_db_reset(n);
	t0 = sm_db_dqlite_round_trips(db);
	ck_assert_int_eq(one_int(n), 7);
	ck_assert_uint_eq(sm_db_dqlite_round_trips(db), t0 + 1); /* with its BEGIN */
	ck_assert_int_eq(sm_db_rollback(db), SM_DB_OK);

	sm_db_finalize(bad);
	sm_db_finalize(m);
	sm_db_finalize(n);
	sm_db_finalize(x);
	sm_db_close(other);
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

/* A write stepped as a statement (no transaction, no exec) after reads sent
 * ahead: their answers, from before it, are not taken after it. */
START_TEST(test_ahead_write_stmt)
{
	sm_err *err = sm_err_new();
	sm_db *db = db_with_t(err);
	sm_db_stmt *n = NULL, *ins = NULL;
	ck_assert_int_eq(sm_db_prepare(db, "SELECT count(*) FROM t", true, &n), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "INSERT INTO t VALUES (?1)", true, &ins), SM_DB_OK);
	for (int answered = 0; answered < 2; answered++) {
		sm_db_reset(n);
		sm_db_ahead(n);
		if (answered) { /* its answer read with another's */
			sm_db_stmt *m = NULL;
			ck_assert_int_eq(sm_db_prepare(db, "SELECT 1", false, &m), SM_DB_OK);
			ck_assert_int_eq(one_int(m), 1);
			sm_db_finalize(m);
		}
		sm_db_reset(ins);
		sm_db_bind_int64(ins, 1, 10 + answered);
		ck_assert_int_eq(sm_db_step(ins), SM_DB_DONE);
		sm_db_reset(n);
		ck_assert_int_eq(one_int(n), 2 + answered);
	}
	sm_db_finalize(ins);
	sm_db_finalize(n);
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

/* Answers sent ahead that come in several batches, before and after a
 * small one: each statement takes its own rows, whole, and the connection
 * goes on. */
START_TEST(test_ahead_batches)
{
	sm_err *err = sm_err_new();
	sm_db *db = db_with_t(err);
	sm_db_stmt *big = NULL, *one = NULL, *big2 = NULL;
	const char *sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)"
	    " SELECT i, 'row ' || i FROM n";
	ck_assert_int_eq(sm_db_prepare(db, sql, true, &big), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, sql, true, &big2), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "SELECT x FROM t WHERE x = ?1", true, &one), SM_DB_OK);
	sm_db_bind_int64(big, 1, 30000);
	sm_db_ahead(big);
	sm_db_bind_int64(one, 1, 1);
	sm_db_ahead(one);
	sm_db_bind_int64(big2, 1, 20000);
	sm_db_ahead(big2);
	uint64_t t0 = sm_db_dqlite_round_trips(db);
	ck_assert_int_eq(one_int(one), 1);
	int64_t k = 0;
	while (sm_db_step(big2) == SM_DB_ROW)
		ck_assert_int_eq(sm_db_column_int64(big2, 0), ++k);
	ck_assert_int_eq(k, 20000);
	k = 0;
	while (sm_db_step(big) == SM_DB_ROW) {
		ck_assert_int_eq(sm_db_column_int64(big, 0), ++k);
		if (k == 30000)
			ck_assert_str_eq(sm_db_column_text(big, 1), "row 30000");
	}
	ck_assert_int_eq(k, 30000);
	ck_assert_uint_eq(sm_db_dqlite_round_trips(db), t0 + 1);
	sm_db_reset(one);
	sm_db_bind_int64(one, 1, 1);
	ck_assert_int_eq(one_int(one), 1);
	sm_db_finalize(big);
	sm_db_finalize(big2);
	sm_db_finalize(one);
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

/* No memory for a request sent ahead: it is asked when stepped, the ones
 * held before it keep their places, and the connection is left as it was
 * (the next request not held: a backup's goes at once). */
START_TEST(test_ahead_nomem)
{
	sm_err *err = sm_err_new();
	sm_db *db = db_with_t(err);
	sm_db_stmt *n = NULL, *m = NULL;
	char *dir = tu_tmpdir(), *dest = NULL;
	ck_assert_int_eq(sm_db_prepare(db, "SELECT count(*) FROM t", true, &n), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "SELECT max(x) * 10 FROM t", true, &m), SM_DB_OK);
	sm_db_ahead(n);
	sm_dq_fault_nomem(1);
	sm_db_ahead(m);
	sm_dq_fault_nomem(0);
	uint64_t t0 = sm_db_dqlite_round_trips(db);
	ck_assert_int_eq(one_int(n), 1);
	ck_assert_int_eq(one_int(m), 10);
	ck_assert_uint_eq(sm_db_dqlite_round_trips(db), t0 + 2);
	/* the first sent ahead, and no memory for it */
	sm_db_reset(n);
	sm_dq_fault_nomem(1);
	sm_db_ahead(n);
	sm_dq_fault_nomem(0);
	ck_assert(asprintf(&dest, "%s/copy.db", dir) > 0);
	int64_t ms = ms_now();
	TU_OK(err, db->drv->backup(db, dest, err));
	ck_assert_msg(ms_now() - ms < 1000, "the backup took %lld ms", (long long)(ms_now() - ms));
	sm_db_reset(n);
	ck_assert_int_eq(one_int(n), 1);
	free(dest);
	tu_rmrf(dir);
	free(dir);
	sm_db_finalize(m);
	sm_db_finalize(n);
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

/* The answer to a query sent ahead lost (the connection closed): no
 * statement takes another's answer; each asks again, on a new connection. */
START_TEST(test_ahead_answer_lost)
{
	sm_err *err = sm_err_new();
	sm_db *db = db_with_t(err);
	sm_db_stmt *x = NULL, *n = NULL, *m = NULL;
	ck_assert_int_eq(sm_db_prepare(db, "SELECT x * 10 FROM t WHERE x = ?1", true, &x), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "SELECT count(*) + 100 FROM t", true, &n), SM_DB_OK);
	ck_assert_int_eq(sm_db_prepare(db, "SELECT max(x) + 1000 FROM t", true, &m), SM_DB_OK);
	/* which answer is lost (the first or the second read), and whether
	 * another statement's step reads them (the third answer, its own) */
	for (int lost = 1; lost <= 2; lost++)
		for (int other = 0; other < 2; other++) {
			sm_db_reset(x);
			sm_db_bind_int64(x, 1, 1);
			sm_db_ahead(x);
			sm_db_reset(n);
			sm_db_ahead(n);
			sm_dq_fault_lose_rows(lost);
			if (other) {
				sm_db_reset(m);
				ck_assert_int_eq(one_int(m), 1001);
			}
			sm_db_reset(n);
			ck_assert_int_eq(one_int(n), 101);
			sm_db_reset(x);
			sm_db_bind_int64(x, 1, 1);
			ck_assert_int_eq(one_int(x), 10);
			sm_dq_fault_lose_rows(0);
			sm_db_ahead_end(db);
		}
	sm_db_finalize(m);
	sm_db_finalize(n);
	sm_db_finalize(x);
	sm_db_close(db);
	sm_err_free(&err);
}
END_TEST

START_TEST(test_round_trips)
{
	sm_err *err = sm_err_new();
	sm_store *s = open_store(err);
	struct audited_ctx o = {.code = "350600", .actor = "admin"};
	uint64_t before = sm_store_round_trips(s);
	/* BEGIN with the request id and the audit head; the office; the audit
	 * and request records with the COMMIT */
	TU_OK(err, sm_store_write(s, "trips", audited_tx, &o, NULL, NULL, err));
	ck_assert_uint_eq(sm_store_round_trips(s) - before, 3);
	/* the acting account read and checked with the request id: no trip of
	 * its own (a transition, which reads its case there too, takes two:
	 * test_transition_account) */
	int checks = 0;
	sm_store_actor who = {.login = "no-such-login", .check = no_account, .ud = &checks};
	struct audited_ctx o2 = {.code = "350610", .actor = "admin"};
	before = sm_store_round_trips(s);
	TU_OK(err, sm_store_write_as(s, &who, "trips-as", NULL, audited_tx, &o2, NULL, NULL, err));
	ck_assert_uint_eq(sm_store_round_trips(s) - before, 3);
	ck_assert_int_eq(checks, 1);
	ck_assert_int_eq(offices_with(s, "350610"), 1);
	/* refused by the check: the write's function is not run, nothing is
	 * written; a replay of a request asks the check first too */
	struct audited_ctx o3 = {.code = "350620", .actor = "admin"};
	who.login = "admin"; /* test_transition_account's system administrator */
	TU_OK(err, sm_store_write(s, "trips-user", user_tx, (void *)who.login, NULL, NULL, err));
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_write_as(s, &who, "trips-refused", NULL, audited_tx, &o3, NULL,
	    NULL, err), SM_E_DENIED);
	ck_assert_int_eq(o3.calls, 0);
	ck_assert_int_eq(offices_with(s, "350620"), 0);
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_write_as(s, &who, "trips-as", NULL, audited_tx, &o2, NULL, NULL,
	    err), SM_E_DENIED);
	ck_assert_int_eq(checks, 3);
	sm_store_close(&s);
	sm_err_free(&err);
}
END_TEST

/* A session of the program on the cluster, logged in as LOGIN (NULL: none). */
static sm_app *
app_on_cluster(const char *login, sm_err *err)
{
	char *dir = tu_tmpdir();
	char *cfg = tu_write(dir, "sitemark.yaml", "mark:\n  base_url: https://bs.example.cn\n");
	sm_app_opts o = {.db_path = target, .config_path = cfg, .mode = SM_OPEN_EXISTING};
	sm_app *app = NULL;
	sm_err *warn = sm_err_new();
	TU_OK(err, sm_app_open(&o, &app, warn, err));
	if (login != NULL)
		TU_OK(err, sm_app_login(app, login, err));
	sm_err_free(&warn);
	tu_rmrf(dir);
	free(dir);
	free(cfg);
	return app;
}

/* SESSION's action on case ID: its status, the round trips it took in *TRIPS. */
static sm_status
act_trips(sm_app *session, int64_t id, sm_action action, uint64_t *trips, sm_err *err)
{
	sm_act a = {.case_id = id, .action = action};
	uint64_t before = sm_store_round_trips(session->store);
	sm_err_clear(err);
	sm_status st = sm_case_act(session, &a, NULL, err);
	*trips = sm_store_round_trips(session->store) - before;
	return st;
}

static int64_t
case_version(sm_app *app, int64_t id, sm_err *err)
{
	sm_case c = {0};
	TU_OK(err, sm_store_case_get(app->store, id, &c, err));
	int64_t v = c.version;
	sm_case_clear(&c);
	return v;
}

/* A transition on the cluster: the acting account and the case are read
 * with the request id, and the account checked there (two round trips in
 * all: BEGIN with that read; the writes with the COMMIT); an
 * account disabled, or moved to another office, after its session logged
 * in is refused there, in the same words as on a local file, and nothing is
 * written. */
START_TEST(test_transition_account)
{
	sm_err *err = sm_err_new();
	if (getenv("SITEMARK_DATADIR") == NULL)
		setenv("SITEMARK_DATADIR", tu_srcdir(), 1);
	sm_app *admin = app_on_cluster(NULL, err), *unit, *rev;
	bool created = false;
	uint64_t trips = 0;
	int64_t unit_id = 0, id = 0, v;
	sm_status st;
	TU_OK(err, sm_first_admin(admin, "admin", &created, err));
	TU_OK(err, sm_app_login(admin, "admin", err));
	/* the store's tests may have made these offices already */
	const char *offices[] = {"350100", "350200"};
	for (int i = 0; i < 2; i++) {
		sm_err_clear(err);
		st = sm_office_add(admin, offices[i], "某编办", err);
		ck_assert(st == SM_OK || st == SM_E_DUPLICATE);
	}
	sm_user sec = {.login = "sec", .role = SM_ROLE_SECADMIN, .name = "sec"};
	TU_OK(err, sm_user_add(admin, &sec, err));
	tu_staff(admin, "admin", "fz", SM_ROLE_OFFICE, "350100", err);
	json_t *uv = sm_values_load_file(tu_src("tests/values/unit-organ-fj.yaml"), err);
	ck_assert_ptr_nonnull(uv);
	TU_OK(err, sm_unit_register(admin, uv, "gov", &unit_id, err));
	json_decref(uv);
	tu_grant(admin, "gov", SM_ROLE_UNIT, "admin", err);
	unit = app_on_cluster("gov", err);
	rev = app_on_cluster("fz", err);
	json_t *dv = json_pack("{s:s, s:s}", "name", "福州市人民政府", "usage", "门户网站的中文域名。");
	TU_OK(err, sm_case_new(unit, SM_KIND_DOMAIN, dv, &id, err));
	json_decref(dv);

	/* the unit's account disabled after its session logged in */
	TU_OK(err, sm_user_enable(admin, "gov", false, err));
	v = case_version(admin, id, err);
	ck_assert_int_eq(act_trips(unit, id, SM_ACTION_SUBMIT, &trips, err), SM_E_DENIED);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "was disabled"));
	ck_assert_int_eq(case_version(admin, id, err), v);
	TU_OK(err, sm_user_enable(admin, "gov", true, err));
	/* a domain's submission reads the registry (is the name taken?) too */
	TU_OK(err, act_trips(unit, id, SM_ACTION_SUBMIT, &trips, err));
	ck_assert_uint_eq(trips, 3);

	/* the reviewer moved to another office after logging in */
	TU_OK(err, sm_app_login(admin, "sec", err));
	TU_OK(err, sm_user_set_role(admin, "fz", SM_ROLE_OFFICE, "350200", err));
	v = case_version(admin, id, err);
	ck_assert_int_eq(act_trips(rev, id, SM_ACTION_APPROVE, &trips, err), SM_E_DENIED);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "another role or office"));
	ck_assert_int_eq(case_version(admin, id, err), v);
	/* back where it was: the same session acts, in two round trips */
	TU_OK(err, sm_user_set_role(admin, "fz", SM_ROLE_OFFICE, "350100", err));
	TU_OK(err, act_trips(rev, id, SM_ACTION_APPROVE, &trips, err));
	ck_assert_uint_eq(trips, 2);
	ck_assert_int_eq(case_version(admin, id, err), v + 1);

	/* a case's detail: the account with the case, then the rest (unit,
	 * office, mark, check, history, notices, notes) in one round trip;
	 * what it shows is what each read alone finds */
	sm_case_view cv;
	sm_event *hist = NULL;
	size_t nhist = 0;
	TU_OK(err, sm_app_login(admin, "admin", err));
	tu_staff(admin, "admin", "svc", SM_ROLE_SERVICE, NULL, err);
	sm_app *svc = app_on_cluster("svc", err);
	TU_OK(err, sm_case_note(svc, id, "材料齐全", err));
	uint64_t before = sm_store_round_trips(rev->store);
	TU_OK(err, sm_view_case(rev, id, &cv, err));
	ck_assert_uint_eq(sm_store_round_trips(rev->store) - before, 2);
	TU_OK(err, sm_store_case_history(admin->store, id, &hist, &nhist, err));
	ck_assert_uint_ge(nhist, 2);
	ck_assert_uint_eq(cv.n_history, nhist);
	ck_assert_str_eq(cv.history[nhist - 1].action, hist[nhist - 1].action);
	ck_assert_int_eq(cv.unit.id, unit_id);
	ck_assert_str_eq(cv.office_name, "某编办");
	ck_assert_uint_eq(cv.n_notes, 1);
	ck_assert_str_eq(cv.notes[0].text, "材料齐全");
	sm_case_view_clear(&cv);
	for (size_t i = 0; i < nhist; i++)
		sm_event_clear(&hist[i]);
	free(hist);
	/* a page of a list, counted: the account's check, the page and its
	 * counts in one round trip, the page's flags and marks in one more */
	sm_case_query cq = {.limit = 20, .count = true, .marks = true};
	sm_case_page pg;
	before = sm_store_round_trips(rev->store);
	TU_OK(err, sm_view_cases(rev, &cq, &pg, err));
	ck_assert_uint_eq(sm_store_round_trips(rev->store) - before, 3);
	ck_assert_uint_ge(pg.n, 1);
	ck_assert_int_eq(pg.total, (int64_t)pg.n);
	ck_assert_int_eq(pg.cases[0].id, id);
	sm_case_page_clear(&pg);
	/* the reviewer disabled since: refused, though the case was asked
	 * with the account; a change made since is seen */
	TU_OK(err, sm_user_enable(admin, "fz", false, err));
	sm_err_clear(err);
	ck_assert_int_eq(sm_view_case(rev, id, &cv, err), SM_E_DENIED);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "was disabled"));
	sm_err_clear(err);
	ck_assert_int_eq(sm_view_cases(rev, &cq, &pg, err), SM_E_DENIED);
	ck_assert_uint_eq(pg.n, 0);
	TU_OK(err, sm_user_enable(admin, "fz", true, err));
	TU_OK(err, sm_case_note(svc, id, "已电话核实", err));
	TU_OK(err, sm_view_case(rev, id, &cv, err));
	ck_assert_uint_eq(cv.n_notes, 2);
	sm_case_view_clear(&cv);
	sm_app_close(&svc);
	sm_app_close(&rev);
	sm_app_close(&unit);
	sm_app_close(&admin);
	sm_err_free(&err);
}
END_TEST

START_TEST(test_generation)
{
	sm_err *err = sm_err_new();
	sm_store *a = open_store(err), *b = open_store(err);
	struct audited_ctx o = {.code = "350700", .actor = "admin"};
	/* the engine cannot tell another connection's commit: the audit head
	 * does, so an open screen learns of it */
	int64_t g = sm_store_generation(a);
	ck_assert_int_eq(sm_store_generation(a), g);
	TU_OK(err, sm_store_write(b, "generation", audited_tx, &o, NULL, NULL, err));
	ck_assert_int_ne(sm_store_generation(a), g);
	sm_store_close(&b);
	close_verified(a, err);
}
END_TEST

START_TEST(test_constraints)
{
	sm_err *err = sm_err_new();
	sm_store *s = open_store(err);
	struct office_ctx o = {.code = "350300"};
	TU_OK(err, sm_store_write(s, "first", office_tx, &o, NULL, NULL, err));
	sm_err_clear(err);
	ck_assert_int_eq(sm_store_write(s, "second", office_tx, &o, NULL, NULL, err), SM_E_DUPLICATE);
	ck_assert_int_eq(offices_with(s, "350300"), 1);
	ck_assert_int_eq(sm_store_schema_version(s), SM_SCHEMA_VERSION);
	/* a cluster keeps at most 2 MB of attachment with a notice */
	ck_assert_uint_eq(sm_store_attachment_max(s), SM_ATTACHMENT_MAX_CLUSTER);
	TU_OK(err, sm_store_integrity(s, err));
	sm_store_close(&s);
	sm_err_free(&err);
}
END_TEST

/* Set PRAGMA NAME = VALUE on the cluster's sitemark database. */
static void
pragma_set(const char *name, long value)
{
	sm_dq_conn *c = leader();
	uint32_t db;
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA %s = %ld", name, value);
	ck_assert_int_eq(sm_dq_open(c, "sitemark", &db), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_exec(c, db, sql, NULL, 0, NULL, NULL), SM_DQ_OK);
	sm_dq_close(c);
}

START_TEST(test_refusals)
{
	sm_err *err = sm_err_new();
	sm_store *s = open_store(err);
	sm_store_close(&s);
	/* a newer sitemark's schema: refused, untouched */
	pragma_set("user_version", SM_SCHEMA_VERSION + 1);
	ck_assert_int_eq(sm_store_open(target, SM_OPEN_CREATE, &s, err), SM_E_STORE);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "written by a newer sitemark"));
	pragma_set("user_version", SM_SCHEMA_VERSION);
	/* another program's database */
	sm_err_clear(err);
	pragma_set("application_id", 0);
	ck_assert_int_eq(sm_store_open(target, SM_OPEN_CREATE, &s, err), SM_E_STORE);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "another program"));
	pragma_set("application_id", SM_DB_APPLICATION_ID);
	s = open_store(err);
	sm_store_close(&s);
	sm_err_free(&err);
}
END_TEST

/* dqlite 1.11.1 fails a transaction that reads back a page it spilled to
 * the write-ahead log while the log holds no committed frame, as after
 * each checkpoint ("disk I/O error", SQLITE_IOERR_SHORT_READ): the driver
 * has the leader keep such pages in memory.  Three transactions each
 * changing some 1,100 pages (the leader's cache holds about 500; the log
 * is checkpointed past 1,000 frames), the keys random: the first leaves
 * the log empty for the second. */
START_TEST(test_large_transactions)
{
	enum { TXS = 3, STMTS = 40, ROWS = 125, KEY = 400 };
	sm_err *err = sm_err_new();
	sm_db *db = NULL;
	sm_db_stmt *st = NULL;
	char *sql = malloc(64 + ROWS * 8), *p = sql, key[KEY + 1];
	uint32_t x = 2463534242u; /* xorshift32: the same keys every run */
	TU_OK(err, sm_db_dqlite.open(target, false, &db, err));
	ck_assert_int_eq(sm_db_exec(db, "CREATE TABLE spill(k TEXT PRIMARY KEY, n INTEGER)"), SM_DB_OK);
	p += sprintf(p, "INSERT INTO spill VALUES ");
	for (int r = 0; r < ROWS; r++)
		p += sprintf(p, r ? ",(?,?)" : "(?,?)");
	for (int t = 0; t < TXS; t++) {
		ck_assert_int_eq(sm_db_begin(db, true), SM_DB_OK);
		for (int i = 0; i < STMTS; i++) {
			ck_assert_int_eq(sm_db_prepare(db, sql, false, &st), SM_DB_OK);
			for (int r = 0; r < ROWS; r++) {
				for (int k = 0; k < KEY; k++) {
					x ^= x << 13;
					x ^= x >> 17;
					x ^= x << 5;
					key[k] = (char)('a' + x % 26);
				}
				key[KEY] = '\0';
				ck_assert_int_eq(sm_db_bind_text(st, 2 * r + 1, key), SM_DB_OK);
				ck_assert_int_eq(sm_db_bind_int64(st, 2 * r + 2, r), SM_DB_OK);
			}
			sm_db_rc rc = sm_db_step(st);
			ck_assert_msg(rc == SM_DB_DONE, "transaction %d, statement %d: %s", t + 1, i + 1,
			    sm_db_errmsg(db));
			sm_db_finalize(st);
		}
		sm_db_rc rc = sm_db_commit(db);
		ck_assert_msg(rc == SM_DB_OK, "transaction %d, commit: %s", t + 1, sm_db_errmsg(db));
	}
	ck_assert_int_eq(sm_db_prepare(db, "SELECT count(*) FROM spill", false, &st), SM_DB_OK);
	ck_assert_int_eq(sm_db_step(st), SM_DB_ROW);
	ck_assert_int_eq(sm_db_column_int64(st, 0), TXS * STMTS * ROWS);
	sm_db_finalize(st);
	ck_assert_int_eq(sm_db_exec(db, "DROP TABLE spill"), SM_DB_OK);
	sm_db_close(db);
	free(sql);
	sm_err_free(&err);
}
END_TEST

/* A backup with an office restored into a new one-node cluster, a fault
 * LOST (the answer to the first statement so beginning lost, the connection
 * dropped, as when the leader goes) on the way: the restore goes on and
 * the cluster holds the office and the backup's indexes. */
static void
restore_losing(const char *backup, const char *lost)
{
	sm_err *err = sm_err_new();
	char *dir = tu_tmpdir(), addr[64], t[128];
	dqlite_node *n = NULL;
	sm_store *s = NULL;
	sm_dq_conn *c = NULL;
	sm_dq_rows r = {0};
	uint32_t db;
	int64_t records = -1;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", free_port(false, NULL));
	ck_assert_int_eq(dqlite_node_create(1, addr, dir, &n), 0);
	ck_assert_int_eq(dqlite_node_set_bind_address(n, addr), 0);
	ck_assert_int_eq(dqlite_node_start(n), 0);
	snprintf(t, sizeof(t), "dqlite:%s;timeout=3000", addr);
	sm_dq_fault_lose_answer(lost, 1);
	TU_OK(err, sm_store_restore(backup, t, false, &records, err));
	sm_dq_fault_lose_answer(NULL, 0);
	TU_OK(err, sm_store_open(t, SM_OPEN_EXISTING, &s, err));
	ck_assert_int_eq(offices_with(s, "350900"), 1);
	sm_store_close(&s);
	char *addrs[] = {addr};
	ck_assert_int_eq(sm_dq_connect_leader(addrs, 1, 3000, &c, NULL), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_open(c, "sitemark", &db), SM_DQ_OK);
	ck_assert_int_eq(sm_dq_query(c, db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND sql IS NOT NULL", NULL, 0, &r), SM_DQ_OK);
	ck_assert_int_gt(r.values[0].i, 10);
	sm_dq_rows_clear(&r);
	sm_dq_close(c);
	dqlite_node_stop(n);
	dqlite_node_destroy(n);
	tu_rmrf(dir);
	free(dir);
	sm_err_free(&err);
}

START_TEST(test_restore_leader_change)
{
	sm_err *err = sm_err_new();
	char *dir = tu_tmpdir(), path[512];
	sm_store *s = NULL;
	struct office_ctx o = {.code = "350900"};
	snprintf(path, sizeof(path), "%s/backup.db", dir);
	TU_OK(err, sm_store_open(path, SM_OPEN_CREATE, &s, err));
	TU_OK(err, sm_store_write(s, "office", office_tx, &o, NULL, NULL, err));
	sm_store_close(&s);
	/* the first table's COMMIT landed: not made again */
	restore_losing(path, "COMMIT");
	/* the first index's statement: its transaction made again */
	restore_losing(path, "CREATE INDEX");
	tu_rmrf(dir);
	free(dir);
	sm_err_free(&err);
}
END_TEST

START_TEST(test_unreachable)
{
	sm_err *err = sm_err_new();
	sm_store *s = NULL;
	char t[128];
	snprintf(t, sizeof(t), "dqlite:127.0.0.1:%d;timeout=400", free_port(false, NULL));
	int64_t t0 = ms_now();
	ck_assert_int_eq(sm_store_open(t, SM_OPEN_EXISTING, &s, err), SM_E_STORE);
	int64_t spent = ms_now() - t0;
	ck_assert_msg(spent < 2000, "waited %lld ms", (long long)spent);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "cannot reach the sitemark cluster"));
	ck_assert_ptr_null(s);
	sm_err_free(&err);
}
END_TEST

/* The last test: the cluster goes away under an open store.  A write fails
 * within about the timeout: the replays do not each wait it again; so does
 * a read with others sent ahead. */
START_TEST(test_cluster_gone)
{
	sm_err *err = sm_err_new();
	sm_store *s = NULL;
	char t[128];
	struct office_ctx o = {.code = "350400"};
	snprintf(t, sizeof(t), "dqlite:%s;timeout=800", node_addr);
	TU_OK(err, sm_store_open(t, SM_OPEN_EXISTING, &s, err));
	dqlite_node_stop(node);
	dqlite_node_destroy(node);
	node = NULL;
	int64_t t0 = ms_now();
	ck_assert_int_eq(sm_store_write(s, "gone", office_tx, &o, NULL, NULL, err), SM_E_STORE);
	int64_t spent = ms_now() - t0;
	ck_assert_msg(spent < 3000, "waited %lld ms", (long long)spent);
	ck_assert_ptr_nonnull(strstr(sm_err_msg(err, 0), "no leader of the cluster could be reached"));
	/* reads sent ahead then (a case's, with its account): the read fails
	 * within about the timeout, not once more for each sent ahead */
	sm_user u = {0};
	sm_err_clear(err);
	t0 = ms_now();
	sm_store_ahead_case(s, "nobody", 1);
	ck_assert_int_eq(sm_store_user_get(s, "nobody", &u, err), SM_E_STORE);
	sm_store_ahead_end(s);
	spent = ms_now() - t0;
	ck_assert_msg(spent < 1400, "waited %lld ms", (long long)spent);
	sm_store_close(&s);
	sm_err_free(&err);
}
END_TEST

static Suite *
dqlite_suite(void)
{
	Suite *s = suite_create("dqlite");
	TCase *tc = tcase_create("protocol");
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_pipeline);
	tcase_add_test(tc, test_batches);
	tcase_add_test(tc, test_held_nomem);
	tcase_add_test(tc, test_failure);
	tcase_add_test(tc, test_blobs);
	tcase_add_test(tc, test_cluster);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_silent_first);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_add_test(tc, test_commit_answer_lost);
	tcase_add_test(tc, test_statement_answer_lost);
	tcase_add_test(tc, test_deferred_failure);
	tcase_add_test(tc, test_deferred_answer_lost);
	tcase_add_test(tc, test_commit_later);
	tcase_add_test(tc, test_commit_later_old_node);
	tcase_add_test(tc, test_write_after_rollback);
	tcase_add_test(tc, test_commit_later_sql_ends);
	tcase_add_test(tc, test_commit_later_stale);
	tcase_add_test(tc, test_commit_later_rolled_back);
	tcase_add_test(tc, test_commit_later_lost);
	tcase_add_test(tc, test_commit_later_store_lost);
	tcase_add_test(tc, test_ahead);
	tcase_add_test(tc, test_ahead_write_stmt);
	tcase_add_test(tc, test_ahead_batches);
	tcase_add_test(tc, test_ahead_nomem);
	tcase_add_test(tc, test_ahead_answer_lost);
	tcase_add_test(tc, test_round_trips);
	tcase_add_test(tc, test_transition_account);
	tcase_add_test(tc, test_generation);
	tcase_add_test(tc, test_constraints);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_large_transactions);
	tcase_add_test(tc, test_restore_leader_change);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_cluster_gone); /* last: it stops the node */
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char *dir = tu_tmpdir();
	int port = free_port(false, NULL);
	tu_lang("C");
	snprintf(node_addr, sizeof(node_addr), "127.0.0.1:%d", port);
	sm_db_in_tx_everywhere(); /* as sitemark-node does */
	sm_db_wrote_everywhere();
	/* as sitemark-node does too: the node answers requests of a connection
	 * whose client went (a lost answer among several sent in one trip: the
	 * answers after it are written to a closed socket) */
	signal(SIGPIPE, SIG_IGN);
	if (port <= 0 || dir == NULL || dqlite_node_create(1, node_addr, dir, &node) != 0 ||
	    dqlite_node_set_bind_address(node, node_addr) != 0 ||
	    dqlite_node_set_network_latency_ms(node, 5) != 0 || dqlite_node_start(node) != 0) {
		fprintf(stderr, "check_dqlite: cannot start a dqlite node at %s: %s\n", node_addr,
		    node ? dqlite_node_errmsg(node) : "");
		return 99;
	}
	if (asprintf(&target, "dqlite:%s;timeout=3000", node_addr) < 0)
		return 99;
	SRunner *sr = srunner_create(dqlite_suite());
	/* no fork: a child would share the node's event loop (its epoll set)
	 * and leave it unusable for the next */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (node != NULL) {
		dqlite_node_stop(node);
		dqlite_node_destroy(node);
	}
	tu_rmrf(dir);
	free(dir);
	free(target);
	return failed ? 1 : 0;
}
