/* load_search.c - content/search.yml. Every word is stored folded (as the
 * search compares), and must stay one word after folding: "Kfz-Zulassung"
 * would be two, so the editor is told to write them apart. */
#include <string.h>
#include "load_search.h"
#include "../model/search.h"

#define SEARCH_WORD_MAX 63

/* The folded form of one word, or NULL after an error at n. */
static const char *one_word(struct lctx *c, const struct ynode *n)
{
	const char *v = node_text(c, n, "a search word");
	if (!v)
		return NULL;
	char f[2 * SEARCH_WORD_MAX + 3];
	size_t len = search_fold(v, f, sizeof f);
	if (len < 4 || strchr(f + 1, ' ') != f + len - 1 || len - 2 > SEARCH_WORD_MAX) {
		lerr(c, n, "'%s' must be one word of 2 to %d letters (write word groups as separate words)",
		     v, SEARCH_WORD_MAX);
		return NULL;
	}
	return arena_strndup(c->a, f + 1, len - 2);
}

static const char **word_list(struct lctx *c, const struct ynode *list, size_t *n)
{
	*n = 0;
	if (!expect_kind(c, list, YN_SEQ, "a list of words"))
		return NULL;
	const char **w = arena_alloc(c->a, (list->n ? list->n : 1) * sizeof *w);
	for (size_t i = 0; i < list->n; i++) {
		const char *f = one_word(c, list->items[i]);
		if (f)
			w[(*n)++] = f;
	}
	return w;
}

void load_search(struct lctx *c, const struct ynode *y, struct catalog *cat)
{
	static const char *const keys[] = { "synonyms", "stopwords", NULL };
	if (!expect_kind(c, y, YN_MAP, "search.yml"))
		return;
	check_keys(c, y, "search.yml", keys);
	const struct ynode *stop = ymap_get(y, "stopwords");
	if (stop)
		cat->stopwords = word_list(c, stop, &cat->n_stopwords);
	const struct ynode *syn = ymap_get(y, "synonyms");
	if (!syn || !expect_kind(c, syn, YN_SEQ, "'synonyms'"))
		return;
	cat->synonyms = arena_alloc(c->a, (syn->n ? syn->n : 1) * sizeof *cat->synonyms);
	for (size_t i = 0; i < syn->n; i++) {
		struct synonym_group *g = &cat->synonyms[cat->n_synonyms];
		g->pos = (struct srcpos){ syn->items[i]->file, syn->items[i]->line,
					  syn->items[i]->col };
		int before = c->errors;
		g->words = word_list(c, syn->items[i], &g->n);
		if (g->n == 1 && c->errors == before)   /* not after a word's own error */
			lerr(c, syn->items[i], "a synonym group needs at least two words");
		else if (g->n > 1)
			cat->n_synonyms++;
	}
}
