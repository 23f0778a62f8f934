/* sm_form.c - form definitions (forms/ID.yaml) and validation of values.
 *
 * Loading checks a definition thoroughly and reports every problem with its
 * file and line, so that `sitemark forms check` tells an administrator all
 * that is wrong at once.  Validation walks the definition, not the values,
 * so a hostile values file cannot make it recurse deeper than the form
 * (groups are at most SM_FORM_MAX_GROUP_DEPTH deep). */
#include <config.h>

#include "sm_form.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sm_i18n.h"
#include "sm_text.h"
#include "sm_validate.h"
#include "sm_yaml.h"

#define SM_FORM_MAX_GROUP_DEPTH 4
#define SM_FORM_MAX_FIELDS 500   /* per list of fields */
#define SM_FORM_MAX_CHOICES 1000
#define SM_FORM_MAX_NUMBER 1000000
/* Values nested deeper than this are not looked into when deciding whether
 * they are empty (the form itself is never this deep). */
#define SM_VALUE_MAX_DEPTH 40

struct sm_forms {
	sm_form **v;
	size_t n;
};

/* ------------------------------------------------------------ helpers */

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *
xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static int
is_space_at(const char *s, size_t len, size_t *n)
{
	if (len >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' ||
	    s[0] == '\r' || s[0] == '\v' || s[0] == '\f')) {
		*n = 1;
		return 1;
	}
	if (len >= 3 && (unsigned char)s[0] == 0xe3 && (unsigned char)s[1] == 0x80 &&
	    (unsigned char)s[2] == 0x80) { /* U+3000 IDEOGRAPHIC SPACE */
		*n = 3;
		return 1;
	}
	return 0;
}

/* A trimmed copy of S (LEN bytes) in *OUT; *OUTLEN its length. */
static int
trim_dup(const char *s, size_t len, char **out, size_t *outlen)
{
	size_t a = 0, b = len, n;

	while (a < b && is_space_at(s + a, b - a, &n))
		a += n;
	for (;;) {
		if (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\n' ||
		    s[b - 1] == '\r' || s[b - 1] == '\v' || s[b - 1] == '\f'))
			b--;
		else if (b >= a + 3 && (unsigned char)s[b - 3] == 0xe3 &&
		    (unsigned char)s[b - 2] == 0x80 && (unsigned char)s[b - 1] == 0x80)
			b -= 3;
		else
			break;
	}
	*out = malloc(b - a + 1);
	if (*out == NULL)
		return -1;
	memcpy(*out, s + a, b - a);
	(*out)[b - a] = '\0';
	*outlen = b - a;
	return 0;
}

static int
valid_id(const char *s, int allow_hyphen)
{
	size_t n = 0;

	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (const char *p = s; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		    (allow_hyphen && *p == '-')))
			return 0;
	return n <= 64;
}

static const char *const type_names[] = {
	[SM_FT_TEXT] = "text", [SM_FT_LONGTEXT] = "longtext",
	[SM_FT_CHOICE] = "choice", [SM_FT_DATE] = "date", [SM_FT_BOOL] = "bool",
	[SM_FT_AMOUNT] = "amount", [SM_FT_LIST] = "list", [SM_FT_GROUP] = "group",
};

/* Parse a boolean word; returns 1 true, 0 false, -1 not a boolean. */
static int
parse_bool_word(const char *s)
{
	static const char *const yes[] = { "true", "yes", "1", "是", NULL };
	static const char *const no[] = { "false", "no", "0", "否", NULL };

	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

/* ------------------------------------------------------------ loading */

struct ldctx {
	const char *file;
	sm_err *err;
	int problems;
};

static void
lproblem(struct ldctx *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
lproblem(struct ldctx *c, int line, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	c->problems++;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL) {
		sm_err_add(c->err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
		return;
	}
	sm_err_add(c->err, SM_E_INVALID, NULL, _("%s:%d: %s"), c->file, line, msg);
	free(msg);
}

static void
lnomem(struct ldctx *c)
{
	c->problems++;
	sm_err_add(c->err, SM_E_NOMEM, NULL, _("%s: out of memory"), c->file);
}

static void
field_clear(sm_field *f)
{
	if (f == NULL)
		return;
	free(f->id);
	free(f->label);
	free(f->help);
	free(f->when_field);
	free(f->when_value);
	free(f->shown_field);
	free(f->shown_value);
	free(f->validator);
	for (size_t i = 0; i < f->n_choices; i++) {
		free(f->choices[i].value);
		free(f->choices[i].label);
	}
	free(f->choices);
	if (f->item != NULL) {
		field_clear(f->item);
		free(f->item);
	}
	for (size_t i = 0; i < f->n_fields; i++)
		field_clear(&f->fields[i]);
	free(f->fields);
	memset(f, 0, sizeof(*f));
}

/* Free a form, and its fields' definitions when it owns them (not a subset). */
static void
form_free(sm_form **formp, bool own_fields)
{
	sm_form *f;

	if (formp == NULL || *formp == NULL)
		return;
	f = *formp;
	free(f->id);
	free(f->title);
	free(f->help);
	free(f->file);
	for (size_t i = 0; own_fields && i < f->n_fields; i++)
		field_clear(&f->fields[i]);
	free(f->fields);
	free(f);
	*formp = NULL;
}

void
sm_form_free(sm_form **formp)
{
	form_free(formp, true);
}

sm_form *
sm_form_subset(const sm_form *form, const char *id, const char *title, const char *const *ids)
{
	sm_form *f = calloc(1, sizeof(*f));
	if (f == NULL || (f->fields = calloc(form->n_fields ? form->n_fields : 1,
	    sizeof(*f->fields))) == NULL) {
		free(f);
		return NULL;
	}
	for (size_t i = 0; i < form->n_fields; i++)
		for (size_t k = 0; ids[k]; k++)
			if (strcmp(form->fields[i].id, ids[k]) == 0)
				f->fields[f->n_fields++] = form->fields[i]; /* shared, not copied */
	f->id = strdup(id);
	f->title = strdup(title);
	f->file = form->file ? strdup(form->file) : NULL;
	if (f->n_fields == 0 || f->id == NULL || f->title == NULL ||
	    (form->file && f->file == NULL)) {
		sm_form_subset_free(&f);
		return NULL;
	}
	return f;
}

void
sm_form_subset_free(sm_form **formp)
{
	form_free(formp, false); /* the fields are the whole form's */
}

/* A scalar string value of key K (node V) or a problem; NULL either way
 * when it is not one. */
static char *
get_string(struct ldctx *c, const char *k, const sm_node *v, int line, int allow_empty)
{
	char *s;

	if (v->type != SM_NODE_SCALAR || (v->null && !allow_empty)) {
		lproblem(c, line, _("'%s' must be a text"), k);
		return NULL;
	}
	if (!allow_empty && v->scalar[0] == '\0') {
		lproblem(c, line, _("'%s' must not be empty"), k);
		return NULL;
	}
	s = strdup(v->scalar);
	if (s == NULL)
		lnomem(c);
	return s;
}

static int
get_bool(struct ldctx *c, const char *k, const sm_node *v, int line, bool *out)
{
	if (v->type == SM_NODE_SCALAR && !v->quoted) {
		if (strcmp(v->scalar, "true") == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v->scalar, "false") == 0) {
			*out = false;
			return 0;
		}
	}
	lproblem(c, line, _("'%s' must be true or false"), k);
	return -1;
}

static int
get_int(struct ldctx *c, const char *k, const sm_node *v, int line, int *out)
{
	long n = 0;

	if (v->type == SM_NODE_SCALAR && v->scalar[0] != '\0' && strlen(v->scalar) <= 7) {
		const char *p;
		for (p = v->scalar; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (*p - '0');
		if (*p == '\0' && n <= SM_FORM_MAX_NUMBER) {
			*out = (int)n;
			return 0;
		}
	}
	lproblem(c, line, _("'%s' must be a whole number from 0 to %d"), k, SM_FORM_MAX_NUMBER);
	return -1;
}

/* required_when / shown_when: {field: value}. */
static int
get_cond(struct ldctx *c, const char *k, const sm_node *v, int line, char **fieldp,
    char **valuep)
{
	if (v->type != SM_NODE_MAP || v->n != 1 || v->items[0]->type != SM_NODE_SCALAR ||
	    v->items[0]->null) {
		lproblem(c, line,
		    _("'%s' must map one field id to a value, like {hosting: own}"), k);
		return -1;
	}
	*fieldp = strdup(v->keys[0]);
	*valuep = strdup(v->items[0]->scalar);
	if (*fieldp == NULL || *valuep == NULL) {
		lnomem(c);
		return -1;
	}
	return 0;
}

static int
validator_known(const char *name)
{
	return strcmp(name, "division") == 0 || sm_validator_find(name) != NULL;
}

/* "uscc, orgcode, ..., division" for messages; malloc'd or NULL. */
static char *
validator_list(void)
{
	const char *const *names = sm_validator_names();
	size_t len = sizeof("division");
	char *s;

	for (size_t i = 0; names && names[i]; i++)
		len += strlen(names[i]) + 2;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; names && names[i]; i++) {
		strcat(s, names[i]);
		strcat(s, ", ");
	}
	strcat(s, "division");
	return s;
}

static void parse_fields(struct ldctx *, const sm_node *, int, sm_field **, size_t *, int);

static void
parse_choices(struct ldctx *c, const sm_node *v, int line, sm_field *f)
{
	if (v->type != SM_NODE_SEQ || v->n == 0) {
		lproblem(c, line, "%s", _("'choices' must be a list of {value, label}"));
		return;
	}
	if (v->n > SM_FORM_MAX_CHOICES) {
		lproblem(c, line, _("too many choices (more than %d)"), SM_FORM_MAX_CHOICES);
		return;
	}
	f->choices = calloc(v->n, sizeof(*f->choices));
	if (f->choices == NULL) {
		lnomem(c);
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const sm_node *ch = v->items[i];
		sm_choice *dst = &f->choices[f->n_choices];

		if (ch->type != SM_NODE_MAP) {
			lproblem(c, ch->line, "%s",
			    _("a choice must be a mapping with 'value' and 'label'"));
			continue;
		}
		for (size_t j = 0; j < ch->n; j++) {
			const char *k = ch->keys[j];
			if (strcmp(k, "value") == 0)
				dst->value = get_string(c, k, ch->items[j], ch->key_lines[j], 0);
			else if (strcmp(k, "label") == 0)
				dst->label = get_string(c, k, ch->items[j], ch->key_lines[j], 0);
			else
				lproblem(c, ch->key_lines[j], _("unknown key '%s' in a choice"), k);
		}
		if (ch->n > 0 && sm_node_get(ch, "value") == NULL)
			lproblem(c, ch->line, "%s", _("a choice has no value"));
		if (ch->n > 0 && sm_node_get(ch, "label") == NULL)
			lproblem(c, ch->line, "%s", _("a choice has no label"));
		if (ch->n == 0)
			lproblem(c, ch->line, "%s", _("a choice has no value"));
		if (dst->value != NULL) {
			for (size_t j = 0; j < f->n_choices; j++)
				if (strcmp(f->choices[j].value, dst->value) == 0) {
					lproblem(c, ch->line, _("duplicate choice '%s'"), dst->value);
					break;
				}
		}
		if (dst->value != NULL && dst->label != NULL)
			f->n_choices++;
		else {
			free(dst->value);
			free(dst->label);
			dst->value = dst->label = NULL;
		}
	}
}

/* The line of KEY in map N, or N's own line. */
static int
key_line(const sm_node *n, const char *key)
{
	for (size_t i = 0; i < n->n; i++)
		if (strcmp(n->keys[i], key) == 0)
			return n->key_lines[i];
	return n->line;
}

static const char *const field_keys[] = {
	"id", "type", "label", "help", "required", "required_when", "shown_when",
	"min_length", "max_length", "validator", "mask", "choices", "item",
	"min_items", "max_items", "fields", "lines", "not_future", NULL
};

/* Parse field F from N.  GDEPTH: the number of groups around it.  ITEM:
 * the item of a list (no id; label defaults to the list's). */
static void
parse_field(struct ldctx *c, const sm_node *n, sm_field *f, int gdepth,
    const sm_field *list)
{
	const sm_node *v;
	int have_type = 0;
	int line;
	bool b;

	f->line = n->line;
	if (n->type != SM_NODE_MAP) {
		lproblem(c, n->line, "%s", _("a field must be a mapping (id, type, label, ...)"));
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		int known = 0;
		for (int k = 0; field_keys[k]; k++)
			if (strcmp(n->keys[i], field_keys[k]) == 0)
				known = 1;
		if (!known) {
			if (f->id != NULL || sm_node_str(n, "id") != NULL)
				lproblem(c, n->key_lines[i], _("unknown key '%s' in field '%s'"),
				    n->keys[i], sm_node_str(n, "id"));
			else
				lproblem(c, n->key_lines[i], _("unknown key '%s' in a field"),
				    n->keys[i]);
		}
	}
#define KEYLINE(key) key_line(n, key)
	if ((v = sm_node_get(n, "id")) != NULL) {
		line = KEYLINE("id");
		f->id = get_string(c, "id", v, line, 0);
		if (f->id != NULL && !valid_id(f->id, 0))
			lproblem(c, line,
			    _("field id '%s' is not valid: use a-z, 0-9 and _, starting with a letter"),
			    f->id);
	} else if (list == NULL)
		lproblem(c, n->line, "%s", _("a field has no id"));
	if ((v = sm_node_get(n, "type")) != NULL) {
		line = KEYLINE("type");
		if (v->type == SM_NODE_SCALAR) {
			for (size_t t = 0; t < sizeof(type_names) / sizeof(type_names[0]); t++)
				if (strcmp(v->scalar, type_names[t]) == 0) {
					f->type = (sm_field_type)t;
					have_type = 1;
				}
		}
		if (!have_type)
			lproblem(c, line,
			    _("unknown type '%s': expected text, longtext, choice, date, bool, amount, list or group"),
			    v->type == SM_NODE_SCALAR ? v->scalar : "?");
	} else
		lproblem(c, n->line, _("field '%s' has no type"), f->id ? f->id : "?");
	if ((v = sm_node_get(n, "label")) != NULL)
		f->label = get_string(c, "label", v, KEYLINE("label"), 0);
	else if (list == NULL)
		lproblem(c, n->line, _("field '%s' has no label"), f->id ? f->id : "?");
	if (f->label == NULL && list != NULL && list->label != NULL) {
		f->label = strdup(list->label);
		if (f->label == NULL)
			lnomem(c);
	}
	if ((v = sm_node_get(n, "help")) != NULL)
		f->help = get_string(c, "help", v, KEYLINE("help"), 0);
	if ((v = sm_node_get(n, "required")) != NULL && get_bool(c, "required", v,
	    KEYLINE("required"), &b) == 0)
		f->required = b;
	if ((v = sm_node_get(n, "mask")) != NULL && get_bool(c, "mask", v,
	    KEYLINE("mask"), &b) == 0)
		f->mask = b;
	if ((v = sm_node_get(n, "required_when")) != NULL)
		get_cond(c, "required_when", v, KEYLINE("required_when"), &f->when_field,
		    &f->when_value);
	if ((v = sm_node_get(n, "shown_when")) != NULL)
		get_cond(c, "shown_when", v, KEYLINE("shown_when"), &f->shown_field,
		    &f->shown_value);
	if ((v = sm_node_get(n, "min_length")) != NULL)
		get_int(c, "min_length", v, KEYLINE("min_length"), &f->min_length);
	if ((v = sm_node_get(n, "max_length")) != NULL)
		get_int(c, "max_length", v, KEYLINE("max_length"), &f->max_length);
	if ((v = sm_node_get(n, "min_items")) != NULL)
		get_int(c, "min_items", v, KEYLINE("min_items"), &f->min_items);
	if ((v = sm_node_get(n, "lines")) != NULL)
		get_int(c, "lines", v, KEYLINE("lines"), &f->lines);
	if ((v = sm_node_get(n, "not_future")) != NULL && get_bool(c, "not_future", v,
	    KEYLINE("not_future"), &b) == 0)
		f->not_future = b;
	if ((v = sm_node_get(n, "max_items")) != NULL)
		get_int(c, "max_items", v, KEYLINE("max_items"), &f->max_items);
	if ((v = sm_node_get(n, "validator")) != NULL) {
		line = KEYLINE("validator");
		f->validator = get_string(c, "validator", v, line, 0);
		if (f->validator != NULL && !validator_known(f->validator)) {
			char *names = validator_list();
			lproblem(c, line, _("unknown validator '%s': expected one of %s"),
			    f->validator, names ? names : "?");
			free(names);
		}
	}
	if ((v = sm_node_get(n, "choices")) != NULL)
		parse_choices(c, v, KEYLINE("choices"), f);
	if ((v = sm_node_get(n, "item")) != NULL) {
		line = KEYLINE("item");
		if (v->type != SM_NODE_MAP)
			lproblem(c, line, "%s", _("'item' must be a mapping (type, ...)"));
		else if (have_type && f->type == SM_FT_LIST) {
			f->item = calloc(1, sizeof(*f->item));
			if (f->item == NULL)
				lnomem(c);
			else {
				parse_field(c, v, f->item, gdepth, f);
				if (f->item->type == SM_FT_LIST)
					lproblem(c, v->line, "%s", _("a list item cannot be a list"));
			}
		}
	}
	if ((v = sm_node_get(n, "fields")) != NULL && have_type && f->type == SM_FT_GROUP) {
		if (gdepth + 1 > SM_FORM_MAX_GROUP_DEPTH)
			lproblem(c, KEYLINE("fields"), _("groups are nested deeper than %d levels"),
			    SM_FORM_MAX_GROUP_DEPTH);
		else
			parse_fields(c, v, KEYLINE("fields"), &f->fields, &f->n_fields, gdepth + 1);
	}

	if (!have_type)
		return;
	const char *id = f->id ? f->id : (list && list->id ? list->id : "?");
	int textual = f->type == SM_FT_TEXT || f->type == SM_FT_LONGTEXT;
	if (f->type == SM_FT_CHOICE && sm_node_get(n, "choices") == NULL)
		lproblem(c, n->line, _("choice field '%s' has no choices"), id);
	if (f->type != SM_FT_CHOICE && sm_node_get(n, "choices") != NULL)
		lproblem(c, KEYLINE("choices"), _("'%s' applies only to %s fields"), "choices",
		    "choice");
	if (f->type == SM_FT_LIST && sm_node_get(n, "item") == NULL)
		lproblem(c, n->line, _("list field '%s' has no item"), id);
	if (f->type != SM_FT_LIST) {
		static const char *const lk[] = { "item", "min_items", "max_items", NULL };
		for (int k = 0; lk[k]; k++)
			if (sm_node_get(n, lk[k]) != NULL)
				lproblem(c, KEYLINE(lk[k]), _("'%s' applies only to %s fields"),
				    lk[k], "list");
	}
	if (f->type == SM_FT_GROUP && sm_node_get(n, "fields") == NULL)
		lproblem(c, n->line, _("group '%s' has no fields"), id);
	if (f->type != SM_FT_GROUP && sm_node_get(n, "fields") != NULL)
		lproblem(c, KEYLINE("fields"), _("'%s' applies only to %s fields"), "fields",
		    "group");
	if (!textual) {
		static const char *const tk[] = { "validator", "min_length", "max_length", NULL };
		for (int k = 0; tk[k]; k++)
			if (sm_node_get(n, tk[k]) != NULL)
				lproblem(c, KEYLINE(tk[k]), _("'%s' applies only to %s fields"),
				    tk[k], "text, longtext");
	}
	if (f->type != SM_FT_LONGTEXT && sm_node_get(n, "lines") != NULL)
		lproblem(c, KEYLINE("lines"), _("'%s' applies only to %s fields"), "lines",
		    "longtext");
	else if (sm_node_get(n, "lines") != NULL && (f->lines < 2 || f->lines > SM_FORM_MAX_LINES))
		lproblem(c, KEYLINE("lines"), _("lines must be between 2 and %d"), SM_FORM_MAX_LINES);
	if (f->type != SM_FT_DATE && sm_node_get(n, "not_future") != NULL)
		lproblem(c, KEYLINE("not_future"), _("'%s' applies only to %s fields"), "not_future",
		    "date");
	if (f->type == SM_FT_LONGTEXT && f->lines == 0)
		f->lines = SM_FORM_DEFAULT_LINES;
	if (f->max_length > 0 && f->min_length > f->max_length)
		lproblem(c, KEYLINE("min_length"),
		    _("min_length (%d) is greater than max_length (%d)"), f->min_length,
		    f->max_length);
	if (f->max_items > 0 && f->min_items > f->max_items)
		lproblem(c, KEYLINE("min_items"),
		    _("min_items (%d) is greater than max_items (%d)"), f->min_items,
		    f->max_items);
	if (f->required && f->when_field != NULL)
		lproblem(c, KEYLINE("required_when"), "%s",
		    _("'required' and 'required_when' cannot be used together"));
#undef KEYLINE
}

static void
parse_fields(struct ldctx *c, const sm_node *v, int line, sm_field **outp, size_t *np,
    int gdepth)
{
	sm_field *arr;

	*outp = NULL;
	*np = 0;
	if (v->type != SM_NODE_SEQ || v->n == 0) {
		lproblem(c, line, "%s", _("'fields' must be a non-empty list of fields"));
		return;
	}
	if (v->n > SM_FORM_MAX_FIELDS) {
		lproblem(c, line, _("too many fields (more than %d)"), SM_FORM_MAX_FIELDS);
		return;
	}
	arr = calloc(v->n, sizeof(*arr));
	if (arr == NULL) {
		lnomem(c);
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		parse_field(c, v->items[i], &arr[i], gdepth, NULL);
		if (arr[i].id == NULL)
			continue;
		for (size_t j = 0; j < i; j++)
			if (arr[j].id != NULL && strcmp(arr[j].id, arr[i].id) == 0) {
				lproblem(c, arr[i].line, _("duplicate field id '%s' (first at line %d)"),
				    arr[i].id, arr[j].line);
				break;
			}
	}
	*outp = arr;
	*np = v->n;
}

static const sm_field *
find_field(const sm_field *fields, size_t n, const char *id, size_t idlen)
{
	for (size_t i = 0; i < n; i++)
		if (fields[i].id != NULL && strlen(fields[i].id) == idlen &&
		    memcmp(fields[i].id, id, idlen) == 0)
			return &fields[i];
	return NULL;
}

static void
check_cond(struct ldctx *c, const sm_form *form, const sm_field *f, const char *key,
    const char *target, const char *value)
{
	const sm_field *t;

	if (target == NULL)
		return;
	t = find_field(form->fields, form->n_fields, target, strlen(target));
	if (t == NULL) {
		lproblem(c, f->line, _("%s of field '%s' names an unknown field '%s'"), key,
		    f->id ? f->id : "?", target);
		return;
	}
	if (t == f) {
		lproblem(c, f->line, _("%s of field '%s' names the field itself"), key,
		    f->id ? f->id : "?");
		return;
	}
	if (t->type == SM_FT_CHOICE && t->n_choices > 0) {
		for (size_t i = 0; i < t->n_choices; i++)
			if (strcmp(t->choices[i].value, value) == 0)
				return;
		lproblem(c, f->line, _("%s of field '%s': '%s' is not a choice of field '%s'"),
		    key, f->id ? f->id : "?", value, target);
	} else if (t->type == SM_FT_BOOL && parse_bool_word(value) < 0)
		lproblem(c, f->line, _("%s of field '%s': '%s' is not true or false"), key,
		    f->id ? f->id : "?", value);
}

static void
check_conds(struct ldctx *c, const sm_form *form, const sm_field *fields, size_t n,
    int depth)
{
	if (depth > SM_FORM_MAX_GROUP_DEPTH + 2)
		return;
	for (size_t i = 0; i < n; i++) {
		const sm_field *f = &fields[i];
		check_cond(c, form, f, "required_when", f->when_field, f->when_value);
		check_cond(c, form, f, "shown_when", f->shown_field, f->shown_value);
		if (f->item != NULL)
			check_conds(c, form, f->item, 1, depth + 1);
		check_conds(c, form, f->fields, f->n_fields, depth + 1);
	}
}

sm_status
sm_form_load(const char *path, sm_form **out, sm_err *err)
{
	struct ldctx c = { path, err, 0 };
	sm_node *root = NULL;
	sm_form *form;
	sm_status st;
	const sm_node *v;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || path == NULL)
		return sm_err_add(err, SM_E_INVALID, NULL, "%s", _("no form file"));
	st = sm_yaml_load_file(path, &root, err);
	if (st != SM_OK)
		return st;
	form = calloc(1, sizeof(*form));
	if (form == NULL || (form->file = strdup(path)) == NULL) {
		free(form);
		sm_node_free(&root);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("%s: out of memory"), path);
	}
	if (root->type != SM_NODE_MAP) {
		lproblem(&c, root->line, "%s",
		    _("a form definition must be a mapping with form, title and fields"));
		goto done;
	}
	for (size_t i = 0; i < root->n; i++) {
		const char *k = root->keys[i];
		if (strcmp(k, "form") != 0 && strcmp(k, "title") != 0 &&
		    strcmp(k, "help") != 0 && strcmp(k, "fields") != 0)
			lproblem(&c, root->key_lines[i], _("unknown key '%s' in a form"), k);
	}
	if ((v = sm_node_get(root, "form")) != NULL) {
		int line = key_line(root, "form");
		form->id = get_string(&c, "form", v, line, 0);
		if (form->id != NULL && !valid_id(form->id, 1))
			lproblem(&c, line,
			    _("form id '%s' is not valid: use a-z, 0-9, _ and -, starting with a letter"),
			    form->id);
	} else
		lproblem(&c, root->line, "%s", _("the form has no id ('form')"));
	if ((v = sm_node_get(root, "title")) != NULL)
		form->title = get_string(&c, "title", v, key_line(root, "title"), 0);
	else
		lproblem(&c, root->line, "%s", _("the form has no title"));
	if ((v = sm_node_get(root, "help")) != NULL)
		form->help = get_string(&c, "help", v, key_line(root, "help"), 0);
	if ((v = sm_node_get(root, "fields")) != NULL)
		parse_fields(&c, v, key_line(root, "fields"), &form->fields, &form->n_fields, 0);
	else
		lproblem(&c, root->line, "%s", _("the form has no fields"));
	check_conds(&c, form, form->fields, form->n_fields, 0);
done:
	sm_node_free(&root);
	if (c.problems > 0) {
		sm_form_free(&form);
		st = sm_err_status(err);
		return (err == NULL || st == SM_OK) ? SM_E_INVALID : st;
	}
	*out = form;
	return SM_OK;
}

/* ------------------------------------------------------------ sets */

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

sm_status
sm_forms_load_dir(const char *dir, sm_forms **out, sm_err *err)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	sm_forms *fs;
	sm_status st = SM_OK;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || dir == NULL)
		return sm_err_add(err, SM_E_INVALID, NULL, "%s", _("no forms directory"));
	d = opendir(dir);
	if (d == NULL)
		return sm_err_add(err, SM_E_IO, NULL, _("%s: cannot open: %s"), dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nn = realloc(names, nc * sizeof(*nn));
			if (nn == NULL)
				goto nomem;
			names = nn;
			cap = nc;
		}
		if ((names[n] = xasprintf("%s/%s", dir, de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	d = NULL;
	if (n > 0)
		qsort(names, n, sizeof(*names), str_cmp);
	fs = calloc(1, sizeof(*fs));
	if (fs == NULL || (n > 0 && (fs->v = calloc(n, sizeof(*fs->v))) == NULL)) {
		free(fs);
		goto nomem;
	}
	for (size_t i = 0; i < n; i++) {
		sm_form *f = NULL;
		sm_status s = sm_form_load(names[i], &f, err);
		if (s != SM_OK) {
			if (st == SM_OK)
				st = s;
			continue;
		}
		for (size_t j = 0; j < fs->n; j++)
			if (strcmp(fs->v[j]->id, f->id) == 0) {
				st = sm_err_add(err, SM_E_INVALID, NULL,
				    _("%s:%d: form '%s' is already defined in %s"), names[i], 1,
				    f->id, fs->v[j]->file);
				sm_form_free(&f);
				break;
			}
		if (f != NULL)
			fs->v[fs->n++] = f;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (st == SM_OK && fs->n == 0)
		st = sm_err_add(err, SM_E_INVALID, NULL, _("%s: no form definitions (*.yaml)"),
		    dir);
	if (st != SM_OK) {
		sm_forms_free(&fs);
		return st;
	}
	*out = fs;
	return SM_OK;
nomem:
	if (d != NULL)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return sm_err_add(err, SM_E_NOMEM, NULL, _("%s: out of memory"), dir);
}

void
sm_forms_free(sm_forms **formsp)
{
	if (formsp == NULL || *formsp == NULL)
		return;
	for (size_t i = 0; i < (*formsp)->n; i++)
		sm_form_free(&(*formsp)->v[i]);
	free((*formsp)->v);
	free(*formsp);
	*formsp = NULL;
}

const sm_form *
sm_forms_get(const sm_forms *forms, const char *id)
{
	if (forms == NULL || id == NULL)
		return NULL;
	for (size_t i = 0; i < forms->n; i++)
		if (strcmp(forms->v[i]->id, id) == 0)
			return forms->v[i];
	return NULL;
}

size_t
sm_forms_count(const sm_forms *forms)
{
	return forms ? forms->n : 0;
}

const sm_form *
sm_forms_at(const sm_forms *forms, size_t i)
{
	return (forms && i < forms->n) ? forms->v[i] : NULL;
}

/* ------------------------------------------------------------ paths */

/* Walk PATH ("contact.email", "english_domains[2]", "x[1].name"); calls
 * STEP for each field met with the index given (0 = none). */
static const sm_field *
walk_path(const sm_form *form, const char *path,
    void (*step)(const sm_field *f, long index, void *ud), void *ud)
{
	const sm_field *fields, *f = NULL;
	size_t n;
	const char *p = path;

	if (form == NULL || path == NULL)
		return NULL;
	fields = form->fields;
	n = form->n_fields;
	for (;;) {
		size_t len = strcspn(p, ".[");
		long index = 0;

		f = find_field(fields, n, p, len);
		if (f == NULL || len == 0)
			return NULL;
		p += len;
		if (*p == '[') {
			char *end;
			if (f->type != SM_FT_LIST || f->item == NULL)
				return NULL;
			errno = 0;
			index = strtol(p + 1, &end, 10);
			if (errno != 0 || end == p + 1 || *end != ']' || index < 1)
				return NULL;
			p = end + 1;
			if (step)
				step(f, index, ud);
			f = f->item;
		} else if (step)
			step(f, 0, ud);
		if (*p == '\0')
			return f;
		if (*p != '.')
			return NULL;
		p++;
		fields = f->fields;
		n = f->n_fields;
	}
}

const sm_field *
sm_form_field(const sm_form *form, const char *path)
{
	return walk_path(form, path, NULL, NULL);
}

struct label_buf {
	char *buf;
	size_t sz, len;
	int count;
	int overflow;
};

static void
label_append(struct label_buf *lb, const char *s)
{
	size_t n = strlen(s);

	if (lb->overflow || lb->buf == NULL || lb->sz == 0)
		return;
	if (lb->len + n + 1 > lb->sz) {
		/* Cut at a character boundary. */
		n = lb->sz - lb->len - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		lb->overflow = 1;
	}
	memcpy(lb->buf + lb->len, s, n);
	lb->len += n;
	lb->buf[lb->len] = '\0';
}

static void
label_step(const sm_field *f, long index, void *ud)
{
	struct label_buf *lb = ud;
	char num[32];

	if (lb->count++ > 0)
		label_append(lb, " ");
	label_append(lb, _(f->label));
	if (index > 0) {
		snprintf(num, sizeof(num), " %ld", index);
		label_append(lb, num);
	}
}

const char *
sm_form_field_label(const sm_form *form, const char *path, char *buf, size_t bufsz)
{
	struct label_buf lb = { buf, bufsz, 0, 0, 0 };
	const sm_field *f;

	if (path == NULL)
		return "";
	if (strpbrk(path, ".[") == NULL) {
		f = form ? find_field(form->fields, form->n_fields, path, strlen(path)) : NULL;
		return f ? _(f->label) : path;
	}
	if (buf == NULL || bufsz == 0)
		return path;
	buf[0] = '\0';
	if (walk_path(form, path, label_step, &lb) == NULL)
		return path;
	return buf;
}

/* ------------------------------------------------------------ strings */

static void
field_strings(const sm_field *f, const sm_field *list,
    void (*fn)(const char *, void *), void *ud, int depth)
{
	if (depth > SM_FORM_MAX_GROUP_DEPTH + 2)
		return;
	if (f->label != NULL && (list == NULL || strcmp(f->label, list->label) != 0))
		fn(f->label, ud);
	if (f->help != NULL)
		fn(f->help, ud);
	for (size_t i = 0; i < f->n_choices; i++)
		fn(f->choices[i].label, ud);
	if (f->item != NULL)
		field_strings(f->item, f, fn, ud, depth + 1);
	for (size_t i = 0; i < f->n_fields; i++)
		field_strings(&f->fields[i], NULL, fn, ud, depth + 1);
}

void
sm_form_strings(const sm_form *form, void (*fn)(const char *msgid, void *ud), void *ud)
{
	if (form == NULL || fn == NULL)
		return;
	if (form->title != NULL)
		fn(form->title, ud);
	if (form->help != NULL)
		fn(form->help, ud);
	for (size_t i = 0; i < form->n_fields; i++)
		field_strings(&form->fields[i], NULL, fn, ud, 0);
}

/* ------------------------------------------------------------ conditions */

static int
cond_holds(const char *target, const char *want, const json_t *values)
{
	const json_t *v;
	int b;

	if (target == NULL)
		return 1;
	if (!json_is_object(values))
		return 0;
	v = json_object_get(values, target);
	if (v == NULL)
		return 0;
	if (json_is_boolean(v))
		return (b = parse_bool_word(want)) >= 0 && b == (json_is_true(v) ? 1 : 0);
	if (json_is_string(v)) {
		char *s;
		size_t len;
		int r;
		if (trim_dup(json_string_value(v), json_string_length(v), &s, &len) < 0)
			return 0;
		r = strcmp(s, want) == 0;
		if (!r) {
			int x = parse_bool_word(s), y = parse_bool_word(want);
			r = x >= 0 && x == y;
		}
		free(s);
		return r;
	}
	return 0;
}

static sm_status
check_dates(const sm_field *fields, size_t n, const json_t *values, const char *prefix,
            const char *today, sm_err *err)
{
	sm_status st = SM_OK;
	char path[160];
	for (size_t i = 0; i < n; i++) {
		const sm_field *f = &fields[i];
		const json_t *v = f->id ? json_object_get(values, f->id) : NULL;
		if (v == NULL)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix ? prefix : "", prefix ? "." : "", f->id);
		if (f->type == SM_FT_GROUP && json_is_object(v)) {
			if (check_dates(f->fields, f->n_fields, v, path, today, err) != SM_OK)
				st = SM_E_INVALID;
		} else if (f->type == SM_FT_DATE && f->not_future && json_is_string(v) &&
		    strcmp(json_string_value(v), today) > 0) {
			st = sm_err_add(err, SM_E_INVALID, path,
			    _("is after today (%s): a date that has not come yet cannot be recorded"),
			    today);
		}
	}
	return st;
}

sm_status
sm_form_check_dates(const sm_form *form, const json_t *values, const char *today, sm_err *err)
{
	if (form == NULL || !json_is_object(values) || today == NULL)
		return SM_OK;
	return check_dates(form->fields, form->n_fields, values, NULL, today, err);
}

bool
sm_field_is_required(const sm_field *field, const json_t *values)
{
	if (field == NULL)
		return false;
	if (field->required)
		return true;
	return field->when_field != NULL &&
	    cond_holds(field->when_field, field->when_value, values);
}

bool
sm_field_is_shown(const sm_field *field, const json_t *values)
{
	if (field == NULL)
		return false;
	return cond_holds(field->shown_field, field->shown_value, values) != 0;
}

/* ------------------------------------------------------------ validation */

struct vctx {
	sm_err *err;
	int problems;
	const sm_divisions *divs;
	sm_validate_mode mode;
	const json_t *top; /* the top-level values, for required_when */
};

static void
vproblem(struct vctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
vproblem(struct vctx *c, const char *path, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	c->problems++;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL) {
		sm_err_add(c->err, SM_E_NOMEM, path, "%s", _("out of memory"));
		return;
	}
	sm_err_add(c->err, SM_E_INVALID, path, "%s", msg);
	free(msg);
}

static void
vnomem(struct vctx *c, const char *path)
{
	c->problems++;
	sm_err_add(c->err, SM_E_NOMEM, path, "%s", _("out of memory"));
}

static int
is_empty(const json_t *v, int depth)
{
	size_t i;
	const char *k;
	json_t *c;

	if (v == NULL || json_is_null(v))
		return 1;
	if (depth > SM_VALUE_MAX_DEPTH)
		return 0;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v), n, a = 0;
		while (a < len && is_space_at(s + a, len - a, &n))
			a += n;
		return a == len;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			if (!is_empty(c, depth + 1))
				return 0;
		return 1;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c)
			if (!is_empty(c, depth + 1))
				return 0;
		return 1;
	}
	return 0;
}

static int
is_bidi(unsigned int cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/* Check the characters of S; count them in *NCHARS.  Reports the first
 * problem and returns -1. */
static int
check_chars(struct vctx *c, const char *path, const char *s, size_t len, int multiline,
    size_t *nchars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, count = 0;

	while (i < len) {
		unsigned int cp;
		size_t n = sm_utf8_decode((const char *)p + i, len - i, &cp);
		if (n == 0) {
			vproblem(c, path, "%s", _("is not valid UTF-8 text"));
			return -1;
		}
		if ((cp == '\n' || cp == '\t') && multiline)
			;
		else if (cp == '\n') {
			vproblem(c, path, "%s", _("must be a single line"));
			return -1;
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			vproblem(c, path, _("contains a control character (U+%04X)"), cp);
			return -1;
		} else if (is_bidi(cp)) {
			vproblem(c, path,
			    _("contains an invisible bidirectional control character (U+%04X)"), cp);
			return -1;
		} else if (sm_text_cp_escaped(cp)) {
			/* zero-width characters, U+FEFF, the line separators, tags:
			 * pasted along with text, shown as <U+200B>, and refused
			 * by the notices' headers */
			vproblem(c, path, _("contains an invisible character (U+%04X)"), cp);
			return -1;
		}
		i += n;
		count++;
	}
	*nchars = count;
	return 0;
}

/* The text of V, trimmed, in *OUT (malloc'd). */
static int
value_text(struct vctx *c, const char *path, const json_t *v, char **out, size_t *len)
{
	char num[64];

	*out = NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (trim_dup(json_string_value(v), json_string_length(v), out, len) < 0) {
			vnomem(c, path);
			return -1;
		}
		return 0;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.15g", json_real_value(v));
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		vproblem(c, path, "%s", _("must be a single value, not a list or a mapping"));
		return -1;
	default:
		vproblem(c, path, "%s", _("must be a text"));
		return -1;
	}
	if ((*out = strdup(num)) == NULL) {
		vnomem(c, path);
		return -1;
	}
	*len = strlen(num);
	return 0;
}

static json_t *
validate_text(struct vctx *c, const sm_field *f, const json_t *v, const char *path)
{
	char *s;
	size_t len, nchars;
	json_t *r;

	if (value_text(c, path, v, &s, &len) < 0)
		return NULL;
	if (check_chars(c, path, s, len, f->type == SM_FT_LONGTEXT, &nchars) < 0) {
		free(s);
		return NULL;
	}
	if (f->min_length > 0 && nchars < (size_t)f->min_length) {
		vproblem(c, path, _("is too short: %zu characters, at least %d needed"), nchars,
		    f->min_length);
		free(s);
		return NULL;
	}
	if (f->max_length > 0 && nchars > (size_t)f->max_length) {
		vproblem(c, path, _("is too long: %zu characters, at most %d allowed"), nchars,
		    f->max_length);
		free(s);
		return NULL;
	}
	if (f->validator != NULL) {
		const char *msg = NULL;
		if (strcmp(f->validator, "division") == 0) {
			if (c->divs != NULL)
				msg = sm_division_check(c->divs, s);
			else if (sm_division_level(s) == SM_LEVEL_INVALID)
				msg = N_("is not a division code: expected 6 digits such as 350100");
		} else {
			sm_check_fn fn = sm_validator_find(f->validator);
			if (fn != NULL)
				msg = fn(s);
		}
		if (msg != NULL) {
			vproblem(c, path, "%s", _(msg));
			free(s);
			return NULL;
		}
	}
	r = json_string(s);
	free(s);
	if (r == NULL)
		vnomem(c, path);
	return r;
}

static json_t *
validate_choice(struct vctx *c, const sm_field *f, const json_t *v, const char *path)
{
	char *s, *list = NULL;
	size_t len, nchars;

	if (value_text(c, path, v, &s, &len) < 0)
		return NULL;
	if (check_chars(c, path, s, len, 0, &nchars) == 0) {
		for (size_t i = 0; i < f->n_choices; i++)
			if (strcmp(s, f->choices[i].value) == 0) {
				json_t *r = json_string(s);
				free(s);
				if (r == NULL)
					vnomem(c, path);
				return r;
			}
		for (size_t i = 0; i < f->n_choices; i++) {
			char *nl = xasprintf("%s%s%s (%s)", list ? list : "", list ? ", " : "",
			    f->choices[i].value, _(f->choices[i].label));
			free(list);
			if ((list = nl) == NULL)
				break;
		}
		if (list == NULL)
			vnomem(c, path);
		else
			vproblem(c, path, _("must be one of: %s"), list);
		free(list);
	}
	free(s);
	return NULL;
}

static int
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

static json_t *
validate_date(struct vctx *c, const sm_field *f, const json_t *v, const char *path)
{
	char *s, canon[16];
	size_t len, nchars, a, b, cc;
	const char *msg;

	(void)f;
	if (value_text(c, path, v, &s, &len) < 0)
		return NULL;
	if (check_chars(c, path, s, len, 0, &nchars) < 0) {
		free(s);
		return NULL;
	}
	/* YYYY-M-D, YYYY/MM/DD and YYYY.MM.DD are written as YYYY-MM-DD. */
	a = strcspn(s, "-/.");
	b = a < len ? strcspn(s + a + 1, "-/.") : 0;
	cc = a + 1 + b < len ? len - (a + b + 2) : 0;
	if (a == 4 && a < len && b >= 1 && b <= 2 && a + b + 1 < len &&
	    s[a + b + 1] == s[a] && cc >= 1 && cc <= 2 && all_digits(s, 4) &&
	    all_digits(s + 5, b) && all_digits(s + a + b + 2, cc)) {
		snprintf(canon, sizeof(canon), "%.4s-%s%.*s-%s%.*s", s, b == 1 ? "0" : "",
		    (int)b, s + 5, cc == 1 ? "0" : "", (int)cc, s + a + b + 2);
		msg = sm_check_date(canon);
	} else {
		canon[0] = '\0';
		msg = N_("is not a date: expected YYYY-MM-DD");
	}
	free(s);
	if (msg != NULL) {
		vproblem(c, path, "%s", _(msg));
		return NULL;
	}
	json_t *r = json_string(canon);
	if (r == NULL)
		vnomem(c, path);
	return r;
}

static json_t *
validate_bool(struct vctx *c, const sm_field *f, const json_t *v, const char *path)
{
	int b = -1;

	(void)f;
	if (json_is_boolean(v))
		b = json_is_true(v);
	else if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
		b = (int)json_integer_value(v);
	else if (json_is_string(v)) {
		char *s;
		size_t len;
		if (trim_dup(json_string_value(v), json_string_length(v), &s, &len) < 0) {
			vnomem(c, path);
			return NULL;
		}
		if (memchr(s, '\0', len) == NULL)
			b = parse_bool_word(s);
		free(s);
	}
	if (b < 0) {
		vproblem(c, path, "%s", _("must be yes or no (true/false, 1/0, 是/否)"));
		return NULL;
	}
	return json_boolean(b);
}

static json_t *
validate_amount(struct vctx *c, const sm_field *f, const json_t *v, const char *path)
{
	char *s = NULL, *canon;
	size_t len, nchars, ip, dp = 0, start = 0;
	const char *msg, *dot;
	json_t *r;

	(void)f;
	if (json_is_real(v)) {
		char num[64];
		double d = json_real_value(v), back;
		snprintf(num, sizeof(num), "%.2f", d);
		back = strtod(num, NULL);
		if (back - d > 1e-9 || d - back > 1e-9) {
			vproblem(c, path, "%s", _("has more than two decimals"));
			return NULL;
		}
		if ((s = strdup(num)) == NULL) {
			vnomem(c, path);
			return NULL;
		}
		len = strlen(s);
	} else if (value_text(c, path, v, &s, &len) < 0)
		return NULL;
	if (check_chars(c, path, s, len, 0, &nchars) < 0) {
		free(s);
		return NULL;
	}
	msg = sm_check_amount(s);
	if (msg == NULL) {
		dot = strchr(s, '.');
		ip = dot ? (size_t)(dot - s) : len;
		dp = dot ? len - ip - 1 : 0;
		if (!all_digits(s, ip) || dp > 2 || (dot && !all_digits(dot + 1, dp) && dp > 0))
			msg = N_("is not an amount: expected yuan such as 300.00");
	}
	if (msg != NULL) {
		vproblem(c, path, "%s", _(msg));
		free(s);
		return NULL;
	}
	while (start + 1 < ip && s[start] == '0')
		start++;
	canon = xasprintf("%.*s.%.*s%s", (int)(ip - start), s + start, (int)dp,
	    dp ? s + ip + 1 : "", dp == 0 ? "00" : dp == 1 ? "0" : "");
	free(s);
	if (canon == NULL) {
		vnomem(c, path);
		return NULL;
	}
	r = json_string(canon);
	free(canon);
	if (r == NULL)
		vnomem(c, path);
	return r;
}

static json_t *validate_value(struct vctx *, const sm_field *, const json_t *,
    const char *, int);
static json_t *validate_fields(struct vctx *, const sm_field *, size_t, const json_t *,
    const char *, int);

static json_t *
validate_list(struct vctx *c, const sm_field *f, const json_t *v, const char *path,
    int depth)
{
	json_t *out, *single = NULL;
	const json_t *arr = v;
	size_t i, count = 0;
	json_t *item;
	int before = c->problems;

	if (!json_is_array(v)) {
		/* One value given for a list: a list of one. */
		single = json_array();
		if (single == NULL || json_array_append(single, (json_t *)v) != 0) {
			json_decref(single);
			vnomem(c, path);
			return NULL;
		}
		arr = single;
	}
	out = json_array();
	if (out == NULL) {
		json_decref(single);
		vnomem(c, path);
		return NULL;
	}
	json_array_foreach(arr, i, item) {
		char *ipath;
		json_t *n;

		if (is_empty(item, 0))
			continue;
		count++;
		if ((ipath = xasprintf("%s[%zu]", path, i + 1)) == NULL) {
			vnomem(c, path);
			break;
		}
		n = validate_value(c, f->item, item, ipath, depth + 1);
		free(ipath);
		if (n != NULL && json_array_append_new(out, n) != 0)
			vnomem(c, path);
	}
	json_decref(single);
	if (f->min_items > 0 && count < (size_t)f->min_items)
		vproblem(c, path, _("needs at least %d entries, %zu given"), f->min_items, count);
	if (f->max_items > 0 && count > (size_t)f->max_items)
		vproblem(c, path, _("has too many entries: at most %d, %zu given"), f->max_items,
		    count);
	if (c->problems > before) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *
validate_value(struct vctx *c, const sm_field *f, const json_t *v, const char *path,
    int depth)
{
	if (depth > 2 * SM_FORM_MAX_GROUP_DEPTH + 4) {
		vproblem(c, path, "%s", _("is nested too deeply"));
		return NULL;
	}
	switch (f->type) {
	case SM_FT_TEXT:
	case SM_FT_LONGTEXT:
		return validate_text(c, f, v, path);
	case SM_FT_CHOICE:
		return validate_choice(c, f, v, path);
	case SM_FT_DATE:
		return validate_date(c, f, v, path);
	case SM_FT_BOOL:
		return validate_bool(c, f, v, path);
	case SM_FT_AMOUNT:
		return validate_amount(c, f, v, path);
	case SM_FT_LIST:
		if (f->item == NULL)
			return NULL;
		return validate_list(c, f, v, path, depth);
	case SM_FT_GROUP:
		if (!json_is_object(v)) {
			vproblem(c, path, "%s",
			    _("must be a mapping of its parts (for example name: and mobile:)"));
			return NULL;
		}
		return validate_fields(c, f->fields, f->n_fields, v, path, depth + 1);
	}
	return NULL;
}

/* Validate the object VALUES against FIELDS; PREFIX is the path of the
 * group (NULL at the top).  Returns the normalised object, or NULL when a
 * problem was found. */
static json_t *
validate_fields(struct vctx *c, const sm_field *fields, size_t n, const json_t *values,
    const char *prefix, int depth)
{
	json_t *out = json_object();
	const char *k;
	json_t *v;
	int before = c->problems;

	if (out == NULL) {
		vnomem(c, prefix);
		return NULL;
	}
	json_object_foreach((json_t *)values, k, v) {
		if (find_field(fields, n, k, strlen(k)) == NULL) {
			char *p = prefix ? xasprintf("%s.%s", prefix, k) : xstrdup(k);
			if (p == NULL)
				vnomem(c, prefix);
			else
				vproblem(c, p, "%s", _("unknown field"));
			free(p);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const sm_field *f = &fields[i];
		char *path = prefix ? xasprintf("%s.%s", prefix, f->id) : xstrdup(f->id);
		json_t *r;

		if (path == NULL) {
			vnomem(c, prefix);
			break;
		}
		v = json_object_get(values, f->id);
		if (is_empty(v, 0)) {
			if (c->mode == SM_FORM_COMPLETE && sm_field_is_required(f, c->top)) {
				int b = c->problems;
				if (f->type == SM_FT_GROUP) {
					json_t *empty = json_object();
					json_t *sub = empty ? validate_fields(c, f->fields,
					    f->n_fields, empty, path, depth + 1) : NULL;
					json_decref(sub);
					json_decref(empty);
				}
				if (c->problems == b)
					vproblem(c, path, "%s", _("is required"));
			}
			free(path);
			continue;
		}
		r = validate_value(c, f, v, path, depth);
		free(path);
		if (r != NULL && json_object_set_new(out, f->id, r) != 0)
			vnomem(c, prefix);
	}
	if (c->problems > before) {
		json_decref(out);
		return NULL;
	}
	return out;
}

sm_status
sm_form_validate(const sm_form *form, const json_t *values, const sm_divisions *divs,
    sm_validate_mode mode, json_t **normalised, sm_err *err)
{
	struct vctx c = { err, 0, divs, mode, values };
	json_t *out;

	if (normalised != NULL)
		*normalised = NULL;
	if (form == NULL)
		return sm_err_add(err, SM_E_INVALID, NULL, "%s", _("no form"));
	if (!json_is_object(values))
		return sm_err_add(err, SM_E_INVALID, NULL, "%s",
		    _("the values must be a mapping from field ids to values"));
	out = validate_fields(&c, form->fields, form->n_fields, values, NULL, 0);
	if (c.problems > 0 || out == NULL) {
		json_decref(out);
		if (c.problems == 0)
			return sm_err_add(err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
		sm_status st = sm_err_status(err);
		return (err == NULL || st == SM_OK) ? SM_E_INVALID : st;
	}
	if (normalised != NULL)
		*normalised = out;
	else
		json_decref(out);
	return SM_OK;
}

sm_status
sm_field_validate(const sm_field *field, const json_t *value, const sm_divisions *divs,
    const char *path, json_t **normalised, sm_err *err)
{
	struct vctx c = { err, 0, divs, SM_FORM_COMPLETE, NULL };
	json_t *r;

	if (normalised != NULL)
		*normalised = NULL;
	if (field == NULL)
		return sm_err_add(err, SM_E_INVALID, path, "%s", _("unknown field"));
	if (path == NULL)
		path = field->id ? field->id : "";
	if (is_empty(value, 0)) {
		if (field->required)
			return sm_err_add(err, SM_E_INVALID, path, "%s", _("is required"));
		if (normalised != NULL)
			*normalised = json_null();
		return SM_OK;
	}
	r = validate_value(&c, field, value, path, 0);
	if (c.problems > 0 || r == NULL) {
		json_decref(r);
		if (c.problems == 0)
			return sm_err_add(err, SM_E_NOMEM, path, "%s", _("out of memory"));
		sm_status st = sm_err_status(err);
		return (err == NULL || st == SM_OK) ? SM_E_INVALID : st;
	}
	if (normalised != NULL)
		*normalised = r;
	else
		json_decref(r);
	return SM_OK;
}

static void
each_value(const sm_field *fields, size_t n, const json_t *values, const char *prefix,
           sm_form_value_fn fn, void *ud)
{
	char label[512];
	for (size_t i = 0; i < n; i++) {
		const sm_field *f = &fields[i];
		json_t *v = json_object_get(values, f->id);
		if (v == NULL || json_is_null(v))
			continue;
		snprintf(label, sizeof(label), "%s%s%s", prefix, *prefix ? " " : "", _(f->label));
		if (f->type == SM_FT_GROUP) {
			each_value(f->fields, f->n_fields, v, label, fn, ud);
		} else if (json_is_array(v)) {
			size_t j;
			json_t *item;
			json_array_foreach(v, j, item)
				fn(f, j == 0 ? label : "", json_string_value(item), ud);
		} else if (json_is_boolean(v)) {
			fn(f, label, json_is_true(v) ? _("yes") : _("no"), ud);
		} else if (f->type == SM_FT_CHOICE) {
			const char *shown = json_string_value(v);
			for (size_t k = 0; shown && k < f->n_choices; k++)
				if (strcmp(f->choices[k].value, shown) == 0) {
					shown = _(f->choices[k].label);
					break;
				}
			fn(f, label, shown, ud);
		} else {
			fn(f, label, json_string_value(v), ud);
		}
	}
}

void
sm_form_each_value(const sm_form *form, const json_t *values, sm_form_value_fn fn, void *ud)
{
	if (form && json_is_object(values))
		each_value(form->fields, form->n_fields, values, "", fn, ud);
}
