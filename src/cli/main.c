/* main.c - sitemark's command line: options, locale, and the command table. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "sm_i18n.h"
#include "sm_priv.h"
#include "sm_workflow.h"
#include "tui.h"

const cli_command cli_commands[] = {
	{"init", NULL, 0, 0, CLI_CREATE, cmd_init, N_("init [--demo]")},
	{"office", "add", 1, 1, CLI_STORE, cmd_office_add, N_("office add CODE --name NAME")},
	{"user", "add", 1, 1, CLI_STORE, cmd_user_add,
	    N_("user add LOGIN [--role ROLE] [--office CODE] [--unit UNIT] [--name N] [--mobile M] [--email E]")},
	{"user", "list", 0, 0, CLI_STORE, cmd_user_list, N_("user list [--role ROLE]")},
	{"user", "edit", 1, 1, CLI_STORE, cmd_user_edit,
	    N_("user edit LOGIN [--name N] [--mobile M] [--email E]")},
	{"user", "disable", 1, 1, CLI_STORE, cmd_user_disable, N_("user disable LOGIN")},
	{"user", "enable", 1, 1, CLI_STORE, cmd_user_enable, N_("user enable LOGIN")},
	{"user", "role", 2, 2, CLI_STORE, cmd_user_role, N_("user role LOGIN ROLE [--office CODE]")},
	{"user", "lock", 1, 1, CLI_STORE, cmd_user_lock, N_("user lock LOGIN")},
	{"user", "unlock", 1, 1, CLI_STORE, cmd_user_unlock, N_("user unlock LOGIN")},
	{"user", "totp", 1, 1, CLI_STORE, cmd_user_totp, N_("user totp LOGIN")},
	{"policy", "show", 0, 0, CLI_STORE, cmd_policy_show, N_("policy show")},
	{"policy", "set", 2, 2, CLI_STORE, cmd_policy_set, N_("policy set KEY VALUE")},
	{"office", "edit", 1, 1, CLI_STORE, cmd_office_edit, N_("office edit CODE --name NAME")},
	{"office", "disable", 1, 1, CLI_STORE, cmd_office_disable, N_("office disable CODE")},
	{"office", "enable", 1, 1, CLI_STORE, cmd_office_enable, N_("office enable CODE")},
	{"unit", "register", 0, 0, CLI_STORE, cmd_unit_register,
	    N_("unit register --values FILE [--login LOGIN]")},
	{"unit", "list", 0, 0, CLI_STORE, cmd_unit_list, N_("unit list --text TEXT")},
	{"unit", "edit", 1, 1, CLI_STORE, cmd_unit_edit,
	    N_("unit edit ID --values FILE [--expect-version N]")},
	{"case", "new", 1, 1, CLI_STORE, cmd_case_new, N_("case new KIND --values FILE")},
	{"case", "edit", 1, 1, CLI_STORE, cmd_case_edit, N_("case edit ID --values FILE [--expect-version N]")},
	{"case", "act", 2, 2, CLI_STORE, cmd_case_act,
	    N_("case act ID ACTION [--reason TEXT] [--values FILE] [--expect-version N] [--request-id ID]")},
	{"case", "show", 1, 1, CLI_STORE, cmd_case_show, N_("case show ID")},
	{"case", "list", 0, 0, CLI_STORE, cmd_case_list,
	    N_("case list [--state STATE] [--kind KIND] [--queue] [--text TEXT]")},
	{"case", "note", 1, 1, CLI_STORE, cmd_case_note, N_("case note ID --text TEXT")},
	{"mark", "show", 1, 1, CLI_STORE, cmd_mark_show, N_("mark show ID")},
	{"marks", "check", 0, 0, CLI_STORE, cmd_marks_check,
	    N_("marks check [--resolve HOST:PORT:ADDR ...] [--unit ID] [--case ID] [--office CODE] [--dry-run]")},
	{"marks", "report", 0, 0, CLI_STORE, cmd_marks_report, N_("marks report [--csv]")},
	{"unmask", NULL, 2, 2, CLI_STORE, cmd_unmask,
	    N_("unmask ID FIELD --reason TEXT")},
	{"forms", "check", 0, 64, CLI_NO_STORE, cmd_forms_check, N_("forms check [FILE ...]")},
	{"forms", "strings", 0, 0, CLI_NO_STORE, cmd_forms_strings, N_("forms strings")},
	{"audit", "show", 0, 0, CLI_STORE, cmd_audit_show,
	    N_("audit show [--case ID] [--user LOGIN] [--action ACTION] [--since DATE]")},
	{"audit", "verify", 0, 0, CLI_STORE, cmd_audit_verify, N_("audit verify [--anchors FILE]")},
	{"check", NULL, 0, 0, CLI_STORE, cmd_check, N_("check [--anchors FILE]")},
	{"backup", NULL, 1, 1, CLI_STORE, cmd_backup, N_("backup FILE")},
	{"restore", NULL, 1, 1, CLI_NO_STORE, cmd_restore, N_("restore FILE [--force]")},
	{"print", NULL, 2, 2, CLI_STORE, cmd_print,
	    N_("print ID letter|form [--copies N] [--out FILE] [--printer NAME] [--mail]")},
	{"notify", "run", 0, 0, CLI_STORE, cmd_notify_run, N_("notify run [--daemon]")},
	{"site", "export", 0, 1, CLI_STORE, cmd_site_export, N_("site export [DIR]")},
	{"redpage", "show", 1, 1, CLI_STORE, cmd_redpage_show, N_("redpage show ID")},
	{"redpage", "edit", 1, 1, CLI_STORE, cmd_redpage_edit, N_("redpage edit ID --values FILE")},
	{"redpage", "publish", 1, 1, CLI_STORE, cmd_redpage_publish,
	    N_("redpage publish ID [--values FILE] [--expect-version N]")},
	{"store", "status", 0, 0, CLI_NO_STORE, cmd_store_status, N_("store status")},
	{NULL, NULL, 0, 0, CLI_NO_STORE, NULL, NULL},
};

enum {
	OPT_DB = 256, OPT_CONFIG, OPT_AS, OPT_JSON, OPT_VALUES, OPT_REASON, OPT_LOGIN, OPT_ROLE,
	OPT_OFFICE, OPT_UNIT, OPT_NAME, OPT_MOBILE, OPT_EMAIL, OPT_STATE, OPT_KIND, OPT_QUEUE,
	OPT_DEMO, OPT_TEXT, OPT_EXPECT, OPT_REQUEST, OPT_HELP, OPT_VERSION, OPT_NO_COLOR,
	OPT_ASCII, OPT_SCRIPT, OPT_SCRIPT_OUTPUT, OPT_REVERSE_CURSOR,
	OPT_CASE, OPT_USER, OPT_ACTION, OPT_SINCE,
	OPT_ANCHORS, OPT_FORCE, OPT_TOTP,
	OPT_COPIES, OPT_OUT, OPT_PRINTER,
	OPT_DAEMON, OPT_MAIL,
	OPT_RESOLVE, OPT_DRY_RUN, OPT_CSV
};

static const struct option options[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"as", required_argument, NULL, OPT_AS},
	{"totp", required_argument, NULL, OPT_TOTP},
	{"json", no_argument, NULL, OPT_JSON},
	{"values", required_argument, NULL, OPT_VALUES},
	{"reason", required_argument, NULL, OPT_REASON},
	{"login", required_argument, NULL, OPT_LOGIN},
	{"role", required_argument, NULL, OPT_ROLE},
	{"office", required_argument, NULL, OPT_OFFICE},
	{"unit", required_argument, NULL, OPT_UNIT},
	{"name", required_argument, NULL, OPT_NAME},
	{"mobile", required_argument, NULL, OPT_MOBILE},
	{"email", required_argument, NULL, OPT_EMAIL},
	{"state", required_argument, NULL, OPT_STATE},
	{"kind", required_argument, NULL, OPT_KIND},
	{"queue", no_argument, NULL, OPT_QUEUE},
	{"demo", no_argument, NULL, OPT_DEMO},
	{"text", required_argument, NULL, OPT_TEXT},
	{"expect-version", required_argument, NULL, OPT_EXPECT},
	{"request-id", required_argument, NULL, OPT_REQUEST},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"ascii", no_argument, NULL, OPT_ASCII},
	{"reverse-cursor", no_argument, NULL, OPT_REVERSE_CURSOR},
	{"script", required_argument, NULL, OPT_SCRIPT},
	{"script-output", required_argument, NULL, OPT_SCRIPT_OUTPUT},
	{"case", required_argument, NULL, OPT_CASE},
	{"user", required_argument, NULL, OPT_USER},
	{"action", required_argument, NULL, OPT_ACTION},
	{"since", required_argument, NULL, OPT_SINCE},
	{"anchors", required_argument, NULL, OPT_ANCHORS},
	{"force", no_argument, NULL, OPT_FORCE},
	{"copies", required_argument, NULL, OPT_COPIES},
	{"out", required_argument, NULL, OPT_OUT},
	{"printer", required_argument, NULL, OPT_PRINTER},
	{"daemon", no_argument, NULL, OPT_DAEMON},
	{"mail", no_argument, NULL, OPT_MAIL},
	{"resolve", required_argument, NULL, OPT_RESOLVE},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"csv", no_argument, NULL, OPT_CSV},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

static void
usage(FILE *out)
{
	fprintf(out, _("Usage: sitemark [--db PATH] [--config FILE] [--as LOGIN] [--json] [COMMAND ...]\n"));
	fprintf(out, _("\nWithout a command, sitemark opens the console:\n"
	    "  --no-color            no colours (also when NO_COLOR is set)\n"
	    "  --ascii               ASCII line drawing\n"
	    "  --script FILE         read keystrokes from FILE instead of the terminal\n"
	    "  --script-output FILE  where script mode writes the terminal's bytes\n"));
	fprintf(out, "%s", _("  --reverse-cursor      the cursor row in full reverse video\n"));
	fprintf(out, "%s", _("  --totp CODE           the one-time code of your authenticator app, for accounts\n"
	    "                        that sign in with a second factor (else asked on the terminal)\n"));
	fprintf(out, _("\nCommands:\n"));
	for (const cli_command *k = cli_commands; k->word1; k++)
		fprintf(out, "  sitemark %s\n", _(k->usage));
	fprintf(out, _("\nExit status: 0 done; 1 refused (the reason is on standard error); 2 bad usage; 3 marks check ran and some mark is not hung.\n"));
}

/* Read a one-time code from the terminal on standard input, not echoed. */
static char *
ask_code(const char *login)
{
	struct termios old, quiet;
	char buf[64];
	bool restore = tcgetattr(STDIN_FILENO, &old) == 0;
	fprintf(stderr, _("One-time code for %s (your authenticator app): "), login);
	fflush(stderr);
	if (restore) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *got = fgets(buf, sizeof(buf), stdin);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (got == NULL)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

/* The second factor of the logged-in account, when its role asks for one:
 * --totp CODE, else asked on the terminal; without either, refused. */
static int
second_factor(cli *c)
{
	bool needed = false;
	sm_status st = sm_auth_totp_needed(c->app, &needed, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (!needed)
		return 0;
	char *code = NULL;
	if (c->totp)
		code = strdup(c->totp);
	else if (isatty(STDIN_FILENO))
		code = ask_code(c->app->user.login);
	else {
		sm_err_add(c->err, SM_E_DENIED, "totp",
		    _("the account '%s' signs in with a one-time code: give it with --totp CODE"),
		    c->app->user.login);
		return cli_fail(c, SM_E_DENIED);
	}
	st = sm_auth_totp_check(c->app, code ? code : "", c->err);
	free(code);
	return st == SM_OK ? 0 : cli_fail(c, st);
}

static int
run_console(cli *c)
{
	char *login = c->as ? strdup(c->as) : sm_app_unix_login();
	sm_app_opts o = {.db_path = c->db, .config_path = c->config, .mode = SM_OPEN_EXISTING,
	    .login = login};
	sm_status st = sm_app_open(&o, &c->app, c->warn, c->err);
	cli_print_problems(c, c->warn);
	if (st != SM_OK) {
		free(login);
		return cli_fail(c, st);
	}
	st = sm_app_login(c->app, login, c->err);
	free(login);
	if (st != SM_OK)
		return cli_fail(c, st);
	int rc = second_factor(c);
	if (rc != 0)
		return rc;
	/* the screen is about to be taken: repeat the first warning there */
	char notice[512];
	if (sm_err_count(c->warn) > 0) {
		snprintf(notice, sizeof(notice), _("configuration: %s (%zu problems; see standard error)"),
		    sm_err_msg(c->warn, 0), sm_err_count(c->warn));
		c->tui.notice = notice;
	}
	return tui_run(c->app, &c->tui);
}

static const cli_command *
find_command(char **words, int n, int *consumed)
{
	for (const cli_command *k = cli_commands; k->word1; k++) {
		if (strcmp(words[0], k->word1) != 0)
			continue;
		if (k->word2 == NULL) {
			*consumed = 1;
			return k;
		}
		if (n > 1 && strcmp(words[1], k->word2) == 0) {
			*consumed = 2;
			return k;
		}
	}
	return NULL;
}

/* --as is refused when the program runs with privileges the caller lacks:
 * the caller could not write the database themselves. */
static bool
privileged(void)
{
	return sm_priv_active();
}

static int
open_session(cli *c, const cli_command *k)
{
	/* init logs in itself, after making the first account */
	char *login = k->store == CLI_CREATE ? NULL : c->as ? strdup(c->as) : sm_app_unix_login();
	sm_app_opts o = {
		.db_path = c->db, .config_path = c->config,
		.mode = k->store == CLI_CREATE ? SM_OPEN_CREATE : SM_OPEN_EXISTING,
		.login = login,
	};
	sm_status st = sm_app_open(&o, &c->app, c->warn, c->err);
	cli_print_problems(c, c->warn);
	if (st != SM_OK || k->store == CLI_CREATE) {
		free(login);
		return st != SM_OK ? cli_fail(c, st) : 0;
	}
	st = sm_app_login(c->app, login, c->err);
	free(login);
	if (st != SM_OK)
		return cli_fail(c, st);
	/* check is for cron: it changes nothing and shows only whether the
	 * database and its record hold, so it asks no code; nor does notify
	 * run (cron, a service), which only delivers what others queued, nor
	 * marks check (a timer), whose only changes are the monitor's own */
	return k->fn == cmd_check || k->fn == cmd_notify_run || k->fn == cmd_marks_check ? 0 :
	    second_factor(c);
}

int
main(int argc, char **argv)
{
	cli c = {0};
	int opt, rc;
	const char *localedir = secure_getenv("SITEMARK_LOCALEDIR");

	sm_priv_init(); /* set-group-id: what it creates is 0660 at most */
	setlocale(LC_ALL, "");
	bindtextdomain("sitemark", localedir && *localedir ? localedir : LOCALEDIR);
	textdomain("sitemark");

	/* a selector or filter given twice would keep only its last value:
	 * refused, so that --case 7 --case 27 does not check 27 alone */
#define ONCE(field, name) do { \
	if (c.field != NULL) \
		return cli_usage_error(_("option '%s' is given more than once: give it once"), name); \
	c.field = optarg; \
} while (0)
	opterr = 0; /* say it ourselves, neutralised */
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (opt) {
		/* an empty --db (a script's unset variable) is no database: not
		 * the configured one, which may be production's */
		case OPT_DB:
			if (*optarg == '\0')
				return cli_usage_error("%s", _("--db is empty: name the database file"));
			c.db = optarg;
			break;
		case OPT_CONFIG:
			if (*optarg == '\0')
				return cli_usage_error("%s", _("--config is empty: name the configuration file"));
			c.config = optarg;
			break;
		case OPT_AS: c.as = optarg; break;
		case OPT_TOTP: c.totp = optarg; break;
		case OPT_JSON: c.json = true; break;
		case OPT_VALUES: c.values = optarg; break;
		case OPT_REASON: c.reason = optarg; break;
		case OPT_LOGIN: c.login = optarg; break;
		case OPT_ROLE: c.role = optarg; break;
		case OPT_OFFICE: ONCE(office, "--office"); break;
		case OPT_UNIT: ONCE(unit, "--unit"); break;
		case OPT_NAME: c.name = optarg; break;
		case OPT_MOBILE: c.mobile = optarg; break;
		case OPT_EMAIL: c.email = optarg; break;
		case OPT_STATE: ONCE(state, "--state"); break;
		case OPT_KIND: ONCE(kind, "--kind"); break;
		case OPT_QUEUE: c.queue = true; break;
		case OPT_DEMO: c.demo = true; break;
		case OPT_TEXT: ONCE(text, "--text"); break;
		case OPT_REQUEST: c.request_id = optarg; break;
		case OPT_CASE: ONCE(case_id, "--case"); break;
		case OPT_USER: ONCE(user, "--user"); break;
		case OPT_ACTION: ONCE(action, "--action"); break;
		case OPT_SINCE: ONCE(since, "--since"); break;
		case OPT_ANCHORS: c.anchors = optarg; break;
		case OPT_FORCE: c.force = true; break;
		case OPT_COPIES: c.copies = optarg; break;
		case OPT_OUT: c.out = optarg; break;
		case OPT_PRINTER: c.printer = optarg; break;
		case OPT_DAEMON: c.daemon = true; break;
		case OPT_MAIL: c.mail = true; break;
		case OPT_RESOLVE:
			if (c.resolve == NULL && (c.resolve = calloc((size_t)argc, sizeof(char *))) == NULL)
				return 1;
			c.resolve[c.n_resolve++] = optarg;
			break;
		case OPT_DRY_RUN: c.dry_run = true; break;
		case OPT_CSV: c.csv = true; break;
		case OPT_NO_COLOR: c.tui.no_color = true; break;
		case OPT_ASCII: c.tui.ascii = true; break;
		case OPT_REVERSE_CURSOR: c.tui.reverse_cursor = true; break;
		case OPT_SCRIPT: c.tui.script = optarg; break;
		case OPT_SCRIPT_OUTPUT: c.tui.output = optarg; break;
		case OPT_EXPECT: {
			char *end = NULL;
			errno = 0;
			long long v = strtoll(optarg, &end, 10);
			if (end == optarg || *end != '\0' || v < 1 || errno == ERANGE)
				return cli_usage_error(_("--expect-version takes a positive whole number"));
			c.expect_version = v;
			break;
		}
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("sitemark %s\n", PACKAGE_VERSION);
			return 0;
		case ':':
			return cli_usage_error(_("option '%s' needs a value"), argv[optind - 1]);
		default:
			if (optopt > 0 && optopt < 256)
				return cli_usage_error(_("unknown option '-%c'"), optopt);
			return cli_usage_error(_("unknown option '%s'"), argv[optind - 1]);
		}
	}
	if (c.as && privileged())
		return cli_usage_error(_("--as is refused: sitemark runs with privileges you do not have"));
	if (c.db && privileged())
		return cli_usage_error("%s", _("--db is refused: sitemark runs with privileges you do not have; the database is the installed one (or the database of /etc/sitemark/sitemark.yaml)"));
	/* SITEMARK_DB set but empty (a script's unset variable) names no
	 * database: not the configured one, which may be production's */
	const char *env_db = getenv("SITEMARK_DB");
	if (c.db == NULL && env_db != NULL && *env_db == '\0' && !privileged())
		return cli_usage_error("%s", _("SITEMARK_DB is set but empty: name the database file, or unset it"));
	if ((c.err = sm_err_new()) == NULL || (c.warn = sm_err_new()) == NULL) {
		fprintf(stderr, "sitemark: %s\n", _("out of memory"));
		return 1;
	}
	if (optind >= argc) {
		rc = run_console(&c);
		goto out;
	}
	int consumed = 0;
	const cli_command *k = find_command(argv + optind, argc - optind, &consumed);
	if (k == NULL) {
		/* "case frob": the first word is a command, the second not one of its */
		bool group = false;
		for (const cli_command *g = cli_commands; g->word1; g++)
			group |= g->word2 != NULL && strcmp(g->word1, argv[optind]) == 0;
		if (group && optind + 1 < argc)
			rc = cli_usage_error(_("unknown command '%s %s'"), argv[optind], argv[optind + 1]);
		else if (group)
			rc = cli_usage_error(_("'%s' needs a second word (sitemark --help lists them)"),
			    argv[optind]);
		else
			rc = cli_usage_error(_("unknown command '%s'"), argv[optind]);
		goto out;
	}
	c.args = argv + optind + consumed;
	c.nargs = argc - optind - consumed;
	if (c.nargs < k->min_args || c.nargs > k->max_args) {
		rc = cli_usage_error(_("usage: sitemark %s"), _(k->usage));
		goto out;
	}
	/* only a transition is made at most once under the caller's request
	 * id: elsewhere the option would be ignored, and a script trusting it
	 * would make a change twice */
	if (c.request_id && k->fn != cmd_case_act) {
		rc = cli_usage_error("%s", _("--request-id applies to case act only"));
		goto out;
	}
	/* files the caller names are not opened with privileges the caller lacks */
	if (privileged() && (c.anchors || k->fn == cmd_backup || k->fn == cmd_restore)) {
		rc = cli_usage_error("%s", _("--anchors, backup and restore are refused: sitemark runs with privileges you do not have; run them as the database's owner (a member of its group)"));
		goto out;
	}
	/* a command without the store needs no privileges: drop them for good
	 * (forms check reads files the caller names) */
	if (k->store == CLI_NO_STORE && privileged() &&
	    (setresgid(getgid(), getgid(), getgid()) != 0 ||
	     setresuid(getuid(), getuid(), getuid()) != 0)) {
		rc = cli_usage_error("%s", _("cannot drop privileges"));
		goto out;
	}
	if (k->store != CLI_NO_STORE && (rc = open_session(&c, k)) != 0)
		goto out;
	rc = k->fn(&c);
out:
	sm_app_close(&c.app);
	sm_err_free(&c.err);
	sm_err_free(&c.warn);
	free(c.resolve);
	if (fflush(stdout) != 0 && rc == 0) {
		/* what the command did stands (a draft made, a case moved): said,
		 * so that a script does not make it again */
		fprintf(stderr, _("sitemark: the command was done, but what it prints could not be written (standard output: %s): do not run it again, look (e.g. case list)\n"),
		    strerror(errno));
		rc = 1;
	}
	return rc;
}
