/* cmd_notify.c - notify run [--daemon]: deliver the outbox (sm_notify_run). */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sm_i18n.h"
#include "sm_workflow.h"

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The run in numbers; 1 when notices wait for the configuration. */
static int
report(const sm_notify_stats *s)
{
	printf(_("notify run: %d sent, %d to retry, %d given up; %d scheduled notices queued\n"),
	    s->sent, s->retrying, s->failed, s->scheduled);
	fflush(stdout);
	if (s->waiting == 0)
		return 0;
	fprintf(stderr, _("sitemark: %d notices not sent, none attempted: %s\n"), s->waiting,
	    s->why_waiting);
	return 1;
}

int
cmd_notify_run(cli *c)
{
	sm_notify_stats s;
	sm_status st;
	if (!c->daemon) {
		st = sm_notify_run(c->app, &s, c->err);
		if (st != SM_OK)
			return cli_fail(c, st);
		return report(&s);
	}
	/* the daemon (a systemd service): a round every notify.interval
	 * seconds until SIGTERM or SIGINT; a round that fails is said on
	 * standard error and tried again at the next */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	int interval = c->app->cfg->notify_interval > 0 ? c->app->cfg->notify_interval : 60;
	while (!stopping) {
		if (sm_app_store_replaced(c->app)) {
			/* the file it opened is gone: a new process opens the one
			 * now at the path (the service restarts it) */
			fprintf(stderr, "%s\n",
			    _("sitemark: the database file was deleted or replaced since this process opened it (a restore?): ending, for the service to start it again"));
			return 1;
		}
		st = sm_notify_run(c->app, &s, c->err);
		if (st != SM_OK) {
			cli_print_problems(c, c->err);
			sm_err_clear(c->err);
		} else if (s.sent + s.retrying + s.failed + s.scheduled + s.waiting > 0)
			report(&s);
		struct timespec left = {interval, 0};
		while (!stopping && nanosleep(&left, &left) != 0 && errno == EINTR)
			;
	}
	return 0;
}
