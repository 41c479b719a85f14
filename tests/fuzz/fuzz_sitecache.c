/* fuzz_sitecache - the page cache sitegen keeps in the deployed site
 * (<dest>/.sitegen-cache, generator/write/output.c): the key of every page
 * and, with a valid staging tree, the list of the deployed files, which
 * decides what a build removes. A damaged, cut or hostile cache must cost
 * only rendering, never a crash, a file removed outside the site or a
 * site that differs from what the build wrote.
 *
 * Each run: a build of three files into a fresh site (which leaves the
 * staging tree site.prev), the input written over its .sitegen-cache,
 * then a second build of two of the files: one unchanged (reused by its
 * key when the cache offers it), one changed (a new key), one gone.
 *
 * Properties: the second build commits; the site holds exactly its two
 * files with their bytes; a file beside the site (which a path climbing
 * out of the tree would name) is still there. */
#include "fuzz_site.h"
#include <time.h>

static char root[64], dest[96], outside[96];
/* the changed page's new key: drawn at start, so no input can name it (a
 * cache that names a page's true key is trusted, by design) */
static char k2[41];

/* The scratch tree goes when the fuzzer exits (libFuzzer ends a timed run
 * with exit()); before, every run of tests/t-fuzz.sh left one in /tmp. */
static void remove_root(void)
{
	fuzz_rm_tree(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	snprintf(root, sizeof root, "/tmp/fuzz-sitecache.%ld", (long)getpid());
	snprintf(dest, sizeof dest, "%s/site", root);
	snprintf(outside, sizeof outside, "%s/outside.html", root);
	if (mkdir(root, 0755) < 0 || atexit(remove_root) != 0)
		abort();
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	for (int i = 0; i < 40; i++)
		k2[i] = "0123456789abcdef"[rand() % 16];
	fuzz_put(outside, "keep", 4);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char prev[128], cache[128];
	snprintf(prev, sizeof prev, "%s.prev", dest);
	snprintf(cache, sizeof cache, "%s/.sitegen-cache", dest);
	fuzz_rm_tree(dest);
	fuzz_rm_tree(prev);
	static const char k1[] = "0123456789abcdef0123456789abcdef01234567";
	const struct fuzz_page first[] = {
		{ "a.html", "A1", k1 }, { "d/b.html", "B1", k1 }, { "d/e/c.html", "C1", k1 },
		{ NULL, NULL, NULL } };
	/* a.html may be reused by its key; d/b.html changed, its key too */
	const struct fuzz_page second[] = {
		{ "a.html", "A1", k1 }, { "d/b.html", "B2", k2 }, { NULL, NULL, NULL } };
	FUZZ_ASSERT(fuzz_build(dest, first) == 0, "the first build fails");
	fuzz_put(cache, data, size);
	FUZZ_ASSERT(fuzz_build(dest, second) == 0, "a build over a damaged cache fails");
	FUZZ_ASSERT(fuzz_file_is(dest, "a.html", "A1") && fuzz_file_is(dest, "d/b.html", "B2") &&
		    fuzz_count_files(dest) == 2, "the site is not what the build wrote");
	struct stat st;
	FUZZ_ASSERT(stat(outside, &st) == 0, "a file beside the site was removed");
	return 0;
}
