#!/usr/bin/python3
"""inbox.py - the clerks' inbox part of `make bench-relay` (issue 11,
point 5): the first page of the inbox list of an office with 100,000 stored
applications (and 20,000 of another office beside them), on the store
RELAY_STORE names (sqlite or postgresql; tests/run's conventions through
tests/relay_lib.py), with the release relayd (RELAYD) and relayctl
(RELAYCTL).

The rows are written straight into the database while relayd is stopped
(one INSERT ... SELECT; what 120,000 posts would leave, without their
attachments and mails), then the tables are analysed as PostgreSQL's
autovacuum and SQLite's `PRAGMA optimize` would, relayd is started, a
clerk logs in, and GET /amt/ is timed over loopback: the first request
after the start, then 30 more (p50, p95), and the first page filtered by
status, and the deepest page the list offers (200). Prints one line and
whether the target (first page under 50 ms) is met."""
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.parse

ROOT = os.environ.get("ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import relay_lib as L  # noqa: E402

N_OFFICE, N_OTHER = 100000, 20000
RELAYCTL = os.environ.get("RELAYCTL", os.path.join(ROOT, "bin/relayctl"))

SQLITE_FILL = """
INSERT INTO submissions(reference, token, token_hash, city, service, city_name,
  service_title, recipient, office_name, applicant_email, received_at,
  received_unix, fields, office, status)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {total}),
t(i, at) AS (SELECT i, {now} - ({total} - i) * 250 FROM n)
SELECT printf('BEN-2026-%07d', i), printf('bench%019d', i), randomblob(32),
  CASE WHEN i % 6 = 0 THEN 'bottrop' ELSE 'dorsten' END, 'hundeanmeldung',
  CASE WHEN i % 6 = 0 THEN 'Bottrop' ELSE 'Dorsten' END, 'Hund anmelden',
  'steueramt@example.de', 'Steueramt', '', strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch'),
  at, '[{{"name":"vorname","label":"Vorname","value":"Erika"}}]', 'steueramt',
  CASE i % 10 WHEN 0 THEN 'abgeschlossen' WHEN 1 THEN 'in_bearbeitung' ELSE 'neu' END
FROM t"""

PG_FILL = """
INSERT INTO submissions(reference, token, token_hash, city, service, city_name,
  service_title, recipient, office_name, applicant_email, received_at,
  received_unix, fields, office, status)
SELECT 'BEN-2026-' || lpad(i::text, 7, '0'), 'bench' || lpad(i::text, 19, '0'),
  sha256(convert_to('bench' || i, 'UTF8')),
  CASE WHEN i % 6 = 0 THEN 'bottrop' ELSE 'dorsten' END, 'hundeanmeldung',
  CASE WHEN i % 6 = 0 THEN 'Bottrop' ELSE 'Dorsten' END, 'Hund anmelden',
  'steueramt@example.de', 'Steueramt', '',
  to_char(to_timestamp(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
  at, '[{{"name":"vorname","label":"Vorname","value":"Erika"}}]', 'steueramt',
  CASE i % 10 WHEN 0 THEN 'abgeschlossen' WHEN 1 THEN 'in_bearbeitung' ELSE 'neu' END
FROM (SELECT i, {now} - ({total} - i) * 250 AS at
      FROM generate_series(1, {total}) AS g(i)) AS t"""


def fill(relay):
    now, total = int(time.time()), N_OFFICE + N_OTHER
    if relay.pg:
        import pg_lib
        pg = pg_lib.server()
        pg.rows(relay.db, PG_FILL.format(now=now, total=total))
        con = pg.connect(relay.db.split("dbname=")[1].split()[0])
        con.cursor().execute("VACUUM ANALYZE submissions")
        con.close()
    else:
        relay.write([(SQLITE_FILL.format(now=now, total=total), ())])
        relay.write([("ANALYZE", ())])


def request(relay, method, path, body=None, cookies=""):
    h = {"Cookie": cookies} if cookies else {}
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode(body)
    c = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=60)
    try:
        t = time.perf_counter()
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        ms = (time.perf_counter() - t) * 1000
        return r.status, [v.split(";")[0] for v in r.msg.get_all("Set-Cookie") or []], data, ms
    finally:
        c.close()


def login(relay):
    st, cookies, page, _ = request(relay, "GET", "/amt/anmelden")
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
    st, cookies, _, _ = request(relay, "POST", "/amt/anmelden", {
        "csrf": csrf, "benutzername": "bench", "passwort": "Bench-geheim-2026"}, cookies[0])
    return next(c for c in cookies if c.startswith("amt_sitzung="))


def main():
    relay = L.Relay("inbox-bench", limits={"max_connections": 64})
    relay.start()
    try:
        p = subprocess.run([RELAYCTL, "--config", relay.cfg, "user", "add", "bench", "--office",
                            "dorsten/steueramt"], input="Bench-geheim-2026\n",
                           capture_output=True, text=True)
    except OSError as e:    # no relayctl: stop relayd all the same
        p = subprocess.CompletedProcess(RELAYCTL, 127, "", str(e))
    finally:
        relay.stop()
    if p.returncode != 0:
        print("inbox %s: relayctl user add failed: %s" % (L.STORE, p.stderr.strip()))
        return 1
    t = time.perf_counter()
    fill(relay)
    load_s = time.perf_counter() - t
    relay.start()
    try:
        session = login(relay)
        st, _, page, cold = request(relay, "GET", "/amt/", cookies=session)
        total = re.search(rb"von ((mehr als )?[\d.]+), die neuesten", page)
        rows = page.count(b'/amt/antrag/')
        warm = sorted(request(relay, "GET", "/amt/", cookies=session)[3] for _ in range(30))
        filt = sorted(request(relay, "GET", "/amt/?status=in_bearbeitung", cookies=session)[3]
                      for _ in range(10))
        deep = request(relay, "GET", "/amt/?seite=200", cookies=session)[3]
    finally:
        rc = relay.stop()
    p50, p95 = warm[len(warm) // 2], warm[int(len(warm) * 0.95) - 1]
    ok = st == 200 and rows == 50 and p50 < 50 and cold < 50
    print("inbox list (%s): %d applications of the office among %d stored (loaded in %.1f s), "
          "the page says \"%s\": first page %s, %d rows; first request after start %.1f ms, "
          "then p50 %.1f ms, p95 %.1f ms; filtered by status p50 %.1f ms; page 200 (the last "
          "it pages to) %.1f ms; target < 50 ms: %s%s"
          % (L.STORE, N_OFFICE, N_OFFICE + N_OTHER, load_s,
             total.group(1).decode() if total else "?",
             st, rows, cold, p50, p95, filt[len(filt) // 2], deep,
             "met" if ok else "NOT met", "" if rc == 0 else " (relayd exited %s)" % rc))
    return 0 if st == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
