#!/usr/bin/python3
"""relayd under bad clients and signals: truncated multipart, slow clients
(header and body drip, total deadline), SIGHUP reload (good and broken
catalogue), SIGTERM while posts are in flight, config errors."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_lib import *  # noqa

content = os.path.join(TMP, "content")
shutil.copytree(FIXTURE, content)
r = Relay("robust", content=content, limits={"timeout": 2, "request_deadline": 3}).start()
forms = {(f["city"], f["service"]): f for f in r.dump_forms()}
H = forms[("dorsten", "hundeanmeldung")]

# ---- truncated multipart ----
body, ctype = multipart(valid_values(H))
for what, cut in [("in the middle of a part", len(body) // 2), ("without the closing boundary", len(body) - 12)]:
    t = body[:cut]
    head = ("POST /submit/dorsten/hundeanmeldung HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\nAccept: application/json\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (ORIGIN, ctype, len(t))).encode()
    st = raw_status(raw_exchange(r.port, head + t))
    ok(st == 400, "truncated multipart (%s) -> 400" % what, st)
# a body that ends early (client hangs up): aborted, nothing stored
s = socket.create_connection(("127.0.0.1", r.port))
s.sendall(("POST /submit/dorsten/hundeanmeldung HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\nContent-Type: %s\r\n"
           "Content-Length: %d\r\n\r\n" % (ORIGIN, ctype, len(body))).encode() + body[:len(body) // 2])
s.close()
time.sleep(0.3)
ok(count_submissions(r) == 0, "no row for truncated or aborted bodies")


# ---- slow clients ----
def drip(prefix, byte=b"a", every=0.5, limit=30):
    """Sends prefix, then one byte every `every` s; returns seconds until
    the server closed the connection (or None)."""
    s = socket.create_connection(("127.0.0.1", r.port))
    s.settimeout(every)
    t0 = time.monotonic()
    try:
        s.sendall(prefix)
        while time.monotonic() - t0 < limit:
            try:
                d = s.recv(4096)
                if not d:
                    return time.monotonic() - t0
            except socket.timeout:
                pass
            except OSError:
                return time.monotonic() - t0
            try:
                s.sendall(byte)
            except OSError:
                return time.monotonic() - t0
        return None
    finally:
        s.close()


res = {}
ths = [threading.Thread(target=lambda: res.__setitem__("hdr", drip(b"POST /submit/dorsten/hundeanmeldung HTTP/1.1\r\nX-Slow: "))),
       threading.Thread(target=lambda: res.__setitem__("body", drip(
           ("POST /submit/dorsten/hundeanmeldung HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nvorname=" % ORIGIN).encode())))]
for t in ths:
    t.start()
time.sleep(0.5)
st, _, _ = post(r, "dorsten", "hundeanmeldung", valid_values(H))
ok(st == 303, "normal posts are served while slow clients drip", st)
for t in ths:
    t.join()
ok(res.get("hdr") is not None and res["hdr"] < 6, "header drip (1 byte/0.5 s) cut at the 3 s request deadline", res.get("hdr"))
ok(res.get("body") is not None and res["body"] < 6, "body drip cut at the 3 s request deadline", res.get("body"))
s = socket.create_connection(("127.0.0.1", r.port))
s.settimeout(10)
t0 = time.monotonic()
try:
    gone = s.recv(10) == b""
except OSError:
    gone = True
idle = time.monotonic() - t0
s.close()
ok(gone and idle < 5, "silent connection closed after the idle timeout (%.1fs)" % idle)
ok(count_submissions(r) == 1, "slow clients stored nothing")

# ---- SIGHUP ----
svc = os.path.join(content, "services/hundeanmeldung.yml")
src = open(svc).read()
st, _, _ = post(r, "dorsten", "hundeanmeldung", [(k, ("x" * 15 if k == "vorname" else v)) for k, v in valid_values(H)])
ok(st == 303, "before reload: 15-character first name accepted", st)
open(svc, "w").write(src.replace("max_length: 20", "max_length: 10", 1))
r.signal(signal.SIGHUP)


def wait_log(text, n, t=10):
    end = time.time() + t
    while time.time() < end:
        if r.logtext().count(text) >= n:
            return True
        time.sleep(0.05)
    return False


ok(wait_log("event=reloaded", 1), "SIGHUP logs event=reloaded")
st, _, body = post(r, "dorsten", "hundeanmeldung", [(k, ("x" * 15 if k == "vorname" else v)) for k, v in valid_values(H)])
ok(st == 422 and b"10 Zeichen" in body, "after reload the new max_length (10) applies", (st, body[:200]))
open(svc, "w").write(src.replace("fields:", "fields: [", 1))
r.signal(signal.SIGHUP)
ok(wait_log("event=reload_failed", 1), "SIGHUP with a broken catalogue logs reload_failed")
ok("hundeanmeldung.yml:" in r.logtext(), "reload error names the file (file:line:col)")
st, _, _ = post(r, "dorsten", "hundeanmeldung", [(k, ("x" * 15 if k == "vorname" else v)) for k, v in valid_values(H)])
st2, _, _ = post(r, "dorsten", "hundeanmeldung", [(k, ("x" * 5 if k == "vorname" else v)) for k, v in valid_values(H)])
ok(st == 422 and st2 == 303, "after a failed reload the previous forms stay in force", (st, st2))
open(svc, "w").write(src)
ok(r.stop() == 0, "exit 0")
log = r.logtext()
ok("AddressSanitizer" not in log and "runtime error" not in log, "no sanitizer reports", log[-800:])

# ---- SIGTERM with posts in flight ----
r = Relay("drain", content=content).start()
got = []
th = threading.Thread(target=lambda: got.extend(burst(r, H, 5000, conc=40)))
th.start()
time.sleep(0.4)
t0 = time.monotonic()
rc = r.stop()
th.join()
ok(rc == 0, "SIGTERM during a burst -> exit 0", rc)
ok(0 < len(got) < 5000, "SIGTERM came during the burst: %d of 5000 answered before the relay stopped accepting" % len(got))
refs = {x[0] for x in r.rows("SELECT reference FROM submissions")}
ok(all(g[0] in refs for g in got), "every post answered 303 is in the database (%d/%d)" % (
    sum(g[0] in refs for g in got), len(got)))
ok("event=stopped" in r.logtext(), "log says stopped")
if r.pg:
    skip("database intact (PRAGMA integrity_check)", "SQLite only: the file is relayd's; PostgreSQL's files are the server's, which relayd only talks to")
else:
    ok(r.rows("PRAGMA integrity_check")[0][0] == "ok", "database intact")

# ---- config errors ----
cfg = os.path.join(TMP, "bad.yml")
open(cfg, "w").write("listen: 127.0.0.1\nport: 99999\ncolour: blue\npublic_url: http://x\n"
                     "allowed_origins: [https://a.example/path]\nsmtp:\n  url: smtp://127.0.0.1:25\n"
                     "  from: a@b.de\n  starttls: maybe\n")
p = subprocess.run([RELAYD, "--config", cfg], capture_output=True, text=True, timeout=30)
ok(p.returncode == 1, "invalid config -> exit 1", p.returncode)
ok(cfg + ":2:7:" in p.stderr, "port out of range reported at file:line:col", p.stderr)
ok(cfg + ":3:1: unknown key 'colour'" in p.stderr, "unknown key reported at file:line:col", p.stderr)
ok(cfg + ":5:19:" in p.stderr, "origin with a path refused", p.stderr)
ok(cfg + ":9:13:" in p.stderr, "starttls value checked", p.stderr)

# the annotated example in relay/ is a valid configuration
ex = open(os.path.join(ROOT, "relay/relay.yml.example")).read()
# the payment key the example names: a file of the right kind (0600, 40 bytes)
key = os.path.join(TMP, "pay-dorsten.key")
with open(key, "w") as f:
    f.write("k" * 40 + "\n")
os.chmod(key, 0o600)
ex = ex.replace("/var/lib/relayd/relay.db", os.path.join(TMP, "ex.db")) \
       .replace("/srv/serviceportal/content", FIXTURE) \
       .replace("/srv/serviceportal/themes", os.path.join(ROOT, "themes")) \
       .replace("/etc/relayd/pay-dorsten.key", key)
open(os.path.join(TMP, "ex.yml"), "w").write(ex)
p = subprocess.run([RELAYD, "--config", os.path.join(TMP, "ex.yml"), "--dump-forms"],
                   capture_output=True, text=True, timeout=60)
ok(p.returncode == 0 and p.stdout.startswith("["), "relay/relay.yml.example is accepted", p.stderr[-500:])
done()
