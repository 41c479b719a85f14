/* fuzz_fingerprint - the record of the last build that sitegen keeps in
 * the output, <out>/.sitegen-fingerprint (generator/write/fingerprint.c),
 * as fingerprint_match reads it to skip a build whose inputs did not
 * change: its "files" count and the "sub" lines naming the directories to
 * stat again. The file lies in the deployed site, where a damaged disk,
 * a deploy tool or a hand can change it.
 *
 * The harness builds a small output tree in a temporary directory (on
 * /dev/shm when there is one) and records it once with fingerprint_store.
 * Byte 0 of an input: even, the rest is the whole file; odd, the recorded
 * file with the rest written over it from the offset byte 1 names (so
 * mutations reach its real lines). Properties: the recorded file's
 * exact bytes are "unchanged", with its file count; a file said to be
 * unchanged has the recorded lines but for the "sub" lines, and each of
 * its "sub" lines is a recorded one. (A file that leaves out or repeats a
 * "sub" line is taken: the directories it names are the ones stat'ed
 * again, and each line is checked against the tree now. Only lines
 * sitegen wrote can pass.) */
#include "fuzz.h"
#include <sys/stat.h>
#include <unistd.h>
#include "util/buf.h"
#include "write/fingerprint.h"

#define ID "0123456789abcdef0123456789abcdef01234567"
#define FILES 7

static char dir[64], path[128];
static struct buf recorded;

static void remove_dir(void)
{
	fuzz_rm_tree(dir);
}

static void made(int rc)
{
	if (rc != 0)
		abort();
}

static void put(const char *rel, const void *data, size_t n)
{
	char p[192];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	snprintf(dir, sizeof dir, "%s/fuzz_fingerprint_XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	char p[192];
	const char *dirs[] = { "dorsten", "dorsten/leistungen", "assets", "bottrop" };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, dirs[i]);
		made(mkdir(p, 0755));
	}
	put("index.html", "<h1>Start</h1>\n", 15);
	put("dorsten/index.html", "<h1>Dorsten</h1>\n", 17);
	put("dorsten/leistungen/hund.html", "<h1>Hund</h1>\n", 14);
	made(fingerprint_store(dir, ID, FILES));
	snprintf(path, sizeof path, "%s/%s", dir, FINGERPRINT_NAME);
	buf_init(&recorded, (size_t)1 << 20);
	made(buf_read_file(&recorded, path));
	size_t files = 0;
	if (fingerprint_match(dir, ID, &files) != 1 || files != FILES)
		abort();        /* the record as written must match */
	return 0;
}

/* Is line l (up to its newline) one of text's lines? */
static bool has_line(const struct buf *text, const char *l, size_t n)
{
	for (const char *t = text->data; t < text->data + text->len;) {
		const char *nl = memchr(t, '\n', (size_t)(text->data + text->len - t));
		size_t tn = nl ? (size_t)(nl - t) + 1 : (size_t)(text->data + text->len - t);
		if (tn == n && memcmp(t, l, n) == 0)
			return true;
		t += tn;
	}
	return false;
}

/* The lines of text that do not start with "sub ", in order. */
static void other_lines(const struct buf *text, struct buf *out)
{
	for (const char *t = text->data; t < text->data + text->len;) {
		const char *nl = memchr(t, '\n', (size_t)(text->data + text->len - t));
		size_t tn = nl ? (size_t)(nl - t) + 1 : (size_t)(text->data + text->len - t);
		if (tn < 4 || memcmp(t, "sub ", 4) != 0)
			made(buf_append(out, t, tn));
		t += tn;
	}
}

/* What the header comment says of a file fingerprint_match took. */
static void check_taken(const struct buf *f)
{
	struct buf a, b;
	buf_init(&a, (size_t)1 << 20);
	buf_init(&b, (size_t)1 << 20);
	other_lines(f, &a);
	other_lines(&recorded, &b);
	FUZZ_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
		    "a file with other lines than the record's was taken");
	for (const char *t = f->data; t < f->data + f->len;) {
		const char *nl = memchr(t, '\n', (size_t)(f->data + f->len - t));
		size_t tn = nl ? (size_t)(nl - t) + 1 : (size_t)(f->data + f->len - t);
		FUZZ_ASSERT(tn < 4 || memcmp(t, "sub ", 4) != 0 || has_line(&recorded, t, tn),
			    "a sub line sitegen did not write was taken: %.*s", (int)tn, t);
		t += tn;
	}
	buf_free(&a);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	struct buf f;
	buf_init(&f, (size_t)1 << 20);
	if (data[0] & 1) {
		size_t at = size > 1 ? data[1] % (recorded.len + 1) : 0;
		size_t n = size > 2 ? size - 2 : 0;
		made(buf_append(&f, recorded.data, recorded.len));
		if (at + n > f.len)
			made(buf_append(&f, data, at + n - f.len));     /* room */
		if (n)
			memcpy(f.data + at, data + 2, n);
	} else {
		made(buf_append(&f, data + 1, size - 1));
	}
	FILE *out = fopen(path, "wb");
	if (!out || (f.len && fwrite(f.data, 1, f.len, out) != f.len) || fclose(out) != 0)
		abort();
	size_t files = 0;
	int same = fingerprint_match(dir, ID, &files);
	bool exact = f.len == recorded.len && memcmp(f.data, recorded.data, f.len) == 0;
	FUZZ_ASSERT(same == 0 || same == 1, "match %d", same);
	FUZZ_ASSERT(!exact || same, "the recorded file is not taken");
	FUZZ_ASSERT(!same || files == FILES, "files %zu", files);
	if (same)
		check_taken(&f);
	buf_free(&f);
	return 0;
}
