/* source.h - where content and themes are read from: the working tree
 * (source_fs) or a git commit's tree through libgit2 (git/git_source.c).
 * Paths are relative to the repository/project root and use '/':
 * "content/region.yml", "themes/default/layout.mustache". */
#ifndef SOURCE_H
#define SOURCE_H
#include <stddef.h>
#include <sys/stat.h>
#include "../util/buf.h"

struct source_entry;

struct source {
	/* Append the whole file to out. 0 ok; -1 missing or unreadable
	 * (errno set; ENOENT when it does not exist). */
	int (*read)(struct source *s, const char *path, struct buf *out);
	/* Entries of a directory (names only, sorted bytewise, no "." or
	 * ".."), each marked dir or not. Caller frees with source_list_free.
	 * 0 ok; -1 missing or unreadable. */
	int (*list)(struct source *s, const char *dir, struct source_entry **out,
		    size_t *n);
	/* Content id of a file (git blob id, or for the working tree a
	 * digest of the bytes, util/digest.h) as 40 hex chars + NUL; 0 ok,
	 * -1 missing. Used as cache key by incremental builds. */
	int (*file_id)(struct source *s, const char *path, char id[41]);
	/* Optional (NULL): the caller has just taken the lstat of path, a
	 * regular file; a source that knows ids by stat may take path's id
	 * from it now rather than stat it again in file_id (the no-change
	 * check's walk stats every input before the loader asks for ids). */
	void (*stat_seen)(struct source *s, const char *path, const struct stat *st);
	void (*close)(struct source *s);
	const char *label;      /* "working tree" or "commit abc1234" */
	const char *commit;     /* full commit id, or NULL for the working tree */
	long long commit_time;  /* seconds since epoch, 0 for the working tree */
};

struct source_entry {
	char *name;
	int is_dir;
};

void source_list_free(struct source_entry *v, size_t n);
/* The working tree below root (a directory path). */
struct source *source_fs_open(const char *root);
/* The same, with the ids of unchanged files from sc and the ids of the
 * files read put there (load/statcache.h); sc is the caller's, used
 * until the source is closed. */
struct stat_cache;
struct source *source_fs_open_kept(const char *root, struct stat_cache *sc);
/* Read "<prefix>/..." (e.g. "themes/...") from other, the rest from base.
 * Takes ownership of both. */
struct source *source_remap_open(struct source *base, const char *prefix,
				 struct source *other);
#endif
