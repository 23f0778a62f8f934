/* check_calendar.c - tests of sm_calendar: dates, times, working days. */
#include <config.h>

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sm_calendar.h"
#include "testutil.h"

static sm_date
D(const char *s)
{
	sm_date d = sm_date_parse(s);
	ck_assert_msg(d != SM_DATE_NONE, "bad test date %s", s);
	return d;
}

static const char *
F(sm_date d)
{
	static char bufs[4][16];
	static int next;
	char *b = bufs[next++ % 4];
	return sm_date_format(d, b, sizeof(bufs[0]));
}

static sm_calendar *
load_shipped(void)
{
	sm_calendar *cal = NULL;
	sm_err *err = sm_err_new();
	sm_status st = sm_calendar_load(tu_src("data/calendar.yaml"), &cal, err);

	ck_assert_msg(st == SM_OK, "data/calendar.yaml: %s",
	    sm_err_msg(err, 0) ? sm_err_msg(err, 0) : "?");
	ck_assert_ptr_nonnull(cal);
	sm_err_free(&err);
	return cal;
}

/* ---------------------------------------------------------------- dates */

START_TEST(test_date_basics)
{
	int y, m, d;
	char buf[16];

	ck_assert_int_eq(sm_date_parse("1970-01-01"), 0);
	ck_assert_int_eq(sm_date_parse("1970-01-02"), 1);
	ck_assert_int_eq(sm_date_parse("1969-12-31"), -1);
	ck_assert_int_eq(sm_date_parse("2000-03-01") - sm_date_parse("2000-02-28"), 2);
	ck_assert_int_eq(sm_date_parse("2100-03-01") - sm_date_parse("2100-02-28"), 1);
	/* 2026-02-13 is day 20497: 56 years of 365 days + 14 leap days + 43. */
	ck_assert_int_eq(sm_date_parse("2026-02-13"), 56 * 365 + 14 + 43);
	ck_assert_int_eq(sm_date_from_ymd(2026, 2, 13), sm_date_parse("2026-02-13"));

	ck_assert_int_eq(sm_date_parse("2024-02-29") != SM_DATE_NONE, 1);
	ck_assert_int_eq(sm_date_parse("2025-02-29"), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_parse("2100-02-29"), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_parse("2026-13-01"), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_parse("2026-04-31"), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_parse("2026-00-10"), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_parse("2026-2-13"), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_parse("2026-02-13x"), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_parse("2026-02-1"), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_parse(" 2026-02-13"), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_parse(""), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_parse(NULL), SM_DATE_NONE);
	ck_assert_int_eq(sm_date_from_ymd(2026, 2, 30), SM_DATE_NONE);

	/* Weekdays: 1970-01-01 was a Thursday, 2026-02-13 a Friday. */
	ck_assert_int_eq(sm_date_weekday(0), 4);
	ck_assert_int_eq(sm_date_weekday(-1), 3);
	ck_assert_int_eq(sm_date_weekday(-4), 0);
	ck_assert_int_eq(sm_date_weekday(-5), 6);
	ck_assert_int_eq(sm_date_weekday(D("2026-02-13")), 5);
	ck_assert_int_eq(sm_date_weekday(D("2026-02-14")), 6);
	ck_assert_int_eq(sm_date_weekday(D("2025-01-01")), 3);
	ck_assert_int_eq(sm_date_weekday(D("1900-01-01")), 1);

	sm_date_to_ymd(D("2026-02-13"), &y, &m, &d);
	ck_assert_int_eq(y, 2026);
	ck_assert_int_eq(m, 2);
	ck_assert_int_eq(d, 13);
	ck_assert_str_eq(sm_date_format(-1, buf, sizeof(buf)), "1969-12-31");
	ck_assert_str_eq(sm_date_format(SM_DATE_NONE, buf, sizeof(buf)), "");
	/* A short buffer is cut, not overrun. */
	ck_assert_str_eq(sm_date_format(0, buf, 5), "1970");
}
END_TEST

START_TEST(test_date_round_trip)
{
	/* Every day from 1900 to 2100: format, parse, ymd agree and follow on. */
	sm_date first = D("1900-01-01"), last = D("2100-12-31");
	int py = 1899, pm = 12, pd = 31;

	for (sm_date d = first; d <= last; d++) {
		int y, m, dd;
		sm_date_to_ymd(d, &y, &m, &dd);
		ck_assert_int_eq(sm_date_from_ymd(y, m, dd), d);
		ck_assert_int_eq(sm_date_parse(F(d)), d);
		ck_assert_int_eq(sm_date_weekday(d), sm_date_weekday(d - 7));
		if (dd == 1)
			ck_assert(m == pm % 12 + 1 && (m != 1 || y == py + 1));
		else
			ck_assert(dd == pd + 1 && m == pm && y == py);
		py = y;
		pm = m;
		pd = dd;
	}
}
END_TEST

START_TEST(test_time)
{
	char buf[40];
	time_t t;

	/* The epoch was 08:00 in Shanghai; 16:00 UTC is the next day there. */
	ck_assert_int_eq(sm_date_of(0), 0);
	ck_assert_int_eq(sm_date_of(16 * 3600 - 1), 0);
	ck_assert_int_eq(sm_date_of(16 * 3600), 1);
	ck_assert_int_eq(sm_date_of(-8 * 3600), 0);
	ck_assert_int_eq(sm_date_of(-8 * 3600 - 1), -1);
	ck_assert_str_eq(sm_time_format(0, buf, sizeof(buf)), "1970-01-01T08:00:00+08:00");
	ck_assert_str_eq(sm_time_format(-8 * 3600 - 1, buf, sizeof(buf)),
	    "1969-12-31T23:59:59+08:00");

	sm_clock c = sm_clock_choose("2026-02-13T10:00:00+08:00", false);
	ck_assert(c.fixed);
	t = sm_clock_now(&c);
	ck_assert_int_eq((long long)t, (long long)D("2026-02-13") * 86400 + 2 * 3600);
	ck_assert_int_eq(sm_clock_today(&c), D("2026-02-13"));
	ck_assert_str_eq(sm_time_format(t, buf, sizeof(buf)), "2026-02-13T10:00:00+08:00");

	/* 20:00 UTC is 04:00 the next morning in Shanghai. */
	c = sm_clock_choose("2026-02-12T20:00:00Z", false);
	ck_assert_int_eq(sm_clock_today(&c), D("2026-02-13"));
	ck_assert_str_eq(sm_time_format(sm_clock_now(&c), buf, sizeof(buf)),
	    "2026-02-13T04:00:00+08:00");
	c = sm_clock_choose("2026-02-13T01:30:00-05:00", false);
	ck_assert_str_eq(sm_time_format(sm_clock_now(&c), buf, sizeof(buf)),
	    "2026-02-13T14:30:00+08:00");

	/* A date alone is midnight in Shanghai. */
	c = sm_clock_choose("2026-02-13", false);
	ck_assert_int_eq(sm_clock_today(&c), D("2026-02-13"));
	ck_assert_str_eq(sm_time_format(sm_clock_now(&c), buf, sizeof(buf)),
	    "2026-02-13T00:00:00+08:00");

	/* Nonsense is ignored: the system's clock decides. */
	static const char *const nonsense[] = {"next tuesday", "2026-02-13T25:00:00Z", "", NULL};
	for (size_t i = 0; i < sizeof(nonsense) / sizeof(nonsense[0]); i++) {
		c = sm_clock_choose(nonsense[i], false);
		ck_assert(!c.fixed);
		t = time(NULL);
		ck_assert(sm_clock_now(&c) >= t && sm_clock_now(&c) <= t + 5);
	}
	t = time(NULL);
	ck_assert(sm_clock_now(NULL) >= t && sm_clock_now(NULL) <= t + 5);
	ck_assert_int_eq(sm_clock_today(NULL), sm_date_of(sm_clock_now(NULL)));

	/* A fixed clock stays where it is put. */
	c = sm_clock_fixed(86400);
	ck_assert_int_eq((long long)sm_clock_now(&c), 86400);
	ck_assert_int_eq(sm_clock_today(&c), 1);
}
END_TEST

/* The test clock is the caller's only while the program runs with the
 * caller's privileges: a set-user-id or set-group-id run keeps the system's. */
START_TEST(test_clock_privileged)
{
	time_t t;
	sm_clock c = sm_clock_choose("2026-02-13T10:00:00+08:00", true);
	ck_assert(!c.fixed);
	t = time(NULL);
	ck_assert(sm_clock_now(&c) >= t && sm_clock_now(&c) <= t + 5);
	ck_assert_int_ne(sm_clock_today(&c), D("2026-02-13"));
	c = sm_clock_choose("2026-02-13", true);
	ck_assert(!c.fixed);

	/* This test runs with its own privileges: the session's clock is the one
	 * SITEMARK_NOW sets, and the system's without it. */
	setenv("SITEMARK_NOW", "2026-02-13T10:00:00+08:00", 1);
	c = sm_clock_session();
	ck_assert(c.fixed);
	ck_assert_int_eq(sm_clock_today(&c), D("2026-02-13"));
	unsetenv("SITEMARK_NOW");
	c = sm_clock_session();
	ck_assert(!c.fixed);
}
END_TEST

/* ---------------------------------------------------------------- the file */

/* domain.md §7, written independently of data/calendar.yaml. */
static const char *const facts_holidays[] = {
	"2025-01-01", "2025-01-01", "2025-01-28", "2025-02-04", "2025-04-04", "2025-04-06",
	"2025-05-01", "2025-05-05", "2025-05-31", "2025-06-02", "2025-10-01", "2025-10-08",
	"2026-01-01", "2026-01-03", "2026-02-15", "2026-02-23", "2026-04-04", "2026-04-06",
	"2026-05-01", "2026-05-05", "2026-06-19", "2026-06-21", "2026-09-25", "2026-09-27",
	"2026-10-01", "2026-10-07",
};
static const char *const facts_workdays[] = {
	"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
	"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
};

static sm_day_kind
fact(sm_date d)
{
	for (size_t i = 0; i < sizeof(facts_holidays) / sizeof(facts_holidays[0]); i += 2)
		if (d >= D(facts_holidays[i]) && d <= D(facts_holidays[i + 1]))
			return SM_DAY_HOLIDAY;
	for (size_t i = 0; i < sizeof(facts_workdays) / sizeof(facts_workdays[0]); i++)
		if (d == D(facts_workdays[i]))
			return SM_DAY_WORKDAY;
	return SM_DAY_DEFAULT;
}

START_TEST(test_shipped_file)
{
	sm_calendar *cal = load_shipped();
	int holidays = 0, workdays = 0;

	ck_assert_int_eq(sm_calendar_first_year(cal), 2025);
	ck_assert_int_eq(sm_calendar_last_year(cal), 2026);
	for (sm_date d = D("2025-01-01"); d <= D("2026-12-31"); d++) {
		sm_day_kind k = sm_calendar_get(cal, d);
		bool unc = true;
		ck_assert_msg(k == fact(d), "%s: %d, expected %d", F(d), k, fact(d));
		holidays += k == SM_DAY_HOLIDAY;
		workdays += k == SM_DAY_WORKDAY;
		(void)sm_calendar_is_workday(cal, d, &unc);
		ck_assert(!unc);
	}
	/* 2025: 1+8+3+5+3+8 = 28 holidays; 2026: 3+9+3+5+3+3+7 = 33. */
	ck_assert_int_eq(holidays, 28 + 33);
	ck_assert_int_eq(workdays, 5 + 6);
	sm_calendar_free(&cal);
	ck_assert_ptr_null(cal);
}
END_TEST

START_TEST(test_is_workday)
{
	sm_calendar *cal = load_shipped();
	bool unc;

	ck_assert(sm_calendar_is_workday(cal, D("2026-02-14"), &unc)); /* Saturday, 调休 */
	ck_assert(!unc);
	ck_assert(!sm_calendar_is_workday(cal, D("2026-02-16"), &unc)); /* Monday, 春节 */
	ck_assert(!sm_calendar_is_workday(cal, D("2026-01-01"), &unc));
	ck_assert(sm_calendar_is_workday(cal, D("2026-03-02"), &unc));  /* plain Monday */
	ck_assert(!sm_calendar_is_workday(cal, D("2026-03-07"), &unc)); /* plain Saturday */
	ck_assert(!unc);
	/* Outside the calendar: weekdays alone, uncertain. */
	ck_assert(sm_calendar_is_workday(cal, D("2027-01-01"), &unc));
	ck_assert(unc);
	ck_assert(!sm_calendar_is_workday(cal, D("2024-10-05"), &unc));
	ck_assert(unc);
	ck_assert(sm_calendar_is_workday(cal, D("2026-03-02"), NULL));
	/* No calendar at all. */
	ck_assert(sm_calendar_is_workday(NULL, D("2026-02-16"), &unc));
	ck_assert(unc);
	ck_assert_int_eq(sm_calendar_first_year(NULL), 0);
	ck_assert_int_eq(sm_calendar_get(NULL, D("2026-01-01")), SM_DAY_DEFAULT);
	sm_calendar_free(&cal);
}
END_TEST

static void
expect_deadline(const sm_calendar *cal, const char *day, int n, const char *want,
    bool want_uncertain)
{
	bool unc = !want_uncertain;
	sm_date got = sm_calendar_deadline(cal, D(day), n, &unc);

	ck_assert_msg(got == D(want), "deadline(%s, %d) = %s, expected %s", day, n,
	    F(got), want);
	ck_assert_msg(unc == want_uncertain, "deadline(%s, %d): uncertain = %d", day, n, unc);
}

START_TEST(test_deadline)
{
	sm_calendar *cal = load_shipped();

	/* domain.md: 2/14 is a working Saturday (1), 2/15-2/23 are holidays,
	 * then Tue 2/24 (2), 2/25 (3), 2/26 (4), Fri 2/27 (5). */
	expect_deadline(cal, "2026-02-13", 5, "2026-02-27", false);
	/* Fri 2025-01-24: Sat 1/25 off, Sun 1/26 works (调休). */
	expect_deadline(cal, "2025-01-24", 1, "2025-01-26", false);
	/* ... then Mon 1/27 (2), 1/28-2/4 Spring Festival, Wed 2/5 (3). */
	expect_deadline(cal, "2025-01-24", 3, "2025-02-05", false);
	/* Spring Festival 2025: from Tue 1/28 the next working day is Wed 2/5;
	 * Thu 2/6 (2), Fri 2/7 (3), Sat 2/8 works (4), Mon 2/10 (5). */
	expect_deadline(cal, "2025-01-28", 5, "2025-02-10", false);
	/* National Day 2025: Sun 9/28 works (1), Mon 9/29 (2). */
	expect_deadline(cal, "2025-09-26", 2, "2025-09-29", false);
	/* From Tue 9/30: 10/1-10/8 off, Thu 10/9 (1), Fri 10/10 (2),
	 * Sat 10/11 works (3). */
	expect_deadline(cal, "2025-09-30", 1, "2025-10-09", false);
	expect_deadline(cal, "2025-09-30", 3, "2025-10-11", false);
	/* Dragon Boat 2025: Fri 5/30 -> Sat 5/31..Mon 6/2 off -> Tue 6/3. */
	expect_deadline(cal, "2025-05-30", 1, "2025-06-03", false);
	/* Across the year: 2026-01-01..03 off, Sun 1/4 works. */
	expect_deadline(cal, "2025-12-31", 1, "2026-01-04", false);
	/* Paper review, 10 days, from Thu 2026-04-02: Fri 4/3 (1), 4/4-4/6 off,
	 * Tue 4/7..Fri 4/10 (2-5), Mon 4/13..Fri 4/17 (6-10). */
	expect_deadline(cal, "2026-04-02", 10, "2026-04-17", false);
	/* Labour Day 2026: Thu 4/30 -> 5/1-5/5 off -> Wed 5/6 (1), Thu 5/7 (2),
	 * Fri 5/8 (3), Sat 5/9 works (4), Mon 5/11 (5). */
	expect_deadline(cal, "2026-04-30", 5, "2026-05-11", false);
	/* National Day 2026: Sat 9/19 -> Sun 9/20 works (1). */
	expect_deadline(cal, "2026-09-19", 1, "2026-09-20", false);
	/* From Wed 9/30: 10/1-10/7 off, Thu 10/8 (1), Fri 10/9 (2),
	 * Sat 10/10 works (3), Mon 10/12 (4). */
	expect_deadline(cal, "2026-09-30", 4, "2026-10-12", false);
	/* Strictly after: a deadline never falls on the day itself. */
	expect_deadline(cal, "2026-03-02", 1, "2026-03-03", false);
	/* Past 2026: Thu 12/31 (1), then 2027 on weekdays alone: Fri 1/1 (2),
	 * Mon 1/4 (3), 1/5 (4), 1/6 (5), uncertain. */
	expect_deadline(cal, "2026-12-30", 5, "2027-01-06", true);
	expect_deadline(cal, "2026-12-30", 1, "2026-12-31", false);
	expect_deadline(cal, "2030-06-07", 1, "2030-06-10", true);
	/* Without a calendar. */
	expect_deadline(NULL, "2026-02-13", 5, "2026-02-20", true);
	ck_assert_int_eq(sm_calendar_deadline(cal, SM_DATE_NONE, 5, NULL), SM_DATE_NONE);
	ck_assert_int_eq(sm_calendar_deadline(cal, D("2026-02-13"), 0, NULL), D("2026-02-13"));
	sm_calendar_free(&cal);
}
END_TEST

START_TEST(test_days_over)
{
	sm_calendar *cal = load_shipped();

	/* Not over yet. */
	ck_assert_int_eq(sm_calendar_days_over(cal, D("2026-02-27"), D("2026-02-27")), 0);
	ck_assert_int_eq(sm_calendar_days_over(cal, D("2026-02-27"), D("2026-02-01")), 0);
	/* (2/13, 2/27]: 2/14, 2/24, 2/25, 2/26, 2/27. */
	ck_assert_int_eq(sm_calendar_days_over(cal, D("2026-02-13"), D("2026-02-27")), 5);
	/* Due Fri 2/13, today the holiday Mon 2/16: only Sat 2/14 counts. */
	ck_assert_int_eq(sm_calendar_days_over(cal, D("2026-02-13"), D("2026-02-16")), 1);
	/* Due Fri 3/6, today Mon 3/9: the weekend does not count. */
	ck_assert_int_eq(sm_calendar_days_over(cal, D("2026-03-06"), D("2026-03-09")), 1);
	ck_assert_int_eq(sm_calendar_days_over(cal, D("2026-03-06"), D("2026-03-08")), 0);
	/* A deadline and the days over it agree. */
	for (int n = 1; n <= 30; n++) {
		sm_date due = sm_calendar_deadline(cal, D("2025-09-20"), n, NULL);
		ck_assert_int_eq(sm_calendar_days_over(cal, D("2025-09-20"), due), n);
	}
	ck_assert_int_eq(sm_calendar_days_over(cal, SM_DATE_NONE, D("2026-03-09")), 0);
	sm_calendar_free(&cal);
}
END_TEST

START_TEST(test_set_save_reload)
{
	sm_calendar *cal = load_shipped(), *again = NULL;
	sm_err *err = sm_err_new();
	char *dir = tu_tmpdir(), *path = NULL;
	FILE *f;
	char line[256];

	ck_assert_int_eq(asprintf(&path, "%s/calendar.yaml", dir) > 0, 1);
	ck_assert_int_eq(sm_calendar_set(cal, D("2026-10-09"), SM_DAY_HOLIDAY, err), SM_OK);
	ck_assert_int_eq(sm_calendar_set(cal, D("2026-10-08"), SM_DAY_HOLIDAY, err), SM_OK);
	ck_assert_int_eq(sm_calendar_set(cal, D("2026-02-14"), SM_DAY_DEFAULT, err), SM_OK);
	ck_assert_int_eq(sm_calendar_set(cal, D("2026-03-07"), SM_DAY_WORKDAY, err), SM_OK);
	/* A weekday made a working day is simply no longer a holiday. */
	ck_assert_int_eq(sm_calendar_set(cal, D("2026-05-04"), SM_DAY_WORKDAY, err), SM_OK);
	ck_assert_int_eq(sm_calendar_get(cal, D("2026-05-04")), SM_DAY_DEFAULT);
	ck_assert(sm_calendar_is_workday(cal, D("2026-05-04"), NULL));
	/* A new year. */
	ck_assert_int_eq(sm_calendar_set(cal, D("2027-01-01"), SM_DAY_HOLIDAY, err), SM_OK);
	ck_assert_int_eq(sm_calendar_last_year(cal), 2027);
	ck_assert_int_eq(sm_calendar_set(cal, D("2024-10-01"), SM_DAY_DEFAULT, err), SM_OK);
	ck_assert_int_eq(sm_calendar_first_year(cal), 2025);
	ck_assert_int_eq(sm_calendar_set(cal, SM_DATE_NONE, SM_DAY_HOLIDAY, err), SM_E_INVALID);
	ck_assert_int_eq(sm_calendar_set(cal, D("1800-01-01"), SM_DAY_HOLIDAY, err), SM_E_INVALID);
	sm_err_clear(err);

	ck_assert_int_eq(sm_calendar_save(cal, path, err), SM_OK);
	ck_assert_int_eq(sm_calendar_load(path, &again, err), SM_OK);
	ck_assert_int_eq(sm_calendar_first_year(again), 2025);
	ck_assert_int_eq(sm_calendar_last_year(again), 2027);
	for (sm_date d = D("2024-12-01"); d <= D("2027-12-31"); d++)
		ck_assert_msg(sm_calendar_get(again, d) == sm_calendar_get(cal, d), "%s", F(d));
	ck_assert_int_eq(sm_calendar_get(again, D("2026-10-08")), SM_DAY_HOLIDAY);
	ck_assert_int_eq(sm_calendar_get(again, D("2026-02-14")), SM_DAY_DEFAULT);
	ck_assert_int_eq(sm_calendar_get(again, D("2026-03-07")), SM_DAY_WORKDAY);
	ck_assert_int_eq(sm_calendar_get(again, D("2027-01-01")), SM_DAY_HOLIDAY);
	/* 2/14 no longer works: from 2/13, Tue 2/24 (1) .. Fri 2/27 (4),
	 * then the working Saturday 2/28 (5). */
	ck_assert_int_eq(sm_calendar_deadline(again, D("2026-02-13"), 5, NULL),
	    D("2026-02-28"));

	/* The administrators' comment header and the sources survive. */
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_str_eq(line, "# Working-day calendar of sitemark (domain.md section 7).\n");
	fclose(f);
	/* Saving again gives the same bytes. */
	{
		char *p2 = NULL, cmd[1024];
		ck_assert_int_eq(asprintf(&p2, "%s/again.yaml", dir) > 0, 1);
		ck_assert_int_eq(sm_calendar_save(again, p2, err), SM_OK);
		snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", path, p2);
		ck_assert_int_eq(system(cmd), 0);
		snprintf(cmd, sizeof(cmd), "grep -q '国务院办公厅关于2026年部分节假日安排的通知' '%s'", p2);
		ck_assert_int_eq(system(cmd), 0);
		free(p2);
	}

	/* An unwritable place. */
	ck_assert_int_eq(sm_calendar_save(cal, "/nonexistent-dir/x/calendar.yaml", err), SM_E_IO);
	ck_assert_uint_eq(sm_err_count(err), 1);

	sm_calendar_free(&cal);
	sm_calendar_free(&again);
	sm_err_free(&err);
	tu_rmrf(dir);
	free(dir);
	free(path);
}
END_TEST

START_TEST(test_save_quotes_source)
{
	/* A source with quotes, a backslash and a newline survives the trip. */
	char *dir = tu_tmpdir();
	char *p = tu_write(dir, "c.yaml",
	    "years:\n  2030:\n    source: \"a \\\"b\\\" \\\\ c\\nd 国办\"\n"
	    "    holidays: [2030-01-01]\n");
	char *q = NULL, *qq = NULL;
	sm_calendar *cal = NULL, *again = NULL;
	sm_err *err = sm_err_new();

	ck_assert_int_eq(sm_calendar_load(p, &cal, err), SM_OK);
	ck_assert_int_eq(asprintf(&q, "%s/d.yaml", dir) > 0, 1);
	ck_assert_int_eq(asprintf(&qq, "%s/e.yaml", dir) > 0, 1);
	ck_assert_int_eq(sm_calendar_save(cal, q, err), SM_OK);
	ck_assert_int_eq(sm_calendar_load(q, &again, err), SM_OK);
	ck_assert_int_eq(sm_calendar_save(again, qq, err), SM_OK);
	{
		char cmd[1024];
		snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s' && grep -q '^# Working-day' '%s'",
		    q, qq, q);
		ck_assert_int_eq(system(cmd), 0);
	}
	ck_assert_int_eq(sm_calendar_get(again, D("2030-01-01")), SM_DAY_HOLIDAY);
	sm_calendar_free(&cal);
	sm_calendar_free(&again);
	sm_err_free(&err);
	tu_rmrf(dir);
	free(dir);
	free(p);
	free(q);
	free(qq);
}
END_TEST

/* Loading TEXT fails with a message containing every one of WANT (NULL
 * terminated). */
static void
expect_bad(const char *text, ...)
{
	char *dir = tu_tmpdir(), *p = tu_write(dir, "cal.yaml", text);
	sm_calendar *cal = NULL;
	sm_err *err = sm_err_new();
	va_list ap;
	const char *want;
	sm_status st = sm_calendar_load(p, &cal, err);

	ck_assert_msg(st == SM_E_INVALID, "accepted:\n%s", text);
	ck_assert_ptr_null(cal);
	ck_assert_uint_ge(sm_err_count(err), 1);
	va_start(ap, text);
	while ((want = va_arg(ap, const char *)) != NULL) {
		int found = 0;
		for (size_t i = 0; i < sm_err_count(err); i++)
			if (strstr(sm_err_msg(err, i), want))
				found = 1;
		ck_assert_msg(found, "no '%s' in '%s'", want, sm_err_msg(err, 0));
	}
	va_end(ap);
	ck_assert_msg(strncmp(sm_err_msg(err, 0), p, strlen(p)) == 0,
	    "message does not name the file: %s", sm_err_msg(err, 0));
	sm_err_free(&err);
	tu_rmrf(dir);
	free(dir);
	free(p);
}

START_TEST(test_bad_files)
{
	tu_lang("en");
	expect_bad("years:\n  2026:\n    holidays:\n      - 2025-12-31\n",
	    "cal.yaml:4: ", "outside its year 2026", NULL);
	expect_bad("years:\n  2026:\n    holidays: [2026-12-30..2027-01-02]\n",
	    ":3: ", "2027-01-01 is outside its year", NULL);
	expect_bad("years:\n  2026:\n    holidays: [2026-02-14]\n    workdays: [2026-02-14]\n",
	    ":4: ", "2026-02-14 is both a holiday and a working day", NULL);
	/* Mon 2026-03-02 is a working day anyway: a typo. */
	expect_bad("years:\n  2026:\n    workdays:\n      - 2026-03-07\n      - 2026-03-02\n",
	    ":5: ", "2026-03-02 is a weekday", NULL);
	expect_bad("years:\n  2026:\n    holidays: [2026-02-23..2026-02-15]\n",
	    ":3: ", "ends before it starts", NULL);
	expect_bad("years:\n  2026:\n    holidays: [2026-02-15..]\n", "not a date range", NULL);
	expect_bad("years:\n  2026:\n    holidays: [2026-02-15...2026-02-16]\n",
	    "not a date range", NULL);
	expect_bad("years:\n  2026:\n    holidays: [2026-02-30]\n", ":3: ", "not a date", NULL);
	expect_bad("years:\n  2026:\n    holidays: [tomorrow]\n", "'tomorrow' is not a date", NULL);
	expect_bad("years:\n  2026:\n    holidays: [[2026-01-01]]\n", "must be a list of dates",
	    NULL);
	expect_bad("years:\n  2026:\n    holidays: 2026-01-01\n", "must be a list of dates", NULL);
	expect_bad("years:\n  2026:\n    holidays: [2026-01-01, 2026-01-01]\n", "listed twice",
	    NULL);
	expect_bad("years:\n  2026:\n    holiday: [2026-01-01]\n",
	    ":3: ", "unknown key 'holiday'", NULL);
	expect_bad("year:\n  2026: {}\n", ":1: ", "unknown key 'year'", "'years' is missing", NULL);
	expect_bad("years:\n  twenty:\n    holidays: []\n", ":2: ", "'twenty' is not a year", NULL);
	expect_bad("years:\n  2026: [2026-01-01]\n", "must be a mapping", NULL);
	expect_bad("years: [2026]\n", "'years' must be a mapping", NULL);
	expect_bad("- 2026-01-01\n", "must be a mapping", NULL);
	expect_bad("", "must be a mapping", NULL);
	expect_bad("years:\n  2026:\n    source: [a]\n", "'source' must be a string", NULL);
	/* Hostile: a range to the end of time stops at the first bad day; an
	 * escape sequence in a key is not echoed raw. */
	expect_bad("years:\n  2026:\n    holidays: [2026-01-01..9999-12-31]\n",
	    "2027-01-01 is outside its year 2026", NULL);
	expect_bad("years:\n  2026:\n    \"\\e[2J\": []\n", "unknown key '^[[2J'", NULL);
	/* Several problems are all reported. */
	{
		char *dir = tu_tmpdir();
		char *p = tu_write(dir, "c.yaml", "years:\n  2026:\n    holidays: [2026-13-01]\n"
		    "    workdays: [2026-03-02]\n    x: 1\n");
		sm_calendar *cal = NULL;
		sm_err *err = sm_err_new();
		ck_assert_int_eq(sm_calendar_load(p, &cal, err), SM_E_INVALID);
		ck_assert_uint_eq(sm_err_count(err), 3);
		sm_err_free(&err);
		tu_rmrf(dir);
		free(dir);
		free(p);
	}
}
END_TEST

START_TEST(test_missing_file)
{
	sm_calendar *cal = (sm_calendar *)1;
	sm_err *err = sm_err_new();

	ck_assert_int_eq(sm_calendar_load("/nonexistent/calendar.yaml", &cal, err), SM_E_IO);
	ck_assert_ptr_null(cal);
	ck_assert_uint_eq(sm_err_count(err), 1);
	sm_err_free(&err);
}
END_TEST

START_TEST(test_empty_years)
{
	char *dir = tu_tmpdir();
	char *p = tu_write(dir, "c.yaml", "years:\n  2027:\n  2028:\n    holidays: []\n");
	sm_calendar *cal = NULL;
	sm_err *err = sm_err_new();
	bool unc = true;

	ck_assert_int_eq(sm_calendar_load(p, &cal, err), SM_OK);
	ck_assert_int_eq(sm_calendar_first_year(cal), 2027);
	ck_assert_int_eq(sm_calendar_last_year(cal), 2028);
	ck_assert(sm_calendar_is_workday(cal, D("2027-01-01"), &unc));
	ck_assert(!unc);
	sm_calendar_free(&cal);
	sm_err_free(&err);
	tu_rmrf(dir);
	free(dir);
	free(p);
}
END_TEST

static Suite *
calendar_suite(void)
{
	Suite *s = suite_create("calendar");
	TCase *tc = tcase_create("dates");
	TCase *tf = tcase_create("calendar");

	tcase_add_test(tc, test_date_basics);
	tcase_add_test(tc, test_date_round_trip);
	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_clock_privileged);
	suite_add_tcase(s, tc);
	tcase_add_test(tf, test_shipped_file);
	tcase_add_test(tf, test_is_workday);
	tcase_add_test(tf, test_deadline);
	tcase_add_test(tf, test_days_over);
	tcase_add_test(tf, test_set_save_reload);
	tcase_add_test(tf, test_save_quotes_source);
	tcase_add_test(tf, test_bad_files);
	tcase_add_test(tf, test_missing_file);
	tcase_add_test(tf, test_empty_years);
	tcase_set_timeout(tf, 30);
	suite_add_tcase(s, tf);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(calendar_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
