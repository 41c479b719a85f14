#!/usr/bin/python3
"""t-deliver-forms - relayd delivery, happy path: the five named forms (every city offering
them) posted to the real daemon with the real content/ and a real SQLite
file; tests/smtp_sink.py (aiosmtpd) receives the mails, Python's email
package parses them. Checks every field label + value, attachments
decoded byte-equal, the RFC 2047 subject, Reply-To, recipient per city,
the receipt (no field values), and a header-injection attempt."""
import hashlib, json, os, sys
ROOT = os.environ.get("ROOT", os.getcwd())
import relay_lib as L
from relay_lib import ok
import smtp_sink as S

FORMS = ["hundeanmeldung", "geburtsurkunde", "eheurkunde",
         "sondernutzungserlaubnis", "private-veranstaltung"]


def distinct_values(form, seq):
    """A valid value per field, each text value different from the others
    (so a label printed with the wrong value is noticed)."""
    out = []
    for i, f in enumerate(form["fields"]):
        v = L.value_for(f)
        ml = f.get("max_length") or 100
        if f.get("format"):             # a postcode, an IBAN: only valid ones,
            v = v.replace(" ", "")      # written as relayd stores them
        elif f["type"] == "text" and ml >= 12:
            v = ("W%d-%d Grüße" % (seq, i))[:ml]
        elif f["type"] == "text":
            v = str(10000 + seq * 50 + i)[:ml]
        elif f["type"] == "textarea":
            v = ("Zeile %d-%d eins\r\nzwei äöü ß\r\n.\r\ndrei" % (seq, i))[:ml]
        out.append((f["name"], v))
    return out


def norm(t):
    return (t or "").replace("\r\n", "\n")


def field_shown(text, label, value):
    if "\n" in value.replace("\r\n", "\n"):
        lines = value.replace("\r\n", "\n").split("\n")
        return (label + ":\n" + "\n".join("  " + x for x in lines) + "\n") in text
    return ("\n" + label + ": " + value + "\n") in text


sink = S.Sink(os.path.join(L.TMP, "sink"), L.free_port()).start()
relay = L.Relay("forms", content=os.path.join(ROOT, "content"),
                smtp_url="smtp://127.0.0.1:%d" % sink.port, receipt=True,
                extra="retry:\n  initial: 1\n  max: 2\n  lifetime_seconds: 120\n").start()
try:
    forms = [f for f in relay.dump_forms() if f["service"] in FORMS and f["accepting"]]
    ok(set(f["service"] for f in forms) == set(FORMS),
       "content offers all five named forms", sorted(set(f["service"] for f in forms)))
    posted = {}        # reference -> (form, pairs)
    for n, form in enumerate(forms):
        pairs = distinct_values(form, n)
        st, h, body = L.post(relay, form["city"], form["service"], pairs)
        if st != 303:
            ok(False, "post %s/%s" % (form["city"], form["service"]), (st, body[:300]))
            continue
        posted[json.loads(body)["reference"]] = (form, pairs)
    ok(len(posted) == len(forms), "all %d posts (5 forms x their cities) got their 303" % len(forms))

    # receipts: one per post with an applicant address
    expect = len(posted) + sum(1 for f, _ in posted.values() if f.get("applicant_email"))
    ok(sink.wait(expect, 180), "%d mails arrived (office + receipts)" % expect, sink.count())
    mails = sink.messages()
    by_id = {}
    for m in mails:
        by_id.setdefault(m["message_id"], []).append(m)
    ok(all(len(v) == 1 for v in by_id.values()), "no Message-ID arrived twice")
    ok(all(not m["defects"] for m in mails), "Python's email parser finds no defects",
       [m["defects"] for m in mails if m["defects"]][:3])

    host = "127.0.0.1"
    bad_fields, bad_files, bad_subject, bad_rcpt, bad_reply, bad_receipt = [], [], [], [], [], []
    umlaut_subjects = 0
    options_checked = 0
    for ref, (form, pairs) in posted.items():
        row = relay.rows("SELECT city_name, service_title, recipient, applicant_email "
                         "FROM submissions WHERE reference = ?", (ref,))[0]
        city_name, title, recipient, applicant = row
        office = by_id.get("<%s@%s>" % (ref, host), [None])[0]
        if office is None:
            bad_fields.append((ref, "no office mail"))
            continue
        text = norm(office["text"])
        for f, (name, v) in zip(form["fields"], pairs):
            if isinstance(v, bytes):
                continue
            shown = L.shown_value(f, v)
            label = f["long_label"]     # "2. Hund: Rasse" in a group
            if not field_shown(text, label, shown):
                bad_fields.append((ref, label, shown))
            if shown != v:
                # select/radio: the office reads the option's label, never
                # the catalogue's internal value
                options_checked += 1
                if ("\n%s: %s\n" % (label, v)) in text:
                    bad_fields.append((ref, label, "shows the option value " + v))
        want = sorted(hashlib.sha256(v).hexdigest() for _, v in pairs if isinstance(v, bytes))
        got = sorted(a["sha256"] for a in office["attachments"])
        if want != got or any("/" in a["filename"] or a["filename"].startswith("upload")
                              for a in office["attachments"]):
            bad_files.append((ref, want, got, [a["filename"] for a in office["attachments"]]))
        if office["subject"] != "Neuer Antrag: %s – %s – %s" % (title, city_name, ref):
            bad_subject.append((ref, office["subject"]))
        raw_subject = [l for l in office["raw_header_lines"] if l.startswith("Subject:")][0]
        if "=?UTF-8?B?" in raw_subject and all(ord(c) < 128 for c in raw_subject):
            umlaut_subjects += 1
        if any(len(l) > 78 for l in office["raw_header_lines"] if not l.startswith("Content-Type")):
            bad_subject.append((ref, "header line > 78"))
        if office["envelope"].get("rcpt_tos") != [recipient]:
            bad_rcpt.append((ref, office["envelope"], recipient))
        if applicant and office["reply_to"] != applicant:
            bad_reply.append((ref, office["reply_to"], applicant))
        for label in ("Vorgangsnummer: " + ref, "Stadt: " + city_name, "Leistung: " + title):
            if label not in text:
                bad_fields.append((ref, label))
        if applicant:
            rc = by_id.get("<%s.receipt@%s>" % (ref, host), [None])[0]
            if rc is None or rc["envelope"].get("rcpt_tos") != [applicant] or rc["attachments"]:
                bad_receipt.append((ref, "missing or wrong receipt"))
            else:
                rtext = norm(rc["text"])
                leaked = [v for _, v in pairs if isinstance(v, str) and len(v) > 3
                          and v.replace("\r\n", "\n").split("\n")[0] in rtext]
                if leaked or ref not in rtext:
                    bad_receipt.append((ref, leaked))
    ok(not bad_fields, "every field's label and value (in form order) is in each office mail "
       "(%d mails)" % len(posted), bad_fields[:5])
    ok(options_checked >= len(posted) // 2,
       "select/radio answers appear as the option's label (%d checked), not its value"
       % options_checked)
    ok(not bad_files, "attachments decode byte-equal to what was posted, under generated names",
       bad_files[:3])
    ok(not bad_subject, "subjects decode to 'Neuer Antrag: <service> – <city> – <ref>', "
       "header lines <= 78", bad_subject[:3])
    ok(umlaut_subjects == len(posted), "every subject (with its dash/umlauts) was RFC 2047-encoded, pure ASCII on the wire: %d/%d"
       % (umlaut_subjects, len(posted)))
    ok(not bad_rcpt, "each mail went to the city's recipient from the catalogue", bad_rcpt[:3])
    ok(not bad_reply, "Reply-To is the applicant's address", bad_reply[:3])
    ok(not bad_receipt, "receipt to the applicant: reference, no field values, no attachments",
       bad_receipt[:3])

    # header injection through form values
    hund = [f for f in forms if f["service"] == "hundeanmeldung"][0]
    pairs = distinct_values(hund, 99)
    names = [f["name"] for f in hund["fields"]]
    ta = [f["name"] for f in hund["fields"] if f["type"] == "textarea"]
    inj = "x\r\nBcc: evil@attacker.example\r\nSubject: hacked\r\n\r\nbody"
    pairs = [(k, inj if ta and k == ta[0] else v) for k, v in pairs]
    st, h, body = L.post(relay, hund["city"], hund["service"], pairs)
    ok(st == 303, "a CR/LF textarea value is accepted as text", (st, body[:200]))
    email_field = hund.get("applicant_email")
    pairs2 = [(k, "a@example.de\r\nBcc: evil@attacker.example" if k == email_field else v)
              for k, v in distinct_values(hund, 98)]
    st2, _, body2 = L.post(relay, hund["city"], hund["service"], pairs2)
    ok(st2 == 422, "a CR/LF in the applicant's email address is refused (422)", (st2, body2[:200]))
    ref = json.loads(body)["reference"] if st == 303 else None
    ok(sink.wait(expect + 2, 60), "injection post mailed (office + receipt)")
    m = [x for x in sink.messages() if x["message_id"] == "<%s@%s>" % (ref, host)]
    ok(len(m) == 1, "the injection post's office mail arrived once")
    everything = json.dumps([(x["headers"], x["envelope"]) for x in sink.messages()])
    ok("evil@attacker.example" not in everything and "hacked" not in everything,
       "no header or envelope anywhere contains the injected Bcc/Subject")
    if m:
        ok(m[0]["envelope"]["rcpt_tos"] == [relay.rows(
            "SELECT recipient FROM submissions WHERE reference=?", (ref,))[0][0]],
           "the injection mail went only to the office")
        ok("\n  Bcc: evil@attacker.example\n  Subject: hacked\n" in norm(m[0]["text"]),
           "the injected text is shown indented in the body, as data")
    log = relay.logtext()
    ok(log.count("event=delivered") >= expect + 2, "relayd logged each delivery")
finally:
    relay.stop()
    sink.stop()
L.done()
