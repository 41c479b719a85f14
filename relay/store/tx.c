/* tx.c - the one way the store changes the database: BEGIN IMMEDIATE under
 * the connection's mutex, then COMMIT or ROLLBACK, then unlock. See
 * store_int.h. */
#include "store_int.h"
#include <string.h>

int store_tx_begin(struct store *s)
{
	pthread_mutex_lock(&s->mu);
	/* IMMEDIATE takes the write lock now, so the transaction cannot fail
	 * half-way because a reader upgraded first */
	if (store_exec(s, "BEGIN IMMEDIATE") < 0) {
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	return 0;
}

int store_tx_end(struct store *s, bool ok)
{
	int ret = -1;
	if (ok && store_exec(s, "COMMIT") == 0)
		ret = 0;
	if (ret < 0) {
		/* the log line needs the error that made us roll back, not
		 * ROLLBACK's own (e.g. "no transaction is active") */
		char keep[sizeof s->err];
		memcpy(keep, s->err, sizeof keep);
		store_exec(s, "ROLLBACK");
		memcpy(s->err, keep, sizeof keep);
	}
	pthread_mutex_unlock(&s->mu);
	return ret;
}
