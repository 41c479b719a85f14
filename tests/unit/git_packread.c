/* git_packread - the pack reader gives every packed object exactly as
 * libgit2 reads it (deep delta chains after `git repack --depth=50`, a
 * cache so small that it evicts all the time, and one that keeps all),
 * leaves loose objects to libgit2, and survives damaged packs. */
#include "git/gitutil.h"
#include "git/packread.h"
#include <limits.h>
#include "git_test.h"
#include <git2.h>

struct check {
	git_odb *odb;
	struct packread *pr;
	size_t objects, found, wrong;
};

static int check_one(const git_oid *id, void *payload)
{
	struct check *c = payload;
	const struct packobj *po;
	c->objects++;
	if (packread_get(c->pr, id, &po) != 1)
		return 0;
	c->found++;
	git_odb_object *o;
	if (git_odb_read(&o, c->odb, id) < 0) {
		c->wrong++;
		packread_release(c->pr, po);
		return 0;
	}
	if (po->type != git_odb_object_type(o) || po->len != git_odb_object_size(o) ||
	    memcmp(po->data, git_odb_object_data(o), po->len) != 0) {
		if (c->wrong++ < 5)
			printf("# %s differs\n", git_oid_tostr_s(id));
	}
	git_odb_object_free(o);
	packread_release(c->pr, po);
	return 0;
}

/* Where the objects' memory came from: all from the reader's slab when
 * it has room for the cache, all from malloc without a cache, both when
 * the slab runs out. */
enum memory_want { ALL_SLAB, SOME_MALLOC, ALL_MALLOC };

static void check_all(git_repository *repo, size_t cache, size_t in_pack,
		      const char *what, enum memory_want want)
{
	struct check c = { 0 };
	if (git_repository_odb(&c.odb, repo) < 0) {
		ok(0, "odb: %s", gitutil_errmsg());
		return;
	}
	char objdir[PATH_MAX];
	snprintf(objdir, sizeof objdir, "%sobjects", git_repository_commondir(repo));
	c.pr = packread_open_dir(objdir, cache);
	/* twice: cold, then with whatever the cache kept */
	for (int round = 0; round < 2; round++) {
		c.objects = c.found = c.wrong = 0;
		git_odb_foreach(c.odb, check_one, &c);
		ok(c.found == in_pack && c.wrong == 0,
		   "%s, round %d: %zu of %zu objects from the packs (%zu packed), %zu differ",
		   what, round + 1, c.found, c.objects, in_pack, c.wrong);
	}
	size_t made, from_malloc;
	packread_memory(c.pr, &made, &from_malloc);
	int as_wanted = want == ALL_SLAB ? from_malloc == 0 :
			want == ALL_MALLOC ? from_malloc == made :
			from_malloc > 0 && from_malloc < made;
	ok(made >= in_pack && as_wanted,
	   "%s: %zu objects made, %zu of them from malloc", what, made, from_malloc);
	packread_close(c.pr);
	git_odb_free(c.odb);
}

static size_t count_in_pack(const char *repo)
{
	char out[64];
	sh_out(out, sizeof out, "git -C '%s' count-objects -v | sed -n 's/^in-pack: //p'", repo);
	return (size_t)strtoul(out, NULL, 10);
}

/* Flip bytes of the pack at random places: reads may fail over to
 * libgit2 (0), but nothing may crash or read out of bounds (ASan). */
static void test_damaged(const char *repo)
{
	char dmg[700];
	snprintf(dmg, sizeof dmg, "%s/dmg", tmp);
	unsigned seed = 12345;
	size_t rounds = 40, survived = 0;
	for (size_t r = 0; r < rounds; r++) {
		sh("rm -rf '%s' && cp -r '%s' '%s' && chmod -R u+w '%s'", dmg, repo, dmg, dmg);
		char pack[900];
		sh_out(pack, sizeof pack, "ls '%s'/.git/objects/pack/*.pack", dmg);
		FILE *f = fopen(pack, "r+b");
		if (!f || fseek(f, 0, SEEK_END) != 0) {
			ok(0, "open %s", pack);
			return;
		}
		long size = ftell(f);
		for (int k = 0; k < 8; k++) {
			seed = seed * 1103515245u + 12345u;
			/* spare the trailer: a wrong checksum only disables the pack */
			long at = 12 + (long)(seed >> 8) % (size - 32);
			fseek(f, at, SEEK_SET);
			int ch = fgetc(f);
			fseek(f, at, SEEK_SET);
			fputc(ch ^ (int)(1u << (seed % 8)), f);
		}
		fclose(f);
		git_repository *g;
		if (git_repository_open(&g, dmg) < 0)
			continue;
		git_odb *odb;
		if (git_repository_odb(&odb, g) == 0) {
			char objdir[PATH_MAX];
			snprintf(objdir, sizeof objdir, "%s/.git/objects", dmg);
			struct packread *pr = packread_open_dir(objdir, 1u << 16);
			git_oid id;
			char line[128];
			/* every id the index lists */
			char cmd[2200];
			snprintf(cmd, sizeof cmd, "git -C '%s' show-index < \"$(ls '%s'/.git/objects/pack/*.idx)\"",
				 dmg, dmg);
			FILE *p = popen(cmd, "r");
			while (p && fgets(line, sizeof line, p)) {
				char hex[41];
				if (sscanf(line, "%*s %40s", hex) == 1 && git_oid_fromstr(&id, hex) == 0) {
					const struct packobj *po;
					if (packread_get(pr, &id, &po) == 1)
						packread_release(pr, po);
				}
			}
			if (p)
				pclose(p);
			packread_close(pr);
			git_odb_free(odb);
			survived++;
		}
		git_repository_free(g);
	}
	ok(survived == rounds, "damaged packs: %zu of %zu rounds read without a crash",
	   survived, rounds);
}

int main(void)
{
	setup();
	gitutil_init();
	const char *root = getenv("ROOT");
	char repo[600];
	snprintf(repo, sizeof repo, "%s/gen", tmp);
	sh("rm -rf '%s' && git init -q -b main '%s' && python3 '%s/bench/gen_history_repo.py' "
	   "400 200 | git -C '%s' fast-import --quiet && git -C '%s' repack -adfq --depth=50 --window=50",
	   repo, repo, root ? root : ".", repo, repo);
	/* and some loose objects on top */
	sh("cd '%s' && git checkout -q main && echo x > loose.txt && git add loose.txt && "
	   "git commit -qm loose", repo);
	size_t in_pack = count_in_pack(repo);
	ok(in_pack > 1000, "packed objects: %zu", in_pack);

	git_repository *g;
	if (git_repository_open(&g, repo) < 0) {
		ok(0, "open: %s", gitutil_errmsg());
		return tap_exit();
	}
	check_all(g, 64u << 10, in_pack, "64 KiB cache", SOME_MALLOC);
	check_all(g, 64u << 20, in_pack, "64 MiB cache", ALL_SLAB);
	check_all(g, 0, in_pack, "no cache", ALL_MALLOC);
	git_repository_free(g);

	/* no packs at all: everything is left to libgit2 */
	repo_init("loose");
	char lrepo[600];
	snprintf(lrepo, sizeof lrepo, "%s/loose", tmp);
	put(lrepo, "a.txt", "a\n");
	commit_at("loose", 1600000000, "one");
	if (git_repository_open(&g, lrepo) == 0) {
		check_all(g, 1u << 20, 0, "loose objects only", ALL_SLAB);
		git_repository_free(g);
	}

	test_damaged(repo);
	return tap_exit();
}
