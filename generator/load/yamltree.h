/* yamltree.h - a YAML document as a small tree with source positions.
 * Built from libyaml's event stream into an arena. Aliases and anchors are
 * refused (editors do not need them and they allow "billion laughs"), depth
 * and node count are capped. Every node knows file:line:col for errors. */
#ifndef YAMLTREE_H
#define YAMLTREE_H
#include <stddef.h>
#include <stdbool.h>
#include "../util/arena.h"
#include "../util/diag.h"

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
	enum ynode_kind kind;
	const char *file;
	int line, col;          /* 1-based start of the node */
	/* scalar */
	const char *str;
	size_t len;
	bool plain;             /* unquoted scalar: may be null/bool/number */
	/* sequence: items[0..n); mapping: keys[i] -> items[i] */
	struct ynode **items;
	struct ynode **keys;
	size_t n;
};

#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 1000000

/* Parse one document. Returns the root or NULL after adding a diagnostic.
 * An empty document yields an empty mapping. */
struct ynode *yaml_parse(struct arena *a, const char *file,
			 const char *data, size_t len, struct diags *d);

/* The same with the nodes (and their arrays) and the text of mapping keys
 * in tree, and the other scalars and the file name in a: tree can be
 * freed once the values are taken, the strings stay (the loader keeps
 * ~40 bytes of nodes per scalar otherwise). */
struct ynode *yaml_parse_tree(struct arena *a, struct arena *tree, const char *file,
			      const char *data, size_t len, struct diags *d);

/* Mapping lookup (NULL when absent or when m is not a mapping). */
struct ynode *ymap_get(const struct ynode *m, const char *key);
/* Plain scalar tests. */
bool yscalar_is_null(const struct ynode *n);
int  yscalar_bool(const struct ynode *n, bool *out);  /* 0 ok, -1 not bool */
const char *ykind_name(enum ynode_kind k);
#endif
