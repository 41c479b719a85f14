/* retention.c - data protection retention (store_purge in store.h).
 *
 * The rule, the same in every backend: a submission may go when its
 * delivery has ended - each of its jobs delivered or failed - and the
 * latest of those delivered/failed times lies before the cutoff. A job
 * still pending keeps its submission, however old; such submissions
 * received before the cutoff are counted as kept back, so the admin sees
 * them. A purged submission goes with its attachments, jobs and events,
 * in one transaction. */
#include <time.h>
#include "backend.h"

int store_purge(struct store *s, long long cutoff_unix, long long *purged,
		long long *kept)
{
	*purged = *kept = 0;
	if (s->ops->purge(s, cutoff_unix, purged, kept) < 0) {
		*purged = *kept = 0;   /* nothing was deleted */
		return -1;
	}
	/* The Postfach's links and sessions end by the clock, whatever the
	 * cutoff: their own small transaction after the submissions'. */
	long long removed = 0;
	return store_postfach_purge(s, (long long)time(NULL), &removed);
}
