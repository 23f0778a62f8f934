/* dq_sql.c - the shell tests' sqlite3 for a dqlite cluster (a test helper,
 * not installed).
 *
 *   dq_sql TARGET SQL        run SQL (statements separated by ';') on the
 *                            cluster's leader; rows as the sqlite3 shell's
 *                            list mode prints them (columns joined by '|',
 *                            NULL as nothing)
 *   dq_sql TARGET --dump     the schema and every table's rows, for a
 *                            fingerprint of the whole database
 *
 * TARGET is what sitemark's --db takes for a cluster:
 * "dqlite:HOST:PORT,HOST:PORT...[;timeout=MS]".  The suites of tests/lib.sh
 * call it through q() and db_fingerprint() when SITEMARK_TEST_BACKEND is
 * dqlite.  It speaks through the store's own protocol client
 * (sm_dqlite_proto.c).  Exit 0, or 1 with the failure on stderr. */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sm_db.h"
#include "sm_dqlite_proto.h"

static sm_dq_conn *conn;
static uint32_t dbid;

static void
print_value(const sm_dq_value *v)
{
	char num[64];
	switch (v->type) {
	case SM_DQ_INTEGER:
	case SM_DQ_BOOLEAN:
	case SM_DQ_UNIXTIME:
		printf("%lld", (long long)v->i);
		break;
	case SM_DQ_FLOAT:
		/* as the sqlite3 shell: 300.0, not 300 */
		snprintf(num, sizeof(num), "%.15g", v->f);
		fputs(num, stdout);
		if (strpbrk(num, ".eEni") == NULL)
			fputs(".0", stdout);
		break;
	case SM_DQ_TEXT:
	case SM_DQ_ISO8601:
		fputs(v->s, stdout);
		break;
	case SM_DQ_BLOB:
		fwrite(v->s, 1, v->len, stdout);
		break;
	default:
		break;
	}
}

static bool
yields_rows(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '(')
		sql++;
	return strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "WITH", 4) == 0 ||
	    strncasecmp(sql, "VALUES", 6) == 0 ||
	    (strncasecmp(sql, "PRAGMA", 6) == 0 && strchr(sql, '=') == NULL);
}

static bool
failed(sm_dq_rc rc, const char *sql)
{
	if (rc == SM_DQ_OK)
		return false;
	fprintf(stderr, "dq_sql: %s: %s\n", sql, sm_dq_fail_msg(conn));
	return true;
}

/* Run one statement; print its rows. */
static bool
run(const char *sql)
{
	if (!yields_rows(sql)) {
		uint64_t id, changes;
		return !failed(sm_dq_exec(conn, dbid, sql, NULL, 0, &id, &changes), sql);
	}
	sm_dq_rows r;
	if (failed(sm_dq_query(conn, dbid, sql, NULL, 0, &r), sql))
		return false;
	for (size_t i = 0; i < r.nrows; i++) {
		for (int j = 0; j < r.ncols; j++) {
			if (j > 0)
				putchar('|');
			print_value(&r.values[i * (size_t)r.ncols + (size_t)j]);
		}
		putchar('\n');
	}
	sm_dq_rows_clear(&r);
	return true;
}

/* SQL split at the semicolons outside quotes, each statement run. */
static bool
run_script(char *sql)
{
	char *start = sql, quote = 0;
	for (char *p = sql;; p++) {
		if (*p != '\0' && quote) {
			if (*p == quote)
				quote = 0;
			continue;
		}
		if (*p == '\'' || *p == '"' || *p == '`') {
			quote = *p;
			continue;
		}
		if (*p != ';' && *p != '\0')
			continue;
		bool end = *p == '\0';
		*p = '\0';
		if (strspn(start, " \t\r\n") != strlen(start) && !run(start))
			return false;
		if (end)
			return true;
		start = p + 1;
	}
}

/* The schema, then every table's rows. */
static bool
dump(void)
{
	sm_dq_rows t;
	const char *sql = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name";
	if (!run(sql) || failed(sm_dq_query(conn, dbid,
	    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", NULL, 0, &t), sql))
		return false;
	bool ok = true;
	for (size_t i = 0; i < t.nrows && ok; i++) {
		char *q = NULL;
		if (asprintf(&q, "SELECT * FROM \"%s\"", t.values[i].s) < 0) {
			ok = false;
			break;
		}
		printf("-- %s\n", t.values[i].s);
		ok = run(q);
		free(q);
	}
	sm_dq_rows_clear(&t);
	return ok && run("PRAGMA user_version");
}

int
main(int argc, char **argv)
{
	if (argc != 3 || strncmp(argv[1], SM_DB_DQLITE_PREFIX, strlen(SM_DB_DQLITE_PREFIX)) != 0) {
		fprintf(stderr, "usage: dq_sql dqlite:HOST:PORT,...[;timeout=MS] SQL|--dump\n");
		return 2;
	}
	int timeout;
	char *list = sm_dq_target_nodes(argv[1] + strlen(SM_DB_DQLITE_PREFIX), 5000, &timeout), *why = NULL;
	if (list == NULL)
		return 1;
	size_t n = 0;
	char **addrs = sm_dq_split(list, &n);
	if (addrs == NULL || sm_dq_connect_leader(addrs, n, timeout, &conn, &why) != SM_DQ_OK) {
		fprintf(stderr, "dq_sql: no leader: %s\n", why ? why : "out of memory");
		return 1;
	}
	if (failed(sm_dq_client(conn, 1), "CLIENT") || failed(sm_dq_open(conn, "sitemark", &dbid), "OPEN"))
		return 1;
	bool ok = strcmp(argv[2], "--dump") == 0 ? dump() : run_script(argv[2]);
	sm_dq_close(conn);
	sm_dq_split_free(addrs, n);
	free(list);
	free(why);
	return ok ? 0 : 1;
}
