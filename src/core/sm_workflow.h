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
#include "sm_err.h"
#include "sm_store.h"

/* ------------------------------------------------------------ vocabulary */

typedef struct sm_name {
	const char *name;   /* as in code, the command line and the store */
	const char *label;  /* English msgid */
} sm_name;

/* NULL-terminated tables (name NULL ends them). */
extern const sm_name sm_roles[];
extern const sm_name sm_kinds[];
extern const sm_name sm_states[];
extern const sm_name sm_actions[];
extern const sm_name sm_unit_types[];
/* Audit records that are not transitions: create, edit, note, print, ... */
extern const sm_name sm_events[];

/* The msgid of NAME in TABLE, or NULL when NAME is not in it. */
const char *sm_name_label(const sm_name *table, const char *name);

enum {
	SM_KIND_DOMAIN = 1 << 0,
	SM_KIND_SITE = 1 << 1,
	SM_KIND_MARK = 1 << 2,
	SM_KIND_ALL = 7
};

enum {
	SM_ROLE_UNIT = 1 << 0,
	SM_ROLE_OFFICE = 1 << 1,
	SM_ROLE_CONAC = 1 << 2,
	SM_ROLE_SERVICE = 1 << 3,
	SM_ROLE_SYSADMIN = 1 << 4,
	SM_ROLE_SECADMIN = 1 << 5,
	SM_ROLE_AUDITOR = 1 << 6,
	SM_ROLE_MONITOR = 1 << 7  /* the mark monitor (marks check) */
};

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
	SM_FX_APPROVAL = 1 << 11      /* no one approves a case they submitted */
};

typedef struct sm_rule {
	unsigned kinds;
	const char *from;
	const char *action;
	unsigned roles;
	const char *to;
	const char *form;     /* the action's values form (forms/<form>.yaml), or NULL */
	unsigned effects;
} sm_rule;

/* The rules of domain.md §4, NULL-action terminated. */
extern const sm_rule sm_rules[];

unsigned sm_kind_bit(const char *kind);
unsigned sm_role_bit(const char *role);
/* The rule for ACTION on a case of KIND in STATE, whatever the role; NULL if
 * the action does not apply there. */
const sm_rule *sm_rule_find(const char *kind, const char *state, const char *action);
/* The rules ROLE may apply to a case of KIND in STATE, up to MAX. */
size_t sm_rules_for(const char *kind, const char *state, const char *role,
                    const sm_rule **out, size_t max);
/* Whether STATE is final (nothing more happens to the case). */
bool sm_state_closed(const char *state);

/* ------------------------------------------------------------ operations */

/* On a database without accounts, make LOGIN its first system administrator
 * (init).  *CREATED tells whether it did. */
sm_status sm_first_admin(sm_app *app, const char *login, bool *created, sm_err *err);
sm_status sm_office_add(sm_app *app, const char *code, const char *name, sm_err *err);
sm_status sm_user_add(sm_app *app, const sm_user *u, sm_err *err);
/* Register a unit from the unit form's VALUES.  LOGIN (may be NULL) is a unit
 * operator account to create for it (administrators) ; a unit operator
 * without a unit registers their own. */
sm_status sm_unit_register(sm_app *app, const json_t *values, const char *login,
                           int64_t *unit_id, sm_err *err);

/* A new draft case of KIND for the acting unit operator's unit. */
sm_status sm_case_new(sm_app *app, const char *kind, const json_t *values, int64_t *case_id,
                      sm_err *err);
/* Merge VALUES into a draft or returned case's values (null removes a field). */
sm_status sm_case_edit(sm_app *app, int64_t case_id, const json_t *values,
                       int64_t expect_version, sm_err *err);

typedef struct sm_act {
	int64_t case_id;
	const char *action;
	const json_t *values;    /* the action's form values, may be NULL */
	const char *reason;      /* --reason: fills values' "reason" */
	int64_t expect_version;  /* the version the user saw; 0 = as read now */
	const char *request_id;  /* NULL: a new one */
} sm_act;

/* Apply an action.  On success *NEW_STATE (may be NULL) receives the state. */
sm_status sm_case_act(sm_app *app, const sm_act *act, char **new_state, sm_err *err);

/* Read a case the acting user may see. */
sm_status sm_case_read(sm_app *app, int64_t case_id, sm_case *out, sm_err *err);
/* Cases the acting user may see matching F (narrowed by role); QUEUE: only
 * those waiting for the user's role (and office), ordered by deadline. */
sm_status sm_case_query(sm_app *app, const sm_case_filter *f, bool queue, sm_case **out,
                        size_t *n, sm_err *err);
/* Customer service's note on a case. */
sm_status sm_case_note(sm_app *app, int64_t case_id, const char *text, sm_err *err);
/* Record that a case's letter or form was printed (changes no state). */
sm_status sm_case_printed(sm_app *app, int64_t case_id, const char *what, sm_err *err);

/* Working days a case is past its deadline today (0 when not). */
int sm_case_days_over(const sm_app *app, const sm_case *c);

/* The reviewer hints of a unit and a case's values: a new JSON array of hint
 * codes (empty when none); sm_hint_label gives a code's msgid. */
json_t *sm_hints(const sm_unit *unit, const json_t *case_values);
const char *sm_hint_label(const char *code);

#endif
