/* sm_curl.h - libcurl, loaded when a command needs it.
 *
 * libcurl and what it links (TLS, SSH, LDAP, Kerberos, HTTP/2...) are some
 * thirty shared libraries: linked to the program they were loaded by every
 * command.  Only notify run (sm_notify.c) and marks check (sm_monitor.c)
 * speak to the network, so libcurl is opened with dlopen() by its soname
 * (SM_CURL_SONAME, from configure), through the dynamic linker's trusted
 * directories only (a set-group-id program's loader ignores LD_LIBRARY_PATH),
 * when one of them starts: sm_curl_load().
 *
 * A file includes this header instead of <curl/curl.h> and calls curl as
 * always: after the table, every function it uses names its entry.  A new
 * function of libcurl goes into SM_CURL_FUNCTIONS and gets its #define. */
#ifndef SM_CURL_H
#define SM_CURL_H

#include <curl/curl.h>

#include "sm_err.h"

#define SM_CURL_FUNCTIONS(X) \
	X(easy_cleanup) X(easy_getinfo) X(easy_init) X(easy_perform) X(easy_reset) \
	X(easy_setopt) X(easy_strerror) X(free) X(global_cleanup) X(global_init) \
	X(multi_add_handle) X(multi_cleanup) X(multi_info_read) X(multi_init) \
	X(multi_perform) X(multi_poll) X(multi_remove_handle) X(multi_setopt) \
	X(slist_append) X(slist_free_all) X(url) X(url_cleanup) X(url_get) X(url_set)

struct sm_curl_table {
#define SM_CURL_ENTRY(name) __typeof__(curl_##name) *name;
	SM_CURL_FUNCTIONS(SM_CURL_ENTRY)
#undef SM_CURL_ENTRY
};
extern struct sm_curl_table sm_curl;

/* Open libcurl once (later calls do nothing); SM_E_IO with the loader's
 * words when it cannot be. */
sm_status sm_curl_load(sm_err *err);

#ifndef SM_CURL_IMPLEMENTATION
/* curl's own type-checking macros name the functions: these replace them */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_easy_cleanup (*sm_curl.easy_cleanup)
#define curl_easy_getinfo (*sm_curl.easy_getinfo)
#define curl_easy_init (*sm_curl.easy_init)
#define curl_easy_perform (*sm_curl.easy_perform)
#define curl_easy_reset (*sm_curl.easy_reset)
#define curl_easy_setopt (*sm_curl.easy_setopt)
#define curl_easy_strerror (*sm_curl.easy_strerror)
#define curl_free (*sm_curl.free)
#define curl_global_cleanup (*sm_curl.global_cleanup)
#define curl_global_init (*sm_curl.global_init)
#define curl_multi_add_handle (*sm_curl.multi_add_handle)
#define curl_multi_cleanup (*sm_curl.multi_cleanup)
#define curl_multi_info_read (*sm_curl.multi_info_read)
#define curl_multi_init (*sm_curl.multi_init)
#define curl_multi_perform (*sm_curl.multi_perform)
#define curl_multi_poll (*sm_curl.multi_poll)
#define curl_multi_remove_handle (*sm_curl.multi_remove_handle)
#define curl_multi_setopt (*sm_curl.multi_setopt)
#define curl_slist_append (*sm_curl.slist_append)
#define curl_slist_free_all (*sm_curl.slist_free_all)
#define curl_url (*sm_curl.url)
#define curl_url_cleanup (*sm_curl.url_cleanup)
#define curl_url_get (*sm_curl.url_get)
#define curl_url_set (*sm_curl.url_set)
#endif

#endif
