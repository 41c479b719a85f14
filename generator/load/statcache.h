/* statcache.h - the working tree's file ids kept between builds, as git's
 * index keeps blob ids. A file's id (source.h: the digest of its bytes)
 * decides whether its parsed tree (yamlcache.h) and the pages made from
 * it can be reused, so every build needed every content file read and
 * digested: a seventh of a one-edit rebuild's time, all of it before
 * rendering, on one core. The cache keeps, per path, the stat of the file
 * read (device, inode, size, mtime and ctime to the nanosecond) and the
 * id of its bytes; a file whose stat is the same again has that id and is
 * not read.
 *
 * Racily clean files (util/racy.h): a file written twice in one clock
 * tick keeps its stat. An id is kept only for a file whose mtime and
 * ctime are at least RACY_NS older than the opening of the cache, which
 * comes before the file is looked at: a write after that gives it a newer
 * ctime (which, unlike mtime, no one can set), so a file whose stat is
 * the same was not written since its bytes were digested. A younger file
 * is digested again in every build until it is old enough.
 *
 * The file lives beside the output ("site.stat-cache"), names the sitegen
 * binary (a rebuilt one may digest differently: it starts empty) and ends
 * with the number of its entries and a digest of them: a file cut, damaged
 * or altered by hand, an entry that does not parse, a path that is
 * absolute, climbs out or comes twice, and the whole file is not used
 * (every file is digested, as without it). Not thread-safe: callers lock. */
#ifndef STATCACHE_H
#define STATCACHE_H
#include <stdbool.h>
#include <sys/stat.h>
#include "../util/digest.h"

struct stat_cache;

/* sitegen keeps it beside the output: "site.stat-cache". */
#define STAT_CACHE_SUFFIX ".stat-cache"

/* The cache kept in path (missing or unusable: an empty one), read at
 * its first use. Open it before any file it will be asked about is
 * looked at: its opening is the time that decides which files are
 * racily clean. */
struct stat_cache *stat_cache_open(const char *path);
/* The id of rel (a path relative to the source's root) when st, the
 * file's stat now, is the one recorded with it: true, and id is set. */
bool stat_cache_get(struct stat_cache *sc, const char *rel, const struct stat *st,
		    char id[DIGEST_HEX]);
/* Records id (40 hex digits) as the id of rel's bytes read while st was
 * its stat (fstat of the file read); not kept when the file is racily
 * clean or no regular file. */
void stat_cache_put(struct stat_cache *sc, const char *rel, const struct stat *st,
		    const char *id);
/* The id of the running sitegen binary (the digest of its bytes, part
 * of every page's key: a new sitegen may render differently), kept like
 * a file's by its stat: reading and digesting the 1 MB binary was 4 % of
 * a one-edit rebuild. sc may be NULL. 0 ok, -1 with errno. */
int stat_cache_binary_id(struct stat_cache *sc, char id[DIGEST_HEX]);
/* Replaces the file with the entries got or put since open, sorted by
 * path, atomically (a temporary renamed); nothing is written when those
 * are exactly the file's, or when nothing was got or put at all. 0 ok,
 * -1 with errno. */
int stat_cache_save(struct stat_cache *sc);
/* How many entries the file held at open (its validity, for tests). */
size_t stat_cache_size(struct stat_cache *sc);
void stat_cache_free(struct stat_cache *sc);
#endif
