/* backend.h - how a store backend plugs in behind store.h. Callers never
 * include this; they see only store.h and an opaque struct store.
 *
 * A backend is a const struct store_ops and a line in the table of
 * store.c naming its scheme ("sqlite"). Its open allocates the backend's
 * own connection struct whose FIRST member is struct store, sets base.ops
 * and returns &base; every other op gets that pointer back and may cast it
 * to its own struct. Errors go into base.err (store_errmsg). Each op keeps
 * the contract of the store.h function of the same name: in particular
 * what a writing op reports as done is committed on stable storage, ops
 * may be called from several threads at once, and the schema's meaning
 * (the four tables, status derived from timestamps, the event kinds) is
 * the same in every backend. A backend draws references and tokens with
 * store_new_ids, so their format does not depend on it. */
#ifndef STORE_BACKEND_H
#define STORE_BACKEND_H
#include "store.h"
#include <time.h>

struct store {
	const struct store_ops *ops;
	char err[256];              /* last error, for log lines */
};

/* What store_load* look a submission up by. */
enum store_key { STORE_BY_ID, STORE_BY_REFERENCE, STORE_BY_TOKEN };

struct store_ops {
	/* where: what follows "scheme:" in the database string, or the plain
	 * path. open creates the store if needed unless readonly. */
	struct store *(*open)(const char *where, bool readonly, char *err,
			      size_t errlen);
	bool (*exists)(const char *where, char *err, size_t errlen);
	void (*close)(struct store *s);

	int (*insert)(struct store *s, struct store_item *items, size_t n);
	int (*claim_due)(struct store *s, long long now, long long lease,
			 struct outbox_job *jobs, size_t max, size_t *n);
	int (*job_delivered)(struct store *s, long long job_id, long long now,
			     const char *detail);
	int (*job_retry)(struct store *s, long long job_id, long long now,
			 long long at, const char *error);
	int (*job_failed)(struct store *s, long long job_id, long long now,
			  const char *error);
	int (*resend)(struct store *s, long long submission_id, long long now);
	long long (*next_due)(struct store *s);
	int (*purge)(struct store *s, long long cutoff_unix, long long *purged,
		     long long *kept);

	/* by: id for STORE_BY_ID, key for the others; for STORE_BY_TOKEN key
	 * is token_key's bytes and id their number (token.h) */
	struct submission *(*load)(struct store *s, struct arena *a,
				   enum store_key by, long long id, const char *key,
				   bool with_files, struct store_status *st, int *err);
	int (*each)(struct store *s, const char *city, long long from_unix,
		    long long until_unix, bool with_files, store_each_fn fn,
		    void *ctx);
	int (*jobs)(struct store *s, struct arena *a, long long submission_id,
		    struct store_job **jobs, size_t *n);
	int (*events)(struct store *s, struct arena *a, long long submission_id,
		      struct store_event **events, size_t *n);
	int (*counts)(struct store *s, long long now, struct store_counts *c);
	/* optional: give unused cache memory back (store_release_memory) */
	void (*release_memory)(struct store *s);

	/* the clerks' inbox (schema version 4); offices already encoded by
	 * store_offices_text */
	int (*clerk_add)(struct store *s, const char *username, const char *pwhash,
			 const char *offices, long long now);
	/* pwhash NULL: disable */
	int (*clerk_change)(struct store *s, const char *username,
			    const char *pwhash);
	/* username NULL: every clerk, by username; else that one (*n 0 or
	 * 1); offices parsed with store_offices_parse */
	int (*clerks)(struct store *s, struct arena *a, const char *username,
		      struct store_clerk **out, size_t *n);
	int (*session_new)(struct store *s, const unsigned char *hash,
			   const char *username, const char *csrf, long long now,
			   long long expires);
	int (*session_get)(struct store *s, struct arena *a,
			   const unsigned char *hash, long long now, long long idle,
			   long long lifetime, struct store_session *out);
	int (*session_end)(struct store *s, const unsigned char *hash);
	int (*inbox_list)(struct store *s, struct arena *a,
			  const struct store_inbox_query *q,
			  struct store_inbox_row **rows, size_t *n, long long *total);
	int (*inbox_load)(struct store *s, struct arena *a, long long id,
			  const struct store_office *offices, size_t n_offices,
			  bool with_files, struct submission **sub,
			  const char **status);
	int (*set_status)(struct store *s, long long id, const char *status,
			  const char *actor, long long now);
	int (*fill_offices)(struct store *s, store_office_fn fn, void *ctx,
			    long long *filled);
	/* documents handed in later (schema version 5) */
	int (*documents_add)(struct store *s, long long submission_id,
			     struct store_document *d, size_t n, size_t max,
			     long long now);

	/* the Postfach (schema version 5): store.h's store_postfach_*;
	 * outcome is sent, retry and failed in one (enum store_pf_outcome) */
	int (*pf_request)(struct store *s, const char *email,
			  const unsigned char *hash, const char *token,
			  long long now, long long expires, int max);
	int (*pf_claim)(struct store *s, struct arena *a, long long now,
			long long lease, struct store_postfach_job *job);
	int (*pf_outcome)(struct store *s, long long id, int outcome,
			  long long t, const char *error);
	int (*pf_use)(struct store *s, struct arena *a, const unsigned char *hash,
		      long long now, const unsigned char *session_hash,
		      long long session_expires, const char **email);
	int (*pf_session)(struct store *s, struct arena *a,
			  const unsigned char *hash, long long now,
			  const char **email, long long *expires);
	int (*pf_session_end)(struct store *s, const unsigned char *hash);
	int (*pf_list)(struct store *s, struct arena *a, const char *email,
		       size_t max, struct store_postfach_row **rows, size_t *n);
	int (*pf_list_subject)(struct store *s, struct arena *a, const char *subject,
			       size_t max, struct store_postfach_row **rows, size_t *n);
	int (*pf_purge)(struct store *s, long long now, long long *removed);
	/* messages (schema version 5); m already checked by store_message_add */
	int (*message_add)(struct store *s, long long submission_id,
			   const struct store_message *m, long long *id);
	int (*messages)(struct store *s, struct arena *a, long long submission_id,
			long long after_id, struct store_message **out, size_t *n);
	/* online payment (schema version 7); reference drawn by the caller */
	int (*payment_new)(struct store *s, long long submission_id, long long amount,
			   const char *deliver, const char *reference, long long now);
	int (*payment_get)(struct store *s, const char *reference, long long submission_id,
			   struct store_payment *out);
	int (*payment_settle)(struct store *s, const char *reference, const char *state,
			      const char *txn, long long now, bool *changed);
	/* citizens' logins (schema version 8) */
	int (*login_put)(struct store *s, const unsigned char *hash,
			 const struct store_login_pending *p, long long now, long long max);
	int (*login_take)(struct store *s, struct arena *a, const unsigned char *hash,
			  long long now, struct store_login_pending *out);
	int (*citizen_open)(struct store *s, const unsigned char *hash,
			    const struct store_citizen_session *cs, long long expires,
			    long long max);
	int (*citizen_get)(struct store *s, struct arena *a, const unsigned char *hash,
			   long long now, long long idle, long long lifetime,
			   struct store_citizen_session *out);
	int (*citizen_end)(struct store *s, const unsigned char *hash);
};

/* pf_outcome's outcome: t is now for SENT and FAILED, the next attempt's
 * time for RETRY. */
enum store_pf_outcome { STORE_PF_SENT, STORE_PF_RETRY, STORE_PF_FAILED };

/* The backends this relayd has. */
extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* The schema version every backend migrates to on store_open, by the same
 * numbers: 1 the four tables, 2 outbox.claimed_by (the instance, "host/pid",
 * that claimed a job last), 3 submissions.token_hash (SHA-256 of the token,
 * unique: the private links are looked up by it, see token.h), 4 the
 * clerks' inbox: submissions.office and .status with their indexes,
 * events.actor, the tables clerks and sessions (store.h), 5 the Postfach:
 * the tables messages, postfach_links and postfach_sessions,
 * attachments.added_unix (a document handed in later), outbox.ref_id and
 * the outbox kinds notice_office, notice_citizen and document, 6 the
 * identification (issue 12; a placeholder in the payment branch), 7 online
 * payment: the table payments (store.h), 8 citizens' logins: the tables
 * login_pending and citizen_sessions (store.h), 9 no unique index on
 * submissions.token of its own (token_hash's keeps tokens apart; issue 13,
 * point 6), 10 references numbered in order (the table counters, a
 * sequence on PostgreSQL), 11 no index submissions_city (no query used
 * it) and SQLite's CHECKs of a list of kinds written as comparisons
 * (outbox and payments rebuilt). SQLite keeps it
 * in PRAGMA user_version, PostgreSQL in the table schema_version. A
 * read-only store also opens versions 1 to 3 (relayctl may run before
 * relayd upgraded): its readers then leave out what is newer (actor ""). */
#define STORE_SCHEMA_VERSION 11

/* How long a valid session may go without being marked seen again
 * (store_session_get): idle timeouts are counted to this many seconds. */
#define STORE_SESSION_TOUCH 60

/* The WHERE clause and its parameters of an inbox query, the same for
 * every backend: parameters are numbered from 1 with mark ('?' for
 * SQLite's ?NNN, '$' for PostgreSQL's $N). params[] gets the values in
 * order; texts are NULL for integers, whose values go into ints[]. Returns
 * the number of parameters, -1 when sql is too small. */
#define STORE_INBOX_MAXP (2 * STORE_MAX_OFFICES + 4)
struct store_inbox_where {
	char sql[2048];
	const char *text[STORE_INBOX_MAXP];
	long long ints[STORE_INBOX_MAXP];
	int n;
};
int store_inbox_where(const struct store_inbox_query *q, char mark,
		      struct store_inbox_where *w);
/* The same for "one of these offices" alone (store_inbox_load), numbered
 * from first. */
int store_offices_where(const struct store_office *o, size_t n, char mark,
			int first, struct store_inbox_where *w);

/* This process as outbox.claimed_by names it: "host/pid". */
void store_instance(char out[64]);

struct buf;
/* The fields of sub as the JSON text of submissions.fields:
 * [{"name","label","value"[,"option"]}...]. 0 ok, -1 when b is full. */
int store_fields_json(const struct submission *sub, struct buf *b);

/* The random bytes of one submission's ids: its token's. */
#define STORE_ID_BYTES TOKEN_RANDOM_CHARS

/* The start of an insert op: every item marked not stored yet (rc -1,
 * no id, number or payment reference) and stamped with one time, read
 * once so that received_at and received_unix of a batch agree. Returns
 * that time; *year is its UTC year, the year of the references. */
time_t store_items_begin(struct store_item *items, size_t n, int *year);

/* Random bytes for the ids of a batch, drawn 32 submissions' worth at a
 * time: one getrandom(2) per batch instead of one per post (the group
 * commit's writer draws them, and a system call is not free). On the
 * caller's stack, for one batch; each id's bytes are wiped once used. */
struct store_ids_pool {
	unsigned char r[32 * STORE_ID_BYTES];
	size_t left;                /* ids' worth not yet used; 0 at first */
};

/* A new submission's reference and token (token.h), the token's random
 * bytes from util/random (which exits rather than give predictable
 * bytes), through pool when not NULL. The reference is "<prefix>-<year>-"
 * and number (> 0: the store's counter, schema version 10) in six digits
 * at least. References made before were 6 random symbols of 32 instead.
 * 0 ok, -1 when number is not above 0 or the reference would not fit. */
int store_new_ids(struct store_ids_pool *pool, const char *prefix, int year,
		  long long number, char reference[24], char token[TOKEN_CHARS + 1]);
#endif
