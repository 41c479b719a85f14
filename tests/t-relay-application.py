#!/usr/bin/python3
"""t-relay-application - the application's own page (issue 11, point 1):
relayd's /antrag/<token>, reached from the confirmation page and from the
receipt mail. Real daemon, real store (SQLite, and PostgreSQL when the
suite reruns it), a real SMTP server (aiosmtpd) so that the timeline moves
on when the mails are delivered.

Checks: the page shows reference, service, the answers (HTML-escaped) and
the attachments by name; the timeline has German dates and no ISO stamp;
after delivery it says the office has it and the receipt was sent; the
receipt mail carries the link; headers no-store, no-referrer, noindex and
a CSP; an unknown, malformed or purged token gets the themed 404."""
import os
import re
import secrets
import subprocess
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402
import smtp_sink as S  # noqa: E402

RELAYCTL = os.environ.get("RELAYCTL", os.path.join(L.ROOT, "bin/asan/relayctl"))
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
DE_TIME = re.compile(r"\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|"
                     r"Oktober|November|Dezember) \d{4}, \d\d:\d\d Uhr")


def page(relay, path):
    st, h, body = relay.request("GET", path)
    return st, h, body.decode("utf-8", "replace")


sink = S.Sink(os.path.join(L.TMP, "mail"), L.free_port()).start()
relay = L.Relay("application", smtp_url="smtp://127.0.0.1:%d" % sink.port,
                receipt=True).start()
try:
    forms = relay.dump_forms()
    form = next((f for f in forms
                 if any(x["type"] == "file" for x in f["fields"]) and
                 any(x["type"] == "email" for x in f["fields"]) and
                 any(x["type"] == "text" and (x.get("max_length") or 100) >= 30 and
                     not x.get("format") for x in f["fields"])), None)
    ok(form is not None, "the fixture has a form with a file, an e-mail and a text field")
    vals = L.valid_values(form)
    text = next(x["name"] for x in form["fields"]
                if x["type"] == "text" and (x.get("max_length") or 100) >= 30 and not x.get("format"))
    vals = [(n, "<b>Fett</b> & \"so\"" if n == text else v) for n, v in vals]
    st, h, body = L.post(relay, form["city"], form["service"], vals, json_accept=False)
    loc = h.get("location", "")
    ok(st == 303 and "/bestaetigung/" in loc, "a valid post is stored (303)", (st, body[:200]))
    token = loc.rsplit("/", 1)[1]
    ref = relay.rows("SELECT reference FROM submissions WHERE token = ?", (token,))[0][0]

    prefix = "http://127.0.0.1:%d" % relay.port
    st, _, conf = page(relay, "/bestaetigung/" + token)
    app = "/antrag/" + token
    ok(st == 200 and ('href="%s%s"' % (prefix, app)) in conf,
       "the confirmation page links to the application page")

    st, h, html = page(relay, app)
    ok(st == 200, "GET /antrag/<token> answers 200", st)
    ok(ref in html and form["service_title"] in html if "service_title" in form else ref in html,
       "the page names the reference and the service")
    ok("&lt;b&gt;Fett&lt;/b&gt; &amp; &quot;so&quot;" in html and "<b>Fett</b>" not in html,
       "answers are shown escaped, never as markup")
    labels = [x["label"] for x in form["fields"] if x["type"] not in ("file",)]
    ok(all(l.replace("&", "&amp;") in html for l in labels), "every answered field's label is shown",
       [l for l in labels if l not in html])
    files = relay.rows("SELECT filename FROM attachments a JOIN submissions s ON s.id = a.submission_id"
                       " WHERE s.token = ?", (token,))
    ok(files and all(f[0] in html for f in files), "the attachments are listed by name", files)
    ok(DE_TIME.search(html) and not ISO.search(html), "times are German (Europe/Berlin), no ISO stamp")
    if any(x["type"] == "date" for x in form["fields"]):
        ok("29.02.2024" in html and "2024-02-29" not in html,
           "a date answer reads as Germans write it (29.02.2024)")
    ok("Eingegangen" in html and "Verlauf" in html, "the timeline starts with 'Eingegangen'")
    ok(h.get("cache-control") == "no-store" and h.get("referrer-policy") == "no-referrer" and
       h.get("x-robots-tag") == "noindex" and "content-security-policy" in h,
       "headers: no-store, no-referrer, noindex, a CSP", h)
    ok('<meta name="robots" content="noindex">' in html, "the page says noindex itself too")
    ok("<script" not in html.split("</main>")[0].split("<main")[1],
       "no script inside the content")

    # Delivery moves the timeline on; the receipt carries the link.
    ok(sink.wait(2, timeout=60), "the office mail and the receipt are delivered")
    ok(L.wait_until(lambda: relay.rows(
        "SELECT count(*) FROM outbox o JOIN submissions s ON s.id = o.submission_id"
        " WHERE s.token = ? AND o.delivered_unix IS NOT NULL", (token,))[0][0] == 2, 30),
       "both jobs are marked delivered")
    st, _, html = page(relay, app)
    ok("An die zuständige Stelle übermittelt" in html and "Eingangsbestätigung gesendet" in html,
       "after delivery the page says the office has it and the receipt was sent")
    tl = html.split('<ol class="timeline"', 1)[-1].split("</ol>", 1)[0]
    ok(0 <= tl.find("Eingegangen</strong>") < tl.find("An die zuständige Stelle übermittelt</strong>"),
       "the timeline is oldest first", tl[:600])
    ok('class="latest"' in tl and tl.count("<li") >= 3, "the newest entry is marked", tl[:600])
    receipts = [m for m in sink.messages() if "antrag@example.de" in (m.get("to") or "")]
    ok(len(receipts) == 1 and (prefix + app) in receipts[0]["text"],
       "the receipt mail carries the application page's link",
       [m.get("text", "")[:400] for m in receipts])
    office = [m for m in sink.messages() if m not in receipts]
    ok(office and token not in office[0]["text"],
       "the office mail does not carry the citizen's private link")

    # Tokens that are not one: themed 404, same as for an unknown page.
    for bad, why in ((secrets.token_urlsafe(18), "an unknown token of the right shape"),
                     (token[:-1], "a token one character short"),
                     (token + "A", "a token one character long"),
                     (token[:-1] + ("A" if token[-1] != "A" else "B"), "a token with one character changed"),
                     ("../../etc/passwd", "a path"),
                     (token.lower() if token.lower() != token else token.upper(),
                      "the token in another case")):
        st, h, html = page(relay, "/antrag/" + bad)
        ok(st == 404 and "<html" in html and "Diesen Antrag gibt es nicht" in html and
           ref not in html, "404 for %s" % why, (st, html[:160]))
        ok(h.get("cache-control") == "no-store" and h.get("x-robots-tag") == "noindex",
           "the 404 is no-store and noindex too")

    # HEAD works like GET without a body.
    st, h, body = relay.request("HEAD", app)
    ok(st == 200 and body == b"", "HEAD /antrag/<token> answers 200 without a body", st)

    # Purged: the link stops working.
    relay.stop()
    old = int(time.time()) - 400 * 86400
    sid = relay.rows("SELECT id FROM submissions WHERE token = ?", (token,))[0][0]
    relay.write([("UPDATE submissions SET received_unix = ? WHERE id = ?", (old, sid)),
                 ("UPDATE outbox SET delivered_unix = ? WHERE submission_id = ?", (old, sid))])
    relay.start()
    p = subprocess.run([RELAYCTL, "--config", relay.cfg, "purge", "--older-than", "30"],
                       capture_output=True, text=True, timeout=60)
    ok(p.returncode == 0 and "purged 1 " in p.stdout, "relayctl purge removes it", p.stdout + p.stderr)
    st, _, html = page(relay, app)
    ok(st == 404 and "Diesen Antrag gibt es nicht" in html, "a purged application's link gets the 404")
    st, _, _ = page(relay, "/bestaetigung/" + token)
    ok(st == 404, "and so does its confirmation link")
finally:
    ok(relay.stop() == 0, "relayd stops cleanly", relay.logtext()[-600:])
    sink.stop()
done()
