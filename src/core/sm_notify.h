/* sm_notify.h - delivering the outbox: e-mail over SMTP and SMS through an
 * HTTP gateway (libcurl), retries, the scheduled notices of domain.md §7-8.
 *
 * The front ends call sm_notify_run() (sm_workflow.h); what is here is the
 * core's and the tests': composing a message, the gateway's body, the
 * delay before a retry. */
#ifndef SM_NOTIFY_H
#define SM_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sm_app.h"
#include "sm_config.h"
#include "sm_err.h"
#include "sm_store.h"

/* One e-mail.  Every header value comes from data and is refused (NULL
 * from sm_mail_compose, the reason in ERR) when it holds a control
 * character: no data adds a header. */
typedef struct sm_mail {
	const char *from;        /* the sender's address */
	const char *from_name;   /* the sender's name, or NULL */
	const char *to;          /* the recipient's address */
	const char *to_name;     /* the recipient's name, or NULL */
	const char *subject;     /* UTF-8 */
	const char *body;        /* UTF-8, lines end in \n */
	const char *message_id;  /* "<...>" (sm_mail_message_id) */
	time_t date;
	const char *attachment;  /* a file to attach (a path), or NULL; with
	                          * ATTACHMENT_DATA its name */
	const void *attachment_data; /* the attachment's bytes (kept in the store), or NULL */
	size_t attachment_len;
} sm_mail;

/* The message (RFC 5322, MIME: text/plain; charset=UTF-8 in base64, with
 * the attachment as multipart/mixed) with CRLF line ends, malloc'd, its
 * length in *LEN. */
char *sm_mail_compose(const sm_mail *m, size_t *len, sm_err *err);

/* smtp.from, "ADDRESS" or "NAME <ADDRESS>" (NAME may be quoted), as its
 * address and name (malloc'd; *NAME NULL when none).  SM_E_INVALID when
 * the address is not valid. */
sm_status sm_mail_parse_from(const char *from, char **addr, char **name, sm_err *err);

/* "<ID.HASH@DOMAIN>": the Message-ID of outbox row ID whose msg_id is
 * MSG_ID, the same on every attempt; DOMAIN from FROM (else
 * sitemark.invalid).  Malloc'd. */
char *sm_mail_message_id(int64_t id, const char *msg_id, const char *from);
/* ADDR (local@domain) with a domain of other than ASCII in its ACE form
 * (xn--...), as a header carries it without SMTPUTF8; malloc'd, NULL out
 * of memory. */
char *sm_mail_ace(const char *addr);

/* TEXT as RFC 2047 encoded words (UTF-8, base64) of at most 64 characters
 * each, split between characters, joined by "\r\n " (a folded header);
 * plain printable ASCII of at most 60 characters as it is.  Malloc'd. */
char *sm_mail_header_words(const char *text);

/* Whether the gateway's body is JSON: a Content-Type header naming json,
 * or a body template that starts with '{' or '['. */
bool sm_sms_is_json(const sm_config *cfg);
/* A gateway header TEMPLATE with {mobile}, {text} and {id} (the notice's
 * message id, the same on every retry) replaced, every control character of
 * them a space (no header from data).  Malloc'd. */
char *sm_sms_header(const char *tmpl, const char *mobile, const char *text, const char *id);
/* The gateway's body: TEMPLATE (NULL: "mobile={mobile}&text={text}") with
 * {mobile}, {text} and {id} replaced, JSON-escaped when JSON, else
 * URL-encoded.  Malloc'd. */
char *sm_sms_body(const char *tmpl, const char *mobile, const char *text, const char *id,
                  bool json);

/* Seconds before the attempt after ATTEMPTS failed ones: retry_base doubled
 * per attempt, at most retry_cap, scaled by a jitter factor from 0.5 to 1
 * (R in [0, 1)). */
int sm_notify_delay(const sm_config *cfg, int attempts, double r);

/* Queue the scheduled notice EVENT (reminder or overdue) of case CASE_ID
 * whose mark (CODE) is to hang by DUE, by SMS and e-mail, unless queued
 * before (sm_workflow.c); *QUEUED counts the notices added. */
sm_status sm_case_queue_scheduled(sm_tx *tx, const sm_app *app, int64_t case_id,
                                  const char *event, const char *due, const char *code,
                                  int *queued, sm_err *err);

#endif
