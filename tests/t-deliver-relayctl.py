#!/usr/bin/python3
"""t-deliver-relayctl - bin/relayctl against a real relayd, its SQLite file and tests/smtp_sink.py:
status, list (--city, --since/--until), export CSV (RFC 4180, parsed
with Python's csv) and JSON, show with the event log, resend (the mail
arrives again with the same Message-ID), purge --older-than (only
submissions whose delivery ended; pending ones kept back), and the
errors and exit codes of bad use."""
import csv, datetime, io, json, os, sqlite3, subprocess, sys, time
ROOT = os.environ.get("ROOT", os.getcwd())
import relay_lib as L
from relay_lib import ok, wait_until
import smtp_sink as S

RELAYCTL = os.environ.get("RELAYCTL", os.path.join(ROOT, "bin/asan/relayctl"))


def ctl(*args, cfg=None):
    p = subprocess.run([RELAYCTL] + (["--config", cfg] if cfg else []) + list(args),
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


sink = S.Sink(os.path.join(L.TMP, "sink"), L.free_port()).start()
relay = L.Relay("ctl", smtp_url="smtp://127.0.0.1:%d" % sink.port,
                extra="retry:\n  initial: 1\n  max: 2\n  lifetime_seconds: 600\n").start()
cfg = relay.cfg
try:
    forms = relay.dump_forms()
    hund = {f["city"]: f for f in forms if f["service"] == "hundeanmeldung"}
    cities = sorted(hund)
    a, b = cities[0], cities[1]
    tricky = {"text": "=HYPERLINK(\"http://evil.example\",\"x\"), Komma; \"Zitat\"",
              "textarea": "Zeile eins\r\nZeile zwei, mit \"Zitat\"\r\n\x1b[31mrot\x1b[0m"}
    posted = {}
    for i, city in enumerate([a, a, a, b, b]):
        form = hund[city]
        pairs = []
        for f in form["fields"]:
            v = L.value_for(f)
            if i == 0 and f["type"] in tricky and (f.get("max_length") or 500) >= 80:
                v = tricky[f["type"]]
            pairs.append((f["name"], v))
        st, h, body = L.post(relay, city, "hundeanmeldung", pairs)
        ok(st == 303, "post %d to %s accepted" % (i, city), (st, body[:300]))
        if st == 303:
            posted[json.loads(body)["reference"]] = (city, form, pairs)
    refs_a = [r for r, (c, _, _) in posted.items() if c == a]
    ok(sink.wait(5, 60), "5 mails delivered")
    ok(wait_until(lambda: relay.rows("SELECT count(*) FROM outbox WHERE delivered_unix IS NULL")[0][0] == 0, 30),
       "all jobs marked delivered")

    rc, out, err = ctl("status", cfg=cfg)
    ok(rc == 0 and "submissions 5\n" in out and "delivered 5\n" in out and "failed 0\n" in out,
       "status: counts from the store", out + err)

    rc, out, err = ctl("list", "--city", a, cfg=cfg)
    lines = [l for l in out.splitlines()[1:] if l.strip()]
    ok(rc == 0 and sorted(l.split()[0] for l in lines) == sorted(refs_a) and
       all(" delivered " in l for l in lines), "list --city %s: its 3 submissions, delivered" % a, out + err)
    rc, out, err = ctl("list", "--city", b, cfg=cfg)
    ok(rc == 0 and len(out.splitlines()) == 3 and not any(r in out for r in refs_a),
       "list --city %s: only its 2" % b, out)
    today = datetime.date.today()
    tomorrow = (today + datetime.timedelta(days=2)).isoformat()
    yesterday = (today - datetime.timedelta(days=2)).isoformat()
    rc, out, _ = ctl("list", "--city", a, "--since", tomorrow, cfg=cfg)
    ok(rc == 0 and len(out.splitlines()) == 1, "list --since a future day: none")
    rc, out, _ = ctl("list", "--city", a, "--until", yesterday, cfg=cfg)
    ok(rc == 0 and len(out.splitlines()) == 1, "list --until a past day: none")
    rc, out, _ = ctl("list", "--city", a, "--since", yesterday, "--until", tomorrow, cfg=cfg)
    ok(rc == 0 and len(out.splitlines()) == 4, "list --since/--until around today: all 3")

    rc, out, err = ctl("export", "--city", a, "--format", "csv", cfg=cfg)
    ok(rc == 0 and out.count("\r\n") >= 4, "export csv: CRLF rows (RFC 4180)", err)
    rows = list(csv.reader(io.StringIO(out, newline="")))
    header = rows[0] if rows else []
    form_a = hund[a]
    labels = [f["label"] for f in form_a["fields"] if f["type"] != "file"]
    ok(header[:3] == ["reference", "received_at", "city"] and
       all(l in header for l in labels) and header[-1] == "attachments",
       "export csv: header row with fixed columns, every field label, attachments", header)
    ok(len(rows) == 4 and sorted(r[0] for r in rows[1:]) == sorted(refs_a),
       "export csv: one row per submission of the city (3)")
    bad = []
    for r in rows[1:]:
        city, form, pairs = posted[r[0]]
        rec = dict(zip(header, r))
        for f, (name, v) in zip(form["fields"], pairs):
            if isinstance(v, bytes):
                continue
            v = L.shown_value(f, v)
            want = v.replace("\r\n", "\n") if "\r\n" not in rec.get(f["label"], "") else v
            if want[:1] in "=+-@" and want:
                want = "'" + want
            if rec.get(f["label"]) != want:
                bad.append((f["label"], rec.get(f["label"]), want))
        if rec["status"] != "delivered" or not rec["attachments"]:
            bad.append(("status/attachments", rec["status"], rec["attachments"]))
    ok(not bad, "export csv: every value round-trips through Python's csv "
       "(commas, quotes, newlines; '=' neutralised against CSV injection)", bad[:4])

    rc, out, err = ctl("export", "--city", a, "--format", "json", cfg=cfg)
    try:
        data = json.loads(out)
    except ValueError as e:
        data = []
        ok(False, "export json parses", e)
    ok(rc == 0 and isinstance(data, list) and len(data) == 3, "export json: an array of 3")
    bad = []
    for d in data:
        city, form, pairs = posted[d["reference"]]
        got = [(x["name"], x["value"], x.get("option")) for x in d["fields"]]
        want = [(f["name"], L.shown_value(f, v), L.stored_option(f, v))
                for f, (k, v) in zip(form["fields"], pairs) if not isinstance(v, bytes)]
        if [g for g in got if g[0] in set(w[0] for w in want)] != want:
            bad.append((d["reference"], got, want))
        if d["status"] != "delivered" or not d["attachments"] or d["city"] != a:
            bad.append(d["reference"])
    ok(not bad, "export json: fields in form order with exact values (select/radio: "
       "the option's label as value, its catalogue value as option), status, attachments", bad[:2])
    rc, out, _ = ctl("export", "--city", "waltrop-gibt-es-hier-nicht", "--format", "json", cfg=cfg)
    ok(rc == 0 and json.loads(out) == [], "export json of a city without submissions: []")

    tricky_ref = list(posted)[0]
    rc, out, err = ctl("show", tricky_ref, cfg=cfg)
    ok(rc == 0 and ("Reference:  " + tricky_ref) in out and "Status:     delivered" in out,
       "show: reference and status", out[:300] + err)
    ok(all(f["label"] in out for f in hund[a]["fields"]), "show: every field label")
    ok("\x1b" not in out, "show: control characters from citizens never reach the terminal")
    ev = out.split("Events:")[-1]
    ok(all(k in ev for k in ("received", "claimed", "delivered")) and "250 " in ev,
       "show: the event log (received, claimed, delivered with the SMTP reply)", ev)
    rc, out, err = ctl("show", "DOR-2026-NOPE00", cfg=cfg)
    ok(rc == 1 and "no submission" in err, "show of an unknown reference: exit 1", (rc, err))

    before = sink.count()
    rc, out, err = ctl("resend", tricky_ref, cfg=cfg)
    ok(rc == 0 and "queued" in out, "resend: exit 0", out + err)
    ok(sink.wait(before + 1, 20), "resend: the mail arrives again (the worker polls every 5 s)")
    again = [m for m in sink.messages() if m["message_id"] == "<%s@127.0.0.1>" % tricky_ref]
    ok(len(again) == 2, "resend: same Message-ID, so the office sees it as the same mail")
    ok(wait_until(lambda: "resend" in ctl("show", tricky_ref, cfg=cfg)[1], 10),
       "resend: recorded in the event log")
    rc, out, err = ctl("resend", "DOR-2026-NOPE00", cfg=cfg)
    ok(rc == 1, "resend of an unknown reference: exit 1")

    rc, out, err = ctl("purge", "--older-than", "30", cfg=cfg)
    ok(rc == 0 and out.startswith("purged 0 submissions") and "kept back 0 " in out,
       "purge --older-than 30: nothing that young", out + err)
    ok("event=admin command=purge status=0" in relay.logtext() and "directly" not in err,
       "purge while relayd runs is done by relayd (its log), not by relayctl", err)
    ok(wait_until(lambda: relay.rows("SELECT count(*) FROM outbox WHERE delivered_unix IS NULL")[0][0] == 0, 30),
       "the resent mail is marked delivered again")

    # Age some submissions. relayd is stopped meanwhile: the test must not be
    # a second writer next to it either.
    relay.stop()
    refs_b = [r for r, (c, _, _) in posted.items() if c == b]
    now = int(time.time())
    old = now - 40 * 86400
    sid = lambda r: relay.rows("SELECT id FROM submissions WHERE reference=?", (r,))[0][0]
    # refs_a[0], refs_a[1]: received and delivered 40 days ago -> purged
    # refs_a[2]: received 40 days ago, delivered (after a resend) 10 days ago -> stays
    # refs_b[0]: received 40 days ago, its mail still pending -> kept back
    w = [("UPDATE submissions SET received_unix = ? WHERE id = ?", (old, sid(r)))
         for r in (refs_a[0], refs_a[1], refs_a[2], refs_b[0])]
    w += [("UPDATE outbox SET delivered_unix = ? WHERE submission_id = ?", (old, sid(r)))
          for r in (refs_a[0], refs_a[1])]
    w.append(("UPDATE outbox SET delivered_unix = ? WHERE submission_id = ?",
              (now - 10 * 86400, sid(refs_a[2]))))
    w.append(("UPDATE outbox SET delivered_unix = NULL, next_attempt = ? WHERE submission_id = ?",
              (now + 86400, sid(refs_b[0]))))
    relay.write(w)
    relay.start()
    rc, out, err = ctl("purge", "--older-than", "30", cfg=cfg)
    ok(rc == 0 and out.startswith("purged 2 submissions whose delivery ended before") and
       "kept back 1 older one whose mail is still pending" in out,
       "purge --older-than 30: 2 removed, 1 old but pending kept back and reported", out + err)
    rc, out, err = ctl("show", refs_b[0], cfg=cfg)
    ok(rc == 0 and ("Status:     queued" in out or "Status:     retrying" in out),
       "purge never removes a submission whose mail is still pending, however old")
    ok(ctl("show", refs_a[2], cfg=cfg)[0] == 0,
       "purge counts the age from the end of delivery, not from receipt")
    ok(ctl("show", refs_a[0], cfg=cfg)[0] == 1 and ctl("show", refs_a[1], cfg=cfg)[0] == 1 and
       ctl("show", refs_b[1], cfg=cfg)[0] == 0, "purge: the old delivered ones are gone, the others stay")
    left = relay.rows("SELECT (SELECT count(*) FROM attachments a WHERE a.submission_id NOT IN"
                      " (SELECT id FROM submissions)) + (SELECT count(*) FROM events e WHERE"
                      " e.submission_id NOT IN (SELECT id FROM submissions))")[0][0]
    ok(left == 0, "purge: no attachments or events of purged submissions remain")
    ok("submissions 3\n" in ctl("status", cfg=cfg)[1], "status after purge: 3")

    # bad use: exit 2 with a message; config/database problems: exit 3
    for args, what in [([], "no command"), (["frobnicate"], "unknown command"),
                       (["list"], "list without --city"), (["list", "--city", "A B"], "bad city slug"),
                       (["export", "--city", a], "export without --format"),
                       (["export", "--city", a, "--format", "xml"], "unknown format"),
                       (["list", "--city", a, "--since", "gestern"], "bad date"),
                       (["list", "--city", a, "--until", "2026-02-30"], "impossible date"),
                       (["purge", "--older-than", "abc"], "purge with a non-number"),
                       (["purge", "--older-than", "0"], "purge 0 days"),
                       (["show"], "show without reference"), (["status", "--bogus"], "unknown option")]:
        rc, out, err = ctl(*args, cfg=cfg)
        ok(rc == 2 and "relayctl: " in err and "usage:" in err, "usage error (%s): exit 2" % what, (rc, err[:200]))
    rc, out, err = ctl("status")
    ok(rc == 2 and "--config" in err, "missing --config: exit 2")
    badcfg = os.path.join(L.TMP, "bad.yml")
    with open(badcfg, "w") as f:
        f.write("listen: 127.0.0.1\nbogus_key: 1\n")
    rc, out, err = ctl("status", cfg=badcfg)
    ok(rc == 3 and "bad.yml:2:1:" in err, "broken config: exit 3 with file:line:col", err[:300])
    nodb = os.path.join(L.TMP, "nodb.yml")
    with open(cfg) as f, open(nodb, "w") as g:
        g.write(f.read().replace(relay.db, os.path.join(L.TMP, "missing", "x.db")))
    rc, out, err = ctl("status", cfg=nodb)
    ok(rc == 3 and "x.db" in err and not os.path.exists(os.path.join(L.TMP, "missing", "x.db")),
       "missing database: exit 3, nothing created", err[:200])
    if L.PG:
        import pg_lib
        empty = pg_lib.server().new_database("empty")
        with open(cfg) as f, open(nodb, "w") as g:
            g.write(f.read().replace(relay.db, empty))
        rc, out, err = ctl("status", cfg=nodb)
        ok(rc == 3 and "no relay schema" in err and
           pg_lib.server().rows(empty, "SELECT to_regclass('submissions')")[0][0] is None,
           "PostgreSQL: a database without the relay's tables: exit 3, nothing created", err[:200])
finally:
    relay.stop()
    sink.stop()
L.done()
