#!/bin/sh
# sitegen serve: the preview serves the built site on 127.0.0.1 and
# rebuilds when a content file changes; broken content keeps the old site.
set -u
. "$ROOT/tests/lib.sh"
W="$TEST_TMP/w"
mkdir -p "$W"
cp -r "$ROOT/content" "$ROOT/themes" "$W/"
cd "$W" || exit 2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$SITEGEN" serve --port "$port" --out site >serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
get() {   # get PATH -> body on stdout, "HTTP <code>" on stderr
	python3 - "$port" "$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=5)
    sys.stdout.write(r.read().decode()); print("HTTP %d" % r.status, file=sys.stderr)
except urllib.error.HTTPError as e:
    print("HTTP %d" % e.code, file=sys.stderr)
except Exception as e:
    print("ERR %s" % e, file=sys.stderr); sys.exit(1)
PY
}
wait_for() {   # wait_for PATH PATTERN: up to 15 s
	i=0
	while [ $i -lt 75 ]; do
		get "$1" 2>/dev/null | grep -q "$2" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
check "serves the built site" wait_for /dorsten/index.html 'Dorsten'
get /gibt-es-nicht.html >/dev/null 2>code.txt
check "unknown path: 404" grep -q 'HTTP 404' code.txt
get /../../etc/passwd >body.txt 2>code.txt
check "no way out of site/" sh -c "! grep -q root: body.txt"
sed -i 's/^title: .*/title: Hund anmelden (Vorschau-Test)/' content/services/hundeanmeldung.yml
check "an edit is rebuilt and served" wait_for /dorsten/leistungen/hundeanmeldung.html 'Vorschau-Test'
printf 'title: [kaputt\n' >content/services/hundeanmeldung.yml
sleep 1.5
check "a broken edit is reported with file:line:col" grep -q 'content/services/hundeanmeldung.yml:2:1: invalid YAML' serve.log
check "and the last good site is still served" wait_for /dorsten/leistungen/hundeanmeldung.html 'Vorschau-Test'
kill $pid
wait $pid
check "stops cleanly on SIGTERM" test $? -eq 0
trap - EXIT
done_testing
