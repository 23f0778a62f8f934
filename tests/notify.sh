#!/usr/bin/env bash
# notify.sh - notify run against real servers on 127.0.0.1 (issue 8, point 2;
# trust.md scenario 8).
#
# An SMTP server (tests/smtpd.py, Debian's python3-aiosmtpd: STARTTLS with a
# certificate made here by openssl, AUTH with the password of
# smtp.password_file, each message into a Maildir) and an SMS gateway
# (tests/smsgw.py, http.server, recording every request) are started by the
# test on free ports and stopped by their pids.  On the demo's outbox:
#
#   - normal delivery: every message read back from the Maildir (headers,
#     Message-ID from the notice's id, Date, RFC 2047 subjects split between
#     characters, the body decoded, an attachment), every SMS from the
#     gateway's record (JSON-escaped body, the configured headers); the
#     status in case show, --json notices and the history; a second run
#     sends nothing; the scheduled notices are queued once;
#   - a name or subject with CR/LF: not sent, no header added;
#   - the server down (retries with backoff, then given up, the case
#     flagged), slow (timeout), refusing a recipient, dropping the
#     connection after the data; the gateway answering 500 or too slowly;
#   - two senders at once: one sends, the other refuses;
#   - the sender killed with SIGKILL mid-run NOTIFY_KILLS times (default 3;
#     NOTIFY_FULL=1: 20): nothing lost, a duplicate only ever the same
#     Message-ID, at most notify.batch per kill (the outcomes not yet
#     recorded); the database intact;
#   - notify run --daemon delivers and stops on SIGTERM.

. "$(dirname "$0")/lib.sh"

PY=
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import aiosmtpd' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || skip "python3-aiosmtpd is not installed"
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"

KILLS=${NOTIFY_KILLS:-3}
[ -n "${NOTIFY_FULL:-}" ] && KILLS=${NOTIFY_KILLS:-20}

NOW0=2026-12-01T09:00:00+08:00
SITEMARK_NOW=$NOW0
export SITEMARK_NOW
ME=$(id -un)

# ---------------------------------------------------------------- servers

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    >/dev/null 2>&1 || die "openssl makes a test certificate"
printf 's3cret pass\n' >"$T/smtp.password"

mkdir -p "$T/smtp" "$T/gw"
"$PY" "$top_srcdir/tests/smtpd.py" "$T/smtp" --cert "$T/cert.pem" --key "$T/key.pem" \
    --user mailer --password 's3cret pass' 2>"$T/smtpd.log" &
SMTPD=$!
BG_PIDS="$BG_PIDS $SMTPD"
"$PY" "$top_srcdir/tests/smsgw.py" "$T/gw" 2>"$T/smsgw.log" &
SMSGW=$!
BG_PIDS="$BG_PIDS $SMSGW"
for _ in $(seq 100); do
	[ -s "$T/smtp/port" ] && [ -s "$T/gw/port" ] && break
	sleep 0.1
done
[ -s "$T/smtp/port" ] && [ -s "$T/gw/port" ] || die "the servers start" "$(cat "$T/smtpd.log" "$T/smsgw.log")"
SMTP_PORT=$(cat "$T/smtp/port")
GW_PORT=$(cat "$T/gw/port")
# a port where nothing listens: the server down
DOWN_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# config FILE SMTP_PORT GW_PORT [TIMEOUT]
config() {
	cat >"$1" <<EOF
smtp:
  url: smtp://127.0.0.1:$2
  from: "网站标识管理 <noreply@sitemark.example.cn>"
  user: mailer
  password_file: $T/smtp.password
  ca_file: $T/cert.pem
sms:
  url: http://127.0.0.1:$3/send
  headers:
    - "Content-Type: application/json"
    - "X-Token: t0k"
    - "X-Mobile: {mobile}"
    - "X-Message-Id: {id}"
  body: '{"to": "{mobile}", "msg": "{text}"}'
notify:
  retry_base: 60
  retry_cap: 600
  give_up: 86400
  timeout: ${4:-3}
  connect_timeout: 2
  interval: 1
  batch: 5
EOF
}
config "$T/up.yaml" "$SMTP_PORT" "$GW_PORT"
config "$T/down.yaml" "$DOWN_PORT" "$DOWN_PORT"
config "$T/fast.yaml" "$SMTP_PORT" "$GW_PORT" 2
# a message of 27 MB (a 20 MB attachment in base64) may take more than 3 s
# on a loaded machine
config "$T/large.yaml" "$SMTP_PORT" "$GW_PORT" 60
# the server's certificate not trusted (no smtp.ca_file): nothing in clear
grep -v 'ca_file:' "$T/up.yaml" >"$T/untrusted.yaml"

smtp_control() { printf '%s\n' "$1" >"$T/smtp/control"; }
gw_control() { printf '%s\n' "$1" >"$T/gw/control"; }

notify() { # CONFIG [ARGS]: notify run as the system administrator
	local cfg=$1
	shift
	sm --config "$cfg" notify run "$@"
}
# the same as a process of its own (its pid is the program's, for kill)
notify_bg() {
	"$SITEMARK" --db "$DB" --config "$@" notify run >/dev/null 2>&1 &
	BGPID=$!
}

# ---------------------------------------------------------------- data

# The demo in Chinese where the locale is there (subjects and names to
# encode), else in English.
ZH=
if have_zh_locale && [ -f "$SITEMARK_LOCALEDIR/zh_CN/LC_MESSAGES/sitemark.mo" ]; then
	ZH=1
fi
if [ -n "$ZH" ]; then
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 sm init --demo >/dev/null 2>&1 || die "init --demo"
else
	sm init --demo >/dev/null 2>&1 || die "init --demo"
fi
check_eq "the Unix login is the system administrator" sysadmin "$(q "select role from users where login = '$ME'")"
# a long subject in Chinese: RFC 2047 words split between characters
q "update outbox set subject = '网站开办审核和资格复核：请打印《关于申请对网站开办审核和资格复核的函》并加盖公章后寄送' where id = (select min(id) from outbox where channel = 'email')"
# queued now (the demo's notices are weeks old: past notify.give_up)
q "update outbox set created_at = '$NOW0'"
db_copy "$T/pristine.db"
case $DB in
dqlite:*) ;;
*) cp "$DB.anchors" "$T/pristine.anchors" 2>/dev/null || : >"$T/pristine.anchors" ;;
esac

# fresh: the pristine outbox, an empty Maildir and record, servers behaving.
fresh() {
	db_reset "$T/pristine.db" "$ME"
	case $DB in
	dqlite:*) ;;
	*)
		cp "$T/pristine.anchors" "$DB.anchors"
		rm -f "$DB.notify.lock"
		;;
	esac
	rm -rf "$T/smtp/Maildir" "$T/smtp/envelopes" "$T/gw/requests"
	smtp_control '{}'
	gw_control '{}'
	SITEMARK_NOW=$NOW0
}

mails() { "$PY" "$top_srcdir/tests/mailcheck.py" "$T/smtp/Maildir" 2>/dev/null; }
n_mails() { ls "$T/smtp/Maildir/new" 2>/dev/null | wc -l; }
n_sms() { [ -f "$T/gw/requests" ] && wc -l <"$T/gw/requests" || echo 0; }
rows() { q "select count(*) from outbox where $1"; }

# ================================================================ normal delivery
fresh
EMAILS=$(rows "channel = 'email' and status = 'pending'")
SMSES=$(rows "channel = 'sms' and status = 'pending'")
check_true "the demo queued e-mails and SMS" "$EMAILS" -gt 10 -a "$SMSES" -gt 10
expect_ok "notify run delivers" notify "$T/up.yaml"
case $DB in
dqlite:*) check_true "on a cluster, nothing named after it in the working directory" \
    -z "$(ls "$PWD" | grep '^dqlite:' || true)" ;;
esac
check_match "it says what it did" "sent" "$OUT"
SCHED=$(rows "event in ('reminder', 'overdue')")
EMAILS=$(rows "channel = 'email'")
SMSES=$(rows "channel = 'sms'")
check_eq "every notice is sent" 0 "$(rows "status <> 'sent'")"
check_eq "attempts: one each" 0 "$(rows "attempts <> 1")"
check_eq "one message per e-mail notice in the Maildir" "$EMAILS" "$(n_mails)"
check_eq "one gateway request per SMS" "$SMSES" "$(n_sms)"
mails >"$T/mails.json"
check_eq "every message parses" "$EMAILS" "$(wc -l <"$T/mails.json")"

# Each message against its outbox row, by the id in its Message-ID.
q_json "select id, recipient, name, subject, body from outbox where channel = 'email'" >"$T/rows.json"
BAD=$("$PY" - "$T/rows.json" "$T/mails.json" <<'EOF' || echo "the comparison could not run"
import json, re, sys
rows = {r["id"]: r for r in json.load(open(sys.argv[1]))}
bad = []
seen = set()
for line in open(sys.argv[2]):
    m = json.loads(line)
    mid = re.fullmatch(r"<(\d+)\.[0-9a-f]{20}@sitemark\.example\.cn>", m["message_id"] or "")
    if not mid:
        bad.append("Message-ID %r" % m["message_id"]); continue
    r = rows.get(int(mid.group(1)))
    if r is None:
        bad.append("no row for %s" % m["message_id"]); continue
    seen.add(r["id"])
    def want(what, a, b):
        if a != b:
            bad.append("%s %s: %r != %r" % (m["message_id"], what, a, b))
    want("To", m["to"], r["recipient"])
    want("To name", m["to_name"], r["name"])
    want("Subject", m["subject"], r["subject"])
    want("body", m["body"], r["body"])
    want("From", m["from"], "noreply@sitemark.example.cn")
    want("Content-Type", (m["content_type"], m["charset"], m["transfer_encoding"]),
         ("text/plain", "utf-8", "base64"))
    want("Date parses", m["parsed_date_ok"], True)
    want("header names", sorted(set(m["header_names"])),
         sorted(["From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                 "Auto-Submitted", "Content-Type", "Content-Transfer-Encoding"]))
    if m["max_line"] > 78: bad.append("%s: a line of %d" % (m["message_id"], m["max_line"]))
    if m["subject_word_max"] > 75: bad.append("%s: a word of %d" % (m["message_id"], m["subject_word_max"]))
if seen != set(rows): bad.append("rows without a message: %s" % sorted(set(rows) - seen))
print("\n".join(bad[:10]))
EOF
)
check_eq "every message: To, name, Subject, body, From, MIME, Date, Message-ID as queued" "" "$BAD"
LONG=$(jq -r 'select(.subject | startswith("网站开办审核")) | .subject_words | length' "$T/mails.json")
check_true "the long Chinese subject is split into several encoded words" "${LONG:-0}" -ge 3
# the words split between characters: each decodes alone
SPLIT=$(jq -r 'select(.subject | startswith("网站开办审核")) | .subject_words[]' "$T/mails.json" | "$PY" -c '
import sys, email.header
for w in sys.stdin.read().split():
    for b, cs in email.header.decode_header(w):
        b.decode(cs)
print("ok")' 2>&1)
check_eq "each encoded word holds whole characters" ok "$SPLIT"
if [ -n "$ZH" ]; then
	check_match "a name in Chinese is encoded in To" "=\?UTF-8\?B\?" "$(cat "$T"/smtp/Maildir/new/* | grep -m1 '^To:')"
fi

q_json "select recipient, body from outbox where channel = 'sms'" >"$T/sms_rows.json"
BAD=$("$PY" - "$T/sms_rows.json" "$T/gw/requests" <<'EOF' || echo "the comparison could not run"
import json, sys
rows = sorted((r["recipient"], r["body"]) for r in json.load(open(sys.argv[1])))
got, bad = [], []
for line in open(sys.argv[2]):
    r = json.loads(line)
    b = json.loads(r["body"])  # the template is JSON: escaped, parses
    got.append((b["to"], b["msg"]))
    if r["headers"].get("X-Token") != "t0k": bad.append("no X-Token")
    if r["headers"].get("X-Mobile") != b["to"]: bad.append("X-Mobile is not the mobile")
    if r["headers"].get("Content-Type") != "application/json": bad.append("Content-Type")
    if r["path"] != "/send": bad.append("path " + r["path"])
if sorted(got) != rows: bad.append("the SMS sent differ from the outbox")
print("\n".join(sorted(set(bad))))
EOF
)
check_eq "every SMS: JSON body with mobile and text, the configured headers ({mobile} in one)" "" "$BAD"

CASE=$(q "select case_id from outbox where channel = 'email' order by id limit 1")
VIEWER=conac-li
J=$(sm --as conac-li --json case show "$CASE")
check_eq "--json notices: all sent" "sent" "$(jq -r '[.notices[].status] | unique | join(",")' <<<"$J")"
check_eq "--json notices: attempts and sent_at" "true" "$(jq -r '[.notices[] | .attempts == 1 and .sent_at != null] | all' <<<"$J")"
check_eq "--json: not flagged" "false" "$(jq -r '.notice_failed' <<<"$J")"
check_match "the history records the sending" "notice-sent" "$(jq -r '[.history[].action] | join(" ")' <<<"$J")"
run sm --as conac-li case show "$CASE"
check_match "case show lists the notifications" "(Notifications|通知):" "$OUT"
check_match "case show: sent, with the time" "(sent|已发送) 2026-12-01 09:00" "$OUT"

expect_ok "a second run" notify "$T/up.yaml"
check_eq "sends nothing again" "$EMAILS $SMSES" "$(n_mails) $(n_sms)"
check_eq "queues no scheduled notice again" "$SCHED" "$(rows "event in ('reminder', 'overdue')")"
# the scheduled notices: an overdue notice for every mark past its
# hanging deadline, by SMS and e-mail, once
OVERDUE=$(q "select count(*) from cases c join marks m on m.case_id = c.id where c.state = 'mark_issued' and m.hang_due < '2026-12-01'")
check_true "the demo has marks past their deadline" "$OVERDUE" -ge 1
check_eq "an overdue notice per channel for each" "$((2 * OVERDUE))" "$(rows "event = 'overdue'")"
check_eq "the overdue notices were sent" "$((2 * OVERDUE))" "$(rows "event = 'overdue' and status = 'sent'")"
check_eq "their keys name case, event, deadline, channel" "$((2 * OVERDUE))" \
    "$(rows "event = 'overdue' and msg_id like 'overdue:%:2026-%:%'")"
# a reminder two working days before: move a mark's deadline to 12-03
# (Thursday): 12-01 is its second working day before
q "update marks set hang_due = '2026-12-03' where case_id = (select c.id from cases c join marks m on m.case_id = c.id where c.state = 'mark_issued' order by c.id limit 1)"
SITEMARK_NOW=2026-11-30T09:00:00+08:00 expect_ok "notify run the day before the reminder's day" notify "$T/up.yaml"
check_eq "no reminder yet" 0 "$(rows "event = 'reminder'")"
expect_ok "notify run on the reminder's day" notify "$T/up.yaml"
check_eq "a reminder by SMS and e-mail" 2 "$(rows "event = 'reminder' and status = 'sent'")"
expect_ok "notify run again that day" notify "$T/up.yaml"
check_eq "the reminder once" 2 "$(rows "event = 'reminder'")"

# ================================================================ TLS
fresh
expect_ok "a server whose certificate is not trusted" notify "$T/untrusted.yaml"
check_eq "no e-mail sent" 0 "$(n_mails)"
check_eq "every e-mail retrying, the certificate the reason" "$(rows "channel = 'email' and status <> 'refused'")" \
    "$(rows "channel = 'email' and status = 'retrying' and (last_error like '%certificate%' or last_error like '%SSL%')")"

# ================================================================ header injection
fresh
q "update outbox set name = '张三' || char(13) || char(10) || 'Bcc: evil@attacker.example' where id = (select min(id) from outbox where channel = 'email')"
q "update outbox set subject = 'hello' || char(10) || 'X-Injected: yes' where id = (select max(id) from outbox where channel = 'email')"
expect_ok "notify run with CR/LF in a name and a subject" notify "$T/up.yaml"
check_eq "both are failed, never sent" 2 "$(rows "channel = 'email' and status = 'failed' and last_error like '%control character%'")"
check_eq "the others are sent" "$((EMAILS - 2))" "$(n_mails)"
check_nomatch "no Bcc header" "^(Bcc|X-Injected):" "$(cat "$T"/smtp/Maildir/new/* | tr -d '\r')"
check_nomatch "nobody at the attacker's" "attacker" "$(cat "$T/smtp/envelopes")"

# ================================================================ an attachment
# a notice queued before schema 12 names a file (a path) and keeps no
# bytes: it still sends after the upgrade
fresh
printf '%%PDF-1.4\n%% a test letter\n' >"$T/申请函.pdf"
head -c 100000 /dev/urandom >>"$T/申请函.pdf"
AID=$(q "select min(id) from outbox where channel = 'email'")
q "update outbox set attachment = '$T/申请函.pdf' where id = $AID"
expect_ok "notify run with an attachment" notify "$T/up.yaml"
mails >"$T/mails.json"
ATT=$(jq -c --arg id "<$AID." 'select(.message_id | startswith($id)) | [.content_type, .attachments[0].filename, .attachments[0].content_type, .attachments[0].sha256, (.body | length > 10)]' "$T/mails.json")
check_eq "multipart/mixed: the text and the PDF, its name in RFC 2231" \
    "[\"multipart/mixed\",\"申请函.pdf\",\"application/pdf\",\"$(sha256sum "$T/申请函.pdf" | cut -d' ' -f1)\",true]" "$ATT"

# ================================================================ a print e-mailed
# print --mail: the PDF kept in the store with its notice (schema 12), in
# the same transaction, the same on a local file and on a cluster; notify
# run sends it as the e-mail's attachment, byte for byte; sent, the store
# drops the bytes (personal data) and keeps the name
kept_sha256() { # the SHA-256 of notice $1's attachment kept in the store
	q "select hex(attachment_data) from outbox where id = $1" | xxd -r -p | sha256sum | cut -d' ' -f1
}
fresh
run sm --config "$T/up.yaml" --as fz-gov --json print 13 letter --mail
check_eq "the unit e-mails its letter to its contact (exit 0)" 0 "$RC"
check_eq "queued under the print's name" "case-13-letter.pdf true" \
    "$(jq -r '.file + " " + (.mailed | tostring)' <<<"$OUT")"
MID=$(q "select id from outbox where case_id = 13 and event = 'mail' and attachment = 'case-13-letter.pdf'")
check_match "one e-mail queued with it" '^[0-9]+$' "$MID"
SIZE=$(q "select length(attachment_data) from outbox where id = $MID")
check_true "the PDF kept with the notice (a letter's size: 50 KB to 2 MB)" \
    "${SIZE:-0}" -gt 50000 -a "${SIZE:-0}" -lt 2000000
check_eq "it is a PDF" "%PDF-" "$(q "select hex(substr(attachment_data, 1, 5)) from outbox where id = $MID" | xxd -r -p)"
SUM=$(kept_sha256 "$MID")
check_eq "the audit names it, its size and SHA-256" "case-13-letter.pdf $SIZE $SUM" \
    "$(q "select object_key || ' ' || json_extract(\"values\", '\$.bytes') || ' ' || json_extract(\"values\", '\$.sha256') from audit where object = 'case' and object_id = 13 and action = 'mail-queued'")"
check_eq "the print is audited" 1 "$(q "select count(*) from audit where object_id = 13 and action = 'print'")"
case $DB in
dqlite:*) ;;
*) check_eq "no file beside the database" "" "$(ls "$(dirname "$DB")/mail" 2>/dev/null)" ;;
esac
# backup and restore carry the bytes, on either backend (a cluster's backup
# is a local file; restored into a new cluster, row by row)
run sm backup "$T/withpdf.db"
check_eq "backup (exit 0)" 0 "$RC"
check_eq "the backup holds the same bytes" "$SUM" \
    "$(sqlite3 "$T/withpdf.db" "select hex(attachment_data) from outbox where id = $MID" | xxd -r -p | sha256sum | cut -d' ' -f1)"
case $DB in
dqlite:*) db_reset "$T/withpdf.db" "$ME" ;;
*)
	run "$SITEMARK" --db "$T/restored.db" restore "$T/withpdf.db"
	check_eq "restore (exit 0)" 0 "$RC"
	db_reset "$T/restored.db" "$ME"
	;;
esac
check_eq "restored: the same bytes" "$SUM" "$(kept_sha256 "$MID")"
expect_ok "notify run sends it" notify "$T/up.yaml"
mails >"$T/mails.json"
ATT=$(jq -c --arg id "<$MID." 'select(.message_id | startswith($id)) | [.attachments[0].filename, .attachments[0].content_type, .attachments[0].sha256]' "$T/mails.json")
check_eq "with the letter as its PDF attachment, the same bytes" \
    "[\"case-13-letter.pdf\",\"application/pdf\",\"$SUM\"]" "$ATT"
check_eq "sent: the bytes dropped from the store, the name kept" "sent case-13-letter.pdf 1" \
    "$(q "select status || ' ' || attachment || ' ' || (attachment_data is null) from outbox where id = $MID")"

# an attachment near the most the store keeps (20 MB in a local file, 2 MB
# on a cluster: dqlite 1.11.1 fails transactions of a few MB), sent whole;
# one byte more is refused when queued (tests/check_workflow.c)
case $DB in
dqlite:*) NEAR=$((2 * 1024 * 1024 - 4096)) ;;
*) NEAR=$((20 * 1024 * 1024 - 4096)) ;;
esac
fresh
BID=$(q "select min(id) from outbox where channel = 'email' and status = 'pending'")
q "update outbox set attachment = 'near-cap.pdf', attachment_data = randomblob($NEAR) where id = $BID"
check_eq "kept: $NEAR bytes" "$NEAR" "$(q "select length(attachment_data) from outbox where id = $BID")"
SUM=$(kept_sha256 "$BID")
expect_ok "notify run sends it" notify "$T/large.yaml"
mails >"$T/mails.json"
check_eq "the mail carries the same $NEAR bytes" "[\"near-cap.pdf\",$NEAR,\"$SUM\"]" \
    "$(jq -c --arg id "<$BID." 'select(.message_id | startswith($id)) | [.attachments[0].filename, .attachments[0].size, .attachments[0].sha256]' "$T/mails.json")"
check_eq "sent, then dropped from the store" "sent 1" \
    "$(q "select status || ' ' || (attachment_data is null) from outbox where id = $BID")"
run sm --config "$T/up.yaml" --as fz-gov print 13 letter --mail --printer lp0
check_eq "--mail with --printer is a usage error (exit 2)" 2 "$RC"
# no smtp.url: nothing to send it with, so nothing queued (the console
# offers mail only then)
before=$(q "select count(*) from outbox")
printf 'support: []\n' >"$T/nomail.yaml"
run sm --config "$T/nomail.yaml" --as fz-gov print 13 letter --mail
check_eq "--mail without smtp.url: refused" 1 "$RC"
check_match "saying e-mail is not configured" "(smtp.url)" "$ERR"
check_eq "and nothing queued" "$before" "$(q "select count(*) from outbox")"

# ================================================================ the server down
fresh
expect_ok "notify run with both servers down" notify "$T/down.yaml"
check_eq "nothing sent" "0 0" "$(n_mails) $(n_sms)"
PENDING=$(rows "status <> 'refused'")
check_eq "every notice retrying" "$PENDING" "$(rows "status = 'retrying' and attempts = 1 and last_error <> ''")"
check_eq "the first retry after 30 to 60 s (base 60, jitter)" 0 \
    "$(rows "status = 'retrying' and (strftime('%s', next_at) - strftime('%s', '$NOW0') not between 30 and 60)")"
J=$(sm --as conac-li --json case show "$CASE")
check_eq "--json: retrying with the reason and the next attempt" "true" \
    "$(jq -r '[.notices[] | .status == "retrying" and .reason != null and .next_attempt != null] | all' <<<"$J")"
check_match "the history records the failed attempt" "notice-retry" "$(jq -r '[.history[].action] | join(" ")' <<<"$J")"
run sm --as conac-li case show "$CASE"
check_match "case show: why, and when next" "(next attempt|下次尝试) 2026-12-01 09:0[01]" "$OUT"
SITEMARK_NOW=2026-12-01T09:00:20+08:00 expect_ok "a run before the retry is due" notify "$T/down.yaml"
check_eq "tries nothing" 0 "$(rows "attempts > 1")"
SITEMARK_NOW=2026-12-01T09:02:00+08:00 expect_ok "the second attempt" notify "$T/down.yaml"
check_eq "the second retry after 60 to 120 s" 0 \
    "$(rows "status = 'retrying' and (strftime('%s', next_at) - strftime('%s', '2026-12-01T09:02:00+08:00') not between 60 and 120)")"
SITEMARK_NOW=2026-12-02T10:00:00+08:00 expect_ok "a day later, still down" notify "$T/down.yaml"
check_eq "given up: failed" "$PENDING" "$(rows "status = 'failed'")"
J=$(sm --as conac-li --json case show "$CASE")
check_eq "--json: the case is flagged" "true" "$(jq -r '.notice_failed' <<<"$J")"
check_match "the history records the failure" "notice-failed" "$(jq -r '[.history[].action] | join(" ")' <<<"$J")"
OFFICE=$(q "select login from users where role = 'office' and office = (select office from cases where id = $CASE) limit 1")
run sm --as "$OFFICE" case show "$CASE"
check_match "the office sees it given up" "(given up|放弃)" "$OUT"
check_match "the office is told to reach the unit" "!" "$(grep -E '(office should reach|另行联系)' <<<"$OUT")"
check_eq "case list --json flags it" true \
    "$(sm --as conac-li --json case list | jq -r --argjson id "$CASE" '.[] | select(.id == $id) | .notice_failed')"
check_match "case list marks it with !" " !$" "$(sm --as conac-li case list | grep -E "^$CASE ")"
SITEMARK_NOW=2026-12-03T10:00:00+08:00 expect_ok "servers up again" notify "$T/up.yaml"
check_eq "a failed notice stays failed" 0 "$(rows "status = 'sent' and event not in ('reminder', 'overdue')")"

# the same, and then the servers come back before giving up
fresh
expect_ok "down" notify "$T/down.yaml"
SITEMARK_NOW=2026-12-01T09:10:00+08:00 expect_ok "up again ten minutes later" notify "$T/up.yaml"
check_eq "everything arrives" "$(rows "channel = 'email'") $(rows "channel = 'sms'")" "$(n_mails) $(n_sms)"
check_eq "sent on the second attempt" "$PENDING" "$(rows "status = 'sent' and attempts = 2")"

# ================================================================ slow, refusing, dropping
fresh
smtp_control '{"slow": 4, "slow_count": 1}'
expect_ok "a slow server (4 s, timeout 2 s)" notify "$T/fast.yaml"
check_eq "one e-mail timed out, retrying" 1 "$(rows "channel = 'email' and status = 'retrying' and last_error like '%time%out%'")"
SITEMARK_NOW=2026-12-01T09:05:00+08:00 expect_ok "later" notify "$T/fast.yaml"
check_eq "all sent" 0 "$(rows "status <> 'sent'")"
sleep 3 # the slow one may still be written by the server
mails >"$T/mails.json"
check_eq "every e-mail arrived; a duplicate only with the same Message-ID" "$(rows "channel = 'email'")" \
    "$(jq -r '.message_id' "$T/mails.json" | sort -u | wc -l)"

fresh
REFUSED=$(q "select recipient from outbox where channel = 'email' order by id limit 1")
smtp_control "{\"refuse\": \"$REFUSED\"}"
expect_ok "a server refusing a recipient" notify "$T/up.yaml"
check_eq "its notices failed at once with the 550" "$(rows "channel = 'email' and recipient = '$REFUSED'")" \
    "$(rows "channel = 'email' and recipient = '$REFUSED' and status = 'failed' and attempts = 1 and last_error like '%550%'")"
check_eq "the others sent" 0 "$(rows "channel = 'email' and recipient <> '$REFUSED' and status <> 'sent'")"
RCASE=$(q "select case_id from outbox where recipient = '$REFUSED' limit 1")
check_eq "its case is flagged" true "$(sm --as conac-li --json case show "$RCASE" | jq -r '.notice_failed')"

# a server that refuses the messages and then never answers QUIT: each
# exchange within notify.timeout, QUIT's wait too (libcurl's own is 120 s)
fresh
smtp_control '{"end": "554 5.6.0 message refused", "quit_hang": 60, "quit_hang_count": 1}'
start=$(date +%s)
expect_ok "a server refusing every message, silent once at QUIT" notify "$T/fast.yaml"
elapsed=$(($(date +%s) - start))
n_mail=$(rows "channel = 'email'")
check_true "QUIT waited for notify.timeout (2 s), not the server's 60 s: the run took $elapsed s" \
    "$elapsed" -lt 30
check_eq "a refusal of the message is final for it" "$n_mail" \
    "$(rows "channel = 'email' and status = 'failed' and last_error like '%554%'")"
smtp_control '{}'

# relay access denied at RCPT TO (5.7.1: a login missing or wrong) is the
# session's too: nothing given up, the server's words kept
fresh
smtp_control '{"relay_denied": true}'
expect_ok "a server denying relay" notify "$T/up.yaml"
check_eq "every e-mail retrying, none failed" "$(rows "channel = 'email'") 0" \
    "$(rows "channel = 'email' and status = 'retrying'") $(rows "channel = 'email' and status = 'failed'")"
check_eq "the server's words in the reason" "$(rows "channel = 'email'")" \
    "$(rows "channel = 'email' and last_error like '%Relay access denied%'")"
smtp_control '{}'

# a wrong password (535 at AUTH) is the session's, not the messages':
# every notice waits for the password to be mended, none is given up
fresh
printf 'wrong\n' >"$T/wrong.password"
sed "s|password_file: .*|password_file: $T/wrong.password|" "$T/up.yaml" >"$T/wrongpw.yaml"
expect_ok "a wrong SMTP password" notify "$T/wrongpw.yaml"
check_eq "every e-mail retrying, none failed" "$(rows "channel = 'email'") 0" \
    "$(rows "channel = 'email' and status = 'retrying'") $(rows "channel = 'email' and status = 'failed'")"
SITEMARK_NOW=2026-12-01T09:05:00+08:00 expect_ok "the password mended" notify "$T/up.yaml"
check_eq "every e-mail sent" 0 "$(rows "channel = 'email' and status <> 'sent'")"

fresh
smtp_control '{"drop_count": 1}'
expect_ok "a server dropping the connection after the data" notify "$T/up.yaml"
check_eq "that e-mail is retrying" 1 "$(rows "channel = 'email' and status = 'retrying'")"
check_eq "the others arrived" "$(($(rows "channel = 'email'") - 1))" "$(n_mails)"
SITEMARK_NOW=2026-12-01T09:05:00+08:00 expect_ok "later" notify "$T/up.yaml"
check_eq "it arrives once" "$(rows "channel = 'email'")" "$(n_mails)"

# ================================================================ the gateway
fresh
gw_control '{"status": 500}'
expect_ok "a gateway answering 500" notify "$T/up.yaml"
check_eq "every SMS retrying with the 500" "$(rows "channel = 'sms'")" \
    "$(rows "channel = 'sms' and status = 'retrying' and last_error like '%500%'")"
check_eq "the e-mails went" 0 "$(rows "channel = 'email' and status <> 'sent'")"
gw_control '{"status": 401}'
SITEMARK_NOW=2026-12-01T09:02:00+08:00 expect_ok "a gateway refusing sitemark's token (401)" notify "$T/up.yaml"
check_eq "no SMS given up for it" 0 "$(rows "channel = 'sms' and status = 'failed'")"
gw_control '{"sleep": 4, "sleep_count": 1}'
SITEMARK_NOW=2026-12-01T09:05:00+08:00 expect_ok "a gateway too slow once (timeout 2 s)" notify "$T/fast.yaml"
check_eq "one SMS timed out" 1 "$(rows "channel = 'sms' and status = 'retrying' and last_error like '%time%out%'")"
SITEMARK_NOW=2026-12-01T09:15:00+08:00 expect_ok "later" notify "$T/fast.yaml"
check_eq "all SMS sent" 0 "$(rows "status <> 'sent'")"

# ================================================================ one sender at a time
# a sender in the background ($A), once its first e-mail is in
first_sender() {
	smtp_control '{"delay": 0.05}'
	notify_bg "$T/up.yaml"
	A=$BGPID
	BG_PIDS="$BG_PIDS $A"
	for _ in $(seq 50); do
		[ "$(n_mails)" -gt 0 ] && break
		sleep 0.1
	done
}
fresh
first_sender
run notify "$T/up.yaml"
check_eq "a second sender at the same time is refused" 1 "$RC"
check_match "and says why" "(another sender|另一个发送)" "$ERR"
wait "$A"
check_eq "the first finished" 0 "$?"
check_eq "each e-mail once" "$(rows "channel = 'email'")" "$(n_mails)"
# the same database through a symbolic link: the same lock
fresh
ln -sf "$DB" "$T/alias.db"
first_sender
run "$SITEMARK" --db "$T/alias.db" --config "$T/up.yaml" notify run
check_eq "a second sender through a link to the database is refused" 1 "$RC"
wait "$A"
check_eq "each e-mail once" "$(rows "channel = 'email'")" "$(n_mails)"

# ================================================================ killed (trust.md scenario 8)
fresh
smtp_control '{"delay": 0.02}'
for i in $(seq "$KILLS"); do
	notify_bg "$T/up.yaml"
	P=$BGPID
	sleep "0.$((RANDOM % 9 + 1))"
	kill -9 "$P" 2>/dev/null
	wait "$P" 2>/dev/null
done
expect_ok "after $KILLS kills, a run to the end" notify "$T/up.yaml"
check_eq "every notice sent" 0 "$(rows "status <> 'sent'")"
sleep 0.5
mails >"$T/mails.json"
NE=$(rows "channel = 'email'")
check_eq "every e-mail arrived (distinct Message-IDs)" "$NE" "$(jq -r '.message_id' "$T/mails.json" | sort -u | wc -l)"
DUPS=$(($(n_mails) - NE))
check_true "duplicates at most notify.batch (5) per kill ($DUPS for $KILLS)" "$DUPS" -le "$((5 * KILLS))"
check_eq "a duplicate is the same message" "$NE" \
    "$(jq -r '[.message_id, .subject, .body] | @json' "$T/mails.json" | sort -u | wc -l)"
NS=$(rows "channel = 'sms'")
check_eq "every SMS arrived" "$NS" "$(jq -r '.body' "$T/gw/requests" | sort -u | wc -l)"
check_eq "each under its own message id ({id})" "$NS" \
    "$(jq -r '.headers["X-Message-Id"]' "$T/gw/requests" | sort -u | wc -l)"
check_eq "a duplicate SMS is the same message under the same id" "$NS" \
    "$(jq -r '[.headers["X-Message-Id"], .body] | @json' "$T/gw/requests" | sort -u | wc -l)"
check_true "SMS duplicates at most notify.batch (5) per kill" "$(($(n_sms) - NS))" -le "$((5 * KILLS))"
expect_ok "the database holds (check)" sm check
echo "# killed $KILLS times: $DUPS e-mail and $(($(n_sms) - NS)) SMS duplicates"

# ================================================================ the daemon
fresh
notify_bg "$T/up.yaml" --daemon
D=$BGPID
BG_PIDS="$BG_PIDS $D"
for _ in $(seq 100); do
	[ "$(rows "status = 'sent'")" -ge "$(rows "status <> 'refused'")" ] && break
	sleep 0.1
done
check_eq "the daemon delivers" 0 "$(rows "status <> 'sent'")"
kill -TERM "$D"
wait "$D"
check_eq "and stops on SIGTERM" 0 "$?"

# the database file replaced under the daemon (a restore): it ends with
# status 1 for its service manager to start it again, not refusing forever
case $DB in
dqlite:*) ;;
*)
	fresh
	notify_bg "$T/up.yaml" --daemon
	D=$BGPID
	BG_PIDS="$BG_PIDS $D"
	sleep 1
	cp "$DB" "$DB.new" && mv "$DB.new" "$DB"
	i=0
	while kill -0 "$D" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$D" 2>/dev/null; then
		fail "the daemon ends when its database file is replaced"
		kill -TERM "$D"
		wait "$D"
	else
		wait "$D"
		check_eq "the daemon ends when its database file is replaced, status 1" 1 "$?"
	fi
	;;
esac

# ================================================================ a channel not configured
fresh
grep -v '^  url: http' "$T/up.yaml" >"$T/nosms.yaml"
run notify "$T/nosms.yaml"
check_eq "no sms.url: the run says so (exit 1)" 1 "$RC"
check_match "which notices wait, and why" "notices not sent, none attempted: sms.url is not configured|sms.url" "$ERR"
check_eq "the SMS untouched: not attempted, not given up" "$(rows "channel = 'sms'") 0" \
    "$(rows "channel = 'sms' and status = 'pending' and attempts = 0") $(rows "channel = 'sms' and status = 'failed'")"
check_eq "the e-mails went" 0 "$(rows "channel = 'email' and status <> 'sent'")"
sed 's|^  from: .*|  from: "not an address"|' "$T/up.yaml" >"$T/badfrom.yaml"
fresh
run notify "$T/badfrom.yaml"
check_eq "an smtp.from that is no address: exit 1" 1 "$RC"
check_eq "the e-mails untouched" "$(rows "channel = 'email'")" \
    "$(rows "channel = 'email' and status = 'pending' and attempts = 0")"

# ================================================================ a reason of two lines
fresh
RC_CASE=$(q "select id from cases where state = 'office_review' and office = '350100' order by id limit 1")
expect_ok "a case returned with a reason of two lines" sm --as fz-review case act "$RC_CASE" reject \
    --reason "$(printf '材料不全。\n请补充盖章页。')"
body=$(q "select body from outbox where case_id = $RC_CASE and event = 'returned' and channel = 'sms'")
check_match "the SMS keeps the line break" "材料不全。
请补充盖章页。" "$body"
check_nomatch "not as ^J" "\\^J" "$body"

finish
