#!/usr/bin/env bash
# totp_console.sh - the console's second factor and idle log-out (issue 7,
# point 3), under tmux: an enrolled auditor is asked for the code before the
# menu (a wrong one ends the console, the right one opens it); with
# console.idle_logout of 3 seconds, the console leaves by itself saying so,
# audited (logout-idle), a form being filled in kept as a draft, also from
# a question waiting for its answer.

. "$(dirname "$0")/lib.sh"

command -v oathtool >/dev/null 2>&1 || skip "oathtool is not installed"
need_zh

NOW=2026-11-20T10:00:00+08:00
export SITEMARK_NOW=$NOW
. "$(dirname "$0")/lib_tmux.sh"

sm init --demo >/dev/null || die "init --demo"
SECRET=$(sm --as secadmin --json user totp auditor | jq -r .secret) || die "user totp"
CODE=$(oathtool --totp -b -N "@$(date -d "$NOW" +%s)" "$SECRET")
printf 'console:\n  idle_logout: 3\n' >"$T/idle.yaml"

# console LOGIN: the console in the pane (Chinese), its exit status to $T/exit
console() {
	local cmd
	rm -f "$T/exit"
	cmd=$(printf 'printf "\\033[H\\033[2J"; env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN TERM=screen HOME=%q SITEMARK_NOW=%q SITEMARK_DATADIR=%q SITEMARK_LOCALEDIR=%q %q --db %q --as %q --config %q; echo $? >%q; sleep 60' \
	    "$HOME" "$NOW" "$SITEMARK_DATADIR" "$SITEMARK_LOCALEDIR" "$SITEMARK" "$DB" "$1" "$T/idle.yaml" "$T/exit")
	TM respawn-pane -k -t "$PANE" "$cmd" || die "tmux respawn-pane"
}
wait_exit() { # wait_exit DESC STATUS
	local i=0
	while [ ! -s "$T/exit" ] && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "$1" "$2" "$(cat "$T/exit" 2>/dev/null)"
}

tmux_start
console auditor
wait_for "the enrolled auditor is asked for the code before the menu" "一次性验证码"
type_text 000000
keys Enter
wait_for "a wrong code is refused, saying so" "验证码错误"
wait_exit "and the console ends with exit status 1" 1
check_eq "the wrong code is audited" "1" "$(q "select count(*) from audit where action = 'totp-failed' and actor = 'auditor'")"

console auditor
wait_for "asked again" "一次性验证码"
type_text "$CODE"
keys Enter
wait_for "the right code opens the menu" "主菜单"
wait_for "idle 3 s, the console logs out, saying so" "闲置 3 秒" 10
wait_exit "with exit status 0" 0
check_eq "the idle log-out is audited" "1" "$(q "select count(*) from audit where action = 'logout-idle' and actor = 'auditor'")"

echo "# a form being filled in is kept"
console fz-gov
wait_for "fz-gov (no second factor) gets the menu directly" "主菜单"
keys 3
wait_for "the sites queue" "新申请"
keys F4
wait_for "the site form opens" "申请事项"
keys Enter
wait_for "Enter opens the choice popup" "已开办网站资格复核"
keys Down Enter
wait_match "the choice is made" "申请事项\* +<已开办网站资格复核>"
wait_for "idle 3 s in the form, the console logs out" "闲置 3 秒" 10
wait_exit "with exit status 0" 0
check_true "the form is kept as a draft" -n "$(ls "$HOME/.local/share/sitemark/drafts/fz-gov/" 2>/dev/null)"

echo "# a reason being typed in an action's form is kept too"
console xm-review
wait_for "xm-review gets the menu" "主菜单"
keys 1
wait_match "the review queue" "^>9 "
keys r
wait_for "Return asks for its reason" "退回"
keys Tab
type_text "材料不全，请补充。"
wait_for "the reason is typed" "材料不全"
wait_for "idle 3 s in the action's form, the console logs out" "闲置 3 秒" 10
wait_exit "with exit status 0" 0
check_match "the reason is kept as the form's draft" "材料不全" \
    "$(cat "$HOME/.local/share/sitemark/drafts/xm-review/act-reject-9.json" 2>/dev/null)"

echo "# a question waiting for its answer does not keep the console open"
console fz-gov
wait_for "the menu again" "主菜单"
keys F10
wait_for "F10 asks before leaving" "(y/n"
wait_for "idle 3 s at the question, the console logs out" "闲置 3 秒" 10
wait_exit "with exit status 0" 0
finish
