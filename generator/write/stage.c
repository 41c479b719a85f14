/* stage.c - the previous site as the next build's staging tree (stage.h).
 *
 * The marker, one line each:
 *   sitegen-stage 2
 *   tree old|new            the staging tree, then the deployed one
 *   root <dev> <ino>
 *   top <ino> <name>        its top-level entries but dot files, sorted
 *   dir <ino> <mtime> <rel> every directory below, from the build's paths,
 *   list <ino> <mtime> <digest> <rel>   or so when its mtime is not older
 *                           than the marker (see below)
 *   changed <rel>           a path where the two trees differ
 *   end <crc>               CRC-32 of all lines before, 8 hex digits
 * The check reads the marker, computes the same lines for the trees as
 * they are now (the directories recorded stat'ed again, those of "list"
 * lines read again, the top levels read again) and compares. A "changed"
 * line cannot be recomputed: it is what the last build did. The CRC finds
 * one lost or altered by damage (a path no longer named would keep the
 * staging tree's stale file in the next site; fuzz_stage found that a
 * line cut in two passed), and a line of no known kind makes the marker
 * invalid. Like the page cache's CRC it is there for damage, not for an
 * attacker (crc.h).
 *
 * Why "list": the kernel stamps a directory's mtime from a coarse clock
 * (it advances every few ms), so an entry added, removed or renamed in
 * the clock tick of the directory's last change leaves the mtime as it
 * was. The marker's own temporary file is created first and its mtime
 * taken as the filesystem's clock T (same filesystem, same clock and
 * granularity as the directories'). A directory whose mtime is older than
 * T gets a later one from any change after that, so its mtime is enough.
 * One whose mtime is not older (its last change fell in T's tick) also
 * gets a digest of its entries, name and inode number each, which any
 * entry added, removed, renamed or replaced by another file changes, in
 * whatever tick. Reading every directory's entries instead would cost
 * 3-4 ms per tree of 8,700 files, four times in a build (claim and keep,
 * two trees each); a one-edit build leaves few directories in T's tick.
 * Not seen (as before): a directory's mtime set back by hand, or the clock
 * set back so far that a change gets a recorded mtime again; and an entry
 * replaced by another under its name in T's tick that gets the inode
 * number the old one freed (ext4 reuses them, tmpfs does not). A file's
 * bytes edited in place are not seen either: an unchanged file is the
 * deployed file's inode, so the edit is the deployed site's too, and a
 * changed path is written or linked anew by the next build anyway. */
#include "stage.h"
#include "crc.h"
#include "../util/buf.h"
#include "../util/digest.h"
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
#define STAGE_ENTRIES_MAX 1000000           /* entries of one listed directory */
#define STAGE_MAGIC "sitegen-stage 3\n"     /* 2 had no CRC: not taken */

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

/* The digest of the entries of the directory at path: "<ino> <name>" of
 * each (but . and ..), sorted (any fixed order compares), NUL after each
 * (a name may hold a newline, never a NUL). */
static int entries_digest(const char *path, char out[DIGEST_HEX])
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char **v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	for (;;) {
		errno = 0;
		if (!(e = readdir(d))) {
			rc = errno ? -1 : 0;
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n >= STAGE_ENTRIES_MAX) {
			rc = -1;
			break;
		}
		char ino[24];
		int w = snprintf(ino, sizeof ino, "%llu ", (unsigned long long)e->d_ino);
		if (w < 0 || (size_t)w >= sizeof ino) {
			rc = -1;
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, cap * sizeof *v);
		}
		size_t len = strlen(e->d_name);
		v[n] = xmalloc((size_t)w + len + 1);
		memcpy(v[n], ino, (size_t)w);
		memcpy(v[n] + w, e->d_name, len + 1);
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof *v, cmp_str);
	struct digest dg;
	digest_init(&dg);
	for (size_t i = 0; i < n; i++) {
		digest_update(&dg, v[i], strlen(v[i]) + 1);
		free(v[i]);
	}
	free(v);
	digest_final(&dg, out);
	return rc;
}

/* The line of the directory root/rel: "dir", or "list" with the digest of
 * its entries. The entries are read before the stat: an entry changed
 * between the two changes the mtime recorded or the digest, not neither. */
static int dir_line(struct buf *b, const char *root, const char *rel, size_t len, int list)
{
	char path[STAGE_PATH_MAX], dg[DIGEST_HEX];
	struct stat st;
	int w = snprintf(path, sizeof path, "%s/%.*s", root, (int)len, rel);
	if (w < 0 || (size_t)w >= sizeof path || (list && entries_digest(path, dg) < 0) ||
	    lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return -1;
	if (list)
		return buf_printf(b, "list %llu %lld.%09ld %s %.*s\n",
				  (unsigned long long)st.st_ino, (long long)st.st_mtim.tv_sec,
				  st.st_mtim.tv_nsec, dg, (int)len, rel);
	return buf_printf(b, "dir %llu %lld.%09ld %.*s\n", (unsigned long long)st.st_ino,
			  (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (int)len, rel);
}

/* Is the mtime of the directory root/rel not older than t (the marker's
 * clock), so that a change in t's tick could leave it as it is? When it
 * cannot be stat'ed, dir_line fails anyway. */
static int in_tick(const char *root, const char *rel, const struct timespec *t)
{
	char path[STAGE_PATH_MAX];
	struct stat st;
	int w = snprintf(path, sizeof path, "%s/%s", root, rel);
	if (w < 0 || (size_t)w >= sizeof path || lstat(path, &st) < 0)
		return 1;
	return st.st_mtim.tv_sec > t->tv_sec ||
	       (st.st_mtim.tv_sec == t->tv_sec && st.st_mtim.tv_nsec >= t->tv_nsec);
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

/* The lines of one tree; t is the marker's clock. */
static int tree_lines(struct buf *b, const char *tag, const char *root,
		      const struct pathtab *pt, uint8_t want, const struct timespec *t)
{
	char **dirs;
	size_t n = tree_dirs(pt, want, &dirs);
	int rc = buf_printf(b, "tree %s\n", tag);
	if (rc == 0)
		rc = top_lines(b, root);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = dir_line(b, root, dirs[i], strlen(dirs[i]),
				      in_tick(root, dirs[i], t));
		free(dirs[i]);
	}
	free(dirs);
	return rc;
}

/* The marker's temporary file in dir (its name in tmp, n bytes), created
 * anew: its mtime is the filesystem's clock now, in *t. The descriptor,
 * or -1. */
static int marker_create(const char *dir, char *tmp, size_t n, struct timespec *t)
{
	int w = snprintf(tmp, n, "%s/%s.new", dir, STAGE_NAME);
	if (w < 0 || (size_t)w >= n)
		return -1;
	/* O_EXCL: opening a file left by a crash would not stamp it anew */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) < 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (fd >= 0)
		*t = st.st_mtim;
	return fd;
}


int stage_keep(const char *dest, const char *old, const struct pathtab *t)
{
	char prev[STAGE_PATH_MAX], path[STAGE_PATH_MAX], tmp[STAGE_PATH_MAX];
	int w = snprintf(path, sizeof path, "%s/%s", old, STAGE_NAME);
	if (stage_path(dest, prev, sizeof prev) < 0 || w < 0 || (size_t)w >= sizeof path)
		return -1;
	/* The marker is written aside and renamed (whole or absent); its file
	 * comes first, for the clock the directories are compared with. */
	struct timespec clock;
	int fd = marker_create(old, tmp, sizeof tmp, &clock);
	if (fd < 0)
		return -1;
	struct buf b;
	buf_init(&b, STAGE_MAX);
	int rc = buf_puts(&b, STAGE_MAGIC);
	if (rc == 0)
		rc = tree_lines(&b, "old", old, t, PT_OLD, &clock);
	if (rc == 0)
		rc = tree_lines(&b, "new", dest, t, PT_NEW, &clock);
	for (uint32_t i = 0; i < t->n && rc == 0; i++) {
		uint8_t f = pathtab_at(t, i)->flags;
		if ((f & (PT_NEW | PT_WRITTEN)) == (PT_NEW | PT_WRITTEN) ||
		    (f & (PT_OLD | PT_NEW)) == PT_OLD)
			rc = buf_printf(&b, "changed %s\n", pathtab_name(t, i));
	}
	if (rc == 0)
		rc = crc_end_line(&b);
	if (rc == 0)
		rc = write_all(fd, b.data, b.len);
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc < 0)
		unlink(tmp);
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

/* The marker's lines (but its end line) recomputed for the trees as they
 * are now (old at tmp, new at dest); the changed paths flagged in t on
 * the way. -1 at a line of no known kind. */
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
		} else if (!strncmp(l, "dir ", 4) || !strncmp(l, "list ", 5)) {
			/* "dir <ino> <mtime> <rel>", "list <ino> <mtime>
			 * <digest> <rel>": rel after the fields */
			int list = l[0] == 'l';
			const char *s = l + 4 + list;
			for (int k = 0; k < 2 + list && s; k++) {
				s = memchr(s, ' ', (size_t)(nl - s));
				s = s ? s + 1 : NULL;
			}
			rc = root && s && safe_rel(s, (size_t)(nl - s)) ?
				dir_line(now, root, s, (size_t)(nl - s), list) : -1;
		} else if (!strncmp(l, "changed ", 8)) {
			uint32_t i = safe_rel(l + 8, len - 8) ?
				pathtab_add(t, l + 8, len - 8) : PT_NONE;
			if (i == PT_NONE)
				return -1;
			pathtab_at(t, i)->flags |= PT_STALE;
			rc = buf_append(now, l, len + 1);
		} else if ((len == 8 && (!strncmp(l, "tree old", 8) ||
					 !strncmp(l, "tree new", 8))) ||
			   (l == marker && len + 1 == strlen(STAGE_MAGIC) &&
			    !strncmp(l, STAGE_MAGIC, len + 1))) {
			rc = buf_append(now, l, len + 1);
		} else {
			return -1;
		}
		l = nl + 1;
	}
	return rc;
}

/* Is m a whole marker: the magic first, no NUL, and last "end <crc>"
 * with the CRC-32 of all before it? Then m is cut before that line. */
static int whole(struct buf *m)
{
	if (m->len < strlen(STAGE_MAGIC) + CRC_END_LEN || strlen(m->data) != m->len ||
	    strncmp(m->data, STAGE_MAGIC, strlen(STAGE_MAGIC)) != 0)
		return 0;
	size_t body = m->len - CRC_END_LEN;
	if (m->data[body - 1] != '\n' || !crc_end_ok(m->data, m->len))
		return 0;
	m->data[body] = '\0';
	m->len = body;
	return 1;
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
	int ok = buf_read_file(&m, path) == 0 && whole(&m) &&
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
