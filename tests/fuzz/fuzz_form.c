/* fuzz_form.c - libFuzzer harness for the form loader (sm_form_load).
 *
 * The input as a form definition, written to a temporary file (the loader
 * reads files): refused with at least one message, or loaded, then its
 * strings listed and an empty and a partial set of values validated. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sm_err.h"
#include "sm_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];
static int fd = -1;

static void
count_string(const char *msgid, void *ud)
{
	(void)msgid;
	(*(size_t *)ud)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sm_err *err;
	sm_form *form = NULL;

	if (fd < 0) {
		const char *dir = getenv("TMPDIR");
		snprintf(path, sizeof(path), "%s/sm-fuzz-form-XXXXXX", dir && strlen(dir) < 32 ? dir : "/tmp");
		if ((fd = mkstemp(path)) < 0)
			abort();
		unlink(path); /* reached again through /proc/self/fd */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	err = sm_err_new();
	if (err == NULL)
		return 0;
	if (sm_form_load(path, &form, err) == SM_OK) {
		size_t n = 0;
		json_t *empty = json_object(), *norm = NULL;
		sm_form_strings(form, count_string, &n);
		sm_err_clear(err);
		(void)sm_form_validate(form, empty, NULL, SM_FORM_COMPLETE, &norm, err);
		json_decref(norm);
		norm = NULL;
		sm_err_clear(err);
		(void)sm_form_validate(form, empty, NULL, SM_FORM_PARTIAL, &norm, err);
		json_decref(norm);
		json_decref(empty);
		sm_form_free(&form);
	} else if (sm_err_count(err) == 0) {
		abort(); /* a refusal says why */
	}
	sm_err_free(&err);
	return 0;
}
