"""pay_fake - a payment provider on loopback that speaks relayd's epay
protocol (relay/README.md, "Online payment") for the payment tests
(t-relay-payment.py, t-relay-payment-browser.py, browser/relay_pages.py).
Standard library only (Debian's /usr/bin/python3).

  GET  /bezahlen?merchant=..&reference=..&amount=..&currency=EUR
       &description=..&return_url=..&notify_url=..&timestamp=..&mac=..
       checks the request's MAC with the merchant's key (HMAC-SHA256 over
       the fields before mac, "key=value" joined by "&", values
       percent-encoded but A-Z a-z 0-9 - . _ ~, lower-case hex) and shows
       the amount with the buttons "Bezahlen" and "Abbrechen"; a request
       that fails the check gets 400.
  POST /entscheiden (id, wahl=bezahlt|abbrechen)
       sends the signed notice server to server to notify_url (merchant,
       reference, amount, currency, state=paid|cancelled, txn, timestamp,
       mac), retrying like real providers until it gets a 200 (backoff from
       0.2 s doubling to 2 s, for at most `retry_seconds`), then sends the
       browser to return_url (303).

Control hooks for tests: .tamper (a dict applied to the next notices:
"key" signs with another key, "amount", "currency", "merchant",
"reference", "state" replace a field before signing, "twice" sends each
notice twice), .notice(...) builds one signed body, .send(...) posts one
and returns the status, .deliver_async(...) posts with retries in a
thread; with hold=True it waits before its first attempt until .release()
(.held counts those waiting), so a test can kill relayd while notices are
certainly still to come and then let them be retried against the
restarted one. .requests lists the checked payment requests, .deliveries
every notice attempt as (reference, status or None)."""
import hashlib
import hmac
import html
import http.client
import http.server
import secrets
import threading
import time
import urllib.parse

REQUEST_FIELDS = ("merchant", "reference", "amount", "currency", "description",
                  "return_url", "notify_url", "timestamp")
NOTICE_FIELDS = ("merchant", "reference", "amount", "currency", "state", "txn", "timestamp")


def signed_text(pairs):
    return "&".join("%s=%s" % (k, urllib.parse.quote(str(v), safe="-._~")) for k, v in pairs)


def mac(key, pairs):
    return hmac.new(key.encode(), signed_text(pairs).encode(), hashlib.sha256).hexdigest()


class Provider:
    def __init__(self, merchants, retry_seconds=60):
        """merchants: {merchant id: key}."""
        self.merchants = dict(merchants)
        self.retry_seconds = retry_seconds
        self.tamper = {}
        self.requests = []          # checked requests: dict of their fields
        self.deliveries = []        # (reference, status or None)
        self.pending = {}           # id -> request fields
        self.lock = threading.Lock()
        self.held = 0               # deliveries waiting for release()
        self.released = threading.Event()
        self.threads = []
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.httpd.server_address[1]
        self.page_url = "http://127.0.0.1:%d/bezahlen" % self.port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()

    # ---- the protocol ----

    def check_request(self, query):
        """The request's fields when its MAC is right, else None."""
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if any(k not in q for k in REQUEST_FIELDS + ("mac",)):
            return None
        key = self.merchants.get(q["merchant"])
        if key is None:
            return None
        want = mac(key, [(k, q[k]) for k in REQUEST_FIELDS])
        return q if hmac.compare_digest(want, q["mac"]) else None

    def notice(self, request, pay_state, **over):
        """The urlencoded body of a signed notice for request (its fields),
        state "paid" or "cancelled"; over (or .tamper) replaces fields,
        key= signs with another key."""
        t = dict(self.tamper)
        t.update(over)
        f = {"merchant": request["merchant"], "reference": request["reference"],
             "amount": request["amount"], "currency": request.get("currency", "EUR"),
             "state": pay_state, "txn": "TX-" + secrets.token_hex(6),
             "timestamp": str(int(time.time()))}
        for k in NOTICE_FIELDS:
            if k in t:
                f[k] = str(t[k])
        key = t.get("key") or self.merchants[request["merchant"]]
        pairs = [(k, f[k]) for k in NOTICE_FIELDS]
        return signed_text(pairs + [("mac", mac(key, pairs))]).encode()

    def send(self, notify_url, body, ctype="application/x-www-form-urlencoded"):
        """One attempt: the status, or None when the relay did not answer."""
        u = urllib.parse.urlsplit(notify_url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        try:
            c.request("POST", u.path, body=body, headers={"Content-Type": ctype})
            r = c.getresponse()
            r.read()
            return r.status
        except OSError:
            return None
        finally:
            c.close()

    def release(self):
        """Lets the held deliveries go (and any held one started later)."""
        self.released.set()

    def deliver(self, notify_url, body, reference, hold=False):
        """Posts until a 200, with backoff, for at most retry_seconds (from
        the first attempt, after the hold); the last status."""
        if hold:
            with self.lock:
                self.held += 1
            self.released.wait()
            with self.lock:
                self.held -= 1
        deadline = time.time() + self.retry_seconds
        wait, st = 0.2, None
        while True:
            st = self.send(notify_url, body)
            with self.lock:
                self.deliveries.append((reference, st))
            if st == 200 or time.time() + wait > deadline:
                return st
            time.sleep(wait)
            wait = min(wait * 2, 2.0)

    def deliver_async(self, notify_url, body, reference, hold=False):
        t = threading.Thread(target=self.deliver, args=(notify_url, body, reference, hold),
                             daemon=True)
        t.start()
        with self.lock:
            self.threads.append(t)
        return t

    def join(self, timeout=None):
        with self.lock:
            ts = list(self.threads)
        for t in ts:
            t.join(timeout)

    def choose(self, request, state):
        """What the buttons do: the notice (retried in the background when
        it is not taken at once), then the return address."""
        body = self.notice(request, state)
        if self.deliver_first(request, body) != 200:
            self.deliver_async(request["notify_url"], body, request["reference"])
        if self.tamper.get("twice"):
            self.deliver(request["notify_url"], body, request["reference"])
        return request["return_url"]

    def deliver_first(self, request, body):
        st = self.send(request["notify_url"], body)
        with self.lock:
            self.deliveries.append((request["reference"], st))
        return st

    # ---- the pages ----

    def _handler(self):
        prov = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self, status, body, ctype="text/html; charset=utf-8", location=None):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                if u.path != "/bezahlen":
                    return self.answer(404, "nicht gefunden\n", "text/plain")
                q = prov.check_request(u.query)
                if q is None:
                    return self.answer(400, "<!doctype html><html lang=\"de\"><title>Fehler"
                                       "</title><h1>Ungültige Zahlungsanfrage</h1></html>")
                rid = secrets.token_urlsafe(12)
                with prov.lock:
                    prov.requests.append(q)
                    prov.pending[rid] = q
                euros = "%d,%02d €" % (int(q["amount"]) // 100, int(q["amount"]) % 100)
                page = ("<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">"
                        "<title>Testzahlung</title></head><body><main><h1>Testzahlung</h1>"
                        "<p>%s</p><p>Betrag: <strong class=\"betrag\">%s</strong></p>"
                        "<form method=\"post\" action=\"/entscheiden\">"
                        "<input type=\"hidden\" name=\"id\" value=\"%s\">"
                        "<button name=\"wahl\" value=\"bezahlt\">Bezahlen</button> "
                        "<button name=\"wahl\" value=\"abbrechen\">Abbrechen</button>"
                        "</form></main></body></html>" % (
                            html.escape(q["description"]), euros, rid))
                return self.answer(200, page)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                f = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
                with prov.lock:
                    q = prov.pending.pop(f.get("id", ""), None)
                if self.path != "/entscheiden" or q is None:
                    return self.answer(400, "unbekannt\n", "text/plain")
                state = "paid" if f.get("wahl") == "bezahlt" else "cancelled"
                back = prov.choose(q, state)
                return self.answer(303, "", "text/plain", back)
        return H
