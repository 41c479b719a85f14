/* store_int.h - internals shared by the store's source files. */
#ifndef STORE_INT_H
#define STORE_INT_H
#include <pthread.h>
#include <sqlite3.h>
#include "store.h"

struct store {
	sqlite3 *db;
	pthread_mutex_t mu;         /* the one writer connection is ours alone */
	char err[256];              /* last error, for log lines */
	/* the hot inserts, prepared once (SQLITE_PREPARE_PERSISTENT) */
	sqlite3_stmt *ins_sub, *ins_att, *ins_job, *ins_event;
};

/* Records the connection's error message in s->err with a context. */
void store_fail(struct store *s, const char *what);
/* Runs SQL without results; 0 ok, -1 (s->err set). */
int store_exec(struct store *s, const char *sql);
/* Prepares; NULL on error (s->err set). */
sqlite3_stmt *store_prep(struct store *s, const char *sql);
/* Locks the mutex and begins a write transaction (BEGIN IMMEDIATE).
 * 0: the caller owns the connection and must call store_tx_end; -1: the
 * mutex is unlocked again, s->err set. */
int store_tx_begin(struct store *s);
/* COMMIT when ok (committed = on stable storage, synchronous=FULL), else,
 * or when COMMIT fails, ROLLBACK keeping the first error in s->err; then
 * unlocks. Returns 0 when committed, -1 otherwise. */
int store_tx_end(struct store *s, bool ok);
/* Adds an event row inside the caller's transaction. */
int store_add_event(struct store *s, long long sub_id, long long job_id,
		long long at, const char *kind, const char *detail);
#endif
