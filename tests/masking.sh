#!/usr/bin/env bash
# masking.sh - ID numbers and mobiles are masked where domain.md §3 says, the
# same in every output: `case show`, `case show --json`, `case list --json`
# and the console's case pager.
#
# The unit itself (org-op) and its office's reviewer (fz-rev1) see them whole;
# CONAC (conac1) and customer service (kf) see 350102********1238 and
# 139****0003; another office (xm-rev) and the auditor see nothing at all.

. "$(dirname "$0")/lib.sh"

export SITEMARK_NOW=2026-11-20T10:00:00+08:00 TERM=xterm LINES=24 COLUMNS=80
unset NO_COLOR
make_world

# A site case with a history that carries the values and an SMS to the
# handler's mobile: submitted, returned, submitted again, approved by the office.
SITE=$(sm --as org-op case new site --values "$VALUES/site-own.yaml") || die "case new site"
sm --as org-op case act "$SITE" submit >/dev/null || die "submit"
sm --as fz-rev1 case act "$SITE" reject --values "$VALUES/reject.yaml" >/dev/null || die "reject"
sm --as org-op case act "$SITE" submit >/dev/null || die "submit again"
sm --as fz-rev1 case act "$SITE" approve >/dev/null || die "approve"

# The values in full (tests/values/unit-organ-fj.yaml, site-own.yaml) and masked.
FULL=(13905910003 350102198803151238 13805910002 13905910001)
MASKED=("139****0003" "350102********1238" "138****0002" "139****0001")

# console LOGIN KEYS...: the case pager of $SITE as LOGIN sees it, all pages.
console_pages() {
	local login=$1 out=$T/console-$1
	shift
	{
		for k in "$@"; do echo "$k"; done
		echo ":dump $out.1"
		echo "<PgDn>"
		echo ":dump $out.2"
		echo "<PgDn>"
		echo ":dump $out.3"
		echo "<PgDn>"
		echo ":dump $out.4"
		echo "Q"
	} > "$T/keys-$login"
	sm --as "$login" --script "$T/keys-$login" >/dev/null 2>&1 || echo "console failed for $login" >&2
	cat "$out".[1-4] 2>/dev/null
}

# One line per output: the site head's mobile as each output shows it.
site_head_mobile() { # LOGIN
	sm --as "$1" --json case show "$SITE" | jq -r .values.site_head.mobile
	sm --as "$1" --json case list | jq -r ".[] | select(.id == $SITE) | .values.site_head.mobile"
	# the text's second "Person in charge of the website" line is the mobile
	sm --as "$1" case show "$SITE" | awk '/^  Person in charge / { if (++n == 2) print $NF }' 
}

# LOGIN sees whole: every full value somewhere in each output.
for who in "org-op 3" "fz-rev1 3" "conac1 1" "kf 2"; do
	set -- $who
	login=$1 entry=$2
	text=$(sm --as "$login" case show "$SITE")
	json=$(sm --as "$login" --json case show "$SITE")
	list=$(sm --as "$login" --json case list)
	screen=$(console_pages "$login" "$entry" "<Enter>")
	check_match "$login: the console shows case $SITE" "申请 $SITE|Case $SITE" "$screen"
	case $login in
	org-op|fz-rev1) want=FULL; other=MASKED ;;
	*) want=MASKED; other=FULL ;;
	esac
	declare -n shown=$want hidden=$other
	for i in 0 1 2 3; do
		for out in text json screen; do
			check_match "$login: $out shows ${shown[$i]}" "$(printf '%s' "${shown[$i]}" | sed 's/\*/\\*/g')" "${!out}"
		done
		for out in text json list screen; do
			check_nomatch "$login: $out never shows ${hidden[$i]}" \
			    "$(printf '%s' "${hidden[$i]}" | sed 's/\*/\\*/g')" "${!out}"
		done
	done
	# the site head's mobile is the same in the three command-line outputs
	check_eq "$login: case show, case show --json and case list --json agree" \
	    "$(printf '%s\n%s\n%s' "${shown[0]}" "${shown[0]}" "${shown[0]}")" "$(site_head_mobile "$login")"
	unset -n shown hidden
done

# The SMS went to the handler's mobile: CONAC sees the recipient masked.
check_eq "the outbox's SMS recipient, for the office" "13805910002" \
    "$(sm --as fz-rev1 --json case show "$SITE" | jq -r '[.outbox[] | select(.channel == "sms") | .recipient][0]')"
check_eq "the outbox's SMS recipient, for CONAC" "138****0002" \
    "$(sm --as conac1 --json case show "$SITE" | jq -r '[.outbox[] | select(.channel == "sms") | .recipient][0]')"
# The history's values (the form as submitted) are masked too.
check_eq "the submitted values in the history, for CONAC" "139****0003" \
    "$(sm --as conac1 --json case show "$SITE" | jq -r '[.history[] | select(.action == "submit") | .values.site_head.mobile][0]')"

# Those without any need see nothing.
expect_refused "another office may not read the case" "not by yours|不是" sm --as xm-rev case show "$SITE"
expect_refused "the auditor may not read the case" "does not work on cases|不处理" sm --as aud case show "$SITE"

finish
