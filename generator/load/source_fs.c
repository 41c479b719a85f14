/* source_fs.c - struct source over the working tree (editors' preview). */
#include "source.h"
#include "statcache.h"
#include "../util/arena.h"
#include "../util/digest.h"
#include "../util/strmap.h"
#include <pthread.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_MAX_LEN 4096

struct source_fs {
	struct source s;        /* first: cast from struct source */
	char *root;
	/* Blob ids of the bytes read, by path: a build's cache keys then
	 * name exactly what was read, without reading every file again.
	 * Templates may be read from render threads, hence the lock. */
	pthread_mutex_t lock;
	struct strmap ids;
	struct stat_cache *sc;  /* ids of earlier builds by stat, or NULL */
};

#define ID_MAX_FILES 1000000

/* Keeps id as path's for file_id, and with st (the stat of the bytes
 * read, or NULL) in the stat cache. */
static void remember_id(struct source_fs *fs, const char *path, const char id[DIGEST_HEX],
			const struct stat *st)
{
	pthread_mutex_lock(&fs->lock);
	bool added;
	struct strmap_slot *sl = strmap_put(&fs->ids, path, strlen(path), &added);
	if (sl)     /* full: file_id reads the file again */
		sl->val = strmap_strdup(&fs->ids, id);
	if (st)
		stat_cache_put(fs->sc, path, st, id);
	pthread_mutex_unlock(&fs->lock);
}

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

/* Appends the file to out and gives its id. */
static int read_id(struct source_fs *fs, const char *path, struct buf *out,
		   char id[DIGEST_HEX])
{
	char full[PATH_MAX_LEN];
	if (fs_path(fs, path, full, sizeof full) < 0)
		return -1;
	size_t before = out->len;
	struct stat st;
	if (buf_read_file_stat(out, full, &st) < 0)
		return -1;
	digest_hex(out->data + before, out->len - before, id);
	remember_id(fs, path, id, &st);
	return 0;
}

/* The id of path from the stat cache when st, its stat now, is the one
 * recorded; then kept for file_id. */
static bool kept_id_by(struct source_fs *fs, const char *path, const struct stat *st,
		       char id[DIGEST_HEX])
{
	pthread_mutex_lock(&fs->lock);
	bool hit = stat_cache_get(fs->sc, path, st, id);
	pthread_mutex_unlock(&fs->lock);
	if (hit)
		remember_id(fs, path, id, NULL);
	return hit;
}

/* The id of an unchanged file from the stat cache: one stat(2) instead
 * of reading and digesting it. stat, not lstat: the bytes read are the
 * link's target's. */
static bool kept_id(struct source_fs *fs, const char *path, char id[DIGEST_HEX])
{
	char full[PATH_MAX_LEN];
	struct stat st;
	if (!fs->sc || fs_path(fs, path, full, sizeof full) < 0 || stat(full, &st) < 0)
		return false;
	return kept_id_by(fs, path, &st, id);
}

/* A regular file's lstat is its stat: the walk's stat serves file_id. */
static void fs_stat_seen(struct source *s, const char *path, const struct stat *st)
{
	struct source_fs *fs = (struct source_fs *)s;
	char id[DIGEST_HEX];
	if (fs->sc && S_ISREG(st->st_mode))
		kept_id_by(fs, path, st, id);
}

static int fs_read(struct source *s, const char *path, struct buf *out)
{
	char id[DIGEST_HEX];
	return read_id((struct source_fs *)s, path, out, id);
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
		/* the entry's type from readdir; a stat (which follows a
		 * symbolic link) only when it does not say: the themes are
		 * listed for every portal's cache key */
		bool is_dir = e->d_type == DT_DIR;
		struct stat st;
		if (e->d_type != DT_DIR && e->d_type != DT_REG) {
			if (stat(sub, &st) < 0)
				continue;
			is_dir = S_ISDIR(st.st_mode);
		}
		if (len == cap) {
			cap = cap ? cap * 2 : 32;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[len].name = xstrdup(e->d_name);
		v[len].is_dir = is_dir;
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
	struct source_fs *fs = (struct source_fs *)s;
	pthread_mutex_lock(&fs->lock);
	const struct strmap_slot *sl = strmap_get(&fs->ids, path, strlen(path));
	bool known = sl && sl->val;     /* the slot may move once unlocked */
	if (known)
		memcpy(id, sl->val, 41);
	pthread_mutex_unlock(&fs->lock);
	if (known || kept_id(fs, path, id))
		return 0;
	struct buf b;
	buf_init(&b, 0);
	int rc = read_id(fs, path, &b, id);
	buf_free(&b);
	return rc;
}

static void fs_close(struct source *s)
{
	struct source_fs *fs = (struct source_fs *)s;
	strmap_free(&fs->ids);
	pthread_mutex_destroy(&fs->lock);
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
	return source_fs_open_kept(root, NULL);
}

struct source *source_fs_open_kept(const char *root, struct stat_cache *sc)
{
	struct source_fs *fs = xcalloc(1, sizeof *fs);
	fs->root = xstrdup(root && *root ? root : ".");
	pthread_mutex_init(&fs->lock, NULL);
	strmap_init(&fs->ids, ID_MAX_FILES);
	fs->sc = sc;
	fs->s.read = fs_read;
	fs->s.list = fs_list;
	fs->s.file_id = fs_file_id;
	fs->s.stat_seen = fs_stat_seen;
	fs->s.close = fs_close;
	fs->s.label = "working tree";
	fs->s.commit = NULL;
	fs->s.commit_time = 0;
	return &fs->s;
}
