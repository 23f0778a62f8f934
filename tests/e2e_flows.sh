#!/usr/bin/env bash
# e2e_flows.sh - both flows of the seed (操作须知) through the command line.
#
#   党政机关: .政务 domain -> website opening review (rejected by the office,
#   edited, resubmitted; paper rejected, resubmitted) -> mark issued -> hung.
#   事业单位: .公益 domain -> mark application -> mark issued (in Chinese when
#   the zh_CN locale exists).
#
# Four people act: the unit operator (fz-op), its office's reviewer
# (fz-review, 350100), a CONAC reviewer (conac-li), and another office's
# reviewer (xm-review, 350200) who is refused every time without changing
# anything.  After every step: the state, the version, the audit rows; at the
# end of each flow: the history, the outbox, the deadlines and the mark.

. "$(dirname "$0")/lib.sh"

VIEWER=conac-li
declare -A NAUDIT NVERSION

skip_check() {
	echo "# SKIP $1: $2"
}

# track ID: remember the case's audit rows and version as they are now.
track() {
	NAUDIT[$1]=$(audit_rows "$1")
	NVERSION[$1]=$(version_of "$1")
}

# after_step ID STATE DESC: one more audit row and version, and STATE.
after_step() {
	local id=$1 want=$2 desc=$3
	check_eq "$desc: case $id is $want" "$want" "$(state_of "$id")"
	check_eq "$desc: one more audit row" "$((NAUDIT[$id] + 1))" "$(audit_rows "$id")"
	check_eq "$desc: version +1" "$((NVERSION[$id] + 1))" "$(version_of "$id")"
	track "$id"
}

# step STATE LOGIN ID ACTION [ARGS...]: LOGIN applies ACTION; the case is
# then in STATE.
step() {
	local want=$1 login=$2 id=$3 action=$4
	shift 4
	expect_ok "$login: case act $id $action" sm --as "$login" case act "$id" "$action" "$@"
	check_match "$login: $action prints the case's new state" "^case $id: " "$OUT"
	after_step "$id" "$want" "$login $action"
}

# refuse ERE LOGIN ID ACTION [ARGS...]: refused (exit 1, ERE on stderr,
# nothing written).
refuse() {
	local ere=$1 login=$2 id=$3 action=$4
	shift 4
	expect_refused "$login may not $action case $id" "$ere" \
	    sm --as "$login" case act "$id" "$action" "$@"
}

history_field() {
	case_json "$1" | jq -r "[.history[] | .$2 // \"-\"] | join(\" \")"
}

outbox_rows() {
	q "select event || ' ' || channel || ' ' || recipient from outbox where case_id = $1 order by id"
}

SITEMARK_NOW=2026-02-13T10:00:00+08:00
export SITEMARK_NOW
ME=$(id -un)

# ================================================================ setup

expect_ok "init makes a new database" sm init
check_match "init names the first administrator" "^$ME is the first system administrator" "$OUT"
check_eq "the Unix login is a sysadmin" "sysadmin" "$(q "select role from users where login = '$ME'")"
before=$(db_fingerprint)
expect_ok "init again is harmless" sm init
check_eq "init again writes nothing" "$before" "$(db_fingerprint)"
check_eq "still one user" "1" "$(q 'select count(*) from users')"

for o in "350000 中共福建省委机构编制委员会办公室" "350100 中共福州市委机构编制委员会办公室" \
    "350200 中共厦门市委机构编制委员会办公室"; do
	expect_ok "office add ${o%% *}" sm office add "${o%% *}" --name "${o#* }"
done
expect_ok "user add fz-op (unit)" sm user add fz-op --role unit --name 李华 --mobile 13905910001
expect_ok "user add fz-review (office 350100)" \
    sm user add fz-review --role office --office 350100 --name 林涛
expect_ok "user add xm-review (office 350200)" \
    sm user add xm-review --role office --office 350200 --name 许静
expect_ok "user add conac-li (conac)" sm user add conac-li --role conac --name 李娜
expect_ok "user add aud (auditor)" sm user add aud --role auditor
expect_ok "user add sec (secadmin): founding the three" sm user add sec --role secadmin

# 三员分立: the accounts wait for the security administrator's grant
expect_ok "user list --json" sm --json user list
check_eq "fz-review holds no role yet" "null" \
    "$(printf '%s' "$OUT" | jq -r '.[] | select(.login == "fz-review") | .role')"
check_eq "fz-review asks to review for office 350100" "office 350100" \
    "$(printf '%s' "$OUT" | jq -r '.[] | select(.login == "fz-review") | "\(.asks.role) \(.asks.office)"')"
expect_login_refused "fz-review cannot work before the grant" "no role yet" \
    sm --as fz-review case list
expect_refused "the system administrator grants no role" "may not" \
    sm user role fz-review office --office 350100
for u in fz-op fz-review xm-review conac-li; do
	role=$(q "select asked_role from users where login = '$u'")
	expect_ok "sec grants $u the role it was made for ($role)" sm --as sec user role "$u" "$role"
done
check_eq "the office came with the grant" "350100" \
    "$(q "select office from users where login = 'fz-review'")"

expect_refused "a unit operator cannot add users" "may not" \
    sm --as fz-op user add mallory --role sysadmin
expect_refused "a reviewer cannot register units" "may not" \
    sm --as fz-review unit register --values "$VALUES/unit-organ-fj.yaml"

expect_ok "fz-op registers its organ" sm --as fz-op unit register --values "$VALUES/unit-organ-fj.yaml"
check_match "unit register prints the id alone" '^[0-9]+$' "$OUT"
ORG=$OUT
expect_ok "sysadmin registers an institution with its operator" \
    sm unit register --values "$VALUES/unit-institution-fj.yaml" --login lib-op
check_match "unit register prints the id alone" '^[0-9]+$' "$OUT"
LIB=$OUT
check_eq "lib-op asks to operate the institution" "unit $LIB" \
    "$(q "select asked_role || ' ' || asked_unit from users where login = 'lib-op'")"
expect_ok "sec grants lib-op its unit role" sm --as sec user role lib-op unit
expect_refused "fz-op cannot register a second unit" "already belongs to unit" \
    sm --as fz-op unit register --values "$VALUES/unit-social-fj.yaml"

expect_ok "user list --json" sm --json user list
check_eq "fz-op belongs to its unit" "$ORG" "$(printf '%s' "$OUT" | jq -r '.[] | select(.login == "fz-op") | .unit')"
check_eq "lib-op belongs to the institution" "$LIB" \
    "$(printf '%s' "$OUT" | jq -r '.[] | select(.login == "lib-op") | .unit')"
check_eq "xm-review's office" "350200" \
    "$(printf '%s' "$OUT" | jq -r '.[] | select(.login == "xm-review") | .office')"
check_eq "the organ is reviewed by 350100" "350100" "$(q "select office from units where id = $ORG")"

# ================================================================ flow 1: .政务 domain

echo "# flow 1: 党政机关 .政务 domain"
expect_refused "an organ cannot open a site case before it has a domain" "register a .政务 domain first" \
    sm --as fz-op case new site --values "$VALUES/site-own.yaml"
expect_ok "fz-op: case new domain" sm --as fz-op case new domain --values "$VALUES/domain.yaml"
check_match "case new prints the id alone" '^[0-9]+$' "$OUT"
D=$OUT
check_eq "the new case is a draft" "draft" "$(state_of "$D")"
check_eq "one audit row (create)" "1" "$(audit_rows "$D")"
check_eq "version 1" "1" "$(version_of "$D")"
track "$D"
check_eq "the requested domain" "福州市人民政府.政务" "$(case_json "$D" | jq -r .domain)"

refuse "does not apply|may not" fz-review "$D" approve
step office_review fz-op "$D" submit
J=$(case_json "$D")
check_eq "submit on 2026-02-13: office review due 2026-02-27" "2026-02-27" "$(jq -r .deadline <<<"$J")"
check_eq "the deadline is the office review's" "office_review" "$(jq -r .deadline_kind <<<"$J")"
check_eq "not overdue" "0" "$(jq -r .days_over <<<"$J")"

expect_ok "fz-review's queue" sm --as fz-review --json case list --queue
check_eq "the case waits in fz-review's queue" "$D" "$(jq -r ".[] | select(.id == $D) | .id" <<<"$OUT")"
expect_ok "xm-review's queue" sm --as xm-review --json case list --queue
check_eq "xm-review's queue is empty" "0" "$(jq length <<<"$OUT")"
expect_refused "xm-review may not read the case" "not by yours" sm --as xm-review case show "$D"
refuse "not by yours" xm-review "$D" approve
refuse "not by yours" xm-review "$D" reject --reason 不予通过
refuse "may not|does not apply" conac-li "$D" approve
refuse "may not|does not apply" fz-op "$D" approve
expect_refused "lib-op may not read another unit's case" "another unit" sm --as lib-op case show "$D"

step conac_review fz-review "$D" approve
check_eq "no deadline in CONAC review" "null" "$(case_json "$D" | jq -r .deadline)"
expect_ok "conac-li's queue" sm --as conac-li --json case list --queue
check_eq "the case waits in conac-li's queue" "$D" "$(jq -r ".[] | select(.id == $D) | .id" <<<"$OUT")"
refuse "not by yours" xm-review "$D" approve
refuse "may not|does not apply" fz-review "$D" approve
step awaiting_payment conac-li "$D" approve
refuse "may not" fz-review "$D" confirm-payment --values "$VALUES/confirm-payment.yaml"
refuse "not by yours" xm-review "$D" confirm-payment --values "$VALUES/confirm-payment.yaml"
refuse "amount" conac-li "$D" confirm-payment --values "$VALUES/confirm-payment-bad-amount.yaml"
step registered conac-li "$D" confirm-payment --values "$VALUES/confirm-payment.yaml"
refuse "does not apply" conac-li "$D" approve

J=$(case_json "$D")
check_eq "flow 1 history: actions" "create submit approve approve confirm-payment" \
    "$(jq -r '[.history[].action] | join(" ")' <<<"$J")"
check_eq "flow 1 history: from" "- draft office_review conac_review awaiting_payment" \
    "$(jq -r '[.history[] | .from // "-"] | join(" ")' <<<"$J")"
check_eq "flow 1 history: to" "draft office_review conac_review awaiting_payment registered" \
    "$(jq -r '[.history[].to] | join(" ")' <<<"$J")"
check_eq "flow 1 history: by" "fz-op fz-op fz-review conac-li conac-li" \
    "$(jq -r '[.history[].by] | join(" ")' <<<"$J")"
check_eq "flow 1 history: at" "$SITEMARK_NOW" "$(jq -r '[.history[].at] | unique | join(" ")' <<<"$J")"
check_eq "the payment's values are normalised" '"300.00" "CONAC-2026-000123" "2026-02-05"' \
    "$(jq -r '.history[-1].values | [.amount, .receipt, .paid_on] | map(@json) | join(" ")' <<<"$J")"
check_eq "flow 1: audit rows = transitions = version" "5 5" "$(audit_rows "$D") $(jq -r .version <<<"$J")"
check_eq "the domain is now the organ's" "$ORG 福州市人民政府.政务" \
    "$(q "select unit || ' ' || unicode from domains where case_id = $D")"
check_eq "flow 1 outbox: the payment notice by SMS and e-mail" \
    "payment sms 13805910002
payment email webmaster@fuzhou.gov.cn" "$(outbox_rows "$D")"
check_eq "the outbox shown with the case" "2" "$(jq -r '.outbox | length' <<<"$J")"
check_match "the payment notice names the domain" "福州市人民政府\\.政务" \
    "$(q "select body from outbox where case_id = $D and channel = 'email'")"

# ================================================================ flow 1: website opening review

echo "# flow 1: 党政机关 website opening review"
expect_ok "fz-op: case new site" sm --as fz-op case new site --values "$VALUES/site-own.yaml"
S=$OUT
check_eq "the site case is a draft" "draft" "$(state_of "$S")"
track "$S"
expect_refused "a second open site case for the same domain" "already has an open case" \
    sm --as fz-op case new site --values "$VALUES/site-own.yaml"
step office_review fz-op "$S" submit
check_eq "site submitted on 2026-02-13: due 2026-02-27" "2026-02-27" "$(case_json "$S" | jq -r .deadline)"
refuse "not by yours" xm-review "$S" reject --values "$VALUES/reject.yaml"
refuse "may not|does not apply" conac-li "$S" reject --values "$VALUES/reject.yaml"
refuse "reason" fz-review "$S" reject --values "$VALUES/reject-bad-code.yaml"
step returned fz-review "$S" reject --values "$VALUES/reject.yaml"
REASON1=$(sed -n 's/^reason: //p' "$VALUES/reject.yaml")
check_eq "the reject reason is in the history" "$REASON1" "$(case_json "$S" | jq -r '.history[-1].reason')"
check_eq "no deadline while returned" "null" "$(case_json "$S" | jq -r .deadline)"
refuse "does not apply" fz-review "$S" approve
expect_refused "xm-review may not edit the case" "may not" \
    sm --as xm-review case edit "$S" --values "$VALUES/site-own.yaml"

printf 'site_name: 福州市人民政府门户\n' >"$T/site-fix.yaml"
expect_ok "fz-op edits the returned case" sm --as fz-op case edit "$S" --values "$T/site-fix.yaml"
after_step "$S" returned "edit"
check_eq "the edit is kept" "福州市人民政府门户" "$(case_json "$S" | jq -r .values.site_name)"

SITEMARK_NOW=2026-02-24T09:30:00+08:00
step office_review fz-op "$S" submit
check_eq "resubmitted on 2026-02-24: due 2026-03-02 (2/28 is a working Saturday)" "2026-03-02" \
    "$(case_json "$S" | jq -r .deadline)"
SITEMARK_NOW=2026-03-04T09:00:00+08:00
J=$(case_json "$S")
check_true "viewed on 2026-03-04 the case is overdue" "$(jq -r .days_over <<<"$J")" -gt 0
step conac_review fz-review "$S" approve
SITEMARK_NOW=2026-03-05T10:00:00+08:00
step paper_pending conac-li "$S" approve
J=$(case_json "$S")
check_eq "paper pending on 2026-03-05: paper review due 2026-03-19" "2026-03-19" "$(jq -r .deadline <<<"$J")"
check_eq "the deadline is the paper review's" "paper_review" "$(jq -r .deadline_kind <<<"$J")"
check_eq "the paper notice goes by SMS to the handler" "paper sms 13805910002" \
    "$(q "select event || ' ' || channel || ' ' || recipient from outbox where case_id = $S and event = 'paper'")"

refuse "not by yours" xm-review "$S" reject-paper --values "$VALUES/reject-paper.yaml"
refuse "not by yours" xm-review "$S" confirm-paper --values "$VALUES/confirm-paper.yaml"
refuse "may not" conac-li "$S" confirm-paper --values "$VALUES/confirm-paper.yaml"
refuse "letter|received_on" fz-review "$S" confirm-paper --values "$VALUES/confirm-paper-bad-bool.yaml"
step returned fz-review "$S" reject-paper --values "$VALUES/reject-paper.yaml"
REASON2=$(sed -n 's/^reason: //p' "$VALUES/reject-paper.yaml")
check_eq "the paper rejection's reason is in the history" "$REASON2" \
    "$(case_json "$S" | jq -r '.history[-1].reason')"
check_match "the unit is told the reason" "$REASON2" \
    "$(q "select body from outbox where case_id = $S and event = 'returned' and channel = 'sms' order by id desc limit 1")"

SITEMARK_NOW=2026-03-09T09:00:00+08:00
step office_review fz-op "$S" submit
step conac_review fz-review "$S" approve
step paper_pending conac-li "$S" approve
SITEMARK_NOW=2026-03-10T10:00:00+08:00
expect_refused "no mark before the paper is confirmed" "no mark" sm --as fz-op mark show "$S"
step mark_issued fz-review "$S" confirm-paper --values "$VALUES/confirm-paper.yaml"
J=$(case_json "$S")
check_eq "issued on 2026-03-10: hanging due 2026-03-17" "2026-03-17" "$(jq -r .deadline <<<"$J")"
check_eq "the deadline is the hanging's" "hanging" "$(jq -r .deadline_kind <<<"$J")"
check_eq "the paper checklist is recorded" "true true true 2026-02-12" \
    "$(jq -r '.history[-1].values | [.letter, .forms, .id_copy, .received_on] | map(tostring) | join(" ")' <<<"$J")"

expect_ok "fz-op: mark show" sm --as fz-op mark show "$S"
MARKTEXT=$OUT
expect_ok "fz-op: mark show --json" sm --as fz-op --json mark show "$S"
MJ=$OUT
CODE=$(jq -r .code <<<"$MJ")
check_match "the mark code has the shape CA + 21 digits" '^CA[0-9]{21}$' "$CODE"
check_eq "the mark code: CA 35 001 0000 serial 0001" "CA350010000$(printf '%08d' "$ORG")0001" "$CODE"
check_match "the snippet has _ideConac" '<span id="_ideConac">' "$(jq -r .snippet <<<"$MJ")"
check_match "the snippet loads the code's script" "/js/35/001/0000/$(printf '%08d' "$ORG")/$CODE\\.js\"" \
    "$(jq -r .snippet <<<"$MJ")"
check_eq "an organ's mark is red" "red" "$(jq -r .color <<<"$MJ")"
check_match "the GUID is 32 upper-case hex digits" '^[0-9A-F]{32}$' "$(jq -r .guid <<<"$MJ")"
check_eq "the certificate names the unit" "福州市人民政府办公厅" "$(jq -r .certificate.unit_name <<<"$MJ")"
check_eq "the certificate names the site" "福州市人民政府门户" "$(jq -r .certificate.site_name <<<"$MJ")"
check_eq "the certificate lists the domains" "福州市人民政府.政务 www.fuzhou.gov.cn fuzhou.gov.cn" \
    "$(jq -r '.certificate.domains | join(" ")' <<<"$MJ")"
check_eq "issued at the confirmation" "2026-03-10T10:00:00+08:00" "$(jq -r .issued_at <<<"$MJ")"
check_eq "case show carries the same mark" "$CODE red" "$(jq -r '.mark | "\(.code) \(.color)"' <<<"$J")"
check_match "mark show (text) prints the code" "$CODE" "$MARKTEXT"
check_match "mark show (text) prints the snippet" '_ideConac' "$MARKTEXT"
expect_refused "xm-review may not see the mark" "not by yours" sm --as xm-review mark show "$S"

check_eq "flow 1 outbox: every notice of the site case" \
    "returned sms 13805910002
returned email webmaster@fuzhou.gov.cn
paper sms 13805910002
returned sms 13805910002
returned email webmaster@fuzhou.gov.cn
paper sms 13805910002
mark_issued sms 13805910002
mark_issued email webmaster@fuzhou.gov.cn" "$(outbox_rows "$S")"
check_match "the mark e-mail carries the code" "$CODE" \
    "$(q "select body from outbox where case_id = $S and event = 'mark_issued' and channel = 'email'")"
check_match "the mark e-mail carries the snippet" "_ideConac" \
    "$(q "select body from outbox where case_id = $S and event = 'mark_issued' and channel = 'email'")"
check_match "the mark SMS carries the code" "$CODE" \
    "$(q "select body from outbox where case_id = $S and event = 'mark_issued' and channel = 'sms'")"
check_match "the returned notice carries the office's reason" "$REASON1" \
    "$(q "select body from outbox where case_id = $S and event = 'returned' and channel = 'email' order by id limit 1")"
check_eq "e-mails have a subject" "0" \
    "$(q "select count(*) from outbox where case_id = $S and channel = 'email' and (subject is null or subject = '')")"

refuse "not by yours" xm-review "$S" verify-hung
refuse "may not" fz-op "$S" verify-hung
SSH_CLIENT="203.0.113.7 50022 22" step mark_hung conac-li "$S" verify-hung
check_eq "the audit records where the action came from" "203.0.113.7 50022 22" \
    "$(q "select ssh_client from audit where object = 'case' and object_id = $S and action = 'verify-hung'")"
check_eq "no deadline once the mark hangs" "null" "$(case_json "$S" | jq -r .deadline)"
refuse "does not apply" fz-op "$S" submit
refuse "does not apply" fz-op "$S" withdraw

J=$(case_json "$S")
check_eq "flow 1 site history: actions" \
    "create submit reject edit submit approve approve reject-paper submit approve approve confirm-paper verify-hung" \
    "$(jq -r '[.history[].action] | join(" ")' <<<"$J")"
check_eq "flow 1 site history: by" \
    "fz-op fz-op fz-review fz-op fz-op fz-review conac-li fz-review fz-op fz-review conac-li fz-review conac-li" \
    "$(jq -r '[.history[].by] | join(" ")' <<<"$J")"
check_eq "flow 1 site history: from" \
    "- draft office_review returned returned office_review conac_review paper_pending returned office_review conac_review paper_pending mark_issued" \
    "$(jq -r '[.history[] | .from // "-"] | join(" ")' <<<"$J")"
check_eq "flow 1 site history: to" \
    "draft office_review returned returned office_review conac_review paper_pending returned office_review conac_review paper_pending mark_issued mark_hung" \
    "$(jq -r '[.history[].to] | join(" ")' <<<"$J")"
check_eq "flow 1 site history: each step starts where the last ended" "true" \
    "$(jq '[.history as $h | range(1; $h | length) | $h[.].from == $h[. - 1].to] | all' <<<"$J")"
check_eq "reasons only on the rejections" "reject reject-paper" \
    "$(jq -r '[.history[] | select(.reason != null) | .action] | join(" ")' <<<"$J")"
check_eq "flow 1 site: audit rows = transitions = version" "13 13" \
    "$(audit_rows "$S") $(jq -r .version <<<"$J")"
check_eq "the history's times follow the clock" \
    "2026-02-13T10:00:00+08:00 2026-02-24T09:30:00+08:00 2026-03-04T09:00:00+08:00 2026-03-05T10:00:00+08:00 2026-03-09T09:00:00+08:00 2026-03-10T10:00:00+08:00" \
    "$(jq -r '[.history[].at] | unique | join(" ")' <<<"$J")"

# ================================================================ flow 2: institution

echo "# flow 2: 事业单位 .公益 domain and mark application"
SITEMARK_NOW=2026-04-08T10:00:00+08:00
if have_zh_locale; then
	ZH=1
	smzh() { env LANGUAGE=zh_CN LC_ALL=zh_CN.UTF-8 "$SITEMARK" --db "$DB" "$@"; }
	echo "# flow 2 runs in Chinese (LANGUAGE=zh_CN LC_ALL=zh_CN.UTF-8)"
else
	ZH=
	smzh() { sm "$@"; }
	skip_check "flow 2 in Chinese" "the zh_CN.UTF-8 locale is not installed (locale-gen zh_CN.UTF-8); flow 2 runs in English"
fi

# zh_refusal DESC MSGID ARGS -- CMD...: in Chinese, CMD is refused with the
# catalogue's translation of MSGID (formatted with ARGS), when it has one.
zh_refusal() {
	local desc=$1 msgid=$2
	shift 2
	local args=()
	while [ "$1" != "--" ]; do
		args+=("$1")
		shift
	done
	shift
	expect_refused "$desc (exit 1, nothing written)" "." "$@"
	if [ -z "$ZH" ]; then
		return
	fi
	local tr
	tr=$(zh_translation "$msgid")
	if [ -z "$tr" ]; then
		skip_check "$desc: the message is in Chinese" "the zh_CN catalogue does not translate \"$msgid\" yet"
		check_eq "$desc: untranslated, the English message" "sitemark: $(printf "$msgid" "${args[@]}")" "$ERR"
		return
	fi
	if grep -q '%[0-9]*\$' <<<"$tr"; then
		# positional arguments: the shell's printf cannot place them
		local a missing=""
		for a in "${args[@]}"; do
			grep -Fq -- "$a" <<<"$ERR" || missing="$missing $a"
		done
		check_eq "$desc: the Chinese message names$(printf ' %s' "${args[@]}")" "" "$missing"
	else
		# shellcheck disable=SC2059
		check_eq "$desc: the message is in Chinese" "sitemark: $(printf "$tr" "${args[@]}")" "$ERR"
	fi
	check_true "$desc: the message has Chinese characters" "$(has_cjk "$ERR")" -gt 0
}

expect_ok "lib-op: case new domain (.公益)" smzh --as lib-op case new domain --values "$VALUES/domain-gongyi.yaml"
G=$OUT
check_match "case new prints the id alone" '^[0-9]+$' "$G"
track "$G"
check_eq "an institution's domain is .公益" "福州市图书馆.公益" "$(case_json "$G" | jq -r .domain)"
check_match "its ACE form" '^xn--[a-z0-9-]+\.xn--55qw42g$' "$(case_json "$G" | jq -r .domain_ace)"
expect_refused "an institution cannot open a website opening review" "organs|mark" \
    sm --as lib-op case new site --values "$VALUES/site-own.yaml"

zh_refusal "another office's reviewer reads the case, in Chinese" \
    "case %lld is reviewed by office %s, not by yours (%s)" "$G" 350100 350200 -- \
    smzh --as xm-review case show "$G"
zh_refusal "no such case, in Chinese" "no case %lld" 999999 -- \
    smzh --as lib-op case show 999999
expect_refused "someone else acted first, in Chinese" "." \
    smzh --as lib-op case act "$G" submit --expect-version 7
# (the case's last change is lib-op's own: told so, not blamed on others)
check_match "the conflict message says what changed, in Chinese" "已被他人处理|在您查看之后.*您于.*办理了“创建”" "$ERR"

zh_step() {
	local want=$1 login=$2 id=$3 action=$4
	shift 4
	expect_ok "$login: case act $id $action" smzh --as "$login" case act "$id" "$action" "$@"
	after_step "$id" "$want" "$login $action"
}
zh_step office_review lib-op "$G" submit
check_eq "submitted on 2026-04-08: due 2026-04-15" "2026-04-15" "$(case_json "$G" | jq -r .deadline)"
zh_refusal "another office's reviewer approves, in Chinese" \
    "case %lld is reviewed by office %s, not by yours (%s)" "$G" 350100 350200 -- \
    smzh --as xm-review case act "$G" approve
zh_step conac_review fz-review "$G" approve
zh_step awaiting_payment conac-li "$G" approve
zh_step registered conac-li "$G" confirm-payment --values "$VALUES/confirm-payment.yaml"

expect_ok "lib-op: case new mark" smzh --as lib-op case new mark --values "$VALUES/mark-own.yaml"
M=$OUT
track "$M"
check_eq "the mark case is a draft" "draft" "$(state_of "$M")"
zh_step office_review lib-op "$M" submit
refuse "not by yours" xm-review "$M" approve
zh_step conac_review fz-review "$M" approve
SITEMARK_NOW=2026-04-09T15:00:00+08:00
zh_step mark_issued conac-li "$M" approve
J=$(case_json "$M")
check_eq "flow 2 history: actions" "create submit approve approve" \
    "$(jq -r '[.history[].action] | join(" ")' <<<"$J")"
check_eq "flow 2 history: by" "lib-op lib-op fz-review conac-li" "$(jq -r '[.history[].by] | join(" ")' <<<"$J")"
check_eq "flow 2 history: to" "draft office_review conac_review mark_issued" \
    "$(jq -r '[.history[].to] | join(" ")' <<<"$J")"
check_eq "issued on 2026-04-09: hanging due 2026-04-16" "2026-04-16" "$(jq -r .deadline <<<"$J")"
check_eq "flow 2: audit rows = version" "4 4" "$(audit_rows "$M") $(jq -r .version <<<"$J")"

expect_ok "lib-op: mark show --json" smzh --as lib-op --json mark show "$M"
MJ=$OUT
CODE2=$(jq -r .code <<<"$MJ")
check_match "the mark code has the shape CA + 21 digits" '^CA[0-9]{21}$' "$CODE2"
check_eq "the mark code: CA 35 001 0000 serial 0001" "CA350010000$(printf '%08d' "$LIB")0001" "$CODE2"
check_eq "an institution's mark is blue" "blue" "$(jq -r .color <<<"$MJ")"
check_match "the snippet has _ideConac and the code" "_ideConac.*$CODE2" "$(jq -r .snippet <<<"$MJ")"
check_true "the two mark codes differ" "$CODE" != "$CODE2"
check_eq "the certificate numbers differ" "2" "$(q 'select count(distinct cert_no) from marks')"
check_eq "flow 2 outbox" "payment sms 13805910012
payment email office@fzlib.org.cn" "$(outbox_rows "$G")"
check_eq "flow 2 mark outbox" "mark_issued sms 13805910012
mark_issued email office@fzlib.org.cn" "$(outbox_rows "$M")"
check_match "the mark e-mail carries the code" "$CODE2" \
    "$(q "select body from outbox where case_id = $M and channel = 'email'")"

expect_ok "case show in Chinese" smzh --as lib-op case show "$M"
check_match "case show names the unit" "福州市图书馆" "$OUT"
check_match "case show prints the mark code" "$CODE2" "$OUT"
if [ -n "$ZH" ]; then
	l=$(zh_translation "Mark issued")
	if [ -n "$l" ]; then
		check_match "case show labels the state in Chinese" "$l" "$OUT"
	else
		skip_check "case show labels the state in Chinese" "\"Mark issued\" is not translated yet"
	fi
fi
expect_ok "case list in Chinese" smzh --as fz-review case list
check_match "case list shows the cases" "福州市图书馆" "$OUT"

# ================================================================ the audit log

echo "# the audit log"
expect_refused "the sysadmin may not read the audit log" "audit" sm audit verify
expect_ok "the auditor verifies the audit log" sm --as aud audit verify
check_match "the audit log is intact" "intact" "$OUT"
check_eq "every case's audit rows = its version" "" \
    "$(q "select c.id from cases c where c.version != (select count(*) from audit a where a.object = 'case' and a.object_id = c.id)")"
check_eq "every case's last audit row ends in its state" "" \
    "$(q "select c.id from cases c where c.state != (select a.to_state from audit a where a.object = 'case' and a.object_id = c.id order by a.seq desc limit 1)")"
check_eq "PRAGMA integrity_check" "ok" "$(q 'PRAGMA integrity_check')"

finish
