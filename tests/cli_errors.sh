#!/usr/bin/env bash
# cli_errors.sh - bad input and exit statuses of the command line
# (interfaces.md: 0 done; 1 refused, the reason on stderr; 2 bad usage).
#
#   values files: every tests/values/*-bad-*.yaml (one stderr line per
#     problem, naming the field), YAML errors, missing files;
#   words: unknown kind, state, action; wrong role, office, state; duplicate
#     domains (also in ACE form); stale --expect-version; bad usage;
#   files: corrupt, missing, too new and foreign databases (left byte for
#     byte as they were), a broken form definition, forms check;
#   people: an unknown Unix login;
#   data: escape sequences never reach the terminal.
#
# Every refused write is checked to have written nothing (the whole
# database is compared before and after).

. "$(dirname "$0")/lib.sh"

make_world

# bad_values FILE CMD...: CMD (using FILE) is refused with one stderr line per
# problem, each naming one of the fields listed in FILE's "# expect:" line,
# and every listed field named.
bad_values() {
	local file=$1 name expect line rest f ok missing="" stray=""
	shift
	name=$(basename "$file")
	expect=$(sed -n 's/^# expect: *//p' "$file")
	expect_refused "$name is refused" "." "$@" || return
	while IFS= read -r line; do
		rest=${line#sitemark: }
		ok=
		for f in $expect; do
			case $rest in
			"${f}:"* | "${f}."* | "${f}["*) ok=1 ;;
			esac
		done
		[ -n "$ok" ] || stray="${stray}[$line] "
	done <<<"$ERR"
	for f in $expect; do
		grep -Fq -- "sitemark: $f" <<<"$ERR" || missing="$missing $f"
	done
	check_eq "$name: every stderr line names an expected field ($expect)" "" "$stray"
	check_eq "$name: every expected field is named" "" "$missing"
	check_true "$name: at least one line per field" "$(printf '%s\n' "$ERR" | grep -c .)" -ge "$(wc -w <<<"$expect")"
}

# ================================================================ values files

echo "# values files: the application forms"
for file in "$VALUES"/*-bad-*.yaml; do
	form=$(sed -n 's/^# form: *//p' "$file")
	case $form in
	unit)
		bad_values "$file" sm unit register --values "$file"
		;;
	domain | site | mark)
		op=org-op
		[ "$form" = mark ] && op=lib-op
		# A draft may be incomplete: what case new accepts, submit refuses.
		run sm --as "$op" case new "$form" --values "$file"
		if [ "$RC" -eq 0 ]; then
			id=$OUT
			echo "# $(basename "$file"): accepted as a draft ($id); submit must refuse it"
			bad_values "$file" sm --as "$op" case act "$id" submit
			sm --as "$op" case act "$id" withdraw >/dev/null || fail "withdraw draft $id"
		else
			bad_values "$file" sm --as "$op" case new "$form" --values "$file"
		fi
		;;
	esac
done

# Cases in the states the action forms need.
printf 'name: 福州市测试\nusage: 测试。\n' >"$T/dom-a.yaml"
A=$(sm --as org-op case new domain --values "$T/dom-a.yaml") || die "case new A"
sm --as org-op case act "$A" submit >/dev/null && sm --as fz-rev1 case act "$A" approve >/dev/null &&
    sm --as conac1 case act "$A" approve >/dev/null || die "A to awaiting_payment"
printf 'name: 福州市图书馆测试\nusage: 测试。\n' >"$T/dom-o.yaml"
O=$(sm --as lib-op case new domain --values "$T/dom-o.yaml") || die "case new O"
sm --as lib-op case act "$O" submit >/dev/null || die "O to office_review"
S=$(sm --as org-op case new site --values "$VALUES/site-own.yaml") || die "case new S"
sm --as org-op case act "$S" submit >/dev/null && sm --as fz-rev1 case act "$S" approve >/dev/null &&
    sm --as conac1 case act "$S" approve >/dev/null || die "S to paper_pending"
check_eq "the fixture's states" "awaiting_payment office_review paper_pending" \
    "$(state_of "$A") $(state_of "$O") $(state_of "$S")"

echo "# values files: the review forms"
for file in "$VALUES"/*-bad-*.yaml; do
	form=$(sed -n 's/^# form: *//p' "$file")
	case $form in
	reject) bad_values "$file" sm --as fz-rev1 case act "$O" reject --values "$file" ;;
	confirm-payment) bad_values "$file" sm --as conac1 case act "$A" confirm-payment --values "$file" ;;
	confirm-paper) bad_values "$file" sm --as fz-rev1 case act "$S" confirm-paper --values "$file" ;;
	unit | domain | site | mark) ;;
	*) fail "$(basename "$file"): unknown form '$form' in its '# form:' line" ;;
	esac
done
printf 'letter: yes\nforms: yes\nid_copy: no\nreceived_on: 2026-02-12\n' >"$T/paper-missing.yaml"
expect_refused "confirm-paper without the ID copy" "^sitemark: id_copy: " \
    sm --as fz-rev1 case act "$S" confirm-paper --values "$T/paper-missing.yaml"
expect_refused "reject without a reason" "reason" sm --as fz-rev1 case act "$O" reject
expect_refused "values for an action that takes none" "takes no values" \
    sm --as fz-rev1 case act "$O" approve --values "$VALUES/reject.yaml"

echo "# values files: bad files"
printf 'name: [unclosed\nusage: x\n' >"$T/syntax.yaml"
expect_refused "a YAML syntax error names the file and line" "syntax.yaml:[0-9]+: .*YAML" \
    sm --as org-op case new domain --values "$T/syntax.yaml"
printf 'name: 福州甲\nname: 福州乙\n' >"$T/dupkey.yaml"
expect_refused "a duplicate key" "dupkey.yaml:2: .*name" sm --as org-op case new domain --values "$T/dupkey.yaml"
printf -- '- name\n- usage\n' >"$T/list.yaml"
expect_refused "a list instead of a mapping" "list.yaml:1: .*mapping" \
    sm --as org-op case new domain --values "$T/list.yaml"
printf 'a: &x [*x]\n' >"$T/alias.yaml"
expect_refused "anchors and aliases" "alias.yaml" sm --as org-op case new domain --values "$T/alias.yaml"
printf 'name: "\xff\xfe"\n' >"$T/badutf8.yaml"
expect_refused "invalid UTF-8" "badutf8.yaml|name" sm --as org-op case new domain --values "$T/badutf8.yaml"
expect_refused "a missing values file" "$T/nonexistent.yaml: .*(open|exist)" \
    sm --as org-op case new domain --values "$T/nonexistent.yaml"
expect_refused "a directory as values file" "$T: " sm --as org-op case new domain --values "$T"
expect_refused "a missing values file for unit register" "nonexistent.yaml" \
    sm unit register --values "$T/nonexistent.yaml"

# ================================================================ words

echo "# unknown words"
expect_refused "unknown kind" "unknown case kind 'blah'" \
    sm --as org-op case new blah --values "$VALUES/domain.yaml"
expect_refused "unknown state" "unknown state 'nostate'" sm --as conac1 case list --state nostate
expect_refused "unknown state in a list of states" "unknown state 'bogus'" \
    sm --as conac1 case list --state draft,bogus
expect_refused "unknown kind in case list" "unknown case kind 'nokind'" sm --as conac1 case list --kind nokind
expect_refused "unknown action" "unknown action 'frobnicate'" sm --as fz-rev1 case act "$O" frobnicate
expect_refused "unknown role" "unknown role 'boss'" sm user add someone --role boss
expect_refused "unknown office for a reviewer" "no office 359999" \
    sm user add someone --role office --office 359999

echo "# who may do what"
expect_refused "CONAC may not approve in office review" "may not|does not apply" \
    sm --as conac1 case act "$O" approve
expect_refused "a unit operator may not approve" "may not" sm --as lib-op case act "$O" approve
expect_refused "a unit operator may not act on another unit's case" "another unit" \
    sm --as org-op case act "$O" withdraw
expect_refused "the sysadmin does not act on cases" "does not work on cases|may not" \
    sm case act "$O" approve
expect_refused "the auditor does not list cases" "does not work on cases|may not" sm --as aud case list
expect_refused "customer service changes nothing" "may not" sm --as kf case act "$O" approve
expect_refused "a reviewer may not add users" "may not" sm --as fz-rev1 user add x --role conac
expect_refused "a reviewer may not add offices" "may not" sm --as fz-rev1 office add 350300 --name 测试
expect_refused "a unit operator may not list users" "administrators" sm --as org-op user list
expect_refused "only the auditor verifies the audit log" "audit" sm audit verify
expect_refused "another office's reviewer may not approve" "not by yours" sm --as xm-rev case act "$O" approve
expect_refused "another office's reviewer may not read" "not by yours" sm --as xm-rev case show "$O"
expect_refused "another office's reviewer may not see the mark" "not by yours" sm --as xm-rev mark show "$S"
printf 'site_name: 另一个名称\n' >"$T/edit.yaml"
expect_refused "a reviewer may not edit" "may not" sm --as fz-rev1 case edit "$A" --values "$T/edit.yaml"

echo "# wrong state"
expect_refused "confirm-paper in office review" "does not apply" \
    sm --as fz-rev1 case act "$O" confirm-paper --values "$VALUES/confirm-paper.yaml"
expect_refused "submit in office review" "does not apply" sm --as lib-op case act "$O" submit
expect_refused "verify-hung before the mark" "does not apply" sm --as conac1 case act "$S" verify-hung
expect_refused "edit out of draft or returned" "only drafts and returned" \
    sm --as org-op case edit "$S" --values "$T/edit.yaml"
expect_refused "no mark yet" "no mark" sm --as org-op mark show "$S"
expect_refused "no such case" "no case 999999" sm --as conac1 case show 999999
expect_refused "no such case to act on" "no case 999999" sm --as conac1 case act 999999 approve
expect_refused "an institution does not apply for website opening review" "organs" \
    sm --as lib-op case new site --values "$VALUES/site-own.yaml"
sm office add 000000 --name 中央编办电子政务中心 >/dev/null || die "office add 000000"
CENTRAL=$(sm unit register --values "$VALUES/unit-organ-central.yaml" --login central-op) ||
    die "unit register central"
sm --as sec user role central-op unit >/dev/null || die "user role central-op"
expect_refused "an organ without a .政务 domain cannot open a site case" "register a .政务 domain first" \
    sm --as central-op case new site --values "$VALUES/site-own.yaml"
expect_refused "an organ does not apply for a mark" "organs" \
    sm --as central-op case new mark --values "$VALUES/mark-own.yaml"
SOCIAL=$(sm unit register --values "$VALUES/unit-social-fj.yaml" --login social-op) ||
    die "unit register social"
sm --as sec user role social-op unit >/dev/null || die "user role social-op"
expect_refused "init --demo into a database with data" "already has data" sm init --demo

echo "# duplicates"
ACE=$(q "select domain from cases where id = $ORG_DOMAIN_CASE")
check_match "the registered domain's ACE form" '^xn--[a-z0-9-]+\.xn--zfr164b$' "$ACE"
LABEL=${ACE%%.*}
expect_refused "a registered domain again, by another organ" "already registered" \
    sm --as central-op case new domain --values "$VALUES/domain.yaml"
printf 'name: 福州市人民政府\nusage: 重复。\n' >"$T/dup.yaml"
expect_refused "a registered domain again, by its owner" "already registered" \
    sm --as org-op case new domain --values "$T/dup.yaml"
printf 'name: %s\nusage: 重复。\n' "$LABEL" >"$T/dup-ace.yaml"
expect_refused "a registered domain again, in ACE form" "already registered" \
    sm --as org-op case new domain --values "$T/dup-ace.yaml"
printf 'name: %s\nusage: 重复。\n' "$(printf '%s' "$LABEL" | tr a-z A-Z)" >"$T/dup-ace-upper.yaml"
expect_refused "a registered domain again, in upper-case ACE form" "already registered" \
    sm --as org-op case new domain --values "$T/dup-ace-upper.yaml"
expect_refused "a domain applied for in another unit's open case" "already registered or applied for" \
    sm --as social-op case new domain --values "$T/dom-o.yaml"
printf 'name: %s\nusage: 重复。\n' "$(q "select domain from cases where id = $O" | cut -d. -f1)" >"$T/dom-o-ace.yaml"
expect_refused "a domain applied for in an open case, in ACE form" "already registered or applied for" \
    sm --as social-op case new domain --values "$T/dom-o-ace.yaml"
expect_refused "a domain applied for in an open case, by the same unit" "already registered or applied for|open case" \
    sm --as lib-op case new domain --values "$T/dom-o.yaml"
sed "s/^domain: .*/domain: $ACE/" "$VALUES/site-own.yaml" >"$T/site-ace.yaml"
expect_refused "a second open site case for the same domain, in ACE form" "open case" \
    sm --as org-op case new site --values "$T/site-ace.yaml"
expect_refused "a second open site case for the same domain" "open case" \
    sm --as org-op case new site --values "$VALUES/site-own.yaml"
expect_refused "a unit with the same USCC again" "uscc|already|exists|registered" \
    sm unit register --values "$VALUES/unit-organ-fj.yaml"
expect_refused "a user again" "fz-rev1|already|exists" sm user add fz-rev1 --role conac
expect_refused "an office again" "350100|already|exists" sm office add 350100 --name 重复

echo "# someone else acted first"
V=$(version_of "$O")
expect_refused "approve with a stale --expect-version" "已被他人处理|someone else" \
    sm --as fz-rev1 case act "$O" approve --expect-version $((V - 1))
expect_refused "approve with a future --expect-version" "已被他人处理|someone else" \
    sm --as fz-rev1 case act "$O" approve --expect-version $((V + 1))
printf 'name: 福州市草稿\nusage: 草稿。\n' >"$T/draft.yaml"
DR=$(sm --as org-op case new domain --values "$T/draft.yaml") || die "case new DR"
expect_refused "edit with a stale --expect-version" "已被他人处理|someone else|since you saw it|在您查看之后" \
    sm --as org-op case edit "$DR" --values "$T/draft.yaml" --expect-version 7
expect_ok "approve with the right --expect-version" sm --as fz-rev1 case act "$O" approve --expect-version "$V"
check_eq "the approval applied" "conac_review" "$(state_of "$O")"

echo "# a request id is bound to its request"
printf 'name: 福州市请求甲\nusage: 请求。\n' >"$T/req-a.yaml"
printf 'name: 福州市请求乙\nusage: 请求。\n' >"$T/req-b.yaml"
RA=$(sm --as org-op case new domain --values "$T/req-a.yaml") || die "case new RA"
RB=$(sm --as org-op case new domain --values "$T/req-b.yaml") || die "case new RB"
sm --as org-op case act "$RA" submit >/dev/null || die "submit RA"
sm --as org-op case act "$RB" submit >/dev/null || die "submit RB"
expect_ok "approve under request id R-1" sm --as fz-rev1 case act "$RA" approve --request-id R-1
expect_refused "R-1 again for another case and action" "R-1.*(another request|其他请求|另一)" \
    sm --as fz-rev1 case act "$RB" reject --reason 不全 --request-id R-1
check_eq "the other case is as it was" "office_review" "$(state_of "$RB")"
expect_refused "R-1 again for the same case by another user" "R-1" \
    sm --as fz-rev2 case act "$RA" approve --request-id R-1
expect_refused "R-1 again for the same case and action with values" "R-1" \
    sm --as fz-rev1 case act "$RA" approve --reason 另附说明 --request-id R-1
before=$(db_fingerprint)
run sm --as fz-rev1 case act "$RA" approve --request-id R-1
check_eq "an exact replay of R-1 answers what was recorded" "0" "$RC"
check_eq "the replay wrote nothing" "$before" "$(db_fingerprint)"
check_eq "the replayed case is where R-1 left it" "conac_review" "$(state_of "$RA")"

# ================================================================ usage

echo "# bad usage: exit 2"
expect_usage "unknown command" sm frobnicate
expect_usage "a command's unknown second word" sm case frobnicate
check_match "named whole, not as an unknown 'case'" "(unknown command 'case frobnicate'|case frobnicate)" "$ERR"
expect_usage "a command without its second word" sm case
check_match "saying it needs one" "(needs a second word|第二个词)" "$ERR"
run sm --help
check_match "--help: every exit status, 3 too" "(3 marks check|3：|3 )" "$(grep -i -E 'exit status|退出状态' <<<"$OUT")"
run "$SITEMARK" --db "$T/restored-nowhere.db" restore "$T/no-such-backup.db"
check_eq "restore from a backup that is not there: refused" "1" "$RC"
check_match "saying there is no backup file (not 'create it with init')" "(no backup file|没有备份文件)" "$ERR"
check_nomatch "not sending the user to init" "init" "$ERR"
expect_usage "a command's first word alone" sm case
expect_usage "unknown second word" sm case frobnicate
expect_usage "missing argument" sm --as conac1 case show
expect_usage "missing action" sm --as fz-rev1 case act "$O"
# only a transition is made at most once under the caller's request id:
# elsewhere the option would be ignored, and a change made twice
expect_usage "--request-id with another command than case act" \
    sm office add 350900 --name 测试 --request-id 0f1e2d3c-4b5a-4968-8776-655443322111
check_match "--request-id elsewhere: says where it applies" "case act only" "$ERR"
expect_usage "a filter given twice" sm --as conac1 case list --state office_review --state conac_review
check_match "a filter given twice: says so" "given more than once" "$ERR"
expect_usage "too many arguments" sm --as conac1 case show 1 2
expect_usage "extra argument" sm --as conac1 case list extra
expect_usage "a case id that is not a number" sm --as conac1 case show abc
expect_usage "a case id with a tail" sm --as conac1 case show 1x
expect_usage "case id 0" sm --as conac1 case show 0
expect_usage "a negative case id" sm --as conac1 case show -3
expect_usage "a case id too large" sm --as conac1 case show 99999999999999999999
expect_usage "a bad --expect-version" sm --as fz-rev1 case act "$O" approve --expect-version abc
expect_usage "--expect-version 0" sm --as fz-rev1 case act "$O" approve --expect-version 0
expect_usage "unknown option" sm --bogus case list
expect_usage "an option without its value" sm case list --state
expect_usage "office add without --name" sm office add 350300
expect_usage "user role without its role" sm user role someone
expect_usage "unit register without --values" sm unit register
expect_usage "case edit without --values" sm --as org-op case edit "$DR"
expect_usage "case new without --values (no draft made by a forgotten option)" sm --as org-op case new domain
expect_usage "a bad --unit" sm user add someone --role unit --unit abc
check_match "usage errors point to --help" "sitemark --help" "$ERR"
run "$SITEMARK" --help
check_eq "--help exits 0" "0" "$RC"
check_match "--help prints the usage" "^Usage: sitemark" "$OUT"
check_match "--help lists the commands" "case act ID ACTION" "$OUT"
run "$SITEMARK" --version
check_eq "--version exits 0" "0" "$RC"
check_match "--version prints the version" "^sitemark [0-9]+\.[0-9]+" "$OUT"

# ================================================================ database files

echo "# database files"
# db_refused DESC ERE FILE ARGS...: sitemark --db FILE ARGS exits 1 with ERE
# on stderr and leaves FILE byte for byte as it was, with no -wal or -journal.
db_refused() {
	local desc=$1 ere=$2 file=$3
	shift 3
	cp "$file" "$T/before.bin"
	run "$SITEMARK" --db "$file" "$@"
	check_eq "$desc: exit 1" "1" "$RC"
	check_match "$desc: says why" "$ere" "$ERR"
	check_eq "$desc: one line on stderr" "1" "$(printf '%s\n' "$ERR" | grep -c .)"
	if cmp -s "$file" "$T/before.bin"; then
		pass "$desc: the file is unchanged"
	else
		fail "$desc: the file is unchanged" "$(cmp "$file" "$T/before.bin" 2>&1)"
	fi
	check_eq "$desc: no journal left" "" "$(ls "$file"-wal "$file"-journal 2>/dev/null)"
}
head -c 65536 /dev/urandom >"$T/random.db"
db_refused "random bytes" "corrupt|not a sitemark database" "$T/random.db" --as conac1 case list
db_refused "random bytes, init" "corrupt|not a sitemark database" "$T/random.db" init

db_copy "$T/damaged.db" || die "a copy of the database"
size=$(stat -c %s "$T/damaged.db") || die "the copy's size"
head -c $((size - 4096)) /dev/urandom | dd of="$T/damaged.db" bs=4096 seek=1 conv=notrunc 2>/dev/null
db_refused "a damaged database (header intact)" "corrupt|malformed" "$T/damaged.db" --as conac1 case list
db_refused "a damaged database, init" "corrupt|malformed" "$T/damaged.db" init
if have_zh_locale; then
	run env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN "$SITEMARK" --db "$T/damaged.db" \
	    --as conac1 case list
	check_match "in Chinese, SQLite's words too" "数据库文件已损坏|文件不是数据库" "$ERR"
	check_nomatch "none of them in English" "malformed|not a database" "$ERR"
fi

run "$SITEMARK" --db "$T/missing.db" --as conac1 case list
check_eq "a missing database: exit 1" "1" "$RC"
check_match "a missing database: says to run init" "does not exist.*init" "$ERR"
check_true "a missing database is not created" ! -e "$T/missing.db"

db_copy "$T/newer.db" || die "a copy of the database"
sqlite3 "$T/newer.db" 'PRAGMA user_version = 99'
db_refused "a database of a newer sitemark (user_version 99)" "newer.*99" "$T/newer.db" --as conac1 case list
db_refused "a database of a newer sitemark, init" "newer.*99" "$T/newer.db" init

sqlite3 "$T/other.db" 'CREATE TABLE photos(id INTEGER PRIMARY KEY, path TEXT); INSERT INTO photos(path) VALUES ("a.jpg");'
db_refused "a SQLite database of another program" "another program|not .*sitemark" "$T/other.db" --as conac1 case list
db_refused "a SQLite database of another program, init" "another program|not .*sitemark" "$T/other.db" init

: >"$T/empty.db"
run "$SITEMARK" --db "$T/empty.db" --as conac1 case list
check_eq "an empty file: exit 1" "1" "$RC"
check_match "an empty file: says why" "." "$ERR"

# ================================================================ form definitions

echo "# form definitions"
run "$SITEMARK" forms check
check_eq "forms check on the shipped forms: exit 0" "0" "$RC"
check_match "forms check counts them" "^[0-9]+ form definitions are valid" "$OUT"
run "$SITEMARK" forms check "$top_srcdir/forms/unit.yaml" "$top_srcdir/forms/site.yaml"
check_eq "forms check on named good files: exit 0" "0" "$RC"

mkdir -p "$T/data"
cp -R "$SITEMARK_DATADIR/forms" "$SITEMARK_DATADIR/data" "$T/data/"
# A YAML syntax error at a known line.
line=$(grep -n 'label:' "$T/data/forms/site.yaml" | sed -n 2p | cut -d: -f1)
sed -i "${line}s/label: .*/label: \"Website name\n  broken: [unclosed/" "$T/data/forms/site.yaml"
run env SITEMARK_DATADIR="$T/data" "$SITEMARK" --db "$DB" --as conac1 case list
check_eq "a broken forms/site.yaml: exit 1" "1" "$RC"
check_match "a broken forms/site.yaml: the message names file:line" "forms/site\.yaml:[0-9]+: " "$ERR"
check_eq "a broken forms/site.yaml: nothing on stdout" "" "$OUT"
run env SITEMARK_DATADIR="$T/data" "$SITEMARK" forms check
check_eq "forms check on a broken definition: exit 1" "1" "$RC"
check_match "forms check names file:line" "forms/site\.yaml:[0-9]+: " "$ERR"
check_match "forms check counts the bad ones" "1 of [0-9]+ form definitions have problems" "$ERR"
# A mistake in the form language: an unknown field type, at a known line.
cp "$SITEMARK_DATADIR/forms/site.yaml" "$T/data/forms/site.yaml"
line=$(grep -n 'type: text' "$T/data/forms/site.yaml" | head -1 | cut -d: -f1)
sed -i "${line}s/type: text/type: frobozz/" "$T/data/forms/site.yaml"
run "$SITEMARK" forms check "$T/data/forms/site.yaml"
check_eq "forms check FILE with an unknown type: exit 1" "1" "$RC"
check_match "the message names file:line and the type" "site\.yaml:$line: .*frobozz" "$ERR"
run env SITEMARK_DATADIR="$T/data" "$SITEMARK" --db "$DB" --as conac1 case show "$S"
check_eq "sitemark refuses to run with it: exit 1" "1" "$RC"
check_match "and names file:line" "site\.yaml:$line: " "$ERR"
run "$SITEMARK" forms check "$T/nonexistent.yaml"
check_eq "forms check on a missing file: exit 1" "1" "$RC"
check_match "forms check names the missing file" "nonexistent\.yaml" "$ERR"
if [ "$(id -u)" -ne 0 ]; then
	cp "$SITEMARK_DATADIR/forms/site.yaml" "$T/data/forms/site.yaml"
	chmod 000 "$T/data/forms/site.yaml"
	run env SITEMARK_DATADIR="$T/data" "$SITEMARK" --db "$DB" --as conac1 case list
	check_eq "an unreadable forms/site.yaml: exit 1" "1" "$RC"
	check_match "an unreadable forms/site.yaml: named" "site\.yaml" "$ERR"
	chmod 644 "$T/data/forms/site.yaml"
else
	echo "# SKIP an unreadable forms/site.yaml: running as root, who reads anything"
fi

# ================================================================ people

echo "# people"
BOSS=sm-test-boss-$$
run "$SITEMARK" --db "$T/boss.db" --as "$BOSS" init
check_eq "init --as makes that login the first administrator" "0" "$RC"
if [ "$(id -un)" != "$BOSS" ]; then
	run "$SITEMARK" --db "$T/boss.db" case list
	check_eq "an unknown Unix login: exit 1" "1" "$RC"
	check_match "an unknown Unix login: names the login" "'$(id -un)'" "$ERR"
	check_match "an unknown Unix login: says whom to ask" "ask your system administrator" "$ERR"
fi
expect_login_refused "an unknown --as login: says whom to ask" "no sitemark account.*ask" sm --as nobody-here case list
# The first administrator's login obeys the rule of every other login
# (letters, digits and . _ - @): sm_user_add checks it, sm_first_admin must too.
run "$SITEMARK" --db "$T/badadmin.db" --as "bad$(printf '\033')[2J admin" init
check_eq "init --as with a login holding ESC and a space: exit 1" "1" "$RC"
check_match "init --as with a bad login: names the login rule" "login" "$ERR"
check_eq "init --as with a bad login: no such account made" "0" \
    "$(sqlite3 "$T/badadmin.db" "select count(*) from users where instr(login, char(27)) or instr(login, ' ')" 2>/dev/null || echo 0)"

# ================================================================ escape sequences

echo "# escape sequences in data"
ESC=$(printf '\033')
expect_refused "a unit name with ESC[2J is refused" "^sitemark: name: .*control" \
    sm unit register --values "$VALUES/unit-bad-control.yaml"
expect_refused "a head with U+202E is refused" "^sitemark: head: " \
    sm unit register --values "$VALUES/unit-bad-bidi.yaml"
printf 'site_name: "福州\\e]0;pwned\\a市"\n' >"$T/esc-edit.yaml"
expect_refused "an OSC sequence in an edit is refused" "^sitemark: site_name: " \
    sm --as org-op case edit "$DR" --values "$T/esc-edit.yaml"
expect_refused "a reason with ESC[2J is refused" "reason" \
    sm --as conac1 case act "$O" reject --reason "坏$(printf '\033')[2J理由"

# Give lib-op a mark, so that mark show has something to show.
M=$(sm --as lib-op case new mark --values "$VALUES/mark-own.yaml") || die "case new M"
sm --as lib-op case act "$M" submit >/dev/null && sm --as fz-rev1 case act "$M" approve >/dev/null &&
    sm --as conac1 case act "$M" approve >/dev/null || die "M to mark_issued"

# An action that cannot be taken says so, before any field its form lacks.
expect_refused "a unit's reject-paper: not in this state, not a missing reason" \
    "'Reject paper' does not apply to case $M" sm --as lib-op case act "$M" reject-paper
expect_refused "a unit's reject: its role, not a missing reason" "your role .* may not 'Reject'" \
    sm --as lib-op case act "$O" reject
expect_refused "confirm-payment on a mark case: not in this state, not the amount" \
    "'Confirm payment' does not apply to case $M" sm --as conac1 case act "$M" confirm-payment
expect_refused "an action the role may take here, its field missing: the field" "reason: is required" \
    sm --as conac1 case act "$O" reject

# Data written directly into a copy of the database, past every validator.
db_copy "$T/esc.db" || die "a copy of the database"
evil="'福州' || char(27) || '[2J' || char(27) || ']0;pwned' || char(7) || char(27) || ']52;c;QQ==' || char(7) || char(155) || '31m' || char(13) || char(8) || char(8238) || '市'"
sqlite3 "$T/esc.db" "
UPDATE units SET name = $evil;
UPDATE users SET name = $evil;
UPDATE cases SET \"values\" = json_set(\"values\", '\$.site_name', $evil, '\$.usage', $evil), domain_unicode = $evil;
UPDATE cases SET due = '2026-03-0' || char(27) || '[2J1' WHERE due IS NOT NULL;
UPDATE audit SET reason = $evil, actor = $evil WHERE object = 'case';
UPDATE marks SET certificate = json_set(certificate, '\$.unit_name', $evil, '\$.site_name', $evil), snippet = $evil;
INSERT INTO users(login, role, created_at) VALUES ('evil' || char(27) || '[2J', 'conac', '2026-01-01T00:00:00+08:00');
" || die "writing escape sequences into the database copy"
check_eq "the copy holds ESC bytes" "1" "$(sqlite3 "$T/esc.db" "select count(*) > 0 from units where instr(name, char(27))")"
DB_SAVED=$DB
DB="$T/esc.db"
# "-" runs as the Unix login (the sysadmin).
for cmd in "conac1 case show $O" "conac1 case show $S" "lib-op case show $M" "conac1 case list" \
    "fz-rev1 case list --queue" "lib-op mark show $M" "conac1 --json case show $M" "conac1 --json case list" \
    "lib-op --json mark show $M" "- user list" "- --json user list"; do
	login=${cmd%% *}
	args=${cmd#* }
	if [ "$login" = - ]; then
		# shellcheck disable=SC2086
		sm $args >"$T/esc.out" 2>"$T/esc.err"
	else
		# shellcheck disable=SC2086
		sm --as "$login" $args >"$T/esc.out" 2>"$T/esc.err"
	fi
	rc=$?
	check_eq "$cmd: exit 0 on data with escape sequences" "0" "$rc"
	check_true "$cmd: prints something" -s "$T/esc.out"
	check_eq "$cmd: no control byte on stdout" "0" "$(control_bytes "$T/esc.out")"
	check_eq "$cmd: no C1 control on stdout" "0" "$(c1_controls "$T/esc.out")"
	check_eq "$cmd: no bidi control on stdout" "0" "$(bidi_controls "$T/esc.out")"
	check_eq "$cmd: no control byte on stderr" "0" "$(control_bytes "$T/esc.err")"
done
run sm --as "evil${ESC}[2J" case list
check_eq "a login with ESC works" "0" "$RC"
run sm --as "nobody${ESC}[2J" case list
check_eq "an unknown login with ESC: exit 1" "1" "$RC"
printf '%s' "$ERR" >"$T/esc.err"
check_eq "an unknown login with ESC: no control byte on stderr" "0" "$(control_bytes "$T/esc.err")"
DB=$DB_SAVED

# SSH_CLIENT comes from the caller's environment: a change made with one
# holding a byte not UTF-8 and an ESC is audited with those bytes as '?',
# and audit show --json lists it with the others (it once left it out)
SSH_CLIENT=$'10.0.0.5 50000 22\xff\e[2J' sm user add ssh-probe >/dev/null 2>&1 ||
    die "user add with a hostile SSH_CLIENT"
run sm --as aud --json audit show --action user-add
check_eq "audit show --json: the record with a hostile SSH_CLIENT is there, made harmless" \
    "10.0.0.5 50000 22???2J" "$(jq -r '.[] | select(.object_key == "ssh-probe") | .ssh_client' <<<"$OUT")"
run sm --as aud audit show --action user-add
check_eq "and the text view shows as many records as the JSON one" \
    "$(sm --as aud --json audit show --action user-add | jq length)" "$(grep -c 'user-add' <<<"$OUT")"

run sm "${ESC}[2Jcommand"
check_eq "an unknown command with ESC: exit 2" "2" "$RC"
printf '%s' "$ERR" >"$T/esc.err"
check_eq "an unknown command with ESC: no control byte on stderr" "0" "$(control_bytes "$T/esc.err")"
run sm "--${ESC}[2Joption"
check_eq "an unknown option with ESC: exit 2" "2" "$RC"
printf '%s' "$ERR" >"$T/esc.err"
check_eq "an unknown option with ESC: no control byte on stderr" "0" "$(control_bytes "$T/esc.err")"
run sm --as org-op case new "${ESC}[2Jkind" --values "$VALUES/domain.yaml"
check_eq "an unknown kind with ESC: exit 1" "1" "$RC"
printf '%s' "$ERR" >"$T/esc.err"
check_eq "an unknown kind with ESC: no control byte on stderr" "0" "$(control_bytes "$T/esc.err")"
run sm --as conac1 case show "1${ESC}[2J"
check_eq "a case id with ESC: exit 2" "2" "$RC"
printf '%s' "$ERR" >"$T/esc.err"
check_eq "a case id with ESC: no control byte on stderr" "0" "$(control_bytes "$T/esc.err")"

# the output cannot be written after the work was done: said so, so that a
# script does not make the draft again
n0=$(q "select count(*) from cases")
printf 'name: 福州满盘测试\nusage: 测试。\n' >"$T/full.yaml"
"$SITEMARK" --db "$DB" --as lib-op case new domain --values "$T/full.yaml" >/dev/full 2>"$T/full.err"
check_eq "stdout full: exit 1" 1 "$?"
check_eq "the draft was made all the same" "$((n0 + 1))" "$(q "select count(*) from cases")"
check_match "and the message says it was done, not to run it again" \
    "was done, but what it prints could not be written.*do not run it again" "$(cat "$T/full.err")"

# an empty --db (a script's unset variable) is no database, not the default
expect_usage "--db \"\": a usage error" "$SITEMARK" --db "" --as conac1 case list
check_match "saying so" "--db is empty" "$ERR"
check_true "and no default database is made" ! -e "$HOME/.local/share/sitemark/sitemark.db"
expect_usage "--config \"\": a usage error" sm --config "" --as conac1 case list
expect_usage "SITEMARK_DB set but empty: a usage error" env SITEMARK_DB= "$SITEMARK" --as conac1 case list
check_match "saying so" "SITEMARK_DB is set but empty" "$ERR"

# a database in a directory its user cannot write: SQLite cannot make its
# -wal and -shm files, even to read; said as such
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	RO=$(mktemp -d /tmp/sitemark-rodir.XXXXXX)
	chmod 755 "$RO"
	db_copy "$RO/ro.db" || die "a copy of the database"
	rm -f "$RO/ro.db-wal" "$RO/ro.db-shm"
	chmod 644 "$RO/ro.db"
	run runuser -u nobody -- env SITEMARK_DATADIR="$SITEMARK_DATADIR" HOME=/ "$SITEMARK" \
	    --db "$RO/ro.db" --as conac1 case list
	check_eq "a directory it cannot write: refused" 1 "$RC"
	check_match "saying why: the directory, not the database" "its directory .*sitemark-rodir.* cannot be written" "$ERR"
	rm -rf "$RO"
fi

# a database file with two names (a hard link): SQLite would keep a log for
# each name; refused, through either name, and the file is left as it was
HL=$(mktemp -d /tmp/sitemark-hardlink.XXXXXX)
db_copy "$HL/a.db" || die "a copy of the database"
ln "$HL/a.db" "$HL/b.db"
before=$(cksum <"$HL/a.db")
for name in a b; do
	run "$SITEMARK" --db "$HL/$name.db" --as conac1 case list
	check_eq "a database with a hard link ($name.db): refused" 1 "$RC"
	check_match "saying why, and what to do" "(1 other name \\(a hard link\\)|硬链接).*(symbolic link|符号链接)" "$ERR"
done
check_eq "no write-ahead log made beside either name" "" "$(cd "$HL" && ls -- *-wal *-shm 2>/dev/null)"
check_eq "the file untouched" "$before" "$(cksum <"$HL/a.db")"
rm "$HL/b.db"
expect_ok "its other name removed: the database opens" "$SITEMARK" --db "$HL/a.db" --as conac1 case list
rm -rf "$HL"

# ================================================================ after all that

echo "# the database after all the refusals"
check_eq "PRAGMA integrity_check" "ok" "$(q 'PRAGMA integrity_check')"
expect_ok "the audit log verifies" sm --as aud audit verify
check_eq "every case's audit rows = its version" "" \
    "$(q "select id from cases c where version != (select count(*) from audit a where a.object = 'case' and a.object_id = c.id)")"

finish
