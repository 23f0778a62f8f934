/* sm_config.h - the configuration file (interfaces.md "Configuration").
 *
 * Search order: --config FILE, else $SITEMARK_CONFIG, else
 * $XDG_CONFIG_HOME/sitemark/sitemark.yaml (~/.config/...), else
 * /etc/sitemark/sitemark.yaml; none found is not an error (defaults). */
#ifndef SM_CONFIG_H
#define SM_CONFIG_H

#include <stddef.h>

#include "sm_err.h"
#include "sm_vocab.h"

typedef struct sm_support_contact {
	char *name;   /* "中央编办客服中心" */
	char *phone;  /* "010-69001234" */
	char *scope;  /* who should call it, free text, may be NULL */
} sm_support_contact;

/* One entry of the "keys" section: on SCREEN, ACTION is triggered by KEY
 * (as written; NULL: by no key).  The console checks the names and keys. */
typedef struct sm_key_binding {
	char *screen;
	char *action;
	char *key;
	int line;
} sm_key_binding;

typedef struct sm_config {
	char *path;               /* the file read, or NULL for defaults */
	char *database;           /* "database" */
	char *mark_base_url;      /* "mark.base_url"; default "https://bs.sitemark.invalid" */
	char *smtp_url;           /* "smtp.url" */
	char *smtp_from;          /* "smtp.from" */
	char *smtp_user;          /* "smtp.user" */
	char *smtp_password_file; /* "smtp.password_file" */
	char *sms_url;            /* "sms.url" */
	char **sms_headers;       /* "sms.headers": list of "Name: value" templates */
	size_t n_sms_headers;
	char *sms_body;           /* "sms.body": template with {mobile} and {text} */
	sm_support_contact *support; /* "support": list of {name, phone, scope} */
	size_t n_support;
	char *calendar;           /* "calendar": path; default DATADIR/data/calendar.yaml */
	char *forms_dir;          /* "forms": path; default DATADIR/forms */
	char *divisions;          /* "divisions": path; default DATADIR/data/divisions.tsv */
	char *console_cursor;     /* "console.cursor": "marker" (default) or "reverse" */
	int console_follow_ms;    /* "console.follow" (seconds): how often an idle console
	                           * looks for changes; 0 never (default 2 s) */
	sm_key_binding *keys;     /* "keys": {SCREEN: {ACTION: KEY or [KEY, ...]}} */
	size_t n_keys;
	char *fee_amount;         /* "fee.amount": the domain fee, e.g. "300.00" (yuan); NULL: as CONAC tells */
	char *fee_how;            /* "fee.how": how to pay (bank account, reference), may hold newlines */
	char *audit_anchors;      /* "audit.anchors": the anchors file; NULL: the database's path + ".anchors" */
	int audit_anchor_every;   /* "audit.anchor_every": anchor every N audit records; 0: 1000 */
	char *audit_syslog;       /* "audit.syslog": the syslog facility of anchors, or "none"; NULL: authpriv */
	int console_idle_logout_ms; /* "console.idle_logout" (seconds): the console logs out
	                           * after so long without a key; 0 never (default 900 s) */
	unsigned auth_totp_roles; /* "auth.totp_roles": bit (1u << sm_role) of every role that
	                           * signs in with a second factor (default the three administrators) */
	int auth_totp_required;   /* "auth.totp_required": those roles must be enrolled
	                           * (default false: the second factor applies to enrolled accounts) */
	int auth_max_failures;    /* "auth.max_failures": wrong codes in a row that lock the
	                           * account (default 5) */
	char *print_printer;      /* "print.printer": the CUPS printer of `lp -d`, or NULL */
	char *print_directory;    /* "print.directory": where prints are saved; NULL:
	                           * ~/sitemark-print */
	char *print_title_font;   /* "print.title_font": NULL: Noto Serif CJK SC (bold) */
	char *print_body_font;    /* "print.body_font": NULL: FandolFang where installed, else Noto Serif CJK SC */
	char *smtp_ca_file;       /* "smtp.ca_file": CA certificates to trust (PEM); NULL: the system's */
	int smtp_starttls;        /* "smtp.starttls": smtp:// must switch to TLS (default true) */
	int notify_retry_base;    /* "notify.retry_base" (s): the first retry's delay (default 60) */
	int notify_retry_cap;     /* "notify.retry_cap" (s): the longest delay (default 3600) */
	int notify_give_up;       /* "notify.give_up" (s): a notice not sent so long after it was
	                           * queued fails and flags its case (default 172800, two days) */
	int notify_interval;      /* "notify.interval" (s): notify run --daemon looks so often (60) */
	int notify_timeout;       /* "notify.timeout" (s): one message's whole exchange (60) */
	int notify_connect_timeout; /* "notify.connect_timeout" (s): connecting (10) */
	int notify_batch;         /* "notify.batch": outcomes recorded together, at most (10)
	                           * and for at most a second: a sender killed sends at most
	                           * so many again, with the same Message-IDs */
	char *site_dir;           /* "site.dir": where `site export` writes without DIR */
	char *site_language;      /* "site.language": the locale of the public pages' words
	                           * (default zh_CN.UTF-8; the session's when not installed) */
	/* The mark monitor (sitemark marks check); 0: the default. */
	int monitor_pages;        /* "monitor.pages": pages linked from a home page checked (5) */
	int monitor_connections;  /* "monitor.connections": connections in all (64) */
	int monitor_per_host;     /* "monitor.per_host": connections to one host (2) */
	int monitor_threads;      /* "monitor.threads": fetching threads (processors, at most 4) */
	int monitor_connect_timeout_ms; /* "monitor.connect_timeout" (seconds, 10) */
	int monitor_timeout_ms;   /* "monitor.timeout" (seconds): a page's whole time (30) */
	int monitor_max_bytes;    /* "monitor.max_bytes": a page is read so far (2 MiB) */
	int monitor_max_redirects; /* "monitor.max_redirects": redirects followed, same site (5) */
	int monitor_http_port;    /* "monitor.http_port": where home pages are asked for (80) */
	int monitor_https_port;   /* "monitor.https_port": where HTTPS is tried when HTTP is closed (443) */
	char *monitor_ca_file;    /* "monitor.ca_file": certificates trusted instead of the system's */
	char *store_backend;      /* "store.backend": "sqlite" (default, the file of "database")
	                           * or "dqlite" (the cluster of store.nodes) */
	char *store_nodes;        /* "store.nodes": host:port of the cluster's nodes, joined by commas */
	int store_timeout_ms;     /* "store.timeout" (seconds): the longest wait for the cluster
	                           * (default 5 s) */
	int node_id;              /* "node.id": sitemark-node's id in the cluster (1 founds it) */
	char *node_address;       /* "node.address": host:port it listens on and is known by */
	char *node_data_dir;      /* "node.data_dir": its Raft log and snapshots */
	char *node_join;          /* "node.join": host:port of members to join through, by commas */
	int node_latency_ms;      /* "node.latency_ms": the network's one-way latency; heartbeats
	                           * every 15 times it, elections after 150 times (default 5 ms:
	                           * a LAN, failover in about a second) */
	char *node_bind;          /* "node.bind": host:port it listens on when that is not
	                           * node.address (behind a TLS tunnel: doc/cluster.md) */
	char *node_cluster;       /* "node.cluster": the cluster's name, recorded in node.data_dir
	                           * on the first start; another cluster's data is refused */
} sm_config;

/* The default of auth.totp_roles: the three administrators (三员). */
#define SM_TOTP_ROLES_DEFAULT ((1u << SM_ROLE_SYSADMIN) | (1u << SM_ROLE_SECADMIN) | (1u << SM_ROLE_AUDITOR))

/* The data directory: $SITEMARK_DATADIR when set, else PKGDATADIR. */
const char *sm_datadir(void);

/* Load the configuration.  EXPLICIT is --config (may be NULL: search).  An
 * explicit file that cannot be read, a syntax error or a value of the wrong
 * type is an error (SM_E_INVALID/SM_E_IO, "FILE:LINE: ..." in ERR).  Unknown
 * keys are not errors: each is added to WARN (may be NULL) as
 * "FILE:LINE: unknown key 'x'"; so is a "keys" section of the wrong shape
 * (the entries that make sense are kept).  Defaults are filled for every path, and the
 * seed's two support contacts when "support" is absent. */
sm_status sm_config_load(const char *explicit_path, sm_config **out, sm_err *warn, sm_err *err);
void sm_config_free(sm_config **cfgp);

#endif
