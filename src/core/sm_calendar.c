/* sm_calendar.c - working days (domain.md §7).
 *
 * Dates are days since 1970-01-01 computed with Howard Hinnant's
 * days_from_civil / civil_from_days (proleptic Gregorian), never mktime:
 * the answer must not depend on the machine's time zone. */
#include <config.h>

#include "sm_calendar.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_yaml.h"

#define SHANGHAI_OFFSET (8 * 3600)
#define MIN_YEAR 1900
#define MAX_YEAR 9999
#define MAX_DEADLINE_DAYS 100000
#define MAX_HEADER_BYTES 16384

/* ---------------------------------------------------------------- dates */

static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void
civil_from_days(long long z, int *y, int *m, int *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long yy = (long long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned dd = doy - (153 * mp + 2) / 5 + 1;
	unsigned mm = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return (m == 2 && is_leap(y)) ? 29 : dim[m - 1];
}

sm_date
sm_date_from_ymd(int y, int m, int d)
{
	if (y < 1 || y > MAX_YEAR || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return SM_DATE_NONE;
	return (sm_date)days_from_civil(y, (unsigned)m, (unsigned)d);
}

void
sm_date_to_ymd(sm_date dt, int *y, int *m, int *dd)
{
	int yy = 0, mm = 0, d = 0;

	if (dt != SM_DATE_NONE)
		civil_from_days(dt, &yy, &mm, &d);
	if (y)
		*y = yy;
	if (m)
		*m = mm;
	if (dd)
		*dd = d;
}

int
sm_date_weekday(sm_date d)
{
	long long z = d;
	return (int)(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

/* N digits at S into *V; returns S + N or NULL. */
static const char *
digits(const char *s, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return NULL;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return s + n;
}

/* "YYYY-MM-DD" at S; returns the end or NULL. */
static const char *
parse_ymd(const char *s, sm_date *out)
{
	int y, m, d;

	if ((s = digits(s, 4, &y)) == NULL || *s++ != '-' ||
	    (s = digits(s, 2, &m)) == NULL || *s++ != '-' ||
	    (s = digits(s, 2, &d)) == NULL)
		return NULL;
	if ((*out = sm_date_from_ymd(y, m, d)) == SM_DATE_NONE)
		return NULL;
	return s;
}

sm_date
sm_date_parse(const char *s)
{
	sm_date d;
	const char *e;

	if (s == NULL || (e = parse_ymd(s, &d)) == NULL || *e != '\0')
		return SM_DATE_NONE;
	return d;
}

char *
sm_date_format(sm_date d, char *buf, size_t bufsz)
{
	int y, m, dd;

	if (buf == NULL || bufsz == 0)
		return buf;
	if (d == SM_DATE_NONE) {
		buf[0] = '\0';
		return buf;
	}
	sm_date_to_ymd(d, &y, &m, &dd);
	snprintf(buf, bufsz, "%04d-%02d-%02d", y, m, dd);
	return buf;
}

/* ---------------------------------------------------------------- time */

/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM)"; a date alone is
 * midnight in Asia/Shanghai. */
static int
parse_instant(const char *s, time_t *out)
{
	sm_date d;
	int hh = 0, mi = 0, ss = 0, off = SHANGHAI_OFFSET;

	if ((s = parse_ymd(s, &d)) == NULL)
		return -1;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if ((s = digits(s, 2, &hh)) == NULL || *s++ != ':' ||
		    (s = digits(s, 2, &mi)) == NULL)
			return -1;
		if (*s == ':' && (s = digits(s + 1, 2, &ss)) == NULL)
			return -1;
		if (*s == '.') /* fractions of a second are ignored */
			for (s++; *s >= '0' && *s <= '9'; s++)
				;
		if (hh > 23 || mi > 59 || ss > 60)
			return -1;
		if (*s == 'Z' || *s == 'z') {
			off = 0;
			s++;
		} else if (*s == '+' || *s == '-') {
			int oh, om, sign = *s == '-' ? -1 : 1;
			if ((s = digits(s + 1, 2, &oh)) == NULL)
				return -1;
			if (*s == ':')
				s++;
			if ((s = digits(s, 2, &om)) == NULL || oh > 23 || om > 59)
				return -1;
			off = sign * (oh * 3600 + om * 60);
		}
	}
	if (*s != '\0')
		return -1;
	*out = (time_t)((long long)d * 86400 + hh * 3600 + mi * 60 + ss - off);
	return 0;
}

time_t
sm_clock_now(const sm_clock *clock)
{
	if (clock != NULL && clock->fixed)
		return clock->at;
	return time(NULL);
}

sm_clock
sm_clock_fixed(time_t t)
{
	return (sm_clock){.fixed = true, .at = t};
}

sm_clock
sm_clock_choose(const char *now, bool privileged)
{
	time_t t;

	/* a test clock set by whoever started a set-user-id or set-group-id
	 * program would let them date the records it writes */
	if (!privileged && now != NULL && *now != '\0' && parse_instant(now, &t) == 0)
		return sm_clock_fixed(t);
	return (sm_clock){.fixed = false};
}

sm_clock
sm_clock_session(void)
{
	return sm_clock_choose(secure_getenv("SITEMARK_NOW"), getauxval(AT_SECURE) != 0);
}

sm_date
sm_date_of(time_t t)
{
	long long x = (long long)t + SHANGHAI_OFFSET;
	long long d = x >= 0 ? x / 86400 : -((-x + 86399) / 86400);

	if (d < INT_MIN + 1 || d > INT_MAX)
		return SM_DATE_NONE;
	return (sm_date)d;
}

sm_date
sm_clock_today(const sm_clock *clock)
{
	return sm_date_of(sm_clock_now(clock));
}

char *
sm_time_format(time_t t, char *buf, size_t bufsz)
{
	long long x = (long long)t + SHANGHAI_OFFSET;
	long long secs = ((x % 86400) + 86400) % 86400;
	sm_date d = sm_date_of(t);
	int y, m, dd;

	if (buf == NULL || bufsz == 0)
		return buf;
	sm_date_to_ymd(d, &y, &m, &dd);
	snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, m, dd,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return buf;
}

/* ---------------------------------------------------------------- calendar */

struct cal_year {
	int year;
	unsigned char kind[366]; /* sm_day_kind by day of the year */
	char *source;            /* may be NULL */
};

struct sm_calendar {
	struct cal_year *years; /* sorted by year */
	size_t n, cap;
	char *header;           /* leading comment block of the file, or NULL */
};

static struct cal_year *
find_year(const sm_calendar *cal, int year)
{
	size_t lo = 0, hi;

	if (cal == NULL)
		return NULL;
	hi = cal->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cal->years[mid].year < year)
			lo = mid + 1;
		else if (cal->years[mid].year > year)
			hi = mid;
		else
			return &cal->years[mid];
	}
	return NULL;
}

static struct cal_year *
add_year(sm_calendar *cal, int year)
{
	size_t i;

	if (cal->n == cal->cap) {
		size_t cap = cal->cap ? cal->cap * 2 : 4;
		struct cal_year *p = realloc(cal->years, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		cal->years = p;
		cal->cap = cap;
	}
	for (i = cal->n; i > 0 && cal->years[i - 1].year > year; i--)
		;
	memmove(&cal->years[i + 1], &cal->years[i], (cal->n - i) * sizeof(cal->years[0]));
	memset(&cal->years[i], 0, sizeof(cal->years[0]));
	cal->years[i].year = year;
	cal->n++;
	return &cal->years[i];
}

static int
day_of_year(sm_date d, int *year)
{
	int y, m, dd;

	sm_date_to_ymd(d, &y, &m, &dd);
	*year = y;
	return (int)(d - days_from_civil(y, 1, 1));
}

static int
is_weekend(sm_date d)
{
	int wd = sm_date_weekday(d);
	return wd == 0 || wd == 6;
}

void
sm_calendar_free(sm_calendar **calp)
{
	if (calp == NULL || *calp == NULL)
		return;
	for (size_t i = 0; i < (*calp)->n; i++)
		free((*calp)->years[i].source);
	free((*calp)->years);
	free((*calp)->header);
	free(*calp);
	*calp = NULL;
}

int
sm_calendar_first_year(const sm_calendar *cal)
{
	return (cal && cal->n) ? cal->years[0].year : 0;
}

int
sm_calendar_last_year(const sm_calendar *cal)
{
	return (cal && cal->n) ? cal->years[cal->n - 1].year : 0;
}

sm_day_kind
sm_calendar_get(const sm_calendar *cal, sm_date d)
{
	int year, doy;
	const struct cal_year *cy;

	if (d == SM_DATE_NONE)
		return SM_DAY_DEFAULT;
	doy = day_of_year(d, &year);
	if ((cy = find_year(cal, year)) == NULL)
		return SM_DAY_DEFAULT;
	return (sm_day_kind)cy->kind[doy];
}

bool
sm_calendar_is_workday(const sm_calendar *cal, sm_date d, bool *uncertain)
{
	int year, doy;
	const struct cal_year *cy;

	if (d == SM_DATE_NONE) {
		if (uncertain)
			*uncertain = true;
		return false;
	}
	doy = day_of_year(d, &year);
	cy = find_year(cal, year);
	if (uncertain)
		*uncertain = cy == NULL;
	if (cy != NULL) {
		if (cy->kind[doy] == SM_DAY_HOLIDAY)
			return false;
		if (cy->kind[doy] == SM_DAY_WORKDAY)
			return true;
	}
	return !is_weekend(d);
}

sm_date
sm_calendar_deadline(const sm_calendar *cal, sm_date day, int n, bool *uncertain)
{
	bool unc = false;
	sm_date d = day;

	if (uncertain)
		*uncertain = false;
	if (day == SM_DATE_NONE || n > MAX_DEADLINE_DAYS)
		return SM_DATE_NONE;
	if (n < 1)
		return day;
	/* Every year has weekdays, and the calendar covers at most years up to
	 * MAX_YEAR, so the loop ends: at worst after the last calendar year. */
	while (n > 0) {
		bool u;
		if (d >= INT_MAX - 1)
			return SM_DATE_NONE;
		d++;
		if (sm_calendar_is_workday(cal, d, &u))
			n--;
		unc = unc || u;
	}
	if (uncertain)
		*uncertain = unc;
	return d;
}

int
sm_calendar_days_over(const sm_calendar *cal, sm_date due, sm_date today)
{
	int n = 0;

	if (due == SM_DATE_NONE || today == SM_DATE_NONE || today <= due)
		return 0;
	for (long long d = (long long)due + 1; d <= today; d++)
		if (sm_calendar_is_workday(cal, (sm_date)d, NULL) && n < INT_MAX)
			n++;
	return n;
}

sm_status
sm_calendar_set(sm_calendar *cal, sm_date d, sm_day_kind kind, sm_err *err)
{
	char buf[16];
	int year, doy;
	struct cal_year *cy;

	if (cal == NULL || d == SM_DATE_NONE)
		return sm_err_add(err, SM_E_INVALID, "date", "%s", _("no date given"));
	doy = day_of_year(d, &year);
	if (year < MIN_YEAR || year > MAX_YEAR)
		return sm_err_add(err, SM_E_INVALID, "date",
		    _("date %s is outside the years %d to %d"),
		    sm_date_format(d, buf, sizeof(buf)), MIN_YEAR, MAX_YEAR);
	if (kind != SM_DAY_DEFAULT && kind != SM_DAY_HOLIDAY && kind != SM_DAY_WORKDAY)
		return sm_err_add(err, SM_E_INVALID, "kind", "%s", _("unknown kind of day"));
	/* A weekday is a working day by the weekday rule: marking it as one
	 * only undoes a holiday. */
	if (kind == SM_DAY_WORKDAY && !is_weekend(d))
		kind = SM_DAY_DEFAULT;
	cy = find_year(cal, year);
	if (cy == NULL) {
		if (kind == SM_DAY_DEFAULT)
			return SM_OK;
		if ((cy = add_year(cal, year)) == NULL)
			return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
	}
	cy->kind[doy] = (unsigned char)kind;
	return SM_OK;
}

/* ---------------------------------------------------------------- loading */

struct loader {
	const char *path;
	sm_err *err;
	int bad;
};

static void
lerr(struct loader *L, int line, const char *what)
{
	sm_err_add(L->err, SM_E_INVALID, NULL, "%s:%d: %s", L->path, line, what);
	L->bad = 1;
}

static void lerrf(struct loader *L, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
lerrf(struct loader *L, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL) {
		sm_err_add(L->err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
		L->bad = 1;
		return;
	}
	lerr(L, line, msg);
	free(msg);
}

/* Mark D (a date of the item at LINE) as KIND; -1 after a problem. */
static int
mark_day(struct loader *L, struct cal_year *cy, sm_date d, sm_day_kind kind, int line)
{
	char buf[16];
	int year, doy = day_of_year(d, &year);

	sm_date_format(d, buf, sizeof(buf));
	if (year != cy->year) {
		lerrf(L, line, _("date %s is outside its year %d"), buf, cy->year);
		return -1;
	}
	if (kind == SM_DAY_WORKDAY && !is_weekend(d)) {
		lerrf(L, line, _("working day %s is a weekday already: only a "
		    "Saturday or Sunday can be an adjusted working day"), buf);
		return -1;
	}
	if (cy->kind[doy] == kind) {
		lerrf(L, line, _("date %s is listed twice"), buf);
		return -1;
	}
	if (cy->kind[doy] != SM_DAY_DEFAULT) {
		lerrf(L, line, _("date %s is both a holiday and a working day"), buf);
		return -1;
	}
	cy->kind[doy] = (unsigned char)kind;
	return 0;
}

static void
load_list(struct loader *L, struct cal_year *cy, const sm_node *list,
    sm_day_kind kind, const char *key)
{
	if (list == NULL || (list->type == SM_NODE_SCALAR && list->null))
		return;
	if (list->type != SM_NODE_SEQ) {
		lerrf(L, list->line, _("'%s' must be a list of dates "
		    "(YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)"), key);
		return;
	}
	for (size_t i = 0; i < list->n; i++) {
		const sm_node *it = list->items[i];
		const char *e;
		char *sh;
		sm_date a, b;

		if (it->type != SM_NODE_SCALAR || it->scalar == NULL) {
			lerrf(L, it->line, _("'%s' must be a list of dates "
			    "(YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)"), key);
			continue;
		}
		sh = sm_text_excerpt(it->scalar);
		if ((e = parse_ymd(it->scalar, &a)) == NULL) {
			lerrf(L, it->line, _("'%s' is not a date: expected "
			    "YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"), sh);
			goto next;
		}
		b = a;
		if (strncmp(e, "..", 2) == 0) {
			const char *f = parse_ymd(e + 2, &b);
			if (f == NULL || *f != '\0') {
				lerrf(L, it->line, _("'%s' is not a date range: "
				    "expected YYYY-MM-DD..YYYY-MM-DD"), sh);
				goto next;
			}
			if (b < a) {
				lerrf(L, it->line, _("date range '%s' ends before "
				    "it starts"), sh);
				goto next;
			}
		} else if (*e != '\0') {
			lerrf(L, it->line, _("'%s' is not a date: expected "
			    "YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"), sh);
			goto next;
		}
		/* One problem per item is enough. */
		for (sm_date d = a; d <= b; d++)
			if (mark_day(L, cy, d, kind, it->line) < 0)
				break;
next:
		sm_text_excerpt_free(sh);
	}
}

static int
parse_year(const char *s)
{
	int y = 0;

	if (s == NULL || strlen(s) != 4 || digits(s, 4, &y) == NULL)
		return -1;
	return (y >= MIN_YEAR && y <= MAX_YEAR) ? y : -1;
}

static void
load_year(struct loader *L, sm_calendar *cal, const char *ykey, int yline,
    const sm_node *ynode)
{
	struct cal_year *cy;
	int year = parse_year(ykey);

	if (year < 0) {
		char *sh = sm_text_excerpt(ykey);
		lerrf(L, yline, _("'%s' is not a year: expected four digits "
		    "from 1900 to 9999"), sh);
		sm_text_excerpt_free(sh);
		return;
	}
	if (find_year(cal, year) != NULL) {
		lerrf(L, yline, _("year %d is given twice"), year);
		return;
	}
	if (ynode->type == SM_NODE_SCALAR && ynode->null) {
		if (add_year(cal, year) == NULL)
			sm_err_add(L->err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
		return;
	}
	if (ynode->type != SM_NODE_MAP) {
		lerrf(L, ynode->line, _("year %d must be a mapping with "
		    "'holidays', 'workdays' and 'source'"), year);
		return;
	}
	if ((cy = add_year(cal, year)) == NULL) {
		sm_err_add(L->err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
		L->bad = 1;
		return;
	}
	for (size_t i = 0; i < ynode->n; i++) {
		const char *k = ynode->keys[i];
		const sm_node *v = ynode->items[i];
		int kl = ynode->key_lines ? ynode->key_lines[i] : ynode->line;

		/* add_year may move the array: look the year up again. */
		cy = find_year(cal, year);
		if (strcmp(k, "holidays") == 0)
			load_list(L, cy, v, SM_DAY_HOLIDAY, k);
		else if (strcmp(k, "workdays") == 0)
			load_list(L, cy, v, SM_DAY_WORKDAY, k);
		else if (strcmp(k, "source") == 0) {
			if (v->type == SM_NODE_SCALAR && v->null)
				continue;
			if (v->type != SM_NODE_SCALAR) {
				lerr(L, v->line, _("'source' must be a string"));
				continue;
			}
			free(cy->source);
			if ((cy->source = strdup(v->scalar ? v->scalar : "")) == NULL)
				sm_err_add(L->err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
		} else {
			char *sh = sm_text_excerpt(k);
			lerrf(L, kl, _("unknown key '%s': expected 'holidays', "
			    "'workdays' or 'source'"), sh);
			sm_text_excerpt_free(sh);
		}
	}
}

/* The comment block at the top of the file, kept for sm_calendar_save. */
static char *
read_header(const char *path)
{
	FILE *f = fopen(path, "r");
	struct {
		char *p;
		size_t n;
	} b = { NULL, 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t r;

	if (f == NULL)
		return NULL;
	while ((r = getline(&line, &cap, f)) > 0) {
		if (line[0] != '#')
			break;
		if (b.n + (size_t)r > MAX_HEADER_BYTES)
			break;
		char *p = realloc(b.p, b.n + (size_t)r + 1);
		if (p == NULL)
			break;
		b.p = p;
		memcpy(b.p + b.n, line, (size_t)r);
		b.n += (size_t)r;
		b.p[b.n] = '\0';
	}
	free(line);
	fclose(f);
	if (b.p != NULL && b.p[b.n - 1] != '\n') {
		free(b.p);
		return NULL;
	}
	return b.p;
}

sm_status
sm_calendar_load(const char *path, sm_calendar **out, sm_err *err)
{
	struct loader L = { path, err, 0 };
	sm_node *root = NULL;
	sm_calendar *cal;
	sm_status st;

	*out = NULL;
	if ((st = sm_yaml_load_file(path, &root, err)) != SM_OK)
		return st;
	if ((cal = calloc(1, sizeof(*cal))) == NULL) {
		sm_node_free(&root);
		return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
	}
	if (root == NULL || root->type != SM_NODE_MAP) {
		lerr(&L, root ? root->line : 1,
		    _("a calendar must be a mapping with the key 'years'"));
	} else {
		const sm_node *years = NULL;
		for (size_t i = 0; i < root->n; i++) {
			int kl = root->key_lines ? root->key_lines[i] : root->line;
			if (strcmp(root->keys[i], "years") == 0)
				years = root->items[i];
			else {
				char *sh = sm_text_excerpt(root->keys[i]);
				lerrf(&L, kl, _("unknown key '%s': expected 'years'"), sh);
				sm_text_excerpt_free(sh);
			}
		}
		if (years == NULL)
			lerr(&L, root->line, _("the key 'years' is missing"));
		else if (years->type == SM_NODE_SCALAR && years->null)
			;
		else if (years->type != SM_NODE_MAP)
			lerr(&L, years->line, _("'years' must be a mapping from a "
			    "year to its holidays and working days"));
		else
			for (size_t i = 0; i < years->n; i++)
				load_year(&L, cal, years->keys[i],
				    years->key_lines ? years->key_lines[i] : years->line,
				    years->items[i]);
	}
	sm_node_free(&root);
	if (L.bad || sm_err_status(err) == SM_E_NOMEM) {
		sm_calendar_free(&cal);
		return L.bad ? SM_E_INVALID : SM_E_NOMEM;
	}
	cal->header = read_header(path);
	*out = cal;
	return SM_OK;
}

/* ---------------------------------------------------------------- saving */

static const char default_header[] =
    "# Working-day calendar of sitemark (domain.md section 7).\n"
    "# Administrators maintain this file from the State Council's notices\n"
    "# on public holidays (国务院办公厅关于部分节假日安排的通知).\n";

static int
put_quoted(FILE *f, const char *s)
{
	size_t len = strlen(s), i = 0;

	fputc('"', f);
	while (i < len) {
		unsigned int cp;
		size_t n = sm_utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			fprintf(f, "\\x%02X", (unsigned char)s[i]);
			n = 1;
		} else if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (int)cp);
		else if (cp < 0x20 || cp == 0x7F)
			fprintf(f, "\\x%02X", cp);
		else if ((cp >= 0x80 && cp <= 0x9F) || cp == 0xFEFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
			fprintf(f, "\\u%04X", cp);
		else
			fwrite(s + i, 1, n, f);
		i += n;
	}
	fputc('"', f);
	return 0;
}

static void
put_list(FILE *f, const struct cal_year *cy, sm_day_kind kind, const char *key)
{
	sm_date jan1 = (sm_date)days_from_civil(cy->year, 1, 1);
	int ndays = is_leap(cy->year) ? 366 : 365;
	int any = 0;

	for (int i = 0; i < ndays; i++) {
		char a[16], b[16];
		int j;

		if (cy->kind[i] != kind)
			continue;
		for (j = i; j + 1 < ndays && cy->kind[j + 1] == kind; j++)
			;
		if (!any)
			fprintf(f, "    %s:\n", key);
		any = 1;
		sm_date_format(jan1 + i, a, sizeof(a));
		if (j == i)
			fprintf(f, "      - %s\n", a);
		else
			fprintf(f, "      - %s..%s\n", a, sm_date_format(jan1 + j, b, sizeof(b)));
		i = j;
	}
	if (!any)
		fprintf(f, "    %s: []\n", key);
}

sm_status
sm_calendar_save(const sm_calendar *cal, const char *path, sm_err *err)
{
	char *tmp = NULL;
	FILE *f;
	int fd, e;

	if (cal == NULL || path == NULL)
		return sm_err_add(err, SM_E_INVALID, NULL, "%s", _("no calendar to save"));
	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		sm_err_add(err, SM_E_IO, NULL, _("cannot write %s: %s"), path, strerror(e));
		free(tmp);
		return SM_E_IO;
	}
	{
		/* Keep the mode of the file it replaces. */
		struct stat st;
		(void)fchmod(fd, stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644);
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		goto fail;
	}
	fputs(cal->header ? cal->header : default_header, f);
	fputs("years:\n", f);
	for (size_t i = 0; i < cal->n; i++) {
		const struct cal_year *cy = &cal->years[i];
		fprintf(f, "  %d:\n", cy->year);
		if (cy->source != NULL) {
			fputs("    source: ", f);
			put_quoted(f, cy->source);
			fputc('\n', f);
		}
		put_list(f, cy, SM_DAY_HOLIDAY, "holidays");
		put_list(f, cy, SM_DAY_WORKDAY, "workdays");
	}
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		e = errno;
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0) {
		e = errno;
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		e = errno;
		goto fail;
	}
	free(tmp);
	return SM_OK;
fail:
	unlink(tmp);
	free(tmp);
	return sm_err_add(err, SM_E_IO, NULL, _("cannot write %s: %s"), path, strerror(e));
}
