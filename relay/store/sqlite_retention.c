/* sqlite_retention.c - the SQLite backend's purge: one transaction that
 * deletes what retention.c says may go. See store_purge in store.h. */
#include "sqlite_int.h"
#include <time.h>

/* A submission is finished when none of its jobs is still pending; its
 * delivery ended at the latest delivered/failed time of its jobs. */
#define PENDING_JOB "EXISTS (SELECT 1 FROM outbox o WHERE o.submission_id = s.id" \
	" AND o.delivered_unix IS NULL AND o.failed_unix IS NULL)"

/* The clerks' sessions end by the clock, whatever the retention cutoff
 * (the Postfach's links and sessions: store_postfach_purge, after this). */
static int purge_sessions(struct sq_store *s)
{
	static const char *const del[] = {
		"DELETE FROM sessions WHERE expires_unix <= ?",
	};
	long long now = (long long)time(NULL);
	for (size_t i = 0; i < sizeof del / sizeof del[0]; i++) {
		sqlite3_stmt *q = sq_prep(s, del[i]);
		if (!q)
			return -1;
		sqlite3_bind_int64(q, 1, now);
		int rc = sqlite3_step(q);
		if (rc != SQLITE_DONE)
			sq_fail(s, "purge sessions");
		sqlite3_finalize(q);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

int sq_purge(struct store *base, long long cutoff_unix, long long *purged,
	     long long *kept)
{
	struct sq_store *s = sq(base);
	static const char *const del[] = {
		"DELETE FROM attachments WHERE submission_id IN (SELECT id FROM old)",
		"DELETE FROM messages WHERE submission_id IN (SELECT id FROM old)",
		"DELETE FROM outbox WHERE submission_id IN (SELECT id FROM old)",
		"DELETE FROM events WHERE submission_id IN (SELECT id FROM old)",
		"DELETE FROM submissions WHERE id IN (SELECT id FROM old)",
	};
	*purged = *kept = 0;
	int ok = 0;
	if (sq_tx_begin(s) < 0)
		return -1;
	/* a temp table left by an earlier failure would make CREATE fail */
	sqlite3_stmt *q = NULL, *k = NULL;
	if (sq_exec(s, "DROP TABLE IF EXISTS temp.old") < 0)
		goto out;
	q = sq_prep(s, "CREATE TEMP TABLE old AS SELECT s.id"
		" FROM submissions s WHERE NOT " PENDING_JOB " AND coalesce((SELECT"
		" max(coalesce(o.delivered_unix, o.failed_unix)) FROM outbox o"
		" WHERE o.submission_id = s.id), s.received_unix) < ?");
	k = sq_prep(s, "SELECT count(*) FROM submissions s"
		" WHERE s.received_unix < ? AND " PENDING_JOB);
	if (!q || !k)
		goto out;
	sqlite3_bind_int64(q, 1, cutoff_unix);
	sqlite3_bind_int64(k, 1, cutoff_unix);
	if (sqlite3_step(q) != SQLITE_DONE || sqlite3_step(k) != SQLITE_ROW) {
		sq_fail(s, "purge");
		goto out;
	}
	*kept = sqlite3_column_int64(k, 0);
	sqlite3_reset(k);       /* DROP TABLE fails while a statement is active */
	for (size_t i = 0; i < sizeof del / sizeof del[0]; i++)
		if (sq_exec(s, del[i]) < 0)
			goto out;
	*purged = sqlite3_changes(s->db);
	ok = sq_exec(s, "DROP TABLE temp.old") == 0 && purge_sessions(s) == 0;
out:
	sqlite3_finalize(q);
	sqlite3_finalize(k);
	if (sq_tx_end(s, ok) < 0) {
		*purged = *kept = 0;
		return -1;
	}
	return 0;
}
