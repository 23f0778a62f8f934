#!/usr/bin/env bash
# screens.sh - every screen of the console, as golden 80x24 text, in Chinese
# and in English.
#
# Each tests/screens/NAME.keys is a script for the console's script mode
# (sitemark --script): its "# login: LOGIN" line says who runs it, the rest
# are keys and directives.  The runner appends ":dump" and compares the
# screen with tests/screens/golden/NAME.zh.txt (LANG=zh_CN.UTF-8) and
# NAME.en.txt (C.UTF-8, English).  On a difference it shows the diff.
#
#   tests/screens.sh            compare
#   tests/screens.sh --update   write the golden files anew (then LOOK at them)
#   tests/screens.sh NAME...    only these screens
#
# On a cluster (tests/screens_dqlite.sh) the same screens, the same goldens.
#
# Every screen starts from the same database: the demo data (init --demo)
# at a fixed time, the Unix login renamed "admin", and "newop", a unit
# operator whose unit is not registered yet.  A "# sql: STATEMENT" line in a
# script changes its copy of the database first.  Each run gets a copy of that
# database and an empty HOME (drafts), so screens do not depend on each other.

. "$(dirname "$0")/lib.sh"

UPDATE=
ONLY=
for arg in "$@"; do
	case $arg in
	--update) UPDATE=1 ;;
	-*) echo "usage: $0 [--update] [NAME...]" >&2; FINISHED=1; exit 2 ;;
	*) ONLY="$ONLY $arg" ;;
	esac
done

need_zh

SCREENS="$top_srcdir/tests/screens"
GOLDEN="$SCREENS/golden"
NOW=2026-11-20T10:00:00+08:00

export TERM=xterm LINES=24 COLUMNS=80 TZ=UTC
unset NO_COLOR ESCDELAY XDG_STATE_HOME

# ---------------------------------------------------------------- the database

BASE="$T/base.db"
SITEMARK_NOW=$NOW "$SITEMARK" --db "$BASE" init --demo >"$T/init.out" 2>&1 ||
    die "init --demo" "$(cat "$T/init.out")"
# The Unix login that ran init is the system administrator: give it a fixed
# name, so that the screens do not depend on who runs the tests.
sqlite3 "$BASE" "UPDATE users SET login = 'admin' WHERE role = 'sysadmin'" ||
    die "renaming the system administrator"
SITEMARK_NOW=$NOW "$SITEMARK" --db "$BASE" --as admin user add newop --role unit --name 新用户 \
    >/dev/null 2>"$T/init.out" || die "user add newop" "$(cat "$T/init.out")"
SITEMARK_NOW=$NOW "$SITEMARK" --db "$BASE" --as secadmin user role newop unit \
    >/dev/null 2>"$T/init.out" || die "user role newop" "$(cat "$T/init.out")"

# On a cluster (SITEMARK_TEST_BACKEND=dqlite): the same database restored
# into it; a screen whose script changed it (its fingerprint) has the
# cluster made anew (empty data directories, the base restored again).
if [ "${DB#dqlite:}" != "$DB" ]; then
	restore_base() {
		SITEMARK_NOW=$NOW "$SITEMARK" --db "$DB" --as admin restore "$BASE" >/dev/null 2>"$T/init.out" ||
		    die "restoring the base into the cluster" "$(cat "$T/init.out")"
		BASE_FP=$(db_fingerprint)
	}
	renew_cluster() {
		dq_renew || die "the cluster made anew"
		restore_base
	}
	restore_base
	RENEWED=0
fi

# ---------------------------------------------------------------- one screen

mkdir -p "$T/out"
# shot NAME LANG: run NAME.keys in LANG (zh or en); the screen goes to
# $T/out/NAME.LANG.txt.
shot() {
	local name=$1 lang=$2 keys="$SCREENS/$1.keys" login out="$T/out/$1.$2.txt"
	login=$(sed -n 's/^# login: *//p' "$keys" | head -1)
	if [ -z "$login" ]; then
		fail "$name: no '# login:' line in $name.keys"
		return 1
	fi
	local work="$T/work.db"
	if [ -n "${BASE_FP:-}" ]; then
		# the cluster, as the base left it
		work=$DB
		sed -n 's/^# sql: *//p' "$keys" >"$T/sql"
		if [ -s "$T/sql" ]; then
			"$DQ_SQL" "$DB" "$(cat "$T/sql")" || { fail "$name: its '# sql:' lines"; return 1; }
		fi
	else
	cp "$BASE" "$T/work.db"
	# and its anchors, as they were (audit verify appends to them)
	rm -f "$T/work.db.anchors"
	if [ -f "$BASE.anchors" ]; then
		cp "$BASE.anchors" "$T/work.db.anchors"
	fi
	# "# sql: STATEMENT" lines change the copy first (a broken audit chain)
	sed -n 's/^# sql: *//p' "$keys" | sqlite3 "$T/work.db" ||
	    { fail "$name: its '# sql:' lines"; return 1; }
	fi
	rm -rf "$T/home"
	mkdir -p "$T/home"
	# "# config: LINE" lines are its configuration file (print.printer ...)
	if grep -q '^# config:' "$keys"; then
		mkdir -p "$T/home/.config/sitemark"
		sed -n 's/^# config: \{0,1\}//p' "$keys" >"$T/home/.config/sitemark/sitemark.yaml"
	fi
	if [ -n "${BASE_FP:-}" ]; then
		# a cluster's anchors are where audit.anchors says: the base's
		mkdir -p "$T/home/.config/sitemark"
		printf 'audit:\n  anchors: %s\n' "$T/work.db.anchors" >>"$T/home/.config/sitemark/sitemark.yaml"
		rm -f "$T/work.db.anchors"
		[ -f "$BASE.anchors" ] && cp "$BASE.anchors" "$T/work.db.anchors"
	fi
	{ cat "$keys"; echo; echo ":dump $out"; } >"$T/script"
	if [ "$lang" = zh ]; then
		env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN HOME="$T/home" SITEMARK_NOW=$NOW \
		    "$SITEMARK" --db "$work" --as "$login" --script "$T/script" \
		    --script-output "$T/bytes" >"$T/shot.out" 2>"$T/shot.err"
	else
		env LANG="$LANG" LC_ALL="$LANG" LANGUAGE=en HOME="$T/home" SITEMARK_NOW=$NOW \
		    "$SITEMARK" --db "$work" --as "$login" --script "$T/script" \
		    --script-output "$T/bytes" >"$T/shot.out" 2>"$T/shot.err"
	fi
	local rc=$?
	if [ -n "${BASE_FP:-}" ] && [ "$(db_fingerprint)" != "$BASE_FP" ]; then
		renew_cluster
		RENEWED=$((RENEWED + 1))
	fi
	if [ "$rc" -ne 0 ] || [ ! -f "$out" ]; then
		fail "$name.$lang: the console ran" "exit $rc" "$(head -c 2000 "$T/shot.err")"
		return 1
	fi
	# The version in the menu's status line is not part of the screen's design.
	sed -i 's/^sitemark [0-9][0-9a-z.~+-]*  |/sitemark VERSION  |/' "$out"
	# Nor are the audit log's hashes: they hang on the first record, made by
	# init with a random request id and the runner's SSH client.
	sed -i -E 's/\b[0-9a-f]{64}\b/################################################################/g' "$out"
	return 0
}

# compare NAME LANG: the screen against its golden file.
compare() {
	local name=$1 lang=$2 out="$T/out/$1.$2.txt" gold="$GOLDEN/$1.$2.txt"
	local rows want
	# as many rows as the terminal has: 24, or the last :resize's
	want=$(sed -n 's/^:resize [0-9][0-9]* \([0-9][0-9]*\) *$/\1/p' "$SCREENS/$name.keys" | tail -1)
	rows=$(wc -l <"$out")
	if [ "$rows" -ne "${want:-24}" ]; then
		fail "$name.$lang: ${want:-24} rows" "the dump has $rows rows"
	fi
	if [ -n "$UPDATE" ]; then
		if cmp -s "$out" "$gold"; then
			pass "$name.$lang: unchanged"
		else
			cp "$out" "$gold"
			pass "$name.$lang: written"
			echo "# wrote $gold: look at it"
		fi
	elif [ ! -f "$gold" ]; then
		fail "$name.$lang: golden file" "$gold is missing: run tests/screens.sh --update and look at it" \
		    "$(cat "$out")"
	elif cmp -s "$gold" "$out"; then
		pass "$name.$lang"
	else
		fail "$name.$lang: differs from tests/screens/golden/$name.$lang.txt" \
		    "$(diff -u "$gold" "$out" | sed 's/ *$//' | head -80)"
	fi
}

# ---------------------------------------------------------------- all of them

mkdir -p "$GOLDEN"
count=0
for keys in "$SCREENS"/*.keys; do
	name=$(basename "$keys" .keys)
	if [ -n "$ONLY" ]; then
		case " $ONLY " in
		*" $name "*) ;;
		*) continue ;;
		esac
	fi
	count=$((count + 1))
	for lang in zh en; do
		shot "$name" "$lang" && compare "$name" "$lang"
	done
done
check_true "screens found" "$count" -gt 0

# Golden files whose script is gone.
if [ -z "$ONLY" ]; then
	stray=
	for gold in "$GOLDEN"/*.txt; do
		[ -e "$gold" ] || continue
		name=$(basename "$gold" .txt)
		name=${name%.*}
		[ -f "$SCREENS/$name.keys" ] || stray="$stray $(basename "$gold")"
	done
	check_eq "every golden file has its script" "" "$stray"
fi
[ -n "${BASE_FP:-}" ] && echo "# the cluster was made anew after $RENEWED screens"

finish
