/* gitutil.h - small shared helpers for the libgit2 users in generator/git,
 * and libgit2 itself: its functions are taken with dlopen(3) by
 * gitutil_init, which every entry into generator/git calls first, and
 * called through the table git2 (git2.revparse_single(...)). Linked, libgit2
 * and its libraries (mbedTLS, libssh2, Kerberos, http-parser, PCRE2) were
 * mapped and relocated at every start of sitegen: ~6 ms of each build
 * (an empty program linked with and without them), though a build of the
 * working tree never calls it. */
#ifndef GITUTIL_H
#define GITUTIL_H
#include <stdbool.h>
#include <git2.h>

/* The libgit2 functions generator/git calls, with the library's types. */
struct git2_api {
	__typeof__(git_commit_id) *commit_id;
	__typeof__(git_commit_time) *commit_time;
	__typeof__(git_error_clear) *error_clear;
	__typeof__(git_error_last) *error_last;
	__typeof__(git_libgit2_init) *libgit2_init;
	__typeof__(git_libgit2_opts) *libgit2_opts;
	__typeof__(git_object_free) *object_free;
	__typeof__(git_object_peel) *object_peel;
	__typeof__(git_odb_free) *odb_free;
	__typeof__(git_odb_hash) *odb_hash;
	__typeof__(git_odb_object_data) *odb_object_data;
	__typeof__(git_odb_object_free) *odb_object_free;
	__typeof__(git_odb_object_size) *odb_object_size;
	__typeof__(git_odb_object_type) *odb_object_type;
	__typeof__(git_odb_read) *odb_read;
	__typeof__(git_oid_tostr) *oid_tostr;
	__typeof__(git_repository_commondir) *repository_commondir;
	__typeof__(git_repository_free) *repository_free;
	__typeof__(git_repository_is_shallow) *repository_is_shallow;
	__typeof__(git_repository_odb) *repository_odb;
	__typeof__(git_repository_open_ext) *repository_open_ext;
	__typeof__(git_repository_path) *repository_path;
	__typeof__(git_repository_workdir) *repository_workdir;
	__typeof__(git_revparse_single) *revparse_single;
	__typeof__(git_tree_id) *tree_id;
};

/* Filled once by gitutil_init and only read after: the one global of
 * generator/git, as the library it stands for is one per process. */
extern struct git2_api git2;

/* libgit2 loaded into git2 and initialised (git_libgit2_init), once per
 * process; sitegen stops with a message when it cannot be loaded. Never
 * shut down again: the library's global state lives until exit, which is
 * what a build wants and keeps per-file callers (git_hash_blob) cheap. */
void gitutil_init(void);
/* Opens the repository at path (or above it), as sitegen opens every
 * one: honouring a pre-receive hook's object directories from the
 * environment, and nothing else of it. libgit2's result (0 ok). */
int gitutil_open(git_repository **out, const char *path);
/* Has gitutil_init run (libgit2 loaded) in this process? */
bool gitutil_loaded(void);
/* libgit2's last error message, or "unknown error". */
const char *gitutil_errmsg(void);
#endif
