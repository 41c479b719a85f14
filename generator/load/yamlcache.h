/* yamlcache.h - parsed YAML trees kept between builds. libyaml is about a
 * quarter of a one-edit rebuild: every YAML file of the catalogue is
 * parsed again although one changed. The cache keeps each file's tree
 * (yamltree.h: kinds, scalars, and every node's line and column, so
 * diagnostics still name file:line:col) in a compact form, keyed by the
 * file's content id (source.h: a blob id, or a digest of the bytes read),
 * so a tree is taken from it exactly when the bytes are the same. Only
 * trees that parsed without a diagnostic are kept; a file that fails is
 * parsed, and fails, again. The cache file also names the sitegen binary
 * (inode, size, mtime): a rebuilt binary, which may parse differently,
 * starts with an empty cache. A damaged cache file only costs parsing:
 * every read is bounds-checked and a bad entry is parsed anew.
 * yaml_cache_get and yaml_cache_put may be called from several threads
 * (the services are loaded on -j threads); the new file then holds the
 * trees in the order they were got or put, which may differ from one
 * build to the next. */
#ifndef YAMLCACHE_H
#define YAMLCACHE_H
#include "yamltree.h"

struct yaml_cache;

/* sitegen keeps it beside the output: "site.yaml-cache". */
#define YAML_CACHE_SUFFIX ".yaml-cache"

/* The cache kept in path (missing or unusable: an empty one); the trees
 * of this build are written beside it as they come (path.tmp.<pid>). */
struct yaml_cache *yaml_cache_open(const char *path);
/* The tree of file (content id id, 40 hex digits) as yaml_parse_tree
 * gives it, with its nodes in tree and the file's name in a; NULL when
 * not cached. Its scalars (keys and values) are in the cache file's
 * mapping, NUL-terminated and read-only: they stay valid until
 * yaml_cache_free, so a catalogue loaded with yc is freed first. */
struct ynode *yaml_cache_get(struct yaml_cache *yc, const char *id, struct arena *a,
			     struct arena *tree, const char *file);
/* How many trees the cache file held at open (0 for yc NULL): with none,
 * a loader need not look for one before reading the file. */
size_t yaml_cache_trees(const struct yaml_cache *yc);
/* Keeps root as the tree of content id id (call right after parsing). */
void yaml_cache_put(struct yaml_cache *yc, const char *id, const struct ynode *root);
/* Replaces the file with the trees got or put since open, in that
 * order, atomically (the temporary is renamed); nothing is written when
 * those are exactly the file's (in any order). Call it when no other
 * thread uses yc. 0 ok, -1 with errno. yaml_cache_free without it leaves the
 * file as it was. */
int yaml_cache_save(struct yaml_cache *yc);
void yaml_cache_free(struct yaml_cache *yc);
#endif
