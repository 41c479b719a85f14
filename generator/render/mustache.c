/* mustache.c - data values, the environment and its partial cache (see
 * mustache.h). The compiler lives in mustache_parse.c, the renderer in
 * mustache_render.c; both share the tree types of mustache_int.h. */
#include "mustache_int.h"
#include <stdlib.h>
#include <string.h>

/* ---- data ---- */

static struct mval *mv_new(struct arena *a, enum mval_kind k)
{
	struct mval *v = arena_alloc(a, sizeof *v);
	v->kind = k;
	return v;
}

struct mval *mv_null(struct arena *a) { return mv_new(a, MV_NULL); }
struct mval *mv_list(struct arena *a) { return mv_new(a, MV_LIST); }
struct mval *mv_map(struct arena *a) { return mv_new(a, MV_MAP); }

struct mval *mv_bool(struct arena *a, bool b)
{
	struct mval *v = mv_new(a, MV_BOOL);
	v->b = b;
	return v;
}

struct mval *mv_num(struct arena *a, double d)
{
	struct mval *v = mv_new(a, MV_NUM);
	v->num = d;
	return v;
}

struct mval *mv_strn(struct arena *a, const char *s, size_t n)
{
	struct mval *v = mv_new(a, MV_STR);
	v->str = s;
	v->len = n;
	return v;
}

struct mval *mv_str(struct arena *a, const char *s)
{
	return mv_strn(a, s, strlen(s));
}

/* Arena arrays cannot be realloc'd: double into a fresh block (the old one
 * is reclaimed with the arena). */
static void mv_grow(struct arena *a, struct mval *v)
{
	if (v->n < v->cap)
		return;
	size_t cap = v->cap ? v->cap * 2 : 8;
	struct mval **items = arena_alloc(a, cap * sizeof *items);
	if (v->n)
		memcpy(items, v->items, v->n * sizeof *items);
	v->items = items;
	if (v->kind == MV_MAP) {
		const char **keys = arena_alloc(a, cap * sizeof *keys);
		char *k0 = arena_alloc(a, cap);
		if (v->n) {
			memcpy(keys, v->keys, v->n * sizeof *keys);
			memcpy(k0, v->k0, v->n);
		}
		v->keys = keys;
		v->k0 = k0;
	}
	v->cap = cap;
}

void mv_push(struct arena *a, struct mval *list, struct mval *v)
{
	if (list->kind != MV_LIST)
		die("mv_push: value is not a list");
	mv_grow(a, list);
	list->items[list->n++] = v;
}

void mv_set(struct arena *a, struct mval *map, const char *key, struct mval *v)
{
	if (map->kind != MV_MAP)
		die("mv_set: value is not a map");
	/* the first byte before the call: pages set ~300,000 keys a build */
	for (size_t i = 0; i < map->n; i++) {
		if (map->k0[i] == key[0] && strcmp(map->keys[i], key) == 0) {
			map->items[i] = v;
			return;
		}
	}
	mv_grow(a, map);
	map->keys[map->n] = key;
	map->k0[map->n] = key[0];
	map->kmask |= 1ULL << mv_key_bit(key, strlen(key));
	map->items[map->n++] = v;
}

void mv_set_str(struct arena *a, struct mval *map, const char *key, const char *s)
{
	mv_set(a, map, key, mv_str(a, s));
}

void mv_set_bool(struct arena *a, struct mval *map, const char *key, bool b)
{
	mv_set(a, map, key, mv_bool(a, b));
}

struct mval *mv_get(const struct mval *map, const char *key)
{
	if (!map || map->kind != MV_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->items[i];
	return NULL;
}

/* ---- environment ---- */

struct mu_env *mu_env_new(mu_load_fn load, void *ctx)
{
	struct mu_env *env = xcalloc(1, sizeof *env);
	env->load = load;
	env->ctx = ctx;
	arena_init(&env->arena);
	if (pthread_mutex_init(&env->lock, NULL) != 0)
		die("mustache: cannot initialise mutex");
	return env;
}

void mu_env_free(struct mu_env *env)
{
	if (!env)
		return;
	pthread_mutex_destroy(&env->lock);
	free(env->cache);
	arena_free(&env->arena);
	free(env);
}

void mu_env_set_strict(struct mu_env *env, bool strict)
{
	env->strict = strict;
}

struct mu_template *mu_compile(struct mu_env *env, const char *filename,
			       const char *src, size_t len, struct diags *d)
{
	if (pthread_mutex_lock(&env->lock) != 0)
		die("mustache: cannot lock the template cache");
	struct mu_template *t = mu_compile_locked(env, filename, src, len, d);
	pthread_mutex_unlock(&env->lock);
	return t;
}

static unsigned long name_hash(const char *s, size_t n)
{
	unsigned long h = 5381;
	for (size_t i = 0; i < n; i++)
		h = h * 33 + (unsigned char)s[i];
	return h;
}

/* Finds or loads the named template; caller holds env->lock. Missing and
 * invalid templates are cached too, so a broken partial is loaded once. */
static struct mu_cached *lookup_locked(struct mu_env *env, const char *name,
				       size_t n, struct diags *d)
{
	unsigned long h = name_hash(name, n);
	for (size_t i = 0; i < env->ncache; i++) {
		struct mu_cached *c = &env->cache[i];
		if (c->hash == h && c->len == n && memcmp(c->name, name, n) == 0)
			return c;
	}
	if (env->ncache == env->capcache) {
		env->capcache = env->capcache ? env->capcache * 2 : 16;
		env->cache = xrealloc(env->cache, env->capcache * sizeof *env->cache);
	}
	struct mu_cached *c = &env->cache[env->ncache++];
	memset(c, 0, sizeof *c);
	c->name = arena_strndup(&env->arena, name, n);
	c->len = n;
	c->hash = h;
	c->state = MU_MISSING;
	if (!env->load)
		return c;
	struct buf src;
	buf_init(&src, 0);
	const char *file = NULL;
	if (env->load(env->ctx, c->name, &src, &file) == 0) {
		c->t = mu_compile_locked(env, file ? file : c->name,
					 src.data ? src.data : "", src.len, d);
		c->state = c->t ? MU_OK : MU_INVALID;
	}
	buf_free(&src);
	return c;
}

enum mu_state mu_resolve(struct mu_env *env, const char *name, size_t n,
			 struct diags *d, struct mu_template **t)
{
	if (pthread_mutex_lock(&env->lock) != 0)
		die("mustache: cannot lock the template cache");
	struct mu_cached *c = lookup_locked(env, name, n, d);
	enum mu_state st = c->state;
	*t = c->t;
	pthread_mutex_unlock(&env->lock);
	return st;
}

struct mu_template *mu_get(struct mu_env *env, const char *name, struct diags *d)
{
	struct mu_template *t;
	if (mu_resolve(env, name, strlen(name), d, &t) != MU_OK)
		return NULL;
	return t;
}
