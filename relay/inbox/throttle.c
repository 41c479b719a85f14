/* throttle.c - see throttle.h. */
#include "throttle.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/arena.h"

struct throttle *throttle_new(unsigned max, double window)
{
	struct throttle *t = xcalloc(1, sizeof *t);
	if (keyhash_init(&t->hash) < 0) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->mu, NULL);
	t->max = max;
	t->window = window;
	return t;
}

void throttle_free(struct throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static size_t first_slot(const struct throttle *t, const char *key)
{
	return (size_t)(keyhash(&t->hash, key, strlen(key)) % THROTTLE_SLOTS);
}

static bool window_over(const struct throttle *t, const struct throttle_slot *p,
			double now)
{
	return now - p->start >= t->window;
}

/* key's slot, or one taken for it (throttle.h); NULL when every slot of
 * the run holds its key back, with *frees = when the first of them
 * frees. Caller holds mu. */
static struct throttle_slot *slot(struct throttle *t, const char *key, double now,
				  double *frees)
{
	size_t h = first_slot(t, key);
	struct throttle_slot *fresh = NULL, *oldest = NULL;
	*frees = INFINITY;
	for (unsigned i = 0; i < THROTTLE_PROBE; i++) {
		struct throttle_slot *p = &t->slots[(h + i) % THROTTLE_SLOTS];
		if (p->key[0] && !strcmp(p->key, key))
			return p;
		if (!p->key[0] || window_over(t, p, now)) {
			if (!fresh)
				fresh = p;
		} else if (p->count >= t->max) {
			*frees = fmin(*frees, p->start + t->window);
		} else if (!oldest || p->start < oldest->start) {
			oldest = p;
		}
	}
	struct throttle_slot *s = fresh ? fresh : oldest;
	if (!s)
		return NULL;
	snprintf(s->key, sizeof s->key, "%s", key);
	s->count = 0;
	s->start = now;
	return s;
}

bool throttle_take(struct throttle *t, const char *key, double now,
		   unsigned *retry_after)
{
	char k[sizeof t->slots[0].key];
	snprintf(k, sizeof k, "%s", key);   /* a longer key counts as its start */
	key = k;
	pthread_mutex_lock(&t->mu);
	double frees;
	struct throttle_slot *s = slot(t, key, now, &frees);
	bool ok = false;
	if (!s) {
		*retry_after = (unsigned)fmax(1.0, ceil(frees - now));
	} else {
		if (window_over(t, s, now)) {   /* a new window */
			s->count = 0;
			s->start = now;
		}
		ok = s->count < t->max;
		if (ok)
			s->count++;
		else
			*retry_after = (unsigned)fmax(1.0, ceil(s->start + t->window - now));
	}
	pthread_mutex_unlock(&t->mu);
	return ok;
}

void throttle_forget(struct throttle *t, const char *key)
{
	char k[sizeof t->slots[0].key];
	snprintf(k, sizeof k, "%s", key);
	key = k;
	pthread_mutex_lock(&t->mu);
	size_t h = first_slot(t, key);
	for (unsigned i = 0; i < THROTTLE_PROBE; i++) {
		struct throttle_slot *p = &t->slots[(h + i) % THROTTLE_SLOTS];
		if (p->key[0] && !strcmp(p->key, key)) {
			p->key[0] = '\0';
			p->count = 0;
			break;
		}
	}
	pthread_mutex_unlock(&t->mu);
}
