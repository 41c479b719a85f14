/* throttle.h - login attempts counted per key (a user name, a client
 * address) in a fixed window: at most max attempts per window seconds,
 * then refused until the window ends. A fixed-size table (no growth under
 * attack); when it is full the slot whose window is oldest is reused. */
#ifndef THROTTLE_H
#define THROTTLE_H
#include <pthread.h>
#include <stdbool.h>

#define THROTTLE_SLOTS 4096

struct throttle_slot {
	char key[72];
	unsigned count;
	double start;               /* monotonic seconds: the window's start */
};

struct throttle {
	pthread_mutex_t mu;
	unsigned max;
	double window;              /* seconds */
	struct throttle_slot slots[THROTTLE_SLOTS];
};

/* A table of its own, zeroed by calloc without writing its pages (as
 * ratelimit_new): resident only where keys have filled it. */
struct throttle *throttle_new(unsigned max, double window);
void throttle_free(struct throttle *t);
/* Counts an attempt of key at now: true when allowed; else false with
 * *retry_after = whole seconds until the window ends (at least 1). */
bool throttle_take(struct throttle *t, const char *key, double now,
		   unsigned *retry_after);
/* Forgets key's attempts (a successful login). */
void throttle_forget(struct throttle *t, const char *key);
#endif
