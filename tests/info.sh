#!/usr/bin/env bash
# info.sh - information people ask for (issue 6, point 10): the fee at
# awaiting_payment, office names beside codes, a unit's contact and handler
# edits, customer service's search by mark code, certificate number,
# contact name and mobile, and staff notes that units never see.

. "$(dirname "$0")/lib.sh"

export SITEMARK_NOW=2026-11-20T10:00:00+08:00 TERM=xterm LINES=24 COLUMNS=80
unset NO_COLOR
make_world

# ---------------------------------------------------------------- the fee

cat > "$T/fee.yaml" <<'YAML'
fee:
  amount: "300.00"
  how: |
    汇款至 CONAC 账户 0200-1234
    附言: 案件号和域名
YAML
printf 'name: 福州市政务服务\nusage: 政务服务网站。\n' > "$T/domain2.yaml"
FEE=$(sm --as org-op case new domain --values "$T/domain2.yaml") || die "case new domain"
sm --as org-op case act "$FEE" submit >/dev/null || die "submit"
sm --as fz-rev1 case act "$FEE" approve >/dev/null || die "office approve"
sm --config "$T/fee.yaml" --as conac1 case act "$FEE" approve >/dev/null || die "conac approve"

run sm --config "$T/fee.yaml" --as org-op case show "$FEE"
check_match "case show: the fee" '^  Fee +300\.00$' "$OUT"
check_match "case show: how to pay, first line" '^  How to pay +汇款至 CONAC 账户 0200-1234$' "$OUT"
check_match "case show: how to pay, second line" '^ +附言: 案件号和域名$' "$OUT"
run sm --config "$T/fee.yaml" --as org-op --json case show "$FEE"
check_eq "case show --json: fee.amount" "300.00" "$(jq -r .fee.amount <<<"$OUT")"
check_eq "case show --json: fee.configured" "true" "$(jq -r .fee.configured <<<"$OUT")"
check_match "case show --json: fee.how" '附言' "$(jq -r .fee.how <<<"$OUT")"
# without configuration: as CONAC tells, with the support contacts
run sm --as org-op --json case show "$FEE"
check_eq "no fee configured: amount null" "null" "$(jq -r .fee.amount <<<"$OUT")"
check_match "no fee configured: as CONAC tells, the support line" \
    'as CONAC tells you.*010-69001234' "$(jq -r .fee.text <<<"$OUT")"
run sm --as org-op case show "$FEE"
check_match "case show without fee: the support line" '^  Fee +The fee is as CONAC tells you.*010-69001234' "$OUT"
# support: [] shows no contact: the sentences stand without one
printf 'support: []\n' >"$T/nosupport.yaml"
run sm --config "$T/nosupport.yaml" --as org-op --json case show "$FEE"
check_match "no support contacts: the fee sentence ends where it should" \
    '^(The fee is as CONAC tells you\.|.*CONAC.*。)$' "$(jq -r .fee.text <<<"$OUT")"
check_nomatch "and asks no one" '(ask|咨询)' "$(jq -r .fee.text <<<"$OUT")"
run "$SITEMARK" --db "$DB" --config "$T/nosupport.yaml" --as nobody-here case list
check_eq "an unknown login without support contacts: refused" 1 "$RC"
check_nomatch "without a dangling 'or call'" '(or call *$|或致电 *$|致电：?$)' "$ERR"
# the notifications: the SMS has the amount, the e-mail also how to pay
run sm --as org-op --json case show "$FEE"
check_match "payment SMS carries the amount" 'Fee: 300\.00 yuan\.$' \
    "$(jq -r '.outbox[] | select(.event == "payment" and .channel == "sms") | .body' <<<"$OUT")"
check_match "payment e-mail carries how to pay" '附言: 案件号和域名' \
    "$(jq -r '.outbox[] | select(.event == "payment" and .channel == "email") | .body' <<<"$OUT")"
# a registered case has no fee
run sm --as org-op --json case show "$ORG_DOMAIN_CASE"
check_eq "registered: no fee" "null" "$(jq -r .fee <<<"$OUT")"
# the console's pager shows it to the unit
printf "%s\n" 5 "<Enter>" ":dump $T/fee-pager" Q > "$T/fee.keys"
sm --config "$T/fee.yaml" --as org-op --script "$T/fee.keys" >/dev/null 2>&1
check_match "console pager: the fee" 'Fee +300\.00' "$(cat "$T/fee-pager" 2>/dev/null)"

# ---------------------------------------------------------------- unit edit

cat > "$T/contact.yaml" <<'YAML'
contact:
  name: 赵敏
  mobile: "13905919999"
handler:
  mobile: "13805918888"
YAML
before=$(sm --as org-op --json case show "$FEE")
expect_ok "the unit edits its contact and handler" sm --as org-op unit edit "$ORG_UNIT" --values "$T/contact.yaml"
run sm --as org-op --json case show "$FEE"
check_eq "contact name changed" "赵敏" "$(jq -r .unit_values.contact.name <<<"$OUT")"
check_eq "contact mobile changed" "13905919999" "$(jq -r .unit_values.contact.mobile <<<"$OUT")"
check_eq "contact e-mail kept" "webmaster@fuzhou.gov.cn" "$(jq -r .unit_values.contact.email <<<"$OUT")"
check_eq "handler name kept" "王芳" "$(jq -r .unit_values.handler.name <<<"$OUT")"
check_eq "handler mobile changed" "13805918888" "$(jq -r .unit_values.handler.mobile <<<"$OUT")"
check_eq "the unit's name kept" "$(jq -r .unit_values.name <<<"$before")" "$(jq -r .unit_values.name <<<"$OUT")"
printf 'name: 别的名字\ncontact:\n  name: 赵敏\n' > "$T/name.yaml"
expect_refused "other fields are refused" "name: .*only the contact" \
    sm --as org-op unit edit "$ORG_UNIT" --values "$T/name.yaml"
printf 'handler:\n  id_number: "350102198803151239"\n' > "$T/badid.yaml"
expect_refused "a bad ID number is refused" "handler.id_number" \
    sm --as org-op unit edit "$ORG_UNIT" --values "$T/badid.yaml"
printf 'contact:\n  mobile: "12345"\n' > "$T/badmobile.yaml"
expect_refused "a bad mobile is refused" "contact.mobile" \
    sm --as org-op unit edit "$ORG_UNIT" --values "$T/badmobile.yaml"
expect_refused "another unit's operator may not" "not yours" \
    sm --as lib-op unit edit "$ORG_UNIT" --values "$T/contact.yaml"
expect_refused "customer service may not" "may not" \
    sm --as kf unit edit "$ORG_UNIT" --values "$T/contact.yaml"
expect_refused "CONAC may not" "may not" \
    sm --as conac1 unit edit "$ORG_UNIT" --values "$T/contact.yaml"
expect_refused "another office may not" "another office" \
    sm --as xm-rev unit edit "$ORG_UNIT" --values "$T/contact.yaml"
printf 'contact:\n  phone: 0591-83990000\n' > "$T/phone.yaml"
expect_ok "its office may" sm --as fz-rev1 unit edit "$ORG_UNIT" --values "$T/phone.yaml"
expect_refused "a stale version is refused" "(changed by someone else|已被他人先行修改)" \
    sm --as org-op unit edit "$ORG_UNIT" --values "$T/phone.yaml" --expect-version 1
check_match "saying who changed it, when and how" \
    "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}.*fz-rev1.*(Contact and handler changed|联系人和经办人)" "$ERR"
expect_ok "the current version is taken" \
    sm --as org-op unit edit "$ORG_UNIT" --values "$T/phone.yaml" --expect-version 3
expect_refused "a version from before one's own change: refused" "(since you saw it|在您查看之后)" \
    sm --as org-op unit edit "$ORG_UNIT" --values "$T/phone.yaml" --expect-version 3
check_nomatch "and not put on someone else" "(someone else|他人)" "$ERR"
# audited, with who and the new values
run sqlite3 "$DB" "SELECT actor || ' ' || json_extract(\"values\", '\$.contact.name') FROM audit WHERE object = 'unit' AND action = 'unit-edit' ORDER BY seq"
check_eq "three audit records" "org-op 赵敏
fz-rev1 赵敏
org-op 赵敏" "$OUT"
expect_ok "the audit chain verifies" sm --as aud audit verify
check_eq "case show --json: the unit's version" "4" "$(sm --as org-op --json case show "$FEE" | jq .unit_version)"

# ---------------------------------------------------------------- search

# console_dump LOGIN NAME KEYS...: the console's screen after KEYS
console_dump() {
	local login=$1 name=$2
	shift 2
	{ for k in "$@"; do echo "$k"; done; echo ":dump $T/$name"; echo Q; } > "$T/$name.keys"
	sm --as "$login" --script "$T/$name.keys" >/dev/null 2>&1 || echo "console failed for $login" >&2
	cat "$T/$name" 2>/dev/null
}
# a mobile is a key only for whoever sees it in full (the unit, its office):
# customer service and CONAC see it masked, and a search that found a case
# by it would tell them the number (10,000 tries for the masked digits)
run sm --as kf --json case list --text 13905919999
check_eq "case list --text MOBILE: customer service (sees it masked) finds nothing by it" "0" \
    "$(jq length <<<"$OUT")"
run sm --as conac1 --json case list --text 13905919999
check_eq "case list --text MOBILE: nor does CONAC" "0" "$(jq length <<<"$OUT")"
run sm --as fz-rev1 --json case list --text 13905919999
check_eq "case list --text MOBILE: the unit's office finds its cases" "$FEE $ORG_DOMAIN_CASE" \
    "$(jq -r '[.[].id] | join(" ")' <<<"$OUT")"
run sm --as xm-rev --json case list --text 13905919999
check_eq "case list --text MOBILE: another office finds nothing" "0" "$(jq length <<<"$OUT")"
run sm --as kf --json case list --text 赵
check_eq "case list --text NAME (part)" "$FEE $ORG_DOMAIN_CASE" "$(jq -r '[.[].id] | join(" ")' <<<"$OUT")"
run sm --as kf --json case list --text 1390591999
check_eq "case list --text: a part of a mobile finds nothing" "0" "$(jq length <<<"$OUT")"
screen=$(console_dump kf search-mobile 1 "<F3>13905919999<Enter>")
check_nomatch "console search by mobile: customer service finds no case by it" "^.$FEE +Domain" "$screen"
screen=$(console_dump kf search-name 1 "<F3>赵敏<Enter>")
check_match "console search by the contact's name: the case" "^.$FEE +Domain +To pay" "$screen"
check_match "console search by name: the unit's other case" "^.$ORG_DOMAIN_CASE +Domain +Registered" "$screen"
check_match "console search by name: two found" "\|  1/2( |$)" "$screen"

run sm --as kf --json unit list --text 13905919999
check_eq "unit list --text MOBILE: customer service finds no unit by it" "0" "$(jq length <<<"$OUT")"
run sm --as fz-rev1 --json unit list --text 13905919999
check_eq "unit list --text MOBILE: the unit's office does" "$ORG_UNIT" "$(jq -r '[.[].id] | join(" ")' <<<"$OUT")"
run sm --as kf --json unit list --text 赵敏
check_eq "unit list: masked for customer service" "139****9999" "$(jq -r '.[0].values.contact.mobile' <<<"$OUT")"
check_eq "unit list: the office's name" "中共福州市委机构编制委员会办公室" "$(jq -r '.[0].office_name' <<<"$OUT")"
run sm --as fz-rev1 --json unit list --text 赵敏
check_eq "unit list: its office sees it whole" "13905919999" "$(jq -r '.[0].values.contact.mobile' <<<"$OUT")"
run sm --as xm-rev --json unit list --text 赵敏
check_eq "unit list: not another office's unit" "0" "$(jq length <<<"$OUT")"
expect_refused "unit list: not for units" "does not search units" sm --as org-op unit list --text 赵敏
run sm --as kf unit list --text 福州市
check_match "unit list: text, with the office" "^$ORG_UNIT +11350100003012349K  福州市人民政府办公厅  350100 中共福州" "$OUT"

# ---------------------------------------------------------------- staff notes

NOTE="内部备注：单位来电询问缴费"
expect_ok "customer service adds a note" sm --as kf case note "$FEE" --text "$NOTE"
for who in kf conac1 fz-rev1; do
	check_match "$who sees the note in case show" "$NOTE" "$(sm --as $who case show "$FEE")"
	check_eq "$who sees the note in --json" "$NOTE" "$(sm --as $who --json case show "$FEE" | jq -r '.notes[0].text')"
done
screen=$(console_dump kf note-kf 1 "<F3>$FEE<Enter>" "<Enter>" "/Staff notes<Enter>")
check_match "customer service sees the note in the console's pager" "$NOTE" "$screen"
run sm --as org-op case show "$FEE"
check_nomatch "the unit: no note in case show" "$NOTE|Staff notes" "$OUT"
run sm --as org-op --json case show "$FEE"
check_nomatch "the unit: no note in --json" "$NOTE|\"notes\"" "$OUT"
run sm --as org-op --json case list
check_nomatch "the unit: no note in case list --json" "$NOTE|\"notes\"" "$OUT"
pages=$(console_dump org-op note-unit 5 "<Enter>" ":dump $T/nu.1" "<PgDn>" ":dump $T/nu.2" "<PgDn>" \
    ":dump $T/nu.3" "<PgDn>"; cat "$T"/nu.[1-3])
check_match "the unit's console pager shows the case" "Case $FEE" "$pages"
check_match "the unit's console pager reaches the history" "History:" "$pages"
check_nomatch "the unit: no note in the console's pager" "$NOTE|Staff notes|内部备注" "$pages"

# ---------------------------------------------------------------- the mark code

# A long mark host: the snippet's URL is longer than a line, and stays whole.
printf 'mark:\n  base_url: https://marks.a-long-host-name.sitemark.invalid/website-marks\n' > "$T/long.yaml"
M=$(sm --as lib-op case new mark --values "$VALUES/mark-own.yaml") || die "case new mark"
sm --as lib-op case act "$M" submit >/dev/null || die "submit mark"
sm --as fz-rev1 case act "$M" approve >/dev/null || die "office approve mark"
sm --config "$T/long.yaml" --as conac1 case act "$M" approve >/dev/null || die "conac approve mark"
snippet=$(sm --as lib-op --json mark show "$M" | jq -r .snippet)
url=$(sed 's/.*src="\([^"]*\)".*/\1/' <<<"$snippet")
check_match "the URL is long" '^https://marks\.a-long-host-name.*\.js$' "$url"
check_eq "mark show prints it on one line" "1" "$(sm --as lib-op mark show "$M" | grep -c '<span id="_ideConac">')"
# (wider than the URL: at 80 columns a line this long is cut at the edge)
screen=$(COLUMNS=140 console_dump lib-op marks-long 4)
check_true "mark management: the URL whole on one line" -n "$(grep -F "\"$url\"" <<<"$screen")"
# at 80 columns the line is cut at the edge; Right scrolls to the rest of it
screen=$(console_dump lib-op marks-right 4 "<Right>")
check_match "mark management at 80 columns: Right shows the URL's end" \
    "${url: -40:40}\"\$" "$screen"
screen=$(console_dump lib-op marks-back 4 "<Right>" "<Left>")
check_match "mark management: Left comes back" '^<span id="_ideConac"><script' "$screen"
# joined again, the lines are the snippet up to white space between tags and attributes
joined=$(sed -n '/^<span/,/<\/span>$/p' "$T/marks-long" | sed 's/ *$//' | tr '\n' ' ')
check_eq "mark management: the lines make the snippet" \
    "$(tr -d ' ' <<<"$snippet")" "$(tr -d ' ' <<<"$joined")"

# ---------------------------------------------------------------- office names

run sm --json user list
check_eq "user list --json: office_name" "中共福州市委机构编制委员会办公室" \
    "$(jq -r '.[] | select(.login == "fz-rev1") | .office_name' <<<"$OUT")"
run sm --as kf --json case list
check_eq "case list --json: office_name" "中共福州市委机构编制委员会办公室" \
    "$(jq -r ".[] | select(.id == $FEE) | .office_name" <<<"$OUT")"
run sm user list
check_match "user list: the office's name after the columns" "^fz-rev1 .*350100 .*中共福州市委机构编制委员会办公室$" "$OUT"
screen=$(COLUMNS=120 console_dump fz-rev1 title-office)
check_match "title bar: the office by code and name" \
    "^sitemark \| Establishment office reviewer fz-rev1 350100 中共福州市委机构编制委员会办公室 \|" "$screen"

finish
