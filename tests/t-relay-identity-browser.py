#!/usr/bin/python3
"""t-relay-identity-browser - the citizens' login (issue 12) end to end
with a REAL OpenID provider: the npm package oidc-provider, started on
the loopback by tests/oidc_provider.mjs (a client for relayd, the test
account's claims with the trust level in "vertrauensniveau", its
development login and consent pages), relayd on a copy of the fixture
catalogue in which hundeanmeldung requires substantiell and prefills
first name, last name and e-mail, and Chromium (tests/browser/identity.mjs):
login start, login at the provider, back, read-only verified fields,
send. Then: the submission is stored with subject "<issuer>|<user>" and
the verified provider, level and fields, and the clerk's inbox shows it."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402

B = os.path.join(L.ROOT, "tests", "browser")
SERVICE = "hundeanmeldung"
CLAIMS = {"given_name": "Erika", "family_name": "Mustermann",
          "email": "erika@example.de", "vertrauensniveau": "substantiell"}


def content_copy():
    dst = os.path.join(L.TMP, "content-identity-browser")
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(L.FIXTURE, dst)
    p = os.path.join(dst, "services", SERVICE + ".yml")
    text = open(p).read().replace("office: steueramt\n",
                                  "office: steueramt\nidentification: substantiell\n", 1)
    for label, claim in (("Vorname", "given_name"), ("Nachname", "family_name"),
                         ("E-Mail-Adresse", "email")):
        text = text.replace("      label: %s\n" % label,
                            "      label: %s\n      prefill: %s\n" % (label, claim), 1)
    open(p, "w").write(text)
    return dst


def main():
    if not os.path.isdir(os.path.join(B, "node_modules", "oidc-provider")):
        ok(False, "npm oidc-provider is installed in tests/browser (make deps)")
        return done()
    rport, oport = L.free_port(), L.free_port()
    spec = os.path.join(L.TMP, "op.json")
    json.dump({"port": oport, "client_id": "relayd-test", "client_secret": "geheim-123",
               "redirect_uri": "http://127.0.0.1:%d/anmelden/rueckkehr" % rport,
               "claims": CLAIMS}, open(spec, "w"))
    oplog = open(os.path.join(L.TMP, "op.log"), "w")
    op = subprocess.Popen(["node", os.path.join(L.ROOT, "tests", "oidc_provider.mjs"), spec],
                          stdout=oplog, stderr=subprocess.STDOUT)
    issuer = "http://127.0.0.1:%d" % oport
    up = False
    for _ in range(100):
        try:
            urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=2)
            up = True
            break
        except OSError:
            time.sleep(0.1)
    ok(up, "oidc-provider answers on the loopback")
    extra = ("identity:\n  provider: Servicekonto Test\n  issuer: %s\n  client_id: relayd-test\n"
             "  client_secret: geheim-123\n  scopes: openid profile email\n"
             "  level_claim: vertrauensniveau\n  level_basis: basis\n"
             "  level_substantiell: substantiell\n  level_hoch: hoch\n" % issuer)
    relay = L.Relay("identity-browser", content=content_copy(), extra=extra, port=rport).start()
    try:
        form = next(f for f in relay.dump_forms() if f["service"] == SERVICE)
        city = form["city"]
        verified = {"vorname": "Erika", "nachname": "Mustermann", "email": "erika@example.de"}
        fields = [{"name": n, "type": next(f["type"] for f in form["fields"] if f["name"] == n),
                   "value": v} for n, v in L.valid_values(form)
                  if n not in verified and not isinstance(v, bytes)]
        out = os.path.join(L.TMP, "identity-result.json")
        bspec = os.path.join(L.TMP, "identity-spec.json")
        json.dump({"url": "http://127.0.0.1:%d/formular/%s/%s" % (rport, city, SERVICE),
                   "user": "buerger-4711", "fields": fields, "verified": verified,
                   "out": out}, open(bspec, "w"))
        p = subprocess.run(["node", os.path.join(B, "identity.mjs"), bspec],
                           capture_output=True, text=True, timeout=300)
        sys.stdout.write(p.stdout)
        if p.returncode != 0 and "not ok" not in p.stdout:
            ok(False, "identity.mjs ran", p.stderr[-600:])
        rows = relay.rows("SELECT subject, identity, fields FROM submissions")
        ok(len(rows) == 1, "one submission stored", rows)
        if rows:
            ident = json.loads(rows[0][1] or "{}")
            ok(rows[0][0] == issuer + "|buerger-4711", "stored with subject issuer|sub", rows[0][0])
            ok(ident.get("provider") == "Servicekonto Test" and ident.get("level") == "substantiell"
               and ident.get("fields") == ["vorname", "nachname", "email"],
               "stored with the verified marks: provider, level, fields", ident)
            ok('"Erika"' in rows[0][2] and "ErikaX" not in rows[0][2],
               "the verified first name is stored as the provider said it")
    finally:
        rc = relay.stop()
        op.terminate()
        op.wait(10)
        oplog.close()
    ok(rc == 0, "relayd stopped cleanly", rc)
    done()


if __name__ == "__main__":
    main()
