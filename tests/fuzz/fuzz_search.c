/* fuzz_search - a citizen's search query, as relayd's /suche gets it: the
 * input is the query of render_search_page (folding, stop words, stems,
 * synonyms, ranking, the results page) on the catalogue
 * tests/fixtures/content with its search.yml; the first byte picks the
 * portal (umbrella or a city).
 *
 * Properties: the page always renders; the query never appears unescaped
 * (the page has as many '<' as for the same query with every '<' made a
 * ',', and "&lt;" when the query has one); search_fold writes only
 * " [a-z0-9]+( ...) " within its buffer. A crash, leak or sanitizer report is a finding. */
#include "fuzz.h"
#include <stdbool.h>
#include "load/catalog_load.h"
#include "model/search.h"
#include "render/render_form.h"

static struct renderer *r;
static struct catalog *cat;
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
	cat = catalog_load(content, "content", &d);
	if (cat)
		r = renderer_open(cat, themes, NULL, &d);
	if (!r || cat->n_synonyms == 0) {
		diags_print(&d, fuzz_err());
		abort();
	}
	diags_free(&d);
	return 0;
}

static void check_fold(const char *q)
{
	char out[64];
	size_t n = search_fold(q, out, sizeof out);
	FUZZ_ASSERT(n < sizeof out && strlen(out) == n, "fold length %zu", n);
	FUZZ_ASSERT(out[0] == ' ' && out[n - 1] == ' ', "fold frame: [%s]", out);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' && out[i] <= '9') ||
			    (out[i] == ' ' && (i == 0 || out[i - 1] != ' ')),
			    "fold output [%s] at %zu", out, i);
}

static size_t count_lt(const char *s)
{
	size_t n = 0;
	for (; (s = strchr(s, '<')); s++)
		n++;
	return n;
}

/* The page for q; its count of '<'. */
static size_t render(const struct city *city, const char *q, bool *escaped)
{
	struct buf out;
	buf_init(&out, (size_t)4 << 20);
	struct diags d;
	diags_init(&d);
	int rc = render_search_page(r, city, q, &out, &d);
	FUZZ_ASSERT(rc == 0 && !buf_failed(&out), "the search page did not render: %s",
		    d.n ? d.v[0].msg : "?");
	size_t n = count_lt(out.data);
	*escaped = strstr(out.data, "&lt;") != NULL;
	diags_free(&d);
	buf_free(&out);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	char *q = fuzz_str(data + 1, size - 1);
	check_fold(q);
	const struct city *city = data[0] % (cat->n_cities + 1) ?
		&cat->cities[data[0] % (cat->n_cities + 1) - 1] : NULL;
	bool escaped, plain_escaped;
	size_t n = render(city, q, &escaped);
	if (strchr(q, '<')) {
		/* the query is echoed in the title, the heading and the field */
		char *plain = strdup(q);
		for (char *p = plain; (p = strchr(p, '<')); )
			*p = ',';     /* a separator too: the same results */
		size_t m = render(city, plain, &plain_escaped);
		FUZZ_ASSERT(n == m && escaped, "query echoed unescaped (%zu '<' against %zu)", n, m);
		free(plain);
	}
	free(q);
	return 0;
}
