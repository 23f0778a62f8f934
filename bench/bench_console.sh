#!/bin/sh
# bench_console.sh - what the console costs on the wire and in time.
#
# Counts the bytes the console writes to its terminal (script mode, output
# to a file) for: moving the cursor one row in a queue, opening a case, a full
# 80x24 repaint in Chinese; and the time from a key to the finished screen.
# Run by `make bench` after bench_store, on its million-case database (or on
# DB given as $1).  Prints numbers, fails nothing.
set -eu
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
dir=${SITEMARK_BENCH_DIR:-${TMPDIR:-/tmp}/sitemark-bench}
db=${1:-$dir/bench.db}
[ -f "$db" ] || { echo "bench_console: no database $db (run make bench)" >&2; exit 1; }
export SITEMARK_DATADIR=${SITEMARK_DATADIR:-$srcdir}
export SITEMARK_LOCALEDIR=${SITEMARK_LOCALEDIR:-$builddir/tests/locale}
export LANG=zh_CN.UTF-8 LANGUAGE=zh_CN TERM=xterm LINES=24 COLUMNS=80
unset SITEMARK_NOW || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the office with the longest online review queue, and one of its reviewers
office=$(sqlite3 "$db" "select office from cases where state='office_review' group by office order by count(*) desc limit 1")
login=$(sqlite3 "$db" "select login from users where role='office' and office='$office' limit 1")
queue=$(sqlite3 "$db" "select count(*) from cases where state='office_review' and office='$office'")
total=$(sqlite3 "$db" "select count(*) from cases")
if [ -z "$login" ]; then
	echo "bench_console: no office reviewer in $db" >&2
	exit 1
fi

{
	echo ":bytes start"
	echo ":time start"
	echo "1"
	echo ":time open-queue"
	echo ":bytes open-queue"
	i=0
	while [ $i -lt 20 ]; do
		echo "<Down>"
		echo ":time row-move"
		echo ":bytes row-move"
		i=$((i + 1))
	done
	echo "<Enter>"
	echo ":time open-case"
	echo ":bytes open-case"
	echo "q"
	echo ":time close-case"
	echo ":bytes close-case"
	i=0
	while [ $i -lt 5 ]; do
		echo "<C-l>"
		echo ":time repaint"
		echo ":bytes repaint"
		i=$((i + 1))
	done
	echo "<PgDn>"
	echo ":time page-down"
	echo ":bytes page-down"
	# back to the menu and into the queue again: the opening, five times more
	i=0
	while [ $i -lt 5 ]; do
		echo "q"
		echo ":time back"
		echo "1"
		echo ":time open-queue"
		i=$((i + 1))
	done
	echo "Q"
} > "$tmp/keys"

"$builddir/sitemark" --db "$db" --as "$login" --script "$tmp/keys" --script-output "$tmp/tty" 2> "$tmp/log" || true

stat_of() { # label kind(bytes|time) -> "min median max"
	grep "^$2 $1 " "$tmp/log" | awk '{print $3}' | sort -n |
		awk '{v[NR]=$1} END {if (NR) printf "min %s  median %s  max %s  (n=%d)", v[1], v[int((NR+1)/2)], v[NR], NR; else printf "none"}'
}
echo "console on $total cases; office $office ($login), online review queue of $queue cases; 80x24, zh_CN"
echo "  bytes, one row move in a queue:   $(stat_of row-move bytes)   (aim <= 64)"
echo "  bytes, opening a case:            $(stat_of open-case bytes)"
echo "  bytes, full 80x24 repaint:        $(stat_of repaint bytes)   (aim <= 4096)"
echo "  bytes, opening the queue:         $(stat_of open-queue bytes)"
echo "  ms, key to finished screen, row move:   $(stat_of row-move time)   (aim < 16)"
echo "  ms, key to finished screen, open case:  $(stat_of open-case time)"
echo "  ms, key to finished screen, page down:  $(stat_of page-down time)"
echo "  ms, opening the queue from the menu:    $(stat_of open-queue time)   (aim <= 16)"
echo "  ms, full repaint:                       $(stat_of repaint time)"
