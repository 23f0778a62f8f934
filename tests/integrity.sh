#!/usr/bin/env bash
# integrity.sh - a record that cannot be quietly rewritten, and integrity on
# guard (issue 7, points 6 and 8):
#   - the audit chain's head is anchored outside the database (a file that
#     the configuration puts elsewhere; syslog off in the test): a tail
#     deleted with the sqlite3 shell verifies as a chain, but not against the
#     anchors; check and audit verify anchor what they verified, so a tail
#     deleted after a check is found by the next one;
#   - check (cron): integrity_check, the chain, the anchors; exit 0 or 1;
#     the system administrator or the auditor;
#   - a corrupt database (random bytes in the outbox's page, with dd) stops
#     taking writes once found, by an action or by check, for every process,
#     until check passes again;
#   - backup while another process writes: integrity_check ok, the chain
#     intact; restore into a new database gives the same case list.
# (A chain rewritten and hashed again is tested in tests/check_store.c,
# with the store's own hash function: test_anchor_rehash.)

. "$(dirname "$0")/lib.sh"

mkdir -p "$T/elsewhere"
ANCHORS="$T/elsewhere/anchors"
CFG="$T/sitemark.yaml"
cat >"$CFG" <<CONF
audit:
  anchors: $ANCHORS
  anchor_every: 5
  syslog: none
CONF
smc() { sm --config "$CFG" "$@"; }
SMC=(sm --config "$CFG")

smc init --demo >/dev/null || die "init --demo"
: >"$T/empty"

# ---------------------------------------------------------------- anchors
check_true "the demo's writes were anchored in the configured file" -s "$ANCHORS"
check_match "among them every 5 records" " every$" "$(cat "$ANCHORS")"
check_true "not beside the database" ! -e "$DB.anchors"
expect_ok "the auditor verifies the chain against the anchors" "${SMC[@]}" --as auditor audit verify
check_match "and says how many anchors agree" "anchors: [0-9]+ in .*elsewhere/anchors agree" "$OUT"
expect_ok "the system administrator runs the check" "${SMC[@]}" check
check_match "all well" "integrity check: ok" "$OUT"
check_match "all well, said" "all well" "$OUT"
expect_ok "so does the auditor" "${SMC[@]}" --as auditor check
run "${SMC[@]}" --as conac-li check
check_eq "a reviewer does not" "1" "$RC"
check_match "and is told who does" "system administrator or the audit administrator" "$ERR"
run "${SMC[@]}" --as auditor backup "$T/aud.db"
check_eq "the auditor takes no backup" "1" "$RC"
check_true "and none is written" ! -e "$T/aud.db"
HEAD=$(q "SELECT max(seq) FROM audit")
check_eq "the check anchored the head it verified" "$HEAD" "$(tail -n 1 "$ANCHORS" | cut -d' ' -f1)"

# ---------------------------------------------------------------- a deleted tail
cp "$DB" "$T/clean.db"
q "DELETE FROM audit WHERE seq > $((HEAD - 3))"
run "${SMC[@]}" --as auditor audit verify --anchors "$T/empty"
check_eq "without anchors the shortened chain still verifies (the hole)" "0" "$RC"
: >"$T/empty"
run "${SMC[@]}" --as auditor audit verify
check_eq "against the anchors it does not" "1" "$RC"
check_match "naming the first record deleted" "ends at record $((HEAD - 3)).*records from $((HEAD - 2)) on were deleted" "$ERR"
run "${SMC[@]}" check
check_eq "check fails too" "1" "$RC"
check_match "saying so" "from $((HEAD - 2)) on were deleted" "$ERR"
N=$(wc -l <"$ANCHORS")
check_true "and anchors nothing" "$(tail -n 1 "$ANCHORS" | cut -d' ' -f1)" = "$HEAD"
# an anchors file named with a typo is refused, not started over the
# shortened log (which it would then "anchor")
run "${SMC[@]}" --as auditor audit verify --anchors "$ANCHORS.typo"
check_eq "a mistyped --anchors is refused" "1" "$RC"
check_match "saying there is no such file" "no anchors file .*anchors.typo" "$ERR"
check_true "and none is made" ! -e "$ANCHORS.typo"
run "${SMC[@]}" check --anchors "$ANCHORS.typo"
check_eq "check too" "1" "$RC"
check_nomatch "without saying the log is intact" "intact|all well" "$OUT"
check_true "nor making one" ! -e "$ANCHORS.typo"
# the configured anchors file deleted with the tail: said, not started again
mv "$ANCHORS" "$T/anchors.saved"
run "${SMC[@]}" --as auditor audit verify
check_eq "an anchors file gone is a failure" "1" "$RC"
check_match "saying it is missing" "anchors file .*elsewhere/anchors is missing" "$ERR"
check_true "and it is not started again" ! -e "$ANCHORS"
run "${SMC[@]}" check
check_eq "check fails too" "1" "$RC"
check_nomatch "not all well" "all well" "$OUT"
# a write on a new day (its first record is anchored) does not start the
# file again either: that would bless the shortened log
SITEMARK_NOW=2099-01-02T10:00:00+08:00 smc --as kf-zhao case note 10 --text "新的一天" >/dev/null ||
    fail "a note on a new day"
check_true "a write on a new day does not start the lost file again" ! -e "$ANCHORS"
run "${SMC[@]}" check
check_eq "and check still fails" "1" "$RC"
mv "$T/anchors.saved" "$ANCHORS"

# A tail deleted after a check is found by the next check.
cp "$T/clean.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
smc --as fj-review case list >/dev/null
expect_ok "a reviewer acts" "${SMC[@]}" --as conac-li case act 10 approve
expect_ok "a check passes" "${SMC[@]}" check
check_eq "the new head is anchored (by the write: a new day, or by the check)" "$((HEAD + 1))" \
    "$(tail -n 1 "$ANCHORS" | cut -d' ' -f1)"
q "DELETE FROM audit WHERE seq = $((HEAD + 1))"
run "${SMC[@]}" check
check_eq "the record deleted after the check is found by the next" "1" "$RC"
check_match "by its number" "records from $((HEAD + 1)) on" "$ERR"

# ---------------------------------------------------------------- a corrupt database stops writes
corrupt() { # DB OFFSET: random bytes in the outbox's first page
	sqlite3 "$1" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	local page ps
	page=$(sqlite3 "$1" "SELECT rootpage FROM sqlite_master WHERE name = 'outbox'")
	ps=$(sqlite3 "$1" "PRAGMA page_size")
	head -c 2000 /dev/urandom | dd of="$1" bs=1 seek=$(((page - 1) * ps + $2)) conv=notrunc status=none
}
C="$T/corrupt.db"
cp "$T/clean.db" "$C"
corrupt "$C" 12
check_nomatch "the bytes break the outbox's page" "^ok$" "$(sqlite3 "$C" 'PRAGMA integrity_check' 2>&1)"
run "${SMC[@]}" --db "$C" check
check_eq "check finds the damage" "1" "$RC"
check_match "and says so" "integrity check" "$ERR"
check_match "and how to restore" "restore" "$ERR"
check_true "the database is marked damaged, for every process" -e "$C.broken"
run "${SMC[@]}" --db "$C" --as conac-li case act 10 approve
check_eq "a later action is refused" "1" "$RC"
check_match "with how to restore" "damaged.*restore" "$ERR"
run "${SMC[@]}" --db "$C" --as kf-zhao case note 10 --text "一条备注"
check_eq "every write is" "1" "$RC"
expect_ok "reading goes on" "${SMC[@]}" --db "$C" --as conac-li case show 10

# An action that meets the corruption itself marks it.
cp "$T/clean.db" "$C"; rm -f "$C-wal" "$C-shm" "$C.broken"
corrupt "$C" 0
run "${SMC[@]}" --db "$C" --as conac-li case act 10 approve
check_eq "an action meeting a corrupt page fails" "1" "$RC"
check_match "saying it is corrupt" "corrupt|malformed" "$ERR"
run "${SMC[@]}" --db "$C" --as conac-li case act 19 approve
check_eq "and the next write is refused before it starts" "1" "$RC"
check_match "with how to restore" "damaged.*restore" "$ERR"

# Repaired (the good file back), check passes and writes are taken again.
cp "$T/clean.db" "$C"; rm -f "$C-wal" "$C-shm"
: >"$T/c.anchors"
run "${SMC[@]}" --db "$C" check --anchors "$T/c.anchors"
check_eq "check passes on the repaired database" "0" "$RC"
check_match "and lifts the mark" "takes changes again" "$OUT"
check_true "the mark is gone" ! -e "$C.broken"
expect_ok "writes are taken again" "${SMC[@]}" --db "$C" --as conac-li case act 19 approve

# ---------------------------------------------------------------- backup under writes, restore
cp "$T/clean.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
(
	for i in $(seq 1 60); do
		smc --as kf-zhao case note 10 --text "备注 $i" >/dev/null 2>&1
	done
) &
WRITER=$!
BG_PIDS="$BG_PIDS $WRITER"
sleep 0.2
ok_backups=0
for b in 1 2 3; do
	if smc backup "$T/b$b.db" >"$T/b$b.out" 2>&1; then
		ok_backups=$((ok_backups + 1))
	fi
	sleep 0.1
done
wait "$WRITER"
check_eq "three backups taken while another process writes" "3" "$ok_backups"
check_match "each says it was verified" "verified" "$(cat "$T/b1.out")"
for b in 1 2 3; do
	check_eq "backup $b passes integrity_check" "ok" "$(sqlite3 "$T/b$b.db" 'PRAGMA integrity_check')"
	: >"$T/b$b.anchors" # a new anchors file for the copy: started empty
	run "${SMC[@]}" --db "$T/b$b.db" --as auditor audit verify --anchors "$T/b$b.anchors"
	check_eq "backup $b: the audit log is intact" "0" "$RC"
done
check_true "the writer wrote during the backups" "$(q "SELECT count(*) FROM notes")" -ge 60
run "${SMC[@]}" backup "$T/b1.db"
check_eq "a backup is not written over a file" "1" "$RC"
check_match "saying so" "exists" "$ERR"
# a backup and a restored database hold every ID number and mobile: not for
# others to read, whatever the umask (SQLite alone made them 0644)
(umask 022 && smc backup "$T/perm.db" >/dev/null 2>&1) || die "a backup under umask 022"
check_eq "a backup under umask 022: no one else reads it" "640" "$(stat -c %a "$T/perm.db")"
(umask 022 && "${SMC[@]}" --db "$T/perm-r.db" restore "$T/perm.db" >/dev/null 2>&1) ||
    die "a restore under umask 022"
check_eq "a restored database under umask 022: no one else reads it" "640" "$(stat -c %a "$T/perm-r.db")"
printf 'x' >"$T/perm-f.db"
chmod 666 "$T/perm-f.db"
(umask 022 && "${SMC[@]}" --db "$T/perm-f.db" restore --force "$T/perm.db" >/dev/null 2>&1) ||
    die "a restore --force over a 0666 file"
check_eq "restored over a file others could read (--force): no longer" "660" "$(stat -c %a "$T/perm-f.db")"
# a backup with another name (a rotation's hard link) is restored, from a
# copy of its own: the backup untouched, nothing left beside the database
mkdir -p "$T/rot" "$T/rdir"
cp "$T/perm.db" "$T/rot/day1.db"
ln "$T/rot/day1.db" "$T/rot/day2.db"
sum=$(cksum <"$T/rot/day1.db")
expect_ok "restore from a hard-linked backup" "${SMC[@]}" --db "$T/rdir/r.db" restore "$T/rot/day2.db"
check_eq "the backup is as it was" "$sum" "$(cksum <"$T/rot/day1.db")"
check_eq "no copy left beside the database" "" "$(ls -A "$T/rdir" | grep -v '^r\.db' || true)"
head -c 100000 /dev/urandom >"$T/rot/junk.db"
ln "$T/rot/junk.db" "$T/rot/junk2.db"
run "${SMC[@]}" --db "$T/rdir/j.db" restore "$T/rot/junk.db"
check_eq "a hard-linked backup that is no database: refused" "1" "$RC"
check_match "naming the file given, not the copy read" "rot/junk.db" "$ERR"
check_nomatch "(the copy is no name of the user's)" "sitemark-restore" "$ERR"
check_eq "and no copy left" "" "$(ls -A "$T/rdir" | grep -v '^r\.db' || true)"
# a destination with another name is not written through it
cp "$T/perm.db" "$T/hl-dest.db"
ln "$T/hl-dest.db" "$T/hl-dest2.db"
sum=$(cksum <"$T/hl-dest.db")
run "${SMC[@]}" --db "$T/hl-dest.db" restore --force "$T/b3.db"
check_eq "restore --force onto a database with a hard link: refused" "1" "$RC"
check_match "saying why" "(hard link|硬链接)" "$ERR"
check_eq "and it is left as it was" "$sum" "$(cksum <"$T/hl-dest.db")"

R="$T/restored.db"
expect_ok "restore into a new database" "${SMC[@]}" --db "$R" restore "$T/b3.db"
check_match "verified" "verified" "$OUT"
check_eq "the restored database lists the same cases" \
    "$("${SMC[@]}" --db "$T/b3.db" --as conac-li --json case list | jq -S .)" \
    "$("${SMC[@]}" --db "$R" --as conac-li --json case list | jq -S .)"
run "${SMC[@]}" --db "$R" restore "$T/b3.db"
check_eq "restore does not overwrite a database" "1" "$RC"
check_match "unless told" "--force" "$ERR"
expect_ok "--force replaces it" "${SMC[@]}" --db "$R" restore "$T/b3.db" --force
: >"$T/r.anchors"
run "${SMC[@]}" --db "$R" --as auditor check --anchors "$T/r.anchors"
check_eq "the restored database passes the check" "0" "$RC"
sqlite3 "$T/b2.db" "UPDATE audit SET reason = 'x' WHERE seq = 5"
run "${SMC[@]}" --db "$T/r2.db" restore "$T/b2.db"
check_eq "a backup whose audit log was edited is not restored" "1" "$RC"
check_match "saying why" "audit log.*broken at record 5" "$ERR"
check_true "and nothing is made" ! -e "$T/r2.db"
run "${SMC[@]}" --db "$T/r3.db" --as conac-li restore "$T/b3.db"
check_eq "only a system administrator of the backup restores it" "1" "$RC"
# a NUL hidden in a field (the hash reads a field up to its first NUL):
# a record changed so is found, by the auditor's verify and by restore
cp "$T/b3.db" "$T/b4.db"
sqlite3 "$T/b4.db" "UPDATE audit SET actor = CAST(actor AS BLOB) || x'00' WHERE seq = 4"
run "${SMC[@]}" --db "$T/b4.db" --as auditor audit verify --anchors "$T/r.anchors"
check_eq "a NUL appended to a record's actor: the audit check fails" "1" "$RC"
check_match "naming the record" "(broken at record 4|第 4 条)" "$OUT$ERR"
run "${SMC[@]}" --db "$T/r4.db" restore "$T/b4.db"
check_match "and restore refuses it" "audit log.*broken at record 4" "$ERR"
# a case's values made no JSON with the sqlite3 shell: said as such, not as
# "out of memory"; made invalid UTF-8, shown with the bytes as \xNN
cp "$T/b3.db" "$T/b5.db"
id5=$(sqlite3 "$T/b5.db" "SELECT min(id) FROM cases")
sqlite3 "$T/b5.db" "UPDATE cases SET \"values\" = '{bad' WHERE id = $id5"
run "${SMC[@]}" --db "$T/b5.db" --as conac-li case list
check_eq "a value not JSON: the list is refused" "1" "$RC"
check_match "saying the database was changed outside sitemark" "(changed outside sitemark|在 sitemark 之外)" "$ERR"
check_nomatch "not that memory ran out" "(out of memory|内存不足)" "$ERR"
run "${SMC[@]}" --db "$T/b5.db" check
check_eq "and check finds it" "1" "$RC"
check_match "naming the case" "(values of case $id5 are not valid JSON|申请 $id5)" "$OUT$ERR"
sqlite3 "$T/b5.db" "UPDATE cases SET \"values\" = (SELECT \"values\" FROM cases WHERE id = $id5 + 1) WHERE id = $id5"
sqlite3 "$T/b5.db" "UPDATE cases SET \"values\" = json_set(\"values\", '\$.zz', CAST(x'41ff42' AS TEXT)) WHERE id = $id5"
run "${SMC[@]}" --db "$T/b5.db" --as conac-li --json case show "$id5"
check_eq "a value not UTF-8 in a case's values: the case shows" "0" "$RC"
check_eq "the bad byte as the text \\xFF" 'A\xFFB' "$(jq -r '.values.zz' <<<"$OUT")"
# names made invalid UTF-8 the same way: shown as \xNN, no record left
# out of the JSON (a JSON writer refuses such bytes)
cp "$T/b3.db" "$T/b6.db"
sqlite3 "$T/b6.db" "UPDATE offices SET name = CAST(x'e7a68fff' AS TEXT); UPDATE units SET name = CAST(x'41ff42' AS TEXT)"
n_users=$(sqlite3 "$T/b6.db" "SELECT count(*) FROM users")
run "${SMC[@]}" --db "$T/b6.db" --json user list
check_eq "user list --json: every user, their office's name not UTF-8" "$n_users" "$(jq length <<<"$OUT")"
run "${SMC[@]}" --db "$T/b6.db" --as conac-li --json case list
check_eq "case list --json with a unit's name not UTF-8: listed" "0" "$RC"
check_match "the bad byte shown as the text \\xFF" 'A\\\\xFFB' "$OUT"

# ---------------------------------------------------------------- set-group-id
# Files the caller names are not opened with privileges the caller lacks:
# --anchors (appended to), backup (written), restore (read, then the
# database written) are refused by a set-group-id copy (needs root to make
# it, and a group other than ours).
grp=
for g in nogroup nobody; do
	getent group "$g" >/dev/null 2>&1 && { grp=$g; break; }
done
if [ "$(id -u)" = 0 ] && [ -n "$grp" ] && [ "$(getent group "$grp" | cut -d: -f3)" != "$(id -g)" ] &&
    ! { command -v findmnt >/dev/null 2>&1 &&
        findmnt -no OPTIONS -T "$T" 2>/dev/null | tr ',' '\n' | grep -qx nosuid; }; then
	SG="$T/sg/sitemark"
	mkdir -p "$T/sg"
	cp "$SITEMARK" "$SG" && chgrp "$grp" "$SG" && chmod 2755 "$SG"
	SGCFG="$T/sg.yaml"
	printf 'forms: %s/forms\ndivisions: %s/data/divisions.tsv\ncalendar: %s/data/calendar.yaml\naudit:\n  syslog: none\n' \
	    "$top_srcdir" "$top_srcdir" "$top_srcdir" >"$SGCFG"
	run "$SG" --config "$SGCFG" --db "$DB" audit verify --anchors "$DB"
	check_eq "set-group-id: --anchors is refused" "2" "$RC"
	check_match "saying why" "privileges" "$ERR"
	run "$SG" --config "$SGCFG" --db "$DB" backup "$T/sg-backup.db"
	check_eq "set-group-id: backup is refused" "2" "$RC"
	check_true "and writes nothing" ! -e "$T/sg-backup.db"
	run "$SG" --config "$SGCFG" --db "$T/sg-restored.db" restore "$T/b3.db"
	check_eq "set-group-id: restore is refused" "2" "$RC"
	check_true "and makes nothing" ! -e "$T/sg-restored.db"
else
	echo "# set-group-id checks skipped (need root, a group nogroup or nobody, no nosuid)"
fi

finish
