#!/usr/bin/env bash
# startup.sh - what the program loads, and when (HACKING.md, "Start-up").
#
# sitemark is linked with none of the drawing libraries (pango, cairo,
# fontconfig, freetype, harfbuzz) nor libcurl: a case list loads none of
# them (the dynamic linker's own account, LD_DEBUG=files); notify run opens
# libcurl when it starts; a PDF print runs the helper sitemark-render, which
# alone is linked with pango and cairo.  The helper's interface
# (sm_drawing.h): it gets descriptors 0 to 3 and nothing else of the
# program's; a helper that cannot be run or fails says so (its words
# neutralised), no file is left and no print is audited; run by hand it
# refuses.  (A set-group-id program ignoring SITEMARK_RENDER: setgid.sh.)

. "$(dirname "$0")/lib.sh"

command -v ldd >/dev/null 2>&1 || skip "ldd is missing"
heavy='lib(pango|pangocairo|pangoft2|cairo|fontconfig|freetype|harfbuzz|curl|gnutls|ssl|ssh2|nghttp2|ldap)[-.0-9]*\.so'
check_nomatch "sitemark is linked with no drawing library nor libcurl" "$heavy" "$(ldd "$SITEMARK")"
check_match "sitemark-render is linked with pango and cairo" 'libpangocairo.*libcairo|libcairo.*libpangocairo' \
    "$(ldd "$SITEMARK_RENDER" | tr '\n' ' ')"
check_nomatch "sitemark-render is linked with no database nor curses" 'lib(sqlite3|ncursesw|curl)' \
    "$(ldd "$SITEMARK_RENDER")"

run sm init --demo
check_eq "init --demo" 0 "$RC"
loaded() { # the libraries the dynamic linker loads for sitemark ARGS
	LD_DEBUG=files "$SITEMARK" --db "$DB" "$@" 2>&1 >/dev/null | grep -o 'file=[^ ]*' | sort -u
}
check_nomatch "a case list loads no drawing library nor libcurl" "$heavy" "$(loaded --as conac-li case list)"
check_nomatch "--version loads none either" "$heavy" "$(loaded --version)"
check_match "notify run opens libcurl" 'file=libcurl\.so' "$(loaded notify run)"

CASE=$(q "SELECT id FROM cases WHERE kind = 'site' AND state = 'paper_pending' ORDER BY id LIMIT 1")
UNIT=$(q "SELECT login FROM users WHERE role = 'unit' AND unit = (SELECT unit FROM cases WHERE id = $CASE) LIMIT 1")
check_true "a paper_pending website case and its unit" -n "$CASE" -a -n "$UNIT"
prints() { q "SELECT count(*) FROM audit WHERE action = 'print'"; }

run sm --as "$UNIT" print "$CASE" letter --out "$T/ok.pdf"
check_eq "a PDF print through the helper" 0 "$RC"
check_eq "it is a PDF" "%PDF-" "$(head -c 5 "$T/ok.pdf")"
check_nomatch "the print loads no drawing library into sitemark" "$heavy" \
    "$(loaded --as "$UNIT" print "$CASE" letter --out "$T/ok2.pdf")"
run sm --as "$UNIT" print "$CASE" letter --out "$T/ok.txt"
check_eq "a text print (no helper)" 0 "$RC"

# A helper that is not there.
before=$(prints)
SITEMARK_RENDER="$T/none" run sm --as "$UNIT" print "$CASE" letter --out "$T/none.pdf"
check_eq "no helper: the print fails" 1 "$RC"
check_match "no helper: says which and why" "drawing helper $T/none.*No such file" "$ERR"
check_true "no helper: no file left" ! -e "$T/none.pdf"
check_eq "no helper: nothing audited" "$before" "$(prints)"
SITEMARK_RENDER="$T/none" run sm site export "$T/site"
check_eq "no helper: site export fails" 1 "$RC"
# (in the site's language, site.language, default Chinese, while it exports)
check_match "no helper: site export says which and why" "(drawing helper|绘图程序) $T/none" "$ERR"

# A helper that lists the descriptors it was given (ls in its place: one
# more, its own directory's).
printf '#!/bin/sh\nexec ls -l /proc/self/fd >"$FAKE_FDS"\n' >"$T/fdlist"
chmod +x "$T/fdlist"
export FAKE_FDS="$T/fds" FAKE_REQ="$T/req.json"
SITEMARK_RENDER="$T/fdlist" run sm --as "$UNIT" print "$CASE" form --out "$T/fdlist.pdf"
check_eq "the helper's descriptors 0, 2 and 3 are memory files" \
    "0 -> /memfd:sitemark-render 2 -> /memfd:sitemark-render 3 -> /memfd:sitemark-render" \
    "$(grep -o '[023] -> /memfd:sitemark-render' "$T/fds" | tr '\n' ' ' | sed 's/ $//')"
check_eq "no other descriptor of the program's (the database...) in the helper" 5 \
    "$(grep -c ' -> ' "$T/fds")"
check_nomatch "the database is not open in the helper" 'test\.db' "$(cat "$T/fds")"

# A helper that fails with hostile words.
cat >"$T/fake" <<'SH'
#!/bin/sh
cat >"$FAKE_REQ"
printf 'bad\033]0;title\007 \033[2J news\n' >&2
exit 1
SH
chmod +x "$T/fake"
SITEMARK_RENDER="$T/fake" run sm --as "$UNIT" print "$CASE" form --out "$T/fake.pdf"
check_eq "a failing helper: the print fails" 1 "$RC"
check_match "the request is the document as JSON" '"draw":"pdf".*"blocks":\[' "$(cat "$T/req.json")"
check_match "the request names the case" "\"case_id\":$CASE" "$(cat "$T/req.json")"
check_match "a failing helper: its words, neutralised" 'failed: bad' "$ERR"
check_nomatch "no escape sequence from the helper reaches the terminal" $'\033' "$ERR"
check_true "a failing helper: no file left" ! -e "$T/fake.pdf"
check_eq "a failing helper: nothing audited" "$before" "$(prints)"

# A helper that writes a report the program cannot read, yet exits 0.
printf '#!/bin/sh\ncat >/dev/null\necho "%%PDF-1.5 half" \nexit 0\n' >"$T/noreport"
chmod +x "$T/noreport"
SITEMARK_RENDER="$T/noreport" run sm --as "$UNIT" print "$CASE" letter --out "$T/noreport.pdf"
check_eq "a helper without its report: the print fails" 1 "$RC"
check_true "a helper without its report: no file left" ! -e "$T/noreport.pdf"

# The helper by hand, and with a bad request.
run "$SITEMARK_RENDER"
check_eq "sitemark-render by hand: refused" 2 "$RC"
check_match "sitemark-render by hand: says it is sitemark's" 'run by sitemark only' "$ERR"
echo '{"draw":"pdf","doc":{"copies":0}}' | "$SITEMARK_RENDER" 3>"$T/report" >"$T/out" 2>/dev/null
check_eq "a malformed request: exit 1" 1 "$?"
check_match "a malformed request: its report says so" '"status":1.*malformed' "$(cat "$T/report")"
echo '{"draw":"badge","red":true,"valid":false}' | "$SITEMARK_RENDER" 3>"$T/report" >"$T/badge.png"
check_eq "a badge: exit 0" 0 "$?"
check_eq "a badge: a PNG" "PNG" "$(head -c 4 "$T/badge.png" | tail -c 3)"
finish
