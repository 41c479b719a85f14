/* pg_insert.c - the PostgreSQL backend's group-commit insert: a batch of
 * submissions in one transaction. See store.h.
 *
 * Each statement is a round trip to the server, and they, not the one
 * fsync of the COMMIT, bound a batch's time. So a batch is first tried
 * without savepoints (a statement per submission and one per attachment);
 * only when something in it fails is it rolled back and done again with a
 * SAVEPOINT per item (and per reference drawn), so that a bad item is
 * rolled back alone and a reference collision is drawn again. */
#include "pg_int.h"
#include <stdio.h>
#include <string.h>
#include "token.h"
#include <time.h>
#include "util/buf.h"
#include "util/random.h"

/* The submission row, its office job (unless held for the payment, $16)
 * and receipt job ($13), its pending payment (when $19, the cents, is
 * above 0: reference $21, deliver $20) and its events ('received', then
 * 'payment') in one statement: one round trip per submission. $11 is
 * now; $17 and $18 the citizen's login (subject, identity). */
static const char ins_sql[] =
	"WITH s AS (INSERT INTO submissions(reference, token, city, service,"
	" city_name, service_title, recipient, office_name, applicant_email,"
	" received_at, received_unix, fields, token_hash, office, subject, identity)"
	" VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$14,$15,$17,$18) RETURNING id),"
	" j AS (INSERT INTO outbox(submission_id, kind, next_attempt, created_unix)"
	" SELECT s.id, k.kind, $11, $11 FROM s, unnest(ARRAY['office','receipt'])"
	" WITH ORDINALITY AS k(kind, n) WHERE (k.kind = 'office' AND NOT $16::boolean)"
	" OR (k.kind = 'receipt' AND $13::boolean) ORDER BY k.n),"
	" p AS (INSERT INTO payments(submission_id, reference, amount_cents, deliver,"
	" created_unix, updated_unix) SELECT s.id, $21, $19::bigint, $20, $11, $11"
	" FROM s WHERE $19::bigint > 0),"
	" e AS (INSERT INTO events(submission_id, at_unix, kind, detail)"
	" SELECT s.id, $11, k.kind, k.detail FROM s, (VALUES (1, 'received', $1::text),"
	" (2, 'payment', 'ausstehend ' || $19::bigint)) AS k(n, kind, detail)"
	" WHERE k.n = 1 OR $19::bigint > 0 ORDER BY k.n)"
	" SELECT id FROM s";

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Runs sql, keeping the SQLSTATE of a failure in state (6 bytes). */
static int exec_state(struct pg_store *s, PGconn *c, const char *what,
		      const char *sql, const struct pgp *p, long long *id,
		      char state[6])
{
	state[0] = '\0';
	PGresult *r = PQexecParams(c, sql, p->n, p->type, p->v, p->len, p->fmt, 0);
	ExecStatusType st = PQresultStatus(r);
	int rc = -1;
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		if (id && PQntuples(r) == 1)
			*id = pg_ll(r, 0, 0);
		rc = 0;
	} else {
		const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		snprintf(state, 6, "%s", code ? code : "");
		pg_fail(s, what, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
	}
	PQclear(r);
	return rc;
}

/* Inserts the row and its jobs and event. careful: each try inside its
 * own savepoint, drawing a new reference on a UNIQUE collision (23505);
 * else one try, and any error fails it (the fast path). */
static int insert_row(struct pg_store *s, PGconn *c, struct store_item *it,
		      const char *json, long long now, int year, bool careful)
{
	const struct submission *sub = it->sub;
	bool receipt = it->receipt && sub->applicant_email && sub->applicant_email[0];
	for (int tries = 0; tries < 8; tries++) {
		if (store_new_ids(it->ref_prefix, year, it->reference, it->token) < 0) {
			pg_fail(s, "insert", "cannot make a reference");
			return -1;
		}
		struct pgp p = { .n = 0 };
		pgp_text(&p, it->reference);
		pgp_text(&p, it->token);
		pgp_text(&p, nz(sub->city));
		pgp_text(&p, nz(sub->service));
		pgp_text(&p, nz(sub->city_name));
		pgp_text(&p, nz(sub->service_title));
		pgp_text(&p, nz(sub->recipient));
		pgp_text(&p, nz(sub->office_name));
		pgp_text(&p, nz(sub->applicant_email));
		pgp_text(&p, it->received_at);
		pgp_int(&p, now);
		pgp_text(&p, json);
		pgp_text(&p, receipt ? "true" : "false");
		unsigned char h[TOKEN_HASH_LEN];
		token_hash(it->token, h);
		pgp_bin(&p, h, sizeof h);
		pgp_text(&p, nz(sub->office));
		pgp_text(&p, it->hold_office ? "true" : "false");
		pgp_text(&p, nz(sub->subject));
		pgp_text(&p, nz(sub->identity));
		if (it->pay_amount > 0)     /* drawn anew with the reference */
			random_token(it->pay_reference, STORE_PAY_REF_LEN);
		pgp_int(&p, it->pay_amount > 0 ? it->pay_amount : 0);
		pgp_text(&p, it->pay_amount > 0 ? it->pay_deliver : "after_payment");
		pgp_text(&p, it->pay_reference);
		char state[6];
		if (!careful)
			return exec_state(s, c, "insert submission", ins_sql, &p,
					  &it->id, state);
		if (pg_do(s, c, "insert", "SAVEPOINT try", NULL) < 0)
			return -1;
		if (exec_state(s, c, "insert submission", ins_sql, &p, &it->id,
			       state) == 0)
			return pg_do(s, c, "insert", "RELEASE try", NULL);
		if (pg_do(s, c, "insert", "ROLLBACK TO try", NULL) < 0 ||
		    strcmp(state, "23505") != 0)
			return -1;
		/* a reference (or, astronomically unlikely, a token) is taken */
	}
	pg_fail(s, "insert", "no free reference after 8 draws");
	return -1;
}

static int insert_files(struct pg_store *s, PGconn *c, const struct store_item *it)
{
	const struct submission *sub = it->sub;
	for (size_t i = 0; i < sub->n_files; i++) {
		const struct sub_file *f = &sub->files[i];
		struct pgp p = { .n = 0 };
		pgp_int(&p, it->id);
		pgp_int(&p, (long long)i);
		pgp_text(&p, nz(f->field));
		pgp_text(&p, nz(f->label));
		pgp_text(&p, nz(f->filename));
		pgp_text(&p, nz(f->mime));
		pgp_bin(&p, f->data, f->len);
		if (pg_do(s, c, "insert attachment", "INSERT INTO attachments("
			  "submission_id, seq, field, label, filename, mime, data)"
			  " VALUES($1,$2,$3,$4,$5,$6,$7)", &p) < 0)
			return -1;
	}
	return 0;
}

static int insert_one(struct pg_store *s, PGconn *c, struct store_item *it,
		      struct buf *json, long long now, int year, bool careful)
{
	buf_reset(json);
	if (store_fields_json(it->sub, json) < 0) {
		pg_fail(s, "insert", "fields too large");
		return -1;
	}
	return insert_row(s, c, it, json->data, now, year, careful) < 0 ||
	       insert_files(s, c, it) < 0 ? -1 : 0;
}

/* The fast path: every item, no savepoints; -1 at the first failure
 * (then the transaction is aborted and must be rolled back). */
static int insert_fast(struct pg_store *s, PGconn *c, struct store_item *items,
		       size_t n, struct buf *json, long long now, int year)
{
	for (size_t i = 0; i < n; i++) {
		if (insert_one(s, c, &items[i], json, now, year, false) < 0)
			return -1;
		items[i].rc = 0;
	}
	return 0;
}

/* One SAVEPOINT per item, so a bad item is rolled back alone. -1 when the
 * transaction itself broke (then nothing may be committed). */
static int insert_all(struct pg_store *s, PGconn *c, struct store_item *items,
		      size_t n, struct buf *json, long long now, int year)
{
	for (size_t i = 0; i < n; i++) {
		struct store_item *it = &items[i];
		if (pg_do(s, c, "insert", "SAVEPOINT item", NULL) < 0)
			return -1;
		if (insert_one(s, c, it, json, now, year, true) == 0) {
			it->rc = 0;
			if (pg_do(s, c, "insert", "RELEASE item", NULL) < 0)
				return -1;
			continue;
		}
		char keep[sizeof s->base.err];
		pthread_mutex_lock(&s->mu);
		memcpy(keep, s->base.err, sizeof keep);
		pthread_mutex_unlock(&s->mu);
		fprintf(stderr, "relayd: level=error event=store_item_failed "
			"error=\"%s\"\n", keep);
		bool undone = pg_do(s, c, "insert", "ROLLBACK TO item", NULL) == 0 &&
			      pg_do(s, c, "insert", "RELEASE item", NULL) == 0;
		pthread_mutex_lock(&s->mu);
		memcpy(s->base.err, keep, sizeof keep);
		pthread_mutex_unlock(&s->mu);
		if (!undone)
			return -1;
	}
	return 0;
}

int pg_insert(struct store *base, struct store_item *items, size_t n)
{
	struct pg_store *s = pgs(base);
	time_t now = time(NULL);
	struct tm tm;
	char stamp[24];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (size_t i = 0; i < n; i++) {
		items[i].rc = -1;
		items[i].id = 0;
		items[i].pay_reference[0] = '\0';
		memcpy(items[i].received_at, stamp, sizeof stamp);
	}
	struct buf json;
	buf_init(&json, (size_t)16 << 20);
	int ret = -1, year = tm.tm_year + 1900;
	PGconn *c = pg_tx_begin(s);
	if (c && insert_fast(s, c, items, n, &json, (long long)now, year) == 0) {
		ret = pg_tx_end(s, c, true);
	} else if (c) {
		/* something failed: none of it stays, then item by item */
		PQclear(PQexec(c, "ROLLBACK"));
		pg_put(s, c);
		for (size_t i = 0; i < n; i++)
			items[i].rc = -1;
		c = pg_tx_begin(s);
		if (c)
			ret = pg_tx_end(s, c, insert_all(s, c, items, n, &json,
							  (long long)now, year) == 0);
	}
	if (ret < 0)
		for (size_t i = 0; i < n; i++)
			items[i].rc = -1;
	buf_free(&json);
	return ret;
}
