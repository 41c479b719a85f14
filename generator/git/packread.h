/* packread.h - objects from a repository's pack files, with a cache of the
 * deltas already rebuilt.
 *
 * Why: a directory that changes in most commits is stored in a pack as a
 * chain of deltas (up to 50 deep by git's default). libgit2 1.5 caches only
 * the full object at the bottom of a chain, so every read of one version
 * applies the whole chain again: ~25 inflates and 40 KiB copies per tree
 * read in the history walk (bench/history.sh). Here every object rebuilt on
 * the way is cached by its place in the pack (bounded in bytes, the least
 * recently used dropped first), and the next version of the same directory
 * usually costs one delta.
 *
 * It reads only what it is sure of: packs with a version 2 index under the
 * repository's objects/pack. Anything else (a loose object, an alternate,
 * a pack written after open, an object it cannot parse) is "not here"
 * (0), and the caller (objects.h) reads loose objects itself and asks
 * libgit2 for the rest, which also reports any real damage.
 * Objects are not hashed again on reading, as in libgit2 with strict hash
 * verification off (gitutil.c) and in git itself.
 *
 * Threads may share one reader: its cache is locked, and the lock is not
 * held while inflating or applying deltas. The objects live in one
 * mapping of about 1.5 times the cache's bytes, asked for huge pages and
 * handed out by size class (packread.c: the slab); malloc serves what
 * does not fit. */
#ifndef PACKREAD_H
#define PACKREAD_H
#include <stddef.h>
#include <git2.h>

struct packread;

/* An object's bytes; read-only, valid until packread_release. */
struct packobj {
	git_object_t type;
	size_t len;
	const unsigned char *data;
};

/* The packs of an object directory ("<repo>/.git/objects"; NULL: none),
 * mapped. cache_bytes bounds the rebuilt objects kept. Never NULL: without
 * packs every get is 0. */
struct packread *packread_open_dir(const char *objects_dir, size_t cache_bytes);
/* 1 and *out (a new reference) when id is in one of the packs; 0 when it
 * is not, or cannot be read here (the caller falls back to libgit2). */
int packread_get(struct packread *pr, const git_oid *id,
		 const struct packobj **out);
void packread_release(struct packread *pr, const struct packobj *o);
/* Objects rebuilt from the packs so far (for tests and the benchmark). */
size_t packread_inflated(struct packread *pr);
/* Objects made so far, and how many of them came from malloc because the
 * reader's own memory (about 1.5 times cache_bytes) had no room. */
void packread_memory(struct packread *pr, size_t *objects, size_t *from_malloc);
void packread_close(struct packread *pr);
#endif
