/* sm_random.h - random identifiers from the kernel's generator, or from a
 * fixed sequence while the demo is built (the same ids on every run). */
#ifndef SM_RANDOM_H
#define SM_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "sm_err.h"

/* From now on, in this thread, the bytes come from a fixed sequence started
 * by SEED (splitmix64), not from the kernel: for the demo data, whose GUIDs
 * and request ids must be the same on every run.  SEED 0 goes back to the
 * kernel's generator.  Never for real data. */
void sm_random_fixed(uint64_t seed);

/* Fill BUF with NBYTES random bytes (getrandom, or the fixed sequence). */
sm_status sm_random_bytes(void *buf, size_t nbytes, sm_err *err);
/* 32 upper-case hex digits and a NUL into BUF (33 bytes): the mark GUID. */
sm_status sm_random_guid(char buf[33], sm_err *err);
/* A request id (RFC 4122 version 4 UUID, lower case) into BUF (37 bytes). */
sm_status sm_random_request_id(char buf[37], sm_err *err);

#endif
