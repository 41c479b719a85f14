/* mustache_parse.c - compiles Mustache source into a tree of mu_node.
 *
 * Three passes over a flat token list, so that whitespace rules that need
 * to see a whole line (or a whole tag pair) are decided before any node is
 * built:
 *   1. tokenize: text (split after every newline) and tags, honouring
 *      delimiter changes;
 *   2. match open and close tags; then the whitespace rules: standalone
 *      lines, standalone parent/block pairs and the re-indentation of blocks
 *      (spec ~inheritance, after mustache/spec#130);
 *   3. build the tree, with an N_BOL marker wherever a source line starts,
 *      so that a partial's indentation is applied at render time without
 *      re-parsing it. */
#include "mustache_int.h"
#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

enum { T_TEXT, T_TAG };

struct tok {
	int kind;
	char sigil;             /* tags: 0 for {{x}}, else one of {&#^/!=><$ */
	bool dynamic;           /* {{>*x}} */
	bool bol, eol;          /* starts a source line / text ends with '\n' */
	bool drop;              /* text removed by the standalone rules */
	bool owns_line;         /* tag that takes over its line: no N_BOL */
	bool standalone;
	bool in_parent;         /* '$' directly inside a '<': an argument */
	bool clear_before;      /* only blank text before it on its line */
	bool clear_after;       /* only blank text after it on its line */
	bool pair;              /* '$' open: standalone block pair */
	bool intrinsic;         /* '$' open: indent is intrinsic */
	int line_tags;          /* tags on this tag's line */
	const char *s;          /* text, or the tag's name */
	size_t n;
	int line, col;
	size_t match;           /* open <-> close */
	size_t lead, trail;     /* blank text before/after on the line */
	const char *indent, *nl;
	size_t indent_len, nl_len;
};

struct parser {
	struct arena *a;
	const char *file;
	const char *src;
	size_t len;
	struct diags *d;
	struct tok *t;
	size_t n, cap;
	size_t pos_at;          /* where() works forward from here */
	int line_at, col_at;
};

struct vec {
	struct mu_node *v;
	size_t n, cap;
};

/* Line and column (1-based, in bytes) of offset off; off never goes back. */
static void where(struct parser *p, size_t off, int *line, int *col)
{
	for (; p->pos_at < off; p->pos_at++) {
		if (p->src[p->pos_at] == '\n') {
			p->line_at++;
			p->col_at = 1;
		} else {
			p->col_at++;
		}
	}
	*line = p->line_at;
	*col = p->col_at;
}

static struct tok *newtok(struct parser *p, int kind, size_t off)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->t = xrealloc(p->t, p->cap * sizeof *p->t);
	}
	struct tok *t = &p->t[p->n++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->bol = off == 0 || p->src[off - 1] == '\n';
	t->match = t->lead = t->trail = NONE;
	where(p, off, &t->line, &t->col);
	return t;
}

static void add_text(struct parser *p, size_t from, size_t to)
{
	while (from < to) {
		const char *nl = memchr(p->src + from, '\n', to - from);
		size_t end = nl ? (size_t)(nl - p->src) + 1 : to;
		struct tok *t = newtok(p, T_TEXT, from);
		t->s = p->src + from;
		t->n = end - from;
		t->eol = nl != NULL;
		from = end;
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

static bool has_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_space(s[i]))
			return true;
	return false;
}

/* {{=<% %>=}}: two delimiters without whitespace or '='. */
static int set_delims(struct parser *p, const struct tok *t, const char *s,
		      size_t n, const char **od, size_t *ol, const char **cd,
		      size_t *cl)
{
	const char *c = s;
	size_t m = n;
	trim(&c, &m);
	size_t i = 0;
	while (i < m && !is_space(c[i]))
		i++;
	size_t j = i;
	while (j < m && is_space(c[j]))
		j++;
	if (i == 0 || j == i || j == m || has_space(c + j, m - j) ||
	    memchr(c, '=', i) || memchr(c + j, '=', m - j)) {
		diag_add(p->d, p->file, t->line, t->col,
			 "invalid delimiter change '%.*s': expected two "
			 "delimiters without spaces or '=', like {{=<%% %%>=}}",
			 (int)n, s);
		return -1;
	}
	*od = c;
	*ol = i;
	*cd = c + j;
	*cl = m - j;
	return 0;
}

static int tokenize(struct parser *p)
{
	const char *od = "{{", *cd = "}}";
	size_t ol = 2, cl = 2, pos = 0;
	while (pos < p->len) {
		const char *hit = memmem(p->src + pos, p->len - pos, od, ol);
		size_t start = hit ? (size_t)(hit - p->src) : p->len;
		add_text(p, pos, start);
		if (!hit)
			break;
		struct tok *t = newtok(p, T_TAG, start);
		size_t q = start + ol;
		if (q < p->len && p->src[q] && strchr("{&#^/!=><$", p->src[q]))
			t->sigil = p->src[q++];
		/* {{{x}}} ends with "}" + close, {{=...=}} with "=" + close. */
		char pre = t->sigil == '{' ? '}' : t->sigil == '=' ? '=' : 0;
		size_t from = q, cend = 0, tend = 0;
		for (;;) {
			const char *h = from < p->len
				? memmem(p->src + from, p->len - from, cd, cl) : NULL;
			if (!h)
				break;
			size_t hp = (size_t)(h - p->src);
			if (!pre) {
				cend = hp;
				tend = hp + cl;
				break;
			}
			if (hp > q && p->src[hp - 1] == pre) {
				cend = hp - 1;
				tend = hp + cl;
				break;
			}
			from = hp + 1;
		}
		if (!tend) {
			diag_add(p->d, p->file, t->line, t->col,
				 "unclosed tag: '%.*s' without '%s%.*s'",
				 (int)ol, od, pre == '}' ? "}" : pre == '=' ? "=" : "",
				 (int)cl, cd);
			return -1;
		}
		const char *s = p->src + q;
		size_t n = cend - q;
		pos = tend;
		if (t->sigil == '!')
			continue;
		if (t->sigil == '=') {
			if (set_delims(p, t, s, n, &od, &ol, &cd, &cl) < 0)
				return -1;
			continue;
		}
		trim(&s, &n);
		if (n && *s == '*' && (t->sigil == '>' || t->sigil == '<' ||
				       t->sigil == '/')) {
			t->dynamic = true;
			s++;
			n--;
			trim(&s, &n);
		}
		if (n == 0) {
			diag_add(p->d, p->file, t->line, t->col, "empty tag '%.*s'",
				 (int)(tend - start), p->src + start);
			return -1;
		}
		if (has_space(s, n)) {
			diag_add(p->d, p->file, t->line, t->col,
				 "invalid name '%.*s' in tag (names have no spaces)",
				 (int)n, s);
			return -1;
		}
		t->s = s;
		t->n = n;
	}
	return 0;
}

static bool opens(const struct tok *t)
{
	return t->kind == T_TAG && t->sigil && strchr("#^<$", t->sigil);
}

static int match_tags(struct parser *p)
{
	size_t stack[MU_MAX_NESTING], depth = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct tok *t = &p->t[i];
		if (opens(t)) {
			if (depth == MU_MAX_NESTING) {
				diag_add(p->d, p->file, t->line, t->col,
					 "sections nested deeper than %d levels",
					 MU_MAX_NESTING);
				return -1;
			}
			t->in_parent = t->sigil == '$' && depth &&
				       p->t[stack[depth - 1]].sigil == '<';
			stack[depth++] = i;
		} else if (t->kind == T_TAG && t->sigil == '/') {
			if (!depth) {
				diag_add(p->d, p->file, t->line, t->col,
					 "closing tag '{{/%s%.*s}}' without an open section",
					 t->dynamic ? "*" : "", (int)t->n, t->s);
				return -1;
			}
			struct tok *o = &p->t[stack[depth - 1]];
			if (o->n != t->n || memcmp(o->s, t->s, t->n) != 0 ||
			    o->dynamic != t->dynamic) {
				diag_add(p->d, p->file, t->line, t->col,
					 "mismatched closing tag '{{/%s%.*s}}': open "
					 "section is '{{%c%s%.*s}}' from line %d, column %d",
					 t->dynamic ? "*" : "", (int)t->n, t->s, o->sigil,
					 o->dynamic ? "*" : "", (int)o->n, o->s,
					 o->line, o->col);
				return -1;
			}
			o->match = i;
			t->match = stack[--depth];
		}
	}
	if (depth) {
		struct tok *o = &p->t[stack[depth - 1]];
		diag_add(p->d, p->file, o->line, o->col,
			 "unclosed section '{{%c%s%.*s}}' opened here: no "
			 "'{{/%s%.*s}}' before the end of the file", o->sigil,
			 o->dynamic ? "*" : "", (int)o->n, o->s,
			 o->dynamic ? "*" : "", (int)o->n, o->s);
		return -1;
	}
	return 0;
}

/* Whitespace only, except for the newline that may end it. */
static bool blank(const struct tok *t)
{
	if (t->kind != T_TEXT)
		return false;
	size_t n = t->n;
	if (t->eol) {
		n--;
		if (n && t->s[n - 1] == '\r')
			n--;
	}
	for (size_t i = 0; i < n; i++)
		if (t->s[i] != ' ' && t->s[i] != '\t')
			return false;
	return true;
}

/* Tokens [a, b) are one source line. A tag is clear before (after) when
 * it is the first (last) token of the line that is not blank text. */
static void classify_line(struct parser *p, size_t a, size_t b)
{
	int tags = 0;
	size_t first = NONE, last = NONE;
	for (size_t i = a; i < b; i++) {
		tags += p->t[i].kind == T_TAG;
		if (!blank(&p->t[i])) {
			if (first == NONE)
				first = i;
			last = i;
		}
	}
	for (size_t i = a; i < b; i++) {
		struct tok *t = &p->t[i];
		if (t->kind != T_TAG)
			continue;
		t->line_tags = tags;
		t->clear_before = first == i;
		t->clear_after = last == i;
		if (i == a + 1 && t->clear_before)
			t->lead = a;
		if (i + 2 == b && t->clear_after)
			t->trail = i + 1;
	}
}

static void classify(struct parser *p)
{
	size_t a = 0;
	while (a < p->n) {
		size_t b = a + 1;
		while (b < p->n && !p->t[b].bol)
			b++;
		classify_line(p, a, b);
		a = b;
	}
}

/* Block re-indentation: a block whose opening tag ends its line has an
 * intrinsic indentation, that of the line after it. It is removed from
 * every line of the block here and added back, as the indentation of the
 * place where the block is expanded, when rendering. Outer blocks come
 * first, so inner blocks and partials see indentation relative to them. */
static void reindent_blocks(struct parser *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct tok *t = &p->t[i];
		if (t->kind != T_TAG || t->sigil != '$')
			continue;
		if (t->match == NONE || t->match < i)
			continue;
		size_t c = t->match;
		bool use = false;
		if (t->in_parent) {
			/* An argument's first line starts after its tag. */
			if (t->clear_after) {
				if (t->trail != NONE)
					p->t[t->trail].drop = true;
				use = true;
			}
		} else {
			t->pair = t->clear_before && p->t[c].clear_after;
			use = t->pair && t->clear_after;
		}
		if (!use)
			continue;
		size_t j = t->trail != NONE ? t->trail + 1 : i + 1;
		const char *ind = "";
		size_t il = 0;
		if (j < c && p->t[j].kind == T_TEXT) {
			ind = p->t[j].s;
			while (il < p->t[j].n && (ind[il] == ' ' || ind[il] == '\t'))
				il++;
		}
		t->intrinsic = true;
		t->indent = ind;
		t->indent_len = il;
		if (!il)
			continue;
		for (size_t k = i + 1; k <= c; k++) {
			struct tok *x = &p->t[k];
			if (x->kind != T_TEXT || !x->bol)
				continue;
			size_t m = 0;
			while (m < il && m < x->n && x->s[m] == ind[m])
				m++;
			x->s += m;
			x->n -= m;
		}
	}
}

static void own_line(struct parser *p, struct tok *t)
{
	if (t->lead != NONE) {
		p->t[t->lead].drop = true;
		t->indent = p->t[t->lead].s;
		t->indent_len = p->t[t->lead].n;
	} else if (!t->intrinsic) {
		t->indent = "";
		t->indent_len = 0;
	}
	t->owns_line = true;
	t->standalone = true;
}

/* Standalone lines: a line holding only one non-interpolation tag and
 * whitespace is removed whole. A parent pair, or a block pair outside a
 * parent, whose opening tag starts its line and whose closing tag ends its
 * line, is standalone too even if both tags share the line. */
static void standalone(struct parser *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct tok *t = &p->t[i];
		if (t->kind != T_TAG || !t->sigil || strchr("{&", t->sigil))
			continue;
		bool intrinsic = t->intrinsic;
		const char *ii = t->indent;
		size_t il = t->indent_len;
		if (t->line_tags == 1 && t->clear_before && t->clear_after) {
			own_line(p, t);
			if (t->trail != NONE)
				p->t[t->trail].drop = true;
		}
		if (t->sigil == '<' && t->match > i && t->clear_before &&
		    p->t[t->match].clear_after) {
			own_line(p, t);
			if (p->t[t->match].trail != NONE)
				p->t[p->t[t->match].trail].drop = true;
		}
		if (t->sigil == '$' && t->match > i && t->pair) {
			own_line(p, t);
			size_t tr = p->t[t->match].trail;
			if (tr != NONE) {
				struct tok *x = &p->t[tr];
				x->drop = true;
				if (x->eol) {
					size_t k = x->n >= 2 && x->s[x->n - 2] == '\r' ? 2 : 1;
					t->nl = x->s + x->n - k;
					t->nl_len = k;
				}
			}
			if (intrinsic) {
				t->indent = ii;
				t->indent_len = il;
			}
		} else if (t->sigil == '$') {
			/* Not a standalone pair: expanded in place. */
			t->standalone = false;
		}
	}
}

static void vec_push(struct vec *v, const struct mu_node *n)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = xrealloc(v->v, v->cap * sizeof *v->v);
	}
	v->v[v->n++] = *n;
}

static void parse_name(struct parser *p, struct mu_name *nm, const char *s, size_t n)
{
	memset(nm, 0, sizeof *nm);
	if (n == 1 && s[0] == '.')
		return;
	size_t parts = 1;
	for (size_t i = 0; i < n; i++)
		parts += s[i] == '.';
	nm->part = arena_alloc(p->a, parts * sizeof *nm->part);
	nm->plen = arena_alloc(p->a, parts * sizeof *nm->plen);
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			nm->part[nm->n] = arena_strndup(p->a, s + start, i - start);
			nm->plen[nm->n++] = i - start;
			start = i + 1;
		}
	}
}

static void tag_node(struct parser *p, struct mu_node *n, const struct tok *t,
		     enum mu_kind kind)
{
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->file = p->file;
	n->line = t->line;
	n->col = t->col;
	n->text = arena_strndup(p->a, t->s, t->n);
	n->len = t->n;
	n->dynamic = t->dynamic;
	n->standalone = t->standalone;
	n->indent = t->indent;
	n->indent_len = t->indent_len;
	n->nl = t->nl;
	n->nl_len = t->nl_len;
	parse_name(p, &n->name, t->s, t->n);
}

static bool empty_line(const struct tok *t)
{
	return t->eol && (t->n == 1 || (t->n == 2 && t->s[0] == '\r'));
}

static void add_text_node(struct vec *v, const struct tok *t, const char *file)
{
	struct mu_node *last = v->n ? &v->v[v->n - 1] : NULL;
	if (last && last->kind == N_TEXT && last->text + last->len == t->s) {
		last->len += t->n;
		return;
	}
	struct mu_node n = { .kind = N_TEXT, .text = t->s, .len = t->n,
			     .file = file, .line = t->line, .col = t->col };
	vec_push(v, &n);
}

/* Moves a finished child list into the arena; parents keep only their
 * argument blocks. */
static void finish_kids(struct parser *p, struct mu_node *n, struct vec *v,
			bool blocks_only)
{
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++)
		k += !blocks_only || v->v[i].kind == N_BLOCK;
	n->kids = arena_alloc(p->a, (k ? k : 1) * sizeof *n->kids);
	n->nkids = 0;
	for (size_t i = 0; i < v->n; i++)
		if (!blocks_only || v->v[i].kind == N_BLOCK)
			n->kids[n->nkids++] = v->v[i];
	free(v->v);
	memset(v, 0, sizeof *v);
}

static struct mu_template *build(struct parser *p)
{
	struct vec stack[MU_MAX_NESTING + 1];
	size_t open[MU_MAX_NESTING + 1], depth = 0;
	memset(stack, 0, sizeof stack);
	for (size_t i = 0; i < p->n; i++) {
		const struct tok *t = &p->t[i];
		struct vec *v = &stack[depth];
		/* A line that starts with a closing tag starts after it:
		 * the section's content must not end with an indentation. */
		bool closing = t->kind == T_TAG && t->sigil == '/';
		struct mu_node bol = { .kind = N_BOL, .file = p->file,
				       .line = t->line, .col = t->col };
		bool want_bol = t->bol && (t->kind == T_TEXT
			? !t->drop && !empty_line(t) : !t->owns_line);
		if (want_bol && !closing)
			vec_push(v, &bol);
		if (t->kind == T_TEXT) {
			if (!t->drop && t->n)
				add_text_node(v, t, p->file);
			continue;
		}
		struct mu_node n;
		switch (t->sigil) {
		case 0: case '{': case '&':
			tag_node(p, &n, t, N_VAR);
			n.raw = t->sigil != 0;
			vec_push(v, &n);
			break;
		case '>':
			tag_node(p, &n, t, N_PARTIAL);
			vec_push(v, &n);
			break;
		case '#': case '^': case '<': case '$':
			open[++depth] = i;
			break;
		case '/': {
			const struct tok *o = &p->t[open[depth]];
			enum mu_kind k = o->sigil == '#' ? N_SECTION :
					 o->sigil == '^' ? N_INVERTED :
					 o->sigil == '<' ? N_PARENT : N_BLOCK;
			tag_node(p, &n, o, k);
			finish_kids(p, &n, &stack[depth], k == N_PARENT);
			depth--;
			vec_push(&stack[depth], &n);
			if (want_bol)
				vec_push(&stack[depth], &bol);
			break;
		}
		default:        /* '!' and '=' leave nothing */
			break;
		}
	}
	struct mu_template *tpl = arena_alloc(p->a, sizeof *tpl);
	tpl->file = p->file;
	struct mu_node root;
	finish_kids(p, &root, &stack[0], false);
	tpl->kids = root.kids;
	tpl->nkids = root.nkids;
	return tpl;
}

struct mu_template *mu_compile_locked(struct mu_env *env, const char *filename,
				      const char *src, size_t len, struct diags *d)
{
	struct parser p = {
		.a = &env->arena,
		.file = arena_strdup(&env->arena, filename ? filename : "(template)"),
		.src = arena_strndup(&env->arena, src, len),
		.len = len, .d = d, .line_at = 1, .col_at = 1,
	};
	struct mu_template *t = NULL;
	if (tokenize(&p) == 0 && match_tags(&p) == 0) {
		classify(&p);
		reindent_blocks(&p);
		standalone(&p);
		t = build(&p);
	}
	free(p.t);
	return t;
}
