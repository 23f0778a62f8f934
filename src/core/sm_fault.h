/* sm_fault.h - failure injection into the database driver, for tests only.
 *
 * Nothing of sitemark calls these; tests/check_faults.c does, to make the
 * Nth allocation of SQLite, or its Nth write, sync or truncate of a file,
 * fail in the middle of a transition (trust.md, scenario 7).  Implemented
 * in sm_db_sqlite.c, the only file that knows SQLite. */
#ifndef SM_FAULT_H
#define SM_FAULT_H

#include <stdbool.h>

typedef enum sm_fault_kind {
	SM_FAULT_NONE,
	SM_FAULT_ALLOC, /* the Nth allocation (malloc or realloc) fails, once */
	SM_FAULT_IO,    /* the Nth write, sync or truncate fails, once, as an I/O error */
	SM_FAULT_FULL,  /* every write from the Nth on fails: the disk is full */
} sm_fault_kind;

/* Install SQLite's allocator wrapper and the failing file system (made the
 * default); before the first database is opened.  Nonzero on failure. */
int sm_fault_install(void);

/* Arm KIND to fire at the Nth (1-based) counted call from now on. */
void sm_fault_arm(sm_fault_kind kind, long n);

/* Disarm; whether the armed fault fired. */
bool sm_fault_disarm(void);

/* How many calls of the armed kind were counted since arming. */
long sm_fault_count(void);

#endif
