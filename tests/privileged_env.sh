#!/usr/bin/env bash
# privileged_env.sh - a set-group-id sitemark does not take its caller's
# SITEMARK_* variables: not the test clock (SITEMARK_NOW), not the database
# (SITEMARK_DB).  The same program run plainly does, so that the test can
# fail both ways.
#
# Needs root (to give a copy of the program another group and the set-group-id
# bit), a group "nogroup" or "nobody", and a file system mounted without
# nosuid; else it is skipped.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to make a set-group-id copy"
grp=
for g in nogroup nobody; do
	if getent group "$g" >/dev/null 2>&1; then
		grp=$g
		break
	fi
done
[ -n "$grp" ] || skip "no group nogroup or nobody"
[ "$(getent group "$grp" | cut -d: -f3)" != "$(id -g)" ] || skip "$grp is our own group"
if command -v findmnt >/dev/null 2>&1 &&
    findmnt -no OPTIONS -T "$T" 2>/dev/null | tr ',' '\n' | grep -qx nosuid; then
	skip "$T is on a file system mounted nosuid"
fi

SG="$T/sg/sitemark"
mkdir -p "$T/sg"
cp "$SITEMARK" "$SG" || die "cannot copy $SITEMARK"
chgrp "$grp" "$SG" && chmod 2755 "$SG" || die "cannot make $SG set-group-id"

# The data through a configuration file: a set-group-id run ignores
# SITEMARK_DATADIR too.
CFG="$T/sitemark.yaml"
printf 'forms: %s/forms\ndivisions: %s/data/divisions.tsv\ncalendar: %s/data/calendar.yaml\n' \
    "$top_srcdir" "$top_srcdir" "$top_srcdir" >"$CFG"
NOW=2026-02-13T10:00:00+08:00

# The caller's own privileges: the test clock is honoured.
run env SITEMARK_NOW=$NOW "$SITEMARK" --config "$CFG" --db "$T/plain.db" init
check_eq "plain run: init" 0 "$RC"
check_eq "plain run: stamped with SITEMARK_NOW" "$NOW" \
    "$(sqlite3 "$T/plain.db" 'SELECT at FROM requests')"

# Set-group-id: the system's clock.
run env SITEMARK_NOW=$NOW "$SG" --config "$CFG" --db "$T/sg.db" init
check_eq "set-group-id run: init" 0 "$RC"
at=$(sqlite3 "$T/sg.db" 'SELECT at FROM requests')
check_match "set-group-id run: stamped" '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T' "$at"
check_true "set-group-id run: not with SITEMARK_NOW ($at)" "$at" != "$NOW"

# SITEMARK_DB: taken plainly, ignored set-group-id (the default place then).
mkdir -p "$T/xdg"
run env SITEMARK_DB="$T/env-plain.db" XDG_DATA_HOME="$T/xdg" "$SITEMARK" --config "$CFG" init
check_true "plain run: SITEMARK_DB used" -f "$T/env-plain.db"
run env SITEMARK_DB="$T/env-sg.db" XDG_DATA_HOME="$T/xdg" "$SG" --config "$CFG" init
check_true "set-group-id run: SITEMARK_DB not used" ! -e "$T/env-sg.db"
check_true "set-group-id run: the default database instead" -f "$T/xdg/sitemark/sitemark.db"

finish
