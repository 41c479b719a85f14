#!/usr/bin/python3
"""t-relay-migrate - relayd upgrades a database of an older schema version
on start (issue 14): a version-1 database (tests/fixtures/store/, with one
submission whose office mail is due) becomes version 11 (2: outbox.claimed_by,
3: submissions.token_hash, 4: the clerks' inbox, 5: the Postfach, with the
outbox rebuilt on SQLite, 6: submissions.subject and identity, the
citizen's login, 7: payments, 8: login_pending and citizen_sessions, 9: no unique index on
submissions.token of its own, SQLite rebuilding the table, 10: references
numbered in order, from a counter row or a sequence, 11: no index
submissions_city, and SQLite's outbox and payments rebuilt with their CHECKs
of a list of kinds as comparisons), keeps its submission and its outbox job, the
old job is claimed and mailed through the new column, the old private link
still opens the application page (its hash was computed by the migration),
relayd fills the old row's office from the catalogue at start (version 4's
submissions.office) and its status is "neu"; and (PostgreSQL) relayd's log
masks a password in the
database string. Runs on the backend RELAY_STORE picks (tests/run runs it on
both): SQLite's version is PRAGMA user_version, PostgreSQL's the table
schema_version. Real daemon, tests/smtp_sink.py."""
import json, os, sqlite3, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L
from relay_lib import ok
import smtp_sink as S

ROOT = L.ROOT
RELAYCTL = os.environ.get("RELAYCTL", os.path.join(ROOT, "bin/asan/relayctl"))
fixture = os.path.join(ROOT, "tests/fixtures/store/v1.%s.sql" % L.STORE)
with open(fixture) as f:
    script = f.read()

if L.PG:
    import pg_lib
    db = pg_lib.server().new_database("migrate")
    con = pg_lib.server().connect(db.split("dbname=")[1].split()[0])
    con.cursor().execute(script)
    con.close()
    version = lambda r: r.rows("SELECT max(version) FROM schema_version")[0][0]
else:
    os.makedirs(os.path.join(L.TMP, "migrate"), exist_ok=True)
    db = os.path.join(L.TMP, "migrate", "relay.db")
    con = sqlite3.connect(db)
    con.executescript(script)
    con.close()
    version = lambda r: r.rows("PRAGMA user_version")[0][0]

sink = S.Sink(os.path.join(L.TMP, "sink"), L.free_port()).start()
relay = L.Relay("migrate", db=db, smtp_url="smtp://127.0.0.1:%d" % sink.port)
ok(version(relay) == 1, "the fixture is a database of schema version 1 (%s)" % L.STORE)
relay.start()
try:
    ok(version(relay) == 11, "relayd upgraded it to version 11 on start", version(relay))
    if L.PG:
        uniq = relay.rows("SELECT count(*) FROM pg_constraint WHERE conname = 'submissions_token_key'")
        ok(uniq == [(0,)], "version 9: the token has no unique constraint of its own", uniq)
        idx = relay.rows("SELECT count(*) FROM pg_indexes WHERE indexname = 'submissions_city'")
        ok(idx == [(0,)], "version 11: no index submissions_city", idx)
    else:
        idx = [r[0] for r in relay.rows("SELECT name FROM sqlite_master WHERE type = 'index'"
                                        " AND tbl_name = 'submissions' ORDER BY name")]
        ok(idx == ["sqlite_autoindex_submissions_1", "submissions_email",
                   "submissions_office", "submissions_office_status", "submissions_subject",
                   "submissions_time", "submissions_token_hash"],
           "version 9: the rebuilt submissions table has every index but the token's own; "
           "version 11: and no submissions_city", idx)
        sql = dict(relay.rows("SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                              " AND name IN ('outbox', 'payments')"))
        ok(sorted(sql) == ["outbox", "payments"] and
           all(" IN (" not in t.upper() for t in sql.values()) and
           "kind = 'document'" in sql["outbox"] and "state = 'abgebrochen'" in sql["payments"],
           "version 11: outbox and payments check their kinds by comparisons", sql)
        idx = [r[0] for r in relay.rows("SELECT name FROM sqlite_master WHERE type = 'index'"
                                        " AND tbl_name IN ('outbox', 'payments') ORDER BY name")]
        ok(idx == ["outbox_due", "outbox_sub", "payments_sub", "sqlite_autoindex_payments_1"],
           "version 11: the rebuilt tables have their indexes", idx)
        ok(relay.rows("PRAGMA foreign_key_check") == [] and
           relay.rows("PRAGMA integrity_check") == [("ok",)],
           "the rebuild left no dangling reference and an intact file")
    ok(relay.rows("SELECT subject, identity FROM submissions") == [("", "")],
       "version 6 has submissions.subject and identity, empty for the old row")
    for t in ("messages", "postfach_links", "postfach_sessions", "payments", "login_pending",
              "citizen_sessions"):
        ok(relay.rows("SELECT count(*) FROM %s" % t) == [(0,)], "version 5/7/8 has the table " + t)
    ok(relay.rows("SELECT count(*) FROM attachments WHERE added_unix IS NOT NULL") == [(0,)],
       "version 5 has attachments.added_unix, NULL for the documents of the form")
    row = relay.rows("SELECT city, service, office, status FROM submissions")
    ok(row == [("dorsten", "hundeanmeldung", "steueramt", "neu")],
       "the old row's office was filled from the catalogue, its status is neu", row)
    ok("event=offices_filled rows=1" in relay.logtext(), "relayd logs how many rows it filled",
       relay.logtext()[-400:])
    tok = relay.rows("SELECT token FROM submissions")[0][0]
    st, _, body = relay.request("GET", "/antrag/" + tok)
    ok(st == 200 and "DOR-2026-OLD111" in body.decode("utf-8", "replace"),
       "the old submission's private link works after the upgrade (token_hash filled)", st)
    st, _, _ = relay.request("GET", "/antrag/" + tok[:-1] + ("A" if tok[-1] != "A" else "B"))
    ok(st == 404, "a changed token does not", st)
    ok(relay.rows("SELECT reference FROM submissions") == [("DOR-2026-OLD111",)],
       "the old submission is still there")
    p = subprocess.run([RELAYCTL, "--config", relay.cfg, "show", "DOR-2026-OLD111"],
                       capture_output=True, text=True)
    ok(p.returncode == 0 and "DOR-2026-OLD111" in p.stdout and "Alt" in p.stdout,
       "relayctl show reads it", p.stdout[-300:] + p.stderr[-300:])
    mailed = L.wait_until(lambda: any(m["message_id"] == "<DOR-2026-OLD111@127.0.0.1>"
                                      for m in sink.messages()), 30)
    ok(mailed, "its office mail, due since version 1, was mailed")
    by = relay.rows("SELECT claimed_by FROM outbox WHERE id = 1")[0][0]
    ok(by.endswith("/%d" % relay.proc.pid), "the claim filled the new column claimed_by "
       "with host/pid of this relayd", by)
    job = relay.rows("SELECT id, kind, ref_id FROM outbox")
    ok(job == [(1, "office", 0)], "the old job kept its id and kind through the outbox's "
       "version-5 change, with ref_id 0", job)

    # version 10: the references made from now on are numbered; the old
    # one keeps its random symbols
    form = next(f for f in relay.dump_forms()
                if f["city"] == "dorsten" and f["service"] == "hundeanmeldung")
    def new_reference():
        st, _, body = L.post(relay, "dorsten", "hundeanmeldung", L.valid_values(form))
        return st, json.loads(body).get("reference") if st == 303 else body[:200]
    year = time.strftime("%Y", time.gmtime())
    got = new_reference()
    ok(got == (303, "DOR-%s-000001" % year),
       "version 10: the first submission after the upgrade is number 1", got)
    # a number held by a reference of the random kind (its 32 symbols
    # include 2-9) is passed over
    relay.write([("UPDATE submissions SET reference = ? WHERE reference = 'DOR-2026-OLD111'",
                  ("DOR-%s-222222" % year,)),
                 ("SELECT setval('reference_number', 222221)" if L.PG else
                  "UPDATE counters SET value = 222221 WHERE name = 'reference'", ())])
    got = new_reference()
    ok(got == (303, "DOR-%s-222223" % year),
       "a number an older reference holds is passed over: the next one is taken", got)
    ok(relay.rows("SELECT count(*) FROM submissions") == [(3,)], "the three submissions are stored")
finally:
    ok(relay.stop() == 0, "relayd exits 0")
    sink.stop()

# a second start finds the current version and changes nothing
relay.start()
ok(version(relay) == 11 and relay.stop() == 0 and
   relay.logtext().count("event=offices_filled") == 1,
   "a current database is opened as it is (nothing left to fill)")

if L.PG:
    # the test server trusts the socket, so a password is accepted and unused:
    # enough to see that relayd does not log it
    again = L.Relay("migrate2", db=db + " password=geheim123")
    again.start()
    p = subprocess.run([RELAYCTL, "--config", again.cfg, "status"], capture_output=True, text=True)
    ok(again.stop() == 0 and "password=***" in again.logtext() and
       "geheim123" not in again.logtext() + p.stdout + p.stderr and p.returncode == 0,
       "relayd logs the database string with the password masked", again.logtext()[-300:])
L.done()
