#!/usr/bin/env bash
# marks_check.sh - the mark monitor (issue 10) against sites that nginx
# serves on 127.0.0.1: one server block per scenario, its name resolved by
# --resolve.  Each scenario's mark case is taken to mark_issued through the
# workflow; `marks check` must give each page the right verdict within the
# configured time, move the passing cases to mark_hung as the monitor
# account, leave the others, and flag a hung mark that is later missing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || skip "nginx is not installed"
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v iconv >/dev/null 2>&1 || skip "iconv is not installed"

# A free TCP port on 127.0.0.1 (and on 127.0.0.2, where "unreachable"
# resolves: nothing listens there).
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
HP=$(free_port)
SP=$(free_port)
while [ "$SP" = "$HP" ]; do SP=$(free_port); done

# ---------------------------------------------------------------- the world

make_world
expect_ok "fz-rev1 gets an e-mail address" sm user edit fz-rev1 --email rev1@fzbb.gov.cn

# name, host: one scenario each; every one is a mark case of lib-op's
SCENARIOS="trickle:trickle.test all:all.test home_missing:home-missing.test some:some.test head:head.test
after:after.test redirect:redirect.test loop:loop.test slow:slow.test
unreachable:unreachable.test huge:huge.test gbk:gbk.test tls:tls.test expired:expired.test
nonhtml:nonhtml.test empty:empty.test gone:gone.test busy:busy.test dns:nx.invalid
redpage:redpage.test fake:fake.test rawhead:rawhead.test"

n=0
for s in $SCENARIOS; do
	name=${s%%:*} host=${s#*:}
	n=$((n + 1))
	printf 'name: 福州市图书馆分馆%s\nusage: 分馆网站。\n' "$n" >"$T/domain-$name.yaml"
	register_domain lib-op "$T/domain-$name.yaml" >/dev/null || die "registering domain $n"
	hosting=own
	[ "$name" = redpage ] && hosting=redpage
	sed -e "s/^domain: .*/domain: 福州市图书馆分馆$n.公益/" \
	    -e "s/^english_domains: .*/english_domains: $host/" \
	    -e "s/^hosting: .*/hosting: $hosting/" \
	    "$VALUES/mark-own.yaml" >"$T/mark-$name.yaml"
	if [ "$hosting" = redpage ]; then
		sed -i -e '/^server_ip/d' -e '/^server_location/d' -e '/^icp_number/d' \
		    -e '/^psb_number/d' -e '/^english_domains/d' "$T/mark-$name.yaml"
	fi
	id=$(sm --as lib-op case new mark --values "$T/mark-$name.yaml") || die "case new mark $name"
	sm --as lib-op case act "$id" submit >/dev/null || die "submit $name"
	sm --as fz-rev1 case act "$id" approve >/dev/null || die "office approve $name"
	sm --as conac1 case act "$id" approve >/dev/null || die "conac approve $name"
	eval "CASE_$name=$id"
	eval "CODE_$name=\$(sm --as conac1 --json mark show $id | jq -r .code)"
	eval "SNIP_$name=\$(sm --as conac1 --json mark show $id | jq -r .snippet)"
done
check_eq "every scenario's case is at mark_issued" "mark_issued" \
    "$(q "select distinct state from cases where kind = 'mark'")"

# ---------------------------------------------------------------- the sites

W="$T/www"
page() { # FILE TITLE BODY-BEFORE SNIPPET-OR-EMPTY BODY-AFTER [HEAD-EXTRA] [AFTER-BODY]
	mkdir -p "$(dirname "$1")"
	printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8">%s<title>%s</title></head>\n<body>\n%s\n%s\n%s\n</body>%s</html>\n' \
	    "${6:-}" "$2" "$3" "$4" "$5" "${7:-}" >"$1"
}
TITLE=福州市图书馆
LINKS='<a href="/p1.html">一</a> <a href="p2.html">二</a> <a href="/p3.html#x">三</a> <a href="http://elsewhere.test/">外</a> <a href="mailto:a@b.c">m</a>'
site_all() { # DIR SNIPPET
	page "$1/index.html" "$TITLE" "$LINKS" "$2" "<p>底部</p>"
	for p in p1 p2 p3; do page "$1/$p.html" "$TITLE $p" "<p>$p</p>" "$2" ""; done
}
site_all "$W/all" "$SNIP_all"
# a long rest after </html>: the verdict is settled before it, and reading
# the rest (to keep the connection) stops at 64 KiB
head -c 300000 /dev/zero | tr '\0' 'x' >>"$W/all/p3.html"
site_all "$W/home_missing" "$SNIP_home_missing"
# the snippet commented out: not hung
page "$W/home_missing/index.html" "$TITLE" "$LINKS" "<!-- $SNIP_home_missing -->" ""
site_all "$W/some" "$SNIP_some"
page "$W/some/p2.html" "$TITLE" "<p>no mark here</p>" "" ""
page "$W/head/index.html" "$TITLE" "<p>x</p>" "" "" "$SNIP_head"
page "$W/after/index.html" "$TITLE" "<p>x</p>" "" "" "" "$SNIP_after"
page "$W/redirect/real/index.html" "$TITLE" "<p>x</p>" "$SNIP_redirect" ""
page "$W/slow/index.html" "$TITLE" "<p>x</p>" "$SNIP_slow" ""
mkdir -p "$W/huge"
{ printf '<html><head><title>%s</title></head><body>' "$TITLE"; head -c 8000000 /dev/zero | tr '\0' 'x'; printf '%s</body></html>' "$SNIP_huge"; } >"$W/huge/index.html"
mkdir -p "$W/gbk"
printf '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>%s</title></head><body><p>欢迎访问</p>%s</body></html>' \
    "$TITLE" "$SNIP_gbk" | iconv -f UTF-8 -t GBK >"$W/gbk/index.html"
page "$W/tls/index.html" "$TITLE" "<p>x</p>" "$SNIP_tls" ""
page "$W/expired/index.html" "$TITLE" "<p>x</p>" "$SNIP_expired" ""
mkdir -p "$W/nonhtml" "$W/empty"
printf '%s\n' "$SNIP_nonhtml" >"$W/nonhtml/index.txt"
: >"$W/empty/index.html"
# a linked download (no file ending, not HTML): no page of the site, dropped
page "$W/gone/index.html" "$TITLE" '<a href="/p1.html">1</a> <a href="/missing.html">2</a> <a href="/download">3</a>' "$SNIP_gone" ""
head -c 200000 /dev/urandom >"$W/gone/download"
page "$W/gone/p1.html" "$TITLE" "<p>x</p>" "$SNIP_gone" ""
# the code everywhere but in a script's src: text, an image, a link, a
# textarea, a string in a script, a style: not hung
SRC_fake=$(sed -n 's/.* src="\([^"]*\)".*/\1/p' <<<"$SNIP_fake")
page "$W/fake/index.html" "$TITLE" "<p>标识脚本地址：/$CODE_fake.js（待挂）</p><img src=\"$SRC_fake\"><a href=\"$SRC_fake\">a</a>" \
    "<textarea>$SNIP_fake</textarea><script>var s = '$SNIP_fake';</script><style>/* $SRC_fake */</style>" "<p>底部</p>"
# a script in the head whose text says <body>: the snippet after it is
# still in the head
page "$W/rawhead/index.html" "$TITLE" "<p>x</p>" "" "" "<script>var a = '<body>';</script>$SNIP_rawhead"
mkdir -p "$W/trickle"
{ printf '<html><head><title>%s</title></head><body>' "$TITLE"; head -c 300000 /dev/urandom | base64; } >"$W/trickle/index.html"
iconv -f UTF-8 -t UTF-8 "$W/gbk/index.html" >/dev/null 2>&1
check_eq "the GBK page is not UTF-8" "1" "$?"

# A test CA, a certificate it signs for tls.test, and an expired self-signed
# one for expired.test.
P="$T/pki"
mkdir -p "$P"
(
	cd "$P" &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
	    -subj "/CN=sitemark test CA" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -keyout tls.key -out tls.csr -subj "/CN=tls.test" \
	    2>/dev/null &&
	printf 'subjectAltName=DNS:tls.test\n' >ext &&
	openssl x509 -req -in tls.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out tls.pem \
	    -days 2 -extfile ext 2>/dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout expired.key -out expired.pem \
	    -subj "/CN=expired.test" -addext "subjectAltName=DNS:expired.test" \
	    -not_before 20200101000000Z -not_after 20200102000000Z 2>/dev/null ||
	openssl req -x509 -newkey rsa:2048 -nodes -keyout expired.key -out expired.pem \
	    -subj "/CN=expired.test" -days 1 2>/dev/null
) || die "making the test certificates"

N="$T/nginx"
mkdir -p "$N/tmp"
server() { # NAME HOST EXTRA
	cat <<EOF
	server {
		listen 127.0.0.1:$HP;
		server_name $2;
		root $W/$1;
		${3:-}
	}
EOF
}
{
	cat <<EOF
master_process off;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log;
events { worker_connections 256; }
http {
	log_format conn '\$host \$connection \$connection_requests \$request_uri';
	access_log $N/access.log;
	access_log $N/conn.log conn;
	client_body_temp_path $N/tmp;
	proxy_temp_path $N/tmp;
	fastcgi_temp_path $N/tmp;
	uwsgi_temp_path $N/tmp;
	scgi_temp_path $N/tmp;
	types { text/html html; text/plain txt; }
	default_type application/octet-stream;
	gzip on;
	gzip_types text/html;
EOF
	server all all.test
	server home_missing home-missing.test
	server some some.test
	server head head.test
	server after after.test
	server redirect redirect.test 'location = / { return 302 /hop; } location = /hop { return 301 /real/; }'
	server loop loop.test 'location / { return 302 /again$uri; }'
	server slow slow.test 'location / { limit_rate 1; }'
	server huge huge.test 'gzip off;'
	server gbk gbk.test
	server tls tls.test "location / { return 301 https://tls.test:$SP\$request_uri; }"
	server expired expired.test "location / { return 301 https://expired.test:$SP\$request_uri; }"
	server nonhtml nonhtml.test 'index index.txt;'
	server empty empty.test
	server gone gone.test
	server fake fake.test
	server rawhead rawhead.test
	# a page of unknown length (compressed on the fly, sent without
	# chunks: it ends when the connection does) at 100 bytes a second,
	# above the low speed limit: it takes the whole timeout, no more
	server trickle trickle.test "chunked_transfer_encoding off; limit_rate 100;"
	server all busy.test 'location / { return 429; }'
	cat <<EOF
	server {
		listen 127.0.0.1:$SP ssl http2;
		server_name tls.test;
		ssl_certificate $P/tls.pem;
		ssl_certificate_key $P/tls.key;
		root $W/tls;
	}
	server {
		listen 127.0.0.1:$SP ssl;
		server_name expired.test;
		ssl_certificate $P/expired.pem;
		ssl_certificate_key $P/expired.key;
		root $W/expired;
	}
}
EOF
} >"$N/nginx.conf"

"$NGINX" -p "$N" -c "$N/nginx.conf" 2>"$N/start.err" &
NGINX_PID=$!
BG_PIDS="$BG_PIDS $NGINX_PID"
for i in $(seq 1 50); do
	[ -s "$N/nginx.pid" ] && break
	sleep 0.1
done
[ -s "$N/nginx.pid" ] || die "nginx did not start: $(cat "$N/start.err" "$N/error.log" 2>/dev/null)"

cat >"$T/sitemark.yaml" <<EOF
monitor:
  pages: 3
  connections: 16
  per_host: 2
  threads: 3
  connect_timeout: 2
  timeout: 4
  max_bytes: 1000000
  max_redirects: 4
  http_port: $HP
  https_port: $SP
  ca_file: $P/ca.pem
EOF
export SITEMARK_CONFIG="$T/sitemark.yaml"

RESOLVE=
for s in $SCENARIOS; do
	host=${s#*:}
	case $host in
	nx.invalid) continue ;;
	unreachable.test) addr=127.0.0.2 ;;
	*) addr=127.0.0.1 ;;
	esac
	RESOLVE="$RESOLVE --resolve $host:$HP:$addr --resolve $host:$SP:$addr"
done

# ---------------------------------------------------------------- checks

expect_refused "a unit operator may not run the monitor" "may not run the mark monitor" \
    sm --as lib-op marks check $RESOLVE
expect_refused "an office reviewer may not run the monitor" "may not run the mark monitor" \
    sm --as fz-rev1 marks check $RESOLVE
expect_refused "a bad --resolve" "HOST:PORT:ADDRESS" sm marks check --resolve nonsense
expect_refused "--case of no such case" "case 9999 has no mark to check" sm marks check --case 9999
expect_refused "--office of no such office" "no establishment office 999999" sm marks check --office 999999
expect_refused "--unit of no such unit" "no unit 9999" sm marks check --unit 9999
expect_usage "--case twice" sm marks check --case 1 --case 2
check_match "--case twice: said so" "given more than once" "$ERR"
check_eq "no monitor account before the first check" "0" \
    "$(q "select count(*) from users where login = 'monitor'")"

# a dry run reports and changes nothing
before=$(db_fingerprint)
run sm --json marks check --dry-run $RESOLVE
check_eq "a dry run with failing marks exits 3" "3" "$RC"
check_eq "a dry run changes nothing" "$before" "$(db_fingerprint)"
check_eq "a dry run says what it would do" "verify-hung" \
    "$(printf '%s' "$OUT" | jq -rs ".[] | select(.case == $CASE_all) | .action")"
check_eq "no progress line when standard error is not a terminal" "" "$ERR"
# on a terminal (script(1) gives it one), the progress line counts the
# marks as they are read, not only once stored (slow.test holds the run
# for its 4 s timeout: the rest are read long before)
if command -v script >/dev/null 2>&1; then
	printf '%s ' "$SITEMARK" --db "$DB" marks check --dry-run $RESOLVE >"$T/progress.cmd"
	script -qec "sh $T/progress.cmd >/dev/null" /dev/null >"$T/progress.out" 2>&1 || true
	check_match "a progress line on a terminal, counting marks as they are read" \
	    "checked [1-9][0-9]* of [1-9][0-9]* marks" "$(tr '\r' '\n' <"$T/progress.out")"
fi

start=$(date +%s)
run sm --json marks check $RESOLVE
elapsed=$(($(date +%s) - start))
check_eq "marks check exits 3: some marks fail" "3" "$RC"
check_true "the whole check took less than 15 s (timeout 4 s, connect 2 s): $elapsed s" \
    "$elapsed" -lt 15
J=$T/check.json
printf '%s' "$OUT" >"$J"
# verdicts: SCENARIO -> the verdicts of its pages in order
verdicts() {
	jq -rs --argjson c "$1" '.[] | select(.case == $c) | [.pages[] | .verdict] | join(" ")' "$J"
}
wheres() {
	jq -rs --argjson c "$1" '.[] | select(.case == $c) | [.pages[] | (.where // "-")] | join(" ")' "$J"
}
statuses() {
	jq -rs --argjson c "$1" '.[] | select(.case == $c) | [.pages[] | .status] | join(" ")' "$J"
}
check_eq "all: the home page and its 3 linked pages pass" "pass pass pass pass" "$(verdicts "$CASE_all")"
check_eq "all: near the end of the body" "body_end body_end body_end body_end" "$(wheres "$CASE_all")"
check_eq "all: the links followed are of the same site, without fragments" \
    "http://all.test:$HP/p1.html http://all.test:$HP/p2.html http://all.test:$HP/p3.html" \
    "$(jq -rs --argjson c "$CASE_all" '.[] | select(.case == $c) | [.pages[1:][] | .url] | join(" ")' "$J")"
# nginx's $connection of each request: a site's pages share its
# connections (one site alone: with --resolve, libcurl counts
# monitor.per_host per address, and every site here is on 127.0.0.1)
: >"$N/conn.log"
run sm --json marks check --dry-run --case "$CASE_all" $RESOLVE
check_eq "all alone: 4 requests" "4" "$(awk '$1 == "all.test"' "$N/conn.log" | wc -l)"
check_true "all alone: over no more connections than monitor.per_host (each kept for the next page)" \
    "$(awk '$1 == "all.test" { print $2 }' "$N/conn.log" | sort -u | wc -l)" -le 2
check_eq "all: the title matches the site name" "true" \
    "$(jq -rs --argjson c "$CASE_all" '.[] | select(.case == $c) | .pages[0].title_ok' "$J")"
check_eq "home_missing: missing on the home page only" "missing pass pass pass" \
    "$(verdicts "$CASE_home_missing")"
check_eq "some: one linked page lacks it" "pass pass missing pass" "$(verdicts "$CASE_some")"
check_eq "head: in the head" "misplaced head" "$(verdicts "$CASE_head") $(wheres "$CASE_head")"
check_eq "after: after </body>" "misplaced after_body" \
    "$(verdicts "$CASE_after") $(wheres "$CASE_after")"
check_eq "redirect: found behind two redirects" "pass http://redirect.test:$HP/real/" \
    "$(verdicts "$CASE_redirect") $(jq -rs --argjson c "$CASE_redirect" '.[] | select(.case == $c) | .pages[0].final_url' "$J")"
check_eq "loop: an endless redirect stops" "redirects" "$(verdicts "$CASE_loop")"
check_eq "slow: a byte a second times out" "timeout" "$(verdicts "$CASE_slow")"
check_true "slow: within the configured time" \
    "$(jq -rs --argjson c "$CASE_slow" '.[] | select(.case == $c) | .pages[0].ms' "$J")" -lt 6000
# the sites that answer at once, on the address and port of slow.test and
# trickle.test (--resolve), are not held behind those two for their time
# (libcurl's per-host limit and PIPEWAIT counted per address there)
fast_ms=0
for c in all home_missing some head after redirect gbk nonhtml empty gone busy fake rawhead; do
	eval "id=\$CASE_$c"
	ms=$(jq -rs --argjson c "$id" '[.[] | select(.case == $c) | .pages[].ms] | max' "$J")
	[ "$ms" -gt "$fast_ms" ] && fast_ms=$ms fast_site=$c
done
check_true "sites that answer at once do not wait behind slow ones on their address (slowest page: $fast_site, $fast_ms ms)" \
    "$fast_ms" -lt 1000
check_eq "unreachable: refused" "unreachable" "$(verdicts "$CASE_unreachable")"
check_eq "huge: stopped at the cap" "too_large" "$(verdicts "$CASE_huge")"
check_true "huge: no more than the cap read" \
    "$(jq -rs --argjson c "$CASE_huge" '.[] | select(.case == $c) | .pages[0].bytes' "$J")" -le 1000000
check_eq "gbk: the GBK page passes" "pass" "$(verdicts "$CASE_gbk")"
check_eq "gbk: its title read through iconv" "$TITLE true" \
    "$(jq -rs --argjson c "$CASE_gbk" '.[] | select(.case == $c) | "\(.pages[0].title) \(.pages[0].title_ok)"' "$J")"
check_eq "tls: HTTPS with the test CA passes" "pass https://tls.test:$SP/" \
    "$(verdicts "$CASE_tls") $(jq -rs --argjson c "$CASE_tls" '.[] | select(.case == $c) | .pages[0].final_url' "$J")"
check_eq "HTTP/2 where offered (tls), HTTP/1.1 elsewhere (all)" "20 11" \
    "$(jq -rs --argjson c "$CASE_tls" '.[] | select(.case == $c) | .pages[0].http' "$J") $(jq -rs --argjson c "$CASE_all" '.[] | select(.case == $c) | .pages[0].http' "$J")"
check_eq "expired: the certificate is refused" "tls" "$(verdicts "$CASE_expired")"
detail() { jq -rs --argjson c "$1" '.[] | select(.case == $c) | .pages[0].detail' "$J"; }
check_match "expired: says why, in our words" "^the certificate (has expired|is self-signed)$" \
    "$(detail "$CASE_expired")"
check_match "slow: says why, in our words" "^the page came too slowly .* given up after [0-9]+ ms$" \
    "$(detail "$CASE_slow")"
check_match "unreachable: says why" "^127.0.0.1 refused the connection$|^unreachable.test refused the connection$" \
    "$(detail "$CASE_unreachable")"
check_match "dns: says why" "^no address found for " "$(detail "$CASE_dns")"
check_eq "nonhtml: not HTML" "not_html" "$(verdicts "$CASE_nonhtml")"
check_eq "empty: an empty 200" "empty 200" "$(verdicts "$CASE_empty") $(statuses "$CASE_empty")"
check_eq "gone: a 404 for a linked page; the linked download not counted" "pass pass http" "$(verdicts "$CASE_gone")"
check_eq "gone: its status" "200 200 404" "$(statuses "$CASE_gone")"
check_eq "busy: 429" "http 429" "$(verdicts "$CASE_busy") $(statuses "$CASE_busy")"
check_eq "dns: an unknown host" "dns" "$(verdicts "$CASE_dns")"
check_eq "fake: the code outside a script's src is not the mark" "missing" "$(verdicts "$CASE_fake")"
check_eq "rawhead: <body> in a head script's text does not open the body" "misplaced head" \
    "$(verdicts "$CASE_rawhead") $(wheres "$CASE_rawhead")"
check_eq "redpage: a red page is not fetched" "" \
    "$(jq -rs --argjson c "$CASE_redpage" '.[] | select(.case == $c) | .case' "$J")"
check_eq "trickle: not whole in time" "timeout" "$(verdicts "$CASE_trickle")"
check_eq "totals: marks, passed, hung, flagged (the red page not among them)" "21 4 4 0" \
    "$(jq -rs '.[-1].totals | "\(.marks) \(.passed) \(.hung) \(.flagged)"' "$J")"
# three threads fetched (monitor.threads: 3): their totals add up to the
# marks and pages reported one by one, and one thread finds the same
check_eq "totals: the pages of every mark reported, added up" \
    "$(jq -rs '[.[] | select(.case) | .pages | length] | add' "$J")" \
    "$(jq -rs '.[-1].totals.pages' "$J")"
check_eq "totals: every mark reported once" \
    "$(jq -rs '[.[] | select(.case) | .case] | length' "$J") $(jq -rs '[.[] | select(.case) | .case] | unique | length' "$J")" \
    "$(jq -rs '.[-1].totals | "\(.marks) \(.marks)"' "$J")"
by_case() { jq -rs '[.[] | select(.case) | "\(.case) \([.pages[] | .verdict] | join(","))"] | sort | .[]'; }
sed 's/^  threads: 3$/  threads: 1/' "$T/sitemark.yaml" >"$T/one-thread.yaml"
run env SITEMARK_CONFIG="$T/one-thread.yaml" "$SITEMARK" --db "$DB" --json marks check --dry-run $RESOLVE
one=$(by_case <<<"$OUT")
run sm --json marks check --dry-run $RESOLVE
check_eq "one thread and three give the same verdicts, mark by mark" "$one" "$(by_case <<<"$OUT")"

for s in $SCENARIOS; do
	name=${s%%:*}
	eval "id=\$CASE_$name"
	case $name in
	all|redirect|gbk|tls) want=mark_hung ;;
	*) want=mark_issued ;;
	esac
	check_eq "$name: case $id is $want" "$want" "$(state_of "$id")"
done

check_eq "the monitor account was made, role monitor" "monitor" \
    "$(q "select role from users where login = 'monitor'")"
check_eq "verify-hung audited as the monitor" "monitor monitor mark_issued mark_hung" \
    "$(q "select actor, role, from_state, to_state from audit where object = 'case' and object_id = $CASE_all and action = 'verify-hung'" | tr '|' ' ')"
check_eq "every check is stored with its pages" "21 4" \
    "$(q "select (select count(*) from mark_checks), (select count(*) from mark_check_pages where check_id = (select max(id) from mark_checks where case_id = $CASE_all))" | tr '|' ' ')"
run sm --as monitor case act "$CASE_all" approve
check_eq "no one signs in as the monitor (marks check acts as it)" "1" "$RC"
check_match "saying so" "(no one signs in|任何人都不能以它登录)" "$ERR"
check_eq "the refused sign-in is audited" "1" \
    "$(q "select count(*) from audit where action = 'login-failed' and actor = 'monitor' and reason = 'monitor'")"
expect_refused "the monitor account is not added by hand" "not one that can be added" \
    sm user add monitor2 --role monitor

# the case's detail: the latest check, page by page
J2=$(case_json "$CASE_some")
check_eq "case show --json: the latest check's verdicts" "pass pass missing pass" \
    "$(jq -r '[.mark_check.pages[].verdict] | join(" ")' <<<"$J2")"
run sm --as fz-rev1 case show "$CASE_some"
check_match "case show: the check's pages" "Mark check [0-9]+ at .*the mark is missing" "$OUT"
check_match "case show: a failing page's line" "FAIL  http://some.test:$HP/p2.html" "$OUT"
# why a page could not be read is stored in no language, and shown in
# the reader's: the checker may run in another
check_eq "the reason is stored as a word and its values" "$(printf 'dns\tnx.invalid')" \
    "$(q "select p.detail from mark_check_pages p join mark_checks c on c.id = p.check_id where c.case_id = $CASE_dns order by c.id desc limit 1")"
run sm --as fz-rev1 case show "$CASE_dns"
check_match "shown in English to an English reader" "no address found for nx.invalid" "$OUT"
run env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN "$SITEMARK" --db "$DB" --as fz-rev1 case show "$CASE_dns"
check_match "and in Chinese to a Chinese one" "找不到 nx.invalid 的地址" "$OUT"

# the report: marks not hung, by office, days overdue (working days)
SITEMARK_NOW=2030-06-20T10:00:00+08:00 run sm --as conac1 marks report --csv
check_eq "report: header" "office,office_name,case,unit,domain,code,hosting,due,days_over,last_check,last_verdict,pages_passed" \
    "$(printf '%s\n' "$OUT" | head -1)"
check_eq "report: one row per mark not hung" "18" "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l | tr -d ' ')"
check_match "report: some.test's row, overdue, its last check" \
    "^350100,.*,$CASE_some,.*,[1-9][0-9]*,[0-9T:+-]+,fail,3/4$" "$(printf '%s\n' "$OUT" | grep ",$CASE_some,")"
check_match "report: the red page's row, not checked" \
    "^350100,.*,$CASE_redpage,.*,redpage,.*,,,$" "$(printf '%s\n' "$OUT" | grep ",$CASE_redpage,")"
run sm --as fz-rev1 --json marks report
check_eq "report --json for the office" "18" "$(jq length <<<"$OUT")"
expect_refused "the system administrator reads no cases" "does not work on cases" sm marks report

# the overdue queue of offices and CONAC
SITEMARK_NOW=2030-06-20T10:00:00+08:00 run sm --as fz-rev1 --json case list --queue
check_eq "the office's waiting queue is unchanged (overdue marks are a queue of their own)" "0" "$RC"

# ---------------------------------------------------------------- a hung mark taken down

page "$W/all/p2.html" "$TITLE" "<p>the mark was removed</p>" "" ""
rm -f "$W/redirect/real/index.html"
run sm --json marks check --case "$CASE_all" $RESOLVE
check_eq "the mark taken down: exit 3" "3" "$RC"
check_eq "the mark taken down: flagged" "flag-missing" "$(jq -rs '.[0].action' <<<"$OUT")"
check_eq "the case is back at mark_issued" "mark_issued" "$(state_of "$CASE_all")"
check_eq "flag-missing audited as the monitor, with why" "monitor mark_hung mark_issued 1" \
    "$(q "select actor, from_state, to_state, instr(reason, '1 of 4') > 0 from audit where object = 'case' and object_id = $CASE_all and action = 'flag-missing'" | tr '|' ' ')"
check_eq "the unit and the office are told" "missing email lib
missing email rev1@fzbb.gov.cn
missing sms lib" \
    "$(q "select event, channel, case when recipient like '%fzbb%' then recipient else 'lib' end from outbox where case_id = $CASE_all and event = 'missing' order by channel, recipient" | tr '|' ' ')"
check_true "the hanging deadline starts again" \
    "$(case_json "$CASE_all" | jq -r .deadline)" != null

# --unit and --office narrow the check; another office has none
run sm --json marks check --office 350200 $RESOLVE
check_eq "another office's marks: none" "0 0" "$(jq -rs '.[-1].totals | "\(.marks) \(.pages)"' <<<"$OUT")"
check_eq "none failed: exit 0" "0" "$RC"
# a hung mark whose site cannot be read (here a 404) is no mark taken
# down: flagged only when it stays so for 3 checks in a row
run sm --json marks check --case "$CASE_redirect" $RESOLVE
check_eq "the redirect site's page is gone: 404, not flagged at once" "http null mark_hung" \
    "$(jq -rs '"\(.[0].pages[0].verdict) \(.[0].action)"' <<<"$OUT") $(state_of "$CASE_redirect")"
check_match "not flagged at once: says why" "could not be read \(1 check\(s\) in a row\).*only after 3" \
    "$(jq -rs '.[0].problem' <<<"$OUT")"
run sm --json marks check --dry-run --case "$CASE_redirect" $RESOLVE
check_eq "a dry run the second time: not flagged" "null" "$(jq -rs '.[0].action' <<<"$OUT")"
run sm --json marks check --case "$CASE_redirect" $RESOLVE
run sm --json marks check --case "$CASE_redirect" $RESOLVE
check_eq "the third check in a row that cannot read it: flagged" "http flag-missing mark_issued" \
    "$(jq -rs '"\(.[0].pages[0].verdict) \(.[0].action)"' <<<"$OUT") $(state_of "$CASE_redirect")"

# ---------------------------------------------------------------- a case moved meanwhile
# verify-hung goes in the transaction that stores the checks; a case moved
# while the sites were read (here by the office, while slow.test keeps the
# check going) undoes that, and then the checks are stored and each mark
# acted on by itself: the moved case says why, the other one is hung
page "$W/all/p2.html" "$TITLE p2" "<p>p2</p>" "$SNIP_all" ""
page "$W/redirect/real/index.html" "$TITLE" "<p>x</p>" "$SNIP_redirect" ""
checks_before=$(q "select count(*) from mark_checks")
: >"$N/conn.log"
sm --json marks check --unit "$(q "select unit from cases where id = $CASE_all")" $RESOLVE \
    >"$T/moved.json" 2>"$T/moved.err" &
MOVED_PID=$!
BG_PIDS="$BG_PIDS $MOVED_PID"
for _ in $(seq 1 100); do
	grep -q '^all.test ' "$N/conn.log" && break
	sleep 0.05
done
expect_ok "the office verifies the mark while the monitor reads the sites" \
    sm --as fz-rev1 case act "$CASE_all" verify-hung
check_true "the check was still going" "$(kill -0 "$MOVED_PID" 2>/dev/null && echo 1 || echo 0)" = 1
wait "$MOVED_PID"
check_eq "moved meanwhile: exit 3" "3" "$?"
check_eq "moved meanwhile: the office's verify-hung stands, no second one" "fz-rev1" \
    "$(q "select group_concat(actor) from audit where object = 'case' and object_id = $CASE_all and action = 'verify-hung' and seq > (select max(seq) from audit where object = 'case' and object_id = $CASE_all and action = 'flag-missing')")"
check_match "moved meanwhile: the monitor's action not applied, and why" "does not apply|mark_hung|hung" \
    "$(jq -rs --argjson c "$CASE_all" '.[] | select(.case == $c) | .problem' "$T/moved.json")"
check_eq "moved meanwhile: the other mark hung by the monitor" "mark_hung monitor" \
    "$(state_of "$CASE_redirect") $(q "select actor from audit where object = 'case' and object_id = $CASE_redirect and action = 'verify-hung' order by seq desc limit 1")"
check_eq "moved meanwhile: every check stored" "21" \
    "$(($(q "select count(*) from mark_checks") - checks_before))"

# ---------------------------------------------------------------- a hung mark, read or not
# some.test failed its checks while its mark was not yet hung; the office
# verifies it; then its home page is gone (404): one check that cannot
# read it is the first in a row, whatever failed before the mark was hung
expect_ok "the office verifies some.test's mark by hand" sm --as fz-rev1 case act "$CASE_some" verify-hung
mv "$W/some/index.html" "$W/some/index.gone"
run sm --json marks check --case "$CASE_some" $RESOLVE
check_eq "failures before the mark was hung do not count: not flagged" "null mark_hung" \
    "$(jq -rs '.[0].action' <<<"$OUT") $(state_of "$CASE_some")"
check_match "the first unreadable check in a row" "\(1 check\(s\) in a row\)" "$(jq -rs '.[0].problem' <<<"$OUT")"
run sm --json marks check --case "$CASE_some" $RESOLVE
check_match "the second in a row" "\(2 check\(s\) in a row\)" "$(jq -rs '.[0].problem' <<<"$OUT")"
# the office flags it and finds it hung again, with no check in between:
# the checks before count in no row (they were of the time before)
expect_ok "the office flags some.test's mark missing" \
    sm --as fz-rev1 case act "$CASE_some" flag-missing --reason "复核"
expect_ok "and verifies it hung again" sm --as fz-rev1 case act "$CASE_some" verify-hung
run sm --json marks check --case "$CASE_some" $RESOLVE
check_eq "hung again: one check that cannot read it flags nothing" "null mark_hung" \
    "$(jq -rs '.[0].action' <<<"$OUT") $(state_of "$CASE_some")"
check_match "it is the first in a row again" "\(1 check\(s\) in a row\)" "$(jq -rs '.[0].problem' <<<"$OUT")"
mv "$W/some/index.gone" "$W/some/index.html"
# all.test (hung) answers its home page empty: read, and no mark on it
cp "$W/all/index.html" "$T/all-index.html"
: >"$W/all/index.html"
run sm --json marks check --case "$CASE_all" $RESOLVE
check_eq "an empty home page on a hung mark: flagged at once" "empty flag-missing mark_issued" \
    "$(jq -rs '"\(.[0].pages[0].verdict) \(.[0].action)"' <<<"$OUT") $(state_of "$CASE_all")"
cp "$T/all-index.html" "$W/all/index.html"

# ---------------------------------------------------------------- servers nginx will not be
# A small server of the test's own (its port in a configuration of its own,
# dry runs): all.test sends a page with the mark, announces more than it
# sends and keeps the connection open (the page passes once the body has
# ended, without waiting the timeout for the rest); busy.test redirects to
# an address that is none.
PP=$(free_port)
PAGE_ALL="<html><head><title>$TITLE</title></head><body><p>x</p>$SNIP_all</body></html>"
python3 - "$PP" "$PAGE_ALL" <<'PYEOF' &
import socketserver, sys, time
page = sys.argv[2].encode()
class H(socketserver.BaseRequestHandler):
    def handle(self):
        s, buf = self.request, b''
        while b'\r\n\r\n' not in buf:
            d = s.recv(65536)
            if not d:
                return
            buf += d
        host = [l[5:].strip().split(b':')[0] for l in buf.split(b'\r\n') if l.lower().startswith(b'host:')]
        if host == [b'busy.test']:
            s.sendall(b'HTTP/1.1 302 Found\r\nLocation: http://[bad\r\nContent-Length: 0\r\n\r\n')
            time.sleep(30)
        s.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n' + page)
        time.sleep(30)
class S(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
S(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PYEOF
BG_PIDS="$BG_PIDS $!"
sed "s/^  http_port: .*/  http_port: $PP/" "$T/sitemark.yaml" >"$T/pp.yaml"
for _ in $(seq 1 50); do
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$PP" 2>/dev/null && break
	sleep 0.1
done
run env SITEMARK_CONFIG="$T/pp.yaml" "$SITEMARK" --db "$DB" --json marks check --dry-run \
    --case "$CASE_all" --resolve "all.test:$PP:127.0.0.1"
check_eq "a page whose rest never comes: passes" "pass" "$(jq -rs '.[0].pages[0].verdict' <<<"$OUT")"
check_true "without waiting the 4 s timeout for the rest ($(jq -rs '.[0].pages[0].ms' <<<"$OUT") ms)" \
    "$(jq -rs '.[0].pages[0].ms' <<<"$OUT")" -lt 2500
run env SITEMARK_CONFIG="$T/pp.yaml" "$SITEMARK" --db "$DB" --json marks check --dry-run \
    --case "$CASE_busy" --resolve "busy.test:$PP:127.0.0.1"
check_eq "a redirect to no address: an HTTP answer, said why" "http 302 true" \
    "$(jq -rs '"\(.[0].pages[0].verdict) \(.[0].pages[0].status) \(.[0].pages[0].detail | test("Location"))"' <<<"$OUT")"

finish
