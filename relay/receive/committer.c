/* committer.c - see committer.h */
#include "committer.h"
#include "log.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static void finish_batch(struct committer *c, struct commit_req **reqs,
			 struct store_item *items, size_t n, int rc)
{
	pthread_mutex_lock(&c->mu);
	c->commits++;
	if (rc < 0)
		c->failed_commits++;
	for (size_t i = 0; i < n; i++) {
		reqs[i]->item = items[i];
		reqs[i]->stored = rc == 0 && items[i].rc == 0;
		if (reqs[i]->stored)
			c->rows++;
	}
	/* Resuming may let the request complete and free reqs[i] on an HTTP
	 * thread at once: read conn first, touch nothing after. */
	struct MHD_Connection *conns[COMMIT_BATCH_MAX];
	for (size_t i = 0; i < n; i++) {
		conns[i] = reqs[i]->conn;
		reqs[i]->done = true;
	}
	pthread_cond_broadcast(&c->done);
	pthread_mutex_unlock(&c->mu);
	for (size_t i = 0; i < n; i++)
		if (conns[i])
			MHD_resume_connection(conns[i]);
}

static void *writer(void *arg)
{
	struct committer *c = arg;
	struct store_item items[COMMIT_BATCH_MAX];
	struct commit_req *reqs[COMMIT_BATCH_MAX];
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->head && !c->stop)
			pthread_cond_wait(&c->work, &c->mu);
		if (!c->head && c->stop)
			break;
		size_t n = 0;
		while (c->head && n < COMMIT_BATCH_MAX) {
			reqs[n] = c->head;
			items[n] = c->head->item;
			c->head = c->head->next;
			n++;
		}
		if (!c->head)
			c->tail = NULL;
		pthread_mutex_unlock(&c->mu);
		int rc = store_insert(c->store, items, n);
		if (rc < 0)
			relay_log("error", "commit_failed", "rows=%zu error=\"%s\"", n,
				  store_errmsg(c->store));
		finish_batch(c, reqs, items, n, rc);
		if (rc == 0 && c->after_commit)
			c->after_commit(c->after_ctx);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int committer_start(struct committer *c, struct store *s)
{
	void (*after)(void *) = c->after_commit;
	void *ctx = c->after_ctx;
	memset(c, 0, sizeof *c);
	c->after_commit = after;
	c->after_ctx = ctx;
	c->store = s;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_cond_init(&c->done, NULL);
	if (pthread_create(&c->thread, NULL, writer, c) != 0)
		return -1;
	c->running = true;
	return 0;
}

void committer_submit(struct committer *c, struct commit_req *r)
{
	r->next = NULL;
	r->done = r->stored = false;
	pthread_mutex_lock(&c->mu);
	if (r->conn)
		MHD_suspend_connection(r->conn);
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->mu);
}

void committer_wait(struct committer *c, struct commit_req *r)
{
	pthread_mutex_lock(&c->mu);
	while (!r->done)
		pthread_cond_wait(&c->done, &c->mu);
	pthread_mutex_unlock(&c->mu);
}

void committer_stop(struct committer *c)
{
	if (!c->running)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	c->running = false;
	pthread_cond_destroy(&c->work);
	pthread_cond_destroy(&c->done);
	pthread_mutex_destroy(&c->mu);
}
