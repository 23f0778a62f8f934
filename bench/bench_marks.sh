#!/usr/bin/env bash
# bench_marks.sh - make bench-marks: the mark monitor against a local nginx
# (issue 10).
#
# One nginx on 127.0.0.1 (a free port, started here, stopped by its pid)
# answers every site: its server block takes the names *.bench.test and
# serves each a home page carrying that site's snippet (the mark code is in
# the host name) and links to two more pages.  A database of N issued and
# hung marks, each on its own English domain, is made from one case taken
# through the workflow and copied with plain SQL.  Then, in the same run:
#
#   - wrk's requests per second on the same nginx and page, on the
#     checker's number of connections: with keep-alive (the fair figure,
#     the aim's: pages checked per second at least half of it), a new
#     connection per request, and a new connection every PAGES + 1 requests
#     (the checker's shape: each site is a host of its own, so a connection
#     of its own for its home page and its linked pages);
#   - libcurl alone on the checker's transfers (bench_marks_floor.c: the
#     same sites, limits and connection reuse, bodies thrown away): the
#     floor under the checker's time on one thread, and on the checker's
#     THREADS threads (the ceiling of a checker built on libcurl here);
#   - sitemark marks check on all N sites (every site named by --resolve):
#     pages checked per second (wall clock), and the checker's peak RSS
#     (getrusage ru_maxrss of the child), for N = 1,000 and N = SITES; then
#     with nothing stored (--dry-run), and with the marks just issued (each
#     moved on by verify-hung, in the transactions that store the checks).
#
# SITES (default 10000) is the knob; MONITOR_PAGES (2), MONITOR_CONNECTIONS
# (64), MONITOR_PER_HOST (1), MONITOR_THREADS (the checker's default) and
# WRK_SECONDS (5) too.  The sites are spread over 64 loopback addresses, as
# real ones are over many.  It prints numbers and fails nothing but
# itself.  make check never runs it.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
SITES=${SITES:-10000}
PAGES=${MONITOR_PAGES:-2}
CONNS=${MONITOR_CONNECTIONS:-64}
# the checker's default: the processors online, at most 4
THREADS=${MONITOR_THREADS:-$(n=$(nproc); [ "$n" -gt 4 ] && n=4; echo "$n")}
WRK_SECONDS=${WRK_SECONDS:-5}
SM="$builddir/sitemark"

[ -x "$SM" ] || { echo "bench_marks.sh: $SM is missing: run make first" >&2; exit 1; }
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench_marks.sh: nginx is not installed" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench_marks.sh: wrk is not installed" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sitemark-bench-marks.XXXXXX")
NGINX_PID=
cleanup() {
	if [ -n "$NGINX_PID" ]; then
		kill -TERM "$NGINX_PID" 2>/dev/null || true
		wait "$NGINX_PID" 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT

export SITEMARK_DATADIR=${SITEMARK_DATADIR:-$srcdir}
unset SITEMARK_DB SITEMARK_NOW XDG_DATA_HOME || true
export HOME="$T/home" LANG=C.UTF-8 LC_ALL=C.UTF-8
mkdir -p "$HOME"
VALUES="$srcdir/tests/values"

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

# ---------------------------------------------------------------- the sites
mkdir -p "$T/nginx/tmp"
cat >"$T/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $T/nginx/tmp;
	proxy_temp_path $T/nginx/tmp;
	fastcgi_temp_path $T/nginx/tmp;
	uwsgi_temp_path $T/nginx/tmp;
	scgi_temp_path $T/nginx/tmp;
	default_type text/html;
	keepalive_requests 100000;
	server {
		listen $port backlog=4096;
		server_name ~^(?<code>[a-z0-9]+)\.bench\.test\$;
		location / {
			return 200 '<!DOCTYPE html><html><head><meta charset="utf-8"><title>福州市图书馆</title></head><body><h1>福州市图书馆</h1><p><a href="/a.html">a</a> <a href="/b.html">b</a> <a href="/c.html">c</a></p><p>馆藏检索与读者服务。</p><span id="_ideConac"><script type="text/javascript" src="https://bs.sitemark.invalid/js/35/001/0000/00000002/\$code.js"></script></span></body></html>';
		}
	}
}
EOF
"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>"$T/nginx/start.err" &
NGINX_PID=$!
for _ in $(seq 1 50); do
	[ -s "$T/nginx/nginx.pid" ] && break
	sleep 0.1
done
[ -s "$T/nginx/nginx.pid" ] || { echo "nginx did not start: $(cat "$T/nginx/start.err")" >&2; exit 1; }

# ---------------------------------------------------------------- the database
# one mark case through the workflow (the monitor account made by a first
# check), then copied: SITES marks, hung, each on its own domain
make_db() { # DB N
	local db=$1 n=$2
	local sm="$SM --db $db"
	$sm init >/dev/null
	$sm user add sec --role secadmin >/dev/null
	$sm office add 350100 --name 中共福州市委机构编制委员会办公室 >/dev/null
	for u in rev:office conac1:conac conac2:conac; do
		extra=
		[ "${u#*:}" = office ] && extra="--office 350100"
		$sm user add "${u%%:*}" --role "${u#*:}" $extra >/dev/null
		$sm --as sec user role "${u%%:*}" "${u#*:}" >/dev/null
	done
	$sm unit register --values "$VALUES/unit-institution-fj.yaml" --login lib-op >/dev/null
	$sm --as sec user role lib-op unit >/dev/null
	id=$($sm --as lib-op case new domain --values "$VALUES/domain-gongyi.yaml")
	$sm --as lib-op case act "$id" submit >/dev/null
	$sm --as rev case act "$id" approve >/dev/null
	$sm --as conac1 case act "$id" approve >/dev/null
	$sm --as conac2 case act "$id" confirm-payment --values "$VALUES/confirm-payment.yaml" >/dev/null
	id=$($sm --as lib-op case new mark --values "$VALUES/mark-own.yaml")
	$sm --as lib-op case act "$id" submit >/dev/null
	$sm --as rev case act "$id" approve >/dev/null
	$sm --as conac1 case act "$id" approve >/dev/null
	# the workflow's mark code (...0000010001) out of the copies' way
	sqlite3 "$db" <<EOF
BEGIN;
UPDATE marks SET code = 'CA350010000009999999999' WHERE case_id = $id;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO cases(id, kind, unit, office, state, version, domain, domain_unicode, "values",
    hints, created_by, submitted_by, due, due_kind, due_uncertain, created_at, updated_at)
SELECT 100000 + i, kind, unit, office, 'mark_hung', 1, domain || '-' || i, domain_unicode,
    json_set("values", '$.english_domains',
        json_array(printf('ca35001000000%010d.bench.test', i))),
    hints, created_by, submitted_by, NULL, NULL, 0, created_at, updated_at
FROM cases, n WHERE cases.id = $id;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO marks(case_id, unit, code, guid, cert_no, color, snippet, issued_at, hang_due,
    certificate)
SELECT 100000 + i, unit, printf('CA35001000000%010d', i), upper(hex(randomblob(16))),
    printf('2026%010d', 100000 + i), color, snippet, issued_at, hang_due, certificate
FROM marks, n WHERE marks.case_id = $id;
UPDATE cases SET state = 'withdrawn' WHERE id = $id;
COMMIT;
EOF
}

cat >"$T/sitemark.yaml" <<EOF
monitor:
  pages: $PAGES
  connections: $CONNS
  per_host: ${MONITOR_PER_HOST:-1}
  threads: $THREADS
  connect_timeout: 5
  timeout: 20
  http_port: $port
EOF
export SITEMARK_CONFIG="$T/sitemark.yaml"

# Peak RSS (KiB, getrusage's ru_maxrss of the child) and wall time of a run:
# a small C program forks and execs it, so that the figure is the checker's
# alone (a Python or shell parent's copy, holding the 10,000 arguments, would
# count in the child's until its exec).
cat >"$T/maxrss.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct timespec a, b;
	struct rusage ru;
	int status = 0;
	if (argc < 3)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid_t p = fork();
	if (p == 0) {
		int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		close(2);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	wait4(p, &status, 0, &ru);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%ld %.3f %d\n", ru.ru_maxrss, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return 0;
}
EOF
${CC:-cc} -O2 -o "$T/maxrss" "$T/maxrss.c" || { echo "bench_marks.sh: cannot build the helper" >&2; exit 1; }
rusage_run() { # OUT-FILE CMD...
	"$T/maxrss" "$@"
}

# ---------------------------------------------------------------- wrk
host=ca350010000000000000001.bench.test
curl -sf -H "Host: $host" "http://127.0.0.1:$port/" | grep -q "/ca350010000000000000001.js" ||
    { echo "bench_marks.sh: nginx does not serve the page" >&2; exit 1; }
wrk_rps=$(wrk -t2 -c"$CONNS" -d"${WRK_SECONDS}s" -H "Host: $host" "http://127.0.0.1:$port/" |
    sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
wrk_close=$(wrk -t2 -c"$CONNS" -d"${WRK_SECONDS}s" -H "Host: $host" -H "Connection: close" \
    "http://127.0.0.1:$port/" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
# the checker's shape: every (PAGES + 1)th request of a thread closes its
# connection (so PAGES + 1 requests a connection, on average)
cat >"$T/shape.lua" <<LUA
local n = 0
request = function()
	n = n + 1
	if n % $((PAGES + 1)) == 0 then
		return wrk.format(nil, nil, {["Host"] = "$host", ["Connection"] = "close"})
	end
	return wrk.format(nil, nil, {["Host"] = "$host"})
end
LUA
wrk_shape=$(wrk -t2 -c"$CONNS" -d"${WRK_SECONDS}s" -s "$T/shape.lua" "http://127.0.0.1:$port/" |
    sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
FLOOR=
if ${CC:-cc} -O2 -o "$T/floor" "$srcdir/bench/bench_marks_floor.c" \
    $(pkg-config --cflags --libs libcurl 2>/dev/null || echo -lcurl) -lpthread 2>"$T/floor.err"; then
	FLOOR="$T/floor"
else
	echo "bench_marks.sh: no libcurl floor: $(head -c 300 "$T/floor.err")" >&2
fi

# ---------------------------------------------------------------- the checker
echo "mark monitor benchmark: nginx on 127.0.0.1:$port, $PAGES linked pages per site, $CONNS connections, $THREADS threads ($(nproc) processors)"
printf '  wrk, keep-alive, %s connections (the fair figure, the aim'"'"'s): %10s requests/s\n' \
    "$CONNS" "$wrk_rps"
printf '  wrk, a new connection per request:                        %10s requests/s\n' \
    "$wrk_close"
printf '  wrk, a new connection every %d requests (the checker'"'"'s shape): %9s requests/s\n' \
    "$((PAGES + 1))" "$wrk_shape"
for n in 1000 "$SITES"; do
	db="$T/bench-$n.db"
	make_db "$db" "$n"
	resolve=()
	for i in $(seq 1 "$n"); do
		# the sites spread over 64 loopback addresses, as real sites are
		# over many: not one address and port for all their connections
		resolve+=(--resolve "$(printf 'ca35001000000%010d.bench.test' "$i"):$port:127.0.0.$((1 + i % 64))")
	done
	if [ -n "$FLOOR" ]; then
		for t in 1 "$THREADS"; do
			[ "$t" = 1 ] && label="one thread" || label="$t threads"
			read -r fpages fsecs < <("$FLOOR" "$port" "$n" "$PAGES" "$CONNS" \
			    "${MONITOR_PER_HOST:-1}" "$t" 2>"$T/floor-$n.err") || break
			printf '  %6d sites, libcurl alone on %s: %6d pages in %7.2f s = %7.0f pages/s (%.2f of wrk keep-alive, %.2f of its shape)\n' \
			    "$n" "$label" "$fpages" "$fsecs" "$(python3 -c "print($fpages / $fsecs)")" \
			    "$(python3 -c "print($fpages / $fsecs / $wrk_rps)")" \
			    "$(python3 -c "print($fpages / $fsecs / $wrk_shape)")"
			[ "$THREADS" = 1 ] && break
		done
	fi
	read -r rss secs rc < <(rusage_run "$T/out-$n.txt" "$SM" --db "$db" marks check "${resolve[@]}")
	pages=$(sqlite3 "$db" "SELECT count(*) FROM mark_check_pages")
	passed=$(sqlite3 "$db" "SELECT count(*) FROM mark_checks WHERE verdict = 'pass'")
	rate=$(python3 -c "print('%.0f' % ($pages / $secs))")
	ratio=$(python3 -c "print('%.2f' % ($pages / $secs / $wrk_rps))")
	shape=$(python3 -c "print('%.2f' % ($pages / $secs / $wrk_shape))")
	printf '  %6d sites: %6d pages in %7.2f s = %7s pages/s (%s of wrk keep-alive, %s of its shape); %d marks pass; exit %d; peak RSS %d KiB\n' \
	    "$n" "$pages" "$secs" "$rate" "$ratio" "$shape" "$passed" "$rc" "$rss"
	read -r rss secs rc < <(rusage_run "$T/dry-$n.txt" "$SM" --db "$db" marks check --dry-run "${resolve[@]}")
	rate=$(python3 -c "print('%.0f' % ($pages / $secs))")
	printf '  %6d sites, --dry-run (nothing stored):   %7.2f s = %7s pages/s; peak RSS %d KiB\n' \
	    "$n" "$secs" "$rate" "$rss"
	if [ "$THREADS" != 1 ]; then
		sed 's/^  threads: .*/  threads: 1/' "$T/sitemark.yaml" >"$T/one.yaml"
		read -r rss secs rc < <(SITEMARK_CONFIG="$T/one.yaml" rusage_run "$T/one-$n.txt" "$SM" --db "$db" marks check --dry-run "${resolve[@]}")
		rate=$(python3 -c "print('%.0f' % ($pages / $secs))")
		printf '  %6d sites, --dry-run on one thread:      %7.2f s = %7s pages/s; peak RSS %d KiB\n' \
		    "$n" "$secs" "$rate" "$rss"
	fi
	# the first check after the marks are issued: verify-hung on each
	sqlite3 "$db" "UPDATE cases SET state = 'mark_issued' WHERE id > 100000"
	read -r rss secs rc < <(rusage_run "$T/issued-$n.txt" "$SM" --db "$db" marks check "${resolve[@]}")
	hung=$(sqlite3 "$db" "SELECT count(*) FROM cases WHERE id > 100000 AND state = 'mark_hung'")
	rate=$(python3 -c "print('%.0f' % ($pages / $secs))")
	printf '  %6d sites, marks issued (verify-hung on each): %7.2f s = %7s pages/s; %d now hung; peak RSS %d KiB\n' \
	    "$n" "$secs" "$rate" "$hung" "$rss"
	[ "$n" = "$SITES" ] && break
done
