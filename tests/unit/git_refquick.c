/* git_refquick - the commit a revision names, read from .git's files
 * without libgit2 (generator/git/refquick.h), agrees with `git rev-parse`
 * wherever it answers, and leaves to libgit2 what it cannot be sure of:
 * a tag or a refs/<name> that git would take before the branch, an
 * annotated tag, ~ and ^, an abbreviated id, a reference it cannot parse,
 * GIT_DIR in the environment, a reftable. */
#include "git/refquick.h"
#include "git_test.h"

static char repo[600];

/* refquick's answer for rev: its id, "" when it leaves it to libgit2. */
static const char *quick(const char *root, const char *rev)
{
	static char id[41];
	if (refquick_resolve(root, rev, id) != 1)
		id[0] = '\0';
	return id;
}

static void rev_parse(const char *root, const char *rev, char out[64])
{
	sh_out(out, 64, "git -C '%s' rev-parse --verify -q '%s' || echo none", root, rev);
}

/* refquick answers rev, with git's id. */
static void agrees(const char *root, const char *rev, const char *what)
{
	char want[64];
	rev_parse(root, rev, want);
	const char *got = quick(root, rev);
	ok(*got && strcmp(got, want) == 0, "%s: '%s' is %s (git: %s)", what, rev,
	   *got ? got : "left to libgit2", want);
}

/* refquick leaves rev to libgit2. */
static void leaves(const char *root, const char *rev, const char *what)
{
	const char *got = quick(root, rev);
	ok(!*got, "%s: '%s' left to libgit2 (%s)", what, rev, *got ? got : "yes");
}

static void test_parsers(void)
{
	char id[41], target[64];
	const char *h = "0123456789abcdef0123456789abcdef01234567";
	char line[64];
	snprintf(line, sizeof line, "%s\n", h);
	ok(refquick_parse_loose(line, strlen(line), id, target, sizeof target) == 1 &&
	   strcmp(id, h) == 0, "loose: an id");
	ok(refquick_parse_loose("ref: refs/heads/main\n", 21, id, target, sizeof target) == 2 &&
	   strcmp(target, "refs/heads/main") == 0, "loose: a symbolic reference");
	const char *bad[] = { "ref: refs/heads/../x\n", "ref: refs/heads//x\n", "ref: HEAD\n",
			      "ref: refs/heads/x.lock\n", "ref: refs/heads/.x\n",
			      "ref: refs/heads/a b\n", "0123456789ABCDEF0123456789abcdef01234567\n",
			      "0123456789abcdef\n", "ref: refs/worktree/x\n", "" };
	int refused = 0;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		refused += refquick_parse_loose(bad[i], strlen(bad[i]), id, target, sizeof target) == 0;
	ok(refused == (int)(sizeof bad / sizeof *bad), "loose: %d of %zu odd references refused",
	   refused, sizeof bad / sizeof *bad);
	char packed[512];
	snprintf(packed, sizeof packed, "# pack-refs with: peeled fully-peeled sorted \n"
		 "%s refs/heads/main\n%s refs/tags/v1\n^%s\n", h, h, h);
	ok(refquick_parse_packed(packed, strlen(packed), "refs/heads/main", id) == 1 &&
	   strcmp(id, h) == 0, "packed: a branch");
	ok(refquick_parse_packed(packed, strlen(packed), "refs/heads/mai", id) == 0,
	   "packed: a name only a prefix of one there is absent");
	ok(refquick_parse_packed(packed, strlen(packed) - 1, "refs/heads/main", id) == -1,
	   "packed: a file cut short is not trusted");
	snprintf(packed, sizeof packed, "%s refs/heads/main\nwhat\n", h);
	ok(refquick_parse_packed(packed, strlen(packed), "refs/heads/main", id) == -1,
	   "packed: a line of no known form: nothing in it trusted");
	snprintf(packed, sizeof packed, "%s refs/heads/main\n%s refs/heads/main\n", h, h);
	ok(refquick_parse_packed(packed, strlen(packed), "refs/heads/main", id) == -1,
	   "packed: a name twice is not trusted");
}

int main(void)
{
	setup();
	test_parsers();
	snprintf(repo, sizeof repo, "%s/r", tmp);
	repo_init("r");
	ok(!*quick(repo, "HEAD"), "an unborn branch: HEAD left to libgit2");
	put(repo, "a.txt", "1\n");
	commit_at("r", 1600000000, "one");
	put(repo, "a.txt", "2\n");
	commit_at("r", 1600000100, "two");
	agrees(repo, "HEAD", "loose");
	agrees(repo, "main", "loose");
	agrees(repo, "refs/heads/main", "loose");
	char full[64];
	rev_parse(repo, "HEAD~1", full);
	agrees(repo, full, "a full id");
	leaves(repo, "HEAD~1", "an expression");
	leaves(repo, "main^", "an expression");
	char abbrev[16];
	snprintf(abbrev, sizeof abbrev, "%.10s", full);
	leaves(repo, abbrev, "an abbreviated id");
	leaves(repo, "nosuch", "an unknown name");

	sh("git -C '%s' pack-refs --all", repo);
	agrees(repo, "main", "packed");
	agrees(repo, "HEAD", "packed");
	put(repo, "a.txt", "3\n");
	commit_at("r", 1600000200, "three");
	agrees(repo, "main", "loose again over the packed one");

	sh("git -C '%s' branch feature/x HEAD~1 && git -C '%s' pack-refs --all", repo, repo);
	agrees(repo, "feature/x", "a packed branch with a slash");
	sh("git -C '%s' tag v1 HEAD~2", repo);
	agrees(repo, "refs/tags/v1", "a lightweight tag");
	leaves(repo, "v1", "a tag by its bare name");
	sh("git -C '%s' tag main HEAD~2", repo);
	leaves(repo, "main", "a branch with a tag of the same name (git takes the tag)");
	sh("git -C '%s' tag -d main >/dev/null && git -C '%s' tag -a -m t v2", repo, repo);
	const char *t = quick(repo, "refs/tags/v2");
	char tagobj[64];
	sh_out(tagobj, sizeof tagobj, "git -C '%s' rev-parse refs/tags/v2", repo);
	ok(*t && strcmp(t, tagobj) == 0,
	   "an annotated tag gives the tag object's id (the caller sees it is not the commit)");
	sh("git -C '%s' branch special HEAD~1 && cp '%s/.git/HEAD' '%s/.git/special'",
	   repo, repo, repo);
	leaves(repo, "special", "a branch of a name .git/ holds itself (git takes that file)");

	sh("git -C '%s' checkout -q --detach HEAD~1", repo);
	agrees(repo, "HEAD", "a detached HEAD");
	sh("git -C '%s' checkout -q main", repo);
	sh("git -C '%s' symbolic-ref refs/heads/alias refs/heads/main", repo);
	agrees(repo, "alias", "a symbolic branch");

	char wt[700];
	snprintf(wt, sizeof wt, "%s/wt", tmp);
	sh("rm -rf '%s' && git -C '%s' worktree add -q -b side '%s' HEAD~1", wt, repo, wt);
	agrees(wt, "HEAD", "a worktree's own HEAD");
	agrees(wt, "main", "a worktree: the common branches");

	setenv("GIT_DIR", "/nonexistent", 1);
	leaves(repo, "HEAD", "GIT_DIR set");
	unsetenv("GIT_DIR");
	leaves(tmp, "HEAD", "a directory without .git");

	char b[700];
	snprintf(b, sizeof b, "%s/b", tmp);
	sh("rm -rf '%s' && cp -r '%s' '%s'", b, repo, b);
	sh("printf 'ref: refs/heads/main' > '%s/.git/HEAD'", b);
	agrees(b, "HEAD", "a reference file without a final newline");
	sh("printf 'ref: refs/heads/main\\n\\n' > '%s/.git/HEAD'", b);
	leaves(b, "HEAD", "a reference file with a second line");
	sh("printf 'ref: refs/heads/main\\n' > '%s/.git/HEAD' && mkdir '%s/.git/reftable'", b, b);
	leaves(b, "HEAD", "a reftable beside the files");
	sh("rmdir '%s/.git/reftable' && printf 'ref: refs/heads/l1\\n' > '%s/.git/refs/heads/l2' && "
	   "printf 'ref: refs/heads/l2\\n' > '%s/.git/refs/heads/l1'", b, b, b);
	leaves(b, "refs/heads/l1", "a loop of symbolic references");
	sh("printf 'garbage\\n' >> '%s/.git/packed-refs'", b);
	leaves(b, "feature/x", "a damaged packed-refs");
	return tap_exit();
}
