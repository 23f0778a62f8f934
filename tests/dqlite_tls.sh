#!/usr/bin/env bash
# dqlite_tls.sh - the cluster behind stunnel, as doc/cluster.md deploys it.
#
# Three sitemark-node processes listen on ports of the loopback (node.bind)
# and are known to the cluster by the local ends of stunnel clients
# (node.address); every connection between "machines", the nodes' Raft
# traffic and sitemark's requests alike, is TLS with certificates of a test
# CA checked both ways (tests/lib_dqlite.sh, dq_tls_cluster).  The world of
# tests/lib.sh and a site case's transitions run through it, and once more
# after the leader is killed.  Relays (tests/wirelog.py) keep the bytes:
# a value of the case and the SQL are in the clear text between a program
# and its stunnel, and nowhere on the wire between the stunnels.  A client
# without a certificate, or with one of another CA, is refused; a client
# that expects another node refuses the node; the nodes listen on
# 127.0.0.1 only.  (tests/dqlite_nft.sh: who on a console host may reach
# the tunnel.)

. "$(dirname "$0")/lib.sh"

NODE=${SITEMARK_NODE:-$top_builddir/sitemark-node}
[ -x "$NODE" ] || skip "no sitemark-node at $NODE"
command -v python3 >/dev/null 2>&1 || skip "python3 (relays, free ports) is not installed"
command -v stunnel >/dev/null 2>&1 || skip "stunnel (Debian package stunnel4) is not installed"
command -v openssl >/dev/null 2>&1 || skip "openssl (the test's certificates) is not installed"

SITEMARK_NOW=2026-02-13T10:00:00+08:00
export SITEMARK_NOW

. "$(dirname "$0")/lib_dqlite.sh"

CONF=$T/sitemark.yaml
sm() {
	"$SITEMARK" --config "$CONF" "$@"
}
audit_count() {
	sm --as aud audit show --json | jq length
}

t_start=$(date +%s)
dq_tls_cluster || die "certificates, relays and stunnel for the cluster" \
    "$(cat "$T"/*.out "$T"/relays.log 2>/dev/null)"
dq_conf "$CONF" 10

start_node 1
sleep 0.3
start_node 2
start_node 3
wait_voters 3 || die "the three nodes form a cluster through stunnel" \
    "$(cat "$T"/node*.log "$T"/*.out)"
pass "three nodes form a cluster of three voters, every connection through stunnel"

expect_ok "store status through the tunnel" sm store status --json
check_eq "the nodes are known by their tunnels' addresses" \
    "$(printf '%s\n' "${ADDRS[@]}" | sort | paste -sd' ')" \
    "$(jq -r '.nodes[].address' <<<"$OUT" | sort | paste -sd' ')"
check_match "the node logs where it listens and how it is known" \
    "listens at ${BIND[1]}, known to the cluster as ${ADDRS[1]}" "$(cat "$T/node1.log")"

# ================================================================ the world through it

expect_ok "init on the cluster through stunnel" sm init
make_world
pass "make_world through stunnel: offices, staff, units, two domains registered"
SITE=$(sm --as org-op case new site --values "$VALUES/site-own.yaml") || die "case new site"
expect_ok "submit the site case" sm --as org-op case act "$SITE" submit
expect_ok "the office approves it" sm --as fz-rev1 case act "$SITE" approve
check_eq "the site case is in CONAC review" conac_review "$(state_of "$SITE")"

old=$(leader)
k=$(node_of "$old")
[ -n "$k" ] || die "the leader $old is one of the nodes"
n0=$(audit_count)
stop_node "$k" 9
expect_ok "with the leader ($old) killed, CONAC's transition goes through the tunnels" \
    sm --as conac1 case act "$SITE" reject --values "$VALUES/reject.yaml"
check_eq "the case moved on" returned "$(state_of "$SITE")"
check_eq "one more audit record" "$((n0 + 1))" "$(audit_count)"
start_node "$k"
wait_voters 3 || fail "node $k rejoins through the tunnels"
expect_ok "the audit chain verifies" sm --as aud audit verify

# ================================================================ the wire

# LOGS WHAT: how many of LOGS hold the bytes WHAT.
holding() {
	local what=$1 n=0 f
	shift
	for f in "$@"; do
		grep -qaF -- "$what" "$f" 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}
wire_bytes=$(cat "$T"/wire?.log | wc -c)
echo "# $wire_bytes bytes on the wire, $(cat "$T"/plain?.log | wc -c) in the clear on the loopback"
check_true "the wire carried the traffic (more than 100 kB)" "$wire_bytes" -gt 100000
for i in 1 2 3; do
	check_true "node $i's wire carried traffic" -s "$T/wire$i.log"
done
for what in www.fuzhou.gov.cn 福州市人民政府门户网站 "INSERT INTO" "SELECT "; do
	check_true "'$what' is in the clear on a loopback (the check can find it)" \
	    "$(holding "$what" "$T"/plain?.log)" -gt 0
	check_eq "'$what' is nowhere on the wire" 0 "$(holding "$what" "$T"/wire?.log)"
done
for i in 1 2 3; do
	check_eq "node $i's wire begins with a TLS handshake record (16 03 01)" "160301" \
	    "$(head -c 3 "$T/wire$i.log" | od -An -tx1 | tr -d ' \n')"
done
check_match "the nodes' servers accepted certificates of the CA" \
    "Certificate accepted at depth=0: CN=console.sitemark.test" "$(cat "$T/servers.out")"

# The nodes listen on 127.0.0.1 only: nothing but the loopback reaches
# their ports (/proc/net/tcp: local address and state 0A, listening).
listening_on() {
	local port hex
	port=${1##*:}
	hex=$(printf '%04X' "$port")
	awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $2 }' /proc/net/tcp /proc/net/tcp6
}
for i in 1 2 3; do
	check_eq "node $i listens on 127.0.0.1 alone" "0100007F:$(printf '%04X' "${BIND[$i]##*:}")" \
	    "$(listening_on "${BIND[$i]}")"
done

# ================================================================ strangers

# Clients of the nodes' stunnel servers that must not get through: no
# certificate, a certificate of another CA; and one that expects node 2's
# certificate from node 1.  The same with the console's certificate gets
# through (the check can fail).
dq_free_ports 4
{
	dq_stunnel_globals strangers
	c=$T/tls
	printf '[nocert]\nclient = yes\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\n' "${FREE[0]}" "${TLS[1]}"
	printf 'CAfile = %s/ca.crt\nverifyChain = yes\ncheckHost = node1.sitemark.test\n' "$c"
	printf '[stranger]\nclient = yes\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\n' "${FREE[1]}" "${TLS[1]}"
	printf 'cert = %s/other/stranger.sitemark.test.crt\nkey = %s/other/stranger.sitemark.test.key\n' "$c" "$c"
	printf 'CAfile = %s/ca.crt\nverifyChain = yes\ncheckHost = node1.sitemark.test\n' "$c"
	printf '[misdirected]\nclient = yes\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\n' "${FREE[2]}" "${TLS[1]}"
	printf 'cert = %s/console.sitemark.test.crt\nkey = %s/console.sitemark.test.key\n' "$c" "$c"
	printf 'CAfile = %s/ca.crt\nverifyChain = yes\ncheckHost = node2.sitemark.test\n' "$c"
	printf '[console]\nclient = yes\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\n' "${FREE[3]}" "${TLS[1]}"
	printf 'cert = %s/console.sitemark.test.crt\nkey = %s/console.sitemark.test.key\n' "$c" "$c"
	printf 'CAfile = %s/ca.crt\nverifyChain = yes\ncheckHost = node1.sitemark.test\n' "$c"
} >"$T/strangers.conf"
dq_stunnel strangers
dq_wait_port "${FREE[3]}" || die "the strangers' stunnel" "$(cat "$T/strangers.out")"

# through PORT: store status with only 127.0.0.1:PORT as the cluster.
through() {
	printf 'store:\n  backend: dqlite\n  nodes: [127.0.0.1:%s]\n  timeout: 2\n' "$1" >"$T/through.yaml"
	run "$SITEMARK" --config "$T/through.yaml" store status
}
through "${FREE[3]}"
check_eq "the console's certificate through node 1's server: store status" 0 "$RC"
for s in 0:"without a certificate" 1:"with a certificate of another CA" \
    2:"expecting node 2's certificate from node 1"; do
	through "${FREE[${s%%:*}]}"
	check_eq "a client ${s#*:} is refused (exit 1)" 1 "$RC"
	check_match "a client ${s#*:} is told it cannot reach the cluster" \
	    "cannot reach the sitemark cluster" "$ERR"
done
check_match "node 1's server refused the client without a certificate" \
    "peer did not return a certificate" "$(cat "$T/servers.out")"
check_match "node 1's server refused the certificate of another CA" \
    "Rejected by CERT at depth=0: CN=(sitemark cluster CA|stranger.sitemark.test)" "$(cat "$T/servers.out")"
check_match "the client refused node 1's certificate for node 2's" \
    "CERT: Subject checks failed" "$(cat "$T/strangers.out")"

# The shipped unit that runs stunnel (doc/cluster/sitemark-stunnel.service).
if command -v systemd-analyze >/dev/null 2>&1; then
	cp "$top_srcdir/doc/cluster/sitemark-stunnel.service" "$T/"
	run systemd-analyze verify "$T/sitemark-stunnel.service"
	check_eq "sitemark-stunnel.service verifies (systemd-analyze)" "" \
	    "$(grep -v "Command 'man " <<<"$ERR$OUT")"
fi

for i in 1 2 3; do
	[ -n "${NODE_PID[$i]}" ] && stop_node "$i" TERM
done
dq_tls_stop
echo "# dqlite_tls: $(($(date +%s) - t_start)) s"
finish
