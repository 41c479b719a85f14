/* yamlcache.c - see yamlcache.h. The file:
 *   sitegen-yaml-cache 2\n
 *   binary <dev> <ino> <size> <mtime s> <mtime ns>\n
 * then per tree, in the order the trees were got or put: 40 hex digits,
 * its length as 4 bytes (little endian), the tree. A tree is one node in preorder: a tag (kind
 * | plain << 2), line and column, then a scalar's length, bytes and a NUL,
 * or a collection's count and children (a mapping's key before each
 * value); numbers as LEB128 varints. The NUL lets a tree got point at
 * its scalars in the mapped file instead of copying them (version 1
 * copied them: memcpy and the page faults of the copies' fresh memory
 * were a third of loading the catalogue in a one-edit rebuild). The new file is written while loading (a
 * temporary beside it, renamed by yaml_cache_save), not held: at 6,000
 * services the trees are 18 MB, and memory at that scale is bounded
 * (issue 13). */
#include "yamlcache.h"
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../util/buf.h"
#include "../util/digest.h"
#include "../util/exe_id.h"
#include "../util/mapfile.h"
#include "../util/strmap.h"

#define MAGIC "sitegen-yaml-cache 2\n"
#define ID_LEN 40
#define FILE_MAX ((size_t)256 << 20)    /* a bigger cache file is not read */
#define TREE_MAX ((size_t)64 << 20)     /* a YAML file is at most 4 MiB */
#define MAX_TREES ((size_t)1 << 22)

struct tree {                   /* one tree of the file read, or one put */
	const unsigned char *p; /* in file; NULL: put in this build */
	size_t len;
	bool used;              /* got or put in this build: saved */
};

struct got {                    /* a tree got before the new file is open */
	const char *id;
	const struct tree *t;
};

struct yaml_cache {
	char binary[160];       /* "" when unknown: the cache is off */
	char *path, *tmp;       /* the cache file, the new one being written */
	/* the cache file, mapped at open (util/mapfile.h: mapped rather than
	 * read, 18 MB at 6,000 services; a tree got points into it) */
	struct mapped map;
	struct strmap trees;    /* id -> struct tree (in arena) */
	struct arena arena;     /* struct tree */
	size_t n_file, n_used;  /* trees of the file; of them got */
	struct got *got;        /* got while out is not open yet */
	size_t n_got, cap_got;
	FILE *out;              /* the new file, opened at the first put */
	bool changed;           /* a tree put */
	bool failed;            /* writing the new file failed */
	/* The catalogue's services are loaded on several threads: the map,
	 * the list of trees used and the new file are taken under it; a
	 * tree is read or serialised outside it. */
	pthread_mutex_t lock;
};

static struct tree *add_tree(struct yaml_cache *yc, const char *id,
			     const unsigned char *p, size_t len)
{
	bool added;
	struct strmap_slot *sl = strmap_put(&yc->trees, id, ID_LEN, &added);
	if (!sl)
		return NULL;
	struct tree *t = sl->val;
	if (!t)
		t = sl->val = arena_alloc(&yc->arena, sizeof *t);
	t->p = p;
	t->len = len;
	return t;
}

/* Index the trees of the file read; stops at the first damaged entry. */
static void index_file(struct yaml_cache *yc)
{
	const unsigned char *p = yc->map.p;
	size_t n = yc->map.len, ml = strlen(MAGIC), bl = strlen(yc->binary);
	if (n < ml + bl || memcmp(p, MAGIC, ml) != 0 || memcmp(p + ml, yc->binary, bl) != 0)
		return;
	size_t o = ml + bl;
	while (n - o >= ID_LEN + 4 && digest_is_hex(p + o)) {
		const unsigned char *l = p + o + ID_LEN;
		size_t len = (size_t)l[0] | (size_t)l[1] << 8 | (size_t)l[2] << 16 |
			     (size_t)l[3] << 24;
		if (len > n - o - ID_LEN - 4)
			return;
		if (!add_tree(yc, (const char *)p + o, l + 4, len))
			return;
		yc->n_file = yc->trees.n;
		o += ID_LEN + 4 + len;
	}
}

struct yaml_cache *yaml_cache_open(const char *path)
{
	struct yaml_cache *yc = xcalloc(1, sizeof *yc);
	size_t n = strlen(path) + 32;
	yc->path = xstrdup(path);
	yc->tmp = xmalloc(n);
	int w = snprintf(yc->tmp, n, "%s.tmp.%ld", path, (long)getpid());
	if (w < 0 || (size_t)w >= n)
		die("yaml cache path too long");
	exe_identity(yc->binary, sizeof yc->binary);
	pthread_mutex_init(&yc->lock, NULL);
	strmap_init(&yc->trees, MAX_TREES);
	arena_init(&yc->arena);
	if (*yc->binary && map_file(path, FILE_MAX, &yc->map) == 0)
		index_file(yc);
	return yc;
}

/* ---- writing the new file ---- */

static void write_entry(struct yaml_cache *yc, const char *id, const unsigned char *p,
			size_t len)
{
	unsigned char l[4] = { (unsigned char)len, (unsigned char)(len >> 8),
			       (unsigned char)(len >> 16), (unsigned char)(len >> 24) };
	if (fwrite(id, 1, ID_LEN, yc->out) != ID_LEN || fwrite(l, 1, 4, yc->out) != 4 ||
	    fwrite(p, 1, len, yc->out) != len)
		yc->failed = true;
}

/* Opens the new file and writes the trees got so far. */
static bool open_out(struct yaml_cache *yc)
{
	if (yc->out || yc->failed)
		return !yc->failed;
	yc->out = fopen(yc->tmp, "wb");
	if (!yc->out || fputs(MAGIC, yc->out) < 0 || fputs(yc->binary, yc->out) < 0) {
		yc->failed = true;
		return false;
	}
	for (size_t i = 0; i < yc->n_got; i++)
		write_entry(yc, yc->got[i].id, yc->got[i].t->p, yc->got[i].t->len);
	free(yc->got);
	yc->got = NULL;
	yc->n_got = yc->cap_got = 0;
	return !yc->failed;
}

/* A tree of the file this build uses: into the new file, or noted until
 * it is opened (a build that puts nothing writes nothing). */
static void keep(struct yaml_cache *yc, const char *id, struct tree *t)
{
	t->used = true;
	yc->n_used++;
	if (yc->out) {
		write_entry(yc, id, t->p, t->len);
		return;
	}
	if (yc->n_got == yc->cap_got) {
		yc->cap_got = yc->cap_got ? 2 * yc->cap_got : 256;
		yc->got = xrealloc(yc->got, yc->cap_got * sizeof *yc->got);
	}
	yc->got[yc->n_got++] = (struct got){ id, t };
}

/* ---- reading a tree ---- */

struct reader {
	const unsigned char *p, *end;
	struct arena *tree;
	const char *file;
	size_t nodes;
	bool bad;
};

static size_t varint(struct reader *r)
{
	size_t v = 0;
	for (int shift = 0; shift < 63; shift += 7) {
		if (r->p >= r->end)
			break;
		unsigned char c = *r->p++;
		v |= (size_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static int small_int(struct reader *r)
{
	size_t v = varint(r);
	if (v > (size_t)1 << 30)
		r->bad = true;
	return r->bad ? 0 : (int)v;
}

static struct ynode *read_node(struct reader *r, int depth, bool key)
{
	if (r->bad || r->p >= r->end || depth > YAML_MAX_DEPTH + 1 ||
	    ++r->nodes > YAML_MAX_NODES) {
		r->bad = true;
		return NULL;
	}
	unsigned tag = *r->p++;
	if ((tag & 3) > YN_MAP || tag > 7 || (key && (tag & 3) != YN_SCALAR)) {
		r->bad = true;
		return NULL;
	}
	struct ynode *n = arena_alloc(r->tree, sizeof *n);
	n->kind = (enum ynode_kind)(tag & 3);
	n->plain = tag >> 2;
	n->file = r->file;
	n->line = small_int(r);
	n->col = small_int(r);
	size_t len = varint(r);
	/* positions are 1-based (yamltree.h): a 0 is damage, and would put
	 * file:0:0 into an editor's error */
	if (r->bad || n->line < 1 || n->col < 1 || len > (size_t)(r->end - r->p)) {
		r->bad = true;
		return NULL;
	}
	if (n->kind == YN_SCALAR) {
		/* in the file, NUL-terminated: pointed at, not copied */
		if (len == (size_t)(r->end - r->p) || r->p[len] != '\0') {
			r->bad = true;
			return NULL;
		}
		n->str = (const char *)r->p;
		n->len = len;
		r->p += len + 1;
		return n;
	}
	/* every child takes at least 4 bytes: len bounds the arrays */
	n->n = len;
	n->items = arena_alloc(r->tree, (len ? len : 1) * sizeof *n->items);
	if (n->kind == YN_MAP)
		n->keys = arena_alloc(r->tree, (len ? len : 1) * sizeof *n->keys);
	for (size_t i = 0; i < len && !r->bad; i++) {
		if (n->kind == YN_MAP)
			n->keys[i] = read_node(r, depth + 1, true);
		n->items[i] = read_node(r, depth + 1, false);
	}
	return r->bad ? NULL : n;
}

size_t yaml_cache_trees(const struct yaml_cache *yc)
{
	return yc ? yc->n_file : 0;
}

struct ynode *yaml_cache_get(struct yaml_cache *yc, const char *id, struct arena *a,
			     struct arena *tree, const char *file)
{
	if (!yc || strlen(id) != ID_LEN)
		return NULL;
	pthread_mutex_lock(&yc->lock);
	struct strmap_slot *sl = strmap_get(&yc->trees, id, ID_LEN);
	struct tree *t = sl ? sl->val : NULL;
	/* the file's bytes stay where they are; the map may not */
	const unsigned char *p = t ? t->p : NULL;
	size_t len = t ? t->len : 0;
	const char *key = sl ? sl->key : NULL;
	pthread_mutex_unlock(&yc->lock);
	if (!p)
		return NULL;
	struct reader r = { .p = p, .end = p + len, .tree = tree,
			    .file = arena_strdup(a, file) };
	struct ynode *root = read_node(&r, 0, false);
	if (!root || r.p != r.end)
		return NULL;    /* damaged: parsed again, and put */
	pthread_mutex_lock(&yc->lock);
	if (!t->used)       /* two files of the same bytes: kept once */
		keep(yc, key, t);
	pthread_mutex_unlock(&yc->lock);
	return root;
}

/* ---- writing a tree ---- */

static int put_varint(struct buf *b, size_t v)
{
	unsigned char c[10];
	size_t n = 0;
	do {
		c[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			c[n] |= 0x80;
		n++;
	} while (v);
	return buf_append(b, c, n);
}

static int put_node(struct buf *b, const struct ynode *n)
{
	unsigned char tag = (unsigned char)(n->kind | (n->plain ? 4 : 0));
	int rc = buf_append(b, &tag, 1);
	rc |= put_varint(b, n->line < 0 ? 0 : (size_t)n->line);
	rc |= put_varint(b, n->col < 0 ? 0 : (size_t)n->col);
	if (n->kind == YN_SCALAR)
		return rc | put_varint(b, n->len) | buf_append(b, n->str, n->len) |
		       buf_append(b, "", 1);
	rc |= put_varint(b, n->n);
	for (size_t i = 0; i < n->n && rc == 0; i++) {
		if (n->kind == YN_MAP)
			rc |= put_node(b, n->keys[i]);
		rc |= put_node(b, n->items[i]);
	}
	return rc;
}

void yaml_cache_put(struct yaml_cache *yc, const char *id, const struct ynode *root)
{
	if (!yc || !*yc->binary || strlen(id) != ID_LEN)
		return;
	struct buf b;
	buf_init(&b, TREE_MAX);
	bool fits = put_node(&b, root) == 0 && b.len <= UINT32_MAX;
	pthread_mutex_lock(&yc->lock);
	yc->changed = true;
	struct strmap_slot *sl = strmap_get(&yc->trees, id, ID_LEN);
	/* not kept when it does not fit: parsed again next time; and the
	 * same bytes are kept once */
	if (fits && !(sl && ((struct tree *)sl->val)->used)) {
		struct tree *t = add_tree(yc, id, NULL, 0);
		if (t)
			t->used = true;
		if (open_out(yc))
			write_entry(yc, id, (const unsigned char *)b.data, b.len);
	}
	pthread_mutex_unlock(&yc->lock);
	buf_free(&b);
}

/* ---- saving ---- */

int yaml_cache_save(struct yaml_cache *yc)
{
	if (!yc || !*yc->binary)
		return 0;
	if (!yc->changed && yc->n_used == yc->n_file && !yc->out)
		return 0;       /* the file holds exactly these trees */
	int rc = open_out(yc) ? 0 : -1;
	if (fflush(yc->out) != 0 || ferror(yc->out))
		rc = -1;
	if (fclose(yc->out) != 0)
		rc = -1;
	yc->out = NULL;
	if (rc == 0 && rename(yc->tmp, yc->path) < 0)
		rc = -1;
	if (rc < 0) {
		int e = errno;
		unlink(yc->tmp);
		errno = e;
	}
	return rc;
}

void yaml_cache_free(struct yaml_cache *yc)
{
	if (!yc)
		return;
	if (yc->out) {          /* not saved: the half-written file goes */
		fclose(yc->out);
		unlink(yc->tmp);
	}
	free(yc->got);
	free(yc->path);
	free(yc->tmp);
	map_release(&yc->map);
	pthread_mutex_destroy(&yc->lock);
	strmap_free(&yc->trees);
	arena_free(&yc->arena);
	free(yc);
}
