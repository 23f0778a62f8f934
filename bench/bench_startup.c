/* bench_startup.c - the time a command takes from exec to exit, and its
 * largest resident set, over many runs (bench/bench_startup.sh).
 *
 *   bench_startup [--runs N] [--label TEXT] PROGRAM ARGS...
 *
 * Runs PROGRAM N times (default 200; stdin, stdout and stderr /dev/null),
 * after 5 runs to warm the page cache, and prints one line: the label, the
 * median and mean wall time in ms, and the largest maximum RSS (wait4) in
 * KB.  Fails (exit 1) when a run does not exit 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One run: its wall time in ms (-1 on failure), *RSS its max RSS in KB. */
static double
once(char **argv, long *rss)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
	struct timespec t0, t1;
	pid_t pid;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*rss = ru.ru_maxrss;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

int
main(int argc, char **argv)
{
	int runs = 200, i = 1;
	const char *label = NULL;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--runs") == 0)
			runs = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--label") == 0)
			label = argv[i + 1];
		else
			break;
	}
	if (i >= argc || runs < 1) {
		fprintf(stderr, "usage: bench_startup [--runs N] [--label TEXT] PROGRAM ARGS...\n");
		return 2;
	}
	double *ms = calloc((size_t)runs, sizeof(double)), sum = 0;
	long rss = 0, maxrss = 0;
	if (ms == NULL)
		return 1;
	for (int w = 0; w < 5; w++)
		if (once(argv + i, &rss) < 0) {
			fprintf(stderr, "bench_startup: %s failed (run it by hand to see why)\n", argv[i]);
			return 1;
		}
	for (int r = 0; r < runs; r++) {
		if ((ms[r] = once(argv + i, &rss)) < 0) {
			fprintf(stderr, "bench_startup: %s failed\n", argv[i]);
			return 1;
		}
		sum += ms[r];
		if (rss > maxrss)
			maxrss = rss;
	}
	qsort(ms, (size_t)runs, sizeof(double), cmp);
	printf("%-28s median %6.2f ms  mean %6.2f ms  max RSS %6ld KB  (%d runs)\n",
	    label ? label : argv[i], ms[runs / 2], sum / runs, maxrss, runs);
	free(ms);
	return 0;
}
