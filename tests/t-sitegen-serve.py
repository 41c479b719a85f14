#!/usr/bin/python3
"""t-sitegen-serve - sitegen serve: the preview serves the built site on
127.0.0.1 and rebuilds when a content file changes; broken content keeps the
old site."""
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from tap import ok, done

ROOT, SITEGEN, TEST_TMP = os.environ["ROOT"], os.environ["SITEGEN"], os.environ["TEST_TMP"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(path):
    """(HTTP status or None, body) of GET path."""
    try:
        r = urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5)
        return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
    except Exception:
        return None, ""


def wait_for(path, text):
    """Up to 15 s until the page at path contains text."""
    for _ in range(75):
        if text in get(path)[1]:
            return True
        time.sleep(0.2)
    return False


def logtext():
    with open(os.path.join(W, "serve.log"), encoding="utf-8", errors="replace") as f:
        return f.read()


W = os.path.join(TEST_TMP, "w")
os.makedirs(W, exist_ok=True)
for d in ("content", "themes"):
    shutil.copytree(os.path.join(ROOT, d), os.path.join(W, d), symlinks=True)
port = free_port()
svc = os.path.join(W, "content/services/hundeanmeldung.yml")
with open(os.path.join(W, "serve.log"), "w") as log:
    proc = subprocess.Popen([SITEGEN, "serve", "--port", str(port), "--out", "site"], cwd=W,
                            stdout=log, stderr=subprocess.STDOUT)
try:
    ok(wait_for("/dorsten/index.html", "Dorsten"), "serves the built site")
    ok(get("/gibt-es-nicht.html")[0] == 404, "unknown path: 404")
    ok("root:" not in get("/../../etc/passwd")[1], "no way out of site/")
    # half a request, then the client shuts its side: the server closes at
    # once (with epoll, libmicrohttpd 0.9.75 held it for the 30 s timeout)
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    c.sendall(b"GET /dorsten/index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    c.shutdown(socket.SHUT_WR)
    t0 = time.monotonic()
    try:
        rest = c.recv(4096)
    except socket.timeout:
        rest = None
    took = time.monotonic() - t0
    c.close()
    ok(rest == b"" and took < 5, "half a request and the client's end: closed at once, no answer",
       "%r after %.1f s" % (rest, took))
    with open(svc, encoding="utf-8") as f:
        lines = f.read().split("\n")
    with open(svc, "w", encoding="utf-8") as f:
        f.write("\n".join("title: Hund anmelden (Vorschau-Test)" if l.startswith("title: ") else l
                          for l in lines))
    ok(wait_for("/dorsten/leistungen/hundeanmeldung.html", "Vorschau-Test"), "an edit is rebuilt and served")
    with open(svc, "w", encoding="utf-8") as f:
        f.write("title: [kaputt\n")
    time.sleep(1.5)
    ok("content/services/hundeanmeldung.yml:2:1: invalid YAML" in logtext(),
       "a broken edit is reported with file:line:col")
    ok(wait_for("/dorsten/leistungen/hundeanmeldung.html", "Vorschau-Test"),
       "and the last good site is still served")
    proc.send_signal(signal.SIGTERM)
    ok(proc.wait(30) == 0, "stops cleanly on SIGTERM")
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
done()
