#!/usr/bin/env bash
# keybar_rules.sh - the key bar offers, on every case, only what the rules
# allow that user on it in its state (issue 6, point 4).
#
# For each reviewer role, the unit and customer service, every queue of the
# menu is walked row by row in script mode; on each row the key bar must be
# the one made from `case show --json`'s .actions for the case under the
# cursor (those come from the rules table, sm_rules, and nothing else), and
# so must the case pager's.  The console's own key for each action is the
# only thing this test knows (expected_keybar in lib.sh).

. "$(dirname "$0")/lib.sh"

export SITEMARK_NOW=2026-11-20T10:00:00+08:00 TERM=xterm LINES=24 COLUMNS=80
unset NO_COLOR
VIEWER=conac-li
sm init --demo >/dev/null || die "init --demo"
ROWS=${KEYBAR_ROWS:-12}   # rows walked in each queue

declare -A ACTIONS
actions_of() { # LOGIN ID: the action names, from the rules through the core
	local k="$1/$2"
	if [ -z "${ACTIONS[$k]+set}" ]; then
		ACTIONS[$k]=$(sm --as "$1" --json case show "$2" |
		    jq -r '.actions + (if .may_print then ["print"] else [] end) | join(" ")')
	fi
	printf '%s' "${ACTIONS[$k]}"
}

# walk LOGIN SCREEN ENTRY [new]: queue ENTRY of LOGIN's menu, ROWS rows.
walk() {
	local login=$1 screen=$2 entry=$3 new=${4:-} keys=$T/keys-$1-$3 i f id bar
	{
		echo "$entry"
		for i in $(seq 1 "$ROWS"); do
			echo ":dump $T/$login-$entry-$i.txt"
			echo "<Down>"
		done
		echo "<Enter>"
		echo ":dump $T/$login-$entry-case.txt"
	} > "$keys"
	rm -rf "$HOME"; mkdir -p "$HOME"
	sm --as "$login" --script "$keys" >/dev/null 2>&1 || { fail "$login: the console ran its script"; return; }
	local seen=0
	for i in $(seq 1 "$ROWS"); do
		f=$T/$login-$entry-$i.txt
		id=$(sed -n 's/^>\([0-9][0-9]*\) .*/\1/p' "$f")
		[ -n "$id" ] || continue
		seen=$((seen + 1))
		bar=$(sed -n 24p "$f")
		check_eq "$login, queue $entry, case $id ($(actions_of "$login" "$id")): the key bar" \
		    "$(expected_keybar "$screen$new" "$(actions_of "$login" "$id")" list)" "$bar"
	done
	f=$T/$login-$entry-case.txt
	id=$(sed -n '1s/.*| \(申请\|Case\) \([0-9][0-9]*\)$/\2/p' "$f")
	if [ -n "$id" ]; then
		check_eq "$login, the pager of case $id: the key bar" \
		    "$(expected_keybar "$screen" "$(actions_of "$login" "$id")")" "$(sed -n 24p "$f")"
	fi
	echo "# $login, queue $entry: $seen rows walked"
}

walk fz-review office 1          # online review
walk fz-review office 2          # paper
walk fz-review office 3          # handled: every state the office has touched
walk conac-li conac 1            # CONAC review
walk conac-li conac 2            # payments
walk conac-li conac 3            # marks issued and hung
walk fz-gov unit 2 -new          # the unit's domains
walk fz-gov unit 3 -new          # its websites
walk fz-gov unit 5               # its progress: every state
walk kf-zhao service 2           # customer service's open cases

# The rules do differ from case to case here: at least three different bars.
bars=$(cat "$T"/*-[0-9]*.txt 2>/dev/null | awk 'NR % 24 == 0' | sort -u | wc -l)
check_true "the key bars differ with the cases ($bars kinds)" "$bars" -ge 3
finish
