/* pg_inbox.c - the PostgreSQL backend's part of the clerks' inbox (schema
 * version 4): clerks, sessions, the inbox list and detail, status changes
 * and filling the office of older rows. A change and what goes with it
 * (a status and its event, a new password and the end of the sessions)
 * are CTEs of one statement, so they commit together. See store.h. */
#include "pg_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One statement on a pooled connection; NULL on error. */
/* Runs a statement that answers one number (how many rows it changed):
 * that number, or -1. */
/* ---- clerks ---- */

int pg_clerk_add(struct store *base, const char *username, const char *pwhash,
		 const char *offices, long long now)
{
	struct pgp p = { .n = 0 };
	pgp_text(&p, username);
	pgp_text(&p, pwhash);
	pgp_text(&p, offices);
	pgp_int(&p, now);
	long long n = pg_run_count(pgs(base), "add clerk", "WITH i AS (INSERT INTO"
		" clerks(username, pwhash, offices, disabled, created_unix)"
		" VALUES($1, $2, $3, false, $4) ON CONFLICT (username) DO NOTHING"
		" RETURNING 1) SELECT count(*) FROM i", &p);
	return n < 0 ? -1 : n == 1 ? 0 : 1;
}

int pg_clerk_change(struct store *base, const char *username, const char *pwhash)
{
	struct pgp p = { .n = 0 };
	pgp_text(&p, username);
	if (pwhash)
		pgp_text(&p, pwhash);
	/* a new password or a disabled account: every session ends */
	long long n = pg_run_count(pgs(base), "change clerk", pwhash ?
		"WITH u AS (UPDATE clerks SET pwhash = $2 WHERE username = $1"
		" RETURNING username), d AS (DELETE FROM sessions WHERE username IN"
		" (SELECT username FROM u)) SELECT count(*) FROM u" :
		"WITH u AS (UPDATE clerks SET disabled = true WHERE username = $1"
		" RETURNING username), d AS (DELETE FROM sessions WHERE username IN"
		" (SELECT username FROM u)) SELECT count(*) FROM u", &p);
	return n < 0 ? -1 : n == 1 ? 0 : 1;
}

int pg_clerks(struct store *base, struct arena *a, const char *username,
	      struct store_clerk **out, size_t *n)
{
	struct pg_store *s = pgs(base);
	*out = NULL;
	*n = 0;
	if (s->version < 4)     /* a reader of a database not yet upgraded */
		return 0;
	struct pgp p = { .n = 0 };
	pgp_text(&p, username);
	PGresult *r = pg_run(s, "clerks", "SELECT username, pwhash, offices, disabled,"
		" created_unix FROM clerks WHERE $1::text IS NULL OR username = $1"
		" ORDER BY username", &p);
	if (!r)
		return -1;
	int k = PQntuples(r), bad = 0;
	*out = arena_alloc(a, (size_t)(k ? k : 1) * sizeof **out);
	for (int i = 0; i < k; i++) {
		struct store_clerk *c = &(*out)[i];
		c->username = pg_col_str(a, r, i, 0);
		c->pwhash = pg_col_str(a, r, i, 1);
		bad |= store_offices_parse(a, PQgetvalue(r, i, 2), &c->offices,
					   &c->n_offices);
		c->disabled = !strcmp(PQgetvalue(r, i, 3), "t");
		c->created_unix = pg_ll(r, i, 4);
	}
	PQclear(r);
	if (bad) {
		pg_fail(s, "clerks", "malformed offices");
		return -1;
	}
	*n = (size_t)k;
	return 0;
}

/* ---- sessions ---- */

int pg_session_new(struct store *base, const unsigned char *hash,
		   const char *username, const char *csrf, long long now,
		   long long expires)
{
	struct pgp p = { .n = 0 };
	pgp_bin(&p, hash, STORE_SESSION_HASH_LEN);
	pgp_text(&p, csrf);
	pgp_int(&p, now);
	pgp_int(&p, expires);
	pgp_text(&p, username);
	/* only for a clerk who exists and is enabled, checked in the insert */
	long long n = pg_run_count(pgs(base), "new session", "WITH i AS (INSERT INTO"
		" sessions(id_hash, username, csrf, created_unix, seen_unix,"
		" expires_unix) SELECT $1, username, $2, $3, $3, $4 FROM clerks"
		" WHERE username = $5 AND NOT disabled RETURNING 1)"
		" SELECT count(*) FROM i", &p);
	return n < 0 ? -1 : n == 1 ? 0 : 1;
}

/* Marks a valid session seen now; its end moves with it. */
static int touch(struct pg_store *s, const unsigned char *hash, long long now,
		 long long idle, long long lifetime)
{
	struct pgp p = { .n = 0 };
	pgp_int(&p, now);
	pgp_int(&p, lifetime);
	pgp_int(&p, idle);
	pgp_bin(&p, hash, STORE_SESSION_HASH_LEN);
	PGresult *r = pg_run(s, "touch session", "UPDATE sessions SET seen_unix = $1,"
		" expires_unix = LEAST(created_unix + $2, $1 + $3) WHERE id_hash = $4", &p);
	PQclear(r);
	return r ? 0 : -1;
}

int pg_session_get(struct store *base, struct arena *a, const unsigned char *hash,
		   long long now, long long idle, long long lifetime,
		   struct store_session *out)
{
	struct pg_store *s = pgs(base);
	struct pgp p = { .n = 0 };
	pgp_bin(&p, hash, STORE_SESSION_HASH_LEN);
	PGresult *r = pg_run(s, "session", "SELECT c.username, c.pwhash, c.offices,"
		" c.disabled, c.created_unix, s.csrf, s.created_unix, s.seen_unix,"
		" s.expires_unix FROM sessions s JOIN clerks c ON c.username = s.username"
		" WHERE s.id_hash = $1", &p);
	if (!r)
		return -1;
	int ret = 1;
	if (PQntuples(r) == 1) {
		struct store_clerk *c = &out->clerk;
		c->username = pg_col_str(a, r, 0, 0);
		c->pwhash = pg_col_str(a, r, 0, 1);
		int bad = store_offices_parse(a, PQgetvalue(r, 0, 2), &c->offices,
					      &c->n_offices);
		c->disabled = !strcmp(PQgetvalue(r, 0, 3), "t");
		c->created_unix = pg_ll(r, 0, 4);
		out->csrf = pg_col_str(a, r, 0, 5);
		out->created_unix = pg_ll(r, 0, 6);
		out->seen_unix = pg_ll(r, 0, 7);
		long long expires = pg_ll(r, 0, 8);
		ret = bad ? -1 : c->disabled || now >= expires ||
		      now - out->seen_unix >= idle ||
		      now - out->created_unix >= lifetime ? 1 : 0;
		if (bad)
			pg_fail(s, "session", "malformed offices");
	}
	PQclear(r);
	if (ret == 0 && now - out->seen_unix >= STORE_SESSION_TOUCH &&
	    touch(s, hash, now, idle, lifetime) < 0)
		return -1;
	return ret;
}

int pg_session_end(struct store *base, const unsigned char *hash)
{
	struct pgp p = { .n = 0 };
	pgp_bin(&p, hash, STORE_SESSION_HASH_LEN);
	PGresult *r = pg_run(pgs(base), "end session",
			  "DELETE FROM sessions WHERE id_hash = $1", &p);
	PQclear(r);
	return r ? 0 : -1;
}

/* ---- the inbox ---- */

static void where_params(const struct store_inbox_where *w, int from,
			 struct pgp *p)
{
	for (int i = from; i < w->n; i++) {
		if (w->text[i])
			pgp_text(p, w->text[i]);
		else
			pgp_int(p, w->ints[i]);
	}
}

static void inbox_row(struct arena *a, const PGresult *r, int i,
		      struct store_inbox_row *row)
{
	row->id = pg_ll(r, i, 0);
	row->reference = pg_col_str(a, r, i, 1);
	row->city = pg_col_str(a, r, i, 2);
	row->city_name = pg_col_str(a, r, i, 3);
	row->service = pg_col_str(a, r, i, 4);
	row->service_title = pg_col_str(a, r, i, 5);
	row->office = pg_col_str(a, r, i, 6);
	row->office_name = pg_col_str(a, r, i, 7);
	row->status = pg_col_str(a, r, i, 8);
	row->received_unix = pg_ll(r, i, 9);
}

/* The count and the page on one connection. */
static int list_on(struct pg_store *s, PGconn *c, struct arena *a,
		   const struct store_inbox_query *q, const struct store_inbox_where *w,
		   struct store_inbox_row **rows, size_t *n, long long *total)
{
	char sql[sizeof w->sql + 512];
	struct pgp p = { .n = 0 };
	where_params(w, 0, &p);
	int k = q->count_limit ?
		snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT 1 FROM submissions s"
			 " WHERE %s LIMIT $%d) AS x", w->sql, w->n + 1) :
		snprintf(sql, sizeof sql, "SELECT count(*) FROM submissions s WHERE %s",
			 w->sql);
	if (q->count_limit)
		pgp_int(&p, q->count_limit + 1);
	PGresult *r = k > 0 && (size_t)k < sizeof sql ?
		pg_q(s, c, "inbox count", sql, &p, false) : NULL;
	if (!r)
		return -1;
	*total = pg_ll(r, 0, 0);
	PQclear(r);
	p.n = w->n;             /* the page's parameters: the filter's, then ... */
	pgp_int(&p, (long long)q->limit);
	pgp_int(&p, q->offset);
	k = snprintf(sql, sizeof sql, "SELECT s.id, s.reference, s.city, s.city_name,"
		     " s.service, s.service_title, s.office, s.office_name, s.status,"
		     " s.received_unix FROM submissions s WHERE %s"
		     " ORDER BY s.received_unix DESC, s.id DESC LIMIT $%d OFFSET $%d",
		     w->sql, w->n + 1, w->n + 2);
	r = k > 0 && (size_t)k < sizeof sql ? pg_q(s, c, "inbox list", sql, &p, false) : NULL;
	if (!r)
		return -1;
	int m = PQntuples(r);
	*rows = arena_alloc(a, (size_t)(m ? m : 1) * sizeof **rows);
	for (int i = 0; i < m && (size_t)i < q->limit; i++)
		inbox_row(a, r, i, &(*rows)[(*n)++]);
	PQclear(r);
	return 0;
}

int pg_inbox_list(struct store *base, struct arena *a,
		  const struct store_inbox_query *q, struct store_inbox_row **rows,
		  size_t *n, long long *total)
{
	struct pg_store *s = pgs(base);
	struct store_inbox_where w;
	if (store_inbox_where(q, '$', &w) < 0) {
		pg_fail(s, "inbox", "query too long");
		return -1;
	}
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	int rc = list_on(s, c, a, q, &w, rows, n, total);
	pg_put(s, c);
	if (rc < 0) {
		*n = 0;
		*total = 0;
	}
	return rc;
}

int pg_inbox_load(struct store *base, struct arena *a, long long id,
		  const struct store_office *offices, size_t n_offices,
		  bool with_files, struct submission **sub, const char **status)
{
	struct pg_store *s = pgs(base);
	struct store_inbox_where w;
	char sql[sizeof w.sql + 256];
	int k = store_offices_where(offices, n_offices, '$', 2, &w) < 0 ? -1 :
		snprintf(sql, sizeof sql, "SELECT " PG_SUB_COLS ", s.status, s.office,"
			 " s.subject, s.identity"
			 " FROM submissions s WHERE s.id = $1 AND %s", w.sql);
	if (k < 0 || (size_t)k >= sizeof sql) {
		pg_fail(s, "inbox", "query too long");
		return -1;
	}
	struct pgp p = { .n = 0 };
	pgp_int(&p, id);
	where_params(&w, 1, &p);
	/* one snapshot for the row and its fields and files */
	PGconn *c = pg_tx_begin(s);
	if (!c)
		return -1;
	PGresult *r = pg_q(s, c, "inbox load", sql, &p, false);
	int ret = r ? 1 : -1;
	if (r && PQntuples(r) == 1) {
		*sub = pg_sub_from_row(s, c, a, r, 0, with_files, NULL);
		*status = pg_col_str(a, r, 0, PG_SUB_NCOLS);
		if (*sub) {
			(*sub)->office = pg_col_str(a, r, 0, PG_SUB_NCOLS + 1);
			(*sub)->subject = pg_col_str(a, r, 0, PG_SUB_NCOLS + 2);
			(*sub)->identity = pg_col_str(a, r, 0, PG_SUB_NCOLS + 3);
		}
		ret = *sub ? 0 : -1;
	}
	PQclear(r);
	pg_tx_end(s, c, ret >= 0);
	return ret;
}

int pg_set_status(struct store *base, long long id, const char *status,
		  const char *actor, long long now)
{
	struct pgp p = { .n = 0 };
	pgp_int(&p, id);
	pgp_text(&p, status);
	pgp_int(&p, now);
	pgp_text(&p, actor);
	long long n = pg_run_count(pgs(base), "set status", "WITH u AS (UPDATE submissions"
		" SET status = $2 WHERE id = $1 RETURNING id),"
		" e AS (INSERT INTO events(submission_id, at_unix, kind, detail, actor)"
		" SELECT id, $3, 'status', $2, $4 FROM u)"
		" SELECT count(*) FROM u", &p);
	return n < 0 ? -1 : n == 1 ? 0 : 1;
}

/* ---- rows from before version 4 ---- */

static int fill_on(struct pg_store *s, PGconn *c, store_office_fn fn, void *ctx,
		   long long *filled)
{
	PGresult *r = pg_q(s, c, "fill offices", "SELECT DISTINCT city, service"
			   " FROM submissions WHERE office IS NULL", NULL, false);
	if (!r)
		return -1;
	int ret = 0;
	for (int i = 0; i < PQntuples(r) && ret == 0; i++) {
		const char *office = fn(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		struct pgp p = { .n = 0 };
		pgp_text(&p, office ? office : "");
		pgp_text(&p, PQgetvalue(r, i, 0));
		pgp_text(&p, PQgetvalue(r, i, 1));
		PGresult *u = pg_q(s, c, "fill offices", "UPDATE submissions SET office = $1"
				   " WHERE office IS NULL AND city = $2 AND service = $3",
				   &p, false);
		if (u)
			*filled += strtoll(PQcmdTuples(u), NULL, 10);
		else
			ret = -1;
		PQclear(u);
	}
	PQclear(r);
	return ret;
}

int pg_fill_offices(struct store *base, store_office_fn fn, void *ctx,
		    long long *filled)
{
	struct pg_store *s = pgs(base);
	PGconn *c = pg_tx_begin(s);
	if (!c)
		return -1;
	int rc = pg_tx_end(s, c, fill_on(s, c, fn, ctx, filled) == 0);
	if (rc < 0)
		*filled = 0;
	return rc;
}
