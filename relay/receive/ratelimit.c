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

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

bool ratelimit_take(struct ratelimit *r, const char *ip, double now,
		    unsigned *retry_after)
{
	if (r->per_minute == 0)
		return true;
	double rate = r->per_minute / 60.0, burst = r->per_minute;
	pthread_mutex_lock(&r->mu);
	unsigned h = hash(ip) % RATELIMIT_SLOTS;
	struct rl_slot *s = NULL, *stalest = NULL;
	for (unsigned i = 0; i < 16; i++) {     /* probe a short run */
		struct rl_slot *p = &r->slots[(h + i) % RATELIMIT_SLOTS];
		if (!strcmp(p->ip, ip)) {
			s = p;
			break;
		}
		if (!p->ip[0] || !stalest || p->last < stalest->last ||
		    (now - p->last) * rate >= burst)    /* full again: reusable */
			if (!stalest || stalest->ip[0])
				stalest = p;
	}
	if (!s) {
		s = stalest;
		snprintf(s->ip, sizeof s->ip, "%s", ip);
		s->tokens = burst;
		s->last = now;
	}
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
