/* sqlite_read.c - the SQLite backend's readers: loading submissions,
 * listing, a submission's jobs and events, counting. See store.h. */
#include "sqlite_int.h"
#include <stdio.h>
#include <string.h>
#include "token.h"

#define SUB_COLS SQ_SUB_COLS
const char *sq_col_str(struct arena *a, sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return arena_strndup(a, t ? (const char *)t : "",
			     (size_t)sqlite3_column_bytes(st, i));
}

/* An array growing in an arena, filled one row at a time. */
struct rows {
	struct arena *a;
	void *items;
	size_t n, cap;
};

/* Room for one more item of size bytes; returns it. */
static void *next_item(struct rows *r, size_t size)
{
	r->items = arena_grow(r->a, r->items, r->n, &r->cap, size, 8);
	return (char *)r->items + r->n++ * size;
}

typedef void (*row_fn)(struct rows *r, sqlite3_stmt *q);

/* Runs sql with ?1 = id and adds each result row to r through fn. Caller
 * holds the mutex. 0 ok, -1 (s->base.err set, naming what). */
static int load_rows(struct sq_store *s, const char *sql, long long id,
		     const char *what, row_fn fn, struct rows *r)
{
	sqlite3_stmt *q = sq_prep(s, sql);
	if (!q)
		return -1;
	int rc = sqlite3_bind_int64(q, 1, id);
	while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		fn(r, q);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		sq_fail(s, what);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void field_row(struct rows *r, sqlite3_stmt *q)
{
	struct sub_field *f = next_item(r, sizeof *f);
	f->name = sq_col_str(r->a, q, 0);
	f->label = sq_col_str(r->a, q, 1);
	f->value = sq_col_str(r->a, q, 2);
	f->option = sq_col_str(r->a, q, 3);
}

/* Fields from the JSON column, through SQLite's json_each. */
static int load_fields(struct sq_store *s, struct arena *a, struct submission *sub)
{
	struct rows r = { .a = a };
	int rc = load_rows(s, "SELECT json_extract(j.value, '$.name'),"
		" json_extract(j.value, '$.label'), json_extract(j.value, '$.value'),"
		" coalesce(json_extract(j.value, '$.option'), '')"
		" FROM submissions, json_each(submissions.fields) AS j"
		" WHERE submissions.id = ? ORDER BY j.key", sub->id,
		"load fields", field_row, &r);
	sub->fields = r.items;
	sub->n_fields = r.n;
	return rc;
}

static void file_row(struct rows *r, sqlite3_stmt *q)
{
	struct sub_file *f = next_item(r, sizeof *f);
	f->field = sq_col_str(r->a, q, 0);
	f->label = sq_col_str(r->a, q, 1);
	f->filename = sq_col_str(r->a, q, 2);
	f->mime = sq_col_str(r->a, q, 3);
	const void *blob = sqlite3_column_blob(q, 4);
	f->len = (size_t)sqlite3_column_bytes(q, 4);
	unsigned char *d = arena_alloc(r->a, f->len + 1);
	if (f->len)
		memcpy(d, blob, f->len);
	f->data = d;
	f->id = sqlite3_column_int64(q, 5);
	f->added_unix = sqlite3_column_int64(q, 6);
}

static int load_files(struct sq_store *s, struct arena *a, struct submission *sub)
{
	struct rows r = { .a = a };
	/* added_unix: schema version 5 (a reader may open an older store) */
	int rc = load_rows(s, s->version >= 5 ?
		"SELECT field, label, filename, mime, data, id,"
		" coalesce(added_unix, 0) FROM attachments WHERE submission_id = ?"
		" ORDER BY seq" :
		"SELECT field, label, filename, mime, data, id, 0"
		" FROM attachments WHERE submission_id = ? ORDER BY seq", sub->id,
		"load files", file_row, &r);
	sub->files = r.items;
	sub->n_files = r.n;
	return rc;
}

/* Status of the office mail (the one the municipality must get). */
static int load_status(struct sq_store *s, struct arena *a, long long id,
		       long long received, struct store_status *st)
{
	memset(st, 0, sizeof *st);
	st->received_unix = received;
	st->last_error = "";
	sqlite3_stmt *q = sq_prep(s, "SELECT coalesce(delivered_unix, 0),"
		" coalesce(failed_unix, 0), attempts, last_error FROM outbox"
		" WHERE submission_id = ? AND kind = 'office' ORDER BY id LIMIT 1");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		st->delivered_unix = sqlite3_column_int64(q, 0);
		st->failed_unix = sqlite3_column_int64(q, 1);
		st->attempts = sqlite3_column_int(q, 2);
		st->last_error = sq_col_str(a, q, 3);
	} else if (rc != SQLITE_DONE) {
		sq_fail(s, "load status");
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

struct submission *sq_sub_from_row(struct sq_store *s, struct arena *a,
				   sqlite3_stmt *q, bool with_files,
				   struct store_status *st)
{
	struct submission *sub = arena_alloc(a, sizeof *sub);
	sub->id = sqlite3_column_int64(q, 0);
	sub->reference = sq_col_str(a, q, 1);
	sub->city = sq_col_str(a, q, 2);
	sub->service = sq_col_str(a, q, 3);
	sub->city_name = sq_col_str(a, q, 4);
	sub->service_title = sq_col_str(a, q, 5);
	sub->recipient = sq_col_str(a, q, 6);
	sub->office_name = sq_col_str(a, q, 7);
	sub->office = "";
	sub->subject = sub->identity = "";
	sub->applicant_email = sq_col_str(a, q, 8);
	sub->received_at = sq_col_str(a, q, 9);
	long long received = sqlite3_column_int64(q, 10);
	sub->token = sq_col_str(a, q, 11);
	if (load_fields(s, a, sub) < 0 ||
	    (with_files && load_files(s, a, sub) < 0) ||
	    (st && load_status(s, a, sub->id, received, st) < 0))
		return NULL;
	return sub;
}

/* The office role of a loaded submission (schema version 4; "" before,
 * and for a row store_fill_offices has not reached). Caller holds the
 * mutex. */
static int load_office(struct sq_store *s, struct arena *a, struct submission *sub)
{
	if (s->version < 4)
		return 0;
	/* and the login of version 6 (issue 12) */
	sqlite3_stmt *q = sq_prep(s, s->version < 6 ?
				  "SELECT coalesce(office, ''), '', '' FROM submissions"
				  " WHERE id = ?" :
				  "SELECT coalesce(office, ''), subject, identity"
				  " FROM submissions WHERE id = ?");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, sub->id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		sub->office = sq_col_str(a, q, 0);
		sub->subject = sq_col_str(a, q, 1);
		sub->identity = sq_col_str(a, q, 2);
	}
	else if (rc != SQLITE_DONE)
		sq_fail(s, "load office");
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

struct submission *sq_load(struct store *base, struct arena *a,
			   enum store_key by, long long id, const char *key,
			   bool with_files, struct store_status *status, int *err)
{
	static const char *const sql[] = {
		[STORE_BY_ID] = "SELECT " SUB_COLS " FROM submissions s WHERE s.id = ?",
		[STORE_BY_REFERENCE] = "SELECT " SUB_COLS " FROM submissions s"
			" WHERE s.reference = ?",
		[STORE_BY_TOKEN] = "SELECT " SUB_COLS " FROM submissions s"
			" WHERE s.token_hash = ?",
	};
	struct sq_store *s = sq(base);
	struct submission *sub = NULL;
	int failed = 0;
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, sql[by]);
	if (!q) {
		failed = 1;
		goto out;
	}
	if (by == STORE_BY_ID)
		sqlite3_bind_int64(q, 1, id);
	else if (by == STORE_BY_TOKEN)
		sqlite3_bind_blob(q, 1, key, (int)id, SQLITE_STATIC);
	else
		sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		sub = sq_sub_from_row(s, a, q, with_files, status);
		if (sub && load_office(s, a, sub) < 0)
			sub = NULL;
		failed = !sub;
	} else if (rc != SQLITE_DONE) {
		sq_fail(s, "load");
		failed = 1;
	}
out:
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	if (err)
		*err = failed;
	return sub;
}

int sq_each(struct store *base, const char *city, long long from_unix,
	    long long until_unix, bool with_files, store_each_fn fn, void *ctx)
{
	struct sq_store *s = sq(base);
	int ret = 0;
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, "SELECT " SUB_COLS " FROM submissions s"
		" WHERE (?1 IS NULL OR s.city = ?1) AND s.received_unix >= ?2"
		" AND (?3 = 0 OR s.received_unix < ?3) ORDER BY s.received_unix, s.id");
	if (!q) {
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	if (city)
		sqlite3_bind_text(q, 1, city, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 1);
	sqlite3_bind_int64(q, 2, from_unix);
	sqlite3_bind_int64(q, 3, until_unix);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct arena a;
		struct store_status st;
		arena_init(&a);
		struct submission *sub = sq_sub_from_row(s, &a, q, with_files, &st);
		if (!sub)
			ret = -1;
		else
			ret = fn(ctx, sub, &st);
		arena_free(&a);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE) {
		sq_fail(s, "list");
		ret = -1;
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	return ret;
}

int sq_counts(struct store *base, long long now, struct store_counts *c)
{
	struct sq_store *s = sq(base);
	memset(c, 0, sizeof *c);
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, "SELECT"
		" (SELECT count(*) FROM submissions),"
		" (SELECT count(*) FROM outbox WHERE delivered_unix IS NULL"
		"   AND failed_unix IS NULL),"
		" (SELECT coalesce(min(created_unix), 0) FROM outbox"
		"   WHERE delivered_unix IS NULL AND failed_unix IS NULL),"
		" (SELECT count(*) FROM outbox WHERE delivered_unix IS NOT NULL),"
		" (SELECT count(*) FROM outbox WHERE delivered_unix IS NULL"
		"   AND failed_unix IS NULL AND attempts > 0),"
		" (SELECT count(*) FROM outbox WHERE failed_unix IS NOT NULL)");
	int rc = q ? sqlite3_step(q) : SQLITE_ERROR;
	if (rc == SQLITE_ROW) {
		c->submissions = sqlite3_column_int64(q, 0);
		c->outbox_depth = sqlite3_column_int64(q, 1);
		long long oldest = sqlite3_column_int64(q, 2);
		c->oldest_undelivered_age = oldest && now > oldest ? now - oldest : 0;
		c->delivered = sqlite3_column_int64(q, 3);
		c->retrying = sqlite3_column_int64(q, 4);
		c->failed = sqlite3_column_int64(q, 5);
	} else if (q) {
		sq_fail(s, "counts");
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* load_rows under the mutex, for the readers of store.h: on an error
 * the list is empty. */
static int read_list(struct sq_store *s, const char *sql, long long id,
		     const char *what, row_fn fn, struct rows *r)
{
	pthread_mutex_lock(&s->mu);
	int rc = load_rows(s, sql, id, what, fn, r);
	pthread_mutex_unlock(&s->mu);
	if (rc < 0) {
		r->items = NULL;
		r->n = 0;
	}
	return rc;
}

static void job_row(struct rows *r, sqlite3_stmt *q)
{
	struct store_job *j = next_item(r, sizeof *j);
	j->id = sqlite3_column_int64(q, 0);
	j->kind = sq_col_str(r->a, q, 1);
	j->attempts = sqlite3_column_int(q, 2);
	j->next_attempt = sqlite3_column_int64(q, 3);
	j->delivered_unix = sqlite3_column_int64(q, 4);
	j->failed_unix = sqlite3_column_int64(q, 5);
	j->last_error = sq_col_str(r->a, q, 6);
}

int sq_jobs(struct store *base, struct arena *a, long long submission_id,
	    struct store_job **jobs, size_t *n)
{
	struct rows r = { .a = a };
	int rc = read_list(sq(base), "SELECT id, kind, attempts, next_attempt,"
		" coalesce(delivered_unix, 0), coalesce(failed_unix, 0),"
		" coalesce(last_error, '') FROM outbox WHERE submission_id = ?"
		" ORDER BY id", submission_id, "jobs", job_row, &r);
	*jobs = r.items;
	*n = r.n;
	return rc;
}

static void event_row(struct rows *r, sqlite3_stmt *q)
{
	struct store_event *e = next_item(r, sizeof *e);
	e->at_unix = sqlite3_column_int64(q, 0);
	e->kind = sq_col_str(r->a, q, 1);
	e->job_id = sqlite3_column_int64(q, 2);
	e->detail = sq_col_str(r->a, q, 3);
	e->actor = sq_col_str(r->a, q, 4);
}

int sq_events(struct store *base, struct arena *a, long long submission_id,
	      struct store_event **events, size_t *n)
{
	struct rows r = { .a = a };
	/* a reader of a file relayd has not upgraded yet: no actors */
	struct sq_store *s = sq(base);
	int rc = read_list(s, s->version >= 4 ?
		"SELECT at_unix, kind, coalesce(job_id, 0), coalesce(detail, ''),"
		" actor FROM events WHERE submission_id = ? ORDER BY id" :
		"SELECT at_unix, kind, coalesce(job_id, 0), coalesce(detail, ''), ''"
		" FROM events WHERE submission_id = ? ORDER BY id",
		submission_id, "events", event_row, &r);
	*events = r.items;
	*n = r.n;
	return rc;
}
