#!/bin/sh
# sitegen CLI: a broken catalogue fails with file:line:col errors and leaves
# the deployed site untouched; a good one swaps in atomically; a rebuild
# without changes rewrites nothing.
set -u
. "$ROOT/tests/lib.sh"
W="$TEST_TMP/w"
mkdir -p "$W"
cp -r "$ROOT/content" "$ROOT/themes" "$W/"
cd "$W" || exit 2

"$SITEGEN" build --out site --date 2026-11-25 >out.txt 2>err.txt
check "build of content/ succeeds" test $? -eq 0
check "build prints counts" grep -Eq '^[0-9]+ written, 0 unchanged, 0 removed' out.txt
check "umbrella start page exists" test -f site/index.html
n1=$(find site -type f ! -name '.sitegen-*' | wc -l)
stamp=$(stat -c %Y site/index.html)
sleep 1.1
"$SITEGEN" build --out site --date 2026-11-25 >out2.txt 2>err2.txt
check "no-change rebuild writes nothing" grep -Eq "^0 written, $n1 unchanged, 0 removed" out2.txt
check "unchanged file keeps its mtime" test "$(stat -c %Y site/index.html)" = "$stamp"

# Break a service in two ways; the old site must survive untouched.
svc=$(ls content/services | head -n 1)
printf 'title: [kaputt\n' >"content/services/$svc"
"$SITEGEN" build --out site --date 2026-11-25 >out3.txt 2>err3.txt
rc=$?
check "invalid YAML fails the build" test $rc -ne 0
check "error names file:line:col" grep -q "^content/services/$svc:2:1: invalid YAML" err3.txt
check "site untouched after a failed build" test "$(stat -c %Y site/index.html)" = "$stamp"
check "no temporary directory left behind" sh -c '! ls -d site.tmp.* 2>/dev/null | grep -q .'
check "check command fails too" sh -c "! '$SITEGEN' check >/dev/null 2>&1"

cp "$ROOT/content/services/$svc" "content/services/$svc"
sed -i 's/^category: .*/category: gibt-es-nicht/' "content/services/$svc"
mkdir -p content/cities/dorsten
printf 'costs: 1 Euro\n' >content/cities/dorsten/keine-solche-leistung.yml
"$SITEGEN" check >out4.txt 2>err4.txt
check "unknown category and unknown service both reported" sh -c \
	"grep -q \"^content/services/$svc:1:1: .*unknown category 'gibt-es-nicht'\" err4.txt &&
	 grep -q '^content/cities/dorsten/keine-solche-leistung.yml:1:1: .*does not exist' err4.txt"
cp "$ROOT/content/services/$svc" "content/services/$svc"
rm content/cities/dorsten/keine-solche-leistung.yml

# A relative link in Markdown that leads nowhere is caught by check and build.
cp content/services/geburtsurkunde.yml "$TEST_TMP/gb.yml"
sed -i 's/^description: |$/description: |\n  Siehe [Formular](formular-gibt-es-nicht.html).\n/' content/services/geburtsurkunde.yml
"$SITEGEN" check >out6.txt 2>err6.txt
rc=$?
check "check fails on a broken internal link" test $rc -ne 0
check "and names the page and the target" grep -q "leistungen/geburtsurkunde.html: broken link: '.*leistungen/formular-gibt-es-nicht.html'" err6.txt
"$SITEGEN" build --out site --date 2026-11-25 >/dev/null 2>&1
check "build refuses it too, site untouched" test "$(stat -c %Y site/index.html)" = "$stamp"
cp "$TEST_TMP/gb.yml" content/services/geburtsurkunde.yml

# A broken or missing template of the default theme, which a build
# compiles beside the loading of the catalogue (on the thread that opens
# the output), is reported as file:line:col and fails the build, on two
# threads and on one; the site stays as it was.
cp themes/default/az.mustache "$TEST_TMP/az.mustache"
printf '{{#kaputt}}\n' >>themes/default/az.mustache
for j in 2 1; do
	"$SITEGEN" build --out site --date 2026-11-25 -j $j >out7.txt 2>err7.txt
	rc=$?
	check "-j $j: a broken template fails the build" test $rc -ne 0
	check "-j $j: ... with file:line:col" grep -q "^themes/default/az.mustache:[0-9]*:1: unclosed section '{{#kaputt}}'" err7.txt
	check "-j $j: ... site untouched" test "$(stat -c %Y site/index.html)" = "$stamp"
done
cp "$TEST_TMP/az.mustache" themes/default/az.mustache
mv themes/default/search_box.mustache "$TEST_TMP/search_box.mustache"
"$SITEGEN" build --out site --date 2026-11-25 -j 2 >out8.txt 2>err8.txt
rc=$?
check "a missing partial fails the build, named" sh -c \
	"test $rc -ne 0 && grep -q '^themes/default: template search_box.mustache not found' err8.txt"
mv "$TEST_TMP/search_box.mustache" themes/default/search_box.mustache

# Deleting a service removes its pages.
rm "content/services/$svc" content/cities/*/"$svc"
"$SITEGEN" build --out site --date 2026-11-25 >out5.txt 2>err5.txt
check "deleted service: pages counted as removed" grep -Eq '^[0-9]+ written, [0-9]+ unchanged, [1-9][0-9]* removed' out5.txt
check "deleted service: its page is gone" sh -c "! test -e site/dorsten/leistungen/${svc%.yml}.html"
check "unknown option is an error" sh -c "! '$SITEGEN' build --bogus >/dev/null 2>&1"
check "bad --date is an error" sh -c "! '$SITEGEN' build --date 2026-13-01 >/dev/null 2>&1"
done_testing
