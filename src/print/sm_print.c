/* sm_print.c - one print: document, file, audit record, printer
 * (sm_print.h). */
#include <config.h>

#include "sm_print.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sm_i18n.h"
#include "sm_priv.h"
#include "sm_drawing.h"
#include "sm_render.h"
#include "sm_text.h"
#include "sm_workflow.h"

size_t
sm_print_destinations(const sm_app *app, sm_print_dest *out, size_t max)
{
	size_t n = 0;
	if (n < max && app->cfg->print_printer)
		out[n++] = SM_PRINT_PRINTER;
	if (n < max)
		out[n++] = SM_PRINT_DIRECTORY;
	if (n < max && app->cfg->smtp_url)
		out[n++] = SM_PRINT_MAIL;
	return n;
}

char *
sm_print_directory(const sm_app *app)
{
	char *dir = NULL;
	if (app->cfg->print_directory)
		return strdup(app->cfg->print_directory);
	const char *home = getenv("HOME");
	if (asprintf(&dir, "%s/sitemark-print", home && *home ? home : ".") < 0)
		return NULL;
	return dir;
}

char *
sm_print_shown_path(const char *path)
{
	const char *home = getenv("HOME");
	size_t n = home ? strlen(home) : 0;
	char *r = NULL;
	while (n > 1 && home[n - 1] == '/')
		n--;
	if (n > 1 && strncmp(path, home, n) == 0 && path[n] == '/') {
		if (asprintf(&r, "~%s", path + n) < 0)
			return NULL;
		return r;
	}
	return strdup(path);
}

const char *
sm_print_printer_check(const char *name)
{
	if (name == NULL || *name == '\0')
		return N_("the printer's name is empty");
	if (*name == '-')
		return N_("a printer's name does not start with '-'");
	if (strlen(name) > 127)
		return N_("the printer's name is too long");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '/' || *p == '#')
			return N_("a printer's name has no spaces, control characters, '/' or '#'");
	if (!sm_text_valid_utf8(name, (size_t)-1) || !sm_text_is_clean(name, false))
		return N_("a printer's name has no spaces, control characters, '/' or '#'");
	return NULL;
}

/* Whether PATH ends in SUFFIX, whatever the case. */
static bool
ends_with(const char *path, const char *suffix)
{
	size_t n = strlen(path), k = strlen(suffix);
	return n > k && strcasecmp(path + n - k, suffix) == 0;
}

/* A new file under DIR for the job: case-ID-KIND.pdf, or -2, -3 ... when
 * taken (a print never overwrites another).  Created with the caller's
 * identity; *PATH malloc'd. */
static FILE *
new_file(const char *dir, const sm_print_job *job, char **path, sm_err *err)
{
	sm_priv_saved saved;
	if (sm_priv_lower(&saved) != 0) {
		sm_err_add(err, SM_E_IO, NULL, _("cannot drop privileges"));
		return NULL;
	}
	/* the directory is made when missing (its parent must exist) */
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		sm_err_add(err, SM_E_IO, NULL, _("%s: cannot make the directory: %s"), dir,
		    strerror(errno));
		sm_priv_raise(&saved);
		return NULL;
	}
	FILE *f = NULL;
	for (int i = 1; f == NULL && i < 1000; i++) {
		char suffix[16] = "";
		if (i > 1)
			snprintf(suffix, sizeof(suffix), "-%d", i);
		free(*path);
		*path = NULL;
		if (asprintf(path, "%s/case-%lld-%s%s.pdf", dir, (long long)job->case_id,
		    sm_doc_kind_name(job->kind), suffix) < 0) {
			*path = NULL;
			sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
			break;
		}
		int fd = open(*path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0) {
			if ((f = fdopen(fd, "w")) == NULL)
				close(fd);
		} else if (errno != EEXIST) {
			sm_err_add(err, SM_E_IO, NULL, _("%s: cannot write: %s"), *path, strerror(errno));
			break;
		}
	}
	if (f == NULL && sm_err_count(err) == 0)
		sm_err_add(err, SM_E_IO, NULL, _("%s: no free name for the file"), dir);
	sm_priv_raise(&saved);
	return f;
}

/* Send FILE to PRINTER: lp -d PRINTER -n COPIES -t TITLE -- FILE, run with
 * the caller's own identity, its words captured.  NULL when it took the
 * job, else what went wrong (malloc'd). */
static char *
send_lp(const char *printer, int copies, const char *title, const char *file)
{
	int fds[2];
	char n[16], *why = NULL;
	snprintf(n, sizeof(n), "%d", copies);
	if (pipe(fds) != 0)
		return strdup(strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return strdup(strerror(errno));
	}
	if (pid == 0) {
		/* never the program's group in another program */
		if (sm_priv_active() && (setresgid(getgid(), getgid(), getgid()) != 0 ||
		    setresuid(getuid(), getuid(), getuid()) != 0))
			_exit(126);
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		execlp("lp", "lp", "-d", printer, "-n", n, "-t", title, "--", file, (char *)NULL);
		dprintf(STDERR_FILENO, "lp: %s", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	char buf[2048];
	size_t got = 0;
	ssize_t k;
	while ((k = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0 ||
	    (k < 0 && errno == EINTR))
		if (k > 0 && (got += (size_t)k) >= sizeof(buf) - 1)
			break;
	close(fds[0]);
	buf[got] = '\0';
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return NULL;
	/* lp's words, one line, neutralised: they reach a terminal */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	sm_text_trim(buf);
	if (*buf == '\0')
		snprintf(buf, sizeof(buf), WIFEXITED(status) ? "exit status %d" : "signal %d",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	why = sm_text_neutralise(buf, (size_t)-1, false);
	return why;
}

sm_status
sm_print_run(sm_app *app, const sm_print_job *job, sm_print_result *res, sm_err *err)
{
	sm_doc doc;
	sm_status st;
	const char *printer = NULL;
	bool text = job->out && ends_with(job->out, ".txt");

	memset(res, 0, sizeof(*res));
	if (job->out && !text && !ends_with(job->out, ".pdf"))
		return sm_err_add(err, SM_E_USAGE, "out", _("the file's name ends in .pdf or .txt"));
	if (job->dest == SM_PRINT_MAIL && job->out)
		return sm_err_add(err, SM_E_USAGE, "out", "%s", _("--mail takes neither --out nor --printer"));
	/* as the console offers mail only then (sm_print_destinations): a
	 * letter queued with no way to send it would wait for ever */
	if (job->dest == SM_PRINT_MAIL && app->cfg->smtp_url == NULL)
		return sm_err_add(err, SM_E_INVALID, "mail", "%s",
		    _("e-mail is not configured (smtp.url): nothing was queued; print it to a file (--out) or on paper, or ask the administrator to set smtp.url"));
	if (job->dest == SM_PRINT_PRINTER) {
		printer = job->printer ? job->printer : app->cfg->print_printer;
		if (printer == NULL)
			return sm_err_add(err, SM_E_USAGE, "printer",
			    _("no printer is configured (print.printer): name one with --printer"));
		const char *why = sm_print_printer_check(printer);
		if (why)
			return sm_err_add(err, SM_E_USAGE, "printer", "%s", _(why));
	}
	/* the letter's copies are the same: the printer makes them (lp -n);
	 * the form's are marked (第一联 ...), so each is in the document */
	bool lp_copies = printer && job->kind == SM_DOC_LETTER;
	if ((st = sm_doc_build(app, job->case_id, job->kind, lp_copies ? 1 : job->copies, &doc,
	    err)) != SM_OK)
		return st;

	FILE *f = NULL;
	bool mail = job->dest == SM_PRINT_MAIL;
	char *pdf = NULL; /* mail: the PDF, kept in the store with its e-mail */
	size_t pdf_len = 0;
	if (mail) {
		/* the same on either backend: no file, the bytes go with the notice */
		if ((f = open_memstream(&pdf, &pdf_len)) == NULL ||
		    asprintf(&res->file, "case-%lld-%s.pdf", (long long)job->case_id,
		        sm_doc_kind_name(job->kind)) < 0) {
			res->file = NULL;
			st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		}
	} else if (job->out) {
		f = sm_priv_fopen(job->out, "w");
		if (f == NULL)
			st = sm_err_add(err, SM_E_IO, NULL, _("%s: cannot write: %s"), job->out,
			    strerror(errno));
		else if ((res->file = strdup(job->out)) == NULL)
			st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	} else {
		char *dir = sm_print_directory(app);
		if (dir == NULL)
			st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		else if ((f = new_file(dir, job, &res->file, err)) == NULL)
			st = sm_err_status(err) != SM_OK ? sm_err_status(err) : SM_E_IO;
		free(dir);
	}
	if (st == SM_OK) {
		/* the PDF is drawn by the helper sitemark-render (sm_drawing.h) */
		st = text ? sm_render_text(&doc, f, err) : sm_draw_pdf(&doc, app->cfg->print_title_font,
		    app->cfg->print_body_font, f, &res->pages, &res->missing_glyphs, err);
	}
	if (f && fclose(f) != 0 && st == SM_OK)
		st = sm_err_add(err, SM_E_IO, NULL, _("%s: cannot write: %s"), res->file,
		    strerror(errno));
	sm_doc_clear(&doc);
	/* refused before it is audited as printed */
	if (st == SM_OK && mail && pdf_len > sm_mail_attachment_max(app))
		st = sm_err_add(err, SM_E_INVALID, NULL,
		    _("the PDF is %zu KB: too large to be e-mailed from this store (at most %zu KB); print it to a file (--out) and send it, or print on paper"),
		    (pdf_len + 1023) / 1024, sm_mail_attachment_max(app) / 1024);

	/* audited before any paper leaves: who, what, how many, where */
	if (st == SM_OK) {
		sm_print_note note = {sm_doc_kind_name(job->kind), job->copies, text ? "txt" : "pdf",
		    res->file, printer};
		st = sm_case_print_audit(app, job->case_id, &note, err);
	}
	if (st != SM_OK) {
		/* nothing printed that is not recorded */
		free(pdf);
		if (res->file && !mail) {
			sm_priv_saved saved;
			if (sm_priv_lower(&saved) == 0) {
				unlink(res->file);
				sm_priv_raise(&saved);
			}
		}
		sm_print_result_clear(res);
		return st;
	}
	res->shown = sm_print_shown_path(res->file);
	if (job->dest == SM_PRINT_MAIL) {
		char subject[256], body[1024];
		snprintf(subject, sizeof(subject), _("The %s of application %lld, to print and seal"),
		    sm_doc_kind_label(job->kind), (long long)job->case_id);
		snprintf(body, sizeof(body),
		    _("Attached is the %s of your application %lld as a PDF. Print it (%d copies), seal it and send it by post to your establishment office, with the other papers the application asks for.\n"),
		    sm_doc_kind_label(job->kind), (long long)job->case_id, job->copies);
		st = sm_case_queue_mail(app, job->case_id, subject, body, res->file, pdf, pdf_len, err);
		free(pdf);
		if (st != SM_OK)
			return st;
		res->mailed = true;
	}
	if (printer) {
		char title[64];
		snprintf(title, sizeof(title), "sitemark case %lld %s", (long long)job->case_id,
		    sm_doc_kind_name(job->kind));
		res->printer = strdup(printer);
		char *why = send_lp(printer, lp_copies ? job->copies : 1, title, res->file);
		if (why) {
			sm_err_add(err, SM_E_IO, "printer",
			    _("the printer %s did not take the job (%s); the PDF is kept in %s"), printer,
			    why, res->shown ? res->shown : res->file);
			res->printer_error = why;
			return SM_E_IO;
		}
		res->printed = true;
	}
	return SM_OK;
}

void
sm_print_result_clear(sm_print_result *res)
{
	free(res->file);
	free(res->shown);
	free(res->printer);
	free(res->printer_error);
	memset(res, 0, sizeof(*res));
}
