/* fuzz_yaml.c - libFuzzer harness for the YAML loader (sm_yaml).
 *
 * The input as a YAML document: the tree, its JSON, the JSON written back
 * as YAML and read again, and the input as a values file.  Bombs (deep
 * nesting, aliases) must be refused with a message, not crash or hang. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_err.h"
#include "sm_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sm_err *err = sm_err_new();
	sm_node *root = NULL;
	json_t *v;

	if (err == NULL)
		return 0;
	if (sm_yaml_load_buffer((const char *)data, size, "fuzz.yaml", &root, err) == SM_OK) {
		json_t *j = sm_node_to_json(root);
		if (j != NULL) {
			char *back = sm_yaml_dump_json(j);
			if (back != NULL) {
				sm_node *again = NULL;
				sm_err_clear(err);
				(void)sm_yaml_load_buffer(back, strlen(back), "back.yaml", &again, err);
				sm_node_free(&again);
				free(back);
			}
			json_decref(j);
		}
		(void)sm_node_str(root, "name");
		(void)sm_node_get(root, "contact");
	} else if (sm_err_count(err) == 0) {
		abort(); /* a refusal says why */
	}
	sm_node_free(&root);
	sm_err_clear(err);
	v = sm_values_load_buffer((const char *)data, size, "values.yaml", err);
	if (v == NULL && sm_err_count(err) == 0)
		abort();
	json_decref(v);
	sm_err_free(&err);
	return 0;
}
