/* links.c - see links.h */
#include "links.h"
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

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
	char raw[LINKS_MAX], target[LINKS_MAX];
	if (n == 0 || n >= LINKS_MAX || u[0] == '#' || is_external(u, n))
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

/* Does the '=' at eq end " href" or " src"? */
static bool link_attr_at(const char *html, const char *eq)
{
	size_t before = (size_t)(eq - html);
	return (before >= 5 && memcmp(eq - 5, " href", 5) == 0) ||
	       (before >= 4 && memcmp(eq - 4, " src", 4) == 0);
}

/* One pass over the page from '=' to '=' (memchr), not one search per
 * attribute name: the scan was a fifth of a full build's instructions. */
void links_each(const char *page_rel, const char *html, size_t len,
		void (*fn)(void *ctx, const char *target, const char *raw), void *ctx)
{
	const char *p = html, *end = html + len;
	while ((p = memchr(p, '=', (size_t)(end - p)))) {
		const char *eq = p++;
		if (p == end || *p != '"' || !link_attr_at(html, eq))
			continue;
		p++;
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			break;
		one_link(page_rel, p, (size_t)(q - p), fn, ctx);
		p = q + 1;
	}
}
