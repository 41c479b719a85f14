#!/bin/sh
# t-fuzz.sh - the libFuzzer harnesses of tests/fuzz/ keep building and
# running: each runs its seed corpus (the regression inputs included) and
# then fuzzes for FUZZ_SECONDS (here 2) seconds; one "ok"/"not ok" line per
# target with executions, coverage and crashes. `make fuzz` is the long run.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 2
if ! command -v clang >/dev/null 2>&1; then
	echo "not ok - clang is missing: the fuzz harnesses cannot be built (make deps)"
	exit 1
fi
targets=$(sed -n 's/^FUZZ_TARGETS *= *//p' Makefile)
FUZZ_TAP=1 FUZZ_SECONDS=${FUZZ_SECONDS:-2} FUZZ_OUT=${TEST_TMP:-tests/out}/fuzz \
	exec sh tests/fuzz/run.sh $targets
