/* bench_store.c - the benchmark of the store (make bench).
 *
 * 1. Builds (once, then reuses) a database of 1,000,000 cases over 50,000
 *    units and ~300 offices: the schema is the real one (sm_store_open with
 *    SM_OPEN_CREATE), the rows are bulk-loaded with plain SQLite.  Audit
 *    records and marks of the bulk cases are not loaded: no measured
 *    operation reads them.
 * 2. Times an office's queue (case list --queue): in process (sm_case_query,
 *    the number the aim refers to) and as the whole command.
 * 3. Times workflow transitions (office approve via sm_case_act, one write
 *    transaction each with its audit record, version check and request id)
 *    against a bare SQLite loop doing one INSERT per BEGIN IMMEDIATE/COMMIT
 *    with the same settings (WAL, synchronous=FULL), in the same run, in
 *    alternating rounds.  Afterwards the cases, audit records and requests
 *    are put back as they were, so that the database can be reused.
 *
 * It prints numbers and fails nothing: the exit status is 1 only when the
 * benchmark itself could not run. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sm_app.h"
#include "sm_calendar.h"
#include "sm_config.h"
#include "sm_err.h"
#include "sm_store.h"
#include "sm_validate.h"
#include "sm_view.h"
#include "sm_workflow.h"

extern char **environ;

/* Bump when the generated data change: a cached database is rebuilt. */
#define GENERATOR 1
#define BATCH 20000

struct opts {
	const char *db;
	const char *bare;
	const char *sitemark;
	long cases;
	long units;
	int transitions;
	bool only_transitions; /* skip the queues, check and backup (bench_before.sh) */
	int runs;
	int rounds;
	int repeats;
	bool rebuild;
};

/* ------------------------------------------------------------ helpers */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;
	fputs("bench_store: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void die_err(const char *what, sm_err *err) __attribute__((noreturn));

static void
die_err(const char *what, sm_err *err)
{
	fprintf(stderr, "bench_store: %s:", what);
	for (size_t i = 0; i < sm_err_count(err); i++)
		fprintf(stderr, " %s%s%s", sm_err_field(err, i) ? sm_err_field(err, i) : "",
		    sm_err_field(err, i) ? ": " : "", sm_err_msg(err, i));
	fputc('\n', stderr);
	exit(1);
}

static void
die_db(sqlite3 *db, const char *what)
{
	die("%s: %s", what, sqlite3_errmsg(db));
}

static void *
xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);
	if (p == NULL)
		die("out of memory");
	return p;
}

static char *
xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	va_start(ap, fmt);
	int r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		die("out of memory");
	return p;
}

static double
cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* This process's I/O so far (/proc/self/io): bytes and calls. */
struct io {
	double rchar, wchar, syscr, syscw;
};

static struct io
io_now(void)
{
	struct io v = {0, 0, 0, 0};
	FILE *f = fopen("/proc/self/io", "r");
	char key[32];
	double x;
	if (f == NULL)
		return v;
	while (fscanf(f, "%31[^:]: %lf\n", key, &x) == 2) {
		if (strcmp(key, "rchar") == 0)
			v.rchar = x;
		else if (strcmp(key, "wchar") == 0)
			v.wchar = x;
		else if (strcmp(key, "syscr") == 0)
			v.syscr = x;
		else if (strcmp(key, "syscw") == 0)
			v.syscw = x;
	}
	fclose(f);
	return v;
}

static void
io_add(struct io *sum, struct io a, struct io b)
{
	sum->rchar += b.rchar - a.rchar;
	sum->wchar += b.wchar - a.wchar;
	sum->syscr += b.syscr - a.syscr;
	sum->syscw += b.syscw - a.syscw;
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* xorshift64*: reproducible data from a fixed seed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static long
rnd(long n)
{
	return n > 0 ? (long)(rng() % (uint64_t)n) : 0;
}

static double
rndf(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static void
exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", sql, msg ? msg : "?");
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("%s: %s", sql, sqlite3_errmsg(db));
	return st;
}

static void
step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		die_db(db, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int64_t
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = prepare(db, sql);
	int64_t v = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		die_db(db, sql);
	sqlite3_finalize(st);
	return v;
}

static sqlite3 *
open_raw(const char *path, int flags)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK)
		die("cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
	sqlite3_busy_timeout(db, 15000);
	return db;
}

static void
remove_db(const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		char *p = xasprintf("%s%s", path, sfx[i]);
		if (unlink(p) != 0 && errno != ENOENT)
			die("cannot remove %s: %s", p, strerror(errno));
		free(p);
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct stats {
	double min, med, max;
};

static struct stats
stats_of(double *v, int n)
{
	struct stats s = {0, 0, 0};
	if (n <= 0)
		return s;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

/* ------------------------------------------------------------ the world */

struct division {
	char code[7];
	char parent[7];
	char *name;      /* 鼓楼区 */
	char *full;      /* 福州市鼓楼区: how unit names start */
	char *province;  /* 福建省 */
	char *city;      /* 福州市, or the province's name for a province */
	int level;       /* 1 province, 2 prefecture, 3 county */
	int nunits[3];   /* units of each type so far, for their names */
};

struct office {
	char code[7];
	double weight;   /* its share of the units */
};

struct unit {
	int type;                /* 0 organ, 1 institution, 2 social */
	bool central;
	const struct division *div;
	const struct office *office;
	char *name;
	char *dept;              /* the name without its place: for fallback labels */
	int ncases;
};

struct world {
	struct division *divs;
	size_t ndivs;
	struct office *offices;
	size_t noffices;
	struct unit *units;
	long nunits;
};

static const char *const provinces[] = {"33", "35", "36"};
static const char *const icp_abbr[] = {"浙", "闽", "赣"};

static const char *const type_names[] = {"organ", "institution", "social"};

static const char *const organs[] = {
	"人民政府办公室", "发展和改革委员会", "教育局", "科学技术局", "工业和信息化局", "公安局",
	"民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源局", "生态环境局",
	"住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局",
	"卫生健康委员会", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局",
	"医疗保障局", "信访局", "林业局", "体育局", "人民法院", "人民检察院", "纪律检查委员会",
	"党委组织部", "党委宣传部", "党委统战部", "党委政法委员会", "机构编制委员会办公室",
};
static const char *const institutions[] = {
	"第一中学", "实验小学", "人民医院", "中医院", "妇幼保健院", "疾病预防控制中心", "图书馆",
	"博物馆", "档案馆", "融媒体中心", "职业技术学校", "公共资源交易中心", "不动产登记中心",
	"社会保险中心", "气象台", "水文站", "农业技术推广中心", "行政服务中心", "文化馆",
	"青少年宫", "特殊教育学校", "广播电视台", "住房公积金中心", "中心血站",
};
static const char *const socials[] = {
	"慈善总会", "志愿者协会", "红十字会", "作家协会", "律师协会", "个体劳动者协会",
	"科学技术协会", "残疾人联合会", "老年人体育协会", "青年创业促进会", "书法家协会",
	"摄影家协会", "社会工作协会", "消费者权益保护委员会",
};
/* Central units in a place: prefix, place, suffix. */
static const char *const centrals[][2] = {
	{"国家统计局", "调查队"}, {"", "海关"}, {"国家税务总局", "税务局"}, {"", "气象局"},
	{"", "邮政管理局"}, {"", "通信管理局"}, {"", "地震局"}, {"", "烟草专卖局"},
};
static const char *const surnames[] = {
	"陈", "林", "黄", "张", "李", "王", "吴", "刘", "蔡", "杨", "郑", "许", "谢", "郭", "洪",
	"邱", "曾", "廖", "赖", "徐", "周", "叶", "苏", "庄", "吕", "江", "何", "罗", "高", "方",
};
static const char *const givens[] = {
	"立新", "明", "华", "芳", "洋", "丽", "强", "静", "涛", "敏", "磊", "娜", "伟", "婷", "勇",
	"燕", "军", "霞", "峰", "艳", "志", "圆", "群", "丹", "刚", "杰", "萍", "斌", "琳", "晨",
};
static const char *const roads[] = {
	"人民路", "中山路", "解放路", "建设路", "和平路", "府前路", "五一路", "八一路", "新华路",
	"文化路", "东街", "西街", "南大街", "北大街", "滨江路", "学府路",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *
province_abbr(const char *code)
{
	for (size_t i = 0; i < N(provinces); i++)
		if (strncmp(code, provinces[i], 2) == 0)
			return icp_abbr[i];
	return "京";
}

static struct division *
find_div(struct world *w, const char *code)
{
	for (size_t i = 0; i < w->ndivs; i++)
		if (strcmp(w->divs[i].code, code) == 0)
			return &w->divs[i];
	return NULL;
}

static void
load_divisions(struct world *w)
{
	char *path = xasprintf("%s/data/divisions.tsv", sm_datadir());
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0, ncap = 0;
	if (f == NULL)
		die("cannot read %s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		char *code = line, *name, *parent, *nl;
		if (*line == '#' || (name = strchr(line, '\t')) == NULL)
			continue;
		*name++ = '\0';
		if ((parent = strchr(name, '\t')) == NULL)
			continue;
		*parent++ = '\0';
		if ((nl = strpbrk(parent, "\r\n")) != NULL)
			*nl = '\0';
		bool ours = false;
		for (size_t i = 0; i < N(provinces); i++)
			ours |= strncmp(code, provinces[i], 2) == 0;
		if (!ours || strlen(code) != 6)
			continue;
		if (n == ncap) {
			ncap = ncap ? ncap * 2 : 512;
			w->divs = realloc(w->divs, ncap * sizeof(*w->divs));
			if (w->divs == NULL)
				die("out of memory");
		}
		struct division *d = &w->divs[n++];
		memset(d, 0, sizeof(*d));
		snprintf(d->code, sizeof(d->code), "%s", code);
		snprintf(d->parent, sizeof(d->parent), "%s", parent);
		d->name = xstrdup(name);
		d->level = strcmp(code + 2, "0000") == 0 ? 1 : strcmp(code + 4, "00") == 0 ? 2 : 3;
	}
	free(line);
	fclose(f);
	free(path);
	w->ndivs = n;
	if (n == 0)
		die("no divisions of the benchmark's provinces in the divisions file");
	/* Divisions come province, prefecture, county: parents are known first. */
	for (size_t i = 0; i < n; i++) {
		struct division *d = &w->divs[i], *p = find_div(w, d->parent);
		struct division *pp = p ? find_div(w, p->parent) : NULL;
		if (d->level == 1) {
			d->full = xstrdup(d->name);
			d->province = d->name;
			d->city = d->name;
		} else if (d->level == 2 || p == NULL) {
			d->full = xstrdup(d->name);
			d->province = p ? p->name : d->name;
			d->city = d->name;
		} else {
			d->full = xasprintf("%s%s", p->name, d->name);
			d->province = pp ? pp->name : p->name;
			d->city = p->name;
		}
	}
}

/* GB 32100 check character of the first 17 characters of a USCC. */
static char
uscc_check(const char *s)
{
	static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int wt[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		const char *p = strchr(alpha, s[i]);
		sum += (int)(p - alpha) * wt[i];
	}
	return alpha[(31 - sum % 31) % 31];
}

/* GB 11714 check character of an 8-character organisation code body. */
static char
orgcode_check(const char *s)
{
	static const int wt[8] = {3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int i = 0; i < 8; i++)
		sum += (s[i] - '0') * wt[i];
	int c = 11 - sum % 11;
	return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

/* GB 11643 check character of the first 17 digits of an ID number. */
static char
id_check(const char *s)
{
	static const int wt[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (s[i] - '0') * wt[i];
	return "10X98765432"[sum % 11];
}

static void
make_offices(struct world *w)
{
	w->noffices = w->ndivs + 1;
	w->offices = xmalloc(w->noffices * sizeof(*w->offices));
	snprintf(w->offices[0].code, sizeof(w->offices[0].code), "000000");
	w->offices[0].weight = 20;
	for (size_t i = 0; i < w->ndivs; i++) {
		static const double level_weight[] = {0, 8, 3, 1};
		struct office *o = &w->offices[i + 1];
		snprintf(o->code, sizeof(o->code), "%s", w->divs[i].code);
		o->weight = level_weight[w->divs[i].level] * (0.5 + rndf());
	}
}

static struct office *
pick_office(const struct world *w, const double *cum)
{
	double x = rndf() * cum[w->noffices - 1];
	size_t lo = 0, hi = w->noffices - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cum[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &w->offices[lo];
}

static void
make_units(struct world *w, long nunits)
{
	double *cum = xmalloc(w->noffices * sizeof(*cum));
	double acc = 0;
	for (size_t i = 0; i < w->noffices; i++)
		cum[i] = acc += w->offices[i].weight;
	w->nunits = nunits;
	w->units = xmalloc((size_t)nunits * sizeof(*w->units));
	for (long i = 0; i < nunits; i++) {
		struct unit *u = &w->units[i];
		struct office *o = pick_office(w, cum);
		struct division *d;
		u->office = o;
		if (strcmp(o->code, "000000") == 0) {
			/* a central unit in one of the provinces' prefectures */
			u->central = true;
			u->type = 0;
			do
				d = &w->divs[rnd((long)w->ndivs)];
			while (d->level == 3);
		} else {
			if ((d = find_div(w, o->code)) == NULL)
				die("office %s has no division", o->code);
			long r = rnd(100);
			u->type = r < 50 ? 0 : r < 90 ? 1 : 2;
		}
		u->div = d;
		int k = d->nunits[u->central ? 0 : u->type]++;
		const char *const *list = u->type == 0 ? organs : u->type == 1 ? institutions :
		    socials;
		size_t nl = u->central ? N(centrals) : u->type == 0 ? N(organs) :
		    u->type == 1 ? N(institutions) : N(socials);
		const char *pre = u->central ? centrals[(size_t)k % nl][0] : "";
		const char *dept = u->central ? centrals[(size_t)k % nl][1] : list[(size_t)k % nl];
		int round = k / (int)nl;
		char ord[16] = "";
		if (round > 0)
			snprintf(ord, sizeof(ord), "第%d", round + 1);
		u->name = xasprintf("%s%s%s%s", pre, d->full, ord, dept);
		u->dept = xasprintf("%s%s", ord, dept);
	}
	free(cum);
}

static void
world_free(struct world *w)
{
	for (size_t i = 0; i < w->ndivs; i++) {
		free(w->divs[i].name);
		free(w->divs[i].full);
	}
	for (long i = 0; i < w->nunits; i++) {
		free(w->units[i].name);
		free(w->units[i].dept);
	}
	free(w->divs);
	free(w->offices);
	free(w->units);
	memset(w, 0, sizeof(*w));
}

/* ------------------------------------------------------------ building */

struct loader {
	sqlite3 *db;
	sqlite3_stmt *office, *user, *unit, *kase, *domain;
	char now[32];
	time_t t_now;
	sm_date today;
};

static void
begin(struct loader *L)
{
	exec_sql(L->db, "BEGIN IMMEDIATE");
}

static void
commit(struct loader *L)
{
	exec_sql(L->db, "COMMIT");
}

static void
insert_user(struct loader *L, const char *login, const char *role, const char *office,
            long unit, const char *name, const char *mobile, const char *email)
{
	sqlite3_stmt *st = L->user;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	if (office)
		sqlite3_bind_text(st, 3, office, -1, SQLITE_STATIC);
	if (unit > 0)
		sqlite3_bind_int64(st, 4, unit);
	sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, mobile, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, L->now, -1, SQLITE_STATIC);
	step_done(L->db, st, "insert user");
}

static void
person(char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", surnames[rnd(N(surnames))], givens[rnd(N(givens))]);
}

static void
load_offices_users(struct loader *L, struct world *w)
{
	begin(L);
	for (size_t i = 0; i < w->noffices; i++) {
		const struct office *o = &w->offices[i];
		const struct division *d = i ? find_div(w, o->code) : NULL;
		char *name = d ? xasprintf("中共%s委机构编制委员会办公室", d->full) :
		    xstrdup("中央编办电子政务中心");
		char *login = xasprintf("rv-%s", o->code);
		char mobile[32], who[32];
		sqlite3_bind_text(L->office, 1, o->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(L->office, 2, name, -1, SQLITE_STATIC);
		step_done(L->db, L->office, "insert office");
		snprintf(mobile, sizeof(mobile), "139%08ld", 10000000L + (long)i);
		person(who, sizeof(who));
		char *display = xasprintf("%s 审核员 %s", name, who);
		insert_user(L, login, "office", o->code, 0, display, mobile, NULL);
		free(display);
		free(login);
		free(name);
	}
	insert_user(L, "bench-conac", "conac", NULL, 0, "CONAC 复审员", "13901000201", NULL);
	commit(L);
}

static void
load_units(struct loader *L, struct world *w)
{
	begin(L);
	for (long i = 0; i < w->nunits; i++) {
		struct unit *u = &w->units[i];
		const struct division *d = u->div;
		long id = i + 1;
		char org[32], uscc[64], idn[32], login[32], cm[32], hm[32], who[32], hwho[32],
		    head[32], email[64], created[32];
		static const char *const uscc_kind[] = {"11", "12", "51"};
		snprintf(org, sizeof(org), "%08ld", 30000000L + id);
		org[8] = orgcode_check(org);
		org[9] = '\0';
		snprintf(uscc, sizeof(uscc), "%s%s%s", uscc_kind[u->type], d->code, org);
		uscc[17] = uscc_check(uscc);
		uscc[18] = '\0';
		snprintf(idn, sizeof(idn), "%s19%02ld%02ld%02ld%03ld", d->code, 60 + rnd(35),
		    1 + rnd(12), 1 + rnd(28), rnd(1000));
		idn[17] = id_check(idn);
		idn[18] = '\0';
		snprintf(cm, sizeof(cm), "139%08ld", 20000000L + id * 2);
		snprintf(hm, sizeof(hm), "139%08ld", 20000001L + id * 2);
		snprintf(email, sizeof(email), "web%ld@%s.example.gov.cn", id, d->code);
		person(who, sizeof(who));
		person(hwho, sizeof(hwho));
		person(head, sizeof(head));
		sm_time_format(L->t_now - 3650L * 86400 + (time_t)(rndf() * 3500 * 86400), created,
		    sizeof(created));
		char *values = xasprintf("{\"address\":\"%s%s%s%ld号\",\"affiliation\":\"%s\","
		    "\"contact\":{\"email\":\"%s\",\"mobile\":\"%s\",\"name\":\"%s\","
		    "\"phone\":\"0591-8%07ld\"},\"division\":\"%s\","
		    "\"functions\":\"负责%s的政务信息公开、网上办事和公共服务工作，承办上级交办的其他事项。\","
		    "\"handler\":{\"id_number\":\"%s\",\"mobile\":\"%s\",\"name\":\"%s\"},"
		    "\"head\":\"%s\",\"name\":\"%s\",\"type\":\"%s\",\"uscc\":\"%s\"}",
		    d->level == 3 ? d->city : "", d->level == 3 ? d->name : d->full,
		    roads[rnd(N(roads))], 1 + rnd(300), u->central ? "central" : "local",
		    email, cm, who, 1000000 + id, d->code, u->name, idn, hm, hwho, head, u->name,
		    type_names[u->type], uscc);
		sqlite3_stmt *st = L->unit;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, u->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, type_names[u->type], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, uscc, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, u->central ? "central" : "local", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, d->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, u->office->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, values, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, created, -1, SQLITE_STATIC);
		step_done(L->db, st, "insert unit");
		free(values);
		/* its operator */
		snprintf(login, sizeof(login), "u%ld", id);
		insert_user(L, login, "unit", NULL, id, who, cm, email);
	}
	commit(L);
}

/* The state of a case of KIND (0 domain, 1 site, 2 mark): the newest 5% of
 * the cases are RECENT and many of them open; the older ones are closed but
 * for a few abandoned drafts and returns. */
static const char *
pick_state(int kind, bool recent)
{
	long r = rnd(1000);
	const char *closed = kind == 0 ? "registered" : "mark_hung";
	if (!recent) {
		if (r < 50)
			return "withdrawn";
		if (r < 58)
			return "draft";
		if (r < 66)
			return "returned";
		return closed;
	}
	if (r < 400)
		return "office_review";
	if (r < 600)
		return "conac_review";
	if (r < 660)
		return "draft";
	if (r < 720)
		return "returned";
	if (r < 900) {
		if (kind == 0)
			return r < 780 ? "awaiting_payment" : closed;
		if (kind == 1 && r < 800)
			return "paper_pending";
		return r < 840 ? "mark_issued" : closed;
	}
	if (r < 940)
		return "withdrawn";
	return closed;
}

static bool
state_is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static void
load_cases(struct loader *L, struct world *w, long ncases)
{
	static const char *const kinds[] = {"domain", "site", "mark"};
	long recent_from = ncases - ncases / 20;
	time_t t0 = L->t_now - 3650L * 86400, t1 = L->t_now - 60L * 86400;
	double started = now_ms();

	begin(L);
	for (long i = 1; i <= ncases; i++) {
		bool recent = i > recent_from;
		long r = rnd(100);
		int kind = r < 35 ? 0 : r < 80 ? 1 : 2;
		long uid = 1 + rnd(w->nunits);
		struct unit *u = &w->units[uid - 1];
		const char *state = pick_state(kind, recent);
		const char *tld = u->type == 0 ? "政务" : "公益";
		int k = ++u->ncases;
		char *label = k > 1 ? xasprintf("%s%d", u->name, k) : xstrdup(u->name);
		char *dom = xasprintf("%s.%s", label, tld), *ace = NULL, *uni = NULL;
		if (sm_domain_normalise(dom, &ace, &uni) != NULL) {
			free(dom);
			dom = xasprintf("%s%ld-%d.%s", u->dept, uid, k, tld);
			if (sm_domain_normalise(dom, &ace, &uni) != NULL)
				die("cannot make a domain of %s", dom);
		}
		time_t created_t = recent ? t1 + (time_t)((double)(i - recent_from) /
		    (double)(ncases - recent_from) * 59 * 86400) :
		    t0 + (time_t)((double)i / (double)recent_from * (t1 - t0));
		time_t updated_t = created_t + (time_t)rnd(recent ? 86400 * 3 : 86400 * 20);
		if (updated_t > L->t_now)
			updated_t = L->t_now;
		char created[32], updated[32], due[16], login[24];
		const char *due_kind = NULL;
		sm_time_format(created_t, created, sizeof(created));
		sm_time_format(updated_t, updated, sizeof(updated));
		if (state_is(state, "office_review")) {
			due_kind = "office_review";
			sm_date_format(L->today - 8 + (sm_date)rnd(16), due, sizeof(due));
		} else if (state_is(state, "paper_pending")) {
			due_kind = "paper_review";
			sm_date_format(L->today - 5 + (sm_date)rnd(20), due, sizeof(due));
		} else if (state_is(state, "mark_issued")) {
			due_kind = "hanging";
			sm_date_format(L->today - 5 + (sm_date)rnd(13), due, sizeof(due));
		}
		snprintf(login, sizeof(login), "u%ld", uid);
		const struct division *d = u->div;
		char site_code[40] = "";
		char *values;
		if (kind == 1)
			snprintf(site_code, sizeof(site_code), "\"site_code\":\"%.4s%06ld\",",
			    d->code, uid % 1000000);
		if (kind == 0)
			values = xasprintf("{\"name\":\"%s\",\"usage\":\"%s的中文域名，用于本单位门户网站的访问、"
			    "党政机关网站标识的展示和对外发布政务信息、提供在线服务，申请人已阅读并同意"
			    "《党政机关和事业单位中文域名注册管理办法》的各项规定。\"}", label, u->name);
		else
			values = xasprintf("{\"domain\":\"%s\",\"english_domains\":[\"www.u%ld.%s.gov.cn\"],"
			    "\"hosting\":\"%s\",\"icp_number\":\"%sICP备%08ld号-%ld\","
			    "\"intro\":\"%s网站是本单位发布政务信息、公开办事指南、提供在线服务和"
			    "接受群众咨询投诉的官方网站，设有机构概况、政务公开、办事服务、互动交流等栏目。\","
			    "\"psb_number\":\"%s公网安备 %s%08ld号\",%s\"server_ip\":\"117.%ld.%ld.%ld\","
			    "\"server_location\":\"%s%s\",%s\"site_head\":{\"mobile\":\"139%08ld\","
			    "\"name\":\"%s%s\"},\"site_name\":\"%s网站\"}",
			    uni, uid, d->code, rnd(4) ? "own" : "hosted", province_abbr(d->code),
			    10000000 + uid, 1 + rnd(3), u->name, province_abbr(d->code), d->code,
			    uid * 10 + k, kind == 1 ? "\"purpose\":\"new\"," : "", 16 + rnd(200),
			    rnd(256), 1 + rnd(254), d->province, d->level == 1 ? "" : d->city,
			    site_code, 30000000 + uid,
			    surnames[rnd(N(surnames))], givens[rnd(N(givens))], u->name);
		int version = state_is(state, "draft") ? 1 + (int)rnd(3) :
		    state_is(state, "office_review") ? 2 + (int)rnd(2) : 3 + (int)rnd(4);
		sqlite3_stmt *st = L->kase;
		sqlite3_bind_int64(st, 1, i);
		sqlite3_bind_text(st, 2, kinds[kind], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, uid);
		sqlite3_bind_text(st, 4, u->office->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, state, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, version);
		sqlite3_bind_text(st, 7, ace, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, uni, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, values, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, state_is(state, "draft") ? NULL : "[]", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, login, -1, SQLITE_STATIC);
		if (!state_is(state, "draft"))
			sqlite3_bind_text(st, 12, login, -1, SQLITE_STATIC);
		if (due_kind) {
			sqlite3_bind_text(st, 13, due, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 14, due_kind, -1, SQLITE_STATIC);
		}
		sqlite3_bind_int(st, 15, 0);
		sqlite3_bind_text(st, 16, created, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 17, updated, -1, SQLITE_STATIC);
		step_done(L->db, st, "insert case");
		if (kind == 0 && state_is(state, "registered")) {
			st = L->domain;
			sqlite3_bind_text(st, 1, ace, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, uni, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, uid);
			sqlite3_bind_int64(st, 4, i);
			sqlite3_bind_text(st, 5, updated, -1, SQLITE_STATIC);
			step_done(L->db, st, "insert domain");
		}
		free(values);
		free(label);
		free(dom);
		free(ace);
		free(uni);
		if (i % BATCH == 0) {
			commit(L);
			if (i % (BATCH * 10) == 0) {
				fprintf(stderr, "  %ld cases (%.0f s)\n", i, (now_ms() - started) / 1e3);
			}
			begin(L);
		}
	}
	commit(L);
}

/* The schema as SQLite keeps it: to tell whether a cached database still
 * has the schema of this build of sm_store.c. */
static char *
schema_of(sqlite3 *db)
{
	sqlite3_stmt *st = prepare(db, "SELECT group_concat(coalesce(sql, name), ';') FROM"
	    " (SELECT sql, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
	    " ORDER BY type, name)");
	char *s = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		s = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s ? s : xstrdup("");
}

static char *
fresh_schema(const char *db_path)
{
	char *tmp = xasprintf("%s.schema-probe", db_path);
	sm_store *s = NULL;
	sm_err *err = sm_err_new();
	remove_db(tmp);
	if (sm_store_open(tmp, SM_OPEN_CREATE, &s, err) != SM_OK)
		die_err("cannot create the schema probe", err);
	sm_store_close(&s);
	sm_err_free(&err);
	sqlite3 *db = open_raw(tmp, SQLITE_OPEN_READONLY);
	char *schema = schema_of(db);
	sqlite3_close(db);
	remove_db(tmp);
	free(tmp);
	return schema;
}

/* What a database built by this generator with OPTS contains, as text: kept
 * next to the database (DB.stamp) and compared on reuse. */
static char *
describe(sqlite3 *db, const struct opts *o, const char *schema)
{
	char *hist = xstrdup("");
	sqlite3_stmt *st = prepare(db, "SELECT state, count(*) FROM cases GROUP BY state"
	    " ORDER BY state");
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *h = xasprintf("%s %s=%lld", hist, (const char *)sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 1));
		free(hist);
		hist = h;
	}
	sqlite3_finalize(st);
	unsigned long hash = 5381;
	for (const char *p = schema; *p; p++)
		hash = hash * 33 + (unsigned char)*p;
	char *d = xasprintf("generator=%d cases=%ld units=%ld offices=%lld users=%lld"
	    " schema=%lx states:%s\n", GENERATOR, o->cases, o->units,
	    (long long)query_int(db, "SELECT count(*) FROM offices"),
	    (long long)query_int(db, "SELECT count(*) FROM users"), hash, hist);
	free(hist);
	return d;
}

static char *
read_small(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	if (f == NULL)
		return NULL;
	if (getline(&line, &cap, f) < 0) {
		free(line);
		line = NULL;
	}
	fclose(f);
	return line;
}

static bool
cached_ok(const struct opts *o, const char *schema)
{
	struct stat sb;
	char *stamp_path = xasprintf("%s.stamp", o->db);
	char *stamp = read_small(stamp_path);
	bool ok = false;
	free(stamp_path);
	if (stamp == NULL || stat(o->db, &sb) != 0) {
		free(stamp);
		return false;
	}
	sqlite3 *db = open_raw(o->db, SQLITE_OPEN_READONLY);
	char *now = describe(db, o, schema);
	sqlite3_close(db);
	ok = strcmp(now, stamp) == 0;
	if (!ok)
		fprintf(stderr, "bench: the cached database differs from its stamp:\n  was %s  now %s",
		    stamp, now);
	free(now);
	free(stamp);
	return ok;
}

static void
build(const struct opts *o, struct world *w, const char *schema)
{
	sm_store *s = NULL;
	sm_err *err = sm_err_new();
	struct loader L = {0};
	double t = now_ms();

	fprintf(stderr, "bench: building %s (%ld cases, %ld units): a few minutes, once\n",
	    o->db, o->cases, o->units);
	remove_db(o->db);
	char *stamp_path = xasprintf("%s.stamp", o->db);
	unlink(stamp_path);
	if (sm_store_open(o->db, SM_OPEN_CREATE, &s, err) != SM_OK)
		die_err("cannot create the database", err);
	sm_store_close(&s);
	sm_err_free(&err);

	L.db = open_raw(o->db, SQLITE_OPEN_READWRITE);
	L.t_now = sm_clock_now(NULL);
	sm_time_format(L.t_now, L.now, sizeof(L.now));
	L.today = sm_date_of(L.t_now);
	/* Loading only: the benchmark itself runs with the store's settings. */
	exec_sql(L.db, "PRAGMA synchronous = OFF");
	exec_sql(L.db, "PRAGMA cache_size = -1000000");
	exec_sql(L.db, "PRAGMA wal_autocheckpoint = 100000");
	L.office = prepare(L.db, "INSERT INTO offices(code, name) VALUES (?1, ?2)");
	L.user = prepare(L.db, "INSERT INTO users(login, role, office, unit, name, mobile, email,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
	L.unit = prepare(L.db, "INSERT INTO units(id, name, type, uscc, affiliation, division,"
	    " office, \"values\", created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	L.kase = prepare(L.db, "INSERT INTO cases(id, kind, unit, office, state, version, domain,"
	    " domain_unicode, \"values\", hints, created_by, submitted_by, due, due_kind,"
	    " due_uncertain, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
	    " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");
	L.domain = prepare(L.db, "INSERT INTO domains(ace, unicode, unit, case_id, registered_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)");

	load_offices_users(&L, w);
	load_units(&L, w);
	load_cases(&L, w, o->cases);

	sqlite3_finalize(L.office);
	sqlite3_finalize(L.user);
	sqlite3_finalize(L.unit);
	sqlite3_finalize(L.kase);
	sqlite3_finalize(L.domain);
	exec_sql(L.db, "PRAGMA wal_checkpoint(TRUNCATE)");
	char *stamp = describe(L.db, o, schema);
	sqlite3_close(L.db);
	FILE *f = fopen(stamp_path, "w");
	if (f == NULL || fputs(stamp, f) == EOF || fclose(f) != 0)
		die("cannot write %s", stamp_path);
	free(stamp);
	free(stamp_path);
	fprintf(stderr, "bench: built in %.0f s\n", (now_ms() - t) / 1e3);
}

/* ------------------------------------------------------------ queue */

struct queue_office {
	char code[7];
	char login[16];
	long queue;
};

/* The office at the median of the queue sizes and the one with the longest. */
static void
pick_queue_offices(const char *db_path, struct queue_office *typical,
                   struct queue_office *largest, long *noffices)
{
	sqlite3 *db = open_raw(db_path, SQLITE_OPEN_READONLY);
	sqlite3_stmt *st = prepare(db, "SELECT o.code, (SELECT count(*) FROM cases c"
	    " WHERE c.office = o.code AND c.state IN ('office_review', 'paper_pending'))"
	    " AS q FROM offices o ORDER BY q, o.code");
	struct queue_office *all = NULL;
	size_t n = 0, cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			if ((all = realloc(all, cap * sizeof(*all))) == NULL)
				die("out of memory");
		}
		snprintf(all[n].code, sizeof(all[n].code), "%s", sqlite3_column_text(st, 0));
		snprintf(all[n].login, sizeof(all[n].login), "rv-%s", all[n].code);
		all[n].queue = (long)sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (n == 0)
		die("no offices in the database");
	*typical = all[n / 2];
	*largest = all[n - 1];
	*noffices = (long)n;
	free(all);
}

struct queue_result {
	struct stats open;     /* sm_app_open + login: what a command pays first */
	struct stats fresh;    /* the query in a new session (statement prepared) */
	struct stats warm;     /* the query again in the same session */
	struct stats top;      /* limit 100 (the console's page), same session */
	struct stats command;  /* the whole sitemark process */
	size_t rows;
};

static sm_app *
open_app(const char *db, const char *login)
{
	sm_app_opts ao = {.db_path = db, .mode = SM_OPEN_EXISTING};
	sm_app *app = NULL;
	sm_err *warn = sm_err_new(), *err = sm_err_new();
	if (sm_app_open(&ao, &app, warn, err) != SM_OK)
		die_err("cannot open the session", err);
	if (login && sm_app_login(app, login, err) != SM_OK)
		die_err("cannot log in", err);
	sm_err_free(&warn);
	sm_err_free(&err);
	return app;
}

static double
time_query(sm_app *app, size_t limit, size_t *rows)
{
	sm_case_query q = {.waiting = true, .limit = limit};
	sm_case_page p;
	sm_err *err = sm_err_new();
	double t = now_ms();
	if (sm_view_cases(app, &q, &p, err) != SM_OK)
		die_err("the queue query failed", err);
	t = now_ms() - t;
	if (rows)
		*rows = p.n;
	sm_case_page_clear(&p);
	sm_err_free(&err);
	return t;
}

static double
time_command(const struct opts *o, const char *login)
{
	char *argv[] = {(char *)o->sitemark, (char *)"--db", (char *)o->db, (char *)"--as",
	    (char *)login, (char *)"case", (char *)"list", (char *)"--queue", NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	double t = now_ms();
	int rc = posix_spawn(&pid, o->sitemark, &fa, NULL, argv, environ);
	if (rc != 0)
		die("cannot run %s: %s", o->sitemark, strerror(rc));
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	t = now_ms() - t;
	posix_spawn_file_actions_destroy(&fa);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s --db %s --as %s case list --queue failed (status %d)", o->sitemark, o->db,
		    login, status);
	return t;
}

static struct queue_result
bench_queue(const struct opts *o, const struct queue_office *q)
{
	struct queue_result r = {0};
	int n = o->runs;
	double *open = xmalloc((size_t)n * sizeof(double));
	double *fresh = xmalloc((size_t)n * sizeof(double));
	double *warm = xmalloc((size_t)n * sizeof(double));
	double *top = xmalloc((size_t)n * sizeof(double));
	double *cmd = xmalloc((size_t)n * sizeof(double));

	for (int i = 0; i < n; i++) {
		double t = now_ms();
		sm_app *app = open_app(o->db, q->login);
		open[i] = now_ms() - t;
		fresh[i] = time_query(app, 0, &r.rows);
		sm_app_close(&app);
	}
	if (r.rows != (size_t)q->queue)
		die("office %s: the queue has %zu cases, expected %ld", q->code, r.rows, q->queue);
	sm_app *app = open_app(o->db, q->login);
	time_query(app, 0, NULL);
	time_query(app, 100, NULL);
	for (int i = 0; i < n; i++) {
		warm[i] = time_query(app, 0, NULL);
		top[i] = time_query(app, 100, NULL);
	}
	sm_app_close(&app);
	time_command(o, q->login); /* warm-up */
	for (int i = 0; i < n; i++)
		cmd[i] = time_command(o, q->login);
	r.open = stats_of(open, n);
	r.fresh = stats_of(fresh, n);
	r.warm = stats_of(warm, n);
	r.top = stats_of(top, n);
	r.command = stats_of(cmd, n);
	free(open);
	free(fresh);
	free(warm);
	free(top);
	free(cmd);
	return r;
}

/* ------------------------------------------------------------ transitions */

struct pick {
	int64_t id;
	char office[7];
	int64_t version;
	char *due;
	char *due_kind;
	int due_uncertain;
	char *updated_at;
};

static int
cmp_pick(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;
	int c = strcmp(x->office, y->office);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	return v ? xstrdup((const char *)v) : NULL;
}

static struct pick *
pick_cases(sqlite3 *db, int n)
{
	/* Spread over the offices and the id range, the same every run. */
	sqlite3_stmt *st = prepare(db, "SELECT id, office, version, due, due_kind, due_uncertain,"
	    " updated_at FROM cases WHERE state = 'office_review'"
	    " ORDER BY (id * 2654435761) % 1000003, id LIMIT ?1");
	struct pick *p = xmalloc((size_t)n * sizeof(*p));
	int k = 0;
	sqlite3_bind_int(st, 1, n);
	while (k < n && sqlite3_step(st) == SQLITE_ROW) {
		p[k].id = sqlite3_column_int64(st, 0);
		snprintf(p[k].office, sizeof(p[k].office), "%s", sqlite3_column_text(st, 1));
		p[k].version = sqlite3_column_int64(st, 2);
		p[k].due = col_dup(st, 3);
		p[k].due_kind = col_dup(st, 4);
		p[k].due_uncertain = sqlite3_column_int(st, 5);
		p[k].updated_at = col_dup(st, 6);
		k++;
	}
	sqlite3_finalize(st);
	if (k < n)
		die("only %d cases in office_review, %d wanted", k, n);
	return p;
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Put the cases, the audit log and the requests back as before. */
static void
restore(const char *db_path, const struct pick *p, int n, int64_t audit_max)
{
	sqlite3 *db = open_raw(db_path, SQLITE_OPEN_READWRITE);
	sqlite3_stmt *st = prepare(db, "UPDATE cases SET state = 'office_review', version = ?2,"
	    " due = ?3, due_kind = ?4, due_uncertain = ?5, updated_at = ?6 WHERE id = ?1");
	exec_sql(db, "BEGIN IMMEDIATE");
	for (int i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, p[i].id);
		sqlite3_bind_int64(st, 2, p[i].version);
		bind_opt(st, 3, p[i].due);
		bind_opt(st, 4, p[i].due_kind);
		sqlite3_bind_int(st, 5, p[i].due_uncertain);
		bind_opt(st, 6, p[i].updated_at);
		step_done(db, st, "restore a case");
	}
	sqlite3_finalize(st);
	/* every transition left one audit record naming its request */
	char *sql = xasprintf("DELETE FROM requests WHERE id IN (SELECT request_id FROM audit"
	    " WHERE seq > %lld); DELETE FROM audit WHERE seq > %lld", (long long)audit_max,
	    (long long)audit_max);
	exec_sql(db, sql);
	free(sql);
	exec_sql(db, "COMMIT");
	exec_sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
}

struct bare {
	sqlite3 *db;
	sqlite3_stmt *begin, *insert, *commit;
	char payload[256];
};

static void
bare_open(struct bare *b, const char *path)
{
	remove_db(path);
	b->db = open_raw(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	exec_sql(b->db, "PRAGMA journal_mode = WAL");
	exec_sql(b->db, "PRAGMA synchronous = FULL");
	exec_sql(b->db, "PRAGMA foreign_keys = ON");
	exec_sql(b->db, "CREATE TABLE bare(id INTEGER PRIMARY KEY, at TEXT NOT NULL,"
	    " payload TEXT NOT NULL)");
	b->begin = prepare(b->db, "BEGIN IMMEDIATE");
	b->insert = prepare(b->db, "INSERT INTO bare(at, payload) VALUES (?1, ?2)");
	b->commit = prepare(b->db, "COMMIT");
	/* about the size of an audit record */
	memset(b->payload, 'x', sizeof(b->payload) - 1);
	b->payload[sizeof(b->payload) - 1] = '\0';
}

static void
bare_close(struct bare *b, const char *path)
{
	sqlite3_finalize(b->begin);
	sqlite3_finalize(b->insert);
	sqlite3_finalize(b->commit);
	sqlite3_close(b->db);
	remove_db(path);
}

static double
bare_run(struct bare *b, int n)
{
	char now[32];
	double t = now_ms();
	for (int i = 0; i < n; i++) {
		sm_time_format(sm_clock_now(NULL), now, sizeof(now));
		step_done(b->db, b->begin, "bare BEGIN");
		sqlite3_bind_text(b->insert, 1, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(b->insert, 2, b->payload, -1, SQLITE_STATIC);
		step_done(b->db, b->insert, "bare INSERT");
		step_done(b->db, b->commit, "bare COMMIT");
	}
	return now_ms() - t;
}

static double
act_run(sm_app *app, const struct pick *p, int from, int to, char *login, size_t login_size)
{
	sm_err *err = sm_err_new();
	double t = now_ms();
	for (int i = from; i < to; i++) {
		char want[16];
		snprintf(want, sizeof(want), "rv-%s", p[i].office);
		if (strcmp(want, login) != 0) {
			if (sm_app_login(app, want, err) != SM_OK)
				die_err("cannot log in", err);
			snprintf(login, login_size, "%s", want);
		}
		sm_act a = {.case_id = p[i].id, .action = SM_ACTION_APPROVE,
		    .expect_version = p[i].version};
		sm_state state = SM_STATE_NONE;
		if (sm_case_act(app, &a, &state, err) != SM_OK) {
			fprintf(stderr, "bench_store: approve case %lld:", (long long)p[i].id);
			die_err("the transition failed", err);
		}
		if (state != SM_STATE_CONAC_REVIEW)
			die("approve case %lld gave state %s", (long long)p[i].id,
			    state ? sm_state_name(state) : "(none)");
	}
	t = now_ms() - t;
	sm_err_free(&err);
	return t;
}

/* One comparison: N transitions and N bare commits in alternating rounds. */
struct tx_rep {
	double act_ms, bare_ms;
	double act_cpu, bare_cpu;
	struct io act_io, bare_io;
};

struct tx_result {
	struct tx_rep *reps;
	int nreps;
	int n;                   /* per repetition */
	struct tx_rep sum;
	int64_t audit_checked;
};

static void
rep_add(struct tx_rep *sum, const struct tx_rep *r)
{
	sum->act_ms += r->act_ms;
	sum->bare_ms += r->bare_ms;
	sum->act_cpu += r->act_cpu;
	sum->bare_cpu += r->bare_cpu;
	io_add(&sum->act_io, (struct io){0, 0, 0, 0}, r->act_io);
	io_add(&sum->bare_io, (struct io){0, 0, 0, 0}, r->bare_io);
}

static double
rep_ratio(const struct tx_rep *r)
{
	return r->act_ms > 0 ? r->bare_ms / r->act_ms : 0;
}

static struct tx_result
bench_transitions(const struct opts *o)
{
	struct tx_result r = {0};
	int n = o->transitions, rounds = o->rounds, total = n * o->repeats;
	sqlite3 *db = open_raw(o->db, SQLITE_OPEN_READONLY);
	struct pick *p = pick_cases(db, total);
	int64_t audit_max = query_int(db, "SELECT coalesce(max(seq), 0) FROM audit");
	int64_t requests = query_int(db, "SELECT count(*) FROM requests");
	int64_t in_review = query_int(db, "SELECT count(*) FROM cases WHERE state = 'office_review'");
	sqlite3_close(db);

	r.n = n;
	r.nreps = o->repeats;
	r.reps = xmalloc((size_t)r.nreps * sizeof(*r.reps));
	sm_app *app = open_app(o->db, NULL);
	struct bare b;
	char login[16] = "";
	bare_open(&b, o->bare);
	for (int k = 0; k < r.nreps; k++) {
		struct tx_rep *t = &r.reps[k];
		struct pick *q = p + (size_t)k * (size_t)n;
		/* a reviewer works through their office's cases */
		qsort(q, (size_t)n, sizeof(*q), cmp_pick);
		/* Alternate so that both see the same disk and the same noise. */
		for (int j = 0; j < rounds; j++) {
			int from = (int)((long)n * j / rounds), to = (int)((long)n * (j + 1) / rounds);
			double c = cpu_ms();
			struct io io = io_now();
			t->bare_ms += bare_run(&b, to - from);
			t->bare_cpu += cpu_ms() - c;
			io_add(&t->bare_io, io, io_now());
			c = cpu_ms();
			io = io_now();
			t->act_ms += act_run(app, q, from, to, login, sizeof(login));
			t->act_cpu += cpu_ms() - c;
			io_add(&t->act_io, io, io_now());
		}
		rep_add(&r.sum, t);
	}
	bare_close(&b, o->bare);

	/* The audit chain must hold after the benchmark's writes. */
	int64_t broken = 0;
	sm_err *err = sm_err_new();
	if (sm_store_audit_verify(app->store, &broken, &r.audit_checked, err) != SM_OK)
		die_err("audit verify", err);
	if (broken != 0)
		die("the audit chain is broken at %lld", (long long)broken);
	sm_err_free(&err);
	sm_app_close(&app);

	restore(o->db, p, total, audit_max);
	db = open_raw(o->db, SQLITE_OPEN_READONLY);
	if (query_int(db, "SELECT count(*) FROM cases WHERE state = 'office_review'") != in_review ||
	    query_int(db, "SELECT count(*) FROM requests") != requests)
		die("the cases and requests were not put back");
	sqlite3_close(db);
	for (int i = 0; i < total; i++) {
		free(p[i].due);
		free(p[i].due_kind);
		free(p[i].updated_at);
	}
	free(p);
	return r;
}

/* ------------------------------------------------------------ main */

static const char *
fs_name(const char *path)
{
	struct statfs fs;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	const char *name = "other";
	if (slash == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (statfs(dir, &fs) == 0) {
		switch ((unsigned long)fs.f_type) {
		case 0xef53UL: name = "ext2/3/4"; break;
		case 0x58465342UL: name = "xfs"; break;
		case 0x9123683eUL: name = "btrfs"; break;
		case 0x01021994UL: name = "tmpfs (no real fsync: the write numbers mean little)"; break;
		case 0x794c7630UL: name = "overlayfs"; break;
		default: break;
		}
	}
	free(dir);
	return name;
}

static void
usage(void)
{
	fputs("usage: bench_store --db PATH --bare PATH --sitemark PROGRAM [--cases N]"
	    " [--units N] [--transitions N] [--repeats N] [--runs N] [--rounds N] [--rebuild]"
	    " [--only-transitions]\n", stderr);
	exit(2);
}

static long
num_arg(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v <= 0)
		usage();
	return v;
}

static void
print_queue(const char *what, const struct queue_office *q, const struct queue_result *r)
{
	printf("queue, %s office %s (%ld cases):\n", what, q->code, q->queue);
	printf("  in-process query   median %7.2f ms  (min %.2f, max %.2f)   <- aim < 50 ms: %s\n",
	    r->fresh.med, r->fresh.min, r->fresh.max, r->fresh.med < 50 ? "met" : "MISSED");
	printf("  same, 2nd query    median %7.2f ms  (min %.2f, max %.2f)\n",
	    r->warm.med, r->warm.min, r->warm.max);
	printf("  console page (100) median %7.2f ms  (min %.2f, max %.2f)\n",
	    r->top.med, r->top.min, r->top.max);
	printf("  session open       median %7.2f ms  (config, forms, divisions, calendar,"
	    " store, login)\n", r->open.med);
	printf("  whole command      median %7.2f ms  (min %.2f, max %.2f)\n",
	    r->command.med, r->command.min, r->command.max);
}

/* sitemark check (integrity_check, the audit chain against its anchors) and
 * backup (online backup, then both checks of the copy) on the benchmark
 * database; the copy and the anchors it wrote are removed again. */
struct guard_result {
	double integrity_ms, audit_ms, backup_ms;
	int64_t records;
	double backup_mb;
};

static struct guard_result
bench_guard(const struct opts *o)
{
	struct guard_result g = {0, 0, 0, 0, 0};
	sm_err *err = sm_err_new();
	sm_store *s = NULL;
	sm_audit_check ac;
	struct stat sb;
	char *anchors = xasprintf("%s.bench-anchors", o->db);
	char *copy = xasprintf("%s.bench-backup", o->db);

	unlink(anchors);
	unlink(copy);
	if (sm_store_open(o->db, SM_OPEN_EXISTING, &s, err) != SM_OK)
		die_err("open", err);
	sm_store_set_anchors(s, anchors, 0, -1);
	double t0 = now_ms();
	if (sm_store_integrity(s, err) != SM_OK)
		die_err("integrity check", err);
	double t1 = now_ms();
	if (sm_store_audit_check(s, anchors, true, &ac, err) != SM_OK || ac.broken_seq != 0)
		die_err("audit check", err);
	double t2 = now_ms();
	if (sm_store_backup(s, copy, &g.records, err) != SM_OK)
		die_err("backup", err);
	g.backup_ms = now_ms() - t2;
	g.integrity_ms = t1 - t0;
	g.audit_ms = t2 - t1;
	if (stat(copy, &sb) == 0)
		g.backup_mb = (double)sb.st_size / 1048576.0;
	sm_store_close(&s);
	unlink(copy);
	unlink(anchors);
	free(copy);
	free(anchors);
	sm_err_free(&err);
	return g;
}

int
main(int argc, char **argv)
{
	struct opts o = {.cases = 1000000, .units = 50000, .transitions = 2000, .runs = 20,
	    .rounds = 20, .repeats = 3};
	struct world w = {0};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--rebuild") == 0) {
			o.rebuild = true;
			continue;
		}
		if (strcmp(a, "--only-transitions") == 0) {
			o.only_transitions = true;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--db") == 0)
			o.db = v;
		else if (strcmp(a, "--bare") == 0)
			o.bare = v;
		else if (strcmp(a, "--sitemark") == 0)
			o.sitemark = v;
		else if (strcmp(a, "--cases") == 0)
			o.cases = num_arg(v);
		else if (strcmp(a, "--units") == 0)
			o.units = num_arg(v);
		else if (strcmp(a, "--transitions") == 0)
			o.transitions = (int)num_arg(v);
		else if (strcmp(a, "--runs") == 0)
			o.runs = (int)num_arg(v);
		else if (strcmp(a, "--rounds") == 0)
			o.rounds = (int)num_arg(v);
		else if (strcmp(a, "--repeats") == 0)
			o.repeats = (int)num_arg(v);
		else
			usage();
	}
	if (o.db == NULL || o.bare == NULL || o.sitemark == NULL || o.rounds > o.transitions ||
	    o.repeats > 100 || o.transitions > 1000000 ||
	    o.units > 10000000 || o.cases > 100000000)
		usage();

	double t_all = now_ms();
	char *schema = fresh_schema(o.db);
	bool cached = !o.rebuild && cached_ok(&o, schema);
	if (!cached) {
		load_divisions(&w);
		make_offices(&w);
		make_units(&w, o.units);
		build(&o, &w, schema);
		world_free(&w);
	}
	free(schema);
	double t_built = now_ms();

	struct queue_office typical = {0}, largest = {0};
	struct queue_result qt = {0}, ql = {0};
	struct guard_result gr = {0};
	long noffices = 0;
	pick_queue_offices(o.db, &typical, &largest, &noffices);
	if (!o.only_transitions) {
		fprintf(stderr, "bench: queue of office %s (median office), %d runs\n",
		    typical.code, o.runs);
		qt = bench_queue(&o, &typical);
		fprintf(stderr, "bench: queue of office %s (longest queue), %d runs\n",
		    largest.code, o.runs);
		ql = bench_queue(&o, &largest);
	}
	fprintf(stderr, "bench: %d x %d transitions and as many bare inserts, in %d alternating"
	    " rounds each\n", o.repeats, o.transitions, o.rounds);
	struct tx_result tr = bench_transitions(&o);
	if (!o.only_transitions) {
		fprintf(stderr, "bench: sitemark check and backup\n");
		gr = bench_guard(&o);
	}

	sqlite3 *db = open_raw(o.db, SQLITE_OPEN_READONLY);
	long long ncases = (long long)query_int(db, "SELECT count(*) FROM cases");
	long long nunits = (long long)query_int(db, "SELECT count(*) FROM units");
	long long open = (long long)query_int(db, "SELECT count(*) FROM cases WHERE state IN"
	    " ('office_review', 'paper_pending', 'conac_review')");
	long long pages = (long long)query_int(db, "PRAGMA page_count");
	long long psize = (long long)query_int(db, "PRAGMA page_size");
	sqlite3_close(db);

	double load[3] = {0, 0, 0};
	getloadavg(load, 3);
	const struct tx_rep *t = &tr.sum;
	int nt = tr.n * tr.nreps;
	double act_rate = nt / (t->act_ms / 1e3), bare_rate = nt / (t->bare_ms / 1e3);
	double extra = (t->act_ms - t->bare_ms) / nt;
	double *ratios = xmalloc((size_t)tr.nreps * sizeof(double));
	for (int k = 0; k < tr.nreps; k++)
		ratios[k] = rep_ratio(&tr.reps[k]);
	printf("\n==================== sitemark benchmark ====================\n");
	printf("database: %s (%s, %.0f MB, %s)\n", o.db, fs_name(o.db),
	    (double)(pages * psize) / 1048576.0, cached ? "reused" : "built now");
	printf("machine: %ld CPUs, load average %.1f%s\n", sysconf(_SC_NPROCESSORS_ONLN),
	    load[0], load[0] > 1.0 ? " (other work is running: the times are noisy)" : "");
	printf("cases: %lld  units: %lld  offices: %ld  in review (office, paper, conac): %lld\n",
	    ncases, nunits, noffices, open);
	if (!o.only_transitions) {
		print_queue("typical (median)", &typical, &qt);
		print_queue("busiest", &largest, &ql);
	}
	printf("transitions: office approve (sm_case_act: version check, audit record, request id)\n");
	for (int k = 0; k < tr.nreps; k++) {
		const struct tx_rep *x = &tr.reps[k];
		printf("  run %d: %5.0f/s   bare INSERT loop: %5.0f/s   ratio %.2f\n", k + 1,
		    tr.n / (x->act_ms / 1e3), tr.n / (x->bare_ms / 1e3), rep_ratio(x));
	}
	struct stats rs = stats_of(ratios, tr.nreps);
	free(ratios);
	printf("  all %d: %5.0f/s (%.2f ms each, %.2f ms CPU)   bare: %5.0f/s (%.2f ms each,"
	    " %.2f ms CPU)\n", nt, act_rate, t->act_ms / nt, t->act_cpu / nt, bare_rate,
	    t->bare_ms / nt, t->bare_cpu / nt);
	printf("  written per transition: %.1f KB in %.1f writes (WAL and checkpoints);"
	    " per bare INSERT: %.1f KB in %.1f writes\n", t->act_io.wchar / nt / 1024,
	    t->act_io.syscw / nt, t->bare_io.wchar / nt / 1024, t->bare_io.syscw / nt);
	printf("  ratio: median %.2f (min %.2f, max %.2f)   <- aim >= 0.5: %s\n", rs.med, rs.min,
	    rs.max, rs.med >= 0.5 ? "met" : "MISSED");
	printf("  a transition costs a bare commit + %.2f ms: the ratio reaches 0.5 where a bare\n"
	    "  commit (mostly its fsync) takes %.2f ms or more, %.0f/s or fewer\n", extra, extra,
	    extra > 0 ? 1e3 / extra : 0);
	printf("audit chain verified over %lld records; cases, audit and requests put back\n",
	    (long long)tr.audit_checked);
	if (!o.only_transitions) {
		printf("sitemark check: %.1f s (integrity_check %.1f s, audit chain and anchors"
		    " %.2f s)\n", (gr.integrity_ms + gr.audit_ms) / 1e3, gr.integrity_ms / 1e3,
		    gr.audit_ms / 1e3);
		printf("sitemark backup: %.1f s (online backup of %.0f MB, then integrity_check and"
		    " the chain of the copy: %lld records)\n", gr.backup_ms / 1e3, gr.backup_mb,
		    (long long)gr.records);
	}
	printf("benchmark time: %.0f s (%.0f s building)\n", (now_ms() - t_all) / 1e3,
	    (t_built - t_all) / 1e3);
	printf("=============================================================\n");
	return 0;
}
