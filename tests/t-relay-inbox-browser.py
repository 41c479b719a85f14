#!/usr/bin/python3
"""A clerk in a real browser (issue 11, point 5): relayd on the fixture
catalogue and a real store (SQLite, and PostgreSQL when tests/run reruns
it), a clerk made with relayctl, an application posted; then
tests/browser/inbox.mjs in Debian's Chromium logs in by keyboard, opens the
application from the list and changes its status. Afterwards the store
holds the status event with the clerk as actor, and the citizen's own page
shows "In Bearbeitung"."""
import json
import os
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402

B = os.path.join(L.ROOT, "tests/browser")
RELAYCTL = os.environ.get("RELAYCTL", os.path.join(L.ROOT, "bin/asan/relayctl"))
BASE_URL = "https://www.serviceportal-emscher-lippe.de"     # the fixture's region.yml

for need in (os.path.join(B, "node_modules/playwright-core/package.json"), "/usr/bin/chromium"):
    if not os.path.exists(need):
        ok(False, "%s is missing: run make deps" % need)
        done()

relay = L.Relay("inbox-browser").start()
try:
    p = subprocess.run([RELAYCTL, "--config", relay.cfg, "user", "add", "erika", "--office",
                        "dorsten/steueramt"], input="Erika-geheim-2026\n", capture_output=True,
                       text=True, timeout=60)
    ok(p.returncode == 0, "relayctl adds the clerk", p.stderr)
    form = [f for f in relay.dump_forms() if f["city"] == "dorsten" and
            f["service"] == "hundeanmeldung"][0]
    refs = []
    for _ in range(3):
        st, h, body = L.post(relay, "dorsten", "hundeanmeldung", L.valid_values(form))
        refs.append(json.loads(body)["reference"] if st == 303 else None)
    ok(all(refs), "three applications stored", refs)
    ref = refs[1]           # not the first row: the keyboard walks the list
    spec = os.path.join(L.TMP, "inbox-spec.json")
    out = os.path.join(L.TMP, "inbox-out.json")
    with open(spec, "w") as f:
        json.dump({"url": "http://127.0.0.1:%d/amt/" % relay.port, "user": "erika",
                   "password": "Erika-geheim-2026", "reference": ref, "base_url": BASE_URL,
                   "style": os.path.join(L.ROOT, "themes/default/style.css"), "out": out}, f)
    p = subprocess.run(["node", os.path.join(B, "inbox.mjs"), spec], capture_output=True,
                       text=True, timeout=300)
    sys.stdout.write(p.stdout)
    if p.returncode != 0 and "not ok" not in p.stdout:
        ok(False, "inbox.mjs ran", p.stderr[-600:])
    ev = relay.rows("SELECT e.detail, e.actor FROM events e JOIN submissions s ON"
                    " s.id = e.submission_id WHERE s.reference = ? AND e.kind = 'status'", (ref,))
    ok(ev == [("in_bearbeitung", "erika")], "the store holds the change with the clerk as actor", ev)
    ok(relay.rows("SELECT count(*) FROM events WHERE kind = 'status'")[0][0] == 1,
       "no other application was changed")
    token = relay.rows("SELECT token FROM submissions WHERE reference = ?", (ref,))[0][0]
    st, _, body = relay.request("GET", "/antrag/" + token)
    ok(st == 200 and "Aktueller Stand: <strong>In Bearbeitung</strong>" in body.decode(),
       "the citizen's page shows the new status")
finally:
    ok(relay.stop() == 0, "relayd stops cleanly", relay.logtext()[-600:])
done()
