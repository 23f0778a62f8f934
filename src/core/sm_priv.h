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
/* Around a run of file operations on the caller's files (the drafts):
 * sm_priv_lower drops to the caller's ids (0, or -1 with errno and nothing
 * changed), sm_priv_raise restores what it saved.  No-ops when not
 * privileged. */
typedef struct sm_priv_saved {
	uid_t eu;
	gid_t eg;
} sm_priv_saved;
int sm_priv_lower(sm_priv_saved *saved);
void sm_priv_raise(const sm_priv_saved *saved);

FILE *sm_priv_fopen(const char *path, const char *mode);
int sm_priv_open(const char *path, int flags, mode_t mode);

#endif
