#!/usr/bin/python3
"""relayd when its disk is full (issue 10, point 3): the database file
cannot grow (RLIMIT_FSIZE lowered on the running daemon, the way a full
filesystem or a quota refuses a write) during a burst of posts with
attachments. Every post answered 303 must be in the database, every post
that could not be stored gets 503 and is not, the daemon keeps running, and
once space returns (the limit raised again) it stores posts again. Then a
database that cannot be opened at start: a clear error and exit code."""
import json
import os
import resource
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_lib import *  # noqa

if PG:
    # relayd's file hitting RLIMIT_FSIZE has no PostgreSQL counterpart: the
    # server writes its own files (a full disk there fails the COMMIT, which
    # relayd answers with 503 like any failed commit)
    skip("disk full while storing", "SQLite only: the database file is written by relayd "
         "itself; with PostgreSQL the server writes its files")
    done()

r = Relay("diskfull").start()
forms = {(f["city"], f["service"]): f for f in r.dump_forms()}
H = forms[("dorsten", "hundeanmeldung")]
big = PDF[:-6] + b"%" + b"x" * (96 * 1024) + b"\n%%EOF\n"      # ~100 KB, still a PDF


def values():
    return [(k, big if isinstance(v, bytes) else v) for k, v in valid_values(H)]


st, _, _ = post(r, "dorsten", "hundeanmeldung", values())
ok(st == 303, "a post with a 100 KB attachment is stored while there is space", st)
size = sum(os.path.getsize(p) for p in (r.db, r.db + "-wal") if os.path.exists(p))
limit = size + 400 * 1024
resource.prlimit(r.proc.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

acked, refused, other = [], 0, []
for i in range(30):
    st, _, body = post(r, "dorsten", "hundeanmeldung", values())
    if st == 303:
        acked.append(json.loads(body)["reference"])
    elif st == 503:
        refused += 1
    else:
        other.append(st)
ok(refused > 0, "the full disk answers 503 (%d of 30 posts; %d stored before it was full)"
   % (refused, len(acked)))
ok(not other, "no other status than 303 or 503", other)
ok(r.proc.poll() is None, "relayd is still running (SIGXFSZ does not kill it)")
ok("event=commit_failed" in r.logtext(), "the failed commit is logged (event=commit_failed)")
st, _, _ = r.request("GET", "/healthz")
ok(st in (200, 503), "/healthz answers while the disk is full", st)

resource.prlimit(r.proc.pid, resource.RLIMIT_FSIZE,
                 (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
st, _, body = post(r, "dorsten", "hundeanmeldung", values())
ok(st == 303, "once space returns, posts are stored again", st)
if st == 303:
    acked.append(json.loads(body)["reference"])
ok(r.stop() == 0, "relayd stops cleanly")
stored = {row[0] for row in r.rows("SELECT reference FROM submissions")}
ok(all(a in stored for a in acked), "every acknowledged post is in the database (%d)" % len(acked))
ok(len(stored) == len(acked) + 1, "nothing that got 503 was stored (%d rows, %d acknowledged + the "
   "first)" % (len(stored), len(acked)))
chk = subprocess.run(["sqlite3", r.db, "PRAGMA integrity_check"], capture_output=True, text=True)
ok(chk.stdout.strip() == "ok", "the database passes integrity_check", chk.stdout + chk.stderr)

# A database that cannot be opened at start.
for what, path in [("in a directory that does not exist", os.path.join(TMP, "nirgends", "relay.db")),
                   ("that is not a database", os.path.join(TMP, "kaputt.db"))]:
    if path.endswith("kaputt.db"):
        with open(path, "wb") as f:
            f.write(b"this is not an SQLite database\n" * 200)
    bad = Relay("diskfull-" + what.split()[-1], db=path)
    p = subprocess.run([RELAYD, "--config", bad.cfg], capture_output=True, text=True, timeout=60)
    ok(p.returncode == 1, "database %s: relayd exits with status 1, not a signal" % what,
       (p.returncode, p.stderr[-300:]))
    ok("level=error" in p.stderr and ("relay.db" in p.stderr or "kaputt.db" in p.stderr),
       "database %s: one clear error line naming the file" % what, p.stderr[-300:])
done()
