/* sqlite_inbox.c - the SQLite backend's part of the clerks' inbox (schema
 * version 4): clerks, sessions, the inbox list and detail, status changes
 * and filling the office of older rows. See store.h. */
#include "sqlite_int.h"
#include <stdio.h>
#include <string.h>

/* Steps a statement without result rows; -1 with the error recorded. */
/* ---- clerks ---- */

int sq_clerk_add(struct store *base, const char *username, const char *pwhash,
		 const char *offices, long long now)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO clerks(username, pwhash, offices,"
		" disabled, created_unix) VALUES(?,?,?,0,?)");
	int rc = q ? SQLITE_OK : SQLITE_ERROR;
	if (q) {
		sqlite3_bind_text(q, 1, username, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, pwhash, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, offices, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, now);
		rc = sqlite3_step(q);
	}
	bool exists = rc == SQLITE_CONSTRAINT;     /* the username is taken */
	if (rc != SQLITE_DONE && q && !exists)
		sq_fail(s, "add clerk");
	sqlite3_finalize(q);
	if (sq_tx_end(s, rc == SQLITE_DONE) < 0)
		return exists ? 1 : -1;
	return 0;
}

int sq_clerk_change(struct store *base, const char *username, const char *pwhash)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, pwhash ?
		"UPDATE clerks SET pwhash = ?2 WHERE username = ?1" :
		"UPDATE clerks SET disabled = 1 WHERE username = ?1");
	if (q) {
		sqlite3_bind_text(q, 1, username, -1, SQLITE_STATIC);
		if (pwhash)
			sqlite3_bind_text(q, 2, pwhash, -1, SQLITE_STATIC);
	}
	bool ok = sq_step_done(s, q, "change clerk") == 0;
	bool found = ok && sqlite3_changes(s->db) == 1;
	/* a new password or a disabled account: every session ends */
	if (found) {
		q = sq_prep(s, "DELETE FROM sessions WHERE username = ?");
		if (q)
			sqlite3_bind_text(q, 1, username, -1, SQLITE_STATIC);
		ok = sq_step_done(s, q, "end sessions") == 0;
	}
	if (sq_tx_end(s, ok && found) < 0)
		return ok && !found ? 1 : -1;
	return 0;
}

int sq_clerks(struct store *base, struct arena *a, const char *username,
	      struct store_clerk **out, size_t *n)
{
	struct sq_store *s = sq(base);
	*out = NULL;
	*n = 0;
	if (s->version < 4)     /* a reader of a file relayd has not upgraded */
		return 0;
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, "SELECT username, pwhash, offices, disabled,"
		" created_unix FROM clerks WHERE ?1 IS NULL OR username = ?1"
		" ORDER BY username");
	if (!q) {
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	if (username)
		sqlite3_bind_text(q, 1, username, -1, SQLITE_STATIC);
	size_t cap = 0;
	int rc, bad = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*out = arena_grow(a, *out, *n, &cap, sizeof **out, 8);
		struct store_clerk *c = &(*out)[*n];
		c->username = sq_col_str(a, q, 0);
		c->pwhash = sq_col_str(a, q, 1);
		bad |= store_offices_parse(a, sq_col_str(a, q, 2), &c->offices,
					   &c->n_offices);
		c->disabled = sqlite3_column_int(q, 3) != 0;
		c->created_unix = sqlite3_column_int64(q, 4);
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		sq_fail(s, "clerks");
	else if (bad)
		snprintf(s->base.err, sizeof s->base.err, "clerks: malformed offices");
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	if (rc != SQLITE_DONE || bad) {
		*n = 0;
		return -1;
	}
	return 0;
}

/* ---- sessions ---- */

int sq_session_new(struct store *base, const unsigned char *hash,
		   const char *username, const char *csrf, long long now,
		   long long expires)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	/* only for a clerk who exists and is enabled, checked in the insert */
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO sessions(id_hash, username, csrf,"
		" created_unix, seen_unix, expires_unix) SELECT ?1, username, ?2, ?3,"
		" ?3, ?4 FROM clerks WHERE username = ?5 AND disabled = 0");
	if (q) {
		sqlite3_bind_blob(q, 1, hash, STORE_SESSION_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, csrf, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, now);
		sqlite3_bind_int64(q, 4, expires);
		sqlite3_bind_text(q, 5, username, -1, SQLITE_STATIC);
	}
	bool ok = sq_step_done(s, q, "new session") == 0;
	bool made = ok && sqlite3_changes(s->db) == 1;
	if (sq_tx_end(s, ok) < 0)
		return -1;
	return made ? 0 : 1;
}

/* Marks a valid session seen now; its end moves with it. */
static int touch(struct sq_store *s, const unsigned char *hash, long long now,
		 long long idle, long long lifetime)
{
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, "UPDATE sessions SET seen_unix = ?1,"
		" expires_unix = min(created_unix + ?2, ?1 + ?3) WHERE id_hash = ?4");
	if (q) {
		sqlite3_bind_int64(q, 1, now);
		sqlite3_bind_int64(q, 2, lifetime);
		sqlite3_bind_int64(q, 3, idle);
		sqlite3_bind_blob(q, 4, hash, STORE_SESSION_HASH_LEN, SQLITE_STATIC);
	}
	return sq_tx_end(s, sq_step_done(s, q, "touch session") == 0);
}

int sq_session_get(struct store *base, struct arena *a, const unsigned char *hash,
		   long long now, long long idle, long long lifetime,
		   struct store_session *out)
{
	struct sq_store *s = sq(base);
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, "SELECT c.username, c.pwhash, c.offices,"
		" c.disabled, c.created_unix, s.csrf, s.created_unix, s.seen_unix,"
		" s.expires_unix FROM sessions s JOIN clerks c ON c.username = s.username"
		" WHERE s.id_hash = ?");
	if (!q) {
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	sqlite3_bind_blob(q, 1, hash, STORE_SESSION_HASH_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(q), ret = 1;
	if (rc == SQLITE_ROW) {
		struct store_clerk *c = &out->clerk;
		c->username = sq_col_str(a, q, 0);
		c->pwhash = sq_col_str(a, q, 1);
		int bad = store_offices_parse(a, sq_col_str(a, q, 2), &c->offices,
					      &c->n_offices);
		c->disabled = sqlite3_column_int(q, 3) != 0;
		c->created_unix = sqlite3_column_int64(q, 4);
		out->csrf = sq_col_str(a, q, 5);
		out->created_unix = sqlite3_column_int64(q, 6);
		out->seen_unix = sqlite3_column_int64(q, 7);
		long long expires = sqlite3_column_int64(q, 8);
		ret = bad ? -1 : c->disabled || now >= expires ||
		      now - out->seen_unix >= idle ||
		      now - out->created_unix >= lifetime ? 1 : 0;
		if (bad)
			snprintf(s->base.err, sizeof s->base.err, "session: malformed offices");
	} else if (rc != SQLITE_DONE) {
		sq_fail(s, "session");
		ret = -1;
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	if (ret == 0 && now - out->seen_unix >= STORE_SESSION_TOUCH &&
	    touch(s, hash, now, idle, lifetime) < 0)
		return -1;
	return ret;
}

int sq_session_end(struct store *base, const unsigned char *hash)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, "DELETE FROM sessions WHERE id_hash = ?");
	if (q)
		sqlite3_bind_blob(q, 1, hash, STORE_SESSION_HASH_LEN, SQLITE_STATIC);
	return sq_tx_end(s, sq_step_done(s, q, "end session") == 0);
}

/* ---- the inbox ---- */

/* Binds the parameters of w (numbered from 1 by position). */
static void bind_where(sqlite3_stmt *q, const struct store_inbox_where *w)
{
	for (int i = 0; i < w->n; i++) {
		if (w->text[i])
			sqlite3_bind_text(q, i + 1, w->text[i], -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(q, i + 1, w->ints[i]);
	}
}

static long long count_rows(struct sq_store *s, const struct store_inbox_where *w,
			    long long count_limit)
{
	char sql[sizeof w->sql + 128];
	int k = count_limit ?
		snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT 1 FROM submissions s"
			 " WHERE %s LIMIT ?%d)", w->sql, w->n + 1) :
		snprintf(sql, sizeof sql, "SELECT count(*) FROM submissions s WHERE %s",
			 w->sql);
	if (k < 0 || (size_t)k >= sizeof sql)
		return -1;
	sqlite3_stmt *q = sq_prep(s, sql);
	if (!q)
		return -1;
	bind_where(q, w);
	if (count_limit)
		sqlite3_bind_int64(q, w->n + 1, count_limit + 1);
	long long total = -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		total = sqlite3_column_int64(q, 0);
	else
		sq_fail(s, "inbox count");
	sqlite3_finalize(q);
	return total;
}

static void inbox_row(struct arena *a, sqlite3_stmt *q, struct store_inbox_row *r)
{
	r->id = sqlite3_column_int64(q, 0);
	r->reference = sq_col_str(a, q, 1);
	r->city = sq_col_str(a, q, 2);
	r->city_name = sq_col_str(a, q, 3);
	r->service = sq_col_str(a, q, 4);
	r->service_title = sq_col_str(a, q, 5);
	r->office = sq_col_str(a, q, 6);
	r->office_name = sq_col_str(a, q, 7);
	r->status = sq_col_str(a, q, 8);
	r->received_unix = sqlite3_column_int64(q, 9);
}

static int page_rows(struct sq_store *s, struct arena *a,
		     const struct store_inbox_query *qr,
		     const struct store_inbox_where *w, struct store_inbox_row **rows,
		     size_t *n)
{
	char sql[sizeof w->sql + 512];
	int k = snprintf(sql, sizeof sql, "SELECT s.id, s.reference, s.city,"
			 " s.city_name, s.service, s.service_title, s.office,"
			 " s.office_name, s.status, s.received_unix FROM submissions s"
			 " WHERE %s ORDER BY s.received_unix DESC, s.id DESC"
			 " LIMIT ?%d OFFSET ?%d", w->sql, w->n + 1, w->n + 2);
	if (k < 0 || (size_t)k >= sizeof sql)
		return -1;
	sqlite3_stmt *q = sq_prep(s, sql);
	if (!q)
		return -1;
	bind_where(q, w);
	sqlite3_bind_int64(q, w->n + 1, (long long)qr->limit);
	sqlite3_bind_int64(q, w->n + 2, qr->offset);
	*rows = arena_alloc(a, qr->limit * sizeof **rows);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < qr->limit)
		inbox_row(a, q, &(*rows)[(*n)++]);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		sq_fail(s, "inbox list");
	sqlite3_finalize(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int sq_inbox_list(struct store *base, struct arena *a,
		  const struct store_inbox_query *qr, struct store_inbox_row **rows,
		  size_t *n, long long *total)
{
	struct sq_store *s = sq(base);
	struct store_inbox_where w;
	if (store_inbox_where(qr, '?', &w) < 0) {
		snprintf(s->base.err, sizeof s->base.err, "inbox: query too long");
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	*total = count_rows(s, &w, qr->count_limit);
	int rc = *total < 0 ? -1 : page_rows(s, a, qr, &w, rows, n);
	pthread_mutex_unlock(&s->mu);
	if (rc < 0) {
		*n = 0;
		*total = 0;
	}
	return rc;
}

int sq_inbox_load(struct store *base, struct arena *a, long long id,
		  const struct store_office *offices, size_t n_offices,
		  bool with_files, struct submission **sub, const char **status)
{
	struct sq_store *s = sq(base);
	struct store_inbox_where w;
	char sql[sizeof w.sql + 256];
	int k = store_offices_where(offices, n_offices, '?', 2, &w) < 0 ? -1 :
		snprintf(sql, sizeof sql, "SELECT " SQ_SUB_COLS ", s.status, s.office,"
			 " s.subject, s.identity"
			 " FROM submissions s WHERE s.id = ?1 AND %s", w.sql);
	if (k < 0 || (size_t)k >= sizeof sql) {
		snprintf(s->base.err, sizeof s->base.err, "inbox: query too long");
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, sql);
	int ret = -1;
	if (q) {
		sqlite3_bind_int64(q, 1, id);
		for (int i = 1; i < w.n; i++)
			sqlite3_bind_text(q, i + 1, w.text[i], -1, SQLITE_STATIC);
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			*sub = sq_sub_from_row(s, a, q, with_files, NULL);
			*status = sq_col_str(a, q, SQ_SUB_NCOLS);
			if (*sub) {
				(*sub)->office = sq_col_str(a, q, SQ_SUB_NCOLS + 1);
				(*sub)->subject = sq_col_str(a, q, SQ_SUB_NCOLS + 2);
				(*sub)->identity = sq_col_str(a, q, SQ_SUB_NCOLS + 3);
			}
			ret = *sub ? 0 : -1;
		} else if (rc == SQLITE_DONE) {
			ret = 1;
		} else {
			sq_fail(s, "inbox load");
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	return ret;
}

int sq_set_status(struct store *base, long long id, const char *status,
		  const char *actor, long long now)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, "UPDATE submissions SET status = ? WHERE id = ?");
	if (q) {
		sqlite3_bind_text(q, 1, status, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, id);
	}
	bool ok = sq_step_done(s, q, "set status") == 0;
	bool found = ok && sqlite3_changes(s->db) == 1;
	if (found) {
		q = sq_prep(s, "INSERT INTO events(submission_id, job_id, at_unix, kind,"
			    " detail, actor) VALUES(?, NULL, ?, 'status', ?, ?)");
		if (q) {
			sqlite3_bind_int64(q, 1, id);
			sqlite3_bind_int64(q, 2, now);
			sqlite3_bind_text(q, 3, status, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 4, actor, -1, SQLITE_STATIC);
		}
		ok = sq_step_done(s, q, "status event") == 0;
	}
	if (sq_tx_end(s, ok && found) < 0)
		return ok && !found ? 1 : -1;
	return 0;
}

/* ---- rows from before version 4 ---- */

struct pair {
	const char *city, *service;
};

static int missing_pairs(struct sq_store *s, struct arena *a, struct pair **v,
			 size_t *n)
{
	sqlite3_stmt *q = sq_prep(s, "SELECT DISTINCT city, service FROM submissions"
				  " WHERE office IS NULL");
	if (!q)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*v = arena_grow(a, *v, *n, &cap, sizeof **v, 8);
		(*v)[*n].city = sq_col_str(a, q, 0);
		(*v)[*n].service = sq_col_str(a, q, 1);
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		sq_fail(s, "fill offices");
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sq_fill_offices(struct store *base, store_office_fn fn, void *ctx,
		    long long *filled)
{
	struct sq_store *s = sq(base);
	struct arena a;
	struct pair *v = NULL;
	size_t n = 0;
	arena_init(&a);
	if (sq_tx_begin(s) < 0) {
		arena_free(&a);
		return -1;
	}
	bool ok = missing_pairs(s, &a, &v, &n) == 0;
	for (size_t i = 0; ok && i < n; i++) {
		const char *office = fn(ctx, v[i].city, v[i].service);
		sqlite3_stmt *q = sq_prep(s, "UPDATE submissions SET office = ?"
					  " WHERE office IS NULL AND city = ? AND service = ?");
		if (q) {
			sqlite3_bind_text(q, 1, office ? office : "", -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(q, 2, v[i].city, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, v[i].service, -1, SQLITE_STATIC);
		}
		ok = sq_step_done(s, q, "fill offices") == 0;
		if (ok)
			*filled += sqlite3_changes(s->db);
	}
	int rc = sq_tx_end(s, ok);
	arena_free(&a);
	if (rc < 0)
		*filled = 0;
	return rc;
}
