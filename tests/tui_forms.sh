#!/usr/bin/env bash
# tui_forms.sh - forms a unit can fill without help (issue 6, point 9).
#
# Script mode (sitemark --script, screens dumped as text):
#   - Shift-Tab moves to the previous field; Home and End move within the
#     field's text (typed text lands at its start and its end);
#   - a text of several lines (网站简介): Enter breaks the line, Up and Down
#     move between its rows, and the line break reaches the case through
#     submit (validation allows it there);
#   - the drafts entry lists a kept draft; F8 then y discards it;
#   - a payment date after today is refused on the command line too.
# Under tmux: the cursor after a choice popup and after the domain popup
# is back at the focused field, or hidden; Home and End in a real terminal.

. "$(dirname "$0")/lib.sh"

need_zh

NOW=2026-11-20T10:00:00+08:00
export SITEMARK_NOW=$NOW LINES=24 COLUMNS=80
unset NO_COLOR ESCDELAY XDG_STATE_HOME XDG_DATA_HOME

sm init --demo >/dev/null || die "init --demo"

# console LOGIN KEYS: run KEYS (a file) in script mode, in Chinese.
console() {
	env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN TERM=xterm \
	    "$SITEMARK" --db "$DB" --as "$1" --script "$2" >"$T/con.out" 2>"$T/con.err"
	RC=$?
}

row() { # row N FILE: the Nth line (0-based) of a dump
	sed -n "$(($1 + 1))p" "$2"
}

# gl-gov's returned site application (case 14): menu 3, F3 edits it.
CASE=$(q "select id from cases where state = 'returned' and unit = (select unit from users where login = 'gl-gov') and kind = 'site'")
check_true "gl-gov has a returned site application" -n "$CASE"

cp "$DB" "$T/fresh.db"

echo "# Shift-Tab, Home, End"
cat >"$T/k" <<EOF
3
<F3>
<Tab>
<Home>首<End>尾
:dump $T/d1
<BTab>
:dump $T/d2
<Tab>
:dump $T/d3
EOF
console gl-gov "$T/k"
check_eq "the console ran" 0 "$RC"
check_match "Home: typed at the start; End: at the end" '网站名称\* +首鼓楼区人民政府网站尾' "$(cat "$T/d1")"
# Shift-Tab leaves the text field for the choice above it: the text
# field is no longer drawn as an editor (no '_' after its text)
check_match "Shift-Tab: the field above has the focus, the text is kept" \
    '网站名称\* +首鼓楼区人民政府网站尾 *$' "$(cat "$T/d2")"
check_match "Tab: back in the text field" '网站名称\* +首鼓楼区人民政府网站尾_+$' "$(cat "$T/d3")"

echo "# several lines: Enter breaks the line, submit keeps it"
cat >"$T/k" <<EOF
3
<F3>
<PgDn>
<BTab><BTab>
<End>
<Enter>
第二段。
:dump $T/d1
<Up>上<Down>下
:dump $T/d4
<BS><Up><BS>
<F2>
:dump $T/d2
EOF
console gl-gov "$T/k"
check_match "the second paragraph on a row of its own" '^ {22}第二段。_+$' "$(cat "$T/d1")"
# Up from the end of 第二段。 (8 cells) goes to the row above at most that
# far (方网站。 is 8 cells: its end); Down comes back
check_match "Up: the row above, at the same column" '^ {22}方网站。上_+$' "$(cat "$T/d4")"
check_match "Down: back to the row below" '^ {22}第二段。下_+$' "$(cat "$T/d4")"
run sm --json --as gl-gov case show "$CASE"
check_eq "submitted: the case is in office review" "office_review" "$(jq -r .state <<<"$OUT")"
check_match "the introduction keeps its line break" '网站。
第二段。$' "$(jq -r .values.intro <<<"$OUT")"

echo "# drafts: listed, discarded after asking"
cat >"$T/k" <<EOF
2
<F4>
福州市鼓楼区草稿<Esc>
<Esc>
6
:dump $T/d1
<F8>
n
:dump $T/d2
<F8>
y
:dump $T/d3
EOF
console gl-gov "$T/k"
check_match "the domain draft is listed" '^>域名申请 +新申请，尚未保存' "$(cat "$T/d1")"
check_match "n keeps it" '^>域名申请 +新申请，尚未保存' "$(cat "$T/d2")"
check_match "y discards it" '没有草稿' "$(cat "$T/d3")"
check_true "the draft file is gone" ! -e "$HOME/.local/share/sitemark/drafts/gl-gov/domain-new.json"

echo "# a draft kept over a version changed since is not written over it unseen"
DB_SAVED=$DB
DB=$T/fresh.db
cat >"$T/k" <<EOF
3
<F3>
<Tab>
<End>新<Esc>
<Esc>
EOF
console gl-gov "$T/k"
check_true "the draft is kept with the version it started from" \
    "$(jq '."@version"' "$HOME/.local/share/sitemark/drafts/gl-gov/case-$CASE.json")" -gt 0
v0=$(sm --json --as gl-gov case show "$CASE" | jq .version)
# meanwhile the unit's other session corrects the site head's mobile
sm --json --as gl-gov case show "$CASE" | jq '.values | .site_head.mobile = "13905911099"' >"$T/v.json"
expect_ok "another session edits the case" sm --as gl-gov case edit "$CASE" --values "$T/v.json"
cat >"$T/k" <<EOF
3
<F3>
:dump $T/d1
<F2>
:dump $T/d2
EOF
console gl-gov "$T/k"
check_match "restored, and told the case changed since" '已恢复您的草稿.*已被修改' "$(tr -d '\n' <"$T/d1")"
check_match "F2: refused, saying who changed it and when" '在您查看之后已有改动：您于 2026-11-20 10:00办理了“修改”.*未写入任何内容' \
    "$(tr -d '\n' <"$T/d2")"
check_match "and that F2 again writes over it" '再按 F2 ?将以其覆盖该改动' "$(tr -d '\n' <"$T/d2")"
run sm --json --as gl-gov case show "$CASE"
check_eq "nothing was written" "$((v0 + 1)) 13905911099 returned" \
    "$(jq -r '"\(.version) \(.values.site_head.mobile) \(.state)"' <<<"$OUT")"
cat >"$T/k" <<EOF
3
<F3>
<F2>
<F2>
:dump $T/d3
EOF
console gl-gov "$T/k"
run sm --json --as gl-gov case show "$CASE"
check_eq "F2 twice, told: the draft is written over it and submitted" "office_review 新" \
    "$(jq -r '"\(.state) \(.values.site_name | .[-1:])"' <<<"$OUT")"
DB=$DB_SAVED

echo "# the first field's problem in full on the message lines"
cat >"$T/k" <<EOF
2
<F4>
<F2>
:dump $T/d1
EOF
console gl-gov "$T/k"
check_match "the focused field's problem, with its label, where messages wrap" \
    "处问题.*域名名称\*：必须填写" "$(tr -d '\n' <"$T/d1")"

echo "# a payment date after today, on the command line"
PAY=$(q "select id from cases where state = 'awaiting_payment' order by id limit 1")
printf 'amount: 300\nreceipt: CONAC-2026-000999\npaid_on: 2026-11-21\n' >"$T/pay.yaml"
expect_refused "confirm-payment dated tomorrow is refused, saying why, nothing written" \
    'paid_on.*2026-11-20' sm --as conac-li case act "$PAY" confirm-payment --values "$T/pay.yaml"
printf 'amount: 300\nreceipt: CONAC-2026-000999\npaid_on: 2026-11-20\n' >"$T/pay.yaml"
expect_ok "dated today it is recorded" \
    sm --as conac-li case act "$PAY" confirm-payment --values "$T/pay.yaml"

# ================================================================ tmux
if ! command -v tmux >/dev/null 2>&1; then
	echo "# tmux is not installed: the cursor checks are skipped"
	finish
fi
. "$(dirname "$0")/lib_tmux.sh"

tmux_console() { # tmux_console LOGIN
	local cmd
	rm -f "$T/exit"
	cmd=$(printf 'printf "\\033[H\\033[2J"; env -u LINES -u COLUMNS LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN TERM=screen HOME=%q SITEMARK_NOW=%q SITEMARK_DATADIR=%q SITEMARK_LOCALEDIR=%q %q --db %q --as %q; echo $? >%q' \
	    "$HOME" "$NOW" "$SITEMARK_DATADIR" "$SITEMARK_LOCALEDIR" "$SITEMARK" "$DB" "$1" "$T/exit")
	TM respawn-pane -k -t "$PANE" "$cmd" || die "tmux respawn-pane"
	wait_match "$1: the console opens" "主菜单" || die "the console did not open"
}

cursor() { # "X Y VISIBLE"
	TM display -p -t "$PANE" '#{cursor_x} #{cursor_y} #{cursor_flag}'
}

# wait_cursor DESC WANT: the cursor becomes WANT ("X Y 1"; "- - 0": hidden)
wait_cursor() {
	local i=0 now
	while [ "$i" -lt 50 ]; do
		now=$(cursor)
		if [ "$now" = "$2" ] || { [ "$2" = "- - 0" ] && [ "${now##* }" = 0 ]; }; then
			pass "$1"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1" "expected: $2" "got: $now" "$(screen_text)"
}

tmux_start
# fz-gov: a new site application (menu 3, F4); 申请事项 (a choice) first.
tmux_console fz-gov
keys 3
wait_for "the sites queue" "新申请"
keys F4
wait_for "the site form opens" "申请事项"
keys Enter
wait_for "Enter opens the choice popup" "已开办网站资格复核"
keys Down Enter
wait_match "the choice is made" "申请事项\* +<已开办网站资格复核>"
# on a choice there is no text cursor: it is hidden, not left in the popup
wait_cursor "after the choice popup the cursor is hidden" "- - 0"
keys Tab
wait_cursor "Tab: the cursor at the start of 网站名称 (row 4, column 22)" "22 4 1"
type_text "福州市人民政府网站"
wait_cursor "typing moves it (9 wide characters)" "40 4 1"
keys Home
wait_cursor "Home: the start of the field" "22 4 1"
keys End
wait_cursor "End: its end" "40 4 1"
keys BTab
wait_cursor "Shift-Tab: back on the choice, no text cursor" "- - 0"
keys Tab Tab
wait_cursor "Tab Tab: the domain field (row 5)" "22 5 1"
keys Enter
wait_for "Enter in the domain field offers the unit's domains" "福州市人民政府.政务"
keys Enter
wait_match "the domain is chosen" "域名\* +福州市人民政府\.政务"
wait_cursor "after the domain popup the cursor is back at the end of the field" "41 5 1"
keys Escape
wait_for "Esc keeps a draft" "新申请"
leave

DRAFTS=$HOME/.local/share/sitemark/drafts/fz-gov
# Ctrl-C in a form: asked as F10 is, what was typed kept; Ctrl-C again leaves
rm -f "$DRAFTS/domain-new.json"
tmux_console fz-gov
keys 2
wait_for "the domains queue" "新申请"
keys F4
wait_for "the domain form opens" "域名"
type_text "福州市中断测试"
keys C-c
wait_for "Ctrl-C asks before leaving" "(y/n"
keys C-c
i=0
while [ ! -s "$T/exit" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "Ctrl-C twice: the console leaves with status 0" "0" "$(cat "$T/exit" 2>/dev/null)"
check_match "what was typed is kept as a draft" "福州市中断测试" "$(cat "$DRAFTS/domain-new.json" 2>/dev/null)"

# Ctrl-S submits (no XOFF freezing the screen); Q on a screen too small
# for the form asks, and keeps what was typed
rm -f "$DRAFTS/domain-new.json"
tmux_console fz-gov
keys 2
wait_for "the domains queue again" "新申请"
keys F4
wait_for "the domain form opens again" "域名"
keys C-s
wait_match "Ctrl-S checks the fields (not XOFF)" "[0-9]+ 处问题|必填"
type_text "福州市小屏测试"
wait_for "typing goes on after Ctrl-S" "福州市小屏测试"
TM resize-window -t sm -x 40 -y 12
wait_for "a screen too small says so" "40x12"
keys Q
wait_for "Q there asks first" "(y/n"
keys y
i=0
while [ ! -s "$T/exit" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "y: the console leaves with status 0" "0" "$(cat "$T/exit" 2>/dev/null)"
check_match "what was typed is kept as a draft" "福州市小屏测试" "$(cat "$DRAFTS/domain-new.json" 2>/dev/null)"
TM resize-window -t sm -x 80 -y 24

# PuTTY's Home and End (ESC[1~, ESC[4~) and F2 (ESC[12~) under TERM=screen,
# whose terminfo has others; a sequence no one knows is dropped whole
rm -f "$DRAFTS/domain-new.json"
tmux_console fz-gov
keys 2
wait_for "the domains queue, a third time" "新申请"
keys F4
wait_for "the domain form, a third time" "域名"
type_text "鼓楼"
TM send-keys -t "$PANE" -l "$(printf '\033[1~')"
type_text "福州"
TM send-keys -t "$PANE" -l "$(printf '\033[4~')"
type_text "区"
wait_match "ESC[1~ is Home, ESC[4~ End" "域名名称\* +福州鼓楼区_"
TM send-keys -t "$PANE" -l "$(printf '\033[99~')"
type_text "1"
wait_match "an unknown sequence is dropped, the key after it typed" "域名名称\* +福州鼓楼区1_"
TM send-keys -t "$PANE" -l "$(printf '\033[12~')"
wait_match "ESC[12~ is F2: the form is submitted" "编办审核 +福州市人民政府办> 福州鼓楼区1\.政务"
leave

# the SSH connection dropped (SIGHUP) in a form: what was typed is a draft
rm -f "$DRAFTS/domain-new.json"
tmux_console fz-gov
keys 2
wait_for "the domains queue, a fourth time" "新申请"
keys F4
wait_for "the domain form, a fourth time" "域名"
type_text "福州市挂断测试"
wait_for "typed" "福州市挂断测试"
SMPID=$(ps -o pid= --ppid "$(TM display -p -t "$PANE" '#{pane_pid}')" | tr -d ' ' | head -1)
kill -HUP "$SMPID"
i=0
while [ ! -s "$T/exit" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_true "SIGHUP: the console ends" -s "$T/exit"
check_match "what was typed is kept as a draft" "福州市挂断测试" "$(cat "$DRAFTS/domain-new.json" 2>/dev/null)"

finish
