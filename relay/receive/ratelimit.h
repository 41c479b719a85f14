/* ratelimit.h - per-IP token bucket for POSTs: rate per minute, burst of
 * the same size. A fixed-size open-addressing table (no growth under
 * attack); the stalest bucket is reused when the table is full. */
#ifndef RATELIMIT_H
#define RATELIMIT_H
#include <pthread.h>
#include <stdbool.h>

#define RATELIMIT_SLOTS 4096

struct rl_slot {
	char ip[48];
	double tokens;
	double last;                /* monotonic seconds */
};

struct ratelimit {
	pthread_mutex_t mu;
	unsigned per_minute;        /* 0 = off */
	struct rl_slot slots[RATELIMIT_SLOTS];
};

/* A table of its own. It comes zeroed from calloc, which for a block
 * this size (256 KiB) maps fresh pages and does not write them: the
 * table costs resident memory only where addresses have filled it, not
 * 256 KiB from the start (a memset touched every page). */
struct ratelimit *ratelimit_new(unsigned per_minute);
void ratelimit_free(struct ratelimit *r);
/* true when allowed; else *retry_after = seconds until the next token. */
bool ratelimit_take(struct ratelimit *r, const char *ip, double now,
		    unsigned *retry_after);
#endif
