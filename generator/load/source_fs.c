/* source_fs.c - struct source over the working tree (editors' preview). */
#include "source.h"
#include "../util/arena.h"
#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PATH_MAX_LEN 4096

struct source_fs {
	struct source s;        /* first: cast from struct source */
	char *root;
};

static int fs_path(struct source_fs *fs, const char *rel, char *out, size_t n)
{
	/* Content paths never climb out of the root. */
	if (strstr(rel, "..") && (strncmp(rel, "../", 3) == 0 || strstr(rel, "/../"))) {
		errno = EINVAL;
		return -1;
	}
	int w = snprintf(out, n, "%s/%s", fs->root, rel);
	if (w < 0 || (size_t)w >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int fs_read(struct source *s, const char *path, struct buf *out)
{
	char full[PATH_MAX_LEN];
	if (fs_path((struct source_fs *)s, path, full, sizeof full) < 0)
		return -1;
	return buf_read_file(out, full);
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct source_entry *)a)->name,
		      ((const struct source_entry *)b)->name);
}

static int fs_list(struct source *s, const char *dir, struct source_entry **out,
		   size_t *n)
{
	char full[PATH_MAX_LEN];
	if (fs_path((struct source_fs *)s, dir, full, sizeof full) < 0)
		return -1;
	DIR *d = opendir(full);
	if (!d)
		return -1;
	struct source_entry *v = NULL;
	size_t len = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;   /* ".", "..", editor swap files, .git */
		char sub[PATH_MAX_LEN];
		int w = snprintf(sub, sizeof sub, "%s/%s", full, e->d_name);
		if (w < 0 || (size_t)w >= sizeof sub)
			continue;
		struct stat st;
		if (stat(sub, &st) < 0)
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 32;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[len].name = xstrdup(e->d_name);
		v[len].is_dir = S_ISDIR(st.st_mode);
		len++;
	}
	closedir(d);
	if (len > 1)
		qsort(v, len, sizeof *v, entry_cmp);
	*out = v;
	*n = len;
	return 0;
}

static int fs_file_id(struct source *s, const char *path, char id[41])
{
	struct buf b;
	buf_init(&b, 0);
	if (fs_read(s, path, &b) < 0) {
		buf_free(&b);
		return -1;
	}
	git_oid oid;
	int rc = git_odb_hash(&oid, b.data, b.len, GIT_OBJECT_BLOB);
	buf_free(&b);
	if (rc < 0)
		return -1;
	git_oid_tostr(id, 41, &oid);
	return 0;
}

static void fs_close(struct source *s)
{
	struct source_fs *fs = (struct source_fs *)s;
	free(fs->root);
	free(fs);
}

void source_list_free(struct source_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

struct source *source_fs_open(const char *root)
{
	struct source_fs *fs = xcalloc(1, sizeof *fs);
	fs->root = xstrdup(root && *root ? root : ".");
	fs->s.read = fs_read;
	fs->s.list = fs_list;
	fs->s.file_id = fs_file_id;
	fs->s.close = fs_close;
	fs->s.label = "working tree";
	fs->s.commit = NULL;
	fs->s.commit_time = 0;
	return &fs->s;
}
