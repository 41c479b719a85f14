/* load_search.h - content/search.yml: synonym groups and stop words for
 * the search (model/search.h). */
#ifndef LOAD_SEARCH_H
#define LOAD_SEARCH_H
#include "load_util.h"
#include "../model/catalog.h"

/* y: the parsed file's root mapping. Fills cat->synonyms, cat->stopwords. */
void load_search(struct lctx *c, const struct ynode *y, struct catalog *cat);
#endif
