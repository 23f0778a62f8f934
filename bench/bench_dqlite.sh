#!/usr/bin/env bash
# bench_dqlite.sh - make bench-dqlite: the networked store against the local
# file, in the same run.
#
# Starts three sitemark-node processes on 127.0.0.1 (free ports, data in a
# temporary directory, stopped by their pids on exit), builds the same small
# world on the cluster and in a local file (offices, reviewers, a unit with
# its registered domain, a site case), then bench/bench_dqlite takes the
# site case round (submit, approve, return) BENCH_CYCLES times (default 200)
# on each: latency p50/p99 of a transition, transitions per second, round
# trips per transition.  In the same turns, the floor under a transition on
# the cluster: dqlite alone, the smallest transaction of the same shape
# (BEGIN and a read, then an UPDATE and the COMMIT: two round trips) in a
# database of its own; and the CPU time the nodes spent per transaction
# (bench_dqlite.c says how both are measured).  Last, the leader is killed with SIGKILL and the
# time until the next transition goes through is printed (a whole sitemark
# command: about 15 ms of it is the program starting), BENCH_KILLS times
# (default 3).  It prints numbers and fails nothing but itself.
#
# With BENCH_QUEUE_DB=FILE (a database of make bench's bench_store: 1,000,000
# cases in /tmp/sitemark-bench/bench.db once make bench has run), FILE is
# restored into a second, new three-node cluster (the time is printed) and
# an office's queue page (case list --queue, as the median office's
# reviewer) is timed BENCH_QUEUE_RUNS times (default 20) on a copy of the
# file (brought up to the current schema; FILE itself is only read) and on
# the cluster, alternating: each a whole sitemark command.  That cluster's
# node.latency_ms is BENCH_QUEUE_LATENCY (default 400).
#
# Put TMPDIR on a real disk: on tmpfs fsync costs nothing.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
SITEMARK=$builddir/sitemark
NODE=$builddir/sitemark-node
for f in "$SITEMARK" "$NODE" "$builddir/bench/bench_dqlite"; do
	if [ ! -x "$f" ]; then
		echo "bench_dqlite.sh: $f is missing: run 'make bench-dqlite' from the build directory" >&2
		exit 1
	fi
done
SITEMARK_DATADIR=${SITEMARK_DATADIR:-$srcdir}
export SITEMARK_DATADIR
unset SITEMARK_DB SITEMARK_NOW SITEMARK_CONFIG XDG_CONFIG_HOME || true
VALUES=$srcdir/tests/values

T=$(mktemp -d "${TMPDIR:-/tmp}/sitemark-bench-dqlite.XXXXXX")
BG_PIDS=
cleanup() {
	for p in $BG_PIDS; do
		kill -9 "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CONF=$T/sitemark.yaml
sm() {
	"$SITEMARK" --config "$CONF" "$@"
}
# shellcheck source=../tests/lib_dqlite.sh
. "$srcdir/tests/lib_dqlite.sh"

dq_ports
dq_conf "$CONF" 10
start_node 1
sleep 0.3
start_node 2
start_node 3
wait_voters 3 || { echo "bench_dqlite.sh: the cluster did not form" >&2; cat "$T"/node*.log >&2; exit 1; }

# world ARGS...: the same world through sitemark ARGS (--db FILE or --config FILE).
world() {
	local s=("$SITEMARK" "$@")
	"${s[@]}" init >/dev/null
	"${s[@]}" user add sec --role secadmin >/dev/null
	"${s[@]}" office add 350100 --name 中共福州市委机构编制委员会办公室 >/dev/null
	for u in "fz-rev1 office --office 350100" "conac1 conac" "conac2 conac"; do
		set -- $u
		"${s[@]}" user add "$1" --role "$2" "${@:3}" >/dev/null
		"${s[@]}" --as sec user role "$1" "$2" >/dev/null
	done
	"${s[@]}" unit register --values "$VALUES/unit-organ-fj.yaml" --login org-op >/dev/null
	"${s[@]}" --as sec user role org-op unit >/dev/null
	local d
	d=$("${s[@]}" --as org-op case new domain --values "$VALUES/domain.yaml")
	"${s[@]}" --as org-op case act "$d" submit >/dev/null
	"${s[@]}" --as fz-rev1 case act "$d" approve >/dev/null
	"${s[@]}" --as conac1 case act "$d" approve >/dev/null
	"${s[@]}" --as conac2 case act "$d" confirm-payment --values "$VALUES/confirm-payment.yaml" >/dev/null
	"${s[@]}" --as org-op case new site --values "$VALUES/site-own.yaml"
}
local_case=$(world --db "$T/local.db")
cluster_case=$(world --config "$CONF")

echo "bench: transitions, ${BENCH_CYCLES:-200} cycles of submit/approve/return on each backend (data in $T)"
BENCH_NODES="${ADDRS[1]},${ADDRS[2]},${ADDRS[3]}" BENCH_NODE_PIDS="${NODE_PID[1]} ${NODE_PID[2]} ${NODE_PID[3]}" \
    "$builddir/bench/bench_dqlite" "${BENCH_CYCLES:-200}" "$T/local.db" "$local_case" "$CONF" "$cluster_case"

for k in $(seq 1 "${BENCH_KILLS:-3}"); do
	case $(sm --as conac1 case show "$cluster_case" --json | jq -r .state) in
	returned) act=(--as org-op case act "$cluster_case" submit) ;;
	office_review) act=(--as fz-rev1 case act "$cluster_case" approve) ;;
	*) act=(--as conac1 case act "$cluster_case" reject --values "$VALUES/reject.yaml") ;;
	esac
	n=$(node_of "$(leader)")
	stop_node "$n" 9
	t0=$(date +%s%N)
	sm "${act[@]}" >/dev/null
	t1=$(date +%s%N)
	echo "bench: leader (node $n) killed: the next transition went through after $(((t1 - t0) / 1000000)) ms"
	start_node "$n"
	wait_voters 3
	wait_node "$n" # else the next kill may leave two nodes, one still loading
done

# A console host on a slow link: a second cluster whose nodes are reached
# through relays (tests/slowproxy.py) that delay sitemark's traffic by
# BENCH_LINK_MS each way (default 10: a round trip of 20 ms; 0: not run),
# Raft's not; BENCH_LINK_CYCLES cycles (default 20).  A transition pays its
# round trips there, the write lock held through all but the first.
BENCH_LINK_MS=${BENCH_LINK_MS:-10}
if [ "$BENCH_LINK_MS" -gt 0 ]; then
	mkdir -p "$T/s"
	dq_free_ports 6
	lp=("${FREE[@]}")
	SADDRS=() BIND=()
	echo "delay_ms=0" >"$T/s/link.conf"
	relays=()
	for i in 1 2 3; do
		SADDRS[$i]=127.0.0.1:${lp[$((i - 1))]} # advertised: the relay
		BIND[$i]=127.0.0.1:${lp[$((i + 2))]}   # the node
		relays+=("${lp[$((i - 1))]}:${lp[$((i + 2))]}")
	done
	python3 "$srcdir/tests/slowproxy.py" "$T/s/link.conf" "$T/s/link.ready" "${relays[@]}" \
	    2>>"$T/s/link.log" &
	LINK_PID=$!
	BG_PIDS="$BG_PIDS $LINK_PID"
	timeout 5 bash -c "until [ -s '$T/s/link.ready' ]; do sleep 0.05; done" ||
	    { echo "bench_dqlite.sh: the relays did not start: $(cat "$T/s/link.log")" >&2; exit 1; }
	MAIN_ADDRS=("" "${ADDRS[1]}" "${ADDRS[2]}" "${ADDRS[3]}") CONF_SAVED=$CONF
	ADDRS=("" "${SADDRS[1]}" "${SADDRS[2]}" "${SADDRS[3]}")
	CONF=$T/s/sitemark.yaml
	dq_conf "$CONF" 10
	DQ_DIR=$T/s start_node 1
	sleep 0.3
	DQ_DIR=$T/s start_node 2
	DQ_DIR=$T/s start_node 3
	wait_voters 3 || { echo "bench_dqlite.sh: the cluster behind the relays did not form" >&2; exit 1; }
	link_case=$(world --config "$CONF")
	printf 'delay_ms=%s\nonly=client\n' "$BENCH_LINK_MS" >"$T/s/link.conf"
	kill -HUP "$LINK_PID"
	for _ in $(seq 1 100); do
		[ "$(cat "$T/s/link.ready" 2>/dev/null)" = "ready 2" ] && break
		sleep 0.02
	done
	echo "bench: a console host on a slow link, $((2 * BENCH_LINK_MS)) ms a round trip, ${BENCH_LINK_CYCLES:-20} cycles"
	BENCH_CLUSTER_LABEL="dqlite, slow" BENCH_FLOOR_LABEL="alone, slow" BENCH_NODES="${ADDRS[1]},${ADDRS[2]},${ADDRS[3]}" \
	    "$builddir/bench/bench_dqlite" "${BENCH_LINK_CYCLES:-20}" \
	    "$T/local.db" "$local_case" "$CONF" "$link_case" | grep -v '^local file'
	# whole commands there: each finds the leader (a connection and a
	# question to every node at once), opens its session and logs in,
	# then reads: median of BENCH_LINK_RUNS (default 9) of each
	for what in "show $link_case" "list --queue"; do
		ts=()
		for _ in $(seq 1 "${BENCH_LINK_RUNS:-9}"); do
			t0=$(date +%s%N)
			# shellcheck disable=SC2086 # the words of WHAT
			sm --as fz-rev1 case $what >/dev/null
			t1=$(date +%s%N)
			ts+=($(((t1 - t0) / 100000)))
		done
		med=$(printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
		echo "bench: dqlite, slow: sitemark case $what, a whole command: median $((med / 10)).$((med % 10)) ms"
	done
	for i in 1 2 3; do DQ_DIR=$T/s stop_node "$i" 9; done
	kill "$LINK_PID" 2>/dev/null || true
	ADDRS=("${MAIN_ADDRS[@]}") CONF=$CONF_SAVED BIND=()
fi

if [ -n "${BENCH_QUEUE_DB:-}" ]; then
	QDB=$BENCH_QUEUE_DB
	runs=${BENCH_QUEUE_RUNS:-20}
	read -r office queue <<<"$(sqlite3 -readonly "$QDB" "SELECT o.code, (SELECT count(*) FROM cases c
	    WHERE c.office = o.code AND c.state IN ('office_review', 'paper_pending')) AS q
	    FROM offices o ORDER BY q, o.code" | awk -F'|' '{a[NR] = $1 " " $2} END {print a[int(NR / 2) + 1]}')"
	ncases=$(sqlite3 -readonly "$QDB" "SELECT count(*) FROM cases")
	# a second cluster, its own ports and directories
	mkdir -p "$T/q"
	DQ_DIR=$T/q dq_ports
	QCONF=$T/q/sitemark.yaml
	dq_conf "$QCONF" 30
	CONF_SAVED=$CONF
	CONF=$QCONF
	# elections after 6 s (node.latency_ms 400, BENCH_QUEUE_LATENCY): dqlite
	# 1.11 runs a statement on the node's Raft thread, and the restore's
	# indexes over a million cases are statements of seconds (2 to 7 s on a
	# busy machine); a leader silent longer than its election timeout may
	# lose its leadership, and the index goes again (with 20, elections
	# after 0.3 s, a restore on a busy machine failed there once, and
	# passed on a quiet one)
	lat=${BENCH_QUEUE_LATENCY:-400}
	DQ_DIR=$T/q DQ_LATENCY=$lat start_node 1
	sleep 0.3
	DQ_DIR=$T/q DQ_LATENCY=$lat start_node 2
	DQ_DIR=$T/q DQ_LATENCY=$lat start_node 3
	wait_voters 3 || { echo "bench_dqlite.sh: the second cluster did not form" >&2; exit 1; }
	# a copy with a system administrator (the generator makes none), who
	# alone may restore it
	cp "$QDB" "$T/q/queue.db"
	"$SITEMARK" --db "$T/q/queue.db" init >/dev/null # an older schema brought up to date
	sqlite3 "$T/q/queue.db" "INSERT OR IGNORE INTO users(login, role, created_at)
	    VALUES ('bench-admin', 'sysadmin', '2026-01-01T00:00:00+08:00')"
	t0=$(date +%s%N)
	sm --as bench-admin restore "$T/q/queue.db" >/dev/null
	t1=$(date +%s%N)
	echo "bench: $ncases cases restored into a new cluster in $(((t1 - t0) / 1000000)) ms"
	lt=() ct=()
	for _ in $(seq 1 "$runs"); do
		t0=$(date +%s%N)
		"$SITEMARK" --db "$T/q/queue.db" --as "rv-$office" case list --queue >/dev/null
		t1=$(date +%s%N)
		sm --as "rv-$office" case list --queue >/dev/null
		t2=$(date +%s%N)
		lt+=($(((t1 - t0) / 1000))) ct+=($(((t2 - t1) / 1000)))
	done
	med() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)] / 1000}'; }
	echo "bench: queue page of office $office ($queue cases in its queue, $ncases in all), case list --queue, median of $runs:" \
	    "local file $(med "${lt[@]}") ms, cluster $(med "${ct[@]}") ms"
	CONF=$CONF_SAVED
fi
