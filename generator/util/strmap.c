/* strmap.c - see strmap.h */
#include "strmap.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void strmap_init(struct strmap *m, size_t max)
{
	m->slot = NULL;
	m->cap = m->n = 0;
	m->max = max ? max : STRMAP_MAX_DEFAULT;
	arena_init(&m->arena);
}

void strmap_free(struct strmap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->cap = m->n = 0;
	arena_free(&m->arena);
}

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;     /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot holding key, or the empty slot where it would go; cap > n. */
static struct strmap_slot *find(const struct strmap *m, const char *key, size_t len)
{
	size_t mask = m->cap - 1;
	size_t i = (size_t)hash(key, len) & mask;
	while (m->slot[i].key &&
	       (m->slot[i].len != len || memcmp(m->slot[i].key, key, len) != 0))
		i = (i + 1) & mask;
	return &m->slot[i];
}

struct strmap_slot *strmap_get(const struct strmap *m, const char *key, size_t len)
{
	if (!m->cap)
		return NULL;
	struct strmap_slot *sl = find(m, key, len);
	return sl->key ? sl : NULL;
}

/* At most half full, so probe runs stay short. */
static void grow(struct strmap *m)
{
	struct strmap g = *m;
	g.cap = m->cap ? m->cap * 2 : 16;
	g.slot = xcalloc(g.cap, sizeof *g.slot);
	for (size_t i = 0; i < m->cap; i++)
		if (m->slot[i].key)
			*find(&g, m->slot[i].key, m->slot[i].len) = m->slot[i];
	free(m->slot);
	*m = g;
}

struct strmap_slot *strmap_put(struct strmap *m, const char *key, size_t len,
			       bool *added)
{
	struct strmap_slot *sl = m->cap ? find(m, key, len) : NULL;
	*added = false;
	if (sl && sl->key)
		return sl;
	if (m->n >= m->max)
		return NULL;
	if ((m->n + 1) * 2 > m->cap) {
		grow(m);
		sl = find(m, key, len);
	}
	sl->key = arena_strndup(&m->arena, key, len);
	sl->len = len;
	sl->val = NULL;
	m->n++;
	*added = true;
	return sl;
}

char *strmap_strdup(struct strmap *m, const char *s)
{
	return arena_strdup(&m->arena, s);
}

struct strmap_slot *strmap_next(const struct strmap *m, size_t *i)
{
	for (; *i < m->cap; (*i)++)
		if (m->slot[*i].key)
			return &m->slot[(*i)++];
	return NULL;
}
