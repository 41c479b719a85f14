/* sqlite_insert.c - the SQLite backend's group-commit insert: a batch of
 * submissions in one transaction. See store.h.
 *
 * A batch is first tried without savepoints. A SAVEPOINT per item costs
 * more than it looks: each page an item touches is copied into the
 * statement journal first, about 16 pages of 4 KiB per submission with
 * its indexes (bench/HISTORY.md). Only when something in the batch fails
 * is it rolled back and done again with a SAVEPOINT per item, so that a
 * bad item is rolled back alone - as pg_insert.c does. */
#include "sqlite_int.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "token.h"
#include <time.h>
#include "util/buf.h"
#include "util/random.h"

struct ins_stmts {
	sqlite3_stmt *sub, *att, *job;
	struct store_ids_pool *ids;     /* the batch's random bytes */
	long long number;               /* the last reference number taken */
};

/* Resets the cached statements so none holds the transaction open. */
static void ins_finalize(struct ins_stmts *p)
{
	if (p->sub)
		sqlite3_reset(p->sub);
	if (p->att)
		sqlite3_reset(p->att);
	if (p->job)
		sqlite3_reset(p->job);
}

static int ins_prepare(struct sq_store *s, struct ins_stmts *p)
{
	memset(p, 0, sizeof *p);
	p->sub = sq_cached(s, &s->ins_sub, "INSERT INTO submissions(reference, token, city,"
		" service, city_name, service_title, recipient, office_name,"
		" applicant_email, received_at, received_unix, fields, token_hash,"
		" office, subject, identity) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	p->att = sq_cached(s, &s->ins_att, "INSERT INTO attachments(submission_id, seq,"
		" field, label, filename, mime, data) VALUES(?,?,?,?,?,?,?)");
	p->job = sq_cached(s, &s->ins_job, "INSERT INTO outbox(submission_id, kind,"
		" next_attempt, created_unix) VALUES(?,?,?,?)");
	if (!p->sub || !p->att || !p->job) {
		ins_finalize(p);
		return -1;
	}
	return 0;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Inserts the submission row, with the next number on a collision. */
static int insert_row(struct sq_store *s, struct ins_stmts *p, struct store_item *it,
		      const char *json, long long now, int year)
{
	const struct submission *sub = it->sub;
	for (int tries = 0; tries < 8; tries++) {
		it->number = ++p->number;
		if (store_new_ids(p->ids, it->ref_prefix, year, it->number, it->reference,
				  it->token) < 0) {
			snprintf(s->base.err, sizeof s->base.err, "cannot make a reference");
			return -1;
		}
		sqlite3_stmt *st = p->sub;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, it->reference, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, it->token, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, nz(sub->city), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, nz(sub->service), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, nz(sub->city_name), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, nz(sub->service_title), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, nz(sub->recipient), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, nz(sub->office_name), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, nz(sub->applicant_email), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, it->received_at, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 11, now);
		sqlite3_bind_text(st, 12, json, -1, SQLITE_STATIC);
		unsigned char key[TOKEN_KEY_MAX];
		size_t klen = token_key(it->token, key);
		sqlite3_bind_blob(st, 13, key, (int)klen, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 14, nz(sub->office), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 15, nz(sub->subject), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 16, nz(sub->identity), -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			it->id = sqlite3_last_insert_rowid(s->db);
			return 0;
		}
		if (sqlite3_extended_errcode(s->db) != SQLITE_CONSTRAINT_UNIQUE) {
			sq_fail(s, "insert submission");
			return -1;
		}
		/* the number is taken by a reference of the random kind made
		 * before version 10 (or, astronomically unlikely, the token) */
	}
	snprintf(s->base.err, sizeof s->base.err, "no free reference after 8 numbers");
	return -1;
}

static int insert_files(struct sq_store *s, struct ins_stmts *p,
			const struct store_item *it)
{
	const struct submission *sub = it->sub;
	for (size_t i = 0; i < sub->n_files; i++) {
		const struct sub_file *f = &sub->files[i];
		sqlite3_stmt *st = p->att;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, it->id);
		sqlite3_bind_int64(st, 2, (long long)i);
		sqlite3_bind_text(st, 3, nz(f->field), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, nz(f->label), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, nz(f->filename), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, nz(f->mime), -1, SQLITE_STATIC);
		sqlite3_bind_blob64(st, 7, f->len ? (const void *)f->data : "",
				    f->len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sq_fail(s, "insert attachment");
			return -1;
		}
	}
	return 0;
}

static int insert_job(struct sq_store *s, struct ins_stmts *p, long long sub_id,
		      const char *kind, long long now)
{
	sqlite3_stmt *st = p->job;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, sub_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sq_fail(s, "insert outbox");
		return -1;
	}
	return 0;
}

/* The pending payment of a fee and its event ("ausstehend <cents>"), in
 * the item's savepoint (store.h, pay_amount): a crash cannot leave a
 * held application without the payment that releases it. */
static int insert_payment(struct sq_store *s, struct store_item *it, long long now)
{
	random_token(it->pay_reference, STORE_PAY_REF_LEN);
	/* prepared once, as the batch's other inserts: every post of a
	 * service with a fee has one */
	sqlite3_stmt *q = sq_cached(s, &s->ins_pay, "INSERT INTO payments(submission_id,"
				    " reference, amount_cents, deliver, created_unix,"
				    " updated_unix) VALUES(?, ?, ?, ?, ?, ?)");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, it->id);
	sqlite3_bind_text(q, 2, it->pay_reference, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, it->pay_amount);
	sqlite3_bind_text(q, 4, it->pay_deliver, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, now);
	sqlite3_bind_int64(q, 6, now);
	int rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		sq_fail(s, "insert payment");
	sqlite3_reset(q);       /* no statement may hold the COMMIT up */
	if (rc != SQLITE_DONE)
		return -1;
	char detail[48];
	int w = snprintf(detail, sizeof detail, "ausstehend %lld", it->pay_amount);
	if (w < 0 || (size_t)w >= sizeof detail)
		return -1;
	return sq_event(s, it->id, 0, now, "payment", detail);
}

static int insert_one(struct sq_store *s, struct ins_stmts *p, struct store_item *it,
		      struct buf *json, long long now, int year)
{
	buf_reset(json);
	if (store_fields_json(it->sub, json) < 0) {
		snprintf(s->base.err, sizeof s->base.err, "fields too large");
		return -1;
	}
	if (insert_row(s, p, it, json->data, now, year) < 0 ||
	    insert_files(s, p, it) < 0 ||
	    (!it->hold_office && insert_job(s, p, it->id, "office", now) < 0))
		return -1;
	if (it->receipt && it->sub->applicant_email && it->sub->applicant_email[0] &&
	    insert_job(s, p, it->id, "receipt", now) < 0)
		return -1;
	if (sq_event(s, it->id, 0, now, "received", it->reference) < 0)
		return -1;
	return it->pay_amount > 0 ? insert_payment(s, it, now) : 0;
}

/* The fast path: every item, no savepoints; -1 at the first failure
 * (then the whole transaction must be rolled back). */
static int insert_fast(struct sq_store *s, struct ins_stmts *p, struct store_item *items,
		       size_t n, struct buf *json, long long now, int year)
{
	for (size_t i = 0; i < n; i++) {
		if (insert_one(s, p, &items[i], json, now, year) < 0)
			return -1;
		items[i].rc = 0;
	}
	return 0;
}

/* One SAVEPOINT per item, so a bad item is rolled back alone. -1 when the
 * transaction itself broke (then nothing may be committed). */
static int insert_all(struct sq_store *s, struct ins_stmts *p, struct store_item *items,
		      size_t n, struct buf *json, long long now, int year)
{
	for (size_t i = 0; i < n; i++) {
		struct store_item *it = &items[i];
		if (sq_exec(s, "SAVEPOINT item") < 0)
			return -1;
		if (insert_one(s, p, it, json, now, year) == 0) {
			it->rc = 0;
			if (sq_exec(s, "RELEASE item") < 0)
				return -1;
			continue;
		}
		char keep[sizeof s->base.err];
		memcpy(keep, s->base.err, sizeof keep);
		fprintf(stderr, "relayd: level=error event=store_item_failed "
			"error=\"%s\"\n", keep);
		bool undone = sq_exec(s, "ROLLBACK TO item") == 0 &&
			      sq_exec(s, "RELEASE item") == 0;
		memcpy(s->base.err, keep, sizeof keep);
		if (!undone)
			return -1;
	}
	return 0;
}

typedef int inserter(struct sq_store *s, struct ins_stmts *p, struct store_item *items,
		     size_t n, struct buf *json, long long now, int year);

/* The reference counter (schema version 10), read at the start of a
 * batch's transaction (to = -1) or written at its end. */
static int reference_counter(struct sq_store *s, long long *value, long long to)
{
	sqlite3_stmt *q = to < 0 ?
		sq_cached(s, &s->ins_counter_get, "SELECT value FROM counters WHERE"
			  " name = 'reference'") :
		sq_cached(s, &s->ins_counter_set, "UPDATE counters SET value = ?"
			  " WHERE name = 'reference'");
	if (!q)
		return -1;
	if (to >= 0)
		sqlite3_bind_int64(q, 1, to);
	int rc = sqlite3_step(q);
	if (to < 0 && rc == SQLITE_ROW)
		*value = sqlite3_column_int64(q, 0);
	bool ok = to < 0 ? rc == SQLITE_ROW : rc == SQLITE_DONE && sqlite3_changes(s->db) == 1;
	if (!ok && (rc == SQLITE_DONE || rc == SQLITE_ROW))
		snprintf(s->base.err, sizeof s->base.err, "reference counter: the row"
			 " 'reference' of the table counters is missing");
	else if (!ok)
		sq_fail(s, "reference counter");
	sqlite3_reset(q);
	return ok ? 0 : -1;
}

/* The items inserted by insert in one transaction; 0 when it committed. */
static int insert_tx(struct sq_store *s, inserter *insert, struct store_ids_pool *ids,
		     struct store_item *items, size_t n, struct buf *json, long long now,
		     int year)
{
	if (sq_tx_begin(s) < 0)
		return -1;
	struct ins_stmts p;
	long long first = 0;
	bool ok = ins_prepare(s, &p) == 0 && reference_counter(s, &first, -1) == 0;
	p.ids = ids;
	p.number = first;
	ok = ok && insert(s, &p, items, n, json, now, year) == 0 &&
	     (p.number == first || reference_counter(s, NULL, p.number) == 0);
	ins_finalize(&p);       /* no statement may hold the COMMIT up */
	return sq_tx_end(s, ok);
}

int sq_insert(struct store *base, struct store_item *items, size_t n)
{
	struct sq_store *s = sq(base);
	int year;
	time_t now = store_items_begin(items, n, &year);
	struct buf json;
	buf_init(&json, (size_t)16 << 20);
	struct store_ids_pool ids = { .left = 0 };
	int ret = insert_tx(s, insert_fast, &ids, items, n, &json, (long long)now, year);
	if (ret < 0) {
		/* something failed: none of it stays, then item by item */
		for (size_t i = 0; i < n; i++)
			items[i].rc = -1;
		ret = insert_tx(s, insert_all, &ids, items, n, &json, (long long)now, year);
	}
	if (ret < 0)
		for (size_t i = 0; i < n; i++)
			items[i].rc = -1;
	buf_free(&json);
	explicit_bzero(&ids, sizeof ids);   /* the bytes not used */
	return ret;
}
