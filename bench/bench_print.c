/* bench_print.c - the printing benchmark (make bench, issue 8): the time to
 * render one letter and one form of a website case as PDF, from the core's
 * document (sm_doc_build: the case read, assembled, neutralised) through
 * pango and cairo (sm_render_pdf) into a file, as `sitemark print` does
 * them.  Median, min and max of --runs runs each, after one warm-up (the
 * first run loads the fonts).  Also the whole command (`sitemark print`,
 * the audit record written).
 *
 *   bench_print --db DEMO.db --case ID --as LOGIN [--sitemark ./sitemark] [--runs N]
 *
 * DEMO.db is a database of `sitemark init --demo`, ID a website case in
 * paper_pending and LOGIN its unit's operator (bench/bench_print.sh finds
 * them).  It prints numbers and fails nothing but itself. */
#include <config.h>

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sm_app.h"
#include "sm_doc.h"
#include "sm_render.h"

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void
report(const char *what, double *t, int n, const char *extra)
{
	qsort(t, (size_t)n, sizeof(double), cmp);
	printf("  %-28s median %8.2f ms  (min %.2f, max %.2f, %d runs)%s\n", what, t[n / 2], t[0],
	    t[n - 1], n, extra);
}

int
main(int argc, char **argv)
{
	const char *db = NULL, *sitemark = NULL, *login = NULL;
	long long id = 0;
	int runs = 21;
	const char *localedir = getenv("SITEMARK_LOCALEDIR");
	setlocale(LC_ALL, "");
	bindtextdomain("sitemark", localedir && *localedir ? localedir : LOCALEDIR);
	textdomain("sitemark");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strcmp(argv[i], "--sitemark") == 0 && i + 1 < argc)
			sitemark = argv[++i];
		else if (strcmp(argv[i], "--as") == 0 && i + 1 < argc)
			login = argv[++i];
		else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc)
			id = atoll(argv[++i]);
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_print --db DEMO.db --case ID --as LOGIN [--sitemark PROGRAM] [--runs N]\n");
			return 2;
		}
	}
	if (db == NULL || login == NULL || id <= 0 || runs < 1 || runs > 10000) {
		fprintf(stderr, "usage: bench_print --db DEMO.db --case ID --as LOGIN [--sitemark PROGRAM] [--runs N]\n");
		return 2;
	}
	sm_err *err = sm_err_new(), *warn = sm_err_new();
	sm_app *app = NULL;
	sm_app_opts o = {.db_path = db, .mode = SM_OPEN_EXISTING};
	if (sm_app_open(&o, &app, warn, err) != SM_OK || sm_app_login(app, login, err) != SM_OK) {
		fprintf(stderr, "bench_print: %s\n", sm_err_count(err) ? sm_err_msg(err, 0) : "cannot open");
		return 1;
	}
	char path[] = "/tmp/bench-print-XXXXXX.pdf";
	int fd = mkstemps(path, 4);
	if (fd < 0) {
		perror("bench_print: mkstemps");
		return 1;
	}
	close(fd);
	printf("bench: printing (case %lld, as %s): the document built and rendered as PDF\n",
	    (long long)id, login);
	double *t = calloc((size_t)runs, sizeof(double));
	sm_doc_kind kinds[] = {SM_DOC_LETTER, SM_DOC_FORM};
	for (int k = 0; k < 2; k++) {
		int pages = 0;
		long size = 0;
		for (int r = -1; r < runs; r++) {
			sm_doc doc;
			FILE *f = fopen(path, "w");
			double t0 = now_ms();
			if (f == NULL || sm_doc_build(app, id, kinds[k], 1, &doc, err) != SM_OK ||
			    sm_render_pdf(&doc, NULL, f, &pages, NULL, err) != SM_OK) {
				fprintf(stderr, "bench_print: %s\n", sm_err_count(err) ? sm_err_msg(err, 0) : "failed");
				return 1;
			}
			size = ftell(f);
			fclose(f);
			double t1 = now_ms();
			sm_doc_clear(&doc);
			if (r >= 0)
				t[r] = t1 - t0;
		}
		char extra[64];
		snprintf(extra, sizeof(extra), "  %d page(s), %ld bytes", pages, size);
		report(k == 0 ? "letter as PDF" : "form as PDF", t, runs, extra);
	}
	if (sitemark) {
		/* the whole command: session, rule, document, PDF, audit record */
		int n = runs < 11 ? runs : 11;
		for (int k = 0; k < 2; k++) {
			char cmd[1024];
			snprintf(cmd, sizeof(cmd), "'%s' --db '%s' --as '%s' print %lld %s --out '%s' >/dev/null",
			    sitemark, db, login, (long long)id, k ? "form" : "letter", path);
			for (int r = 0; r < n; r++) {
				double t0 = now_ms();
				if (system(cmd) != 0) {
					fprintf(stderr, "bench_print: %s failed\n", cmd);
					return 1;
				}
				t[r] = now_ms() - t0;
			}
			report(k ? "sitemark print ID form" : "sitemark print ID letter", t, n, "  (whole command)");
		}
	}
	unlink(path);
	free(t);
	sm_app_close(&app);
	sm_err_free(&err);
	sm_err_free(&warn);
	return 0;
}
