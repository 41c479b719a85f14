#!/bin/sh
# Issue 4 end to end with the git CLI and set commit dates: "Stand" dates
# from history, feeds, incremental counts (one service, one override, one
# template, a deleted service), staged rollout by --date, reproducibility.
set -u
. "$ROOT/tests/lib.sh"
R="$TEST_TMP/repo"
mkdir -p "$R"
cp -r "$ROOT/content" "$ROOT/themes" "$R/"
cd "$R" || exit 2
export GIT_AUTHOR_NAME=Redaktion GIT_AUTHOR_EMAIL=redaktion@example.org
export GIT_COMMITTER_NAME=Redaktion GIT_COMMITTER_EMAIL=redaktion@example.org
commit_at() {   # commit_at DATE MESSAGE
	git add -A && GIT_AUTHOR_DATE="$1T10:00:00Z" GIT_COMMITTER_DATE="$1T10:00:00Z" \
		git commit -qm "$2"
}
git init -q . && commit_at 2024-01-10 "Katalog"
sed -i 's/^summary: .*/summary: Melden Sie Ihren Hund an (geändert)./' content/services/hundeanmeldung.yml
commit_at 2025-06-01 "Hundeanmeldung überarbeitet"
printf '\nnote: |\n  Neue Öffnungszeiten.\n' >>content/cities/dorsten/hundeanmeldung.yml
commit_at 2025-09-01 "Dorsten: Hinweis"

S="$TEST_TMP/site"
"$SITEGEN" build --ref HEAD --out "$S" --date 2026-01-01 >out.txt 2>err.txt
check "build --ref HEAD" test $? -eq 0
check "Stand from the override's commit" grep -q 'Stand: 01.09.2025' "$S/dorsten/leistungen/hundeanmeldung.html"
check "Stand from the service's commit elsewhere" grep -q 'Stand: 01.06.2025' "$S/gladbeck/leistungen/hundeanmeldung.html"
check "Stand of an untouched service" grep -q 'Stand: 10.01.2024' "$S/dorsten/leistungen/geburtsurkunde.html"
check "footer shows the short commit" grep -q "Version $(git rev-parse --short=7 HEAD)" "$S/dorsten/index.html"
check "feed of Dorsten parses" python3 -c "import xml.etree.ElementTree as E; E.parse('$S/dorsten/feed.xml')"
first=$(python3 -c "
import xml.etree.ElementTree as E
ns={'a':'http://www.w3.org/2005/Atom'}
e=E.parse('$S/dorsten/feed.xml').getroot().find('a:entry',ns)
print(e.find('a:title',ns).text, e.find('a:updated',ns).text)")
check "newest feed entry is the Dorsten change" sh -c "echo '$first' | grep -q 'Hund.*2025-09-01'"
"$SITEGEN" build --ref HEAD --out "$TEST_TMP/site2" --date 2026-01-01 >/dev/null 2>&1
check "two builds of one commit are byte-identical" diff -r -x .sitegen-cache -x .sitegen-fingerprint "$S" "$TEST_TMP/site2"
c=$("$SITEGEN" build --ref HEAD --out "$S" --date 2026-01-01 2>&1 | head -n 1)
check "--ref, nothing changed: recognised without loading [$c]" sh -c "echo '$c' | grep -q 'no input changed'"
c=$("$SITEGEN" build --ref HEAD --out "$S" --date 2026-01-02 2>&1 | head -n 1)
check "--ref, another --date: a real build [$c]" sh -c "! echo '$c' | grep -q 'no input changed'"

# --ref with nothing changed is told from .git's files alone
# (generator/git/refquick.h), without libgit2 (the release binary does not
# even load it; the ASan one tested here links it, so the line it prints
# tells). Whatever it cannot be sure of goes the way through libgit2.
S4="$TEST_TMP/site4"
quick() {   # quick REV: "quick", "libgit2" or "built", by the second build
	"$SITEGEN" build --ref "$1" --out "$S4" --date 2026-01-01 >/dev/null 2>&1
	o=$("$SITEGEN" build --ref "$1" --out "$S4" --date 2026-01-01 2>/dev/null)
	if ! echo "$o" | grep -q 'no input changed'; then echo built
	elif echo "$o" | grep -q 'without libgit2'; then echo quick
	else echo libgit2; fi
}
branch=$(git symbolic-ref --short HEAD)
check "--ref HEAD, nothing changed: without libgit2 [$(quick HEAD)]" test "$(quick HEAD)" = quick
check "--ref $branch (a branch), nothing changed: without libgit2" test "$(quick "$branch")" = quick
check "--ref <full id>, nothing changed: without libgit2" test "$(quick "$(git rev-parse HEAD)")" = quick
git pack-refs --all
check "--ref $branch from packed-refs: without libgit2" test "$(quick "$branch")" = quick
check "--ref HEAD~1: through libgit2, then recognised" test "$(quick HEAD~1)" = libgit2
git tag -a -m "Stand Januar" v1 HEAD~1
check "--ref v1 (an annotated tag): through libgit2, then recognised" test "$(quick v1)" = libgit2
"$SITEGEN" build --ref HEAD --out "$S4" --date 2026-01-01 >/dev/null 2>&1
git tag "$branch" HEAD~1     # a tag of the branch's name: git takes the tag
c=$("$SITEGEN" build --ref "$branch" --out "$S4" --date 2026-01-01 2>&1 | head -n 1)
check "--ref $branch with a tag of that name: the tag's commit is built [$c]" \
	grep -q "Version $(git rev-parse --short=7 HEAD~1)" "$S4/dorsten/index.html"
git tag -d "$branch" >/dev/null
"$SITEGEN" build --ref HEAD --out "$S4" --date 2026-01-01 >/dev/null 2>&1
touch "$S4/stray.html"
c=$("$SITEGEN" build --ref HEAD --out "$S4" --date 2026-01-01 2>&1 | head -n 1)
check "--ref HEAD, a file added to the site by hand: a real build [$c]" \
	sh -c "! echo '$c' | grep -q 'no input changed' && test ! -e '$S4/stray.html'"
sed -i 's/^summary: .*/summary: Eine Zusammenfassung, neu./' content/services/geburtsurkunde.yml
git add -A && GIT_COMMITTER_DATE="2025-09-02T10:00:00Z" git commit -qm "Geburtsurkunde"
c=$("$SITEGEN" build --ref HEAD --out "$S4" --date 2026-01-01 2>&1 | head -n 1)
check "--ref HEAD after a new commit: a real build of it [$c]" \
	sh -c "! echo '$c' | grep -q 'no input changed' && grep -q 'Version $(git rev-parse --short=7 HEAD)' '$S4/dorsten/index.html'"
git reset -q --hard HEAD~1

# A page's bytes depend only on its inputs: a commit that changes one
# service rewrites its pages and the pages listing it, nothing else; the
# other files keep inode and mtime (rsync copies only what changed).
S3="$TEST_TMP/site3"
"$SITEGEN" build --ref HEAD --out "$S3" --date 2026-01-01 >/dev/null 2>&1
stamp() { (cd "$S3" && find . -type f ! -name '.*' -printf '%P %i %T@\n' | sort); }
stamp >before.txt
sed -i 's/^summary: .*/summary: Beantragen Sie eine Geburtsurkunde (geändert)./' content/services/geburtsurkunde.yml
commit_at 2025-10-01 "Geburtsurkunde: Zusammenfassung"
"$SITEGEN" build --ref HEAD --out "$S3" --date 2026-01-01 >out3.txt 2>&1
check "build of the one-service commit" test $? -eq 0
stamp >after.txt
comm -13 before.txt after.txt | cut -d' ' -f1 >rewritten.txt
others=$(grep -Ev '(^|/)(leistungen/geburtsurkunde\.html|index\.html|kategorien/familie-und-kind\.html|a-z\.html|suche\.html|suche-texte\.json|feed\.xml|build\.json)$' rewritten.txt | tr '\n' ' ')
check "one service committed: only its pages, the lists showing it, feeds and build.json rewritten [$(wc -l <rewritten.txt) files; others: $others]" test -z "$others"
n=$(grep -c 'leistungen/geburtsurkunde\.html$' rewritten.txt)
offered=$(ls "$S3"/*/leistungen/geburtsurkunde.html "$S3"/leistungen/geburtsurkunde.html | wc -l)
check "every page of the service rewritten [$n of $offered]" test "$n" -eq "$offered"
# The search: the service's folded text changed in the one file every
# portal shares; each portal's index only numbers what it lists.
check "the search texts rewritten" grep -q '^suche-texte\.json$' rewritten.txt
check "... no portal's search index" sh -c "! grep -q 'suche\.json\$' rewritten.txt"
check "another service's page keeps its file" grep -q '^dorsten/leistungen/hundeanmeldung.html ' before.txt
check "... and it is not rewritten" sh -c "! grep -q '^dorsten/leistungen/hundeanmeldung.html\$' rewritten.txt"
check "the Impressum is not rewritten" sh -c "! grep -q 'impressum.html' rewritten.txt"
check "the changed service's page names the new commit" grep -q "generator-commit\" content=\"$(git rev-parse HEAD)\"" "$S3/dorsten/leistungen/geburtsurkunde.html"
check "build.json names the commit built" grep -q "\"commit\": \"$(git rev-parse HEAD)\"" "$S3/build.json"
# Each list names the last change of what it lists (issue 13 point 3): the
# service's category page and the A-Z page the new commit, another
# category's page its older one, and it keeps its file.
names() { grep -q "generator-commit\" content=\"$1\"" "$2"; }
check "its category page names the new commit" names "$(git rev-parse HEAD)" "$S3/dorsten/kategorien/familie-und-kind.html"
check "the A-Z page names the new commit" names "$(git rev-parse HEAD)" "$S3/dorsten/a-z.html"
check "another category's page names its last change (the first commit)" \
	names "$(git rev-list --max-parents=0 HEAD)" "$S3/dorsten/kategorien/bauen-und-wohnen.html"
check "... and is not rewritten" sh -c "! grep -q 'kategorien/bauen-und-wohnen.html\$' rewritten.txt"
"$SITEGEN" build --ref HEAD --out "$TEST_TMP/site3-full" --date 2026-01-01 >/dev/null 2>&1
check "the incremental build equals a build from scratch" \
	diff -r -x .sitegen-cache -x .sitegen-fingerprint "$S3" "$TEST_TMP/site3-full"
# An override that takes the service off one portal changes that portal's
# lists, which name its commit, though they do not list the service now.
stamp >before.txt
printf 'offered: false\n' >content/cities/dorsten/geburtsurkunde.yml
commit_at 2025-10-02 "Dorsten: Geburtsurkunde nicht mehr online"
"$SITEGEN" build --ref HEAD --out "$S3" --date 2026-01-01 >out3.txt 2>&1
check "build of the override commit" test $? -eq 0
stamp >after.txt
comm -13 before.txt after.txt | cut -d' ' -f1 >rewritten.txt
check "Dorsten's category page no longer lists the service" \
	sh -c "! grep -q 'leistungen/geburtsurkunde.html' '$S3/dorsten/kategorien/familie-und-kind.html'"
check "... and names the override's commit" names "$(git rev-parse HEAD)" "$S3/dorsten/kategorien/familie-und-kind.html"
check "Gladbeck's page of that category is not rewritten" \
	sh -c "! grep -q '^gladbeck/kategorien/familie-und-kind.html\$' rewritten.txt"
"$SITEGEN" build --ref HEAD --out "$TEST_TMP/site3-full2" --date 2026-01-01 >/dev/null 2>&1
check "... and the incremental build equals a build from scratch" \
	diff -r -x .sitegen-cache -x .sitegen-fingerprint "$S3" "$TEST_TMP/site3-full2"

# Incremental builds of the working tree.
W="$TEST_TMP/wt"
"$SITEGEN" build --out "$W" --date 2026-01-01 >/dev/null 2>&1
counts() { "$SITEGEN" build --out "$W" --date 2026-01-01 2>&1 | head -n 1; }
c=$(counts)
check "no change: 0 written [$c]" sh -c "echo '$c' | grep -Eq '^0 written, [0-9]+ unchanged, 0 removed'"
check "no change: nothing rendered, nothing loaded [$c]" sh -c "echo '$c' | grep -Eq 'removed \\(working tree, no input changed'"

# The fingerprint is conservative: a touched file (same bytes), a file
# removed from the output by hand, another --relay-url all mean a real build.
touch themes/default/footer.mustache
c=$(counts)
check "a touched template is noticed: rebuilt, same bytes [$c]" sh -c "echo '$c' | grep -Eq '^0 written, .*pages reused'"
rm "$W/dorsten/impressum.html"
c=$(counts)
check "a page deleted from the output by hand is built again [$c]" test -f "$W/dorsten/impressum.html"
c=$("$SITEGEN" build --out "$W" --date 2026-01-01 --relay-url https://anders.example.org 2>&1 | head -n 1)
check "another --relay-url: a real build [$c]" sh -c "! echo '$c' | grep -q 'no input changed'"
c=$(counts)
# The recorded state does not read a folder whose link count says it
# holds no folder (dorsten/leistungen/, write/fingerprint.c), but records
# its mtime: a folder or a file made in it by hand is still noticed.
c=$(counts)
check "no change again: skipped [$c]" sh -c "echo '$c' | grep -q 'no input changed'"
mkdir "$W/dorsten/leistungen/von-hand"
c=$(counts)
check "a folder made by hand in dorsten/leistungen/: a real build [$c]" \
	sh -c "! echo '$c' | grep -q 'no input changed'"
# (an empty folder is no file of the site: it stays, and is recorded)
c=$(counts)
check "... and the next build skips [$c]" sh -c "echo '$c' | grep -q 'no input changed'"
rmdir "$W/dorsten/leistungen/von-hand"
counts >/dev/null
echo x >"$W/dorsten/leistungen/von-hand.html"
c=$(counts)
check "a file made by hand in dorsten/leistungen/: a real build, and it is gone [$c]" \
	sh -c "! echo '$c' | grep -q 'no input changed' && test ! -e '$W/dorsten/leistungen/von-hand.html'"

# Racily clean inputs (write/fingerprint.c): a file written in the clock
# tick in which a build takes its identity could be written again unseen,
# so that build's identity is its own and the next build is a real one.
# A time in the future stands for "this very tick" without racing the clock.
touch -d "@$(( $(date +%s) + 3 ))" themes/default/footer.mustache
counts >/dev/null
c=$(counts)
check "an input as young as the build: the next build is a real one [$c]" \
	sh -c "! echo '$c' | grep -q 'no input changed'"
sleep 3
counts >/dev/null
c=$(counts)
check "... and once it is older, no change is recognised again [$c]" \
	sh -c "echo '$c' | grep -q 'no input changed'"

sed -i 's/^summary: .*/summary: Beantragen Sie eine Meldebescheinigung (neu)./' content/services/meldebescheinigung.yml
c=$(counts)
n=$(echo "$c" | sed -E 's/^([0-9]+) written.*/\1/')
# 12 city pages + the umbrella page + category, A-Z and search pages list its summary.
check "one service edited: only pages showing it rewritten [$c]" test "$n" -ge 13 -a "$n" -le 120

# Listing pages are keyed by what they show (render/cachekey.c): an edit
# of a service's text renders none of them again, an edit of its title
# exactly the lists that show it (its category, A-Z and search page of
# each portal); text pages (Impressum, ...) have keys of their own. A mark added to the deployed pages by hand (an edit in
# place is not noticed, see generator/README.md) stays where a page is
# reused and goes where it is rendered again.
listing() { (cd "$W" && ls index.html ./*/index.html kategorien/*.html ./*/kategorien/*.html \
	a-z.html ./*/a-z.html suche.html ./*/suche.html impressum.html ./*/impressum.html); }
mark_all() { for f in $(listing); do echo '<!-- mark by hand -->' >>"$W/$f"; done; }
marked() { n=0; for f in $(listing); do grep -q 'mark by hand' "$W/$f" && n=$((n + 1)); done; echo $n; }
showing() { for f in $(listing); do grep -q "$1" "$W/$f" && echo "$f"; done; }
n_lists=$(listing | wc -l)
old_lists=$(showing 'Meldebescheinigung beantragen' | tr '\n' ' ')
mark_all
sed -i 's/^description: |$/description: |\n  Neu: jetzt auch online./' content/services/meldebescheinigung.yml
c=$(counts)
check "a service's text edited: its pages show it [$c]" grep -q 'Neu: jetzt auch online' "$W/dorsten/leistungen/meldebescheinigung.html"
check "... no listing or text page rendered again [$(marked) of $n_lists marked]" test "$(marked)" -eq "$n_lists"
sed -i 's/^title: .*/title: Meldebescheinigung anfordern/' content/services/meldebescheinigung.yml
c=$(counts)
new_lists=$(showing 'Meldebescheinigung anfordern' | tr '\n' ' ')
check "a service's title edited: every list that showed it shows the new one [$new_lists]" test "$new_lists" = "$old_lists"
check "... its category, A-Z and search page in all 14 portals" test "$(echo $new_lists | wc -w)" -eq 42
check "... rendered again [$c]" test -z "$(for f in $new_lists; do grep -l 'mark by hand' "$W/$f"; done)"
check "... no other listing or text page rendered again [$(marked) of $n_lists marked]" test "$(marked)" -eq $((n_lists - 42))

printf '\nnote: |\n  Terminvergabe nur online.\n' >>content/cities/marl/meldebescheinigung.yml 2>/dev/null ||
	printf 'note: |\n  Terminvergabe nur online.\n' >content/cities/marl/meldebescheinigung.yml
c=$(counts)
check "one override edited: exactly its page rewritten [$c]" sh -c "echo '$c' | grep -Eq '^1 written,'"
check "the override's note is on the page" grep -q 'Terminvergabe nur online' "$W/marl/leistungen/meldebescheinigung.html"

sed -i 's/^stopwords: \[/stopwords: [gerne, /' content/search.yml
c=$(counts)
check "search.yml edited: the search indexes written again [$c]" grep -q '"gerne"' "$W/suche.json"

# Parsed YAML is kept beside the output (load/yamlcache.c): diagnostics
# from cached trees name the same file:line:col as a fresh parse (sitegen
# check parses everything), and a damaged cache only costs parsing.
check "the parsed YAML is kept beside the output" test -s "$W.yaml-cache"
cp content/categories.yml categories.yml.orig
sed -i 's/slug: familie-und-kind$/slug: familie-und-kinder/' content/categories.yml
"$SITEGEN" build --out "$W" --date 2026-01-01 2>&1 | grep ': ' | grep -v '^sitegen:' | sort >cached.err
"$SITEGEN" check 2>&1 | grep ': ' | grep -v '^sitegen:' | sort >parsed.err
check "errors in cached files: the same file:line:col as parsed [$(wc -l <cached.err) errors]" \
	sh -c "test -s cached.err && cmp -s cached.err parsed.err && grep -q 'yml:[0-9]*:[0-9]*: ' cached.err"
cp categories.yml.orig content/categories.yml
head -c 200 "$W.yaml-cache" >cut && printf 'kaputt' >>cut && cp cut "$W.yaml-cache"
sed -i 's/^summary: .*/summary: Eine Bescheinigung Ihrer Meldedaten./' content/services/meldebescheinigung.yml
c=$(counts)
check "a damaged cache: the build parses again [$c]" grep -q 'Eine Bescheinigung Ihrer Meldedaten' "$W/dorsten/leistungen/meldebescheinigung.html"

# The working tree's file ids are kept beside the output too
# (load/statcache.c): a file whose stat is unchanged is not read for its
# id. A file edited in place with its size and mtime kept is still seen
# (its ctime changed), a file as young as the build is not recorded
# (racily clean, util/racy.h), and a cache altered by hand is not used.
sleep 0.1               # every content file older than RACY_NS
touch content/links.yml # a real build, which records them
counts >/dev/null
check "the file ids are kept beside the output" \
	grep -q ' content/services/meldebescheinigung.yml$' "$W.stat-cache"
f=content/services/meldebescheinigung.yml
touch -r "$f" stamp.ref
python3 -c "
import sys
f = open(sys.argv[1], 'r+b'); b = f.read(); i = b.index(b'Meldedaten')
f.seek(i); f.write(b'MELDEDATEN'); f.close()" "$f"
touch -r stamp.ref "$f"
c=$(counts)
check "a file edited in place, size and mtime kept: seen [$c]" \
	grep -q 'Ihrer MELDEDATEN' "$W/dorsten/leistungen/meldebescheinigung.html"
touch -d "@$(( $(date +%s) + 3 ))" content/services/geburtsurkunde.yml
counts >/dev/null
check "a file as young as the build (mtime): no id recorded" sh -c "! grep -q ' content/services/geburtsurkunde.yml\$' '$W.stat-cache'"
touch -d "@$(( $(date +%s) - 60 ))" content/services/geburtsurkunde.yml
sleep 0.1
counts >/dev/null
check "... recorded once it is older" grep -q ' content/services/geburtsurkunde.yml$' "$W.stat-cache"
other=$(grep ' content/services/geburtsurkunde.yml$' "$W.stat-cache" | cut -c1-40)
sed -i "s|^[0-9a-f]\{40\}\( .* content/services/meldebescheinigung.yml\)$|$other\1|" "$W.stat-cache"
check "a cache altered by hand: the other service's id for a file" grep -q "^$other .* content/services/meldebescheinigung.yml$" "$W.stat-cache"
touch content/links.yml
c=$(counts)
check "... not used: the page is still its own [$c]" \
	grep -q 'Ihrer MELDEDATEN' "$W/dorsten/leistungen/meldebescheinigung.html"
"$SITEGEN" build --out "$TEST_TMP/wt-fresh" --date 2026-01-01 >/dev/null 2>&1
# (the lists carry the marks added by hand above: service pages only)
check "after all these: every service page as a build from scratch has it" \
	sh -c "cd '$W' && for f in \$(find . -path '*/leistungen/*' -type f); do
		cmp -s \"\$f\" '$TEST_TMP/wt-fresh/'\"\$f\" || exit 1; done"

pages=$(find "$W" -name '*.html' | wc -l)
printf "<!-- Vorlage geändert -->\n" >>themes/default/footer.mustache
c=$(counts)
n=$(echo "$c" | sed -E 's/^([0-9]+) written.*/\1/')
check "one template edited: every page rewritten [$c, $pages pages]" test "$n" -eq "$pages"

offered=$(ls "$W"/*/leistungen/sperrmuell.html "$W"/leistungen/sperrmuell.html 2>/dev/null | wc -l)
rm content/services/sperrmuell.yml content/cities/*/sperrmuell.yml 2>/dev/null
c=$(counts)
r=$(echo "$c" | sed -E 's/.* ([0-9]+) removed.*/\1/')
check "deleted service: its $offered pages removed [$c]" test "$r" -eq "$offered"
check "deleted service: page gone" test ! -e "$W/dorsten/leistungen/sperrmuell.html"
# Each portal's search index numbers the texts of the services its
# search page lists, reused or not, after all these rebuilds.
check "after the edits: every portal's search index fits its page and the texts" \
	python3 "$ROOT/tests/search_fits.py" "$W"

# Staged rollout: a city launching later is built only from its date on.
sed -i 's/^launch: .*/launch: 2027-03-01/' content/cities/marl/city.yml
"$SITEGEN" build --out "$TEST_TMP/r1" --date 2027-02-28 >/dev/null 2>&1
check "before launch: no portal" test ! -e "$TEST_TMP/r1/marl/index.html"
check "before launch: umbrella announces it" grep -q '01.03.2027' "$TEST_TMP/r1/index.html"
# Built from a commit: a feed for each portal that is live at the date.
commit_at 2026-11-20 "Marl: Start am 01.03.2027"
"$SITEGEN" build --ref HEAD --out "$TEST_TMP/r1f" --date 2027-02-28 >/dev/null 2>&1
check "before launch, from a commit: no feed of its portal" test ! -e "$TEST_TMP/r1f/marl/feed.xml"
check "... but the umbrella's and a live city's" test -e "$TEST_TMP/r1f/feed.xml" -a -e "$TEST_TMP/r1f/dorsten/feed.xml"
"$SITEGEN" build --out "$TEST_TMP/r2" --date 2027-03-01 >/dev/null 2>&1
check "on launch day: portal built" test -e "$TEST_TMP/r2/marl/index.html"
printf 'available_from: 2027-06-01\n' >>content/services/meldebescheinigung.yml
"$SITEGEN" build --out "$TEST_TMP/r3" --date 2027-05-31 >/dev/null 2>&1
check "service before available_from: not built" test ! -e "$TEST_TMP/r3/dorsten/leistungen/meldebescheinigung.html"
"$SITEGEN" build --out "$TEST_TMP/r4" --date 2027-06-01 >/dev/null 2>&1
check "service from available_from: built" test -e "$TEST_TMP/r4/dorsten/leistungen/meldebescheinigung.html"

# "Stand" is the day in Berlin: a commit at 23:30 UTC in December was made
# at 00:30 on the next day there.
sed -i 's/^summary: .*/summary: Spät abends geändert./' content/services/geburtsurkunde.yml
git add -A && GIT_AUTHOR_DATE="2026-12-03T23:30:00Z" GIT_COMMITTER_DATE="2026-12-03T23:30:00Z" \
	git commit -qm "Geburtsurkunde, spät abends"
"$SITEGEN" build --ref HEAD --out "$TEST_TMP/late" --date 2027-06-01 >/dev/null 2>&1
check "Stand of a commit at 23:30 UTC in winter: the next day in Berlin" \
	grep -q 'Stand: 04.12.2026' "$TEST_TMP/late/gladbeck/leistungen/geburtsurkunde.html"
done_testing
