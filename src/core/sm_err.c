/* sm_err.c - errors as values. */
#include <config.h>

#include "sm_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sm_problem {
	sm_status status;
	char *field;
	char *msg;
};

struct sm_err {
	struct sm_problem *items;
	size_t n, cap;
	int nomem; /* a problem could not be recorded */
};

sm_err *
sm_err_new(void)
{
	return calloc(1, sizeof(sm_err));
}

void
sm_err_clear(sm_err *err)
{
	if (err == NULL)
		return;
	for (size_t i = 0; i < err->n; i++) {
		free(err->items[i].field);
		free(err->items[i].msg);
	}
	err->n = 0;
	err->nomem = 0;
}

void
sm_err_free(sm_err **errp)
{
	if (errp == NULL || *errp == NULL)
		return;
	sm_err_clear(*errp);
	free((*errp)->items);
	free(*errp);
	*errp = NULL;
}

static sm_status
push(sm_err *err, sm_status status, const char *field, char *msg)
{
	if (err->n == err->cap) {
		size_t cap = err->cap ? err->cap * 2 : 4;
		struct sm_problem *p = realloc(err->items, cap * sizeof(*p));
		if (p == NULL) {
			free(msg);
			err->nomem = 1;
			return status;
		}
		err->items = p;
		err->cap = cap;
	}
	char *f = NULL;
	if (field != NULL && (f = strdup(field)) == NULL) {
		free(msg);
		err->nomem = 1;
		return status;
	}
	err->items[err->n].status = status;
	err->items[err->n].field = f;
	err->items[err->n].msg = msg;
	err->n++;
	return status;
}

sm_status
sm_err_add(sm_err *err, sm_status status, const char *field, const char *fmt, ...)
{
	if (err == NULL)
		return status;
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		err->nomem = 1;
		return status;
	}
	return push(err, status, field, msg);
}

void
sm_err_merge(sm_err *dst, const sm_err *src, const char *prefix)
{
	if (dst == NULL || src == NULL)
		return;
	for (size_t i = 0; i < src->n; i++) {
		char *msg = strdup(src->items[i].msg);
		char *field = NULL;
		if (msg == NULL) {
			dst->nomem = 1;
			continue;
		}
		if (prefix != NULL && src->items[i].field != NULL) {
			if (asprintf(&field, "%s.%s", prefix, src->items[i].field) < 0) {
				free(msg);
				dst->nomem = 1;
				continue;
			}
		}
		push(dst, src->items[i].status,
		     field ? field : (src->items[i].field ? src->items[i].field : prefix), msg);
		free(field);
	}
}

size_t
sm_err_count(const sm_err *err)
{
	return err ? err->n : 0;
}

sm_status
sm_err_status(const sm_err *err)
{
	if (err == NULL)
		return SM_OK;
	if (err->n > 0)
		return err->items[0].status;
	return err->nomem ? SM_E_NOMEM : SM_OK;
}

sm_status
sm_err_status_at(const sm_err *err, size_t i)
{
	return (err && i < err->n) ? err->items[i].status : SM_OK;
}

const char *
sm_err_field(const sm_err *err, size_t i)
{
	return (err && i < err->n) ? err->items[i].field : NULL;
}

const char *
sm_err_msg(const sm_err *err, size_t i)
{
	return (err && i < err->n) ? err->items[i].msg : NULL;
}

int
sm_status_exit_code(sm_status status)
{
	switch (status) {
	case SM_OK:
		return 0;
	case SM_E_USAGE:
		return 2;
	default:
		return 1;
	}
}
