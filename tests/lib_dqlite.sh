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
#   wait_node I             until node I names the leader (needs SITEMARK)
#   dq_renew                the cluster stopped and made anew, empty
#   dq_conf FILE SECONDS    a sitemark configuration of the cluster (store.*)
#   leader, node_of ADDR    the leader's host:port, a node's number

# Three free ports on 127.0.0.1: ADDRS[1..3].  With DQ_TLS=yes, the
# cluster behind stunnel instead (dq_tls_cluster, without relays unless
# DQ_TLS_RELAYS=yes): bench/bench_dqlite_tls.sh.
dq_ports() {
	if [ "${DQ_TLS:-no}" = yes ]; then
		DQ_TLS_RELAYS=${DQ_TLS_RELAYS:-no} dq_tls_cluster
		return
	fi
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
# DQ_CLUSTER its node.cluster, DQ_LATENCY its node.latency_ms, BIND[I] its
# node.bind when the cluster knows it by another address).
start_node() {
	local i=$1 d=${DQ_DIR:-$T}
	if [ ! -f "$d/node$i.yaml" ]; then
		{
			echo "node:"
			echo "  id: $i"
			echo "  address: ${ADDRS[$i]}"
			[ -n "${BIND[$i]:-}" ] && echo "  bind: ${BIND[$i]}"
			echo "  data_dir: $d/node$i"
			[ "$i" -gt 1 ] && echo "  join: [${ADDRS[1]}, ${ADDRS[2]}, ${ADDRS[3]}]"
			[ -n "${DQ_CLUSTER:-}" ] && echo "  cluster: $DQ_CLUSTER"
			[ -n "${DQ_LATENCY:-}" ] && echo "  latency_ms: $DQ_LATENCY"
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

# dq_renew: the cluster (of DQ_DIR, default T) stopped and made anew on empty
# data directories.
dq_renew() {
	local i d=${DQ_DIR:-$T}
	for i in 1 2 3; do stop_node "$i" 9; done
	rm -rf "$d/node1" "$d/node2" "$d/node3"
	start_node 1
	sleep 0.2
	start_node 2
	start_node 3
	wait_voters 3 || { echo "the cluster made anew did not form" >&2; tail -5 "$d"/node*.log >&2; return 1; }
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

# wait_node I: until node I itself names the leader (15 s at most): started
# again, it is a voter in the configuration at once, but it answers only
# once it has loaded its log, and a leader killed before that leaves a
# majority of two that cannot elect.
wait_node() {
	local c=${DQ_DIR:-$T}/only$1.yaml
	printf 'store:\n  backend: dqlite\n  nodes: [%s]\n  timeout: 1\n' "${ADDRS[$1]}" >"$c"
	for _ in $(seq 1 15); do
		"$SITEMARK" --config "$c" store status >/dev/null 2>&1 && return 0
	done
	return 1
}

# The node number of host:port.
node_of() {
	local i
	for i in 1 2 3; do
		[ "${ADDRS[$i]}" = "$1" ] && echo "$i"
	done
	return 0
}

# ---------------------------------------------------------------- behind TLS
#
# The deployment of doc/cluster.md on one machine: each node listens on a
# port of the loopback (node.bind) and is known to the cluster by the local
# end of a stunnel client (node.address); the client's TLS goes to the
# node's stunnel server (mutual certificates of a test CA), which hands it
# to the node.  On one loopback the three nodes and sitemark share the
# client side.  Between the two sides of each node a relay (tests/wirelog.py)
# keeps the bytes of the wire in $T/wire$I.log; between the advertised
# address and the stunnel client another keeps the clear text of the
# loopback in $T/plain$I.log.  Offers:
#
#   dq_free_ports N         N free ports of 127.0.0.1: FREE[0..N-1]
#   dq_tls_certs DIR        a CA, node1..3, console, and a stranger of another CA
#                           (doc/cluster/cluster-cert.sh)
#   dq_stunnel NAME         start stunnel on $T/NAME.conf (its log: $T/NAME.out)
#   dq_tls_stop             stop stunnel and the relays
#   DQ_TLS_RELAYS=no        dq_tls_cluster without the relays (benchmarks)
#   dq_tls_cluster          certificates, relays, stunnel: ADDRS[I] (advertised),
#                           BIND[I] (the node), TLS[I] (its stunnel server),
#                           then start_node as usual

dq_free_ports() {
	read -r -a FREE <<<"$(python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
' "$1")"
}

# dq_tls_certs DIR: with doc/cluster/cluster-cert.sh, a CA (DIR) and
# node1..3 and console.sitemark.test; another CA (DIR/other) and its
# stranger.sitemark.test.
dq_tls_certs() {
	local d=$1 n mk=${top_srcdir:-$srcdir}/doc/cluster/cluster-cert.sh
	sh "$mk" ca "$d" && sh "$mk" ca "$d/other" || return 1
	for n in node1 node2 node3 console; do
		sh "$mk" host "$d" "$n.sitemark.test" || return 1
	done
	sh "$mk" host "$d/other" stranger.sitemark.test
} >>"$T/certs.log" 2>&1

# dq_stunnel NAME: stunnel in the foreground on $T/NAME.conf, its pid recorded.
dq_stunnel() {
	stunnel "$T/$1.conf" >>"$T/$1.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	TLS_PIDS="$TLS_PIDS $!"
}

# dq_tls_stop: stop the relays and stunnel (by their recorded pids).
dq_tls_stop() {
	local p
	for p in $TLS_PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	TLS_PIDS=
}

# dq_stunnel_globals NAME: the first lines of a test stunnel configuration.
dq_stunnel_globals() {
	printf 'foreground = yes\npid =\nsyslog = no\ndebug = notice\noutput = %s\n' "$T/$1.out"
}

# dq_wait_port PORT: until something listens on 127.0.0.1:PORT (5 s at most).
dq_wait_port() {
	python3 - "$1" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

declare -a BIND TLS PLAIN WIRE_IN
TLS_PIDS=
dq_tls_cluster() {
	local i c=$T/tls relays=()
	dq_tls_certs "$c" || return 1
	dq_free_ports 15
	for i in 1 2 3; do
		ADDRS[$i]=127.0.0.1:${FREE[$((i - 1))]}         # advertised: the plain relay
		PLAIN[$i]=${FREE[$((i + 2))]}                  # the stunnel client's accept
		WIRE_IN[$i]=${FREE[$((i + 5))]}                # the wire relay
		TLS[$i]=${FREE[$((i + 8))]}                    # the node's stunnel server
		BIND[$i]=127.0.0.1:${FREE[$((i + 11))]}        # the node
		if [ "${DQ_TLS_RELAYS:-yes}" = no ]; then
			PLAIN[$i]=${ADDRS[$i]#127.0.0.1:}
			WIRE_IN[$i]=${TLS[$i]}
		else
			relays+=("${ADDRS[$i]#127.0.0.1:}:${PLAIN[$i]}:$T/plain$i.log"
			    "${WIRE_IN[$i]}:${TLS[$i]}:$T/wire$i.log")
		fi
	done
	if [ ${#relays[@]} -gt 0 ]; then
		python3 "${top_srcdir:-$srcdir}/tests/wirelog.py" "$T/relays.ready" "${relays[@]}" 2>>"$T/relays.log" &
		BG_PIDS="$BG_PIDS $!"
		TLS_PIDS="$TLS_PIDS $!"
	else
		: >"$T/relays.ready"
	fi
	{
		dq_stunnel_globals servers
		for i in 1 2 3; do
			printf '[node%s]\naccept = 127.0.0.1:%s\nconnect = %s\n' "$i" "${TLS[$i]}" "${BIND[$i]}"
			printf 'cert = %s/node%s.sitemark.test.crt\nkey = %s/node%s.sitemark.test.key\n' \
			    "$c" "$i" "$c" "$i"
			printf 'CAfile = %s/ca.crt\nrequireCert = yes\nverifyChain = yes\nsslVersionMin = TLSv1.3\n' "$c"
		done
	} >"$T/servers.conf"
	{
		dq_stunnel_globals clients
		for i in 1 2 3; do
			printf '[node%s]\nclient = yes\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\n' \
			    "$i" "${PLAIN[$i]}" "${WIRE_IN[$i]}"
			printf 'cert = %s/console.sitemark.test.crt\nkey = %s/console.sitemark.test.key\n' "$c" "$c"
			printf 'CAfile = %s/ca.crt\nverifyChain = yes\ncheckHost = node%s.sitemark.test\nsslVersionMin = TLSv1.3\n' \
			    "$c" "$i"
		done
	} >"$T/clients.conf"
	dq_stunnel servers
	dq_stunnel clients
	for i in 1 2 3; do
		dq_wait_port "${TLS[$i]}" && dq_wait_port "${PLAIN[$i]}" || return 1
	done
	for _ in $(seq 1 50); do
		[ -f "$T/relays.ready" ] && return 0
		sleep 0.1
	done
	return 1
}
