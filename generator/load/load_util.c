/* load_util.c - see load_util.h */
#include "load_util.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lerr(struct lctx *c, const struct ynode *n, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w < 0)
		strcpy(msg, "error");
	diag_add(c->d, n ? n->file : NULL, n ? n->line : 0, n ? n->col : 0, "%s", msg);
	c->errors++;
}

void check_keys(struct lctx *c, const struct ynode *map, const char *what,
		const char *const *allowed)
{
	if (!map || map->kind != YN_MAP)
		return;
	for (size_t i = 0; i < map->n; i++) {
		const char *k = map->keys[i]->str;
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, k) == 0) {
				ok = true;
				break;
			}
		if (!ok)
			lerr(c, map->keys[i], "unknown key '%s' in %s", k, what);
	}
}

bool expect_kind(struct lctx *c, const struct ynode *n, enum ynode_kind k,
		 const char *what)
{
	if (!n)
		return false;
	if (n->kind != k) {
		lerr(c, n, "%s must be %s, not %s", what, ykind_name(k), ykind_name(n->kind));
		return false;
	}
	return true;
}

const char *node_text(struct lctx *c, const struct ynode *n, const char *what)
{
	if (n->kind != YN_SCALAR) {
		lerr(c, n, "'%s' must be %s, not %s", what, ykind_name(YN_SCALAR),
		     ykind_name(n->kind));
		return NULL;
	}
	return n->str;
}

const char *get_opt(struct lctx *c, const struct ynode *map, const char *key)
{
	const struct ynode *n = ymap_get(map, key);
	if (!n || yscalar_is_null(n))
		return NULL;
	return node_text(c, n, key);
}

const char *get_str(struct lctx *c, const struct ynode *map, const char *key,
		    bool required)
{
	const char *s = get_opt(c, map, key);
	if (s && *s)
		return s;
	if (required) {
		const struct ynode *n = ymap_get(map, key);
		if (n)
			lerr(c, n, "'%s' must not be empty", key);
		else
			lerr(c, map, "missing required key '%s'", key);
	}
	return "";
}

bool get_bool(struct lctx *c, const struct ynode *map, const char *key,
	      bool dflt, bool *present)
{
	const struct ynode *n = ymap_get(map, key);
	if (present)
		*present = n != NULL;
	bool v;
	if (!n || !node_bool(c, n, key, &v))
		return dflt;
	return v;
}

bool node_bool(struct lctx *c, const struct ynode *n, const char *what, bool *out)
{
	if (yscalar_bool(n, out) < 0) {
		lerr(c, n, "'%s' must be true or false", what);
		return false;
	}
	return true;
}

/* 0 ok; -1 not a plain scalar; -2 not a number that fits a long long */
static int whole_number(const struct ynode *n, long long *out)
{
	if (n->kind != YN_SCALAR || !n->plain)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(n->str, &end, 10);
	if (errno || end == n->str || *end)
		return -2;
	*out = v;
	return 0;
}

long long get_uint(struct lctx *c, const struct ynode *map, const char *key,
		   long long dflt, long long max)
{
	const struct ynode *n = ymap_get(map, key);
	if (!n)
		return dflt;
	long long v;
	int r = whole_number(n, &v);
	if (r == -1) {
		lerr(c, n, "'%s' must be a whole number", key);
		return dflt;
	}
	if (r < 0 || v < 0 || v > max) {
		lerr(c, n, "'%s' must be a whole number from 0 to %lld", key, max);
		return dflt;
	}
	return v;
}

bool node_int(struct lctx *c, const struct ynode *n, const char *what,
	      long long min, long long max, long long *out)
{
	long long v;
	if (whole_number(n, &v) < 0) {
		lerr(c, n, "'%s' must be a whole number", what);
		return false;
	}
	if (v < min || v > max) {
		lerr(c, n, "'%s' must be between %lld and %lld", what, min, max);
		return false;
	}
	*out = v;
	return true;
}

bool get_num(struct lctx *c, const struct ynode *map, const char *key, double *out)
{
	const struct ynode *n = ymap_get(map, key);
	if (!n)
		return false;
	char *end;
	errno = 0;
	double v = n->kind == YN_SCALAR ? strtod(n->str, &end) : 0;
	if (n->kind != YN_SCALAR || errno || end == n->str || *end) {
		lerr(c, n, "'%s' must be a number", key);
		return false;
	}
	*out = v;
	return true;
}

const char **get_str_list(struct lctx *c, const struct ynode *map,
			  const char *key, size_t *n)
{
	const struct ynode *l = ymap_get(map, key);
	*n = 0;
	if (!l || yscalar_is_null(l))
		return NULL;
	if (l->kind == YN_SCALAR) {
		const char **v = arena_alloc(c->a, sizeof *v);
		v[0] = l->str;
		*n = 1;
		return v;
	}
	if (!expect_kind(c, l, YN_SEQ, key))
		return NULL;
	const char **v = arena_alloc(c->a, (l->n ? l->n : 1) * sizeof *v);
	for (size_t i = 0; i < l->n; i++) {
		if (l->items[i]->kind != YN_SCALAR || !*l->items[i]->str) {
			lerr(c, l->items[i], "entries of '%s' must be non-empty text", key);
			continue;
		}
		v[(*n)++] = l->items[i]->str;
	}
	return v;
}

bool is_color(const char *s)
{
	if (strlen(s) != 7 || s[0] != '#')
		return false;
	for (int i = 1; i < 7; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}
