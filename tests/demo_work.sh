#!/usr/bin/env bash
# demo_work.sh - init --demo gives every reviewer real work (issue 6, point 14).
#
# On a fresh demo database, at several clocks (the golden screens' fixed one,
# the machine's, in the Spring Festival and the National Day holidays):
#   - the Fuzhou office's reviewer (fz-review, the default demo account) has
#     more than a screen of cases in the queue (more than 19), some overdue
#     (their deadline is before today, and days_over says so), and some
#     returned and submitted again (history: reject, then submit);
#   - every reviewer (office, CONAC, customer service) has a non-empty queue;
#   - every state is there: paper_pending, marks issued on a unit's own site
#     (organs with .gov.cn English domains) and on a red page, marks hung,
#     withdrawn cases, registered domains ...;
#   - the audit chain verifies;
# and init --demo twice on fresh files gives the same case list byte for byte.

. "$(dirname "$0")/lib.sh"

FIXED=2026-11-20T10:00:00+08:00

# demo FILE: a fresh demo database in FILE (at the clock in $SITEMARK_NOW).
demo() {
	rm -f "$1" "$1-wal" "$1-shm" "$1.anchors" # a new database, new anchors
	"$SITEMARK" --db "$1" init --demo >"$T/init.out" 2>&1
}

# today: the demo's today in Asia/Shanghai, YYYY-MM-DD.
today() {
	if [ -n "${SITEMARK_NOW:-}" ]; then
		TZ=Asia/Shanghai date -d "$SITEMARK_NOW" +%F
	else
		TZ=Asia/Shanghai date +%F
	fi
}

# promises LABEL: the checks on the demo database $DB.
promises() {
	local at=$1 queue n over late resub ids id login state

	run sm --as fz-review --json case list --queue
	check_eq "$at: fz-review's queue lists" "0" "$RC"
	queue=$OUT
	n=$(jq length <<<"$queue")
	check_true "$at: fz-review's queue is more than a screen ($n cases)" "${n:-0}" -gt 19
	n=$(jq '[.[] | select(.state == "office_review")] | length' <<<"$queue")
	check_true "$at: fz-review has 30 or more cases to review online ($n)" "${n:-0}" -ge 30

	# Overdue: the deadline is before today, and days_over agrees.
	late=$(jq --arg today "$(today)" \
	    '[.[] | select(.deadline != null and .deadline < $today)] | length' <<<"$queue")
	check_true "$at: fz-review has overdue cases ($late)" "${late:-0}" -gt 0
	over=$(jq '[.[] | select(.days_over > 0)] | length' <<<"$queue")
	check_eq "$at: days_over > 0 exactly for the cases past their deadline" "$late" "$over"
	check_eq "$at: overdue cases come first" "$(jq -c '[.[] | .days_over > 0]' <<<"$queue")" \
	    "$(jq -c '[.[] | .days_over > 0] | sort | reverse' <<<"$queue")"

	# Returned and submitted again: a reject, later a submit.
	resub=0
	ids=$(jq -r '.[] | select(.state == "office_review") | .id' <<<"$queue")
	for id in $ids; do
		if sm --as fz-review --json case show "$id" | jq -e '[.history[].action]
		    | (index("reject")) as $r | $r != null and ((.[$r + 1:] | index("submit")) != null)' \
		    >/dev/null; then
			resub=$((resub + 1))
		fi
	done
	check_true "$at: fz-review's queue has cases returned and submitted again ($resub)" \
	    "$resub" -ge 2

	# Every reviewer has work.
	for login in $(q "select login from users where role in ('office', 'conac', 'service') order by login"); do
		n=$(sm --as "$login" --json case list --queue | jq length)
		check_true "$at: $login's queue is not empty ($n)" "${n:-0}" -gt 0
	done
	for login in fj-review fz-review gl-review xm-review zy-review conac-li conac-wang kf-zhao; do
		check_eq "$at: $login is a demo account" "1" "$(q "select count(*) from users where login = '$login'")"
	done
	n=$(sm --as conac-li --json case list --queue | jq '[.[] | select(.state == "awaiting_payment")] | length')
	check_true "$at: CONAC has payments to confirm ($n)" "${n:-0}" -gt 0

	# Every state; marks on own sites and on red pages.
	run sm --as conac-li --json case list
	for state in draft office_review conac_review returned awaiting_payment registered \
	    paper_pending mark_issued mark_hung withdrawn; do
		n=$(jq --arg s "$state" '[.[] | select(.state == $s)] | length' <<<"$OUT")
		check_true "$at: some cases are $state ($n)" "${n:-0}" -gt 0
	done
	for state in mark_issued mark_hung; do
		for hosting in own redpage; do
			n=$(jq --arg s "$state" --arg h "$hosting" \
			    '[.[] | select(.state == $s and .values.hosting == $h and .mark != null)] | length' <<<"$OUT")
			check_true "$at: a mark $state on hosting $hosting ($n)" "${n:-0}" -gt 0
		done
	done
	n=$(jq '[.[] | select(.mark != null and .unit_type == "organ" and .values.hosting == "own")
	    | select(all(.values.english_domains[]; endswith(".gov.cn")) | not)] | length' <<<"$OUT")
	check_eq "$at: organs' own sites with a mark have .gov.cn English domains" "0" "$n"
	n=$(jq '[.[] | select(.mark != null and .values.hosting == "own")
	    | select(.mark.certificate.domains | length < 2)] | length' <<<"$OUT")
	check_eq "$at: marks on own sites certify the English domains too" "0" "$n"

	run sm --as auditor audit verify
	check_eq "$at: the audit chain verifies" "0" "$RC"
}

for clock in "$FIXED" "" 2026-02-24T09:30:00+08:00 2026-10-09T16:00:00+08:00; do
	if [ -n "$clock" ]; then
		export SITEMARK_NOW=$clock
	else
		unset SITEMARK_NOW
	fi
	DB="$T/demo.db"
	demo "$DB" || die "init --demo at ${clock:-the machine's clock}" "$(cat "$T/init.out")"
	echo "# at ${clock:-the machine's clock}"
	promises "${clock:-now}"
done

# The same demo on every run: ids, dates, mark codes, GUIDs.
export SITEMARK_NOW=$FIXED
demo "$T/a.db" || die "init --demo (a)" "$(cat "$T/init.out")"
demo "$T/b.db" || die "init --demo (b)" "$(cat "$T/init.out")"
"$SITEMARK" --db "$T/a.db" --as conac-li --json case list >"$T/a.json"
"$SITEMARK" --db "$T/b.db" --as conac-li --json case list >"$T/b.json"
check_true "the case list is not empty" -s "$T/a.json"
if cmp -s "$T/a.json" "$T/b.json"; then
	pass "init --demo twice: the same case list, byte for byte"
else
	fail "init --demo twice: the same case list, byte for byte" "$(diff "$T/a.json" "$T/b.json" | head -20)"
fi
# Everything the demo wrote (the first administrator, made by init at the
# real time, and the audit hashes chained after it aside).
for f in a b; do
	sqlite3 "$T/$f.db" "select * from units; select * from cases; select * from marks;
	    select * from domains; select msg_id, case_id, event, channel, recipient, body, created_at from outbox;
	    select seq, at, actor, action, request_id, \"values\" from audit where seq > 1;
	    select * from users where role <> 'sysadmin'" >"$T/$f.rows"
done
check_eq "init --demo twice: the same rows (units, cases, marks, outbox, audit)" \
    "$(cksum <"$T/a.rows")" "$(cksum <"$T/b.rows")"

finish
