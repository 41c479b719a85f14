#!/usr/bin/python3
"""relayd against hostile multipart bodies: parts without a usable name
(the SIGSEGV of issue 10), a body without its declared boundary, each sent
with Content-Length and again chunked. Every one must get its documented
status (400), store nothing, and leave the daemon answering."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_lib import *  # noqa

r = Relay("hostile").start()
forms = {(f["city"], f["service"]): f for f in r.dump_forms()}
H = forms[("dorsten", "hundeanmeldung")]

B = b"xyzzy"
VARIANTS = [
    ("part without a name", b'Content-Disposition: form-data\r\n\r\nx\r\n'),
    ("garbled Content-Disposition", b'Content-Disposition: f\x00rm;;;==\r\n\r\nx\r\n'),
    ("Name= with nothing after it", b'Content-Disposition: form-data; name=\r\n\r\nx\r\n'),
    ("empty quoted name", b'Content-Disposition: form-data; name=""\r\n\r\nx\r\n'),
    ("NUL byte in the name", b'Content-Disposition: form-data; name="\x00vorname"\r\n\r\nx\r\n'),
    ("no Content-Disposition at all", b'Content-Type: text/plain\r\n\r\nx\r\n'),
    ("a file part without a name", b'Content-Disposition: form-data; filename="a.pdf"\r\n'
     b'Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n'),
]


def body_of(part):
    return b"--" + B + b"\r\n" + part + b"--" + B + b"--\r\n"


def send(body, chunked, ctype=b"multipart/form-data; boundary=" + B):
    head = (b"POST /submit/dorsten/hundeanmeldung HTTP/1.1\r\nHost: x\r\nOrigin: " +
            ORIGIN.encode() + b"\r\nAccept: application/json\r\nContent-Type: " + ctype +
            b"\r\nConnection: close\r\n")
    if chunked:
        mid = len(body) // 2
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (body[:mid], body[mid:]) if c)
        data = head + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    else:
        data = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    return raw_status(raw_exchange(r.port, data, timeout=10))


def alive():
    try:
        st, _, _ = r.request("GET", "/healthz", timeout=5)
    except OSError:
        return False
    return st == 200 and r.proc.poll() is None


for chunked in (False, True):
    how = "chunked" if chunked else "Content-Length"
    for what, part in VARIANTS:
        st = send(body_of(part), chunked)
        ok(st == 400, "%s (%s) -> 400" % (what, how), st)
        ok(alive(), "relayd still answers after: %s (%s)" % (what, how))
    # a valid form's fields, but the body never contains its boundary
    good, _ = multipart(valid_values(H))
    st = send(good, chunked, b"multipart/form-data; boundary=notinthebody")
    ok(st == 400, "multipart body without its declared boundary (%s) -> 400" % how, st)
    st = send(b"", chunked)
    ok(st == 400, "empty multipart body (%s) -> 400" % how, st)
    ok(alive(), "relayd still answers after the boundary cases (%s)" % how)

ok(count_submissions(r) == 0, "nothing stored from hostile bodies", count_submissions(r))
st, h, _ = r.request("GET", "/healthz")
ok(h.get("content-security-policy", "").startswith("default-src 'none'") and
   "frame-ancestors 'none'" in h.get("content-security-policy", ""),
   "answers that are no page load nothing (Content-Security-Policy default-src 'none')", h)
st, h, _ = r.request("GET", "/gibt-es-nicht")
csp = h.get("content-security-policy", "")
ok(st == 404 and "style-src" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp,
   "the themed 404 page carries the pages' policy as a header", csp)
# The same daemon still takes a real application afterwards.
st, _, _ = post(r, "dorsten", "hundeanmeldung", valid_values(H))
ok(st == 303, "a valid multipart post afterwards -> 303", st)
ok(count_submissions(r) == 1, "and it is stored")
ok(r.stop() == 0, "exit 0 after SIGTERM")
done()
