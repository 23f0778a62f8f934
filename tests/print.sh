#!/usr/bin/env bash
# print.sh - sitemark print (issue 8, point 1): the letter and the form as
# PDF and as text, in Chinese.
#
# pdftotext shows every field of the case, its unit and its handler in the
# PDF; pdffonts shows the Chinese fonts embedded as subsets; the words stand
# inside GB/T 9704's type area (28 mm and 37 mm in, 156 x 225 mm), at most
# 22 lines of at most 28 characters of body text a page; page 1 of each
# goes to PNG (pdftoppm) in tests/tmp/print/ to be looked at.  --copies;
# a printer through a fake lp (first on PATH): its arguments, and a printer
# that refuses the job (a clear message, the PDF kept); who may print; the
# audit record; a unit name with escape sequences shows as visible escapes.

. "$(dirname "$0")/lib.sh"

need_zh
for tool in pdftotext pdffonts pdftoppm pdfinfo jq sqlite3 python3; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool is missing (poppler-utils, jq, sqlite3, python3)"
done

export LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN
export SITEMARK_NOW=2026-11-20T10:00:00+08:00
OUTDIR="$top_builddir/tests/tmp/print"
rm -rf "$OUTDIR"
mkdir -p "$OUTDIR"

run sm init --demo
check_eq "init --demo" 0 "$RC"

# A website case waiting for its paper, its unit's operator and its office's reviewer.
CASE=$(sqlite3 "$DB" "SELECT id FROM cases WHERE kind = 'site' AND state = 'paper_pending' ORDER BY id LIMIT 1")
UNIT=$(sqlite3 "$DB" "SELECT login FROM users WHERE role = 'unit' AND unit = (SELECT unit FROM cases WHERE id = $CASE) LIMIT 1")
OFFICE=$(sqlite3 "$DB" "SELECT login FROM users WHERE role = 'office' AND office = (SELECT office FROM cases WHERE id = $CASE) LIMIT 1")
check_true "a paper_pending website case, its unit and its office" -n "$CASE" -a -n "$UNIT" -a -n "$OFFICE"

# flat TEXT: no white space, so that values wrapped over lines still match
flat() { tr -d ' \n\t\f\r' <"$1" | sed 's/　//g'; }
flat_text() { printf '%s' "$1" | tr -d ' \n\t\f\r' | sed 's/　//g'; }

# ---------------------------------------------------------------- the PDFs

run sm --as "$UNIT" print "$CASE" letter --out "$OUTDIR/letter.pdf"
check_eq "the unit prints the letter" 0 "$RC"
check_match "it says where the file is" "letter.pdf" "$OUT"
run sm --as "$UNIT" print "$CASE" form --out "$OUTDIR/form.pdf"
check_eq "the unit prints the form" 0 "$RC"
pdftotext "$OUTDIR/letter.pdf" "$T/letter.txt"
pdftotext "$OUTDIR/form.pdf" "$T/form.txt"
flat "$T/letter.txt" >"$T/letter.flat"
flat "$T/form.txt" >"$T/form.flat"

check_match "the letter's title" "关于申请对网站开办审核和资格复核的函" "$(cat "$T/letter.flat")"
check_match "the form's title" "党政机关网站开办审核和资格复核申请表" "$(cat "$T/form.flat")"
office_name=$(sqlite3 "$DB" "SELECT name FROM offices WHERE code = (SELECT office FROM cases WHERE id = $CASE)")
check_match "the letter is addressed to the unit's office" "的函$(flat_text "$office_name")：" "$(cat "$T/letter.flat")"
check_match "the letter: the seal, the date" "（盖章）.*2026年11月20日" "$(cat "$T/letter.flat")"

# Every value of the case, the unit (contact, handler) in the form; choices
# as their labels.
missing=
while IFS= read -r v; do
	[ -n "$v" ] || continue
	grep -qF -- "$(flat_text "$v")" "$T/form.flat" || missing="$missing [$v]"
done < <(sqlite3 "$DB" "SELECT \"values\" FROM cases WHERE id = $CASE" |
	jq -r 'del(.purpose, .hosting) | .. | strings'
	sqlite3 "$DB" "SELECT \"values\" FROM units WHERE id = (SELECT unit FROM cases WHERE id = $CASE)" |
	jq -r 'del(.type, .affiliation) | .. | strings')
check_eq "every field of the case and the unit is in the form" "" "$missing"
for label in 新开办网站申请 自建网站 党政机关 经办人 身份证号 统一社会信用代码 申请单位意见 机构编制部门审核意见; do
	grep -qF "$label" "$T/form.flat" || missing="$missing [$label]"
done
check_eq "the form's labels and boxes (translated)" "" "$missing"
# the letter names the unit, the site, the domain, the contact and the handler
for path in .site_name .domain; do
	v=$(sqlite3 "$DB" "SELECT \"values\" FROM cases WHERE id = $CASE" | jq -r "$path")
	grep -qF -- "$(flat_text "$v")" "$T/letter.flat" || missing="$missing [$v]"
done
for path in .name .contact.name .contact.phone .handler.name .handler.mobile; do
	v=$(sqlite3 "$DB" "SELECT \"values\" FROM units WHERE id = (SELECT unit FROM cases WHERE id = $CASE)" | jq -r "$path")
	grep -qF -- "$(flat_text "$v")" "$T/letter.flat" || missing="$missing [$v]"
done
check_eq "the letter's fields" "" "$missing"

for doc in letter form; do
	fonts=$(pdffonts "$OUTDIR/$doc.pdf")
	check_match "$doc: the title font embedded as a subset" \
	    "[A-Z]{6}\+NotoSerifCJKsc-Bold .* yes +yes +yes" "$fonts"
	check_match "$doc: the body font (FandolFang where installed, else Noto Serif CJK SC) embedded as a subset" \
	    "[A-Z]{6}\+(FandolFang-Regular|NotoSerifCJKsc-Regular) .* yes +yes +yes" "$fonts"
	check_nomatch "$doc: no font left out" " no +(yes|no) +(yes|no) " "$(echo "$fonts" | tail -n +3)"
	check_match "$doc: A4" "595.2[0-9]* x 841.8[0-9]* pts \(A4\)" "$(pdfinfo "$OUTDIR/$doc.pdf")"
	# page 1 as an image, to be looked at
	pdftoppm -r 72 -png -f 1 -l 1 "$OUTDIR/$doc.pdf" "$OUTDIR/$doc-page"
	check_true "$doc: page 1 as PNG" -s "$OUTDIR/$doc-page-1.png"
	# GB/T 9704: the type area and its grid
	pdftotext -bbox-layout "$OUTDIR/$doc.pdf" "$T/$doc.html"
	layout=$(python3 - "$T/$doc.html" <<'EOF' || echo "the layout check could not run"
import re, sys, unicodedata
mm = 72 / 25.4
def full(t):  # a line of full-width characters only: how many (else 0)
    return len(t) if all(unicodedata.east_asian_width(c) in 'WFA' for c in t) else 0
left, top, width, height = 28 * mm, 37 * mm, 156 * mm, 225 * mm
bad = []
pages = re.findall(r'<page.*?</page>', open(sys.argv[1], encoding='utf-8').read(), re.S)
if not pages:
    bad.append('no page in the layout')
for p, page in enumerate(pages, 1):
    rows = set()
    for line in re.findall(r'<line (.*?)</line>', page, re.S):
        box = dict((k, float(v)) for k, v in re.findall(r'(\w+)="([\d.]+)"', line.split('>')[0]))
        words = re.findall(r'>([^<]*)</word>', line)
        text = ''.join(words)
        if re.fullmatch(r'—\d+—', text):   # the page number, 7 mm under the area
            if box['yMin'] < top + height + 7 * mm - 2:
                bad.append('p%d folio at %.1f' % (p, box['yMin']))
            continue
        if box['xMin'] < left - 1 or box['xMax'] > left + width + 1:
            bad.append('p%d x %.1f-%.1f: %s' % (p, box['xMin'], box['xMax'], text))
        if box['yMin'] < top - 1 or box['yMax'] > top + height + 1:
            bad.append('p%d y %.1f-%.1f: %s' % (p, box['yMin'], box['yMax'], text))
        height_pt = box['yMax'] - box['yMin']
        if height_pt < 20:   # body text (16 pt), not the title (22 pt)
            # 28 characters of 1 em fill the 156 mm
            if full(text) > 28:
                bad.append('p%d %d characters: %s' % (p, full(text), text))
            rows.add(round((box['yMin'] - top) / (height / 22)))
    if len(rows) > 22:
        bad.append('p%d: %d rows' % (p, len(rows)))
print('\n'.join(bad))
EOF
)
	check_eq "$doc: inside the type area, 22 rows of 28 characters" "" "$layout"
done
# the body lines are full: some line of the letter has 28 characters
full=$(python3 - "$T/letter.html" <<'EOF'
import re, sys, unicodedata
def full(t):
    return len(t) if all(unicodedata.east_asian_width(c) in 'WFA' for c in t) else 0
lines = [''.join(re.findall(r'>([^<]*)</word>', l)) for l in re.findall(r'<line .*?</line>', open(sys.argv[1], encoding='utf-8').read(), re.S)]
print(max(full(l) for l in lines))
EOF
)
check_eq "the letter's full lines of full-width characters hold 28" 28 "$full"

# ---------------------------------------------------------------- text, copies

run sm --as "$UNIT" print "$CASE" form --out "$OUTDIR/form.txt"
check_eq "the form as text" 0 "$RC"
check_true "the text is UTF-8" "$(iconv -f UTF-8 -t UTF-8 "$OUTDIR/form.txt" >/dev/null 2>&1 && echo 1 || echo 0)" = 1
flat "$OUTDIR/form.txt" >"$T/formtxt.flat"
missing=
while IFS= read -r v; do
	[ -n "$v" ] || continue
	grep -qF -- "$(flat_text "$v")" "$T/formtxt.flat" || missing="$missing [$v]"
done < <(sqlite3 "$DB" "SELECT \"values\" FROM cases WHERE id = $CASE" | jq -r 'del(.purpose, .hosting) | .. | strings')
check_eq "the text has every field of the case" "" "$missing"
check_match "the text has the same title" "党政机关网站开办审核和资格复核申请表" "$(cat "$T/formtxt.flat")"
run sm --as "$UNIT" print "$CASE" letter --out "$OUTDIR/letter.txt"
check_match "the letter as text" "关于申请对网站开办审核和资格复核的函.*（盖章）" "$(flat "$OUTDIR/letter.txt")"

# a file name that is not UTF-8 (GBK: 申请表): written, its audit record
# holding the bytes as \xNN
gbk_name=$(printf '\xc9\xea\xc7\xeb\xb1\xed.txt')
run sm --as "$UNIT" print "$CASE" form --out "$OUTDIR/$gbk_name"
check_eq "a GBK file name: printed" 0 "$RC"
check_true "the file is there" -s "$OUTDIR/$gbk_name"
check_match "its audit record names it with \\xNN" '\\xC9\\xEA|\\xc9\\xea' \
    "$(q "select \"values\" from audit where action = 'print' order by seq desc limit 1" | jq -r .file)"

# a character no installed font has (CJK Extension B, U+20000, in a unit's
# name): the PDF is made, and the user told it prints as a box
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list ':charset=20000' 2>/dev/null)" ]; then
	db_copy "$T/glyph.db" || die "a copy of the database"
	sqlite3 "$T/glyph.db" "UPDATE units SET name = name || '𠀀', \"values\" = json_set(\"values\", '\$.name', json_extract(\"values\", '\$.name') || '𠀀') WHERE id = (SELECT unit FROM cases WHERE id = $CASE)"
	run "$SITEMARK" --db "$T/glyph.db" --as "$UNIT" print "$CASE" form --out "$OUTDIR/glyph.pdf"
	check_eq "a character in no font: printed all the same" 0 "$RC"
	check_match "and said: one character prints as a box" \
	    "1 character of the document is in no installed font|文档中有 1 个字符在已安装的字体中都没有" "$ERR"
	run "$SITEMARK" --db "$T/glyph.db" --as "$UNIT" print "$CASE" form --copies 3 --out "$OUTDIR/glyph3.pdf"
	check_match "counted once whatever the copies" "1 character of the document|文档中有 1 个字符" "$ERR"
fi
run sm --as "$UNIT" print "$CASE" form --out "$OUTDIR/plain.pdf"
check_eq "a document with every character in a font: no word of boxes" "" "$ERR"

run sm --as "$UNIT" print "$CASE" form --copies 3 --out "$OUTDIR/form3.pdf"
check_eq "three copies of the form" 0 "$RC"
one=$(pdfinfo "$OUTDIR/form.pdf" | sed -n 's/^Pages: *//p')
three=$(pdfinfo "$OUTDIR/form3.pdf" | sed -n 's/^Pages: *//p')
check_eq "three copies: three times the pages" "$((one * 3))" "$three"
check_match "each copy marked" "第一联.*第二联.*第三联" "$(pdftotext "$OUTDIR/form3.pdf" - | tr -d '\n')"
check_eq "copy 2 starts on its page" "第二联" "$(pdftotext -f $((one + 1)) -l $((one + 1)) "$OUTDIR/form3.pdf" - | head -1)"
run sm --as "$UNIT" print "$CASE" form --copies 3 --out "$OUTDIR/form3.txt"
check_eq "three copies as text, form feeds between" 2 "$(tr -cd '\f' <"$OUTDIR/form3.txt" | wc -c)"
expect_usage "--copies 0" sm --as "$UNIT" print "$CASE" form --copies 0
expect_usage "--copies 11" sm --as "$UNIT" print "$CASE" form --copies 11
expect_usage "an unknown document" sm --as "$UNIT" print "$CASE" poster
run sm --as "$UNIT" print "$CASE" form --out "$T/form.doc"
check_eq "a file neither .pdf nor .txt" 2 "$RC"

# ---------------------------------------------------------------- where it goes

# Without --out, under print.directory (default ~/sitemark-print), never
# over an earlier print.
run sm --as "$UNIT" print "$CASE" letter
check_eq "saved under the directory" 0 "$RC"
check_true "~/sitemark-print/case-N-letter.pdf" -s "$HOME/sitemark-print/case-$CASE-letter.pdf"
check_match "it says where" "~/sitemark-print/case-$CASE-letter.pdf" "$OUT"
run sm --as "$UNIT" print "$CASE" letter
check_true "a second print beside it" -s "$HOME/sitemark-print/case-$CASE-letter-2.pdf"

# A printer: a fake lp first on PATH records what it was asked.
mkdir -p "$T/bin"
cat >"$T/bin/lp" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/lp.args"
[ -n "\${LP_REFUSE:-}" ] && { echo "lp: The printer or class does not exist." >&2; exit 1; }
echo "request id is \$2-1 (1 file(s))"
EOF
chmod +x "$T/bin/lp"
cat >"$T/print.yaml" <<EOF
print:
  printer: office-hp
  directory: $T/prints
EOF
run env PATH="$T/bin:$PATH" "$SITEMARK" --db "$DB" --config "$T/print.yaml" --as "$UNIT" print "$CASE" letter --copies 2
check_eq "the configured printer" 0 "$RC"
check_eq "lp -d PRINTER -n COPIES -t TITLE -- FILE" \
    "-d office-hp -n 2 -t sitemark case $CASE letter -- $T/prints/case-$CASE-letter.pdf" \
    "$(tr '\n' ' ' <"$T/lp.args" | sed 's/ $//')"
check_match "it says which printer" "office-hp" "$OUT"
run env PATH="$T/bin:$PATH" "$SITEMARK" --db "$DB" --as "$UNIT" print "$CASE" form --copies 3 --printer hall-2
check_eq "--printer NAME" 0 "$RC"
check_match "the form's copies are in the PDF (marked): lp -n 1" "^-d hall-2 -n 1 " "$(tr '\n' ' ' <"$T/lp.args")"
expect_usage "a printer's name that is an option" sm --as "$UNIT" print "$CASE" letter --printer -oraw
rm -f "$T/lp.args"
run env LP_REFUSE=1 PATH="$T/bin:$PATH" "$SITEMARK" --db "$DB" --as "$UNIT" print "$CASE" letter --printer nosuch
check_eq "a printer that refuses: exit 1" 1 "$RC"
check_match "a clear message: the printer, lp's words, the PDF kept" \
    "打印机 nosuch 未接受打印任务（lp: The printer or class does not exist.）；PDF 已保留在 ~/sitemark-print/case-$CASE-letter-3.pdf" "$ERR"
check_true "the PDF kept" -s "$HOME/sitemark-print/case-$CASE-letter-3.pdf"
check_match "the PDF kept is whole" "Pages: +[1-9]" "$(pdfinfo "$HOME/sitemark-print/case-$CASE-letter-3.pdf")"
# no lp at all
mkdir -p "$T/nolp"
for tool in sh env; do ln -sf "$(command -v $tool)" "$T/nolp/$tool"; done
run env PATH="$T/nolp" "$SITEMARK" --db "$DB" --as "$UNIT" print "$CASE" letter --printer office-hp
check_eq "no lp installed: exit 1" 1 "$RC"
check_match "no lp installed: said, the PDF kept" "lp: .*PDF 已保留在 ~/sitemark-print/case-$CASE-letter-4.pdf" "$ERR"

# The console: the unit's case, p (the letter), the configured printer,
# which refuses: the status line says so and where the PDF is kept.
printf '3\n<Enter>\np\n<Enter>\n<Enter>\n:dump %s\n' "$T/screen.txt" >"$T/script"
run env LP_REFUSE=1 PATH="$T/bin:$PATH" TERM=xterm LINES=24 COLUMNS=80 "$SITEMARK" --db "$DB" \
    --config "$T/print.yaml" --as "$UNIT" --script "$T/script" --script-output "$T/bytes"
check_eq "the console ran" 0 "$RC"
check_match "the console: the printer refused, the PDF kept" \
    "PDF 已保留在 $T/prints/case-$CASE-letter-2.pdf：打印机" \
    "$(tr -d '\n' <"$T/screen.txt")"
check_true "the console: the PDF kept" -s "$T/prints/case-$CASE-letter-2.pdf"

# ---------------------------------------------------------------- who may print

run sm --as "$OFFICE" print "$CASE" form --out "$T/office.pdf"
check_eq "the case's office prints it from its paper queue" 0 "$RC"
other_office=$(sqlite3 "$DB" "SELECT login FROM users WHERE role = 'office' AND office <> (SELECT office FROM cases WHERE id = $CASE) LIMIT 1")
other_unit=$(sqlite3 "$DB" "SELECT login FROM users WHERE role = 'unit' AND unit IS NOT NULL AND unit <> (SELECT unit FROM cases WHERE id = $CASE) LIMIT 1")
expect_refused "CONAC does not print" "只有申请单位" sm --as conac-li print "$CASE" letter --out "$T/x.pdf"
expect_refused "customer service does not print" "只有申请单位" sm --as kf-zhao print "$CASE" letter --out "$T/x.pdf"
expect_refused "the auditor does not print" "只有申请单位|不办理申请" sm --as auditor print "$CASE" form --out "$T/x.pdf"
expect_refused "another office does not print" "不属于您|不是您" sm --as "$other_office" print "$CASE" letter --out "$T/x.pdf"
expect_refused "another unit does not print" "其他单位|另一" sm --as "$other_unit" print "$CASE" letter --out "$T/x.pdf"
check_true "a refused print leaves no file" ! -e "$T/x.pdf"
early=$(sqlite3 "$DB" "SELECT id FROM cases WHERE kind = 'site' AND state IN ('office_review', 'conac_review', 'draft') AND unit = (SELECT unit FROM cases WHERE id = $CASE) LIMIT 1")
if [ -z "$early" ]; then
	early=$(sqlite3 "$DB" "SELECT id FROM cases WHERE kind = 'site' AND state = 'office_review' LIMIT 1")
	early_unit=$(sqlite3 "$DB" "SELECT login FROM users WHERE role = 'unit' AND unit = (SELECT unit FROM cases WHERE id = $early) LIMIT 1")
else
	early_unit=$UNIT
fi
expect_refused "before paper_pending: not even the unit" "纸质|paper" sm --as "$early_unit" print "$early" letter --out "$T/x.pdf"
issued=$(sqlite3 "$DB" "SELECT id FROM cases WHERE kind = 'site' AND state = 'mark_issued' LIMIT 1")
if [ -n "$issued" ]; then
	iu=$(sqlite3 "$DB" "SELECT login FROM users WHERE role = 'unit' AND unit = (SELECT unit FROM cases WHERE id = $issued) LIMIT 1")
	io=$(sqlite3 "$DB" "SELECT login FROM users WHERE role = 'office' AND office = (SELECT office FROM cases WHERE id = $issued) LIMIT 1")
	run sm --as "$iu" print "$issued" letter --out "$T/issued.pdf"
	check_eq "the unit prints after paper_pending too (mark_issued)" 0 "$RC"
	expect_refused "the office: only in its paper queue" "纸质材料确认队列" sm --as "$io" print "$issued" letter --out "$T/x.pdf"
fi
mark_case=$(sqlite3 "$DB" "SELECT id FROM cases WHERE kind = 'mark' AND state = 'mark_issued' LIMIT 1")
if [ -n "$mark_case" ]; then
	mu=$(sqlite3 "$DB" "SELECT login FROM users WHERE role = 'unit' AND unit = (SELECT unit FROM cases WHERE id = $mark_case) LIMIT 1")
	expect_refused "a mark case has no letter and form" "网站" sm --as "$mu" print "$mark_case" form --out "$T/x.pdf"
fi

# ---------------------------------------------------------------- the audit

audit=$(sm --as auditor --json audit show --case "$CASE" --action print)
check_match "every print audited: who, what, copies" \
    '"actor": "'"$UNIT"'"' "$audit"
check_eq "the three copies of the form, recorded" 1 \
    "$(echo "$audit" | jq '[.[] | select(.values.document == "form" and .values.copies == 3 and (.values.file // "" | endswith("form3.pdf")))] | length')"
check_eq "the printer, recorded" 1 \
    "$(echo "$audit" | jq '[.[] | select(.values.printer == "office-hp" and .values.copies == 2)] | length')"
check_eq "the office's print, recorded" 1 \
    "$(echo "$audit" | jq --arg o "$OFFICE" '[.[] | select(.actor == $o)] | length')"
check_eq "refused prints are not recorded" 0 \
    "$(echo "$audit" | jq '[.[] | select(.actor == "conac-li" or .actor == "kf-zhao")] | length')"

# ---------------------------------------------------------------- hostile data

# A unit name carrying escape sequences (written past the forms' checks):
# the documents show them as visible escapes, never the bytes.
sqlite3 "$DB" "UPDATE units SET name = '恶意' || char(27) || '[2J' || char(27) || ']0;owned' || char(7) || char(155) || '单位',
    \"values\" = json_set(\"values\", '\$.name', '恶意' || char(27) || '[2J' || char(27) || ']0;owned' || char(7) || char(155) || '单位')
    WHERE id = (SELECT unit FROM cases WHERE id = $CASE)"
run sm --as "$UNIT" print "$CASE" letter --out "$OUTDIR/hostile.pdf"
check_eq "a hostile unit name prints" 0 "$RC"
run sm --as "$UNIT" print "$CASE" form --out "$OUTDIR/hostile.txt"
pdftotext "$OUTDIR/hostile.pdf" "$T/hostile.txt"
for f in "$T/hostile.txt" "$OUTDIR/hostile.txt"; do
	check_match "$(basename "$f"): the escapes visible" '恶意\^\[\[2J\^\[\]0;owned\^G<U\+009B>单位' "$(cat "$f")"
	check_eq "$(basename "$f"): no control byte but line breaks and form feeds" 0 \
	    "$(LC_ALL=C tr -d '\n\f' <"$f" | LC_ALL=C tr -cd '\000-\037\177' | wc -c)"
	check_eq "$(basename "$f"): no C1 control" 0 "$(grep -ac $'\xc2\x9b' "$f")"
done
check_nomatch "the PDF's metadata neutralised too" $'\x1b' "$(pdfinfo "$OUTDIR/hostile.pdf")"
pdftoppm -r 72 -png -f 1 -l 1 "$OUTDIR/hostile.pdf" "$OUTDIR/hostile-page"

finish
