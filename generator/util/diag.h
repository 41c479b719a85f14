/* diag.h - collected editor-facing errors "file:line:col: message".
 * Loaders keep going after an error so that one build reports everything
 * that is wrong, then the caller prints them sorted and fails. */
#ifndef DIAG_H
#define DIAG_H
#include <stddef.h>
#include <stdio.h>

struct diag {
	char *file;
	int line, col;          /* 1-based; 0 when unknown */
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t max;             /* stop collecting after this many */
	size_t dropped;
};

void diags_init(struct diags *d);
void diags_free(struct diags *d);
void diag_add(struct diags *d, const char *file, int line, int col,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diags_sort(struct diags *d);
/* Print sorted, one per line; returns the number printed. */
size_t diags_print(struct diags *d, FILE *out);
#endif
