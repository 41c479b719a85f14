#!/bin/sh
# t-link-deps.sh - each binary holds only the code it uses (issue 8): the
# Makefile links them from static archives (libcatalog, librender, libsite,
# librelay), and nm shows what went in. relayctl renders nothing, so it has
# no Mustache engine, Markdown or page renderer; relayd serves no preview,
# writes no site and walks no git history.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
for b in "$ROOT/bin/relayctl" "$ROOT/bin/relayd" "$ROOT/bin/sitegen"; do
	if [ ! -x "$b" ]; then
		echo "not ok - $b is not built (make)"
		exit 1
	fi
done
# defined: the text symbols (functions) a binary defines
defined() { nm --defined-only "$1" | awk '$2 ~ /^[Tt]$/ { print $3 }'; }
none() { # none WHAT BINARY REGEX
	hits=$(defined "$2" | grep -E "$3" | head -n 5 | tr '\n' ' ')
	if [ -z "$hits" ]; then
		echo "ok - $(basename "$2") holds no $1"
	else
		echo "not ok - $(basename "$2") holds $1: $hits"
	fi
}
some() { # some WHAT BINARY REGEX: the pattern finds something (the check can fail)
	if defined "$2" | grep -qE "$3"; then
		echo "ok - $(basename "$2") holds $1 (the pattern matches)"
	else
		echo "not ok - $(basename "$2") lacks $1: the pattern is stale"
	fi
}
MUSTACHE='^(mu_|mustache_|mv_|mset)'
RENDER='^(render_|renderer_|markdown_|form_data|page_)'
SITE='^(serve_|watch_|history_|site_history_|output_|site_render|feed_|cache_)'
some "the Mustache engine" "$ROOT/bin/sitegen" "$MUSTACHE"
some "the page renderer" "$ROOT/bin/relayd" "$RENDER"
some "the preview server, output writer and history walk" "$ROOT/bin/sitegen" "$SITE"
none "Mustache engine" "$ROOT/bin/relayctl" "$MUSTACHE"
none "page renderer or Markdown" "$ROOT/bin/relayctl" "$RENDER"
none "preview server, output writer or git history walk" "$ROOT/bin/relayd" "$SITE"
none "preview server, output writer or git history walk" "$ROOT/bin/relayctl" "$SITE"
some "the store" "$ROOT/bin/relayctl" '^store_open'
# Shared libraries cost every start of a binary (mapping, relocating):
# sitegen loads libmicrohttpd (and GnuTLS behind it) with dlopen only when
# `sitegen serve` starts (generator/serve/mhd_load.c), and libgit2 (with
# mbedTLS, libssh2, Kerberos) only for --ref and the history
# (generator/git/gitutil.c); relayd links libmicrohttpd.
needs() { readelf -d "$1" | grep -q "NEEDED.*\\[$2"; }
for lib in libmicrohttpd libgit2; do
	if needs "$ROOT/bin/sitegen" $lib; then
		echo "not ok - sitegen is linked with $lib: every build loads it"
	else
		echo "ok - sitegen is not linked with $lib (loaded when needed)"
	fi
done
# The four libraries every build uses come from their static archives
# (the Makefile's SITEGEN_STATIC): no start of sitegen resolves them.
for lib in libcmark libyaml libsodium libz; do
	if needs "$ROOT/bin/sitegen" $lib; then
		echo "not ok - sitegen loads $lib at every start (not linked statically)"
	else
		echo "ok - sitegen does not load $lib at start (linked statically)"
	fi
done
if needs "$ROOT/bin/relayd" libsodium; then
	echo "ok - relayd loads libsodium shared (the check can fail)"
else
	echo "not ok - relayd is not linked with libsodium: the check is stale"
fi
if needs "$ROOT/bin/relayd" libmicrohttpd; then
	echo "ok - relayd is linked with libmicrohttpd (the check can fail)"
else
	echo "not ok - relayd is not linked with libmicrohttpd: the check is stale"
fi
