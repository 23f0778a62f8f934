/* check_workflow.c - tests of sm_workflow through a whole sm_app on a real
 * SQLite file: both flows end to end, the role x action matrix, the rules of
 * domain.md §4, the demo, and a long random walk over the state machine. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sm_app.h"
#include "sm_calendar.h"
#include "sm_demo.h"
#include "sm_err.h"
#include "sm_mark.h"
#include "sm_monitor.h"
#include "sm_store.h"
#include "sm_validate.h"
#include "sm_view.h"
#include "sm_doc.h"
#include "sm_workflow.h"
#include "sm_policy.h"
#include "sm_yaml.h"
#include "testutil.h"

#define BASE_URL "https://bs.example.cn"
#define NOW "2026-02-13T10:00:00+08:00"

static sm_err *err;
static char *dir;
static char *db;
static sm_app *app;
static sqlite3 *raw;   /* our own connection to the same database */

/* Unit ids of the base world. */
static int64_t u_gov, u_gov2, u_lib, u_vol;

#define OK(x) TU_OK(err, x)

#define FAILS(want, x) do { \
	sm_err_clear(err); \
	sm_status st_ = (x); \
	ck_assert_msg(st_ == (want), "line %d: %s: status %d, want %d (%s)", __LINE__, #x, \
	    (int)st_, (int)(want), sm_err_msg(err, 0) ? sm_err_msg(err, 0) : "no message"); \
	ck_assert_msg(sm_err_count(err) >= 1, "line %d: no message", __LINE__); \
} while (0)

static bool
err_has(const char *needle)
{
	for (size_t i = 0; i < sm_err_count(err); i++)
		if (strstr(sm_err_msg(err, i), needle) != NULL)
			return true;
	return false;
}

/* The field of the first problem, or "". */
static const char *
field0(void)
{
	const char *f = sm_err_field(err, 0);
	return f ? f : "";
}

/* Move the session's clock to WHEN, and that of the sessions opened later. */
static void
at(const char *when)
{
	setenv("SITEMARK_NOW", when, 1);
	if (app)
		app->clock = sm_clock_session();
}

/* ------------------------------------------------------------ fixture */

static void
open_app(void)
{
	char *cfg = NULL;
	sm_app_opts o = {0};
	cfg = tu_write(dir, "sitemark.yaml", "mark:\n  base_url: " BASE_URL "\n");
	o.db_path = db;
	o.config_path = cfg;
	o.mode = SM_OPEN_CREATE;
	sm_err *warn = sm_err_new();
	OK(sm_app_open(&o, &app, warn, err));
	ck_assert_uint_eq(sm_err_count(warn), 0);
	sm_err_free(&warn);
	free(cfg);
	ck_assert_str_eq(app->cfg->mark_base_url, BASE_URL);
	ck_assert_int_eq(sqlite3_open_v2(db, &raw, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(raw, 10000);
}

static void
setup(void)
{
	tu_lang("en");
	if (getenv("SITEMARK_DATADIR") == NULL)
		setenv("SITEMARK_DATADIR", tu_srcdir(), 1);
	unsetenv("SITEMARK_CONFIG");
	unsetenv("SITEMARK_DB");
	setenv("SSH_CLIENT", "10.1.2.3 50000 22", 1);
	at(NOW);
	err = sm_err_new();
	ck_assert_ptr_nonnull(err);
	dir = tu_tmpdir();
	ck_assert(asprintf(&db, "%s/wf.db", dir) > 0);
	open_app();
	bool created = false;
	OK(sm_first_admin(app, "admin", &created, err));
	ck_assert(created);
	OK(sm_app_login(app, "admin", err));
	u_gov = u_gov2 = u_lib = u_vol = 0;
}

static void
teardown(void)
{
	if (raw)
		sqlite3_close(raw);
	raw = NULL;
	sm_app_close(&app);
	tu_rmrf(dir);
	free(dir);
	free(db);
	dir = db = NULL;
	sm_err_free(&err);
	at(NOW);
}

static int64_t
raw_int(const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	ck_assert_msg(sqlite3_prepare_v2(raw, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
	    sqlite3_errmsg(raw));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
raw_exec(const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(raw, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
}

/* Everything a write can change, as numbers. */
#define N_SNAP 14
struct snap {
	int64_t v[N_SNAP];
};

static const char snap_sql[] =
    "SELECT (SELECT count(*) FROM audit), (SELECT ifnull(max(seq), 0) FROM audit),"
    " (SELECT count(*) FROM outbox), (SELECT count(*) FROM marks),"
    " (SELECT count(*) FROM domains), (SELECT count(*) FROM cases),"
    " (SELECT ifnull(sum(version), 0) FROM cases), (SELECT count(*) FROM requests),"
    " (SELECT count(*) FROM notes), (SELECT ifnull(sum(mark_seq), 0) FROM units),"
    " (SELECT ifnull(sum(value), 0) FROM counters), (SELECT count(*) FROM users),"
    " (SELECT count(*) FROM units), (SELECT count(*) FROM offices)";

static sqlite3_stmt *snap_st;

static void
snap(struct snap *s)
{
	if (snap_st == NULL)
		ck_assert_int_eq(sqlite3_prepare_v2(raw, snap_sql, -1, &snap_st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(snap_st), SQLITE_ROW);
	for (int i = 0; i < N_SNAP; i++)
		s->v[i] = sqlite3_column_int64(snap_st, i);
	sqlite3_reset(snap_st);
}

static void
snap_done(void)
{
	sqlite3_finalize(snap_st);
	snap_st = NULL;
}

static bool
snap_eq(const struct snap *a, const struct snap *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

enum { S_AUDIT = 0, S_OUTBOX = 2, S_MARKS = 3, S_DOMAINS = 4, S_CASES = 5, S_VERSIONS = 6,
    S_NOTES = 8 };

static void
as(const char *login)
{
	OK(sm_app_login(app, login, err));
	ck_assert_str_eq(app->user.login, login);
}

static json_t *
values_file(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "tests/values/%s", name);
	json_t *v = sm_values_load_file(tu_src(rel), err);
	if (v == NULL)
		tu_dump_err(err);
	ck_assert_msg(v != NULL, "cannot load %s", rel);
	return v;
}

static json_t *
yaml(const char *text)
{
	json_t *v = sm_values_load_buffer(text, strlen(text), "test", err);
	if (v == NULL)
		tu_dump_err(err);
	ck_assert_ptr_nonnull(v);
	return v;
}

static int64_t
audit_count(void)
{
	int64_t broken = -1, count = -1;
	OK(sm_store_audit_verify(app->store, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	return count;
}

/* ------------------------------------------------------------ the world */

static void
add_user(const char *login, const char *role, const char *office)
{
	tu_staff(app, "admin", login, sm_role_parse(role), office, err);
}

static int64_t
register_unit(const char *file, const char *login, const char *name, const char *uscc,
              const char *email, const char *mobile)
{
	json_t *v = values_file(file);
	int64_t id = 0;
	if (name)
		json_object_set_new(v, "name", json_string(name));
	if (uscc)
		json_object_set_new(v, "uscc", json_string(uscc));
	if (email)
		json_object_set_new(json_object_get(v, "contact"), "email", json_string(email));
	if (mobile)
		json_object_set_new(json_object_get(v, "handler"), "mobile", json_string(mobile));
	OK(sm_unit_register(app, v, login, &id, err));
	json_decref(v);
	ck_assert_int_gt(id, 0);
	if (login)
		tu_grant(app, login, SM_ROLE_UNIT, "admin", err);
	return id;
}

/* Offices 350100, 350200, 000000; reviewers, CONAC, service, the other
 * administrators; four units of 福州 (office 350100): two organs, an
 * institution, a social organisation. */
static void
base_world(void)
{
	as("admin");
	OK(sm_office_add(app, "350100", "中共福州市委机构编制委员会办公室", err));
	OK(sm_office_add(app, "350200", "中共厦门市委机构编制委员会办公室", err));
	OK(sm_office_add(app, "000000", "中央编办电子政务中心", err));
	/* the three first (founding them is the system administrator's one
	 * grant); then the security administrator grants every other role */
	sm_user aud = {.login = "aud", .role = SM_ROLE_AUDITOR, .name = "aud"};
	sm_user sec = {.login = "sec", .role = SM_ROLE_SECADMIN, .name = "sec"};
	OK(sm_user_add(app, &aud, err));
	OK(sm_user_add(app, &sec, err));
	add_user("fz-review", "office", "350100");
	add_user("fz-review2", "office", "350100");
	add_user("xm-review", "office", "350200");
	add_user("conac-li", "conac", NULL);
	add_user("conac-wang", "conac", NULL);
	add_user("kf", "service", NULL);
	u_gov = register_unit("unit-organ-fj.yaml", "gov", NULL, NULL, NULL, NULL);
	u_gov2 = register_unit("unit-organ-fj.yaml", "gov2", "福州市人民政府研究室",
	    "113501000030120153", "yjs@fuzhou.gov.cn", "13805910102");
	u_lib = register_unit("unit-institution-fj.yaml", "lib", NULL, NULL, NULL, NULL);
	u_vol = register_unit("unit-social-fj.yaml", "vol", NULL, NULL, NULL, NULL);
}

static int64_t
new_case(const char *login, const char *kind, json_t *v)
{
	int64_t id = 0;
	as(login);
	OK(sm_case_new(app, sm_kind_parse(kind), v, &id, err));
	json_decref(v);
	ck_assert_int_gt(id, 0);
	return id;
}

static json_t *
std_values(const char *action)
{
	if (strcmp(action, "reject") == 0)
		return values_file("reject.yaml");
	if (strcmp(action, "reject-paper") == 0)
		return values_file("reject-paper.yaml");
	if (strcmp(action, "confirm-payment") == 0)
		return values_file("confirm-payment.yaml");
	if (strcmp(action, "confirm-paper") == 0)
		return values_file("confirm-paper.yaml");
	if (strcmp(action, "publish-redpage") == 0)
		return values_file("redpage.yaml");
	return NULL;
}

static sm_status
act_full(const char *login, int64_t id, const char *action, const json_t *v, const char *reason,
         int64_t expect, char **new_state)
{
	sm_act a = {.case_id = id, .action = sm_action_parse(action), .values = v, .reason = reason,
	    .expect_version = expect};
	sm_state ns = SM_STATE_NONE;
	as(login);
	sm_err_clear(err);
	sm_status st = sm_case_act(app, &a, &ns, err);
	if (new_state)
		*new_state = st == SM_OK ? strdup(sm_state_name(ns)) : NULL;
	return st;
}

/* LOGIN applies ACTION (with the standard values) to case ID, which must
 * end in state WANT. */
static void
act_ok(const char *login, int64_t id, const char *action, const char *want)
{
	json_t *v = std_values(action);
	char *ns = NULL;
	sm_status st = act_full(login, id, action, v, NULL, 0, &ns);
	if (st != SM_OK)
		tu_dump_err(err);
	ck_assert_msg(st == SM_OK, "%s %s case %lld: status %d", login, action, (long long)id,
	    (int)st);
	ck_assert_str_eq(ns, want);
	free(ns);
	json_decref(v);
}

/* The cases the acting user sees (WAITING: their queues), as the front
 * ends get them. */
static sm_status
query(bool waiting, sm_case **cs, size_t *n)
{
	sm_case_page p;
	sm_case_query q = {.waiting = waiting};
	sm_status st = sm_view_cases(app, &q, &p, err);
	*cs = p.cases;
	*n = p.n;
	p.cases = NULL;
	p.n = 0;
	sm_case_page_clear(&p);
	return st;
}

static sm_case
get_case(int64_t id)
{
	sm_case c = {0};
	OK(sm_store_case_get(app->store, id, &c, err));
	return c;
}

static char *
state_of(int64_t id)
{
	sm_case c = get_case(id);
	char *s = strdup(sm_state_name(c.state));
	sm_case_clear(&c);
	return s;
}

static int64_t
version_of(int64_t id)
{
	sm_case c = get_case(id);
	int64_t v = c.version;
	sm_case_clear(&c);
	return v;
}

static json_t *
domain_values(const char *name)
{
	return json_pack("{s:s, s:s}", "name", name, "usage", "门户网站的中文域名。");
}

/* A domain case of LOGIN's unit for NAME, all the way to registered. */
static int64_t
register_domain(const char *login, const char *name)
{
	int64_t id = new_case(login, "domain", domain_values(name));
	act_ok(login, id, "submit", "office_review");
	act_ok("fz-review", id, "approve", "conac_review");
	act_ok("conac-li", id, "approve", "awaiting_payment");
	act_ok("conac-wang", id, "confirm-payment", "registered");
	return id;
}

static json_t *
site_values(const char *domain)
{
	json_t *v = values_file("site-own.yaml");
	if (domain)
		json_object_set_new(v, "domain", json_string(domain));
	return v;
}

static json_t *
mark_values(const char *domain)
{
	json_t *v = values_file("mark-own.yaml");
	if (domain)
		json_object_set_new(v, "domain", json_string(domain));
	return v;
}

/* A case of KIND of LOGIN's unit (values V, taken) brought to state TARGET
 * the usual way. */
static int64_t
drive(const char *login, const char *kind, json_t *v, const char *target)
{
	int64_t id = new_case(login, kind, v);
	bool dom = strcmp(kind, "domain") == 0, site = strcmp(kind, "site") == 0;
	if (strcmp(target, "draft") == 0)
		return id;
	if (strcmp(target, "withdrawn") == 0) {
		act_ok(login, id, "withdraw", "withdrawn");
		return id;
	}
	act_ok(login, id, "submit", "office_review");
	if (strcmp(target, "office_review") == 0)
		return id;
	if (strcmp(target, "returned") == 0) {
		act_ok("fz-review", id, "reject", "returned");
		return id;
	}
	act_ok("fz-review", id, "approve", "conac_review");
	if (strcmp(target, "conac_review") == 0)
		return id;
	act_ok("conac-li", id, "approve", dom ? "awaiting_payment" : site ? "paper_pending" :
	    "mark_issued");
	if (strcmp(target, "awaiting_payment") == 0 || strcmp(target, "paper_pending") == 0)
		return id;
	if (dom) {
		act_ok("conac-wang", id, "confirm-payment", "registered");
		ck_assert_str_eq(target, "registered");
		return id;
	}
	if (site)
		act_ok("fz-review", id, "confirm-paper", "mark_issued");
	if (strcmp(target, "mark_issued") == 0)
		return id;
	act_ok("conac-li", id, "verify-hung", "mark_hung");
	ck_assert_str_eq(target, "mark_hung");
	return id;
}

/* Bring case ID (of LOGIN's unit) to a closed state, freeing its domain. */
static void
dispose(const char *login, int64_t id)
{
	for (int guard = 0; guard < 5; guard++) {
		char *s = state_of(id);
		if (strcmp(s, "draft") == 0 || strcmp(s, "returned") == 0 ||
		    strcmp(s, "office_review") == 0)
			act_ok(login, id, "withdraw", "withdrawn");
		else if (strcmp(s, "conac_review") == 0)
			act_ok("conac-wang", id, "reject", "returned");
		else if (strcmp(s, "awaiting_payment") == 0)
			act_ok("conac-wang", id, "confirm-payment", "registered");
		else if (strcmp(s, "paper_pending") == 0)
			act_ok("fz-review", id, "reject-paper", "returned");
		else if (strcmp(s, "mark_issued") == 0)
			act_ok("conac-wang", id, "verify-hung", "mark_hung");
		else {
			ck_assert(sm_state_closed(sm_state_parse(s)));
			free(s);
			return;
		}
		free(s);
	}
	ck_abort_msg("case %lld does not close", (long long)id);
}

/* "action from to actor" of each history row of case ID, joined by '|'. */
static char *
history(int64_t id)
{
	sm_event *ev = NULL;
	size_t n = 0;
	char *out = strdup("");
	OK(sm_store_case_history(app->store, id, &ev, &n, err));
	for (size_t i = 0; i < n; i++) {
		char *next = NULL;
		ck_assert(asprintf(&next, "%s%s%s %s %s %s", out, i ? "|" : "", ev[i].action,
		    ev[i].from_state ? ev[i].from_state : "-", ev[i].to_state ? ev[i].to_state : "-",
		    ev[i].actor) > 0);
		free(out);
		out = next;
		ck_assert_str_eq(ev[i].object, "case");
		ck_assert_int_eq(ev[i].object_id, id);
		ck_assert_ptr_nonnull(ev[i].ssh_client);
		ck_assert_str_eq(ev[i].ssh_client, "10.1.2.3 50000 22");
		ck_assert_ptr_nonnull(ev[i].request_id);
	}
	sm_events_free(&ev, n);
	return out;
}

#define HISTORY_IS(id, want) do { \
	char *h_ = history(id); \
	ck_assert_str_eq(h_, want); \
	free(h_); \
} while (0)

/* "event channel recipient" of each outbox row of case ID, joined by '|'. */
static char *
outbox(int64_t id)
{
	sm_notice *ns = NULL;
	size_t n = 0;
	char *out = strdup("");
	OK(sm_store_notices(app->store, id, &ns, &n, err));
	for (size_t i = 0; i < n; i++) {
		char *next = NULL;
		ck_assert(asprintf(&next, "%s%s%s %s %s", out, i ? "|" : "", ns[i].event,
		    ns[i].channel, ns[i].recipient) > 0);
		free(out);
		out = next;
		ck_assert_str_eq(ns[i].status, "pending");
		ck_assert_int_eq(ns[i].case_id, id);
		ck_assert_ptr_nonnull(strchr(ns[i].msg_id, ':'));
		sm_notice_clear(&ns[i]);
	}
	free(ns);
	return out;
}

#define OUTBOX_IS(id, want) do { \
	char *o_ = outbox(id); \
	ck_assert_str_eq(o_, want); \
	free(o_); \
} while (0)

static sm_notice *
notice_at(int64_t id, size_t i, size_t *n)
{
	sm_notice *ns = NULL;
	OK(sm_store_notices(app->store, id, &ns, n, err));
	ck_assert_uint_gt(*n, i);
	return ns;
}

static void
notices_free(sm_notice *ns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sm_notice_clear(&ns[i]);
	free(ns);
}

static void
check_due(int64_t id, const char *due, const char *kind, bool uncertain)
{
	sm_case c = get_case(id);
	if (due == NULL) {
		ck_assert_msg(c.due == NULL, "case %lld is due %s", (long long)id, c.due);
		ck_assert_ptr_null(c.due_kind);
	} else {
		ck_assert_ptr_nonnull(c.due);
		ck_assert_str_eq(c.due, due);
		ck_assert_str_eq(c.due_kind, kind);
	}
	ck_assert_int_eq(c.due_uncertain, uncertain);
	sm_case_clear(&c);
}

static char *
expected_code(int64_t unit, int seq)
{
	char code[SM_MARK_CODE_LEN + 1];
	char *s = NULL;
	/* division 350100: 35 001 0000 */
	snprintf(code, sizeof(code), "CA350010000%08lld%04d", (long long)unit, seq);
	s = strdup(code);
	return s;
}

/* ------------------------------------------------------------ flows */

START_TEST(test_organ_flow)
{
	base_world();
	int64_t a0 = audit_count();

	/* 1. The .政务 domain. */
	int64_t d = new_case("gov", "domain", values_file("domain.yaml"));
	sm_case c = get_case(d);
	ck_assert_str_eq(sm_state_name(c.state), "draft");
	ck_assert_int_eq(c.version, 1);
	ck_assert_str_eq(sm_kind_name(c.kind), "domain");
	ck_assert_str_eq(c.office, "350100");
	ck_assert_str_eq(c.domain_unicode, "福州市人民政府.政务");
	ck_assert_str_eq(c.created_by, "gov");
	ck_assert_ptr_null(c.submitted_by);
	char *ace = NULL;
	ck_assert_ptr_null(sm_domain_normalise("福州市人民政府.政务", &ace, NULL));
	ck_assert_str_eq(c.domain, ace);
	ck_assert(strncmp(ace, "xn--", 4) == 0);
	sm_case_clear(&c);

	act_ok("gov", d, "submit", "office_review");
	c = get_case(d);
	ck_assert_int_eq(c.version, 2);
	ck_assert_str_eq(c.submitted_by, "gov");
	ck_assert_ptr_nonnull(c.hints);
	sm_case_clear(&c);
	/* deadline(2026-02-13, 5) = 2026-02-27 */
	check_due(d, "2026-02-27", "office_review", false);
	act_ok("fz-review", d, "approve", "conac_review");
	check_due(d, NULL, NULL, false);
	OUTBOX_IS(d, "");
	act_ok("conac-li", d, "approve", "awaiting_payment");
	OUTBOX_IS(d, "payment sms 13805910002|payment email webmaster@fuzhou.gov.cn");
	ck_assert_int_eq(raw_int("SELECT count(*) FROM domains"), 0);
	act_ok("conac-wang", d, "confirm-payment", "registered");
	ck_assert_int_eq(version_of(d), 5);
	HISTORY_IS(d, "create - draft gov|submit draft office_review gov|"
	    "approve office_review conac_review fz-review|"
	    "approve conac_review awaiting_payment conac-li|"
	    "confirm-payment awaiting_payment registered conac-wang");
	char **aces = NULL, **unis = NULL;
	size_t n = 0;
	OK(sm_store_unit_domains(app->store, u_gov, SM_TLD_ZHENGWU_ACE, &aces, &unis, &n, err));
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(aces[0], ace);
	ck_assert_str_eq(unis[0], "福州市人民政府.政务");
	free(aces[0]);
	free(unis[0]);
	free(aces);
	free(unis);
	/* The payment's values are in the audit record. */
	sm_event *ev = NULL;
	OK(sm_store_case_history(app->store, d, &ev, &n, err));
	ck_assert_uint_eq(n, 5);
	ck_assert_ptr_nonnull(strstr(ev[4].values, "CONAC-2026-000123"));
	ck_assert_ptr_nonnull(strstr(ev[4].values, "300.00"));
	ck_assert_str_eq(ev[4].role, "conac");
	ck_assert_str_eq(ev[1].role, "unit");
	ck_assert_str_eq(ev[2].role, "office");
	sm_events_free(&ev, n);

	/* 2. The website opening review. */
	int64_t s = new_case("gov", "site", values_file("site-own.yaml"));
	c = get_case(s);
	ck_assert_str_eq(c.domain, ace);
	sm_case_clear(&c);
	act_ok("gov", s, "submit", "office_review");
	check_due(s, "2026-02-27", "office_review", false);
	at("2026-02-24T09:00:00+08:00");
	act_ok("fz-review", s, "approve", "conac_review");
	check_due(s, NULL, NULL, false);
	at("2026-02-25T10:00:00+08:00");
	act_ok("conac-li", s, "approve", "paper_pending");
	/* 10 working days after 2026-02-25: 2/26 2/27 2/28(Sat, worked) 3/2 3/3
	 * 3/4 3/5 3/6 3/9 3/10 */
	check_due(s, "2026-03-10", "paper_review", false);
	OUTBOX_IS(s, "paper sms 13805910002");
	ck_assert_int_eq(sm_store_mark_get(app->store, s, &(sm_mark){0}, err), SM_E_NOTFOUND);
	/* The letter and form are printed: recorded, nothing else changes. */
	int64_t v = version_of(s);
	as("gov");
	OK(sm_case_printed(app, s, "letter", err));
	ck_assert_int_eq(version_of(s), v);
	/* The documents the core assembles: the form in triplicate, marked. */
	sm_doc doc;
	OK(sm_doc_build(app, s, SM_DOC_FORM, 3, &doc, err));
	ck_assert_int_eq(doc.copies, 3);
	ck_assert(doc.copy_labels != NULL && doc.copy_labels[2] != NULL);
	size_t fields = 0;
	for (size_t i = 0; i < doc.n_blocks; i++)
		fields += doc.blocks[i].type == SM_BLOCK_FIELD;
	ck_assert_uint_gt(fields, 20);
	sm_doc_clear(&doc);
	OK(sm_doc_build(app, s, SM_DOC_LETTER, 2, &doc, err));
	ck_assert(doc.copy_labels == NULL); /* a letter's copies are the same */
	ck_assert_int_eq(doc.blocks[0].type, SM_BLOCK_TITLE);
	sm_doc_clear(&doc);
	FAILS(SM_E_INVALID, sm_doc_build(app, s, SM_DOC_FORM, 11, &doc, err));
	as("conac-li");
	FAILS(SM_E_DENIED, sm_doc_build(app, s, SM_DOC_LETTER, 1, &doc, err));
	ck_assert_int_eq(version_of(s), v);
	as("gov");

	at("2026-03-03T15:00:00+08:00");
	act_ok("fz-review", s, "confirm-paper", "mark_issued");
	/* 5 working days after 2026-03-03: 3/4 3/5 3/6 3/9 3/10 */
	check_due(s, "2026-03-10", "hanging", false);
	sm_mark m = {0};
	OK(sm_store_mark_get(app->store, s, &m, err));
	char *code = expected_code(u_gov, 1);
	ck_assert_str_eq(m.code, code);
	ck_assert(sm_mark_code_valid(m.code));
	ck_assert_int_eq(m.case_id, s);
	ck_assert_int_eq(m.unit, u_gov);
	ck_assert_str_eq(m.color, "red");
	ck_assert_str_eq(m.hang_due, "2026-03-10");
	ck_assert_str_eq(m.cert_no, "20263500000001");
	ck_assert_str_eq(m.issued_at, "2026-03-03T15:00:00+08:00");
	ck_assert_uint_eq(strlen(m.guid), 32);
	ck_assert_uint_eq(strspn(m.guid, "0123456789ABCDEF"), 32);
	char *snippet = sm_mark_snippet(BASE_URL, code);
	ck_assert_str_eq(m.snippet, snippet);
	ck_assert_str_eq(json_string_value(json_object_get(m.certificate, "unit_name")),
	    "福州市人民政府办公厅");
	ck_assert_str_eq(json_string_value(json_object_get(m.certificate, "cert_no")),
	    "20263500000001");
	ck_assert_str_eq(json_string_value(json_object_get(m.certificate, "site_name")),
	    "福州市人民政府门户网站");
	json_t *doms = json_object_get(m.certificate, "domains");
	ck_assert_uint_eq(json_array_size(doms), 3);
	ck_assert_str_eq(json_string_value(json_array_get(doms, 0)), "福州市人民政府.政务");
	ck_assert_str_eq(json_string_value(json_array_get(doms, 1)), "www.fuzhou.gov.cn");
	sm_mark_clear(&m);
	OUTBOX_IS(s, "paper sms 13805910002|mark_issued sms 13805910002|"
	    "mark_issued email webmaster@fuzhou.gov.cn");
	size_t nn = 0;
	sm_notice *ns = notice_at(s, 2, &nn);
	ck_assert_ptr_nonnull(strstr(ns[2].body, code));
	ck_assert_ptr_nonnull(strstr(ns[2].body, snippet));
	ck_assert_ptr_nonnull(strstr(ns[2].body, "2026-03-10"));
	ck_assert_ptr_nonnull(strstr(ns[1].body, code));
	ck_assert_ptr_nonnull(ns[2].subject);
	char subj[64];
	snprintf(subj, sizeof(subj), "sitemark: case %lld, your website mark", (long long)s);
	ck_assert_str_eq(ns[2].subject, subj);
	ck_assert_ptr_null(strchr(ns[2].subject, '\n'));
	/* Both notices of one transition share its request id. */
	ck_assert_int_eq(strchr(ns[1].msg_id, ':') - ns[1].msg_id,
	    strchr(ns[2].msg_id, ':') - ns[2].msg_id);
	ck_assert(strncmp(ns[1].msg_id, ns[2].msg_id, (size_t)(strchr(ns[1].msg_id, ':') -
	    ns[1].msg_id)) == 0);
	notices_free(ns, nn);
	free(snippet);

	at("2026-03-05T11:00:00+08:00");
	act_ok("conac-li", s, "verify-hung", "mark_hung");
	check_due(s, NULL, NULL, false);
	ck_assert_int_eq(version_of(s), 6);
	HISTORY_IS(s, "create - draft gov|submit draft office_review gov|"
	    "approve office_review conac_review fz-review|"
	    "approve conac_review paper_pending conac-li|print - - gov|"
	    "confirm-paper paper_pending mark_issued fz-review|"
	    "verify-hung mark_issued mark_hung conac-li");
	/* Audit: 5 + 7 records, chain intact, integrity ok. */
	ck_assert_int_eq(audit_count(), a0 + 12);
	OK(sm_store_integrity(app->store, err));

	/* A requalification later: a new site case for the same domain gets the
	 * unit's second mark. */
	int64_t s2 = drive("gov", "site", values_file("site-redpage.yaml"), "mark_issued");
	OK(sm_store_mark_get(app->store, s2, &m, err));
	char *code2 = expected_code(u_gov, 2);
	ck_assert_str_eq(m.code, code2);
	ck_assert_str_eq(m.cert_no, "20263500000002");
	sm_mark_clear(&m);
	ck_assert_int_eq(raw_int("SELECT count(DISTINCT code) FROM marks"), 2);
	ck_assert_int_eq(raw_int("SELECT count(DISTINCT guid) FROM marks"), 2);
	free(code);
	free(code2);
	free(ace);
}
END_TEST

START_TEST(test_institution_flow)
{
	base_world();
	at("2026-03-30T09:00:00+08:00");
	int64_t d = new_case("lib", "domain", values_file("domain-gongyi.yaml"));
	sm_case c = get_case(d);
	ck_assert_str_eq(c.domain_unicode, "福州市图书馆.公益");
	ck_assert(strstr(c.domain, ".xn--55qw42g") != NULL);
	sm_case_clear(&c);
	act_ok("lib", d, "submit", "office_review");
	act_ok("fz-review", d, "approve", "conac_review");
	act_ok("conac-wang", d, "approve", "awaiting_payment");
	OUTBOX_IS(d, "payment sms 13805910012|payment email office@fzlib.org.cn");
	act_ok("conac-li", d, "confirm-payment", "registered");

	at("2026-04-01T10:00:00+08:00");
	int64_t mk = new_case("lib", "mark", values_file("mark-own.yaml"));
	act_ok("lib", mk, "submit", "office_review");
	/* 4/2 4/3 (4/4-4/6 holidays) 4/7 4/8 4/9 */
	check_due(mk, "2026-04-09", "office_review", false);
	act_ok("fz-review2", mk, "approve", "conac_review");
	at("2026-04-03T16:00:00+08:00");
	act_ok("conac-li", mk, "approve", "mark_issued");
	/* 4/7 4/8 4/9 4/10 4/13 */
	check_due(mk, "2026-04-13", "hanging", false);
	sm_mark m = {0};
	OK(sm_store_mark_get(app->store, mk, &m, err));
	char *code = expected_code(u_lib, 1);
	ck_assert_str_eq(m.code, code);
	ck_assert_str_eq(m.color, "blue");
	ck_assert_str_eq(m.hang_due, "2026-04-13");
	ck_assert_str_eq(json_string_value(json_object_get(m.certificate, "unit_type")),
	    "institution");
	sm_mark_clear(&m);
	OUTBOX_IS(mk, "mark_issued sms 13805910012|mark_issued email office@fzlib.org.cn");
	size_t nn = 0;
	sm_notice *ns = notice_at(mk, 1, &nn);
	ck_assert_ptr_nonnull(strstr(ns[1].body, code));
	ck_assert_ptr_nonnull(strstr(ns[1].body, "福州市图书馆.公益"));
	notices_free(ns, nn);
	HISTORY_IS(mk, "create - draft lib|submit draft office_review lib|"
	    "approve office_review conac_review fz-review2|"
	    "approve conac_review mark_issued conac-li");
	/* The office verifies it hung. */
	act_ok("fz-review", mk, "verify-hung", "mark_hung");
	free(code);

	/* The red page of a social organisation, and a deadline past the
	 * calendar's last year: weekdays only, flagged uncertain. */
	at("2026-12-20T09:00:00+08:00");
	register_domain("vol", "福州市志愿者协会");
	at("2026-12-28T09:00:00+08:00");
	int64_t r = new_case("vol", "mark", values_file("mark-redpage.yaml"));
	act_ok("vol", r, "submit", "office_review");
	/* 12/29 12/30 12/31, then 2027 unknown: 1/1 (Fri) 1/4 */
	check_due(r, "2027-01-04", "office_review", true);
	act_ok("fz-review", r, "approve", "conac_review");
	act_ok("conac-li", r, "approve", "mark_issued");
	OK(sm_store_mark_get(app->store, r, &m, err));
	code = expected_code(u_vol, 1);
	ck_assert_str_eq(m.code, code);
	ck_assert_str_eq(m.color, "blue");
	sm_mark_clear(&m);
	free(code);
	ck_assert_int_eq(raw_int("SELECT count(DISTINCT code) FROM marks"), 2);
	/* The certificate serial runs over the whole registry. */
	ck_assert_int_eq(raw_int("SELECT count(DISTINCT cert_no) FROM marks"), 2);
	audit_count();
}
END_TEST

/* The red page (网络红页): only for hosting redpage, only the unit, its
 * values checked; published through the rules (audited, mark_hung); the
 * public site then carries it. */
START_TEST(test_redpage)
{
	base_world();
	setenv("XDG_DATA_HOME", dir, 1); /* the drafts */
	at("2026-04-01T09:00:00+08:00");
	register_domain("vol", "福州市志愿者协会");
	register_domain("lib", "福州市图书馆");
	int64_t r = drive("vol", "mark", values_file("mark-redpage.yaml"), "mark_issued");
	int64_t own = drive("lib", "mark", values_file("mark-own.yaml"), "mark_issued");
	sm_case c = get_case(r);
	ck_assert(sm_case_hosts_redpage(&c));
	as("vol");
	ck_assert(sm_case_action_allowed(app, &c, SM_ACTION_PUBLISH_REDPAGE));
	as("fz-review");
	ck_assert(!sm_case_action_allowed(app, &c, SM_ACTION_PUBLISH_REDPAGE));
	sm_case_clear(&c);
	c = get_case(own);
	as("lib");
	ck_assert(!sm_case_hosts_redpage(&c));
	ck_assert(!sm_case_action_allowed(app, &c, SM_ACTION_PUBLISH_REDPAGE));
	sm_case_clear(&c);
	json_t *v = values_file("redpage.yaml");
	struct snap a, b;
	snap(&a);
	/* an own website has no red page; no reviewer publishes one */
	FAILS(SM_E_STATE, act_full("lib", own, "publish-redpage", v, NULL, 0, NULL));
	ck_assert(err_has("own website"));
	FAILS(SM_E_DENIED, act_full("fz-review", r, "publish-redpage", v, NULL, 0, NULL));
	FAILS(SM_E_DENIED, act_full("conac-li", r, "publish-redpage", v, NULL, 0, NULL));
	/* bad values: refused field by field, nothing written */
	json_t *bad = json_deep_copy(v);
	json_object_set_new(bad, "postal_code", json_string("3500"));
	json_object_del(bad, "phone");
	FAILS(SM_E_INVALID, act_full("vol", r, "publish-redpage", bad, NULL, 0, NULL));
	ck_assert_uint_eq(sm_err_count(err), 2);
	as("vol");
	FAILS(SM_E_INVALID, sm_redpage_save(app, r, bad, err));
	ck_assert_str_eq(field0(), "postal_code");
	json_decref(bad);
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	ck_assert_int_eq(raw_int("SELECT count(*) FROM redpages"), 0);
	/* a draft, seen by the unit; published from it */
	sm_redpage_view rv;
	FAILS(SM_E_INVALID, sm_redpage_publish(app, r, NULL, 0, err)); /* no draft yet */
	OK(sm_redpage_save(app, r, v, err));
	OK(sm_view_redpage(app, r, &rv, err));
	ck_assert_ptr_nonnull(rv.draft);
	ck_assert_ptr_null(rv.published);
	ck_assert(rv.may_publish);
	ck_assert_str_eq(json_string_value(json_object_get(rv.certificate, "unit_name")),
	    "福州市志愿者协会");
	ck_assert_ptr_nonnull(strstr(rv.page_url, BASE_URL "/redpage/"));
	sm_redpage_view_clear(&rv);
	snap(&b);
	ck_assert(snap_eq(&a, &b)); /* a draft is not the database's */
	ck_assert_int_eq(raw_int("SELECT count(*) FROM redpages"), 0);
	at("2026-04-02T10:00:00+08:00");
	OK(sm_redpage_publish(app, r, NULL, 0, err));
	char *sn = state_of(r);
	ck_assert_str_eq(sn, "mark_hung");
	free(sn);
	HISTORY_IS(r, "create - draft vol|submit draft office_review vol|"
	    "approve office_review conac_review fz-review|"
	    "approve conac_review mark_issued conac-li|"
	    "publish-redpage mark_issued mark_hung vol");
	OK(sm_view_redpage(app, r, &rv, err));
	ck_assert_ptr_null(rv.draft);
	ck_assert(!rv.may_publish);
	ck_assert_str_eq(json_string_value(json_object_get(rv.published, "postal_code")), "350001");
	ck_assert_str_eq(rv.published_at, "2026-04-02T10:00:00+08:00");
	ck_assert_int_eq(rv.published_version, 1);
	sm_redpage_view_clear(&rv);
	ck_assert_int_eq(raw_int("SELECT json_extract(\"values\", '$.postal_code') FROM audit"
	    " WHERE action = 'publish-redpage'"), 350001);
	/* once hung, not again */
	FAILS(SM_E_STATE, act_full("vol", r, "publish-redpage", v, NULL, 0, NULL));
	json_decref(v);
	OK(sm_store_integrity(app->store, err));
	audit_count();

	/* the public site: the administrator's export carries it */
	char *out = NULL;
	ck_assert_int_ge(asprintf(&out, "%s/site", dir), 0);
	sm_site_stats st;
	as("vol");
	FAILS(SM_E_DENIED, sm_view_site_export(app, out, &st, err));
	as("admin");
	OK(sm_view_site_export(app, out, &st, err));
	ck_assert_int_eq(st.marks, 2);
	ck_assert_int_eq(st.redpages, 1);
	ck_assert_int_eq(st.invalid, 0);
	ck_assert_int_eq(st.files, st.written);
	OK(sm_view_site_export(app, out, &st, err));
	ck_assert_int_eq(st.written, 0);
	ck_assert_int_eq(st.unchanged, st.files);
	free(out);
}
END_TEST

START_TEST(test_returned_and_resubmitted)
{
	base_world();
	register_domain("gov", "福州市人民政府");
	int64_t s = drive("gov", "site", values_file("site-own.yaml"), "office_review");
	/* A rejection needs a reason: none, an empty one. */
	struct snap a, b;
	snap(&a);
	FAILS(SM_E_INVALID, act_full("fz-review", s, "reject", NULL, NULL, 0, NULL));
	ck_assert_str_eq(field0(), "reason");
	FAILS(SM_E_INVALID, act_full("fz-review", s, "reject", NULL, "", 0, NULL));
	json_t *bad = yaml("reason_code: nonsense\nreason: 理由充分\n");
	FAILS(SM_E_INVALID, act_full("fz-review", s, "reject", bad, NULL, 0, NULL));
	json_decref(bad);
	/* Actions without a form take no values. */
	json_t *extra = yaml("note: hello\n");
	FAILS(SM_E_INVALID, act_full("fz-review", s, "approve", extra, NULL, 0, NULL));
	json_decref(extra);
	FAILS(SM_E_INVALID, act_full("fz-review", s, "frobnicate", NULL, NULL, 0, NULL));
	snap(&b);
	ck_assert(snap_eq(&a, &b));

	/* --reason alone is enough (reason_code defaults to other). */
	char *ns = NULL;
	OK(act_full("fz-review", s, "reject", NULL, "网站名称不规范，请修改。", 0, &ns));
	ck_assert_str_eq(ns, "returned");
	free(ns);
	check_due(s, NULL, NULL, false);
	OUTBOX_IS(s, "returned sms 13805910002|returned email webmaster@fuzhou.gov.cn");
	size_t nn = 0;
	sm_notice *n = notice_at(s, 0, &nn);
	ck_assert_ptr_nonnull(strstr(n[0].body, "网站名称不规范，请修改。"));
	notices_free(n, nn);
	sm_event *ev = NULL;
	size_t ne = 0;
	OK(sm_store_case_history(app->store, s, &ev, &ne, err));
	ck_assert_str_eq(ev[ne - 1].reason, "网站名称不规范，请修改。");
	ck_assert_ptr_nonnull(strstr(ev[ne - 1].values, "\"reason_code\":\"other\""));
	sm_events_free(&ev, ne);

	/* The unit edits the returned case and submits it again. */
	int64_t v = version_of(s);
	json_t *ed = yaml("site_name: 福州市人民政府网\n");
	as("gov");
	OK(sm_case_edit(app, s, ed, v, err));
	ck_assert_int_eq(version_of(s), v + 1);
	/* An edit against the old version: someone else changed it. */
	snap(&a);
	FAILS(SM_E_CONFLICT, sm_case_edit(app, s, ed, v, err));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	json_decref(ed);
	sm_case c = get_case(s);
	ck_assert_str_eq(json_string_value(json_object_get(c.values, "site_name")), "福州市人民政府网");
	ck_assert_str_eq(sm_state_name(c.state), "returned");
	sm_case_clear(&c);
	/* null removes a field. */
	ed = yaml("psb_number: ~\n");
	OK(sm_case_edit(app, s, ed, 0, err));
	json_decref(ed);
	c = get_case(s);
	ck_assert_ptr_null(json_object_get(c.values, "psb_number"));
	sm_case_clear(&c);
	act_ok("gov", s, "submit", "office_review");
	c = get_case(s);
	ck_assert_str_eq(c.submitted_by, "gov");
	sm_case_clear(&c);
	/* Edit only in draft or returned. */
	ed = yaml("site_name: 福州市人民政府门户网站\n");
	snap(&a);
	FAILS(SM_E_STATE, sm_case_edit(app, s, ed, 0, err));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	/* Nor by anyone but the unit. */
	as("fz-review");
	FAILS(SM_E_DENIED, sm_case_edit(app, s, ed, 0, err));
	as("gov2");
	FAILS(SM_E_DENIED, sm_case_edit(app, s, ed, 0, err));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	json_decref(ed);

	/* Paper rejected: back to the unit, who submits the whole again. */
	act_ok("fz-review", s, "approve", "conac_review");
	act_ok("conac-li", s, "approve", "paper_pending");
	act_ok("fz-review", s, "reject-paper", "returned");
	n = notice_at(s, 2, &nn);
	ck_assert_str_eq(n[nn - 1].event, "returned");
	ck_assert_ptr_nonnull(strstr(n[nn - 1].body, "申请函未加盖单位公章。"));
	notices_free(n, nn);
	act_ok("gov", s, "submit", "office_review");
	HISTORY_IS(s, "create - draft gov|submit draft office_review gov|"
	    "reject office_review returned fz-review|edit returned returned gov|"
	    "edit returned returned gov|submit returned office_review gov|"
	    "approve office_review conac_review fz-review|"
	    "approve conac_review paper_pending conac-li|"
	    "reject-paper paper_pending returned fz-review|"
	    "submit returned office_review gov");
	/* CONAC may reject too. */
	act_ok("fz-review", s, "approve", "conac_review");
	act_ok("conac-wang", s, "reject", "returned");
	act_ok("gov", s, "withdraw", "withdrawn");
	audit_count();
}
END_TEST

/* Write the gov unit's handler mobile and contact e-mail (SQL expressions)
 * straight into the database, then have case S returned to it. */
static void
reject_with_contacts(int64_t s, const char *mobile, const char *email)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "UPDATE units SET \"values\" = json_set(\"values\","
	    " '$.handler.mobile', %s, '$.contact.email', %s) WHERE id = %lld",
	    mobile, email, (long long)u_gov);
	raw_exec(sql);
	act_ok("fz-review", s, "reject", "returned");
}

START_TEST(test_notice_recipients)
{
	/* Recipients from data are checked when a notice is queued (issue 7):
	 * one with a control character (a header injection) or not a mobile
	 * number or an e-mail address is recorded as refused, neutralised and
	 * with why, never left pending for a sender; the transition goes on. */
	base_world();
	register_domain("gov", "福州市人民政府");
	int64_t s = drive("gov", "site", values_file("site-own.yaml"), "office_review");
	char sql[512];

	reject_with_contacts(s, "'13805910002' || char(13) || char(10) || 'X'",
	    "'a@fuzhou.gov.cn' || char(13) || char(10) || 'Bcc: x@evil.cn'");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE case_id = %lld"
	    " AND status = 'refused' AND attempts = 0 AND ("
	    " (channel = 'sms' AND recipient = '13805910002^M^JX'"
	    "  AND last_error = 'not sent: the mobile number 13805910002^M^JX:"
	    " contains a control or invisible character') OR"
	    " (channel = 'email' AND recipient = 'a@fuzhou.gov.cn^M^JBcc: x@evil.cn'"
	    "  AND last_error LIKE 'not sent: the e-mail address a@fuzhou.gov.cn^M^JBcc: %%'))",
	    (long long)s);
	ck_assert_int_eq(raw_int(sql), 2);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE case_id = %lld"
	    " AND (status = 'pending' OR instr(recipient, char(13)) OR instr(recipient, char(10)))",
	    (long long)s);
	ck_assert_int_eq(raw_int(sql), 0);

	/* Clean but not valid: a short number, an address without a domain,
	 * an invisible character in an otherwise valid mobile. */
	act_ok("gov", s, "submit", "office_review");
	reject_with_contacts(s, "'1380591'", "'webmaster@'");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE case_id = %lld"
	    " AND status = 'refused' AND ("
	    " (recipient = '1380591' AND last_error = 'not sent: the mobile number 1380591:"
	    " must be 11 digits') OR"
	    " (recipient = 'webmaster@' AND last_error = 'not sent: the e-mail address"
	    " webmaster@: the part after @ is empty'))", (long long)s);
	ck_assert_int_eq(raw_int(sql), 2);
	act_ok("gov", s, "submit", "office_review");
	reject_with_contacts(s, "'138059' || char(8232) || '10002'", "'webmaster@fuzhou.gov.cn'");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE case_id = %lld"
	    " AND status = 'refused' AND recipient = '138059<U+2028>10002'", (long long)s);
	ck_assert_int_eq(raw_int(sql), 1);
	/* The valid e-mail address of the same transition is queued. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE case_id = %lld"
	    " AND status = 'pending' AND recipient = 'webmaster@fuzhou.gov.cn'", (long long)s);
	ck_assert_int_eq(raw_int(sql), 1);
}
END_TEST

START_TEST(test_notice_name_and_mail)
{
	/* The contact's name goes into an e-mail's To: one with a control
	 * character refuses the e-mail when queued (issue 8).  A unit's office
	 * queues an e-mail with an attachment (sm_case_queue_mail: the print
	 * feature's PDF). */
	base_world();
	register_domain("gov", "福州市人民政府");
	int64_t s = drive("gov", "site", values_file("site-own.yaml"), "office_review");
	char sql[512];
	snprintf(sql, sizeof(sql), "UPDATE units SET \"values\" = json_set(\"values\","
	    " '$.contact.name', '李华' || char(13) || char(10) || 'Bcc: x@evil.cn') WHERE id = %lld",
	    (long long)u_gov);
	raw_exec(sql);
	act_ok("fz-review", s, "reject", "returned");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE case_id = %lld"
	    " AND channel = 'email' AND status = 'refused' AND name IS NULL"
	    " AND last_error LIKE '%%the name with it contains a control%%'", (long long)s);
	ck_assert_int_eq(raw_int(sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE case_id = %lld"
	    " AND channel = 'sms' AND status = 'pending'", (long long)s);
	ck_assert_int_eq(raw_int(sql), 1);
	snprintf(sql, sizeof(sql), "UPDATE units SET \"values\" = json_set(\"values\","
	    " '$.contact.name', '李华') WHERE id = %lld", (long long)u_gov);
	raw_exec(sql);

	/* the attachment's bytes are kept with the notice, a NUL among them;
	 * the audit names it, its size and SHA-256 */
	static const char pdf[] = "%PDF-1.4\n\0\xff binary";
	as("fz-review");
	OK(sm_case_queue_mail(app, s, "申请函", "请查收附件。\n", "letter.pdf", pdf, sizeof(pdf),
	    err));
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE case_id = %lld"
	    " AND event = 'mail' AND channel = 'email' AND status = 'pending'"
	    " AND recipient = json_extract((SELECT \"values\" FROM units WHERE id = %lld),"
	    " '$.contact.email') AND name = '李华' AND subject = '申请函'"
	    " AND attachment = 'letter.pdf' AND typeof(attachment_data) = 'blob'"
	    " AND length(attachment_data) = %zu AND hex(attachment_data) = '%s'",
	    (long long)s, (long long)u_gov, sizeof(pdf),
	    "255044462D312E340A00FF2062696E61727900");
	ck_assert_int_eq(raw_int(sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE object = 'case'"
	    " AND object_id = %lld AND action = 'mail-queued' AND actor = 'fz-review'"
	    " AND object_key = 'letter.pdf' AND json_extract(\"values\", '$.bytes') = %zu"
	    " AND json_extract(\"values\", '$.sha256') = '%s'", (long long)s, sizeof(pdf),
	    "8334df0f0eb96a5b8e1f81abb14e7e584680c3022a0971ff9ec8bd3ab34fd4d4");
	ck_assert_int_eq(raw_int(sql), 1);
	/* the sender reads the bytes back from the store */
	int64_t nid = raw_int("SELECT max(id) FROM outbox WHERE event = 'mail'");
	void *got = NULL;
	size_t got_len = 0;
	OK(sm_store_notice_attachment(app->store, nid, &got, &got_len, err));
	ck_assert_uint_eq(got_len, sizeof(pdf));
	ck_assert(memcmp(got, pdf, sizeof(pdf)) == 0);
	free(got);
	/* refused: a name with a '/' or none, no bytes, more than the store
	 * keeps, a subject with a line break, another office's reviewer, a
	 * system administrator */
	sm_err_clear(err);
	ck_assert_int_eq(sm_case_queue_mail(app, s, "x", "y", "/tmp/a.pdf", pdf, 3, err),
	    SM_E_INVALID);
	ck_assert_int_eq(sm_case_queue_mail(app, s, "x", "y", "", pdf, 3, err), SM_E_INVALID);
	ck_assert_int_eq(sm_case_queue_mail(app, s, "x", "y", "a\nb.pdf", pdf, 3, err),
	    SM_E_INVALID);
	ck_assert_int_eq(sm_case_queue_mail(app, s, "x", "y", "a.pdf", NULL, 0, err), SM_E_INVALID);
	ck_assert_int_eq(sm_case_queue_mail(app, s, "x", "y", "a.pdf", pdf,
	    sm_mail_attachment_max(app) + 1, err), SM_E_INVALID);
	ck_assert_uint_eq(sm_mail_attachment_max(app), SM_ATTACHMENT_MAX);
	ck_assert_int_eq(sm_case_queue_mail(app, s, "x\r\nBcc: e@evil.cn", "y", NULL, NULL, 0,
	    err), SM_E_INVALID);
	as("xm-review");
	ck_assert_int_ne(sm_case_queue_mail(app, s, "x", "y", NULL, NULL, 0, err), SM_OK);
	as("admin");
	ck_assert_int_eq(sm_case_queue_mail(app, s, "x", "y", NULL, NULL, 0, err), SM_E_DENIED);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE event = 'mail'");
	ck_assert_int_eq(raw_int(sql), 1);
}
END_TEST

START_TEST(test_confirm_paper_missing)
{
	base_world();
	register_domain("gov", "福州市人民政府");
	int64_t s = drive("gov", "site", values_file("site-own.yaml"), "paper_pending");
	struct snap a, b;
	snap(&a);
	json_t *v = yaml("letter: yes\nforms: no\nid_copy: yes\nreceived_on: 2026-02-12\n");
	FAILS(SM_E_INVALID, act_full("fz-review", s, "confirm-paper", v, NULL, 0, NULL));
	ck_assert_str_eq(field0(), "forms");
	ck_assert(err_has("reject-paper"));
	json_decref(v);
	v = yaml("letter: yes\nforms: yes\nreceived_on: 2026-02-12\n");
	FAILS(SM_E_INVALID, act_full("fz-review", s, "confirm-paper", v, NULL, 0, NULL));
	json_decref(v);
	v = yaml("letter: false\nforms: false\nid_copy: false\nreceived_on: 2026-02-12\n");
	FAILS(SM_E_INVALID, act_full("fz-review", s, "confirm-paper", v, NULL, 0, NULL));
	ck_assert_uint_eq(sm_err_count(err), 3);
	json_decref(v);
	FAILS(SM_E_INVALID, act_full("fz-review", s, "confirm-paper", NULL, NULL, 0, NULL));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	char *st = state_of(s);
	ck_assert_str_eq(st, "paper_pending");
	free(st);
	act_ok("fz-review", s, "confirm-paper", "mark_issued");
}
END_TEST

/* Dates that have not come yet (by the session's clock) are refused in the
 * action forms that record what happened: the payment, the paper's arrival. */
START_TEST(test_future_dates)
{
	base_world();
	register_domain("gov", "福州市人民政府");
	int64_t s = drive("gov", "site", values_file("site-own.yaml"), "paper_pending");
	int64_t d = drive("gov", "domain", domain_values("福州市人民政府办公厅"), "awaiting_payment");
	struct snap a, b;
	snap(&a);
	/* NOW is 2026-02-13 (Asia/Shanghai): the 14th is tomorrow */
	json_t *v = yaml("letter: yes\nforms: yes\nid_copy: yes\nreceived_on: 2026-02-14\n");
	FAILS(SM_E_INVALID, act_full("fz-review", s, "confirm-paper", v, NULL, 0, NULL));
	ck_assert_str_eq(field0(), "received_on");
	ck_assert(err_has("after today (2026-02-13)"));
	ck_assert_uint_eq(sm_err_count(err), 1);
	/* the same check before the action, for the console's form */
	as("fz-review");
	FAILS(SM_E_INVALID, sm_action_validate(app, SM_ACTION_CONFIRM_PAPER, v, NULL, err));
	ck_assert_str_eq(field0(), "received_on");
	json_decref(v);
	json_t *p = yaml("amount: 300\nreceipt: R-1\npaid_on: 2027-01-01\n");
	FAILS(SM_E_INVALID, act_full("conac-wang", d, "confirm-payment", p, NULL, 0, NULL));
	ck_assert_str_eq(field0(), "paid_on");
	json_decref(p);
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	/* today is fine, and so is the day after once it has come */
	json_t *norm = NULL;
	v = yaml("letter: yes\nforms: yes\nid_copy: yes\nreceived_on: 2026-2-13\n");
	as("fz-review");
	OK(sm_action_validate(app, SM_ACTION_CONFIRM_PAPER, v, &norm, err));
	ck_assert_str_eq(json_string_value(json_object_get(norm, "received_on")), "2026-02-13");
	json_decref(norm);
	json_decref(v);
	FAILS(SM_E_INVALID, sm_action_validate(app, SM_ACTION_SUBMIT, NULL, NULL, err));
	at("2026-02-14T08:00:00+08:00");
	p = yaml("amount: 300\nreceipt: R-1\npaid_on: 2026-02-14\n");
	OK(act_full("conac-wang", d, "confirm-payment", p, NULL, 0, NULL));
	json_decref(p);
	v = yaml("letter: yes\nforms: yes\nid_copy: yes\nreceived_on: 2026-02-14\n");
	OK(act_full("fz-review", s, "confirm-paper", v, NULL, 0, NULL));
	json_decref(v);
}
END_TEST

/* The rule sm_case_new applies, asked before a form is opened. */
START_TEST(test_may_start)
{
	base_world();
	as("gov");
	FAILS(SM_E_STATE, sm_case_may_start(app, SM_KIND_SITE, err));
	ck_assert(err_has(".政务"));
	ck_assert_str_eq(field0(), "domain");
	OK(sm_case_may_start(app, SM_KIND_DOMAIN, err));
	FAILS(SM_E_DENIED, sm_case_may_start(app, SM_KIND_MARK, err));
	FAILS(SM_E_INVALID, sm_case_may_start(app, SM_KIND_NONE, err));
	as("lib");
	FAILS(SM_E_DENIED, sm_case_may_start(app, SM_KIND_SITE, err));
	FAILS(SM_E_STATE, sm_case_may_start(app, SM_KIND_MARK, err));
	ck_assert(err_has(".公益"));
	as("fz-review");
	FAILS(SM_E_DENIED, sm_case_may_start(app, SM_KIND_DOMAIN, err));
	register_domain("gov", "福州市人民政府");
	as("gov");
	OK(sm_case_may_start(app, SM_KIND_SITE, err));
	/* and it is the rule of sm_case_new: what it allows, sm_case_new does */
	int64_t id = 0;
	OK(sm_case_new(app, SM_KIND_SITE, NULL, &id, err));
	as("gov2");
	FAILS(SM_E_STATE, sm_case_may_start(app, SM_KIND_SITE, err));
	FAILS(SM_E_STATE, sm_case_new(app, SM_KIND_SITE, NULL, &id, err));
}
END_TEST

START_TEST(test_optimistic_lock)
{
	base_world();
	int64_t d = drive("gov", "domain", values_file("domain.yaml"), "office_review");
	int64_t seen = version_of(d);
	/* Two reviewers saw version SEEN; the second one loses. */
	OK(act_full("fz-review2", d, "approve", NULL, NULL, seen, NULL));
	struct snap a, b;
	snap(&a);
	FAILS(SM_E_CONFLICT, act_full("fz-review", d, "reject", NULL, "名称不规范", seen, NULL));
	ck_assert(err_has("someone else"));
	ck_assert(err_has("CONAC review"));
	FAILS(SM_E_CONFLICT, act_full("fz-review", d, "approve", NULL, NULL, seen, NULL));
	/* CONAC with the old version too. */
	FAILS(SM_E_CONFLICT, act_full("conac-li", d, "approve", NULL, NULL, seen, NULL));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	ck_assert_int_eq(version_of(d), seen + 1);
	/* With the version seen now, it works. */
	OK(act_full("conac-li", d, "approve", NULL, NULL, seen + 1, NULL));

	/* The same request id twice: applied once, the result returned. */
	int64_t d2 = drive("lib", "domain", values_file("domain-gongyi.yaml"), "office_review");
	sm_act a1 = {.case_id = d2, .action = SM_ACTION_APPROVE, .request_id = "req-approve-1"};
	sm_state ns = SM_STATE_NONE;
	as("fz-review");
	OK(sm_case_act(app, &a1, &ns, err));
	ck_assert_int_eq(ns, SM_STATE_CONAC_REVIEW);
	snap(&a);
	ns = SM_STATE_NONE;
	OK(sm_case_act(app, &a1, &ns, err));
	ck_assert_int_eq(ns, SM_STATE_CONAC_REVIEW);
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	ck_assert_int_eq(version_of(d2), 3);
}
END_TEST

/* A request id is bound to its request (case, action, user, values): used
 * again for another request it is refused and nothing is written; an exact
 * replay is answered with what was recorded. */
static sm_status
act_rid(const char *login, int64_t id, const char *action, const json_t *v, const char *reason,
        const char *rid, sm_state *ns)
{
	sm_act a = {.case_id = id, .action = sm_action_parse(action), .values = v,
	    .reason = reason, .request_id = rid};
	as(login);
	sm_err_clear(err);
	*ns = SM_STATE_NONE;
	return sm_case_act(app, &a, ns, err);
}

START_TEST(test_request_id_bound)
{
	base_world();
	register_domain("gov", "福州市人民政府");
	int64_t d = drive("lib", "domain", values_file("domain-gongyi.yaml"), "office_review");
	int64_t s = drive("gov", "site", values_file("site-own.yaml"), "paper_pending");
	int64_t d_v = version_of(d), s_v = version_of(s);
	sm_state ns;
	struct snap a, b;

	OK(act_rid("fz-review", d, "approve", NULL, NULL, "R-1", &ns));
	ck_assert_int_eq(ns, SM_STATE_CONAC_REVIEW);
	snap(&a);
	/* the issue's scenario: R-1 again, another case and action */
	json_t *v = yaml("reason_code: other\nreason: 材料不全。\n");
	FAILS(SM_E_INVALID, act_rid("fz-review", s, "reject-paper", v, NULL, "R-1", &ns));
	ck_assert_int_eq(ns, SM_STATE_NONE);
	ck_assert(err_has("R-1"));
	ck_assert(err_has("another request"));
	json_decref(v);
	/* the same case and action by another user */
	FAILS(SM_E_INVALID, act_rid("fz-review2", d, "approve", NULL, NULL, "R-1", &ns));
	/* the same case, action and user with other values (a reason) */
	FAILS(SM_E_INVALID, act_rid("fz-review", d, "approve", NULL, "另附说明", "R-1", &ns));
	/* another action on the same case */
	FAILS(SM_E_INVALID, act_rid("fz-review", d, "reject", NULL, "名称不规范", "R-1", &ns));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	ck_assert_int_eq(version_of(s), s_v);
	char *st = state_of(s);
	ck_assert_str_eq(st, "paper_pending");
	free(st);
	/* the exact replay: answered, nothing written */
	OK(act_rid("fz-review", d, "approve", NULL, NULL, "R-1", &ns));
	ck_assert_int_eq(ns, SM_STATE_CONAC_REVIEW);
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	ck_assert_int_eq(version_of(d), d_v + 1);

	/* values are compared as what they mean: the same mapping in another
	 * order is the same request; another value is not */
	v = yaml("reason_code: materials\nreason: 缺少单位公函。\n");
	OK(act_rid("fz-review", s, "reject-paper", v, NULL, "R-2", &ns));
	ck_assert_int_eq(ns, SM_STATE_RETURNED);
	json_decref(v);
	snap(&a);
	v = yaml("reason: 缺少单位公函。\nreason_code: materials\n");
	OK(act_rid("fz-review", s, "reject-paper", v, NULL, "R-2", &ns));
	ck_assert_int_eq(ns, SM_STATE_RETURNED);
	json_decref(v);
	v = yaml("reason_code: materials\nreason: 缺少身份证复印件。\n");
	FAILS(SM_E_INVALID, act_rid("fz-review", s, "reject-paper", v, NULL, "R-2", &ns));
	json_decref(v);
	snap(&b);
	ck_assert(snap_eq(&a, &b));

	/* a request recorded before request ids were bound (no digest) is not
	 * taken for any request */
	raw_exec("UPDATE requests SET digest = NULL WHERE id = 'R-1'");
	FAILS(SM_E_INVALID, act_rid("fz-review", d, "approve", NULL, NULL, "R-1", &ns));
}
END_TEST

/* The loser of a race is told who acted first, when, what, and the state the
 * case is in now: with a stale version, and without a version when someone
 * else moved the case on from where the loser could act. */
static char *
last_at_minute(int64_t id)
{
	char sql[200], *at = NULL;
	sqlite3_stmt *st = NULL;
	snprintf(sql, sizeof(sql), "SELECT replace(substr(at, 1, 16), 'T', ' ') FROM audit"
	    " WHERE object = 'case' AND object_id = %lld ORDER BY seq DESC LIMIT 1", (long long)id);
	ck_assert_int_eq(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	at = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return at;
}

START_TEST(test_race_loser_told)
{
	base_world();
	raw_exec("UPDATE users SET name = '林涛' WHERE login = 'fz-review2'");
	int64_t d = drive("gov", "domain", values_file("domain.yaml"), "office_review");
	int64_t seen = version_of(d);
	struct snap a, b;

	/* two reviewers saw SEEN; fz-review2 approves first */
	OK(act_full("fz-review2", d, "approve", NULL, NULL, seen, NULL));
	char *at = last_at_minute(d);
	snap(&a);
	/* the loser, with the version seen: a conflict naming the winner */
	FAILS(SM_E_CONFLICT, act_full("fz-review", d, "reject", NULL, "名称不规范", seen, NULL));
	ck_assert(err_has("someone else first"));
	ck_assert(err_has("林涛 (fz-review2)"));
	ck_assert(err_has("'Approve'"));
	ck_assert(err_has(at));
	ck_assert(err_has("it is now CONAC review"));
	ck_assert(err_has("nothing was written"));
	/* the loser without a version (the command line): the same story */
	FAILS(SM_E_STATE, act_full("fz-review", d, "approve", NULL, NULL, 0, NULL));
	ck_assert(err_has("someone else first"));
	ck_assert(err_has("林涛 (fz-review2)"));
	ck_assert(err_has("it is now CONAC review"));
	FAILS(SM_E_STATE, act_full("fz-review", d, "reject", NULL, "名称不规范", 0, NULL));
	ck_assert(err_has("林涛 (fz-review2)"));
	/* an action that never applied to this reviewer is no race */
	json_t *pay = values_file("confirm-payment.yaml");
	FAILS(SM_E_STATE, act_full("fz-review", d, "confirm-payment", pay, NULL, 0, NULL));
	ck_assert(!err_has("someone else"));
	json_decref(pay);
	/* nor is the winner's own second try */
	FAILS(SM_E_STATE, act_full("fz-review2", d, "approve", NULL, NULL, 0, NULL));
	ck_assert(!err_has("someone else"));
	ck_assert(err_has("does not apply"));
	/* with a stale version, the winner is told it was their own change */
	FAILS(SM_E_CONFLICT, act_full("fz-review2", d, "approve", NULL, NULL, seen, NULL));
	ck_assert(err_has("since you saw it"));
	ck_assert(err_has("'Approve'"));
	ck_assert(err_has("it is now CONAC review"));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	free(at);

	/* edits: two logins of one unit; one submits the draft the other saw */
	as("admin");
	sm_user second = {.login = "gov-b", .role = SM_ROLE_UNIT, .unit = u_gov,
	    .name = "陈静"};
	OK(sm_user_add(app, &second, err));
	tu_grant(app, "gov-b", SM_ROLE_UNIT, "admin", err);
	int64_t e = drive("gov", "domain", yaml("name: 福州市草稿乙\nusage: 草稿。\n"), "draft");
	int64_t ev = version_of(e);
	act_ok("gov-b", e, "submit", "office_review");
	at = last_at_minute(e);
	snap(&a);
	json_t *ed = yaml("usage: 改过的用途说明。\n");
	as("gov");
	FAILS(SM_E_CONFLICT, sm_case_edit(app, e, ed, ev, err));
	ck_assert(err_has("陈静 (gov-b)"));
	ck_assert(err_has("'Submit'"));
	ck_assert(err_has(at));
	ck_assert(err_has("it is now Office review"));
	sm_err_clear(err);
	FAILS(SM_E_STATE, sm_case_edit(app, e, ed, 0, err));
	ck_assert(err_has("陈静 (gov-b)"));
	json_decref(ed);
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	free(at);
}
END_TEST

START_TEST(test_other_office_and_admins)
{
	base_world();
	int64_t d = drive("gov", "domain", values_file("domain.yaml"), "office_review");
	struct snap a, b;
	snap(&a);
	sm_case c = {0};
	/* Another office neither reads nor acts. */
	FAILS(SM_E_DENIED, act_full("xm-review", d, "approve", NULL, NULL, 0, NULL));
	ck_assert(err_has("350100"));
	FAILS(SM_E_DENIED, act_full("xm-review", d, "reject", NULL, "不对", 0, NULL));
	FAILS(SM_E_DENIED, sm_case_read(app, d, &c, err));
	ck_assert_int_eq(c.state, SM_STATE_NONE);
	sm_case_page pg;
	sm_case_query all = {0}, waiting = {.waiting = true};
	OK(sm_view_cases(app, &all, &pg, err));
	ck_assert_uint_eq(pg.n, 0);
	sm_case_page_clear(&pg);
	/* Another unit neither. */
	FAILS(SM_E_DENIED, act_full("gov2", d, "withdraw", NULL, NULL, 0, NULL));
	FAILS(SM_E_DENIED, sm_case_read(app, d, &c, err));
	OK(sm_view_cases(app, &all, &pg, err));
	ck_assert_uint_eq(pg.n, 0);
	sm_case_page_clear(&pg);
	/* The administrators act on no case, read none, open none. */
	const char *admins[] = {"admin", "sec", "aud"};
	for (size_t i = 0; i < 3; i++) {
		for (int ai = 1; ai < SM_ACTION_COUNT; ai++) {
			const char *acn = sm_action_name((sm_action)ai);
			json_t *v = std_values(acn);
			FAILS(SM_E_DENIED, act_full(admins[i], d, acn, v, NULL, 0, NULL));
			json_decref(v);
		}
		FAILS(SM_E_DENIED, sm_case_read(app, d, &c, err));
		FAILS(SM_E_DENIED, sm_view_cases(app, &all, &pg, err));
		FAILS(SM_E_DENIED, sm_view_cases(app, &waiting, &pg, err));
		int64_t id = 0;
		json_t *v = values_file("domain.yaml");
		FAILS(SM_E_DENIED, sm_case_new(app, sm_kind_parse("domain"), v, &id, err));
		json_decref(v);
		FAILS(SM_E_DENIED, sm_case_note(app, d, "看过了", err));
		FAILS(SM_E_DENIED, sm_case_printed(app, d, "letter", err));
	}
	/* Only the system administrator manages offices and users. */
	as("sec");
	FAILS(SM_E_DENIED, sm_office_add(app, "350102", "鼓楼区委编办", err));
	sm_user u = {.login = "x", .role = SM_ROLE_CONAC};
	FAILS(SM_E_DENIED, sm_user_add(app, &u, err));
	as("fz-review");
	FAILS(SM_E_DENIED, sm_user_add(app, &u, err));
	/* Customer service reads and annotates, nothing else. */
	as("kf");
	OK(sm_case_read(app, d, &c, err));
	sm_case_clear(&c);
	for (int ai = 1; ai < SM_ACTION_COUNT; ai++) {
			const char *acn = sm_action_name((sm_action)ai);
		json_t *v = std_values(acn);
		sm_status st = act_full("kf", d, acn, v, NULL, 0, NULL);
		ck_assert_msg(st == SM_E_DENIED || st == SM_E_STATE, "service %s: %d", acn, st);
		json_decref(v);
	}
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	OK(sm_case_note(app, d, "单位来电询问进度。", err));
	snap(&b);
	ck_assert_int_eq(b.v[S_NOTES], a.v[S_NOTES] + 1);
	ck_assert_int_eq(b.v[S_AUDIT], a.v[S_AUDIT] + 1);
	ck_assert_int_eq(b.v[S_VERSIONS], a.v[S_VERSIONS]);
	sm_note *notes = NULL;
	size_t n = 0;
	OK(sm_store_notes(app->store, "case", d, &notes, &n, err));
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(notes[0].author, "kf");
	ck_assert_str_eq(notes[0].text, "单位来电询问进度。");
	sm_note_clear(&notes[0]);
	free(notes);
	FAILS(SM_E_INVALID, sm_case_note(app, d, "", err));
	FAILS(SM_E_INVALID, sm_case_note(app, d, "bad \x1b[2J escape", err));
	FAILS(SM_E_NOTFOUND, sm_case_note(app, 9999, "no such case", err));
	as("gov");
	FAILS(SM_E_DENIED, sm_case_note(app, d, "我自己写的", err));
	/* Nobody logged in: nothing. */
	sm_user_clear(&app->user);
	FAILS(SM_E_DENIED, sm_case_act(app, &(sm_act){.case_id = d, .action = SM_ACTION_WITHDRAW}, NULL,
	    err));
	FAILS(SM_E_DENIED, sm_case_read(app, d, &c, err));
}
END_TEST

/* Unmasking (domain.md §3): CONAC and customer service see ID numbers and
 * mobiles masked and may ask for one in full with a reason; the audit
 * record names who, the case, the field and the reason, never the value.
 * The unit and its office see them in full: nothing to unmask. */
START_TEST(test_unmask)
{
	base_world();
	int64_t d = register_domain("gov", "福州市人民政府");
	int64_t s = drive("gov", "site", values_file("site-own.yaml"), "office_review");
	struct snap a, b;
	char *v = NULL;
	const struct { const char *path, *full; } fields[] = {
		{"handler.id_number", "350102198803151238"}, {"handler.mobile", "13805910002"},
		{"contact.mobile", "13905910001"}, {"site_head.mobile", "13905910003"},
	};
	const char *allowed[] = {"conac-li", "kf"};
	for (size_t i = 0; i < 2; i++) {
		as(allowed[i]);
		ck_assert(sm_may_unmask(app->user.role));
		for (size_t f = 0; f < 4; f++) {
			snap(&a);
			OK(sm_unmask(app, s, fields[f].path, "核实经办人身份", &v, err));
			ck_assert_str_eq(v, fields[f].full);
			free(v);
			v = NULL;
			snap(&b);
			ck_assert_int_eq(b.v[S_AUDIT], a.v[S_AUDIT] + 1);
			ck_assert_int_eq(b.v[S_VERSIONS], a.v[S_VERSIONS]);
			char sql[512];
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE seq = (SELECT max(seq)"
			    " FROM audit) AND action = 'unmask' AND actor = '%s' AND object = 'case'"
			    " AND object_id = %lld AND object_key = '%s' AND reason = '核实经办人身份'"
			    " AND \"values\" IS NULL", allowed[i], (long long)s, fields[f].path);
			ck_assert_int_eq(raw_int(sql), 1);
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE action = 'unmask'"
			    " AND (ifnull(reason, '') || ifnull(object_key, '') || ifnull(\"values\", ''))"
			    " LIKE '%%%s%%'", fields[f].full);
			ck_assert_int_eq(raw_int(sql), 0);
		}
	}
	ck_assert_int_eq(raw_int("SELECT count(*) FROM audit WHERE action = 'unmask'"), 8);
	ck_assert_str_eq(sm_event_label("unmask"), "Value unmasked");
	audit_count(); /* the chain verifies */

	/* Refusals write nothing. */
	snap(&a);
	as("conac-li");
	FAILS(SM_E_INVALID, sm_unmask(app, s, "handler.id_number", NULL, &v, err));
	ck_assert_str_eq(field0(), "reason");
	FAILS(SM_E_INVALID, sm_unmask(app, s, "handler.id_number", "", &v, err));
	FAILS(SM_E_INVALID, sm_unmask(app, s, "handler.id_number", " \t\n", &v, err));
	FAILS(SM_E_INVALID, sm_unmask(app, s, "handler.id_number", "bad \x1b[2J escape", &v, err));
	ck_assert_str_eq(field0(), "reason");
	FAILS(SM_E_INVALID, sm_unmask(app, s, "handler.nothing", "核实", &v, err));
	ck_assert_str_eq(field0(), "field");
	ck_assert(err_has("handler.id_number"));  /* the message lists the masked fields */
	FAILS(SM_E_INVALID, sm_unmask(app, s, "contact.email", "核实", &v, err));
	ck_assert(err_has("not masked"));
	FAILS(SM_E_INVALID, sm_unmask(app, s, "handler", "核实", &v, err));
	FAILS(SM_E_INVALID, sm_unmask(app, s, "", "核实", &v, err));
	FAILS(SM_E_NOTFOUND, sm_unmask(app, 9999, "handler.mobile", "核实", &v, err));
	FAILS(SM_E_INVALID, sm_unmask(app, d, "site_head.mobile", "核实", &v, err));
	/* The unit and its office: nothing to unmask. */
	as("gov");
	ck_assert(!sm_may_unmask(app->user.role));
	FAILS(SM_E_INVALID, sm_unmask(app, s, "handler.id_number", "核实", &v, err));
	ck_assert(err_has("in full"));
	as("fz-review");
	FAILS(SM_E_INVALID, sm_unmask(app, s, "handler.id_number", "核实", &v, err));
	ck_assert(err_has("in full"));
	/* Another office, another unit: not their case. */
	as("xm-review");
	FAILS(SM_E_DENIED, sm_unmask(app, s, "handler.id_number", "核实", &v, err));
	as("gov2");
	FAILS(SM_E_DENIED, sm_unmask(app, s, "handler.id_number", "核实", &v, err));
	/* The administrators and the auditor: never; nor the mark monitor. */
	ck_assert(!sm_may_unmask(SM_ROLE_MONITOR));
	const char *none[] = {"admin", "sec", "aud"};
	for (size_t i = 0; i < 3; i++) {
		as(none[i]);
		ck_assert(!sm_may_unmask(app->user.role));
		FAILS(SM_E_DENIED, sm_unmask(app, s, "handler.id_number", "核实", &v, err));
	}
	sm_user_clear(&app->user);
	FAILS(SM_E_DENIED, sm_unmask(app, s, "handler.id_number", "核实", &v, err));
	ck_assert_ptr_null(v);
	snap(&b);
	ck_assert(snap_eq(&a, &b));

	/* The fields a site case masks, for the console. */
	sm_unmask_field uf[8];
	size_t n = sm_unmask_fields(app, SM_KIND_SITE, uf, 8);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(uf[0].path, "site_head.mobile");
	ck_assert_str_eq(uf[1].path, "contact.mobile");
	ck_assert_str_eq(uf[2].path, "handler.id_number");
	ck_assert_str_eq(uf[3].path, "handler.mobile");
	ck_assert_uint_eq(sm_unmask_fields(app, SM_KIND_DOMAIN, uf, 8), 3);
	ck_assert_uint_eq(sm_unmask_fields(app, SM_KIND_SITE, uf, 2), 2);
}
END_TEST

START_TEST(test_self_approval)
{
	base_world();
	int64_t d = drive("gov", "domain", values_file("domain.yaml"), "office_review");
	/* No role can both submit and approve, so make the reviewer the
	 * submitter behind the program's back. */
	char sql[128];
	snprintf(sql, sizeof(sql), "UPDATE cases SET submitted_by = 'fz-review' WHERE id = %lld",
	    (long long)d);
	raw_exec(sql);
	struct snap a, b;
	snap(&a);
	FAILS(SM_E_DENIED, act_full("fz-review", d, "approve", NULL, NULL, 0, NULL));
	ck_assert(err_has("you submitted"));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	/* Rejecting is not approving; another reviewer may approve. */
	act_ok("fz-review2", d, "approve", "conac_review");
	snprintf(sql, sizeof(sql), "UPDATE cases SET submitted_by = 'conac-li' WHERE id = %lld",
	    (long long)d);
	raw_exec(sql);
	FAILS(SM_E_DENIED, act_full("conac-li", d, "approve", NULL, NULL, 0, NULL));
	act_ok("conac-wang", d, "approve", "awaiting_payment");
	json_t *pay = std_values("confirm-payment");
	FAILS(SM_E_DENIED, act_full("conac-li", d, "confirm-payment", pay, NULL, 0, NULL));
	act_ok("conac-wang", d, "confirm-payment", "registered");
	json_decref(pay);
}
END_TEST

/* ------------------------------------------------------------ rules */

/* Who may print the letter and form (sm_print_check, the one rule): the
 * unit, its own website cases from paper_pending on; an office, its own
 * units' website cases in paper_pending (its paper queue); nobody else. */
START_TEST(test_print_rule)
{
	sm_user saved = app->user;
	int allowed = 0;
	for (int r = 0; r < SM_ROLE_COUNT; r++)
		for (int k = 1; k < SM_KIND_COUNT; k++)
			for (int st = 1; st < SM_STATE_COUNT; st++)
				for (int own = 0; own < 2; own++) {
					sm_case c = {.id = 7, .kind = (sm_kind)k, .state = (sm_state)st,
					    .unit = own ? 5 : 6, .office = own ? "350100" : "350200"};
					app->user.role = (sm_role)r;
					app->user.unit = 5;
					app->user.office = "350100";
					bool paper_on = st == SM_STATE_PAPER_PENDING ||
					    st == SM_STATE_MARK_ISSUED || st == SM_STATE_MARK_HUNG;
					bool want = own && k == SM_KIND_SITE &&
					    ((r == SM_ROLE_UNIT && paper_on) ||
					    (r == SM_ROLE_OFFICE && st == SM_STATE_PAPER_PENDING));
					ck_assert_msg(sm_case_may_print(app, &c) == want,
					    "role %s kind %s state %s own %d", sm_role_name((sm_role)r),
					    sm_kind_name((sm_kind)k), sm_state_name((sm_state)st), own);
					sm_err_clear(err);
					sm_status got = sm_print_check(app, &c, err);
					ck_assert(want ? got == SM_OK : (got == SM_E_DENIED || got == SM_E_STATE));
					ck_assert(want || sm_err_count(err) == 1); /* with the reason */
					allowed += want;
				}
	ck_assert_int_eq(allowed, 4); /* unit: 3 states; office: 1 */
	app->user = saved;
}
END_TEST

START_TEST(test_kind_rules)
{
	base_world();
	int64_t id = 0;
	struct snap a, b;
	snap(&a);
	/* A site case only for organs, and only with a registered .政务 domain. */
	as("gov");
	json_t *v = values_file("site-own.yaml");
	FAILS(SM_E_STATE, sm_case_new(app, sm_kind_parse("site"), v, &id, err));
	ck_assert(err_has(".政务"));
	as("lib");
	FAILS(SM_E_DENIED, sm_case_new(app, sm_kind_parse("site"), v, &id, err));
	json_decref(v);
	/* A mark case only for institutions and social organisations, with a
	 * registered .公益 domain. */
	v = values_file("mark-own.yaml");
	FAILS(SM_E_STATE, sm_case_new(app, sm_kind_parse("mark"), v, &id, err));
	ck_assert(err_has(".公益"));
	as("gov");
	FAILS(SM_E_DENIED, sm_case_new(app, sm_kind_parse("mark"), v, &id, err));
	json_decref(v);
	FAILS(SM_E_INVALID, sm_case_new(app, sm_kind_parse("frob"), NULL, &id, err));
	snap(&b);
	ck_assert(snap_eq(&a, &b));

	register_domain("gov", "福州市人民政府");
	register_domain("lib", "福州市图书馆");
	snap(&a);
	/* An organ binds a .政务 domain of its own, not a .公益 one, nor another
	 * unit's. */
	as("gov");
	json_t *wrong = site_values("福州市图书馆.公益");
	FAILS(SM_E_INVALID, sm_case_new(app, sm_kind_parse("site"), wrong, &id, err));
	ck_assert_str_eq(field0(), "domain");
	json_decref(wrong);
	as("gov2");
	json_t *sv = site_values("福州市人民政府.政务");
	FAILS(SM_E_STATE, sm_case_new(app, sm_kind_parse("site"), sv, &id, err));  /* gov2 has none */
	register_domain("gov2", "福州市人民政府研究室");
	snap(&a);
	as("gov2");
	FAILS(SM_E_INVALID, sm_case_new(app, sm_kind_parse("site"), sv, &id, err));
	ck_assert(err_has("not a registered domain of this unit"));
	json_decref(sv);
	as("lib");
	json_t *mv = mark_values("福州市人民政府.政务");
	FAILS(SM_E_INVALID, sm_case_new(app, sm_kind_parse("mark"), mv, &id, err));
	json_decref(mv);
	snap(&b);
	ck_assert(snap_eq(&a, &b));

	/* A domain case asks for the unit type's TLD. */
	int64_t dd = new_case("lib", "domain", domain_values("福州市图书馆分馆"));
	sm_case c = get_case(dd);
	ck_assert_str_eq(c.domain_unicode, "福州市图书馆分馆.公益");
	sm_case_clear(&c);
	/* A draft may lack the domain, but then cannot be submitted. */
	int64_t e = new_case("gov", "site", yaml("purpose: new\n"));
	snap(&a);
	FAILS(SM_E_INVALID, act_full("gov", e, "submit", NULL, NULL, 0, NULL));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	json_t *fix = site_values(NULL);
	as("gov");
	OK(sm_case_edit(app, e, fix, 0, err));
	json_decref(fix);
	act_ok("gov", e, "submit", "office_review");
}
END_TEST

/* The ACE label of NAME under TLD. */
static char *
ace_label(const char *name, const char *tld)
{
	char *full = NULL, *ace = NULL;
	ck_assert(asprintf(&full, "%s.%s", name, tld) > 0);
	ck_assert_ptr_null(sm_domain_normalise(full, &ace, NULL));
	free(full);
	char *dot = strrchr(ace, '.');
	*dot = '\0';
	return ace;
}

START_TEST(test_domain_unique)
{
	base_world();
	int64_t id = 0;
	struct snap a, b;
	register_domain("gov", "福州市人民政府");
	snap(&a);
	/* The registered name, as Unicode and as ACE, from another unit. */
	as("gov2");
	json_t *v = domain_values("福州市人民政府");
	FAILS(SM_E_DUPLICATE, sm_case_new(app, sm_kind_parse("domain"), v, &id, err));
	ck_assert(err_has("already registered or applied for"));
	json_decref(v);
	char *ace = ace_label("福州市人民政府", "政务");
	ck_assert(strncmp(ace, "xn--", 4) == 0);
	v = domain_values(ace);
	FAILS(SM_E_DUPLICATE, sm_case_new(app, sm_kind_parse("domain"), v, &id, err));
	json_decref(v);
	/* in capitals */
	for (char *p = ace; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	v = domain_values(ace);
	FAILS(SM_E_DUPLICATE, sm_case_new(app, sm_kind_parse("domain"), v, &id, err));
	json_decref(v);
	free(ace);
	/* and by the same unit again */
	as("gov");
	v = domain_values("福州市人民政府");
	FAILS(SM_E_DUPLICATE, sm_case_new(app, sm_kind_parse("domain"), v, &id, err));
	json_decref(v);
	snap(&b);
	ck_assert(snap_eq(&a, &b));

	/* Open cases hold their name too: full-width letters fold to ASCII,
	 * capitals to small letters. */
	int64_t open = new_case("gov2", "domain", domain_values("福州ab"));
	snap(&a);
	const char *same[] = {"福州ab", "福州AB", "福州ＡＢ", "福州ａｂ"};
	for (size_t i = 0; i < 4; i++) {
		as(i % 2 ? "gov" : "gov2");
		v = domain_values(same[i]);
		FAILS(SM_E_DUPLICATE, sm_case_new(app, sm_kind_parse("domain"), v, &id, err));
		json_decref(v);
	}
	ace = ace_label("福州ab", "政务");
	as("gov");
	v = domain_values(ace);
	FAILS(SM_E_DUPLICATE, sm_case_new(app, sm_kind_parse("domain"), v, &id, err));
	json_decref(v);
	free(ace);
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	/* A draft of another name may not be edited onto it either. */
	int64_t other = new_case("gov", "domain", domain_values("福州cd"));
	as("gov");
	v = domain_values("福州ＡＢ");
	snap(&a);
	FAILS(SM_E_DUPLICATE, sm_case_edit(app, other, v, 0, err));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	/* Withdrawn, the name is free again. */
	act_ok("gov2", open, "withdraw", "withdrawn");
	as("gov");
	OK(sm_case_edit(app, other, v, 0, err));
	json_decref(v);
	sm_case c = get_case(other);
	ace = ace_label("福州ab", "政务");
	char *want_ace = NULL;
	ck_assert(asprintf(&want_ace, "%s.%s", ace, SM_TLD_ZHENGWU_ACE) > 0);
	ck_assert_str_eq(c.domain, want_ace);
	free(want_ace);
	free(ace);
	sm_case_clear(&c);

	/* A domain of .公益 with the same label is another name. */
	int64_t g = new_case("lib", "domain", domain_values("福州ab"));
	ck_assert_int_gt(g, 0);

	/* Binding a site case: the full-width dot 。 and the ACE form name the
	 * same registered domain; one open site case per unit and domain. */
	int64_t s1 = new_case("gov", "site", site_values("福州市人民政府。政务"));
	c = get_case(s1);
	char *full_ace = NULL;
	ck_assert_ptr_null(sm_domain_normalise("福州市人民政府.政务", &full_ace, NULL));
	ck_assert_str_eq(c.domain, full_ace);
	ck_assert_str_eq(c.domain_unicode, "福州市人民政府.政务");
	sm_case_clear(&c);
	snap(&a);
	as("gov");
	v = site_values(full_ace);
	FAILS(SM_E_DUPLICATE, sm_case_new(app, sm_kind_parse("site"), v, &id, err));
	json_decref(v);
	v = site_values("福州市人民政府.政务");
	FAILS(SM_E_DUPLICATE, sm_case_new(app, sm_kind_parse("site"), v, &id, err));
	json_decref(v);
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	/* One per unit, kind and domain: a second one after the first closes. */
	act_ok("gov", s1, "withdraw", "withdrawn");
	int64_t s2 = new_case("gov", "site", site_values(full_ace));
	ck_assert_int_gt(s2, s1);
	free(full_ace);
	audit_count();
}
END_TEST

START_TEST(test_users_and_units)
{
	bool created = true;
	/* The first administrator is made once. */
	OK(sm_first_admin(app, "root2", &created, err));
	ck_assert(!created);
	ck_assert_uint_eq(sm_store_user_count(app->store), 1);
	FAILS(SM_E_DENIED, sm_app_login(app, "nobody", err));
	ck_assert(err_has("nobody"));
	ck_assert(err_has("010-69001234"));
	as("admin");
	base_world();
	sm_user u = {.login = "fz-review", .role = SM_ROLE_CONAC};
	FAILS(SM_E_DUPLICATE, sm_user_add(app, &u, err));
	u = (sm_user){.login = "bad login", .role = SM_ROLE_CONAC};
	FAILS(SM_E_INVALID, sm_user_add(app, &u, err));
	u = (sm_user){.login = "r1", .role = SM_ROLE_OFFICE};
	FAILS(SM_E_INVALID, sm_user_add(app, &u, err));
	u = (sm_user){.login = "r1", .role = SM_ROLE_OFFICE, .office = "350600"};
	FAILS(SM_E_NOTFOUND, sm_user_add(app, &u, err));
	u = (sm_user){.login = "r1", .role = SM_ROLE_CONAC, .office = "350100"};
	FAILS(SM_E_INVALID, sm_user_add(app, &u, err));
	u = (sm_user){.login = "r1", .role = (sm_role)99};
	FAILS(SM_E_INVALID, sm_user_add(app, &u, err));
	u = (sm_user){.login = "r1", .role = SM_ROLE_CONAC, .mobile = "12345"};
	FAILS(SM_E_INVALID, sm_user_add(app, &u, err));
	FAILS(SM_E_DUPLICATE, sm_office_add(app, "350100", "又一个", err));
	FAILS(SM_E_INVALID, sm_office_add(app, "359999", "不存在的区划", err));
	/* A unit registered twice (same USCC). */
	json_t *v = values_file("unit-organ-fj.yaml");
	int64_t id = 0;
	FAILS(SM_E_DUPLICATE, sm_unit_register(app, v, "gov9", &id, err));
	json_decref(v);
	/* A unit whose office is not set up. */
	v = values_file("unit-organ-fj.yaml");
	json_object_set_new(v, "division", json_string("350102"));
	json_object_set_new(v, "uscc", json_string("11350102003012023T"));
	FAILS(SM_E_INVALID, sm_unit_register(app, v, "gl", &id, err));
	ck_assert(err_has("350102"));
	json_decref(v);
	/* A central unit is reviewed by 000000. */
	v = values_file("unit-organ-central.yaml");
	OK(sm_unit_register(app, v, "central", &id, err));
	json_decref(v);
	sm_unit un = {0};
	OK(sm_store_unit_get(app->store, id, &un, err));
	ck_assert_str_eq(un.office, "000000");
	ck_assert_str_eq(un.affiliation, "central");
	sm_unit_clear(&un);
	sm_user got = {0};
	/* its operator's account asks for the unit role (三员分立) */
	OK(sm_store_user_get(app->store, "central", &got, err));
	ck_assert_int_eq(got.role, SM_ROLE_NONE);
	ck_assert_int_eq(got.asked_role, SM_ROLE_UNIT);
	ck_assert_int_eq(got.asked_unit, id);
	ck_assert_str_eq(got.email, "office@example.gov.cn");
	sm_user_clear(&got);
	tu_grant(app, "central", SM_ROLE_UNIT, "admin", err);
	OK(sm_store_user_get(app->store, "central", &got, err));
	ck_assert_int_eq(got.unit, id);
	ck_assert_int_eq(got.role, SM_ROLE_UNIT);
	sm_user_clear(&got);

	/* A unit operator without a unit registers their own, once. */
	u = (sm_user){.login = "self-op", .role = SM_ROLE_UNIT};
	OK(sm_user_add(app, &u, err));
	tu_grant(app, "self-op", SM_ROLE_UNIT, "admin", err);
	as("self-op");
	int64_t cid = 0;
	FAILS(SM_E_DENIED, sm_case_new(app, sm_kind_parse("domain"), NULL, &cid, err));
	v = values_file("unit-social-fj.yaml");
	json_object_set_new(v, "uscc", json_string("5135010050100013X7"));
	json_object_set_new(v, "name", json_string("福州市志愿者联合会"));
	FAILS(SM_E_DENIED, sm_unit_register(app, v, "someone-else", &id, err));
	OK(sm_unit_register(app, v, NULL, &id, err));
	ck_assert_int_eq(app->user.unit, id);
	FAILS(SM_E_DENIED, sm_unit_register(app, v, NULL, &id, err));
	json_decref(v);
	OK(sm_store_user_get(app->store, "self-op", &got, err));
	ck_assert_int_eq(got.unit, id);
	sm_user_clear(&got);
	cid = new_case("self-op", "domain", NULL);
	char *st = state_of(cid);
	ck_assert_str_eq(st, "draft");
	free(st);

	/* A locked account cannot act. */
	raw_exec("UPDATE users SET locked = 1 WHERE login = 'kf'");
	FAILS(SM_E_DENIED, sm_app_login(app, "kf", err));
	ck_assert(err_has("locked"));
	audit_count();
}
END_TEST

/* ------------------------------------------------------------ the three administrators */

/* How many audit records carry ACTION (the auditor's view). */
static int64_t
audited(const char *action)
{
	sm_audit_page pg;
	sm_audit_filter f = {.action = action, .limit = 1};
	char *was = app->user.login ? strdup(app->user.login) : NULL;
	as("aud");
	OK(sm_view_audit(app, &f, &pg, err));
	int64_t n = pg.total;
	sm_audit_page_clear(&pg);
	if (was)
		as(was);
	free(was);
	return n;
}

/* One administrative operation, by name, on the account or office TARGET. */
static sm_status
admin_op(const char *op, const char *target)
{
	if (strcmp(op, "add") == 0) {
		sm_user u = {.login = (char *)target};
		return sm_user_add(app, &u, err);
	}
	if (strcmp(op, "edit") == 0)
		return sm_user_edit(app, target, "新名字", NULL, NULL, err);
	if (strcmp(op, "disable") == 0)
		return sm_user_enable(app, target, false, err);
	if (strcmp(op, "role") == 0)
		return sm_user_set_role(app, target, SM_ROLE_CONAC, NULL, err);
	if (strcmp(op, "lock") == 0)
		return sm_user_lock(app, target, true, err);
	if (strcmp(op, "office-edit") == 0)
		return sm_office_edit(app, target, "新编办", err);
	if (strcmp(op, "office-disable") == 0)
		return sm_office_enable(app, target, false, err);
	ck_abort_msg("unknown op %s", op);
	return SM_E_INVALID;
}

START_TEST(test_admin_matrix)
{
	base_world();
	struct snap a, b;
	/* the role x operation matrix: only the allowed cell writes anything */
	static const struct { const char *op, *target, *allowed, *action; } ops[] = {
		{"add", "newbie", "admin", "user-add"},
		{"edit", "kf", "admin", "user-edit"},
		{"disable", "fz-review2", "admin", "user-disable"},
		{"role", "kf", "sec", "user-role"},
		{"lock", "conac-wang", "sec", "user-lock"},
		{"office-edit", "350200", "admin", "office-edit"},
		{"office-disable", "350200", "admin", "office-disable"},
	};
	const char *logins[] = {"admin", "sec", "aud", "fz-review", "conac-li", "kf", "gov"};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (size_t j = 0; j < sizeof(logins) / sizeof(logins[0]); j++) {
			if (strcmp(logins[j], ops[i].allowed) == 0 || strcmp(logins[j], ops[i].target) == 0)
				continue;
			as(logins[j]);
			snap(&a);
			FAILS(SM_E_DENIED, admin_op(ops[i].op, ops[i].target));
			snap(&b);
			ck_assert_msg(snap_eq(&a, &b), "%s by %s wrote", ops[i].op, logins[j]);
		}
		int64_t before = audited(ops[i].action);
		as(ops[i].allowed);
		OK(admin_op(ops[i].op, ops[i].target));
		ck_assert_int_eq(audited(ops[i].action), before + 1);
	}
	/* The lists: the system and security administrators list users; the
	 * auditor alone reads the audit log. */
	sm_user *users = NULL;
	size_t n = 0;
	sm_audit_page pg;
	sm_audit_filter all = {0};
	for (size_t j = 0; j < sizeof(logins) / sizeof(logins[0]); j++) {
		as(logins[j]);
		bool admin = strcmp(logins[j], "admin") == 0 || strcmp(logins[j], "sec") == 0;
		if (admin) {
			OK(sm_view_users(app, SM_ROLE_NONE, &users, &n, err));
			for (size_t k = 0; k < n; k++)
				sm_user_clear(&users[k]);
			free(users);
		} else {
			FAILS(SM_E_DENIED, sm_view_users(app, SM_ROLE_NONE, &users, &n, err));
		}
		if (strcmp(logins[j], "aud") == 0) {
			OK(sm_view_audit(app, &all, &pg, err));
			sm_audit_page_clear(&pg);
		} else {
			FAILS(SM_E_DENIED, sm_view_audit(app, &all, &pg, err));
			int64_t broken, count;
			FAILS(SM_E_DENIED, sm_view_audit_verify(app, &broken, &count, err));
			sm_event e;
			FAILS(SM_E_DENIED, sm_view_audit_record(app, 1, &e, err));
		}
	}
	ck_assert(sm_admin_may(SM_ROLE_SYSADMIN, SM_ADMIN_USER_ADD));
	ck_assert(!sm_admin_may(SM_ROLE_SYSADMIN, SM_ADMIN_USER_ROLE));
	ck_assert(!sm_admin_may(SM_ROLE_SYSADMIN, SM_ADMIN_AUDIT_READ));
	ck_assert(!sm_admin_may(SM_ROLE_SECADMIN, SM_ADMIN_USER_ADD));
	ck_assert(!sm_admin_may(SM_ROLE_AUDITOR, SM_ADMIN_USER_LIST));
	audit_count();
}
END_TEST

/* A session that stays open: a lock, a disabling or another role takes
 * effect on its next action, not at its next login. */
static sm_user
user_copy(const sm_user *u)
{
	sm_user c = *u;
	c.login = u->login ? strdup(u->login) : NULL;
	c.office = u->office ? strdup(u->office) : NULL;
	c.name = u->name ? strdup(u->name) : NULL;
	c.mobile = u->mobile ? strdup(u->mobile) : NULL;
	c.email = u->email ? strdup(u->email) : NULL;
	return c;
}

START_TEST(test_open_session_follows_the_account)
{
	base_world();
	int64_t d = drive("gov", "domain", values_file("domain.yaml"), "office_review");
	as("fz-review");
	sm_user open = user_copy(&app->user);  /* the reviewer's open console */
	as("sec");
	OK(sm_user_lock(app, "fz-review", true, err));
	sm_user_clear(&app->user);
	app->user = user_copy(&open);
	struct snap a, b;
	snap(&a);
	sm_act act = {.case_id = d, .action = SM_ACTION_APPROVE};
	FAILS(SM_E_DENIED, sm_case_act(app, &act, NULL, err));
	ck_assert(err_has("locked"));
	sm_case c = {0};
	FAILS(SM_E_DENIED, sm_case_read(app, d, &c, err));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	/* unlocked but disabled: refused (checked inside the write, with its
	 * first read), nothing written */
	as("sec");
	OK(sm_user_lock(app, "fz-review", false, err));
	as("admin");
	OK(sm_user_enable(app, "fz-review", false, err));
	sm_user_clear(&app->user);
	app->user = user_copy(&open);
	snap(&a);
	FAILS(SM_E_DENIED, sm_case_act(app, &act, NULL, err));
	ck_assert(err_has("was disabled"));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	as("admin");
	OK(sm_user_enable(app, "fz-review", true, err));
	/* a request that went through, asked again under its request id
	 * after the account was locked: refused too, not answered */
	sm_user_clear(&app->user);
	app->user = user_copy(&open);
	act.request_id = "follows-the-account";
	OK(sm_case_act(app, &act, NULL, err));
	as("sec");
	OK(sm_user_lock(app, "fz-review", true, err));
	sm_user_clear(&app->user);
	app->user = user_copy(&open);
	FAILS(SM_E_DENIED, sm_case_act(app, &act, NULL, err));
	ck_assert(err_has("locked"));
	act.request_id = NULL;
	d = drive("gov", "domain", domain_values("闽侯县人民政府"), "office_review");
	act.case_id = d;
	snap(&a);
	/* unlocked but moved to another office: refused too */
	as("sec");
	OK(sm_user_lock(app, "fz-review", false, err));
	OK(sm_user_set_role(app, "fz-review", SM_ROLE_OFFICE, "350200", err));
	sm_user_clear(&app->user);
	app->user = user_copy(&open);
	FAILS(SM_E_DENIED, sm_case_act(app, &act, NULL, err));
	ck_assert(err_has("another role or office"));
	/* logged in again, as what it is now */
	as("fz-review");
	FAILS(SM_E_DENIED, sm_case_act(app, &act, NULL, err));
	ck_assert(err_has("350100"));
	sm_user_clear(&open);
}
END_TEST

START_TEST(test_admin_separation)
{
	base_world();
	struct snap a, b;
	sm_user u = {0};
	/* A new account has no role: it cannot log in until the security
	 * administrator grants one. */
	as("admin");
	u = (sm_user){.login = "zhang", .name = "张三"};
	OK(sm_user_add(app, &u, err));
	FAILS(SM_E_DENIED, sm_app_login(app, "zhang", err));
	ck_assert(err_has("no role") && err_has("security administrator"));
	as("sec");
	FAILS(SM_E_INVALID, sm_user_set_role(app, "zhang", SM_ROLE_OFFICE, NULL, err));
	FAILS(SM_E_NOTFOUND, sm_user_set_role(app, "zhang", SM_ROLE_OFFICE, "350600", err));
	FAILS(SM_E_NOTFOUND, sm_user_set_role(app, "nobody", SM_ROLE_CONAC, NULL, err));
	OK(sm_user_set_role(app, "zhang", SM_ROLE_OFFICE, "350100", err));
	as("zhang");
	ck_assert_int_eq(app->user.role, SM_ROLE_OFFICE);
	ck_assert_str_eq(app->user.office, "350100");
	as("sec");
	OK(sm_user_set_role(app, "zhang", SM_ROLE_CONAC, NULL, err));
	as("zhang");
	ck_assert_int_eq(app->user.role, SM_ROLE_CONAC);
	ck_assert_ptr_null(app->user.office);

	/* No one creates an account of their own role, nor an administrator's
	 * once the security administrator is there; no one grants their own
	 * role; no administrator changes their own account. */
	as("admin");
	snap(&a);
	u = (sm_user){.login = "admin2", .role = SM_ROLE_SYSADMIN};
	FAILS(SM_E_DENIED, sm_user_add(app, &u, err));
	u = (sm_user){.login = "sec2", .role = SM_ROLE_SECADMIN};
	FAILS(SM_E_DENIED, sm_user_add(app, &u, err));
	FAILS(SM_E_DENIED, sm_user_enable(app, "admin", false, err));
	FAILS(SM_E_DENIED, sm_user_edit(app, "admin", "我", NULL, NULL, err));
	as("sec");
	FAILS(SM_E_DENIED, sm_user_set_role(app, "zhang", SM_ROLE_SECADMIN, NULL, err));
	FAILS(SM_E_DENIED, sm_user_set_role(app, "sec", SM_ROLE_CONAC, NULL, err));
	FAILS(SM_E_DENIED, sm_user_lock(app, "sec", true, err));
	FAILS(SM_E_INVALID, sm_user_set_role(app, "zhang", SM_ROLE_MONITOR, NULL, err));
	/* ... but not away from the last system administrator or auditor */
	FAILS(SM_E_STATE, sm_user_set_role(app, "admin", SM_ROLE_CONAC, NULL, err));
	ck_assert(err_has("last"));
	FAILS(SM_E_STATE, sm_user_set_role(app, "aud", SM_ROLE_CONAC, NULL, err));
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	/* The security administrator grants the administrators' roles. */
	OK(sm_user_set_role(app, "zhang", SM_ROLE_AUDITOR, NULL, err));
	sm_role grant[SM_ROLE_COUNT];
	size_t ng = sm_grantable_roles(app, grant, SM_ROLE_COUNT);
	ck_assert_uint_eq(ng, 6);
	for (size_t i = 0; i < ng; i++)
		ck_assert(grant[i] != SM_ROLE_SECADMIN && grant[i] != SM_ROLE_MONITOR);
	as("admin");
	ck_assert_uint_eq(sm_grantable_roles(app, grant, SM_ROLE_COUNT), 0);

	/* Separation of duties: what the system administrator creates for a
	 * role holds none until the security administrator grants it; the
	 * office and unit it was made for come with the grant. */
	as("admin");
	u = (sm_user){.login = "lin", .role = SM_ROLE_OFFICE, .office = "350200", .name = "林"};
	OK(sm_user_add(app, &u, err));
	u = (sm_user){.login = "aud2", .role = SM_ROLE_AUDITOR};
	OK(sm_user_add(app, &u, err));
	u = (sm_user){.login = "gov-c", .role = SM_ROLE_UNIT, .unit = u_gov};
	OK(sm_user_add(app, &u, err));
	sm_user got = {0};
	OK(sm_store_user_get(app->store, "lin", &got, err));
	ck_assert_int_eq(got.role, SM_ROLE_NONE);
	ck_assert_ptr_null(got.office);
	ck_assert_int_eq(got.asked_role, SM_ROLE_OFFICE);
	ck_assert_str_eq(got.asked_office, "350200");
	sm_user_clear(&got);
	FAILS(SM_E_DENIED, sm_app_login(app, "lin", err));
	FAILS(SM_E_DENIED, sm_app_login(app, "aud2", err));

	/* The security policy is the security administrator's alone. */
	as("admin");
	FAILS(SM_E_DENIED, sm_policy_set(app, "auth.max_failures", "3", err));
	as("aud");
	FAILS(SM_E_DENIED, sm_policy_set(app, "auth.max_failures", "3", err));
	as("sec");
	FAILS(SM_E_INVALID, sm_policy_set(app, "auth.max_failures", "3x", err));
	FAILS(SM_E_INVALID, sm_policy_set(app, "auth.maxfailures", "3", err));
	FAILS(SM_E_STATE, sm_policy_set(app, "auth.totp_required", "true", err));
	OK(sm_policy_set(app, "auth.max_failures", "3", err));
	OK(sm_policy_set(app, "console.idle_logout", "0", err));
	ck_assert_int_eq(app->cfg->auth_max_failures, 3);
	app->cfg->auth_max_failures = 5;  /* as a new session's configuration */
	OK(sm_policy_load(app, err));
	ck_assert_int_eq(app->cfg->auth_max_failures, 3);
	ck_assert_int_eq(app->cfg->console_idle_logout_ms, 0);
	sm_policy_item items[SM_POLICY_COUNT];
	OK(sm_view_policy(app, items, err));
	ck_assert_str_eq(items[SM_POLICY_MAX_FAILURES].value, "3");
	ck_assert_str_eq(items[SM_POLICY_MAX_FAILURES].set_by, "sec");
	ck_assert_ptr_null(items[SM_POLICY_TOTP_REQUIRED].set_by);
	sm_policy_items_clear(items);
	as("kf");
	FAILS(SM_E_DENIED, sm_view_policy(app, items, err));
	sm_policy_items_clear(items);
	as("sec");
	OK(sm_user_set_role(app, "lin", SM_ROLE_OFFICE, NULL, err));
	OK(sm_user_set_role(app, "gov-c", SM_ROLE_UNIT, NULL, err));
	OK(sm_store_user_get(app->store, "lin", &got, err));
	ck_assert_int_eq(got.role, SM_ROLE_OFFICE);
	ck_assert_str_eq(got.office, "350200");
	ck_assert_int_eq(got.asked_role, SM_ROLE_NONE);
	ck_assert_ptr_null(got.asked_office);
	sm_user_clear(&got);
	OK(sm_store_user_get(app->store, "gov-c", &got, err));
	ck_assert_int_eq(got.unit, u_gov);
	sm_user_clear(&got);
	FAILS(SM_E_DENIED, sm_app_login(app, "aud2", err));

	/* Locked, disabled: the login is refused, saying whom to ask. */
	as("sec");
	OK(sm_user_lock(app, "kf", true, err));
	FAILS(SM_E_STATE, sm_user_lock(app, "kf", true, err));
	FAILS(SM_E_DENIED, sm_app_login(app, "kf", err));
	ck_assert(err_has("locked") && err_has("security administrator"));
	as("sec");
	OK(sm_user_lock(app, "kf", false, err));
	as("kf");
	as("admin");
	OK(sm_user_enable(app, "kf", false, err));
	FAILS(SM_E_STATE, sm_user_enable(app, "kf", false, err));
	FAILS(SM_E_DENIED, sm_app_login(app, "kf", err));
	ck_assert(err_has("disabled") && err_has("system administrator"));
	as("admin");
	OK(sm_user_enable(app, "kf", true, err));
	as("kf");

	/* Edits: values are checked; NULL keeps, "" clears. */
	as("admin");
	FAILS(SM_E_INVALID, sm_user_edit(app, "kf", NULL, "12345", NULL, err));
	FAILS(SM_E_INVALID, sm_user_edit(app, "kf", NULL, NULL, "not-an-email", err));
	FAILS(SM_E_INVALID, sm_user_edit(app, "kf", NULL, NULL, NULL, err));
	OK(sm_user_edit(app, "kf", "客服小王", "13905910001", "kf@example.cn", err));
	OK(sm_user_edit(app, "kf", NULL, "", NULL, err));
	OK(sm_store_user_get(app->store, "kf", &got, err));
	ck_assert_str_eq(got.name, "客服小王");
	ck_assert_ptr_null(got.mobile);
	ck_assert_str_eq(got.email, "kf@example.cn");
	sm_user_clear(&got);

	/* A disabled office takes no new reviewer. */
	OK(sm_office_edit(app, "350200", "厦门市委编办", err));
	OK(sm_office_enable(app, "350200", false, err));
	FAILS(SM_E_STATE, sm_office_enable(app, "350200", false, err));
	u = (sm_user){.login = "xm2", .role = SM_ROLE_OFFICE, .office = "350200"};
	FAILS(SM_E_STATE, sm_user_add(app, &u, err));
	FAILS(SM_E_NOTFOUND, sm_office_edit(app, "350600", "无", err));
	OK(sm_office_enable(app, "350200", true, err));
	OK(sm_user_add(app, &u, err));

	/* The audit log a page at a time, filtered. */
	as("aud");
	sm_audit_page pg;
	sm_audit_filter f = {.limit = 5};
	OK(sm_view_audit(app, &f, &pg, err));
	ck_assert_uint_eq(pg.n, 5);
	ck_assert_int_eq(pg.total, audit_count());
	ck_assert_int_eq(pg.events[0].seq, 1);
	sm_audit_page_clear(&pg);
	f = (sm_audit_filter){.actor = "sec", .action = "user-role"};
	OK(sm_view_audit(app, &f, &pg, err));
	/* the world's grants (six staff, four units' operators), then zhang's
	 * three, then lin's and gov-c's */
	ck_assert_uint_eq(pg.n, 15);
	size_t z = 10;
	ck_assert_str_eq(pg.events[z].object_key, "zhang");
	ck_assert_str_eq(pg.events[z].to_state, "office");
	ck_assert_str_eq(pg.events[z + 2].from_state, "conac");
	ck_assert_str_eq(pg.events[z + 2].to_state, "auditor");
	int64_t third = pg.events[z + 2].seq;
	sm_audit_page_clear(&pg);
	f.before_seq = third;
	OK(sm_view_audit(app, &f, &pg, err));
	ck_assert_int_eq(pg.total, (int64_t)z + 2);
	sm_audit_page_clear(&pg);
	f = (sm_audit_filter){.since = "2030-01-01"};
	OK(sm_view_audit(app, &f, &pg, err));
	ck_assert_int_eq(pg.total, 0);
	sm_audit_page_clear(&pg);
	sm_event e;
	OK(sm_view_audit_record(app, third, &e, err));
	ck_assert_str_eq(e.action, "user-role");
	ck_assert_str_eq(e.ssh_client, "10.1.2.3 50000 22");
	sm_event_clear(&e);
	FAILS(SM_E_NOTFOUND, sm_view_audit_record(app, 999999, &e, err));
	/* the auditor sees mobiles and ID numbers masked, as everyone without need */
	f = (sm_audit_filter){.action = "user-edit", .limit = 1};
	OK(sm_view_audit(app, &f, &pg, err));
	ck_assert_uint_eq(pg.n, 1);
	ck_assert_ptr_nonnull(strstr(pg.events[0].values, "139****0001"));
	ck_assert_ptr_null(strstr(pg.events[0].values, "13905910001"));
	sm_audit_page_clear(&pg);
	f = (sm_audit_filter){.action = "register", .limit = 1};
	OK(sm_view_audit(app, &f, &pg, err));
	ck_assert_uint_eq(pg.n, 1);
	ck_assert_ptr_nonnull(strstr(pg.events[0].values, "****"));
	OK(sm_view_audit_record(app, pg.events[0].seq, &e, err));
	ck_assert_str_eq(e.values, pg.events[0].values);
	sm_event_clear(&e);
	sm_audit_page_clear(&pg);
	ck_assert_str_eq(sm_event_label("user-lock"), "User locked");
	ck_assert_str_eq(sm_event_parse("User locked"), "user-lock");
	ck_assert_str_eq(sm_event_parse("reject"), "reject");
	ck_assert_ptr_null(sm_event_parse("nonsense"));
	/* by case */
	int64_t d = drive("gov", "domain", values_file("domain.yaml"), "office_review");
	as("aud");
	f = (sm_audit_filter){.case_id = d};
	OK(sm_view_audit(app, &f, &pg, err));
	ck_assert_int_eq(pg.total, raw_int("SELECT count(*) FROM audit WHERE object = 'case'"
	    " AND object_id = (SELECT max(id) FROM cases)"));
	ck_assert_int_ge(pg.total, 2);
	for (size_t i = 0; i < pg.n; i++)
		ck_assert_int_eq(pg.events[i].object_id, d);
	sm_audit_page_clear(&pg);
	audit_count();
}
END_TEST

START_TEST(test_queues)
{
	base_world();
	register_domain("gov", "福州市人民政府");
	register_domain("lib", "福州市图书馆");
	int64_t s = drive("gov", "site", values_file("site-own.yaml"), "office_review");
	int64_t m = drive("lib", "mark", values_file("mark-own.yaml"), "conac_review");
	sm_case *cs = NULL;
	size_t n = 0;
	as("fz-review");
	OK(query(true, &cs, &n));
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cs[0].id, s);
	sm_cases_free(&cs, n);
	as("conac-li");
	OK(query(true, &cs, &n));
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cs[0].id, m);
	sm_cases_free(&cs, n);
	OK(query(false, &cs, &n));
	ck_assert_uint_eq(n, 4);
	sm_cases_free(&cs, n);
	as("gov");
	OK(query(false, &cs, &n));
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(cs[i].unit, u_gov);
	sm_cases_free(&cs, n);
	as("xm-review");
	OK(query(true, &cs, &n));
	ck_assert_uint_eq(n, 0);
	free(cs);
	/* Reviewers' hints, computed on submission: none for this one, and an
	 * organ's English domain outside .gov.cn for the next. */
	sm_case c = get_case(s);
	ck_assert(json_is_array(c.hints));
	ck_assert_uint_eq(json_array_size(c.hints), 0);
	sm_case_clear(&c);
	act_ok("gov", s, "withdraw", "withdrawn");
	json_t *v = site_values(NULL);
	json_object_set_new(v, "english_domains", json_pack("[s]", "www.fuzhou.com"));
	int64_t h = drive("gov", "site", v, "office_review");
	c = get_case(h);
	ck_assert_uint_eq(json_array_size(c.hints), 1);
	ck_assert_str_eq(json_string_value(json_array_get(c.hints, 0)), "english_domain");
	ck_assert_str_eq(sm_hint_label("english_domain"),
	    "an English domain of an organ is outside .gov.cn");
	sm_case_clear(&c);
}
END_TEST

/* ------------------------------------------------------------ matrix */

enum who {
	W_UNIT_OWN, W_UNIT_OTHER, W_OFFICE_OWN, W_OFFICE_OTHER, W_CONAC, W_SERVICE,
	W_SYSADMIN, W_SECADMIN, W_AUDITOR, W_N
};

static bool
sees(enum who w)
{
	return w == W_UNIT_OWN || w == W_OFFICE_OWN || w == W_CONAC || w == W_SERVICE;
}

static bool
eq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* domain.md §4 written out again, independently of sm_rules: the state ACTION
 * takes a case of KIND in STATE to when W does it, or NULL. */
static const char *
spec_to(const char *kind, const char *state, const char *action, enum who w)
{
	bool dom = eq(kind, "domain"), site = eq(kind, "site"), mark = eq(kind, "mark");
	if (eq(action, "submit") && (eq(state, "draft") || eq(state, "returned")))
		return w == W_UNIT_OWN ? "office_review" : NULL;
	if (eq(action, "withdraw") && (eq(state, "draft") || eq(state, "returned") ||
	    eq(state, "office_review")))
		return w == W_UNIT_OWN ? "withdrawn" : NULL;
	if (eq(action, "approve") && eq(state, "office_review"))
		return w == W_OFFICE_OWN ? "conac_review" : NULL;
	if (eq(action, "reject") && eq(state, "office_review"))
		return w == W_OFFICE_OWN ? "returned" : NULL;
	if (eq(action, "reject") && eq(state, "conac_review"))
		return w == W_CONAC ? "returned" : NULL;
	if (eq(action, "approve") && eq(state, "conac_review") && w == W_CONAC)
		return dom ? "awaiting_payment" : site ? "paper_pending" : "mark_issued";
	if (eq(action, "confirm-payment") && dom && eq(state, "awaiting_payment"))
		return w == W_CONAC ? "registered" : NULL;
	if (eq(action, "confirm-paper") && site && eq(state, "paper_pending"))
		return w == W_OFFICE_OWN ? "mark_issued" : NULL;
	if (eq(action, "reject-paper") && site && eq(state, "paper_pending"))
		return w == W_OFFICE_OWN ? "returned" : NULL;
	if (eq(action, "verify-hung") && (site || mark) && eq(state, "mark_issued"))
		return (w == W_OFFICE_OWN || w == W_CONAC) ? "mark_hung" : NULL;
	if (eq(action, "flag-missing") && (site || mark) && eq(state, "mark_hung"))
		return (w == W_OFFICE_OWN || w == W_CONAC) ? "mark_issued" : NULL;
	return NULL;
}

/* Whether ACTION applies to KIND in STATE for anyone. */
static bool
spec_applies(const char *kind, const char *state, const char *action)
{
	for (int w = 0; w < W_N; w++)
		if (spec_to(kind, state, action, (enum who)w))
			return true;
	return false;
}

static const char *const all_actions[] = {
	"submit", "withdraw", "approve", "reject", "confirm-payment", "confirm-paper",
	"reject-paper", "verify-hung", "flag-missing",
};
#define N_ACTIONS 9

static const char *const kind_states[3][9] = {
	{"draft", "office_review", "conac_review", "returned", "awaiting_payment", "registered",
	    "withdrawn", NULL},
	{"draft", "office_review", "conac_review", "returned", "paper_pending", "mark_issued",
	    "mark_hung", "withdrawn", NULL},
	{"draft", "office_review", "conac_review", "returned", "mark_issued", "mark_hung",
	    "withdrawn", NULL},
};
static const char *const kinds[3] = {"domain", "site", "mark"};

static int name_counter;

/* A case of KIND in STATE for the matrix: domain names never repeat; the
 * shared case and the fresh ones bind different domains. */
static int64_t
matrix_case(int k, const char *state, bool shared)
{
	if (k == 0) {
		static const char digits[] = "甲乙丙丁戊己庚辛壬癸";
		char name[64];
		int n = name_counter++;
		snprintf(name, sizeof(name), "福州测试%.3s%.3s", digits + 3 * ((n / 10) % 10),
		    digits + 3 * (n % 10));
		return drive("gov", "domain", domain_values(name), state);
	}
	if (k == 1)
		return drive("gov", "site", site_values(shared ? "福州市人民政府.政务" :
		    "福州政务二.政务"), state);
	return drive("lib", "mark", mark_values(shared ? "福州市图书馆.公益" : "福州图书馆二.公益"),
	    state);
}

/* As marks check does, with the monitor as app->user: ACTION on case ID. */
static sm_status
monitor_act(int64_t id, const char *action)
{
	sm_act a = {.case_id = id, .action = sm_action_parse(action)};
	sm_err_clear(err);
	return sm_case_act(app, &a, NULL, err);
}

struct check_ctx {
	const sm_mark_check *mc;
};

static sm_status
check_tx(sm_tx *tx, void *ud, sm_err *e)
{
	int64_t id = 0;
	return sm_tx_mark_check_insert(tx, ((struct check_ctx *)ud)->mc, SM_MONITOR_LOGIN, &id, e);
}

/* A check of case ID stored, that passed or not (no pages: its verdict is
 * what the rules read). */
static void
monitor_check(int64_t id, bool pass)
{
	static int n;
	char rid[32];
	snprintf(rid, sizeof(rid), "check-%d", ++n);
	sm_mark_check mc = {.case_id = id, .code = (char *)"CA35001000000000000000000",
	    .state = SM_STATE_MARK_HUNG, .pass = pass};
	struct check_ctx c = {&mc};
	OK(sm_store_write(app->store, rid, check_tx, &c, NULL, NULL, err));
}

/* The mark monitor's account: made by the core, once; it flags a hung mark
 * missing (back to mark_issued), as the office and CONAC may, and does
 * nothing but that and verify-hung. */
START_TEST(test_monitor_account)
{
	base_world();
	register_domain("lib", "福州市图书馆");
	int64_t mk = drive("lib", "mark", mark_values("福州市图书馆.公益"), "mark_hung");
	act_ok("fz-review", mk, "flag-missing", "mark_issued");  /* domain.md §4 */
	act_ok("fz-review", mk, "verify-hung", "mark_hung");
	ck_assert_int_ne(act_full("xm-review", mk, "flag-missing", NULL, NULL, 0, NULL), SM_OK);
	as("lib");
	ck_assert_int_eq(sm_monitor_account(app, err), SM_E_DENIED); /* not a unit's to make */
	sm_err_clear(err);
	as("admin"); /* the system administrator runs the first check */
	OK(sm_monitor_account(app, err));
	OK(sm_monitor_account(app, err));
	sm_user u = {0};
	OK(sm_store_user_get(app->store, SM_MONITOR_LOGIN, &u, err));
	ck_assert_int_eq(u.role, SM_ROLE_MONITOR);
	/* no one signs in with it (a Unix account named monitor gets nothing) */
	FAILS(SM_E_DENIED, sm_app_login(app, SM_MONITOR_LOGIN, err));
	ck_assert(err_has("no one signs in"));
	sm_err_clear(err);
	/* marks check acts as it: on its own word, nothing */
	sm_user_clear(&app->user);
	app->user = u;
	ck_assert_int_ne(monitor_act(mk, "flag-missing"), SM_OK);
	ck_assert(err_has("latest check"));
	/* after a check that found the mark missing: flag-missing, not verify-hung */
	monitor_check(mk, false);
	ck_assert_int_ne(monitor_act(mk, "verify-hung"), SM_OK);
	OK(monitor_act(mk, "flag-missing"));
	char *h = history(mk);
	ck_assert_ptr_nonnull(strstr(h, "|flag-missing mark_hung mark_issued monitor"));
	free(h);
	ck_assert_int_ne(monitor_act(mk, "withdraw"), SM_OK);
	ck_assert_int_ne(monitor_act(mk, "verify-hung"), SM_OK); /* its latest check failed */
	/* after a check that passed: verify-hung */
	monitor_check(mk, true);
	OK(monitor_act(mk, "verify-hung"));
	char *now = state_of(mk);
	ck_assert_str_eq(now, "mark_hung");
	free(now);
	monitor_check(mk, true);
	ck_assert_int_ne(monitor_act(mk, "flag-missing"), SM_OK); /* it passed */
}
END_TEST

START_TEST(test_matrix)
{
	base_world();
	register_domain("gov", "福州市人民政府");
	register_domain("gov", "福州政务二");
	register_domain("lib", "福州市图书馆");
	register_domain("lib", "福州图书馆二");
	int k = _i;
	const char *logins[W_N];
	logins[W_UNIT_OWN] = k == 2 ? "lib" : "gov";
	logins[W_UNIT_OTHER] = k == 2 ? "vol" : "gov2";
	logins[W_OFFICE_OWN] = "fz-review";
	logins[W_OFFICE_OTHER] = "xm-review";
	logins[W_CONAC] = "conac-li";
	logins[W_SERVICE] = "kf";
	logins[W_SYSADMIN] = "admin";
	logins[W_SECADMIN] = "sec";
	logins[W_AUDITOR] = "aud";
	int allowed = 0, refused = 0;

	for (int si = 0; kind_states[k][si]; si++) {
		const char *state = kind_states[k][si];
		int64_t shared = matrix_case(k, state, true);
		char *now = state_of(shared);
		ck_assert_str_eq(now, state);
		free(now);
		for (int a = 0; a < N_ACTIONS; a++) {
			const char *action = all_actions[a];
			for (int w = 0; w < W_N; w++) {
				const char *to = spec_to(kinds[k], state, action, (enum who)w);
				json_t *v = std_values(action);
				struct snap s0, s1;
				if (to != NULL) {
					/* Allowed: on a fresh case, which then moves. */
					int64_t id = matrix_case(k, state, false);
					int64_t ver = version_of(id);
					char *ns = NULL;
					snap(&s0);
					sm_status st = act_full(logins[w], id, action, v, NULL, ver, &ns);
					if (st != SM_OK)
						tu_dump_err(err);
					ck_assert_msg(st == SM_OK, "%s %s %s by %s: %d", kinds[k], state,
					    action, logins[w], st);
					ck_assert_str_eq(ns, to);
					free(ns);
					snap(&s1);
					ck_assert_int_eq(s1.v[S_AUDIT], s0.v[S_AUDIT] + 1);
					ck_assert_int_eq(s1.v[S_VERSIONS], s0.v[S_VERSIONS] + 1);
					ck_assert_int_eq(version_of(id), ver + 1);
					char *h = history(id);
					char *last = strrchr(h, '|');
					char want[256];
					snprintf(want, sizeof(want), "%s %s %s %s", action, state, to,
					    logins[w]);
					ck_assert_str_eq(last ? last + 1 : h, want);
					free(h);
					dispose(logins[W_UNIT_OWN], id);
					allowed++;
				} else {
					/* Refused, with nothing written, on the shared case. */
					int64_t ver = version_of(shared);
					snap(&s0);
					for (int e = 0; e < 2; e++) {
						sm_status st = act_full(logins[w], shared, action, v, NULL,
						    e ? ver : 0, NULL);
						sm_status want = !sees((enum who)w) ? SM_E_DENIED :
						    !spec_applies(kinds[k], state, action) ? SM_E_STATE :
						    SM_E_DENIED;
						/* a role that does this action in another state
						 * (a reviewer who lost a race) is told the state */
						if (want == SM_E_DENIED && sees((enum who)w) &&
						    st == SM_E_STATE)
							want = SM_E_STATE;
						ck_assert_msg(st == want, "%s %s %s by %s: %d, want %d (%s)",
						    kinds[k], state, action, logins[w], st, want,
						    sm_err_msg(err, 0) ? sm_err_msg(err, 0) : "");
					}
					snap(&s1);
					ck_assert_msg(snap_eq(&s0, &s1), "%s %s %s by %s wrote something",
					    kinds[k], state, action, logins[w]);
					ck_assert_int_eq(version_of(shared), ver);
					refused++;
				}
				json_decref(v);
			}
		}
		dispose(logins[W_UNIT_OWN], shared);
	}
	/* The allowed cells of domain.md §4: domain 10, site 13, mark 11. */
	static const int want_allowed[3] = {10, 15, 13};
	int n_states = 0;
	while (kind_states[k][n_states])
		n_states++;
	ck_assert_int_eq(allowed, want_allowed[k]);
	ck_assert_int_eq(refused, n_states * N_ACTIONS * W_N - want_allowed[k]);
	int64_t broken = -1, count = -1;
	OK(sm_store_audit_verify(app->store, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	OK(sm_store_integrity(app->store, err));
}
END_TEST

/* ------------------------------------------------------------ demo */

START_TEST(test_demo)
{
	OK(sm_demo_build(app, err));
	ck_assert_str_eq(app->user.login, "admin");
	/* the demo walked the session's clock and put it back */
	sm_clock now = sm_clock_choose(NOW, false);
	ck_assert(app->clock.fixed);
	ck_assert_int_eq((long long)app->clock.at, (long long)now.at);
	ck_assert_str_eq(getenv("SITEMARK_NOW"), NOW);
	for (int si = 1; si < SM_STATE_COUNT; si++) {
		char sql[128];
		const char *sn = sm_state_name((sm_state)si);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM cases WHERE state = '%s'", sn);
		ck_assert_msg(raw_int(sql) > 0, "no demo case is %s", sn);
	}
	int64_t broken = -1, count = -1;
	OK(sm_store_audit_verify(app->store, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	ck_assert_int_gt(count, 50);
	OK(sm_store_integrity(app->store, err));
	/* Marks exactly where they belong. */
	ck_assert_int_eq(raw_int("SELECT count(*) FROM cases c WHERE c.state IN"
	    " ('mark_issued', 'mark_hung') AND NOT EXISTS (SELECT 1 FROM marks m"
	    " WHERE m.case_id = c.id)"), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM marks m JOIN cases c ON c.id = m.case_id"
	    " WHERE c.state NOT IN ('mark_issued', 'mark_hung')"), 0);
	ck_assert_int_ge(raw_int("SELECT count(*) FROM marks"), 3);
	/* Every demo account can log in; the case actions were made by them. */
	ck_assert_int_gt(raw_int("SELECT count(DISTINCT actor) FROM audit WHERE object = 'case'"), 10);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM audit WHERE object = 'case' AND actor"
	    " NOT IN (SELECT login FROM users)"), 0);
	/* Some cases are overdue against the fixed now. */
	sm_case *cs = NULL;
	size_t n = 0;
	int over = 0;
	as("conac-li");
	OK(query(false, &cs, &n));
	for (size_t i = 0; i < n; i++)
		over += sm_case_days_over(app, &cs[i]) > 0;
	sm_cases_free(&cs, n);
	ck_assert_int_gt(over, 0);
	/* The Fuzhou office's queue is more than a screen (issue 6, point 14). */
	as("fz-review");
	OK(query(true, &cs, &n));
	sm_cases_free(&cs, n);
	ck_assert_int_gt(n, 19);
	/* A page of a queue is the head of the whole, with the counts of all. */
	const sm_queue *review = sm_queue_find("review");
	ck_assert_ptr_nonnull(review);
	sm_case_query whole = {.queue = review}, head = {.queue = review, .limit = 7, .count = true};
	sm_case_page pw, ph;
	OK(sm_view_cases(app, &whole, &pw, err));
	OK(sm_view_cases(app, &head, &ph, err));
	ck_assert_uint_gt(pw.n, 7);
	ck_assert_uint_eq(ph.n, 7);
	ck_assert_int_eq(ph.total, (int64_t)pw.n);
	ck_assert_int_eq(ph.overdue_total, pw.overdue);
	ck_assert_int_gt(ph.overdue_total, 0);
	for (size_t i = 0; i < 7; i++)
		ck_assert_int_eq(ph.cases[i].id, pw.cases[i].id);
	head.offset = 7;
	sm_case_page_clear(&ph);
	OK(sm_view_cases(app, &head, &ph, err));
	for (size_t i = 0; i < ph.n; i++)
		ck_assert_int_eq(ph.cases[i].id, pw.cases[7 + i].id);
	sm_case_page_clear(&ph);
	sm_case_page_clear(&pw);
	/* A second demo on the same database is refused, and writes nothing. */
	as("admin");
	struct snap a, b;
	snap(&a);
	ck_assert_int_ne(sm_demo_build(app, err), SM_OK);
	snap(&b);
	ck_assert(snap_eq(&a, &b));
	ck_assert_str_eq(app->user.login, "admin");
}
END_TEST

/* ------------------------------------------------------------ random walk */

static const char *const rnd_logins[] = {
	"gov", "gov2", "lib", "vol", "fz-review", "fz-review2", "xm-review", "conac-li",
	"conac-wang", "kf", "admin", "sec", "aud",
};
#define N_RND_LOGINS 13

static const char *const rnd_names[] = {
	"福州甲", "福州乙", "福州丙", "福州ab", "福州ＡＢ", "福州市人民政府", "福州市图书馆",
};
#define N_RND_NAMES 7

static const char *const rnd_domains[] = {
	"福州市人民政府.政务", "福州甲.政务", "福州乙。政务", "福州ab.政务", "福州市图书馆.公益",
	"福州甲.公益", "福州丙.公益", "福州ＡＢ.公益",
};
#define N_RND_DOMAINS 8

static int
rnd(int n)
{
	return rand() % n;
}

static enum who
who_of(const char *login, const sm_case *c)
{
	sm_user u = {0};
	enum who w = W_AUDITOR;
	OK(sm_store_user_get(app->store, login, &u, err));
	if (eq(sm_role_name(u.role), "unit"))
		w = u.unit == c->unit ? W_UNIT_OWN : W_UNIT_OTHER;
	else if (eq(sm_role_name(u.role), "office"))
		w = eq(u.office, c->office) ? W_OFFICE_OWN : W_OFFICE_OTHER;
	else if (eq(sm_role_name(u.role), "conac"))
		w = W_CONAC;
	else if (eq(sm_role_name(u.role), "service"))
		w = W_SERVICE;
	else if (eq(sm_role_name(u.role), "sysadmin"))
		w = W_SYSADMIN;
	else if (eq(sm_role_name(u.role), "secadmin"))
		w = W_SECADMIN;
	sm_user_clear(&u);
	return w;
}

static json_t *
rnd_case_values(const char *kind)
{
	json_t *v;
	if (eq(kind, "domain"))
		return domain_values(rnd_names[rnd(N_RND_NAMES)]);
	v = eq(kind, "site") ? site_values(rnd_domains[rnd(N_RND_DOMAINS)]) :
	    mark_values(rnd_domains[rnd(N_RND_DOMAINS)]);
	if (rnd(8) == 0)
		json_object_del(v, "site_name");  /* incomplete: a draft, never submitted */
	return v;
}

START_TEST(test_random_walk)
{
	const char *env = getenv("SM_RANDOM_ACTIONS");
	int total = env && *env ? atoi(env) : 20000;
	int ok_acts = 0, ok_other = 0, refused = 0;

	base_world();
	register_domain("gov", "福州市人民政府");
	register_domain("lib", "福州市图书馆");
	drive("gov", "site", values_file("site-own.yaml"), "paper_pending");
	drive("lib", "mark", values_file("mark-own.yaml"), "conac_review");
	srand(20260213);

	for (int i = 0; i < total; i++) {
		const char *login = rnd_logins[rnd(N_RND_LOGINS)];
		int64_t max_id = raw_int("SELECT ifnull(max(id), 0) FROM cases");
		int64_t id = 1 + rnd((int)max_id + 1);   /* sometimes no such case */
		int64_t n_open = raw_int("SELECT count(*) FROM cases WHERE state NOT IN"
		    " ('withdrawn', 'registered', 'mark_hung')");
		if (n_open > 0 && rnd(2)) {
			/* half of the time an open case */
			char sql[160];
			snprintf(sql, sizeof(sql), "SELECT id FROM cases WHERE state NOT IN"
			    " ('withdrawn', 'registered', 'mark_hung') ORDER BY id LIMIT 1 OFFSET %d",
			    rnd((int)n_open));
			id = raw_int(sql);
		}
		int op = rnd(100);
		struct snap s0, s1;
		sm_status st;
		sm_case c = {0};
		bool exists = sm_store_case_get(app->store, id, &c, NULL) == SM_OK;
		const char *action = all_actions[rnd(N_ACTIONS)];
		int mode = rnd(3);
		if (exists && mode > 0) {
			/* an action that applies to the case's state ... */
			const char *fit[N_ACTIONS];
			int nfit = 0;
			for (int a = 0; a < N_ACTIONS; a++)
				if (spec_applies(sm_kind_name(c.kind), sm_state_name(c.state), all_actions[a]))
					fit[nfit++] = all_actions[a];
			if (nfit > 0)
				action = fit[rnd(nfit)];
			if (nfit > 1 && eq(action, "withdraw"))  /* withdraw less often */
				action = fit[rnd(nfit)];
			/* ... and a third of the time by someone who may do it */
			const char *who_may[N_RND_LOGINS];
			int nmay = 0;
			for (int l = 0; mode == 2 && l < N_RND_LOGINS; l++)
				if (spec_to(sm_kind_name(c.kind), sm_state_name(c.state), action, who_of(rnd_logins[l], &c)))
					who_may[nmay++] = rnd_logins[l];
			if (nmay > 0)
				login = who_may[rnd(nmay)];
		}
		if (op >= 60 && op < 85 && rnd(10) < 7)
			login = rnd_logins[rnd(4)];   /* new cases mostly by unit operators */
		enum who w = exists ? who_of(login, &c) : W_AUDITOR;

		as(login);
		snap(&s0);
		if (op < 60) {
			json_t *v = std_values(action);
			int64_t expect = 0;
			bool stale = false;
			int e = rnd(10);
			if (exists && e < 4)
				expect = c.version;
			else if (exists && e == 4 && c.version > 1) {
				expect = c.version - 1;
				stale = true;
			}
			char *ns = NULL;
			st = act_full(login, id, action, v, NULL, expect, &ns);
			json_decref(v);
			snap(&s1);
			if (st == SM_OK) {
				ck_assert_msg(exists, "acted on a missing case %lld", (long long)id);
				const char *to = spec_to(sm_kind_name(c.kind), sm_state_name(c.state), action, w);
				ck_assert_msg(to != NULL, "step %d: %s did %s on %s case %lld in %s", i,
				    login, action, sm_kind_name(c.kind), (long long)id, sm_state_name(c.state));
				ck_assert_msg(!stale, "step %d: a stale version was accepted", i);
				ck_assert_str_eq(ns, to);
				ck_assert_int_eq(s1.v[S_AUDIT], s0.v[S_AUDIT] + 1);
				ck_assert_int_eq(s1.v[S_VERSIONS], s0.v[S_VERSIONS] + 1);
				ck_assert_int_eq(s1.v[S_CASES], s0.v[S_CASES]);
				/* a mark is issued once: flag-missing takes a hung one back */
				bool issue = eq(to, "mark_issued") && !eq(action, "flag-missing");
				ck_assert_int_eq(s1.v[S_MARKS], s0.v[S_MARKS] + (issue ? 1 : 0));
				ck_assert_int_eq(s1.v[S_DOMAINS], s0.v[S_DOMAINS] +
				    (eq(to, "registered") ? 1 : 0));
				ok_acts++;
			} else {
				ck_assert_msg(snap_eq(&s0, &s1), "step %d: refused %s by %s wrote", i,
				    action, login);
				if (!exists)
					ck_assert_int_eq(st, SM_E_NOTFOUND);
				else if (spec_to(sm_kind_name(c.kind), sm_state_name(c.state), action, w) == NULL)
					ck_assert_msg(st == SM_E_DENIED || st == SM_E_STATE ||
					    (st == SM_E_CONFLICT && stale), "step %d: status %d", i, st);
				else {
					if (getenv("SM_RANDOM_VERBOSE") && !stale)
						fprintf(stderr, "allowed but refused: %s %s %s by %s: %s\n",
						    sm_kind_name(c.kind), sm_state_name(c.state), action, login,
						    sm_err_msg(err, 0));
					ck_assert_msg(st == SM_E_INVALID || st == SM_E_DUPLICATE ||
					    (st == SM_E_CONFLICT && stale), "step %d: %s %s by %s: %d (%s)",
					    i, action, sm_state_name(c.state), login, st, sm_err_msg(err, 0));
				}
				refused++;
			}
			free(ns);
		} else if (op < 85) {
			const char *kind = kinds[rnd(3)];
			int64_t nid = 0;
			json_t *v = rnd_case_values(kind);
			sm_err_clear(err);
			st = sm_case_new(app, sm_kind_parse(kind), v, &nid, err);
			json_decref(v);
			snap(&s1);
			if (st == SM_OK) {
				ck_assert(app->user.role == SM_ROLE_UNIT);
				sm_unit u = {0};
				OK(sm_store_unit_get(app->store, app->user.unit, &u, err));
				ck_assert(eq(kind, "domain") || eq(kind, eq(sm_unit_type_name(u.type), "organ") ? "site" :
				    "mark"));
				sm_unit_clear(&u);
				ck_assert_int_eq(s1.v[S_CASES], s0.v[S_CASES] + 1);
				ck_assert_int_eq(s1.v[S_AUDIT], s0.v[S_AUDIT] + 1);
				ok_other++;
			} else {
				ck_assert_msg(snap_eq(&s0, &s1), "step %d: refused new wrote", i);
				refused++;
			}
		} else if (op < 93) {
			json_t *v;
			if (exists && eq(sm_kind_name(c.kind), "domain"))
				v = json_pack("{s:s}", "name", rnd_names[rnd(N_RND_NAMES)]);
			else if (rnd(2))
				v = json_pack("{s:s}", "domain", rnd_domains[rnd(N_RND_DOMAINS)]);
			else
				v = json_pack("{s:s}", "site_name", "福州网站");
			sm_err_clear(err);
			st = sm_case_edit(app, id, v, rnd(2) && exists ? c.version : 0, err);
			json_decref(v);
			snap(&s1);
			if (st == SM_OK) {
				ck_assert(exists);
				ck_assert(w == W_UNIT_OWN);
				ck_assert(eq(sm_state_name(c.state), "draft") || eq(sm_state_name(c.state), "returned"));
				ck_assert_int_eq(s1.v[S_VERSIONS], s0.v[S_VERSIONS] + 1);
				ck_assert_int_eq(s1.v[S_AUDIT], s0.v[S_AUDIT] + 1);
				ok_other++;
			} else {
				ck_assert_msg(snap_eq(&s0, &s1), "step %d: refused edit wrote", i);
				refused++;
			}
		} else if (op < 97) {
			sm_err_clear(err);
			st = sm_case_note(app, id, "随机备注", err);
			snap(&s1);
			if (st == SM_OK) {
				ck_assert(exists);
				ck_assert(eq(login, "kf"));
				ck_assert_int_eq(s1.v[S_NOTES], s0.v[S_NOTES] + 1);
				ok_other++;
			} else {
				ck_assert(snap_eq(&s0, &s1));
				refused++;
			}
		} else {
			sm_err_clear(err);
			st = sm_case_printed(app, id, rnd(2) ? "letter" : "form", err);
			snap(&s1);
			if (st == SM_OK) {
				ck_assert(exists);
				ck_assert(eq(sm_kind_name(c.kind), "site"));
				ck_assert(eq(sm_state_name(c.state), "paper_pending") || eq(sm_state_name(c.state), "mark_issued") ||
				    eq(sm_state_name(c.state), "mark_hung"));
				ck_assert(sees(w));
				ck_assert_int_eq(s1.v[S_VERSIONS], s0.v[S_VERSIONS]);
				ck_assert_int_eq(s1.v[S_AUDIT], s0.v[S_AUDIT] + 1);
				ok_other++;
			} else {
				ck_assert(snap_eq(&s0, &s1));
				refused++;
			}
		}
		sm_case_clear(&c);
	}
	if (getenv("SM_RANDOM_VERBOSE")) {
		fprintf(stderr, "random walk: %d actions applied, %d other writes, %d refused, "
		    "%lld audit records\n", ok_acts, ok_other, refused, (long long)audit_count());
		sqlite3_stmt *q = NULL;
		sqlite3_prepare_v2(raw, "SELECT kind, state, count(*) FROM cases GROUP BY 1, 2", -1,
		    &q, NULL);
		while (sqlite3_step(q) == SQLITE_ROW)
			fprintf(stderr, "  %s %s %d\n", sqlite3_column_text(q, 0),
			    sqlite3_column_text(q, 1), sqlite3_column_int(q, 2));
		sqlite3_finalize(q);
	}
	/* The walk went somewhere. */
	ck_assert_int_gt(ok_acts, total / 20);
	ck_assert_int_gt(refused, total / 2);
	ck_assert_int_gt(raw_int("SELECT count(*) FROM cases WHERE state IN"
	    " ('mark_issued', 'mark_hung')"), 1);
	/* One mark per issued case, none elsewhere, no code twice. */
	ck_assert_int_eq(raw_int("SELECT count(*) FROM cases c WHERE c.state IN"
	    " ('mark_issued', 'mark_hung') AND (SELECT count(*) FROM marks m"
	    " WHERE m.case_id = c.id) <> 1"), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM marks m JOIN cases c ON c.id = m.case_id"
	    " WHERE c.state NOT IN ('mark_issued', 'mark_hung')"), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) - count(DISTINCT code) FROM marks"), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) - count(DISTINCT cert_no) FROM marks"), 0);
	/* Each unit's marks are numbered 1..n. */
	ck_assert_int_eq(raw_int("SELECT count(*) FROM units u WHERE u.mark_seq <>"
	    " (SELECT count(*) FROM marks m WHERE m.unit = u.id)"), 0);
	/* Domains: one open case per name; registered names once. */
	ck_assert_int_eq(raw_int("SELECT count(*) FROM (SELECT domain FROM cases WHERE"
	    " kind = 'domain' AND state NOT IN ('withdrawn', 'registered') AND domain IS NOT NULL"
	    " GROUP BY domain HAVING count(*) > 1)"), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM domains d JOIN cases c ON c.domain = d.ace"
	    " AND c.kind = 'domain' AND c.state NOT IN ('withdrawn', 'registered')"), 0);
	int64_t broken = -1, count = -1;
	OK(sm_store_audit_verify(app->store, &broken, &count, err));
	ck_assert_int_eq(broken, 0);
	OK(sm_store_integrity(app->store, err));

}
END_TEST

static void
unsnap(void)
{
	snap_done();
	teardown();
}

static Suite *
workflow_suite(void)
{
	Suite *s = suite_create("workflow");
	TCase *tc = tcase_create("flows");
	tcase_add_checked_fixture(tc, setup, unsnap);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_organ_flow);
	tcase_add_test(tc, test_institution_flow);
	tcase_add_test(tc, test_returned_and_resubmitted);
	tcase_add_test(tc, test_notice_recipients);
	tcase_add_test(tc, test_notice_name_and_mail);
	tcase_add_test(tc, test_future_dates);
	tcase_add_test(tc, test_may_start);
	tcase_add_test(tc, test_confirm_paper_missing);
	tcase_add_test(tc, test_optimistic_lock);
	tcase_add_test(tc, test_request_id_bound);
	tcase_add_test(tc, test_race_loser_told);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup, unsnap);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_other_office_and_admins);
	tcase_add_test(tc, test_unmask);
	tcase_add_test(tc, test_self_approval);
	tcase_add_test(tc, test_kind_rules);
	tcase_add_test(tc, test_print_rule);
	tcase_add_test(tc, test_domain_unique);
	tcase_add_test(tc, test_users_and_units);
	tcase_add_test(tc, test_admin_matrix);
	tcase_add_test(tc, test_admin_separation);
	tcase_add_test(tc, test_open_session_follows_the_account);
	tcase_add_test(tc, test_queues);
	tcase_add_loop_test(tc, test_matrix, 0, 3);
	tcase_add_test(tc, test_monitor_account);
	suite_add_tcase(s, tc);

	tc = tcase_create("demo");
	tcase_add_checked_fixture(tc, setup, unsnap);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_demo);
	tcase_add_test(tc, test_redpage);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_add_checked_fixture(tc, setup, unsnap);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_random_walk);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(workflow_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
