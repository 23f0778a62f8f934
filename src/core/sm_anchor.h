/* sm_anchor.h - the audit chain's anchors outside the database.
 *
 * The hash chain (sm_audit.h) shows a row edited in place, but not a tail
 * deleted, nor a chain rewritten and hashed again from some record on.  So
 * the chain's head (seq, hash, time) is written out of the database's reach:
 * to syslog (the journal, a remote log host) and to an append-only anchors
 * file, one line per anchor, fsync'd.  The store anchors after a commit
 * that crosses a multiple of audit.anchor_every records or starts a new
 * day; `audit verify` and `check` anchor the head they verified.  Checking
 * the chain against the anchors finds a deleted tail (an anchor beyond the
 * last record) and a recomputed chain (an anchored record whose hash is no
 * longer the anchored one).
 *
 * A line of the anchors file: "SEQ HASH AT WHY\n" (AT is ISO 8601,
 * Asia/Shanghai; WHY one word: every, day, check). */
#ifndef SM_ANCHOR_H
#define SM_ANCHOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_audit.h"
#include "sm_err.h"

/* The default of audit.anchor_every. */
#define SM_ANCHOR_EVERY 1000

typedef struct sm_anchor {
	int64_t seq;
	char hash[SM_AUDIT_HASH_LEN + 1];
	char at[32];
	int line;        /* in the anchors file */
} sm_anchor;

/* What checking the audit log against its anchors found. */
typedef struct sm_audit_check {
	int64_t count;        /* records read */
	int64_t head_seq;     /* the last record of an intact chain */
	int64_t broken_seq;   /* the chain: first record that does not verify, 0 */
	size_t anchors;       /* anchors read */
	int64_t anchor_seq;   /* the first anchor the log no longer matches, 0 */
	char anchor_at[32];   /* when that anchor was written */
	bool tail_deleted;    /* that anchor is beyond the last record */
	int64_t first_bad;    /* the first record that no longer matches its anchors:
	                       * a deleted tail, the record after the last one;
	                       * a rewritten chain, the first after the last anchor
	                       * that still matches (the rewrite began there or later) */
	bool anchored;        /* the verified head was anchored now */
	bool anchors_missing; /* the anchors file (audit.anchors) does not exist
	                       * though the log has records: nothing anchored */
	char anchors_path[4096]; /* the anchors file read */
} sm_audit_check;

/* A syslog facility by name (auth, authpriv, daemon, user, local0 ... local7),
 * or -1 for "none"; -2 for an unknown name. */
int sm_anchor_facility(const char *name);

/* Append the anchor (SEQ, HASH, AT) to PATH (created 0640 when missing,
 * opened O_APPEND, fsync'd) and, unless FACILITY is -1, send it to syslog
 * with DB (the database's path) and WHY.  SM_E_IO with a message. */
sm_status sm_anchor_append(const char *path, int facility, const char *db, int64_t seq,
                           const char *hash, const char *at, const char *why, sm_err *err);

/* The anchors of PATH in the file's order (none when the file does not
 * exist).  A line that is not an anchor is SM_E_INVALID ("PATH:LINE: ..."). */
sm_status sm_anchor_load(const char *path, sm_anchor **out, size_t *n, sm_err *err);

#endif
