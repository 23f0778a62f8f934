/* bench_marks_floor.c - make bench-marks: libcurl alone on the checker's
 * transfers, the floor under sitemark marks check's time.
 *
 *   bench_marks_floor PORT SITES PAGES CONNECTIONS PER_HOST [THREADS]
 *
 * The same sites as bench_marks.sh's (caNNN.bench.test on 127.0.0.1 + i % 64
 * through CURLOPT_CONNECT_TO, as the checker's --resolve), each asked for its
 * home page and PAGES more (/a.html, /b.html ...), over one multi handle with
 * the checker's limits (CONNECTIONS in all, PER_HOST per site, a site's next
 * page first so that it takes the connection its last one left), easy
 * handles reused, bodies thrown away: no parsing, no database, no output.
 * What is left is libcurl's and the kernel's share of a page; prints
 * "PAGES SECONDS" (the wall time of the transfers).  With THREADS (default
 * 1), as many threads share the sites and the connections as the checker's
 * monitor.threads do, each with its own multi handle: the ceiling of a
 * checker on that many threads. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct site {
	int next;     /* the first page not started */
	int running;
	int queued;
	int finished; /* pages done */
};

static size_t
discard(char *b, size_t size, size_t n, void *ud)
{
	(void)b;
	(void)ud;
	return size * n;
}

/* One thread's share: sites THREAD, THREAD + THREADS, ... (numbered from 1
 * as bench_marks.sh's), over CONNS connections of its own. */
struct part {
	int port, sites, pages, conns, per_host, thread, threads;
	int failed;
};

static void *
fetch(void *ud)
{
	struct part *p = ud;
	int port = p->port, pages = p->pages, conns = p->conns, per_host = p->per_host;
	int sites = (p->sites - p->thread + p->threads - 1) / p->threads; /* this thread's */
	struct site *s = calloc((size_t)sites, sizeof(*s));
	int *ring = calloc((size_t)sites, sizeof(int)); /* sites with a page to start */
	int head = 0, len = 0, opened = 0, closed = 0, in_flight = 0, done = 0;
	int total = sites * pages;
	CURL **idle = calloc((size_t)conns, sizeof(CURL *));
	int n_idle = 0;
	p->failed = 1;
	if (s == NULL || ring == NULL || idle == NULL)
		return NULL;
	CURLM *m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)conns);
	/* per site, as the checker: PER_HOST is counted below */
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)conns);
	while (done < total) {
		/* new sites while fewer than 2 x CONNECTIONS are open */
		while (opened < sites && opened - closed < 2 * conns) {
			ring[(head + len++) % sites] = opened;
			s[opened++].queued = 1;
		}
		while (len > 0 && in_flight < conns) {
			int i = ring[head];
			head = (head + 1) % sites;
			len--;
			s[i].queued = 0;
			if (s[i].next >= pages || s[i].running >= per_host)
				continue;
			int page = s[i].next++;
			char url[160], ct[160], path[16] = "";
			struct curl_slist *l;
			if (page > 0)
				snprintf(path, sizeof(path), "%c.html", 'a' + (page - 1) % 26);
			int n = i * p->threads + p->thread + 1; /* the site's number */
			snprintf(url, sizeof(url), "http://ca35001000000%010d.bench.test:%d/%s", n, port,
			    path);
			snprintf(ct, sizeof(ct), "ca35001000000%010d.bench.test:%d:127.0.0.%d:%d", n, port,
			    1 + n % 64, port);
			CURL *e = n_idle > 0 ? idle[--n_idle] : curl_easy_init();
			if (e == NULL || (l = curl_slist_append(NULL, ct)) == NULL)
				return NULL;
			curl_easy_setopt(e, CURLOPT_URL, url);
			curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
			curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
			curl_easy_setopt(e, CURLOPT_CONNECT_TO, l);
			curl_easy_setopt(e, CURLOPT_PRIVATE, l);
			curl_multi_add_handle(m, e);
			s[i].running++;
			in_flight++;
			if (s[i].next < pages && s[i].running < per_host) {
				ring[(head + len++) % sites] = i;
				s[i].queued = 1;
			}
		}
		int running;
		curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *e = msg->easy_handle;
			struct curl_slist *l = NULL;
			char *url = NULL;
			int i = 0;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&l);
			curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
			if (url == NULL || sscanf(url, "http://ca35001000000%10d", &i) != 1 ||
			    i < 1 || (i - 1) % p->threads != p->thread || (i - 1) / p->threads >= sites)
				return NULL;
			if (msg->data.result != CURLE_OK)
				fprintf(stderr, "%s: %s\n", url, curl_easy_strerror(msg->data.result));
			i = (i - 1) / p->threads;
			curl_multi_remove_handle(m, e);
			curl_slist_free_all(l);
			curl_easy_reset(e);
			idle[n_idle++] = e;
			in_flight--;
			done++;
			s[i].running--;
			if (++s[i].finished == pages)
				closed++;
			if (s[i].next < pages && !s[i].queued) { /* its connection is free: first */
				head = (head + sites - 1) % sites;
				ring[head] = i;
				len++;
				s[i].queued = 1;
			}
		}
		if (in_flight > 0)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	while (n_idle > 0)
		curl_easy_cleanup(idle[--n_idle]);
	curl_multi_cleanup(m);
	free(idle);
	free(ring);
	free(s);
	p->failed = 0;
	return NULL;
}

int
main(int argc, char **argv)
{
	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: %s PORT SITES PAGES CONNECTIONS PER_HOST [THREADS]\n", argv[0]);
		return 2;
	}
	int port = atoi(argv[1]), sites = atoi(argv[2]), pages = atoi(argv[3]) + 1;
	int conns = atoi(argv[4]), per_host = atoi(argv[5]), threads = argc == 7 ? atoi(argv[6]) : 1;
	if (port <= 0 || sites <= 0 || pages <= 0 || conns <= 0 || per_host <= 0 || threads <= 0)
		return 2;
	if (threads > 64)
		threads = 64;
	if (threads > conns)
		threads = conns;
	if (threads > sites)
		threads = sites;
	struct part part[64];
	pthread_t tid[64];
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int t = 0; t < threads; t++) {
		part[t] = (struct part){.port = port, .sites = sites, .pages = pages,
		    .conns = conns / threads + (t < conns % threads), .per_host = per_host,
		    .thread = t, .threads = threads};
		if (pthread_create(&tid[t], NULL, fetch, &part[t]) != 0)
			return 1;
	}
	int failed = 0;
	for (int t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		failed |= part[t].failed;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (failed)
		return 1;
	printf("%d %.3f\n", sites * pages,
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	curl_global_cleanup();
	return 0;
}
