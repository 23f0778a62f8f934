/* testutil.c - helpers shared by the Check suites. */
#include <config.h>

#include "testutil.h"

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "sm_workflow.h"

const char *
tu_srcdir(void)
{
	const char *s = getenv("top_srcdir");
	return (s && *s) ? s : ".";
}

const char *
tu_src(const char *rel)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", tu_srcdir(), rel);
	return b;
}

char *
tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = NULL;
	if (asprintf(&path, "%s/sitemark-test-XXXXXX", (base && *base) ? base : "/tmp") < 0)
		abort();
	if (mkdtemp(path) == NULL)
		abort();
	return path;
}

char *
tu_write(const char *dir, const char *name, const char *text)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	FILE *f = fopen(path, "w");
	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

void
tu_rmrf(const char *dir)
{
	char *cmd = NULL;
	if (dir == NULL || strlen(dir) < 8 || strchr(dir, '\''))
		return;
	if (asprintf(&cmd, "rm -rf '%s'", dir) < 0)
		abort();
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

int
tu_lang(const char *lang)
{
	const char *dir = getenv("SITEMARK_LOCALEDIR");
	if (dir && *dir)
		bindtextdomain("sitemark", dir);
	bind_textdomain_codeset("sitemark", "UTF-8");
	if (strcmp(lang, "zh") == 0) {
		setenv("LANGUAGE", "zh_CN", 1);
		return setlocale(LC_ALL, "zh_CN.UTF-8") ? 0 : -1;
	}
	setenv("LANGUAGE", "en", 1);
	return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

void
tu_dump_err(const sm_err *err)
{
	for (size_t i = 0; i < sm_err_count(err); i++)
		fprintf(stderr, "  %s: %s\n", sm_err_field(err, i) ? sm_err_field(err, i) : "-",
		    sm_err_msg(err, i));
}

void
tu_grant(sm_app *app, const char *login, sm_role role, const char *back, sm_err *err)
{
	TU_OK(err, sm_app_login(app, "sec", err));
	TU_OK(err, sm_user_set_role(app, login, role, NULL, err));
	TU_OK(err, sm_app_login(app, back, err));
}

void
tu_staff(sm_app *app, const char *sysadmin, const char *login, sm_role role,
         const char *office, sm_err *err)
{
	sm_user u = {.login = (char *)login, .role = role, .office = (char *)office,
	    .name = (char *)login};
	TU_OK(err, sm_user_add(app, &u, err));
	tu_grant(app, login, role, sysadmin, err);
}
