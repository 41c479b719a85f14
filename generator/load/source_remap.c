/* source_remap.c - one source that reads "<prefix>/..." from another
 * source: `sitegen build --themes DIR` keeps themes outside the root. */
#include "source.h"
#include "../util/arena.h"
#include <stdlib.h>
#include <string.h>

struct source_remap {
	struct source s;
	struct source *base, *other;
	char *prefix;           /* "themes" */
	size_t plen;
};

/* The path inside other, or NULL when path belongs to base. */
static const char *inner(struct source_remap *r, const char *path)
{
	if (strncmp(path, r->prefix, r->plen) != 0)
		return NULL;
	if (path[r->plen] == '\0')
		return ".";
	return path[r->plen] == '/' ? path + r->plen + 1 : NULL;
}

static int remap_read(struct source *s, const char *path, struct buf *out)
{
	struct source_remap *r = (struct source_remap *)s;
	const char *p = inner(r, path);
	return p ? r->other->read(r->other, p, out) : r->base->read(r->base, path, out);
}

static int remap_list(struct source *s, const char *dir, struct source_entry **out, size_t *n)
{
	struct source_remap *r = (struct source_remap *)s;
	const char *p = inner(r, dir);
	return p ? r->other->list(r->other, p, out, n) : r->base->list(r->base, dir, out, n);
}

static int remap_file_id(struct source *s, const char *path, char id[41])
{
	struct source_remap *r = (struct source_remap *)s;
	const char *p = inner(r, path);
	return p ? r->other->file_id(r->other, p, id) : r->base->file_id(r->base, path, id);
}

static void remap_stat_seen(struct source *s, const char *path, const struct stat *st)
{
	struct source_remap *r = (struct source_remap *)s;
	const char *p = inner(r, path);
	struct source *to = p ? r->other : r->base;
	if (to->stat_seen)
		to->stat_seen(to, p ? p : path, st);
}

static void remap_close(struct source *s)
{
	struct source_remap *r = (struct source_remap *)s;
	r->base->close(r->base);
	r->other->close(r->other);
	free(r->prefix);
	free(r);
}

struct source *source_remap_open(struct source *base, const char *prefix, struct source *other)
{
	struct source_remap *r = xcalloc(1, sizeof *r);
	r->base = base;
	r->other = other;
	r->prefix = xstrdup(prefix);
	r->plen = strlen(prefix);
	/* every method its own: one copied from base would get r for base
	 * (stat_seen did, and read past the end of r) */
	r->s = (struct source){ .read = remap_read, .list = remap_list,
				.file_id = remap_file_id, .stat_seen = remap_stat_seen,
				.close = remap_close, .label = base->label,
				.commit = base->commit, .commit_time = base->commit_time };
	return &r->s;
}
