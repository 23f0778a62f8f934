/* sm_store.c - every SQL statement of sitemark (SQLite). */
#include <config.h>

#include "sm_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sm_audit.h"
#include "sm_calendar.h"
#include "sm_i18n.h"

#define SM_APPLICATION_ID 0x534d4b31 /* "SMK1" */
#define BUSY_TIMEOUT_MS 15000
#define FILTER_CACHE 64

/* Prepared statements, made once per connection on first use. */
enum stmt_id {
	ST_BEGIN_IMMEDIATE, ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
	ST_REQUEST_GET, ST_REQUEST_PUT,
	ST_OFFICE_INSERT, ST_OFFICE_GET, ST_OFFICE_LIST,
	ST_USER_INSERT, ST_USER_GET, ST_USER_LIST, ST_USER_LIST_ROLE, ST_USER_COUNT,
	ST_USER_SET_UNIT,
	ST_UNIT_INSERT, ST_UNIT_GET, ST_UNIT_SEARCH, ST_UNIT_DOMAINS, ST_UNIT_DOMAINS_TLD,
	ST_CASE_INSERT, ST_CASE_GET, ST_CASE_UPDATE, ST_CASE_UPDATE_SAME_DOMAIN, ST_CASE_SET_STATE,
	ST_DOMAIN_TAKEN, ST_DOMAIN_OWNED, ST_DOMAIN_INSERT,
	ST_MARK_SEQ, ST_MARK_SEQ_GET, ST_COUNTER_BUMP, ST_COUNTER_GET, ST_MARK_INSERT, ST_MARK_GET,
	ST_AUDIT_LAST, ST_AUDIT_INSERT, ST_AUDIT_CASE, ST_AUDIT_ALL,
	ST_NOTICE_INSERT, ST_NOTICE_LIST,
	ST_NOTE_INSERT, ST_NOTE_LIST,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[ST_BEGIN] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_REQUEST_GET] = "SELECT result FROM requests WHERE id = ?1",
	[ST_REQUEST_PUT] = "INSERT INTO requests(id, at, result) VALUES (?1, ?2, ?3)",
	[ST_OFFICE_INSERT] = "INSERT INTO offices(code, name) VALUES (?1, ?2)",
	[ST_OFFICE_GET] = "SELECT code, name FROM offices WHERE code = ?1",
	[ST_OFFICE_LIST] = "SELECT code, name FROM offices ORDER BY code",
	[ST_USER_INSERT] = "INSERT INTO users(login, role, office, unit, name, mobile, email,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_USER_GET] = "SELECT login, role, office, unit, name, mobile, email, locked"
	    " FROM users WHERE login = ?1",
	[ST_USER_LIST] = "SELECT login, role, office, unit, name, mobile, email, locked"
	    " FROM users ORDER BY login",
	[ST_USER_LIST_ROLE] = "SELECT login, role, office, unit, name, mobile, email, locked"
	    " FROM users WHERE role = ?1 ORDER BY login",
	[ST_USER_COUNT] = "SELECT count(*) FROM users",
	[ST_USER_SET_UNIT] = "UPDATE users SET unit = ?2 WHERE login = ?1 AND role = 'unit'",
	[ST_UNIT_INSERT] = "INSERT INTO units(name, type, uscc, affiliation, division, office,"
	    " \"values\", created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_UNIT_GET] = "SELECT id, name, type, uscc, affiliation, division, office, \"values\","
	    " mark_seq, created_at FROM units WHERE id = ?1",
	[ST_UNIT_SEARCH] = "SELECT id, name, type, uscc, affiliation, division, office, \"values\","
	    " mark_seq, created_at FROM units WHERE instr(name, ?1) > 0 OR uscc = upper(?1)"
	    " OR id IN (SELECT unit FROM domains WHERE instr(unicode, ?1) > 0 OR ace = lower(?1))"
	    " ORDER BY id LIMIT ?2",
	[ST_UNIT_DOMAINS] = "SELECT ace, unicode FROM domains WHERE unit = ?1 ORDER BY ace",
	[ST_UNIT_DOMAINS_TLD] = "SELECT ace, unicode FROM domains WHERE unit = ?1"
	    " AND ace LIKE '%.' || ?2 ORDER BY ace",
	[ST_CASE_INSERT] = "INSERT INTO cases(kind, unit, office, state, version, domain,"
	    " domain_unicode, \"values\", hints, created_by, submitted_by, due, due_kind,"
	    " due_uncertain, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
	[ST_CASE_GET] = "SELECT c.id, c.kind, c.unit, c.office, c.state, c.version, c.domain,"
	    " c.domain_unicode, c.\"values\", c.hints, c.created_by, c.submitted_by, c.due,"
	    " c.due_kind, c.due_uncertain, c.created_at, c.updated_at, u.name, u.type, u.uscc"
	    " FROM cases c JOIN units u ON u.id = c.unit WHERE c.id = ?1",
	[ST_CASE_UPDATE] = "UPDATE cases SET state = ?3, version = version + 1, domain = ?4,"
	    " domain_unicode = ?5, \"values\" = ?6, hints = ?7, submitted_by = ?8, due = ?9,"
	    " due_kind = ?10, due_uncertain = ?11, updated_at = ?12"
	    " WHERE id = ?1 AND version = ?2",
	/* The same for a case whose domain stays, which is most changes: the
	 * domain column is not assigned, so that SQLite leaves the entries of the
	 * indexes on it alone (one page less to write per transition). */
	[ST_CASE_UPDATE_SAME_DOMAIN] = "UPDATE cases SET state = ?3, version = version + 1,"
	    " domain_unicode = ?5, \"values\" = ?6, hints = ?7, submitted_by = ?8, due = ?9,"
	    " due_kind = ?10, due_uncertain = ?11, updated_at = ?12"
	    " WHERE id = ?1 AND version = ?2 AND domain IS ?4",
	[ST_CASE_SET_STATE] = "UPDATE cases SET state = ?3, version = version + 1,"
	    " submitted_by = ?4, due = ?5, due_kind = ?6, due_uncertain = ?7, updated_at = ?8"
	    " WHERE id = ?1 AND version = ?2",
	[ST_DOMAIN_TAKEN] = "SELECT EXISTS(SELECT 1 FROM domains WHERE ace = ?1)"
	    " OR EXISTS(SELECT 1 FROM cases WHERE domain = ?1 AND kind = 'domain'"
	    " AND state NOT IN ('withdrawn', 'registered') AND id <> ?2)",
	[ST_DOMAIN_OWNED] = "SELECT EXISTS(SELECT 1 FROM domains WHERE ace = ?1 AND unit = ?2)",
	[ST_DOMAIN_INSERT] = "INSERT INTO domains(ace, unicode, unit, case_id, registered_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_MARK_SEQ] = "UPDATE units SET mark_seq = mark_seq + 1 WHERE id = ?1",
	[ST_MARK_SEQ_GET] = "SELECT mark_seq FROM units WHERE id = ?1",
	[ST_COUNTER_BUMP] = "INSERT INTO counters(name, value) VALUES (?1, 1)"
	    " ON CONFLICT(name) DO UPDATE SET value = value + 1",
	[ST_COUNTER_GET] = "SELECT value FROM counters WHERE name = ?1",
	[ST_MARK_INSERT] = "INSERT INTO marks(case_id, unit, code, guid, cert_no, color, snippet,"
	    " issued_at, hang_due, certificate) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_MARK_GET] = "SELECT case_id, unit, code, guid, cert_no, color, snippet, issued_at,"
	    " hang_due, certificate FROM marks WHERE case_id = ?1",
	[ST_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[ST_AUDIT_INSERT] = "INSERT INTO audit(seq, at, actor, role, ssh_client, object, object_id,"
	    " object_key, action, from_state, to_state, reason, \"values\", request_id, prev_hash,"
	    " hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[ST_AUDIT_CASE] = "SELECT seq, at, actor, role, ssh_client, object, object_id, object_key,"
	    " action, from_state, to_state, reason, \"values\", request_id, prev_hash, hash"
	    " FROM audit WHERE object = 'case' AND object_id = ?1 ORDER BY seq",
	[ST_AUDIT_ALL] = "SELECT seq, at, actor, role, ssh_client, object, object_id, object_key,"
	    " action, from_state, to_state, reason, \"values\", request_id, prev_hash, hash"
	    " FROM audit ORDER BY seq",
	[ST_NOTICE_INSERT] = "INSERT INTO outbox(msg_id, case_id, event, channel, recipient,"
	    " subject, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_NOTICE_LIST] = "SELECT id, msg_id, case_id, event, channel, recipient, subject, body,"
	    " created_at, status, attempts FROM outbox WHERE case_id = ?1 ORDER BY id",
	[ST_NOTE_INSERT] = "INSERT INTO notes(object, object_id, author, at, text)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_NOTE_LIST] = "SELECT id, object, object_id, author, at, text FROM notes"
	    " WHERE object = ?1 AND object_id = ?2 ORDER BY id",
};

/* Versioned migrations: migrations[i] takes the schema from version i to i+1. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE offices("
	"  code TEXT PRIMARY KEY CHECK(length(code) = 6),"
	"  name TEXT NOT NULL);"
	"CREATE TABLE units("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  type TEXT NOT NULL CHECK(type IN ('organ', 'institution', 'social')),"
	"  uscc TEXT NOT NULL UNIQUE,"
	"  affiliation TEXT NOT NULL CHECK(affiliation IN ('central', 'local')),"
	"  division TEXT NOT NULL,"
	"  office TEXT NOT NULL REFERENCES offices(code),"
	"  \"values\" TEXT NOT NULL,"
	"  mark_seq INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL);"
	"CREATE INDEX units_office ON units(office);"
	"CREATE TABLE users("
	"  login TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK(role IN ('unit', 'office', 'conac', 'service',"
	"    'sysadmin', 'secadmin', 'auditor')),"
	"  office TEXT REFERENCES offices(code),"
	"  unit INTEGER REFERENCES units(id),"
	"  name TEXT, mobile TEXT, email TEXT,"
	"  locked INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL,"
	"  CHECK((role = 'office') = (office IS NOT NULL)),"
	"  CHECK(role = 'unit' OR unit IS NULL));"
	"CREATE TABLE cases("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK(kind IN ('domain', 'site', 'mark')),"
	"  unit INTEGER NOT NULL REFERENCES units(id),"
	"  office TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK(state IN ('draft', 'office_review', 'conac_review',"
	"    'returned', 'awaiting_payment', 'registered', 'paper_pending', 'mark_issued',"
	"    'mark_hung', 'withdrawn')),"
	"  version INTEGER NOT NULL,"
	"  domain TEXT, domain_unicode TEXT,"
	"  \"values\" TEXT NOT NULL,"
	"  hints TEXT,"
	"  created_by TEXT NOT NULL,"
	"  submitted_by TEXT,"
	"  due TEXT, due_kind TEXT,"
	"  due_uncertain INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL);"
	/* one index serves the queues of offices (state, office) and of CONAC
	 * (state): a transition rewrites one index entry, not two */
	"CREATE INDEX cases_state_office ON cases(state, office);"
	"CREATE INDEX cases_unit ON cases(unit);"
	"CREATE INDEX cases_domain ON cases(domain);"
	"CREATE UNIQUE INDEX cases_open ON cases(unit, kind, domain)"
	"  WHERE state NOT IN ('withdrawn', 'registered', 'mark_hung');"
	"CREATE UNIQUE INDEX cases_open_domain ON cases(domain)"
	"  WHERE kind = 'domain' AND state NOT IN ('withdrawn', 'registered');"
	"CREATE TABLE domains("
	"  ace TEXT PRIMARY KEY,"
	"  unicode TEXT NOT NULL,"
	"  unit INTEGER NOT NULL REFERENCES units(id),"
	"  case_id INTEGER REFERENCES cases(id),"
	"  registered_at TEXT NOT NULL);"
	"CREATE INDEX domains_unit ON domains(unit);"
	"CREATE TABLE marks("
	"  case_id INTEGER PRIMARY KEY REFERENCES cases(id),"
	"  unit INTEGER NOT NULL REFERENCES units(id),"
	"  code TEXT NOT NULL UNIQUE,"
	"  guid TEXT NOT NULL UNIQUE,"
	"  cert_no TEXT NOT NULL UNIQUE,"
	"  color TEXT NOT NULL CHECK(color IN ('red', 'blue')),"
	"  snippet TEXT NOT NULL,"
	"  issued_at TEXT NOT NULL,"
	"  hang_due TEXT,"
	"  certificate TEXT NOT NULL);"
	"CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"CREATE TABLE audit("
	"  seq INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT, ssh_client TEXT,"
	"  object TEXT NOT NULL, object_id INTEGER NOT NULL, object_key TEXT,"
	"  action TEXT NOT NULL, from_state TEXT, to_state TEXT, reason TEXT,"
	"  \"values\" TEXT, request_id TEXT,"
	"  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE INDEX audit_object ON audit(object, object_id);"
	"CREATE INDEX audit_actor ON audit(actor, object);"
	"CREATE TABLE requests(id TEXT PRIMARY KEY, at TEXT NOT NULL, result TEXT) WITHOUT ROWID;"
	"CREATE TABLE outbox("
	"  id INTEGER PRIMARY KEY,"
	"  msg_id TEXT NOT NULL UNIQUE,"
	"  case_id INTEGER REFERENCES cases(id),"
	"  event TEXT NOT NULL, channel TEXT NOT NULL CHECK(channel IN ('sms', 'email')),"
	"  recipient TEXT NOT NULL, subject TEXT, body TEXT NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT, sent_at TEXT);"
	"CREATE INDEX outbox_case ON outbox(case_id);"
	"CREATE INDEX outbox_pending ON outbox(status) WHERE status = 'pending';"
	"CREATE TABLE notes("
	"  id INTEGER PRIMARY KEY,"
	"  object TEXT NOT NULL, object_id INTEGER NOT NULL,"
	"  author TEXT NOT NULL, at TEXT NOT NULL, text TEXT NOT NULL);"
	"CREATE INDEX notes_object ON notes(object, object_id);",
};

struct filter_stmt {
	unsigned mask;
	int count; /* a count(*) statement */
	sqlite3_stmt *st;
};

struct sm_store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
	struct filter_stmt filters[FILTER_CACHE];
	size_t n_filters;
};

struct sm_tx {
	sm_store *s;
	char now[32];
	const char *request_id;
	char *result;
	int n_notices;
};

/* ------------------------------------------------------------ errors */

static sm_status
db_fail(sm_store *s, sm_err *err, int rc)
{
	const char *detail = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("the disk is full: nothing was written"));
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("the database is corrupt or not a sitemark database (%s): restore it from a backup"),
		    detail);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("the database stayed busy for %d seconds: nothing was written, try again"),
		    BUSY_TIMEOUT_MS / 1000);
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("cannot write the database: %s"), detail);
	case SQLITE_IOERR:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("the database could not be read or written (%s): nothing was written"),
		    detail);
	case SQLITE_NOMEM:
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	default:
		return sm_err_add(err, SM_E_STORE, NULL, _("database error: %s"), detail);
	}
}

static sm_status
nomem(sm_err *err)
{
	return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
}

/* ------------------------------------------------------------ statements */

static sqlite3_stmt *
stmt(sm_store *s, enum stmt_id id, sm_err *err)
{
	if (s->st[id] == NULL) {
		int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		    &s->st[id], NULL);
		if (rc != SQLITE_OK) {
			db_fail(s, err, rc);
			return NULL;
		}
	}
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
	return s->st[id];
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void
bind_json(sqlite3_stmt *st, int i, const json_t *v)
{
	if (v == NULL) {
		sqlite3_bind_null(st, i);
		return;
	}
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, free);
}

static char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	return v ? strdup((const char *)v) : NULL;
}

static json_t *
col_json(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	if (v == NULL)
		return NULL;
	return json_loads(v, JSON_DECODE_ANY, NULL);
}

/* Run a statement that returns no rows. */
static sm_status
run(sm_store *s, sqlite3_stmt *st, sm_err *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(s, err, rc);
	return SM_OK;
}

static sm_status
exec(sm_store *s, const char *sql, sm_err *err)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? SM_OK : db_fail(s, err, rc);
}

static sm_status
run_id(sm_store *s, enum stmt_id id, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, id, err);
	return st ? run(s, st, err) : SM_E_STORE;
}

/* ------------------------------------------------------------ records */

void
sm_office_clear(sm_office *o)
{
	if (o == NULL)
		return;
	free(o->code);
	free(o->name);
	memset(o, 0, sizeof(*o));
}

void
sm_user_clear(sm_user *u)
{
	if (u == NULL)
		return;
	free(u->login);
	free(u->office);
	free(u->name);
	free(u->mobile);
	free(u->email);
	memset(u, 0, sizeof(*u));
}

void
sm_unit_clear(sm_unit *u)
{
	if (u == NULL)
		return;
	free(u->name);
	free(u->uscc);
	free(u->affiliation);
	free(u->division);
	free(u->office);
	json_decref(u->values);
	free(u->created_at);
	memset(u, 0, sizeof(*u));
}

void
sm_case_clear(sm_case *c)
{
	if (c == NULL)
		return;
	free(c->office);
	free(c->domain);
	free(c->domain_unicode);
	json_decref(c->values);
	json_decref(c->hints);
	free(c->created_by);
	free(c->submitted_by);
	free(c->due);
	free(c->due_kind);
	free(c->created_at);
	free(c->updated_at);
	free(c->unit_name);
	free(c->unit_uscc);
	memset(c, 0, sizeof(*c));
}

void
sm_event_clear(sm_event *e)
{
	if (e == NULL)
		return;
	free(e->at);
	free(e->actor);
	free(e->role);
	free(e->ssh_client);
	free(e->object);
	free(e->object_key);
	free(e->action);
	free(e->from_state);
	free(e->to_state);
	free(e->reason);
	free(e->values);
	free(e->request_id);
	free(e->prev_hash);
	free(e->hash);
	memset(e, 0, sizeof(*e));
}

void
sm_mark_clear(sm_mark *m)
{
	if (m == NULL)
		return;
	free(m->code);
	free(m->guid);
	free(m->cert_no);
	free(m->color);
	free(m->snippet);
	free(m->issued_at);
	free(m->hang_due);
	json_decref(m->certificate);
	memset(m, 0, sizeof(*m));
}

void
sm_notice_clear(sm_notice *n)
{
	if (n == NULL)
		return;
	free(n->msg_id);
	free(n->event);
	free(n->channel);
	free(n->recipient);
	free(n->subject);
	free(n->body);
	free(n->created_at);
	free(n->status);
	memset(n, 0, sizeof(*n));
}

void
sm_note_clear(sm_note *n)
{
	if (n == NULL)
		return;
	free(n->object);
	free(n->author);
	free(n->at);
	free(n->text);
	memset(n, 0, sizeof(*n));
}

void
sm_cases_free(sm_case **cases, size_t n)
{
	if (cases == NULL || *cases == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		sm_case_clear(&(*cases)[i]);
	free(*cases);
	*cases = NULL;
}

void
sm_events_free(sm_event **events, size_t n)
{
	if (events == NULL || *events == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		sm_event_clear(&(*events)[i]);
	free(*events);
	*events = NULL;
}

static void
read_office(sqlite3_stmt *st, sm_office *o)
{
	o->code = col_str(st, 0);
	o->name = col_str(st, 1);
}

static void
read_user(sqlite3_stmt *st, sm_user *u)
{
	u->login = col_str(st, 0);
	u->role = sm_role_parse((const char *)sqlite3_column_text(st, 1));
	u->office = col_str(st, 2);
	u->unit = sqlite3_column_int64(st, 3);
	u->name = col_str(st, 4);
	u->mobile = col_str(st, 5);
	u->email = col_str(st, 6);
	u->locked = sqlite3_column_int(st, 7) != 0;
}

static void
read_unit(sqlite3_stmt *st, sm_unit *u)
{
	u->id = sqlite3_column_int64(st, 0);
	u->name = col_str(st, 1);
	u->type = sm_unit_type_parse((const char *)sqlite3_column_text(st, 2));
	u->uscc = col_str(st, 3);
	u->affiliation = col_str(st, 4);
	u->division = col_str(st, 5);
	u->office = col_str(st, 6);
	u->values = col_json(st, 7);
	u->mark_seq = sqlite3_column_int(st, 8);
	u->created_at = col_str(st, 9);
}

/* Columns of ST_CASE_GET and of the filtered lists, in that order. */
#define CASE_COLUMNS \
	"c.id, c.kind, c.unit, c.office, c.state, c.version, c.domain," \
	" c.domain_unicode, c.\"values\", c.hints, c.created_by, c.submitted_by, c.due," \
	" c.due_kind, c.due_uncertain, c.created_at, c.updated_at, u.name, u.type, u.uscc"

static void
read_case_cols(sqlite3_stmt *st, sm_case *c, bool parse_json)
{
	c->id = sqlite3_column_int64(st, 0);
	c->kind = sm_kind_parse((const char *)sqlite3_column_text(st, 1));
	c->unit = sqlite3_column_int64(st, 2);
	c->office = col_str(st, 3);
	c->state = sm_state_parse((const char *)sqlite3_column_text(st, 4));
	c->version = sqlite3_column_int64(st, 5);
	c->domain = col_str(st, 6);
	c->domain_unicode = col_str(st, 7);
	c->values = parse_json ? col_json(st, 8) : NULL;
	c->hints = parse_json ? col_json(st, 9) : NULL;
	c->created_by = col_str(st, 10);
	c->submitted_by = col_str(st, 11);
	c->due = col_str(st, 12);
	c->due_kind = col_str(st, 13);
	c->due_uncertain = sqlite3_column_int(st, 14) != 0;
	c->created_at = col_str(st, 15);
	c->updated_at = col_str(st, 16);
	c->unit_name = col_str(st, 17);
	c->unit_type = sm_unit_type_parse((const char *)sqlite3_column_text(st, 18));
	c->unit_uscc = col_str(st, 19);
}

static void
read_case(sqlite3_stmt *st, sm_case *c)
{
	read_case_cols(st, c, true);
}

static void
read_case_head(sqlite3_stmt *st, sm_case *c)
{
	read_case_cols(st, c, false);
}

static void
read_event(sqlite3_stmt *st, sm_event *e)
{
	e->seq = sqlite3_column_int64(st, 0);
	e->at = col_str(st, 1);
	e->actor = col_str(st, 2);
	e->role = col_str(st, 3);
	e->ssh_client = col_str(st, 4);
	e->object = col_str(st, 5);
	e->object_id = sqlite3_column_int64(st, 6);
	e->object_key = col_str(st, 7);
	e->action = col_str(st, 8);
	e->from_state = col_str(st, 9);
	e->to_state = col_str(st, 10);
	e->reason = col_str(st, 11);
	e->values = col_str(st, 12);
	e->request_id = col_str(st, 13);
	e->prev_hash = col_str(st, 14);
	e->hash = col_str(st, 15);
}

static void
read_mark(sqlite3_stmt *st, sm_mark *m)
{
	m->case_id = sqlite3_column_int64(st, 0);
	m->unit = sqlite3_column_int64(st, 1);
	m->code = col_str(st, 2);
	m->guid = col_str(st, 3);
	m->cert_no = col_str(st, 4);
	m->color = col_str(st, 5);
	m->snippet = col_str(st, 6);
	m->issued_at = col_str(st, 7);
	m->hang_due = col_str(st, 8);
	m->certificate = col_json(st, 9);
}

static void
read_notice(sqlite3_stmt *st, sm_notice *n)
{
	n->id = sqlite3_column_int64(st, 0);
	n->msg_id = col_str(st, 1);
	n->case_id = sqlite3_column_int64(st, 2);
	n->event = col_str(st, 3);
	n->channel = col_str(st, 4);
	n->recipient = col_str(st, 5);
	n->subject = col_str(st, 6);
	n->body = col_str(st, 7);
	n->created_at = col_str(st, 8);
	n->status = col_str(st, 9);
	n->attempts = sqlite3_column_int(st, 10);
}

static void
read_note(sqlite3_stmt *st, sm_note *n)
{
	n->id = sqlite3_column_int64(st, 0);
	n->object = col_str(st, 1);
	n->object_id = sqlite3_column_int64(st, 2);
	n->author = col_str(st, 3);
	n->at = col_str(st, 4);
	n->text = col_str(st, 5);
}

/* Step ST to its one row and read it with READ; SM_E_NOTFOUND without a row. */
static sm_status
get_one(sm_store *s, sqlite3_stmt *st, void (*read)(sqlite3_stmt *, void *), void *out,
        sm_err *err)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read(st, out);
		sqlite3_reset(st);
		return SM_OK;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SM_E_NOTFOUND;
	return db_fail(s, err, rc);
}

/* Collect every row of ST into a growing array of SIZE-byte records. */
static sm_status
get_all(sm_store *s, sqlite3_stmt *st, void (*read)(sqlite3_stmt *, void *), size_t size,
        void (*clear)(void *), void **out, size_t *n, sm_err *err)
{
	char *arr = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char *p = realloc(arr, ncap * size);
			if (p == NULL) {
				sqlite3_reset(st);
				for (size_t i = 0; i < len; i++)
					clear(arr + i * size);
				free(arr);
				return nomem(err);
			}
			arr = p;
			cap = ncap;
		}
		memset(arr + len * size, 0, size);
		read(st, arr + len * size);
		len++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < len; i++)
			clear(arr + i * size);
		free(arr);
		return db_fail(s, err, rc);
	}
	*out = arr;
	*n = len;
	return SM_OK;
}

#define READER(fn, T) ((void (*)(sqlite3_stmt *, void *))(void (*)(void))(fn))
#define CLEARER(fn) ((void (*)(void *))(void (*)(void))(fn))

/* ------------------------------------------------------------ opening */

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

static sm_status
pragma_int(sm_store *s, const char *sql, int *out, sm_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			*out = 0;
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? SM_OK : db_fail(s, err, rc);
}

static sm_status
migrate(sm_store *s, int from, sm_err *err)
{
	int n = (int)(sizeof(migrations) / sizeof(migrations[0]));
	for (int v = from; v < n; v++) {
		char bump[64];
		if (exec(s, "BEGIN IMMEDIATE", err) != SM_OK)
			return SM_E_STORE;
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
		if (exec(s, migrations[v], err) != SM_OK || exec(s, bump, err) != SM_OK) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return SM_E_STORE;
		}
		if (v == 0) {
			char app[64];
			snprintf(app, sizeof(app), "PRAGMA application_id = %d", SM_APPLICATION_ID);
			if (exec(s, app, err) != SM_OK) {
				sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
				return SM_E_STORE;
			}
		}
		if (exec(s, "COMMIT", err) != SM_OK) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return SM_E_STORE;
		}
	}
	return SM_OK;
}

sm_status
sm_store_open(const char *path, sm_open_mode mode, sm_store **out, sm_err *err)
{
	struct stat sb;
	sm_store *s;
	int version = 0, appid = 0, tables = 0;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return sm_err_add(err, SM_E_USAGE, NULL, _("no database given"));
	bool exists = stat(path, &sb) == 0;
	if (!exists && mode == SM_OPEN_EXISTING)
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("database %s does not exist: create it with 'sitemark init'"), path);
	if (exists && !S_ISREG(sb.st_mode))
		return sm_err_add(err, SM_E_STORE, NULL, _("%s is not a regular file"), path);
	if (on_network_fs(path))
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("%s is on a network file system, where SQLite's write-ahead log is not safe: put the database on a local disk"),
		    path);
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return nomem(err);
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    (mode == SM_OPEN_CREATE ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		sm_err_add(err, SM_E_STORE, NULL, _("cannot open database %s: %s"), path,
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		sm_store_close(&s);
		return SM_E_STORE;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (pragma_int(s, "PRAGMA user_version", &version, err) != SM_OK ||
	    pragma_int(s, "PRAGMA application_id", &appid, err) != SM_OK ||
	    pragma_int(s, "SELECT count(*) FROM sqlite_master", &tables, err) != SM_OK) {
		sm_store_close(&s);
		return SM_E_STORE;
	}
	if ((tables > 0 || version > 0) && appid != SM_APPLICATION_ID) {
		sm_err_add(err, SM_E_STORE, NULL,
		    _("%s is a SQLite database of another program, not of sitemark: nothing was touched"),
		    path);
		sm_store_close(&s);
		return SM_E_STORE;
	}
	if (version > SM_SCHEMA_VERSION) {
		sm_err_add(err, SM_E_STORE, NULL,
		    _("%s was written by a newer sitemark (schema %d; this program knows up to %d): upgrade sitemark, nothing was touched"),
		    path, version, SM_SCHEMA_VERSION);
		sm_store_close(&s);
		return SM_E_STORE;
	}
	if (version < SM_SCHEMA_VERSION && mode == SM_OPEN_EXISTING) {
		sm_err_add(err, SM_E_STORE, NULL,
		    _("%s has schema %d and needs an upgrade to %d: run 'sitemark init'"),
		    path, version, SM_SCHEMA_VERSION);
		sm_store_close(&s);
		return SM_E_STORE;
	}
	if (exec(s, "PRAGMA journal_mode = WAL", err) != SM_OK ||
	    exec(s, "PRAGMA synchronous = FULL", err) != SM_OK ||
	    exec(s, "PRAGMA foreign_keys = ON", err) != SM_OK) {
		sm_store_close(&s);
		return SM_E_STORE;
	}
	if (version < SM_SCHEMA_VERSION && migrate(s, version, err) != SM_OK) {
		sm_store_close(&s);
		return SM_E_STORE;
	}
	*out = s;
	return SM_OK;
}

void
sm_store_close(sm_store **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	sm_store *s = *sp;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	for (size_t i = 0; i < s->n_filters; i++)
		sqlite3_finalize(s->filters[i].st);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
	*sp = NULL;
}

int
sm_store_schema_version(sm_store *s)
{
	int v = 0;
	pragma_int(s, "PRAGMA user_version", &v, NULL);
	return v;
}

sm_status
sm_store_integrity(sm_store *s, sm_err *err)
{
	sqlite3_stmt *st = NULL;
	sm_status status = SM_OK;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(s, err, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		if (line && strcmp(line, "ok") != 0)
			status = sm_err_add(err, SM_E_STORE, NULL, "%s", line);
	}
	if (rc != SQLITE_DONE)
		status = db_fail(s, err, rc);
	sqlite3_finalize(st);
	return status;
}

void
sm_store_now(char buf[32])
{
	sm_time_format(sm_now(), buf, 32);
}

/* ------------------------------------------------------------ writing */

sm_status
sm_store_write(sm_store *s, const char *request_id, sm_write_fn fn, void *ud,
               bool *replayed, char **result, sm_err *err)
{
	sm_tx tx = {.s = s, .request_id = request_id};
	sqlite3_stmt *st;
	sm_status status;
	int rc;

	if (replayed)
		*replayed = false;
	if (result)
		*result = NULL;
	if (request_id == NULL || *request_id == '\0')
		return sm_err_add(err, SM_E_USAGE, NULL, _("a write needs a request id"));
	if (run_id(s, ST_BEGIN_IMMEDIATE, err) != SM_OK)
		return SM_E_STORE;
	/* after the lock: records are stamped in the order they commit */
	sm_store_now(tx.now);
	if ((st = stmt(s, ST_REQUEST_GET, err)) == NULL)
		goto fail_store;
	bind_text(st, 1, request_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (result)
			*result = col_str(st, 0);
		sqlite3_reset(st);
		run_id(s, ST_ROLLBACK, NULL);
		if (replayed)
			*replayed = true;
		return SM_OK;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_fail(s, err, rc);
		goto fail_store;
	}
	status = fn(&tx, ud, err);
	if (status != SM_OK) {
		run_id(s, ST_ROLLBACK, NULL);
		free(tx.result);
		return status;
	}
	if ((st = stmt(s, ST_REQUEST_PUT, err)) == NULL)
		goto fail_store;
	bind_text(st, 1, request_id);
	bind_text(st, 2, tx.now);
	bind_text(st, 3, tx.result);
	if (run(s, st, err) != SM_OK || run_id(s, ST_COMMIT, err) != SM_OK)
		goto fail_store;
	if (result)
		*result = tx.result;
	else
		free(tx.result);
	return SM_OK;

fail_store:
	if (!sqlite3_get_autocommit(s->db))
		run_id(s, ST_ROLLBACK, NULL);
	free(tx.result);
	return SM_E_STORE;
}

void
sm_tx_set_result(sm_tx *tx, const char *result)
{
	free(tx->result);
	tx->result = result ? strdup(result) : NULL;
}

const char *
sm_tx_now(sm_tx *tx)
{
	return tx->now;
}

const char *
sm_tx_request_id(sm_tx *tx)
{
	return tx->request_id;
}

/* Map a constraint failure to a duplicate; other failures to the store. */
static sm_status
insert_fail(sm_store *s, sm_err *err, int rc, const char *field, const char *msg)
{
	if ((rc & 0xff) == SQLITE_CONSTRAINT && msg != NULL)
		return sm_err_add(err, SM_E_DUPLICATE, field, "%s", msg);
	return db_fail(s, err, rc);
}

static sm_status
run_insert(sm_store *s, sqlite3_stmt *st, const char *field, const char *dup_msg, sm_err *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return insert_fail(s, err, rc, field, dup_msg);
	return SM_OK;
}

sm_status
sm_tx_office_insert(sm_tx *tx, const sm_office *o, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_OFFICE_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, o->code);
	bind_text(st, 2, o->name);
	return run_insert(tx->s, st, "code", _("an office with this code already exists"), err);
}

sm_status
sm_tx_user_insert(sm_tx *tx, const sm_user *u, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_USER_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, u->login);
	bind_text(st, 2, sm_role_name(u->role));
	bind_text(st, 3, u->office);
	if (u->unit > 0)
		sqlite3_bind_int64(st, 4, u->unit);
	bind_text(st, 5, u->name);
	bind_text(st, 6, u->mobile);
	bind_text(st, 7, u->email);
	bind_text(st, 8, tx->now);
	return run_insert(tx->s, st, "login", _("a user with this login already exists"), err);
}

sm_status
sm_tx_user_set_unit(sm_tx *tx, const char *login, int64_t unit, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_USER_SET_UNIT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, login);
	sqlite3_bind_int64(st, 2, unit);
	if (run(tx->s, st, err) != SM_OK)
		return SM_E_STORE;
	if (sqlite3_changes(tx->s->db) != 1)
		return sm_err_add(err, SM_E_NOTFOUND, "login",
		    _("no unit operator with login %s"), login);
	return SM_OK;
}

sm_status
sm_tx_unit_insert(sm_tx *tx, const sm_unit *u, int64_t *id, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_UNIT_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, u->name);
	bind_text(st, 2, sm_unit_type_name(u->type));
	bind_text(st, 3, u->uscc);
	bind_text(st, 4, u->affiliation);
	bind_text(st, 5, u->division);
	bind_text(st, 6, u->office);
	bind_json(st, 7, u->values);
	bind_text(st, 8, tx->now);
	sm_status status = run_insert(tx->s, st, "uscc",
	    _("a unit with this unified social credit code is already registered"), err);
	if (status == SM_OK && id)
		*id = sqlite3_last_insert_rowid(tx->s->db);
	return status;
}

sm_status
sm_tx_unit_get(sm_tx *tx, int64_t id, sm_unit *out, sm_err *err)
{
	return sm_store_unit_get(tx->s, id, out, err);
}

sm_status
sm_tx_case_get(sm_tx *tx, int64_t id, sm_case *out, sm_err *err)
{
	return sm_store_case_get(tx->s, id, out, err);
}

sm_status
sm_tx_case_head(sm_tx *tx, int64_t id, sm_case *out, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_CASE_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, id);
	return get_one(tx->s, st, READER(read_case_head, sm_case), out, err);
}

static sm_status
conflict(sm_err *err, int64_t id)
{
	return sm_err_add(err, SM_E_CONFLICT, NULL,
	    _("case %lld was changed by someone else first (已被他人处理): nothing was written; look at it again"),
	    (long long)id);
}

sm_status
sm_tx_case_set_state(sm_tx *tx, const sm_case *c, int64_t expect_version, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_CASE_SET_STATE, err);
	if (st == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int64(st, 2, expect_version);
	bind_text(st, 3, sm_state_name(c->state));
	bind_text(st, 4, c->submitted_by);
	bind_text(st, 5, c->due);
	bind_text(st, 6, c->due_kind);
	sqlite3_bind_int(st, 7, c->due_uncertain);
	bind_text(st, 8, tx->now);
	sm_status status = run_insert(tx->s, st, "domain",
	    _("the unit already has an open case of this kind for this domain"), err);
	if (status != SM_OK)
		return status;
	return sqlite3_changes(tx->s->db) == 1 ? SM_OK : conflict(err, c->id);
}

sm_status
sm_tx_case_insert(sm_tx *tx, const sm_case *c, int64_t *id, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_CASE_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, sm_kind_name(c->kind));
	sqlite3_bind_int64(st, 2, c->unit);
	bind_text(st, 3, c->office);
	bind_text(st, 4, sm_state_name(c->state));
	bind_text(st, 5, c->domain);
	bind_text(st, 6, c->domain_unicode);
	bind_json(st, 7, c->values);
	bind_json(st, 8, c->hints);
	bind_text(st, 9, c->created_by);
	bind_text(st, 10, c->submitted_by);
	bind_text(st, 11, c->due);
	bind_text(st, 12, c->due_kind);
	sqlite3_bind_int(st, 13, c->due_uncertain);
	bind_text(st, 14, tx->now);
	sm_status status = run_insert(tx->s, st, "domain",
	    _("the unit already has an open case of this kind for this domain"), err);
	if (status == SM_OK && id)
		*id = sqlite3_last_insert_rowid(tx->s->db);
	return status;
}

sm_status
sm_tx_case_update(sm_tx *tx, const sm_case *c, int64_t expect_version, sm_err *err)
{
	/* First as if the domain stays; when no row matched (the domain changed,
	 * or the version did), write everything. */
	static const enum stmt_id tries[] = {ST_CASE_UPDATE_SAME_DOMAIN, ST_CASE_UPDATE};
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		sqlite3_stmt *st = stmt(tx->s, tries[i], err);
		if (st == NULL)
			return SM_E_STORE;
		sqlite3_bind_int64(st, 1, c->id);
		sqlite3_bind_int64(st, 2, expect_version);
		bind_text(st, 3, sm_state_name(c->state));
		bind_text(st, 4, c->domain);
		bind_text(st, 5, c->domain_unicode);
		bind_json(st, 6, c->values);
		bind_json(st, 7, c->hints);
		bind_text(st, 8, c->submitted_by);
		bind_text(st, 9, c->due);
		bind_text(st, 10, c->due_kind);
		sqlite3_bind_int(st, 11, c->due_uncertain);
		bind_text(st, 12, tx->now);
		sm_status status = run_insert(tx->s, st, "domain",
		    _("the unit already has an open case of this kind for this domain"), err);
		if (status != SM_OK)
			return status;
		if (sqlite3_changes(tx->s->db) == 1)
			return SM_OK;
	}
	return conflict(err, c->id);
}

static sm_status
query_bool(sm_store *s, sqlite3_stmt *st, bool *out, sm_err *err)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0) != 0;
		sqlite3_reset(st);
		return SM_OK;
	}
	sqlite3_reset(st);
	return db_fail(s, err, rc);
}

sm_status
sm_tx_domain_taken(sm_tx *tx, const char *ace, int64_t exclude_case, bool *taken, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_DOMAIN_TAKEN, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, ace);
	sqlite3_bind_int64(st, 2, exclude_case);
	return query_bool(tx->s, st, taken, err);
}

sm_status
sm_tx_domain_owned(sm_tx *tx, const char *ace, int64_t unit, bool *owned, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_DOMAIN_OWNED, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, ace);
	sqlite3_bind_int64(st, 2, unit);
	return query_bool(tx->s, st, owned, err);
}

sm_status
sm_tx_domain_register(sm_tx *tx, const char *ace, const char *unicode, int64_t unit,
                      int64_t case_id, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_DOMAIN_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, ace);
	bind_text(st, 2, unicode);
	sqlite3_bind_int64(st, 3, unit);
	sqlite3_bind_int64(st, 4, case_id);
	bind_text(st, 5, tx->now);
	return run_insert(tx->s, st, "domain", _("the domain is already registered"), err);
}

static sm_status
query_int64(sm_store *s, sqlite3_stmt *st, int64_t *out, sm_err *err)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return SM_OK;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SM_E_NOTFOUND;
	return db_fail(s, err, rc);
}

sm_status
sm_tx_mark_next(sm_tx *tx, int64_t unit, int *unit_seq, int64_t *cert_serial, sm_err *err)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if ((st = stmt(tx->s, ST_MARK_SEQ, err)) == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, unit);
	if (run(tx->s, st, err) != SM_OK)
		return SM_E_STORE;
	if ((st = stmt(tx->s, ST_MARK_SEQ_GET, err)) == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, unit);
	if (query_int64(tx->s, st, &v, err) != SM_OK)
		return sm_err_add(err, SM_E_NOTFOUND, NULL, _("no unit %lld"), (long long)unit);
	*unit_seq = (int)v;
	if ((st = stmt(tx->s, ST_COUNTER_BUMP, err)) == NULL)
		return SM_E_STORE;
	bind_text(st, 1, "certificate");
	if (run(tx->s, st, err) != SM_OK)
		return SM_E_STORE;
	if ((st = stmt(tx->s, ST_COUNTER_GET, err)) == NULL)
		return SM_E_STORE;
	bind_text(st, 1, "certificate");
	if (query_int64(tx->s, st, cert_serial, err) != SM_OK)
		return SM_E_STORE;
	return SM_OK;
}

sm_status
sm_tx_mark_insert(sm_tx *tx, const sm_mark *m, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_MARK_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, m->case_id);
	sqlite3_bind_int64(st, 2, m->unit);
	bind_text(st, 3, m->code);
	bind_text(st, 4, m->guid);
	bind_text(st, 5, m->cert_no);
	bind_text(st, 6, m->color);
	bind_text(st, 7, m->snippet);
	bind_text(st, 8, tx->now);
	bind_text(st, 9, m->hang_due);
	bind_json(st, 10, m->certificate);
	return run_insert(tx->s, st, NULL, _("this case already has a mark, or the mark code is taken"),
	    err);
}

sm_status
sm_tx_audit(sm_tx *tx, const sm_event *e, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_AUDIT_LAST, err);
	char prev[SM_AUDIT_HASH_LEN + 1] = SM_AUDIT_GENESIS;
	char hash[SM_AUDIT_HASH_LEN + 1];
	int64_t seq = 1;
	int rc;

	if (st == NULL)
		return SM_E_STORE;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);
		seq = sqlite3_column_int64(st, 0) + 1;
		if (h != NULL)
			snprintf(prev, sizeof(prev), "%s", h);
	} else if (rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return db_fail(tx->s, err, rc);
	}
	sqlite3_reset(st);

	sm_audit_rec r = {
		.seq = seq, .at = tx->now, .actor = e->actor, .role = e->role,
		.ssh_client = e->ssh_client, .object = e->object, .object_id = e->object_id,
		.object_key = e->object_key, .action = e->action, .from_state = e->from_state,
		.to_state = e->to_state, .reason = e->reason, .values = e->values,
		.request_id = tx->request_id, .prev_hash = prev,
	};
	sm_audit_hash(&r, hash);
	if ((st = stmt(tx->s, ST_AUDIT_INSERT, err)) == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, seq);
	bind_text(st, 2, r.at);
	bind_text(st, 3, r.actor);
	bind_text(st, 4, r.role);
	bind_text(st, 5, r.ssh_client);
	bind_text(st, 6, r.object);
	sqlite3_bind_int64(st, 7, r.object_id);
	bind_text(st, 8, r.object_key);
	bind_text(st, 9, r.action);
	bind_text(st, 10, r.from_state);
	bind_text(st, 11, r.to_state);
	bind_text(st, 12, r.reason);
	bind_text(st, 13, r.values);
	bind_text(st, 14, r.request_id);
	bind_text(st, 15, prev);
	bind_text(st, 16, hash);
	return run(tx->s, st, err);
}

sm_status
sm_tx_notice(sm_tx *tx, const sm_notice *n, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_NOTICE_INSERT, err);
	char *msg_id = NULL;
	if (st == NULL)
		return SM_E_STORE;
	/* The whole request id: a truncated one could repeat another's. */
	if (asprintf(&msg_id, "%s:%d", tx->request_id, ++tx->n_notices) < 0)
		return nomem(err);
	sqlite3_bind_text(st, 1, msg_id, -1, free);
	if (n->case_id > 0)
		sqlite3_bind_int64(st, 2, n->case_id);
	bind_text(st, 3, n->event);
	bind_text(st, 4, n->channel);
	bind_text(st, 5, n->recipient);
	bind_text(st, 6, n->subject);
	bind_text(st, 7, n->body);
	bind_text(st, 8, tx->now);
	return run(tx->s, st, err);
}

sm_status
sm_tx_note_insert(sm_tx *tx, const sm_note *n, int64_t *id, sm_err *err)
{
	sqlite3_stmt *st = stmt(tx->s, ST_NOTE_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, n->object);
	sqlite3_bind_int64(st, 2, n->object_id);
	bind_text(st, 3, n->author);
	bind_text(st, 4, tx->now);
	bind_text(st, 5, n->text);
	if (run(tx->s, st, err) != SM_OK)
		return SM_E_STORE;
	if (id)
		*id = sqlite3_last_insert_rowid(tx->s->db);
	return SM_OK;
}

/* ------------------------------------------------------------ reading */

sm_status
sm_store_office_get(sm_store *s, const char *code, sm_office *out, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_OFFICE_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, code);
	return get_one(s, st, READER(read_office, sm_office), out, err);
}

sm_status
sm_store_office_list(sm_store *s, sm_office **out, size_t *n, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_OFFICE_LIST, err);
	if (st == NULL)
		return SM_E_STORE;
	return get_all(s, st, READER(read_office, sm_office), sizeof(sm_office),
	    CLEARER(sm_office_clear), (void **)out, n, err);
}

sm_status
sm_store_user_get(sm_store *s, const char *login, sm_user *out, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_USER_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, login);
	return get_one(s, st, READER(read_user, sm_user), out, err);
}

sm_status
sm_store_user_list(sm_store *s, sm_role role, sm_user **out, size_t *n, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, role != SM_ROLE_NONE ? ST_USER_LIST_ROLE : ST_USER_LIST, err);
	if (st == NULL)
		return SM_E_STORE;
	if (role != SM_ROLE_NONE)
		bind_text(st, 1, sm_role_name(role));
	return get_all(s, st, READER(read_user, sm_user), sizeof(sm_user),
	    CLEARER(sm_user_clear), (void **)out, n, err);
}

size_t
sm_store_user_count(sm_store *s)
{
	sqlite3_stmt *st = stmt(s, ST_USER_COUNT, NULL);
	int64_t v = 0;
	if (st == NULL || query_int64(s, st, &v, NULL) != SM_OK)
		return 0;
	return (size_t)v;
}

sm_status
sm_store_unit_get(sm_store *s, int64_t id, sm_unit *out, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_UNIT_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, id);
	return get_one(s, st, READER(read_unit, sm_unit), out, err);
}

sm_status
sm_store_unit_search(sm_store *s, const char *text, size_t limit, sm_unit **out, size_t *n,
                     sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_UNIT_SEARCH, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, text);
	sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
	return get_all(s, st, READER(read_unit, sm_unit), sizeof(sm_unit),
	    CLEARER(sm_unit_clear), (void **)out, n, err);
}

sm_status
sm_store_unit_domains(sm_store *s, int64_t unit, const char *tld_ace, char ***ace,
                      char ***unicode, size_t *n, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, tld_ace ? ST_UNIT_DOMAINS_TLD : ST_UNIT_DOMAINS, err);
	char **a = NULL, **u = NULL;
	size_t len = 0;
	int rc;

	*ace = NULL;
	if (unicode)
		*unicode = NULL;
	*n = 0;
	if (st == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, unit);
	if (tld_ace)
		bind_text(st, 2, tld_ace);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **na = realloc(a, (len + 1) * sizeof(*a));
		if (na)
			a = na;
		char **nu = realloc(u, (len + 1) * sizeof(*u));
		if (nu)
			u = nu;
		if (na == NULL || nu == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		a[len] = col_str(st, 0);
		u[len] = col_str(st, 1);
		len++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < len; i++) {
			free(a[i]);
			free(u[i]);
		}
		free(a);
		free(u);
		return db_fail(s, err, rc);
	}
	*ace = a;
	if (unicode)
		*unicode = u;
	else {
		for (size_t i = 0; i < len; i++)
			free(u[i]);
		free(u);
	}
	*n = len;
	return SM_OK;
}

sm_status
sm_store_case_get(sm_store *s, int64_t id, sm_case *out, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_CASE_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, id);
	return get_one(s, st, READER(read_case, sm_case), out, err);
}

/* Which filters are set, as bits; each combination has its own statement. */
enum {
	F_STATE = 1, F_KIND = 2, F_OFFICE = 4, F_UNIT = 8, F_TEXT = 16, F_ACTED = 32,
	F_DUE = 64, F_LIMIT = 128, F_DUE_BEFORE = 256
};

static unsigned
filter_mask(const sm_case_filter *f)
{
	unsigned m = 0;
	if (f->states)
		m |= F_STATE;
	if (f->kind != SM_KIND_NONE)
		m |= F_KIND;
	if (f->office && *f->office)
		m |= F_OFFICE;
	if (f->unit > 0)
		m |= F_UNIT;
	if (f->text && *f->text)
		m |= F_TEXT;
	if (f->acted_by && *f->acted_by)
		m |= F_ACTED;
	if (f->due_before && *f->due_before)
		m |= F_DUE_BEFORE;
	if (f->by_due)
		m |= F_DUE;
	if (f->limit > 0 || f->offset > 0)
		m |= F_LIMIT;
	return m;
}

/* Parameters: ?1 state list (JSON array text), ?2 kind, ?3 office, ?4 unit,
 * ?5 text, ?6 acted_by, ?7 limit, ?8 offset, ?9 due before. */
static sqlite3_stmt *
filter_stmt(sm_store *s, unsigned mask, int count, sm_err *err)
{
	for (size_t i = 0; i < s->n_filters; i++)
		if (s->filters[i].mask == mask && s->filters[i].count == count) {
			sqlite3_reset(s->filters[i].st);
			sqlite3_clear_bindings(s->filters[i].st);
			return s->filters[i].st;
		}
	char sql[2048];
	size_t len = 0;
	len += (size_t)snprintf(sql + len, sizeof(sql) - len, "SELECT %s FROM cases c JOIN units u"
	    " ON u.id = c.unit WHERE 1", count ? "count(*)" : CASE_COLUMNS);
	if (mask & F_STATE)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		    " AND c.state IN (SELECT value FROM json_each(?1))");
	if (mask & F_KIND)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND c.kind = ?2");
	if (mask & F_OFFICE)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND c.office = ?3");
	if (mask & F_UNIT)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND c.unit = ?4");
	if (mask & F_TEXT)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		    " AND (instr(u.name, ?5) > 0 OR u.uscc = upper(?5) OR c.domain = lower(?5)"
		    " OR instr(c.domain_unicode, ?5) > 0 OR CAST(c.id AS TEXT) = ?5)");
	if (mask & F_ACTED)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		    " AND c.id IN (SELECT object_id FROM audit WHERE actor = ?6 AND object = 'case')");
	if (mask & F_DUE_BEFORE)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND c.due < ?9");
	if (!count) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s",
		    (mask & F_DUE) ? " ORDER BY c.due IS NULL, c.due, c.id" : " ORDER BY c.id DESC");
		if (mask & F_LIMIT)
			snprintf(sql + len, sizeof(sql) - len, " LIMIT ?7 OFFSET ?8");
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		db_fail(s, err, rc);
		return NULL;
	}
	if (s->n_filters == FILTER_CACHE) {
		sqlite3_finalize(s->filters[0].st);
		memmove(s->filters, s->filters + 1, (FILTER_CACHE - 1) * sizeof(s->filters[0]));
		s->n_filters--;
	}
	s->filters[s->n_filters].mask = mask;
	s->filters[s->n_filters].count = count;
	s->filters[s->n_filters].st = st;
	s->n_filters++;
	return st;
}

static bool
bind_filter(sqlite3_stmt *st, const sm_case_filter *f, unsigned mask)
{
	if (mask & F_STATE) {
		/* the set of states -> ["a","b","c"] */
		json_t *arr = json_array();
		for (int i = 1; arr && i < SM_STATE_COUNT; i++)
			if (f->states & SM_BIT(i))
				json_array_append_new(arr, json_string(sm_state_name((sm_state)i)));
		if (arr == NULL)
			return false;
		bind_json(st, 1, arr);
		json_decref(arr);
	}
	if (mask & F_KIND)
		bind_text(st, 2, sm_kind_name(f->kind));
	if (mask & F_OFFICE)
		bind_text(st, 3, f->office);
	if (mask & F_UNIT)
		sqlite3_bind_int64(st, 4, f->unit);
	if (mask & F_TEXT)
		bind_text(st, 5, f->text);
	if (mask & F_ACTED)
		bind_text(st, 6, f->acted_by);
	if (mask & F_DUE_BEFORE)
		bind_text(st, 9, f->due_before);
	if (mask & F_LIMIT) {
		sqlite3_bind_int64(st, 7, f->limit ? (sqlite3_int64)f->limit : -1);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)f->offset);
	}
	return true;
}

sm_status
sm_store_case_list(sm_store *s, const sm_case_filter *f, sm_case **out, size_t *n, sm_err *err)
{
	unsigned mask = filter_mask(f);
	sqlite3_stmt *st = filter_stmt(s, mask, 0, err);
	*out = NULL;
	*n = 0;
	if (st == NULL)
		return SM_E_STORE;
	if (!bind_filter(st, f, mask))
		return nomem(err);
	return get_all(s, st, READER(read_case, sm_case), sizeof(sm_case),
	    CLEARER(sm_case_clear), (void **)out, n, err);
}

sm_status
sm_store_case_count(sm_store *s, const sm_case_filter *f, int64_t *count, sm_err *err)
{
	unsigned mask = filter_mask(f) & ~(unsigned)(F_DUE | F_LIMIT);
	sqlite3_stmt *st = filter_stmt(s, mask, 1, err);
	if (st == NULL)
		return SM_E_STORE;
	if (!bind_filter(st, f, mask))
		return nomem(err);
	return query_int64(s, st, count, err);
}

sm_status
sm_store_case_history(sm_store *s, int64_t id, sm_event **out, size_t *n, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_AUDIT_CASE, err);
	if (st == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, id);
	return get_all(s, st, READER(read_event, sm_event), sizeof(sm_event),
	    CLEARER(sm_event_clear), (void **)out, n, err);
}

sm_status
sm_store_mark_get(sm_store *s, int64_t case_id, sm_mark *out, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_MARK_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, case_id);
	return get_one(s, st, READER(read_mark, sm_mark), out, err);
}

sm_status
sm_store_notices(sm_store *s, int64_t case_id, sm_notice **out, size_t *n, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_NOTICE_LIST, err);
	if (st == NULL)
		return SM_E_STORE;
	sqlite3_bind_int64(st, 1, case_id);
	return get_all(s, st, READER(read_notice, sm_notice), sizeof(sm_notice),
	    CLEARER(sm_notice_clear), (void **)out, n, err);
}

sm_status
sm_store_notes(sm_store *s, const char *object, int64_t id, sm_note **out, size_t *n,
               sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_NOTE_LIST, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, object);
	sqlite3_bind_int64(st, 2, id);
	return get_all(s, st, READER(read_note, sm_note), sizeof(sm_note),
	    CLEARER(sm_note_clear), (void **)out, n, err);
}

sm_status
sm_store_audit_verify(sm_store *s, int64_t *broken_seq, int64_t *count, sm_err *err)
{
	sqlite3_stmt *st = stmt(s, ST_AUDIT_ALL, err);
	char prev[SM_AUDIT_HASH_LEN + 1] = SM_AUDIT_GENESIS;
	char hash[SM_AUDIT_HASH_LEN + 1];
	int64_t expect_seq = 1;
	int rc;

	*broken_seq = 0;
	*count = 0;
	if (st == NULL)
		return SM_E_STORE;
	if (run_id(s, ST_BEGIN, err) != SM_OK)
		return SM_E_STORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sm_event e = {0};
		read_event(st, &e);
		sm_audit_rec r = {
			.seq = e.seq, .at = e.at, .actor = e.actor, .role = e.role,
			.ssh_client = e.ssh_client, .object = e.object, .object_id = e.object_id,
			.object_key = e.object_key, .action = e.action, .from_state = e.from_state,
			.to_state = e.to_state, .reason = e.reason, .values = e.values,
			.request_id = e.request_id, .prev_hash = e.prev_hash,
		};
		sm_audit_hash(&r, hash);
		bool ok = e.seq == expect_seq && e.prev_hash && strcmp(e.prev_hash, prev) == 0 &&
		    e.hash && strcmp(e.hash, hash) == 0;
		(*count)++;
		if (!ok) {
			*broken_seq = e.seq;
			sm_event_clear(&e);
			break;
		}
		memcpy(prev, e.hash, sizeof(prev));
		expect_seq++;
		sm_event_clear(&e);
	}
	sqlite3_reset(st);
	run_id(s, ST_COMMIT, NULL);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(s, err, rc);
	return SM_OK;
}
