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
DQ_CLUSTER=a

CONF=$T/sitemark.yaml
dq_conf "$CONF" 10
# q and db_fingerprint (tests/lib.sh) read the cluster through tests/dq_sql
DB="dqlite:${ADDRS[1]},${ADDRS[2]},${ADDRS[3]};timeout=10000"
DQ_SQL=${DQ_SQL:-$top_builddir/tests/dq_sql}
[ -x "$DQ_SQL" ] || skip "no tests/dq_sql at $DQ_SQL (make tests/dq_sql)"

sm() {
	"$SITEMARK" --config "$CONF" "$@"
}

state_of() {
	sm --as conac1 case show "$1" --json | jq -r .state
}

audit_count() {
	sm --as aud audit show --json | jq length
}

audit_count_of() {
	"$SITEMARK" --config "$1" --as aud audit show --json | jq length
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
check_eq "--json: every node answers itself" "true true true" \
    "$(jq -r '[.nodes[].reachable] | map(tostring) | join(" ")' <<<"$OUT")"
check_eq "--json: each names the leader" 3 \
    "$(jq -r '. as $s | [.nodes[] | select(.names_leader == $s.leader and .answer_us >= 0)] | length' <<<"$OUT")"
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
	expect_ok "round $round: store status with node $k down" sm store status
	check_match "round $round: node $k, down, is still a voter, said not to answer" \
	    "^node $k  $old  voter  not answering: .*$old" "$OUT"
	check_eq "round $round: the two others answer" 2 "$(grep -c '^node [0-9].*  up, [0-9.]* ms$' <<<"$OUT")"
	run sm store status --json
	check_eq "round $round: --json: node $k unreachable, with why" "false true" \
	    "$(jq -r --arg a "$old" '.nodes[] | select(.address == $a) | "\(.reachable) \(.error | length > 0)"' <<<"$OUT")"
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
t0=$(date +%s%N)
expect_ok "store status with node $k stopped" sm store status
t1=$(date +%s%N)
check_match "the stopped node does not answer in time" "^node $k  $old  voter  not answering: .*did not answer within 2000 ms" "$OUT"
check_true "store status waits for it 2 s at most ($(((t1 - t0) / 1000000)) ms in all)" "$(((t1 - t0) / 1000000))" -lt 5000
kill -CONT "${NODE_PID[$k]}"
wait_voters 3 || fail "the stopped node comes back (SIGCONT)"
next_step
expect_ok "a transition after SIGCONT" sm "${act[@]}"
check_eq "the case moved on again" "$want" "$(state_of "$SITE")"
expect_ok "the audit chain verifies after the failover" sm --as aud audit verify
check_match "no audit.anchors on a cluster: it says anchors go to syslog only" \
    "anchors: no file .*audit.anchors.*syslog only" "$OUT"

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

# ================================================================ writers under failover

# WRITERS writers each drive their own .政务 domain case back and forth
# (submit by org-op, reject by an office reviewer): WRITES transitions each
# under request ids w<W>-<I>, and halfway each approves (CONAC) a mark case
# of its own that waits in CONAC review, issuing a mark.  Meanwhile the
# leader is killed with SIGKILL KILLS times (each time started again and
# waited for as a voter) and stopped with SIGSTOP STOPS times (SIGCONT
# after 2 s).  A writer whose command fails (no leader within the store's
# timeout) sends the same request again.  Afterwards every acknowledged
# transition is in the audit exactly once (by its request id), every case's
# audit records are its transitions, no mark code is there twice, the chain
# verifies and the three nodes are voters.  DQLITE_FULL=1: 8 x 1000, 5
# kills, 2 stops; DQLITE_WRITERS, DQLITE_WRITES, DQLITE_KILLS, DQLITE_STOPS
# one by one.
# DQLITE_PAUSE: seconds between one fault's end and the next (spread over
# the full run).
if [ -n "${DQLITE_FULL:-}" ]; then
	WRITERS=${DQLITE_WRITERS:-8} WRITES=${DQLITE_WRITES:-1000} KILLS=${DQLITE_KILLS:-5} STOPS=${DQLITE_STOPS:-2}
	PAUSE=${DQLITE_PAUSE:-10}
else
	WRITERS=${DQLITE_WRITERS:-8} WRITES=${DQLITE_WRITES:-60} KILLS=${DQLITE_KILLS:-2} STOPS=${DQLITE_STOPS:-1}
	PAUSE=${DQLITE_PAUSE:-0.5}
fi
echo "# $WRITERS writers x $WRITES transitions, $KILLS kills and $STOPS stops of the leader"
declare -a WCASE WMARK
for w in $(seq 1 "$WRITERS"); do
	printf 'name: 福州市测试%s\nusage: 测试。\n' "$w" >"$T/wdom$w.yaml"
	WCASE[$w]=$(sm --as org-op case new domain --values "$T/wdom$w.yaml") &&
	    sm --as org-op case act "${WCASE[$w]}" submit >/dev/null || die "writer $w's case"
	printf 'name: 福州市图书馆分馆%s\nusage: 测试。\n' "$w" >"$T/wgy$w.yaml"
	d=$(register_domain lib-op "$T/wgy$w.yaml") || die "writer $w's .公益 domain"
	dom=$(sm --as conac1 case show "$d" --json | jq -r .domain)
	sed "s/^domain: .*/domain: $dom/" "$VALUES/mark-own.yaml" >"$T/wmark$w.yaml"
	WMARK[$w]=$(sm --as lib-op case new mark --values "$T/wmark$w.yaml") &&
	    sm --as lib-op case act "${WMARK[$w]}" submit >/dev/null &&
	    sm --as fz-rev1 case act "${WMARK[$w]}" approve >/dev/null || die "writer $w's mark case"
done
marks0=$(q "select count(*) from marks")
audit0=$(audit_count)

# writer W: its transitions; acknowledged request ids in $T/acked.W
writer() {
	local w=$1 i rid tries args
	: >"$T/acked.$w"
	for i in $(seq 1 "$WRITES"); do
		if [ $((i % 2)) -eq 1 ]; then
			args=(--as "fz-rev$(((w - 1) % 6 + 1))" case act "${WCASE[$w]}" reject --values "$VALUES/reject.yaml")
		else
			args=(--as org-op case act "${WCASE[$w]}" submit)
		fi
		rid=w$w-$i
		tries=0
		until sm "${args[@]}" --request-id "$rid" >/dev/null 2>>"$T/writer.$w.err"; do
			tries=$((tries + 1))
			if [ "$tries" -ge 30 ]; then
				echo "writer $w: $rid not acknowledged after $tries tries" >>"$T/writer.$w.err"
				return 1
			fi
			sleep 0.2
		done
		echo "$rid" >>"$T/acked.$w"
		if [ "$i" -eq $((WRITES / 2)) ]; then
			rid=w$w-mark
			tries=0
			until sm --as conac1 case act "${WMARK[$w]}" approve --request-id "$rid" >/dev/null \
			    2>>"$T/writer.$w.err"; do
				tries=$((tries + 1))
				[ "$tries" -ge 30 ] && return 1
				sleep 0.2
			done
			echo "$rid" >>"$T/acked.$w"
		fi
	done
}

# the killer: KILLS SIGKILLs of the leader, then STOPS SIGSTOPs, while
# the writers write (the first after a second of writing)
killer() {
	local k old n
	sleep 1
	for k in $(seq 1 "$KILLS"); do
		old=$(leader) && n=$(node_of "$old") && [ -n "$n" ] || { echo "kill $k: no leader" >>"$T/killer.log"; continue; }
		kill -9 "${NODE_PID[$n]}"
		echo "kill $k: node $n ($old) SIGKILL at $(date +%T.%N)" >>"$T/killer.log"
		sleep 0.5
		start_node "$n"
		wait_voters 3 || echo "kill $k: node $n did not come back as a voter" >>"$T/killer.log"
		sleep "$PAUSE"
	done
	for k in $(seq 1 "$STOPS"); do
		old=$(leader) && n=$(node_of "$old") && [ -n "$n" ] || { echo "stop $k: no leader" >>"$T/killer.log"; continue; }
		kill -STOP "${NODE_PID[$n]}"
		echo "stop $k: node $n ($old) SIGSTOP at $(date +%T.%N)" >>"$T/killer.log"
		sleep 2
		kill -CONT "${NODE_PID[$n]}"
		wait_voters 3 || echo "stop $k: node $n did not come back as a voter" >>"$T/killer.log"
		sleep "$PAUSE"
	done
	# the pids of the nodes started again, for the test's shell to stop
	for n in 1 2 3; do
		echo "$n ${NODE_PID[$n]}"
	done >"$T/killer.pids"
}

t0=$(date +%s%N)
wpids=()
for w in $(seq 1 "$WRITERS"); do
	writer "$w" &
	wpids+=($!)
done
killer &
kpid=$!
wfail=0
for p in "${wpids[@]}"; do
	wait "$p" || wfail=$((wfail + 1))
done
wait "$kpid"
t1=$(date +%s%N)
# the killer ran in a subshell: the nodes it started are its children's
while read -r n p; do
	NODE_PID[$n]=$p
	BG_PIDS="$BG_PIDS $p"
done <"$T/killer.pids"
cat "$T/killer.log"
acked=$(cat "$T"/acked.* | wc -l)
echo "# $acked acknowledged transitions in $(((t1 - t0) / 1000000)) ms"
check_eq "every writer's transitions were acknowledged" 0 "$wfail" || cat "$T"/writer.*.err | tail -20
check_eq "the killer killed $KILLS times and stopped $STOPS times" "$((KILLS + STOPS))" \
    "$(grep -c 'SIG' "$T/killer.log")"
check_nomatch "the killed and stopped nodes came back as voters" "did not come back|no leader" \
    "$(cat "$T/killer.log")"
wait_voters 3 || fail "three voters at the end"
check_eq "at the end: three voters" "voter voter voter" \
    "$(sm store status --json | jq -r '[.nodes[].role] | join(" ")')"
check_eq "every acknowledged request id is in the audit exactly once" "" \
    "$(cat "$T"/acked.* | sort | comm -3 - <(q "select request_id from audit where request_id like 'w%' order by request_id" | sort))"
check_eq "no request id twice in the audit" "" \
    "$(q "select request_id from audit where request_id is not null group by request_id having count(*) > 1")"
check_eq "audit records = transitions" "$((audit0 + acked))" "$(audit_count)"
check_eq "every case's audit records = its version" "" \
    "$(q "select c.id from cases c where c.version != (select count(*) from audit a where a.object = 'case' and a.object_id = c.id)")"
check_eq "every writer's case ended where its last transition left it" "$WRITERS" \
    "$(q "select count(*) from cases where id in ($(IFS=,; echo "${WCASE[*]}")) and state = '$([ $((WRITES % 2)) -eq 0 ] && echo office_review || echo returned)' and version = $((WRITES + 2))")"
check_eq "a mark for each writer" "$((marks0 + WRITERS))" "$(q "select count(*) from marks")"
check_eq "no mark code twice" "" "$(q "select code from marks group by code having count(*) > 1")"
check_eq "no certificate number twice" "" "$(q "select cert_no from marks group by cert_no having count(*) > 1")"
expect_ok "the audit chain verifies after the writers' failover" sm --as aud audit verify

# ================================================================ backup

expect_ok "backup of the cluster (the leader's dump)" sm backup "$T/copy.db"
check_match "the copy verified" "verified" "$OUT"
check_true "no write-ahead log left beside the copy" ! -e "$T/copy.db-wal"
expect_ok "the copy restored into a local file" "$SITEMARK" --db "$T/restored.db" restore "$T/copy.db"
check_eq "the local file has the cluster's audit records" "$(audit_count)" \
    "$("$SITEMARK" --db "$T/restored.db" --as aud audit show --json | jq length)"
check_eq "and its cases" "$(state_of "$SITE")" \
    "$("$SITEMARK" --db "$T/restored.db" --as conac1 case show "$SITE" --json | jq -r .state)"

# ================================================================ restore into a new cluster

# A second cluster of three nodes on empty data directories (DQ_DIR), the
# backup restored into it through its configuration: the same audit
# records and cases, the chain verifies; restoring again is refused (it
# holds a database now) and leaves it as it was.
declare -A A_PID A_ADDRS
for i in 1 2 3; do
	A_PID[$i]=${NODE_PID[$i]} A_ADDRS[$i]=${ADDRS[$i]}
done
DQ_DIR=$T/b DQ_CLUSTER=b
mkdir -p "$DQ_DIR"
dq_ports
start_node 1
sleep 0.2
start_node 2
start_node 3
dq_conf "$T/b.yaml" 10
smb() { "$SITEMARK" --config "$T/b.yaml" "$@"; }
sm() { smb "$@"; } # wait_voters asks the new cluster
wait_voters 3 || die "the new cluster forms" "$(cat "$DQ_DIR"/node*.log)"
expect_ok "the backup restored into a new cluster" smb restore "$T/copy.db"
check_match "restore says it verified" "verified" "$OUT"
check_eq "the new cluster has the old one's audit records" "$(audit_count_of "$CONF")" \
    "$(smb --as aud audit show --json | jq length)"
check_eq "and its cases" "$("$SITEMARK" --config "$CONF" --as conac1 case show "$SITE" --json | jq -r .state)" \
    "$(smb --as conac1 case show "$SITE" --json | jq -r .state)"
check_eq "and its marks" "$("$DQ_SQL" "$DB" "select group_concat(code) from (select code from marks order by code)")" \
    "$("$DQ_SQL" "dqlite:${ADDRS[1]}" "select group_concat(code) from (select code from marks order by code)")"
expect_ok "the chain verifies on the new cluster" smb --as aud audit verify
before=$(db_fingerprint "dqlite:${ADDRS[1]},${ADDRS[2]},${ADDRS[3]}")
run smb restore "$T/copy.db"
check_eq "restoring into a cluster with a database: exit 1" 1 "$RC"
check_match "restoring into a cluster with a database: says what to do" "already holds a database.*new cluster" "$ERR"
check_eq "restoring into a cluster with a database: nothing touched" "$before" \
    "$(db_fingerprint "dqlite:${ADDRS[1]},${ADDRS[2]},${ADDRS[3]}")"
check_true "no local file named after the cluster" -z "$(ls "$PWD" | grep '^dqlite:' || true)"
# A restore that did not finish (a cluster that lost its majority midway):
# it marked the cluster first (application_id "SMK0", sitemark's own
# "SMK1" set last), and sitemark says what happened and what to do, not
# that it is another program's database.
dq_renew
"$DQ_SQL" "dqlite:${ADDRS[1]}" "PRAGMA application_id = $((0x534d4b30))" >/dev/null
"$DQ_SQL" "dqlite:${ADDRS[1]}" "CREATE TABLE offices(code TEXT)" >/dev/null
run smb --as conac1 case list
check_eq "a restore that did not finish: refused (exit 1)" 1 "$RC"
check_match "a restore that did not finish: says so, and what to do" \
    "restore that did not finish: start a new cluster on empty node.data_dir" "$ERR"
check_nomatch "a restore that did not finish: not another program's" "another program" "$ERR"
run smb restore "$T/copy.db"
check_match "restoring into it again: the same advice" "restore that did not finish" "$ERR"
for i in 1 2 3; do stop_node "$i" 9; done

# A node given another node's or another cluster's data refuses to start
# (node.data_dir/sitemark-node.member) and says what to do.
node_refused() { # DESC ERE ID ADDRESS DATA_DIR CLUSTER
	printf 'node:\n  id: %s\n  address: %s\n  data_dir: %s\n  cluster: %s\n  join: [%s]\n' \
	    "$3" "$4" "$5" "$6" "${A_ADDRS[1]}" >"$T/wrong.yaml"
	run timeout 10 "$NODE" --stderr --config "$T/wrong.yaml"
	check_eq "$1: refused (exit 1)" 1 "$RC"
	check_match "$1: says whose data it is and what to do" "$2" "$ERR"
}
node_refused "node 3 of the first cluster on the second's node 3 data" \
    "holds the data of node 3 at ${ADDRS[3]}, not of node 3 at ${A_ADDRS[3]}.*point node.data_dir" \
    3 "${A_ADDRS[3]}" "$DQ_DIR/node3" a
node_refused "the second cluster's node 3 named as the first cluster's" \
    "holds the data of cluster 'b', not of 'a' \(node.cluster\).*empty directory" \
    3 "${ADDRS[3]}" "$DQ_DIR/node3" a
check_match "a node's member file records it" "^cluster b$" "$(cat "$DQ_DIR/node3/sitemark-node.member")"
# A node whose address another process listens at: refused, saying so,
# and its directory left as it was (no member file: the right address
# later is not refused as another node's)
mkdir -p "$T/busy"
printf 'node:\n  id: 4\n  address: %s\n  data_dir: %s/busy\n' "${A_ADDRS[1]}" "$T" >"$T/busy.yaml"
run timeout 10 "$NODE" --stderr --config "$T/busy.yaml"
check_eq "a node on a port taken: refused (exit 1)" 1 "$RC"
check_match "a node on a port taken: says why" "cannot listen at ${A_ADDRS[1]}: .*another process listens there" "$ERR"
check_true "a node on a port taken: no member file written" ! -e "$T/busy/sitemark-node.member"
# A node other than 1 on empty data and without node.join is in no
# cluster (dqlite founds one only of node 1): it runs, and says so
dq_free_ports 1
mkdir -p "$T/lone"
printf 'node:\n  id: 4\n  address: 127.0.0.1:%s\n  data_dir: %s/lone\n' "${FREE[0]}" "$T" >"$T/lone.yaml"
"$NODE" --stderr --config "$T/lone.yaml" 2>"$T/lone.err" &
LONE=$!
for _ in $(seq 1 100); do
	grep -q "listens at" "$T/lone.err" && break
	sleep 0.05
done
kill -TERM "$LONE"
wait "$LONE" 2>/dev/null || true
check_match "a node without node.join: says it is in no cluster and what to set" \
    "node 4 has no data and no node.join: it is in no cluster.*set node.join" "$(cat "$T/lone.err")"
check_nomatch "nodes with node.join and node 1: no such warning" "no node.join" \
    "$(cat "$T"/node[123].log)"
# back to the first cluster
unset DQ_DIR
DQ_CLUSTER=a
for i in 1 2 3; do
	NODE_PID[$i]=${A_PID[$i]} ADDRS[$i]=${A_ADDRS[$i]}
done
sm() { "$SITEMARK" --config "$CONF" "$@"; }

# ================================================================ faults

# timed DESC MAX_MS CMD...: run CMD; it must fail (exit 1) with a message
# naming the cluster, within MAX_MS.
timed_refusal() {
	local desc=$1 max=$2 t0 t1
	shift 2
	t0=$(date +%s%N)
	run "$@"
	t1=$(date +%s%N)
	echo "# $desc: $(((t1 - t0) / 1000000)) ms"
	check_eq "$desc: exit 1" 1 "$RC"
	check_match "$desc: a clear message" "cannot reach the sitemark cluster|no leader" "$ERR"
	check_true "$desc: within ${max} ms" "$(((t1 - t0) / 1000000))" -lt "$max"
}
dq_conf "$T/short.yaml" 2
n_audit=$(audit_count)
site_state=$(state_of "$SITE")
next_step

# No quorum: two of the three nodes killed.
old=$(leader)
k=$(node_of "$old")
o=$((k % 3 + 1))
stop_node "$k" 9
stop_node "$o" 9
# the survivor may have become the leader meanwhile (an election between
# the look-up and the kills, on a loaded machine): a leader steps down
# once it has not heard from a majority for an election timeout (15 x
# node.latency_ms); until then a write is sent to it and its COMMIT is
# unsure, which is tests/dqlite_slow.sh's case, not this one's
sleep 1
timed_refusal "no quorum (two of three nodes killed)" 2800 "$SITEMARK" --config "$T/short.yaml" "${act[@]}"
run "$SITEMARK" --config "$T/short.yaml" store status
check_eq "no quorum: store status exits 1" 1 "$RC"
check_match "no quorum: store status says no leader was found" "^leader: none found" "$OUT"
check_eq "no quorum: the two killed nodes do not answer" 2 "$(grep -c '^node ?  .*  role unknown  not answering: ' <<<"$OUT")"
check_match "no quorum: the survivor answers, knowing no leader" "^node \?  .*  up, [0-9.]+ ms, knows no leader" "$OUT"
check_match "no quorum: and why on standard error" "cannot reach the sitemark cluster" "$ERR"
start_node "$k"
start_node "$o"
wait_voters 3 || die "the nodes come back" "$(tail -5 "$T"/node*.log)"
# the nodes back may hold another election right after (a read then says
# so, clearly): what was written is read once the cluster answers
settled_state() {
	local s
	for _ in $(seq 1 20); do
		if s=$(sm --as conac1 case show "$1" --json 2>"$T/settled.err" | jq -re .state); then
			echo "$s"
			return 0
		fi
		echo "# a read right after the nodes came back: $(cat "$T/settled.err")" >&2
		sleep 0.2
	done
}
check_eq "no quorum: nothing written" "$n_audit $site_state" "$(audit_count) $(settled_state "$SITE")"

# Every node stopped (SIGSTOP): connections open, nobody answers.
for i in 1 2 3; do kill -STOP "${NODE_PID[$i]}"; done
timed_refusal "every node stopped (SIGSTOP)" 2800 "$SITEMARK" --config "$T/short.yaml" "${act[@]}"
for i in 1 2 3; do kill -CONT "${NODE_PID[$i]}"; done
wait_voters 3 || die "the nodes answer again (SIGCONT)"
check_eq "every node stopped: nothing written" "$n_audit $site_state" "$(audit_count) $(settled_state "$SITE")"
expect_ok "and the transition goes through after SIGCONT" sm "${act[@]}"
check_eq "the case moved on once" "$((n_audit + 1)) $want" "$(audit_count) $(state_of "$SITE")"

# A database of a newer schema on the cluster: refused, nothing touched.
v=$(q "PRAGMA user_version")
q "PRAGMA user_version = 99" || fail "setting user_version 99 on the cluster"
before=$(db_fingerprint)
run sm --as conac1 case list
check_eq "a newer schema on the cluster: exit 1" 1 "$RC"
check_match "a newer schema on the cluster: says to upgrade" "newer sitemark \(schema 99.*upgrade sitemark" "$ERR"
run sm init
check_match "a newer schema on the cluster: init refuses too" "newer sitemark \(schema 99" "$ERR"
check_eq "a newer schema on the cluster: nothing touched" "$before" "$(db_fingerprint)"
q "PRAGMA user_version = $v"
expect_ok "back at schema $v it works" sm --as conac1 case list

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
