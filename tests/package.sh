#!/usr/bin/env bash
# package.sh - the Debian package (issue 11): built with dpkg-buildpackage
# from this tree and from an earlier revision, installed into this machine,
# used, upgraded, purged.  Run by scripts/test.sh (CI) as root; never by make
# check, since it installs a system package.
#
#   1. build the previous package (git revision $SITEMARK_PACKAGE_PREVIOUS,
#      by default 2f54e20, schema 6, with this tree's debian/ as version
#      0.1.0~prev-1) and this tree's (debian/changelog's version);
#   2. install the previous one: the group sitemark, the program 2755
#      root:sitemark, /var/lib/sitemark 2770, the database made by init with
#      root its first system administrator; add an office and an account;
#   3. upgrade to this one: a verified backup first, the schema migrated,
#      the data kept; lintian has no error;
#   4. a short workflow as two Unix users the test creates (a unit operator
#      and an office reviewer): each is their own account; neither can write
#      the database file nor use --as;
#   5. purge: the data, the overrides and the group are gone.
#
# Needs root, dpkg-buildpackage, apt-get, useradd/userdel, runuser and a git
# clone; skipped when the package (or the group sitemark) is on the machine
# already, so a machine that runs sitemark for real is never touched.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to install a package"
for c in dpkg-buildpackage apt-get dpkg-statoverride useradd userdel runuser git lintian; do
	command -v "$c" >/dev/null 2>&1 || skip "$c is missing"
done
dpkg-query -W -f='${Status}' sitemark 2>/dev/null | grep -q "installed" &&
    skip "the sitemark package is installed on this machine: not touching it"
getent group sitemark >/dev/null && skip "the group sitemark exists: not touching it"
getent passwd sitemark-notify >/dev/null && skip "the user sitemark-notify exists: not touching it"
getent passwd sitemark-node >/dev/null && skip "the user sitemark-node exists: not touching it"
dpkg-query -W -f='${Status}' sitemark-node 2>/dev/null | grep -q "installed" &&
    skip "the sitemark-node package is installed on this machine: not touching it"
[ -e /var/lib/sitemark ] && skip "/var/lib/sitemark exists: not touching it"
git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1 || skip "$top_srcdir is not a git clone"
prev=${SITEMARK_PACKAGE_PREVIOUS:-2f54e20}
git -C "$top_srcdir" rev-parse --verify -q "$prev^{commit}" >/dev/null || skip "no revision $prev"

U1=smpu$$ U2=smpr$$ U3=smps$$
for n in $U1 $U2 $U3; do
	getent passwd "$n" >/dev/null && skip "user $n exists already"
done
MADE_USERS= INSTALLED=
cleanup_pkg() {
	[ -n "$INSTALLED" ] && DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sitemark \
	    >/dev/null 2>&1
	for u in $MADE_USERS; do
		userdel "$u" >/dev/null 2>&1
	done
	return 0
}
trap 'rc=$?; cleanup_pkg; (exit $rc); _cleanup' EXIT

# ---------------------------------------------------------------- build
# build NAME: the tree in $T/NAME/src gives $T/NAME/*.deb
build() {
	(cd "$T/$1/src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
	    >"$T/$1/build.log" 2>&1
}
mkdir -p "$T/prev/src" "$T/cur/src"
git -C "$top_srcdir" archive "$prev" | tar -x -C "$T/prev/src"
rm -rf "$T/prev/src/debian"
cp -r "$top_srcdir/debian" "$T/prev/src/debian"
# the previous revision has no node daemon, services nor section 5 pages:
# its package is the program alone (one package: dh installs straight into it)
rm -f "$T"/prev/src/debian/sitemark-node.*
awk '/^Package: sitemark-node$/ {skip = 1} !skip' "$top_srcdir/debian/control" >"$T/prev/src/debian/control"
echo "debian/sitemark.yaml etc/sitemark" >"$T/prev/src/debian/sitemark.install"
{
	printf 'sitemark (0.1.0~prev-1) bookworm; urgency=medium\n\n'
	printf '  * The revision %s, packaged for the upgrade test.\n\n' "$prev"
	printf ' -- sitemark developers <sitemark@sitemark.invalid>  %s\n' "$(date -R)"
} >"$T/prev/src/debian/changelog"
# this tree as it stands (tracked files, with their changes)
(cd "$top_srcdir" && git ls-files -z | xargs -0 cp --parents -t "$T/cur/src")
build prev
check_eq "the previous revision ($prev) builds as a package" 0 "$?"
build cur
rc=$?
check_eq "this tree builds as a package (dpkg-buildpackage -us -uc -b)" 0 "$rc"
[ "$rc" = 0 ] || { tail -40 "$T/cur/build.log"; die "the package does not build"; }
PREV_DEB=$(ls "$T"/prev/sitemark_*.deb) CUR_DEB=$(ls "$T"/cur/sitemark_*.deb)
lintian --fail-on error "$CUR_DEB" "$T"/cur/sitemark-node_*.deb >"$T/lintian.out" 2>&1
check_eq "lintian finds no error" 0 "$?"
check_nomatch "nor a warning that is not overridden" "^W: " "$(cat "$T/lintian.out")"

# ---------------------------------------------------------------- install
DB=/var/lib/sitemark/sitemark.db
INSTALLED=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$PREV_DEB" >"$T/install.log" 2>&1
check_eq "the previous package installs" 0 "$?"
check_eq "the program: set-group-id, group sitemark" "2755 root sitemark" \
    "$(stat -c '%a %U %G' /usr/bin/sitemark)"
check_eq "the database's directory: 2770, group sitemark" "2770 root sitemark" \
    "$(stat -c '%a %U %G' /var/lib/sitemark)"
check_eq "the database, made on install: 0660, group sitemark" "660 sitemark" \
    "$(stat -c '%a %G' "$DB")"
check_eq "root is its first system administrator" "sysadmin" \
    "$(sqlite3 "$DB" "select role from users where login = 'root'")"
check_eq "the notification sender's service account, in the group" "sitemark" \
    "$(id -gn sitemark-notify 2>/dev/null)"
check_eq "/etc/sitemark/sitemark.yaml is a conffile" "/etc/sitemark/sitemark.yaml" \
    "$(dpkg-query -W -f='${Conffiles}' sitemark | awk '{print $1}')"
/usr/bin/sitemark office add 350100 --name 中共福州市委机构编制委员会办公室 >/dev/null
check_eq "root adds an office" 0 "$?"
/usr/bin/sitemark user add "$U3" --role secadmin >/dev/null
check_eq "and the security administrator" 0 "$?"
check_eq "the previous schema" 6 "$(sqlite3 "$DB" 'pragma user_version')"

# ---------------------------------------------------------------- upgrade
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$CUR_DEB" >"$T/upgrade.log" 2>&1
check_eq "this package upgrades it" 0 "$?"
check_match "a copy of the database was made first" "copied to $DB.pre-" "$(cat "$T/upgrade.log")"
check_eq "the schema is migrated" \
    "$(sed -n 's/^#define SM_SCHEMA_VERSION //p' "$top_srcdir/src/core/sm_store.h")" \
    "$(sqlite3 "$DB" 'pragma user_version')"
check_eq "the data is kept" "350100 $U3" \
    "$(sqlite3 "$DB" "select (select code from offices) || ' ' || (select login from users where role = 'secadmin')")"
check_eq "the program is still set-group-id" "2755 sitemark" "$(stat -c '%a %G' /usr/bin/sitemark)"
check_match "the notification service is installed, not enabled" "lib/systemd/system/sitemark-notify.service" \
    "$(dpkg -L sitemark)"
check_match "and the mark monitor's timer" "lib/systemd/system/sitemark-marks-check.timer" \
    "$(dpkg -L sitemark)"
check_match "and the scheduled notices' timer" "lib/systemd/system/sitemark-notify-run.timer" \
    "$(dpkg -L sitemark)"
# the start-up (HACKING.md): the drawing in the helper, libcurl opened on demand
check_eq "the drawing helper: root's, not set-id, written by no one else" "755 root root" \
    "$(stat -c '%a %U %G' /usr/libexec/sitemark/sitemark-render 2>&1)"
check_nomatch "the program is linked with no drawing library nor libcurl" 'lib(pango|cairo|fontconfig|curl)' \
    "$(ldd /usr/bin/sitemark)"
run /usr/bin/sitemark site export "$T/site"
check_eq "site export (set-group-id) draws its images through the helper" 0 "$RC"
check_eq "the image is a PNG" "PNG" "$(head -c 4 "$T/site/image/red.png" 2>/dev/null | tail -c 3)"
run /usr/bin/sitemark notify run
check_eq "notify run opens libcurl (a dependency)" 0 "$RC"
if command -v systemd-analyze >/dev/null 2>&1; then
	run systemd-analyze verify /usr/lib/systemd/system/sitemark-*.service /usr/lib/systemd/system/sitemark-*.timer
	# (man pages are not looked up in a container; sitemark-node's unit is
	# another package's)
	check_eq "the units verify (systemd-analyze)" "" "$(grep -v "Command 'man " <<<"$ERR")"
fi
NODE_DEB=$(ls "$T"/cur/sitemark-node_*.deb)
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$NODE_DEB" >"$T/node.log" 2>&1
check_eq "sitemark-node installs beside it" 0 "$?"
check_eq "its service account" "sitemark" "$(id -gn sitemark-node 2>/dev/null)"
run /usr/bin/sitemark-node --version
check_eq "sitemark-node runs (--version)" 0 "$RC"
check_match "its manual" "man8/sitemark-node.8" "$(dpkg -L sitemark-node)"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sitemark-node >>"$T/node.log" 2>&1
check_eq "and purges" 0 "$?"
run getent passwd sitemark-node
check_eq "its account gone" 2 "$RC"
backup=$(ls "$DB".pre-* 2>/dev/null | head -1)
check_eq "the copy is a database of the previous schema" 6 "$(sqlite3 "$backup" 'pragma user_version')"

# ---------------------------------------------------------------- two users
for u in $U1 $U2 $U3; do
	useradd --create-home --shell /bin/sh "$u" >/dev/null 2>&1 || die "cannot create user $u"
	MADE_USERS="$MADE_USERS $u"
done
as() { # as USER ARGS...: sitemark as the Unix user USER
	local u=$1 h
	shift
	h=$(getent passwd "$u" | cut -d: -f6)
	run runuser -u "$u" -- env -i HOME="$h" PATH=/usr/bin:/bin LANG=C.UTF-8 \
	    /usr/bin/sitemark "$@"
}
/usr/bin/sitemark user add "$U2" --role office --office 350100 --name 林涛 >/dev/null &&
    /usr/bin/sitemark user add "$U1" --role unit --name 李华 >/dev/null
check_eq "root creates their accounts, for their roles" 0 "$?"
as "$U2" case list
check_eq "the reviewer has no role before the grant (exit 1)" 1 "$RC"
as "$U3" user role "$U2" office
check_eq "the security administrator grants the reviewer's role" 0 "$RC"
as "$U3" user role "$U1" unit
check_eq "and the unit operator's" 0 "$RC"
as root --as "$U3" user role "$U1" conac
check_true "not even root acts as another account" "$RC" != 0
as "$U1" unit register --values "$VALUES/unit-organ-fj.yaml"
check_eq "the unit operator registers its unit" 0 "$RC"
as "$U1" case new domain --values "$VALUES/domain.yaml"
check_eq "and applies for its domain" 0 "$RC"
CASE=$OUT
as "$U1" case act "$CASE" submit
check_eq "and submits it" 0 "$RC"
as "$U2" case act "$CASE" approve
check_eq "the reviewer approves it, as their own account" 0 "$RC"
check_eq "the audit names them" "$U1 $U2" \
    "$(sqlite3 "$DB" "select group_concat(actor, ' ') from (select actor from audit where object = 'case' and action in ('submit', 'approve') order by seq)")"
as "$U2" --as "$U1" case list
check_true "--as is refused (exit $RC)" "$RC" != 0
check_match "saying why" "refused" "$ERR"
run runuser -u "$U1" -- sh -c "echo x >> '$DB'"
check_true "the unit operator cannot write the database file" "$RC" -ne 0
run runuser -u "$U2" -- sh -c "sqlite3 '$DB' 'delete from audit'"
check_true "nor can the reviewer, with sqlite3" "$RC" -ne 0
run /usr/bin/sitemark check
check_eq "sitemark check (integrity, audit chain, anchors) passes" 0 "$RC"

# ---------------------------------------------------------------- purge
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq sitemark >"$T/remove.log" 2>&1
check_eq "remove" 0 "$?"
check_true "remove keeps the data" -e "$DB"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sitemark >"$T/purge.log" 2>&1
check_eq "purge" 0 "$?"
INSTALLED=
check_true "purge removes the data" ! -e /var/lib/sitemark
check_eq "and the overrides" "" "$(dpkg-statoverride --list /usr/bin/sitemark; dpkg-statoverride --list /var/lib/sitemark)"
run getent group sitemark
check_eq "and the group" 2 "$RC"
run getent passwd sitemark-notify
check_eq "and the service account" 2 "$RC"

finish
