#!/usr/bin/env bash
# dqlite_nft.sh - who may reach the cluster: the rules of doc/cluster/*.nft.
#
# Two machines as two network namespaces joined by a veth pair: the
# "cluster" (this script's namespace: three nodes as the user sitemark-node
# would run them, stunnel, the rules of node.nft) and a "console host"
# (stunnel's client side with the console's certificate, the rules of
# console.nft).  The rules are the shipped files with the test's ports,
# users and group put in (the group sitemark is a free gid, stunnel runs as
# root here).  On the console host sitemark run with the group sitemark
# reaches the cluster through the tunnel (init, user list, store status);
# the same program, or a bare connect(), as a process whose effective group
# is another is refused, even with sitemark as a supplementary group; only
# stunnel reaches the nodes' TLS port; the nodes' own ports are not
# reachable from the console host at all.  On the cluster's machine, only
# the node and stunnel reach a node's port.
#
# It needs root (nftables in a new network namespace, processes of other
# users and groups through setpriv; unprivileged, a user namespace maps one
# group only), nft (nftables), stunnel (stunnel4) and openssl.

_skip() {
	echo "dqlite_nft: SKIP: $*"
	exit 77
}
if [ -z "${SM_NFT_NETNS:-}" ]; then
	command -v nft >/dev/null 2>&1 || _skip "nft (Debian package nftables) is not installed"
	command -v stunnel >/dev/null 2>&1 || _skip "stunnel (Debian package stunnel4) is not installed"
	command -v openssl >/dev/null 2>&1 || _skip "openssl is not installed"
	command -v python3 >/dev/null 2>&1 || _skip "python3 is not installed"
	for p in setpriv nsenter unshare ip; do
		command -v $p >/dev/null 2>&1 || _skip "$p is not installed"
	done
	[ "$(id -u)" -eq 0 ] || _skip "needs root: nftables in a network namespace and probes" \
	    "as other users and groups (setpriv); a user namespace maps one group only"
	unshare -n true 2>/dev/null || _skip "cannot make a network namespace (unshare -n)"
	SM_NFT_NETNS=1 exec unshare -n bash "$0" "$@"
fi

. "$(dirname "$0")/lib.sh"

NODE_REAL=${SITEMARK_NODE:-$top_builddir/sitemark-node}
[ -x "$NODE_REAL" ] || skip "no sitemark-node at $NODE_REAL"
. "$(dirname "$0")/lib_dqlite.sh"

# The test's accounts: sitemark-node, the group sitemark, nobody.
NODE_UID=64101
SM_GID=64102
NOBODY=65534
NOGROUP=65534

ip link set lo up || die "the loopback of the cluster's namespace"
# The console host: a namespace held by a process, reached with nsenter.
unshare -n sleep 1000000 &
CONSOLE_NS=$!
BG_PIDS="$BG_PIDS $!"
sleep 0.1
on_console() {
	nsenter -t "$CONSOLE_NS" -n "$@"
}
ip link add smcl type veth peer name smco netns "$CONSOLE_NS" &&
	ip addr add 10.77.0.1/24 dev smcl && ip link set smcl up &&
	on_console ip link set lo up && on_console ip addr add 10.77.0.2/24 dev smco &&
	on_console ip link set smco up || die "two namespaces joined by a veth pair"

# ================================================================ the cluster

chmod 711 "$T"
DQ_TLS_ACCEPT=0.0.0.0
dq_tls_cluster || die "certificates, relays and stunnel for the cluster" \
    "$(cat "$T"/*.out "$T"/relays.log 2>/dev/null)"
# The nodes run as sitemark-node:sitemark, as the unit does.
cat >"$T/node-as" <<EOF
#!/bin/sh
exec setpriv --reuid $NODE_UID --regid $SM_GID --clear-groups "$NODE_REAL" "\$@"
EOF
chmod 755 "$T/node-as"
NODE=$T/node-as
for i in 1 2 3; do
	mkdir -p "$T/node$i" && chown "$NODE_UID:$SM_GID" "$T/node$i"
	chmod 644 "$T/node$i.yaml"
done

# rules FILE: the shipped rules with the test's ports, users and group.
set_of() {
	local IFS=,
	echo "{ $* }"
}
ports_of() {
	local a out=()
	for a in "$@"; do out+=("${a##*:}"); done
	set_of "${out[@]}"
}
rules() {
	sed -e "s/^define cluster_ports = .*/define cluster_ports = $(ports_of "${ADDRS[@]}")/" \
	    -e "s/^define tls_port = .*/define tls_port = $(set_of "${TLS[@]}" "${WIRE_IN[@]}")/" \
	    -e "s/^define node_port = .*/define node_port = $(ports_of "${BIND[@]}")/" \
	    -e "s/\"sitemark-node\"/$NODE_UID/g" -e "s/\"stunnel4\"/0/g" -e "s/\"sitemark\"/$SM_GID/g" \
	    "$top_srcdir/doc/cluster/$1"
}
rules node.nft >"$T/node.nft"
rules console.nft >"$T/console.nft"
check_match "the test's node.nft has the test's ports" "define node_port = \{ ${BIND[1]##*:}," \
    "$(cat "$T/node.nft")"
expect_ok "node.nft loads on the cluster's machine" nft -f "$T/node.nft"
expect_ok "console.nft loads on the console host" on_console nft -f "$T/console.nft"

start_node 1
sleep 0.3
start_node 2
start_node 3
# sitemark as the group sitemark (root's own group is refused here too)
CONF=$T/sitemark.yaml
dq_conf "$CONF" 5
chmod 644 "$CONF"
sm() {
	setpriv --regid "$SM_GID" --clear-groups "$SITEMARK" --config "$CONF" "$@"
}
wait_voters 3 || die "the nodes, as sitemark-node under node.nft, form a cluster" \
    "$(cat "$T"/node*.log)"
pass "three nodes running as sitemark-node form a cluster under node.nft"

# ================================================================ the console host

{
	dq_stunnel_globals console
	for i in 1 2 3; do
		printf '[node%s]\nclient = yes\naccept = %s\nconnect = 10.77.0.1:%s\n' "$i" "${ADDRS[$i]}" "${TLS[$i]}"
		printf 'cert = %s/console.sitemark.test.crt\nkey = %s/console.sitemark.test.key\n' "$T/tls" "$T/tls"
		printf 'CAfile = %s/ca.crt\nverifyChain = yes\ncheckHost = node%s.sitemark.test\n' "$T/tls" "$i"
	done
} >"$T/console.conf"
on_console stunnel "$T/console.conf" >>"$T/console.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
TLS_PIDS="$TLS_PIDS $!"

# as UID GID [setpriv options] -- CMD: on the console host as UID:GID.
as() {
	local uid=$1 gid=$2
	shift 2
	on_console setpriv --reuid "$uid" --regid "$gid" "$@"
}
# probe HOST:PORT: connect, and say connected or refused (errno's name).
probe() {
	python3 -c '
import errno, socket, sys
host, port = sys.argv[1].rsplit(":", 1)
try:
    socket.create_connection((host, int(port)), 2).close()
    print("connected")
except OSError as e:
    print("refused" if e.errno == errno.ECONNREFUSED else errno.errorcode.get(e.errno, str(e)))
' "$1"
}
export -f probe

for _ in $(seq 1 50); do
	[ "$(as 0 0 --keep-groups bash -c "probe 10.77.0.1:${TLS[1]}")" = connected ] && break
	sleep 0.1
done
check_eq "stunnel's user (root here) reaches node 1's TLS port from the console host" connected \
    "$(as 0 0 --keep-groups bash -c "probe 10.77.0.1:${TLS[1]}")"
for i in 1 2 3; do
	check_eq "node $i's own port is not reachable from the console host, even as root" refused \
	    "$(as 0 0 --keep-groups bash -c "probe 10.77.0.1:${BIND[$i]##*:}")"
done

cat >"$T/console.yaml" <<EOF
store:
  backend: dqlite
  nodes: [${ADDRS[1]}, ${ADDRS[2]}, ${ADDRS[3]}]
  timeout: 3
EOF
chmod 644 "$T/console.yaml"
console_sm() { # UID GID SETPRIV-GROUPS ARGS...
	local uid=$1 gid=$2 groups=$3
	shift 3
	as "$uid" "$gid" "$groups" env HOME=/ "$SITEMARK" --config "$T/console.yaml" "$@"
}

for i in 1 2 3; do
	check_eq "the group sitemark connects to node $i's tunnel" connected \
	    "$(as "$NOBODY" "$SM_GID" --clear-groups bash -c "probe ${ADDRS[$i]}")"
	check_eq "another group is refused at node $i's tunnel" refused \
	    "$(as "$NOBODY" "$NOGROUP" --clear-groups bash -c "probe ${ADDRS[$i]}")"
done
check_eq "sitemark as a supplementary group is not enough" refused \
    "$(as "$NOBODY" "$NOGROUP" --groups "$SM_GID" bash -c "probe ${ADDRS[1]}")"
check_eq "root without the group is refused too" refused \
    "$(as 0 0 --clear-groups bash -c "probe ${ADDRS[1]}")"
check_eq "a user reaches no node's TLS port but through stunnel" refused \
    "$(as "$NOBODY" "$SM_GID" --clear-groups bash -c "probe 10.77.0.1:${TLS[1]}")"

run console_sm "$NOBODY" "$SM_GID" --clear-groups init
check_eq "sitemark with the group sitemark: init on the cluster from the console host" 0 "$RC"
run console_sm "$NOBODY" "$SM_GID" --clear-groups user list --json
check_eq "and reads back its first administrator" nobody "$(jq -r '.[0].login' <<<"$OUT" 2>/dev/null)"
run console_sm "$NOBODY" "$SM_GID" --clear-groups store status --json
check_eq "store status through the tunnel: three voters" "voter voter voter" \
    "$(jq -r '[.nodes[].role] | join(" ")' <<<"$OUT" 2>/dev/null)"
run console_sm "$NOBODY" "$NOGROUP" --clear-groups store status
check_eq "the same program without the group: exit 1" 1 "$RC"
check_match "without the group: it cannot reach the cluster" "cannot reach the sitemark cluster" "$ERR"

# ================================================================ the cluster's machine

check_eq "on the cluster's machine, another user is refused at a node's port" refused \
    "$(setpriv --reuid "$NOBODY" --regid "$SM_GID" --clear-groups bash -c "probe ${BIND[1]}")"
check_eq "stunnel's user (root here) reaches it" connected "$(probe "${BIND[1]}")"
check_eq "the node's user reaches it" connected \
    "$(setpriv --reuid "$NODE_UID" --regid "$NOGROUP" --clear-groups bash -c "probe ${BIND[1]}")"
check_eq "another group is refused at the tunnel" refused \
    "$(setpriv --reuid "$NOBODY" --regid "$NOGROUP" --clear-groups bash -c "probe ${ADDRS[1]}")"

# Without the rules the same probes get through: the refusals were theirs.
expect_ok "console.nft removed" on_console nft delete table inet sitemark
check_eq "without console.nft, another group connects to the tunnel" connected \
    "$(as "$NOBODY" "$NOGROUP" --clear-groups bash -c "probe ${ADDRS[1]}")"
expect_ok "node.nft removed" nft delete table inet sitemark
check_eq "without node.nft, another user connects to a node's port" connected \
    "$(setpriv --reuid "$NOBODY" --regid "$SM_GID" --clear-groups bash -c "probe ${BIND[1]}")"

for i in 1 2 3; do
	[ -n "${NODE_PID[$i]}" ] && stop_node "$i" TERM
done
dq_tls_stop
finish
