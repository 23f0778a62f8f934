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
expect_refused "a stale version is refused" "changed by someone else" \
    sm --as org-op unit edit "$ORG_UNIT" --values "$T/phone.yaml" --expect-version 1
expect_ok "the current version is taken" \
    sm --as org-op unit edit "$ORG_UNIT" --values "$T/phone.yaml" --expect-version 3
# audited, with who and the new values
run sqlite3 "$DB" "SELECT actor || ' ' || json_extract(\"values\", '\$.contact.name') FROM audit WHERE object = 'unit' AND action = 'unit-edit' ORDER BY seq"
check_eq "three audit records" "org-op 赵敏
fz-rev1 赵敏
org-op 赵敏" "$OUT"
expect_ok "the audit chain verifies" sm --as aud audit verify

finish
