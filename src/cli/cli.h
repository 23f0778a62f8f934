/* cli.h - the command line: parsed options, the commands, and output. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "sm_app.h"
#include "sm_err.h"
#include "sm_view.h"
#include "tui.h"

typedef struct cli {
	/* global options */
	const char *db;
	const char *config;
	const char *as;
	bool json;
	const char *totp;      /* --totp CODE: the second factor */
	/* command options */
	const char *values;
	const char *reason;
	const char *login;
	const char *role;
	const char *office;
	const char *unit;
	const char *name;
	const char *mobile;
	const char *email;
	const char *state;
	const char *kind;
	const char *text;
	const char *request_id;
	const char *case_id;   /* audit show --case */
	const char *user;      /* audit show --user */
	const char *action;    /* audit show --action */
	const char *since;     /* audit show --since */
	const char *anchors;   /* audit verify, check --anchors */
	bool force;            /* restore --force */
	const char *copies;    /* print --copies N */
	const char *out;       /* print --out FILE */
	const char *printer;   /* print --printer NAME */
	bool mail;             /* print --mail */
	bool daemon;           /* notify run --daemon */
	const char **resolve;  /* marks check --resolve HOST:PORT:ADDR (repeated) */
	int n_resolve;
	bool dry_run;          /* marks check --dry-run */
	bool csv;              /* marks report --csv */
	int64_t expect_version;
	bool queue;
	bool demo;
	tui_opts tui;
	/* positional words after the command */
	char **args;
	int nargs;
	/* the session, once opened */
	sm_app *app;
	sm_err *err;
	sm_err *warn;
} cli;

typedef int (*cli_fn)(cli *c);

/* A command: its words ("case", "act"), how many arguments it takes, whether
 * it opens the store and logs in, and its usage line (an English msgid). */
typedef struct cli_command {
	const char *word1;
	const char *word2;
	int min_args, max_args;
	enum { CLI_NO_STORE, CLI_STORE, CLI_CREATE } store;
	cli_fn fn;
	const char *usage;
} cli_command;

extern const cli_command cli_commands[];

/* Output (cli_out.c). */
void cli_print_problems(const cli *c, const sm_err *err);
int cli_fail(cli *c, sm_status status);
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print S neutralised (no control bytes from data reach the terminal). */
void cli_put(const char *s);
void cli_putln(const char *s);
void cli_print_json(const json_t *v);
/* A case as JSON: DAYS_OVER and M (may be NULL) for lists; V, the whole
 * view, adds history, notices, notes and actions (case show). */
json_t *cli_case_json(const sm_case *cs, int days_over, const sm_mark *m, const sm_case_view *v);
void cli_print_case(cli *c, const sm_case_view *v);
void cli_print_case_list(cli *c, const sm_case_page *p);
json_t *cli_mark_json(const sm_mark *m);
/* "  label              value", the value neutralised; a value of several
 * lines on lines of its own under the first. */
void cli_print_field(const char *lbl, const char *value);
/* The mark monitor's check of a mark (cmd_marks.c): as JSON, and one page
 * as two lines of text. */
json_t *cli_mark_check_json(const sm_mark_check *mc);
void cli_print_page(const sm_page_result *p);
void cli_print_mark(cli *c, const sm_mark *m);
/* Load a values file into a JSON object; prints problems and returns NULL. */
json_t *cli_load_values(cli *c, const char *path);
/* Refuse an unknown word (WHAT is "kind", "state", "action" or "role"),
 * listing the known ones; returns the exit status. */
int cli_bad_word(cli *c, const char *what, const char *word);
/* Parse a positive case or unit id; prints usage and returns -1. */
int64_t cli_parse_id(const char *s, const char *what);

/* Commands. */
int cmd_init(cli *c);
int cmd_office_add(cli *c);
int cmd_user_add(cli *c);
int cmd_user_list(cli *c);
int cmd_unit_register(cli *c);
int cmd_unit_edit(cli *c);
int cmd_unit_list(cli *c);
int cmd_audit_verify(cli *c);
int cmd_audit_show(cli *c);
int cmd_check(cli *c);
int cmd_backup(cli *c);
int cmd_restore(cli *c);
int cmd_store_status(cli *c);
/* What checking the audit log against its anchors found (cmd_guard.c):
 * 0 all holds, else 1. */
int cli_report_audit(const sm_audit_check *a);
int cmd_user_edit(cli *c);
int cmd_user_disable(cli *c);
int cmd_user_enable(cli *c);
int cmd_user_role(cli *c);
int cmd_policy_show(cli *c);
int cmd_policy_set(cli *c);
int cmd_user_lock(cli *c);
int cmd_user_unlock(cli *c);
int cmd_user_totp(cli *c);
int cmd_office_edit(cli *c);
int cmd_office_disable(cli *c);
int cmd_office_enable(cli *c);
int cmd_case_new(cli *c);
int cmd_case_edit(cli *c);
int cmd_case_act(cli *c);
int cmd_case_show(cli *c);
int cmd_case_list(cli *c);
int cmd_case_note(cli *c);
int cmd_mark_show(cli *c);
int cmd_marks_check(cli *c);
int cmd_marks_report(cli *c);
int cmd_unmask(cli *c);
int cmd_forms_check(cli *c);
int cmd_forms_strings(cli *c);
/* print ID letter|form (cmd_print.c) */
int cmd_print(cli *c);
int cmd_notify_run(cli *c);
int cmd_site_export(cli *c);
int cmd_redpage_show(cli *c);
int cmd_redpage_edit(cli *c);
int cmd_redpage_publish(cli *c);

#endif
