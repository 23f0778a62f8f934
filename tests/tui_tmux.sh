#!/usr/bin/env bash
# tui_tmux.sh - both flows of the seed through the console, end to end,
# under tmux (80x24, zh_CN.UTF-8): keys go in with send-keys, the screen
# comes back with capture-pane, and every step waits for text on the screen
# (no fixed sleeps).  Between steps the command line double-checks the case's
# state (sitemark case show --json).
#
#   党政机关 (org-op, no unit yet): registers its unit through the form,
#   applies for 福州市人民政府.政务; the office approves, CONAC approves and
#   confirms the payment; the unit applies for the website opening review;
#   the office returns it with a reason (the reject form); the unit edits and
#   submits again; the office and CONAC approve; the office confirms the
#   paper (confirm-paper form); the unit reads its mark code in
#   网上名称管理—标识管理.
#
#   事业单位 (lib-op): .公益 domain -> mark application -> office -> CONAC
#   -> mark issued, read in 标识管理.
#
# Set-up (offices, accounts, the institution's unit) uses the command line.
# A private tmux server (-L) is killed at the end, whatever happens.

. "$(dirname "$0")/lib.sh"

need_zh

NOW=2026-11-20T10:00:00+08:00
export SITEMARK_NOW=$NOW
VIEWER=conac1

. "$(dirname "$0")/lib_tmux.sh"

# console LOGIN NAME: open the console as LOGIN (shown as NAME in the title).
console() {
	local cmd
	rm -f "$T/exit"
	# the shell writes the exit status (tmux's #{pane_dead_status} is not
	# always set when the pane dies)
	cmd=$(printf 'printf "\\033[H\\033[2J"; env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN TERM=screen HOME=%q SITEMARK_NOW=%q SITEMARK_DATADIR=%q SITEMARK_LOCALEDIR=%q %q --db %q --as %q; echo $? >%q' \
	    "$HOME" "$NOW" "$SITEMARK_DATADIR" "$SITEMARK_LOCALEDIR" "$SITEMARK" "$DB" "$1" "$T/exit")
	TM respawn-pane -k -t "$PANE" "$cmd" || die "tmux respawn-pane"
	wait_match "$1: the console opens on the main menu" "^sitemark \| .*$2.* \| 主菜单" ||
	    die "the console did not open"
}

# state_is ID STATE DESC: the command line sees case ID in STATE.
state_is() {
	check_eq "$3 (case $1 is $2)" "$2" "$(state_of "$1")"
}

# approve LOGIN NAME MENU ID NEWSTATE LABEL: LOGIN approves case ID from the
# queue of menu entry MENU (confirming with y); the case goes to NEWSTATE,
# shown as LABEL.
approve() {
	console "$1" "$2"
	keys "$3"
	wait_match "$1: case $4 is in the queue, under the cursor" "^>$4 " || return 1
	keys a
	wait_for "$1: approving asks first" "(y/n)" || return 1
	keys y
	wait_for "$1: approved, the case is $6" "申请 $4：$6"
	state_is "$4" "$5" "$1 approved"
	leave
}

# ---------------------------------------------------------------- set-up

sm init >/dev/null || die "init"
sm user add aud --role auditor >/dev/null || die "user add aud"
sm user add sec --role secadmin >/dev/null || die "user add sec"
sm office add 350100 --name 中共福州市委机构编制委员会办公室 >/dev/null || die "office add 350100"
add_staff fz-rev office --office 350100 --name 林涛
add_staff conac1 conac --name 李娜
add_staff org-op unit --name 李华
sm unit register --values "$VALUES/unit-institution-fj.yaml" --login lib-op >/dev/null ||
    die "unit register (institution)"
sm --as sec user role lib-op unit >/dev/null || die "user role lib-op"
q "UPDATE users SET name = '郑伟' WHERE login = 'lib-op'" || die "naming lib-op"

tmux_start

# ================================================================ 党政机关

echo "# 党政机关: the unit registers itself through the form"
console org-op 李华
wait_for "a new account sees 单位注册" "1  单位注册"
keys Enter
wait_for "the registration form opens" "F2 提交" || die "no form"
type_text 福州市人民政府办公厅; keys Tab
keys Space Tab                                  # type: 党政机关 (the first choice)
type_text 11350100003012349K; keys Tab
keys Space Space Tab                            # affiliation: 地方 (the second)
type_text 350100; keys Tab
type_text 福建省福州市鼓楼区八一七北路84号; keys Tab
type_text 负责市政府日常工作的组织协调。; keys Tab
type_text 张明; keys Tab
type_text 李华; keys Tab
type_text 0591-83991234; keys Tab
type_text 13905910001; keys Tab
type_text webmaster@fuzhou.gov.cn; keys Tab
type_text 王芳; keys Tab
type_text 350102198803151238; keys Tab
type_text 13805910002
wait_for "the last field is typed" "13805910002"
keys F2
wait_for "the unit is registered" "单位注册成功" || die "registration failed"
ORG_UNIT=$(q "select unit from users where login = 'org-op'")
check_match "org-op belongs to the new unit" '^[0-9]+$' "$ORG_UNIT"
check_eq "the unit as typed" "福州市人民政府办公厅|organ|350100" \
    "$(q "select name, type, office from units where id = '$ORG_UNIT'")"
wait_for "the menu now offers the domain application" "域名申请（.政务）"

echo "# 党政机关: domain application"
keys 2
wait_for "the domain queue is empty" "暂无内容"
keys F4
wait_for "the domain form opens" "域名名称"
type_text 福州市人民政府; keys Tab
type_text 福州市人民政府门户网站使用的中文域名。
keys F2
wait_for "the domain application is submitted" "已提交至同级编办" || die "domain submit failed"
DOMAIN=$(q "select id from cases where unit = $ORG_UNIT and kind = 'domain'")
state_is "$DOMAIN" office_review "submitted through the form"
check_eq "the domain applied for" "福州市人民政府.政务" "$(case_json "$DOMAIN" | jq -r .domain)"
leave

echo "# 党政机关: the office and CONAC approve, CONAC confirms the payment"
approve fz-rev 林涛 1 "$DOMAIN" conac_review CONAC复审中
approve conac1 李娜 1 "$DOMAIN" awaiting_payment 待缴费
console conac1 李娜
keys 2
wait_match "the payment queue holds the case" "^>$DOMAIN .*待缴费"
keys p
wait_for "the confirm-payment form opens" "金额"
type_text 300.00; keys Tab
type_text CONAC-2026-000123; keys Tab
type_text 2026-11-19
keys F2
wait_for "the payment asks first" "(y/n)"
keys y
wait_for "the payment is confirmed" "申请 $DOMAIN：已注册"
state_is "$DOMAIN" registered "CONAC confirmed the payment"
leave

echo "# 党政机关: website opening review, returned by the office"
console org-op 李华
keys 3
wait_for "the site queue opens" "网站开办审核/资质复核申请  |"
keys F4
wait_for "the site form opens" "申请事项"
keys Space Tab                                  # purpose: 新开办网站申请
type_text 福州市政府网; keys Tab                # not the home page's title: to be returned
keys Enter                                      # the registered domains to choose from
wait_for "the unit's registered domain is offered" "福州市人民政府.政务"
keys Enter Tab
keys Enter                                      # [+] an English domain name
type_text www.fuzhou.gov.cn; keys Tab Tab
keys Space Tab                                  # hosting: 自建网站, which shows the server fields
type_text 218.85.157.99; keys Tab
type_text 福建省福州市; keys Tab
type_text 闽ICP备12345678号-1; keys Tab
type_text "闽公网安备 35010202000123号"; keys Tab
type_text 3501000001; keys Tab
type_text 福州市人民政府门户网站是市政府发布政务信息、提供在线服务的官方网站。; keys Tab
type_text 陈强; keys Tab
type_text 13905910003
wait_for "the last field is typed" "13905910003"
keys F2
wait_for "the site application is submitted" "已提交至同级编办" || die "site submit failed"
SITE=$(q "select id from cases where unit = $ORG_UNIT and kind = 'site'")
state_is "$SITE" office_review "submitted through the form"
check_eq "the values as typed" "福州市人民政府.政务 own www.fuzhou.gov.cn 3501000001" \
    "$(case_json "$SITE" | jq -r '[.values.domain, .values.hosting, .values.english_domains[0], .values.site_code] | join(" ")')"
leave

console fz-rev 林涛
keys 1
wait_match "the site case is in the office's queue" "^>$SITE "
keys r
wait_for "the reject form opens" "退回原因"
keys Enter
wait_for "the reasons are offered" "网站名称不规范"
keys Down Down Enter Tab                        # 网站名称不规范
type_text 网站名称应与网站首页标题一致，请改为“福州市人民政府门户网站”。
keys F2
wait_for "returning asks first" "(y/n)"
keys y
wait_for "the case is returned" "申请 $SITE：已退回"
state_is "$SITE" returned "the office returned it"
check_match "the reason is in the history" "请改为“福州市人民政府门户网站”" \
    "$(case_json "$SITE" | jq -r '.history[].reason // empty')"
leave

echo "# 党政机关: the unit edits and submits again"
console org-op 李华
keys 3
wait_match "the returned case is in the unit's queue" "^>$SITE .*已退回"
keys Enter
wait_for "the unit opens the case" "申请 $SITE：网站开办审核 - 已退回"
keys End
wait_for "the unit reads the reason at the end of the history" "网站名称应与网站首页标题一致"
keys q
wait_match "back in the queue" "^>$SITE .*已退回"
keys e
wait_for "the form opens with the values" "福州市政府网"
keys Tab C-u
type_text 福州市人民政府门户网站
keys F2
wait_for "submitted again" "已提交至同级编办"
state_is "$SITE" office_review "the unit submitted again"
check_eq "the new website name" "福州市人民政府门户网站" "$(case_json "$SITE" | jq -r .values.site_name)"
leave

echo "# 党政机关: approvals, then the paper"
if [ "${SITEMARK_TEST_BACKEND:-sqlite}" = dqlite ]; then
	# the leader stops as the office approves (SIGSTOP: its connection
	# open, no answer): the console finds the new leader and the approval
	# goes through once, well within store.timeout (10 s here)
	DB="${DB%;timeout=*};timeout=10000" console fz-rev 林涛
	keys 1
	wait_match "fz-rev: case $SITE is in the queue, under the cursor" "^>$SITE "
	keys a
	wait_for "fz-rev: approving asks first" "(y/n)"
	ld=$(node_of "$(leader)")
	kill -STOP "${NODE_PID[$ld]}"
	t0=$(date +%s%N)
	keys y
	wait_for "the leader stopped: approved all the same" "申请 $SITE：CONAC复审中" 12
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# approved $ms ms after y, the leader stopped"
	check_true "well within store.timeout (10 s): $ms ms" "$ms" -lt 5000
	kill -CONT "${NODE_PID[$ld]}"
	wait_voters 3 || fail "the stopped node is back"
	state_is "$SITE" conac_review "approved once"
	check_eq "one approval in the audit" 1 \
	    "$(q "select count(*) from audit where object = 'case' and object_id = $SITE and action = 'approve'")"
	leave
else
	approve fz-rev 林涛 1 "$SITE" conac_review CONAC复审中
fi
approve conac1 李娜 1 "$SITE" paper_pending 待报送纸质材料
console fz-rev 林涛
keys 2
wait_match "the case waits for its paper" "^>$SITE .*待纸质材料"
keys c
wait_for "the confirm-paper form opens" "收件日期"
keys Space Tab Space Tab Space Tab
type_text 2026-11-19
keys F2
wait_for "the paper confirmation asks first" "(y/n)"
keys y
wait_for "the paper is confirmed: the mark is issued" "申请 $SITE：已发放标识"
state_is "$SITE" mark_issued "the office confirmed the paper"
leave

echo "# 党政机关: the unit reads its mark code in 标识管理"
CODE=$(sm --as org-op --json mark show "$SITE" | jq -r .code)
check_match "the mark code (command line)" '^CA[0-9]{21}$' "$CODE"
console org-op 李华
keys 4
wait_for "网上名称管理—标识管理 opens" "网上名称管理—标识管理"
wait_match "a mark code CA + 21 digits is on the screen" "标识代码 +CA[0-9]{21}$"
wait_for "it is the case's mark code" "$CODE"
leave

# ================================================================ 事业单位

echo "# 事业单位: domain application"
LIB_UNIT=$(q "select unit from users where login = 'lib-op'")
console lib-op 郑伟
wait_for "an institution applies for .公益" "域名申请（.公益）"
keys 2
keys F4
wait_for "the domain form opens" "域名名称"
type_text 福州市图书馆; keys Tab
type_text 福州市图书馆网站及网络红页。
keys F2
wait_for "submitted" "已提交至同级编办" || die "domain submit failed"
LIB_DOMAIN=$(q "select id from cases where unit = $LIB_UNIT and kind = 'domain'")
state_is "$LIB_DOMAIN" office_review "submitted through the form"
check_eq "the .公益 domain" "福州市图书馆.公益" "$(case_json "$LIB_DOMAIN" | jq -r .domain)"
leave
approve fz-rev 林涛 1 "$LIB_DOMAIN" conac_review CONAC复审中
approve conac1 李娜 1 "$LIB_DOMAIN" awaiting_payment 待缴费
console conac1 李娜
keys 2
wait_match "the payment queue holds the case" "^>$LIB_DOMAIN "
keys p
wait_for "the confirm-payment form opens" "金额"
type_text 300.00; keys Tab
type_text CONAC-2026-000124; keys Tab
type_text 2026-11-19
keys F2
wait_for "the payment asks first" "(y/n)"
keys y
wait_for "the payment is confirmed" "申请 $LIB_DOMAIN：已注册"
state_is "$LIB_DOMAIN" registered "CONAC confirmed the payment"
leave

echo "# 事业单位: mark application"
console lib-op 郑伟
keys 3
wait_for "the mark application queue opens" "网上名称管理—标识申请  |"
keys F4
wait_for "the mark form opens" "网站名称"
type_text 福州市图书馆; keys Tab
keys Enter
wait_for "the registered .公益 domain is offered" "福州市图书馆.公益"
keys Enter Tab
keys Enter
type_text www.fzlib.org.cn; keys Tab Tab
keys Space Tab                                  # 自建网站
type_text 218.85.157.100; keys Tab
type_text 福建省福州市; keys Tab
type_text 闽ICP备87654321号-2; keys Tab
type_text "闽公网安备 35010202000456号"; keys Tab
type_text 福州市图书馆官方网站，提供馆藏检索与读者服务。; keys Tab
type_text 郑伟; keys Tab
type_text 13905910011
wait_for "the last field is typed" "13905910011"
keys F2
wait_for "the mark application is submitted" "已提交至同级编办" || die "mark submit failed"
MARK=$(q "select id from cases where unit = $LIB_UNIT and kind = 'mark'")
state_is "$MARK" office_review "submitted through the form"
leave
approve fz-rev 林涛 1 "$MARK" conac_review CONAC复审中
approve conac1 李娜 1 "$MARK" mark_issued 已发放标识

LIB_CODE=$(sm --as lib-op --json mark show "$MARK" | jq -r .code)
check_match "the institution's mark code (command line)" '^CA[0-9]{21}$' "$LIB_CODE"
console lib-op 郑伟
keys 4
wait_for "标识管理 opens" "网上名称管理—标识管理"
wait_for "the institution reads its mark code" "$LIB_CODE"
leave

echo "# the system administrator: where the data lives (存储)"
console "$(id -un)" 系统管理员
keys 4
wait_for "the store screen opens" "存储后端"
if [ "${SITEMARK_TEST_BACKEND:-sqlite}" = dqlite ]; then
	wait_match "the cluster's leader" "^  主节点 +127\.0\.0\.1:[0-9]+"
	check_eq "its three nodes, each answering itself" 3 \
	    "$(screen_text | grep -cE '^  节点 [0-9]  127\.0\.0\.1:[0-9]+  投票节点  .*在线，[0-9.]+ 毫秒')"
	check_eq "one of them the leader" 1 "$(screen_text | grep -c '（主节点）')"
else
	wait_for "the local file" "数据库文件"
	check_eq "no nodes for a file" 0 "$(screen_text | grep -c '^  节点 ')"
fi
keys R
wait_for "R reads it again" "存储后端"
leave

if [ "${SITEMARK_TEST_BACKEND:-sqlite}" = dqlite ]; then
	echo "# a cluster that loses its majority under an open console"
	# more domain applications than a screen holds, in the office's queue
	for i in $(seq 1 24); do
		printf 'name: 福州市图书馆分馆%s\nusage: 分馆网站。\n' "$i" >"$T/branch.yaml"
		id=$(sm --as lib-op case new domain --values "$T/branch.yaml") &&
		    sm --as lib-op case act "$id" submit >/dev/null || die "branch domain $i"
	done
	# store.timeout 2 s for this console: R waits for the leader that
	# stopped answering, then 2 s more for another
	DB="${DB%;timeout=*};timeout=2000" console fz-rev 林涛
	keys 1
	wait_match "the office's queue is listed, longer than the screen" "^>[0-9]+ "
	rows=$(screen_text | grep -cE '^[> ][0-9]+ ')
	# the leader and another: the console's connection waits on a leader
	# that does not answer, and the one left knows no leader
	ld=$(node_of "$(leader)")
	other=$((ld % 3 + 1))
	kill -STOP "${NODE_PID[$ld]}" "${NODE_PID[$other]}"
	t0=$(date +%s)
	keys R
	wait_for "R says the cluster cannot be reached, not that the account cannot be read" \
	    "无法连接集群的主节点" 15
	check_true "within the timeout and a little ($(($(date +%s) - t0)) s)" "$(($(date +%s) - t0))" -le 10
	check_nomatch "no word of the account" "无法读取账号" "$(screen_text)"
	# (the reason's lines above the status line take a row or two)
	check_true "the cases read before stay on the screen" \
	    "$(screen_text | grep -cE '^[> ][0-9]+ ')" -ge $((rows - 2))
	# past console.follow (2 s), a key that only moves does not look again
	# (each look would wait the 2 s timeout), and the reason stays
	sleep 2.5
	before=$(screen_text | grep -E '^>[0-9]+ ' | cut -c1-6)
	keys Down
	sleep 0.7
	check_true "a moving key while the store does not answer: moves at once" \
	    "$(screen_text | grep -E '^>[0-9]+ ' | cut -c1-6)" != "$before"
	check_match "and the reason stays" "无法连接集群的主节点" "$(screen_text)"
	# the reason takes lines of its own above the status line: the
	# cursor's row stays on the screen to the end of the list
	for _ in $(seq 1 30); do keys Down; done
	sleep 0.7
	check_true "down to the list's end, the cursor's row stays on the screen" \
	    "$(screen_text | grep -cE '^>[0-9]+ ')" -eq 1
	kill -CONT "${NODE_PID[$ld]}" "${NODE_PID[$other]}"
	wait_voters 3 || fail "the cluster answers again"
	# moving keys look again every 10 s while the store was down: once it
	# answers, one of them finds it so, and the reason goes
	sleep 10.5
	keys Up
	for _ in $(seq 1 50); do
		screen_text | grep -q "无法连接集群" || break
		sleep 0.1
	done
	check_nomatch "a moving key 10 s on: the store answers again, the reason goes" "无法连接集群" "$(screen_text)"
	sleep 1 # past the second in which a failure is told again at once
	keys R
	wait_match "R reads them again once it answers" "^>[0-9]+ "
	check_nomatch "and the message is gone" "无法连接集群" "$(screen_text)"
	leave
fi

expect_ok "the audit log verifies" sm --as aud audit verify
finish
