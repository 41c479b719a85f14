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

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* key's slot, or a free or stale one taken for it; caller holds mu. */
static struct throttle_slot *slot(struct throttle *t, const char *key, double now)
{
	unsigned h = hash(key) % THROTTLE_SLOTS;
	struct throttle_slot *fresh = NULL, *oldest = NULL;
	for (unsigned i = 0; i < 32; i++) {     /* probe a short run */
		struct throttle_slot *p = &t->slots[(h + i) % THROTTLE_SLOTS];
		if (p->key[0] && !strcmp(p->key, key))
			return p;
		if (!fresh && (!p->key[0] || now - p->start >= t->window))
			fresh = p;      /* empty, or its window is over */
		if (!oldest || p->start < oldest->start)
			oldest = p;
	}
	if (fresh)
		oldest = fresh;
	snprintf(oldest->key, sizeof oldest->key, "%s", key);
	oldest->count = 0;
	oldest->start = now;
	return oldest;
}

bool throttle_take(struct throttle *t, const char *key, double now,
		   unsigned *retry_after)
{
	char k[sizeof t->slots[0].key];
	snprintf(k, sizeof k, "%s", key);   /* a longer key counts as its start */
	key = k;
	pthread_mutex_lock(&t->mu);
	struct throttle_slot *s = slot(t, key, now);
	if (now - s->start >= t->window) {      /* a new window */
		s->count = 0;
		s->start = now;
	}
	bool ok = s->count < t->max;
	if (ok)
		s->count++;
	else
		*retry_after = (unsigned)fmax(1.0, ceil(s->start + t->window - now));
	pthread_mutex_unlock(&t->mu);
	return ok;
}

void throttle_forget(struct throttle *t, const char *key)
{
	char k[sizeof t->slots[0].key];
	snprintf(k, sizeof k, "%s", key);
	key = k;
	pthread_mutex_lock(&t->mu);
	unsigned h = hash(key) % THROTTLE_SLOTS;
	for (unsigned i = 0; i < 32; i++) {
		struct throttle_slot *p = &t->slots[(h + i) % THROTTLE_SLOTS];
		if (p->key[0] && !strcmp(p->key, key)) {
			p->key[0] = '\0';
			p->count = 0;
			break;
		}
	}
	pthread_mutex_unlock(&t->mu);
}
