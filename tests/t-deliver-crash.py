#!/usr/bin/python3
"""t-deliver-crash - kill -9 of relayd during a burst of 400 concurrent posts while the worker
is mailing them; restart; then every post that got its 303 is in SQLite
and is mailed, and no Message-ID arrives twice except in the documented
crash window (a job in flight at the kill: sent, not yet marked
delivered), which is at most one job because the worker claims one at a
time. Real daemon, real SQLite file, tests/smtp_sink.py."""
import collections, os, sys, threading, time
ROOT = os.environ.get("ROOT", os.getcwd())
import relay_lib as L
from relay_lib import ok
import smtp_sink as S

sink = S.Sink(os.path.join(L.TMP, "sink"), L.free_port()).start()
relay = L.Relay("crash", smtp_url="smtp://127.0.0.1:%d" % sink.port,
                extra="retry:\n  initial: 1\n  max: 2\n  lifetime_seconds: 600\n")
# short SMTP timeouts: the lease of a job in flight is smtp.timeout + 15 s
with open(relay.cfg) as f:
    cfg = f.read().replace("  from: relay@example.de\n",
                           "  from: relay@example.de\n  connect_timeout: 2\n  timeout: 5\n")
with open(relay.cfg, "w") as f:
    f.write(cfg)
relay.start()
try:
    form = [f for f in relay.dump_forms() if f["service"] == "geburtsurkunde"][0]
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("got", L.burst(relay, form, 400, conc=40)))
    t.start()
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            n = relay.rows("SELECT count(*) FROM submissions")[0][0]
        except Exception:
            n = 0
        if n >= 150:
            break
        time.sleep(0.01)
    relay.kill9()
    t.join()
    got = result.get("got", [])
    stored_at_kill = relay.rows("SELECT count(*) FROM submissions")[0][0]
    mailed_at_kill = sink.count()
    ok(100 <= len(got) < 400, "kill -9 hit mid-burst: %d of 400 posts got their 303, %d mails out"
       % (len(got), mailed_at_kill))
    refs = set(r for r, _ in got)
    in_db = set(r for (r,) in relay.rows("SELECT reference FROM submissions"))
    ok(refs <= in_db, "every post that got its 303 is in SQLite after the kill (%d/%d)"
       % (len(refs & in_db), len(refs)))
    ok(len(in_db) == stored_at_kill, "%d rows stored in total (%d beyond the 303s: "
       "committed, answer lost in the kill)" % (len(in_db), len(in_db) - len(refs)))

    relay.start()
    all_ids = set("<%s@127.0.0.1>" % r for r in in_db)
    arrived = lambda: set(m["message_id"] for m in sink.messages()) >= all_ids
    pending = lambda: relay.rows("SELECT count(*) FROM outbox WHERE delivered_unix IS NULL")[0][0]
    deadline = time.time() + 90      # a job in flight at the kill waits for its lease
    while time.time() < deadline and (not arrived() or pending()):
        time.sleep(0.5)
    ok(arrived(), "after restart every stored submission was mailed (%d)" % len(all_ids))
    ok(set("<%s@127.0.0.1>" % r for r in refs) <= set(m["message_id"] for m in sink.messages()),
       "every post that got its 303 was mailed (%d)" % len(refs))
    time.sleep(3)
    counts = collections.Counter(m["message_id"] for m in sink.messages())
    dups = {k: v for k, v in counts.items() if v > 1}
    ok(len(dups) <= 1 and all(v == 2 for v in dups.values()),
       "no Message-ID arrived twice except the one job in flight at the kill "
       "(duplicates: %d)" % len(dups), dups)
    # one check whether or not the kill caught a job in flight, so that the
    # suite counts the same number of checks in every run
    claims = {}
    for mid in dups:
        ref = mid[1:].split("@")[0]
        claims[mid] = relay.rows("SELECT count(*) FROM events e JOIN submissions s ON s.id ="
                                 " e.submission_id WHERE s.reference = ? AND e.kind = 'claimed'",
                                 (ref,))[0][0]
    ok(all(c >= 2 for c in claims.values()),
       "a duplicate is only the documented crash window: claimed twice, same Message-ID "
       "(%s)" % (", ".join("%s claimed %d times" % kv for kv in claims.items()) or "none this run"))
    ok(set(counts) == all_ids, "nothing else was mailed (%d distinct Message-IDs)" % len(counts))
    ok(relay.rows("SELECT count(*) FROM outbox WHERE delivered_unix IS NULL")[0][0] == 0,
       "all outbox jobs are marked delivered")
finally:
    relay.stop()
    sink.stop()
L.done()
