#!/usr/bin/env bash
# bench_dqlite_tls.sh - make bench-dqlite-tls: what stunnel costs.
#
# Runs bench/bench_dqlite.sh twice, the cluster on the loopback as it is,
# then behind stunnel as doc/cluster.md deploys it (DQ_TLS=yes: node.bind
# on the loopback, every connection TLS 1.3 with mutual certificates
# through a stunnel client and the node's stunnel server), each against the
# local file in the same run: latency p50/p99 of a transition, transitions
# per second, round trips per transition, and the time writes stop when the
# leader is killed.  BENCH_CYCLES and BENCH_KILLS as bench_dqlite.sh.  It
# prints numbers and fails nothing but itself.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
echo "bench: the cluster on the loopback, in clear"
bash "$here/bench_dqlite.sh"
echo "bench: the cluster behind stunnel (TLS 1.3, mutual certificates)"
DQ_TLS=yes bash "$here/bench_dqlite.sh"
