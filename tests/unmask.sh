#!/usr/bin/env bash
# unmask.sh - `sitemark unmask ID FIELD --reason TEXT` (domain.md §3): CONAC
# and customer service, who see ID numbers and mobiles masked, ask for one
# value in full with a reason; it prints the value alone and leaves an
# "unmask" audit record (who, case, field, reason) that does not hold the
# value.  The unit and its office see the values in full (nothing to
# unmask); another office, the auditor and the administrators are refused;
# a missing reason, an unknown field and a field that is not masked too.
# Refusals write nothing.

. "$(dirname "$0")/lib.sh"

export SITEMARK_NOW=2026-11-20T10:00:00+08:00
make_world

SITE=$(sm --as org-op case new site --values "$VALUES/site-own.yaml") || die "case new site"
sm --as org-op case act "$SITE" submit >/dev/null || die "submit"

# tests/values/unit-organ-fj.yaml and site-own.yaml
declare -A FULL=([handler.id_number]=350102198803151238 [handler.mobile]=13805910002
    [contact.mobile]=13905910001 [site_head.mobile]=13905910003)

audit_rows() { q "select count(*) from audit where action = 'unmask'"; }

n=0
for who in conac1 kf; do
	for field in handler.id_number handler.mobile contact.mobile site_head.mobile; do
		expect_ok "$who unmasks $field" sm --as "$who" unmask "$SITE" "$field" \
		    --reason "电话核实经办人身份 ($who)"
		check_eq "$who: it prints the value alone" "${FULL[$field]}" "$OUT"
		n=$((n + 1))
		check_eq "$who: one audit record for $field" "$n" "$(audit_rows)"
	done
done
# The audit record: who, which case and field, the reason; never the value.
run sm --as aud --json audit show --action unmask
check_eq "the auditor reads the unmask records" 8 "$(jq length <<<"$OUT")"
check_eq "who, case, field and reason" \
    "conac1 conac $SITE handler.id_number 电话核实经办人身份 (conac1)" \
    "$(jq -r '.[0] | "\(.actor) \(.role) \(.object_id) \(.object_key) \(.reason)"' <<<"$OUT")"
rows=$(q "select * from audit where action = 'unmask'")
for v in "${FULL[@]}"; do
	check_nomatch "no unmask record holds $v" "$v" "$rows"
done
run sm --as aud audit show --action unmask
check_match "the text audit log names the event" "unmask|Value unmasked|查看完整" "$OUT"
expect_ok "the chain verifies" sm --as aud audit verify

# Those who see the values in full have nothing to unmask.
expect_refused "the unit sees its values in full" "in full|完整" \
    sm --as org-op unmask "$SITE" handler.id_number --reason "忘了"
expect_refused "its office's reviewer too" "in full|完整" \
    sm --as fz-rev1 unmask "$SITE" handler.id_number --reason "核实"
# Those without any need are refused.
expect_refused "another office may not" "not by yours|不是" \
    sm --as xm-rev unmask "$SITE" handler.id_number --reason "核实"
expect_refused "another unit may not" "another unit|其他单位" \
    sm --as lib-op unmask "$SITE" handler.id_number --reason "核实"
expect_refused "the auditor may not" "may not unmask|不能查看" \
    sm --as aud unmask "$SITE" handler.id_number --reason "核实"
expect_refused "the system administrator may not" "may not unmask|不能查看" \
    sm unmask "$SITE" handler.id_number --reason "核实"
# The reason is required, and is text like any reason.
expect_usage "no --reason" sm --as conac1 unmask "$SITE" handler.id_number
expect_refused "a blank reason" "reason" sm --as conac1 unmask "$SITE" handler.id_number --reason "   "
expect_refused "a reason with control characters" "reason" \
    sm --as conac1 unmask "$SITE" handler.id_number --reason "$(printf 'a\033[2Jb')"
# Unknown or unmaskable fields, unknown cases.
expect_refused "an unknown field" "no field handler.nothing|没有字段" \
    sm --as conac1 unmask "$SITE" handler.nothing --reason "核实"
expect_refused "a field that is not masked" "not masked|未遮盖|不遮盖" \
    sm --as conac1 unmask "$SITE" contact.email --reason "核实"
expect_refused "a group is not a value" "no field|not masked|没有字段|未遮盖|不遮盖" \
    sm --as conac1 unmask "$SITE" handler --reason "核实"
expect_refused "a domain case has no site head" "no field site_head.mobile \(its masked fields: contact.mobile, handler.id_number, handler.mobile\)|没有字段" \
    sm --as conac1 unmask "$ORG_DOMAIN_CASE" site_head.mobile --reason "核实"
expect_refused "an unknown case" "no case|不存在" \
    sm --as conac1 unmask 9999 handler.mobile --reason "核实"
expect_usage "a bad case id" sm --as conac1 unmask abc handler.mobile --reason "核实"
check_eq "no refusal left an audit record" 8 "$(audit_rows)"

# The console: customer service opens the case, presses u, picks the
# handler's ID number, gives a reason; the value stands in the pager until
# the case is left, and one more audit record names the field and reason.
export TERM=xterm LINES=24 COLUMNS=80
unset NO_COLOR
cat > "$T/keys" <<KEYS
2
<Enter>
:dump $T/before
u
<Down><Down>
<Enter>
单位来电核对经办人<Enter>
:dump $T/after
q
:dump $T/left
<Enter>
:dump $T/again
Q
KEYS
HOME=$T/home sm --as kf --script "$T/keys" >/dev/null 2>&1 || fail "the console ran its script"
check_match "the pager is case $SITE's" "Case $SITE" "$(head -1 "$T/before")"
check_match "the key bar offers Unmask" "7Unmask" "$(tail -1 "$T/before")"
check_nomatch "the value is masked before" "${FULL[handler.id_number]}" "$(cat "$T/before")"
check_match "the value in full after" "${FULL[handler.id_number]}" "$(cat "$T/after")"
check_nomatch "gone once the case is left" "${FULL[handler.id_number]}" "$(cat "$T/left" "$T/again")"
check_eq "the console's unmasking is audited" \
    "kf handler.id_number 单位来电核对经办人" \
    "$(q "select actor, object_key, reason from audit where action = 'unmask' order by seq desc limit 1" | tr '|' ' ')"
# Its office's reviewer sees the values in full: no Unmask key.
printf '%s\n' 1 '<Enter>' ":dump $T/office" Q > "$T/keys-office"
HOME=$T/home sm --as fz-rev1 --script "$T/keys-office" >/dev/null 2>&1 || fail "the office's console ran"
check_match "the office's pager is case $SITE's" "Case $SITE" "$(head -1 "$T/office")"
check_nomatch "and offers no Unmask" "Unmask" "$(tail -1 "$T/office")"

finish
