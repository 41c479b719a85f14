/* fuzz_packread - the history walk's own reader of git pack files
 * (generator/git/packread.c): the pack index, object headers, zlib
 * streams and delta chains (offset and reference deltas). Packs come from
 * the editors' repository; git checks what it receives, but a damaged or
 * hostile pack on disk must still be "not here" (0), never a crash or a
 * read out of bounds.
 *
 * Input: 4 bytes little-endian n, then n bytes of .idx, then the .pack.
 * Both are written into a bare repository made once; every object id the
 * index lists (at most 64) and one unknown id are asked for, twice (the
 * second time from the cache). Seeds: tests/fuzz/corpus/packread, real
 * packs with delta chains (tests/fuzz/packread_seeds.sh).
 *
 * Properties: an object found has a known type and its length; the same
 * id read twice gives the same bytes. */
#include "fuzz.h"
#include <git2.h>
#include <stdint.h>
#include <unistd.h>
#include "git/packread.h"

static git_repository *repo;
static char repo_dir[64], obj_dir[512], idx_path[512], pack_path[512];

/* The repository goes with the process (libFuzzer ends with exit()). */
static void remove_repo(void)
{
	git_repository_free(repo);
	fuzz_rm_tree(repo_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	const char *tmp = getenv("TEST_TMP");
	snprintf(repo_dir, sizeof repo_dir, "%.30s/fuzz-packread-XXXXXX",
		 tmp && *tmp && strlen(tmp) <= 30 ? tmp : "/tmp");
	if (!mkdtemp(repo_dir) || git_libgit2_init() < 0 ||
	    git_repository_init(&repo, repo_dir, 1) < 0)
		abort();
	atexit(remove_repo);
	snprintf(obj_dir, sizeof obj_dir, "%s/objects", repo_dir);
	snprintf(idx_path, sizeof idx_path, "%s/objects/pack/pack-fuzz.idx", repo_dir);
	snprintf(pack_path, sizeof pack_path, "%s/objects/pack/pack-fuzz.pack", repo_dir);
	return 0;
}

/* The ids the index names: after the header (8) and fan-out (1024), its
 * last fan-out entry is the count. */
static size_t ids_of(const uint8_t *idx, size_t n, git_oid *out, size_t max)
{
	if (n < 8 + 1024)
		return 0;
	const uint8_t *c = idx + 8 + 255 * 4;
	size_t count = (size_t)c[0] << 24 | (size_t)c[1] << 16 | (size_t)c[2] << 8 | c[3];
	size_t k = 0;
	for (size_t i = 0; i < count && k < max && 8 + 1024 + (i + 1) * 20 <= n; i++)
		git_oid_fromraw(&out[k++], idx + 8 + 1024 + i * 20);
	return k;
}

static void ask(struct packread *pr, const git_oid *id)
{
	const struct packobj *a = NULL, *b = NULL;
	int ra = packread_get(pr, id, &a);
	int rb = packread_get(pr, id, &b);
	FUZZ_ASSERT(ra == rb, "the same id read twice: %d then %d", ra, rb);
	if (ra == 1) {
		FUZZ_ASSERT(a->type == GIT_OBJECT_COMMIT || a->type == GIT_OBJECT_TREE ||
			    a->type == GIT_OBJECT_BLOB || a->type == GIT_OBJECT_TAG,
			    "unknown type %d", (int)a->type);
		FUZZ_ASSERT(a->len == b->len && (a->len == 0 || !memcmp(a->data, b->data, a->len)),
			    "the same id read twice gave other bytes");
		volatile unsigned char sum = 0;     /* touch every byte (ASan) */
		for (size_t i = 0; i < a->len; i++)
			sum ^= a->data[i];
		(void)sum;
	}
	if (a)
		packread_release(pr, a);
	if (b)
		packread_release(pr, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	size_t n = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 |
		   (size_t)data[3] << 24;
	if (n > size - 4)
		n = size - 4;
	const uint8_t *idx = data + 4, *pack = data + 4 + n;
	fuzz_put(idx_path, idx, n);
	fuzz_put(pack_path, pack, size - 4 - n);
	struct packread *pr = packread_open_dir(obj_dir, (size_t)1 << 20);
	git_oid ids[65];
	size_t k = ids_of(idx, n, ids, 64);
	memset(&ids[k], 0x5a, sizeof ids[k]);   /* one the index does not name */
	for (size_t i = 0; i <= k; i++)
		ask(pr, &ids[i]);
	packread_close(pr);
	return 0;
}
