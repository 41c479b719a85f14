/* worker.h - the outbox worker: one thread that claims due jobs from the
 * store, sends each mail (mail.h) and records the outcome.
 *
 * All state is in SQLite: a job is claimed with a lease (smtp.timeout +
 * 15 s), so after a crash it becomes due again by itself. Delivery is
 * therefore at-least-once: a crash between the server's "250" and the
 * store_job_delivered() commit resends the mail with the same Message-ID.
 *
 * Outcomes: delivered; temporary failure (connection refused, timeout,
 * 4xx) -> retry after initial * 2^(attempts-1) seconds, capped at
 * retry.max, until retry.lifetime after the job was created, then failed;
 * permanent failure (5xx, or a message that cannot be built) -> failed at
 * once. Every failure is a log line with level=error and counts in
 * store_counts() (and in the totals logged when the worker stops). When the server cannot be
 * reached at all the worker pauses instead of failing the whole queue one
 * job after another. */
#ifndef DELIVER_WORKER_H
#define DELIVER_WORKER_H
#include "../config/config.h"
#include "../store/store.h"

struct deliver_worker;

struct deliver_stats {          /* since start, logged at the stop */
	unsigned long long attempts, delivered, retried, failed;
};

/* Starts the thread (and curl_global_init: call it from the main thread
 * before other threads use libcurl). store and cfg must outlive the worker.
 * NULL with a log line when the thread cannot be started. */
struct deliver_worker *deliver_worker_start(struct store *store,
					    const struct relay_config *cfg);
/* New jobs were committed: look now instead of at the next timer. Cheap,
 * callable from any thread, never blocks on SMTP. */
void deliver_worker_wake(struct deliver_worker *w);
/* Lets the mail in flight finish (bounded by the SMTP timeouts), joins the
 * thread and frees w. Claimed but unsent jobs do not exist: the worker
 * claims one job at a time. NULL is ignored. */
void deliver_worker_stop(struct deliver_worker *w);

/* The worker's policy, exposed for tests: seconds to wait after the
 * attempts-th failed attempt. */
long deliver_backoff(long initial, long max, int attempts);
#endif
