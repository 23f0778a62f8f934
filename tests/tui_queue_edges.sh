#!/usr/bin/env bash
# tui_queue_edges.sh - a queue read a screenful at a time, at its edges.
#
#   - a note typed while the terminal grows goes to the case it was meant for
#     (the list is read again on a resize, never under a prompt);
#   - with cases tagged, the key bar offers what the rules allow on them;
#     one tagged case is named by its number;
#   - customer service's search of the open cases covers all of them;
#   - a queue longer than the console holds says so in its status line.

. "$(dirname "$0")/lib.sh"

export SITEMARK_NOW=2026-11-20T10:00:00+08:00 TERM=xterm LINES=24 COLUMNS=80
unset NO_COLOR
VIEWER=conac-li
sm init --demo >/dev/null || die "init --demo"

# screen LOGIN NAME KEYS...: run KEYS, then dump the screen to $T/NAME.txt
screen() {
	local login=$1 name=$2
	shift 2
	printf '%s\n' "$@" ":dump $T/$name.txt" >"$T/$name.keys"
	rm -rf "$HOME"; mkdir -p "$HOME"
	sm --as "$login" --script "$T/$name.keys" >/dev/null 2>&1 ||
	    fail "$login: the console ran $name to its end"
}
cursor_of() { sed -n 's/^>\([0-9][0-9]*\) .*/\1/p' "$T/$1.txt"; }

echo "# a note typed while the terminal grows"
screen kf-zhao open 2
first=$(cursor_of open)
check_match "customer service's open cases, cursor on a case" '^[0-9]+$' "$first"
screen kf-zhao note 2 m ":resize 80 40" "看过了<Enter>" ":resize 80 24"
check_eq "the note went to case $first" "看过了" \
    "$(sm --as kf-zhao --json case show "$first" | jq -r '[.notes[].text] | last')"

echo "# tags: the key bar and the names"
screen fz-review untagged 1
tagged=$(cursor_of untagged)   # t tags the case under the cursor, then moves down
screen fz-review tagged 1 t
check_eq "one case tagged: the key bar of what the rules allow on it" \
    "$(expected_keybar office "$(sm --as fz-review --json case show "$tagged" | jq -r '.actions | join(" ")')" list)" \
    "$(sed -n 24p "$T/tagged.txt")"
screen fz-review tagged-return 1 t "<F3>"
check_match "one tagged case is named by its number" "(Reject|退回).*$tagged" "$(sed -n 1p "$T/tagged-return.txt")"

echo "# customer service searches all the open cases"
last=$(sm --as kf-zhao --json case list --queue | jq -r '.[-1].unit_name')
n=$(sm --as kf-zhao --json case list --queue | jq length)
check_true "the open cases are more than a screenful ($n)" "$n" -gt 22
screen kf-zhao search 2 / "$last<Enter>"
check_match "the last of them is found by /" "^>[0-9]+ .*${last:0:4}" "$(grep '^>' "$T/search.txt")"

echo "# a queue longer than the console holds"
q "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5100)
INSERT INTO cases(kind, unit, office, state, version, domain, domain_unicode, \"values\",
    hints, created_by, submitted_by, due, due_kind, due_uncertain, created_at, updated_at)
SELECT c.kind, c.unit, c.office, c.state, 1, c.domain || n.i, c.domain_unicode || n.i, c.\"values\",
    c.hints, c.created_by, c.submitted_by, c.due, c.due_kind, c.due_uncertain, c.created_at,
    c.updated_at FROM n, (SELECT * FROM cases WHERE state = 'office_review' AND office = '350100'
    ORDER BY id LIMIT 1) c" || die "adding 5100 cases"
total=$(sm --as fz-review --json case list --state office_review | jq length)
screen fz-review long 1 "<End>"
check_match "the status line says the queue was cut ($total in all)" "5000/5000 .*of $total" \
    "$(sed -n 23p "$T/long.txt")"
finish
