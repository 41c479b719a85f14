/* sitemap.c - see sitemap.h */
#include "sitemap.h"
#include "../util/arena.h"
#include "../util/buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SITEMAP_NS "http://www.sitemaps.org/schemas/sitemap/0.9"
#define URLSET_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"" \
	SITEMAP_NS "\">\n"
#define URLSET_TAIL "</urlset>\n"
#define URL_MAX 8192            /* bytes of one <url> element */

struct sitemap {
	struct output *o;
	struct diags *d;
	const char *base, *lastmod;
	size_t max_urls, max_bytes;
	struct output_stream *cur;  /* sitemap-<files>.xml, or NULL */
	size_t files;               /* files started */
	size_t urls, bytes;         /* in the current file */
	struct buf url;             /* one <url> element */
	int failed;
};

struct sitemap *sitemap_open(struct output *o, const char *base_url, const char *lastmod,
			     size_t max_urls, size_t max_bytes, struct diags *d)
{
	struct sitemap *s = xcalloc(1, sizeof *s);
	s->o = o;
	s->d = d;
	s->base = base_url ? base_url : "";
	s->lastmod = lastmod;
	s->max_urls = max_urls ? max_urls : SITEMAP_MAX_URLS;
	s->max_bytes = max_bytes ? max_bytes : SITEMAP_MAX_BYTES;
	buf_init(&s->url, URL_MAX);
	return s;
}

/* "<base>/<rel>" as an XML text. */
static int put_loc(struct buf *b, const char *base, const char *rel)
{
	int rc = buf_put_html(b, base, strlen(base));
	rc |= buf_putc(b, '/');
	return rc | buf_put_html(b, rel, strlen(rel));
}

/* Ends the current file: 0 ok. */
static int finish_file(struct sitemap *s)
{
	if (!s->cur)
		return 0;
	int rc = buf_puts(output_stream_buf(s->cur), URLSET_TAIL);
	rc |= output_stream_close(s->cur);
	s->cur = NULL;
	return rc ? -1 : 0;
}

/* Starts sitemap-<n>.xml. */
static int next_file(struct sitemap *s)
{
	if (finish_file(s) < 0)
		return -1;
	char name[64];
	snprintf(name, sizeof name, "sitemap-%zu.xml", ++s->files);
	s->cur = output_stream_open(s->o, name, NULL);
	if (!s->cur)
		return -1;
	s->urls = 0;
	s->bytes = strlen(URLSET_HEAD);
	return buf_puts(output_stream_buf(s->cur), URLSET_HEAD);
}

int sitemap_add(struct sitemap *s, const char *rel)
{
	if (s->failed)
		return -1;
	struct buf *u = &s->url;
	buf_reset(u);
	buf_puts(u, "<url><loc>");
	put_loc(u, s->base, rel);
	buf_puts(u, "</loc>");
	if (s->lastmod) {   /* not formatted: this runs for every page */
		buf_puts(u, "<lastmod>");
		buf_puts(u, s->lastmod);
		buf_puts(u, "</lastmod>");
	}
	buf_puts(u, "</url>\n");
	size_t room = s->max_bytes - strlen(URLSET_TAIL);
	if (buf_failed(u) || strlen(URLSET_HEAD) + u->len > room) {
		diag_add(s->d, "sitemap.xml", 0, 0, "the URL of '%s' does not fit a sitemap", rel);
		s->failed = 1;
		return -1;
	}
	int rc = 0;
	if (!s->cur || s->urls == s->max_urls || s->bytes + u->len > room)
		rc = next_file(s);
	if (rc == 0)
		rc = buf_append(output_stream_buf(s->cur), u->data, u->len) |
		     output_stream_flush(s->cur);
	s->urls++;
	s->bytes += u->len;
	if (rc)
		s->failed = 1;
	return rc ? -1 : 0;
}

/* sitemap.xml: the index of the files written. */
static int write_index(struct sitemap *s)
{
	struct output_stream *x = output_stream_open(s->o, "sitemap.xml", NULL);
	if (!x)
		return -1;
	struct buf *b = output_stream_buf(x);
	int rc = buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<sitemapindex xmlns=\"" SITEMAP_NS "\">\n");
	for (size_t i = 1; i <= s->files && rc == 0; i++) {
		char name[64];
		snprintf(name, sizeof name, "sitemap-%zu.xml", i);
		rc = buf_puts(b, "<sitemap><loc>") | put_loc(b, s->base, name) |
		     buf_puts(b, "</loc>");
		if (s->lastmod)
			rc |= buf_printf(b, "<lastmod>%s</lastmod>", s->lastmod);
		rc |= buf_puts(b, "</sitemap>\n") | output_stream_flush(x);
	}
	rc |= buf_puts(b, "</sitemapindex>\n");
	return output_stream_close(x) < 0 || rc ? -1 : 0;
}

int sitemap_close(struct sitemap *s)
{
	int rc = s->failed ? -1 : 0;
	if (finish_file(s) < 0)
		rc = -1;
	if (rc == 0)
		rc = write_index(s);
	buf_free(&s->url);
	free(s);
	return rc;
}
