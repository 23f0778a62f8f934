#!/usr/bin/env bash
# site_export.sh - the public site and the red page (issue 8, points 3 and 4).
#
# A world with two marks: an organ's own website (red) and an institution
# whose name carries <script> and whose mark hangs on a red page (blue).
# The institution edits and publishes its red page on the command line; the
# site is exported and served by nginx (started here on 127.0.0.1, a free
# port, stopped by its pid); headless Chromium loads a page carrying the
# organ's snippet, follows the mark's link to the certificate page, loads
# the red page and finds its mark.  Then: exporting again writes nothing;
# after one change (the institution's case withdrawn, the stand-in for a
# revoked mark: no rule takes an issued mark back yet) exactly that mark's
# two files, whose script now shows blue_error.png and whose certificate
# says it is no longer valid.  Screenshots are kept in
# $top_builddir/tests/site_export-shots/ (look at them).

. "$(dirname "$0")/lib.sh"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || skip "nginx is not installed (nginx-light)"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
	    echo $((20000 + RANDOM % 20000))
}
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
SITE="$T/site"
SHOTS="$top_builddir/tests/site_export-shots"
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
cat > "$T/sitemark.yaml" <<EOF
mark:
  base_url: $BASE
site:
  dir: $SITE
EOF
export SITEMARK_CONFIG="$T/sitemark.yaml"

make_world

# ---------------------------------------------------------------- two marks
# The organ's own website: the whole site flow to mark_issued.
S=$(sm --as org-op case new site --values "$VALUES/site-own.yaml") || die "site case"
for step in "org-op submit" "fz-rev1 approve" "conac1 approve" \
    "fz-rev2 confirm-paper --values $VALUES/confirm-paper.yaml"; do
	set -- $step
	sm --as "$1" case act "$S" "${@:2}" >/dev/null || die "site case: $step"
done
check_eq "the organ's site case has its mark" mark_issued "$(state_of "$S")"

# The institution with <script> in its name, on a red page.
HOSTILE='<script>alert("x")</script>福州市少儿图书馆'
sed -e "s|^name: .*|name: '$HOSTILE'|" -e 's|^uscc: .*|uscc: "123501004880712315"|' \
    "$VALUES/unit-institution-fj.yaml" > "$T/unit-hostile.yaml"
expect_ok "an institution whose name carries <script> registers" \
    sm unit register --values "$T/unit-hostile.yaml" --login kid-op
sm --as sec user role kid-op unit >/dev/null || die "user role kid-op unit"
printf 'name: 福州市少儿图书馆\nusage: 网络红页。\n' > "$T/domain-kid.yaml"
register_domain kid-op "$T/domain-kid.yaml" >/dev/null || die "registering 福州市少儿图书馆.公益"
sed -e 's|福州市志愿者协会|福州市少儿图书馆|g' "$VALUES/mark-redpage.yaml" > "$T/mark-kid.yaml"
M=$(sm --as kid-op case new mark --values "$T/mark-kid.yaml") || die "mark case"
for step in "kid-op submit" "fz-rev1 approve" "conac1 approve"; do
	set -- $step
	sm --as "$1" case act "$M" "$2" >/dev/null || die "mark case: $step"
done
check_eq "the institution's mark case has its mark" mark_issued "$(state_of "$M")"

# ---------------------------------------------------------------- the red page
check_eq "the unit may publish its red page (the rules' action)" publish-redpage \
    "$(sm --as kid-op --json case show "$M" | jq -r '.actions | join(" ")')"
check_eq "an organ's own site has no red page to publish" "" \
    "$(sm --as org-op --json case show "$S" | jq -r '.actions | join(" ")')"
expect_refused "redpage show: an own website has no red page" "own website" \
    sm --as org-op redpage show "$S"
run sm --as kid-op redpage show "$M"
check_match "redpage show: not published yet" "not published yet" "$OUT"
check_match "redpage show: the unit's certificate fields" "Unit name +<script>alert" "$OUT"

cat > "$T/rp-bad.yaml" <<'EOF'
phone: 12345
email: not-an-address
postal_code: "35000"
EOF
expect_refused "redpage edit: bad values refused, each field named" \
    "phone.*|email.*|postal_code" sm --as kid-op redpage edit "$M" --values "$T/rp-bad.yaml"
check_match "redpage edit: the postal code named" "postal_code" "$ERR"
check_match "redpage edit: the e-mail named" "email" "$ERR"
cat > "$T/rp.yaml" <<'EOF'
phone: 0591-87654321
email: kids@fzlib.org.cn
postal_code: "350003"
office_hours: 周二至周日 9:00-17:00
intro: |
  福州市少儿图书馆为少年儿童提供图书借阅和阅读推广服务。
  <img src=x onerror=alert(2)> 这一行是文字。
footer: '版权所有 "福州市少儿图书馆" & 合作单位'
EOF
expect_ok "redpage edit: the unit keeps a draft" sm --as kid-op redpage edit "$M" --values "$T/rp.yaml"
check_eq "the draft moved nothing" mark_issued "$(state_of "$M")"
run sm --as kid-op redpage show "$M"
check_match "redpage show: the draft, previewed as text" "Postal code +350003" "$OUT"
expect_refused "the office may not publish a unit's red page" "may not" \
    sm --as fz-rev1 redpage publish "$M" --values "$T/rp.yaml"
expect_refused "another unit does not see the case" "." \
    sm --as lib-op redpage publish "$M" --values "$T/rp.yaml"
A0=$(audit_rows "$M")
expect_ok "redpage publish: the unit publishes its draft" sm --as kid-op redpage publish "$M"
check_eq "publishing hangs the mark" mark_hung "$(state_of "$M")"
check_eq "publishing is one audit record" "$((A0 + 1))" "$(audit_rows "$M")"
check_eq "the audit record is the rules' publish-redpage" "publish-redpage mark_issued mark_hung" \
    "$(q "SELECT action, from_state, to_state FROM audit WHERE object = 'case' AND object_id = $M ORDER BY seq DESC LIMIT 1" | tr '|' ' ')"
check_eq "the page's values are in the audit record" "350003" \
    "$(q "SELECT json_extract(\"values\", '\$.postal_code') FROM audit WHERE object_id = $M ORDER BY seq DESC LIMIT 1")"
check_eq "the draft is gone once published" "null" \
    "$(sm --as kid-op --json redpage show "$M" | jq -r .draft_values)"
expect_refused "a red page is published once: the mark hangs" "does not apply" \
    sm --as kid-op redpage publish "$M" --values "$T/rp.yaml"
expect_refused "publish again without a draft: it is published already, said so" \
    "red page of case $M is published already" sm --as kid-op redpage publish "$M"

# ---------------------------------------------------------------- export
expect_refused "CONAC does not export the site" "may not|only" sm --as conac1 site export "$SITE"
expect_refused "a unit does not export the site" "may not|only" sm --as kid-op site export "$SITE"
run sm --json site export
check_eq "the system administrator (cron) exports into site.dir" 0 "$RC"
check_eq "export: two marks, one red page, all written" "2 0 1 10 10 0" \
    "$(jq -r '"\(.marks) \(.invalid) \(.redpages) \(.files) \(.written) \(.unchanged)"' <<<"$OUT")"
ORG_GUID=$(sm --as org-op --json mark show "$S" | jq -r .guid)
KID_GUID=$(sm --as kid-op --json mark show "$M" | jq -r .guid)
ORG_JS=$(sm --as org-op --json mark show "$S" | jq -r .snippet | sed 's|.*src="\([^"]*\)".*|\1|')
KID_JS=$(sm --as kid-op --json mark show "$M" | jq -r .snippet | sed 's|.*src="\([^"]*\)".*|\1|')
for f in image/red.png image/blue.png image/red_error.png image/blue_error.png \
    sitename/index.html "cert/$ORG_GUID.html" "cert/$KID_GUID.html" "redpage/$KID_GUID.html" \
    "${ORG_JS#"$BASE"/}" "${KID_JS#"$BASE"/}"; do
	check_true "export: $f" -f "$SITE/$f"
done
check_eq "export: every file readable by the web server (0644)" "" \
    "$(find "$SITE" -type f ! -perm 0644)"
check_eq "export: no temporary file left" "" "$(find "$SITE" -name '.*' ! -name .sitemark-export)"
check_true "export: its manifest" -f "$SITE/.sitemark-export"
check_eq "export: the images are PNG" "PNG" "$(head -c 4 "$SITE/image/red.png" | tail -c 3)"
check_true "export: red and blue differ" "$(cksum < "$SITE/image/red.png")" != \
    "$(cksum < "$SITE/image/blue.png")"
check_true "export: the error image differs" "$(cksum < "$SITE/image/red.png")" != \
    "$(cksum < "$SITE/image/red_error.png")"

# ---------------------------------------------------------------- nginx
mkdir -p "$T/nginx/tmp"
chmod 711 "$T"   # nginx's workers (another user when run as root) reach $SITE
cat > "$T/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon on;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
	access_log $T/nginx/access.log;
	client_body_temp_path $T/nginx/tmp;
	proxy_temp_path $T/nginx/tmp;
	fastcgi_temp_path $T/nginx/tmp;
	uwsgi_temp_path $T/nginx/tmp;
	scgi_temp_path $T/nginx/tmp;
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$PORT;
		root $SITE;
	}
}
EOF
"$NGINX" -c "$T/nginx/nginx.conf" -p "$T/nginx" -e "$T/nginx/error.log" 2>"$T/nginx/start.err" ||
    die "nginx starts" "$(cat "$T/nginx/start.err")"
for _ in $(seq 50); do [ -s "$T/nginx/nginx.pid" ] && break; sleep 0.1; done
NGINX_PID=$(cat "$T/nginx/nginx.pid")
stop_nginx() {
	[ -n "${NGINX_PID:-}" ] && kill "$NGINX_PID" 2>/dev/null
	NGINX_PID=
}
trap 'rc=$?; stop_nginx; (exit $rc); _cleanup' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "$BASE/sitename/" && break; sleep 0.1; done

get() { curl -s --max-time 10 "$@"; }
check_eq "nginx serves the organ's script" 200 "$(get -o /dev/null -w '%{http_code}' "$ORG_JS")"
check_match "the script is JavaScript to nginx" "javascript" \
    "$(get -o /dev/null -w '%{content_type}' "$ORG_JS")"
check_eq "nginx serves red.png as an image" "image/png" \
    "$(get -o /dev/null -w '%{content_type}' "$BASE/image/red.png")"
KID_SCRIPT=$(get "$KID_JS")
check_nomatch "the script's string carries no raw <, >, quote, & or slash" "[<>\"'&/]" \
    "$(sed -n 's/^document.write("\(.*\)");$/\1/p' <<<"$KID_SCRIPT")"
check_match "the script carries the name HTML- and JS-escaped" '\\u0026lt\;script\\u0026gt\;' \
    "$KID_SCRIPT"
for page in "cert/$KID_GUID.html" "redpage/$KID_GUID.html"; do
	HTML=$(get "$BASE/$page")
	check_match "$page: the name as text" '&lt;script&gt;alert\(&quot;x&quot;\)&lt;/script&gt;' "$HTML"
	check_nomatch "$page: no <script> from the unit" '<script>alert|<img src=x' "$HTML"
done
HTML=$(get "$BASE/redpage/$KID_GUID.html")
check_match "the red page: the intro's tag as text" '&lt;img src=x onerror=alert\(2\)&gt;' "$HTML"
check_match "the red page: the footer escaped" '版权所有 &quot;福州市少儿图书馆&quot; &amp; 合作单位' "$HTML"
check_match "the red page carries the mark's snippet in its footer" \
    "<footer>.*|<span id=\"_ideConac\"><script type=\"text/javascript\" src=\"$KID_JS\"></script></span>" "$HTML"
CERT=$(get "$BASE/cert/$ORG_GUID.html")
for id in unit_name unit_type address functions site_name domains cert_no issuer issued_at; do
	check_match "the certificate page has $id" "<td id=\"$id\">[^<]" "$CERT"
done
check_nomatch "a valid mark's certificate says nothing of invalidity" 'id="invalid"' "$CERT"
if have_zh_locale && [ -f "$SITEMARK_LOCALEDIR/zh_CN/LC_MESSAGES/sitemark.mo" ]; then
	check_match "the certificate speaks Chinese (site.language)" "<th>机构名称</th>" "$CERT"
	check_match "the certificate's issuer" "政务和公益机构域名注册管理中心" "$CERT"
else
	echo "# SKIP the Chinese labels: no zh_CN.UTF-8 locale or catalogue"
fi

# ---------------------------------------------------------------- chromium
# --dump-dom prints the DOM once the page has loaded (scripts run); a small
# script of the test's own page reports what it found into the DOM.
chrome() { # OUT.png URL: dump the DOM on stdout, screenshot into OUT.png
	local shot=$1 url=$2 dom try
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	    --user-data-dir="$T/chrome" --virtual-time-budget=10000 --window-size=900,1000 \
	    --screenshot="$SHOTS/$shot" "$url" >/dev/null 2>&1
	# a loaded machine may dump before a test page's report is in: again
	for try in 1 2 3; do
		dom=$("$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
		    --virtual-time-budget=10000 --dump-dom "$url" 2>/dev/null)
		case $url in *-page.html | *-check.html) ;; *) break ;; esac
		grep -q '<p id="report">' <<<"$dom" && break
	done
	printf '%s\n' "$dom"
}
if [ -n "$CHROMIUM" ] && "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
    --dump-dom "$BASE/sitename/" >/dev/null 2>&1; then
	ORG_SNIPPET=$(sm --as org-op --json mark show "$S" | jq -r .snippet)
	REPORT='<script>window.addEventListener("load", function () {
	var doc = document, f = doc.querySelector("iframe");
	if (f) doc = f.contentDocument;
	var i = doc.querySelector("#_ideConac a img"), p = document.createElement("p");
	p.id = "report";
	p.textContent = i ? [i.getAttribute("src"), i.complete, i.naturalWidth + "x" + i.naturalHeight,
	    i.parentNode.getAttribute("href"), doc.querySelectorAll("script").length,
	    doc.querySelector("h1").textContent].join(" | ") : "no mark";
	document.body.appendChild(p);
});</script>'
	cat > "$SITE/unit-page.html" <<EOF
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>福州市人民政府门户网站</title></head>
<body><h1>福州市人民政府门户网站</h1><p>A unit's page, with the mark at the bottom centre.</p>
<div style="text-align:center">$ORG_SNIPPET</div>
$REPORT
</body></html>
EOF
	cat > "$SITE/redpage-check.html" <<EOF
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>red page</title></head>
<body><iframe src="$BASE/redpage/$KID_GUID.html" width="860" height="900"></iframe>
$REPORT
</body></html>
EOF
	DOM=$(chrome unit-page.png "$BASE/unit-page.html")
	REP=$(sed -n 's/.*<p id="report">\(.*\)<\/p>.*/\1/p' <<<"$DOM")
	check_match "chromium: the snippet renders the red mark, loaded (110x40)" \
	    "^$BASE/image/red.png \| true \| 110x40 \| " "$REP"
	HREF=$(awk -F' \\| ' '{print $4}' <<<"$REP" | sed 's/&amp;/\&/g')
	check_eq "chromium: the mark links to the certificate" \
	    "$BASE/sitename?method=show&id=$ORG_GUID" "$HREF"
	check_match "nginx: the browser fetched the image" "GET /image/red.png HTTP/1.1\" 200" \
	    "$(cat "$T/nginx/access.log")"
	DOM=$(chrome certificate.png "$HREF")
	check_match "chromium: the link ends on the certificate page" "<h1>[^<]*</h1>" "$DOM"
	check_eq "chromium: the certificate's unit" "福州市人民政府办公厅" \
	    "$(sed -n 's/.*<td id="unit_name">\([^<]*\)<.*/\1/p' <<<"$DOM")"
	check_eq "chromium: the certificate's number" \
	    "$(sm --as org-op --json mark show "$S" | jq -r .cert_no)" \
	    "$(sed -n 's/.*<td id="cert_no">\([^<]*\)<.*/\1/p' <<<"$DOM")"
	check_match "chromium: the certificate's domains" '<td id="domains">福州市人民政府.政务<br>' "$DOM"
	check_match "chromium: the certificate's website" '<td id="site_name">福州市人民政府门户网站<' "$DOM"
	DOM=$(chrome redpage.png "$BASE/redpage-check.html")
	REP=$(sed -n 's/.*<p id="report">\(.*\)<\/p>.*/\1/p' <<<"$DOM")
	check_match "chromium: the red page's footer carries the blue mark, loaded" \
	    "^$BASE/image/blue.png \| true \| 110x40 \| $BASE/sitename\?method=show&amp;id=$KID_GUID \| " "$REP"
	check_match "chromium: the red page runs one script, the mark's; the name is text" \
	    ' \| 1 \| <script>alert\("x"\)</script>福州市少儿图书馆$' "$(sed 's/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g' <<<"$REP")"
	HAVE_CHROME=1
else
	echo "# SKIP chromium: it cannot run here; nginx and curl only"
	HAVE_CHROME=
fi

# ---------------------------------------------------------------- again
snap() { (cd "$SITE" && find . -type f ! -name '*-page.html' ! -name 'redpage-check.html' ! -name .sitemark-export \
    -printf '%p %i %T@\n' | sort); }
BEFORE=$(snap)
run sm --json site export
check_eq "export again: nothing written" "10 0 10" "$(jq -r '"\(.files) \(.written) \(.unchanged)"' <<<"$OUT")"
check_eq "export again: no file touched" "$BEFORE" "$(snap)"

# One change: the institution's case withdrawn (revoked) behind the rules'
# back, as no rule withdraws an issued mark yet.
q "UPDATE cases SET state = 'withdrawn' WHERE id = $M"
run sm --json site export
check_eq "export after one change: one invalid mark, its two files written" "1 10 2 8" \
    "$(jq -r '"\(.invalid) \(.files) \(.written) \(.unchanged)"' <<<"$OUT")"
CHANGED=$(diff <(echo "$BEFORE") <(snap) | sed -n 's/^> \.\/\([^ ]*\) .*/\1/p' | sort | tr '\n' ' ')
check_eq "export after one change: only that mark's script and certificate" \
    "$(printf '%s\n' "cert/$KID_GUID.html" "${KID_JS#"$BASE"/}" | sort | tr '\n' ' ')" "$CHANGED"
check_match "a withdrawn mark's script shows blue_error.png" 'blue_error\.png' "$(get "$KID_JS")"
check_match "a withdrawn mark's certificate says it is no longer valid" 'id="invalid"' \
    "$(get "$BASE/cert/$KID_GUID.html")"
check_match "the organ's mark is untouched" 'red\.png' "$(get "$ORG_JS")"
if [ -n "$HAVE_CHROME" ]; then
	DOM=$(chrome redpage-revoked.png "$BASE/redpage-check.html")
	check_match "chromium: the red page now shows the error image, loaded" \
	    "<p id=\"report\">$BASE/image/blue_error.png \| true \| 110x40 " "$DOM"
	DOM=$(chrome certificate-revoked.png "$BASE/cert/$KID_GUID.html")
	check_match "chromium: the certificate says so" '<p class="invalid" id="invalid">' "$DOM"
fi

# What the export remembers (.sitemark-export) never hides a file changed
# or removed behind its back; without it, the contents are compared.
rm -f "$SITE/cert/$ORG_GUID.html"
echo '<script>defaced</script>' >> "$SITE/${ORG_JS#"$BASE"/}"
run sm --json site export
check_eq "a removed and a changed file: both written again, nothing else" "2 8" \
    "$(jq -r '"\(.written) \(.unchanged)"' <<<"$OUT")"
check_nomatch "the changed script is the export's again" defaced "$(cat "$SITE/${ORG_JS#"$BASE"/}")"
check_true "the removed certificate is back" -f "$SITE/cert/$ORG_GUID.html"
rm -f "$SITE/.sitemark-export"
run sm --json site export
check_eq "without its manifest: nothing written (the contents compared)" "0 10" \
    "$(jq -r '"\(.written) \(.unchanged)"' <<<"$OUT")"
check_true "the manifest is made again" -s "$SITE/.sitemark-export"
stop_nginx

# the site speaks site.language; a failure is said in the user's
if have_zh_locale; then
	mkdir -p "$T/blocked"
	: >"$T/blocked/image"
	printf 'mark:\n  base_url: %s\nsite:\n  language: zh_CN.UTF-8\n' "$BASE" >"$T/zh-site.yaml"
	run env LANG=C.UTF-8 LC_ALL=C.UTF-8 LANGUAGE= "$SITEMARK" --db "$DB" --config "$T/zh-site.yaml" \
	    site export "$T/blocked"
	check_eq "a file in the way of a directory: refused" 1 "$RC"
	check_match "in the user's language (English), not the site's" "cannot (make the directory|write) .*Not a directory" "$ERR"
fi
echo "# screenshots: $SHOTS"
finish
