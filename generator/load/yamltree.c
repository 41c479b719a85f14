/* yamltree.c - libyaml events -> struct ynode tree (see yamltree.h) */
#include "yamltree.h"
#include <yaml.h>
#include <string.h>

struct nodelist {               /* temporary child list while parsing */
	struct ynode **v;
	size_t n, cap;
};

struct yparse {
	yaml_parser_t parser;
	struct arena *a;        /* scalars and the file name */
	struct arena *tree;     /* nodes and their arrays */
	const char *file;
	struct diags *d;
	size_t nodes;
	bool failed;
};

static void push(struct nodelist *l, struct ynode *n)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = n;
}

static struct ynode *newnode(struct yparse *p, enum ynode_kind k,
			     const yaml_mark_t *m)
{
	if (++p->nodes > YAML_MAX_NODES) {
		diag_add(p->d, p->file, (int)m->line + 1, (int)m->column + 1,
			 "document has more than %d nodes", YAML_MAX_NODES);
		p->failed = true;
		return NULL;
	}
	struct ynode *n = arena_alloc(p->tree, sizeof *n);
	n->kind = k;
	n->file = p->file;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

static void parse_error(struct yparse *p)
{
	yaml_parser_t *y = &p->parser;
	const yaml_mark_t *m = y->problem ? &y->problem_mark : &y->mark;
	const char *what = y->problem ? y->problem : "invalid YAML";
	if (y->context)
		diag_add(p->d, p->file, (int)m->line + 1, (int)m->column + 1,
			 "invalid YAML: %s %s (line %d)", what, y->context,
			 (int)y->context_mark.line + 1);
	else
		diag_add(p->d, p->file, (int)m->line + 1, (int)m->column + 1,
			 "invalid YAML: %s", what);
	p->failed = true;
}

static bool next_event(struct yparse *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->parser, ev)) {
		parse_error(p);
		return false;
	}
	return true;
}

static struct ynode *parse_node(struct yparse *p, yaml_event_t *ev, int depth, bool key);

/* Parse children until the matching end event. */
static struct ynode *parse_collection(struct yparse *p, yaml_event_t *start,
				      int depth, bool is_map)
{
	struct ynode *n = newnode(p, is_map ? YN_MAP : YN_SEQ, &start->start_mark);
	if (!n)
		return NULL;
	if (depth > YAML_MAX_DEPTH) {
		diag_add(p->d, p->file, n->line, n->col,
			 "nesting deeper than %d levels", YAML_MAX_DEPTH);
		p->failed = true;
		return NULL;
	}
	struct nodelist items = {0}, keys = {0};
	yaml_event_t ev;
	for (;;) {
		if (!next_event(p, &ev))
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		struct ynode *child = parse_node(p, &ev, depth + 1, is_map && keys.n == items.n);
		yaml_event_delete(&ev);
		if (!child)
			goto fail;
		if (is_map && keys.n == items.n) {
			if (child->kind != YN_SCALAR) {
				diag_add(p->d, p->file, child->line, child->col,
					 "mapping keys must be plain text");
				p->failed = true;
				goto fail;
			}
			for (size_t i = 0; i < keys.n; i++) {
				if (keys.v[i]->len == child->len &&
				    memcmp(keys.v[i]->str, child->str, child->len) == 0) {
					diag_add(p->d, p->file, child->line, child->col,
						 "duplicate key '%s' (first at line %d)",
						 child->str, keys.v[i]->line);
					p->failed = true;
					goto fail;
				}
			}
			push(&keys, child);
		} else {
			push(&items, child);
		}
	}
	n->n = items.n;
	n->items = arena_alloc(p->tree, (items.n ? items.n : 1) * sizeof *n->items);
	if (items.n)
		memcpy(n->items, items.v, items.n * sizeof *n->items);
	if (is_map) {
		n->keys = arena_alloc(p->tree, (keys.n ? keys.n : 1) * sizeof *n->keys);
		if (keys.n)
			memcpy(n->keys, keys.v, keys.n * sizeof *n->keys);
	}
	free(items.v);
	free(keys.v);
	return n;
fail:
	free(items.v);
	free(keys.v);
	return NULL;
}

/* key: a mapping's key, whose text lives with the nodes (p->tree): the
 * loader only looks keys up, so a service's keys go when its tree does
 * (3.5 MB at 6,000 services). Office roles, which are keys, come from
 * city.yml, whose tree is the catalogue's. */
static struct ynode *parse_node(struct yparse *p, yaml_event_t *ev, int depth, bool key)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		if (ev->data.scalar.anchor) {
			diag_add(p->d, p->file, (int)ev->start_mark.line + 1,
				 (int)ev->start_mark.column + 1,
				 "anchors (&%s) are not supported", ev->data.scalar.anchor);
			p->failed = true;
			return NULL;
		}
		struct ynode *n = newnode(p, YN_SCALAR, &ev->start_mark);
		if (!n)
			return NULL;
		n->str = arena_strndup(key ? p->tree : p->a, (const char *)ev->data.scalar.value,
				       ev->data.scalar.length);
		n->len = ev->data.scalar.length;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			   ev->data.scalar.plain_implicit;
		return n;
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		const yaml_char_t *anchor = ev->type == YAML_SEQUENCE_START_EVENT
			? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
		if (anchor) {
			diag_add(p->d, p->file, (int)ev->start_mark.line + 1,
				 (int)ev->start_mark.column + 1,
				 "anchors (&%s) are not supported", anchor);
			p->failed = true;
			return NULL;
		}
		return parse_collection(p, ev, depth,
					ev->type == YAML_MAPPING_START_EVENT);
	}
	case YAML_ALIAS_EVENT:
		diag_add(p->d, p->file, (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1,
			 "aliases (*%s) are not supported", ev->data.alias.anchor);
		p->failed = true;
		return NULL;
	default:
		diag_add(p->d, p->file, (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1, "unexpected YAML structure");
		p->failed = true;
		return NULL;
	}
}

struct ynode *yaml_parse(struct arena *a, const char *file,
			 const char *data, size_t len, struct diags *d)
{
	return yaml_parse_tree(a, a, file, data, len, d);
}

struct ynode *yaml_parse_tree(struct arena *a, struct arena *tree, const char *file,
			      const char *data, size_t len, struct diags *d)
{
	struct yparse p = { .a = a, .tree = tree, .file = arena_strdup(a, file), .d = d };
	if (!yaml_parser_initialize(&p.parser))
		die("libyaml: cannot initialise parser");
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&p.parser, YAML_UTF8_ENCODING);

	struct ynode *root = NULL;
	yaml_event_t ev;
	bool in_doc = false, done = false;
	while (!done && !p.failed) {
		if (!next_event(&p, &ev))
			break;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (root || in_doc) {
				diag_add(d, p.file, (int)ev.start_mark.line + 1,
					 (int)ev.start_mark.column + 1,
					 "only one YAML document per file is allowed");
				p.failed = true;
			}
			in_doc = true;
			break;
		case YAML_DOCUMENT_END_EVENT:
			in_doc = false;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			root = parse_node(&p, &ev, 0, false);
			if (!root)
				p.failed = true;
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p.parser);
	if (p.failed)
		return NULL;
	if (!root) {
		yaml_mark_t m = {0};
		root = newnode(&p, YN_MAP, &m);
		root->items = root->keys = arena_alloc(tree, sizeof *root->items);
	}
	return root;
}

struct ynode *ymap_get(const struct ynode *m, const char *key)
{
	if (!m || m->kind != YN_MAP)
		return NULL;
	/* the first byte before the call: the loader asks ~300,000 times */
	for (size_t i = 0; i < m->n; i++)
		if (m->keys[i]->str[0] == key[0] && strcmp(m->keys[i]->str, key) == 0)
			return m->items[i];
	return NULL;
}

bool yscalar_is_null(const struct ynode *n)
{
	if (!n)
		return true;
	if (n->kind != YN_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	       strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

int yscalar_bool(const struct ynode *n, bool *out)
{
	static const char *yes[] = { "true", "True", "TRUE", "yes", "Yes", "on" };
	static const char *no[] = { "false", "False", "FALSE", "no", "No", "off" };
	if (!n || n->kind != YN_SCALAR || !n->plain)
		return -1;
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (strcmp(n->str, yes[i]) == 0)
			return *out = true, 0;
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (strcmp(n->str, no[i]) == 0)
			return *out = false, 0;
	return -1;
}

const char *ykind_name(enum ynode_kind k)
{
	switch (k) {
	case YN_SCALAR: return "a text value";
	case YN_SEQ: return "a list";
	case YN_MAP: return "a mapping";
	}
	return "?";
}
