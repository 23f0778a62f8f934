#!/usr/bin/env bash
# tui_follow.sh - open lists stay true (issue 6, point 7).
#
# Two consoles of the Fuzhou office on the demo: one approves the case at the
# top of the online review queue; the other, untouched, shows it gone within
# a few seconds, sends nothing while nothing changes, and its next decision
# is not refused for staleness.  A key pressed before the idle look acts on
# the data as it is then, and never on a case the reader did not see.

. "$(dirname "$0")/lib.sh"

need_zh

NOW=2026-11-20T10:00:00+08:00
export SITEMARK_NOW=$NOW
VIEWER=conac-li
. "$(dirname "$0")/lib_tmux.sh"

sm init --demo >/dev/null || die "init --demo"
printf 'console:\n  follow: 1\n' >"$T/follow.yaml"
printf 'console:\n  follow: 0\n' >"$T/still.yaml"

# console_in PANE LOGIN [CONFIG]: the console in PANE, on the main menu.
console_in() {
	local cmd
	cmd=$(printf 'env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN TERM=screen HOME=%q SITEMARK_NOW=%q SITEMARK_DATADIR=%q SITEMARK_LOCALEDIR=%q %q --db %q --as %q --config %q' \
	    "$HOME" "$NOW" "$SITEMARK_DATADIR" "$SITEMARK_LOCALEDIR" "$SITEMARK" "$DB" "$2" "${3:-$T/follow.yaml}")
	TM respawn-pane -k -t "$1" "$cmd" || die "tmux respawn-pane"
	PANE=$1 wait_match "$2 in $1: the main menu" "^sitemark \| .* \| 主菜单" || die "no console"
}
cursor_case() { # the case id under the cursor in PANE
	PANE=$1 screen_text | sed -n 's/^>\([0-9][0-9]*\) .*/\1/p'
}
queue_count() { # "N" of "网上审核  |  i/N" in PANE's status line
	PANE=$1 screen_text | sed -n 's/^网上审核  |  [0-9]*\/\([0-9]*\).*/\1/p'
}

tmux_start
TM new-window -d -t sm:1 "sleep 100000" || die "second window"
A=sm:0.0 B=sm:1.0

console_in "$A" fz-review
console_in "$B" fz-review
PANE=$A keys 1
PANE=$B keys 1
PANE=$A wait_match "A: the online review queue" "^网上审核  \|  1/[0-9]+" || die "queue A"
PANE=$B wait_match "B: the online review queue" "^网上审核  \|  1/[0-9]+" || die "queue B"
first=$(cursor_case "$A")
n=$(queue_count "$A")
check_match "both stand on the same first case" "^$first\$" "$(cursor_case "$B")"

# Idle and unchanged: not a byte for the terminal.
TM pipe-pane -o -t "$A" "cat >>'$T/a.bytes'" || die "pipe-pane"
sleep 5
check_eq "A idle 5 s with nothing changed: no byte sent" "0" "$(wc -c <"$T/a.bytes" 2>/dev/null | tr -d ' ' || echo 0)"

# B approves the first case.
PANE=$B keys a
PANE=$B wait_for "B: approving asks first" "(y/n)" || die "no confirmation"
PANE=$B keys y
PANE=$B wait_for "B: approved" "申请 $first：CONAC复审中" || die "B's approval"
check_eq "case $first is with CONAC" "conac_review" "$(state_of "$first")"

# A, without a key, shows it within a few seconds.
PANE=$A wait_match "A shows the queue one shorter, without a key" "^网上审核  \|  1/$((n - 1))( |$)" 6
check_nomatch "A: case $first is gone from A's list" "^[> ]$first " "$(PANE=$A screen_text)"
bytes=$(wc -c <"$T/a.bytes" | tr -d ' ')
check_true "A's update cost less than a full repaint ($bytes bytes)" "$bytes" -lt 4096
TM pipe-pane -t "$A" || true

# A's next decision is on the case now under its cursor, not refused.
second=$(cursor_case "$A")
check_true "A's cursor stands on another case ($second)" "${second:-0}" -ne "$first"
PANE=$A keys a
PANE=$A wait_for "A: approving asks first" "(y/n)" || die "A's confirmation"
PANE=$A keys y
PANE=$A wait_for "A: approved, not refused" "申请 $second：CONAC复审中"
check_nomatch "A: no one-else-acted-first refusal" "已被他人处理" "$(PANE=$A screen_text)"

# A key pressed before any idle look (a console that never looks by
# itself): the list is read again first, and a decision key meant for a
# case that left the queue does nothing.
console_in "$A" fz-review "$T/still.yaml"
PANE=$A keys 1
PANE=$A wait_match "A again: the online review queue" "^网上审核  \|  1/[0-9]+" || die "queue A"
third=$(cursor_case "$A")
sm --as fz-review case act "$third" approve >/dev/null || die "approving $third from the command line"
PANE=$A keys a
PANE=$A wait_for "A: the key for a case that left is not applied" "离开了此队列"
check_eq "the case now under A's cursor is untouched" "office_review" \
    "$(state_of "$(cursor_case "$A")")"

# A key that only moves the cursor does not look again while the data was
# looked at within console.follow (on a cluster each look is a round trip
# that typed-ahead keys would wait for): it moves on the list as drawn;
# R, or a key that acts, looks first.
printf 'console:\n  follow: 60\n' >"$T/slow.yaml"
console_in "$A" fz-review "$T/slow.yaml"
PANE=$A keys 1
PANE=$A wait_match "A, looking every 60 s: the queue" "^网上审核  \|  1/[0-9]+" || die "queue A"
n=$(queue_count "$A")
top=$(cursor_case "$A")
sm --as fz-review case act "$top" approve >/dev/null || die "approving $top from the command line"
PANE=$A keys j
PANE=$A wait_match "A: the cursor moved on the list as drawn" "^网上审核  \|  2/$n( |$)"
check_match "A: case $top, approved meanwhile, still drawn" "^[> ]$top " "$(PANE=$A screen_text)"
PANE=$A keys R
PANE=$A wait_match "A: R reads the queue again, one shorter" "^网上审核  \|  [0-9]+/$((n - 1))( |$)"
check_nomatch "A: case $top gone" "^[> ]$top " "$(PANE=$A screen_text)"

finish
