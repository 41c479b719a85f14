/* search.c - folding, stems, synonyms and ranking (rules in search.h).
 * themes/default/search.js repeats search_stem and the scoring line for
 * line; change both together (tests/t-search.py runs both). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "search.h"
#include "../util/buf.h"

/* What a two-byte UTF-8 letter of U+00C0..U+00FF folds to, or NULL. */
static const char *fold_latin1(unsigned char c2)
{
	static const char *const map[64] = {
		"a", "a", "a", "a", "ae", "a", "ae", "c",     /* C0-C7 */
		"e", "e", "e", "e", "i", "i", "i", "i",       /* C8-CF */
		"d", "n", "o", "o", "o", "o", "oe", NULL,     /* D0-D7 (D7 x) */
		"oe", "u", "u", "u", "ue", "y", "th", "ss",   /* D8-DF */
	};
	unsigned cp = 0xc0u + (c2 & 0x3fu);          /* U+00C0.. for c3 xx */
	unsigned i = (cp - 0xc0u) & 31u;             /* upper and lower case */
	if (cp == 0xd7u || cp == 0xf7u)             /* multiplication, division */
		return NULL;
	return cp == 0xffu ? "y" : map[i];
}

/* What an ASCII byte folds to: its lower-case letter or digit, or 0 (a
 * separator). One table look-up a byte: folding every listed service for
 * suche-texte.json, ~1 MB, is part of every rebuild after an edit, and
 * the tests of each byte's kind were ~30 instructions a byte. */
static const char ascii_fold[128] = {
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e',
	['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j',
	['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o',
	['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't',
	['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',
	['Z'] = 'z',
	['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
	['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j',
	['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o',
	['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't',
	['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y',
	['z'] = 'z',
};

size_t search_fold(const char *s, char *out, size_t outlen)
{
	if (outlen < 3) {
		if (outlen)
			out[0] = '\0';
		return 0;
	}
	size_t o = 1, word_end = 1;     /* word_end: after the last whole word */
	out[0] = ' ';
	bool gap = true, full = false;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		const char *f = NULL;
		char one = 0;
		size_t step = 1, fl = 1;
		if (*p < 0x80) {
			one = ascii_fold[*p];
			f = one ? &one : NULL;
		} else if (*p == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
			f = fold_latin1(p[1]), step = 2, fl = f ? strlen(f) : 0;
		} else {        /* skip the rest of another character */
			while (p[step] >= 0x80 && p[step] <= 0xbf)
				step++;
		}
		p += step;
		if (!f) {
			if (!gap)
				word_end = o;
			gap = true;
			continue;
		}
		if (o + 1 + fl + 2 > outlen) {  /* room for " " f " " and NUL */
			full = true;
			break;
		}
		if (gap && o > 1)
			out[o++] = ' ';
		if (fl == 1)
			out[o++] = *f;
		else {
			memcpy(out + o, f, fl);
			o += fl;
		}
		gap = false;
		/* The rest of an ASCII word at once. It fits when its last
		 * byte passes the room check above: o + 1 + 1 + 2 <= outlen
		 * with o before that byte. */
		const unsigned char *q = p;
		while (*q < 0x80 && ascii_fold[*q])
			q++;
		size_t n = (size_t)(q - p);
		if (n && o + n - 1 + 4 > outlen) {
			full = true;
			break;
		}
		for (; p < q; p++)
			out[o++] = ascii_fold[*p];
	}
	if (full)               /* drop the word that did not fit whole */
		o = word_end;
	else if (!gap)
		word_end = o;
	if (o > 1)
		out[o++] = ' ';
	out[o] = '\0';
	return o;
}

void search_stem(char *w)
{
	static const char *const endings[] = { "ungen", "ung", "en", "er", "es",
		"e", "n", "s" };
	size_t n = strlen(w);
	if (n < 5)
		return;
	for (size_t i = 0; i < sizeof endings / sizeof *endings; i++) {
		size_t el = strlen(endings[i]);
		if (n - el >= 4 && strcmp(w + n - el, endings[i]) == 0) {
			w[n - el] = '\0';
			return;
		}
	}
}

/* Folded into a scratch buffer of the worst case, kept at its length: the
 * text is cut at SEARCH_MAX_TEXT but is mostly far shorter (at 6,000
 * services the worst-case copies took 18 MB, the folded text 10 MB). */
static const char *fold_dup(struct arena *a, const char *s, size_t max)
{
	char *tmp = xmalloc(max);
	size_t n = search_fold(s, tmp, max);
	const char *out = arena_strndup(a, tmp, n);
	free(tmp);
	return out;
}

void search_doc_of(const struct catalog *c, const struct service *s,
		   struct search_doc *out, struct arena *a)
{
	out->title = fold_dup(a, s->title, strlen(s->title) * 2 + 3);
	out->keywords = fold_dup(a, s->keywords, strlen(s->keywords) * 2 + 3);
	struct buf b;
	buf_init(&b, 1 << 20);
	buf_puts(&b, s->summary);
	const struct category *cat = catalog_category(c, s->category);
	if (cat) {
		buf_puts(&b, " ");
		buf_puts(&b, cat->name);
		for (size_t i = 0; i < s->n_lebenslagen; i++)
			for (size_t k = 0; k < cat->n_lebenslagen; k++)
				if (strcmp(cat->lebenslagen[k].slug, s->lebenslagen[i]) == 0) {
					buf_puts(&b, " ");
					buf_puts(&b, cat->lebenslagen[k].name);
				}
	}
	buf_puts(&b, " ");
	buf_puts(&b, s->description);
	/* a failed buffer (out of room) still holds a usable prefix */
	out->text = fold_dup(a, b.data ? b.data : "", SEARCH_MAX_TEXT);
	buf_free(&b);
}

/* ---- ranking ---- */

/* How well the folded word w is found in the folded field f: 3 a whole
 * word, 2 the start of a word, 1 inside a word (w of 4+ letters), 0 not. */
static int found(const char *f, const char *w)
{
	size_t wl = strlen(w);
	int best = 0;
	for (const char *p = strstr(f, w); p && best < 3; p = strstr(p + 1, w)) {
		bool start = p[-1] == ' ';
		bool end = p[wl] == ' ';
		int q = start && end ? 3 : start ? 2 : wl >= 4 ? 1 : 0;
		if (q > best)
			best = q;
	}
	return best;
}

static int field_score(const struct search_doc *d, const char *w, int factor)
{
	static const int weight[3] = { 6, 4, 1 };
	const char *fields[3] = { d->title, d->keywords, d->text };
	int best = 0;
	for (int i = 0; i < 3; i++) {
		int s = weight[i] * found(fields[i], w) * factor;
		if (s > best)
			best = s;
	}
	return best;
}

/* One query word with its alternatives: the word, its stem, and every
 * member (and member stem) of the synonym groups either belongs to. */
struct qword {
	char word[64], stem[64];
};

static bool is_stopword(const struct catalog *c, const char *w)
{
	for (size_t i = 0; i < c->n_stopwords; i++)
		if (strcmp(c->stopwords[i], w) == 0)
			return true;
	return false;
}

static bool in_group(const struct synonym_group *g, const struct qword *q)
{
	for (size_t i = 0; i < g->n; i++) {
		char st[64];
		if (strcmp(g->words[i], q->word) == 0)
			return true;
		snprintf(st, sizeof st, "%s", g->words[i]);
		search_stem(st);
		if (strcmp(st, q->stem) == 0)
			return true;
	}
	return false;
}

static int word_score(const struct catalog *c, const struct search_doc *d,
		      const struct qword *q)
{
	int best = field_score(d, q->word, 2);
	int s = field_score(d, q->stem, 2);
	if (s > best)
		best = s;
	for (size_t g = 0; g < c->n_synonyms; g++) {
		if (!in_group(&c->synonyms[g], q))
			continue;
		for (size_t i = 0; i < c->synonyms[g].n; i++) {
			char st[64];
			snprintf(st, sizeof st, "%s", c->synonyms[g].words[i]);
			s = field_score(d, st, 1);
			if (s > best)
				best = s;
			search_stem(st);
			s = field_score(d, st, 1);
			if (s > best)
				best = s;
		}
	}
	return best;
}

/* The query's words: folded, at most SEARCH_MAX_WORDS, no stop words,
 * none shorter than 2 letters, none longer than 63. */
static size_t query_words(const struct catalog *c, const char *query,
			  struct qword *q)
{
	char f[SEARCH_MAX_QUERY * 2 + 3];
	char cut[SEARCH_MAX_QUERY + 1];
	snprintf(cut, sizeof cut, "%s", query);
	search_fold(cut, f, sizeof f);
	size_t n = 0;
	/* f is " w1 w2 ... ": each word ends at the next space */
	for (char *w = f + 1; *w && n < SEARCH_MAX_WORDS; ) {
		char *sp = strchr(w, ' ');
		*sp = '\0';
		size_t wl = (size_t)(sp - w);
		char *next = sp + 1;
		if (wl < 2 || wl >= sizeof q->word || is_stopword(c, w)) {
			w = next;
			continue;
		}
		if (wl < 2 || wl >= sizeof q->word || is_stopword(c, w))
			continue;
		memcpy(q[n].word, w, wl + 1);
		memcpy(q[n].stem, w, wl + 1);
		search_stem(q[n].stem);
		n++;
		w = next;
	}
	return n;
}

static int by_rank(const void *x, const void *y)
{
	const struct search_hit *a = x, *b = y;
	if (a->matched != b->matched)
		return b->matched - a->matched;
	if (a->score != b->score)
		return b->score - a->score;
	return a->doc < b->doc ? -1 : a->doc > b->doc;
}

size_t search_rank(const struct catalog *c, const char *query,
		   const struct search_doc *docs, size_t n,
		   struct search_hit *hits)
{
	struct qword q[SEARCH_MAX_WORDS];
	size_t nq = query_words(c, query, q);
	size_t nh = 0;
	for (size_t i = 0; i < n && nq; i++) {
		struct search_hit h = { .doc = i };
		for (size_t k = 0; k < nq; k++) {
			int s = word_score(c, &docs[i], &q[k]);
			h.score += s;
			h.matched += s > 0;
		}
		if (h.matched)
			hits[nh++] = h;
	}
	qsort(hits, nh, sizeof *hits, by_rank);
	return nh;
}
