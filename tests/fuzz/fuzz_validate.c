/* fuzz_validate.c - libFuzzer harness for the validators (sm_validate.h).
 *
 * Every validator by name, the domain normalisation and the reviewer hints
 * on the input: no crash, no leak, and a valid value is valid again. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const *names = sm_validator_names();
	char *s = malloc(size + 1), *ace = NULL, *uni = NULL;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (size_t i = 0; names[i] != NULL; i++) {
		sm_check_fn fn = sm_validator_find(names[i]);
		if (fn == NULL)
			abort();
		(void)fn(s);
	}
	if (sm_domain_normalise(s, &ace, &uni) == NULL) {
		/* what came out normalises to itself */
		char *ace2 = NULL;
		if (ace == NULL || uni == NULL || sm_domain_normalise(ace, &ace2, NULL) != NULL ||
		    strcmp(ace, ace2) != 0)
			abort();
		free(ace2);
	}
	free(ace);
	free(uni);
	(void)sm_check_registry_label(s, SM_TLD_ZHENGWU);
	(void)sm_check_registry_label(s, SM_TLD_GONGYI);
	(void)sm_hint_uscc_type(s, "organ");
	(void)sm_hint_uscc_type(s, "social");
	(void)sm_hint_address_vague(s);
	(void)sm_hint_site_name_china(s, "350100");
	(void)sm_hint_english_domain(s, "organ");
	free(s);
	return 0;
}
