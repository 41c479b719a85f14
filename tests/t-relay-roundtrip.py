#!/usr/bin/python3
"""The citizen's whole story in a real browser (issue 9): the static form
page built from content/, a post with a mistake and an attachment, relayd's
error page, the correction, the post again, the confirmation page, the row
in SQLite and the office mail that arrives at a real SMTP server.

The static site is served from one loopback origin and relayd from another,
as in production (www.… and formulare.…): the first post is cross-origin,
the corrected one goes from relayd's own error page back to relayd."""
import json
import os
import re
import subprocess
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_lib import *  # noqa
import smtp_sink as S  # noqa: E402

SITEGEN = os.environ.get("SITEGEN", os.path.join(ROOT, "bin/asan/sitegen"))
B = os.path.join(ROOT, "tests/browser")
CITY, SERVICE, OMIT = "dorsten", "hundeanmeldung", "plz"
with open(os.path.join(ROOT, "content/region.yml")) as f:
    BASE_URL = re.search(r"^base_url:\s*(\S+)", f.read(), re.M).group(1).rstrip("/")

for need in (os.path.join(B, "node_modules/playwright-core/package.json"), "/usr/bin/chromium"):
    if not os.path.exists(need):
        ok(False, "%s is missing: run make deps" % need)
        done()

sink = S.Sink(os.path.join(TMP, "mail"), free_port()).start()
web_port = free_port()
web_origin = "http://127.0.0.1:%d" % web_port
relay = Relay("roundtrip", content=os.path.join(ROOT, "content"),
              smtp_url="smtp://127.0.0.1:%d" % sink.port, origins=[web_origin],
              receipt=True).start()
with open(os.path.join(ROOT, "content/services", SERVICE + ".yml"), encoding="utf-8") as f:
    NEXT_STEPS = (re.search(r"^next_steps:\s*(.+)$", f.read(), re.M) or [None, ""])[1]
site = os.path.join(TMP, "site")
web = None
try:
    b = subprocess.run([SITEGEN, "build", "--content", "content", "--themes", "themes", "--out", site,
                        "--relay-url", "http://127.0.0.1:%d/submit" % relay.port],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    ok(b.returncode == 0, "sitegen builds the site with the relay's address", b.stderr[-400:])
    page = None
    for d, _, files in os.walk(os.path.join(site, CITY)):
        if SERVICE + ".html" in files:
            page = os.path.relpath(os.path.join(d, SERVICE + ".html"), site)
    ok(page is not None, "the form page %s/…/%s.html exists" % (CITY, SERVICE))
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
    files = [f for f in form["fields"] if f["type"] == "file"]
    ok(len(files) >= 1, "the form has a file field")
    pdf = os.path.join(TMP, "impfpass.pdf")
    with open(pdf, "wb") as f:
        f.write(PDF)
    # two dogs: the group's first and second part, the third left closed
    fields = [{"name": f["name"], "type": f["type"],
               "value": "" if f["type"] == "file" else value_for(f)} for f in form["fields"]
              if f.get("part", 1) <= 2]
    ok(any(f.get("part") == 2 for f in form["fields"]), "the form has a second part (2. Hund)")
    for f in fields:                      # what a person in Dorsten types
        if f["name"] == "plz":
            f["value"] = "46282"
    spec = os.path.join(TMP, "spec.json")
    out = os.path.join(TMP, "result.json")
    with open(spec, "w") as f:
        json.dump({"url": "%s/%s" % (web_origin, page), "fields": fields, "file": pdf,
                   "omit": OMIT, "out": out, "site": site, "next_steps": NEXT_STEPS,
                   "base_url": BASE_URL}, f)
    p = subprocess.run(["node", os.path.join(B, "roundtrip.mjs"), spec],
                       capture_output=True, text=True, timeout=300)
    sys.stdout.write(p.stdout)
    if p.returncode != 0 and "not ok" not in p.stdout:
        ok(False, "roundtrip.mjs ran", p.stderr[-600:])
    res = json.load(open(out)) if os.path.exists(out) else {}
    ref = res.get("reference")

    rows = relay.rows("SELECT id, fields FROM submissions WHERE reference = ?", (ref or "",))
    ok(len(rows) == 1, "the submission %s is in SQLite" % ref, rows)
    ok(count_submissions(relay) == 1, "exactly one submission stored (the 422 stored nothing)")
    if rows:
        att = relay.rows("SELECT filename, mime, length(data) FROM attachments WHERE submission_id = ?",
                         (rows[0][0],))
        ok(len(att) == 1 and att[0][1] == "application/pdf" and att[0][2] == len(PDF),
           "the re-attached PDF is stored with it", att)
        ok("46282" in rows[0][1], "the corrected postcode is stored")
        labels = [x["label"] for x in json.loads(rows[0][1])]
        ok("2. Hund: Rasse" in labels and not any(l.startswith("3. Hund") for l in labels),
           "the second dog is stored as '2. Hund: …', the unopened third part not at all",
           [l for l in labels if "Hund:" in l][:6])
    ok(sink.wait(2, timeout=60), "the office mail and the receipt arrive at the SMTP server")
    email = [f["value"] for f in fields if f["name"] == "email"][0]
    receipts = [m for m in sink.messages() if email in m.get("to", "")]
    ok(len(receipts) == 1 and ref and ref in receipts[0]["text"] and "46282" not in receipts[0]["text"],
       "the receipt goes to the citizen with the reference and none of the answers",
       [(m.get("to"), m.get("subject")) for m in sink.messages()])
    app_url = res.get("application_url") or "-"
    ok(receipts and app_url in receipts[0]["text"],
       "the receipt carries the link of the application page the citizen saw", app_url)
    msgs = [m for m in sink.messages() if ref and ref in (m.get("subject") or "") and m not in receipts]
    ok(len(msgs) == 1, "one office mail names the reference in its subject",
       [m.get("subject") for m in sink.messages()])
    if msgs:
        ok(any(a["type"] == "application/pdf" and a["size"] == len(PDF) for a in msgs[0]["attachments"]),
           "the mail carries the PDF", msgs[0]["attachments"])
        ok("46282" in msgs[0]["text"], "the mail carries the corrected postcode")
        ok("2. Hund: Name des Hundes" in msgs[0]["text"], "the office reads the second dog's answers")
        ok(re.search(r"Eingegangen: \d{1,2}\. \w+ \d{4}, \d\d:\d\d Uhr", msgs[0]["text"]) is not None and
           not re.search(r"\d{4}-\d\d-\d\dT\d\d", msgs[0]["text"]),
           "the office mail gives the time in German, no ISO stamp")
finally:
    if web:
        web.terminate()
        web.wait()
    ok(relay.stop() == 0, "relayd stops cleanly")
    sink.stop()
done()
