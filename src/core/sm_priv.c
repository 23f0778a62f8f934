/* sm_priv.c - see sm_priv.h. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_priv.h"

bool
sm_priv_active(void)
{
	return getauxval(AT_SECURE) != 0 || getuid() != geteuid() || getgid() != getegid();
}

void
sm_priv_init(void)
{
	if (sm_priv_active())
		umask(007);
}

/* Drop to the caller's ids; 0, or -1 (errno) with nothing changed. */
static int
drop(uid_t *eu, gid_t *eg)
{
	*eu = geteuid();
	*eg = getegid();
	if (*eg != getgid() && setegid(getgid()) != 0)
		return -1;
	if (*eu != getuid() && seteuid(getuid()) != 0) {
		int e = errno;
		(void)setegid(*eg);
		errno = e;
		return -1;
	}
	return 0;
}

static void
restore(uid_t eu, gid_t eg)
{
	int e = errno;
	if (eu != geteuid() && seteuid(eu) != 0)
		_exit(125); /* cannot happen: the saved id is eu */
	if (eg != getegid() && setegid(eg) != 0)
		_exit(125);
	errno = e;
}

int
sm_priv_lower(sm_priv_saved *saved)
{
	saved->eu = geteuid();
	saved->eg = getegid();
	return sm_priv_active() ? drop(&saved->eu, &saved->eg) : 0;
}

void
sm_priv_raise(const sm_priv_saved *saved)
{
	if (sm_priv_active())
		restore(saved->eu, saved->eg);
}

FILE *
sm_priv_fopen(const char *path, const char *mode)
{
	uid_t eu;
	gid_t eg;
	if (!sm_priv_active())
		return fopen(path, mode);
	if (drop(&eu, &eg) != 0)
		return NULL;
	FILE *f = fopen(path, mode);
	restore(eu, eg);
	return f;
}

int
sm_priv_open(const char *path, int flags, mode_t mode)
{
	uid_t eu;
	gid_t eg;
	if (!sm_priv_active())
		return open(path, flags, mode);
	if (drop(&eu, &eg) != 0)
		return -1;
	int fd = open(path, flags, mode);
	restore(eu, eg);
	return fd;
}
