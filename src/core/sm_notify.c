/* sm_notify.c - delivering the outbox (notify run): e-mail over SMTP and
 * SMS through an HTTP gateway, both through libcurl; retries with capped
 * exponential backoff and jitter, given up after notify.give_up (the case
 * is then flagged for its office); the scheduled notices of domain.md
 * §7-8 (a reminder two working days before the hanging deadline, an
 * overdue notice), queued once each.
 *
 * One sender at a time: an exclusive lock (flock) on DATABASE.notify.lock
 * (on a cluster, a lock of this machine's: take_lock), which the kernel
 * lets go when the sender dies.  A notice is marked sent
 * in its own transaction right after the server took it: a sender killed
 * between the two sends it again on the next run, with the same
 * Message-ID (trust.md scenario 8). */
#include <config.h>

#include "sm_notify.h"

#include <errno.h>
#include <stdarg.h>
#include <strings.h>

#include <idn2.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_curl.h"

#include "sm_audit.h"
#include "sm_db.h"
#include "sm_i18n.h"
#include "sm_priv.h"
#include "sm_random.h"
#include "sm_store.h"
#include "sm_text.h"
#include "sm_validate.h"
#include "sm_workflow.h"

#define ATTACHMENT_MAX SM_ATTACHMENT_MAX
#define BATCH 64

/* ------------------------------------------------------------ buffers */

typedef struct buf {
	char *p;
	size_t len, cap;
	bool nomem;
} buf;

static void
put(buf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 256;
		while (nc < b->len + n + 1)
			nc *= 2;
		char *np = realloc(b->p, nc);
		if (np == NULL) {
			b->nomem = true;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
puts_(buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
putf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
putf(buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		b->nomem = true;
		return;
	}
	put(b, s, (size_t)r);
	free(s);
}

/* ------------------------------------------------------------ composing */

/* Whether S holds a control character (C0 with CR and LF, DEL, C1) or is
 * not UTF-8: never in a header. */
static bool
header_unsafe(const char *s)
{
	return s != NULL && (!sm_text_valid_utf8(s, (size_t)-1) || !sm_text_is_clean(s, false));
}

static bool
plain_ascii(const char *s, size_t max)
{
	size_t n = 0;
	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return n <= max;
}

char *
sm_mail_header_words(const char *text)
{
	buf b = {0};
	if (text == NULL)
		text = "";
	if (plain_ascii(text, 60) && strstr(text, "=?") == NULL) {
		puts_(&b, text);
		return b.nomem ? (free(b.p), NULL) : (b.p ? b.p : strdup(""));
	}
	/* 39 bytes make 52 base64 characters: with "=?UTF-8?B?" and "?=" an
	 * encoded word of 64, under RFC 2047's 75, and a line of at most 78
	 * after "Subject: "; a character is never split */
	size_t len = strlen(text), i = 0;
	bool first = true;
	while (i < len) {
		size_t j = i;
		while (j < len) {
			size_t k = j + 1;
			while (k < len && ((unsigned char)text[k] & 0xC0) == 0x80)
				k++;
			if (k - i > 39)
				break;
			j = k;
		}
		if (j == i) /* not UTF-8: a byte at a time */
			j = i + 1;
		char *enc = sm_base64(text + i, j - i);
		if (enc == NULL) {
			free(b.p);
			return NULL;
		}
		putf(&b, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", enc);
		free(enc);
		first = false;
		i = j;
	}
	if (b.p == NULL && !b.nomem)
		return strdup("");
	return b.nomem ? (free(b.p), NULL) : b.p;
}

/* DATA in base64, lines of 76 characters ending in CRLF. */
static void
put_base64(buf *b, const void *data, size_t len)
{
	char *enc = sm_base64(data, len);
	if (enc == NULL) {
		b->nomem = true;
		return;
	}
	size_t n = strlen(enc);
	for (size_t i = 0; i < n; i += 76) {
		put(b, enc + i, n - i < 76 ? n - i : 76);
		put(b, "\r\n", 2);
	}
	free(enc);
}

/* TEXT with every line end as CRLF (canonical text/plain). */
static char *
crlf(const char *text, size_t *len)
{
	buf b = {0};
	for (const char *p = text; *p; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n')
			put(&b, "\r\n", 2);
		else
			put(&b, p, 1);
	}
	if (b.p == NULL && !b.nomem)
		b.p = strdup("");
	*len = b.len;
	return b.nomem ? (free(b.p), NULL) : b.p;
}

static const char *
content_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (dot && strcasecmp(dot, ".pdf") == 0)
		return "application/pdf";
	if (dot && strcasecmp(dot, ".txt") == 0)
		return "text/plain; charset=UTF-8";
	return "application/octet-stream";
}

/* The attachment's file name parameter: plain when it is, else RFC 2231. */
static void
put_filename(buf *b, const char *name)
{
	bool plain = *name != '\0';
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			plain = false;
	if (plain) {
		putf(b, "filename=\"%s\"", name);
		return;
	}
	puts_(b, "filename*=UTF-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-", *p))
			put(b, (const char *)p, 1);
		else
			putf(b, "%%%02X", *p);
	}
}

static sm_status
read_attachment(const char *path, char **data, size_t *len, sm_err *err)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	*data = NULL;
	*len = 0;
	if (f == NULL)
		return sm_err_add(err, SM_E_IO, "attachment", _("cannot read the attachment %s: %s"),
		    path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > ATTACHMENT_MAX) {
		fclose(f);
		return sm_err_add(err, SM_E_IO, "attachment",
		    _("the attachment %s is not a regular file of at most 20 MB"), path);
	}
	*data = malloc((size_t)st.st_size + 1);
	if (*data == NULL) {
		fclose(f);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	*len = fread(*data, 1, (size_t)st.st_size, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(*data);
		*data = NULL;
		return sm_err_add(err, SM_E_IO, "attachment", _("cannot read the attachment %s: %s"),
		    path, strerror(EIO));
	}
	return SM_OK;
}

/* A display name: RFC 2047 words, or plain ASCII quoted (it may hold
 * specials).  Malloc'd. */
static char *
phrase(const char *text)
{
	char *w = sm_mail_header_words(text);
	if (w == NULL || strncmp(w, "=?", 2) == 0)
		return w;
	buf q = {0};
	put(&q, "\"", 1);
	for (const char *p = w; *p; p++) {
		if (*p == '"' || *p == '\\')
			put(&q, "\\", 1);
		put(&q, p, 1);
	}
	put(&q, "\"", 1);
	free(w);
	return q.nomem ? (free(q.p), NULL) : q.p;
}

sm_status
sm_mail_parse_from(const char *from, char **addr, char **name, sm_err *err)
{
	*addr = NULL;
	*name = NULL;
	const char *lt = from ? strrchr(from, '<') : NULL;
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt && gt[1] == '\0') {
		const char *a = from, *e = lt;
		while (a < e && (*a == ' ' || *a == '"'))
			a++;
		while (e > a && (e[-1] == ' ' || e[-1] == '"'))
			e--;
		*addr = strndup(lt + 1, (size_t)(gt - lt - 1));
		*name = e > a ? strndup(a, (size_t)(e - a)) : NULL;
		if (*addr == NULL || (e > a && *name == NULL)) {
			free(*addr);
			free(*name);
			*addr = *name = NULL;
			return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		}
	} else if (from && (*addr = strdup(from)) == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	if (*addr == NULL || sm_check_email(*addr) != NULL || header_unsafe(*name)) {
		free(*addr);
		free(*name);
		*addr = *name = NULL;
		return sm_err_add(err, SM_E_INVALID, "smtp.from",
		    _("smtp.from is not a valid e-mail address"));
	}
	return SM_OK;
}

char *
sm_mail_compose(const sm_mail *m, size_t *len, sm_err *err)
{
	const char *fields[] = {m->from, m->from_name, m->to, m->to_name, m->subject,
	    m->message_id};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (header_unsafe(fields[i])) {
			sm_err_add(err, SM_E_INVALID, "header",
			    _("a header value holds a line break or another control character: not sent"));
			return NULL;
		}
	if (m->from == NULL || sm_check_email(m->from) != NULL) {
		sm_err_add(err, SM_E_INVALID, "smtp.from", _("smtp.from is not a valid e-mail address"));
		return NULL;
	}
	if (m->to == NULL || sm_check_email(m->to) != NULL) {
		sm_err_add(err, SM_E_INVALID, "recipient", _("the recipient is not a valid e-mail address"));
		return NULL;
	}
	if (m->body && !sm_text_valid_utf8(m->body, (size_t)-1)) {
		sm_err_add(err, SM_E_INVALID, "body", _("the text is not UTF-8"));
		return NULL;
	}
	char *att = NULL;
	size_t att_len = 0;
	if (m->attachment && m->attachment_data) {
		if ((att = malloc(m->attachment_len + 1)) == NULL) {
			sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
			return NULL;
		}
		memcpy(att, m->attachment_data, m->attachment_len);
		att_len = m->attachment_len;
	} else if (m->attachment && read_attachment(m->attachment, &att, &att_len, err) != SM_OK)
		return NULL;

	buf b = {0};
	char date[64], hash[SM_AUDIT_HASH_LEN + 1], boundary[48];
	/* Asia/Shanghai, which keeps no summer time */
	time_t local = m->date + 8 * 3600;
	struct tm tm;
	gmtime_r(&local, &tm);
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
	    "Sep", "Oct", "Nov", "Dec"};
	snprintf(date, sizeof(date), "%s, %d %s %04d %02d:%02d:%02d +0800", wd[tm.tm_wday],
	    tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);

	/* an address of a Chinese domain goes in its ACE form (xn--...): a
	 * header of raw UTF-8 needs SMTPUTF8, which is not asked for */
	char *to = sm_mail_ace(m->to), *from = sm_mail_ace(m->from);
	char *subject = sm_mail_header_words(m->subject ? m->subject : "");
	char *name = m->to_name && *m->to_name ? phrase(m->to_name) : NULL;
	char *from_name = m->from_name && *m->from_name ? phrase(m->from_name) : NULL;
	size_t body_len = 0;
	char *body = crlf(m->body ? m->body : "", &body_len);
	if (subject == NULL || body == NULL || to == NULL || from == NULL ||
	    (m->to_name && *m->to_name && name == NULL) ||
	    (m->from_name && *m->from_name && from_name == NULL)) {
		b.nomem = true;
		goto out;
	}
	if (from_name)
		putf(&b, "From: %s <%s>\r\n", from_name, from);
	else
		putf(&b, "From: <%s>\r\n", from);
	if (name)
		putf(&b, "To: %s <%s>\r\n", name, to);
	else
		putf(&b, "To: <%s>\r\n", to);
	putf(&b, "Subject: %s\r\n", subject);
	putf(&b, "Date: %s\r\n", date);
	putf(&b, "Message-ID: %s\r\n", m->message_id ? m->message_id : "<none@sitemark.invalid>");
	puts_(&b, "MIME-Version: 1.0\r\n");
	puts_(&b, "Auto-Submitted: auto-generated\r\n");
	if (att == NULL) {
		puts_(&b, "Content-Type: text/plain; charset=UTF-8\r\n");
		puts_(&b, "Content-Transfer-Encoding: base64\r\n\r\n");
		put_base64(&b, body, body_len);
		goto out;
	}
	/* "=_" never occurs in base64, so the boundary cannot occur in a part */
	const char *parts[] = {m->message_id, m->attachment};
	sm_audit_digest("sitemark-mime-boundary", parts, 2, hash);
	snprintf(boundary, sizeof(boundary), "=_sitemark_%.24s", hash);
	putf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary);
	puts_(&b, "This is a message in MIME format.\r\n");
	putf(&b, "--%s\r\n", boundary);
	puts_(&b, "Content-Type: text/plain; charset=UTF-8\r\n");
	puts_(&b, "Content-Transfer-Encoding: base64\r\n\r\n");
	put_base64(&b, body, body_len);
	const char *base = strrchr(m->attachment, '/');
	base = base ? base + 1 : m->attachment;
	putf(&b, "--%s\r\n", boundary);
	putf(&b, "Content-Type: %s\r\n", content_type(base));
	puts_(&b, "Content-Transfer-Encoding: base64\r\n");
	puts_(&b, "Content-Disposition: attachment; ");
	put_filename(&b, base);
	puts_(&b, "\r\n\r\n");
	put_base64(&b, att, att_len);
	putf(&b, "--%s--\r\n", boundary);
out:
	free(subject);
	free(name);
	free(from_name);
	free(body);
	free(att);
	free(to);
	free(from);
	if (b.nomem) {
		free(b.p);
		sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		return NULL;
	}
	*len = b.len;
	return b.p;
}

char *
sm_mail_ace(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	char *ace = NULL, *r = NULL;
	if (addr == NULL)
		return NULL;
	bool plain = true;
	for (const char *p = at ? at + 1 : ""; *p; p++)
		if ((unsigned char)*p >= 0x80)
			plain = false;
	if (plain || idn2_to_ascii_8z(at + 1, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) !=
	    IDN2_OK)
		return strdup(addr);
	if (asprintf(&r, "%.*s@%s", (int)(at - addr), addr, ace) < 0)
		r = NULL;
	idn2_free(ace);
	return r;
}

char *
sm_mail_message_id(int64_t id, const char *msg_id, const char *from)
{
	char hash[SM_AUDIT_HASH_LEN + 1], *r = NULL;
	const char *parts[] = {msg_id};
	char *ace = sm_mail_ace(from);
	const char *at = ace ? strrchr(ace, '@') : NULL;
	const char *domain = "sitemark.invalid";
	sm_audit_digest("sitemark-message-id", parts, 1, hash);
	/* the domain of smtp.from when it is a plain host name */
	if (at && at[1] != '\0' && strspn(at + 1,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == strlen(at + 1))
		domain = at + 1;
	if (asprintf(&r, "<%" PRId64 ".%.20s@%s>", id, hash, domain) < 0)
		r = NULL;
	free(ace);
	return r;
}

/* ------------------------------------------------------------ the SMS gateway */

bool
sm_sms_is_json(const sm_config *cfg)
{
	for (size_t i = 0; i < cfg->n_sms_headers; i++) {
		const char *h = cfg->sms_headers[i];
		if (strncasecmp(h, "Content-Type:", 13) == 0 && strstr(h + 13, "json") != NULL)
			return true;
	}
	const char *b = cfg->sms_body;
	while (b && (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r'))
		b++;
	return b && (*b == '{' || *b == '[');
}

static void
put_json_escaped(buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			putf(b, "\\%c", *p);
		else if (*p == '\n')
			puts_(b, "\\n");
		else if (*p < 0x20 || *p == 0x7f)
			putf(b, "\\u%04x", *p);
		else
			put(b, (const char *)p, 1);
	}
}

static void
put_url_encoded(buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			put(b, (const char *)p, 1);
		else
			putf(b, "%%%02X", *p);
	}
}

enum fill { FILL_JSON, FILL_URL, FILL_HEADER };

/* TEMPLATE with {mobile}, {text} and {id} (the notice's message id, the
 * same on every retry: a gateway that takes a client's message id drops a
 * repeat) replaced, escaped as HOW says.  Malloc'd. */
static char *
fill(const char *tmpl, const char *mobile, const char *text, const char *id, enum fill how)
{
	buf b = {0};
	for (const char *p = tmpl; *p;) {
		const char *v = NULL;
		if (strncmp(p, "{mobile}", 8) == 0) {
			v = mobile;
			p += 8;
		} else if (strncmp(p, "{text}", 6) == 0) {
			v = text;
			p += 6;
		} else if (strncmp(p, "{id}", 4) == 0) {
			v = id;
			p += 4;
		} else {
			put(&b, p++, 1);
			continue;
		}
		if (how == FILL_JSON)
			put_json_escaped(&b, v ? v : "");
		else if (how == FILL_URL)
			put_url_encoded(&b, v ? v : "");
		else
			for (const unsigned char *q = (const unsigned char *)(v ? v : ""); *q; q++)
				put(&b, *q < 0x20 || *q == 0x7f ? " " : (const char *)q, 1);
	}
	if (b.p == NULL && !b.nomem)
		return strdup("");
	return b.nomem ? (free(b.p), NULL) : b.p;
}

char *
sm_sms_body(const char *tmpl, const char *mobile, const char *text, const char *id, bool json)
{
	return fill(tmpl ? tmpl : "mobile={mobile}&text={text}", mobile, text, id,
	    json ? FILL_JSON : FILL_URL);
}

char *
sm_sms_header(const char *tmpl, const char *mobile, const char *text, const char *id)
{
	return fill(tmpl, mobile, text, id, FILL_HEADER);
}

int
sm_notify_delay(const sm_config *cfg, int attempts, double r)
{
	long long d = cfg->notify_retry_base > 0 ? cfg->notify_retry_base : 60;
	long long cap = cfg->notify_retry_cap > 0 ? cfg->notify_retry_cap : 3600;
	for (int i = 1; i < attempts && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	if (r < 0 || r >= 1)
		r = 0;
	long long j = (long long)((double)d * (0.5 + r / 2));
	return (int)(j < 1 ? 1 : j);
}

/* ------------------------------------------------------------ sending */

typedef enum { SEND_OK, SEND_RETRY, SEND_FAIL } send_rc;

/* Where an SMTP exchange was when the server refused (smtp_debug): only a
 * refusal of this message, at its RCPT TO or of its data, is final for the
 * notice.  A refusal at the greeting, EHLO, STARTTLS, AUTH, MAIL FROM or
 * DATA is the session's (a wrong password, a server refusing this sender):
 * every message would meet it, and it is retried as an outage is, while
 * the configuration is mended. */
enum smtp_stage { STAGE_SESSION, STAGE_RCPT, STAGE_DATA };

typedef struct sender {
	sm_app *app;
	enum smtp_stage stage;
	char reply[160];         /* the server's last reply line (smtp_debug) */
	/* what a channel lacks to be used at all, or NULL (sender_open): its
	 * notices wait, unattempted, until the configuration is mended */
	const char *mail_missing, *sms_missing;
	CURL *smtp, *http;
	struct curl_slist *sms_headers;
	char *password;
	bool json;
	char curl_err[CURL_ERROR_SIZE];
} sender;

struct reader {
	const char *p;
	size_t left;
};

static size_t
read_cb(char *dst, size_t size, size_t n, void *ud)
{
	struct reader *r = ud;
	size_t k = size * n < r->left ? size * n : r->left;
	memcpy(dst, r->p, k);
	r->p += k;
	r->left -= k;
	return k;
}

static size_t
discard_cb(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* The first line of the password file (smtp.password_file). */
static sm_status
read_password(const char *path, char **out, sm_err *err)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	*out = NULL;
	if (f == NULL)
		return sm_err_add(err, SM_E_IO, "smtp.password_file", _("%s: cannot open: %s"), path,
		    strerror(errno));
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if ((*out = strdup(line)) == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	return SM_OK;
}

static void
common_opts(CURL *h, const sm_config *cfg, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)cfg->notify_connect_timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)cfg->notify_timeout);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
}

/* The commands libcurl sends, and the message's data (smtp_stage). */
static int
smtp_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	sender *s = ud;
	(void)h;
	if (type == CURLINFO_HEADER_IN && size > 0 && (data[0] == '4' || data[0] == '5')) {
		/* the last refusal (not the 221 to the QUIT after it) */
		size_t n = size < sizeof(s->reply) - 1 ? size : sizeof(s->reply) - 1;
		memcpy(s->reply, data, n);
		s->reply[n] = '\0';
		s->reply[strcspn(s->reply, "\r\n")] = '\0';
	}
	if (type == CURLINFO_DATA_OUT)
		s->stage = STAGE_DATA;
	else if (type == CURLINFO_HEADER_OUT && !(size > 0 && (data[0] == '.' || data[0] == '\r')) &&
	    !(size >= 4 && (strncasecmp(data, "QUIT", 4) == 0 || strncasecmp(data, "RSET", 4) == 0)))
		/* not the end of the data, nor the QUIT or RSET after a refusal */
		s->stage = size >= 8 && strncasecmp(data, "RCPT TO:", 8) == 0 ? STAGE_RCPT :
		    STAGE_SESSION;
	return 0;
}

/* The SMTP handle, with its options; NULL out of memory. */
static CURL *
smtp_handle(sender *s)
{
	const sm_config *cfg = s->app->cfg;
	CURL *h = curl_easy_init();
	if (h == NULL)
		return NULL;
	common_opts(h, cfg, s->curl_err);
	/* every answer within notify.timeout, QUIT's too: libcurl sends QUIT
	 * as it closes a connection after a failure, and waits 120 s for a
	 * server that does not answer it by default */
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)cfg->notify_timeout);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, smtp_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* to smtp_debug only */
	curl_easy_setopt(h, CURLOPT_URL, cfg->smtp_url);
	if (cfg->smtp_ca_file) /* the mail server's CA, not the gateway's */
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->smtp_ca_file);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	if (strncmp(cfg->smtp_url, "smtp://", 7) == 0)
		curl_easy_setopt(h, CURLOPT_USE_SSL,
		    (long)(cfg->smtp_starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
	if (cfg->smtp_user)
		curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
	if (s->password)
		curl_easy_setopt(h, CURLOPT_PASSWORD, s->password);
	return h;
}

/* The gateway's handle, with its options; NULL out of memory. */
static CURL *
http_handle(sender *s)
{
	CURL *h = curl_easy_init();
	if (h == NULL)
		return NULL;
	common_opts(h, s->app->cfg, s->curl_err);
	curl_easy_setopt(h, CURLOPT_URL, s->app->cfg->sms_url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->sms_headers);
	return h;
}

/* After a failed exchange, a new handle: its connection may still be in
 * the middle of one (a reply that comes too late) and is never reused. */
static void
renew(sender *s, CURL **h, CURL *(*make)(sender *))
{
	curl_easy_cleanup(*h);
	*h = make(s);
}

static sm_status
sender_open(sender *s, sm_app *app, sm_err *err)
{
	const sm_config *cfg = app->cfg;
	memset(s, 0, sizeof(*s));
	s->app = app;
	char *from_addr = NULL, *from_name = NULL;
	if (cfg->smtp_url == NULL || cfg->smtp_from == NULL)
		s->mail_missing = _("smtp.url and smtp.from are not configured");
	else if (sm_mail_parse_from(cfg->smtp_from, &from_addr, &from_name, NULL) != SM_OK)
		s->mail_missing = _("smtp.from is not an e-mail address (\"NAME <ADDRESS>\" or ADDRESS)");
	free(from_addr);
	free(from_name);
	if (cfg->sms_url == NULL)
		s->sms_missing = _("sms.url is not configured");
	if (cfg->smtp_url) {
		if (cfg->smtp_password_file &&
		    read_password(cfg->smtp_password_file, &s->password, err) != SM_OK)
			return SM_E_IO;
		if ((s->smtp = smtp_handle(s)) == NULL)
			return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	if (cfg->sms_url) {
		s->json = sm_sms_is_json(cfg);
		for (size_t i = 0; i < cfg->n_sms_headers; i++) {
			struct curl_slist *l = curl_slist_append(s->sms_headers, cfg->sms_headers[i]);
			if (l == NULL)
				return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
			s->sms_headers = l;
		}
		if (s->json && !sm_sms_is_json(&(sm_config){.sms_headers = cfg->sms_headers,
		    .n_sms_headers = cfg->n_sms_headers})) {
			struct curl_slist *l = curl_slist_append(s->sms_headers,
			    "Content-Type: application/json; charset=UTF-8");
			if (l == NULL)
				return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
			s->sms_headers = l;
		}
		if ((s->http = http_handle(s)) == NULL)
			return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	return SM_OK;
}

static void
sender_close(sender *s)
{
	if (s->smtp)
		curl_easy_cleanup(s->smtp);
	if (s->http)
		curl_easy_cleanup(s->http);
	curl_slist_free_all(s->sms_headers);
	if (s->password) {
		memset(s->password, 0, strlen(s->password));
		free(s->password);
	}
	memset(s, 0, sizeof(*s));
}

/* Why curl failed, as one line (malloc'd into *WHY). */
static void
curl_why(sender *s, CURLcode rc, long code, char **why)
{
	const char *msg = s->curl_err[0] ? s->curl_err : curl_easy_strerror(rc);
	char *r = NULL;
	if (code > 0 && asprintf(&r, "%s (%ld)", msg, code) < 0)
		r = NULL;
	else if (code <= 0)
		r = strdup(msg);
	/* a server's words are data too */
	*why = r ? sm_text_neutralise(r, (size_t)-1, false) : NULL;
	free(r);
}

static send_rc
send_mail(sender *s, const sm_notice *n, char **why, char **message_id)
{
	const sm_config *cfg = s->app->cfg;
	sm_err *e = sm_err_new();
	send_rc out = SEND_RETRY;
	*why = NULL;
	if (cfg->smtp_url && s->smtp == NULL && (s->smtp = smtp_handle(s)) == NULL) {
		*why = strdup(_("out of memory"));
		sm_err_free(&e);
		return SEND_RETRY;
	}
	char *from_addr = NULL, *from_name = NULL;
	if (sm_mail_parse_from(cfg->smtp_from, &from_addr, &from_name, e) != SM_OK) {
		*why = strdup(sm_err_count(e) ? sm_err_msg(e, 0) : _("out of memory"));
		sm_err_free(&e);
		return SEND_RETRY; /* the configuration's to mend; nothing is lost */
	}
	*message_id = sm_mail_message_id(n->id, n->msg_id, from_addr);
	sm_mail m = {
		.from = from_addr, .from_name = from_name, .to = n->recipient, .to_name = n->name,
		.subject = n->subject, .body = n->body, .message_id = *message_id,
		.date = sm_clock_now(&s->app->clock), .attachment = n->attachment,
	};
	/* the attachment's bytes kept in the store with the notice (schema 12;
	 * before, its path names a file) */
	void *att = NULL;
	if (n->attachment_kept && *message_id) {
		if (sm_store_notice_attachment(s->app->store, n->id, &att, &m.attachment_len, e) !=
		    SM_OK)
			att = NULL;
		else if (att == NULL)
			sm_err_add(e, SM_E_IO, "attachment",
			    _("the attachment %s is no longer in the store"), n->attachment);
		m.attachment_data = att;
	}
	size_t len = 0;
	char *msg = *message_id && (!n->attachment_kept || att) ? sm_mail_compose(&m, &len, e) :
	    NULL;
	free(att);
	if (msg == NULL) {
		*why = strdup(e && sm_err_count(e) ? sm_err_msg(e, 0) : _("out of memory"));
		/* a header that would carry a line break is never sent; a file
		 * that cannot be read may be there later */
		out = e && sm_err_count(e) && sm_err_status(e) == SM_E_INVALID ? SEND_FAIL : SEND_RETRY;
		sm_err_free(&e);
		free(from_addr);
		free(from_name);
		return out;
	}
	sm_err_free(&e);
	char from[512], to[512];
	snprintf(from, sizeof(from), "<%s>", from_addr);
	free(from_addr);
	free(from_name);
	snprintf(to, sizeof(to), "<%s>", n->recipient);
	struct curl_slist *rcpt = curl_slist_append(NULL, to);
	struct reader r = {msg, len};
	s->curl_err[0] = '\0';
	s->stage = STAGE_SESSION;
	s->reply[0] = '\0';
	curl_easy_setopt(s->smtp, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->smtp, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(s->smtp, CURLOPT_READDATA, &r);
	curl_easy_setopt(s->smtp, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	CURLcode rc = rcpt ? curl_easy_perform(s->smtp) : CURLE_OUT_OF_MEMORY;
	long code = 0;
	curl_easy_getinfo(s->smtp, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(s->smtp, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	free(msg);
	if (rc == CURLE_OK)
		return SEND_OK;
	enum smtp_stage stage = s->stage;
	/* at RCPT TO, a refusal for security or policy (enhanced status 5.7.x:
	 * relay denied, authentication required) is the session's too: a
	 * wrong or missing login refuses every recipient */
	if (stage == STAGE_RCPT && (code == 530 || strstr(s->reply, " 5.7.") != NULL))
		stage = STAGE_SESSION;
	curl_why(s, rc, code, why);
	if (*why != NULL && s->reply[0] != '\0') {
		/* the server's own words after libcurl's */
		char *words = sm_text_neutralise(s->reply, (size_t)-1, false), *w = NULL;
		if (words != NULL && asprintf(&w, "%s: %s", *why, words) >= 0) {
			free(*why);
			*why = w;
		}
		free(words);
	}
	renew(s, &s->smtp, smtp_handle);
	/* a 5xx reply to this message (a refused recipient, a refused
	 * message) will not change; the session's is mended (smtp_stage) */
	return code >= 500 && code < 600 && stage != STAGE_SESSION ? SEND_FAIL : SEND_RETRY;
}

static send_rc
send_sms(sender *s, const sm_notice *n, char **why)
{
	*why = NULL;
	if (s->app->cfg->sms_url && s->http == NULL && (s->http = http_handle(s)) == NULL) {
		*why = strdup(_("out of memory"));
		return SEND_RETRY;
	}
	char *body = sm_sms_body(s->app->cfg->sms_body, n->recipient, n->body, n->msg_id, s->json);
	if (body == NULL) {
		*why = strdup(_("out of memory"));
		return SEND_RETRY;
	}
	/* headers that name {mobile}, {text} or {id}: made for this message */
	const sm_config *cfg = s->app->cfg;
	struct curl_slist *mine = NULL;
	bool own = false;
	for (size_t i = 0; i < cfg->n_sms_headers; i++)
		if (strstr(cfg->sms_headers[i], "{mobile}") || strstr(cfg->sms_headers[i], "{text}") ||
		    strstr(cfg->sms_headers[i], "{id}"))
			own = true;
	for (const struct curl_slist *l = own ? s->sms_headers : NULL; l; l = l->next) {
		char *h = sm_sms_header(l->data, n->recipient, n->body, n->msg_id);
		struct curl_slist *m2 = h ? curl_slist_append(mine, h) : NULL;
		free(h);
		if (m2 == NULL) {
			curl_slist_free_all(mine);
			free(body);
			*why = strdup(_("out of memory"));
			return SEND_RETRY;
		}
		mine = m2;
	}
	curl_easy_setopt(s->http, CURLOPT_HTTPHEADER, own ? mine : s->sms_headers);
	s->curl_err[0] = '\0';
	curl_easy_setopt(s->http, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(s->http, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	CURLcode rc = curl_easy_perform(s->http);
	long code = 0;
	curl_easy_getinfo(s->http, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(s->http, CURLOPT_HTTPHEADER, s->sms_headers);
	curl_slist_free_all(mine);
	free(body);
	if (rc == CURLE_OK && code >= 200 && code < 300)
		return SEND_OK;
	renew(s, &s->http, http_handle);
	if (rc == CURLE_OK) {
		if (asprintf(why, _("the SMS gateway answered HTTP %ld"), code) < 0)
			*why = NULL;
		/* the gateway refused this message; 408, 429 and 5xx pass, and
		 * so do refusals of sitemark itself (its token, its URL: 401,
		 * 403, 404, 405, 407), which every message would meet */
		return code >= 400 && code < 500 && code != 401 && code != 403 && code != 404 &&
		    code != 405 && code != 407 && code != 408 && code != 429 ? SEND_FAIL : SEND_RETRY;
	}
	curl_why(s, rc, 0, why);
	return SEND_RETRY;
}

/* ------------------------------------------------------------ recording */

/* "2026-02-13T10:00:00+08:00" as a time, or -1. */
static time_t
parse_time(const char *s)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0;
	char sign = '+';
	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d", &y, &mo, &d, &h, &mi, &se,
	    &sign, &oh, &om) < 6)
		return (time_t)-1;
	sm_date day = sm_date_from_ymd(y, mo, d);
	sm_date epoch = sm_date_from_ymd(1970, 1, 1);
	if (day == SM_DATE_NONE)
		return (time_t)-1;
	long long t = (long long)(day - epoch) * 86400 + h * 3600 + mi * 60 + se;
	long long off = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
	return (time_t)(t - off);
}

/* An attempt's outcome, recorded with the others of its group. */
struct outcome {
	const sm_notice *n;  /* in the run's batch of due notices */
	const char *status;  /* sent retrying failed */
	char *error, *next_at, *reason;
};

/* The outcomes not yet recorded: at most notify.batch, for at most a
 * second; recorded in one transaction (a sender killed before it sends
 * them again, with the same Message-IDs: the window of trust.md scenario
 * 8). */
struct run {
	sm_app *app;
	struct outcome *o;
	size_t n, cap;
	struct timespec since;
};

static sm_status
done_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct run *r = ud;
	for (size_t i = 0; i < r->n; i++) {
		const struct outcome *d = &r->o[i];
		bool changed = false;
		sm_status st = sm_tx_notice_done(tx, d->n->id, d->status, d->error, d->next_at,
		    &changed, err);
		if (st != SM_OK)
			return st;
		if (!changed || d->n->case_id <= 0)
			continue;
		const char *action = strcmp(d->status, "sent") == 0 ? "notice-sent" :
		    strcmp(d->status, "failed") == 0 ? "notice-failed" : "notice-retry";
		sm_event e = {
			.actor = r->app->user.login ? r->app->user.login : (char *)"-",
			.role = (char *)sm_role_name(r->app->user.role),
			.ssh_client = r->app->ssh_client, .object = (char *)"case",
			.object_id = d->n->case_id, .object_key = d->n->msg_id,
			.action = (char *)action, .reason = d->reason,
		};
		if ((st = sm_tx_audit(tx, &e, err)) != SM_OK)
			return st;
	}
	return SM_OK;
}

static void
outcomes_clear(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->o[i].error);
		free(r->o[i].next_at);
		free(r->o[i].reason);
	}
	r->n = 0;
}

/* Record the outcomes waiting. */
static sm_status
flush(struct run *r, sm_err *err)
{
	char rid[37];
	if (r->n == 0)
		return SM_OK;
	sm_status st = sm_random_request_id(rid, err);
	if (st == SM_OK)
		st = sm_store_write(r->app->store, rid, done_tx, r, NULL, NULL, err);
	outcomes_clear(r);
	return st;
}

/* The channel and event of N in words ("e-mail, mark issued"). */
static char *
notice_what(const sm_notice *n)
{
	char *r = NULL;
	if (asprintf(&r, "%s, %s", sm_notice_channel_label(n->channel),
	    sm_notice_event_label(n->event)) < 0)
		return NULL;
	return r;
}

static double
since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static sm_status
record(struct run *r, const sm_notice *n, const char *status, const char *error,
       const char *next_at, const char *message_id, sm_err *err)
{
	char *what = notice_what(n), *reason = NULL;
	int rc;
	if (what == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	if (strcmp(status, "sent") == 0 && message_id)
		rc = asprintf(&reason, _("%s: sent, Message-ID %s"), what, message_id);
	else if (strcmp(status, "sent") == 0)
		rc = asprintf(&reason, _("%s: sent"), what);
	else if (strcmp(status, "retrying") == 0)
		rc = asprintf(&reason, _("%s: not sent (%s); next attempt %s"), what,
		    error ? error : "", next_at ? next_at : "");
	else
		rc = asprintf(&reason, _("%s: not sent, given up (%s); the office is told"), what,
		    error ? error : "");
	free(what);
	if (rc < 0)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		struct outcome *o = realloc(r->o, nc * sizeof(*o));
		if (o == NULL) {
			free(reason);
			return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		}
		r->o = o;
		r->cap = nc;
	}
	struct outcome *o = &r->o[r->n++];
	o->n = n;
	o->status = status;
	o->error = error ? strdup(error) : NULL;
	o->next_at = next_at ? strdup(next_at) : NULL;
	o->reason = reason;
	if ((error && o->error == NULL) || (next_at && o->next_at == NULL)) {
		outcomes_clear(r);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	if (r->n == 1)
		clock_gettime(CLOCK_MONOTONIC, &r->since);
	int batch = r->app->cfg->notify_batch > 0 ? r->app->cfg->notify_batch : 1;
	if ((int)r->n >= batch || since(&r->since) >= 1.0)
		return flush(r, err);
	return SM_OK;
}

static sm_status
deliver(sender *s, struct run *run, const sm_notice *n, sm_notify_stats *stats, sm_err *err)
{
	sm_app *app = s->app;
	char *why = NULL, *message_id = NULL;
	send_rc rc;
	bool mail = n->channel && strcmp(n->channel, "email") == 0;

	/* a channel sitemark is not configured for: the run says so */
	const char *missing = mail ? s->mail_missing : s->sms_missing;
	if (missing) {
		stats->waiting++;
		snprintf(stats->why_waiting, sizeof(stats->why_waiting), "%s", missing);
		return SM_OK;
	}
	/* checked when queued and again now: nothing else reaches a server */
	const char *bad = NULL;
	if (n->recipient == NULL || !sm_text_is_clean(n->recipient, false))
		bad = _("the recipient holds a control or invisible character");
	else if (mail ? sm_check_email(n->recipient) != NULL : sm_check_mobile(n->recipient) != NULL)
		bad = mail ? _("the recipient is not a valid e-mail address") :
		    _("the recipient is not a valid mobile number");
	else if (header_unsafe(n->name) || header_unsafe(n->subject))
		bad = _("a header value holds a line break or another control character: not sent");
	if (bad) {
		rc = SEND_FAIL;
		why = strdup(bad);
	} else if (mail)
		rc = send_mail(s, n, &why, &message_id);
	else
		rc = send_sms(s, n, &why);

	time_t now = sm_clock_now(&app->clock);
	time_t created = parse_time(n->created_at);
	char next[32];
	sm_status st;
	if (rc == SEND_OK) {
		st = record(run, n, "sent", NULL, NULL, message_id, err);
		stats->sent++;
	} else {
		uint32_t jitter = 0;
		sm_random_bytes(&jitter, sizeof(jitter), NULL);
		int delay = sm_notify_delay(app->cfg, n->attempts + 1,
		    (double)(jitter % 1000000) / 1e6);
		if (rc == SEND_RETRY && (created == (time_t)-1 ||
		    now + delay - created < (time_t)app->cfg->notify_give_up)) {
			sm_time_format(now + delay, next, sizeof(next));
			st = record(run, n, "retrying", why ? why : "?", next, NULL, err);
			stats->retrying++;
		} else {
			st = record(run, n, "failed", why ? why : "?", NULL, NULL, err);
			stats->failed++;
		}
	}
	free(why);
	free(message_id);
	return st;
}

/* ------------------------------------------------------------ scheduled notices */

struct sched_ctx {
	sm_app *app;
	int64_t case_id;
	const char *event, *due, *code;
	int queued;
};

static sm_status
sched_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct sched_ctx *x = ud;
	return sm_case_queue_scheduled(tx, x->app, x->case_id, x->event, x->due, x->code,
	    &x->queued, err);
}

/* Queue the reminders and overdue notices due today (domain.md §7-8). */
static sm_status
schedule(sm_app *app, sm_notify_stats *stats, sm_err *err)
{
	sm_date today = sm_clock_today(&app->clock);
	char until[16], day[16];
	int64_t *cases = NULL;
	char **due = NULL;
	size_t n = 0;
	/* the reminder's day is two working days before the deadline: at most
	 * a few weeks when holidays lie between */
	sm_date_format(today + 31, until, sizeof(until));
	sm_date_format(today, day, sizeof(day));
	sm_status st = sm_store_hang_due(app->store, until, &cases, &due, &n, err);
	for (size_t i = 0; st == SM_OK && i < n; i++) {
		sm_date d = sm_date_parse(due[i]);
		if (d == SM_DATE_NONE)
			continue;
		const char *event = NULL;
		if (today > d)
			event = "overdue";
		else {
			/* the second working day before the deadline */
			sm_date r = d;
			for (int k = 0; k < 2;) {
				r--;
				if (sm_calendar_is_workday(app->cal, r, NULL))
					k++;
			}
			if (today >= r)
				event = "reminder";
		}
		if (event == NULL)
			continue;
		char rid[37];
		sm_mark m = {0};
		if (sm_store_mark_get(app->store, cases[i], &m, err) != SM_OK) {
			st = sm_err_status(err);
			break;
		}
		struct sched_ctx x = {app, cases[i], event, due[i], m.code, 0};
		if ((st = sm_random_request_id(rid, err)) == SM_OK)
			st = sm_store_write(app->store, rid, sched_tx, &x, NULL, NULL, err);
		stats->scheduled += x.queued;
		sm_mark_clear(&m);
	}
	sm_hang_due_free(&cases, &due, &n);
	return st;
}

/* ------------------------------------------------------------ the run */

static int
take_lock(sm_app *app, sm_err *err)
{
	char *path = NULL;
	int n;
	if (strncmp(app->db_path, SM_DB_DQLITE_PREFIX, strlen(SM_DB_DQLITE_PREFIX)) == 0) {
		/* a cluster has no place beside it: the lock is this machine's
		 * (one sender per machine and cluster), in the user's runtime
		 * directory, or sitemark's state directory when privileged */
		const char *run = sm_priv_active() ? NULL : secure_getenv("XDG_RUNTIME_DIR");
		uint32_t h = 2166136261u; /* FNV-1a of the cluster's nodes */
		for (const char *c = app->db_path; *c; c++)
			h = (h ^ (unsigned char)*c) * 16777619u;
		n = run != NULL && run[0] == '/' ?
		    asprintf(&path, "%s/sitemark-notify-%08x.lock", run, h) :
		    asprintf(&path, "%s/lib/sitemark/notify-%08x.lock", LOCALSTATEDIR, h);
	} else {
		/* beside the file itself: a database named through a symbolic
		 * link or another path has one lock */
		char *real = realpath(app->db_path, NULL);
		n = asprintf(&path, "%s.notify.lock", real ? real : app->db_path);
		free(real);
	}
	if (n < 0) {
		sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (fd < 0) {
		sm_err_add(err, SM_E_IO, NULL, _("%s: cannot open: %s"), path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		sm_err_add(err, SM_E_CONFLICT, NULL,
		    _("another sender is delivering the notifications (%s is locked); nothing was sent"),
		    path);
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	return fd;
}

sm_status
sm_notify_run(sm_app *app, sm_notify_stats *stats, sm_err *err)
{
	static bool curl_ready;
	sender s = {0};
	struct run run = {.app = app};
	sm_status st;

	memset(stats, 0, sizeof(*stats));
	if (app->user.login == NULL || app->user.role != SM_ROLE_SYSADMIN)
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("notifications are delivered by a system administrator's account (notify run)"));
	int fd = take_lock(app, err);
	if (fd < 0)
		return sm_err_status(err);
	if (!curl_ready) {
		if (sm_curl_load(err) != SM_OK) {
			close(fd);
			return sm_err_status(err);
		}
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			close(fd);
			return sm_err_add(err, SM_E_IO, NULL, _("libcurl could not start"));
		}
		curl_ready = true;
	}
	if ((st = schedule(app, stats, err)) != SM_OK || (st = sender_open(&s, app, err)) != SM_OK) {
		sender_close(&s);
		close(fd);
		return st;
	}
	int64_t after = 0;
	for (;;) {
		char now[32];
		sm_notice *due = NULL;
		size_t n = 0;
		sm_store_now(app->store, now);
		if ((st = sm_store_notices_due(app->store, now, after, BATCH, &due, &n, err)) != SM_OK)
			break;
		for (size_t i = 0; i < n && st == SM_OK; i++) {
			st = deliver(&s, &run, &due[i], stats, err);
			after = due[i].id;
		}
		/* before the batch they point into is freed */
		if (st == SM_OK)
			st = flush(&run, err);
		outcomes_clear(&run);
		for (size_t i = 0; i < n; i++)
			sm_notice_clear(&due[i]);
		free(due);
		if (st != SM_OK || n < BATCH)
			break;
	}
	free(run.o);
	sender_close(&s);
	close(fd);
	return st;
}

/* ------------------------------------------------------------ words */

const char *
sm_notice_channel_label(const char *channel)
{
	if (channel && strcmp(channel, "sms") == 0)
		return _("SMS");
	if (channel && strcmp(channel, "email") == 0)
		return _("e-mail");
	return channel ? channel : "";
}

const char *
sm_notice_event_label(const char *event)
{
	static const struct { const char *event, *label; } events[] = {
		{"returned", N_("returned")},
		{"payment", N_("awaiting payment")},
		{"paper", N_("print and send the paper")},
		{"mark_issued", N_("mark issued")},
		{"reminder", N_("reminder to hang the mark")},
		{"overdue", N_("mark overdue")},
		{"mail", N_("e-mail from the office")},
	};
	for (size_t i = 0; event && i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(events[i].event, event) == 0)
			return _(events[i].label);
	return event ? event : "";
}

bool
sm_notice_failed(const sm_notice *n)
{
	return n->status && strcmp(n->status, "failed") == 0;
}

/* "2026-02-13 10:00" of an ISO time, into BUF. */
static const char *
short_time(const char *iso, char out[20])
{
	snprintf(out, 20, "%.16s", iso ? iso : "");
	if (out[10] == 'T')
		out[10] = ' ';
	return out;
}

char *
sm_notice_status_text(const sm_notice *n)
{
	char *r = NULL, t[20];
	const char *s = n->status ? n->status : "";
	const char *why = n->last_error ? n->last_error : "";
	int rc;
	if (strcmp(s, "sent") == 0)
		rc = asprintf(&r, _("sent %s"), short_time(n->sent_at, t));
	else if (strcmp(s, "pending") == 0)
		rc = asprintf(&r, "%s", _("waiting to be sent"));
	else if (strcmp(s, "retrying") == 0)
		rc = asprintf(&r, _("not sent (%s), attempts: %d; next attempt %s"), why,
		    n->attempts, short_time(n->next_at, t));
	else if (strcmp(s, "failed") == 0)
		rc = asprintf(&r, _("failed, given up after %d attempts: %s"), n->attempts, why);
	else if (strcmp(s, "refused") == 0)
		rc = asprintf(&r, "%s", why);
	else
		rc = asprintf(&r, "%s", s);
	return rc < 0 ? NULL : r;
}
