/* mustache.h - a Mustache template engine (spec v1.3: interpolation,
 * sections, inverted, comments, partials, set delimiters, and the optional
 * ~inheritance and ~dynamic-names modules; no lambdas).
 *
 * Templates are compiled once into a tree and rendered many times. Partials
 * and parents are fetched by name through a loader and cached in the env.
 * Data is a small tree of struct mval built in an arena. */
#ifndef MUSTACHE_H
#define MUSTACHE_H
#include <stdbool.h>
#include <stddef.h>
#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/diag.h"

/* ---- data ---- */
enum mval_kind { MV_NULL, MV_BOOL, MV_NUM, MV_STR, MV_LIST, MV_MAP };

struct mval {
	enum mval_kind kind;
	bool b;                 /* MV_BOOL */
	double num;             /* MV_NUM: printed like "%.15g" (1.210 -> 1.21) */
	const char *str;        /* MV_STR (not copied: must outlive rendering) */
	size_t len;
	const char **keys;      /* MV_MAP: keys[i] -> items[i] */
	char *k0;               /* MV_MAP: keys[i][0], side by side: a lookup
				 * scans these bytes, not the keys behind
				 * their pointers */
	unsigned long long kmask;   /* MV_MAP: bit mv_key_bit() of each key */
	struct mval **items;    /* MV_LIST / MV_MAP */
	size_t n, cap;
};

/* A key's bit in a map's kmask, from its first and last byte and its
 * length: a lookup skips a map without the bit of the name it looks for,
 * as most maps of a page's context stack are. */
static inline unsigned mv_key_bit(const char *k, size_t kl)
{
	if (!kl)
		return 0;
	return ((unsigned char)k[0] * 7u + (unsigned char)k[kl - 1] * 3u + (unsigned)kl) & 63u;
}

struct mval *mv_null(struct arena *a);
struct mval *mv_bool(struct arena *a, bool b);
struct mval *mv_num(struct arena *a, double d);
struct mval *mv_str(struct arena *a, const char *s);    /* s not copied */
struct mval *mv_strn(struct arena *a, const char *s, size_t n);
struct mval *mv_list(struct arena *a);
struct mval *mv_map(struct arena *a);
void mv_push(struct arena *a, struct mval *list, struct mval *v);
/* Adds or replaces key (key not copied). */
void mv_set(struct arena *a, struct mval *map, const char *key, struct mval *v);
void mv_set_str(struct arena *a, struct mval *map, const char *key, const char *s);
void mv_set_bool(struct arena *a, struct mval *map, const char *key, bool b);
struct mval *mv_get(const struct mval *map, const char *key);

/* ---- templates ---- */
struct mu_template;
struct mu_env;

/* Fetches the source of a partial/parent by name. Return 0 and append the
 * source to *src (and set *filename for error messages, a string that must
 * outlive the env), or -1 when there is no such template (the spec then
 * renders the empty string). */
typedef int (*mu_load_fn)(void *ctx, const char *name, struct buf *src,
			  const char **filename);
/* (The loader is called with the env's cache lock held: it must not call
 * mu_* functions on the same env. Sections treat missing names, null,
 * false, the empty list and the empty string as false; numbers, maps and
 * other strings as true. Templates may not nest sections deeper than 100.) */

struct mu_env *mu_env_new(mu_load_fn load, void *ctx);
void mu_env_free(struct mu_env *env);
/* strict: interpolating a name that resolves to nothing is an error
 * "file:line:col: undefined variable 'x'" instead of the empty string
 * (saait's rule: themes must not fail silently), and so is a partial or
 * parent the loader cannot find ("template 'x' not found"). Sections and
 * inverted sections on missing names stay legal. Default off (spec
 * behaviour). */
void mu_env_set_strict(struct mu_env *env, bool strict);

/* Compile source text; NULL after adding "file:line:col: message" to d
 * (unclosed section, mismatched end tag, bad delimiter change, ...).
 * The template is owned by the env. */
struct mu_template *mu_compile(struct mu_env *env, const char *filename,
			       const char *src, size_t len, struct diags *d);
/* Load through the loader (cached by name); NULL if missing or invalid. */
struct mu_template *mu_get(struct mu_env *env, const char *name, struct diags *d);

/* Render with data as the bottom of the context stack, appending to out.
 * 0 ok; -1 after adding a diagnostic (strict undefined variable, output
 * larger than out->max, partial recursion deeper than 100 levels).
 * Thread-safe: several threads may render with one env at once (the
 * partial cache is locked). */
int mu_render(struct mu_env *env, const struct mu_template *t,
	      const struct mval *data, struct buf *out, struct diags *d);
#endif
