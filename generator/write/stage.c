/* stage.c - the previous site as the next build's staging tree (stage.h).
 *
 * The marker, one line each:
 *   sitegen-stage 1
 *   tree old|new            the staging tree, then the deployed one
 *   root <dev> <ino>
 *   top <ino> <name>        its top-level entries but dot files, sorted
 *   dir <ino> <mtime> <rel> every directory below, from the build's paths
 *   changed <rel>           a path where the two trees differ
 *   end
 * The check reads the marker, computes the same lines for the trees as
 * they are now (the directories recorded stat'ed again, the top levels
 * read again) and compares. */
#include "stage.h"
#include "../util/buf.h"
#include "../util/strmap.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGE_PATH_MAX 4096
#define STAGE_MAX ((size_t)64 << 20)        /* the marker, at most */
#define STAGE_TOP_MAX 100000                /* top-level entries, at most */
#define STAGE_DIRS_MAX 1000000

int stage_path(const char *dest, char *b, size_t n)
{
	int w = snprintf(b, n, "%s%s", dest, STAGE_SUFFIX);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "root" and the "top" lines of the tree at root, sorted (any fixed order
 * compares). */
static int top_lines(struct buf *b, const char *root)
{
	DIR *d = opendir(root);
	struct stat st;
	if (!d || fstat(dirfd(d), &st) < 0) {
		if (d)
			closedir(d);
		return -1;
	}
	int rc = buf_printf(b, "root %llu %llu\n", (unsigned long long)st.st_dev,
			    (unsigned long long)st.st_ino);
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;   /* ., .., the caches and the marker */
		char line[600];
		int w = fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -1 :
			snprintf(line, sizeof line, "top %llu %s\n",
				 (unsigned long long)st.st_ino, e->d_name);
		if (w < 0 || (size_t)w >= sizeof line || n >= STAGE_TOP_MAX) {
			rc = -1;
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[n++] = xstrdup(line);
	}
	closedir(d);
	qsort(v, n, sizeof *v, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = buf_puts(b, v[i]);
		free(v[i]);
	}
	free(v);
	return rc;
}

/* The "dir" line of root/rel. */
static int dir_line(struct buf *b, const char *root, const char *rel, size_t len)
{
	char path[STAGE_PATH_MAX];
	struct stat st;
	int w = snprintf(path, sizeof path, "%s/%.*s", root, (int)len, rel);
	if (w < 0 || (size_t)w >= sizeof path || lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return -1;
	return buf_printf(b, "dir %llu %lld.%09ld %.*s\n", (unsigned long long)st.st_ino,
			  (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (int)len, rel);
}

/* Every directory holding a file of t flagged want (and its ancestors),
 * sorted: the directories of one tree. NULL-free array in *out. */
static size_t tree_dirs(const struct pathtab *t, uint8_t want, char ***out)
{
	struct strmap m;
	strmap_init(&m, STAGE_DIRS_MAX);
	for (uint32_t i = 0; i < t->n; i++) {
		if (!(pathtab_at(t, i)->flags & want))
			continue;
		const char *name = pathtab_name(t, i);
		/* each ancestor: "a", "a/b" of "a/b/c.html" */
		for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
			bool added;
			if (!strmap_put(&m, name, (size_t)(s - name), &added))
				break;
		}
	}
	char **v = xcalloc(m.n + 1, sizeof *v);
	size_t n = 0;
	const struct strmap_slot *sl;
	for (size_t i = 0; (sl = strmap_next(&m, &i));)
		v[n++] = xstrdup(sl->key);
	strmap_free(&m);
	qsort(v, n, sizeof *v, cmp_str);
	*out = v;
	return n;
}

static int tree_lines(struct buf *b, const char *tag, const char *root,
		      const struct pathtab *t, uint8_t want)
{
	char **dirs;
	size_t n = tree_dirs(t, want, &dirs);
	int rc = buf_printf(b, "tree %s\n", tag);
	if (rc == 0)
		rc = top_lines(b, root);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = dir_line(b, root, dirs[i], strlen(dirs[i]));
		free(dirs[i]);
	}
	free(dirs);
	return rc;
}

/* Written aside and renamed: a marker is whole or absent. */
static int write_marker(const char *dir, const struct buf *b)
{
	char path[STAGE_PATH_MAX], tmp[STAGE_PATH_MAX];
	int w1 = snprintf(path, sizeof path, "%s/%s", dir, STAGE_NAME);
	int w2 = snprintf(tmp, sizeof tmp, "%s/%s.new", dir, STAGE_NAME);
	if (w1 < 0 || (size_t)w1 >= sizeof path || w2 < 0 || (size_t)w2 >= sizeof tmp)
		return -1;
	FILE *f = fopen(tmp, "we");
	int rc = f ? 0 : -1;
	if (f && fwrite(b->data, 1, b->len, f) != b->len)
		rc = -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int stage_keep(const char *dest, const char *old, const struct pathtab *t)
{
	char prev[STAGE_PATH_MAX];
	if (stage_path(dest, prev, sizeof prev) < 0)
		return -1;
	struct buf b;
	buf_init(&b, STAGE_MAX);
	int rc = buf_puts(&b, "sitegen-stage 1\n");
	if (rc == 0)
		rc = tree_lines(&b, "old", old, t, PT_OLD);
	if (rc == 0)
		rc = tree_lines(&b, "new", dest, t, PT_NEW);
	for (uint32_t i = 0; i < t->n && rc == 0; i++) {
		uint8_t f = pathtab_at(t, i)->flags;
		if ((f & (PT_NEW | PT_WRITTEN)) == (PT_NEW | PT_WRITTEN) ||
		    (f & (PT_OLD | PT_NEW)) == PT_OLD)
			rc = buf_printf(&b, "changed %s\n", pathtab_name(t, i));
	}
	if (rc == 0)
		rc = buf_puts(&b, "end\n");
	if (rc == 0)
		rc = write_marker(old, &b);
	buf_free(&b);
	/* rename(2) does not replace a directory that has entries: when
	 * another build kept one meanwhile, that one stays. */
	return rc == 0 ? rename(old, prev) : -1;
}

/* A relative path the marker may name: no climbing out, no absolute. */
static int safe_rel(const char *rel, size_t len)
{
	if (len == 0 || len > 1024 || rel[0] == '/')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (rel[i] == '\0')
			return 0;
		if ((i == 0 || rel[i - 1] == '/') && rel[i] == '.' &&
		    (i + 1 == len || rel[i + 1] == '/' ||
		     (rel[i + 1] == '.' && (i + 2 == len || rel[i + 2] == '/'))))
			return 0;
	}
	return 1;
}

/* The marker's lines recomputed for the trees as they are now (old at
 * tmp, new at dest); the changed paths flagged in t on the way. */
static int state_now(const char *marker, const char *dest, const char *tmp,
		     struct pathtab *t, struct buf *now)
{
	const char *root = NULL;
	int rc = 0;
	for (const char *l = marker; rc == 0 && *l;) {
		const char *nl = strchr(l, '\n');
		if (!nl)
			return -1;
		size_t len = (size_t)(nl - l);
		if (len == 8 && !strncmp(l, "tree old", 8))
			root = tmp;
		else if (len == 8 && !strncmp(l, "tree new", 8))
			root = dest;
		if (!strncmp(l, "root ", 5)) {
			rc = root ? top_lines(now, root) : -1;
		} else if (!strncmp(l, "top ", 4)) {
			;   /* recomputed with its root line */
		} else if (!strncmp(l, "dir ", 4)) {
			/* "dir <ino> <mtime> <rel>": rel after the third space */
			const char *s = memchr(l + 4, ' ', len - 4);
			s = s ? memchr(s + 1, ' ', (size_t)(nl - s - 1)) : NULL;
			rc = root && s && safe_rel(s + 1, (size_t)(nl - s - 1)) ?
				dir_line(now, root, s + 1, (size_t)(nl - s - 1)) : -1;
		} else if (!strncmp(l, "changed ", 8)) {
			uint32_t i = safe_rel(l + 8, len - 8) ?
				pathtab_add(t, l + 8, len - 8) : PT_NONE;
			if (i == PT_NONE)
				return -1;
			pathtab_at(t, i)->flags |= PT_STALE;
			rc = buf_append(now, l, len + 1);
		} else {
			rc = buf_append(now, l, len + 1);
		}
		l = nl + 1;
	}
	return rc;
}

/* Is the claimed tree at tmp what its marker says, beside dest? */
static int valid(const char *dest, const char *tmp, struct pathtab *t)
{
	char path[STAGE_PATH_MAX];
	int w = snprintf(path, sizeof path, "%s/%s", tmp, STAGE_NAME);
	if (w < 0 || (size_t)w >= sizeof path)
		return 0;
	struct buf m, now;
	buf_init(&m, STAGE_MAX);
	buf_init(&now, STAGE_MAX);
	int ok = buf_read_file(&m, path) == 0 && m.len > 20 &&
		 strncmp(m.data, "sitegen-stage 1\n", 16) == 0 &&
		 strlen(m.data) == m.len && m.len >= 4 &&
		 strcmp(m.data + m.len - 4, "end\n") == 0 &&
		 state_now(m.data, dest, tmp, t, &now) == 0 &&
		 now.len == m.len && memcmp(now.data, m.data, m.len) == 0;
	buf_free(&m);
	buf_free(&now);
	return ok;
}

/* Removes the tree at name below dirfd: d_type tells directories from
 * files, so no entry is stat'ed. */
static int rm_at(int dirfd, const char *name, int depth)
{
	int fd = depth < 64 ? openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				     O_CLOEXEC) : -1;
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		unsigned char type = e->d_type;
		struct stat st;
		if (type == DT_UNKNOWN && fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
		if (type == DT_DIR && rm_at(fd, e->d_name, depth + 1) < 0)
			rc = -1;
		else if (unlinkat(fd, e->d_name, type == DT_DIR ? AT_REMOVEDIR : 0) < 0 &&
			 errno != ENOENT)
			rc = -1;
	}
	closedir(dir);
	return rc;
}

int stage_rm_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if (rm_at(AT_FDCWD, path, 0) < 0)
		return -1;
	return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Forgets the PT_STALE flags of a claim that failed half-way. */
static void unflag(struct pathtab *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		pathtab_at(t, i)->flags &= (uint8_t)~PT_STALE;
}

int stage_claim(const char *dest, const char *tmp, struct pathtab *t)
{
	char prev[STAGE_PATH_MAX];
	struct stat st;
	if (stage_path(dest, prev, sizeof prev) < 0)
		return 0;
	/* Without a deployed tree there is nothing to stage against, now or
	 * later (a new one is another tree): a staging tree left goes. */
	if (lstat(dest, &st) < 0) {
		if (errno == ENOENT)
			stage_rm_tree(prev);
		return 0;
	}
	if (!S_ISDIR(st.st_mode) || rename(prev, tmp) < 0)
		return 0;
	if (valid(dest, tmp, t))
		return 1;
	unflag(t);
	stage_rm_tree(tmp);
	return 0;
}

int stage_unmark(const char *tmp)
{
	char path[STAGE_PATH_MAX];
	int w = snprintf(path, sizeof path, "%s/%s", tmp, STAGE_NAME);
	if (w < 0 || (size_t)w >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

void stage_release(const char *dest, const char *tmp)
{
	char prev[STAGE_PATH_MAX];
	if (stage_path(dest, prev, sizeof prev) < 0 || rename(tmp, prev) < 0)
		stage_rm_tree(tmp);
}
