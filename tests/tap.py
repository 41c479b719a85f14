"""tap - the TAP helper of the Python tests (tests/t-*.py), the counterpart
of tests/unit/tap.h:

    ok(cond, what, detail="")  prints "ok - what" or "not ok - what: detail",
                               returns cond
    skip(what, why)            prints "ok - what # SKIP why": tests/run counts
                               it as skipped, neither passed nor failed
    done()                     exits 1 when anything failed, else 0

Standard library only (Debian's /usr/bin/python3)."""
import sys

failures = 0


def ok(cond, what, detail=""):
    global failures
    if cond:
        print("ok - " + what, flush=True)
    else:
        failures += 1
        print("not ok - " + what + ((": " + str(detail)[:400]) if detail else ""), flush=True)
    return cond


def skip(what, why):
    print("ok - %s # SKIP %s" % (what, why), flush=True)


def done():
    sys.exit(1 if failures else 0)
