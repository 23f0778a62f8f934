#!/usr/bin/env bash
# concurrency.sh - several processes on the same cases at once (trust.md #1, #2).
#
#   1. 6 office reviewers approve the same 20 cases at once: exactly one
#      wins each case; the others exit 1 saying someone else (named) acted first or
#      the case is no longer in that state.
#   2. CONAC approves and rejects the same 20 cases at once: one wins, the
#      case, its history and its notifications follow the winner alone.
#   3. 6 retries of one action with the same request id: applied once.
#   4. Writers loop transitions (mark applications, domain applications)
#      while sitemark processes are killed with SIGKILL at random moments:
#      the database stays intact, every acknowledged transition is there,
#      no transition or mark code twice, audit rows = versions.
#
# SM_KILL_SECONDS (default 15) sets how long phase 4 runs.

. "$(dirname "$0")/lib.sh"

NCASES=20
NPROC=6
KILL_SECONDS=${SM_KILL_SECONDS:-15}

make_world

# Races -----------------------------------------------------------------

# racer DIR GO LOGIN ORDER ACTION [ARGS...]: wait for the file GO, then apply
# ACTION to every case of $CASES in ORDER (up, down or shuffle); for each case
# ID, DIR/ID.rc, DIR/ID.out and DIR/ID.err.
racer() {
	local dir=$1 go=$2 login=$3 order=$4 action=$5 ids id
	shift 5
	mkdir -p "$dir"
	case $order in
	up) ids=$CASES ;;
	down) ids=$(printf '%s\n' $CASES | sort -rn) ;;
	*) ids=$(printf '%s\n' $CASES | shuf 2>/dev/null || printf '%s\n' $CASES) ;;
	esac
	while [ ! -e "$go" ]; do
		sleep 0.01
	done
	for id in $ids; do
		"$SITEMARK" --db "$DB" --as "$login" case act "$id" "$action" "$@" \
		    >"$dir/$id.out" 2>"$dir/$id.err"
		echo $? >"$dir/$id.rc"
	done
}

# judge PHASE CONFLICT-ERE: for each case exactly one process exited 0; every
# other exited 1 with a message matching CONFLICT-ERE.  Sets WINNER[id] to
# the winning racer's number.
declare -A WINNER
judge() {
	local phase=$1 ere=$2 id k rc nwin bad_win="" bad_lose="" odd=""
	for id in $CASES; do
		nwin=0
		for k in $(seq 1 $NPROC); do
			rc=$(cat "$T/$phase/$k/$id.rc" 2>/dev/null || echo missing)
			if [ "$rc" = 0 ]; then
				nwin=$((nwin + 1))
				WINNER[$id]=$k
			elif [ "$rc" != 1 ]; then
				odd="$odd case $id racer $k: exit $rc: $(cat "$T/$phase/$k/$id.err" 2>/dev/null)
"
			elif ! grep -Eq -- "$ere" "$T/$phase/$k/$id.err" ||
			    [ "$(wc -l <"$T/$phase/$k/$id.err")" -ne 1 ]; then
				bad_lose="$bad_lose case $id racer $k: $(cat "$T/$phase/$k/$id.err")
"
			fi
		done
		[ "$nwin" -eq 1 ] || bad_win="$bad_win case $id: $nwin winners
"
	done
	check_eq "$phase: exactly one process wins each case" "" "$bad_win"
	check_eq "$phase: the others exit 1, not otherwise" "" "$(summarise "$odd")"
	check_eq "$phase: the losers are told someone else acted first or the state changed (one line)" "" \
	    "$(summarise "$bad_lose")"
}

# summarise LINES: nothing for nothing, else how many lines and the distinct
# messages (numbers as N) with their counts.
summarise() {
	[ -z "$1" ] && return
	printf '%s lines; distinct messages:\n' "$(printf '%s' "$1" | grep -c .)"
	printf '%s' "$1" | sed -e 's/^ *case [0-9]* racer [0-9]*: //' -e 's/[0-9][0-9]*/N/g' | sort | uniq -c
}

# race PHASE: start the racers defined by the function PHASE_racer K (run in
# the background), let them go at once, wait for them.
race() {
	local phase=$1 k pids=
	for k in $(seq 1 $NPROC); do
		"${phase}_racer" "$k" &
		pids="$pids $!"
	done
	BG_PIDS="$BG_PIDS $pids"
	sleep 0.2
	touch "$T/$phase.go"
	wait $pids
}

RACE_ERE='someone else|已被他人处理|does not apply|since you saw it|在您查看之后'

# told_winner PHASE LOGIN_OF: every loser acting as another login than the
# winner's is told someone else acted first, the winner's login, and the
# state now (LOGIN_OF K prints racer K's login).
told_winner() {
	local phase=$1 login_of=$2 id k w bad=""
	for id in $CASES; do
		w=$("$login_of" "${WINNER[$id]:-0}")
		for k in $(seq 1 $NPROC); do
			[ "$k" = "${WINNER[$id]:-0}" ] && continue
			[ "$("$login_of" "$k")" = "$w" ] && continue
			grep -Eq -- "(someone else|已被他人处理).* $w .*(it is now|当前状态为)" \
			    "$T/$phase/$k/$id.err" ||
			    bad="$bad case $id racer $k (winner $w): $(cat "$T/$phase/$k/$id.err")
"
		done
	done
	check_eq "$phase: the losers are told who acted first and the state now" "" \
	    "$(summarise "$bad")"
}
phase1_login() { echo "fz-rev$1"; }
phase2_login() { if [ "$1" -le 3 ]; then echo conac1; else echo conac2; fi; }

# ----------------------------------------------------------------- phase 1

echo "# phase 1: $NPROC office reviewers approve the same $NCASES cases"
CASES=
for i in $(seq -w 1 $NCASES); do
	printf 'name: 并发测试%s\nusage: 并发测试用的域名。\n' "$i" >"$T/d$i.yaml"
	id=$(sm --as org-op case new domain --values "$T/d$i.yaml") || die "case new domain $i"
	sm --as org-op case act "$id" submit >/dev/null || die "submit $id"
	CASES="$CASES $id"
done
check_eq "$NCASES cases wait for the office" "$NCASES" \
    "$(q "select count(*) from cases where state = 'office_review'")"
AUDIT0=$(q 'select count(*) from audit')

phase1_racer() {
	local order=up
	[ $(($1 % 2)) -eq 0 ] && order=down
	[ "$1" -eq 3 ] && order=shuffle
	racer "$T/phase1/$1" "$T/phase1.go" "fz-rev$1" "$order" approve
}
race phase1
judge phase1 "$RACE_ERE"
told_winner phase1 phase1_login
bad=
for id in $CASES; do
	got=$(q "select state || ' ' || version from cases where id = $id")
	[ "$got" = "conac_review 3" ] || bad="$bad case $id: $got;"
	by=$(case_json "$id" | jq -r '.history[-1].by')
	[ "$by" = "fz-rev${WINNER[$id]:-?}" ] || bad="$bad case $id approved by $by, winner fz-rev${WINNER[$id]:-?};"
done
check_eq "phase 1: every case in CONAC review, version 3, approved by its winner" "" "$bad"
check_eq "phase 1: one audit row per case" "$((AUDIT0 + NCASES))" "$(q 'select count(*) from audit')"
check_eq "phase 1: audit rows per case = 3" "" \
    "$(q "select id from cases where state = 'conac_review' and (select count(*) from audit where object = 'case' and object_id = cases.id) != 3")"

# ----------------------------------------------------------------- phase 2

echo "# phase 2: CONAC approves and rejects the same $NCASES cases at once"
AUDIT0=$(q 'select count(*) from audit')
OUTBOX0=$(q 'select count(*) from outbox')
phase2_racer() {
	local order=up
	[ $(($1 % 2)) -eq 0 ] && order=down
	if [ "$1" -le 3 ]; then
		racer "$T/phase2/$1" "$T/phase2.go" conac1 "$order" approve
	else
		racer "$T/phase2/$1" "$T/phase2.go" conac2 "$order" reject --reason "并发驳回 $1"
	fi
}
race phase2
judge phase2 "$RACE_ERE"
told_winner phase2 phase2_login
bad=
napproved=0
for id in $CASES; do
	k=${WINNER[$id]:-0}
	J=$(case_json "$id")
	if [ "$k" -le 3 ]; then
		want="awaiting_payment approve conac1 null payment"
		napproved=$((napproved + 1))
	else
		want="returned reject conac2 并发驳回 $k returned"
	fi
	got="$(jq -r '"\(.state) \(.history[-1].action) \(.history[-1].by) \(.history[-1].reason)"' <<<"$J") $(q "select group_concat(distinct event) from outbox where case_id = $id")"
	[ "$got" = "$want" ] || bad="$bad case $id: want '$want', got '$got';"
	n=$(q "select count(*) from outbox where case_id = $id")
	[ "$n" = 2 ] || bad="$bad case $id: $n outbox rows;"
done
check_eq "phase 2: each case follows its winner (state, history, notices)" "" "$bad"
echo "# phase 2: $napproved approvals won, $((NCASES - napproved)) rejections"
check_eq "phase 2: one audit row per case" "$((AUDIT0 + NCASES))" "$(q 'select count(*) from audit')"
check_eq "phase 2: two notices per case (SMS and e-mail)" "$((OUTBOX0 + 2 * NCASES))" \
    "$(q 'select count(*) from outbox')"

# ----------------------------------------------------------------- phase 3

echo "# phase 3: $NPROC retries of one action with the same request id"
printf 'name: 重放测试\nusage: 重放测试用的域名。\n' >"$T/replay.yaml"
R=$(sm --as org-op case new domain --values "$T/replay.yaml") || die "case new (replay)"
sm --as org-op case act "$R" submit >/dev/null || die "submit $R"
CASES=$R
AUDIT0=$(q 'select count(*) from audit')
phase3_racer() {
	racer "$T/phase3/$1" "$T/phase3.go" fz-rev1 up approve --request-id 0f1e2d3c-4b5a-4968-8776-655443322110
}
race phase3
n0=0
for k in $(seq 1 $NPROC); do
	[ "$(cat "$T/phase3/$k/$R.rc")" = 0 ] && n0=$((n0 + 1))
done
check_eq "phase 3: every retry is answered as done" "$NPROC" "$n0"
check_eq "phase 3: applied once (one audit row)" "$((AUDIT0 + 1))" "$(q 'select count(*) from audit')"
check_eq "phase 3: the case moved one step" "conac_review 3" "$(q "select state || ' ' || version from cases where id = $R")"

# ----------------------------------------------------------------- phase 4

echo "# phase 4: writers loop transitions; sitemark processes are killed (SIGKILL) for ${KILL_SECONDS}s"
NMARK=4
NDOM=2
for w in $(seq 1 $NMARK); do
	printf 'name: 福州市图书馆分馆%s\nusage: 分馆网站。\n' "$w" >"$T/g$w.yaml"
	register_domain lib-op "$T/g$w.yaml" >/dev/null || die "registering 福州市图书馆分馆$w.公益"
	sed -e "s/^domain: .*/domain: 福州市图书馆分馆$w.公益/" -e "s/^site_name: .*/site_name: 福州市图书馆分馆$w/" \
	    "$VALUES/mark-own.yaml" >"$T/m$w.yaml"
done
mkdir -p "$T/k"
: >"$T/ack"
: >"$T/unexpected"
: >"$T/late"
: >"$T/killed"
AUDIT0=$(q 'select count(*) from audit')

# spawn W ARGS...: run sitemark, and when it writes (case new, case act),
# one time in three kill it with SIGKILL 0-29 ms after it started (the
# child is not reaped before the kill, so its pid cannot have been reused);
# its exit status.
spawn() {
	local w=$1 pid rc
	shift
	case " $* " in
	*" case act "* | *" case new "*) # whether the writer's last write was killed
		rm -f "$T/k/$w.was_killed.before"
		[ ! -e "$T/k/$w.was_killed" ] || mv "$T/k/$w.was_killed" "$T/k/$w.was_killed.before"
		;;
	esac
	"$SITEMARK" --db "$DB" "$@" >"$T/k/$w.out" 2>"$T/k/$w.err" &
	pid=$!
	case " $* " in
	*" case act "* | *" case new "*)
		if [ $((RANDOM % 3)) -eq 0 ]; then
			sleep "0.0$((RANDOM % 3))$((RANDOM % 10))"
			kill -9 "$pid" 2>/dev/null
		fi
		;;
	esac
	wait "$pid"
	rc=$?
	case " $* " in
	*" case act "* | *" case new "*)
		[ "$rc" -ne 137 ] || { echo "$w $*" >>"$T/killed" && : >"$T/k/$w.was_killed"; }
		;;
	esac
	return "$rc"
}

# note W RC WHAT: record an acknowledged transition, or an unexpected failure.
note() {
	local w=$1 rc=$2
	shift 2
	if [ "$rc" -eq 0 ]; then
		echo "$*" >>"$T/ack"
	elif [ "$rc" -ne 137 ] && [ -e "$T/k/$w.was_killed.before" ] &&
	    grep -q "was changed since you saw it: at .* you did" "$T/k/$w.err"; then
		# the writer's own write, killed before it could say so, had
		# landed and became visible only after the list it acted on (a
		# commit in the write-ahead log that a later connection's
		# recovery brings in): refused as already done, by the same user
		echo "writer $w: $*" >>"$T/late"
	elif [ "$rc" -ne 137 ]; then
		echo "writer $w: $* exit $rc: $(cat "$T/k/$w.err")" >>"$T/unexpected"
	fi
}

# The open mark case of a domain: "id state", or nothing.
open_case() {
	local w=$1 kind=$2 dom=$3
	spawn "$w" --as conac1 --json case list --kind "$kind" \
	    --state draft,returned,office_review,conac_review,awaiting_payment,paper_pending,mark_issued || return 1
	jq -r --arg d "$dom" '[.[] | select(.domain == $d)] | first | select(. != null) | "\(.id) \(.state)"' \
	    "$T/k/$w.out"
}

mark_writer() {
	local w=$1 dom="福州市图书馆分馆$1.公益" open id state rc login action
	while [ ! -e "$T/stop" ]; do
		open=$(open_case "m$w" mark "$dom") || continue
		if [ -z "$open" ]; then
			spawn "m$w" --as lib-op case new mark --values "$T/m$w.yaml"
			rc=$?
			note "m$w" "$rc" "$(cat "$T/k/m$w.out") create"
			continue
		fi
		id=${open% *}
		state=${open#* }
		case $state in
		draft | returned) login=lib-op action=submit ;;
		office_review) login=fz-rev$w action=approve ;;
		conac_review) login=conac1 action=approve ;;
		mark_issued) login=conac2 action=verify-hung ;;
		*) echo "writer m$w: case $id in $state" >>"$T/unexpected"; continue ;;
		esac
		spawn "m$w" --as "$login" case act "$id" "$action"
		note "m$w" $? "$id $action"
	done
}

domain_writer() {
	local w=$1 n=0 dom open id state rc login action args
	printf 'name: 循环测试%s号%s\nusage: 循环。\n' "$w" "$n" >"$T/l$w.yaml"
	dom="循环测试${w}号$n.政务"
	while [ ! -e "$T/stop" ]; do
		open=$(open_case "d$w" domain "$dom") || continue
		if [ -z "$open" ]; then
			if q "select 1 from domains where unicode = '$dom'" | grep -q 1; then
				n=$((n + 1))
				printf 'name: 循环测试%s号%s\nusage: 循环。\n' "$w" "$n" >"$T/l$w.yaml"
				dom="循环测试${w}号$n.政务"
			fi
			spawn "d$w" --as org-op case new domain --values "$T/l$w.yaml"
			note "d$w" $? "$(cat "$T/k/d$w.out") create"
			continue
		fi
		id=${open% *}
		state=${open#* }
		args=
		case $state in
		draft | returned) login=org-op action=submit ;;
		office_review) login=fz-rev$((w + 4)) action=approve ;;
		conac_review) login=conac1 action=approve ;;
		awaiting_payment) login=conac2 action=confirm-payment args="--values $VALUES/confirm-payment.yaml" ;;
		*) echo "writer d$w: case $id in $state" >>"$T/unexpected"; continue ;;
		esac
		# shellcheck disable=SC2086
		spawn "d$w" --as "$login" case act "$id" "$action" $args
		note "d$w" $? "$id $action"
	done
}

pids=
for w in $(seq 1 $NMARK); do
	mark_writer "$w" 2>>"$T/writers.log" &
	pids="$pids $!"
done
for w in $(seq 1 $NDOM); do
	domain_writer "$w" 2>>"$T/writers.log" &
	pids="$pids $!"
done
BG_PIDS="$BG_PIDS $pids"
sleep "$KILL_SECONDS"
touch "$T/stop"
wait $pids

KILLS=$(wc -l <"$T/killed")
NACK=$(wc -l <"$T/ack")
NAUDIT=$(($(q 'select count(*) from audit') - AUDIT0))
echo "# phase 4: $NACK acknowledged writes, $KILLS processes killed, $((NAUDIT - NACK)) writes committed but killed before they could say so ($(wc -l <"$T/late") of them seen only after a later list)"
check_true "phase 4: processes were killed" "$KILLS" -gt 0
check_true "phase 4: the writers made progress" "$NACK" -gt 20
check_eq "phase 4: no writer met an unexpected failure" "" "$(head -c 3000 "$T/unexpected")"
check_eq "phase 4: PRAGMA integrity_check" "ok" "$(q 'PRAGMA integrity_check')"
expect_ok "phase 4: the auditor verifies the audit log" sm --as aud audit verify
check_match "phase 4: the audit log is intact" "intact" "$OUT"
check_eq "phase 4: no mark code twice" "" \
    "$(q 'select code, count(*) from marks group by code having count(*) > 1')"
check_eq "phase 4: no certificate number or GUID twice" "" \
    "$(q 'select cert_no from marks group by cert_no having count(*) > 1 union all select guid from marks group by guid having count(*) > 1')"
check_eq "phase 4: every case's audit rows = its version" "" \
    "$(q "select id || ': version ' || version || ', audit ' || (select count(*) from audit a where a.object = 'case' and a.object_id = c.id) from cases c where version != (select count(*) from audit a where a.object = 'case' and a.object_id = c.id)")"
check_eq "phase 4: every transition starts where the last ended (none twice)" "" \
    "$(q "select object_id || ' ' || action || ' from ' || ifnull(from_state, '-') || ' after ' || ifnull(prev, '-') from (select object_id, action, from_state, lag(to_state) over (partition by object_id order by seq) as prev from audit where object = 'case') where action != 'create' and from_state is not prev")"
check_eq "phase 4: the audit log's times never go backwards" "" \
    "$(q "select seq || ' at ' || at || ' after ' || prev from (select seq, at, lag(at) over (order by seq) as prev from audit) where at < prev limit 5")"
check_eq "phase 4: every case's state is its last audit row's" "" \
    "$(q "select c.id from cases c where c.state is not (select a.to_state from audit a where a.object = 'case' and a.object_id = c.id order by a.seq desc limit 1)")"
# Every acknowledged write is in the audit log (as often as acknowledged, at least).
missing=$(sort "$T/ack" | uniq -c | while read -r n id action; do
	have=$(q "select count(*) from audit where object = 'case' and object_id = $id and action = '$action'")
	[ "$have" -ge "$n" ] || echo "case $id $action: acknowledged $n, audit $have"
done)
check_eq "phase 4: every acknowledged transition is in the audit log" "" "$missing"
check_eq "phase 4: one mark per case that reached mark_issued" "" \
    "$(q "select c.id from cases c where c.kind = 'mark' and c.state in ('mark_issued', 'mark_hung') and (select count(*) from marks m where m.case_id = c.id) != 1 union all select case_id from marks m where (select state from cases c where c.id = m.case_id) not in ('mark_issued', 'mark_hung')")"
check_eq "phase 4: the unit's mark counter = its marks, numbered without gaps" \
    "$(q "select count(*) || ' ' || count(*) || ' ' || count(*) from marks where unit = $LIB_UNIT")" \
    "$(q "select mark_seq from units where id = $LIB_UNIT") $(q "select count(distinct substr(code, -4)) from marks where unit = $LIB_UNIT") $(q "select ifnull(max(cast(substr(code, -4) as integer)), 0) from marks where unit = $LIB_UNIT")"
check_eq "phase 4: two mark notices (SMS, e-mail) per mark" "" \
    "$(q "select m.case_id from marks m where (select count(*) from outbox o where o.case_id = m.case_id and o.event = 'mark_issued') != 2")"
check_eq "phase 4: one domain per registered domain case" "" \
    "$(q "select c.id from cases c where c.kind = 'domain' and c.state = 'registered' and (select count(*) from domains d where d.case_id = c.id) != 1")"
check_eq "phase 4: two payment notices per approved domain case" "" \
    "$(q "select c.id from cases c where c.kind = 'domain' and c.state in ('awaiting_payment', 'registered') and (select count(*) from outbox o where o.case_id = c.id and o.event = 'payment') != 2")"
echo "# phase 4: $(q 'select count(*) from marks') marks issued, $(q "select count(*) from cases where kind = 'domain' and state = 'registered'") domains registered"

# ---------------------------------------------------------------- four inits of one new file
fails=0 firsts=0
for round in 1 2 3; do
	R="$T/race$round.db"
	pids=""
	for i in 1 2 3 4; do
		"$SITEMARK" --db "$R" init >"$T/init$round.$i.out" 2>&1 &
		pids="$pids $!"
	done
	i=0
	for p in $pids; do
		i=$((i + 1))
		if ! wait "$p"; then
			fails=$((fails + 1))
			sed 's/^/# init failed: /' "$T/init$round.$i.out" # what it said, for the log
		fi
	done
	firsts=$((firsts + $(cat "$T"/init"$round".*.out | grep -c "first system administrator")))
	[ "$(sqlite3 "$R" 'PRAGMA integrity_check')" = ok ] || fails=$((fails + 1))
done
check_eq "four inits of one new file at once, three times: each succeeds" 0 "$fails"
check_eq "one of each four makes the first administrator" 3 "$firsts"

finish
