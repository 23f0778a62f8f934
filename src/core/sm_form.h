/* sm_form.h - form definitions loaded from forms/ID.yaml, and validation of
 * values against them.  The command line validates values files with these;
 * the console draws its forms from the same definitions.
 *
 * A definition (see forms/site.yaml and HACKING.md):
 *
 *   form: site                      # id; the file is forms/<id>.yaml
 *   title: "Website opening review / requalification application"
 *   help: "Read the instructions ..."          # optional, translatable
 *   fields:
 *     - id: purpose
 *       type: choice                # text longtext choice date bool amount list group
 *                                   # (longtext: several lines; line breaks
 *                                   # are allowed there and only there)
 *       label: "Purpose"            # English msgid, translated through po/
 *       help: "..."                 # optional
 *       required: true              # default false
 *       required_when: {hosting: own}   # optional: required when another
 *                                       # top-level field has that value
 *       shown_when: {hosting: own}      # optional: the console hides it otherwise
 *       min_length: 2               # text, in characters
 *       max_length: 100
 *       validator: uscc             # sm_validator_find() name, or "division"
 *       mask: true                  # shown masked to roles without need
 *       lines: 4                    # longtext: rows the console gives it
 *                                   # (2..SM_FORM_MAX_LINES, default 4)
 *       not_future: true            # date: a day after today is refused
 *                                   # (sm_form_check_dates)
 *       choices:                    # choice
 *         - {value: new, label: "New website"}
 *       item: {type: text, validator: hostname, max_length: 253}   # list
 *       min_items: 1                # list
 *       max_items: 10
 *       fields: [...]               # group: nested fields
 *
 * Labels, help and titles are English msgids; `sitemark forms strings`
 * prints them as N_() lines for xgettext (po/forms-strings.c). */
#ifndef SM_FORM_H
#define SM_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "sm_division.h"
#include "sm_err.h"

#define SM_FORM_DEFAULT_LINES 4
#define SM_FORM_MAX_LINES 12

typedef enum sm_field_type {
	SM_FT_TEXT,     /* one line */
	SM_FT_LONGTEXT, /* several lines */
	SM_FT_CHOICE,
	SM_FT_DATE,     /* YYYY-MM-DD */
	SM_FT_BOOL,
	SM_FT_AMOUNT,   /* yuan, two decimals */
	SM_FT_LIST,     /* repeatable: items of field->item */
	SM_FT_GROUP     /* nested fields */
} sm_field_type;

typedef struct sm_choice {
	char *value;
	char *label; /* msgid */
} sm_choice;

typedef struct sm_field sm_field;
struct sm_field {
	char *id;
	sm_field_type type;
	char *label;          /* msgid; never NULL after loading */
	char *help;           /* msgid or NULL */
	bool required;
	char *when_field;     /* required_when: field id, or NULL */
	char *when_value;
	char *shown_field;    /* shown_when */
	char *shown_value;
	int min_length;       /* 0 = none */
	int max_length;       /* 0 = none */
	char *validator;      /* NULL or a name */
	bool mask;
	sm_choice *choices;
	size_t n_choices;
	sm_field *item;       /* LIST */
	int min_items, max_items;
	int lines;            /* LONGTEXT: rows in the console (never 0 there) */
	bool not_future;      /* DATE: no day after today */
	sm_field *fields;     /* GROUP */
	size_t n_fields;
	int line;             /* where it is defined */
};

typedef struct sm_form {
	char *id;
	char *title;  /* msgid */
	char *help;   /* msgid or NULL */
	char *file;   /* path it was loaded from */
	sm_field *fields;
	size_t n_fields;
} sm_form;

/* Load and check one definition.  Every problem found is added to ERR as
 * "FILE:LINE: what is wrong" (translated); returns SM_E_INVALID if any. */
sm_status sm_form_load(const char *path, sm_form **out, sm_err *err);
void sm_form_free(sm_form **formp);

/* The set of definitions in a directory (every *.yaml). */
typedef struct sm_forms sm_forms;
sm_status sm_forms_load_dir(const char *dir, sm_forms **out, sm_err *err);
void sm_forms_free(sm_forms **formsp);
const sm_form *sm_forms_get(const sm_forms *forms, const char *id);
size_t sm_forms_count(const sm_forms *forms);
const sm_form *sm_forms_at(const sm_forms *forms, size_t i);

/* A form of the fields of FORM named in IDS (NULL-terminated, top-level
 * ids, in FORM's order), sharing their definitions: one definition serves
 * both (the unit form's contact and handler for `unit edit`).  ID and TITLE
 * (a msgid) name the new form.  Free it with sm_form_subset_free before FORM.
 * NULL when out of memory or no field matches. */
sm_form *sm_form_subset(const sm_form *form, const char *id, const char *title,
                        const char *const *ids);
void sm_form_subset_free(sm_form **formp);

/* Find a field by dotted path ("contact.email"); NULL if none. */
const sm_field *sm_form_field(const sm_form *form, const char *path);

typedef enum sm_validate_mode {
	SM_FORM_COMPLETE, /* every required field must be there (submit) */
	SM_FORM_PARTIAL   /* drafts: check what is there, allow missing fields */
} sm_validate_mode;

/* Validate VALUES (a JSON object, as from sm_values_load_file or the
 * console) against FORM.  Every problem is added to ERR with its field path
 * ("contact.email", "english_domains[2]") and a translated message; unknown
 * fields are problems too.  On success stores in *NORMALISED (may be NULL) a
 * new object: strings trimmed, booleans as JSON booleans, a single value given
 * for a list made a one-element list, dates and amounts in canonical form,
 * domain names as given.  Text with control characters, bidi controls or
 * invalid UTF-8 is refused.  DIVS may be NULL (then "division" checks only
 * the shape). */
sm_status sm_form_validate(const sm_form *form, const json_t *values,
                           const sm_divisions *divs, sm_validate_mode mode,
                           json_t **normalised, sm_err *err);

/* Validate one field's value (the console, on leaving a field).  PATH names
 * it in messages.  *NORMALISED as above (may be NULL). */
sm_status sm_field_validate(const sm_field *field, const json_t *value,
                            const sm_divisions *divs, const char *path,
                            json_t **normalised, sm_err *err);

/* The dates of VALUES (normalised, as sm_form_validate gives them) that
 * must not lie after TODAY ("YYYY-MM-DD": the session's clock, see
 * sm_clock_today) and do: one problem each, with the field's path.  The
 * workflow calls it for every action form (sm_action_validate). */
sm_status sm_form_check_dates(const sm_form *form, const json_t *values, const char *today,
                              sm_err *err);

/* Whether FIELD (top-level) is required / shown given the other VALUES. */
bool sm_field_is_required(const sm_field *field, const json_t *values);
bool sm_field_is_shown(const sm_field *field, const json_t *values);

/* The label of the field at PATH translated, for messages ("联系人 手机"); a
 * static or FORM-owned string, or PATH itself when unknown. */
const char *sm_form_field_label(const sm_form *form, const char *path, char *buf, size_t bufsz);

/* Every translatable string of FORM (title, help, labels, choice labels), in
 * order, for `forms strings`.  Calls FN once per string. */
void sm_form_strings(const sm_form *form, void (*fn)(const char *msgid, void *ud), void *ud);

/* Walk VALUES in the form's order for display: FN is called once per value
 * with the field, the label (translated; nested labels joined by a space;
 * list entries after the first get an empty label) and the value as text
 * (choice values as their translated label, booleans as yes/no, NULL for a
 * group's heading).  Unknown keys are skipped. */
typedef void (*sm_form_value_fn)(const sm_field *field, const char *label, const char *text,
                                 void *ud);
void sm_form_each_value(const sm_form *form, const json_t *values, sm_form_value_fn fn,
                        void *ud);

#endif
