#!/usr/bin/env bash
# dqlite.sh - sitemark on a three-node dqlite cluster (store.backend: dqlite).
#
# Starts three sitemark-node processes on 127.0.0.1 with free ports (data in
# the test's directory, pids recorded and stopped by pid), waits for the
# cluster, runs init and the world of tests/lib.sh (two domain cases through
# to registered) over it, checks `store status`, replays a transition under
# its request id, then kills the leader with SIGKILL: the next transition
# must go through on the new leader, and nothing acknowledged be lost (the
# cases' states, the audit records, the chain).  The killed node comes back
# and rejoins.  A leader stopped with SIGSTOP is replaced within the
# store's timeout.  Six reviewers race for one case: one wins.  A backup of
# the cluster restores into a local file.
# SIGTERM on a leader hands the leadership over.
#
# SM_DQLITE_ROUNDS=N: N rounds of killing the leader (default 1), each
# followed by transitions and the node's return.

. "$(dirname "$0")/lib.sh"

NODE=${SITEMARK_NODE:-$top_builddir/sitemark-node}
[ -x "$NODE" ] || skip "no sitemark-node at $NODE"
command -v python3 >/dev/null 2>&1 || skip "python3 (to find free ports) is not installed"

SITEMARK_NOW=2026-02-13T10:00:00+08:00
export SITEMARK_NOW

. "$(dirname "$0")/lib_dqlite.sh"
dq_ports

CONF=$T/sitemark.yaml
dq_conf "$CONF" 10

sm() {
	"$SITEMARK" --config "$CONF" "$@"
}

state_of() {
	sm --as conac1 case show "$1" --json | jq -r .state
}

audit_count() {
	sm --as aud audit show --json | jq length
}

# ================================================================ the cluster

start_node 1
sleep 0.3
start_node 2
start_node 3
wait_voters 3 || die "the three nodes form a cluster" "$(cat "$T"/node*.log)"
pass "three sitemark-node processes form a cluster of three voters"

expect_ok "store status" sm store status
check_match "store status names the backend" "^backend: dqlite" "$OUT"
check_match "store status names the leader" "^leader: 127\.0\.0\.1:[0-9]+" "$OUT"
check_eq "store status lists three nodes" 3 "$(grep -c '^node [0-9]' <<<"$OUT")"
expect_ok "store status --json" sm store status --json
check_eq "--json: backend" dqlite "$(jq -r .backend <<<"$OUT")"
check_eq "--json: three voters" "voter voter voter" "$(jq -r '[.nodes[].role] | join(" ")' <<<"$OUT")"
check_eq "--json: the leader is one of them" 1 \
    "$(jq -r '. as $s | [.nodes[] | select(.address == $s.leader and .leader)] | length' <<<"$OUT")"
run "$SITEMARK" --db "$T/local.db" store status --json
check_eq "store status of a local file: sqlite" "sqlite null" "$(jq -r '"\(.backend) \(.leader)"' <<<"$OUT")"

# ================================================================ the world on it

expect_ok "init on the cluster" sm init
check_match "init reports the schema" "schema [0-9]+" "$OUT"
expect_ok "init again is harmless" sm init
make_world
pass "make_world on the cluster: offices, staff, units, two domains registered"
check_eq "the 政务 domain case is registered" registered "$(state_of "$ORG_DOMAIN_CASE")"
check_eq "the 公益 domain case is registered" registered "$(state_of "$LIB_DOMAIN_CASE")"
expect_ok "the audit chain verifies" sm --as aud audit verify

# A transition under a request id, and again: replayed, written once.
SITE=$(sm --as org-op case new site --values "$VALUES/site-own.yaml") || die "case new site"
n0=$(audit_count)
expect_ok "submit under request id R-1" sm --as org-op case act "$SITE" submit --request-id R-1
expect_ok "the same request again" sm --as org-op case act "$SITE" submit --request-id R-1
check_eq "the replay wrote nothing more" "$((n0 + 1))" "$(audit_count)"
check_eq "the site case is in office review" office_review "$(state_of "$SITE")"

# ================================================================ failover

# next_step: ACT, the next transition of the site case, and WANT, its state after.
next_step() {
	case $(state_of "$SITE") in
	office_review) act=(--as fz-rev1 case act "$SITE" approve) want=conac_review ;;
	conac_review) act=(--as conac1 case act "$SITE" reject --values "$VALUES/reject.yaml") want=returned ;;
	returned) act=(--as org-op case act "$SITE" submit) want=office_review ;;
	*) die "the site case is in a state this test does not drive" ;;
	esac
}

rounds=${SM_DQLITE_ROUNDS:-1}
for round in $(seq 1 "$rounds"); do
	before_audit=$(audit_count)
	old=$(leader)
	k=$(node_of "$old")
	[ -n "$k" ] || die "round $round: the leader $old is one of the nodes"
	next_step
	stop_node "$k" 9
	t0=$(date +%s%N)
	expect_ok "round $round: with the leader ($old) killed, a transition goes through" sm "${act[@]}"
	t1=$(date +%s%N)
	echo "# round $round: the transition took $(((t1 - t0) / 1000000)) ms after SIGKILL"
	new=$(leader)
	check_true "round $round: a new leader ($new)" "$new" != "$old"
	check_eq "round $round: the case moved on" "$want" "$(state_of "$SITE")"
	check_eq "round $round: one more audit record, none lost" "$((before_audit + 1))" "$(audit_count)"
	check_eq "round $round: the registered cases stayed" "registered registered" \
	    "$(state_of "$ORG_DOMAIN_CASE") $(state_of "$LIB_DOMAIN_CASE")"
	start_node "$k"
	wait_voters 3 || fail "round $round: node $k comes back"
	check_match "round $round: node $k is a voter again" "^node $k .* voter" "$(sm store status)"
done
# A leader that stops answering (SIGSTOP): the others elect another, and
# a transition goes through within the store's timeout, never hangs.
old=$(leader)
k=$(node_of "$old")
next_step
kill -STOP "${NODE_PID[$k]}"
t0=$(date +%s%N)
expect_ok "with the leader stopped (SIGSTOP), a transition goes through" sm "${act[@]}"
t1=$(date +%s%N)
echo "# the transition took $(((t1 - t0) / 1000000)) ms after SIGSTOP"
check_true "within the store's timeout (10 s)" "$(((t1 - t0) / 1000000))" -lt 10000
check_eq "the case moved on" "$want" "$(state_of "$SITE")"
kill -CONT "${NODE_PID[$k]}"
wait_voters 3 || fail "the stopped node comes back (SIGCONT)"
next_step
expect_ok "a transition after SIGCONT" sm "${act[@]}"
check_eq "the case moved on again" "$want" "$(state_of "$SITE")"
expect_ok "the audit chain verifies after the failover" sm --as aud audit verify

# ================================================================ a race

# Six reviewers of the office approve the same case at once: exactly one
# wins (the others are told someone acted first), one audit record.
for _ in 1 2 3; do
	[ "$(state_of "$SITE")" = office_review ] && break
	next_step
	sm "${act[@]}" >/dev/null || fail "driving the site case to office review"
done
n0=$(audit_count)
pids=()
for i in 1 2 3 4 5 6; do
	sm --as "fz-rev$i" case act "$SITE" approve >"$T/race$i.out" 2>"$T/race$i.err" &
	pids+=($!)
done
wins=0
for i in 1 2 3 4 5 6; do
	wait "${pids[$((i - 1))]}" && wins=$((wins + 1))
done
check_eq "six reviewers race: exactly one wins" 1 "$wins"
check_eq "the race wrote one audit record" "$((n0 + 1))" "$(audit_count)"
check_eq "the case is in CONAC review" conac_review "$(state_of "$SITE")"
check_match "a loser is told someone acted first" "was changed by someone else first" "$(cat "$T"/race*.err)"

# ================================================================ backup

expect_ok "backup of the cluster (the leader's dump)" sm backup "$T/copy.db"
check_match "the copy verified" "verified" "$OUT"
check_true "no write-ahead log left beside the copy" ! -e "$T/copy.db-wal"
expect_ok "the copy restored into a local file" "$SITEMARK" --db "$T/restored.db" restore "$T/copy.db"
check_eq "the local file has the cluster's audit records" "$(audit_count)" \
    "$("$SITEMARK" --db "$T/restored.db" --as aud audit show --json | jq length)"
check_eq "and its cases" "$(state_of "$SITE")" \
    "$("$SITEMARK" --db "$T/restored.db" --as conac1 case show "$SITE" --json | jq -r .state)"

# ================================================================ a clean stop

old=$(leader)
k=$(node_of "$old")
stop_node "$k" TERM
check_match "SIGTERM: the leader hands its leadership over" "handed the leadership to node" \
    "$(cat "$T/node$k.log")"
check_match "SIGTERM: the node stops" "node $k stopped" "$(cat "$T/node$k.log")"
next_step
expect_ok "a transition right after the hand-over" sm "${act[@]}"
check_eq "the site case moved on" "$want" "$(state_of "$SITE")"

for i in 1 2 3; do
	[ -n "${NODE_PID[$i]}" ] && stop_node "$i" TERM
done
dq_conf "$T/short.yaml" 1
t0=$(date +%s%N)
run "$SITEMARK" --config "$T/short.yaml" --as conac1 case show "$SITE"
t1=$(date +%s%N)
check_eq "without the cluster: exit 1" 1 "$RC"
check_match "without the cluster: a clear message" "cannot reach the sitemark cluster" "$ERR"
check_true "without the cluster: within the timeout (1 s) and a little" "$(((t1 - t0) / 1000000))" -lt 3000
finish
