/* diag.c - see diag.h */
#include "diag.h"
#include "arena.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diags_init(struct diags *d)
{
	memset(d, 0, sizeof *d);
	d->max = 1000;
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

void diag_add(struct diags *d, const char *file, int line, int col,
	      const char *fmt, ...)
{
	if (d->n >= d->max) {
		d->dropped++;
		return;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xrealloc(d->v, d->cap * sizeof *d->v);
	}
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		strcpy(msg, "(unprintable message)");
	else if ((size_t)n >= sizeof msg)
		strcpy(msg + sizeof msg - 5, "...");
	struct diag *g = &d->v[d->n++];
	g->file = xstrdup(file ? file : "(unknown)");
	g->line = line;
	g->col = col;
	g->msg = xstrdup(msg);
}

static int diag_cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return strcmp(x->msg, y->msg);
}

void diags_sort(struct diags *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof *d->v, diag_cmp);
}

size_t diags_print(struct diags *d, FILE *out)
{
	diags_sort(d);
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		if (g->line > 0)
			fprintf(out, "%s:%d:%d: %s\n", g->file, g->line,
				g->col > 0 ? g->col : 1, g->msg);
		else
			fprintf(out, "%s: %s\n", g->file, g->msg);
	}
	if (d->dropped)
		fprintf(out, "(%zu more errors not shown)\n", d->dropped);
	return d->n;
}
