#!/usr/bin/python3
"""t-sitegen-heap - sitegen's heap is advised for transparent huge pages
(generator/util/hugeheap.h): a rebuild faults once per 2 MiB of fresh
memory instead of once per 4 KiB. Looked at where the kernel shows it, in
/proc/PID/smaps of a running `sitegen serve` (release binary: under ASan's
allocator nothing is changed, by design). Skipped where the kernel has no
transparent huge pages or they are off ("never")."""
import os
import shutil
import signal
import subprocess
import time
import urllib.request

from relay_lib import free_port
from tap import ok, done

ROOT, TEST_TMP = os.environ["ROOT"], os.environ["TEST_TMP"]
SITEGEN = os.path.join(ROOT, "bin/sitegen")
THP = "/sys/kernel/mm/transparent_hugepage/enabled"


def served(port):
    """Up to 30 s until the preview answers."""
    for _ in range(150):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/index.html" % port, timeout=2) as r:
                if r.status == 200:
                    return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


def heap_areas(pid):
    """[(size in kB, VmFlags)] of the [heap] areas of pid."""
    areas, cur = [], None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split()
            if len(head) >= 5 and "-" in head[0] and not head[0].endswith(":"):
                cur = {"heap": line.rstrip().endswith("[heap]"), "size": 0, "flags": ""}
                areas.append(cur)
            elif cur and line.startswith("Size:"):
                cur["size"] = int(line.split()[1])
            elif cur and line.startswith("VmFlags:"):
                cur["flags"] = line.split(":", 1)[1].split()
    return [(a["size"], a["flags"]) for a in areas if a["heap"]]


mode = open(THP).read() if os.path.exists(THP) else ""
if "[never]" in mode or not mode:
    ok(True, "the heap is advised for huge pages # SKIP transparent huge pages are off here")
    done()
if not os.access(SITEGEN, os.X_OK):
    ok(False, "bin/sitegen is built (make)")
    done()

W = os.path.join(TEST_TMP, "w")
os.makedirs(W, exist_ok=True)
for d in ("content", "themes"):
    shutil.copytree(os.path.join(ROOT, d), os.path.join(W, d), symlinks=True)
port = free_port()
with open(os.path.join(W, "serve.log"), "w") as log:
    proc = subprocess.Popen([SITEGEN, "serve", "--port", str(port), "--out", "site"], cwd=W,
                            stdout=log, stderr=subprocess.STDOUT)
try:
    ok(served(port), "sitegen serve built and serves the site")
    areas = heap_areas(proc.pid)
    advised = sum(size for size, flags in areas if "hg" in flags)
    ok(advised >= 16 * 1024,
       "the heap is advised for huge pages: %d MiB of %d MiB (VmFlags hg)"
       % (advised // 1024, sum(size for size, _ in areas) // 1024))
    proc.send_signal(signal.SIGTERM)
    ok(proc.wait(30) == 0, "stops cleanly on SIGTERM")
finally:
    if proc.poll() is None:
        proc.kill()
done()
