/* history.h - the last change of many files from one walk of git history.
 *
 * One revision walk from a commit, newest first (committer time). For each
 * non-merge commit the tree is compared with its first parent's tree by
 * object ids, descending only into directories whose id changed and that
 * lead to a wanted path; the first (newest) commit that changes a wanted
 * path is its last change. The walk stops as soon as every wanted path is
 * known, so it costs one pass over the history at most, however many
 * pages there are. Merge commits are skipped (their changes are found on
 * the branch commits they merge, as `git log` without -m does); renames
 * are not followed (a renamed file's last change is its rename).
 * After the first commits, which are compared one by one, the comparisons
 * run on one thread per core (at most 4); the result is the same as one
 * thread's. */
#ifndef HISTORY_H
#define HISTORY_H
#include <stddef.h>
#include <git2.h>
#include "../util/diag.h"

struct history;

enum history_kind {
	HISTORY_ADDED,          /* the path appeared in this commit */
	HISTORY_MODIFIED,
	HISTORY_DELETED         /* only for a path deleted and never re-added
				 * on the way to the commit (a merge kept it) */
};

struct history_event {
	long long time;         /* committer time, seconds since the epoch */
	const char *path;       /* repository path, e.g. "content/services/x.yml" */
	enum history_kind kind;
	char commit[41];        /* full id of the commit that made the change */
};

struct history_events {
	const struct history_event *v;  /* owned by the history */
	size_t n;
};

/* paths: repository paths ("content/services/hundeanmeldung.yml") of
 * files, normally every file the build reads; duplicates are fine. The
 * walk starts at commit and reads objs (objects.h; it may close only
 * after the history is computed). shallow: the repository is a shallow
 * clone: the walk ends at its boundary and files not changed above it
 * stay unknown. NULL, with a diagnostic, when the history cannot be read
 * or there is no commit (objs or commit NULL). */
struct objects;
struct history *history_compute(struct objects *objs, int shallow, const git_oid *commit,
				const char *const *paths, size_t n, struct diags *d);
/* Committer time of the last commit that changed path; 0 when unknown
 * (not among the wanted paths, or beyond a shallow boundary). */
long long history_time(const struct history *h, const char *path);
/* Full id of that commit, or NULL when unknown. */
const char *history_commit(const struct history *h, const char *path);
/* Every wanted path whose last change is known, one event per path, newest
 * first (ties by path, so the order is deterministic). For the feeds. */
void history_events(const struct history *h, struct history_events *out);
/* Number of commits looked at (for the benchmark): exact while the first
 * 64 are compared one by one; after that, whole chunks are read ahead,
 * so it may count commits beyond the one where the walk could stop. */
size_t history_commits_walked(const struct history *h);
void history_free(struct history *h);
#endif
