/* throttle.h - login attempts counted per key (a user name, a client) in
 * a fixed window: at most max attempts per window seconds, then refused
 * until the window ends.
 *
 * A fixed-size table (no growth under attack) under a secret hash
 * (util/keyhash.h). A new key takes an empty slot or one whose window is
 * over, else the oldest slot that is not holding its key back. A held key
 * is never pushed out: were it, a flood of other names would reset the
 * count of the name under attack. When every slot of a key's probe run
 * holds its key back, the new key is refused until the first of them
 * frees: the throttle then fails closed, for keys that no one outside
 * can aim at one run. */
#ifndef THROTTLE_H
#define THROTTLE_H
#include <pthread.h>
#include <stdbool.h>
#include "util/keyhash.h"

#define THROTTLE_SLOTS 4096
#define THROTTLE_PROBE 32       /* slots looked at per key */

struct throttle_slot {
	char key[72];
	unsigned count;
	double start;               /* monotonic seconds: the window's start */
};

struct throttle {
	pthread_mutex_t mu;
	unsigned max;
	double window;              /* seconds */
	struct keyhash hash;
	struct throttle_slot slots[THROTTLE_SLOTS];
};

/* A table of its own, zeroed by calloc without writing its pages (as
 * ratelimit_new): resident only where keys have filled it. NULL when
 * libsodium cannot be initialised. */
struct throttle *throttle_new(unsigned max, double window);
void throttle_free(struct throttle *t);
/* Counts an attempt of key at now: true when allowed; else false with
 * *retry_after = whole seconds until the window ends (at least 1). */
bool throttle_take(struct throttle *t, const char *key, double now,
		   unsigned *retry_after);
/* Forgets key's attempts (a successful login). */
void throttle_forget(struct throttle *t, const char *key);
#endif
