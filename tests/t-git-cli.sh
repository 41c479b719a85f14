#!/bin/sh
# sitegen with --ref: builds read the commit, not the working tree;
# two builds of one commit are byte-identical; pages carry the commit id;
# check accepts a tree id (what the pre-commit hook passes); a bad
# revision is a clear error; a shallow clone builds with a warning.
set -u
. "$ROOT/tests/lib.sh"
export GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.org
export GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.org
export HOME="$TEST_TMP" GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_DATE='@1700000000 +0000' GIT_COMMITTER_DATE='@1700000000 +0000'
W="$TEST_TMP/w"
mkdir -p "$W"
cp -r "$ROOT/content" "$ROOT/themes" "$W/"
cd "$W" || exit 2
git init -q -b main . && git add -A && git commit -q -m start || exit 2
head=$(git rev-parse HEAD)
svc=$(ls content/services | head -n 1)
slug=${svc%.yml}
title=$(sed -n 's/^title: //p' "content/services/$svc")

# an uncommitted edit: the working tree and the commit now differ
sed -i "s/^title: .*/title: Ungespeicherter Titel/" "content/services/$svc"
"$SITEGEN" build --ref HEAD --out a --date 2026-11-25 >out1.txt 2>err1.txt
check "build --ref HEAD succeeds" test $? -eq 0
check "it reports the commit" grep -q "commit $(echo "$head" | cut -c1-7)" out1.txt
check "the committed title is used" grep -qF "$title" "a/leistungen/$slug.html"
check "the uncommitted edit is ignored" sh -c "! grep -q 'Ungespeicherter Titel' a/leistungen/$slug.html"
check "pages carry the full commit id" grep -q "<meta name=\"generator-commit\" content=\"$head\">" a/index.html
"$SITEGEN" build --out wt --date 2026-11-25 >/dev/null 2>&1
check "without --ref the working tree is built" grep -q 'Ungespeicherter Titel' "wt/leistungen/$slug.html"

"$SITEGEN" build --ref main --out b --date 2026-11-25 >/dev/null 2>err2.txt
check "two builds of one commit are byte-identical" diff -r -x .sitegen-fingerprint a b

# A --ref build of a commit refquick resolves reads its objects without
# libgit2 (git/objects.h): the release binary does not even load it (the
# ASan binary links it).
LD_DEBUG=files "$ROOT/bin/sitegen" build --ref HEAD --out d --date 2026-11-25 \
	>out-d.txt 2>ld-files.txt
check "--ref HEAD: libgit2 is not loaded [$(grep -c 'file=libgit2' ld-files.txt)]" \
	sh -c "! grep -q 'file=libgit2' ld-files.txt"
check "and the build line says so" grep -q "without libgit2" out-d.txt
check "and its pages are those of the ASan build" diff -r -x .sitegen-fingerprint -x .sitegen-cache a d

# A revision only libgit2 resolves (HEAD~0): libgit2's init parses the
# system's CA certificates, for HTTPS; sitegen binds that call to its own
# function, which reads nothing (git/gitutil.c). The release binary: the
# ASan build exports all its symbols anyway.
LD_DEBUG=bindings "$ROOT/bin/sitegen" build --ref HEAD~0 --out e --date 2026-11-25 >/dev/null 2>ld.txt
check "libgit2's certificate parse is bound to sitegen's own function" \
	grep -q "libgit2\.so.* to .*sitegen \[0\]: normal symbol .mbedtls_x509_crt_parse_file" ld.txt
check "and its pages are those of the ASan build" diff -r -x .sitegen-fingerprint -x .sitegen-cache a e

git add "content/services/$svc"
tree=$(git write-tree)
"$SITEGEN" check --ref "$tree" >out3.txt 2>err3.txt
check "check accepts a tree id" test $? -eq 0
printf 'title: [kaputt\n' >"content/services/$svc"
git add "content/services/$svc"
tree=$(git write-tree)
"$SITEGEN" check --ref "$tree" >out4.txt 2>err4.txt
check "check of a broken tree fails" test $? -ne 0
check "with file:line:col" grep -q "^content/services/$svc:2:1: " err4.txt
git checkout -q HEAD -- "content/services/$svc"

"$SITEGEN" build --ref no-such-ref --out c >out5.txt 2>err5.txt
check "an unknown revision fails" test $? -ne 0
check "and names it" grep -q "no-such-ref" err5.txt
check "and writes nothing" test ! -e c

echo "# zweite" >>content/region.yml
git commit -q -am second
echo "# dritte" >>content/region.yml
git commit -q -am third
git clone -q --depth 1 "file://$W" "$TEST_TMP/shallow" 2>/dev/null
"$SITEGEN" build --ref HEAD --root "$TEST_TMP/shallow" --out "$TEST_TMP/s" \
	--date 2026-11-25 >out6.txt 2>err6.txt
check "a shallow clone builds" test $? -eq 0
check "with a warning that history dates are incomplete" grep -q "shallow clone" err6.txt
done_testing
