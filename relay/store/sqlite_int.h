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
	int version;                /* the schema's (a reader's may be older) */
	/* the hot inserts, prepared once (SQLITE_PREPARE_PERSISTENT) */
	sqlite3_stmt *ins_sub, *ins_att, *ins_job, *ins_event, *ins_pay;
	sqlite3_stmt *ins_counter_get, *ins_counter_set;
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
/* Steps a statement that returns no row and finalizes it (q NULL: the
 * prepare failed, already recorded); 0 when it ran to SQLITE_DONE, else
 * -1 with the error recorded under what. */
int sq_step_done(struct sq_store *s, sqlite3_stmt *q, const char *what);
/* The name of the VFS that gathers a WAL's writes into one per
 * transaction (sqlite_walbuf.c), registered on the first call; NULL if it
 * cannot be (then the default VFS is used). */
const char *sq_walbuf_vfs(void);
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
int sq_clerk_add(struct store *base, const char *username, const char *pwhash,
		 const char *offices, long long now);
int sq_clerk_change(struct store *base, const char *username, const char *pwhash);
int sq_clerks(struct store *base, struct arena *a, const char *username,
	      struct store_clerk **out, size_t *n);
int sq_session_new(struct store *base, const unsigned char *hash,
		   const char *username, const char *csrf, long long now,
		   long long expires);
int sq_session_get(struct store *base, struct arena *a, const unsigned char *hash,
		   long long now, long long idle, long long lifetime,
		   struct store_session *out);
int sq_session_end(struct store *base, const unsigned char *hash);
int sq_inbox_list(struct store *base, struct arena *a,
		  const struct store_inbox_query *q, struct store_inbox_row **rows,
		  size_t *n, long long *total);
int sq_inbox_load(struct store *base, struct arena *a, long long id,
		  const struct store_office *offices, size_t n_offices,
		  bool with_files, struct submission **sub, const char **status);
int sq_set_status(struct store *base, long long id, const char *status,
		  const char *actor, long long now);
int sq_fill_offices(struct store *base, store_office_fn fn, void *ctx,
		    long long *filled);
int sq_documents_add(struct store *base, long long submission_id,
		     struct store_document *d, size_t n, size_t max,
		     long long now);

/* The Postfach (sqlite_postfach.c / pg_postfach.c). */
int sq_pf_request(struct store *base, const char *email, const unsigned char *hash,
		  const char *token, long long now, long long expires, int max);
int sq_pf_claim(struct store *base, struct arena *a, long long now,
		long long lease, struct store_postfach_job *job);
int sq_pf_outcome(struct store *base, long long id, int outcome, long long t,
		  const char *error);
int sq_pf_use(struct store *base, struct arena *a, const unsigned char *hash,
	      long long now, const unsigned char *session_hash,
	      long long session_expires, const char **email);
int sq_pf_session(struct store *base, struct arena *a, const unsigned char *hash,
		  long long now, const char **email, long long *expires);
int sq_pf_session_end(struct store *base, const unsigned char *hash);
int sq_pf_list(struct store *base, struct arena *a, const char *email,
	       size_t max, struct store_postfach_row **rows, size_t *n);
int sq_pf_list_subject(struct store *base, struct arena *a, const char *subject,
		       size_t max, struct store_postfach_row **rows, size_t *n);
int sq_pf_purge(struct store *base, long long now, long long *removed);

int sq_message_add(struct store *base, long long submission_id,
		   const struct store_message *m, long long *id);
int sq_messages(struct store *base, struct arena *a, long long submission_id,
		long long after_id, struct store_message **out, size_t *n);

/* The columns of a submission row (sqlite_read.c), in the order
 * sq_sub_from_row reads them; a query may add its own after them. */
#define SQ_SUB_COLS "s.id, s.reference, s.city, s.service, s.city_name," \
	" s.service_title, s.recipient, s.office_name, s.applicant_email," \
	" s.received_at, s.received_unix, s.token"
#define SQ_SUB_NCOLS 12
/* Builds a submission from a row of SQ_SUB_COLS, reading its fields (and
 * files, and status) on the connection; caller holds the mutex. */
struct submission *sq_sub_from_row(struct sq_store *s, struct arena *a,
				   sqlite3_stmt *q, bool with_files,
				   struct store_status *st);
/* A text column into arena a ("" for NULL). */
const char *sq_col_str(struct arena *a, sqlite3_stmt *st, int i);
/* sqlite_pay.c */
int sq_payment_new(struct store *base, long long submission_id, long long amount,
		   const char *deliver, const char *reference, long long now);
int sq_payment_get(struct store *base, const char *reference, long long submission_id,
		   struct store_payment *out);
int sq_payment_settle(struct store *base, const char *reference, const char *state,
		      const char *txn, long long now, bool *changed);
/* citizens' logins (schema version 8) */
int sq_login_put(struct store *base, const unsigned char *hash,
		 const struct store_login_pending *p, long long now, long long max);
int sq_login_take(struct store *base, struct arena *a, const unsigned char *hash,
		  long long now, struct store_login_pending *out);
int sq_citizen_open(struct store *base, const unsigned char *hash,
		    const struct store_citizen_session *cs, long long expires, long long max);
int sq_citizen_get(struct store *base, struct arena *a, const unsigned char *hash,
		   long long now, long long idle, long long lifetime,
		   struct store_citizen_session *out);
int sq_citizen_end(struct store *base, const unsigned char *hash);
#endif
