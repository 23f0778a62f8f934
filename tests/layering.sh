#!/bin/sh
# layering.sh - the front ends reach the data only through the core's API.
#
# No file of src/cli or src/tui includes sm_store.h (the build stops too:
# they are compiled with SM_FRONT_END, which sm_store.h refuses), nor
# sqlite3.h or curses outside the console's shim; the core includes no
# curses and prints nothing; no front end spells a state or role name as a
# string: the words live in sm_vocab.c.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top_srcdir" || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) - $1"; }
bad() { fail=$((fail + 1)); echo "not ok $((pass + fail)) - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
check_none() { # DESC OUTPUT
	if [ -z "$2" ]; then ok "$1"; else bad "$1" "$(echo "$2" | head -5)"; fi
}

check_none "no front-end file includes sm_store.h" \
    "$(grep -n '#include *"sm_store.h"' src/cli/*.[ch] src/tui/*.[ch])"
check_none "no front-end file includes sqlite3.h" \
    "$(grep -n '#include *<sqlite3.h>' src/cli/*.[ch] src/tui/*.[ch])"
check_none "no front-end file calls the store" \
    "$(grep -n 'sm_store_\|sm_tx_' src/cli/*.[ch] src/tui/*.[ch])"
check_none "the front ends are built with SM_FRONT_END" \
    "$(grep -q 'sitemark_CFLAGS.*-DSM_FRONT_END' Makefile.am || echo 'Makefile.am: sitemark_CFLAGS lacks -DSM_FRONT_END')"
check_none "sm_store.h refuses SM_FRONT_END" \
    "$(grep -q '#ifdef SM_FRONT_END' src/core/sm_store.h || echo 'src/core/sm_store.h has no guard')"
check_none "only the SQLite driver includes sqlite3.h" \
    "$(grep -ln '#include *<sqlite3.h>' src/*/*.[ch] | grep -v '^src/core/sm_db_sqlite.c$')"
check_none "the core includes no curses" \
    "$(grep -n '#include *<n\?curses' src/core/*.[ch])"
check_none "the core prints nothing" \
    "$(grep -n '\bprintf *(\|\bputs *(\|fputs *([^,]*, *std\(out\|err\))\|fprintf *(std\(out\|err\)' src/core/*.c)"
# The start-up (HACKING.md): drawing only in the helper sitemark-render,
# libcurl only through its on-demand loader.
check_none "only the drawing helper's files include pango or cairo" \
    "$(grep -ln '#include *<\(pango\|cairo\)' src/*/*.[ch] | grep -v '^src/print/\(sm_render\|sm_badge\)\.c$')"
check_none "only sm_curl.h includes curl/curl.h" \
    "$(grep -ln '#include *<curl/' src/*/*.[ch] | grep -v '^src/core/sm_curl.h$')"
check_none "only the helper (and two benchmarks) link pango, cairo or libcurl" \
    "$(grep -n '^\([A-Za-z_]*_LDADD\|[A-Z_]*_LIBS\) *+\?=.*\(PANGO\|PANGOCAIRO\|CURL\)_LIBS' Makefile.am |
       grep -v '^[0-9]*:\(sitemark_render\|bench_bench_print\|bench_bench_smtp_loop\)_LDADD')"
check_none "only the console's shim includes curses" \
    "$(grep -ln '#include *<n\?curses' src/cli/*.[ch] src/tui/*.[ch] | grep -v 'tui_curses.h')"
# State and role names appear in the front ends only as the core names them.
words='"\(draft\|office_review\|conac_review\|returned\|awaiting_payment\|registered\|paper_pending\|mark_issued\|mark_hung\|withdrawn\|sysadmin\|secadmin\|auditor\|conac\|approve\|reject\|submit\|withdraw\|confirm-payment\|confirm-paper\|reject-paper\|verify-hung\|publish-redpage\|flag-missing\)"'
check_none "no state, role or action name as a string literal in the front ends" \
    "$(grep -n "$words" src/cli/*.[ch] src/tui/*.[ch])"
# And the build guard holds: a front-end file that includes sm_store.h does not compile.
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf '#include "sm_store.h"\nint main(void) { return 0; }\n' > "$tmp/front.c"
if ${CC:-cc} -DSM_FRONT_END -I"$top_srcdir/src/core" $(pkg-config --cflags jansson 2>/dev/null) \
    -c "$tmp/front.c" -o "$tmp/front.o" 2>"$tmp/err"; then
	bad "a front-end file including sm_store.h fails to compile" "it compiled"
elif grep -q 'sm_store.h is the core' "$tmp/err"; then
	ok "a front-end file including sm_store.h fails to compile"
else
	bad "a front-end file including sm_store.h fails to compile, with the guard's message" "$(head -3 "$tmp/err")"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
