/* util_helpers.c - unit tests of the small shared helpers in
 * generator/util: the string map and the UTF-8 decoder. */
#include "util/strmap.h"
#include "util/utf8.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf(cond ? "ok - " : "not ok - ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!cond)
		failures++;
}

/* ---- strmap ---- */

static void test_strmap_basics(void)
{
	struct strmap m;
	bool added;
	strmap_init(&m, 0);
	ok(strmap_get(&m, "a", 1) == NULL, "strmap: an empty map has no key");
	struct strmap_slot *sl = strmap_put(&m, "alpha", 5, &added);
	ok(sl && added && sl->val == NULL && strcmp(sl->key, "alpha") == 0,
	   "strmap: a new key is added with no value");
	sl->val = strmap_strdup(&m, "one");
	sl = strmap_put(&m, "alpha", 5, &added);
	ok(sl && !added && strcmp(sl->val, "one") == 0,
	   "strmap: putting a present key keeps its value");
	/* keys are bytes with a length: a prefix of a longer string */
	const char *path = "dorsten/leistungen/x.html";
	sl = strmap_put(&m, path, 7, &added);
	ok(sl && added && strcmp(sl->key, "dorsten") == 0 && sl->key != path,
	   "strmap: a key given by length is copied and NUL-terminated");
	ok(strmap_get(&m, "dorsten", 7) && !strmap_get(&m, path, strlen(path)) &&
	   !strmap_get(&m, "dorste", 6), "strmap: lookups compare length and bytes");
	ok(m.n == 2, "strmap: counts its keys (%zu)", m.n);
	strmap_free(&m);
}

static void test_strmap_grow(void)
{
	struct strmap m;
	bool added;
	strmap_init(&m, 0);
	enum { N = 5000 };
	int good = 1;
	for (int i = 0; i < N && good; i++) {
		char k[32];
		int w = snprintf(k, sizeof k, "page-%d.html", i);
		struct strmap_slot *sl = strmap_put(&m, k, (size_t)w, &added);
		good = sl && added;
		if (good)
			sl->val = (void *)(size_t)(i + 1);
	}
	size_t seen = 0;
	for (int i = 0; i < N && good; i++) {
		char k[32];
		int w = snprintf(k, sizeof k, "page-%d.html", i);
		struct strmap_slot *sl = strmap_get(&m, k, (size_t)w);
		good = sl && sl->val == (void *)(size_t)(i + 1);
	}
	struct strmap_slot *sl;
	for (size_t i = 0; (sl = strmap_next(&m, &i));)
		seen++;
	ok(good && m.n == N && seen == N,
	   "strmap: %d keys survive growing, each found once by iteration", N);
	ok(m.cap >= 2 * m.n, "strmap: stays at most half full (%zu of %zu)", m.n, m.cap);
	strmap_free(&m);
}

static void test_strmap_bound(void)
{
	struct strmap m;
	bool added;
	strmap_init(&m, 3);
	int rc = strmap_put(&m, "a", 1, &added) && strmap_put(&m, "b", 1, &added) &&
		 strmap_put(&m, "c", 1, &added);
	ok(rc && strmap_put(&m, "d", 1, &added) == NULL && m.n == 3,
	   "strmap: a full map refuses a new key");
	ok(strmap_put(&m, "b", 1, &added) != NULL && !added,
	   "strmap: a full map still finds a present key");
	strmap_free(&m);
}

/* ---- UTF-8 ---- */

static void test_utf8_seq(void)
{
	static const struct { const char *s; size_t n, want; const char *what; } t[] = {
		{ "a", 1, 1, "ASCII" },
		{ "\xc3\xa4x", 3, 2, "two bytes (U+00E4)" },
		{ "\xe2\x82\xac", 3, 3, "three bytes (U+20AC)" },
		{ "\xf0\x9f\x98\x80", 4, 4, "four bytes (U+1F600)" },
		{ "\xf4\x8f\xbf\xbf", 4, 4, "U+10FFFF" },
		{ "", 0, 0, "nothing" },
		{ "\x80", 1, 0, "a lone continuation byte" },
		{ "\xc0\xaf", 2, 0, "overlong two bytes" },
		{ "\xe0\x80\xaf", 3, 0, "overlong three bytes" },
		{ "\xf0\x80\x80\xaf", 4, 0, "overlong four bytes" },
		{ "\xed\xa0\x80", 3, 0, "a surrogate (U+D800)" },
		{ "\xf4\x90\x80\x80", 4, 0, "beyond U+10FFFF" },
		{ "\xf5\x80\x80\x80", 4, 0, "lead byte F5" },
		{ "\xe2\x82", 2, 0, "cut off by the end" },
		{ "\xe2\x82\xac", 2, 0, "cut off by n, not by a NUL" },
		{ "\xe2(\xac", 3, 0, "a bad continuation byte" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t got = utf8_seq(t[i].s, t[i].n);
		ok(got == t[i].want, "utf8_seq: %s -> %zu (got %zu)", t[i].what,
		   t[i].want, got);
	}
	ok(utf8_valid("Stra\xc3\x9f" "e \xe2\x82\xac", 11) &&
	   !utf8_valid("ab\xc3", 3) && utf8_valid("", 0),
	   "utf8_valid: walks the same decoder over a whole string");
}

int main(void)
{
	test_strmap_basics();
	test_strmap_grow();
	test_strmap_bound();
	test_utf8_seq();
	return failures ? 1 : 0;
}
