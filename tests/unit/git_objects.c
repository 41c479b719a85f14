/* git_objects - the objects sitegen reads without libgit2
 * (generator/git/objects.c): every object of a repository, loose and then
 * packed, has exactly the type and bytes `git cat-file` gives, and none
 * came from libgit2; an object only an alternate has goes to libgit2; a
 * damaged loose object is an error, not libgit2's (which loops forever); a commit's headers
 * (merges, a signature, an encoding) and what the parser refuses; a
 * source built on them reads without loading libgit2 where it can, and
 * with it where it must (an alternate, a subdirectory, HEAD~1, a config
 * that includes other files). */
#include "git/git_source.h"
#include "git/gitutil.h"
#include "git/objects.h"
#include "git_test.h"
#include <errno.h>

static long long T0 = 1600000000;

/* Every object git lists in repo, compared with git cat-file; the count. */
static size_t compare_all(struct objects *os, const char *repo, size_t *wrong)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "git -C '%s' cat-file --batch-all-objects --batch-check="
		 "'%%(objectname) %%(objecttype)'", repo);
	FILE *p = popen(cmd, "r");
	char line[256];
	size_t n = 0;
	*wrong = 0;
	while (p && fgets(line, sizeof line, p)) {
		char hex[41], type[16];
		git_oid id;
		if (sscanf(line, "%40s %15s", hex, type) != 2 || gitoid_fromhex(hex, &id) < 0) {
			(*wrong)++;
			continue;
		}
		n++;
		char cat[1200];
		snprintf(cat, sizeof cat, "git -C '%s' cat-file %s %s", repo, type, hex);
		FILE *c = popen(cat, "r");
		struct buf want;
		buf_init(&want, 0);
		char chunk[4096];
		size_t got;
		while (c && (got = fread(chunk, 1, sizeof chunk, c)) > 0)
			buf_append(&want, chunk, got);
		if (c)
			pclose(c);
		struct gitobj o;
		char err[256];
		static const char *names[] = { [GIT_OBJECT_COMMIT] = "commit", [GIT_OBJECT_TREE] = "tree",
					       [GIT_OBJECT_BLOB] = "blob", [GIT_OBJECT_TAG] = "tag" };
		if (objects_get(os, &id, &o, err, sizeof err) < 0 ||
		    o.type < GIT_OBJECT_COMMIT || o.type > GIT_OBJECT_TAG ||
		    strcmp(names[o.type], type) != 0 || o.len != want.len ||
		    memcmp(o.data, want.data, want.len) != 0)
			(*wrong)++;
		objects_put(os, &o);
		buf_free(&want);
	}
	if (p)
		pclose(p);
	return n;
}

static void test_every_object(void)
{
	repo_init("o");
	char repo[600], common[700];
	snprintf(repo, sizeof repo, "%s/o", tmp);
	snprintf(common, sizeof common, "%s/.git", repo);
	for (int i = 0; i < 6; i++) {
		char text[64];
		snprintf(text, sizeof text, "title: Dienst\nrevision: %d\n", i);
		put(repo, "content/services/a.yml", text);
		put(repo, i % 2 ? "content/b.yml" : "themes/x.mustache", text);
		commit_at("o", T0 + i, "c");
	}
	sh("cd '%s' && git tag -a -m Stand v1 HEAD~1", repo);
	/* a blob bigger than a pack's window, to inflate in more than one step */
	sh("head -c 300000 /dev/urandom | base64 > '%s/big.txt' && cd '%s' && git add -A && "
	   "git commit -q -m big", repo, repo);
	struct objects *os = objects_open(common, NULL, repo);
	size_t wrong, n = compare_all(os, repo, &wrong);
	ok(n > 25 && wrong == 0, "loose: %zu objects, %zu differ from git cat-file", n, wrong);
	ok(objects_from_libgit2(os) == 0, "none read through libgit2 (%zu)", objects_from_libgit2(os));
	objects_close(os);

	sh("cd '%s' && git repack -qad && git prune-packed", repo);
	os = objects_open(common, NULL, repo);
	n = compare_all(os, repo, &wrong);
	ok(n > 25 && wrong == 0, "packed: %zu objects, %zu differ", n, wrong);
	ok(objects_from_libgit2(os) == 0, "none read through libgit2 (%zu)", objects_from_libgit2(os));
	objects_close(os);

	/* an object only the alternate has: libgit2 finds it */
	sh("rm -rf '%s/alt' && git clone -q --shared '%s' '%s/alt' && cd '%s/alt' && "
	   "echo neu > neu.txt && git add -A && git commit -q -m neu", tmp, repo, tmp, tmp);
	char alt[600], altgit[700], hex[64];
	snprintf(alt, sizeof alt, "%s/alt", tmp);
	snprintf(altgit, sizeof altgit, "%s/.git", alt);
	sh_out(hex, sizeof hex, "git -C '%s' rev-parse HEAD~1", alt);
	git_oid id;
	gitoid_fromhex(hex, &id);
	os = objects_open(altgit, NULL, alt);
	struct gitobj o;
	char err[256];
	ok(objects_get(os, &id, &o, err, sizeof err) == 0 && o.type == GIT_OBJECT_COMMIT &&
	   objects_from_libgit2(os) == 1, "an object in the alternate only: through libgit2");
	objects_put(os, &o);
	n = compare_all(os, alt, &wrong);
	ok(n > 0 && wrong == 0, "the clone's objects, its own and the alternate's: %zu differ", wrong);
	objects_close(os);

	/* a damaged loose object: an error here; not handed to libgit2,
	 * whose git_odb_read (1.5.1) loops forever on one cut short */
	sh_out(hex, sizeof hex, "git -C '%s' rev-parse HEAD", alt);
	char path[900];
	snprintf(path, sizeof path, "%s/objects/%.2s/%s", altgit, hex, hex + 2);
	sh("chmod u+w '%s' && head -c 20 '%s' > '%s.cut' && mv '%s.cut' '%s'", path, path, path, path,
	   path);
	gitoid_fromhex(hex, &id);
	os = objects_open(altgit, NULL, alt);
	ok(objects_get(os, &id, &o, err, sizeof err) < 0 && strstr(err, "damaged") &&
	   objects_from_libgit2(os) == 0, "a cut loose object: an error, without libgit2 [%s]", err);
	objects_close(os);
}

static void test_commit_parse(void)
{
	const char *t = "tree 0123456789abcdef0123456789abcdef01234567\n";
	const char *p1 = "parent 1111111111111111111111111111111111111111\n";
	const char *p2 = "parent 2222222222222222222222222222222222222222\n";
	const char *who = "author A <a@example.de> 1700000000 +0100\n"
			  "committer C. Ommitter <c@example.de> 1700000100 -0230\n";
	char text[1024];
	struct gitcommit c;
	snprintf(text, sizeof text, "%s%s%s%sencoding ISO-8859-1\ngpgsig -----BEGIN-----\n x\n "
		 "-----END-----\n\nZusammenf\xfchrung\n", t, p1, p2, who);
	git_oid par;
	char hex[41];
	int rc = gitcommit_parse((const unsigned char *)text, strlen(text), &c);
	gitcommit_parent(&c, 1, &par);
	gitoid_tohex(&par, hex);
	ok(rc == 0 && c.n_parents == 2 && c.time == 1700000100 &&
	   strcmp(hex, "2222222222222222222222222222222222222222") == 0 && c.tree.id[0] == 0x01,
	   "a signed merge: two parents, the committer's time");
	snprintf(text, sizeof text, "%s%s\n", t, who);
	ok(gitcommit_parse((const unsigned char *)text, strlen(text), &c) == 0 && c.n_parents == 0,
	   "a root commit");
	static const char *const bad[] = {
		"tree 0123\nauthor A <a> 1 +0000\ncommitter C <c> 1 +0000\n\n",
		"tree 0123456789ABCDEF0123456789abcdef01234567\nauthor A <a> 1 +0000\n"
		"committer C <c> 1 +0000\n\n",
		"tree 0123456789abcdef0123456789abcdef01234567\ncommitter C <c> 1 +0000\n\n",
		"tree 0123456789abcdef0123456789abcdef01234567\nauthor A <a> 1 +0000\n"
		"committer C <c> x +0000\n\n",
		"tree 0123456789abcdef0123456789abcdef01234567\nauthor A <a> 1 +0000\n"
		"committer C c 1 +0000\n\n",
		"tree 0123456789abcdef0123456789abcdef01234567\nauthor A <a> 1 +0000\n"
		"committer C <c> 1 +0000",
	};
	int refused = 0;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		refused += gitcommit_parse((const unsigned char *)bad[i], strlen(bad[i]), &c) < 0;
	ok(refused == (int)(sizeof bad / sizeof *bad),
	   "refused: a short id, upper-case hex, no author, a time not in digits, no e-mail, "
	   "no newline (%d of %zu)", refused, sizeof bad / sizeof *bad);
}

/* Which way each source went: the ASan test binary links libgit2, so
 * what tells is whether its objects were asked through it. */
static void test_source_ways(void)
{
	repo_init("w");
	char repo[600];
	snprintf(repo, sizeof repo, "%s/w", tmp);
	put(repo, "site/content/region.yml", "name: eins\n");
	commit_at("w", T0, "eins");
	put(repo, "site/content/region.yml", "name: zwei\n");
	commit_at("w", T0 + 60, "zwei");
	struct diags d;
	diags_init(&d);
	struct source *s = source_git_open(repo, "main", &d);
	ok(s && read_is(s, "site/content/region.yml", "name: zwei\n") &&
	   objects_from_libgit2(source_git_objects(s)) == 0 && s->commit_time == T0 + 60,
	   "a branch at the work tree's top: read without libgit2");
	if (s)
		s->close(s);
	s = source_git_open(repo, "HEAD~1", &d);
	ok(s && read_is(s, "site/content/region.yml", "name: eins\n"),
	   "HEAD~1: resolved by libgit2, read the same");
	if (s)
		s->close(s);
	char sub[700];
	snprintf(sub, sizeof sub, "%s/site", repo);
	s = source_git_open(sub, "main", &d);
	ok(s && strcmp(source_git_prefix(s), "site/") == 0 &&
	   read_is(s, "content/region.yml", "name: zwei\n"),
	   "a project in a subdirectory: through libgit2, prefix 'site/'");
	if (s)
		s->close(s);
	sh("rm -rf '%s/wc' && git clone -q --shared '%s' '%s/wc'", tmp, repo, tmp);
	char clone[600];
	snprintf(clone, sizeof clone, "%s/wc", tmp);
	s = source_git_open(clone, "HEAD", &d);
	ok(s && read_is(s, "site/content/region.yml", "name: zwei\n") &&
	   objects_from_libgit2(source_git_objects(s)) > 0,
	   "a clone that borrows its objects (--shared): read through libgit2");
	if (s)
		s->close(s);
	ok(d.n == 0, "no diagnostics");
	diags_print(&d, stdout);
	diags_free(&d);

	/* A work tree named elsewhere by an included config file: the
	 * project is then "w/" inside the work tree "..", which the commit
	 * lacks. libgit2 reads the include and says so; read here, the
	 * include unseen, the project would be the tree's top. */
	put(repo, ".git/extra.config", "[core]\n\tworktree = ../..\n");
	sh("git -C '%s' config include.path extra.config", repo);
	diags_init(&d);
	s = source_git_open(repo, "main", &d);
	ok(!s && d.n == 1 && strstr(d.v[0].msg, "'w' does not exist"),
	   "a config that includes a work tree elsewhere: libgit2 decides [%s]",
	   d.n ? d.v[0].msg : "opened");
	if (s)
		s->close(s);
	diags_free(&d);
}

int main(void)
{
	setup();
	test_every_object();
	test_commit_parse();
	test_source_ways();
	return tap_exit();
}
