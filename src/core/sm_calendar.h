/* sm_calendar.h - working days (domain.md §7).
 *
 * A working day is Monday-Friday, minus the public holidays, plus the
 * adjusted working weekend days (调休) of the calendar file.  Dates are
 * civil dates in Asia/Shanghai, held as days since 1970-01-01. */
#ifndef SM_CALENDAR_H
#define SM_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "sm_err.h"

typedef int sm_date; /* days since 1970-01-01; SM_DATE_NONE when unset */
#define SM_DATE_NONE (-2147483647 - 1)

/* "2026-02-13" -> date; returns SM_DATE_NONE for an invalid or impossible date. */
sm_date sm_date_parse(const char *s);
/* Write "YYYY-MM-DD" into BUF (at least 11 bytes); returns BUF. */
char *sm_date_format(sm_date d, char *buf, size_t bufsz);
sm_date sm_date_from_ymd(int y, int m, int d); /* SM_DATE_NONE if impossible */
void sm_date_to_ymd(sm_date d, int *y, int *m, int *dd);
int sm_date_weekday(sm_date d); /* 0 = Sunday ... 6 = Saturday */

/* A session's clock: the system's, or one fixed at an instant (tests and
 * demos).  The session (sm_app) holds it and hands it to the store; nothing
 * else in the core reads the time. */
typedef struct sm_clock {
	bool fixed;  /* always AT, else the system's clock */
	time_t at;
} sm_clock;

/* The instant CLOCK says it is; NULL is the system's clock. */
time_t sm_clock_now(const sm_clock *clock);
/* sm_date_of(sm_clock_now(CLOCK)). */
sm_date sm_clock_today(const sm_clock *clock);
/* A clock that always says T. */
sm_clock sm_clock_fixed(time_t t);
/* The clock a session gets from NOW, the value of SITEMARK_NOW
 * ("2026-02-13T10:00:00+08:00", "2026-02-13T10:00:00Z" or "2026-02-13"):
 * fixed there when it is set and valid and the process runs with its
 * caller's own privileges (not PRIVILEGED: set-user-id, set-group-id or
 * with capabilities); else the system's. */
sm_clock sm_clock_choose(const char *now, bool privileged);
/* The session's clock: sm_clock_choose() of SITEMARK_NOW, read with
 * secure_getenv(), and of whether the process is privileged.  The one
 * place that reads the environment for the time. */
sm_clock sm_clock_session(void);
/* The civil date of instant T in Asia/Shanghai (UTC+8, no DST). */
sm_date sm_date_of(time_t t);
/* ISO 8601 timestamp of T in Asia/Shanghai, "2026-02-13T10:00:00+08:00". */
char *sm_time_format(time_t t, char *buf, size_t bufsz);

typedef struct sm_calendar sm_calendar;

/* Load the YAML calendar file:
 *   years:
 *     2026:
 *       holidays: [2026-01-01, 2026-01-02..2026-01-03, ...]   (".." = range)
 *       workdays: [2026-01-04, ...]
 *       source: "国办发明电〔2025〕7号"    (optional, free text)
 * Errors name the file, line and what is wrong (a holiday on a date that is
 * also a working day, a date outside its year, a bad range...). */
sm_status sm_calendar_load(const char *path, sm_calendar **out, sm_err *err);
void sm_calendar_free(sm_calendar **calp);
/* First and last year the calendar covers (0 when empty). */
int sm_calendar_first_year(const sm_calendar *cal);
int sm_calendar_last_year(const sm_calendar *cal);

/* Whether D is a working day; *UNCERTAIN (may be NULL) is set when D's year
 * is not in the calendar and weekdays alone decided. */
bool sm_calendar_is_workday(const sm_calendar *cal, sm_date d, bool *uncertain);
/* deadline(DAY, N): the N-th working day strictly after DAY (N >= 1).
 * *UNCERTAIN as above, set when any day counted lay outside the calendar. */
sm_date sm_calendar_deadline(const sm_calendar *cal, sm_date day, int n, bool *uncertain);
/* Working days from the deadline DUE to TODAY: 0 when TODAY <= DUE, else the
 * number of working days in (DUE, TODAY] — "how many working days over". */
int sm_calendar_days_over(const sm_calendar *cal, sm_date due, sm_date today);

/* Administrators' edits (the console's calendar screen): mark D as a holiday,
 * a working day or back to the weekday rule, then save to PATH atomically
 * (write a temporary file, fsync, rename). */
typedef enum { SM_DAY_DEFAULT, SM_DAY_HOLIDAY, SM_DAY_WORKDAY } sm_day_kind;
sm_status sm_calendar_set(sm_calendar *cal, sm_date d, sm_day_kind kind, sm_err *err);
sm_day_kind sm_calendar_get(const sm_calendar *cal, sm_date d);
sm_status sm_calendar_save(const sm_calendar *cal, const char *path, sm_err *err);

#endif
