/* load_util.h - typed access to YAML nodes for the content loaders, each
 * failure reported at the node's file:line:col. */
#ifndef LOAD_UTIL_H
#define LOAD_UTIL_H
#include <stdbool.h>
#include "yamltree.h"
#include "../model/facts.h"     /* is_slug, is_date */

struct lctx {
	struct arena *a;
	struct diags *d;
	int errors;             /* count added by this loader */
};

void lerr(struct lctx *c, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Report keys of map not in the NULL-terminated list allowed. */
void check_keys(struct lctx *c, const struct ynode *map, const char *what,
		const char *const *allowed);
/* Scalar text of map[key]: required -> error when missing/empty. Returns
 * "" when absent and not required. Errors for non-scalars. */
const char *get_str(struct lctx *c, const struct ynode *map, const char *key,
		    bool required);
/* NULL when absent (for overrides: "unchanged"). */
const char *get_opt(struct lctx *c, const struct ynode *map, const char *key);
bool get_bool(struct lctx *c, const struct ynode *map, const char *key,
	      bool dflt, bool *present);
/* Non-negative integer; dflt when absent. */
long long get_uint(struct lctx *c, const struct ynode *map, const char *key,
		   long long dflt, long long max);
bool get_num(struct lctx *c, const struct ynode *map, const char *key, double *out);
/* A list of scalars (a single scalar is accepted as a one-element list). */
const char **get_str_list(struct lctx *c, const struct ynode *map,
			  const char *key, size_t *n);
/* The node must be of kind k (NULL ok = absent); error otherwise. */
bool expect_kind(struct lctx *c, const struct ynode *n, enum ynode_kind k,
		 const char *what);
/* The same checks on a node the caller found itself (relayd's key table);
 * what names the value in messages, e.g. "'limits.max_body' must be ...". */
const char *node_text(struct lctx *c, const struct ynode *n, const char *what);
bool node_bool(struct lctx *c, const struct ynode *n, const char *what, bool *out);
/* A whole number from min to max. */
bool node_int(struct lctx *c, const struct ynode *n, const char *what,
	      long long min, long long max, long long *out);
bool is_color(const char *s);   /* #rrggbb */
#endif
