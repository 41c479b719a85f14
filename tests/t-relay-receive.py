#!/usr/bin/python3
"""Receive path of relayd against the real daemon and a real SQLite file:
happy path for the five named forms, every validation rule, the abuse
answers (403/404/413/415/429, honeypot), confirmation page, healthz,
metrics and --no-store."""
import json
import re
import sys
import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_lib import *  # noqa

FIVE = ["hundeanmeldung", "geburtsurkunde", "eheurkunde", "sondernutzungserlaubnis",
        "private-veranstaltung"]
REF_RE = re.compile(r"^[A-Z]{3}-\d{4}-\d{6,}$")

r = Relay("receive").start()
forms = r.dump_forms()
byname = {}
for f in forms:
    if f["accepting"]:
        byname.setdefault(f["service"], f)
ok(all(s in byname for s in FIVE), "dump-forms lists the five named forms", sorted(byname))


def errs(body):
    try:
        return {e["field"]: e["message"] for e in json.loads(body)["errors"]}
    except Exception:
        return {}


# ---- happy path ----
for svc in FIVE:
    f = byname[svc]
    vals = valid_values(f)
    st, h, body = post(r, f["city"], svc, vals)
    if not ok(st == 303, "%s: valid post answers 303" % svc, (st, body)):
        continue
    loc = h.get("location", "")
    token = loc.rsplit("/", 1)[-1]
    ref = json.loads(body)["reference"]
    ok(loc == "http://127.0.0.1:%d/bestaetigung/%s" % (r.port, token) and
       re.fullmatch(r"[-0-9A-Z_a-z]{7}[A-Za-z0-9_-]{24}", token), "%s: Location is public_url/bestaetigung/<token> (7 characters of time, 24 random)" % svc, loc)
    ok(REF_RE.match(ref) and ref.startswith(f["ref_prefix"] + "-"), "%s: reference %s is PREFIX-YEAR-NUMBER (six digits at least)" % (svc, ref))
    rows = r.rows("SELECT id, city, service, fields, recipient, applicant_email FROM submissions WHERE reference=? AND token=?", (ref, token))
    if not ok(len(rows) == 1, "%s: stored with reference and token" % svc):
        continue
    sid, city, service, fj, rcpt, mail = rows[0]
    stored = {x["name"]: (x["value"], x.get("option")) for x in json.loads(fj)}
    fdefs = {x["name"]: x for x in f["fields"]}
    want = {k: v for k, v in vals if not isinstance(v, bytes)}
    want = {k: (v.strip() if "\n" not in v else v) for k, v in want.items()}
    want = {k: (shown_value(fdefs[k], v), stored_option(fdefs[k], v))
            for k, v in want.items()}
    ok(stored == want, "%s: every field stored with its value (select/radio: "
       "the option's label, and its value as option)" % svc, (stored, want))
    ok(city == f["city"] and service == svc and "@" in rcpt, "%s: city, service and recipient stored" % svc)
    files = [v for _, v in vals if isinstance(v, bytes)]
    att = r.rows("SELECT field, filename, mime, data FROM attachments WHERE submission_id=? ORDER BY seq", (sid,))
    ok(len(att) == len(files) and all(a[3] == b for a, b in zip(att, files)),
       "%s: %d attachment(s) stored byte for byte" % (svc, len(files)))
    ok(all(re.fullmatch(r"[a-z0-9_]+-\d+\.(pdf|jpg|png)", a[1]) for a in att), "%s: attachment names generated" % svc, att and att[0][1])
    jobs = r.rows("SELECT kind FROM outbox WHERE submission_id=?", (sid,))
    ev = r.rows("SELECT kind FROM events WHERE submission_id=? AND kind='received'", (sid,))
    ok(("office",) in jobs and len(ev) == 1, "%s: outbox job and received event in the same commit" % svc)
    st, h, page = r.request("GET", "/bestaetigung/" + token)
    ok(st == 200 and ref.encode() in page, "%s: confirmation page shows the reference" % svc, st)
    ok(h.get("referrer-policy") == "no-referrer" and "noindex" in h.get("x-robots-tag", "") and
       h.get("cache-control") == "no-store", "%s: confirmation page sends no Referer, noindex, no-store" % svc)

# urlencoded for a form without files; multipart with a file
f = byname["eheurkunde"]
st, _, _ = post(r, f["city"], "eheurkunde", valid_values(f), multi=False)
ok(st == 303, "urlencoded post accepted")
st, _, _ = post(r, f["city"], "eheurkunde", valid_values(f), multi=True)
ok(st == 303, "multipart post without files accepted")
st, _, _ = r.request("GET", "/bestaetigung/AAAAAAAAAAAAAAAAAAAAAAAA")
ok(st == 404, "unknown confirmation token -> 404")

# ---- validation: each rule ----
H = byname["hundeanmeldung"]
hcity = H["city"]
before = count_submissions(r)


def with_(form, **over):
    out = []
    for k, v in valid_values(form):
        if k in over:
            v = over.pop(k)
            if v is None:
                continue
        out.append((k, v))
    for k, v in over.items():
        out.append((k, v))
    return out


def expect422(form, what, field, pattern=None, **over):
    st, h, body = post(r, form["city"], form["service"], with_(form, **over))
    e = errs(body)
    good = st == 422 and field in e and (pattern is None or re.search(pattern, e[field]))
    ok(good, "422 " + what, (st, body[:300]))


fields = {x["name"]: x for x in H["fields"]}
expect422(H, "required text missing", "vorname", "Geben Sie", vorname=None)
expect422(H, "required text only blanks", "vorname", None, vorname="   ")
ml = fields["vorname"]["max_length"]
st, _, _ = post(r, hcity, "hundeanmeldung", with_(H, vorname="ä" * ml))
ok(st == 303, "max_length counts characters: %d umlauts (2 bytes each) accepted" % ml)
expect422(H, "max_length + 1 characters", "vorname", "höchstens %d Zeichen" % ml, vorname="ä" * (ml + 1))
expect422(H, "email syntax", "email", "E-Mail-Adresse", email="name@localhost")
expect422(H, "email with space", "email", None, email="a b@example.de")
expect422(H, "date that does not exist (2023-02-29)", "geburtsdatum", "Datum", geburtsdatum="2023-02-29")
expect422(H, "date in another format", "geburtsdatum", None, geburtsdatum="01.02.2020")
expect422(H, "number not a number", "weitere_hunde", "Zahl", weitere_hunde="zwei")
expect422(H, "number above max", "weitere_hunde", "zwischen", weitere_hunde="21")
expect422(H, "number below min", "weitere_hunde", None, weitere_hunde="-1")
expect422(H, "select value not an option", "rasse", "angebotenen", rasse="Dackel")
expect422(H, "radio value not an option", "geschlecht", None, geschlecht="katze")
expect422(H, "required radio missing", "geschlecht", "Wählen Sie", geschlecht=None)
expect422(H, "required checkbox not ticked", "bestaetigung", "Bestätigen", bestaetigung=None)
expect422(H, "checkbox with a strange value", "bestaetigung", None, bestaetigung="vielleicht")
if "telefon" in fields:
    expect422(H, "tel with letters", "telefon", "Telefonnummer", telefon="call me")
expect422(H, "CR/LF in a single-line field", "nachname", "Zeilenumbr", nachname="Meier\r\nBcc: x@y.de")
st, _, _ = post(r, hcity, "hundeanmeldung", with_(H, bemerkung="eins\r\nzwei"))
ok(st == 303, "newlines allowed in a textarea")
expect422(H, "file type by content: GIF named .pdf", "nachweise", "PDF", nachweise=b"GIF89a" + b"\0" * 50)
expect422(H, "file type by content: text", "nachweise", None, nachweise=b"hello %PDF-1.4")
expect422(H, "file larger than max_size", "nachweise", "MB", nachweise=PDF + b"\0" * fields["nachweise"]["max_size"])
many = [(k, v) for k, v in valid_values(H) if k != "nachweise"] + [("nachweise", PDF)] * (fields["nachweise"]["max_files"] + 1)
st, _, body = post(r, hcity, "hundeanmeldung", many)
ok(st == 422 and "nachweise" in errs(body), "422 more files than max_files", (st, body[:200]))
two = [(k, v) for k, v in valid_values(H) if k != "nachweise"] + [("nachweise", PDF), ("nachweise", PNG)]
st, _, body = post(r, hcity, "hundeanmeldung", two)
ok(st == 303, "two files (PDF and PNG) within max_files accepted", (st, body[:200]))
G = byname["geburtsurkunde"]
expect422(G, "file type allowed elsewhere but not accepted here (PNG)", "ausweis", None, ausweis=PNG)
expect422(G, "required file missing", "ausweis", "hochladen|hoch", ausweis=None)
# several errors at once, each with its own message
st, _, body = post(r, hcity, "hundeanmeldung", with_(H, vorname=None, email="x", weitere_hunde="99"))
e = errs(body)
ok(st == 422 and {"vorname", "email", "weitere_hunde"} <= set(e), "422 lists one message per wrong field", e)

# 400: things our form never sends
st, _, body = post(r, hcity, "hundeanmeldung", with_(H, unbekannt="x"))
ok(st == 400, "unknown field -> 400", (st, body[:200]))
st, _, _ = post(r, hcity, "hundeanmeldung", valid_values(H) + [("vorname", "Zweiter")])
ok(st == 400, "field sent twice -> 400")
raw = urlencode([(k, v) for k, v in valid_values(H) if not isinstance(v, bytes)]).replace(b"vorname=", b"vorname=%FF%FE", 1)
st, _, _ = r.request("POST", "/submit/%s/hundeanmeldung" % hcity, raw,
                     {"Origin": ORIGIN, "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
ok(st == 400, "invalid UTF-8 -> 400", st)
raw = urlencode([(k, v) for k, v in valid_values(H) if not isinstance(v, bytes)]).replace(b"nachname=", b"nachname=a%00b", 1)
st, _, _ = r.request("POST", "/submit/%s/hundeanmeldung" % hcity, raw,
                     {"Origin": ORIGIN, "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
ok(st == 400, "NUL byte -> 400", st)
ok(count_submissions(r) == before + 3, "no rejected post was stored (only the 3 valid ones)",
   (count_submissions(r), before))

# HTML answer: the themed form page with summary, messages and input kept
st, h, body = post(r, hcity, "hundeanmeldung", with_(H, vorname=None, nachname="Müller<&>", email="kaputt"),
                   json_accept=False)
html = body.decode("utf-8", "replace")
ok(st == 422 and h.get("content-type", "").startswith("text/html"), "422 for a browser is HTML", st)
ok("Geben Sie" in html and "E-Mail-Adresse im richtigen Format" in html, "422 page shows the messages")
ok("Müller&lt;&amp;&gt;" in html and "kaputt" in html, "422 page keeps the input, escaped")
ok("<form" in html, "422 page contains the form again")

# ---- 404 ----
st, _, _ = post(r, "atlantis", "hundeanmeldung", valid_values(H))
ok(st == 404, "unknown city -> 404")
st, _, _ = post(r, hcity, "raketenstart", valid_values(H))
ok(st == 404, "unknown service -> 404")
notoff = [f for f in forms if not f["accepting"]]
if ok(bool(notoff), "fixture has a service a city does not offer"):
    nf = notoff[0]
    st, _, _ = post(r, nf["city"], nf["service"], valid_values(nf))
    ok(st == 404, "service not offered by the city -> 404")
st, _, _ = r.request("GET", "/submit/%s/hundeanmeldung" % hcity)
ok(st == 404, "GET on the submit route -> 404")

# ---- 403 origin ----
n0 = count_submissions(r)
for o in ["https://www.serviceportal-emscher-lippe.de.attacker.net", "https://portal.example.attacker.net",
          "http://www.serviceportal-emscher-lippe.de", "https://www.serviceportal-emscher-lippe.de:8443",
          "null", "https://serviceportal-emscher-lippe.de"]:
    st, _, _ = post(r, hcity, "hundeanmeldung", valid_values(H), origin=o)
    ok(st == 403, "Origin %s -> 403" % o, st)
st, _, _ = post(r, hcity, "hundeanmeldung", valid_values(H), origin=None)
ok(st == 403, "no Origin and no Referer -> 403", st)
st, _, _ = post(r, hcity, "hundeanmeldung", valid_values(H), origin=None,
                headers={"Referer": ORIGIN + "/dorsten/hundeanmeldung/"})
ok(st == 303, "no Origin, Referer from the portal -> accepted", st)
st, _, _ = post(r, hcity, "hundeanmeldung", valid_values(H), origin=None,
                headers={"Referer": ORIGIN + ".attacker.net/dorsten/"})
ok(st == 403, "no Origin, lookalike Referer -> 403", st)
st, _, _ = post(r, hcity, "hundeanmeldung", valid_values(H), origin="http://localhost:8080")
ok(st == 303, "second configured origin with port accepted", st)
ok(count_submissions(r) == n0 + 2, "refused origins stored nothing")

# ---- 415 ----
for ct, body in [("text/plain", b"vorname=x"), ("application/json", b'{"vorname":"x"}')]:
    st, _, _ = r.request("POST", "/submit/%s/hundeanmeldung" % hcity, body,
                         {"Origin": ORIGIN, "Content-Type": ct})
    ok(st == 415, "Content-Type %s -> 415" % ct, st)

# ---- 413 ----
n0 = count_submissions(r)
big = [(k, v) for k, v in valid_values(H) if k != "nachweise"] + [("nachweise", PDF + b"x" * 1100000)]
body_, ctype = multipart(big)
head = ("POST /submit/%s/hundeanmeldung HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\nAccept: application/json\r\n"
        "Content-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (hcity, ORIGIN, ctype, len(body_))).encode()
st = raw_status(raw_exchange(r.port, head + body_))
ok(st == 413, "body above max_body (Content-Length) -> 413", st)


def chunks():
    for i in range(0, len(body_), 65536):
        yield body_[i:i + 65536]


import http.client as hc  # noqa
c = hc.HTTPConnection("127.0.0.1", r.port, timeout=30)
try:
    c.request("POST", "/submit/%s/hundeanmeldung" % hcity, body=chunks(),
              headers={"Origin": ORIGIN, "Content-Type": ctype, "Accept": "application/json"},
              encode_chunked=True)
    st = c.getresponse().status
except (OSError, hc.HTTPException) as ex:
    st = "closed (%s)" % type(ex).__name__
finally:
    c.close()
ok(st == 413, "chunked body above max_body -> 413", st)
ok(count_submissions(r) == n0, "nothing stored for 413")

# ---- honeypot ----
n0 = count_submissions(r)
st, h, _ = post(r, hcity, "hundeanmeldung", valid_values(H) + [("hp_website", "http://spam.example")])
ok(st == 303 and "/bestaetigung/" in h.get("location", ""), "honeypot filled -> pretend 303", st)
ok(count_submissions(r) == n0, "honeypot post not stored")
st, _, _ = post(r, hcity, "hundeanmeldung", valid_values(H) + [("hp_website", "")])
ok(st == 303 and count_submissions(r) == n0 + 1, "empty honeypot is a normal post")

# ---- healthz / metrics ----
st, h, body = r.request("GET", "/healthz")
j = json.loads(body)
ok(st == 200 and j["database"] == "ok" and j["outbox_depth"] >= 1 and "oldest_undelivered_age_seconds" in j,
   "healthz: database, outbox depth, oldest age", body)
st, h, body = r.request("GET", "/metrics")
m = body.decode()
acc = re.search(r"^relayd_submissions_accepted_total (\d+)$", m, re.M)
ok(st == 200 and acc and int(acc.group(1)) == count_submissions(r), "metrics: accepted = rows stored", m[:300])
for reason in ["origin", "too_large", "media_type", "invalid", "honeypot", "not_found", "bad_request"]:
    g = re.search(r'^relayd_submissions_rejected_total\{reason="%s"\} (\d+)$' % reason, m, re.M)
    ok(g and int(g.group(1)) > 0, "metrics count rejected reason=%s" % reason)
ok(re.search(r"^relayd_outbox_depth \d+$", m, re.M) and re.search(r"^relayd_mails_failed \d+$", m, re.M),
   "metrics: outbox depth and mail counts")
ok(r.stop() == 0, "SIGTERM -> exit 0")
log = r.logtext()
ok("ERROR: AddressSanitizer" not in log and "runtime error" not in log, "no sanitizer reports", log[-500:])

# ---- the real catalogue: one source of truth with the site ----
rr = Relay("real", content=os.path.join(ROOT, "content")).start()
real = rr.dump_forms()
acc = [f for f in real if f["accepting"]]
ok(all(any(f["service"] == s for f in acc) for s in FIVE), "content/: the five named forms are offered",
   sorted({f["service"] for f in acc} & set(FIVE)))
bad = []
for f in acc:
    st, _, body = post(rr, f["city"], f["service"], valid_values(f))
    if st != 303:
        bad.append((f["city"], f["service"], st, body[:200]))
ok(acc and not bad, "content/: a valid post to each of the %d offered city x service forms is stored" % len(acc), bad[:3])
ok(count_submissions(rr) == len(acc), "content/: one row per post")
ok(rr.stop() == 0, "relay on content/ exits 0")

# ---- 429 ----
r2 = Relay("ratelimit", limits={"rate_per_ip_per_minute": 5}).start()
sts = [post(r2, hcity, "hundeanmeldung", valid_values(H))[0] for _ in range(5)]
st, h, _ = post(r2, hcity, "hundeanmeldung", valid_values(H))
ok(sts == [303] * 5, "5 posts within 5/minute accepted", sts)
ok(st == 429 and int(h.get("retry-after", "0")) >= 1, "6th post -> 429 with Retry-After", (st, h.get("retry-after")))
ok(count_submissions(r2) == 5, "429 stored nothing")
st, _, _ = post(r2, hcity, "hundeanmeldung", valid_values(H), headers={"X-Real-IP": "192.0.2.7"})
ok(st == 303, "another client behind the loopback proxy (X-Real-IP) has its own budget", st)
# an IPv6 client is its /64 (client_addr.h): a host that takes a new
# address of its network for every post is still one client
v6 = ["2001:db8:7:1::%x" % i for i in range(1, 6)] + ["2001:DB8:7:1:FFFF:0:0:9"]
sts = [post(r2, hcity, "hundeanmeldung", valid_values(H), headers={"X-Real-IP": a})[0] for a in v6]
ok(sts == [303] * 5 + [429], "six posts from six addresses of one IPv6 /64: the 6th -> 429", sts)
st, _, _ = post(r2, hcity, "hundeanmeldung", valid_values(H), headers={"X-Real-IP": "2001:db8:7:2::1"})
ok(st == 303, "the next /64 is another client", st)
sts = [post(r2, hcity, "hundeanmeldung", valid_values(H), headers={"X-Real-IP": a})[0]
       for a in ["::ffff:192.0.2.7"] * 4 + ["192.0.2.7"]]
ok(sts == [303] * 4 + [429], "an IPv4-mapped address is its IPv4 address (its 6th post -> 429)", sts)
ok(count_submissions(r2) == 5 + 1 + 5 + 1 + 4, "the 429s stored nothing")
ok(r2.stop() == 0, "rate-limited relay exits 0")

# ---- --no-store ----
r3 = Relay("nostore", no_store=True).start()
st, h, _ = post(r3, hcity, "hundeanmeldung", valid_values(H))
ok(st == 303, "--no-store validates and answers 303", st)
st, _, body = post(r3, hcity, "hundeanmeldung", with_(H, email="x"))
ok(st == 422, "--no-store still validates", st)
ok(not os.path.exists(r3.db), "--no-store creates no database")
ok(r3.stop() == 0, "--no-store relay exits 0")
done()
