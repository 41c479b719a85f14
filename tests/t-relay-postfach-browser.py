#!/usr/bin/python3
"""A citizen's Postfach in a real browser (issue 11, point 2): relayd on
the fixture catalogue, a real store (SQLite, and PostgreSQL when
tests/run reruns it) and a real SMTP sink; two applications of one
address and one of another. tests/browser/postfach.mjs in Debian's
Chromium asks for the link by keyboard, opens the mailed link, walks the
list, opens an application, closes the Postfach and finds the used link
refused; every page reflows at 320 px. (axe-core and the Nu checker take
the same pages in t-a11y and t-html-valid, saved by relay_pages.py.)"""
import json
import os
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402
import smtp_sink as S  # noqa: E402

B = os.path.join(L.ROOT, "tests/browser")
BASE_URL = "https://www.serviceportal-emscher-lippe.de"     # the fixture's region.yml

for need in (os.path.join(B, "node_modules/playwright-core/package.json"), "/usr/bin/chromium"):
    if not os.path.exists(need):
        ok(False, "%s is missing: run make deps" % need)
        done()

mail_dir = os.path.join(L.TMP, "mail")
sink = S.Sink(mail_dir, L.free_port()).start()
relay = L.Relay("postfach-browser", smtp_url="smtp://127.0.0.1:%d" % sink.port).start()
try:
    form = [f for f in relay.dump_forms() if f["city"] == "dorsten" and
            f["service"] == "hundeanmeldung"][0]
    refs = []
    for addr in ("buerger@example.de", "jemand@example.de", "buerger@example.de"):
        vals = [(n, addr if n == "email" else v) for n, v in L.valid_values(form)]
        st, h, body = L.post(relay, "dorsten", "hundeanmeldung", vals)
        refs.append(json.loads(body)["reference"] if st == 303 else None)
    ok(all(refs), "three applications stored", refs)
    ok(sink.wait(3, timeout=60), "their office mails are out (the sink then holds only them)")
    spec = os.path.join(L.TMP, "postfach-spec.json")
    with open(spec, "w") as f:
        json.dump({"url": "http://127.0.0.1:%d/postfach" % relay.port,
                   "email": "Buerger@Example.de", "references": [refs[2], refs[0]],
                   "mail_dir": mail_dir, "base_url": BASE_URL,
                   "style": os.path.join(L.ROOT, "themes/default/style.css")}, f)
    p = subprocess.run(["node", os.path.join(B, "postfach.mjs"), spec], capture_output=True,
                       text=True, timeout=300)
    sys.stdout.write(p.stdout)
    if p.returncode != 0 and "not ok" not in p.stdout:
        ok(False, "postfach.mjs ran", p.stderr[-600:])
    ok(relay.rows("SELECT count(*) FROM postfach_links WHERE used_unix IS NOT NULL")[0][0] == 1,
       "the store holds the one link, used")
    ok(relay.rows("SELECT count(*) FROM postfach_sessions")[0][0] == 0,
       "closing ended the session in the store")
finally:
    ok(relay.stop() == 0, "relayd stops cleanly", relay.logtext()[-600:])
    sink.stop()
done()
