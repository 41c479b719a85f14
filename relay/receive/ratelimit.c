/* ratelimit.c - see ratelimit.h */
#include "ratelimit.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/arena.h"

struct ratelimit *ratelimit_new(unsigned per_minute)
{
	struct ratelimit *r = xcalloc(1, sizeof *r);
	if (keyhash_init(&r->hash) < 0) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	r->per_minute = per_minute;
	return r;
}

void ratelimit_free(struct ratelimit *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* ip's bucket, or the slot to start it in: an empty one, else one whose
 * bucket is full again, else the one used longest ago. Caller holds mu. */
static struct rl_slot *bucket(struct ratelimit *r, const char *ip, double now,
			      double rate, double burst)
{
	size_t h = (size_t)(keyhash(&r->hash, ip, strlen(ip)) % RATELIMIT_SLOTS);
	struct rl_slot *empty = NULL, *full = NULL, *stalest = NULL;
	for (unsigned i = 0; i < RATELIMIT_PROBE; i++) {
		struct rl_slot *p = &r->slots[(h + i) % RATELIMIT_SLOTS];
		if (!p->ip[0]) {
			if (!empty)
				empty = p;
			continue;
		}
		if (!strcmp(p->ip, ip))
			return p;
		if (!full && (now - p->last) * rate >= burst)
			full = p;
		if (!stalest || p->last < stalest->last)
			stalest = p;
	}
	struct rl_slot *s = empty ? empty : full ? full : stalest;
	snprintf(s->ip, sizeof s->ip, "%s", ip);
	s->tokens = burst;
	s->last = now;
	return s;
}

bool ratelimit_take(struct ratelimit *r, const char *ip, double now,
		    unsigned *retry_after)
{
	if (r->per_minute == 0)
		return true;
	char k[sizeof r->slots[0].ip];
	snprintf(k, sizeof k, "%s", ip);    /* a longer key counts as its start */
	ip = k;
	double rate = r->per_minute / 60.0, burst = r->per_minute;
	pthread_mutex_lock(&r->mu);
	struct rl_slot *s = bucket(r, ip, now, rate, burst);
	s->tokens = fmin(burst, s->tokens + (now - s->last) * rate);
	s->last = now;
	bool ok = s->tokens >= 1.0;
	if (ok)
		s->tokens -= 1.0;
	else
		*retry_after = (unsigned)ceil((1.0 - s->tokens) / rate);
	pthread_mutex_unlock(&r->mu);
	return ok;
}
