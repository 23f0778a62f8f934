/* sm_policy.c - the security policy over the configuration's defaults. */
#include <config.h>

#include "sm_policy.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_config.h"
#include "sm_i18n.h"
#include "sm_store.h"
#include "sm_vocab.h"

static const struct {
	const char *name;
	const char *label;
} keys[SM_POLICY_COUNT] = {
	[SM_POLICY_MAX_FAILURES] = {"auth.max_failures", N_("Wrong one-time codes that lock an account")},
	[SM_POLICY_TOTP_ROLES] = {"auth.totp_roles", N_("Roles that sign in with a second factor")},
	[SM_POLICY_TOTP_REQUIRED] = {"auth.totp_required", N_("Those roles must enrol")},
	[SM_POLICY_IDLE_LOGOUT] = {"console.idle_logout", N_("Idle console logs out after (seconds, 0: never)")},
};

const char *
sm_policy_name(sm_policy_key k)
{
	return k < SM_POLICY_COUNT ? keys[k].name : NULL;
}

const char *
sm_policy_label(sm_policy_key k)
{
	return k < SM_POLICY_COUNT ? keys[k].label : NULL;
}

sm_policy_key
sm_policy_parse_name(const char *name)
{
	for (int k = 0; name && k < SM_POLICY_COUNT; k++)
		if (strcmp(keys[k].name, name) == 0)
			return (sm_policy_key)k;
	return SM_POLICY_COUNT;
}

/* The roles of MASK, by name, separated by commas, into BUF. */
static const char *
roles_text(unsigned mask, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int r = SM_ROLE_NONE + 1; r < SM_ROLE_COUNT; r++) {
		if (!(mask & (1u << r)))
			continue;
		int w = snprintf(buf + used, n - used, "%s%s", used ? "," : "", sm_role_name((sm_role)r));
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

const char *
sm_policy_value(const sm_config *cfg, sm_policy_key k, char *buf, size_t n)
{
	switch (k) {
	case SM_POLICY_MAX_FAILURES:
		snprintf(buf, n, "%d", cfg->auth_max_failures > 0 ? cfg->auth_max_failures : 5);
		return buf;
	case SM_POLICY_TOTP_ROLES:
		return roles_text(cfg->auth_totp_roles, buf, n);
	case SM_POLICY_TOTP_REQUIRED:
		snprintf(buf, n, "%s", cfg->auth_totp_required ? "true" : "false");
		return buf;
	case SM_POLICY_IDLE_LOGOUT:
		snprintf(buf, n, "%d", cfg->console_idle_logout_ms / 1000);
		return buf;
	default:
		buf[0] = '\0';
		return buf;
	}
}

static bool
number(const char *v, long lo, long hi, long *out)
{
	char *end = NULL;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || end == v || *end != '\0' || x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

sm_status
sm_policy_parse(sm_policy_key k, const char *value, sm_config *cfg, char **norm, sm_err *err)
{
	char buf[160];
	long x = 0;
	unsigned mask = 0;
	if (norm)
		*norm = NULL;
	if (value == NULL)
		value = "";
	switch (k) {
	case SM_POLICY_MAX_FAILURES:
		if (!number(value, 1, 100, &x))
			return sm_err_add(err, SM_E_INVALID, "value",
			    _("'%s' must be a number of wrong codes from 1 to 100"), keys[k].name);
		if (cfg)
			cfg->auth_max_failures = (int)x;
		snprintf(buf, sizeof(buf), "%ld", x);
		break;
	case SM_POLICY_IDLE_LOGOUT:
		if (!number(value, 0, 86400, &x))
			return sm_err_add(err, SM_E_INVALID, "value",
			    _("'%s' must be a number of seconds from 0 (never) to 86400"), keys[k].name);
		if (cfg)
			cfg->console_idle_logout_ms = (int)x * 1000;
		snprintf(buf, sizeof(buf), "%ld", x);
		break;
	case SM_POLICY_TOTP_REQUIRED:
		if (strcmp(value, "true") == 0) /* as in the configuration file */
			x = 1;
		else if (strcmp(value, "false") == 0)
			x = 0;
		else
			return sm_err_add(err, SM_E_INVALID, "value", _("'%s' must be true or false"),
			    keys[k].name);
		if (cfg)
			cfg->auth_totp_required = (int)x;
		snprintf(buf, sizeof(buf), "%s", x ? "true" : "false");
		break;
	case SM_POLICY_TOTP_ROLES: {
		/* role names separated by commas or spaces; none: no second factor */
		const char *p = value;
		while (*p) {
			size_t len = strcspn(p, ", ");
			if (len > 0) {
				char name[32];
				sm_role r = SM_ROLE_NONE;
				if (len < sizeof(name)) {
					memcpy(name, p, len);
					name[len] = '\0';
					r = sm_role_parse(name);
				}
				if (r == SM_ROLE_NONE || r == SM_ROLE_UNIT || r == SM_ROLE_MONITOR)
					return sm_err_add(err, SM_E_INVALID, "value",
					    _("'%s': '%.*s' is not a role that signs in with a second factor (sysadmin, secadmin, auditor, office, conac, service)"),
					    keys[k].name, (int)(len > 40 ? 40 : len), p);
				mask |= 1u << r;
			}
			p += len;
			p += strspn(p, ", ");
		}
		if (cfg)
			cfg->auth_totp_roles = mask;
		roles_text(mask, buf, sizeof(buf));
		break;
	}
	default:
		return sm_err_add(err, SM_E_INVALID, "key", _("unknown policy key"));
	}
	if (norm && (*norm = strdup(buf)) == NULL)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("out of memory"));
	return SM_OK;
}

sm_status
sm_policy_load(sm_app *app, sm_err *err)
{
	sm_policy_row *rows = NULL;
	size_t n = 0;
	sm_status st = sm_store_policy_list(app->store, &rows, &n, err);
	for (size_t i = 0; i < n; i++) {
		sm_policy_key k = sm_policy_parse_name(rows[i].key);
		/* what was checked when it was set; a key of a later version is
		 * left to that version */
		if (st == SM_OK && k < SM_POLICY_COUNT)
			(void)sm_policy_parse(k, rows[i].value, app->cfg, NULL, NULL);
		sm_policy_row_clear(&rows[i]);
	}
	free(rows);
	return st;
}
