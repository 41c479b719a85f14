"""pg_lib - a real PostgreSQL server for the tests, started from Debian's
`postgresql` binaries into a temporary directory: initdb, then pg_ctl start
listening only on a Unix socket in that directory (listen_addresses='', no
TCP, no system service), stopped at the end. Each test gets fresh
databases from it.

initdb and postgres refuse to run as root: as root (CI runs as root on a
fresh clone) the server runs as the unprivileged user `nobody`, in a
directory of its own under /tmp (TEST_TMP is root's 0700 directory, which
nobody cannot enter). Authentication is "trust" for the superuser `relay`
on the socket only, which lies in that private directory.

As a module:  server() -> Postgres (one per process, or the one named by
              $RELAY_PG_DIR, started by tests/run for a whole pass)
As a command: python3 tests/pg_lib.py start DIR | stop DIR | newdb DIR NAME
              (tests/run and bench/relay.sh: one server for many tests;
              newdb prints the conninfo of a fresh database)."""
import atexit
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

USER = "relay"


def pg_bin():
    """The directory of initdb and pg_ctl (Debian: /usr/lib/postgresql/N/bin)."""
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    raise RuntimeError("no PostgreSQL server binaries (make deps installs postgresql)")


def _as_server_user(args):
    """args run as the user the server runs as: nobody when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "nobody", "--"] + args
    return args


class Postgres:
    def __init__(self, base):
        self.base = base                      # socket dir, data/ and log
        self.data = os.path.join(base, "data")
        self.log = os.path.join(base, "postgres.log")
        self.n = 0

    def conninfo(self, dbname="postgres"):
        return "host=%s dbname=%s user=%s" % (self.base, dbname, USER)

    def running(self):
        return os.path.exists(os.path.join(self.base, ".s.PGSQL.5432"))

    def start(self):
        bindir = pg_bin()
        os.makedirs(self.base, exist_ok=True)
        os.chmod(self.base, 0o755)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.base, nobody.pw_uid, nobody.pw_gid)
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            subprocess.run(_as_server_user(
                [os.path.join(bindir, "initdb"), "-D", self.data, "-U", USER,
                 "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        opts = ("-c listen_addresses='' -k %s -c max_connections=100"
                " -c shared_buffers=16MB -c synchronous_commit=on" % self.base)
        r = subprocess.run(_as_server_user(
            [os.path.join(bindir, "pg_ctl"), "start", "-w", "-t", "60", "-D", self.data,
             "-l", self.log, "-o", opts]), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start failed: %s %s" % (
                r.stderr.decode(errors="replace"), self.logtext()[-2000:]))
        return self

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            subprocess.run(_as_server_user(
                [os.path.join(pg_bin(), "pg_ctl"), "stop", "-w", "-m", "fast", "-D",
                 self.data]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def logtext(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def connect(self, dbname="postgres"):
        import psycopg2
        con = psycopg2.connect(self.conninfo(dbname))
        con.autocommit = True
        return con

    def new_database(self, hint="relay"):
        """A fresh, empty database; returns its conninfo."""
        self.n += 1
        name = "%s_%d_%d" % ("".join(c for c in hint if c.isalnum()).lower()[:30] or "db",
                             os.getpid(), self.n)
        con = self.connect()
        try:
            con.cursor().execute('CREATE DATABASE "%s"' % name)
        finally:
            con.close()
        return self.conninfo(name)

    def rows(self, conninfo, sql, args=()):
        """Runs SQL written for sqlite3 ('?' placeholders) on a database;
        bytea comes back as bytes, like SQLite's blobs."""
        import psycopg2
        con = psycopg2.connect(conninfo)
        con.autocommit = True
        try:
            cur = con.cursor()
            cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(args))
            out = cur.fetchall() if cur.description else []
            return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                    for r in out]
        finally:
            con.close()


_server = None


def _stop_at_exit(pg):
    atexit.register(pg.stop)
    atexit.register(shutil.rmtree, pg.base, True)
    # tests/run's timeout sends SIGTERM: stop the server then too
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))


def server():
    """The server for this process: the one tests/run started
    ($RELAY_PG_DIR), else one of our own, stopped at exit."""
    global _server
    if _server is None:
        shared = os.environ.get("RELAY_PG_DIR")
        if shared:
            _server = Postgres(shared)
            if not _server.running():
                _server.start()
        else:
            _server = Postgres(tempfile.mkdtemp(prefix="relay-pg-", dir="/tmp"))
            _server.start()
            _stop_at_exit(_server)
    return _server


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("start", "stop", "newdb"):
        sys.exit("usage: pg_lib.py start|stop DIR | newdb DIR NAME")
    pg = Postgres(sys.argv[2])
    if sys.argv[1] == "start":
        pg.start()
    elif sys.argv[1] == "stop":
        pg.stop()
    else:
        print(pg.new_database(sys.argv[3] if len(sys.argv) > 3 else "db"))
