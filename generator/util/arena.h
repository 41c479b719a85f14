/* arena.h - region allocator: everything loaded for one catalogue or one
 * page lives in one arena and is freed at once. Allocation failure is fatal
 * (like git's xmalloc): there is no sane way to continue a build or a request
 * half-allocated, and the daemon's durability lives in SQLite, not in RAM. */
#ifndef ARENA_H
#define ARENA_H
#include <stddef.h>
#include <stdarg.h>

struct arena_block;
struct arena {
	struct arena_block *head;
	size_t total;           /* bytes obtained from malloc so far */
	struct arena_block *spare;  /* kept by arena_reset for reuse */
	size_t spare_bytes;
};

void  arena_init(struct arena *a);
void  arena_free(struct arena *a);
/* Frees everything allocated, but keeps up to keep bytes of the blocks
 * for the arena's next allocations: a render thread's arena, reset after
 * each page, asks malloc for nothing once it has grown to a page's need
 * (with one malloc arena for all threads, util/hugeheap.h, malloc's lock
 * was what two render threads waited on). */
void  arena_reset(struct arena *a, size_t keep);
void *arena_alloc(struct arena *a, size_t n);      /* zeroed, aligned */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Room for one more element in an arena array of *cap elements holding n:
 * returns the (possibly moved) array, growing *cap from first, doubling. */
void *arena_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size,
		 size_t first);
/* Moves every block of from into a (which then frees them), leaving
 * from empty: what another thread allocated becomes a's. */
void  arena_adopt(struct arena *a, struct arena *from);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);
/* The strings joined, as one string in a: ARENA_CAT(a, root, "x/", slug).
 * (Page URLs, several per listed service: printf was a twentieth of
 * rendering the lists.) */
char *arena_cat(struct arena *a, const char *const *part, size_t n);
#define ARENA_CAT(a, ...) arena_cat(a, (const char *const[]){ __VA_ARGS__ }, \
				    sizeof (const char *const[]){ __VA_ARGS__ } / sizeof (const char *))

/* Fatal allocation helpers for code outside arenas. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
void  die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#endif
