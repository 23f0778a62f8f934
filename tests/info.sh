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

finish
