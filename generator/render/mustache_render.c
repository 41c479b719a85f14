/* mustache_render.c - renders a compiled template tree (see mustache.h).
 *
 * All render state lives in one struct on the caller's stack with small
 * inline arrays (context stack, parent frames, indentation); they move to
 * the heap only for unusually deep templates. Nothing else is allocated
 * while rendering except output growth, and the tree is never modified,
 * so many threads may render with one env at once. */
#include "mustache_int.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rstate {
	struct mu_env *env;
	struct buf *out;
	struct diags *d;
	const struct mval **ctx;        /* context stack, top is last */
	size_t nctx, capctx;
	const struct mu_node **frames;  /* parents being expanded, outermost first */
	size_t nframes, capframes;
	char *ind;                      /* indentation: ind[istart, iend) */
	size_t istart, iend, capind;
	size_t ind_end;                 /* out->len right after an indentation */
	int pdepth, depth;
	bool failed;
	const struct mval *ctx0[32];
	const struct mu_node *frames0[16];
	char ind0[128];
};

static int nodes(struct rstate *r, const struct mu_node *k, size_t n);

static void *grow(void *p, const void *inl, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap;
	while (ncap < need)
		ncap *= 2;
	if (ncap == *cap)
		return p;
	void *q;
	if (p == inl) {
		q = xmalloc(ncap * elem);
		memcpy(q, p, *cap * elem);
	} else {
		q = xrealloc(p, ncap * elem);
	}
	*cap = ncap;
	return q;
}

static int fail(struct rstate *r, const struct mu_node *n, const char *fmt,
		const char *a, size_t alen)
{
	if (!r->failed)
		diag_add(r->d, n->file, n->line, n->col, fmt, (int)alen, a);
	r->failed = true;
	return -1;
}

static int overflow(struct rstate *r, const struct mu_node *n)
{
	if (!r->failed)
		diag_add(r->d, n->file, n->line, n->col,
			 "output larger than the limit of %zu bytes", r->out->max);
	r->failed = true;
	return -1;
}

static int put(struct rstate *r, const struct mu_node *n, const char *s, size_t len)
{
	if (len && buf_append(r->out, s, len) < 0)
		return overflow(r, n);
	return 0;
}

static int put_indent(struct rstate *r, const struct mu_node *n)
{
	if (put(r, n, r->ind + r->istart, r->iend - r->istart) < 0)
		return -1;
	r->ind_end = r->out->len;
	return 0;
}

/* Indentation is a window at the top of a stack: a standalone partial
 * widens it, an inline one starts an empty window. */
static void indent_push(struct rstate *r, const struct mu_node *n)
{
	if (!n->standalone) {
		r->istart = r->iend;
		return;
	}
	r->ind = grow(r->ind, r->ind0, &r->capind, r->iend + n->indent_len, 1);
	memcpy(r->ind + r->iend, n->indent, n->indent_len);
	r->iend += n->indent_len;
}

static bool key_eq(const char *key, const char *k, size_t kl)
{
	size_t j = 0;
	while (j < kl && key[j] && key[j] == k[j])
		j++;
	return j == kl && key[kl] == '\0';
}

/* Only keys with the right first byte are compared (m->k0): a build's
 * lookups met ~29 million keys, nearly all of them different from the
 * first byte on, and following each key's pointer was a fifth of a full
 * build's instructions. */
static const struct mval *map_find(const struct mval *m, const char *k, size_t kl)
{
	if (!(m->kmask >> mv_key_bit(k, kl) & 1))
		return NULL;
	char first = kl ? k[0] : '\0';
	for (size_t i = 0; i < m->n; i++)
		if (m->k0[i] == first && key_eq(m->keys[i], k, kl))
			return m->items[i];
	return NULL;
}

/* The first part of a dotted name is looked up through the context stack;
 * the rest strictly inside what it found. NULL when nothing is there. */
static const struct mval *lookup(const struct rstate *r, const struct mu_name *nm)
{
	if (nm->n == 0)
		return r->nctx ? r->ctx[r->nctx - 1] : NULL;
	const struct mval *v = NULL;
	for (size_t i = r->nctx; i-- > 0;) {
		const struct mval *c = r->ctx[i];
		if (c && c->kind == MV_MAP && (v = map_find(c, nm->part[0], nm->plen[0])))
			break;
	}
	for (size_t k = 1; k < nm->n && v; k++)
		v = v->kind == MV_MAP ? map_find(v, nm->part[k], nm->plen[k]) : NULL;
	return v;
}

/* Falsey: missing, null, false, the empty list and the empty string. */
static bool truthy(const struct mval *v)
{
	if (!v)
		return false;
	switch (v->kind) {
	case MV_NULL: return false;
	case MV_BOOL: return v->b;
	case MV_LIST: return v->n > 0;
	case MV_STR: return v->len > 0;
	default: return true;
	}
}

static void ctx_push(struct rstate *r, const struct mval *v)
{
	r->ctx = grow(r->ctx, r->ctx0, &r->capctx, r->nctx + 1, sizeof *r->ctx);
	r->ctx[r->nctx++] = v;
}

static int interpolate(struct rstate *r, const struct mu_node *n)
{
	const struct mval *v = lookup(r, &n->name);
	if (!v) {
		if (r->env->strict)
			return fail(r, n, "undefined variable '%.*s'", n->text, n->len);
		return 0;
	}
	switch (v->kind) {
	case MV_STR:
		if (n->raw)
			return put(r, n, v->str, v->len);
		if (buf_put_html(r->out, v->str, v->len) < 0)
			return overflow(r, n);
		return 0;
	case MV_NUM: {
		char b[64];
		int k = snprintf(b, sizeof b, "%.15g", v->num);
		if (k < 0 || (size_t)k >= sizeof b)
			return fail(r, n, "cannot format the number '%.*s'", n->text, n->len);
		return put(r, n, b, (size_t)k);
	}
	case MV_BOOL:
		return put(r, n, v->b ? "true" : "false", v->b ? 4 : 5);
	default:
		return 0;
	}
}

static int section(struct rstate *r, const struct mu_node *n)
{
	const struct mval *v = lookup(r, &n->name);
	if (n->kind == N_INVERTED)
		return truthy(v) ? 0 : nodes(r, n->kids, n->nkids);
	if (!truthy(v))
		return 0;
	size_t items = v->kind == MV_LIST ? v->n : 1;
	for (size_t i = 0; i < items; i++) {
		ctx_push(r, v->kind == MV_LIST ? v->items[i] : v);
		int rc = nodes(r, n->kids, n->nkids);
		r->nctx--;
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* {{>name}} and {{<name}}...{{/name}}: same namespace, same indentation. */
static int include(struct rstate *r, const struct mu_node *n)
{
	const char *name = n->text;
	size_t len = n->len;
	if (n->dynamic) {
		/* In strict mode a dynamic name must resolve like a variable. */
		const struct mval *v = lookup(r, &n->name);
		if (!v && r->env->strict)
			return fail(r, n, "undefined variable '%.*s'", n->text, n->len);
		if (v && v->kind != MV_STR && r->env->strict)
			return fail(r, n, "dynamic name '%.*s' is not a string", n->text, n->len);
		if (!v || v->kind != MV_STR)
			return 0;
		name = v->str;
		len = v->len;
	}
	if (r->pdepth >= MU_MAX_PARTIAL_DEPTH)
		return fail(r, n, "partials nested deeper than 100 levels at "
			    "'%.*s' (endless recursion?)", name, len);
	struct mu_template *t;
	enum mu_state st = mu_resolve(r->env, name, len, r->d, &t);
	/* The spec renders a missing partial as nothing; a theme with a typo
	 * in a partial's name must not pass silently, so strict mode fails. */
	if (st == MU_MISSING && r->env->strict)
		return fail(r, n, "template '%.*s' not found", name, len);
	if (st == MU_MISSING)
		return 0;
	if (st == MU_INVALID)
		return fail(r, n, "template '%.*s' has errors", name, len);
	size_t istart = r->istart, iend = r->iend;
	indent_push(r, n);
	if (n->kind == N_PARENT) {
		r->frames = grow(r->frames, r->frames0, &r->capframes,
				 r->nframes + 1, sizeof *r->frames);
		r->frames[r->nframes++] = n;
	}
	r->pdepth++;
	int rc = nodes(r, t->kids, t->nkids);
	r->pdepth--;
	if (n->kind == N_PARENT)
		r->nframes--;
	r->istart = istart;
	r->iend = iend;
	return rc;
}

/* {{$name}}: the outermost parent's argument wins, else the default. */
static int block(struct rstate *r, const struct mu_node *n)
{
	const struct mu_node *body = n;
	for (size_t i = 0; i < r->nframes && body == n; i++) {
		const struct mu_node *f = r->frames[i];
		for (size_t k = 0; k < f->nkids; k++) {
			if (f->kids[k].len == n->len &&
			    memcmp(f->kids[k].text, n->text, n->len) == 0) {
				body = &f->kids[k];
				break;
			}
		}
	}
	if (!n->standalone)
		return nodes(r, body->kids, body->nkids);
	/* A standalone block is indented like a partial and ends its line. */
	size_t istart = r->istart, iend = r->iend, before = r->out->len;
	indent_push(r, n);
	int rc = put_indent(r, n);
	if (rc == 0)
		rc = nodes(r, body->kids, body->nkids);
	if (rc == 0) {
		if (r->out->len == r->ind_end) {
			r->out->len = before;
			if (r->out->data)
				r->out->data[before] = '\0';
		} else if (r->out->data[r->out->len - 1] != '\n') {
			rc = put(r, n, n->nl, n->nl_len);
		}
	}
	r->istart = istart;
	r->iend = iend;
	return rc;
}

static int nodes(struct rstate *r, const struct mu_node *k, size_t n)
{
	if (n == 0)
		return 0;
	if (++r->depth > MU_MAX_RENDER_DEPTH) {
		r->depth--;
		if (!r->failed)
			diag_add(r->d, k->file, k->line, k->col,
				 "templates nested deeper than %d levels while rendering",
				 MU_MAX_RENDER_DEPTH);
		r->failed = true;
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct mu_node *x = &k[i];
		switch (x->kind) {
		case N_TEXT:
			rc = put(r, x, x->text, x->len);
			break;
		case N_BOL:
			if (r->iend > r->istart && r->out->len != r->ind_end)
				rc = put_indent(r, x);
			break;
		case N_VAR:
			rc = interpolate(r, x);
			break;
		case N_SECTION:
		case N_INVERTED:
			rc = section(r, x);
			break;
		case N_PARTIAL:
		case N_PARENT:
			rc = include(r, x);
			break;
		case N_BLOCK:
			rc = block(r, x);
			break;
		}
	}
	r->depth--;
	return rc;
}

int mu_render(struct mu_env *env, const struct mu_template *t,
	      const struct mval *data, struct buf *out, struct diags *d)
{
	if (!t) {
		diag_add(d, NULL, 0, 0, "mustache: no template to render");
		return -1;
	}
	struct rstate r;
	memset(&r, 0, sizeof r);
	r.env = env;
	r.out = out;
	r.d = d;
	r.ctx = r.ctx0;
	r.capctx = sizeof r.ctx0 / sizeof *r.ctx0;
	r.frames = r.frames0;
	r.capframes = sizeof r.frames0 / sizeof *r.frames0;
	r.ind = r.ind0;
	r.capind = sizeof r.ind0;
	r.ind_end = SIZE_MAX;
	if (data)
		ctx_push(&r, data);
	int rc = nodes(&r, t->kids, t->nkids);
	if (r.ctx != r.ctx0)
		free(r.ctx);
	if (r.frames != r.frames0)
		free(r.frames);
	if (r.ind != r.ind0)
		free(r.ind);
	return rc < 0 || r.failed ? -1 : 0;
}
