#!/usr/bin/python3
"""t-relay-inbox - the clerks' inbox under /amt/ (issue 11, point 5): the
real relayd on a real store (SQLite, and PostgreSQL when tests/run reruns
it), clerks made with the real relayctl.

Checks: relayctl user add/list/passwd/disable (password from stdin, offices
against the catalogue, while relayd runs and while it is stopped); login
with the right and a wrong password; the cookies' flags (HttpOnly,
SameSite=Strict, Path=/amt/, no Secure only because this is a loopback test
relay), the session stored only as its SHA-256, rotated at login; CSRF on
login, logout and status change (missing or wrong: 403, nothing written);
brute force per user name and per client (429 with Retry-After, before any
password check); the list: only the clerk's offices, newest first, 50 a
page, filters by status, service and days (a bad date at its field); the
detail page (answers escaped, timeline) and the attachment download
(attachment, stored type, nosniff, no-store, the bytes); another office's
id answers exactly like an unknown one (404) for the page, the download
and the status change; a status change is an event with actor and time and
shows in German on the citizen's /antrag/<token>; an idle and a too old
session are refused after a restart (sessions live in the store), a
disabled clerk can neither use a session nor log in, purge removes expired
sessions; a new password ends the sessions."""
import datetime
import hashlib
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.parse
import zoneinfo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402

RELAYCTL = os.environ.get("RELAYCTL", os.path.join(L.ROOT, "bin/asan/relayctl"))
FORM = "application/x-www-form-urlencoded"
PW = {"anna": "Anna-geheim-2026", "bert": "Bert-geheim-2026", "carl": "Carl-geheim-2026"}

relay = L.Relay("inbox", inbox={"login_attempts_per_user": 3,
                                "login_attempts_per_client": 8,
                                "login_window_minutes": 15})


def ctl(*args, stdin=""):
    p = subprocess.run([RELAYCTL, "--config", relay.cfg] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def req(method, path, body=None, headers=None, client=None):
    """status, headers (lower case; 'set-cookie' a list), body text."""
    h = dict(headers or {})
    if client:
        h["X-Real-IP"] = client
    if isinstance(body, dict):
        body = urllib.parse.urlencode(body)
        h.setdefault("Content-Type", FORM)
    c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=60)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        out = dict((k.lower(), v) for k, v in r.getheaders())
        out["set-cookie"] = r.msg.get_all("Set-Cookie") or []
        return r.status, out, data
    finally:
        c.close()


def text(data):
    return data.decode("utf-8", "replace")


def cookie(h, name):
    """(value, attributes) of the Set-Cookie for name, or (None, '')."""
    for sc in h["set-cookie"]:
        if sc.startswith(name + "="):
            v, _, attrs = sc.partition(";")
            return v.split("=", 1)[1], attrs
    return None, ""


def login(user, password, client="10.0.0.1", session=None):
    """The whole login: the page, then the post. (status, headers, body, session)."""
    st, h, _ = req("GET", "/amt/anmelden", client=client)
    tok, _ = cookie(h, "amt_anmeldung")
    hdr = {"Cookie": "amt_anmeldung=%s%s" % (tok, "; amt_sitzung=" + session if session else "")}
    st, h, b = req("POST", "/amt/anmelden", {"csrf": tok, "benutzername": user,
                                            "passwort": password}, hdr, client=client)
    return st, h, b, cookie(h, "amt_sitzung")[0]


def get(path, session, client="10.0.0.1"):
    return req("GET", path, headers={"Cookie": "amt_sitzung=" + session}, client=client)


def csrf_of(html):
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    return m.group(1) if m else ""


def post(path, session, fields, client="10.0.0.1"):
    return req("POST", path, fields, {"Cookie": "amt_sitzung=" + session}, client=client)


def references(html):
    return re.findall(r'/amt/antrag/(\d+)">([A-Z]{3}-\d{4}-[A-Z0-9]{6})</a>', html)


relay.start()
try:
    forms = relay.dump_forms()
    hund = {f["city"]: f for f in forms if f["service"] == "hundeanmeldung"}
    geburt = next(f for f in forms if f["city"] == "dorsten" and f["service"] == "geburtsurkunde")

    # ---- relayctl user, while relayd runs ----
    rc, out, err = ctl("user", "add", "anna", "--office", "dorsten/steueramt", stdin=PW["anna"] + "\n")
    ok(rc == 0 and "added clerk anna" in out, "relayctl user add (relayd running)", out + err)
    rc, out, err = ctl("user", "add", "anna", "--office", "dorsten/steueramt", stdin=PW["anna"] + "\n")
    ok(rc == 1 and "exists" in err, "adding a taken name: exit 1", (rc, err))
    rc, out, err = ctl("user", "add", "bert", "--office", "dorsten/gibtsnicht", stdin=PW["bert"] + "\n")
    ok(rc == 2 and "no office of that role" in err, "an unknown office role: exit 2, a clear message", err)
    rc, out, err = ctl("user", "add", "bert", "--office", "atlantis/steueramt", stdin=PW["bert"] + "\n")
    ok(rc == 2 and "no city of that slug" in err, "an unknown city: exit 2, a clear message", err)
    rc, out, err = ctl("user", "add", "bert", "--office", "bottrop/steueramt", stdin="zu-kurz\n")
    ok(rc == 2 and "at least 12 characters" in err, "a short password: exit 2", err)
    rc, out, err = ctl("user", "add", "Bert!", "--office", "bottrop/steueramt", stdin=PW["bert"] + "\n")
    ok(rc == 2 and "not a user name" in err, "a bad user name: exit 2", err)
    rc, out, err = ctl("user", "add", "bert", "--office", "bottrop/steueramt", stdin=PW["bert"] + "\n")
    rc2, _, _ = ctl("user", "add", "carl", "--office", "dorsten/steueramt", "--office",
                    "dorsten/standesamt", stdin=PW["carl"] + "\n")
    ok(rc == 0 and rc2 == 0, "two more clerks, one with two offices")
    rc, out, err = ctl("user", "list")
    ok(rc == 0 and re.search(r"^anna\s+enabled\s+\S+\s+dorsten/steueramt$", out, re.M) and
       re.search(r"^carl\s+enabled\s+\S+\s+dorsten/steueramt dorsten/standesamt$", out, re.M) and
       "argon2" not in out, "relayctl user list: names, state, offices, never a hash", out)
    rows = relay.rows("SELECT username, pwhash FROM clerks ORDER BY username")
    ok([r[0] for r in rows] == ["anna", "bert", "carl"] and
       all(r[1].startswith("$argon2id$") and PW[r[0]] not in r[1] for r in rows),
       "clerks are stored with an argon2id hash, not the password", rows)
    ok("geheim" not in relay.logtext() and "argon2" not in relay.logtext(),
       "neither password nor hash reaches relayd's log")

    # ---- applications: 55 of anna's office, 3 of bert's, 2 of another office ----
    posted = []
    for i in range(55):
        vals = L.valid_values(hund["dorsten"])
        if i == 54:     # the newest: markup in a text field
            tf = next(f["name"] for f in hund["dorsten"]["fields"]
                      if f["type"] == "text" and not f.get("format"))
            vals = [(n, "<b>Fett</b> & Co" if n == tf else v) for n, v in vals]
        st, h, b = L.post(relay, "dorsten", "hundeanmeldung", vals)
        posted.append(st)
    bott = [L.post(relay, "bottrop", "hundeanmeldung", L.valid_values(hund["bottrop"]))[0]
            for _ in range(3)]
    stand = [L.post(relay, "dorsten", "geburtsurkunde", L.valid_values(geburt))[0] for _ in range(2)]
    ok(posted.count(303) == 55 and bott.count(303) == 3 and stand.count(303) == 2,
       "60 applications stored", (posted.count(303), bott, stand))
    mine = relay.rows("SELECT id, reference FROM submissions WHERE city = 'dorsten' AND"
                      " service = 'hundeanmeldung' ORDER BY received_unix DESC, id DESC")
    others = relay.rows("SELECT id, reference FROM submissions WHERE NOT (city = 'dorsten' AND"
                        " service = 'hundeanmeldung')")
    ok(relay.rows("SELECT count(*) FROM submissions WHERE office IS NULL OR office = ''")[0][0] == 0 and
       relay.rows("SELECT DISTINCT office FROM submissions WHERE service = 'geburtsurkunde'") ==
       [("standesamt",)], "each row has the office role of its city x service")

    # ---- login ----
    st, h, b = req("GET", "/amt/")
    ok(st == 303 and h.get("location", "").endswith("/amt/anmelden"),
       "the list without a session: 303 to the login page", (st, h.get("location")))
    st, h, b = req("GET", "/amt/anmelden")
    tok, attrs = cookie(h, "amt_anmeldung")
    page = text(b)
    ok(st == 200 and tok and 'name="csrf" value="%s"' % tok in page and
       'for="benutzername"' in page and 'for="passwort"' in page,
       "the login page: labelled fields and its CSRF token, the twin of its cookie")
    ok("HttpOnly" in attrs and "SameSite=Strict" in attrs and "Path=/amt/" in attrs and
       "Secure" not in attrs, "the login cookie: HttpOnly, SameSite=Strict, Path=/amt/", attrs)
    ok(h.get("cache-control") == "no-store" and h.get("x-robots-tag") == "noindex" and
       "frame-ancestors 'none'" in h.get("content-security-policy", "") and
       '<meta name="robots" content="noindex">' in page and h.get("referrer-policy") == "no-referrer",
       "inbox pages: no-store, noindex, the pages' CSP, no Referer", h)
    creds = {"benutzername": "anna", "passwort": PW["anna"]}
    st, h, b = req("POST", "/amt/anmelden", dict(creds, csrf=tok), client="10.0.0.2")
    ok(st == 403 and not cookie(h, "amt_sitzung")[0], "login without the CSRF cookie: 403", st)
    st, h, b = req("POST", "/amt/anmelden", dict(creds, csrf="x" * 32),
                   {"Cookie": "amt_anmeldung=" + tok}, client="10.0.0.2")
    ok(st == 403 and not cookie(h, "amt_sitzung")[0], "login with a wrong CSRF token: 403", st)
    st, h, b = req("POST", "/amt/anmelden", creds, {"Cookie": "amt_anmeldung=" + tok},
                   client="10.0.0.2")
    ok(st == 403, "login with no CSRF field: 403", st)
    st, h, b, sess = login("anna", "falsch-falsch-falsch", client="10.0.0.2")
    page = text(b)
    ok(st == 422 and not sess and "Benutzername oder Passwort ist falsch" in page and
       "<title>Fehler: " in page and 'href="#benutzername"' in page,
       "a wrong password: 422, the error summary, no session", st)
    st, h, b, anna = login("anna", PW["anna"], client="10.0.0.2")
    _, attrs = cookie(h, "amt_sitzung")
    ok(st == 303 and h.get("location", "").endswith("/amt/") and anna and len(anna) == 43,
       "the right password: 303 to the list with a session cookie of 43 characters", (st, h))
    ok("HttpOnly" in attrs and "SameSite=Strict" in attrs and "Path=/amt/" in attrs and
       "Max-Age" not in attrs and "Expires" not in attrs,
       "the session cookie: HttpOnly, SameSite=Strict, Path=/amt/, for the browser session only", attrs)
    hashes = [bytes(r[0]) for r in relay.rows("SELECT id_hash FROM sessions")]
    ok(hashlib.sha256(anna.encode()).digest() in hashes and
       not relay.rows("SELECT count(*) FROM sessions WHERE csrf = ?", (anna,))[0][0],
       "the store keeps the session's SHA-256, never the token")
    st, h, b, anna2 = login("anna", PW["anna"], client="10.0.0.2", session=anna)
    ok(st == 303 and anna2 and anna2 != anna and get("/amt/", anna)[0] == 303 and
       get("/amt/", anna2)[0] == 200, "a login with a session rotates it: the old one ends")
    anna = anna2

    # ---- the list ----
    st, h, b = get("/amt/", anna)
    page = text(b)
    refs = references(page)
    ok(st == 200 and len(refs) == 50 and [int(i) for i, _ in refs] == [r[0] for r in mine[:50]],
       "page 1: 50 of the office's applications, newest first", (len(refs), refs[:2]))
    ok(not any(r[1] in page for r in others), "no application of another office is listed")
    ok("Anträge 1 bis 50 von 55" in page and "Seite 1 von 2" in page and 'rel="next"' in page,
       "the list says how many and offers the next page")
    nxt = re.search(r'href="http://127.0.0.1:\d+(/amt/\?[^"]*)" rel="next"', page)
    st, h, b = get(nxt.group(1).replace("&amp;", "&") if nxt else "/amt/?seite=2", anna)
    page2 = text(b)
    ok(st == 200 and [int(i) for i, _ in references(page2)] == [r[0] for r in mine[50:]] and
       'rel="prev"' in page2, "page 2: the other 5, with a link back")
    ok(re.search(r"\d{1,2}\. \w+ \d{4}, \d\d:\d\d Uhr", page) and
       not re.search(r"\d{4}-\d\d-\d\dT\d\d", page), "times in German, no ISO stamp")
    # The filter is by German civil days (Europe/Berlin), not the machine's
    # zone: between 23:00 and 24:00 UTC in winter Berlin is a day ahead.
    day = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Berlin")).date()
    today, tomorrow = day.isoformat(), (day + datetime.timedelta(days=1)).isoformat()
    for q, n, what in (("leistung=hundeanmeldung", 55, "by service"),
                       ("leistung=geburtsurkunde", 55, "by a service of another office: ignored"),
                       ("von=%s" % tomorrow, 0, "from tomorrow: none"),
                       ("bis=%s" % tomorrow, 55, "until tomorrow: all"),
                       ("von=%s&bis=%s" % (today, today), 55, "today"),
                       ("status=neu", 55, "by status neu")):
        st, h, b = get("/amt/?" + q, anna)
        m = re.search(r"(Keine Anträge|1 Antrag|von (\d+))", text(b))
        got = 0 if m and m.group(1) == "Keine Anträge" else int(m.group(2)) if m and m.group(2) else -1
        ok(st == 200 and got == n, "filter %s (%s)" % (what, q), (st, got))
    st, h, b = get("/amt/?von=31.02.2026&bis=" + today, anna)
    page = text(b)
    ok(st == 400 and "<title>Fehler: " in page and 'href="#von"' in page and
       'aria-invalid="true" aria-describedby="von-fehler"' in page,
       "a date that does not exist: 400 with the error at its field", st)

    # ---- the detail page and the download ----
    newest_id, newest_ref = mine[0]
    st, h, b = get("/amt/antrag/%d" % newest_id, anna)
    page = text(b)
    ok(st == 200 and newest_ref in page and "&lt;b&gt;Fett&lt;/b&gt; &amp; Co" in page and
       "<b>Fett</b>" not in page, "the detail page: the answers, escaped")
    ok("Verlauf" in page and "Eingegangen" in page and 'name="status"' in page and
       csrf_of(page), "with the timeline and the status form (with a CSRF token)")
    dl = re.findall(r'href="http://127.0.0.1:\d+(/amt/antrag/%d/datei/\d+)"' % newest_id, page)
    ok(len(dl) >= 1, "attachments are linked for download", dl)
    want = relay.rows("SELECT a.filename, a.mime, a.data FROM attachments a WHERE a.submission_id = ?"
                      " ORDER BY a.seq", (newest_id,))
    st, h, b = get(dl[0], anna) if dl else (0, {}, b"")
    ok(st == 200 and h.get("content-type") == want[0][1] and
       h.get("content-disposition") == 'attachment; filename="%s"' % want[0][0] and
       h.get("x-content-type-options") == "nosniff" and h.get("cache-control") == "no-store" and
       "sandbox" in h.get("content-security-policy", "") and b == bytes(want[0][2]),
       "the download: attachment with its name, the stored type, nosniff, no-store, the bytes",
       (st, h.get("content-type"), h.get("content-disposition")))
    st, _, _ = get("/amt/antrag/%d/datei/99" % newest_id, anna)
    ok(st == 404, "a file number that does not exist: 404", st)

    # ---- another office's application: as if it did not exist ----
    other_id = others[0][0]
    unknown = max(r[0] for r in mine + others) + 1000
    s1, _, b1 = get("/amt/antrag/%d" % other_id, anna)
    s2, _, b2 = get("/amt/antrag/%d" % unknown, anna)
    ok(s1 == 404 and s2 == 404 and b1 == b2, "another office's id: the same 404 as an unknown id",
       (s1, s2))
    s1, _, b1 = get("/amt/antrag/%d/datei/1" % other_id, anna)
    ok(s1 == 404 and b1 == b2, "its attachment: the same 404", s1)
    csrf = csrf_of(page)
    s1, _, b1 = post("/amt/antrag/%d/status" % other_id, anna, {"csrf": csrf, "status": "abgelehnt"})
    s2, _, b2 = post("/amt/antrag/%d/status" % unknown, anna, {"csrf": csrf, "status": "abgelehnt"})
    ok(s1 == 404 and s2 == 404 and b1 == b2 and
       relay.rows("SELECT count(*) FROM events WHERE kind = 'status'")[0][0] == 0,
       "a status change of another office's id: the same 404, nothing written", (s1, s2))
    st, h, b, bert = login("bert", PW["bert"], client="10.0.0.3")
    s1, _, _ = get("/amt/antrag/%d" % other_id, bert)
    s2, _, _ = get("/amt/antrag/%d" % newest_id, bert)
    ok(s1 == 200 and s2 == 404, "and the other way round for the other office's clerk", (s1, s2))

    # ---- status changes ----
    path = "/amt/antrag/%d/status" % newest_id
    st, _, _ = post(path, anna, {"status": "in_bearbeitung"})
    ok(st == 403, "a status change without a CSRF token: 403", st)
    st, _, _ = post(path, anna, {"csrf": "A" * 32, "status": "in_bearbeitung"})
    ok(st == 403, "with a wrong CSRF token: 403", st)
    st, _, _ = post(path, bert, {"csrf": csrf, "status": "in_bearbeitung"})
    ok(st in (403, 404), "with another session's token: refused", st)
    ok(relay.rows("SELECT count(*) FROM events WHERE kind = 'status'")[0][0] == 0,
       "refused changes wrote nothing")
    st, h, b = post(path, anna, {"csrf": csrf, "status": "geloescht"})
    ok(st == 422 and "Wählen Sie den neuen Status aus" in text(b), "an unknown status: 422", st)
    t0 = int(time.time())
    st, h, b = post(path, anna, {"csrf": csrf, "status": "in_bearbeitung"})
    ok(st == 303 and h.get("location", "").endswith("/amt/antrag/%d?gespeichert=1" % newest_id),
       "a status change: 303 back to the application", (st, h.get("location")))
    ev = relay.rows("SELECT kind, detail, actor, at_unix FROM events WHERE submission_id = ?"
                    " AND kind = 'status'", (newest_id,))
    ok(len(ev) == 1 and ev[0][:3] == ("status", "in_bearbeitung", "anna") and
       t0 - 1 <= ev[0][3] <= int(time.time()) + 1,
       "it is an event with the clerk as actor and the time", ev)
    st, h, b = get("/amt/antrag/%d?gespeichert=1" % newest_id, anna)
    page = text(b)
    ok("Der Status ist gespeichert: „In Bearbeitung“" in page and
       "Status: In Bearbeitung" in page and "von anna" in page,
       "the page says so; the timeline names the status and the clerk")
    token = relay.rows("SELECT token FROM submissions WHERE id = ?", (newest_id,))[0][0]
    st, h, b = req("GET", "/antrag/" + token)
    page = text(b)
    tl = page.split('<ol class="timeline"', 1)[-1].split("</ol>", 1)[0]
    ok(st == 200 and "<strong>In Bearbeitung</strong>" in tl and
       "Aktueller Stand: <strong>In Bearbeitung</strong>" in page and "anna" not in page,
       "the citizen's page shows 'In Bearbeitung' in its timeline and as the status, not the clerk")
    st, h, b = post(path, anna, {"csrf": csrf, "status": "abgeschlossen"})
    st2, h, b = req("GET", "/antrag/" + token)
    page = text(b)
    tl = page.split('<ol class="timeline"', 1)[-1].split("</ol>", 1)[0]
    ok(st == 303 and "Aktueller Stand: <strong>Abgeschlossen</strong>" in page and
       0 <= tl.find("<strong>In Bearbeitung</strong>") < tl.find("<strong>Abgeschlossen</strong>"),
       "a second change: 'Abgeschlossen' after it, now the status")
    for q, n in (("status=abgeschlossen", 1), ("status=neu", 54), ("status=abgelehnt", 0)):
        st, h, b = get("/amt/?" + q, anna)
        m = re.search(r"(Keine Anträge|1 Antrag|von (\d+))", text(b))
        got = 0 if m and m.group(1) == "Keine Anträge" else 1 if m and m.group(1) == "1 Antrag" \
            else int(m.group(2)) if m and m.group(2) else -1
        ok(got == n, "filter by status after the change: %s -> %d" % (q, n), got)

    # ---- brute force: per user name, per client; 429 before any check ----
    codes = [login("bert", "falsch-%d-falsch" % i, client="10.0.1.%d" % i)[0] for i in range(4)]
    st, h, b, s = login("bert", PW["bert"], client="10.0.1.9")
    ok(codes == [422, 422, 422, 429] and st == 429 and not s and
       h.get("retry-after", "").isdigit() and 800 <= int(h["retry-after"]) <= 900,
       "the 4th attempt for one name within the window: 429 with Retry-After, even "
       "with the right password, from any client", (codes, st, h.get("retry-after")))
    ok("Zu viele Anmeldeversuche" in text(b), "the page says why")
    codes = [login("nobody%d" % i, "falsch-falsch-falsch", client="10.0.2.1")[0] for i in range(9)]
    ok(codes == [422] * 8 + [429], "the 9th attempt from one client: 429", codes)
    st, h, b, s = login("anna", PW["anna"], client="10.0.2.1")
    ok(st == 429, "that client is held even with a right password", st)
    st, h, b, s = login("anna", PW["anna"], client="10.0.2.2")
    ok(st == 303 and s, "another client logs in", st)

    # ---- logout ----
    st, h, b = get("/amt/", s)
    lcsrf = csrf_of(text(b))
    st, _, _ = post("/amt/abmelden", s, {"csrf": "x" * 32})
    ok(st == 403 and get("/amt/", s)[0] == 200, "logout with a wrong CSRF token: 403, still in")
    st, h, b = post("/amt/abmelden", s, {"csrf": lcsrf})
    v, attrs = cookie(h, "amt_sitzung")
    ok(st == 303 and h.get("location", "").endswith("/amt/anmelden?abgemeldet=1") and v == "" and
       "Max-Age=0" in attrs and get("/amt/", s)[0] == 303, "logout: 303, the cookie cleared, "
       "the session gone", (st, h.get("location"), attrs))

    # ---- form bodies ----
    st, _, _ = req("POST", "/amt/anmelden", "x=" + "a" * 66000, {"Content-Type": FORM})
    ok(st == 413, "a post over 64 KiB (a message's 5,000 characters fit): 413", st)
    # without a Content-Length the body is counted as it comes
    st = L.chunked_post(relay.port, "/amt/anmelden", b"x=" + b"a" * 66000)
    ok(st == 413, "the same post chunked, without a length: 413 once it is complete", st)
    st = L.chunked_post(relay.port, "/amt/anmelden", b"x=" + b"a" * 300000)
    ok(st is None and req("GET", "/healthz")[0] == 200, "a chunked flood of more than "
       "4 x 64 KiB: hung up on, relayd still answers", st)
    st, _, _ = req("POST", "/amt/anmelden", '{"a":1}', {"Content-Type": "application/json"})
    ok(st == 415, "a login post that is not urlencoded: 415", st)
    st, _, _ = req("DELETE", "/amt/")
    ok(st == 405, "another method: 405", st)
    st, _, _ = get("/amt/gibtsnicht", anna)
    ok(st == 404, "an unknown inbox page: 404", st)

    # ---- a disabled clerk; a new password ----
    st, h, b, carl = login("carl", PW["carl"], client="10.0.3.1")
    ok(st == 303 and get("/amt/", carl)[0] == 200, "carl is logged in")
    rc, out, err = ctl("user", "disable", "carl")
    ok(rc == 0 and "disabled clerk carl" in out, "relayctl user disable", out + err)
    st, h, b = get("/amt/", carl)
    ok(st == 303 and "abgelaufen" in h.get("location", ""), "a disabled clerk's session is refused", st)
    st, h, b, s = login("carl", PW["carl"], client="10.0.3.2")
    ok(st == 422 and not s and "Benutzername oder Passwort ist falsch" in text(b),
       "a disabled clerk cannot log in (the same answer as a wrong password)", st)
    rc, out, err = ctl("user", "disable", "niemand")
    ok(rc == 1, "disabling an unknown clerk: exit 1", rc)
    rc, out, err = ctl("user", "passwd", "bert", stdin="Bert-neu-geheim-2026\n")
    ok(rc == 0 and get("/amt/", bert)[0] == 303, "relayctl user passwd ends bert's sessions", out + err)
    st, h, b, s = login("bert", "Bert-neu-geheim-2026", client="10.0.3.3")
    ok(st == 429, "bert's name is still held by the brute force above", st)
finally:
    ok(relay.stop() == 0, "relayd stops cleanly", relay.logtext()[-800:])

# ---- sessions live in the store: idle, too old; purge; relayctl while stopped ----
rc, out, err = ctl("user", "add", "dora", "--office", "bottrop/steueramt", stdin="Dora-geheim-2026\n")
ok(rc == 0 and "not running" in err, "relayctl user add while relayd is stopped writes directly", err)
relay.start()
try:
    st, h, b, s1 = login("dora", "Dora-geheim-2026", client="10.0.4.1")
    st2, h, b, s2 = login("dora", "Dora-geheim-2026", client="10.0.4.2")
    st3, h, b, s3 = login("dora", "Dora-geheim-2026", client="10.0.4.3")
    ok(st == st2 == st3 == 303 and get("/amt/", s1)[0] == 200, "dora has three sessions")
finally:
    relay.stop()
now = int(time.time())
h1, h2, h3 = (hashlib.sha256(x.encode()).digest() for x in (s1, s2, s3))
relay.write([("UPDATE sessions SET seen_unix = ? WHERE id_hash = ?", (now - 31 * 60, h1)),
             ("UPDATE sessions SET created_unix = ? WHERE id_hash = ?", (now - 11 * 3600, h2)),
             ("UPDATE sessions SET expires_unix = ? WHERE id_hash = ?", (now - 60, h1))])
relay.start()
try:
    st, h, b = get("/amt/", s1)
    ok(st == 303 and h.get("location", "").endswith("/amt/anmelden?abgelaufen=1") and
       cookie(h, "amt_sitzung")[0] == "", "a session idle for 31 minutes is refused, its cookie cleared",
       (st, h.get("location")))
    st, h, b = req("GET", h.get("location", "/amt/anmelden").split(str(relay.port), 1)[-1])
    ok("Ihre Sitzung ist abgelaufen" in text(b), "the login page says the session ran out")
    st, h, b = get("/amt/", s2)
    ok(st == 303, "a session older than 10 hours is refused, however active", st)
    ok(get("/amt/", s3)[0] == 200, "a valid session survives the restart")
    before = relay.rows("SELECT count(*) FROM sessions")[0][0]
    rc, out, err = ctl("purge", "--older-than", "30")
    after = relay.rows("SELECT count(*) FROM sessions")[0][0]
    ok(rc == 0 and after == before - 1 and
       not relay.rows("SELECT count(*) FROM sessions WHERE id_hash = ?", (h1,))[0][0],
       "relayctl purge removes the session that has expired, not the others", (before, after))
    rc, out, err = ctl("user", "list")
    ok(rc == 0 and re.search(r"^carl\s+disabled", out, re.M) and "dora" in out,
       "relayctl user list shows the disabled clerk", out)
finally:
    ok(relay.stop() == 0, "relayd stops cleanly")
done()
