#!/usr/bin/python3
"""t-relay-payment-browser - online payment (issue 12, point 9) end to end
in Chromium (tests/browser/payment.mjs): a citizen applies for the
fixture's Geburtsurkunde on relayd's form page with 2 copies (15,00 EUR +
7,50 EUR), sees "Zahlung ausstehend: 22,50 €", pays at tests/pay_fake.py
(a provider on loopback speaking relayd's epay protocol), comes back and
sees "Bezahlt" in the timeline; then one copy, cancelled at the provider,
paid again through "Erneut bezahlen". Then: both applications are
"bezahlt" in the store (the second after two attempts) and each office
mail arrived at the SMTP sink, after the payment."""
import json
import os
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402
import pay_fake  # noqa: E402
import smtp_sink as S  # noqa: E402

B = os.path.join(L.ROOT, "tests", "browser")
SERVICE = "geburtsurkunde"
KEY = "dorsten-browser-schluessel-" + "z" * 20


def main():
    fake = pay_fake.Provider({"DOR-4711": KEY})
    sink_port = L.free_port()
    sink = S.Sink(os.path.join(L.TMP, "pay-browser-mail"), sink_port).start()
    extra = ("payment:\n  page_url: %s\n  accounts:\n    dorsten:\n      merchant: DOR-4711\n"
             "      key: %s\n" % (fake.page_url, KEY))
    relay = L.Relay("payment-browser", smtp_url="smtp://127.0.0.1:%d" % sink_port,
                    extra=extra).start()
    try:
        form = next(f for f in relay.dump_forms()
                    if f["city"] == "dorsten" and f["service"] == SERVICE)
        vals = dict(L.valid_values(form))
        vals["zweck"] = "ausweis"
        fields = [{"name": f["name"], "type": f["type"], "value": vals[f["name"]]}
                  for f in form["fields"] if f["type"] != "file"]
        out = os.path.join(L.TMP, "payment-result.json")
        spec = os.path.join(L.TMP, "payment-spec.json")
        json.dump({"url": "http://127.0.0.1:%d/formular/dorsten/%s" % (relay.port, SERVICE),
                   "fields": fields, "file": "ausweis", "out": out}, open(spec, "w"))
        p = subprocess.run(["node", os.path.join(B, "payment.mjs"), spec],
                           capture_output=True, text=True, timeout=300)
        sys.stdout.write(p.stdout)
        if p.returncode != 0 and "not ok" not in p.stdout:
            ok(False, "payment.mjs ran", p.stderr[-600:])
        rows = relay.rows("SELECT s.reference, p.amount_cents, p.state FROM payments p "
                          "JOIN submissions s ON s.id = p.submission_id ORDER BY p.id")
        ok([r[1:] for r in rows] == [(2250, "bezahlt"), (1500, "abgebrochen"), (1500, "bezahlt")],
           "stored: 22,50 EUR paid; 15,00 EUR cancelled, then paid in a new attempt", rows)
        refs = sorted(set(r[0] for r in rows))
        got = sink.wait(2, timeout=60)
        mails = sink.messages()
        ok(got and len(mails) == 2 and all(any(m["subject"].endswith(r) for m in mails) for r in refs),
           "each application's office mail arrived (once)", [m["subject"] for m in mails])
        ok(all("Zahlung: bezahlt" in m["text"] for m in mails),
           "the office mails say the fee is paid")
        jobs = relay.rows("SELECT count(*) FROM outbox WHERE kind = 'office'")[0][0]
        ok(jobs == 2, "one office job each", jobs)
    finally:
        rc = relay.stop()
        sink.stop()
        fake.stop()
    ok(rc == 0, "relayd stopped cleanly", rc)
    done()


if __name__ == "__main__":
    main()
