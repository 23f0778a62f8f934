/* sm_vocab.h - the domain's words (domain.md §2-4) as types.
 *
 * Roles, case kinds, states, actions and unit types are enums.  Their names
 * (as in the store, the command line and JSON) and their translatable labels
 * are written once, in the tables of sm_vocab.c; text is parsed into these
 * types where it enters (the store, the command line's arguments) and turned
 * back into names only where it leaves.  Value 0 of each enum is "none":
 * what a parse of an unknown name gives. */
#ifndef SM_VOCAB_H
#define SM_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sm_role {
	SM_ROLE_NONE = 0,
	SM_ROLE_UNIT,      /* a unit's operator */
	SM_ROLE_OFFICE,    /* an establishment office's reviewer */
	SM_ROLE_CONAC,     /* a CONAC reviewer */
	SM_ROLE_SERVICE,   /* customer service */
	SM_ROLE_SYSADMIN,  /* the three administrators (三员) */
	SM_ROLE_SECADMIN,
	SM_ROLE_AUDITOR,
	SM_ROLE_MONITOR,   /* the mark monitor (marks check) */
	SM_ROLE_COUNT
} sm_role;

typedef enum sm_kind {
	SM_KIND_NONE = 0,
	SM_KIND_DOMAIN,
	SM_KIND_SITE,
	SM_KIND_MARK,
	SM_KIND_COUNT
} sm_kind;

typedef enum sm_state {
	SM_STATE_NONE = 0,
	SM_STATE_DRAFT,
	SM_STATE_OFFICE_REVIEW,
	SM_STATE_CONAC_REVIEW,
	SM_STATE_RETURNED,
	SM_STATE_AWAITING_PAYMENT,
	SM_STATE_REGISTERED,
	SM_STATE_PAPER_PENDING,
	SM_STATE_MARK_ISSUED,
	SM_STATE_MARK_HUNG,
	SM_STATE_WITHDRAWN,
	SM_STATE_COUNT
} sm_state;

typedef enum sm_action {
	SM_ACTION_NONE = 0,
	SM_ACTION_SUBMIT,
	SM_ACTION_WITHDRAW,
	SM_ACTION_APPROVE,
	SM_ACTION_REJECT,
	SM_ACTION_CONFIRM_PAYMENT,
	SM_ACTION_CONFIRM_PAPER,
	SM_ACTION_REJECT_PAPER,
	SM_ACTION_VERIFY_HUNG,
	SM_ACTION_PUBLISH_REDPAGE, /* the unit publishes its red page (hosting redpage) */
	SM_ACTION_FLAG_MISSING,  /* the mark monitor: a hung mark is no longer found */
	SM_ACTION_COUNT
} sm_action;

typedef enum sm_unit_type {
	SM_UNIT_TYPE_NONE = 0,
	SM_UNIT_ORGAN,        /* 党政机关 */
	SM_UNIT_INSTITUTION,  /* 事业单位 */
	SM_UNIT_SOCIAL,       /* 社会组织 */
	SM_UNIT_TYPE_COUNT
} sm_unit_type;

/* Sets of these as bits: SM_BIT(SM_STATE_DRAFT) | SM_BIT(SM_STATE_RETURNED). */
#define SM_BIT(x) (1u << (unsigned)(x))

/* One word: its name and its labels (English msgids, translated where shown;
 * SHORT is a "short\004..." key for narrow columns, or NULL). */
typedef struct sm_word {
	const char *name;
	const char *label;
	const char *short_label;
} sm_word;

/* The tables, indexed by the enum (entry 0 is the "none" word, all NULL). */
extern const sm_word sm_role_words[SM_ROLE_COUNT];
extern const sm_word sm_kind_words[SM_KIND_COUNT];
extern const sm_word sm_state_words[SM_STATE_COUNT];
extern const sm_word sm_action_words[SM_ACTION_COUNT];
extern const sm_word sm_unit_type_words[SM_UNIT_TYPE_COUNT];

/* Names (NULL for none or out of range). */
const char *sm_role_name(sm_role r);
const char *sm_kind_name(sm_kind k);
const char *sm_state_name(sm_state s);
const char *sm_action_name(sm_action a);
const char *sm_unit_type_name(sm_unit_type t);

/* Labels, translated ("" for none). */
const char *sm_role_label(sm_role r);
const char *sm_kind_label(sm_kind k);
const char *sm_state_label(sm_state s);
const char *sm_action_label(sm_action a);
const char *sm_unit_type_label(sm_unit_type t);
/* Short forms for narrow columns, translated. */
const char *sm_kind_short(sm_kind k);
const char *sm_state_short(sm_state s);

/* Parsing (NULL or unknown text gives the enum's NONE). */
sm_role sm_role_parse(const char *name);
sm_kind sm_kind_parse(const char *name);
sm_state sm_state_parse(const char *name);
sm_action sm_action_parse(const char *name);
sm_unit_type sm_unit_type_parse(const char *name);

/* "a,b,c" of state names as a set of SM_BIT(state); false when a name is
 * unknown (*BAD, may be NULL, then points into LIST at it). */
bool sm_states_parse(const char *list, unsigned *set, const char **bad);
/* The names of a table of N words joined with ", " into BUF (for messages:
 * "one of ..."); returns BUF. */
const char *sm_words_list(const sm_word *table, size_t n, char *buf, size_t bufsz);

/* Whether a case in STATE is closed (nothing more happens to it). */
bool sm_state_closed(sm_state s);

/* The label (translated) of an audit record's action: a transition, or an
 * event that is not one (create, edit, note, print ...); NAME when unknown. */
const char *sm_event_label(const char *name);
/* The label (translated) of the kind of object an audit record is about
 * ("case", "unit", "user", "office"...); NAME when unknown. */
const char *sm_object_label(const char *name);
/* The name of the action or event whose name or translated label is TEXT
 * ("reject", "退回"), or NULL. */
const char *sm_event_parse(const char *text);

#endif
