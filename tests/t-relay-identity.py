#!/usr/bin/python3
"""t-relay-identity - citizens' login by OpenID Connect (issue 12) on the
real daemon and a real store, against tests/oidc_fake.py (a provider on
loopback that checks client_secret_basic, the code and PKCE like a real
one and signs with RS256).

Checks: the static-page link /anmelden starts the flow with PKCE S256,
state and nonce; the return opens a session (cookie buerger_sitzung:
HttpOnly, SameSite=Lax, only on a good token) and leads to relayd's own
form page, which names the login; a post with it is stored with subject
"issuer|sub" and the verified provider, level and time, shown in the
clerk's view; refusals (403, no cookie, the log's reason): wrong
signature, wrong audience, expired, replayed state, missing nonce,
wrong nonce; a post without a session, with a made-up cookie, and with a
login of a too low level (403, nothing stored); a rolled key (unknown
kid) is fetched once more and accepted; a service without a requirement
still takes anonymous posts; logins live in the store: a restart keeps
them, and on PostgreSQL a second relayd on the same database knows a
session and finishes a login the first one began; private_key_jwt with
an RSA and an EC key, a key the provider does not know, bad key files."""
import json
import os
import re
import shutil
import sys
import urllib.parse
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402
import oidc_fake  # noqa: E402
import smtp_sink as S  # noqa: E402
import subprocess  # noqa: E402

RELAYCTL = os.environ.get("RELAYCTL", os.path.join(L.ROOT, "bin/asan/relayctl"))
NOTE = re.compile(r"Identität geprüft: Servicekonto Test, Vertrauensniveau substantiell, "
                  r"\d{1,2}\. \w+ \d{4}, \d\d:\d\d Uhr; geprüfte Angaben: "
                  r"Vorname, Nachname, E-Mail-Adresse")

SERVICE = "hundeanmeldung"


def content_with_login(tmp):
    """The fixture catalogue with hundeanmeldung requiring substantiell."""
    dst = os.path.join(tmp, "content-identity")
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(L.FIXTURE, dst)
    p = os.path.join(dst, "services", SERVICE + ".yml")
    with open(p) as f:
        text = f.read()
    with open(p, "w") as f:
        text = text.replace("office: steueramt\n",
                            "office: steueramt\nidentification: substantiell\n", 1)
        for label, claim in (("Vorname", "given_name"), ("Nachname", "family_name"),
                             ("E-Mail-Adresse", "email")):
            text = text.replace("      label: %s\n" % label,
                                "      label: %s\n      prefill: %s\n" % (label, claim), 1)
        f.write(text)
    return dst


def get(relay, path, cookie=None):
    h = {"Cookie": "%s=%s" % (L.IDENTITY_COOKIE if hasattr(L, "IDENTITY_COOKIE")
                              else "buerger_sitzung", cookie)} if cookie else {}
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=30)
    try:
        c.request("GET", path, headers=h)
        r = c.getresponse()
        body = r.read().decode("utf-8", "replace")
        hd = dict((k.lower(), v) for k, v in r.getheaders())
        hd["set-cookie"] = r.msg.get_all("Set-Cookie") or []
        return r.status, hd, body
    finally:
        c.close()


def follow_provider(location):
    """The provider's authorization URL -> (its query, relayd's return path)."""
    import http.client
    u = urllib.parse.urlsplit(location)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.request("GET", u.path + "?" + u.query)
        r = c.getresponse()
        r.read()
        back = r.getheader("Location")
    finally:
        c.close()
    if r.status != 302:
        return dict(urllib.parse.parse_qsl(u.query)), None
    b = urllib.parse.urlsplit(back)
    return dict(urllib.parse.parse_qsl(u.query)), b.path + "?" + b.query


def login(relay, city):
    """The whole flow: (status of the return, its headers, the session
    cookie or None, the return path used, the provider's query)."""
    st, hd, _ = get(relay, "/anmelden?dienst=%s/%s" % (city, SERVICE))
    if st != 303:
        return st, hd, None, None, {}
    q, back = follow_provider(hd["location"])
    if not back:
        return 0, {}, None, None, q
    st, hd, _ = get(relay, back)
    cookie = None
    for sc in hd["set-cookie"]:
        m = re.match(r"buerger_sitzung=([^;]+)", sc)
        if m:
            cookie = m.group(1)
    return st, hd, cookie, back, q


def post_with(relay, city, pairs, cookie):
    h = {"Cookie": "buerger_sitzung=%s" % cookie} if cookie else {}
    return L.post(relay, city, SERVICE, pairs, headers=h)


def refused_at_start(name, content, extra, want):
    """relayd refuses to start with a file:line:col message containing want."""
    r = L.Relay(name, content=content, extra=extra)
    try:
        r.start()
        r.stop()
        return False
    except RuntimeError as e:
        return bool(re.search(r":\d+:\d+: .*" + re.escape(want), str(e)))


def bad_keys(tmp):
    """The new keys are checked with file:line:col errors."""
    bad = os.path.join(tmp, "content-identity-bad")
    shutil.rmtree(bad, ignore_errors=True)
    shutil.copytree(L.FIXTURE, bad)
    p = os.path.join(bad, "services", SERVICE + ".yml")
    text = open(p).read()
    open(p, "w").write(text.replace("office: steueramt\n",
                                    "office: steueramt\nidentification: mittel\n", 1))
    ok(refused_at_start("identity-bad1", bad, "", "'identification' must be none, basis, "
                        "substantiell or hoch"), "identification: mittel is refused with its place")
    open(p, "w").write(text.replace("      label: Vorname\n",
                                    "      label: Vorname\n      prefill: nickname\n", 1))
    ok(refused_at_start("identity-bad2", bad, "", "'prefill' must be one of"),
       "prefill: nickname is refused with its place")
    ok(refused_at_start("identity-bad3", L.FIXTURE, "identity:\n  issuer: ftp://id.example\n",
                        "'identity.issuer' must be an https:// URL"),
       "identity.issuer: ftp://... is refused with its place")


def main():
    tmp = L.TMP
    bad_keys(tmp)
    op = oidc_fake.Provider()
    content = content_with_login(tmp)
    extra = ("identity:\n  provider: Servicekonto Test\n  issuer: %s\n"
             "  client_id: %s\n  client_secret: %s\n  level_claim: acr\n"
             "  level_basis: basis-test\n  level_substantiell: substantiell-test\n"
             "  level_hoch: hoch-test\n" % (op.issuer, op.client_id, op.client_secret))
    for d in ("identity", "identity-sink"):     # a rerun outside tests/run
        shutil.rmtree(os.path.join(tmp, d), ignore_errors=True)
    sink = S.Sink(os.path.join(tmp, "identity-sink"), L.free_port()).start()
    relay = L.Relay("identity", content=content, extra=extra,
                    smtp_url="smtp://127.0.0.1:%d" % sink.port).start()
    try:
        run(relay, op)
        office_view(relay, sink)
        kept(relay, op, content, extra)
        by_key(op, content, extra)
    finally:
        rc = relay.stop()
        op.stop()
        sink.stop()
    ok(rc == 0, "relayd stopped cleanly (ASan: no leak, no error): %s" % rc)
    done()


def logged_in(relay, city, cookie):
    """Whether relayd's form page shows the session's prefilled form."""
    st, _, body = get(relay, "/formular/%s/%s" % (city, SERVICE), cookie)
    return st == 200 and "Aus Ihrem Servicekonto" in body and "<form" in body


def kept(relay, op, content, extra):
    """Logins live in the store (schema 8): a restart logs no one out, the
    store holds only hashes, and (PostgreSQL) a second relayd on the same
    database, behind the same address, knows the session and finishes a
    login the first one began."""
    city = next(f for f in relay.dump_forms() if f["service"] == SERVICE)["city"]
    st, _, cookie, _, _ = login(relay, city)
    ok(st == 303 and cookie and logged_in(relay, city, cookie), "a fresh login works")
    rows = relay.rows("SELECT count(*) FROM citizen_sessions")[0][0]
    ok(rows >= 1, "the session is a row of citizen_sessions (%s)" % rows)
    text = repr(relay.rows("SELECT * FROM citizen_sessions")) + \
        repr(relay.rows("SELECT * FROM login_pending"))
    ok(cookie not in text, "the cookie itself is not stored, only its hash")
    ok(relay.stop() == 0, "relayd stops")
    relay.start()
    ok(logged_in(relay, city, cookie), "after a restart the session still holds")
    if not L.PG:
        return
    pub = "http://127.0.0.1:%d" % relay.port
    b = L.Relay("identity-b", content=content, extra=extra, db=relay.db, public_url=pub)
    b.start()
    try:
        ok(logged_in(b, city, cookie), "a second relayd on the database knows the session")
        st, hd, _ = get(relay, "/anmelden?dienst=%s/%s" % (city, SERVICE))
        q, back = follow_provider(hd["location"]) if st == 303 else ({}, None)
        st, hd, _ = get(b, back) if back else (0, {}, "")
        c2 = next((m.group(1) for m in (re.match(r"buerger_sitzung=([^;]+)", sc)
                                         for sc in hd.get("set-cookie", [])) if m), None)
        ok(st == 303 and c2 and logged_in(relay, city, c2) and logged_in(b, city, c2),
           "a login begun at one relayd returns to the other, and both know it (%s)" % st)
        st, _, _ = get(relay, back) if back else (0, {}, "")
        ok(st == 403, "its state is spent for the first one too (%s)" % st)
    finally:
        rc = b.stop()
        ok(rc == 0, "the second relayd stops cleanly (%s): %s" % (rc, b.logtext()[-800:]))


def by_key(op, content, extra):
    """private_key_jwt: relayd signs a client assertion with its own key
    (RSA and EC P-256), the provider checks it; a key the provider does
    not know is refused; bad key files stop relayd at start."""
    city = None
    plain = extra.replace("  client_secret: %s\n" % op.client_secret, "")
    for kind in ("RSA", "EC"):
        jwk, pub = oidc_fake.client_jwk(kind)
        path = os.path.join(L.TMP, "client-%s.jwk" % kind)
        with open(path, "w") as f:
            json.dump(jwk, f)
        op.client_keys = [pub]
        r = L.Relay("identity-key-" + kind, content=content,
                    extra=plain + "  client_key_file: %s\n" % path).start()
        try:
            city = city or next(f for f in r.dump_forms() if f["service"] == SERVICE)["city"]
            op.last_auth = None
            st, _, cookie, _, _ = login(r, city)
            ok(st == 303 and cookie and op.last_auth == "private_key_jwt" and
               logged_in(r, city, cookie),
               "private_key_jwt with an %s key: the provider accepts relayd's assertion" % kind)
            op.client_keys = [oidc_fake.client_jwk(kind)[1]]    # not relayd's
            st, _, cookie, _, _ = login(r, city)
            ok(st == 403 and not cookie and reason_logged(r, "token_endpoint_refused"),
               "a key the provider does not know: refused (%s)" % st)
        finally:
            ok(r.stop() == 0, "relayd with client_key_file (%s) stops cleanly" % kind)
    op.client_keys = []

    def refused(name, text, want):
        path = os.path.join(L.TMP, name + ".jwk")
        with open(path, "w") as f:
            f.write(text)
        r = L.Relay(name, content=content, extra=plain + "  client_key_file: %s\n" % path)
        try:
            r.start()
            r.stop()
            return False
        except RuntimeError as e:
            return want in str(e)
    jwk, _ = oidc_fake.client_jwk("RSA")
    public = dict((k, v) for k, v in jwk.items() if k in ("kty", "kid", "n", "e"))
    ok(refused("key-public", json.dumps(public), "holds no private key"),
       "a public key alone stops relayd at start")
    ok(refused("key-garbage", "not json", "is not a JWK"), "a file that is no JWK too")
    ok(refused("key-oct", json.dumps({"kty": "oct", "k": "c2VjcmV0"}),
               "must be an RSA key"), "and a symmetric key")
    path = os.path.join(L.TMP, "client-RSA.jwk")
    r = L.Relay("key-both", content=content, extra=extra + "  client_key_file: %s\n" % path)
    try:
        r.start()
        r.stop()
        both = False
    except RuntimeError as e:
        both = "not both" in str(e)
    ok(both, "a secret and a key at once stop relayd at start")


def office_view(relay, sink):
    """The verified login in the office mail (full mode) and the inbox."""
    sid, ref, city = relay.rows("SELECT id, reference, city FROM submissions WHERE subject <> ''"
                                " ORDER BY id LIMIT 1")[0]
    L.wait_until(lambda: any(ref in (m["text"] or "") for m in sink.messages()), 30)
    mail = next((m for m in sink.messages() if ref in (m["text"] or "")), None)
    ok(mail and NOTE.search(mail["text"]), "the office mail says who was verified, how, when "
       "and which fields: %r" % (mail and re.findall(r"Identität.*", mail["text"])))
    anon = relay.rows("SELECT reference FROM submissions WHERE subject = '' ORDER BY id LIMIT 1")
    L.wait_until(lambda: any(anon and anon[0][0] in (m["text"] or "")
                             for m in sink.messages()), 30)
    other = next((m for m in sink.messages() if anon and anon[0][0] in (m["text"] or "")), None)
    ok(other and "Identität geprüft" not in other["text"],
       "an application without login says nothing of one")
    pw = "Anna-geheim-2026"
    p = subprocess.run([RELAYCTL, "--config", relay.cfg, "user", "add", "anna", "--office",
                        "%s/steueramt" % city], input=pw + "\n", capture_output=True, text=True)
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=30)
    c.request("GET", "/amt/anmelden")
    r = c.getresponse()
    r.read()
    tok = re.search(r"amt_anmeldung=([^;]+)", r.getheader("Set-Cookie") or "")
    c.close()
    body = ""
    if tok:
        c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=30)
        c.request("POST", "/amt/anmelden", urllib.parse.urlencode(
            {"csrf": tok.group(1), "benutzername": "anna", "passwort": pw}),
            {"Content-Type": "application/x-www-form-urlencoded",
             "Cookie": "amt_anmeldung=" + tok.group(1)})
        r = c.getresponse()
        r.read()
        sess = re.search(r"amt_sitzung=([^;]+)", " ".join(r.msg.get_all("Set-Cookie") or []))
        c.close()
        if sess:
            c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=30)
            c.request("GET", "/amt/antrag/%d" % sid, headers={"Cookie": "amt_sitzung=" +
                                                               sess.group(1)})
            body = c.getresponse().read().decode()
            c.close()
    ok(p.returncode == 0 and "<dt>Identität</dt>" in body and NOTE.search(body),
       "the clerk's detail page shows the verified login")


def reason_logged(relay, reason):
    return ("event=login_refused reason=%s" % reason) in relay.logtext() or \
        ("reason=%s" % reason) in relay.logtext()


def run(relay, op):
    forms = relay.dump_forms()
    form = next(f for f in forms if f["service"] == SERVICE)
    city = form["city"]
    pairs = L.valid_values(form)
    other = next(f for f in forms if f["service"] != SERVICE)
    pub = "http://127.0.0.1:%d" % relay.port

    # the static form page of a service that requires a login
    st, hd, body = get(relay, "/formular/%s/%s" % (city, SERVICE))
    ok(st == 200 and "Anmelden mit Ihrem Servicekonto / BundID" in body and
       'href="%s/anmelden?dienst=%s/%s"' % (pub, city, SERVICE) in body and
       "<form" not in body.split("Anmelden mit Ihrem Servicekonto")[1],
       "without a login the form page shows the login start, not the form")

    # a forged post without a session, and with a made-up cookie
    n0 = L.count_submissions(relay)
    st, _, body = post_with(relay, city, pairs, None)
    ok(st == 403 and b"Servicekonto" in body, "a post without a session: 403 (%s)" % st)
    st, _, _ = post_with(relay, city, pairs, "A" * 43)
    ok(st == 403, "a post with a made-up session cookie: 403 (%s)" % st)
    ok(L.count_submissions(relay) == n0, "nothing stored for refused posts")
    st, hd, body = L.post(relay, city, SERVICE, pairs, json_accept=False)
    ok(st == 403 and "Anmelden mit Ihrem Servicekonto / BundID" in body.decode() and
       "/anmelden?dienst=%s/%s" % (city, SERVICE) in body.decode(),
       "the 403 page explains the login and links to it")

    # the good login
    st, hd, cookie, back, q = login(relay, city)
    ok(q.get("code_challenge_method") == "S256" and len(q.get("code_challenge", "")) == 43
       and len(q.get("state", "")) >= 32 and len(q.get("nonce", "")) >= 32 and
       q.get("redirect_uri") == pub + "/anmelden/rueckkehr" and
       q.get("client_id") == op.client_id and "openid" in q.get("scope", ""),
       "the authorization request carries PKCE S256, state, nonce, redirect URI")
    ok(st == 303 and cookie and hd.get("location") == "%s/formular/%s/%s" % (pub, city, SERVICE),
       "the return opens a session and leads to the form (%s)" % st)
    sc = next((c for c in hd.get("set-cookie", []) if c.startswith("buerger_sitzung=")), "")
    ok("HttpOnly" in sc and "SameSite=Lax" in sc and "Path=/" in sc,
       "session cookie is HttpOnly, SameSite=Lax: %s" % sc.split(";", 1)[-1])
    st, _, body = get(relay, back)
    ok(st == 403 and reason_logged(relay, "unknown_state"), "a replayed state is refused")

    st, _, body = get(relay, "/formular/%s/%s" % (city, SERVICE), cookie)
    ok(st == 200 and "<form" in body and "Servicekonto Test" in body and
       "substantiell" in body, "logged in, relayd's form page shows the form and the login")

    for name, value in (("vorname", "Erika"), ("nachname", "Mustermann"),
                        ("email", "erika@example.de")):
        m = re.search(r'<input[^>]* name="%s" value="([^"]*)"([^>]*)>' % name, body)
        ok(m and m.group(1) == value and " readonly" in m.group(2) and
           'aria-describedby="feld-%s-hilfe' % name in m.group(2),
           "prefilled read-only from the login: %s = %s" % (name, value))
    ok(body.count("Aus Ihrem Servicekonto – geprüft, nicht änderbar.") == 3,
       "each prefilled field is marked 'Aus Ihrem Servicekonto'")
    m = re.search(r'<input[^>]* name="telefon"[^>]*>', body)
    ok(m and "readonly" not in m.group(0), "a field without prefill stays editable")

    # a post that says otherwise for a verified field: the login's value wins
    forged = [(k, "Mallory" if k == "vorname" else v) for k, v in pairs if k != "nachname"]
    st, _, _ = post_with(relay, city, forged, cookie)
    ok(st == 303, "a post with the session is taken (%s)" % st)
    fields = relay.rows("SELECT fields FROM submissions WHERE service = ? ORDER BY id DESC",
                        (SERVICE,))[0][0]
    ok('"Erika"' in fields and "Mallory" not in fields and '"Mustermann"' in fields,
       "the verified values are stored, not the post's (vorname forged, nachname left out)")
    rows = relay.rows("SELECT subject, identity FROM submissions WHERE service = ?"
                      " ORDER BY id DESC", (SERVICE,))
    import json
    ident = json.loads(rows[0][1]) if rows and rows[0][1] else {}
    ok(rows and rows[0][0] == op.issuer + "|buerger-4711",
       "stored with subject issuer|sub: %r" % (rows[0][0] if rows else None))
    ok(ident.get("provider") == "Servicekonto Test" and ident.get("level") == "substantiell"
       and isinstance(ident.get("at"), int), "stored with provider, level, time: %r" % ident)
    ok(ident.get("fields") == ["vorname", "nachname", "email"],
       "stored with the verified fields: %r" % ident.get("fields"))

    # refusals at the return: no session opened
    def refused(what, reason, **kw):
        op.claims = kw.get("claims", {})
        op.sign_with = kw.get("sign", "right")
        st, hd, cookie, _, _ = login(relay, city)
        op.claims, op.sign_with = {}, "right"
        ok(st == 403 and cookie is None and reason_logged(relay, reason),
           "%s: 403, no session, logged reason=%s (%s)" % (what, reason, st))

    refused("wrong signature", "bad_signature", sign="wrong")
    refused("wrong audience", "wrong_audience", claims={"aud": "someone-else"})
    refused("wrong issuer", "wrong_issuer", claims={"iss": "http://127.0.0.1:1"})
    refused("expired token", "expired", claims={"exp": 1000000000})
    refused("missing nonce", "missing_nonce", claims={"nonce": None})
    refused("wrong nonce", "wrong_nonce", claims={"nonce": "x" * 43})
    st, _, _ = get(relay, "/anmelden/rueckkehr?state=abc&code=def")
    ok(st == 403, "a return with a state never issued: 403")

    # a rolled key: the relay fetches the JWKS once more
    fetches = op.jwks_fetches
    op.rotate()
    st, _, cookie2, _, _ = login(relay, city)
    ok(st == 303 and cookie2 and op.jwks_fetches == fetches + 1,
       "an unknown kid makes the relay fetch the keys once more (%d -> %d)"
       % (fetches, op.jwks_fetches))

    # a login of a too low level
    op.account["acr"] = "basis-test"
    st, _, low, _, _ = login(relay, city)
    op.account["acr"] = "substantiell-test"
    n1 = L.count_submissions(relay)
    st2, _, _ = post_with(relay, city, pairs, low)
    ok(st == 303 and low and st2 == 403 and L.count_submissions(relay) == n1,
       "a login of level basis cannot post a substantiell service (%s, %s)" % (st, st2))

    # the Postfach by login: the applications of the login's subject
    st, _, body = get(relay, "/postfach")
    ok(st == 200 and 'href="%s/anmelden?ziel=postfach"' % pub in body and
       "Mit Servicekonto anmelden" in body, "/postfach offers the Servicekonto login")
    st, hd, _ = get(relay, "/anmelden?ziel=postfach")
    _, back = follow_provider(hd.get("location", "http://127.0.0.1:1/"))
    st, hd, _ = get(relay, back) if back else (0, {"set-cookie": []}, "")
    pcookie = next((re.match(r"buerger_sitzung=([^;]+)", c).group(1)
                    for c in hd["set-cookie"] if c.startswith("buerger_sitzung=")), None)
    ok(st == 303 and hd.get("location") == pub + "/postfach/antraege" and pcookie,
       "the login from the Postfach comes back to its list")
    mine = [r[0] for r in relay.rows("SELECT reference FROM submissions WHERE subject = ?",
                                     (op.issuer + "|buerger-4711",))]
    st, _, body = get(relay, "/postfach/antraege", pcookie)
    listed = re.findall(r'class="reference">([^<]+)<', body)
    ok(st == 200 and mine and sorted(listed) == sorted(mine) and "Servicekonto Test" in body,
       "the list holds exactly the login's applications: %r vs %r" % (listed, mine))
    op.account["sub"] = "jemand-anders"
    st, _, other_cookie, _, _ = login(relay, city)
    op.account["sub"] = "buerger-4711"
    st, _, body = get(relay, "/postfach/antraege", other_cookie)
    ok(st == 200 and not re.findall(r'class="reference">', body),
       "another subject's list is empty")

    # logging out from the Postfach ends the login everywhere
    st, hd, body = get(relay, "/postfach/antraege", other_cookie)
    csrf = re.search(r'name="csrf" value="([^"]+)"', body)
    ccookie = next((c.split(";")[0] for c in hd["set-cookie"] if c.startswith("antrag_csrf=")), "")
    ok(st == 200 and csrf and ccookie and "Abmelden</button>" in body,
       "the login's Postfach offers Abmelden with a CSRF token")
    import http.client

    def logout(token, cookies):
        c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=30)
        try:
            c.request("POST", "/postfach/abmelden", body="csrf=" + token,
                      headers={"Content-Type": "application/x-www-form-urlencoded",
                               "Cookie": cookies})
            r = c.getresponse()
            r.read()
            return r.status, r.msg.get_all("Set-Cookie") or [], r.getheader("Location")
        finally:
            c.close()
    st, _, _ = logout("falsch", "buerger_sitzung=%s; %s" % (other_cookie, ccookie))
    ok(st == 403 and logged_in(relay, city, other_cookie),
       "a logout without the right CSRF token: 403, still logged in (%s)" % st)
    st, sc, loc = logout(csrf.group(1), "buerger_sitzung=%s; %s" % (other_cookie, ccookie))
    ok(st == 303 and loc == pub + "/postfach?abgemeldet=1" and
       any(c.startswith("buerger_sitzung=;") and "Max-Age=0" in c for c in sc),
       "Abmelden: 303 to the Postfach, the login cookie cleared (%s)" % st)
    st, hd, body = get(relay, "/postfach/antraege", other_cookie)
    ok(st != 200 or "Abmelden</button>" not in body,
       "the old login cookie opens the Postfach no more (%s)" % st)
    ok(not logged_in(relay, city, other_cookie), "nor the form (the session is gone)")
    ok(logged_in(relay, city, pcookie), "another login stays")

    # services without a requirement: as before
    st, _, _ = L.post(relay, other["city"], other["service"], L.valid_values(other))
    ok(st == 303, "a service without identification takes anonymous posts (%s)" % st)
    st, _, body = get(relay, "/formular/%s/%s" % (other["city"], other["service"]))
    ok(st == 200 and "Anmelden mit Ihrem Servicekonto" not in body and "<form" in body,
       "and its page shows the form without a login start")


if __name__ == "__main__":
    main()
