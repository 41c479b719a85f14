/* sqlite_tx.c - the one way the SQLite backend changes the database:
 * BEGIN IMMEDIATE under the connection's mutex, then COMMIT or ROLLBACK,
 * then unlock. See sqlite_int.h. */
#include "sqlite_int.h"
#include <string.h>

int sq_tx_begin(struct sq_store *s)
{
	pthread_mutex_lock(&s->mu);
	/* IMMEDIATE takes the write lock now, so the transaction cannot fail
	 * half-way because a reader upgraded first */
	if (sq_exec(s, "BEGIN IMMEDIATE") < 0) {
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	return 0;
}

int sq_tx_end(struct sq_store *s, bool ok)
{
	int ret = -1;
	if (ok && sq_exec(s, "COMMIT") == 0)
		ret = 0;
	if (ret < 0) {
		/* the log line needs the error that made us roll back, not
		 * ROLLBACK's own (e.g. "no transaction is active") */
		char keep[sizeof s->base.err];
		memcpy(keep, s->base.err, sizeof keep);
		sq_exec(s, "ROLLBACK");
		memcpy(s->base.err, keep, sizeof keep);
	}
	pthread_mutex_unlock(&s->mu);
	return ret;
}

int sq_step_done(struct sq_store *s, sqlite3_stmt *q, const char *what)
{
	int rc = q ? sqlite3_step(q) : SQLITE_ERROR;
	if (rc != SQLITE_DONE && q)
		sq_fail(s, what);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}
