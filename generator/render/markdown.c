/* markdown.c - editors' Markdown to HTML through cmark. Raw HTML is never
 * passed through (CMARK_OPT_SAFE also drops javascript: links), and
 * headings are moved two levels down: the page owns <h1> and the section
 * <h2>s, so a "# Heading" in a description becomes <h3>. */
#include <cmark.h>
#include <stdlib.h>
#include <string.h>
#include "render_int.h"

char *markdown_html(struct arena *a, const char *md)
{
	if (!md || !*md)
		return arena_strdup(a, "");
	cmark_node *doc = cmark_parse_document(md, strlen(md), CMARK_OPT_SAFE);
	if (!doc)
		die("cmark: out of memory");
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER &&
		    cmark_node_get_type(n) == CMARK_NODE_HEADING) {
			int level = cmark_node_get_heading_level(n) + 2;
			cmark_node_set_heading_level(n, level > 6 ? 6 : level);
		}
	}
	cmark_iter_free(it);
	char *html = cmark_render_html(doc, CMARK_OPT_SAFE);
	cmark_node_free(doc);
	if (!html)
		die("cmark: out of memory");
	char *s = arena_strdup(a, html);
	free(html);
	return s;
}
