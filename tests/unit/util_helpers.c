/* util_helpers.c - unit tests of the small shared helpers in
 * generator/util: the string map. */
#include "util/strmap.h"
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

int main(void)
{
	test_strmap_basics();
	test_strmap_grow();
	test_strmap_bound();
	return failures ? 1 : 0;
}
