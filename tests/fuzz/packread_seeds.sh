#!/bin/sh
# packread_seeds.sh - writes the seeds of fuzz_packread (tests/fuzz/corpus/
# packread): small real repositories packed by git with delta chains (a
# directory and a file that change in every commit), each as the harness
# reads them: 4 bytes little-endian length of the .idx, the .idx, the .pack.
set -eu
cd "$(dirname "$0")"
out=corpus/packread
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for depth in 1 10 50; do
	r="$tmp/r$depth"
	git init -q "$r"
	for i in 1 2 3 4 5 6 7 8; do
		mkdir -p "$r/services"
		for s in a b c d e f; do
			printf 'title: Dienst %s\nrevision: %s\n' "$s" "$i" >"$r/services/$s.yml"
		done
		seq 1 $((i * 20)) >"$r/list.txt"
		git -C "$r" add -A
		GIT_AUTHOR_DATE="2026-01-0${i}T00:00:00Z" GIT_COMMITTER_DATE="2026-01-0${i}T00:00:00Z" \
			git -C "$r" -c user.name=t -c user.email=t@example.de commit -qm "c$i"
	done
	git -C "$r" repack -qadf --depth="$depth" --window=10
	idx=$(ls "$r"/.git/objects/pack/*.idx)
	pack="${idx%.idx}.pack"
	python3 -c 'import sys, struct; i = open(sys.argv[1], "rb").read(); p = open(sys.argv[2], "rb").read(); sys.stdout.buffer.write(struct.pack("<I", len(i)) + i + p)' \
		"$idx" "$pack" >"$out/depth$depth"
done
