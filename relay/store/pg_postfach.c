/* pg_postfach.c - the PostgreSQL backend's part of the Postfach by e-mail
 * link (schema version 5). See store.h. Several relayd may share the
 * database: a request counts and inserts under a transaction-scoped
 * advisory lock of its address (so the per-address limit holds across
 * them), a claim takes its link FOR UPDATE SKIP LOCKED (one mail per
 * link), and using a link is one statement whose UPDATE only one of two
 * concurrent clicks can make (the second waits for the row, then finds it
 * used). */
#include "pg_int.h"
#include <stdio.h>
#include <string.h>
#include "token.h"

/* One statement on a pooled connection; NULL on error. */
int pg_pf_request(struct store *base, const char *email, const unsigned char *hash,
		  const char *token, long long now, long long expires, int max)
{
	struct pg_store *s = pgs(base);
	PGconn *c = pg_tx_begin(s);
	if (!c)
		return -1;
	struct pgp p = { .n = 0 };
	pgp_text(&p, email);
	pgp_int(&p, now - STORE_POSTFACH_WINDOW);
	PGresult *r = pg_q(s, c, "postfach lock", "SELECT pg_advisory_xact_lock("
		"hashtextextended('postfach:' || $1, 0))", &p, false);
	bool ok = r != NULL;
	PQclear(r);
	long long made = 0;
	if (ok) {
		r = pg_q(s, c, "postfach count", "SELECT count(*) FROM postfach_links"
			 " WHERE email = $1 AND created_unix > $2", &p, false);
		ok = r && PQntuples(r) == 1;
		made = ok ? pg_ll(r, 0, 0) : 0;
		PQclear(r);
	}
	bool over = ok && made >= max;
	if (ok && !over) {
		struct pgp q = { .n = 0 };
		pgp_bin(&q, hash, TOKEN_HASH_LEN);
		pgp_text(&q, email);
		pgp_text(&q, token);
		pgp_int(&q, now);
		pgp_int(&q, expires);
		ok = pg_do(s, c, "postfach request", "INSERT INTO postfach_links("
			   "token_hash, email, token, created_unix, expires_unix,"
			   " next_attempt) VALUES($1, $2, $3, $4, $5, $4)", &q) == 0;
	}
	if (pg_tx_end(s, c, ok) < 0)
		return -1;
	return over ? 1 : 0;
}

int pg_pf_claim(struct store *base, struct arena *a, long long now,
		long long lease, struct store_postfach_job *job)
{
	struct pgp p = { .n = 0 };
	pgp_int(&p, now);
	pgp_int(&p, now + lease);
	PGresult *r = pg_run(pgs(base), "postfach claim", "WITH c AS (SELECT id FROM"
		" postfach_links WHERE delivered_unix IS NULL AND failed_unix IS NULL"
		" AND next_attempt <= $1 ORDER BY next_attempt, id LIMIT 1"
		" FOR UPDATE SKIP LOCKED)"
		" UPDATE postfach_links l SET attempts = l.attempts + 1,"
		" next_attempt = $2 FROM c WHERE l.id = c.id"
		" RETURNING l.id, l.email, l.token, l.created_unix, l.expires_unix,"
		" l.attempts, EXISTS (SELECT 1 FROM submissions s"
		" WHERE lower(s.applicant_email) = l.email)", &p);
	if (!r)
		return -1;
	int ret = 1;
	if (PQntuples(r) == 1) {
		job->id = pg_ll(r, 0, 0);
		job->email = pg_col_str(a, r, 0, 1);
		job->token = pg_col_str(a, r, 0, 2);
		job->created_unix = pg_ll(r, 0, 3);
		job->expires_unix = pg_ll(r, 0, 4);
		job->attempts = (int)pg_ll(r, 0, 5);
		job->has_applications = !strcmp(PQgetvalue(r, 0, 6), "t");
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int pg_pf_outcome(struct store *base, long long id, int outcome, long long t,
		  const char *error)
{
	static const char *const sql[] = {
		[STORE_PF_SENT] = "UPDATE postfach_links SET delivered_unix = $2,"
			" token = '' WHERE id = $1",
		[STORE_PF_RETRY] = "UPDATE postfach_links SET next_attempt = $2,"
			" last_error = $3 WHERE id = $1",
		[STORE_PF_FAILED] = "UPDATE postfach_links SET failed_unix = $2,"
			" last_error = $3, token = '' WHERE id = $1",
	};
	if (outcome < STORE_PF_SENT || outcome > STORE_PF_FAILED)
		return -1;
	struct pgp p = { .n = 0 };
	pgp_int(&p, id);
	pgp_int(&p, t);
	if (outcome != STORE_PF_SENT)
		pgp_text(&p, error ? error : "");
	PGresult *r = pg_run(pgs(base), "postfach outcome", sql[outcome], &p);
	PQclear(r);
	return r ? 0 : -1;
}

int pg_pf_use(struct store *base, struct arena *a, const unsigned char *hash,
	      long long now, const unsigned char *session_hash,
	      long long session_expires, const char **email)
{
	struct pgp p = { .n = 0 };
	pgp_bin(&p, hash, TOKEN_HASH_LEN);
	pgp_int(&p, now);
	pgp_bin(&p, session_hash, TOKEN_HASH_LEN);
	pgp_int(&p, session_expires);
	/* the link and its session commit together, or neither */
	PGresult *r = pg_run(pgs(base), "postfach use", "WITH u AS (UPDATE"
		" postfach_links SET used_unix = $2, token = '' WHERE token_hash = $1"
		" AND used_unix IS NULL AND failed_unix IS NULL AND expires_unix > $2"
		" RETURNING email),"
		" i AS (INSERT INTO postfach_sessions(id_hash, email, created_unix,"
		" expires_unix) SELECT $3, email, $2, $4 FROM u RETURNING email)"
		" SELECT (SELECT email FROM i), EXISTS (SELECT 1 FROM postfach_links"
		" WHERE token_hash = $1)", &p);
	if (!r)
		return -1;
	int ret = -1;
	if (PQntuples(r) == 1) {
		if (!PQgetisnull(r, 0, 0)) {
			*email = pg_col_str(a, r, 0, 0);
			ret = 0;
		} else {
			ret = !strcmp(PQgetvalue(r, 0, 1), "t") ? 1 : 2;
		}
	}
	PQclear(r);
	return ret;
}

int pg_pf_session(struct store *base, struct arena *a, const unsigned char *hash,
		  long long now, const char **email, long long *expires)
{
	struct pgp p = { .n = 0 };
	pgp_bin(&p, hash, TOKEN_HASH_LEN);
	pgp_int(&p, now);
	PGresult *r = pg_run(pgs(base), "postfach session", "SELECT email, expires_unix FROM"
		" postfach_sessions WHERE id_hash = $1 AND expires_unix > $2", &p);
	if (!r)
		return -1;
	int ret = 1;
	if (PQntuples(r) == 1) {
		*email = pg_col_str(a, r, 0, 0);
		*expires = pg_ll(r, 0, 1);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int pg_pf_session_end(struct store *base, const unsigned char *hash)
{
	struct pgp p = { .n = 0 };
	pgp_bin(&p, hash, TOKEN_HASH_LEN);
	PGresult *r = pg_run(pgs(base), "postfach logout",
			  "DELETE FROM postfach_sessions WHERE id_hash = $1", &p);
	PQclear(r);
	return r ? 0 : -1;
}

/* The list's query with the condition on its one key ($1). */
#define PF_LIST_SQL(where) "SELECT s.token, s.reference," \
	" s.city, s.city_name, s.service, s.service_title," \
	" coalesce(s.status, 'neu'), s.received_unix," \
	" (SELECT max(o.delivered_unix) FROM outbox o" \
	" WHERE o.submission_id = s.id AND o.kind = 'office')," \
	" (SELECT max(o.failed_unix) FROM outbox o" \
	" WHERE o.submission_id = s.id AND o.kind = 'office')" \
	" FROM submissions s WHERE " where \
	" ORDER BY s.received_unix DESC, s.id DESC LIMIT $2"

static int list_by(struct store *base, struct arena *a, const char *sql,
		   const char *key, size_t max, struct store_postfach_row **rows,
		   size_t *n);

int pg_pf_list(struct store *base, struct arena *a, const char *email,
	       size_t max, struct store_postfach_row **rows, size_t *n)
{
	return list_by(base, a, PF_LIST_SQL("lower(s.applicant_email) = $1"), email,
		       max, rows, n);
}

int pg_pf_list_subject(struct store *base, struct arena *a, const char *subject,
		       size_t max, struct store_postfach_row **rows, size_t *n)
{
	return list_by(base, a, PF_LIST_SQL("s.subject = $1 AND s.subject <> ''"),
		       subject, max, rows, n);
}

static int list_by(struct store *base, struct arena *a, const char *sql,
		   const char *key, size_t max, struct store_postfach_row **rows,
		   size_t *n)
{
	struct pgp p = { .n = 0 };
	pgp_text(&p, key);
	pgp_int(&p, (long long)max);
	PGresult *r = pg_run(pgs(base), "postfach list", sql, &p);
	if (!r)
		return -1;
	int k = PQntuples(r);
	*rows = arena_alloc(a, ((size_t)k + 1) * sizeof **rows);
	for (int i = 0; i < k; i++) {
		struct store_postfach_row *w = &(*rows)[i];
		w->token = pg_col_str(a, r, i, 0);
		w->reference = pg_col_str(a, r, i, 1);
		w->city = pg_col_str(a, r, i, 2);
		w->city_name = pg_col_str(a, r, i, 3);
		w->service = pg_col_str(a, r, i, 4);
		w->service_title = pg_col_str(a, r, i, 5);
		w->status = pg_col_str(a, r, i, 6);
		w->received_unix = pg_ll(r, i, 7);
		w->office_delivered = pg_ll(r, i, 8);
		w->office_failed = pg_ll(r, i, 9);
	}
	*n = (size_t)k;
	PQclear(r);
	return 0;
}

int pg_pf_purge(struct store *base, long long now, long long *removed)
{
	struct pgp p = { .n = 0 };
	pgp_int(&p, now);
	pgp_int(&p, STORE_POSTFACH_WINDOW);
	PGresult *r = pg_run(pgs(base), "purge postfach", "WITH l AS (DELETE FROM"
		" postfach_links WHERE expires_unix <= $1 AND created_unix <= $1 - $2"
		" RETURNING 1), x AS (DELETE FROM postfach_sessions"
		" WHERE expires_unix <= $1 RETURNING 1)"
		" SELECT (SELECT count(*) FROM l) + (SELECT count(*) FROM x)", &p);
	if (!r)
		return -1;
	*removed = PQntuples(r) == 1 ? pg_ll(r, 0, 0) : 0;
	PQclear(r);
	return 0;
}
