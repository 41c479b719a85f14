/* links.c - see links.h */
#include "links.h"
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define LINK_MAX 2048

static bool is_external(const char *u, size_t n)
{
	if (n >= 2 && u[0] == '/' && u[1] == '/')
		return true;
	/* scheme ":" before any '/', '?' or '#' */
	for (size_t i = 0; i < n; i++) {
		if (u[i] == ':')
			return i > 0;
		if (!isalnum((unsigned char)u[i]) && u[i] != '+' && u[i] != '-' && u[i] != '.')
			return false;
	}
	return false;
}

/* Join dir (may be "") and rel, folding "." and ".."; false when the
 * result would climb above the root. */
static bool resolve(const char *page, const char *rel, size_t n, char *out, size_t cap)
{
	const char *slash = strrchr(page, '/');
	size_t len = slash ? (size_t)(slash - page) + 1 : 0;
	if (len + n + 1 > cap)
		return false;
	memcpy(out, page, len);
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && rel[j] != '/')
			j++;
		size_t seg = j - i;
		if (seg == 2 && rel[i] == '.' && rel[i + 1] == '.') {
			if (len == 0)
				return false;
			len--;                          /* drop the trailing '/' */
			while (len > 0 && out[len - 1] != '/')
				len--;
		} else if (!(seg == 1 && rel[i] == '.') && seg > 0) {
			memcpy(out + len, rel + i, seg);
			len += seg;
			if (j < n)
				out[len++] = '/';
		}
		i = j + 1;
	}
	out[len] = '\0';
	return true;
}

static void one_link(const char *page, const char *u, size_t n,
		     void (*fn)(void *, const char *, const char *), void *ctx)
{
	char raw[LINK_MAX], target[LINK_MAX];
	if (n == 0 || n >= LINK_MAX || u[0] == '#' || is_external(u, n))
		return;
	memcpy(raw, u, n);
	raw[n] = '\0';
	size_t end = strcspn(raw, "?#");
	if (end == 0)
		return;
	if (raw[0] == '/' || !resolve(page, raw, end, target, sizeof target))
		target[0] = '\0';
	fn(ctx, target, raw);
}

void links_each(const char *page_rel, const char *html, size_t len,
		void (*fn)(void *ctx, const char *target, const char *raw), void *ctx)
{
	static const char *const attrs[] = { " href=\"", " src=\"" };
	for (size_t a = 0; a < 2; a++) {
		size_t al = strlen(attrs[a]);
		const char *p = html, *end = html + len;
		while ((p = memmem(p, (size_t)(end - p), attrs[a], al))) {
			p += al;
			const char *q = memchr(p, '"', (size_t)(end - p));
			if (!q)
				break;
			one_link(page_rel, p, (size_t)(q - p), fn, ctx);
			p = q + 1;
		}
	}
}
