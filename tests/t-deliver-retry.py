#!/usr/bin/python3
"""t-deliver-retry - relayd delivery when SMTP misbehaves, against the real daemon, a real
SQLite file and tests/smtp_sink.py:
 - SMTP down during submission -> jobs wait and retry -> SMTP back up ->
   each mail delivered exactly once;
 - relayd restarted (SIGTERM) with pending jobs -> delivered after restart;
 - 421 -> retried, then delivered once;
 - SMTP refusing temporarily forever (451) -> failed after the lifetime,
   logged with level=error, counted in /metrics;
 - SMTP refusing permanently (554) -> failed at once, logged."""
import collections, json, os, re, sys, time
ROOT = os.environ.get("ROOT", os.getcwd())
import relay_lib as L
from relay_lib import ok, wait_until, metric
import smtp_sink as S

RETRY = "retry:\n  initial: 1\n  max: 2\n  lifetime_seconds: %d\n"


def post_some(relay, n, service="hundeanmeldung"):
    form = [f for f in relay.dump_forms() if f["service"] == service][0]
    refs = []
    for _ in range(n):
        st, h, body = L.post(relay, form["city"], form["service"], L.valid_values(form))
        if st == 303:
            refs.append(json.loads(body)["reference"])
    return refs


def office_ids(sink):
    return collections.Counter(m["message_id"] for m in sink.messages()
                               if ".receipt@" not in m["message_id"])


# ---- SMTP down during submission, then back up; restart with pending jobs ----
sink = S.Sink(os.path.join(L.TMP, "sink1"), L.free_port())
relay = L.Relay("retry", smtp_url="smtp://127.0.0.1:%d" % sink.port,
                extra=RETRY % 600).start()
try:
    refs = post_some(relay, 3)
    ok(len(refs) == 3, "3 posts accepted (303) while SMTP is down")
    ok(wait_until(lambda: relay.rows("SELECT count(*) FROM events WHERE kind='retry'")[0][0] >= 3, 20),
       "each job was attempted and scheduled for retry")
    ok(relay.rows("SELECT count(*) FROM outbox WHERE delivered_unix IS NULL AND failed_unix IS NULL")[0][0] == 3,
       "all 3 jobs wait in the outbox (not failed, not dropped)")
    ok("event=delivery_retry" in relay.logtext() and "level=warn" in relay.logtext(),
       "relayd logged the retries")
    st, _, hz = relay.request("GET", "/healthz")
    ok(b"outbox_depth\":3" in hz.replace(b" ", b""), "/healthz shows outbox depth 3", hz[:200])
    # restart relayd with pending jobs (still no SMTP), then bring SMTP up
    ok(relay.stop() == 0, "relayd stops cleanly (SIGTERM) with 3 pending jobs")
    more = post_some(relay.start(), 2)
    ok(len(more) == 2, "2 more posts after the restart, still no SMTP")
    attempts_before = relay.rows("SELECT sum(attempts) FROM outbox")[0][0]
    sink.start()
    ok(sink.wait(5, 60), "SMTP back up: all 5 mails arrive", sink.count())
    time.sleep(4)       # several retry periods: nothing may arrive twice
    ids = office_ids(sink)
    want = set("<%s@127.0.0.1>" % r for r in refs + more)
    ok(set(ids) == want, "exactly the 5 accepted submissions were mailed", sorted(ids))
    ok(all(c == 1 for c in ids.values()), "each delivered exactly once", ids)
    ok(relay.rows("SELECT count(*) FROM outbox WHERE delivered_unix IS NOT NULL")[0][0] == 5,
       "all 5 jobs marked delivered in SQLite")
    ok(attempts_before >= 3, "the jobs had been attempted before SMTP came up (%s attempts)" % attempts_before)
    ok(metric(relay, "relayd_mails_delivered") == 5, "/metrics: relayd_mails_delivered 5")

    # 421 on MAIL FROM, then accept
    sink.set_mode("421")
    r421 = post_some(relay, 1)
    ok(wait_until(lambda: any(e.get("reply", "").startswith("421") for e in sink.refusals()), 20),
       "the sink answered 421")
    sink.set_mode("accept")
    ok(sink.wait(6, 30), "after 421 the mail is delivered on retry")
    time.sleep(2)
    ok(office_ids(sink)["<%s@127.0.0.1>" % r421[0]] == 1, "... exactly once")
finally:
    relay.stop()
    sink.stop()

# ---- refusing forever: failed after the lifetime; 554: failed at once ----
sink = S.Sink(os.path.join(L.TMP, "sink2"), L.free_port(), mode="tempfail").start()
relay = L.Relay("lifetime", smtp_url="smtp://127.0.0.1:%d" % sink.port,
                extra=RETRY % 6).start()
try:
    t0 = time.time()
    refs = post_some(relay, 1)
    failed = lambda: relay.rows("SELECT count(*) FROM outbox WHERE failed_unix IS NOT NULL")[0][0] == 1
    ok(wait_until(failed, 30), "451 forever: the job is marked failed")
    took = time.time() - t0
    ok(5 <= took <= 20, "... after its lifetime of 6 s (%.1f s)" % took)
    att = relay.rows("SELECT attempts, last_error FROM outbox")[0]
    ok(att[0] >= 3, "... after %d attempts with backoff" % att[0])
    ok("451" in (att[1] or ""), "... the SMTP error is stored", att[1])
    log = relay.logtext()
    line = [l for l in log.splitlines() if "event=delivery_failed" in l]
    ok(line and "level=error" in line[0] and refs[0] in line[0] and "lifetime" in line[0],
       "a loud level=error log line names the reference and the lifetime", line[:1])
    ok(metric(relay, "relayd_mails_failed") == 1, "/metrics: relayd_mails_failed 1")
    ok(relay.rows("SELECT count(*) FROM events WHERE kind='failed'")[0][0] == 1,
       "a 'failed' event is in the log table")
    ok(sink.count() == 0, "nothing was delivered")

    sink.set_mode("permfail")
    refs = post_some(relay, 1)
    ok(wait_until(lambda: relay.rows("SELECT count(*) FROM outbox WHERE failed_unix IS NOT NULL")[0][0] == 2, 20),
       "554: the job is failed at once")
    row = relay.rows("SELECT o.attempts, o.last_error FROM outbox o JOIN submissions s"
                     " ON s.id = o.submission_id WHERE s.reference = ?", refs)[0]
    ok(row[0] == 1 and "554" in row[1], "... after 1 attempt, error kept", row)
    ok(relay.logtext().count("event=delivery_failed") == 2, "... and logged")
    ok(relay.rows("SELECT count(*) FROM submissions")[0][0] == 2,
       "failed submissions stay stored (relayctl resend can retry them)")
finally:
    relay.stop()
    sink.stop()
L.done()
