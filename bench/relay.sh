#!/bin/sh
# bench/relay.sh - `make bench-relay`: drives bin/relayd on loopback with
# many concurrent keep-alive posts (bench/relay_load.c) and prints durable
# submissions/s, p50/p99 latency and peak RSS for both store backends side
# by side - SQLite (a file on the project's disk) and PostgreSQL (a server
# of its own, started from Debian's binaries by tests/pg_lib.py, data on
# the same disk, fsync and synchronous_commit on, Unix socket) - next to
# the same load against `relayd --no-store` (the HTTP ceiling); then the
# clerks' inbox list of an office with 100,000 applications (bench/inbox.py)
# and the memory given back after a burst.
#
# The SQLite store and the ceiling are measured in BENCH_ROUNDS rounds
# (default 3), each a SQLite run followed at once by a --no-store run,
# and the rounds' medians are printed: this VM runs faster or slower for
# minutes at a time (the ceiling alone ranged from 41,887 to 57,272
# posts/s within one hour), and a durable run and a ceiling run minutes
# apart measured that phase as much as the store. Each round's own
# figures are printed too. PostgreSQL runs once, after the first round.
#
# Env: BENCH_CONNS (default 64), BENCH_SECONDS (default 5),
#      BENCH_ROUNDS (default 3),
#      BENCH_FORM (default dorsten/hundeanmeldung of the test fixture, a
#      multipart post with a PDF attachment), RELAY_THEMES (themes dir).
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CONNS=${BENCH_CONNS:-64}
SECS=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
case "$ROUNDS" in '' | *[!0-9]*) ROUNDS=0 ;; esac
[ "$ROUNDS" -ge 1 ] || { echo "BENCH_ROUNDS must be a number >= 1" >&2; exit 2; }
FORM=${BENCH_FORM:-dorsten/hundeanmeldung}
THEMES=${RELAY_THEMES:-$ROOT/themes}
ORIGIN=https://www.serviceportal-emscher-lippe.de
mkdir -p build/bench
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 -o build/bench/relay_load bench/relay_load.c -lpthread
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 -o build/bench/relay_fsync bench/relay_fsync.c
# on the project's disk, not a tmpfs: fsync must cost what it costs
W=$(mktemp -d "$ROOT/build/bench/relay.XXXXXX")
# PostgreSQL's data: /tmp is on the same disk here, and the server's user
# (nobody, when we are root) can enter it
PG=$(mktemp -d /tmp/relay-pg-bench.XXXXXX)
# Each step may fail without keeping the next from running (set -e holds
# in a trap too). A signal ends the script through its EXIT trap: as a
# plain trap action the cleanup would have let the script go on, and
# without PIPE and HUP a closed output (make bench-relay | head) killed
# the shell outright and left the PostgreSQL server running. relayd is
# stopped by run() itself.
cleanup() {
	/usr/bin/python3 tests/pg_lib.py stop "$PG" >/dev/null 2>&1 || :
	rm -rf "$W" "$PG"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# config DATABASE [more lines]: the relay.yml for one run
config() {
	cat <<EOC
listen: 127.0.0.1
port: $PORT
database: $1
${2:-}
content_dir: $ROOT/tests/fixtures/content
themes_dir: $THEMES
public_url: http://127.0.0.1:$PORT
allowed_origins: [$ORIGIN]
smtp:
  url: smtp://127.0.0.1:9
  from: relay@example.de
limits:
  max_connections: 1024
  max_per_ip: 1024
  rate_per_ip_per_minute: 0
retry:
  initial: 86400
  max: 86400
EOC
}
config "$W/relay.db" >"$W/relay.yml"

# a valid post for the form, built from --dump-forms like the tests do
CTYPE=$(ROOT="$ROOT" TEST_TMP="$W" /usr/bin/python3 - "$W/relay.yml" "$FORM" "$W/body" <<'EOP'
import json, subprocess, sys, os
sys.path.insert(0, os.path.join(os.environ["ROOT"], "tests"))
from relay_lib import valid_values, multipart, urlencode
cfg, form, out = sys.argv[1:4]
city, svc = form.split("/")
forms = json.loads(subprocess.run([os.path.join(os.environ["ROOT"], "bin/relayd"), "--config", cfg,
                                   "--dump-forms"], capture_output=True, check=True).stdout)
f = [x for x in forms if x["city"] == city and x["service"] == svc][0]
vals = valid_values(f)
if any(isinstance(v, bytes) for _, v in vals):
    body, ctype = multipart(vals)
else:
    body, ctype = urlencode(vals), "application/x-www-form-urlencoded"
open(out, "wb").write(body)
print(ctype)
EOP
)

# rows LABEL: submissions stored by the run LABEL
rows() {
	case "$1" in
	postgresql) /usr/bin/python3 -c 'import sys; sys.path.insert(0, "tests"); import pg_lib
print(pg_lib.Postgres(sys.argv[1]).rows(sys.argv[2], "SELECT count(*) FROM submissions")[0][0])' \
		"$PG" "$PGDB" ;;
	*) [ -f "$W/relay.db" ] && sqlite3 "$W/relay.db" 'SELECT count(*) FROM submissions' || echo 0 ;;
	esac
}

run() {  # $1 = label, $2 = config, rest = relayd flags
	label=$1
	cfg=$2
	shift 2
	rm -f "$W"/relay.db*
	./bin/relayd --config "$cfg" "$@" 2>"$W/$label.log" &
	PID=$!
	# run() runs in a command substitution, a subshell: the script's own
	# EXIT trap never sees this PID, so a run that fails stops its relayd
	# shellcheck disable=SC2154 # rc is set by the trap's own first word
	trap 'rc=$?; kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || :; exit $rc' EXIT
	i=0
	until /usr/bin/python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=1)" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "relayd did not start:" >&2; cat "$W/$label.log" >&2; exit 1; }
		sleep 0.1
	done
	out=$(build/bench/relay_load "$PORT" "/submit/$FORM" "$W/body" "$CTYPE" "$ORIGIN" "$CONNS" "$SECS")
	hwm=$(awk '/^VmHWM/ {print $2}' /proc/$PID/status)
	kill -TERM "$PID"
	wait "$PID" || { echo "relayd $label exited non-zero" >&2; exit 1; }
	trap - EXIT
	echo "$label $out rss_kb=$hwm rows=$(rows "$label")"
}

echo "relay benchmark: $CONNS connections, ${SECS}s each, form $FORM ($(wc -c <"$W/body") byte body), $(nproc) cores"
# the device's own fsync latency, measured right before: the floor under
# any durable p99 (a shared or busy disk shows here first)
build/bench/relay_fsync "$W/fsync.tmp" 2
# one line per run: "LABEL key=value ...", in the order they ran (a run
# that fails ends the script here: set -e and a plain assignment)
RES=""
PG_UP=0
r=1
while [ "$r" -le "$ROUNDS" ]; do
	out=$(run sqlite "$W/relay.yml")
	RES="$RES$out
"
	out=$(run nostore "$W/relay.yml" --no-store)
	RES="$RES$out
"
	if [ "$r" = 1 ]; then
		if /usr/bin/python3 tests/pg_lib.py start "$PG" >"$W/pg.log" 2>&1; then
			PGDB=$(/usr/bin/python3 tests/pg_lib.py newdb "$PG" bench)
			config "$PGDB" "admin_socket: $W/pg.sock" >"$W/relay-pg.yml"
			out=$(run postgresql "$W/relay-pg.yml")
			RES="$RES$out
"
			PG_UP=1
		else
			echo "PostgreSQL did not start (make deps installs it):"
			tail -n 5 "$W/pg.log"
		fi
	fi
	r=$((r + 1))
done
printf '%s' "$RES" | /usr/bin/python3 -c '
import statistics, sys
runs = {"sqlite": [], "postgresql": [], "nostore": []}
for line in sys.stdin:
    parts = line.split()
    if parts:
        runs[parts[0]].append(dict(p.split("=") for p in parts[1:]))
s, p, n = runs["sqlite"], runs["postgresql"], runs["nostore"]
med = lambda rs, k: statistics.median(float(r[k]) for r in rs)
# each round: SQLite against the ceiling run right after it
round_ratios = [float(a["rate"]) / max(float(b["rate"]), 1) for a, b in zip(s, n)]
if len(s) > 1:
    print("%d rounds, each a SQLite run and then a --no-store run:" % len(s))
    for i, (a, b, r) in enumerate(zip(s, n, round_ratios), 1):
        print("  round %d: SQLite %s posts/s, p99 %s ms, %.1f MB; ceiling %s posts/s; ratio %.2f"
              % (i, a["rate"], a["p99_ms"], int(a["rss_kb"]) / 1024, b["rate"], r))
    print("the rows below: each figure the median of the rounds, peak RSS the highest")
fmt = "%-24s %12s %9s %9s %9s %10s %8s"
print(fmt % ("", "posts/s (303)", "p50 ms", "p99 ms", "max ms", "peak RSS", "errors"))
for name, rs in (("durable (SQLite)", s), ("durable (PostgreSQL)", p),
                 ("--no-store (ceiling)", n)):
    if not rs:
        print("%-24s not measured" % name)
        continue
    print(fmt % (name, "%.0f" % med(rs, "rate"), "%.2f" % med(rs, "p50_ms"),
                 "%.2f" % med(rs, "p99_ms"), "%.2f" % med(rs, "max_ms"),
                 "%.1f MB" % (max(int(r["rss_kb"]) for r in rs) / 1024),
                 "%d" % sum(int(r["errors"]) for r in rs)))
# SQLite: the median of the ratios of the rounds; PostgreSQL (one run): against
# the median ceiling
ratio = {"SQLite": lambda: statistics.median(round_ratios),
         "PostgreSQL": lambda: med(p, "rate") / max(med(n, "rate"), 1)}
for name, rs in (("SQLite", s), ("PostgreSQL", p)):
    if rs:
        durable = sum(int(r["ok303"]) for r in rs)
        rows = sum(int(r["rows"]) for r in rs)
        bad = any(int(r["rows"]) != int(r["ok303"]) for r in rs)
        print("durable (%s): %d posts answered 303, %d rows in the databases after SIGTERM%s" % (
            name, durable, rows, "  <-- MISMATCH" if bad else ""))
        print("ratio durable (%s) / ceiling: %.2f" % (name, ratio[name]()))
ok = med(s, "rate") >= 2000 and med(s, "p99_ms") < 50 and max(int(r["rss_kb"]) for r in s) < 20 * 1024
print("target (SQLite: >= 2000/s, p99 < 50 ms, RSS < 20 MB): %s" % ("met" if ok else "NOT met"))
'

# The clerks' inbox (issue 11, point 5): the first page of the list of an
# office with 100,000 stored applications, on both stores (bench/inbox.py).
for store in sqlite postgresql; do
	if [ "$store" = postgresql ] && [ "$PG_UP" = 0 ]; then
		echo "inbox list (postgresql): not measured, PostgreSQL did not start"
		continue
	fi
	RELAY_STORE=$store RELAY_PG_DIR=$PG TEST_TMP=$W ROOT=$ROOT RELAYD=$ROOT/bin/relayd \
		RELAYCTL=$ROOT/bin/relayctl /usr/bin/python3 bench/inbox.py ||
		echo "inbox list ($store): the measurement failed"
done

# Memory given back (issue 10): idle, peak and after-burst RSS of the
# release relayd around 500 slow connections and 200 posts of 1 MB. Its
# files go in $W, removed at the end (without TEST_TMP the test keeps
# them in /tmp/memory, and its database grew by every run).
TEST_TMP=$W /usr/bin/python3 tests/t-relay-memory.py --print 2>&1 | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith("{"):
        m = json.loads(line)
        i, p, a = m["idle_kb"] / 1024, m["peak_kb"] / 1024, m["after_kb"] / 1024
        print("memory: idle %.1f MB, peak %.1f MB (500 slow connections, 200 posts of 1 MB), "
              "after the burst %.1f MB (%+.1f MB; target within 2 MB of idle: %s)"
              % (i, p, a, a - i, "met" if a - i <= 2 else "NOT met"))
'
