#!/bin/sh
# bench.sh - make bench: the store benchmark of the issue.
#
# Builds (once) a database of 1,000,000 cases over 50,000 units and reports
# the time of an office's queue and the transitions per second against a bare
# SQLite loop, then the time of `sitemark check` and `sitemark backup` on it
# (the copy is removed again).  It prints numbers and fails nothing but itself.
#
# The database is cached in $SITEMARK_BENCH_DIR, by default
# ${TMPDIR:-/tmp}/sitemark-bench (about 1.3 GB), and reused while its stamp
# (generator, sizes, schema, state counts) still matches; remove the
# directory or set BENCH_FLAGS=--rebuild to build it again.  Put it on a real
# disk: on tmpfs fsync costs nothing and the write numbers mean little.
#
# Run from the build directory (make bench does).  BENCH_FLAGS passes more
# options to bench/bench_store (--cases N --units N --transitions N --runs N
# --rounds N --rebuild).
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
dir=${SITEMARK_BENCH_DIR:-${TMPDIR:-/tmp}/sitemark-bench}

for f in "$builddir/sitemark" "$builddir/bench/bench_store"; do
	if [ ! -x "$f" ]; then
		echo "bench.sh: $f is missing: run 'make bench' from the build directory" >&2
		exit 1
	fi
done
mkdir -p "$dir"

# The program's data from the source tree, no user configuration, no clock
# override: the benchmark runs what a deployment runs.
SITEMARK_DATADIR=${SITEMARK_DATADIR:-$srcdir}
export SITEMARK_DATADIR
unset SITEMARK_DB SITEMARK_NOW SITEMARK_CONFIG || true
XDG_CONFIG_HOME="$dir/config"
export XDG_CONFIG_HOME
mkdir -p "$XDG_CONFIG_HOME"

echo "bench: database in $dir (SITEMARK_BENCH_DIR to move it)" >&2
# shellcheck disable=SC2086
status=0
"$builddir/bench/bench_store" \
	--db "$dir/bench.db" --bare "$dir/bare.db" --sitemark "$builddir/sitemark" \
	${BENCH_FLAGS:-} || status=$?
# The benchmark puts the database back, deleting the audit records its
# transitions wrote: the very deleted tail the anchors are there to report.
# Their anchors go with them.
rm -f "$dir/bench.db.anchors"
exit "$status"
