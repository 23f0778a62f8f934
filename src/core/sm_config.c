/* sm_config.c - the configuration file (interfaces.md "Configuration").
 *
 * Keys may be written nested (smtp: {url: ...}) or dotted at the top level
 * (smtp.url: ...); both name the same setting, which may be given once.
 * A null or empty value leaves the default. */
#include <config.h>

#include "sm_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sm_i18n.h"
#include "sm_priv.h"
#include "sm_anchor.h"
#include "sm_text.h"
#include "sm_vocab.h"
#include "sm_yaml.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/sitemark"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define DEFAULT_BASE_URL "https://bs.sitemark.invalid"

enum kind {
	K_STR,       /* one line of text */
	K_TEXT,      /* text that may hold newlines and tabs */
	K_PATH,      /* a file name, relative to the configuration file */
	K_URL_HTTP,  /* http:// or https:// */
	K_URL_SMTP,  /* smtp:// or smtps:// */
	K_CURSOR,    /* console.cursor: marker or reverse */
	K_SECONDS,   /* a whole number of seconds, 0 to 3600 */
	K_COUNT,     /* a whole number from 1 to 100000000 (an int) */
	K_HEADERS,   /* sms.headers */
	K_SUPPORT,   /* support */
	K_BOOL,      /* true or false (an int 0 or 1) */
	K_ROLES,     /* auth.totp_roles: a list of role names (an unsigned bit mask) */
	K_ADDRS,     /* a list of host:port (or one), kept joined by commas */
	K_BACKEND    /* store.backend: sqlite or dqlite */
};

struct key {
	const char *name;
	enum kind kind;
	size_t off; /* of the char * in sm_config (K_STR..K_URL_SMTP) */
	long min, max; /* K_SECONDS and K_COUNT: the range, when not the kind's */
};

#define OFF(m) offsetof(sm_config, m)

static const struct key keys[] = {
	{ "database", K_PATH, OFF(database), 0, 0 },
	{ "mark.base_url", K_URL_HTTP, OFF(mark_base_url), 0, 0 },
	{ "smtp.url", K_URL_SMTP, OFF(smtp_url), 0, 0 },
	{ "smtp.from", K_STR, OFF(smtp_from), 0, 0 },
	{ "smtp.user", K_STR, OFF(smtp_user), 0, 0 },
	{ "smtp.password_file", K_PATH, OFF(smtp_password_file), 0, 0 },
	{ "sms.url", K_URL_HTTP, OFF(sms_url), 0, 0 },
	{ "sms.headers", K_HEADERS, 0, 0, 0 },
	{ "sms.body", K_TEXT, OFF(sms_body), 0, 0 },
	{ "support", K_SUPPORT, 0, 0, 0 },
	{ "calendar", K_PATH, OFF(calendar), 0, 0 },
	{ "forms", K_PATH, OFF(forms_dir), 0, 0 },
	{ "divisions", K_PATH, OFF(divisions), 0, 0 },
	{ "console.cursor", K_CURSOR, OFF(console_cursor), 0, 0 },
	{ "console.follow", K_SECONDS, OFF(console_follow_ms), 0, 0 },
	{ "fee.amount", K_STR, OFF(fee_amount), 0, 0 },
	{ "fee.how", K_TEXT, OFF(fee_how), 0, 0 },
	{ "audit.anchors", K_PATH, OFF(audit_anchors), 0, 0 },
	{ "audit.anchor_every", K_COUNT, OFF(audit_anchor_every), 0, 0 },
	{ "audit.syslog", K_STR, OFF(audit_syslog), 0, 0 },
	{ "console.idle_logout", K_SECONDS, OFF(console_idle_logout_ms), 0, 86400 }, /* as the policy */
	{ "auth.totp_roles", K_ROLES, OFF(auth_totp_roles), 0, 0 },
	{ "auth.totp_required", K_BOOL, OFF(auth_totp_required), 0, 0 },
	{ "auth.max_failures", K_COUNT, OFF(auth_max_failures), 0, 0 },
	{ "print.printer", K_STR, OFF(print_printer), 0, 0 },
	{ "print.directory", K_PATH, OFF(print_directory), 0, 0 },
	{ "print.title_font", K_STR, OFF(print_title_font), 0, 0 },
	{ "print.body_font", K_STR, OFF(print_body_font), 0, 0 },
	{ "smtp.ca_file", K_PATH, OFF(smtp_ca_file), 0, 0 },
	{ "smtp.starttls", K_BOOL, OFF(smtp_starttls), 0, 0 },
	{ "notify.retry_base", K_COUNT, OFF(notify_retry_base), 0, 0 },
	{ "notify.retry_cap", K_COUNT, OFF(notify_retry_cap), 0, 0 },
	{ "notify.give_up", K_COUNT, OFF(notify_give_up), 0, 0 },
	{ "notify.interval", K_COUNT, OFF(notify_interval), 0, 0 },
	{ "notify.timeout", K_COUNT, OFF(notify_timeout), 0, 0 },
	{ "notify.connect_timeout", K_COUNT, OFF(notify_connect_timeout), 0, 0 },
	{ "notify.batch", K_COUNT, OFF(notify_batch), 0, 0 },
	{ "site.dir", K_PATH, OFF(site_dir), 0, 0 },
	{ "site.language", K_STR, OFF(site_language), 0, 0 },
	{ "monitor.pages", K_COUNT, OFF(monitor_pages), 0, 0 },
	{ "monitor.connections", K_COUNT, OFF(monitor_connections), 0, 0 },
	{ "monitor.per_host", K_COUNT, OFF(monitor_per_host), 0, 0 },
	{ "monitor.threads", K_COUNT, OFF(monitor_threads), 0, 0 },
	{ "monitor.connect_timeout", K_SECONDS, OFF(monitor_connect_timeout_ms), 1, 3600 },
	{ "monitor.timeout", K_SECONDS, OFF(monitor_timeout_ms), 1, 3600 },
	{ "monitor.max_bytes", K_COUNT, OFF(monitor_max_bytes), 0, 0 },
	{ "monitor.max_redirects", K_COUNT, OFF(monitor_max_redirects), 0, 0 },
	{ "monitor.http_port", K_COUNT, OFF(monitor_http_port), 1, 65535 },
	{ "monitor.https_port", K_COUNT, OFF(monitor_https_port), 1, 65535 },
	{ "monitor.ca_file", K_PATH, OFF(monitor_ca_file), 0, 0 },
	{ "store.backend", K_BACKEND, OFF(store_backend), 0, 0 },
	{ "store.nodes", K_ADDRS, OFF(store_nodes), 0, 0 },
	{ "store.timeout", K_SECONDS, OFF(store_timeout_ms), 1, 3600 },
	{ "node.id", K_COUNT, OFF(node_id), 0, 0 },
	{ "node.address", K_ADDRS, OFF(node_address), 0, 0 },
	{ "node.data_dir", K_PATH, OFF(node_data_dir), 0, 0 },
	{ "node.join", K_ADDRS, OFF(node_join), 0, 0 },
	{ "node.latency_ms", K_COUNT, OFF(node_latency_ms), 0, 0 },
	{ "node.bind", K_ADDRS, OFF(node_bind), 0, 0 },
	{ "node.cluster", K_STR, OFF(node_cluster), 0, 0 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Keys that hold a mapping of the keys above. */
static const char *const sections[] = { "mark", "smtp", "sms", "console", "fee", "audit", "auth",
	"print", "notify", "site", "monitor", "store", "node" };

struct loader {
	const char *path;  /* the configuration file */
	char *dir;         /* its directory with a trailing '/', or "" */
	sm_config *cfg;
	sm_err *warn, *err;
	bool seen[NKEYS];
	bool support_set;
	bool keys_seen;
	bool presentation_only; /* the caller's own file, read privileged */
	int bad;           /* an error was found */
	int nomem;
};

static void cerr(struct loader *L, const char *field, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void kwarn(struct loader *L, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE: message" about FIELD into TO. */
static void
vadd(struct loader *L, sm_err *to, const char *field, int line, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (msg == NULL) {
		L->nomem = 1;
		return;
	}
	sm_err_add(to, SM_E_INVALID, field, "%s:%d: %s", L->path, line, msg);
	free(msg);
}

/* An error at LINE about FIELD (a dotted key, may be NULL). */
static void
cerr(struct loader *L, const char *field, int line, const char *fmt, ...)
{
	va_list ap;

	L->bad = 1;
	va_start(ap, fmt);
	vadd(L, L->err, field, line, fmt, ap);
	va_end(ap);
}

/* A warning about FIELD at LINE. */
static void
fwarn(struct loader *L, const char *field, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void
fwarn(struct loader *L, const char *field, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(L, L->warn, field, line, fmt, ap);
	va_end(ap);
}

/* A warning about the "keys" section at LINE: the console starts anyway. */
static void
kwarn(struct loader *L, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(L, L->warn, "keys", line, fmt, ap);
	va_end(ap);
}

static void
unknown(struct loader *L, const char *name, int line)
{
	char *sh = sm_text_excerpt(name);

	sm_err_add(L->warn, SM_E_INVALID, sh, _("%s:%d: unknown key '%s'"), L->path, line, sh);
	sm_text_excerpt_free(sh);
}

static char *
dupstr(struct loader *L, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		L->nomem = 1;
	return d;
}

/* A string value: NULL when null or empty (the default stays), else the
 * scalar; *OK is false after an error. */
static const char *
scalar(struct loader *L, const char *name, const sm_node *v, bool *ok)
{
	*ok = true;
	if (v->type != SM_NODE_SCALAR) {
		cerr(L, name, v->line, _("'%s' must be a string"), name);
		*ok = false;
		return NULL;
	}
	if (v->null || v->scalar == NULL || v->scalar[0] == '\0')
		return NULL;
	return v->scalar;
}

/* Whether S has a control character (C0, DEL, C1); newlines and tabs are
 * allowed when MULTILINE.  These values end up in mail and HTTP headers. */
static bool
has_control(const char *s, bool multiline)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		unsigned int cp;
		size_t n = sm_utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			return true;
		if ((cp < 0x20 && !(multiline && (cp == '\n' || cp == '\t' || cp == '\r'))) ||
		    (cp >= 0x7F && cp <= 0x9F))
			return true;
		i += n;
	}
	return false;
}

static bool
check_text(struct loader *L, const char *name, int line, const char *s, bool multiline)
{
	if (has_control(s, multiline)) {
		cerr(L, name, line, _("'%s' contains a control character"), name);
		return false;
	}
	return true;
}

static bool
check_url(struct loader *L, const char *name, int line, const char *s,
    const char *a, const char *b)
{
	size_t n;
	const char *rest;

	if (strncmp(s, a, strlen(a)) == 0)
		n = strlen(a);
	else if (strncmp(s, b, strlen(b)) == 0)
		n = strlen(b);
	else {
		char *sh = sm_text_excerpt(s);
		cerr(L, name, line, _("'%s' must start with %s or %s, not '%s'"),
		    name, a, b, sh);
		sm_text_excerpt_free(sh);
		return false;
	}
	rest = s + n;
	if (*rest == '\0' || *rest == '/' || *rest == ':') {
		cerr(L, name, line, _("'%s' has no host name"), name);
		return false;
	}
	for (const char *c = rest; *c; c++)
		if (*c == ' ' || *c == '\t') {
			cerr(L, name, line, _("'%s' must not contain spaces"), name);
			return false;
		}
	/* a port, when given, is one: host:1 to host:65535 ([v6]:port) */
	size_t alen = strcspn(rest, "/?#");
	const char *at = memchr(rest, '@', alen), *host = at ? at + 1 : rest;
	const char *end = rest + alen, *colon = NULL;
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));
		colon = close && close + 1 < end && close[1] == ':' ? close + 1 : NULL;
	} else {
		for (const char *c = host; c < end; c++)
			if (*c == ':')
				colon = c;
	}
	if (colon != NULL) {
		long port = 0;
		const char *d = colon + 1;
		for (; d < end && *d >= '0' && *d <= '9' && port <= 65535; d++)
			port = port * 10 + (*d - '0');
		if (d != end || d == colon + 1 || port < 1 || port > 65535) {
			char *sh = sm_text_excerpt(s);
			cerr(L, name, line, _("'%s' has a port that is not a number from 1 to 65535: '%s'"),
			    name, sh);
			sm_text_excerpt_free(sh);
			return false;
		}
	}
	return true;
}

/* PATH relative to the configuration file's directory; "~/" is $HOME. */
static char *
resolve(struct loader *L, const char *p)
{
	char *r = NULL;

	if (p[0] == '/')
		return dupstr(L, p);
	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		const char *home = getenv("HOME");
		if (home != NULL && home[0] == '/') {
			if (asprintf(&r, "%s%s", home, p + 1) < 0) {
				L->nomem = 1;
				return NULL;
			}
			return r;
		}
	}
	if (asprintf(&r, "%s%s", L->dir, p) < 0) {
		L->nomem = 1;
		return NULL;
	}
	return r;
}

/* An HTTP header field name (RFC 9110 token). */
static bool
is_token(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL))
			return false;
	}
	return true;
}

static bool
add_header(struct loader *L, const char *name, int line, char *h)
{
	sm_config *cfg = L->cfg;
	const char *colon = strchr(h, ':');
	char **p;

	if (colon == NULL || !is_token(h, (size_t)(colon - h))) {
		char *sh = sm_text_excerpt(h);
		cerr(L, name, line, _("header '%s' is not of the form \"Name: value\""), sh);
		sm_text_excerpt_free(sh);
		free(h);
		return false;
	}
	if (has_control(h, false)) {
		cerr(L, name, line, _("'%s' contains a control character"), name);
		free(h);
		return false;
	}
	p = realloc(cfg->sms_headers, (cfg->n_sms_headers + 1) * sizeof(*p));
	if (p == NULL) {
		free(h);
		L->nomem = 1;
		return false;
	}
	cfg->sms_headers = p;
	cfg->sms_headers[cfg->n_sms_headers++] = h;
	return true;
}

/* auth.totp_roles: a list of role names (or one name) into the bit mask *MASK. */
static void
set_roles(struct loader *L, const char *name, const sm_node *v, unsigned *mask)
{
	*mask = 0;
	if (v->type == SM_NODE_SCALAR && v->null)
		return;
	if (v->type != SM_NODE_SEQ && v->type != SM_NODE_SCALAR) {
		cerr(L, name, v->line, _("'%s' must be a list of role names"), name);
		return;
	}
	for (size_t i = 0; i < (v->type == SM_NODE_SEQ ? v->n : 1); i++) {
		const sm_node *it = v->type == SM_NODE_SEQ ? v->items[i] : v;
		sm_role r = it->type == SM_NODE_SCALAR && !it->null ? sm_role_parse(it->scalar) : SM_ROLE_NONE;
		if (r == SM_ROLE_NONE || r == SM_ROLE_UNIT || r == SM_ROLE_MONITOR) {
			char *sh = sm_text_excerpt(it->type == SM_NODE_SCALAR && !it->null ? it->scalar : "");
			cerr(L, name, it->line, _("'%s': '%s' is not a role that signs in with a second factor (sysadmin, secadmin, auditor, office, conac, service)"),
			    name, sh);
			sm_text_excerpt_free(sh);
			continue;
		}
		*mask |= 1u << r;
	}
}

/* Whether S is host:port ([v6]:port), port 1 to 65535. */
static bool
is_host_port(const char *s)
{
	const char *colon = s[0] == '[' ? strstr(s, "]:") : strrchr(s, ':');
	if (colon == NULL || colon == s)
		return false;
	if (s[0] == '[')
		colon++;
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || port < 1 || port > 65535)
		return false;
	for (const char *p = s; p < colon; p++)
		if (*p == ' ' || *p == ',' || (unsigned char)*p < 0x21 || *p == 0x7f)
			return false;
	return true;
}

/* store.nodes, node.join, node.address, node.bind: host:port, or a list of
 * them, kept in *DST joined by commas. */
static void
set_addrs(struct loader *L, const char *name, const sm_node *v, char **dst)
{
	if (v->type == SM_NODE_SCALAR && v->null)
		return;
	if (v->type != SM_NODE_SEQ && v->type != SM_NODE_SCALAR) {
		cerr(L, name, v->line, _("'%s' must be host:port or a list of host:port"), name);
		return;
	}
	size_t n = v->type == SM_NODE_SEQ ? v->n : 1;
	if ((strcmp(name, "node.address") == 0 || strcmp(name, "node.bind") == 0) && n != 1) {
		cerr(L, name, v->line, _("'%s' must be one host:port"), name);
		return;
	}
	char *all = NULL;
	for (size_t i = 0; i < n; i++) {
		const sm_node *it = v->type == SM_NODE_SEQ ? v->items[i] : v;
		const char *a = it->type == SM_NODE_SCALAR && !it->null ? it->scalar : "";
		if (!is_host_port(a)) {
			char *sh = sm_text_excerpt(a);
			cerr(L, name, it->line, _("'%s': '%s' is not host:port"), name, sh);
			sm_text_excerpt_free(sh);
			free(all);
			return;
		}
		char *next = NULL;
		if (asprintf(&next, "%s%s%s", all ? all : "", all ? "," : "", a) < 0) {
			L->nomem = 1;
			free(all);
			return;
		}
		free(all);
		all = next;
	}
	free(*dst);
	*dst = all;
}

static void
set_headers(struct loader *L, const char *name, const sm_node *v)
{
	if (v->type == SM_NODE_SCALAR && v->null)
		return;
	if (v->type == SM_NODE_SEQ) {
		for (size_t i = 0; i < v->n; i++) {
			const sm_node *it = v->items[i];
			char *h;
			if (it->type != SM_NODE_SCALAR || it->null) {
				cerr(L, name, it->line, _("'%s' must be a list of "
				    "\"Name: value\" strings or a mapping from name to value"),
				    name);
				continue;
			}
			if ((h = dupstr(L, it->scalar)) != NULL)
				add_header(L, name, it->line, h);
		}
	} else if (v->type == SM_NODE_MAP) {
		for (size_t i = 0; i < v->n; i++) {
			const sm_node *it = v->items[i];
			int line = v->key_lines ? v->key_lines[i] : v->line;
			char *h = NULL;
			if (it->type != SM_NODE_SCALAR) {
				cerr(L, name, it->line, _("'%s' must be a list of "
				    "\"Name: value\" strings or a mapping from name to value"),
				    name);
				continue;
			}
			if (strchr(v->keys[i], ':') != NULL) {
				char *sh = sm_text_excerpt(v->keys[i]);
				cerr(L, name, line, _("header name '%s' contains a colon"), sh);
				sm_text_excerpt_free(sh);
				continue;
			}
			if (asprintf(&h, "%s: %s", v->keys[i],
			    it->null ? "" : it->scalar) < 0) {
				L->nomem = 1;
				continue;
			}
			add_header(L, name, line, h);
		}
	} else
		cerr(L, name, v->line, _("'%s' must be a list of \"Name: value\" "
		    "strings or a mapping from name to value"), name);
}

static void
free_support(sm_config *cfg)
{
	for (size_t i = 0; i < cfg->n_support; i++) {
		free(cfg->support[i].name);
		free(cfg->support[i].phone);
		free(cfg->support[i].scope);
	}
	free(cfg->support);
	cfg->support = NULL;
	cfg->n_support = 0;
}

static void
set_support(struct loader *L, const char *name, const sm_node *v)
{
	sm_config *cfg = L->cfg;

	if (v->type == SM_NODE_SCALAR && v->null)
		return;
	if (v->type != SM_NODE_SEQ) {
		cerr(L, name, v->line, _("'%s' must be a list of contacts, each "
		    "with 'name', 'phone' and optionally 'scope'"), name);
		return;
	}
	L->support_set = true;
	if (v->n == 0)
		return;
	if ((cfg->support = calloc(v->n, sizeof(*cfg->support))) == NULL) {
		L->nomem = 1;
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const sm_node *it = v->items[i];
		sm_support_contact c = { NULL, NULL, NULL };
		bool ok = true;

		if (it->type != SM_NODE_MAP) {
			cerr(L, name, it->line, _("'%s' must be a list of contacts, each "
			    "with 'name', 'phone' and optionally 'scope'"), name);
			continue;
		}
		for (size_t j = 0; j < it->n; j++) {
			const char *k = it->keys[j];
			const sm_node *x = it->items[j];
			int line = it->key_lines ? it->key_lines[j] : it->line;
			char **dst;
			const char *s;
			char *full = NULL;
			bool sok;

			if (strcmp(k, "name") == 0)
				dst = &c.name;
			else if (strcmp(k, "phone") == 0)
				dst = &c.phone;
			else if (strcmp(k, "scope") == 0)
				dst = &c.scope;
			else {
				if (asprintf(&full, "%s.%s", name, k) < 0)
					L->nomem = 1;
				else
					unknown(L, full, line);
				free(full);
				continue;
			}
			if (asprintf(&full, "%s.%s", name, k) < 0) {
				L->nomem = 1;
				continue;
			}
			s = scalar(L, full, x, &sok);
			if (sok && s != NULL && check_text(L, full, x->line, s, false))
				*dst = dupstr(L, s);
			else if (!sok)
				ok = false;
			free(full);
		}
		if (ok && c.name == NULL) {
			cerr(L, name, it->line, _("a support contact needs a '%s'"), "name");
			ok = false;
		}
		if (ok && c.phone == NULL) {
			cerr(L, name, it->line, _("a support contact needs a '%s'"), "phone");
			ok = false;
		}
		cfg->support[cfg->n_support++] = c;
	}
}

static void
set_key(struct loader *L, const char *name, int line, const sm_node *v)
{
	size_t i;
	const char *s;
	char **dst;
	bool ok;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	if (i == NKEYS) {
		unknown(L, name, line);
		return;
	}
	/* Privileged (installed set-group-id), the caller's own configuration
	 * sets only presentation: the store, the data and the audit settings
	 * come from the system's (issue 7). */
	if (L->presentation_only && (strncmp(name, "console.", 8) != 0 ||
	    strcmp(name, "console.idle_logout") == 0)) { /* the log-out is a rule, not a look */
		fwarn(L, name, line, _("'%s' is ignored: sitemark runs with privileges you do not have, and your own configuration may set only keys and how the console looks (console.*, but not console.idle_logout); ask the administrator to set it in %s"),
		    name, SYSCONFDIR "/sitemark/sitemark.yaml");
		return;
	}
	if (L->seen[i]) {
		cerr(L, name, line, _("'%s' is given twice"), name);
		return;
	}
	L->seen[i] = true;
	switch (keys[i].kind) {
	case K_HEADERS:
		set_headers(L, name, v);
		return;
	case K_SUPPORT:
		set_support(L, name, v);
		return;
	case K_ROLES:
		set_roles(L, name, v, (unsigned *)(void *)((char *)L->cfg + keys[i].off));
		return;
	case K_ADDRS:
		set_addrs(L, name, v, (char **)(void *)((char *)L->cfg + keys[i].off));
		return;
	default:
		break;
	}
	if (v->type != SM_NODE_SCALAR && (keys[i].kind == K_COUNT || keys[i].kind == K_SECONDS ||
	    keys[i].kind == K_BOOL)) {
		cerr(L, name, v->line, keys[i].kind == K_BOOL ? _("'%s' must be true or false") :
		    keys[i].kind == K_COUNT ? _("'%s' must be a whole number") :
		    _("'%s' must be a whole number of seconds"), name);
		return;
	}
	s = scalar(L, name, v, &ok);
	if (!ok || s == NULL)
		return;
	if (!check_text(L, name, v->line, s, keys[i].kind == K_TEXT))
		return;
	if (keys[i].kind == K_URL_HTTP &&
	    !check_url(L, name, v->line, s, "http://", "https://"))
		return;
	if (keys[i].kind == K_URL_SMTP &&
	    !check_url(L, name, v->line, s, "smtp://", "smtps://"))
		return;
	if (keys[i].kind == K_CURSOR && strcmp(s, "marker") != 0 && strcmp(s, "reverse") != 0) {
		char *sh = sm_text_excerpt(s);
		cerr(L, name, v->line, _("'%s' must be 'marker' or 'reverse', not '%s'"), name, sh);
		sm_text_excerpt_free(sh);
		return;
	}
	if (keys[i].kind == K_BACKEND && strcmp(s, "sqlite") != 0 && strcmp(s, "dqlite") != 0) {
		char *sh = sm_text_excerpt(s);
		cerr(L, name, v->line, _("'%s' must be 'sqlite' or 'dqlite', not '%s'"), name, sh);
		sm_text_excerpt_free(sh);
		return;
	}
	if (strcmp(keys[i].name, "audit.syslog") == 0 && sm_anchor_facility(s) == -2) {
		char *sh = sm_text_excerpt(s);
		cerr(L, name, v->line, _("'%s' must be a syslog facility (auth, authpriv, daemon, user, local0 to local7) or 'none', not '%s'"),
		    name, sh);
		sm_text_excerpt_free(sh);
		return;
	}
	if (keys[i].kind == K_BOOL) {
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0) {
			char *sh = sm_text_excerpt(s);
			cerr(L, name, v->line, _("'%s' must be true or false, not '%s'"), name, sh);
			sm_text_excerpt_free(sh);
			return;
		}
		*(int *)(void *)((char *)L->cfg + keys[i].off) = strcmp(s, "true") == 0;
		return;
	}
	long min = keys[i].min, max = keys[i].max;
	if (max == 0) /* the kind's range */
		min = keys[i].kind == K_COUNT, max = keys[i].kind == K_COUNT ? 100000000 : 3600;
	if (keys[i].kind == K_COUNT) {
		char *end = NULL;
		long cnt = strtol(s, &end, 10);
		if (end == s || *end != '\0' || cnt < min || cnt > max) {
			char *sh = sm_text_excerpt(s);
			cerr(L, name, v->line, _("'%s' must be a whole number from %ld to %ld, not '%s'"),
			    name, min, max, sh);
			sm_text_excerpt_free(sh);
			return;
		}
		*(int *)(void *)((char *)L->cfg + keys[i].off) = (int)cnt;
		return;
	}
	if (keys[i].kind == K_SECONDS) {
		char *end = NULL;
		long secs = strtol(s, &end, 10);
		if (end == s || *end != '\0' || secs < min || secs > max) {
			char *sh = sm_text_excerpt(s);
			cerr(L, name, v->line, _("'%s' must be a whole number of seconds from %ld to %ld, not '%s'"),
			    name, min, max, sh);
			sm_text_excerpt_free(sh);
			return;
		}
		*(int *)(void *)((char *)L->cfg + keys[i].off) = (int)secs * 1000;
		return;
	}
	dst = (char **)(void *)((char *)L->cfg + keys[i].off);
	free(*dst);
	*dst = keys[i].kind == K_PATH ? resolve(L, s) : dupstr(L, s);
}

static void
add_binding(struct loader *L, const char *screen, const char *action, const char *key, int line)
{
	sm_config *cfg = L->cfg;
	sm_key_binding *p = realloc(cfg->keys, (cfg->n_keys + 1) * sizeof(*p));

	if (p == NULL) {
		L->nomem = 1;
		return;
	}
	cfg->keys = p;
	p = &cfg->keys[cfg->n_keys];
	p->screen = dupstr(L, screen);
	p->action = dupstr(L, action);
	p->key = key ? dupstr(L, key) : NULL;
	p->line = line;
	cfg->n_keys++;
}

/* keys: {SCREEN: {ACTION: KEY, ACTION: [KEY, KEY], ACTION: []}}.  The
 * names and the keys are the console's to check; here only the shape. */
static void
set_keys(struct loader *L, const sm_node *v, int line)
{
	if (L->keys_seen) {
		cerr(L, "keys", line, _("'%s' is given twice"), "keys");
		return;
	}
	L->keys_seen = true;
	if (v->type == SM_NODE_SCALAR && v->null)
		return;
	if (v->type != SM_NODE_MAP) {
		kwarn(L, v->line, "%s", _("'keys' must be a mapping from screens to "
		    "mappings from actions to keys"));
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const char *screen = v->keys[i];
		const sm_node *m = v->items[i];
		int sline = v->key_lines ? v->key_lines[i] : v->line;

		if (m->type == SM_NODE_SCALAR && m->null)
			continue;
		if (m->type != SM_NODE_MAP) {
			char *sh = sm_text_excerpt(screen);
			kwarn(L, sline, _("keys: '%s' must be a mapping from actions to keys"), sh);
			sm_text_excerpt_free(sh);
			continue;
		}
		for (size_t j = 0; j < m->n; j++) {
			const char *action = m->keys[j];
			const sm_node *k = m->items[j];
			int aline = m->key_lines ? m->key_lines[j] : m->line;

			if (k->type == SM_NODE_SCALAR) {
				add_binding(L, screen, action, k->null || !k->scalar || !*k->scalar ?
				    NULL : k->scalar, aline);
				continue;
			}
			if (k->type == SM_NODE_SEQ) {
				bool any = false;
				for (size_t x = 0; x < k->n; x++) {
					const sm_node *it = k->items[x];
					if (it->type != SM_NODE_SCALAR || it->null || !it->scalar) {
						char *sh = sm_text_excerpt(action);
						kwarn(L, it->line, _("keys: the keys of '%s' must be strings"), sh);
						sm_text_excerpt_free(sh);
						continue;
					}
					add_binding(L, screen, action, it->scalar, it->line);
					any = true;
				}
				if (!any && k->n == 0)
					add_binding(L, screen, action, NULL, aline);
				continue;
			}
			char *sh = sm_text_excerpt(action);
			kwarn(L, aline, _("keys: the keys of '%s' must be strings"), sh);
			sm_text_excerpt_free(sh);
		}
	}
}

static bool
is_section(const char *k)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(sections[i], k) == 0)
			return true;
	return false;
}

static void
load_tree(struct loader *L, const sm_node *root)
{
	if (root->type == SM_NODE_SCALAR && root->null)
		return; /* an empty file */
	if (root->type != SM_NODE_MAP) {
		cerr(L, NULL, root->line, "%s", _("the configuration must be a mapping "
		    "from keys to values"));
		return;
	}
	for (size_t i = 0; i < root->n; i++) {
		const char *k = root->keys[i];
		const sm_node *v = root->items[i];
		int line = root->key_lines ? root->key_lines[i] : root->line;

		if (strcmp(k, "keys") == 0) {
			set_keys(L, v, line);
			continue;
		}
		if (!is_section(k)) {
			set_key(L, k, line, v);
			continue;
		}
		if (v->type == SM_NODE_SCALAR && v->null)
			continue;
		if (v->type != SM_NODE_MAP) {
			cerr(L, k, v->line, _("'%s' must be a mapping"), k);
			continue;
		}
		for (size_t j = 0; j < v->n; j++) {
			char *full = NULL;
			if (asprintf(&full, "%s.%s", k, v->keys[j]) < 0) {
				L->nomem = 1;
				continue;
			}
			set_key(L, full, v->key_lines ? v->key_lines[j] : v->line,
			    v->items[j]);
			free(full);
		}
	}
}

const char *
sm_datadir(void)
{
	const char *d = secure_getenv("SITEMARK_DATADIR");

	return (d != NULL && *d != '\0') ? d : PKGDATADIR;
}

static char *
datafile(struct loader *L, const char *rel)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", sm_datadir(), rel) < 0) {
		L->nomem = 1;
		return NULL;
	}
	return p;
}

static void
fill_defaults(struct loader *L)
{
	/* The seed's contacts; the scope is an English msgid that the
	 * screens translate. */
	static const sm_support_contact seed[] = {
		{ "中央编办客服中心", "010-69001234", NULL },
		{ "省委编办电子政务中心 曾群", "0591-87304002", N_("Fujian provincial units") },
	};
	sm_config *cfg = L->cfg;

	if (cfg->mark_base_url == NULL)
		cfg->mark_base_url = dupstr(L, DEFAULT_BASE_URL);
	/* delivering notices (notify run): STARTTLS unless smtp.starttls is
	 * false; retries after 60 s doubling to an hour, given up after two
	 * days; the daemon looks every 60 s; 10 s to connect, 60 s a message */
	{
		static const struct { size_t off; int def; } notify_defaults[] = {
			{ OFF(notify_retry_base), 60 }, { OFF(notify_retry_cap), 3600 },
			{ OFF(notify_give_up), 172800 }, { OFF(notify_interval), 60 },
			{ OFF(notify_timeout), 60 }, { OFF(notify_connect_timeout), 10 },
			{ OFF(notify_batch), 10 },
		};
		for (size_t i = 0; i < sizeof(notify_defaults) / sizeof(notify_defaults[0]); i++) {
			int *v = (int *)(void *)((char *)cfg + notify_defaults[i].off);
			if (*v == 0)
				*v = notify_defaults[i].def;
		}
		for (size_t i = 0; i < NKEYS; i++)
			if (strcmp(keys[i].name, "smtp.starttls") == 0 && !L->seen[i])
				cfg->smtp_starttls = 1;
	}
	if (cfg->site_language == NULL)
		cfg->site_language = dupstr(L, "zh_CN.UTF-8");
	if (cfg->fee_how != NULL) {
		/* a block scalar's last newline is not part of the text */
		size_t n = strlen(cfg->fee_how);
		while (n > 0 && (cfg->fee_how[n - 1] == '\n' || cfg->fee_how[n - 1] == ' '))
			cfg->fee_how[--n] = '\0';
	}
	if (cfg->calendar == NULL)
		cfg->calendar = datafile(L, "data/calendar.yaml");
	if (cfg->forms_dir == NULL)
		cfg->forms_dir = datafile(L, "forms");
	if (cfg->divisions == NULL)
		cfg->divisions = datafile(L, "data/divisions.tsv");
	if (!L->support_set && cfg->support == NULL) {
		size_t n = sizeof(seed) / sizeof(seed[0]);
		if ((cfg->support = calloc(n, sizeof(*cfg->support))) == NULL) {
			L->nomem = 1;
			return;
		}
		for (size_t i = 0; i < n; i++) {
			cfg->support[i].name = dupstr(L, seed[i].name);
			cfg->support[i].phone = dupstr(L, seed[i].phone);
			cfg->support[i].scope = seed[i].scope ? dupstr(L, seed[i].scope) : NULL;
			cfg->n_support++;
		}
	}
}

/* Whether PATH names something: 1 yes, 0 no such file, -1 cannot tell
 * (reported in ERR). */
static int
exists(const char *path, sm_err *err)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	sm_err_add(err, SM_E_IO, NULL, _("%s: cannot open: %s"), path, strerror(errno));
	return -1;
}

/* The file to read, malloc'd, or NULL (none found: *ST = SM_OK). */
static char *
find_config(const char *explicit_path, sm_err *err, sm_status *st)
{
	const char *env = secure_getenv("SITEMARK_CONFIG");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char *cand[3] = { NULL, NULL, NULL };
	char *found = NULL;
	size_t n = 0;

	*st = SM_OK;
	if (explicit_path != NULL || (env != NULL && *env != '\0')) {
		found = strdup(explicit_path != NULL ? explicit_path : env);
		if (found == NULL)
			*st = sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
		return found;
	}
	/* XDG base directories: a relative $XDG_CONFIG_HOME is ignored. */
	if (xdg != NULL && xdg[0] == '/') {
		if (asprintf(&cand[n], "%s/sitemark/sitemark.yaml", xdg) >= 0)
			n++;
	} else if (home != NULL && home[0] == '/') {
		if (asprintf(&cand[n], "%s/.config/sitemark/sitemark.yaml", home) >= 0)
			n++;
	}
	if ((cand[n] = strdup(SYSCONFDIR "/sitemark/sitemark.yaml")) != NULL)
		n++;
	if (strcmp(SYSCONFDIR, "/etc") != 0 &&
	    (cand[n] = strdup("/etc/sitemark/sitemark.yaml")) != NULL)
		n++;
	for (size_t i = 0; i < n; i++) {
		if (found == NULL && *st == SM_OK) {
			int e = exists(cand[i], err);
			if (e < 0)
				*st = SM_E_IO;
			else if (e > 0) {
				found = cand[i];
				continue;
			}
		}
		free(cand[i]);
	}
	return found;
}

void
sm_config_free(sm_config **cfgp)
{
	sm_config *cfg;

	if (cfgp == NULL || (cfg = *cfgp) == NULL)
		return;
	free(cfg->path);
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].kind != K_HEADERS && keys[i].kind != K_SUPPORT && keys[i].kind != K_SECONDS &&
		    keys[i].kind != K_COUNT && keys[i].kind != K_BOOL && keys[i].kind != K_ROLES)
			free(*(char **)(void *)((char *)cfg + keys[i].off));
	for (size_t i = 0; i < cfg->n_sms_headers; i++)
		free(cfg->sms_headers[i]);
	free(cfg->sms_headers);
	free_support(cfg);
	for (size_t i = 0; i < cfg->n_keys; i++) {
		free(cfg->keys[i].screen);
		free(cfg->keys[i].action);
		free(cfg->keys[i].key);
	}
	free(cfg->keys);
	free(cfg);
	*cfgp = NULL;
}

/* Whether PATH is one of the system's configuration files. */
static bool
is_system_config(const char *path)
{
	return strcmp(path, SYSCONFDIR "/sitemark/sitemark.yaml") == 0 ||
	    strcmp(path, "/etc/sitemark/sitemark.yaml") == 0;
}

/* The caller's own file, read with the caller's own identity (privileged:
 * never with the program's group). */
static sm_status
load_as_caller(const char *path, sm_node **root, sm_err *err)
{
	FILE *f = sm_priv_fopen(path, "rb");
	size_t cap = SM_YAML_MAX_BYTES + 2, len = 0;
	char *buf;
	sm_status st;

	if (f == NULL)
		return sm_err_add(err, SM_E_IO, NULL, _("%s: cannot open: %s"), path,
		    strerror(errno));
	if ((buf = malloc(cap)) == NULL) {
		fclose(f);
		return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
	}
	len = fread(buf, 1, cap, f);
	if (ferror(f)) {
		st = sm_err_add(err, SM_E_IO, NULL, _("%s: cannot open: %s"), path, strerror(EIO));
		fclose(f);
		free(buf);
		return st;
	}
	fclose(f);
	st = sm_yaml_load_buffer(buf, len, path, root, err);
	free(buf);
	return st;
}

/* Read PATH into L; PRESENTATION_ONLY: the caller's own file, privileged. */
static sm_status
load_one(struct loader *L, const char *path, bool presentation_only)
{
	sm_node *root = NULL;
	sm_status st;
	const char *slash = strrchr(path, '/');

	L->path = path;
	L->presentation_only = presentation_only;
	memset(L->seen, 0, sizeof(L->seen));
	L->keys_seen = false;
	st = presentation_only ? load_as_caller(path, &root, L->err)
	                       : sm_yaml_load_file(path, &root, L->err);
	if (st != SM_OK)
		return st;
	free(L->dir);
	if (slash == NULL)
		L->dir = strdup("");
	else if ((L->dir = malloc((size_t)(slash - path) + 2)) != NULL) {
		memcpy(L->dir, path, (size_t)(slash - path) + 1);
		L->dir[slash - path + 1] = '\0';
	}
	if (L->dir == NULL)
		L->nomem = 1;
	else
		load_tree(L, root);
	sm_node_free(&root);
	return SM_OK;
}

sm_status
sm_config_load(const char *explicit_path, sm_config **out, sm_err *warn, sm_err *err)
{
	struct loader L;
	sm_status st;
	char *path, *sys = NULL;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	L.warn = warn;
	L.err = err;
	path = find_config(explicit_path, err, &st);
	if (st != SM_OK)
		return st;
	/* Privileged, the caller's own file (--config, $XDG_CONFIG_HOME) sets
	 * only presentation, on top of the system's file, which sets the rest. */
	bool user_file = path != NULL && sm_priv_active() && !is_system_config(path);
	if (user_file) {
		const char *cand[] = { SYSCONFDIR "/sitemark/sitemark.yaml", "/etc/sitemark/sitemark.yaml" };
		for (size_t i = 0; i < 2 && sys == NULL; i++) {
			int e = exists(cand[i], err);
			if (e < 0) {
				free(path);
				return SM_E_IO;
			}
			if (e > 0 && (sys = strdup(cand[i])) == NULL) {
				free(path);
				return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
			}
		}
	}
	if ((L.cfg = calloc(1, sizeof(*L.cfg))) == NULL) {
		free(path);
		free(sys);
		return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
	}
	L.cfg->path = path;
	L.cfg->console_follow_ms = 2000;
	L.cfg->console_idle_logout_ms = 900 * 1000;
	L.cfg->auth_totp_roles = SM_TOTP_ROLES_DEFAULT;
	L.cfg->auth_max_failures = 5;
	L.cfg->store_timeout_ms = 5000;
	if (sys != NULL)
		st = load_one(&L, sys, false);
	if (st == SM_OK && path != NULL)
		st = load_one(&L, path, user_file);
	free(sys);
	if (st != SM_OK) {
		free(L.dir);
		sm_config_free(&L.cfg);
		return st;
	}
	if (!L.bad && !L.nomem)
		fill_defaults(&L);
	free(L.dir);
	if (L.nomem) {
		sm_config_free(&L.cfg);
		return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
	}
	if (L.bad) {
		sm_config_free(&L.cfg);
		return SM_E_INVALID;
	}
	*out = L.cfg;
	return SM_OK;
}
