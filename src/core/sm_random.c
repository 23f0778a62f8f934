/* sm_random.c - random identifiers from the kernel's generator, or from a
 * fixed sequence for the demo. */
#include <config.h>

#include "sm_random.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "sm_i18n.h"

/* The fixed sequence's state; 0: use the kernel's generator. */
static _Thread_local uint64_t fixed_state;

void
sm_random_fixed(uint64_t seed)
{
	fixed_state = seed;
}

/* splitmix64 (Steele, Lea, Flood 2014): a full-period sequence of 64-bit
 * values, here only so that the demo is the same on every run. */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

sm_status
sm_random_bytes(void *buf, size_t nbytes, sm_err *err)
{
	unsigned char *p = buf;
	if (fixed_state != 0) {
		while (nbytes > 0) {
			uint64_t v = splitmix64(&fixed_state);
			for (int i = 0; i < 8 && nbytes > 0; i++, nbytes--)
				*p++ = (unsigned char)(v >> (8 * i));
		}
		return SM_OK;
	}
	while (nbytes > 0) {
		ssize_t r = getrandom(p, nbytes, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sm_err_add(err, SM_E_IO, NULL,
			    _("cannot read random numbers: %s"), strerror(errno));
		}
		p += r;
		nbytes -= (size_t)r;
	}
	return SM_OK;
}

static void
hex(char *out, const unsigned char *in, size_t n, const char *digits)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

sm_status
sm_random_guid(char buf[33], sm_err *err)
{
	unsigned char b[16];
	if (sm_random_bytes(b, sizeof(b), err) != SM_OK)
		return SM_E_IO;
	hex(buf, b, sizeof(b), "0123456789ABCDEF");
	return SM_OK;
}

sm_status
sm_random_request_id(char buf[37], sm_err *err)
{
	unsigned char b[16];
	char h[33];
	if (sm_random_bytes(b, sizeof(b), err) != SM_OK)
		return SM_E_IO;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	hex(h, b, sizeof(b), "0123456789abcdef");
	snprintf(buf, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
	return SM_OK;
}
