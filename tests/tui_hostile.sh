#!/usr/bin/env bash
# tui_hostile.sh - hostile data on the console's screens.
#
# A unit's name, its values, a case's domain and values and a reviewer's
# name are written straight into the database with sqlite3 (the forms and
# the command line refuse such input): escape sequences (ESC[2J, OSC 0, 8
# and 52), the C1 CSI 0x9B raw and as U+009B, CR, BS, BEL, U+202E, U+2066,
# invalid UTF-8 and strings of 10,000 characters.  Queues, the case pager,
# the unit's information, the search and the users list are shown in script
# mode with --script-output, and:
#   - the bytes sent to the terminal hold no OSC, no C1 control, no bidi
#     control, no control byte but the terminal's own (BS, LF, CR, ESC), every
#     ESC starts a sequence of the kind curses sends, and they are valid UTF-8;
#   - the screen shows the neutralised forms (^[ ^M ^H <U+202E> <U+009B> \x9B);
#   - the layout holds: 24 rows of at most 80 cells, the title, the status
#     line and the key bar where they belong.

. "$(dirname "$0")/lib.sh"

NOW=2026-11-20T10:00:00+08:00
export SITEMARK_NOW=$NOW TERM=xterm LINES=24 COLUMNS=80
unset NO_COLOR XDG_STATE_HOME

SITEMARK_NOW=$NOW sm init --demo >/dev/null || die "init --demo"
q "UPDATE users SET login = 'admin' WHERE role = 'sysadmin'" || die "renaming the administrator"

# ---------------------------------------------------------------- the data

ESC="char(27)"
EVIL="'福州' || $ESC || '[2J' || 'A' || $ESC || ']0;pwned' || char(7) || 'B'
    || $ESC || ']8;;http://evil.example/' || $ESC || '\\' || 'link' || $ESC || ']8;;' || $ESC || '\\'
    || 'C' || $ESC || ']52;c;cHduZWQ=' || char(7) || 'D' || cast(x'9b' as text) || '31mE'
    || char(155) || '32mF' || char(13) || 'G' || char(8) || char(8) || 'H' || char(8238) || 'I'
    || char(8294) || 'J' || cast(x'ff' as text) || 'K' || cast(x'c3' as text) || 'L'
    || cast(x'eda080' as text) || '市'"
# JSON values cannot hold invalid UTF-8: the rest of it, escaped by json_set.
EVIL_JSON="'福州' || $ESC || '[2J' || $ESC || ']0;pwned' || char(7) || $ESC || ']52;c;cHduZWQ=' || char(7)
    || char(155) || '31m' || char(13) || char(8) || char(8238) || char(8294) || '市'"
LONG_CJK="replace(hex(zeroblob(10000)), '00', '长')"   # 10,000 characters
LONG_ASCII="replace(hex(zeroblob(5000)), '0', 'x')"   # 10,000 characters, one word

# Unit 2 (福州市人民政府办公厅, fz-gov) and its site case 13 (paper pending
# at office 350100, fz-review); the reviewer's own name too.
q "
UPDATE units SET name = $EVIL || $LONG_CJK WHERE id = 2;
UPDATE units SET \"values\" = json_set(\"values\", '\$.name', $EVIL_JSON, '\$.address', $LONG_CJK,
    '\$.head', $EVIL_JSON, '\$.contact.name', $EVIL_JSON) WHERE id = 2;
UPDATE cases SET domain_unicode = $EVIL, \"values\" = json_set(\"values\",
    '\$.site_name', $EVIL_JSON, '\$.intro', $LONG_ASCII, '\$.site_head.name', $EVIL_JSON) WHERE id = 13;
UPDATE audit SET reason = $EVIL WHERE object = 'case' AND object_id = 13 AND reason IS NOT NULL;
UPDATE users SET name = $EVIL WHERE login IN ('fz-review', 'fz-gov');
" || die "writing hostile data into the database"
check_eq "the database holds ESC, 0x9B and U+202E" "1|1|1" \
    "$(q "select instr(name, char(27)) > 0, instr(cast(name as blob), x'9b') > 0, instr(name, char(8238)) > 0 from units where id = 2")"
check_true "the unit's name is over 10,000 characters" "$(q "select length(name) from units where id = 2")" -gt 10000

# ---------------------------------------------------------------- checks

# The terminal's bytes: what curses sends for xterm and nothing from the data.
check_bytes() {
	local what=$1 file=$2 n
	check_true "$what: the terminal received something" -s "$file"
	n=$(LC_ALL=C grep -c "$(printf '\033')]" "$file")
	check_eq "$what: no OSC sequence (ESC ]) reaches the terminal" "0" "$n"
	n=$(LC_ALL=C grep -ao "$(printf '\033')." "$file" | LC_ALL=C grep -vc "^$(printf '\033')[][()=>78M]$")
	check_eq "$what: every ESC starts a CSI, charset or keypad sequence" "0" "$n"
	n=$(LC_ALL=C tr -dc '\000-\007\013\014\016-\032\034-\037\177' <"$file" | wc -c | tr -d ' ')
	check_eq "$what: no control byte but BS, LF, CR and ESC" "0" "$n"
	if iconv -f UTF-8 -t UTF-8 "$file" >/dev/null 2>&1; then
		pass "$what: the bytes are valid UTF-8 (no raw 0x9B, 0xFF, 0xC3, surrogate)"
	else
		fail "$what: the bytes are valid UTF-8 (no raw 0x9B, 0xFF, 0xC3, surrogate)"
	fi
	check_eq "$what: no C1 control (U+0080-U+009F)" "0" "$(c1_controls "$file")"
	n=$(LC_ALL=C grep -c -e "$(printf '\342\200\256')" -e "$(printf '\342\201\246')" "$file")
	check_eq "$what: no U+202E nor U+2066" "0" "$n"
	n=$(LC_ALL=C grep -c -e "pwned$(printf '\007')" -e "A$(printf '\033')" -e "cHduZWQ=$(printf '\007')" "$file")
	check_eq "$what: none of the data's sequences as they were" "0" "$n"
}

# The screen: 24 rows of at most 80 cells, the frame in its place.
check_layout() {
	local what=$1 file=$2 status=$3 keybar=$4 rows wide
	rows=$(wc -l <"$file" | tr -d ' ')
	check_eq "$what: 24 rows" "24" "$rows"
	wide=$(LC_ALL=C.UTF-8 awk '{ print }' "$file" | LC_ALL=C.UTF-8 wc -L | tr -d ' ')
	check_true "$what: no row wider than 80 cells ($wide)" "${wide:-999}" -le 80
	check_match "$what: the title bar on row 1" '^sitemark \| ' "$(sed -n 1p "$file")"
	check_match "$what: the status line on row 23" "$status" "$(sed -n 23p "$file")"
	check_eq "$what: the key bar on row 24" "$keybar" "$(sed -n 24p "$file")"
}

# shot LANG LOGIN NAME KEYS...: run the keys (one script line each, then a
# :dump) with --script-output; the screen is $T/NAME.txt, the bytes $T/NAME.bin.
shot() {
	local lang=$1 login=$2 name=$3 lc
	shift 3
	printf '%s\n' "$@" ":dump $T/$name.txt" >"$T/$name.keys"
	rm -rf "$HOME"
	mkdir -p "$HOME"
	if [ "$lang" = zh ]; then
		lc="LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN"
	else
		lc="LANG=$LANG LC_ALL=$LANG LANGUAGE=en"
	fi
	# shellcheck disable=SC2086
	run env $lc timeout 60 "$SITEMARK" --db "$DB" --as "$login" --script "$T/$name.keys" \
	    --script-output "$T/$name.bin"
	check_eq "$name: the console ran to the end of its script (exit 0)" "0" "$RC"
	check_true "$name: the screen was written" -s "$T/$name.txt"
}

# ---------------------------------------------------------------- English

echo "# the office's queue and the case pager"
# case 13 waits for its paper: the key bars offer only what the rules allow there
KB_OFFICE="1Help 4Paper OK 5Paper bad 7Sort 8Filter 9Refresh 10Quit"
KB_CASE="1Help 4Paper OK 5Paper bad 7Print letter 8Print form 9Refresh 10Quit"
shot en fz-review queue 2
check_bytes "queue" "$T/queue.bin"
check_layout "queue" "$T/queue.txt" '^Paper confirmation  \|  1/[0-9]+' "$KB_OFFICE"
check_match "queue: the unit's name neutralised in its cell" '^[ >]13 .*福州\^\[\[2JA\^\[' "$(sed -n 3p "$T/queue.txt")"
check_match "queue: the reviewer's name neutralised in the title" '^sitemark \| .*福州\^\[\[2J' "$(sed -n 1p "$T/queue.txt")"

shot en fz-review case 2 '<Enter>'
check_bytes "case pager" "$T/case.bin"
check_layout "case pager" "$T/case.txt" '^Case 13  \|  line 1/[0-9]+  \|  q back$' "$KB_CASE"
# the pager wraps long values: join the lines without their indentation
screen=$(sed -e ':a' -e 'N' -e '$!ba' -e 's/\n *//g' "$T/case.txt")
for form in '^[[2J' '^[]0;pwned^G' '^[]8;;http://evil.example/' '^[]52;c;cHduZWQ=^G' '\x9B31mE' \
    '<U+009B>32mF' '^MG^H^HH' '<U+202E>I' '<U+2066>J' '\xFFK' '\xC3L' '\xED\xA0\x80市'; do
	if grep -Fq -- "$form" <<<"$screen"; then
		pass "case pager: shows $form"
	else
		fail "case pager: shows $form" "$screen"
	fi
done

shot en fz-review case-values 2 '<Enter>' '/Website name<Enter>'
check_bytes "case pager, the values" "$T/case-values.bin"
check_layout "case pager, the values" "$T/case-values.txt" '^Case 13  \|  line [0-9]+/[0-9]+  \|  q back$' "$KB_CASE"
check_match "case pager: the website name from the values, neutralised" \
    'Website name +福州\^\[\[2J\^\[\]0;pwned\^G' "$(cat "$T/case-values.txt")"

shot en fz-review case-end 2 '<Enter>' '<End>'
check_bytes "case pager, end" "$T/case-end.bin"
check_layout "case pager, end" "$T/case-end.txt" '^Case 13  \|  line [0-9]+/[0-9]+  \|  q back$' "$KB_CASE"
check_match "case pager, end: the history's reason neutralised" '\^\[\]0;pwned' "$(cat "$T/case-end.txt")"

shot en fz-review case-long 2 '<Enter>' '/xxxxxxxxxx<Enter>'
check_bytes "case pager, in the 10,000-character value" "$T/case-long.bin"
check_layout "case pager, in the 10,000-character value" "$T/case-long.txt" \
    '^Case 13  \|  line [0-9]+/[0-9]+  \|  q back$' "$KB_CASE"

echo "# the unit's own screens"
KB_UNIT="1Help 3Edit 9Refresh 10Quit"
shot en fz-gov unit 1
check_bytes "unit information" "$T/unit.bin"
check_layout "unit information" "$T/unit.txt" '^Unit information  \|  line 1/[0-9]+  \|  q back$' "$KB_UNIT"
check_match "unit information: the name from the values, neutralised" '福州\^\[\[2J\^\[\]0;pwned' \
    "$(cat "$T/unit.txt")"
shot en fz-gov unit-end 1 '<End>'
check_bytes "unit information, end" "$T/unit-end.bin"
check_layout "unit information, end" "$T/unit-end.txt" '^Unit information  \|  line [0-9]+/[0-9]+  \|  q back$' \
    "$KB_UNIT"
shot en fz-gov progress 5
check_bytes "the unit's queue" "$T/progress.bin"
check_layout "the unit's queue" "$T/progress.txt" '^Application progress  \|' \
    "1Help 7Sort 8Filter 9Refresh 10Quit"   # the newest case is closed: nothing to do on it

echo "# customer service searches, the administrator lists users"
# The demo has many units in Fuzhou: the filter keeps the hostile ones.
shot en kf-zhao search 1 '/福州<Enter>' '<F8>2JA<Enter>'
check_bytes "search results" "$T/search.bin"
check_layout "search results" "$T/search.txt" '^Search units and cases  \|  1/[0-9]+' \
    "1Help 2Note 3Search 7Sort 8Filter 9Refresh 10Quit"
check_match "search results: the hostile unit is found" '福州\^\[\[2JA\^\[' "$(cat "$T/search.txt")"
shot en kf-zhao search-case 1 '/福州<Enter>' '<F8>2JA<Enter>' '<Enter>'
check_bytes "case pager (service)" "$T/search-case.bin"
check_layout "case pager (service)" "$T/search-case.txt" '^Case (2|13)  \|' "1Help 2Note 7Unmask 9Refresh 10Quit"
shot en admin users 1 '/fz-gov<Enter>'
check_bytes "users" "$T/users.bin"
check_layout "users" "$T/users.txt" '^Users  \|  [0-9]+/' \
    "1Help 2Add 3Edit 4Disable 7Sort 8Filter 9Refresh 10Quit"
check_match "users: the hostile name neutralised" 'fz-gov .*福州\^\[\[2J' "$(cat "$T/users.txt")"

echo "# a filter and a sort over the hostile rows"
shot en fz-review filter 3 '<F8>福州<Enter>' 'S'
check_bytes "filtered, sorted queue" "$T/filter.bin"
# the key bar offers what the rules allow on the case under the cursor
cur=$(sed -n 's/^>\([0-9][0-9]*\) .*/\1/p' "$T/filter.txt")
check_layout "filtered, sorted queue" "$T/filter.txt" '^Cases handled  \|  1/[0-9]+  \[filter: 福州' \
    "$(expected_keybar office "$(sm --as fz-review --json case show "$cur" | jq -r '.actions | join(" ")')" list)"

# ---------------------------------------------------------------- Chinese

if have_zh_locale && [ -f "$SITEMARK_LOCALEDIR/zh_CN/LC_MESSAGES/sitemark.mo" ]; then
	echo "# the same in Chinese"
	shot zh fz-review zh-queue 2
	check_bytes "queue (zh)" "$T/zh-queue.bin"
	check_layout "queue (zh)" "$T/zh-queue.txt" '^纸质材料确认  \|  1/[0-9]+' \
	    "1帮助 4材料齐 5材料退 7排序 8过滤 9刷新 10退出"
	shot zh fz-review zh-case 2 '<Enter>'
	check_bytes "case pager (zh)" "$T/zh-case.bin"
	check_layout "case pager (zh)" "$T/zh-case.txt" '^申请 13  \|' \
	    "1帮助 4材料齐 5材料退 7打印申请函 8打印申请表 9刷新 10退出"
	check_match "case pager (zh): the neutralised forms" '\^\[\]0;pwned\^GB' "$(sed -e ':a' -e 'N' -e '$!ba' -e 's/\n *//g' "$T/zh-case.txt")"
else
	echo "# SKIP the Chinese screens: no zh_CN.UTF-8 locale or no catalogue"
fi

finish
