/* testutil.h - helpers shared by the Check suites. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>

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

#endif
