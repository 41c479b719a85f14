/* lock.h - the mutex of a lock that two render or history threads take
 * for a few instructions at a time (output's page table, the pack cache).
 * An adaptive mutex spins briefly before it sleeps: with a plain one,
 * the thread that found the lock taken went into the kernel and had to
 * be woken (futex), which in a VM costs more than the critical section
 * many times over - the history walk spent a sixth of its time there. */
#ifndef LOCK_H
#define LOCK_H
#include <pthread.h>

/* 0, or an error number as pthread_mutex_init returns it. */
static inline int lock_init_adaptive(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;
	int rc = pthread_mutexattr_init(&attr);
	if (rc != 0)
		return rc;
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP    /* glibc */
	rc = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	if (rc == 0)
		rc = pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	return rc;
}

#endif
