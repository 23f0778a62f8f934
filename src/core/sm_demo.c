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
#include "sm_random.h"
#include "sm_store.h"
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
	/* the auditor first: once there is a security administrator, only they
	 * grant an administrator's role (sm_workflow.h) */
	{"auditor", "auditor", NULL, "吴刚", NULL},
	{"secadmin", "secadmin", NULL, "周敏", NULL},
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
	/* Fuzhou's bureaus, hospitals, schools and associations (office 350100),
	 * then provincial, Gulou, Xiamen units and a central one in Fuzhou. */
	{"fz-fgw",
	    "name: 福州市发展和改革委员会\ntype: organ\nuscc: \"11350100003020015C\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区华林路181号\n"
	    "functions: 拟订并组织实施全市国民经济和社会发展规划。\nhead: 陈建华\n"
	    CONTACT("林晓", "0591-83310001", "13805910001", "fgw@fuzhou.gov.cn", "郭敏",
	        "350102197102021014", "13805910002")},
	{"fz-jyj",
	    "name: 福州市教育局\ntype: organ\nuscc: \"113501000030200237\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区湖东路168号\n"
	    "functions: 主管全市教育工作。\nhead: 刘春梅\n"
	    CONTACT("黄燕", "0591-83360002", "13805910003", "jyj@fuzhou.gov.cn", "吴磊",
	        "350102197203031027", "13805910004")},
	{"fz-kjj",
	    "name: 福州市科学技术局\ntype: organ\nuscc: \"113501000030200312\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区东大路92号\n"
	    "functions: 负责全市科技创新与科技服务工作。\nhead: 郑卫东\n"
	    CONTACT("陈琳", "0591-87110003", "13805910005", "kjj@fuzhou.gov.cn", "张帆",
	        "35010219730404103X", "13805910006")},
	{"fz-gxj",
	    "name: 福州市工业和信息化局\ntype: organ\nuscc: \"1135010000302004XR\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区东大路96号\n"
	    "functions: 推进全市工业和信息化发展。\nhead: 杨志勇\n"
	    CONTACT("李佳", "0591-87120004", "13805910007", "gxj@fuzhou.gov.cn", "王洁",
	        "350102197405051042", "13805910008")},
	{"fz-gaj",
	    "name: 福州市公安局\ntype: organ\nuscc: \"11350100003020058R\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区华林路126号\n"
	    "functions: 负责全市公安工作。\nhead: 赵振华\n"
	    CONTACT("刘敏", "0591-87090005", "13805910009", "gaj@fuzhou.gov.cn", "陈刚",
	        "350102197506061055", "13805910010")},
	{"fz-mzj",
	    "name: 福州市民政局\ntype: organ\nuscc: \"11350100003020066L\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市台江区宁化路9号\n"
	    "functions: 负责全市社会救助、社会组织登记管理等民政工作。\nhead: 黄玉兰\n"
	    CONTACT("吴芳", "0591-83280006", "13805910011", "mzj@fuzhou.gov.cn", "林峰",
	        "350102197607071068", "13805910012")},
	{"fz-sfj",
	    "name: 福州市司法局\ntype: organ\nuscc: \"11350100003020074F\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区五四路191号\n"
	    "functions: 负责全市法治建设、公共法律服务等工作。\nhead: 林国强\n"
	    CONTACT("郑洁", "0591-87530007", "13805910013", "sfj@fuzhou.gov.cn", "黄斌",
	        "350102197708081070", "13805910014")},
	{"fz-czj",
	    "name: 福州市财政局\ntype: organ\nuscc: \"11350100003020082A\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区五一北路153号\n"
	    "functions: 负责全市财政收支管理。\nhead: 王建平\n"
	    CONTACT("张蕾", "0591-83330008", "13805910015", "czj@fuzhou.gov.cn", "许强",
	        "350102197809091083", "13805910016")},
	{"fz-rsj",
	    "name: 福州市人力资源和社会保障局\ntype: organ\nuscc: \"113501000030200905\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区东街82号\n"
	    "functions: 负责全市就业、社会保险和人事人才工作。\nhead: 陈秀英\n"
	    CONTACT("林颖", "0591-87600009", "13805910017", "rsj@fuzhou.gov.cn", "陈伟",
	        "350102197910101098", "13805910018")},
	{"fz-zrj",
	    "name: 福州市自然资源和规划局\ntype: organ\nuscc: \"11350100003020103T\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区乌山西路318号\n"
	    "functions: 负责全市自然资源管理和国土空间规划。\nhead: 周立平\n"
	    CONTACT("郑婷", "0591-83700010", "13805910019", "zrj@fuzhou.gov.cn", "何军",
	        "350102198011111107", "13805910020")},
	{"fz-sthj",
	    "name: 福州市生态环境局\ntype: organ\nuscc: \"11350100003020111M\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区五四路178号\n"
	    "functions: 负责全市生态环境保护工作。\nhead: 吴海燕\n"
	    CONTACT("陈悦", "0591-87520011", "13805910021", "sthjj@fuzhou.gov.cn", "刘涛",
	        "35010219811212111X", "13805910022")},
	{"fz-cxjs",
	    "name: 福州市城乡建设局\ntype: organ\nuscc: \"1135010000302012XD\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区西二环中路196号\n"
	    "functions: 负责全市城乡建设管理。\nhead: 郭宏\n"
	    CONTACT("黄婷", "0591-87860012", "13805910023", "cxjsj@fuzhou.gov.cn", "张勇",
	        "350102198201131125", "13805910024")},
	{"fz-jtj",
	    "name: 福州市交通运输局\ntype: organ\nuscc: \"11350100003020138D\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市晋安区福新东路366号\n"
	    "functions: 负责全市综合交通运输管理。\nhead: 李志刚\n"
	    CONTACT("王琳", "0591-83770013", "13805910025", "jtj@fuzhou.gov.cn", "林杰",
	        "350102198302141138", "13805910026")},
	{"fz-slj",
	    "name: 福州市水利局\ntype: organ\nuscc: \"113501000030201468\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区西洪路528号\n"
	    "functions: 负责全市水资源管理和水利工程建设。\nhead: 邱明\n"
	    CONTACT("陈静", "0591-87800014", "13805910027", "slj@fuzhou.gov.cn", "黄涛",
	        "350102198403151140", "13805910028")},
	{"fz-nyj",
	    "name: 福州市农业农村局\ntype: organ\nuscc: \"113501000030201543\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区杨桥东路24号\n"
	    "functions: 负责全市农业农村工作。\nhead: 蔡文斌\n"
	    CONTACT("林丽", "0591-83710015", "13805910029", "nyncj@fuzhou.gov.cn", "陈亮",
	        "350102198504161153", "13805910030")},
	{"fz-swj",
	    "name: 福州市商务局\ntype: organ\nuscc: \"11350100003020162X\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区五四路139号\n"
	    "functions: 负责全市国内外贸易和国际经济合作。\nhead: 叶建军\n"
	    CONTACT("郑琳", "0591-87550016", "13805910031", "swj@fuzhou.gov.cn", "王凯",
	        "350102198605171166", "13805910032")},
	{"fz-wlj",
	    "name: 福州市文化和旅游局\ntype: organ\nuscc: \"11350100003020170Q\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区三坊七巷南后街58号\n"
	    "functions: 负责全市文化和旅游工作。\nhead: 林雪梅\n"
	    CONTACT("陈晨", "0591-87610017", "13805910033", "wlj@fuzhou.gov.cn", "李翔",
	        "350102198706181179", "13805910034")},
	{"fz-wjw",
	    "name: 福州市卫生健康委员会\ntype: organ\nuscc: \"11350100003020189M\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区东大路78号\n"
	    "functions: 负责全市卫生健康工作。\nhead: 黄建国\n"
	    CONTACT("刘倩", "0591-87560018", "13805910035", "wjw@fuzhou.gov.cn", "张伟",
	        "350102198807191181", "13805910036")},
	{"fz-yjj",
	    "name: 福州市应急管理局\ntype: organ\nuscc: \"11350100003020197G\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区温泉支路36号\n"
	    "functions: 负责全市应急管理和安全生产工作。\nhead: 陈卫国\n"
	    CONTACT("林萍", "0591-87370019", "13805910037", "yjj@fuzhou.gov.cn", "郑宇",
	        "350102198908201190", "13805910038")},
	{"fz-sjj",
	    "name: 福州市审计局\ntype: organ\nuscc: \"1135010000302020X1\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区温泉公园路69号\n"
	    "functions: 负责全市审计监督工作。\nhead: 徐丽华\n"
	    CONTACT("黄琴", "0591-87060020", "13805910039", "sjj@fuzhou.gov.cn", "陈斌",
	        "350102197009211200", "13805910040")},
	{"fz-scj",
	    "name: 福州市市场监督管理局\ntype: organ\nuscc: \"113501000030202181\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区杨桥中路222号\n"
	    "functions: 负责全市市场综合监督管理。\nhead: 程永红\n"
	    CONTACT("张敏", "0591-83530021", "13805910041", "scjgj@fuzhou.gov.cn", "林鹏",
	        "350102197110221219", "13805910042")},
	{"fz-tjj",
	    "name: 福州市统计局\ntype: organ\nuscc: \"11350100003020226U\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区八一七北路84号\n"
	    "functions: 负责全市统计调查和统计监督。\nhead: 谢华\n"
	    CONTACT("李雯", "0591-83990022", "13805910043", "tjj@fuzhou.gov.cn", "吴昊",
	        "350102197211231221", "13805910044")},
	{"fz-ybj",
	    "name: 福州市医疗保障局\ntype: organ\nuscc: \"11350100003020234N\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市台江区广达路68号\n"
	    "functions: 负责全市医疗保障工作。\nhead: 许文龙\n"
	    CONTACT("陈燕", "0591-83260023", "13805910045", "ybj@fuzhou.gov.cn", "黄磊",
	        "350102197312241234", "13805910046")},
	{"fz-cgw",
	    "name: 福州市城市管理委员会\ntype: organ\nuscc: \"11350100003020242H\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区铜盘路29号\n"
	    "functions: 负责全市城市管理综合协调。\nhead: 胡军\n"
	    CONTACT("郑丽", "0591-87850024", "13805910047", "cgw@fuzhou.gov.cn", "刘洪",
	        "35010219740125124X", "13805910048")},
	{"fz-tyj",
	    "name: 福州市体育局\ntype: organ\nuscc: \"11350100003020250C\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区五四路101号\n"
	    "functions: 负责全市体育工作。\nhead: 魏强\n"
	    CONTACT("陈雪", "0591-87530025", "13805910049", "tyj@fuzhou.gov.cn", "林海",
	        "350102197502261252", "13805910050")},
	{"fz-xfj",
	    "name: 福州市信访局\ntype: organ\nuscc: \"113501000030202699\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区东街75号\n"
	    "functions: 负责全市信访工作。\nhead: 庄志明\n"
	    CONTACT("黄莉", "0591-87110026", "13805910051", "xfj@fuzhou.gov.cn", "陈明",
	        "350102197603271265", "13805910052")},
	{"fz-jgsw",
	    "name: 福州市机关事务管理局\ntype: organ\nuscc: \"113501000030202774\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区八一七北路84号\n"
	    "functions: 负责市级机关事务管理和服务保障。\nhead: 朱振东\n"
	    CONTACT("王静", "0591-83990027", "13805910053", "jgswj@fuzhou.gov.cn", "吴俊",
	        "350102197704281278", "13805910054")},
	{"fz-hosp2",
	    "name: 福州市第二医院\ntype: institution\nuscc: \"12350100488020012W\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市仓山区上藤路47号\n"
	    "functions: 医疗、教学、科研、预防保健。\nhead: 林志华\n"
	    CONTACT("郑晓", "0591-22650028", "13805910055", "xxk@fzsdeyy.com", "陈丹",
	        "350102197805011285", "13805910056")},
	{"fz-fybj",
	    "name: 福州市妇幼保健院\ntype: institution\nuscc: \"12350100488020020P\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区道山路18号\n"
	    "functions: 妇女儿童医疗保健服务。\nhead: 黄秀珍\n"
	    CONTACT("林娟", "0591-83210029", "13805910057", "web@fzfybj.cn", "刘芳",
	        "350102197906021298", "13805910058")},
	{"fz-museum",
	    "name: 福州市博物馆\ntype: institution\nuscc: \"12350100488020039L\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区西湖路73号\n"
	    "functions: 文物收藏、研究和陈列展览。\nhead: 陈德胜\n"
	    CONTACT("吴桐", "0591-83350030", "13805910059", "fzmuseum@fzmuseum.cn", "郑浩",
	        "350102198007031307", "13805910060")},
	{"fz-yz",
	    "name: 福州第一中学\ntype: institution\nuscc: \"12350100488020047F\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区湖滨路22号\n"
	    "functions: 实施高中学历教育。\nhead: 李迅\n"
	    CONTACT("林薇", "0591-87850031", "13805910061", "office@fzyz.net", "黄鑫",
	        "35010219810804131X", "13805910062")},
	{"fz-gjj",
	    "name: 福州住房公积金中心\ntype: institution\nuscc: \"12350100488020055A\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区古田路117号\n"
	    "functions: 住房公积金的归集、管理和使用。\nhead: 高建新\n"
	    CONTACT("陈梅", "0591-87860032", "13805910063", "web@fzgjj.cn", "林磊",
	        "350102198209051322", "13805910064")},
	{"fz-charity",
	    "name: 福州市慈善总会\ntype: social\nuscc: \"51350100501020018X\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区湖东路78号\n"
	    "functions: 募集善款，开展慈善救助活动。\nhead: 王德明\n"
	    CONTACT("李芸", "0591-87500033", "13805910065", "fzcszh@126.com", "张琪",
	        "350102198310061330", "13805910066")},
	{"fz-rjxh",
	    "name: 福州市软件行业协会\ntype: social\nuscc: \"51350100501020026Q\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区软件大道89号\n"
	    "functions: 服务全市软件企业，开展行业自律与交流。\nhead: 吴振宇\n"
	    CONTACT("林琳", "0591-87900034", "13805910067", "info@fzsia.org.cn", "王博",
	        "350102198411071343", "13805910068")},
	{"fz-lsxh",
	    "name: 福州市律师协会\ntype: social\nuscc: \"51350100501020034K\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区五四路210号\n"
	    "functions: 律师行业自律管理与服务。\nhead: 陈光明\n"
	    CONTACT("郑雯", "0591-87700035", "13805910069", "fzlawyer@fzlawyer.org.cn", "黄健",
	        "350102198512081356", "13805910070")},
	{"fj-czt",
	    "name: 福建省财政厅\ntype: organ\nuscc: \"11350000003020285R\"\n"
	    "affiliation: local\ndivision: \"350000\"\naddress: 福建省福州市鼓楼区中山路5号\n"
	    "functions: 主管全省财政收支、财税政策。\nhead: 李国华\n"
	    CONTACT("陈慧", "0591-87080036", "13805910071", "web@czt.fujian.gov.cn", "林杰",
	        "350103198601091368", "13805910072")},
	{"fj-wjw",
	    "name: 福建省卫生健康委员会\ntype: organ\nuscc: \"11350000003020293L\"\n"
	    "affiliation: local\ndivision: \"350000\"\naddress: 福建省福州市鼓楼区鼓屏路61号\n"
	    "functions: 负责全省卫生健康工作。\nhead: 张卫平\n"
	    CONTACT("何琳", "0591-87820037", "13805910073", "web@wjw.fujian.gov.cn", "郑凯",
	        "350103198702101377", "13805910074")},
	{"fj-museum",
	    "name: 福建博物院\ntype: institution\nuscc: \"123500004880200630\"\n"
	    "affiliation: local\ndivision: \"350000\"\naddress: 福建省福州市鼓楼区湖头街96号\n"
	    "functions: 文物收藏、考古研究与陈列展览。\nhead: 楼建龙\n"
	    CONTACT("陈颖", "0591-83750038", "13805910075", "web@museum.fj.cn", "林涵",
	        "35010319880311138X", "13805910076")},
	{"gl-jyj",
	    "name: 福州市鼓楼区教育局\ntype: organ\nuscc: \"11350102003020306C\"\n"
	    "affiliation: local\ndivision: \"350102\"\naddress: 福建省福州市鼓楼区鼓屏路128号\n"
	    "functions: 主管全区教育工作。\nhead: 黄志伟\n"
	    CONTACT("林丹", "0591-87530039", "13805910077", "gljyj@gl.gov.cn", "郑斌",
	        "350102198904121396", "13805910078")},
	{"gl-gd",
	    "name: 福州市鼓楼区鼓东街道办事处\ntype: organ\nuscc: \"113501020030203147\"\n"
	    "affiliation: local\ndivision: \"350102\"\naddress: 福建省福州市鼓楼区东街86号\n"
	    "functions: 负责本街道辖区的社会管理和公共服务。\nhead: 陈丽\n"
	    CONTACT("王慧", "0591-87540040", "13805910079", "gdjd@gl.gov.cn", "林晨",
	        "350102197005131406", "13805910080")},
	{"xm-jyj",
	    "name: 厦门市教育局\ntype: organ\nuscc: \"11350200003020322A\"\n"
	    "affiliation: local\ndivision: \"350200\"\naddress: 福建省厦门市思明区湖滨北路61号\n"
	    "functions: 主管全市教育工作。\nhead: 吴晓东\n"
	    CONTACT("陈思", "0592-2890041", "13805920081", "web@edu.xm.gov.cn", "黄俊",
	        "350203197106141410", "13805920082")},
	{"xm-lib",
	    "name: 厦门市图书馆\ntype: institution\nuscc: \"123502004880200715\"\n"
	    "affiliation: local\ndivision: \"350200\"\naddress: 福建省厦门市思明区体育路10号\n"
	    "functions: 文献收藏、借阅与公共文化服务。\nhead: 苏丽\n"
	    CONTACT("柯敏", "0592-5050042", "13805920083", "web@xmlib.net", "洪涛",
	        "350203197207151423", "13805920084")},
	{"fz-dag",
	    "name: 福州市档案馆\ntype: institution\nuscc: \"1235010048802008XP\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区福飞路30号\n"
	    "functions: 档案收集、保管和提供利用。\nhead: 方红\n"
	    CONTACT("赵琳", "0591-87600044", "13805910085", "web@fzdag.cn", "陈瑶",
	        "350102197308161434", "13805910086")},
	{"fz-syxh",
	    "name: 福州市摄影家协会\ntype: social\nuscc: \"51350100501020042E\"\n"
	    "affiliation: local\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区五一北路129号\n"
	    "functions: 团结全市摄影工作者，开展摄影创作与交流。\nhead: 邓建国\n"
	    CONTACT("吴霞", "0591-83370045", "13805910087", "fzsyxh@163.com", "林晖",
	        "350102197409171447", "13805910088")},
	{"fj-kjt",
	    "name: 福建省科学技术厅\ntype: organ\nuscc: \"11350000003020330T\"\n"
	    "affiliation: local\ndivision: \"350000\"\naddress: 福建省福州市鼓楼区湖东路108号\n"
	    "functions: 主管全省科技工作。\nhead: 刘建明\n"
	    CONTACT("郑欣", "0591-87880046", "13805910089", "web@kjt.fujian.gov.cn", "林强",
	        "350103197510181451", "13805910090")},
	{"fj-tyj",
	    "name: 福建省体育局\ntype: organ\nuscc: \"11350000003020349P\"\n"
	    "affiliation: local\ndivision: \"350000\"\naddress: 福建省福州市鼓楼区五四路55号\n"
	    "functions: 主管全省体育工作。\nhead: 郭志刚\n"
	    CONTACT("陈璐", "0591-87530047", "13805910091", "web@tyj.fujian.gov.cn", "黄杰",
	        "350103197611191464", "13805910092")},
	{"gl-wjj",
	    "name: 福州市鼓楼区卫生健康局\ntype: organ\nuscc: \"11350102003020357L\"\n"
	    "affiliation: local\ndivision: \"350102\"\naddress: 福建省福州市鼓楼区北大路109号\n"
	    "functions: 负责全区卫生健康工作。\nhead: 王丽萍\n"
	    CONTACT("林雅", "0591-87530048", "13805910093", "glwjj@gl.gov.cn", "陈杰",
	        "350102197712201477", "13805910094")},
	{"sw-fz",
	    "name: 国家税务总局福州市税务局\ntype: organ\nuscc: \"11350100003020365J\"\n"
	    "affiliation: central\ndivision: \"350100\"\naddress: 福建省福州市鼓楼区五四路73号\n"
	    "functions: 负责福州市税收征管工作。\nhead: 林大伟\n"
	    CONTACT("陈雅", "0591-87650043", "13805910095", "web@fujian.chinatax.gov.cn", "吴斌",
	        "350102197801211482", "13805910096")},
};

struct demo {
	sm_app *app;
	sm_err *err;
	time_t base;
	int receipt;   /* the last payment receipt's number */
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
    "amount: \"300.00\"\nreceipt: CONAC-%.4s-%06d\npaid_on: \"%s\"\n";

static sm_status
confirm_payment(struct demo *d, int64_t id, int n)
{
	char vals[160], day[16];
	sm_date_format(sm_clock_today(&d->app->clock), day, sizeof(day));
	snprintf(vals, sizeof(vals), pay, day, n, day);
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

/* ------------------------------------------------------------ stories */

/* The rest of the demo is told as stories: one case each, its values and
 * what happened to it, step by step.  STEPS is a list of words:
 *   D.H          the clock moves to D days before the demo's now, H:00
 *   new          the unit's operator makes the case (VALUES)
 *   submit, withdraw
 *                the unit's operator acts
 *   edit         the unit's operator merges FIX into the values
 *   approve, reject, paper, paper-bad, hung
 *                the reviewer of the unit's office: approve, reject (REASON),
 *                confirm-paper, reject-paper (REASON), verify-hung
 *   li:ACTION, wang:ACTION
 *                CONAC's reviewers: approve, reject (REASON), pay
 *                (confirm-payment), hung (verify-hung)
 *   note         customer service notes NOTE on the case */
struct story {
	const char *login;   /* the unit's operator */
	const char *kind;
	const char *values;
	const char *steps;
	const char *reason;  /* YAML of the reject or reject-paper form */
	const char *fix;     /* YAML merged into the values by "edit" */
	const char *note;
};

#define DOMAIN_V(name, usage) "name: " name "\nusage: " usage "\n"
/* A domain registered over four days of WEEK (W1..W4: Monday to Thursday,
 * when the demo's now is a Friday). */
#define REGISTERED(login, name, week) REGISTERED_(login, name, week)
#define REGISTERED_(login, name, d1, d2, d3, d4) \
	{login, "domain", DOMAIN_V(name, name "的中文域名。"), \
	    d1 ".9 new submit " d2 ".10 approve " d3 ".11 li:approve " d4 ".15 wang:pay", \
	    NULL, NULL, NULL}
#define W1 "53", "52", "51", "50"
#define W2 "46", "45", "44", "43"
#define W3 "39", "38", "37", "36"
#define W4 "32", "31", "30", "29"

#define HEAD(name, mobile) "site_head: {name: " name ", mobile: \"" mobile "\"}\n"
/* A site application for the unit's own website. */
#define SITE(purpose, name, domain, en, ip, loc, icp, psb, code, head, mobile) \
	"purpose: " purpose "\nsite_name: " name "\ndomain: " domain "\n" \
	"english_domains: [" en "]\nhosting: own\nserver_ip: " ip "\n" \
	"server_location: " loc "\nicp_number: " icp "\npsb_number: 闽公网安备 " psb "号\n" \
	"site_code: \"" code "\"\n" \
	"intro: " name "是本单位发布政务信息、提供在线服务的官方网站。\n" HEAD(head, mobile)
/* A site application for a red page. */
#define SITE_RED(purpose, name, domain, head, mobile) \
	"purpose: " purpose "\nsite_name: " name "\ndomain: " domain "\nhosting: redpage\n" \
	"intro: 介绍本单位职能、办事指南和联系方式的网络红页。\n" HEAD(head, mobile)
#define MARK(name, domain, en, ip, loc, icp, head, mobile) \
	"site_name: " name "\ndomain: " domain "\nenglish_domains: [" en "]\nhosting: own\n" \
	"server_ip: " ip "\nserver_location: " loc "\nicp_number: " icp "\n" \
	"intro: " name "官方网站。\n" HEAD(head, mobile)
#define MARK_RED(name, domain, head, mobile) \
	"site_name: " name "\ndomain: " domain "\nhosting: redpage\n" \
	"intro: " name "的网络红页。\n" HEAD(head, mobile)
#define FZ "福建省福州市"
#define XM "福建省厦门市"

static const struct story stories[] = {
	/* Domains registered five to eight weeks ago, for the sites and marks
	 * below. */
	REGISTERED("fz-fgw", "福州市发展和改革委员会", W1),
	REGISTERED("fz-jyj", "福州市教育局", W1),
	REGISTERED("fz-gxj", "福州市工业和信息化局", W1),
	REGISTERED("fz-gaj", "福州市公安局", W1),
	REGISTERED("fz-hosp2", "福州市第二医院", W1),
	REGISTERED("fj-wjw", "福建省卫生健康委员会", W1),
	REGISTERED("fz-rsj", "福州市人力资源和社会保障局", W2),
	REGISTERED("fz-zrj", "福州市自然资源和规划局", W2),
	REGISTERED("fz-sthj", "福州市生态环境局", W2),
	REGISTERED("fz-cxjs", "福州市城乡建设局", W2),
	REGISTERED("fz-swj", "福州市商务局", W2),
	REGISTERED("fz-yz", "福州第一中学", W2),
	REGISTERED("fj-museum", "福建博物院", W2),
	REGISTERED("gl-gd", "鼓楼区鼓东街道办事处", W2),
	REGISTERED("xm-jyj", "厦门市教育局", W2),
	REGISTERED("fz-jtj", "福州市交通运输局", W3),
	REGISTERED("fz-wlj", "福州市文化和旅游局", W3),
	REGISTERED("fz-scj", "福州市市场监督管理局", W3),
	REGISTERED("fz-wjw", "福州市卫生健康委员会", W3),
	REGISTERED("fz-charity", "福州市慈善总会", W3),
	REGISTERED("fz-dag", "福州市档案馆", W3),
	REGISTERED("fj-kjt", "福建省科学技术厅", W3),
	REGISTERED("gl-wjj", "鼓楼区卫生健康局", W3),
	REGISTERED("fz-gjj", "福州住房公积金中心", W4),

	/* Marks long done: hung on the unit's own site, on a red page; a red
	 * page waiting to be published; paper sent back for its seal. */
	{"fz-gaj", "site", SITE("requalify", "福州市公安局网站", "福州市公安局.政务",
	    "gaj.fuzhou.gov.cn", "218.85.157.140", FZ, "闽ICP备05012345号-1", "35010202000501",
	    "3501000003", "刘敏", "13805910009"),
	    "35.9 new submit 32.10 approve 31.11 wang:approve 25.15 paper 21.10 hung",
	    NULL, NULL, NULL},
	{"fz-dag", "mark", MARK_RED("福州市档案馆", "福州市档案馆.公益", "赵琳", "13805910085"),
	    "23.9 new submit 22.10 approve 18.11 wang:approve 15.10 wang:hung", NULL, NULL, NULL},
	{"gl-gd", "site", SITE_RED("new", "鼓楼区鼓东街道办事处", "鼓楼区鼓东街道办事处.政务",
	    "王慧", "13805910079"),
	    "30.9 new submit 29.10 approve 28.11 li:approve 21.15 paper", NULL, NULL, NULL},
	{"gl-wjj", "site", SITE("new", "鼓楼区卫生健康局网站", "鼓楼区卫生健康局.政务",
	    "wjj.gl.gov.cn", "218.85.157.150", FZ, "闽ICP备06002345号-2", "35010202000502",
	    "3501020002", "林雅", "13805910093"),
	    "25.9 new submit 24.10 approve 23.11 wang:approve 16.15 paper-bad 16.16 note",
	    "reason_code: seal\nreason: 申请表未加盖单位公章，请重新打印、盖章后再次提交。\n", NULL,
	    "单位来电询问退回原因，已说明申请表须加盖公章后重新提交。"},

	/* Waiting for their paper, and at CONAC. */
	{"fz-swj", "site", SITE("new", "福州市商务局网站", "福州市商务局.政务",
	    "swj.fuzhou.gov.cn", "218.85.157.141", FZ, "闽ICP备05012346号-1", "35010202000503",
	    "3501000004", "郑琳", "13805910031"),
	    "16.10 new submit 15.11 approve 11.15 li:approve", NULL, NULL, NULL},
	{"fj-wjw", "site", SITE("requalify", "福建省卫生健康委员会网站", "福建省卫生健康委员会.政务",
	    "wjw.fujian.gov.cn", "117.25.128.40", FZ, "闽ICP备05003367号-1", "35010202000504",
	    "3500000003", "何琳", "13805910073"),
	    "14.9 new submit 11.10 approve 9.11 wang:approve", NULL, NULL, NULL},
	{"fj-kjt", "site", SITE("new", "福建省科学技术厅网站", "福建省科学技术厅.政务",
	    "kjt.fujian.gov.cn", "117.25.128.41", FZ, "闽ICP备05003368号-1", "35010202000505",
	    "3500000004", "郑欣", "13805910089"),
	    "8.10 new submit 4.10 approve", NULL, NULL, NULL},
	{"fj-tyj", "domain", DOMAIN_V("福建省体育局", "福建省体育局门户网站。"),
	    "16.9 new submit 15.10 approve 14.11 li:approve", NULL, NULL, NULL},
	{"fz-syxh", "domain", DOMAIN_V("福州市摄影家协会", "协会网站。"),
	    "10.9 new submit 9.10 approve 8.11 li:approve", NULL, NULL, NULL},
	{"xm-lib", "domain", DOMAIN_V("厦门市图书馆", "图书馆门户网站。"),
	    "7.9 new submit 4.10 approve", NULL, NULL, NULL},

	/* Fuzhou's online review queue: sites, marks and domains, some overdue,
	 * some returned and submitted again. */
	{"fz-jyj", "site", SITE("requalify", "福州市教育局网站", "福州市教育局.政务",
	    "jyj.fuzhou.gov.cn", "218.85.157.142", FZ, "闽ICP备05012347号-1", "35010202000506",
	    "3501000005", "黄燕", "13805910003"),
	    "15.9 new submit 4.16 note", NULL, NULL, "单位来电催办，已转告福州市委编办审核人员。"},
	{"fz-zrj", "site", SITE("new", "福州市自然资源局网站", "福州市自然资源和规划局.政务",
	    "zrghj.fuzhou.gov.cn", "218.85.157.143", FZ, "闽ICP备05012348号-1", "35010202000507",
	    "3501000006", "郑婷", "13805910019"),
	    "16.9 new submit 15.10 reject 11.9 edit submit",
	    "reason_code: site_name\nreason: 网站名称应与单位名称一致，请改为“福州市自然资源和规划局网站”。\n",
	    "site_name: 福州市自然资源和规划局网站\n", NULL},
	{"fz-jtj", "site", SITE("requalify", "福州市交通运输局网站", "福州市交通运输局.政务",
	    "jtj.fuzhou.gov.cn", "218.85.157.144", FZ, "闽ICP备05012349号-1", "35010202000508",
	    "3501000007", "王琳", "13805910025"),
	    "10.9 new submit", NULL, NULL, NULL},
	{"fz-yz", "mark", MARK("福州第一中学", "福州第一中学.公益", "www.fzyz.net",
	    "218.85.157.160", FZ, "闽ICP备07001234号-1", "林薇", "13805910061"),
	    "9.10 new submit", NULL, NULL, NULL},
	{"fz-tyj", "domain", DOMAIN_V("福州市体育局", "福州市体育局门户网站。"),
	    "14.10 new submit", NULL, NULL, NULL},
	{"fz-kjj", "domain", DOMAIN_V("福州市科学技术局", "福州市科学技术局门户网站。"),
	    "11.9 new submit", NULL, NULL, NULL},
	{"fz-mzj", "domain", DOMAIN_V("福州市民政局", "福州市民政局门户网站。"),
	    "9.11 new submit", NULL, NULL, NULL},
	{"fz-cgw", "domain", DOMAIN_V("福州城管", "福州市城市管理委员会门户网站。"),
	    "11.14 new submit 10.10 reject 8.9 edit submit",
	    "reason_code: domain_name\nreason: 中文域名应使用单位规范全称“福州市城市管理委员会”。\n",
	    "name: 福州市城市管理委员会\n", NULL},
	{"fz-tjj", "domain", DOMAIN_V("福州统计局", "福州市统计局门户网站。"),
	    "11.10 new submit 11.11 withdraw", NULL, NULL, NULL},
	{"fz-ybj", "domain", DOMAIN_V("福州市医疗保障局", "福州市医疗保障局门户网站。"),
	    "7.10 new submit", NULL, NULL, NULL},
	{"fz-fybj", "domain", DOMAIN_V("福州市妇幼保健院", "医院门户网站。"),
	    "7.15 new submit", NULL, NULL, NULL},
	{"fz-gjj", "mark", MARK("福州公积金网", "福州住房公积金中心.公益", "www.fzgjj.cn",
	    "218.85.157.161", FZ, "闽ICP备07001235号-1", "陈梅", "13805910063"),
	    "8.9 new submit 7.10 reject 3.9 edit submit",
	    "reason_code: site_name\nreason: 网站名称应为“福州住房公积金中心”，与网站首页标题一致。\n",
	    "site_name: 福州住房公积金中心\n", NULL},
	{"fz-wjw", "site", SITE("requalify", "福州市卫生健康委员会网站", "福州市卫生健康委员会.政务",
	    "wjw.fuzhou.gov.cn", "218.85.157.145", FZ, "闽ICP备05012350号-1", "35010202000509",
	    "3501000008", "刘倩", "13805910035"),
	    "22.9 new submit 21.10 approve 17.11 wang:reject 4.10 edit submit",
	    "reason_code: materials\nreason: 网站简介过于简略，请补充网站的主要栏目和在线服务内容。\n",
	    "intro: 福州市卫生健康委员会网站设政务公开、办事服务、健康科普、互动交流等栏目，"
	    "提供医疗机构查询、执业注册进度查询等在线服务。\n", NULL},
	{"fz-sthj", "site", SITE("new", "福州市生态环境局网站", "福州市生态环境局.政务",
	    "sthjj.fuzhou.gov.cn", "218.85.157.146", FZ, "闽ICP备05012351号-1", "35010202000510",
	    "3501000009", "陈悦", "13805910021"),
	    "4.9 new submit", NULL, NULL, NULL},
	{"fz-sfj", "domain", DOMAIN_V("福州市司法局", "福州市司法局门户网站。"),
	    "4.10 new submit", NULL, NULL, NULL},
	{"fz-lsxh", "domain", DOMAIN_V("福州市律师协会", "协会门户网站。"),
	    "4.11 new submit", NULL, NULL, NULL},
	{"fz-tjj", "domain", DOMAIN_V("福州市统计局", "福州市统计局门户网站。"),
	    "4.14 new submit", NULL, NULL, NULL},
	{"fz-xfj", "domain", DOMAIN_V("福州市信访局", "福州市信访局门户网站。"),
	    "4.15 new submit", NULL, NULL, NULL},
	{"fz-fgw", "site", SITE("requalify", "福州市发展和改革委员会网站",
	    "福州市发展和改革委员会.政务", "fgw.fuzhou.gov.cn", "218.85.157.147", FZ,
	    "闽ICP备05012352号-1", "35010202000511", "3501000010", "林晓", "13805910001"),
	    "3.9 new submit", NULL, NULL, NULL},
	{"fz-czj", "domain", DOMAIN_V("福州市财政局", "福州市财政局门户网站。"),
	    "3.10 new submit", NULL, NULL, NULL},
	{"fz-jgsw", "domain", DOMAIN_V("福州市机关事务管理局", "福州市机关事务管理局门户网站。"),
	    "3.11 new submit", NULL, NULL, NULL},
	{"fz-scj", "site", SITE("new", "福州市市场监督管理局网站", "福州市市场监督管理局.政务",
	    "scjgj.fuzhou.gov.cn", "218.85.157.148", FZ, "闽ICP备05012353号-1", "35010202000512",
	    "3501000011", "张敏", "13805910041"),
	    "3.15 new submit", NULL, NULL, NULL},
	{"fz-cxjs", "site", SITE("new", "福州市城乡建设局网站", "福州市城乡建设局.政务",
	    "cxjsj.fuzhou.gov.cn", "218.85.157.149", FZ, "闽ICP备05012354号-1", "35010202000513",
	    "3501000012", "黄婷", "13805910032"),
	    "9.9 new submit 8.15 reject 2.9 edit submit",
	    "reason_code: contact\nreason: 网站负责人手机号码与联系人登记信息不一致，请核实。\n",
	    HEAD("黄婷", "13805910023"), NULL},
	{"fz-gxj", "site", SITE("new", "福州市工业和信息化局网站", "福州市工业和信息化局.政务",
	    "gxj.fuzhou.gov.cn", "218.85.157.151", FZ, "闽ICP备05012355号-1", "35010202000514",
	    "3501000013", "李佳", "13805910007"),
	    "2.10 new submit", NULL, NULL, NULL},
	{"fz-hosp2", "mark", MARK("福州市第二医院", "福州市第二医院.公益", "www.fzsdeyy.com",
	    "218.85.157.162", FZ, "闽ICP备07001236号-1", "郑晓", "13805910055"),
	    "2.11 new submit", NULL, NULL, NULL},
	{"fz-museum", "domain", DOMAIN_V("福州市博物馆", "博物馆门户网站。"),
	    "2.14 new submit", NULL, NULL, NULL},
	{"fz-slj", "domain", DOMAIN_V("福州市水利局", "福州市水利局门户网站。"),
	    "2.15 new submit", NULL, NULL, NULL},
	{"fz-nyj", "domain", DOMAIN_V("福州市农业农村局", "福州市农业农村局门户网站。"),
	    "2.16 new submit", NULL, NULL, NULL},
	{"fz-rsj", "site", SITE("requalify", "福州市人力资源和社会保障局网站",
	    "福州市人力资源和社会保障局.政务", "rsj.fuzhou.gov.cn", "218.85.157.152", FZ,
	    "闽ICP备05012356号-1", "35010202000515", "3501000014", "林颖", "13805910017"),
	    "1.9 new submit", NULL, NULL, NULL},
	{"fz-charity", "mark", MARK_RED("福州市慈善总会", "福州市慈善总会.公益", "李芸",
	    "13805910065"),
	    "1.10 new submit", NULL, NULL, NULL},
	{"fz-yjj", "domain", DOMAIN_V("福州市应急管理局", "福州市应急管理局门户网站。"),
	    "1.11 new submit", NULL, NULL, NULL},
	{"fz-wlj", "site", SITE("requalify", "福州市文化和旅游局网站", "福州市文化和旅游局.政务",
	    "wlj.fuzhou.gov.cn", "218.85.157.153", FZ, "闽ICP备05012357号-1", "35010202000516",
	    "3501000015", "陈晨", "13805910033"),
	    "1.14 new submit", NULL, NULL, NULL},
	{"fz-sjj", "domain", DOMAIN_V("福州市审计局", "福州市审计局门户网站。"),
	    "1.15 new submit", NULL, NULL, NULL},
	{"fz-rjxh", "domain", DOMAIN_V("福州市软件行业协会", "协会门户网站。"),
	    "1.16 new submit", NULL, NULL, NULL},

	/* The other offices' queues. */
	{"fj-czt", "domain", DOMAIN_V("福建省财政厅", "福建省财政厅门户网站。"),
	    "10.10 new submit", NULL, NULL, NULL},
	{"fj-museum", "mark", MARK_RED("福建博物院", "福建博物院.公益", "陈颖", "13805910074"),
	    "11.9 new submit 10.11 reject 3.10 edit submit",
	    "reason_code: contact\nreason: 网站负责人手机号码与联系人登记信息不一致，请核实后重新提交。\n",
	    HEAD("陈颖", "13805910075"), NULL},
	{"gl-jyj", "domain", DOMAIN_V("鼓楼区教育局", "鼓楼区教育局门户网站。"),
	    "2.9 new submit", NULL, NULL, NULL},
	{"xm-jyj", "site", SITE("requalify", "厦门市教育局网站", "厦门市教育局.政务",
	    "edu.xm.gov.cn", "110.80.32.10", XM, "闽ICP备05020001号-1", "35020302000101",
	    "3502000002", "陈思", "13805920081"),
	    "1.10 new submit", NULL, NULL, NULL},
	{"sw-fz", "domain", DOMAIN_V("国家税务总局福州市税务局", "福州市税务局网站。"),
	    "3.9 new submit", NULL, NULL, NULL},
};

/* The reviewer of OFFICE among the demo's staff. */
static const char *
reviewer_of(const char *office)
{
	for (size_t i = 0; i < sizeof(staff) / sizeof(staff[0]); i++)
		if (staff[i].office && strcmp(staff[i].office, office) == 0)
			return staff[i].login;
	return NULL;
}

static sm_status
edit(struct demo *d, const char *login, int64_t id, const char *fix)
{
	sm_case c = {0};
	json_t *v;
	sm_status st;
	if ((st = as(d, login)) != SM_OK)
		return st;
	if ((v = yaml(d, fix)) == NULL)
		return SM_E_INVALID;
	if ((st = sm_case_read(d->app, id, &c, d->err)) == SM_OK)
		st = sm_case_edit(d->app, id, v, c.version, d->err);
	sm_case_clear(&c);
	json_decref(v);
	return st;
}

static sm_status
story_paper(struct demo *d, const char *login, int64_t id)
{
	char vals[128], day[16];
	sm_date_format(sm_clock_today(&d->app->clock), day, sizeof(day));
	snprintf(vals, sizeof(vals),
	    "letter: true\nforms: true\nid_copy: true\nreceived_on: \"%s\"\n", day);
	return act(d, login, id, "confirm-paper", vals);
}

static sm_status
run_story(struct demo *d, const struct story *s)
{
	char word[32];
	const char *p = s->steps, *office = NULL;
	int64_t id = 0;
	sm_status st = SM_OK;

	while (st == SM_OK && *p) {
		size_t n = strcspn(p, " ");
		int days, hour;
		const char *who, *what;
		snprintf(word, sizeof(word), "%.*s", (int)n, p);
		p += n + strspn(p + n, " ");
		if (sscanf(word, "%d.%d", &days, &hour) == 2) {
			clock_at(d, days, hour);
			continue;
		}
		if (strcmp(word, "new") == 0) {
			sm_case c = {0};
			if ((st = new_case(d, s->login, s->kind, s->values, &id)) == SM_OK &&
			    (st = sm_case_read(d->app, id, &c, d->err)) == SM_OK)
				office = reviewer_of(c.office);
			sm_case_clear(&c);
			continue;
		}
		if (strcmp(word, "submit") == 0 || strcmp(word, "withdraw") == 0) {
			st = act(d, s->login, id, word, NULL);
			continue;
		}
		if (strcmp(word, "edit") == 0) {
			st = edit(d, s->login, id, s->fix);
			continue;
		}
		if (strcmp(word, "note") == 0) {
			if ((st = as(d, "kf-zhao")) == SM_OK)
				st = sm_case_note(d->app, id, s->note, d->err);
			continue;
		}
		/* A reviewer's action. */
		if (strncmp(word, "li:", 3) == 0 || strncmp(word, "wang:", 5) == 0) {
			who = word[0] == 'l' ? "conac-li" : "conac-wang";
			what = strchr(word, ':') + 1;
		} else {
			who = office;
			what = word;
		}
		if (who == NULL)
			abort();   /* a unit whose office has no reviewer in staff[] */
		if (strcmp(what, "approve") == 0)
			st = act(d, who, id, "approve", NULL);
		else if (strcmp(what, "reject") == 0)
			st = act(d, who, id, "reject", s->reason);
		else if (strcmp(what, "paper") == 0)
			st = story_paper(d, who, id);
		else if (strcmp(what, "paper-bad") == 0)
			st = act(d, who, id, "reject-paper", s->reason);
		else if (strcmp(what, "hung") == 0)
			st = act(d, who, id, "verify-hung", NULL);
		else if (strcmp(what, "pay") == 0 && who[0] == 'c')
			st = confirm_payment(d, id, ++d->receipt);
		else
			abort();   /* a mistake in the stories above */
	}
	return st;
}

sm_status
sm_demo_build(sm_app *app, sm_err *err)
{
	struct demo d = {app, err, sm_clock_now(&app->clock), 7};
	sm_clock saved_clock = app->clock;
	char *admin = app->user.login ? strdup(app->user.login) : NULL;
	char vals[1024];
	int64_t id = 0, site = 0, mk = 0;
	sm_status st = SM_OK;

	if (admin == NULL)
		return sm_err_add(err, SM_E_DENIED, NULL, _("no user is logged in"));
	/* The same GUIDs and request ids on every run: the demo is the same
	 * whenever it is made (at the same time of day). */
	sm_random_fixed(UINT64_C(350000));
	/* The demo's invented history goes to its anchors file, not to syslog. */
	sm_store_set_anchors(app->store, NULL, 0, -1);
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
		if (i < 11)
			clock_at(&d, 59 - (int)i, 10);
		else    /* the units added later, over three days */
			clock_at(&d, 58 - (int)(i - 11) / 16, 9 + (int)(i - 11) % 8);
		st = sm_unit_register(app, v, units[i].login, &id, err);
		json_decref(v);
		if (st != SM_OK)
			goto out;
	}
	/* The security administrator grants the roles the accounts were made
	 * for (三员分立); the three were founded with theirs. */
	TRY(as(&d, "secadmin"));
	for (size_t i = 0; i < sizeof(staff) / sizeof(staff[0]); i++) {
		sm_role r = sm_role_parse(staff[i].role);
		if (r != SM_ROLE_AUDITOR && r != SM_ROLE_SECADMIN)
			TRY(sm_user_set_role(app, staff[i].login, r, NULL, err));
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		TRY(sm_user_set_role(app, units[i].login, SM_ROLE_UNIT, NULL, err));

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
	TRY(edit(&d, "fz-gov", site, "site_name: 福州市人民政府门户网站\n"));
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

	for (size_t i = 0; i < sizeof(stories) / sizeof(stories[0]); i++)
		TRY(run_story(&d, &stories[i]));
out:
	sm_random_fixed(0);
	app->clock = saved_clock;
	if (st == SM_OK)
		st = sm_app_login(app, admin, err);
	else
		sm_app_login(app, admin, NULL);
	free(admin);
	return st;
}
