# tests/lib.sh - shared helpers of the shell tests (sourced, not run).
#
# Sets a known environment (language, time zone, HOME, no configuration),
# makes a temporary directory $T that is removed on exit, and offers:
#
#   sm ARGS...              run sitemark on the test database $DB
#   run CMD...              run CMD: $RC, $OUT (stdout), $ERR (stderr)
#   expect_ok DESC CMD...   CMD exits 0
#   expect_refused DESC ERE CMD...
#                           CMD exits 1, says why on stderr (matching ERE,
#                           case-insensitive), prints nothing on stdout and
#                           leaves the database exactly as it was
#   expect_usage DESC CMD...   CMD exits 2 with a message on stderr
#   check_eq DESC EXPECTED ACTUAL, check_match DESC ERE TEXT,
#   check_nomatch DESC ERE TEXT, check_true DESC TEST-ARGS...
#   finish                  print "N passed, M failed" and exit
#
# Failed checks are counted and the script goes on (set SM_FAIL_FAST=1 to
# stop at the first one); die stops at once.  Set SM_KEEP=1 to keep $T.
#
# make check exports top_srcdir, top_builddir, SITEMARK_DATADIR and
# SITEMARK_LOCALEDIR; run by hand, they default from the script's location.
# SITEMARK may name the program to test (default $top_builddir/sitemark).

set -u
if [ -n "${BASH_VERSION:-}" ]; then
	set -o pipefail
fi

TESTNAME=$(basename "$0" .sh)
_here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$_here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${SITEMARK_DATADIR:=$top_srcdir}"
export top_srcdir top_builddir SITEMARK_DATADIR
# the drawing helper the program runs (sm_drawing.h): the build tree's
: "${SITEMARK_RENDER:=$top_builddir/sitemark-render}"
export SITEMARK_RENDER

# SITEMARK: the program under test (another build, a copy, a wrapper).
: "${SITEMARK:=$top_builddir/sitemark}"
VALUES="$top_srcdir/tests/values"

# ---------------------------------------------------------------- environment

_pick_locale() {
	for l in C.UTF-8 C.utf8 en_US.UTF-8 en_US.utf8; do
		if grep -qx "$l" <<<"$(locale -a 2>/dev/null)"; then
			echo "$l"
			return
		fi
	done
	echo C.UTF-8
}
LANG=$(_pick_locale)
LC_ALL=$LANG
export LANG LC_ALL
unset LANGUAGE LC_MESSAGES
# The program works in Asia/Shanghai time whatever the machine's zone is.
TZ=UTC
export TZ
unset SITEMARK_DB SITEMARK_CONFIG SITEMARK_NOW XDG_CONFIG_HOME XDG_DATA_HOME SSH_CLIENT

PASSED=0
FAILED=0
FINISHED=
BG_PIDS=

T=$(mktemp -d "${TMPDIR:-/tmp}/sitemark-$TESTNAME.XXXXXX") || {
	echo "$TESTNAME: cannot make a temporary directory" >&2
	exit 99
}
HOME="$T/home"
mkdir -p "$HOME"
export HOME
DB="$T/test.db"

_cleanup() {
	rc=$?
	for p in $BG_PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -z "$FINISHED" ]; then
		echo "$TESTNAME: stopped early"
		echo "$PASSED passed, $((FAILED > 0 ? FAILED : 1)) failed"
		[ "$rc" -eq 0 ] && rc=1
	fi
	if [ -n "${SM_KEEP:-}" ]; then
		echo "$TESTNAME: kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

skip() {
	echo "$TESTNAME: SKIP: $*"
	FINISHED=1
	exit 77
}

[ -x "$SITEMARK" ] || skip "no program at $SITEMARK (run make first)"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "the sqlite3 shell is not installed"

# The Chinese catalogue: make check installs it under tests/locale; by hand,
# build it from po/zh_CN.po when msgfmt is there.
if [ -z "${SITEMARK_LOCALEDIR:-}" ]; then
	if [ -f "$top_builddir/tests/locale/zh_CN/LC_MESSAGES/sitemark.mo" ]; then
		SITEMARK_LOCALEDIR="$top_builddir/tests/locale"
	elif command -v msgfmt >/dev/null 2>&1 && [ -f "$top_srcdir/po/zh_CN.po" ]; then
		mkdir -p "$T/locale/zh_CN/LC_MESSAGES"
		msgfmt -o "$T/locale/zh_CN/LC_MESSAGES/sitemark.mo" "$top_srcdir/po/zh_CN.po" 2>/dev/null
		SITEMARK_LOCALEDIR="$T/locale"
	else
		SITEMARK_LOCALEDIR="$T/locale"
	fi
fi
export SITEMARK_LOCALEDIR

# ---------------------------------------------------------------- running

sm() {
	"$SITEMARK" --db "$DB" "$@"
}

run() {
	"$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}

# A fingerprint of everything the database holds (schema and rows).
db_fingerprint() {
	case ${1:-$DB} in
	dqlite:*) "$DQ_SQL" "${1:-$DB}" --dump 2>&1 | cksum ;;
	*) sqlite3 -cmd '.timeout 10000' "${1:-$DB}" .dump 2>&1 | cksum ;;
	esac
}

q() {
	case $DB in
	dqlite:*) "$DQ_SQL" "$DB" "$*" ;;
	*) sqlite3 -cmd '.timeout 10000' "$DB" "$@" ;;
	esac
}

# q_json SQL: rows as sqlite3 -json prints them, whichever the backend (a
# cluster's read from a copy: tests/dq_sql has no JSON).
q_json() {
	case $DB in
	dqlite:*)
		rm -f "$T/.q_json.db"
		db_copy "$T/.q_json.db" && sqlite3 -json "$T/.q_json.db" "$1"
		;;
	*) sqlite3 -cmd '.timeout 10000' -json "$DB" "$1" ;;
	esac
}

# db_copy FILE: a consistent copy of the test database in the new local
# file FILE, whichever the backend (a cluster's through sitemark backup).
db_copy() {
	case $DB in
	dqlite:*) sm backup "$1" >/dev/null ;;
	*) q 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null && cp "$DB" "$1" ;;
	esac
}

# db_reset FILE LOGIN: the database as FILE (a copy db_copy made) again: on
# a file, FILE copied over it; on a cluster, the cluster made anew (empty
# data directories) and FILE restored into it by LOGIN (its system
# administrator).
db_reset() {
	case $DB in
	dqlite:*)
		dq_renew
		"$SITEMARK" --db "$DB" --as "$2" restore "$1" >/dev/null 2>"$T/reset.out" ||
		    die "restoring $1 into the cluster" "$(cat "$T/reset.out")"
		;;
	*)
		cp "$1" "$DB"
		rm -f "$DB-wal" "$DB-shm"
		;;
	esac
}

# ---------------------------------------------------------------- the backend
#
# SITEMARK_TEST_BACKEND=dqlite runs the suite on a three-node dqlite cluster
# of sitemark-node (tests/lib_dqlite.sh) started here on 127.0.0.1 and
# stopped by its pids on exit: DB is then the cluster's target
# ("dqlite:HOST:PORT,...;timeout=MS", what store.backend: dqlite and
# store.nodes make), so every sm and "$SITEMARK" --db "$DB" goes to it, and
# q and db_fingerprint read it through tests/dq_sql.  The thin TESTS
# entries tests/*_dqlite.sh set it and run the same suite.
if [ "${SITEMARK_TEST_BACKEND:-sqlite}" = dqlite ]; then
	NODE=${SITEMARK_NODE:-$top_builddir/sitemark-node}
	DQ_SQL=${DQ_SQL:-$top_builddir/tests/dq_sql}
	[ -x "$NODE" ] || skip "no sitemark-node at $NODE"
	[ -x "$DQ_SQL" ] || skip "no tests/dq_sql at $DQ_SQL (make tests/dq_sql)"
	command -v python3 >/dev/null 2>&1 || skip "python3 (to find free ports) is not installed"
	. "$top_srcdir/tests/lib_dqlite.sh"
	dq_ports
	DB="dqlite:${ADDRS[1]},${ADDRS[2]},${ADDRS[3]};timeout=${DQ_TIMEOUT_MS:-10000}"
	# what is this machine's on a cluster (notify run's lock) goes here
	XDG_RUNTIME_DIR=$T
	export XDG_RUNTIME_DIR
	start_node 1
	sleep 0.2
	start_node 2
	start_node 3
	wait_voters 3 || { FINISHED=1; echo "$TESTNAME: the cluster did not form" >&2; cat "$T"/node*.log >&2; exit 99; }
	echo "# backend: dqlite, three nodes ${ADDRS[*]}"
elif [ "${SITEMARK_TEST_BACKEND:-sqlite}" != sqlite ]; then
	skip "SITEMARK_TEST_BACKEND is sqlite or dqlite, not $SITEMARK_TEST_BACKEND"
fi

# ---------------------------------------------------------------- checks

pass() {
	PASSED=$((PASSED + 1))
	echo "ok $((PASSED + FAILED)) - $1"
}

fail() {
	FAILED=$((FAILED + 1))
	echo "not ok $((PASSED + FAILED)) - $1"
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
	if [ -n "${SM_FAIL_FAST:-}" ]; then
		exit 1
	fi
	return 1
}

die() {
	fail "$@"
	echo "$TESTNAME: cannot go on"
	exit 1
}

_cmd_detail() {
	printf 'command: %s\nexit: %s\nstdout: %s\nstderr: %s' "$*" "$RC" \
	    "$(printf '%s' "$OUT" | head -c 2000)" "$(printf '%s' "$ERR" | head -c 2000)"
}

check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected: $2" "got:      $3"
	fi
}

# (a here-string, not a pipe: grep -q stops at the first match, and under
# pipefail the writer's SIGPIPE would turn a match into a failure)
check_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		pass "$1"
	else
		fail "$1" "expected to match: $2" "got: $(printf '%s' "$3" | head -c 2000)"
	fi
}

check_nomatch() {
	if grep -Eq -- "$2" <<<"$3"; then
		fail "$1" "expected not to match: $2" "got: $(printf '%s' "$3" | head -c 2000)"
	else
		pass "$1"
	fi
}

check_true() {
	local desc=$1
	shift
	if [ "$@" ]; then
		pass "$desc"
	else
		fail "$desc" "test failed: [ $* ]"
	fi
}

expect_ok() {
	local desc=$1
	shift
	run "$@"
	if [ "$RC" -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" "$(_cmd_detail "$@")"
	fi
}

expect_refused() {
	local desc=$1 ere=$2 before after
	shift 2
	before=$(db_fingerprint)
	run "$@"
	after=$(db_fingerprint)
	local why
	why=$(_refusal_why "$ere")
	[ -z "$why" ] && [ "$before" != "$after" ] && why="the database changed"
	_refusal_report "$desc" "$why" "$@"
}

# After run: why the command was not a clean refusal matching ERE (exit 1,
# the reason on stderr, nothing on stdout), or nothing.
_refusal_why() {
	if [ "$RC" -ne 1 ]; then
		echo "exit status $RC, expected 1"
	elif [ -z "$ERR" ]; then
		echo "nothing on stderr"
	elif ! grep -Eqi -- "$1" <<<"$ERR"; then
		echo "stderr does not match: $1"
	elif [ -n "$OUT" ]; then
		echo "something on stdout"
	fi
}

_refusal_report() { # DESC WHY CMD...
	local desc=$1 why=$2
	shift 2
	if [ -z "$why" ]; then
		pass "$desc"
	else
		fail "$desc" "$why" "$(_cmd_detail "$@")"
	fi
}

# expect_login_refused DESC ERE CMD...: as expect_refused, for a refused
# login: it writes exactly one thing, its audit record (login-failed).
expect_login_refused() {
	local desc=$1 ere=$2 before after
	shift 2
	before=$(q "select count(*) from audit where action = 'login-failed'")
	run "$@"
	after=$(q "select count(*) from audit where action = 'login-failed'")
	local why
	why=$(_refusal_why "$ere")
	[ -z "$why" ] && [ "$after" != "$((before + 1))" ] && why="not audited once (login-failed: $before, then $after)"
	_refusal_report "$desc" "$why" "$@"
}

expect_usage() {
	local desc=$1 before after
	shift
	before=$(db_fingerprint)
	run "$@"
	after=$(db_fingerprint)
	local why=
	[ "$RC" -eq 2 ] || why="exit status $RC, expected 2"
	[ -z "$why" ] && [ -z "$ERR" ] && why="nothing on stderr"
	[ -z "$why" ] && [ "$before" != "$after" ] && why="the database changed"
	if [ -z "$why" ]; then
		pass "$desc"
	else
		fail "$desc" "$why" "$(_cmd_detail "$@")"
	fi
}

finish() {
	FINISHED=1
	echo "$PASSED passed, $FAILED failed"
	if [ "$FAILED" -gt 0 ]; then
		exit 1
	fi
	exit 0
}

# ---------------------------------------------------------------- the domain

# Case N as JSON, read by LOGIN (default: $VIEWER, someone who sees all cases).
case_json() {
	sm --as "${2:-$VIEWER}" --json case show "$1"
}

state_of() {
	case_json "$1" "${2:-$VIEWER}" | jq -r .state
}

version_of() {
	case_json "$1" "${2:-$VIEWER}" | jq -r .version
}

audit_rows() {
	q "select count(*) from audit where object='case' and object_id=$1"
}

# Whether the zh_CN locale exists on this machine.
have_zh_locale() {
	grep -Eqix 'zh_CN\.utf-?8' <<<"$(locale -a 2>/dev/null)"
}

# The Chinese translation of MSGID in the catalogue the program uses, or
# nothing when the catalogue does not translate it (yet).
# need_zh: skip the test without the zh_CN.UTF-8 locale or the built catalogue.
need_zh() {
	have_zh_locale || skip "the zh_CN.UTF-8 locale is missing (locale -a)"
	[ -f "$SITEMARK_LOCALEDIR/zh_CN/LC_MESSAGES/sitemark.mo" ] ||
	    skip "no Chinese catalogue under $SITEMARK_LOCALEDIR (make tests/locale/zh_CN/LC_MESSAGES/sitemark.mo)"
}

zh_translation() {
	command -v gettext >/dev/null 2>&1 || return 0
	have_zh_locale || return 0
	local tr
	tr=$(LANGUAGE=zh_CN LC_ALL=zh_CN.UTF-8 TEXTDOMAINDIR="$SITEMARK_LOCALEDIR" \
	    gettext sitemark "$1" 2>/dev/null)
	if [ -n "$tr" ] && [ "$tr" != "$1" ]; then
		printf '%s' "$tr"
	fi
}

# How many CJK ideographs (U+4E00-U+9FFF: lead bytes E4-E9) TEXT holds.
has_cjk() {
	printf '%s' "$1" | LC_ALL=C grep -o "[$(printf '\344')-$(printf '\351')]" | wc -l | tr -d ' '
}

# Bytes of terminal control in FILE: C0 controls but tab and newline, DEL,
# and the C1 controls U+0080-U+009F encoded in UTF-8 or as raw bytes.
control_bytes() {
	LC_ALL=C tr -dc '\000-\010\013-\037\177' <"$1" | wc -c | tr -d ' '
}
c1_controls() {
	LC_ALL=C grep -c "$(printf '\302')[$(printf '\200')-$(printf '\237')]" "$1"
}
# Lines of FILE with the bidi controls U+202A-U+202E, U+2066-U+2069.
bidi_controls() {
	LC_ALL=C grep -c -e "$(printf '\342\200')[$(printf '\252')-$(printf '\256')]" \
	    -e "$(printf '\342\201')[$(printf '\246')-$(printf '\251')]" "$1"
}

# A fresh database with offices, reviewers and two registered units, each
# with a registered domain.  Sets VIEWER.  Users:
#   admin: the Unix login (sysadmin); aud (auditor); sec (secadmin);
#   conac1, conac2 (conac); fz-rev1..6 (office 350100); xm-rev (office
#   350200); kf (service);
#   org-op (unit: 福州市人民政府办公厅, organ, 福州市人民政府.政务);
#   lib-op (unit: 福州市图书馆, institution, 福州市图书馆.公益).
# Staff: the system administrator (the caller) creates LOGIN for ROLE and
# the security administrator sec grants it (三员分立).  Further arguments go
# to user add (--office CODE, --name N, ...).
add_staff() {
	_login=$1 _role=$2
	shift 2
	sm user add "$_login" --role "$_role" "$@" >/dev/null || die "user add $_login"
	sm --as sec user role "$_login" "$_role" >/dev/null || die "user role $_login $_role"
}

make_world() {
	sm init >/dev/null || die "init"
	sm user add aud --role auditor >/dev/null || die "user add aud"
	sm user add sec --role secadmin >/dev/null || die "user add sec"
	sm office add 350000 --name 中共福建省委机构编制委员会办公室 >/dev/null || die "office add 350000"
	sm office add 350100 --name 中共福州市委机构编制委员会办公室 >/dev/null || die "office add 350100"
	sm office add 350200 --name 中共厦门市委机构编制委员会办公室 >/dev/null || die "office add 350200"
	for u in conac1 conac2; do
		add_staff $u conac
	done
	for i in 1 2 3 4 5 6; do
		add_staff fz-rev$i office --office 350100
	done
	add_staff xm-rev office --office 350200
	add_staff kf service
	ORG_UNIT=$(sm unit register --values "$VALUES/unit-organ-fj.yaml" --login org-op) ||
	    die "unit register organ"
	LIB_UNIT=$(sm unit register --values "$VALUES/unit-institution-fj.yaml" --login lib-op) ||
	    die "unit register institution"
	for u in org-op lib-op; do
		sm --as sec user role $u unit >/dev/null || die "user role $u unit"
	done
	VIEWER=conac1
	ORG_DOMAIN_CASE=$(register_domain org-op "$VALUES/domain.yaml") ||
	    die "registering 福州市人民政府.政务"
	LIB_DOMAIN_CASE=$(register_domain lib-op "$VALUES/domain-gongyi.yaml") ||
	    die "registering 福州市图书馆.公益"
}

# Take a domain case through to registered; prints its id.
register_domain() {
	_id=$(sm --as "$1" case new domain --values "$2") &&
	sm --as "$1" case act "$_id" submit >/dev/null &&
	sm --as fz-rev1 case act "$_id" approve >/dev/null &&
	sm --as conac1 case act "$_id" approve >/dev/null &&
	sm --as conac2 case act "$_id" confirm-payment --values "$VALUES/confirm-payment.yaml" \
	    >/dev/null &&
	echo "$_id"
}

# expected_keybar SCREEN ACTIONS [list]: the English key bar of a queue (list)
# or a case pager whose case allows ACTIONS (names, as `case show --json`
# gives them from the rules; "print" when its .may_print says the user may
# print the letter and form).  SCREEN is the role's key table: office, conac,
# unit (with "new" when the queue starts applications), service.  The F-keys
# of each action are the console's; which of them show is the rules' say.
expected_keybar() {
	local screen=$1 actions=" $2 " list=${3:-} bar="1Help"
	has() { case $actions in *" $1 "*) return 0 ;; esac; return 1; }
	case $screen in
	office)
		has approve && bar="$bar 2Approve"
		has reject && bar="$bar 3Return"
		has confirm-paper && bar="$bar 4Paper OK"
		has reject-paper && bar="$bar 5Paper bad"
		has verify-hung && bar="$bar 6Hung"
		has print && [ -z "$list" ] && bar="$bar 7Print letter 8Print form" ;;
	conac)
		has approve && bar="$bar 2Approve"
		has reject && bar="$bar 3Return"
		has confirm-payment && bar="$bar 4Paid"
		has flag-missing && bar="$bar 5Missing"
		has verify-hung && bar="$bar 6Hung"
		[ -z "$list" ] && bar="$bar 7Unmask" ;;   # the pager: values are masked for CONAC
	unit*)
		has submit && [ -n "$list" ] && bar="$bar 2Submit 3Edit"
		[ "$screen" = unit-new ] && [ -n "$list" ] && bar="$bar 4New"
		has withdraw && bar="$bar 5Withdraw"
		has print && [ -z "$list" ] && bar="$bar 6Print letter 7Print form" ;;
	service)
		[ -n "$actions" ] && bar="$bar 2Note"
		[ -n "$list" ] && bar="$bar 3Search"
		[ -z "$list" ] && bar="$bar 7Unmask" ;;   # the pager: values are masked for service
	esac
	[ -n "$list" ] && bar="$bar 7Sort 8Filter"
	echo "$bar 9Refresh 10Quit"
}
