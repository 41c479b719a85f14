#!/bin/sh
# deps.sh check|install - the packages this project needs on Debian 12.
# "check" exits non-zero when anything is missing; "install" installs only
# what is missing (apt-get through sudo when not root, npm into tests/browser).
set -u
mode=${1:-check}
cd "$(dirname "$0")/.." || exit 2

DEBS="build-essential pkg-config libcmark-dev libyaml-dev libcurl4-openssl-dev libgit2-dev
libsqlite3-dev libmicrohttpd-dev sqlite3 git python3 python3-aiosmtpd chromium hugo
fonts-liberation fonts-dejavu-core systemd clang libclang-rt-14-dev
libpq-dev postgresql python3-psycopg2 libsodium-dev libcjose-dev libjansson-dev
python3-cryptography zlib1g-dev"

# zlib1g-dev: the history walk reads git's pack files itself
# (generator/git/packread.c); libgit2-dev pulls it in too.
# libpq-dev: relayd's PostgreSQL store. postgresql: the tests start a
# server of their own from its binaries (tests/pg_lib.py; no system
# service is used). python3-psycopg2: the tests read that database.
# libsodium-dev: the private links' token hash and its constant-time
# comparison (relay/store/token.c); later the clerks' password hashes.
# libcjose-dev, libjansson-dev: the citizens' login by OpenID Connect
# (relay/identity/): JOSE (the ID token's signature against the JWKS) and
# JSON, the libraries Apache's mod_auth_openidc uses - no hand-made crypto.
# python3-cryptography: tests/oidc_fake.py signs its ID tokens (RS256).

# clang and libclang-rt-14-dev: the libFuzzer harnesses (tests/fuzz/). clang
# only recommends the runtime with libFuzzer and the sanitizers, and the
# install below skips recommendations, so both are named.

missing=""
for p in $DEBS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
# A JRE for the Nu HTML checker and Node.js/npm for axe-core: any install
# that provides the commands will do.
command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

npm_missing=0
[ -f tests/browser/node_modules/axe-core/axe.min.js ] &&
[ -d tests/browser/node_modules/playwright-core ] &&
[ -d tests/browser/node_modules/vnu-jar ] &&
[ -d tests/browser/node_modules/oidc-provider ] || npm_missing=1
# oidc-provider: a real OpenID provider for the citizens' login tests
# (tests/oidc_provider.mjs, tests/t-relay-identity-browser.py)

if [ "$mode" = check ]; then
	[ -z "$missing" ] && [ $npm_missing = 0 ] && exit 0
	echo "missing:$missing$( [ $npm_missing = 1 ] && echo ' (npm packages in tests/browser)')"
	exit 1
fi

if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	echo "deps: installing$missing"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq || exit 1
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing || exit 1
fi
if [ $npm_missing = 1 ]; then
	echo "deps: installing npm packages in tests/browser"
	(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi
exit 0
