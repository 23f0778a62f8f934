/* sm_yaml.h - YAML documents as trees, through libyaml (the only user of it).
 *
 * Safe by construction: aliases and anchors are refused, nesting deeper than
 * SM_YAML_MAX_DEPTH is refused, files larger than SM_YAML_MAX_BYTES are
 * refused, only the first document of a stream is read (a second one is an
 * error), duplicate keys in a mapping are an error.  Every node remembers its
 * line (1-based) so that errors can name it. */
#ifndef SM_YAML_H
#define SM_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "sm_err.h"

#define SM_YAML_MAX_DEPTH 32
#define SM_YAML_MAX_BYTES (4u * 1024u * 1024u)

typedef enum sm_node_type { SM_NODE_SCALAR, SM_NODE_SEQ, SM_NODE_MAP } sm_node_type;

typedef struct sm_node sm_node;
struct sm_node {
	sm_node_type type;
	int line;          /* 1-based line where the node starts */
	char *scalar;      /* SCALAR: the text (UTF-8, NUL-free) */
	bool quoted;       /* SCALAR: written in quotes (so "true" is a string) */
	bool null;         /* SCALAR: plain ~, null, Null, NULL or empty */
	size_t n;          /* SEQ, MAP: number of items */
	char **keys;       /* MAP: keys (scalars), n of them */
	int *key_lines;    /* MAP: line of each key */
	sm_node **items;   /* SEQ, MAP: the values */
};

/* Parse a file or a buffer.  On error returns SM_E_IO (cannot read) or
 * SM_E_INVALID with "FILE:LINE: what is wrong" in ERR (field = NULL); the
 * message is translated.  NAME is the file name used in messages. */
sm_status sm_yaml_load_file(const char *path, sm_node **out, sm_err *err);
sm_status sm_yaml_load_buffer(const char *buf, size_t len, const char *name,
                              sm_node **out, sm_err *err);
void sm_node_free(sm_node **np);

/* Look up KEY in a MAP node; NULL when absent or NODE is not a map. */
const sm_node *sm_node_get(const sm_node *node, const char *key);
/* The scalar text of KEY in a map, or NULL. */
const char *sm_node_str(const sm_node *node, const char *key);

/* Convert a tree to JSON: scalars become strings (null scalars JSON null;
 * plain true/false/yes/no stay strings - the forms decide types), sequences
 * arrays, maps objects.  Returns a new reference or NULL on ENOMEM. */
json_t *sm_node_to_json(const sm_node *node);

/* Read a values file (interfaces.md): a YAML mapping from field id to
 * value.  Returns a JSON object (new reference) or NULL with problems in ERR
 * (not a mapping, syntax error with its line, unreadable file). */
json_t *sm_values_load_file(const char *path, sm_err *err);
json_t *sm_values_load_buffer(const char *buf, size_t len, const char *name, sm_err *err);

/* Write a JSON value back as YAML (block style, strings double-quoted when
 * needed), for drafts and the calendar.  Returns a malloc'd string. */
char *sm_yaml_dump_json(const json_t *value);

/* json_dumps(VALUE, FLAGS), but NULL unless every byte was written: out of
 * memory, jansson (2.14) drops an object key it could not write and goes
 * on, and a record stored so would be wrong.  Free with free(). */
char *sm_json_dumps(const json_t *value, size_t flags);

#endif
