/* fuzz_values.c - libFuzzer harness for values validation (sm_form_validate).
 *
 * The project's own forms (the forms directory of FUZZ_DATADIR) and divisions are
 * loaded once; the input's first byte picks a form, the rest is a values
 * file (YAML) validated against it, complete and partial, and the
 * normalised values must validate again. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_division.h"
#include "sm_err.h"
#include "sm_form.h"
#include "sm_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_forms *forms;
static sm_divisions *divs;

static void
load(void)
{
	sm_err *err = sm_err_new();
	const char *dir = getenv("FUZZ_DATADIR");
	char *p = NULL;

	if (dir == NULL)
		dir = FUZZ_DATADIR;
	if (asprintf(&p, "%s/forms", dir) < 0 || sm_forms_load_dir(p, &forms, err) != SM_OK)
		abort();
	free(p);
	if (asprintf(&p, "%s/data/divisions.tsv", dir) < 0 ||
	    sm_divisions_load(p, &divs, err) != SM_OK)
		abort();
	free(p);
	sm_err_free(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const sm_form *form;
	sm_err *err;
	json_t *v, *norm = NULL;

	if (forms == NULL)
		load();
	if (size == 0)
		return 0;
	form = sm_forms_at(forms, data[0] % sm_forms_count(forms));
	err = sm_err_new();
	if (err == NULL)
		return 0;
	v = sm_values_load_buffer((const char *)data + 1, size - 1, "values.yaml", err);
	if (v != NULL) {
		sm_err_clear(err);
		(void)sm_form_validate(form, v, divs, SM_FORM_PARTIAL, NULL, err);
		sm_err_clear(err);
		if (sm_form_validate(form, v, divs, SM_FORM_COMPLETE, &norm, err) == SM_OK) {
			json_t *again = NULL;
			sm_err_clear(err);
			/* normalised values are valid as they are */
			if (sm_form_validate(form, norm, divs, SM_FORM_COMPLETE, &again, err) != SM_OK)
				abort();
			json_decref(again);
		}
		json_decref(norm);
		json_decref(v);
	}
	sm_err_free(&err);
	return 0;
}
