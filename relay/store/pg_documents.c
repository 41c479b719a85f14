/* pg_documents.c - documents handed in later, PostgreSQL backend: the
 * attachments row, its 'document' event and outbox job in one
 * transaction. The submission's row is locked first (FOR UPDATE), so two
 * uploads to one application at once are counted and numbered one after
 * the other. See store_documents_add in store.h. */
#include "pg_int.h"
#include <stdio.h>

/* How many later documents submission id has and its last seq; 1 when
 * there is no such submission. */
static int count_documents(struct pg_store *s, PGconn *c, long long id,
			   long long *docs, long long *seq)
{
	struct pgp p = { .n = 0 };
	pgp_int(&p, id);
	PGresult *r = pg_q(s, c, "count documents", "SELECT (SELECT count(*)"
		" FROM attachments WHERE submission_id = $1 AND added_unix IS NOT NULL),"
		" (SELECT coalesce(max(seq), -1) FROM attachments"
		" WHERE submission_id = $1) FROM submissions WHERE id = $1 FOR UPDATE",
		&p, false);
	if (!r)
		return -1;
	int ret = 1;
	if (PQntuples(r) == 1) {
		*docs = pg_ll(r, 0, 0);
		*seq = pg_ll(r, 0, 1);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

/* The row, its job and its event, as one statement. */
static int insert_all(struct pg_store *s, PGconn *c, long long id,
		      long long seq, struct store_document *d, long long now)
{
	struct pgp p = { .n = 0 };
	pgp_int(&p, id);
	pgp_int(&p, seq);
	pgp_text(&p, STORE_DOCUMENT_FIELD);
	pgp_text(&p, d->label);
	pgp_text(&p, d->filename);
	pgp_text(&p, d->mime);
	pgp_bin(&p, d->data, d->len);
	pgp_int(&p, now);
	PGresult *r = pg_q(s, c, "insert document", "WITH a AS (INSERT INTO"
		" attachments(submission_id, seq, field, label, filename, mime, data,"
		" added_unix) VALUES($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id),"
		" j AS (INSERT INTO outbox(submission_id, kind, ref_id, next_attempt,"
		" created_unix) SELECT $1, 'document', a.id, $8, $8 FROM a),"
		" e AS (INSERT INTO events(submission_id, at_unix, kind, detail)"
		" VALUES($1, $8, 'document', $5))"
		" SELECT id FROM a", &p, false);
	if (!r)
		return -1;
	int ok = PQntuples(r) == 1;
	if (ok)
		d->id = pg_ll(r, 0, 0);
	else
		pg_fail(s, "insert document", "no row");
	PQclear(r);
	return ok ? 0 : -1;
}

int pg_documents_add(struct store *base, long long submission_id,
		     struct store_document *d, size_t n, size_t max,
		     long long now)
{
	struct pg_store *s = pgs(base);
	long long docs = 0, seq = 0;
	PGconn *c = pg_tx_begin(s);
	if (!c)
		return -1;
	int rc = count_documents(s, c, submission_id, &docs, &seq);
	if (rc == 0 && docs + (long long)n > (long long)max)
		rc = 2;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int k = snprintf(d[i].filename, sizeof d[i].filename, "%s-%lld.%s",
				 STORE_DOCUMENT_FIELD, docs + 1 + (long long)i, d[i].ext);
		if (k < 0 || (size_t)k >= sizeof d[i].filename) {
			pg_fail(s, "document", "name too long");
			rc = -1;
		} else {
			rc = insert_all(s, c, submission_id, seq + 1 + (long long)i, &d[i],
					now);
		}
	}
	/* 1 and 2 change nothing: rolled back like an error */
	if (pg_tx_end(s, c, rc == 0) < 0 && rc == 0)
		rc = -1;
	return rc;
}
