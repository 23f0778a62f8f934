#!/usr/bin/env bash
# invisible.sh - invisible and controlling characters from data (issue 7).
#
# A unit's name (its column and its values) holds, each between letters,
# the line and paragraph separators U+2028 and U+2029, the soft hyphen
# U+00AD, tag characters (U+E0001, U+E0041, U+E007F), the zero-width
# characters U+200B-U+200D, U+2060 and U+FEFF and the bidi controls
# U+202A-U+202E, U+2066-U+2069, U+061C, U+200E and U+200F, written straight
# into the database (the forms refuse such input).  Each comes out as a
# visible escape and never raw:
#   - `case show` (text): <U+2028>, as the console;
#   - `case show --json`: \u2028 (a surrogate pair above U+FFFF), and jq
#     reads the name back as it is stored;
#   - the console's case pager (script mode, :dump): <U+2028>.

. "$(dirname "$0")/lib.sh"

NOW=2026-11-20T10:00:00+08:00
export SITEMARK_NOW=$NOW TERM=xterm LINES=24 COLUMNS=80
unset NO_COLOR XDG_STATE_HOME

CPS="2028 2029 00AD E0001 E0041 E007F 200B 200C 200D 2060 FEFF 202A 202B 202C 202D 202E
    2066 2067 2068 2069 061C 200E 200F"

sm init --demo >/dev/null || die "init --demo"

# '福州' || char(0x2028) || 'A' || char(0x2029) || 'B' ...
expr="'福州'"
letter=65
for cp in $CPS; do
	expr="$expr || char($((16#$cp))) || char($letter)"
	letter=$((letter + 1))
done
# Unit 2 (fz-gov) and its site case 13 (paper pending at fz-review's office).
q "UPDATE units SET name = $expr, \"values\" = json_set(\"values\", '\$.name', $expr) WHERE id = 2" ||
    die "writing the name into the database"
stored=$(q "SELECT name FROM units WHERE id = 2")
check_true "the database holds the name with its 23 characters" "${#stored}" -gt 40

# The raw UTF-8 of code point HEX.
raw() {
	sqlite3 :memory: "SELECT char($((16#$1)))"
}

# check_escaped WHAT FILE FORM: FILE has none of the characters raw and
# each of them in FORM (printf format of the code point, e.g. '<U+%s>').
check_escaped() {
	local what=$1 file=$2 cp r want miss=""
	for cp in $CPS; do
		r=$(raw "$cp")
		if LC_ALL=C grep -qF -- "$r" "$file"; then
			miss="$miss raw:U+$cp"
		fi
		if [ "$3" = json ]; then
			if [ $((16#$cp)) -gt 65535 ]; then
				want=$(printf '\\u%04X\\u%04X' $((0xD800 + ((16#$cp - 0x10000) >> 10))) \
				    $((0xDC00 + ((16#$cp - 0x10000) & 0x3FF))))
			else
				want="\\u$cp"
			fi
		else
			want="<U+$cp>"
		fi
		LC_ALL=C grep -qF -- "$want" "$file" || miss="$miss missing:$want"
	done
	check_eq "$what: every character escaped, none raw" "" "$miss"
}

echo "# the command line's text"
run sm --as fz-review case show 13
check_eq "case show exits 0" "0" "$RC"
printf '%s\n' "$OUT" >"$T/show.txt"
check_escaped "case show" "$T/show.txt" text
check_match "case show: the unit's line" \
    'Unit +福州<U\+2028>A<U\+2029>B<U\+00AD>C<U\+E0001>D' "$OUT"
check_eq "case show: no control byte" "0" "$(control_bytes "$T/show.txt")"

echo "# JSON"
run sm --as fz-review --json case show 13
check_eq "case show --json exits 0" "0" "$RC"
printf '%s\n' "$OUT" >"$T/show.json"
check_escaped "case show --json" "$T/show.json" json
check_eq "case show --json: jq reads the name back as stored" "$stored" \
    "$(jq -r .unit_name "$T/show.json")"
check_eq "case show --json: and the values' name" "$stored" \
    "$(jq -r .unit_values.name "$T/show.json")"
run sm --as fz-review --json case list
check_eq "case list --json exits 0" "0" "$RC"
printf '%s\n' "$OUT" >"$T/list.json"
for cp in $CPS; do
	r=$(raw "$cp")
	if LC_ALL=C grep -qF -- "$r" "$T/list.json"; then
		fail "case list --json: no raw U+$cp"
	fi
done
pass "case list --json: none of them raw"

echo "# the console"
printf '%s\n' 2 '<Enter>' ":dump $T/case.txt" >"$T/case.keys"
rm -rf "$HOME"
mkdir -p "$HOME"
run env LANG="$LANG" LC_ALL="$LANG" LANGUAGE=en timeout 60 "$SITEMARK" --db "$DB" --as fz-review \
    --script "$T/case.keys" --script-output "$T/case.bin"
check_eq "the console ran to the end of its script (exit 0)" "0" "$RC"
check_true "the screen was written" -s "$T/case.txt"
# the pager wraps long values: join the lines without their indentation
sed -e ':a' -e 'N' -e '$!ba' -e 's/\n *//g' "$T/case.txt" >"$T/case-joined.txt"
check_escaped "console, case pager" "$T/case-joined.txt" text
miss=""
for cp in $CPS; do
	r=$(raw "$cp")
	if LC_ALL=C grep -qF -- "$r" "$T/case.bin"; then
		miss="$miss U+$cp"
	fi
done
check_eq "console: none of them raw in the bytes sent to the terminal" "" "$miss"

echo "# a text of several lines stays in its column of case show"
fake='2026-02-16T10:00:00+08:00  fz-review  Confirm paper  Paper pending -> Mark issued'
expect_ok "a reason of two lines is taken" sm --as fz-review case act 13 reject-paper \
    --reason "$(printf '缺少公章。\n  %s' "$fake")"
q "UPDATE cases SET \"values\" = json_set(\"values\", '\$.intro', '本站介绍。' || char(10) || 'History:') WHERE id = 13" ||
    die "writing an intro of two lines"
expect_ok "case show" sm --as fz-review case show 13
check_nomatch "the reason's second line is no row of the history" \
    "^  2026-02-16T10:00:00\+08:00  fz-review  Confirm paper" "$OUT"
check_match "it is under the reason, deeper than the rows" \
    "^        2026-02-16T10:00:00\+08:00  fz-review  Confirm paper" "$OUT"
check_eq "a value's second line is no heading: one History: at a line's start" "1" \
    "$(printf '%s\n' "$OUT" | grep -c '^History:')"
check_match "it is in the values' column" "^ {21}History:$" "$OUT"

finish
