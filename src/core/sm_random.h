/* sm_random.h - random identifiers from the kernel's generator. */
#ifndef SM_RANDOM_H
#define SM_RANDOM_H

#include <stddef.h>

#include "sm_err.h"

/* Fill BUF with NBYTES random bytes (getrandom). */
sm_status sm_random_bytes(void *buf, size_t nbytes, sm_err *err);
/* 32 upper-case hex digits and a NUL into BUF (33 bytes): the mark GUID. */
sm_status sm_random_guid(char buf[33], sm_err *err);
/* A request id (RFC 4122 version 4 UUID, lower case) into BUF (37 bytes). */
sm_status sm_random_request_id(char buf[37], sm_err *err);

#endif
