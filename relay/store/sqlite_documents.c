/* sqlite_documents.c - documents handed in later, SQLite backend: the
 * attachments row, its 'document' event and outbox job in one
 * transaction. See store_documents_add in store.h. */
#include "sqlite_int.h"
#include <stdio.h>

/* How many later documents submission id has and its last seq; 1 when
 * there is no such submission. Caller holds the transaction. */
static int count_documents(struct sq_store *s, long long id, long long *docs,
			   long long *seq)
{
	sqlite3_stmt *q = sq_prep(s, "SELECT (SELECT count(*) FROM attachments"
		" WHERE submission_id = ?1 AND added_unix IS NOT NULL),"
		" (SELECT coalesce(max(seq), -1) FROM attachments"
		" WHERE submission_id = ?1) FROM submissions WHERE id = ?1");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q), ret = -1;
	if (rc == SQLITE_ROW) {
		*docs = sqlite3_column_int64(q, 0);
		*seq = sqlite3_column_int64(q, 1);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = 1;
	} else {
		sq_fail(s, "count documents");
	}
	sqlite3_finalize(q);
	return ret;
}

static int insert_row(struct sq_store *s, long long id, long long seq,
		      const struct store_document *d, long long now)
{
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO attachments(submission_id, seq,"
		" field, label, filename, mime, data, added_unix)"
		" VALUES(?,?,?,?,?,?,?,?)");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, seq);
	sqlite3_bind_text(q, 3, STORE_DOCUMENT_FIELD, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, d->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, d->filename, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, d->mime, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(q, 7, d->len ? (const void *)d->data : "", d->len,
			    SQLITE_STATIC);
	sqlite3_bind_int64(q, 8, now);
	int rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		sq_fail(s, "insert document");
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int insert_job(struct sq_store *s, long long id, long long ref,
		      long long now)
{
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO outbox(submission_id, kind,"
		" ref_id, next_attempt, created_unix) VALUES(?, 'document', ?, ?, ?)");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, ref);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int64(q, 4, now);
	int rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		sq_fail(s, "insert document job");
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The row, its job and its event. */
static int insert_all(struct sq_store *s, long long id, long long seq,
		      struct store_document *d, long long now)
{
	if (insert_row(s, id, seq, d, now) < 0)
		return -1;
	d->id = sqlite3_last_insert_rowid(s->db);
	if (insert_job(s, id, d->id, now) < 0 ||
	    sq_event(s, id, 0, now, "document", d->filename) < 0)
		return -1;
	return 0;
}

int sq_documents_add(struct store *base, long long submission_id,
		     struct store_document *d, size_t n, size_t max,
		     long long now)
{
	struct sq_store *s = sq(base);
	long long docs = 0, seq = 0;
	if (sq_tx_begin(s) < 0)
		return -1;
	int rc = count_documents(s, submission_id, &docs, &seq);
	if (rc == 0 && docs + (long long)n > (long long)max)
		rc = 2;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int k = snprintf(d[i].filename, sizeof d[i].filename, "%s-%lld.%s",
				 STORE_DOCUMENT_FIELD, docs + 1 + (long long)i, d[i].ext);
		if (k < 0 || (size_t)k >= sizeof d[i].filename) {
			snprintf(s->base.err, sizeof s->base.err, "document name too long");
			rc = -1;
		} else {
			rc = insert_all(s, submission_id, seq + 1 + (long long)i, &d[i], now);
		}
	}
	/* 1 and 2 change nothing: rolled back like an error */
	if (sq_tx_end(s, rc == 0) < 0 && rc == 0)
		rc = -1;
	return rc;
}
