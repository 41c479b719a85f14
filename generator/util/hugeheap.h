/* hugeheap.h - a short-lived program's heap on transparent huge pages.
 *
 * A build touches 6-12 MB of fresh memory; with 4 KiB pages that is
 * ~1,500 page faults for a one-edit rebuild. Where a fault is dear (on
 * the benchmark's virtual machine one costs ~11 us, against ~0.25 us a
 * 4 KiB page's worth of a 2 MiB page) that was a sixth of the rebuild's
 * cpu time. heap_huge_pages() has glibc's malloc serve every thread from
 * one heap that grows in steps of reserve bytes, and advises that heap
 * (madvise MADV_HUGEPAGE, honoured when transparent huge pages are
 * "always" or "madvise"), so touching it faults once per 2 MiB.
 *
 * The cost: resident memory grows by up to 2 MiB at a time, and memory
 * beyond the first step gets ordinary pages. Under another allocator
 * (ASan's) mallopt fails and nothing is changed. For programs that run
 * and exit (sitegen), not for a daemon (relayd), whose resident memory
 * is a target of its own. */
#ifndef HUGEHEAP_H
#define HUGEHEAP_H
#include <stddef.h>

/* Call first in main, before anything is allocated: moves the program
 * break, where glibc's heap begins, to a 2 MiB boundary. The break starts
 * at a random 4 KiB boundary, so 0-2 MiB of the heap (1 MiB on average:
 * 0-450 faults, the swing of a rebuild's cpu time from run to run) lay
 * below the first huge page. Only address space is spent. */
void heap_align_start(void);

/* Call before the threads that should share the heap start; once per
 * process does it (later calls return 0). The bytes advised (0: nothing
 * was changed). */
size_t heap_huge_pages(size_t reserve);
#endif
