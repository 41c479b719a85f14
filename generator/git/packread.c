/* packread.c - see packread.h.
 * Formats: Documentation/gitformat-pack.txt in git (index version 2,
 * pack version 2/3, OFS_DELTA/REF_DELTA, the delta copy/insert codes). */
#include "packread.h"
#include "../util/arena.h"
#include "../util/lock.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ASan cannot see the slab's entries as allocations: tell it which bytes
 * are not in use (a freed entry, the room beyond an object), so a read
 * past an object's end is caught as with malloc. */
#if defined(__SANITIZE_ADDRESS__)
#define SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_ASAN 1
#endif
#endif
#ifdef SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define MAX_PACKS 256           /* more is a repository that needs gc */
#define MAX_OBJECT (64u << 20)  /* bigger objects are left to libgit2 */
#define MAX_CHAIN 10000         /* git's own limit on delta depth is 4095 */
#define OFF_BITS 48             /* cache key: pack number, then offset */
#define HUGE_PAGE (2u << 20)    /* the slab's alignment (x86-64, arm64) */
#define READERS 8               /* idle inflate states kept */

enum {
	OBJ_COMMIT = 1, OBJ_TREE = 2, OBJ_BLOB = 3, OBJ_TAG = 4,
	OBJ_OFS_DELTA = 6, OBJ_REF_DELTA = 7
};

struct pack {
	const unsigned char *idx, *data;        /* mapped .idx and .pack */
	size_t idx_len, data_len;
	uint32_t n;                             /* objects */
	const unsigned char *fanout, *ids, *off32, *off64;
	size_t n64;                             /* 8-byte offsets */
};

/* A rebuilt object; obj first, so a struct packobj * is an entry. */
struct entry {
	struct packobj obj;
	unsigned refs;                  /* the cache's and the callers' */
	int cached;
	int size_class;                 /* in the slab; -1: from malloc */
	uint64_t key;
	struct entry *hnext;            /* hash chain */
	struct entry *newer, *older;    /* use order, while cached */
	unsigned char bytes[];
};

/* One delta still to apply on the way back up a chain. */
struct link {
	uint64_t off;           /* the delta object's offset (its cache key) */
	uint64_t pos;           /* its zlib data */
	size_t size;            /* its inflated size */
};

/* What one thread needs to rebuild objects: taken from the pool for
 * one packread_get. */
struct reader {
	z_stream z;
	unsigned char *scratch;         /* a delta's inflated codes */
	size_t scratch_cap;
	struct link *chain;             /* the deltas above a cached object */
	size_t chain_cap;
};

/* Size classes of the slab: four per power of two (at most 25 % unused),
 * from 64 bytes up to MAX_OBJECT plus an entry's header. */
#define CLASSES (4 * 27)

/* Where entries live. The cache replaces objects all the time, and two
 * threads build them: from malloc, a freed object's memory went back to
 * the system or to the other thread's arena (a page fault per 4 KiB on
 * the next use - ~10 us each in a VM - and a contended arena lock on
 * every free). The slab is one mapping, asked for huge pages, given out
 * by size class under the cache's own lock and never returned before
 * close; only its touched part is resident. When it is used up, entries
 * come from malloc. */
struct slab {
	unsigned char *base;
	size_t len, used;               /* mapped bytes, given out by bump */
	struct entry *free[CLASSES];    /* freed entries, by class */
	size_t taken, from_malloc;      /* entries made, and how many of
					 * them malloc had to give */
};

/* Shared by threads: the packs are read-only; the cache, the slab and
 * the reader pool are under the lock, which is never held while inflating
 * or applying a delta. */
struct packread {
	struct pack packs[MAX_PACKS];
	size_t n_packs;
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t mask, count;             /* buckets - 1, cached entries */
	size_t bytes, max_bytes;        /* cached object bytes */
	struct entry *newest, *oldest;
	size_t inflated;
	struct reader *readers[READERS];
	size_t n_readers;
	struct slab slab;
};

/* ---- the slab ---- */

/* The class of an entry of n bytes in all, and the bytes of a class. */
static int class_of(size_t n)
{
	if (n <= 64)
		return 0;
	int k = 63 - __builtin_clzll((unsigned long long)(n - 1));    /* >= 6 */
	int sub = (int)(((n - 1) >> (k - 2)) & 3);
	return 4 * (k - 6) + sub + 1;
}

static size_t class_bytes(int c)
{
	if (c == 0)
		return 64;
	int k = (c - 1) / 4 + 6, sub = (c - 1) % 4;
	return (size_t)(4 + sub + 1) << (k - 2);
}

/* Map len bytes, from 2 MiB on rounded to and aligned on huge pages, so
 * the kernel can back them with huge pages (smaller: on pages). Without a
 * mapping, every entry comes from malloc. */
static void slab_open(struct slab *s, size_t len)
{
	memset(s, 0, sizeof *s);
	size_t align = len < HUGE_PAGE ? 4096 : HUGE_PAGE;
	if (len == 0 || len > SIZE_MAX / 2)
		return;
	len = (len + align - 1) / align * align;
	/* room to move the start up to the alignment, the rest given back */
	unsigned char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return;
	uintptr_t at = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	unsigned char *a = (unsigned char *)at;
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + len < p + len + align)
		munmap(a + len, (size_t)(p + len + align - (a + len)));
#ifdef MADV_HUGEPAGE
	/* advice only: where it is refused, the slab has small pages */
	if (align == HUGE_PAGE)
		(void)madvise(a, len, MADV_HUGEPAGE);
#endif
	s->base = a;
	s->len = len;
	POISON(s->base, s->len);
}

/* Room for an entry of n bytes in all, under the lock; NULL when the slab
 * has none of its class. */
static struct entry *slab_take(struct slab *s, size_t n)
{
	int c = class_of(n);
	s->taken++;
	struct entry *e = c < CLASSES ? s->free[c] : NULL;
	if (e) {
		s->free[c] = e->hnext;
	} else if (c < CLASSES && s->base && class_bytes(c) <= s->len - s->used) {
		e = (struct entry *)(void *)(s->base + s->used);
		s->used += class_bytes(c);
		UNPOISON(e, sizeof *e);
		e->size_class = c;
	} else {
		s->from_malloc++;
		return NULL;
	}
	UNPOISON(e, n);
	return e;
}

/* Back on its class's list, under the lock. */
static void slab_give(struct slab *s, struct entry *e)
{
	int c = e->size_class;
	POISON((unsigned char *)e + sizeof *e, class_bytes(c) - sizeof *e);
	e->hnext = s->free[c];
	s->free[c] = e;
}

static void slab_close(struct slab *s)
{
	if (s->base) {
		UNPOISON(s->base, s->len);      /* the next mapping here is not ours */
		munmap(s->base, s->len);
	}
	memset(s, 0, sizeof *s);
}

static void lock(struct packread *pr)
{
	if (pthread_mutex_lock(&pr->lock) != 0)
		die("packread: cannot lock");
}

static void unlock(struct packread *pr)
{
	pthread_mutex_unlock(&pr->lock);
}

static void reader_free(struct reader *rd)
{
	if (!rd)
		return;
	inflateEnd(&rd->z);
	free(rd->scratch);
	free(rd->chain);
	free(rd);
}

/* A reader from the pool, or a new one (under the lock: only until each
 * thread has one in the pool); NULL when zlib cannot start. */
static struct reader *reader_take(struct packread *pr)
{
	if (pr->n_readers)
		return pr->readers[--pr->n_readers];
	struct reader *rd = xcalloc(1, sizeof *rd);
	if (inflateInit(&rd->z) != Z_OK) {
		free(rd);
		return NULL;
	}
	return rd;
}

/* Back to the pool, under the lock; the reader to free (outside it) when
 * the pool is full. */
static struct reader *reader_give(struct packread *pr, struct reader *rd)
{
	if (rd && pr->n_readers < READERS) {
		pr->readers[pr->n_readers++] = rd;
		return NULL;
	}
	return rd;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* ---- packs ---- */

static void *map_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	void *p = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size <= SIZE_MAX) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			p = NULL;
		else
			*len = (size_t)st.st_size;
	}
	close(fd);
	return p;
}

static void unmap_pack(struct pack *p)
{
	if (p->idx)
		munmap((void *)p->idx, p->idx_len);
	if (p->data)
		munmap((void *)p->data, p->data_len);
	memset(p, 0, sizeof *p);
}

/* Map "<dir>/<base>.idx" and its .pack; 0 when both are there and sane. */
static int open_pack(struct pack *p, const char *dir, const char *base,
		     size_t baselen)
{
	char path[PATH_MAX];
	memset(p, 0, sizeof *p);
	int n = snprintf(path, sizeof path, "%s/%.*s.idx", dir, (int)baselen, base);
	if (n < 0 || (size_t)n >= sizeof path)
		return -1;
	p->idx = map_file(path, &p->idx_len);
	if ((size_t)n + 2 > sizeof path)
		goto bad;
	memcpy(path + n - 4, ".pack", 6);
	p->data = map_file(path, &p->data_len);
	if (!p->idx || !p->data)
		goto bad;
	/* index v2: magic, version, fanout, ids, crcs, offsets, 8-byte
	 * offsets, two checksums */
	if (p->idx_len < 8 + 1024 + 40 || memcmp(p->idx, "\377tOc", 4) != 0 ||
	    be32(p->idx + 4) != 2)
		goto bad;
	p->fanout = p->idx + 8;
	uint32_t prev = 0;
	for (int i = 0; i < 256; i++) {
		uint32_t f = be32(p->fanout + 4 * i);
		if (f < prev)
			goto bad;
		prev = f;
	}
	p->n = prev;
	size_t min = 8 + 1024 + (size_t)p->n * 28 + 40;
	if (p->idx_len < min || (p->idx_len - min) % 8 != 0)
		goto bad;
	p->ids = p->fanout + 1024;
	p->off32 = p->ids + (size_t)p->n * 24;  /* after the ids and crcs */
	p->off64 = p->off32 + (size_t)p->n * 4;
	p->n64 = (p->idx_len - min) / 8;
	/* pack: "PACK", version 2 or 3, object count, ..., checksum */
	if (p->data_len < 12 + 20 || memcmp(p->data, "PACK", 4) != 0 ||
	    (be32(p->data + 4) != 2 && be32(p->data + 4) != 3) ||
	    be32(p->data + 8) != p->n ||
	    p->data_len - 20 >= (size_t)1 << OFF_BITS)
		goto bad;
	/* the index names its pack by the pack's checksum */
	if (memcmp(p->data + p->data_len - 20, p->idx + p->idx_len - 40, 20) != 0)
		goto bad;
	return 0;
bad:
	unmap_pack(p);
	return -1;
}

struct packread *packread_open_dir(const char *objects_dir, size_t cache_bytes)
{
	struct packread *pr = xcalloc(1, sizeof *pr);
	pr->max_bytes = cache_bytes;
	pr->mask = 1023;
	pr->buckets = xcalloc(pr->mask + 1, sizeof *pr->buckets);
	if (lock_init_adaptive(&pr->lock) != 0)
		die("packread: cannot create a lock");
	char dir[PATH_MAX];
	int n = objects_dir ? snprintf(dir, sizeof dir, "%s/pack", objects_dir) : -1;
	DIR *d = n > 0 && (size_t)n < sizeof dir ? opendir(dir) : NULL;
	struct dirent *de;
	while (d && pr->n_packs < MAX_PACKS && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".idx") != 0)
			continue;
		if (open_pack(&pr->packs[pr->n_packs], dir, de->d_name, len - 4) == 0)
			pr->n_packs++;
	}
	if (d)
		closedir(d);
	/* the cache's bytes, the room lost to size classes, and objects in
	 * use outside the cache; nothing without packs */
	if (pr->n_packs)
		slab_open(&pr->slab, cache_bytes + cache_bytes / 2);
	return pr;
}

/* The offset of id in p, or 0 when it is not there (0 is the header). */
static uint64_t pack_find(const struct pack *p, const unsigned char *id)
{
	uint32_t lo = id[0] ? be32(p->fanout + 4 * (id[0] - 1)) : 0;
	uint32_t hi = be32(p->fanout + 4 * id[0]);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(p->ids + (size_t)mid * 20, id, 20);
		if (c < 0) {
			lo = mid + 1;
		} else if (c > 0) {
			hi = mid;
		} else {
			uint32_t o = be32(p->off32 + (size_t)mid * 4);
			if (!(o & 0x80000000u))
				return o;
			o &= 0x7fffffffu;
			if (o >= p->n64)
				return 0;
			const unsigned char *q = p->off64 + (size_t)o * 8;
			return (uint64_t)be32(q) << 32 | be32(q + 4);
		}
	}
	return 0;
}

/* ---- the cache ---- */

static size_t bucket(const struct packread *pr, uint64_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & pr->mask;
}

static void unlink_use(struct packread *pr, struct entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		pr->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		pr->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void push_use(struct packread *pr, struct entry *e)
{
	e->older = pr->newest;
	e->newer = NULL;
	if (pr->newest)
		pr->newest->newer = e;
	pr->newest = e;
	if (!pr->oldest)
		pr->oldest = e;
}

/* Under the lock. */
static void unref(struct packread *pr, struct entry *e)
{
	if (!e || --e->refs > 0)
		return;
	if (e->size_class < 0)
		free(e);
	else
		slab_give(&pr->slab, e);
}

static void evict(struct packread *pr, struct entry *e)
{
	struct entry **pp = &pr->buckets[bucket(pr, e->key)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	unlink_use(pr, e);
	e->cached = 0;
	pr->count--;
	pr->bytes -= e->obj.len;
	unref(pr, e);
}

/* A cached entry, as a new reference, or NULL. */
static struct entry *cache_get(struct packread *pr, uint64_t key)
{
	for (struct entry *e = pr->buckets[bucket(pr, key)]; e; e = e->hnext) {
		if (e->key == key) {
			unlink_use(pr, e);
			push_use(pr, e);
			e->refs++;
			return e;
		}
	}
	return NULL;
}

static void grow(struct packread *pr)
{
	size_t old = pr->mask + 1;
	struct entry **ob = pr->buckets;
	pr->mask = 2 * old - 1;
	pr->buckets = xcalloc(pr->mask + 1, sizeof *pr->buckets);
	for (size_t i = 0; i < old; i++) {
		for (struct entry *e = ob[i], *next; e; e = next) {
			next = e->hnext;
			size_t b = bucket(pr, e->key);
			e->hnext = pr->buckets[b];
			pr->buckets[b] = e;
		}
	}
	free(ob);
}

/* Keep e (if it fits, and no other thread rebuilt the same object in the
 * meantime), dropping the least recently used. Under the lock. */
static void cache_put(struct packread *pr, struct entry *e)
{
	if (e->obj.len > pr->max_bytes / 4)
		return;
	for (struct entry *o = pr->buckets[bucket(pr, e->key)]; o; o = o->hnext)
		if (o->key == e->key)
			return;
	while (pr->oldest && pr->bytes + e->obj.len > pr->max_bytes)
		evict(pr, pr->oldest);
	if (pr->count + 1 > pr->mask + 1)
		grow(pr);
	size_t b = bucket(pr, e->key);
	e->hnext = pr->buckets[b];
	pr->buckets[b] = e;
	push_use(pr, e);
	e->cached = 1;
	e->refs++;
	pr->count++;
	pr->bytes += e->obj.len;
}

/* Drop a reference outside the lock. */
static void release(struct packread *pr, struct entry *e)
{
	lock(pr);
	unref(pr, e);
	unlock(pr);
}

/* A new entry of len bytes (and a NUL), from the slab or, when it has
 * no room, from malloc. Under the lock. */
static struct entry *new_entry(struct packread *pr, uint64_t key,
			       git_object_t type, size_t len)
{
	size_t n = sizeof(struct entry) + len + 1;
	struct entry *e = slab_take(&pr->slab, n);
	int size_class = e ? e->size_class : -1;
	if (!e)
		e = xmalloc(n);
	memset(e, 0, sizeof *e);
	e->size_class = size_class;
	e->refs = 1;
	e->key = key;
	e->obj.type = type;
	e->obj.len = len;
	e->obj.data = e->bytes;
	return e;
}

/* ---- reading ---- */

/* The object header at off: type, inflated size, and where the rest
 * (a delta's base, then the zlib data) starts. -1 when malformed. */
static int read_header(const struct pack *p, uint64_t off, int *type,
		       size_t *size, uint64_t *pos)
{
	const unsigned char *q = p->data + off, *end = p->data + p->data_len - 20;
	if (off < 12 || q >= end)
		return -1;
	unsigned c = *q++;
	*type = (c >> 4) & 7;
	uint64_t s = c & 15;
	for (unsigned shift = 4; c & 0x80; shift += 7) {
		if (q >= end || shift > 32)
			return -1;
		c = *q++;
		s |= (uint64_t)(c & 0x7f) << shift;
	}
	if (s > MAX_OBJECT)
		return -1;
	*size = (size_t)s;
	*pos = (uint64_t)(q - p->data);
	return 0;
}

/* Inflate len bytes of zlib data at pos into out. */
static int inflate_at(struct reader *rd, const struct pack *p, uint64_t pos,
		      unsigned char *out, size_t len)
{
	size_t avail = p->data_len - 20 - pos;
	if (inflateReset(&rd->z) != Z_OK)
		return -1;
	rd->z.next_in = (unsigned char *)(p->data + pos);
	rd->z.avail_in = avail > UINT_MAX ? UINT_MAX : (unsigned)avail;
	rd->z.next_out = out;
	rd->z.avail_out = (unsigned)len + 1;    /* room to see the end */
	int rc = inflate(&rd->z, Z_FINISH);
	return rc == Z_STREAM_END && rd->z.total_out == len ? 0 : -1;
}

static int delta_size(const unsigned char **q, const unsigned char *end,
		      size_t *out)
{
	uint64_t s = 0;
	unsigned c, shift = 0;
	do {
		if (*q >= end || shift > 35)
			return -1;
		c = *(*q)++;
		s |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	if (s > MAX_OBJECT)
		return -1;
	*out = (size_t)s;
	return 0;
}

/* A delta's two sizes (its base's and its result's); *d moves past them. */
static int delta_sizes(const unsigned char **d, const unsigned char *end,
		       size_t *src, size_t *dst)
{
	return delta_size(d, end, src) < 0 || delta_size(d, end, dst) < 0 ? -1 : 0;
}

/* base + the delta codes d..end into e, whose length is the result's
 * (delta_sizes). 0, or -1 when the codes do not fit the sizes. */
static int apply_delta(const struct entry *base, struct entry *e,
		       const unsigned char *d, const unsigned char *end)
{
	size_t src = base->obj.len, dst = e->obj.len;
	unsigned char *out = e->bytes;
	size_t w = 0;
	while (d < end) {
		unsigned c = *d++;
		if (c & 0x80) {         /* copy from the base */
			uint64_t off = 0, len = 0;
			for (int i = 0; i < 4; i++)
				if (c & (1u << i)) {
					if (d >= end)
						goto bad;
					off |= (uint64_t)*d++ << (8 * i);
				}
			for (int i = 0; i < 3; i++)
				if (c & (0x10u << i)) {
					if (d >= end)
						goto bad;
					len |= (uint64_t)*d++ << (8 * i);
				}
			if (len == 0)
				len = 0x10000;
			if (off > src || len > src - off || len > dst - w)
				goto bad;
			memcpy(out + w, base->bytes + off, (size_t)len);
			w += (size_t)len;
		} else if (c) {         /* insert c literal bytes */
			if (c > (size_t)(end - d) || c > dst - w)
				goto bad;
			memcpy(out + w, d, c);
			d += c;
			w += c;
		} else {
			goto bad;       /* reserved */
		}
	}
	if (w == dst)
		return 0;
bad:
	return -1;
}

static git_object_t git_type(int t)
{
	switch (t) {
	case OBJ_COMMIT: return GIT_OBJECT_COMMIT;
	case OBJ_TREE: return GIT_OBJECT_TREE;
	case OBJ_BLOB: return GIT_OBJECT_BLOB;
	case OBJ_TAG: return GIT_OBJECT_TAG;
	default: return GIT_OBJECT_INVALID;
	}
}

/* Walk the delta chain of the object at off down to a cached or a full
 * object, under the lock, noting the deltas above it in rd->chain (*n).
 * Returns the cached object (a new reference), or NULL with the full
 * object's header in *full (type 0 when the chain is malformed or leaves
 * this pack). */
struct full {
	int type;
	size_t size;
	uint64_t off, pos;
};

static struct entry *walk_chain(struct packread *pr, struct reader *rd, size_t k,
				uint64_t off, size_t *n, struct full *full)
{
	const struct pack *p = &pr->packs[k];
	uint64_t kb = (uint64_t)k << OFF_BITS;
	struct entry *e;
	full->type = 0;
	*n = 0;
	while (!(e = cache_get(pr, kb | off))) {
		int type;
		size_t size;
		uint64_t pos;
		if (*n >= MAX_CHAIN || read_header(p, off, &type, &size, &pos) < 0)
			return NULL;
		if (git_type(type) != GIT_OBJECT_INVALID) {
			*full = (struct full){ type, size, off, pos };
			return NULL;
		}
		uint64_t base;
		const unsigned char *q = p->data + pos, *end = p->data + p->data_len - 20;
		if (type == OBJ_OFS_DELTA) {
			/* big-endian base-128, each continuation adding one */
			if (q >= end)
				return NULL;
			unsigned c = *q++;
			uint64_t rel = c & 0x7f;
			while (c & 0x80) {
				if (q >= end || rel >= (uint64_t)1 << 48)
					return NULL;
				c = *q++;
				rel = ((rel + 1) << 7) | (c & 0x7f);
			}
			if (rel == 0 || rel >= off)
				return NULL;
			base = off - rel;
		} else if (type == OBJ_REF_DELTA) {
			if ((size_t)(end - q) < 20)
				return NULL;
			base = pack_find(p, q);
			q += 20;
			if (base == 0)
				return NULL;    /* not in this pack: libgit2's */
		} else {
			return NULL;
		}
		if (*n == rd->chain_cap) {
			rd->chain_cap = rd->chain_cap ? 2 * rd->chain_cap : 64;
			rd->chain = xrealloc(rd->chain, rd->chain_cap * sizeof *rd->chain);
		}
		rd->chain[(*n)++] = (struct link){ off, (uint64_t)(q - p->data), size };
		off = base;
	}
	return e;
}

/* The object at off in pack k, as a new reference, or NULL. Follows the
 * delta chain down to a cached or a full object, then rebuilds upwards,
 * caching each object on the way. Inflating and applying deltas happen
 * outside the lock; it is taken once per object rebuilt (to cache the
 * previous one, drop its base and take room for the next) and once more
 * at the start and the end. */
static struct entry *load(struct packread *pr, size_t k, uint64_t off)
{
	const struct pack *p = &pr->packs[k];
	uint64_t kb = (uint64_t)k << OFF_BITS;
	struct entry *e = NULL, *pending = NULL, *drop = NULL;
	struct full full;
	size_t n = 0;
	int ok = 0;
	lock(pr);
	struct reader *rd = reader_take(pr);
	if (rd) {
		e = walk_chain(pr, rd, k, off, &n, &full);
		if (!e && full.type)
			e = pending = new_entry(pr, kb | full.off, git_type(full.type), full.size);
	}
	unlock(pr);
	if (!e || (pending && inflate_at(rd, p, full.pos, e->bytes, full.size) < 0))
		goto done;
	while (n > 0) {
		struct link *l = &rd->chain[--n];
		if (l->size > rd->scratch_cap) {
			rd->scratch_cap = l->size;
			rd->scratch = xrealloc(rd->scratch, rd->scratch_cap + 1);
		}
		if (inflate_at(rd, p, l->pos, rd->scratch, l->size) < 0)
			goto done;
		const unsigned char *d = rd->scratch, *end = d + l->size;
		size_t src, dst;
		if (delta_sizes(&d, end, &src, &dst) < 0 || src != e->obj.len)
			goto done;
		lock(pr);
		if (pending) {
			pr->inflated++;
			cache_put(pr, pending);
		}
		unref(pr, drop);
		struct entry *next = new_entry(pr, kb | l->off, e->obj.type, dst);
		unlock(pr);
		pending = NULL;
		drop = NULL;
		if (apply_delta(e, next, d, end) < 0) {
			drop = next;
			goto done;
		}
		drop = e;
		e = pending = next;
	}
	ok = 1;
done:
	lock(pr);
	if (ok && pending) {
		pr->inflated++;
		cache_put(pr, pending);
	}
	unref(pr, drop);
	if (!ok)
		unref(pr, e);
	rd = reader_give(pr, rd);
	unlock(pr);
	reader_free(rd);
	return ok ? e : NULL;
}

int packread_get(struct packread *pr, const git_oid *id,
		 const struct packobj **out)
{
	*out = NULL;
	for (size_t k = 0; k < pr->n_packs; k++) {
		uint64_t off = pack_find(&pr->packs[k], id->id);
		if (!off)
			continue;
		struct entry *e = load(pr, k, off);
		if (!e)
			return 0;
		*out = &e->obj;
		return 1;
	}
	return 0;
}

void packread_release(struct packread *pr, const struct packobj *o)
{
	release(pr, (struct entry *)(void *)o);
}

size_t packread_inflated(struct packread *pr)
{
	lock(pr);
	size_t n = pr->inflated;
	unlock(pr);
	return n;
}

void packread_memory(struct packread *pr, size_t *objects, size_t *from_malloc)
{
	lock(pr);
	*objects = pr->slab.taken;
	*from_malloc = pr->slab.from_malloc;
	unlock(pr);
}

void packread_close(struct packread *pr)
{
	if (!pr)
		return;
	while (pr->oldest)
		evict(pr, pr->oldest);
	slab_close(&pr->slab);
	free(pr->buckets);
	for (size_t k = 0; k < pr->n_packs; k++)
		unmap_pack(&pr->packs[k]);
	for (size_t i = 0; i < pr->n_readers; i++)
		reader_free(pr->readers[i]);
	pthread_mutex_destroy(&pr->lock);
	free(pr);
}
