/* relay_committer - the group commit (relay/receive/committer.c) on a real
 * SQLite file, without HTTP: requests handed in from many threads at once
 * are all stored, each with its own id, in fewer transactions than
 * requests; committer_stop stores and answers what is still queued. */
#include "receive/committer.h"
#include "store/store.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"

#define THREADS 8
#define EACH 50

static struct sub_field field = { "vorname", "Vorname", "Anna", "" };
static struct submission sub = { .city = "dorsten", .service = "hundeanmeldung",
	.city_name = "Dorsten", .service_title = "Hund anmelden",
	.recipient = "steueramt@dorsten.example", .office_name = "Steueramt",
	.applicant_email = "", .fields = &field, .n_fields = 1 };

struct worker {
	struct committer *c;
	int stored;
	long long ids[EACH];
};

static void prepare(struct commit_req *r)
{
	memset(r, 0, sizeof *r);
	r->item.sub = &sub;
	r->item.ref_prefix = "DOR";
}

static void *post_many(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < EACH; i++) {
		struct commit_req r;
		prepare(&r);
		committer_submit(w->c, &r);
		committer_wait(w->c, &r);
		w->stored += r.stored;
		w->ids[i] = r.item.id;
	}
	return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static void test_many_threads(struct committer *c, struct store *s)
{
	struct worker w[THREADS];
	pthread_t t[THREADS];
	long long all[THREADS * EACH];
	struct store_counts k;
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .c = c };
		pthread_create(&t[i], NULL, post_many, &w[i]);
	}
	int stored = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		stored += w[i].stored;
		memcpy(all + i * EACH, w[i].ids, sizeof w[i].ids);
	}
	qsort(all, THREADS * EACH, sizeof *all, cmp_ll);
	bool distinct = all[0] > 0;
	for (int i = 1; i < THREADS * EACH; i++)
		distinct &= all[i] != all[i - 1];
	pthread_mutex_lock(&c->mu);
	unsigned long long commits = c->commits, rows = c->rows;
	pthread_mutex_unlock(&c->mu);
	ok(stored == THREADS * EACH && distinct && rows == THREADS * EACH,
	   "%d requests from %d threads: all stored, each with its own id", stored, THREADS);
	ok(store_counts(s, 0, &k) == 0 && k.submissions == THREADS * EACH,
	   "and all in the database (%lld)", k.submissions);
	ok(commits < THREADS * EACH, "in %llu transactions", commits);
}

/* Queued without waiting, then stopped: stop drains the queue. */
static void test_stop_drains(struct committer *c, struct store *s)
{
	static struct commit_req r[100];
	struct store_counts before, after;
	store_counts(s, 0, &before);
	for (int i = 0; i < 100; i++) {
		prepare(&r[i]);
		committer_submit(c, &r[i]);
	}
	committer_stop(c);
	int stored = 0;
	for (int i = 0; i < 100; i++)
		stored += r[i].done && r[i].stored;
	ok(stored == 100 && store_counts(s, 0, &after) == 0 &&
	   after.submissions == before.submissions + 100,
	   "committer_stop stores and answers the 100 still queued (%d)", stored);
}

int main(void)
{
	char db[256], err[256];
	const char *tmp = tap_tmpdir("relay_committer");
	if (!tmp)
		return 2;
	if (snprintf(db, sizeof db, "%s/committer.db", tmp) >= (int)sizeof db)
		return 2;
	struct store *s = store_open(db, err, sizeof err);
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	static struct committer c;
	ok(committer_start(&c, s) == 0, "committer started");
	test_many_threads(&c, s);
	test_stop_drains(&c, s);
	store_close(s);
	return tap_exit();
}
