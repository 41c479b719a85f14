/* git_history - last-change dates from one history walk: modifications,
 * additions, a change made on a merged branch (dated by the branch commit,
 * not the merge), deletion and re-adding, an untouched file dated by the
 * root commit, early stop, shallow clones, events order; and, on a
 * generated repository with merges and deletions, every file's date equals
 * what `git log --name-only` says. */
#include "git/git_source.h"
#include "git/history.h"
#include "git_test.h"

static long long T0 = 1600000000;

static struct history *compute(const char *repo, const char *rev,
			       const char *const *paths, size_t n)
{
	struct diags d;
	diags_init(&d);
	struct source *s = source_git_open(repo, rev, &d);
	if (!s) {
		diags_print(&d, stdout);
		exit(1);
	}
	struct history *h = history_compute(source_git_objects(s), source_git_is_shallow(s),
					    source_git_commit(s), paths, n, &d);
	if (!h || d.n)
		diags_print(&d, stdout);
	s->close(s);        /* the history keeps no reference to the objects */
	diags_free(&d);
	return h;
}

static void rev(const char *repo, const char *what, char out[64])
{
	sh_out(out, 64, "git -C '%s' rev-parse %s", repo, what);
}

static void test_dates(void)
{
	repo_init("h");
	char repo[600];
	snprintf(repo, sizeof repo, "%s/h", tmp);
	put(repo, "content/services/a.yml", "a1\n");
	put(repo, "content/services/b.yml", "b1\n");
	put(repo, "content/services/c.yml", "c1\n");
	put(repo, "content/cities/x/city.yml", "x1\n");
	put(repo, "themes/default/layout.mustache", "t1\n");
	commit_at("h", T0, "root");
	put(repo, "content/services/a.yml", "a2\n");
	commit_at("h", T0 + 100, "change a");
	char c_a[64];
	rev(repo, "HEAD", c_a);
	/* a branch changes b; main changes x; then a merge */
	sh("cd '%s' && git checkout -q -b side", repo);
	put(repo, "content/services/b.yml", "b2\n");
	commit_at("h", T0 + 200, "change b on a branch");
	sh("cd '%s' && git checkout -q main", repo);
	put(repo, "content/cities/x/city.yml", "x2\n");
	commit_at("h", T0 + 300, "change x");
	sh("cd '%s' && GIT_AUTHOR_DATE='@%lld +0000' GIT_COMMITTER_DATE='@%lld +0000' "
	   "git merge -q --no-ff -m merge side", repo, T0 + 400, T0 + 400);
	/* c deleted, then added again; d added and deleted */
	sh("cd '%s' && git rm -q content/services/c.yml", repo);
	put(repo, "content/services/d.yml", "d\n");
	commit_at("h", T0 + 500, "remove c, add d");
	put(repo, "content/services/c.yml", "c2\n");
	sh("cd '%s' && git rm -q content/services/d.yml", repo);
	commit_at("h", T0 + 600, "c again, d gone");
	/* a mode change counts as a change */
	sh("cd '%s' && chmod +x content/cities/x/city.yml", repo);
	commit_at("h", T0 + 700, "mode");
	/* a change outside the wanted paths changes nothing */
	put(repo, "README", "readme\n");
	commit_at("h", T0 + 800, "readme");

	const char *paths[] = {
		"content/services/a.yml", "content/services/b.yml",
		"content/services/c.yml", "content/cities/x/city.yml",
		"themes/default/layout.mustache", "content/services/a.yml",
		"content/services/d.yml",
	};
	struct history *h = compute(repo, "main", paths, 7);
	ok(h != NULL, "history computed");
	if (!h)
		exit(1);
	ok(history_time(h, "content/services/a.yml") == T0 + 100, "modified file: its commit's date");
	ok(history_commit(h, "content/services/a.yml") &&
	   strcmp(history_commit(h, "content/services/a.yml"), c_a) == 0,
	   "and its commit id");
	ok(history_time(h, "content/services/b.yml") == T0 + 200,
	   "change on a merged branch: the branch commit's date, not the merge's");
	ok(history_time(h, "content/services/c.yml") == T0 + 600, "deleted and re-added: the re-adding");
	ok(history_time(h, "content/cities/x/city.yml") == T0 + 700, "mode change counts");
	ok(history_time(h, "themes/default/layout.mustache") == T0,
	   "never changed again: the root commit");
	ok(history_time(h, "content/services/d.yml") == T0 + 600,
	   "a wanted path gone at the commit: its deletion");
	ok(history_time(h, "README") == 0, "a path not asked for: 0");
	ok(history_time(h, "content/services/zzz.yml") == 0, "an unknown path: 0");

	struct history_events ev;
	history_events(h, &ev);
	ok(ev.n == 6, "one event per distinct wanted path (%zu)", ev.n);
	int sorted = 1;
	for (size_t i = 1; i < ev.n; i++)
		if (ev.v[i - 1].time < ev.v[i].time ||
		    (ev.v[i - 1].time == ev.v[i].time &&
		     strcmp(ev.v[i - 1].path, ev.v[i].path) >= 0))
			sorted = 0;
	ok(sorted, "events newest first, ties by path");
	if (ev.n == 6) {
		ok(strcmp(ev.v[0].path, "content/cities/x/city.yml") == 0 &&
		   ev.v[0].kind == HISTORY_MODIFIED, "newest: the mode change");
		ok(strcmp(ev.v[1].path, "content/services/c.yml") == 0 &&
		   ev.v[1].kind == HISTORY_ADDED, "re-added file: added");
		ok(strcmp(ev.v[2].path, "content/services/d.yml") == 0 &&
		   ev.v[2].kind == HISTORY_DELETED, "deleted file: deleted");
		ok(ev.v[5].kind == HISTORY_ADDED && ev.v[5].time == T0,
		   "root commit's files: added");
	}
	ok(history_commits_walked(h) == 9, "walked every commit (%zu)", history_commits_walked(h));
	history_free(h);

	/* early stop: only recently changed paths wanted */
	const char *recent[] = { "content/cities/x/city.yml" };
	h = compute(repo, "main", recent, 1);
	ok(h && history_commits_walked(h) == 2, "stops when every wanted path is known (%zu)",
	   h ? history_commits_walked(h) : 0);
	history_free(h);

	/* an older revision sees older dates */
	h = compute(repo, "main~4", paths, 7);
	ok(h && history_time(h, "content/services/c.yml") == T0 &&
	   history_time(h, "content/services/b.yml") == T0 + 200,
	   "from an older commit: dates as of then");
	history_free(h);

	/* no commit (a tree-only source): a diagnostic, no crash */
	struct diags d;
	diags_init(&d);
	ok(history_compute(NULL, 0, NULL, paths, 7, &d) == NULL && d.n == 1,
	   "no commit: NULL with a diagnostic");
	diags_free(&d);

	/* no paths: nothing to do */
	h = compute(repo, "main", NULL, 0);
	ok(h && history_commits_walked(h) == 0, "no wanted paths: no walk");
	history_free(h);

	/* shallow clone (3 commits: readme, mode, and the boundary commit,
	 * whose parent is missing so its changes cannot be seen): dates above
	 * the boundary, unknown below */
	sh("rm -rf '%s/hs' && git clone -q --depth 3 'file://%s' '%s/hs' 2>/dev/null",
	   tmp, repo, tmp);
	char shallow[600];
	snprintf(shallow, sizeof shallow, "%s/hs", tmp);
	h = compute(shallow, "HEAD", paths, 7);
	ok(h != NULL, "a shallow clone does not fail");
	if (h) {
		ok(history_time(h, "content/cities/x/city.yml") == T0 + 700,
		   "shallow: a recent change is dated");
		ok(history_time(h, "content/services/a.yml") == 0,
		   "shallow: older changes are unknown, not misdated");
	}
	history_free(h);
}

/* Every file of a generated repository (merges, deletions) against git
 * log --name-only, which lists each non-merge commit's changed files; and
 * a sample of files against `git log -1 -- path`. 1,500 commits, so most
 * are compared by several threads (history.h). As fast-import packs it,
 * then repacked with git's deep delta chains (packread.h). */
static void test_against_git_log(int repack)
{
	char repo[600];
	snprintf(repo, sizeof repo, "%s/gen", tmp);
	const char *root = getenv("ROOT");
	sh("rm -rf '%s' && git init -q -b main '%s' && python3 '%s/bench/gen_history_repo.py' "
	   "1500 300 | git -C '%s' fast-import --quiet", repo, repo, root ? root : ".", repo);
	if (repack)
		sh("git -C '%s' repack -adfq --depth=50 --window=50", repo);
	char list[700];
	snprintf(list, sizeof list, "%s/files.txt", tmp);
	sh("git -C '%s' ls-tree -r --name-only main > '%s'", repo, list);
	char expect[700];
	snprintf(expect, sizeof expect, "%s/expect.txt", tmp);
	sh("git -C '%s' log --format=@%%ct --name-only main | awk '/^@/ { t = substr($0, 2); next } "
	   "NF && !($0 in s) { s[$0] = t; print t, $0 }' > '%s'", repo, expect);

	char **paths = NULL;
	size_t n = 0, cap = 0;
	char line[1024];
	FILE *f = fopen(list, "r");
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			paths = realloc(paths, cap * sizeof *paths);
		}
		paths[n++] = strdup(line);
	}
	if (f)
		fclose(f);
	ok(n > 250, "generated repository has %zu files", n);
	struct history *h = compute(repo, "main", (const char *const *)paths, n);
	size_t checked = 0, wrong = 0;
	f = fopen(expect, "r");
	while (h && f && fgets(line, sizeof line, f)) {
		long long t;
		char path[1024];
		if (sscanf(line, "%lld %1023s", &t, path) != 2)
			continue;
		int wanted = 0;
		for (size_t i = 0; i < n && !wanted; i++)
			wanted = strcmp(paths[i], path) == 0;
		if (!wanted)
			continue;       /* deleted since */
		checked++;
		if (history_time(h, path) != t) {
			if (wrong++ < 5)
				printf("# %s: history %lld, git log %lld\n", path,
				       history_time(h, path), t);
		}
	}
	if (f)
		fclose(f);
	ok(h && checked == n && wrong == 0,
	   "%s: all %zu dates equal git log's (%zu checked, %zu wrong)",
	   repack ? "repacked" : "fast-import", n, checked, wrong);
	ok(h && history_commits_walked(h) == 1500, "walked all %zu commits",
	   h ? history_commits_walked(h) : 0);
	size_t sampled = 0, differ = 0;
	for (size_t i = 0; h && i < n; i += n / 25) {
		char out[64];
		sh_out(out, sizeof out, "git -C '%s' log -1 --format=%%ct main -- '%s'",
		       repo, paths[i]);
		sampled++;
		if (history_time(h, paths[i]) != atoll(out) && differ++ < 5)
			printf("# %s: history %lld, git log -1 %s\n", paths[i],
			       history_time(h, paths[i]), out);
	}
	ok(sampled >= 25 && differ == 0, "%zu sampled paths: git log -1 -- path agrees (%zu differ)",
	   sampled, differ);
	history_free(h);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int main(void)
{
	setup();
	test_dates();
	test_against_git_log(0);
	test_against_git_log(1);
	return tap_exit();
}
