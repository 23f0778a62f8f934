# tests/lib_dqlite.sh - a three-node dqlite cluster of sitemark-node on
# 127.0.0.1 (sourced by tests/dqlite.sh and bench/bench_dqlite.sh).
#
# Expects NODE (the sitemark-node program), T (a directory for the nodes'
# configurations, data and logs), BG_PIDS (the pids a trap stops) and sm
# (sitemark on the cluster's configuration).  Offers:
#
#   dq_ports                three free ports: ADDRS[1..3] (host:port)
#   start_node I            node I (1 founds the cluster, 2 and 3 join)
#   stop_node I SIGNAL      by its recorded pid (NODE_PID[I])
#   wait_voters N           until N voters and a leader (15 s at most)
#   dq_conf FILE SECONDS    a sitemark configuration of the cluster (store.*)
#   leader, node_of ADDR    the leader's host:port, a node's number

# Three free ports on 127.0.0.1: ADDRS[1..3].
dq_ports() {
	local ports
	read -r -a ports <<<"$(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
')"
	ADDRS=()
	for i in 1 2 3; do
		ADDRS[$i]=127.0.0.1:${ports[$((i - 1))]}
	done
}
declare -A NODE_PID

# dq_conf FILE SECONDS: sitemark's configuration for the cluster.
dq_conf() {
	cat >"$1" <<EOF
store:
  backend: dqlite
  nodes: [${ADDRS[1]}, ${ADDRS[2]}, ${ADDRS[3]}]
  timeout: $2
EOF
}

# start_node I: node I with its own configuration and data directory (in
# DQ_DIR, default T: another DQ_DIR and dq_ports make a second cluster;
# DQ_CLUSTER its node.cluster).
start_node() {
	local i=$1 d=${DQ_DIR:-$T}
	if [ ! -f "$d/node$i.yaml" ]; then
		{
			echo "node:"
			echo "  id: $i"
			echo "  address: ${ADDRS[$i]}"
			echo "  data_dir: $d/node$i"
			[ "$i" -gt 1 ] && echo "  join: [${ADDRS[1]}, ${ADDRS[2]}, ${ADDRS[3]}]"
			[ -n "${DQ_CLUSTER:-}" ] && echo "  cluster: $DQ_CLUSTER"
		} >"$d/node$i.yaml"
	fi
	"$NODE" --stderr --config "$d/node$i.yaml" 2>>"$d/node$i.log" &
	NODE_PID[$i]=$!
	BG_PIDS="$BG_PIDS $!"
}

# stop_node I SIGNAL: by its recorded pid, until it is gone (a node that
# a subshell started is not this shell's child to wait for).
stop_node() {
	local p=${NODE_PID[$1]}
	kill "-$2" "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	for _ in $(seq 1 200); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.05
	done
	NODE_PID[$1]=
}

# wait_voters N: until the cluster lists N voters and a leader (15 s at most).
wait_voters() {
	local n
	for _ in $(seq 1 150); do
		n=$(sm store status --json 2>/dev/null |
		    jq -r 'if .leader then [.nodes[] | select(.role == "voter")] | length else 0 end' 2>/dev/null)
		[ "${n:-0}" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

leader() {
	sm store status --json | jq -r .leader
}

# The node number of host:port.
node_of() {
	local i
	for i in 1 2 3; do
		[ "${ADDRS[$i]}" = "$1" ] && echo "$i"
	done
	return 0
}
