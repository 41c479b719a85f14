/* links.h - internal links of generated HTML, for `sitegen check` and
 * every build: each relative href/src must name a file of the same build,
 * so the site works from any path prefix and from file://. */
#ifndef LINKS_H
#define LINKS_H
#include <stddef.h>

/* Calls fn(ctx, target) for each internal link of an HTML page at
 * page_rel, with target resolved against the page's folder ("dorsten/
 * leistungen/x.html" + "../index.html" -> "dorsten/index.html"), without
 * query or fragment. External (scheme:, //host) and fragment-only links
 * are skipped. A link that climbs above the site root or starts with "/"
 * is passed as "" so the caller reports it. */
void links_each(const char *page_rel, const char *html, size_t len,
		void (*fn)(void *ctx, const char *target, const char *raw), void *ctx);
/* Longer links are not looked at: a target is shorter than this. */
#define LINKS_MAX 2048
#endif
