/* sqlite_outbox.c - the delivery side of the SQLite backend: claim due
 * jobs, record the outcome of each attempt. Every change adds an event row
 * in the same transaction. See store.h. */
#include "sqlite_int.h"
#include <stdio.h>

int sq_claim_due(struct store *base, long long now, long long lease,
		 struct outbox_job *jobs, size_t max, size_t *n)
{
	struct sq_store *s = sq(base);
	*n = 0;
	if (sq_tx_begin(s) < 0)
		return -1;
	int ok = 0;
	sqlite3_stmt *sel = sq_prep(s, "SELECT id, submission_id, kind,"
		" attempts, created_unix, ref_id FROM outbox WHERE delivered_unix IS NULL"
		" AND failed_unix IS NULL AND next_attempt <= ?"
		" ORDER BY next_attempt, id LIMIT ?");
	sqlite3_stmt *upd = sq_prep(s, "UPDATE outbox SET attempts ="
		" attempts + 1, next_attempt = ?, claimed_by = ? WHERE id = ?");
	if (!sel || !upd)
		goto out;
	sqlite3_bind_int64(sel, 1, now);
	sqlite3_bind_int64(sel, 2, (long long)max);
	int rc;
	while (*n < max && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		struct outbox_job *j = &jobs[*n];
		j->id = sqlite3_column_int64(sel, 0);
		j->submission_id = sqlite3_column_int64(sel, 1);
		snprintf(j->kind, sizeof j->kind, "%s",
			 (const char *)sqlite3_column_text(sel, 2));
		j->attempts = sqlite3_column_int(sel, 3) + 1;
		j->created_unix = sqlite3_column_int64(sel, 4);
		j->ref_id = sqlite3_column_int64(sel, 5);
		j->next_attempt = now + lease;
		(*n)++;
	}
	if (*n < max && rc != SQLITE_DONE) {
		sq_fail(s, "claim");
		goto out;
	}
	for (size_t i = 0; i < *n; i++) {
		sqlite3_reset(upd);
		sqlite3_bind_int64(upd, 1, jobs[i].next_attempt);
		sqlite3_bind_text(upd, 2, s->instance, -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 3, jobs[i].id);
		if (sqlite3_step(upd) != SQLITE_DONE) {
			sq_fail(s, "claim update");
			goto out;
		}
		char detail[32];
		snprintf(detail, sizeof detail, "attempt %d", jobs[i].attempts);
		if (sq_event(s, jobs[i].submission_id, jobs[i].id, now,
				"claimed", detail) < 0)
			goto out;
	}
	ok = 1;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	if (sq_tx_end(s, ok) < 0) {
		*n = 0;
		return -1;
	}
	return 0;
}

/* Runs an UPDATE on one job (params: ?1 job id, ?2 now/at, ?3 text) and
 * adds event kind for its submission. */
static int job_update(struct sq_store *s, const char *sql, long long job_id,
		      long long t, const char *text, long long now,
		      const char *kind)
{
	if (sq_tx_begin(s) < 0)
		return -1;
	int ok = 0;
	long long sub_id = -1;
	sqlite3_stmt *q = sq_prep(s, "SELECT submission_id FROM outbox WHERE id = ?");
	sqlite3_stmt *u = sq_prep(s, sql);
	if (!q || !u)
		goto out;
	sqlite3_bind_int64(q, 1, job_id);
	if (sqlite3_step(q) != SQLITE_ROW) {
		snprintf(s->base.err, sizeof s->base.err, "no outbox job %lld", job_id);
		goto out;
	}
	sub_id = sqlite3_column_int64(q, 0);
	sqlite3_bind_int64(u, 1, job_id);
	sqlite3_bind_int64(u, 2, t);
	sqlite3_bind_text(u, 3, text ? text : "", -1, SQLITE_TRANSIENT);
	if (sqlite3_step(u) != SQLITE_DONE) {
		sq_fail(s, kind);
		goto out;
	}
	ok = sq_event(s, sub_id, job_id, now, kind, text) == 0;
out:
	sqlite3_finalize(q);
	sqlite3_finalize(u);
	return sq_tx_end(s, ok);
}

int sq_job_delivered(struct store *base, long long job_id, long long now,
		     const char *detail)
{
	struct sq_store *s = sq(base);
	return job_update(s, "UPDATE outbox SET delivered_unix = ?2,"
			  " failed_unix = NULL WHERE id = ?1",
			  job_id, now, detail, now, "delivered");
}

int sq_job_retry(struct store *base, long long job_id, long long now,
		 long long at, const char *error)
{
	struct sq_store *s = sq(base);
	return job_update(s, "UPDATE outbox SET next_attempt = ?2,"
			  " last_error = ?3 WHERE id = ?1",
			  job_id, at, error, now, "retry");
}

int sq_job_failed(struct store *base, long long job_id, long long now,
		  const char *error)
{
	struct sq_store *s = sq(base);
	return job_update(s, "UPDATE outbox SET failed_unix = ?2,"
			  " last_error = ?3 WHERE id = ?1",
			  job_id, now, error, now, "failed");
}

int sq_resend(struct store *base, long long submission_id, long long now)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	int ok = 0, found = 0;
	sqlite3_stmt *u = sq_prep(s, "UPDATE outbox SET delivered_unix = NULL,"
		" failed_unix = NULL, attempts = 0, last_error = '',"
		" next_attempt = ?2 WHERE submission_id = ?1");
	if (!u)
		goto out;
	sqlite3_bind_int64(u, 1, submission_id);
	sqlite3_bind_int64(u, 2, now);
	if (sqlite3_step(u) != SQLITE_DONE) {
		sq_fail(s, "resend");
		goto out;
	}
	found = sqlite3_changes(s->db) > 0;
	ok = !found || sq_event(s, submission_id, 0, now, "resend", NULL) == 0;
out:
	sqlite3_finalize(u);
	if (sq_tx_end(s, ok) < 0)
		return -1;
	return found ? 0 : 1;
}

long long sq_next_due(struct store *base)
{
	struct sq_store *s = sq(base);
	pthread_mutex_lock(&s->mu);
	long long t = -1;
	sqlite3_stmt *q = sq_prep(s, "SELECT coalesce(min(next_attempt), 0)"
		" FROM outbox WHERE delivered_unix IS NULL AND failed_unix IS NULL");
	if (q && sqlite3_step(q) == SQLITE_ROW)
		t = sqlite3_column_int64(q, 0);
	else if (q)
		sq_fail(s, "next due");
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	return t;
}
