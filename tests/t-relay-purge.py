#!/usr/bin/python3
"""t-relay-purge - the retention purge with the Postfach's tables (issue
11, point 7), on the real relayd and store (SQLite, and PostgreSQL when
tests/run reruns it): a submission whose delivery ended before the cutoff
goes with everything of it - attachments (the later documents too),
messages, outbox jobs, events - and its token then gets the themed 404; a
younger one keeps all of it. Postfach links and Postfach sessions that have
expired by the clock go with the same purge, the others stay (like the
clerks' sessions). The messages rows are written with SQL: the messages
themselves are another part of issue 11."""
import os
import subprocess
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402
import smtp_sink as S  # noqa: E402

RELAYCTL = os.environ.get("RELAYCTL", os.path.join(L.ROOT, "bin/asan/relayctl"))
TABLES = ("attachments", "outbox", "events", "messages")


def ctl(relay, *args):
    p = subprocess.run([RELAYCTL, "--config", relay.cfg] + list(args),
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def counts(relay, sid):
    return {t: relay.rows("SELECT count(*) FROM %s WHERE submission_id = ?" % t, (sid,))[0][0]
            for t in TABLES}


sink = S.Sink(os.path.join(L.TMP, "purge-mail"), L.free_port()).start()
relay = L.Relay("purge", smtp_url="smtp://127.0.0.1:%d" % sink.port).start()
try:
    form = {(f["city"], f["service"]): f for f in relay.dump_forms()}[("dorsten", "hundeanmeldung")]
    subs = []
    for _ in range(2):
        st, h, _ = L.post(relay, "dorsten", "hundeanmeldung", L.valid_values(form))
        tok = h["location"].rsplit("/", 1)[1]
        sid = relay.rows("SELECT id FROM submissions WHERE token = ?", (tok,))[0][0]
        # a later document through the page
        st, h, _ = relay.request("GET", "/antrag/" + tok)
        csrf = h["set-cookie"].split(";")[0].split("=", 1)[1]
        body, ct = L.multipart([("csrf", csrf), ("unterlagen", L.PDF)])
        st2, _, _ = relay.request("POST", "/antrag/%s/unterlagen" % tok, body,
                                  {"Content-Type": ct, "Cookie": "antrag_csrf=" + csrf})
        subs.append((tok, sid, st2))
    ok(all(s[2] == 303 for s in subs), "two applications, each with a later document")
    ok(L.wait_until(lambda: relay.rows("SELECT count(*) FROM outbox WHERE delivered_unix IS NULL")
                    [0][0] == 0, 60), "all their mails delivered (office and document)")
    relay.stop()

    (old_tok, old_id, _), (new_tok, new_id, _) = subs
    now = int(time.time())
    long_ago = now - 40 * 86400
    w = [("UPDATE submissions SET received_unix = ? WHERE id = ?", (long_ago, old_id)),
         ("UPDATE outbox SET delivered_unix = ? WHERE submission_id = ?", (long_ago, old_id))]
    for sid in (old_id, new_id):
        w += [("INSERT INTO messages(submission_id, at_unix, author, actor, kind, body)"
               " VALUES(?, ?, 'citizen', '', 'message', 'Frage des Bürgers')", (sid, now - 100)),
              ("INSERT INTO messages(submission_id, at_unix, author, actor, kind, body)"
               " VALUES(?, ?, 'clerk', 'dora', 'rueckfrage', 'Rückfrage der Stelle')", (sid, now - 50))]
    # links: one expired and older than the per-address hour (goes), one
    # expired but still counted for the hour's limit (stays), one valid
    for i, exp in enumerate((now - 5400, now - 10, now + 1800)):
        w += [("INSERT INTO postfach_links(token_hash, email, token, created_unix, expires_unix,"
               " next_attempt) VALUES(?, ?, '', ?, ?, ?)",
               (bytes([i]) * 32, "antrag@example.de", exp - 1800, exp, exp - 1800))]
    for i, exp in enumerate((now - 10, now + 1800)):
        w += [("INSERT INTO postfach_sessions(id_hash, email, created_unix, expires_unix)"
               " VALUES(?, ?, ?, ?)", (bytes([i + 10]) * 32, "antrag@example.de", exp - 3600, exp))]
    relay.write(w)
    before = counts(relay, old_id)
    ok(all(before[t] > 0 for t in TABLES) and
       relay.rows("SELECT count(*) FROM attachments WHERE submission_id = ? AND added_unix IS NOT NULL",
                  (old_id,))[0][0] == 1,
       "before: the old application has attachments (one handed in later), jobs, events, messages",
       before)
    relay.start()
    st, _, _ = relay.request("GET", "/antrag/" + old_tok)
    ok(st == 200, "before the purge its page is there", st)

    rc, out, err = ctl(relay, "purge", "--older-than", "30")
    ok(rc == 0 and out.startswith("purged 1 submission"), "relayctl purge --older-than 30: 1 purged",
       out + err)
    after = counts(relay, old_id)
    ok(all(v == 0 for v in after.values()) and
       relay.rows("SELECT count(*) FROM submissions WHERE id = ?", (old_id,))[0][0] == 0,
       "after: no row of it in submissions, attachments, outbox, events or messages", after)
    st, _, b = relay.request("GET", "/antrag/" + old_tok)
    ok(st == 404 and "gibt es nicht" in b.decode(), "its token gets the themed 404", st)
    body, ct = L.multipart([("csrf", "C" * 32), ("unterlagen", L.PDF)])
    st, _, _ = relay.request("POST", "/antrag/%s/unterlagen" % old_tok, body,
                             {"Content-Type": ct, "Cookie": "antrag_csrf=" + "C" * 32})
    ok(st == 404, "and a document for it gets 404 too", st)
    keep = counts(relay, new_id)
    ok(all(keep[t] > 0 for t in TABLES) and keep["messages"] == 2,
       "the younger application keeps everything", keep)
    st, _, _ = relay.request("GET", "/antrag/" + new_tok)
    ok(st == 200, "and its page", st)
    links = relay.rows("SELECT expires_unix FROM postfach_links ORDER BY expires_unix")
    sess = relay.rows("SELECT expires_unix FROM postfach_sessions")
    ok([r[0] for r in links] == [now - 10, now + 1800] and [r[0] for r in sess] == [now + 1800],
       "expired Postfach sessions are purged by the clock, and expired links once the "
       "per-address hour no longer counts them; valid ones stay", (links, sess))
finally:
    relay.stop()
    sink.stop()
done()
