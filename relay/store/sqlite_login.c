/* sqlite_login.c - citizens' pending logins and sessions in the SQLite
 * backend (store.h, schema version 8). Each write is one transaction on
 * the one connection; the reads hold its mutex. */
#include "sqlite_int.h"

/* Removes the rows of table that stopped working by now (inside the
 * caller's transaction). */
static int sweep(struct sq_store *s, const char *sql, long long now)
{
	sqlite3_stmt *q = sq_prep(s, sql);
	if (q)
		sqlite3_bind_int64(q, 1, now);
	return sq_step_done(s, q, "login sweep");
}

/* How many live rows the table has: -1 on error. */
static long long live(struct sq_store *s, const char *sql, long long now)
{
	sqlite3_stmt *q = sq_prep(s, sql);
	long long n = -1;
	if (q) {
		sqlite3_bind_int64(q, 1, now);
		if (sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int64(q, 0);
		else
			sq_fail(s, "login count");
	}
	sqlite3_finalize(q);
	return n;
}

int sq_login_put(struct store *base, const unsigned char *hash,
		 const struct store_login_pending *p, long long now, long long max)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	bool ok = sweep(s, "DELETE FROM login_pending WHERE expires_unix <= ?", now) == 0;
	long long n = ok ? live(s, "SELECT count(*) FROM login_pending"
				" WHERE expires_unix > ?", now) : -1;
	ok = n >= 0;
	bool room = ok && n < max;
	if (room) {
		sqlite3_stmt *q = sq_prep(s, "INSERT INTO login_pending(state_hash, nonce,"
					  " verifier, return_path, expires_unix)"
					  " VALUES(?, ?, ?, ?, ?)");
		if (q) {
			sqlite3_bind_blob(q, 1, hash, STORE_LOGIN_HASH_LEN, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, p->nonce, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, p->verifier, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 4, p->return_path, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 5, p->expires_unix);
		}
		ok = sq_step_done(s, q, "login pending") == 0;
	}
	if (sq_tx_end(s, ok) < 0)
		return -1;
	return room ? 0 : 1;
}

int sq_login_take(struct store *base, struct arena *a, const unsigned char *hash,
		  long long now, struct store_login_pending *out)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, "DELETE FROM login_pending WHERE state_hash = ?"
				  " RETURNING nonce, verifier, return_path, expires_unix");
	int rc = SQLITE_ERROR;
	if (q) {
		sqlite3_bind_blob(q, 1, hash, STORE_LOGIN_HASH_LEN, SQLITE_STATIC);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			out->nonce = sq_col_str(a, q, 0);
			out->verifier = sq_col_str(a, q, 1);
			out->return_path = sq_col_str(a, q, 2);
			out->expires_unix = sqlite3_column_int64(q, 3);
			rc = sqlite3_step(q);       /* finishes the DELETE */
			if (rc == SQLITE_DONE)
				rc = SQLITE_ROW;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			sq_fail(s, "login take");
	}
	sqlite3_finalize(q);
	bool found = rc == SQLITE_ROW;
	if (sq_tx_end(s, rc == SQLITE_ROW || rc == SQLITE_DONE) < 0)
		return -1;
	return found && out->expires_unix > now ? 0 : 1;
}

int sq_citizen_open(struct store *base, const unsigned char *hash,
		    const struct store_citizen_session *cs, long long expires, long long max)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	long long now = cs->login_unix;
	bool ok = sweep(s, "DELETE FROM citizen_sessions WHERE expires_unix <= ?", now) == 0;
	long long n = ok ? live(s, "SELECT count(*) FROM citizen_sessions"
				" WHERE expires_unix > ?", now) : -1;
	ok = n >= 0;
	bool room = ok && n < max;
	if (room) {
		sqlite3_stmt *q = sq_prep(s, "INSERT INTO citizen_sessions(id_hash, subject,"
					  " claims, level, login_unix, seen_unix, expires_unix)"
					  " VALUES(?, ?, ?, ?, ?, ?, ?)");
		if (q) {
			sqlite3_bind_blob(q, 1, hash, STORE_LOGIN_HASH_LEN, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, cs->subject, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, cs->claims, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 4, cs->level);
			sqlite3_bind_int64(q, 5, now);
			sqlite3_bind_int64(q, 6, now);
			sqlite3_bind_int64(q, 7, expires);
		}
		ok = sq_step_done(s, q, "citizen session") == 0;
	}
	if (sq_tx_end(s, ok) < 0)
		return -1;
	return room ? 0 : 1;
}

/* A use of a live session: seen now, its end moved (never past the
 * lifetime). */
static int touch(struct sq_store *s, const unsigned char *hash, long long now,
		 long long idle, long long lifetime)
{
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, "UPDATE citizen_sessions SET seen_unix = ?1,"
				  " expires_unix = min(login_unix + ?2, ?1 + ?3)"
				  " WHERE id_hash = ?4");
	if (q) {
		sqlite3_bind_int64(q, 1, now);
		sqlite3_bind_int64(q, 2, lifetime);
		sqlite3_bind_int64(q, 3, idle);
		sqlite3_bind_blob(q, 4, hash, STORE_LOGIN_HASH_LEN, SQLITE_STATIC);
	}
	return sq_tx_end(s, sq_step_done(s, q, "citizen session touch") == 0);
}

int sq_citizen_get(struct store *base, struct arena *a, const unsigned char *hash,
		   long long now, long long idle, long long lifetime,
		   struct store_citizen_session *out)
{
	struct sq_store *s = sq(base);
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, "SELECT subject, claims, level, login_unix, seen_unix"
				  " FROM citizen_sessions WHERE id_hash = ? AND expires_unix > ?");
	int rc = SQLITE_ERROR;
	long long seen = 0;
	if (q) {
		sqlite3_bind_blob(q, 1, hash, STORE_LOGIN_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, now);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			out->subject = sq_col_str(a, q, 0);
			out->claims = sq_col_str(a, q, 1);
			out->level = (unsigned)sqlite3_column_int64(q, 2);
			out->login_unix = sqlite3_column_int64(q, 3);
			seen = sqlite3_column_int64(q, 4);
		} else if (rc != SQLITE_DONE) {
			sq_fail(s, "citizen session");
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 1 : -1;
	/* a write per page view would be an fsync per view: the idle clock
	 * is kept to STORE_SESSION_TOUCH seconds, like the clerks' */
	if (now - seen >= STORE_SESSION_TOUCH && touch(s, hash, now, idle, lifetime) < 0)
		return -1;
	return 0;
}

int sq_citizen_end(struct store *base, const unsigned char *hash)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, "DELETE FROM citizen_sessions WHERE id_hash = ?");
	if (q)
		sqlite3_bind_blob(q, 1, hash, STORE_LOGIN_HASH_LEN, SQLITE_STATIC);
	return sq_tx_end(s, sq_step_done(s, q, "citizen logout") == 0);
}
