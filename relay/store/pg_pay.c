/* pg_pay.c - online payment in the PostgreSQL backend (store.h, schema
 * version 7). Each write is one statement: PostgreSQL runs it with its
 * data-modifying WITH parts as one transaction. The settle's UPDATE
 * takes the row lock, so of two notices at once the second finds the
 * payment no longer pending (READ COMMITTED re-checks the WHERE). */
#include "pg_int.h"
#include <stdio.h>
#include <string.h>

int pg_payment_new(struct store *base, long long submission_id, long long amount,
		   const char *deliver, const char *reference, long long now)
{
	struct pg_store *s = pgs(base);
	struct pgp p = { .n = 0 };
	pgp_int(&p, submission_id);         /* $1 */
	pgp_text(&p, reference);            /* $2 */
	pgp_int(&p, amount);                /* $3 */
	pgp_text(&p, deliver);              /* $4 */
	pgp_int(&p, now);                   /* $5 */
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	PGresult *r = pg_q(s, c, "payment", "WITH n AS (INSERT INTO payments(submission_id,"
		" reference, amount_cents, deliver, created_unix, updated_unix)"
		" SELECT id, $2, $3, $4, $5, $5 FROM submissions WHERE id = $1"
		" RETURNING submission_id),"
		" e AS (INSERT INTO events(submission_id, at_unix, kind, detail)"
		" SELECT submission_id, $5, 'payment', 'ausstehend ' || $3::bigint FROM n)"
		" SELECT count(*) FROM n", &p, false);
	pg_put(s, c);
	if (!r)
		return -1;
	long long n = pg_ll(r, 0, 0);
	PQclear(r);
	return n == 1 ? 0 : 1;
}

static void copy_col(char *dst, size_t max, const PGresult *r, int col)
{
	snprintf(dst, max, "%s", PQgetvalue(r, 0, col));
}

int pg_payment_get(struct store *base, const char *reference, long long submission_id,
		   struct store_payment *out)
{
	struct pg_store *s = pgs(base);
	struct pgp p = { .n = 0 };
	if (reference)
		pgp_text(&p, reference);
	else
		pgp_int(&p, submission_id);
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	PGresult *r = pg_q(s, c, "payment get", reference
		? "SELECT id, submission_id, amount_cents, created_unix, updated_unix,"
		  " reference, currency, state, deliver, provider_txn FROM payments"
		  " WHERE reference = $1"
		: "SELECT id, submission_id, amount_cents, created_unix, updated_unix,"
		  " reference, currency, state, deliver, provider_txn FROM payments"
		  " WHERE submission_id = $1 ORDER BY id DESC LIMIT 1", &p, false);
	pg_put(s, c);
	if (!r)
		return -1;
	int rows = PQntuples(r);
	if (rows == 1) {
		out->id = pg_ll(r, 0, 0);
		out->submission_id = pg_ll(r, 0, 1);
		out->amount_cents = pg_ll(r, 0, 2);
		out->created_unix = pg_ll(r, 0, 3);
		out->updated_unix = pg_ll(r, 0, 4);
		copy_col(out->reference, sizeof out->reference, r, 5);
		copy_col(out->currency, sizeof out->currency, r, 6);
		copy_col(out->state, sizeof out->state, r, 7);
		copy_col(out->deliver, sizeof out->deliver, r, 8);
		copy_col(out->provider_txn, sizeof out->provider_txn, r, 9);
	}
	PQclear(r);
	return rows == 1 ? 0 : 1;
}

int pg_payment_settle(struct store *base, const char *reference, const char *state,
		      const char *txn, long long now, bool *changed)
{
	struct pg_store *s = pgs(base);
	struct pgp p = { .n = 0 };
	pgp_text(&p, reference);            /* $1 */
	pgp_text(&p, state);                /* $2 */
	pgp_text(&p, txn);                  /* $3 */
	pgp_int(&p, now);                   /* $4 */
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	PGresult *r = pg_q(s, c, "payment settle", "WITH u AS (UPDATE payments SET"
		" state = $2, provider_txn = $3, updated_unix = $4"
		" WHERE reference = $1 AND state = 'ausstehend'"
		" RETURNING submission_id, amount_cents, deliver),"
		" e AS (INSERT INTO events(submission_id, at_unix, kind, detail)"
		" SELECT submission_id, $4, 'payment', $2 || ' ' || amount_cents FROM u),"
		" o AS (INSERT INTO outbox(submission_id, kind, next_attempt, created_unix)"
		" SELECT submission_id, 'office', $4, $4 FROM u"
		" WHERE $2 = 'bezahlt' AND deliver = 'after_payment')"
		" SELECT (SELECT count(*) FROM u),"
		" (SELECT count(*) FROM payments WHERE reference = $1)", &p, false);
	pg_put(s, c);
	if (!r)
		return -1;
	*changed = pg_ll(r, 0, 0) == 1;
	long long exists = pg_ll(r, 0, 1);
	PQclear(r);
	return exists ? 0 : 1;
}
