/* sm_model.h - the records of sitemark: offices, users, units, cases, marks,
 * audit records, notifications and notes, as the store hands them out and
 * the core's views (sm_view.h) shape them for the front ends.  Records are
 * owned by whoever holds them and freed with their _clear(). */
#ifndef SM_MODEL_H
#define SM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sm_vocab.h"

/* ------------------------------------------------------------ records */

typedef struct sm_office {
	char *code;
	char *name;
	bool disabled;  /* no new units or reviewers for it */
} sm_office;

typedef struct sm_user {
	char *login;
	sm_role role;
	char *office;  /* office role: its division code; else NULL */
	int64_t unit;  /* unit role: its unit id; else 0 */
	char *name;
	char *mobile;
	char *email;
	bool locked;    /* by the security administrator */
	bool disabled;  /* by the system administrator */
	/* Created for a role the security administrator has not granted yet
	 * (三员分立): the role, office and unit asked for; SM_ROLE_NONE once
	 * granted. */
	sm_role asked_role;
	char *asked_office;
	int64_t asked_unit;
} sm_user;

typedef struct sm_unit {
	int64_t id;      /* also the 8-digit serial of its mark codes */
	char *name;
	sm_unit_type type;
	char *uscc;
	char *affiliation;
	char *division;
	char *office;    /* the office that reviews it: 000000 or its division */
	json_t *values;  /* the registration form's values */
	int mark_seq;    /* marks issued so far */
	char *created_at;
	int64_t version; /* +1 on every edit of its values (sm_unit_edit) */
} sm_unit;

typedef struct sm_case {
	int64_t id;
	sm_kind kind;
	int64_t unit;
	char *office;      /* the reviewing office (the unit's) */
	sm_state state;
	int64_t version;   /* +1 on every change */
	char *domain;      /* ACE: the requested (domain) or bound (site, mark) name */
	char *domain_unicode;
	json_t *values;    /* the application form's values */
	json_t *hints;     /* reviewer hints: array of msgids, or NULL */
	char *created_by;
	char *submitted_by;  /* who last submitted it, or NULL */
	char *due;           /* deadline YYYY-MM-DD or NULL */
	char *due_kind;      /* office_review paper_review hanging */
	bool due_uncertain;
	char *created_at;
	char *updated_at;
	/* joined from the unit, read only */
	char *unit_name;
	sm_unit_type unit_type;
	char *unit_uscc;
} sm_case;

typedef struct sm_event {   /* one audit record as history */
	int64_t seq;
	char *at;
	char *actor;
	char *role;
	char *ssh_client;
	char *object;
	int64_t object_id;
	char *object_key;
	char *action;
	char *from_state;
	char *to_state;
	char *reason;
	char *values;       /* JSON text */
	char *request_id;
	char *prev_hash;
	char *hash;
} sm_event;

typedef struct sm_mark {
	int64_t case_id;
	int64_t unit;
	char *code;
	char *guid;
	char *cert_no;
	char *color;
	char *snippet;
	char *issued_at;
	char *hang_due;
	json_t *certificate;  /* the certificate's fields */
} sm_mark;

typedef struct sm_notice {  /* one outbox row */
	int64_t id;
	char *msg_id;         /* request id + ":" + n: the same on every retry */
	int64_t case_id;
	char *event;          /* returned payment paper mark_issued reminder overdue */
	char *channel;        /* sms email */
	char *recipient;
	char *subject;
	char *body;
	char *created_at;
	char *status;         /* pending retrying sent failed; refused: never to be sent */
	int attempts;
	char *last_error;     /* why it was refused, or why the last attempt failed */
	char *next_at;        /* retrying: when the next attempt is due */
	char *sent_at;        /* sent: when */
	char *name;           /* the recipient's name (the e-mail's To), or NULL */
	char *attachment;     /* e-mail: the attachment's file name (its bytes kept in the
	                       * store), or a file to attach (a path: queued before
	                       * schema 12), or NULL */
	bool attachment_kept; /* read: the attachment's bytes are in the store
	                       * (sm_store_notice_attachment; dropped once sent or
	                       * given up) */
	const void *attachment_data; /* queued: the bytes to keep (not owned), or NULL */
	size_t attachment_len;
} sm_notice;

typedef struct sm_note {
	int64_t id;
	char *object;     /* case unit */
	int64_t object_id;
	char *author;
	char *at;
	char *text;
} sm_note;

void sm_office_clear(sm_office *o);
void sm_user_clear(sm_user *u);
void sm_unit_clear(sm_unit *u);
void sm_case_clear(sm_case *c);
void sm_event_clear(sm_event *e);
void sm_mark_clear(sm_mark *m);
void sm_notice_clear(sm_notice *n);
void sm_note_clear(sm_note *n);
void sm_cases_free(sm_case **cases, size_t n);
void sm_events_free(sm_event **events, size_t n);

/* What a list of cases asks for. */
typedef struct sm_case_filter {
	unsigned states;      /* 0: any; else a set of SM_BIT(sm_state) */
	sm_kind kind;         /* SM_KIND_NONE: any */
	const char *office;   /* NULL: any */
	int64_t unit;         /* 0: any */
	const char *text;     /* NULL: none; matches unit name, USCC, domain, case id,
	                       * contact's or handler's name (part); a mark code,
	                       * certificate number or mobile exactly (indexed) */
	bool no_mobile;       /* TEXT is not matched against mobiles (the user sees
	                       * them masked: a search would unmask them) */
	const char *acted_by; /* NULL: none; cases this login acted on (handled) */
	const char *due_before; /* NULL: none; cases due before this date (YYYY-MM-DD) */
	bool by_due;          /* order by deadline then id (queues), else newest first */
	size_t limit;         /* 0: no limit */
	size_t offset;
} sm_case_filter;

/* What a page of the audit log asks for (NULL or 0: any). */
/* A security policy value the security administrator set (sm_policy.h). */
typedef struct sm_policy_row {
	char *key;
	char *value;
	char *set_by;
	char *set_at;
} sm_policy_row;
void sm_policy_row_clear(sm_policy_row *p);

typedef struct sm_audit_filter {
	const char *actor;    /* a login */
	int64_t case_id;      /* records of this case */
	const char *action;   /* an action or event name */
	const char *since;    /* YYYY-MM-DD: records at or after it */
	int64_t before_seq;   /* records before this one (to find a record's page) */
	size_t limit;         /* 0: no limit */
	size_t offset;
} sm_audit_filter;

typedef enum sm_open_mode {
	SM_OPEN_EXISTING, /* the database must exist and be at our version */
	SM_OPEN_CREATE    /* create it or upgrade it (init) */
} sm_open_mode;

#endif
