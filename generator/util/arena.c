/* arena.c - see arena.h */
#include "arena.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define ARENA_BLOCK 65536
#define ALIGN 16

/* A kept block's room is poisoned for ASan until it is taken again: a
 * pointer into a page's data used after arena_reset is then found as a
 * use after free would be. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define KEEP_POISONED(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define TAKE_UNPOISONED(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define KEEP_POISONED(p, n) ((void)(p), (void)(n))
#define TAKE_UNPOISONED(p, n) ((void)(p), (void)(n))
#endif

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die("out of memory (%zu bytes)", n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);
	memcpy(p, s, n);
	return p;
}

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->total = 0;
	a->spare = NULL;
	a->spare_bytes = 0;
}

static void free_blocks(struct arena_block *b)
{
	for (struct arena_block *next; b; b = next) {
		next = b->next;
		free(b);
	}
}

void arena_free(struct arena *a)
{
	free_blocks(a->head);
	for (struct arena_block *b = a->spare; b; b = b->next)
		TAKE_UNPOISONED(b->data, b->size);
	free_blocks(a->spare);
	arena_init(a);
}

void arena_reset(struct arena *a, size_t keep)
{
	struct arena_block *b = a->head, *next;
	for (; b; b = next) {
		next = b->next;
		/* only blocks of the usual size: one made for a big
		 * allocation would rarely fit the next */
		if (b->size == ARENA_BLOCK && a->spare_bytes + b->size <= keep) {
			KEEP_POISONED(b->data, b->size);
			b->next = a->spare;
			a->spare = b;
			a->spare_bytes += b->size;
		} else {
			free(b);
		}
	}
	a->head = NULL;
	a->total = 0;
}

/* n bytes at a multiple of align (a power of two, at most ALIGN), not
 * zeroed. Strings take align 1: packed, where rounding each to 16 bytes
 * cost the catalogue 2 MB at 6,000 services. */
static void *take(struct arena *a, size_t n, size_t align)
{
	if (n > SIZE_MAX - sizeof(struct arena_block) - ALIGN)
		die("arena: allocation size overflow");
	struct arena_block *b = a->head;
	size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;
	if (b && at <= b->size && b->size - at >= n) {
		b->used = at + n;
		return b->data + at;
	}
	size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
	if (size == ARENA_BLOCK && a->spare) {
		b = a->spare;
		a->spare = b->next;
		a->spare_bytes -= b->size;
		TAKE_UNPOISONED(b->data, b->size);
	} else {
		b = xmalloc(sizeof *b + size);
	}
	b->size = size;
	b->used = n;
	/* Big allocations get their own block behind the head so the
	 * head's free space is not wasted. */
	if (a->head && n > ARENA_BLOCK / 4) {
		b->next = a->head->next;
		a->head->next = b;
	} else {
		b->next = a->head;
		a->head = b;
	}
	a->total += size;
	return b->data;
}

void arena_adopt(struct arena *a, struct arena *from)
{
	struct arena_block *tail = from->head;
	if (!tail)
		return;
	while (tail->next)
		tail = tail->next;
	/* behind a's head, whose free space stays in use */
	if (a->head) {
		tail->next = a->head->next;
		a->head->next = from->head;
	} else {
		a->head = from->head;
	}
	a->total += from->total;
	from->head = NULL;      /* (its spare blocks stay its own) */
	from->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = take(a, n, ALIGN);
	memset(p, 0, n);
	return p;
}

void *arena_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size,
		 size_t first)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : first;
	if (ncap < *cap || ncap > SIZE_MAX / size)
		die("arena: array too large");
	void *nv = arena_alloc(a, ncap * size);
	if (n)
		memcpy(nv, v, n * size);
	*cap = ncap;
	return nv;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		die("arena: allocation size overflow");
	char *p = take(a, n + 1, 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

/* A format of text and plain %s only - most of a build's (page URLs,
 * ids: 200,000 calls) - joined without vsnprintf, which cost ~900
 * instructions a call, 8 % of a full build. NULL for any other format. */
static char *join_s(struct arena *a, const char *fmt, va_list ap)
{
	size_t len = 0;
	va_list ap2;
	va_copy(ap2, ap);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			len++;
			continue;
		}
		if (f[1] != 's') {
			va_end(ap2);
			return NULL;
		}
		const char *s = va_arg(ap2, const char *);
		size_t sl = strlen(s ? s : "(null)");   /* as glibc prints it */
		if (sl > SIZE_MAX / 2 - len)
			die("arena_printf: too long");
		len += sl;
		f++;
	}
	va_end(ap2);
	char *p = take(a, len + 1, 1), *w = p;
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			*w++ = *f;
			continue;
		}
		const char *s = va_arg(ap, const char *);
		if (!s)
			s = "(null)";
		size_t sl = strlen(s);
		memcpy(w, s, sl);
		w += sl;
		f++;
	}
	*w = '\0';
	return p;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap3;
	va_copy(ap3, ap);
	char *joined = join_s(a, fmt, ap3);
	va_end(ap3);
	if (joined)
		return joined;
	/* Formatted once into a small buffer when it fits (page URLs, a few
	 * per listed service: formatting twice was 4% of a rebuild). */
	char small[256];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		die("arena_printf: bad format");
	if ((size_t)n < sizeof small)
		return arena_strndup(a, small, (size_t)n);
	char *p = take(a, (size_t)n + 1, 1);
	if (vsnprintf(p, (size_t)n + 1, fmt, ap) != n)
		die("arena_printf: size changed");
	return p;
}

char *arena_cat(struct arena *a, const char *const *part, size_t n)
{
	size_t len[16], total = 0;
	if (n > sizeof len / sizeof *len)
		die("arena_cat: too many parts");
	for (size_t i = 0; i < n; i++) {
		len[i] = strlen(part[i]);
		if (len[i] >= SIZE_MAX / 2 - total)
			die("arena: allocation size overflow");
		total += len[i];
	}
	char *p = take(a, total + 1, 1), *o = p;
	for (size_t i = 0; i < n; i++) {
		memcpy(o, part[i], len[i]);
		o += len[i];
	}
	*o = '\0';
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
