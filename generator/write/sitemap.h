/* sitemap.h - the site's sitemap (sitemaps.org protocol 0.9). One sitemap
 * file may hold at most 50,000 URLs and 50 MB, and ten times the
 * catalogue has 84,000 pages: so sitemap.xml is always a sitemap index
 * naming sitemap-1.xml ... sitemap-N.xml, each filled up to those limits
 * in the order the URLs are added. Always, not only past 50,000 URLs: one
 * format, the same code in every build, and crawlers (and a robots.txt
 * "Sitemap:" line) keep finding everything at sitemap.xml. Each file is
 * written in pieces (write/output.h: output_stream). */
#ifndef SITEMAP_H
#define SITEMAP_H
#include <stddef.h>
#include "output.h"
#include "../util/diag.h"

#define SITEMAP_MAX_URLS 50000
#define SITEMAP_MAX_BYTES ((size_t)52428800)    /* 50 MiB, uncompressed */

struct sitemap;

/* base_url: absolute, without the trailing slash; lastmod: YYYY-MM-DD or
 * NULL (none given). max_urls, max_bytes: per file; 0 for the protocol's
 * limits (tests pass small ones). Problems go to d; one thread. */
struct sitemap *sitemap_open(struct output *o, const char *base_url, const char *lastmod,
			     size_t max_urls, size_t max_bytes, struct diags *d);
/* One page, by its path in the site ("dorsten/index.html"). 0 ok, -1
 * after a diagnostic (a URL that does not fit a file on its own). */
int sitemap_add(struct sitemap *s, const char *rel);
/* Finishes the last file and writes the index sitemap.xml; frees s. 0 ok,
 * -1 after a diagnostic. */
int sitemap_close(struct sitemap *s);
#endif
