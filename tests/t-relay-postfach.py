#!/usr/bin/python3
"""t-relay-postfach - the citizens' Postfach by e-mail link (issue 11,
point 2) on the real daemon, a real store (SQLite, and PostgreSQL when
tests/run reruns it) and a real SMTP server (tests/smtp_sink.py).

Checks: the request page and its headers; CSRF (403) and a malformed
address (422) before anything is stored; the same page for an address
with applications and one without, one mail with one link for the first,
none for the second; the mail holds nothing but the link and its end; the
plain token leaves the store once mailed; the link opens a session once
(a second use, and one of two concurrent clicks, is refused with 410),
an expired link is refused; the list holds exactly that address's
applications (case-insensitive), newest first, with the application
page's status words and links; session cookie flags; session expiry and
closing (with CSRF); the limits per address (across case) and per client
(429); purge removes expired links and sessions."""
import hashlib
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402
import smtp_sink as S  # noqa: E402

RELAYCTL = os.environ.get("RELAYCTL", os.path.join(L.ROOT, "bin/asan/relayctl"))
DE_TIME = re.compile(r"\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|"
                     r"Oktober|November|Dezember) \d{4}, \d\d:\d\d Uhr")
ANSWER = ("Wenn zu dieser Adresse Anträge vorliegen, erhalten Sie in wenigen Minuten eine "
          "E-Mail mit einem Link. Er ist 30 Minuten gültig und nur einmal verwendbar.")
SUBJECT = "Ihr Link zum Postfach"


def fetch(relay, method, path, fields=None, cookies=None, client=None):
    """status, headers (lower-case; Set-Cookie values as a list), body text."""
    import http.client
    h = {}
    if cookies:
        h["Cookie"] = "; ".join("%s=%s" % kv for kv in cookies.items())
    if client:
        h["X-Real-IP"] = client
    body = None
    if fields is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode(fields)
    c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=60)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        hd = dict((k.lower(), v) for k, v in r.getheaders())
        hd["set-cookie"] = r.msg.get_all("Set-Cookie") or []
        return r.status, hd, data
    finally:
        c.close()


def cookie(h, name):
    """The Set-Cookie header of name, or ''."""
    return next((c for c in h["set-cookie"] if c.startswith(name + "=")), "")


def csrf_of(relay):
    """A fresh browser's CSRF cookie and the form's token."""
    st, h, page = fetch(relay, "GET", "/postfach")
    c = cookie(h, "antrag_csrf").split(";")[0].split("=", 1)[-1]
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    return c, m.group(1) if m else ""


def ask(relay, email, client=None, jar=None):
    c, t = jar or csrf_of(relay)
    return fetch(relay, "POST", "/postfach", {"csrf": t, "email": email},
                 {"antrag_csrf": c}, client)


def links_to(sink, addr):
    return [m for m in sink.messages() if addr in (m.get("to") or "") and m["subject"] == SUBJECT]


def link_of(mail):
    m = re.search(r"http://127\.0\.0\.1:\d+(/postfach/[A-Za-z0-9_-]{24})(?![A-Za-z0-9_-])", mail["text"] or "")
    return m.group(1) if m else None


def sha(s):
    return hashlib.sha256(s.encode()).digest()


sink = S.Sink(os.path.join(L.TMP, "mail"), L.free_port()).start()
relay = L.Relay("postfach", smtp_url="smtp://127.0.0.1:%d" % sink.port).start()
try:
    form = [f for f in relay.dump_forms() if f["city"] == "dorsten" and
            f["service"] == "hundeanmeldung"][0]
    erika, other = "Erika.Muster@Example.de", "max@example.de"

    def apply(addr):
        vals = [(n, addr if n == "email" else v) for n, v in L.valid_values(form)]
        st, h, body = L.post(relay, "dorsten", "hundeanmeldung", vals, json_accept=False)
        tok = h.get("location", "").rsplit("/", 1)[-1]
        return relay.rows("SELECT reference FROM submissions WHERE token = ?", (tok,))[0][0], tok

    mine = [apply(erika), apply("erika.muster@example.de")]
    theirs = apply(other)
    ok(all(r for r, _ in mine) and theirs[0], "three applications: two of one address "
       "(in two spellings), one of another", (mine, theirs))

    # The request page.
    st, h, page = fetch(relay, "GET", "/postfach")
    ok(st == 200 and '<label for="email">E-Mail-Adresse</label>' in page and
       ">Link anfordern</button>" in page and 'name="csrf"' in page,
       "GET /postfach: a labelled e-mail field and the button 'Link anfordern'", page[:300])
    ok(h.get("cache-control") == "no-store" and h.get("referrer-policy") == "no-referrer" and
       h.get("x-robots-tag") == "noindex" and "content-security-policy" in h and
       '<meta name="robots" content="noindex">' in page, "headers: no-store, no-referrer, noindex, CSP")
    cc = cookie(h, "antrag_csrf")
    ok("HttpOnly" in cc and "SameSite=Lax" in cc and "Path=/" in cc and "Secure" not in cc,
       "the CSRF cookie: HttpOnly, SameSite=Lax, Path=/ (no Secure on http://)", cc)

    # CSRF and syntax come first: nothing stored.
    c, t = csrf_of(relay)
    for fields, cookies, why in (({"email": erika}, {}, "no token at all"),
                                 ({"email": erika, "csrf": t}, {}, "no cookie"),
                                 ({"email": erika}, {"antrag_csrf": c}, "no field"),
                                 ({"email": erika, "csrf": t[:-1] + ("A" if t[-1] != "A" else "B")},
                                  {"antrag_csrf": c}, "a wrong token")):
        st, _, page = fetch(relay, "POST", "/postfach", fields, cookies, "10.0.0.1")
        ok(st == 403 and "<html" in page, "CSRF: %s -> 403" % why, st)
    for bad in ("kein-at-zeichen", "a@b", "erika@example.de\r\nBcc: x@y.de", ""):
        st, _, page = ask(relay, bad, "10.0.0.2")
        ok(st == 422 and "Es gibt ein Problem" in page and 'aria-invalid="true"' in page and
           'href="#email"' in page, "a malformed address (%r) -> 422 with the error summary" % bad,
           (st, page[:200]))
    ok(relay.rows("SELECT count(*) FROM postfach_links")[0][0] == 0, "nothing was stored")

    # The same answer for an address with applications and one without.
    jar = csrf_of(relay)
    st1, _, known = ask(relay, " ERIKA.muster@example.DE ", "10.0.0.3", jar)
    st2, _, unknown = ask(relay, "niemand@example.de", "10.0.0.3", jar)
    ok(st1 == 200 and ANSWER in known, "a request is answered with the promised sentence", st1)
    ok(st2 == 200 and known == unknown, "an address without applications gets the very same page")
    ok(relay.rows("SELECT email FROM postfach_links ORDER BY id") ==
       [("erika.muster@example.de",), ("niemand@example.de",)],
       "both requests are stored alike (the address lower-cased)")
    ok(sink.wait(len(mine) + 1 + 1, timeout=60), "the office mails and one link mail are sent")
    ok(L.wait_until(lambda: relay.rows("SELECT count(*) FROM postfach_links WHERE"
                                       " delivered_unix IS NULL AND failed_unix IS NULL")[0][0] == 0, 30),
       "the worker has handled both requests")
    time.sleep(1)
    mails = links_to(sink, "erika.muster@example.de")
    ok(len(mails) == 1 and not links_to(sink, "niemand@example.de") and
       sum(m["subject"] == SUBJECT for m in sink.messages()) == 1,
       "one mail with one link to the address with applications, none to the other",
       [(m["to"], m["subject"]) for m in sink.messages()])
    mail = mails[0] if mails else {"text": "", "subject": ""}
    link = link_of(mail)
    text = mail["text"] or ""
    ok(link and text.count("/postfach/") == 1 and "gültig bis" in text and
       "nur einmal verwendbar" in text and DE_TIME.search(text),
       "the mail: the link, valid until a German time, once only", text)
    ok(not any(r in text or r in mail["subject"] for r, _ in mine + [theirs]) and
       "Hund" not in text and "Dorsten" not in text and "Test" not in text and
       "/antrag/" not in text, "the mail holds no application data", text)
    ok(relay.rows("SELECT count(*) FROM postfach_links WHERE token <> ''")[0][0] == 0,
       "no plain token is left in the store once mailed or dropped")
    tok = link.rsplit("/", 1)[1] if link else ""
    ok(relay.rows("SELECT count(*) FROM postfach_links WHERE token_hash = ? AND"
                  " delivered_unix IS NOT NULL", (sha(tok),))[0][0] == 1,
       "the store keeps the link's SHA-256 only")
    ok(relay.rows("SELECT last_error FROM postfach_links WHERE email = 'niemand@example.de'"
                  " AND failed_unix IS NOT NULL") == [("no applications for the address",)],
       "the request for the unknown address is closed without a mail")

    # The link: once.
    st, h, _ = fetch(relay, "GET", link)
    sess = cookie(h, "postfach_sitzung")
    ok(st == 303 and h.get("location", "").endswith("/postfach/antraege"),
       "the link answers 303 to the list", (st, h.get("location")))
    ok("HttpOnly" in sess and "SameSite=Lax" in sess and "Path=/postfach" in sess and
       "Max-Age=1800" in sess and "Secure" not in sess,
       "the session cookie: HttpOnly, SameSite=Lax, Path=/postfach, 30 minutes", sess)
    sid = sess.split(";")[0].split("=", 1)[-1]
    ok(relay.rows("SELECT count(*) FROM postfach_sessions WHERE id_hash = ?", (sha(sid),))[0][0] == 1,
       "the store keeps the session's SHA-256 only")
    st, h, page = fetch(relay, "GET", "/postfach/antraege", cookies={"postfach_sitzung": sid})
    ok(st == 200 and h.get("cache-control") == "no-store" and
       h.get("referrer-policy") == "no-referrer" and h.get("x-robots-tag") == "noindex",
       "the list: 200, no-store, no-referrer, noindex", st)
    items = page.split('<ul class="postfach-list">', 1)[-1].split("</ul>", 1)[0]
    prefix = "http://127.0.0.1:%d" % relay.port
    ok(all(r in items and ('href="%s/antrag/%s"' % (prefix, t)) in items for r, t in mine),
       "the list holds both applications of the address (any case), linked to their pages", items[:600])
    ok(theirs[0] not in page and theirs[1] not in page, "and not the other address's")
    ok(items.find(mine[1][0]) < items.find(mine[0][0]), "newest first")
    ok(items.count("<li>") == 2 and DE_TIME.search(items) and "Dorsten" in items and
       re.search(r"<strong>(Eingegangen, wird an die zuständige Stelle übermittelt|"
                 r"An die zuständige Stelle übermittelt)</strong>", items),
       "each with service, city, German date and the application page's status", items[:800])
    st, _, page = fetch(relay, "GET", link)
    ok(st == 410 and "abgelaufen oder wurde schon verwendet" in page and
       'action="%s/postfach"' % prefix in page, "the link a second time: 410, with the request form",
       st)
    st, _, page = fetch(relay, "GET", "/postfach/" + "A" * 24)
    ok(st == 404 and "Diesen Link gibt es nicht" in page and 'action="%s/postfach"' % prefix in page,
       "an unknown link: 404 with the request form")
    ok(fetch(relay, "GET", "/postfach/kurz")[0] == 404, "a malformed link: 404")
    st, _, page = relay.request("POST", "/postfach", '{"email":"a@b.de"}',
                                {"Content-Type": "application/json"})
    ok(st == 415 and "unbekannten Format" in page.decode(),
       "a request post that is not urlencoded: 415 (themed)", st)
    st, _, page = relay.request("POST", "/postfach", "email=" + "a" * 5000,
                                {"Content-Type": "application/x-www-form-urlencoded"})
    ok(st == 413 and "zu groß" in page.decode(), "a request post over 4 KiB: 413 (themed)", st)

    # The list says when the session ends: its end in the store, German time.
    ends = relay.rows("SELECT expires_unix - created_unix FROM postfach_sessions")
    relay.write([("UPDATE postfach_sessions SET expires_unix = ?", (1894701900,))])
    st, _, page = fetch(relay, "GET", "/postfach/antraege", cookies={"postfach_sitzung": sid})
    ok(ends == [(1800,)] and "bleibt bis 15. Januar 2030, 11:05 Uhr geöffnet" in page,
       "a session lives 30 minutes, and the list says when it ends (German time)", ends)

    # A clerk's status shows on the list as on the application page.
    relay.write([("UPDATE submissions SET status = 'in_bearbeitung' WHERE reference = ?",
                  (mine[0][0],))])
    st, _, page = fetch(relay, "GET", "/postfach/antraege", cookies={"postfach_sitzung": sid})
    ok("<strong>In Bearbeitung</strong>" in page, "a clerk's status reads as on the application page")

    # Two clicks at once: one wins.
    def next_link(client):
        n = len(links_to(sink, "erika.muster@example.de"))
        st, _, _ = ask(relay, erika, client)
        L.wait_until(lambda: len(links_to(sink, "erika.muster@example.de")) > n, 30)
        got = links_to(sink, "erika.muster@example.de")
        return st, link_of(got[-1]) if len(got) > n else None
    st, link2 = next_link("10.0.0.4")
    res = []
    ths = [threading.Thread(target=lambda: res.append(fetch(relay, "GET", link2)[0]))
           for _ in range(4)]
    [t.start() for t in ths]
    [t.join() for t in ths]
    ok(link2 and sorted(res) == [303, 410, 410, 410], "four clicks at once: one 303, three 410", res)

    # Expired after 30 minutes.
    st, link3 = next_link("10.0.0.5")
    ok(relay.rows("SELECT expires_unix - created_unix FROM postfach_links WHERE token_hash = ?",
                  (sha(link3.rsplit("/", 1)[1]),)) == [(1800,)], "a link lives 30 minutes")
    relay.write([("UPDATE postfach_links SET expires_unix = ? WHERE token_hash = ?",
                  (int(time.time()) - 1, sha(link3.rsplit("/", 1)[1])))])
    st, _, page = fetch(relay, "GET", link3)
    ok(st == 410 and "abgelaufen" in page, "an expired link: 410", st)

    # Per address: three an hour, whatever the spelling and the client.
    st, h, page = ask(relay, "ERIKA.MUSTER@example.de", "10.0.0.6")
    ok(st == 429 and "zu viele" in page and h.get("retry-after"),
       "a fourth request for the address within the hour: 429 in German", (st, page[:200]))
    ok(relay.rows("SELECT count(*) FROM postfach_links WHERE email = 'erika.muster@example.de'")[0][0]
       == 3, "the refused request is not stored")

    # Per client: ten a minute.
    sts = [ask(relay, "person%d@example.de" % i, "10.0.0.7")[0] for i in range(11)]
    ok(sts == [200] * 10 + [429], "the eleventh request of one client within a minute: 429", sts)
    ok(ask(relay, "person99@example.de", "10.0.0.8")[0] == 200, "another client is not affected")

    # The session ends after its time, and by closing it.
    relay.write([("UPDATE postfach_sessions SET expires_unix = ?", (int(time.time()) - 1,))])
    st, h, _ = fetch(relay, "GET", "/postfach/antraege", cookies={"postfach_sitzung": sid})
    ok(st == 303 and "abgelaufen=1" in h.get("location", ""), "an expired session: 303 to /postfach", st)
    st, h, page = fetch(relay, "GET", "/postfach?abgelaufen=1")
    ok("nach 30 Minuten geschlossen" in page, "which says why")
    ok(fetch(relay, "GET", "/postfach/antraege")[0] == 303, "no cookie: 303 to /postfach")
    relay.write([("UPDATE postfach_links SET expires_unix = ?, used_unix = NULL,"
                  " failed_unix = NULL WHERE token_hash = ?",
                  (int(time.time()) + 600, sha(link3.rsplit("/", 1)[1])))])
    st, h, _ = fetch(relay, "GET", link3)
    sid2 = cookie(h, "postfach_sitzung").split(";")[0].split("=", 1)[-1]
    st, h, page = fetch(relay, "GET", "/postfach/antraege", cookies={"postfach_sitzung": sid2})
    m = re.search(r'action="[^"]*/postfach/abmelden">\s*<input type="hidden" name="csrf" value="([^"]+)"',
                  page)
    jar2 = cookie(h, "antrag_csrf").split(";")[0].split("=", 1)[-1]
    ok(st == 200 and m and ">Postfach schließen</button>" in page, "the list has a close button (a post)")
    st, _, _ = fetch(relay, "POST", "/postfach/abmelden", {},
                     {"postfach_sitzung": sid2, "antrag_csrf": jar2})
    ok(st == 403, "closing without the CSRF token: 403", st)
    st, h, _ = fetch(relay, "POST", "/postfach/abmelden", {"csrf": m.group(1) if m else ""},
                     {"postfach_sitzung": sid2, "antrag_csrf": jar2})
    ok(st == 303 and "abgemeldet=1" in h.get("location", "") and
       "Max-Age=0" in cookie(h, "postfach_sitzung"), "closing: 303, the cookie deleted", st)
    ok(fetch(relay, "GET", "/postfach/antraege", cookies={"postfach_sitzung": sid2})[0] == 303,
       "the session is over on the server too")

    # The application page and the confirmation link to the Postfach.
    for path in ("/antrag/" + mine[0][1], "/bestaetigung/" + mine[0][1]):
        st, _, page = fetch(relay, "GET", path)
        ok(st == 200 and ('href="%s/postfach"' % prefix) in page, "%s links to /postfach" % path[:9])

    # Purge: expired sessions, and links past their hour.
    old = int(time.time()) - 7200
    relay.write([("UPDATE postfach_links SET created_unix = ?, expires_unix = ? WHERE"
                  " email = 'erika.muster@example.de'", (old, old + 1800))])
    n_links = relay.rows("SELECT count(*) FROM postfach_links")[0][0]
    p = subprocess.run([RELAYCTL, "--config", relay.cfg, "purge", "--older-than", "30"],
                       capture_output=True, text=True, timeout=60)
    ok(p.returncode == 0, "relayctl purge runs", p.stdout + p.stderr)
    ok(relay.rows("SELECT count(*) FROM postfach_links")[0][0] == n_links - 3 and
       relay.rows("SELECT count(*) FROM postfach_links WHERE email ="
                  " 'erika.muster@example.de'")[0][0] == 0,
       "purge removes the links past their hour, keeps the recent ones")
    ok(relay.rows("SELECT count(*) FROM postfach_sessions")[0][0] == 0,
       "and the expired sessions")
    ok(ask(relay, erika, "10.0.0.9")[0] == 200, "the address may ask again after its hour")
    log = relay.logtext()
    ok("erika" not in log.lower() and "niemand" not in log, "the log names no address")
finally:
    ok(relay.stop() == 0, "relayd stops cleanly", relay.logtext()[-600:])
    sink.stop()
done()
