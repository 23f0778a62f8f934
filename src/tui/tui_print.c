/* tui_print.c - 打印申请函 / 打印申请表: the console's print of a case's
 * letter or form.  A small choice of where the paper goes (the configured
 * printer, a file under print.directory), the number of copies, then where
 * it went.  The work is sm_print_run's, the same as `sitemark print`. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_i18n.h"
#include "sm_print.h"
#include "sm_workflow.h"
#include "tui.h"

/* Whether the view offers ACT (print the letter or the form) on case C. */
bool
tui_print_offers(tui *t, const sm_case *c, enum tui_act act)
{
	return (act == A_PRINT_LETTER || act == A_PRINT_FORM) && sm_case_may_print(t->app, c);
}

int
tui_print_case(tui *t, const sm_case *c, enum tui_act act)
{
	sm_doc_kind kind = act == A_PRINT_FORM ? SM_DOC_FORM : SM_DOC_LETTER;
	sm_err *err = sm_err_new();
	if (err == NULL)
		return TUI_DRAW;
	if (c == NULL || sm_print_check(t->app, c, err) != SM_OK) {
		if (c == NULL)
			tui_msg(t, true, "%s", _("No case is selected."));
		else
			tui_msg_err(t, err);
		sm_err_free(&err);
		return TUI_DRAW;
	}
	int64_t id = c->id; /* by value: the popups redraw, which may read the list again */
	sm_print_dest dests[SM_PRINT_DEST_COUNT];
	size_t n = sm_print_destinations(t->app, dests, SM_PRINT_DEST_COUNT);
	char text[SM_PRINT_DEST_COUNT][320], title[160];
	const char *labels[SM_PRINT_DEST_COUNT];
	char *dir = sm_print_directory(t->app);
	char *shown = dir ? sm_print_shown_path(dir) : NULL;
	for (size_t i = 0; i < n; i++) {
		if (dests[i] == SM_PRINT_PRINTER)
			snprintf(text[i], sizeof(text[i]), _("Printer %s"), t->app->cfg->print_printer);
		else if (dests[i] == SM_PRINT_MAIL)
			snprintf(text[i], sizeof(text[i]), "%s", _("E-mail the PDF to the unit's contact"));
		else
			snprintf(text[i], sizeof(text[i]), _("Save as PDF in %s"), shown ? shown : "?");
		labels[i] = text[i];
	}
	free(dir);
	free(shown);
	snprintf(title, sizeof(title), _("Print the %s of case %lld to:"), sm_doc_kind_label(kind),
	    (long long)id);
	int k = tui_choose(t, title, labels, n, 0);
	if (k < 0) {
		sm_err_free(&err);
		return TUI_DRAW;
	}
	/* the form goes in triplicate (一式三份) unless the user says otherwise */
	char *answer = tui_prompt(t, _("Copies (1-10):"), kind == SM_DOC_FORM ? "3" : "1");
	char *end = NULL;
	long copies = answer ? strtol(answer, &end, 10) : 0;
	if (answer == NULL) {
		sm_err_free(&err);
		return TUI_DRAW;
	}
	if (end == answer || *end != '\0' || copies < 1 || copies > SM_PRINT_MAX_COPIES) {
		tui_msg(t, true, _("The number of copies is from 1 to %d."), SM_PRINT_MAX_COPIES);
		free(answer);
		sm_err_free(&err);
		return TUI_DRAW;
	}
	free(answer);
	sm_print_job job = {.case_id = id, .kind = kind, .copies = (int)copies, .dest = dests[k]};
	sm_print_result res;
	if (sm_print_run(t->app, &job, &res, err) != SM_OK && res.printer_error)
		/* where the PDF is kept first: the status line may cut the rest */
		tui_msg(t, true, _("The PDF is kept in %s: the printer %s did not take the job (%s)."),
		    res.shown, res.printer, res.printer_error);
	else if (sm_err_count(err) > 0)
		tui_msg_err(t, err);
	else if (res.mailed)
		tui_msg(t, false, _("The %s (copies: %ld) is queued by e-mail to the unit's contact."),
		    sm_doc_kind_label(kind), copies);
	else if (res.printed)
		tui_msg(t, false, _("The %s (copies: %ld) went to the printer %s; the PDF is also in %s."),
		    sm_doc_kind_label(kind), copies, res.printer, res.shown);
	else
		tui_msg(t, false, _("The %s (copies: %ld) is saved in %s."), sm_doc_kind_label(kind),
		    copies, res.shown);
	if (sm_err_count(err) == 0 && res.missing_glyphs > 0) {
		/* said after where it went, on the wrapped message lines */
		size_t used = strlen(t->message);
		snprintf(t->message + used, sizeof(t->message) - used, " %s", dngettext("sitemark",
		    "One character is in no installed font and prints as a box.",
		    "Some characters are in no installed font and print as boxes.", res.missing_glyphs));
		t->message_error = true;
	}
	sm_print_result_clear(&res);
	sm_err_free(&err);
	return TUI_DRAW | TUI_RELOAD;
}
