/* fuzz_fingerprint - the record of the last build that sitegen keeps in
 * the output, <out>/.sitegen-fingerprint (generator/write/fingerprint.c),
 * as fingerprint_match reads it to skip a build whose inputs did not
 * change: its "files" count and the "sub" lines naming the directories to
 * stat again. The file lies in the deployed site, where a damaged disk,
 * a deploy tool or a hand can change it.
 *
 * The harness builds a small output tree in a temporary directory (on
 * /dev/shm when there is one) and records it once with fingerprint_store.
 * Byte 0 of an input: bit 1 set, the recorded file with its line number
 * byte 1 (modulo their count) left out, as damage loses one; else bit 0
 * even, the rest is the whole file; odd, the recorded file with the rest
 * written over it from the offset byte 1 names (so mutations reach its
 * real lines). Property: fingerprint_match says "unchanged" for the
 * recorded file's exact bytes, with its file count, and for no other
 * bytes. */
#include "fuzz_site.h"
#include "write/fingerprint.h"

#define ID "0123456789abcdef0123456789abcdef01234567"
#define FILES 7

static const char *dir;          /* fuzz_scratch's */
static char path[128];
static struct buf recorded;

static void made(int rc)
{
	if (rc != 0)
		abort();
}

static void put(const char *rel, const char *text)
{
	char p[192];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	fuzz_put(p, text, strlen(text));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	dir = fuzz_scratch("fuzz_fingerprint");
	char p[192];
	const char *dirs[] = { "dorsten", "dorsten/leistungen", "assets", "bottrop" };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, dirs[i]);
		made(mkdir(p, 0755));
	}
	put("index.html", "<h1>Start</h1>\n");
	put("dorsten/index.html", "<h1>Dorsten</h1>\n");
	put("dorsten/leistungen/hund.html", "<h1>Hund</h1>\n");
	made(fingerprint_store(dir, ID, FILES));
	snprintf(path, sizeof path, "%s/%s", dir, FINGERPRINT_NAME);
	buf_init(&recorded, (size_t)1 << 20);
	made(buf_read_file(&recorded, path));
	size_t files = 0;
	if (fingerprint_match(dir, ID, &files) != 1 || files != FILES)
		abort();        /* the record as written must match */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	struct buf f;
	buf_init(&f, (size_t)1 << 20);
	fuzz_damaged(&recorded, (data[0] & 2) && size > 1, data, size, &f);
	fuzz_put(path, f.data, f.len);
	size_t files = 0;
	int same = fingerprint_match(dir, ID, &files);
	bool exact = f.len == recorded.len && memcmp(f.data, recorded.data, f.len) == 0;
	FUZZ_ASSERT(same == (exact ? 1 : 0), "match %d for %s bytes", same,
		    exact ? "the recorded" : "other");
	FUZZ_ASSERT(!same || files == FILES, "files %zu", files);
	buf_free(&f);
	return 0;
}
