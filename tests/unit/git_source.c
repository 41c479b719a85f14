/* git_source - the git-backed struct source: reads a committed file and
 * ignores uncommitted edits, lists directories, gives blob ids equal to
 * git's, accepts tree ids (pre-commit hook), rejects bad revisions and
 * paths, works from a subdirectory, detects shallow clones. */
#include "git/git_source.h"
#include "git_test.h"
#include <errno.h>

static long long T0 = 1600000000;       /* 2020-09-13 */

static int read_errno(struct source *s, const char *path)
{
	struct buf b;
	buf_init(&b, 0);
	errno = 0;
	int rc = s->read(s, path, &b);
	buf_free(&b);
	return rc == 0 ? 0 : errno;
}

static void free_list(struct source_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static void test_commit_source(void)
{
	repo_init("r");
	char repo[600];
	snprintf(repo, sizeof repo, "%s/r", tmp);
	put(repo, "content/region.yml", "name: committed\n");
	put(repo, "content/services/b.yml", "title: B\n");
	put(repo, "content/services/a.yml", "title: A\n");
	put(repo, "content/services.txt", "a file sorting between dirs\n");
	put(repo, "themes/default/layout.mustache", "{{title}}\n");
	commit_at("r", T0, "one");
	put(repo, "content/region.yml", "name: uncommitted edit\n");
	put(repo, "content/new.yml", "untracked\n");

	struct diags d;
	diags_init(&d);
	struct source *s = source_git_open(repo, "HEAD", &d);
	ok(s != NULL && d.n == 0, "opens HEAD of a repository");
	if (!s) {
		diags_print(&d, stdout);
		exit(1);
	}
	char head[64];
	sh_out(head, sizeof head, "git -C '%s' rev-parse HEAD", repo);
	ok(s->commit && strcmp(s->commit, head) == 0, "commit is the full id");
	char label[64];
	snprintf(label, sizeof label, "commit %.7s", head);
	ok(strcmp(s->label, label) == 0, "label '%s'", s->label);
	ok(s->commit_time == T0, "commit_time is the committer date");
	ok(source_git_objects(s) != NULL && source_git_commit(s) != NULL,
	   "exposes objects and commit for history");
	ok(strcmp(source_git_prefix(s), "") == 0, "no prefix at the work tree root");
	ok(read_is(s, "content/region.yml", "name: committed\n"),
	   "reads the committed file, not the uncommitted edit");
	ok(read_is(s, "./content/services/a.yml", "title: A\n"), "'./' prefix accepted");
	ok(read_errno(s, "content/new.yml") == ENOENT, "untracked file: ENOENT");
	ok(read_errno(s, "content/missing.yml") == ENOENT, "missing file: ENOENT");
	ok(read_errno(s, "content") == EISDIR, "reading a directory: EISDIR");
	ok(read_errno(s, "content/../content/region.yml") == EINVAL, "'..' refused");
	ok(read_errno(s, "/content/region.yml") == EINVAL, "absolute path refused");

	struct source_entry *v = NULL;
	size_t n = 0;
	int rc = s->list(s, "content", &v, &n);
	ok(rc == 0 && n == 3, "list content: 3 entries");
	if (rc == 0 && n == 3) {
		/* bytewise: "region.yml" < "services" < "services.txt" (git
		 * itself orders "services.txt" before the tree "services") */
		ok(strcmp(v[0].name, "region.yml") == 0 && !v[0].is_dir &&
		   strcmp(v[1].name, "services") == 0 && v[1].is_dir &&
		   strcmp(v[2].name, "services.txt") == 0 && !v[2].is_dir,
		   "list sorted bytewise with dir flags");
	}
	free_list(v, n);
	rc = s->list(s, "", &v, &n);
	ok(rc == 0 && n == 2 && strcmp(v[0].name, "content") == 0 &&
	   strcmp(v[1].name, "themes") == 0, "list of the root");
	free_list(v, n);
	rc = s->list(s, "content/services/", &v, &n);
	ok(rc == 0 && n == 2 && strcmp(v[0].name, "a.yml") == 0, "trailing slash in list");
	free_list(v, n);
	errno = 0;
	ok(s->list(s, "nope", &v, &n) < 0 && errno == ENOENT, "list of a missing dir: ENOENT");
	errno = 0;
	ok(s->list(s, "content/region.yml", &v, &n) < 0 && errno == ENOTDIR,
	   "list of a file: ENOTDIR");

	char id[41], want[64];
	sh_out(want, sizeof want, "git -C '%s' rev-parse HEAD:content/region.yml", repo);
	ok(s->file_id(s, "content/region.yml", id) == 0 && strcmp(id, want) == 0,
	   "file_id is the blob id");
	ok(s->file_id(s, "content/nothing.yml", id) < 0, "file_id of a missing file fails");
	s->close(s);

	/* git_hash_blob matches git hash-object (working-tree ids) */
	sh_out(want, sizeof want, "git -C '%s' hash-object content/region.yml", repo);
	const char *text = "name: uncommitted edit\n";
	ok(git_hash_blob(text, strlen(text), id) == 0 && strcmp(id, want) == 0,
	   "git_hash_blob equals git hash-object");
	ok(git_hash_blob("", 0, id) == 0 &&
	   strcmp(id, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391") == 0,
	   "git_hash_blob of empty data");

	/* the index as a tree id, as the pre-commit hook passes it */
	sh("cd '%s' && git add content/region.yml", repo);
	char tree[64];
	sh_out(tree, sizeof tree, "git -C '%s' write-tree", repo);
	s = source_git_open(repo, tree, &d);
	ok(s != NULL, "a tree id opens");
	if (s) {
		ok(s->commit == NULL && s->commit_time == 0 && source_git_commit(s) == NULL,
		   "a tree has no commit");
		ok(strncmp(s->label, "tree ", 5) == 0, "label '%s'", s->label);
		ok(read_is(s, "content/region.yml", "name: uncommitted edit\n"),
		   "the tree has the staged content");
		ok(read_errno(s, "content/new.yml") == ENOENT, "unstaged file not in the tree");
		s->close(s);
	}
	/* other revision syntaxes */
	sh("cd '%s' && git tag v1 HEAD", repo);
	s = source_git_open(repo, "v1", &d);
	ok(s && s->commit && strcmp(s->commit, head) == 0, "a tag peels to its commit");
	if (s)
		s->close(s);
	s = source_git_open(repo, head, &d);
	ok(s && s->commit && strcmp(s->commit, head) == 0, "a full commit id");
	if (s)
		s->close(s);
	char gitdir[700];
	snprintf(gitdir, sizeof gitdir, "%s/.git", repo);
	s = source_git_open(gitdir, "HEAD", &d);
	ok(s && strcmp(source_git_prefix(s), "") == 0 &&
	   read_is(s, "content/services/b.yml", "title: B\n"),
	   "opened from inside .git (as hooks run): the whole tree");
	if (s)
		s->close(s);
	ok(d.n == 0, "no diagnostics so far");

	s = source_git_open(repo, "no-such-branch", &d);
	ok(s == NULL && d.n == 1 && strstr(d.v[0].msg, "no-such-branch"),
	   "unknown revision: NULL and a diagnostic naming it");
	char blob[64];
	sh_out(blob, sizeof blob, "git -C '%s' rev-parse HEAD:content/region.yml", repo);
	s = source_git_open(repo, blob, &d);
	ok(s == NULL && d.n == 2, "a blob id is refused");
	char notrepo[600];
	snprintf(notrepo, sizeof notrepo, "%s/notrepo", tmp);
	mkdir(notrepo, 0755);
	setenv("GIT_CEILING_DIRECTORIES", tmp, 1);
	s = source_git_open(notrepo, "HEAD", &d);
	ok(s == NULL && d.n == 3, "not a repository: NULL and a diagnostic");
	unsetenv("GIT_CEILING_DIRECTORIES");
	diags_free(&d);
}

/* A project kept in a subdirectory of a larger repository, and a symlink. */
static void test_subdir(void)
{
	repo_init("big");
	char repo[600], sub[700];
	snprintf(repo, sizeof repo, "%s/big", tmp);
	snprintf(sub, sizeof sub, "%s/portal", repo);
	put(repo, "README", "outer\n");
	put(repo, "portal/content/region.yml", "name: inner\n");
	sh("cd '%s/portal/content' && ln -s region.yml link.yml", repo);
	commit_at("big", T0, "nested");
	struct diags d;
	diags_init(&d);
	struct source *s = source_git_open(sub, "HEAD", &d);
	ok(s != NULL, "opens a project in a subdirectory");
	if (s) {
		ok(strcmp(source_git_prefix(s), "portal/") == 0, "prefix 'portal/'");
		ok(read_is(s, "content/region.yml", "name: inner\n"),
		   "paths are relative to the project directory");
		ok(read_errno(s, "README") == ENOENT, "files outside it are not visible");
		ok(read_errno(s, "content/link.yml") == ELOOP, "symlinks are not followed");
		s->close(s);
	}
	diags_free(&d);
}

static void test_shallow(void)
{
	repo_init("deep");
	char repo[600];
	snprintf(repo, sizeof repo, "%s/deep", tmp);
	for (int i = 0; i < 3; i++) {
		char text[32];
		snprintf(text, sizeof text, "v%d\n", i);
		put(repo, "content/region.yml", text);
		commit_at("deep", T0 + i * 100, "step");
	}
	sh("rm -rf '%s/shallow' && git clone -q --depth 1 'file://%s' '%s/shallow' 2>/dev/null",
	   tmp, repo, tmp);
	char path[600];
	snprintf(path, sizeof path, "%s/shallow", tmp);
	struct diags d;
	diags_init(&d);
	struct source *s = source_git_open(path, "HEAD", &d);
	ok(s && source_git_is_shallow(s) == 1, "a shallow clone is detected");
	ok(s && read_is(s, "content/region.yml", "v2\n"), "and still reads");
	if (s)
		s->close(s);
	s = source_git_open(repo, "HEAD", &d);
	ok(s && source_git_is_shallow(s) == 0, "a full clone is not shallow");
	if (s)
		s->close(s);
	diags_free(&d);
}

int main(void)
{
	setup();
	test_commit_source();
	test_subdir();
	test_shallow();
	return tap_exit();
}
