/* sm_priv.h - running installed set-group-id (issue 7): whether the process
 * has privileges its caller lacks, and opening the files the caller names
 * with the caller's own identity. */
#ifndef SM_PRIV_H
#define SM_PRIV_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Whether the program runs with privileges its caller lacks: set-group-id
 * or set-user-id (AT_SECURE), or real and effective ids that differ. */
bool sm_priv_active(void);

/* At start: when privileged, umask(007), so that the files the program
 * creates with its group (the database, its log) are group-writable and
 * never world-readable. */
void sm_priv_init(void);

/* fopen(3) and open(2) with the caller's own identity: the effective group
 * (and user) are dropped to the real ones around the call and restored
 * after.  Plain calls when not privileged.  NULL / -1 with errno set. */
FILE *sm_priv_fopen(const char *path, const char *mode);
int sm_priv_open(const char *path, int flags, mode_t mode);

#endif
