/* mustache_int.h - the compiled template tree shared by mustache.c (env and
 * cache), mustache_parse.c (compiler) and mustache_render.c (renderer).
 * Not part of the public API. */
#ifndef MUSTACHE_INT_H
#define MUSTACHE_INT_H
#include <pthread.h>
#include "mustache.h"

#define MU_MAX_PARTIAL_DEPTH 100   /* partials and parents inside each other */
#define MU_MAX_NESTING 100         /* sections/blocks inside one template */
#define MU_MAX_RENDER_DEPTH 2000   /* all recursion while rendering */

enum mu_kind {
	N_TEXT,         /* literal text, at most one line */
	N_BOL,          /* a source line starts: emit the current indentation */
	N_VAR,          /* {{x}}, {{{x}}}, {{&x}} */
	N_SECTION,      /* {{#x}} */
	N_INVERTED,     /* {{^x}} */
	N_PARTIAL,      /* {{>x}}, {{>*x}} */
	N_PARENT,       /* {{<x}}...{{/x}}: kids are its argument blocks */
	N_BLOCK,        /* {{$x}}...{{/x}}: kids are the default content */
};

/* A dotted name split at compile time; n == 0 is the implicit iterator. */
struct mu_name {
	const char **part;
	size_t *plen;
	size_t n;
};

struct mu_node {
	enum mu_kind kind;
	bool raw;               /* N_VAR: no HTML escaping */
	bool dynamic;           /* N_PARTIAL/N_PARENT: {{>*x}} */
	bool standalone;        /* N_PARTIAL/N_PARENT/N_BLOCK: owns its line */
	int line, col;
	const char *file;
	const char *text;       /* N_TEXT; tag name (NUL-terminated) otherwise */
	size_t len;
	struct mu_name name;
	struct mu_node *kids;
	size_t nkids;
	const char *indent;     /* standalone: indentation added to each line */
	size_t indent_len;
	const char *nl;         /* standalone N_BLOCK: newline kept after it */
	size_t nl_len;
};

struct mu_template {
	const char *file;
	struct mu_node *kids;
	size_t nkids;
};

enum mu_state { MU_OK, MU_MISSING, MU_INVALID };

struct mu_cached {
	const char *name;
	size_t len;
	unsigned long hash;
	enum mu_state state;
	struct mu_template *t;
};

struct mu_env {
	mu_load_fn load;
	void *ctx;
	bool strict;
	pthread_mutex_t lock;   /* guards arena and cache */
	struct arena arena;     /* templates, names, sources */
	struct mu_cached *cache;
	size_t ncache, capcache;
};

/* mustache_parse.c; caller holds env->lock. */
struct mu_template *mu_compile_locked(struct mu_env *env, const char *filename,
				      const char *src, size_t len, struct diags *d);
/* mustache.c: find or load a partial/parent by name (locks env). */
enum mu_state mu_resolve(struct mu_env *env, const char *name, size_t n,
			 struct diags *d, struct mu_template **t);
#endif
