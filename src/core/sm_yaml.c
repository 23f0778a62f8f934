/* sm_yaml.c - YAML documents as trees, through libyaml's event parser.
 *
 * The only file that includes <yaml.h>.  The tree is built without
 * recursion from the event stream, with an explicit stack bounded by
 * SM_YAML_MAX_DEPTH; aliases, anchors and tags are refused, so a document
 * cannot expand beyond its own size (no "billion laughs").  Walks over a
 * finished tree recurse, but the tree is never deeper than the bound. */
#include <config.h>

#include "sm_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "sm_i18n.h"
#include "sm_text.h"

/* More nodes than any form, configuration or calendar needs; bounds the
 * memory a hostile file can make us use. */
#define SM_YAML_MAX_NODES 100000
/* Deepest JSON value sm_yaml_dump_json writes. */
#define SM_DUMP_MAX_DEPTH 64

/* ------------------------------------------------------------ nodes */

static void
node_free_depth(sm_node *n, int depth)
{
	if (n == NULL)
		return;
	free(n->scalar);
	if (n->keys != NULL) {
		for (size_t i = 0; i < n->n; i++)
			free(n->keys[i]);
		free(n->keys);
	}
	free(n->key_lines);
	if (n->items != NULL) {
		for (size_t i = 0; i < n->n; i++) {
			/* The loader never builds deeper trees; stop anyway. */
			if (depth < SM_YAML_MAX_DEPTH + 2)
				node_free_depth(n->items[i], depth + 1);
		}
		free(n->items);
	}
	free(n);
}

void
sm_node_free(sm_node **np)
{
	if (np == NULL)
		return;
	node_free_depth(*np, 0);
	*np = NULL;
}

const sm_node *
sm_node_get(const sm_node *node, const char *key)
{
	if (node == NULL || key == NULL || node->type != SM_NODE_MAP)
		return NULL;
	for (size_t i = 0; i < node->n; i++)
		if (strcmp(node->keys[i], key) == 0)
			return node->items[i];
	return NULL;
}

const char *
sm_node_str(const sm_node *node, const char *key)
{
	const sm_node *v = sm_node_get(node, key);
	if (v == NULL || v->type != SM_NODE_SCALAR)
		return NULL;
	return v->scalar;
}

/* ------------------------------------------------------------ loader */

struct frame {
	sm_node *node;
	size_t cap;
	char *pending_key; /* MAP: key read, value not yet */
	int pending_line;
};

struct loader {
	const char *name;
	sm_err *err;
	struct frame stack[SM_YAML_MAX_DEPTH];
	int depth;
	sm_node *root;
	size_t nodes;
	int failed;
};

static void
fail(struct loader *ld, sm_status st, int line, const char *fmt_translated, ...)
	__attribute__((format(printf, 4, 5)));

static void
fail(struct loader *ld, sm_status st, int line, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	if (ld->failed)
		return;
	ld->failed = 1;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL) {
		sm_err_add(ld->err, SM_E_NOMEM, NULL, "%s", _("out of memory"));
		return;
	}
	if (line > 0)
		sm_err_add(ld->err, st, NULL, _("%s:%d: %s"), ld->name, line, msg);
	else
		sm_err_add(ld->err, st, NULL, _("%s: %s"), ld->name, msg);
	free(msg);
}

static void
nomem(struct loader *ld)
{
	if (ld->failed)
		return;
	ld->failed = 1;
	sm_err_add(ld->err, SM_E_NOMEM, NULL, _("%s: out of memory"), ld->name);
}

static int
is_null_plain(const char *s)
{
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static sm_node *
node_new(struct loader *ld, sm_node_type type, int line)
{
	sm_node *n;

	if (++ld->nodes > SM_YAML_MAX_NODES) {
		fail(ld, SM_E_INVALID, line, _("too many values (more than %d)"),
		    SM_YAML_MAX_NODES);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		nomem(ld);
		return NULL;
	}
	n->type = type;
	n->line = line;
	return n;
}

/* Add N as the next item of the top frame, or make it the root.  Takes
 * ownership of N in every case. */
static int
attach(struct loader *ld, sm_node *n)
{
	struct frame *f;
	sm_node *p;

	if (ld->depth == 0) {
		ld->root = n;
		return 0;
	}
	f = &ld->stack[ld->depth - 1];
	p = f->node;
	if (p->type == SM_NODE_MAP && f->pending_key == NULL) {
		/* N is a key: only scalars may be keys. */
		if (n->type != SM_NODE_SCALAR) {
			fail(ld, SM_E_INVALID, n->line,
			    "%s", _("a key must be a plain string, not a list or a mapping"));
			node_free_depth(n, 0);
			return -1;
		}
		if (!n->quoted && n->null) {
			fail(ld, SM_E_INVALID, n->line, "%s", _("empty key"));
			node_free_depth(n, 0);
			return -1;
		}
		f->pending_key = n->scalar;
		f->pending_line = n->line;
		n->scalar = NULL;
		node_free_depth(n, 0);
		return 0;
	}
	if (p->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 8;
		sm_node **items = realloc(p->items, ncap * sizeof(*items));
		if (items == NULL) {
			node_free_depth(n, 0);
			nomem(ld);
			return -1;
		}
		p->items = items;
		if (p->type == SM_NODE_MAP) {
			char **keys = realloc(p->keys, ncap * sizeof(*keys));
			if (keys == NULL) {
				node_free_depth(n, 0);
				nomem(ld);
				return -1;
			}
			p->keys = keys;
			int *kl = realloc(p->key_lines, ncap * sizeof(*kl));
			if (kl == NULL) {
				node_free_depth(n, 0);
				nomem(ld);
				return -1;
			}
			p->key_lines = kl;
		}
		f->cap = ncap;
	}
	if (p->type == SM_NODE_MAP) {
		p->keys[p->n] = f->pending_key;
		p->key_lines[p->n] = f->pending_line;
		f->pending_key = NULL;
	}
	p->items[p->n++] = n;
	return 0;
}

struct keyref {
	const char *key;
	size_t idx;
};

static int
keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c != 0)
		return c;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Duplicate keys, found by sorting so that a huge mapping costs n log n. */
static int
check_duplicates(struct loader *ld, const sm_node *map)
{
	struct keyref *refs;
	size_t i, worst = SIZE_MAX;

	if (map->n < 2)
		return 0;
	refs = calloc(map->n, sizeof(*refs));
	if (refs == NULL) {
		nomem(ld);
		return -1;
	}
	for (i = 0; i < map->n; i++) {
		refs[i].key = map->keys[i];
		refs[i].idx = i;
	}
	qsort(refs, map->n, sizeof(*refs), keyref_cmp);
	for (i = 1; i < map->n; i++)
		if (strcmp(refs[i].key, refs[i - 1].key) == 0 &&
		    (worst == SIZE_MAX || refs[i].idx < worst))
			worst = refs[i].idx;
	free(refs);
	if (worst != SIZE_MAX) {
		fail(ld, SM_E_INVALID, map->key_lines[worst],
		    _("duplicate key '%s'"), map->keys[worst]);
		return -1;
	}
	return 0;
}

static int
open_container(struct loader *ld, sm_node_type type, int line)
{
	sm_node *n;

	if (ld->depth >= SM_YAML_MAX_DEPTH) {
		fail(ld, SM_E_INVALID, line, _("nesting is deeper than %d levels"),
		    SM_YAML_MAX_DEPTH);
		return -1;
	}
	n = node_new(ld, type, line);
	if (n == NULL)
		return -1;
	if (ld->depth > 0) {
		struct frame *f = &ld->stack[ld->depth - 1];
		if (f->node->type == SM_NODE_MAP && f->pending_key == NULL) {
			fail(ld, SM_E_INVALID, line, "%s",
			    _("a key must be a plain string, not a list or a mapping"));
			node_free_depth(n, 0);
			return -1;
		}
	}
	ld->stack[ld->depth].node = n;
	ld->stack[ld->depth].cap = 0;
	ld->stack[ld->depth].pending_key = NULL;
	ld->stack[ld->depth].pending_line = 0;
	ld->depth++;
	return 0;
}

static int
close_container(struct loader *ld)
{
	struct frame *f;
	sm_node *n;

	if (ld->depth == 0)
		return -1;
	f = &ld->stack[--ld->depth];
	n = f->node;
	f->node = NULL;
	free(f->pending_key);
	f->pending_key = NULL;
	if (n->type == SM_NODE_MAP && check_duplicates(ld, n) < 0) {
		node_free_depth(n, 0);
		return -1;
	}
	return attach(ld, n);
}

static int
add_scalar(struct loader *ld, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	int line = (int)ev->start_mark.line + 1;
	sm_node *n;

	if (memchr(v, '\0', len) != NULL) {
		fail(ld, SM_E_INVALID, line, "%s", _("a string contains a NUL character"));
		return -1;
	}
	n = node_new(ld, SM_NODE_SCALAR, line);
	if (n == NULL)
		return -1;
	n->scalar = strdup(v);
	if (n->scalar == NULL) {
		node_free_depth(n, 0);
		nomem(ld);
		return -1;
	}
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	n->null = !n->quoted && is_null_plain(n->scalar);
	return attach(ld, n);
}

static const char *
event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return (const char *)ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return (const char *)ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return (const char *)ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

static const char *
event_tag(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return (const char *)ev->data.scalar.tag;
	case YAML_SEQUENCE_START_EVENT:
		return (const char *)ev->data.sequence_start.tag;
	case YAML_MAPPING_START_EVENT:
		return (const char *)ev->data.mapping_start.tag;
	default:
		return NULL;
	}
}

static void
unwind(struct loader *ld)
{
	while (ld->depth > 0) {
		struct frame *f = &ld->stack[--ld->depth];
		free(f->pending_key);
		node_free_depth(f->node, 0);
		f->node = NULL;
		f->pending_key = NULL;
	}
	sm_node_free(&ld->root);
}

/* Line (1-based) of the first NUL byte, or 0. */
static int
nul_line(const char *buf, size_t len)
{
	const char *z = memchr(buf, '\0', len);
	int line = 1;

	if (z == NULL)
		return 0;
	for (const char *p = buf; p < z; p++)
		if (*p == '\n')
			line++;
	return line;
}

sm_status
sm_yaml_load_buffer(const char *buf, size_t len, const char *name,
    sm_node **out, sm_err *err)
{
	struct loader ld;
	yaml_parser_t parser;
	yaml_event_t ev;
	int done = 0, docs = 0, line;
	sm_status st;

	if (out == NULL)
		return sm_err_add(err, SM_E_INVALID, NULL, "%s", _("no output"));
	*out = NULL;
	memset(&ld, 0, sizeof(ld));
	ld.name = name ? name : "-";
	ld.err = err;
	if (buf == NULL)
		len = 0;
	if (len > SM_YAML_MAX_BYTES) {
		fail(&ld, SM_E_INVALID, 0, _("the file is too large (more than %u bytes)"),
		    SM_YAML_MAX_BYTES);
		return SM_E_INVALID;
	}
	if ((line = nul_line(buf, len)) > 0) {
		fail(&ld, SM_E_INVALID, line, "%s",
		    _("the file contains a NUL byte: it is not a UTF-8 text file"));
		return SM_E_INVALID;
	}
	if (!yaml_parser_initialize(&parser)) {
		nomem(&ld);
		return SM_E_NOMEM;
	}
	/* UTF-8 is forced (no guessing from the first bytes), so libyaml
	 * would not take a byte order mark (Notepad's) as one: it is skipped */
	if (buf != NULL && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	yaml_parser_set_input_string(&parser,
	    (const unsigned char *)(buf ? buf : ""), len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	while (!done && !ld.failed) {
		const char *anchor, *tag;

		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				nomem(&ld);
				break;
			}
			line = (int)parser.problem_mark.line + 1;
			if (parser.context != NULL)
				fail(&ld, SM_E_INVALID, line, _("YAML syntax error: %s %s"),
				    parser.problem ? parser.problem : "?", parser.context);
			else
				fail(&ld, SM_E_INVALID, line, _("YAML syntax error: %s"),
				    parser.problem ? parser.problem : "?");
			break;
		}
		line = (int)ev.start_mark.line + 1;
		anchor = event_anchor(&ev);
		tag = event_tag(&ev);
		if (anchor != NULL) {
			fail(&ld, SM_E_INVALID, line, _("anchors are not allowed (&%s)"), anchor);
			yaml_event_delete(&ev);
			break;
		}
		if (tag != NULL) {
			fail(&ld, SM_E_INVALID, line, _("tags are not allowed (%s)"), tag);
			yaml_event_delete(&ev);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				fail(&ld, SM_E_INVALID, line, "%s",
				    _("only one YAML document is allowed in a file"));
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_ALIAS_EVENT:
			fail(&ld, SM_E_INVALID, line, _("aliases are not allowed (*%s)"),
			    (const char *)ev.data.alias.anchor);
			break;
		case YAML_SCALAR_EVENT:
			add_scalar(&ld, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			open_container(&ld, SM_NODE_SEQ, line);
			break;
		case YAML_MAPPING_START_EVENT:
			open_container(&ld, SM_NODE_MAP, line);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			close_container(&ld);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);

	if (!ld.failed && ld.root == NULL) {
		/* An empty stream: a null document. */
		ld.root = node_new(&ld, SM_NODE_SCALAR, 1);
		if (ld.root != NULL) {
			ld.root->scalar = strdup("");
			ld.root->null = true;
			if (ld.root->scalar == NULL)
				nomem(&ld);
		}
	}
	if (ld.failed) {
		st = sm_err_status(err);
		unwind(&ld);
		if (err == NULL || st == SM_OK)
			st = SM_E_INVALID;
		return st;
	}
	*out = ld.root;
	return SM_OK;
}

/* Read at most SM_YAML_MAX_BYTES + 1 bytes of PATH. */
static sm_status
read_file(const char *path, char **bufp, size_t *lenp, sm_err *err)
{
	FILE *f;
	char *buf;
	size_t len = 0, cap = SM_YAML_MAX_BYTES + 2;

	*bufp = NULL;
	*lenp = 0;
	f = fopen(path, "rb");
	if (f == NULL)
		return sm_err_add(err, SM_E_IO, NULL, _("%s: cannot open: %s"), path,
		    strerror(errno));
	/* Grow as needed so that small files cost little. */
	buf = malloc(4096);
	if (buf == NULL) {
		fclose(f);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("%s: out of memory"), path);
	}
	size_t have = 4096;
	for (;;) {
		size_t r;
		if (len == have) {
			size_t nh = have * 2 < cap ? have * 2 : cap;
			if (nh <= have)
				break; /* read SM_YAML_MAX_BYTES + 2 already */
			char *nb = realloc(buf, nh);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return sm_err_add(err, SM_E_NOMEM, NULL, _("%s: out of memory"), path);
			}
			buf = nb;
			have = nh;
		}
		r = fread(buf + len, 1, have - len, f);
		len += r;
		if (r == 0) {
			if (ferror(f)) {
				int e = errno;
				free(buf);
				fclose(f);
				return sm_err_add(err, SM_E_IO, NULL, _("%s: cannot read: %s"), path,
				    strerror(e));
			}
			break;
		}
	}
	fclose(f);
	*bufp = buf;
	*lenp = len;
	return SM_OK;
}

sm_status
sm_yaml_load_file(const char *path, sm_node **out, sm_err *err)
{
	char *buf;
	size_t len;
	sm_status st;

	if (out != NULL)
		*out = NULL;
	if (path == NULL)
		return sm_err_add(err, SM_E_IO, NULL, "%s", _("no file name"));
	st = read_file(path, &buf, &len, err);
	if (st != SM_OK)
		return st;
	st = sm_yaml_load_buffer(buf, len, path, out, err);
	free(buf);
	return st;
}

/* ------------------------------------------------------------ to JSON */

static json_t *
to_json_depth(const sm_node *n, int depth)
{
	json_t *j;

	if (n == NULL || depth > SM_YAML_MAX_DEPTH + 1)
		return NULL;
	switch (n->type) {
	case SM_NODE_SCALAR:
		if (n->null)
			return json_null();
		return json_string(n->scalar);
	case SM_NODE_SEQ:
		j = json_array();
		if (j == NULL)
			return NULL;
		for (size_t i = 0; i < n->n; i++) {
			json_t *c = to_json_depth(n->items[i], depth + 1);
			if (c == NULL || json_array_append_new(j, c) != 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	case SM_NODE_MAP:
		j = json_object();
		if (j == NULL)
			return NULL;
		for (size_t i = 0; i < n->n; i++) {
			json_t *c = to_json_depth(n->items[i], depth + 1);
			if (c == NULL || json_object_set_new(j, n->keys[i], c) != 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	}
	return NULL;
}

json_t *
sm_node_to_json(const sm_node *node)
{
	return to_json_depth(node, 0);
}

/* ------------------------------------------------------------ values files */

static json_t *
values_from_tree(sm_node *root, const char *name, sm_err *err)
{
	json_t *j;

	if (root->type != SM_NODE_MAP) {
		if (root->type == SM_NODE_SCALAR && root->null)
			sm_err_add(err, SM_E_INVALID, NULL,
			    _("%s: the file is empty: expected a mapping from field ids to values"),
			    name);
		else if (root->type == SM_NODE_SEQ)
			sm_err_add(err, SM_E_INVALID, NULL,
			    _("%s:%d: expected a mapping from field ids to values, found a list"),
			    name, root->line);
		else
			sm_err_add(err, SM_E_INVALID, NULL,
			    _("%s:%d: expected a mapping from field ids to values, found a single value"),
			    name, root->line);
		return NULL;
	}
	j = sm_node_to_json(root);
	if (j == NULL)
		sm_err_add(err, SM_E_NOMEM, NULL, _("%s: out of memory"), name);
	return j;
}

json_t *
sm_values_load_buffer(const char *buf, size_t len, const char *name, sm_err *err)
{
	sm_node *root = NULL;
	json_t *j;

	if (name == NULL)
		name = "-";
	if (sm_yaml_load_buffer(buf, len, name, &root, err) != SM_OK)
		return NULL;
	j = values_from_tree(root, name, err);
	sm_node_free(&root);
	return j;
}

json_t *
sm_values_load_file(const char *path, sm_err *err)
{
	sm_node *root = NULL;
	json_t *j;

	if (sm_yaml_load_file(path, &root, err) != SM_OK)
		return NULL;
	j = values_from_tree(root, path, err);
	sm_node_free(&root);
	return j;
}

/* ------------------------------------------------------------ dump */

struct sbuf {
	char *s;
	size_t len, cap;
	int bad;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 256;
		while (nc < b->len + n + 1) {
			if (nc > SIZE_MAX / 2) {
				b->bad = 1;
				return;
			}
			nc *= 2;
		}
		char *ns = realloc(b->s, nc);
		if (ns == NULL) {
			b->bad = 1;
			return;
		}
		b->s = ns;
		b->cap = nc;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_indent(struct sbuf *b, int n)
{
	for (int i = 0; i < n; i++)
		sb_add(b, "  ", 2);
}

/* A double-quoted YAML string: every character libyaml would not read back
 * literally (controls, line separators, BOM, non-characters) is escaped. */
static void
sb_quoted(struct sbuf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[16];

	sb_add(b, "\"", 1);
	for (size_t i = 0; i < len;) {
		unsigned int cp;
		size_t n = sm_utf8_decode((const char *)p + i, len - i, &cp);
		if (n == 0) {
			/* Not UTF-8 (cannot come from jansson): replace. */
			sb_str(b, "\\uFFFD");
			i++;
			continue;
		}
		if (cp == '"')
			sb_str(b, "\\\"");
		else if (cp == '\\')
			sb_str(b, "\\\\");
		else if (cp == '\n')
			sb_str(b, "\\n");
		else if (cp == '\t')
			sb_str(b, "\\t");
		else if (cp == '\r')
			sb_str(b, "\\r");
		else if (cp == 0)
			sb_str(b, "\\0");
		else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			snprintf(esc, sizeof(esc), "\\x%02X", cp);
			sb_str(b, esc);
		} else if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff) {
			snprintf(esc, sizeof(esc), "\\u%04X", cp);
			sb_str(b, esc);
		} else
			sb_add(b, s + i, n);
		i += n;
	}
	sb_add(b, "\"", 1);
}

static int
plain_key(const char *k)
{
	static const char *const words[] = { "y", "n", "yes", "no", "on", "off",
	    "true", "false", "null", NULL };
	if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z') || k[0] == '_'))
		return 0;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	for (int i = 0; words[i]; i++)
		if (strcasecmp(k, words[i]) == 0)
			return 0;
	return 1;
}

static int
is_block(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v) > 0) ||
	    (json_is_array(v) && json_array_size(v) > 0);
}

static void
dump_scalar(struct sbuf *b, const json_t *v)
{
	char num[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		sb_quoted(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		sb_str(b, num);
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		sb_str(b, num);
		break;
	case JSON_TRUE:
		sb_str(b, "true");
		break;
	case JSON_FALSE:
		sb_str(b, "false");
		break;
	case JSON_NULL:
		sb_str(b, "~");
		break;
	case JSON_OBJECT:
		sb_str(b, "{}");
		break;
	case JSON_ARRAY:
		sb_str(b, "[]");
		break;
	}
}

/* Write block V (a non-empty object or array) at INDENT, each entry on its
 * own line. */
static void
dump_block(struct sbuf *b, const json_t *v, int indent, int depth)
{
	if (depth > SM_DUMP_MAX_DEPTH) {
		b->bad = 1;
		return;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach((json_t *)v, k, c) {
			sb_indent(b, indent);
			if (plain_key(k))
				sb_str(b, k);
			else
				sb_quoted(b, k, strlen(k));
			if (is_block(c)) {
				sb_str(b, ":\n");
				dump_block(b, c, indent + 1, depth + 1);
			} else {
				sb_str(b, ": ");
				dump_scalar(b, c);
				sb_str(b, "\n");
			}
		}
	} else {
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c) {
			sb_indent(b, indent);
			if (is_block(c)) {
				sb_str(b, "-\n");
				dump_block(b, c, indent + 1, depth + 1);
			} else {
				sb_str(b, "- ");
				dump_scalar(b, c);
				sb_str(b, "\n");
			}
		}
	}
}

char *
sm_yaml_dump_json(const json_t *value)
{
	struct sbuf b = { NULL, 0, 0, 0 };

	if (value == NULL)
		return NULL;
	if (is_block(value))
		dump_block(&b, value, 0, 0);
	else {
		dump_scalar(&b, value);
		sb_str(&b, "\n");
	}
	if (b.bad) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ------------------------------------------------------------ JSON text */

struct jbuf {
	char *p;
	size_t len, cap;
	bool failed; /* sticky: jansson does not test every write */
};

static int
jbuf_put(const char *buf, size_t n, void *data)
{
	struct jbuf *b = data;
	if (b->failed)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = true;
			return -1;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, buf, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

char *
sm_json_dumps(const json_t *value, size_t flags)
{
	struct jbuf b = {0};
	if (value == NULL || json_dump_callback(value, jbuf_put, &b, flags) != 0 || b.failed ||
	    b.p == NULL) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
