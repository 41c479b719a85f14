/* stage.h - the previous site, kept beside the deployed one as the next
 * build's staging tree.
 *
 * A build exchanges its new tree with the deployed one (renameat2), so
 * the previous site ends up under the build's temporary name. Instead of
 * removing it file by file, it is kept as <out>.prev with a marker
 * (STAGE_NAME) that says how it differs from the deployed site: the paths
 * the last build wrote or removed. Every other file of the two trees is
 * one inode (the build hard-linked it). The next build claims <out>.prev
 * (renames it to its own temporary name, so two builds never share it)
 * and touches only those paths and its own changes, instead of linking
 * every unchanged file into an empty tree and unlinking the old tree.
 *
 * The marker also holds the state of both trees as the build left them
 * (root, top-level entries, inode and mtime of every directory, which
 * change when a file is added, removed or renamed in it, and for a
 * directory changed in the marker's own clock tick, whose mtime a change
 * in that tick would leave as it is, a digest of its entries' names and
 * inode numbers), so a file added to, removed from or renamed in either
 * tree by hand means the staging tree is thrown away and the build starts
 * from an empty one, as without it. As with the fingerprint, a file
 * edited in place is not noticed (stage.c says what else is not). */
#ifndef STAGE_H
#define STAGE_H
#include "pathtab.h"

#define STAGE_NAME ".sitegen-stage"
#define STAGE_SUFFIX ".prev"

/* The staging tree of dest: "<dest>.prev" in b (n bytes); -1 when too
 * long. */
int stage_path(const char *dest, char *b, size_t n);
/* Renames <dest>.prev to tmp and checks its marker against both trees.
 * 1: claimed and valid, the paths where it differs from dest flagged
 * PT_STALE in t. 0: there was none, or it was not valid (then tmp does
 * not exist afterwards). */
int stage_claim(const char *dest, const char *tmp, struct pathtab *t);
/* The claimed tree is about to change: its marker goes (so it is never
 * deployed). 0 ok, -1 with errno. */
int stage_unmark(const char *tmp);
/* A claimed tree that was not changed goes back to <dest>.prev (or is
 * removed when another build put one there meanwhile). */
void stage_release(const char *dest, const char *tmp);
/* After the swap: old is the previous site (the files flagged PT_OLD in
 * t), dest the new one (PT_NEW); the paths flagged PT_WRITTEN, and the old
 * files the new site does not have, are where they differ. Writes the
 * marker into old and renames it to <dest>.prev. -1 when that fails (the
 * caller removes old). */
int stage_keep(const char *dest, const char *old, const struct pathtab *t);
/* Removes the tree at path (a directory or a file), no stat per entry.
 * 0 ok (also when there is none), -1. */
int stage_rm_tree(const char *path);
#endif
