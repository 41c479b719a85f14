/* pathtab.c - see pathtab.h */
#include "pathtab.h"
#include "../util/arena.h"
#include <stdlib.h>
#include <string.h>

#define PT_PATH_MAX 4095

void pathtab_init(struct pathtab *t, size_t max)
{
	memset(t, 0, sizeof *t);
	/* entry numbers are 32 bits (pool offsets too: pathtab_add) */
	t->max = max && max < UINT32_MAX / 2 ? max : UINT32_MAX / 2;
}

void pathtab_free(struct pathtab *t)
{
	free(t->pool);
	free(t->e);
	free(t->index);
	memset(t, 0, sizeof *t);
}

/* Eight bytes a step, each step mixed by a multiplication: FNV-1a's
 * byte a step was a twentieth of a one-edit rebuild (every path of both
 * trees and every link target of the pages written is looked up). */
static size_t hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return (size_t)(h ^ h >> 29);
}

/* The index slot holding path, or the empty slot where it would go. */
static uint32_t *slot(const struct pathtab *t, const char *path, size_t len)
{
	size_t mask = t->index_cap - 1;
	for (size_t i = hash(path, len) & mask;; i = (i + 1) & mask) {
		uint32_t *s = &t->index[i];
		if (!*s)
			return s;
		const char *name = t->pool + t->e[*s - 1].name;
		if (strncmp(name, path, len) == 0 && name[len] == '\0')
			return s;
	}
}

uint32_t pathtab_find(const struct pathtab *t, const char *path, size_t len)
{
	if (!t->index_cap)
		return PT_NONE;
	uint32_t s = *slot(t, path, len);
	return s ? s - 1 : PT_NONE;
}

/* At most half full, so probe runs stay short. */
static void grow_index(struct pathtab *t)
{
	free(t->index);
	t->index_cap = t->index_cap ? t->index_cap * 2 : 1024;
	t->index = xcalloc(t->index_cap, sizeof *t->index);
	for (size_t i = 0; i < t->n; i++) {
		const char *name = t->pool + t->e[i].name;
		*slot(t, name, strlen(name)) = (uint32_t)i + 1;
	}
}

void pathtab_reserve(struct pathtab *t, size_t n, size_t bytes)
{
	if (n > t->max - t->n)
		n = t->max - t->n;
	if (t->n + n > t->cap) {
		t->cap = t->n + n;
		t->e = xrealloc(t->e, t->cap * sizeof *t->e);
	}
	size_t pool = t->pool_len + bytes + n;
	if (pool > t->pool_cap && pool <= UINT32_MAX) {
		t->pool = xrealloc(t->pool, pool);
		t->pool_cap = pool;
	}
	size_t cap = t->index_cap ? t->index_cap : 1024;
	while (cap < 2 * (t->n + n))
		cap *= 2;
	if (cap > t->index_cap) {
		t->index_cap = cap / 2;     /* grow_index doubles it */
		grow_index(t);
	}
}

uint32_t pathtab_add(struct pathtab *t, const char *path, size_t len)
{
	/* the slot found is where a new entry goes (unless the index grows) */
	uint32_t *sl = t->index_cap ? slot(t, path, len) : NULL;
	if (sl && *sl)
		return *sl - 1;
	if (t->n >= t->max || len > PT_PATH_MAX || memchr(path, '\0', len) ||
	    t->pool_len + len + 1 > UINT32_MAX)
		return PT_NONE;
	if (t->pool_len + len + 1 > t->pool_cap) {
		size_t cap = t->pool_cap ? t->pool_cap : 65536;
		while (cap < t->pool_len + len + 1)
			cap *= 2;
		t->pool = xrealloc(t->pool, cap);
		t->pool_cap = cap;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->e = xrealloc(t->e, t->cap * sizeof *t->e);
	}
	struct pt_entry *e = &t->e[t->n];
	memset(e, 0, sizeof *e);
	e->name = (uint32_t)t->pool_len;
	memcpy(t->pool + t->pool_len, path, len);
	t->pool[t->pool_len + len] = '\0';
	t->pool_len += len + 1;
	uint32_t i = (uint32_t)t->n++;
	if (t->n * 2 > t->index_cap)
		grow_index(t);      /* places the new entry too */
	else
		*sl = i + 1;
	return i;
}

/* A lower-case hex digit's value plus one, 0 for any other byte: the
 * keys of every page are parsed from the cache each build. */
static const unsigned char hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
	['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
	['e'] = 15, ['f'] = 16,
};

int pathtab_key_parse_n(const char *s, unsigned char key[PT_KEY_LEN])
{
	for (size_t i = 0; i < PT_KEY_LEN; i++) {
		unsigned hi = hexval[(unsigned char)s[2 * i]];
		unsigned lo = hi ? hexval[(unsigned char)s[2 * i + 1]] : 0;
		if (!lo)
			return -1;  /* (a NUL ends it here too) */
		key[i] = (unsigned char)((hi - 1) << 4 | (lo - 1));
	}
	return 0;
}

int pathtab_key_parse(const char *s, unsigned char key[PT_KEY_LEN])
{
	return pathtab_key_parse_n(s, key) == 0 && s[2 * PT_KEY_LEN] == '\0' ? 0 : -1;
}

void pathtab_key_hex(const unsigned char key[PT_KEY_LEN], char out[2 * PT_KEY_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < PT_KEY_LEN; i++) {
		out[2 * i] = digits[key[i] >> 4];
		out[2 * i + 1] = digits[key[i] & 15];
	}
	out[2 * PT_KEY_LEN] = '\0';
}
