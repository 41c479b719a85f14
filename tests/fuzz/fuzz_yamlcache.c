/* fuzz_yamlcache - sitegen's cache of parsed YAML trees between builds
 * (generator/load/yamlcache.c), which reads a file beside the output: a
 * damaged, cut or hostile cache file must cost only parsing, never a
 * crash, a read out of bounds or a tree that breaks the loader.
 *
 * Input: the cache file's entries (what follows its two header lines);
 * the harness writes the header this binary's identity gives (else the
 * cache ignores the file) and the input after it, opens it, and asks for
 * the ids the entries name (at most 64) and one unknown id.
 *
 * Properties: a tree got has nodes of known kinds within the depth limit,
 * scalars of their length without reading past them, 1-based positions,
 * and a mapping's keys scalars; put into a new cache, saved and read
 * again it comes back the same. */
#include "fuzz.h"
#include <sys/stat.h>
#include <unistd.h>
#include "load/yamlcache.h"

static char path[64], path2[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	snprintf(path, sizeof path, "/tmp/fuzz-yamlcache.%ld", (long)getpid());
	snprintf(path2, sizeof path2, "/tmp/fuzz-yamlcache2.%ld", (long)getpid());
	return 0;
}

static void header(FILE *f)
{
	struct stat st;
	if (stat("/proc/self/exe", &st) < 0)
		abort();
	fprintf(f, "sitegen-yaml-cache 2\nbinary %llu %llu %lld %lld %ld\n",
		(unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		(long long)st.st_size, (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
}

/* Checks a tree; its size in nodes. */
static size_t walk(const struct ynode *n, int depth)
{
	FUZZ_ASSERT(n && depth <= YAML_MAX_DEPTH + 1, "depth %d", depth);
	FUZZ_ASSERT(n->line >= 1 && n->col >= 1, "position %d:%d", n->line, n->col);
	volatile unsigned char sum = 0;
	switch (n->kind) {
	case YN_SCALAR:
		FUZZ_ASSERT(n->str != NULL && n->str[n->len] == '\0',
			    "a scalar without bytes or not NUL-terminated");
		for (size_t i = 0; i < n->len; i++)
			sum ^= (unsigned char)n->str[i];
		(void)sum;
		return 1;
	case YN_SEQ:
	case YN_MAP: {
		size_t k = 1;
		for (size_t i = 0; i < n->n; i++) {
			if (n->kind == YN_MAP) {
				FUZZ_ASSERT(n->keys[i] && n->keys[i]->kind == YN_SCALAR,
					    "a mapping key that is no scalar");
				k += walk(n->keys[i], depth + 1);
			}
			k += walk(n->items[i], depth + 1);
		}
		return k;
	}
	}
	FUZZ_ASSERT(0, "unknown kind %d", (int)n->kind);
	return 0;
}

static bool same(const struct ynode *x, const struct ynode *y)
{
	if (x->kind != y->kind || x->line != y->line || x->col != y->col || x->n != y->n)
		return false;
	if (x->kind == YN_SCALAR)
		return x->len == y->len && x->plain == y->plain &&
		       !memcmp(x->str, y->str, x->len);
	for (size_t i = 0; i < x->n; i++)
		if ((x->kind == YN_MAP && !same(x->keys[i], y->keys[i])) ||
		    !same(x->items[i], y->items[i]))
			return false;
	return true;
}

/* The ids the entries name, read as the format says (40 hex digits, a
 * 4-byte length, the tree), as far as they go. */
static size_t ids_of(const uint8_t *d, size_t n, char ids[][41], size_t max)
{
	size_t k = 0, p = 0;
	while (k < max && p + 44 <= n) {
		memcpy(ids[k], d + p, 40);
		ids[k][40] = '\0';
		k++;
		size_t len = (size_t)d[p + 40] | (size_t)d[p + 41] << 8 |
			     (size_t)d[p + 42] << 16 | (size_t)d[p + 43] << 24;
		if (len > n - p - 44)
			break;
		p += 44 + len;
	}
	return k;
}

static void round_trip(const char *id, const struct ynode *t)
{
	unlink(path2);
	struct yaml_cache *yc = yaml_cache_open(path2);
	yaml_cache_put(yc, id, t);
	FUZZ_ASSERT(yaml_cache_save(yc) == 0, "cannot save a tree got");
	yaml_cache_free(yc);
	yc = yaml_cache_open(path2);
	struct arena a, tree;
	arena_init(&a);
	arena_init(&tree);
	struct ynode *back = yaml_cache_get(yc, id, &a, &tree, "x.yml");
	FUZZ_ASSERT(back && same(t, back), "a tree put and read again differs");
	arena_free(&tree);
	arena_free(&a);
	yaml_cache_free(yc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	header(f);
	if ((size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	char ids[65][41];
	size_t k = ids_of(data, size, ids, 64);
	memcpy(ids[k], "0123456789abcdef0123456789abcdef01234567", 41);
	struct yaml_cache *yc = yaml_cache_open(path);
	for (size_t i = 0; i <= k; i++) {
		struct arena a, tree;
		arena_init(&a);
		arena_init(&tree);
		struct ynode *t = yaml_cache_get(yc, ids[i], &a, &tree, "services/x.yml");
		if (t) {
			walk(t, 0);
			round_trip(ids[i], t);
		}
		arena_free(&tree);
		arena_free(&a);
	}
	yaml_cache_free(yc);
	unlink(path);
	unlink(path2);
	return 0;
}
