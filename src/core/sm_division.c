/* sm_division.c - GB/T 2260 administrative divisions (data/divisions.tsv).
 *
 * The table is a sorted array searched with bsearch.  Each line of the file
 * is code<TAB>name<TAB>parent; '#' starts a comment line.  The shipped data
 * lists a prefecture-level city without counties (东莞市, 中山市, 儋州市) a
 * second time with itself as parent; such a repeat is dropped. */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_division.h"
#include "sm_i18n.h"
#include "sm_text.h"

#define CENTRAL_CODE "000000"
#define CENTRAL_NAME "中央和国家机关"
/* Longest line and name accepted, in bytes. */
#define LINE_MAX_BYTES 4096
#define NAME_MAX_BYTES 200

struct division {
	char code[7];
	char parent[7];   /* "" for a province */
	char *name;
	size_t line;
};

struct sm_divisions {
	struct division *v;
	size_t n;
};

static bool
six_digits(const char *s)
{
	int i;

	if (s == NULL)
		return false;
	for (i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[6] == '\0';
}

sm_level
sm_division_level(const char *code)
{
	if (!six_digits(code))
		return SM_LEVEL_INVALID;
	if (strcmp(code, CENTRAL_CODE) == 0)
		return SM_LEVEL_CENTRAL;
	if (code[0] == '0' && code[1] == '0')
		return SM_LEVEL_INVALID;
	if (strcmp(code + 2, "0000") == 0)
		return SM_LEVEL_PROVINCE;
	if (strcmp(code + 4, "00") == 0)
		return SM_LEVEL_PREFECTURE;
	return SM_LEVEL_COUNTY;
}

const char *
sm_level_name(sm_level level)
{
	switch (level) {
	case SM_LEVEL_CENTRAL:
		return N_("central");
	case SM_LEVEL_PROVINCE:
		return N_("province");
	case SM_LEVEL_PREFECTURE:
		return N_("prefecture");
	case SM_LEVEL_COUNTY:
		return N_("county");
	case SM_LEVEL_INVALID:
	default:
		return N_("invalid");
	}
}

static void
free_entries(struct division *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

void
sm_divisions_free(sm_divisions **dp)
{
	if (dp == NULL || *dp == NULL)
		return;
	free_entries((*dp)->v, (*dp)->n);
	free(*dp);
	*dp = NULL;
}

/* Whether PARENT may be the parent of CODE by their shapes: a prefecture
 * under its province, a county under its prefecture or its province (the
 * province-administered counties), or the code itself (a repeat, checked
 * later). */
static bool
parent_fits(const char *code, const char *parent)
{
	sm_level pl = sm_division_level(parent);

	if (strcmp(code, parent) == 0)
		return true;
	switch (sm_division_level(code)) {
	case SM_LEVEL_PREFECTURE:
		return pl == SM_LEVEL_PROVINCE && strncmp(code, parent, 2) == 0;
	case SM_LEVEL_COUNTY:
		if (pl == SM_LEVEL_PROVINCE)
			return strncmp(code, parent, 2) == 0;
		return pl == SM_LEVEL_PREFECTURE &&
		    strncmp(code, parent, 4) == 0;
	default:
		return false;
	}
}

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Parse one data line (no newline) into E; NULL or the reason it is
 * malformed. */
static const char *
parse_line(char *line, struct division *e)
{
	char *name, *parent, *extra;
	sm_level level;

	name = strchr(line, '\t');
	if (name == NULL)
		return N_("must be code, tab, name, tab, parent code");
	*name++ = '\0';
	parent = strchr(name, '\t');
	if (parent != NULL) {
		*parent++ = '\0';
		if ((extra = strchr(parent, '\t')) != NULL)
			return N_("has more than three tab-separated fields");
	} else
		parent = name + strlen(name);
	if (!six_digits(line))
		return N_("the code must be 6 digits");
	level = sm_division_level(line);
	if (level == SM_LEVEL_INVALID)
		return N_("the code is not a division code");
	if (*name == '\0')
		return N_("the name is empty");
	if (strlen(name) > NAME_MAX_BYTES)
		return N_("the name is too long");
	if (!sm_text_valid_utf8(name, (size_t)-1))
		return N_("the name is not valid UTF-8");
	if (has_control(name) || !sm_text_is_clean(name, false))
		return N_("the name contains a control or invisible character");
	if (level == SM_LEVEL_PROVINCE || level == SM_LEVEL_CENTRAL) {
		if (*parent != '\0')
			return N_("a province must have no parent code");
	} else {
		if (*parent == '\0')
			return N_("the parent code is missing");
		if (!six_digits(parent))
			return N_("the parent code must be 6 digits");
		if (!parent_fits(line, parent))
			return N_("the parent code is not a higher level that "
			    "contains the code");
	}
	memcpy(e->code, line, 7);
	memcpy(e->parent, parent, strlen(parent) + 1);
	if ((e->name = strdup(name)) == NULL)
		return N_("out of memory");
	return NULL;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct division *x = a, *y = b;
	int c = strcmp(x->code, y->code);

	if (c != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

static int
cmp_key(const void *key, const void *elt)
{
	return strcmp(key, ((const struct division *)elt)->code);
}

static const struct division *
find(const sm_divisions *d, const char *code)
{
	if (d == NULL || !six_digits(code))
		return NULL;
	return bsearch(code, d->v, d->n, sizeof(d->v[0]), cmp_key);
}

static sm_status
line_error(sm_err *err, const char *path, size_t line, const char *why)
{
	return sm_err_add(err, SM_E_INVALID, NULL, "%s:%zu: %s", path, line,
	    _(why));
}

/* Sort, drop repeats, and check that every parent is in the table. */
static sm_status
finish(sm_divisions *d, const char *path, sm_err *err)
{
	struct division *v = d->v;
	size_t i, j;

	qsort(v, d->n, sizeof(v[0]), cmp_entry);
	for (i = 0, j = 0; i < d->n; i++) {
		if (j > 0 && strcmp(v[j - 1].code, v[i].code) == 0) {
			struct division *kept = &v[j - 1];
			bool self = strcmp(v[i].parent, v[i].code) == 0;
			bool kept_self = strcmp(kept->parent, kept->code) == 0;

			if (strcmp(kept->name, v[i].name) != 0 ||
			    (!self && !kept_self &&
			    strcmp(kept->parent, v[i].parent) != 0))
				return sm_err_add(err, SM_E_INVALID, NULL,
				    _("%s:%zu: code %s is already on line %zu"),
				    path, v[i].line, v[i].code, kept->line);
			if (kept_self && !self) {
				free(kept->name);
				*kept = v[i];
			} else
				free(v[i].name);
			v[i].name = NULL;
			continue;
		}
		if (i != j) {
			v[j] = v[i];
			v[i].name = NULL;
		}
		j++;
	}
	d->n = j;
	for (i = 0; i < d->n; i++) {
		if (v[i].parent[0] == '\0')
			continue;
		if (strcmp(v[i].parent, v[i].code) == 0)
			return line_error(err, path, v[i].line,
			    N_("the parent code is the code itself"));
		if (find(d, v[i].parent) == NULL)
			return sm_err_add(err, SM_E_INVALID, NULL,
			    _("%s:%zu: parent code %s is not in the file"),
			    path, v[i].line, v[i].parent);
	}
	return SM_OK;
}

sm_status
sm_divisions_load(const char *path, sm_divisions **out, sm_err *err)
{
	sm_divisions *d = NULL;
	struct division *nv;
	FILE *f;
	char *line = NULL;
	size_t cap = 0, lineno = 0, alloc = 0;
	ssize_t len;
	sm_status st = SM_OK;
	const char *why;

	if (out != NULL)
		*out = NULL;
	if (path == NULL || out == NULL)
		return sm_err_add(err, SM_E_USAGE, NULL,
		    _("no division file given"));
	if ((f = fopen(path, "r")) == NULL)
		return sm_err_add(err, SM_E_IO, NULL, _("%s: cannot open: %s"),
		    path, strerror(errno));
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		fclose(f);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	errno = 0;
	while ((len = getline(&line, &cap, f)) != -1) {
		char *s = line;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			len -= 3;
		}
		if ((size_t)len != strlen(s)) {
			st = line_error(err, path, lineno,
			    N_("contains a NUL byte"));
			goto fail;
		}
		if (len == 0 || s[0] == '#')
			continue;
		if (len > LINE_MAX_BYTES) {
			st = line_error(err, path, lineno,
			    N_("the line is too long"));
			goto fail;
		}
		if (d->n == alloc) {
			alloc = alloc == 0 ? 4096 : alloc * 2;
			nv = reallocarray(d->v, alloc, sizeof(*nv));
			if (nv == NULL) {
				st = sm_err_add(err, SM_E_NOMEM, NULL,
				    _("out of memory"));
				goto fail;
			}
			d->v = nv;
		}
		memset(&d->v[d->n], 0, sizeof(d->v[0]));
		if ((why = parse_line(s, &d->v[d->n])) != NULL) {
			st = line_error(err, path, lineno, why);
			goto fail;
		}
		d->v[d->n++].line = lineno;
	}
	if (ferror(f)) {
		st = sm_err_add(err, SM_E_IO, NULL, _("%s: cannot read: %s"),
		    path, strerror(errno));
		goto fail;
	}
	if (errno == ENOMEM) {
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto fail;
	}
	if (d->n == 0) {
		st = sm_err_add(err, SM_E_INVALID, NULL,
		    _("%s: has no divisions"), path);
		goto fail;
	}
	if ((st = finish(d, path, err)) != SM_OK)
		goto fail;
	free(line);
	fclose(f);
	*out = d;
	return SM_OK;
fail:
	free(line);
	fclose(f);
	sm_divisions_free(&d);
	return st;
}

size_t
sm_divisions_count(const sm_divisions *d)
{
	return d == NULL ? 0 : d->n;
}

const char *
sm_division_name(const sm_divisions *d, const char *code)
{
	const struct division *e;

	if (code != NULL && strcmp(code, CENTRAL_CODE) == 0)
		return CENTRAL_NAME;
	if ((e = find(d, code)) == NULL)
		return NULL;
	return e->name;
}

const char *
sm_division_parent(const sm_divisions *d, const char *code)
{
	const struct division *e;

	if ((e = find(d, code)) == NULL || e->parent[0] == '\0')
		return NULL;
	return e->parent;
}

/* A level that only groups others: 北京市 市辖区, 重庆市 县, ... */
static bool
is_placeholder(const char *name)
{
	return strcmp(name, "市辖区") == 0 || strcmp(name, "县") == 0 ||
	    strcmp(name, "省直辖县级行政区划") == 0 ||
	    strcmp(name, "自治区直辖县级行政区划") == 0;
}

/* Append S to BUF (BUFSZ bytes, *USED of them taken), cutting at a
 * character boundary when it does not fit. */
static void
append(char *buf, size_t bufsz, size_t *used, const char *s)
{
	size_t n = strlen(s);

	if (*used + n + 1 > bufsz) {
		n = bufsz - 1 - *used;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf + *used, s, n);
	*used += n;
	buf[*used] = '\0';
}

char *
sm_division_full_name(const sm_divisions *d, const char *code, char *buf,
    size_t bufsz)
{
	const struct division *chain[4];
	const struct division *e;
	size_t n = 0, used = 0;

	if (buf == NULL || bufsz == 0)
		return NULL;
	buf[0] = '\0';
	if (code != NULL && strcmp(code, CENTRAL_CODE) == 0) {
		append(buf, bufsz, &used, CENTRAL_NAME);
		return buf;
	}
	if ((e = find(d, code)) == NULL)
		return NULL;
	/* Parents are of a higher level (checked on load): at most 3 steps. */
	while (e != NULL && n < 4) {
		chain[n++] = e;
		e = e->parent[0] == '\0' ? NULL : find(d, e->parent);
	}
	while (n-- > 0)
		if (!is_placeholder(chain[n]->name))
			append(buf, bufsz, &used, chain[n]->name);
	return buf;
}

const char *
sm_division_check(const sm_divisions *d, const char *code)
{
	if (code == NULL || *code == '\0')
		return N_("is empty");
	if (!six_digits(code))
		return N_("must be 6 digits");
	if (sm_division_level(code) == SM_LEVEL_INVALID)
		return N_("is not a division code");
	if (strcmp(code, CENTRAL_CODE) == 0 || find(d, code) != NULL)
		return NULL;
	return N_("is not a known division code");
}

const char *
sm_divisions_code_at(const sm_divisions *d, size_t i)
{
	if (d == NULL || i >= d->n)
		return NULL;
	return d->v[i].code;
}
