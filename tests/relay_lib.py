"""relay_lib - helpers for the relayd tests: start the real daemon on a
loopback port with a fresh database, build valid posts for every form
from `relayd --dump-forms`, send raw HTTP (urlencoded or multipart), and
TAP-style reporting (ok, skip, done: re-exported from tests/tap.py).
Standard library only (Debian's /usr/bin/python3).

The store is SQLite (a fresh file) unless RELAY_STORE=postgresql: then a
fresh database on the PostgreSQL server of tests/pg_lib.py (tests/run
runs the relay tests a second time that way). Relay.rows() reads either
with the same SQL ('?' placeholders); a test that checks something only
one backend has asks Relay.pg / STORE and skips with a reason.

Reusable by other relay tests (delivery): start_relay(smtp_url=...),
valid_values(form), post(...), burst(...)."""
import http.client
import json
import re
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

from tap import ok, skip, done  # noqa: F401 (re-exported: from relay_lib import *)

STORE = os.environ.get("RELAY_STORE", "sqlite")
if STORE not in ("sqlite", "postgresql"):
    raise SystemExit("RELAY_STORE must be sqlite or postgresql, not %r" % STORE)
PG = STORE == "postgresql"

ROOT = os.environ.get("ROOT", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RELAYD = os.environ.get("RELAYD", os.path.join(ROOT, "bin/asan/relayd"))
TMP = os.environ.get("TEST_TMP") or "/tmp"
ORIGIN = "https://www.serviceportal-emscher-lippe.de"
FIXTURE = os.path.join(ROOT, "tests/fixtures/content")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Relay:
    """A running relayd. .port, .db (a file, or a PostgreSQL conninfo),
    .sock and .lock (admin socket and lock file), .pg, .log (path), .proc"""

    def __init__(self, name="relay", content=FIXTURE, limits=None, extra="",
                 smtp_url=None, no_store=False, db=None, port=None, receipt=False,
                 origins=(), smtp_extra="", inbox=None, notify="full", public_url=None):
        self.dir = os.path.join(TMP, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        self.pg = PG
        if PG:
            import pg_lib
            self.db = db or pg_lib.server().new_database(name)
            # a database server has no file to put the socket beside
            self.sock = os.path.join(self.dir, "relay.sock")
            if "admin_socket:" not in extra:
                extra = "admin_socket: %s\n" % self.sock + extra
        else:
            self.db = db or os.path.join(self.dir, "relay.db")
            self.sock = self.db + ".sock"
        self.lock = self.sock + ".lock" if PG else self.db + ".lock"
        self.cfg = os.path.join(self.dir, "relay.yml")
        self.log = os.path.join(self.dir, "relayd.log")
        self.content = content
        self.no_store = no_store
        lim = {"max_body": 1048576, "max_connections": 512, "max_per_ip": 512,
               "timeout": 5, "request_deadline": 10, "rate_per_ip_per_minute": 0}
        lim.update(limits or {})
        smtp_url = smtp_url or "smtp://127.0.0.1:%d" % free_port()
        with open(self.cfg, "w") as f:
            f.write("listen: 127.0.0.1\nport: %d\ndatabase: %s\n" % (self.port, self.db))
            f.write("content_dir: %s\nthemes_dir: %s\n" % (content, os.environ.get(
                "RELAY_THEMES", os.path.join(ROOT, "themes"))))
            # two relayd behind one address share public_url (public_url=)
            f.write("public_url: %s\n" % (public_url or "http://127.0.0.1:%d" % self.port))
            f.write("allowed_origins:\n  - %s\n  - http://localhost:8080\n" % ORIGIN)
            for o in origins:
                f.write("  - %s\n" % o)
            f.write("smtp:\n  url: %s\n  from: relay@example.de\n" % smtp_url)
            f.write(smtp_extra)
            f.write("limits:\n")
            for k, v in lim.items():
                f.write("  %s: %s\n" % (k, v))
            f.write("receipt: %s\n" % ("true" if receipt else "false"))
            # the tests talk plain HTTP to 127.0.0.1: no Secure cookies
            inb = {"cookie_secure": "false"}
            inb.update(inbox or {})
            f.write("inbox:\n")
            for k, v in inb.items():
                f.write("  %s: %s\n" % (k, v))
            # The tests written before the notification modes check the
            # full office mail (answers, attachments): their offices get
            # `full`. notify=None writes no notify section (relayd's
            # default, link); a dict {"city/role": mode} lists offices
            # under a default of link.
            if "notify:" not in extra and notify is not None:
                if isinstance(notify, dict):
                    f.write("notify:\n  default: link\n  offices:\n")
                    for k, v in notify.items():
                        f.write("    %s: %s\n" % (k, v))
                else:
                    f.write("notify:\n  default: %s\n" % notify)
            f.write(extra)
        self.proc = None

    def start(self, wait=True):
        args = [RELAYD, "--config", self.cfg] + (["--no-store"] if self.no_store else [])
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=self.logf)
        if wait:
            for _ in range(300):
                if self.proc.poll() is not None:
                    raise RuntimeError("relayd exited %s: %s" % (self.proc.returncode, self.logtext()[-2000:]))
                try:
                    st, _, _ = self.request("GET", "/healthz")
                    if st == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            raise RuntimeError("relayd did not come up: " + self.logtext()[-2000:])
        return self

    def logtext(self):
        try:
            with open(self.log, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        """SIGTERM; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            rc = "timeout"
        self.logf.close()
        return rc

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.logf.close()

    def request(self, method, path, body=None, headers=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
        finally:
            c.close()

    def dump_forms(self):
        out = subprocess.run([RELAYD, "--config", self.cfg, "--dump-forms"],
                             capture_output=True, check=True).stdout
        return json.loads(out)

    def write(self, statements):
        """Runs [(sql, args)] ('?' placeholders) in one transaction, either
        backend: for tests that set up a state (e.g. age submissions) while
        relayd is stopped."""
        if self.pg:
            import psycopg2
            con = psycopg2.connect(self.db)
            try:
                with con:
                    cur = con.cursor()
                    for sql, args in statements:
                        cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(args))
            finally:
                con.close()
            return
        con = sqlite3.connect(self.db, timeout=10)
        try:
            with con:
                for sql, args in statements:
                    con.execute(sql, args)
        finally:
            con.close()

    def rows(self, sql, args=()):
        """Rows of sql ('?' placeholders) on the database, either backend."""
        if self.pg:
            import pg_lib
            return pg_lib.server().rows(self.db, sql, args)
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()


def value_for(f):
    """A valid value for one field (str, or bytes for a file)."""
    t = f["type"]
    ml = f.get("max_length") or 50
    if f.get("format") == "plz":
        return "45964"
    if f.get("format") == "iban":
        return "DE89 3704 0044 0532 0130 00"
    if t == "time":
        return "14:30"
    if t == "text":
        return ("Test Ä" * 10)[:min(ml, 12)]
    if t == "textarea":
        return ("Zeile eins\nZeile zwei ü")[:ml]
    if t == "email":
        return "antrag@example.de"
    if t == "tel":
        return "02361 12345"
    if t == "date":
        return "2024-02-29"
    if t == "number":
        lo = f.get("min", 0)
        hi = f.get("max", lo + 10)
        v = lo if lo == int(lo) else (lo + hi) / 2
        v = int(v) if float(v).is_integer() else v
        if v < lo or v > hi:
            v = hi
        return str(v)
    if t in ("select", "radio"):
        return f["options"][-1]
    if t == "checkbox":
        return "ja"
    if t == "file":
        acc = f["accept"]
        return PDF if "application/pdf" in acc else JPEG if "image/jpeg" in acc else PNG
    raise ValueError(t)


def shown_value(f, v):
    """The value as the office mail and the exports show it: for select and
    radio the option's label (relayd --dump-forms lists option_labels next
    to options), for a date DD.MM.YYYY, else the value posted."""
    if f["type"] in ("select", "radio") and v in f.get("options", []):
        return f["option_labels"][f["options"].index(v)]
    if f["type"] == "date" and len(v) == 10 and v[4] == "-" and v[7] == "-":
        return "%s.%s.%s" % (v[8:10], v[5:7], v[0:4])
    return v


def stored_option(f, v):
    """What the store keeps as "option" next to the value: the select/radio
    option's value, or a date as posted (the value then reads 29.02.2024);
    None for every other type."""
    if f["type"] in ("select", "radio") or (f["type"] == "date" and v):
        return v
    return None


def valid_values(form):
    """[(name, value)] filling every field (files as bytes); a choice that
    conditional fields depend on gets an answer that shows them, so every
    field is kept."""
    vals = {f["name"]: value_for(f) for f in form["fields"]}
    for f in form["fields"]:
        w = f.get("when")
        if w and vals.get(w["field"]) not in w["is"]:
            vals[w["field"]] = w["is"][0]
    return [(f["name"], vals[f["name"]]) for f in form["fields"]]


def urlencode(pairs):
    return urllib.parse.urlencode([(k, v) for k, v in pairs]).encode()


def multipart(pairs):
    """pairs: (name, str) or (name, bytes) -> file part. Returns (body, ctype)."""
    b = "----relaytest" + uuid.uuid4().hex
    out = []
    for i, (k, v) in enumerate(pairs):
        out.append(("--%s\r\n" % b).encode())
        if isinstance(v, bytes):
            out.append(('Content-Disposition: form-data; name="%s"; filename="upload%d.bin"\r\n'
                        'Content-Type: application/octet-stream\r\n\r\n' % (k, i)).encode())
            out.append(v)
        else:
            out.append(('Content-Disposition: form-data; name="%s"\r\n\r\n' % k).encode())
            out.append(v.encode())
        out.append(b"\r\n")
    out.append(("--%s--\r\n" % b).encode())
    return b"".join(out), "multipart/form-data; boundary=" + b


def post(relay, city, service, pairs, origin=ORIGIN, json_accept=True, headers=None,
         multi=None):
    """POST a form; multi=None picks multipart when a file is present."""
    has_file = any(isinstance(v, bytes) for _, v in pairs)
    if multi is None:
        multi = has_file
    if multi:
        body, ctype = multipart(pairs)
    else:
        body, ctype = urlencode([(k, v) for k, v in pairs if not isinstance(v, bytes)]), \
            "application/x-www-form-urlencoded"
    h = {"Content-Type": ctype}
    if origin:
        h["Origin"] = origin
    if json_accept:
        h["Accept"] = "application/json"
    h.update(headers or {})
    return relay.request("POST", "/submit/%s/%s" % (city, service), body, h)


def count_submissions(relay):
    return relay.rows("SELECT count(*) FROM submissions")[0][0]


def burst(relay, form, n, conc=50):
    """n concurrent valid posts; returns [(reference, token)] of those that
    got a 303 (reference from the JSON body, token from Location)."""
    got = []
    lock = threading.Lock()
    idx = iter(range(n))

    def worker():
        while True:
            with lock:
                i = next(idx, None)
            if i is None:
                return
            try:
                st, h, body = post(relay, form["city"], form["service"], valid_values(form))
            except OSError:
                continue
            if st == 303:
                with lock:
                    got.append((json.loads(body)["reference"], h["location"].rsplit("/", 1)[1]))

    ts = [threading.Thread(target=worker) for _ in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return got


def raw_exchange(port, data, timeout=30):
    """Sends raw bytes (ignoring a peer that hangs up early, as a server
    answering 413 before the body may) and returns the raw answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except OSError:
                break
            if not b:
                break
            out += b
        return out
    finally:
        s.close()


def chunked_post(port, path, body, headers=b""):
    """POSTs body urlencoded without a Content-Length, in chunks of 8 KiB
    (Transfer-Encoding: chunked), so the server counts it as it comes; the
    status, or None when the server hung up without an answer."""
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 8192]), body[i:i + 8192])
                      for i in range(0, len(body), 8192))
    data = (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n" +
            headers + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
    return raw_status(raw_exchange(port, data, timeout=10))


def raw_status(answer):
    m = answer.split(b"\r\n", 1)[0].split()
    return int(m[1]) if len(m) >= 2 and m[1].isdigit() else None


def wait_until(cond, timeout, step=0.2):
    """Polls cond() until it is true or timeout seconds passed; its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


def metric(relay, name):
    """The value of an unlabelled /metrics line, or None."""
    st, _, body = relay.request("GET", "/metrics")
    m = re.search(r"^%s (\d+)$" % re.escape(name), body.decode(), re.M)
    return int(m.group(1)) if m else None

