/* sm_curl.c - see sm_curl.h. */
#include <config.h>

#define SM_CURL_IMPLEMENTATION
#include "sm_curl.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <string.h>

#include "sm_i18n.h"

struct sm_curl_table sm_curl;

sm_status
sm_curl_load(sm_err *err)
{
	static void *lib;
	if (lib != NULL)
		return SM_OK;
	void *h = dlopen(SM_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char *why = dlerror();
		return sm_err_add(err, SM_E_IO, NULL, _("cannot load libcurl (%s): %s"),
		    SM_CURL_SONAME, why ? why : "?");
	}
	struct sm_curl_table t;
	bool missing = false;
	void *sym;
	/* a data pointer to a function pointer: POSIX's dlsym() guarantees it */
#define SM_CURL_LOOKUP(name) \
	if ((sym = dlsym(h, "curl_" #name)) != NULL) \
		memcpy(&t.name, &sym, sizeof(sym)); \
	else if (!missing) { \
		missing = true; \
		sm_err_add(err, SM_E_IO, NULL, _("cannot load libcurl (%s): %s"), SM_CURL_SONAME, \
		    "curl_" #name); \
	}
	SM_CURL_FUNCTIONS(SM_CURL_LOOKUP)
#undef SM_CURL_LOOKUP
	if (missing) {
		dlclose(h);
		return SM_E_IO;
	}
	sm_curl = t;
	lib = h;
	return SM_OK;
}
