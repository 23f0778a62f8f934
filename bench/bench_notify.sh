#!/bin/sh
# bench_notify.sh - make bench (bench-notify): notify run delivering 1,000
# e-mails to a local SMTP server (tests/smtpd.py, aiosmtpd, on 127.0.0.1)
# against a bare libcurl loop (bench/bench_smtp_loop) sending the same
# messages to the same server in the same run.  Prints both rates and their
# ratio (the aim: notify run at least 0.8 of the loop's rate).
#
# BENCH_MAILS (default 1000) e-mails, BENCH_ROUNDS (default 3) rounds; the
# best round of each counts.  Plain SMTP on the loopback for both (the TLS
# handshake is once per connection for both alike).  Run from the build
# directory (make bench does).
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
N=${BENCH_MAILS:-1000}
ROUNDS=${BENCH_ROUNDS:-3}
for f in "$builddir/sitemark" "$builddir/bench/bench_smtp_loop"; do
	if [ ! -x "$f" ]; then
		echo "bench_notify.sh: $f is missing: run 'make bench' from the build directory" >&2
		exit 1
	fi
done
PY=
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import aiosmtpd' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	echo "bench_notify.sh: python3-aiosmtpd is not installed: no numbers" >&2
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/sitemark-bench-notify.XXXXXX")
SMTPD=
cleanup() {
	[ -n "$SMTPD" ] && kill "$SMTPD" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SITEMARK_DATADIR=${SITEMARK_DATADIR:-$srcdir}
export SITEMARK_DATADIR
unset SITEMARK_DB SITEMARK_CONFIG SITEMARK_NOW || true
HOME=$T/home
mkdir -p "$HOME" "$T/smtp"
export HOME

"$PY" "$srcdir/tests/smtpd.py" "$T/smtp" 2>"$T/smtpd.log" &
SMTPD=$!
i=0
while [ ! -s "$T/smtp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$T/smtp/port")
cat >"$T/cfg.yaml" <<CFG
smtp:
  url: smtp://127.0.0.1:$PORT
  from: noreply@sitemark.example.cn
  starttls: false
notify:
  timeout: 30
CFG

# A database whose outbox holds N e-mails of the demo's kind (and nothing
# else to do: no SMS, no mark past its deadline).
"$builddir/sitemark" --db "$T/base.db" init --demo >/dev/null 2>&1
sqlite3 "$T/base.db" "
DELETE FROM outbox WHERE channel = 'sms';
UPDATE outbox SET status = 'sent' WHERE channel = 'email';
UPDATE cases SET state = 'mark_hung' WHERE state = 'mark_issued';
CREATE TEMP TABLE src AS
  SELECT row_number() OVER (ORDER BY id) - 1 AS k, * FROM outbox WHERE channel = 'email';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO outbox(msg_id, case_id, event, channel, recipient, name, subject, body, created_at)
SELECT 'bench:' || i, o.case_id, o.event, 'email', o.recipient, o.name, o.subject, o.body,
       strftime('%Y-%m-%dT%H:%M:%S+08:00', 'now', '+8 hours')
FROM n JOIN src o ON o.k = i % (SELECT count(*) FROM src);"
have=$(sqlite3 "$T/base.db" "SELECT count(*) FROM outbox WHERE status = 'pending'")
if [ "$have" -ne "$N" ]; then
	echo "bench_notify.sh: the outbox holds $have e-mails to send, not $N" >&2
	exit 1
fi

now() { date +%s.%N; }
best_n=0
best_l=0
r=1
while [ $r -le "$ROUNDS" ]; do
	cp "$T/base.db" "$T/run.db"
	rm -rf "$T/smtp/Maildir"
	t0=$(now)
	"$builddir/sitemark" --db "$T/run.db" --config "$T/cfg.yaml" notify run >"$T/run.out"
	t1=$(now)
	sent=$(ls "$T/smtp/Maildir/new" | wc -l)
	if [ "$sent" -ne "$N" ]; then
		echo "bench_notify.sh: notify run delivered $sent of $N" >&2
		exit 1
	fi
	rate_n=$(echo "$N / ($t1 - $t0)" | bc -l)
	# the same messages, as the server received them, again by the bare loop
	mkdir -p "$T/msgs"
	rm -f "$T/msgs/"*
	mv "$T/smtp/Maildir/new/"* "$T/msgs/"
	set -- $("$builddir/bench/bench_smtp_loop" "smtp://127.0.0.1:$PORT" noreply@sitemark.example.cn "$T"/msgs/*)
	rate_l=$(echo "$1 / $3" | bc -l)
	printf 'round %d: notify run %.0f e-mails/s, bare libcurl loop %.0f e-mails/s\n' "$r" "$rate_n" "$rate_l"
	best_n=$(echo "if ($rate_n > $best_n) $rate_n else $best_n" | bc -l)
	best_l=$(echo "if ($rate_l > $best_l) $rate_l else $best_l" | bc -l)
	r=$((r + 1))
done
printf 'notify run: %d e-mails, %.0f e-mails/s (best of %d; an audit record per e-mail, their outcomes recorded ten to a transaction)\n' "$N" "$best_n" "$ROUNDS"
printf 'bare libcurl loop: %d e-mails, %.0f e-mails/s (best of %d)\n' "$N" "$best_l" "$ROUNDS"
printf 'ratio: %.2f (aim >= 0.8)\n' "$(echo "$best_n / $best_l" | bc -l)"
