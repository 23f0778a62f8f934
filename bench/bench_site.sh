#!/bin/sh
# bench_site.sh - make bench: `site export` of 100,000 marks (issue 8).
#
# Builds (once) a database of 100,000 issued marks, a tenth on published red
# pages, and prints the time of a full export into an empty directory, of an
# export again with nothing changed, and of one after one change (a mark
# withdrawn), with the files each wrote.  The database and the exported site
# are kept in $SITEMARK_BENCH_DIR, by default ${TMPDIR:-/tmp}/sitemark-bench
# (about 0.5 GB with the site); BENCH_SITE_FLAGS passes --marks N.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
dir=${SITEMARK_BENCH_DIR:-${TMPDIR:-/tmp}/sitemark-bench}
if [ ! -x "$builddir/bench/bench_site" ]; then
	echo "bench_site.sh: $builddir/bench/bench_site is missing: run 'make bench'" >&2
	exit 1
fi
mkdir -p "$dir/config"
SITEMARK_DATADIR=${SITEMARK_DATADIR:-$srcdir}
XDG_CONFIG_HOME="$dir/config"
export SITEMARK_DATADIR XDG_CONFIG_HOME
# the images are drawn by the build tree's helper (sm_drawing.h)
SITEMARK_RENDER=${SITEMARK_RENDER:-$builddir/sitemark-render}
export SITEMARK_RENDER
unset SITEMARK_DB SITEMARK_NOW SITEMARK_CONFIG || true
# shellcheck disable=SC2086
exec "$builddir/bench/bench_site" --dir "$dir" ${BENCH_SITE_FLAGS:-}
