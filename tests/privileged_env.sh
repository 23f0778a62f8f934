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

# Privileged, the forms, the data and the default database come only from
# the installed places (issue 7, point 1): the copy runs in a private mount
# namespace where a tree holding the source's forms and data stands at the
# configured prefix ($SG_RUN).
unshare --mount --propagation private true 2>/dev/null || skip "no mount namespaces here"
B=${top_builddir:-$top_srcdir}
printf 'include Makefile\nsm-print-%%:\n\t@echo $($*)\n' >"$T/print.mk"
dir_of() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$B" -f "$T/print.mk" "sm-print-$1" | tail -n 1; }
prefix=$(dir_of prefix) pkgdatadir=$(dir_of pkgdatadir) dbdir=$(dir_of sitemarkdbdir)
case $prefix in
/ | /usr | '') skip "prefix $prefix: the test binds a tree over it" ;;
esac
[ -d "$prefix" ] || skip "$prefix does not exist to bind a tree over"
case $pkgdatadir/$dbdir/ in "$prefix"/*"$prefix"/*) ;; *) skip "the data or database directory is outside $prefix" ;; esac
P="$T/prefix"
mkdir -p "$P${pkgdatadir#"$prefix"}" "$P${dbdir#"$prefix"}"
cp -r "$top_srcdir/forms" "$top_srcdir/data" "$P${pkgdatadir#"$prefix"}/" || die "cannot copy the data"
SG_RUN="$T/sgrun"
printf '#!/bin/sh\nexec unshare --mount --propagation private sh -c '"'"'mount --bind "$1" "$2" || exit 99; shift 2; exec "$@"'"'"' sh "%s" "%s" "%s" "$@"\n' \
    "$P" "$prefix" "$SG" >"$SG_RUN"
chmod +x "$SG_RUN"

# The data through a configuration file for the plain runs (privileged,
# these keys are ignored with a warning).
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
run env SITEMARK_NOW=$NOW "$SG_RUN" --config "$CFG" init
check_eq "set-group-id run: init" 0 "$RC"
SGDB="$P${dbdir#"$prefix"}/sitemark.db" # the installed place (--db is refused)
at=$(sqlite3 "$SGDB" 'SELECT at FROM requests')
check_match "set-group-id run: stamped" '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T' "$at"
check_true "set-group-id run: not with SITEMARK_NOW ($at)" "$at" != "$NOW"

# SITEMARK_DB: taken plainly, ignored set-group-id (the default place then).
mkdir -p "$T/xdg"
run env SITEMARK_DB="$T/env-plain.db" XDG_DATA_HOME="$T/xdg" "$SITEMARK" --config "$CFG" init
check_true "plain run: SITEMARK_DB used" -f "$T/env-plain.db"
run env SITEMARK_DB="$T/env-sg.db" XDG_DATA_HOME="$T/xdg" "$SG_RUN" --config "$CFG" init
check_true "set-group-id run: SITEMARK_DB not used" ! -e "$T/env-sg.db"
check_true "set-group-id run: not the caller's \$XDG_DATA_HOME either" ! -e "$T/xdg/sitemark/sitemark.db"
check_true "set-group-id run: the installed place instead" -f "$P${dbdir#"$prefix"}/sitemark.db"

# SITEMARK_LOCALEDIR: a catalogue whose Chinese for a message holds more
# %s than its English (msgfmt without -c takes it) crashes or garbles a
# program that uses it; a set-group-id run uses only the installed catalogue
# (LOCALEDIR) and so says the same with or without it (issue 7, point 2).
if command -v msgfmt >/dev/null 2>&1 && locale -a 2>/dev/null | grep -qix 'zh_CN.utf-\?8'; then
	mkdir -p "$T/badloc/zh_CN/LC_MESSAGES"
	sed 's/^msgstr "申请 %lld 不存在"$/msgstr "申请 %lld 不存在%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s"/' \
	    "$top_srcdir/po/zh_CN.po" >"$T/bad.po"
	check_true "the bad catalogue has its extra %s" "$(grep -c '%s%s%s%s%s%s' "$T/bad.po")" -ge 1
	if msgfmt -c -o /dev/null "$T/bad.po" 2>/dev/null; then
		fail "msgfmt -c refuses the bad catalogue"
	else
		pass "msgfmt -c refuses the bad catalogue"
	fi
	msgfmt -o "$T/badloc/zh_CN/LC_MESSAGES/sitemark.mo" "$T/bad.po" ||
	    die "msgfmt without -c makes the bad catalogue"
	# A case that does not exist: "no case %lld" is the message.
	zh() { env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN "$@"; }
	run zh env SITEMARK_LOCALEDIR="${top_builddir:-$top_srcdir}/tests/locale" "$SITEMARK" \
	    --config "$CFG" --db "$T/plain.db" case show 1
	plain_rc=$RC plain_err=$ERR
	check_eq "plain run with the good catalogue: refused" 1 "$plain_rc"
	run zh env SITEMARK_LOCALEDIR="$T/badloc" "$SITEMARK" --config "$CFG" --db "$T/plain.db" case show 1
	check_true "plain run: the bad catalogue is used (exit $RC, $plain_rc without it)" \
	    "$RC:$ERR" != "$plain_rc:$plain_err"
	run zh env -u SITEMARK_LOCALEDIR "$SG_RUN" --config "$CFG" case show 1
	sg_rc=$RC sg_err=$ERR
	check_eq "set-group-id run without SITEMARK_LOCALEDIR: refused" 1 "$sg_rc"
	run zh env SITEMARK_LOCALEDIR="$T/badloc" "$SG_RUN" --config "$CFG" case show 1
	check_eq "set-group-id run with the bad catalogue: no crash, refused" 1 "$RC"
	check_eq "set-group-id run: the same message as without it" "$sg_err" "$ERR"
	check_nomatch "set-group-id run: not the bad catalogue's words" "不存在" "$ERR"
	# The test catalogue (a good one) is not taken either.
	run zh env SITEMARK_LOCALEDIR="${top_builddir:-$top_srcdir}/tests/locale" "$SG_RUN" --config "$CFG" \
	    case show 1
	check_eq "set-group-id run: SITEMARK_LOCALEDIR is not read at all" "$sg_err" "$ERR"
else
	echo "# msgfmt or the zh_CN.UTF-8 locale is missing: the catalogue checks are skipped"
fi

finish
