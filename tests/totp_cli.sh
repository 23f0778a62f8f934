#!/usr/bin/env bash
# totp_cli.sh - the second factor on the command line (issue 7, point 3):
# `user totp LOGIN` (the security administrator) shows the secret once;
# an enrolled administrator gives --totp CODE (the code of `oathtool --totp`
# at the fixed clock), one step of 30 s either side; without a code, in
# non-interactive use, refused; wrong codes counted and audited, the
# configured number in a row locks the account until it is unlocked;
# refused logins audited; roles not asked, and unenrolled accounts (unless
# auth.totp_required), work as before.

. "$(dirname "$0")/lib.sh"

command -v oathtool >/dev/null 2>&1 || skip "oathtool is not installed"

NOW=2026-02-13T10:00:00+08:00
export SITEMARK_NOW=$NOW
code_at() { # code_at SECRET OFFSET-SECONDS
	oathtool --totp -b -N "@$(($(date -d "$NOW" +%s) + $2))" "$1"
}

sm init >/dev/null || die "init"
sm user add aud --role auditor >/dev/null || die "user add aud"
sm user add sec --role secadmin >/dev/null || die "user add sec"
add_staff kf service
printf 'auth:\n  max_failures: 3\n' >"$T/three.yaml"
printf 'auth:\n  totp_required: true\n' >"$T/required.yaml"
printf 'auth:\n  totp_roles: [auditor, service]\n  totp_required: true\n' >"$T/service.yaml"

echo "# not enrolled: as before"
expect_ok "the auditor, not enrolled, needs no code" sm --as aud audit verify
expect_refused "with auth.totp_required an unenrolled administrator is refused" \
    "enrol" sm --config "$T/required.yaml" --as aud audit verify

echo "# enrolment"
expect_refused "the system administrator does not enrol" "security administrator" sm user totp aud
expect_refused "nor the auditor" "security administrator" sm --as aud user totp aud
expect_refused "no such account" "no account" sm --as sec user totp nobody
run sm --as sec user totp aud
check_eq "the security administrator enrols the auditor (exit 0)" "0" "$RC"
SECRET=$(sed -n 's/^secret (base32): //p' <<<"$OUT")
check_match "the secret is shown (base32, 160 bits)" '^[A-Z2-7]{32}$' "$SECRET"
check_match "with an otpauth:// URI for the app" "otpauth://totp/sitemark:aud\\?secret=$SECRET" "$OUT"
run sm --as sec --json user list
check_eq "the secret is in no listing" "0" "$(grep -c "$SECRET" <<<"$OUT")"
check_eq "nor in the audit" "0" "$(q "select count(*) from audit where \"values\" like '%$SECRET%' or reason like '%$SECRET%'")"
check_eq "the enrolment is audited" "1" "$(q "select count(*) from audit where action = 'totp-enrol' and actor = 'sec' and object_key = 'aud'")"

echo "# the code"
expect_refused "without a code, not on a terminal: refused" "--totp" sm --as aud audit verify </dev/null
expect_ok "the right code" sm --as aud --totp "$(code_at "$SECRET" 0)" audit verify
expect_ok "the code of 30 s before" sm --as aud --totp "$(code_at "$SECRET" -30)" audit verify
expect_ok "the code of 30 s after" sm --as aud --totp "$(code_at "$SECRET" 30)" audit verify
run sm --as aud --totp "$(code_at "$SECRET" -90)" audit verify
check_eq "the code of 90 s before is refused (exit 1)" "1" "$RC"
check_match "saying the code is wrong" "wrong one-time code" "$ERR"
check_eq "the wrong code is audited" "1" "$(q "select count(*) from audit where action = 'totp-failed' and actor = 'aud'")"
expect_ok "a right code clears the count" sm --as aud --totp "$(code_at "$SECRET" 0)" audit verify
expect_ok "a role not asked (service) works without a code" sm --as kf case list
expect_ok "check (for cron) asks no code" sm --as aud check </dev/null

echo "# lock-out after auth.max_failures wrong codes"
for i in 1 2; do
	run sm --config "$T/three.yaml" --as aud --totp 000000 audit verify
done
check_eq "two wrong codes: not locked" "0" "$(q "select locked from users where login = 'aud'")"
run sm --config "$T/three.yaml" --as aud --totp 000000 audit verify
check_match "the third locks the account, saying whom to ask" "locked.*security administrator" "$ERR"
check_eq "locked" "1" "$(q "select locked from users where login = 'aud'")"
check_eq "the lock-out is audited" "1" "$(q "select count(*) from audit where action = 'account-locked-out' and object_key = 'aud'")"
run sm --as aud --totp "$(code_at "$SECRET" 0)" audit verify
check_eq "even the right code is refused now (exit 1)" "1" "$RC"
check_eq "and the refused login is audited" "1" "$(q "select count(*) from audit where action = 'login-failed' and actor = 'aud'")"
expect_ok "the security administrator unlocks it" sm --as sec user unlock aud
expect_ok "the right code works again" sm --as aud --totp "$(code_at "$SECRET" 0)" audit verify

echo "# unknown logins are audited"
run sm --as mallory case list
check_eq "an unknown login is refused (exit 1)" "1" "$RC"
check_eq "and audited" "1" "$(q "select count(*) from audit where action = 'login-failed' and actor = 'mallory' and reason = 'unknown'")"

echo "# reviewers where configured"
expect_refused "auth.totp_roles with service and totp_required: kf refused" "enrol" \
    sm --config "$T/service.yaml" --as kf case list
expect_ok "without totp_required kf, not enrolled, works" sm --as kf case list
printf 'auth:\n  totp_roles: [unit]\n' >"$T/bad.yaml"
expect_refused "a unit role in auth.totp_roles is a configuration error" "totp_roles" \
    sm --config "$T/bad.yaml" case list

echo "# the security administrator's policy, over the configuration's"
expect_refused "the system administrator does not set it" "may not" \
    sm policy set auth.max_failures 2
run sm --as aud --totp "$(code_at "$SECRET" 0)" policy set auth.max_failures 2
check_match "nor the auditor" "may not" "$ERR"
expect_refused "nor does anyone else read it" "security administrator" sm --as kf policy show
expect_refused "a value out of range" "1 to 100" sm --as sec policy set auth.max_failures 0
expect_refused "a role without a second factor" "unit" sm --as sec policy set auth.totp_roles unit
expect_refused "an unknown key" "auth.max_failures" sm --as sec policy set auth.max_faliures 2
expect_ok "the security administrator sets two wrong codes" sm --as sec policy set auth.max_failures 2
check_eq "audited with the value before" "5 2 sec" \
    "$(q "select from_state || ' ' || to_state || ' ' || actor from audit where action = 'policy-set'")"
run sm --as sec --json policy show
check_eq "policy show says who set it" "2 policy sec" \
    "$(jq -r '."auth.max_failures" | "\(.value) \(.source) \(.set_by)"' <<<"$OUT")"
check_eq "the rest is the configuration's" "configuration" \
    "$(jq -r '."auth.totp_required".source' <<<"$OUT")"
run sm --as aud --totp 000000 audit verify
check_eq "one wrong code: not locked" "0" "$(q "select locked from users where login = 'aud'")"
run sm --as aud --totp 000000 audit verify
check_eq "the second locks the account, with no configuration saying so" "1" \
    "$(q "select locked from users where login = 'aud'")"
expect_ok "the security administrator unlocks it" sm --as sec user unlock aud
expect_refused "the security administrator, not enrolled, cannot lock themselves out" \
    "enrol yourself first" sm --as sec policy set auth.totp_required true
expect_ok "customer service signs in with a second factor" \
    sm --as sec policy set auth.totp_roles "auditor, service"
expect_ok "and must enrol" sm --as sec policy set auth.totp_required true
expect_refused "kf, not enrolled, is refused" "enrol" sm --as kf case list
expect_ok "back to the default" sm --as sec policy set auth.totp_required false
expect_ok "kf works again" sm --as kf case list
expect_ok "the roles back" sm --as sec policy set auth.totp_roles "sysadmin,secadmin,auditor"

expect_ok "the audit chain is intact" sm --as aud --totp "$(code_at "$SECRET" 0)" audit verify
finish
