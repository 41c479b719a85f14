/* ratelimit.h - per-client token bucket for POSTs: rate per minute, burst
 * of the same size. A fixed-size open-addressing table (no growth under
 * attack) under a secret hash (util/keyhash.h): nobody outside can tell
 * which clients share a probe run. When a run is full, a bucket that is
 * full again is reused (forgetting it changes nothing), else the one used
 * longest ago: under a flood of more clients than slots, a quiet client
 * may get a fresh burst, and which one cannot be aimed at. */
#ifndef RATELIMIT_H
#define RATELIMIT_H
#include <pthread.h>
#include <stdbool.h>
#include "util/keyhash.h"

#define RATELIMIT_SLOTS 4096
#define RATELIMIT_PROBE 16      /* slots looked at per client */

struct rl_slot {
	char ip[48];                /* the client (client_addr.h) */
	double tokens;
	double last;                /* monotonic seconds */
};

struct ratelimit {
	pthread_mutex_t mu;
	unsigned per_minute;        /* 0 = off */
	struct keyhash hash;
	struct rl_slot slots[RATELIMIT_SLOTS];
};

/* A table of its own; NULL when libsodium cannot be initialised. It comes
 * zeroed from calloc, which for a block this size (256 KiB) maps fresh
 * pages and does not write them: the table costs resident memory only
 * where clients have filled it, not 256 KiB from the start (a memset
 * touched every page). */
struct ratelimit *ratelimit_new(unsigned per_minute);
void ratelimit_free(struct ratelimit *r);
/* true when allowed; else *retry_after = seconds until the next token. */
bool ratelimit_take(struct ratelimit *r, const char *ip, double now,
		    unsigned *retry_after);
#endif
