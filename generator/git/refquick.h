/* refquick.h - the commit a revision names, read from the files of the
 * repository's .git directory alone, without libgit2.
 *
 * Why: `sitegen build --ref REV` with nothing changed since the last build
 * only has to see that REV still names the same commit (fingerprint.h).
 * Loading libgit2 for that - its 10 shared libraries mapped and relocated,
 * and its initialisation, which parses the system's CA certificates - was
 * two thirds of such a build.
 *
 * It answers only what it is sure of, the forms a deploy uses:
 *   - 40 hex digits (returned as they are: any object id);
 *   - HEAD, and the symbolic references it leads to;
 *   - refs/... in full;
 *   - a branch name, when no tag, no refs/<name> and no .git/<name> of that
 *     name exists (git would take those first).
 * References are read as loose files or from packed-refs, in a .git
 * directory at root or one a .git file points to (a worktree, with its
 * commondir). Anything else - an abbreviated id, ~, ^, @{...}, a
 * reftable, GIT_DIR and the like in the environment, a reference it cannot
 * parse - is "not known here" and the caller asks libgit2, which also
 * reports what is wrong. */
#ifndef REFQUICK_H
#define REFQUICK_H
#include <stddef.h>

/* 1 and the 40 lower-case hex digits (+ NUL) rev names; 0 when it cannot
 * be told from the files alone. */
int refquick_resolve(const char *root, const char *rev, char id[41]);

/* The same, and with 1 the repository's .git directory (HEAD, the
 * per-worktree files) and its common directory (objects, refs) where it
 * found them, into git and common (git NULL: not wanted). */
int refquick_resolve_dirs(const char *root, const char *rev, char id[41], char *git,
			  size_t git_size, char *common, size_t common_size);

/* The parsers, for the fuzz harness and the tests: the id a loose
 * reference file's bytes hold (1), the reference they point to (2, into
 * target), or neither (0). */
int refquick_parse_loose(const char *data, size_t len, char id[41],
			 char *target, size_t target_size);
/* The id packed-refs (its bytes) gives name, 1; 0 when it has no line
 * of that name; -1 when it is not in a form this reader knows (every line
 * is checked: then no answer is trusted). */
int refquick_parse_packed(const char *data, size_t len, const char *name, char id[41]);
#endif
