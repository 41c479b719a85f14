/* pg_outbox.c - the delivery side of the PostgreSQL backend: claim due
 * jobs, record the outcome of each attempt, resend, purge. Each is one
 * statement (its own transaction) whose CTEs also add the event rows, so
 * a change and its event are committed together.
 *
 * Several relayd may claim from one outbox: FOR UPDATE SKIP LOCKED makes
 * a job that another instance is claiming invisible to this one, and the
 * claim pushes next_attempt to now + lease, so once committed the job is
 * no longer due anywhere until the lease runs out (a crashed instance's
 * job is mailed again then: at-least-once, the same Message-ID). See
 * store.h. */
#include "pg_int.h"
#include <stdio.h>
#include <time.h>

int pg_claim_due(struct store *base, long long now, long long lease,
		 struct outbox_job *jobs, size_t max, size_t *n)
{
	struct pg_store *s = pgs(base);
	*n = 0;
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	struct pgp p = { .n = 0 };
	pgp_int(&p, now);
	pgp_int(&p, (long long)max);
	pgp_int(&p, now + lease);
	pgp_text(&p, s->instance);
	PGresult *r = pg_q(s, c, "claim", "WITH due AS (SELECT id, next_attempt"
		" FROM outbox WHERE delivered_unix IS NULL AND failed_unix IS NULL"
		" AND next_attempt <= $1 ORDER BY next_attempt, id LIMIT $2"
		" FOR UPDATE SKIP LOCKED),"
		" u AS (UPDATE outbox o SET attempts = o.attempts + 1,"
		" next_attempt = $3, claimed_by = $4 FROM due WHERE o.id = due.id"
		" RETURNING o.id, o.submission_id, o.kind, o.attempts, o.created_unix,"
		" o.ref_id, due.next_attempt AS was),"
		" e AS (INSERT INTO events(submission_id, job_id, at_unix, kind, detail)"
		" SELECT submission_id, id, $1, 'claimed', 'attempt ' || attempts FROM u)"
		" SELECT id, submission_id, kind, attempts, created_unix, ref_id FROM u"
		" ORDER BY was, id", &p, false);
	pg_put(s, c);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r) && *n < max; i++) {
		struct outbox_job *j = &jobs[*n];
		j->id = pg_ll(r, i, 0);
		j->submission_id = pg_ll(r, i, 1);
		snprintf(j->kind, sizeof j->kind, "%s", PQgetvalue(r, i, 2));
		j->attempts = (int)pg_ll(r, i, 3);
		j->created_unix = pg_ll(r, i, 4);
		j->ref_id = pg_ll(r, i, 5);
		j->next_attempt = now + lease;
		(*n)++;
	}
	PQclear(r);
	return 0;
}

/* Runs set (an assignment list; $1 job id, $2 now/at, $3 text) on one job
 * and adds event kind ($4 = now) for its submission. */
static int job_update(struct pg_store *s, const char *set, long long job_id,
		      long long t, const char *text, long long now,
		      const char *kind)
{
	char sql[512];
	int len = snprintf(sql, sizeof sql, "WITH u AS (UPDATE outbox SET %s"
		" WHERE id = $1 RETURNING submission_id)"
		" INSERT INTO events(submission_id, job_id, at_unix, kind, detail)"
		" SELECT submission_id, $1, $4, $5, $6 FROM u RETURNING 1", set);
	if (len < 0 || len >= (int)sizeof sql) {
		pg_fail(s, kind, "statement too long");
		return -1;
	}
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	struct pgp p = { .n = 0 };
	pgp_int(&p, job_id);
	pgp_int(&p, t);
	pgp_text(&p, text ? text : "");
	pgp_int(&p, now);
	pgp_text(&p, kind);
	pgp_text(&p, text ? text : "");
	PGresult *r = pg_q(s, c, kind, sql, &p, false);
	pg_put(s, c);
	int rc = r && PQntuples(r) == 1 ? 0 : -1;
	if (r && rc < 0) {
		char m[64];
		snprintf(m, sizeof m, "no outbox job %lld", job_id);
		pg_fail(s, kind, m);
	}
	PQclear(r);
	return rc;
}

int pg_job_delivered(struct store *base, long long job_id, long long now,
		     const char *detail)
{
	return job_update(pgs(base), "delivered_unix = $2, failed_unix = NULL", job_id, now, detail, now, "delivered");
}

int pg_job_retry(struct store *base, long long job_id, long long now,
		 long long at, const char *error)
{
	return job_update(pgs(base), "next_attempt = $2, last_error = $3",
			  job_id, at, error, now, "retry");
}

int pg_job_failed(struct store *base, long long job_id, long long now,
		  const char *error)
{
	return job_update(pgs(base), "failed_unix = $2, last_error = $3",
			  job_id, now, error, now, "failed");
}

int pg_resend(struct store *base, long long submission_id, long long now)
{
	struct pg_store *s = pgs(base);
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	struct pgp p = { .n = 0 };
	pgp_int(&p, submission_id);
	pgp_int(&p, now);
	PGresult *r = pg_q(s, c, "resend", "WITH u AS (UPDATE outbox SET"
		" delivered_unix = NULL, failed_unix = NULL, attempts = 0,"
		" last_error = '', next_attempt = $2 WHERE submission_id = $1"
		" RETURNING 1)"
		" INSERT INTO events(submission_id, at_unix, kind, detail)"
		" SELECT $1, $2, 'resend', '' WHERE EXISTS (SELECT 1 FROM u)"
		" RETURNING 1", &p, false);
	pg_put(s, c);
	if (!r)
		return -1;
	int found = PQntuples(r) == 1;
	PQclear(r);
	return found ? 0 : 1;
}

long long pg_next_due(struct store *base)
{
	struct pg_store *s = pgs(base);
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	PGresult *r = pg_q(s, c, "next due", "SELECT coalesce(min(next_attempt), 0)"
		" FROM outbox WHERE delivered_unix IS NULL AND failed_unix IS NULL",
		NULL, false);
	pg_put(s, c);
	long long t = r ? pg_ll(r, 0, 0) : -1;
	PQclear(r);
	return t;
}

/* A submission is finished when none of its jobs is still pending; its
 * delivery ended at the latest delivered/failed time of its jobs. The
 * deletes are CTEs of one statement; the foreign keys are checked at its
 * end, when all of them are done. Clerks' sessions, Postfach links and
 * Postfach sessions go by the clock ($2). */
#define PENDING_JOB "EXISTS (SELECT 1 FROM outbox o WHERE o.submission_id = s.id" \
	" AND o.delivered_unix IS NULL AND o.failed_unix IS NULL)"

int pg_purge(struct store *base, long long cutoff_unix, long long *purged,
	     long long *kept)
{
	struct pg_store *s = pgs(base);
	*purged = *kept = 0;
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	struct pgp p = { .n = 0 };
	pgp_int(&p, cutoff_unix);
	pgp_int(&p, (long long)time(NULL));    /* sessions end by the clock */
	PGresult *r = pg_q(s, c, "purge", "WITH old AS (SELECT s.id FROM"
		" submissions s WHERE NOT " PENDING_JOB " AND coalesce((SELECT"
		" max(coalesce(o.delivered_unix, o.failed_unix)) FROM outbox o"
		" WHERE o.submission_id = s.id), s.received_unix) < $1"
		" FOR UPDATE OF s),"
		" a AS (DELETE FROM attachments WHERE submission_id IN (SELECT id FROM old)),"
		" m AS (DELETE FROM messages WHERE submission_id IN (SELECT id FROM old)),"
		" o AS (DELETE FROM outbox WHERE submission_id IN (SELECT id FROM old)),"
		" e AS (DELETE FROM events WHERE submission_id IN (SELECT id FROM old)),"
		" d AS (DELETE FROM submissions WHERE id IN (SELECT id FROM old)"
		" RETURNING 1),"
		" x AS (DELETE FROM sessions WHERE expires_unix <= $2)"
		" SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM submissions s"
		" WHERE s.received_unix < $1 AND " PENDING_JOB ")", &p, false);
	pg_put(s, c);
	if (!r)
		return -1;
	*purged = pg_ll(r, 0, 0);
	*kept = pg_ll(r, 0, 1);
	PQclear(r);
	return 0;
}
