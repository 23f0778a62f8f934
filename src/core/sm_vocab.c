/* sm_vocab.c - the domain's words: each name and label written once. */
#include <config.h>

#include "sm_vocab.h"

#include <stdio.h>
#include <string.h>

#include "sm_i18n.h"

const sm_word sm_role_words[SM_ROLE_COUNT] = {
	[SM_ROLE_UNIT] = {"unit", N_("Unit operator"), NULL},
	[SM_ROLE_OFFICE] = {"office", N_("Establishment office reviewer"), NULL},
	[SM_ROLE_CONAC] = {"conac", N_("CONAC reviewer"), NULL},
	[SM_ROLE_SERVICE] = {"service", N_("Customer service"), NULL},
	[SM_ROLE_SYSADMIN] = {"sysadmin", N_("System administrator"), NULL},
	[SM_ROLE_SECADMIN] = {"secadmin", N_("Security administrator"), NULL},
	[SM_ROLE_AUDITOR] = {"auditor", N_("Audit administrator"), NULL},
	[SM_ROLE_MONITOR] = {"monitor", N_("Mark monitor"), NULL},
};

const sm_word sm_kind_words[SM_KIND_COUNT] = {
	[SM_KIND_DOMAIN] = {"domain", N_("Domain application"), NC_("short", "Domain")},
	[SM_KIND_SITE] = {"site", N_("Website opening review"), NC_("short", "Website")},
	[SM_KIND_MARK] = {"mark", N_("Mark application"), NC_("short", "Mark")},
};

const sm_word sm_state_words[SM_STATE_COUNT] = {
	[SM_STATE_DRAFT] = {"draft", N_("Draft"), NC_("short", "Draft")},
	[SM_STATE_OFFICE_REVIEW] = {"office_review", N_("Office review"), NC_("short", "Office")},
	[SM_STATE_CONAC_REVIEW] = {"conac_review", N_("CONAC review"), NC_("short", "CONAC")},
	[SM_STATE_RETURNED] = {"returned", N_("Returned"), NC_("short", "Returned")},
	[SM_STATE_AWAITING_PAYMENT] = {"awaiting_payment", N_("Awaiting payment"),
	    NC_("short", "To pay")},
	[SM_STATE_REGISTERED] = {"registered", N_("Registered"), NC_("short", "Registered")},
	[SM_STATE_PAPER_PENDING] = {"paper_pending", N_("Paper pending"), NC_("short", "Paper")},
	[SM_STATE_MARK_ISSUED] = {"mark_issued", N_("Mark issued"), NC_("short", "Issued")},
	[SM_STATE_MARK_HUNG] = {"mark_hung", N_("Mark hung"), NC_("short", "Hung")},
	[SM_STATE_WITHDRAWN] = {"withdrawn", N_("Withdrawn"), NC_("short", "Withdrawn")},
};

const sm_word sm_action_words[SM_ACTION_COUNT] = {
	[SM_ACTION_SUBMIT] = {"submit", N_("Submit"), NULL},
	[SM_ACTION_WITHDRAW] = {"withdraw", N_("Withdraw"), NULL},
	[SM_ACTION_APPROVE] = {"approve", N_("Approve"), NULL},
	[SM_ACTION_REJECT] = {"reject", N_("Reject"), NULL},
	[SM_ACTION_CONFIRM_PAYMENT] = {"confirm-payment", N_("Confirm payment"), NULL},
	[SM_ACTION_CONFIRM_PAPER] = {"confirm-paper", N_("Confirm paper"), NULL},
	[SM_ACTION_REJECT_PAPER] = {"reject-paper", N_("Reject paper"), NULL},
	[SM_ACTION_VERIFY_HUNG] = {"verify-hung", N_("Verify mark hung"), NULL},
	[SM_ACTION_PUBLISH_REDPAGE] = {"publish-redpage", N_("Publish red page"), NULL},
	[SM_ACTION_FLAG_MISSING] = {"flag-missing", N_("Flag mark missing"), NULL},
};

const sm_word sm_unit_type_words[SM_UNIT_TYPE_COUNT] = {
	[SM_UNIT_ORGAN] = {"organ", N_("Party or government organ"), NULL},
	[SM_UNIT_INSTITUTION] = {"institution", N_("Public institution"), NULL},
	[SM_UNIT_SOCIAL] = {"social", N_("Social organisation"), NULL},
};

/* Audit records that are not transitions. */
static const sm_word event_words[] = {
	{NULL, NULL, NULL},
	{"create", N_("Created"), NULL},
	{"edit", N_("Edited"), NULL},
	{"note", N_("Note"), NULL},
	{"print", N_("Printed"), NULL},
	{"register", N_("Unit registered"), NULL},
	{"user-add", N_("User added"), NULL},
	{"office-add", N_("Office added"), NULL},
	{"user-edit", N_("User edited"), NULL},
	{"user-disable", N_("User disabled"), NULL},
	{"user-enable", N_("User enabled"), NULL},
	{"user-role", N_("Role granted"), NULL},
	{"user-lock", N_("User locked"), NULL},
	{"user-unlock", N_("User unlocked"), NULL},
	{"office-edit", N_("Office edited"), NULL},
	{"office-disable", N_("Office disabled"), NULL},
	{"office-enable", N_("Office enabled"), NULL},
	{"unit-edit", N_("Contact and handler changed"), NULL},
	{"unmask", N_("Value unmasked"), NULL},
	{"login-failed", N_("Login refused"), NULL},
	{"totp-failed", N_("Wrong one-time code"), NULL},
	{"account-locked-out", N_("Account locked after wrong codes"), NULL},
	{"totp-enrol", N_("Second factor enrolled"), NULL},
	{"logout-idle", N_("Logged out when idle"), NULL},
	{"policy-set", N_("Security policy set"), NULL},
	{"notice-sent", N_("Notification sent"), NULL},
	{"notice-retry", N_("Notification not sent, retrying"), NULL},
	{"notice-failed", N_("Notification failed, given up"), NULL},
	{"mail-queued", N_("E-mail queued"), NULL},
};

#define N_WORDS(t) (sizeof(t) / sizeof((t)[0]))

static int
word_find(const sm_word *table, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (table[i].name && strcmp(table[i].name, name) == 0)
			return (int)i;
	return 0;
}

static const char *
word_name(const sm_word *table, size_t n, int i)
{
	return i > 0 && (size_t)i < n ? table[i].name : NULL;
}

static const char *
word_label(const sm_word *table, size_t n, int i)
{
	return i > 0 && (size_t)i < n ? _(table[i].label) : "";
}

static const char *
word_short(const sm_word *table, size_t n, int i)
{
	if (i <= 0 || (size_t)i >= n)
		return "";
	return table[i].short_label ? sm_pgettext(table[i].short_label) : _(table[i].label);
}

#define VOCAB(type, pfx, table) \
	const char *pfx##_name(type v) { return word_name(table, N_WORDS(table), (int)v); } \
	const char *pfx##_label(type v) { return word_label(table, N_WORDS(table), (int)v); } \
	type pfx##_parse(const char *s) { return (type)word_find(table, N_WORDS(table), s); }

VOCAB(sm_role, sm_role, sm_role_words)
VOCAB(sm_kind, sm_kind, sm_kind_words)
VOCAB(sm_state, sm_state, sm_state_words)
VOCAB(sm_action, sm_action, sm_action_words)
VOCAB(sm_unit_type, sm_unit_type, sm_unit_type_words)

const char *
sm_kind_short(sm_kind k)
{
	return word_short(sm_kind_words, N_WORDS(sm_kind_words), (int)k);
}

const char *
sm_state_short(sm_state s)
{
	return word_short(sm_state_words, N_WORDS(sm_state_words), (int)s);
}

bool
sm_states_parse(const char *list, unsigned *set, const char **bad)
{
	*set = 0;
	for (const char *p = list; p && *p; ) {
		const char *q = strchr(p, ',');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		char name[32];
		if (n > 0) {
			snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), p);
			sm_state s = n < sizeof(name) ? sm_state_parse(name) : SM_STATE_NONE;
			if (s == SM_STATE_NONE) {
				if (bad)
					*bad = p;
				return false;
			}
			*set |= SM_BIT(s);
		}
		p += n + (q ? 1 : 0);
	}
	return true;
}

const char *
sm_words_list(const sm_word *table, size_t n, char *buf, size_t bufsz)
{
	size_t len = 0;
	if (bufsz == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 1; i < n && len < bufsz; i++)
		len += (size_t)snprintf(buf + len, bufsz - len, "%s%s", len ? ", " : "", table[i].name);
	return buf;
}

bool
sm_state_closed(sm_state s)
{
	return s == SM_STATE_WITHDRAWN || s == SM_STATE_REGISTERED || s == SM_STATE_MARK_HUNG;
}

const char *
sm_event_label(const char *name)
{
	int i = word_find(sm_action_words, N_WORDS(sm_action_words), name);
	if (i > 0)
		return _(sm_action_words[i].label);
	i = word_find(event_words, N_WORDS(event_words), name);
	if (i > 0)
		return _(event_words[i].label);
	return name ? name : "";
}

/* What an audit record is about, by its stored kind. */
static const sm_word object_words[] = {
	{NULL, NULL, NULL},
	{"case", NC_("object", "case"), NULL},
	{"unit", NC_("object", "unit"), NULL},
	{"user", NC_("object", "user"), NULL},
	{"office", NC_("object", "office"), NULL},
	{"note", NC_("object", "note"), NULL},
	{"policy", NC_("object", "policy"), NULL},
};

const char *
sm_object_label(const char *name)
{
	int i = word_find(object_words, N_WORDS(object_words), name);
	return i > 0 ? sm_pgettext(object_words[i].label) : name ? name : "";
}

/* The word of TABLE whose name or translated label is TEXT, or 0. */
static int
word_find_text(const sm_word *table, size_t n, const char *text)
{
	for (size_t i = 1; text && i < n; i++)
		if (table[i].name && (strcmp(table[i].name, text) == 0 ||
		    strcmp(_(table[i].label), text) == 0))
			return (int)i;
	return 0;
}

const char *
sm_event_parse(const char *text)
{
	int i = word_find_text(sm_action_words, N_WORDS(sm_action_words), text);
	if (i > 0)
		return sm_action_words[i].name;
	i = word_find_text(event_words, N_WORDS(event_words), text);
	return i > 0 ? event_words[i].name : NULL;
}
