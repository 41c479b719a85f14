/* sqlite.c - the SQLite backend: open, migrate, close, the helpers of its
 * files, and its ops table. See store.h and backend.h. */
#include "sqlite_int.h"
#include "token.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

/* Every column of submissions at version 9, for its rebuild */
#define SUBMISSION_COLUMNS "id, reference, token, city, service, city_name," \
	" service_title, recipient, office_name, applicant_email, received_at," \
	" received_unix, fields, token_hash, office, status, subject, identity"

/* Every column of outbox and of payments at version 10, for their rebuild */
#define OUTBOX_COLUMNS "id, submission_id, kind, ref_id, attempts, next_attempt," \
	" created_unix, delivered_unix, failed_unix, last_error, claimed_by"
#define PAYMENT_COLUMNS "id, submission_id, reference, amount_cents, currency," \
	" state, deliver, provider_txn, created_unix, updated_unix"

/* The migrations, by the numbers of backend.h (STORE_SCHEMA_VERSION):
 * migration[v] takes a database of user_version v-1 to v. */
static const char *const migration[STORE_SCHEMA_VERSION + 1] = {
	[1] =	"CREATE TABLE submissions("
	" id INTEGER PRIMARY KEY,"
	" reference TEXT NOT NULL UNIQUE,"
	" token TEXT NOT NULL UNIQUE,"
	" city TEXT NOT NULL, service TEXT NOT NULL,"
	" city_name TEXT NOT NULL, service_title TEXT NOT NULL,"
	" recipient TEXT NOT NULL, office_name TEXT NOT NULL,"
	" applicant_email TEXT NOT NULL DEFAULT '',"
	" received_at TEXT NOT NULL, received_unix INTEGER NOT NULL,"
	" fields TEXT NOT NULL);"
	"CREATE INDEX submissions_city ON submissions(city, received_unix);"
	"CREATE INDEX submissions_time ON submissions(received_unix);"
	"CREATE TABLE attachments("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL REFERENCES submissions(id),"
	" seq INTEGER NOT NULL, field TEXT NOT NULL, label TEXT NOT NULL,"
	" filename TEXT NOT NULL, mime TEXT NOT NULL, data BLOB NOT NULL);"
	"CREATE INDEX attachments_sub ON attachments(submission_id, seq);"
	"CREATE TABLE outbox("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL REFERENCES submissions(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('office','receipt')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER NOT NULL,"
	" created_unix INTEGER NOT NULL,"
	" delivered_unix INTEGER, failed_unix INTEGER,"
	" last_error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX outbox_due ON outbox(next_attempt)"
	" WHERE delivered_unix IS NULL AND failed_unix IS NULL;"
	"CREATE INDEX outbox_sub ON outbox(submission_id);"
	"CREATE TABLE events("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL, job_id INTEGER,"
	" at_unix INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX events_sub ON events(submission_id);",
	[2] = "ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT ''",
	/* relay_token_hash() is token.h's SHA-256, registered on the writer */
	[3] = "ALTER TABLE submissions ADD COLUMN token_hash BLOB;"
	"UPDATE submissions SET token_hash = relay_token_hash(token);"
	"CREATE UNIQUE INDEX submissions_token_hash ON submissions(token_hash);",
	/* office NULL: a row from before, filled by store_fill_offices;
	 * status: no clerk status existed before, so "neu" is right */
	[4] = "ALTER TABLE submissions ADD COLUMN office TEXT;"
	"ALTER TABLE submissions ADD COLUMN status TEXT NOT NULL DEFAULT 'neu';"
	"ALTER TABLE events ADD COLUMN actor TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX submissions_office ON submissions(city, office, received_unix, id);"
	"CREATE INDEX submissions_office_status ON submissions(city, office, status,"
	" received_unix, id);"
	"CREATE TABLE clerks("
	" username TEXT PRIMARY KEY, pwhash TEXT NOT NULL, offices TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0, created_unix INTEGER NOT NULL);"
	"CREATE TABLE sessions("
	" id_hash BLOB PRIMARY KEY,"
	" username TEXT NOT NULL REFERENCES clerks(username),"
	" csrf TEXT NOT NULL, created_unix INTEGER NOT NULL,"
	" seen_unix INTEGER NOT NULL, expires_unix INTEGER NOT NULL);"
	"CREATE INDEX sessions_user ON sessions(username);"
	"CREATE INDEX sessions_expires ON sessions(expires_unix);",
	/* the Postfach (issue 11). SQLite cannot widen a CHECK, so the outbox
	 * is rebuilt: new kinds, and ref_id (what a job is about: a message's
	 * id, a later document's attachments.id; 0 for office/receipt). */
	[5] = "CREATE TABLE outbox5("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL REFERENCES submissions(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('office','receipt','notice_office',"
	"'notice_citizen','document')),"
	" ref_id INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER NOT NULL,"
	" created_unix INTEGER NOT NULL,"
	" delivered_unix INTEGER, failed_unix INTEGER,"
	" last_error TEXT NOT NULL DEFAULT '',"
	" claimed_by TEXT NOT NULL DEFAULT '');"
	"INSERT INTO outbox5(id, submission_id, kind, attempts, next_attempt,"
	" created_unix, delivered_unix, failed_unix, last_error, claimed_by)"
	" SELECT id, submission_id, kind, attempts, next_attempt, created_unix,"
	" delivered_unix, failed_unix, last_error, claimed_by FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox5 RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox(next_attempt)"
	" WHERE delivered_unix IS NULL AND failed_unix IS NULL;"
	"CREATE INDEX outbox_sub ON outbox(submission_id);"
	"CREATE TABLE messages("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL REFERENCES submissions(id),"
	" at_unix INTEGER NOT NULL,"
	" author TEXT NOT NULL CHECK (author IN ('citizen','clerk')),"
	" actor TEXT NOT NULL DEFAULT '',"
	" kind TEXT NOT NULL DEFAULT 'message' CHECK (kind IN ('message','rueckfrage')),"
	" body TEXT NOT NULL);"
	"CREATE INDEX messages_sub ON messages(submission_id, id);"
	"ALTER TABLE attachments ADD COLUMN added_unix INTEGER;"
	"CREATE INDEX submissions_email ON submissions(lower(applicant_email), received_unix);"
	"CREATE TABLE postfach_links("
	" id INTEGER PRIMARY KEY,"
	" token_hash BLOB NOT NULL UNIQUE,"
	" email TEXT NOT NULL,"
	" token TEXT NOT NULL DEFAULT '',"
	" created_unix INTEGER NOT NULL, expires_unix INTEGER NOT NULL,"
	" used_unix INTEGER,"
	" attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,"
	" delivered_unix INTEGER, failed_unix INTEGER,"
	" last_error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX postfach_links_email ON postfach_links(email, created_unix);"
	"CREATE INDEX postfach_links_due ON postfach_links(next_attempt)"
	" WHERE delivered_unix IS NULL AND failed_unix IS NULL;"
	"CREATE TABLE postfach_sessions("
	" id_hash BLOB PRIMARY KEY, email TEXT NOT NULL,"
	" created_unix INTEGER NOT NULL, expires_unix INTEGER NOT NULL);"
	"CREATE INDEX postfach_sessions_expires ON postfach_sessions(expires_unix);",
	/* identification (issue 12): the login a submission was sent
	 * under, "issuer|sub", and what was verified (JSON, store.h) */
	[6] = "ALTER TABLE submissions ADD COLUMN subject TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE submissions ADD COLUMN identity TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX submissions_subject ON submissions(subject, received_unix)"
	" WHERE subject <> '';",
	/* online payment (issue 12): one row per payment attempt of a
	 * submission. reference is what the provider gets and sends back;
	 * amount_cents is computed from the stored answers (fee.h), never from
	 * the browser. deliver: after_payment holds the office mail until the
	 * payment is confirmed (the office job is inserted then); immediately
	 * mails at once with the payment state. */
	[7] = "CREATE TABLE payments("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL REFERENCES submissions(id),"
	" reference TEXT NOT NULL UNIQUE,"
	" amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),"
	" currency TEXT NOT NULL DEFAULT 'EUR' CHECK (currency = 'EUR'),"
	" state TEXT NOT NULL DEFAULT 'ausstehend' CHECK (state IN"
	" ('ausstehend','bezahlt','abgebrochen')),"
	" deliver TEXT NOT NULL DEFAULT 'after_payment' CHECK (deliver IN"
	" ('after_payment','immediately')),"
	" provider_txn TEXT NOT NULL DEFAULT '',"
	" created_unix INTEGER NOT NULL, updated_unix INTEGER NOT NULL);"
	"CREATE INDEX payments_sub ON payments(submission_id, id);",
	/* citizens' logins (issue 12): a login between its two legs and the
	 * session after it, by the SHA-256 of state and cookie; expires_unix
	 * is when each stops working (a session's moves with its use) */
	[8] = "CREATE TABLE login_pending("
	" state_hash BLOB PRIMARY KEY,"
	" nonce TEXT NOT NULL, verifier TEXT NOT NULL, return_path TEXT NOT NULL,"
	" expires_unix INTEGER NOT NULL);"
	"CREATE INDEX login_pending_expires ON login_pending(expires_unix);"
	"CREATE TABLE citizen_sessions("
	" id_hash BLOB PRIMARY KEY,"
	" subject TEXT NOT NULL, claims TEXT NOT NULL, level INTEGER NOT NULL,"
	" login_unix INTEGER NOT NULL, seen_unix INTEGER NOT NULL, expires_unix INTEGER NOT NULL);"
	"CREATE INDEX citizen_sessions_expires ON citizen_sessions(expires_unix);",
	/* performance (issue 13, point 6): the private link's token lost its
	 * UNIQUE index. token_hash's unique index already keeps tokens apart,
	 * and every post paid for a second random-keyed b-tree: one more page
	 * written to the WAL and checkpointed per submission, ~12 % of the
	 * writer's time. SQLite drops a column constraint only by rebuilding
	 * the table (the 12 steps of its ALTER TABLE documentation; migrate()
	 * runs before foreign keys are switched on, so the DROP is allowed). */
	[9] = "CREATE TABLE submissions9("
	" id INTEGER PRIMARY KEY,"
	" reference TEXT NOT NULL UNIQUE,"
	" token TEXT NOT NULL,"
	" city TEXT NOT NULL, service TEXT NOT NULL,"
	" city_name TEXT NOT NULL, service_title TEXT NOT NULL,"
	" recipient TEXT NOT NULL, office_name TEXT NOT NULL,"
	" applicant_email TEXT NOT NULL DEFAULT '',"
	" received_at TEXT NOT NULL, received_unix INTEGER NOT NULL,"
	" fields TEXT NOT NULL,"
	" token_hash BLOB,"
	" office TEXT,"
	" status TEXT NOT NULL DEFAULT 'neu',"
	" subject TEXT NOT NULL DEFAULT '',"
	" identity TEXT NOT NULL DEFAULT '');"
	"INSERT INTO submissions9(" SUBMISSION_COLUMNS ")"
	" SELECT " SUBMISSION_COLUMNS " FROM submissions;"
	"DROP TABLE submissions;"
	"ALTER TABLE submissions9 RENAME TO submissions;"
	"CREATE INDEX submissions_city ON submissions(city, received_unix);"
	"CREATE INDEX submissions_time ON submissions(received_unix);"
	"CREATE UNIQUE INDEX submissions_token_hash ON submissions(token_hash);"
	"CREATE INDEX submissions_office ON submissions(city, office, received_unix, id);"
	"CREATE INDEX submissions_office_status ON submissions(city, office, status,"
	" received_unix, id);"
	"CREATE INDEX submissions_email ON submissions(lower(applicant_email), received_unix);"
	"CREATE INDEX submissions_subject ON submissions(subject, received_unix)"
	" WHERE subject <> '';",
	/* performance (issue 13, point 6): references numbered in order
	 * (store.c), from one counter that a batch reads and writes once.
	 * The references stored before keep their random symbols. */
	[10] = "CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO counters(name, value) VALUES('reference', 0);",
	/* performance (issue 13, point 6): a CHECK of the form x IN (a list
	 * of more than two constants) makes SQLite (3.40) build and drop an
	 * ephemeral b-tree of the list on every execution of an INSERT or
	 * UPDATE; the outbox's five kinds cost ~14 % of the writer's cpu per
	 * submission. The same test written as x = a OR x = b ... compiles
	 * to comparisons. The outbox and payments are rebuilt (SQLite cannot
	 * change a CHECK otherwise) with the rows and ids they have. */
	[11] = "CREATE TABLE outbox11("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL REFERENCES submissions(id),"
	" kind TEXT NOT NULL CHECK (kind = 'office' OR kind = 'receipt' OR"
	" kind = 'notice_office' OR kind = 'notice_citizen' OR kind = 'document'),"
	" ref_id INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER NOT NULL,"
	" created_unix INTEGER NOT NULL,"
	" delivered_unix INTEGER, failed_unix INTEGER,"
	" last_error TEXT NOT NULL DEFAULT '',"
	" claimed_by TEXT NOT NULL DEFAULT '');"
	"INSERT INTO outbox11(" OUTBOX_COLUMNS ") SELECT " OUTBOX_COLUMNS " FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox11 RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox(next_attempt)"
	" WHERE delivered_unix IS NULL AND failed_unix IS NULL;"
	"CREATE INDEX outbox_sub ON outbox(submission_id);"
	"CREATE TABLE payments11("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL REFERENCES submissions(id),"
	" reference TEXT NOT NULL UNIQUE,"
	" amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),"
	" currency TEXT NOT NULL DEFAULT 'EUR' CHECK (currency = 'EUR'),"
	" state TEXT NOT NULL DEFAULT 'ausstehend' CHECK (state = 'ausstehend' OR"
	" state = 'bezahlt' OR state = 'abgebrochen'),"
	" deliver TEXT NOT NULL DEFAULT 'after_payment' CHECK (deliver = 'after_payment'"
	" OR deliver = 'immediately'),"
	" provider_txn TEXT NOT NULL DEFAULT '',"
	" created_unix INTEGER NOT NULL, updated_unix INTEGER NOT NULL);"
	"INSERT INTO payments11(" PAYMENT_COLUMNS ") SELECT " PAYMENT_COLUMNS " FROM payments;"
	"DROP TABLE payments;"
	"ALTER TABLE payments11 RENAME TO payments;"
	"CREATE INDEX payments_sub ON payments(submission_id, id);"
	/* and an index no query uses since version 4: every list of the
	 * inbox goes by (city, office, ...), relayctl's by the time */
	"DROP INDEX submissions_city;",
};

static void sql_token_hash(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *t = sqlite3_value_text(argv[0]);
	if (!t) {
		sqlite3_result_null(cx);
		return;
	}
	unsigned char h[TOKEN_HASH_LEN];
	token_hash_n(t, (size_t)sqlite3_value_bytes(argv[0]), h);
	sqlite3_result_blob(cx, h, sizeof h, SQLITE_TRANSIENT);
}

void sq_fail(struct sq_store *s, const char *what)
{
	snprintf(s->base.err, sizeof s->base.err, "%s: %s", what, sqlite3_errmsg(s->db));
}

int sq_exec(struct sq_store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(s->base.err, sizeof s->base.err, "%s", msg ? msg : "sqlite error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *sq_prep(struct sq_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(s, "prepare");
		return NULL;
	}
	return st;
}

sqlite3_stmt *sq_cached(struct sq_store *s, sqlite3_stmt **slot,
			const char *sql)
{
	if (!*slot && sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
					 slot, NULL) != SQLITE_OK) {
		sq_fail(s, "prepare");
		*slot = NULL;
	}
	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
	}
	return *slot;
}

static int pragma_int(struct sq_store *s, const char *sql, long long *out)
{
	sqlite3_stmt *st = sq_prep(s, sql);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		sq_fail(s, sql);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Brings the schema to STORE_SCHEMA_VERSION in one transaction (the
 * version check inside it: a second process cannot migrate in between). */
static int migrate(struct sq_store *s)
{
	long long v = 0;
	if (sq_tx_begin(s) < 0)
		return -1;
	bool ok = pragma_int(s, "PRAGMA user_version", &v) == 0;
	if (ok && v > STORE_SCHEMA_VERSION) {
		snprintf(s->base.err, sizeof s->base.err, "database schema version "
			 "%lld is newer than this relayd (%d)", v, STORE_SCHEMA_VERSION);
		ok = false;
	}
	for (long long k = v + 1; ok && k <= STORE_SCHEMA_VERSION; k++)
		ok = sq_exec(s, migration[k]) == 0;
	char set[40];
	snprintf(set, sizeof set, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	ok = ok && (v == STORE_SCHEMA_VERSION || sq_exec(s, set) == 0);
	s->version = STORE_SCHEMA_VERSION;
	return sq_tx_end(s, ok);
}

static void sq_close(struct store *base)
{
	struct sq_store *s = sq(base);
	sqlite3_finalize(s->ins_sub);
	sqlite3_finalize(s->ins_att);
	sqlite3_finalize(s->ins_job);
	sqlite3_finalize(s->ins_counter_get);
	sqlite3_finalize(s->ins_counter_set);
	sqlite3_finalize(s->ins_event);
	sqlite3_finalize(s->ins_pay);
	if (s->db)
		sqlite3_close(s->db);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* Foreign keys are checked from here on. Not during migrate(): a
 * migration that rebuilds a parent table (9) must drop the old one while
 * its children still point at the name. */
static int foreign_keys_on(struct sq_store *s)
{
	long long on = 0;
	if (sq_exec(s, "PRAGMA foreign_keys=ON") < 0 ||
	    pragma_int(s, "PRAGMA foreign_keys", &on) < 0 || on != 1) {
		snprintf(s->base.err, sizeof s->base.err, "cannot switch foreign keys on");
		return -1;
	}
	return 0;
}

/* The writer's connection: WAL, synchronous=FULL, schema migrated. */
static int open_writer(struct sq_store *s, const char *path, char *err,
		       size_t errlen)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, sq_walbuf_vfs()) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "cannot open");
		return -1;
	}
	long long ok;
	char mode[16] = "";
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_stmt *st = sq_prep(s, "PRAGMA journal_mode=WAL");
	if (st && sqlite3_step(st) == SQLITE_ROW)
		snprintf(mode, sizeof mode, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (strcmp(mode, "wal") != 0) {
		snprintf(err, errlen, "%s: cannot enable WAL mode (%s)", path,
			 s->base.err[0] ? s->base.err : mode);
		return -1;
	}
	/* inserts touch the last pages of a few b-trees: 1 MiB of page cache
	 * is plenty and keeps the daemon's RSS small. temp_store=MEMORY keeps
	 * statement journals (of a savepoint, or of a statement that may fail
	 * half-way) in memory: by default one spills to a temporary file
	 * beyond 64 KiB, and a submission's savepoint passed that, which cost
	 * 33 pwrite(2) calls per post (bench/HISTORY.md, issue 13 point 6) */
	if (sq_exec(s, "PRAGMA synchronous=FULL") < 0 ||
	    sq_exec(s, "PRAGMA cache_size=-1024") < 0 ||
	    sq_exec(s, "PRAGMA temp_store=MEMORY") < 0 ||
	    pragma_int(s, "PRAGMA synchronous", &ok) < 0 || ok != 2 ||
	    sqlite3_create_function_v2(s->db, "relay_token_hash", 1,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				       sql_token_hash, NULL, NULL, NULL) != SQLITE_OK ||
	    migrate(s) < 0 || foreign_keys_on(s) < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 s->base.err[0] ? s->base.err : "synchronous=FULL refused");
		return -1;
	}
	return 0;
}

/* A read-only connection: it can neither write nor checkpoint, so it is
 * never a second writer next to relayd. It reads every version from 1 on
 * (relayctl may run before relayd upgraded the file). */
static int open_reader(struct sq_store *s, const char *path, char *err,
		       size_t errlen)
{
	long long v = -1;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
	    pragma_int(s, "PRAGMA user_version", &v) < 0 || v < 1 ||
	    v > STORE_SCHEMA_VERSION) {
		if (v >= 0)
			snprintf(err, errlen, "%s: schema version %lld, this relayctl "
				 "knows 1 to %d", path, v, STORE_SCHEMA_VERSION);
		else
			snprintf(err, errlen, "%s: %s", path,
				 s->db ? sqlite3_errmsg(s->db) : "cannot open");
		return -1;
	}
	s->version = (int)v;
	return 0;
}

static struct store *sq_open(const char *path, bool readonly, char *err,
			     size_t errlen)
{
	struct sq_store *s = xcalloc(1, sizeof *s);
	s->base.ops = &store_sqlite_ops;
	store_instance(s->instance);
	pthread_mutex_init(&s->mu, NULL);
	if ((readonly ? open_reader : open_writer)(s, path, err, errlen) < 0) {
		sq_close(&s->base);
		return NULL;
	}
	return &s->base;
}

static bool sq_exists(const char *path, char *err, size_t errlen)
{
	if (access(path, F_OK) == 0)
		return true;
	snprintf(err, errlen, "database %s: %s", path, strerror(errno));
	return false;
}

int sq_event(struct sq_store *s, long long sub_id, long long job_id,
	     long long at, const char *kind, const char *detail)
{
	static const char sql[] = "INSERT INTO events(submission_id, job_id,"
		" at_unix, kind, detail) VALUES(?,?,?,?,?)";
	sqlite3_stmt *st = sq_cached(s, &s->ins_event, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, sub_id);
	if (job_id > 0)
		sqlite3_bind_int64(st, 2, job_id);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, detail ? detail : "", -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		sq_fail(s, "event");
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* SQLite's page cache grows to cache_size during a burst of large posts;
 * relayd hands the unused part back once the burst is over. */
static void sq_release_memory(struct store *base)
{
	struct sq_store *s = sq(base);
	pthread_mutex_lock(&s->mu);
	sqlite3_db_release_memory(s->db);
	pthread_mutex_unlock(&s->mu);
}

const struct store_ops store_sqlite_ops = {
	.open = sq_open,
	.exists = sq_exists,
	.close = sq_close,
	.insert = sq_insert,
	.claim_due = sq_claim_due,
	.job_delivered = sq_job_delivered,
	.job_retry = sq_job_retry,
	.job_failed = sq_job_failed,
	.resend = sq_resend,
	.next_due = sq_next_due,
	.purge = sq_purge,
	.load = sq_load,
	.each = sq_each,
	.jobs = sq_jobs,
	.events = sq_events,
	.counts = sq_counts,
	.release_memory = sq_release_memory,
	.clerk_add = sq_clerk_add,
	.clerk_change = sq_clerk_change,
	.clerks = sq_clerks,
	.session_new = sq_session_new,
	.session_get = sq_session_get,
	.session_end = sq_session_end,
	.inbox_list = sq_inbox_list,
	.inbox_load = sq_inbox_load,
	.set_status = sq_set_status,
	.fill_offices = sq_fill_offices,
	.documents_add = sq_documents_add,
	.pf_request = sq_pf_request,
	.pf_claim = sq_pf_claim,
	.pf_outcome = sq_pf_outcome,
	.pf_use = sq_pf_use,
	.pf_session = sq_pf_session,
	.pf_session_end = sq_pf_session_end,
	.pf_list = sq_pf_list,
	.pf_list_subject = sq_pf_list_subject,
	.pf_purge = sq_pf_purge,
	.message_add = sq_message_add,
	.messages = sq_messages,
	.payment_new = sq_payment_new,
	.payment_get = sq_payment_get,
	.payment_settle = sq_payment_settle,
	.login_put = sq_login_put,
	.login_take = sq_login_take,
	.citizen_open = sq_citizen_open,
	.citizen_get = sq_citizen_get,
	.citizen_end = sq_citizen_end,
};
