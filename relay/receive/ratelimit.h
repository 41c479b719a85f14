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

void ratelimit_init(struct ratelimit *r, unsigned per_minute);
/* true when allowed; else *retry_after = seconds until the next token. */
bool ratelimit_take(struct ratelimit *r, const char *ip, double now,
		    unsigned *retry_after);
#endif
