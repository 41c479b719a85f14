#!/usr/bin/python3
"""The Postfach's whole story in a real browser (issue 11): the static site
built from content/ by sitegen and served from its own loopback origin,
relayd from another, the real SMTP sink, a real store (SQLite, and
PostgreSQL when tests/run reruns it), two clerks made with relayctl (one
of the application's office, one of another). tests/browser/story.mjs
walks it in Debian's Chromium: the form, the confirmation, the application
page, an empty message (error summary) and a message by keyboard, the
clerk's login, the message in the inbox, a Rückfrage, a status change, the
Rückfrage on the citizen's open page without a reload (thread.js), the new
status after a reload, an answer without JavaScript, another office's
clerk refused (404); axe-core and 320 px on every new page state. Here:
the Nu checker on the HTML of those states (0 errors), and afterwards the
store (three messages, their events) and the mails (the office's and the
citizen's notices, without the texts)."""
import json
import os
import re
import socket
import subprocess
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402
import smtp_sink as S  # noqa: E402

SITEGEN = os.environ.get("SITEGEN", os.path.join(L.ROOT, "bin/asan/sitegen"))
RELAYCTL = os.environ.get("RELAYCTL", os.path.join(L.ROOT, "bin/asan/relayctl"))
B = os.path.join(L.ROOT, "tests/browser")
CITY, SERVICE = "dorsten", "hundeanmeldung"
with open(os.path.join(L.ROOT, "content/region.yml")) as f:
    BASE_URL = re.search(r"^base_url:\s*(\S+)", f.read(), re.M).group(1).rstrip("/")
MESSAGE = "Geheim-5521: Muss ich den Hund auch beim Ordnungsamt melden?"
QUESTION = "Rückfrage-8830: Bitte nennen Sie uns die Chipnummer."
ANSWER = "Antwort-1177: Die Chipnummer reiche ich nach."

for need in (os.path.join(B, "node_modules/playwright-core/package.json"), "/usr/bin/chromium"):
    if not os.path.exists(need):
        ok(False, "%s is missing: run make deps" % need)
        done()

sink = S.Sink(os.path.join(L.TMP, "mail"), L.free_port()).start()
web_port = L.free_port()
web_origin = "http://127.0.0.1:%d" % web_port
relay = L.Relay("story", content=os.path.join(L.ROOT, "content"),
                smtp_url="smtp://127.0.0.1:%d" % sink.port, origins=[web_origin]).start()
site = os.path.join(L.TMP, "site")
html_dir = os.path.join(L.TMP, "html")
os.makedirs(html_dir, exist_ok=True)
web = None
try:
    for user, office, pw in (("erika", "%s/steueramt" % CITY, "Erika-geheim-2026"),
                             ("otto", "%s/standesamt" % CITY, "Otto-geheim-2026")):
        p = subprocess.run([RELAYCTL, "--config", relay.cfg, "user", "add", user, "--office", office],
                           input=pw + "\n", capture_output=True, text=True, timeout=120)
        ok(p.returncode == 0, "relayctl adds %s of %s" % (user, office), p.stderr)
    b = subprocess.run([SITEGEN, "build", "--content", "content", "--themes", "themes", "--out", site,
                        "--relay-url", "http://127.0.0.1:%d/submit" % relay.port],
                       cwd=L.ROOT, capture_output=True, text=True, timeout=300)
    ok(b.returncode == 0 and os.path.isfile(os.path.join(site, "assets/thread.js")),
       "sitegen builds the site, with assets/thread.js", b.stderr[-400:])
    page = None
    for d, _, files in os.walk(os.path.join(site, CITY)):
        if SERVICE + ".html" in files:
            page = os.path.relpath(os.path.join(d, SERVICE + ".html"), site)
    web = subprocess.Popen(["/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1",
                            str(web_port), "--directory", site],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", web_port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    form = [f for f in relay.dump_forms() if f["city"] == CITY and f["service"] == SERVICE][0]
    pdf = os.path.join(L.TMP, "impfpass.pdf")
    with open(pdf, "wb") as f:
        f.write(L.PDF)
    fields = [{"name": f["name"], "type": f["type"],
               "value": "" if f["type"] == "file" else L.value_for(f)} for f in form["fields"]
              if f.get("part", 1) == 1]   # one dog: the group's later parts stay closed
    for f in fields:
        if f["name"] == "plz":
            f["value"] = "46282"
    spec = os.path.join(L.TMP, "story.json")
    out = os.path.join(L.TMP, "story-out.json")
    with open(spec, "w") as f:
        json.dump({"url": "%s/%s" % (web_origin, page), "fields": fields, "file": pdf,
                   "relay": "http://127.0.0.1:%d" % relay.port, "site": site, "base_url": BASE_URL,
                   "clerk": "erika", "password": "Erika-geheim-2026", "other": "otto",
                   "other_password": "Otto-geheim-2026", "message": MESSAGE, "question": QUESTION,
                   "answer": ANSWER, "html": html_dir, "out": out}, f)
    p = subprocess.run(["node", os.path.join(B, "story.mjs"), spec], capture_output=True,
                       text=True, timeout=600)
    sys.stdout.write(p.stdout)
    if p.returncode != 0 and "not ok" not in p.stdout:
        ok(False, "story.mjs ran", p.stderr[-600:])

    # the Nu checker on every page state story.mjs saved
    saved = sorted(os.listdir(html_dir))
    ok(len(saved) == 5, "the HTML of five page states was saved", saved)
    p = subprocess.run(["node", os.path.join(B, "vnu.mjs"), "--root", html_dir] +
                       [os.path.join(html_dir, n) for n in saved],
                       capture_output=True, text=True, timeout=600)
    sys.stdout.write(p.stdout)
    if p.returncode != 0 and "not ok" not in p.stdout:
        ok(False, "vnu.mjs ran", (p.stdout + p.stderr)[-600:])

    res = json.load(open(out)) if os.path.exists(out) else {}
    ref = res.get("reference") or "-"
    rows = relay.rows("SELECT m.author, m.actor, m.kind, m.body FROM messages m JOIN submissions s"
                      " ON s.id = m.submission_id WHERE s.reference = ? ORDER BY m.id", (ref,))
    ok(rows == [("citizen", "", "message", MESSAGE), ("clerk", "erika", "rueckfrage", QUESTION),
                ("citizen", "", "message", ANSWER)],
       "the store holds the three messages, in order, with author and kind", rows)
    ev = relay.rows("SELECT e.kind, e.detail, e.actor FROM events e JOIN submissions s ON"
                    " s.id = e.submission_id WHERE s.reference = ? AND e.kind IN"
                    " ('message', 'rueckfrage', 'status') ORDER BY e.id", (ref,))
    ok(ev == [("message", "citizen", ""), ("rueckfrage", "", "erika"),
              ("status", "in_bearbeitung", "erika"), ("message", "citizen", "")],
       "and their events with the clerk as actor", ev)
    ok(sink.wait(4, 60), "four mails: the office mail and three notices")
    notices = [m for m in sink.messages() if m["subject"].startswith("Neue Nachricht zu")]
    texts = "\n".join((m["text"] or "") + m["subject"] for m in notices)
    ok(len(notices) == 3 and not any(x in texts for x in ("5521", "8830", "1177", "Chipnummer")),
       "three notices (two to the office, one to the citizen), none with a message's text",
       [m["subject"] for m in notices])
finally:
    if web:
        web.terminate()
        web.wait()
    ok(relay.stop() == 0, "relayd stops cleanly", relay.logtext()[-600:])
    sink.stop()
done()
