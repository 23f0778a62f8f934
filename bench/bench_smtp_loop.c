/* bench_smtp_loop.c - the bare libcurl loop of the notification benchmark
 * (bench/bench_notify.sh): send the messages in the files named on the
 * command line to an SMTP server, one easy handle reused as notify run
 * reuses its own, and print the rate.
 *
 *   bench_smtp_loop URL FROM FILE...
 *
 * Each file is a whole message (as notify run sent it); its recipient is
 * the address in its To: header.  The files are read before the clock
 * starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

struct msg {
	char *data;
	size_t len;
	char rcpt[256];
};

struct reader {
	const char *p;
	size_t left;
};

static size_t
read_cb(char *dst, size_t size, size_t n, void *ud)
{
	struct reader *r = ud;
	size_t k = size * n < r->left ? size * n : r->left;
	memcpy(dst, r->p, k);
	r->p += k;
	r->left -= k;
	return k;
}

static int
load(const char *path, struct msg *m)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	m->data = malloc((size_t)n + 1);
	if (m->data == NULL || fread(m->data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	m->len = (size_t)n;
	m->data[n] = '\0';
	const char *to = strstr(m->data, "\nTo: ");
	const char *lt = to ? strchr(to, '<') : NULL;
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (gt == NULL || (size_t)(gt - lt + 1) >= sizeof(m->rcpt))
		return -1;
	memcpy(m->rcpt, lt, (size_t)(gt - lt + 1));
	m->rcpt[gt - lt + 1] = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_smtp_loop URL FROM FILE...\n");
		return 2;
	}
	int n = argc - 3;
	struct msg *msgs = calloc((size_t)n, sizeof(*msgs));
	for (int i = 0; i < n; i++)
		if (msgs == NULL || load(argv[3 + i], &msgs[i]) != 0) {
			fprintf(stderr, "bench_smtp_loop: cannot read %s\n", argv[3 + i]);
			return 1;
		}
	char from[300];
	snprintf(from, sizeof(from), "<%s>", argv[2]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, argv[1]);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int failed = 0;
	for (int i = 0; i < n; i++) {
		struct curl_slist *rcpt = curl_slist_append(NULL, msgs[i].rcpt);
		struct reader r = {msgs[i].data, msgs[i].len};
		curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
		curl_easy_setopt(h, CURLOPT_READDATA, &r);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msgs[i].len);
		if (curl_easy_perform(h) != CURLE_OK)
			failed++;
		curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
		curl_slist_free_all(rcpt);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%d %d %.6f\n", n - failed, failed, s);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	for (int i = 0; i < n; i++)
		free(msgs[i].data);
	free(msgs);
	return failed ? 1 : 0;
}
