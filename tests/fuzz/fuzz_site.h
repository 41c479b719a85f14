/* fuzz_site.h - builds through sitegen's output API for the harnesses of
 * the files it keeps beside the site (fuzz_sitecache, fuzz_stage), and
 * the checks of the site a build left. Header-only, like fuzz.h. */
#ifndef FUZZ_SITE_H
#define FUZZ_SITE_H
#include "fuzz.h"
#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include "util/buf.h"
#include "write/output.h"

/* One page of a build: its path, its bytes and its cache key. */
struct fuzz_page {
	const char *rel, *bytes, *key;
};

/* A build of pages (ended by a NULL rel) into dest, as sitegen makes one:
 * a page whose key the last build wrote it under is reused, the others
 * written; then the commit. 0 ok, -1 when a step failed. */
static inline int fuzz_build(const char *dest, const struct fuzz_page *p)
{
	struct diags d;
	diags_init(&d);
	struct output *o = output_open(dest, 0, &d);
	int rc = o ? 0 : -1;
	for (size_t i = 0; p[i].rel && rc == 0; i++) {
		if (output_reuse(o, p[i].rel, p[i].key) == 1)
			continue;
		struct buf b;
		buf_init(&b, 0);
		rc = buf_puts(&b, p[i].bytes) < 0 ? -1 :
			output_write_buf(o, p[i].rel, &b, p[i].key);
		buf_free(&b);
	}
	if (o)
		rc = output_commit(o, NULL, &d) < 0 ? -1 : rc;
	diags_free(&d);
	return rc;
}

/* in without one of its lines (number pick, modulo their count) into
 * out: the damage of a line lost. */
static inline void fuzz_without_line(const struct buf *in, unsigned pick, struct buf *out)
{
	size_t lines = 0, k = 0;
	for (size_t i = 0; i < in->len; i++)
		lines += in->data[i] == '\n';
	size_t drop = pick % (lines ? lines : 1);
	for (const char *l = in->data; l < in->data + in->len; k++) {
		const char *nl = memchr(l, '\n', (size_t)(in->data + in->len - l));
		size_t n = nl ? (size_t)(nl - l) + 1 : (size_t)(in->data + in->len - l);
		if (k != drop && buf_append(out, l, n) < 0)
			abort();
		l += n;
	}
}

/* The file an input (size >= 1) makes of real, the file as sitegen wrote
 * it, into out (empty): drop, real without the line byte 1 names (damage
 * that lost one); else byte 0 even, the rest of the input is the whole
 * file; odd, real with the rest written over it from the offset byte 1
 * names, modulo its length + 1 (so mutations reach its real lines). */
static inline void fuzz_damaged(const struct buf *real, bool drop, const uint8_t *data,
				size_t size, struct buf *out)
{
	if (drop) {
		fuzz_without_line(real, size > 1 ? data[1] : 0, out);
	} else if (data[0] & 1) {
		size_t at = size > 1 ? data[1] % (real->len + 1) : 0;
		size_t n = size > 2 ? size - 2 : 0;
		if (buf_append(out, real->data, real->len) < 0 ||
		    (at + n > out->len && buf_append(out, data, at + n - out->len) < 0))
			abort();        /* the second append makes room */
		if (n)
			memcpy(out->data + at, data + 2, n);
	} else if (buf_append(out, data + 1, size - 1) < 0) {
		abort();
	}
}

/* Does dest/rel hold exactly want (a short text)? */
static inline int fuzz_file_is(const char *dest, const char *rel, const char *want)
{
	char path[256], got[64];
	snprintf(path, sizeof path, "%s/%s", dest, rel);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(got, 1, sizeof got - 1, f) : 0;
	if (f)
		fclose(f);
	got[n] = '\0';
	return f && !strcmp(got, want);
}

/* The files below dir but dot files, counted; -1 when dir cannot be read. */
static inline int fuzz_count_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[512];
		snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(sub, &st) == 0)
			n += S_ISDIR(st.st_mode) ? fuzz_count_files(sub) : 1;
	}
	closedir(d);
	return n;
}
#endif
