/* sm_draft.c - drafts of unfinished forms, one JSON file each, written
 * atomically (temporary file, fsync, rename). */
#include <config.h>

#include "sm_draft.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_i18n.h"
#include "sm_priv.h"

static bool
safe_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64 || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' || *s == '@'))
			return false;
	return true;
}

static char *
dir_of(const char *login)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char *d = NULL;
	if (!safe_name(login))
		return NULL;
	if (xdg && *xdg == '/') {
		if (asprintf(&d, "%s/sitemark/drafts/%s", xdg, login) < 0)
			return NULL;
	} else if (home && *home) {
		if (asprintf(&d, "%s/.local/share/sitemark/drafts/%s", home, login) < 0)
			return NULL;
	}
	return d;
}

static char *
path_of(const char *login, const char *key)
{
	char *dir = dir_of(login), *p = NULL;
	if (dir == NULL || !safe_name(key)) {
		free(dir);
		return NULL;
	}
	if (asprintf(&p, "%s/%s.json", dir, key) < 0)
		p = NULL;
	free(dir);
	return p;
}

static void
mkdirs(char *path)
{
	for (char *q = path + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		mkdir(path, 0700);
		*q = '/';
	}
	mkdir(path, 0700);
}

sm_status
sm_draft_save(const char *login, const char *key, const json_t *values, sm_err *err)
{
	return sm_draft_save_at(login, key, values, 0, err);
}

/* The version rides in the file beside the values, under a name no form's
 * field can have (DRAFT_VERSION). */
#define DRAFT_VERSION "@version"

sm_status
sm_draft_save_at(const char *login, const char *key, const json_t *values, int64_t version,
                 sm_err *err)
{
	char *dir = dir_of(login), *path = path_of(login, key), *tmp = NULL;
	sm_status st = SM_OK;
	sm_priv_saved ids; /* the caller's files: with the caller's own identity */
	if (sm_priv_lower(&ids) != 0) {
		st = sm_err_add(err, SM_E_IO, NULL, _("cannot keep the draft in %s: %s"),
		    path ? path : "", strerror(errno));
		free(dir);
		free(path);
		return st;
	}
	if (dir == NULL || path == NULL) {
		st = sm_err_add(err, SM_E_IO, NULL, _("cannot keep the draft: no home directory"));
		goto out;
	}
	mkdirs(dir);
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	json_t *kept = version > 0 ? json_copy((json_t *)values) : json_incref((json_t *)values);
	if (kept == NULL || (version > 0 &&
	    json_object_set_new(kept, DRAFT_VERSION, json_integer(version)) != 0)) {
		json_decref(kept);
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int dumped = fd < 0 ? -1 : json_dumpfd(kept, fd, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(kept);
	if (fd < 0 || dumped != 0 || fsync(fd) != 0) {
		st = sm_err_add(err, SM_E_IO, NULL, _("cannot keep the draft in %s: %s"), path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		st = sm_err_add(err, SM_E_IO, NULL, _("cannot keep the draft in %s: %s"), path,
		    strerror(errno));
		unlink(tmp);
	}
out:
	sm_priv_raise(&ids);
	free(dir);
	free(path);
	free(tmp);
	return st;
}

json_t *
sm_draft_load(const char *login, const char *key)
{
	return sm_draft_load_at(login, key, NULL);
}

json_t *
sm_draft_load_at(const char *login, const char *key, int64_t *version)
{
	char *path = path_of(login, key);
	sm_priv_saved ids;
	json_t *v = NULL;
	if (path != NULL && sm_priv_lower(&ids) == 0) {
		v = json_load_file(path, 0, NULL);
		sm_priv_raise(&ids);
	}
	free(path);
	if (v && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	json_t *at = v ? json_object_get(v, DRAFT_VERSION) : NULL;
	if (version)
		*version = json_is_integer(at) && json_integer_value(at) > 0 ? json_integer_value(at) : 0;
	if (at)
		json_object_del(v, DRAFT_VERSION);
	return v;
}

void
sm_draft_delete(const char *login, const char *key)
{
	char *path = path_of(login, key);
	sm_priv_saved ids;
	if (path && sm_priv_lower(&ids) == 0) {
		unlink(path);
		sm_priv_raise(&ids);
	}
	free(path);
}

static int
newest_first(const void *a, const void *b)
{
	const sm_draft_info *x = a, *y = b;
	if (x->saved != y->saved)
		return x->saved < y->saved ? 1 : -1;
	return strcmp(x->key, y->key);
}

sm_status
sm_draft_list(const char *login, sm_draft_info **out, size_t *n, sm_err *err)
{
	char *dir = dir_of(login);
	DIR *d;
	struct dirent *e;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	sm_priv_saved ids;
	if (dir == NULL)
		return SM_OK;
	if (sm_priv_lower(&ids) != 0) {
		free(dir);
		return SM_OK;
	}
	d = opendir(dir);
	sm_priv_raise(&ids);
	if (d == NULL) {
		sm_status st = errno == ENOENT ? SM_OK :
		    sm_err_add(err, SM_E_IO, NULL, _("cannot read the drafts in %s: %s"), dir,
		    strerror(errno));
		free(dir);
		return st;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		struct stat sb;
		char key[80], *path = NULL;
		if (len <= 5 || len - 5 >= sizeof(key) || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(len - 5), e->d_name);
		if (!safe_name(key) || asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			continue;
		bool ok = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
		free(path);
		if (!ok)
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			sm_draft_info *p = realloc(*out, nc * sizeof(*p));
			if (p == NULL)
				break;
			*out = p;
			cap = nc;
		}
		(*out)[*n].key = strdup(key);
		(*out)[*n].saved = sb.st_mtime;
		if ((*out)[*n].key != NULL)
			(*n)++;
	}
	closedir(d);
	free(dir);
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), newest_first);
	return SM_OK;
}

void
sm_draft_list_free(sm_draft_info **list, size_t n)
{
	if (list == NULL || *list == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*list)[i].key);
	free(*list);
	*list = NULL;
}
