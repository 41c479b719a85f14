/* fingerprint.c - see fingerprint.h */
#include "fingerprint.h"
#include "crc.h"
#include "../util/buf.h"
#include "../util/digest.h"
#include "../util/digits.h"
#include "../util/racy.h"
#include "../util/arena.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <time.h>
#include <unistd.h>

#define FP_PATH_MAX 4096
#define FP_MAX_DEPTH 32
#define FP_MAX ((size_t)64 << 20)

/* One entry: "<tag> <mode, octal> <dev> <ino> <size> <mtime s.ns> <ctime
 * s.ns> <path>\n", as printf's "%s %o %llu %llu %lld %lld.%09ld
 * %lld.%09ld %s\n" would write it (line_stat reads it back), without
 * printf: its two passes over the format were a seventh of the walk of
 * ~830 inputs that every build begins with. */
static int put_stat(struct buf *b, const char *tag, const char *path, const struct stat *st)
{
	if (st->st_mtim.tv_nsec < 0 || st->st_mtim.tv_nsec > 999999999 ||
	    st->st_ctim.tv_nsec < 0 || st->st_ctim.tv_nsec > 999999999 || strlen(tag) > 8)
		return buf_printf(b, "%s %o %llu %llu %lld %lld.%09ld %lld.%09ld %s\n", tag,
				  (unsigned)st->st_mode, (unsigned long long)st->st_dev,
				  (unsigned long long)st->st_ino, (long long)st->st_size,
				  (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
				  (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec, path);
	char head[160], *p = head;
	size_t tl = strlen(tag);
	memcpy(p, tag, tl);
	p += tl;
	*p++ = ' ';
	p = put_uint(p, (unsigned)st->st_mode, 8);
	*p++ = ' ';
	p = put_uint(p, (unsigned long long)st->st_dev, 10);
	*p++ = ' ';
	p = put_uint(p, (unsigned long long)st->st_ino, 10);
	*p++ = ' ';
	p = put_int(p, (long long)st->st_size);
	*p++ = ' ';
	p = put_stamp(p, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	*p++ = ' ';
	p = put_stamp(p, (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
	*p++ = ' ';
	return buf_append(b, head, (size_t)(p - head)) | buf_puts(b, path) | buf_putc(b, '\n');
}

/* Racily clean inputs (util/racy.h): written again in the tick in which
 * this identity is taken, the build may read either version while the
 * identity stays the same, and the next build would take its site for
 * current. An input changed within RACY_NS of now leaves this build
 * without an identity: it is a real build, it records none, and so is
 * the next one (each rendering only what changed). */

static long long ns_of(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* Where a walk notes the regular files it stats (fp_opts.files): the
 * offset of each one's line in the identity's text, which fp_files
 * keeps. Nothing else is copied: a skipped build pays for the notes. */
#define FP_FILES_MAX 1000000

static void note_file(struct fp_files *f, size_t at, const struct stat *st)
{
	if (!f || !S_ISREG(st->st_mode) || at > UINT32_MAX)
		return;
	if (f->n == f->cap) {
		if (f->cap >= FP_FILES_MAX)
			return;     /* not noted: the loader stats them */
		f->cap = f->cap ? f->cap * 2 : 1024;
		f->at = xrealloc(f->at, f->cap * sizeof *f->at);
	}
	f->at[f->n++] = (uint32_t)at;
}

void fp_files_init(struct fp_files *f)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->text, 0);
}

/* The next number of a put_stat line, in base (8 or 10), and the byte
 * after it must be end; false when it is not there. */
static bool field(const char **p, int base, char end, unsigned long long *v)
{
	char *e;
	errno = 0;
	*v = strtoull(*p, &e, base);
	if (errno || e == *p || *e != end)
		return false;
	*p = e + 1;
	return true;
}

static bool stamp(const char **p, char end, struct timespec *t)
{
	unsigned long long s, ns;
	if (**p == '-' || !field(p, 10, '.', &s) || !field(p, 10, end, &ns) ||
	    s > (unsigned long long)LLONG_MAX || ns >= 1000000000ULL)
		return false;
	t->tv_sec = (time_t)s;
	t->tv_nsec = (long)ns;
	return true;
}

/* A line "in <mode> <dev> <ino> <size> <mtime> <ctime> <path>\n" back
 * to a stat and its path below the walked directory. */
static bool line_stat(const char *line, size_t base, struct stat *st, const char **rest,
		      size_t *len)
{
	unsigned long long mode, dev, ino, size;
	const char *p = line + 3;
	memset(st, 0, sizeof *st);
	if (strncmp(line, "in ", 3) != 0 || !field(&p, 8, ' ', &mode) ||
	    !field(&p, 10, ' ', &dev) || !field(&p, 10, ' ', &ino) || *p == '-' ||
	    !field(&p, 10, ' ', &size) || !stamp(&p, ' ', &st->st_mtim) ||
	    !stamp(&p, ' ', &st->st_ctim))
		return false;
	const char *nl = strchr(p, '\n');
	if (!nl || (size_t)(nl - p) < base)
		return false;
	st->st_mode = (mode_t)mode;
	st->st_dev = (dev_t)dev;
	st->st_ino = (ino_t)ino;
	st->st_size = (off_t)size;
	*rest = p + base;
	*len = (size_t)(nl - p) - base;
	return true;
}

void fp_files_tell(const struct fp_files *f, struct source *src)
{
	for (size_t i = 0; src->stat_seen && f->rel && i < f->n; i++) {
		struct stat st;
		const char *rest;
		size_t len;
		char rel[FP_PATH_MAX];
		if (!line_stat(f->text.data + f->at[i], f->base, &st, &rest, &len))
			continue;
		int w = snprintf(rel, sizeof rel, "%s%.*s", f->rel, (int)len, rest);
		if (w > 0 && (size_t)w < sizeof rel)
			src->stat_seen(src, rel, &st);
	}
}

void fp_files_free(struct fp_files *f)
{
	free(f->at);
	buf_free(&f->text);
	fp_files_init(f);
}

/* Every entry below dir, depth first; a missing directory is recorded as
 * missing (the build will say what is wrong). *young: the newest mtime
 * or ctime seen, in ns. */
static int walk_inputs(struct buf *b, char *path, size_t len, int depth, long long *young,
		       struct fp_files *files)
{
	DIR *d = depth < FP_MAX_DEPTH ? opendir(path) : NULL;
	if (!d)
		return buf_printf(b, "missing %s %d\n", path, errno);
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int w = snprintf(path + len, FP_PATH_MAX - len, "/%s", e->d_name);
		struct stat st;
		/* relative to the open directory: the kernel does not walk the
		 * whole path again for each of ~1,000 entries */
		if (w < 0 || (size_t)w >= FP_PATH_MAX - len ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = -1;
			break;
		}
		size_t at = b->len;
		rc = put_stat(b, "in", path, &st);
		if (rc == 0)
			note_file(files, at, &st);
		long long m = ns_of(&st.st_mtim), c = ns_of(&st.st_ctim);
		*young = m > *young ? m : *young;
		*young = c > *young ? c : *young;
		if (rc == 0 && S_ISDIR(st.st_mode))
			rc = walk_inputs(b, path, len + (size_t)w, depth + 1, young, files);
		path[len] = '\0';
	}
	closedir(d);
	return rc;
}

static int add_dir(struct buf *b, const char *dir, long long *young, struct fp_files *files)
{
	char path[FP_PATH_MAX];
	int w = snprintf(path, sizeof path, "%s", dir);
	if (w < 0 || (size_t)w >= sizeof path)
		return -1;
	return walk_inputs(b, path, (size_t)w, 0, young, files);
}

/* Was an input changed (young: the newest mtime or ctime) within RACY_NS
 * of now? Without a clock, yes. */
static bool racy(long long young)
{
	struct timespec now;
	return clock_gettime(CLOCK_REALTIME, &now) < 0 || young >= ns_of(&now) - RACY_NS;
}

static int add_object(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	struct buf *b = ctx;
	const char *name = info->dlpi_name;
	struct stat st;
	if (!name || !*name)
		return 0;       /* the main program: /proc/self/exe below */
	if (stat(name, &st) < 0)
		return buf_printf(b, "lib ? %s\n", name) < 0 ? 1 : 0;
	return put_stat(b, "lib", name, &st) < 0 ? 1 : 0;
}

static int add_binary(struct buf *b)
{
	char exe[FP_PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	struct stat st;
	if (n <= 0 || stat("/proc/self/exe", &st) < 0)
		return -1;
	exe[n] = '\0';
	if (put_stat(b, "exe", exe, &st) < 0)
		return -1;
	return dl_iterate_phdr(add_object, b) == 0 ? 0 : -1;
}

static const char *s_or(const char *s)
{
	return s ? s : "(none)";
}

int fingerprint_compute(const struct fp_opts *o, const struct source *src, char id[41])
{
	struct buf b;
	buf_init(&b, FP_MAX);
	int rc = buf_printf(&b, "sitegen-fingerprint 1\ncmd %s\nref %s\nout %s\ndate %s\n"
			    "relay %s\nroot %s\ncontent %s\nthemes %s\n", s_or(o->cmd),
			    s_or(o->ref), s_or(o->out), s_or(o->date), s_or(o->relay_url),
			    s_or(o->root), s_or(o->content), s_or(o->themes));
	if (rc == 0)
		rc = add_binary(&b);
	if (rc == 0 && o->ref && *o->quick_commit) {
		rc = buf_printf(&b, "quick-commit %s\n", o->quick_commit);
	} else if (rc == 0 && o->ref) {
		/* A commit (or tree) names every blob the build reads. */
		rc = *o->tree_id && src ? buf_printf(&b, "commit %s\ntree %s\n", s_or(src->commit),
						     o->tree_id) : -1;
	} else if (rc == 0) {
		long long young = 0;
		struct fp_files *f = o->files && o->content ? o->files : NULL;
		rc = add_dir(&b, o->content_dir, &young, f);
		if (f) {
			f->rel = o->content;
			f->base = strlen(o->content_dir);
		}
		if (rc == 0)
			rc = add_dir(&b, o->themes_dir, &young, NULL);
		if (rc == 0 && racy(young))
			rc = -1;
	}
	if (rc == 0)
		digest_hex(b.data ? b.data : "", b.len, id);
	if (o->files && o->files->n) {
		buf_free(&o->files->text);
		o->files->text = b;     /* the lines the notes point into */
	} else {
		buf_free(&b);
	}
	return rc;
}

/* The state of the output tree, in two parts. The top directory: its
 * inode, and each entry's inode and mtime (and a file's size); the top
 * directory's own mtime changes when the fingerprint file is written, and
 * its dot files (the caches) are not part of the site. Then every
 * directory below: inode and mtime, which change when a file in it is
 * added, removed or renamed. A match reads only the top directory and
 * stats the directories recorded, instead of reading every directory. */
static int state_line(struct buf *b, const char *tag, const struct stat *st, const char *rel)
{
	if (S_ISDIR(st->st_mode))
		return buf_printf(b, "%s %llu %lld.%09ld %s\n", tag, (unsigned long long)st->st_ino,
				  (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, rel);
	/* Inode, size and mtime, not ctime: hard links change ctime. */
	return buf_printf(b, "top %llu %lld %lld.%09ld %s\n", (unsigned long long)st->st_ino,
			  (long long)st->st_size, (long long)st->st_mtim.tv_sec,
			  st->st_mtim.tv_nsec, rel);
}

static int top_state(struct buf *b, char *path, size_t len)
{
	DIR *d = opendir(path);
	struct stat st;
	if (!d)
		return -1;
	int rc = fstat(dirfd(d), &st) < 0 ? -1 :
		buf_printf(b, "root %llu\n", (unsigned long long)st.st_ino);
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int w = snprintf(path + len, FP_PATH_MAX - len, "/%s", e->d_name);
		if (w < 0 || (size_t)w >= FP_PATH_MAX - len || lstat(path, &st) < 0)
			rc = -1;
		else
			rc = state_line(b, "dir", &st, path + len);
		path[len] = '\0';
	}
	closedir(d);
	return rc;
}

/* Does a directory's link count on the filesystem of path say how many
 * directories it holds (2 + their number)? On tmpfs, ext2/3/4 and XFS
 * it does (ext4 gives 1 above 65,000, never 2 wrongly); btrfs gives 1,
 * and filesystems that are not known are read whole, as find(1)'s
 * -noleaf would. */
static bool nlink_counts_dirs(const char *path)
{
	struct statfs fs;
	if (statfs(path, &fs) < 0)
		return false;
	switch ((unsigned long)fs.f_type) {
	case TMPFS_MAGIC: case EXT4_SUPER_MAGIC: case XFS_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

/* Every directory below the top one (when recording). leaf: a directory
 * whose link count is 2 holds no directory and is not read (leistungen/
 * of each portal: 8,400 entries at 600 services, which took 3-5 ms of
 * every build that records its fingerprint). */
static int sub_dirs(struct buf *b, char *path, size_t len, size_t root_len, int depth,
		    bool leaf)
{
	DIR *d = depth < FP_MAX_DEPTH ? opendir(path) : NULL;
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (depth == 0 && e->d_name[0] == '.') ||
		    (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
			continue;
		int w = snprintf(path + len, FP_PATH_MAX - len, "/%s", e->d_name);
		struct stat st;
		/* relative to the open directory, as in walk_inputs */
		if (w < 0 || (size_t)w >= FP_PATH_MAX - len ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			rc = state_line(b, "sub", &st, path + root_len);
			if (rc == 0 && !(leaf && st.st_nlink == 2))
				rc = sub_dirs(b, path, len + (size_t)w, root_len, depth + 1, leaf);
		}
		path[len] = '\0';
	}
	closedir(d);
	return rc;
}

static int head(struct buf *b, const char *id, size_t files)
{
	return buf_printf(b, "sitegen-fingerprint 3\nid %s\nfiles %zu\n", id, files);
}


static int record(struct buf *b, const char *out, const char *id, size_t files)
{
	char path[FP_PATH_MAX];
	int w = snprintf(path, sizeof path, "%s", out);
	if (w < 0 || (size_t)w >= sizeof path || head(b, id, files) < 0 ||
	    top_state(b, path, (size_t)w) < 0)
		return -1;
	return sub_dirs(b, path, (size_t)w, (size_t)w, 0, nlink_counts_dirs(path)) < 0 ||
	       crc_end_line(b) < 0 ? -1 : 0;
}

/* The state now, checked against the recorded one (old): the top
 * directory read again, the recorded directories stat'ed again. */
static int state_now(struct buf *b, const char *out, const char *id, size_t files,
		     const char *old)
{
	char path[FP_PATH_MAX];
	int w = snprintf(path, sizeof path, "%s", out);
	if (w < 0 || (size_t)w >= sizeof path || head(b, id, files) < 0 ||
	    top_state(b, path, (size_t)w) < 0)
		return -1;
	for (const char *l = strstr(old, "\nsub "); l; l = strstr(l, "\nsub ")) {
		l++;
		const char *nl = strchr(l, '\n');
		const char *rel = memchr(l + 4, '/', nl ? (size_t)(nl - l - 4) : strlen(l + 4));
		/* "sub <ino> <mtime> /rel": the path starts at the first '/' */
		if (!nl || !rel || (size_t)(nl - rel) >= FP_PATH_MAX - (size_t)w - 1)
			return -1;
		memcpy(path + w, rel, (size_t)(nl - rel));
		path[w + (nl - rel)] = '\0';
		struct stat st;
		if (lstat(path, &st) < 0 || state_line(b, "sub", &st, path + w) < 0)
			return -1;
		l = nl;
	}
	return crc_end_line(b);
}

static int fp_path(const char *out, const char *suffix, char *path, size_t n)
{
	int w = snprintf(path, n, "%s/%s%s", out, FINGERPRINT_NAME, suffix);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int fingerprint_match(const char *out, const char *id, size_t *files)
{
	char path[FP_PATH_MAX];
	struct buf old, now;
	buf_init(&old, FP_MAX);
	buf_init(&now, FP_MAX);
	int same = 0;
	if (fp_path(out, "", path, sizeof path) == 0 && buf_read_file(&old, path) == 0) {
		const char *f = strstr(old.data, "\nfiles ");
		unsigned long long n = f ? strtoull(f + 7, NULL, 10) : 0;
		same = f && state_now(&now, out, id, (size_t)n, old.data) == 0 &&
		       now.len == old.len &&
		       memcmp(now.data, old.data, now.len) == 0;
		*files = (size_t)n;
	}
	buf_free(&old);
	buf_free(&now);
	return same;
}

int fingerprint_store(const char *out, const char *id, size_t files)
{
	char path[FP_PATH_MAX], tmp[FP_PATH_MAX];
	if (fp_path(out, "", path, sizeof path) < 0 || fp_path(out, ".new", tmp, sizeof tmp) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	struct buf b;
	buf_init(&b, FP_MAX);
	int rc = record(&b, out, id, files);
	if (rc == 0) {
		/* Written aside and renamed: never half a fingerprint. */
		FILE *f = fopen(tmp, "wb");
		rc = f ? 0 : -1;
		if (f && fwrite(b.data, 1, b.len, f) != b.len)
			rc = -1;
		if (f && (fflush(f) != 0 || ferror(f)))
			rc = -1;
		if (f && fclose(f) != 0)
			rc = -1;
		if (rc == 0)
			rc = rename(tmp, path);
		if (rc < 0)
			unlink(tmp);
	}
	buf_free(&b);
	return rc;
}

void fingerprint_forget(const char *out)
{
	char path[FP_PATH_MAX];
	if (fp_path(out, "", path, sizeof path) == 0)
		unlink(path);
}
