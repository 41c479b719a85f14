/* objects.h - a repository's objects read without libgit2 where that is
 * sure, with libgit2 behind it for everything else.
 *
 * Why: loading libgit2 (its ten shared libraries mapped and relocated, at
 * ~20 us a page fault on this kind of VM) and starting it took 10-14 ms of
 * a 60 ms `--ref` rebuild after a one-service commit, though all such a
 * build reads is a commit, its trees and the blobs that changed: objects
 * in the pack files (packread.h) and loose zlib files (a new commit's
 * own). Read here, libgit2 is loaded only when something is not: an
 * object in an alternate or a quarantine directory (a pre-receive hook),
 * a loose object larger than LOOSE_MAX, a missing one (at a shallow
 * clone's edge). A damaged loose object is an error here: libgit2 1.5.1
 * loops forever on one cut short.
 *
 * Like git and like libgit2 as sitegen sets it up (gitutil.c), objects
 * are not hashed again on reading. The objects may be read from many
 * threads at once. */
#ifndef OBJECTS_H
#define OBJECTS_H
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <git2.h>
#include "packread.h"

struct objects;

/* An object's bytes, read-only until objects_put. */
struct gitobj {
	git_object_t type;
	size_t len;
	const unsigned char *data;
	/* where the bytes live: at most one is set */
	const struct packobj *po;
	git_odb_object *odb;
	unsigned char *heap;
};

/* The objects below common ("<repo>/.git", the common directory of a
 * worktree): its objects/pack and objects/xx/ files. repo: a repository
 * libgit2 has already opened (its objects are asked when these files do
 * not have one), or NULL: then repo_path is opened with libgit2 when it
 * is first needed. Never NULL. */
struct objects *objects_open(const char *common, git_repository *repo, const char *repo_path);
/* 0 and *o; -1 when the object cannot be read, with a message in
 * err[0..errlen) (libgit2's, or why here). */
int objects_get(struct objects *os, const git_oid *id, struct gitobj *o, char *err,
		size_t errlen);
void objects_put(struct objects *os, struct gitobj *o);
/* Objects read through libgit2 so far (for the tests: 0 for a --ref
 * build that never loaded it). */
size_t objects_from_libgit2(struct objects *os);
void objects_close(struct objects *os);

/* The parsers, also for the fuzz harness. */

/* A loose object file's bytes (zlib) inflated: 0 and *type, the content
 * in a new malloc'd *out[0..*len) (NUL after it); -2 when its header says
 * it is bigger than max; -1 when the bytes are not a loose object. */
int objects_inflate_loose(const unsigned char *z, size_t zlen, size_t max,
			  git_object_t *type, unsigned char **out, size_t *len);

/* What a build needs of a commit. */
struct gitcommit {
	git_oid tree;
	size_t n_parents;
	const char *parents;    /* the first "parent <hex>\n" line's id; the
				 * others follow, 48 bytes apart */
	long long time;         /* the committer's, seconds since the epoch */
};
/* 0 and *c from a commit object's bytes; -1 when they are not a commit
 * in git's form. */
int gitcommit_parse(const unsigned char *p, size_t len, struct gitcommit *c);
/* The id of parent i (< c->n_parents). */
void gitcommit_parent(const struct gitcommit *c, size_t i, git_oid *out);

/* A tree object's entries: "<octal mode> <name>\0" and a 20-byte id. */
struct gittree_ent {
	unsigned mode;
	const char *name;       /* NUL-terminated, inside the tree's bytes */
	size_t nlen;
	const unsigned char *id;
	const unsigned char *start;     /* the whole entry's bytes */
	size_t len;
};
/* What a tree entry's mode names, as libgit2 reads it
 * (git_tree_entry_type): a submodule's commit, a directory, or a blob
 * (a file or a symbolic link). */
static inline git_object_t gittree_type(unsigned mode)
{
	return (mode & 0170000u) == 0160000u ? GIT_OBJECT_COMMIT :
	       (mode & 0170000u) == 0040000u ? GIT_OBJECT_TREE : GIT_OBJECT_BLOB;
}
/* 1 and the entry at *p (then *p moves past it), 0 at end, -1 when the
 * bytes are not a tree entry. */
int gittree_next(const unsigned char **p, const unsigned char *end, struct gittree_ent *e);

/* Hex and ids, without libgit2. */
void gitoid_tohex(const git_oid *id, char out[GIT_OID_HEXSZ + 1]);
int gitoid_fromhex(const char *hex, git_oid *out);      /* 40 digits: 0 */
static inline bool gitoid_equal(const git_oid *a, const git_oid *b)
{
	return memcmp(a->id, b->id, GIT_OID_RAWSZ) == 0;
}
#endif
