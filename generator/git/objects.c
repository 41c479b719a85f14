/* objects.c - see objects.h.
 * Formats: Documentation/gitformat-loose.txt ("<type> <size>\0" and the
 * content, zlib-deflated), Documentation/gitformat-commit.txt (headers
 * "tree", "parent"..., "author", "committer"). */
#include "objects.h"
#include "gitutil.h"
#include "../util/arena.h"
#include "../util/buf.h"
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Largest loose object read here; a bigger one is left to libgit2. A
 * catalogue file is a few KiB, a directory of 6,000 services ~400 KiB. */
#define LOOSE_MAX ((size_t)64 << 20)
/* deflate never grows data by much more than its 5 bytes a 16 KiB block:
 * a bigger file is no object of LOOSE_MAX */
#define LOOSE_FILE_MAX (LOOSE_MAX + LOOSE_MAX / 64 + 64)
/* Rebuilt pack objects kept (packread.h): the trees and blobs of a build
 * and the delta chains of the history's directories. */
#define PACK_CACHE_BYTES ((size_t)24 << 20)
#define HDR_MAX 32      /* "commit 18446744073709551615\0" fits */

struct objects {
	char loose[PATH_MAX];           /* ".../objects/", then "xx/yyyy..." */
	size_t loose_len;
	struct packread *packs;
	/* libgit2, behind: opened when first needed, used under the lock */
	pthread_mutex_t lock;
	git_repository *repo;
	int own_repo;
	git_odb *odb;
	int failed;                     /* it could not be opened */
	char *repo_path;
	atomic_size_t from_libgit2;
};

struct objects *objects_open(const char *common, git_repository *repo, const char *repo_path)
{
	struct objects *os = xcalloc(1, sizeof *os);
	size_t cl = strlen(common);
	while (cl > 1 && common[cl - 1] == '/')
		cl--;           /* libgit2's commondir ends in one */
	int w = cl > INT_MAX ? -1 :
		snprintf(os->loose, sizeof os->loose, "%.*s/objects/", (int)cl, common);
	/* too long a path: every object is libgit2's */
	os->loose_len = w > 0 && (size_t)w + 41 < sizeof os->loose ? (size_t)w : 0;
	if (os->loose_len) {
		os->loose[w - 1] = '\0';
		os->packs = packread_open_dir(os->loose, PACK_CACHE_BYTES);
		os->loose[w - 1] = '/';
	} else {
		os->packs = packread_open_dir(NULL, PACK_CACHE_BYTES);
	}
	if (pthread_mutex_init(&os->lock, NULL) != 0)
		die("objects: cannot create a lock");
	os->repo = repo;
	os->repo_path = xstrdup(repo_path ? repo_path : ".");
	return os;
}

/* ---- loose objects ---- */

static int parse_type(const char *s, size_t n, git_object_t *type)
{
	static const struct {
		const char *name;
		git_object_t type;
	} types[] = {
		{ "commit", GIT_OBJECT_COMMIT }, { "tree", GIT_OBJECT_TREE },
		{ "blob", GIT_OBJECT_BLOB }, { "tag", GIT_OBJECT_TAG },
	};
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		if (strlen(types[i].name) == n && memcmp(types[i].name, s, n) == 0) {
			*type = types[i].type;
			return 0;
		}
	}
	return -1;
}

/* "<type> <decimal size>\0" at h[0..n): its length with the NUL, or -1. */
static int parse_header(const unsigned char *h, size_t n, size_t max, git_object_t *type,
			size_t *size)
{
	const unsigned char *sp = memchr(h, ' ', n);
	const unsigned char *nul = memchr(h, '\0', n);
	if (!sp || !nul || sp > nul || parse_type((const char *)h, (size_t)(sp - h), type) < 0)
		return -1;
	const unsigned char *d = sp + 1;
	if (d == nul || (d[0] == '0' && nul - d > 1) || nul - d > 19)
		return -1;      /* no digits, a leading zero, too many */
	size_t v = 0;
	for (; d < nul; d++) {
		if (*d < '0' || *d > '9')
			return -1;
		v = v * 10 + (size_t)(*d - '0');
	}
	if (v > max)
		return -2;
	*size = v;
	return (int)(nul + 1 - h);
}

int objects_inflate_loose(const unsigned char *zbytes, size_t zlen, size_t max,
			  git_object_t *type, unsigned char **out, size_t *len)
{
	*out = NULL;
	if (zlen > UINT_MAX)
		return -1;
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return -1;
	unsigned char hdr[HDR_MAX];
	z.next_in = (unsigned char *)zbytes;
	z.avail_in = (unsigned)zlen;
	z.next_out = hdr;
	z.avail_out = sizeof hdr;
	int zr = inflate(&z, Z_SYNC_FLUSH);
	size_t got = sizeof hdr - z.avail_out, size;
	int hl = (zr == Z_OK || zr == Z_STREAM_END) ?
		 parse_header(hdr, got, max, type, &size) : -1;
	unsigned char *data = NULL;
	if (hl == -2) {
		inflateEnd(&z);
		return -2;
	}
	if (hl < 0 || got - (size_t)hl > size)
		goto fail;
	data = malloc(size + 1);
	if (!data)
		goto fail;
	size_t have = got - (size_t)hl;
	memcpy(data, hdr + hl, have);
	if (zr != Z_STREAM_END) {
		/* one byte more than the header says: content that runs
		 * past it is caught */
		z.next_out = data + have;
		z.avail_out = (unsigned)(size - have + 1);
		zr = inflate(&z, Z_FINISH);
		if (zr != Z_STREAM_END || z.avail_out != 1)
			goto fail;
	} else if (have != size) {
		goto fail;
	}
	if (z.avail_in != 0)
		goto fail;      /* bytes after the stream */
	inflateEnd(&z);
	data[size] = '\0';
	*out = data;
	*len = size;
	return 0;
fail:
	inflateEnd(&z);
	free(data);
	return -1;
}

/* 1 and *o when id is a loose object read here; 0 when there is no such
 * file or it is too big to read here; -1 when it is damaged (err). A
 * damaged one is not handed to libgit2: libgit2 1.5.1's git_odb_read
 * loops forever on a loose object cut short (tests/unit/git_objects.c). */
static int loose_get(struct objects *os, const git_oid *id, struct gitobj *o, char *err,
		     size_t errlen)
{
	if (!os->loose_len)
		return 0;
	char path[PATH_MAX], hex[GIT_OID_HEXSZ + 1];
	gitoid_tohex(id, hex);
	memcpy(path, os->loose, os->loose_len);
	char *p = path + os->loose_len;
	p[0] = hex[0];
	p[1] = hex[1];
	p[2] = '/';
	memcpy(p + 3, hex + 2, GIT_OID_HEXSZ - 2 + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct stat st;
	int rc;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		rc = -1;
	} else if ((size_t)st.st_size > LOOSE_FILE_MAX) {
		rc = 0;         /* too big to read here */
	} else {
		struct buf z;
		buf_init(&z, LOOSE_FILE_MAX + 1);
		unsigned char *data;
		size_t len;
		int r = buf_read_fd(&z, fd, (size_t)st.st_size + 1) < 0 ? -1 :
			objects_inflate_loose((const unsigned char *)z.data, z.len, LOOSE_MAX,
					      &o->type, &data, &len);
		buf_free(&z);
		if (r == 0) {
			o->heap = data;
			o->data = data;
			o->len = len;
		}
		rc = r == 0 ? 1 : r == -2 ? 0 : -1;
	}
	close(fd);
	if (rc < 0)
		snprintf(err, errlen, "loose object %s is damaged (objects/%.2s/%s)", hex, hex,
			 hex + 2);
	return rc;
}

/* ---- libgit2, behind ---- */

static int libgit2_get(struct objects *os, const git_oid *id, struct gitobj *o, char *err,
		       size_t errlen)
{
	int rc = -1;
	if (pthread_mutex_lock(&os->lock) != 0)
		die("objects: cannot lock");
	if (!os->odb && !os->failed) {
		gitutil_init();
		if (!os->repo && gitutil_open(&os->repo, os->repo_path) == 0)
			os->own_repo = 1;
		if (!os->repo || git2.repository_odb(&os->odb, os->repo) < 0) {
			os->failed = 1;
			snprintf(err, errlen, "%s", gitutil_errmsg());
		}
	}
	if (os->odb) {
		if (git2.odb_read(&o->odb, os->odb, id) == 0) {
			o->type = git2.odb_object_type(o->odb);
			o->data = git2.odb_object_data(o->odb);
			o->len = git2.odb_object_size(o->odb);
			atomic_fetch_add(&os->from_libgit2, 1);
			rc = 0;
		} else {
			snprintf(err, errlen, "%s", gitutil_errmsg());
		}
	} else if (os->failed && err[0] == '\0') {
		snprintf(err, errlen, "the repository cannot be opened");
	}
	if (pthread_mutex_unlock(&os->lock) != 0)
		die("objects: cannot unlock");
	return rc;
}

int objects_get(struct objects *os, const git_oid *id, struct gitobj *o, char *err,
		size_t errlen)
{
	memset(o, 0, sizeof *o);
	if (errlen)
		err[0] = '\0';
	if (packread_get(os->packs, id, &o->po) == 1) {
		o->type = o->po->type;
		o->data = o->po->data;
		o->len = o->po->len;
		return 0;
	}
	int r = loose_get(os, id, o, err, errlen);
	if (r != 0)
		return r > 0 ? 0 : -1;
	return libgit2_get(os, id, o, err, errlen);
}

void objects_put(struct objects *os, struct gitobj *o)
{
	if (o->po)
		packread_release(os->packs, o->po);
	if (o->odb)
		git2.odb_object_free(o->odb);
	free(o->heap);
	memset(o, 0, sizeof *o);
}

size_t objects_from_libgit2(struct objects *os)
{
	return atomic_load(&os->from_libgit2);
}

void objects_close(struct objects *os)
{
	if (!os)
		return;
	if (os->odb)
		git2.odb_free(os->odb);
	if (os->own_repo)
		git2.repository_free(os->repo);
	packread_close(os->packs);
	pthread_mutex_destroy(&os->lock);
	free(os->repo_path);
	free(os);
}

/* ---- commits and trees ---- */

static const char hexdig[] = "0123456789abcdef";

void gitoid_tohex(const git_oid *id, char out[GIT_OID_HEXSZ + 1])
{
	for (size_t i = 0; i < GIT_OID_RAWSZ; i++) {
		out[2 * i] = hexdig[id->id[i] >> 4];
		out[2 * i + 1] = hexdig[id->id[i] & 15];
	}
	out[GIT_OID_HEXSZ] = '\0';
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int gitoid_fromhex(const char *hex, git_oid *out)
{
	for (size_t i = 0; i < GIT_OID_RAWSZ; i++) {
		int hi = hexval(hex[2 * i]), lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
		if (lo < 0)
			return -1;
		out->id[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Does line p[0..n) start with "<key> " and 40 hex digits, then '\n'? */
static bool id_line(const unsigned char *p, size_t n, const char *key, git_oid *out)
{
	size_t k = strlen(key);
	git_oid tmp;
	return n == k + 1 + GIT_OID_HEXSZ && memcmp(p, key, k) == 0 && p[k] == ' ' &&
	       gitoid_fromhex((const char *)p + k + 1, out ? out : &tmp) == 0;
}

/* The committer's time: the digits after the last '>' of the line, as
 * libgit2 reads a signature ("Name <mail> 1700000000 +0100"). */
static int signature_time(const unsigned char *p, size_t n, long long *t)
{
	const unsigned char *gt = NULL;
	for (size_t i = n; i-- > 0;)
		if (p[i] == '>') {
			gt = p + i;
			break;
		}
	if (!gt || !memchr(p, '<', (size_t)(gt - p)))
		return -1;
	const unsigned char *d = gt + 1, *end = p + n;
	if (d >= end || *d != ' ')
		return -1;
	d++;
	long long v = 0;
	size_t digits = 0;
	while (d < end && *d >= '0' && *d <= '9' && digits < 18) {
		v = v * 10 + (*d++ - '0');
		digits++;
	}
	if (!digits || (d < end && *d != ' '))
		return -1;
	*t = v;
	return 0;
}

int gitcommit_parse(const unsigned char *p, size_t len, struct gitcommit *c)
{
	const unsigned char *end = p + len;
	memset(c, 0, sizeof *c);
	enum { TREE, PARENTS, AUTHOR, COMMITTER, DONE } want = TREE;
	while (p < end && want != DONE) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return -1;
		size_t n = (size_t)(nl - p);
		if (want == TREE) {
			if (!id_line(p, n, "tree", &c->tree))
				return -1;
			want = PARENTS;
		} else if (want == PARENTS && id_line(p, n, "parent", NULL)) {
			if (!c->n_parents)
				c->parents = (const char *)p + 7;
			c->n_parents++;
		} else if (want <= AUTHOR) {
			if (n < 7 || memcmp(p, "author ", 7) != 0)
				return -1;
			want = COMMITTER;
		} else {
			if (n < 10 || memcmp(p, "committer ", 10) != 0 ||
			    signature_time(p + 10, n - 10, &c->time) < 0)
				return -1;
			want = DONE;
		}
		p = nl + 1;
	}
	return want == DONE ? 0 : -1;
}

void gitcommit_parent(const struct gitcommit *c, size_t i, git_oid *out)
{
	/* checked by gitcommit_parse: "parent <40 hex>\n" lines in a row */
	(void)gitoid_fromhex(c->parents + i * (7 + GIT_OID_HEXSZ + 1), out);
}

int gittree_next(const unsigned char **pp, const unsigned char *end, struct gittree_ent *e)
{
	const unsigned char *p = *pp, *start = p;
	if (p >= end)
		return 0;
	unsigned mode = 0;
	while (p < end && *p >= '0' && *p <= '7' && mode < 01000000)
		mode = mode * 8 + (unsigned)(*p++ - '0');
	if (p == start || p >= end || *p != ' ')
		return -1;
	const unsigned char *name = ++p;
	const unsigned char *nul = memchr(name, '\0', (size_t)(end - name));
	if (!nul || nul == name || (size_t)(end - nul - 1) < GIT_OID_RAWSZ)
		return -1;
	e->start = start;
	e->len = (size_t)(nul + 1 + GIT_OID_RAWSZ - start);
	e->mode = mode;
	e->name = (const char *)name;
	e->nlen = (size_t)(nul - name);
	e->id = nul + 1;
	*pp = nul + 1 + GIT_OID_RAWSZ;
	return 1;
}
