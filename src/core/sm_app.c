/* sm_app.c - one session's configuration, store, forms, divisions, calendar and user. */
#include <config.h>

#include "sm_app.h"
#include "sm_policy.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_auth.h"
#include "sm_anchor.h"
#include "sm_i18n.h"
#include "sm_priv.h"
#include "sm_db.h"
#include "sm_store.h"

static int
mkdir_p(const char *path)
{
	char *p = strdup(path);
	if (p == NULL)
		return -1;
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		mkdir(p, 0700);
		*q = '/';
	}
	int r = mkdir(p, 0700);
	free(p);
	return r;
}

char *
sm_app_db_path(const char *db_opt, const sm_config *cfg)
{
	const char *env = secure_getenv("SITEMARK_DB");
	char *path = NULL;
	if (db_opt && *db_opt)
		return strdup(db_opt);
	/* a cluster (store.backend: dqlite): the nodes the configuration names */
	if (cfg && cfg->store_backend && strcmp(cfg->store_backend, "dqlite") == 0) {
		if (asprintf(&path, "%s%s;timeout=%d", SM_DB_DQLITE_PREFIX,
		    cfg->store_nodes ? cfg->store_nodes : "",
		    cfg->store_timeout_ms > 0 ? cfg->store_timeout_ms : 5000) < 0)
			return NULL;
		return path;
	}
	if (env && *env)
		return strdup(env);
	if (cfg && cfg->database && *cfg->database)
		return strdup(cfg->database);
	/* Privileged (installed set-group-id): the installed place, never one
	 * the caller's environment chooses. */
	if (sm_priv_active())
		return strdup(LOCALSTATEDIR "/lib/sitemark/sitemark.db");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg == '/') {
		if (asprintf(&path, "%s/sitemark/sitemark.db", xdg) < 0)
			return NULL;
	} else if (home && *home) {
		if (asprintf(&path, "%s/.local/share/sitemark/sitemark.db", home) < 0)
			return NULL;
	} else {
		return strdup("sitemark.db");
	}
	return path;
}

static char *
join(const char *dir, const char *rel)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, rel) < 0)
		return NULL;
	return p;
}

/* SSH_CLIENT for the audit ("ADDRESS PORT PORT", as sshd sets it): it comes
 * from the caller's environment, so it is what the session says, no more,
 * and never raw: at most 128 bytes, and a byte that no address or port is
 * written with (a control, a byte not ASCII) as '?', so that it cannot
 * disturb a terminal, a JSON reader or the record's own text. */
static char *
ssh_client_of(const char *v)
{
	if (v == NULL || *v == '\0')
		return NULL;
	size_t n = strnlen(v, 128);
	char *r = malloc(n + 1);
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		r[i] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    strchr(".:%_- ", c) != NULL ? (char)c : '?';
	}
	r[n] = '\0';
	return r;
}

sm_status
sm_app_open(const sm_app_opts *opts, sm_app **out, sm_err *warn, sm_err *err)
{
	sm_app *app = calloc(1, sizeof(*app));
	char *forms_dir = NULL, *divs = NULL, *cal = NULL;
	sm_status st;

	*out = NULL;
	if (app == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	if ((st = sm_config_load(opts->config_path, &app->cfg, warn, err)) != SM_OK)
		goto fail;
	const char *data = sm_datadir();
	forms_dir = app->cfg->forms_dir ? strdup(app->cfg->forms_dir) : join(data, "forms");
	divs = app->cfg->divisions ? strdup(app->cfg->divisions) : join(data, "data/divisions.tsv");
	cal = app->cfg->calendar ? strdup(app->cfg->calendar) : join(data, "data/calendar.yaml");
	if (forms_dir == NULL || divs == NULL || cal == NULL) {
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto fail;
	}
	if ((st = sm_forms_load_dir(forms_dir, &app->forms, err)) != SM_OK ||
	    (st = sm_divisions_load(divs, &app->divs, err)) != SM_OK ||
	    (st = sm_calendar_load(cal, &app->cal, err)) != SM_OK)
		goto fail;
	if ((app->db_path = sm_app_db_path(opts->db_path, app->cfg)) == NULL) {
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto fail;
	}
	if (opts->mode == SM_OPEN_CREATE && opts->db_path == NULL && !sm_priv_active() &&
	    strncmp(app->db_path, SM_DB_DQLITE_PREFIX, strlen(SM_DB_DQLITE_PREFIX)) != 0) {
		/* the default place may not exist yet */
		char *dir = strdup(app->db_path);
		char *slash = dir ? strrchr(dir, '/') : NULL;
		if (slash && slash != dir) {
			*slash = '\0';
			mkdir_p(dir);
		}
		free(dir);
	}
	app->clock = sm_clock_session();
	if ((st = sm_store_open(app->db_path, opts->mode, &app->store, err)) != SM_OK)
		goto fail;
	sm_store_set_clock(app->store, &app->clock);
	/* the security administrator's policy over the configuration's (and
	 * the account about to log in with it) */
	sm_store_ahead_case(app->store, opts->login, 0);
	if ((st = sm_policy_load(app, err)) != SM_OK)
		goto fail;
	sm_store_set_anchors(app->store, app->cfg->audit_anchors, app->cfg->audit_anchor_every,
	    app->cfg->audit_syslog ? sm_anchor_facility(app->cfg->audit_syslog) : -2);
	app->ssh_client = ssh_client_of(getenv("SSH_CLIENT"));
	free(forms_dir);
	free(divs);
	free(cal);
	*out = app;
	return SM_OK;
fail:
	free(forms_dir);
	free(divs);
	free(cal);
	sm_app_close(&app);
	return st;
}

void
sm_app_close(sm_app **appp)
{
	if (appp == NULL || *appp == NULL)
		return;
	sm_app *app = *appp;
	sm_store_close(&app->store);
	sm_forms_free(&app->forms);
	sm_divisions_free(&app->divs);
	sm_calendar_free(&app->cal);
	sm_config_free(&app->cfg);
	sm_user_clear(&app->user);
	free(app->db_path);
	free(app->ssh_client);
	free(app);
	*appp = NULL;
}

char *
sm_app_unix_login(void)
{
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return strdup(pw->pw_name);
	if (sm_priv_active())
		return NULL; /* privileged: never a name the caller's environment gives */
	const char *u = getenv("LOGNAME");
	if (u == NULL || *u == '\0')
		u = getenv("USER");
	return (u && *u) ? strdup(u) : NULL;
}

char *
sm_app_support_line(const sm_app *app)
{
	char *line = strdup("");
	for (size_t i = 0; line && app->cfg && i < app->cfg->n_support; i++) {
		const sm_support_contact *c = &app->cfg->support[i];
		char *next = NULL;
		if (asprintf(&next, "%s%s%s %s", line, *line ? "; " : "", c->name ? c->name : "",
		    c->phone ? c->phone : "") < 0)
			next = NULL;
		free(line);
		line = next;
	}
	return line;
}

char *
sm_app_fee_text(const sm_app *app, bool with_how)
{
	const char *amount = app->cfg ? app->cfg->fee_amount : NULL;
	const char *how = app->cfg ? app->cfg->fee_how : NULL;
	char *text = NULL;
	int r;

	if (amount == NULL && how == NULL) {
		char *support = sm_app_support_line(app);
		/* support: [] shows no contact: the sentence stands without one */
		r = support && *support ?
		    asprintf(&text, _("The fee is as CONAC tells you; ask %s."), support) :
		    asprintf(&text, "%s", _("The fee is as CONAC tells you."));
		free(support);
	} else if (amount != NULL && (!with_how || how == NULL)) {
		r = asprintf(&text, _("Fee: %s yuan."), amount);
	} else if (amount == NULL) {
		r = asprintf(&text, _("How to pay the fee: %s"), how);
	} else {
		r = asprintf(&text, _("Fee: %s yuan. How to pay: %s"), amount, how);
	}
	return r < 0 ? NULL : text;
}

sm_status
sm_app_login(sm_app *app, const char *login, sm_err *err)
{
	sm_user u = {0};
	sm_status st;
	if (login == NULL || *login == '\0')
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("cannot tell who you are: no Unix login name"));
	st = sm_store_user_get(app->store, login, &u, err);
	sm_store_ahead_end(app->store); /* its read sent ahead (sm_app_open), if any */
	if (st == SM_E_NOTFOUND) {
		char *support = sm_app_support_line(app);
		if (support && *support)
			st = sm_err_add(err, SM_E_DENIED, NULL,
			    _("there is no sitemark account for the login '%s': ask your system administrator to add one (sitemark user add), or call %s"),
			    login, support);
		else
			st = sm_err_add(err, SM_E_DENIED, NULL,
			    _("there is no sitemark account for the login '%s': ask your system administrator to add one (sitemark user add)"),
			    login);
		free(support);
		sm_auth_login_refused(app, login, "unknown");
		return st;
	}
	if (st != SM_OK)
		return st;
	if (u.disabled) {
		sm_user_clear(&u);
		sm_auth_login_refused(app, login, "disabled");
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("the account '%s' is disabled: ask your system administrator to enable it"),
		    login);
	}
	if (u.locked) {
		sm_user_clear(&u);
		sm_auth_login_refused(app, login, "locked");
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("the account '%s' is locked: ask your security administrator to unlock it"),
		    login);
	}
	if (u.role == SM_ROLE_MONITOR) {
		/* marks check acts as it (sm_monitor.c) without signing in; a Unix
		 * account of that name gets nothing of it */
		sm_user_clear(&u);
		sm_auth_login_refused(app, login, "monitor");
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("the account '%s' is the mark monitor's, which only 'sitemark marks check' acts as: no one signs in with it"),
		    login);
	}
	if (u.role == SM_ROLE_NONE) {
		sm_user_clear(&u);
		sm_auth_login_refused(app, login, "no-role");
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("the account '%s' has no role yet: ask your security administrator to grant one"),
		    login);
	}
	sm_user_clear(&app->user);
	app->user = u;
	return SM_OK;
}

sm_status
sm_app_restore(const sm_app_opts *opts, const char *login, const char *file, bool replace,
               char **dest, int64_t *records, sm_err *warn, sm_err *err)
{
	sm_config *cfg = NULL;
	sm_store *b = NULL;
	sm_user u = {0};
	sm_status st;

	*dest = NULL;
	if ((st = sm_config_load(opts->config_path, &cfg, warn, err)) != SM_OK)
		return st;
	*dest = sm_app_db_path(opts->db_path, cfg);
	sm_config_free(&cfg);
	if (*dest == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
	/* who may: a system administrator of the backup itself */
	struct stat sb;
	char *copy = NULL;
	const char *given = file;
	if (file != NULL && *file != '\0' && strncmp(file, SM_DB_DQLITE_PREFIX,
	    strlen(SM_DB_DQLITE_PREFIX)) != 0) {
		if (stat(file, &sb) != 0)
			return sm_err_add(err, SM_E_NOTFOUND, NULL, _("there is no backup file %s: %s"),
			    file, strerror(errno));
		/* a backup with other names (a rotation's hard links, cp -al) is
		 * read from a copy of its own: SQLite keeps no journal for a file
		 * of several names safely, and the backup is left as it was */
		if (sb.st_nlink > 1) {
			if ((copy = sm_store_private_copy(file, *dest, err)) == NULL)
				return SM_E_IO;
			file = copy;
		}
	}
	if ((st = sm_store_open(file, SM_OPEN_EXISTING, &b, err)) != SM_OK) {
		sm_err_add(err, st, NULL, _("%s is not a good backup: nothing was restored"), given);
		goto out;
	}
	st = login ? sm_store_user_get(b, login, &u, err) : SM_E_NOTFOUND;
	sm_store_close(&b);
	if (st != SM_OK && st != SM_E_NOTFOUND)
		goto out;
	if (st == SM_E_NOTFOUND || u.role != SM_ROLE_SYSADMIN || u.disabled || u.locked) {
		st = sm_err_add(err, SM_E_DENIED, NULL,
		    _("only an enabled system administrator of the backup may restore it"));
		goto out;
	}
	st = sm_store_restore_as(file, given, *dest, replace, records, err);
out:
	sm_user_clear(&u);
	if (copy != NULL) {
		sm_store_private_copy_drop(copy);
		free(copy);
	}
	return st;
}

bool
sm_app_store_replaced(const sm_app *app)
{
	return app != NULL && sm_store_replaced(app->store);
}
