/* sm_err.h - errors as values.
 *
 * A function that can fail returns an sm_status and, when it is given an
 * sm_err, appends one problem per thing that is wrong: the field or rule it
 * names and a message already translated into the user's language.  The core
 * never prints; the caller shows the problems. */
#ifndef SM_ERR_H
#define SM_ERR_H

#include <stddef.h>

typedef enum sm_status {
	SM_OK = 0,
	SM_E_INVALID,   /* a value or a file fails validation */
	SM_E_DENIED,    /* the role, office or user may not do this */
	SM_E_STATE,     /* the action does not apply in the case's state */
	SM_E_CONFLICT,  /* someone else acted first (optimistic lock) */
	SM_E_DUPLICATE, /* a uniqueness rule would be broken */
	SM_E_NOTFOUND,  /* no such record */
	SM_E_USAGE,     /* the caller's words are wrong (exit status 2) */
	SM_E_STORE,     /* the database failed, is corrupt, or is too new */
	SM_E_IO,        /* a file could not be read or written */
	SM_E_NOMEM      /* out of memory */
} sm_status;

typedef struct sm_err sm_err;

sm_err *sm_err_new(void);
void sm_err_free(sm_err **errp);
void sm_err_clear(sm_err *err);

/* Append a problem.  FIELD may be NULL (a rule, not a field).  FMT is a
 * printf format that the caller has already passed through _().  Returns
 * STATUS so that callers can write `return sm_err_add(...)`.  ERR may be
 * NULL, in which case only STATUS is returned. */
sm_status sm_err_add(sm_err *err, sm_status status, const char *field,
                     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Append every problem of SRC to DST, prefixing fields with PREFIX + "." when
 * PREFIX is not NULL. */
void sm_err_merge(sm_err *dst, const sm_err *src, const char *prefix);

size_t sm_err_count(const sm_err *err);
/* The status of the first problem, SM_OK when there is none. */
sm_status sm_err_status(const sm_err *err);
sm_status sm_err_status_at(const sm_err *err, size_t i);
const char *sm_err_field(const sm_err *err, size_t i); /* may be NULL */
const char *sm_err_msg(const sm_err *err, size_t i);

/* Exit status for a command line: 0 ok, 2 usage, 1 anything else. */
int sm_status_exit_code(sm_status status);

#endif
