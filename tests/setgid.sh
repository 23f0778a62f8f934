#!/usr/bin/env bash
# setgid.sh - installed set-group-id is the normal way to run for several
# people (issue 7, point 1).  make install (into a DESTDIR under $T, with a
# group of the test's own) gives the program its group and the set-group-id
# bit and makes the database's directory; the installed program is then run,
# in a private mount namespace where the DESTDIR's tree stands at the
# configured prefix, as two unprivileged Unix users the test creates, each
# mapped to an account.  Every hole of the issue is tried: --as, the
# SITEMARK_* variables, a user configuration naming the store or the forms,
# --script-output and :dump aimed at the database, writing the database
# file directly.  Both users still act through the program.
#
# Needs root, useradd/userdel/groupadd/groupdel, runuser, unshare with mount
# namespaces, and a file system for $T mounted without nosuid; else skipped.
# The users and the group have unique names; they are removed at the end, by
# the names this test recorded, never any other.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to create users and install set-group-id"
for c in useradd userdel groupadd groupdel runuser unshare getent stat make; do
	command -v "$c" >/dev/null 2>&1 || skip "$c is missing"
done
if command -v findmnt >/dev/null 2>&1 &&
    findmnt -no OPTIONS -T "$T" 2>/dev/null | tr ',' '\n' | grep -qx nosuid; then
	skip "$T is on a file system mounted nosuid"
fi
unshare --mount --propagation private true 2>/dev/null || skip "no mount namespaces here"
B=${top_builddir:-$top_srcdir}
[ -f "$B/Makefile" ] || skip "no Makefile in $B"

# The configured directories (the program has them compiled in).
printf 'include Makefile\nsm-print-%%:\n\t@echo $($*)\n' >"$T/print.mk"
dir_of() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$B" -f "$T/print.mk" "sm-print-$1" | tail -n 1; }
prefix=$(dir_of prefix) bindir=$(dir_of bindir) dbdir=$(dir_of sitemarkdbdir)
case $prefix in
/ | /usr | '') skip "prefix $prefix: the test binds the installed tree over it" ;;
esac
[ -d "$prefix" ] || skip "$prefix does not exist to bind the installed tree over"
case $bindir/ in "$prefix"/*) ;; *) skip "bindir $bindir is outside $prefix" ;; esac
case $dbdir/ in "$prefix"/*) ;; *) skip "the database directory $dbdir is outside $prefix" ;; esac

# Unique names, recorded here and only these removed.
G=smg$$ U1=smu1x$$ U2=smu2x$$
for n in $G $U1 $U2; do
	getent group "$n" >/dev/null && skip "group $n exists already"
	getent passwd "$n" >/dev/null && skip "user $n exists already"
done
MADE_USERS= MADE_GROUP=
cleanup_ids() {
	for u in $MADE_USERS; do
		userdel "$u" >/dev/null 2>&1
	done
	[ -n "$MADE_GROUP" ] && groupdel "$MADE_GROUP" >/dev/null 2>&1
	return 0
}
trap 'rc=$?; cleanup_ids; (exit $rc); _cleanup' EXIT

ROOT="$T/root"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$B" install DESTDIR="$ROOT" SITEMARK_GROUP="$G" \
    >"$T/install.log" 2>&1
install_rc=$?
getent group "$G" >/dev/null && MADE_GROUP=$G
check_eq "make install (DESTDIR) as root" 0 "$install_rc"
[ "$install_rc" = 0 ] || { cat "$T/install.log"; die "make install failed"; }
check_true "make install made the group $G" -n "$MADE_GROUP"
check_eq "the program: set-group-id, group $G" "2755 $G" "$(stat -c '%a %G' "$ROOT$bindir/sitemark")"
check_eq "the database's directory: 2770, group $G" "2770 $G" "$(stat -c '%a %G' "$ROOT$dbdir")"

for u in $U1 $U2; do
	useradd --no-create-home --home-dir "$T/home-$u" --shell /bin/sh --no-user-group \
	    --gid "$(id -g nobody 2>/dev/null || echo 65534)" "$u" >/dev/null 2>&1 ||
	    useradd --no-create-home --home-dir "$T/home-$u" --shell /bin/sh "$u" ||
	    die "cannot create user $u"
	MADE_USERS="$MADE_USERS $u"
	mkdir -p "$T/home-$u"
	chown "$u" "$T/home-$u"
	chmod 700 "$T/home-$u"
done
chmod 711 "$T"
id -nG "$U1" | tr ' ' '\n' | grep -qx "$G" && die "$U1 is in $G"

SG="$bindir/sitemark"
SMDB="$dbdir/sitemark.db"
REALDB="$ROOT$dbdir/sitemark.db"
# as USER [VAR=VALUE...] -- ARGS...: the installed program as USER, in a
# private mount namespace where $ROOT$prefix stands at $prefix.  The test's
# own SITEMARK_DATADIR and SITEMARK_LOCALEDIR are left out unless given.
as() {
	local u=$1
	shift
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	run unshare --mount --propagation private sh -c \
	    'mount --bind "$1" "$2" || exit 99; u=$3; shift 3; exec runuser -u "$u" -- "$@"' \
	    sh "$ROOT$prefix" "$prefix" "$u" env -u SITEMARK_DATADIR -u SITEMARK_LOCALEDIR \
	    HOME="$T/home-$u" XDG_CONFIG_HOME= XDG_DATA_HOME= XDG_STATE_HOME= "${envs[@]}" "$@"
}
fp() { db_fingerprint "$REALDB"; }
integrity() { sqlite3 "$REALDB" 'PRAGMA integrity_check'; }

echo "# both users act through the program"
as "$U1" -- "$SG" init
check_eq "$U1 creates the database (init)" 0 "$RC"
check_true "the database is where make install put its directory" -f "$REALDB"
check_eq "the database: 0660, group $G" "660 $G" "$(stat -c '%a %G' "$REALDB")"
as "$U1" -- "$SG" user add "$U2" --role secadmin
check_eq "$U1 (system administrator) adds $U2 as security administrator" 0 "$RC"
as "$U1" -- "$SG" user add cv1 --role conac
check_eq "$U1 adds a reviewer account" 0 "$RC"
as "$U2" -- "$SG" user lock cv1
check_eq "$U2 locks it" 0 "$RC"
as "$U2" -- "$SG" user unlock cv1
check_eq "$U2 unlocks it" 0 "$RC"
for f in "$REALDB"-wal "$REALDB"-shm; do
	[ -e "$f" ] && check_eq "$(basename "$f"): 0660, group $G" "660 $G" "$(stat -c '%a %G' "$f")"
done

echo "# neither can write the database file directly"
for u in $U1 $U2; do
	as "$u" -- sh -c ': >>"$1"' sh "$SMDB"
	check_true "$u cannot open the database for writing (exit $RC)" "$RC" != 0
	check_match "$u: permission denied" 'Permission denied' "$ERR"
done

echo "# --as is refused"
before=$(fp)
as "$U2" -- "$SG" --as "$U1" user add evil1 --role conac
check_true "$U2 --as $U1: refused (exit $RC)" "$RC" != 0
check_match "$U2 --as $U1: says why" 'refused' "$ERR"
check_eq "$U2 --as $U1: the database unchanged" "$before" "$(fp)"

as "$U1" -- "$SG" --db "$T/home-$U1/own.db" init
check_true "--db: refused (exit $RC)" "$RC" != 0
check_true "--db: not created" ! -e "$T/home-$U1/own.db"

echo "# SITEMARK_* are ignored"
as "$U1" SITEMARK_DB="$T/home-$U1/other.db" -- "$SG" init
check_true "SITEMARK_DB: not created" ! -e "$T/home-$U1/other.db"
as "$U1" SITEMARK_DB="$T/home-$U1/other.db" -- "$SG" user list
check_eq "SITEMARK_DB: the installed database is used" 0 "$RC"
as "$U1" SITEMARK_NOW=2001-02-03T10:00:00+08:00 -- "$SG" office add 350100 --name 福州
check_eq "SITEMARK_NOW: the action done" 0 "$RC"
at=$(sqlite3 "$REALDB" 'SELECT at FROM audit ORDER BY seq DESC LIMIT 1')
check_match "SITEMARK_NOW: stamped with the system's clock ($at)" '^20[0-9][0-9]-' "$at"
check_nomatch "SITEMARK_NOW: not backdated" '^2001-02-03' "$at"
printf 'database: %s\n' "$T/home-$U1/envcfg.db" >"$T/home-$U1/envcfg.yaml"
chown "$U1" "$T/home-$U1/envcfg.yaml"
as "$U1" SITEMARK_CONFIG="$T/home-$U1/envcfg.yaml" -- "$SG" init
check_true "SITEMARK_CONFIG: its database not created" ! -e "$T/home-$U1/envcfg.db"
check_nomatch "SITEMARK_CONFIG: the file is not read at all" 'envcfg' "$ERR"
mkdir -p "$T/evil/forms"
chmod -R a+rX "$T/evil"
as "$U1" SITEMARK_DATADIR="$T/evil" -- "$SG" user list
check_eq "SITEMARK_DATADIR (no forms there): ignored, the installed forms used" 0 "$RC"
if command -v msgfmt >/dev/null 2>&1 && locale -a 2>/dev/null | grep -qix 'zh_CN.utf-\?8'; then
	mkdir -p "$T/evil/loc/zh_CN/LC_MESSAGES"
	printf 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "%s"\nmsgstr "EVILCATALOGUE"\n' \
	    '--as is refused: sitemark runs with privileges you do not have' >"$T/evil/loc.po"
	msgfmt -o "$T/evil/loc/zh_CN/LC_MESSAGES/sitemark.mo" "$T/evil/loc.po" || die "msgfmt"
	chmod -R a+rX "$T/evil"
	as "$U1" SITEMARK_LOCALEDIR="$T/evil/loc" LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN -- \
	    "$SG" --as "$U2" user list
	check_true "SITEMARK_LOCALEDIR: refused as before (exit $RC)" "$RC" != 0
	check_nomatch "SITEMARK_LOCALEDIR: its catalogue is not used" 'EVILCATALOGUE' "$ERR"
else
	echo "# msgfmt or the zh_CN.UTF-8 locale is missing: SITEMARK_LOCALEDIR not tried"
fi

echo "# the user's own configuration sets presentation only"
mkdir -p "$T/home-$U1/.config/sitemark"
printf 'database: %s\nforms: %s\naudit:\n  anchors: %s\nconsole:\n  cursor: reverse\n  idle_logout: 0\n' \
    "$T/home-$U1/cfg.db" "$T/evil/forms" "$T/home-$U1/anchors" \
    >"$T/home-$U1/.config/sitemark/sitemark.yaml"
cp "$T/home-$U1/.config/sitemark/sitemark.yaml" "$T/home-$U1/explicit.yaml"
chown -R "$U1" "$T/home-$U1"
before=$(fp)
as "$U1" -- "$SG" user list
check_eq "~/.config: database and forms ignored, the installed ones used" 0 "$RC"
check_match "~/.config: says they are ignored" "'database' is ignored" "$ERR"
check_match "~/.config: forms too" "'forms' is ignored" "$ERR"
check_match "~/.config: and the idle log-out (a rule, not a look)" "'console.idle_logout' is ignored" "$ERR"
check_true "~/.config: its database not created" ! -e "$T/home-$U1/cfg.db"
as "$U1" -- "$SG" --config "$T/home-$U1/explicit.yaml" init
check_true "--config: its database not created by init" ! -e "$T/home-$U1/cfg.db"
check_match "--config: says database is ignored" "'database' is ignored" "$ERR"
check_eq "the database unchanged by these" "$before" "$(fp)"
rm -f "$T/home-$U1/.config/sitemark/sitemark.yaml"

echo "# files the user names are opened as the user"
before=$(fp)
printf '%s\n' ":dump $SMDB" ':attrs '"$SMDB" >"$T/home-$U1/dump.keys"
printf 'q\n' >"$T/home-$U1/plain.keys"
chown "$U1" "$T/home-$U1"/*.keys
as "$U1" -- timeout 60 "$SG" --script "$T/home-$U1/plain.keys" --script-output "$SMDB"
check_true "--script-output the database: refused (exit $RC)" "$RC" != 0
check_eq "--script-output: the database unchanged" "$before" "$(fp)"
check_eq "--script-output: integrity ok" ok "$(integrity)"
as "$U1" -- timeout 60 "$SG" --script "$T/home-$U1/dump.keys" --script-output /dev/null
check_eq "--script with :dump the database: the console ran" 0 "$RC"
check_eq ":dump the database: unchanged" "$before" "$(fp)"
check_eq ":dump: integrity ok" ok "$(integrity)"
printf '%s\n' ":dump $T/home-$U1/screen.txt" >"$T/home-$U1/ok.keys"
chown "$U1" "$T/home-$U1/ok.keys"
as "$U1" -- timeout 60 "$SG" --script "$T/home-$U1/ok.keys" --script-output "$T/home-$U1/out.bin"
check_eq ":dump to the user's own file works" 0 "$RC"
check_eq "the dump belongs to the user, not the group $G" "$U1" "$(stat -c %U "$T/home-$U1/screen.txt" 2>/dev/null)"
check_true "the dump's group is not $G" "$(stat -c %G "$T/home-$U1/screen.txt" 2>/dev/null)" != "$G"
# The console's remembered place ($XDG_STATE_HOME/sitemark/LOGIN.place)
# and drafts ($XDG_DATA_HOME/sitemark/drafts) aimed into the database's
# directory: written as the user, so not there.
as "$U1" XDG_STATE_HOME="${dbdir%/sitemark}" XDG_DATA_HOME="${dbdir%/sitemark}" -- \
    timeout 60 "$SG" --script "$T/home-$U1/plain.keys" --script-output /dev/null
check_eq "the console with its state aimed at the database's directory: ran" 0 "$RC"
check_true "no place file written into the database's directory" ! -e "$ROOT$dbdir/$U1.place"
check_true "no drafts directory made there" ! -e "$ROOT$dbdir/drafts"
as "$U1" -- "$SG" unit register --values "$SMDB"
check_true "--values the database: refused (exit $RC)" "$RC" != 0
check_match "--values: read as the user (permission denied)" 'Permission denied' "$ERR"
as "$U1" -- "$SG" forms check "$SMDB"
check_true "forms check the database: refused (exit $RC)" "$RC" != 0
check_match "forms check: read as the user (permission denied)" 'Permission denied' "$ERR"
as "$U1" -- "$SG" backup "$T/home-$U1/b.db"
check_true "backup FILE: refused (exit $RC)" "$RC" != 0
as "$U1" -- "$SG" audit verify --anchors "$SMDB"
check_true "audit verify --anchors: refused (exit $RC)" "$RC" != 0
# site export DIR (the system administrator, $U1): written as the user
as "$U1" -- "$SG" site export "$T/home-$U1/site"
check_eq "site export into the user's own directory" 0 "$RC"
check_eq "the site's files belong to the user" "$U1" "$(stat -c %U "$T/home-$U1/site/image/red.png" 2>/dev/null)"
check_true "their group is not $G" "$(stat -c %G "$T/home-$U1/site/image/red.png" 2>/dev/null)" != "$G"
# the drawing helper (sm_drawing.h): SITEMARK_RENDER ignored, the installed
# one run, without the program's group (a wrapper in its place records ids)
printf '#!/bin/sh\ntouch "%s"\nexit 1\n' "$T/home-$U1/evil-ran" >"$T/evil/render"
chmod a+rx "$T/evil/render"
as "$U1" SITEMARK_RENDER="$T/evil/render" -- "$SG" site export "$T/home-$U1/site2"
check_eq "SITEMARK_RENDER: ignored, the installed helper draws the images" 0 "$RC"
check_true "SITEMARK_RENDER: the program it names never ran" ! -e "$T/home-$U1/evil-ran"
helper=$ROOT$(dir_of pkglibexecdir)/sitemark-render
if [ -x "$helper" ]; then
	mv "$helper" "$helper.real"
	# (sh -p: a shell would drop a group it was given by itself)
	printf '#!/bin/sh -p\nid -G >"%s"; id -g -r >>"%s"\nexec "$0.real"\n' \
	    "$T/home-$U1/helper-ids" "$T/home-$U1/helper-ids" >"$helper"
	chmod 755 "$helper"
	as "$U1" -- "$SG" site export "$T/home-$U1/site3"
	check_eq "site export through the recording helper" 0 "$RC"
	check_true "the helper ran" -s "$T/home-$U1/helper-ids"
	check_nomatch "the helper runs without the group $G" "(^| )$(getent group "$G" | cut -d: -f3)( |\$)" \
	    "$(tr '\n' ' ' <"$T/home-$U1/helper-ids" 2>/dev/null)"
	mv "$helper.real" "$helper"
else
	check_true "the helper is installed in pkglibexecdir" -x "$helper"
fi
as "$U1" -- "$SG" site export "$dbdir/site"
check_true "site export into the database's directory: refused (exit $RC)" "$RC" != 0
check_match "site export there: written as the user (permission denied)" 'Permission denied' "$ERR"
check_true "nothing made there" ! -e "$ROOT$dbdir/site"
check_eq "the database unchanged at the end" "$before" "$(fp)"
check_eq "integrity ok at the end" ok "$(integrity)"

finish
