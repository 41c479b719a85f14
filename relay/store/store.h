/* store.h - the relay's durable store, its one interface. Nothing outside
 * relay/store/ sees a database: no SQL, no driver type (struct store is
 * opaque).
 *
 * Durability contract: what a function reports as committed (store_insert
 * returning 0, an outbox change returning 0, a purge) is on stable storage
 * when it returns; relayd sends its 303 only after that. A failed call
 * changes nothing.
 *
 * Backends. The database string of relay.yml picks one: "sqlite:PATH" or a
 * plain file path is the SQLite backend (store/sqlite*.c: one file in WAL
 * mode with synchronous=FULL); "postgresql://..." ("postgres://...") or a
 * libpq conninfo string ("host=/run/postgresql dbname=relay") is the
 * PostgreSQL backend (store/pg*.c over libpq: a small connection pool,
 * synchronous_commit at least on); any other "scheme:..." (a colon before
 * the first "/") is refused with "no such store backend". A backend is a
 * table of operations with the contracts below (store/backend.h says how
 * one plugs in).
 *
 * Writers. SQLite: one process, one writer - relayd's struct store is the
 * file's only writer (3.40.1 has the WAL-reset bug that needs two writers
 * at the same instant), one connection under a mutex. PostgreSQL: any
 * number of relayd (and relayctl) write at once; the server orders them,
 * and the outbox is claimed with FOR UPDATE SKIP LOCKED, so one job goes
 * to one instance. Every function below may be called from several
 * threads. Times
 * are Unix seconds (UTC) unless named *_at text, which is RFC 3339 UTC
 * "2026-11-25T20:41:07Z".
 *
 * Data model (schema version 5 in both backends, migrated on store_open:
 * SQLite's PRAGMA user_version, PostgreSQL's table schema_version):
 *   submissions(id, reference UNIQUE, token UNIQUE, token_hash UNIQUE
 *               (SHA-256 of token, version 3: see token.h), city, service, city_name,
 *               service_title, recipient, office_name, applicant_email,
 *               received_at TEXT, received_unix, fields JSON
 *               [{"name","label","value"[,"option"]}...]: value as the
 *               office reads it (select/radio: the option's label; a
 *               date: 29.02.2024), option the select/radio option's
 *               value or the date as stored, 2024-02-29;
 *               version 4: office (the office role of the catalogue,
 *               "standesamt"; NULL for rows from before until
 *               store_fill_offices), status (the latest 'status' event's
 *               value, "neu" before any: see store_set_status))
 *   attachments(id, submission_id, seq, field, label, filename, mime, data,
 *          added_unix (version 5: set for a document handed in later, NULL
 *          for the form's own; see store_documents_add))
 *   outbox(id, submission_id, kind 'office'|'receipt' (version 5 also
 *          'notice_office', 'notice_citizen', 'document'), ref_id (version 5:
 *          the attachment of a 'document' job, the message of a notice, 0 for
 *          office and receipt),
 *          attempts, next_attempt, created_unix, delivered_unix, failed_unix,
 *          last_error, claimed_by "host/pid" of the last claim (version 2))
 *   events(id, submission_id, job_id, at_unix, kind, detail, actor
 *          (version 4: the clerk's username, "" for the relay's own))
 *          append-only; kinds: received, claimed, delivered, retry, failed,
 *          resend, status (a clerk's; detail the new status), document (a
 *          document handed in later; detail its file name), message
 *          (detail the author, citizen or clerk), rueckfrage
 *   messages(id, submission_id, at_unix, author, actor, kind, body) (v5)
 *   clerks(username UNIQUE, pwhash (libsodium crypto_pwhash_str, argon2id),
 *          offices "city/role city/role ...", disabled, created_unix)  (v4)
 *   sessions(id_hash (SHA-256 of the session token; the token itself is
 *          never stored), username, csrf, created_unix, seen_unix,
 *          expires_unix)  (v4)
 * The delivery status is derived from the outbox timestamps, never stored
 * as a mutable column. The clerk status is the 'status' events' record;
 * submissions.status repeats the latest one, written in the same
 * transaction as its event, so that the inbox can filter by an index. */
#ifndef STORE_H
#define STORE_H
#include <stdbool.h>
#include <stddef.h>
#include "submission.h"
#include "token.h"
#include "util/arena.h"

struct store;

/* Opens the database (see Backends above), creating it if needed (SQLite;
 * a PostgreSQL database must exist, its tables are created), and migrates
 * the schema to STORE_SCHEMA_VERSION (a newer version is refused). NULL on
 * failure with a message in err (never the password). The writer's
 * connection: relayd's, or relayctl's while it holds the lock relayd holds
 * when running (admin/admin.h). SQLite's busy_timeout is set, so a reader
 * never makes it fail. */
struct store *store_open(const char *database, char *err, size_t errlen);
/* A read-only connection (relayctl's list, export, show, status): it can
 * neither write nor checkpoint, so it never is a second writer next to
 * relayd. Creates nothing. Only the reading functions below work on it. */
struct store *store_open_readonly(const char *database, char *err,
				  size_t errlen);
/* NULL is fine. */
void store_close(struct store *s);
/* The file of a file-based store (SQLite: the path without "sqlite:"),
 * NULL for a database server (PostgreSQL). The admin socket and the lock
 * file go beside the file; with a server, config.c asks for admin_socket. */
const char *store_file(const char *database);
/* The database string for a log line: a password (in a URI's userinfo or
 * query, or a conninfo's password=) replaced by "***". Truncated to n. */
void store_masked(const char *database, char *out, size_t n);
/* Whether the database exists, without creating it (store_open would):
 * relayctl must not take a wrong path for an empty relay. false with the
 * reason in err ("database /x/relay.db: No such file or directory", or
 * the unknown backend). */
bool store_exists(const char *database, char *err, size_t errlen);
/* Last error message of the connection (for log lines); never NULL. */
const char *store_errmsg(struct store *s);
/* Gives the connection's unused cache memory back (relayd calls it when a
 * burst is over, so resident memory returns to its idle size). */
void store_release_memory(struct store *s);

/* ---- receiving: one batch = one transaction (group commit) ---- */
struct store_item {
	/* in: city, service, city_name, service_title, recipient, office_name,
	 * applicant_email, fields, files. reference/received_at/id ignored. */
	const struct submission *sub;
	const char *ref_prefix;     /* "DOR" */
	bool receipt;               /* also queue a receipt to applicant_email
				     * (only when that is non-empty) */
	bool hold_office;           /* no office job now: the service's fee is
				     * paid first (deliver: after_payment), and
				     * store_payment_settle queues it */
	long long pay_amount;       /* > 0: a pending payment of this many
				     * cents is stored with the submission, in
				     * the same transaction, with its 'payment'
				     * event ("ausstehend <cents>") */
	const char *pay_deliver;    /* with pay_amount: "after_payment" or
				     * "immediately" (payments.deliver) */
	/* out, valid when rc == 0 after store_insert() returned 0 */
	int rc;                     /* 0 stored; -1 this item failed (logged) */
	long long id;
	char reference[24];         /* "DOR-2026-004711" */
	long long number;           /* the reference's number (store_insert's) */
	char token[TOKEN_CHARS + 1]; /* token.h: time, then 144 random bits */
	char received_at[24];       /* RFC 3339 UTC */
	char pay_reference[32];     /* with pay_amount: the payment's reference
				     * (STORE_PAY_REF_LEN base64url characters) */
};

/* Inserts every item (submission + attachments + an 'office' outbox job due
 * now unless held + a 'receipt' job if asked + a 'received' event + with
 * pay_amount > 0 its pending payment and 'payment' event) in ONE transaction
 * and commits it. The reference is "<prefix>-<year>-" + the store's next
 * number, six digits at least (one counter for every city; a number taken
 * by a reference of the older random kind is passed over). An item that cannot be stored is rolled back alone (its
 * SAVEPOINT) and gets rc -1. Returns 0 when the COMMIT succeeded (items
 * with rc 0 are durable), -1 when the whole batch failed (none stored). */
int store_insert(struct store *s, struct store_item *items, size_t n);

/* ---- delivery (the outbox) ---- */
struct outbox_job {
	long long id, submission_id;
	char kind[16];              /* "office", "receipt", "document", ... */
	long long ref_id;           /* what the job is about (schema version 5):
				     * a later document's attachments id for
				     * "document"; 0 for office and receipt */
	int attempts;               /* including the one just claimed */
	long long created_unix, next_attempt;
};

/* Claims up to max jobs due at now (not delivered, not failed,
 * next_attempt <= now), oldest next_attempt first: increments attempts,
 * pushes next_attempt to now + lease (so a crash mid-delivery retries the
 * job after the lease: at-least-once) and adds a 'claimed' event.
 * *n = number claimed. 0 ok, -1 error. */
int store_claim_due(struct store *s, long long now, long long lease,
		    struct outbox_job *jobs, size_t max, size_t *n);
/* Final success: delivered_unix = now, event 'delivered' (detail e.g. the
 * SMTP reply, may be NULL). */
int store_job_delivered(struct store *s, long long job_id, long long now,
			const char *detail);
/* Temporary failure: next_attempt = at, last_error = error, event 'retry'. */
int store_job_retry(struct store *s, long long job_id, long long now,
		    long long at, const char *error);
/* Lifetime exceeded or permanent failure: failed_unix = now, event 'failed'. */
int store_job_failed(struct store *s, long long job_id, long long now,
		     const char *error);
/* relayctl resend: every job of the submission becomes due at now again
 * (delivered/failed cleared, attempts 0), event 'resend'. 0 ok, -1 error,
 * 1 no such submission. */
int store_resend(struct store *s, long long submission_id, long long now);
/* Earliest next_attempt of an undelivered, unfailed job; 0 when none
 * (lets the worker sleep exactly as long as needed). -1 on error. */
long long store_next_due(struct store *s);

/* ---- reading ---- */
struct store_status {           /* derived from outbox/events */
	long long received_unix;
	long long delivered_unix;   /* office mail; 0 = not yet */
	long long failed_unix;      /* office mail; 0 = not failed */
	int attempts;
	const char *last_error;     /* "" when none; in the caller's arena */
};

/* Loads a submission into arena a (strings, fields, its office, and
 * with_files the attachments with their bytes, the later documents among
 * them: sub_file.added_unix). Returns NULL when not found or on error (then
 * *err = 1 if err is non-NULL, else 0). st may be NULL. */
struct submission *store_load(struct store *s, struct arena *a, long long id,
			      bool with_files, struct store_status *st, int *err);
struct submission *store_load_ref(struct store *s, struct arena *a,
				  const char *reference, bool with_files,
				  struct store_status *st, int *err);
/* By a private link's token: looked up by its hash and confirmed in
 * constant time (token.h); a wrong token is "not found" (NULL, *err 0). */
struct submission *store_load_token(struct store *s, struct arena *a,
				    const char *token, bool with_files,
				    struct store_status *st, int *err);

/* One outbox job of a submission, as relayctl show lists it. */
struct store_job {
	long long id;
	const char *kind;           /* "office", "receipt", "document", ... */
	int attempts;
	long long next_attempt;
	long long delivered_unix;   /* 0 = not delivered */
	long long failed_unix;      /* 0 = not failed */
	const char *last_error;     /* "" when none */
};
/* One entry of a submission's append-only event log. */
struct store_event {
	long long at_unix;
	const char *kind;           /* received, claimed, delivered, retry,
				     * failed, resend, status, document (a
				     * later document: detail its file name) */
	long long job_id;           /* 0 when it concerns the whole submission */
	const char *detail;         /* "" when none; for status the new status */
	const char *actor;          /* the clerk's username; "" for the relay's
				     * own events (and on a version < 4 store) */
};
/* The outbox jobs (oldest first) and the events (in the order they were
 * written) of a submission, as an array in arena a. An unknown id gives
 * *n = 0. 0 ok, -1 error (*n = 0). Both work on a read-only store. */
int store_jobs(struct store *s, struct arena *a, long long submission_id,
	       struct store_job **jobs, size_t *n);
int store_events(struct store *s, struct arena *a, long long submission_id,
		 struct store_event **events, size_t *n);

/* Calls fn for each submission of city (NULL = all cities) received in
 * [from_unix, until_unix) (0 = open bound), oldest first. The submission
 * and status live only during the call. fn returning non-zero stops the
 * walk and is returned. -1 on database error. fn must not call the store:
 * the walk holds its connection (SQLite: the mutex) until it returns. */
typedef int (*store_each_fn)(void *ctx, const struct submission *sub,
			     const struct store_status *st);
int store_each(struct store *s, const char *city, long long from_unix,
	       long long until_unix, bool with_files, store_each_fn fn, void *ctx);

/* Data protection retention. Deletes, in one transaction, every submission
 * whose delivery has ended - each of its jobs delivered or failed - before
 * cutoff_unix (the latest delivered/failed time of its jobs), with its
 * attachments (the later documents too), messages, outbox jobs and events:
 * its token then finds nothing. A submission with a job still
 * pending is never deleted, however old: *kept counts those received
 * before the cutoff. *purged = submissions deleted. In the same
 * transaction the clerks' sessions that have expired by the clock
 * (expires_unix <= now; independent of the cutoff) are deleted; then,
 * in a transaction of its own, store_postfach_purge's rows (when only
 * that fails: -1, *purged and *kept as committed before). 0 ok, -1
 * error. */
int store_purge(struct store *s, long long cutoff_unix, long long *purged,
		long long *kept);

/* ---- documents handed in later (schema version 5) ----
 * A citizen hands in a document on the application page; it becomes an
 * attachments row with added_unix set, next to the form's own (added_unix
 * NULL). */
struct store_document {
	/* in: what validate/documents.h accepted */
	const char *label;          /* "Nachgereichte Unterlage" */
	const char *mime, *ext;     /* by content: "application/pdf", "pdf" */
	const unsigned char *data;
	size_t len;
	/* out, when stored */
	long long id;               /* attachments.id (the job's ref_id) */
	char filename[48];          /* "nachgereicht-2.pdf" */
};
#define STORE_DOCUMENT_FIELD "nachgereicht"
/* Adds the n documents d[] to submission id in ONE transaction and
 * commits it: for each, the attachments row (field STORE_DOCUMENT_FIELD,
 * added_unix now, seq after the last), a 'document' event (detail the
 * file name) and a 'document' outbox job due now with ref_id the row's
 * id. A file is named "nachgereicht-<n>.<ext>", n its number among the
 * submission's later documents (known only inside the transaction, so two
 * uploads at once get different names). max: how many later documents the
 * submission may have in all; a post that would pass it is refused whole.
 * 0 stored (each d[i].id and .filename set), 1 no such submission, 2 max
 * would be passed (nothing stored), -1 error (nothing stored). */
int store_documents_add(struct store *s, long long submission_id,
			struct store_document *d, size_t n, size_t max,
			long long now);

/* For /healthz and /metrics. */
struct store_counts {
	long long submissions;      /* rows stored */
	long long outbox_depth;     /* jobs neither delivered nor failed */
	long long oldest_undelivered_age;   /* seconds, 0 when none */
	long long delivered;        /* jobs delivered */
	long long retrying;         /* undelivered jobs with attempts > 0 */
	long long failed;           /* jobs failed */
};
int store_counts(struct store *s, long long now, struct store_counts *c);

/* ---- the clerks' inbox (schema version 4) ----
 * A clerk works for one or more offices, each a city and an office role of
 * the catalogue, written "city/role" ("dorsten/standesamt"). A submission
 * belongs to the office role its city x service named when it arrived
 * (submissions.office). None of these work on a read-only store except
 * store_clerks, store_clerk_get and the inbox readers. */
struct store_office {
	const char *city, *role;
};
#define STORE_MAX_OFFICES 16    /* per clerk */

/* Offices as text: "city/role" separated by single spaces, as the clerks'
 * rows keep them. store_offices_text writes them into out (size bytes;
 * -1 when they do not fit or a part is empty or holds a space or '/');
 * store_offices_parse reads text into an array in arena a (-1 when
 * malformed or more than STORE_MAX_OFFICES). */
int store_offices_text(const struct store_office *o, size_t n, char *out,
		       size_t size);
int store_offices_parse(struct arena *a, const char *text,
			struct store_office **out, size_t *n);

/* The clerk statuses, in the order a case moves: "neu" (no clerk has set
 * one), then what store_set_status accepts. NULL-terminated. */
extern const char *const store_statuses[];
/* Whether a clerk may set status (every one of store_statuses but "neu"). */
bool store_status_settable(const char *status);

struct store_clerk {
	const char *username;
	const char *pwhash;         /* crypto_pwhash_str's "$argon2id$..." */
	struct store_office *offices;
	size_t n_offices;
	bool disabled;
	long long created_unix;
};
/* A new clerk (enabled). username and offices are the caller's to check
 * (relayctl checks them against the catalogue); 1 <= n <= STORE_MAX_OFFICES.
 * 0 ok, 1 the username exists, -1 error. */
int store_clerk_add(struct store *s, const char *username, const char *pwhash,
		    const struct store_office *offices, size_t n, long long now);
/* A new password hash; the clerk's sessions end (a changed password logs
 * out everywhere). 0 ok, 1 no such clerk, -1 error. */
int store_clerk_passwd(struct store *s, const char *username, const char *pwhash);
/* Disables the clerk for good and ends the clerk's sessions. 0 ok, 1 no
 * such clerk, -1 error. */
int store_clerk_disable(struct store *s, const char *username);
/* One clerk into arena a. 0 found, 1 none, -1 error. */
int store_clerk_get(struct store *s, struct arena *a, const char *username,
		    struct store_clerk *out);
/* Every clerk by username (pwhash included: callers never print it). */
int store_clerks(struct store *s, struct arena *a, struct store_clerk **out,
		 size_t *n);

/* Sessions. A session is known by the SHA-256 of its token (the cookie's
 * value); the token is never stored, so a copy of the database logs nobody
 * in. STORE_SESSION_HASH_LEN bytes. */
#define STORE_SESSION_HASH_LEN 32
struct store_session {
	struct store_clerk clerk;
	const char *csrf;           /* the session's CSRF token */
	long long created_unix, seen_unix;
};
/* Stores a new session of an enabled clerk, ending at the latest at
 * expires (the absolute lifetime). 0 ok, 1 no such clerk or disabled, -1
 * error. */
int store_session_new(struct store *s, const unsigned char *hash,
		      const char *username, const char *csrf, long long now,
		      long long expires);
/* The session of hash at now, with its clerk, when it is valid: seen less
 * than idle seconds ago, created less than lifetime seconds ago, its clerk
 * enabled. A valid session seen a minute or more ago is marked seen now
 * (so idle is counted to the minute, without a write on every request).
 * 0 valid, 1 unknown or no longer valid, -1 error. */
int store_session_get(struct store *s, struct arena *a, const unsigned char *hash,
		      long long now, long long idle, long long lifetime,
		      struct store_session *out);
/* Ends a session (logout, or the one replaced at login). Unknown: 0. */
int store_session_end(struct store *s, const unsigned char *hash);

/* One line of the inbox list. */
struct store_inbox_row {
	long long id;
	const char *reference, *city, *city_name, *service, *service_title;
	const char *office, *office_name, *status;
	long long received_unix;
};
struct store_inbox_query {
	const struct store_office *offices;     /* the clerk's: 1 to STORE_MAX_OFFICES */
	size_t n_offices;
	const char *status;         /* one of store_statuses, or NULL: any */
	const char *service;        /* a service slug, or NULL: any */
	long long from_unix, until_unix;    /* received in [from, until); 0 open */
	long long offset;           /* rows to skip */
	size_t limit;               /* 1 to 200 */
	long long count_limit;      /* count no further than this (0: all) */
};
/* The submissions of the offices matching q, newest first (received,
 * then id), rows offset .. offset + limit - 1 into arena a; *total is how
 * many match in all, or count_limit + 1 when more than count_limit do
 * (counting 100,000 index entries costs more than the page itself). 0 ok,
 * -1 error. */
int store_inbox_list(struct store *s, struct arena *a,
		     const struct store_inbox_query *q, struct store_inbox_row **rows,
		     size_t *n, long long *total);
/* Submission id when it belongs to one of the offices, with its clerk
 * status. An id of another office is "none", exactly like an unknown id.
 * 0 found, 1 none, -1 error. */
int store_inbox_load(struct store *s, struct arena *a, long long id,
		     const struct store_office *offices, size_t n_offices,
		     bool with_files, struct submission **sub, const char **status);
/* A clerk's status change: a 'status' event (detail status, actor the
 * clerk, at now) and submissions.status, in one transaction. status must be
 * settable (store_status_settable), actor non-empty. 0 ok, 1 no such
 * submission, -1 error. */
int store_set_status(struct store *s, long long id, const char *status,
		     const char *actor, long long now);
/* The office role of city x service in the current catalogue, "" when it
 * names none, NULL when the catalogue no longer has the pair. */
typedef const char *(*store_office_fn)(void *ctx, const char *city,
				       const char *service);
/* Fills submissions.office of rows from before schema version 4 (office
 * NULL), by their city and service through fn, in one transaction; a pair
 * the catalogue no longer has gets "" (no clerk sees such a row; relayctl
 * still does). *filled = rows changed. 0 ok, -1 error. */
int store_fill_offices(struct store *s, store_office_fn fn, void *ctx,
		       long long *filled);

/* ---- the Postfach by e-mail link (schema version 5) ----
 * A citizen asks for a link to all applications of an address. A request
 * is a postfach_links row: the SHA-256 of a 144-bit token (token.h), the
 * address, and the plain token only until the worker has mailed it (then
 * ""). Using the link once opens a postfach session (postfach_sessions,
 * known by the SHA-256 of its cookie, like the clerks' sessions). Every
 * address here is the caller's lower-cased ASCII (the list compares it
 * with lower(applicant_email), which the index submissions_email holds). */
#define STORE_POSTFACH_WINDOW 3600  /* the per-address limit counts this long */

/* Stores a request: a link row due for mailing at now, valid until
 * expires; unless the address already made max requests in the last
 * STORE_POSTFACH_WINDOW seconds (then nothing is stored). Counted and
 * stored in one transaction, serialised per address, so the limit holds
 * across several relayd on one PostgreSQL. Every request is stored
 * whether the address has applications or not (the worker mails only
 * those that have: the HTTP side does the same work for both). 0 stored,
 * 1 over the limit, -1 error. */
int store_postfach_request(struct store *s, const char *email,
			   const unsigned char *hash, const char *token,
			   long long now, long long expires, int max);

/* A link due for mailing, as the worker claims it. */
struct store_postfach_job {
	long long id;
	const char *email, *token;  /* in the caller's arena */
	long long created_unix, expires_unix;
	int attempts;               /* including this claim */
	bool has_applications;      /* whether any submission has the address */
};
/* Claims the oldest due link (not delivered, not failed, next_attempt <=
 * now): attempts + 1, next_attempt = now + lease (a crash retries it
 * after the lease, like the outbox). 0 claimed, 1 none due, -1 error. */
int store_postfach_claim(struct store *s, struct arena *a, long long now,
			 long long lease, struct store_postfach_job *job);
/* The outcome of a claimed link's mail. sent: delivered_unix = now, the
 * plain token cleared. retry: next_attempt = at, last_error. failed (or
 * dropped: no applications, expired before it could be sent):
 * failed_unix = now, last_error, token cleared; the link never works. */
int store_postfach_sent(struct store *s, long long id, long long now);
int store_postfach_retry(struct store *s, long long id, long long at,
			 const char *error);
int store_postfach_failed(struct store *s, long long id, long long now,
			  const char *error);

/* Uses the link of hash at now, atomically: only when it is unused,
 * unexpired and not failed is it marked used and a postfach session
 * (session_hash, ending at session_expires) made for its address, in one
 * transaction; of two clicks only one wins. *email gets the address.
 * 0 used (session made), 1 the link exists but is used, expired or was
 * never sent, 2 no such link, -1 error. */
int store_postfach_use(struct store *s, struct arena *a,
		       const unsigned char *hash, long long now,
		       const unsigned char *session_hash,
		       long long session_expires, const char **email);
/* The address of a valid (unexpired) postfach session, and when it ends
 * (expires may be NULL). 0 valid, 1 none, -1 error. */
int store_postfach_session(struct store *s, struct arena *a,
			   const unsigned char *hash, long long now,
			   const char **email, long long *expires);
/* Ends a postfach session (logout). Unknown: 0. */
int store_postfach_session_end(struct store *s, const unsigned char *hash);

/* One application of an address, for the Postfach's list. */
struct store_postfach_row {
	const char *token, *reference, *city, *city_name, *service,
		   *service_title, *status;    /* status: the clerk's, "neu" */
	long long received_unix;
	long long office_delivered;  /* the office mail's time; 0 not yet */
	long long office_failed;     /* 0 not failed */
};
/* The submissions whose applicant_email is email (case-insensitive),
 * newest first (received, then id), at most max, into arena a. 0 ok, -1. */
int store_postfach_list(struct store *s, struct arena *a, const char *email,
			size_t max, struct store_postfach_row **rows, size_t *n);
/* The same for the submissions sent under a citizen's login (schema
 * version 6): submissions.subject equal to subject ("issuer|sub", not
 * empty), newest first, at most max. 0 ok, -1. */
int store_postfach_list_by_subject(struct store *s, struct arena *a,
				   const char *subject, size_t max,
				   struct store_postfach_row **rows, size_t *n);
/* Deletes the postfach sessions expired at now and the links that have
 * expired and left the per-address window (so the limit still counts
 * them while it must). Called by store_purge after its own transaction.
 * *removed = rows deleted. 0 ok, -1 error. */
int store_postfach_purge(struct store *s, long long now, long long *removed);

/* ---- messages between citizen and office (schema version 5) ----
 * A thread per submission: the citizen writes on the application page, a
 * clerk of its office in the inbox, either a plain message or a
 * "Rückfrage" (the office asks the citizen for something). */
#define STORE_MESSAGE_MAX 5000  /* characters (code points) of a body */
struct store_message {
	long long id, at_unix;
	const char *author;         /* "citizen" or "clerk" */
	const char *actor;          /* the clerk's username; "" for the citizen */
	const char *kind;           /* "message" or "rueckfrage" (a clerk's only) */
	const char *body;           /* UTF-8, 1 to STORE_MESSAGE_MAX characters */
};
/* Adds m (its id ignored) to submission_id's thread at m->at_unix, in ONE
 * transaction with: an event (kind 'message', detail the author, actor the
 * clerk; or kind 'rueckfrage', actor the clerk) and the outbox job telling
 * the other side, due at once, ref_id the message's id: 'notice_office' for
 * a citizen's message, 'notice_citizen' for a clerk's when the submission
 * has an applicant_email (none when it has not). Committed when it returns
 * 0 (*id the new message's). A malformed m (author, kind, actor, an empty,
 * too long or invalid UTF-8 body) is refused with -1 before any write.
 * 0 ok, 1 no such submission, -1 error. */
int store_message_add(struct store *s, long long submission_id,
		      const struct store_message *m, long long *id);
/* The thread of submission_id, oldest first, only messages with an id
 * greater than after_id (0: all), at most STORE_MESSAGES_MAX of them, into
 * arena a. 0 ok, -1 error (*n 0). */
#define STORE_MESSAGES_MAX 1000
int store_messages(struct store *s, struct arena *a, long long submission_id,
		   long long after_id, struct store_message **out, size_t *n);
/* ---- online payment (schema version 7, issue 12) ----
 * One row per attempt to pay a submission's fee. The amount is relayd's,
 * computed from the stored answers (model/fee.h); the reference (24
 * random base64url characters, as secret as a token: the citizen's
 * return from the provider names it) is what the provider gets and sends
 * back. state: "ausstehend" until the provider's signed notice makes it
 * "bezahlt" or "abgebrochen"; nothing else changes it. */
#define STORE_PAY_REF_LEN 24
#define STORE_PAY_TXN_MAX 128
struct store_payment {
	long long id, submission_id, amount_cents;
	long long created_unix, updated_unix;
	char reference[STORE_PAY_REF_LEN + 1];
	char currency[4];               /* "EUR" */
	char state[16];                 /* ausstehend | bezahlt | abgebrochen */
	char deliver[16];               /* after_payment | immediately */
	char provider_txn[STORE_PAY_TXN_MAX];
};

/* A new pending payment of submission_id (a fresh reference) and its
 * 'payment' event, in one transaction. deliver: "after_payment" or
 * "immediately". 0 ok (*out filled), 1 no such submission, -1 error. */
int store_payment_new(struct store *s, long long submission_id, long long amount_cents,
		      const char *deliver, long long now, struct store_payment *out);
/* The payment of this reference (reference non-NULL), else the newest of
 * submission_id. 0 found, 1 none, -1 error. */
int store_payment_get(struct store *s, const char *reference, long long submission_id,
		      struct store_payment *out);
/* The provider's checked notice: a pending payment becomes "bezahlt"
 * (paid) or "abgebrochen", with the provider's transaction id, a
 * 'payment' event and, when paid and held (after_payment), the office job
 * due now: ONE transaction, so a crash leaves either nothing or all of it
 * and the provider's retry finds it so. A payment that is no longer
 * pending is left as it is (*changed false): the same notice twice
 * changes nothing. 0 ok, 1 no such reference, -1 error. */
int store_payment_settle(struct store *s, const char *reference, bool paid,
			 const char *provider_txn, long long now, bool *changed);
/* ---- citizens' logins (schema version 8, issue 12) ----
 * What relayd keeps of an OpenID Connect login between its two legs (a
 * pending login: found by the SHA-256 of its state; the nonce, the PKCE
 * verifier and where to return) and after it (a citizen session: found by
 * the SHA-256 of its cookie; the subject "issuer|sub", the level and the
 * verified claims as JSON). In the database, so every relayd on one
 * PostgreSQL knows them and a restart logs no one out. Tokens themselves
 * are never stored. */
#define STORE_LOGIN_HASH_LEN 32
struct store_login_pending {
	const char *nonce, *verifier, *return_path;
	long long expires_unix;
};
/* Stores a pending login under hash, unless max live ones exist already
 * (expired ones are removed first). 0 stored, 1 full, -1 error. */
int store_login_pending_put(struct store *s, const unsigned char *hash,
			    const struct store_login_pending *p, long long now,
			    long long max);
/* Takes the pending login of hash in one statement: it is removed whether
 * live or not (single use; of two returns with one state only one finds
 * it). 0 live (strings in a), 1 none or expired, -1 error. */
int store_login_pending_take(struct store *s, struct arena *a, const unsigned char *hash,
			     long long now, struct store_login_pending *out);

struct store_citizen_session {
	const char *subject, *claims;
	unsigned level;
	long long login_unix;
};
/* A new session logged in at cs->login_unix, live until idle seconds
 * without use or lifetime seconds after the login; dead ones are removed
 * first. 0 stored, 1 max live sessions exist already, -1 error. */
int store_citizen_session_open(struct store *s, const unsigned char *hash,
			       const struct store_citizen_session *cs, long long idle,
			       long long lifetime, long long max);
/* The live session of hash at now into out (strings in a); its idle time
 * starts again (written at most every STORE_SESSION_TOUCH seconds). 0, 1
 * none (or dead), -1 error. */
int store_citizen_session_get(struct store *s, struct arena *a, const unsigned char *hash,
			      long long now, long long idle, long long lifetime,
			      struct store_citizen_session *out);
/* Ends the session of hash (the citizen logged out). 0 (also when there
 * was none), -1 error. */
int store_citizen_session_end(struct store *s, const unsigned char *hash);
#endif
