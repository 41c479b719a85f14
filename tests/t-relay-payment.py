#!/usr/bin/python3
"""t-relay-payment - online payment of fees (issue 12, points 7-9) on the
real daemon, a real store and a real SMTP sink, against tests/pay_fake.py
(a provider on loopback that speaks relayd's epay protocol).

The fixture's Geburtsurkunde costs 15,00 EUR per copy and 7,50 EUR for
each further one, free for the Rente, delivered after payment; Dorsten
has a payment account, Bottrop none. Checks: the amount is computed from
the stored answers (2 copies: 2250 cents) and stored with the submission,
the office mail is held; a field the form does not have (a made-up
amount) is refused and changes nothing; "Jetzt bezahlen" needs the page's
CSRF token (403) and answers 303 to the provider's page with a request
whose MAC the provider checks; the citizen's return alone changes
nothing; every refused notice (wrong signature, wrong amount, wrong
currency, unknown reference, wrong merchant, malformed) is answered 4xx,
logged with its reason and changes nothing; a paid notice makes it
"bezahlt" with one payment event and releases the office mail (which
says "Zahlung: bezahlt"), and a clerk of the office sees the fee as paid
and both payment steps in the inbox; the same notice again answers 200 and changes
nothing; cancelled -> "abgebrochen", "Erneut bezahlen" makes a new
attempt with a new reference and paying that works; an exempt answer
(Rente) pays nothing and is mailed at once; a city without an account
takes the application as before; deliver: immediately mails at once with
"Zahlung: ausstehend"; a key file others may read keeps relayd from
starting. Last, kill -9 while the provider sends the notices of many
paid applications (it holds the later ones back until the kill, so the
kill always lands with notices to come, and every notice answered 200
before it must be stored): after a restart the provider's retries end
every one paid exactly once, with one office job and its mail."""
import html
import http.client
import json
import os
import re
import shutil
import stat
import sys
import threading
import time
import urllib.parse
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
from relay_lib import ok, done  # noqa: E402
import pay_fake  # noqa: E402
import smtp_sink as S  # noqa: E402

KEY_DOR = "dorsten-schluessel-" + "x" * 24
MERCHANT = "DOR-4711"
SERVICE = "geburtsurkunde"


def config(fake, tmp, extra_accounts=""):
    kf = os.path.join(tmp, "pay-dorsten.key")
    with open(kf, "w") as f:
        f.write(KEY_DOR + "\n")
    os.chmod(kf, 0o600)
    return ("payment:\n  provider: epay\n  page_url: %s\n  accounts:\n"
            "    dorsten:\n      merchant: %s\n      key_file: %s\n%s"
            % (fake.page_url, MERCHANT, kf, extra_accounts))


def fetch(relay, method, path, body=None, cookies=""):
    """status, headers (set-cookie as a list), body text."""
    h = {}
    if cookies:
        h["Cookie"] = cookies
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
        if not isinstance(body, (bytes, str)):
            body = urllib.parse.urlencode(body)
    c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=30)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        hd = dict((k.lower(), v) for k, v in r.getheaders())
        hd["set-cookie"] = r.msg.get_all("Set-Cookie") or []
        return r.status, hd, data
    finally:
        c.close()


def values(form, anzahl="2", zweck="ausweis"):
    v = dict((k, x) for k, x in L.valid_values(form))
    v["anzahl"], v["zweck"] = anzahl, zweck
    return list(v.items())


def submit(relay, form, city="dorsten", **kw):
    """(status, token, submission id)."""
    st, h, body = L.post(relay, city, SERVICE, values(form, **kw))
    if st != 303:
        return st, None, None
    tok = h["location"].rsplit("/", 1)[1]
    sid = relay.rows("SELECT id FROM submissions WHERE token = ?", (tok,))[0][0]
    return st, tok, sid


def payments(relay, sid):
    return relay.rows("SELECT reference, amount_cents, state, deliver, provider_txn "
                      "FROM payments WHERE submission_id = ? ORDER BY id", (sid,))


def office_jobs(relay, sid):
    return relay.rows("SELECT count(*) FROM outbox WHERE submission_id = ? AND kind = 'office'",
                      (sid,))[0][0]


def pay_events(relay, sid):
    return [r[0] for r in relay.rows("SELECT detail FROM events WHERE submission_id = ? AND "
                                     "kind = 'payment' ORDER BY id", (sid,))]


def csrf_of(relay, tok):
    """The application page's CSRF cookie and token."""
    st, h, page = fetch(relay, "GET", "/antrag/" + tok)
    cookie = next((c.split(";")[0] for c in h["set-cookie"] if c.startswith("antrag_csrf=")), "")
    return cookie, cookie.split("=", 1)[1] if cookie else "", page


def start_payment(relay, tok):
    """POST "Jetzt bezahlen" with the page's token: (status, Location)."""
    cookie, csrf, _ = csrf_of(relay, tok)
    st, h, _ = fetch(relay, "POST", "/antrag/%s/bezahlen" % tok, {"csrf": csrf}, cookie)
    return st, h.get("location", "")


def provider_choice(location, wahl):
    """The citizen at the provider's page: opens it, presses a button;
    the return address the provider sends the browser to."""
    u = urllib.parse.urlsplit(location)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request("GET", u.path + "?" + u.query)
    r = c.getresponse()
    page = r.read().decode()
    c.close()
    m = re.search(r'name="id" value="([^"]+)"', page)
    if r.status != 200 or not m:
        return None
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    c.request("POST", "/entscheiden", body=urllib.parse.urlencode({"id": m.group(1), "wahl": wahl}),
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    r.read()
    c.close()
    return r.getheader("Location")


RELAYCTL = os.environ.get("RELAYCTL", os.path.join(L.ROOT, "bin/asan/relayctl"))
CLERK_PW = "Standesamt-Dorsten-2026!"


def clerk_detail(relay, sid):
    """The inbox's detail page of submission sid, seen by a clerk of
    Dorsten's Standesamt (added with relayctl, logged in like a person)."""
    import subprocess
    subprocess.run([RELAYCTL, "--config", relay.cfg, "user", "add", "sabine", "--office",
                    "dorsten/standesamt"], input=CLERK_PW + "\n", capture_output=True,
                   text=True, timeout=120)
    st, h, _ = fetch(relay, "GET", "/amt/anmelden")
    tok = next((c.split(";")[0].split("=", 1)[1] for c in h["set-cookie"]
                if c.startswith("amt_anmeldung=")), "")
    st, h, _ = fetch(relay, "POST", "/amt/anmelden", {"csrf": tok, "benutzername": "sabine",
                                                      "passwort": CLERK_PW},
                     cookies="amt_anmeldung=" + tok)
    sess = next((c.split(";")[0] for c in h["set-cookie"] if c.startswith("amt_sitzung=")), "")
    st, _, page = fetch(relay, "GET", "/amt/antrag/%d" % sid, cookies=sess)
    return page if st == 200 else ""


def log_has(relay, pattern):
    return re.search(pattern, relay.logtext()) is not None


def main_checks(relay, sink, fake, form):
    # ---- the amount from the stored answers ----
    st, _, body = L.post(relay, "dorsten", SERVICE, values(form) + [("betrag", "1")])
    ok(st == 400 and L.count_submissions(relay) == 0,
       "a post with a made-up amount field is refused (400) and stores nothing", (st, body[:200]))
    st, tok, sid = submit(relay, form)
    p = payments(relay, sid) if sid else []
    ok(st == 303 and len(p) == 1 and p[0][1:4] == (2250, "ausstehend", "after_payment"),
       "2 copies: a pending payment of 2250 cents (15,00 + 7,50) stored with the application", p)
    ok(sid and office_jobs(relay, sid) == 0 and pay_events(relay, sid) == ["ausstehend 2250"],
       "after_payment: no office job yet; one payment event 'ausstehend 2250'")
    ref = p[0][0] if p else ""
    ok(re.fullmatch(r"[A-Za-z0-9_-]{24}", ref) is not None, "the payment reference is 24 base64url characters", ref)

    st, h, page = fetch(relay, "GET", "/bestaetigung/" + tok)
    ok(st == 200 and "Zahlung ausstehend: <strong>22,50 €</strong>" in page and
       'action="http://127.0.0.1:%d/antrag/%s/bezahlen"' % (relay.port, tok) in page and
       ">Jetzt bezahlen</button>" in page and any(c.startswith("antrag_csrf=") for c in h["set-cookie"]),
       "the confirmation: Zahlung ausstehend 22,50 €, the Jetzt bezahlen form and its CSRF cookie")
    origin = "http://127.0.0.1:%d" % fake.port
    ok(re.search(r"form-action [^;]*%s" % re.escape(origin), h.get("content-security-policy", "")) and
       re.search(r'<meta http-equiv="Content-Security-Policy" content="[^"]*form-action [^;"]*%s'
                 % re.escape(origin), html.unescape(page)) is not None,
       "the pages' form-action allows the provider's origin (header and meta): the browser "
       "follows the button's redirect there")
    cookie, csrf, page = csrf_of(relay, tok)
    ok("Zahlung ausstehend" in page and 'name="csrf" value="%s"' % csrf in page,
       "the application page shows the pending fee with the pay form")

    # ---- Jetzt bezahlen: CSRF ----
    st, _, page = fetch(relay, "POST", "/antrag/%s/bezahlen" % tok, {"csrf": csrf})
    st2, _, _ = fetch(relay, "POST", "/antrag/%s/bezahlen" % tok, {"csrf": "x" * 32}, cookie)
    st3, _, _ = fetch(relay, "POST", "/antrag/%s/bezahlen" % tok, {}, cookie)
    ok(st == 403 and st2 == 403 and st3 == 403 and "<html" in page and
       log_has(relay, r"event=payment_start_refused reason=csrf"),
       "Jetzt bezahlen without the cookie, with a wrong or no token: 403 (themed), logged", (st, st2, st3))
    st, _, _ = fetch(relay, "POST", "/antrag/%s/bezahlen" % ("A" * 24), {"csrf": csrf}, cookie)
    ok(st == 404, "Jetzt bezahlen of an unknown application: 404", st)
    st, _, page = relay.request("POST", "/antrag/%s/bezahlen" % tok, '{"csrf":"x"}',
                                {"Content-Type": "application/json", "Cookie": cookie})
    st2, _, page2 = fetch(relay, "POST", "/antrag/%s/bezahlen" % tok, "csrf=" + "x" * 5000, cookie)
    ok(st == 415 and "unbekannten Format" in page.decode() and st2 == 413 and "zu groß" in page2,
       "Jetzt bezahlen not urlencoded: 415; over 4 KiB: 413 (themed)", (st, st2))

    st, loc = start_payment(relay, tok)
    u = urllib.parse.urlsplit(loc)
    q = dict(urllib.parse.parse_qsl(u.query))
    ok(st == 303 and loc.startswith(fake.page_url + "?"), "Jetzt bezahlen: 303 to the provider's page", (st, loc[:80]))
    ok(fake.check_request(u.query) is not None and q.get("merchant") == MERCHANT and
       q.get("reference") == ref and q.get("amount") == "2250" and q.get("currency") == "EUR" and
       q.get("notify_url") == "http://127.0.0.1:%d/zahlung/benachrichtigung" % relay.port and
       q.get("return_url") == "http://127.0.0.1:%d/zahlung/rueckkehr?reference=%s" % (relay.port, ref) and
       "Geburtsurkunde" in q.get("description", ""),
       "the request is signed with Dorsten's key over the documented fields (the provider checks it)", q)
    bad = u.query.replace("amount=2250", "amount=1")
    ok(fake.check_request(bad) is None, "a request with a changed amount fails the provider's check")

    # ---- the return alone changes nothing ----
    st, _, page = fetch(relay, "GET", "/zahlung/rueckkehr?reference=" + ref)
    ok(st == 200 and "Ihre Zahlung wird noch bestätigt" in page and "/antrag/" + tok in page and
       payments(relay, sid)[0][2] == "ausstehend" and office_jobs(relay, sid) == 0,
       "the return alone: 'Ihre Zahlung wird noch bestätigt', a link to the application, nothing changed")
    st, _, _ = fetch(relay, "GET", "/zahlung/rueckkehr?reference=" + "B" * 24)
    st2, _, _ = fetch(relay, "GET", "/zahlung/rueckkehr")
    ok(st == 404 and st2 == 404, "the return with an unknown or no reference: 404", (st, st2))

    # ---- refused notices ----
    notify = "http://127.0.0.1:%d/zahlung/benachrichtigung" % relay.port
    req = {"merchant": MERCHANT, "reference": ref, "amount": "2250", "currency": "EUR"}
    cases = [
        ("bad_signature", 403, fake.notice(req, "paid", key="falscher-schluessel-" + "y" * 20)),
        ("wrong_amount", 409, fake.notice(req, "paid", amount="1")),
        ("wrong_currency", 409, fake.notice(req, "paid", currency="USD")),
        ("unknown_reference", 404, fake.notice(req, "paid", reference="C" * 24)),
        ("wrong_merchant", 409, fake.notice(req, "paid", merchant="BOT-0815")),
        ("malformed", 400, fake.notice(req, "paid").rsplit(b"&mac=", 1)[0]),
        ("malformed", 400, fake.notice(req, "paid") + b"&amount=2250"),
        ("malformed", 400, fake.notice(req, "paid", state="refunded")),
    ]
    for reason, want, body in cases:
        before = len(re.findall(r"event=payment_refused reason=%s " % reason, relay.logtext()))
        st = fake.send(notify, body)
        after = len(re.findall(r"event=payment_refused reason=%s " % reason, relay.logtext()))
        ok(st == want and after == before + 1 and payments(relay, sid)[0][2] == "ausstehend" and
           pay_events(relay, sid) == ["ausstehend 2250"] and office_jobs(relay, sid) == 0,
           "a notice with %s: %d, logged with its reason, nothing changed" % (reason, want), (st, after - before))
    st = fake.send(notify, fake.notice(req, "paid"), ctype="text/plain")
    ok(st == 400, "a notice that is not urlencoded: 400", st)
    ok(not re.search(re.escape(KEY_DOR), relay.logtext()), "the key is never in the log")
    ok(log_has(relay, r"event=payment_refused reason=wrong_amount status=409 reference=%s merchant=%s"
               % (re.escape(ref), MERCHANT)), "the refusal's log line names reason, status, reference and merchant")

    # ---- paid ----
    back = provider_choice(loc, "bezahlt")
    p = payments(relay, sid)
    ok(back == "http://127.0.0.1:%d/zahlung/rueckkehr?reference=%s" % (relay.port, ref) and
       p[0][2] == "bezahlt" and p[0][4].startswith("TX-"),
       "paid at the provider: its notice makes the payment 'bezahlt' with the provider's txn", p)
    ok(pay_events(relay, sid) == ["ausstehend 2250", "bezahlt 2250"] and office_jobs(relay, sid) == 1,
       "one 'bezahlt' event and now the office job")
    got = sink.wait(1, timeout=60)
    msgs = [m for m in sink.messages() if payments and m["subject"].endswith(
        relay.rows("SELECT reference FROM submissions WHERE id = ?", (sid,))[0][0])]
    ok(got and len(msgs) == 1 and "Zahlung: bezahlt, 22,50 €" in msgs[0]["text"],
       "the office mail arrives after the payment, saying Zahlung: bezahlt, 22,50 €")
    st, _, page = fetch(relay, "GET", urllib.parse.urlsplit(back).path + "?" + urllib.parse.urlsplit(back).query)
    ok(st == 200 and "<h1>Zahlung eingegangen</h1>" in page and "Bezahlt: <strong>22,50 €</strong>" in page,
       "the return after the notice: Zahlung eingegangen")
    st, _, page = fetch(relay, "GET", "/antrag/" + tok)
    ok(st == 200 and "<strong>Bezahlt</strong>" in page and "Zahlung ausstehend</strong>" in page and
       "Jetzt bezahlen" not in page, "the application's timeline: Zahlung ausstehend, then Bezahlt; no button")

    # ---- the clerk's view: the fee's state and the payment steps ----
    page = clerk_detail(relay, sid)
    fee = re.search(r"<dt>Gebühr</dt><dd>([^<]*)</dd>", page)
    ok(fee and "22,50" in fee.group(1) and "ezahlt" in fee.group(1),
       "the clerk's detail page names the fee and that it is paid", fee and fee.group(1))
    i, j = page.find("Zahlung ausstehend"), page.find("Bezahlt")
    ok(0 <= i < j, "the clerk's timeline shows Zahlung ausstehend, then Bezahlt")

    # ---- the same notice twice ----
    body = fake.notice(req, "paid")
    st = fake.send(notify, body)
    st2 = fake.send(notify, body)
    time.sleep(1.5)
    ok(st == 200 and st2 == 200 and pay_events(relay, sid) == ["ausstehend 2250", "bezahlt 2250"] and
       office_jobs(relay, sid) == 1 and len([m for m in sink.messages()]) == 1,
       "the same notice again (twice): 200, nothing changes (one event, one office job, one mail)")
    st = fake.send(notify, fake.notice(req, "cancelled"))
    ok(st == 200 and payments(relay, sid)[0][2] == "bezahlt", "a later 'cancelled' does not undo a payment")
    _, _, mbody = relay.request("GET", "/metrics")
    counts = dict(re.findall(r'^relayd_payment_notices_total\{result="(\w+)"\} (\d+)$',
                             mbody.decode(), re.M))
    ok(counts.get("paid") == "1" and int(counts.get("unchanged", "0")) >= 3 and
       counts.get("bad_signature") == "1" and counts.get("wrong_amount") == "1" and
       counts.get("unknown_reference") == "1" and int(counts.get("malformed", "0")) >= 3,
       "/metrics counts the notices by what became of them", counts)
    st, loc2 = start_payment(relay, tok)
    ok(st == 303 and loc2 == "http://127.0.0.1:%d/antrag/%s" % (relay.port, tok),
       "Jetzt bezahlen of a paid application: back to its page, no new attempt", loc2)

    # ---- cancelled and paid again ----
    st, tok2, sid2 = submit(relay, form, anzahl="1")
    st, loc = start_payment(relay, tok2)
    ref1 = payments(relay, sid2)[0][0]
    back = provider_choice(loc, "abbrechen")
    ok(payments(relay, sid2)[0][2] == "abgebrochen" and office_jobs(relay, sid2) == 0 and
       pay_events(relay, sid2) == ["ausstehend 1500", "abgebrochen 1500"],
       "cancelled at the provider: 'abgebrochen', still no office job")
    st, _, page = fetch(relay, "GET", urllib.parse.urlsplit(back).path + "?" + urllib.parse.urlsplit(back).query)
    ok(st == 200 and "<h1>Zahlung abgebrochen</h1>" in page and ">Erneut bezahlen</button>" in page,
       "the return after cancelling: Zahlung abgebrochen with Erneut bezahlen")
    cookie, csrf, page = csrf_of(relay, tok2)
    ok("Zahlung abgebrochen" in page and ">Erneut bezahlen</button>" in page,
       "the application page offers Erneut bezahlen")
    st, loc = start_payment(relay, tok2)
    p = payments(relay, sid2)
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
    ok(st == 303 and len(p) == 2 and p[1][0] != ref1 and q.get("reference") == p[1][0] and
       p[1][1:4] == (1500, "ausstehend", "after_payment"),
       "Erneut bezahlen: a new attempt with a new reference, the same amount", p)
    provider_choice(loc, "bezahlt")
    ok(payments(relay, sid2)[1][2] == "bezahlt" and office_jobs(relay, sid2) == 1 and sink.wait(2, 60),
       "paying the new attempt works: bezahlt, the office job and its mail")

    # ---- exempt, and a city without an account ----
    st, tok3, sid3 = submit(relay, form, zweck="rente")
    ok(st == 303 and payments(relay, sid3) == [] and office_jobs(relay, sid3) == 1 and sink.wait(3, 60),
       "für die Rente (0 €): no payment, mailed at once")
    st, _, page = fetch(relay, "GET", "/bestaetigung/" + tok3)
    ok("Gebühr" not in page and "bezahlen" not in page, "its confirmation has no fee section")
    st, tok4, sid4 = submit(relay, form, city="bottrop")
    ok(st == 303 and payments(relay, sid4) == [] and office_jobs(relay, sid4) == 1,
       "Bottrop (no payment account): taken and mailed as before, no payment")
    ok(log_has(relay, r"event=payment_not_configured city=bottrop service=geburtsurkunde"),
       "relayd said at start that Bottrop's fee is not paid online")
    st, _, _ = fetch(relay, "POST", "/antrag/%s/bezahlen" % tok4, {"csrf": csrf}, cookie)
    ok(st == 409, "Jetzt bezahlen of an application without a fee: 409", st)


def immediately(tmp, fake, sink_port, sink):
    """deliver: immediately: the office mail at once, naming the state."""
    content = os.path.join(tmp, "content-immediately")
    shutil.rmtree(content, ignore_errors=True)
    shutil.copytree(L.FIXTURE, content)
    p = os.path.join(content, "services", SERVICE + ".yml")
    text = open(p).read()
    open(p, "w").write(text.replace("deliver: after_payment", "deliver: immediately"))
    relay = L.Relay("pay-immediately", content=content, smtp_url="smtp://127.0.0.1:%d" % sink_port,
                    extra=config(fake, tmp))
    try:
        relay.start()
        form = [f for f in relay.dump_forms() if f["city"] == "dorsten" and f["service"] == SERVICE][0]
        n0 = sink.count()
        st, tok, sid = submit(relay, form)
        got = sink.wait(n0 + 1, timeout=60)
        ref = relay.rows("SELECT reference FROM submissions WHERE id = ?", (sid,))[0][0]
        # the mails since this relay started: each relay of this test has
        # a store of its own, and each store numbers its references from 1
        msg = [m for m in sink.messages()[n0:] if m["subject"].endswith(ref)]
        ok(got and payments(relay, sid)[0][2:4] == ("ausstehend", "immediately") and len(msg) == 1 and
           "Zahlung: ausstehend, 22,50 €" in msg[0]["text"],
           "deliver: immediately: the office mail at once, with 'Zahlung: ausstehend, 22,50 €'")
        st, loc = start_payment(relay, tok)
        provider_choice(loc, "bezahlt")
        time.sleep(1)
        ok(payments(relay, sid)[0][2] == "bezahlt" and office_jobs(relay, sid) == 1,
           "deliver: immediately, paid later: bezahlt, still one office job (no second mail)")
    finally:
        relay.stop()


def bad_key_file(tmp, fake):
    kf = os.path.join(tmp, "pay-open.key")
    with open(kf, "w") as f:
        f.write(KEY_DOR + "\n")
    os.chmod(kf, 0o644)
    extra = ("payment:\n  page_url: %s\n  accounts:\n    dorsten:\n      merchant: D\n"
             "      key_file: %s\n" % (fake.page_url, kf))
    r = L.Relay("pay-badkey", extra=extra)
    try:
        r.start()
        r.stop()
        ok(False, "relayd refuses a key file others may read")
    except RuntimeError as e:
        ok(re.search(r"relay\.yml:\d+:\d+: payment\.accounts: 'dorsten': key_file .*may be read by others",
                     str(e)) is not None, "relayd refuses to start with a key file others may read "
           "(file:line:col)", str(e)[-300:])
    r = L.Relay("pay-nocity", extra=("payment:\n  page_url: %s\n  accounts:\n    gladbeck:\n"
                                     "      merchant: G\n      key: %s\n" % (fake.page_url, KEY_DOR)))
    try:
        r.start()
        r.stop()
        ok(False, "relayd refuses an account of an unknown city")
    except RuntimeError as e:
        ok("payment.accounts: 'gladbeck': the catalogue has no city of that slug" in str(e),
           "relayd refuses an account of a city the catalogue does not have")


def crash(tmp, fake, sink_port, sink, n=60, first=20):
    """kill -9 while the provider sends the paid notices of n applications
    (the first `first` at once, the others held back until the kill); its
    retries after the restart end each paid exactly once."""
    # A job whose mail the kill interrupted is mailed again after its lease
    # (smtp.timeout + 15 s): 25 s instead of 75 s.
    relay = L.Relay("pay-crash", smtp_url="smtp://127.0.0.1:%d" % sink_port, extra=config(fake, tmp),
                    smtp_extra="  timeout: 10\n")
    relay.start()
    form = [f for f in relay.dump_forms() if f["city"] == "dorsten" and f["service"] == SERVICE][0]
    apps = []
    for _ in range(n):
        st, tok, sid = submit(relay, form)
        if st == 303:
            apps.append(sid)
    ok(len(apps) == n, "%d applications with a pending fee" % n, len(apps))
    n_mails = sink.count()
    notify = "http://127.0.0.1:%d/zahlung/benachrichtigung" % relay.port
    pay_refs = [payments(relay, sid)[0][0] for sid in apps]
    mine = set(pay_refs)
    bodies = [fake.notice({"merchant": MERCHANT, "reference": ref, "amount": "2250"}, "paid")
              for ref in pay_refs]

    def notify_all(which, hold):
        for i in which:
            fake.deliver_async(notify, bodies[i], pay_refs[i], hold=hold)

    def acked():
        with fake.lock:
            return len(set(d[0] for d in fake.deliveries if d[1] == 200 and d[0] in mine)), fake.held
    # The later notices wait at the provider until the kill, so it always
    # lands with notices still to come; the first ones go at once, and the
    # kill follows the first few answered 200 (counted at the provider: a
    # query of the store would be too slow to catch the middle), so some
    # are in flight as a rule.
    notify_all(range(first, n), True)
    end = time.time() + 30
    while acked()[1] < n - first and time.time() < end:
        time.sleep(0.001)
    notify_all(range(first), False)
    while acked()[0] < 3 and time.time() < end:
        time.sleep(0.001)
    n_acked, n_held = acked()
    relay.kill9()
    fake.release()      # they meet a dead port first, then retry
    paid_at_kill = relay.rows("SELECT count(*) FROM payments WHERE state = 'bezahlt'")[0][0]
    ok(n_held == n - first and paid_at_kill <= first,
       "killed with SIGKILL while notices were coming (%d of %d paid; %d of the first %d "
       "answered, %d held back at the provider)" % (paid_at_kill, n, n_acked, first, n_held))
    ok(paid_at_kill >= n_acked, "every notice answered 200 before the kill was stored "
       "(%d answered, %d paid)" % (n_acked, paid_at_kill))
    time.sleep(1)
    relay.start()
    fake.join(timeout=90)
    rows = relay.rows("SELECT p.state, (SELECT count(*) FROM outbox o WHERE o.submission_id = "
                      "p.submission_id AND o.kind = 'office'), (SELECT count(*) FROM events e WHERE "
                      "e.submission_id = p.submission_id AND e.kind = 'payment') FROM payments p")
    ok(len(rows) == n and all(r == ("bezahlt", 1, 2) for r in rows),
       "after the restart the provider's retries made every one paid exactly once "
       "(one office job, two payment events each)", [r for r in rows if r != ("bezahlt", 1, 2)][:5])
    refused = [d for d in fake.deliveries if d[1] not in (200, None)]
    ok(not refused, "no retried notice was refused", refused[:5])
    got = sink.wait(n_mails + n, timeout=120)
    refs = set(r[0] for r in relay.rows("SELECT reference FROM submissions WHERE id IN (%s)"
                                        % ",".join(str(s) for s in apps)))
    mailed = set(m["subject"].rsplit(" – ", 1)[-1] for m in sink.messages())
    ok(got and refs <= mailed, "every one's office mail arrived", len(refs - mailed))
    rc = relay.stop()
    ok(rc == 0, "relayd stops cleanly after the crash test", rc)


def main():
    tmp = os.path.join(L.TMP, "payment")
    os.makedirs(tmp, exist_ok=True)
    fake = pay_fake.Provider({MERCHANT: KEY_DOR}, retry_seconds=60)
    sink_port = L.free_port()
    sink = S.Sink(os.path.join(tmp, "mail"), sink_port).start()
    relay = L.Relay("payment", smtp_url="smtp://127.0.0.1:%d" % sink_port, extra=config(fake, tmp))
    try:
        relay.start()
        form = [f for f in relay.dump_forms() if f["city"] == "dorsten" and f["service"] == SERVICE][0]
        main_checks(relay, sink, fake, form)
    finally:
        rc = relay.stop()
        ok(rc == 0, "relayd stops cleanly", (rc, relay.logtext()[-800:]))
    immediately(tmp, fake, sink_port, sink)
    bad_key_file(tmp, fake)
    crash(tmp, fake, sink_port, sink)
    sink.stop()
    fake.stop()
    done()


if __name__ == "__main__":
    main()
