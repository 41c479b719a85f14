#!/usr/bin/python3
"""A citizen hands in a document later in a real browser (issue 11, point
4): relayd on the fixture catalogue and a real store (SQLite, and
PostgreSQL when tests/run reruns it), an application posted; then
tests/browser/upload.mjs in Debian's Chromium sends a PDF and a script
named .pdf from the application page by keyboard. Afterwards the store
holds the PDF as a later document, byte for byte, and nothing of the
script. axe-core and the Nu checker look at the same two pages in
t-a11y.sh and t-html-valid.sh (tests/browser/relay_pages.py saves them)."""
import json
import os
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402

B = os.path.join(L.ROOT, "tests/browser")
BASE_URL = "https://www.serviceportal-emscher-lippe.de"     # the fixture's region.yml
PDF = b"%PDF-1.4\n% im Browser nachgereicht\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCRIPT = b"#!/bin/sh\necho kein PDF\n"

for need in (os.path.join(B, "node_modules/playwright-core/package.json"), "/usr/bin/chromium"):
    if not os.path.exists(need):
        ok(False, "%s is missing: run make deps" % need)
        done()

relay = L.Relay("upload-browser").start()
try:
    form = [f for f in relay.dump_forms() if f["city"] == "dorsten" and
            f["service"] == "hundeanmeldung"][0]
    st, h, body = L.post(relay, "dorsten", "hundeanmeldung", L.valid_values(form))
    ok(st == 303, "an application stored", st)
    token = h["location"].rsplit("/", 1)[1]
    pdf, script = os.path.join(L.TMP, "Gehaltsnachweis.pdf"), os.path.join(L.TMP, "Nachweis.pdf")
    with open(pdf, "wb") as f:
        f.write(PDF)
    with open(script, "wb") as f:
        f.write(SCRIPT)
    spec = os.path.join(L.TMP, "upload-spec.json")
    with open(spec, "w") as f:
        json.dump({"url": "http://127.0.0.1:%d/antrag/%s" % (relay.port, token), "pdf": pdf,
                   "script": script, "base_url": BASE_URL,
                   "style": os.path.join(L.ROOT, "themes/default/style.css")}, f)
    p = subprocess.run(["node", os.path.join(B, "upload.mjs"), spec], capture_output=True,
                       text=True, timeout=300)
    sys.stdout.write(p.stdout)
    if p.returncode != 0 and "not ok" not in p.stdout:
        ok(False, "upload.mjs ran", p.stderr[-600:])
    rows = relay.rows("SELECT a.data, a.filename FROM attachments a JOIN submissions s ON"
                      " s.id = a.submission_id WHERE s.token = ? AND a.added_unix IS NOT NULL",
                      (token,))
    ok(len(rows) == 1 and bytes(rows[0][0]) == PDF and rows[0][1] == "nachgereicht-1.pdf",
       "the store holds the PDF as the one later document, byte for byte, and not the script",
       [r[1] for r in rows])
finally:
    ok(relay.stop() == 0, "relayd stops cleanly", relay.logtext()[-600:])
done()
