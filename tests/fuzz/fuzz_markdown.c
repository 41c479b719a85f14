/* fuzz_markdown - editors' Markdown to a page: the input goes through
 * markdown_html() (cmark, safe mode, headings moved down) and then into a
 * real service page with its form (render_form_page of relayd and sitegen's
 * templates, themes/default, catalogue tests/fixtures/content), as the
 * description, requirements and form intro of a service.
 *
 * Property (the reason for safe mode): the HTML that comes out of Markdown
 * contains only the tags cmark itself writes, never raw HTML from the
 * input, and no javascript:/vbscript: link. Any other tag, an unrendered
 * page, a crash, leak or sanitizer report is a finding. */
#include "fuzz.h"
#include <ctype.h>
#include <strings.h>
#include "load/catalog_load.h"
#include "render/render_int.h"

static struct renderer *r;
static const struct city_service *cs;
static struct service *svc;      /* its texts are the input while it runs */
static struct source *content, *themes;   /* live as long as r */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	char root[1024];
	snprintf(root, sizeof root, "%s/tests/fixtures", fuzz_root());
	content = source_fs_open(root);
	themes = source_fs_open(fuzz_root());
	struct diags d;
	diags_init(&d);
	struct catalog *c = catalog_load(content, "content", &d);
	/* relayd's table of every city x service (relay/receive/forms.c) */
	if (c && catalog_resolve_all(c) == 0)
		r = renderer_open(c, themes, NULL, &d);
	if (!r) {
		diags_print(&d, fuzz_err());
		abort();
	}
	diags_free(&d);
	const struct city *city = catalog_city(c, "dorsten");
	const struct service *s = catalog_service(c, "hundeanmeldung");
	if (!city || !s || !s->form)
		abort();
	svc = &c->services[s - c->services];
	cs = catalog_cs_at(c, (size_t)(city - c->cities), (size_t)(s - c->services));
	return 0;
}

static const char *const cmark_tags[] = {
	"p", "em", "strong", "a", "img", "code", "pre", "h1", "h2", "h3", "h4",
	"h5", "h6", "ul", "ol", "li", "blockquote", "hr", "br", NULL
};

/* Every '<' opens a tag cmark writes or its "raw HTML omitted" comment. */
static void check_html(const char *h)
{
	for (const char *p = strchr(h, '<'); p; p = strchr(p + 1, '<')) {
		if (!strncmp(p, "<!-- raw HTML omitted -->", 25))
			continue;
		const char *n = p + 1 + (p[1] == '/');
		size_t len = 0;
		while (isalnum((unsigned char)n[len]))
			len++;
		bool known = false;
		for (int i = 0; cmark_tags[i]; i++)
			if (strlen(cmark_tags[i]) == len && !strncmp(cmark_tags[i], n, len))
				known = true;
		FUZZ_ASSERT(known && (n[len] == '>' || n[len] == ' ' || n[len] == '/'),
			    "raw HTML in Markdown output: %.60s", p);
	}
	static const char *const bad[] = { "href=\"javascript:", "src=\"javascript:",
					   "href=\"vbscript:", "src=\"vbscript:", NULL };
	for (int i = 0; bad[i]; i++)
		for (const char *p = h; *p; p++)
			FUZZ_ASSERT(strncasecmp(p, bad[i], strlen(bad[i])),
				    "script link in Markdown output: %.60s", p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *md = fuzz_str(data, size);
	struct arena a;
	arena_init(&a);
	char *html = markdown_html(&a, md);
	check_html(html);
	/* the page renders the service's Markdown itself */
	const char *saved[3] = { svc->description, svc->requirements, svc->form->intro };
	svc->description = svc->requirements = svc->form->intro = md;
	struct form_state st = { 0 };
	struct buf out;
	buf_init(&out, (size_t)16 << 20);
	struct diags d;
	diags_init(&d);
	int rc = render_form_page(r, cs, &st, &out, &d);
	FUZZ_ASSERT(rc == 0 || out.len + 3 * strlen(html) > out.max,
		    "the page did not render: %s", d.n ? d.v[0].msg : "?");
	diags_free(&d);
	buf_free(&out);
	svc->description = saved[0];
	svc->requirements = saved[1];
	svc->form->intro = saved[2];
	arena_free(&a);
	free(md);
	return 0;
}
