/* fuzz_gitobj - the git objects sitegen reads itself for `build --ref`
 * (generator/git/objects.c): a loose object file (zlib, then "<type>
 * <size>\0" and the content), a commit's headers, a tree's entries. A
 * wrong answer would build the site from other bytes than the commit's:
 * when unsure the reader must refuse (then libgit2 reads the object),
 * never crash, read out of bounds or invent content.
 *
 * Input: byte 0 chooses what the rest is.
 *   0: a loose object file's bytes (zlib);
 *   1: an inflated loose object: the harness deflates it first, so the
 *      header parser is reached with any bytes;
 *   2: a commit object's bytes;
 *   3: a tree object's bytes.
 *
 * Properties: an object read has a known type and at most the maximum
 * size, a NUL after its content, and written back as "<type> <size>\0"
 * and the content it is exactly what was deflated (1); a commit's tree and
 * parents are 40 hex digits of its own lines, in order, its time the
 * committer line's digits; tree entries tile the bytes they were read
 * from, each with a name without NUL and a mode of octal digits; every
 * answer is the same when asked again. */
#include "fuzz.h"
#include <zlib.h>
#include "git/objects.h"

#define MAX_OBJ ((size_t)1 << 20)

static const char *type_name(git_object_t t)
{
	switch (t) {
	case GIT_OBJECT_COMMIT: return "commit";
	case GIT_OBJECT_TREE: return "tree";
	case GIT_OBJECT_BLOB: return "blob";
	case GIT_OBJECT_TAG: return "tag";
	default: return NULL;
	}
}

/* Inflate z twice; the two answers agree. The object when read, else
 * NULL. */
static unsigned char *inflate_twice(const unsigned char *z, size_t n, git_object_t *type,
				    size_t *len)
{
	unsigned char *a, *b;
	git_object_t ta, tb;
	size_t la, lb;
	int ra = objects_inflate_loose(z, n, MAX_OBJ, &ta, &a, &la);
	int rb = objects_inflate_loose(z, n, MAX_OBJ, &tb, &b, &lb);
	if (ra != rb)
		abort();
	if (ra < 0) {
		if (a || b)
			abort();        /* nothing handed out on failure */
		return NULL;
	}
	if (ta != tb || la != lb || memcmp(a, b, la) != 0 || !type_name(ta) || la > MAX_OBJ ||
	    a[la] != '\0')
		abort();
	free(b);
	*type = ta;
	*len = la;
	return a;
}

static void loose(const unsigned char *p, size_t n)
{
	git_object_t t;
	size_t len;
	free(inflate_twice(p, n, &t, &len));
}

/* p[0..n) deflated, then read: when it reads, its header and content
 * give back p exactly. */
static void header(const unsigned char *p, size_t n)
{
	uLongf zn = compressBound(n);
	unsigned char *z = malloc(zn ? zn : 1);
	if (!z || compress(z, &zn, p, n) != Z_OK)
		abort();
	git_object_t t;
	size_t len;
	unsigned char *o = inflate_twice(z, zn, &t, &len);
	if (o) {
		char h[64];
		int w = snprintf(h, sizeof h, "%s %zu", type_name(t), len);
		size_t hl = (size_t)w + 1;
		if (w < 0 || hl + len != n || memcmp(p, h, hl) != 0 ||
		    memcmp(p + hl, o, len) != 0)
			abort();
	}
	free(o);
	free(z);
}

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Is the id the 40 hex digits at s? */
static int is_hex_of(const unsigned char *s, const git_oid *id)
{
	for (size_t i = 0; i < GIT_OID_RAWSZ; i++)
		if (hexval(s[2 * i]) != id->id[i] >> 4 || hexval(s[2 * i + 1]) != (id->id[i] & 15))
			return 0;
	return 1;
}

static void commit(const unsigned char *p, size_t n)
{
	struct gitcommit a, b;
	int ra = gitcommit_parse(p, n, &a), rb = gitcommit_parse(p, n, &b);
	if (ra != rb || (ra == 0 && memcmp(&a, &b, sizeof a) != 0))
		abort();
	if (ra < 0)
		return;
	if (n < 46 || memcmp(p, "tree ", 5) != 0 || !is_hex_of(p + 5, &a.tree) || a.time < 0)
		abort();
	for (size_t i = 0; i < a.n_parents; i++) {
		const unsigned char *line = (const unsigned char *)a.parents + i * 48 - 7;
		git_oid id;
		gitcommit_parent(&a, i, &id);
		if (line < p + 46 || line + 48 > p + n || memcmp(line, "parent ", 7) != 0 ||
		    line[47] != '\n' || !is_hex_of(line + 7, &id))
			abort();
	}
}

static void tree(const unsigned char *p, size_t n)
{
	const unsigned char *q = p, *end = p + n;
	struct gittree_ent e;
	int r;
	while ((r = gittree_next(&q, end, &e)) == 1) {
		if (e.start < p || e.start + e.len != q || q > end || e.nlen == 0 ||
		    strlen(e.name) != e.nlen || e.id != q - GIT_OID_RAWSZ ||
		    (const unsigned char *)e.name + e.nlen + 1 != e.id)
			abort();
		for (const unsigned char *m = e.start; *m != ' '; m++)
			if (*m < '0' || *m > '7')
				abort();
	}
	if (r == 0 && q != end)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > MAX_OBJ)
		return 0;
	/* a copy of exactly the bytes, so that ASan sees a read past them */
	unsigned char *p = malloc(size - 1 ? size - 1 : 1);
	if (!p)
		abort();
	memcpy(p, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0: loose(p, size - 1); break;
	case 1: header(p, size - 1); break;
	case 2: commit(p, size - 1); break;
	default: tree(p, size - 1); break;
	}
	free(p);
	return 0;
}
