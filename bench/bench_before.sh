#!/bin/sh
# bench_before.sh - make bench-before: what the trust checks of issue 7
# (request digests, anchors, the corruption guard, recipients, the second
# factor's state) cost a transition, before and after, in the same run.
#
# Builds the program as it was before them (git revision
# $SITEMARK_BENCH_BEFORE, by default 24a3817, the last commit before the
# first of them) in $SITEMARK_BENCH_DIR/before-REV, then runs its benchmark's
# transitions and this build's in turn, $BENCH_ROUNDS times (default 3), each
# against its own database of the same 1,000,000 cases (the generator is the
# same; the schemas differ), and prints transitions per second of both with
# their ratios to a bare SQLite loop measured beside them: the machine's
# noise falls on both alike.  Needs the source tree to be a git clone.
#
# BENCH_FLAGS passes options to both benchmarks (--transitions N, ...).
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
dir=${SITEMARK_BENCH_DIR:-${TMPDIR:-/tmp}/sitemark-bench}
rev=${SITEMARK_BENCH_BEFORE:-24a3817}
rounds=${BENCH_ROUNDS:-3}

if ! git -C "$srcdir" rev-parse --verify -q "$rev^{commit}" >/dev/null 2>&1; then
	echo "bench_before.sh: $srcdir is not a git clone holding $rev: nothing to compare" >&2
	exit 1
fi
before="$dir/before-$rev"
mkdir -p "$dir"
if [ ! -x "$before/bench/bench_store" ] || [ ! -x "$before/sitemark" ]; then
	echo "bench: building $rev in $before" >&2
	rm -rf "$before"
	mkdir -p "$before"
	git -C "$srcdir" archive "$rev" | tar -x -C "$before"
	(cd "$before" && autoreconf -fi && ./configure -q && make -j"$(nproc)" sitemark bench/bench_store) \
	    >"$dir/before-build.log" 2>&1 || {
		echo "bench_before.sh: building $rev failed: see $dir/before-build.log" >&2
		exit 1
	}
fi

unset SITEMARK_DB SITEMARK_NOW SITEMARK_CONFIG || true
XDG_CONFIG_HOME="$dir/config"
export XDG_CONFIG_HOME
mkdir -p "$XDG_CONFIG_HOME"

# one REV-or-HEAD run; its summary lines to $dir/NAME.K
run_one() { # run_one NAME K
	if [ "$1" = before ]; then
		SITEMARK_DATADIR=$before "$before/bench/bench_store" --db "$before/bench.db" \
		    --bare "$before/bare.db" --sitemark "$before/sitemark" ${BENCH_FLAGS:-} \
		    >"$dir/$1.$2" 2>"$dir/$1.$2.err"
	else
		SITEMARK_DATADIR=$srcdir "$builddir/bench/bench_store" --db "$dir/bench.db" \
		    --bare "$dir/bare.db" --sitemark "$builddir/sitemark" --only-transitions \
		    ${BENCH_FLAGS:-} >"$dir/$1.$2" 2>"$dir/$1.$2.err"
		rm -f "$dir/bench.db.anchors"
	fi || { echo "bench_before.sh: the $1 benchmark failed: see $dir/$1.$2.err" >&2; exit 1; }
}

k=1
[ "${BENCH_SUMMARY_ONLY:-}" = 1 ] && k=$((rounds + 1))  # the last run's numbers again
while [ "$k" -le "$rounds" ]; do
	echo "bench: round $k of $rounds: $rev, then this build" >&2
	run_one before "$k"
	run_one after "$k"
	k=$((k + 1))
done

# "  all 6000:  2576/s (0.39 ms each, 0.18 ms CPU)   bare:  6020/s (...)" and
# "  ratio: median 0.44 (...)"
summary() { # summary NAME: rate, ms each, CPU ms, bare rate, ratio median (means over rounds)
	cat "$dir/$1".[0-9]* | sed -E \
	    -e 's|^  all [0-9]+: *([0-9]+)/s \(([0-9.]+) ms each, ([0-9.]+) ms CPU\) *bare: *([0-9]+)/s.*|all \1 \2 \3 \4|' \
	    -e 's|^  ratio: median ([0-9.]+).*|ratio \1|' | awk '
	$1 == "all" { n++; rate += $2; each += $3; cpu += $4; bare += $5 }
	$1 == "ratio" { ratio += $2 }
	END { if (n) printf "%.0f %.3f %.3f %.0f %.3f\n", rate / n, each / n, cpu / n, bare / n, ratio / n }'
}
b=$(summary before)
a=$(summary after)
echo
echo "==================== the trust checks' cost on a transition ===================="
echo "office approve through sm_case_act on 1,000,000 cases; $rounds rounds, alternating"
printf '%s\n%s\n' "$b" "$a" | awk -v rev="$rev" '
NR == 1 { br = $1; be = $2; bc = $3; bb = $4; bq = $5 }
NR == 2 { ar = $1; ae = $2; ac = $3; ab = $4; aq = $5 }
END {
	printf "  before (%s): %5d/s  %.3f ms each, %.3f ms CPU   bare loop %5d/s   ratio %.2f\n", rev, br, be, bc, bb, bq
	printf "  after (this build): %5d/s  %.3f ms each, %.3f ms CPU   bare loop %5d/s   ratio %.2f\n", ar, ae, ac, ab, aq
	printf "  the checks cost %+.3f ms CPU per transition (%+.0f%%); against the bare loop the rate is %+.0f%%\n", ac - bc, (bc > 0 ? (ac - bc) / bc * 100 : 0), (bq > 0 ? (aq - bq) / bq * 100 : 0)
}'
echo "================================================================================="
