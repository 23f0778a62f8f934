#!/usr/bin/env bash
# admin_cli.sh - the three administrators (三员分立, domain.md §3) on the
# command line: user edit|disable|enable|role|lock|unlock, office
# edit|disable|enable, audit show; who may do what (refusals write nothing,
# exit 1, say why); logins refused for disabled, locked and role-less
# accounts; every change audited; --json.

. "$(dirname "$0")/lib.sh"

sm init >/dev/null || die "init"
sm office add 350100 --name 中共福州市委机构编制委员会办公室 >/dev/null || die "office add 350100"
sm office add 350200 --name 中共厦门市委机构编制委员会办公室 >/dev/null || die "office add 350200"
sm user add aud --role auditor >/dev/null || die "user add aud"

# ---------------------------------------------------------------- the start
expect_ok "the system administrator makes the first security administrator" \
    sm user add sec --role secadmin
expect_refused "then no second one" "security administrator" sm user add sec2 --role secadmin
expect_refused "nor an account of their own role" "own role" sm user add admin2 --role sysadmin
expect_ok "an account for a second auditor" sm user add aud2 --role auditor
run sm --json user list
check_eq "it holds no role: the security administrator grants it" "null auditor" \
    "$(jq -r '.[] | select(.login == "aud2") | "\(.role) \(.asks.role)"' <<<"$OUT")"
expect_login_refused "it cannot read the audit yet" "no role" sm --as aud2 audit show
add_staff conac1 conac

echo "# the three stay three: no way round the security administrator"
expect_refused "the last security administrator is not disabled" "last" sm user disable sec
expect_refused "nor the last auditor" "last" sm user disable aud
expect_refused "a disabled security administrator still counts: no new one" "security administrator" \
    sm user add evilsec --role secadmin
LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN run sm --as aud audit show --action 新增用户
check_eq "audit show --action takes a label too (exit 0)" "0" "$RC"
expect_refused "audit show --action of no action" "rejct" sm --as aud audit show --action rejct

echo "# a lock takes effect on the next thing the account does"
expect_ok "conac1 works" sm --as conac1 case list
expect_ok "the security administrator locks conac1" sm --as sec user lock conac1
expect_login_refused "conac1 is refused" "locked" sm --as conac1 case list
expect_ok "and unlocks it" sm --as sec user unlock conac1
expect_ok "an account without a role" sm user add zhang --name 张三 --mobile 13905910001
run sm --json user list
check_eq "it is listed without a role" "null" "$(jq -r '.[] | select(.login == "zhang") | .role' <<<"$OUT")"
expect_login_refused "it cannot log in yet" "no role.*security administrator" sm --as zhang case list

# ---------------------------------------------------------------- roles
expect_refused "the system administrator grants no role" "may not" \
    sm user role zhang conac
expect_refused "nor does the auditor" "may not" sm --as aud user role zhang conac
expect_refused "a reviewer needs an office" "--office" sm --as sec user role zhang office
expect_refused "an unknown office" "350600" sm --as sec user role zhang office --office 350600
expect_refused "an unknown role" "boss" sm --as sec user role zhang boss
expect_refused "no security administrator makes another" "三员分立|own role" \
    sm --as sec user role zhang secadmin
expect_refused "nor changes their own role" "own account" sm --as sec user role sec conac
expect_refused "an unknown account" "nobody" sm --as sec user role nobody conac
expect_ok "the security administrator grants office 350100" \
    sm --as sec user role zhang office --office 350100
check_match "it says so" "zhang" "$OUT"
run sm --as zhang --json case list
check_eq "the new reviewer works" "0" "$RC"
run sm --json user list --role office
check_eq "as a reviewer of 350100" "350100" "$(jq -r '.[] | select(.login == "zhang") | .office' <<<"$OUT")"
expect_ok "and grants the auditor's role" sm --as sec user role conac1 auditor

# ---------------------------------------------------------------- locks
expect_refused "the system administrator locks no one" "may not" sm user lock zhang
expect_ok "the security administrator locks" sm --as sec user lock zhang
expect_login_refused "a locked account cannot log in" "locked.*security administrator" \
    sm --as zhang case list
expect_refused "locked twice" "already locked" sm --as sec user lock zhang
expect_ok "and unlocks" sm --as sec user unlock zhang
expect_ok "the account works again" sm --as zhang case list

# ---------------------------------------------------------------- accounts
expect_refused "the security administrator disables no one" "may not" \
    sm --as sec user disable zhang
expect_ok "the system administrator disables" sm user disable zhang
expect_login_refused "a disabled account cannot log in" "disabled.*system administrator" \
    sm --as zhang case list
expect_login_refused "the console too, before it takes the screen" "disabled.*system administrator" \
    sm --as zhang
run sm --json user list
check_eq "listed as disabled" "true" "$(jq -r '.[] | select(.login == "zhang") | .disabled' <<<"$OUT")"
run env LC_ALL=C.UTF-8 LANGUAGE=en "$SITEMARK" --db "$DB" user list
check_match "the text list says so" "^zhang .*\[disabled\]" "$OUT"
expect_ok "and enables" sm user enable zhang
expect_ok "edits" sm user edit zhang --name 张三丰 --email zhang@example.cn
expect_refused "a bad mobile" "mobile" sm user edit zhang --mobile 12345
expect_usage "edit without a change" sm user edit zhang
run sm --json user list
check_eq "the new name" "张三丰" "$(jq -r '.[] | select(.login == "zhang") | .name' <<<"$OUT")"
expect_refused "the system administrator does not disable themselves" "own account" \
    sm user disable "$(sm --json user list --role sysadmin | jq -r '.[0].login')"

# ---------------------------------------------------------------- offices
expect_ok "an office renamed" sm office edit 350200 --name 厦门市委编办
expect_ok "an office disabled" sm office disable 350200
expect_refused "no reviewer for a disabled office" "disabled" \
    sm user add xm --role office --office 350200
expect_refused "the security administrator does not touch offices" "may not" \
    sm --as sec office enable 350200
expect_ok "an office enabled" sm office enable 350200

# ---------------------------------------------------------------- the audit
expect_refused "the system administrator does not read the audit log" "audit" sm audit show
expect_refused "nor the security administrator" "audit" sm --as sec audit show
expect_ok "the auditor reads it" sm --as aud audit show
for a in user-role user-lock user-unlock user-disable user-enable user-edit office-edit \
    office-disable office-enable; do
	check_match "$a is audited" " $a " "$OUT"
done
run sm --as aud --json audit show --user sec --action user-role
check_eq "filtered by user and action" "conac1 conac zhang office conac1 auditor" \
    "$(jq -r '[.[] | .object_key, .to] | join(" ")' <<<"$OUT")"
check_eq "with the SSH client, hash and values" "true" \
    "$(jq -r '.[1] | (.hash | length == 64) and has("ssh_client") and (.values.office == "350100")' <<<"$OUT")"
run sm --as aud --json audit show --since 2099-01-01
check_eq "nothing since a date to come" "0" "$(jq length <<<"$OUT")"
expect_usage "a bad date" sm --as aud audit show --since 2026-02-30
expect_usage "a bad case id" sm --as aud audit show --case abc
expect_ok "the chain verifies" sm --as aud audit verify
rows=$(q "select count(*) from audit")
run sm --as aud --json audit show
check_eq "every record is shown" "$rows" "$(jq length <<<"$OUT")"

echo "# the second auditor, once the security administrator grants it"
expect_ok "the security administrator grants aud2 its role" sm --as sec user role aud2 auditor
expect_ok "now aud2 reads the audit" sm --as aud2 audit show --action user-role
check_match "the grant is on the record" "aud2" "$OUT"

# the notification sender's account, made as doc/notify.md says: created by
# the system administrator without a role, granted by the security one
expect_ok "notify.md: the system administrator adds sitemark-notify" sm user add sitemark-notify
expect_ok "notify.md: the security administrator grants it sysadmin" \
    sm --as sec user role sitemark-notify sysadmin
expect_ok "and it delivers the outbox" sm --as sitemark-notify notify run
for f in "$top_srcdir/doc/notify.md" "$top_srcdir/data/sitemark-notify.service.in"; do
	check_nomatch "$(basename "$f") asks for no refused --role sysadmin" \
	    "user add sitemark-notify --role" "$(cat "$f")"
done

finish
