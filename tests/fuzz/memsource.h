/* memsource.h - a struct source (generator/load/source.h) over files held in
 * memory, for the harnesses that fuzz content: the catalogue of
 * tests/fixtures/content is read once, then each input replaces or adds one
 * file without touching the disk. */
#ifndef MEMSOURCE_H
#define MEMSOURCE_H
#include <stdlib.h>
#include <string.h>
#include "load/source.h"

#define MEMSRC_MAX 64

struct memsrc {
	struct source s;            /* first: cast from struct source */
	const char *path[MEMSRC_MAX];   /* "content/region.yml" */
	const char *data[MEMSRC_MAX];
	size_t len[MEMSRC_MAX];
	size_t n;
};

static int memsrc_read(struct source *s, const char *path, struct buf *out)
{
	struct memsrc *m = (struct memsrc *)s;
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->path[i], path))
			return buf_append(out, m->data[i], m->len[i]) < 0 ? -1 :
				(out->data ? 0 : buf_puts(out, ""));
	return -1;
}

static int memsrc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct source_entry *)a)->name,
		      ((const struct source_entry *)b)->name);
}

static int memsrc_list(struct source *s, const char *dir, struct source_entry **out,
		       size_t *n)
{
	struct memsrc *m = (struct memsrc *)s;
	size_t dl = strlen(dir), len = 0;
	struct source_entry *v = calloc(MEMSRC_MAX + 1, sizeof *v);
	if (!v)
		abort();
	for (size_t i = 0; i < m->n; i++) {
		const char *p = m->path[i];
		if (strncmp(p, dir, dl) || p[dl] != '/')
			continue;
		p += dl + 1;
		size_t cl = strcspn(p, "/");
		size_t k;
		for (k = 0; k < len; k++)
			if (strlen(v[k].name) == cl && !strncmp(v[k].name, p, cl))
				break;
		if (k < len)
			continue;
		v[len].name = strndup(p, cl);
		v[len].is_dir = p[cl] == '/';
		len++;
	}
	if (!len) {
		free(v);
		return -1;
	}
	qsort(v, len, sizeof *v, memsrc_cmp);
	*out = v;
	*n = len;
	return 0;
}

static int memsrc_file_id(struct source *s, const char *path, char id[41])
{
	(void)s, (void)path, (void)id;
	return -1;
}

static void memsrc_close(struct source *s)
{
	(void)s;
}

static void memsrc_init(struct memsrc *m)
{
	memset(m, 0, sizeof *m);
	m->s.read = memsrc_read;
	m->s.list = memsrc_list;
	m->s.file_id = memsrc_file_id;
	m->s.close = memsrc_close;
	m->s.label = "fuzz input";
}

/* Adds path, or replaces its bytes when it is there (not copied). */
static void memsrc_put(struct memsrc *m, const char *path, const char *data,
		       size_t len)
{
	size_t i;
	for (i = 0; i < m->n; i++)
		if (!strcmp(m->path[i], path))
			break;
	if (i == m->n) {
		if (m->n == MEMSRC_MAX)
			abort();
		m->path[m->n++] = path;
	}
	m->data[i] = data;
	m->len[i] = len;
}

/* Every file below dir of from (recursively), copied into m. */
static void memsrc_copy_tree(struct memsrc *m, struct source *from, const char *dir)
{
	struct source_entry *e;
	size_t n;
	if (from->list(from, dir, &e, &n) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t pl = strlen(dir) + strlen(e[i].name) + 2;
		char *p = malloc(pl);
		if (!p)
			abort();
		snprintf(p, pl, "%s/%s", dir, e[i].name);
		if (e[i].is_dir) {
			memsrc_copy_tree(m, from, p);
			free(p);
			continue;
		}
		struct buf b;
		buf_init(&b, (size_t)1 << 20);
		if (from->read(from, p, &b) < 0)
			abort();
		memsrc_put(m, p, b.data ? b.data : "", b.len);
	}
	source_list_free(e, n);
}
#endif
