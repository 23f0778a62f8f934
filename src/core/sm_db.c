/* sm_db.c - what every database driver shares: the messages of its failures. */
#include <config.h>

#include "sm_db.h"

#include <string.h>
#include <time.h>

#include "sm_i18n.h"
#include "sm_random.h"

sm_status
sm_db_fail(sm_db *db, sm_db_rc rc, sm_err *err)
{
	return sm_db_fail_detail(rc, db ? sm_db_errmsg(db) : "", err);
}

/* SQLite's own words for its common failures (sqlite3_errstr), in the
 * user's language: the rest as SQLite says them. */
static const char *
engine_words(const char *detail)
{
	static const char *const known[] = {
		N_("disk I/O error"),
		N_("unable to open database file"),
		N_("attempt to write a readonly database"),
		N_("database is locked"),
		N_("database or disk is full"),
		N_("database disk image is malformed"),
		N_("file is not a database"),
		N_("out of memory"),
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(detail, known[i]) == 0)
			return _(known[i]);
	return detail;
}

sm_status
sm_db_fail_detail(sm_db_rc rc, const char *detail, sm_err *err)
{
	if (detail == NULL)
		detail = "";
	detail = engine_words(detail);
	switch (rc) {
	case SM_DB_FULL:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("the disk is full: nothing was written"));
	case SM_DB_CORRUPT:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("the database is corrupt or not a sitemark database (%s): restore it from a backup"),
		    detail);
	case SM_DB_BUSY:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("the database stayed busy for %d seconds: nothing was written, try again"),
		    SM_DB_BUSY_TIMEOUT_MS / 1000);
	case SM_DB_READONLY:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("cannot write the database: %s"), detail);
	case SM_DB_IOERR:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("the database could not be read or written (%s): nothing was written"),
		    detail);
	case SM_DB_NOMEM:
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	case SM_DB_RETRY:
		return sm_err_add(err, SM_E_STORE, NULL,
		    _("the cluster did not answer, or its leader changed (%s): the change was not made, try again"),
		    detail);
	case SM_DB_UNIQUE:
		return sm_err_add(err, SM_E_DUPLICATE, NULL,
		    _("a record with the same key already exists (%s): nothing was written"),
		    detail);
	case SM_DB_NOTNULL:
		return sm_err_add(err, SM_E_INVALID, NULL,
		    _("a required value is missing (NOT NULL constraint: %s): nothing was written"),
		    detail);
	case SM_DB_CHECK:
		return sm_err_add(err, SM_E_INVALID, NULL,
		    _("a value is not allowed here (CHECK constraint: %s): nothing was written"),
		    detail);
	case SM_DB_FOREIGNKEY:
		return sm_err_add(err, SM_E_INVALID, NULL,
		    _("a value refers to a record that does not exist (FOREIGN KEY constraint: %s): nothing was written"),
		    detail);
	case SM_DB_CONSTRAINT:
		return sm_err_add(err, SM_E_INVALID, NULL,
		    _("a rule of the database was broken (constraint: %s): nothing was written"),
		    detail);
	default:
		return sm_err_add(err, SM_E_STORE, NULL, _("database error: %s"), detail);
	}
}

void
sm_db_back_off(int ms)
{
	uint32_t r = 0;
	sm_random_bytes(&r, sizeof(r), NULL);
	long us = (long)ms * 500 + (long)(r % ((uint32_t)ms * 1000u + 1u));
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L};
	nanosleep(&ts, NULL);
}

int64_t
sm_db_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

sm_status
sm_db_refuse_links(const char *path, unsigned long others, sm_err *err)
{
	return sm_err_add(err, SM_E_STORE, NULL,
	    dngettext("sitemark", "%s has %lu other name (a hard link): SQLite would keep a write-ahead log for each name and could corrupt it; remove the other name, or make it a symbolic link",
	        "%s has %lu other names (hard links): SQLite would keep a write-ahead log for each name and could corrupt it; remove the other names, or make them symbolic links",
	        others),
	    path, others);
}
