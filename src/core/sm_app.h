/* sm_app.h - what the command line and the console share for one session:
 * the configuration, the store, the forms, the divisions, the calendar and
 * the user who acts. */
#ifndef SM_APP_H
#define SM_APP_H

#include <stdbool.h>

#include "sm_calendar.h"
#include "sm_config.h"
#include "sm_division.h"
#include "sm_err.h"
#include "sm_form.h"
#include "sm_model.h"

typedef struct sm_store sm_store; /* sm_store.h: the core reaches it, front ends do not */

typedef struct sm_app {
	sm_config *cfg;
	sm_store *store;
	sm_forms *forms;
	sm_divisions *divs;
	sm_calendar *cal;
	sm_clock clock;      /* the session's clock; the store stamps records with it */
	char *db_path;
	sm_user user;        /* who acts; user.login is NULL until sm_app_login */
	char *ssh_client;    /* $SSH_CLIENT at start, or NULL */
} sm_app;

typedef struct sm_app_opts {
	const char *db_path;     /* --db, or NULL for the default */
	const char *config_path; /* --config, or NULL to search */
	sm_open_mode mode;       /* SM_OPEN_CREATE for init */
	/* who logs in next (sm_app_login), or NULL: on a cluster the
	 * account's read goes with the policy's, in one round trip */
	const char *login;
} sm_app_opts;

/* The database path: DB_OPT, else $SITEMARK_DB, else the configuration's
 * "database", else $XDG_DATA_HOME/sitemark/sitemark.db (~/.local/share);
 * privileged (installed set-group-id), LOCALSTATEDIR/lib/sitemark/sitemark.db
 * instead of the $XDG_DATA_HOME one, and $SITEMARK_DB is ignored.
 * Malloc'd. */
char *sm_app_db_path(const char *db_opt, const sm_config *cfg);

/* Load the configuration, forms, divisions and calendar, make the session's
 * clock (sm_clock_session) and open the store with it.  Configuration
 * warnings (unknown keys) go to WARN. */
sm_status sm_app_open(const sm_app_opts *opts, sm_app **out, sm_err *warn, sm_err *err);
void sm_app_close(sm_app **appp);

/* Restore the backup FILE into the database of OPTS (--db, else the
 * configured one: *DEST, malloc'd), which must not exist unless REPLACE.
 * LOGIN must be an enabled system administrator in FILE.  The backup is
 * checked first (integrity, audit chain), the result after. */
/* Whether the session's database file was deleted or replaced since it was
 * opened (its writes are refused): a long-running command (notify run
 * --daemon) ends, for its service manager to start it again. */
bool sm_app_store_replaced(const sm_app *app);
sm_status sm_app_restore(const sm_app_opts *opts, const char *login, const char *file,
                         bool replace, char **dest, int64_t *records, sm_err *warn,
                         sm_err *err);

/* The Unix login of the calling process (malloc'd), or NULL. */
char *sm_app_unix_login(void);
/* Act as LOGIN: SM_E_DENIED with a message saying whom to ask when there is
 * no such account or it is locked. */
sm_status sm_app_login(sm_app *app, const char *login, sm_err *err);

/* The support contacts as one line for messages ("中央编办客服中心 010-69001234; ..."). */
char *sm_app_support_line(const sm_app *app);

/* The domain fee for a unit at awaiting_payment (configuration "fee"), as
 * malloc'd text: "Fee: AMOUNT yuan." and, when WITH_HOW, how to pay; without
 * configuration, that the fee is as CONAC tells, with the support contacts. */
char *sm_app_fee_text(const sm_app *app, bool with_how);

#endif
