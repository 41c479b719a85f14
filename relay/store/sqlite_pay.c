/* sqlite_pay.c - online payment in the SQLite backend (store.h, schema
 * version 7): a settled notice, its event and the held office job in one
 * transaction. */
#include "sqlite_int.h"
#include <stdio.h>
#include <string.h>

/* "ausstehend 2250": what the timeline and the inbox show of a payment. */
static int pay_event(struct sq_store *s, long long sub_id, long long now, const char *state,
		     long long amount)
{
	char detail[48];
	int w = snprintf(detail, sizeof detail, "%s %lld", state, amount);
	if (w < 0 || (size_t)w >= sizeof detail)
		return -1;
	return sq_event(s, sub_id, 0, now, "payment", detail);
}

int sq_payment_new(struct store *base, long long submission_id, long long amount,
		   const char *deliver, const char *reference, long long now)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO payments(submission_id, reference,"
				  " amount_cents, deliver, created_unix, updated_unix)"
				  " SELECT id, ?, ?, ?, ?, ? FROM submissions WHERE id = ?");
	if (q) {
		sqlite3_bind_text(q, 1, reference, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, amount);
		sqlite3_bind_text(q, 3, deliver, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, now);
		sqlite3_bind_int64(q, 5, now);
		sqlite3_bind_int64(q, 6, submission_id);
	}
	bool ok = sq_step_done(s, q, "payment") == 0;
	bool found = ok && sqlite3_changes(s->db) == 1;
	ok = ok && (!found || pay_event(s, submission_id, now, "ausstehend", amount) == 0);
	if (sq_tx_end(s, ok && found) < 0)
		return ok && !found ? 1 : -1;
	return 0;
}

static void copy_col(char *dst, size_t max, sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	snprintf(dst, max, "%s", t ? (const char *)t : "");
}

int sq_payment_get(struct store *base, const char *reference, long long submission_id,
		   struct store_payment *out)
{
	struct sq_store *s = sq(base);
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, reference
		? "SELECT id, submission_id, amount_cents, created_unix, updated_unix,"
		  " reference, currency, state, deliver, provider_txn FROM payments"
		  " WHERE reference = ?"
		: "SELECT id, submission_id, amount_cents, created_unix, updated_unix,"
		  " reference, currency, state, deliver, provider_txn FROM payments"
		  " WHERE submission_id = ? ORDER BY id DESC LIMIT 1");
	int rc = SQLITE_ERROR;
	if (q) {
		if (reference)
			sqlite3_bind_text(q, 1, reference, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(q, 1, submission_id);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			out->id = sqlite3_column_int64(q, 0);
			out->submission_id = sqlite3_column_int64(q, 1);
			out->amount_cents = sqlite3_column_int64(q, 2);
			out->created_unix = sqlite3_column_int64(q, 3);
			out->updated_unix = sqlite3_column_int64(q, 4);
			copy_col(out->reference, sizeof out->reference, q, 5);
			copy_col(out->currency, sizeof out->currency, q, 6);
			copy_col(out->state, sizeof out->state, q, 7);
			copy_col(out->deliver, sizeof out->deliver, q, 8);
			copy_col(out->provider_txn, sizeof out->provider_txn, q, 9);
		} else if (rc != SQLITE_DONE) {
			sq_fail(s, "payment get");
		}
		sqlite3_finalize(q);
	}
	pthread_mutex_unlock(&s->mu);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* The pending payment of reference: its submission, amount and whether
 * the office mail waits for it. 1 found, 0 none pending, -1 error. */
static int pending(struct sq_store *s, const char *reference, long long *sub,
		   long long *amount, bool *held, bool *exists)
{
	sqlite3_stmt *q = sq_prep(s, "SELECT submission_id, amount_cents,"
				  " deliver = 'after_payment', state = 'ausstehend'"
				  " FROM payments WHERE reference = ?");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, reference, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q), found = 0;
	if (rc == SQLITE_ROW) {
		*exists = true;
		*sub = sqlite3_column_int64(q, 0);
		*amount = sqlite3_column_int64(q, 1);
		*held = sqlite3_column_int(q, 2) != 0;
		found = sqlite3_column_int(q, 3) != 0;
	} else if (rc != SQLITE_DONE) {
		sq_fail(s, "payment pending");
		found = -1;
	}
	sqlite3_finalize(q);
	return found;
}

static int mark(struct sq_store *s, const char *reference, const char *state,
		const char *txn, long long now)
{
	sqlite3_stmt *q = sq_prep(s, "UPDATE payments SET state = ?, provider_txn = ?,"
				  " updated_unix = ? WHERE reference = ? AND state = 'ausstehend'");
	if (q) {
		sqlite3_bind_text(q, 1, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, txn, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, now);
		sqlite3_bind_text(q, 4, reference, -1, SQLITE_STATIC);
	}
	return sq_step_done(s, q, "payment settle");
}

static int office_job(struct sq_store *s, long long sub, long long now)
{
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO outbox(submission_id, kind, next_attempt,"
				  " created_unix) VALUES(?, 'office', ?, ?)");
	if (q) {
		sqlite3_bind_int64(q, 1, sub);
		sqlite3_bind_int64(q, 2, now);
		sqlite3_bind_int64(q, 3, now);
	}
	return sq_step_done(s, q, "payment office job");
}

int sq_payment_settle(struct store *base, const char *reference, const char *state,
		      const char *txn, long long now, bool *changed)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	long long sub = 0, amount = 0;
	bool held = false, exists = false;
	int p = pending(s, reference, &sub, &amount, &held, &exists);
	bool ok = p >= 0;
	if (p == 1)
		ok = mark(s, reference, state, txn, now) == 0 &&
		     pay_event(s, sub, now, state, amount) == 0 &&
		     (!held || strcmp(state, "bezahlt") || office_job(s, sub, now) == 0);
	if (sq_tx_end(s, ok) < 0)
		return -1;
	*changed = p == 1;
	return exists ? 0 : 1;
}
