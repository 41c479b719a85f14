/* hugeheap.c - see hugeheap.h */
#include "hugeheap.h"
#include <malloc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)
#define GROW_BLOCK (120 * 1024)     /* below glibc's mmap threshold (128 KiB) */
/* <sys/mman.h> of glibc 2.36 lacks it; Linux's own headers have it */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

/* The heap's first byte when heap_align_start() put it on a huge page's
 * boundary, else 0. Written once, before any thread starts. */
static uintptr_t heap_base;

void heap_align_start(void)
{
	void *cur = sbrk(0);
	if (cur == (void *)-1 || heap_base)
		return;
	uintptr_t pad = (-(uintptr_t)cur) & (HUGE_PAGE - 1);
	if (pad && sbrk((intptr_t)pad) == (void *)-1)
		return;
	heap_base = (uintptr_t)cur + pad;
}

size_t heap_huge_pages(size_t reserve)
{
	/* the preview server builds again and again in one process */
	static atomic_bool done;
	if (atomic_exchange(&done, true))
		return 0;
	if (reserve > INT32_MAX)
		reserve = INT32_MAX;
	/* One arena: the threads' own arenas are mappings of their own,
	 * which this cannot advise. (0: not glibc's malloc.) */
	if (mallopt(M_ARENA_MAX, 1) == 0 || mallopt(M_TOP_PAD, (int)reserve) == 0)
		return 0;
	/* Grow the heap now, by the new top pad: a block that the heap's
	 * free top holds does not grow it, so up to three (the first heap
	 * of a process is 132 KiB). */
	void *b[3] = { NULL, NULL, NULL };
	uintptr_t lo = 0, hi = 0;
	for (int i = 0; i < 3; i++) {
		b[i] = malloc(GROW_BLOCK);
		void *top = sbrk(0);
		if (!b[i] || top == (void *)-1 || (uintptr_t)b[i] > (uintptr_t)top)
			break;      /* not from the heap: leave it be */
		if (!lo)
			lo = ((uintptr_t)b[i] + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
		hi = (uintptr_t)top & ~(HUGE_PAGE - 1);
		if (hi > lo && hi - lo >= reserve / 2)
			break;
	}
	/* The huge pages from the heap's start, when it is on a boundary:
	 * what the build allocated before this call lies there, on 4 KiB
	 * pages (a page table exists for it, so the kernel would go on
	 * faulting the rest of those 2 MiB page by page, up to ~450 faults
	 * a rebuild), and is collapsed into huge pages now. Without
	 * MADV_COLLAPSE (Linux before 6.1, huge pages "never") it stays so. */
	uintptr_t head = heap_base && lo > heap_base && hi > lo ? lo - heap_base : 0;
	if (head)
		lo = heap_base;
	size_t advised = 0;
	if (lo && hi > lo && madvise((void *)lo, hi - lo, MADV_HUGEPAGE) == 0)
		advised = hi - lo;
	if (advised && head)
		(void)madvise((void *)lo, head, MADV_COLLAPSE);
	for (int i = 0; i < 3; i++)
		free(b[i]);
	return advised;
}
