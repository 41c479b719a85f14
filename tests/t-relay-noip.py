#!/usr/bin/python3
"""t-relay-noip - The Datenschutz page (themes/default/datenschutz.mustache) promises that
the citizen's IP address is used only briefly against abuse and is not
stored with the application. Posts come from addresses relayd really
uses (X-Real-IP from the proxy on loopback: the rate limit proves it),
then the database file (and WAL), its schema, the office mails and
relayd's log are searched for those addresses."""
import glob, json, os, subprocess, sys
ROOT = os.environ.get("ROOT", os.getcwd())
import relay_lib as L
from relay_lib import ok
import smtp_sink as S

IP1, IP2 = "203.0.113.77", "2001:db8::4711"
sinkdir = os.path.join(L.TMP, "sink")
sink = S.Sink(sinkdir, L.free_port()).start()
relay = L.Relay("noip", smtp_url="smtp://127.0.0.1:%d" % sink.port,
                limits={"rate_per_ip_per_minute": 2}, receipt=True).start()
try:
    form = [f for f in relay.dump_forms() if f["service"] == "hundeanmeldung"][0]

    def send(ip):
        return L.post(relay, form["city"], form["service"], L.valid_values(form),
                      headers={"X-Real-IP": ip})[0]

    got = [send(IP1), send(IP1), send(IP1), send(IP2)]
    ok(got == [303, 303, 429, 303],
       "relayd takes the client address from X-Real-IP (rate limit per address: 303 303 429, "
       "another address 303)", got)
    ok(sink.wait(6, 60), "the 3 office mails and 3 receipts arrived", sink.count())
finally:
    rc = relay.stop()
    sink.stop()
ok(rc == 0, "relayd stopped cleanly")

needles = [IP1.encode(), IP2.encode(), IP2.replace("::", ":0:0:0:0:0:").encode()]
blob = b""
if relay.pg:
    # the whole database as pg_dump writes it (data and schema)
    import pg_lib
    blob = subprocess.run([os.path.join(pg_lib.pg_bin(), "pg_dump"), "-d", relay.db],
                          capture_output=True, check=True).stdout
    cols = [(t, c) for t, c in relay.rows("SELECT table_name, column_name FROM"
                                         " information_schema.columns WHERE table_schema = 'public'")]
else:
    for p in glob.glob(relay.db + "*"):
        if os.path.isfile(p):
            with open(p, "rb") as f:
                blob += f.read()
    cols = []
    for t in ("submissions", "attachments", "outbox", "events"):
        cols += [(t, r[1]) for r in relay.rows("PRAGMA table_info(%s)" % t)]
ok(len(blob) > 0 and not any(n in blob for n in needles),
   "neither address appears anywhere in the database (SQLite: the file and its WAL; "
   "PostgreSQL: pg_dump of it)")
ok(cols and not [c for c in cols if "ip" in c[1].split("_") or "addr" in c[1] or "remote" in c[1]],
   "no table has a column for a client address", cols)
# (token_hash is binary: shown as hex, an address would not hide in it)
hexed = lambda rows: [[c.hex() if isinstance(c, (bytes, memoryview)) else c for c in r] for r in rows]
dump = json.dumps(hexed(relay.rows("SELECT * FROM submissions"))) + \
    json.dumps(hexed(relay.rows("SELECT * FROM events")))
ok(relay.rows("SELECT count(*) FROM submissions")[0][0] == 3 and
   not any(n.decode() in dump for n in needles), "the 3 stored applications hold no address")
mails = b"".join(raw for _, raw, _ in S.messages(sinkdir))
ok(mails.count(b"Message-ID:") == 6 and not any(n in mails for n in needles),
   "no mail (office or receipt) carries the address")
log = relay.logtext()
ok("event=accepted" in log and not any(n.decode() in log for n in needles),
   "relayd's log does not name the address")
L.done()
