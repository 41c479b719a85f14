#!/usr/bin/python3
"""relayd's delivery against SMTP servers that misbehave on purpose
(tests/smtp_faulty.py), issue 10 point 4: the connection dropped in the
middle of DATA, 4xx on RCPT, a server slower than the timeout, STARTTLS
required but not offered, 552 message too large. Each must end in the
documented retry (temporary) or failure (permanent), with one log line per
attempt, the job's state in SQLite and the metric; nothing is sent in plain
text when TLS is required. A well-behaved control run proves the harness
delivers at all."""
import json
import os
import re
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_lib import *  # noqa
from smtp_faulty import FaultySMTP  # noqa: E402

RETRY = "retry:\n  initial: 1\n  max: 2\n  lifetime_seconds: 600\n"


def log_lines(relay, event):
    return [l for l in relay.logtext().splitlines() if "event=%s " % event in l]


def run(mode, smtp_extra="", delay=6.0):
    """One relayd against one faulty server; one valid post. Returns
    (relay, server, reference) with relayd still running."""
    srv = FaultySMTP(mode, delay=delay).start()
    relay = Relay("mailfault-" + mode, smtp_url="smtp://127.0.0.1:%d" % srv.port,
                  extra=RETRY, smtp_extra=smtp_extra).start()
    form = [f for f in relay.dump_forms() if f["service"] == "hundeanmeldung"][0]
    st, _, body = post(relay, form["city"], form["service"], valid_values(form))
    ref = json.loads(body)["reference"] if st == 303 else None
    ok(st == 303, "%s: the post is accepted before any delivery" % mode, st)
    return relay, srv, ref


def office_job(relay):
    rows = relay.rows("SELECT attempts, coalesce(delivered_unix, 0), coalesce(failed_unix, 0), "
                      "coalesce(last_error, '') FROM outbox "
                      "WHERE kind = 'office'")
    return rows[0] if rows else (0, 0, 0, "")


def temporary(mode, expect_error, smtp_extra="", delay=6.0, attempts=2, timeout=40):
    relay, srv, ref = run(mode, smtp_extra, delay)
    try:
        ok(wait_until(lambda: office_job(relay)[0] >= attempts and
                      len(log_lines(relay, "delivery_retry")) >= attempts, timeout),
           "%s: retried (%d attempts so far)" % (mode, office_job(relay)[0]))
        att, delivered, failed, err = office_job(relay)
        ok(delivered == 0 and failed == 0, "%s: the job is neither delivered nor failed: it waits "
           "for the next retry" % mode, (delivered, failed))
        ok(re.search(expect_error, err or "") is not None,
           "%s: last_error says why (%s)" % (mode, err), expect_error)
        lines = [l for l in log_lines(relay, "delivery_retry") if ref and ref in l]
        retries = relay.rows("SELECT count(*) FROM events WHERE kind = 'retry'")[0][0]
        ok(len(lines) == retries and retries >= 1,
           "%s: one log line per failed attempt (%d lines, %d retry events)" % (mode, len(lines), retries))
        ok(all("level=warn" in l for l in lines), "%s: retries are logged at level=warn" % mode)
        ok(metric(relay, "relayd_mails_retrying") == 1 and metric(relay, "relayd_mails_failed") == 0,
           "%s: /metrics counts the job as retrying" % mode,
           (metric(relay, "relayd_mails_retrying"), metric(relay, "relayd_mails_failed")))
        ok(relay.request("GET", "/healthz")[0] == 200, "%s: relayd stays healthy" % mode)
    finally:
        ok(relay.stop() == 0, "%s: relayd stops cleanly" % mode)
        srv.stop()
    return srv


# Control: the harness server delivers when it behaves.
relay, srv, ref = run("accept")
try:
    ok(wait_until(lambda: office_job(relay)[1] > 0, 30), "accept: the control mail is delivered")
    ok(len(log_lines(relay, "delivered")) >= 1, "accept: logged as delivered")
finally:
    relay.stop()
    srv.stop()

temporary("drop-data", r"(?i)(recv|send|connection|server|closed|timed|partial|failure)")
temporary("rcpt-4xx", r"450")
slow = temporary("slow", r"(?i)time", smtp_extra="  timeout: 2\n  connect_timeout: 1\n",
                 delay=8.0, timeout=45)
srv = temporary("no-starttls", r"(?i)(tls|ssl)", smtp_extra="  starttls: required\n")
cmds = [c.split(" ", 1)[0].upper() for c in srv.transcript()]
ok("MAIL" not in cmds and "RCPT" not in cmds and "DATA" not in cmds,
   "no-starttls: nothing was sent in plain text (commands seen: %s)" % sorted(set(cmds)))

# 552: permanent, failed at once with one error line.
relay, srv, ref = run("552")
try:
    ok(wait_until(lambda: office_job(relay)[2] > 0, 30), "552: the job failed (permanent)")
    att, delivered, failed, err = office_job(relay)
    ok(att == 1 and delivered == 0, "552: after exactly one attempt, never delivered", (att, delivered))
    ok("552" in (err or ""), "552: last_error keeps the reply (%s)" % err)
    lines = [l for l in log_lines(relay, "delivery_failed") if ref and ref in l]
    ok(len(lines) == 1 and "level=error" in lines[0], "552: one log line at level=error", lines)
    ok(not log_lines(relay, "delivery_retry"), "552: no retry")
    ok(metric(relay, "relayd_mails_failed") == 1 and metric(relay, "relayd_mails_retrying") == 0,
       "552: /metrics counts it as failed")
finally:
    ok(relay.stop() == 0, "552: relayd stops cleanly")
    srv.stop()
done()
