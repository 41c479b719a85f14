/* yaml_cache.c - unit tests of load/yamlcache: a tree taken from the
 * cache is the tree the parser gives (kinds, scalars, quoting, every
 * node's line and column), an unknown id or a damaged file gives none,
 * and the file keeps exactly the trees a build used. */
#include "load/yamlcache.h"
#include "util/buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

static const char doc[] =
	"title: Hund anmelden\n"
	"count: 3\n"
	"quoted: \"yes\"\n"
	"empty:\n"
	"list:\n"
	"  - a\n"
	"  - {x: 1, y: [2, 'drei']}\n"
	"text: |\n"
	"  Zeile eins\n"
	"  Zeile zwei\n";

#define ID_A "0123456789abcdef0123456789abcdef01234567"
#define ID_B "89abcdef0123456789abcdef0123456789abcdef"

/* The file at path replaced by b's bytes. */
static bool rewrite(const char *path, const struct buf *b)
{
	FILE *w = fopen(path, "wb");
	bool ok = w && fwrite(b->data, 1, b->len, w) == b->len;
	return w && fclose(w) == 0 && ok;
}

/* Does the cache file at path give a tree for ID_A? */
static bool tree_a_cached(const char *path, struct arena *a, struct arena *tree)
{
	struct yaml_cache *yc = yaml_cache_open(path);
	bool got = yaml_cache_get(yc, ID_A, a, tree, "x") != NULL;
	yaml_cache_free(yc);
	return got;
}

static bool same(const struct ynode *x, const struct ynode *y)
{
	if (x->kind != y->kind || x->line != y->line || x->col != y->col ||
	    strcmp(x->file, y->file) != 0)
		return false;
	if (x->kind == YN_SCALAR)
		return x->len == y->len && memcmp(x->str, y->str, x->len) == 0 &&
		       x->str[x->len] == '\0' && y->str[y->len] == '\0' && x->plain == y->plain;
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if ((x->kind == YN_MAP && !same(x->keys[i], y->keys[i])) ||
		    !same(x->items[i], y->items[i]))
			return false;
	return true;
}

static off_t size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

int main(void)
{
	char path[] = "/tmp/yaml_cache_test.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	unlink(path);
	struct arena a, tree;
	arena_init(&a);
	arena_init(&tree);
	struct diags d;
	diags_init(&d);
	struct ynode *parsed = yaml_parse_tree(&a, &tree, "services/x.yml", doc,
					       sizeof doc - 1, &d);
	ok(parsed && d.n == 0, "the document parses");

	struct yaml_cache *yc = yaml_cache_open(path);
	ok(yaml_cache_get(yc, ID_A, &a, &tree, "services/x.yml") == NULL,
	   "a missing cache file: an empty cache");
	yaml_cache_put(yc, ID_A, parsed);
	yaml_cache_put(yc, ID_B, parsed);
	ok(yaml_cache_save(yc) == 0 && size_of(path) > 0, "saved");
	yaml_cache_free(yc);

	yc = yaml_cache_open(path);
	struct ynode *got = yaml_cache_get(yc, ID_A, &a, &tree, "services/x.yml");
	ok(got && same(parsed, got), "a tree from the cache is the parser's: kinds, "
	   "scalars, quoting, line and column of every node");
	ok(got && ymap_get(got, "list") && ymap_get(got, "list")->items[1]->kind == YN_MAP &&
	   ymap_get(got, "list")->items[1]->line == 7 && ymap_get(got, "list")->items[1]->col == 5,
	   "a nested node keeps its position (7:5)");
	ok(yaml_cache_get(yc, "ffffffffffffffffffffffffffffffffffffffff", &a, &tree,
			  "services/x.yml") == NULL, "another content id: not cached");
	ok(yaml_cache_get(yc, "short", &a, &tree, "x") == NULL, "a malformed id: not cached");
	off_t both = size_of(path);
	ok(yaml_cache_save(yc) == 0 && size_of(path) < both,
	   "saved again: only the tree used by this build is kept");
	yaml_cache_free(yc);
	yc = yaml_cache_open(path);
	ok(yaml_cache_get(yc, ID_B, &a, &tree, "x") == NULL &&
	   yaml_cache_get(yc, ID_A, &a, &tree, "x") != NULL,
	   "... the unused one is gone, the used one still there");
	struct stat before, after;
	ok(stat(path, &before) == 0 && yaml_cache_save(yc) == 0 && stat(path, &after) == 0 &&
	   before.st_ino == after.st_ino, "every tree of the file used, none put: not rewritten");
	yaml_cache_free(yc);

	/* The file keeps each scalar with a NUL after it, so that a tree got
	 * points at its scalars in the mapped file; a scalar whose NUL is
	 * gone (damage, or a file of the first version, which had none) is
	 * not used. */
	struct buf fb;
	buf_init(&fb, 0);
	char *hund = buf_read_file(&fb, path) == 0 ? memmem(fb.data, fb.len, "Hund anmelden", 13) : NULL;
	ok(hund && hund[13] == '\0', "a scalar is followed by a NUL in the file");
	if (hund) {
		hund[13] = 'X';
		ok(rewrite(path, &fb), "the NUL overwritten");
	}
	ok(!tree_a_cached(path, &a, &tree), "... then the tree is not used");
	if (hund) {
		hund[13] = '\0';
		memcpy(fb.data, "sitegen-yaml-cache 1\n", 21);
		ok(rewrite(path, &fb), "the same file as the first version");
	}
	ok(!tree_a_cached(path, &a, &tree), "... is not read (another format)");
	if (hund) {
		memcpy(fb.data, "sitegen-yaml-cache 2\n", 21);
		ok(rewrite(path, &fb), "the file restored");
	}
	buf_free(&fb);
	ok(tree_a_cached(path, &a, &tree), "... is read again");

	/* A damaged file (cut in the middle of a tree) costs parsing only. */
	off_t n = size_of(path);
	ok(n > 20 && truncate(path, n - 7) == 0, "cache file cut short");
	yc = yaml_cache_open(path);
	ok(yaml_cache_get(yc, ID_A, &a, &tree, "x") == NULL, "a cut tree is not used");
	yaml_cache_free(yc);
	FILE *f = fopen(path, "wb");
	ok(f && fputs("sitegen-yaml-cache 2\nbinary 1 2 3 4 5\n" ID_A "\x05", f) >= 0 &&
	   fclose(f) == 0, "a cache file of another binary");
	yc = yaml_cache_open(path);
	ok(yaml_cache_get(yc, ID_A, &a, &tree, "x") == NULL, "... is not used");
	yaml_cache_free(yc);

	unlink(path);
	diags_free(&d);
	arena_free(&a);
	arena_free(&tree);
	return tap_exit();
}
