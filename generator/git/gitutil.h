/* gitutil.h - small shared helpers for the libgit2 users in generator/git. */
#ifndef GITUTIL_H
#define GITUTIL_H

/* git_libgit2_init() once per process. Never shut down again: the
 * library's global state lives until exit, which is what a build wants and
 * keeps per-file callers (git_hash_blob) cheap. */
void gitutil_init(void);
/* libgit2's last error message, or "unknown error". */
const char *gitutil_errmsg(void);
#endif
