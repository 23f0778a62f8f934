/* fuzz_text.c - libFuzzer harness for sm_text (tests/fuzz/README.md).
 *
 * Every function of sm_text.h on the input, and what they promise:
 * neutralised text is clean, valid UTF-8 and neutral again; an excerpt is
 * at most 64 bytes; a padded cell is exactly its width. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *n, *again, *e, *t;
	char cell[64];
	size_t len, width;
	unsigned int cp;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* with an explicit length (NULs inside) and as a C string */
	for (int nl = 0; nl < 2; nl++) {
		n = sm_text_neutralise(s, size, nl);
		CHECK(n != NULL);
		CHECK(sm_text_valid_utf8(n, (size_t)-1));
		CHECK(sm_text_is_clean(n, nl));
		again = sm_text_neutralise(n, (size_t)-1, nl);
		CHECK(again != NULL && strcmp(again, n) == 0);
		free(again);
		free(n);
	}
	(void)sm_text_is_clean(s, false);
	(void)sm_text_valid_utf8(s, size);
	(void)sm_utf8_decode(s, size, &cp);
	len = strlen(s);
	width = sm_text_width(s);
	CHECK(sm_text_fit(s, width, NULL) == len);
	for (size_t w = 0; w < 12; w++) {
		size_t got;
		CHECK(sm_text_fit(s, w, &got) <= len && got <= w);
	}
	/* Pad clean text into cells of several widths and buffer sizes. */
	n = sm_text_neutralise(s, (size_t)-1, false);
	if (n != NULL) {
		for (size_t w = 0; w < 20; w += 3) {
			sm_text_pad(cell, sizeof(cell), n, w, '>');
			CHECK(strlen(cell) < sizeof(cell));
			CHECK(sm_text_width(cell) == w);
			sm_text_pad(cell, 5, n, w, '\0');
			CHECK(strlen(cell) < 5);
		}
		free(n);
	}
	/* Walk back and forth. */
	for (size_t pos = 0, k = 0; pos < len && k < 256; k++) {
		size_t next = sm_text_next(s, pos);
		CHECK(next > pos && next <= len);
		CHECK(sm_text_prev(s, next) < next);
		pos = next;
	}
	e = sm_text_excerpt(s);
	CHECK(e != NULL && strlen(e) <= 64);
	CHECK(sm_text_valid_utf8(e, (size_t)-1));
	sm_text_excerpt_free(e);
	t = strdup(s);
	if (t != NULL) {
		CHECK(strlen(sm_text_trim(t)) <= len);
		free(t);
	}
	free(s);
	return 0;
}
