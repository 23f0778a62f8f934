/* cmd_print.c - sitemark print ID letter|form [--copies N] [--out FILE]
 * [--printer NAME]: the letter and the form of the paper step
 * (src/print/sm_print.h does the work, the same as the console's). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sm_i18n.h"
#include "sm_print.h"

int
cmd_print(cli *c)
{
	int64_t id = cli_parse_id(c->args[0], _("the case id"));
	if (id < 0)
		return 2;
	sm_doc_kind kind = sm_doc_kind_parse(c->args[1]);
	if (kind == SM_DOC_NONE)
		return cli_usage_error(_("print the letter or the form, not '%s'"), c->args[1]);
	int copies = 1;
	if (c->copies) {
		char *end = NULL;
		errno = 0;
		long v = strtol(c->copies, &end, 10);
		if (end == c->copies || *end != '\0' || errno == ERANGE || v < 1 ||
		    v > SM_PRINT_MAX_COPIES)
			return cli_usage_error(_("--copies takes a whole number from 1 to %d"),
			    SM_PRINT_MAX_COPIES);
		copies = (int)v;
	}
	/* --out FILE: that file (and the printer too when --printer names one);
	 * else the configured printer, else a file under print.directory */
	sm_print_job job = {
		.case_id = id, .kind = kind, .copies = copies, .out = c->out,
		.printer = c->printer,
		.dest = c->printer || (c->out == NULL && c->app->cfg->print_printer) ?
		    SM_PRINT_PRINTER : SM_PRINT_DIRECTORY,
	};
	if (c->mail) {
		if (c->out || c->printer)
			return cli_usage_error("%s", _("--mail takes neither --out nor --printer"));
		job.dest = SM_PRINT_MAIL;
	}
	sm_print_result res;
	sm_status st = sm_print_run(c->app, &job, &res, c->err);
	if (st != SM_OK)
		return cli_fail(c, st);
	if (c->json) {
		json_t *o = json_pack("{s:I, s:s, s:i, s:s, s:s*, s:b}", "case", (json_int_t)id,
		    "document", sm_doc_kind_name(kind), "copies", copies, "file", res.file,
		    "printer", res.printer, "mailed", res.mailed);
		cli_print_json(o);
		json_decref(o);
	} else {
		char *msg = NULL;
		int r = res.mailed ?
		    asprintf(&msg, _("Case %lld: the %s (copies: %d) is queued by e-mail to the unit's contact"),
		    (long long)id, sm_doc_kind_label(kind), copies) :
		    res.printed ?
		    asprintf(&msg, _("Case %lld: the %s (copies: %d) went to the printer %s; the PDF is also in %s"),
		    (long long)id, sm_doc_kind_label(kind), copies, res.printer, res.shown) :
		    asprintf(&msg, _("Case %lld: the %s (copies: %d) is saved in %s"), (long long)id,
		    sm_doc_kind_label(kind), copies, res.shown);
		if (r >= 0) {
			cli_putln(msg); /* the path is the user's, neutralised all the same */
			free(msg);
		}
	}
	if (res.missing_glyphs > 0)
		fprintf(stderr, dngettext("sitemark",
		    "sitemark: %d character of the document is in no installed font and prints as a box with its code: install a font that has it (rare characters of names: fonts-noto-cjk-extra, fonts-hanazono)\n",
		    "sitemark: %d characters of the document are in no installed font and print as boxes with their codes: install a font that has them (rare characters of names: fonts-noto-cjk-extra, fonts-hanazono)\n",
		    res.missing_glyphs), res.missing_glyphs);
	sm_print_result_clear(&res);
	return 0;
}
