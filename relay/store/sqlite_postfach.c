/* sqlite_postfach.c - the SQLite backend's part of the Postfach by e-mail
 * link (schema version 5): link requests with the per-address limit, the
 * worker's claims and outcomes, using a link, sessions, the list, purge.
 * See store.h. One writer connection under a mutex: BEGIN IMMEDIATE
 * serialises every count-then-insert and every use of a link. */
#include "sqlite_int.h"
#include <stdio.h>
#include <string.h>
#include "token.h"

/* Steps a statement without result rows and finalizes it; -1 on error. */
int sq_pf_request(struct store *base, const char *email, const unsigned char *hash,
		  const char *token, long long now, long long expires, int max)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *c = sq_prep(s, "SELECT count(*) FROM postfach_links"
		" WHERE email = ? AND created_unix > ?");
	int rc = c ? SQLITE_OK : SQLITE_ERROR;
	long long made = 0;
	if (c) {
		sqlite3_bind_text(c, 1, email, -1, SQLITE_STATIC);
		sqlite3_bind_int64(c, 2, now - STORE_POSTFACH_WINDOW);
		rc = sqlite3_step(c);
		if (rc == SQLITE_ROW)
			made = sqlite3_column_int64(c, 0);
		else
			sq_fail(s, "postfach count");
	}
	sqlite3_finalize(c);
	bool ok = rc == SQLITE_ROW, over = ok && made >= max;
	if (ok && !over) {
		sqlite3_stmt *q = sq_prep(s, "INSERT INTO postfach_links(token_hash,"
			" email, token, created_unix, expires_unix, next_attempt)"
			" VALUES(?1, ?2, ?3, ?4, ?5, ?4)");
		if (q) {
			sqlite3_bind_blob(q, 1, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, email, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, token, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 4, now);
			sqlite3_bind_int64(q, 5, expires);
		}
		ok = sq_step_done(s, q, "postfach request") == 0;
	}
	if (sq_tx_end(s, ok) < 0)
		return -1;
	return over ? 1 : 0;
}

int sq_pf_claim(struct store *base, struct arena *a, long long now,
		long long lease, struct store_postfach_job *job)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, "SELECT l.id, l.email, l.token, l.created_unix,"
		" l.expires_unix, l.attempts, EXISTS (SELECT 1 FROM submissions s"
		" WHERE lower(s.applicant_email) = l.email) FROM postfach_links l"
		" WHERE l.delivered_unix IS NULL AND l.failed_unix IS NULL"
		" AND l.next_attempt <= ? ORDER BY l.next_attempt, l.id LIMIT 1");
	int rc = q ? SQLITE_OK : SQLITE_ERROR;
	if (q) {
		sqlite3_bind_int64(q, 1, now);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			job->id = sqlite3_column_int64(q, 0);
			job->email = sq_col_str(a, q, 1);
			job->token = sq_col_str(a, q, 2);
			job->created_unix = sqlite3_column_int64(q, 3);
			job->expires_unix = sqlite3_column_int64(q, 4);
			job->attempts = sqlite3_column_int(q, 5) + 1;
			job->has_applications = sqlite3_column_int(q, 6) != 0;
		} else if (rc != SQLITE_DONE) {
			sq_fail(s, "postfach claim");
		}
	}
	sqlite3_finalize(q);
	bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
	if (rc == SQLITE_ROW) {
		sqlite3_stmt *u = sq_prep(s, "UPDATE postfach_links SET attempts ="
			" attempts + 1, next_attempt = ? WHERE id = ?");
		if (u) {
			sqlite3_bind_int64(u, 1, now + lease);
			sqlite3_bind_int64(u, 2, job->id);
		}
		ok = sq_step_done(s, u, "postfach claim update") == 0;
	}
	if (sq_tx_end(s, ok) < 0)
		return -1;
	return rc == SQLITE_ROW ? 0 : 1;
}

int sq_pf_outcome(struct store *base, long long id, int outcome, long long t,
		  const char *error)
{
	static const char *const sql[] = {
		[STORE_PF_SENT] = "UPDATE postfach_links SET delivered_unix = ?2,"
			" token = '' WHERE id = ?1",
		[STORE_PF_RETRY] = "UPDATE postfach_links SET next_attempt = ?2,"
			" last_error = ?3 WHERE id = ?1",
		[STORE_PF_FAILED] = "UPDATE postfach_links SET failed_unix = ?2,"
			" last_error = ?3, token = '' WHERE id = ?1",
	};
	struct sq_store *s = sq(base);
	if (outcome < STORE_PF_SENT || outcome > STORE_PF_FAILED || sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, sql[outcome]);
	if (q) {
		sqlite3_bind_int64(q, 1, id);
		sqlite3_bind_int64(q, 2, t);
		if (outcome != STORE_PF_SENT)
			sqlite3_bind_text(q, 3, error ? error : "", -1, SQLITE_TRANSIENT);
	}
	return sq_tx_end(s, sq_step_done(s, q, "postfach outcome") == 0);
}

/* Inside the transaction: marks the link used when it may be, its
 * address into *email. 0 used, 1 known but not usable, 2 unknown, -1. */
static int mark_used(struct sq_store *s, struct arena *a, const unsigned char *hash,
		     long long now, const char **email)
{
	sqlite3_stmt *q = sq_prep(s, "UPDATE postfach_links SET used_unix = ?2,"
		" token = '' WHERE token_hash = ?1 AND used_unix IS NULL AND"
		" failed_unix IS NULL AND expires_unix > ?2 RETURNING email");
	if (!q)
		return -1;
	sqlite3_bind_blob(q, 1, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	int rc = sqlite3_step(q), ret = -1;
	if (rc == SQLITE_ROW) {
		*email = sq_col_str(a, q, 0);
		rc = sqlite3_step(q);   /* runs the statement to its end */
		ret = rc == SQLITE_DONE ? 0 : -1;
	} else if (rc == SQLITE_DONE) {
		ret = 1;
	}
	if (ret < 0)
		sq_fail(s, "postfach use");
	sqlite3_finalize(q);
	if (ret != 1)
		return ret;
	q = sq_prep(s, "SELECT 1 FROM postfach_links WHERE token_hash = ?");
	if (!q)
		return -1;
	sqlite3_bind_blob(q, 1, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(q);
	ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 2 : -1;
	if (ret < 0)
		sq_fail(s, "postfach lookup");
	sqlite3_finalize(q);
	return ret;
}

int sq_pf_use(struct store *base, struct arena *a, const unsigned char *hash,
	      long long now, const unsigned char *session_hash,
	      long long session_expires, const char **email)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	int ret = mark_used(s, a, hash, now, email);
	if (ret == 0) {
		sqlite3_stmt *q = sq_prep(s, "INSERT INTO postfach_sessions(id_hash,"
			" email, created_unix, expires_unix) VALUES(?, ?, ?, ?)");
		if (q) {
			sqlite3_bind_blob(q, 1, session_hash, TOKEN_HASH_LEN, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, *email, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 3, now);
			sqlite3_bind_int64(q, 4, session_expires);
		}
		if (sq_step_done(s, q, "postfach session") < 0)
			ret = -1;
	}
	if (sq_tx_end(s, ret >= 0) < 0)
		return -1;
	return ret;
}

int sq_pf_session(struct store *base, struct arena *a, const unsigned char *hash,
		  long long now, const char **email, long long *expires)
{
	struct sq_store *s = sq(base);
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, "SELECT email, expires_unix FROM postfach_sessions"
		" WHERE id_hash = ? AND expires_unix > ?");
	int ret = -1;
	if (q) {
		sqlite3_bind_blob(q, 1, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, now);
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			*email = sq_col_str(a, q, 0);
			*expires = sqlite3_column_int64(q, 1);
		} else if (rc != SQLITE_DONE) {
			sq_fail(s, "postfach session");
		}
		ret = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	return ret;
}

int sq_pf_session_end(struct store *base, const unsigned char *hash)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, "DELETE FROM postfach_sessions WHERE id_hash = ?");
	if (q)
		sqlite3_bind_blob(q, 1, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	return sq_tx_end(s, sq_step_done(s, q, "postfach logout") == 0);
}

/* The list's query with the condition on its one key (?1). */
#define PF_LIST_SQL(where) "SELECT s.token, s.reference, s.city," \
	" s.city_name, s.service, s.service_title, coalesce(s.status, 'neu')," \
	" s.received_unix, (SELECT max(o.delivered_unix) FROM outbox o" \
	" WHERE o.submission_id = s.id AND o.kind = 'office')," \
	" (SELECT max(o.failed_unix) FROM outbox o" \
	" WHERE o.submission_id = s.id AND o.kind = 'office')" \
	" FROM submissions s WHERE " where \
	" ORDER BY s.received_unix DESC, s.id DESC LIMIT ?2"

static int list_by(struct store *base, struct arena *a, const char *sql,
		   const char *email, size_t max, struct store_postfach_row **rows,
		   size_t *n);

int sq_pf_list(struct store *base, struct arena *a, const char *email,
	       size_t max, struct store_postfach_row **rows, size_t *n)
{
	return list_by(base, a, PF_LIST_SQL("lower(s.applicant_email) = ?1"), email,
		       max, rows, n);
}

int sq_pf_list_subject(struct store *base, struct arena *a, const char *subject,
		       size_t max, struct store_postfach_row **rows, size_t *n)
{
	return list_by(base, a, PF_LIST_SQL("s.subject = ?1 AND s.subject <> ''"),
		       subject, max, rows, n);
}

static int list_by(struct store *base, struct arena *a, const char *sql,
		   const char *email, size_t max, struct store_postfach_row **rows,
		   size_t *n)
{
	struct sq_store *s = sq(base);
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, sql);
	if (!q) {
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	sqlite3_bind_text(q, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (long long)max);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*rows = arena_grow(a, *rows, *n, &cap, sizeof **rows, 16);
		struct store_postfach_row *r = &(*rows)[(*n)++];
		r->token = sq_col_str(a, q, 0);
		r->reference = sq_col_str(a, q, 1);
		r->city = sq_col_str(a, q, 2);
		r->city_name = sq_col_str(a, q, 3);
		r->service = sq_col_str(a, q, 4);
		r->service_title = sq_col_str(a, q, 5);
		r->status = sq_col_str(a, q, 6);
		r->received_unix = sqlite3_column_int64(q, 7);
		r->office_delivered = sqlite3_column_int64(q, 8);
		r->office_failed = sqlite3_column_int64(q, 9);
	}
	if (rc != SQLITE_DONE)
		sq_fail(s, "postfach list");
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	if (rc != SQLITE_DONE) {
		*n = 0;
		return -1;
	}
	return 0;
}

int sq_pf_purge(struct store *base, long long now, long long *removed)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *l = sq_prep(s, "DELETE FROM postfach_links"
		" WHERE expires_unix <= ?1 AND created_unix <= ?1 - ?2");
	if (l) {
		sqlite3_bind_int64(l, 1, now);
		sqlite3_bind_int64(l, 2, STORE_POSTFACH_WINDOW);
	}
	bool ok = sq_step_done(s, l, "purge postfach links") == 0;
	*removed = ok ? sqlite3_changes(s->db) : 0;
	if (ok) {
		sqlite3_stmt *q = sq_prep(s, "DELETE FROM postfach_sessions"
			" WHERE expires_unix <= ?");
		if (q)
			sqlite3_bind_int64(q, 1, now);
		ok = sq_step_done(s, q, "purge postfach sessions") == 0;
		*removed += ok ? sqlite3_changes(s->db) : 0;
	}
	if (sq_tx_end(s, ok) < 0) {
		*removed = 0;
		return -1;
	}
	return 0;
}
