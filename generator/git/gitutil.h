/* gitutil.h - small shared helpers for the libgit2 users in generator/git,
 * and libgit2 itself: its functions are taken with dlopen(3) by
 * gitutil_init, which every entry into generator/git calls first, and
 * called through the table git2 (git2.commit_lookup(...)). Linked, libgit2
 * and its libraries (mbedTLS, libssh2, Kerberos, http-parser, PCRE2) were
 * mapped and relocated at every start of sitegen: ~6 ms of each build
 * (an empty program linked with and without them), though a build of the
 * working tree never calls it. */
#ifndef GITUTIL_H
#define GITUTIL_H
#include <git2.h>

/* The libgit2 functions generator/git calls, with the library's types. */
struct git2_api {
	__typeof__(git_blob_free) *blob_free;
	__typeof__(git_blob_lookup) *blob_lookup;
	__typeof__(git_blob_rawcontent) *blob_rawcontent;
	__typeof__(git_blob_rawsize) *blob_rawsize;
	__typeof__(git_commit_free) *commit_free;
	__typeof__(git_commit_id) *commit_id;
	__typeof__(git_commit_lookup) *commit_lookup;
	__typeof__(git_commit_parent) *commit_parent;
	__typeof__(git_commit_parent_id) *commit_parent_id;
	__typeof__(git_commit_parentcount) *commit_parentcount;
	__typeof__(git_commit_time) *commit_time;
	__typeof__(git_commit_tree_id) *commit_tree_id;
	__typeof__(git_error_clear) *error_clear;
	__typeof__(git_error_last) *error_last;
	__typeof__(git_error_set_str) *error_set_str;
	__typeof__(git_libgit2_features) *libgit2_features;
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
	__typeof__(git_oid_cpy) *oid_cpy;
	__typeof__(git_oid_equal) *oid_equal;
	__typeof__(git_oid_fromraw) *oid_fromraw;
	__typeof__(git_oid_tostr) *oid_tostr;
	__typeof__(git_repository_commondir) *repository_commondir;
	__typeof__(git_repository_free) *repository_free;
	__typeof__(git_repository_is_shallow) *repository_is_shallow;
	__typeof__(git_repository_odb) *repository_odb;
	__typeof__(git_repository_open_ext) *repository_open_ext;
	__typeof__(git_repository_path) *repository_path;
	__typeof__(git_repository_workdir) *repository_workdir;
	__typeof__(git_revparse_single) *revparse_single;
	__typeof__(git_tree_dup) *tree_dup;
	__typeof__(git_tree_entry_byindex) *tree_entry_byindex;
	__typeof__(git_tree_entry_byname) *tree_entry_byname;
	__typeof__(git_tree_entry_bypath) *tree_entry_bypath;
	__typeof__(git_tree_entry_dup) *tree_entry_dup;
	__typeof__(git_tree_entry_filemode) *tree_entry_filemode;
	__typeof__(git_tree_entry_free) *tree_entry_free;
	__typeof__(git_tree_entry_id) *tree_entry_id;
	__typeof__(git_tree_entry_name) *tree_entry_name;
	__typeof__(git_tree_entry_type) *tree_entry_type;
	__typeof__(git_tree_entrycount) *tree_entrycount;
	__typeof__(git_tree_free) *tree_free;
	__typeof__(git_tree_id) *tree_id;
	__typeof__(git_tree_lookup) *tree_lookup;
};

/* Filled once by gitutil_init and only read after: the one global of
 * generator/git, as the library it stands for is one per process. */
extern struct git2_api git2;

/* libgit2 loaded into git2 and initialised (git_libgit2_init), once per
 * process; sitegen stops with a message when it cannot be loaded. Never
 * shut down again: the library's global state lives until exit, which is
 * what a build wants and keeps per-file callers (git_hash_blob) cheap. */
void gitutil_init(void);
/* libgit2's last error message, or "unknown error". */
const char *gitutil_errmsg(void);
#endif
