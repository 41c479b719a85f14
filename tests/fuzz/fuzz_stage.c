/* fuzz_stage - the marker of the staging tree sitegen keeps beside the
 * deployed site (<dest>.prev/.sitegen-stage, generator/write/stage.c): the
 * state of both trees and the paths where they differ ("changed" lines),
 * which decide what the next build must write or link anew. A damaged or
 * cut marker must cost only the staging tree, never a crash, a file
 * removed outside the site or a site that differs from what the build
 * wrote (a stale page).
 *
 * Each run, in a temporary directory (on /dev/shm when there is one): a
 * build of three files into a fresh site, a second build that changes one
 * of them and drops another (which leaves the first build's tree as the
 * staging tree, its marker naming both paths), the input applied to that
 * marker, then a third build: one page reused by its key, one reused that
 * differs between the two trees, one new. Byte 0 of the input: bit 2
 * set, the real marker without its line number byte 1 (damage that lost
 * a line); else bit 0 even, the rest is the whole marker; odd, the real
 * marker with the rest written over it from the offset byte 1 names (so
 * mutations reach its real lines); bit 1 set, the page the two sites share (a.html, not a
 * "changed" path) is first replaced in the staging tree by another file
 * with other bytes (a new inode, which the marker's "top" line records).
 *
 * Properties: the third build commits; the site holds exactly its three
 * files with their bytes; a file beside the site is still there; and the
 * real marker untouched (the input 0x01) is taken: the third site is the
 * staging tree (its directory's inode). */
#include "fuzz_site.h"
#include "write/stage.h"

static const char *root;         /* fuzz_scratch's */
static char dest[96], prev[112], marker[160], outside[96];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	root = fuzz_scratch("fuzz_stage");
	snprintf(dest, sizeof dest, "%s/site", root);
	snprintf(prev, sizeof prev, "%s%s", dest, STAGE_SUFFIX);
	snprintf(marker, sizeof marker, "%s/%s", prev, STAGE_NAME);
	snprintf(outside, sizeof outside, "%s/outside.html", root);
	fuzz_put(outside, "keep", 4);
	return 0;
}

/* The marker as the input says: whole, the real one without a line
 * (bit 2), or the real one written over (fuzz_damaged). */
static void apply(const uint8_t *data, size_t size)
{
	struct buf real, m;
	buf_init(&real, (size_t)1 << 20);
	buf_init(&m, (size_t)1 << 20);
	FUZZ_ASSERT(buf_read_file(&real, marker) == 0, "no marker after two builds");
	fuzz_damaged(&real, data[0] & 4, data, size, &m);
	buf_free(&real);
	fuzz_put(marker, m.data, m.len);
	if (getenv("FUZZ_SHOW_MARKER"))  /* to see what an input made of it */
		fprintf(fuzz_err(), "marker:\n%.*s\n", (int)m.len, m.data);
	buf_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	fuzz_rm_tree(dest);
	fuzz_rm_tree(prev);
	static const char k1[] = "1111111111111111111111111111111111111111",
			  k2[] = "2222222222222222222222222222222222222222",
			  k3[] = "3333333333333333333333333333333333333333";
	static const struct fuzz_page first[] = {
		{ "a.html", "A1", k1 }, { "d/b.html", "B1", k1 }, { "d/e/c.html", "C1", k1 },
		{ NULL, NULL, NULL } };
	/* b changes, c goes: the staging tree (the first site) differs there */
	static const struct fuzz_page second[] = {
		{ "a.html", "A1", k1 }, { "d/b.html", "B2", k2 }, { NULL, NULL, NULL } };
	/* a and b reused by their keys (b's bytes differ in the staging
	 * tree), f new */
	static const struct fuzz_page third[] = {
		{ "a.html", "A1", k1 }, { "d/b.html", "B2", k2 }, { "f.html", "F3", k3 },
		{ NULL, NULL, NULL } };
	FUZZ_ASSERT(fuzz_build(dest, first) == 0, "the first build fails");
	FUZZ_ASSERT(fuzz_build(dest, second) == 0, "the second build fails");
	if (data[0] & 2) {      /* a new inode where a page both sites share was */
		char p[160];
		snprintf(p, sizeof p, "%s/a.html", prev);
		unlink(p);
		fuzz_put(p, "XX", 2);
	}
	apply(data, size);
	struct stat st;
	FUZZ_ASSERT(stat(prev, &st) == 0, "no staging tree after two builds");
	ino_t staged = st.st_ino;
	FUZZ_ASSERT(fuzz_build(dest, third) == 0, "a build over a damaged staging tree fails");
	FUZZ_ASSERT(fuzz_file_is(dest, "a.html", "A1") && fuzz_file_is(dest, "d/b.html", "B2") &&
		    fuzz_file_is(dest, "f.html", "F3") && fuzz_count_files(dest) == 3,
		    "the site is not what the build wrote");
	FUZZ_ASSERT(stat(outside, &st) == 0, "a file beside the site was removed");
	FUZZ_ASSERT(size > 1 || data[0] != 1 || (stat(dest, &st) == 0 && st.st_ino == staged),
		    "the untouched marker was not taken");
	return 0;
}
