/* sm_anchor.c - the audit chain's anchors: syslog and an append-only file. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sm_anchor.h"
#include "sm_i18n.h"

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{"auth", LOG_AUTH}, {"authpriv", LOG_AUTHPRIV}, {"daemon", LOG_DAEMON},
	{"user", LOG_USER}, {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
	{"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
	{"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
	{"none", -1},
};

int
sm_anchor_facility(const char *name)
{
	for (size_t i = 0; name && i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(name, facilities[i].name) == 0)
			return facilities[i].facility;
	return -2;
}

static bool
is_hash(const char *h)
{
	size_t n = 0;
	for (; h[n]; n++)
		if (!((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f')))
			return false;
	return n == SM_AUDIT_HASH_LEN;
}

sm_status
sm_anchor_append(const char *path, int facility, const char *db, int64_t seq,
                 const char *hash, const char *at, const char *why, sm_err *err)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "%" PRId64 " %s %s %s\n", seq, hash, at, why);
	sm_status st = SM_OK;

	if (facility >= 0) {
		/* the journal (and a remote log host) keeps a copy out of reach */
		openlog("sitemark", LOG_PID, facility);
		syslog(facility | LOG_NOTICE, "audit anchor seq=%" PRId64 " hash=%s at=%s why=%s db=%s",
		    seq, hash, at, why, db ? db : "");
		closelog();
	}
	if (path == NULL || *path == '\0')
		return SM_OK;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
	if (fd < 0)
		return sm_err_add(err, SM_E_IO, NULL, _("cannot open the anchors file %s: %s"), path,
		    strerror(errno));
	if (n < 0 || (size_t)n >= sizeof(line) || write(fd, line, (size_t)n) != n ||
	    fsync(fd) != 0)
		st = sm_err_add(err, SM_E_IO, NULL, _("cannot write the anchors file %s: %s"), path,
		    strerror(errno ? errno : EIO));
	if (close(fd) != 0 && st == SM_OK)
		st = sm_err_add(err, SM_E_IO, NULL, _("cannot write the anchors file %s: %s"), path,
		    strerror(errno));
	return st;
}

sm_status
sm_anchor_load(const char *path, sm_anchor **out, size_t *n, sm_err *err)
{
	FILE *f;
	char buf[512];
	sm_anchor *arr = NULL;
	size_t len = 0, cap = 0;
	int lineno = 0;

	*out = NULL;
	*n = 0;
	if (path == NULL || (f = fopen(path, "re")) == NULL) {
		if (path == NULL || errno == ENOENT)
			return SM_OK;
		return sm_err_add(err, SM_E_IO, NULL, _("cannot read the anchors file %s: %s"), path,
		    strerror(errno));
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		long long seq;
		char hash[128], at[64];
		lineno++;
		if (buf[0] == '\n' || buf[0] == '#')
			continue;
		if (sscanf(buf, "%lld %127s %63s", &seq, hash, at) != 3 || seq < 1 || !is_hash(hash) ||
		    strlen(at) >= sizeof(arr->at)) {
			fclose(f);
			free(arr);
			return sm_err_add(err, SM_E_INVALID, NULL,
			    _("%s:%d: not an anchor (SEQ HASH TIME WHY): the anchors file was altered"),
			    path, lineno);
		}
		if (len == cap) {
			sm_anchor *p = realloc(arr, (cap ? cap * 2 : 64) * sizeof(*arr));
			if (p == NULL) {
				fclose(f);
				free(arr);
				return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
			}
			arr = p;
			cap = cap ? cap * 2 : 64;
		}
		arr[len].seq = seq;
		memcpy(arr[len].hash, hash, SM_AUDIT_HASH_LEN + 1);
		snprintf(arr[len].at, sizeof(arr[len].at), "%s", at);
		arr[len].line = lineno;
		len++;
	}
	fclose(f);
	*out = arr;
	*n = len;
	return SM_OK;
}
