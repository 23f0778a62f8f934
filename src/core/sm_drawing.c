/* sm_drawing.c - see sm_drawing.h. */
#include <config.h>

#include "sm_drawing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "sm_i18n.h"
#include "sm_priv.h"
#include "sm_text.h"

extern char **environ;

const char *
sm_drawing_helper(void)
{
	/* the build tree's helper for make check: never when privileged */
	const char *p = sm_priv_active() ? NULL : secure_getenv("SITEMARK_RENDER");
	return p != NULL && *p != '\0' ? p : PKGLIBEXECDIR "/sitemark-render";
}

/* The whole of FD (a memfd, read from its start), malloc'd and
 * NUL-terminated; NULL when out of memory or unreadable. */
static char *
slurp(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	char *buf = malloc((size_t)end + 1);
	size_t got = 0;
	while (buf != NULL && got < (size_t)end) {
		ssize_t k = read(fd, buf + got, (size_t)end - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			free(buf);
			return NULL;
		}
		got += (size_t)k;
	}
	if (buf != NULL) {
		buf[got] = '\0';
		if (len)
			*len = got;
	}
	return buf;
}

static sm_status
cannot_run(sm_err *err, const char *helper, int e)
{
	return sm_err_add(err, SM_E_IO, NULL, _("cannot run the drawing helper %s: %s"), helper,
	    strerror(e ? e : EIO));
}

/* Run the helper on REQUEST; its drawing in *OUT (malloc'd, *LEN bytes)
 * and its report in *REPORT. */
static sm_status
run(const json_t *request, char **out, size_t *len, json_t **report, sm_err *err)
{
	const char *helper = sm_drawing_helper();
	int fd[4] = {-1, -1, -1, -1};
	sm_status st = SM_OK;
	*out = NULL;
	*report = NULL;
	for (int i = 0; i < 4; i++)
		if ((fd[i] = memfd_create("sitemark-render", MFD_CLOEXEC)) < 0) {
			st = cannot_run(err, helper, errno);
			goto out;
		}
	if (json_dumpfd(request, fd[0], JSON_COMPACT) != 0 || lseek(fd[0], 0, SEEK_SET) != 0) {
		st = cannot_run(err, helper, errno);
		goto out;
	}
	pid_t pid = fork();
	if (pid < 0) {
		st = cannot_run(err, helper, errno);
		goto out;
	}
	if (pid == 0) {
		/* never the program's group in another program, nor its files */
		if (sm_priv_active() && (setresgid(getgid(), getgid(), getgid()) != 0 ||
		    setresuid(getuid(), getuid(), getuid()) != 0))
			_exit(126);
		/* created in order, the memfds never lie below a number the
		 * ones before them were placed on; one already in place keeps
		 * its close-on-exec flag through dup2, so it is cleared */
		for (int i = 0; i < 4; i++)
			if (fd[i] == i ? fcntl(i, F_SETFD, 0) != 0 : dup2(fd[i], i) != i)
				_exit(126);
		if (close_range(4, ~0U, 0) != 0)
			for (int i = 4; i < 1024; i++)
				close(i);
		char *argv[] = {(char *)"sitemark-render", NULL};
		execve(helper, argv, environ);
		dprintf(STDERR_FILENO, "%s: %s\n", helper, strerror(errno));
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	char *rep = slurp(fd[3], NULL);
	*report = rep ? json_loads(rep, 0, NULL) : NULL;
	free(rep);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && *report != NULL) {
		if ((*out = slurp(fd[1], len)) == NULL)
			st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	/* what the helper said, else its libraries' last words */
	json_t *m, *msgs = json_object_get(*report, "messages");
	size_t k;
	json_int_t s = json_integer_value(json_object_get(*report, "status"));
	json_array_foreach(msgs, k, m) {
		char *safe = sm_text_neutralise(json_string_value(m) ? json_string_value(m) : "",
		    (size_t)-1, false);
		st = sm_err_add(err, s > SM_OK && s <= SM_E_NOMEM ? (sm_status)s : SM_E_IO, NULL,
		    "%s", safe ? safe : "");
		free(safe);
	}
	if (st == SM_OK) {
		char *diag = slurp(fd[2], NULL), why[512];
		size_t n = diag ? strcspn(diag, "\n") : 0;
		if (n > 0)
			snprintf(why, sizeof(why), "%.*s", (int)(n < 400 ? n : 400), diag);
		else
			snprintf(why, sizeof(why), WIFEXITED(status) ? "exit status %d" : "signal %d",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		free(diag);
		char *safe = sm_text_neutralise(why, (size_t)-1, false);
		st = sm_err_add(err, SM_E_IO, NULL, _("the drawing helper %s failed: %s"), helper,
		    safe ? safe : "");
		free(safe);
	}
out:
	for (int i = 0; i < 4; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	if (st != SM_OK) {
		json_decref(*report);
		*report = NULL;
	}
	return st;
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* DOC as the request's "doc" (sm_drawing.h). */
static json_t *
doc_json(const sm_doc *doc)
{
	json_t *blocks = json_array(), *labels = json_null();
	for (size_t i = 0; blocks && i < doc->n_blocks; i++) {
		const sm_doc_block *b = &doc->blocks[i];
		json_array_append_new(blocks, json_pack("{s:i, s:o, s:o, s:o, s:i}", "type", (int)b->type,
		    "label", str_or_null(b->label), "text", str_or_null(b->text),
		    "note", str_or_null(b->note), "lines", b->lines));
	}
	if (doc->copy_labels) {
		labels = json_array();
		for (int c = 0; labels && c < doc->copies; c++)
			json_array_append_new(labels, str_or_null(doc->copy_labels[c]));
	}
	return json_pack("{s:i, s:I, s:o, s:o, s:i, s:o, s:o}", "kind", (int)doc->kind,
	    "case_id", (json_int_t)doc->case_id, "title", str_or_null(doc->title),
	    "author", str_or_null(doc->author), "copies", doc->copies, "copy_labels", labels,
	    "blocks", blocks);
}

sm_status
sm_draw_pdf(const sm_doc *doc, const char *title_font, const char *body_font, FILE *out,
            int *pages, int *missing, sm_err *err)
{
	json_t *req = json_pack("{s:s, s:o, s:o, s:o}", "draw", "pdf",
	    "title_font", str_or_null(title_font), "body_font", str_or_null(body_font),
	    "doc", doc_json(doc));
	if (req == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	char *pdf = NULL;
	size_t len = 0;
	json_t *report = NULL;
	sm_status st = run(req, &pdf, &len, &report, err);
	json_decref(req);
	if (st == SM_OK && fwrite(pdf, 1, len, out) != len)
		st = sm_err_add(err, SM_E_IO, NULL, _("cannot write the PDF: %s"),
		    strerror(errno ? errno : EIO));
	if (st == SM_OK && pages)
		*pages = (int)json_integer_value(json_object_get(report, "pages"));
	if (st == SM_OK && missing)
		*missing = (int)json_integer_value(json_object_get(report, "missing_glyphs"));
	free(pdf);
	json_decref(report);
	return st;
}

sm_status
sm_draw_badge(bool red, bool valid, char **png, size_t *len, sm_err *err)
{
	json_t *req = json_pack("{s:s, s:b, s:b}", "draw", "badge", "red", red, "valid", valid);
	if (req == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	json_t *report = NULL;
	sm_status st = run(req, png, len, &report, err);
	json_decref(req);
	json_decref(report);
	return st;
}
