#!/usr/bin/env bash
# manuals.sh - the manuals (issue 11, point 4): every doc/*.[1-8] renders
# with man and groff without a warning; sitemark.yaml(5) has an entry for
# every key of sm_config.c's table, sitemark(1) one for every command of
# cli_commands[] (src/cli/main.c), sitemark-forms(5) one for every key,
# type and validator the form loader knows (sm_form.c, sm_validate.c); the
# pages' examples load and work.  The lists are read from the sources, so a
# key or command added without its manual entry fails here; the checks are
# first tried on pages with an entry removed, which must fail.
. "$(dirname "$0")/lib.sh"

command -v man >/dev/null 2>&1 || skip "man is not installed (man-db)"
command -v groff >/dev/null 2>&1 || skip "groff is not installed (groff-base)"
command -v preconv >/dev/null 2>&1 || skip "preconv is not installed (groff-base)"
man --help 2>&1 | grep -q -- --warnings || skip "man is not man-db's (no --warnings)"

DOC="$top_srcdir/doc"
SRC="$top_srcdir/src"

# ---------------------------------------------------------------- rendering

# The pages are UTF-8 (Chinese terms): groff reads them through preconv
# (-k), as man does.  Any line on standard error is a warning.
n_pages=0
for page in "$DOC"/*.[1-8]; do
	name=$(basename "$page")
	n_pages=$((n_pages + 1))
	run env LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$page"
	check_eq "man -l $name: exit status" 0 "$RC"
	check_eq "man -l $name: no warning" "" "$ERR"
	check_true "man -l $name: renders" -n "$OUT"
	run groff -k -ww -man -Tutf8 "$page"
	check_eq "groff -ww $name: exit status" 0 "$RC"
	check_eq "groff -ww $name: no warning" "" "$ERR"
done
check_true "pages found in doc/" "$n_pages" -ge 3

# ---------------------------------------------------------------- what the sources know

# The keys of sm_config.c's table: { "name", K_..., ... }.
sed -n '/^static const struct key keys\[\] = {/,/^};/p' "$SRC/core/sm_config.c" |
	sed -n 's/^[[:space:]]*{ *"\([a-z_.]*\)",.*/\1/p' > "$T/config-keys"
echo keys >> "$T/config-keys" # the console's bindings, read apart from the table
check_true "config keys read from sm_config.c" "$(wc -l < "$T/config-keys")" -ge 20

# The commands of cli_commands[]: {"word1", "word2" or NULL, ...}.
sed -n '/^const cli_command cli_commands\[\] = {/,/^};/p' "$SRC/cli/main.c" |
	sed -n 's/^[[:space:]]*{"\([a-z-]*\)", *\(NULL\|"\([a-z-]*\)"\),.*/\1 \3/p' |
	sed 's/ *$//' > "$T/commands"
check_true "commands read from main.c" "$(wc -l < "$T/commands")" -ge 30

# The form loader's keys: the form's (sm_form_load), each field's
# (field_keys[]), the types (type_names[]) and the validators
# (validator_names[] of sm_validate.c, and "division").
{
	sed -n '/^sm_form_load(/,/^}/p' "$SRC/core/sm_form.c" |
		grep -o 'strcmp(k, "[a-z_]*")' | sed 's/.*"\(.*\)".*/\1/'
	sed -n '/^static const char \*const field_keys\[\] = {/,/};/p' "$SRC/core/sm_form.c" |
		grep -o '"[a-z_]*"' | tr -d '"'
	sed -n '/^static const char \*const type_names\[\] = {/,/};/p' "$SRC/core/sm_form.c" |
		grep -o '= "[a-z_]*"' | sed 's/= "\(.*\)"/\1/'
	sed -n '/^static const char \*const validator_names\[\] = {/,/};/p' "$SRC/core/sm_validate.c" |
		grep -o '"[a-z_]*"' | tr -d '"'
	echo division
} | sort -u > "$T/form-words"
check_true "form keys read from sm_form.c" "$(wc -l < "$T/form-words")" -ge 40
for w in form title help fields id type required_when not_future longtext group uscc registry_domain; do
	check_true "the form words include $w" -n "$(grep -x "$w" "$T/form-words")"
done

# ---------------------------------------------------------------- the pages' entries

# The words in bold of the tagged paragraphs' tags (the line after .TP),
# escapes undone, one a line: "office disable|enable CODE" gives "office
# disable" and "office enable", and every single word too.
entries() {
	awk '
		prev == ".TP" && /^\.B/ {
			line = $0
			sub(/^\.BR? */, "", line)
			gsub(/\\f[BIRP]/, "", line)
			gsub(/\\-/, "-", line)
			gsub(/"/, " ", line)
			gsub(/,/, " ", line)
			n = split(line, w, /[ \t]+/)
			for (i = 1; i <= n; i++) if (w[i] != "") {
				m = split(w[i], alt, /\|/)
				for (j = 1; j <= m; j++) print alt[j]
			}
			m = split(w[2], alt, /\|/)
			for (j = 1; j <= m; j++) {
				a = split(w[1], first, /\|/)
				for (k = 1; k <= a; k++) print first[k] " " alt[j]
			}
		}
		{ prev = $1 }
	' "$1" | sort -u
}

# missing LIST PAGE: the lines of LIST that are not an entry of PAGE.
missing() {
	entries "$2" > "$T/entries"
	grep -vxF -f "$T/entries" "$1" || true
}

check_eq "sitemark.yaml(5) has every configuration key" "" \
	"$(missing "$T/config-keys" "$DOC/sitemark.yaml.5")"
check_eq "sitemark(1) has every command" "" "$(missing "$T/commands" "$DOC/sitemark.1")"
check_eq "sitemark-forms(5) has every form key, type and validator" "" \
	"$(missing "$T/form-words" "$DOC/sitemark-forms.5")"

# The checks fail when an entry goes: remove one of each and look.
sed '/^\.BR auth\.max_failures /d' "$DOC/sitemark.yaml.5" > "$T/less.5"
check_eq "a page without auth.max_failures is caught" "auth.max_failures" \
	"$(missing "$T/config-keys" "$T/less.5")"
sed '/^\.B backup /d' "$DOC/sitemark.1" > "$T/less.1"
check_eq "a page without backup is caught" "backup" "$(missing "$T/commands" "$T/less.1")"
sed '/^\.B forms strings/d' "$DOC/sitemark.1" > "$T/less.1"
check_eq "a page without forms strings is caught" "forms strings" \
	"$(missing "$T/commands" "$T/less.1")"
sed '/^\.B not_future/d' "$DOC/sitemark-forms.5" > "$T/less.5"
check_eq "a page without not_future is caught" "not_future" \
	"$(missing "$T/form-words" "$T/less.5")"
printf 'keys\nsms.retry\n' > "$T/more-keys"
check_eq "a key the page lacks is caught" "sms.retry" "$(missing "$T/more-keys" "$DOC/sitemark.yaml.5")"

# ---------------------------------------------------------------- the examples

# example PAGE NAME: the .nf block after the comment "example-... NAME".
example() {
	awk -v name="$2" '
		$0 ~ ("example-[a-z]* " name "$") { m = 1; next }
		m && /^\.nf/ { p = 1; next }
		p && /^\.fi/ { exit }
		p { print }
	' "$1" | sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g"
}

mkdir -p "$T/forms"
cp "$top_srcdir"/forms/*.yaml "$T/forms/"
example "$DOC/sitemark-forms.5" reject.yaml > "$T/forms/reject.yaml"
example "$DOC/sitemark-forms.5" rename.yaml > "$T/rename.yaml"
check_match "the reject example is a form" '^form: reject$' "$(cat "$T/forms/reject.yaml")"
run "$SITEMARK" forms check "$T/forms/reject.yaml" "$T/rename.yaml"
check_eq "sitemark-forms(5)'s example forms are valid: $ERR" 0 "$RC"

# The configuration example loads without a warning; with it, and the
# province's reject form, a CONAC reviewer returns a case with the new
# fields, which are kept normalised.
example "$DOC/sitemark.yaml.5" sitemark.yaml > "$T/sitemark.yaml"
check_match "the configuration example is there" '^database:' "$(cat "$T/sitemark.yaml")"
printf 'forms: %s\n' "$T/forms" >> "$T/sitemark.yaml"
export SITEMARK_NOW=2026-11-20T10:00:00+08:00
run sm --config "$T/sitemark.yaml" init --demo
check_eq "init --demo with the example configuration: $ERR" 0 "$RC"
check_eq "the example configuration: no warning" "" "$(printf '%s\n' "$ERR" | grep -v 'first system administrator' || true)"
awk '/example-values reject-values.yaml/ { m = 1; next }
	m && /^\$ cat/ { p = 1; next } p && /^\$ / { exit } p { print }' "$DOC/sitemark-forms.5" |
	sed 's/\\-/-/g' > "$T/reject-values.yaml"
id=$(sm --config "$T/sitemark.yaml" --as conac-wang --json case list --state conac_review | jq -r '.[0].id')
check_match "a case in CONAC review" '^[0-9]+$' "$id"
run sm --config "$T/sitemark.yaml" --as conac-wang case act "$id" reject --values "$T/reject-values.yaml"
check_eq "reject with the province's form: $ERR" 0 "$RC"
run sm --config "$T/sitemark.yaml" --as conac-wang --json case show "$id"
check_eq "the new choice is kept" seal "$(printf '%s' "$OUT" | jq -r '.history[-1].values.reason_code')"
check_eq "the new date is kept as YYYY-MM-DD" 2026-03-09 \
	"$(printf '%s' "$OUT" | jq -r '.history[-1].values.answer_by')"

# ---------------------------------------------------------------- the example configuration, the Markdown

# sitemark.example.yaml says it has every key: each key's last part is set
# or shown commented out ("#  bind: ...") in its section
EX="$DOC/sitemark.example.yaml"
while read -r key; do
	[ "$key" = keys ] && continue
	leaf=${key##*.}
	check_true "sitemark.example.yaml shows $key" -n "$(grep -E "^ *#? *${leaf}:" "$EX")"
done < "$T/config-keys"
# and it loads as it stands, changing no default data file (copied as is
# into a configuration, it once sent every command to /usr/local)
run sm --config "$EX" --as nobody-at-all case list
check_nomatch "the example configuration keeps the data files' defaults" "cannot open" "$ERR"
# every Markdown code block is closed (an odd fence made the rest of the
# README code)
for md in "$top_srcdir/README.md" "$top_srcdir/HACKING.md" "$DOC"/*.md; do
	n=$(grep -c '^ *```' "$md" || true)
	check_eq "$(basename "$md"): its code fences pair up" 0 "$((n % 2))"
done

# ---------------------------------------------------------------- installed

# dist_man_MANS, its continuation lines joined
mans=$(awk '/^dist_man_MANS *=/ { on = 1 } on { line = line " " $0; if (!/\\$/) exit }
	END { gsub(/\\/, " ", line); print line }' "$top_srcdir/Makefile.am")
for page in "$DOC"/*.[1-8]; do
	name=$(basename "$page")
	check_match "Makefile.am installs $name (dist_man_MANS)" " doc/$name( |$)" "$mans"
done

finish
