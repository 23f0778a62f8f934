#!/bin/sh
# bench_startup.sh - make bench-startup: what starting sitemark costs.
#
# For `sitemark --version`, a `case list` on the demo database and the
# console opened and left at once (script mode): the shared libraries the
# program loads (ldd), the median and mean time from exec to exit and the
# largest resident set (bench/bench_startup, RUNS runs, default 200).  And
# the same for the commands that load more on demand: a text print (no
# drawing), a PDF print (the helper sitemark-render draws), so that their
# cost shows where it is paid.  Prints numbers, fails nothing but itself.
#
# Run from the build directory (make bench-startup does).  SITEMARK=PATH
# measures another build's program (the one before, to compare).
set -eu
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
sm=${SITEMARK:-$builddir/sitemark}
for f in "$sm" "$builddir/bench/bench_startup" "$builddir/sitemark-render"; do
	if [ ! -x "$f" ]; then
		echo "bench_startup.sh: $f is missing: run 'make bench-startup' from the build directory" >&2
		exit 1
	fi
done
SITEMARK_DATADIR=${SITEMARK_DATADIR:-$srcdir}
SITEMARK_RENDER=${SITEMARK_RENDER:-$builddir/sitemark-render}
export SITEMARK_DATADIR SITEMARK_RENDER
unset SITEMARK_DB SITEMARK_NOW SITEMARK_CONFIG || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
HOME=$tmp XDG_CONFIG_HOME=$tmp/config
export HOME XDG_CONFIG_HOME
RUNS=${RUNS:-200}
db=$tmp/demo.db
"$sm" --db "$db" init --demo >/dev/null

b() { "$builddir/bench/bench_startup" --runs "$RUNS" "$@"; }
echo "bench_startup: $sm: shared libraries: sitemark $(ldd "$sm" | wc -l)," \
    "sitemark-render $(ldd "$builddir/sitemark-render" | wc -l)"
b --label "sitemark --version" "$sm" --version
b --label "case list" "$sm" --db "$db" --as conac-li case list
printf 'q\n' >"$tmp/quit.keys"
b --label "console (open, quit)" "$sm" --db "$db" --as conac-li \
    --script "$tmp/quit.keys" --script-output "$tmp/screen.out"
case_id=$(sqlite3 "$db" "SELECT id FROM cases WHERE kind = 'site' AND state = 'paper_pending' ORDER BY id LIMIT 1" 2>/dev/null || true)
unit=$(sqlite3 "$db" "SELECT login FROM users WHERE role = 'unit' AND unit = (SELECT unit FROM cases WHERE id = '$case_id') LIMIT 1" 2>/dev/null || true)
if [ -n "$case_id" ] && [ -n "$unit" ]; then
	b --runs 20 --label "print letter (text)" "$sm" --db "$db" --as "$unit" print "$case_id" letter --out "$tmp/l.txt"
	b --runs 20 --label "print letter (PDF)" "$sm" --db "$db" --as "$unit" print "$case_id" letter --out "$tmp/l.pdf"
else
	echo "bench_startup: no paper_pending website case in the demo (or no sqlite3 shell): prints not timed"
fi
