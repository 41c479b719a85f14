/* stat_cache.c - unit tests of load/statcache and of the working tree's
 * ids through it (load/source_fs.c): an id is taken from the cache only
 * for a file whose whole stat is the one recorded, never for a file that
 * was racily clean when it was digested, and never from a cache file that
 * was cut, altered or names a path outside the root; and the stats the
 * no-change check's walk hands over (write/fingerprint.h fp_files). */
#include "load/source.h"
#include "load/statcache.h"
#include "write/fingerprint.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define ID_A "0123456789abcdef0123456789abcdef01234567"
#define ID_B "89abcdef0123456789abcdef0123456789abcdef"

static char dir[] = "/tmp/stat_cache_test.XXXXXX";
static char cache[256];

/* A regular file's stat changed a minute ago (old enough to be kept). */
static struct stat old_stat(unsigned long long ino)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	st.st_mode = S_IFREG | 0644;
	st.st_dev = 7;
	st.st_ino = (ino_t)ino;
	st.st_size = 1234;
	st.st_mtim.tv_sec = time(NULL) - 60;
	st.st_mtim.tv_nsec = 123456789;
	st.st_ctim = st.st_mtim;
	return st;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

/* The cache file rewritten by hand: its first two lines, then lines, then
 * a "files" line that fits them (count and digest), as one who knows
 * the format would write it. */
static int rewrite(const char *lines)
{
	FILE *f = fopen(cache, "rb");
	char head[512] = "";
	size_t n = f ? fread(head, 1, sizeof head - 1, f) : 0;
	if (f)
		fclose(f);
	head[n] = '\0';
	char *second = strchr(head, '\n');
	char *end = second ? strchr(second + 1, '\n') : NULL;
	if (!end)
		return -1;
	end[1] = '\0';
	size_t k = 0;
	for (const char *p = lines; *p; p++)
		k += *p == '\n';
	char sum[DIGEST_HEX];
	digest_hex(lines, strlen(lines), sum);
	f = fopen(cache, "wb");
	if (!f)
		return -1;
	fprintf(f, "%s%sfiles %zu %s\n", head, lines, k, sum);
	return fclose(f);
}

/* The entry line of st and id for rel, as the cache writes it. */
static void line_of(char *out, size_t n, const char *id, const struct stat *st,
		    const char *rel)
{
	snprintf(out, n, "%s %llu %llu %lld %lld.%09ld %lld.%09ld %s\n", id,
		 (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
		 (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		 (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec, rel);
}

static void test_cache(void)
{
	char id[DIGEST_HEX];
	struct stat a = old_stat(1), b = old_stat(2);
	struct stat_cache *sc = stat_cache_open(cache);
	ok(!stat_cache_get(sc, "content/a.yml", &a, id), "a missing cache file: an empty cache");
	stat_cache_put(sc, "content/a.yml", &a, ID_A);
	stat_cache_put(sc, "content/b.yml", &b, ID_B);
	/* racily clean: changed within RACY_NS of the cache's opening */
	struct stat young = old_stat(3), young_m = old_stat(4);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	young.st_ctim = now;
	young_m.st_mtim = now;
	young_m.st_mtim.tv_sec += 3;    /* touch -d: mtime can be anything */
	stat_cache_put(sc, "content/young.yml", &young, ID_A);
	stat_cache_put(sc, "content/young-mtime.yml", &young_m, ID_A);
	stat_cache_put(sc, "../outside.yml", &a, ID_A);
	ok(stat_cache_save(sc) == 0, "saved");
	stat_cache_free(sc);

	sc = stat_cache_open(cache);
	ok(stat_cache_size(sc) == 2, "two entries kept [%zu]", stat_cache_size(sc));
	ok(stat_cache_get(sc, "content/a.yml", &a, id) && strcmp(id, ID_A) == 0,
	   "the same stat: the recorded id");
	ok(!stat_cache_get(sc, "content/young.yml", &young, id),
	   "a file changed (ctime) in the tick of the build: not kept, digested again");
	ok(!stat_cache_get(sc, "content/young-mtime.yml", &young_m, id),
	   "a file whose mtime is not older than the build: not kept");
	ok(!stat_cache_get(sc, "../outside.yml", &a, id), "a path climbing out: not kept");
	const char *what[] = { "ctime ns", "mtime ns", "size", "inode", "device", "type" };
	for (int k = 0; k < 6; k++) {
		struct stat c = b;
		switch (k) {
		case 0: c.st_ctim.tv_nsec++; break;
		case 1: c.st_mtim.tv_nsec++; break;
		case 2: c.st_size++; break;
		case 3: c.st_ino++; break;
		case 4: c.st_dev++; break;
		default: c.st_mode = S_IFLNK | 0777; break;
		}
		ok(!stat_cache_get(sc, "content/b.yml", &c, id), "another %s: no id", what[k]);
	}
	struct stat before, after;
	ok(stat(cache, &before) == 0 && stat_cache_save(sc) == 0 && stat(cache, &after) == 0 &&
	   after.st_size < before.st_size, "saved again: only the entry used is kept");
	stat_cache_free(sc);
	sc = stat_cache_open(cache);
	ok(stat(cache, &before) == 0 && stat_cache_get(sc, "content/a.yml", &a, id) &&
	   stat_cache_save(sc) == 0 && stat(cache, &after) == 0 &&
	   before.st_ino == after.st_ino, "every entry used, none changed: not rewritten");
	stat_cache_free(sc);
	sc = stat_cache_open(cache);
	ok(stat(cache, &before) == 0 && stat_cache_save(sc) == 0 && stat(cache, &after) == 0 &&
	   before.st_ino == after.st_ino && stat_cache_size(sc) == 1,
	   "nothing looked up (a no-change build): not rewritten");
	stat_cache_free(sc);
}

/* A file altered by hand, cut or damaged is not used at all. */
static void test_damage(void)
{
	char id[DIGEST_HEX], la[256], lb[256], all[512];
	struct stat a = old_stat(1), b = old_stat(2);
	line_of(la, sizeof la, ID_A, &a, "content/a.yml");
	line_of(lb, sizeof lb, ID_B, &b, "content/b.yml");
	snprintf(all, sizeof all, "%s%s", la, lb);
	ok(rewrite(all) == 0, "a cache written by hand, count and digest fitting");
	struct stat_cache *sc = stat_cache_open(cache);
	ok(stat_cache_get(sc, "content/b.yml", &b, id) && strcmp(id, ID_B) == 0,
	   "... is used (the format is what the tests think)");
	stat_cache_free(sc);

	/* one id altered, the digest left as it was */
	FILE *f = fopen(cache, "r+b");
	char head[512];
	size_t n = f ? fread(head, 1, sizeof head - 1, f) : 0;
	head[n] = '\0';
	char *at = strstr(head, ID_A);
	ok(f && at && fseek(f, at - head, SEEK_SET) == 0 && fputc('f', f) != EOF &&
	   fclose(f) == 0, "one id altered by hand");
	sc = stat_cache_open(cache);
	ok(stat_cache_size(sc) == 0 && !stat_cache_get(sc, "content/b.yml", &b, id),
	   "... not even the other entries are used");
	stat_cache_free(sc);

	ok(rewrite(all) == 0 && truncate(cache, (off_t)(strlen(all) / 2)) == 0, "a cut file");
	sc = stat_cache_open(cache);
	ok(stat_cache_size(sc) == 0, "... is not used");
	stat_cache_free(sc);

	const char *bad[] = { "/etc/passwd", "content/../../x.yml", "content//x.yml",
			      "./content/x.yml", "content/x\tyml" };
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		char l[256];
		line_of(l, sizeof l, ID_A, &a, bad[k]);
		ok(rewrite(l) == 0, "an entry for '%s', digest fitting", bad[k]);
		sc = stat_cache_open(cache);
		ok(stat_cache_size(sc) == 0, "... the file is not used");
		stat_cache_free(sc);
	}
	snprintf(all, sizeof all, "%s%s", la, la);
	ok(rewrite(all) == 0, "a path twice, digest fitting");
	sc = stat_cache_open(cache);
	ok(stat_cache_size(sc) == 0, "... the file is not used");
	stat_cache_free(sc);
	char l[300];
	snprintf(l, sizeof l, "%s 7 1234 1.000000000 1.000000000 content/a.yml\n", ID_A);
	ok(rewrite(l) == 0, "an entry without its inode, digest fitting");
	sc = stat_cache_open(cache);
	ok(stat_cache_size(sc) == 0, "... the file is not used");
	stat_cache_free(sc);
	f = fopen(cache, "wb");
	ok(f && fputs("sitegen-stat-cache 1\nbinary 1 2 3 4 5\n", f) >= 0 && fputs(la, f) >= 0 &&
	   fclose(f) == 0, "a cache file of another binary");
	sc = stat_cache_open(cache);
	ok(stat_cache_size(sc) == 0, "... is not used");
	stat_cache_free(sc);
}

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "wb");
	return f && fputs(s, f) >= 0 && fclose(f) == 0 ? 0 : -1;
}

/* Through the working tree's source: ids from the cache, files written in
 * the tick of the build, a file edited in place with its size and mtime
 * kept. */
static void test_source(void)
{
	char content[300], file[320], id[41], id2[41], want[41];
	snprintf(content, sizeof content, "%s/content", dir);
	snprintf(file, sizeof file, "%s/a.yml", content);
	unlink(cache);
	ok(mkdir(content, 0755) == 0 && write_file(file, "title: Hund\n") == 0, "a file");
	digest_hex("title: Hund\n", 12, want);

	/* digested right after it was written: racily clean, not kept */
	struct stat_cache *sc = stat_cache_open(cache);
	struct source *src = source_fs_open_kept(dir, sc);
	ok(src->file_id(src, "content/a.yml", id) == 0 && strcmp(id, want) == 0,
	   "its id is the digest of its bytes");
	src->close(src);
	ok(stat_cache_save(sc) == 0, "saved");
	stat_cache_free(sc);
	sc = stat_cache_open(cache);
	ok(stat_cache_size(sc) == 0, "a file written in the tick of the build: no entry");
	stat_cache_free(sc);

	sleep_ms(60);           /* older than RACY_NS now */
	sc = stat_cache_open(cache);
	src = source_fs_open_kept(dir, sc);
	ok(src->file_id(src, "content/a.yml", id) == 0, "digested again");
	src->close(src);
	ok(stat_cache_save(sc) == 0, "saved");
	stat_cache_free(sc);

	/* Mark the entry: an id no digest gives shows where an id came from. */
	struct stat st;
	char l[512];
	ok(stat(file, &st) == 0, "its stat");
	line_of(l, sizeof l, ID_B, &st, "content/a.yml");
	ok(rewrite(l) == 0, "its entry marked with another id");
	sc = stat_cache_open(cache);
	src = source_fs_open_kept(dir, sc);
	ok(src->file_id(src, "content/a.yml", id) == 0 && strcmp(id, ID_B) == 0,
	   "an unchanged file's id comes from the cache, without reading it");
	src->close(src);
	stat_cache_free(sc);

	/* stat_seen: the no-change check's walk hands its stats over. The
	 * file moved away afterwards shows whose stat file_id used. */
	char moved[340];
	snprintf(moved, sizeof moved, "%s/moved.yml", dir);
	sc = stat_cache_open(cache);
	src = source_fs_open_kept(dir, sc);
	struct stat link = st, other = st;
	link.st_mode = S_IFLNK | 0777;
	other.st_mtim.tv_sec--;
	src->stat_seen(src, "content/a.yml", &link);
	src->stat_seen(src, "content/a.yml", &other);
	ok(rename(file, moved) == 0 && src->file_id(src, "content/a.yml", id) < 0,
	   "stat_seen: a symbolic link's or another stat is not taken (the file is looked for)");
	src->stat_seen(src, "content/a.yml", &st);
	ok(src->file_id(src, "content/a.yml", id) == 0 && strcmp(id, ID_B) == 0,
	   "stat_seen: the recorded stat is taken: the id without a look at the file");
	ok(rename(moved, file) == 0, "the file put back");
	src->close(src);
	stat_cache_free(sc);

	/* `--themes DIR`: the remapping source passes a content file's stat
	 * to the working tree's source (it once called that source's method
	 * with itself: ASan, a read past its end) */
	sc = stat_cache_open(cache);
	src = source_remap_open(source_fs_open_kept(dir, sc), "themes", source_fs_open(dir));
	src->stat_seen(src, "content/a.yml", &st);
	src->stat_seen(src, "themes/a.yml", &st);
	ok(rename(file, moved) == 0 && src->file_id(src, "content/a.yml", id) == 0 &&
	   strcmp(id, ID_B) == 0, "stat_seen through --themes' remapping: the id from the stat");
	ok(rename(moved, file) == 0, "the file put back");
	src->close(src);
	stat_cache_free(sc);

	/* The same size, the old mtime set back, the same inode: only ctime
	 * tells (a file written twice in one tick would not even differ in
	 * that, and is never kept). */
	int fd = open(file, O_WRONLY);
	struct timespec times[2] = { st.st_atim, st.st_mtim };
	ok(fd >= 0 && pwrite(fd, "title: Katz\n", 12, 0) == 12 && close(fd) == 0 &&
	   utimensat(AT_FDCWD, file, times, 0) == 0, "edited in place, size and mtime kept");
	struct stat st2;
	ok(stat(file, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_size == st.st_size &&
	   st2.st_mtim.tv_nsec == st.st_mtim.tv_nsec && st2.st_mtim.tv_sec == st.st_mtim.tv_sec,
	   "... inode, size and mtime as recorded");
	digest_hex("title: Katz\n", 12, want);
	sc = stat_cache_open(cache);
	src = source_fs_open_kept(dir, sc);
	ok(src->file_id(src, "content/a.yml", id2) == 0 && strcmp(id2, want) == 0,
	   "... its new bytes' id, not the recorded one");
	src->close(src);
	stat_cache_free(sc);
	unlink(file);
	rmdir(content);
}

/* What fp_files_tell gives a source: recorded here. */
struct told {
	struct source s;
	char name[8][64];
	struct stat st[8];
	int n;
};

static void told_seen(struct source *s, const char *path, const struct stat *st)
{
	struct told *t = (struct told *)s;
	if (t->n < 8) {
		snprintf(t->name[t->n], sizeof t->name[t->n], "%s", path);
		t->st[t->n++] = *st;
	}
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_mode == b->st_mode && a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The walk of the working tree's identity notes each regular file below
 * content, named as the source names it, with the stat it took: not a
 * directory, not a symbolic link, not a theme's file. */
static void test_walk_files(void)
{
	char content[300], sub[320], themes[300], a[340], b[340], ln[340], t[340];
	snprintf(content, sizeof content, "%s/inhalt", dir);
	snprintf(sub, sizeof sub, "%s/services", content);
	snprintf(themes, sizeof themes, "%s/themes", dir);
	snprintf(a, sizeof a, "%s/region.yml", content);
	snprintf(b, sizeof b, "%s/hund.yml", sub);
	snprintf(ln, sizeof ln, "%s/link.yml", content);
	snprintf(t, sizeof t, "%s/page.mustache", themes);
	ok(mkdir(content, 0755) == 0 && mkdir(sub, 0755) == 0 && mkdir(themes, 0755) == 0 &&
	   write_file(a, "name: x\n") == 0 && write_file(b, "title: Hund\n") == 0 &&
	   symlink("region.yml", ln) == 0 && write_file(t, "{{x}}") == 0, "a working tree");
	struct fp_files files;
	fp_files_init(&files);
	struct fp_opts o = { .cmd = "build", .out = "site", .date = "2026-01-01", .root = dir,
			     .content = "inhalt", .content_dir = content, .themes_dir = themes,
			     .files = &files };
	char id[41], id2[41];
	sleep_ms(60);           /* not racily clean: the identity is computed */
	int rc = fingerprint_compute(&o, NULL, id);
	ok(rc == 0 && files.n == 2, "the walk notes 2 files [%zu]", files.n);
	struct told tl;
	memset(&tl, 0, sizeof tl);
	tl.s.stat_seen = told_seen;
	fp_files_tell(&files, &tl.s);
	struct stat sa, sb;
	int ia = tl.n == 2 && strcmp(tl.name[0], "inhalt/region.yml") == 0 ? 0 : 1;
	ok(tl.n == 2 && lstat(a, &sa) == 0 && lstat(b, &sb) == 0 &&
	   strcmp(tl.name[ia], "inhalt/region.yml") == 0 &&
	   strcmp(tl.name[1 - ia], "inhalt/services/hund.yml") == 0 &&
	   same_file(&tl.st[ia], &sa) && same_file(&tl.st[1 - ia], &sb),
	   "told: the two regular files, by the source's names, each with its whole stat [%s, %s]",
	   tl.name[0], tl.name[1]);
	fp_files_free(&files);
	fp_files_init(&files);
	tl.n = 0;
	o.files = NULL;
	ok(fingerprint_compute(&o, NULL, id2) == 0 && strcmp(id, id2) == 0,
	   "without a list: the same identity");
	fp_files_tell(&files, &tl.s);
	ok(tl.n == 0, "and nothing to tell");
	unlink(a);
	unlink(b);
	unlink(ln);
	unlink(t);
	rmdir(sub);
	rmdir(content);
	rmdir(themes);
}

/* The binary's id: the digest of its bytes, kept by its stat. */
static void test_binary(void)
{
	char want[DIGEST_HEX], id[DIGEST_HEX], marked[DIGEST_HEX];
	FILE *f = fopen("/proc/self/exe", "rb");
	static char exe[64 << 20];
	size_t n = f ? fread(exe, 1, sizeof exe, f) : 0;
	if (f)
		fclose(f);
	digest_hex(exe, n, want);
	unlink(cache);
	ok(n > 0 && stat_cache_binary_id(NULL, id) == 0 && strcmp(id, want) == 0,
	   "the binary's id without a cache: the digest of its bytes");
	struct stat_cache *sc = stat_cache_open(cache);
	ok(stat_cache_binary_id(sc, id) == 0 && strcmp(id, want) == 0 &&
	   stat_cache_save(sc) == 0, "the same with a cache, kept");
	stat_cache_free(sc);
	/* the entry marked with another id, the rest of the line kept */
	f = fopen(cache, "rb");
	char text[1024] = "";
	n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	char *line = strstr(text, "\n");
	line = line ? strstr(line + 1, "\n") : NULL;      /* after the header */
	char *end = line ? strchr(line + 1, '\n') : NULL;
	ok(line && end && strstr(line, " (sitegen)\n") == end - 10, "its entry");
	if (!line || !end)
		return;
	end[1] = '\0';
	memcpy(line + 1, ID_B, 40);
	ok(rewrite(line + 1) == 0, "its entry marked with another id");
	sc = stat_cache_open(cache);
	ok(stat_cache_binary_id(sc, marked) == 0 && strcmp(marked, ID_B) == 0,
	   "... which is what the cache gives: the binary is not read again");
	stat_cache_free(sc);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(cache, sizeof cache, "%s/site.stat-cache", dir);
	test_cache();
	test_damage();
	test_source();
	test_walk_files();
	test_binary();
	unlink(cache);
	rmdir(dir);
	return tap_exit();
}
