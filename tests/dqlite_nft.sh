#!/usr/bin/env bash
# dqlite_nft.sh - doc/cluster.md's deployment on four "machines": three
# node machines and a console host, each a network namespace with its own
# loopback, joined by a bridge (10.77.0.1-3 and 10.77.0.10).
#
# Each runs the shipped files with the fewest changes a test needs: the
# stunnel configurations (doc/cluster/stunnel-node.conf, the same on the
# three, and stunnel-console.conf) with the machines' addresses for their
# DNS names and the test's directory for /etc/sitemark/tls (certificates by
# cluster-cert.sh, installed as the document says, stunnel running as its
# user stunnel4); the nodes configured as the document says (127.0.0.1:9000
# and 127.0.0.1:900N), run as sitemark-node:sitemark as the unit does; the
# rules (node.nft, console.nft) with the test's uid for sitemark-node and
# gid for the group sitemark.  From the console host sitemark with the
# group sitemark runs the world of tests/lib.sh and a site case through the
# tunnels, and on when the leader is killed (the new leader's address is
# the console host's tunnel to it).  The same program, or a bare connect(),
# whose effective group is another is refused, even with sitemark as a
# supplementary group, and root too; only stunnel reaches the nodes' TLS
# port; no node's own port is reachable from another machine.  On a node
# machine only the node and stunnel reach the node's port.  Without the
# rules the same probes get through.
#
# It needs root (network namespaces, nftables, processes of other users and
# groups through setpriv; unprivileged, a user namespace maps one group
# only), nft (nftables), stunnel (stunnel4, and its user) and openssl.

_skip() {
	echo "dqlite_nft: SKIP: $*"
	exit 77
}
if [ -z "${SM_NFT_NETNS:-}" ]; then
	command -v nft >/dev/null 2>&1 || _skip "nft (Debian package nftables) is not installed"
	command -v stunnel >/dev/null 2>&1 || _skip "stunnel (Debian package stunnel4) is not installed"
	id stunnel4 >/dev/null 2>&1 || _skip "no user stunnel4 (made by the package stunnel4)"
	for p in openssl python3 jq setpriv nsenter unshare ip; do
		command -v $p >/dev/null 2>&1 || _skip "$p is not installed"
	done
	[ "$(id -u)" -eq 0 ] || _skip "needs root: nftables in network namespaces and probes" \
	    "as other users and groups (setpriv); a user namespace maps one group only"
	unshare -n true 2>/dev/null || _skip "cannot make a network namespace (unshare -n)"
	SM_NFT_NETNS=1 exec unshare -n bash "$0" "$@"
fi

. "$(dirname "$0")/lib.sh"

NODE=${SITEMARK_NODE:-$top_builddir/sitemark-node}
[ -x "$NODE" ] || skip "no sitemark-node at $NODE"
. "$(dirname "$0")/lib_dqlite.sh"

SITEMARK_NOW=2026-02-13T10:00:00+08:00
export SITEMARK_NOW

# The test's accounts: sitemark-node and the group sitemark (free ids), nobody.
NODE_UID=64101
SM_GID=64102
NOBODY=65534
NOGROUP=65534
STUNNEL_UID=$(id -u stunnel4)
CL=$top_srcdir/doc/cluster

# ================================================================ the machines

declare -A NS IP=([node1]=10.77.0.1 [node2]=10.77.0.2 [node3]=10.77.0.3 [console1]=10.77.0.10)
MACHINES="node1 node2 node3 console1"
ip link set lo up && ip link add smbr type bridge && ip link set smbr up ||
    die "a bridge in the test's namespace"
for m in $MACHINES; do
	unshare -n sleep 1000000 &
	NS[$m]=$!
	BG_PIDS="$BG_PIDS $!"
done
sleep 0.2
# on MACHINE CMD...: CMD in the machine's network namespace.
on() {
	local m=$1
	shift
	nsenter -t "${NS[$m]}" -n "$@"
}
# on_bg MACHINE CMD... &: the same in the background, $! being CMD's pid
# (the subshell of & becomes nsenter, which becomes CMD), for kill.
on_bg() {
	local m=$1
	shift
	exec nsenter -t "${NS[$m]}" -n "$@"
}
for m in $MACHINES; do
	ip link add "sm-$m" type veth peer name eth0 netns "${NS[$m]}" &&
	    ip link set "sm-$m" master smbr up &&
	    on "$m" ip link set lo up && on "$m" ip addr add "${IP[$m]}/24" dev eth0 &&
	    on "$m" ip link set eth0 up || die "machine $m on the bridge"
done

# ================================================================ certificates

chmod 711 "$T"
sh "$CL/cluster-cert.sh" ca "$T/ca" >>"$T/certs.log" 2>&1 || die "the CA" "$(cat "$T/certs.log")"
for m in $MACHINES; do
	sh "$CL/cluster-cert.sh" host "$T/ca" "$m.sitemark.example" >>"$T/certs.log" 2>&1 ||
	    die "$m's certificate" "$(cat "$T/certs.log")"
	# as doc/cluster.md installs them (/etc/sitemark/tls of the machine)
	install -d -m 0750 -g stunnel4 "$T/tls-$m" &&
	    install -m 0644 "$T/ca/ca.crt" "$T/tls-$m/ca.crt" &&
	    install -m 0640 -g stunnel4 "$T/ca/$m.sitemark.example.crt" "$T/tls-$m/host.crt" &&
	    install -m 0640 -g stunnel4 "$T/ca/$m.sitemark.example.key" "$T/tls-$m/host.key" ||
	    die "installing $m's certificate"
done

# ================================================================ stunnel, rules, nodes

# shipped FILE MACHINE: FILE of doc/cluster/ for MACHINE (its certificates,
# the machines' addresses for their names, the test's ids for the accounts).
shipped() {
	sed -e "s|/etc/sitemark/tls/|$T/tls-$2/|" \
	    -e 's|^connect = node\([0-9]\)\.sitemark\.example:|connect = 10.77.0.\1:|' \
	    -e "s/\"sitemark-node\"/$NODE_UID/g" -e "s/\"sitemark\"/$SM_GID/g" "$CL/$1"
}
for m in $MACHINES; do
	case $m in
	node*) conf=stunnel-node.conf rules=node.nft ;;
	*) conf=stunnel-console.conf rules=console.nft ;;
	esac
	shipped "$conf" "$m" >"$T/stunnel-$m.conf"
	shipped "$rules" "$m" >"$T/$m.nft"
	expect_ok "$rules loads on $m" on "$m" nft -f "$T/$m.nft"
	on_bg "$m" stunnel "$T/stunnel-$m.conf" >>"$T/stunnel-$m.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	TLS_PIDS="$TLS_PIDS $!"
done
check_match "the test's stunnel-node.conf connects to the machines' addresses" \
    "connect = 10\.77\.0\.3:9443" "$(cat "$T/stunnel-node1.conf")"

for i in 1 2 3; do
	ADDRS[$i]=127.0.0.1:900$i
	mkdir -p "$T/node$i" && chown "$NODE_UID:$SM_GID" "$T/node$i"
	{
		echo "node:"
		echo "  id: $i"
		echo "  address: ${ADDRS[$i]}"
		echo "  bind: 127.0.0.1:9000"
		echo "  data_dir: $T/node$i"
		[ "$i" -gt 1 ] && echo "  join: [127.0.0.1:9001, 127.0.0.1:9002, 127.0.0.1:9003]"
	} >"$T/node$i.yaml"
	chmod 644 "$T/node$i.yaml"
done
# start_node I: node I on its machine, as sitemark-node:sitemark (the unit's).
start_node() {
	on_bg "node$1" setpriv --reuid "$NODE_UID" --regid "$SM_GID" --clear-groups \
	    "$NODE" --stderr --config "$T/node$1.yaml" 2>>"$T/node$1.log" &
	NODE_PID[$1]=$!
	BG_PIDS="$BG_PIDS $!"
}

cat >"$T/console.yaml" <<EOF
store:
  backend: dqlite
  nodes: [127.0.0.1:9001, 127.0.0.1:9002, 127.0.0.1:9003]
  timeout: 5
EOF
chmod 644 "$T/console.yaml"
# as UID GID SETPRIV-GROUP-OPTION CMD...: on the console host as UID:GID.
as() {
	local uid=$1 gid=$2
	shift 2
	on console1 setpriv --reuid "$uid" --regid "$gid" "$@"
}
# sitemark on the console host as nobody with the group sitemark, as the
# set-group-id program runs for a user there.
sm() {
	as "$NOBODY" "$SM_GID" --clear-groups env HOME=/ "$SITEMARK" --config "$T/console.yaml" "$@"
}

start_node 1
sleep 0.3
start_node 2
start_node 3
wait_voters 3 || die "three node machines form a cluster through stunnel" \
    "$(cat "$T"/node*.log "$T"/stunnel-*.log)"
pass "three node machines form a cluster of three voters, each behind stunnel and node.nft"

# ================================================================ through the tunnels

expect_ok "store status from the console host" sm store status --json
check_eq "the nodes are known as the shipped files say" "127.0.0.1:9001 127.0.0.1:9002 127.0.0.1:9003" \
    "$(jq -r '.nodes[].address' <<<"$OUT" | sort | paste -sd' ')"
make_world
pass "make_world from the console host: offices, staff, units, two domains registered"
SITE=$(sm --as org-op case new site --values "$VALUES/site-own.yaml") || die "case new site"
expect_ok "submit the site case" sm --as org-op case act "$SITE" submit
old=$(leader)
k=$(node_of "$old")
[ -n "$k" ] || die "the leader $old is one of the nodes"
stop_node "$k" 9
expect_ok "with node $k (the leader) killed, the office approves through another machine" \
    sm --as fz-rev1 case act "$SITE" approve
check_eq "the site case is in CONAC review" conac_review "$(state_of "$SITE")"
check_true "a new leader ($(leader))" "$(leader)" != "$old"
start_node "$k"
wait_voters 3 || fail "node $k rejoins"
expect_ok "the audit chain verifies" sm --as aud audit verify

# ================================================================ who may connect

# probe HOST:PORT: connect, and say connected or refused (or errno's name).
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
# probe_as MACHINE UID GID SETPRIV-GROUP-OPTION HOST:PORT
probe_as() {
	on "$1" setpriv --reuid "$2" --regid "$3" "$4" bash -c "probe $5"
}

for i in 1 2 3; do
	check_eq "console host: the group sitemark connects to node $i's tunnel" connected \
	    "$(probe_as console1 "$NOBODY" "$SM_GID" --clear-groups "127.0.0.1:900$i")"
	check_eq "console host: another group is refused at node $i's tunnel" refused \
	    "$(probe_as console1 "$NOBODY" "$NOGROUP" --clear-groups "127.0.0.1:900$i")"
	check_eq "console host: node $i's own port is not reachable, even as root" refused \
	    "$(probe_as console1 0 0 --keep-groups "10.77.0.$i:9000")"
done
check_eq "console host: sitemark as a supplementary group is not enough" refused \
    "$(probe_as console1 "$NOBODY" "$NOGROUP" --groups="$SM_GID" 127.0.0.1:9001)"
check_eq "console host: root without the group is refused" refused \
    "$(probe_as console1 0 0 --clear-groups 127.0.0.1:9001)"
check_eq "console host: stunnel's user reaches node 1's TLS port" connected \
    "$(probe_as console1 "$STUNNEL_UID" "$STUNNEL_UID" --clear-groups 10.77.0.1:9443)"
check_eq "console host: the group sitemark does not" refused \
    "$(probe_as console1 "$NOBODY" "$SM_GID" --clear-groups 10.77.0.1:9443)"
check_eq "console host: nor root" refused "$(probe_as console1 0 0 --keep-groups 10.77.0.1:9443)"

run as "$NOBODY" "$NOGROUP" --clear-groups env HOME=/ "$SITEMARK" --config "$T/console.yaml" store status
check_eq "console host: sitemark without the group exits 1" 1 "$RC"
check_match "without the group it cannot reach the cluster" "cannot reach the sitemark cluster" "$ERR"

check_eq "node 1's machine: another user is refused at the node's port" refused \
    "$(probe_as node1 "$NOBODY" "$SM_GID" --clear-groups 127.0.0.1:9000)"
check_eq "node 1's machine: stunnel's user reaches it" connected \
    "$(probe_as node1 "$STUNNEL_UID" "$STUNNEL_UID" --clear-groups 127.0.0.1:9000)"
check_eq "node 1's machine: the node's user reaches it" connected \
    "$(probe_as node1 "$NODE_UID" "$NOGROUP" --clear-groups 127.0.0.1:9000)"
check_eq "node 1's machine: the node's user reaches the tunnels" connected \
    "$(probe_as node1 "$NODE_UID" "$NOGROUP" --clear-groups 127.0.0.1:9002)"
check_eq "node 1's machine: another group is refused at the tunnels" refused \
    "$(probe_as node1 "$NOBODY" "$NOGROUP" --clear-groups 127.0.0.1:9002)"

# Without the rules the same probes get through: the refusals were theirs.
expect_ok "console.nft removed" on console1 nft delete table inet sitemark
check_eq "without console.nft, another group connects to the tunnel" connected \
    "$(probe_as console1 "$NOBODY" "$NOGROUP" --clear-groups 127.0.0.1:9001)"
expect_ok "node.nft removed from node 1's machine" on node1 nft delete table inet sitemark
check_eq "without node.nft, another user connects to the node's port" connected \
    "$(probe_as node1 "$NOBODY" "$SM_GID" --clear-groups 127.0.0.1:9000)"

for i in 1 2 3; do
	[ -n "${NODE_PID[$i]}" ] && stop_node "$i" TERM
done
dq_tls_stop
finish
