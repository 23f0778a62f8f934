/* sm_store.h - the store: every SQL statement of sitemark lives in sm_store.c.
 *
 * Local mode is one SQLite file in WAL mode with synchronous=FULL, a busy
 * timeout and writes in BEGIN IMMEDIATE.  The store keeps no state between
 * transactions, so that a networked backend can take its place:
 *   - reads are single statements or one short read transaction;
 *   - every write runs through sm_store_write() with a request id: a request
 *     id already applied is not applied again (idempotent replay);
 *   - version checks sit inside the write (sm_tx_case_update).
 * Records handed out are owned by the caller and freed with their _clear(). */
#ifndef SM_STORE_H
#define SM_STORE_H

#ifdef SM_FRONT_END
#error "sm_store.h is the core's own: the command line and the console read and write through sm_view.h and sm_workflow.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_anchor.h"
#include "sm_calendar.h"
#include "sm_err.h"
#include "sm_model.h"
#include "sm_monitor.h"

#define SM_SCHEMA_VERSION 13

typedef struct sm_store sm_store;
typedef struct sm_tx sm_tx;

/* The records (sm_case, sm_unit ...) are in sm_model.h. */

/* ------------------------------------------------------------ opening */


/* Open PATH.  Refuses a database on a network file system, a file that is not
 * a SQLite database or is corrupt, and a schema newer than this program
 * (SM_E_STORE, with a message saying what to do).  Nothing is written unless
 * MODE is SM_OPEN_CREATE. */
sm_status sm_store_open(const char *path, sm_open_mode mode, sm_store **out, sm_err *err);
void sm_store_close(sm_store **sp);
int sm_store_schema_version(sm_store *s);
/* PRAGMA integrity_check: SM_OK when it says ok; else the store is marked
 * damaged (as when any statement meets a corrupt page). */
sm_status sm_store_integrity(sm_store *s, sm_err *err);
/* Whether the database was found damaged (PATH.broken beside it, for every
 * process): writes are refused until sm_store_clear_broken(), which 'check'
 * calls when everything passes.  *WHY (malloc'd, may be NULL) says when and
 * what. */
bool sm_store_broken(sm_store *s, char **why);
/* Whether the database file was deleted or replaced (a restore) since it
 * was opened, its writes refused: only a new process sees the file now at
 * its path. */
bool sm_store_replaced(sm_store *s);
sm_status sm_store_clear_broken(sm_store *s, sm_err *err);
/* A consistent copy into the new file DEST (the driver's online backup),
 * then checked (integrity, audit chain): removed again if it fails.
 * *RECORDS (may be NULL) its audit records. */
sm_status sm_store_backup(sm_store *s, const char *dest, int64_t *records, sm_err *err);
/* Check the backup FILE, copy it into the database DEST (which must not
 * exist unless REPLACE), check the result. */
/* A copy of FILE (a backup) of its own, beside NEAR (a path in the
 * directory to use): its path (malloc'd), or NULL with ERR said. */
char *sm_store_private_copy(const char *file, const char *near, sm_err *err);
/* The copy and any journal SQLite left beside it, removed. */
void sm_store_private_copy_drop(const char *copy);
/* The same, FILE being a copy of SHOWN (the name the user gave, in the
 * messages). */
sm_status sm_store_restore_as(const char *file, const char *shown, const char *dest, bool replace,
                              int64_t *records, sm_err *err);
sm_status sm_store_restore(const char *file, const char *dest, bool replace, int64_t *records,
                           sm_err *err);

/* The audit chain's anchors (sm_anchor.h): PATH (default: the database's
 * path + ".anchors"), every EVERY records (default SM_ANCHOR_EVERY), to
 * syslog FACILITY (-1 none; default LOG_AUTHPRIV).  EVERY 0 and FACILITY
 * below -1 keep the default. */
void sm_store_set_anchors(sm_store *s, const char *path, int every, int facility);
const char *sm_store_anchors_path(const sm_store *s);
/* Verify the audit chain and check it against the anchors of ANCHORS_PATH
 * (NULL or "": the store's); when everything holds and ANCHOR_HEAD, anchor
 * the head verified (unless it is the last anchor already). */
sm_status sm_store_audit_check(sm_store *s, const char *anchors_path, bool anchor_head,
                               sm_audit_check *out, sm_err *err);
/* The clock the store stamps records with: the session's (sm_app), kept
 * alive by the caller while the store is open.  Until it is given, or with
 * NULL, the system's clock. */
void sm_store_set_clock(sm_store *s, const sm_clock *clock);
/* A number that changes whenever the data may have changed: a commit by
 * another connection (another process, another console) or by this one;
 * -1 when the store did not answer (a cluster out of reach: ERR, when
 * given, says why). */
int64_t sm_store_generation(sm_store *s);
int64_t sm_store_generation_err(sm_store *s, sm_err *err);
/* The request id of the last write when it failed after a commit that may
 * have landed (a cluster's answer lost), else NULL: the same request sent
 * again under it is made at most once. */
const char *sm_store_unsure_request(const sm_store *s);
/* Requests a networked store (dqlite) has sent so far: its round trips to
 * the cluster; 0 for a local file. */
uint64_t sm_store_round_trips(sm_store *s);
/* Of them, those sent between the BEGIN and the COMMIT of the writes
 * committed (each is paid while the write lock is held). */
uint64_t sm_store_write_round_trips(sm_store *s);
/* The "now" the store stamps records with (ISO 8601, Asia/Shanghai). */
void sm_store_now(const sm_store *s, char buf[32]);

/* ------------------------------------------------------------ writing */

typedef sm_status (*sm_write_fn)(sm_tx *tx, void *ud, sm_err *err);

/* Run FN in one write transaction (BEGIN IMMEDIATE ... COMMIT) under
 * REQUEST_ID.  If REQUEST_ID was already applied, FN is not called, *REPLAYED
 * is set and *RESULT (may be NULL) receives the result recorded then.  FN may
 * set the result with sm_tx_set_result().  On any error everything is rolled
 * back.  Busy databases are waited for (busy timeout), never half-written. */
sm_status sm_store_write(sm_store *s, const char *request_id, sm_write_fn fn, void *ud,
                         bool *replayed, char **result, sm_err *err);
/* sm_store_write, with REQUEST_ID bound to DIGEST (a digest of what the
 * request asks: sm_audit_digest() of operation, object, user and values), kept
 * with it.  A request id already recorded with another digest (or a digest
 * where it had none, or none where it had one) is refused with SM_E_INVALID
 * and nothing is written; with the same digest it is a replay as above.
 * sm_store_write() is this with a NULL digest. */
sm_status sm_store_write_digest(sm_store *s, const char *request_id, const char *digest,
                                sm_write_fn fn, void *ud, bool *replayed, char **result,
                                sm_err *err);
/* Who acts in a write, checked inside it: the account LOGIN as the store
 * holds it now is read with the request id (the same round trip on a
 * cluster, under the write lock) and handed to CHECK (NOW NULL: there is no
 * such account any more) before anything else, a replay too; a failure of
 * CHECK is the write's, and nothing is written.  CASE_ID (> 0), the case it
 * acts on, is read with them too: the write's sm_tx_case_unit() of it is
 * answered from there, without a round trip of its own. */
typedef struct sm_store_actor {
	const char *login;
	sm_status (*check)(const sm_user *now, void *ud, sm_err *err);
	void *ud;
	int64_t case_id;
} sm_store_actor;
/* sm_store_write_digest, with ACTOR (NULL: none) checked in the transaction. */
sm_status sm_store_write_as(sm_store *s, const sm_store_actor *actor, const char *request_id,
                            const char *digest, sm_write_fn fn, void *ud, bool *replayed,
                            char **result, sm_err *err);
void sm_tx_set_result(sm_tx *tx, const char *result);
/* "Now" fixed for the whole transaction. */
const char *sm_tx_now(sm_tx *tx);
const char *sm_tx_request_id(sm_tx *tx);

sm_status sm_tx_office_insert(sm_tx *tx, const sm_office *o, sm_err *err);
sm_status sm_tx_user_insert(sm_tx *tx, const sm_user *u, sm_err *err);
sm_status sm_tx_user_set_unit(sm_tx *tx, const char *login, int64_t unit, sm_err *err);
/* The administrators' changes to an account or an office (SM_E_NOTFOUND when
 * there is none).  sm_tx_user_edit writes name, mobile and e-mail as given. */
sm_status sm_tx_user_get(sm_tx *tx, const char *login, sm_user *out, sm_err *err);
sm_status sm_tx_user_edit(sm_tx *tx, const sm_user *u, sm_err *err);
sm_status sm_tx_user_set_disabled(sm_tx *tx, const char *login, bool disabled, sm_err *err);
sm_status sm_tx_user_set_locked(sm_tx *tx, const char *login, bool locked, sm_err *err);
/* The second factor: LOGIN's TOTP secret (base32, malloc'd; NULL when not
 * enrolled) and wrong codes in a row; setting a secret (NULL: none) clears
 * the count. */
sm_status sm_tx_user_totp_get(sm_tx *tx, const char *login, char **secret, int64_t *failures,
                              sm_err *err);
sm_status sm_store_user_totp_get(sm_store *s, const char *login, char **secret,
                                 int64_t *failures, sm_err *err);
sm_status sm_tx_user_totp_set(sm_tx *tx, const char *login, const char *secret, sm_err *err);
sm_status sm_tx_user_totp_failures(sm_tx *tx, const char *login, int64_t failures, sm_err *err);
sm_status sm_tx_user_set_role(sm_tx *tx, const char *login, sm_role role, const char *office,
                              int64_t unit, sm_err *err);
/* Enabled accounts of ROLE. */
sm_status sm_tx_user_count_active(sm_tx *tx, sm_role role, int64_t *count, sm_err *err);
/* How many accounts ever had ROLE (disabled ones too: none is ever deleted). */
sm_status sm_tx_user_count_any(sm_tx *tx, sm_role role, int64_t *count, sm_err *err);
sm_status sm_tx_office_get(sm_tx *tx, const char *code, sm_office *out, sm_err *err);
sm_status sm_tx_office_edit(sm_tx *tx, const char *code, const char *name, sm_err *err);
sm_status sm_tx_office_set_disabled(sm_tx *tx, const char *code, bool disabled, sm_err *err);
sm_status sm_tx_unit_insert(sm_tx *tx, const sm_unit *u, int64_t *id, sm_err *err);
sm_status sm_tx_unit_get(sm_tx *tx, int64_t id, sm_unit *out, sm_err *err);
/* Replace unit ID's values if its version is still EXPECT_VERSION (else
 * SM_E_CONFLICT); the version goes up by one. */
sm_status sm_tx_unit_update(sm_tx *tx, int64_t id, int64_t expect_version, const json_t *values,
                            sm_err *err);
sm_status sm_tx_case_get(sm_tx *tx, int64_t id, sm_case *out, sm_err *err);
/* The case, its unit (whole), and whether the case's domain is the unit's
 * (sm_tx_domain_owned answers from it): in one read. */
sm_status sm_tx_case_unit(sm_tx *tx, int64_t id, sm_case *c, sm_unit *u, sm_err *err);
/* Write only C's state, submitted_by and due fields, if the stored version is
 * still EXPECT_VERSION (values, hints and domain stay as stored); bumps the
 * version.  SM_E_CONFLICT when someone else changed it first. */
sm_status sm_tx_case_set_state(sm_tx *tx, const sm_case *c, int64_t expect_version,
                               sm_err *err);
/* Insert C (id, version, timestamps ignored); *ID receives the new id.
 * SM_E_DUPLICATE when the unit has an open case of that kind and domain. */
sm_status sm_tx_case_insert(sm_tx *tx, const sm_case *c, int64_t *id, sm_err *err);
/* Write C's state, values, hints, submitted_by and due fields, if and only if
 * the stored version is still EXPECT_VERSION; bumps the version.  SM_E_CONFLICT
 * when someone else changed it first. */
sm_status sm_tx_case_update(sm_tx *tx, const sm_case *c, int64_t expect_version, sm_err *err);
/* Whether ACE is a registered domain or the name of an open domain case other
 * than EXCLUDE_CASE. */
sm_status sm_tx_domain_taken(sm_tx *tx, const char *ace, int64_t exclude_case, bool *taken,
                             sm_err *err);
/* Whether ACE is registered to UNIT. */
sm_status sm_tx_domain_owned(sm_tx *tx, const char *ace, int64_t unit, bool *owned, sm_err *err);
sm_status sm_tx_domain_register(sm_tx *tx, const char *ace, const char *unicode, int64_t unit,
                                int64_t case_id, sm_err *err);
/* Take the unit's next mark number and the registry's next certificate serial. */
sm_status sm_tx_mark_next(sm_tx *tx, int64_t unit, int *unit_seq, int64_t *cert_serial,
                          sm_err *err);
sm_status sm_tx_mark_insert(sm_tx *tx, const sm_mark *m, sm_err *err);
/* Append to the audit log, chaining the hash (seq, prev_hash, hash, at and
 * request id are filled in here). */
sm_status sm_tx_audit(sm_tx *tx, const sm_event *e, sm_err *err);
/* Queue a notification (msg_id is filled in: request id + ":" + n). */
sm_status sm_tx_notice(sm_tx *tx, const sm_notice *n, sm_err *err);
/* Queue N under the msg_id KEY unless a notice has it already (scheduled
 * notices: queued once each). */
sm_status sm_tx_notice_once(sm_tx *tx, const char *key, const sm_notice *n, bool *added,
                            sm_err *err);
/* Record an attempt on the outbox row ID: STATUS (sent, retrying, failed),
 * ERROR (why it failed, or NULL), NEXT_AT (the next attempt, retrying).
 * Only a row still pending or retrying changes (*CHANGED, may be NULL). */
sm_status sm_tx_notice_done(sm_tx *tx, int64_t id, const char *status, const char *error,
                            const char *next_at, bool *changed, sm_err *err);
sm_status sm_tx_note_insert(sm_tx *tx, const sm_note *n, int64_t *id, sm_err *err);
/* Record case CASE_ID's red page (the values of forms/redpage.yaml) as
 * published now; publishing again replaces it (its version goes up). */
sm_status sm_tx_redpage_put(sm_tx *tx, int64_t case_id, const json_t *values, sm_err *err);

/* ------------------------------------------------------------ reading */

sm_status sm_store_office_get(sm_store *s, const char *code, sm_office *out, sm_err *err);
sm_status sm_store_office_list(sm_store *s, sm_office **out, size_t *n, sm_err *err);
sm_status sm_store_user_get(sm_store *s, const char *login, sm_user *out, sm_err *err);
/* ROLE may be SM_ROLE_NONE for all. */
sm_status sm_store_user_list(sm_store *s, sm_role role, sm_user **out, size_t *n, sm_err *err);
/* The security policy's rows (sm_policy.h), by key. */
sm_status sm_store_policy_list(sm_store *s, sm_policy_row **out, size_t *n, sm_err *err);
sm_status sm_tx_policy_list(sm_tx *tx, sm_policy_row **out, size_t *n, sm_err *err);
/* Set KEY to VALUE, by LOGIN, now. */
sm_status sm_tx_policy_set(sm_tx *tx, const char *key, const char *value, const char *login,
                           sm_err *err);
size_t sm_store_user_count(sm_store *s);
sm_status sm_store_unit_get(sm_store *s, int64_t id, sm_unit *out, sm_err *err);
/* Units whose name, USCC or registered domain contains TEXT, whose mark
 * code, certificate number, contact's or handler's mobile (not with
 * NO_MOBILE) is TEXT, or whose contact's or handler's name contains it
 * (service's search). */
sm_status sm_store_unit_search(sm_store *s, const char *text, bool no_mobile, size_t limit,
                               sm_unit **out, size_t *n, sm_err *err);
/* Registered domains of UNIT (ACE), TLD_ACE may be NULL for all. */
sm_status sm_store_unit_domains(sm_store *s, int64_t unit, const char *tld_ace, char ***ace,
                                char ***unicode, size_t *n, sm_err *err);
sm_status sm_store_case_get(sm_store *s, int64_t id, sm_case *out, sm_err *err);

/* Reads sent ahead (a networked store; nothing on a local file): the
 * queries of the reads named go to the cluster now, together, and the
 * reads made next with the same arguments take their answers instead of a
 * round trip each.  What was not taken is forgotten at sm_store_ahead_end,
 * at the next write, or when sent ahead again.  Nothing is decided here:
 * a reader that may not see something simply does not read it. */
/* sm_store_user_get(LOGIN) and sm_store_case_get(ID) (either 0 / NULL: not). */
void sm_store_ahead_case(sm_store *s, const char *login, int64_t id);
/* What a case's detail reads besides: C's unit and office,
 * sm_store_mark_get, sm_store_mark_check_latest (its check), the case's
 * history and notices, and, with NOTES, its notes. */
void sm_store_ahead_case_detail(sm_store *s, const sm_case *c, bool notes);
/* sm_store_case_list(F), sm_store_case_count(F). */
void sm_store_ahead_case_list(sm_store *s, const sm_case_filter *f);
void sm_store_ahead_case_count(sm_store *s, const sm_case_filter *f);
void sm_store_ahead_end(sm_store *s);


/* Cases matching F, newest first by id (stable), with the unit joined. */
sm_status sm_store_case_list(sm_store *s, const sm_case_filter *f, sm_case **out, size_t *n,
                             sm_err *err);
/* How many cases match F. */
sm_status sm_store_case_count(sm_store *s, const sm_case_filter *f, int64_t *count, sm_err *err);
/* Audit records of a case, oldest first (its history). */
sm_status sm_store_case_history(sm_store *s, int64_t id, sm_event **out, size_t *n, sm_err *err);
/* The last audit record of case ID that changed it (created, edited or moved
 * it on: notes and prints aside), or with UNIT of unit ID (registered or
 * edited); SM_E_NOTFOUND when there is none.  What the loser of a race is
 * told (who, when, what). */
sm_status sm_store_last_change(sm_store *s, bool unit, int64_t id, sm_event *out, sm_err *err);
sm_status sm_tx_last_change(sm_tx *tx, bool unit, int64_t id, sm_event *out, sm_err *err);
sm_status sm_store_mark_get(sm_store *s, int64_t case_id, sm_mark *out, sm_err *err);
/* Case CASE_ID's published red page: its values (new reference), when it
 * was published (malloc'd) and its version; SM_E_NOTFOUND when none. */
sm_status sm_store_redpage_get(sm_store *s, int64_t case_id, json_t **values,
                               char **published_at, int64_t *version, sm_err *err);
/* One mark as the public site shows it: text borrowed from the row (valid
 * during the call only). */
typedef struct sm_site_mark {
	int64_t case_id;
	const char *code, *guid, *color;
	const char *certificate;  /* JSON text */
	sm_state state;           /* its case's */
	const char *redpage;      /* the published red page's values (JSON text), or NULL */
	const char *published_at;
} sm_site_mark;
typedef sm_status (*sm_site_mark_fn)(const sm_site_mark *m, void *ud, sm_err *err);
/* Call FN for every mark, in case order, from one snapshot; stops at the
 * first status FN returns that is not SM_OK and returns it. */
sm_status sm_store_site_marks(sm_store *s, sm_site_mark_fn fn, void *ud, sm_err *err);
sm_status sm_store_notices(sm_store *s, int64_t case_id, sm_notice **out, size_t *n, sm_err *err);
/* Up to LIMIT outbox rows due at NOW (pending, or retrying with next_at <=
 * NOW) with an id above AFTER, in id order. */
sm_status sm_store_notices_due(sm_store *s, const char *now, int64_t after, size_t limit,
                               sm_notice **out, size_t *n, sm_err *err);
/* The most bytes an e-mail's attachment kept with its notice may have:
 * SM_ATTACHMENT_MAX in a local file; SM_ATTACHMENT_MAX_CLUSTER on a dqlite
 * cluster, whose 1.11.1 fails transactions of a few megabytes with "disk
 * I/O error" (canonical/dqlite#432), some after they landed. */
#define SM_ATTACHMENT_MAX (20 * 1024 * 1024)
#define SM_ATTACHMENT_MAX_CLUSTER (2 * 1024 * 1024)
size_t sm_store_attachment_max(const sm_store *s);
/* The bytes of notice ID's attachment kept in the store (schema 12), into
 * *DATA (malloc'd) and *LEN; *DATA NULL when it keeps none (any more). */
sm_status sm_store_notice_attachment(sm_store *s, int64_t id, void **data, size_t *len,
                                     sm_err *err);
/* The cases in mark_issued whose hanging deadline (YYYY-MM-DD) is on or
 * before UNTIL: their ids and deadlines (free with sm_hang_due_free). */
sm_status sm_store_hang_due(sm_store *s, const char *until, int64_t **cases, char ***due,
                            size_t *n, sm_err *err);
void sm_hang_due_free(int64_t **cases, char ***due, size_t *n);
/* Whether a notice of each of the N cases IDS was given up, into FAILED[i]:
 * one query (a page of a list in one round trip on a cluster). */
sm_status sm_store_cases_notice_failed(sm_store *s, const int64_t *ids, size_t n, bool *failed,
    sm_err *err);
/* The marks of the N cases IDS into OUT[i] (zeroed by the caller, and left
 * so for a case without one), in one query. */
sm_status sm_store_marks_of(sm_store *s, const int64_t *ids, size_t n, sm_mark *out, sm_err *err);
sm_status sm_store_notes(sm_store *s, const char *object, int64_t id, sm_note **out, size_t *n,
                         sm_err *err);

/* Walk the audit log in order, verifying the hash chain.  *BROKEN_SEQ is 0 when
 * it is intact, else the seq of the first record that does not verify
 * (edited, deleted before it, or out of order); *COUNT the records read. */
sm_status sm_store_audit_verify(sm_store *s, int64_t *broken_seq, int64_t *count, sm_err *err);
/* A page of the audit log (in the chain's order) and, when TOTAL is not NULL,
 * how many records match the filter (its limit and offset aside). */
sm_status sm_store_audit_page(sm_store *s, const sm_audit_filter *f, sm_event **out, size_t *n,
                              int64_t *total, sm_err *err);
/* Audit record SEQ (SM_E_NOTFOUND). */
sm_status sm_store_audit_get(sm_store *s, int64_t seq, sm_event *out, sm_err *err);

/* ------------------------------------------------------------ the mark monitor */

/* An issued or hung mark on a unit's own site (sm_monitor.h). */
typedef struct sm_monitor_target {
	int64_t case_id;
	sm_state state;
	int64_t version;       /* the case's version when read */
	char *office;
	char *code;            /* the mark code */
	char *domains;         /* the case's english_domains as JSON (an array or a string) */
	char *site_name;
} sm_monitor_target;
void sm_monitor_target_clear(sm_monitor_target *t);
/* Up to LIMIT of them after case AFTER in case order, of UNIT, CASE_ID,
 * OFFICE (0 or NULL: any). */
sm_status sm_store_monitor_targets(sm_store *s, int64_t unit, int64_t case_id,
                                   const char *office, int64_t after, size_t limit,
                                   sm_monitor_target **out, size_t *n, sm_err *err);
/* Keep a check with its pages, by BY (*ID: the new check's). */
sm_status sm_tx_mark_check_insert(sm_tx *tx, const sm_mark_check *mc, const char *by,
                                  int64_t *id, sm_err *err);
/* How many checks of case CASE_ID at mark_hung failed in a row (since its
 * last check that passed, or found it not yet hung). */
sm_status sm_store_mark_checks_failing(sm_store *s, int64_t case_id, int64_t *n, sm_err *err);
/* In TX: whether case CASE_ID's latest check passed (*PASS); SM_E_NOTFOUND
 * when it has none. */
sm_status sm_tx_mark_check_passed(sm_tx *tx, int64_t case_id, bool *pass, sm_err *err);
/* The latest check of case CASE_ID with its pages (SM_E_NOTFOUND: none). */
sm_status sm_store_mark_check_latest(sm_store *s, int64_t case_id, sm_mark_check *out,
                                     sm_err *err);

#endif
