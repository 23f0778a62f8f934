#!/bin/sh
# bench_print.sh - make bench: the time to render one letter and one form as
# PDF (issue 8).  Makes a demo database in a temporary directory, runs
# bench/bench_print on it and removes it.  Run from the build directory.
set -eu
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
for f in "$builddir/sitemark" "$builddir/bench/bench_print"; do
	if [ ! -x "$f" ]; then
		echo "bench_print.sh: $f is missing: run 'make bench' from the build directory" >&2
		exit 1
	fi
done
SITEMARK_DATADIR=${SITEMARK_DATADIR:-$srcdir}
export SITEMARK_DATADIR
# sitemark print's PDF is drawn by the build tree's helper (sm_drawing.h)
SITEMARK_RENDER=${SITEMARK_RENDER:-$builddir/sitemark-render}
export SITEMARK_RENDER
unset SITEMARK_DB SITEMARK_NOW SITEMARK_CONFIG || true
# the documents in Chinese, as units print them, when the locale is there
if locale -a 2>/dev/null | grep -qix 'zh_CN.utf8' && [ -f "$builddir/tests/locale/zh_CN/LC_MESSAGES/sitemark.mo" ]; then
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN SITEMARK_LOCALEDIR="$builddir/tests/locale"
	export LANG LC_ALL LANGUAGE SITEMARK_LOCALEDIR
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/sitemark-bench-print.XXXXXX")
trap 'rm -rf "$dir"' EXIT
XDG_CONFIG_HOME="$dir/config" HOME="$dir"
export XDG_CONFIG_HOME HOME
"$builddir/sitemark" --db "$dir/demo.db" init --demo >/dev/null
# a website case waiting for its paper, and its unit's operator
case_id=$(sqlite3 "$dir/demo.db" "SELECT id FROM cases WHERE kind = 'site' AND state = 'paper_pending' ORDER BY id LIMIT 1")
login=$(sqlite3 "$dir/demo.db" "SELECT login FROM users WHERE role = 'unit' AND unit = (SELECT unit FROM cases WHERE id = $case_id) LIMIT 1")
# shellcheck disable=SC2086
"$builddir/bench/bench_print" --db "$dir/demo.db" --case "$case_id" --as "$login" \
	--sitemark "$builddir/sitemark" ${BENCH_PRINT_FLAGS:-}
