/* sqlite_int.h - internals shared by the SQLite backend's files
 * (sqlite*.c): one connection in WAL mode with synchronous=FULL. */
#ifndef STORE_SQLITE_INT_H
#define STORE_SQLITE_INT_H
#include <pthread.h>
#include <sqlite3.h>
#include "backend.h"

struct sq_store {
	struct store base;          /* first: store.c sees only this */
	sqlite3 *db;
	pthread_mutex_t mu;         /* the one writer connection is ours alone */
	char instance[64];          /* "host/pid": outbox.claimed_by */
	/* the hot inserts, prepared once (SQLITE_PREPARE_PERSISTENT) */
	sqlite3_stmt *ins_sub, *ins_att, *ins_job, *ins_event;
};

static inline struct sq_store *sq(struct store *s)
{
	return (struct sq_store *)s;
}

/* Records the connection's error message in s->base.err with a context. */
void sq_fail(struct sq_store *s, const char *what);
/* Runs SQL without results; 0 ok, -1 (s->base.err set). */
int sq_exec(struct sq_store *s, const char *sql);
/* Prepares; NULL on error (s->base.err set). */
sqlite3_stmt *sq_prep(struct sq_store *s, const char *sql);
/* Prepares once into *slot and keeps the statement for the connection's
 * lifetime; resets it and clears its bindings. NULL on error. */
sqlite3_stmt *sq_cached(struct sq_store *s, sqlite3_stmt **slot, const char *sql);
/* Locks the mutex and begins a write transaction (BEGIN IMMEDIATE).
 * 0: the caller owns the connection and must call sq_tx_end; -1: the
 * mutex is unlocked again, s->base.err set. */
int sq_tx_begin(struct sq_store *s);
/* COMMIT when ok (committed = on stable storage, synchronous=FULL), else,
 * or when COMMIT fails, ROLLBACK keeping the first error in s->base.err;
 * then unlocks. Returns 0 when committed, -1 otherwise. */
int sq_tx_end(struct sq_store *s, bool ok);
/* Adds an event row inside the caller's transaction. */
int sq_event(struct sq_store *s, long long sub_id, long long job_id,
	     long long at, const char *kind, const char *detail);

/* The ops (store_sqlite_ops in sqlite.c), each with the contract of the
 * store.h function of the same name. */
int sq_insert(struct store *base, struct store_item *items, size_t n);
int sq_claim_due(struct store *base, long long now, long long lease,
		 struct outbox_job *jobs, size_t max, size_t *n);
int sq_job_delivered(struct store *base, long long job_id, long long now,
		     const char *detail);
int sq_job_retry(struct store *base, long long job_id, long long now,
		 long long at, const char *error);
int sq_job_failed(struct store *base, long long job_id, long long now,
		  const char *error);
int sq_resend(struct store *base, long long submission_id, long long now);
long long sq_next_due(struct store *base);
int sq_purge(struct store *base, long long cutoff_unix, long long *purged,
	     long long *kept);
struct submission *sq_load(struct store *base, struct arena *a,
			   enum store_key by, long long id, const char *key,
			   bool with_files, struct store_status *status, int *err);
int sq_each(struct store *base, const char *city, long long from_unix,
	    long long until_unix, bool with_files, store_each_fn fn, void *ctx);
int sq_jobs(struct store *base, struct arena *a, long long submission_id,
	    struct store_job **jobs, size_t *n);
int sq_events(struct store *base, struct arena *a, long long submission_id,
	      struct store_event **events, size_t *n);
int sq_counts(struct store *base, long long now, struct store_counts *c);
#endif
