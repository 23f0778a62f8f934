/* sm_workflow.c - the rules of domain.md §3-4 and the operations that apply them. */
#include <config.h>

#include "sm_workflow.h"
#include "sm_policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sm_audit.h"
#include "sm_i18n.h"
#include "sm_mark.h"
#include "sm_notify.h"
#include "sm_random.h"
#include "sm_store.h"
#include "sm_text.h"
#include "sm_validate.h"
#include "sm_yaml.h"

/* ------------------------------------------------------------ rules */

#define ALL (SM_BIT(SM_KIND_DOMAIN) | SM_BIT(SM_KIND_SITE) | SM_BIT(SM_KIND_MARK))
#define DOMAIN SM_BIT(SM_KIND_DOMAIN)
#define SITE SM_BIT(SM_KIND_SITE)
#define MARK SM_BIT(SM_KIND_MARK)
#define UNIT SM_BIT(SM_ROLE_UNIT)
#define OFFICE SM_BIT(SM_ROLE_OFFICE)
#define CONAC SM_BIT(SM_ROLE_CONAC)
#define MONITOR SM_BIT(SM_ROLE_MONITOR)

const sm_rule sm_rules[] = {
	{ALL, SM_STATE_DRAFT, SM_ACTION_SUBMIT, UNIT, SM_STATE_OFFICE_REVIEW, NULL,
	    SM_FX_VALIDATE | SM_FX_DUE_OFFICE},
	{ALL, SM_STATE_RETURNED, SM_ACTION_SUBMIT, UNIT, SM_STATE_OFFICE_REVIEW, NULL,
	    SM_FX_VALIDATE | SM_FX_DUE_OFFICE},
	{ALL, SM_STATE_DRAFT, SM_ACTION_WITHDRAW, UNIT, SM_STATE_WITHDRAWN, NULL, 0},
	{ALL, SM_STATE_RETURNED, SM_ACTION_WITHDRAW, UNIT, SM_STATE_WITHDRAWN, NULL, 0},
	{ALL, SM_STATE_OFFICE_REVIEW, SM_ACTION_WITHDRAW, UNIT, SM_STATE_WITHDRAWN, NULL, 0},
	{ALL, SM_STATE_OFFICE_REVIEW, SM_ACTION_APPROVE, OFFICE, SM_STATE_CONAC_REVIEW, NULL,
	    SM_FX_APPROVAL},
	{ALL, SM_STATE_OFFICE_REVIEW, SM_ACTION_REJECT, OFFICE, SM_STATE_RETURNED, "reject",
	    SM_FX_REASON | SM_FX_NOTIFY_RETURNED},
	{ALL, SM_STATE_CONAC_REVIEW, SM_ACTION_REJECT, CONAC, SM_STATE_RETURNED, "reject",
	    SM_FX_REASON | SM_FX_NOTIFY_RETURNED},
	{DOMAIN, SM_STATE_CONAC_REVIEW, SM_ACTION_APPROVE, CONAC, SM_STATE_AWAITING_PAYMENT, NULL,
	    SM_FX_APPROVAL | SM_FX_NOTIFY_PAYMENT},
	{DOMAIN, SM_STATE_AWAITING_PAYMENT, SM_ACTION_CONFIRM_PAYMENT, CONAC, SM_STATE_REGISTERED,
	    "confirm-payment", SM_FX_APPROVAL | SM_FX_REGISTER},
	{SITE, SM_STATE_CONAC_REVIEW, SM_ACTION_APPROVE, CONAC, SM_STATE_PAPER_PENDING, NULL,
	    SM_FX_APPROVAL | SM_FX_DUE_PAPER | SM_FX_NOTIFY_PAPER},
	{SITE, SM_STATE_PAPER_PENDING, SM_ACTION_CONFIRM_PAPER, OFFICE, SM_STATE_MARK_ISSUED,
	    "confirm-paper",
	    SM_FX_APPROVAL | SM_FX_ISSUE_MARK | SM_FX_DUE_HANG | SM_FX_NOTIFY_MARK},
	{SITE, SM_STATE_PAPER_PENDING, SM_ACTION_REJECT_PAPER, OFFICE, SM_STATE_RETURNED,
	    "reject-paper", SM_FX_REASON | SM_FX_NOTIFY_RETURNED},
	{MARK, SM_STATE_CONAC_REVIEW, SM_ACTION_APPROVE, CONAC, SM_STATE_MARK_ISSUED, NULL,
	    SM_FX_APPROVAL | SM_FX_ISSUE_MARK | SM_FX_DUE_HANG | SM_FX_NOTIFY_MARK},
	{SITE | MARK, SM_STATE_MARK_ISSUED, SM_ACTION_VERIFY_HUNG, OFFICE | CONAC | MONITOR,
	    SM_STATE_MARK_HUNG, NULL, 0},
	{SITE | MARK, SM_STATE_MARK_ISSUED, SM_ACTION_PUBLISH_REDPAGE, UNIT, SM_STATE_MARK_HUNG,
	    "redpage", SM_FX_REDPAGE},
	/* the monitor's (sitemark marks check), or a reviewer's who finds the mark
	 * gone (domain.md §4); the hanging deadline starts again */
	{SITE | MARK, SM_STATE_MARK_HUNG, SM_ACTION_FLAG_MISSING, MONITOR | OFFICE | CONAC,
	    SM_STATE_MARK_ISSUED,
	    NULL, SM_FX_DUE_HANG | SM_FX_NOTIFY_MISSING},
	{0, SM_STATE_NONE, SM_ACTION_NONE, 0, SM_STATE_NONE, NULL, 0},
};

static const struct {
	const char *code;
	const char *label;
} hint_labels[] = {
	{"uscc_type", N_("the USCC's registering department and category do not fit the unit type")},
	{"address_vague", N_("the address stops above street and number")},
	{"site_name_china", N_("the site name contains 「中国」 but the unit is not a national one")},
	{"english_domain", N_("an English domain of an organ is outside .gov.cn")},
};

const sm_rule *
sm_rule_find(sm_kind kind, sm_state state, sm_action action)
{
	for (const sm_rule *r = sm_rules; r->action; r++)
		if ((r->kinds & SM_BIT(kind)) && r->from == state && r->action == action)
			return r;
	return NULL;
}

size_t
sm_rules_for(sm_kind kind, sm_state state, sm_role role, const sm_rule **out, size_t max)
{
	size_t n = 0;
	for (const sm_rule *r = sm_rules; r->action && n < max; r++)
		if ((r->kinds & SM_BIT(kind)) && (r->roles & SM_BIT(role)) && r->from == state)
			out[n++] = r;
	return n;
}

const char *
sm_action_form(sm_action action)
{
	for (const sm_rule *r = sm_rules; r->action; r++)
		if (r->action == action && r->form)
			return r->form;
	return NULL;
}

bool
sm_action_irreversible(sm_action action)
{
	return action != SM_ACTION_NONE && action != SM_ACTION_SUBMIT;
}

const char *
sm_hint_label(const char *code)
{
	for (size_t i = 0; code && i < sizeof(hint_labels) / sizeof(hint_labels[0]); i++)
		if (strcmp(hint_labels[i].code, code) == 0)
			return hint_labels[i].label;
	return code;
}

bool
sm_case_hosts_redpage(const sm_case *c)
{
	const char *h = json_string_value(json_object_get(c->values, "hosting"));
	return (c->kind == SM_KIND_SITE || c->kind == SM_KIND_MARK) && h != NULL &&
	    strcmp(h, "redpage") == 0;
}

/* ------------------------------------------------------------ helpers */

static const char *
jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static const char *
jpath(const json_t *obj, const char *group, const char *key)
{
	return jstr(json_object_get(obj, group), key);
}

static bool
is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static char *
json_text(const json_t *v)
{
	return v ? sm_json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static sm_status
logged_in(const sm_app *app, sm_err *err)
{
	if (app->user.login == NULL)
		return sm_err_add(err, SM_E_DENIED, NULL, _("no user is logged in"));
	return SM_OK;
}

/* A lock, a disabling or another role takes effect on the next thing the
 * account does, not at its next login: the account as the store holds it
 * NOW (NULL: gone) must still be the one APP's session logged in as. */
static sm_status
user_still(const sm_app *app, const sm_user *now, sm_err *err)
{
	if (now == NULL)
		return sm_err_add(err, SM_E_DENIED, NULL, _("the account '%s' no longer exists"),
		    app->user.login);
	bool same = !now->locked && !now->disabled && now->role == app->user.role &&
	    now->unit == app->user.unit && (now->office == NULL) == (app->user.office == NULL) &&
	    (now->office == NULL || strcmp(now->office, app->user.office) == 0);
	if (!same)
		return sm_err_add(err, SM_E_DENIED, NULL,
		    now->locked ? _("the account '%s' was locked: ask the security administrator") :
		    now->disabled ? _("the account '%s' was disabled: ask the system administrator") :
		    _("the account '%s' was given another role or office since it logged in: start sitemark again"),
		    app->user.login);
	return SM_OK;
}

/* user_still() as the store's check of a write's actor (sm_store_write_as). */
static sm_status
user_still_fn(const sm_user *now, void *ud, sm_err *err)
{
	return user_still(ud, now, err);
}

static sm_status
need_user(const sm_app *app, sm_err *err)
{
	sm_user now = {0};
	sm_status st;
	if (logged_in(app, err) != SM_OK)
		return SM_E_DENIED;
	/* the account is read again (a transition reads it inside its write
	 * instead: sm_case_act) */
	sm_err *why = sm_err_new();
	st = sm_store_user_get(app->store, app->user.login, &now, why);
	if (st != SM_OK && st != SM_E_NOTFOUND) {
		/* the store's reason first (a cluster out of reach, say): not
		 * the account's fault */
		if (why != NULL && sm_err_count(why) > 0)
			sm_err_add(err, st, NULL, "%s", sm_err_msg(why, 0));
		else
			sm_err_add(err, st, NULL, _("cannot read the account '%s'"), app->user.login);
		sm_err_free(&why);
		return st;
	}
	sm_err_free(&why);
	st = user_still(app, st == SM_OK ? &now : NULL, err);
	sm_user_clear(&now);
	return st;
}

static sm_status
require_role(const sm_app *app, unsigned roles, sm_err *err)
{
	sm_status st = need_user(app, err);
	if (st != SM_OK)
		return st;
	if (!(SM_BIT(app->user.role) & roles))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("your role (%s) may not do this"), sm_role_label(app->user.role));
	return SM_OK;
}

/* Who may do which administrative operation (domain.md §3, 三员分立). */
static const unsigned admin_roles[SM_ADMIN_OP_COUNT] = {
	[SM_ADMIN_USER_ADD] = SM_BIT(SM_ROLE_SYSADMIN),
	[SM_ADMIN_USER_EDIT] = SM_BIT(SM_ROLE_SYSADMIN),
	[SM_ADMIN_USER_DISABLE] = SM_BIT(SM_ROLE_SYSADMIN),
	[SM_ADMIN_OFFICE_ADD] = SM_BIT(SM_ROLE_SYSADMIN),
	[SM_ADMIN_OFFICE_EDIT] = SM_BIT(SM_ROLE_SYSADMIN),
	[SM_ADMIN_USER_ROLE] = SM_BIT(SM_ROLE_SECADMIN),
	[SM_ADMIN_USER_LOCK] = SM_BIT(SM_ROLE_SECADMIN),
	[SM_ADMIN_USER_LIST] = SM_BIT(SM_ROLE_SYSADMIN) | SM_BIT(SM_ROLE_SECADMIN),
	[SM_ADMIN_AUDIT_READ] = SM_BIT(SM_ROLE_AUDITOR),
	[SM_ADMIN_CHECK] = SM_BIT(SM_ROLE_SYSADMIN) | SM_BIT(SM_ROLE_AUDITOR),
	[SM_ADMIN_BACKUP] = SM_BIT(SM_ROLE_SYSADMIN),
	[SM_ADMIN_POLICY] = SM_BIT(SM_ROLE_SECADMIN),
	/* the public site, from the system administrator's cron job: it
	 * holds nothing that is not public, but writes the web server's files */
	[SM_ADMIN_SITE_EXPORT] = SM_BIT(SM_ROLE_SYSADMIN),
};

bool
sm_admin_may(sm_role role, sm_admin_op op)
{
	return op > SM_ADMIN_NONE && op < SM_ADMIN_OP_COUNT && role < SM_ROLE_COUNT &&
	    (admin_roles[op] & SM_BIT(role)) != 0;
}

static sm_status
require_admin(const sm_app *app, sm_admin_op op, sm_err *err)
{
	sm_status st = need_user(app, err);
	if (st != SM_OK)
		return st;
	if (!sm_admin_may(app->user.role, op))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("your role (%s) may not do this"), sm_role_label(app->user.role));
	return SM_OK;
}

static const sm_form *
form_or_fail(const sm_app *app, const char *id, sm_err *err)
{
	const sm_form *f = sm_forms_get(app->forms, id);
	if (f == NULL)
		sm_err_add(err, SM_E_INVALID, NULL, _("the form definition '%s' is missing"), id);
	return f;
}

static const char *
tld_of_type(sm_unit_type unit_type)
{
	return unit_type == SM_UNIT_ORGAN ? SM_TLD_ZHENGWU : SM_TLD_GONGYI;
}

static const char *
tld_ace_of_type(sm_unit_type unit_type)
{
	return unit_type == SM_UNIT_ORGAN ? SM_TLD_ZHENGWU_ACE : SM_TLD_GONGYI_ACE;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a > b && s[a - b - 1] == '.' && strcmp(s + a - b, suffix) == 0;
}

/* The domain a case's values name, normalised: for a domain case NAME + the
 * unit type's TLD, else the bound "domain" field with the TLD checked.  Both
 * outputs NULL when the values name no domain yet. */
static sm_status
case_domain(sm_kind kind, sm_unit_type unit_type, const json_t *values, char **ace,
            char **unicode, sm_err *err)
{
	const char *why;
	*ace = *unicode = NULL;
	if (kind == SM_KIND_DOMAIN) {
		const char *name = jstr(values, "name");
		char *full = NULL;
		if (name == NULL || *name == '\0')
			return SM_OK;
		if ((why = sm_check_registry_label(name, tld_of_type(unit_type))) != NULL)
			return sm_err_add(err, SM_E_INVALID, "name", "%s", _(why));
		if (asprintf(&full, "%s.%s", name, tld_of_type(unit_type)) < 0)
			return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		why = sm_domain_normalise(full, ace, unicode);
		free(full);
		if (why != NULL)
			return sm_err_add(err, SM_E_INVALID, "name", "%s", _(why));
		return SM_OK;
	}
	const char *d = jstr(values, "domain");
	if (d == NULL || *d == '\0')
		return SM_OK;
	if ((why = sm_domain_normalise(d, ace, unicode)) != NULL)
		return sm_err_add(err, SM_E_INVALID, "domain", "%s", _(why));
	if (!ends_with(*ace, tld_ace_of_type(unit_type))) {
		free(*ace);
		free(*unicode);
		*ace = *unicode = NULL;
		return sm_err_add(err, SM_E_INVALID, "domain",
		    unit_type == SM_UNIT_ORGAN ? _("must be one of the unit's .政务 domains") :
		    _("must be one of the unit's .公益 domains"));
	}
	return SM_OK;
}

json_t *
sm_hints(const sm_unit *unit, const json_t *values)
{
	json_t *h = json_array();
	if (h == NULL || unit == NULL)
		return h;
	if (unit->uscc && sm_hint_uscc_type(unit->uscc, sm_unit_type_name(unit->type)))
		json_array_append_new(h, json_string("uscc_type"));
	const char *addr = jstr(unit->values, "address");
	if (addr && sm_hint_address_vague(addr))
		json_array_append_new(h, json_string("address_vague"));
	const char *site_name = jstr(values, "site_name");
	if (site_name && sm_hint_site_name_china(site_name, unit->office))
		json_array_append_new(h, json_string("site_name_china"));
	json_t *eds = json_object_get(values, "english_domains"), *ed;
	size_t i;
	json_array_foreach(eds, i, ed) {
		const char *host = json_string_value(ed);
		if (host && sm_hint_english_domain(host, sm_unit_type_name(unit->type))) {
			json_array_append_new(h, json_string("english_domain"));
			break;
		}
	}
	return h;
}

/* ------------------------------------------------------------ audit, notices */

static sm_status
audit(sm_tx *tx, const sm_app *app, const char *object, int64_t id, const char *key,
      const char *action, const char *from, const char *to, const char *reason,
      const json_t *values, sm_err *err)
{
	char *v = json_text(values);
	if (values != NULL && v == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	sm_event e = {
		.actor = app->user.login ? app->user.login : (char *)"-",
		.role = (char *)sm_role_name(app->user.role), .ssh_client = app->ssh_client,
		.object = (char *)object, .object_id = id, .object_key = (char *)key,
		.action = (char *)action, .from_state = (char *)from, .to_state = (char *)to,
		.reason = (char *)reason, .values = v,
	};
	sm_status st = sm_tx_audit(tx, &e, err);
	free(v);
	return st;
}

/* What a notice carries besides its case, event, channel and recipient. */
struct notice_extra {
	const char *name;       /* the recipient's name (an e-mail's To), or NULL */
	const char *attachment; /* the name of a file an e-mail carries, or NULL */
	const void *data;       /* with ATTACHMENT: its bytes, kept with the notice */
	size_t len;
	const char *key;        /* queued once under this msg_id, or NULL */
	bool *added;            /* with KEY: whether it was queued now */
};

static sm_status
notice_ex(sm_tx *tx, int64_t case_id, const char *event, const char *channel,
          const char *recipient, const char *subject, const char *body,
          const struct notice_extra *x, sm_err *err)
{
	if (recipient == NULL || *recipient == '\0')
		return SM_OK; /* the unit form requires both; old data may lack one */
	sm_notice n = {
		.case_id = case_id, .event = (char *)event, .channel = (char *)channel,
		.recipient = (char *)recipient, .subject = (char *)subject, .body = (char *)body,
		.name = x ? (char *)x->name : NULL, .attachment = x ? (char *)x->attachment : NULL,
		.attachment_data = x ? x->data : NULL, .attachment_len = x ? x->len : 0,
	};
	/* The recipient came from data (a unit's values, maybe written before
	 * the forms checked them, or past them): one that is not a valid
	 * mobile number or e-mail address, or holds a control or invisible
	 * character, is never handed to a sender.  The transition goes on; the
	 * notice is recorded with the status "refused", the recipient
	 * neutralised and why in last_error, so the case's outbox shows it. */
	const char *why = NULL;
	char *shown = NULL, *error = NULL;
	if (!sm_text_is_clean(recipient, false))
		why = N_("contains a control or invisible character");
	else if (n.name && !sm_text_is_clean(n.name, false))
		why = N_("the name with it contains a control or invisible character");
	else if (strcmp(channel, "sms") == 0)
		why = sm_check_mobile(recipient);
	else
		why = sm_check_email(recipient);
	if (why != NULL) {
		shown = sm_text_neutralise(recipient, (size_t)-1, false);
		if (shown == NULL || asprintf(&error, strcmp(channel, "sms") == 0 ?
		    _("not sent: the mobile number %s: %s") :
		    _("not sent: the e-mail address %s: %s"), shown, _(why)) < 0) {
			free(shown);
			return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		}
		n.recipient = shown;
		n.name = NULL;
		n.status = (char *)"refused";
		n.last_error = error;
	}
	sm_status st = x && x->key ? sm_tx_notice_once(tx, x->key, &n, x->added, err) :
	    sm_tx_notice(tx, &n, err);
	free(shown);
	free(error);
	return st;
}

static sm_status
notice(sm_tx *tx, int64_t case_id, const char *event, const char *channel,
       const char *recipient, const char *subject, const char *body, sm_err *err)
{
	return notice_ex(tx, case_id, event, channel, recipient, subject, body, NULL, err);
}

/* The subject of an e-mail of EVENT about case ID into *OUT (asprintf). */
static int
notice_subject(char **out, const char *event, long long id)
{
	if (strcmp(event, "returned") == 0)
		return asprintf(out, _("sitemark: case %lld was returned"), id);
	if (strcmp(event, "payment") == 0)
		return asprintf(out, _("sitemark: case %lld, pay the domain fee"), id);
	if (strcmp(event, "paper") == 0)
		return asprintf(out, _("sitemark: case %lld, print and send the paper"), id);
	if (strcmp(event, "mark_issued") == 0)
		return asprintf(out, _("sitemark: case %lld, your website mark"), id);
	if (strcmp(event, "reminder") == 0)
		return asprintf(out, _("sitemark: case %lld, hang the website mark"), id);
	if (strcmp(event, "overdue") == 0)
		return asprintf(out, _("sitemark: case %lld, the website mark is overdue"), id);
	return asprintf(out, _("sitemark: case %lld"), id);
}

/* The office's reviewers (enabled, with an e-mail address) told by e-mail
 * that the mark of case C is no longer found (the unit is told besides). */
static sm_status
notify_office(sm_tx *tx, const sm_case *c, const char *subject, const char *why,
              const char *dom, const char *due, const sm_app *app, sm_err *err)
{
	sm_user *users = NULL;
	size_t n = 0;
	char *text = NULL;
	sm_status st = sm_store_user_list(app->store, SM_ROLE_OFFICE, &users, &n, err);
	(void)tx;
	if (st != SM_OK)
		return st;
	if (asprintf(&text,
	    _("The website mark of %s (case %lld) is no longer found on the site: it is back at mark issued, to be hung again by %s. %s"),
	    dom, (long long)c->id, due ? due : "", why ? why : "") < 0) {
		text = NULL;
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	for (size_t i = 0; i < n; i++) {
		if (st == SM_OK && users[i].office && strcmp(users[i].office, c->office) == 0 &&
		    !users[i].disabled && users[i].email && *users[i].email)
			st = notice(tx, c->id, "missing", "email", users[i].email, subject, text, err);
		sm_user_clear(&users[i]);
	}
	free(users);
	free(text);
	return st;
}

struct notify {
	const char *event;
	bool sms, email;
	char *subject;
	char *text;
	char *sms_text, *mail_text; /* when the two differ from TEXT */
};

/* Compose the notifications of a transition.  Data that came from users is
 * neutralised so that no control character reaches a phone or a mail header. */
static sm_status
notify(sm_tx *tx, const sm_case *c, const sm_unit *u, unsigned fx, const char *reason,
       const sm_mark *m, const char *due, const sm_app *app, sm_err *err)
{
	struct notify n = {0};
	/* a reason of several lines keeps its breaks: an SMS and an e-mail's
	 * body carry them (the body is base64, the SMS escaped), not "^J" */
	char *clean = reason ? sm_text_neutralise(reason, (size_t)-1, true) : NULL;
	char *name = sm_text_neutralise(u->name ? u->name : "", (size_t)-1, false);
	const char *kind = sm_kind_label(c->kind);
	const char *dom = c->domain_unicode ? c->domain_unicode : "";
	int r = 0;
	bool fee_failed = false;
	sm_status st = SM_OK;

	if (fx & SM_FX_NOTIFY_RETURNED) {
		n.event = "returned";
		n.sms = n.email = true;
		r = asprintf(&n.text,
		    _("%s: your %s (case %lld) was returned. Reason: %s. Correct it and submit again."),
		    name, kind, (long long)c->id, clean ? clean : "");
	} else if (fx & SM_FX_NOTIFY_PAYMENT) {
		n.event = "payment";
		n.sms = n.email = true;
		r = asprintf(&n.text,
		    _("%s: the domain %s (case %lld) was approved. Pay the registration fee to complete the registration."),
		    name, dom, (long long)c->id);
		/* the fee and how to pay (configuration "fee"): the SMS carries
		 * the amount, the e-mail also how to pay */
		char *fee_sms = r < 0 ? NULL : sm_app_fee_text(app, false);
		char *fee_mail = r < 0 ? NULL : sm_app_fee_text(app, true);
		if (r >= 0)
			fee_failed = true; /* until both texts are made */
		if (fee_sms && fee_mail) {
			char *fs = sm_text_neutralise(fee_sms, (size_t)-1, false);
			char *fm = sm_text_neutralise(fee_mail, (size_t)-1, true);
			if (fs && fm) {
				if (asprintf(&n.sms_text, "%s %s", n.text, fs) < 0)
					n.sms_text = NULL;
				else if (asprintf(&n.mail_text, "%s %s", n.text, fm) < 0)
					n.mail_text = NULL;
				else
					fee_failed = false;
			}
			free(fs);
			free(fm);
		}
		free(fee_sms);
		free(fee_mail);
	} else if (fx & SM_FX_NOTIFY_PAPER) {
		n.event = "paper";
		n.sms = true;
		r = asprintf(&n.text,
		    _("%s: your website application (case %lld) passed the online review. Print the application letter and form, stamp them and send them with the handler's ID copy to your establishment office by %s."),
		    name, (long long)c->id, due ? due : "");
	} else if ((fx & SM_FX_NOTIFY_MARK) && m != NULL) {
		n.event = "mark_issued";
		n.sms = n.email = true;
		r = asprintf(&n.text,
		    _("%s: the website mark of %s (case %lld) was issued, mark code %s. Put this code before </body> on every page, at the bottom centre, by %s:\n%s"),
		    name, dom, (long long)c->id, m->code, due ? due : "", m->snippet);
	} else if (fx & SM_FX_NOTIFY_MISSING) {
		n.event = "missing";
		n.sms = n.email = true;
		r = asprintf(&n.text,
		    _("%s: the website mark of %s (case %lld) is no longer found on the site. Put it back before </body> on every page by %s."),
		    name, dom, (long long)c->id, due ? due : "");
	}
	if (n.event == NULL)
		goto out;
	/* out of memory: fail the transition rather than lose its notices */
	if (r < 0 || fee_failed || name == NULL || (reason != NULL && clean == NULL)) {
		if (r < 0)
			n.text = NULL; /* asprintf left it undefined */
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	if (notice_subject(&n.subject, n.event, (long long)c->id) < 0) {
		n.subject = NULL;
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	if (n.sms)
		st = notice(tx, c->id, n.event, "sms", jpath(u->values, "handler", "mobile"), NULL,
		    n.sms_text ? n.sms_text : n.text, err);
	if (st == SM_OK && n.email) {
		struct notice_extra x = {.name = jpath(u->values, "contact", "name")};
		st = notice_ex(tx, c->id, n.event, "email", jpath(u->values, "contact", "email"),
		    n.subject, n.mail_text ? n.mail_text : n.text, &x, err);
	}
	if (st == SM_OK && (fx & SM_FX_NOTIFY_MISSING))
		st = notify_office(tx, c, n.subject, clean, dom, due, app, err);
out:
	free(n.subject);
	free(n.text);
	free(n.sms_text);
	free(n.mail_text);
	free(clean);
	free(name);
	return st;
}

/* ------------------------------------------------------------ writes */

/* Run FN under REQUEST_ID (NULL: a new one), bound to what the request asks:
 * the operation OP on object ID or KEY by the acting user with VALUES (its
 * canonical JSON, keys sorted).  The same request id for another request is
 * refused inside the transaction (sm_store_write_digest). */
static sm_status
write_request_as(sm_app *app, const sm_store_actor *actor, const char *request_id,
                 const char *op, int64_t id, const char *key, const json_t *values,
                 sm_write_fn fn, void *ud, char **result, sm_err *err)
{
	char rid[37], num[24], digest[SM_AUDIT_HASH_LEN + 1];
	char *canon = NULL;
	bool replayed = false;
	if (request_id == NULL) {
		if (sm_random_request_id(rid, err) != SM_OK)
			return SM_E_IO;
		request_id = rid;
	}
	if (values != NULL &&
	    (canon = sm_json_dumps(values, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)) == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	snprintf(num, sizeof(num), "%lld", (long long)id);
	const char *parts[] = {op, num, key, app->user.login, canon};
	sm_audit_digest("sitemark-request-v1", parts, sizeof(parts) / sizeof(parts[0]), digest);
	free(canon);
	return sm_store_write_as(app->store, actor, request_id, digest, fn, ud, &replayed, result,
	    err);
}

static sm_status
write_request(sm_app *app, const char *request_id, const char *op, int64_t id, const char *key,
              const json_t *values, sm_write_fn fn, void *ud, char **result, sm_err *err)
{
	return write_request_as(app, NULL, request_id, op, id, key, values, fn, ud, result, err);
}

struct office_ctx {
	sm_app *app;
	const char *code, *name;
};

static sm_status
office_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct office_ctx *o = ud;
	sm_office rec = {.code = (char *)o->code, .name = (char *)o->name};
	json_t *v = json_pack("{s:s, s:s}", "code", o->code, "name", o->name);
	sm_status st = sm_tx_office_insert(tx, &rec, err);
	if (st == SM_OK)
		st = audit(tx, o->app, "office", 0, o->code, "office-add", NULL, NULL, NULL, v, err);
	json_decref(v);
	return st;
}

static sm_status
check_text(const char *field, const char *v, size_t max, sm_err *err)
{
	if (v == NULL || *v == '\0')
		return sm_err_add(err, SM_E_INVALID, field, _("is required"));
	if (!sm_text_valid_utf8(v, (size_t)-1) || !sm_text_is_clean(v, false))
		return sm_err_add(err, SM_E_INVALID, field,
		    _("contains control characters or invalid UTF-8"));
	if (strlen(v) > max)
		return sm_err_add(err, SM_E_INVALID, field, _("is too long"));
	return SM_OK;
}

static sm_status
check_login(const char *login, sm_err *err)
{
	if (check_text("login", login, 64, err) != SM_OK)
		return SM_E_INVALID;
	for (const char *p = login; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-@", *p)))
			return sm_err_add(err, SM_E_INVALID, "login",
			    _("may hold only letters, digits and . _ - @"));
	return SM_OK;
}

struct first_ctx {
	sm_app *app;
	const char *login;
	bool created;
};

static sm_status
first_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct first_ctx *f = ud;
	sm_user u = {.login = (char *)f->login, .role = SM_ROLE_SYSADMIN};
	if (sm_store_user_count(f->app->store) > 0)
		return SM_OK; /* decided inside the write: two inits cannot both make one */
	sm_status st = sm_tx_user_insert(tx, &u, err);
	if (st != SM_OK)
		return st;
	f->created = true;
	json_t *v = json_pack("{s:s}", "role", sm_role_name(SM_ROLE_SYSADMIN));
	st = audit(tx, f->app, "user", 0, f->login, "user-add", NULL, NULL, NULL, v, err);
	json_decref(v);
	return st;
}

sm_status
sm_first_admin(sm_app *app, const char *login, bool *created, sm_err *err)
{
	struct first_ctx f = {app, login, false};
	*created = false;
	if (login == NULL || *login == '\0')
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("cannot tell who you are: no Unix login name"));
	if (sm_store_user_count(app->store) > 0)
		return SM_OK;
	if (check_login(login, err) != SM_OK)
		return SM_E_INVALID;
	sm_user_clear(&app->user);
	app->user.login = strdup(login);
	app->user.role = SM_ROLE_SYSADMIN;
	sm_status st = write_request(app, NULL, "first admin", 0, login, NULL, first_tx, &f, NULL,
	    err);
	*created = f.created;
	return st;
}

/* The mark monitor's account (sm_monitor.h): made by the core, never by
 * hand, audited as made by whoever ran the first check. */
static sm_status
monitor_tx(sm_tx *tx, void *ud, sm_err *err)
{
	sm_app *app = ud;
	sm_user u = {0};
	sm_status st = sm_tx_user_get(tx, SM_MONITOR_LOGIN, &u, err);
	if (st == SM_OK) {
		bool mine = u.role == SM_ROLE_MONITOR;
		sm_user_clear(&u);
		return mine ? SM_OK : sm_err_add(err, SM_E_INVALID, "login",
		    _("the account '%s' exists with another role: the mark monitor needs it"),
		    SM_MONITOR_LOGIN);
	}
	if (st != SM_E_NOTFOUND)
		return st;
	sm_user m = {.login = (char *)SM_MONITOR_LOGIN, .role = SM_ROLE_MONITOR,
	    .name = (char *)_("Mark monitor")};
	if ((st = sm_tx_user_insert(tx, &m, err)) != SM_OK)
		return st;
	json_t *v = json_pack("{s:s}", "role", sm_role_name(SM_ROLE_MONITOR));
	st = audit(tx, app, "user", 0, SM_MONITOR_LOGIN, "user-add", NULL, NULL, NULL, v, err);
	json_decref(v);
	return st;
}

sm_status
sm_monitor_account(sm_app *app, sm_err *err)
{
	sm_user u = {0};
	sm_status st = sm_store_user_get(app->store, SM_MONITOR_LOGIN, &u, NULL);
	bool ready = st == SM_OK && u.role == SM_ROLE_MONITOR;
	sm_user_clear(&u);
	if (ready)
		return SM_OK;
	if (require_role(app, SM_BIT(SM_ROLE_SYSADMIN) | CONAC | MONITOR, err) != SM_OK)
		return SM_E_DENIED;
	return write_request(app, NULL, "monitor account", 0, SM_MONITOR_LOGIN, NULL, monitor_tx,
	    app, NULL, err);
}

sm_status
sm_office_add(sm_app *app, const char *code, const char *name, sm_err *err)
{
	if (require_admin(app, SM_ADMIN_OFFICE_ADD, err) != SM_OK)
		return SM_E_DENIED;
	const char *why = sm_division_check(app->divs, code);
	if (why != NULL && !is(code, "000000"))
		return sm_err_add(err, SM_E_INVALID, "code", "%s", _(why));
	if (check_text("name", name, 200, err) != SM_OK)
		return SM_E_INVALID;
	struct office_ctx o = {app, code, name};
	return write_request(app, NULL, "office add", 0, code, NULL, office_tx, &o, NULL, err);
}

struct user_ctx {
	sm_app *app;
	const sm_user *u;
};

static sm_status
user_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct user_ctx *c = ud;
	const sm_user *u = c->u;
	sm_status st;
	if (u->office != NULL) {
		sm_office o = {0};
		st = sm_store_office_get(c->app->store, u->office, &o, err);
		bool disabled = o.disabled;
		sm_office_clear(&o);
		if (st == SM_E_NOTFOUND)
			return sm_err_add(err, SM_E_NOTFOUND, "office",
			    _("no office %s: add it first with 'sitemark office add'"), u->office);
		if (st != SM_OK)
			return st;
		if (disabled)
			return sm_err_add(err, SM_E_STATE, "office",
			    _("the office %s is disabled: enable it first"), u->office);
	}
	if (u->unit > 0) {
		sm_unit unit = {0};
		st = sm_tx_unit_get(tx, u->unit, &unit, err);
		sm_unit_clear(&unit);
		if (st == SM_E_NOTFOUND)
			return sm_err_add(err, SM_E_NOTFOUND, "unit", _("no unit %lld"),
			    (long long)u->unit);
		if (st != SM_OK)
			return st;
	}
	bool founding = false;
	if (u->role == SM_ROLE_SECADMIN || u->role == SM_ROLE_AUDITOR) {
		/* the start of the three, once: while there has never been a security
		 * administrator (nor, for an auditor, an auditor); accounts are never
		 * deleted, so a disabled one still counts */
		int64_t sec = 0, aud = 0;
		if ((st = sm_tx_user_count_any(tx, SM_ROLE_SECADMIN, &sec, err)) != SM_OK ||
		    (st = sm_tx_user_count_any(tx, SM_ROLE_AUDITOR, &aud, err)) != SM_OK)
			return st;
		founding = sec == 0 && (u->role == SM_ROLE_SECADMIN || aud == 0);
		if (!founding && u->role == SM_ROLE_SECADMIN)
			return sm_err_add(err, SM_E_DENIED, "role",
			    _("there is a security administrator already, and no one grants that role: the system administrator grants no role of an administrator (三员分立)"));
	}
	/* Separation of duties (三员分立): but for founding the three, the
	 * system administrator grants no role.  The account is made without
	 * one and keeps what it is for until the security administrator
	 * grants it (sm_user_set_role). */
	sm_user ins = *u;
	if (!founding && u->role != SM_ROLE_NONE) {
		ins.role = SM_ROLE_NONE;
		ins.office = NULL;
		ins.unit = 0;
		ins.asked_role = u->role;
		ins.asked_office = u->office;
		ins.asked_unit = u->unit;
	}
	if ((st = sm_tx_user_insert(tx, &ins, err)) != SM_OK)
		return st;
	json_t *v = json_pack("{s:s?, s:s?, s:s?, s:I, s:s?}",
	    "role", ins.role != SM_ROLE_NONE ? sm_role_name(ins.role) : NULL,
	    "asks", ins.asked_role != SM_ROLE_NONE ? sm_role_name(ins.asked_role) : NULL,
	    "office", u->office, "unit", (json_int_t)u->unit, "name", u->name);
	st = audit(tx, c->app, "user", 0, u->login, "user-add", NULL, NULL, NULL, v, err);
	json_decref(v);
	return st;
}

sm_status
sm_user_add(sm_app *app, const sm_user *u, sm_err *err)
{
	const char *why;
	if (require_admin(app, SM_ADMIN_USER_ADD, err) != SM_OK)
		return SM_E_DENIED;
	if (check_login(u->login, err) != SM_OK)
		return SM_E_INVALID;
	if (u->role >= SM_ROLE_COUNT)
		return sm_err_add(err, SM_E_INVALID, "role", _("a role is required"));
	if (u->role == SM_ROLE_MONITOR)
		return sm_err_add(err, SM_E_INVALID, "role",
		    _("the mark monitor's account is not one that can be added by hand"));
	if (u->role == app->user.role)
		return sm_err_add(err, SM_E_DENIED, "role",
		    _("no one creates an account of their own role (三员分立)"));
	if ((u->role == SM_ROLE_OFFICE) != (u->office != NULL))
		return sm_err_add(err, SM_E_INVALID, "office",
		    u->role == SM_ROLE_OFFICE ? _("an office reviewer needs --office CODE") :
		    _("only office reviewers have an office"));
	if (u->unit > 0 && u->role != SM_ROLE_UNIT)
		return sm_err_add(err, SM_E_INVALID, "unit", _("only unit operators have a unit"));
	if (u->mobile && (why = sm_check_mobile(u->mobile)) != NULL)
		return sm_err_add(err, SM_E_INVALID, "mobile", "%s", _(why));
	if (u->email && (why = sm_check_email(u->email)) != NULL)
		return sm_err_add(err, SM_E_INVALID, "email", "%s", _(why));
	if (u->name && check_text("name", u->name, 200, err) != SM_OK)
		return SM_E_INVALID;
	struct user_ctx c = {app, u};
	return write_request(app, NULL, "user add", 0, u->login, NULL, user_tx, &c, NULL, err);
}

/* ---- unit registration */

struct unit_ctx {
	sm_app *app;
	sm_unit *unit;
	const char *login;  /* a new operator account, or NULL */
	bool self;          /* the acting unit operator registers their own unit */
};

static sm_status
unit_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct unit_ctx *c = ud;
	int64_t id = 0;
	char buf[32];
	sm_status st = sm_tx_unit_insert(tx, c->unit, &id, err);
	if (st != SM_OK)
		return st;
	if (c->login) {
		/* the operator's account asks for the unit role, which only the
		 * security administrator grants (三员分立) */
		sm_user u = {
			.login = (char *)c->login, .asked_role = SM_ROLE_UNIT, .asked_unit = id,
			.name = (char *)jpath(c->unit->values, "contact", "name"),
			.mobile = (char *)jpath(c->unit->values, "contact", "mobile"),
			.email = (char *)jpath(c->unit->values, "contact", "email"),
		};
		if ((st = sm_tx_user_insert(tx, &u, err)) != SM_OK)
			return st;
	} else if (c->self) {
		if ((st = sm_tx_user_set_unit(tx, c->app->user.login, id, err)) != SM_OK)
			return st;
	}
	if ((st = audit(tx, c->app, "unit", id, c->login, "register", NULL, NULL, NULL,
	    c->unit->values, err)) != SM_OK)
		return st;
	snprintf(buf, sizeof(buf), "%lld", (long long)id);
	sm_tx_set_result(tx, buf);
	return SM_OK;
}

sm_status
sm_unit_register(sm_app *app, const json_t *values, const char *login, int64_t *unit_id,
                 sm_err *err)
{
	json_t *norm = NULL;
	const sm_form *form;
	sm_office office = {0};
	char *result = NULL;
	sm_status st;
	bool self = false;

	if (require_role(app, SM_BIT(SM_ROLE_SYSADMIN) | SM_BIT(SM_ROLE_UNIT), err) != SM_OK)
		return SM_E_DENIED;
	if (app->user.role == SM_ROLE_UNIT) {
		if (app->user.unit > 0)
			return sm_err_add(err, SM_E_DENIED, NULL,
			    _("your account already belongs to unit %lld"), (long long)app->user.unit);
		if (login && !is(login, app->user.login))
			return sm_err_add(err, SM_E_DENIED, "login",
			    _("a unit operator registers only their own unit"));
		login = NULL;
		self = true;
	}
	if ((form = form_or_fail(app, "unit", err)) == NULL)
		return SM_E_INVALID;
	if ((st = sm_form_validate(form, values, app->divs, SM_FORM_COMPLETE, &norm, err)) != SM_OK)
		return st;
	sm_unit u = {
		.name = (char *)jstr(norm, "name"), .type = sm_unit_type_parse(jstr(norm, "type")),
		.uscc = (char *)jstr(norm, "uscc"), .affiliation = (char *)jstr(norm, "affiliation"),
		.division = (char *)jstr(norm, "division"), .values = norm,
	};
	u.office = is(u.affiliation, "central") ? "000000" : u.division;
	st = sm_store_office_get(app->store, u.office, &office, err);
	bool office_disabled = st == SM_OK && office.disabled;
	sm_office_clear(&office);
	if (office_disabled) {
		st = sm_err_add(err, SM_E_STATE, "division",
		    _("the establishment office %s that reviews this unit is disabled: ask the system administrator"),
		    u.office);
		json_decref(norm);
		return st;
	}
	if (st == SM_E_NOTFOUND) {
		/* u.office may point into NORM: format the message first */
		st = sm_err_add(err, SM_E_INVALID, "division",
		    _("no establishment office %s is set up to review this unit: ask the administrator to add it"),
		    u.office);
		json_decref(norm);
		return st;
	}
	if (st != SM_OK) {
		json_decref(norm);
		return st;
	}
	struct unit_ctx c = {app, &u, login, self};
	st = write_request(app, NULL, "unit register", 0, login, norm, unit_tx, &c, &result,
	    err);
	if (st == SM_OK && unit_id)
		*unit_id = result ? strtoll(result, NULL, 10) : 0;
	if (st == SM_OK && self)
		app->user.unit = result ? strtoll(result, NULL, 10) : 0;
	free(result);
	json_decref(norm);
	return st;
}

/* ---- a unit's contact and handler */

const char *const sm_unit_edit_fields[] = { "contact", "handler", NULL };

sm_form *
sm_unit_edit_form(const sm_app *app)
{
	const sm_form *uf = app->forms ? sm_forms_get(app->forms, "unit") : NULL;
	return uf ? sm_form_subset(uf, "unit-contact", N_("Contact person and handler"),
	    sm_unit_edit_fields) : NULL;
}

static sm_status lost_race(sm_app *app, sm_tx *tx, sm_status status, const sm_case *c, int64_t unit,
                           sm_err *err);

struct unit_edit_ctx {
	sm_app *app;
	int64_t id, version;
	const json_t *values;   /* the unit's new values */
	const json_t *changed;  /* the new groups, for the audit */
};

static sm_status
unit_edit_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct unit_edit_ctx *c = ud;
	sm_status st = sm_tx_unit_update(tx, c->id, c->version, c->values, err);
	if (st == SM_E_CONFLICT) { /* edited since it was read: by whom */
		sm_err_clear(err);
		return lost_race(c->app, tx, SM_E_CONFLICT, NULL, c->id, err);
	}
	if (st == SM_OK)
		st = audit(tx, c->app, "unit", c->id, NULL, "unit-edit", NULL, NULL, NULL,
		    c->changed, err);
	return st;
}

sm_status
sm_unit_edit(sm_app *app, int64_t unit_id, const json_t *values, int64_t expect_version,
             sm_err *err)
{
	sm_unit u = {0};
	sm_form *form = NULL;
	json_t *merged = NULL, *part = NULL, *norm = NULL;
	const char *key;
	json_t *v;
	sm_status st;

	if (require_role(app, UNIT | OFFICE, err) != SM_OK)
		return SM_E_DENIED;
	if (app->user.role == SM_ROLE_UNIT && app->user.unit != unit_id)
		return sm_err_add(err, SM_E_DENIED, NULL, _("unit %lld is not yours"),
		    (long long)unit_id);
	st = sm_store_unit_get(app->store, unit_id, &u, err);
	if (st == SM_E_NOTFOUND) {
		sm_err_clear(err);
		return sm_err_add(err, SM_E_NOTFOUND, NULL, _("no unit %lld"), (long long)unit_id);
	}
	if (st != SM_OK)
		return st;
	if (app->user.role == SM_ROLE_OFFICE && !is(app->user.office, u.office)) {
		st = sm_err_add(err, SM_E_DENIED, NULL,
		    _("unit %lld is reviewed by another office"), (long long)unit_id);
		goto out;
	}
	if (expect_version > 0 && expect_version != u.version) {
		st = lost_race(app, NULL, SM_E_CONFLICT, NULL, unit_id, err);
		goto out;
	}
	if (!json_is_object(values) || json_object_size(values) == 0) {
		st = sm_err_add(err, SM_E_INVALID, NULL,
		    _("the values must be a mapping with 'contact', 'handler' or both"));
		goto out;
	}
	size_t refused = 0;
	json_object_foreach((json_t *)values, key, v)
		if (!is(key, "contact") && !is(key, "handler") && ++refused)
			sm_err_add(err, SM_E_INVALID, key,
			    _("cannot be changed here: only the contact person (contact) and the handler (handler) can; the unit's other details are those it registered with"));
	if (refused > 0) {
		st = SM_E_INVALID;
		goto out;
	}
	/* the given sub-fields replace the unit's; the others stay */
	merged = u.values ? json_deep_copy(u.values) : json_object();
	part = json_object();
	if (merged == NULL || part == NULL) {
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	for (size_t i = 0; sm_unit_edit_fields[i]; i++) {
		const char *g = sm_unit_edit_fields[i];
		json_t *given = json_object_get(values, g);
		json_t *now = json_object_get(merged, g);
		json_t *grp = json_is_object(now) ? json_deep_copy(now) : json_object();
		if (json_is_object(given))
			json_object_update(grp, given);
		else if (given != NULL) {
			json_decref(grp);
			grp = json_incref(given); /* the form says what is wrong */
		}
		json_object_set_new(part, g, grp);
	}
	if ((form = sm_unit_edit_form(app)) == NULL) {
		st = sm_err_add(err, SM_E_INVALID, NULL, _("the unit form is missing"));
		goto out;
	}
	if ((st = sm_form_validate(form, part, app->divs, SM_FORM_COMPLETE, &norm, err)) != SM_OK)
		goto out;
	json_object_foreach(norm, key, v)
		json_object_set(merged, key, v);
	struct unit_edit_ctx c = {app, unit_id, u.version, merged, norm};
	st = write_request(app, NULL, "unit edit", unit_id, NULL, norm, unit_edit_tx, &c, NULL,
	    err);
out:
	sm_form_subset_free(&form);
	json_decref(merged);
	json_decref(part);
	json_decref(norm);
	sm_unit_clear(&u);
	return st;
}

/* ---- visibility */

sm_status
sm_case_may_see(const sm_app *app, const sm_case *c, sm_err *err)
{
	unsigned r = SM_BIT(app->user.role);
	if (r & (CONAC | SM_BIT(SM_ROLE_SERVICE) | MONITOR))
		return SM_OK;
	if ((r & UNIT) && app->user.unit == c->unit)
		return SM_OK;
	if ((r & OFFICE) && is(app->user.office, c->office))
		return SM_OK;
	if (r & OFFICE)
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("case %lld is reviewed by office %s, not by yours (%s)"), (long long)c->id,
		    c->office, app->user.office);
	if (r & UNIT)
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("case %lld belongs to another unit"), (long long)c->id);
	return sm_err_add(err, SM_E_DENIED, NULL, _("your role (%s) does not work on cases"),
	    sm_role_label(app->user.role));
}

static sm_status
load_case(sm_store *s, sm_tx *tx, int64_t id, sm_case *c, sm_err *err)
{
	sm_status st = tx ? sm_tx_case_get(tx, id, c, err) : sm_store_case_get(s, id, c, err);
	if (st == SM_E_NOTFOUND)
		return sm_err_add(err, SM_E_NOTFOUND, NULL, _("no case %lld"), (long long)id);
	return st;
}

sm_status
sm_case_read(sm_app *app, int64_t case_id, sm_case *out, sm_err *err)
{
	sm_status st;
	/* the account and the case in one round trip on a cluster; the case
	 * is read only when the account may go on */
	sm_store_ahead_case(app->store, app->user.login, case_id);
	sm_status nu = need_user(app, err);
	if (nu != SM_OK) {
		sm_store_ahead_end(app->store);
		return nu;
	}
	st = load_case(app->store, NULL, case_id, out, err);
	sm_store_ahead_end(app->store);
	if (st != SM_OK)
		return st;
	if ((st = sm_case_may_see(app, out, err)) != SM_OK)
		sm_case_clear(out);
	return st;
}

sm_status
sm_case_scope(const sm_app *app, sm_case_filter *f, bool *none, sm_err *err)
{
	*none = false;
	sm_status st = need_user(app, err);
	if (st != SM_OK)
		return st;
	return sm_case_scope_of(app, f, none, err);
}

sm_status
sm_case_scope_of(const sm_app *app, sm_case_filter *f, bool *none, sm_err *err)
{
	unsigned r;
	*none = false;
	r = SM_BIT(app->user.role);
	if (r & UNIT) {
		*none = app->user.unit <= 0;
		f->unit = app->user.unit;
	} else if (r & OFFICE) {
		f->office = app->user.office;
	} else if (!(r & (CONAC | SM_BIT(SM_ROLE_SERVICE) | MONITOR))) {
		return sm_err_add(err, SM_E_DENIED, NULL, _("your role (%s) does not work on cases"),
		    sm_role_label(app->user.role));
	}
	return SM_OK;
}

/* The deadline of C when it is one that runs (office review, paper, hanging). */
static sm_date
running_due(const sm_case *c)
{
	if (c->due == NULL || !(c->state == SM_STATE_OFFICE_REVIEW ||
	    c->state == SM_STATE_PAPER_PENDING || c->state == SM_STATE_MARK_ISSUED))
		return SM_DATE_NONE;
	return sm_date_parse(c->due);
}

int
sm_case_days_over(const sm_app *app, const sm_case *c)
{
	sm_date due = running_due(c);
	return due == SM_DATE_NONE ? 0 : sm_calendar_days_over(app->cal, due, sm_clock_today(&app->clock));
}

int
sm_case_days_left(const sm_app *app, const sm_case *c)
{
	sm_date due = running_due(c), today = sm_clock_today(&app->clock);
	int left = 0;
	for (sm_date d = today + 1; due != SM_DATE_NONE && d <= due && left < 1000; d++)
		left += sm_calendar_is_workday(app->cal, d, NULL);
	return left;
}

/* ---- new and edit */

struct draft_ctx {
	sm_app *app;
	sm_case *c;          /* the case to write */
	int64_t expect_version;
	const json_t *audit_values;
};

/* Domain checks inside the write: a domain case's name is free, a site or
 * mark case's domain is the unit's. */
static sm_status
check_domain_tx(sm_tx *tx, const sm_case *c, sm_err *err)
{
	bool flag = false;
	sm_status st;
	if (c->domain == NULL)
		return SM_OK;
	if (c->kind == SM_KIND_DOMAIN) {
		if ((st = sm_tx_domain_taken(tx, c->domain, c->id, &flag, err)) != SM_OK)
			return st;
		if (flag)
			return sm_err_add(err, SM_E_DUPLICATE, "name",
			    _("the domain %s is already registered or applied for"),
			    c->domain_unicode ? c->domain_unicode : c->domain);
		return SM_OK;
	}
	if ((st = sm_tx_domain_owned(tx, c->domain, c->unit, &flag, err)) != SM_OK)
		return st;
	if (!flag)
		return sm_err_add(err, SM_E_INVALID, "domain",
		    _("%s is not a registered domain of this unit"),
		    c->domain_unicode ? c->domain_unicode : c->domain);
	return SM_OK;
}

static sm_status
new_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct draft_ctx *d = ud;
	int64_t id = 0;
	char buf[32];
	sm_status st;
	if ((st = check_domain_tx(tx, d->c, err)) != SM_OK)
		return st;
	if ((st = sm_tx_case_insert(tx, d->c, &id, err)) != SM_OK)
		return st;
	if ((st = audit(tx, d->app, "case", id, NULL, "create", NULL,
	    sm_state_name(SM_STATE_DRAFT), NULL,
	    d->c->values, err)) != SM_OK)
		return st;
	snprintf(buf, sizeof(buf), "%lld", (long long)id);
	sm_tx_set_result(tx, buf);
	return SM_OK;
}

static sm_status
own_unit(sm_app *app, sm_unit *u, sm_err *err)
{
	if (require_role(app, UNIT, err) != SM_OK)
		return SM_E_DENIED;
	if (app->user.unit <= 0)
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("your account has no unit yet: register it first ('sitemark unit register')"));
	sm_status st = sm_store_unit_get(app->store, app->user.unit, u, err);
	if (st == SM_E_NOTFOUND)
		return sm_err_add(err, SM_E_NOTFOUND, NULL, _("no unit %lld"),
		    (long long)app->user.unit);
	return st;
}

/* Whether the unit may open a case of KIND at all (domain.md §4 rules). */
static sm_status
kind_allowed(sm_app *app, sm_kind kind, const sm_unit *u, sm_err *err)
{
	char **ace = NULL;
	size_t n = 0;
	sm_status st;
	if (kind == SM_KIND_NONE || kind >= SM_KIND_COUNT)
		return sm_err_add(err, SM_E_INVALID, "kind", _("a case kind is required"));
	if (kind == SM_KIND_SITE && u->type != SM_UNIT_ORGAN)
		return sm_err_add(err, SM_E_DENIED, "kind",
		    _("website opening review is for party and government organs; institutions and social organisations apply for a mark"));
	if (kind == SM_KIND_MARK && u->type == SM_UNIT_ORGAN)
		return sm_err_add(err, SM_E_DENIED, "kind",
		    _("party and government organs apply for website opening review, not for a mark"));
	if (kind == SM_KIND_DOMAIN)
		return SM_OK;
	st = sm_store_unit_domains(app->store, u->id, tld_ace_of_type(u->type), &ace, NULL, &n, err);
	for (size_t i = 0; i < n; i++)
		free(ace[i]);
	free(ace);
	if (st != SM_OK)
		return st;
	if (n == 0)
		return sm_err_add(err, SM_E_STATE, "domain",
		    u->type == SM_UNIT_ORGAN ? _("register a .政务 domain first: the unit has none") :
		    _("register a .公益 domain first: the unit has none"));
	return SM_OK;
}

sm_status
sm_case_may_start(sm_app *app, sm_kind kind, sm_err *err)
{
	sm_unit u = {0};
	sm_status st = own_unit(app, &u, err);
	if (st == SM_OK)
		st = kind_allowed(app, kind, &u, err);
	sm_unit_clear(&u);
	return st;
}

sm_status
sm_case_new(sm_app *app, sm_kind kind, const json_t *values, int64_t *case_id,
            sm_err *err)
{
	sm_unit u = {0};
	json_t *norm = NULL;
	char *ace = NULL, *uni = NULL, *result = NULL;
	const sm_form *form;
	sm_status st;

	if ((st = own_unit(app, &u, err)) != SM_OK)
		return st;
	if ((st = kind_allowed(app, kind, &u, err)) != SM_OK)
		goto out;
	if ((form = form_or_fail(app, sm_kind_name(kind), err)) == NULL) {
		st = SM_E_INVALID;
		goto out;
	}
	json_t *empty = values ? NULL : json_object();
	st = sm_form_validate(form, values ? values : empty, app->divs, SM_FORM_PARTIAL, &norm, err);
	json_decref(empty);
	if (st != SM_OK)
		goto out;
	if ((st = case_domain(kind, u.type, norm, &ace, &uni, err)) != SM_OK)
		goto out;
	sm_case c = {
		.kind = kind, .unit = u.id, .office = u.office, .state = SM_STATE_DRAFT,
		.domain = ace, .domain_unicode = uni, .values = norm,
		.created_by = app->user.login,
	};
	struct draft_ctx d = {app, &c, 0, norm};
	if ((st = write_request(app, NULL, "case new", 0, sm_kind_name(kind), norm, new_tx, &d,
	    &result, err)) == SM_OK && case_id)
		*case_id = result ? strtoll(result, NULL, 10) : 0;
out:
	free(result);
	free(ace);
	free(uni);
	json_decref(norm);
	sm_unit_clear(&u);
	return st;
}

/* ---- the loser of a race */

/* The last change of case ID (in TX, or a read of its own when TX is NULL)
 * and the name of whoever made it; failures leave them empty: the message
 * is then the plainer one. */
static void
last_change(sm_app *app, sm_tx *tx, bool unit, int64_t id, sm_event *last, sm_user *who)
{
	sm_err *scratch = sm_err_new();
	sm_status st = tx ? sm_tx_last_change(tx, unit, id, last, scratch) :
	    sm_store_last_change(app->store, unit, id, last, scratch);
	if (st == SM_OK && last->actor != NULL)
		(void)(tx ? sm_tx_user_get(tx, last->actor, who, scratch) :
		    sm_store_user_get(app->store, last->actor, who, scratch));
	sm_err_free(&scratch);
}

/* Add to ERR (with STATUS) that case C, as it is now, was changed since the
 * user saw it, or with C NULL that unit UNIT was: who changed it, when,
 * what they did (its last change), and a case's state now; nothing was
 * written. */
static sm_status
lost_race(sm_app *app, sm_tx *tx, sm_status status, const sm_case *c, int64_t unit, sm_err *err)
{
	sm_event last = {0};
	sm_user u = {0};
	char when[32] = "", *who = NULL;
	sm_status st;
	long long id = c ? (long long)c->id : (long long)unit;
	const char *now = c ? sm_state_label(c->state) : NULL;

	last_change(app, tx, c == NULL, (int64_t)id, &last, &u);
	if (last.actor == NULL) {
		st = c ? sm_err_add(err, status, NULL,
		    _("case %lld was changed by someone else first (已被他人处理): it is now %s; nothing was written"),
		    id, now) : sm_err_add(err, status, NULL,
		    _("unit %lld was changed by someone else first: nothing was written; look at it again"),
		    id);
		goto out;
	}
	/* 2026-11-20T10:05:33+08:00: the minute, in Beijing time */
	snprintf(when, sizeof(when), "%.16s", last.at ? last.at : "");
	char *t = strchr(when, 'T');
	if (t)
		*t = ' ';
	const char *did = sm_event_label(last.action);
	if (is(last.actor, app->user.login)) {
		st = c ? sm_err_add(err, status, NULL,
		    _("case %lld was changed since you saw it: at %s you did '%s'; it is now %s; nothing was written"),
		    id, when, did, now) : sm_err_add(err, status, NULL,
		    _("unit %lld was changed since you saw it: at %s you did '%s'; nothing was written; look at it again"),
		    id, when, did);
		goto out;
	}
	if (u.name != NULL && *u.name != '\0' && !is(u.name, last.actor)) {
		if (asprintf(&who, "%s (%s)", u.name, last.actor) < 0)
			who = NULL;
	}
	st = c ? sm_err_add(err, status, NULL,
	    _("case %lld was changed by someone else first (已被他人处理): at %s %s did '%s'; it is now %s; nothing was written"),
	    id, when, who ? who : last.actor, did, now) : sm_err_add(err, status, NULL,
	    _("unit %lld was changed by someone else first: at %s %s did '%s'; nothing was written; look at it again"),
	    id, when, who ? who : last.actor, did);
out:
	free(who);
	sm_user_clear(&u);
	sm_event_clear(&last);
	return st;
}

/* Whether someone else moved case C on (its last change) from a state in
 * which this user could do ACTION (SM_ACTION_NONE: edit it): a lost race,
 * when the version the user saw does not tell. */
static bool
moved_on(sm_app *app, sm_tx *tx, const sm_case *c, sm_action action)
{
	sm_event last = {0};
	sm_user u = {0};
	bool moved = false;

	last_change(app, tx, false, c->id, &last, &u);
	sm_state from = last.from_state ? sm_state_parse(last.from_state) : SM_STATE_NONE;
	if (last.actor != NULL && !is(last.actor, app->user.login) && from != SM_STATE_NONE &&
	    from != c->state) {
		if (action == SM_ACTION_NONE) {
			moved = from == SM_STATE_DRAFT || from == SM_STATE_RETURNED;
		} else {
			const sm_rule *r = sm_rule_find(c->kind, from, action);
			moved = r != NULL && (r->roles & SM_BIT(app->user.role));
		}
	}
	sm_user_clear(&u);
	sm_event_clear(&last);
	return moved;
}

static sm_status
edit_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct draft_ctx *d = ud;
	sm_case now = {0};
	sm_status st = load_case(NULL, tx, d->c->id, &now, err);
	if (st != SM_OK)
		return st;
	if (now.version != d->expect_version) {
		st = lost_race(d->app, tx, SM_E_CONFLICT, &now, 0, err);
		sm_case_clear(&now);
		return st;
	}
	sm_case_clear(&now);
	if ((st = check_domain_tx(tx, d->c, err)) != SM_OK)
		return st;
	if ((st = sm_tx_case_update(tx, d->c, d->expect_version, err)) != SM_OK)
		return st;
	return audit(tx, d->app, "case", d->c->id, NULL, "edit", sm_state_name(d->c->state),
	    sm_state_name(d->c->state), NULL, d->audit_values, err);
}

sm_status
sm_case_edit(sm_app *app, int64_t case_id, const json_t *values, int64_t expect_version,
             sm_err *err)
{
	sm_case c = {0};
	sm_unit u = {0};
	json_t *merged = NULL, *norm = NULL;
	char *ace = NULL, *uni = NULL;
	const sm_form *form;
	sm_status st;

	if ((st = own_unit(app, &u, err)) != SM_OK)
		return st;
	if ((st = sm_case_read(app, case_id, &c, err)) != SM_OK)
		goto out;
	/* changed since the user saw it: say by whom first, whatever the state */
	if (expect_version > 0 && expect_version != c.version) {
		st = lost_race(app, NULL, SM_E_CONFLICT, &c, 0, err);
		goto out;
	}
	if (c.state != SM_STATE_DRAFT && c.state != SM_STATE_RETURNED) {
		if (expect_version <= 0 && moved_on(app, NULL, &c, SM_ACTION_NONE))
			st = lost_race(app, NULL, SM_E_STATE, &c, 0, err);
		else
			st = sm_err_add(err, SM_E_STATE, NULL,
			    _("case %lld is %s: only drafts and returned cases can be edited"),
			    (long long)case_id, sm_state_label(c.state));
		goto out;
	}
	if ((form = form_or_fail(app, sm_kind_name(c.kind), err)) == NULL) {
		st = SM_E_INVALID;
		goto out;
	}
	if (!json_is_object(values)) {
		st = sm_err_add(err, SM_E_INVALID, NULL, _("the values must be a mapping"));
		goto out;
	}
	merged = json_deep_copy(c.values ? c.values : json_object());
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)values, key, v) {
		if (json_is_null(v))
			json_object_del(merged, key);
		else
			json_object_set(merged, key, v);
	}
	if ((st = sm_form_validate(form, merged, app->divs, SM_FORM_PARTIAL, &norm, err)) != SM_OK)
		goto out;
	if ((st = case_domain(c.kind, u.type, norm, &ace, &uni, err)) != SM_OK)
		goto out;
	json_decref(c.values);
	c.values = json_incref(norm);
	free(c.domain);
	free(c.domain_unicode);
	c.domain = ace;
	c.domain_unicode = uni;
	ace = uni = NULL;
	struct draft_ctx d = {app, &c, c.version, values};
	st = write_request(app, NULL, "case edit", case_id, NULL, values, edit_tx, &d, NULL, err);
out:
	free(ace);
	free(uni);
	json_decref(merged);
	json_decref(norm);
	sm_case_clear(&c);
	sm_unit_clear(&u);
	return st;
}

/* ---- actions */

struct act_ctx {
	sm_app *app;
	const sm_act *act;
	json_t *values;      /* the action's normalised values, or NULL */
	const char *reason;
	sm_state new_state;
};

static sm_status
due_date(const sm_app *app, int days, char **out, bool *uncertain, sm_err *err)
{
	char buf[16];
	sm_date d = sm_calendar_deadline(app->cal, sm_clock_today(&app->clock), days, uncertain);
	if (d == SM_DATE_NONE)
		return sm_err_add(err, SM_E_INVALID, NULL, _("cannot compute the deadline"));
	*out = strdup(sm_date_format(d, buf, sizeof(buf)));
	return *out ? SM_OK : sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
}

static sm_status
issue_mark(sm_tx *tx, const sm_app *app, const sm_case *c, const sm_unit *u, const char *due,
           sm_mark *m, sm_err *err)
{
	int seq = 0;
	int64_t serial = 0;
	char code[SM_MARK_CODE_LEN + 1], guid[33], cert[15];
	int y = 0, mo = 0, d = 0;
	sm_status st;

	if ((st = sm_tx_mark_next(tx, u->id, &seq, &serial, err)) != SM_OK)
		return st;
	if ((st = sm_mark_code(u->division, u->id, seq, code, err)) != SM_OK)
		return st;
	if ((st = sm_random_guid(guid, err)) != SM_OK)
		return st;
	sm_date_to_ymd(sm_clock_today(&app->clock), &y, &mo, &d);
	if ((st = sm_mark_cert_no(y, u->division, serial, cert, err)) != SM_OK)
		return st;
	m->case_id = c->id;
	m->unit = u->id;
	m->code = strdup(code);
	m->guid = strdup(guid);
	m->cert_no = strdup(cert);
	m->color = strdup(sm_mark_color(sm_unit_type_name(u->type)));
	m->snippet = sm_mark_snippet(app->cfg->mark_base_url, code);
	m->hang_due = due ? strdup(due) : NULL;
	if (m->snippet == NULL)
		return sm_err_add(err, SM_E_INVALID, "mark.base_url",
		    _("the configured mark.base_url is not a plain http(s) address"));
	json_t *domains = json_array();
	bool lost = json_array_append_new(domains,
	    json_string(c->domain_unicode ? c->domain_unicode : "")) != 0;
	json_t *eds = json_object_get(c->values, "english_domains"), *ed;
	size_t i;
	json_array_foreach(eds, i, ed)
		lost |= json_array_append(domains, ed) != 0;
	if (lost) { /* out of memory: not a certificate without a domain */
		json_decref(domains);
		domains = NULL;
	}
	m->certificate = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:s, s:s, s:s}",
	    "unit_name", u->name, "unit_type", sm_unit_type_name(u->type),
	    "address", jstr(u->values, "address"), "functions", jstr(u->values, "functions"),
	    "site_name", jstr(c->values, "site_name"), "domains", domains,
	    "cert_no", cert, "issuer", "conac", "issued_at", sm_tx_now(tx));
	if (m->code == NULL || m->guid == NULL || m->cert_no == NULL || m->color == NULL ||
	    m->certificate == NULL || (due != NULL && m->hang_due == NULL))
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	return sm_tx_mark_insert(tx, m, err);
}

/* The rule by which this user takes ACTION on case C now: none, and why
 * (the state, or the role). */
static sm_status
rule_for(const sm_app *app, const sm_case *c, sm_action action, const sm_rule **out,
         sm_err *err)
{
	const sm_rule *rule = sm_rule_find(c->kind, c->state, action);
	if (rule == NULL)
		return sm_err_add(err, SM_E_STATE, NULL,
		    _("'%s' does not apply to case %lld: it is %s"), sm_action_label(action),
		    (long long)c->id, sm_state_label(c->state));
	if (!(rule->roles & SM_BIT(app->user.role))) {
		/* the role does this action, only not in this state: someone moved
		 * the case on (a lost race), say so rather than blame the role */
		bool elsewhere = false;
		for (const sm_rule *r = sm_rules; r->action; r++)
			if (r->action == action && (r->kinds & SM_BIT(c->kind)) &&
			    (r->roles & SM_BIT(app->user.role)))
				elsewhere = true;
		if (elsewhere)
			return sm_err_add(err, SM_E_STATE, NULL,
			    _("'%s' does not apply to case %lld: it is %s"),
			    sm_action_label(action), (long long)c->id, sm_state_label(c->state));
		return sm_err_add(err, SM_E_DENIED, NULL, _("your role (%s) may not '%s' case %lld"),
		    sm_role_label(app->user.role), sm_action_label(action), (long long)c->id);
	}
	*out = rule;
	return SM_OK;
}

static sm_status
act_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct act_ctx *a = ud;
	sm_app *app = a->app;
	const sm_act *act = a->act;
	sm_case c = {0};
	sm_unit u = {0};
	sm_mark m = {0};
	const sm_rule *rule;
	json_t *audit_values = a->values;
	char *due = NULL;
	sm_state from;
	bool uncertain = false, full;
	sm_status st;

	/* The case and its unit in one read (on a cluster every read is a
	 * round trip while the write lock is held). */
	if ((st = sm_tx_case_unit(tx, act->case_id, &c, &u, err)) != SM_OK)
		return st == SM_E_NOTFOUND ? sm_err_add(err, SM_E_NOTFOUND, NULL, _("no case %lld"),
		    (long long)act->case_id) : st;
	if ((st = sm_case_may_see(app, &c, err)) != SM_OK)
		goto out;
	if (act->expect_version > 0 && c.version != act->expect_version) {
		st = lost_race(app, tx, SM_E_CONFLICT, &c, 0, err);
		goto out;
	}
	/* the action does not apply now, and someone else moved the case on
	 * from where this user could act: the user lost a race (the command
	 * line reads the version just before, after the user looked); say so,
	 * and who won it */
	rule = sm_rule_find(c.kind, c.state, act->action);
	if ((rule == NULL || !(rule->roles & SM_BIT(app->user.role))) &&
	    moved_on(app, tx, &c, act->action)) {
		st = lost_race(app, tx, SM_E_STATE, &c, 0, err);
		goto out;
	}
	if ((st = rule_for(app, &c, act->action, &rule, err)) != SM_OK)
		goto out;
	if ((rule->effects & SM_FX_APPROVAL) && is(c.submitted_by, app->user.login)) {
		st = sm_err_add(err, SM_E_DENIED, NULL,
		    _("you submitted case %lld: someone else must review it"), (long long)c.id);
		goto out;
	}
	/* the mark monitor moves a mark only as its latest check found it (a
	 * check stored before, in this transaction or an earlier one): hung
	 * when it passed, missing when it did not; never on its own word */
	if (app->user.role == SM_ROLE_MONITOR) {
		bool pass = false;
		st = sm_tx_mark_check_passed(tx, c.id, &pass, err);
		if (st == SM_E_NOTFOUND || (st == SM_OK && pass != (act->action == SM_ACTION_VERIFY_HUNG))) {
			st = sm_err_add(err, SM_E_DENIED, NULL,
			    _("the mark monitor may '%s' case %lld only when its latest check of the mark says so (sitemark marks check)"),
			    sm_action_label(act->action), (long long)c.id);
			goto out;
		}
		if (st != SM_OK)
			goto out;
	}
	full = (rule->effects & (SM_FX_VALIDATE | SM_FX_ISSUE_MARK | SM_FX_NOTIFY_RETURNED |
	    SM_FX_NOTIFY_PAYMENT | SM_FX_NOTIFY_PAPER | SM_FX_NOTIFY_MARK | SM_FX_REDPAGE |
	    SM_FX_NOTIFY_MISSING)) != 0;
	if (full) {
		/* both are stored, never NULL: NULL here is a parse that ran out
		 * of memory, and the notices and the certificate need them */
		if (c.values == NULL || u.values == NULL) {
			st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
			goto out;
		}
	}
	from = c.state;
	if (rule->effects & SM_FX_REDPAGE) {
		/* only a case whose mark hangs on a red page publishes one */
		if (!sm_case_hosts_redpage(&c)) {
			st = sm_err_add(err, SM_E_STATE, NULL,
			    _("case %lld hangs its mark on its own website, not on a red page"),
			    (long long)c.id);
			goto out;
		}
		if ((st = sm_tx_redpage_put(tx, c.id, a->values, err)) != SM_OK)
			goto out;
	}
	if (rule->effects & SM_FX_VALIDATE) {
		const sm_form *form = form_or_fail(app, sm_kind_name(c.kind), err);
		json_t *norm = NULL;
		char *ace = NULL, *uni = NULL;
		if (form == NULL) {
			st = SM_E_INVALID;
			goto out;
		}
		if ((st = sm_form_validate(form, c.values, app->divs, SM_FORM_COMPLETE, &norm,
		    err)) != SM_OK)
			goto out;
		st = case_domain(c.kind, u.type, norm, &ace, &uni, err);
		json_decref(norm);
		if (st == SM_OK && ace == NULL)
			st = sm_err_add(err, SM_E_INVALID, c.kind == SM_KIND_DOMAIN ? "name" : "domain",
			    _("is required"));
		if (st == SM_OK) {
			free(c.domain);
			free(c.domain_unicode);
			c.domain = ace;
			c.domain_unicode = uni;
			ace = uni = NULL;
			st = check_domain_tx(tx, &c, err);
		}
		free(ace);
		free(uni);
		if (st != SM_OK)
			goto out;
		json_decref(c.hints);
		c.hints = sm_hints(&u, c.values);
		free(c.submitted_by);
		c.submitted_by = strdup(app->user.login);
		audit_values = c.values;
	}
	if (rule->effects & SM_FX_REGISTER) {
		if ((st = sm_tx_domain_register(tx, c.domain, c.domain_unicode, c.unit, c.id,
		    err)) != SM_OK)
			goto out;
	}
	free(c.due);
	free(c.due_kind);
	c.due = c.due_kind = NULL;
	c.due_uncertain = false;
	if (rule->effects & (SM_FX_DUE_OFFICE | SM_FX_DUE_PAPER | SM_FX_DUE_HANG)) {
		int days = (rule->effects & SM_FX_DUE_PAPER) ? 10 : 5;
		if ((st = due_date(app, days, &due, &uncertain, err)) != SM_OK)
			goto out;
		c.due = strdup(due);
		c.due_kind = strdup((rule->effects & SM_FX_DUE_OFFICE) ? "office_review" :
		    (rule->effects & SM_FX_DUE_PAPER) ? "paper_review" : "hanging");
		c.due_uncertain = uncertain;
	}
	if ((rule->effects & SM_FX_ISSUE_MARK) &&
	    (st = issue_mark(tx, app, &c, &u, due, &m, err)) != SM_OK)
		goto out;
	c.state = rule->to;
	st = full ? sm_tx_case_update(tx, &c, c.version, err) :
	    sm_tx_case_set_state(tx, &c, c.version, err);
	if (st != SM_OK)
		goto out;
	if ((st = audit(tx, app, "case", c.id, NULL, sm_action_name(act->action),
	    sm_state_name(from), sm_state_name(rule->to), a->reason, audit_values, err)) != SM_OK)
		goto out;
	if ((st = notify(tx, &c, &u, rule->effects, a->reason, m.code ? &m : NULL, due,
	    app, err)) != SM_OK)
		goto out;
	sm_tx_set_result(tx, sm_state_name(rule->to));
out:
	free(due);
	sm_mark_clear(&m);
	sm_unit_clear(&u);
	sm_case_clear(&c);
	return st;
}

/* The values of ACTION's form checked as sm_case_act() takes them. */
static sm_status
action_values(sm_app *app, sm_action action, const json_t *values, const char *reason,
              json_t **out, sm_err *err)
{
	const char *form_id = sm_action_form(action);
	json_t *in;
	sm_status st;
	char today[16];

	*out = NULL;
	const sm_form *form = form_or_fail(app, form_id, err);
	if (form == NULL)
		return SM_E_INVALID;
	in = values ? json_deep_copy(values) : json_object();
	if (in == NULL || !json_is_object(in)) {
		json_decref(in);
		return sm_err_add(err, SM_E_INVALID, NULL, _("the values must be a mapping"));
	}
	if (reason)
		json_object_set_new(in, "reason", json_string(reason));
	if ((is(form_id, "reject") || is(form_id, "reject-paper")) &&
	    json_object_get(in, "reason_code") == NULL)
		json_object_set_new(in, "reason_code", json_string("other"));
	st = sm_form_validate(form, in, app->divs, SM_FORM_COMPLETE, out, err);
	json_decref(in);
	if (st != SM_OK)
		return st;
	/* dates that have not come yet (the session's clock) */
	st = sm_form_check_dates(form, *out,
	    sm_date_format(sm_clock_today(&app->clock), today, sizeof(today)), err);
	if (is(form_id, "confirm-paper")) {
		static const char *const items[] = {"letter", "forms", "id_copy"};
		for (size_t i = 0; i < 3; i++)
			if (!json_is_true(json_object_get(*out, items[i])))
				st = sm_err_add(err, SM_E_INVALID, items[i],
				    _("has not arrived: reject the paper instead (reject-paper) and say what is missing"));
	}
	if (st != SM_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return st;
}

sm_status
sm_action_validate(sm_app *app, sm_action action, const json_t *values, json_t **normalised,
                   sm_err *err)
{
	json_t *out = NULL;
	if (normalised)
		*normalised = NULL;
	if (action == SM_ACTION_NONE || action >= SM_ACTION_COUNT || sm_action_form(action) == NULL)
		return sm_err_add(err, SM_E_INVALID, "action", _("an action is required"));
	sm_status st = action_values(app, action, values, NULL, &out, err);
	if (st == SM_OK && normalised)
		*normalised = out;
	else
		json_decref(out);
	return st;
}

const char *
sm_case_act_unsure(const sm_app *app)
{
	return app->store ? sm_store_unsure_request(app->store) : NULL;
}

/* The action's values were refused (ST, ERR): an action that cannot be
 * taken on the case at all says that instead, not which fields its form
 * lacks (a unit asked to fill in a reason for an office's action).  A read
 * on this path only. */
static sm_status
act_refused(sm_app *app, const sm_act *act, sm_status st, sm_err *err)
{
	sm_case c = {0};
	const sm_rule *rule;
	sm_err *why = sm_err_new();
	sm_status why_st = why == NULL ? SM_OK : sm_case_read(app, act->case_id, &c, why);
	if (why_st == SM_OK && why != NULL)
		why_st = rule_for(app, &c, act->action, &rule, why);
	if (why_st != SM_OK && why_st != SM_E_STORE && why_st != SM_E_NOMEM) {
		sm_err_clear(err);
		sm_err_merge(err, why, NULL);
		st = why_st;
	}
	sm_case_clear(&c);
	sm_err_free(&why);
	return st;
}

sm_status
sm_case_act(sm_app *app, const sm_act *act, sm_state *new_state, sm_err *err)
{
	struct act_ctx a = {app, act, NULL, NULL, SM_STATE_NONE};
	char *result = NULL;
	sm_status st;

	if (new_state)
		*new_state = SM_STATE_NONE;
	/* the account itself is checked inside the write, with its first read
	 * (user_still: one round trip less on a cluster) */
	if (logged_in(app, err) != SM_OK)
		return SM_E_DENIED;
	if (act->action == SM_ACTION_NONE || act->action >= SM_ACTION_COUNT)
		return sm_err_add(err, SM_E_INVALID, "action", _("an action is required"));
	/* The action's values: its form when it has one. */
	const char *form_id = sm_action_form(act->action);
	if (form_id) {
		if ((st = action_values(app, act->action, act->values, act->reason, &a.values,
		    err)) != SM_OK)
			return act_refused(app, act, st, err);
		a.reason = jstr(a.values, "reason");
	} else if (act->values && json_object_size(act->values) > 0) {
		return sm_err_add(err, SM_E_INVALID, NULL,
		    _("'%s' takes no values"), sm_action_label(act->action));
	} else if (act->reason) {
		a.reason = act->reason;
	}
	if (a.reason && (!sm_text_valid_utf8(a.reason, (size_t)-1) ||
	    !sm_text_is_clean(a.reason, true) || strlen(a.reason) > 4000)) {
		json_decref(a.values);
		return sm_err_add(err, SM_E_INVALID, "reason",
		    _("must be at most 4000 bytes of text without control characters"));
	}
	/* the request id is bound to this case, action, user and values (the
	 * reason of an action without a form among them) */
	json_t *asked = a.values ? json_incref(a.values) : json_object();
	if (asked != NULL && a.values == NULL && a.reason != NULL)
		json_object_set_new(asked, "reason", json_string(a.reason));
	if (asked == NULL) {
		json_decref(a.values);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	sm_store_actor actor = {app->user.login, user_still_fn, app, act->case_id};
	st = write_request_as(app, &actor, act->request_id, "case act", act->case_id,
	    sm_action_name(act->action), asked, act_tx, &a, &result, err);
	json_decref(asked);
	const char *unsure = st == SM_E_STORE ? sm_store_unsure_request(app->store) : NULL;
	if (unsure != NULL) /* a transition is sent again under its request id */
		sm_err_add(err, SM_E_STORE, NULL,
		    _("to make sure, make the same transition again under request id %s: it is made at most once"),
		    unsure);
	if (st == SM_OK && new_state)
		*new_state = sm_state_parse(result);
	free(result);
	json_decref(a.values);
	return st;
}

sm_status
sm_case_act_tx(sm_app *app, sm_tx *tx, const sm_act *act, sm_err *err)
{
	struct act_ctx a = {app, act, NULL, act->reason, SM_STATE_NONE};
	sm_status st = need_user(app, err);
	if (st != SM_OK)
		return st;
	if (act->action == SM_ACTION_NONE || act->action >= SM_ACTION_COUNT)
		return sm_err_add(err, SM_E_INVALID, "action", _("an action is required"));
	if (sm_action_form(act->action) != NULL || (act->values && json_object_size(act->values) > 0))
		return sm_err_add(err, SM_E_INVALID, NULL,
		    _("'%s' takes no values"), sm_action_label(act->action));
	if (a.reason && (!sm_text_valid_utf8(a.reason, (size_t)-1) ||
	    !sm_text_is_clean(a.reason, true) || strlen(a.reason) > 4000))
		return sm_err_add(err, SM_E_INVALID, "reason",
		    _("must be at most 4000 bytes of text without control characters"));
	return act_tx(tx, &a, err);
}

/* ---- notes and prints */

struct note_ctx {
	sm_app *app;
	int64_t case_id;
	const char *text;
	const char *what; /* print: letter or form */
};

static sm_status
note_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct note_ctx *n = ud;
	sm_note note = {.object = "case", .object_id = n->case_id,
	    .author = n->app->user.login, .text = (char *)n->text};
	int64_t id = 0;
	sm_status st = sm_tx_note_insert(tx, &note, &id, err);
	if (st != SM_OK)
		return st;
	return audit(tx, n->app, "case", n->case_id, NULL, "note", NULL, NULL, n->text, NULL, err);
}

sm_status
sm_case_note(sm_app *app, int64_t case_id, const char *text, sm_err *err)
{
	sm_case c = {0};
	sm_status st;
	if (require_role(app, SM_BIT(SM_ROLE_SERVICE), err) != SM_OK)
		return SM_E_DENIED;
	if (text == NULL || *text == '\0')
		return sm_err_add(err, SM_E_INVALID, "text", _("is required"));
	if (!sm_text_valid_utf8(text, (size_t)-1) || !sm_text_is_clean(text, true))
		return sm_err_add(err, SM_E_INVALID, "text",
		    _("contains control characters or invalid UTF-8"));
	if (strlen(text) > 4000)
		return sm_err_add(err, SM_E_INVALID, "text", _("is too long"));
	if ((st = sm_case_read(app, case_id, &c, err)) != SM_OK)
		return st;
	sm_case_clear(&c);
	struct note_ctx n = {app, case_id, text, NULL};
	return write_request(app, NULL, "case note", case_id, text, NULL, note_tx, &n, NULL, err);
}

/* Who may print a case's letter and form (domain.md §4 "print"): the one
 * table.  The unit, for its own website cases from paper_pending on; an
 * office, for the website cases of its own units while they wait in its
 * paper queue (paper_pending).  Whose case it is: sm_case_may_see. */
static const struct {
	sm_role role;
	unsigned states;
} print_rules[] = {
	{SM_ROLE_UNIT, SM_BIT(SM_STATE_PAPER_PENDING) | SM_BIT(SM_STATE_MARK_ISSUED) |
	    SM_BIT(SM_STATE_MARK_HUNG)},
	{SM_ROLE_OFFICE, SM_BIT(SM_STATE_PAPER_PENDING)},
};

sm_status
sm_print_check(const sm_app *app, const sm_case *c, sm_err *err)
{
	for (size_t i = 0; i < sizeof(print_rules) / sizeof(print_rules[0]); i++) {
		if (print_rules[i].role != app->user.role)
			continue;
		if (sm_case_may_see(app, c, err) != SM_OK)
			return SM_E_DENIED;
		if (c->kind != SM_KIND_SITE || !(print_rules[i].states & SM_BIT(c->state)))
			return sm_err_add(err, SM_E_STATE, NULL, app->user.role == SM_ROLE_UNIT ?
			    _("the letter and form are printed for website cases from paper pending on") :
			    _("an office prints the letter and form of the website cases in its paper queue (paper pending)"));
		return SM_OK;
	}
	return sm_err_add(err, SM_E_DENIED, NULL,
	    _("only the unit and its establishment office print the letter and form; your role is %s"),
	    sm_role_label(app->user.role));
}

bool
sm_case_may_print(const sm_app *app, const sm_case *c)
{
	return c != NULL && sm_print_check(app, c, NULL) == SM_OK;
}

struct print_ctx {
	sm_app *app;
	int64_t case_id;
	const char *what;
	json_t *values;
};

static sm_status
print_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct print_ctx *n = ud;
	return audit(tx, n->app, "case", n->case_id, n->what, "print", NULL, NULL, NULL,
	    n->values, err);
}

sm_status
sm_case_print_audit(sm_app *app, int64_t case_id, const sm_print_note *p, sm_err *err)
{
	sm_case c = {0};
	sm_status st;
	if (app->user.login == NULL)
		return sm_err_add(err, SM_E_DENIED, NULL, _("no user is logged in"));
	if (p == NULL || p->what == NULL ||
	    (strcmp(p->what, "letter") != 0 && strcmp(p->what, "form") != 0))
		return sm_err_add(err, SM_E_INVALID, "what", _("print the letter or the form"));
	if (p->copies < 1 || p->copies > SM_PRINT_MAX_COPIES)
		return sm_err_add(err, SM_E_INVALID, "copies",
		    _("the number of copies is from 1 to %d"), SM_PRINT_MAX_COPIES);
	if ((st = sm_case_read(app, case_id, &c, err)) != SM_OK)
		return st;
	st = sm_print_check(app, &c, err);
	sm_case_clear(&c);
	if (st != SM_OK)
		return st;
	/* who (the record's actor), what, how many, and where it went: a file
	 * or printer name as the record can hold it (a name that is not UTF-8,
	 * a GBK one, with its bytes as \xNN) */
	char *file = p->file ? sm_text_neutralise(p->file, (size_t)-1, false) : NULL;
	char *printer = p->printer ? sm_text_neutralise(p->printer, (size_t)-1, false) : NULL;
	json_t *v = json_pack("{s:s, s:i}", "document", p->what, "copies", p->copies);
	if (v == NULL || (p->format && json_object_set_new(v, "format", json_string(p->format))) ||
	    (p->file && (file == NULL || json_object_set_new(v, "file", json_string(file)))) ||
	    (p->printer && (printer == NULL ||
	    json_object_set_new(v, "printer", json_string(printer))))) {
		json_decref(v);
		free(file);
		free(printer);
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	free(file);
	free(printer);
	struct print_ctx n = {app, case_id, p->what, v};
	st = write_request(app, NULL, "case printed", case_id, p->what, v, print_tx, &n, NULL, err);
	json_decref(v);
	return st;
}

sm_status
sm_case_printed(sm_app *app, int64_t case_id, const char *what, sm_err *err)
{
	sm_print_note p = {.what = what, .copies = 1};
	return sm_case_print_audit(app, case_id, &p, err);
}

/* ---- unmasking (domain.md §3) */

bool
sm_may_unmask(sm_role role)
{
	return role < SM_ROLE_COUNT && (SM_BIT(role) & (CONAC | SM_BIT(SM_ROLE_SERVICE))) != 0;
}

struct unmask_ctx {
	sm_app *app;
	int64_t case_id;
	const char *path, *reason;
	char *value;
};

/* The masked field PATH of FORM, or NULL. */
static const sm_field *
masked_field(const sm_app *app, const char *form_id, const char *path)
{
	const sm_form *form = sm_forms_get(app->forms, form_id);
	const sm_field *f = form ? sm_form_field(form, path) : NULL;
	return f && f->mask && f->n_fields == 0 ? f : NULL;
}

/* The text at dotted PATH of VALUES (a string, or a list's strings joined
 * by ", "); NULL when there is none. */
static char *
value_at(const json_t *values, const char *path)
{
	char key[128];
	const json_t *v = values;
	const char *p = path;
	while (v && *p) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		v = json_is_object(v) ? json_object_get(v, key) : NULL;
		p += n + (p[n] == '.');
	}
	if (json_is_string(v))
		return *json_string_value(v) ? strdup(json_string_value(v)) : NULL;
	if (json_is_array(v) && json_array_size(v) > 0) {
		size_t i, len = 1;
		json_t *e;
		char *out;
		json_array_foreach(v, i, e)
			len += (json_is_string(e) ? strlen(json_string_value(e)) : 0) + 2;
		if ((out = calloc(1, len)) == NULL)
			return NULL;
		json_array_foreach(v, i, e)
			if (json_is_string(e)) {
				if (*out)
					strcat(out, ", ");
				strcat(out, json_string_value(e));
			}
		return out;
	}
	return NULL;
}

static void
masked_paths(const sm_form *form, const sm_field *fields, size_t n, const char *prefix,
             sm_unmask_field *out, size_t max, size_t *k)
{
	for (size_t i = 0; i < n; i++) {
		char path[64];
		if (snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
		    fields[i].id) >= (int)sizeof(path))
			continue;
		if (fields[i].n_fields > 0) {
			masked_paths(form, fields[i].fields, fields[i].n_fields, path, out, max, k);
		} else if (fields[i].mask && *k < max) {
			char buf[160];
			const char *label = sm_form_field_label(form, path, buf, sizeof(buf));
			snprintf(out[*k].path, sizeof(out[*k].path), "%s", path);
			snprintf(out[*k].label, sizeof(out[*k].label), "%s", label ? label : path);
			(*k)++;
		}
	}
}

size_t
sm_unmask_fields(const sm_app *app, sm_kind kind, sm_unmask_field *out, size_t max)
{
	const char *ids[] = {sm_kind_name(kind), "unit"};
	size_t k = 0;
	for (size_t i = 0; i < 2; i++) {
		const sm_form *f = ids[i] ? sm_forms_get(app->forms, ids[i]) : NULL;
		if (f)
			masked_paths(f, f->fields, f->n_fields, "", out, max, &k);
	}
	return k;
}

static sm_status
unknown_field(const sm_app *app, const sm_case *c, const char *path, sm_err *err)
{
	sm_unmask_field f[16];
	size_t n = sm_unmask_fields(app, c->kind, f, 16);
	char list[512] = "";
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list), add = strlen(f[i].path) + (i ? 2 : 0);
		if (len + add >= sizeof(list))
			break;
		if (i)
			strcat(list, ", ");
		strcat(list, f[i].path);
	}
	return sm_err_add(err, SM_E_INVALID, "field",
	    _("case %lld has no field %s (its masked fields: %s)"), (long long)c->id, path, list);
}

static sm_status
unmask_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct unmask_ctx *m = ud;
	sm_case c = {0};
	sm_unit u = {0};
	sm_status st;
	free(m->value);
	m->value = NULL;
	if ((st = load_case(NULL, tx, m->case_id, &c, err)) != SM_OK)
		return st;
	if ((st = sm_case_may_see(m->app, &c, err)) != SM_OK)
		goto out;
	if (masked_field(m->app, sm_kind_name(c.kind), m->path)) {
		m->value = value_at(c.values, m->path);
	} else if (masked_field(m->app, "unit", m->path)) {
		if ((st = sm_tx_unit_get(tx, c.unit, &u, err)) != SM_OK)
			goto out;
		m->value = value_at(u.values, m->path);
	} else {
		const sm_form *cf = sm_forms_get(m->app->forms, sm_kind_name(c.kind));
		const sm_form *uf = sm_forms_get(m->app->forms, "unit");
		bool known = (cf && sm_form_field(cf, m->path)) || (uf && sm_form_field(uf, m->path));
		st = known ?
		    sm_err_add(err, SM_E_INVALID, "field",
		        _("%s is not masked: case show shows it in full"), m->path) :
		    unknown_field(m->app, &c, m->path, err);
		goto out;
	}
	if (m->value == NULL) {
		st = sm_err_add(err, SM_E_NOTFOUND, "field", _("case %lld has no value for %s"),
		    (long long)m->case_id, m->path);
		goto out;
	}
	st = audit(tx, m->app, "case", m->case_id, m->path, "unmask", NULL, NULL, m->reason, NULL,
	    err);
out:
	if (st != SM_OK) {
		free(m->value);
		m->value = NULL;
	}
	sm_unit_clear(&u);
	sm_case_clear(&c);
	return st;
}

sm_status
sm_unmask(sm_app *app, int64_t case_id, const char *field_path, const char *reason,
          char **value, sm_err *err)
{
	sm_case c = {0};
	sm_status st;
	*value = NULL;
	st = need_user(app, err);
	if (st != SM_OK)
		return st;
	if (app->user.role == SM_ROLE_UNIT || app->user.role == SM_ROLE_OFFICE) {
		/* They see their own cases in full, and no other. */
		if ((st = sm_case_read(app, case_id, &c, err)) != SM_OK)
			return st;
		sm_case_clear(&c);
		return sm_err_add(err, SM_E_INVALID, NULL,
		    _("you see case %lld's ID numbers and mobiles in full: nothing to unmask"),
		    (long long)case_id);
	}
	if (!sm_may_unmask(app->user.role))
		return sm_err_add(err, SM_E_DENIED, NULL,
		    _("your role (%s) may not unmask values"), sm_role_label(app->user.role));
	if (field_path == NULL || *field_path == '\0')
		return sm_err_add(err, SM_E_INVALID, "field", _("is required"));
	if (reason == NULL || reason[strspn(reason, " \t\r\n")] == '\0')
		return sm_err_add(err, SM_E_INVALID, "reason",
		    _("is required: say why you need the full value"));
	if (!sm_text_valid_utf8(reason, (size_t)-1) || !sm_text_is_clean(reason, true) ||
	    strlen(reason) > 4000)
		return sm_err_add(err, SM_E_INVALID, "reason",
		    _("must be at most 4000 bytes of text without control characters"));
	struct unmask_ctx m = {app, case_id, field_path, reason, NULL};
	if ((st = write_request(app, NULL, "unmask", case_id, field_path, NULL, unmask_tx, &m, NULL,
	    err)) != SM_OK) {
		free(m.value);
		return st;
	}
	*value = m.value;
	return SM_OK;
}

/* ------------------------------------------------------------ the three administrators */

enum admin_change {
	CH_EDIT, CH_DISABLE, CH_ENABLE, CH_ROLE, CH_LOCK, CH_UNLOCK
};

struct admin_ctx {
	sm_app *app;
	enum admin_change what;
	const char *login;
	const char *name, *mobile, *email;  /* CH_EDIT: NULL keeps, "" clears */
	sm_role role;                       /* CH_ROLE */
	const char *office;
};

static const char *
keep_or(const char *given, const char *old)
{
	if (given == NULL)
		return old;
	return *given ? given : NULL;
}

static sm_status
admin_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct admin_ctx *c = ud;
	sm_user old = {0};
	sm_status st = sm_tx_user_get(tx, c->login, &old, err);
	const char *action = NULL, *from = NULL, *to = NULL;
	json_t *v = NULL;
	if (st == SM_E_NOTFOUND)
		return sm_err_add(err, SM_E_NOTFOUND, "login", _("there is no account '%s'"), c->login);
	if (st != SM_OK)
		return st;
	switch (c->what) {
	case CH_EDIT: {
		sm_user u = {.login = old.login, .name = (char *)keep_or(c->name, old.name),
		    .mobile = (char *)keep_or(c->mobile, old.mobile),
		    .email = (char *)keep_or(c->email, old.email)};
		st = sm_tx_user_edit(tx, &u, err);
		action = "user-edit";
		v = json_pack("{s:s?, s:s?, s:s?}", "name", u.name, "mobile", u.mobile, "email",
		    u.email);
		break;
	}
	case CH_DISABLE:
	case CH_ENABLE:
		if (old.disabled == (c->what == CH_DISABLE)) {
			st = sm_err_add(err, SM_E_STATE, "login", c->what == CH_DISABLE ?
			    _("the account '%s' is already disabled") : _("the account '%s' is not disabled"),
			    c->login);
			break;
		}
		if (c->what == CH_DISABLE && (old.role == SM_ROLE_SYSADMIN ||
		    old.role == SM_ROLE_SECADMIN || old.role == SM_ROLE_AUDITOR)) {
			/* the three keep one of each: no administrator disables away
			 * the one who watches or checks them */
			int64_t left = 0;
			if ((st = sm_tx_user_count_active(tx, old.role, &left, err)) != SM_OK)
				break;
			if (left <= 1) {
				st = sm_err_add(err, SM_E_STATE, "login",
				    _("%s is the last %s: another account must hold the role first"),
				    c->login, sm_role_label(old.role));
				break;
			}
		}
		st = sm_tx_user_set_disabled(tx, c->login, c->what == CH_DISABLE, err);
		action = c->what == CH_DISABLE ? "user-disable" : "user-enable";
		break;
	case CH_LOCK:
	case CH_UNLOCK:
		if (old.locked == (c->what == CH_LOCK)) {
			st = sm_err_add(err, SM_E_STATE, "login", c->what == CH_LOCK ?
			    _("the account '%s' is already locked") : _("the account '%s' is not locked"),
			    c->login);
			break;
		}
		st = sm_tx_user_set_locked(tx, c->login, c->what == CH_LOCK, err);
		if (st == SM_OK && c->what == CH_UNLOCK) /* the wrong codes start again */
			st = sm_tx_user_totp_failures(tx, c->login, 0, err);
		action = c->what == CH_LOCK ? "user-lock" : "user-unlock";
		break;
	case CH_ROLE: {
		/* what the account was created for fills in the office and unit */
		const char *office = c->office;
		if (office == NULL && c->role == SM_ROLE_OFFICE && old.asked_role == SM_ROLE_OFFICE)
			office = old.asked_office;
		if (c->role == SM_ROLE_OFFICE && office == NULL) {
			st = sm_err_add(err, SM_E_INVALID, "office",
			    _("an office reviewer needs --office CODE"));
			break;
		}
		if (old.role == SM_ROLE_SECADMIN) {
			st = sm_err_add(err, SM_E_DENIED, "login",
			    _("the security administrator does not change another security administrator's role"));
			break;
		}
		if ((old.role == SM_ROLE_SYSADMIN || old.role == SM_ROLE_AUDITOR) &&
		    c->role != old.role && !old.disabled) {
			/* the system keeps someone to run it and someone to audit it */
			int64_t left = 0;
			if ((st = sm_tx_user_count_active(tx, old.role, &left, err)) != SM_OK)
				break;
			if (left <= 1) {
				st = sm_err_add(err, SM_E_STATE, "login",
				    _("%s is the last %s: grant the role to another account first"),
				    c->login, sm_role_label(old.role));
				break;
			}
		}
		if (office) {
			sm_office o = {0};
			st = sm_tx_office_get(tx, office, &o, err);
			bool disabled = o.disabled;
			sm_office_clear(&o);
			if (st == SM_E_NOTFOUND) {
				st = sm_err_add(err, SM_E_NOTFOUND, "office",
				    _("no office %s: add it first with 'sitemark office add'"), office);
				break;
			}
			if (st == SM_OK && disabled)
				st = sm_err_add(err, SM_E_STATE, "office",
				    _("the office %s is disabled: enable it first"), office);
			if (st != SM_OK)
				break;
		}
		/* a unit operator keeps their unit while they stay one; an account
		 * made for a unit's operator gets that unit */
		int64_t unit = 0;
		if (c->role == SM_ROLE_UNIT)
			unit = old.role == SM_ROLE_UNIT ? old.unit :
			    old.asked_role == SM_ROLE_UNIT ? old.asked_unit : 0;
		st = sm_tx_user_set_role(tx, c->login, c->role, office, unit, err);
		action = "user-role";
		from = old.role != SM_ROLE_NONE ? sm_role_name(old.role) : "-";
		to = c->role != SM_ROLE_NONE ? sm_role_name(c->role) : "-";
		if (office || unit > 0)
			v = json_pack("{s:s?, s:o}", "office", office,
			    "unit", unit > 0 ? json_integer(unit) : json_null());
		break;
	}
	}
	if (st == SM_OK)
		st = audit(tx, c->app, "user", 0, c->login, action, from, to, NULL, v, err);
	json_decref(v);
	sm_user_clear(&old);
	return st;
}

static sm_status
admin_change(sm_app *app, sm_admin_op op, struct admin_ctx *c, sm_err *err)
{
	if (require_admin(app, op, err) != SM_OK)
		return SM_E_DENIED;
	if (check_login(c->login, err) != SM_OK)
		return SM_E_INVALID;
	if (is(c->login, app->user.login))
		return sm_err_add(err, SM_E_DENIED, "login",
		    _("an administrator does not change their own account: ask another administrator"));
	c->app = app;
	return write_request(app, NULL, "admin", 0, c->login, NULL, admin_tx, c, NULL, err);
}

sm_status
sm_user_edit(sm_app *app, const char *login, const char *name, const char *mobile,
             const char *email, sm_err *err)
{
	const char *why;
	struct admin_ctx c = {.what = CH_EDIT, .login = login, .name = name, .mobile = mobile,
	    .email = email};
	if (require_admin(app, SM_ADMIN_USER_EDIT, err) != SM_OK)
		return SM_E_DENIED;
	if (name == NULL && mobile == NULL && email == NULL)
		return sm_err_add(err, SM_E_INVALID, NULL, _("nothing to change: give --name, --mobile or --email"));
	if (mobile && *mobile && (why = sm_check_mobile(mobile)) != NULL)
		return sm_err_add(err, SM_E_INVALID, "mobile", "%s", _(why));
	if (email && *email && (why = sm_check_email(email)) != NULL)
		return sm_err_add(err, SM_E_INVALID, "email", "%s", _(why));
	if (name && *name && check_text("name", name, 200, err) != SM_OK)
		return SM_E_INVALID;
	return admin_change(app, SM_ADMIN_USER_EDIT, &c, err);
}

sm_status
sm_user_enable(sm_app *app, const char *login, bool enable, sm_err *err)
{
	struct admin_ctx c = {.what = enable ? CH_ENABLE : CH_DISABLE, .login = login};
	return admin_change(app, SM_ADMIN_USER_DISABLE, &c, err);
}

sm_status
sm_user_lock(sm_app *app, const char *login, bool lock, sm_err *err)
{
	struct admin_ctx c = {.what = lock ? CH_LOCK : CH_UNLOCK, .login = login};
	return admin_change(app, SM_ADMIN_USER_LOCK, &c, err);
}

/* The roles a security administrator grants: every one but their own (and
 * the mark monitor's, which is no account's). */
static bool
grantable(sm_role r)
{
	return r != SM_ROLE_SECADMIN && r != SM_ROLE_MONITOR && r < SM_ROLE_COUNT;
}

size_t
sm_grantable_roles(const sm_app *app, sm_role *out, size_t max)
{
	size_t n = 0;
	if (!sm_admin_may(app->user.role, SM_ADMIN_USER_ROLE))
		return 0;
	for (int r = SM_ROLE_NONE + 1; r < SM_ROLE_COUNT && n < max; r++)
		if (grantable((sm_role)r))
			out[n++] = (sm_role)r;
	return n;
}

sm_status
sm_user_set_role(sm_app *app, const char *login, sm_role role, const char *office,
                 sm_err *err)
{
	struct admin_ctx c = {.what = CH_ROLE, .login = login, .role = role, .office = office};
	if (require_admin(app, SM_ADMIN_USER_ROLE, err) != SM_OK)
		return SM_E_DENIED;
	if (role == SM_ROLE_SECADMIN)
		return sm_err_add(err, SM_E_DENIED, "role",
		    _("no one grants their own role: the security administrator does not make another (三员分立)"));
	if (!grantable(role) && role != SM_ROLE_NONE)
		return sm_err_add(err, SM_E_INVALID, "role",
		    _("the mark monitor's account is not one that can be added by hand"));
	if (office != NULL && role != SM_ROLE_OFFICE) /* an office reviewer's is checked in the write */
		return sm_err_add(err, SM_E_INVALID, "office", _("only office reviewers have an office"));
	return admin_change(app, SM_ADMIN_USER_ROLE, &c, err);
}

struct policy_ctx {
	sm_app *app;
	sm_policy_key key;
	const char *value;  /* as kept */
};

static sm_status
policy_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct policy_ctx *c = ud;
	const char *name = sm_policy_name(c->key);
	sm_policy_row *rows = NULL;
	size_t n = 0;
	char before[160];
	sm_status st = sm_tx_policy_list(tx, &rows, &n, err);
	/* the value in force before: the one set, else the configuration's */
	sm_policy_value(c->app->cfg, c->key, before, sizeof(before));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].key, name) == 0)
			snprintf(before, sizeof(before), "%s", rows[i].value);
		sm_policy_row_clear(&rows[i]);
	}
	free(rows);
	if (st == SM_OK)
		st = sm_tx_policy_set(tx, name, c->value, c->app->user.login, err);
	if (st == SM_OK)
		st = audit(tx, c->app, "policy", 0, name, "policy-set", before, c->value, NULL, NULL,
		    err);
	return st;
}

sm_status
sm_policy_set(sm_app *app, const char *key, const char *value, sm_err *err)
{
	char *norm = NULL;
	if (require_admin(app, SM_ADMIN_POLICY, err) != SM_OK)
		return SM_E_DENIED;
	sm_policy_key k = sm_policy_parse_name(key);
	if (k == SM_POLICY_COUNT) {
		char names[256] = "";
		for (int i = 0; i < SM_POLICY_COUNT; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			    i ? ", " : "", sm_policy_name((sm_policy_key)i));
		char *sh = sm_text_excerpt(key ? key : "");
		sm_status st = sm_err_add(err, SM_E_INVALID, "key",
		    _("unknown policy key '%s' (one of: %s)"), sh ? sh : "", names);
		sm_text_excerpt_free(sh);
		return st;
	}
	sm_config after = *app->cfg;  /* shallow: only the policy's fields change */
	sm_status st = sm_policy_parse(k, value, &after, &norm, err);
	if (st != SM_OK)
		return st;
	if (after.auth_totp_required && (after.auth_totp_roles & SM_BIT(SM_ROLE_SECADMIN))) {
		/* no security administrator locks themselves out */
		char *secret = NULL;
		int64_t failures = 0;
		st = sm_store_user_totp_get(app->store, app->user.login, &secret, &failures, err);
		bool enrolled = st == SM_OK && secret != NULL;
		free(secret);
		if (st != SM_OK && st != SM_E_NOTFOUND) {
			free(norm);
			return st;
		}
		if (!enrolled) {
			free(norm);
			return sm_err_add(err, SM_E_STATE, "value",
			    _("you would have to sign in with a one-time code and are not enrolled: enrol yourself first (sitemark user totp %s)"),
			    app->user.login);
		}
	}
	struct policy_ctx c = {app, k, norm};
	st = write_request(app, NULL, "policy set", 0, sm_policy_name(k), NULL, policy_tx, &c, NULL,
	    err);
	if (st == SM_OK) /* this session too */
		(void)sm_policy_parse(k, norm, app->cfg, NULL, NULL);
	free(norm);
	return st;
}

struct office_edit_ctx {
	sm_app *app;
	const char *code, *name;
	int enable;  /* -1: rename; 0 disable; 1 enable */
};

static sm_status
office_edit_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct office_edit_ctx *c = ud;
	sm_office old = {0};
	sm_status st = sm_tx_office_get(tx, c->code, &old, err);
	json_t *v = NULL;
	const char *action;
	if (st == SM_E_NOTFOUND)
		return sm_err_add(err, SM_E_NOTFOUND, "code", _("there is no office %s"), c->code);
	if (st != SM_OK)
		return st;
	if (c->enable < 0) {
		st = sm_tx_office_edit(tx, c->code, c->name, err);
		v = json_pack("{s:s?, s:s}", "from", old.name, "name", c->name);
		action = "office-edit";
	} else if (old.disabled == !c->enable) {
		st = sm_err_add(err, SM_E_STATE, "code", c->enable ?
		    _("the office %s is not disabled") : _("the office %s is already disabled"), c->code);
		action = NULL;
	} else {
		st = sm_tx_office_set_disabled(tx, c->code, !c->enable, err);
		action = c->enable ? "office-enable" : "office-disable";
	}
	if (st == SM_OK)
		st = audit(tx, c->app, "office", 0, c->code, action, NULL, NULL, NULL, v, err);
	json_decref(v);
	sm_office_clear(&old);
	return st;
}

sm_status
sm_office_edit(sm_app *app, const char *code, const char *name, sm_err *err)
{
	if (require_admin(app, SM_ADMIN_OFFICE_EDIT, err) != SM_OK)
		return SM_E_DENIED;
	if (check_text("code", code, 6, err) != SM_OK || check_text("name", name, 200, err) != SM_OK)
		return SM_E_INVALID;
	struct office_edit_ctx c = {app, code, name, -1};
	return write_request(app, NULL, "office edit", 0, code, NULL, office_edit_tx, &c, NULL, err);
}

sm_status
sm_office_enable(sm_app *app, const char *code, bool enable, sm_err *err)
{
	if (require_admin(app, SM_ADMIN_OFFICE_EDIT, err) != SM_OK)
		return SM_E_DENIED;
	if (check_text("code", code, 6, err) != SM_OK)
		return SM_E_INVALID;
	struct office_edit_ctx c = {app, code, NULL, enable ? 1 : 0};
	return write_request(app, NULL, "office edit", 0, code, NULL, office_edit_tx, &c, NULL, err);
}

/* ---- notices queued outside a transition */

/* The scheduled notices of domain.md §7-8 (notify run): EVENT is reminder
 * (two working days before DUE) or overdue (DUE has passed); queued once
 * each under the key (case, event, deadline, channel). */
sm_status
sm_case_queue_scheduled(sm_tx *tx, const sm_app *app, int64_t case_id, const char *event,
                        const char *due, const char *code, int *queued, sm_err *err)
{
	(void)app;
	sm_case c = {0};
	sm_unit u = {0};
	char *text = NULL, *subject = NULL, *name = NULL;
	sm_status st = sm_tx_case_get(tx, case_id, &c, err);
	if (st != SM_OK)
		return st;
	if ((st = sm_tx_unit_get(tx, c.unit, &u, err)) != SM_OK)
		goto out;
	name = sm_text_neutralise(u.name ? u.name : "", (size_t)-1, false);
	const char *dom = c.domain_unicode ? c.domain_unicode : "";
	int r = strcmp(event, "overdue") == 0 ?
	    asprintf(&text, _("%s: the website mark of %s (case %lld) was to be hung by %s and is not yet. Put the mark code %s before </body> on every page, at the bottom centre, now; your establishment office follows this up."),
	        name ? name : "", dom, (long long)c.id, due, code ? code : "") :
	    asprintf(&text, _("%s: reminder: hang the website mark of %s (case %lld) by %s. Put the mark code %s before </body> on every page, at the bottom centre."),
	        name ? name : "", dom, (long long)c.id, due, code ? code : "");
	if (r < 0 || name == NULL) {
		text = NULL;
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	if (notice_subject(&subject, event, (long long)c.id) < 0) {
		subject = NULL;
		st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
		goto out;
	}
	static const char *const channels[] = {"sms", "email"};
	for (size_t i = 0; i < 2 && st == SM_OK; i++) {
		char *key = NULL;
		bool added = false;
		if (asprintf(&key, "%s:%lld:%s:%s", event, (long long)c.id, due, channels[i]) < 0) {
			st = sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
			break;
		}
		struct notice_extra x = {
			.name = i ? jpath(u.values, "contact", "name") : NULL, .key = key, .added = &added,
		};
		st = i ? notice_ex(tx, c.id, event, "email", jpath(u.values, "contact", "email"),
		        subject, text, &x, err) :
		    notice_ex(tx, c.id, event, "sms", jpath(u.values, "handler", "mobile"), NULL, text,
		        &x, err);
		if (added)
			(*queued)++;
		free(key);
	}
out:
	free(text);
	free(subject);
	free(name);
	sm_unit_clear(&u);
	sm_case_clear(&c);
	return st;
}

struct mail_ctx {
	sm_app *app;
	int64_t case_id;
	const char *subject, *body, *name; /* NAME: the attachment's, or NULL */
	const void *data;
	size_t len;
	const json_t *audited; /* what the audit record says of the attachment */
};

static sm_status
mail_tx(sm_tx *tx, void *ud, sm_err *err)
{
	struct mail_ctx *m = ud;
	sm_case c = {0};
	sm_unit u = {0};
	sm_status st = sm_tx_case_get(tx, m->case_id, &c, err);
	if (st == SM_OK)
		st = sm_tx_unit_get(tx, c.unit, &u, err);
	if (st == SM_OK) {
		struct notice_extra x = {.name = jpath(u.values, "contact", "name"),
		    .attachment = m->name, .data = m->data, .len = m->len};
		const char *to = jpath(u.values, "contact", "email");
		if (to == NULL || *to == '\0')
			st = sm_err_add(err, SM_E_INVALID, "contact.email",
			    _("the unit has no contact e-mail address"));
		else
			st = notice_ex(tx, c.id, "mail", "email", to, m->subject, m->body, &x, err);
	}
	if (st == SM_OK)
		st = audit(tx, m->app, "case", m->case_id, m->name, "mail-queued", NULL, NULL,
		    m->subject, m->audited, err);
	sm_unit_clear(&u);
	sm_case_clear(&c);
	return st;
}

size_t
sm_mail_attachment_max(const sm_app *app)
{
	return sm_store_attachment_max(app->store);
}

sm_status
sm_case_queue_mail(sm_app *app, int64_t case_id, const char *subject, const char *body,
                   const char *name, const void *data, size_t len, sm_err *err)
{
	sm_case c = {0};
	sm_status st;
	if (require_role(app, UNIT | OFFICE | CONAC | SM_BIT(SM_ROLE_SERVICE), err) != SM_OK)
		return SM_E_DENIED;
	if ((st = check_text("subject", subject, 200, err)) != SM_OK)
		return st;
	if (body == NULL || !sm_text_valid_utf8(body, (size_t)-1) || !sm_text_is_clean(body, true))
		return sm_err_add(err, SM_E_INVALID, "body",
		    _("contains control characters or invalid UTF-8"));
	if (name != NULL && (*name == '\0' || strlen(name) > 200 || strchr(name, '/') != NULL ||
	    !sm_text_valid_utf8(name, (size_t)-1) || !sm_text_is_clean(name, false)))
		return sm_err_add(err, SM_E_INVALID, "attachment",
		    _("the attachment's name must be a file name (no '/') without control characters"));
	if (name != NULL && data == NULL)
		return sm_err_add(err, SM_E_INVALID, "attachment", _("the attachment has no bytes"));
	size_t max = sm_mail_attachment_max(app);
	if (name != NULL && len > max)
		return sm_err_add(err, SM_E_INVALID, "attachment",
		    _("the attachment %s is %zu KB; this store keeps at most %zu KB with a notice"),
		    name, (len + 1023) / 1024, max / 1024);
	if ((st = sm_case_read(app, case_id, &c, err)) != SM_OK)
		return st;
	sm_case_clear(&c);
	/* the audit names the attachment and the digest of its bytes: what
	 * was sent can be told after the bytes are gone */
	char hash[SM_AUDIT_HASH_LEN + 1];
	json_t *audited = NULL;
	if (name != NULL) {
		sm_sha256_hex(data, len, hash);
		audited = json_pack("{s:s, s:I, s:s}", "attachment", name, "bytes", (json_int_t)len,
		    "sha256", hash);
		if (audited == NULL)
			return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	}
	struct mail_ctx m = {app, case_id, subject, body, name, name ? data : NULL, len, audited};
	st = write_request(app, NULL, "case mail", case_id, subject, NULL, mail_tx, &m, NULL, err);
	json_decref(audited);
	return st;
}
