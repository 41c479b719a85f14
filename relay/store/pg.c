/* pg.c - the PostgreSQL backend: the connection pool, the helpers of its
 * files, the schema and its migrations, and its ops table. See store.h,
 * backend.h and pg_int.h. */
#include "pg_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The migrations, by the numbers of backend.h (STORE_SCHEMA_VERSION):
 * migration[v] takes a database of version v-1 to v. The meaning is the
 * SQLite backend's (sqlite.c); the types are PostgreSQL's. */
static const char *const migration[STORE_SCHEMA_VERSION + 1] = {
	[1] = "CREATE TABLE submissions("
	" id BIGSERIAL PRIMARY KEY,"
	" reference TEXT NOT NULL UNIQUE,"
	" token TEXT NOT NULL UNIQUE,"
	" city TEXT NOT NULL, service TEXT NOT NULL,"
	" city_name TEXT NOT NULL, service_title TEXT NOT NULL,"
	" recipient TEXT NOT NULL, office_name TEXT NOT NULL,"
	" applicant_email TEXT NOT NULL DEFAULT '',"
	" received_at TEXT NOT NULL, received_unix BIGINT NOT NULL,"
	" fields TEXT NOT NULL);"
	"CREATE INDEX submissions_city ON submissions(city, received_unix);"
	"CREATE INDEX submissions_time ON submissions(received_unix);"
	"CREATE TABLE attachments("
	" id BIGSERIAL PRIMARY KEY,"
	" submission_id BIGINT NOT NULL REFERENCES submissions(id),"
	" seq INTEGER NOT NULL, field TEXT NOT NULL, label TEXT NOT NULL,"
	" filename TEXT NOT NULL, mime TEXT NOT NULL, data BYTEA NOT NULL);"
	"CREATE INDEX attachments_sub ON attachments(submission_id, seq);"
	"CREATE TABLE outbox("
	" id BIGSERIAL PRIMARY KEY,"
	" submission_id BIGINT NOT NULL REFERENCES submissions(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('office','receipt')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt BIGINT NOT NULL,"
	" created_unix BIGINT NOT NULL,"
	" delivered_unix BIGINT, failed_unix BIGINT,"
	" last_error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX outbox_due ON outbox(next_attempt)"
	" WHERE delivered_unix IS NULL AND failed_unix IS NULL;"
	"CREATE INDEX outbox_sub ON outbox(submission_id);"
	"CREATE TABLE events("
	" id BIGSERIAL PRIMARY KEY,"
	" submission_id BIGINT NOT NULL, job_id BIGINT,"
	" at_unix BIGINT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX events_sub ON events(submission_id);",
	[2] = "ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT ''",
	/* sha256() is PostgreSQL's own (11+): the same bytes as token.h's */
	[3] = "ALTER TABLE submissions ADD COLUMN token_hash BYTEA;"
	"UPDATE submissions SET token_hash = sha256(convert_to(token, 'UTF8'));"
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
	" disabled BOOLEAN NOT NULL DEFAULT false, created_unix BIGINT NOT NULL);"
	"CREATE TABLE sessions("
	" id_hash BYTEA PRIMARY KEY,"
	" username TEXT NOT NULL REFERENCES clerks(username),"
	" csrf TEXT NOT NULL, created_unix BIGINT NOT NULL,"
	" seen_unix BIGINT NOT NULL, expires_unix BIGINT NOT NULL);"
	"CREATE INDEX sessions_user ON sessions(username);"
	"CREATE INDEX sessions_expires ON sessions(expires_unix);",
	/* the Postfach (issue 11): see sqlite.c's [5] */
	[5] = "ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;"
	"ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN"
	" ('office','receipt','notice_office','notice_citizen','document'));"
	"ALTER TABLE outbox ADD COLUMN ref_id BIGINT NOT NULL DEFAULT 0;"
	"CREATE TABLE messages("
	" id BIGSERIAL PRIMARY KEY,"
	" submission_id BIGINT NOT NULL REFERENCES submissions(id),"
	" at_unix BIGINT NOT NULL,"
	" author TEXT NOT NULL CHECK (author IN ('citizen','clerk')),"
	" actor TEXT NOT NULL DEFAULT '',"
	" kind TEXT NOT NULL DEFAULT 'message' CHECK (kind IN ('message','rueckfrage')),"
	" body TEXT NOT NULL);"
	"CREATE INDEX messages_sub ON messages(submission_id, id);"
	"ALTER TABLE attachments ADD COLUMN added_unix BIGINT;"
	"CREATE INDEX submissions_email ON submissions(lower(applicant_email), received_unix);"
	"CREATE TABLE postfach_links("
	" id BIGSERIAL PRIMARY KEY,"
	" token_hash BYTEA NOT NULL UNIQUE,"
	" email TEXT NOT NULL,"
	" token TEXT NOT NULL DEFAULT '',"
	" created_unix BIGINT NOT NULL, expires_unix BIGINT NOT NULL,"
	" used_unix BIGINT,"
	" attempts INTEGER NOT NULL DEFAULT 0, next_attempt BIGINT NOT NULL,"
	" delivered_unix BIGINT, failed_unix BIGINT,"
	" last_error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX postfach_links_email ON postfach_links(email, created_unix);"
	"CREATE INDEX postfach_links_due ON postfach_links(next_attempt)"
	" WHERE delivered_unix IS NULL AND failed_unix IS NULL;"
	"CREATE TABLE postfach_sessions("
	" id_hash BYTEA PRIMARY KEY, email TEXT NOT NULL,"
	" created_unix BIGINT NOT NULL, expires_unix BIGINT NOT NULL);"
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
	" id BIGSERIAL PRIMARY KEY,"
	" submission_id BIGINT NOT NULL REFERENCES submissions(id),"
	" reference TEXT NOT NULL UNIQUE,"
	" amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),"
	" currency TEXT NOT NULL DEFAULT 'EUR' CHECK (currency = 'EUR'),"
	" state TEXT NOT NULL DEFAULT 'ausstehend' CHECK (state IN"
	" ('ausstehend','bezahlt','abgebrochen')),"
	" deliver TEXT NOT NULL DEFAULT 'after_payment' CHECK (deliver IN"
	" ('after_payment','immediately')),"
	" provider_txn TEXT NOT NULL DEFAULT '',"
	" created_unix BIGINT NOT NULL, updated_unix BIGINT NOT NULL);"
	"CREATE INDEX payments_sub ON payments(submission_id, id);",
	/* citizens' logins (issue 12): a login between its two legs and the
	 * session after it, by the SHA-256 of state and cookie; expires_unix
	 * is when each stops working (a session's moves with its use) */
	[8] = "CREATE TABLE login_pending("
	" state_hash BYTEA PRIMARY KEY,"
	" nonce TEXT NOT NULL, verifier TEXT NOT NULL, return_path TEXT NOT NULL,"
	" expires_unix BIGINT NOT NULL);"
	"CREATE INDEX login_pending_expires ON login_pending(expires_unix);"
	"CREATE TABLE citizen_sessions("
	" id_hash BYTEA PRIMARY KEY,"
	" subject TEXT NOT NULL, claims TEXT NOT NULL, level INTEGER NOT NULL,"
	" login_unix BIGINT NOT NULL, seen_unix BIGINT NOT NULL, expires_unix BIGINT NOT NULL);"
	"CREATE INDEX citizen_sessions_expires ON citizen_sessions(expires_unix);",
	/* performance (issue 13, point 6): the token's own unique index goes;
	 * token_hash's unique index keeps tokens apart (see sqlite.c) */
	[9] = "ALTER TABLE submissions DROP CONSTRAINT IF EXISTS submissions_token_key;",
	/* performance (issue 13, point 6): references numbered in order
	 * (store.c); a sequence, so that two relays never wait on each other
	 * for a number (a gap after a rollback does no harm) */
	[10] = "CREATE SEQUENCE reference_number;",
	/* performance (issue 13, point 6): the index submissions_city goes,
	 * no query uses it since version 4 (see sqlite.c, which also rewrote
	 * its CHECKs of a list of kinds: PostgreSQL compares against such a
	 * list without building a table) */
	[11] = "DROP INDEX IF EXISTS submissions_city;",
};

/* ---- parameters, errors, statements ---- */

void pgp_int(struct pgp *p, long long v)
{
	snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", v);
	p->v[p->n] = p->num[p->n];
	p->type[p->n] = 20;         /* int8 */
	p->len[p->n] = p->fmt[p->n] = 0;
	p->n++;
}

void pgp_text(struct pgp *p, const char *v)
{
	p->v[p->n] = v;
	p->type[p->n] = 25;         /* text */
	p->len[p->n] = p->fmt[p->n] = 0;
	p->n++;
}

void pgp_bin(struct pgp *p, const void *data, size_t len)
{
	p->v[p->n] = len ? data : "";
	p->type[p->n] = 17;         /* bytea */
	p->len[p->n] = (int)len;    /* attachments are far below 2 GiB */
	p->fmt[p->n] = 1;
	p->n++;
}

void pg_fail(struct pg_store *s, const char *what, const char *msg)
{
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	pthread_mutex_lock(&s->mu);
	snprintf(s->base.err, sizeof s->base.err, "%s: %.*s", what, (int)n, msg);
	pthread_mutex_unlock(&s->mu);
}

PGresult *pg_q(struct pg_store *s, PGconn *c, const char *what, const char *sql,
	       const struct pgp *p, bool binary)
{
	/* without parameters the simple protocol, which also runs the
	 * several statements of a migration */
	PGresult *r = !p && !binary ? PQexec(c, sql) :
		PQexecParams(c, sql, p ? p->n : 0, p ? p->type : NULL,
			     p ? p->v : NULL, p ? p->len : NULL, p ? p->fmt : NULL,
			     binary);
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	pg_fail(s, what, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
	PQclear(r);
	return NULL;
}

int pg_do(struct pg_store *s, PGconn *c, const char *what, const char *sql,
	  const struct pgp *p)
{
	PGresult *r = pg_q(s, c, what, sql, p, false);
	PQclear(r);
	return r ? 0 : -1;
}

long long pg_ll(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* ---- connections ---- */

/* libpq prints NOTICEs to stderr by default; relayd's log is structured. */
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* A new connection with the session settings the contract needs. */
static PGconn *connect_one(struct pg_store *s)
{
	PGconn *c = PQconnectdb(s->conninfo);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		pg_fail(s, "connect", c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	/* "off" would acknowledge commits before they are on disk; "local",
	 * "remote_write", "remote_apply" and "on" are all durable here */
	PGresult *r = pg_q(s, c, "connect", "SHOW synchronous_commit", NULL, false);
	bool off = r && PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "off");
	bool ok = r && (!off || pg_do(s, c, "connect",
				      "SET synchronous_commit = on", NULL) == 0) &&
		  (!s->readonly || pg_do(s, c, "connect",
					 "SET default_transaction_read_only = on",
					 NULL) == 0);
	PQclear(r);
	if (!ok) {
		PQfinish(c);
		return NULL;
	}
	return c;
}

PGconn *pg_get(struct pg_store *s)
{
	pthread_mutex_lock(&s->mu);
	int i;
	for (;;) {
		for (i = 0; i < PG_POOL && s->busy[i]; i++)
			;
		if (i < PG_POOL)
			break;
		pthread_cond_wait(&s->freed, &s->mu);
	}
	s->busy[i] = true;
	PGconn *c = s->conn[i];
	s->conn[i] = NULL;
	pthread_mutex_unlock(&s->mu);
	/* a connection the server dropped (restart, failover) is made anew */
	if (c && PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		c = NULL;
	}
	if (!c)
		c = connect_one(s);
	pthread_mutex_lock(&s->mu);
	s->conn[i] = c;
	if (!c) {
		s->busy[i] = false;
		pthread_cond_signal(&s->freed);
	}
	pthread_mutex_unlock(&s->mu);
	return c;
}

void pg_put(struct pg_store *s, PGconn *c)
{
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < PG_POOL; i++)
		if (s->busy[i] && s->conn[i] == c) {
			s->busy[i] = false;
			break;
		}
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->mu);
}

PGconn *pg_tx_begin(struct pg_store *s)
{
	PGconn *c = pg_get(s);
	if (c && pg_do(s, c, "begin", "BEGIN", NULL) < 0) {
		pg_put(s, c);
		return NULL;
	}
	return c;
}

int pg_tx_end(struct pg_store *s, PGconn *c, bool ok)
{
	int ret = -1;
	if (ok) {
		PGresult *r = pg_q(s, c, "commit", "COMMIT", NULL, false);
		if (r && !strcmp(PQcmdStatus(r), "COMMIT"))
			ret = 0;
		else if (r)
			pg_fail(s, "commit", "the transaction was rolled back");
		PQclear(r);
	}
	if (ret < 0 && PQtransactionStatus(c) != PQTRANS_IDLE) {
		char keep[sizeof s->base.err];
		pthread_mutex_lock(&s->mu);
		memcpy(keep, s->base.err, sizeof keep);
		pthread_mutex_unlock(&s->mu);
		PQclear(PQexec(c, "ROLLBACK"));
		pthread_mutex_lock(&s->mu);
		memcpy(s->base.err, keep, sizeof keep);
		pthread_mutex_unlock(&s->mu);
	}
	pg_put(s, c);
	return ret;
}

/* ---- schema ---- */

/* The version of the database's schema; 0 when it has none. -1 error. */
static int schema_version(struct pg_store *s, PGconn *c, long long *v)
{
	/* two statements: one naming a missing table fails at planning */
	PGresult *r = pg_q(s, c, "schema version", "SELECT to_regclass("
		"'schema_version') IS NOT NULL", NULL, false);
	if (!r)
		return -1;
	bool there = !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	*v = 0;
	if (!there)
		return 0;
	r = pg_q(s, c, "schema version", "SELECT coalesce(max(version), 0)"
		 " FROM schema_version", NULL, false);
	if (!r)
		return -1;
	*v = pg_ll(r, 0, 0);
	PQclear(r);
	return 0;
}

/* Brings the schema to STORE_SCHEMA_VERSION in one transaction. Two relayd
 * starting at once: the advisory lock lets one migrate, the other then
 * finds the schema current. */
static int migrate(struct pg_store *s, PGconn *c)
{
	long long v = 0;
	if (pg_do(s, c, "migrate", "BEGIN", NULL) < 0)
		return -1;
	bool ok = pg_do(s, c, "migrate", "SELECT pg_advisory_xact_lock(7265766179)",
			NULL) == 0 &&
		  pg_do(s, c, "migrate", "CREATE TABLE IF NOT EXISTS"
			" schema_version(version INTEGER NOT NULL)", NULL) == 0 &&
		  schema_version(s, c, &v) == 0;
	if (ok && v > STORE_SCHEMA_VERSION) {
		char m[128];
		snprintf(m, sizeof m, "database schema version %lld is newer than "
			 "this relayd (%d)", v, STORE_SCHEMA_VERSION);
		pg_fail(s, "migrate", m);
		ok = false;
	}
	for (long long k = v + 1; ok && k <= STORE_SCHEMA_VERSION; k++)
		ok = pg_do(s, c, "migrate", migration[k], NULL) == 0;
	if (ok && v < STORE_SCHEMA_VERSION) {
		struct pgp p = { .n = 0 };
		pgp_int(&p, STORE_SCHEMA_VERSION);
		ok = pg_do(s, c, "migrate", "DELETE FROM schema_version", NULL) == 0 &&
		     pg_do(s, c, "migrate", "INSERT INTO schema_version VALUES($1)",
			   &p) == 0;
	}
	PGresult *r = PQexec(c, ok ? "COMMIT" : "ROLLBACK");
	if (ok && (PQresultStatus(r) != PGRES_COMMAND_OK ||
		   strcmp(PQcmdStatus(r), "COMMIT"))) {
		pg_fail(s, "migrate", PQerrorMessage(c));
		ok = false;
	}
	PQclear(r);
	s->version = STORE_SCHEMA_VERSION;
	return ok ? 0 : -1;
}

/* A reader needs a schema it understands: 1 to the current version
 * (relayctl may read before relayd upgraded). */
static int check_readable(struct pg_store *s, PGconn *c)
{
	long long v = 0;
	if (schema_version(s, c, &v) < 0)
		return -1;
	s->version = (int)v;
	if (v >= 1 && v <= STORE_SCHEMA_VERSION)
		return 0;
	char m[128];
	snprintf(m, sizeof m, v ? "schema version %lld, this relayctl knows 1 to %d"
		 : "no relay schema (%lld): start relayd once to create it",
		 v, STORE_SCHEMA_VERSION);
	pg_fail(s, "open", m);
	return -1;
}

/* ---- open, close ---- */

static void pg_close(struct store *base)
{
	struct pg_store *s = pgs(base);
	for (int i = 0; i < PG_POOL; i++)
		PQfinish(s->conn[i]);
	free(s->conninfo);
	pthread_cond_destroy(&s->freed);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static struct store *pg_open(const char *where, bool readonly, char *err,
			     size_t errlen)
{
	struct pg_store *s = xcalloc(1, sizeof *s);
	s->base.ops = &store_pg_ops;
	s->conninfo = xstrdup(where);
	s->readonly = readonly;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->freed, NULL);
	store_instance(s->instance);
	/* the first connection now: a wrong conninfo fails the start */
	PGconn *c = pg_get(s);
	int rc = c ? (readonly ? check_readable(s, c) : migrate(s, c)) : -1;
	if (c)
		pg_put(s, c);
	if (rc < 0) {
		snprintf(err, errlen, "postgresql: %s", s->base.err);
		pg_close(&s->base);
		return NULL;
	}
	return &s->base;
}

static bool pg_exists(const char *where, char *err, size_t errlen)
{
	struct store *st = pg_open(where, true, err, errlen);
	if (!st)
		return false;
	pg_close(st);
	return true;
}

/* libpq's buffers grow to the largest message a connection carried (a
 * post with attachments: megabytes) and never shrink: when a burst is
 * over, the idle connections are closed, and opened again when needed. */
static void pg_release_memory(struct store *base)
{
	struct pg_store *s = pgs(base);
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < PG_POOL; i++)
		if (!s->busy[i] && s->conn[i]) {
			PQfinish(s->conn[i]);
			s->conn[i] = NULL;
		}
	pthread_mutex_unlock(&s->mu);
}

const struct store_ops store_pg_ops = {
	.open = pg_open,
	.exists = pg_exists,
	.close = pg_close,
	.insert = pg_insert,
	.claim_due = pg_claim_due,
	.job_delivered = pg_job_delivered,
	.job_retry = pg_job_retry,
	.job_failed = pg_job_failed,
	.resend = pg_resend,
	.next_due = pg_next_due,
	.purge = pg_purge,
	.load = pg_load,
	.each = pg_each,
	.jobs = pg_jobs,
	.events = pg_events,
	.counts = pg_counts,
	.release_memory = pg_release_memory,
	.clerk_add = pg_clerk_add,
	.clerk_change = pg_clerk_change,
	.clerks = pg_clerks,
	.session_new = pg_session_new,
	.session_get = pg_session_get,
	.session_end = pg_session_end,
	.inbox_list = pg_inbox_list,
	.inbox_load = pg_inbox_load,
	.set_status = pg_set_status,
	.fill_offices = pg_fill_offices,
	.documents_add = pg_documents_add,
	.pf_request = pg_pf_request,
	.pf_claim = pg_pf_claim,
	.pf_outcome = pg_pf_outcome,
	.pf_use = pg_pf_use,
	.pf_session = pg_pf_session,
	.pf_session_end = pg_pf_session_end,
	.pf_list = pg_pf_list,
	.pf_list_subject = pg_pf_list_subject,
	.pf_purge = pg_pf_purge,
	.message_add = pg_message_add,
	.messages = pg_messages,
	.payment_new = pg_payment_new,
	.payment_get = pg_payment_get,
	.payment_settle = pg_payment_settle,
	.login_put = pg_login_put,
	.login_take = pg_login_take,
	.citizen_open = pg_citizen_open,
	.citizen_get = pg_citizen_get,
	.citizen_end = pg_citizen_end,
};

PGresult *pg_run(struct pg_store *s, const char *what, const char *sql,
		   const struct pgp *p)
{
	PGconn *c = pg_get(s);
	if (!c)
		return NULL;
	PGresult *r = pg_q(s, c, what, sql, p, false);
	pg_put(s, c);
	return r;
}

long long pg_run_count(struct pg_store *s, const char *what, const char *sql,
		       const struct pgp *p)
{
	PGresult *r = pg_run(s, what, sql, p);
	long long n = r && PQntuples(r) == 1 ? pg_ll(r, 0, 0) : -1;
	PQclear(r);
	return n;
}
