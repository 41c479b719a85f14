#!/bin/sh
# The example git hooks (generator/hooks): pre-commit checks the staged
# tree, not the working tree; pre-receive rejects a push whose content
# fails `sitegen check` (reading the pushed objects from git's
# quarantine) and accepts a good one.
set -u
. "$ROOT/tests/lib.sh"
export GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.org
export GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.org
export HOME="$TEST_TMP" GIT_CONFIG_NOSYSTEM=1
W="$TEST_TMP/w"
mkdir -p "$W"
cp -r "$ROOT/content" "$ROOT/themes" "$W/"
cd "$W" || exit 2
git init -q -b main . && git add -A && git commit -q -m start || exit 2
cp "$ROOT/generator/hooks/pre-commit" .git/hooks/pre-commit
git config hooks.sitegen "$SITEGEN"
svc=$(ls content/services | head -n 1)

# pre-commit
printf 'title: [kaputt\n' >"content/services/$svc"
git add "content/services/$svc"
git commit -q -m broken >out1.txt 2>err1.txt
check "pre-commit refuses broken staged content" test $? -ne 0
check "its error names file:line:col" grep -q "^content/services/$svc:2:1: " err1.txt
check "nothing was committed" test "$(git rev-list --count HEAD)" = 1

git checkout -q HEAD -- "content/services/$svc"
echo "# Kommentar" >>content/region.yml
git add content/region.yml
printf 'title: [kaputt\n' >"content/services/$svc"     # not staged
git commit -q -m "good staged, broken unstaged" >out2.txt 2>err2.txt
check "pre-commit checks the index, not unstaged edits" test $? -eq 0
git checkout -q -- "content/services/$svc"

printf 'x\n' >notes.txt
git add notes.txt
printf 'title: [kaputt\n' >"content/services/$svc"
git commit -q -m "no content staged" >/dev/null 2>&1
check "a commit without content/themes changes is not checked" test $? -eq 0
git checkout -q -- "content/services/$svc"

# pre-receive on a bare server repository
git clone -q --bare . "$TEST_TMP/server.git" || exit 2
cp "$ROOT/generator/hooks/pre-receive" "$TEST_TMP/server.git/hooks/pre-receive"
git -C "$TEST_TMP/server.git" config hooks.sitegen "$SITEGEN"
git remote add origin "$TEST_TMP/server.git"

echo "# noch ein Kommentar" >>content/region.yml
git add content/region.yml && git commit -q -m good
git push -q origin main >out3.txt 2>err3.txt
check "pre-receive accepts good content" test $? -eq 0
check "server has the good commit" test "$(git -C "$TEST_TMP/server.git" rev-parse main)" = "$(git rev-parse HEAD)"
good=$(git rev-parse HEAD)

printf 'title: [kaputt\n' >"content/services/$svc"
git add -A && git commit -q --no-verify -m "broken, hook skipped"
git push -q origin main >out4.txt 2>err4.txt
check "pre-receive rejects broken content" test $? -ne 0
check "the pusher sees the error position" grep -q "content/services/$svc:2:1: " err4.txt
check "server branch unchanged" test "$(git -C "$TEST_TMP/server.git" rev-parse main)" = "$good"
check "rejected objects are not in the server repository" sh -c \
	"! git -C '$TEST_TMP/server.git' cat-file -e $(git rev-parse HEAD) 2>/dev/null"

git push -q origin HEAD:refs/tags/kaputt >/dev/null 2>&1
check "tags are not checked" test $? -eq 0
git push -q origin :refs/tags/kaputt >/dev/null 2>&1
check "deletions pass" test $? -eq 0
done_testing
