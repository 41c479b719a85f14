/* pathtab.h - the files of a site build, each path once, with what the
 * writer knows of it: this build writes it, the deployed tree has it, a
 * page links to it, the cache keys of both builds. The paths live in one
 * pool of bytes and are found through an open-addressing index of 32-bit
 * entry numbers, so a path costs its bytes and about 60 more; at 84,000
 * files that is 9 MB, where three string maps with copied keys and
 * values (files, old files, link targets) took 20 MB. Entry numbers stay
 * valid; entry and name pointers only until the next pathtab_add. Not
 * thread-safe: the writer locks. */
#ifndef PATHTAB_H
#define PATHTAB_H
#include <stddef.h>
#include <stdint.h>

#define PT_NONE UINT32_MAX
#define PT_KEY_LEN 20           /* a cache key, binary (40 hex digits) */

enum {
	PT_NEW = 1,             /* written or kept by this build */
	PT_KEY = 2,             /* ... with key */
	PT_OLD = 4,             /* in the deployed tree */
	PT_OLD_KEY = 8,         /* ... with old_key from its cache */
	PT_LINKED = 16,         /* a page of this build links to it (cite) */
	PT_PENDING = 32,        /* unchanged, waits to be linked into the new tree */
	PT_STALE = 64,          /* the staging tree's file differs from the deployed one */
	PT_WRITTEN = 128,       /* written by this build (new bytes) */
};

struct pt_entry {
	uint32_t name;          /* offset of the path in the pool */
	uint32_t cite;          /* PT_LINKED: the entry of a page linking here */
	uint8_t flags;
	unsigned char key[PT_KEY_LEN], old_key[PT_KEY_LEN];
};

struct pathtab {
	char *pool;             /* the paths, each NUL-terminated */
	size_t pool_len, pool_cap;
	struct pt_entry *e;
	size_t n, cap, max;
	uint32_t *index;        /* entry number + 1; 0: empty */
	size_t index_cap;       /* a power of two, at least twice n */
};

/* max: most paths the table takes (a path is at most 4,095 bytes, all
 * of them at most 4 GB). */
void pathtab_init(struct pathtab *t, size_t max);
void pathtab_free(struct pathtab *t);
/* The entry of path, or PT_NONE. */
uint32_t pathtab_find(const struct pathtab *t, const char *path, size_t len);
/* The entry of path, added with no flags when absent; PT_NONE when the
 * table holds max paths already or the path is too long. */
uint32_t pathtab_add(struct pathtab *t, const char *path, size_t len);
static inline struct pt_entry *pathtab_at(const struct pathtab *t, uint32_t i)
{
	return &t->e[i];
}
static inline const char *pathtab_name(const struct pathtab *t, uint32_t i)
{
	return t->pool + t->e[i].name;
}
/* Room for n more paths of bytes in all, so that adding them moves
 * nothing and rebuilds the index once, not at every doubling (a
 * one-edit rebuild reads 8,700 paths from the cache at 600 services). */
void pathtab_reserve(struct pathtab *t, size_t n, size_t bytes);
/* 40 hex digits to a binary key; -1 when s is not that. */
int pathtab_key_parse(const char *s, unsigned char key[PT_KEY_LEN]);
/* The same for the first 40 bytes at s, whatever follows them. */
int pathtab_key_parse_n(const char *s, unsigned char key[PT_KEY_LEN]);
void pathtab_key_hex(const unsigned char key[PT_KEY_LEN], char out[2 * PT_KEY_LEN + 1]);
#endif
