#!/bin/sh
# bench/ab.sh - two sitegen binaries compared on one row, alternating.
#
#   BENCH_KEEP=1 BENCH_HUGO=0 BENCH_EXTRA=0 BENCH_SCALE=0 sh bench/run
#   sh bench/ab.sh DIR OLD NEW [PAIRS] [edit|nochange|commit]
#
# DIR: a catalogue bench/run kept ("bench: keeping DIR"). Each pair
# builds with both binaries, each into its own site under DIR, the order
# swapped every pair (the second build of a pair runs slower on a noisy
# machine, whichever binary it is); every build is timed by
# bin/bench-timeit. Prints the median wall and cpu time of each binary.
# Rows: edit (a service's summary changed, then a working-tree build: the
# "one service edited" row), nochange (nothing changed), commit (the
# change committed, then a --ref HEAD build). The machine swings by a
# fifth within minutes here: compare pairs of one run, never runs.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
die() {
	echo "ab: $*" >&2
	exit 1
}
[ $# -ge 3 ] || die "usage: bench/ab.sh DIR OLD NEW [PAIRS] [edit|nochange|commit]"
dir=$1 old=$2 new=$3 pairs=${4:-30} row=${5:-edit}
gen=$dir/gen
[ -d "$gen/content/services" ] || die "$dir has no catalogue (BENCH_KEEP=1 sh bench/run)"
[ -x "$old" ] && [ -x "$new" ] || die "$old or $new is not a program"
[ -x "$ROOT/bin/bench-timeit" ] || make -s bin/bench-timeit || die "cannot build bin/bench-timeit"
case "$pairs" in '' | *[!0-9]*) die "PAIRS must be a number" ;; esac
case "$row" in edit | nochange | commit) ;; *) die "unknown row '$row'" ;; esac
svc=$(ls "$gen/content/services" | head -n 1)
[ -n "$svc" ] || die "no service in $gen"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
ref=
[ "$row" = commit ] && ref="--ref HEAD"

edit() {
	sed -i "s/^summary: .*/summary: \"Fassung $1 (bench\/ab.sh).\"/" \
		"$gen/content/services/$svc" || die "cannot edit $svc"
	if [ "$row" = commit ]; then
		git -C "$gen" commit -qam "ab $1" || die "cannot commit"
	fi
}
build() { # build A|B: into DIR/ab-A or DIR/ab-B, timed
	bin=$old
	[ "$1" = B ] && bin=$new
	# shellcheck disable=SC2086 # $ref is two words or none
	"$ROOT/bin/bench-timeit" "$dir/ab.time" "$dir/ab.out" "$dir/ab.err" \
		"$bin" build --root "$gen" $ref --out "$dir/ab-$1" --date 2026-01-01 -j 2 ||
		die "the build of $bin failed: $(tail -n 3 "$dir/ab.err")"
	cat "$dir/ab.time" >>"$dir/ab-$1.times"
	echo >>"$dir/ab-$1.times"
}

rm -f "$dir/ab-A.times" "$dir/ab-B.times"
# each site built once first: the pairs find a previous site
edit start
for x in A B; do
	build $x
	build $x        # (a nochange pair needs the fingerprint recorded)
	rm -f "$dir/ab-$x.times"
done
i=1
while [ "$i" -le "$pairs" ]; do
	[ "$row" = nochange ] || edit "$i"
	if [ $((i % 2)) = 0 ]; then build A; build B; else build B; build A; fi
	i=$((i + 1))
done
for x in A B; do
	bin=$old
	[ $x = B ] && bin=$new
	python3 - "$dir/ab-$x.times" "$bin" "$row" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
wall = [float(r[0]) * 1000 for r in rows]
cpu = [(float(r[1]) + float(r[2])) * 1000 for r in rows]
print("%-8s %s: wall %.2f ms (min %.2f), cpu %.2f ms, %d builds"
      % (sys.argv[3], sys.argv[2], statistics.median(wall), min(wall),
         statistics.median(cpu), len(wall)))
EOF
done
[ "$row" = commit ] || git -C "$gen" checkout -q -- content 2>/dev/null || true
