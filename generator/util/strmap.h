/* strmap.h - string keys to values: FNV-1a hash, open addressing with
 * linear probing. Keys are any bytes with a length (a path prefix need not
 * be copied first); the map keeps its own NUL-terminated copy in its arena.
 * A map holds at most max keys, so no input grows it without bound. Used
 * by the git history walk (paths, directories) and the site writer (files,
 * cache keys, links). Not thread-safe: callers lock. */
#ifndef STRMAP_H
#define STRMAP_H
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"

struct strmap_slot {
	const char *key;        /* NULL: empty; lives as long as the map */
	size_t len;
	void *val;
};

struct strmap {
	struct strmap_slot *slot;
	size_t cap, n, max;
	struct arena arena;     /* keys and strmap_strdup() copies */
};

#define STRMAP_MAX_DEFAULT ((size_t)1 << 24)

/* max: most keys the map takes; 0 means STRMAP_MAX_DEFAULT. */
void strmap_init(struct strmap *m, size_t max);
void strmap_free(struct strmap *m);
/* The slot of key, or NULL when absent. */
struct strmap_slot *strmap_get(const struct strmap *m, const char *key, size_t len);
/* The slot of key, added with val NULL when absent (*added tells which);
 * NULL when the key is new and the map holds max keys already. A slot
 * pointer is valid until the next strmap_put; a key pointer until
 * strmap_free. */
struct strmap_slot *strmap_put(struct strmap *m, const char *key, size_t len,
			       bool *added);
/* A copy of s that lives as long as the map (for string values). */
char *strmap_strdup(struct strmap *m, const char *s);
/* Every key once, in no useful order:
 *     for (size_t i = 0; (sl = strmap_next(m, &i));) */
struct strmap_slot *strmap_next(const struct strmap *m, size_t *i);
#endif
