/* search.h - the portals' search: folding of German text, word forms,
 * synonyms from content/search.yml, and the ranking. One implementation
 * in C serves relayd's server-side search (pages without JavaScript) and
 * writes the folded index that themes/default/search.js ranks with the
 * same rules in the browser; tests/t-search.py holds both to one table
 * of everyday queries.
 *
 * The rules, in the order they apply:
 *  - fold: lower case; ä ö ü ß as ae oe ue ss (so "Muell" finds "Müll");
 *    other accented Latin letters without their accent; anything that is
 *    not a letter or digit separates words.
 *  - a query's words minus the stop words (search.yml); each word also
 *    stands for its stem (common German endings off, search_stem) and for
 *    every word of a synonym group it belongs to.
 *  - a word is found in a field as a whole word (3), at the start of a
 *    word (2), or inside a compound such as "hundesteuer" (1; only words
 *    of 4 letters or more). Fields weigh title 6, keywords 4, text 1; the
 *    typed word or its stem counts twice a synonym.
 *  - results: every service that matches at least one word, those that
 *    match more of the query's words first, then by score, then A-Z. */
#ifndef SEARCH_H
#define SEARCH_H
#include <stddef.h>
#include "../util/arena.h"
#include "catalog.h"

#define SEARCH_MAX_WORDS 8      /* query words looked at */
#define SEARCH_MAX_QUERY 200    /* bytes of the query looked at */
#define SEARCH_MAX_TEXT 3000    /* folded text bytes kept per service */

/* The folded fields of one service, each " word word " (a space before
 * and after every word, so word starts are found as " w"). */
struct search_doc {
	const char *title, *keywords, *text;
};

struct search_hit {
	size_t doc;                 /* index into the docs given */
	int matched;                /* query words found */
	int score;
};

/* Fold s into out (see above) as " w1 w2 ... ", at most outlen-1 bytes,
 * cut at a word boundary. Returns the length. */
size_t search_fold(const char *s, char *out, size_t outlen);
/* The stem of a folded word, in place: the first of the endings
 * -ungen -ung -en -er -es -e -n -s that leaves at least 4 letters, taken
 * off a word of 5 letters or more. */
void search_stem(char *w);
/* The folded fields of a service (title; keywords; summary, category,
 * Lebenslagen and description), in a. */
void search_doc_of(const struct catalog *c, const struct service *s,
		   struct search_doc *out, struct arena *a);
/* Ranks docs for query; fills hits (room for n) best first and returns
 * how many matched. */
size_t search_rank(const struct catalog *c, const char *query,
		   const struct search_doc *docs, size_t n,
		   struct search_hit *hits);
#endif
