/* sm_workflow.h - roles, case kinds, states, actions and their rules
 * (domain.md §3-4), as tables; and the operations that apply them.
 *
 * Every operation checks the acting user's role and office, validates the
 * values against the YAML forms, and writes the change, its audit record and
 * its notifications in one transaction of the store. */
#ifndef SM_WORKFLOW_H
#define SM_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sm_app.h"
#include "sm_auth.h"
#include "sm_err.h"
#include "sm_model.h"
#include "sm_monitor.h"
#include "sm_vocab.h"

/* The words (roles, kinds, states, actions) are in sm_vocab.h. */

/* What a transition does besides changing the state. */
enum {
	SM_FX_VALIDATE = 1 << 0,      /* validate the case's form completely */
	SM_FX_REASON = 1 << 1,        /* a reason is required */
	SM_FX_REGISTER = 1 << 2,      /* the domain becomes the unit's */
	SM_FX_ISSUE_MARK = 1 << 3,    /* generate the mark */
	SM_FX_DUE_OFFICE = 1 << 4,    /* office review due in 5 working days */
	SM_FX_DUE_PAPER = 1 << 5,     /* paper review due in 10 working days */
	SM_FX_DUE_HANG = 1 << 6,      /* hanging due in 5 working days */
	SM_FX_NOTIFY_RETURNED = 1 << 7,
	SM_FX_NOTIFY_PAYMENT = 1 << 8,
	SM_FX_NOTIFY_PAPER = 1 << 9,
	SM_FX_NOTIFY_MARK = 1 << 10,
	SM_FX_APPROVAL = 1 << 11,     /* no one approves a case they submitted */
	SM_FX_REDPAGE = 1 << 12,      /* only for hosting redpage: the red page is recorded
	                               * (the action's values) and goes into the public site */
	SM_FX_NOTIFY_MISSING = 1 << 13 /* the mark is no longer found: the unit and its office told */
};

typedef struct sm_rule {
	unsigned kinds;       /* SM_BIT(sm_kind) ... */
	sm_state from;
	sm_action action;
	unsigned roles;       /* SM_BIT(sm_role) ... */
	sm_state to;
	const char *form;     /* the action's values form (forms/<form>.yaml), or NULL */
	unsigned effects;
} sm_rule;

/* The rules of domain.md §4, terminated by an entry with action NONE. */
extern const sm_rule sm_rules[];

/* The rule for ACTION on a case of KIND in STATE, whatever the role; NULL if
 * the action does not apply there. */
const sm_rule *sm_rule_find(sm_kind kind, sm_state state, sm_action action);
/* The rules ROLE may apply to a case of KIND in STATE, up to MAX. */
size_t sm_rules_for(sm_kind kind, sm_state state, sm_role role, const sm_rule **out,
                    size_t max);
/* The values form of ACTION (forms/<id>.yaml), or NULL when it takes none. */
const char *sm_action_form(sm_action action);
/* Whether ACTION cannot be undone and so is confirmed before it is applied
 * (every decision of a reviewer; a unit's withdrawal). */
bool sm_action_irreversible(sm_action action);

/* ------------------------------------------------------------ operations */

/* On a database without accounts, make LOGIN its first system administrator
 * (init).  *CREATED tells whether it did. */
sm_status sm_first_admin(sm_app *app, const char *login, bool *created, sm_err *err);
sm_status sm_office_add(sm_app *app, const char *code, const char *name, sm_err *err);
/* Create an account (sysadmin).  Separation of duties (三员分立): U's role,
 * office and unit are what the account is for (asked_*), granted only by
 * the security administrator (sm_user_set_role); the account holds no role
 * until then.  Founding the three is the one exception: while there has
 * never been a security administrator, the first one (and, while there is
 * no auditor, the first auditor) is created with the role. */
sm_status sm_user_add(sm_app *app, const sm_user *u, sm_err *err);
/* ------------------------------------------------------------ the three administrators
 *
 * 三员分立 (domain.md §3): the system administrator creates, edits, disables
 * and enables accounts and offices; the security administrator grants roles
 * and locks and unlocks accounts; the auditor reads and verifies the audit
 * log.  The table of who may do what is sm_admin_may(); every operation
 * checks it here, refuses acting on one's own account, writes nothing when
 * refused and audits what it does.
 *
 * Roles: an account may be created without one (SM_ROLE_NONE, "awaiting a
 * role"), which the security administrator then grants.  The system
 * administrator may still create the business's accounts with their role
 * (unit, office, conac, service: `user add --role` of interfaces.md), but
 * never an administrator's: the security administrator grants sysadmin and
 * auditor.  The one exception is the start: while no enabled security
 * administrator exists, the system administrator may create one (and an
 * auditor), so that the three can be set up; this shows in the audit log.
 * No one grants their own role: the security administrator never grants
 * secadmin, nor changes another security administrator's role, nor their
 * own. */

typedef enum sm_admin_op {
	SM_ADMIN_NONE = 0,
	SM_ADMIN_USER_ADD,      /* sysadmin */
	SM_ADMIN_USER_EDIT,     /* sysadmin: name, mobile, e-mail */
	SM_ADMIN_USER_DISABLE,  /* sysadmin: disable, enable */
	SM_ADMIN_OFFICE_ADD,    /* sysadmin */
	SM_ADMIN_OFFICE_EDIT,   /* sysadmin: name, disable, enable */
	SM_ADMIN_USER_ROLE,     /* secadmin */
	SM_ADMIN_USER_LOCK,     /* secadmin: lock, unlock */
	SM_ADMIN_USER_LIST,     /* sysadmin, secadmin */
	SM_ADMIN_AUDIT_READ,    /* auditor: read and verify the audit log */
	SM_ADMIN_CHECK,         /* sysadmin, auditor: sitemark check (integrity, chain, anchors) */
	SM_ADMIN_BACKUP,        /* sysadmin: sitemark backup */
	SM_ADMIN_POLICY,        /* secadmin: the security policy (sm_policy.h) */
	SM_ADMIN_SITE_EXPORT,   /* sysadmin (its cron job): sitemark site export */
	SM_ADMIN_OP_COUNT
} sm_admin_op;

/* Whether ROLE may do OP (the one table of the administrators' rights). */
bool sm_admin_may(sm_role role, sm_admin_op op);
/* The roles the acting user may grant (security administrator), up to MAX. */
size_t sm_grantable_roles(const sm_app *app, sm_role *out, size_t max);

/* Change an account's name, mobile and e-mail: NULL keeps a value, "" clears
 * it (sysadmin). */
sm_status sm_user_edit(sm_app *app, const char *login, const char *name, const char *mobile,
                       const char *email, sm_err *err);
/* Disable (ENABLE false) or re-enable an account (sysadmin).  A disabled
 * account cannot log in. */
sm_status sm_user_enable(sm_app *app, const char *login, bool enable, sm_err *err);
/* Set the security policy's KEY (sm_policy.h) to VALUE (secadmin), audited
 * with the value before; in force from the next session on. */
sm_status sm_policy_set(sm_app *app, const char *key, const char *value, sm_err *err);

/* Grant ROLE to an account (secadmin); OFFICE for office reviewers (NULL:
 * the office the account was created for).  A unit operator gets the unit
 * the account was created for. */
sm_status sm_user_set_role(sm_app *app, const char *login, sm_role role, const char *office,
                           sm_err *err);
/* Lock or unlock an account (secadmin).  A locked account cannot log in. */
sm_status sm_user_lock(sm_app *app, const char *login, bool lock, sm_err *err);
/* Rename an office; disable or enable it (sysadmin).  A disabled office takes
 * no new reviewers and no new units. */
sm_status sm_office_edit(sm_app *app, const char *code, const char *name, sm_err *err);
sm_status sm_office_enable(sm_app *app, const char *code, bool enable, sm_err *err);

/* Register a unit from the unit form's VALUES.  LOGIN (may be NULL) is a unit
 * operator account to create for it (administrators) ; a unit operator
 * without a unit registers their own. */
sm_status sm_unit_register(sm_app *app, const json_t *values, const char *login,
                           int64_t *unit_id, sm_err *err);

/* Whether the acting user may start a case of KIND now: a unit operator
 * with a unit, of the unit type the kind is for, holding the registered
 * domain it needs (a .政务 domain for a site case, a .公益 one for a mark
 * case).  SM_OK, or the reason (SM_E_DENIED, SM_E_STATE: no domain yet) in
 * ERR.  sm_case_new() applies the same rule; front ends ask before they
 * open the form. */
sm_status sm_case_may_start(sm_app *app, sm_kind kind, sm_err *err);

/* The fields a unit's contact and handler edit changes ("contact",
 * "handler"), and a form of just those fields of the unit form (their
 * definitions shared, not copied): free it with sm_form_subset_free. */
extern const char *const sm_unit_edit_fields[];
sm_form *sm_unit_edit_form(const sm_app *app);
/* Change unit UNIT_ID's contact {name, phone, mobile, email} and handler
 * {name, id_number, mobile}: VALUES holds either or both groups, whole or in
 * part (the other sub-fields stay); any other field is refused.  Validated by
 * the unit form's definitions of those fields.  Allowed to the unit's own
 * operator and to the reviewers of its office (who see the values whole);
 * not to CONAC, customer service or administrators.  EXPECT_VERSION is the
 * unit's version the user saw (0: as read now): SM_E_CONFLICT if it moved.
 * Audited as "unit-edit" with the new groups. */
sm_status sm_unit_edit(sm_app *app, int64_t unit_id, const json_t *values,
                       int64_t expect_version, sm_err *err);

/* A new draft case of KIND for the acting unit operator's unit. */
sm_status sm_case_new(sm_app *app, sm_kind kind, const json_t *values, int64_t *case_id,
                      sm_err *err);
/* Merge VALUES into a draft or returned case's values (null removes a field). */
sm_status sm_case_edit(sm_app *app, int64_t case_id, const json_t *values,
                       int64_t expect_version, sm_err *err);

typedef struct sm_act {
	int64_t case_id;
	sm_action action;
	const json_t *values;    /* the action's form values, may be NULL */
	const char *reason;      /* --reason: fills values' "reason" */
	int64_t expect_version;  /* the version the user saw; 0 = as read now */
	const char *request_id;  /* NULL: a new one */
} sm_act;

/* Check the values of ACTION's form (forms/<sm_action_form()>.yaml) as
 * sm_case_act() will: complete, the paper checklist, no date after today by
 * the session's clock (app->clock).  *NORMALISED (may be NULL) gets the
 * values as they would be recorded.  Front ends call it before asking for
 * a confirmation, so that problems stand beside their fields. */
sm_status sm_action_validate(sm_app *app, sm_action action, const json_t *values,
                             json_t **normalised, sm_err *err);

/* Apply an action.  On success *NEW_STATE (may be NULL) receives the state. */
sm_status sm_case_act(sm_app *app, const sm_act *act, sm_state *new_state, sm_err *err);
/* After sm_case_act() failed: the request id of its transition when the
 * store could not tell whether it was made (a cluster's answer to its
 * COMMIT lost), else NULL.  The same act again under that id is made at
 * most once. */
const char *sm_case_act_unsure(const sm_app *app);

/* sm_case_act() inside a write the core has begun (the TX of its
 * sm_store_write()): the same rules, checks, audit record and notices,
 * committed with what the caller writes there.  The mark monitor applies
 * verify-hung so, in the transaction that stores its checks.  For actions
 * without a form; an error leaves the transaction to be rolled back. */
struct sm_tx;
sm_status sm_case_act_tx(sm_app *app, struct sm_tx *tx, const sm_act *act, sm_err *err);

/* Whether the acting user may see case C (SM_E_DENIED with the reason). */
sm_status sm_case_may_see(const sm_app *app, const sm_case *c, sm_err *err);
/* Read a case the acting user may see (unmasked: for the core; front ends
 * read cases through sm_view.h). */
sm_status sm_case_read(sm_app *app, int64_t case_id, sm_case *out, sm_err *err);
/* Narrow F to what the acting user may see (a unit's own cases, an office's);
 * SM_E_DENIED for roles that do not work on cases.  *NONE is set when the
 * user can see no case at all (a unit operator without a unit). */
sm_status sm_case_scope(const sm_app *app, sm_case_filter *f, bool *none, sm_err *err);
/* The same without reading the account again: the scope of the session's
 * account as it logged in (what a read sent ahead of the check asks). */
sm_status sm_case_scope_of(const sm_app *app, sm_case_filter *f, bool *none, sm_err *err);
/* Customer service's note on a case. */
sm_status sm_case_note(sm_app *app, int64_t case_id, const char *text, sm_err *err);
/* Printing the letter and the form (domain.md §4 "print"; sm_doc.h
 * assembles them).  Who may print: the unit, its own website cases from
 * paper_pending on; an office, the website cases of its units in its paper
 * queue (paper_pending).  The one rule: sm_print_check says why not
 * (SM_E_DENIED, SM_E_STATE), sm_case_may_print whether (the key bars). */
sm_status sm_print_check(const sm_app *app, const sm_case *c, sm_err *err);
bool sm_case_may_print(const sm_app *app, const sm_case *c);
#define SM_PRINT_MAX_COPIES 10
/* One print, for its audit record (changes no state): who is the acting
 * user; what ("letter" or "form"), how many copies, the format ("pdf",
 * "txt"), the file it is in and the printer it was sent to (NULL: none). */
typedef struct sm_print_note {
	const char *what;
	int copies;
	const char *format;
	const char *file;
	const char *printer;
} sm_print_note;
sm_status sm_case_print_audit(sm_app *app, int64_t case_id, const sm_print_note *p,
                              sm_err *err);
/* Record that a case's letter or form was printed, one copy (changes no state). */
sm_status sm_case_printed(sm_app *app, int64_t case_id, const char *what, sm_err *err);

/* Unmasking (domain.md §3): the roles that see a case's ID numbers and
 * mobiles masked and may ask for one in full (CONAC, customer service).
 * The unit itself and its office's reviewers see them in full; the
 * administrators, the auditor and the monitor may not unmask. */
bool sm_may_unmask(sm_role role);
/* The full value of the masked field FIELD_PATH ("handler.id_number",
 * "contact.mobile": the unit's form; "site_head.mobile": the case's form)
 * of case CASE_ID, in *VALUE (free it), for a role sm_may_unmask() allows,
 * with REASON (required; text as any reason: at most 4000 bytes, no control
 * characters).  Audited in the same transaction as an "unmask" event on the
 * case: who, the case, the field (the record's key) and the reason, never
 * the value.  A field that is unknown or not masked, or without a value, is
 * refused. */
sm_status sm_unmask(sm_app *app, int64_t case_id, const char *field_path, const char *reason,
                    char **value, sm_err *err);
/* The masked fields of a case of KIND: its form's, then its unit's, each
 * with its dotted path and translated label; at most MAX into OUT.  Returns
 * how many. */
typedef struct sm_unmask_field {
	char path[64];
	char label[160];
} sm_unmask_field;
size_t sm_unmask_fields(const sm_app *app, sm_kind kind, sm_unmask_field *out, size_t max);

/* The red page (网络红页, sm_site.c) of case CASE_ID, whose mark hangs on
 * one (hosting redpage): the unit edits it while the mark waits to be hung.
 * sm_redpage_save keeps VALUES (forms/redpage.yaml, checked as a draft is)
 * as the unit's draft of it; sm_redpage_publish publishes VALUES, or the
 * draft when NULL, through the rules' publish-redpage action (audited; the
 * case moves to mark_hung; the page goes into the public site's next
 * export) and discards the draft.  EXPECT_VERSION as in sm_act. */
sm_status sm_redpage_save(sm_app *app, int64_t case_id, const json_t *values, sm_err *err);
sm_status sm_redpage_publish(sm_app *app, int64_t case_id, const json_t *values,
                             int64_t expect_version, sm_err *err);

/* Whether case C (its values read) hangs its mark on a red page (a site or
 * mark case with hosting redpage): the rules' SM_FX_REDPAGE needs it. */
bool sm_case_hosts_redpage(const sm_case *c);

/* Working days a case is past its deadline today (0 when not). */
int sm_case_days_over(const sm_app *app, const sm_case *c);
/* Working days from today to the case's deadline (0 when due today or past). */
int sm_case_days_left(const sm_app *app, const sm_case *c);

/* The reviewer hints of a unit and a case's values: a new JSON array of hint
 * codes (empty when none); sm_hint_label gives a code's msgid. */
json_t *sm_hints(const sm_unit *unit, const json_t *case_values);
const char *sm_hint_label(const char *code);

/* ------------------------------------------------------------ notifications (sm_notify.c)
 *
 * notify run: queue the scheduled notices due today (a reminder two working
 * days before the hanging deadline, an overdue notice; once each), then
 * deliver what the outbox holds that is due: e-mail over SMTP (smtp.*), SMS
 * through the HTTP gateway (sms.*), retried with capped exponential backoff
 * and jitter (notify.*), given up after notify.give_up, when the case is
 * flagged for its office.  Every outcome is in the case's history.  One
 * sender at a time (SM_E_CONFLICT when another runs); a system
 * administrator's account. */
typedef struct sm_notify_stats {
	int sent, retrying, failed;   /* attempts of this run */
	int scheduled;                /* scheduled notices queued */
	int waiting;                  /* not attempted: their channel is not configured */
	char why_waiting[256];        /* what is missing (smtp.url ...), when WAITING */
} sm_notify_stats;
sm_status sm_notify_run(sm_app *app, sm_notify_stats *stats, sm_err *err);

/* Words for an outbox row's channel (sms, email) and event. */
const char *sm_notice_channel_label(const char *channel);
const char *sm_notice_event_label(const char *event);
/* Where notice N stands, in words: sent (when), waiting, retrying (why, the
 * next attempt), failed (why), refused (why).  Malloc'd. */
char *sm_notice_status_text(const sm_notice *n);
/* Whether N was given up (its case is flagged for its office). */
bool sm_notice_failed(const sm_notice *n);

/* The most bytes an attachment of sm_case_queue_mail() may have on this
 * session's store: 20 MB in a local file, 2 MB on a cluster. */
size_t sm_mail_attachment_max(const sm_app *app);

/* Queue an e-mail to the contact of case CASE_ID's unit with SUBJECT, BODY
 * and an attachment: the file NAME (no '/'; NULL: none) of LEN bytes at
 * DATA (e.g. a printed PDF), kept in the store with the notice, in the same
 * transaction, until it is sent or given up (at most
 * sm_mail_attachment_max() bytes: refused above).  For whoever may see the
 * case but units' other users.  The address and the name are checked as
 * for every notice; the audit record names the attachment, its size and
 * SHA-256. */
sm_status sm_case_queue_mail(sm_app *app, int64_t case_id, const char *subject,
                             const char *body, const char *name, const void *data, size_t len,
                             sm_err *err);

#endif
