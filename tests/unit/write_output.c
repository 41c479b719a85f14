/* write_output.c - unit tests of the site writer (generator/write/output.c):
 * files written in pieces (streams) against the deployed tree — new,
 * unchanged (hard-linked), longer, shorter, changed in the middle, empty —
 * and what a stream refuses; the link check, the page cache and the
 * sitemap index. */
#include "util/buf.h"
#include "write/output.h"
#include "write/pathtab.h"
#include "write/sitemap.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

/* The content of one test file: n bytes of a pattern, one byte changed at
 * flip (or none when flip >= n). */
static char *pattern(size_t n, size_t flip)
{
	char *s = malloc(n + 1);
	for (size_t i = 0; s && i < n; i++)
		s[i] = (char)('a' + (i * 7 + i / 13) % 26);
	if (s && flip < n)
		s[flip] = '#';
	if (s)
		s[n] = '\0';
	return s;
}

/* Streams data as rel in pieces of piece bytes. 0 ok. */
static int stream(struct output *o, const char *rel, const char *data, size_t n,
		  size_t piece)
{
	struct output_stream *s = output_stream_open(o, rel, NULL);
	if (!s)
		return -1;
	int rc = 0;
	for (size_t at = 0; at < n && rc == 0; at += piece) {
		size_t k = n - at < piece ? n - at : piece;
		rc = buf_append(output_stream_buf(s), data + at, k) < 0 ||
		     output_stream_flush(s) < 0 ? -1 : 0;
	}
	return output_stream_close(s) < 0 ? -1 : rc;
}

static int file_is(const char *path, const char *data, size_t n)
{
	struct buf b;
	buf_init(&b, 0);
	int same = buf_read_file(&b, path) == 0 && b.len == n && memcmp(b.data, data, n) == 0;
	buf_free(&b);
	return same;
}

static ino_t inode(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

#define N_FILES 6
#define BIG ((size_t)300000)    /* several pieces of the writer's 64 KiB */

/* One build of the N_FILES test files; sizes and flips per file. */
static int build(const char *dest, const size_t *size, const size_t *flip,
		 struct output_stats *st)
{
	static const char *const names[N_FILES] = { "same.json", "longer.json",
		"shorter.json", "changed.json", "empty.xml", "dir/new.xml" };
	struct diags d;
	diags_init(&d);
	struct output *o = output_open(dest, 0, &d);
	int rc = o ? 0 : -1;
	for (int i = 0; i < N_FILES && rc == 0; i++) {
		char *data = pattern(size[i], flip[i]);
		rc = data ? stream(o, names[i], data, size[i], 1000 + 9000 * (size_t)i) : -1;
		free(data);
	}
	if (o)
		rc = output_commit(o, st, &d) < 0 ? -1 : rc;
	for (size_t i = 0; i < d.n; i++)
		printf("# %s: %s\n", d.v[i].file, d.v[i].msg);
	diags_free(&d);
	return rc;
}

static void test_streams(const char *tmp)
{
	char dest[512], path[600];
	snprintf(dest, sizeof dest, "%s/site", tmp);
	size_t size1[N_FILES] = { BIG, BIG, BIG, BIG, 0, 5 };
	size_t none[N_FILES] = { BIG, BIG, BIG, BIG, 0, 5 };
	struct output_stats st = { 0, 0, 0 };
	int rc = build(dest, size1, none, &st);
	ok(rc == 0 && st.written == N_FILES,
	   "stream: a first build writes every file (%zu)", st.written);
	snprintf(path, sizeof path, "%s/same.json", dest);
	char *want = pattern(BIG, BIG);
	ok(want && file_is(path, want, BIG), "stream: the bytes arrive whole, in order");
	free(want);
	snprintf(path, sizeof path, "%s/dir/new.xml", dest);
	ok(access(path, F_OK) == 0, "stream: the file's directory is made");
	snprintf(path, sizeof path, "%s/same.json", dest);
	ino_t before = inode(path);

	/* longer by 70,000 bytes; shorter by 100,000; one byte changed in
	 * the third piece; the empty file again; the new one the same */
	size_t size2[N_FILES] = { BIG, BIG + 70000, BIG - 100000, BIG, 0, 5 };
	size_t flip2[N_FILES] = { BIG, BIG + 70000, BIG, 150001, 0, 5 };
	rc = build(dest, size2, flip2, &st);
	ok(rc == 0 && st.written == 3 && st.unchanged == 3,
	   "stream: a second build writes the 3 changed files, keeps 3 (%zu, %zu)",
	   st.written, st.unchanged);
	ok(inode(path) == before && before != 0,
	   "stream: an unchanged file is the deployed one, hard-linked");
	static const char *const names[3] = { "longer.json", "shorter.json", "changed.json" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dest, names[i]);
		char *data = pattern(size2[1 + i], flip2[1 + i]);
		ok(data && file_is(path, data, size2[1 + i]),
		   "stream: %s holds the new bytes, the equal start copied", names[i]);
		free(data);
	}
	snprintf(path, sizeof path, "%s/empty.xml", dest);
	ok(file_is(path, "", 0), "stream: an empty file stays empty");

	/* back to the first bytes, built in the staging tree (write/stage.h),
	 * which holds them still */
	rc = build(dest, size1, none, &st);
	int same = rc == 0;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dest, names[i]);
		char *data = pattern(size1[1 + i], none[1 + i]);
		same &= data && file_is(path, data, size1[1 + i]);
		free(data);
	}
	ok(same && st.written == 3 && st.unchanged == 3,
	   "stream: built in the staging tree, the changed files hold the bytes (%zu, %zu)",
	   st.written, st.unchanged);
}

static void test_refused(const char *tmp)
{
	char dest[512];
	snprintf(dest, sizeof dest, "%s/site2", tmp);
	struct diags d;
	diags_init(&d);
	struct output *o = output_open(dest, 0, &d);
	ok(o && !output_stream_open(o, "page.html", NULL) && d.n == 1,
	   "stream: an HTML page is not streamed (its links are checked)");
	struct output_stream *s = o ? output_stream_open(o, "big.json", NULL) : NULL;
	struct buf *b = s ? output_stream_buf(s) : NULL;
	char piece[65536];
	memset(piece, 'x', sizeof piece);
	int rc = 0;
	for (int i = 0; b && i < 300 && rc == 0; i++)   /* 19 MB without a flush */
		rc = buf_append(b, piece, sizeof piece);
	ok(s && rc < 0 && output_stream_close(s) < 0,
	   "stream: a piece past its maximum fails the file");
	struct output_stats st;
	ok(o && output_commit(o, &st, &d) < 0 && access(dest, F_OK) < 0,
	   "stream: the build then fails and no site appears");
	diags_free(&d);
}

static int write_page(struct output *o, const char *rel, const char *html, const char *key)
{
	struct buf b;
	buf_init(&b, 0);
	buf_puts(&b, html);
	int rc = output_write_buf(o, rel, &b, key);
	buf_free(&b);
	return rc;
}

static int has_diag(const struct diags *d, const char *file, const char *what)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].file, file) == 0 && strstr(d->v[i].msg, what))
			return 1;
	return 0;
}

/* A page with more links than one batch holds (output.c notes them a
 * batch at a time), some with long names that fill a batch's bytes
 * first (the paths may be 1,024 bytes long): every broken one is still found, and only those. */
static void test_links_many(const char *tmp)
{
	char dest[512];
	snprintf(dest, sizeof dest, "%s/site3b", tmp);
	struct diags d;
	diags_init(&d);
	struct output *o = output_open(dest, 1, &d);
	struct buf page;
	buf_init(&page, 0);
	char longname[901];
	memset(longname, 'l', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	for (int k = 0; k < 700; k++) {
		if (k == 150 || k == 299 || k == 699)
			buf_printf(&page, "<a href=\"gone%d.html\">x</a>\n", k);
		else if (k % 23 == 5)
			buf_printf(&page, "<a href=\"%s%d.html\">x</a>\n", longname, k);
		else
			buf_printf(&page, "<a href=\"ok%d.html\">x</a>\n", k % 7);
	}
	int rc = o ? write_page(o, "e.html", page.data, NULL) : -1;
	for (int k = 0; k < 7 && rc == 0; k++) {
		char name[32];
		snprintf(name, sizeof name, "ok%d.html", k);
		rc |= write_page(o, name, "", NULL);
	}
	for (int k = 0; k < 700 && rc == 0; k++) {
		char name[1000];
		snprintf(name, sizeof name, "%s%d.html", longname, k);
		if (k % 23 == 5 && k != 580)
			rc |= write_page(o, name, "", NULL);
	}
	ok(rc == 0 && o && output_check_links(o, &d) < 0 && d.n == 4 &&
	   has_diag(&d, "e.html", "'gone150.html'") && has_diag(&d, "e.html", "'gone299.html'") &&
	   has_diag(&d, "e.html", "'gone699.html'") && has_diag(&d, "e.html", "l580.html'"),
	   "links: a page of 700 links, some 900 bytes long: the 4 broken ones, each once");
	struct output_stats st;
	if (o)
		output_commit(o, &st, &d);
	buf_free(&page);
	diags_free(&d);
}

/* The link check: a target written after the page citing it is found, a
 * missing one is reported with a page citing it, as is a link out of the
 * site; a file claimed twice fails. */
static void test_links(const char *tmp)
{
	char dest[512];
	snprintf(dest, sizeof dest, "%s/site3", tmp);
	struct diags d;
	diags_init(&d);
	struct output *o = output_open(dest, 1, &d);
	int rc = o ? 0 : -1;
	rc |= write_page(o, "a/index.html", "<a href=\"../b.html\">b</a> <a href=\"x.html#k\">x</a>"
			 "<img src=\"../../etc/passwd\">", NULL);
	rc |= write_page(o, "b.html", "<a href=\"a/index.html\">a</a> <a href=\"a/x.html\">x</a>",
			 NULL);
	/* what is no link: another attribute ending in href or src, a value
	 * without quotes, a quote never closed, a '=' at the very end */
	rc |= write_page(o, "c.html", "<a data-href=\"gone.html\" href=\"b.html\">b</a>"
			 "<img xsrc=\"gone.png\"  src=\"b.html\"><a href=gone.html>"
			 "<p>a=\"b\" href =\"gone.html\"</p><a href=\"gone.html", NULL);
	rc |= write_page(o, "d.html", "href=", NULL);
	ok(rc == 0 && d.n == 0, "links: pages are written (dry run)");
	ok(o && output_check_links(o, &d) < 0 && d.n == 2 &&
	   has_diag(&d, "a/index.html", "broken link: 'a/x.html'") &&
	   has_diag(&d, "a/index.html", "'../../etc/passwd' leaves the site"),
	   "links: a missing target and a link out of the site, each once, with a page citing it");
	ok(o && write_page(o, "b.html", "", NULL) < 0 &&
	   has_diag(&d, "b.html", "two pages claim the same output file"),
	   "links: a file claimed twice fails");
	struct output_stats st;
	if (o)
		output_commit(o, &st, &d);
	diags_free(&d);
}

/* Two page keys (40 hex digits, as cachekey.c gives them). */
static const char *const k1 = "0123456789abcdef0123456789abcdef01234567";
static const char *const k2 = "fedcba9876543210fedcba9876543210fedcba98";

/* Page keys survive in the cache: the next build reuses the page whose
 * key is the same and renders the one whose key changed. */
static void test_reuse(const char *tmp)
{
	char dest[512];
	snprintf(dest, sizeof dest, "%s/site4", tmp);
	struct diags d;
	diags_init(&d);
	struct output_stats st;
	struct output *o = output_open(dest, 0, &d);
	int rc = o ? write_page(o, "p.html", "p", k1) | write_page(o, "q.html", "q", k1) : -1;
	if (o)
		rc |= output_commit(o, &st, &d);
	o = output_open(dest, 0, &d);
	int p = o ? output_reuse(o, "p.html", k1) : -1;
	int q = o ? output_reuse(o, "q.html", k2) : -1;
	int bad = o ? output_reuse(o, "q.html", "not a key") : -1;
	if (o)
		rc |= write_page(o, "q.html", "q2", k2) | output_commit(o, &st, &d);
	ok(rc == 0 && p == 1 && q == 0 && bad == 0,
	   "cache: the same key reuses the page (%d), another renders it (%d, %d)", p, q, bad);
	char path[600];
	snprintf(path, sizeof path, "%s/q.html", dest);
	ok(file_is(path, "q2", 2) && st.written == 1 && st.unchanged == 1,
	   "cache: the rendered page is written, the reused one kept");
	diags_free(&d);
}

/* output_reuse_many answers each page of a batch as output_reuse would:
 * reuse, render (another key, no key, a key not hex, a page new to the
 * site, the same path twice in one batch), and beyond OUT_REUSE_MAX
 * render. */
static void test_reuse_many(const char *tmp)
{
	char dest[512];
	snprintf(dest, sizeof dest, "%s/site6", tmp);
	struct diags d;
	diags_init(&d);
	struct output_stats st;
	struct output *o = output_open(dest, 0, &d);
	char name[OUT_REUSE_MAX + 1][16];
	int rc = o ? 0 : -1;
	for (int i = 0; i <= OUT_REUSE_MAX && rc == 0; i++) {
		snprintf(name[i], sizeof name[i], "p%d.html", i);
		rc = write_page(o, name[i], "p", k1);
	}
	if (o)
		rc |= output_commit(o, &st, &d);
	o = output_open(dest, 0, &d);
	const char *path[] = { "p0.html", "p1.html", "p2.html", "p3.html", "new.html", "p0.html" };
	const char *key[] = { k1, k2, NULL, "not a key", k1, k1 };
	int res[6] = { 9, 9, 9, 9, 9, 9 };
	if (o)
		output_reuse_many(o, 6, path, key, res);
	ok(rc == 0 && res[0] == 1 && res[1] == 0 && res[2] == 0 && res[3] == 0 && res[4] == 0 &&
	   res[5] == 0, "cache batch: reuse, another key, no key, bad key, new page, the "
	   "same path again: %d %d %d %d %d %d", res[0], res[1], res[2], res[3], res[4], res[5]);
	ok(o && write_page(o, "p0.html", "x", k1) < 0 &&
	   has_diag(&d, "p0.html", "two pages claim the same output file"),
	   "cache batch: a reused page is claimed: writing it again fails");
	const char *many_path[OUT_REUSE_MAX + 1], *many_key[OUT_REUSE_MAX + 1];
	int many[OUT_REUSE_MAX + 1];
	for (int i = 0; i <= OUT_REUSE_MAX; i++) {
		many_path[i] = name[i];
		many_key[i] = k1;
	}
	if (o)
		output_reuse_many(o, OUT_REUSE_MAX + 1, many_path, many_key, many);
	ok(o && many[1] == 1 && many[OUT_REUSE_MAX - 1] == 1 && many[OUT_REUSE_MAX] == 0,
	   "cache batch: at most %d pages, the rest are to be rendered", OUT_REUSE_MAX);
	if (o)
		output_abort(o);
	diags_free(&d);
}

/* How often needle occurs in the file at dest/rel; -1 when unreadable. */
static int count_in(const char *dest, const char *rel, const char *needle)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dest, rel);
	struct buf b;
	buf_init(&b, 0);
	int n = buf_read_file(&b, path) == 0 ? 0 : -1;
	for (const char *p = n == 0 ? b.data : NULL; p && (p = strstr(p, needle)); p++)
		n++;
	buf_free(&b);
	return n;
}

/* The sitemap index: parts of at most max_urls URLs and max_bytes bytes,
 * named by sitemap.xml in order. */
static void test_sitemap(const char *tmp)
{
	char dest[512];
	snprintf(dest, sizeof dest, "%s/site5", tmp);
	struct diags d;
	diags_init(&d);
	struct output *o = output_open(dest, 0, &d);
	struct sitemap *sm = o ? sitemap_open(o, "https://x.test", "2026-01-01", 3, 0, &d) : NULL;
	int rc = sm ? 0 : -1;
	char rel[64];
	for (int i = 0; i < 7 && rc == 0; i++) {
		snprintf(rel, sizeof rel, "p%d.html", i);
		rc = sitemap_add(sm, rel);
	}
	rc |= sm ? sitemap_close(sm) : -1;
	struct output_stats st;
	rc |= o ? output_commit(o, &st, &d) : -1;
	ok(rc == 0 && count_in(dest, "sitemap.xml", "<sitemap><loc>https://x.test/sitemap-") == 3 &&
	   count_in(dest, "sitemap.xml", "<loc>https://x.test/sitemap-3.xml</loc>"
		    "<lastmod>2026-01-01</lastmod>") == 1 &&
	   count_in(dest, "sitemap.xml", "<sitemapindex xmlns=") == 1,
	   "sitemap: 7 URLs, 3 per file: an index of 3 files");
	ok(count_in(dest, "sitemap-1.xml", "<url>") == 3 && count_in(dest, "sitemap-2.xml", "<url>") == 3 &&
	   count_in(dest, "sitemap-3.xml", "<url>") == 1 &&
	   count_in(dest, "sitemap-3.xml", "<loc>https://x.test/p6.html</loc>") == 1 &&
	   count_in(dest, "sitemap-3.xml", "</urlset>\n") == 1,
	   "sitemap: the URLs in order, each file a whole urlset");

	/* bytes: head 100 + 3 URLs of 61 + tail 10 = 293 fit 320, a fourth not */
	snprintf(dest, sizeof dest, "%s/site6", tmp);
	o = output_open(dest, 0, &d);
	sm = o ? sitemap_open(o, "https://x.test", NULL, 0, 320, &d) : NULL;
	rc = sm ? 0 : -1;
	for (int i = 0; i < 5 && rc == 0; i++) {
		snprintf(rel, sizeof rel, "leistungen/seite-%d.html", i);
		rc = sitemap_add(sm, rel);
	}
	char big[600];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	int too_big = sm ? sitemap_add(sm, big) : 0;
	int closed = sm ? sitemap_close(sm) : 0;
	ok(rc == 0 && too_big < 0 && closed < 0 && d.n == 1 && strstr(d.v[0].msg, "does not fit"),
	   "sitemap: a URL larger than a file fails, with a diagnostic");
	if (o)
		output_abort(o);
	diags_free(&d);
	diags_init(&d);
	o = output_open(dest, 0, &d);
	sm = o ? sitemap_open(o, "https://x.test", NULL, 0, 320, &d) : NULL;
	rc = sm ? 0 : -1;
	for (int i = 0; i < 5 && rc == 0; i++) {
		snprintf(rel, sizeof rel, "leistungen/seite-%d.html", i);
		rc = sitemap_add(sm, rel);
	}
	rc |= sm ? sitemap_close(sm) : -1;
	rc |= o ? output_commit(o, &st, &d) : -1;
	ok(rc == 0 && count_in(dest, "sitemap-1.xml", "<url>") == 3 &&
	   count_in(dest, "sitemap-2.xml", "<url>") == 2,
	   "sitemap: a file ends before it would pass its byte limit");
	diags_free(&d);
}

/* One build of the files "rel=bytes" in spec (NULL-terminated). 0 ok. */
static int build_files(const char *dest, const char *const *spec, struct output_stats *st)
{
	struct diags d;
	diags_init(&d);
	struct output *o = output_open(dest, 0, &d);
	int rc = o ? 0 : -1;
	for (size_t i = 0; spec[i] && rc == 0; i++) {
		char rel[256];
		const char *eq = strchr(spec[i], '=');
		snprintf(rel, sizeof rel, "%.*s", (int)(eq - spec[i]), spec[i]);
		rc = write_page(o, rel, eq + 1, NULL);
	}
	if (o)
		rc = output_commit(o, st, &d) < 0 ? -1 : rc;
	for (size_t i = 0; i < d.n; i++)
		printf("# %s: %s\n", d.v[i].file, d.v[i].msg);
	diags_free(&d);
	return rc;
}

/* Every file below dir/rel but dot files, as "rel=bytes " in b. */
static void list_tree(struct buf *b, const char *dir, const char *rel, char **v, size_t *n)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d)) && *n < 64) {
		if (e->d_name[0] == '.')
			continue;
		char sub[400];
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(path, sizeof path, "%s/%s", dir, sub);
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			list_tree(b, dir, sub, v, n);
			continue;
		}
		struct buf f;
		buf_init(&f, 0);
		buf_read_file(&f, path);
		size_t len = strlen(sub) + f.len + 2;
		v[*n] = malloc(len);
		snprintf(v[(*n)++], len, "%s=%s", sub, f.data ? f.data : "");
		buf_free(&f);
	}
	if (d)
		closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Does dir hold exactly the files of want ("rel=bytes", sorted, ' '
 * between)? The tree found goes to got. */
static int tree_is(const char *dir, const char *want, char *got, size_t n_got)
{
	char *v[64];
	size_t n = 0;
	struct buf b;
	buf_init(&b, 0);
	list_tree(&b, dir, "", v, &n);
	qsort(v, n, sizeof *v, cmp_str);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "%s%s", i ? " " : "", v[i]);
		free(v[i]);
	}
	snprintf(got, n_got, "%s", b.data ? b.data : "");
	int same = strcmp(got, want) == 0;
	buf_free(&b);
	return same;
}

/* The previous site kept as the staging tree (write/stage.h): a build
 * touches only what changed in the last two builds, the result is the
 * same tree a build from scratch makes, unchanged files stay one inode,
 * and a staging tree changed by hand is not used. */
static void test_stage(const char *tmp)
{
	char dest[512], prev[520], a[600], pa[600], got[1024];
	snprintf(dest, sizeof dest, "%s/site7", tmp);
	snprintf(prev, sizeof prev, "%s.prev", dest);
	snprintf(a, sizeof a, "%s/a.html", dest);
	snprintf(pa, sizeof pa, "%s/a.html", prev);
	struct output_stats st;
	const char *b1[] = { "a.html=A1", "b.html=B1", "d/c.html=C1", "d/e.html=E1", NULL };
	const char *b2[] = { "a.html=A1", "b.html=B2", "d/c.html=C1", "f.html=F1", NULL };
	const char *b3[] = { "a.html=A1", "b.html=B2", "d/c.html=C3", "d/e.html=E3",
		"f.html=F1", NULL };
	int rc = build_files(dest, b1, &st);
	char e1[600], pe1[600];
	snprintf(e1, sizeof e1, "%s/d/e.html", dest);
	snprintf(pe1, sizeof pe1, "%s/d/e.html", prev);
	ok(rc == 0 && tree_is(prev, "a.html=A1 b.html=B1 d/c.html=C1 d/e.html=E1", got, sizeof got) &&
	   inode(a) == inode(pa) && inode(e1) == inode(pe1) && inode(a) != 0,
	   "stage: a first build leaves a staging tree of links to its files [%s]", got);
	ino_t stage_ino = inode(prev);
	rc = build_files(dest, b2, &st);
	ok(rc == 0 && inode(dest) == stage_ino && st.written == 2 && st.unchanged == 2,
	   "stage: the next build is made in it");
	ok(rc == 0 && tree_is(prev, "a.html=A1 b.html=B1 d/c.html=C1 d/e.html=E1", got, sizeof got),
	   "stage: the previous site is kept beside the new one [%s]", got);
	ok(inode(a) == inode(pa) && inode(a) != 0, "stage: an unchanged file is one inode in both");
	stage_ino = inode(prev);
	rc = build_files(dest, b3, &st);
	ok(inode(dest) == stage_ino && stage_ino != 0,
	   "stage: the previous site becomes the new one (it was the staging tree)");
	ok(rc == 0 && st.written == 2 && st.unchanged == 3 && st.removed == 0 &&
	   tree_is(dest, "a.html=A1 b.html=B2 d/c.html=C3 d/e.html=E3 f.html=F1", got, sizeof got),
	   "stage: built in the staging tree, the same files as from scratch [%s]", got);
	ok(tree_is(prev, "a.html=A1 b.html=B2 d/c.html=C1 f.html=F1", got, sizeof got),
	   "stage: and the site before is kept [%s]", got);
	char b[600], pb[600];
	snprintf(b, sizeof b, "%s/b.html", dest);
	snprintf(pb, sizeof pb, "%s/b.html", prev);
	ok(inode(b) == inode(pb) && inode(a) == inode(pa),
	   "stage: a file changed by the build before is linked again");
	ino_t prev_ino = inode(prev);
	rc = build_files(dest, b3, &st);
	ok(rc == 0 && st.written == 0 && inode(prev) == prev_ino &&
	   tree_is(prev, "a.html=A1 b.html=B2 d/c.html=C1 f.html=F1", got, sizeof got),
	   "stage: a build that changes nothing leaves both trees as they are");

	/* Entries added, removed or renamed in the staging tree by hand right
	 * after the build that kept it: the next build must not use it (else
	 * the stray file is deployed or a page missing). The kernel stamps a
	 * directory's mtime from a coarse clock (a few ms a tick; kernels with
	 * multigrain timestamps, 6.13 on, stamp finely after a stat), so such a
	 * change can leave the mtime the marker recorded, and a check by mtime
	 * alone let it through now and then. Every second round makes that
	 * case for sure: the directory's mtime is put ahead of the clock before
	 * the build that keeps the tree (as when its last change fell in the
	 * marker's tick) and put back after the change by hand. So a check by
	 * mtime alone fails a hundred rounds, every run; the other rounds
	 * change the tree as soon as the build returns, as a person would.
	 * Whether the tree was used is told by what is deployed, not by the
	 * inode of the site's directory: ext4 may give the directory made
	 * instead the number of the staging tree just removed. */
	const char *b4[] = { "a.html=A4", "b.html=B2", "d/c.html=C3", "d/e.html=E3",
		"f.html=F1", NULL };
	const char *const want[2] = { "a.html=A4 b.html=B2 d/c.html=C3 d/e.html=E3 f.html=F1",
		"a.html=A1 b.html=B2 d/c.html=C3 d/e.html=E3 f.html=F1" };
	const char *const *spec[2] = { b4, b3 };
	static const char *const kinds[3] = { "added", "removed", "renamed" };
	char dd[600], d_dest[600], stray[600], pc[600], px[600], bad[1200] = "";
	snprintf(dd, sizeof dd, "%s/d", prev);
	snprintf(d_dest, sizeof d_dest, "%s/d", dest);
	snprintf(stray, sizeof stray, "%s/d/stray.html", prev);
	snprintf(pc, sizeof pc, "%s/d/c.html", prev);
	snprintf(px, sizeof px, "%s/d/x.html", prev);
	int rounds = 200, failed = 0, same_mtime = 0, turn = 0;
	for (int i = 0; i < rounds; i++) {
		int kind = i % 3, coarse = i % 2, done = 1;
		struct stat before, after;
		if (coarse) {
			/* the deployed tree's d, which this build keeps as the
			 * staging tree's d */
			struct timespec ahead[2] = { { 0, UTIME_OMIT }, { time(NULL) + 3600, 0 } };
			done = utimensat(AT_FDCWD, d_dest, ahead, 0) == 0 &&
			       build_files(dest, spec[turn++ % 2], &st) == 0;
		}
		done = done && stat(dd, &before) == 0;
		if (kind == 0) {
			FILE *f = fopen(stray, "w");
			done = done && f && fclose(f) == 0;
		} else if (kind == 1) {
			done = done && unlink(pc) == 0;
		} else {
			done = done && rename(pc, px) == 0;
		}
		if (coarse) {
			struct timespec back[2] = { { 0, UTIME_OMIT }, before.st_mtim };
			done = done && utimensat(AT_FDCWD, dd, back, 0) == 0;
		}
		if (done && stat(dd, &after) == 0 &&
		    after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
		    after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
			same_mtime++;
		/* b4 and b3 in turn: every build changes a.html, so each keeps
		 * the site before it as the next staging tree */
		int k = turn++ % 2;
		rc = build_files(dest, spec[k], &st);
		if ((!done || rc != 0 || !tree_is(dest, want[k], got, sizeof got)) && !failed++)
			snprintf(bad, sizeof bad, "round %d, a file %s: %s", i, kinds[kind],
				 done ? got : "the change by hand failed");
	}
	printf("# %d of %d changes by hand left the directory's mtime as it was (%d on purpose)\n",
	       same_mtime, rounds, rounds / 2);
	ok(failed == 0, "stage: a staging tree changed by hand is not used (%d of %d rounds "
	   "failed%s%s)", failed, rounds, failed ? "; first: " : "", bad);
	rc = build_files(dest, b4, &st);
	ok(rc == 0 && tree_is(dest, want[0], got, sizeof got),
	   "stage: then built again as usual [%s]", got);

	/* a directory that loses its files goes */
	const char *b5[] = { "a.html=A4", "b.html=B5", "f.html=F1", NULL };
	rc = build_files(dest, b5, &st);
	rc |= build_files(dest, b4, &st);
	rc |= build_files(dest, b5, &st);
	snprintf(dd, sizeof dd, "%s/d", dest);
	ok(rc == 0 && st.removed == 2 && access(dd, F_OK) < 0 &&
	   tree_is(dest, "a.html=A4 b.html=B5 f.html=F1", got, sizeof got),
	   "stage: removed files and their empty directory go [%s]", got);

	/* a failed build: the deployed site as it was, no temporary tree */
	struct diags d;
	diags_init(&d);
	struct output *o = output_open(dest, 0, &d);
	rc = o ? write_page(o, "a.html", "A9", NULL) : -1;
	if (o)
		write_page(o, "a.html", "A10", NULL);   /* claimed twice: fails */
	ok(rc == 0 && o && output_commit(o, &st, &d) < 0 &&
	   tree_is(dest, "a.html=A4 b.html=B5 f.html=F1", got, sizeof got),
	   "stage: a failed build leaves the site as it was [%s]", got);
	diags_free(&d);
	rc = build_files(dest, b4, &st);
	ok(rc == 0 && tree_is(dest, "a.html=A4 b.html=B2 d/c.html=C3 d/e.html=E3 f.html=F1",
			      got, sizeof got),
	   "stage: and the next build is whole again [%s]", got);

	/* With a valid staging tree the deployed files are the cache's list;
	 * a list that lost a line (its count no longer matches) is not
	 * taken: the tree is read, and the file it lost, which the staging
	 * tree has too, is still removed. */
	char cache[600];
	snprintf(cache, sizeof cache, "%s/.sitegen-cache", dest);
	struct buf cb;
	buf_init(&cb, 0);
	int cr = buf_read_file(&cb, cache);
	char *line = cr == 0 && cb.data ? strstr(cb.data, " f.html\n") : NULL;
	if (line) {
		while (line > cb.data && line[-1] != '\n')
			line--;
		char *end = strchr(line, '\n') + 1;
		memmove(line, end, cb.len - (size_t)(end - cb.data) + 1);
		FILE *f = fopen(cache, "w");
		if (!f || fputs(cb.data, f) == EOF)
			line = NULL;
		if (f && fclose(f) != 0)
			line = NULL;
	}
	buf_free(&cb);
	const char *b6[] = { "a.html=A4", "b.html=B5", NULL };
	rc = build_files(dest, b6, &st);
	ok(line && rc == 0 && st.removed == 3 &&
	   tree_is(dest, "a.html=A4 b.html=B5", got, sizeof got),
	   "stage: a cache that lost a line is not taken as the list of files [%s]", got);

	/* The cache's paths are what a build removes from the staging tree
	 * when it does not write them again: a path that climbs out of the
	 * tree, with the count made to fit, must not remove a file outside. */
	rc = build_files(dest, b6, &st);
	char outside[700], esc[600];
	snprintf(outside, sizeof outside, "%s.escape.html", dest);
	FILE *pf = fopen(outside, "w");
	int planted = pf && fputs("keep", pf) != EOF;
	if (pf && fclose(pf) != 0)
		planted = 0;
	/* from the staging tree <dest>.tmp.<pid>: ../<name of dest>.escape.html */
	const char *base = strrchr(dest, '/');
	snprintf(esc, sizeof esc, "- ../%s.escape.html\n", base ? base + 1 : dest);
	buf_init(&cb, 0);
	cr = rc == 0 ? buf_read_file(&cb, cache) : -1;
	char *files = cr == 0 && cb.data ? strstr(cb.data, "files ") : NULL;
	unsigned long nfiles = files ? strtoul(files + 6, NULL, 10) : 0;
	FILE *c = files ? fopen(cache, "w") : NULL;
	int forged = c && fprintf(c, "%.*s%sfiles %lu\n", (int)(files - cb.data), cb.data,
				 esc, nfiles + 1) > 0;
	if (c && fclose(c) != 0)
		forged = 0;
	buf_free(&cb);
	const char *b7[] = { "a.html=A4", NULL };
	rc = build_files(dest, b7, &st);
	ok(planted && forged && rc == 0 && access(outside, F_OK) == 0 &&
	   tree_is(dest, "a.html=A4", got, sizeof got),
	   "stage: a cache naming a path outside the tree removes nothing outside [%s]", got);
	unlink(outside);
}

/* A cache of more than one 64 KiB piece (write_cache writes it piece
 * by piece, each summed as it goes): its last line counts every page
 * and carries the checksum of all lines before it, and the next build
 * takes its keys (every page reused) and its list of files (the staging
 * tree's: a page no longer written is removed). */
static void test_cache_pieces(const char *tmp)
{
	char dest[512], cache[600], rel[200], key[41];
	snprintf(dest, sizeof dest, "%s/pieces", tmp);
	snprintf(cache, sizeof cache, "%s/.sitegen-cache", dest);
	enum { N = 1200 };
	int rc = 0;
	for (int round = 0; round < 2 && rc == 0; round++) {
		struct diags d;
		diags_init(&d);
		struct output *o = output_open(dest, 0, &d);
		struct output_stats st;
		int reused = 0;
		rc = o ? 0 : -1;
		/* the second build leaves the last page out */
		for (int i = 0; i < N - round && rc == 0; i++) {
			snprintf(rel, sizeof rel, "leistungen/eine-leistung-mit-einem-langen-namen-%04d.html", i);
			snprintf(key, sizeof key, "%040x", i + 1);
			int r = output_reuse(o, rel, key);
			reused += r == 1;
			rc = r < 0 ? -1 : r == 1 ? 0 : write_page(o, rel, "<p>x</p>", key);
		}
		if (o && output_commit(o, &st, &d) < 0)
			rc = -1;
		diags_free(&d);
		if (round == 1)
			ok(rc == 0 && reused == N - 1 && st.removed == 1 && st.written == 0,
			   "a cache of several pieces: every page's key taken (%d reused), the page "
			   "left out removed (%zu)", reused, rc == 0 ? st.removed : 0);
	}
	struct buf cb;
	buf_init(&cb, 0);
	char *last = rc == 0 && buf_read_file(&cb, cache) == 0 && cb.len > 65536 ?
		     strstr(cb.data, "\nfiles ") : NULL;
	char want[80];
	if (last)
		snprintf(want, sizeof want, "\nfiles %d %08lx\n", N - 1,
			 crc32_z(0, (const unsigned char *)cb.data,
				 (size_t)(last + 1 - cb.data)) & 0xffffffffUL);
	ok(last && strcmp(last, want) == 0,
	   "... written in pieces (%zu bytes): its count and checksum are those of its lines",
	   cb.len);
	buf_free(&cb);
}

/* pathtab_reserve: the paths of a cache read in are added without the
 * table moving or its index being rebuilt, and every one is found. */
static void test_pathtab_reserve(void)
{
	struct pathtab t;
	pathtab_init(&t, 0);
	uint32_t first = pathtab_add(&t, "index.html", 10);
	char name[64];
	size_t bytes = 0;
	for (int i = 0; i < 5000; i++)
		bytes += (size_t)snprintf(name, sizeof name, "leistungen/dienst-%d.html", i);
	pathtab_reserve(&t, 5000, bytes);
	const void *e = t.e, *pool = t.pool, *index = t.index;
	size_t index_cap = t.index_cap;
	int found = 1;
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(name, sizeof name, "leistungen/dienst-%d.html", i);
		found &= pathtab_add(&t, name, (size_t)n) == (uint32_t)i + 1;
	}
	ok(t.e == e && t.pool == pool && t.index == index && t.index_cap == index_cap,
	   "pathtab_reserve: 5,000 paths added into the room reserved, nothing moved");
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(name, sizeof name, "leistungen/dienst-%d.html", i);
		uint32_t k = pathtab_find(&t, name, (size_t)n);
		found &= k == (uint32_t)i + 1 && strcmp(pathtab_name(&t, k), name) == 0;
	}
	ok(found && pathtab_find(&t, "index.html", 10) == first && t.n == 5001 &&
	   t.index_cap >= 2 * t.n, "... and each is found by its name, the first one too");
	pathtab_free(&t);
	pathtab_init(&t, 4);
	pathtab_reserve(&t, 1000, 10000);
	ok(t.cap == 4 && pathtab_add(&t, "a", 1) == 0, "a reserve beyond the table's maximum is cut to it");
	pathtab_free(&t);
}

int main(void)
{
	const char *tmp = tap_tmpdir("write_output");
	if (!tmp) {
		ok(0, "a temporary directory: %s", strerror(errno));
		return tap_exit();
	}
	test_streams(tmp);
	test_refused(tmp);
	test_links(tmp);
	test_links_many(tmp);
	test_reuse(tmp);
	test_reuse_many(tmp);
	test_sitemap(tmp);
	test_stage(tmp);
	test_cache_pieces(tmp);
	test_pathtab_reserve();
	return tap_exit();
}
