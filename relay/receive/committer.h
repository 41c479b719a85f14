/* committer.h - group commit. Requests hand their validated submission to
 * one writer thread and wait; the thread takes everything queued (up to
 * COMMIT_BATCH_MAX) and commits it in one transaction, so many requests
 * share one fsync. A request is answered only after the COMMIT holding its
 * row returned (the durability contract of the 303).
 *
 * Waiting: an HTTP request's connection is suspended (MHD suspend/resume)
 * inside the queue lock and resumed by the writer after the commit, so no
 * HTTP thread blocks; without a connection the caller waits on a condition
 * variable (committer_wait). */
#ifndef COMMITTER_H
#define COMMITTER_H
#include <pthread.h>
#include <stdbool.h>
#include <microhttpd.h>
#include "../store/store.h"

#define COMMIT_BATCH_MAX 64

struct commit_req {
	struct store_item item;     /* in: sub, ref_prefix, receipt; out: rest */
	struct MHD_Connection *conn;    /* resumed when done; may be NULL */
	bool done;                  /* set by the writer (under the lock) */
	bool stored;                /* item.rc == 0 and the COMMIT succeeded */
	struct commit_req *next;
};

struct committer {
	struct store *store;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct commit_req *head, *tail;
	bool stop, running;
	/* called on the writer thread after each successful COMMIT (wakes
	 * the delivery worker); may be NULL */
	void (*after_commit)(void *ctx);
	void *after_ctx;
	/* statistics, under mu */
	unsigned long long commits, rows, failed_commits;
};

int  committer_start(struct committer *c, struct store *s);
/* Queues r; suspends r->conn (if any) before the writer can see it. */
void committer_submit(struct committer *c, struct commit_req *r);
/* Blocks until r is done (for callers without a connection). */
void committer_wait(struct committer *c, struct commit_req *r);
/* Commits what is queued, then stops the thread. */
void committer_stop(struct committer *c);
#endif
