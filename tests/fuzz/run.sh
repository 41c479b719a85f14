#!/bin/sh
# tests/fuzz/run.sh TARGET... - runs each libFuzzer harness bin/fuzz/fuzz_TARGET
# for $FUZZ_SECONDS (default 60) on one core, one after the other, and
# prints per target: executions, coverage (cov/ft of libFuzzer's last
# status line), corpus growth and findings. Seeds in tests/fuzz/corpus/TARGET
# are read, never written: new inputs go to tests/out/fuzz/TARGET/corpus,
# crash/leak/timeout inputs to tests/out/fuzz/TARGET/. With FUZZ_TAP=1 the
# lines are "ok - ..." / "not ok - ..." (tests/t-fuzz.sh). Exits non-zero
# on any crash, leak, timeout or out-of-memory.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${FUZZ_SECONDS:-60}
tap=${FUZZ_TAP:-0}
out=${FUZZ_OUT:-tests/out/fuzz}
# libFuzzer reports leaks itself (-detect_leaks=1); halt on the first error.
export ASAN_OPTIONS="${FUZZ_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${FUZZ_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=0
for t in "$@"; do
	bin=bin/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		if [ "$tap" = 1 ]; then echo "not ok - fuzz_$t: $bin not built"
		else echo "fuzz_$t: $bin not built"; fi
		failed=1
		continue
	fi
	dir=$out/$t
	rm -rf "$dir"
	mkdir -p "$dir/corpus"
	max_len=4096
	case $t in
	http | http_store) max_len=16384 ;;     # whole requests with files
	packread) max_len=65536 ;;              # an index and a pack of real commits
	yamlcache) max_len=16384 ;; esac        # a cache file's first trees
	start=$(date +%s)
	"$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
		-max_len="$max_len" -print_final_stats=1 -artifact_prefix="$dir/" \
		"$dir/corpus" "tests/fuzz/corpus/$t" >"$dir/log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -n 1)
	new=$(sed -n 's/^stat::new_units_added: *//p' "$dir/log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$dir/log" | grep ' cov: ' | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([^ ]*\).*/\1/p')
	findings=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
	line="fuzz_$t: ${execs:-0} executions (${rate:-0}/s) in ${took}s, cov ${cov:-?} ft ${ft:-?}, corpus ${corp:-?} (+${new:-0}), crashes $findings"
	if [ "$rc" -ne 0 ] || [ "$findings" -gt 0 ]; then
		failed=1
		if [ "$tap" = 1 ]; then echo "not ok - $line, exit $rc"; else echo "$line, exit $rc: FAILED"; fi
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: |.*runtime error)' "$dir/log" | head -n 5 | sed 's/^/    /'
		find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
			-o -name 'timeout-*' -o -name 'oom-*' \) | sed 's/^/    input: /'
		echo "    log: $dir/log"
	else
		if [ "$tap" = 1 ]; then echo "ok - $line"; else echo "$line"; fi
	fi
done
exit $failed
