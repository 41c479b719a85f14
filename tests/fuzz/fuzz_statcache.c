/* fuzz_statcache - the working tree's file ids sitegen keeps beside the
 * output between builds (generator/load/statcache.c). An id taken from it
 * is used instead of reading the file, so a cache that is cut, damaged or
 * altered must be refused whole: never a crash, a read out of bounds, or
 * an id the file did not record in a whole, digest-checked file.
 *
 * Input: byte 0's low bit set: the harness ends the rest with a "files"
 * line that fits it (count and digest of its lines), so the entries'
 * parser is driven past the digest; else the rest is the whole body. The
 * harness writes the header this binary's identity gives (else the cache
 * ignores the file), then the body; it asks for every line's path with
 * the stat that line names (at most 64), and for one path not there.
 *
 * Properties: an id got is 40 lower-case hex digits, the id of the line
 * with that path and that stat; it comes only from a body whose last line
 * is a fitting "files" line; its path is relative and does not climb
 * out. An entry got and old enough, put into a new cache, saved and read
 * again is got again with the same id. */
#include "fuzz.h"
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "load/statcache.h"
#include "util/exe_id.h"

static char path[64], path2[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	snprintf(path, sizeof path, "/tmp/fuzz-statcache.%ld", (long)getpid());
	snprintf(path2, sizeof path2, "/tmp/fuzz-statcache2.%ld", (long)getpid());
	return 0;
}

struct line {
	char id[41];
	struct stat st;
	char rel[4096];
};

/* One body line read loosely (sscanf takes more than the cache does);
 * false when it does not even look like an entry. */
static bool read_line(const char *s, size_t len, struct line *l)
{
	char buf[4200];
	if (len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	unsigned long long dev, ino, size;
	long long ms, cs;
	long mns, cns;
	int at = -1;
	if (sscanf(buf, "%40s %llu %llu %llu %lld.%ld %lld.%ld %n", l->id, &dev, &ino, &size,
		   &ms, &mns, &cs, &cns, &at) != 8 || at < 0)
		return false;
	snprintf(l->rel, sizeof l->rel, "%s", buf + at);
	memset(&l->st, 0, sizeof l->st);
	l->st.st_mode = S_IFREG | 0644;
	l->st.st_dev = (dev_t)dev;
	l->st.st_ino = (ino_t)ino;
	l->st.st_size = (off_t)size;
	l->st.st_mtim.tv_sec = (time_t)ms;
	l->st.st_mtim.tv_nsec = mns;
	l->st.st_ctim.tv_sec = (time_t)cs;
	l->st.st_ctim.tv_nsec = cns;
	return true;
}

/* Does body end with a "files" line that fits the lines before it? */
static bool whole(const char *body, size_t n)
{
	if (n == 0 || body[n - 1] != '\n')
		return false;
	const char *last = body + n - 1;
	while (last > body && last[-1] != '\n')
		last--;
	size_t lines = 0;
	for (const char *p = body; p < last; p++)
		lines += *p == '\n';
	char sum[DIGEST_HEX], want[128];
	digest_hex(body, (size_t)(last - body), sum);
	snprintf(want, sizeof want, "files %zu %s\n", lines, sum);
	return (size_t)(body + n - last) == strlen(want) && memcmp(last, want, strlen(want)) == 0;
}

static bool relative(const char *rel)
{
	return rel[0] && rel[0] != '/' && strncmp(rel, "../", 3) != 0 &&
	       !strstr(rel, "/../") && strcmp(rel, "..") != 0;
}

static void round_trip(const struct line *l)
{
	time_t old = time(NULL) - 2;
	if (l->st.st_mtim.tv_sec >= old || l->st.st_ctim.tv_sec >= old ||
	    l->st.st_mtim.tv_sec < 0 || l->st.st_ctim.tv_sec < 0)
		return;     /* not old enough to be kept */
	unlink(path2);
	struct stat_cache *sc = stat_cache_open(path2);
	stat_cache_put(sc, l->rel, &l->st, l->id);
	FUZZ_ASSERT(stat_cache_save(sc) == 0, "cannot save an entry got");
	stat_cache_free(sc);
	sc = stat_cache_open(path2);
	char id[DIGEST_HEX];
	FUZZ_ASSERT(stat_cache_get(sc, l->rel, &l->st, id) && strcmp(id, l->id) == 0,
		    "an entry put and read again differs");
	stat_cache_free(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	bool fit = data[0] & 1;
	size_t n = size - 1;
	char *body = malloc(n + 200);
	if (!body)
		abort();
	memcpy(body, data + 1, n);
	if (fit) {      /* the "files" line that fits these lines */
		if (n && body[n - 1] != '\n')
			body[n++] = '\n';
		size_t lines = 0;
		for (size_t i = 0; i < n; i++)
			lines += body[i] == '\n';
		char sum[DIGEST_HEX];
		digest_hex(body, n, sum);
		n += (size_t)snprintf(body + n, 200, "files %zu %s\n", lines, sum);
	}
	char binary[160];
	exe_identity(binary, sizeof binary);
	FILE *f = fopen(path, "wb");
	if (!f || fputs("sitegen-stat-cache 1\n", f) < 0 || fputs(binary, f) < 0 ||
	    (n && fwrite(body, 1, n, f) != n) || fclose(f) != 0)
		abort();
	bool is_whole = whole(body, n);
	struct stat_cache *sc = stat_cache_open(path);
	size_t asked = 0;
	for (const char *p = body; p < body + n && asked < 64;) {
		const char *nl = memchr(p, '\n', (size_t)(body + n - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(body + n - p);
		struct line l;
		if (read_line(p, len, &l)) {
			asked++;
			char id[DIGEST_HEX];
			if (stat_cache_get(sc, l.rel, &l.st, id)) {
				FUZZ_ASSERT(is_whole, "an id from a cache that is not whole");
				FUZZ_ASSERT(strlen(id) == 40 && strspn(id, "0123456789abcdef") == 40,
					    "an id that is not 40 hex digits");
				FUZZ_ASSERT(strcmp(id, l.id) == 0, "another line's id");
				FUZZ_ASSERT(relative(l.rel), "an entry outside the root: %s", l.rel);
				round_trip(&l);
			}
		}
		p += len + 1;
	}
	struct stat st;
	memset(&st, 0, sizeof st);
	st.st_mode = S_IFREG;
	char id[DIGEST_HEX];
	FUZZ_ASSERT(!stat_cache_get(sc, "content/not-there.yml", &st, id), "an id for no entry");
	stat_cache_free(sc);
	free(body);
	unlink(path);
	unlink(path2);
	return 0;
}
