/* sm_print.h - one print of a case's letter or form, for the command line
 * (`sitemark print`) and the console (打印申请函 / 打印申请表) alike.
 *
 * The core assembles the document and decides who may print it (sm_doc.h,
 * sm_print_check in sm_workflow.h); this module renders it (sm_render.h),
 * writes the file with the caller's own identity, records the print in the
 * audit log (who, what, copies, where) and hands the PDF to CUPS with
 * `lp -d PRINTER -n COPIES`.  A printer that is missing or refuses the job
 * leaves the PDF where it was written and says so.
 *
 * Where the paper goes (sm_print_dest): a printer (print.printer, or one the
 * user names), or a file under print.directory (default ~/sitemark-print),
 * which a user over SSH fetches with scp or sftp.  A third destination, the
 * PDF e-mailed to the unit's contact, is a new value of sm_print_dest, its
 * entry in sm_print_destinations() and its branch in sm_print_run() (the
 * file is written and audited first, as for the others). */
#ifndef SM_PRINT_H
#define SM_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_app.h"
#include "sm_doc.h"
#include "sm_err.h"

typedef enum sm_print_dest {
	SM_PRINT_DIRECTORY,   /* a file under print.directory */
	SM_PRINT_PRINTER,     /* a CUPS printer through lp */
	SM_PRINT_MAIL,        /* e-mailed to the unit's contact (smtp.url set): the
	                       * PDF kept in the store with its notice, for the
	                       * sender (no file; not with OUT) */
	SM_PRINT_DEST_COUNT
} sm_print_dest;

/* The destinations the configuration offers, the printer first when one
 * is configured; returns how many (at least the directory). */
size_t sm_print_destinations(const sm_app *app, sm_print_dest *out, size_t max);
/* The directory of saved prints: print.directory, else ~/sitemark-print
 * (malloc'd). */
char *sm_print_directory(const sm_app *app);
/* PATH as shown to the user: "~/..." under the home directory (malloc'd). */
char *sm_print_shown_path(const char *path);
/* Whether NAME may be given to lp as a printer (CUPS: printable, no space,
 * '/' or '#'; not an option); else the reason (a msgid). */
const char *sm_print_printer_check(const char *name);

typedef struct sm_print_job {
	int64_t case_id;
	sm_doc_kind kind;
	int copies;           /* 1 .. SM_PRINT_MAX_COPIES */
	sm_print_dest dest;
	const char *out;      /* a file the user named (.pdf or .txt), or NULL: a
	                       * new file under the directory */
	const char *printer;  /* SM_PRINT_PRINTER: NULL for print.printer */
} sm_print_job;

typedef struct sm_print_result {
	char *file;           /* where the file is, kept; mailed: the attachment's name */
	char *shown;          /* the same as the user is shown it (~/...) */
	char *printer;        /* the printer it was sent to, or NULL */
	bool printed;         /* lp took the job */
	bool mailed;          /* queued for the unit's contact (SM_PRINT_MAIL) */
	char *printer_error;  /* else what lp said (neutralised), the file kept */
	int pages;            /* of the PDF */
	int missing_glyphs;   /* its characters no installed font has (boxes) */
} sm_print_result;

/* Print JOB: build the document (refused unless the rule allows), write
 * it, audit it, and send it to the printer when that is the destination.
 * A printer that fails: SM_E_IO with lp's words and where the PDF is kept
 * (RES->file is set then too). */
sm_status sm_print_run(sm_app *app, const sm_print_job *job, sm_print_result *res,
                       sm_err *err);
void sm_print_result_clear(sm_print_result *res);

#endif
