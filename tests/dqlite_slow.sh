#!/usr/bin/env bash
# dqlite_slow.sh - a node of the cluster that answers slowly (not stopped:
# tests/dqlite.sh stops one with SIGSTOP).
#
# Three sitemark-node processes on 127.0.0.1, each known to the cluster by
# the port of a relay (tests/slowproxy.py) in front of the port it listens
# on (node.bind): everything that reaches a node, sitemark's requests and
# its peers' Raft traffic, passes its relay, which delays what it is told
# to (a delay per chunk, in both directions; only a client's or only
# Raft's connections; only from a COMMIT on).  Nodes and relays are
# stopped by their recorded pids.  Messages are read in Chinese.
#
#   a. a follower listed first in store.nodes answers sitemark slowly
#      (below store.timeout): the command goes through, without waiting
#      for it;
#   b. the leader answers sitemark later than store.timeout, on every
#      request, or only from the transaction's COMMIT or its BEGIN on: a
#      clear message within the timeout and a margin (saying whether the
#      change may have been made); afterwards the case moved at most once,
#      and the same request again moves it exactly once;
#   c. the leader answers slowly, within the timeout, or through a narrow
#      link (a byte rate): the transition goes through, slower;
#   d. Raft's traffic to one follower is slow: writes commit on the other
#      two at near the usual latency (and with both followers slow, they
#      do not: the control).

. "$(dirname "$0")/lib.sh"

NODE=${SITEMARK_NODE:-$top_builddir/sitemark-node}
[ -x "$NODE" ] || skip "no sitemark-node at $NODE"
command -v python3 >/dev/null 2>&1 || skip "python3 (the relays) is not installed"
DQ_SQL=${DQ_SQL:-$top_builddir/tests/dq_sql}
[ -x "$DQ_SQL" ] || skip "no tests/dq_sql at $DQ_SQL (make tests/dq_sql)"
need_zh

SITEMARK_NOW=2026-02-13T10:00:00+08:00
export SITEMARK_NOW

. "$(dirname "$0")/lib_dqlite.sh"
. "$(dirname "$0")/lib_tmux.sh"

# ================================================================ the cluster behind relays

dq_free_ports 6
declare -a RELAY_PID GEN
for i in 1 2 3; do
	ADDRS[$i]=127.0.0.1:${FREE[$((i - 1))]} # advertised: the relay
	BIND[$i]=127.0.0.1:${FREE[$((i + 2))]}  # the node
	echo "delay_ms=0" >"$T/slow$i.conf"
	python3 "$top_srcdir/tests/slowproxy.py" "$T/slow$i.conf" "$T/slow$i.ready" \
	    "${FREE[$((i - 1))]}:${FREE[$((i + 2))]}" 2>>"$T/slow$i.log" &
	RELAY_PID[$i]=$!
	BG_PIDS="$BG_PIDS $!"
	GEN[$i]=1
done
# elections after 300 ms of silence (node.latency_ms 20): a delay of 100 ms
# on Raft's traffic (d) is a slow link, not a dead one
DQ_LATENCY=20
for i in 1 2 3; do
	for _ in $(seq 1 100); do
		[ -s "$T/slow$i.ready" ] && break
		sleep 0.05
	done
	[ -s "$T/slow$i.ready" ] || die "relay $i listens" "$(cat "$T/slow$i.log")"
done

# slow I KEY=VALUE...: relay I's settings (slowproxy.py), applied before it returns.
slow() {
	local i=$1
	shift
	printf '%s\n' "$@" >"$T/slow$i.conf"
	GEN[$i]=$((GEN[$i] + 1))
	kill -HUP "${RELAY_PID[$i]}"
	for _ in $(seq 1 100); do
		[ "$(cat "$T/slow$i.ready" 2>/dev/null)" = "ready ${GEN[$i]}" ] && return 0
		sleep 0.02
	done
	die "relay $i takes its new settings"
}

# conf FILE SECONDS I J K: sitemark's configuration, nodes I J K in that order.
conf() {
	printf 'store:\n  backend: dqlite\n  nodes: [%s, %s, %s]\n  timeout: %s\n' \
	    "${ADDRS[$3]}" "${ADDRS[$4]}" "${ADDRS[$5]}" "$2" >"$1"
}
CONF=$T/sitemark.yaml
conf "$CONF" 10 1 2 3
DB="dqlite:${ADDRS[1]},${ADDRS[2]},${ADDRS[3]};timeout=10000"

sm() {
	"$SITEMARK" --config "$CONF" "$@"
}
# zh CONF ARGS...: sitemark in Chinese on configuration CONF
zh() {
	local c=$1
	shift
	env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN "$SITEMARK" --config "$c" "$@"
}

start_node 1
sleep 0.3
start_node 2
start_node 3
wait_voters 3 || die "the three nodes form a cluster behind their relays" "$(tail -5 "$T"/node*.log)"
pass "three nodes behind their relays form a cluster"

expect_ok "init on the cluster" sm init
make_world
SITE=$(sm --as org-op case new site --values "$VALUES/site-own.yaml") || die "case new site"
sm --as org-op case act "$SITE" submit >/dev/null || die "submit the site case"

# step: ACT, the next transition of the site case (returned by an office
# reviewer, submitted again by its unit), and WANT, its state after.
step() {
	case $(state_of "$SITE") in
	office_review) act=(--as fz-rev1 case act "$SITE" reject --values "$VALUES/reject.yaml") want=returned ;;
	returned) act=(--as org-op case act "$SITE" submit) want=office_review ;;
	*) die "the site case is in a state this test does not drive" ;;
	esac
}

# ms CMD...: run CMD (run: RC, OUT, ERR); MS its time in milliseconds.
ms() {
	local t0 t1
	t0=$(date +%s%N)
	run "$@"
	t1=$(date +%s%N)
	MS=$(((t1 - t0) / 1000000))
}

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# sample CONF FILE: a transition of the site case on CONF; its time (ms)
# appended to FILE.
sample() {
	step
	ms "$SITEMARK" --config "$1" "${act[@]}"
	[ "$RC" -eq 0 ] || { fail "a transition on $1 ($ERR)"; return 1; }
	echo "$MS" >>"$2"
}

: >"$T/times"
for _ in 1 2 3 4 5; do sample "$CONF" "$T/times" || break; done
base=$(median <"$T/times")
echo "# a transition without delay: median $base ms"

L=$(node_of "$(sm store status --json | jq -r .leader)")
[ -n "$L" ] || die "the leader is one of the nodes"
F=$((L % 3 + 1)) # a follower
G=$((F % 3 + 1)) # the other
echo "# the leader is node $L; node $F the follower slowed in (a) and (d)"

# ================================================================ a. a slow follower listed first

# The follower answers sitemark 2.5 s late (both ways), below store.timeout
# (6 s); it is the first of store.nodes.  Leader discovery asks every node
# at once and goes with the leader's own answer.
conf "$T/a.yaml" 6 "$F" "$L" "$G"
slow "$F" only=client delay_ms=2500
step
ms "$SITEMARK" --config "$T/a.yaml" "${act[@]}"
echo "# a. a transition with node $F (listed first) 2.5 s slow: $MS ms"
check_eq "a. with a slow follower listed first, the transition goes through" 0 "$RC"
check_eq "a. the case moved" "$want" "$(state_of "$SITE")"
check_true "a. without waiting for the slow follower (< 1000 ms: $MS ms)" "$MS" -lt 1000
ms "$SITEMARK" --config "$T/a.yaml" --as conac1 case show "$SITE"
echo "# a. case show: $MS ms"
check_true "a. a read too (< 1000 ms: $MS ms)" "$MS" -lt 1000
ms "$SITEMARK" --config "$T/a.yaml" store status --json
echo "# a. store status: $MS ms"
check_eq "a. store status answers" 0 "$RC"
slow "$F" delay_ms=0

# ================================================================ c. a leader slower, within the timeout

# through DESC MIN_MS SETTING...: a transition with the leader's relay set
# to SETTING... for sitemark's connections (store.timeout 2 s): it goes
# through, once, in more than MIN_MS (the relay's doing) and less than 10 s.
through() {
	local desc=$1 min=$2
	shift 2
	n0=$(audit_rows "$SITE")
	step
	slow "$L" only=client "$@"
	ms zh "$T/short.yaml" "${act[@]}"
	echo "# $desc: $MS ms"
	check_eq "$desc: the transition goes through (${ERR:-no message})" 0 "$RC"
	check_eq "$desc: the case moved once" "$want $((n0 + 1))" "$(state_of "$SITE") $(audit_rows "$SITE")"
	check_true "$desc: slower (> $min ms: $MS ms)" "$MS" -gt "$min"
	check_true "$desc: within a bound (< 10 s: $MS ms)" "$MS" -lt 10000
	slow "$L" delay_ms=0
}
conf "$T/short.yaml" 2 1 2 3
# Every chunk to and from the leader 100 ms late: a round trip costs 200 ms,
# each well within store.timeout, though the transition's round trips add
# up to more than that.
through "c. a transition with the leader 100 ms slow each way" 400 delay_ms=100
# A link narrow rather than long: 10,000 bytes a second each way, no delay.
through "c2. a transition with the leader at 10,000 bytes a second" $((base + 150)) rate=10000

# ================================================================ b. a leader slower than the timeout

# after_slow DESC RID: the relay taken away (no delay), the case moved at
# most once since N0; the same command under the same request id moves it
# exactly once; audit records = transitions, the chain verifies.
after_slow() {
	local desc=$1 rid=$2 n
	n=$(audit_rows "$SITE")
	check_true "$desc: the case moved at most once ($((n - n0)))" "$((n - n0))" -le 1
	check_eq "$desc: its audit records = its transitions" "$(version_of "$SITE")" "$n"
	expect_ok "$desc: the same request ($rid) again" sm "${act[@]}" --request-id "$rid"
	check_eq "$desc: moved exactly once" "$want $((n0 + 1))" "$(state_of "$SITE") $(audit_rows "$SITE")"
	expect_ok "$desc: and again: nothing more" sm "${act[@]}" --request-id "$rid"
	check_eq "$desc: still once" "$((n0 + 1))" "$(audit_rows "$SITE")"
	check_eq "$desc: audit records = transitions" "$(version_of "$SITE")" "$(audit_rows "$SITE")"
	expect_ok "$desc: the audit chain verifies" sm --as aud audit verify
}

# b1. Everything to and from the leader 3 s late, store.timeout 2 s.
n0=$(audit_rows "$SITE")
step
slow "$L" only=client delay_ms=3000
ms zh "$T/short.yaml" "${act[@]}" --request-id slow-b1
echo "# b1. a transition with the leader 3 s slow, store.timeout 2 s: $MS ms: $ERR"
check_eq "b1. refused (exit 1)" 1 "$RC"
check_true "b1. within the timeout and a margin (< 3500 ms: $MS ms)" "$MS" -lt 3500
check_match "b1. a clear message in Chinese" "集群" "$ERR"
check_true "b1. Chinese words ($ERR)" "$(has_cjk "$ERR")" -gt 10
slow "$L" delay_ms=0
after_slow b1 slow-b1

# b2. Only the COMMIT arrives late (B2_MS, default 4 s; store.timeout 2 s):
# the change is made on the leader after sitemark gave up waiting for its
# answer.
B2_MS=${B2_MS:-4000}
n0=$(audit_rows "$SITE")
step
slow "$L" only=client match=COMMIT delay_ms="$B2_MS"
t0=$(date +%s%N)
ms zh "$T/short.yaml" "${act[@]}" --request-id slow-b2
echo "# b2. a transition whose COMMIT is $B2_MS ms late, store.timeout 2 s: $MS ms: $ERR"
check_eq "b2. refused (exit 1)" 1 "$RC"
check_true "b2. within the timeout and a margin (< 3500 ms: $MS ms)" "$MS" -lt 3500
check_match "b2. says the change may have been made, and the request id to repeat" "slow-b2" "$ERR"
check_match "b2. and the command that repeats it" "sitemark case act $SITE [a-z-]+ \.\.\. --request-id slow-b2" "$ERR"
check_nomatch "b2. does not claim that nothing was written" "未写入任何内容|没有写入" "$ERR"
check_true "b2. Chinese words ($ERR)" "$(has_cjk "$ERR")" -gt 10
# the late COMMIT reaches the leader 4 s after it was sent
while [ $((($(date +%s%N) - t0) / 1000000)) -lt $((B2_MS + 500)) ]; do sleep 0.1; done
slow "$L" delay_ms=0
after_slow b2 slow-b2

# b3. The transaction's first request (its BEGIN, with the first read)
# 3 s late: nothing was committed, and the message says so.
n0=$(audit_rows "$SITE")
step
slow "$L" only=client match=BEGIN delay_ms=3000
t0=$(date +%s%N)
ms zh "$T/short.yaml" "${act[@]}" --request-id slow-b3
echo "# b3. a transition whose BEGIN is 3 s late, store.timeout 2 s: $MS ms: $ERR"
check_eq "b3. refused (exit 1)" 1 "$RC"
check_true "b3. within the timeout and a margin (< 3500 ms: $MS ms)" "$MS" -lt 3500
check_match "b3. says the change was not made" "未做更改" "$ERR"
while [ $((($(date +%s%N) - t0) / 1000000)) -lt 3500 ]; do sleep 0.1; done
slow "$L" delay_ms=0
check_eq "b3. nothing was written" "$n0" "$(audit_rows "$SITE")"
after_slow b3 slow-b3

# b4. The console: a decision whose COMMIT is late (store.timeout 2 s)
# says that it may have been made and how to tell (R reads the case
# again); once the COMMIT lands, the case has moved on exactly once, and
# the same decision again is refused, not made twice.
MARK2=$(sm --as lib-op case new mark --values "$VALUES/mark-own.yaml") || die "case new mark"
sm --as lib-op case act "$MARK2" submit >/dev/null || die "submit the mark case"
n0=$(audit_rows "$MARK2")
tmux_start
cmd=$(printf 'env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN TERM=screen HOME=%q SITEMARK_NOW=%q SITEMARK_DATADIR=%q SITEMARK_LOCALEDIR=%q %q --config %q --as fz-rev1; echo $? >%q' \
    "$HOME" "$SITEMARK_NOW" "$SITEMARK_DATADIR" "$SITEMARK_LOCALEDIR" "$SITEMARK" "$T/short.yaml" "$T/exit")
TM respawn-pane -k -t "$PANE" "$cmd" || die "tmux respawn-pane"
wait_match "b4. the console opens" "^sitemark \| .* \| 主菜单" || die "the console did not open"
keys 1
wait_match "b4. the office's queue" "^[> ][0-9]+ " || die "no queue"
for _ in 1 2 3 4 5; do
	screen_text | grep -qE "^>$MARK2 " && break
	keys Down
	sleep 0.3
done
wait_match "b4. the mark case under the cursor" "^>$MARK2 "
slow "$L" only=client match=COMMIT delay_ms=4000
t0=$(date +%s%N)
keys a
wait_for "b4. approving asks first" "(y/n)"
keys y
wait_for "b4. the console says the decision may have been made, and how to tell" "按 R" 8
check_match "b4. that it may have been made" "可能已经生效" "$(screen_text)"
check_nomatch "b4. not the command line's advice" "--request-id" "$(screen_text)"
while [ $((($(date +%s%N) - t0) / 1000000)) -lt 4500 ]; do sleep 0.1; done
slow "$L" delay_ms=0
check_eq "b4. the late COMMIT landed: moved once" "conac_review $((n0 + 1))" \
    "$(state_of "$MARK2") $(audit_rows "$MARK2")"
keys R
sleep 1.5
check_nomatch "b4. R: the case is no longer in the queue" "^[> ]$MARK2 " "$(screen_text)"
check_eq "b4. still moved once" "$((n0 + 1))" "$(audit_rows "$MARK2")"
leave

# ================================================================ d. Raft's traffic to a follower slow

# The leader's Raft messages to follower F 150 ms late (F's relay slows
# the connections whose first request is CONNECT): the leader and G are a
# quorum without it, and a commit waits for neither F nor the relay.  To
# show that the relay's delay reaches Raft, a control with both followers
# slowed: there every commit waits 150 ms more.  The three are measured in
# turns, so that the machine's load weighs on each alike.
: >"$T/d.base"
: >"$T/d.one"
: >"$T/d.both"
for _ in 1 2 3 4 5 6 7; do
	slow "$F" delay_ms=0
	slow "$G" delay_ms=0
	sample "$CONF" "$T/d.base" || break
	slow "$F" only=raft delay_ms=150
	sample "$CONF" "$T/d.one" || break
	slow "$G" only=raft delay_ms=150
	sample "$CONF" "$T/d.both" || break
done
base=$(median <"$T/d.base") one=$(median <"$T/d.one") both=$(median <"$T/d.both")
echo "# d. transitions (medians): $base ms; with Raft to node $F 150 ms slow: $one ms; to both followers: $both ms"
check_true "d. with one follower slow, near the usual latency ($one ms < $base + 75 ms)" "$one" -lt $((base + 75))
check_true "d. with both slow, every commit waits ($both ms > $base + 75 ms)" "$both" -gt $((base + 75))
check_eq "d. the leader stayed" "${ADDRS[$L]}" "$(sm store status --json | jq -r .leader)"
check_match "d. Raft's connections to node $F passed its relay" "a raft connection" "$(cat "$T/slow$F.log")"
slow "$G" delay_ms=0
slow "$F" delay_ms=0
wait_voters 3 || fail "d. three voters after"
expect_ok "the audit chain verifies at the end" sm --as aud audit verify
check_eq "audit records = transitions at the end" "$(version_of "$SITE")" "$(audit_rows "$SITE")"

for i in 1 2 3; do stop_node "$i" TERM; done
for i in 1 2 3; do
	kill -TERM "${RELAY_PID[$i]}" 2>/dev/null
	wait "${RELAY_PID[$i]}" 2>/dev/null
done
finish
