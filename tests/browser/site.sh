# site.sh - sourced by tests/t-a11y.sh and tests/t-html-valid.sh: builds
# the site from content/ and finds the pages an auditor samples. Page
# names are found in the generated tree (not hard-coded), so a renamed
# page is reported as missing by name instead of breaking the scripts.
# Needs ROOT, SITEGEN, TEST_TMP (tests/run sets them).

B="$ROOT/tests/browser"
SITE="$TEST_TMP/site"
# The five services with complete forms (content/README.md, issue 2).
# shellcheck disable=SC2034 # used by tests/t-a11y.sh
FORM_SERVICES="hundeanmeldung geburtsurkunde eheurkunde sondernutzungserlaubnis private-veranstaltung"

# browser_deps CMD...: "not ok" and non-zero when the npm packages or one
# of the programs CMD are missing (make deps installs them).
browser_deps() {
	for f in "$B/node_modules/axe-core/axe.min.js" "$B/node_modules/playwright-core/package.json" \
		"$B/node_modules/vnu-jar/build/dist/vnu.jar"; do
		if [ ! -f "$f" ]; then
			echo "not ok - $f is missing: run make deps (npm ci in tests/browser)"
			return 1
		fi
	done
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "not ok - $c is not installed: run make deps"
			return 1
		fi
	done
	return 0
}

# build_site: sitegen build into $SITE; one ok/not ok line.
build_site() {
	if [ ! -x "$SITEGEN" ]; then
		echo "not ok - site build: $SITEGEN is not built"
		return 1
	fi
	if ! (cd "$ROOT" && "$SITEGEN" build --content content --themes themes --out "$SITE") \
		>"$TEST_TMP/build.log" 2>&1; then
		echo "not ok - site build: sitegen build failed: $(head -n 5 "$TEST_TMP/build.log" | tr '\n' ' ')"
		return 1
	fi
	n=$(find "$SITE" -name '*.html' | wc -l)
	echo "ok - site build: $n HTML files in $SITE"
	return 0
}

# pick DIR PATTERN...: the first .html file (path relative to $SITE) in
# $SITE/DIR, not below it, whose name matches one of the shell patterns;
# DIR "" is the umbrella portal's top level. Prints nothing if none.
pick() {
	dir=$1
	shift
	for pat in "$@"; do
		for f in "$SITE/${dir:+$dir/}"$pat; do
			[ -f "$f" ] || continue
			printf '%s\n' "${f#"$SITE/"}"
			return 0
		done
	done
	return 0
}

# pick_deep DIR PATTERN: like pick, but anywhere below $SITE/DIR.
pick_deep() {
	find "$SITE/${1:+$1/}" -name "$2" -type f 2>/dev/null | sort | head -n 1 | sed "s|^$SITE/||"
}

# service_page CITY SLUG: the city's page of that service, whether it is
# <slug>.html or <slug>/index.html, at any depth; also a slug with a prefix
# or suffix (anmeldung-private-veranstaltung).
service_page() {
	p=$(pick_deep "$1" "$2.html")
	[ -n "$p" ] || p=$(find "$SITE/$1" -path "*/$2/index.html" -type f 2>/dev/null | sort | head -n 1 |
		sed "s|^$SITE/||")
	[ -n "$p" ] || p=$(pick_deep "$1" "*$2*.html")
	printf '%s' "$p"
}

# category_page DIR: a page of one category of that portal: a file in a
# directory named kategorie*/themen* (or a name starting with kategorie).
category_page() {
	p=$(find "$SITE/${1:+$1/}" -maxdepth 2 -type f -name '*.html' \
		\( -path '*/kategorie*/*' -o -path '*/themen*/*' -o -name 'kategorie*' \) 2>/dev/null |
		sort | head -n 1 | sed "s|^$SITE/||")
	printf '%s' "$p"
}

# cities: the city portals of the build (directories with an index.html),
# the two preferred ones first: a kreisfreie Stadt and a Kreis town.
cities() {
	{
		for c in gelsenkirchen dorsten; do
			[ -f "$SITE/$c/index.html" ] && echo "$c"
		done
		for d in "$SITE"/*/; do
			c=$(basename "$d")
			[ -f "$d/index.html" ] && [ -d "$ROOT/content/cities/$c" ] && echo "$c"
		done
	} | awk '!seen[$0]++'
}

# need WHAT PAGE: prints PAGE, or a "not ok" line to stderr when empty.
need() {
	if [ -z "$2" ]; then
		echo "not ok - page not found in the build: $1" >&2
		return 1
	fi
	printf '%s\n' "$2"
}
