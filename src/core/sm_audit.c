/* sm_audit.c - the audit log's hash chain (nettle's SHA-256). */
#include <config.h>

#include "sm_audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/sha2.h>

/* Each field is written as "<length>:<bytes>," and a missing one as "-,", so
 * no two different records encode alike. */
static void
put(struct sha256_ctx *ctx, const char *s)
{
	char len[24];
	if (s == NULL) {
		sha256_update(ctx, 2, (const uint8_t *)"-,");
		return;
	}
	size_t n = strlen(s);
	int k = snprintf(len, sizeof(len), "%zu:", n);
	sha256_update(ctx, (size_t)k, (const uint8_t *)len);
	sha256_update(ctx, n, (const uint8_t *)s);
	sha256_update(ctx, 1, (const uint8_t *)",");
}

static void
put_int(struct sha256_ctx *ctx, int64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	put(ctx, buf);
}

void
sm_audit_hash(const sm_audit_rec *r, char out[SM_AUDIT_HASH_LEN + 1])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	put(&ctx, "sitemark-audit-v1");
	put_int(&ctx, r->seq);
	put(&ctx, r->at);
	put(&ctx, r->actor);
	put(&ctx, r->role);
	put(&ctx, r->ssh_client);
	put(&ctx, r->object);
	put_int(&ctx, r->object_id);
	put(&ctx, r->object_key);
	put(&ctx, r->action);
	put(&ctx, r->from_state);
	put(&ctx, r->to_state);
	put(&ctx, r->reason);
	put(&ctx, r->values);
	put(&ctx, r->request_id);
	put(&ctx, r->prev_hash);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

void
sm_audit_digest(const char *tag, const char *const *parts, size_t n,
                char out[SM_AUDIT_HASH_LEN + 1])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	put(&ctx, tag);
	put_int(&ctx, (int64_t)n);
	for (size_t i = 0; i < n; i++)
		put(&ctx, parts[i]);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

void
sm_sha256_hex(const void *data, size_t len, char out[SM_AUDIT_HASH_LEN + 1])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

char *
sm_base64(const void *data, size_t len)
{
	char *out = malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
	if (out == NULL)
		return NULL;
	base64_encode_raw(out, len, data);
	out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
	return out;
}
