#!/bin/sh
# t-a11y.sh - the checks an accessibility auditor (BITV 2.0 = WCAG 2.1 AA)
# runs first, in Debian's Chromium through playwright-core: axe-core, the
# skip link, visible focus, accessible names of form controls, reflow at
# 320 px, the site without JavaScript, from disk (file://), the search, and
# relayd's error and confirmation pages and the clerks' inbox (login, list,
# application).
# First the harness proves itself: a handmade accessible sample must pass
# every check and a deliberately broken page must fail each one. Then the
# real site, built from content/, is audited page by page.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
TEST_TMP=${TEST_TMP:-$(mktemp -d)}
SITEGEN=${SITEGEN:-$ROOT/bin/asan/sitegen}
RELAYD=${RELAYD:-$ROOT/bin/asan/relayd}
export ROOT TEST_TMP RELAYD
. "$ROOT/tests/browser/site.sh"

browser_deps node python3 || exit 1

# 1. The handmade sample passes: no false alarms.
g=$TEST_TMP/good.out
node "$B/axe.mjs" --root "$B/fixtures/good" --base-url https://beispiel.example --nojs antrag.html \
	--nojs suche.html --file index.html --search suche.html --error-form fehler.html \
	--missing unter/gibt-es-nicht.html index.html antrag.html suche.html 404.html fehler.html >"$g" 2>&1
rc=$?
n=$(grep -c '^ok ' "$g")
if [ $rc -eq 0 ] && ! grep -q '^not ok' "$g" && [ "$n" -ge 20 ]; then
	echo "ok - harness: the accessible sample page passes all $n checks"
else
	echo "not ok - harness: the accessible sample page fails (exit $rc, $n ok):"
	grep -v '^ok ' "$g" | sed 's/^/#   /' | head -n 20
fi

# 2. The broken page: every kind of fault is reported.
b=$TEST_TMP/bad.out
node "$B/axe.mjs" --root "$B/fixtures/bad" --nojs index.html --file index.html --error-form index.html \
	--search suche.html index.html falle.html >"$b" 2>&1
rc=$?
if [ $rc -eq 1 ]; then
	echo "ok - harness: the broken page makes axe.mjs exit 1"
else
	echo "not ok - harness: the broken page made axe.mjs exit $rc"
	sed 's/^/#   /' "$b" | head -n 20
fi
expect() {
	if grep -q -- "$2" "$b"; then
		echo "ok - harness reports $1"
	else
		echo "not ok - harness does not report $1 (no line matching '$2')"
	fi
}
expect "low contrast (axe color-contrast)" '^not ok - axe index.html: color-contrast serious \.blass'
expect "an input without label (axe label)" '^not ok - axe index.html: label critical input\[name="nachname"\]'
expect "a select without name (axe select-name)" '^not ok - axe index.html: select-name '
expect "a missing skip link" '^not ok - skip link index.html: the first Tab focuses a '
expect "focus without outline" '^not ok - focus visible index.html: 5 of 6 Tab stops .*a "Eine fehlende Seite" (outline none'
expect "a focus outline below 3:1" '^not ok - focus visible index.html: .*button "Senden": indicator contrast 1.23:1'
expect "a field border below 3:1" '^not ok - field borders index.html: 1 of 3 fields .*input\[name=nachname\]'
expect "text cut off with more text spacing" '^not ok - text spacing index.html: .*p.knapp'
expect "controls without accessible name (Chromium's tree)" '^not ok - names index.html: 3 of 4 form controls'
expect "sideways scrolling at 320 px" '^not ok - reflow 320px index.html: scrollWidth 900 > 320'
expect "a request to a third-party host" '^not ok - requests index.html: request to another host: https://fonts.example.com/'
expect "a form hidden without JavaScript" '^not ok - nojs index.html: .*form /senden is hidden'
expect "a link to a directory from disk" '^not ok - file:// index.html: .*ordner/ (a directory'
expect "a title that does not name the page" '^not ok - title falle.html: title "Startseite" does not contain the h1'
expect "a keyboard trap" '^not ok - focus visible falle.html: keyboard trap: Tab stays on input#falle'
expect "a search result count without a live region" '^not ok - search suche.html: no live region (role=status)'
expect "a missing stylesheet from disk" '^not ok - file:// index.html: .*fehlt.css (missing)'
expect "a missing stylesheet over http" '^not ok - requests index.html: .*HTTP 404 for http://127.0.0.1:[0-9]*/fehlt.css'
expect "an inline script the Content-Security-Policy blocks" '^not ok - csp falle.html: .*Content Security Policy'
expect "a page without a Content-Security-Policy" '^not ok - csp index.html: no Content-Security-Policy'
expect "an error page without the error pattern" '^not ok - error form index.html: title "Kaputte Seite" does not start with "Fehler: "; no error summary'

# 3. The real site.
build_site || exit 1
fail=0
add() { # add WHAT PAGE: appends PAGE to $pages or counts a failure
	if p=$(need "$1" "$2"); then pages="$pages $p"; else fail=1; fi
}
pages=""
add "umbrella start page (index.html)" "$(pick "" index.html)"
add "umbrella category page" "$(category_page "")"
add "umbrella A-Z page" "$(pick "" 'a-z*.html' 'az*.html' 'a-bis-z*.html' 'leistungen-a-z*.html' 'a-z/index.html' 'az/index.html')"
search=$(pick "" 'suche*.html' 'search*.html' 'suche/index.html')
add "umbrella search page" "$search"
add "umbrella Barrierefreiheit page" "$(pick "" 'barrierefreiheit*.html' 'erklaerung-zur-barrierefreiheit*.html' 'barrierefreiheit/index.html')"
add "404 page" "$(pick "" 404.html)"
ncity=0
nojs_page=""
file_page=""
for c in $(cities); do
	[ $ncity -lt 2 ] || break
	ncity=$((ncity + 1))
	add "$c start page" "$(pick "$c" index.html)"
	add "$c category page" "$(category_page "$c")"
	for s in $FORM_SERVICES; do
		p=$(service_page "$c" "$s")
		add "$c service page $s" "$p"
		[ -n "$nojs_page" ] || nojs_page=$p
		[ -n "$file_page" ] || file_page=$p
	done
done
[ $ncity -eq 2 ] || { echo "not ok - the build has $ncity city portals, the audit wants 2"; fail=1; }

extra=""
[ -n "$nojs_page" ] && extra="$extra --nojs $nojs_page --file $file_page"
[ -n "$search" ] && extra="$extra --nojs $search --search $search"
[ -f "$SITE/index.html" ] && extra="$extra --file index.html"
# A missing page deep in a city portal gets 404.html, as from nginx.
c1=$(cities | head -n 1)
extra="$extra --missing ${c1:-gelsenkirchen}/leistungen/gibt-es-nicht.html"
# 404.html and relayd's pages link absolutely, to the public address.
base_url=$(sed -n 's/^base_url:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$ROOT/content/region.yml" | tr -d '"'"'")
[ -n "$base_url" ] && extra="$extra --base-url $base_url"

# 4. The pages relayd renders itself: a form in its error state (422) and
# the confirmation, saved next to the site (they link to its files).
relay_pages=""
if [ -x "$RELAYD" ]; then
	c1=$(cities | head -n 1)
	if python3 "$B/relay_pages.py" "$SITE" "${c1:-gelsenkirchen}" hundeanmeldung; then
		relay_pages="relay-fehler.html relay-bestaetigung.html relay-suche.html relay-suche-leer.html relay-suche-portal.html relay-antrag.html"
		relay_pages="$relay_pages relay-amt-anmelden.html relay-amt-anmelden-fehler.html relay-amt-liste.html relay-amt-antrag.html"
		relay_pages="$relay_pages relay-antrag-unterlagen-fehler.html"
		extra="$extra --error-form relay-antrag-unterlagen-fehler.html --nojs relay-antrag.html"
		extra="$extra --error-form relay-fehler.html --nojs relay-fehler.html"
		extra="$extra --error-form relay-amt-anmelden-fehler.html --nojs relay-amt-liste.html --nojs relay-amt-antrag.html"
		# the citizens' Postfach
		relay_pages="$relay_pages relay-postfach.html relay-postfach-antwort.html relay-postfach-abgelaufen.html"
		relay_pages="$relay_pages relay-postfach-fehler.html relay-postfach-liste.html"
		extra="$extra --error-form relay-postfach-fehler.html --nojs relay-postfach.html --nojs relay-postfach-liste.html"
		relay_pages="$relay_pages relay-antrag-nachricht-fehler.html relay-antrag-nachrichten.html"
		extra="$extra --error-form relay-antrag-nachricht-fehler.html --nojs relay-antrag-nachrichten.html"
		# the citizens' login (issue 12)
		relay_pages="$relay_pages relay-anmelden-start.html relay-anmelden-noetig.html"
		relay_pages="$relay_pages relay-anmelden-fehler.html relay-formular-angemeldet.html"
		relay_pages="$relay_pages relay-postfach-servicekonto.html relay-postfach-liste-servicekonto.html"
		extra="$extra --nojs relay-anmelden-start.html --nojs relay-formular-angemeldet.html"
		# online payment (issue 12)
		relay_pages="$relay_pages relay-zahlung-bestaetigung.html relay-zahlung-antrag.html"
		relay_pages="$relay_pages relay-zahlung-ausstehend.html relay-zahlung-abgebrochen.html"
		relay_pages="$relay_pages relay-zahlung-bezahlt.html relay-zahlung-fehler.html"
		extra="$extra --nojs relay-zahlung-antrag.html --nojs relay-zahlung-abgebrochen.html"
	fi
else
	echo "not ok - $RELAYD is not built: its error and confirmation pages are not audited"
fi

# 5. The checks bite on the generator's real output too: the same content
# built with a copy of the themes whose CSS gets three faults appended
# (pale hint text, links without focus style, a main too wide for 320 px).
m=$TEST_TMP/mutant
mkdir -p "$m"
if [ -n "$file_page" ] && cp -R "$ROOT/themes" "$m/themes" && [ -f "$m/themes/default/style.css" ] &&
	printf '%s\n' '.hint { color: #b5b5b5; }' \
		'a:focus-visible { outline: none !important; box-shadow: none !important; }' \
		'main { min-width: 480px; }' >>"$m/themes/default/style.css" &&
	(cd "$ROOT" && "$SITEGEN" build --content content --themes "$m/themes" --out "$m/site") \
		>"$m/build.log" 2>&1; then
	node "$B/axe.mjs" --root "$m/site" "$file_page" >"$m/out" 2>&1
	mutant() {
		if grep -q "^not ok - $2" "$m/out"; then
			echo "ok - a faulty theme is reported on the built site: $1"
		else
			echo "not ok - a faulty theme is not reported on the built site: $1 (no line '$2')"
		fi
	}
	mutant "pale hint text (axe color-contrast)" 'axe [^ ]*: color-contrast serious #[^ ]*-hilfe'
	mutant "links without focus style" 'focus visible [^ ]*: [0-9]* of [0-9]* Tab stops without'
	mutant "main too wide for 320 px" 'reflow 320px [^ ]*: scrollWidth 4[89][0-9] > 320'
else
	echo "not ok - the site with a faulty theme copy could not be built: $(head -n 3 "$m/build.log" 2>/dev/null)"
fi

start=$(date +%s)
# shellcheck disable=SC2086
node "$B/axe.mjs" --root "$SITE" $extra $pages $relay_pages
rc=$?
echo "# axe.mjs: $(echo "$pages $relay_pages" | wc -w) pages in $(( $(date +%s) - start ))s, exit $rc"
[ $rc -eq 0 ] && [ $fail -eq 0 ]
