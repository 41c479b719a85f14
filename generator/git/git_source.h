/* git_source.h - a struct source (load/source.h) over the tree of a git
 * revision, read straight from the object database (objects.h: natively,
 * with libgit2 behind): no checkout, so uncommitted changes are ignored
 * and what is built is exactly what was committed. libgit2 is loaded only
 * for a revision refquick.h cannot resolve, a project in a subdirectory of
 * its repository, or an object not read natively. */
#ifndef GIT_SOURCE_H
#define GIT_SOURCE_H
#include <stddef.h>
#include <git2.h>
#include "../load/source.h"
#include "../util/diag.h"

/* repo_path: the project root (a work tree, a directory inside one, or a
 * bare repository). Source paths are relative to repo_path, so a project
 * kept in a subdirectory of a larger repository works too.
 * rev: anything git_revparse understands that peels to a tree: "main",
 * "v1.2", "HEAD~3", a commit id, or a bare tree id (what `git write-tree`
 * prints, for the pre-commit hook). For a commit, s->commit is the full id
 * and s->commit_time its committer time; for a bare tree s->commit is NULL,
 * s->commit_time 0 and the label "tree <short>".
 * The object directories named by GIT_OBJECT_DIRECTORY and
 * GIT_ALTERNATE_OBJECT_DIRECTORIES are honoured, so the source works inside
 * a pre-receive hook, where pushed objects sit in a quarantine directory.
 * NULL, with a diagnostic, when the repository or revision is bad. A
 * shallow repository opens fine but prints one warning line to stderr:
 * dates from history are incomplete there. */
struct source *source_git_open(const char *repo_path, const char *rev,
			       struct diags *d);

/* For the history walk and the feed: the objects (objects.h) and commit
 * behind a source. NULL when s is not a git source (or, for the commit,
 * when the revision was a bare tree). Owned by the source. */
struct objects;
struct objects *source_git_objects(struct source *s);
const git_oid *source_git_commit(struct source *s);
/* The path prefix inside the repository that source paths are relative
 * to ("" normally, "site/" when repo_path was <workdir>/site). history
 * paths are repository paths, so prepend this when asking history. */
const char *source_git_prefix(struct source *s);
/* The id of the tree the source reads (40 hex + NUL): every blob id
 * below it is part of it. 0 ok, -1 when s is not a git source. */
int source_git_tree_id(struct source *s, char out[41]);
/* 1 when the repository is a shallow clone (history dates incomplete). */
int source_git_is_shallow(struct source *s);

/* The git blob id of data (what `git hash-object` prints), as 40 hex
 * digits + NUL. Lets the working-tree source give files the same ids a
 * commit would. 0 ok, -1 on failure. */
int git_hash_blob(const void *data, size_t len, char out[41]);
#endif
