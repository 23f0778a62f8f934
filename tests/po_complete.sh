#!/bin/sh
# Every string a user sees has its Chinese: the forms' labels are extracted
# (po/forms-strings.c is up to date), every msgid of the sources is in
# po/zh_CN.po, and none is untranslated or fuzzy.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

for tool in xgettext msgcmp msgfmt; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool is missing"; exit 77; }
done

SITEMARK_DATADIR=$top_srcdir "$top_builddir/sitemark" forms strings > "$tmp/forms-strings.c" 2>"$tmp/err" ||
	bad "sitemark forms strings failed: $(cat "$tmp/err")"
if cmp -s "$tmp/forms-strings.c" "$top_srcdir/po/forms-strings.c"; then
	ok "po/forms-strings.c matches forms/*.yaml"
else
	bad "po/forms-strings.c is out of date: run 'make update-po' and translate"
fi

(cd "$top_srcdir" && grep -v '^#' po/POTFILES.in | grep . > "$tmp/files" &&
	xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --no-location -o "$tmp/all.pot" -f "$tmp/files") ||
	bad "xgettext failed"
if msgcmp "$top_srcdir/po/zh_CN.po" "$tmp/all.pot" 2>"$tmp/cmp"; then
	ok "every msgid of the sources is in po/zh_CN.po"
else
	bad "msgids missing from po/zh_CN.po (run 'make update-po'):"
	head -20 "$tmp/cmp"
fi

stats=$(msgfmt -c --statistics -o /dev/null "$top_srcdir/po/zh_CN.po" 2>&1)
case "$stats" in
*untranslated*|*fuzzy*|*error*) bad "po/zh_CN.po is incomplete: $stats" ;;
*) ok "po/zh_CN.po: $stats" ;;
esac

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
