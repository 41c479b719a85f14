#!/usr/bin/python3
"""kill -9 of relayd during a burst of concurrent posts: after a restart on
the same database every post that got its 303 is there, complete (row,
attachments, outbox job, received event), and the database is intact.
Documents handed in later (POST /antrag/<token>/unterlagen) are uploaded
during the same burst: each one answered 303 is there after the restart,
with its 'document' event and job. The same for a burst of citizens'
messages (issue 11): every message answered 303 is stored with its event
and its notice job.

run_crash(relay, form) returns the list of (reference, token)
answered 303, so a delivery test can check that each of them is mailed."""
import os
import sys
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_lib import *  # noqa

N, CONC = 400, 100


def run_crash(relay, form, n=N, conc=CONC, kill_after=150):
    got = []
    th = threading.Thread(target=lambda: got.extend(burst(relay, form, n, conc=conc)))
    th.start()
    # kill once a good part of the burst has been answered
    end = time.time() + 60
    while time.time() < end:
        try:
            c = relay.rows("SELECT count(*) FROM submissions")[0][0]
        except Exception:
            c = 0
        if c >= kill_after:
            break
        time.sleep(0.01)
    relay.kill9()
    th.join()
    return got


def open_applications(relay, form, n):
    """n applications, each with its token and antrag_csrf cookie."""
    apps = []
    for _ in range(n):
        st, h, _ = post(relay, form["city"], form["service"], valid_values(form))
        tok = h["location"].rsplit("/", 1)[1]
        st, h, _ = relay.request("GET", "/antrag/" + tok)
        apps.append((tok, h["set-cookie"].split(";")[0].split("=", 1)[1]))
    return apps


def upload_burst(relay, apps, acked, per_app=10, threads=4):
    """Uploads PDFs, each with a marker of its own, to apps until relayd
    is gone or every application has per_app; the markers answered 303 go
    into acked. The threads, started."""
    lock = threading.Lock()
    todo = iter([(a, k) for k in range(per_app) for a in apps])

    def worker():
        while True:
            with lock:
                item = next(todo, None)
            if item is None:
                return
            (tok, csrf), k = item
            marker = ("crash-%s-%d" % (tok, k)).encode()
            body, ct = multipart([("csrf", csrf), ("unterlagen", PDF + b"%" + marker + b"\n")])
            try:
                st, _, _ = relay.request("POST", "/antrag/%s/unterlagen" % tok, body,
                                         {"Content-Type": ct, "Cookie": "antrag_csrf=" + csrf})
            except OSError:
                return          # killed
            if st == 303:
                with lock:
                    acked.append(marker)
            time.sleep(0.005)   # spread the uploads over the burst
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    return ts


MN, MCONC = 300, 30


def message_crash(relay, token, kill_after=80):
    """MN messages to the application of token, MCONC at a time, relayd
    killed with -9 once kill_after are stored; the texts answered 303."""
    import http.client
    import re
    import urllib.parse
    st, h, body = relay.request("GET", "/antrag/" + token)
    csrf = re.search(r'name="csrf" value="([^"]+)"', body.decode()).group(1)
    got, lock, idx = [], threading.Lock(), iter(range(MN))

    def worker():
        while True:
            with lock:
                i = next(idx, None)
            if i is None:
                return
            text = "Nachricht Nr. %d" % i
            try:
                c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=30)
                c.request("POST", "/antrag/%s/nachricht" % token,
                          urllib.parse.urlencode({"csrf": csrf, "nachricht": text}),
                          {"Content-Type": "application/x-www-form-urlencoded",
                           "Cookie": "antrag_csrf=" + csrf})
                if c.getresponse().status == 303:
                    with lock:
                        got.append(text)
                c.close()
            except OSError:
                pass
    threads = [threading.Thread(target=worker) for _ in range(MCONC)]
    for t in threads:
        t.start()
    end = time.time() + 60
    while time.time() < end:
        try:
            if relay.rows("SELECT count(*) FROM messages")[0][0] >= kill_after:
                break
        except Exception:
            pass
        time.sleep(0.01)
    relay.kill9()
    for t in threads:
        t.join()
    return got


if __name__ == "__main__":
    r = Relay("crash").start()
    forms = {(f["city"], f["service"]): f for f in r.dump_forms()}
    H = forms[("dorsten", "hundeanmeldung")]
    apps = open_applications(r, H, 40)
    acked = []
    uploads = upload_burst(r, apps, acked)
    # the citizen's messages get their own burst and kill -9 below
    # (message_crash), once the relay is back
    got = run_crash(r, H)
    for t in uploads:
        t.join()
    ok(0 < len(got) < N, "kill -9 hit the burst: %d of %d posts answered 303" % (len(got), N))
    r.start()
    refs = r.rows("SELECT reference, token, id FROM submissions")
    have = {x[0]: x for x in refs}
    missing = [g for g in got if g[0] not in have or have[g[0]][1] != g[1]]
    ok(not missing, "after restart every 303-answered post is in the database (%d answered, %d stored)" % (
        len(got), len(refs)), missing[:5])
    files = sum(1 for _, v in valid_values(H) if isinstance(v, bytes))
    bad = r.rows("""SELECT s.reference FROM submissions s WHERE
        (SELECT count(*) FROM attachments a WHERE a.submission_id = s.id
         AND a.added_unix IS NULL) != ? OR
        (SELECT count(*) FROM outbox o WHERE o.submission_id = s.id AND o.kind = 'office') != 1 OR
        (SELECT count(*) FROM events e WHERE e.submission_id = s.id AND e.kind = 'received') != 1""", (files,))
    ok(not bad, "no half-stored submission (attachments, outbox job, event all there)", bad[:5])
    ok(len(acked) > 0, "later documents were uploaded during the burst: %d answered 303" % len(acked))
    docs = r.rows("SELECT data FROM attachments WHERE added_unix IS NOT NULL")
    found = set()
    for (d,) in docs:
        d = bytes(d)
        i = d.find(b"crash-")
        if i >= 0:
            found.add(d[i:d.index(b"\n", i)])
    lost = [m for m in acked if m not in found]
    ok(not lost, "after restart every upload answered 303 is in the database (%d answered, %d stored)" % (
        len(acked), len(found)), lost[:5])
    half = r.rows("""SELECT a.id FROM attachments a WHERE a.added_unix IS NOT NULL AND (
        (SELECT count(*) FROM outbox o WHERE o.kind = 'document' AND o.ref_id = a.id) != 1 OR
        (SELECT count(*) FROM events e WHERE e.submission_id = a.submission_id AND
         e.kind = 'document' AND e.detail = a.filename) != 1)""")
    ok(not half, "no half-stored document (its job and its event are there)", half[:5])
    if r.pg:
        skip("database intact (PRAGMA integrity_check)", "SQLite only: the file is relayd's; PostgreSQL's files are the server's, which relayd only talks to")
    else:
        ok(r.rows("PRAGMA integrity_check")[0][0] == "ok", "database intact after kill -9")
    st, _, _ = post(r, "dorsten", "hundeanmeldung", valid_values(H))
    ok(st == 303, "restarted relay accepts posts", st)
    got = message_crash(r, refs[0][1])
    ok(0 < len(got) < MN, "kill -9 hit the burst of messages: %d of %d answered 303" % (len(got), MN))
    r.start()
    bodies = set(x[0] for x in r.rows("SELECT body FROM messages"))
    lost = [g for g in got if g not in bodies]
    ok(not lost, "after restart every 303-answered message is stored (%d answered, %d stored)" % (
        len(got), len(bodies)), lost[:5])
    half = r.rows("""SELECT m.id FROM messages m WHERE
        (SELECT count(*) FROM outbox o WHERE o.ref_id = m.id AND o.kind = 'notice_office') != 1""")
    ev = r.rows("SELECT count(*) FROM events WHERE kind = 'message'")[0][0]
    ok(not half and ev == len(bodies), "no half-stored message (each with its notice job and "
       "its event)", (half[:5], ev, len(bodies)))
    ok(r.stop() == 0, "exit 0")
    done()
