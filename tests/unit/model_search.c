/* model_search - the search's rules (generator/model/search.h) on their
 * edges: folding of umlauts, ß and accents, word boundaries, the cut at a
 * whole word, stems, stop words, synonyms and the order of results.
 * search.js repeats these rules; tests/t-search.py holds the two to one
 * table of real queries. */
#include "model/search.h"
#include <stdio.h>
#include <string.h>

#include "tap.h"

static bool folds(const char *in, const char *want)
{
	char out[256];
	size_t n = search_fold(in, out, sizeof out);
	bool good = strcmp(out, want) == 0 && n == strlen(out);
	return ok(good, "fold \"%s\" -> \"%s\"%s%s", in, want, good ? "" : ", got ",
		  good ? "" : out);
}

static void folding(void)
{
	folds("Müll", " muell ");
	folds("MÜLLTONNE kaputt!", " muelltonne kaputt ");
	folds("Straße", " strasse ");
	folds("Kfz-Zulassung", " kfz zulassung ");
	folds("Café Öl Ärger", " cafe oel aerger ");
	folds("a×b÷c", " a b c ");
	folds("Hund – 20/40", " hund 20 40 ");
	folds("€ ☃ Hund", " hund ");
	folds("", " ");
	folds("  ", " ");
	folds("\xc3", " ");                 /* cut-off sequence: nothing */
	folds("x\xc3\x28y", " x y ");
	char small[12];
	size_t n = search_fold("Hundesteuer anmelden", small, sizeof small);
	ok(n < sizeof small && strcmp(small, " ") == 0,
	   "a word that does not fit whole is left out (\"%s\")", small);
	n = search_fold("Hund anmelden", small, sizeof small);
	ok(strcmp(small, " hund ") == 0, "the cut falls after a whole word (\"%s\")", small);
	n = search_fold("Hund", small, 2);
	ok(n == 0 && small[0] == '\0', "no room: an empty string");
}

static bool stems(const char *w, const char *want)
{
	char b[64];
	snprintf(b, sizeof b, "%s", w);
	search_stem(b);
	return ok(strcmp(b, want) == 0, "stem %s -> %s (%s)", w, want, b);
}

static void stemming(void)
{
	stems("anmeldung", "anmeld");
	stems("anmelden", "anmeld");
	stems("meldungen", "meld");
	stems("laden", "lade");             /* "lad" would be too short: the next ending */
	stems("hunde", "hund");
	stems("hund", "hund");              /* under 5 letters: as it is */
	stems("steuer", "steu");
	stems("pass", "pass");
	stems("kfz", "kfz");
}

static const char *words_auto[] = { "auto", "fahrzeug", "kfz" };
static const char *stop[] = { "mein", "ich" };

static void ranking(void)
{
	struct catalog c;
	memset(&c, 0, sizeof c);
	struct synonym_group g = { words_auto, 3, { 0 } };
	c.synonyms = &g;
	c.n_synonyms = 1;
	c.stopwords = stop;
	c.n_stopwords = 2;
	struct search_doc docs[] = {
		{ " fahrzeug zulassen ", " kennzeichen ", " ein auto anmelden " },
		{ " hund anmelden hundesteuer ", " hundemarke ", " steuer fuer hunde " },
		{ " gewerbe anmelden ", " ", " firma " },
		{ " sperrmuellabholung ", " ", " muell " },
	};
	struct search_hit h[4];
	size_t n = search_rank(&c, "Auto anmelden", docs, 4, h);
	ok(n == 3 && h[0].doc == 0 && h[0].matched == 2,
	   "\"Auto anmelden\": the service with both words first (%zu hits, first %zu)",
	   n, n ? h[0].doc : 99);
	n = search_rank(&c, "Kfz", docs, 4, h);
	ok(n == 1 && h[0].doc == 0, "a synonym finds the service (Kfz -> Fahrzeug)");
	n = search_rank(&c, "steuer", docs, 4, h);
	ok(n == 1 && h[0].doc == 1, "a word inside a compound is found (Hundesteuer)");
	n = search_rank(&c, "Hunde", docs, 4, h);
	ok(n == 1 && h[0].doc == 1 && h[0].score == 6 * 3 * 2,
	   "a word form finds the title word (Hunde -> hund, score %d)", n ? h[0].score : -1);
	n = search_rank(&c, "Müll", docs, 4, h);
	size_t m = search_rank(&c, "Muell", docs, 4, h);
	ok(n == 1 && m == 1 && h[0].doc == 3, "Müll and Muell find the same");
	n = search_rank(&c, "mein ich", docs, 4, h);
	ok(n == 0, "stop words alone find nothing");
	n = search_rank(&c, "x", docs, 4, h);
	ok(n == 0, "a one-letter query finds nothing");
	n = search_rank(&c, "anmelden", docs, 4, h);
	ok(n == 3 && h[0].doc == 1 && h[1].doc == 2 && h[2].doc == 0,
	   "equal titles keep the given (A-Z) order; text matches after titles");
}

int main(void)
{
	folding();
	stemming();
	ranking();
	return tap_exit();
}
