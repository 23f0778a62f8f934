/* sm_site.c - the public site (domain.md §6): the mark scripts, the
 * certificate pages, the images and the red pages, written as static files
 * that any web server serves under mark.base_url; and the red pages units
 * edit and publish (网络红页).
 *
 * Everything from a unit reaches a page escaped: HTML-escaped in the pages,
 * and in the scripts HTML-escaped and then written as a JavaScript string
 * whose every character outside plain ASCII letters and digits is a \uXXXX
 * escape (no quote, angle bracket, slash or line terminator survives, and
 * the script reads the same whatever the encoding of the page carrying it).
 * A file is written only when its content changed, through a temporary file
 * renamed over it: a web server never serves half a file. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "sm_draft.h"
#include "sm_drawing.h"
#include "sm_i18n.h"
#include "sm_mark.h"
#include "sm_priv.h"
#include "sm_store.h"
#include "sm_text.h"
#include "sm_view.h"
#include "sm_workflow.h"

/* While an export speaks the site's language (site.language), the
 * failures it reports to the user speak the user's: CALL (an sm_err_add)
 * is made in USER_WORDS.  One export at a time in a process. */
static locale_t site_words, user_words;
static sm_status said;
#define IN_USER_WORDS(call) \
	(site_words != (locale_t)0 ? \
	    (uselocale(user_words), said = (call), uselocale(site_words), said) : (call))

/* ------------------------------------------------------------ escaping */

/* S HTML-escaped onto F: & < > " ' as references; control and invisible
 * characters (bidi controls, zero-width ...) as U+FFFD, so that nothing from
 * data acts on the page.  Line breaks become <br> when BR. */
static void
html_put(FILE *f, const char *s, bool br)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		unsigned int cp;
		size_t n = sm_utf8_decode((const char *)p, strlen((const char *)p), &cp);
		if (n == 0) { /* invalid UTF-8 */
			fputs("\xEF\xBF\xBD", f);
			p++;
			continue;
		}
		switch (cp) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '\n':
			fputs(br ? "<br>\n" : " ", f);
			break;
		default:
			if (cp < 0x20 || cp == 0x7f || sm_text_cp_escaped(cp))
				fputs("\xEF\xBF\xBD", f);
			else
				fwrite(p, 1, n, f);
		}
		p += n;
	}
}

/* S (UTF-8, already HTML) as a double-quoted JavaScript string onto F:
 * printable ASCII as it is but for quotes, backslash, backtick, slash, &, <
 * and >; everything else \uXXXX (UTF-16, surrogate pairs above the BMP). */
static void
js_put(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	while (*p) {
		unsigned int cp;
		size_t n = sm_utf8_decode((const char *)p, strlen((const char *)p), &cp);
		if (n == 0) {
			cp = 0xfffd;
			n = 1;
		}
		if (cp >= 0x20 && cp < 0x7f && strchr("\"'\\`/&<>", (int)cp) == NULL)
			fputc((int)cp, f);
		else if (cp > 0xffff)
			fprintf(f, "\\u%04X\\u%04X", 0xd800 + ((cp - 0x10000) >> 10),
			    0xdc00 + ((cp - 0x10000) & 0x3ff));
		else
			fprintf(f, "\\u%04X", cp);
		p += n;
	}
	fputc('"', f);
}

/* ------------------------------------------------------------ files */

struct out {
	const char *dir;
	sm_site_stats *stats;
	char lastdir[4096];  /* the last directory made (most files share one) */
	struct stat last;    /* the file put last, as it stands now */
};

static sm_status
mkdirs(struct out *o, const char *path, sm_err *err)
{
	char buf[4096];
	if (strcmp(path, o->lastdir) == 0)
		return SM_OK;
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return IN_USER_WORDS(sm_err_add(err, SM_E_IO, NULL, _("the path '%s' is too long"), path));
	/* most directories lack only their last part, or nothing */
	if (mkdir(buf, 0755) == 0 || errno == EEXIST) {
		snprintf(o->lastdir, sizeof(o->lastdir), "%s", path);
		return SM_OK;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return IN_USER_WORDS(sm_err_add(err, SM_E_IO, NULL, _("cannot make the directory '%s': %s"),
			    buf, strerror(errno)));
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return IN_USER_WORDS(sm_err_add(err, SM_E_IO, NULL, _("cannot make the directory '%s': %s"), buf,
		    strerror(errno)));
	snprintf(o->lastdir, sizeof(o->lastdir), "%s", path);
	return SM_OK;
}

/* Whether the file at PATH holds exactly DATA (its status into *SB). */
static bool
same_content(const char *path, const char *data, size_t len, struct stat *sb)
{
	bool same = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, sb) == 0 && S_ISREG(sb->st_mode) && (size_t)sb->st_size == len) {
		char buf[8192];
		size_t off = 0;
		ssize_t r;
		same = true;
		while (same && off < len && (r = read(fd, buf, sizeof(buf))) > 0) {
			if ((size_t)r > len - off || memcmp(buf, data + off, (size_t)r) != 0)
				same = false;
			off += (size_t)r;
		}
		same = same && off == len;
	}
	close(fd);
	return same;
}

/* Write DATA to DIR/REL unless it holds that already: a temporary file in
 * the same directory, readable by the web server, renamed over it. */
static sm_status
put_file_here(struct out *o, const char *rel, const char *data, size_t len, sm_err *err)
{
	char path[4096], tmp[4200];
	if (snprintf(path, sizeof(path), "%s/%s", o->dir, rel) >= (int)sizeof(path))
		return IN_USER_WORDS(sm_err_add(err, SM_E_IO, NULL, _("the path '%s' is too long"), rel));
	o->stats->files++;
	if (same_content(path, data, len, &o->last)) {
		o->stats->unchanged++;
		return SM_OK;
	}
	char *slash = strrchr(path, '/');
	*slash = '\0';
	sm_status st = mkdirs(o, path, err);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", path, slash + 1);
	*slash = '/';
	if (st != SM_OK)
		return st;
	int fd = mkstemp(tmp);
	if (fd < 0)
		return IN_USER_WORDS(sm_err_add(err, SM_E_IO, NULL, _("cannot write '%s': %s"), path,
		    strerror(errno)));
	size_t off = 0;
	bool ok = fchmod(fd, 0644) == 0;
	while (ok && off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		if (ok)
			off += (size_t)w;
	}
	int e = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		e = errno;
	}
	if (ok && stat(path, &o->last) != 0)
		memset(&o->last, 0, sizeof(o->last));
	if (!ok) {
		unlink(tmp);
		return IN_USER_WORDS(sm_err_add(err, SM_E_IO, NULL, _("cannot write '%s': %s"), path, strerror(e)));
	}
	o->stats->written++;
	return SM_OK;
}

/* put_file_here with the caller's own identity (installed set-group-id,
 * the directory is the caller's: sm_priv.h). */
static sm_status
put_file(struct out *o, const char *rel, const char *data, size_t len, sm_err *err)
{
	sm_priv_saved ids;
	if (sm_priv_lower(&ids) != 0)
		return IN_USER_WORDS(sm_err_add(err, SM_E_IO, NULL, _("cannot write '%s': %s"), rel, strerror(errno)));
	sm_status st = put_file_here(o, rel, data, len, err);
	sm_priv_raise(&ids);
	return st;
}

/* A memory stream's text put into the file REL (the stream is closed). */
static sm_status
put_stream(struct out *o, const char *rel, FILE *f, char **buf, size_t *len, sm_err *err)
{
	if (fclose(f) != 0 || *buf == NULL) {
		free(*buf);
		*buf = NULL;
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	sm_status st = put_file(o, rel, *buf, *len, err);
	free(*buf);
	*buf = NULL;
	return st;
}

/* ------------------------------------------------------------ the images */

/* The badge: a rounded plate, a white disc with a five-pointed star, the
 * mark's two lines of text.  Red for party and government organs (党政机关),
 * blue for public institutions and social organisations (公益机构); a mark
 * that no longer verifies is grey and says so.  The words are part of the
 * artwork, in Chinese whatever the language of the session.  Drawn by the
 * helper sitemark-render (src/print/sm_badge.c, through sm_drawing.h): the
 * program itself loads no drawing library. */
#define IMG_W 110
#define IMG_H 40

/* ------------------------------------------------------------ the pages */

static const char page_style[] =
    "body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;margin:0;"
    "background:#f4f4f4;color:#222}"
    "main{max-width:760px;margin:24px auto;background:#fff;padding:24px 32px;"
    "border-top:6px solid #c8161d}"
    "h1{font-size:24px;text-align:center}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid #ccc;padding:8px;text-align:left;vertical-align:top}"
    "th{width:30%;background:#fafafa;font-weight:normal}"
    ".invalid{color:#fff;background:#c8161d;padding:12px;font-weight:bold}"
    "footer{margin-top:24px;border-top:1px solid #ccc;padding-top:12px;text-align:center}"
    ".mark{margin-top:16px;text-align:center}";

static void
page_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"sitemark\">\n<title>", f);
	html_put(f, title, false);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<h1>", page_style);
	html_put(f, title, false);
	fputs("</h1>\n", f);
}

static void
row(FILE *f, const char *id, const char *label, const char *value)
{
	fprintf(f, "<tr><th>");
	html_put(f, label, false);
	fprintf(f, "</th><td id=\"%s\">", id);
	html_put(f, value, true);
	fputs("</td></tr>\n", f);
}

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* "2026-03-05T11:00:00+08:00": the day. */
static void
day_of(const char *at, char out[11])
{
	snprintf(out, 11, "%.10s", at ? at : "");
}

void
sm_site_certificate_each(const json_t *cert, sm_site_field_fn fn, void *ud)
{
	char buf[1024], day[11];
	size_t i, off = 0;
	json_t *d;
	buf[0] = '\0';
	json_array_foreach(json_object_get(cert, "domains"), i, d) {
		int n = snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? "\n" : "",
		    json_string_value(d) ? json_string_value(d) : "");
		if (n < 0 || (size_t)n >= sizeof(buf) - off)
			break;
		off += (size_t)n;
	}
	fn("unit_name", _("Unit name"), jstr(cert, "unit_name"), ud);
	fn("unit_type", _("Unit type"), sm_unit_type_label(sm_unit_type_parse(jstr(cert,
	    "unit_type"))), ud);
	fn("address", _("Address"), jstr(cert, "address"), ud);
	fn("functions", _("Functions or business scope"), jstr(cert, "functions"), ud);
	fn("site_name", _("Website name"), jstr(cert, "site_name"), ud);
	fn("domains", _("Domains"), buf, ud);
	fn("cert_no", _("Mark certificate no."), jstr(cert, "cert_no"), ud);
	fn("issuer", _("Issued by"), _("China Organizational Name Administration Center (CONAC)"),
	    ud);
	day_of(jstr(cert, "issued_at"), day);
	fn("issued_at", _("Issued on"), day, ud);
}

static void
row_cb(const char *id, const char *label, const char *value, void *ud)
{
	row(ud, id, label, value);
}

/* The mark's snippet where a page carries it (a red page's footer). */
static void
mark_span(FILE *f, const char *script_url)
{
	fprintf(f, "<span id=\"_ideConac\"><script type=\"text/javascript\" src=\"%s\"></script>"
	    "</span>", script_url);
}

void
sm_site_redpage_each(const sm_app *app, const json_t *cert, const json_t *values,
                     sm_site_field_fn fn, void *ud)
{
	static const char *const own[] = {"phone", "email", "postal_code", "office_hours", "intro",
	    "footer"};
	const sm_form *form = sm_forms_get(app->forms, "redpage");
	char buf[160];
	fn("unit_name", _("Unit name"), jstr(cert, "unit_name"), ud);
	fn("unit_type", _("Unit type"), sm_unit_type_label(sm_unit_type_parse(jstr(cert,
	    "unit_type"))), ud);
	fn("address", _("Address"), jstr(cert, "address"), ud);
	fn("functions", _("Functions or business scope"), jstr(cert, "functions"), ud);
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		fn(own[i], form ? sm_form_field_label(form, own[i], buf, sizeof(buf)) : own[i],
		    jstr(values, own[i]), ud);
}

struct redpage_html {
	FILE *f;
	const char *footer;
	const char *intro;
};

static void
redpage_row(const char *id, const char *label, const char *value, void *ud)
{
	struct redpage_html *h = ud;
	if (strcmp(id, "intro") == 0)
		h->intro = value;
	else if (strcmp(id, "footer") == 0)
		h->footer = value;
	else if (strcmp(id, "unit_name") != 0)
		row(h->f, id, label, value);
}

/* ------------------------------------------------------------ the manifest
 *
 * DIR/.sitemark-export remembers, per mark, a digest of everything its files
 * are made from (the row, the base URL, the pages' words, the markup's
 * version) and the size and time of each file as written.  A mark whose
 * digest is the same and whose files still stand as they were (inode,
 * size, modification time) is not made again: an export after one change reads the database and looks at each
 * file's status, no more.  Anything else (no manifest, another digest, a
 * file changed or gone) makes the mark's files and writes those that
 * differ. */

#define SITE_FORMAT 1   /* bump when the markup of the pages changes */
#define MANIFEST ".sitemark-export"
#define MAX_FILES 3

typedef struct fstamp {
	long long ino, size, sec, nsec;
} fstamp;

typedef struct mentry {
	long long case_id;
	char digest[SHA256_DIGEST_SIZE * 2 + 1];
	int n;
	fstamp f[MAX_FILES];
} mentry;

struct manifest {
	mentry *e;
	size_t n, pos;
};

static void
hex_digest(struct sha256_ctx *ctx, char out[SHA256_DIGEST_SIZE * 2 + 1])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(ctx, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
sha_str(struct sha256_ctx *ctx, const char *s)
{
	if (s)
		sha256_update(ctx, strlen(s) + 1, (const uint8_t *)s);
	else
		sha256_update(ctx, 1, (const uint8_t *)"");
}

static void
salt_field(const char *id, const char *label, const char *text, void *ud)
{
	(void)text;
	sha_str(ud, id);
	sha_str(ud, label);
}

/* What every page is made with besides its row: into SALT. */
static void
site_salt(const sm_app *app, const char *base, char salt[SHA256_DIGEST_SIZE * 2 + 1])
{
	struct sha256_ctx ctx;
	char fmt[32];
	sha256_init(&ctx);
	snprintf(fmt, sizeof(fmt), "sitemark site %d", SITE_FORMAT);
	sha_str(&ctx, fmt);
	sha_str(&ctx, base);
	json_t *none = json_object();
	sm_site_certificate_each(none, salt_field, &ctx);
	sm_site_redpage_each(app, none, none, salt_field, &ctx);
	json_decref(none);
	for (int t = SM_UNIT_TYPE_NONE + 1; t < SM_UNIT_TYPE_COUNT; t++)
		sha_str(&ctx, sm_unit_type_label((sm_unit_type)t));
	static const char *const words[] = {
		N_("%s: website mark"), N_("%s: this mark is no longer valid"),
		N_("Website mark certificate"),
		N_("This mark is no longer valid: the website may not carry it."), N_("About us"),
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		sha_str(&ctx, _(words[i]));
	hex_digest(&ctx, salt);
}

static void
manifest_load(struct manifest *m, const char *dir, const char *salt)
{
	char path[4200], line[1024], head[200];
	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/" MANIFEST, dir);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return;
	snprintf(head, sizeof(head), "sitemark-export %s\n", salt);
	size_t cap = 0;
	if (fgets(line, sizeof(line), f) == NULL || strcmp(line, head) != 0) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		mentry e = {0};
		int used = 0;
		char *p = line;
		if (sscanf(p, "%lld %64s %d%n", &e.case_id, e.digest, &e.n, &used) != 3 || e.n < 0 ||
		    e.n > MAX_FILES || strlen(e.digest) != SHA256_DIGEST_SIZE * 2)
			break;
		p += used;
		for (int i = 0; i < e.n && used > 0; i++, p += used)
			if (sscanf(p, " %lld %lld %lld %lld%n", &e.f[i].ino, &e.f[i].size, &e.f[i].sec,
			    &e.f[i].nsec, &used) != 4)
				used = 0;
		if (used == 0 || (m->n > 0 && e.case_id <= m->e[m->n - 1].case_id))
			break; /* damaged: what was read so far still holds */
		if (m->n == cap) {
			mentry *ne = realloc(m->e, (cap ? cap * 2 : 1024) * sizeof(*ne));
			if (ne == NULL)
				break;
			m->e = ne;
			cap = cap ? cap * 2 : 1024;
		}
		m->e[m->n++] = e;
	}
	fclose(f);
}

/* The entry of CASE_ID (the rows come in case order), or NULL. */
static const mentry *
manifest_find(struct manifest *m, long long case_id)
{
	while (m->pos < m->n && m->e[m->pos].case_id < case_id)
		m->pos++;
	return m->pos < m->n && m->e[m->pos].case_id == case_id ? &m->e[m->pos] : NULL;
}

static void
manifest_put(FILE *f, const mentry *e)
{
	fprintf(f, "%lld %s %d", e->case_id, e->digest, e->n);
	for (int i = 0; i < e->n; i++)
		fprintf(f, " %lld %lld %lld %lld", e->f[i].ino, e->f[i].size, e->f[i].sec,
		    e->f[i].nsec);
	fputc('\n', f);
}

static void
stamp_of(const struct stat *sb, fstamp *out)
{
	out->ino = (long long)sb->st_ino;
	out->size = (long long)sb->st_size;
	out->sec = (long long)sb->st_mtim.tv_sec;
	out->nsec = (long long)sb->st_mtim.tv_nsec;
}

/* Whether DIR's files RELS stand as E recorded them. */
static bool
files_stand(const char *dir, const char *const *rels, int n, const mentry *e)
{
	char path[4200];
	struct stat sb;
	fstamp now;
	sm_priv_saved ids;
	bool ok = true;
	if (e->n != n || sm_priv_lower(&ids) != 0)
		return false;
	for (int i = 0; ok && i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, rels[i]);
		ok = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
		if (ok) {
			stamp_of(&sb, &now);
			ok = memcmp(&now, &e->f[i], sizeof(now)) == 0;
		}
	}
	sm_priv_raise(&ids);
	return ok;
}

/* ------------------------------------------------------------ export */

struct export {
	sm_app *app;
	struct out out;
	const char *base;
	char salt[SHA256_DIGEST_SIZE * 2 + 1];
	struct manifest old;
	FILE *manifest;      /* the new one, as marks are exported */
	char *manifest_buf;
	size_t manifest_len;
};

static sm_status
export_mark(const sm_site_mark *m, void *ud, sm_err *err)
{
	struct export *x = ud;
	bool valid = m->state == SM_STATE_MARK_ISSUED || m->state == SM_STATE_MARK_HUNG;
	bool red = strcmp(m->color, "red") == 0;
	char color[16], rel[256], *buf = NULL;
	size_t len = 0;
	sm_status st = SM_OK;
	FILE *f;

	char *show = sm_mark_show_url(x->base, m->guid);
	char *script = sm_mark_script_url(x->base, m->code);
	snprintf(color, sizeof(color), "%s%s", red ? "red" : "blue", valid ? "" : "_error");
	char *img = sm_mark_image_url(x->base, color);
	json_t *cert = NULL;
	if (show == NULL || script == NULL || img == NULL) {
		/* a code or GUID of the wrong shape: never a path from it */
		x->out.stats->skipped++;
		goto out;
	}
	x->out.stats->marks++;
	if (!valid)
		x->out.stats->invalid++;

	/* its files, and what they are made from */
	const char *c = m->code;
	char rel_js[256], rel_cert[256], rel_page[256];
	const char *rels[MAX_FILES] = {rel_js, rel_cert, rel_page};
	int nfiles = m->redpage != NULL ? 3 : 2;
	snprintf(rel_js, sizeof(rel_js), "js/%.2s/%.3s/%.4s/%.8s/%s.js", c + 2, c + 4, c + 7, c + 11, c);
	snprintf(rel_cert, sizeof(rel_cert), "cert/%s.html", m->guid);
	snprintf(rel_page, sizeof(rel_page), "redpage/%s.html", m->guid);
	mentry e = {.case_id = (long long)m->case_id, .n = nfiles};
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	sha_str(&ctx, x->salt);
	sha_str(&ctx, m->code);
	sha_str(&ctx, m->guid);
	sha_str(&ctx, m->color);
	sha_str(&ctx, m->certificate);
	sha_str(&ctx, valid ? "valid" : "invalid");
	sha_str(&ctx, m->redpage);
	hex_digest(&ctx, e.digest);
	const mentry *was = manifest_find(&x->old, e.case_id);
	if (was != NULL && strcmp(was->digest, e.digest) == 0 &&
	    files_stand(x->out.dir, rels, nfiles, was)) {
		x->out.stats->files += nfiles;
		x->out.stats->unchanged += nfiles;
		if (m->redpage != NULL)
			x->out.stats->redpages++;
		manifest_put(x->manifest, was);
		goto out;
	}
	if ((cert = json_loads(m->certificate, 0, NULL)) == NULL) {
		st = sm_err_add(err, SM_E_STORE, NULL, _("the certificate of mark %s cannot be read"),
		    m->code);
		goto out;
	}

	/* the script, at the path the snippet names */
	snprintf(rel, sizeof(rel), "%s", rel_js);
	char *html = NULL, *title = NULL;
	size_t hlen = 0;
	FILE *hf = open_memstream(&html, &hlen);
	if (hf == NULL || (f = open_memstream(&buf, &len)) == NULL) {
		if (hf)
			fclose(hf);
		free(html);
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	if (asprintf(&title, valid ? _("%s: website mark") : _("%s: this mark is no longer valid"),
	    jstr(cert, "unit_name")) < 0)
		title = NULL;
	fprintf(hf, "<a href=\"%s\" target=\"_blank\" title=\"", show);
	html_put(hf, title ? title : "", false);
	fprintf(hf, "\"><img src=\"%s\" width=\"%d\" height=\"%d\" style=\"border:0\" alt=\"", img,
	    IMG_W, IMG_H);
	html_put(hf, title ? title : "", false);
	fputs("\"></a>", hf);
	free(title);
	if (fclose(hf) != 0 || html == NULL) {
		fclose(f);
		free(buf);
		free(html);
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	fprintf(f, "/* sitemark: the website mark %s */\ndocument.write(", m->code);
	js_put(f, html);
	fputs(");\n", f);
	free(html);
	if ((st = put_stream(&x->out, rel, f, &buf, &len, err)) != SM_OK)
		goto out;
	stamp_of(&x->out.last, &e.f[0]);

	/* the certificate page */
	if ((f = open_memstream(&buf, &len)) == NULL) {
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	page_head(f, _("Website mark certificate"));
	if (!valid) {
		fputs("<p class=\"invalid\" id=\"invalid\">", f);
		html_put(f, _("This mark is no longer valid: the website may not carry it."), false);
		fputs("</p>\n", f);
	}
	fputs("<table>\n", f);
	sm_site_certificate_each(cert, row_cb, f);
	fprintf(f, "</table>\n<p class=\"mark\"><img src=\"%s\" width=\"%d\" height=\"%d\" alt=\"\">"
	    "</p>\n</main>\n</body>\n</html>\n", img, IMG_W, IMG_H);
	if ((st = put_stream(&x->out, rel_cert, f, &buf, &len, err)) != SM_OK)
		goto out;
	stamp_of(&x->out.last, &e.f[1]);

	/* the red page, once published */
	if (m->redpage != NULL) {
		json_t *vals = json_loads(m->redpage, 0, NULL);
		if (vals == NULL || (f = open_memstream(&buf, &len)) == NULL) {
			json_decref(vals);
			st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
			goto out;
		}
		struct redpage_html h = {f, "", ""};
		page_head(f, jstr(cert, "unit_name"));
		fputs("<table>\n", f);
		sm_site_redpage_each(x->app, cert, vals, redpage_row, &h);
		fputs("</table>\n<section id=\"intro\">\n<h2>", f);
		html_put(f, _("About us"), false);
		fputs("</h2>\n<p>", f);
		html_put(f, h.intro, true);
		fputs("</p>\n</section>\n<footer>\n<p id=\"footer\">", f);
		html_put(f, h.footer, true);
		fputs("</p>\n<div class=\"mark\">", f);
		mark_span(f, script);
		fputs("</div>\n</footer>\n</main>\n</body>\n</html>\n", f);
		st = put_stream(&x->out, rel_page, f, &buf, &len, err);
		json_decref(vals);
		if (st != SM_OK)
			goto out;
		stamp_of(&x->out.last, &e.f[2]);
		x->out.stats->redpages++;
	}
	manifest_put(x->manifest, &e);
out:
	json_decref(cert);
	free(show);
	free(script);
	free(img);
	return st;
}

/* sitename?method=show&id=GUID: a static server serves the directory's
 * index for /sitename (redirecting /sitename to /sitename/ with the query),
 * which sends the browser on to the certificate page of that GUID. */
static sm_status
export_sitename(struct export *x, sm_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	int n = (int)strlen(x->base);
	while (n > 0 && x->base[n - 1] == '/')
		n--;
	page_head(f, _("Website mark certificate"));
	fputs("<p id=\"notfound\" hidden>", f);
	html_put(f, _("No such mark certificate."), false);
	fputs("</p>\n<noscript><p>", f);
	html_put(f, _("Turn on JavaScript to see the certificate."), false);
	fprintf(f, "</p></noscript>\n<script>\n(function () {\n"
	    "\tvar m = /[?&]id=([0-9A-F]{32})(&|$)/.exec(location.search);\n"
	    "\tif (m)\n\t\tlocation.replace(\"%.*s/cert/\" + m[1] + \".html\");\n"
	    "\telse\n\t\tdocument.getElementById(\"notfound\").hidden = false;\n"
	    "})();\n</script>\n</main>\n</body>\n</html>\n", n, x->base);
	return put_stream(&x->out, "sitename/index.html", f, &buf, &len, err);
}

static sm_status
export_images(struct export *x, sm_err *err)
{
	for (int red = 0; red < 2; red++)
		for (int valid = 0; valid < 2; valid++) {
			char rel[64], *png = NULL;
			size_t len = 0;
			sm_status st = sm_draw_badge(red, valid, &png, &len, err);
			if (st != SM_OK)
				return st;
			snprintf(rel, sizeof(rel), "image/%s%s.png", red ? "red" : "blue",
			    valid ? "" : "_error");
			st = put_file(&x->out, rel, png, len, err);
			free(png);
			if (st != SM_OK)
				return st;
		}
	return SM_OK;
}

sm_status
sm_view_site_export(sm_app *app, const char *dir, sm_site_stats *stats, sm_err *err)
{
	memset(stats, 0, sizeof(*stats));
	if (!sm_admin_may(app->user.role, SM_ADMIN_SITE_EXPORT))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("only the system administrator exports the public site"));
	if (dir == NULL || *dir == '\0')
		dir = app->cfg->site_dir;
	if (dir == NULL || *dir == '\0')
		return sm_err_add(err, SM_E_USAGE, NULL,
		    _("no directory given, and none configured (site.dir)"));
	const char *base = app->cfg->mark_base_url;
	char *probe = sm_mark_image_url(base, "red");
	if (probe == NULL)
		return sm_err_add(err, SM_E_INVALID, "mark.base_url",
		    _("the configured mark.base_url is not a plain http(s) address"));
	free(probe);
	struct export x = {.app = app, .out = {.dir = dir, .stats = stats}, .base = base};
	sm_priv_saved ids;
	if (sm_priv_lower(&ids) != 0)
		return sm_err_add(err, SM_E_IO, NULL, _("cannot make the directory '%s': %s"), dir,
		    strerror(errno));
	sm_status st = mkdirs(&x.out, dir, err);
	sm_priv_raise(&ids);
	if (st != SM_OK)
		return st;
	/* the public site speaks the configured language (site.language),
	 * whatever the session's */
	locale_t loc = (locale_t)0, old = (locale_t)0, from;
	if (app->cfg->site_language && *app->cfg->site_language &&
	    (from = duplocale(LC_GLOBAL_LOCALE)) != (locale_t)0 &&
	    (loc = newlocale(LC_MESSAGES_MASK, app->cfg->site_language, from)) == (locale_t)0)
		freelocale(from); /* not installed: the session's words */
	if (loc != (locale_t)0) {
		old = uselocale(loc);
		user_words = old;
		site_words = loc;
	}
	site_salt(app, base, x.salt);
	if (sm_priv_lower(&ids) == 0) {
		manifest_load(&x.old, dir, x.salt);
		sm_priv_raise(&ids);
	}
	x.manifest = open_memstream(&x.manifest_buf, &x.manifest_len);
	if (x.manifest == NULL)
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	else
		fprintf(x.manifest, "sitemark-export %s\n", x.salt);
	if (st == SM_OK && (st = export_images(&x, err)) == SM_OK &&
	    (st = export_sitename(&x, err)) == SM_OK)
		st = sm_store_site_marks(app->store, export_mark, &x, err);
	if (loc != (locale_t)0) {
		site_words = (locale_t)0;
		uselocale(old);
		freelocale(loc);
	}
	/* the manifest, once every mark is out (not counted among the site's files) */
	if (x.manifest != NULL && fclose(x.manifest) != 0 && st == SM_OK)
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	if (st == SM_OK && x.manifest_buf != NULL) {
		sm_site_stats keep = *stats;
		st = put_file(&x.out, MANIFEST, x.manifest_buf, x.manifest_len, err);
		*stats = keep;
	}
	free(x.manifest_buf);
	free(x.old.e);
	return st;
}

/* ------------------------------------------------------------ red pages */

static char *
draft_key(int64_t case_id, char buf[32])
{
	snprintf(buf, 32, "redpage-%lld", (long long)case_id);
	return buf;
}

void
sm_redpage_view_clear(sm_redpage_view *v)
{
	json_decref(v->certificate);
	json_decref(v->published);
	json_decref(v->draft);
	free(v->code);
	free(v->guid);
	free(v->script_url);
	free(v->page_url);
	free(v->published_at);
	memset(v, 0, sizeof(*v));
}

sm_status
sm_view_redpage(sm_app *app, int64_t case_id, sm_redpage_view *out, sm_err *err)
{
	sm_case_view cv;
	char key[32];
	memset(out, 0, sizeof(*out));
	sm_status st = sm_view_case(app, case_id, &cv, err);
	if (st != SM_OK)
		return st;
	out->case_id = case_id;
	out->state = cv.c.state;
	out->hosts_redpage = sm_case_hosts_redpage(&cv.c);
	out->may_publish = sm_case_action_allowed(app, &cv.c, SM_ACTION_PUBLISH_REDPAGE);
	out->version = cv.c.version;
	if (!out->hosts_redpage)
		st = sm_err_add(err, SM_E_STATE, NULL,
		    _("case %lld hangs its mark on its own website, not on a red page"),
		    (long long)case_id);
	else if (cv.mark.code == NULL)
		st = sm_err_add(err, SM_E_STATE, NULL,
		    _("case %lld has no mark yet: its red page comes once the mark is issued"),
		    (long long)case_id);
	if (st != SM_OK) {
		sm_case_view_clear(&cv);
		return st;
	}
	out->certificate = json_incref(cv.mark.certificate);
	out->code = strdup(cv.mark.code);
	out->guid = strdup(cv.mark.guid);
	out->script_url = sm_mark_script_url(app->cfg->mark_base_url, cv.mark.code);
	out->page_url = sm_mark_redpage_url(app->cfg->mark_base_url, cv.mark.guid);
	sm_case_view_clear(&cv);
	st = sm_store_redpage_get(app->store, case_id, &out->published, &out->published_at,
	    &out->published_version, err);
	if (st == SM_E_NOTFOUND)
		st = SM_OK;
	if (st == SM_OK && app->user.role == SM_ROLE_UNIT)
		out->draft = sm_draft_load(app->user.login, draft_key(case_id, key));
	if (st == SM_OK && (out->code == NULL || out->guid == NULL || out->script_url == NULL ||
	    out->page_url == NULL))
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	if (st != SM_OK)
		sm_redpage_view_clear(out);
	return st;
}

sm_status
sm_redpage_save(sm_app *app, int64_t case_id, const json_t *values, sm_err *err)
{
	sm_redpage_view v;
	char key[32];
	sm_status st = sm_view_redpage(app, case_id, &v, err);
	if (st != SM_OK)
		return st;
	bool may = v.may_publish;
	sm_redpage_view_clear(&v);
	if (!may)
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("only the unit edits its red page, while its mark waits to be hung"));
	const sm_form *form = sm_forms_get(app->forms, "redpage");
	json_t *norm = NULL;
	if (form == NULL)
		return sm_err_add(err, SM_E_INVALID, NULL, _("the form definition '%s' is missing"),
		    "redpage");
	if ((st = sm_form_validate(form, values, app->divs, SM_FORM_PARTIAL, &norm, err)) != SM_OK)
		return st;
	st = sm_draft_save(app->user.login, draft_key(case_id, key), norm, err);
	json_decref(norm);
	return st;
}

sm_status
sm_redpage_publish(sm_app *app, int64_t case_id, const json_t *values, int64_t expect_version,
                   sm_err *err)
{
	char key[32];
	json_t *draft = NULL;
	if (values == NULL && app->user.login != NULL) {
		draft = sm_draft_load(app->user.login, draft_key(case_id, key));
		if (draft == NULL) {
			/* one published already, nothing edited since: said so */
			sm_redpage_view rv;
			sm_status why = sm_view_redpage(app, case_id, &rv, NULL);
			bool done = why == SM_OK && rv.published != NULL && !rv.may_publish;
			char *at = done && rv.published_at ? strdup(rv.published_at) : NULL;
			if (why == SM_OK)
				sm_redpage_view_clear(&rv);
			if (done) {
				sm_status st = sm_err_add(err, SM_E_STATE, NULL,
				    _("the red page of case %lld is published already (%s): to change it, edit it (redpage edit ID --values FILE) and publish again"),
				    (long long)case_id, at ? at : "");
				free(at);
				return st;
			}
			free(at);
			return sm_err_add(err, SM_E_INVALID, NULL,
			    _("no red page to publish: edit it first (redpage edit ID --values FILE)"));
		}
		values = draft;
	}
	sm_act act = {.case_id = case_id, .action = SM_ACTION_PUBLISH_REDPAGE, .values = values,
	    .expect_version = expect_version};
	sm_status st = sm_case_act(app, &act, NULL, err);
	json_decref(draft);
	if (st == SM_OK)
		sm_draft_delete(app->user.login, draft_key(case_id, key));
	return st;
}
