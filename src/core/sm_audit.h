/* sm_audit.h - the audit log's hash chain.
 *
 * Every record carries the hash of the record before it; the hash of a
 * record covers all its fields and that previous hash, so editing, deleting
 * or reordering rows breaks the chain at the first row touched. */
#ifndef SM_AUDIT_H
#define SM_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#define SM_AUDIT_HASH_LEN 64
/* The previous hash of the first record. */
#define SM_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct sm_audit_rec {
	int64_t seq;            /* 1, 2, 3 ... without gaps */
	const char *at;         /* ISO 8601, Asia/Shanghai */
	const char *actor;      /* login */
	const char *role;
	const char *ssh_client; /* $SSH_CLIENT or NULL */
	const char *object;     /* "case", "unit", "user", "office", "note" */
	int64_t object_id;      /* 0 when the object is named by a string id */
	const char *object_key; /* login or office code, or NULL */
	const char *action;
	const char *from_state; /* NULL when not a transition */
	const char *to_state;
	const char *reason;
	const char *values;     /* JSON text or NULL */
	const char *request_id;
	const char *prev_hash;  /* SM_AUDIT_HASH_LEN hex digits */
} sm_audit_rec;

/* SHA-256 over the canonical encoding of R, as lower-case hex into OUT. */
void sm_audit_hash(const sm_audit_rec *r, char out[SM_AUDIT_HASH_LEN + 1]);

/* SHA-256 over the same canonical encoding of TAG and the N strings of
 * PARTS (each may be NULL), as lower-case hex into OUT: the digest that binds
 * a request id to its request (sm_store_write_digest). */
void sm_audit_digest(const char *tag, const char *const *parts, size_t n,
                     char out[SM_AUDIT_HASH_LEN + 1]);

/* SHA-256 of LEN bytes at DATA, as lower-case hex into OUT (a mail's
 * attachment, named in its audit record). */
void sm_sha256_hex(const void *data, size_t len, char out[SM_AUDIT_HASH_LEN + 1]);

/* Base64 of LEN bytes (malloc'd, NUL-terminated): nettle stays in this file. */
char *sm_base64(const void *data, size_t len);

#endif
