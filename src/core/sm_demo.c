/* sm_demo.c - a believable Fujian deployment (init --demo).
 *
 * Everything is made through the workflow, acting as the people who would do
 * it, at moments spread over the last weeks (the session's clock is moved
 * while it works), so that deadlines fall where they would and
 * some cases are overdue.  The data are fictitious but valid: every USCC, ID
 * number and domain passes its check. */
#include <config.h>

#include "sm_demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calendar.h"
#include "sm_i18n.h"
#include "sm_workflow.h"
#include "sm_yaml.h"

static const struct {
	const char *code, *name;
} offices[] = {
	{"000000", "中央编办电子政务中心"},
	{"350000", "中共福建省委机构编制委员会办公室"},
	{"350100", "中共福州市委机构编制委员会办公室"},
	{"350102", "中共福州市鼓楼区委机构编制委员会办公室"},
	{"350200", "中共厦门市委机构编制委员会办公室"},
};

static const struct {
	const char *login, *role, *office, *name, *mobile;
} staff[] = {
	{"secadmin", "secadmin", NULL, "周敏", NULL},
	{"auditor", "auditor", NULL, "吴刚", NULL},
	{"zy-review", "office", "000000", "孙丽", "13901000001"},
	{"fj-review", "office", "350000", "曾群", "13905910101"},
	{"fz-review", "office", "350100", "林涛", "13905910102"},
	{"gl-review", "office", "350102", "黄丹", "13905910103"},
	{"xm-review", "office", "350200", "许静", "13905920104"},
	{"conac-li", "conac", NULL, "李娜", "13901000201"},
	{"conac-wang", "conac", NULL, "王磊", "13901000202"},
	{"kf-zhao", "service", NULL, "赵敏", "13901000301"},
};

/* Units: login, then the unit form's values as YAML. */
#define CONTACT(n, phone, mobile, email, hn, id, hm) \
	"contact: {name: " n ", phone: \"" phone "\", mobile: \"" mobile "\", email: " email "}\n" \
	"handler: {name: " hn ", id_number: \"" id "\", mobile: \"" hm "\"}\n"

static const struct {
	const char *login;
	const char *yaml;
} units[] = {
	{"fj-gov",
	    "name: 福建省人民政府办公厅\ntype: organ\nuscc: \"113500000030120073\"\n"
	    "affiliation: local\ndivision: \"350000\"\naddress: 福建省福州市鼓楼区鼓屏路1号\n"
	    "functions: 负责省政府日常工作的组织协调，督促检查省政府决定事项的落实。\nhead: 陈立新\n"
	    CONTACT("郑玲", "0591-87091234", "13905911001", "web@fujian.gov.cn", "刘洋",
	        "350102197001111002", "13905911002")},
	{"fz-gov",
	    "name: 福州市人民政府办公厅\ntype: organ\nuscc: \"113501000030120153\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区八一七北路84号\n"
	    "functions: 负责市政府日常工作的组织协调。\nhead: 张明\n"
	    CONTACT("李华", "0591-83991234", "13905911011", "webmaster@fuzhou.gov.cn", "王芳",
	        "350102197102121015", "13905911012")},
	{"gl-gov",
	    "name: 福州市鼓楼区人民政府办公室\ntype: organ\nuscc: \"11350102003012023T\"\n"
	    "affiliation: local\ndivision: \"350102\"\naddress: 福建省福州市鼓楼区乌山路97号\n"
	    "functions: 负责区政府日常工作的组织协调。\nhead: 林志强\n"
	    CONTACT("高峰", "0591-87531234", "13905911021", "gl@gl.gov.cn", "蔡琳",
	        "350102197203111027", "13905911022")},
	{"fj-edu",
	    "name: 福建省教育厅\ntype: organ\nuscc: \"11350000003012031K\"\n"
	    "affiliation: local\ndivision: \"350000\"\naddress: 福建省福州市鼓楼区北大路255号\n"
	    "functions: 主管全省教育工作。\nhead: 黄晓东\n"
	    CONTACT("方圆", "0591-87091001", "13905911031", "web@jyt.fujian.gov.cn", "何静",
	        "35010219730412103X", "13905911032")},
	{"fz-hosp",
	    "name: 福州市第一医院\ntype: institution\nuscc: \"1235010048800010XM\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市台江区达道路190号\n"
	    "functions: 医疗、教学、科研、预防保健。\nhead: 邱建平\n"
	    CONTACT("叶青", "0591-83351234", "13905911041", "xxk@fzsdyyy.com", "吕佳",
	        "350102197405111041", "13905911042")},
	{"fj-lib",
	    "name: 福建省图书馆\ntype: institution\nuscc: \"12350000488000118G\"\n"
	    "affiliation: local\ndivision: \"350000\"\naddress: 福建省福州市湖东路227号\n"
	    "functions: 文献收藏、借阅与公共文化服务。\nhead: 魏晓红\n"
	    CONTACT("彭丽", "0591-87850000", "13905911051", "web@fjlib.net", "许可",
	        "350102197506121054", "13905911052")},
	{"fj-charity",
	    "name: 福建省慈善总会\ntype: social\nuscc: \"51350000501000121A\"\n"
	    "affiliation: local\ndivision: \"350000\"\naddress: 福建省福州市鼓楼区东街33号\n"
	    "functions: 募集善款，开展社会救助与公益活动。\nhead: 罗明\n"
	    CONTACT("谢敏", "0591-87550001", "13905911061", "office@fjcharity.org.cn", "田甜",
	        "350102197607111066", "13905911062")},
	{"fz-volunteer",
	    "name: 福州市志愿者协会\ntype: social\nuscc: \"5135010050100013X7\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区五四路158号\n"
	    "functions: 组织、协调全市志愿服务活动。\nhead: 范文\n"
	    CONTACT("丁宁", "0591-87600001", "13905911071", "fzzyz@163.com", "冯雪",
	        "350102197708121079", "13905911072")},
	{"xm-gov",
	    "name: 厦门市人民政府办公厅\ntype: organ\nuscc: \"1135020000301204XM\"\n"
	    "affiliation: local\ndivision: \"350200\"\naddress: 福建省厦门市思明区湖滨北路61号\n"
	    "functions: 负责市政府日常工作的组织协调。\nhead: 潘伟\n"
	    CONTACT("程丽", "0592-2891234", "13905921081", "web@xm.gov.cn", "邓超",
	        "350102197809111080", "13905921082")},
	{"tj-survey",
	    "name: 国家统计局福建调查总队\ntype: organ\nuscc: \"11350100003012058G\"\n"
	    "affiliation: central\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区华林路146号\n"
	    "functions: 承担国家统计调查任务。\nhead: 曹建国\n"
	    CONTACT("韩梅", "0591-87801234", "13905911091", "web@fj.stats.gov.cn", "袁野",
	        "350102197901121097", "13905911092")},
	{"gl-school",
	    "name: 福州市鼓楼区实验小学\ntype: institution\nuscc: \"123501024880001423\"\n"
	    "affiliation: local\ndivision: \"350102\"\naddress: 福建省福州市鼓楼区鼓屏路41号\n"
	    "functions: 实施小学义务教育。\nhead: 沈芳\n"
	    CONTACT("江涛", "0591-87531001", "13905911101", "office@glsx.cn", "白露",
	        "350102198002111105", "13905911102")},
};

struct demo {
	sm_app *app;
	sm_err *err;
	time_t base;
};

/* Move the session's clock to DAYS before the demo's "now", at HOUR:00. */
static void
clock_at(struct demo *d, int days, int hour)
{
	time_t t = d->base - (time_t)days * 86400;
	t -= (t + 8 * 3600) % 86400;      /* midnight in Asia/Shanghai */
	t += (time_t)hour * 3600;
	d->app->clock = sm_clock_fixed(t);
}

static sm_status
as(struct demo *d, const char *login)
{
	return sm_app_login(d->app, login, d->err);
}

static json_t *
yaml(struct demo *d, const char *text)
{
	return sm_values_load_buffer(text, strlen(text), "demo", d->err);
}

static sm_status
act(struct demo *d, const char *login, int64_t id, const char *action, const char *values_yaml)
{
	sm_case c = {0};
	json_t *v = NULL;
	sm_status st;
	if ((st = as(d, login)) != SM_OK)
		return st;
	if (values_yaml && (v = yaml(d, values_yaml)) == NULL)
		return SM_E_INVALID;
	if ((st = sm_case_read(d->app, id, &c, d->err)) == SM_OK) {
		sm_act a = {.case_id = id, .action = sm_action_parse(action), .values = v,
		    .expect_version = c.version};
		st = sm_case_act(d->app, &a, NULL, d->err);
	}
	sm_case_clear(&c);
	json_decref(v);
	return st;
}

static sm_status
new_case(struct demo *d, const char *login, const char *kind, const char *values_yaml,
         int64_t *id)
{
	json_t *v;
	sm_status st;
	if ((st = as(d, login)) != SM_OK)
		return st;
	if ((v = yaml(d, values_yaml)) == NULL)
		return SM_E_INVALID;
	st = sm_case_new(d->app, sm_kind_parse(kind), v, id, d->err);
	json_decref(v);
	return st;
}

#define TRY(x) do { if ((st = (x)) != SM_OK) goto out; } while (0)

static const char *const pay =
    "amount: \"300.00\"\nreceipt: CONAC-2026-%06d\npaid_on: \"%s\"\n";

static sm_status
confirm_payment(struct demo *d, int64_t id, int n)
{
	char vals[160], day[16];
	sm_date_format(sm_clock_today(&d->app->clock), day, sizeof(day));
	snprintf(vals, sizeof(vals), pay, n, day);
	return act(d, "conac-wang", id, "confirm-payment", vals);
}

/* A domain case from draft to registered over four days from DAYS ago. */
static sm_status
domain_registered(struct demo *d, const char *login, const char *office_login,
                  const char *name, int days, int n)
{
	char vals[256];
	int64_t id = 0;
	sm_status st;
	snprintf(vals, sizeof(vals), "name: %s\nusage: %s的中文域名。\n", name, name);
	clock_at(d, days, 9);
	TRY(new_case(d, login, "domain", vals, &id));
	TRY(act(d, login, id, "submit", NULL));
	clock_at(d, days - 1, 10);
	TRY(act(d, office_login, id, "approve", NULL));
	clock_at(d, days - 2, 11);
	TRY(act(d, "conac-li", id, "approve", NULL));
	clock_at(d, days - 3, 15);
	TRY(confirm_payment(d, id, n));
out:
	return st;
}

static const char *const site_tmpl =
    "purpose: %s\nsite_name: %s\ndomain: %s\nenglish_domains: [%s]\nhosting: own\n"
    "server_ip: %s\nserver_location: 福建省福州市\nicp_number: %s\n"
    "psb_number: 闽公网安备 %s号\nsite_code: \"%s\"\nintro: %s是本单位发布政务信息、提供在线服务的官方网站。\n"
    "site_head: {name: %s, mobile: \"%s\"}\n";

static const char *const mark_tmpl =
    "site_name: %s\ndomain: %s\nenglish_domains: [%s]\nhosting: %s\n%s"
    "intro: %s官方网站。\nsite_head: {name: %s, mobile: \"%s\"}\n";

sm_status
sm_demo_build(sm_app *app, sm_err *err)
{
	struct demo d = {app, err, sm_clock_now(&app->clock)};
	sm_clock saved_clock = app->clock;
	char *admin = app->user.login ? strdup(app->user.login) : NULL;
	char vals[1024];
	int64_t id = 0, site = 0, mk = 0;
	sm_status st = SM_OK;

	if (admin == NULL)
		return sm_err_add(err, SM_E_DENIED, NULL, _("no user is logged in"));
	/* Offices, staff and units: two months ago. */
	clock_at(&d, 60, 9);
	for (size_t i = 0; i < sizeof(offices) / sizeof(offices[0]); i++)
		TRY(sm_office_add(app, offices[i].code, offices[i].name, err));
	for (size_t i = 0; i < sizeof(staff) / sizeof(staff[0]); i++) {
		sm_user u = {.login = (char *)staff[i].login, .role = sm_role_parse(staff[i].role),
		    .office = (char *)staff[i].office, .name = (char *)staff[i].name,
		    .mobile = (char *)staff[i].mobile};
		TRY(sm_user_add(app, &u, err));
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		json_t *v = yaml(&d, units[i].yaml);
		if (v == NULL) {
			st = SM_E_INVALID;
			goto out;
		}
		clock_at(&d, 59 - (int)i, 10);
		st = sm_unit_register(app, v, units[i].login, &id, err);
		json_decref(v);
		if (st != SM_OK)
			goto out;
	}

	/* Domains registered five to seven weeks ago. */
	TRY(domain_registered(&d, "fj-gov", "fj-review", "福建省人民政府办公厅", 48, 1));
	TRY(domain_registered(&d, "fz-gov", "fz-review", "福州市人民政府", 47, 2));
	TRY(domain_registered(&d, "gl-gov", "gl-review", "鼓楼区人民政府", 46, 3));
	TRY(domain_registered(&d, "fj-edu", "fj-review", "福建省教育厅", 45, 4));
	TRY(domain_registered(&d, "fz-hosp", "fz-review", "福州市第一医院", 44, 5));
	TRY(domain_registered(&d, "fj-lib", "fj-review", "福建省图书馆", 43, 6));
	TRY(domain_registered(&d, "tj-survey", "zy-review", "国家统计局福建调查总队", 42, 7));

	/* Domains still on their way: a draft, overdue office review, CONAC
	 * review, awaiting payment. */
	clock_at(&d, 3, 9);
	TRY(new_case(&d, "fz-volunteer", "domain",
	    "name: 福州市志愿者协会\nusage: 协会门户网站。\n", &id));
	clock_at(&d, 21, 9);
	TRY(new_case(&d, "xm-gov", "domain",
	    "name: 厦门市人民政府\nusage: 厦门市人民政府门户网站。\n", &id));
	TRY(act(&d, "xm-gov", id, "submit", NULL));
	clock_at(&d, 6, 9);
	TRY(new_case(&d, "gl-school", "domain",
	    "name: 鼓楼区实验小学\nusage: 学校网站。\n", &id));
	TRY(act(&d, "gl-school", id, "submit", NULL));
	clock_at(&d, 5, 10);
	TRY(act(&d, "gl-review", id, "approve", NULL));
	clock_at(&d, 8, 9);
	TRY(new_case(&d, "fj-charity", "domain",
	    "name: 福建省慈善总会\nusage: 慈善总会网站。\n", &id));
	TRY(act(&d, "fj-charity", id, "submit", NULL));
	clock_at(&d, 7, 10);
	TRY(act(&d, "fj-review", id, "approve", NULL));
	clock_at(&d, 6, 11);
	TRY(act(&d, "conac-li", id, "approve", NULL));

	/* 福建省人民政府办公厅: the whole organ flow, mark hung. */
	snprintf(vals, sizeof(vals), site_tmpl, "requalify", "福建省人民政府门户网站",
	    "福建省人民政府办公厅.政务", "www.fujian.gov.cn", "117.25.128.10", "闽ICP备05003365号-1",
	    "35010202000101", "3500000001", "福建省人民政府门户网站", "陈志", "13905911003");
	clock_at(&d, 40, 9);
	TRY(new_case(&d, "fj-gov", "site", vals, &site));
	TRY(act(&d, "fj-gov", site, "submit", NULL));
	clock_at(&d, 38, 10);
	TRY(act(&d, "fj-review", site, "approve", NULL));
	clock_at(&d, 37, 11);
	TRY(act(&d, "conac-li", site, "approve", NULL));
	clock_at(&d, 30, 14);
	TRY(act(&d, "fj-review", site, "confirm-paper",
	    "letter: true\nforms: true\nid_copy: true\nreceived_on: \"2026-01-01\"\n"));
	clock_at(&d, 27, 10);
	TRY(act(&d, "conac-wang", site, "verify-hung", NULL));

	/* 福州市人民政府办公厅: rejected once by the office for its site name,
	 * resubmitted, approved, waiting for its paper (overdue). */
	snprintf(vals, sizeof(vals), site_tmpl, "new", "福州市政府网",
	    "福州市人民政府.政务", "www.fuzhou.gov.cn", "218.85.157.99", "闽ICP备12345678号-1",
	    "35010202000123", "3501000001", "福州市人民政府门户网站", "陈强", "13905911013");
	clock_at(&d, 30, 9);
	TRY(new_case(&d, "fz-gov", "site", vals, &site));
	TRY(act(&d, "fz-gov", site, "submit", NULL));
	clock_at(&d, 29, 10);
	TRY(act(&d, "fz-review", site, "reject",
	    "reason_code: site_name\nreason: 网站名称应与网站首页标题一致，请改为“福州市人民政府门户网站”。\n"));
	clock_at(&d, 28, 9);
	TRY(as(&d, "fz-gov"));
	{
		json_t *v = yaml(&d, "site_name: 福州市人民政府门户网站\n");
		sm_case c = {0};
		if (v == NULL) {
			st = SM_E_INVALID;
			goto out;
		}
		st = sm_case_read(app, site, &c, err);
		if (st == SM_OK)
			st = sm_case_edit(app, site, v, c.version, err);
		sm_case_clear(&c);
		json_decref(v);
		if (st != SM_OK)
			goto out;
	}
	TRY(act(&d, "fz-gov", site, "submit", NULL));
	clock_at(&d, 27, 10);
	TRY(act(&d, "fz-review", site, "approve", NULL));
	clock_at(&d, 26, 11);
	TRY(act(&d, "conac-wang", site, "approve", NULL));

	/* 鼓楼区人民政府办公室: returned by CONAC, waiting for the unit. */
	snprintf(vals, sizeof(vals), site_tmpl, "new", "鼓楼区人民政府网站",
	    "鼓楼区人民政府.政务", "www.gl.gov.cn", "218.85.157.120", "闽ICP备06001234号-1",
	    "35010202000200", "3501020001", "鼓楼区人民政府网站", "高峰", "13905911023");
	clock_at(&d, 12, 9);
	TRY(new_case(&d, "gl-gov", "site", vals, &site));
	TRY(act(&d, "gl-gov", site, "submit", NULL));
	clock_at(&d, 11, 10);
	TRY(act(&d, "gl-review", site, "approve", NULL));
	clock_at(&d, 10, 11);
	TRY(act(&d, "conac-li", site, "reject",
	    "reason_code: contact\nreason: 网站负责人手机号码无法接通，请核实后重新提交。\n"));

	/* 福建省教育厅: mark issued, hanging overdue. */
	snprintf(vals, sizeof(vals), site_tmpl, "new", "福建省教育厅网站",
	    "福建省教育厅.政务", "jyt.fujian.gov.cn", "117.25.128.20", "闽ICP备05003366号-1",
	    "35010202000301", "3500000002", "福建省教育厅网站", "方圆", "13905911033");
	clock_at(&d, 35, 9);
	TRY(new_case(&d, "fj-edu", "site", vals, &site));
	TRY(act(&d, "fj-edu", site, "submit", NULL));
	clock_at(&d, 33, 10);
	TRY(act(&d, "fj-review", site, "approve", NULL));
	clock_at(&d, 32, 11);
	TRY(act(&d, "conac-li", site, "approve", NULL));
	clock_at(&d, 25, 15);
	TRY(act(&d, "fj-review", site, "confirm-paper",
	    "letter: true\nforms: true\nid_copy: true\nreceived_on: \"2026-01-01\"\n"));

	/* 国家统计局福建调查总队: a central unit, waiting for the central office. */
	snprintf(vals, sizeof(vals), site_tmpl, "requalify", "国家统计局福建调查总队网站",
	    "国家统计局福建调查总队.政务", "www.fj.stats.gov.cn", "117.25.128.30",
	    "京ICP备05034670号-2", "35010202000400", "bm35000001", "国家统计局福建调查总队网站",
	    "韩梅", "13905911093");
	clock_at(&d, 2, 9);
	TRY(new_case(&d, "tj-survey", "site", vals, &site));
	TRY(act(&d, "tj-survey", site, "submit", NULL));

	/* 福州市第一医院: a withdrawn application, then one rejected by CONAC,
	 * corrected and approved: mark issued. */
	snprintf(vals, sizeof(vals), mark_tmpl, "福州市第一医院", "福州市第一医院.公益",
	    "www.fzsdyyy.com", "own",
	    "server_ip: 218.85.157.130\nserver_location: 福建省福州市\n"
	    "icp_number: 闽ICP备10012345号-1\n", "福州市第一医院", "叶青", "13905911043");
	clock_at(&d, 20, 9);
	TRY(new_case(&d, "fz-hosp", "mark", vals, &mk));
	TRY(act(&d, "fz-hosp", mk, "withdraw", NULL));
	clock_at(&d, 9, 9);
	TRY(new_case(&d, "fz-hosp", "mark", vals, &mk));
	TRY(act(&d, "fz-hosp", mk, "submit", NULL));
	clock_at(&d, 8, 10);
	TRY(act(&d, "fz-review", mk, "approve", NULL));
	clock_at(&d, 7, 11);
	TRY(act(&d, "conac-wang", mk, "reject",
	    "reason_code: materials\nreason: 请补充网站简介。\n"));
	clock_at(&d, 6, 9);
	TRY(act(&d, "fz-hosp", mk, "submit", NULL));
	clock_at(&d, 5, 10);
	TRY(act(&d, "fz-review", mk, "approve", NULL));
	clock_at(&d, 2, 11);
	TRY(act(&d, "conac-wang", mk, "approve", NULL));

	/* 福建省图书馆: a red page, in CONAC review. */
	snprintf(vals, sizeof(vals), mark_tmpl, "福建省图书馆", "福建省图书馆.公益",
	    "www.fjlib.net", "redpage", "", "福建省图书馆", "彭丽", "13905911053");
	clock_at(&d, 4, 9);
	TRY(new_case(&d, "fj-lib", "mark", vals, &mk));
	TRY(act(&d, "fj-lib", mk, "submit", NULL));
	clock_at(&d, 1, 10);
	TRY(act(&d, "fj-review", mk, "approve", NULL));

	/* Customer service read a case and left a note. */
	clock_at(&d, 1, 16);
	TRY(as(&d, "kf-zhao"));
	TRY(sm_case_note(app, site, "单位来电询问审核进度，已告知由中央编办电子政务中心审核。", err));
out:
	app->clock = saved_clock;
	if (st == SM_OK)
		st = sm_app_login(app, admin, err);
	else
		sm_app_login(app, admin, NULL);
	free(admin);
	return st;
}
