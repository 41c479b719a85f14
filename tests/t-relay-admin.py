#!/usr/bin/python3
"""t-relay-admin - relayd is the SQLite file's only writer (SQLite 3.40.1's WAL-reset bug):
while it runs, relayctl resend/purge go to it over its admin socket (mode
0600) and it holds an flock on <db>.lock; when it is stopped (or was
killed) relayctl takes the lock and writes itself. Also: a second relayd
on the same database or the same socket refuses to start, and a lock held
without a relayd answering makes relayctl fail clearly, not write.
With RELAY_STORE=postgresql the lock file lies beside the instance's
admin socket and guards that socket, not the database: a second relayd
with a socket of its own on the same database starts (active-active)."""
import fcntl, json, os, signal, stat, subprocess, sys, time
ROOT = os.environ.get("ROOT", os.getcwd())
import relay_lib as L
from relay_lib import ok

RELAYCTL = os.environ.get("RELAYCTL", os.path.join(ROOT, "bin/asan/relayctl"))


def ctl(cfg, *args, timeout=60):
    p = subprocess.run([RELAYCTL, "--config", cfg] + list(args), capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def events(relay, ref, kind):
    return relay.rows("SELECT count(*) FROM events e JOIN submissions s ON s.id = e.submission_id"
                      " WHERE s.reference = ? AND e.kind = ?", (ref, kind))[0][0]


relay = L.Relay("admin").start()
sock, lock = relay.sock, relay.lock
others = []
try:
    form = [f for f in relay.dump_forms() if f["service"] == "hundeanmeldung"][0]
    refs = []
    for _ in range(2):
        st, h, body = L.post(relay, form["city"], form["service"], L.valid_values(form))
        ok(st == 303, "post accepted", (st, body[:200]))
        refs.append(json.loads(body)["reference"] if st == 303 else "NONE")

    # --- relayd running: it does the writing ---
    try:
        m = os.lstat(sock).st_mode
    except OSError as e:
        m = 0
    ok(stat.S_ISSOCK(m) and stat.S_IMODE(m) == 0o600,
       "relayd listens on the admin socket <db>.sock, mode 0600", oct(m))
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held = False
    except BlockingIOError:
        held = True
    os.close(fd)
    ok(held, "relayd holds an exclusive flock on <db>.lock while it runs")

    rc, out, err = ctl(relay.cfg, "resend", refs[0])
    ok(rc == 0 and out.startswith("queued " + refs[0]) and "directly" not in err,
       "resend with relayd running: exit 0, no direct write", out + err)
    ok("event=admin command=resend status=0" in relay.logtext() and events(relay, refs[0], "resend") == 1,
       "resend was executed by relayd (its log) and recorded", relay.logtext()[-600:])
    rc, out, err = ctl(relay.cfg, "resend", "BOT-2026-NOPE99")
    ok(rc == 1 and "no submission BOT-2026-NOPE99" in err, "resend of an unknown reference via relayd: exit 1", (rc, err))
    rc, out, err = ctl(relay.cfg, "purge", "--older-than", "30")
    ok(rc == 0 and out.startswith("purged 0 submissions") and "directly" not in err and
       "event=admin command=purge status=0" in relay.logtext(),
       "purge with relayd running is done by relayd", out + err)
    rc, out, err = ctl(relay.cfg, "status")
    ok(rc == 0 and "submissions 2\n" in out, "status reads directly (read-only) while relayd runs", out + err)

    # a raw client speaking nonsense gets an answer, relayd stays up
    import socket
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sock)
    s.sendall(b"drop table submissions\n")
    ans = s.recv(1000)
    s.close()
    ok(ans.startswith(b"2 ") and relay.request("GET", "/healthz")[0] == 200,
       "an unknown admin command is refused (status 2) and relayd keeps running", ans)
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sock)
    s.sendall(b"x" * 5000)
    try:
        ans = s.recv(1000)
    except OSError:
        ans = b""
    s.close()
    ok(ans.startswith(b"2 "), "an over-long admin request is refused", ans)

    # --- a second relayd on the same database, or on the same socket ---
    if L.PG:
        two = L.Relay("admin2", db=relay.db)
        others.append(two)
        two.start()
        rc, out, err = ctl(two.cfg, "status")
        ok(two.request("GET", "/healthz")[0] == 200 and rc == 0 and "submissions 2\n" in out,
           "PostgreSQL: a second relayd on the same database, with its own admin socket, "
           "starts and sees the same submissions", out + err)
        ok(two.stop() == 0, "and stops cleanly")
    else:
        two = L.Relay("admin2", db=relay.db)
        two.proc = subprocess.Popen([L.RELAYD, "--config", two.cfg], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
        others.append(two)
        try:
            out2 = two.proc.communicate(timeout=40)[0].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            two.proc.kill()
            out2 = "timeout"
        ok(two.proc.returncode == 1 and "event=locked" in out2,
           "a second relayd on the same database refuses to start (lock held)", out2[-400:])
    three = L.Relay("admin3", extra="admin_socket: %s\n" % sock)
    three.proc = subprocess.Popen([L.RELAYD, "--config", three.cfg], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
    others.append(three)
    try:
        out3 = three.proc.communicate(timeout=40)[0].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        three.proc.kill()
        out3 = "timeout"
    # (PostgreSQL: the lock beside that socket is held, which says the same)
    ok(three.proc.returncode == 1 and ("another relayd answers" in out3 or
                                       (L.PG and "event=locked" in out3)) and
       stat.S_ISSOCK(os.lstat(sock).st_mode),
       "a relayd whose admin_socket is a live relayd's refuses to start and leaves it alone", out3[-400:])
    ok(relay.request("GET", "/healthz")[0] == 200 and ctl(relay.cfg, "resend", refs[1])[0] == 0,
       "the first relayd still serves HTTP and admin commands")

    # --- relayd stopped: relayctl writes itself, under the lock ---
    ok(relay.stop() == 0 and not os.path.exists(sock), "SIGTERM: relayd exits 0 and removes its socket")
    before = events(relay, refs[0], "resend")
    rc, out, err = ctl(relay.cfg, "resend", refs[0])
    ok(rc == 0 and "relayd is not running" in err and events(relay, refs[0], "resend") == before + 1,
       "resend with relayd stopped: relayctl writes directly", out + err)
    rc, out, err = ctl(relay.cfg, "purge", "--older-than", "1")
    ok(rc == 0 and "relayd is not running" in err and out.startswith("purged 0 submissions") and
       "kept back 0" in out, "purge with relayd stopped: relayctl writes directly", out + err)

    # another process holds the lock, nobody answers: wait, then a clear error
    fd = os.open(lock, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    t0 = time.time()
    rc, out, err = ctl(relay.cfg, "resend", refs[0])
    took = time.time() - t0
    ok(rc == 3 and "does not answer" in err and events(relay, refs[0], "resend") == before + 1,
       "lock held but no relayd answering: exit 3 with a clear message, nothing written", (rc, err))
    ok(9 <= took < 30, "relayctl waited about 10 s for relayd first (%.1fs)" % took)
    # released while relayctl waits: it proceeds
    p = subprocess.Popen([RELAYCTL, "--config", relay.cfg, "resend", refs[0]],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1)
    os.close(fd)
    o, e = p.communicate(timeout=30)
    ok(p.returncode == 0 and b"relayd is not running" in e and events(relay, refs[0], "resend") == before + 2,
       "once the lock is free relayctl goes on and writes directly", (p.returncode, e))

    # --- relayd killed: the lock dies with it, a stale socket is harmless ---
    relay.start()
    relay.kill9()
    ok(os.path.exists(sock), "after kill -9 the socket file is left behind")
    rc, out, err = ctl(relay.cfg, "resend", refs[1])
    ok(rc == 0 and "relayd is not running" in err,
       "relayctl sees the lock free after kill -9 and writes directly", out + err)
    relay.start()
    rc, out, err = ctl(relay.cfg, "resend", refs[1])
    ok(rc == 0 and "directly" not in err and relay.logtext().count("event=admin command=resend status=0") >= 3,
       "a restarted relayd replaces the stale socket and serves it again", out + err)
finally:
    for o in others:
        if o.proc and o.proc.poll() is None:
            o.proc.kill()
    if relay.proc and relay.proc.poll() is None:
        relay.stop()
L.done()
