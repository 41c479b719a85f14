/* output.c - atomic site output (see output.h). */
#include "output.h"
#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/lock.h"
#include "../util/mapfile.h"
#include "../util/strmap.h"
#include "crc.h"
#include "links.h"
#include "pathtab.h"
#include "fingerprint.h"
#include "stage.h"
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_PATH_MAX 4096
#define OUT_MAX_FILES 1000000
#define OUT_STR_(x) #x
#define OUT_STR(x) OUT_STR_(x)
/* the files of both trees and the link targets of this build */
#define OUT_MAX_PATHS (3 * OUT_MAX_FILES)

#define CACHE_NAME ".sitegen-cache"

struct output {
	char *dest, *tmp;
	int dry_run;
	pthread_mutex_t lock;
	/* Every path the build meets, once: files of this build and of the
	 * deployed tree, link targets, their cache keys (pathtab.h). */
	struct pathtab paths;
	size_t files;           /* paths claimed by this build */
	struct strmap outside;  /* a link that leaves the site -> a page citing it */
	size_t written, unchanged, skipped;
	/* Unchanged files are linked into the new tree only once something
	 * changed (materialized); until then they wait (PT_PENDING), so a
	 * rebuild that changes nothing touches no file at all. */
	int materialized;
	/* tmp is the previous site, claimed as the staging tree (stage.h):
	 * only the paths flagged PT_STALE and this build's changes differ
	 * from the deployed tree, every other file is already there. */
	int staged;
	struct diags *d;        /* diagnostics of the writes (under lock) */
	int failed;
};

/* A file of the deployed tree (when the table is full it is only
 * rendered again, and not counted as removed). */
static void add_old(struct output *o, const char *rel)
{
	uint32_t i = pathtab_add(&o->paths, rel, strlen(rel));
	if (i != PT_NONE)
		pathtab_at(&o->paths, i)->flags |= PT_OLD;
}

/* Regular files of the deployed tree below path (rel: their relative
 * prefix) into o->paths, without keys yet: one readdir per directory, no
 * stat per file. The caches are not part of the site. */
static void scan_old(struct output *o, char *path, size_t len, size_t prefix, int depth)
{
	DIR *dir = depth < 64 ? opendir(path) : NULL;
	if (!dir)
		return;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int w = snprintf(path + len, OUT_PATH_MAX - len, "/%s", e->d_name);
		if (w < 0 || (size_t)w >= OUT_PATH_MAX - len)
			continue;
		unsigned char type = e->d_type;
		struct stat st;
		if (type == DT_UNKNOWN && lstat(path, &st) == 0)
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
		if (type == DT_DIR)
			scan_old(o, path, len + (size_t)w, prefix, depth + 1);
		else if (type == DT_REG && strcmp(path + prefix, CACHE_NAME) != 0 &&
			 strcmp(path + prefix, FINGERPRINT_NAME) != 0 &&
			 strcmp(path + prefix, STAGE_NAME) != 0)
			add_old(o, path + prefix);
		path[len] = '\0';
	}
	closedir(dir);
}

/* One line of the cache, [s, s + n) without its '\n': "<40 hex key>
 * <relpath>" for a page, "- <relpath>" for another file of the build.
 * The path and its length (*len); with key given the key in it when
 * keyed (*keyed). NULL for a line of neither form. */
static const char *cache_line(const char *s, size_t n, unsigned char *key, int *keyed,
			      size_t *len)
{
	*keyed = 0;
	if (n > 41 && s[40] == ' ') {
		*keyed = !key || pathtab_key_parse_n(s, key) == 0;
		*len = n - 41;
		return s + 41;
	}
	if (n <= 2 || s[0] != '-' || s[1] != ' ')
		return NULL;
	*len = n - 2;
	return s + 2;
}

static int valid_rel_n(const char *rel, size_t len);

/* The cache file, mapped (util/mapfile.h): at 84,000 pages it is 8 MB.
 * -1, m empty, when there is none. */
static int map_cache(const char *dest, struct mapped *m)
{
	char path[OUT_PATH_MAX];
	int w = snprintf(path, sizeof path, "%s/%s", dest, CACHE_NAME);
	if (w < 0 || (size_t)w >= sizeof path) {
		m->p = NULL;
		m->len = 0;
		return -1;
	}
	return map_file(path, SIZE_MAX, m);
}

/* The next line of m at *at, without its '\n' (*n), or NULL at the end;
 * *nl says whether a '\n' ended it. */
static const char *next_line(const struct mapped *m, size_t *at, size_t *n, int *nl)
{
	if (*at >= m->len)
		return NULL;
	const char *s = (const char *)m->p + *at;
	const char *e = memchr(s, '\n', m->len - *at);
	*nl = e != NULL;
	*n = e ? (size_t)(e - s) : m->len - *at;
	*at += *n + (size_t)*nl;
	return s;
}

/* Is m a whole cache: lines of the two forms, then "files <n> <crc>",
 * n the number of lines before it and crc their checksum? Its
 * paths become the deployed tree's files, and a file the new build does
 * not have is removed from the staging tree by that path: a cache
 * changed anywhere (a line lost, cut or altered: a file left out would
 * stay deployed) or naming a path that is absolute or climbs out ("../")
 * is not whole, and the directories are read instead. *lines and *bytes:
 * its paths' number and length. */
static int cache_whole(const struct mapped *m, size_t *lines, size_t *bytes)
{
	size_t at = 0, n, len, count = 0, sum_len = 0;
	int nl, keyed;
	const char *s;
	while ((s = next_line(m, &at, &n, &nl))) {
		if (!nl)
			return 0;       /* cut */
		if (n >= 6 && memcmp(s, "files ", 6) == 0) {
			/* the last line: the count and the checksum of all before */
			char tail[64], sum[CRC_HEX], *e;
			if (at != m->len || n >= sizeof tail)
				return 0;
			memcpy(tail, s, n);
			tail[n] = '\0';
			errno = 0;
			unsigned long long v = strtoull(tail + 6, &e, 10);
			crc_hex(crc32_z(0, m->p, (size_t)(s - (const char *)m->p)), sum);
			*lines = count;
			*bytes = sum_len;
			return errno == 0 && v == count && e[0] == ' ' &&
			       strcmp(e + 1, sum) == 0;
		}
		const char *rel = cache_line(s, n, NULL, &keyed, &len);
		if (!rel || !valid_rel_n(rel, len))
			return 0;
		count++;
		sum_len += len;
	}
	return 0;
}

/* The previous build: the keys of its pages from the cache, and which
 * files the deployed tree has. listed: the tree is as the build that
 * wrote the cache left it (a valid staging tree says so, stage.h), so the
 * cache's list of its files is taken whole, when it is whole, instead of
 * reading every directory (the reading was a tenth of a one-edit rebuild's
 * cpu time); -1 when the cache is not whole, and nothing is changed.
 * Otherwise the files were scanned (scan_old) and a key is noted only for
 * a file found. A missing or damaged cache only means more rendering. */
static int read_cache(struct output *o, int listed)
{
	struct mapped m;
	if (map_cache(o->dest, &m) < 0)
		return -1;
	size_t lines, bytes;
	if (listed) {
		if (!cache_whole(&m, &lines, &bytes)) {
			map_release(&m);
			return -1;
		}
		/* the table grows once, not at every doubling */
		pathtab_reserve(&o->paths, lines, bytes);
	}
	size_t at = 0, n, len;
	int nl, keyed;
	const char *s;
	while ((s = next_line(&m, &at, &n, &nl))) {
		unsigned char key[PT_KEY_LEN];
		const char *rel = cache_line(s, n, key, &keyed, &len);
		if (!rel)
			continue;
		uint32_t i = listed ? pathtab_add(&o->paths, rel, len) :
			pathtab_find(&o->paths, rel, len);
		struct pt_entry *e = i != PT_NONE ? pathtab_at(&o->paths, i) : NULL;
		if (e && listed)
			e->flags |= PT_OLD;
		if (e && keyed && (e->flags & (PT_OLD | PT_OLD_KEY)) == PT_OLD) {
			memcpy(e->old_key, key, PT_KEY_LEN);
			e->flags |= PT_OLD_KEY;
		}
	}
	map_release(&m);
	return 0;
}

/* The deployed tree's files, scanned, and the keys of its pages. */
static void load_old(struct output *o)
{
	char path[OUT_PATH_MAX];
	int w = snprintf(path, sizeof path, "%s", o->dest);
	if (w < 0 || (size_t)w >= sizeof path)
		return;
	scan_old(o, path, (size_t)w, (size_t)w + 1, 0);
	(void)read_cache(o, 0);     /* none: every page is rendered */
}

struct output *output_open(const char *dest, int dry_run, struct diags *d)
{
	struct output *o = xcalloc(1, sizeof *o);
	o->dest = xstrdup(dest);
	o->dry_run = dry_run;
	o->d = d;
	if (lock_init_adaptive(&o->lock) != 0)
		die("output: cannot create a lock");
	pathtab_init(&o->paths, OUT_MAX_PATHS);
	strmap_init(&o->outside, OUT_MAX_FILES);
	if (dry_run)
		return o;
	size_t n = strlen(dest) + 32;
	o->tmp = xmalloc(n);
	int w = snprintf(o->tmp, n, "%s.tmp.%ld", dest, (long)getpid());
	if (w < 0 || (size_t)w >= n)
		die("output path too long");
	/* A stale temp dir of a crashed build with our pid goes; then the
	 * previous site is claimed as the staging tree, or the build starts
	 * from an empty one. With the staging tree the deployed files are
	 * the cache's list, else they are read. */
	if (stage_rm_tree(o->tmp) == 0 && stage_claim(dest, o->tmp, &o->paths) == 1) {
		o->staged = 1;
		if (read_cache(o, 1) < 0)
			load_old(o);
		return o;
	}
	load_old(o);
	if (mkdir(o->tmp, 0755) < 0) {
		diag_add(d, o->tmp, 0, 0, "cannot create build directory: %s", strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		output_abort(o);
		return NULL;
	}
	return o;
}

void output_set_diags(struct output *o, struct diags *d)
{
	pthread_mutex_lock(&o->lock);
	o->d = d;
	pthread_mutex_unlock(&o->lock);
}

/* A path inside the tree: relative, no "." or ".." step, no empty one,
 * no NUL, at most 1,024 bytes. */
static int valid_rel_n(const char *rel, size_t len)
{
	if (!len || len > 1024 || rel[0] == '/' || memchr(rel, '\0', len))
		return 0;
	for (const char *p = rel, *end = rel + len; p < end;) {
		size_t left = (size_t)(end - p);
		if ((left >= 3 && memcmp(p, "../", 3) == 0) || (left == 2 && memcmp(p, "..", 2) == 0) ||
		    (left >= 2 && memcmp(p, "./", 2) == 0) || *p == '/')
			return 0;
		const char *slash = memchr(p, '/', left);
		p = slash ? slash + 1 : end;
	}
	return 1;
}

static int valid_rel(const char *rel)
{
	return valid_rel_n(rel, strnlen(rel, 1025));
}

static int mkdirs_for(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		int rc = mkdir(path, 0755);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

/* Do the next len bytes of fd equal data? Read in pieces: a page is not
 * copied whole to be compared. */
static int same_next(int fd, const char *data, size_t len)
{
	char cur[16384];
	while (len > 0) {
		size_t want = len < sizeof cur ? len : sizeof cur;
		ssize_t r = read(fd, cur, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || memcmp(cur, data, (size_t)r) != 0)
			return 0;
		data += r;
		len -= (size_t)r;
	}
	return 1;
}

/* Open the deployed copy of rel: its fd and size, or -1. */
static int open_old(struct output *o, const char *rel, off_t *size)
{
	char old[OUT_PATH_MAX];
	int w = snprintf(old, sizeof old, "%s/%s", o->dest, rel);
	if (w < 0 || (size_t)w >= sizeof old)
		return -1;
	int fd = open(old, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		*size = st.st_size;
	return fd;
}

/* Same bytes as the deployed file? */
static int same_as_old(struct output *o, const char *rel, const void *data, size_t len)
{
	off_t size;
	int fd = open_old(o, rel, &size);
	if (fd < 0)
		return 0;
	int same = (size_t)size == len && same_next(fd, data, len);
	close(fd);
	return same;
}

/* Hard-link the deployed file into the new tree (its mtime stays). */
static int link_old(struct output *o, const char *rel)
{
	char old[OUT_PATH_MAX], path[OUT_PATH_MAX];
	int w1 = snprintf(old, sizeof old, "%s/%s", o->dest, rel);
	int w2 = snprintf(path, sizeof path, "%s/%s", o->tmp, rel);
	if (w1 < 0 || (size_t)w1 >= sizeof old || w2 < 0 || (size_t)w2 >= sizeof path)
		return -1;
	/* the staging tree's own, different copy goes first */
	if (o->staged && unlink(path) < 0 && errno != ENOENT)
		return -1;
	if (link(old, path) == 0)
		return 0;
	/* The first file of a directory: create the directory and retry. */
	return errno == ENOENT && mkdirs_for(path) == 0 && link(old, path) == 0 ? 0 : -1;
}

/* An unchanged file (entry i): link it now, or later if the tree is
 * ever needed. Lock held. */
static void keep_old(struct output *o, uint32_t i)
{
	o->unchanged++;
	if (!o->materialized) {
		pathtab_at(&o->paths, i)->flags |= PT_PENDING;
		return;
	}
	/* In the staging tree it is the deployed file already, unless stale. */
	if (o->staged && !(pathtab_at(&o->paths, i)->flags & PT_STALE))
		return;
	if (link_old(o, pathtab_name(&o->paths, i)) < 0) {
		diag_add(o->d, pathtab_name(&o->paths, i), 0, 0,
			 "cannot link the unchanged file: %s", strerror(errno));
		o->failed = 1;
	}
}

/* Something changed: the new tree is needed, with every unchanged file. */
static int materialize(struct output *o)
{
	pthread_mutex_lock(&o->lock);
	int rc = 0;
	if (!o->materialized) {
		o->materialized = 1;
		/* The staging tree is changed from now on: never deploy its marker. */
		if (o->staged && stage_unmark(o->tmp) < 0) {
			diag_add(o->d, o->tmp, 0, 0, "cannot prepare the staging tree: %s",
				 strerror(errno));
			o->failed = 1;
			rc = -1;
		}
		for (uint32_t i = 0; i < o->paths.n && rc == 0; i++) {
			struct pt_entry *e = pathtab_at(&o->paths, i);
			if (!(e->flags & PT_PENDING))
				continue;
			e->flags &= (uint8_t)~PT_PENDING;
			if (o->staged && !(e->flags & PT_STALE))
				continue;   /* there already */
			if (link_old(o, pathtab_name(&o->paths, i)) < 0) {
				diag_add(o->d, pathtab_name(&o->paths, i), 0, 0,
					 "cannot link the unchanged file: %s", strerror(errno));
				o->failed = 1;
				rc = -1;
			}
		}
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}


/* A new file of the tree being built; its directory is made on demand
 * (the first file of a directory). had: the staging tree may have a file
 * there, perhaps the deployed file itself (one inode): it is unlinked,
 * never written into. fd or -1 with errno. */
static int create_file(char *path, int had)
{
	if (had && unlink(path) < 0 && errno != ENOENT)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT && mkdirs_for(path) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return fd;
}

/* One file, straight from memory: no stdio buffer to fill and copy. */
static int write_file(char *path, int had, const void *data, size_t len)
{
	int fd = create_file(path, had);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

/* A write into the new tree failed: the build fails. */
static void write_failed(struct output *o, const char *path, int e)
{
	pthread_mutex_lock(&o->lock);
	diag_add(o->d, path, 0, 0, "cannot write: %s", strerror(e));
	o->failed = 1;
	pthread_mutex_unlock(&o->lock);
}

/* Claim rel for this build (lock held): its entry, with its key noted
 * (k: parsed already, else key when it parses), or PT_NONE after a
 * diagnostic. at: rel's entry when the caller found it already (a
 * reused page), else PT_NONE. */
static uint32_t claim_at(struct output *o, uint32_t at, const char *rel, const char *key,
			 const unsigned char *k)
{
	uint32_t i = at;
	const char *why = NULL;
	if (!valid_rel(rel) || strcmp(rel, CACHE_NAME) == 0 ||
	    strcmp(rel, FINGERPRINT_NAME) == 0)
		why = "invalid output path";
	else if (o->files >= OUT_MAX_FILES ||
		 (i == PT_NONE && (i = pathtab_add(&o->paths, rel, strlen(rel))) == PT_NONE))
		why = "more than " OUT_STR(OUT_MAX_FILES) " output files";
	else if (pathtab_at(&o->paths, i)->flags & PT_NEW)
		why = "two pages claim the same output file";
	if (why) {
		diag_add(o->d, rel, 0, 0, "%s", why);
		o->failed = 1;
		return PT_NONE;
	}
	struct pt_entry *e = pathtab_at(&o->paths, i);
	e->flags |= PT_NEW;
	if (k)
		memcpy(e->key, k, PT_KEY_LEN);
	if (k || (key && pathtab_key_parse(key, e->key) == 0))
		e->flags |= PT_KEY;
	o->files++;
	return i;
}

static uint32_t claim(struct output *o, const char *rel, const char *key)
{
	return claim_at(o, PT_NONE, rel, key, NULL);
}

/* A page's link targets, noted a batch at a time: one taking of the
 * lock per batch, not per link (a list page has ~640 links). */
#define LINK_BATCH 128
#define LINK_BATCH_BYTES 8192
/* every target fits into an empty batch */
_Static_assert(LINKS_MAX <= LINK_BATCH_BYTES, "a link target longer than a batch");

struct link_ctx {
	struct output *o;
	uint32_t page;          /* its entry */
	size_t n, used;         /* targets gathered, bytes of names[] */
	uint16_t at[LINK_BATCH], len[LINK_BATCH];
	char names[LINK_BATCH_BYTES];
};

/* Remember one page citing each gathered target (checked when the build
 * ends). */
static void note_batch(struct link_ctx *lc)
{
	struct output *o = lc->o;
	if (!lc->n)
		return;
	pthread_mutex_lock(&o->lock);
	for (size_t k = 0; k < lc->n; k++) {
		/* full: links beyond the table's size go unchecked */
		uint32_t i = pathtab_add(&o->paths, lc->names + lc->at[k], lc->len[k]);
		struct pt_entry *e = i != PT_NONE ? pathtab_at(&o->paths, i) : NULL;
		if (e && !(e->flags & PT_LINKED)) {
			e->flags |= PT_LINKED;
			e->cite = lc->page;
		}
	}
	pthread_mutex_unlock(&o->lock);
	lc->n = lc->used = 0;
}

static void note_link(void *ctx, const char *target, const char *raw)
{
	struct link_ctx *lc = ctx;
	struct output *o = lc->o;
	if (*target) {
		size_t len = strlen(target);    /* < LINKS_MAX (links.h) */
		if (lc->n == LINK_BATCH || len > LINK_BATCH_BYTES - lc->used)
			note_batch(lc);
		memcpy(lc->names + lc->used, target, len);
		lc->at[lc->n] = (uint16_t)lc->used;
		lc->len[lc->n++] = (uint16_t)len;
		lc->used += len;
		return;
	}
	/* climbs out of the site or is root-absolute */
	pthread_mutex_lock(&o->lock);
	bool added;
	struct strmap_slot *sl = strmap_put(&o->outside, raw, strlen(raw), &added);
	if (sl && added)
		sl->val = strmap_strdup(&o->outside, pathtab_name(&o->paths, lc->page));
	pthread_mutex_unlock(&o->lock);
}

int output_check_links(struct output *o, struct diags *d)
{
	size_t bad = 0;
	for (uint32_t i = 0; i < o->paths.n; i++) {
		const struct pt_entry *e = pathtab_at(&o->paths, i);
		if ((e->flags & (PT_LINKED | PT_NEW)) != PT_LINKED)
			continue;
		diag_add(d, pathtab_name(&o->paths, e->cite), 0, 0,
			 "broken link: '%s' is not part of the site", pathtab_name(&o->paths, i));
		bad++;
	}
	const struct strmap_slot *sl;
	for (size_t i = 0; (sl = strmap_next(&o->outside, &i));) {
		diag_add(d, sl->val, 0, 0, "link '%s' leaves the site or is absolute: "
			 "links must be relative", sl->key);
		bad++;
	}
	return bad ? -1 : 0;
}

/* output_reuse of one page, under o->lock; k: its key, parsed. */
static int reuse_locked(struct output *o, const char *rel, const char *key,
			const unsigned char k[PT_KEY_LEN])
{
	/* Only files still there have keys (load_old). */
	uint32_t i = pathtab_find(&o->paths, rel, strlen(rel));
	const struct pt_entry *e = i != PT_NONE ? pathtab_at(&o->paths, i) : NULL;
	int same = e && (e->flags & (PT_OLD_KEY | PT_NEW)) == PT_OLD_KEY &&
		   memcmp(e->old_key, k, PT_KEY_LEN) == 0;
	/* found, its key parsed: claimed without looking up or parsing again */
	int ok = same && claim_at(o, i, rel, key, k) != PT_NONE;
	if (ok) {
		o->skipped++;
		keep_old(o, i);
	}
	return !same ? 0 : ok ? 1 : -1;
}

int output_reuse(struct output *o, const char *rel, const char *key)
{
	int r;
	output_reuse_many(o, 1, &rel, &key, &r);
	return r;
}

void output_reuse_many(struct output *o, size_t n, const char *const rel[],
		       const char *const key[], int res[])
{
	/* The keys are parsed before the lock is taken: the lock is what
	 * the render threads wait for. */
	unsigned char k[OUT_REUSE_MAX][PT_KEY_LEN];
	bool any = false;
	for (size_t j = 0; j < n; j++) {
		bool ok = j < OUT_REUSE_MAX && !o->dry_run && key[j] &&
			  pathtab_key_parse(key[j], k[j]) == 0;
		res[j] = ok ? 2 : 0;        /* 2: to be looked up */
		any |= ok;
	}
	if (!any)
		return;
	pthread_mutex_lock(&o->lock);
	for (size_t j = 0; j < n; j++)
		if (res[j] == 2)
			res[j] = reuse_locked(o, rel[j], key[j], k[j]);
	pthread_mutex_unlock(&o->lock);
}

size_t output_skipped(struct output *o)
{
	return o->skipped;
}

static int write_bytes(struct output *o, const char *rel, const void *data, size_t len,
		       const char *key)
{
	pthread_mutex_lock(&o->lock);
	uint32_t i = claim(o, rel, key);
	uint8_t flags = i != PT_NONE ? pathtab_at(&o->paths, i)->flags : 0;
	int had = flags & PT_OLD;
	int in_stage = o->staged && (flags & (PT_OLD | PT_STALE));
	if (i != PT_NONE && o->dry_run)
		o->written++;
	pthread_mutex_unlock(&o->lock);
	if (i == PT_NONE)
		return -1;
	size_t rl = strlen(rel);
	if (rl > 5 && strcmp(rel + rl - 5, ".html") == 0) {
		struct link_ctx lc;
		lc.o = o;
		lc.page = i;
		lc.n = lc.used = 0;
		links_each(rel, data, len, note_link, &lc);
		note_batch(&lc);
	}
	if (o->dry_run)
		return 0;
	/* A file the old tree does not have is not opened to be compared. */
	if (had && same_as_old(o, rel, data, len)) {
		pthread_mutex_lock(&o->lock);
		keep_old(o, i);
		pthread_mutex_unlock(&o->lock);
		return 0;
	}
	char path[OUT_PATH_MAX];
	int w = snprintf(path, sizeof path, "%s/%s", o->tmp, rel);
	if (w < 0 || (size_t)w >= sizeof path || materialize(o) < 0)
		return -1;
	if (write_file(path, in_stage, data, len) < 0) {
		write_failed(o, path, errno);
		return -1;
	}
	pthread_mutex_lock(&o->lock);
	pathtab_at(&o->paths, i)->flags |= PT_WRITTEN;
	o->written++;
	pthread_mutex_unlock(&o->lock);
	return 0;
}

int output_write_buf(struct output *o, const char *rel, const struct buf *b,
		     const char *key)
{
	if (buf_failed(b)) {
		pthread_mutex_lock(&o->lock);
		diag_add(o->d, rel, 0, 0, "output larger than %zu bytes; not written", b->max);
		o->failed = 1;
		pthread_mutex_unlock(&o->lock);
		return -1;
	}
	return write_bytes(o, rel, b->data ? b->data : "", b->len, key);
}

/* ---- streams ---- */

#define STREAM_PIECE ((size_t)64 << 10)     /* bytes gathered for one write */
#define STREAM_BUF_MAX ((size_t)16 << 20)   /* most one piece may grow to */
#define STREAM_FILE_MAX ((off_t)1 << 32)    /* most bytes of one file */

struct output_stream {
	struct output *o;
	char *rel;
	struct buf b;           /* bytes not yet passed on */
	int old;                /* the deployed file while the bytes so far equal it, or -1 */
	off_t old_size;
	int fd;                 /* the new file once the bytes differ, or -1 */
	int in_stage;           /* the staging tree may have a file at rel */
	uint32_t entry;         /* of rel in o->paths */
	off_t done;             /* bytes passed on */
	int failed;
};

struct output_stream *output_stream_open(struct output *o, const char *rel,
					 const char *key)
{
	size_t rl = strlen(rel);
	pthread_mutex_lock(&o->lock);
	int ok = !(rl > 5 && strcmp(rel + rl - 5, ".html") == 0);
	if (!ok) {
		diag_add(o->d, rel, 0, 0, "a page is written whole (its links are checked)");
		o->failed = 1;
	}
	uint32_t i = ok ? claim(o, rel, key) : PT_NONE;
	uint8_t flags = i != PT_NONE ? pathtab_at(&o->paths, i)->flags : 0;
	int had = flags & PT_OLD;
	pthread_mutex_unlock(&o->lock);
	if (i == PT_NONE)
		return NULL;
	struct output_stream *s = xcalloc(1, sizeof *s);
	s->o = o;
	s->rel = xstrdup(rel);
	buf_init(&s->b, STREAM_BUF_MAX);
	s->fd = -1;
	s->entry = i;
	s->in_stage = o->staged && (flags & (PT_OLD | PT_STALE));
	/* A file the old tree does not have is not opened to be compared. */
	s->old = had && !o->dry_run ? open_old(o, rel, &s->old_size) : -1;
	return s;
}

struct buf *output_stream_buf(struct output_stream *s)
{
	return &s->b;
}

/* The new file, with the deployed file's first s->done bytes (which
 * equalled the stream's until now). 0 ok, -1 with errno. */
static int stream_diverge(struct output_stream *s)
{
	char path[OUT_PATH_MAX];
	int w = snprintf(path, sizeof path, "%s/%s", s->o->tmp, s->rel);
	if (w < 0 || (size_t)w >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (materialize(s->o) < 0 || (s->fd = create_file(path, s->in_stage)) < 0)
		return -1;
	char piece[16384];
	for (off_t at = 0; at < s->done;) {
		size_t want = s->done - at < (off_t)sizeof piece ? (size_t)(s->done - at) :
			sizeof piece;
		ssize_t r = pread(s->old, piece, want, at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;    /* the deployed file shrank meanwhile */
			return -1;
		}
		if (write_all(s->fd, piece, (size_t)r) < 0)
			return -1;
		at += r;
	}
	if (s->old >= 0)
		close(s->old);
	s->old = -1;
	return 0;
}

/* Hands the buffered bytes on: compared while they equal the deployed
 * file, written once they do not. */
static int stream_pass(struct output_stream *s)
{
	struct buf *b = &s->b;
	if (s->failed)
		return -1;
	if (buf_failed(b) || (off_t)b->len > STREAM_FILE_MAX - s->done) {
		pthread_mutex_lock(&s->o->lock);
		diag_add(s->o->d, s->rel, 0, 0, "output larger than its maximum; not written");
		s->o->failed = 1;
		pthread_mutex_unlock(&s->o->lock);
		s->failed = 1;
		return -1;
	}
	int rc = 0;
	if (s->o->dry_run || b->len == 0)
		;
	else if (s->old >= 0 && s->done + (off_t)b->len <= s->old_size &&
		 same_next(s->old, b->data, b->len))
		;
	else if ((s->fd < 0 && stream_diverge(s) < 0) || write_all(s->fd, b->data, b->len) < 0)
		rc = -1;
	if (rc < 0) {
		write_failed(s->o, s->rel, errno);
		s->failed = 1;
		return -1;
	}
	s->done += (off_t)b->len;
	buf_reset(b);
	return 0;
}

int output_stream_flush(struct output_stream *s)
{
	return s->b.len >= STREAM_PIECE || buf_failed(&s->b) ? stream_pass(s) : 0;
}

int output_stream_close(struct output_stream *s)
{
	struct output *o = s->o;
	int rc = stream_pass(s);
	/* Not written yet: the deployed file is longer, or there is none
	 * (an empty file), unless every byte equalled it. */
	int same = s->old >= 0 && s->done == s->old_size;
	if (rc == 0 && !o->dry_run && s->fd < 0 && !same && stream_diverge(s) < 0) {
		write_failed(o, s->rel, errno);
		rc = -1;
	}
	if (s->fd >= 0 && close(s->fd) < 0 && rc == 0) {
		write_failed(o, s->rel, errno);
		rc = -1;
	}
	pthread_mutex_lock(&o->lock);
	if (rc == 0 && s->fd < 0 && !o->dry_run)
		keep_old(o, s->entry);  /* every byte equalled the deployed file */
	else if (rc == 0) {
		pathtab_at(&o->paths, s->entry)->flags |= PT_WRITTEN;
		o->written++;
	}
	pthread_mutex_unlock(&o->lock);
	if (s->old >= 0)
		close(s->old);
	buf_free(&s->b);
	free(s->rel);
	free(s);
	return rc;
}

/* Files of the old site that the new one does not have. */
static size_t removed_files(struct output *o)
{
	size_t n = 0;
	for (uint32_t i = 0; i < o->paths.n; i++)
		n += (pathtab_at(&o->paths, i)->flags & (PT_OLD | PT_NEW)) == PT_OLD;
	return n;
}

/* The staging tree's files that the new site does not have: the deployed
 * files not built again and the stale ones; a directory left empty goes
 * too. 0 ok, -1 after a diagnostic. */
static int drop_gone(struct output *o)
{
	if (!o->staged)
		return 0;
	char path[OUT_PATH_MAX];
	for (uint32_t i = 0; i < o->paths.n; i++) {
		uint8_t f = pathtab_at(&o->paths, i)->flags;
		if (!(f & (PT_OLD | PT_STALE)) || (f & PT_NEW))
			continue;
		int w = snprintf(path, sizeof path, "%s/%s", o->tmp, pathtab_name(&o->paths, i));
		if (w < 0 || (size_t)w >= sizeof path || (unlink(path) < 0 && errno != ENOENT)) {
			diag_add(o->d, pathtab_name(&o->paths, i), 0, 0, "cannot remove: %s",
				 strerror(errno));
			o->failed = 1;
			return -1;
		}
		/* its directories, while empty (ENOTEMPTY ends it) */
		for (char *s = strrchr(path + strlen(o->tmp) + 1, '/'); s;
		     s = strrchr(path + strlen(o->tmp) + 1, '/')) {
			*s = '\0';
			if (rmdir(path) < 0)
				break;
		}
	}
	return 0;
}

static void output_destroy(struct output *o)
{
	pathtab_free(&o->paths);
	strmap_free(&o->outside);
	pthread_mutex_destroy(&o->lock);
	free(o->dest);
	free(o->tmp);
	free(o);
}

/* The files of this build and their keys, sorted by path so the file is
 * the same for the same build. */
static int cmp_entry(const void *a, const void *b, void *ctx)
{
	const struct pathtab *t = ctx;
	return strcmp(pathtab_name(t, *(const uint32_t *)a), pathtab_name(t, *(const uint32_t *)b));
}

/* Lines gathered into pieces of 64 KiB, each summed and written at
 * once: the cache is 8 MB at 84,000 pages, so it is never held whole, and
 * three digest and stdio calls per line were a tenth of finishing a
 * one-edit rebuild. */
struct cache_out {
	FILE *f;
	unsigned long crc;
	size_t len;
	int rc;
	char piece[65536];
};

static void cache_flush(struct cache_out *c)
{
	c->crc = crc32_z(c->crc, (const unsigned char *)c->piece, c->len);
	if (c->len && fwrite(c->piece, 1, c->len, c->f) != c->len)
		c->rc = -1;
	c->len = 0;
}

/* "<key> <path>\n" or "- <path>\n" (read_cache), without printf */
static void cache_put(struct cache_out *c, const struct pt_entry *e, const char *name)
{
	size_t nl = strlen(name);
	if (c->len + 2 * PT_KEY_LEN + 2 + nl > sizeof c->piece)
		cache_flush(c);     /* a path is at most OUT_PATH_MAX bytes */
	char *p = c->piece + c->len;
	if (e->flags & PT_KEY) {
		pathtab_key_hex(e->key, p);     /* its NUL: where the ' ' goes */
		p += 2 * PT_KEY_LEN;
	} else {
		*p++ = '-';
	}
	*p++ = ' ';
	memcpy(p, name, nl);
	p[nl] = '\n';
	c->len = (size_t)(p + nl + 1 - c->piece);
}

/* Aside and renamed: a crash never leaves half a cache. */
static int write_cache(struct output *o, const char *dir)
{
	char path[OUT_PATH_MAX];
	char tmp[OUT_PATH_MAX + 8];
	int w = snprintf(path, sizeof path, "%s/%s", dir, CACHE_NAME);
	int w2 = snprintf(tmp, sizeof tmp, "%s.new", path);
	if (w < 0 || (size_t)w >= sizeof path || w2 < 0 || (size_t)w2 >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	uint32_t *v = xcalloc(o->paths.n + 1, sizeof *v);
	size_t n = 0;
	for (uint32_t i = 0; i < o->paths.n; i++)
		if (pathtab_at(&o->paths, i)->flags & PT_NEW)
			v[n++] = i;
	qsort_r(v, n, sizeof *v, cmp_entry, &o->paths);
	struct cache_out *c = xmalloc(sizeof *c);
	c->f = fopen(tmp, "we");
	c->rc = c->f ? 0 : -1;
	c->len = 0;
	c->crc = crc32_z(0, NULL, 0);
	for (size_t i = 0; i < n && c->rc == 0; i++)
		cache_put(c, pathtab_at(&o->paths, v[i]), pathtab_name(&o->paths, v[i]));
	free(v);
	if (c->rc == 0)
		cache_flush(c);
	char sum[CRC_HEX];
	crc_hex(c->crc, sum);
	int rc = c->rc;
	if (rc == 0 && fprintf(c->f, "files %zu %s\n", n, sum) < 0)
		rc = -1;
	if (c->f) {
		int err = ferror(c->f);
		if (fclose(c->f) != 0 || err)
			rc = -1;
	}
	free(c);
	if (rc == 0)
		rc = rename(tmp, path);
	return rc;
}

static int link_tree(int sfd, int dfd, int depth);

/* A DIR reading the directory at fd, which stays open and the caller's;
 * NULL on failure. */
static DIR *dir_of(int fd)
{
	int d = dup(fd);
	DIR *dir = d >= 0 ? fdopendir(d) : NULL;
	if (!dir && d >= 0)
		close(d);
	return dir;
}

/* Entry name of the tree at sfd, of type type, into the tree at dfd: a
 * file hard-linked, a directory made and linked into. 0 ok, -1. */
static int link_entry(int sfd, int dfd, const char *name, unsigned char type, int depth)
{
	struct stat st;
	if (type == DT_UNKNOWN && fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
	if (type == DT_REG)
		return linkat(sfd, name, dfd, name, 0);
	if (type != DT_DIR)
		return 0;       /* no such thing in a site */
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int s2 = mkdirat(dfd, name, 0755) < 0 ? -1 : openat(sfd, name, flags);
	int d2 = s2 < 0 ? -1 : openat(dfd, name, flags);
	int rc = d2 < 0 ? -1 : link_tree(s2, d2, depth + 1);
	if (s2 >= 0)
		close(s2);
	if (d2 >= 0)
		close(d2);
	return rc;
}

/* Hard links in the tree at dfd to every file of the tree at sfd, its
 * directories made as they come. 0 ok, -1 with errno. */
static int link_tree(int sfd, int dfd, int depth)
{
	DIR *dir = depth < 64 ? dir_of(sfd) : NULL;
	if (!dir)
		return -1;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = link_entry(sfd, dfd, e->d_name, e->d_type, depth);
	closedir(dir);
	return rc;
}

/* The top-level entries of a site, shared by the threads linking them. */
struct linking {
	int sfd, dfd;
	char **name;
	unsigned char *type;
	size_t n;
	pthread_mutex_t lock;
	size_t next;
	int failed;
};

static void *link_some(void *arg)
{
	struct linking *l = arg;
	for (;;) {
		pthread_mutex_lock(&l->lock);
		size_t i = l->failed ? l->n : l->next++;
		pthread_mutex_unlock(&l->lock);
		if (i >= l->n)
			return NULL;
		if (link_entry(l->sfd, l->dfd, l->name[i], l->type[i], 0) < 0) {
			pthread_mutex_lock(&l->lock);
			l->failed = 1;
			pthread_mutex_unlock(&l->lock);
		}
	}
}

/* The site at sfd linked into dfd by two threads, a top-level entry
 * (a portal's directory, mostly) at a time; the caches and the marker
 * at the root are not the site's (scan_old). 0 ok, -1. */
static int link_site(int sfd, int dfd)
{
	DIR *dir = dir_of(sfd);
	if (!dir)
		return -1;
	struct linking l = { .sfd = sfd, .dfd = dfd };
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, CACHE_NAME) ||
		    !strcmp(n, FINGERPRINT_NAME) || !strcmp(n, STAGE_NAME))
			continue;
		if (l.n == cap) {
			cap = cap ? 2 * cap : 64;
			l.name = xrealloc(l.name, cap * sizeof *l.name);
			l.type = xrealloc(l.type, cap * sizeof *l.type);
		}
		l.name[l.n] = xstrdup(n);
		l.type[l.n++] = e->d_type;
	}
	closedir(dir);
	pthread_mutex_init(&l.lock, NULL);
	pthread_t tid;
	int other = pthread_create(&tid, NULL, link_some, &l) == 0;
	link_some(&l);
	if (other && pthread_join(tid, NULL) != 0)
		l.failed = 1;
	pthread_mutex_destroy(&l.lock);
	for (size_t i = 0; i < l.n; i++)
		free(l.name[i]);
	free(l.name);
	free(l.type);
	return l.failed ? -1 : 0;
}

/* A build into an empty place (no deployed tree, so no staging tree to
 * keep) leaves the next build one too: a copy of the new site made of
 * hard links, one inode per file in both trees as stage.h has it, that
 * differs from the site nowhere. Without it the first edit after a full
 * build linked every file into a new tree itself, at twice the cost of
 * a later edit; here the links, made one directory at a time by two
 * threads, cost the full build about 40 ms of cpu time and half of it of
 * wall time at 600 services. Best effort: when it fails the copy goes,
 * and the next build links every file as before. */
static void leave_stage(struct output *o)
{
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if (mkdir(o->tmp, 0755) < 0)
		return;
	int sfd = open(o->dest, flags);
	int dfd = sfd < 0 ? -1 : open(o->tmp, flags);
	int rc = dfd < 0 ? -1 : link_site(sfd, dfd);
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	/* The copy holds this build's files, the same as the site's. */
	for (uint32_t i = 0; i < o->paths.n && rc == 0; i++) {
		struct pt_entry *e = pathtab_at(&o->paths, i);
		if (e->flags & PT_NEW)
			e->flags = (uint8_t)((e->flags | PT_OLD) & ~PT_WRITTEN);
	}
	if (rc < 0 || stage_keep(o->dest, o->tmp, &o->paths) < 0)
		stage_rm_tree(o->tmp);
}

int output_commit(struct output *o, struct output_stats *st, struct diags *d)
{
	if (st) {
		st->written = o->written;
		st->unchanged = o->unchanged;
		st->removed = removed_files(o);
	}
	if (o->dry_run) {
		output_destroy(o);
		return 0;
	}
	if (o->failed) {
		diag_add(d, o->dest, 0, 0, "writing the site failed; %s left unchanged", o->dest);
		output_abort(o);
		return -1;
	}
	size_t removed = st ? st->removed : removed_files(o);
	if (!o->materialized && removed == 0) {
		/* Nothing changed: the deployed tree stays as it is (and so
		 * does the staging tree). */
		int rc = write_cache(o, o->dest);
		if (rc < 0)
			diag_add(d, o->dest, 0, 0, "cannot write %s: %s", CACHE_NAME, strerror(errno));
		output_abort(o);
		return rc;
	}
	if (materialize(o) < 0 || drop_gone(o) < 0 || write_cache(o, o->tmp) < 0) {
		diag_add(d, o->tmp, 0, 0, "cannot complete the new site: %s", strerror(errno));
		output_abort(o);
		return -1;
	}
	struct stat sb;
	if (stat(o->dest, &sb) == 0) {
		/* Exchange atomically; the old tree ends up under the temp name. */
		if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->dest, RENAME_EXCHANGE) < 0) {
			diag_add(d, o->dest, 0, 0, "cannot swap in the new site: %s", strerror(errno));
			output_abort(o);
			return -1;
		}
		/* The old tree is the next build's staging tree. */
		if (stage_keep(o->dest, o->tmp, &o->paths) < 0 && stage_rm_tree(o->tmp) < 0)
			diag_add(d, o->tmp, 0, 0, "warning: cannot remove the old site: %s",
				 strerror(errno));
	} else if (rename(o->tmp, o->dest) < 0) {
		diag_add(d, o->dest, 0, 0, "cannot move the new site in place: %s", strerror(errno));
		output_abort(o);
		return -1;
	} else {
		leave_stage(o);
	}
	output_destroy(o);
	return 0;
}

void output_abort(struct output *o)
{
	/* An untouched staging tree is still good for the next build. */
	if (o->tmp && o->staged && !o->materialized)
		stage_release(o->dest, o->tmp);
	else if (o->tmp)
		stage_rm_tree(o->tmp);
	output_destroy(o);
}
