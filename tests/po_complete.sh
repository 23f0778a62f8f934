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

# The build checks the catalogue (Makefile.am: CHECKED_PO): its rule, run on
# a copy with an extra %s, fails and leaves no stamp; on a good copy it passes.
if [ -f "$top_builddir/Makefile" ] && command -v "${MAKE:-make}" >/dev/null 2>&1; then
	sed 's/^msgstr "申请 %lld 不存在"$/msgstr "申请 %lld 不存在%s"/' \
	    "$top_srcdir/po/zh_CN.po" > "$tmp/bad.po"
	cp "$top_srcdir/po/zh_CN.po" "$tmp/good.po"
	if cmp -s "$tmp/bad.po" "$tmp/good.po"; then
		bad "the broken copy differs from po/zh_CN.po (its message moved?)"
	elif (unset MAKEFLAGS MFLAGS; ${MAKE:-make} -s -C "$top_builddir" CHECKED_PO="$tmp/bad.po" \
	    CHECKED_PO_STAMP="$tmp/bad.checked" "$tmp/bad.checked") >"$tmp/make" 2>&1 ||
	    [ -e "$tmp/bad.checked" ]; then
		bad "the build takes a catalogue with an extra %s: $(head -c 500 "$tmp/make")"
	elif ! grep -q "format specifications" "$tmp/make"; then
		bad "the build fails on the broken catalogue, but not for its format: $(head -c 500 "$tmp/make")"
	else
		ok "the build refuses a catalogue with an extra %s"
	fi
	if (unset MAKEFLAGS MFLAGS; ${MAKE:-make} -s -C "$top_builddir" CHECKED_PO="$tmp/good.po" \
	    CHECKED_PO_STAMP="$tmp/good.checked" "$tmp/good.checked") >"$tmp/make" 2>&1 &&
	    [ -e "$tmp/good.checked" ]; then
		ok "the build takes po/zh_CN.po"
	else
		bad "the build's catalogue check fails on po/zh_CN.po: $(head -c 500 "$tmp/make")"
	fi
else
	echo "skip: no Makefile in $top_builddir: the build's catalogue check is not tried"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
