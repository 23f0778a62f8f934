/* testutil.h - helpers shared by the Check suites. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>

#include "sm_app.h"
#include "sm_err.h"
#include "sm_vocab.h"

/* $top_srcdir (set by make check), else ".". */
const char *tu_srcdir(void);
/* A path below the source tree: tu_src("forms/site.yaml"); static buffer
 * rotated over 8 calls. */
const char *tu_src(const char *rel);
/* A new empty directory for this test under $TMPDIR; malloc'd path. */
char *tu_tmpdir(void);
/* Write TEXT to DIR/NAME and return the malloc'd path. */
char *tu_write(const char *dir, const char *name, const char *text);
/* Remove DIR and everything below it. */
void tu_rmrf(const char *dir);
/* Switch messages to Chinese (zh_CN.UTF-8, catalogue from
 * $SITEMARK_LOCALEDIR) or English; returns 0 when the locale exists. */
int tu_lang(const char *lang);

/* Print ERR's problems to stderr: the context of a failed expectation. */
void tu_dump_err(const sm_err *err);
/* X (an sm_status call filling ERR) must succeed; else ERR is printed and the
 * test fails, naming the line and the call. */
#define TU_OK(err, x) do { \
	sm_err_clear(err); \
	sm_status st_ = (x); \
	if (st_ != SM_OK) \
		tu_dump_err(err); \
	ck_assert_msg(st_ == SM_OK, "line %d: %s: status %d", __LINE__, #x, (int)st_); \
} while (0)

/* Separation of duties (三员分立) in fixtures: the security administrator
 * "sec" grants LOGIN the ROLE it was created for (the office it was created
 * for), then BACK is logged in again. */
void tu_grant(sm_app *app, const char *login, sm_role role, const char *back, sm_err *err);
/* The system administrator SYSADMIN creates LOGIN for ROLE (OFFICE for an
 * office reviewer, named LOGIN) and "sec" grants it; SYSADMIN is logged in
 * again after. */
void tu_staff(sm_app *app, const char *sysadmin, const char *login, sm_role role,
              const char *office, sm_err *err);

#endif
