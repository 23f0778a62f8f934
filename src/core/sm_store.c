/* sm_store.c - every SQL statement of sitemark, run through a driver (sm_db.h). */
#include <config.h>

#include "sm_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_anchor.h"
#include "sm_audit.h"
#include "sm_calendar.h"
#include "sm_db.h"
#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_yaml.h"

#define FILTER_CACHE 64

/* The columns read_notice() reads, in its order (whether an attachment's
 * bytes are kept, by typeof(): SQLite does not read them for it). */
#define NOTICE_COLS "id, msg_id, case_id, event, channel, recipient, subject, body," \
	" created_at, status, attempts, last_error, next_at, sent_at, name, attachment," \
	" typeof(attachment_data) = 'blob'"

/* Prepared statements, made once per connection on first use. */
enum stmt_id {
	ST_REQUEST_GET, ST_REQUEST_PUT, ST_REQUEST_HEAD, ST_CASE_UNIT, ST_AUDIT_HEAD_SEQ,
	ST_OFFICE_INSERT, ST_OFFICE_GET, ST_OFFICE_LIST,
	ST_USER_INSERT, ST_USER_GET, ST_USER_LIST, ST_USER_LIST_ROLE, ST_USER_COUNT,
	ST_USER_SET_UNIT,
	ST_UNIT_INSERT, ST_UNIT_GET, ST_UNIT_SEARCH, ST_UNIT_SEARCH_MASKED, ST_UNIT_DOMAINS, ST_UNIT_DOMAINS_TLD,
	ST_CASE_INSERT, ST_CASE_GET, ST_CASE_UPDATE, ST_CASE_UPDATE_SAME_DOMAIN, ST_CASE_SET_STATE,
	ST_DOMAIN_TAKEN, ST_DOMAIN_OWNED, ST_DOMAIN_INSERT,
	ST_MARK_SEQ, ST_MARK_SEQ_GET, ST_COUNTER_BUMP, ST_COUNTER_GET, ST_MARK_INSERT, ST_MARK_GET,
	ST_AUDIT_LAST, ST_AUDIT_INSERT, ST_AUDIT_CASE, ST_AUDIT_ALL,
	ST_NOTICE_INSERT, ST_NOTICE_LIST,
	ST_NOTE_INSERT, ST_NOTE_LIST,
	ST_USER_EDIT, ST_USER_SET_DISABLED, ST_USER_SET_LOCKED, ST_USER_SET_ROLE,
	ST_USER_COUNT_ACTIVE_ROLE, ST_USER_COUNT_ROLE, ST_OFFICE_EDIT, ST_OFFICE_SET_DISABLED,
	ST_AUDIT_PAGE, ST_AUDIT_COUNT, ST_AUDIT_GET,
	ST_UNIT_UPDATE,
	ST_AUDIT_CASE_CHANGE,
	ST_AUDIT_UNIT_CHANGE,
	ST_USER_TOTP_GET, ST_USER_TOTP_SET, ST_USER_TOTP_FAILURES,
	ST_POLICY_LIST, ST_POLICY_SET,
	ST_NOTICE_ONCE, ST_NOTICE_DUE, ST_NOTICE_DONE, ST_HANG_DUE,
	ST_REDPAGE_PUT, ST_REDPAGE_GET, ST_SITE_MARKS,
	ST_MONITOR_TARGETS, ST_MARK_CHECK_INSERT, ST_MARK_CHECK_PAGE_INSERT, ST_MARK_CHECK_LATEST,
	ST_MARK_CHECK_PAGES,
	ST_NOTICE_ATTACHMENT,
	ST_NOTICE_FAILED_OF, ST_MARKS_OF, ST_MARK_CHECKS_FAILING,
	ST_COUNT
};

/* Columns of ST_CASE_GET and of the filtered lists, in that order. */
#define CASE_COLUMNS \
	"c.id, c.kind, c.unit, c.office, c.state, c.version, c.domain," \
	" c.domain_unicode, c.\"values\", c.hints, c.created_by, c.submitted_by, c.due," \
	" c.due_kind, c.due_uncertain, c.created_at, c.updated_at, u.name, u.type, u.uscc"

/* A case, its unit, and whether the case's domain is the unit's (cases c,
 * units u): ST_CASE_UNIT's columns, read by case_unit_at(). */
#define CASE_UNIT_COLUMNS CASE_COLUMNS ", u.id, u.name, u.type, u.uscc, u.affiliation," \
	" u.division, u.office, u.\"values\", u.mark_seq, u.created_at, u.version," \
	" EXISTS(SELECT 1 FROM domains d WHERE d.ace = c.domain AND d.unit = c.unit)"
/* ST_REQUEST_HEAD's first columns: the account's from here on, then the
 * case's */
#define HEAD_USER 6
#define HEAD_CASE 18

/* Every text column of an audit record: text or NULL, no NUL byte in it */
#define CLEAN(c) "typeof(" c ") IN ('text', 'null') AND coalesce(instr(CAST(" c " AS BLOB), x'00'), 0) = 0"
#define AUDIT_TEXT_CLEAN CLEAN("at") " AND " CLEAN("actor") " AND " CLEAN("role") " AND " \
	CLEAN("ssh_client") " AND " CLEAN("object") " AND " CLEAN("object_key") " AND " \
	CLEAN("action") " AND " CLEAN("from_state") " AND " CLEAN("to_state") " AND " \
	CLEAN("reason") " AND " CLEAN("\"values\"") " AND " CLEAN("request_id") " AND " \
	CLEAN("prev_hash") " AND " CLEAN("hash")

static const char *const stmt_sql[ST_COUNT] = {
	[ST_REQUEST_GET] = "SELECT result, digest FROM requests WHERE id = ?1",
	/* the request id's answer, the head of the audit chain, the acting
	 * account (?2, NULL: none; ST_USER_GET's columns) and the case it acts
	 * on (?3, NULL: none; ST_CASE_UNIT's columns, its unit's NULL when it
	 * has none): the first read of a write (one round trip on a cluster,
	 * with its BEGIN; joins not nested: SQLite plans that one about twice
	 * as fast, and the leader prepares it anew each time) */
	[ST_REQUEST_HEAD] = "SELECT r.result, r.digest, r.id IS NOT NULL, a.seq, a.hash, a.at,"
	    " us.login, us.role, us.office, us.unit, us.name, us.mobile, us.email, us.locked,"
	    " us.disabled, us.asked_role, us.asked_office, us.asked_unit, " CASE_UNIT_COLUMNS
	    " FROM (SELECT 1) LEFT JOIN requests r ON r.id = ?1"
	    " LEFT JOIN (SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1) a"
	    " LEFT JOIN users us ON us.login = ?2"
	    " LEFT JOIN cases c ON c.id = ?3 LEFT JOIN units u ON u.id = c.unit",
	/* the writes deferred to the next round trip (run_later) carry
	 * sm_in_tx(): one that would run after its transaction was rolled back
	 * fails rather than commit alone */
	[ST_REQUEST_PUT] = "INSERT INTO requests(id, at, result, digest) SELECT ?1, ?2, ?3, ?4"
	    " WHERE sm_in_tx()",
	[ST_OFFICE_INSERT] = "INSERT INTO offices(code, name) VALUES (?1, ?2)",
	[ST_OFFICE_GET] = "SELECT code, name, disabled FROM offices WHERE code = ?1",
	[ST_OFFICE_LIST] = "SELECT code, name, disabled FROM offices ORDER BY code",
	[ST_USER_INSERT] = "INSERT INTO users(login, role, office, unit, name, mobile, email,"
	    " created_at, asked_role, asked_office, asked_unit)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_USER_GET] = "SELECT login, role, office, unit, name, mobile, email, locked, disabled,"
	    " asked_role, asked_office, asked_unit FROM users WHERE login = ?1",
	[ST_USER_LIST] = "SELECT login, role, office, unit, name, mobile, email, locked, disabled,"
	    " asked_role, asked_office, asked_unit FROM users ORDER BY login",
	[ST_USER_LIST_ROLE] = "SELECT login, role, office, unit, name, mobile, email, locked,"
	    " disabled, asked_role, asked_office, asked_unit FROM users WHERE role = ?1"
	    " ORDER BY login",
	[ST_USER_COUNT] = "SELECT count(*) FROM users",
	[ST_USER_SET_UNIT] = "UPDATE users SET unit = ?2 WHERE login = ?1 AND role = 'unit'",
	[ST_UNIT_INSERT] = "INSERT INTO units(name, type, uscc, affiliation, division, office,"
	    " \"values\", created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_UNIT_GET] = "SELECT id, name, type, uscc, affiliation, division, office, \"values\","
	    " mark_seq, created_at, version FROM units WHERE id = ?1",
	/* also by a mark code or certificate number (indexed, exact), the
	 * contact's or the handler's mobile (indexed, exact) and name (part) */
	[ST_UNIT_SEARCH] = "SELECT id, name, type, uscc, affiliation, division, office, \"values\","
	    " mark_seq, created_at, version FROM units WHERE instr(name, ?1) > 0 OR uscc = upper(?1)"
	    " OR id IN (SELECT unit FROM domains WHERE instr(unicode, ?1) > 0 OR ace = lower(?1))"
	    " OR id IN (SELECT unit FROM marks WHERE code = upper(?1) OR cert_no = ?1)"
	    " OR json_extract(\"values\", '$.contact.mobile') = ?1"
	    " OR json_extract(\"values\", '$.handler.mobile') = ?1"
	    " OR instr(json_extract(\"values\", '$.contact.name'), ?1) > 0"
	    " OR instr(json_extract(\"values\", '$.handler.name'), ?1) > 0"
	    " ORDER BY id LIMIT ?2",
	/* the same for a user who sees mobiles masked: a mobile is no key */
	[ST_UNIT_SEARCH_MASKED] = "SELECT id, name, type, uscc, affiliation, division, office,"
	    " \"values\", mark_seq, created_at, version FROM units WHERE instr(name, ?1) > 0"
	    " OR uscc = upper(?1)"
	    " OR id IN (SELECT unit FROM domains WHERE instr(unicode, ?1) > 0 OR ace = lower(?1))"
	    " OR id IN (SELECT unit FROM marks WHERE code = upper(?1) OR cert_no = ?1)"
	    " OR instr(json_extract(\"values\", '$.contact.name'), ?1) > 0"
	    " OR instr(json_extract(\"values\", '$.handler.name'), ?1) > 0"
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
	/* a case, its unit, and whether the case's domain is the unit's: all a
	 * transition reads (one round trip on a cluster) */
	[ST_CASE_UNIT] = "SELECT " CASE_UNIT_COLUMNS
	    " FROM cases c JOIN units u ON u.id = c.unit WHERE c.id = ?1",
	[ST_CASE_UPDATE] = "UPDATE cases SET state = ?3, version = version + 1, domain = ?4,"
	    " domain_unicode = ?5, \"values\" = ?6, hints = ?7, submitted_by = ?8, due = ?9,"
	    " due_kind = ?10, due_uncertain = ?11, updated_at = ?12"
	    " WHERE id = ?1 AND version = ?2 AND sm_in_tx()",
	/* The same for a case whose domain stays, which is most changes: the
	 * domain column is not assigned, so that SQLite leaves the entries of the
	 * indexes on it alone (one page less to write per transition). */
	[ST_CASE_UPDATE_SAME_DOMAIN] = "UPDATE cases SET state = ?3, version = version + 1,"
	    " domain_unicode = ?5, \"values\" = ?6, hints = ?7, submitted_by = ?8, due = ?9,"
	    " due_kind = ?10, due_uncertain = ?11, updated_at = ?12"
	    " WHERE id = ?1 AND version = ?2 AND domain IS ?4 AND sm_in_tx()",
	[ST_CASE_SET_STATE] = "UPDATE cases SET state = ?3, version = version + 1,"
	    " submitted_by = ?4, due = ?5, due_kind = ?6, due_uncertain = ?7, updated_at = ?8"
	    " WHERE id = ?1 AND version = ?2 AND sm_in_tx()",
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
	[ST_AUDIT_LAST] = "SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1",
	[ST_AUDIT_HEAD_SEQ] = "SELECT ifnull(max(seq), 0) FROM audit",
	[ST_AUDIT_INSERT] = "INSERT INTO audit(seq, at, actor, role, ssh_client, object, object_id,"
	    " object_key, action, from_state, to_state, reason, \"values\", request_id, prev_hash,"
	    " hash) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16"
	    " WHERE sm_in_tx()",
	[ST_AUDIT_CASE] = "SELECT seq, at, actor, role, ssh_client, object, object_id, object_key,"
	    " action, from_state, to_state, reason, \"values\", request_id, prev_hash, hash"
	    " FROM audit WHERE object = 'case' AND object_id = ?1 ORDER BY seq",
	[ST_AUDIT_CASE_CHANGE] = "SELECT seq, at, actor, role, ssh_client, object, object_id,"
	    " object_key, action, from_state, to_state, reason, \"values\", request_id, prev_hash,"
	    " hash FROM audit WHERE object = 'case' AND object_id = ?1 AND to_state IS NOT NULL"
	    " ORDER BY seq DESC LIMIT 1",
	[ST_AUDIT_UNIT_CHANGE] = "SELECT seq, at, actor, role, ssh_client, object, object_id,"
	    " object_key, action, from_state, to_state, reason, \"values\", request_id, prev_hash,"
	    " hash FROM audit WHERE object = 'unit' AND object_id = ?1 ORDER BY seq DESC LIMIT 1",
	/* column 16: whether the record is as the log writes it, numbers and
	 * text with no NUL in it (what the hash cannot see: it hashes a field
	 * up to its first NUL, and a blob or a number as the text it reads as) */
	[ST_AUDIT_ALL] = "SELECT seq, at, actor, role, ssh_client, object, object_id, object_key,"
	    " action, from_state, to_state, reason, \"values\", request_id, prev_hash, hash,"
	    " typeof(seq) = 'integer' AND typeof(object_id) = 'integer' AND " AUDIT_TEXT_CLEAN
	    " FROM audit ORDER BY seq",
	[ST_NOTICE_INSERT] = "INSERT INTO outbox(msg_id, case_id, event, channel, recipient,"
	    " subject, body, created_at, status, last_error, name, attachment, attachment_data)"
	    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(?9, 'pending'), ?10, ?11, ?12, ?13"
	    " WHERE sm_in_tx()",
	[ST_NOTICE_LIST] = "SELECT " NOTICE_COLS " FROM outbox WHERE case_id = ?1 ORDER BY id",
	[ST_NOTE_INSERT] = "INSERT INTO notes(object, object_id, author, at, text)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_NOTE_LIST] = "SELECT id, object, object_id, author, at, text FROM notes"
	    " WHERE object = ?1 AND object_id = ?2 ORDER BY id",
	[ST_USER_EDIT] = "UPDATE users SET name = ?2, mobile = ?3, email = ?4 WHERE login = ?1",
	[ST_USER_SET_DISABLED] = "UPDATE users SET disabled = ?2 WHERE login = ?1",
	[ST_USER_SET_LOCKED] = "UPDATE users SET locked = ?2 WHERE login = ?1",
	[ST_USER_SET_ROLE] = "UPDATE users SET role = ?2, office = ?3, unit = ?4, asked_role = NULL,"
	    " asked_office = NULL, asked_unit = NULL WHERE login = ?1",
	[ST_USER_COUNT_ACTIVE_ROLE] = "SELECT count(*) FROM users WHERE role = ?1 AND disabled = 0",
	[ST_USER_COUNT_ROLE] = "SELECT count(*) FROM users WHERE role = ?1",
	[ST_OFFICE_EDIT] = "UPDATE offices SET name = ?2 WHERE code = ?1",
	[ST_OFFICE_SET_DISABLED] = "UPDATE offices SET disabled = ?2 WHERE code = ?1",
	/* ?1 actor, ?2 case, ?3 action, ?4 since (a date: at >= it), ?5 before seq;
	 * NULL: any.  A page: ?6 limit, ?7 offset, in the order of the chain. */
	[ST_AUDIT_PAGE] = "SELECT seq, at, actor, role, ssh_client, object, object_id, object_key,"
	    " action, from_state, to_state, reason, \"values\", request_id, prev_hash, hash"
	    " FROM audit WHERE (?1 IS NULL OR actor = ?1)"
	    " AND (?2 IS NULL OR (object = 'case' AND object_id = ?2))"
	    " AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR at >= ?4)"
	    " AND (?5 IS NULL OR seq < ?5) ORDER BY seq LIMIT ?6 OFFSET ?7",
	[ST_AUDIT_COUNT] = "SELECT count(*) FROM audit WHERE (?1 IS NULL OR actor = ?1)"
	    " AND (?2 IS NULL OR (object = 'case' AND object_id = ?2))"
	    " AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR at >= ?4)"
	    " AND (?5 IS NULL OR seq < ?5)",
	[ST_AUDIT_GET] = "SELECT seq, at, actor, role, ssh_client, object, object_id, object_key,"
	    " action, from_state, to_state, reason, \"values\", request_id, prev_hash, hash"
	    " FROM audit WHERE seq = ?1",
	[ST_UNIT_UPDATE] = "UPDATE units SET \"values\" = ?3, version = version + 1"
	    " WHERE id = ?1 AND version = ?2",
	[ST_USER_TOTP_GET] = "SELECT totp_secret, totp_failures FROM users WHERE login = ?1",
	[ST_USER_TOTP_SET] = "UPDATE users SET totp_secret = ?2, totp_failures = 0 WHERE login = ?1",
	[ST_POLICY_LIST] = "SELECT key, value, set_by, set_at FROM policy ORDER BY key",
	[ST_POLICY_SET] = "INSERT INTO policy(key, value, set_by, set_at) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT(key) DO UPDATE SET value = excluded.value, set_by = excluded.set_by,"
	    " set_at = excluded.set_at",
	[ST_USER_TOTP_FAILURES] = "UPDATE users SET totp_failures = ?2 WHERE login = ?1",
	/* a scheduled notice: its msg_id is its key (case, event, deadline,
	 * channel), so that it is queued once however often the sender runs */
	[ST_NOTICE_ONCE] = "INSERT INTO outbox(msg_id, case_id, event, channel, recipient,"
	    " subject, body, created_at, status, last_error, name, attachment, attachment_data)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(?9, 'pending'), ?10, ?11, ?12, ?13)"
	    " ON CONFLICT(msg_id) DO NOTHING",
	/* what is due to be sent at ?1, oldest first */
	[ST_NOTICE_DUE] = "SELECT " NOTICE_COLS " FROM outbox"
	    " WHERE status IN ('pending', 'retrying') AND (next_at IS NULL OR next_at <= ?1)"
	    " AND id > ?2 ORDER BY id LIMIT ?3",
	/* an attempt's outcome; only a notice still waiting to be sent.  Sent
	 * or given up, the attachment's bytes kept in the store (a print: the
	 * unit's and its handler's personal data) are dropped; its name stays */
	[ST_NOTICE_DONE] = "UPDATE outbox SET status = ?2, attempts = attempts + 1,"
	    " last_error = ?3, next_at = ?4, sent_at = ?5,"
	    " attachment_data = CASE WHEN ?2 IN ('sent', 'failed') THEN NULL"
	    " ELSE attachment_data END"
	    " WHERE id = ?1 AND status IN ('pending', 'retrying')",
	/* marks to hang (mark_issued) whose deadline is on or before ?1 */
	[ST_HANG_DUE] = "SELECT c.id, m.hang_due FROM cases c JOIN marks m ON m.case_id = c.id"
	    " WHERE c.state = 'mark_issued' AND m.hang_due IS NOT NULL AND m.hang_due <= ?1"
	    " ORDER BY c.id",
	/* a notice of case ?1 was given up: the case is flagged for its office */
	/* of several cases at once (?1: their ids, a JSON array): a page of a
	 * list in one query, not one a case (each a round trip on a cluster) */
	[ST_NOTICE_FAILED_OF] = "SELECT DISTINCT case_id FROM outbox WHERE status = 'failed'"
	    " AND case_id IN (SELECT value FROM json_each(?1))",
	[ST_MARKS_OF] = "SELECT case_id, unit, code, guid, cert_no, color, snippet, issued_at,"
	    " hang_due, certificate FROM marks WHERE case_id IN (SELECT value FROM json_each(?1))",
	[ST_REDPAGE_PUT] = "INSERT INTO redpages(case_id, \"values\", published_at) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT(case_id) DO UPDATE SET \"values\" = excluded.\"values\","
	    " published_at = excluded.published_at, version = version + 1",
	[ST_REDPAGE_GET] = "SELECT \"values\", published_at, version FROM redpages WHERE case_id = ?1",
	/* every mark with its case's state and its red page: the public site */
	[ST_SITE_MARKS] = "SELECT m.case_id, m.code, m.guid, m.color, m.certificate, c.state,"
	    " r.\"values\", r.published_at FROM marks m JOIN cases c ON c.id = m.case_id"
	    " LEFT JOIN redpages r ON r.case_id = m.case_id ORDER BY m.case_id",
	/* the marks the monitor looks for: issued or hung, on the unit's own
	 * site; ?1 unit, ?2 case, ?3 office (NULL: any), a page after case ?4 */
	[ST_MONITOR_TARGETS] = "SELECT c.id, c.state, c.office, m.code,"
	    " json_extract(c.\"values\", '$.english_domains'),"
	    " json_extract(c.\"values\", '$.site_name'), c.version"
	    " FROM cases c JOIN marks m ON m.case_id = c.id"
	    /* walked in case order from ?4 (the unary + keeps SQLite off the
	     * state index, which would sort every issued mark for each page) */
	    " WHERE +c.state IN ('mark_issued', 'mark_hung') AND c.kind IN ('site', 'mark')"
	    " AND json_extract(c.\"values\", '$.hosting') = 'own'"
	    " AND (?1 IS NULL OR c.unit = ?1) AND (?2 IS NULL OR c.id = ?2)"
	    " AND (?3 IS NULL OR c.office = ?3) AND c.id > ?4 ORDER BY c.id LIMIT ?5",
	[ST_MARK_CHECK_INSERT] = "INSERT INTO mark_checks(case_id, at, code, state, verdict, pages,"
	    " passed, by, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_MARK_CHECK_PAGE_INSERT] = "INSERT INTO mark_check_pages(check_id, n, url, final_url,"
	    " status, verdict, \"where\", title_ok, title, detail, bytes, ms)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[ST_MARK_CHECK_LATEST] = "SELECT id, case_id, at, code, state, verdict FROM mark_checks"
	    " WHERE case_id = ?1 ORDER BY id DESC LIMIT 1",
	/* the failing checks of a hung mark in a row: since the last check
	 * that passed or found it not yet hung */
	/* (and of the case's version now: since it last became hung, as an
	 * office may have flagged it and found it hung again meanwhile, with no
	 * check in between; schema 13) */
	[ST_MARK_CHECKS_FAILING] = "SELECT count(*) FROM mark_checks WHERE case_id = ?1"
	    " AND verdict = 'fail' AND state = 'mark_hung' AND id > coalesce((SELECT max(id)"
	    " FROM mark_checks WHERE case_id = ?1 AND (verdict = 'pass' OR state <> 'mark_hung')), 0)"
	    " AND version = (SELECT version FROM cases WHERE id = ?1)",
	[ST_MARK_CHECK_PAGES] = "SELECT url, final_url, status, verdict, \"where\", title_ok, title,"
	    " detail, bytes, ms FROM mark_check_pages WHERE check_id = ?1 ORDER BY n",
	/* the bytes of an e-mail's attachment kept in the store (schema 12) */
	[ST_NOTICE_ATTACHMENT] = "SELECT attachment_data FROM outbox WHERE id = ?1",
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
	/* 1 -> 2: queues are read a page at a time in deadline order, and their
	 * overdue cases counted, from the index alone */
	"CREATE INDEX cases_queue ON cases(state, office, due);"
	"DROP INDEX cases_state_office;",
	/* 2 -> 3: the three administrators (domain.md §3).  An account may have
	 * no role yet ('none': the system administrator creates it, the security
	 * administrator grants its role); accounts and offices can be disabled. */
	"CREATE TABLE users_v2("
	"  login TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK(role IN ('none', 'unit', 'office', 'conac', 'service',"
	"    'sysadmin', 'secadmin', 'auditor')),"
	"  office TEXT REFERENCES offices(code),"
	"  unit INTEGER REFERENCES units(id),"
	"  name TEXT, mobile TEXT, email TEXT,"
	"  locked INTEGER NOT NULL DEFAULT 0,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL,"
	"  CHECK((role = 'office') = (office IS NOT NULL)),"
	"  CHECK(role = 'unit' OR unit IS NULL));"
	"INSERT INTO users_v2(login, role, office, unit, name, mobile, email, locked, created_at)"
	"  SELECT login, role, office, unit, name, mobile, email, locked, created_at FROM users;"
	"DROP TABLE users;"
	"ALTER TABLE users_v2 RENAME TO users;"
	"ALTER TABLE offices ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX audit_action ON audit(action);",
	/* 3 -> 4: units get a version (edits of contact and handler); the
	 * mobiles customer service looks units up by are indexed. */
	"ALTER TABLE units ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"CREATE INDEX units_contact_mobile ON units(json_extract(\"values\", '$.contact.mobile'));"
	"CREATE INDEX units_handler_mobile ON units(json_extract(\"values\", '$.handler.mobile'));",
	/* 4 -> 5: a request id is bound to its request (case, action, user,
	 * values) by a digest of it: the same id for another request is
	 * refused, not answered with the first one's result.  Requests
	 * recorded before have none and are not replayed for a digest. */
	"ALTER TABLE requests ADD COLUMN digest TEXT;",
	/* 5 -> 6: the second factor: an account's TOTP secret (base32, NULL:
	 * not enrolled) and its wrong codes in a row. */
	"ALTER TABLE users ADD COLUMN totp_secret TEXT;"
	"ALTER TABLE users ADD COLUMN totp_failures INTEGER NOT NULL DEFAULT 0;",
	/* 6 -> 7: separation of duties (三员分立): the system administrator
	 * creates an account with the role it is for, which only the
	 * security administrator grants; until then the account holds none
	 * and keeps what was asked (the role, an office, a unit). */
	"ALTER TABLE users ADD COLUMN asked_role TEXT;"
	"ALTER TABLE users ADD COLUMN asked_office TEXT REFERENCES offices(code);"
	"ALTER TABLE users ADD COLUMN asked_unit INTEGER REFERENCES units(id);",
	/* 7 -> 8: the security policy the security administrator sets (lock-out,
	 * second factor, idle log-out), over the configuration's defaults. */
	"CREATE TABLE policy(key TEXT PRIMARY KEY, value TEXT NOT NULL,"
	"  set_by TEXT NOT NULL, set_at TEXT NOT NULL) WITHOUT ROWID;",
	/* 8 -> 9: delivering the outbox (notify run).  A notice is pending,
	 * retrying (next_at: its next attempt, last_error: why the last one
	 * failed), sent (sent_at), failed (given up, last_error: why; its case
	 * is flagged for its office while it has one) or refused (never to be
	 * sent).  name: the recipient's name (the e-mail's To), attachment: a
	 * file sent with an e-mail. */
	"ALTER TABLE outbox ADD COLUMN next_at TEXT;"
	"ALTER TABLE outbox ADD COLUMN name TEXT;"
	"ALTER TABLE outbox ADD COLUMN attachment TEXT;"
	"DROP INDEX outbox_pending;"
	"CREATE INDEX outbox_due ON outbox(id) WHERE status IN ('pending', 'retrying');",
	/* 9 -> 10: the red pages (网络红页) units publish: the values of their
	 * form, when, and how many times published */
	"CREATE TABLE redpages("
	"  case_id INTEGER PRIMARY KEY REFERENCES cases(id),"
	"  \"values\" TEXT NOT NULL,"
	"  published_at TEXT NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1);",
	/* 10 -> 11: the mark monitor (issue 10).  Its account holds the role
	 * 'monitor' (the users table is made again to allow it, every column
	 * kept); each check of a mark is kept with its pages. */
	"CREATE TABLE users_v3("
	"  login TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK(role IN ('none', 'unit', 'office', 'conac', 'service',"
	"    'sysadmin', 'secadmin', 'auditor', 'monitor')),"
	"  office TEXT REFERENCES offices(code),"
	"  unit INTEGER REFERENCES units(id),"
	"  name TEXT, mobile TEXT, email TEXT,"
	"  locked INTEGER NOT NULL DEFAULT 0,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL,"
	"  totp_secret TEXT,"
	"  totp_failures INTEGER NOT NULL DEFAULT 0,"
	"  asked_role TEXT,"
	"  asked_office TEXT REFERENCES offices(code),"
	"  asked_unit INTEGER REFERENCES units(id),"
	"  CHECK((role = 'office') = (office IS NOT NULL)),"
	"  CHECK(role = 'unit' OR unit IS NULL));"
	"INSERT INTO users_v3(login, role, office, unit, name, mobile, email, locked, disabled,"
	"  created_at, totp_secret, totp_failures, asked_role, asked_office, asked_unit)"
	"  SELECT login, role, office, unit, name, mobile, email, locked, disabled,"
	"  created_at, totp_secret, totp_failures, asked_role, asked_office, asked_unit FROM users;"
	"DROP TABLE users;"
	"ALTER TABLE users_v3 RENAME TO users;"
	"CREATE TABLE mark_checks("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES cases(id),"
	"  at TEXT NOT NULL,"
	"  code TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  verdict TEXT NOT NULL CHECK(verdict IN ('pass', 'fail')),"
	"  pages INTEGER NOT NULL,"
	"  passed INTEGER NOT NULL,"
	"  by TEXT NOT NULL);"
	"CREATE INDEX mark_checks_case ON mark_checks(case_id, id);"
	"CREATE TABLE mark_check_pages("
	"  check_id INTEGER NOT NULL REFERENCES mark_checks(id),"
	"  n INTEGER NOT NULL,"
	"  url TEXT NOT NULL,"
	"  final_url TEXT,"
	"  status INTEGER NOT NULL,"
	"  verdict TEXT NOT NULL,"
	"  \"where\" TEXT,"
	"  title_ok INTEGER NOT NULL,"
	"  title TEXT, detail TEXT,"
	"  bytes INTEGER NOT NULL, ms INTEGER NOT NULL,"
	"  PRIMARY KEY(check_id, n)) WITHOUT ROWID;",
	/* 11 -> 12: an e-mail's attachment kept in the store with its notice
	 * (print --mail on either backend: a cluster has no file beside the
	 * database).  attachment is then the file's name and attachment_data
	 * its bytes, dropped once the notice is sent or given up; a notice
	 * queued before names a file (a path) and keeps no bytes. */
	"ALTER TABLE outbox ADD COLUMN attachment_data BLOB;",
	/* 12 -> 13: a check keeps the case's version when it was read, so
	 * that the checks "in a row" that failed on a hung mark are of the
	 * time it is hung now (none before: NULL, counted in no row). */
	"ALTER TABLE mark_checks ADD COLUMN version INTEGER;",
};

struct filter_stmt {
	unsigned mask;
	int count; /* a count(*) statement */
	sm_db_stmt *st;
};

/* A connection and the statements prepared on it: all that a transaction
 * works with. */
struct conn {
	sm_db *db;
	sm_db_stmt *st[ST_COUNT];
	struct filter_stmt filters[FILTER_CACHE];
	size_t n_filters;
	char *broken_flag;     /* PATH.broken: the database was found corrupt */
	bool retry;            /* the last failure was SM_DB_RETRY: the transaction may go again */
	bool unsure;           /* and it was the commit's: it may have landed */
};

struct sm_store {
	struct conn c;
	int64_t writes;        /* writes committed through this store */
	uint64_t write_trips;  /* round trips inside write transactions (a cluster's) */
	char *path;
	const sm_clock *clock; /* the session's; NULL: the system's */
	char *anchors;         /* audit.anchors; default PATH.anchors */
	int anchor_every;      /* audit.anchor_every */
	int anchor_facility;   /* syslog facility, -1 none */
	/* the last write's request id when it failed after a commit that may
	 * have landed ("" otherwise): sm_store_unsure_request */
	char unsure_id[64];
};

struct sm_tx {
	struct conn *c;
	char now[32];
	const char *request_id;
	char *result;
	int n_notices;
	uint64_t trips0; /* the store's round trips when it began */
	/* the audit records this transaction appended (anchors after commit) */
	int64_t audit_first, audit_last;
	char audit_hash[SM_AUDIT_HASH_LEN + 1];
	char audit_at[32];
	bool audit_new_day;
	/* the head of the audit chain, read with the request id and kept as
	 * records are appended: no read of it per record */
	bool head_known;
	int64_t head_seq;
	char head_hash[SM_AUDIT_HASH_LEN + 1];
	char head_at[32];
	/* the case last read in this transaction (under its lock): its domain
	 * says which update statement fits without trying */
	int64_t read_case;
	char *read_domain;
	/* whether OWNED_ACE is OWNED_UNIT's (read with the case) */
	char *owned_ace;
	int64_t owned_unit;
	bool owned;
	/* the case the write acts on (sm_store_actor.case_id), read with the
	 * request id: sm_tx_case_unit's first answer for it */
	int64_t pre_id;
	sm_case pre_case;
	sm_unit pre_unit;
	/* deferred writes (sm_db_defer) whose outcome is still to be checked,
	 * in order: what each must have done */
	struct later {
		enum { LATER_RUN, LATER_INSERT, LATER_ONE } kind;
		const char *field, *dup_msg; /* LATER_INSERT, LATER_ONE: a UNIQUE failure */
		int64_t case_id;             /* LATER_ONE: one row changed, else a conflict */
	} later[16];
	int n_later;
};

/* ------------------------------------------------------------ errors */

static void mark_broken(struct conn *c, const char *why);

static sm_status
db_fail(struct conn *c, sm_err *err, sm_db_rc rc)
{
	if (rc == SM_DB_RETRY && c != NULL)
		c->retry = true;
	if (rc == SM_DB_CORRUPT && c != NULL)
		mark_broken(c, c->db ? sm_db_errmsg(c->db) : "corrupt");
	return sm_db_fail(c ? c->db : NULL, rc, err);
}

static sm_status
nomem(sm_err *err)
{
	return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
}

/* ------------------------------------------------------------ statements */

static sm_db_stmt *
stmt(struct conn *c, enum stmt_id id, sm_err *err)
{
	if (c->st[id] == NULL) {
		sm_db_rc rc = sm_db_prepare(c->db, stmt_sql[id], true, &c->st[id]);
		if (rc != SM_DB_OK) {
			db_fail(c, err, rc);
			return NULL;
		}
	}
	sm_db_reset(c->st[id]);
	return c->st[id];
}

static void
bind_text(sm_db_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sm_db_bind_null(st, i);
	else
		sm_db_bind_text(st, i, v);
}

static void
bind_json(sm_db_stmt *st, int i, const json_t *v)
{
	if (v == NULL) {
		sm_db_bind_null(st, i);
		return;
	}
	char *s = sm_json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (s == NULL)
		sm_db_bind_failed(st, SM_DB_NOMEM); /* not a NULL in its place */
	else
		sm_db_bind_text_owned(st, i, s);
}

/* Columns that held a value but were read as NULL, out of memory, since
 * get_one or get_all began: the read fails rather than hand on a record
 * with a hole (that a transition would write back). */
static unsigned cols_lost;
/* ... of them, values stored but not valid JSON (or not text): a database
 * changed outside sitemark, not memory */
static unsigned cols_bad;

/* What a read that lost a column says (cols_lost was set). */
static sm_status
lost(sm_err *err)
{
	if (cols_bad == 0)
		return nomem(err);
	cols_bad = 0;
	return sm_err_add(err, SM_E_STORE, NULL,
	    _("a value stored in the database cannot be read (it is not valid JSON in UTF-8): the database was changed outside sitemark; 'sitemark check' tells what else was"));
}

/* A text column as stored (the audit's fields, whose hash is of their
 * bytes), or (col_str, col_json) with any byte that is not UTF-8 written
 * "\xNN": text from a database changed outside sitemark reaches no front
 * end as bytes a JSON reader refuses (and leaves its record out, or the
 * whole list) or a terminal misreads, and shows what the bytes were. */
static char *
col_str_raw(sm_db_stmt *st, int i)
{
	bool null = sm_db_column_type(st, i) == SM_DB_NULL;
	const char *v = sm_db_column_text(st, i);
	char *r = v ? strdup(v) : NULL;
	if (r == NULL && !null)
		cols_lost++;
	return r;
}

static char *
col_str(sm_db_stmt *st, int i)
{
	bool null = sm_db_column_type(st, i) == SM_DB_NULL;
	const char *v = sm_db_column_text(st, i);
	char *r = v == NULL ? NULL : sm_text_valid_utf8(v, (size_t)-1) ? strdup(v) :
	    sm_text_utf8_repair(v, false);
	if (r == NULL && !null)
		cols_lost++;
	return r;
}

static json_t *
col_json(sm_db_stmt *st, int i)
{
	bool null = sm_db_column_type(st, i) == SM_DB_NULL;
	const char *v = sm_db_column_text(st, i);
	char *fixed = v && !sm_text_valid_utf8(v, (size_t)-1) ? sm_text_utf8_repair(v, true) : NULL;
	json_t *r = v ? json_loads(fixed ? fixed : v, JSON_DECODE_ANY, NULL) : NULL;
	free(fixed);
	if (r == NULL && !null) {
		cols_lost++;
		if (v != NULL) /* read, and not JSON */
			cols_bad++;
	}
	return r;
}

/* Run a statement that returns no rows. */
static sm_status
run(struct conn *c, sm_db_stmt *st, sm_err *err)
{
	sm_db_rc rc = sm_db_step(st);
	sm_db_reset(st);
	if (rc != SM_DB_DONE && rc != SM_DB_ROW)
		return db_fail(c, err, rc);
	return SM_OK;
}

/* The result of a driver's begin, commit or exec as ours. */
static sm_status
db_ok(struct conn *c, sm_db_rc rc, sm_err *err)
{
	return rc == SM_DB_OK ? SM_OK : db_fail(c, err, rc);
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
	free(u->asked_office);
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
	free(n->last_error);
	free(n->next_at);
	free(n->sent_at);
	free(n->name);
	free(n->attachment);
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
read_policy(sm_db_stmt *st, sm_policy_row *p)
{
	p->key = col_str(st, 0);
	p->value = col_str(st, 1);
	p->set_by = col_str(st, 2);
	p->set_at = col_str(st, 3);
}

void
sm_policy_row_clear(sm_policy_row *p)
{
	if (p == NULL)
		return;
	free(p->key);
	free(p->value);
	free(p->set_by);
	free(p->set_at);
	memset(p, 0, sizeof(*p));
}

static void
read_office(sm_db_stmt *st, sm_office *o)
{
	o->code = col_str(st, 0);
	o->name = col_str(st, 1);
	o->disabled = sm_db_column_int64(st, 2) != 0;
}

/* The account's columns (ST_USER_GET's) from column B on. */
static void
read_user_at(sm_db_stmt *st, sm_user *u, int b)
{
	u->login = col_str(st, b);
	u->role = sm_role_parse(sm_db_column_text(st, b + 1));
	u->office = col_str(st, b + 2);
	u->unit = sm_db_column_int64(st, b + 3);
	u->name = col_str(st, b + 4);
	u->mobile = col_str(st, b + 5);
	u->email = col_str(st, b + 6);
	u->locked = sm_db_column_int64(st, b + 7) != 0;
	u->disabled = sm_db_column_int64(st, b + 8) != 0;
	u->asked_role = sm_role_parse(sm_db_column_text(st, b + 9));
	u->asked_office = col_str(st, b + 10);
	u->asked_unit = sm_db_column_int64(st, b + 11);
}

static void
read_user(sm_db_stmt *st, sm_user *u)
{
	read_user_at(st, u, 0);
}

/* The unit's columns from column B on. */
static void
read_unit_at(sm_db_stmt *st, sm_unit *u, int b)
{
	u->id = sm_db_column_int64(st, b);
	u->name = col_str(st, b + 1);
	u->type = sm_unit_type_parse(sm_db_column_text(st, b + 2));
	u->uscc = col_str(st, b + 3);
	u->affiliation = col_str(st, b + 4);
	u->division = col_str(st, b + 5);
	u->office = col_str(st, b + 6);
	u->values = col_json(st, b + 7);
	u->mark_seq = (int)sm_db_column_int64(st, b + 8);
	u->created_at = col_str(st, b + 9);
	u->version = sm_db_column_int64(st, b + 10);
}

static void
read_unit(sm_db_stmt *st, sm_unit *u)
{
	read_unit_at(st, u, 0);
}


/* The case's columns (CASE_COLUMNS) from column B on. */
static void
read_case_at(sm_db_stmt *st, sm_case *c, int b)
{
	c->id = sm_db_column_int64(st, b);
	c->kind = sm_kind_parse(sm_db_column_text(st, b + 1));
	c->unit = sm_db_column_int64(st, b + 2);
	c->office = col_str(st, b + 3);
	c->state = sm_state_parse(sm_db_column_text(st, b + 4));
	c->version = sm_db_column_int64(st, b + 5);
	c->domain = col_str(st, b + 6);
	c->domain_unicode = col_str(st, b + 7);
	c->values = col_json(st, b + 8);
	c->hints = col_json(st, b + 9);
	c->created_by = col_str(st, b + 10);
	c->submitted_by = col_str(st, b + 11);
	c->due = col_str(st, b + 12);
	c->due_kind = col_str(st, b + 13);
	c->due_uncertain = sm_db_column_int64(st, b + 14) != 0;
	c->created_at = col_str(st, b + 15);
	c->updated_at = col_str(st, b + 16);
	c->unit_name = col_str(st, b + 17);
	c->unit_type = sm_unit_type_parse(sm_db_column_text(st, b + 18));
	c->unit_uscc = col_str(st, b + 19);
}

static void
read_case_cols(sm_db_stmt *st, sm_case *c)
{
	read_case_at(st, c, 0);
}

static void
read_case(sm_db_stmt *st, sm_case *c)
{
	read_case_cols(st, c);
}

static void
read_event(sm_db_stmt *st, sm_event *e)
{
	/* as stored: its hash is of these bytes */
	e->seq = sm_db_column_int64(st, 0);
	e->at = col_str_raw(st, 1);
	e->actor = col_str_raw(st, 2);
	e->role = col_str_raw(st, 3);
	e->ssh_client = col_str_raw(st, 4);
	e->object = col_str_raw(st, 5);
	e->object_id = sm_db_column_int64(st, 6);
	e->object_key = col_str_raw(st, 7);
	e->action = col_str_raw(st, 8);
	e->from_state = col_str_raw(st, 9);
	e->to_state = col_str_raw(st, 10);
	e->reason = col_str_raw(st, 11);
	e->values = col_str_raw(st, 12);
	e->request_id = col_str_raw(st, 13);
	e->prev_hash = col_str_raw(st, 14);
	e->hash = col_str_raw(st, 15);
}

static void
read_mark(sm_db_stmt *st, sm_mark *m)
{
	m->case_id = sm_db_column_int64(st, 0);
	m->unit = sm_db_column_int64(st, 1);
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
read_notice(sm_db_stmt *st, sm_notice *n)
{
	n->id = sm_db_column_int64(st, 0);
	n->msg_id = col_str(st, 1);
	n->case_id = sm_db_column_int64(st, 2);
	n->event = col_str(st, 3);
	n->channel = col_str(st, 4);
	n->recipient = col_str(st, 5);
	n->subject = col_str(st, 6);
	n->body = col_str(st, 7);
	n->created_at = col_str(st, 8);
	n->status = col_str(st, 9);
	n->attempts = (int)sm_db_column_int64(st, 10);
	n->last_error = col_str(st, 11);
	n->next_at = col_str(st, 12);
	n->sent_at = col_str(st, 13);
	n->name = col_str(st, 14);
	n->attachment = col_str(st, 15);
	n->attachment_kept = sm_db_column_int64(st, 16) != 0;
}

static void
read_note(sm_db_stmt *st, sm_note *n)
{
	n->id = sm_db_column_int64(st, 0);
	n->object = col_str(st, 1);
	n->object_id = sm_db_column_int64(st, 2);
	n->author = col_str(st, 3);
	n->at = col_str(st, 4);
	n->text = col_str(st, 5);
}

/* Step ST to its one row and read it with READ; SM_E_NOTFOUND without a row. */
static sm_status
get_one(struct conn *c, sm_db_stmt *st, void (*read)(sm_db_stmt *, void *),
        void (*clear)(void *), void *out, sm_err *err)
{
	sm_db_rc rc = sm_db_step(st);
	if (rc == SM_DB_ROW) {
		cols_lost = cols_bad = 0;
		read(st, out);
		sm_db_reset(st);
		if (cols_lost) {
			clear(out);
			return lost(err);
		}
		return SM_OK;
	}
	sm_db_reset(st);
	if (rc == SM_DB_DONE)
		return SM_E_NOTFOUND;
	return db_fail(c, err, rc);
}

/* Collect every row of ST into a growing array of SIZE-byte records. */
static sm_status
get_all(struct conn *c, sm_db_stmt *st, void (*read)(sm_db_stmt *, void *), size_t size,
        void (*clear)(void *), void **out, size_t *n, sm_err *err)
{
	char *arr = NULL;
	size_t len = 0, cap = 0;
	sm_db_rc rc;
	while ((rc = sm_db_step(st)) == SM_DB_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char *p = realloc(arr, ncap * size);
			if (p == NULL) {
				sm_db_reset(st);
				for (size_t i = 0; i < len; i++)
					clear(arr + i * size);
				free(arr);
				return nomem(err);
			}
			arr = p;
			cap = ncap;
		}
		memset(arr + len * size, 0, size);
		cols_lost = cols_bad = 0;
		read(st, arr + len * size);
		len++;
		if (cols_lost)
			break;
	}
	sm_db_reset(st);
	if (rc != SM_DB_DONE) {
		for (size_t i = 0; i < len; i++)
			clear(arr + i * size);
		free(arr);
		return rc == SM_DB_ROW ? lost(err) : db_fail(c, err, rc);
	}
	*out = arr;
	*n = len;
	return SM_OK;
}

#define READER(fn, T) ((void (*)(sm_db_stmt *, void *))(void (*)(void))(fn))
#define CLEARER(fn) ((void (*)(void *))(void (*)(void))(fn))

/* Reads shared by the store and its transactions (further down). */
static sm_status unit_get(struct conn *c, int64_t id, sm_unit *out, sm_err *err);
static sm_status case_get(struct conn *c, int64_t id, sm_case *out, sm_err *err);

/* ------------------------------------------------------------ opening */

static sm_status
migrate(sm_store *s, int from, sm_err *err)
{
	struct conn *c = &s->c;
	int n = (int)(sizeof(migrations) / sizeof(migrations[0]));
	for (int v = from; v < n; v++) {
		if (db_ok(c, sm_db_begin(c->db, true), err) != SM_OK)
			return SM_E_STORE;
		/* another process (a second init) may have taken the schema on
		 * since it was read: what it did is not done again */
		int now = v;
		if (c->db->drv->schema_get(c->db, s->path, &now, err) != SM_OK) {
			sm_db_rollback(c->db);
			return SM_E_STORE;
		}
		if (now > v) {
			sm_db_rollback(c->db);
			v = now - 1;
			continue;
		}
		if (db_ok(c, sm_db_exec(c->db, migrations[v]), err) != SM_OK ||
		    db_ok(c, c->db->drv->schema_set(c->db, v + 1), err) != SM_OK ||
		    db_ok(c, sm_db_commit(c->db), err) != SM_OK) {
			sm_db_rollback(c->db);
			return SM_E_STORE;
		}
	}
	return SM_OK;
}

sm_status
sm_store_open(const char *path, sm_open_mode mode, sm_store **out, sm_err *err)
{
	const sm_db_driver *drv = &sm_db_sqlite;
	sm_store *s;
	int version = 0;
	bool networked = path && strncmp(path, SM_DB_DQLITE_PREFIX, strlen(SM_DB_DQLITE_PREFIX)) == 0;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return sm_err_add(err, SM_E_USAGE, NULL, _("no database given"));
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return nomem(err);
	}
	s->anchor_every = SM_ANCHOR_EVERY;
	s->anchor_facility = LOG_AUTHPRIV;
	if (networked) {
		/* a cluster: no file beside it; anchors where audit.anchors says */
		drv = &sm_db_dqlite;
	} else if (asprintf(&s->anchors, "%s.anchors", path) < 0 ||
	    asprintf(&s->c.broken_flag, "%s.broken", path) < 0) {
		s->anchors = s->c.broken_flag = NULL;
		sm_store_close(&s);
		return nomem(err);
	}
	if (drv->open(path, mode == SM_OPEN_CREATE, &s->c.db, err) != SM_OK ||
	    drv->schema_get(s->c.db, path, &version, err) != SM_OK) {
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
	if (drv->ready(s->c.db, err) != SM_OK) {
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
		sm_db_finalize(s->c.st[i]);
	for (size_t i = 0; i < s->c.n_filters; i++)
		sm_db_finalize(s->c.filters[i].st);
	sm_db_close(s->c.db);
	free(s->path);
	free(s->anchors);
	free(s->c.broken_flag);
	free(s);
	*sp = NULL;
}

int
sm_store_schema_version(sm_store *s)
{
	int v = 0;
	s->c.db->drv->schema_get(s->c.db, s->path, &v, NULL);
	return v;
}

sm_status
sm_store_integrity(sm_store *s, sm_err *err)
{
	sm_status st = s->c.db->drv->check(s->c.db, err);
	if (st != SM_OK && st != SM_E_NOMEM)
		mark_broken(&s->c, "integrity check failed");
	if (st != SM_OK)
		return st;
	/* the values kept as JSON, each readable: one that is not (the sqlite3
	 * shell's doing) fails every list it is in, and says "changed outside
	 * sitemark"; this names the first */
	sm_db_stmt *q = NULL;
	sm_db_rc rc = sm_db_prepare(s->c.db,
	    "SELECT 0, id FROM cases WHERE NOT json_valid(\"values\")"
	    " OR (hints IS NOT NULL AND NOT json_valid(hints))"
	    " UNION ALL SELECT 1, id FROM units WHERE NOT json_valid(\"values\")"
	    " UNION ALL SELECT 2, case_id FROM marks"
	    " WHERE certificate IS NOT NULL AND NOT json_valid(certificate)"
	    " UNION ALL SELECT 3, case_id FROM redpages WHERE NOT json_valid(\"values\")"
	    " LIMIT 1", false, &q);
	if (rc != SM_DB_OK)
		return db_fail(&s->c, err, rc);
	if ((rc = sm_db_step(q)) == SM_DB_ROW) {
		int64_t k = sm_db_column_int64(q, 0);
		long long id = (long long)sm_db_column_int64(q, 1);
		const char *fix = _("the database was changed outside sitemark; restore the last good backup, or mend it");
		st = k == 1 ? sm_err_add(err, SM_E_STORE, NULL, _("the values of unit %lld are not valid JSON: %s"), id, fix) :
		    k == 2 ? sm_err_add(err, SM_E_STORE, NULL, _("the certificate of case %lld's mark is not valid JSON: %s"), id, fix) :
		    k == 3 ? sm_err_add(err, SM_E_STORE, NULL, _("the red page of case %lld is not valid JSON: %s"), id, fix) :
		    sm_err_add(err, SM_E_STORE, NULL, _("the values of case %lld are not valid JSON: %s"), id, fix);
	}
	else if (rc != SM_DB_DONE)
		st = db_fail(&s->c, err, rc);
	sm_db_finalize(q);
	return st;
}

/* ------------------------------------------------------------ a damaged database */

/* Leave PATH.broken beside the database, for every process to see: no
 * write is taken until 'sitemark check' passes again. */
static void
mark_broken(struct conn *c, const char *why)
{
	char at[32];
	if (c->broken_flag == NULL)
		return;
	int fd = open(c->broken_flag, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0660);
	if (fd < 0)
		return;
	sm_time_format(sm_clock_now(NULL), at, sizeof(at)); /* when it was found, really */
	dprintf(fd, "%s %s\n", at, why ? why : "");
	fsync(fd);
	close(fd);
}

bool
sm_store_broken(sm_store *s, char **why)
{
	char buf[512];
	if (why)
		*why = NULL;
	if (s->c.broken_flag == NULL || access(s->c.broken_flag, F_OK) != 0)
		return false;
	FILE *f = fopen(s->c.broken_flag, "re");
	if (f != NULL && why && fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		*why = strdup(buf);
	}
	if (f)
		fclose(f);
	return true;
}

sm_status
sm_store_clear_broken(sm_store *s, sm_err *err)
{
	if (s->c.broken_flag && unlink(s->c.broken_flag) != 0 && errno != ENOENT)
		return sm_err_add(err, SM_E_IO, NULL, _("cannot remove %s: %s"), s->c.broken_flag,
		    strerror(errno));
	return SM_OK;
}

static sm_status
refuse_broken(sm_store *s, sm_err *err)
{
	return sm_err_add(err, SM_E_STORE, NULL,
	    _("%s was found damaged and takes no more changes (%s). Restore the last good backup into a new database with 'sitemark --db NEW restore BACKUP', or, once it is repaired, run 'sitemark check'"),
	    s->path, s->c.broken_flag);
}

/* ------------------------------------------------------------ backup, restore */

/* Open the database file PATH alone and check it: PRAGMA integrity_check and
 * the audit chain; *RECORDS its audit records. */
static sm_status
verify_file_as(const char *path, const char *shown, int64_t *records, sm_err *err)
{
	sm_store *c = NULL;
	sm_audit_check ac;
	sm_status st = sm_store_open(path, SM_OPEN_EXISTING, &c, err);
	if (st != SM_OK)
		return st;
	free(c->c.broken_flag); /* a copy leaves no flag beside itself */
	c->c.broken_flag = NULL;
	if ((st = sm_store_integrity(c, err)) != SM_OK) {
		sm_err_add(err, SM_E_STORE, NULL, _("%s fails SQLite's integrity check"), shown);
	} else if ((st = sm_store_audit_check(c, "", false, &ac, err)) == SM_OK &&
	    ac.broken_seq != 0) {
		st = sm_err_add(err, SM_E_STORE, NULL,
		    _("the audit log of %s is broken at record %lld"), shown, (long long)ac.broken_seq);
	}
	if (records)
		*records = st == SM_OK ? ac.count : 0;
	sm_store_close(&c);
	return st;
}

static sm_status
verify_file(const char *path, int64_t *records, sm_err *err)
{
	return verify_file_as(path, path, records, err);
}

sm_status
sm_store_backup(sm_store *s, const char *dest, int64_t *records, sm_err *err)
{
	struct stat sb;
	sm_status st;
	if (dest == NULL || *dest == '\0')
		return sm_err_add(err, SM_E_USAGE, NULL, _("no backup file given"));
	if (lstat(dest, &sb) == 0)
		return sm_err_add(err, SM_E_IO, NULL,
		    _("%s exists: a backup goes into a new file"), dest);
	if ((st = s->c.db->drv->backup(s->c.db, dest, err)) != SM_OK) {
		unlink(dest);
		return st;
	}
	if ((st = verify_file(dest, records, err)) != SM_OK) {
		sm_err_add(err, st, NULL, _("the copy %s did not verify and was removed"), dest);
		unlink(dest);
	}
	return st;
}

/* A value of a row being copied. */
struct copied {
	sm_db_type type;
	int64_t i;
	double f;
	char *s;
	size_t len; /* a blob's bytes at S */
};

/* The values a statement of the restore into a cluster carries at most
 * (dqlite 1.11 takes 255 parameters). */
#define RESTORE_PARAMS 255
/* The values a transaction of the restore carries at most, about. */
#define RESTORE_TX_BYTES (256 * 1024)

/* INSERT the N rows of NCOLS values in V into TABLE of DST, in one statement. */
static sm_db_rc
insert_rows(sm_db *dst, const char *table, int ncols, struct copied *v, int n)
{
	size_t len = strlen(table) + 40 + (size_t)n * ((size_t)ncols * 2 + 4);
	char *sql = malloc(len), *p = sql;
	sm_db_stmt *st = NULL;
	sm_db_rc rc;
	if (sql == NULL)
		return SM_DB_NOMEM;
	p += sprintf(p, "INSERT INTO \"%s\" VALUES ", table);
	for (int r = 0; r < n; r++) {
		*p++ = r ? ',' : ' ';
		*p++ = '(';
		for (int c = 0; c < ncols; c++)
			p += sprintf(p, c ? ",?" : "?");
		*p++ = ')';
	}
	*p = '\0';
	rc = sm_db_prepare(dst, sql, false, &st);
	free(sql);
	for (int k = 0; rc == SM_DB_OK && k < n * ncols; k++) {
		switch (v[k].type) {
		case SM_DB_INTEGER:
			rc = sm_db_bind_int64(st, k + 1, v[k].i);
			break;
		case SM_DB_FLOAT:
			rc = sm_db_bind_double(st, k + 1, v[k].f);
			break;
		case SM_DB_TEXT:
			rc = sm_db_bind_text(st, k + 1, v[k].s);
			break;
		case SM_DB_BLOB:
			rc = sm_db_bind_blob(st, k + 1, v[k].s, v[k].len);
			break;
		default:
			rc = sm_db_bind_null(st, k + 1);
			break;
		}
	}
	if (rc == SM_DB_OK && (rc = sm_db_step(st)) == SM_DB_DONE)
		rc = SM_DB_OK;
	if (st)
		sm_db_finalize(st);
	return rc;
}

static void
copied_clear(struct copied *v, int n)
{
	for (int k = 0; k < n; k++)
		free(v[k].s);
	memset(v, 0, sizeof(*v) * (size_t)n);
}

/* The rows of one transaction of the restore (NCOLS values a row), kept
 * until it commits: a cluster whose leader changes meanwhile gets them
 * again. */
struct chunk {
	struct copied *v;
	size_t rows, cap; /* rows held, room for rows */
	int ncols, per;   /* values a row, rows a statement */
};

/* Insert rows FROM.. of C (to the end, PER a statement). */
static sm_db_rc
chunk_insert(sm_db *dst, const char *table, const struct chunk *c, size_t from)
{
	sm_db_rc rc = SM_DB_OK;
	for (size_t i = from; rc == SM_DB_OK && i < c->rows; i += (size_t)c->per) {
		size_t n = c->rows - i < (size_t)c->per ? c->rows - i : (size_t)c->per;
		rc = insert_rows(dst, table, c->ncols, c->v + i * (size_t)c->ncols, (int)n);
	}
	return rc;
}

/* The rows of TABLE in DST (-1 when it cannot be read). */
static int64_t
table_rows(sm_db *dst, const char *table)
{
	char *sql = NULL;
	sm_db_stmt *st = NULL;
	int64_t n = -1;
	if (asprintf(&sql, "SELECT count(*) FROM \"%s\"", table) < 0)
		return -1;
	if (sm_db_prepare(dst, sql, false, &st) == SM_DB_OK && sm_db_step(st) == SM_DB_ROW)
		n = sm_db_column_int64(st, 0);
	sm_db_finalize(st);
	free(sql);
	return n;
}

/* Whether a step of a restore that began at T0 has tried again long
 * enough: twice the store's timeout (a cluster that finds no leader for so
 * long has lost its majority; waiting more would only keep the operator
 * waiting without a word). */
static bool
restore_gave_up(sm_db *dst, int64_t t0)
{
	int timeout = dst->drv == &sm_db_dqlite ? sm_db_dqlite_timeout(dst) : 5000;
	return sm_db_now_ms() - t0 > 2 * (int64_t)timeout;
}

/* The transaction holding C was lost (the connection or the leader went):
 * a new one with all of C, backing off, a while. */
static sm_db_rc
chunk_redo(sm_db *dst, const char *table, const struct chunk *c)
{
	sm_db_rc rc = SM_DB_RETRY;
	int wait_ms = 50;
	int64_t t0 = sm_db_now_ms();
	for (int attempt = 0; rc == SM_DB_RETRY && attempt < 20 && !restore_gave_up(dst, t0);
	     attempt++) {
		sm_db_rollback(dst);
		sm_db_back_off(wait_ms);
		if (wait_ms < 1000)
			wait_ms *= 2;
		if ((rc = sm_db_begin(dst, true)) == SM_DB_OK)
			rc = chunk_insert(dst, table, c, 0);
	}
	return rc;
}

/* Commit the transaction holding C (BASE rows of TABLE before it).  When
 * the connection or the leader went (SM_DB_RETRY), the commit may have
 * landed: the table's rows say whether; if not, the whole chunk goes again
 * in a new transaction.  Then a new transaction is begun (unless LAST). */
static sm_db_rc
chunk_commit(sm_db *dst, const char *table, const struct chunk *c, int64_t base, bool last)
{
	sm_db_rc rc = sm_db_commit(dst);
	int wait_ms = 50;
	int64_t t0 = sm_db_now_ms();
	for (int attempt = 0; rc == SM_DB_RETRY && attempt < 20 && !restore_gave_up(dst, t0);
	     attempt++) {
		sm_db_rollback(dst);
		sm_db_back_off(wait_ms);
		if (wait_ms < 1000)
			wait_ms *= 2;
		int64_t now = table_rows(dst, table);
		if (now == base + (int64_t)c->rows) {
			rc = SM_DB_OK; /* it landed */
			break;
		}
		if (now != base) {
			rc = now < 0 ? SM_DB_RETRY : SM_DB_ERROR;
			continue;
		}
		if ((rc = sm_db_begin(dst, true)) == SM_DB_OK &&
		    (rc = chunk_insert(dst, table, c, 0)) == SM_DB_OK)
			rc = sm_db_commit(dst);
	}
	if (rc == SM_DB_OK && !last)
		rc = sm_db_begin(dst, true);
	return rc;
}

/* The rows of TABLE from SRC into DST, as many to a statement as the
 * parameters allow, a transaction every 100 statements or RESTORE_TX_BYTES
 * of values, whichever comes first: each is one Raft entry, kept small.
 * (dqlite 1.11.1's "disk I/O error" on a transaction that changes many
 * pages is the driver's to avoid: PRAGMA cache_spill = OFF, sm_db_dqlite.c.)
 * A statement or commit that meets a change of leader runs the transaction
 * again (chunk_commit). */
static sm_db_rc
copy_rows(sm_db *src, sm_db *dst, const char *table, int64_t *copied_rows)
{
	char *sql = NULL;
	sm_db_stmt *st = NULL;
	struct chunk c = {0};
	int64_t base = 0;
	size_t bytes = 0, sent = 0; /* values held; rows of the chunk inserted */
	sm_db_rc rc, step = SM_DB_DONE;
	if (asprintf(&sql, "SELECT * FROM \"%s\"", table) < 0)
		return SM_DB_NOMEM;
	rc = sm_db_prepare(src, sql, false, &st);
	free(sql);
	if (rc == SM_DB_OK)
		rc = sm_db_begin(dst, true);
	while (rc == SM_DB_OK && (step = sm_db_step(st)) == SM_DB_ROW) {
		if (c.ncols == 0) {
			c.ncols = sm_db_column_count(st);
			if (c.ncols < 1 || c.ncols > RESTORE_PARAMS) {
				rc = SM_DB_ERROR;
				break;
			}
			c.per = RESTORE_PARAMS / c.ncols;
		}
		if (c.rows == c.cap) {
			size_t cap = c.cap ? c.cap * 2 : (size_t)c.per * 8;
			struct copied *v = realloc(c.v, cap * (size_t)c.ncols * sizeof(*v));
			if (v == NULL) {
				rc = SM_DB_NOMEM;
				break;
			}
			c.v = v;
			c.cap = cap;
		}
		struct copied *row = c.v + c.rows * (size_t)c.ncols;
		memset(row, 0, sizeof(*row) * (size_t)c.ncols);
		c.rows++;
		for (int k = 0; k < c.ncols && rc == SM_DB_OK; k++) {
			struct copied *x = &row[k];
			x->type = sm_db_column_type(st, k);
			if (x->type == SM_DB_INTEGER)
				x->i = sm_db_column_int64(st, k);
			else if (x->type == SM_DB_FLOAT)
				x->f = sm_db_column_double(st, k);
			else if (x->type == SM_DB_TEXT && (x->s = strdup(sm_db_column_text(st, k))) == NULL)
				rc = SM_DB_NOMEM;
			else if (x->type == SM_DB_BLOB) {
				/* an e-mail's attachment (schema 12) */
				const void *b = sm_db_column_blob(st, k, &x->len);
				if (b == NULL || (x->s = malloc(x->len ? x->len : 1)) == NULL)
					rc = SM_DB_NOMEM;
				else
					memcpy(x->s, b, x->len);
			}
			bytes += x->type == SM_DB_BLOB ? x->len + 8 : x->s ? strlen(x->s) + 8 : 8;
		}
		/* a statement's rows, or fewer when their values fill a transaction */
		if (rc != SM_DB_OK || (c.rows - sent < (size_t)c.per && bytes < RESTORE_TX_BYTES))
			continue;
		/* a statement's rows: sent now; the transaction's: committed */
		rc = chunk_insert(dst, table, &c, sent);
		sent = c.rows;
		if (rc == SM_DB_RETRY)
			rc = chunk_redo(dst, table, &c);
		if (rc == SM_DB_OK && (c.rows / (size_t)c.per >= 100 || bytes >= RESTORE_TX_BYTES) &&
		    (rc = chunk_commit(dst, table, &c, base, false)) == SM_DB_OK) {
			base += (int64_t)c.rows;
			*copied_rows += (int64_t)c.rows;
			copied_clear(c.v, c.rows * (size_t)c.ncols);
			c.rows = sent = bytes = 0;
		}
	}
	if (rc == SM_DB_OK && step != SM_DB_DONE)
		rc = step;
	if (rc == SM_DB_OK && sent < c.rows)
		rc = chunk_insert(dst, table, &c, sent);
	if (rc == SM_DB_RETRY)
		rc = chunk_redo(dst, table, &c);
	if (rc == SM_DB_OK && (rc = chunk_commit(dst, table, &c, base, true)) == SM_DB_OK)
		*copied_rows += (int64_t)c.rows;
	if (rc != SM_DB_OK)
		sm_db_rollback(dst);
	if (c.v)
		copied_clear(c.v, c.rows * (size_t)c.ncols);
	free(c.v);
	if (st)
		sm_db_finalize(st);
	return rc;
}

/* Before a transaction of the restore goes again: DST's rolled back, a
 * wait of *WAIT_MS, doubled up to a second for the next. */
static void
restore_wait(sm_db *dst, int *wait_ms)
{
	sm_db_rollback(dst);
	sm_db_back_off(*wait_ms);
	if (*wait_ms < 1000)
		*wait_ms *= 2;
}

/* A small transaction of the restore: SQL, or (SQL NULL) the schema
 * VERSION with sitemark's application id; made again after a change of
 * leader (the same again is harmless) until it goes or restore_gave_up. */
static sm_db_rc
restore_tx(sm_db *dst, const char *sql, int version)
{
	sm_db_rc rc = SM_DB_RETRY;
	int64_t t0 = sm_db_now_ms();
	for (int attempt = 0, wait_ms = 50; rc == SM_DB_RETRY && attempt < 20 &&
	     !restore_gave_up(dst, t0); attempt++) {
		if (attempt > 0)
			restore_wait(dst, &wait_ms);
		if ((rc = sm_db_begin(dst, true)) == SM_DB_OK &&
		    (rc = sql ? sm_db_exec(dst, sql) : dst->drv->schema_set(dst, version)) == SM_DB_OK)
			rc = sm_db_commit(dst);
	}
	return rc;
}

/* Whether DST's schema holds an object NAME (-1 when it cannot be read). */
static int
schema_has(sm_db *dst, const char *name)
{
	sm_db_stmt *st = NULL;
	int has = -1;
	if (sm_db_prepare(dst, "SELECT count(*) FROM sqlite_master WHERE name = ?", false, &st) ==
	    SM_DB_OK && sm_db_bind_text(st, 1, name) == SM_DB_OK && sm_db_step(st) == SM_DB_ROW)
		has = sm_db_column_int64(st, 0) > 0;
	sm_db_finalize(st);
	return has;
}

/* Each object of the schema Q selects from SRC (its name and SQL) made in
 * DST, in a transaction of its own (WHAT: the one being made): an index
 * over a million rows is built by one statement and shipped as one Raft
 * entry; all of them at once would be larger.  A change of leader
 * meanwhile: the object is made again unless it landed. */
static sm_db_rc
replay_schema(sm_db *src, sm_db *dst, const char *q, char *what, size_t whatsize)
{
	sm_db_stmt *st = NULL;
	sm_db_rc rc = sm_db_prepare(src, q, false, &st), step = SM_DB_DONE;
	while (rc == SM_DB_OK && (step = sm_db_step(st)) == SM_DB_ROW) {
		const char *name = sm_db_column_text(st, 0);
		int wait_ms = 50;
		snprintf(what, whatsize, "%s", name);
		rc = SM_DB_RETRY;
		int64_t t0 = sm_db_now_ms();
		for (int attempt = 0; rc == SM_DB_RETRY && attempt < 20 && !restore_gave_up(dst, t0);
		     attempt++) {
			if (attempt > 0) {
				restore_wait(dst, &wait_ms);
				int has = schema_has(dst, name);
				if (has > 0) {
					rc = SM_DB_OK; /* it landed */
					break;
				}
				if (has < 0)
					continue;
			}
			if ((rc = sm_db_begin(dst, true)) == SM_DB_OK &&
			    (rc = sm_db_exec(dst, sm_db_column_text(st, 1))) == SM_DB_OK)
				rc = sm_db_commit(dst);
		}
	}
	if (rc == SM_DB_OK && step != SM_DB_DONE)
		rc = step;
	if (st)
		sm_db_finalize(st);
	return rc;
}

/* The verified backup FILE into the new, empty cluster TARGET: the
 * backup's own schema (its tables, their rows, then its indexes and
 * triggers), foreign keys off while the rows go in, the schema version and
 * the application id last, so that an interrupted restore leaves a cluster
 * sitemark refuses (another program's) rather than one that looks whole. */
static sm_status
restore_cluster(const char *file, const char *target, sm_err *err)
{
	sm_db *src = NULL, *dst = NULL;
	sm_db_stmt *st = NULL;
	int sv = 0, dv = 0;
	int64_t tables = -1, rows = 0;
	sm_db_rc rc = SM_DB_OK;
	sm_status status = SM_E_STORE;
	char what[128] = "";

	if (sm_db_sqlite.open(file, false, &src, err) != SM_OK ||
	    sm_db_sqlite.schema_get(src, file, &sv, err) != SM_OK ||
	    sm_db_dqlite.open(target, true, &dst, err) != SM_OK ||
	    sm_db_dqlite.schema_get(dst, target, &dv, err) != SM_OK)
		goto out;
	if ((rc = sm_db_prepare(dst, "SELECT count(*) FROM sqlite_master", false, &st)) == SM_DB_OK &&
	    (rc = sm_db_step(st)) == SM_DB_ROW) {
		tables = sm_db_column_int64(st, 0);
		rc = SM_DB_OK;
	}
	if (st)
		sm_db_finalize(st);
	if (rc != SM_DB_OK) {
		snprintf(what, sizeof(what), "sqlite_master");
		goto failed;
	}
	if (tables != 0 || dv != 0) {
		sm_err_add(err, SM_E_STORE, NULL,
		    _("the cluster %s already holds a database: a backup is restored into a new cluster (its nodes started on empty node.data_dir directories); nothing was touched"),
		    target);
		goto out;
	}
	/* first of all, the cluster says a restore is under way: one that
	 * does not finish is told for what it is (sm_db_dqlite schema_get) */
	snprintf(what, sizeof(what), "application_id");
	char marking[64];
	snprintf(marking, sizeof(marking), "PRAGMA application_id = %d", SM_DB_RESTORING_ID);
	if ((rc = restore_tx(dst, marking, 0)) != SM_DB_OK)
		goto failed;
	snprintf(what, sizeof(what), "schema");
	if ((rc = sm_db_exec(dst, "PRAGMA foreign_keys = OFF")) != SM_DB_OK ||
	    (rc = replay_schema(src, dst,
	        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL"
	        " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid", what, sizeof(what))) != SM_DB_OK)
		goto failed;
	/* the rows, table by table; sqlite_sequence last, as the backup has it */
	if ((rc = sm_db_prepare(src,
	    "SELECT name FROM sqlite_master WHERE type = 'table'"
	    " AND (name NOT LIKE 'sqlite\\_%' ESCAPE '\\' OR name = 'sqlite_sequence')"
	    " ORDER BY name = 'sqlite_sequence', rowid", false, &st)) != SM_DB_OK)
		goto failed;
	while ((rc = sm_db_step(st)) == SM_DB_ROW) {
		const char *t = sm_db_column_text(st, 0);
		snprintf(what, sizeof(what), "%s", t);
		if (strcmp(t, "sqlite_sequence") == 0 &&
		    (rc = sm_db_exec(dst, "DELETE FROM sqlite_sequence")) != SM_DB_OK)
			break;
		if ((rc = copy_rows(src, dst, t, &rows)) != SM_DB_OK)
			break;
	}
	if (rc == SM_DB_DONE)
		rc = SM_DB_OK;
	sm_db_finalize(st);
	if (rc != SM_DB_OK)
		goto failed;
	if ((rc = replay_schema(src, dst,
	        "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger', 'view')"
	        " AND sql IS NOT NULL ORDER BY type = 'view' DESC, type = 'index' DESC, rowid",
	        what, sizeof(what))) != SM_DB_OK)
		goto failed;
	/* the version and the application id, set again (the same) after a
	 * change of leader */
	snprintf(what, sizeof(what), "schema");
	rc = restore_tx(dst, NULL, sv);
	if (rc != SM_DB_OK || (rc = sm_db_exec(dst, "PRAGMA foreign_keys = ON")) != SM_DB_OK)
		goto failed;
	status = SM_OK;
	goto out;
failed:
	sm_db_rollback(dst);
	sm_err_add(err, SM_E_STORE, NULL,
	    _("restoring into the cluster %s failed at %s (%s): start a new cluster on empty node.data_dir directories and restore again"),
	    target, what, rc == SM_DB_CORRUPT ? _("binary data sitemark does not write") : sm_db_errmsg(dst));
out:
	if (src)
		sm_db_close(src);
	if (dst)
		sm_db_close(dst);
	return status;
}

char *
sm_store_private_copy(const char *file, const char *near, sm_err *err)
{
	char *dir = strdup(near ? near : "."), *path = NULL;
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (dir == NULL || asprintf(&path, "%s/.sitemark-restore-XXXXXX",
	    slash == NULL ? "." : slash == dir ? "" : (*slash = '\0', dir)) < 0) {
		free(dir);
		sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		return NULL;
	}
	free(dir);
	int in = open(file, O_RDONLY | O_CLOEXEC);
	int out = in < 0 ? -1 : mkostemp(path, O_CLOEXEC); /* 0600 */
	bool ok = in >= 0 && out >= 0;
	char buf[1 << 16];
	ssize_t k;
	while (ok && (k = read(in, buf, sizeof(buf))) != 0) {
		if (k < 0 || write(out, buf, (size_t)k) != k)
			ok = false;
	}
	int e = errno;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		ok = false;
	if (!ok) {
		if (out >= 0)
			unlink(path);
		sm_err_add(err, SM_E_IO, NULL, _("cannot copy the backup %s to read it: %s"), file,
		    strerror(e ? e : EIO));
		free(path);
		return NULL;
	}
	return path;
}

void
sm_store_private_copy_drop(const char *copy)
{
	static const char *const side[] = {"", "-journal", "-wal", "-shm", ".broken"};
	for (size_t i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		char *p = NULL;
		if (asprintf(&p, "%s%s", copy, side[i]) >= 0)
			unlink(p);
		free(p);
	}
}

sm_status
sm_store_restore(const char *file, const char *dest, bool replace, int64_t *records, sm_err *err)
{
	return sm_store_restore_as(file, file, dest, replace, records, err);
}

sm_status
sm_store_restore_as(const char *file, const char *shown, const char *dest, bool replace,
                    int64_t *records, sm_err *err)
{
	struct stat sb;
	sm_store *src = NULL;
	sm_status st;
	char *flag = NULL;

	if (file == NULL || *file == '\0' || dest == NULL || *dest == '\0')
		return sm_err_add(err, SM_E_USAGE, NULL, _("no backup file given"));
	if (strcmp(file, dest) == 0)
		return sm_err_add(err, SM_E_USAGE, NULL,
		    _("%s is the backup itself: restore it into another database"), dest);
	if (lstat(dest, &sb) == 0 && !replace)
		return sm_err_add(err, SM_E_IO, NULL,
		    _("%s exists: restore into a new database, or say --force to replace it"), dest);
	/* replaced, it must be a database sitemark would open: one name only */
	if (stat(dest, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_nlink > 1)
		return sm_db_refuse_links(dest, (unsigned long)sb.st_nlink - 1, err);
	if ((st = verify_file_as(file, shown, NULL, err)) != SM_OK)
		return sm_err_add(err, st, NULL, _("%s is not a good backup: nothing was restored"), shown);
	if (strncmp(dest, SM_DB_DQLITE_PREFIX, strlen(SM_DB_DQLITE_PREFIX)) == 0) {
		/* a cluster (store.backend: dqlite): a new one, filled row by row */
		if ((st = restore_cluster(file, dest, err)) != SM_OK)
			return st;
		/* read back whole: a change of leader meanwhile (the cluster
		 * just took many writes) fails a read, which goes again */
		for (int attempt = 0;; attempt++) {
			sm_err *e = sm_err_new();
			if (e == NULL)
				return nomem(err);
			st = verify_file(dest, records, e);
			if (st == SM_OK || attempt == 4) {
				sm_err_merge(err, e, NULL);
				sm_err_free(&e);
				break;
			}
			sm_err_free(&e);
			sm_db_back_off(500);
		}
		if (st != SM_OK)
			sm_err_add(err, st, NULL, _("the restored database %s did not verify"), dest);
		return st;
	}
	if ((st = sm_store_open(file, SM_OPEN_EXISTING, &src, err)) != SM_OK)
		return st;
	st = src->c.db->drv->backup(src->c.db, dest, err);
	sm_store_close(&src);
	if (st == SM_OK && (st = verify_file(dest, records, err)) != SM_OK)
		sm_err_add(err, st, NULL, _("the restored database %s did not verify"), dest);
	if (st == SM_OK && asprintf(&flag, "%s.broken", dest) >= 0) {
		unlink(flag); /* the damaged database it replaces is gone */
		free(flag);
	}
	return st;
}

/* ------------------------------------------------------------ anchors */

void
sm_store_set_anchors(sm_store *s, const char *path, int every, int facility)
{
	if (path && *path) {
		char *p = strdup(path);
		if (p) {
			free(s->anchors);
			s->anchors = p;
		}
	}
	if (every > 0)
		s->anchor_every = every;
	if (facility >= -1)
		s->anchor_facility = facility;
}

const char *
sm_store_anchors_path(const sm_store *s)
{
	return s->anchors;
}

/* The head is anchored at the first record of a day later than the
 * record before it's (sm_tx_audit, anchor_commit), and every
 * audit.anchor_every records: the rule the check applies too. */
static bool
later_day(const char *at, const char *before)
{
	return at != NULL && before != NULL && before[0] != '\0' && strncmp(at, before, 10) > 0;
}

static int64_t
anchor_every(const sm_store *s)
{
	return s->anchor_every > 0 ? s->anchor_every : SM_ANCHOR_EVERY;
}

/* Whether the audit log up to record HEAD had an anchor written: it
 * reached EVERY records, or its records span more than one day. */
static bool
anchored_before(sm_store *s, int64_t head, int64_t every)
{
	char day[11] = "";
	bool crossed = false;
	if (head >= every)
		return true;
	/* fewer than EVERY records: read, as sm_tx_audit anchored them, for
	 * a record of a later day than the one before it */
	sm_db_stmt *st = stmt(&s->c, ST_AUDIT_ALL, NULL);
	while (st != NULL && !crossed && sm_db_step(st) == SM_DB_ROW) {
		sm_event e = {0};
		read_event(st, &e);
		if (e.seq > head) {
			sm_event_clear(&e);
			break;
		}
		if (later_day(e.at, day))
			crossed = true;
		if (e.at != NULL)
			snprintf(day, sizeof(day), "%s", e.at);
		sm_event_clear(&e);
	}
	if (st != NULL)
		sm_db_reset(st);
	return crossed;
}

/* After a commit that appended audit records: anchor the head when the
 * records crossed a multiple of anchor_every or began a new day.  The
 * transaction stands whatever happens here; a failure goes to syslog and
 * the next check anchors again. */
static void
anchor_commit(sm_store *s, const sm_tx *tx)
{
	int64_t n = anchor_every(s);
	bool crossed = (tx->audit_first - 1) / n != tx->audit_last / n;
	if (!crossed && !tx->audit_new_day)
		return;
	/* A missing file is started only by a log that never anchored in it
	 * yet: one that did (it crossed a multiple of anchor_every, or a day,
	 * before this transaction) lost it, and a new file would anchor a log
	 * that may have lost its tail too (sm_store_audit_check says so). */
	if (s->anchors != NULL && access(s->anchors, F_OK) != 0 && errno == ENOENT &&
	    anchored_before(s, tx->audit_first - 1, n)) {
		if (s->anchor_facility >= 0) {
			openlog("sitemark", LOG_PID, s->anchor_facility);
			syslog(s->anchor_facility | LOG_ERR,
			    "%s: the anchors file %s is missing: not started again", s->path, s->anchors);
			closelog();
		}
		return;
	}
	sm_err *e = sm_err_new();
	if (sm_anchor_append(s->anchors, s->anchor_facility, s->path, tx->audit_last, tx->audit_hash,
	    tx->audit_at, crossed ? "every" : "day", e) != SM_OK && s->anchor_facility >= 0) {
		openlog("sitemark", LOG_PID, s->anchor_facility);
		syslog(s->anchor_facility | LOG_ERR, "%s", sm_err_msg(e, 0));
		closelog();
	}
	sm_err_free(&e);
}

/* The hash a stored record should carry. */
static void
event_hash(const sm_event *e, char hash[SM_AUDIT_HASH_LEN + 1])
{
	sm_audit_rec r = {
		.seq = e->seq, .at = e->at, .actor = e->actor, .role = e->role,
		.ssh_client = e->ssh_client, .object = e->object, .object_id = e->object_id,
		.object_key = e->object_key, .action = e->action, .from_state = e->from_state,
		.to_state = e->to_state, .reason = e->reason, .values = e->values,
		.request_id = e->request_id, .prev_hash = e->prev_hash,
	};
	sm_audit_hash(&r, hash);
}

static int
anchor_cmp(const void *a, const void *b)
{
	const sm_anchor *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->line - y->line;
}

sm_status
sm_store_audit_check(sm_store *s, const char *anchors_path, bool anchor_head,
                     sm_audit_check *out, sm_err *err)
{
	const char *path = anchors_path && *anchors_path ? anchors_path : s->anchors;
	char prev[SM_AUDIT_HASH_LEN + 1] = SM_AUDIT_GENESIS;
	char hash[SM_AUDIT_HASH_LEN + 1];
	char head_at[32] = "";
	sm_anchor *a = NULL, last_written = {0};
	size_t n = 0, j = 0;
	int64_t last_good = 0;
	bool anchored_day = false;
	sm_db_stmt *st;
	sm_db_rc rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->anchors_path, sizeof(out->anchors_path), "%s", path ? path : "");
	/* A file named on the command line must exist: a name mistyped would
	 * find no anchor to disagree with, and start a new file anchoring
	 * whatever the log is now. */
	bool missing = path != NULL && access(path, F_OK) != 0 && errno == ENOENT;
	if (missing && anchors_path != NULL && *anchors_path != '\0')
		return sm_err_add(err, SM_E_NOTFOUND, "anchors",
		    _("there is no anchors file %s: check its name (a new anchors file is started only by creating it empty)"),
		    path);
	if (sm_anchor_load(path, &a, &n, err) != SM_OK)
		return SM_E_INVALID;
	out->anchors = n;
	if (n > 0)
		last_written = a[n - 1];
	qsort(a, n, sizeof(*a), anchor_cmp);
	if ((st = stmt(&s->c, ST_AUDIT_ALL, err)) == NULL ||
	    db_ok(&s->c, sm_db_begin(s->c.db, false), err) != SM_OK) {
		free(a);
		return SM_E_STORE;
	}
	while ((rc = sm_db_step(st)) == SM_DB_ROW) {
		sm_event e = {0};
		read_event(st, &e);
		event_hash(&e, hash);
		out->count++;
		if (e.seq != out->head_seq + 1 || e.prev_hash == NULL || strcmp(e.prev_hash, prev) != 0 ||
		    e.hash == NULL || strcmp(e.hash, hash) != 0 || sm_db_column_int64(st, 16) != 1) {
			out->broken_seq = e.seq;
			sm_event_clear(&e);
			break;
		}
		memcpy(prev, e.hash, sizeof(prev));
		/* the first record of a new day was anchored (sm_tx_audit) */
		if (later_day(e.at, head_at))
			anchored_day = true;
		snprintf(head_at, sizeof(head_at), "%s", e.at ? e.at : "");
		out->head_seq = e.seq;
		for (; j < n && a[j].seq <= e.seq; j++) {
			if (a[j].seq < e.seq || out->anchor_seq != 0)
				continue;
			if (strcmp(a[j].hash, e.hash) == 0) {
				last_good = e.seq;
				continue;
			}
			out->anchor_seq = e.seq;
			snprintf(out->anchor_at, sizeof(out->anchor_at), "%s", a[j].at);
			out->first_bad = last_good + 1;
		}
		sm_event_clear(&e);
	}
	sm_db_reset(st);
	sm_db_commit(s->c.db);
	if (rc != SM_DB_DONE && rc != SM_DB_ROW) {
		free(a);
		return db_fail(&s->c, err, rc);
	}
	if (out->broken_seq != 0) {
		out->first_bad = out->broken_seq;
	} else if (out->anchor_seq == 0 && j < n) {
		/* an anchor beyond the last record: the tail was deleted */
		out->anchor_seq = a[j].seq;
		snprintf(out->anchor_at, sizeof(out->anchor_at), "%s", a[j].at);
		out->tail_deleted = true;
		out->first_bad = out->head_seq + 1;
	}
	free(a);
	/* A log that crossed a multiple of audit.anchor_every or a day
	 * anchored in the file (anchor_commit), so with no file it lost it
	 * (deleted, or the database moved without it): said, not started again
	 * over a log that may have lost its tail. */
	if (missing && out->broken_seq == 0 && (out->head_seq >= anchor_every(s) || anchored_day)) {
		out->anchors_missing = true;
		return SM_OK;
	}
	if (anchor_head && out->broken_seq == 0 && out->anchor_seq == 0 && out->head_seq > 0 &&
	    (last_written.seq != out->head_seq || strcmp(last_written.hash, prev) != 0)) {
		if (sm_anchor_append(path, s->anchor_facility, s->path, out->head_seq, prev, head_at,
		    "check", err) != SM_OK)
			return SM_E_IO;
		out->anchored = true;
	}
	return SM_OK;
}

void
sm_store_set_clock(sm_store *s, const sm_clock *clock)
{
	s->clock = clock;
}

void
sm_store_now(const sm_store *s, char buf[32])
{
	sm_time_format(sm_clock_now(s->clock), buf, 32);
}

/* ------------------------------------------------------------ writing */

sm_status
sm_store_write(sm_store *s, const char *request_id, sm_write_fn fn, void *ud,
               bool *replayed, char **result, sm_err *err)
{
	return sm_store_write_digest(s, request_id, NULL, fn, ud, replayed, result, err);
}

static sm_status write_once(sm_store *s, const sm_store_actor *actor, const char *request_id,
    const char *digest, sm_write_fn fn, void *ud, bool *replayed, char **result, sm_err *err);

/* How often a transaction goes again after SM_DB_RETRY (a networked store
 * lost its connection or its leader, or met another writer), backing off
 * from about 20 ms to about 1 s, with jitter. */
#define WRITE_RETRIES 12

sm_status
sm_store_write_digest(sm_store *s, const char *request_id, const char *digest, sm_write_fn fn,
                      void *ud, bool *replayed, char **result, sm_err *err)
{
	return sm_store_write_as(s, NULL, request_id, digest, fn, ud, replayed, result, err);
}

sm_status
sm_store_write_as(sm_store *s, const sm_store_actor *actor, const char *request_id,
                  const char *digest, sm_write_fn fn, void *ud, bool *replayed, char **result,
                  sm_err *err)
{
	/* Run again whole, under the same request id: a commit that failed
	 * this way may have landed, and then the request id answers.  On a
	 * cluster not once store.timeout has passed since the write began,
	 * and a run again waits for a leader or a lock no longer than that. */
	int wait_ms = 20;
	bool networked = s->c.db->drv == &sm_db_dqlite;
	int64_t deadline = networked ? sm_db_now_ms() + sm_db_dqlite_timeout(s->c.db) : 0;
	sm_err *unsure = NULL; /* the failure of a commit that may have landed */
	s->unsure_id[0] = '\0';
	for (int attempt = 0;; attempt++) {
		sm_err *e = sm_err_new();
		if (e == NULL) {
			sm_err_free(&unsure);
			if (networked)
				sm_db_dqlite_deadline(s->c.db, 0);
			return nomem(err);
		}
		s->c.retry = s->c.unsure = false;
		sm_status st = write_once(s, actor, request_id, digest, fn, ud, replayed, result, e);
		if (s->c.unsure) {
			sm_err_free(&unsure);
			unsure = e;
			e = NULL;
		}
		if (st == SM_OK || !s->c.retry || attempt >= WRITE_RETRIES ||
		    (networked && sm_db_now_ms() >= deadline)) {
			/* a store's failure after a commit that may have landed:
			 * that is what the caller must know */
			sm_err_merge(err, unsure != NULL && st == SM_E_STORE ? unsure : e, NULL);
			if (unsure != NULL && st == SM_E_STORE)
				snprintf(s->unsure_id, sizeof(s->unsure_id), "%s", request_id);
			sm_err_free(&e);
			sm_err_free(&unsure);
			if (networked)
				sm_db_dqlite_deadline(s->c.db, 0);
			return st;
		}
		sm_err_free(&e);
		if (networked)
			sm_db_dqlite_deadline(s->c.db, deadline);
		sm_db_back_off(wait_ms);
		if (wait_ms < 1000)
			wait_ms *= 2;
	}
}

static sm_status conflict(sm_err *err, int64_t id);
static bool case_unit_at(sm_tx *tx, sm_db_stmt *st, int b, sm_case *c, sm_unit *u);
static sm_status tx_read_case(sm_tx *tx, sm_status st, const sm_case *c);
static sm_status insert_fail(struct conn *c, sm_err *err, sm_db_rc rc, const char *field,
    const char *msg);

static sm_status check_outcomes(sm_tx *tx, const sm_db_outcome *o, int k, sm_err *err);

/* Check the outcomes of the writes deferred in TX (sm_db_sync: on a
 * cluster, the round trip that sends them): the first that failed, or
 * changed other than the one row it must, is the transaction's failure. */
static sm_status
check_later(sm_tx *tx, sm_err *err)
{
	const sm_db_outcome *o = NULL;
	size_t n = 0;
	int k = tx->n_later;
	if (k == 0)
		return SM_OK;
	tx->n_later = 0;
	sm_db_rc rc = sm_db_sync(tx->c->db, &o, &n);
	if (rc != SM_DB_OK)
		return db_fail(tx->c, err, rc);
	if (n != (size_t)k)
		return sm_db_fail_detail(SM_DB_ERROR, "deferred writes and their outcomes differ", err);
	return check_outcomes(tx, o, k, err);
}

/* The outcomes O of TX's K deferred writes (tx->later): the first that
 * failed, or changed other than the one row it must, is the transaction's
 * failure. */
static sm_status
check_outcomes(sm_tx *tx, const sm_db_outcome *o, int k, sm_err *err)
{
	for (int i = 0; i < k; i++) {
		const struct later *l = &tx->later[i];
		sm_db_rc orc = (sm_db_rc)o[i].rc;
		/* a failure after which SQLite may roll the transaction back by
		 * itself, and a write after it that ran: that write stood alone
		 * (the local driver runs nothing after a failure; a cluster's
		 * leader ran the writes sent with it) */
		if (orc == SM_DB_NOMEM || orc == SM_DB_IOERR || orc == SM_DB_FULL)
			for (int j = i + 1; j < k; j++)
				if (o[j].rc == SM_DB_OK) {
					mark_broken(tx->c, "a write ran after the transaction's failure");
					break;
				}
		if (orc != SM_DB_OK) {
			if (orc == SM_DB_RETRY)
				tx->c->retry = true;
			if (orc == SM_DB_CORRUPT)
				mark_broken(tx->c, o[i].msg ? o[i].msg : "corrupt");
			if (l->kind != LATER_RUN && orc == SM_DB_UNIQUE && l->dup_msg != NULL)
				return sm_err_add(err, SM_E_DUPLICATE, l->field, "%s", l->dup_msg);
			return sm_db_fail_detail(orc, o[i].msg, err);
		}
		if (l->kind == LATER_ONE && o[i].changes != 1)
			return conflict(err, l->case_id);
	}
	return SM_OK;
}

/* Run the write ST in TX now or with the next round trip; KIND says what it
 * must have done, checked by check_later before the commit. */
static sm_status
run_later(sm_tx *tx, sm_db_stmt *st, int kind, const char *field, const char *dup_msg,
          int64_t case_id, sm_err *err)
{
	if (tx->n_later == (int)(sizeof(tx->later) / sizeof(tx->later[0]))) {
		sm_status cs = check_later(tx, err);
		if (cs != SM_OK) {
			sm_db_reset(st);
			return cs;
		}
	}
	sm_db_rc rc = sm_db_defer(st, kind == LATER_ONE ? 1 : -1);
	sm_db_reset(st);
	if (rc != SM_DB_OK)
		return insert_fail(tx->c, err, rc, field, dup_msg);
	tx->later[tx->n_later++] = (struct later){.kind = kind, .field = field, .dup_msg = dup_msg,
	    .case_id = case_id};
	return SM_OK;
}

/* The acting account as the first read of a write found it (ST_REQUEST_HEAD,
 * from its column 6 on), checked by ACTOR. */
static sm_status
check_actor(const sm_store_actor *actor, sm_db_stmt *st, sm_err *err)
{
	sm_user now = {0};
	sm_status status;
	if (sm_db_column_type(st, HEAD_USER) == SM_DB_NULL)
		return actor->check(NULL, actor->ud, err);
	cols_lost = cols_bad = 0;
	read_user_at(st, &now, HEAD_USER);
	status = cols_lost ? lost(err) : actor->check(&now, actor->ud, err);
	sm_user_clear(&now);
	return status;
}

/* Commit TX, unless one of its deferred writes failed or changed other than
 * it must: that write's failure, nothing committed.  *RC: the commit's (a
 * networked driver sends the writes with it, in one round trip). */
static sm_status
commit_later(sm_tx *tx, sm_db_rc *rc, sm_err *err)
{
	const sm_db_outcome *o = NULL;
	size_t n = 0;
	int k = tx->n_later;
	sm_status status;
	if (!sm_db_has_commit_later(tx->c->db)) {
		*rc = SM_DB_ERROR;
		if ((status = check_later(tx, err)) != SM_OK)
			return status;
		*rc = sm_db_commit(tx->c->db);
		return SM_OK;
	}
	tx->n_later = 0;
	*rc = sm_db_commit_later(tx->c->db, &o, &n);
	if (n == (size_t)k && k > 0 && (status = check_outcomes(tx, o, k, err)) != SM_OK) {
		if (*rc == SM_DB_OK || *rc == SM_DB_CORRUPT)
			mark_broken(tx->c, "committed although one of its writes failed");
		return status;
	}
	return SM_OK;
}

static sm_status
write_once(sm_store *s, const sm_store_actor *actor, const char *request_id, const char *digest,
           sm_write_fn fn, void *ud, bool *replayed, char **result, sm_err *err)
{
	sm_tx tx = {.c = &s->c, .request_id = request_id};
	sm_db_stmt *st;
	sm_status status = SM_E_STORE;
	sm_db_rc rc;

	if (replayed)
		*replayed = false;
	if (result)
		*result = NULL;
	if (request_id == NULL || *request_id == '\0')
		return sm_err_add(err, SM_E_USAGE, NULL, _("a write needs a request id"));
	if (s->c.broken_flag != NULL && access(s->c.broken_flag, F_OK) == 0)
		return refuse_broken(s, err);
	if (db_ok(tx.c, sm_db_begin(tx.c->db, true), err) != SM_OK)
		return SM_E_STORE;
	tx.trips0 = sm_store_round_trips(s);
	if ((st = stmt(tx.c, ST_REQUEST_HEAD, err)) == NULL)
		goto fail;
	bind_text(st, 1, request_id);
	bind_text(st, 2, actor ? actor->login : NULL);
	if (actor != NULL && actor->case_id > 0)
		sm_db_bind_int64(st, 3, actor->case_id);
	else
		sm_db_bind_null(st, 3);
	rc = sm_db_step(st);
	if (rc != SM_DB_ROW) {
		sm_db_reset(st);
		db_fail(tx.c, err, rc == SM_DB_DONE ? SM_DB_ERROR : rc);
		goto fail;
	}
	/* after the lock (a cluster's BEGIN goes with this read): records are
	 * stamped in the order they commit */
	sm_store_now(s, tx.now);
	/* the account still may act (a replay too): before anything else */
	if (actor != NULL && (status = check_actor(actor, st, err)) != SM_OK) {
		sm_db_reset(st);
		sm_db_rollback(tx.c->db);
		return status;
	}
	if (sm_db_column_int64(st, 2) != 0) {
		/* the same request id for another request: refused, nothing
		 * written, rather than answered with the first one's result */
		const char *was = sm_db_column_text(st, 1);
		if (!((was == NULL && digest == NULL) ||
		    (was != NULL && digest != NULL && strcmp(was, digest) == 0))) {
			sm_db_reset(st);
			sm_db_rollback(tx.c->db);
			return sm_err_add(err, SM_E_INVALID, NULL,
			    _("request id %s was already used for another request (a different case, action, user or values): nothing was written; use a new request id"),
			    request_id);
		}
		if (result)
			*result = col_str(st, 0);
		sm_db_reset(st);
		sm_db_rollback(tx.c->db);
		if (replayed)
			*replayed = true;
		return SM_OK;
	}
	tx.head_known = true;
	snprintf(tx.head_hash, sizeof(tx.head_hash), "%s", SM_AUDIT_GENESIS);
	if (sm_db_column_type(st, 3) != SM_DB_NULL) {
		const char *h = sm_db_column_text(st, 4), *at = sm_db_column_text(st, 5);
		tx.head_seq = sm_db_column_int64(st, 3);
		if (h != NULL)
			snprintf(tx.head_hash, sizeof(tx.head_hash), "%s", h);
		if (at != NULL)
			snprintf(tx.head_at, sizeof(tx.head_at), "%s", at);
	}
	/* a case and its unit as ST_CASE_UNIT would read them (one without
	 * its unit is read there again, and is not found) */
	if (actor != NULL && actor->case_id > 0 && sm_db_column_type(st, HEAD_CASE) != SM_DB_NULL &&
	    sm_db_column_type(st, HEAD_CASE + 20) != SM_DB_NULL) {
		if (!case_unit_at(&tx, st, HEAD_CASE, &tx.pre_case, &tx.pre_unit)) {
			sm_db_reset(st);
			status = nomem(err);
			goto fail;
		}
		tx.pre_id = actor->case_id;
	}
	sm_db_reset(st);
	if ((status = fn(&tx, ud, err)) != SM_OK)
		goto fail;
	status = SM_E_STORE;
	if ((st = stmt(tx.c, ST_REQUEST_PUT, err)) == NULL)
		goto fail;
	bind_text(st, 1, request_id);
	bind_text(st, 2, tx.now);
	bind_text(st, 3, tx.result);
	bind_text(st, 4, digest);
	if ((status = run_later(&tx, st, LATER_RUN, NULL, NULL, 0, err)) != SM_OK ||
	    (status = commit_later(&tx, &rc, err)) != SM_OK)
		goto fail;
	status = SM_E_STORE;
	if (rc == SM_DB_RETRY && tx.c->db->drv == &sm_db_dqlite &&
	    sm_db_dqlite_unsure(tx.c->db)) {
		tx.c->retry = tx.c->unsure = true;
		sm_err_add(err, SM_E_STORE, NULL,
		    _("the cluster did not confirm the change (%s): it may have been made or not. Look before acting again"),
		    sm_db_errmsg(tx.c->db));
		goto fail;
	}
	if (db_ok(tx.c, rc, err) != SM_OK)
		goto fail;
	s->writes++;
	s->write_trips += sm_store_round_trips(s) - tx.trips0;
	if (tx.audit_last > 0)
		anchor_commit(s, &tx);
	if (result)
		*result = tx.result;
	else
		free(tx.result);
	free(tx.read_domain);
	free(tx.owned_ace);
	sm_case_clear(&tx.pre_case);
	sm_unit_clear(&tx.pre_unit);
	return SM_OK;

fail:
	sm_db_rollback(tx.c->db);
	free(tx.result);
	free(tx.read_domain);
	free(tx.owned_ace);
	sm_case_clear(&tx.pre_case);
	sm_unit_clear(&tx.pre_unit);
	return status;
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

/* Map a UNIQUE or PRIMARY KEY constraint failure to a duplicate; other
 * failures (other constraints too) to what they are. */
static sm_status
insert_fail(struct conn *c, sm_err *err, sm_db_rc rc, const char *field, const char *msg)
{
	if (rc == SM_DB_UNIQUE && msg != NULL)
		return sm_err_add(err, SM_E_DUPLICATE, field, "%s", msg);
	return db_fail(c, err, rc);
}

static sm_status
run_insert(struct conn *c, sm_db_stmt *st, const char *field, const char *dup_msg, sm_err *err)
{
	sm_db_rc rc = sm_db_step(st);
	sm_db_reset(st);
	if (rc != SM_DB_DONE)
		return insert_fail(c, err, rc, field, dup_msg);
	return SM_OK;
}

sm_status
sm_tx_office_insert(sm_tx *tx, const sm_office *o, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_OFFICE_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, o->code);
	bind_text(st, 2, o->name);
	return run_insert(tx->c, st, "code", _("an office with this code already exists"), err);
}

sm_status
sm_tx_user_insert(sm_tx *tx, const sm_user *u, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_USER_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, u->login);
	bind_text(st, 2, u->role != SM_ROLE_NONE ? sm_role_name(u->role) : "none");
	bind_text(st, 3, u->office);
	if (u->unit > 0)
		sm_db_bind_int64(st, 4, u->unit);
	bind_text(st, 5, u->name);
	bind_text(st, 6, u->mobile);
	bind_text(st, 7, u->email);
	bind_text(st, 8, tx->now);
	if (u->asked_role != SM_ROLE_NONE)
		bind_text(st, 9, sm_role_name(u->asked_role));
	bind_text(st, 10, u->asked_office);
	if (u->asked_unit > 0)
		sm_db_bind_int64(st, 11, u->asked_unit);
	return run_insert(tx->c, st, "login", _("a user with this login already exists"), err);
}

sm_status
sm_tx_user_set_unit(sm_tx *tx, const char *login, int64_t unit, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_USER_SET_UNIT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, login);
	sm_db_bind_int64(st, 2, unit);
	if (run(tx->c, st, err) != SM_OK)
		return SM_E_STORE;
	if (sm_db_changes(tx->c->db) != 1)
		return sm_err_add(err, SM_E_NOTFOUND, "login",
		    _("no unit operator with login %s"), login);
	return SM_OK;
}

sm_status
sm_tx_unit_insert(sm_tx *tx, const sm_unit *u, int64_t *id, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_UNIT_INSERT, err);
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
	sm_status status = run_insert(tx->c, st, "uscc",
	    _("a unit with this unified social credit code is already registered"), err);
	if (status == SM_OK && id)
		*id = sm_db_last_insert_id(tx->c->db);
	return status;
}

sm_status
sm_tx_unit_get(sm_tx *tx, int64_t id, sm_unit *out, sm_err *err)
{
	return unit_get(tx->c, id, out, err);
}

sm_status
sm_tx_unit_update(sm_tx *tx, int64_t id, int64_t expect_version, const json_t *values,
                  sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_UNIT_UPDATE, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, id);
	sm_db_bind_int64(st, 2, expect_version);
	bind_json(st, 3, values);
	sm_db_rc rc = sm_db_step(st);
	sm_db_reset(st);
	if (rc != SM_DB_DONE)
		return db_fail(tx->c, err, rc);
	if (sm_db_changes(tx->c->db) != 1)
		return sm_err_add(err, SM_E_CONFLICT, NULL,
		    _("unit %lld was changed by someone else first: nothing was written; look at it again"),
		    (long long)id);
	return SM_OK;
}

/* A case and its unit from CASE_UNIT_COLUMNS at column B of the row ST is
 * on, into C and U (false: a value stored but not parsed, out of memory). */
static bool
case_unit_at(sm_tx *tx, sm_db_stmt *st, int b, sm_case *c, sm_unit *u)
{
	read_case_at(st, c, b);
	read_unit_at(st, u, b + 20);
	/* sm_tx_domain_owned answers for this case's domain from here */
	free(tx->owned_ace);
	tx->owned_ace = c->domain ? strdup(c->domain) : NULL;
	tx->owned_unit = c->unit;
	tx->owned = sm_db_column_int64(st, b + 31) != 0;
	return !((c->values == NULL && sm_db_column_type(st, b + 8) != SM_DB_NULL) ||
	    (c->hints == NULL && sm_db_column_type(st, b + 9) != SM_DB_NULL) ||
	    (u->values == NULL && sm_db_column_type(st, b + 27) != SM_DB_NULL));
}

sm_status
sm_tx_case_unit(sm_tx *tx, int64_t id, sm_case *c, sm_unit *u, sm_err *err)
{
	if (tx->pre_id != 0 && tx->pre_id == id) {
		/* read with the request id, under the same lock: no trip */
		tx->pre_id = 0;
		*c = tx->pre_case;
		*u = tx->pre_unit;
		tx->pre_case = (sm_case){0};
		tx->pre_unit = (sm_unit){0};
		return tx_read_case(tx, SM_OK, c);
	}
	sm_db_stmt *st = stmt(tx->c, ST_CASE_UNIT, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, id);
	sm_db_rc rc = sm_db_step(st);
	bool lost = false;
	if (rc == SM_DB_ROW)
		lost = !case_unit_at(tx, st, 0, c, u);
	sm_db_reset(st);
	if (rc == SM_DB_DONE)
		return SM_E_NOTFOUND;
	if (rc != SM_DB_ROW)
		return db_fail(tx->c, err, rc);
	if (lost) {
		sm_case_clear(c);
		sm_unit_clear(u);
		return nomem(err);
	}
	return tx_read_case(tx, SM_OK, c);
}

/* Remember the case C read in TX (its domain, for sm_tx_case_update). */
static sm_status
tx_read_case(sm_tx *tx, sm_status st, const sm_case *c)
{
	if (st != SM_OK)
		return st;
	free(tx->read_domain);
	tx->read_domain = NULL;
	tx->read_case = 0;
	if (c->domain != NULL && (tx->read_domain = strdup(c->domain)) == NULL)
		return SM_OK; /* unknown: the update tries both */
	tx->read_case = c->id;
	return SM_OK;
}

sm_status
sm_tx_case_get(sm_tx *tx, int64_t id, sm_case *out, sm_err *err)
{
	return tx_read_case(tx, case_get(tx->c, id, out, err), out);
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
	sm_db_stmt *st = stmt(tx->c, ST_CASE_SET_STATE, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, c->id);
	sm_db_bind_int64(st, 2, expect_version);
	bind_text(st, 3, sm_state_name(c->state));
	bind_text(st, 4, c->submitted_by);
	bind_text(st, 5, c->due);
	bind_text(st, 6, c->due_kind);
	sm_db_bind_int64(st, 7, c->due_uncertain);
	bind_text(st, 8, tx->now);
	return run_later(tx, st, LATER_ONE, "domain",
	    _("the unit already has an open case of this kind for this domain"), c->id, err);
}

sm_status
sm_tx_case_insert(sm_tx *tx, const sm_case *c, int64_t *id, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_CASE_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, sm_kind_name(c->kind));
	sm_db_bind_int64(st, 2, c->unit);
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
	sm_db_bind_int64(st, 13, c->due_uncertain);
	bind_text(st, 14, tx->now);
	sm_status status = run_insert(tx->c, st, "domain",
	    _("the unit already has an open case of this kind for this domain"), err);
	if (status == SM_OK && id)
		*id = sm_db_last_insert_id(tx->c->db);
	return status;
}

sm_status
sm_tx_case_update(sm_tx *tx, const sm_case *c, int64_t expect_version, sm_err *err)
{
	/* First as if the domain stays; when no row matched (the domain changed,
	 * or the version did), write everything. */
	static const enum stmt_id tries[] = {ST_CASE_UPDATE_SAME_DOMAIN, ST_CASE_UPDATE};
	/* the case was read in this transaction, under its lock: its domain
	 * says which fits, and the statement goes with the next round trip */
	size_t only = tx->read_case != c->id ? 2 :
	    ((tx->read_domain == NULL && c->domain == NULL) ||
	    (tx->read_domain != NULL && c->domain != NULL && strcmp(tx->read_domain, c->domain) == 0)) ?
	    0 : 1;
	for (size_t i = only < 2 ? only : 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		sm_db_stmt *st = stmt(tx->c, tries[i], err);
		if (st == NULL)
			return SM_E_STORE;
		sm_db_bind_int64(st, 1, c->id);
		sm_db_bind_int64(st, 2, expect_version);
		bind_text(st, 3, sm_state_name(c->state));
		bind_text(st, 4, c->domain);
		bind_text(st, 5, c->domain_unicode);
		bind_json(st, 6, c->values);
		bind_json(st, 7, c->hints);
		bind_text(st, 8, c->submitted_by);
		bind_text(st, 9, c->due);
		bind_text(st, 10, c->due_kind);
		sm_db_bind_int64(st, 11, c->due_uncertain);
		bind_text(st, 12, tx->now);
		if (only < 2) {
			tx->read_case = 0; /* a second update in this transaction tries both */
			return run_later(tx, st, LATER_ONE, "domain",
			    _("the unit already has an open case of this kind for this domain"), c->id,
			    err);
		}
		sm_status status = run_insert(tx->c, st, "domain",
		    _("the unit already has an open case of this kind for this domain"), err);
		if (status != SM_OK)
			return status;
		if (sm_db_changes(tx->c->db) == 1)
			return SM_OK;
	}
	return conflict(err, c->id);
}

static sm_status
query_bool(struct conn *c, sm_db_stmt *st, bool *out, sm_err *err)
{
	sm_db_rc rc = sm_db_step(st);
	if (rc == SM_DB_ROW) {
		*out = (int)sm_db_column_int64(st, 0) != 0;
		sm_db_reset(st);
		return SM_OK;
	}
	sm_db_reset(st);
	return db_fail(c, err, rc);
}

sm_status
sm_tx_domain_taken(sm_tx *tx, const char *ace, int64_t exclude_case, bool *taken, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_DOMAIN_TAKEN, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, ace);
	sm_db_bind_int64(st, 2, exclude_case);
	return query_bool(tx->c, st, taken, err);
}

sm_status
sm_tx_domain_owned(sm_tx *tx, const char *ace, int64_t unit, bool *owned, sm_err *err)
{
	if (tx->owned_ace != NULL && ace != NULL && unit == tx->owned_unit &&
	    strcmp(ace, tx->owned_ace) == 0) {
		*owned = tx->owned;
		return SM_OK;
	}
	sm_db_stmt *st = stmt(tx->c, ST_DOMAIN_OWNED, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, ace);
	sm_db_bind_int64(st, 2, unit);
	return query_bool(tx->c, st, owned, err);
}

sm_status
sm_tx_domain_register(sm_tx *tx, const char *ace, const char *unicode, int64_t unit,
                      int64_t case_id, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_DOMAIN_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	free(tx->owned_ace); /* the domains change: ask again */
	tx->owned_ace = NULL;
	bind_text(st, 1, ace);
	bind_text(st, 2, unicode);
	sm_db_bind_int64(st, 3, unit);
	sm_db_bind_int64(st, 4, case_id);
	bind_text(st, 5, tx->now);
	return run_insert(tx->c, st, "domain", _("the domain is already registered"), err);
}

static sm_status
query_int64(struct conn *c, sm_db_stmt *st, int64_t *out, sm_err *err)
{
	sm_db_rc rc = sm_db_step(st);
	if (rc == SM_DB_ROW) {
		*out = sm_db_column_int64(st, 0);
		sm_db_reset(st);
		return SM_OK;
	}
	sm_db_reset(st);
	if (rc == SM_DB_DONE)
		return SM_E_NOTFOUND;
	return db_fail(c, err, rc);
}

sm_status
sm_tx_mark_next(sm_tx *tx, int64_t unit, int *unit_seq, int64_t *cert_serial, sm_err *err)
{
	sm_db_stmt *st;
	int64_t v = 0;

	if ((st = stmt(tx->c, ST_MARK_SEQ, err)) == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, unit);
	if (run(tx->c, st, err) != SM_OK)
		return SM_E_STORE;
	if ((st = stmt(tx->c, ST_MARK_SEQ_GET, err)) == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, unit);
	if (query_int64(tx->c, st, &v, err) != SM_OK)
		return sm_err_add(err, SM_E_NOTFOUND, NULL, _("no unit %lld"), (long long)unit);
	*unit_seq = (int)v;
	if ((st = stmt(tx->c, ST_COUNTER_BUMP, err)) == NULL)
		return SM_E_STORE;
	bind_text(st, 1, "certificate");
	if (run(tx->c, st, err) != SM_OK)
		return SM_E_STORE;
	if ((st = stmt(tx->c, ST_COUNTER_GET, err)) == NULL)
		return SM_E_STORE;
	bind_text(st, 1, "certificate");
	if (query_int64(tx->c, st, cert_serial, err) != SM_OK)
		return SM_E_STORE;
	return SM_OK;
}

sm_status
sm_tx_mark_insert(sm_tx *tx, const sm_mark *m, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_MARK_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, m->case_id);
	sm_db_bind_int64(st, 2, m->unit);
	bind_text(st, 3, m->code);
	bind_text(st, 4, m->guid);
	bind_text(st, 5, m->cert_no);
	bind_text(st, 6, m->color);
	bind_text(st, 7, m->snippet);
	bind_text(st, 8, tx->now);
	bind_text(st, 9, m->hang_due);
	bind_json(st, 10, m->certificate);
	return run_insert(tx->c, st, NULL, _("this case already has a mark, or the mark code is taken"),
	    err);
}

sm_status
sm_tx_audit(sm_tx *tx, const sm_event *e, sm_err *err)
{
	sm_db_stmt *st = NULL;
	char prev[SM_AUDIT_HASH_LEN + 1] = SM_AUDIT_GENESIS;
	char hash[SM_AUDIT_HASH_LEN + 1];
	int64_t seq = 1;
	sm_db_rc rc = SM_DB_DONE;

	if (tx->head_known) {
		seq = tx->head_seq + 1;
		snprintf(prev, sizeof(prev), "%s", tx->head_hash);
		/* the first record of a new day is anchored */
		if (later_day(tx->now, tx->head_at))
			tx->audit_new_day = true;
	} else if ((st = stmt(tx->c, ST_AUDIT_LAST, err)) == NULL)
		return SM_E_STORE;
	else if ((rc = sm_db_step(st)) == SM_DB_ROW) {
		const char *h = sm_db_column_text(st, 1);
		const char *at = sm_db_column_text(st, 2);
		seq = sm_db_column_int64(st, 0) + 1;
		if (h != NULL)
			snprintf(prev, sizeof(prev), "%s", h);
		/* the first record of a new day is anchored */
		if (later_day(tx->now, at))
			tx->audit_new_day = true;
	} else if (rc != SM_DB_DONE) {
		sm_db_reset(st);
		return db_fail(tx->c, err, rc);
	}
	if (st != NULL)
		sm_db_reset(st);

	sm_audit_rec r = {
		.seq = seq, .at = tx->now, .actor = e->actor, .role = e->role,
		.ssh_client = e->ssh_client, .object = e->object, .object_id = e->object_id,
		.object_key = e->object_key, .action = e->action, .from_state = e->from_state,
		.to_state = e->to_state, .reason = e->reason, .values = e->values,
		.request_id = tx->request_id, .prev_hash = prev,
	};
	sm_audit_hash(&r, hash);
	if ((st = stmt(tx->c, ST_AUDIT_INSERT, err)) == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, seq);
	bind_text(st, 2, r.at);
	bind_text(st, 3, r.actor);
	bind_text(st, 4, r.role);
	bind_text(st, 5, r.ssh_client);
	bind_text(st, 6, r.object);
	sm_db_bind_int64(st, 7, r.object_id);
	bind_text(st, 8, r.object_key);
	bind_text(st, 9, r.action);
	bind_text(st, 10, r.from_state);
	bind_text(st, 11, r.to_state);
	bind_text(st, 12, r.reason);
	bind_text(st, 13, r.values);
	bind_text(st, 14, r.request_id);
	bind_text(st, 15, prev);
	bind_text(st, 16, hash);
	sm_status rs = run_later(tx, st, LATER_RUN, NULL, NULL, 0, err);
	if (rs != SM_OK)
		return rs;
	if (tx->head_known) {
		tx->head_seq = seq;
		memcpy(tx->head_hash, hash, sizeof(tx->head_hash));
		snprintf(tx->head_at, sizeof(tx->head_at), "%s", tx->now);
	}
	if (tx->audit_first == 0)
		tx->audit_first = seq;
	tx->audit_last = seq;
	memcpy(tx->audit_hash, hash, sizeof(tx->audit_hash));
	snprintf(tx->audit_at, sizeof(tx->audit_at), "%s", tx->now);
	return SM_OK;
}

/* The columns ?2.. of ST_NOTICE_INSERT and ST_NOTICE_ONCE from N. */
static void
bind_notice(sm_tx *tx, sm_db_stmt *st, const sm_notice *n)
{
	if (n->case_id > 0)
		sm_db_bind_int64(st, 2, n->case_id);
	bind_text(st, 3, n->event);
	bind_text(st, 4, n->channel);
	bind_text(st, 5, n->recipient);
	bind_text(st, 6, n->subject);
	bind_text(st, 7, n->body);
	bind_text(st, 8, tx->now);
	bind_text(st, 9, n->status);
	bind_text(st, 10, n->last_error);
	bind_text(st, 11, n->name);
	bind_text(st, 12, n->attachment);
	/* a notice never to be sent keeps no bytes */
	if (n->attachment_data && !(n->status && strcmp(n->status, "refused") == 0) &&
	    sm_db_bind_blob(st, 13, n->attachment_data, n->attachment_len) != SM_DB_OK)
		sm_db_bind_failed(st, SM_DB_NOMEM);
}

sm_status
sm_tx_notice(sm_tx *tx, const sm_notice *n, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_NOTICE_INSERT, err);
	char *msg_id = NULL;
	if (st == NULL)
		return SM_E_STORE;
	/* The whole request id: a truncated one could repeat another's. */
	if (asprintf(&msg_id, "%s:%d", tx->request_id, ++tx->n_notices) < 0)
		return nomem(err);
	sm_db_bind_text_owned(st, 1, msg_id);
	bind_notice(tx, st, n);
	return run_later(tx, st, LATER_RUN, NULL, NULL, 0, err);
}

sm_status
sm_tx_notice_once(sm_tx *tx, const char *key, const sm_notice *n, bool *added, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_NOTICE_ONCE, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, key);
	bind_notice(tx, st, n);
	sm_status rs = run(tx->c, st, err);
	if (rs == SM_OK && added)
		*added = sm_db_changes(tx->c->db) > 0;
	return rs;
}

sm_status
sm_tx_notice_done(sm_tx *tx, int64_t id, const char *status, const char *error,
                  const char *next_at, bool *changed, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_NOTICE_DONE, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, id);
	bind_text(st, 2, status);
	bind_text(st, 3, error);
	bind_text(st, 4, next_at);
	bind_text(st, 5, strcmp(status, "sent") == 0 ? tx->now : NULL);
	sm_status rs = run(tx->c, st, err);
	if (rs == SM_OK && changed)
		*changed = sm_db_changes(tx->c->db) > 0;
	return rs;
}

sm_status
sm_tx_note_insert(sm_tx *tx, const sm_note *n, int64_t *id, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_NOTE_INSERT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, n->object);
	sm_db_bind_int64(st, 2, n->object_id);
	bind_text(st, 3, n->author);
	bind_text(st, 4, tx->now);
	bind_text(st, 5, n->text);
	if (run(tx->c, st, err) != SM_OK)
		return SM_E_STORE;
	if (id)
		*id = sm_db_last_insert_id(tx->c->db);
	return SM_OK;
}

/* ------------------------------------------------------------ reading */

sm_status
sm_store_office_get(sm_store *s, const char *code, sm_office *out, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_OFFICE_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, code);
	return get_one(&s->c, st, READER(read_office, sm_office), CLEARER(sm_office_clear), out, err);
}

sm_status
sm_store_office_list(sm_store *s, sm_office **out, size_t *n, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_OFFICE_LIST, err);
	if (st == NULL)
		return SM_E_STORE;
	return get_all(&s->c, st, READER(read_office, sm_office), sizeof(sm_office),
	    CLEARER(sm_office_clear), (void **)out, n, err);
}

sm_status
sm_store_user_get(sm_store *s, const char *login, sm_user *out, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_USER_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, login);
	return get_one(&s->c, st, READER(read_user, sm_user), CLEARER(sm_user_clear), out, err);
}

sm_status
sm_store_user_list(sm_store *s, sm_role role, sm_user **out, size_t *n, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, role != SM_ROLE_NONE ? ST_USER_LIST_ROLE : ST_USER_LIST, err);
	if (st == NULL)
		return SM_E_STORE;
	if (role != SM_ROLE_NONE)
		bind_text(st, 1, sm_role_name(role));
	return get_all(&s->c, st, READER(read_user, sm_user), sizeof(sm_user),
	    CLEARER(sm_user_clear), (void **)out, n, err);
}

static sm_status
policy_list(struct conn *c, sm_policy_row **out, size_t *n, sm_err *err)
{
	sm_db_stmt *st = stmt(c, ST_POLICY_LIST, err);
	if (st == NULL)
		return SM_E_STORE;
	return get_all(c, st, READER(read_policy, sm_policy_row), sizeof(sm_policy_row),
	    CLEARER(sm_policy_row_clear), (void **)out, n, err);
}

sm_status
sm_store_policy_list(sm_store *s, sm_policy_row **out, size_t *n, sm_err *err)
{
	return policy_list(&s->c, out, n, err);
}

sm_status
sm_tx_policy_list(sm_tx *tx, sm_policy_row **out, size_t *n, sm_err *err)
{
	return policy_list(tx->c, out, n, err);
}

sm_status
sm_tx_policy_set(sm_tx *tx, const char *key, const char *value, const char *login, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_POLICY_SET, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, key);
	bind_text(st, 2, value);
	bind_text(st, 3, login);
	bind_text(st, 4, tx->now);
	return run(tx->c, st, err) == SM_OK ? SM_OK : SM_E_STORE;
}

size_t
sm_store_user_count(sm_store *s)
{
	sm_db_stmt *st = stmt(&s->c, ST_USER_COUNT, NULL);
	int64_t v = 0;
	if (st == NULL || query_int64(&s->c, st, &v, NULL) != SM_OK)
		return 0;
	return (size_t)v;
}

static sm_status
unit_get(struct conn *c, int64_t id, sm_unit *out, sm_err *err)
{
	sm_db_stmt *st = stmt(c, ST_UNIT_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, id);
	return get_one(c, st, READER(read_unit, sm_unit), CLEARER(sm_unit_clear), out, err);
}

sm_status
sm_store_unit_get(sm_store *s, int64_t id, sm_unit *out, sm_err *err)
{
	return unit_get(&s->c, id, out, err);
}

sm_status
sm_store_unit_search(sm_store *s, const char *text, bool no_mobile, size_t limit, sm_unit **out,
                     size_t *n, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, no_mobile ? ST_UNIT_SEARCH_MASKED : ST_UNIT_SEARCH, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, text);
	sm_db_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	return get_all(&s->c, st, READER(read_unit, sm_unit), sizeof(sm_unit),
	    CLEARER(sm_unit_clear), (void **)out, n, err);
}

sm_status
sm_store_unit_domains(sm_store *s, int64_t unit, const char *tld_ace, char ***ace,
                      char ***unicode, size_t *n, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, tld_ace ? ST_UNIT_DOMAINS_TLD : ST_UNIT_DOMAINS, err);
	char **a = NULL, **u = NULL;
	size_t len = 0;
	sm_db_rc rc;

	*ace = NULL;
	if (unicode)
		*unicode = NULL;
	*n = 0;
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, unit);
	if (tld_ace)
		bind_text(st, 2, tld_ace);
	while ((rc = sm_db_step(st)) == SM_DB_ROW) {
		char **na = realloc(a, (len + 1) * sizeof(*a));
		if (na)
			a = na;
		char **nu = realloc(u, (len + 1) * sizeof(*u));
		if (nu)
			u = nu;
		if (na == NULL || nu == NULL) {
			rc = SM_DB_NOMEM;
			break;
		}
		a[len] = col_str(st, 0);
		u[len] = col_str(st, 1);
		len++;
	}
	sm_db_reset(st);
	if (rc != SM_DB_DONE) {
		for (size_t i = 0; i < len; i++) {
			free(a[i]);
			free(u[i]);
		}
		free(a);
		free(u);
		return db_fail(&s->c, err, rc);
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

static sm_status
case_get(struct conn *c, int64_t id, sm_case *out, sm_err *err)
{
	sm_db_stmt *st = stmt(c, ST_CASE_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, id);
	return get_one(c, st, READER(read_case, sm_case), CLEARER(sm_case_clear), out, err);
}

sm_status
sm_store_case_get(sm_store *s, int64_t id, sm_case *out, sm_err *err)
{
	return case_get(&s->c, id, out, err);
}

/* Statement ID sent ahead on S's connection, bound to TEXT (when not
 * NULL) and I (when not -1), in that order. */
static void
ahead(sm_store *s, enum stmt_id id, const char *text, int64_t i)
{
	sm_db_stmt *st = stmt(&s->c, id, NULL);
	int n = 1;
	if (st == NULL)
		return;
	if (text != NULL)
		sm_db_bind_text(st, n++, text);
	if (i != -1)
		sm_db_bind_int64(st, n, i);
	sm_db_ahead(st);
}

void
sm_store_ahead_case(sm_store *s, const char *login, int64_t id)
{
	if (!sm_db_has_ahead(s->c.db))
		return;
	if (login != NULL)
		ahead(s, ST_USER_GET, login, -1);
	if (id > 0)
		ahead(s, ST_CASE_GET, NULL, id);
}

void
sm_store_ahead_case_detail(sm_store *s, const sm_case *c, bool notes)
{
	if (!sm_db_has_ahead(s->c.db))
		return;
	ahead(s, ST_UNIT_GET, NULL, c->unit);
	if (c->office != NULL)
		ahead(s, ST_OFFICE_GET, c->office, -1);
	ahead(s, ST_MARK_GET, NULL, c->id);
	ahead(s, ST_MARK_CHECK_LATEST, NULL, c->id);
	ahead(s, ST_AUDIT_CASE, NULL, c->id);
	ahead(s, ST_NOTICE_LIST, NULL, c->id);
	if (notes)
		ahead(s, ST_NOTE_LIST, "case", c->id);
}

void
sm_store_ahead_end(sm_store *s)
{
	sm_db_ahead_end(s->c.db);
}

/* Which filters are set, as bits; each combination has its own statement. */
enum {
	F_STATE = 1, F_KIND = 2, F_OFFICE = 4, F_UNIT = 8, F_TEXT = 16, F_ACTED = 32,
	F_DUE = 64, F_LIMIT = 128, F_DUE_BEFORE = 256,
	F_EXACT = 512, /* with F_TEXT: the text is a code or number, matched exactly */
	F_NO_MOBILE = 1024 /* with F_EXACT: not against mobiles (the user sees them masked) */
};

/* Whether TEXT is a mark code (CA and 21 digits), a certificate number (14
 * digits), a mobile (11 digits from 1) or a case number: then it is looked
 * up exactly, through indexes, not searched for in names. */
static bool
text_is_exact(const char *t)
{
	size_t n = strlen(t), d;
	if ((t[0] == 'C' || t[0] == 'c') && (t[1] == 'A' || t[1] == 'a')) {
		for (d = 2; t[d] >= '0' && t[d] <= '9'; d++)
			;
		return d == n && n == 23;
	}
	for (d = 0; t[d] >= '0' && t[d] <= '9'; d++)
		;
	return d == n && (n == 14 || (n == 11 && t[0] == '1'));
}

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
		m |= F_TEXT | (text_is_exact(f->text) ? F_EXACT | (f->no_mobile ? F_NO_MOBILE : 0) : 0);
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
static sm_db_stmt *
filter_stmt(struct conn *c, unsigned mask, int count, sm_err *err)
{
	for (size_t i = 0; i < c->n_filters; i++)
		if (c->filters[i].mask == mask && c->filters[i].count == count) {
			sm_db_reset(c->filters[i].st);
			return c->filters[i].st;
		}
	char where[1024], sql[2048];
	size_t len = 0;
	where[0] = '\0';
	if (mask & F_STATE)
		len += (size_t)snprintf(where + len, sizeof(where) - len,
		    " AND c.state IN (SELECT value FROM json_each(?1))");
	if (mask & F_KIND)
		len += (size_t)snprintf(where + len, sizeof(where) - len, " AND c.kind = ?2");
	if (mask & F_OFFICE)
		len += (size_t)snprintf(where + len, sizeof(where) - len, " AND c.office = ?3");
	if (mask & F_UNIT)
		len += (size_t)snprintf(where + len, sizeof(where) - len, " AND c.unit = ?4");
	if ((mask & F_TEXT) && (mask & F_EXACT))
		/* a mark code, certificate number, mobile or case number: only
		 * exact matches, each through an index */
		len += (size_t)snprintf(where + len, sizeof(where) - len,
		    " AND (c.id = CAST(?5 AS INTEGER)"
		    " OR c.id IN (SELECT case_id FROM marks WHERE code = upper(?5))"
		    " OR c.id IN (SELECT case_id FROM marks WHERE cert_no = ?5)"
		    " OR c.unit IN (SELECT id FROM units WHERE uscc = upper(?5))%s)",
		    (mask & F_NO_MOBILE) ? "" :
		    " OR c.unit IN (SELECT id FROM units WHERE"
		    " json_extract(\"values\", '$.contact.mobile') = ?5)"
		    " OR c.unit IN (SELECT id FROM units WHERE"
		    " json_extract(\"values\", '$.handler.mobile') = ?5)");
	else if (mask & F_TEXT)
		len += (size_t)snprintf(where + len, sizeof(where) - len,
		    " AND (instr(u.name, ?5) > 0 OR u.uscc = upper(?5) OR c.domain = lower(?5)"
		    " OR instr(c.domain_unicode, ?5) > 0 OR CAST(c.id AS TEXT) = ?5"
		    " OR instr(json_extract(u.\"values\", '$.contact.name'), ?5) > 0"
		    " OR instr(json_extract(u.\"values\", '$.handler.name'), ?5) > 0)");
	if (mask & F_ACTED)
		len += (size_t)snprintf(where + len, sizeof(where) - len,
		    " AND c.id IN (SELECT object_id FROM audit WHERE actor = ?6 AND object = 'case')");
	if (mask & F_DUE_BEFORE)
		snprintf(where + len, sizeof(where) - len, " AND c.due < ?9");
	/* Only a search by text needs the unit's row to choose cases. */
	const char *join = (mask & F_TEXT) && !(mask & F_EXACT) ? " JOIN units u ON u.id = c.unit" : "";
	const char *order = (mask & F_DUE) ? " ORDER BY c.due IS NULL, c.due, c.id" :
	    " ORDER BY c.id DESC";
	if (count)
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM cases c%s WHERE 1%s", join, where);
	else if (mask & F_LIMIT)
		/* A page: its ids first, from the index (state, office, due) alone,
		 * then those rows whole; not every candidate's row in full. */
		snprintf(sql, sizeof(sql), "SELECT " CASE_COLUMNS " FROM cases c JOIN units u"
		    " ON u.id = c.unit WHERE c.id IN (SELECT c.id FROM cases c%s WHERE 1%s%s"
		    " LIMIT ?7 OFFSET ?8)%s", join, where, order, order);
	else
		snprintf(sql, sizeof(sql), "SELECT " CASE_COLUMNS " FROM cases c JOIN units u"
		    " ON u.id = c.unit WHERE 1%s%s", where, order);
	sm_db_stmt *st = NULL;
	sm_db_rc rc = sm_db_prepare(c->db, sql, true, &st);
	if (rc != SM_DB_OK) {
		db_fail(c, err, rc);
		return NULL;
	}
	if (c->n_filters == FILTER_CACHE) {
		sm_db_finalize(c->filters[0].st);
		memmove(c->filters, c->filters + 1, (FILTER_CACHE - 1) * sizeof(c->filters[0]));
		c->n_filters--;
	}
	c->filters[c->n_filters].mask = mask;
	c->filters[c->n_filters].count = count;
	c->filters[c->n_filters].st = st;
	c->n_filters++;
	return st;
}

static bool
bind_filter(sm_db_stmt *st, const sm_case_filter *f, unsigned mask)
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
		sm_db_bind_int64(st, 4, f->unit);
	if (mask & F_TEXT)
		bind_text(st, 5, f->text);
	if (mask & F_ACTED)
		bind_text(st, 6, f->acted_by);
	if (mask & F_DUE_BEFORE)
		bind_text(st, 9, f->due_before);
	if (mask & F_LIMIT) {
		sm_db_bind_int64(st, 7, f->limit ? (int64_t)f->limit : -1);
		sm_db_bind_int64(st, 8, (int64_t)f->offset);
	}
	return true;
}

/* The statement of F's cases (COUNT: their count), bound, into *ST. */
static sm_status
filter_bound(sm_store *s, const sm_case_filter *f, int count, sm_db_stmt **st, sm_err *err)
{
	unsigned mask = filter_mask(f) & (count ? ~(unsigned)(F_DUE | F_LIMIT) : ~0u);
	if ((*st = filter_stmt(&s->c, mask, count, err)) == NULL)
		return SM_E_STORE;
	return bind_filter(*st, f, mask) ? SM_OK : nomem(err);
}

sm_status
sm_store_case_list(sm_store *s, const sm_case_filter *f, sm_case **out, size_t *n, sm_err *err)
{
	sm_db_stmt *st;
	sm_status rc = filter_bound(s, f, 0, &st, err);
	*out = NULL;
	*n = 0;
	if (rc != SM_OK)
		return rc;
	return get_all(&s->c, st, READER(read_case, sm_case), sizeof(sm_case),
	    CLEARER(sm_case_clear), (void **)out, n, err);
}

sm_status
sm_store_case_count(sm_store *s, const sm_case_filter *f, int64_t *count, sm_err *err)
{
	sm_db_stmt *st;
	sm_status rc = filter_bound(s, f, 1, &st, err);
	return rc != SM_OK ? rc : query_int64(&s->c, st, count, err);
}

void
sm_store_ahead_case_list(sm_store *s, const sm_case_filter *f)
{
	sm_db_stmt *st;
	if (sm_db_has_ahead(s->c.db) && filter_bound(s, f, 0, &st, NULL) == SM_OK)
		sm_db_ahead(st);
}

void
sm_store_ahead_case_count(sm_store *s, const sm_case_filter *f)
{
	sm_db_stmt *st;
	if (sm_db_has_ahead(s->c.db) && filter_bound(s, f, 1, &st, NULL) == SM_OK)
		sm_db_ahead(st);
}

sm_status
sm_store_case_history(sm_store *s, int64_t id, sm_event **out, size_t *n, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_AUDIT_CASE, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, id);
	return get_all(&s->c, st, READER(read_event, sm_event), sizeof(sm_event),
	    CLEARER(sm_event_clear), (void **)out, n, err);
}

/* The last audit record that changed case ID (its state), or unit ID
 * (UNIT): who changed it last, when, and how. */
static sm_status
last_change(struct conn *c, bool unit, int64_t id, sm_event *out, sm_err *err)
{
	sm_db_stmt *st = stmt(c, unit ? ST_AUDIT_UNIT_CHANGE : ST_AUDIT_CASE_CHANGE, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, id);
	return get_one(c, st, READER(read_event, sm_event), CLEARER(sm_event_clear), out, err);
}

sm_status
sm_store_last_change(sm_store *s, bool unit, int64_t id, sm_event *out, sm_err *err)
{
	return last_change(&s->c, unit, id, out, err);
}

sm_status
sm_tx_last_change(sm_tx *tx, bool unit, int64_t id, sm_event *out, sm_err *err)
{
	return last_change(tx->c, unit, id, out, err);
}

sm_status
sm_store_mark_get(sm_store *s, int64_t case_id, sm_mark *out, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_MARK_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, case_id);
	return get_one(&s->c, st, READER(read_mark, sm_mark), CLEARER(sm_mark_clear), out, err);
}

sm_status
sm_tx_redpage_put(sm_tx *tx, int64_t case_id, const json_t *values, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_REDPAGE_PUT, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, case_id);
	bind_json(st, 2, values);
	bind_text(st, 3, tx->now);
	return run(tx->c, st, err);
}

sm_status
sm_store_redpage_get(sm_store *s, int64_t case_id, json_t **values, char **published_at,
                     int64_t *version, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_REDPAGE_GET, err);
	*values = NULL;
	*published_at = NULL;
	*version = 0;
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, case_id);
	sm_db_rc rc = sm_db_step(st);
	if (rc == SM_DB_ROW) {
		cols_lost = cols_bad = 0;
		*values = col_json(st, 0);
		*published_at = col_str(st, 1);
		*version = sm_db_column_int64(st, 2);
		sm_db_reset(st);
		if (cols_lost || *values == NULL) {
			json_decref(*values);
			free(*published_at);
			*values = NULL;
			*published_at = NULL;
			return lost(err);
		}
		return SM_OK;
	}
	sm_db_reset(st);
	return rc == SM_DB_DONE ? SM_E_NOTFOUND : db_fail(&s->c, err, rc);
}

sm_status
sm_store_site_marks(sm_store *s, sm_site_mark_fn fn, void *ud, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_SITE_MARKS, err);
	sm_status r = SM_OK;
	sm_db_rc rc;
	if (st == NULL)
		return SM_E_STORE;
	/* one statement: one snapshot of the whole registry */
	while ((rc = sm_db_step(st)) == SM_DB_ROW) {
		sm_site_mark m = {
			.case_id = sm_db_column_int64(st, 0),
			.code = sm_db_column_text(st, 1),
			.guid = sm_db_column_text(st, 2),
			.color = sm_db_column_text(st, 3),
			.certificate = sm_db_column_text(st, 4),
			.state = sm_state_parse(sm_db_column_text(st, 5)),
			.redpage = sm_db_column_text(st, 6),
			.published_at = sm_db_column_text(st, 7),
		};
		if (m.code == NULL || m.guid == NULL || m.color == NULL || m.certificate == NULL) {
			sm_db_reset(st);
			return nomem(err);
		}
		if ((r = fn(&m, ud, err)) != SM_OK) {
			sm_db_reset(st);
			return r;
		}
	}
	sm_db_reset(st);
	return rc == SM_DB_DONE ? SM_OK : db_fail(&s->c, err, rc);
}

sm_status
sm_store_notices(sm_store *s, int64_t case_id, sm_notice **out, size_t *n, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_NOTICE_LIST, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, case_id);
	return get_all(&s->c, st, READER(read_notice, sm_notice), sizeof(sm_notice),
	    CLEARER(sm_notice_clear), (void **)out, n, err);
}

size_t
sm_store_attachment_max(const sm_store *s)
{
	bool networked = s && s->path &&
	    strncmp(s->path, SM_DB_DQLITE_PREFIX, strlen(SM_DB_DQLITE_PREFIX)) == 0;
	return networked ? SM_ATTACHMENT_MAX_CLUSTER : SM_ATTACHMENT_MAX;
}

sm_status
sm_store_notice_attachment(sm_store *s, int64_t id, void **data, size_t *len, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_NOTICE_ATTACHMENT, err);
	*data = NULL;
	*len = 0;
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, id);
	sm_db_rc rc = sm_db_step(st);
	if (rc != SM_DB_ROW) {
		sm_db_reset(st);
		return rc == SM_DB_DONE ? SM_E_NOTFOUND : db_fail(&s->c, err, rc);
	}
	size_t n = 0;
	const void *v = sm_db_column_blob(st, 0, &n);
	bool null = sm_db_column_type(st, 0) == SM_DB_NULL;
	if (v != NULL && (*data = malloc(n ? n : 1)) != NULL) {
		memcpy(*data, v, n);
		*len = n;
	}
	sm_db_reset(st);
	if (*data == NULL && !null)
		return nomem(err);
	return SM_OK;
}

sm_status
sm_store_notices_due(sm_store *s, const char *now, int64_t after, size_t limit, sm_notice **out,
                     size_t *n, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_NOTICE_DUE, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, now);
	sm_db_bind_int64(st, 2, after);
	sm_db_bind_int64(st, 3, (int64_t)limit);
	return get_all(&s->c, st, READER(read_notice, sm_notice), sizeof(sm_notice),
	    CLEARER(sm_notice_clear), (void **)out, n, err);
}

sm_status
sm_store_hang_due(sm_store *s, const char *until, int64_t **cases, char ***due, size_t *n,
                  sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_HANG_DUE, err);
	size_t cap = 0;
	*cases = NULL;
	*due = NULL;
	*n = 0;
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, until);
	sm_db_rc rc;
	while ((rc = sm_db_step(st)) == SM_DB_ROW) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			int64_t *c2 = realloc(*cases, nc * sizeof(**cases));
			if (c2 != NULL)
				*cases = c2;
			char **d2 = c2 ? realloc(*due, nc * sizeof(**due)) : NULL;
			if (d2 == NULL)
				goto nomem;
			*due = d2;
			cap = nc;
		}
		const char *d = sm_db_column_text(st, 1);
		if (((*due)[*n] = strdup(d ? d : "")) == NULL)
			goto nomem;
		(*cases)[(*n)++] = sm_db_column_int64(st, 0);
	}
	sm_db_reset(st);
	if (rc == SM_DB_DONE)
		return SM_OK;
	sm_hang_due_free(cases, due, n);
	return db_fail(&s->c, err, rc);
nomem:
	sm_db_reset(st);
	sm_hang_due_free(cases, due, n);
	return nomem(err);
}

/* A case's place among N ids (IX: their places sorted by id), or -1. */
static ssize_t
id_place(const int64_t *ids, const size_t *ix, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[ix[mid]] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[ix[lo]] == id ? (ssize_t)ix[lo] : -1;
}

static int
by_id(const void *a, const void *b, void *ids)
{
	int64_t x = ((const int64_t *)ids)[*(const size_t *)a];
	int64_t y = ((const int64_t *)ids)[*(const size_t *)b];
	return (x > y) - (x < y);
}

/* Statement ID run on the N cases IDS, OF_IDS_CHUNK at a time (their ids
 * a JSON array in ?1); FN(ROW STATEMENT, the row's case's place in IDS, UD)
 * for each row whose first column is one of them. */
#define OF_IDS_CHUNK 500
static sm_status
of_ids(sm_store *s, enum stmt_id id, const int64_t *ids, size_t n,
    void (*fn)(sm_db_stmt *, size_t, void *), void *ud, sm_err *err)
{
	size_t *ix = n ? malloc(n * sizeof(*ix)) : NULL;
	char *json = n ? malloc(OF_IDS_CHUNK * 21 + 2) : NULL;
	sm_status st = SM_OK;
	if (n && (ix == NULL || json == NULL)) {
		free(ix);
		free(json);
		return nomem(err);
	}
	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof(*ix), by_id, (void *)ids);
	for (size_t from = 0; from < n && st == SM_OK; from += OF_IDS_CHUNK) {
		size_t len = 0, to = from + OF_IDS_CHUNK < n ? from + OF_IDS_CHUNK : n;
		json[len++] = '[';
		for (size_t i = from; i < to; i++)
			len += (size_t)sprintf(json + len, i > from ? ",%lld" : "%lld",
			    (long long)ids[ix[i]]);
		json[len++] = ']';
		json[len] = '\0';
		sm_db_stmt *q = stmt(&s->c, id, err);
		if (q == NULL) {
			st = SM_E_STORE;
			break;
		}
		sm_db_bind_text(q, 1, json);
		sm_db_rc rc;
		while ((rc = sm_db_step(q)) == SM_DB_ROW) {
			ssize_t at = id_place(ids, ix, n, sm_db_column_int64(q, 0));
			if (at >= 0)
				fn(q, (size_t)at, ud);
		}
		sm_db_reset(q);
		if (rc != SM_DB_DONE)
			st = db_fail(&s->c, err, rc);
	}
	free(ix);
	free(json);
	return st;
}

static void
failed_row(sm_db_stmt *q, size_t at, void *ud)
{
	(void)q;
	((bool *)ud)[at] = true;
}

sm_status
sm_store_cases_notice_failed(sm_store *s, const int64_t *ids, size_t n, bool *failed,
    sm_err *err)
{
	memset(failed, 0, n * sizeof(*failed));
	return of_ids(s, ST_NOTICE_FAILED_OF, ids, n, failed_row, failed, err);
}

static void
mark_row(sm_db_stmt *q, size_t at, void *ud)
{
	sm_mark *m = &((sm_mark *)ud)[at];
	sm_mark_clear(m);
	read_mark(q, m);
}

sm_status
sm_store_marks_of(sm_store *s, const int64_t *ids, size_t n, sm_mark *out, sm_err *err)
{
	cols_lost = cols_bad = 0;
	sm_status st = of_ids(s, ST_MARKS_OF, ids, n, mark_row, out, err);
	if (st == SM_OK && cols_lost)
		st = lost(err);
	if (st != SM_OK)
		for (size_t i = 0; i < n; i++)
			sm_mark_clear(&out[i]);
	return st;
}

void
sm_hang_due_free(int64_t **cases, char ***due, size_t *n)
{
	for (size_t i = 0; *due && i < *n; i++)
		free((*due)[i]);
	free(*due);
	free(*cases);
	*due = NULL;
	*cases = NULL;
	*n = 0;
}

sm_status
sm_store_notes(sm_store *s, const char *object, int64_t id, sm_note **out, size_t *n,
               sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_NOTE_LIST, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, object);
	sm_db_bind_int64(st, 2, id);
	return get_all(&s->c, st, READER(read_note, sm_note), sizeof(sm_note),
	    CLEARER(sm_note_clear), (void **)out, n, err);
}

sm_status
sm_store_audit_verify(sm_store *s, int64_t *broken_seq, int64_t *count, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_AUDIT_ALL, err);
	char prev[SM_AUDIT_HASH_LEN + 1] = SM_AUDIT_GENESIS;
	char hash[SM_AUDIT_HASH_LEN + 1];
	int64_t expect_seq = 1;
	sm_db_rc rc;

	*broken_seq = 0;
	*count = 0;
	if (st == NULL)
		return SM_E_STORE;
	if (db_ok(&s->c, sm_db_begin(s->c.db, false), err) != SM_OK)
		return SM_E_STORE;
	while ((rc = sm_db_step(st)) == SM_DB_ROW) {
		sm_event e = {0};
		read_event(st, &e);
		event_hash(&e, hash);
		bool ok = e.seq == expect_seq && e.prev_hash && strcmp(e.prev_hash, prev) == 0 &&
		    e.hash && strcmp(e.hash, hash) == 0 && sm_db_column_int64(st, 16) == 1;
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
	sm_db_reset(st);
	sm_db_commit(s->c.db);
	if (rc != SM_DB_DONE && rc != SM_DB_ROW)
		return db_fail(&s->c, err, rc);
	return SM_OK;
}

uint64_t
sm_store_round_trips(sm_store *s)
{
	return s->c.db->drv == &sm_db_dqlite ? sm_db_dqlite_round_trips(s->c.db) : 0;
}

uint64_t
sm_store_write_round_trips(sm_store *s)
{
	return s->write_trips;
}

const char *
sm_store_unsure_request(const sm_store *s)
{
	return s->unsure_id[0] ? s->unsure_id : NULL;
}

bool
sm_store_replaced(sm_store *s)
{
	return s != NULL && s->c.db != NULL && s->c.db->drv->replaced != NULL &&
	    s->c.db->drv->replaced(s->c.db);
}

int64_t
sm_store_generation(sm_store *s)
{
	return sm_store_generation_err(s, NULL);
}

int64_t
sm_store_generation_err(sm_store *s, sm_err *err)
{
	int64_t v = sm_db_data_version(s->c.db);
	if (v < 0) {
		/* the engine cannot tell (a cluster): every change that shows is
		 * audited, so the audit chain's head moves with them (one cheap
		 * read: the last row of its primary key) */
		sm_err *own = err ? NULL : sm_err_new();
		sm_err *e = err ? err : own;
		sm_db_stmt *st = e ? stmt(&s->c, ST_AUDIT_HEAD_SEQ, e) : NULL;
		if (st == NULL) {
			sm_err_free(&own);
			return -1;
		}
		sm_db_rc rc = sm_db_step(st);
		v = rc == SM_DB_ROW ? sm_db_column_int64(st, 0) : 0;
		sm_db_reset(st);
		if (rc != SM_DB_ROW && rc != SM_DB_DONE) {
			db_fail(&s->c, e, rc);
			sm_err_free(&own);
			return -1;
		}
		sm_err_free(&own);
	}
	return v + s->writes;
}

/* ------------------------------------------------------------ administrators */

sm_status
sm_tx_user_get(sm_tx *tx, const char *login, sm_user *out, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_USER_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, login);
	return get_one(tx->c, st, READER(read_user, sm_user), CLEARER(sm_user_clear), out, err);
}

static sm_status
changed_one(sm_tx *tx, sm_db_stmt *st, const char *field, const char *key, sm_err *err)
{
	if (run(tx->c, st, err) != SM_OK)
		return SM_E_STORE;
	if (sm_db_changes(tx->c->db) != 1)
		return sm_err_add(err, SM_E_NOTFOUND, field, _("there is no %s"), key);
	return SM_OK;
}

sm_status
sm_tx_user_edit(sm_tx *tx, const sm_user *u, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_USER_EDIT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, u->login);
	bind_text(st, 2, u->name);
	bind_text(st, 3, u->mobile);
	bind_text(st, 4, u->email);
	return changed_one(tx, st, "login", u->login, err);
}

static sm_status
set_flag(sm_tx *tx, int id, const char *field, const char *key, bool on, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, id, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, key);
	sm_db_bind_int64(st, 2, on ? 1 : 0);
	return changed_one(tx, st, field, key, err);
}

sm_status
sm_tx_user_set_disabled(sm_tx *tx, const char *login, bool disabled, sm_err *err)
{
	return set_flag(tx, ST_USER_SET_DISABLED, "login", login, disabled, err);
}

sm_status
sm_tx_user_set_locked(sm_tx *tx, const char *login, bool locked, sm_err *err)
{
	return set_flag(tx, ST_USER_SET_LOCKED, "login", login, locked, err);
}

static sm_status
totp_get(struct conn *c, const char *login, char **secret, int64_t *failures, sm_err *err)
{
	sm_db_stmt *st = stmt(c, ST_USER_TOTP_GET, err);
	sm_db_rc rc;
	*secret = NULL;
	*failures = 0;
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, login);
	rc = sm_db_step(st);
	if (rc == SM_DB_ROW) {
		*secret = col_str(st, 0);
		*failures = sm_db_column_int64(st, 1);
	}
	sm_db_reset(st);
	if (rc == SM_DB_ROW)
		return SM_OK;
	if (rc == SM_DB_DONE)
		return SM_E_NOTFOUND;
	return db_fail(c, err, rc);
}

sm_status
sm_tx_user_totp_get(sm_tx *tx, const char *login, char **secret, int64_t *failures, sm_err *err)
{
	return totp_get(tx->c, login, secret, failures, err);
}

sm_status
sm_store_user_totp_get(sm_store *s, const char *login, char **secret, int64_t *failures,
                       sm_err *err)
{
	return totp_get(&s->c, login, secret, failures, err);
}

sm_status
sm_tx_user_totp_set(sm_tx *tx, const char *login, const char *secret, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_USER_TOTP_SET, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, login);
	bind_text(st, 2, secret);
	return changed_one(tx, st, "login", login, err);
}

sm_status
sm_tx_user_totp_failures(sm_tx *tx, const char *login, int64_t failures, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_USER_TOTP_FAILURES, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, login);
	sm_db_bind_int64(st, 2, failures);
	return changed_one(tx, st, "login", login, err);
}

sm_status
sm_tx_user_set_role(sm_tx *tx, const char *login, sm_role role, const char *office, int64_t unit,
                    sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_USER_SET_ROLE, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, login);
	bind_text(st, 2, role != SM_ROLE_NONE ? sm_role_name(role) : "none");
	bind_text(st, 3, office);
	if (unit > 0)
		sm_db_bind_int64(st, 4, unit);
	return changed_one(tx, st, "login", login, err);
}

static sm_status
count_role(sm_tx *tx, int id, sm_role role, int64_t *count, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, id, err);
	*count = 0;
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, sm_role_name(role));
	return query_int64(tx->c, st, count, err);
}

sm_status
sm_tx_user_count_active(sm_tx *tx, sm_role role, int64_t *count, sm_err *err)
{
	return count_role(tx, ST_USER_COUNT_ACTIVE_ROLE, role, count, err);
}

sm_status
sm_tx_user_count_any(sm_tx *tx, sm_role role, int64_t *count, sm_err *err)
{
	return count_role(tx, ST_USER_COUNT_ROLE, role, count, err);
}

sm_status
sm_tx_office_get(sm_tx *tx, const char *code, sm_office *out, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_OFFICE_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, code);
	return get_one(tx->c, st, READER(read_office, sm_office), CLEARER(sm_office_clear), out, err);
}

sm_status
sm_tx_office_edit(sm_tx *tx, const char *code, const char *name, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_OFFICE_EDIT, err);
	if (st == NULL)
		return SM_E_STORE;
	bind_text(st, 1, code);
	bind_text(st, 2, name);
	return changed_one(tx, st, "code", code, err);
}

sm_status
sm_tx_office_set_disabled(sm_tx *tx, const char *code, bool disabled, sm_err *err)
{
	return set_flag(tx, ST_OFFICE_SET_DISABLED, "code", code, disabled, err);
}

static void
bind_audit_filter(sm_db_stmt *st, const sm_audit_filter *f)
{
	if (f->actor && *f->actor)
		bind_text(st, 1, f->actor);
	if (f->case_id > 0)
		sm_db_bind_int64(st, 2, f->case_id);
	if (f->action && *f->action)
		bind_text(st, 3, f->action);
	if (f->since && *f->since)
		bind_text(st, 4, f->since);
	if (f->before_seq > 0)
		sm_db_bind_int64(st, 5, f->before_seq);
}

sm_status
sm_store_audit_page(sm_store *s, const sm_audit_filter *f, sm_event **out, size_t *n,
                    int64_t *total, sm_err *err)
{
	sm_status st;
	sm_db_stmt *q;
	*out = NULL;
	*n = 0;
	if (db_ok(&s->c, sm_db_begin(s->c.db, false), err) != SM_OK)
		return SM_E_STORE;
	/* the page and its count from one snapshot */
	if ((q = stmt(&s->c, ST_AUDIT_PAGE, err)) == NULL) {
		st = SM_E_STORE;
		goto out;
	}
	bind_audit_filter(q, f);
	sm_db_bind_int64(q, 6, f->limit ? (int64_t)f->limit : -1);
	sm_db_bind_int64(q, 7, (int64_t)f->offset);
	st = get_all(&s->c, q, READER(read_event, sm_event), sizeof(sm_event),
	    CLEARER(sm_event_clear), (void **)out, n, err);
	if (st == SM_OK && total) {
		if ((q = stmt(&s->c, ST_AUDIT_COUNT, err)) == NULL) {
			st = SM_E_STORE;
			goto out;
		}
		bind_audit_filter(q, f);
		st = query_int64(&s->c, q, total, err);
	}
out:
	sm_db_commit(s->c.db);
	if (st != SM_OK && *out) {
		sm_events_free(out, *n);
		*n = 0;
	}
	return st;
}

sm_status
sm_store_audit_get(sm_store *s, int64_t seq, sm_event *out, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_AUDIT_GET, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, seq);
	return get_one(&s->c, st, READER(read_event, sm_event), CLEARER(sm_event_clear), out, err);
}

/* ------------------------------------------------------------ the mark monitor */

void
sm_monitor_target_clear(sm_monitor_target *t)
{
	free(t->office);
	free(t->code);
	free(t->domains);
	free(t->site_name);
	memset(t, 0, sizeof(*t));
}

static void
read_target(sm_db_stmt *st, sm_monitor_target *t)
{
	t->case_id = sm_db_column_int64(st, 0);
	const char *state = sm_db_column_text(st, 1);
	t->state = sm_state_parse(state);
	t->office = col_str(st, 2);
	t->code = col_str(st, 3);
	t->domains = col_str(st, 4);
	t->site_name = col_str(st, 5);
	t->version = sm_db_column_int64(st, 6);
}

sm_status
sm_store_monitor_targets(sm_store *s, int64_t unit, int64_t case_id, const char *office,
                         int64_t after, size_t limit, sm_monitor_target **out, size_t *n,
                         sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_MONITOR_TARGETS, err);
	if (st == NULL)
		return SM_E_STORE;
	if (unit > 0)
		sm_db_bind_int64(st, 1, unit);
	else
		sm_db_bind_null(st, 1);
	if (case_id > 0)
		sm_db_bind_int64(st, 2, case_id);
	else
		sm_db_bind_null(st, 2);
	bind_text(st, 3, office);
	sm_db_bind_int64(st, 4, after);
	sm_db_bind_int64(st, 5, (int64_t)limit);
	return get_all(&s->c, st, READER(read_target, sm_monitor_target), sizeof(sm_monitor_target),
	    CLEARER(sm_monitor_target_clear), (void **)out, n, err);
}

sm_status
sm_tx_mark_check_insert(sm_tx *tx, const sm_mark_check *mc, const char *by, int64_t *id,
                        sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_MARK_CHECK_INSERT, err);
	size_t passed = 0;
	if (st == NULL)
		return SM_E_STORE;
	for (size_t i = 0; i < mc->n_pages; i++)
		passed += mc->pages[i].verdict == SM_PAGE_PASS;
	sm_db_bind_int64(st, 1, mc->case_id);
	bind_text(st, 2, tx->now);
	bind_text(st, 3, mc->code);
	bind_text(st, 4, sm_state_name(mc->state));
	bind_text(st, 5, mc->pass ? "pass" : "fail");
	sm_db_bind_int64(st, 6, (int64_t)mc->n_pages);
	sm_db_bind_int64(st, 7, (int64_t)passed);
	bind_text(st, 8, by);
	if (mc->version > 0)
		sm_db_bind_int64(st, 9, mc->version);
	else
		sm_db_bind_null(st, 9);
	if (run(tx->c, st, err) != SM_OK)
		return SM_E_STORE;
	*id = sm_db_last_insert_id(tx->c->db);
	for (size_t i = 0; i < mc->n_pages; i++) {
		const sm_page_result *p = &mc->pages[i];
		if ((st = stmt(tx->c, ST_MARK_CHECK_PAGE_INSERT, err)) == NULL)
			return SM_E_STORE;
		sm_db_bind_int64(st, 1, *id);
		sm_db_bind_int64(st, 2, (int64_t)i + 1);
		bind_text(st, 3, p->url ? p->url : "");
		bind_text(st, 4, p->final_url);
		sm_db_bind_int64(st, 5, p->status);
		bind_text(st, 6, sm_page_verdict_name(p->verdict));
		bind_text(st, 7, p->where != SM_WHERE_NONE ? sm_mark_where_name(p->where) : NULL);
		sm_db_bind_int64(st, 8, p->title_ok);
		bind_text(st, 9, p->title);
		bind_text(st, 10, p->detail);
		sm_db_bind_int64(st, 11, p->bytes);
		sm_db_bind_int64(st, 12, p->ms);
		if (run(tx->c, st, err) != SM_OK)
			return SM_E_STORE;
	}
	return SM_OK;
}

static void
read_check(sm_db_stmt *st, sm_mark_check *mc)
{
	mc->id = sm_db_column_int64(st, 0);
	mc->case_id = sm_db_column_int64(st, 1);
	mc->at = col_str(st, 2);
	mc->code = col_str(st, 3);
	mc->state = sm_state_parse(sm_db_column_text(st, 4));
	const char *v = sm_db_column_text(st, 5);
	mc->pass = v != NULL && strcmp(v, "pass") == 0;
}

static void
read_check_page(sm_db_stmt *st, sm_page_result *p)
{
	p->url = col_str(st, 0);
	p->final_url = col_str(st, 1);
	p->status = (long)sm_db_column_int64(st, 2);
	p->verdict = sm_page_verdict_parse(sm_db_column_text(st, 3));
	p->where = sm_mark_where_parse(sm_db_column_text(st, 4));
	p->title_ok = (int)sm_db_column_int64(st, 5);
	p->title = col_str(st, 6);
	p->detail = col_str(st, 7);
	p->bytes = sm_db_column_int64(st, 8);
	p->ms = sm_db_column_int64(st, 9);
}

sm_status
sm_store_mark_checks_failing(sm_store *s, int64_t case_id, int64_t *n, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_MARK_CHECKS_FAILING, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, case_id);
	sm_db_rc rc = sm_db_step(st);
	*n = rc == SM_DB_ROW ? sm_db_column_int64(st, 0) : 0;
	sm_db_reset(st);
	return rc == SM_DB_ROW ? SM_OK : db_fail(&s->c, err, rc);
}

sm_status
sm_tx_mark_check_passed(sm_tx *tx, int64_t case_id, bool *pass, sm_err *err)
{
	sm_db_stmt *st = stmt(tx->c, ST_MARK_CHECK_LATEST, err);
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, case_id);
	sm_db_rc rc = sm_db_step(st);
	if (rc == SM_DB_ROW) {
		const char *v = sm_db_column_text(st, 5);
		*pass = v != NULL && strcmp(v, "pass") == 0;
	}
	sm_db_reset(st);
	return rc == SM_DB_ROW ? SM_OK : rc == SM_DB_DONE ? SM_E_NOTFOUND : db_fail(tx->c, err, rc);
}

sm_status
sm_store_mark_check_latest(sm_store *s, int64_t case_id, sm_mark_check *out, sm_err *err)
{
	sm_db_stmt *st = stmt(&s->c, ST_MARK_CHECK_LATEST, err);
	sm_status rc;
	if (st == NULL)
		return SM_E_STORE;
	sm_db_bind_int64(st, 1, case_id);
	if ((rc = get_one(&s->c, st, READER(read_check, sm_mark_check),
	    CLEARER(sm_mark_check_clear), out, err)) != SM_OK)
		return rc;
	if ((st = stmt(&s->c, ST_MARK_CHECK_PAGES, err)) == NULL) {
		sm_mark_check_clear(out);
		return SM_E_STORE;
	}
	sm_db_bind_int64(st, 1, out->id);
	rc = get_all(&s->c, st, READER(read_check_page, sm_page_result), sizeof(sm_page_result),
	    CLEARER(sm_page_result_clear), (void **)&out->pages, &out->n_pages, err);
	if (rc != SM_OK)
		sm_mark_check_clear(out);
	return rc;
}
