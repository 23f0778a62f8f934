#!/bin/sh
# fuzz.sh - run the libFuzzer harnesses of tests/fuzz (see its README.md).
#
#   tests/fuzz.sh                  (make check) each harness once over every
#                                  input of its seed corpus, tests/fuzz/corpus/NAME:
#                                  a second or two; skipped (77) when configure
#                                  found no clang with libFuzzer
#   tests/fuzz.sh --fuzz SECONDS   (make fuzz) each harness for SECONDS, new
#                                  inputs in tests/fuzz/work/NAME, a crash in
#                                  tests/fuzz/work/crash-NAME-*
#
# A crash, a sanitizer report (ASan, UBSan, LeakSanitizer) or a timeout fails.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
NAMES="text validate yaml form values scan"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

for n in $NAMES; do
	if [ ! -x "$top_builddir/tests/fuzz/fuzz_$n" ]; then
		echo "fuzz: no harness tests/fuzz/fuzz_$n (configure found no clang with libFuzzer)"
		exit 77
	fi
done

failed=0
if [ "${1:-}" = --fuzz ]; then
	seconds=${2:-60}
	for n in $NAMES; do
		work="$top_builddir/tests/fuzz/work"
		mkdir -p "$work/$n"
		echo "fuzz: $n for $seconds seconds"
		if ! "$top_builddir/tests/fuzz/fuzz_$n" -max_total_time="$seconds" -timeout=10 \
		    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/crash-$n-" \
		    "$work/$n" "$top_srcdir/tests/fuzz/corpus/$n"; then
			echo "FAIL: fuzz_$n (see $work/crash-$n-*)"
			failed=1
		fi
	done
	exit $failed
fi

# Each input of the corpus once: files, not directories, so that nothing is
# written into the (perhaps read-only) source tree.
i=0
for n in $NAMES; do
	i=$((i + 1))
	log="$top_builddir/tests/fuzz/fuzz_$n.log"
	if (cd "${TMPDIR:-/tmp}" && "$top_builddir/tests/fuzz/fuzz_$n" -timeout=10 \
	    "$top_srcdir"/tests/fuzz/corpus/$n/*) >"$log" 2>&1; then
		echo "ok $i - fuzz_$n over its corpus ($(ls "$top_srcdir/tests/fuzz/corpus/$n" | wc -l | tr -d ' ') inputs)"
		rm -f "$log"
	else
		echo "not ok $i - fuzz_$n over its corpus"
		sed 's/^/#   /' "$log" | grep -v '^#   \(Running\|Executed\):' | head -40
		failed=1
	fi
done
exit $failed
