#!/usr/bin/python3
"""relayd gives memory back (issue 10, point 5): resident memory after 500
slow connections and a burst of large posts returns to within 2 MB of its
idle figure. Runs the release build (bin/relayd): ASan's shadow memory and
quarantine would measure the sanitizer, not relayd. Also used by
bench/relay.sh to print idle, peak and after-burst RSS (--print)."""
import json
import os
import socket
import sys
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_lib as L  # noqa: E402
import tap  # noqa: E402
from relay_lib import ok  # noqa: E402

RELAYD = os.path.join(L.ROOT, "bin/relayd")
SLOW, BURST, CONC = 500, 200, 32


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def settle(pid, seconds=3.0):
    """RSS after the daemon had a moment to give memory back."""
    time.sleep(seconds)
    return rss_kb(pid)


def main():
    if not os.path.exists(RELAYD):
        ok(False, "bin/relayd is built (make)")
        return 1
    L.RELAYD = RELAYD
    r = L.Relay("memory", content=os.path.join(L.ROOT, "content"), limits={"max_body": 4 * 1048576, "max_connections": 1024,
                                  "max_per_ip": 1024, "timeout": 30, "request_deadline": 60}).start()
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kb(r.proc.pid))
            time.sleep(0.05)
    threading.Thread(target=sample, daemon=True).start()
    try:
        form = [f for f in r.dump_forms() if f["service"] == "hundeanmeldung" and f["city"] == "dorsten"][0]
        # warm up: one post of each kind, so idle includes what a first post loads
        L.post(r, form["city"], form["service"], L.valid_values(form))
        idle = settle(r.proc.pid)

        # 500 slow connections: headers that never end
        socks = []
        for _ in range(SLOW):
            s = socket.create_connection(("127.0.0.1", r.port))
            s.sendall(b"POST /submit/dorsten/hundeanmeldung HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            socks.append(s)
        time.sleep(1.0)
        for s in socks:
            s.close()

        # a burst of large posts: 1 MB attachments, 32 at a time
        big = L.PDF[:-6] + b"%" + b"x" * (1024 * 1024) + b"\n%%EOF\n"
        vals = [(k, big if isinstance(v, bytes) else v) for k, v in L.valid_values(form)]
        codes = []
        lock = threading.Lock()
        it = iter(range(BURST))

        def worker():
            while True:
                with lock:
                    if next(it, None) is None:
                        return
                try:
                    st, _, _ = L.post(r, form["city"], form["service"], vals)
                except OSError:
                    st = None
                with lock:
                    codes.append(st)
        ts = [threading.Thread(target=worker) for _ in range(CONC)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        after = settle(r.proc.pid)
        stop.set()
        print("# relayd RSS: idle %.1f MB, peak %.1f MB, after the burst %.1f MB"
              % (idle / 1024, peak[0] / 1024, after / 1024), flush=True)
        if "--print" in sys.argv:
            print(json.dumps({"idle_kb": idle, "peak_kb": peak[0], "after_kb": after}))
        ok(codes.count(303) == BURST, "all %d large posts stored (%d; %s)" % (BURST, codes.count(303), sorted(set(map(str, codes)))))
        ok(peak[0] > idle + 4096, "the burst really used memory (peak %d KB, idle %d KB)" % (peak[0], idle))
        ok(after <= idle + 2048, "after 500 slow connections and %d posts of 1 MB, RSS is back "
           "within 2 MB of idle (%d KB vs %d KB)" % (BURST, after, idle))
    finally:
        stop.set()
        ok(r.stop() == 0, "relayd stops cleanly")
    return 1 if tap.failures else 0


if __name__ == "__main__":
    sys.exit(main())
