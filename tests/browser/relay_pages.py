#!/usr/bin/env python3
"""relay_pages.py OUTDIR CITY SERVICE - the pages relayd renders itself,
saved for the auditors' checks: the form shown again with errors (an
incomplete post, status 422) as OUTDIR/relay-fehler.html, the
confirmation page after a valid post as OUTDIR/relay-bestaetigung.html,
the application page its link leads to as OUTDIR/relay-antrag.html (with
its section "Unterlagen nachreichen"), that page refusing a script sent as
a later document (422) as OUTDIR/relay-antrag-unterlagen-fehler.html,
the server-side search with results (relay-suche.html), without
(relay-suche-leer.html) and the umbrella's finder naming portals
(relay-suche-portal.html), and the clerks' inbox (a clerk made with
relayctl for the application's office): its login page
(relay-amt-anmelden.html), the login after a wrong password
(relay-amt-anmelden-fehler.html, the error pattern), the list
(relay-amt-liste.html) and the application (relay-amt-antrag.html, with
the citizen's message in its thread); the application page's message
form with an error (relay-antrag-nachricht-fehler.html, 422) and with a
message in its thread (relay-antrag-nachrichten.html);
the citizens' Postfach: the request page (relay-postfach.html), its answer
(relay-postfach-antwort.html), a malformed address (relay-postfach-fehler.html,
the error pattern), a used link (relay-postfach-abgelaufen.html, 410) and
the list of the address's applications (relay-postfach-liste.html);
the pages of online payment (payment_pages: relay-zahlung-*.html).
Runs the real daemon (RELAYD) on the real content/ through
tests/relay_lib.py. Prints ok/not ok lines; exit 1 when a page is missing.
The pages link absolutely to region.yml's base_url; axe.mjs --base-url
serves those links from the built site."""
import http.client
import os
import re
import subprocess
import sys
import urllib.parse

ROOT = os.environ.get("ROOT", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import relay_lib as L  # noqa: E402
import tap  # noqa: E402
from relay_lib import ok  # noqa: E402


RELAYCTL = os.environ.get("RELAYCTL", os.path.join(ROOT, "bin/asan/relayctl"))


def fetch(relay, method, path, body=None, cookies=""):
    """status, the Set-Cookie values, the body as text."""
    h = {"Cookie": cookies} if cookies else {}
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode(body)
    c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=60)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        return r.status, [v.split(";")[0] for v in r.msg.get_all("Set-Cookie") or []], data
    finally:
        c.close()


def save(out, name, page):
    with open(os.path.join(out, name), "w") as f:
        f.write(page)


def no_poll(page):
    """The page without its thread's poll address: the auditors open the
    saved page when relayd is gone, and thread.js would ask it from another
    host (the poll is tested in t-relay-story-browser)."""
    return re.sub(r' data-poll="[^"]*" data-last="\d+"', "", page)


def message_pages(relay, out, app):
    """The application page's messages part: the form with an error (an
    empty message, 422) and the page with a message in its thread."""
    st, cookies, page = fetch(relay, "GET", app)
    form = next((c for c in cookies if c.startswith("antrag_csrf=")), "")
    csrf = form.split("=", 1)[1] if form else ""
    st, _, page = fetch(relay, "POST", app + "/nachricht", {"csrf": csrf, "nachricht": " "}, form)
    if ok(st == 422 and "<html" in page and "error-summary" in page,
          "an empty message gets the application page with its error (422)", st):
        save(out, "relay-antrag-nachricht-fehler.html", no_poll(page))
    st, _, _ = fetch(relay, "POST", app + "/nachricht",
                     {"csrf": csrf, "nachricht": "Guten Tag,\nmuss ich den Hund auch beim "
                      "Ordnungsamt melden?"}, form)
    st2, _, page = fetch(relay, "GET", app + "?gesendet=1", cookies=form)
    if ok(st == 303 and st2 == 200 and "message-body" in page,
          "a message is sent and shown in the thread", (st, st2)):
        save(out, "relay-antrag-nachrichten.html", no_poll(page))


def inbox_pages(relay, out, reference):
    """The clerk's pages, for the application of reference."""
    city, office = relay.rows("SELECT city, office FROM submissions WHERE reference = ?",
                              (reference,))[0]
    p = subprocess.run([RELAYCTL, "--config", relay.cfg, "user", "add", "pruefer", "--office",
                        "%s/%s" % (city, office)], input="Pruefer-geheim-2026\n",
                       capture_output=True, text=True, timeout=120)
    if not ok(p.returncode == 0, "relayctl adds a clerk of %s/%s" % (city, office), p.stderr):
        return
    st, cookies, page = fetch(relay, "GET", "/amt/anmelden")
    if ok(st == 200 and "<html" in page, "relayd serves the inbox login page", st):
        save(out, "relay-amt-anmelden.html", page)
    login = cookies[0] if cookies else ""
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    form = {"csrf": csrf.group(1) if csrf else "", "benutzername": "pruefer"}
    st, _, page = fetch(relay, "POST", "/amt/anmelden", dict(form, passwort="falsch-falsch"), login)
    if ok(st == 422 and "<html" in page, "a wrong password gets the login page with errors", st):
        save(out, "relay-amt-anmelden-fehler.html", page)
    st, cookies, _ = fetch(relay, "POST", "/amt/anmelden", dict(form, passwort="Pruefer-geheim-2026"),
                           login)
    session = next((c for c in cookies if c.startswith("amt_sitzung=")), "")
    if not ok(st == 303 and session, "the clerk logs in", st):
        return
    st, _, page = fetch(relay, "GET", "/amt/", cookies=session)
    if ok(st == 200 and reference in page, "relayd serves the inbox list", st):
        save(out, "relay-amt-liste.html", page)
    m = re.search(r'href="http://127.0.0.1:\d+(/amt/antrag/\d+)">%s<' % reference, page)
    st, _, page = fetch(relay, "GET", m.group(1) if m else "/amt/antrag/0", cookies=session)
    if ok(st == 200 and "Verlauf" in page, "relayd serves the inbox's application page", st):
        save(out, "relay-amt-antrag.html", page)


def upload_error_page(relay, out, path):
    """A script sent as a later document: the application page again with
    the refusal (422), as relay-antrag-unterlagen-fehler.html."""
    st, cookies, _ = fetch(relay, "GET", path)
    csrf = next((c for c in cookies if c.startswith("antrag_csrf=")), "")
    body, ct = L.multipart([("csrf", csrf.split("=", 1)[-1]),
                            ("unterlagen", b"#!/bin/sh\necho kein PDF\n")])
    st, _, data = relay.request("POST", path + "/unterlagen", body,
                                {"Content-Type": ct, "Cookie": csrf})
    page = data.decode("utf-8", "replace")
    if ok(st == 422 and "<html" in page and "error-summary" in page,
          "a script as a later document gets the application page with its error (422)", st):
        save(out, "relay-antrag-unterlagen-fehler.html", no_poll(page))


def postfach_pages(relay, out, token):
    """The Postfach's pages, for the address of the application of token."""
    import hashlib
    import time
    st, cookies, page = fetch(relay, "GET", "/postfach")
    if ok(st == 200 and "<html" in page, "relayd serves the Postfach's request page", st):
        save(out, "relay-postfach.html", page)
    jar = next((c for c in cookies if c.startswith("antrag_csrf=")), "")
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    csrf = m.group(1) if m else ""
    st, _, page = fetch(relay, "POST", "/postfach", {"csrf": csrf, "email": "kein-at-zeichen"}, jar)
    if ok(st == 422 and "<html" in page, "a malformed address gets the request page with errors", st):
        save(out, "relay-postfach-fehler.html", page)
    email = relay.rows("SELECT applicant_email FROM submissions WHERE token = ?", (token,))[0][0]
    st, _, page = fetch(relay, "POST", "/postfach", {"csrf": csrf, "email": email}, jar)
    if ok(st == 200 and "<html" in page, "a request gets its answer", st):
        save(out, "relay-postfach-antwort.html", page)
    # a link as the worker would have mailed it (this relay mails nothing)
    link, now = "Postfach-Seiten-Pruefung", int(time.time())  # 24 characters
    relay.write([("INSERT INTO postfach_links(token_hash, email, token, created_unix,"
                  " expires_unix, next_attempt, delivered_unix) VALUES(?, ?, '', ?, ?, ?, ?)",
                  (hashlib.sha256(link.encode()).digest(), email.lower(), now, now + 1800,
                   now, now))])
    st, cookies, _ = fetch(relay, "GET", "/postfach/" + link)
    session = next((c for c in cookies if c.startswith("postfach_sitzung=")), "")
    st, _, page = fetch(relay, "GET", "/postfach/antraege", cookies=session)
    if ok(st == 200 and "postfach-list" in page, "the link opens the list", st):
        save(out, "relay-postfach-liste.html", page)
    st, _, page = fetch(relay, "GET", "/postfach/" + link)
    if ok(st == 410 and "<html" in page, "the link a second time gets the 410 page", st):
        save(out, "relay-postfach-abgelaufen.html", page)


def identity_pages(out, city):
    """The citizens' login (issue 12) on a copy of content/ in which
    hundeanmeldung requires the level substantiell and prefills names,
    against tests/oidc_fake.py: the login start instead of the form
    (relay-anmelden-start.html), the form for a logged-in citizen with its
    read-only verified fields (relay-formular-angemeldet.html), the 403
    for a post without login (relay-anmelden-noetig.html) and a refused
    return from the provider (relay-anmelden-fehler.html)."""
    import shutil
    import oidc_fake
    content = os.path.join(L.TMP, "a11y-identity-content")
    shutil.rmtree(content, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "content"), content)
    svc = os.path.join(content, "services", "hundeanmeldung.yml")
    with open(svc) as f:
        text = f.read()
    text = text.replace("office: steueramt\n", "office: steueramt\nidentification: substantiell\n", 1)
    for label, claim in (("Vorname", "given_name"), ("Nachname", "family_name")):
        text = text.replace("      label: %s\n" % label,
                            "      label: %s\n      prefill: %s\n" % (label, claim), 1)
    with open(svc, "w") as f:
        f.write(text)
    op = oidc_fake.Provider()
    relay = L.Relay("a11y-identity", content=content, extra=(
        "identity:\n  provider: Servicekonto.NRW\n  issuer: %s\n  client_id: %s\n"
        "  client_secret: %s\n  level_substantiell: substantiell-test\n"
        % (op.issuer, op.client_id, op.client_secret)))
    try:
        relay.start()
        path = "/formular/%s/hundeanmeldung" % city
        st, _, page = fetch(relay, "GET", path)
        if ok(st == 200 and "Anmelden mit Ihrem Servicekonto / BundID" in page,
              "relayd's form page of a service with a login shows the login start"):
            save(out, "relay-anmelden-start.html", page)
        st, _, body = L.post(relay, city, "hundeanmeldung", [("vorname", "Erika")],
                             json_accept=False, multi=False)
        page = body.decode("utf-8", "replace")
        if ok(st == 403 and "Servicekonto" in page, "a post without login: the 403 page"):
            save(out, "relay-anmelden-noetig.html", page)
        st, _, page = fetch(relay, "GET", "/anmelden/rueckkehr?state=x&code=y")
        if ok(st == 403 and "<html" in page, "a refused return from the provider: 403 page"):
            save(out, "relay-anmelden-fehler.html", page)
        st, h, _ = relay.request("GET", "/anmelden?dienst=%s/hundeanmeldung" % city)
        u = urllib.parse.urlsplit(h.get("location", ""))
        c = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port or 1, timeout=30)
        c.request("GET", u.path + "?" + u.query)
        back = urllib.parse.urlsplit(c.getresponse().getheader("Location") or "")
        c.close()
        st, cookies, _ = fetch(relay, "GET", back.path + "?" + back.query)
        st, _, page = fetch(relay, "GET", path, cookies="; ".join(cookies))
        if ok(st == 200 and " readonly" in page and "Aus Ihrem Servicekonto" in page,
              "the form for a logged-in citizen with verified read-only fields"):
            save(out, "relay-formular-angemeldet.html", page)
        st, _, page = fetch(relay, "GET", "/postfach")
        if ok(st == 200 and "Mit Servicekonto anmelden" in page,
              "the Postfach's request page offers the Servicekonto login"):
            save(out, "relay-postfach-servicekonto.html", page)
        st, _, page = fetch(relay, "GET", "/postfach/antraege", cookies="; ".join(cookies))
        if ok(st == 200 and "Servicekonto.NRW" in page,
              "the Postfach's list for a logged-in citizen"):
            save(out, "relay-postfach-liste-servicekonto.html", page)
    except (RuntimeError, OSError) as e:
        ok(False, "the identity pages", e)
    finally:
        relay.stop()
        op.stop()


def payment_pages(out, city):
    """Online payment (issue 12) on a copy of content/ in which
    hundeanmeldung has a test fee of 15,00 EUR paid before the office gets
    it, against tests/pay_fake.py: the confirmation with the pending fee
    (relay-zahlung-bestaetigung.html), the application page with it
    (relay-zahlung-antrag.html), the return before the provider's notice
    (relay-zahlung-ausstehend.html), after a cancelled payment with
    "Erneut bezahlen" (relay-zahlung-abgebrochen.html), after a paid one
    (relay-zahlung-bezahlt.html), and the 403 of "Jetzt bezahlen" without
    the page's token (relay-zahlung-fehler.html)."""
    import shutil
    import pay_fake
    content = os.path.join(L.TMP, "a11y-payment-content")
    shutil.rmtree(content, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "content"), content)
    svc = os.path.join(content, "services", "hundeanmeldung.yml")
    with open(svc) as f:
        text = f.read()
    # a test fee, not an ordinance's (content/README.md: no real fee yet)
    text = text.replace("office: steueramt\n", "office: steueramt\nfee:\n  amount: 1500\n"
                        "  deliver: after_payment\n", 1)
    with open(svc, "w") as f:
        f.write(text)
    key = "a11y-schluessel-" + "k" * 24
    fake = pay_fake.Provider({"M-1": key})
    relay = L.Relay("a11y-payment", content=content, extra=(
        "payment:\n  page_url: %s\n  accounts:\n    %s:\n      merchant: M-1\n"
        "      key: %s\n" % (fake.page_url, city, key)))
    try:
        relay.start()
        form = [f for f in relay.dump_forms()
                if f["city"] == city and f["service"] == "hundeanmeldung"][0]

        def apply():
            st, h, _ = L.post(relay, city, "hundeanmeldung", L.valid_values(form),
                              json_accept=False)
            return h.get("location", "").rsplit("/", 1)[-1]

        def pay(tok, wahl):
            st, cookies, page = fetch(relay, "GET", "/antrag/" + tok)
            csrf = next((c.split("=", 1)[1] for c in cookies if c.startswith("antrag_csrf=")), "")
            c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=30)
            c.request("POST", "/antrag/%s/bezahlen" % tok, body=urllib.parse.urlencode({"csrf": csrf}),
                      headers={"Content-Type": "application/x-www-form-urlencoded",
                               "Cookie": "antrag_csrf=" + csrf})
            loc = c.getresponse().getheader("Location") or ""
            c.close()
            u = urllib.parse.urlsplit(loc)
            q = fake.check_request(u.query)
            if wahl:
                fake.choose(q, wahl)
            return urllib.parse.urlsplit(q["return_url"]) if q else None

        tok = apply()
        st, _, page = fetch(relay, "GET", "/bestaetigung/" + tok)
        if ok(st == 200 and "Zahlung ausstehend" in page, "the confirmation with a pending fee"):
            save(out, "relay-zahlung-bestaetigung.html", page)
        st, _, page = fetch(relay, "GET", "/antrag/" + tok)
        if ok(st == 200 and "Jetzt bezahlen" in page, "the application page with a pending fee"):
            save(out, "relay-zahlung-antrag.html", no_poll(page))
        back = pay(tok, None)
        st, _, page = fetch(relay, "GET", back.path + "?" + back.query) if back else (0, 0, "")
        if ok(st == 200 and "Ihre Zahlung wird noch bestätigt" in page,
              "the return page before the provider's notice"):
            save(out, "relay-zahlung-ausstehend.html", page)
        back = pay(tok, "cancelled")
        st, _, page = fetch(relay, "GET", back.path + "?" + back.query) if back else (0, 0, "")
        if ok(st == 200 and "Erneut bezahlen" in page, "the return page after cancelling"):
            save(out, "relay-zahlung-abgebrochen.html", page)
        back = pay(tok, "paid")
        st, _, page = fetch(relay, "GET", back.path + "?" + back.query) if back else (0, 0, "")
        if ok(st == 200 and "Zahlung eingegangen" in page, "the return page after paying"):
            save(out, "relay-zahlung-bezahlt.html", page)
        st, _, page = fetch(relay, "POST", "/antrag/%s/bezahlen" % tok, {"csrf": "x"})
        if ok(st == 403 and "<html" in page, "Jetzt bezahlen without the page's token: 403 page"):
            save(out, "relay-zahlung-fehler.html", page)
    except (RuntimeError, OSError, IndexError, TypeError) as e:
        ok(False, "the payment pages", e)
    finally:
        relay.stop()
        fake.stop()


def main():
    if len(sys.argv) != 4:
        print("usage: relay_pages.py OUTDIR CITY SERVICE", file=sys.stderr)
        return 2
    out, city, service = sys.argv[1:]
    relay = L.Relay("a11y-relay", content=os.path.join(ROOT, "content"))
    try:
        relay.start()
    except RuntimeError as e:
        ok(False, "relayd starts for the error and confirmation pages", e)
        return 1
    try:
        forms = [f for f in relay.dump_forms()
                 if f["city"] == city and f["service"] == service]
        if not ok(len(forms) == 1, "relayd knows the form %s/%s" % (city, service)):
            return 1
        form = forms[0]

        # Incomplete: a first name and a broken e-mail address, nothing else.
        names = [f["name"] for f in form["fields"]]
        bad = [(n, v) for n, v in (("vorname", "Erika"), ("email", "kein-at-zeichen"))
               if n in names]
        st, _, body = L.post(relay, city, service, bad, json_accept=False, multi=False)
        page = body.decode("utf-8", "replace")
        if ok(st == 422 and "<html" in page,
              "relayd answers an incomplete %s form with its 422 error page" % service,
              (st, page[:200])):
            with open(os.path.join(out, "relay-fehler.html"), "w") as f:
                f.write(page)
        if bad:
            ok(all('value="%s"' % v in page for _, v in bad),
               "the error page keeps what the citizen typed", bad)

        # Complete: the 303 leads to the confirmation page.
        st, h, body = L.post(relay, city, service, L.valid_values(form), json_accept=False)
        loc = h.get("location", "")
        prefix = "http://127.0.0.1:%d" % relay.port
        if not ok(st == 303 and loc.startswith(prefix + "/bestaetigung/"),
                  "relayd answers a valid %s form with 303 to the confirmation" % service,
                  (st, loc, body[:200])):
            return 1
        st, _, body = relay.request("GET", loc[len(prefix):])
        page = body.decode("utf-8", "replace")
        if ok(st == 200 and "<html" in page, "relayd serves the confirmation page", st):
            with open(os.path.join(out, "relay-bestaetigung.html"), "w") as f:
                f.write(page)
        app = prefix + "/antrag/" + loc.rsplit("/", 1)[1]
        ok('href="%s"' % app in page, "the confirmation links to the application page", app)
        st, _, body = relay.request("GET", app[len(prefix):])
        page = body.decode("utf-8", "replace")
        if ok(st == 200 and "<html" in page and "Verlauf" in page and
              "Unterlagen nachreichen" in page,
              "relayd serves the application page with its upload section", st):
            with open(os.path.join(out, "relay-antrag.html"), "w") as f:
                f.write(no_poll(page))
        upload_error_page(relay, out, app[len(prefix):])
        reference = relay.rows("SELECT reference FROM submissions WHERE token = ?",
                               (app.rsplit("/", 1)[1],))[0][0]
        message_pages(relay, out, app[len(prefix):])
        inbox_pages(relay, out, reference)
        postfach_pages(relay, out, app.rsplit("/", 1)[1])
        identity_pages(out, city)
        payment_pages(out, city)

        # The umbrella's finder names portals by postcode and Ortsteil.
        for portal, q, name in ((city, "Hund anmelden", "relay-suche.html"),
                                (city, "xyzzy", "relay-suche-leer.html"),
                                ("", "Feldmark 46282", "relay-suche-portal.html")):
            st, _, body = relay.request("GET", "/suche?portal=%s&q=%s" % (
                portal, urllib.parse.quote(q)))
            page = body.decode("utf-8", "replace")
            if ok(st == 200 and "<html" in page, "relayd serves its search page for '%s'" % q, st):
                with open(os.path.join(out, name), "w") as f:
                    f.write(page)
    finally:
        rc = relay.stop()
        ok(rc == 0, "relayd stops cleanly", "%s: %s" % (rc, relay.logtext()[-500:]))
    return 1 if tap.failures else 0


if __name__ == "__main__":
    sys.exit(main())
