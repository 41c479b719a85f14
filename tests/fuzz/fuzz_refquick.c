/* fuzz_refquick - the reference files sitegen reads itself to see whether
 * `build --ref REV` still names the commit of the last build
 * (generator/git/refquick.c): a loose reference, packed-refs, and the
 * files of a whole .git directory. A revision it answers is built no
 * more, so a wrong answer would leave a site stale: when unsure it must
 * say so (0), never crash, read out of bounds or invent an id.
 *
 * Input: byte 0 chooses what the rest is.
 *   0: a loose reference file's bytes;
 *   1: a reference name, a newline, then packed-refs' bytes;
 *   2, 3: NUL-separated: .git/HEAD, refs/heads/main, packed-refs, and
 *      (3) a .git file's "gitdir:" line instead of a .git directory;
 *      then HEAD, main, refs/heads/main and refs/tags/v1 are resolved.
 *
 * Properties: an id is 40 lower-case hex digits; a loose file's id is its
 * first 40 bytes, a target its bytes after "ref: ", a name starting with
 * "refs/" without "..", "//" or control bytes; a packed id is that of a
 * line "<id> <name>" of the file; every answer is the same when asked
 * again; an id resolved from a directory is one of the ids its files
 * hold. */
#include "fuzz.h"
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>
#include "git/refquick.h"

/* Two repositories, made once: one with a .git directory, one with a
 * .git file pointing to real.git; each run writes its files anew. */
static char dirs[2][64];

static void mkdir_ok(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		abort();
}

/* The repositories go when the fuzzer exits (libFuzzer ends a timed run
 * with exit()); before, every run of tests/t-fuzz.sh left two in /tmp. */
static void remove_dirs(void)
{
	for (int k = 0; k < 2; k++)
		if (dirs[k][0])
			fuzz_rm_tree(dirs[k]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	if (atexit(remove_dirs) != 0)
		abort();
	for (int k = 0; k < 2; k++) {
		char path[128];
		snprintf(dirs[k], sizeof dirs[k], "/tmp/fuzz-refquick%d.%ld", k, (long)getpid());
		mkdir_ok(dirs[k]);
		const char *git = k ? "real.git" : ".git";
		const char *sub[] = { "", "/refs", "/refs/heads", "/refs/tags" };
		for (size_t i = 0; i < 4; i++) {
			snprintf(path, sizeof path, "%s/%s%s", dirs[k], git, sub[i]);
			mkdir_ok(path);
		}
	}
	return 0;
}

static bool hex40(const char *s)
{
	for (int i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[40] == '\0';
}

static void loose(const char *d, size_t n)
{
	char id[41], target[1100], id2[41], target2[1100];
	int k = refquick_parse_loose(d, n, id, target, sizeof target);
	if (k == 1 && (!hex40(id) || memcmp(id, d, 40) != 0))
		abort();
	if (k == 2) {
		size_t tl = strlen(target);
		if (strncmp(target, "refs/", 5) != 0 || strstr(target, "..") ||
		    strstr(target, "//") || memcmp(d + 5, target, tl) != 0)
			abort();
		for (size_t i = 0; i < tl; i++)
			if ((unsigned char)target[i] <= ' ' || target[i] == 0x7f)
				abort();
	}
	if (refquick_parse_loose(d, n, id2, target2, sizeof target2) != k ||
	    (k == 1 && strcmp(id, id2) != 0) || (k == 2 && strcmp(target, target2) != 0))
		abort();
}

static void packed(const char *d, size_t n)
{
	const char *nl = memchr(d, '\n', n);
	if (!nl)
		return;
	char name[1100];
	size_t nlen = (size_t)(nl - d);
	if (nlen >= sizeof name || memchr(d, '\0', nlen))
		return;
	memcpy(name, d, nlen);
	name[nlen] = '\0';
	const char *f = nl + 1;
	size_t fn = n - nlen - 1;
	char id[41], id2[41];
	int k = refquick_parse_packed(f, fn, name, id);
	if (k < -1 || k > 1 || refquick_parse_packed(f, fn, name, id2) != k)
		abort();
	if (k == 1) {
		char line[1200];
		snprintf(line, sizeof line, "%s %s\n", id, name);
		if (!hex40(id) || strcmp(id, id2) != 0 ||
		    !(fn >= strlen(line) && (memcmp(f, line, strlen(line)) == 0 ||
					     memmem(f, fn, line, strlen(line)))))
			abort();
	}
}

static void repo(const char *d, size_t n, bool gitfile)
{
	const char *part[4] = { "", "", "", "" };
	size_t len[4] = { 0, 0, 0, 0 };
	size_t k = 0;
	const char *p = d, *end = d + n;
	while (k < 4 && p <= end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		part[k] = p;
		len[k++] = z ? (size_t)(z - p) : (size_t)(end - p);
		if (!z)
			break;
		p = z + 1;
	}
	const char *dir = dirs[gitfile];
	char path[256], git[128];
	snprintf(git, sizeof git, "%s/%s", dir, gitfile ? "real.git" : ".git");
	snprintf(path, sizeof path, "%s/HEAD", git);
	fuzz_put(path, part[0], len[0]);
	snprintf(path, sizeof path, "%s/refs/heads/main", git);
	if (len[1])
		fuzz_put(path, part[1], len[1]);
	else
		unlink(path);
	snprintf(path, sizeof path, "%s/packed-refs", git);
	if (len[2])
		fuzz_put(path, part[2], len[2]);
	else
		unlink(path);
	if (gitfile) {
		snprintf(path, sizeof path, "%s/.git", dir);
		fuzz_put(path, part[3], len[3]);
	}
	static const char *const revs[] = { "HEAD", "main", "refs/heads/main", "refs/tags/v1" };
	for (size_t i = 0; i < 4; i++) {
		char id[41], id2[41];
		int r = refquick_resolve(dir, revs[i], id);
		if (r != 0 && r != 1)
			abort();
		if (refquick_resolve(dir, revs[i], id2) != r || (r == 1 && strcmp(id, id2) != 0))
			abort();
		if (r == 1) {
			bool held = false;
			for (size_t j = 0; j < 3 && !held; j++)
				held = len[j] >= 40 && memmem(part[j], len[j], id, 40);
			if (!hex40(id) || !held)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	const char *d = (const char *)data + 1;
	size_t n = size - 1;
	switch (data[0] & 3) {
	case 0: loose(d, n); break;
	case 1: packed(d, n); break;
	default: repo(d, n, data[0] & 1); break;
	}
	return 0;
}
