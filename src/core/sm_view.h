/* sm_view.h - the one door of the front ends into the data.
 *
 * The command line and the console read nothing from the store themselves:
 * they call these functions, which check the acting user's role and return
 * records already shaped for that user.  ID numbers and mobiles (the fields a
 * form marks `mask: true`) are masked here for every role without need for
 * them (domain.md §3): the command line, its JSON and the console show the
 * same thing.  The queues of every role are one table (sm_queues), from
 * which the console's menus and `case list --queue` are both built; the
 * actions a user may take on a case come from the rules (sm_workflow.h). */
#ifndef SM_VIEW_H
#define SM_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_anchor.h"
#include "sm_app.h"
#include "sm_policy.h"
#include "sm_err.h"
#include "sm_model.h"
#include "sm_monitor.h"
#include "sm_vocab.h"

/* ------------------------------------------------------------ queues */

enum {
	SM_QUEUE_WAITING = 1 << 0,  /* work waiting for the role: part of `case list --queue` */
	SM_QUEUE_HANDLED = 1 << 1,  /* the cases the user acted on */
	SM_QUEUE_SEARCH = 1 << 2,   /* empty until the user searches */
	SM_QUEUE_BY_DUE = 1 << 3,   /* ordered by deadline (else newest first) */
	SM_QUEUE_MENU = 1 << 4,     /* an entry of the role's menu */
	SM_QUEUE_OVERDUE = 1 << 5   /* only the cases past their deadline */
};

typedef struct sm_queue {
	const char *id;        /* stable name ("review", "paper" ...) */
	sm_role role;
	unsigned unit_types;   /* units: the unit types it is for, SM_BIT(sm_unit_type); 0 all */
	const char *title;     /* msgid */
	unsigned states;       /* SM_BIT(sm_state) set; 0 any */
	sm_kind kind;          /* SM_KIND_NONE any */
	unsigned flags;
} sm_queue;

/* The table, in menu order, ended by an entry with a NULL id. */
extern const sm_queue sm_queues[];
/* The queues of the acting user's menu (SM_QUEUE_MENU, for their role and
 * unit type), up to MAX. */
size_t sm_queues_for(sm_app *app, const sm_queue **out, size_t max);
const sm_queue *sm_queue_find(const char *id);
/* The states waiting for ROLE: the union of its SM_QUEUE_WAITING queues. */
unsigned sm_queue_waiting_states(sm_role role);

/* ------------------------------------------------------------ lists of cases */

typedef struct sm_case_query {
	const sm_queue *queue;  /* NULL: every case the user may see */
	bool waiting;           /* the user's waiting queues together (`case list --queue`) */
	unsigned states;        /* narrows further; 0 any */
	sm_kind kind;           /* SM_KIND_NONE any */
	const char *text;       /* unit name, USCC, domain, case number, contact or handler
	                         * name; mark code, certificate number, mobile (exact) */
	size_t limit;           /* 0: all */
	size_t offset;
	bool count;             /* also count all that match (total, overdue_total) */
	bool marks;             /* also read the marks of the cases that have one */
} sm_case_query;

typedef struct sm_case_page {
	sm_case *cases;         /* masked for the user */
	int *days_over;         /* working days past the deadline, per case */
	sm_mark *marks;         /* per case (code NULL where none); only when asked */
	size_t n;
	int64_t total;          /* all that match (when counted), else n */
	int overdue;            /* how many of these N are past their deadline */
	int64_t overdue_total;  /* how many of all that match (when counted), else overdue */
	bool *notice_failed;    /* per case: a notification was given up (notify run) */
} sm_case_page;

sm_status sm_view_cases(sm_app *app, const sm_case_query *q, sm_case_page *out, sm_err *err);
void sm_case_page_clear(sm_case_page *p);

/* ------------------------------------------------------------ one case */

typedef struct sm_case_view {
	sm_case c;                /* values masked where the user has no need */
	bool masked;              /* whether masking applied to this user */
	int days_over;            /* working days past the deadline */
	int days_left;            /* working days until it */
	char *office_name;        /* of c.office, or NULL */
	sm_unit unit;             /* the unit, its values masked likewise */
	sm_mark mark;             /* code NULL until issued */
	sm_event *history;        /* oldest first, form values masked */
	size_t n_history;
	sm_notice *notices;       /* the outbox rows, recipients masked */
	size_t n_notices;
	sm_note *notes;           /* staff notes: never for units */
	size_t n_notes;
	sm_action actions[SM_ACTION_COUNT]; /* what this user may do on it now */
	size_t n_actions;
	/* A domain case awaiting payment: the fee (configuration "fee"). */
	bool fee_due;
	char *fee_amount;         /* the configured amount, or NULL */
	char *fee_how;            /* the configured way to pay, or NULL */
	char *fee_text;           /* for the unit: sm_app_fee_text (the support
	                           * contacts when nothing is configured) */
	bool may_print;           /* this user may print its letter and form now
	                           * (sm_case_may_print) */
	/* The mark monitor's latest check of the case's site (id 0: none). */
	sm_mark_check check;
} sm_case_view;

/* The case ID as the acting user may see it (SM_E_DENIED, SM_E_NOTFOUND). */
sm_status sm_view_case(sm_app *app, int64_t id, sm_case_view *out, sm_err *err);
void sm_case_view_clear(sm_case_view *v);

/* The actions the acting user may take on C now, from the rules (role,
 * state, kind, their office or unit, no approving what they submitted). */
size_t sm_case_actions(const sm_app *app, const sm_case *c, sm_action *out, size_t max);
/* Whether ACTION is among them. */
bool sm_case_action_allowed(const sm_app *app, const sm_case *c, sm_action action);
/* Whether any rule gives the acting user's role ACTION at all (key tables). */
bool sm_role_has_action(sm_role role, sm_action action);

/* Marks not hung (mark_issued) the acting user may see, by office, the most
 * overdue first: `sitemark marks report` (offices: their own; CONAC,
 * customer service and the monitor: all). */
typedef struct sm_mark_report_row {
	int64_t case_id;
	char *office;
	char *office_name;
	char *unit_name;
	char *domain;          /* the bound domain (Unicode) */
	char *code;            /* the mark code */
	char *hosting;         /* own or redpage */
	char *due;             /* the hanging deadline */
	int days_over;         /* working days past it */
	char *checked_at;      /* the latest check, or NULL */
	bool check_pass;
	size_t pages, pages_passed;
} sm_mark_report_row;
sm_status sm_view_marks_report(sm_app *app, sm_mark_report_row **out, size_t *n, sm_err *err);
void sm_mark_report_free(sm_mark_report_row **rows, size_t n);

/* The mark of case ID (SM_E_NOTFOUND when none yet). */
sm_status sm_view_mark(sm_app *app, int64_t case_id, sm_mark *out, sm_err *err);

/* ------------------------------------------------------------ units, offices, users */

/* The acting unit operator's unit, or one the user may see (office: its own
 * units; CONAC, service: any), values masked as for cases.  The registered
 * domains (Unicode and ACE, TLD_ACE NULL for all) come with it when asked. */
typedef struct sm_unit_view {
	sm_unit unit;
	char *office_name;
	char **domains;        /* Unicode */
	char **domains_ace;
	size_t n_domains;
} sm_unit_view;
sm_status sm_view_unit(sm_app *app, int64_t unit_id, const char *tld_ace, sm_unit_view *out,
                       sm_err *err);
void sm_unit_view_clear(sm_unit_view *v);

/* Units whose name, USCC, domain, contact's or handler's name contains TEXT,
 * or whose mark code, certificate number or mobile is TEXT (customer
 * service's search), up to LIMIT (0: all): customer service and CONAC find
 * any, an office its own units; values masked as by sm_view_unit. */
sm_status sm_view_units_search(sm_app *app, const char *text, size_t limit, sm_unit **out,
                               size_t *n, sm_err *err);
void sm_units_free(sm_unit **units, size_t n);

/* The name of office CODE (malloc'd), or NULL. */
char *sm_view_office_name(sm_app *app, const char *code);
/* Every office (any logged-in user: offices are public). */
sm_status sm_view_offices(sm_app *app, sm_office **out, size_t *n, sm_err *err);

/* The security policy (sm_policy.h) as it is in force: each key's value, and
 * who set it when (NULL: the configuration's).  The security administrator's
 * (SM_ADMIN_POLICY). */
typedef struct sm_policy_item {
	sm_policy_key key;
	char value[160];
	char *set_by;
	char *set_at;
} sm_policy_item;
sm_status sm_view_policy(sm_app *app, sm_policy_item out[SM_POLICY_COUNT], sm_err *err);
void sm_policy_items_clear(sm_policy_item items[SM_POLICY_COUNT]);
/* Accounts (the system and security administrators), ROLE NONE for all. */
sm_status sm_view_users(sm_app *app, sm_role role, sm_user **out, size_t *n, sm_err *err);

/* ------------------------------------------------------------ counts */

typedef struct sm_state_count {
	int64_t cases;
	int64_t overdue;
} sm_state_count;

/* Cases by state (an office: its own; CONAC and service: all), with how many
 * are past a running deadline.  *SCOPE_OFFICE tells whether it was narrowed. */
sm_status sm_view_counts(sm_app *app, sm_state_count counts[SM_STATE_COUNT],
                         bool *scope_office, sm_err *err);

/* ------------------------------------------------------------ the database, the audit */

/* Whether the database holds anything beyond its first administrator. */
bool sm_view_db_empty(sm_app *app);
int sm_view_schema_version(sm_app *app);
/* Verify the audit log's hash chain (the auditor only): *BROKEN_SEQ 0 when
 * intact, else the first record that does not verify. */
sm_status sm_view_audit_verify(sm_app *app, int64_t *broken_seq, int64_t *count, sm_err *err);
/* Verify the chain and check it against the anchors of ANCHORS (NULL: the
 * configured file, audit.anchors); when all holds, anchor the head verified
 * (the auditor only). */
sm_status sm_view_audit_check(sm_app *app, const char *anchors, sm_audit_check *out,
                              sm_err *err);

/* sitemark check (the system administrator or the auditor; for cron): the
 * engine's integrity check (its problems into PROBLEMS), the audit chain
 * against the anchors, the head anchored when all holds.  A database found
 * damaged takes writes again once everything passes. */
typedef struct sm_check_report {
	bool ok;               /* everything holds */
	bool integrity_ok;
	bool audit_ok;         /* the chain read to its end and matched its anchors */
	bool audit_read;       /* the chain was read (AUDIT holds what was found);
	                        * if not, PROBLEMS says why */
	sm_audit_check audit;
	char *was_broken;      /* the damage mark found (malloc'd), or NULL */
	bool cleared;          /* and removed, as everything passed */
} sm_check_report;
sm_status sm_view_check(sm_app *app, const char *anchors, sm_check_report *out,
                        sm_err *problems, sm_err *err);
void sm_check_report_clear(sm_check_report *r);
/* A consistent, verified copy of the database into the new file DEST (the
 * system administrator only); *RECORDS its audit records. */
sm_status sm_view_backup(sm_app *app, const char *dest, int64_t *records, sm_err *err);

/* A page of the audit log (the auditor only), in the chain's order: F's
 * limit and offset (or before_seq, to count the records before one); TOTAL
 * is how many match the filter. */
typedef struct sm_audit_page {
	sm_event *events;
	size_t n;
	int64_t total;
} sm_audit_page;
sm_status sm_view_audit(sm_app *app, const sm_audit_filter *f, sm_audit_page *out, sm_err *err);
void sm_audit_page_clear(sm_audit_page *p);
/* Audit record SEQ whole (the auditor only; SM_E_NOTFOUND). */
sm_status sm_view_audit_record(sm_app *app, int64_t seq, sm_event *out, sm_err *err);

/* A number that changes whenever the data may have changed, whoever wrote
 * it: open lists compare it to know when to read again (cheap: no query of
 * the data itself). */
int64_t sm_view_generation(sm_app *app);
/* The same, -1 when the store did not answer, and ERR says why. */
int64_t sm_view_generation_err(sm_app *app, sm_err *err);

/* ------------------------------------------------------------ the public site (sm_site.c) */

/* What an export did. */
typedef struct sm_site_stats {
	int64_t marks;      /* marks exported (a script and a certificate page each) */
	int64_t invalid;    /* of which no longer valid (their case withdrawn) */
	int64_t redpages;   /* published red pages */
	int64_t skipped;    /* marks whose code or GUID has not the shape of one */
	int64_t files;      /* files the site has */
	int64_t written;    /* of which written now (new or changed) */
	int64_t unchanged;  /* of which left as they were */
} sm_site_stats;

/* Write the public site into DIR (NULL: site.dir), as static files any web
 * server serves under mark.base_url (domain.md §6): image/{red,blue}{,_error}.png;
 * for every mark the script its snippet names (js/PP/CCC/DDDD/UUUUUUUU/CODE.js),
 * its certificate page cert/GUID.html, reached from BASE/sitename?method=show&id=GUID
 * through sitename/index.html; each published red page, redpage/GUID.html.
 * A mark whose case is no longer at mark_issued or mark_hung shows the
 * _error image and its page says it is no longer valid.  Only files whose
 * content changed are written (each through a temporary file and a
 * rename).  The system administrator only (its cron job). */
sm_status sm_view_site_export(sm_app *app, const char *dir, sm_site_stats *out, sm_err *err);

/* A field of a public page: ID (stable, the page's element id), its label
 * (translated) and its text. */
typedef void (*sm_site_field_fn)(const char *id, const char *label, const char *text, void *ud);
/* The nine fields of a mark certificate (domain.md §6), in order. */
void sm_site_certificate_each(const json_t *certificate, sm_site_field_fn fn, void *ud);
/* The fields of a red page: the certificate's unit fields, then the red
 * page form's (phone, email, postal_code, office_hours, intro, footer). */
void sm_site_redpage_each(const sm_app *app, const json_t *certificate, const json_t *values,
                          sm_site_field_fn fn, void *ud);

/* A case's red page (网络红页), for anyone who may see the case;
 * SM_E_STATE when the case hangs its mark on its own site or has no mark. */
typedef struct sm_redpage_view {
	int64_t case_id;
	int64_t version;          /* the case's */
	sm_state state;
	bool hosts_redpage;
	bool may_publish;         /* the acting user may publish it now (the rules) */
	json_t *certificate;      /* the mark's certificate: the unit's fields */
	char *code, *guid;
	char *script_url;         /* the mark's script, which the footer carries */
	char *page_url;           /* BASE/redpage/GUID.html */
	json_t *published;        /* the values published, or NULL */
	char *published_at;
	int64_t published_version;
	json_t *draft;            /* the unit operator's draft, or NULL */
} sm_redpage_view;
sm_status sm_view_redpage(sm_app *app, int64_t case_id, sm_redpage_view *out, sm_err *err);
void sm_redpage_view_clear(sm_redpage_view *v);
/* ------------------------------------------------------------ the store */

/* Where the data lives (sitemark store status). */
typedef struct sm_backend_node {
	uint64_t id;          /* 0 when the cluster could not say (no leader) */
	char *address;        /* host:port */
	const char *role;     /* "voter", "standby", "spare"; NULL when unknown */
	bool leader;
	/* the node asked itself, at once with the others: */
	bool reachable;       /* it answered */
	double ms;            /* reachable: how long its answer took */
	char *names;          /* reachable: the leader it names, "" none */
	char *why;            /* not reachable: why */
} sm_backend_node;

typedef struct sm_backend_status {
	const char *backend;  /* "sqlite" or "dqlite" */
	char *database;       /* the file (sqlite) or the nodes configured (dqlite) */
	char *leader;         /* dqlite: the leader's host:port, NULL when none */
	sm_backend_node *nodes; /* dqlite: the cluster's members */
	size_t n;
} sm_backend_status;

/* The store of OPTS's configuration: its backend, and for a cluster its
 * members, their roles and the leader (asked of the cluster, within
 * store.timeout), and whether each member answers itself (all asked at
 * once, SM_PROBE_MS at most).  Without a leader, SM_E_STORE, and the nodes
 * configured as each answered (roles unknown).  Needs no login: it reads
 * no data. (sm_cluster.c) */
#define SM_PROBE_MS 2000
sm_status sm_view_store_status(const sm_app_opts *opts, sm_backend_status *out, sm_err *warn,
    sm_err *err);
/* The same for APP's store (the console's). */
sm_status sm_view_app_store_status(sm_app *app, sm_backend_status *out, sm_err *err);
/* Node N as a line, in the user's language: its id, address, role (and
 * whether it leads), then how it answered when asked itself: "up, 0.4 ms"
 * (and the leader it names when that is not LEADER, or that it knows
 * none), or "not answering: why".  Malloc'd, NULL out of memory. */
char *sm_backend_node_line(const sm_backend_node *n, const char *leader);
void sm_backend_status_clear(sm_backend_status *st);

/* ------------------------------------------------------------ masking */

/* VALUE masked as domain.md shows it: an ID number keeps its first 6 and last
 * 4 characters (110105********002X), anything else its first 3 and last 4
 * (139****0001).  Malloc'd. */
char *sm_mask_text(const char *value);

#endif
