/* statcache.c - see statcache.h. The file:
 *   sitegen-stat-cache 1\n
 *   binary <dev> <ino> <size> <mtime s> <mtime ns>\n
 * then one line per file, sorted by path:
 *   <id: 40 hex> <dev> <ino> <size> <mtime s>.<ns> <ctime s>.<ns> <path>\n
 * and last "files <n> <digest>\n": n the number of entry lines and
 * digest theirs (util/digest.h), as .sitegen-cache ends (write/output.c).
 * Text, because it is small (~130 bytes a file) and read once a build. */
#include "statcache.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../util/buf.h"
#include "../util/digest.h"
#include "../util/digits.h"
#include "../util/exe_id.h"
#include "../util/racy.h"
#include "../util/strmap.h"

#define MAGIC "sitegen-stat-cache 1\n"
#define ID_LEN 40
#define REL_MAX 4096
#define FILE_MAX ((size_t)64 << 20)     /* a bigger cache file is not read */
#define MAX_ENTRIES ((size_t)1 << 20)
#define NS 1000000000LL
/* The binary's entry: no source path is without a '/'. */
#define BINARY_ENTRY "(sitegen)"
#define BINARY_MAX ((size_t)256 << 20)

struct entry {
	unsigned long long dev, ino, size;
	long long m_s, c_s;             /* seconds, never negative */
	long m_ns, c_ns;
	char id[DIGEST_HEX];
	bool used;                      /* got or put in this build: saved */
};

struct stat_cache {
	char binary[160];               /* "" when unknown: the cache is off */
	char *path;
	long long since;                /* ns: files changed before it are clean */
	struct strmap map;              /* path -> struct entry (in arena) */
	struct arena arena;
	size_t n_file, n_used;          /* entries of the file; got or put */
	bool loaded;                    /* the file read (at the first use) */
	bool changed;                   /* a put that the file does not hold */
};

/* A path below the root, as the loader names files: not empty, relative,
 * no "", "." or ".." component, no control bytes (a newline would end
 * the line). The cache only ever compares paths, but one that a source
 * would never ask for has no business in it. */
static bool valid_rel(const char *p, size_t len)
{
	if (len == 0 || len >= REL_MAX || p[0] == '/')
		return false;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '/') {
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				return false;
			continue;
		}
		size_t n = i - start;
		if (n == 0 || (n == 1 && p[start] == '.') ||
		    (n == 2 && p[start] == '.' && p[start + 1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

/* ---- reading the file ---- */

/* Decimal digits at *p (at most max_digits, without sign) up to stop. */
static bool num(const char **p, const char *end, char stop, int max_digits,
		unsigned long long *v)
{
	const char *s = *p;
	unsigned long long x = 0;
	int k = 0;
	while (s < end && *s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');
		if (++k > max_digits || x > (ULLONG_MAX - d) / 10)
			return false;
		x = x * 10 + d;
		s++;
	}
	if (k == 0 || s >= end || *s != stop)
		return false;
	*p = s + 1;
	*v = x;
	return true;
}

/* "<s>.<9 digits>" then stop. */
static bool stamp(const char **p, const char *end, char stop, long long *sec, long *ns)
{
	unsigned long long s, n;
	const char *q = *p;
	if (!num(&q, end, '.', 18, &s))
		return false;
	const char *frac = q;
	if (!num(&q, end, stop, 9, &n) || q - frac != 10)
		return false;
	*p = q;
	*sec = (long long)s;
	*ns = (long)n;
	return true;
}

/* One entry line (without its '\n'), into the map. */
static bool parse_entry(struct stat_cache *sc, const char *l, const char *end)
{
	struct entry e = { 0 };
	if (end - l < ID_LEN + 1 || !digest_is_hex(l) || l[ID_LEN] != ' ')
		return false;
	memcpy(e.id, l, ID_LEN);
	const char *p = l + ID_LEN + 1;
	if (!num(&p, end, ' ', 20, &e.dev) || !num(&p, end, ' ', 20, &e.ino) ||
	    !num(&p, end, ' ', 20, &e.size) || !stamp(&p, end, ' ', &e.m_s, &e.m_ns) ||
	    !stamp(&p, end, ' ', &e.c_s, &e.c_ns) || !valid_rel(p, (size_t)(end - p)))
		return false;
	bool added;
	struct strmap_slot *sl = strmap_put(&sc->map, p, (size_t)(end - p), &added);
	if (!sl || !added)
		return false;   /* full, or a path twice */
	struct entry *to = sl->val = arena_alloc(&sc->arena, sizeof *to);
	*to = e;
	return true;
}

/* "files <n> <digest>" (l to end), the end of the file after n entries,
 * digest theirs. */
static bool parse_end(const char *l, const char *end, size_t n, const char *sum)
{
	unsigned long long v;
	const char *p = l + 6;
	return end - l > 6 && memcmp(l, "files ", 6) == 0 && num(&p, end, ' ', 20, &v) &&
	       v == n && end - p == ID_LEN && memcmp(p, sum, ID_LEN) == 0;
}

/* The entries of data (the whole file); false when it is not whole. */
static bool parse_file(struct stat_cache *sc, const char *data, size_t len)
{
	size_t ml = strlen(MAGIC), bl = strlen(sc->binary);
	if (len < ml + bl || memcmp(data, MAGIC, ml) != 0 ||
	    memcmp(data + ml, sc->binary, bl) != 0)
		return false;
	const char *start = data + ml + bl, *p = start, *end = data + len;
	size_t n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return false;   /* cut */
		if (nl + 1 == end) {
			char sum[DIGEST_HEX];
			digest_hex(start, (size_t)(p - start), sum);
			return parse_end(p, nl, n, sum);
		}
		if (!parse_entry(sc, p, nl))
			return false;
		n++;
		p = nl + 1;
	}
	return false;           /* no end line */
}

static void init_map(struct stat_cache *sc)
{
	strmap_init(&sc->map, MAX_ENTRIES);
	arena_init(&sc->arena);
}

static void free_map(struct stat_cache *sc)
{
	strmap_free(&sc->map);
	arena_free(&sc->arena);
}

struct stat_cache *stat_cache_open(const char *path)
{
	struct stat_cache *sc = xcalloc(1, sizeof *sc);
	struct timespec now;
	/* Without a clock every file counts as racily clean: none is kept. */
	sc->since = clock_gettime(CLOCK_REALTIME, &now) < 0 ? LLONG_MIN :
		(long long)now.tv_sec * NS + now.tv_nsec - RACY_NS;
	sc->path = xstrdup(path);
	exe_identity(sc->binary, sizeof sc->binary);
	init_map(sc);
	return sc;
}

/* The file, read when first needed: a build that finds nothing changed
 * (write/fingerprint.h) never asks. */
static void load(struct stat_cache *sc)
{
	if (sc->loaded)
		return;
	sc->loaded = true;
	struct buf b;
	buf_init(&b, FILE_MAX);
	if (*sc->binary && buf_read_file(&b, sc->path) == 0) {
		if (parse_file(sc, b.data, b.len)) {
			sc->n_file = sc->map.n;
		} else {        /* not whole: nothing of it is used */
			free_map(sc);
			init_map(sc);
		}
	}
	buf_free(&b);
}

size_t stat_cache_size(struct stat_cache *sc)
{
	if (!sc)
		return 0;
	load(sc);
	return sc->n_file;
}

/* ---- looking up and recording ---- */

static bool same_stat(const struct entry *e, const struct stat *st)
{
	return S_ISREG(st->st_mode) && e->dev == (unsigned long long)st->st_dev &&
	       e->ino == (unsigned long long)st->st_ino &&
	       e->size == (unsigned long long)st->st_size &&
	       e->m_s == (long long)st->st_mtim.tv_sec && e->m_ns == st->st_mtim.tv_nsec &&
	       e->c_s == (long long)st->st_ctim.tv_sec && e->c_ns == st->st_ctim.tv_nsec;
}

static void use(struct stat_cache *sc, struct entry *e)
{
	if (!e->used)
		sc->n_used++;
	e->used = true;
}

bool stat_cache_get(struct stat_cache *sc, const char *rel, const struct stat *st,
		    char id[DIGEST_HEX])
{
	if (!sc)
		return false;
	load(sc);
	struct strmap_slot *sl = strmap_get(&sc->map, rel, strlen(rel));
	struct entry *e = sl ? sl->val : NULL;
	if (!e || !same_stat(e, st))
		return false;
	use(sc, e);
	memcpy(id, e->id, DIGEST_HEX);
	return true;
}

/* Changed before sc->since (no overflow for any time)? */
static bool older(const struct stat_cache *sc, const struct timespec *t)
{
	if (t->tv_sec < 0 || t->tv_sec >= LLONG_MAX / NS - 1)
		return false;
	return (long long)t->tv_sec * NS + t->tv_nsec < sc->since;
}

void stat_cache_put(struct stat_cache *sc, const char *rel, const struct stat *st,
		    const char *id)
{
	size_t len = strlen(rel);
	if (!sc || !*sc->binary || !S_ISREG(st->st_mode) || !older(sc, &st->st_mtim) ||
	    !older(sc, &st->st_ctim) || strlen(id) != ID_LEN || !digest_is_hex(id) ||
	    !valid_rel(rel, len))
		return;         /* racily clean, or nothing to record */
	load(sc);
	bool added;
	struct strmap_slot *sl = strmap_put(&sc->map, rel, len, &added);
	if (!sl)
		return;
	struct entry *e = sl->val;
	if (e && same_stat(e, st) && memcmp(e->id, id, ID_LEN) == 0) {
		use(sc, e);     /* as the file has it */
		return;
	}
	if (!e)
		e = sl->val = arena_alloc(&sc->arena, sizeof *e);
	bool was_used = e->used;
	*e = (struct entry){ .dev = (unsigned long long)st->st_dev,
			     .ino = (unsigned long long)st->st_ino,
			     .size = (unsigned long long)st->st_size,
			     .m_s = (long long)st->st_mtim.tv_sec, .m_ns = st->st_mtim.tv_nsec,
			     .c_s = (long long)st->st_ctim.tv_sec, .c_ns = st->st_ctim.tv_nsec,
			     .used = was_used };
	memcpy(e->id, id, DIGEST_HEX);
	use(sc, e);
	sc->changed = true;
}

int stat_cache_binary_id(struct stat_cache *sc, char id[DIGEST_HEX])
{
	/* fstat of the opened file: the program also under valgrind */
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = fstat(fd, &st);
	if (rc == 0 && !stat_cache_get(sc, BINARY_ENTRY, &st, id)) {
		struct buf b;
		buf_init(&b, BINARY_MAX);
		rc = buf_read_fd(&b, fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0);
		if (rc == 0) {
			digest_hex(b.data, b.len, id);
			stat_cache_put(sc, BINARY_ENTRY, &st, id);
		}
		buf_free(&b);
	}
	int e = errno;
	if (close(fd) < 0 && rc == 0)
		return -1;
	errno = e;
	return rc;
}

/* ---- saving ---- */

static int slot_cmp(const void *a, const void *b)
{
	const struct strmap_slot *x = *(const struct strmap_slot *const *)a;
	const struct strmap_slot *y = *(const struct strmap_slot *const *)b;
	return strcmp(x->key, y->key);
}

/* One entry's line, without printf: ~800 of them each time one file
 * changed, and vsnprintf was most of writing them. */
static int put_entry(struct buf *b, const struct entry *e, const char *rel)
{
	char line[ID_LEN + 3 * 21 + 2 * 31 + 2];
	char *p = line;
	memcpy(p, e->id, ID_LEN);
	p += ID_LEN;
	*p++ = ' ';
	p = put_uint(p, e->dev, 10);
	*p++ = ' ';
	p = put_uint(p, e->ino, 10);
	*p++ = ' ';
	p = put_uint(p, e->size, 10);
	*p++ = ' ';
	p = put_stamp(p, e->m_s, e->m_ns);
	*p++ = ' ';
	p = put_stamp(p, e->c_s, e->c_ns);
	*p++ = ' ';
	return buf_append(b, line, (size_t)(p - line)) | buf_puts(b, rel) | buf_putc(b, '\n');
}

/* The entries used, sorted by path, and the end line, into b. */
static int format(struct stat_cache *sc, struct buf *b)
{
	const struct strmap_slot **v = xmalloc((sc->n_used ? sc->n_used : 1) * sizeof *v);
	size_t n = 0;
	struct strmap_slot *sl;
	for (size_t i = 0; (sl = strmap_next(&sc->map, &i));)
		if (((struct entry *)sl->val)->used && n < sc->n_used)
			v[n++] = sl;
	qsort(v, n, sizeof *v, slot_cmp);
	int rc = buf_puts(b, MAGIC) | buf_puts(b, sc->binary);
	size_t start = b->len;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = put_entry(b, v[i]->val, v[i]->key);
	free(v);
	if (rc < 0)
		return -1;
	char sum[DIGEST_HEX];
	digest_hex(b->data + start, b->len - start, sum);
	return buf_printf(b, "files %zu %s\n", n, sum);
}

static int write_file(const char *path, const char *tmp, const struct buf *b)
{
	FILE *f = fopen(tmp, "wbe");
	int rc = f ? 0 : -1;
	if (f && fwrite(b->data, 1, b->len, f) != b->len)
		rc = -1;
	if (f && (fflush(f) != 0 || ferror(f)))
		rc = -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	if (rc < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
	}
	return rc;
}

int stat_cache_save(struct stat_cache *sc)
{
	if (!sc || !*sc->binary || sc->n_used == 0 ||
	    (!sc->changed && sc->n_used == sc->n_file))
		return 0;       /* nothing looked at, or the file holds exactly this */
	char tmp[REL_MAX + 64];
	int w = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", sc->path, (long)getpid());
	if (w < 0 || (size_t)w >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	struct buf b;
	buf_init(&b, FILE_MAX);
	int rc = format(sc, &b);
	if (rc < 0)
		errno = EFBIG;
	else
		rc = write_file(sc->path, tmp, &b);
	buf_free(&b);
	return rc;
}

void stat_cache_free(struct stat_cache *sc)
{
	if (!sc)
		return;
	free_map(sc);
	free(sc->path);
	free(sc);
}
