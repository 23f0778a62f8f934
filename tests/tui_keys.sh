#!/usr/bin/env bash
# tui_keys.sh - keys that cannot misfire, configurable keys, terminals.
#
# Script mode (sitemark --script; ":paste TEXT" is a bracketed paste,
# ":attrs FILE" writes which cells are in reverse video):
#   - a paste on a queue runs nothing and says so; a paste into a form's
#     field lands as text, its control characters gone;
#   - leaving from the main menu asks first (q twice, or y; n stays);
#   - the search prompt starts empty, Up offers the last search;
#   - a "keys:" section rebinding an action: the new key works, the old one
#     does not, the key bar and the help show the new key; bad bindings are
#     reported on standard error and in the status line;
#   - TERM=dumb, no TERM, an unknown TERM: a bilingual message, status 1;
#   - a terminal without line drawing (xterm-r5) gets ASCII lines;
#   - --reverse-cursor and console.cursor: reverse draw the whole cursor row
#     in reverse video; the compact marker stays the default.
# Under tmux (when installed): a real bracketed paste (paste-buffer -p) of
# "a" and "y" into a queue changes no case; one into a form's field is text.

. "$(dirname "$0")/lib.sh"

need_zh

NOW=2026-11-20T10:00:00+08:00
export SITEMARK_NOW=$NOW LINES=24 COLUMNS=80
unset NO_COLOR ESCDELAY XDG_STATE_HOME NCURSES_NO_UTF8_ACS
VIEWER=conac-li

sm init --demo >/dev/null || die "init --demo"
q "UPDATE users SET login = 'admin' WHERE role = 'sysadmin'" || die "renaming the administrator"
sm --as admin user add newop --role unit --name 新用户 >/dev/null || die "user add newop"
sm --as secadmin user role newop unit >/dev/null || die "user role newop"

# states of every case: what a misfired key would change
states() {
	q "select group_concat(id || ':' || state || ':' || version, ' ') from (select * from cases order by id)"
}

# console LOGIN KEYS [OPTIONS...]: run KEYS (a file) in script mode, in
# Chinese, TERM=xterm unless set; $RC, $T/con.out, $T/con.err.
console() {
	local login=$1 keys=$2
	shift 2
	env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN TERM="${CON_TERM-xterm}" \
	    "$SITEMARK" --db "$DB" --as "$login" "$@" --script "$keys" \
	    --script-output "$T/con.bytes" >"$T/con.out" 2>"$T/con.err"
	RC=$?
}

row() { # row N FILE: the Nth line (0-based) of a dump
	sed -n "$(($1 + 1))p" "$2"
}

# ================================================================ paste

echo "# a paste on a queue runs nothing"
BEFORE=$(states)
cat >"$T/k" <<EOF
1
:paste ay
:dump $T/paste-queue.txt
:paste a\ny\r\nyyy
:dump $T/paste-queue2.txt
EOF
console xm-review "$T/k"
check_eq "the console ran" 0 "$RC"
check_match "the queue shows case 9 under the cursor" '^>9 ' "$(row 2 "$T/paste-queue.txt")"
check_match "the paste is refused with a message" "已忽略粘贴的内容" "$(row 22 "$T/paste-queue.txt")"
check_nomatch "no confirmation was asked" "y/n" "$(cat "$T/paste-queue.txt" "$T/paste-queue2.txt")"
check_eq "no case changed" "$BEFORE" "$(states)"

echo "# the keys still work after a paste"
printf '1\n:paste a\na\n:dump %s\n' "$T/after-paste.txt" >"$T/k"
console xm-review "$T/k"
check_match "a typed a asks to approve" "y/n" "$(row 22 "$T/after-paste.txt")"
check_eq "no case changed (the question was not answered)" "$BEFORE" "$(states)"

echo "# a paste into a form's field is text"
printf '<Enter>\n:paste 福州\\n市\\e[31m人民%s政府\\t办公厅\\n\n:dump %s\n' \
    "$(printf '\342\200\256')" "$T/paste-form.txt" >"$T/k"
console newop "$T/k"
check_match "the unit form opens" "机构名称" "$(cat "$T/paste-form.txt")"
check_match "the pasted name is in the field, line breaks as spaces, controls gone" \
    "福州 市\[31m人民政府 办公厅" "$(cat "$T/paste-form.txt")"
check_eq "no control byte or U+202E reached the terminal" "0" "$(bidi_controls "$T/con.bytes")"

# ================================================================ leaving

echo "# leaving from the main menu asks first"
cat >"$T/k" <<EOF
q
:dump $T/quit-ask.txt
n
:dump $T/quit-no.txt
q
q
:dump $T/quit-gone.txt
EOF
console xm-review "$T/k"
check_eq "the console ran" 0 "$RC"
check_match "q on the main menu asks" "退出 sitemark？.*y/n" "$(row 22 "$T/quit-ask.txt")"
check_match "n: still on the main menu" "主菜单" "$(row 0 "$T/quit-no.txt")"
check_nomatch "n: the question is gone" "y/n" "$(row 22 "$T/quit-no.txt")"
check_true "q, q: the console left before the last dump" ! -e "$T/quit-gone.txt"
printf '1\nQ\n:dump %s\ny\n:dump %s\n' "$T/Q-ask.txt" "$T/Q-gone.txt" >"$T/k"
console xm-review "$T/k"
check_match "Q in a queue asks too" "退出 sitemark？" "$(row 22 "$T/Q-ask.txt")"
check_true "y leaves" ! -e "$T/Q-gone.txt"

# ================================================================ an action's form

echo "# a reason typed in Return is kept until the case is returned"
DB_SAVED=$DB
DB=$T/act.db
cp "$DB_SAVED" "$DB"
DRAFT=$HOME/.local/share/sitemark/drafts/xm-review/act-reject-9.json
cat >"$T/k" <<EOF
1
r
<Tab>
材料不全，请补充。
<Esc>
EOF
console xm-review "$T/k"
check_match "Esc: the reason is kept as the form's draft" "材料不全" "$(cat "$DRAFT" 2>/dev/null)"
check_eq "and the case did not move" "office_review" "$(q "select state from cases where id = 9")"
cat >"$T/k" <<EOF
1
r
:dump $T/reason.txt
<F2>
y
EOF
console xm-review "$T/k"
check_match "the same action on the case brings the reason back" "材料不全，请补充。" "$(cat "$T/reason.txt")"
check_eq "submitted: the case is returned" "returned" "$(q "select state from cases where id = 9")"
check_true "and the draft is gone" ! -e "$DRAFT"
DB=$DB_SAVED

# ================================================================ search

echo "# the search prompt starts empty; Up offers the last search"
cat >"$T/k" <<EOF
1
/厦门<Enter>
/
:dump $T/search-empty.txt
<Up>
:dump $T/search-up.txt
EOF
console xm-review "$T/k"
check_match "the prompt is empty" '^查询： _*$' "$(row 22 "$T/search-empty.txt")"
check_match "Up: the last search" '^查询： 厦门_*$' "$(row 22 "$T/search-up.txt")"

# ================================================================ keys:

echo "# a keys: section rebinds an action"
cat >"$T/keys.yaml" <<'EOF'
keys:
  queue:
    approve: A
    reject: [F9, C-r]
    refresh: R
  generic:
    help: [F1, h]
EOF
cat >"$T/k" <<EOF
1
a
:dump $T/bind-old.txt
A
:dump $T/bind-new.txt
n
h
:dump $T/bind-help.txt
EOF
console xm-review "$T/k" --config "$T/keys.yaml"
check_eq "the console ran" 0 "$RC"
check_eq "no warning about the bindings" "" "$(cat "$T/con.err")"
check_nomatch "the old key a does nothing" "y/n" "$(row 22 "$T/bind-old.txt")"
check_match "the new key A asks to approve" "通过：申请 9？ \(y/n\)" "$(row 22 "$T/bind-new.txt")"
BAR=$(row 23 "$T/bind-old.txt")
check_match "the key bar: return on F9, approve on A" "9退回 .*A通过" "$BAR"
check_nomatch "the key bar: nothing on F2 and F3 any more" "2通过|3退回" "$BAR"
check_match "h opens the help" "帮助" "$(row 0 "$T/bind-help.txt")"
check_match "the help shows A for approving" "^  A  .*$(zh_translation "Approve the case, or every tagged case")" \
    "$(cat "$T/bind-help.txt")"
check_match "the help shows F9 and Ctrl-R for returning" "^  F9 Esc-9 Ctrl-R .*退回" "$(cat "$T/bind-help.txt")"
check_nomatch "the help no longer shows F2 for approving" "^  F2 Esc-2 a" "$(cat "$T/bind-help.txt")"
check_match "the help shows h for help" "^  F1 Esc-1 h " "$(cat "$T/bind-help.txt")"
cp "$DB" "$T/saved.db"
printf '1\nA\ny\n:dump %s\n' "$T/bind-done.txt" >"$T/k"
console xm-review "$T/k" --config "$T/keys.yaml"
check_match "A, y: approved" "申请 9：" "$(row 22 "$T/bind-done.txt")"
check_eq "case 9 went to CONAC" "conac_review" "$(state_of 9)"
cp "$T/saved.db" "$DB"

echo "# a key given to another action leaves its old action"
printf 'keys:\n  queue:\n    approve: r\n' >"$T/take.yaml"
printf '1\nr\n:dump %s\nn\n?\n:dump %s\n' "$T/take.txt" "$T/take-help.txt" >"$T/k"
console xm-review "$T/k" --config "$T/take.yaml"
check_match "r now approves" "通过：申请 9？" "$(row 22 "$T/take.txt")"
check_match "the help: r for approving" "^  r  .*$(zh_translation "Approve the case, or every tagged case")" \
    "$(cat "$T/take-help.txt")"
check_match "the help: returning keeps F3 only" "^  F3 Esc-3  .*$(zh_translation "Return the case to the unit with a reason")" \
    "$(cat "$T/take-help.txt")"
check_match "the key bar: r for approving, F3 still returns" "3退回 .*r通过" "$(row 23 "$T/take.txt")"

echo "# bad bindings are reported"
cat >"$T/bad.yaml" <<'EOF'
keys:
  nosuch:
    approve: a
  queue:
    frobnicate: b
    approve: F13
    reject: Z
    open: Z
EOF
printf ':dump %s\n' "$T/bad.txt" >"$T/k"
console xm-review "$T/k" --config "$T/bad.yaml"
check_eq "the console still runs" 0 "$RC"
ERRS=$(cat "$T/con.err")
check_match "an unknown screen, with file and line" "bad.yaml:3: keys：未知界面“nosuch”" "$ERRS"
check_match "an unknown action" "bad.yaml:5: keys：界面“queue”上没有操作“frobnicate”" "$ERRS"
check_match "an unreadable key" "bad.yaml:6: keys：无法识别按键“F13”" "$ERRS"
check_match "a key bound twice" "bad.yaml:8: keys：按键“Z”在界面“queue”上被绑定了两次" "$ERRS"
check_eq "four problems" "4" "$(grep -c 'keys：' "$T/con.err")"
# (the message, longer than a line, ends on the status line, row 22)
check_match "the status line says so at start" "按键绑定有 *4 *个问题" "$(sed -n '20,23p' "$T/bad.txt" | tr -d '\n')"
env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm "$SITEMARK" --db "$DB" --as xm-review \
    --config "$T/bad.yaml" --script "$T/k" --script-output /dev/null >/dev/null 2>"$T/en.err"
check_match "in English too" "bad.yaml:3: keys: unknown screen 'nosuch'" "$(cat "$T/en.err")"
check_match "naming every screen there is" "unknown screen .nosuch. \\(the screens: generic, menu, .*drafts, instructions, policy, redpage-preview, store\\)" "$(cat "$T/en.err")"
printf 'keys:\n  form:\n    submit: s\n' >"$T/form.yaml"
console xm-review "$T/k" --config "$T/form.yaml"
check_match "a letter cannot be bound on the form" "form.yaml:3: keys：“s”在表单中用于输入文字" "$(cat "$T/con.err")"
printf 'keys: [a, b]\n' >"$T/shape.yaml"
console xm-review "$T/k" --config "$T/shape.yaml"
check_match "a keys: of the wrong shape is a warning" "shape.yaml:1: .*keys" "$(cat "$T/con.err")"
check_eq "... and the console runs" 0 "$RC"

# ================================================================ terminals

echo "# terminals that cannot show the console"
printf '1\n' >"$T/k"
for term in dumb "" no-such-terminal-xyz; do
	CON_TERM=$term console xm-review "$T/k"
	check_eq "TERM='$term': exit status 1" 1 "$RC"
	check_match "TERM='$term': the message in Chinese" "终端类型“$term”无法显示全屏控制台" "$(cat "$T/con.err")"
	check_match "TERM='$term': and in English" "the terminal type '$term' cannot show the full-screen console" \
	    "$(cat "$T/con.err")"
done
run env -u TERM LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$SITEMARK" --db "$DB" --as xm-review
check_eq "no TERM at all, no script: exit status 1" 1 "$RC"
check_match "no TERM at all: the message" "cannot show the full-screen console" "$ERR"
run env TERM=dumb LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$SITEMARK" --db "$DB" --as xm-review
check_eq "TERM=dumb, no script: exit status 1" 1 "$RC"

echo "# a terminal without line drawing gets ASCII"
printf '1\ns\n:dump %s\n:attrs %s\n' "$T/lines.txt" "$T/lines.attrs" >"$T/k"
console xm-review "$T/k"
check_match "xterm: the sort popup is drawn" "排序依据" "$(cat "$T/lines.txt")"
check_match "xterm: its line is drawn with the terminal's line drawing" "aaaaaaaaaa" "$(cat "$T/lines.attrs")"
CON_TERM=xterm-r5 console xm-review "$T/k"
check_eq "TERM=xterm-r5 (no acsc) runs" 0 "$RC"
check_match "xterm-r5: the popup's line is drawn" "\-\-\-\-\-\-\-\-\-\-" "$(cat "$T/lines.txt")"
check_nomatch "xterm-r5: ASCII, not line drawing" "a" "$(cat "$T/lines.attrs")"
console xm-review "$T/k" --ascii
check_nomatch "--ascii: no line drawing" "a" "$(cat "$T/lines.attrs")"
CON_TERM=screen console xm-review "$T/k"
check_nomatch "screen in zh_CN (ncurses would send U+2500, ambiguous width): ASCII" "a" "$(cat "$T/lines.attrs")"

echo "# the cursor row in reverse video"
printf '1\n:attrs %s\n' "$T/attrs-marker.txt" >"$T/k"
console xm-review "$T/k"
check_eq "by default only the marker column is reversed" "rrrrrrr" "$(row 2 "$T/attrs-marker.txt")"
printf '1\n:attrs %s\n' "$T/attrs-reverse.txt" >"$T/k"
console xm-review "$T/k" --reverse-cursor
FULL=$(printf 'r%.0s' $(seq 1 80))
check_eq "--reverse-cursor: the whole row" "$FULL" "$(row 2 "$T/attrs-reverse.txt")"
printf 'console:\n  cursor: reverse\n' >"$T/rev.yaml"
console xm-review "$T/k" --config "$T/rev.yaml"
check_eq "console.cursor: reverse: the whole row" "$FULL" "$(row 2 "$T/attrs-reverse.txt")"
printf 'console:\n  cursor: sideways\n' >"$T/rev.yaml"
console xm-review "$T/k" --config "$T/rev.yaml"
check_eq "console.cursor: sideways is refused" 1 "$RC"
check_match "... saying what it may be" "marker 或 reverse" "$(cat "$T/con.err")"

# ================================================================ tmux

if ! command -v tmux >/dev/null 2>&1; then
	echo "# tmux is not installed: the real paste is not tested"
	finish
fi

. "$(dirname "$0")/lib_tmux.sh"

open_console() { # open_console LOGIN
	local cmd
	rm -f "$T/exit"
	cmd=$(printf 'env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN TERM=screen HOME=%q SITEMARK_NOW=%q SITEMARK_DATADIR=%q SITEMARK_LOCALEDIR=%q %q --db %q --as %q; echo $? >%q' \
	    "$HOME" "$NOW" "$SITEMARK_DATADIR" "$SITEMARK_LOCALEDIR" "$SITEMARK" "$DB" "$1" "$T/exit")
	TM respawn-pane -k -t "$PANE" "$cmd" || die "tmux respawn-pane"
	wait_for "$1: the console opens" "主菜单" || die "the console did not open"
}

tmux_start

echo "# tmux: a bracketed paste of a and y into a queue"
BEFORE=$(states)
open_console xm-review
keys 1
wait_match "the queue holds case 9 under the cursor" "^>9 "
printf 'ay\nayy\n' >"$T/paste.txt"
TM load-buffer -b p "$T/paste.txt"
TM paste-buffer -p -b p -t "$PANE"
wait_for "the paste is refused with a message" "已忽略粘贴的内容"
sleep 0.3
check_nomatch "no confirmation is on the screen" "y/n" "$(screen_text)"
check_eq "no case changed" "$BEFORE" "$(states)"
keys a
wait_for "a typed a still asks" "通过：申请 9？"
keys n
leave
check_eq "no case changed after all" "$BEFORE" "$(states)"

echo "# tmux: a bracketed paste into a form's field"
open_console newop
keys Enter
wait_for "the unit form opens" "机构名称"
printf '厦门市\n人民政府\n' >"$T/paste.txt"
TM load-buffer -b p "$T/paste.txt"
TM paste-buffer -p -b p -t "$PANE"
wait_for "the pasted text is in the field" "厦门市 人民政府"
keys Escape
wait_for "back on the menu" "主菜单"
leave

echo "# tmux: Ctrl-Z suspends, fg comes back"
TM respawn-pane -k -t "$PANE" "env PS1='sh\$ ' bash --norc --noprofile -i" || die "tmux respawn-pane"
wait_for "a shell" 'sh$'
type_text "$(printf 'env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN TERM=screen HOME=%q SITEMARK_DATADIR=%q SITEMARK_LOCALEDIR=%q %q --db %q --as xm-review' \
    "$HOME" "$SITEMARK_DATADIR" "$SITEMARK_LOCALEDIR" "$SITEMARK" "$DB")"
keys Enter
wait_for "the console opens from the shell" "主菜单"
keys C-z
wait_for "Ctrl-Z: the shell says it stopped" "Stopped"
type_text fg; keys Enter
wait_for "fg: the console is back" "主菜单"
keys 1
wait_match "and takes keys" "^>9 "
keys q q
wait_for "q, q: asks" "退出 sitemark？"
keys y
wait_match "y: back in the shell" '^sh\$ *$'

finish
