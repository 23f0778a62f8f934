/* sm_monitor.h - the mark monitor (issue 10): is every issued mark hung?
 *
 * sm_marks_check() looks for each issued mark (mark_issued, and mark_hung to
 * catch marks taken down) of a unit's own site on the site: the home page of
 * each of its English domains and up to monitor.pages pages of the same site
 * linked from them, fetched in parallel with libcurl's multi interface
 * (connections per host and in all, connect and total timeouts, a low-speed
 * limit, redirects limited and kept on the site, compressed responses, a
 * size cap, certificates verified, HTTP/2 where offered).  Pages are read as
 * they stream in and never kept whole: the checker's memory does not grow
 * with the number of sites.
 *
 * A page passes when the unit's snippet (its script's path carries the mark
 * code) stands in the body, before </body>.  Every check is stored with its
 * pages; a mark at mark_issued whose pages all pass is moved on by
 * verify-hung, a mark at mark_hung that fails is flagged (flag-missing),
 * both through the rules as the monitor account.  Red pages are not fetched
 * (they move by publish-redpage). */
#ifndef SM_MONITOR_H
#define SM_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_app.h"
#include "sm_err.h"
#include "sm_vocab.h"

/* The monitor's account (created by the core when first needed). */
#define SM_MONITOR_LOGIN "monitor"

/* A page's verdict. */
typedef enum sm_page_verdict {
	SM_PAGE_NONE = 0,
	SM_PAGE_PASS,          /* the snippet stands in the body */
	SM_PAGE_MISPLACED,     /* the snippet is there, but in the head or after </body> */
	SM_PAGE_MISSING,       /* the page was read; no snippet */
	SM_PAGE_HTTP,          /* an HTTP status other than 200 (404, 429, 500 ...) */
	SM_PAGE_DNS,           /* the host name did not resolve */
	SM_PAGE_UNREACHABLE,   /* connection refused or failed */
	SM_PAGE_TIMEOUT,       /* connect or total time, or too slow */
	SM_PAGE_TLS,           /* certificate not verified, or the handshake failed */
	SM_PAGE_TOO_LARGE,     /* stopped at monitor.max_bytes before the verdict */
	SM_PAGE_REDIRECTS,     /* more redirects than monitor.max_redirects (a loop) */
	SM_PAGE_OFFSITE,       /* redirected to another site */
	SM_PAGE_NOT_HTML,      /* not text/html */
	SM_PAGE_EMPTY,         /* 200 with nothing in it */
	SM_PAGE_ERROR,         /* anything else libcurl reports */
	SM_PAGE_VERDICT_COUNT
} sm_page_verdict;

/* Where the snippet stands. */
typedef enum sm_mark_where {
	SM_WHERE_NONE = 0,     /* the page was not read */
	SM_WHERE_BODY_END,     /* in the body, near its end (as asked: bottom centre) */
	SM_WHERE_BODY,         /* in the body, not near its end */
	SM_WHERE_HEAD,         /* in the head */
	SM_WHERE_AFTER_BODY,   /* after </body> */
	SM_WHERE_MISSING,      /* nowhere */
	SM_WHERE_COUNT
} sm_mark_where;

/* One page checked. */
typedef struct sm_page_result {
	char *url;             /* the page asked for */
	char *final_url;       /* after redirects, or NULL */
	long status;           /* the HTTP status, 0 when none */
	sm_page_verdict verdict;
	sm_mark_where where;
	int title_ok;          /* 1 the <title> holds the site name, 0 it does not, -1 no title */
	char *title;           /* UTF-8, as found (data: neutralise before display) */
	char *detail;          /* why it could not be read, as stored (a word and its
	                        * values): sm_page_detail_text shows it; or NULL */
	int64_t bytes;         /* read */
	int64_t ms;            /* how long it took */
	int http;              /* the HTTP version spoken: 10, 11, 20 (0 unknown; not stored) */
} sm_page_result;

/* One check of one mark. */
typedef struct sm_mark_check {
	int64_t id;            /* the stored check (0 for a dry run, or when read) */
	int64_t case_id;
	char *at;
	char *code;            /* the mark code */
	char *site_name;
	sm_state state;        /* the case's state when checked */
	int64_t version;       /* and its version (checks in a row are of one version) */
	bool pass;             /* every checked page passed */
	sm_action applied;     /* verify-hung, flag-missing or none */
	char *problem;         /* why the action was not applied (e.g. someone moved the case), or NULL */
	sm_page_result *pages;
	size_t n_pages;
} sm_mark_check;

void sm_page_result_clear(sm_page_result *p);
void sm_mark_check_clear(sm_mark_check *c);

/* Names (as stored and in JSON) and translated labels. */
const char *sm_page_verdict_name(sm_page_verdict v);
const char *sm_page_verdict_label(sm_page_verdict v);
sm_page_verdict sm_page_verdict_parse(const char *name);
const char *sm_mark_where_name(sm_mark_where w);
const char *sm_mark_where_label(sm_mark_where w);
sm_mark_where sm_mark_where_parse(const char *name);
/* What a check found, in a few words (translated): the mark hangs on every
 * page; no English domain; the mark missing (on a page read); the mark
 * misplaced (in the head, after </body>); or the site, or some of its
 * pages, could not be read. */
const char *sm_mark_check_headline(const sm_mark_check *c);
/* A page's stored detail in the reader's language, into BUF (or the
 * detail itself when it is free text, as stored before). */
const char *sm_page_detail_text(const char *stored, char *buf, size_t bufsz);

/* Where the snippet of mark CODE stands in the page HTML (LEN raw bytes),
 * read as the monitor reads a page, CHUNK bytes at a time (0: at once). */
sm_mark_where sm_mark_scan(const char *code, const char *html, size_t len, size_t chunk);

typedef struct sm_monitor_totals {
	size_t marks;          /* checked */
	size_t marks_total;    /* to check (known once listed; grows while listing) */
	size_t passed;
	size_t failed;
	size_t pages;
	size_t hung;           /* moved to mark_hung */
	size_t flagged;        /* moved back to mark_issued */
	size_t not_applied;    /* an action that the rules refused (the case moved meanwhile) */
	/* for a progress line: marks read, and of them failed, before they
	 * are stored and counted above (in batches, every few seconds) */
	size_t read;
	size_t read_failed;
} sm_monitor_totals;

typedef struct sm_monitor_opts {
	const char *const *resolve; /* HOST:PORT:ADDR, as curl's --resolve */
	size_t n_resolve;
	int64_t unit;              /* 0: every unit */
	int64_t case_id;           /* 0: every case */
	const char *office;        /* NULL: every office */
	bool dry_run;              /* report; store and change nothing */
	/* Called as each mark is done (MC is the caller's only while called). */
	void (*on_mark)(void *ud, const sm_mark_check *mc, const sm_monitor_totals *sofar);
	/* Called now and then while pages come in. */
	void (*on_progress)(void *ud, const sm_monitor_totals *sofar);
	void *ud;
} sm_monitor_opts;

/* Check the issued marks of O's subset.  The caller must be the system
 * administrator (cron), CONAC or the monitor account; changes are made as
 * the monitor account, which is made when it does not exist.  SM_OK when
 * the check ran (TOTALS says what it found); an error for what stopped it. */
sm_status sm_marks_check(sm_app *app, const sm_monitor_opts *o, sm_monitor_totals *totals,
                         sm_err *err);

/* The monitor account: made when missing (its role is no one's to grant). */
sm_status sm_monitor_account(sm_app *app, sm_err *err);

#endif
