#!/usr/bin/python3
"""Format rules and the time type, on both sides (issue 9): the page built
from content/ shows what the field expects (inputmode, type=time), and the
real relayd refuses exactly what the rule refuses with the German message,
and stores what it accepts normalised (an IBAN without spaces)."""
import json
import os
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_lib import *  # noqa

SITEGEN = os.environ.get("SITEGEN", os.path.join(ROOT, "bin/asan/sitegen"))
site = os.path.join(TMP, "site")
b = subprocess.run([SITEGEN, "build", "--content", "content", "--themes", "themes", "--out", site],
                   cwd=ROOT, capture_output=True, text=True, timeout=300)
ok(b.returncode == 0, "sitegen builds content/", b.stderr[-300:])


def page(city, svc):
    with open(os.path.join(site, city, "leistungen", svc + ".html"), encoding="utf-8") as f:
        return f.read()


p = page("dorsten", "hundeanmeldung")
ok('name="plz" value="" required maxlength="5" inputmode="numeric"' in p,
   "the postcode field asks for digits (inputmode=numeric, maxlength 5)")
p = page("dorsten", "halteverbotszone")
ok('type="time" id="feld-uhrzeit_von"' in p and 'type="time" id="feld-uhrzeit_bis"' in p,
   "the Halteverbotszone asks for two times of day (type=time)")

r = Relay("formats", content=os.path.join(ROOT, "content")).start()
forms = {(f["city"], f["service"]): f for f in r.dump_forms()}


def attempt(city, svc, name, value):
    form = forms[(city, svc)]
    vals = [(k, value if k == name else v) for k, v in valid_values(form)]
    st, _, body = post(r, city, svc, vals)
    return st, body


def check(city, svc, name, bad, good, message):
    for v in bad:
        st, body = attempt(city, svc, name, v)
        msgs = [e["message"] for e in json.loads(body)["errors"]] if st == 422 else []
        ok(st == 422 and any(message in m for m in msgs),
           "%s/%s: %s %r -> 422 '%s…'" % (city, svc, name, v, message), (st, msgs))
    for v, stored in good:
        st, body = attempt(city, svc, name, v)
        ok(st == 303, "%s/%s: %s %r -> 303" % (city, svc, name, v), (st, body[:200]))
        if st == 303:
            ref = json.loads(body)["reference"]
            fields = json.loads(r.rows("SELECT fields FROM submissions WHERE reference = ?",
                                       (ref,))[0][0])
            got = [f["value"] for f in fields if f["name"] == name]
            ok(got == [stored], "%s stored as %r" % (name, stored), got)


ok(any(f.get("format") == "plz" for f in forms[("dorsten", "hundeanmeldung")]["fields"]),
   "relayd --dump-forms names the format")
check("dorsten", "hundeanmeldung", "plz", ["4628", "462820", "46 28", "D-46282"],
      [("46282", "46282")], "Postleitzahl mit fünf Ziffern")
check("dorsten", "sepa-lastschriftmandat", "iban",
      ["DE88 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130", "NL91ABNA041716430"],
      [("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
       ("de89370400440532013000", "DE89370400440532013000")], "gültige IBAN")
check("dorsten", "halteverbotszone", "uhrzeit_von", ["24:00", "7 Uhr", "07:60"],
      [("07:00", "07:00"), ("18:30:00", "18:30:00")], "muss eine Uhrzeit sein")
ok(r.stop() == 0, "relayd stops cleanly")
done()
