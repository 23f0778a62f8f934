/* sm_monitor.c - the mark monitor: fetch the sites of issued marks with
 * libcurl's multi interface, read each page as it streams in, and decide
 * whether the unit's snippet hangs in its body (sm_monitor.h). */
#include <config.h>

#include "sm_monitor.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sm_curl.h"
#include <jansson.h>

#include "sm_i18n.h"
#include "sm_random.h"
#include "sm_scan.h"
#include "sm_store.h"
#include "sm_text.h"
#include "sm_workflow.h"

/* ------------------------------------------------------------ words */

static const struct {
	const char *name;
	const char *label;
} verdict_words[SM_PAGE_VERDICT_COUNT] = {
	[SM_PAGE_PASS] = {"pass", N_("the mark hangs in the page's body")},
	[SM_PAGE_MISPLACED] = {"misplaced", N_("the mark is on the page but outside the body")},
	[SM_PAGE_MISSING] = {"missing", N_("the mark is not on the page")},
	[SM_PAGE_HTTP] = {"http", N_("the server answered with an error status")},
	[SM_PAGE_DNS] = {"dns", N_("the host name does not resolve")},
	[SM_PAGE_UNREACHABLE] = {"unreachable", N_("the server cannot be reached")},
	[SM_PAGE_TIMEOUT] = {"timeout", N_("the server was too slow")},
	[SM_PAGE_TLS] = {"tls", N_("the site's certificate could not be verified")},
	[SM_PAGE_TOO_LARGE] = {"too_large", N_("the page is larger than the limit")},
	[SM_PAGE_REDIRECTS] = {"redirects", N_("too many redirects")},
	[SM_PAGE_OFFSITE] = {"offsite", N_("redirected to another site")},
	[SM_PAGE_NOT_HTML] = {"not_html", N_("not an HTML page")},
	[SM_PAGE_EMPTY] = {"empty", N_("the page is empty")},
	[SM_PAGE_ERROR] = {"error", N_("the page could not be read")},
};

static const struct {
	const char *name;
	const char *label;
} where_words[SM_WHERE_COUNT] = {
	[SM_WHERE_BODY_END] = {"body_end", N_("in the body, near its end")},
	[SM_WHERE_BODY] = {"body", N_("in the body, not near its end")},
	[SM_WHERE_HEAD] = {"head", N_("in the head")},
	[SM_WHERE_AFTER_BODY] = {"after_body", N_("after </body>")},
	[SM_WHERE_MISSING] = {"missing", N_("nowhere on the page")},
};

const char *
sm_page_verdict_name(sm_page_verdict v)
{
	return v > SM_PAGE_NONE && v < SM_PAGE_VERDICT_COUNT ? verdict_words[v].name : "";
}

const char *
sm_page_verdict_label(sm_page_verdict v)
{
	return v > SM_PAGE_NONE && v < SM_PAGE_VERDICT_COUNT ? _(verdict_words[v].label) : "";
}

sm_page_verdict
sm_page_verdict_parse(const char *name)
{
	for (int i = 1; name && i < SM_PAGE_VERDICT_COUNT; i++)
		if (strcmp(verdict_words[i].name, name) == 0)
			return (sm_page_verdict)i;
	return SM_PAGE_NONE;
}

const char *
sm_mark_where_name(sm_mark_where w)
{
	return w > SM_WHERE_NONE && w < SM_WHERE_COUNT ? where_words[w].name : "";
}

const char *
sm_mark_where_label(sm_mark_where w)
{
	return w > SM_WHERE_NONE && w < SM_WHERE_COUNT ? _(where_words[w].label) : "";
}

sm_mark_where
sm_mark_where_parse(const char *name)
{
	for (int i = 1; name && i < SM_WHERE_COUNT; i++)
		if (strcmp(where_words[i].name, name) == 0)
			return (sm_mark_where)i;
	return SM_WHERE_NONE;
}

/* How many of C's pages lacked the mark, had it misplaced, could not be read. */
static void
check_counts(const sm_mark_check *c, size_t *missing, size_t *misplaced, size_t *unread)
{
	*missing = *misplaced = *unread = 0;
	for (size_t i = 0; i < c->n_pages; i++) {
		sm_page_verdict v = c->pages[i].verdict;
		if (v == SM_PAGE_MISSING)
			(*missing)++;
		else if (v == SM_PAGE_MISPLACED)
			(*misplaced)++;
		else if (v != SM_PAGE_PASS)
			(*unread)++;
	}
}

const char *
sm_mark_check_headline(const sm_mark_check *c)
{
	size_t missing, misplaced, unread;
	if (c->pass)
		return _("the mark hangs on every page checked");
	if (c->n_pages == 0)
		return _("no English domain to check");
	check_counts(c, &missing, &misplaced, &unread);
	if (missing > 0)
		return _("the mark is missing");
	if (misplaced > 0)
		return _("the mark is not in the body");
	return unread == c->n_pages ? _("the site could not be read") :
	    _("some pages could not be read");
}

void
sm_page_result_clear(sm_page_result *p)
{
	free(p->url);
	free(p->final_url);
	free(p->title);
	free(p->detail);
	memset(p, 0, sizeof(*p));
}

void
sm_mark_check_clear(sm_mark_check *c)
{
	for (size_t i = 0; i < c->n_pages; i++)
		sm_page_result_clear(&c->pages[i]);
	free(c->pages);
	free(c->at);
	free(c->code);
	free(c->site_name);
	free(c->problem);
	memset(c, 0, sizeof(*c));
}

/* The run's iconv descriptor to UTF-8, kept for the charset it was opened
 * for: opening one costs more than converting a title. */
struct conv {
	char from[40];
	iconv_t cd;            /* (iconv_t)-1: none */
};

/* TEXT (LEN bytes in CHARSET) as UTF-8, malloc'd; NULL when it does not
 * convert.  UTF-8 is only checked, not converted. */
static char *
to_utf8(struct conv *cv, const char *text, size_t len, const char *charset)
{
	const char *from = charset;
	if (strcasecmp(charset, "gb2312") == 0 || strcasecmp(charset, "gbk") == 0 ||
	    strcasecmp(charset, "x-gbk") == 0 || strcasecmp(charset, "gb18030") == 0)
		from = "GB18030"; /* the superset of the three */
	if (strcasecmp(from, "utf-8") == 0 || strcasecmp(from, "utf8") == 0)
		return sm_text_valid_utf8(text, len) ? strndup(text, len) : NULL;
	if (cv->cd != (iconv_t)-1 && strcasecmp(cv->from, from) == 0) {
		iconv(cv->cd, NULL, NULL, NULL, NULL); /* back to the initial state */
	} else {
		if (cv->cd != (iconv_t)-1)
			iconv_close(cv->cd);
		snprintf(cv->from, sizeof(cv->from), "%s", from);
		cv->cd = iconv_open("UTF-8", from);
	}
	iconv_t cd = cv->cd;
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = len * 4 + 1, left = cap - 1;
	char *out = malloc(cap), *o = out, *in = (char *)text;
	size_t inleft = len;
	if (out != NULL && iconv(cd, &in, &inleft, &o, &left) == (size_t)-1) {
		free(out);
		out = NULL;
	}
	if (out != NULL)
		*o = '\0';
	return out;
}

/* Collapse white space (and &nbsp;) in place, trimming the ends. */
static void
squeeze(char *s)
{
	char *w = s;
	bool space = true;
	for (char *r = s; *r; r++) {
		if (isspace((unsigned char)*r) || strncmp(r, "&nbsp;", 6) == 0) {
			if (*r == '&')
				r += 5;
			if (!space)
				*w++ = ' ';
			space = true;
		} else {
			*w++ = *r;
			space = false;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/* ------------------------------------------------------------ the fetcher */

struct settings {
	long pages;            /* links followed per mark */
	long connections;
	long per_host;
	long connect_ms, total_ms;
	long max_bytes;
	long max_redirects;
	long http_port, https_port;
	const char *ca_file;
};

struct job;

#define IDLE_MAX 64
#define DRAIN_MAX (64 * 1024) /* bytes read after a settled verdict, to keep the connection */
#define DRAIN_MS 1000         /* and for so long at most */

/* One transfer in flight. */
struct req {
	struct run *run;
	struct job *job;
	size_t page;
	CURL *easy;
	struct curl_slist *resolve;
	sm_scan sc;
	char url[2048];        /* asked for now (after redirects) */
	bool home;
	bool https_tried;
	int redirects;
	bool started;
	sm_page_verdict decided; /* settled while reading: the transfer was stopped for it */
	int64_t bytes;
	int64_t drained;       /* bytes after a settled verdict, read to keep the connection */
	int64_t drain_ms;      /* when the draining began (ms_since(t0)), -1 not draining */
	struct timespec t0;
	char errbuf[CURL_ERROR_SIZE];
};

struct job {
	sm_monitor_target t;
	char **domains;
	size_t n_domains;
	sm_page_result *pages;
	size_t n_pages, cap_pages;
	size_t links;
	size_t open;           /* pages not finished */
	size_t next_page;      /* the first page not started */
	size_t running;        /* transfers in flight (at most monitor.per_host) */
	bool queued;           /* in the run's queue of jobs with a page to start */
	struct job *next;      /* the run's open jobs */
};


/* What the fetching threads share (monitor.threads): the listing of the
 * marks, the store, the callbacks and the totals, all under MU.  Each thread
 * runs its own multi handle on the marks it took: a site is fetched by one
 * thread only, so monitor.per_host holds as with one. */
struct shared {
	pthread_mutex_t mu;
	int64_t after;         /* the last case listed */
	bool listed;           /* every mark taken */
	bool stop;             /* a thread failed: no more marks taken */
	sm_monitor_totals tot; /* the threads' totals, as last published */
	struct timespec progress; /* the last progress report */
};

struct run {
	sm_app *app;
	const sm_monitor_opts *o;
	struct shared *sh;
	sm_monitor_totals mine; /* this thread's totals (tot points here) */
	sm_monitor_totals pub;  /* of them, what is in sh->tot */
	sm_err *err;            /* this thread's failure */
	sm_status st;
	struct settings set;
	CURLM *multi;
	char **resolve;        /* --resolve entries, sorted by host */
	size_t n_resolve;
	struct job **queue;    /* jobs with a page to start (a ring) */
	size_t q_head, q_len, q_cap;
	size_t in_flight;
	size_t jobs_open;
	struct job *jobs;      /* open */
	sm_monitor_totals *tot;
	sm_mark_check *done;   /* finished, waiting to be written */
	size_t n_done;
	bool nomem;
	sm_user monitor;       /* who the checks and changes are by */
	CURL *idle[IDLE_MAX];  /* easy handles between transfers */
	size_t n_idle;
	struct conv conv;      /* titles' charset */
	bool acts_in_tx;       /* verify-hung applied in the checks' write */
};

static int64_t
ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Host names compared without regard to case: A's first AL bytes with B's
 * first BL. */
static int
host_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = strncasecmp(a, b, al < bl ? al : bl);
	return c != 0 ? c : (al > bl) - (al < bl);
}

/* --resolve entries in the order of their hosts (the part before ':'). */
static int
cmp_entry(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	return host_cmp(x, strcspn(x, ":"), y, strcspn(y, ":"));
}

/* Whether HOST is one of the job's domains. */
static bool
job_host(const struct job *j, const char *host)
{
	for (size_t i = 0; i < j->n_domains; i++)
		if (strcasecmp(j->domains[i], host) == 0)
			return true;
	return false;
}

/* The resolve entries of the job's hosts (a short list per transfer; NULL
 * when none, or out of memory: then R->nomem). */
static struct curl_slist *
resolve_for(struct run *r, const struct job *j)
{
	struct curl_slist *l = NULL, *n;
	for (size_t d = 0; d < j->n_domains; d++) {
		const char *dom = j->domains[d];
		size_t dl = strlen(dom), lo = 0, hi = r->n_resolve;
		while (lo < hi) { /* the first entry of DOM, if any */
			size_t mid = (lo + hi) / 2;
			const char *e = r->resolve[mid];
			if (host_cmp(e, strcspn(e, ":"), dom, dl) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < r->n_resolve; i++) {
			const char *e = r->resolve[i];
			size_t el = strcspn(e, ":");
			if (host_cmp(e, el, dom, dl) != 0)
				break;
			/* HOST:PORT:ADDR[,ADDR...] as CONNECT_TO HOST:PORT:ADDR:PORT: the
			 * same effect, without an entry in the DNS cache per host (which
			 * libcurl walks on every lookup: quadratic over many sites) */
			const char *port = e + el + 1, *addr = strchr(port, ':');
			char ct[600];
			size_t al;
			if (addr == NULL)
				continue;
			addr++;
			al = strcspn(addr, ",");
			if (al > 0 && addr[0] != '[' && memchr(addr, ':', al))
				snprintf(ct, sizeof(ct), "%.*s[%.*s]:%.*s", (int)(addr - e), e, (int)al, addr,
				    (int)(addr - port - 1), port);
			else
				snprintf(ct, sizeof(ct), "%.*s%.*s:%.*s", (int)(addr - e), e, (int)al, addr,
				    (int)(addr - port - 1), port);
			if ((n = curl_slist_append(l, ct)) == NULL) {
				curl_slist_free_all(l);
				r->nomem = true;
				return NULL;
			}
			l = n;
		}
	}
	return l;
}

/* Queue job J when it has a page to start and a connection of its own free:
 * a site's pages go one after another over its connections, so that every
 * transfer in flight is one that can go on.  FRONT: at the queue's head, for
 * a site whose page has just ended, so that its next page takes the
 * connection just left idle before a new site's connection pushes that one
 * out of the multi's cache (monitor.connections in all, idle ones too). */
static bool
job_queue(struct run *r, struct job *j, bool front)
{
	if (front && j->queued) {
		/* queued already (a link found while its home page was read):
		 * taken out, to stand at the head */
		size_t i = 0;
		while (i < r->q_len && r->queue[(r->q_head + i) % r->q_cap] != j)
			i++;
		if (i == r->q_len)
			return true;
		for (; i > 0; i--)
			r->queue[(r->q_head + i) % r->q_cap] = r->queue[(r->q_head + i - 1) % r->q_cap];
		r->q_head = (r->q_head + 1) % r->q_cap;
		r->q_len--;
		j->queued = false;
	}
	if (j->queued || j->next_page >= j->n_pages || (long)j->running >= r->set.per_host)
		return true;
	if (r->q_len == r->q_cap) {
		size_t ncap = r->q_cap ? r->q_cap * 2 : 256;
		struct job **q = malloc(ncap * sizeof(*q));
		if (q == NULL)
			return false;
		for (size_t i = 0; i < r->q_len; i++)
			q[i] = r->queue[(r->q_head + i) % r->q_cap];
		free(r->queue);
		r->queue = q;
		r->q_cap = ncap;
		r->q_head = 0;
	}
	if (front) {
		r->q_head = (r->q_head + r->q_cap - 1) % r->q_cap;
		r->queue[r->q_head] = j;
	} else {
		r->queue[(r->q_head + r->q_len) % r->q_cap] = j;
	}
	r->q_len++;
	j->queued = true;
	return true;
}

static bool
job_ready(struct run *r, struct job *j)
{
	return job_queue(r, j, false);
}

/* Add a page to check to job J (the URL is the job's from now on). */
static bool
job_add_page(struct run *r, struct job *j, char *url)
{
	if (j->n_pages == j->cap_pages) {
		size_t ncap = j->cap_pages ? j->cap_pages * 2 : 4;
		sm_page_result *p = realloc(j->pages, ncap * sizeof(*p));
		if (p == NULL) {
			free(url);
			return false;
		}
		j->pages = p;
		j->cap_pages = ncap;
	}
	memset(&j->pages[j->n_pages], 0, sizeof(j->pages[0]));
	j->pages[j->n_pages].url = url;
	j->pages[j->n_pages].title_ok = -1;
	j->n_pages++;
	j->open++;
	return job_ready(r, j);
}

static bool
skipped_suffix(const char *path)
{
	static const char *const skip[] = {".jpg", ".jpeg", ".png", ".gif", ".pdf", ".doc",
	    ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".7z", ".css", ".js",
	    ".ico", ".svg", ".mp4", ".mp3", ".avi", ".wps", ".txt", ".xml"};
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
		size_t k = strlen(skip[i]);
		if (n >= k && strcasecmp(path + n - k, skip[i]) == 0)
			return true;
	}
	return false;
}

/* ABS (PATH on the site), a page of job J, added unless listed already. */
static void
link_add(struct run *r, struct job *j, const char *abs, const char *path)
{
	bool seen = false;
	for (size_t i = 0; i < j->n_pages && !seen; i++)
		seen = strcmp(j->pages[i].url, abs) == 0 ||
		    (j->pages[i].final_url && strcmp(j->pages[i].final_url, abs) == 0);
	/* the home page itself, with or without its trailing slash */
	if (!seen && strcmp(path, "/") == 0)
		seen = true;
	char *mine = seen ? NULL : strdup(abs);
	if (mine != NULL) {
		j->links++;
		if (!job_add_page(r, j, mine))
			r->nomem = true;
	}
}

/* The common link, a plain path on the site ("/news/a.html"), made absolute
 * without a URL parser: BASE is http[s]://HOST[:PORT]/..., lower case, HOST
 * one of the job's and PORT not the scheme's default; HREF starts with one
 * '/' and holds only letters, digits and "-._~/", never "/." (no dot
 * segments), so that the result is what curl's URL API makes of it.  Into
 * OUT; false when HREF or BASE is anything else (curl's URL API then). */
static bool
link_plain(const struct job *j, const char *base, const char *href, char *out, size_t outsz)
{
	size_t sl = strncmp(base, "http://", 7) == 0 ? 7 : strncmp(base, "https://", 8) == 0 ? 8 : 0;
	if (sl == 0 || href[0] != '/' || href[1] == '/' || strstr(href, "/.") != NULL)
		return false;
	for (const char *h = href; *h; h++)
		if (!isalnum((unsigned char)*h) && strchr("-._~/", *h) == NULL)
			return false;
	const char *host = base + sl, *end = host, *colon = NULL;
	while (*end && *end != '/') {
		if (*end == ':')
			colon = end;
		else if (colon ? !isdigit((unsigned char)*end) :
		    !(islower((unsigned char)*end) || isdigit((unsigned char)*end) || *end == '-' ||
		    *end == '.'))
			return false;
		end++;
	}
	if (*end != '/' || (colon && (colon + 1 == end || strtol(colon + 1, NULL, 10) ==
	    (sl == 7 ? 80 : 443) || colon[1] == '0')))
		return false;
	size_t hl = (size_t)((colon ? colon : end) - host);
	bool mine = false;
	for (size_t i = 0; i < j->n_domains && !mine; i++)
		mine = strlen(j->domains[i]) == hl && memcmp(j->domains[i], host, hl) == 0;
	int n = snprintf(out, outsz, "%.*s%s", (int)(end - base), base, href);
	return mine && n > 0 && (size_t)n < outsz && n < 2000;
}

/* A link of a home page: a page of the same site, not yet listed, while
 * monitor.pages allows. */
static void
on_link(void *ud, const char *href)
{
	struct req *q = ud;
	struct job *j = q->job;
	struct run *r = q->run;
	char *abs = NULL, *host = NULL, *scheme = NULL, *path = NULL;
	char plain[2048];
	CURLU *u;

	if ((long)j->links >= r->set.pages || href[0] == '#' ||
	    strncasecmp(href, "javascript:", 11) == 0 || strncasecmp(href, "mailto:", 7) == 0)
		return;
	if (link_plain(j, q->url, href, plain, sizeof(plain))) {
		if (!skipped_suffix(href))
			link_add(r, j, plain, href);
		return;
	}
	if ((u = curl_url()) == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, q->url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, href, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	    (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0) &&
	    job_host(j, host) && !skipped_suffix(path) &&
	    curl_url_get(u, CURLUPART_URL, &abs, 0) == CURLUE_OK && strlen(abs) < 2000)
		link_add(r, j, abs, path);
	curl_free(abs);
	curl_free(host);
	curl_free(scheme);
	curl_free(path);
	curl_url_cleanup(u);
}

static size_t
on_data(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct req *q = ud;
	struct run *r = q->run;
	size_t len = size * nmemb;
	long status = 0;

	curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300 && status < 400)
		return len; /* a redirect's body: followed (or not) when it ends */
	if (!q->started) {
		char *ct = NULL;
		q->started = true;
		if (status < 200 || status > 299) {
			q->decided = SM_PAGE_HTTP;
			return 0;
		}
		curl_easy_getinfo(q->easy, CURLINFO_CONTENT_TYPE, &ct);
		if (ct != NULL && strncasecmp(ct, "text/html", 9) != 0 &&
		    strncasecmp(ct, "application/xhtml+xml", 21) != 0) {
			q->decided = SM_PAGE_NOT_HTML;
			return 0;
		}
	}
	if (q->drain_ms >= 0) {
		/* the verdict is settled (PASS): the rest of the body is read, not
		 * scanned, so that the connection stays open for the site's next
		 * page; a long or slow rest is cut (the connection closed) */
		q->drained += (int64_t)len;
		if (q->drained > DRAIN_MAX || q->bytes + q->drained > r->set.max_bytes ||
		    ms_since(&q->t0) - q->drain_ms > DRAIN_MS)
			return 0;
		return len;
	}
	size_t take = len;
	if (q->bytes + (int64_t)len > r->set.max_bytes)
		take = (size_t)(r->set.max_bytes - q->bytes);
	sm_scan_bytes(&q->sc, (const unsigned char *)buf, take);
	q->bytes += (int64_t)take;
	if (sm_scan_settled(&q->sc)) {
		q->decided = SM_PAGE_PASS; /* nothing after </body> changes it */
		if (take < len)
			return 0;
		q->drain_ms = ms_since(&q->t0);
		return len;
	}
	if (take < len) {
		/* the snippet already in the body passes whatever follows */
		q->decided = q->sc.mark_body >= 0 ? SM_PAGE_PASS : SM_PAGE_TOO_LARGE;
		return 0;
	}
	return len;
}

/* libcurl's progress callback, called at least once a second whether
 * bytes come or not: a settled page whose rest is being drained (on_data)
 * is let go after DRAIN_MS even when the rest stops coming (a server that
 * announced more than it sends and keeps the connection open). */
static int
on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct req *q = ud;
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return q->drain_ms >= 0 && ms_since(&q->t0) - q->drain_ms > DRAIN_MS;
}

static char *
url_with_port(const char *scheme, const char *host, long port, long dflt)
{
	char *u = NULL;
	int rc = port == dflt ? asprintf(&u, "%s://%s/", scheme, host) :
	    asprintf(&u, "%s://%s:%ld/", scheme, host, port);
	return rc < 0 ? NULL : u;
}

static bool
req_setup(struct req *q)
{
	const struct settings *set = &q->run->set;
	CURL *e = q->easy;
	long low_time = set->total_ms / 2000;
	if (low_time < 1)
		low_time = 1;
	if (low_time > 10)
		low_time = 10;
	return curl_easy_setopt(e, CURLOPT_URL, q->url) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_PRIVATE, q) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, q) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_XFERINFODATA, q) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->errbuf) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, set->connect_ms) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, set->total_ms) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 64L) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, low_time) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
#endif
	    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_USERAGENT, "sitemark-monitor/" PACKAGE_VERSION) ==
	    CURLE_OK &&
	    (set->ca_file == NULL || curl_easy_setopt(e, CURLOPT_CAINFO, set->ca_file) == CURLE_OK) &&
	    curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 30L) == CURLE_OK &&
	    (q->resolve == NULL || curl_easy_setopt(e, CURLOPT_CONNECT_TO, q->resolve) == CURLE_OK);
}

static bool
req_start(struct run *r, struct job *j, size_t page)
{
	struct req *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return false;
	q->run = r;
	q->job = j;
	q->page = page;
	q->home = page < j->n_domains;
	q->drain_ms = -1;
	snprintf(q->url, sizeof(q->url), "%s", j->pages[page].url);
	sm_scan_init(&q->sc, j->t.code ? j->t.code : "");
	if (q->home) {
		q->sc.on_link = on_link;
		q->sc.ud = q;
	}
	clock_gettime(CLOCK_MONOTONIC, &q->t0);
	if (r->n_resolve > 0 && (q->resolve = resolve_for(r, j)) == NULL && r->nomem) {
		free(q);
		return false;
	}
	q->easy = r->n_idle > 0 ? r->idle[--r->n_idle] : curl_easy_init();
	if (q->easy == NULL || !req_setup(q) ||
	    curl_multi_add_handle(r->multi, q->easy) != CURLM_OK) {
		if (q->easy)
			curl_easy_cleanup(q->easy);
		curl_slist_free_all(q->resolve);
		free(q);
		return false;
	}
	r->in_flight++;
	return true;
}

/* Ask again for Q's page at NEW_URL (a redirect, or https after http). */
static bool
req_again(struct run *r, struct req *q, const char *new_url)
{
	curl_multi_remove_handle(r->multi, q->easy);
	snprintf(q->url, sizeof(q->url), "%s", new_url);
	sm_scan_init(&q->sc, q->job->t.code ? q->job->t.code : "");
	if (q->home) {
		q->sc.on_link = on_link;
		q->sc.ud = q;
	}
	q->started = false;
	q->decided = SM_PAGE_NONE;
	q->bytes = 0;
	q->drained = 0;
	q->drain_ms = -1;
	q->errbuf[0] = '\0';
	/* the page's time runs on over its redirects: monitor.timeout in all */
	long left = r->set.total_ms - (long)ms_since(&q->t0);
	return curl_easy_setopt(q->easy, CURLOPT_URL, q->url) == CURLE_OK &&
	    curl_easy_setopt(q->easy, CURLOPT_TIMEOUT_MS, left > 1 ? left : 1L) == CURLE_OK &&
	    curl_multi_add_handle(r->multi, q->easy) == CURLM_OK;
}

static char *
url_host(const char *url)
{
	CURLU *u = curl_url();
	char *h = NULL, *out = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK)
		out = strdup(h);
	curl_free(h);
	curl_url_cleanup(u);
	return out;
}

/* The same site: one of the job's domains, the host asked, or either with
 * "www." before the other. */
static bool
same_site(const struct job *j, const char *host, const char *cur)
{
	if (host == NULL)
		return false;
	if (job_host(j, host) || (cur && strcasecmp(host, cur) == 0))
		return true;
	if (cur && strncasecmp(host, "www.", 4) == 0 && strcasecmp(host + 4, cur) == 0)
		return true;
	if (cur && strncasecmp(cur, "www.", 4) == 0 && strcasecmp(cur + 4, host) == 0)
		return true;
	return false;
}

static sm_page_verdict
verdict_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return SM_PAGE_DNS;
	case CURLE_COULDNT_CONNECT:
		return SM_PAGE_UNREACHABLE;
	case CURLE_OPERATION_TIMEDOUT:
		return SM_PAGE_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return SM_PAGE_TLS;
	case CURLE_TOO_MANY_REDIRECTS:
		return SM_PAGE_REDIRECTS;
	case CURLE_FILESIZE_EXCEEDED:
		return SM_PAGE_TOO_LARGE;
	default:
		return SM_PAGE_ERROR;
	}
}

/* Why a page could not be read: stored as a word and its values (in no
 * language: the checker may run in another than its readers'), shown in
 * the reader's (sm_page_detail_text).  ARGS: the values the text takes,
 * 0, 1 or 2 (a host, a number of milliseconds, libcurl's words). */
static const struct {
	const char *key;
	const char *text;
	int args;
} detail_words[] = {
	{"dns", N_("no address found for %s"), 1},
	{"refused", N_("%s refused the connection"), 1},
	{"noroute", N_("no route to %s"), 1},
	{"noconnect", N_("no connection to %s could be made"), 1},
	{"connect-timeout", N_("no connection to %s within %s ms"), 2},
	{"slow", N_("the page came too slowly (under 64 bytes a second) and was given up after %s ms"), 1},
	{"silent", N_("%s took the connection but sent no answer in %s ms"), 2},
	{"timeout", N_("the page was not read whole within %s ms"), 1},
	{"tls-expired", N_("the certificate has expired"), 0},
	{"tls-notyet", N_("the certificate is not valid yet"), 0},
	{"tls-selfsigned", N_("the certificate is self-signed"), 0},
	{"tls-issuer", N_("the certificate's issuer is not trusted"), 0},
	{"tls-hostname", N_("the certificate is not for this host name"), 0},
	{"tls-revoked", N_("the certificate has been revoked"), 0},
	{"tls-notls", N_("the server does not speak TLS on that port"), 0},
	{"tls-eof", N_("the server closed the connection during the TLS handshake"), 0},
	{"tls-nocipher", N_("the server and the checker share no TLS version or cipher"), 0},
	{"tls", N_("TLS failed: %s"), 1},
	{"redirects", N_("more than %s redirects"), 1},
	{"nothing", N_("the server closed the connection without answering"), 0},
	{"broke", N_("the connection broke before the page was whole"), 0},
	{"unsent", N_("the request could not be sent: the connection broke"), 0},
	{"nothttp", N_("the server's answer is not HTTP"), 0},
	{"encoding", N_("the page's compression could not be undone"), 0},
	{"http2", N_("HTTP/2 failed: %s"), 1},
	{"curl", N_("libcurl error %s: %s"), 2},
	{"location", N_("a redirect without a usable address to go to (Location)"), 0},
};

const char *
sm_page_detail_text(const char *stored, char *buf, size_t bufsz)
{
	char copy[1024];
	char *arg[3] = {NULL, NULL, NULL};
	int n = 0;
	if (stored == NULL || bufsz == 0)
		return "";
	snprintf(copy, sizeof(copy), "%s", stored);
	for (char *p = copy, *tab; n < 3 && p != NULL; p = tab ? tab + 1 : NULL) {
		tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		arg[n++] = p;
	}
	for (size_t i = 0; i < sizeof(detail_words) / sizeof(detail_words[0]); i++)
		if (strcmp(arg[0], detail_words[i].key) == 0 && n == detail_words[i].args + 1) {
			/* the format is the table's msgid or its translation (msgfmt -c
			 * checks it takes the same values); the values are data */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(buf, bufsz, _(detail_words[i].text), arg[1] ? arg[1] : "",
			    arg[2] ? arg[2] : "");
#pragma GCC diagnostic pop
			return buf;
		}
	return stored; /* a detail stored before the words were kept (free text) */
}

/* The stored detail KEY with up to two values A and B (tabs in them made
 * spaces: the tab parts them). */
static char *
untabbed(const char *v)
{
	char *c = v ? strdup(v) : NULL;
	for (char *p = c; p && *p; p++)
		if (*p == '\t')
			*p = ' ';
	return c;
}

static char *
detail(const char *key, const char *a, const char *b)
{
	char *va = untabbed(a), *vb = untabbed(b), *out = NULL;
	if ((a && !va) || (b && !vb) || asprintf(&out, "%s%s%s%s%s", key, va ? "\t" : "",
	    va ? va : "", vb ? "\t" : "", vb ? vb : "") < 0)
		out = NULL;
	free(va);
	free(vb);
	return out;
}

/* OpenSSL's and libcurl's words for the certificate problems a site
 * most often has, and the detail each is stored as. */
static const struct {
	const char *says;
	const char *key;
} tls_words[] = {
	{"certificate has expired", "tls-expired"},
	{"not yet valid", "tls-notyet"},
	{"self-signed certificate", "tls-selfsigned"},
	{"self signed certificate", "tls-selfsigned"},
	{"unable to get local issuer", "tls-issuer"},
	{"unable to get issuer", "tls-issuer"},
	{"subject name", "tls-hostname"},
	{"does not match target host", "tls-hostname"},
	{"certificate revoked", "tls-revoked"},
	{"wrong version number", "tls-notls"},
	{"unexpected eof", "tls-eof"},
	{"alert handshake failure", "tls-nocipher"},
};

/* libcurl's failures that need no values. */
static const struct {
	CURLcode rc;
	const char *key;
} curl_words[] = {
	{CURLE_GOT_NOTHING, "nothing"},
	{CURLE_PARTIAL_FILE, "broke"},
	{CURLE_RECV_ERROR, "broke"},
	{CURLE_SEND_ERROR, "unsent"},
	{CURLE_WEIRD_SERVER_REPLY, "nothttp"},
	{CURLE_UNSUPPORTED_PROTOCOL, "nothttp"},
	{CURLE_BAD_CONTENT_ENCODING, "encoding"},
};

/* Why transfer Q failed (RC), for the page's detail (stored as detail()
 * makes it): what was asked and how long it was given.  libcurl's own
 * (English) words only where ours name nothing. */
static char *
curl_detail(const struct req *q, CURLcode rc)
{
	const struct settings *set = &q->run->set;
	char *host = url_host(q->url), *out = NULL;
	const char *h = host ? host : q->url;
	const char *says = q->errbuf[0] ? q->errbuf : curl_easy_strerror(rc);
	long os_errno = 0, status = 0, ms = ms_since(&q->t0);
	curl_off_t connected = 0;
	char num[32], num2[32];

	curl_easy_getinfo(q->easy, CURLINFO_OS_ERRNO, &os_errno);
	curl_easy_getinfo(q->easy, CURLINFO_CONNECT_TIME_T, &connected);
	curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
	snprintf(num, sizeof(num), "%ld", ms);
	if (verdict_of(rc) == SM_PAGE_TLS) { /* the certificate or the handshake */
		for (size_t i = 0; i < sizeof(tls_words) / sizeof(tls_words[0]) && out == NULL; i++)
			if (strcasestr(says, tls_words[i].says) != NULL)
				out = detail(tls_words[i].key, NULL, NULL);
		free(host);
		return out ? out : detail("tls", says, NULL);
	}
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		out = detail("dns", h, NULL);
		break;
	case CURLE_COULDNT_CONNECT:
		out = detail(os_errno == ECONNREFUSED ? "refused" :
		    os_errno == EHOSTUNREACH || os_errno == ENETUNREACH ? "noroute" : "noconnect", h, NULL);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		if (connected == 0)
			out = detail("connect-timeout", h, num);
		else if (ms + 500 < set->total_ms) /* the low speed limit, before the time */
			out = detail("slow", num, NULL);
		else if (status == 0)
			out = detail("silent", h, num);
		else {
			snprintf(num2, sizeof(num2), "%ld", set->total_ms);
			out = detail("timeout", num2, NULL);
		}
		break;
	case CURLE_TOO_MANY_REDIRECTS:
		snprintf(num2, sizeof(num2), "%ld", set->max_redirects);
		out = detail("redirects", num2, NULL);
		break;
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		out = detail("http2", says, NULL);
		break;
	default:
		for (size_t i = 0; i < sizeof(curl_words) / sizeof(curl_words[0]) && out == NULL; i++)
			if (curl_words[i].rc == rc)
				out = detail(curl_words[i].key, NULL, NULL);
		if (out == NULL) {
			snprintf(num2, sizeof(num2), "%d", (int)rc);
			out = detail("curl", num2, says);
		}
		break;
	}
	free(host);
	return out;
}

/* The page's title as UTF-8 by the header's charset, else the <meta>'s,
 * else UTF-8; compared with the site name. */
static void
page_title(struct req *q, sm_page_result *p, const char *site_name)
{
	char cs[40] = "", *ct = NULL, *t;
	if (!q->sc.have_title)
		return;
	curl_easy_getinfo(q->easy, CURLINFO_CONTENT_TYPE, &ct);
	if (!sm_charset_of(ct, cs, sizeof(cs)))
		snprintf(cs, sizeof(cs), "%s", q->sc.charset[0] ? q->sc.charset : "UTF-8");
	t = to_utf8(&q->run->conv, q->sc.title, q->sc.title_len, cs);
	if (t == NULL) /* an unknown charset or bytes that are not in it */
		t = sm_text_valid_utf8(q->sc.title, q->sc.title_len) ?
		    strndup(q->sc.title, q->sc.title_len) : NULL;
	if (t == NULL)
		return;
	squeeze(t);
	p->title = t;
	p->title_ok = site_name && *site_name && strstr(t, site_name) != NULL;
}

static void job_done(struct run *r, struct job *j);

static void
req_done(struct run *r, struct req *q, CURLcode rc)
{
	struct job *j = q->job;
	sm_page_result *p = &j->pages[q->page];
	long status = 0;
	bool pass_decided = q->decided == SM_PAGE_PASS;

	curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status >= 300 && status < 400) {
		char *loc = NULL, *host, *cur = url_host(q->url);
		curl_easy_getinfo(q->easy, CURLINFO_REDIRECT_URL, &loc);
		host = loc ? url_host(loc) : NULL;
		if (loc == NULL || host == NULL) {
			p->verdict = SM_PAGE_HTTP;
			p->detail = detail("location", NULL, NULL);
		} else if (!same_site(j, host, cur)) {
			p->verdict = SM_PAGE_OFFSITE;
			p->final_url = strdup(loc);
		} else if (++q->redirects > r->set.max_redirects) {
			p->verdict = SM_PAGE_REDIRECTS;
			p->final_url = strdup(loc);
		} else if (req_again(r, q, loc)) {
			free(host);
			free(cur);
			return;
		} else {
			p->verdict = SM_PAGE_ERROR;
		}
		free(host);
		free(cur);
	} else if (rc == CURLE_COULDNT_CONNECT && q->home && !q->https_tried &&
	    strncmp(q->url, "http://", 7) == 0) {
		/* nothing on the HTTP port: the site may answer HTTPS only */
		char *host = url_host(q->url);
		char *u = host ? url_with_port("https", host, r->set.https_port, 443) : NULL;
		free(host);
		q->https_tried = true;
		if (u != NULL && req_again(r, q, u)) {
			free(u);
			return;
		}
		free(u);
		p->verdict = SM_PAGE_UNREACHABLE;
	} else if (q->decided != SM_PAGE_NONE) {
		p->verdict = q->decided;
	} else if (rc != CURLE_OK) {
		p->verdict = verdict_of(rc);
		p->detail = curl_detail(q, rc);
	} else if (status < 200 || status > 299) {
		p->verdict = SM_PAGE_HTTP;
	} else if (q->bytes == 0) {
		p->verdict = SM_PAGE_EMPTY;
	}
	long hv = 0;
	curl_easy_getinfo(q->easy, CURLINFO_HTTP_VERSION, &hv);
	p->http = hv == CURL_HTTP_VERSION_1_0 ? 10 : hv == CURL_HTTP_VERSION_1_1 ? 11 :
	    hv == CURL_HTTP_VERSION_2_0 ? 20 : 0;
	p->status = status;
	p->bytes = q->bytes;
	p->ms = ms_since(&q->t0);
	if (strcmp(q->url, p->url) != 0 && p->final_url == NULL)
		p->final_url = strdup(q->url);
	if (p->verdict == SM_PAGE_NONE || pass_decided || p->verdict == SM_PAGE_TOO_LARGE) {
		p->where = sm_scan_where(&q->sc);
		if (p->verdict == SM_PAGE_NONE)
			p->verdict = p->where == SM_WHERE_BODY_END || p->where == SM_WHERE_BODY ?
			    SM_PAGE_PASS : p->where == SM_WHERE_MISSING ? SM_PAGE_MISSING :
			    SM_PAGE_MISPLACED;
	}
	if (q->started && status >= 200 && status <= 299)
		page_title(q, p, j->t.site_name);
	curl_multi_remove_handle(r->multi, q->easy);
	/* kept for the next transfer (options reset; its caches kept) */
	if (r->n_idle < IDLE_MAX) {
		curl_easy_reset(q->easy);
		r->idle[r->n_idle++] = q->easy;
	} else {
		curl_easy_cleanup(q->easy);
	}
	curl_slist_free_all(q->resolve);
	free(q);
	r->in_flight--;
	r->tot->pages++;
	j->running--;
	if (--j->open == 0)
		job_done(r, j);
	else if (!job_queue(r, j, true))
		r->nomem = true;
}

/* ------------------------------------------------------------ jobs: one mark each */

static bool
hostname_ok(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > 253)
		return false;
	for (const char *p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	return true;
}

static void
job_free(struct job *j)
{
	for (size_t i = 0; i < j->n_pages; i++)
		sm_page_result_clear(&j->pages[i]);
	free(j->pages);
	for (size_t i = 0; i < j->n_domains; i++)
		free(j->domains[i]);
	free(j->domains);
	sm_monitor_target_clear(&j->t);
	free(j);
}

/* Start a job for target T (taken over): its home pages queued. */
static bool
job_start(struct run *r, sm_monitor_target *t)
{
	struct job *j = calloc(1, sizeof(*j));
	json_t *doms;
	if (j == NULL)
		return false;
	j->t = *t;
	memset(t, 0, sizeof(*t));
	doms = j->t.domains ? json_loads(j->t.domains, JSON_DECODE_ANY, NULL) : NULL;
	size_t n = json_is_array(doms) ? json_array_size(doms) : json_is_string(doms) ? 1 : 0;
	if (n > 20)
		n = 20;
	if (n > 0 && (j->domains = calloc(n, sizeof(char *))) == NULL) {
		json_decref(doms);
		job_free(j);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const char *h = json_string_value(json_is_array(doms) ? json_array_get(doms, i) : doms);
		if (h == NULL || !hostname_ok(h))
			continue;
		if ((j->domains[j->n_domains] = strdup(h)) == NULL)
			break;
		for (char *c = j->domains[j->n_domains]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		j->n_domains++;
	}
	json_decref(doms);
	r->jobs_open++;
	j->next = r->jobs;
	r->jobs = j;
	r->tot->marks_total++;
	/* the home pages first: pages[0 .. n_domains) */
	size_t hosts = j->n_domains;
	for (size_t i = 0; i < hosts; i++) {
		char *u = url_with_port("http", j->domains[i], r->set.http_port, 80);
		if (u == NULL || !job_add_page(r, j, u)) {
			r->nomem = true;
			break;
		}
	}
	if (j->open == 0)
		job_done(r, j);
	return true;
}

/* The finished checks stored; with R->acts_in_tx, verify-hung applied in the
 * same transaction to each mark found hung (through the rules, as the
 * monitor account: sm_case_act_tx), rather than a commit of its own each. */
static sm_status
record_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct run *r = ud;
	for (size_t i = 0; i < r->n_done; i++) {
		sm_status st = sm_tx_mark_check_insert(tx, &r->done[i], r->monitor.login,
		    &r->done[i].id, err);
		if (st != SM_OK)
			return st;
	}
	for (size_t i = 0; r->acts_in_tx && i < r->n_done; i++) {
		sm_mark_check *mc = &r->done[i];
		if (mc->state != SM_STATE_MARK_ISSUED || !mc->pass)
			continue;
		sm_act act = {.case_id = mc->case_id, .action = SM_ACTION_VERIFY_HUNG};
		sm_user saved = r->app->user;
		r->app->user = r->monitor;
		sm_status st = sm_case_act_tx(r->app, tx, &act, err);
		r->app->user = saved;
		if (st != SM_OK)
			return st; /* all undone: each mark on its own then */
	}
	return SM_OK;
}

/* Act on MC as the monitor account, through the rules (IN_TX: verify-hung
 * was applied with the checks' write). */
/* Checks in a row that could not read a hung mark's site before it is
 * flagged missing (a mark not found on a page read is flagged at once). */
#define UNREAD_CHECKS 3

static void
apply(struct run *r, sm_mark_check *mc, bool in_tx)
{
	sm_app *app = r->app;
	size_t missing, misplaced, unread;
	char *reason = NULL;
	check_counts(mc, &missing, &misplaced, &unread);
	if (mc->state == SM_STATE_MARK_ISSUED && mc->pass)
		mc->applied = SM_ACTION_VERIFY_HUNG;
	else if (mc->state == SM_STATE_MARK_HUNG && !mc->pass && mc->n_pages > 0)
		mc->applied = SM_ACTION_FLAG_MISSING;
	/* pages read that showed no mark (an empty page, a home page that is
	 * not HTML) are as sure as a missing one */
	size_t read_without = 0;
	for (size_t i = 0; i < mc->n_pages; i++)
		read_without += mc->pages[i].verdict == SM_PAGE_EMPTY ||
		    mc->pages[i].verdict == SM_PAGE_NOT_HTML;
	if (mc->applied == SM_ACTION_FLAG_MISSING && missing + misplaced + read_without == 0) {
		/* the site could not be read (down, too busy, 429...): that is no
		 * mark taken down, until it stays so for UNREAD_CHECKS checks in a
		 * row (this one stored already, except in a dry run) */
		int64_t failing = 0;
		sm_err *e = sm_err_new();
		if (e != NULL && sm_store_mark_checks_failing(app->store, mc->case_id, &failing, e) == SM_OK &&
		    failing + (r->o->dry_run ? 1 : 0) < UNREAD_CHECKS) {
			mc->applied = SM_ACTION_NONE;
			if (asprintf(&mc->problem,
			    _("the site could not be read (%lld check(s) in a row): the mark is flagged missing only after %d"),
			    (long long)(failing + (r->o->dry_run ? 1 : 0)), UNREAD_CHECKS) < 0)
				mc->problem = NULL;
		}
		sm_err_free(&e);
	}
	if (mc->applied == SM_ACTION_NONE || r->o->dry_run)
		return;
	if (in_tx && mc->applied == SM_ACTION_VERIFY_HUNG) {
		r->tot->hung++;
		return;
	}
	if (mc->applied == SM_ACTION_FLAG_MISSING) {
		int rc;
		if (unread == 0)
			rc = asprintf(&reason,
			    _("marks check %lld: the mark was not found in the body of %zu of %zu pages checked"),
			    (long long)mc->id, missing + misplaced, mc->n_pages);
		else if (missing + misplaced == 0)
			rc = asprintf(&reason, _("marks check %lld: %zu of %zu pages checked could not be read"),
			    (long long)mc->id, unread, mc->n_pages);
		else
			rc = asprintf(&reason,
			    _("marks check %lld: the mark was not found in the body of %zu of %zu pages checked, and %zu could not be read"),
			    (long long)mc->id, missing + misplaced, mc->n_pages, unread);
		if (rc < 0)
			reason = NULL;
	}
	sm_act act = {.case_id = mc->case_id, .action = mc->applied, .reason = reason};
	sm_err *e = sm_err_new();
	sm_user saved = app->user;
	app->user = r->monitor;
	sm_status st = e ? sm_case_act(app, &act, NULL, e) : SM_E_NOMEM;
	app->user = saved;
	if (st != SM_OK) {
		mc->problem = strdup(e && sm_err_count(e) ? sm_err_msg(e, 0) : _("out of memory"));
		mc->applied = SM_ACTION_NONE;
		r->tot->not_applied++;
	} else if (act.action == SM_ACTION_VERIFY_HUNG) {
		r->tot->hung++;
	} else {
		r->tot->flagged++;
	}
	sm_err_free(&e);
	free(reason);
}

/* This thread's totals into the shared ones (under sh->mu). */
static void
publish(struct run *r)
{
#define PUB(f) (r->sh->tot.f += r->mine.f - r->pub.f)
	PUB(marks);
	PUB(marks_total);
	PUB(passed);
	PUB(failed);
	PUB(pages);
	PUB(hung);
	PUB(flagged);
	PUB(not_applied);
	PUB(read);
	PUB(read_failed);
#undef PUB
	r->pub = r->mine;
}

/* Write the finished checks in one transaction, then act on each (under
 * sh->mu: the store and the session are the threads'). */
static sm_status
flush(struct run *r, sm_err *err)
{
	sm_status st = SM_OK;
	if (r->n_done == 0)
		return SM_OK;
	if (!r->o->dry_run) {
		char rid[37];
		bool replayed = false;
		sm_err *e = sm_err_new();
		/* the checks and verify-hung together; when that fails (a case
		 * moved meanwhile, say), the checks alone and each mark on its own */
		r->acts_in_tx = true;
		if (e == NULL || sm_random_request_id(rid, e) != SM_OK ||
		    sm_store_write(r->app->store, rid, record_tx, r, &replayed, NULL, e) != SM_OK)
			r->acts_in_tx = false;
		sm_err_free(&e);
		if (!r->acts_in_tx && (st = sm_random_request_id(rid, err)) == SM_OK)
			st = sm_store_write(r->app->store, rid, record_tx, r, &replayed, NULL, err);
	}
	for (size_t i = 0; i < r->n_done; i++) {
		sm_mark_check *mc = &r->done[i];
		if (st == SM_OK)
			apply(r, mc, r->acts_in_tx);
		r->tot->marks++;
		if (mc->pass)
			r->tot->passed++;
		else
			r->tot->failed++;
		if (st == SM_OK && r->o->on_mark) {
			publish(r);
			r->o->on_mark(r->o->ud, mc, &r->sh->tot);
		}
		sm_mark_check_clear(mc);
	}
	r->n_done = 0;
	return st;
}

/* finished marks written in one transaction: each commit waits for the
 * disk (fdatasync, tens of milliseconds on a busy one) while no transfer
 * moves, so few and large; or after FLUSH_MS, so that a slow run's checks
 * are stored (and reported) as it goes */
#define DONE_BATCH 1024
#define FLUSH_MS 5000
/* marks checked at once: enough to keep every connection busy */
#define MAX_JOBS(set) ((size_t)(set)->connections * 2)

static void
job_done(struct run *r, struct job *j)
{
	sm_mark_check *mc = &r->done[r->n_done++];
	memset(mc, 0, sizeof(*mc));
	mc->case_id = j->t.case_id;
	mc->state = j->t.state;
	mc->version = j->t.version;
	mc->code = j->t.code;
	mc->site_name = j->t.site_name;
	j->t.code = j->t.site_name = NULL;
	/* a linked file that is not a page (a download behind a link without
	 * a file ending: /download?id=1) is no page of the site: dropped, not
	 * counted against the mark; the home pages (the first n_domains)
	 * always count */
	size_t kept = 0;
	for (size_t i = 0; i < j->n_pages; i++) {
		if (i >= j->n_domains && j->pages[i].verdict == SM_PAGE_NOT_HTML) {
			sm_page_result_clear(&j->pages[i]);
			r->tot->pages--; /* read, but no page checked */
			continue;
		}
		j->pages[kept++] = j->pages[i];
	}
	mc->pages = j->pages;
	mc->n_pages = kept;
	j->pages = NULL;
	j->n_pages = 0;
	mc->pass = mc->n_pages > 0;
	for (size_t i = 0; i < mc->n_pages; i++)
		if (mc->pages[i].verdict != SM_PAGE_PASS)
			mc->pass = false;
	r->tot->read++;
	if (!mc->pass)
		r->tot->read_failed++;
	for (struct job **pp = &r->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	job_free(j);
	r->jobs_open--;
}

/* ------------------------------------------------------------ the run */

static void
settings_of(const sm_config *cfg, struct settings *s)
{
	s->pages = cfg->monitor_pages > 0 ? cfg->monitor_pages : 5;
	s->connections = cfg->monitor_connections > 0 ? cfg->monitor_connections : 64;
	s->per_host = cfg->monitor_per_host > 0 ? cfg->monitor_per_host : 2;
	s->connect_ms = cfg->monitor_connect_timeout_ms > 0 ? cfg->monitor_connect_timeout_ms : 10000;
	s->total_ms = cfg->monitor_timeout_ms > 0 ? cfg->monitor_timeout_ms : 30000;
	s->max_bytes = cfg->monitor_max_bytes > 0 ? cfg->monitor_max_bytes : 2 * 1024 * 1024;
	s->max_redirects = cfg->monitor_max_redirects > 0 ? cfg->monitor_max_redirects : 5;
	s->http_port = cfg->monitor_http_port > 0 ? cfg->monitor_http_port : 80;
	s->https_port = cfg->monitor_https_port > 0 ? cfg->monitor_https_port : 443;
	s->ca_file = cfg->monitor_ca_file;
}

/* HOST:PORT:ADDR[,ADDR...] as curl takes it. */
static bool
resolve_ok(const char *e)
{
	const char *c1 = strchr(e, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c1 == NULL || c2 == NULL || c1 == e || c2 == c1 + 1 || c2[1] == '\0')
		return false;
	for (const char *p = c1 + 1; p < c2; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	for (const char *p = e; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static sm_status
run_loop(struct run *r, sm_err *err)
{
	sm_store *s = r->app->store;
	const sm_monitor_opts *o = r->o;
	sm_monitor_target *batch = NULL;
	size_t n_batch = 0, i_batch = 0;
	bool listed = false;
	sm_status st = SM_OK;
	size_t max_jobs = MAX_JOBS(&r->set);
	struct timespec last, flushed;
	clock_gettime(CLOCK_MONOTONIC, &last);
	flushed = last;

	for (;;) {
		/* more marks while there is room */
		while (st == SM_OK && r->jobs_open < max_jobs && r->n_done < DONE_BATCH && !r->nomem) {
			if (i_batch == n_batch) {
				for (size_t i = 0; i < n_batch; i++)
					sm_monitor_target_clear(&batch[i]);
				free(batch);
				batch = NULL;
				n_batch = i_batch = 0;
				if (listed)
					break;
				pthread_mutex_lock(&r->sh->mu);
				if (r->sh->listed || r->sh->stop) {
					listed = true;
				} else {
					st = sm_store_monitor_targets(s, o->unit, o->case_id, o->office,
					    r->sh->after, 256, &batch, &n_batch, err);
					if (st == SM_OK && n_batch < 256)
						r->sh->listed = true;
					if (n_batch > 0)
						r->sh->after = batch[n_batch - 1].case_id;
					if (st != SM_OK)
						r->sh->stop = true;
				}
				pthread_mutex_unlock(&r->sh->mu);
				if (st != SM_OK)
					break;
				if (n_batch < 256)
					listed = true;
				if (n_batch == 0)
					break;
			}
			if (!job_start(r, &batch[i_batch++]))
				r->nomem = true;
		}
		/* transfers while connections are free */
		while (st == SM_OK && r->q_len > 0 && (long)r->in_flight < r->set.connections &&
		    !r->nomem) {
			struct job *j = r->queue[r->q_head];
			r->q_head = (r->q_head + 1) % r->q_cap;
			r->q_len--;
			j->queued = false;
			if (j->next_page >= j->n_pages || (long)j->running >= r->set.per_host)
				continue;
			size_t page = j->next_page++;
			j->running++;
			if (!req_start(r, j, page)) {
				/* no transfer for it: the page fails, the job goes on */
				j->running--;
				j->pages[page].verdict = SM_PAGE_ERROR;
				r->tot->pages++;
				if (--j->open == 0) {
					job_done(r, j);
					continue;
				}
			}
			if (!job_ready(r, j))
				r->nomem = true;
		}
		if (r->n_done >= DONE_BATCH || (r->n_done > 0 && (r->jobs_open == 0 ||
		    ms_since(&flushed) >= FLUSH_MS))) {
			clock_gettime(CLOCK_MONOTONIC, &flushed);
			pthread_mutex_lock(&r->sh->mu);
			sm_status fs = flush(r, err);
			if (fs != SM_OK)
				r->sh->stop = true;
			pthread_mutex_unlock(&r->sh->mu);
			if (st == SM_OK)
				st = fs;
		}
		if (r->nomem && st == SM_OK)
			st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		if (r->in_flight == 0 && r->q_len == 0 && (listed || st != SM_OK) && r->jobs_open == 0)
			break;
		if (st != SM_OK && r->in_flight == 0)
			break;
		int running = 0;
		curl_multi_perform(r->multi, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(r->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct req *q = NULL;
			CURLcode rc = msg->data.result;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&q);
			if (q != NULL)
				req_done(r, q, rc);
		}
		if (ms_since(&last) >= 250) {
			clock_gettime(CLOCK_MONOTONIC, &last);
			pthread_mutex_lock(&r->sh->mu);
			publish(r);
			if (o->on_progress && ms_since(&r->sh->progress) >= 250) {
				r->sh->progress = last;
				o->on_progress(o->ud, &r->sh->tot);
			}
			pthread_mutex_unlock(&r->sh->mu);
		}
		if (r->in_flight > 0 && r->n_done < DONE_BATCH)
			curl_multi_poll(r->multi, NULL, 0, 100, NULL);
	}
	for (size_t i = 0; i < n_batch; i++)
		sm_monitor_target_clear(&batch[i]);
	free(batch);
	pthread_mutex_lock(&r->sh->mu);
	if (st == SM_OK)
		st = flush(r, err);
	if (st != SM_OK)
		r->sh->stop = true;
	publish(r);
	pthread_mutex_unlock(&r->sh->mu);
	while (r->jobs) { /* stopped by an error: what was left */
		struct job *j = r->jobs;
		r->jobs = j->next;
		job_free(j);
	}
	return st;
}

/* One fetching thread's own: its multi handle, its finished marks. */
static bool
run_init(struct run *r, const struct run *proto, long connections)
{
	*r = *proto;
	r->set.connections = connections;
	r->tot = &r->mine;
	r->conv.cd = (iconv_t)-1;
	/* finished marks wait for the next write: a batch, and the jobs that
	 * may end before it */
	r->done = calloc(DONE_BATCH + MAX_JOBS(&r->set), sizeof(sm_mark_check));
	r->err = sm_err_new();
	if (r->done == NULL || r->err == NULL || (r->multi = curl_multi_init()) == NULL)
		return false;
	curl_multi_setopt(r->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, r->set.connections);
	/* monitor.per_host is the scheduler's, per site (job_queue): libcurl's
	 * own limit would count it per address where --resolve (CONNECT_TO)
	 * gives sites one, and hold a site's transfer in its queue behind
	 * another site's slow ones, its time running (libcurl's timeout counts
	 * from the transfer's adding).  No PIPEWAIT either, for the same
	 * reason: a transfer would wait for a connection of another site on
	 * the address to tell whether it multiplexes.  A site's linked pages
	 * are started once its home page has answered, so they find its
	 * HTTP/2 connection known and share it. */
	curl_multi_setopt(r->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	curl_multi_setopt(r->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(r->multi, CURLMOPT_MAXCONNECTS, r->set.connections);
	return true;
}

static void
run_free(struct run *r)
{
	if (r->multi)
		curl_multi_cleanup(r->multi);
	while (r->n_idle > 0)
		curl_easy_cleanup(r->idle[--r->n_idle]);
	if (r->conv.cd != (iconv_t)-1)
		iconv_close(r->conv.cd);
	for (size_t i = 0; r->done && i < r->n_done; i++)
		sm_mark_check_clear(&r->done[i]);
	free(r->done);
	free(r->queue);
	sm_err_free(&r->err);
}

static void *
run_thread(void *ud)
{
	struct run *r = ud;
	r->st = run_loop(r, r->err);
	return NULL;
}

#define THREADS_MAX 64

/* monitor.threads fetching threads (the processors online, at most 4, by
 * default), monitor.connections shared among them; this one is the first.
 * TOTALS: what they found together. */
static sm_status
run_threads(struct run *proto, sm_monitor_totals *totals, sm_err *err)
{
	struct shared sh = {.after = 0};
	struct run *runs;
	pthread_t tid[THREADS_MAX];
	bool started[THREADS_MAX] = {false};
	long n = proto->app->cfg->monitor_threads;
	sm_status st = SM_OK;

	if (n <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus < 1 ? 1 : cpus > 4 ? 4 : cpus;
	}
	if (n > THREADS_MAX)
		n = THREADS_MAX;
	if (n > proto->set.connections)
		n = proto->set.connections;
	if ((runs = calloc((size_t)n, sizeof(*runs))) == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	if (pthread_mutex_init(&sh.mu, NULL) != 0) {
		free(runs);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	clock_gettime(CLOCK_MONOTONIC, &sh.progress);
	proto->sh = &sh;
	for (long i = 0; i < n; i++) {
		long c = proto->set.connections / n + (i < proto->set.connections % n);
		if (!run_init(&runs[i], proto, c)) {
			if (i == 0)
				st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
			n = i; /* fewer threads, then */
			run_free(&runs[i]);
			break;
		}
	}
	/* a thread that cannot start leaves its share to the others */
	for (long i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, run_thread, &runs[i]) == 0;
	if (st == SM_OK)
		run_thread(&runs[0]);
	for (long i = 1; i < n; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
	for (long i = 0; i < n; i++) {
		if (st == SM_OK && (i == 0 || started[i]) && runs[i].st != SM_OK) {
			sm_err_merge(err, runs[i].err, NULL);
			st = runs[i].st;
		}
		run_free(&runs[i]);
	}
	pthread_mutex_destroy(&sh.mu);
	*totals = sh.tot;
	proto->sh = NULL;
	free(runs);
	return st;
}

/* The selection O names what exists: a typo in --office or --unit, or a
 * --case that is no mark to check, is refused rather than checking
 * nothing and saying all went well. */
static sm_status
check_selection(sm_app *app, const sm_monitor_opts *o, sm_err *err)
{
	sm_status st = SM_OK;
	if (o->office != NULL) {
		sm_office off = {0};
		st = sm_store_office_get(app->store, o->office, &off, err);
		sm_office_clear(&off);
		if (st == SM_E_NOTFOUND) {
			char *sh = sm_text_excerpt(o->office);
			st = sm_err_add(err, SM_E_NOTFOUND, NULL, _("no establishment office %s"),
			    sh ? sh : "");
			sm_text_excerpt_free(sh);
		}
		if (st != SM_OK)
			return st;
	}
	if (o->unit > 0) {
		sm_unit u = {0};
		st = sm_store_unit_get(app->store, o->unit, &u, err);
		sm_unit_clear(&u);
		if (st == SM_E_NOTFOUND && sm_err_count(err) == 0)
			st = sm_err_add(err, SM_E_NOTFOUND, NULL, _("no unit %lld"), (long long)o->unit);
		if (st != SM_OK)
			return st;
	}
	if (o->case_id > 0) {
		sm_monitor_target *t = NULL;
		size_t n = 0;
		st = sm_store_monitor_targets(app->store, 0, o->case_id, NULL, 0, 1, &t, &n, err);
		for (size_t i = 0; i < n; i++)
			sm_monitor_target_clear(&t[i]);
		free(t);
		if (st == SM_OK && n == 0)
			st = sm_err_add(err, SM_E_NOTFOUND, NULL,
			    _("case %lld has no mark to check: no such case, or not a mark or website case, or its mark not issued, or hung on a red page"),
			    (long long)o->case_id);
	}
	return st;
}

sm_status
sm_marks_check(sm_app *app, const sm_monitor_opts *o, sm_monitor_totals *totals, sm_err *err)
{
	struct run r = {.app = app, .o = o, .conv = {.cd = (iconv_t)-1}};
	sm_status st;
	unsigned may = SM_BIT(SM_ROLE_SYSADMIN) | SM_BIT(SM_ROLE_CONAC) | SM_BIT(SM_ROLE_MONITOR);

	memset(totals, 0, sizeof(*totals));
	if (app->user.login == NULL || !(SM_BIT(app->user.role) & may))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("your role (%s) may not run the mark monitor: the system administrator, CONAC or the monitor account may"),
		    sm_role_label(app->user.role));
	settings_of(app->cfg, &r.set);
	for (size_t i = 0; i < o->n_resolve; i++)
		if (!resolve_ok(o->resolve[i])) {
			char *sh = sm_text_excerpt(o->resolve[i]);
			st = sm_err_add(err, SM_E_INVALID, "resolve",
			    _("'%s' is not HOST:PORT:ADDRESS"), sh ? sh : "");
			sm_text_excerpt_free(sh);
			return st;
		}
	if ((st = check_selection(app, o, err)) != SM_OK)
		return st;
	/* the monitor acts; in a dry run it changes nothing, so it need not exist */
	if (o->dry_run) {
		r.monitor.login = strdup(SM_MONITOR_LOGIN);
		r.monitor.role = SM_ROLE_MONITOR;
	} else {
		if ((st = sm_monitor_account(app, err)) != SM_OK)
			return st;
		if ((st = sm_store_user_get(app->store, SM_MONITOR_LOGIN, &r.monitor, err)) != SM_OK)
			return st;
		if (r.monitor.disabled || r.monitor.locked) {
			sm_user_clear(&r.monitor);
			return sm_err_add(err, SM_E_DENIED, NULL,
			    _("the monitor account '%s' is disabled or locked: no mark is checked"),
			    SM_MONITOR_LOGIN);
		}
	}
	if (r.monitor.login == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	if (o->n_resolve > 0) {
		if ((r.resolve = calloc(o->n_resolve, sizeof(char *))) == NULL) {
			sm_user_clear(&r.monitor);
			return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		}
		for (size_t i = 0; i < o->n_resolve; i++)
			r.resolve[i] = (char *)o->resolve[i];
		r.n_resolve = o->n_resolve;
		qsort(r.resolve, r.n_resolve, sizeof(char *), cmp_entry);
	}
	if (sm_curl_load(err) != SM_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(r.resolve);
		sm_user_clear(&r.monitor);
		return sm_err_count(err) ? sm_err_status(err) :
		    sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	st = run_threads(&r, totals, err);
	curl_global_cleanup();
	free(r.resolve);
	sm_user_clear(&r.monitor);
	return st;
}
