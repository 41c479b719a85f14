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
    """The [heap] areas of pid, in address order: dicts of start (the
    address), size, rss and huge (AnonHugePages) in kB, and flags
    (VmFlags)."""
    areas, cur = [], None
    fields = {"Size:": "size", "Rss:": "rss", "AnonHugePages:": "huge"}
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split()
            if len(head) >= 5 and "-" in head[0] and not head[0].endswith(":"):
                cur = {"heap": line.rstrip().endswith("[heap]"),
                       "start": int(head[0].split("-")[0], 16),
                       "size": 0, "rss": 0, "huge": 0, "flags": []}
                areas.append(cur)
            elif cur and head and head[0] in fields:
                cur[fields[head[0]]] = int(head[1])
            elif cur and line.startswith("VmFlags:"):
                cur["flags"] = line.split(":", 1)[1].split()
    return [a for a in areas if a["heap"]]


def kernel_at_least(major, minor):
    rel = os.uname().release.split("-")[0].split(".")
    try:
        return (int(rel[0]), int(rel[1])) >= (major, minor)
    except (IndexError, ValueError):
        return False


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
    hg = [a for a in areas if "hg" in a["flags"]]
    advised = sum(a["size"] for a in hg)
    ok(advised >= 16 * 1024,
       "the heap is advised for huge pages: %d MiB of %d MiB (VmFlags hg)"
       % (advised // 1024, sum(a["size"] for a in areas) // 1024))
    # heap_align_start: the advised part begins on a 2 MiB boundary, and
    # nothing of the heap below it is in memory (before, up to 2 MiB of
    # the heap's start lay below the first boundary, on 4 KiB pages)
    below = [a for a in areas if hg and a["start"] < hg[0]["start"]]
    ok(bool(hg) and hg[0]["start"] % (2 << 20) == 0 and sum(a["rss"] for a in below) == 0,
       "the advised heap starts on a 2 MiB boundary (%s), nothing resident below it "
       "(%d kB)" % (hex(hg[0]["start"]) if hg else "-", sum(a["rss"] for a in below)))
    # what the build allocated before the advice, at the heap's start, was
    # collapsed into a huge page (MADV_COLLAPSE, Linux 6.1): all of the
    # advised heap in memory is huge pages
    rss, huge = sum(a["rss"] for a in hg), sum(a["huge"] for a in hg)
    if kernel_at_least(6, 1):
        ok(rss > 0 and rss - huge < 256,
           "the advised heap in memory is huge pages: %d kB of %d kB" % (huge, rss))
    else:
        ok(True, "the advised heap is huge pages # SKIP no MADV_COLLAPSE before Linux 6.1")
    proc.send_signal(signal.SIGTERM)
    ok(proc.wait(30) == 0, "stops cleanly on SIGTERM")
finally:
    if proc.poll() is None:
        proc.kill()
done()
