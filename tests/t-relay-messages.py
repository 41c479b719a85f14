#!/usr/bin/python3
"""t-relay-messages - messages between citizen and office (issue 11, point
3) on the real relayd, a real store (SQLite, and PostgreSQL when tests/run
reruns it), the real SMTP sink and clerks made with the real relayctl.

The citizen's side (/antrag/<token>): the empty thread and the form with
its CSRF cookie (HttpOnly, SameSite=Lax, Path=/); a post without
or with a wrong token is 403, an empty or too long text 422 with the error
summary and the text kept, nothing stored; a good one 303 back to the
thread, stored with its event and the office's notice job in the store,
shown as "Sie" with a German date, escaped. The notice mail reaches the
office's address with the reference, the service and the inbox link, and
neither the message nor any answer of the form; it is retried when the
SMTP server refuses it for a while. The clerk's side (/amt/antrag/<id>):
the thread, CSRF 403, an empty text 422, a Rückfrage 303, stored with its
event and the citizen's notice, which arrives without the text; the
citizen's page then says Rückfrage in its timeline and that the office
waits for an answer, until the citizen answers. A clerk of another office
gets 404 for the page and the post. The JSON endpoint returns only newer
messages (no-store). A submission without an e-mail address gets no
citizen notice. The rate limit per client answers 429 with Retry-After."""
import os
import re
import subprocess
import sys
import time
import urllib.parse
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402
import smtp_sink as S  # noqa: E402

RELAYCTL = os.environ.get("RELAYCTL", os.path.join(L.ROOT, "bin/asan/relayctl"))
FORM = "application/x-www-form-urlencoded"
DE_TIME = re.compile(r"\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|"
                     r"Oktober|November|Dezember) \d{4}, \d\d:\d\d Uhr")
SECRET = "Geheimtext-7731 <b>fett</b> & \"so\"\r\nZweite Zeile"
QUESTION = "Rückfrage-4412: Bitte senden Sie uns den Impfpass."
PW = {"anna": "Anna-geheim-2026", "carl": "Carl-geheim-2026"}

sink = S.Sink(os.path.join(L.TMP, "mail"), L.free_port()).start()
relay = L.Relay("messages", smtp_url="smtp://127.0.0.1:%d" % sink.port,
                extra="retry:\n  initial: 1\n  max: 2\n")


def req(method, path, body=None, cookie=None, r=None):
    """status, headers (lower case; 'set-cookie' a list), body text."""
    import http.client
    h = {}
    if cookie:
        h["Cookie"] = cookie
    if isinstance(body, dict):
        body = urllib.parse.urlencode(body)
        h["Content-Type"] = FORM
    c = http.client.HTTPConnection("127.0.0.1", (r or relay).port, timeout=60)
    try:
        c.request(method, path, body=body, headers=h)
        resp = c.getresponse()
        data = resp.read().decode("utf-8", "replace")
        out = dict((k.lower(), v) for k, v in resp.getheaders())
        out["set-cookie"] = resp.msg.get_all("Set-Cookie") or []
        return resp.status, out, data
    finally:
        c.close()


def cookie_of(h, name):
    for sc in h["set-cookie"]:
        if sc.startswith(name + "="):
            v, _, attrs = sc.partition(";")
            return v.split("=", 1)[1], attrs
    return None, ""


def csrf_in(html, form_action_part):
    """The csrf field of the form whose action contains form_action_part."""
    m = re.search(r'<form[^>]*action="[^"]*%s[^"]*"[^>]*>\s*<input type="hidden" name="csrf" '
                  r'value="([^"]+)"' % re.escape(form_action_part), html)
    return m.group(1) if m else ""


def login(user):
    st, h, _ = req("GET", "/amt/anmelden")
    tok, _ = cookie_of(h, "amt_anmeldung")
    st, h, _ = req("POST", "/amt/anmelden", {"csrf": tok, "benutzername": user,
                                            "passwort": PW[user]}, "amt_anmeldung=" + tok)
    return cookie_of(h, "amt_sitzung")[0]


def count(sql, args=()):
    return relay.rows(sql, args)[0][0]


def wait_until(cond, secs=30):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def mails_to(addr):
    return [m for m in sink.messages() if addr in m["envelope"].get("rcpt_tos", [addr])
            and addr in m["to"]]


relay.start()
try:
    for u, office in (("anna", "dorsten/steueramt"), ("carl", "dorsten/standesamt")):
        p = subprocess.run([RELAYCTL, "--config", relay.cfg, "user", "add", u, "--office", office],
                           input=PW[u] + "\n", capture_output=True, text=True, timeout=120)
        ok(p.returncode == 0, "relayctl adds %s of %s" % (u, office), p.stderr)
    form = next(f for f in relay.dump_forms()
                if f["city"] == "dorsten" and f["service"] == "hundeanmeldung")
    vals = L.valid_values(form)
    st, h, _ = L.post(relay, "dorsten", "hundeanmeldung", vals, json_accept=False)
    token = h.get("location", "").rsplit("/", 1)[1]
    sid, ref, office_addr, email, title = relay.rows(
        "SELECT id, reference, recipient, applicant_email, service_title FROM submissions"
        " WHERE token = ?", (token,))[0]
    ok(st == 303 and email, "an application with an e-mail address is stored", (st, email))
    ok(sink.wait(1, 30), "its office mail arrives")
    app = "/antrag/" + token

    # ---- the citizen's page and form ----
    st, h, html = req("GET", app)
    form_tok, attrs = cookie_of(h, "antrag_csrf")
    flags = [a.strip() for a in attrs.split(";")]
    ok(st == 200 and '<h2 id="nachrichten"' in html and "Noch keine Nachrichten" in html and
       '<label for="nachricht">' in html and '<textarea class="input" id="nachricht"' in html,
       "the application page has the messages part: empty thread, a labelled text field", st)
    ok(form_tok and "HttpOnly" in flags and "SameSite=Lax" in flags and "Path=/" in flags
       and "Secure" not in flags, "the form's CSRF cookie: HttpOnly, SameSite=Lax, Path=/", attrs)
    ok(csrf_in(html, "/nachricht") == form_tok, "the form carries the cookie's token")
    st2, h2, _ = req("GET", app, cookie="antrag_csrf=" + form_tok)
    ok(st2 == 200 and cookie_of(h2, "antrag_csrf")[0] in (None, form_tok),
       "a browser with the cookie keeps its token (several tabs keep working)")
    ok('data-poll="http://127.0.0.1:%d%s/nachrichten.json"' % (relay.port, app) in html and
       'assets/thread.js" defer></script>' in html, "the thread names its JSON for thread.js")
    ck = "antrag_csrf=" + form_tok
    post = app + "/nachricht"

    st, _, body = req("POST", post, {"nachricht": "Hallo"}, ck)
    ok(st == 403, "a post without the CSRF field: 403", st)
    st, _, body = req("POST", post, {"csrf": form_tok, "nachricht": "Hallo"})
    ok(st == 403, "a post without the cookie: 403", st)
    st, _, body = req("POST", post, {"csrf": "x" * 32, "nachricht": "Hallo"}, ck)
    ok(st == 403 and "Formular" in body, "a post with a wrong token: 403", st)
    st, _, body = req("POST", post, {"csrf": form_tok, "nachricht": " \r\n \r\n"}, ck)
    ok(st == 422 and 'class="error-summary"' in body and
       '<a href="#nachricht">Geben Sie Ihre Nachricht ein</a>' in body and
       'aria-invalid="true"' in body and "<title>Fehler: " in body,
       "an empty message: 422, the error summary links to the field, the title says Fehler", st)
    long_text = "Ä" * 5001
    st, _, body = req("POST", post, {"csrf": form_tok, "nachricht": long_text}, ck)
    ok(st == 422 and "höchstens 5.000 Zeichen" in body and "5001 Zeichen" in body and
       long_text in body, "5,001 characters: 422, the limit named, the text kept in the field", st)
    st, _, body = req("POST", post, '{"nachricht": "Hallo"}', ck)
    ok(st == 415 and "unbekannten Format" in body, "a post that is not urlencoded: 415", st)
    st, _, body = req("POST", post, {"csrf": form_tok, "nachricht": "a" * 70000}, ck)
    ok(st == 413 and "Ihre Nachricht ist zu lang." in body, "a post over 64 KiB: 413, "
       "'Ihre Nachricht ist zu lang.'", st)
    # without a Content-Length the body is counted as it comes
    big = urllib.parse.urlencode({"csrf": form_tok, "nachricht": "a" * 70000}).encode()
    st = L.chunked_post(relay.port, post, big, b"Cookie: " + ck.encode() + b"\r\n")
    ok(st == 413, "the same post chunked, without a length: 413 once it is complete", st)
    st = L.chunked_post(relay.port, post, big * 5, b"Cookie: " + ck.encode() + b"\r\n")
    ok(st is None and req("GET", "/healthz")[0] == 200, "a chunked flood of more than "
       "4 x 64 KiB: hung up on, relayd still answers", st)
    ok(count("SELECT count(*) FROM messages") == 0, "nothing refused was stored")
    st, _, body = req("POST", "/antrag/" + "A" * 24 + "/nachricht",
                      {"csrf": form_tok, "nachricht": "Hallo"}, ck)
    ok(st == 404, "a post to an unknown token: 404", st)

    st, h, body = req("POST", post, {"csrf": form_tok, "nachricht": SECRET}, ck)
    loc = h.get("location", "")
    ok(st == 303 and loc == "http://127.0.0.1:%d%s?gesendet=1#nachrichten" % (relay.port, app),
       "a message: 303 back to the thread", (st, loc))
    msgs = relay.rows("SELECT id, author, actor, kind, body FROM messages WHERE submission_id = ?",
                      (sid,))
    ok(len(msgs) == 1 and msgs[0][1:] == ("citizen", "", "message", SECRET.replace("\r\n", "\n")),
       "stored: the citizen's message, line ends as \\n", msgs)
    m1 = msgs[0][0] if msgs else 0
    ok(relay.rows("SELECT kind, detail, actor FROM events WHERE submission_id = ? AND kind = 'message'",
                  (sid,)) == [("message", "citizen", "")], "with its event")
    ok(relay.rows("SELECT kind, ref_id FROM outbox WHERE submission_id = ? AND kind LIKE 'notice%'",
                  (sid,)) == [("notice_office", m1)], "and the office's notice job about it")
    st, _, html = req("GET", app + "?gesendet=1", cookie=ck)
    ok(st == 200 and 'role="status">Ihre Nachricht ist gesendet' in html and
       "Geheimtext-7731 &lt;b&gt;fett&lt;/b&gt; &amp; &quot;so&quot;\nZweite Zeile" in html and
       "<strong>Sie</strong>" in html and DE_TIME.search(html.split('id="nachrichten"')[1]),
       "the page confirms it and shows it: Sie, a German date, escaped, line break kept")

    # ---- the office's notice ----
    ok(sink.wait(2, 30), "the notice mail arrives")
    notice = [m for m in sink.messages() if "Neue Nachricht" in m["subject"]]
    n = notice[0] if notice else {"subject": "", "text": "", "headers": [], "envelope": {}, "to": ""}
    hdr = dict((k.lower(), v) for k, v in n["headers"])
    link = "http://127.0.0.1:%d/amt/antrag/%d" % (relay.port, sid)
    ok(n["subject"] == "Neue Nachricht zu Antrag %s" % ref and office_addr in n["to"] and
       n["envelope"].get("rcpt_tos") == [office_addr], "to the office: 'Neue Nachricht zu Antrag %s'"
       % ref, (n["subject"], n["to"]))
    ok(link in n["text"] and ref in n["text"] and title in n["text"],
       "it names the reference and the service and links to the inbox", n["text"])
    answers = [v for _, v in vals if isinstance(v, str) and len(v) >= 4]
    ok("Geheimtext" not in n["text"] and "7731" not in n["text"] and
       not [v for v in answers if v in n["text"]] and email not in n["text"],
       "it holds neither the message nor any answer of the form",
       [v for v in answers if v in n["text"]])
    ok(hdr.get("auto-submitted") == "auto-generated" and hdr.get("message-id", "").startswith(
       "<%s.notice-" % ref) and hdr.get("date") and hdr.get("x-serviceportal-reference") == ref,
       "headers: Auto-Submitted, its own Message-ID, Date", hdr)

    # ---- the clerk's side ----
    anna, carl = login("anna"), login("carl")
    ok(anna and carl, "both clerks log in")
    st, _, page = req("GET", "/amt/antrag/%d" % sid, cookie="amt_sitzung=" + anna)
    ok(st == 200 and "Antragstellende Person" in page and
       "Geheimtext-7731 &lt;b&gt;fett&lt;/b&gt;" in page and 'name="art" value="rueckfrage"' in page,
       "the clerk sees the message and a form for a Nachricht or a Rückfrage", st)
    ok("Nachricht der antragstellenden Person" in page and
       "Stelle über neue Nachricht benachrichtigt" in page, "the clerk's timeline has both")
    csrf = csrf_in(page, "/nachricht")
    ok(csrf, "the message form carries the session's CSRF token")
    st, _, body = req("GET", "/amt/antrag/%d" % sid, cookie="amt_sitzung=" + carl)
    ok(st == 404, "a clerk of another office: 404 for the page", st)
    st, _, cpage = req("GET", "/amt/", cookie="amt_sitzung=" + carl)
    st, _, body = req("POST", "/amt/antrag/%d/nachricht" % sid,
                      {"csrf": csrf_in(cpage, "abmelden"), "art": "nachricht", "nachricht": "Hallo"},
                      "amt_sitzung=" + carl)
    ok(st == 404, "and for a post with his own valid token", st)
    st, _, body = req("POST", "/amt/antrag/%d/nachricht" % sid,
                      {"csrf": "falsch", "art": "nachricht", "nachricht": "Hallo"}, "amt_sitzung=" + anna)
    ok(st == 403, "the clerk's post with a wrong CSRF token: 403", st)
    st, _, body = req("POST", "/amt/antrag/%d/nachricht" % sid,
                      {"csrf": csrf, "art": "rueckfrage", "nachricht": ""}, "amt_sitzung=" + anna)
    ok(st == 422 and 'href="#nachricht"' in body and 'value="rueckfrage" checked' in body,
       "an empty text from the clerk: 422 with the error summary, the choice kept", st)
    ok(count("SELECT count(*) FROM messages") == 1, "nothing refused or forged was stored")

    st, h, _ = req("POST", "/amt/antrag/%d/nachricht" % sid,
                   {"csrf": csrf, "art": "rueckfrage", "nachricht": QUESTION}, "amt_sitzung=" + anna)
    ok(st == 303 and h.get("location", "").endswith("/amt/antrag/%d?gesendet=1#nachrichten" % sid),
       "a Rückfrage: 303 back", (st, h.get("location")))
    m2 = relay.rows("SELECT id, author, actor, kind, body FROM messages WHERE submission_id = ?"
                    " ORDER BY id", (sid,))
    ok(len(m2) == 2 and m2[1][1:] == ("clerk", "anna", "rueckfrage", QUESTION),
       "stored as the clerk's Rückfrage", m2)
    q_id = m2[1][0] if len(m2) == 2 else 0
    ok(relay.rows("SELECT actor FROM events WHERE submission_id = ? AND kind = 'rueckfrage'", (sid,))
       == [("anna",)], "its event names the clerk")
    ok(relay.rows("SELECT ref_id FROM outbox WHERE submission_id = ? AND kind = 'notice_citizen'",
                  (sid,)) == [(q_id,)], "the citizen's notice job is about it")
    ok(sink.wait(3, 30), "the citizen's notice arrives")
    cn = [m for m in sink.messages() if m["subject"] == "Neue Nachricht zu Ihrem Antrag %s" % ref]
    ok(len(cn) == 1 and cn[0]["envelope"].get("rcpt_tos") == [email] and
       ("http://127.0.0.1:%d%s" % (relay.port, app)) in cn[0]["text"] and
       "4412" not in cn[0]["text"] and "Impfpass" not in cn[0]["text"] and
       not [v for v in answers if v in cn[0]["text"]],
       "to the applicant: the link to the application page, no text, no answer",
       cn[0]["text"] if cn else [m["subject"] for m in sink.messages()])
    raw_subject = [v for k, v in cn[0]["headers"] if k == "Subject"][0] if cn else ""
    ok(raw_subject == "Neue Nachricht zu Ihrem Antrag %s" % ref,
       "the subject went through RFC 2047 as plain ASCII, one line", raw_subject)

    st, _, html = req("GET", app)
    ok("Rückfrage-4412: Bitte senden Sie uns den Impfpass." in html and
       '<strong class="message-kind">Rückfrage</strong>' in html and
       ("<strong>%s</strong>" % relay.rows("SELECT office_name FROM submissions WHERE id = ?",
                                          (sid,))[0][0]) in html,
       "the citizen sees the Rückfrage, from the office by name")
    ok("<strong>Rückfrage</strong><br>Die zuständige Stelle hat eine Frage an Sie" in html and
       "Aktueller Stand: <strong>Rückfrage – die zuständige Stelle wartet auf Ihre Antwort</strong>"
       in html, "the timeline says Rückfrage, the status that the office waits for an answer")

    # ---- the JSON for the script ----
    st, h, body = req("GET", app + "/nachrichten.json?nach=0")
    import json
    data = json.loads(body) if st == 200 else {}
    ok(st == 200 and h.get("content-type") == "application/json" and
       h.get("cache-control") == "no-store" and [m["id"] for m in data.get("messages", [])] == [m1, q_id],
       "nachrichten.json: every message, JSON, no-store", (st, body[:200]))
    st, _, body = req("GET", app + "/nachrichten.json?nach=%d" % m1)
    d2 = json.loads(body) if st == 200 else {}
    ok([(m["id"], m["author"], m["kind"], m["own"]) for m in d2.get("messages", [])] ==
       [(q_id, data["messages"][1]["author"] if data else "", "Rückfrage", False)] and
       d2["messages"][0]["body"] == QUESTION and DE_TIME.match(d2["messages"][0]["when"]),
       "?nach=<id>: only the newer message, with author, kind, German date", body[:300])
    st, _, body = req("GET", app + "/nachrichten.json?nach=%d" % q_id)
    ok(st == 200 and json.loads(body) == {"messages": []}, "?nach=<newest>: none", body)
    st, _, _ = req("GET", "/antrag/" + "B" * 24 + "/nachrichten.json")
    ok(st == 404, "an unknown token's JSON: 404", st)

    # ---- the answer ends the wait ----
    st, _, _ = req("POST", post, {"csrf": form_tok, "nachricht": "Anbei, siehe Post."}, ck)
    st2, _, html = req("GET", app)
    ok(st == 303 and "wartet auf Ihre Antwort" not in html.split("<h2")[0],
       "after the citizen's answer the status no longer says the office waits", st)

    # ---- a notice the SMTP server refuses for a while is retried ----
    sink.set_mode("tempfail")
    before = sink.count()
    st, _, _ = req("POST", "/amt/antrag/%d/nachricht" % sid,
                   {"csrf": csrf, "art": "nachricht", "nachricht": "Danke, erhalten."},
                   "amt_sitzung=" + anna)
    ok(st == 303 and wait_until(lambda: count(
        "SELECT count(*) FROM events e JOIN outbox o ON o.id = e.job_id WHERE o.kind ="
        " 'notice_citizen' AND e.kind = 'retry'") >= 1, 20),
       "a refused notice is scheduled again (event retry)")
    sink.set_mode("accept")
    ok(sink.wait(before + 1, 30) and wait_until(lambda: count(
        "SELECT count(*) FROM outbox WHERE kind LIKE 'notice%' AND delivered_unix IS NULL") == 0, 20),
       "and delivered when the server takes it again")

    # ---- no address, no citizen notice ----
    st, h, _ = L.post(relay, "dorsten", "hundeanmeldung", vals, json_accept=False)
    t2 = h.get("location", "").rsplit("/", 1)[1]
    sid2 = relay.rows("SELECT id FROM submissions WHERE token = ?", (t2,))[0][0]
    relay.write([("UPDATE submissions SET applicant_email = '' WHERE id = ?", (sid2,))])
    st, _, _ = req("POST", "/amt/antrag/%d/nachricht" % sid2,
                   {"csrf": csrf, "art": "nachricht", "nachricht": "Ohne Adresse"}, "amt_sitzung=" + anna)
    ok(st == 303 and count("SELECT count(*) FROM messages WHERE submission_id = ?", (sid2,)) == 1 and
       count("SELECT count(*) FROM outbox WHERE submission_id = ? AND kind LIKE 'notice%'", (sid2,)) == 0,
       "a clerk's message to an application without an e-mail address: stored, no notice job", st)
finally:
    ok(relay.stop() == 0, "relayd stops cleanly", relay.logtext()[-800:])
    sink.stop()

# ---- the rate limit per client ----
r2 = L.Relay("messages-rate", limits={"rate_per_ip_per_minute": 3}).start()
try:
    form = next(f for f in r2.dump_forms() if f["city"] == "dorsten" and f["service"] == "hundeanmeldung")
    st, h, _ = L.post(r2, "dorsten", "hundeanmeldung", L.valid_values(form), json_accept=False)
    tok = h.get("location", "").rsplit("/", 1)[1]
    st, h, _ = req("GET", "/antrag/" + tok, r=r2)
    ft = cookie_of(h, "antrag_csrf")[0]
    codes = [req("POST", "/antrag/%s/nachricht" % tok, {"csrf": ft, "nachricht": "Nr. %d" % i},
                 "antrag_csrf=" + ft, r=r2)[0] for i in range(3)]
    st, h, body = req("POST", "/antrag/%s/nachricht" % tok, {"csrf": ft, "nachricht": "zu viel"},
                      "antrag_csrf=" + ft, r=r2)
    ok(codes == [303, 303, 429] and st == 429 and int(h.get("retry-after", "0")) >= 1 and
       "zu viele Nachrichten" in body, "the client's rate (3 a minute, the form post included): "
       "303 303 then 429 with Retry-After", (codes, st))
    ok(r2.rows("SELECT count(*) FROM messages")[0][0] == 2, "the refused ones were not stored")
finally:
    ok(r2.stop() == 0, "relayd stops cleanly")
done()
