/* sm_division.h - GB/T 2260 administrative divisions (data/divisions.tsv).
 *
 * The table is shipped as data: code<TAB>name<TAB>parent.  "000000" is the
 * central level (中央和国家机关), always known even if not in the file. */
#ifndef SM_DIVISION_H
#define SM_DIVISION_H

#include <stddef.h>

#include "sm_err.h"

typedef struct sm_divisions sm_divisions;

typedef enum sm_level {
	SM_LEVEL_INVALID = 0,
	SM_LEVEL_CENTRAL,    /* 000000 */
	SM_LEVEL_PROVINCE,   /* xx0000 */
	SM_LEVEL_PREFECTURE, /* xxyy00 */
	SM_LEVEL_COUNTY      /* xxyyzz */
} sm_level;

/* Load PATH.  On failure returns SM_E_IO or SM_E_INVALID with the file and
 * line in ERR. */
sm_status sm_divisions_load(const char *path, sm_divisions **out, sm_err *err);
void sm_divisions_free(sm_divisions **dp);
size_t sm_divisions_count(const sm_divisions *d);

/* The level implied by the code's shape (6 digits), without the table. */
sm_level sm_division_level(const char *code);
/* Untranslated English name of a level ("province", ...), an N_() msgid. */
const char *sm_level_name(sm_level level);

/* The name of CODE ("福州市"), or NULL when the table does not have it.
 * "000000" gives "中央和国家机关". */
const char *sm_division_name(const sm_divisions *d, const char *code);
/* The parent code ("350100" -> "350000"), or NULL for provinces/unknown. */
const char *sm_division_parent(const sm_divisions *d, const char *code);
/* Full name into BUF: "福建省福州市鼓楼区"; a "市辖区"/"县" placeholder level
 * is skipped. Returns BUF, or NULL when CODE is unknown. */
char *sm_division_full_name(const sm_divisions *d, const char *code, char *buf, size_t bufsz);

/* NULL when CODE is a known 6-digit code, else a msgid. */
const char *sm_division_check(const sm_divisions *d, const char *code);

/* Iterate: the I-th code in ascending order (for choice lists), or NULL. */
const char *sm_divisions_code_at(const sm_divisions *d, size_t i);

#endif
