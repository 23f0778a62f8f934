/* fuzz_scan.c - libFuzzer harness for the mark monitor's page scanner
 * (sm_scan.h; tests/fuzz/README.md).
 *
 * A page as a hostile site sends it, read whole and in pieces of every
 * size from 1 to 16 bytes (the first byte of the input picks the mark
 * code's case): the verdict, the title and the charset found do not
 * depend on where the reads end, the title stays within its buffer, and
 * a settled verdict is one in the body. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void
scan(const char *code, const uint8_t *data, size_t size, size_t chunk, sm_scan *s)
{
	sm_scan_init(s, code);
	for (size_t at = 0; at < size; at += chunk)
		sm_scan_bytes(s, data + at, size - at < chunk ? size - at : chunk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sm_scan whole, part;
	const char *code = size > 0 && (data[0] & 1) ? "CA350010002000000420001" :
	    "ca350010002000000420001";
	scan(code, data, size, size ? size : 1, &whole);
	sm_mark_where w = sm_scan_where(&whole);
	CHECK(w >= 0 && w < SM_WHERE_COUNT);
	CHECK(whole.title_len < SM_SCAN_TITLE_MAX);
	CHECK(memchr(whole.charset, '\0', sizeof(whole.charset)) != NULL);
	if (sm_scan_settled(&whole))
		CHECK(w == SM_WHERE_BODY_END || w == SM_WHERE_BODY);
	for (size_t chunk = 1; chunk <= 16 && chunk < size; chunk++) {
		scan(code, data, size, chunk, &part);
		CHECK(sm_scan_where(&part) == w);
		CHECK(part.have_title == whole.have_title);
		CHECK(part.title_len == whole.title_len &&
		    memcmp(part.title, whole.title, whole.title_len) == 0);
		CHECK(strcmp(part.charset, whole.charset) == 0);
	}
	return 0;
}
