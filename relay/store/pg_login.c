/* pg_login.c - citizens' pending logins and sessions in the PostgreSQL
 * backend (store.h, schema version 8). Every write is one statement, so
 * several relayd on one database share the logins: a login begun at one
 * can come back to another, and of two returns with one state only one
 * takes it (DELETE ... RETURNING takes the row lock). */
#include "pg_int.h"

int pg_login_put(struct store *base, const unsigned char *hash,
		 const struct store_login_pending *p, long long now, long long max)
{
	struct pgp q = { .n = 0 };
	pgp_bin(&q, hash, STORE_LOGIN_HASH_LEN);    /* $1 */
	pgp_text(&q, p->nonce);
	pgp_text(&q, p->verifier);
	pgp_text(&q, p->return_path);
	pgp_int(&q, p->expires_unix);               /* $5 */
	pgp_int(&q, now);
	pgp_int(&q, max);
	/* the count sees the table before the DELETE (one snapshot), so it
	 * counts only live rows itself */
	long long n = pg_run_count(pgs(base), "login pending", "WITH d AS (DELETE FROM"
		" login_pending WHERE expires_unix <= $6),"
		" i AS (INSERT INTO login_pending(state_hash, nonce, verifier, return_path,"
		" expires_unix) SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM"
		" login_pending WHERE expires_unix > $6) < $7 RETURNING 1)"
		" SELECT count(*) FROM i", &q);
	return n < 0 ? -1 : n == 1 ? 0 : 1;
}

int pg_login_take(struct store *base, struct arena *a, const unsigned char *hash,
		  long long now, struct store_login_pending *out)
{
	struct pgp q = { .n = 0 };
	pgp_bin(&q, hash, STORE_LOGIN_HASH_LEN);
	PGresult *r = pg_run(pgs(base), "login take", "DELETE FROM login_pending"
		" WHERE state_hash = $1 RETURNING nonce, verifier, return_path,"
		" expires_unix", &q);
	if (!r)
		return -1;
	int ret = 1;
	if (PQntuples(r) == 1) {
		out->nonce = pg_col_str(a, r, 0, 0);
		out->verifier = pg_col_str(a, r, 0, 1);
		out->return_path = pg_col_str(a, r, 0, 2);
		out->expires_unix = pg_ll(r, 0, 3);
		ret = out->expires_unix > now ? 0 : 1;
	}
	PQclear(r);
	return ret;
}

int pg_citizen_open(struct store *base, const unsigned char *hash,
		    const struct store_citizen_session *cs, long long expires, long long max)
{
	struct pgp q = { .n = 0 };
	pgp_bin(&q, hash, STORE_LOGIN_HASH_LEN);    /* $1 */
	pgp_text(&q, cs->subject);
	pgp_text(&q, cs->claims);
	pgp_int(&q, cs->level);
	pgp_int(&q, cs->login_unix);                /* $5: also now */
	pgp_int(&q, expires);
	pgp_int(&q, max);
	long long n = pg_run_count(pgs(base), "citizen session", "WITH d AS (DELETE FROM"
		" citizen_sessions WHERE expires_unix <= $5),"
		" i AS (INSERT INTO citizen_sessions(id_hash, subject, claims, level,"
		" login_unix, seen_unix, expires_unix) SELECT $1, $2, $3, $4, $5, $5, $6"
		" WHERE (SELECT count(*) FROM citizen_sessions WHERE expires_unix > $5)"
		" < $7 RETURNING 1) SELECT count(*) FROM i", &q);
	return n < 0 ? -1 : n == 1 ? 0 : 1;
}

int pg_citizen_get(struct store *base, struct arena *a, const unsigned char *hash,
		   long long now, long long idle, long long lifetime,
		   struct store_citizen_session *out)
{
	struct pg_store *s = pgs(base);
	struct pgp q = { .n = 0 };
	pgp_bin(&q, hash, STORE_LOGIN_HASH_LEN);
	pgp_int(&q, now);
	PGresult *r = pg_run(s, "citizen session", "SELECT subject, claims, level,"
		" login_unix, seen_unix FROM citizen_sessions WHERE id_hash = $1"
		" AND expires_unix > $2", &q);
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 1;
	}
	out->subject = pg_col_str(a, r, 0, 0);
	out->claims = pg_col_str(a, r, 0, 1);
	out->level = (unsigned)pg_ll(r, 0, 2);
	out->login_unix = pg_ll(r, 0, 3);
	long long seen = pg_ll(r, 0, 4);
	PQclear(r);
	if (now - seen < STORE_SESSION_TOUCH)
		return 0;
	/* a use: the idle clock starts again (kept to STORE_SESSION_TOUCH
	 * seconds, like the clerks'), never past the lifetime */
	struct pgp t = { .n = 0 };
	pgp_int(&t, now);
	pgp_int(&t, lifetime);
	pgp_int(&t, idle);
	pgp_bin(&t, hash, STORE_LOGIN_HASH_LEN);
	r = pg_run(s, "citizen session touch", "UPDATE citizen_sessions SET seen_unix = $1,"
		" expires_unix = LEAST(login_unix + $2, $1 + $3) WHERE id_hash = $4", &t);
	PQclear(r);
	return r ? 0 : -1;
}

int pg_citizen_end(struct store *base, const unsigned char *hash)
{
	struct pgp q = { .n = 0 };
	pgp_bin(&q, hash, STORE_LOGIN_HASH_LEN);
	PGresult *r = pg_run(pgs(base), "citizen logout",
			  "DELETE FROM citizen_sessions WHERE id_hash = $1", &q);
	PQclear(r);
	return r ? 0 : -1;
}
