#!/bin/sh
# Install, build, make a demo database (demo.db) and open the console on it.
#   scripts/demo.sh [LOGIN]     LOGIN: a demo account (default fz-review,
#                               the Fuzhou office's reviewer); see README.md
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
export SITEMARK_DATADIR="$PWD"
export SITEMARK_RENDER="$PWD/sitemark-render"   # the build tree's drawing helper
export SITEMARK_LOCALEDIR="$PWD/tests/locale"
make -s tests/locale/zh_CN/LC_MESSAGES/sitemark.mo
if [ -f demo.db ]; then
	./sitemark --db demo.db init >/dev/null   # an older demo: upgrade its schema
else
	./sitemark --db demo.db init --demo
fi
case "${LANG:-}" in *UTF-8*|*utf8*) ;; *) export LANG=zh_CN.UTF-8 ;; esac
exec ./sitemark --db demo.db --as "${1:-fz-review}"
