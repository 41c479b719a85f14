/* pg_int.h - internals shared by the PostgreSQL backend's files (pg*.c):
 * a small pool of libpq connections, each used by one thread at a time.
 *
 * Every statement is parameterised (PQexecParams; no value is ever pasted
 * into SQL); attachment bytes travel as binary parameters into bytea.
 * Durability: each connection runs with synchronous_commit at least "on"
 * (pg.c raises "off"), so a COMMIT that returned is in the server's WAL on
 * disk; several relayd may share the database (outbox claims use FOR
 * UPDATE SKIP LOCKED, see pg_outbox.c). */
#ifndef STORE_PG_INT_H
#define STORE_PG_INT_H
#include <libpq-fe.h>
#include <pthread.h>
#include "backend.h"

#define PG_POOL 4               /* connections per struct store */
#define PG_MAXP 40              /* parameters per statement (an inbox
				 * query: STORE_INBOX_MAXP and two more) */

struct pg_store {
	struct store base;          /* first: store.c sees only this */
	char *conninfo;             /* as configured; may hold a password */
	bool readonly;
	char instance[64];          /* "host/pid": outbox.claimed_by */
	int version;                /* the schema's (a reader's may be older) */
	pthread_mutex_t mu;         /* guards the pool and base.err */
	pthread_cond_t freed;
	PGconn *conn[PG_POOL];      /* NULL until first needed */
	bool busy[PG_POOL];
};

static inline struct pg_store *pgs(struct store *s)
{
	return (struct pg_store *)s;
}

/* The parameters of one statement: bigint, text, bytea (binary) or NULL,
 * each with its type, so a statement need not use every one. */
struct pgp {
	const char *v[PG_MAXP];
	Oid type[PG_MAXP];
	int len[PG_MAXP], fmt[PG_MAXP];
	char num[PG_MAXP][24];
	int n;
};
void pgp_int(struct pgp *p, long long v);
void pgp_text(struct pgp *p, const char *v);   /* NULL -> SQL NULL */
void pgp_bin(struct pgp *p, const void *data, size_t len);

/* A connection of the pool for this thread alone (connecting or
 * reconnecting as needed); NULL with s->base.err set. Give it back with
 * pg_put. */
PGconn *pg_get(struct pg_store *s);
void pg_put(struct pg_store *s, PGconn *c);
/* Records an error "what: message" in s->base.err. */
void pg_fail(struct pg_store *s, const char *what, const char *msg);
/* Runs sql with p (may be NULL); binary: results in binary format. The
 * result when its status is PGRES_COMMAND_OK or PGRES_TUPLES_OK, else
 * NULL with s->base.err set ("what: server message"). PQclear it. */
PGresult *pg_q(struct pg_store *s, PGconn *c, const char *what, const char *sql,
	       const struct pgp *p, bool binary);
/* pg_q for statements whose result is not needed: 0 ok, -1. */
int pg_do(struct pg_store *s, PGconn *c, const char *what, const char *sql,
	  const struct pgp *p);
/* A pooled connection inside BEGIN; NULL (nothing held) on error. */
PGconn *pg_tx_begin(struct pg_store *s);
/* COMMIT when ok - 0 only when the server answered COMMIT (a transaction
 * that failed earlier answers ROLLBACK) - else ROLLBACK keeping the first
 * error; then gives the connection back. */
int pg_tx_end(struct pg_store *s, PGconn *c, bool ok);
/* A bigint column of a text-format result. */
long long pg_ll(const PGresult *r, int row, int col);
/* One statement on a pooled connection (taken and given back): its
 * result (PQclear it), NULL on failure with the error recorded. */
PGresult *pg_run(struct pg_store *s, const char *what, const char *sql,
		 const struct pgp *p);
/* The same for a statement whose one row and column is a count: -1 on
 * failure. */
long long pg_run_count(struct pg_store *s, const char *what, const char *sql,
		       const struct pgp *p);

/* The ops (store_pg_ops in pg.c). */
int pg_insert(struct store *base, struct store_item *items, size_t n);
int pg_claim_due(struct store *base, long long now, long long lease,
		 struct outbox_job *jobs, size_t max, size_t *n);
int pg_job_delivered(struct store *base, long long job_id, long long now,
		     const char *detail);
int pg_job_retry(struct store *base, long long job_id, long long now,
		 long long at, const char *error);
int pg_job_failed(struct store *base, long long job_id, long long now,
		  const char *error);
int pg_resend(struct store *base, long long submission_id, long long now);
long long pg_next_due(struct store *base);
int pg_purge(struct store *base, long long cutoff_unix, long long *purged,
	     long long *kept);
struct submission *pg_load(struct store *base, struct arena *a,
			   enum store_key by, long long id, const char *key,
			   bool with_files, struct store_status *status, int *err);
int pg_each(struct store *base, const char *city, long long from_unix,
	    long long until_unix, bool with_files, store_each_fn fn, void *ctx);
int pg_jobs(struct store *base, struct arena *a, long long submission_id,
	    struct store_job **jobs, size_t *n);
int pg_events(struct store *base, struct arena *a, long long submission_id,
	      struct store_event **events, size_t *n);
int pg_counts(struct store *base, long long now, struct store_counts *c);
int pg_clerk_add(struct store *base, const char *username, const char *pwhash,
		 const char *offices, long long now);
int pg_clerk_change(struct store *base, const char *username, const char *pwhash);
int pg_clerks(struct store *base, struct arena *a, const char *username,
	      struct store_clerk **out, size_t *n);
int pg_session_new(struct store *base, const unsigned char *hash,
		   const char *username, const char *csrf, long long now,
		   long long expires);
int pg_session_get(struct store *base, struct arena *a, const unsigned char *hash,
		   long long now, long long idle, long long lifetime,
		   struct store_session *out);
int pg_session_end(struct store *base, const unsigned char *hash);
int pg_inbox_list(struct store *base, struct arena *a,
		  const struct store_inbox_query *q, struct store_inbox_row **rows,
		  size_t *n, long long *total);
int pg_inbox_load(struct store *base, struct arena *a, long long id,
		  const struct store_office *offices, size_t n_offices,
		  bool with_files, struct submission **sub, const char **status);
int pg_set_status(struct store *base, long long id, const char *status,
		  const char *actor, long long now);
int pg_fill_offices(struct store *base, store_office_fn fn, void *ctx,
		    long long *filled);
int pg_documents_add(struct store *base, long long submission_id,
		     struct store_document *d, size_t n, size_t max,
		     long long now);

int pg_message_add(struct store *base, long long submission_id,
		   const struct store_message *m, long long *id);
int pg_messages(struct store *base, struct arena *a, long long submission_id,
		long long after_id, struct store_message **out, size_t *n);

/* The columns of a submission row (pg_read.c), in the order
 * pg_sub_from_row reads them; a query may add its own after them. */
#define PG_SUB_COLS "s.id, s.reference, s.city, s.service, s.city_name," \
	" s.service_title, s.recipient, s.office_name, s.applicant_email," \
	" s.received_at, s.received_unix, s.token"
#define PG_SUB_NCOLS 12
/* Builds a submission from row i of PG_SUB_COLS, reading the rest on c. */
struct submission *pg_sub_from_row(struct pg_store *s, PGconn *c, struct arena *a,
				   const PGresult *r, int i, bool with_files,
				   struct store_status *st);
/* A text column of a text-format result into arena a. */
const char *pg_col_str(struct arena *a, const PGresult *r, int row, int col);
/* The Postfach (sqlite_postfach.c / pg_postfach.c). */
int pg_pf_request(struct store *base, const char *email, const unsigned char *hash,
		  const char *token, long long now, long long expires, int max);
int pg_pf_claim(struct store *base, struct arena *a, long long now,
		long long lease, struct store_postfach_job *job);
int pg_pf_outcome(struct store *base, long long id, int outcome, long long t,
		  const char *error);
int pg_pf_use(struct store *base, struct arena *a, const unsigned char *hash,
	      long long now, const unsigned char *session_hash,
	      long long session_expires, const char **email);
int pg_pf_session(struct store *base, struct arena *a, const unsigned char *hash,
		  long long now, const char **email, long long *expires);
int pg_pf_session_end(struct store *base, const unsigned char *hash);
int pg_pf_list(struct store *base, struct arena *a, const char *email,
	       size_t max, struct store_postfach_row **rows, size_t *n);
int pg_pf_list_subject(struct store *base, struct arena *a, const char *subject,
		       size_t max, struct store_postfach_row **rows, size_t *n);
int pg_pf_purge(struct store *base, long long now, long long *removed);

/* pg_pay.c */
int pg_payment_new(struct store *base, long long submission_id, long long amount,
		   const char *deliver, const char *reference, long long now);
int pg_payment_get(struct store *base, const char *reference, long long submission_id,
		   struct store_payment *out);
int pg_payment_settle(struct store *base, const char *reference, const char *state,
		      const char *txn, long long now, bool *changed);
/* citizens' logins (schema version 8) */
int pg_login_put(struct store *base, const unsigned char *hash,
		 const struct store_login_pending *p, long long now, long long max);
int pg_login_take(struct store *base, struct arena *a, const unsigned char *hash,
		  long long now, struct store_login_pending *out);
int pg_citizen_open(struct store *base, const unsigned char *hash,
		    const struct store_citizen_session *cs, long long expires, long long max);
int pg_citizen_get(struct store *base, struct arena *a, const unsigned char *hash,
		   long long now, long long idle, long long lifetime,
		   struct store_citizen_session *out);
int pg_citizen_end(struct store *base, const unsigned char *hash);
#endif
