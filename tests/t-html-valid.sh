#!/bin/sh
# t-html-valid.sh - the Nu HTML Checker (vnu.jar, the W3C validator) on a
# sample of the site built from content/: all of the umbrella portal, one
# city portal completely, every service page of a second city, and the
# error and confirmation pages relayd renders and the clerks' inbox
# (login, login with errors, list, application). First
# the checker proves itself on the handmade sample (valid) and the broken
# page (must be reported).
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
TEST_TMP=${TEST_TMP:-$(mktemp -d)}
SITEGEN=${SITEGEN:-$ROOT/bin/asan/sitegen}
RELAYD=${RELAYD:-$ROOT/bin/asan/relayd}
export ROOT TEST_TMP RELAYD
. "$ROOT/tests/browser/site.sh"

browser_deps node java python3 || exit 1

o=$TEST_TMP/fixtures.out
node "$B/vnu.mjs" --root "$B/fixtures" "$B/fixtures/good" "$B/fixtures/bad/index.html" >"$o" 2>&1
rc=$?
ngood=$(find "$B/fixtures/good" -name '*.html' -o -name '*.css' | wc -l)
if [ $rc -eq 1 ] && [ "$(grep -c '^ok - vnu good/' "$o")" -eq "$ngood" ] && ! grep -q '^not ok - vnu good/' "$o"; then
	echo "ok - harness: vnu passes the $ngood files of the handmade sample"
else
	echo "not ok - harness: vnu on the handmade sample (exit $rc):"
	grep -v '^ok' "$o" | sed 's/^/#   /' | head -n 10
fi
for e in 'Duplicate ID “doppelt”' 'The “center” element is obsolete' 'Stray end tag “span”'; do
	if grep -q "^not ok - vnu bad/index.html:[0-9]*:[0-9]*: $e" "$o"; then
		echo "ok - harness: vnu reports \"$e\" in the broken page"
	else
		echo "not ok - harness: vnu does not report \"$e\" in the broken page"
	fi
done

build_site || exit 1

# The checker bites on the generator's real output: the same content built
# with a copy of the themes whose footer gets invalid markup appended.
m=$TEST_TMP/mutant
mkdir -p "$m"
if cp -R "$ROOT/themes" "$m/themes" && [ -f "$m/themes/default/footer.mustache" ] &&
	printf '%s\n' '<span id="inhalt">doppelt</span><center>alt</center>' \
		>>"$m/themes/default/footer.mustache" &&
	(cd "$ROOT" && "$SITEGEN" build --content content --themes "$m/themes" --out "$m/site") \
		>"$m/build.log" 2>&1 && [ -f "$m/site/index.html" ]; then
	node "$B/vnu.mjs" --root "$m/site" "$m/site/index.html" >"$m/out" 2>&1
	for e in 'Duplicate ID “inhalt”' 'The “center” element is obsolete'; do
		if grep -q "^not ok - vnu index.html:[0-9]*:[0-9]*: $e" "$m/out"; then
			echo "ok - a faulty footer template is reported on the built site: $e"
		else
			echo "not ok - a faulty footer template is not reported on the built site: $e"
		fi
	done
else
	echo "not ok - the site with a faulty theme copy could not be built: $(head -n 3 "$m/build.log")"
fi
# The umbrella portal: everything that is not inside a city's directory.
list=$TEST_TMP/files
: >"$list"
prune=""
for d in "$ROOT"/content/cities/*/; do
	prune="$prune -path $SITE/$(basename "$d") -prune -o"
done
# shellcheck disable=SC2086
find "$SITE" $prune -type f \( -name '*.html' -o -name '*.css' -o -name '*.svg' \) -print >>"$list"
n_umbrella=$(wc -l <"$list")
# shellcheck disable=SC2046 # slugs: no spaces
set -- $(cities)
if [ $# -lt 2 ]; then
	echo "not ok - the build has $# city portals, the sample wants 2"
	exit 1
fi
full=$1 partial=$2
find "$SITE/$full" -type f \( -name '*.html' -o -name '*.css' -o -name '*.svg' \) >>"$list"
n_full=$(( $(wc -l <"$list") - n_umbrella ))
# Every service page of the second city: the directory its form pages are in.
p=$(service_page "$partial" hundeanmeldung)
if [ -z "$p" ]; then
	echo "not ok - no hundeanmeldung page in $partial: cannot find its service pages"
	exit 1
fi
find "$SITE/$(dirname "$p")" -maxdepth 1 -type f -name '*.html' >>"$list"
n_part=$(( $(wc -l <"$list") - n_umbrella - n_full ))
# relayd's own pages: the form with errors, the confirmation, the search.
n_relay=0
if [ -x "$RELAYD" ] && python3 "$B/relay_pages.py" "$SITE" "$full" hundeanmeldung >"$TEST_TMP/relay.out" 2>&1; then
	echo "$SITE/relay-fehler.html" >>"$list"
	echo "$SITE/relay-bestaetigung.html" >>"$list"
	echo "$SITE/relay-suche.html" >>"$list"
	echo "$SITE/relay-suche-leer.html" >>"$list"
	echo "$SITE/relay-antrag.html" >>"$list"
	echo "$SITE/relay-suche-portal.html" >>"$list"
	for f in relay-amt-anmelden relay-amt-anmelden-fehler relay-amt-liste relay-amt-antrag \
		relay-antrag-unterlagen-fehler relay-antrag-nachricht-fehler relay-antrag-nachrichten; do
		echo "$SITE/$f.html" >>"$list"
	done
	n_relay=13
	# the citizens' Postfach
	for f in relay-postfach relay-postfach-antwort relay-postfach-fehler relay-postfach-liste \
		relay-postfach-abgelaufen; do
		echo "$SITE/$f.html" >>"$list"
		n_relay=$((n_relay + 1))
	done
	# the citizens' login (issue 12)
	for f in relay-anmelden-start relay-anmelden-noetig relay-anmelden-fehler \
		relay-formular-angemeldet relay-postfach-servicekonto \
		relay-postfach-liste-servicekonto; do
		echo "$SITE/$f.html" >>"$list"
		n_relay=$((n_relay + 1))
	done
	# online payment (issue 12)
	for f in relay-zahlung-bestaetigung relay-zahlung-antrag relay-zahlung-ausstehend \
		relay-zahlung-abgebrochen relay-zahlung-bezahlt relay-zahlung-fehler; do
		echo "$SITE/$f.html" >>"$list"
		n_relay=$((n_relay + 1))
	done
else
	echo "not ok - relayd's error and confirmation pages could not be made:"
	grep -v '^ok' "$TEST_TMP/relay.out" | sed 's/^/#   /' | head -n 10
fi
echo "# vnu sample: $n_umbrella umbrella files, $n_full of $full, $n_part service pages of $partial, $n_relay of relayd"

start=$(date +%s)
sort -u "$list" | tr '\n' '\0' | xargs -0 node "$B/vnu.mjs" --root "$SITE"
rc=$?
echo "# vnu: $(( $(date +%s) - start ))s, exit $rc"
[ $rc -eq 0 ]
