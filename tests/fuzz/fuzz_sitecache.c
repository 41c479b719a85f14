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
#include "fuzz.h"
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "util/buf.h"
#include "write/output.h"

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
	FILE *f = fopen(outside, "w");
	if (!f || fputs("keep", f) == EOF || fclose(f) != 0)
		abort();
	return 0;
}

/* keys: each page's cache key. */
static int build(const char *const *rel, const char *const *bytes,
		 const char *const *keys)
{
	struct diags d;
	diags_init(&d);
	struct output *o = output_open(dest, 0, &d);
	int rc = o ? 0 : -1;
	for (size_t i = 0; rel[i] && rc == 0; i++) {
		if (output_reuse(o, rel[i], keys[i]) == 1)
			continue;
		struct buf b;
		buf_init(&b, 0);
		buf_puts(&b, bytes[i]);
		rc = output_write_buf(o, rel[i], &b, keys[i]);
		buf_free(&b);
	}
	if (o)
		rc = output_commit(o, NULL, &d) < 0 ? -1 : rc;
	diags_free(&d);
	return rc;
}

static int file_is(const char *rel, const char *want)
{
	char path[256], got[64];
	snprintf(path, sizeof path, "%s/%s", dest, rel);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(got, 1, sizeof got - 1, f) : 0;
	if (f)
		fclose(f);
	got[n] = '\0';
	return f && !strcmp(got, want);
}

/* The files of the site but dot files, counted. */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[512];
		snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(sub, &st) == 0)
			n += S_ISDIR(st.st_mode) ? count_files(sub) : 1;
	}
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char prev[128], cache[128];
	snprintf(prev, sizeof prev, "%s.prev", dest);
	snprintf(cache, sizeof cache, "%s/.sitegen-cache", dest);
	fuzz_rm_tree(dest);
	fuzz_rm_tree(prev);
	static const char *const rel1[] = { "a.html", "d/b.html", "d/e/c.html", NULL };
	static const char *const by1[] = { "A1", "B1", "C1" };
	static const char *const rel2[] = { "a.html", "d/b.html", NULL };
	static const char *const by2[] = { "A1", "B2" };
	static const char k1[] = "0123456789abcdef0123456789abcdef01234567";
	static const char *const keys1[] = { k1, k1, k1 };
	/* a.html may be reused by its key; d/b.html changed, its key too */
	static const char *const keys2[] = { k1, k2 };
	FUZZ_ASSERT(build(rel1, by1, keys1) == 0, "the first build fails");
	FILE *f = fopen(cache, "w");
	FUZZ_ASSERT(f && fwrite(data, 1, size, f) == size && fclose(f) == 0,
		    "cannot write the cache");
	FUZZ_ASSERT(build(rel2, by2, keys2) == 0, "a build over a damaged cache fails");
	FUZZ_ASSERT(file_is("a.html", "A1") && file_is("d/b.html", "B2") &&
		    count_files(dest) == 2, "the site is not what the build wrote");
	struct stat st;
	FUZZ_ASSERT(stat(outside, &st) == 0, "a file beside the site was removed");
	return 0;
}
