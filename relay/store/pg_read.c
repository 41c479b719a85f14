/* pg_read.c - the PostgreSQL backend's readers: loading submissions,
 * listing, a submission's jobs and events, counting. See store.h. */
#include "pg_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "token.h"

#define SUB_COLS PG_SUB_COLS

const char *pg_col_str(struct arena *a, const PGresult *r, int row, int col)
{
	return arena_strndup(a, PQgetvalue(r, row, col),
			     (size_t)PQgetlength(r, row, col));
}

/* Runs sql with $1 = id on c; NULL on error (s->base.err set). */
static PGresult *by_id(struct pg_store *s, PGconn *c, const char *what,
		       const char *sql, long long id, bool binary)
{
	struct pgp p = { .n = 0 };
	pgp_int(&p, id);
	return pg_q(s, c, what, sql, &p, binary);
}

/* Fields from the JSON text column, in their stored order. */
static int load_fields(struct pg_store *s, PGconn *c, struct arena *a,
		       struct submission *sub)
{
	PGresult *r = by_id(s, c, "load fields", "SELECT t.j->>'name',"
		" t.j->>'label', t.j->>'value', coalesce(t.j->>'option', '')"
		" FROM submissions s, json_array_elements(s.fields::json)"
		" WITH ORDINALITY AS t(j, n) WHERE s.id = $1 ORDER BY t.n",
		sub->id, false);
	if (!r)
		return -1;
	int n = PQntuples(r);
	sub->n_fields = (size_t)n;
	sub->fields = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *sub->fields);
	for (int i = 0; i < n; i++) {
		struct sub_field *f = &sub->fields[i];
		f->name = pg_col_str(a, r, i, 0);
		f->label = pg_col_str(a, r, i, 1);
		f->value = pg_col_str(a, r, i, 2);
		f->option = pg_col_str(a, r, i, 3);
	}
	PQclear(r);
	return 0;
}

/* Attachments, in binary format: the text columns are their bytes, data
 * the bytea's. */
static int load_files(struct pg_store *s, PGconn *c, struct arena *a,
		      struct submission *sub)
{
	/* id and added_unix (schema version 5) as text: the result is binary */
	PGresult *r = by_id(s, c, "load files", s->version >= 5 ?
		"SELECT field, label, filename, mime, data, id::text,"
		" coalesce(added_unix, 0)::text FROM attachments"
		" WHERE submission_id = $1 ORDER BY seq" :
		"SELECT field, label, filename, mime, data, id::text, '0'"
		" FROM attachments WHERE submission_id = $1 ORDER BY seq",
		sub->id, true);
	if (!r)
		return -1;
	int n = PQntuples(r);
	sub->n_files = (size_t)n;
	sub->files = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *sub->files);
	for (int i = 0; i < n; i++) {
		struct sub_file *f = &sub->files[i];
		f->field = pg_col_str(a, r, i, 0);
		f->label = pg_col_str(a, r, i, 1);
		f->filename = pg_col_str(a, r, i, 2);
		f->mime = pg_col_str(a, r, i, 3);
		f->len = (size_t)PQgetlength(r, i, 4);
		unsigned char *d = arena_alloc(a, f->len + 1);
		if (f->len)
			memcpy(d, PQgetvalue(r, i, 4), f->len);
		f->data = d;
		f->id = strtoll(PQgetvalue(r, i, 5), NULL, 10);
		f->added_unix = strtoll(PQgetvalue(r, i, 6), NULL, 10);
	}
	PQclear(r);
	return 0;
}

/* Status of the office mail (the one the municipality must get). */
static int load_status(struct pg_store *s, PGconn *c, struct arena *a,
		       long long id, long long received, struct store_status *st)
{
	memset(st, 0, sizeof *st);
	st->received_unix = received;
	st->last_error = "";
	PGresult *r = by_id(s, c, "load status", "SELECT coalesce(delivered_unix, 0),"
		" coalesce(failed_unix, 0), attempts, last_error FROM outbox"
		" WHERE submission_id = $1 AND kind = 'office' ORDER BY id LIMIT 1",
		id, false);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		st->delivered_unix = pg_ll(r, 0, 0);
		st->failed_unix = pg_ll(r, 0, 1);
		st->attempts = (int)pg_ll(r, 0, 2);
		st->last_error = pg_col_str(a, r, 0, 3);
	}
	PQclear(r);
	return 0;
}

struct submission *pg_sub_from_row(struct pg_store *s, PGconn *c, struct arena *a,
				   const PGresult *r, int i, bool with_files,
				   struct store_status *st)
{
	struct submission *sub = arena_alloc(a, sizeof *sub);
	sub->id = pg_ll(r, i, 0);
	sub->reference = pg_col_str(a, r, i, 1);
	sub->city = pg_col_str(a, r, i, 2);
	sub->service = pg_col_str(a, r, i, 3);
	sub->city_name = pg_col_str(a, r, i, 4);
	sub->service_title = pg_col_str(a, r, i, 5);
	sub->recipient = pg_col_str(a, r, i, 6);
	sub->office_name = pg_col_str(a, r, i, 7);
	sub->office = "";
	sub->subject = sub->identity = "";
	sub->applicant_email = pg_col_str(a, r, i, 8);
	sub->received_at = pg_col_str(a, r, i, 9);
	long long received = pg_ll(r, i, 10);
	sub->token = pg_col_str(a, r, i, 11);
	if (load_fields(s, c, a, sub) < 0 ||
	    (with_files && load_files(s, c, a, sub) < 0) ||
	    (st && load_status(s, c, a, sub->id, received, st) < 0))
		return NULL;
	return sub;
}

/* The office role of a loaded submission (schema version 4; "" before,
 * and for a row store_fill_offices has not reached). */
static int load_office(struct pg_store *s, PGconn *c, struct arena *a,
		       struct submission *sub)
{
	if (s->version < 4)
		return 0;
	/* and the login of version 6 (issue 12) */
	PGresult *r = by_id(s, c, "load office", s->version < 6 ?
		"SELECT coalesce(office, ''), '', '' FROM submissions WHERE id = $1" :
		"SELECT coalesce(office, ''), subject, identity"
		" FROM submissions WHERE id = $1", sub->id, false);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		sub->office = pg_col_str(a, r, 0, 0);
		sub->subject = pg_col_str(a, r, 0, 1);
		sub->identity = pg_col_str(a, r, 0, 2);
	}
	PQclear(r);
	return 0;
}

struct submission *pg_load(struct store *base, struct arena *a,
			   enum store_key by, long long id, const char *key,
			   bool with_files, struct store_status *status, int *err)
{
	static const char *const sql[] = {
		[STORE_BY_ID] = "SELECT " SUB_COLS " FROM submissions s WHERE s.id = $1",
		[STORE_BY_REFERENCE] = "SELECT " SUB_COLS " FROM submissions s"
			" WHERE s.reference = $1",
		[STORE_BY_TOKEN] = "SELECT " SUB_COLS " FROM submissions s"
			" WHERE s.token_hash = $1",
	};
	struct pg_store *s = pgs(base);
	struct submission *sub = NULL;
	int failed = 1;
	/* one snapshot for the row and its fields, files and status */
	PGconn *c = pg_tx_begin(s);
	if (c) {
		struct pgp p = { .n = 0 };
		if (by == STORE_BY_ID)
			pgp_int(&p, id);
		else if (by == STORE_BY_TOKEN)
			pgp_bin(&p, key, (size_t)id);
		else
			pgp_text(&p, key);
		PGresult *r = pg_q(s, c, "load", sql[by], &p, false);
		if (r) {
			if (PQntuples(r) == 1)
				sub = pg_sub_from_row(s, c, a, r, 0, with_files, status);
			if (sub && load_office(s, c, a, sub) < 0)
				sub = NULL;
			failed = PQntuples(r) == 1 && !sub;
		}
		PQclear(r);
		pg_tx_end(s, c, !failed);
	}
	if (err)
		*err = failed;
	return failed ? NULL : sub;
}

/* store_each: pages of 64 rows after the last (received_unix, id), all in
 * one REPEATABLE READ transaction (one snapshot for the whole walk). */
int pg_each(struct store *base, const char *city, long long from_unix,
	    long long until_unix, bool with_files, store_each_fn fn, void *ctx)
{
	struct pg_store *s = pgs(base);
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	if (pg_do(s, c, "list", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		  NULL) < 0) {
		pg_put(s, c);
		return -1;
	}
	long long last_t = -1, last_id = 0;
	int ret = 0;
	for (;;) {
		struct pgp p = { .n = 0 };
		pgp_text(&p, city);
		pgp_int(&p, from_unix);
		pgp_int(&p, until_unix);
		pgp_int(&p, last_t);
		pgp_int(&p, last_id);
		PGresult *r = pg_q(s, c, "list", "SELECT " SUB_COLS " FROM submissions s"
			" WHERE ($1::text IS NULL OR s.city = $1) AND s.received_unix >= $2"
			" AND ($3 = 0 OR s.received_unix < $3)"
			" AND (s.received_unix, s.id) > ($4, $5)"
			" ORDER BY s.received_unix, s.id LIMIT 64", &p, false);
		if (!r) {
			ret = -1;
			break;
		}
		int n = PQntuples(r);
		for (int i = 0; i < n && !ret; i++) {
			struct arena a;
			struct store_status st;
			arena_init(&a);
			struct submission *sub = pg_sub_from_row(s, c, &a, r, i, with_files, &st);
			ret = sub ? fn(ctx, sub, &st) : -1;
			arena_free(&a);
			last_t = pg_ll(r, i, 10);
			last_id = pg_ll(r, i, 0);
		}
		PQclear(r);
		if (ret || n < 64)
			break;
	}
	pg_tx_end(s, c, true);
	return ret;
}

int pg_counts(struct store *base, long long now, struct store_counts *c)
{
	struct pg_store *s = pgs(base);
	memset(c, 0, sizeof *c);
	PGconn *pc = pg_get(s);
	if (!pc)
		return -1;
	PGresult *r = pg_q(s, pc, "counts", "SELECT"
		" (SELECT count(*) FROM submissions),"
		" (SELECT count(*) FROM outbox WHERE delivered_unix IS NULL"
		"   AND failed_unix IS NULL),"
		" (SELECT coalesce(min(created_unix), 0) FROM outbox"
		"   WHERE delivered_unix IS NULL AND failed_unix IS NULL),"
		" (SELECT count(*) FROM outbox WHERE delivered_unix IS NOT NULL),"
		" (SELECT count(*) FROM outbox WHERE delivered_unix IS NULL"
		"   AND failed_unix IS NULL AND attempts > 0),"
		" (SELECT count(*) FROM outbox WHERE failed_unix IS NOT NULL)",
		NULL, false);
	pg_put(s, pc);
	if (!r)
		return -1;
	c->submissions = pg_ll(r, 0, 0);
	c->outbox_depth = pg_ll(r, 0, 1);
	long long oldest = pg_ll(r, 0, 2);
	c->oldest_undelivered_age = oldest && now > oldest ? now - oldest : 0;
	c->delivered = pg_ll(r, 0, 3);
	c->retrying = pg_ll(r, 0, 4);
	c->failed = pg_ll(r, 0, 5);
	PQclear(r);
	return 0;
}

/* One statement by id on a pooled connection, for the list readers. */
static PGresult *read_list(struct pg_store *s, const char *what, const char *sql,
			   long long id)
{
	struct pgp p = { .n = 0 };
	pgp_int(&p, id);
	return pg_run(s, what, sql, &p);
}

int pg_jobs(struct store *base, struct arena *a, long long submission_id,
	    struct store_job **jobs, size_t *n)
{
	*jobs = NULL;
	*n = 0;
	PGresult *r = read_list(pgs(base), "jobs", "SELECT id, kind, attempts,"
		" next_attempt, coalesce(delivered_unix, 0), coalesce(failed_unix, 0),"
		" last_error FROM outbox WHERE submission_id = $1 ORDER BY id",
		submission_id);
	if (!r)
		return -1;
	int k = PQntuples(r);
	struct store_job *j = arena_alloc(a, (size_t)(k ? k : 1) * sizeof *j);
	for (int i = 0; i < k; i++) {
		j[i].id = pg_ll(r, i, 0);
		j[i].kind = pg_col_str(a, r, i, 1);
		j[i].attempts = (int)pg_ll(r, i, 2);
		j[i].next_attempt = pg_ll(r, i, 3);
		j[i].delivered_unix = pg_ll(r, i, 4);
		j[i].failed_unix = pg_ll(r, i, 5);
		j[i].last_error = pg_col_str(a, r, i, 6);
	}
	PQclear(r);
	*jobs = k ? j : NULL;
	*n = (size_t)k;
	return 0;
}

int pg_events(struct store *base, struct arena *a, long long submission_id,
	      struct store_event **events, size_t *n)
{
	*events = NULL;
	*n = 0;
	/* a reader of a database relayd has not upgraded yet: no actors */
	struct pg_store *s = pgs(base);
	PGresult *r = read_list(s, "events", s->version >= 4 ?
		"SELECT at_unix, kind, coalesce(job_id, 0), detail, actor FROM events"
		" WHERE submission_id = $1 ORDER BY id" :
		"SELECT at_unix, kind, coalesce(job_id, 0), detail, '' FROM events"
		" WHERE submission_id = $1 ORDER BY id", submission_id);
	if (!r)
		return -1;
	int k = PQntuples(r);
	struct store_event *e = arena_alloc(a, (size_t)(k ? k : 1) * sizeof *e);
	for (int i = 0; i < k; i++) {
		e[i].at_unix = pg_ll(r, i, 0);
		e[i].kind = pg_col_str(a, r, i, 1);
		e[i].job_id = pg_ll(r, i, 2);
		e[i].detail = pg_col_str(a, r, i, 3);
		e[i].actor = pg_col_str(a, r, i, 4);
	}
	PQclear(r);
	*events = k ? e : NULL;
	*n = (size_t)k;
	return 0;
}
