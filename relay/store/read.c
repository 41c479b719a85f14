/* read.c - loading submissions, listing and counting. See store.h. */
#include "store_int.h"
#include <stdio.h>
#include <string.h>

#define SUB_COLS "s.id, s.reference, s.city, s.service, s.city_name," \
	" s.service_title, s.recipient, s.office_name, s.applicant_email," \
	" s.received_at, s.received_unix"

static const char *col_str(struct arena *a, sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return arena_strndup(a, t ? (const char *)t : "",
			     (size_t)sqlite3_column_bytes(st, i));
}

/* Fields from the JSON column, through SQLite's json_each. */
static int load_fields(struct store *s, struct arena *a, struct submission *sub)
{
	sqlite3_stmt *q = store_prep(s, "SELECT json_extract(j.value, '$.name'),"
		" json_extract(j.value, '$.label'), json_extract(j.value, '$.value'),"
		" coalesce(json_extract(j.value, '$.option'), '')"
		" FROM submissions, json_each(submissions.fields) AS j"
		" WHERE submissions.id = ? ORDER BY j.key");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, sub->id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		sub->fields = arena_grow(a, sub->fields, sub->n_fields, &cap,
					 sizeof *sub->fields, 16);
		struct sub_field *f = &sub->fields[sub->n_fields++];
		f->name = col_str(a, q, 0);
		f->label = col_str(a, q, 1);
		f->value = col_str(a, q, 2);
		f->option = col_str(a, q, 3);
	}
	if (rc != SQLITE_DONE)
		store_fail(s, "load fields");
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int load_files(struct store *s, struct arena *a, struct submission *sub)
{
	sqlite3_stmt *q = store_prep(s, "SELECT field, label, filename, mime, data"
		" FROM attachments WHERE submission_id = ? ORDER BY seq");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, sub->id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		sub->files = arena_grow(a, sub->files, sub->n_files, &cap,
					sizeof *sub->files, 4);
		struct sub_file *f = &sub->files[sub->n_files++];
		f->field = col_str(a, q, 0);
		f->label = col_str(a, q, 1);
		f->filename = col_str(a, q, 2);
		f->mime = col_str(a, q, 3);
		const void *blob = sqlite3_column_blob(q, 4);
		f->len = (size_t)sqlite3_column_bytes(q, 4);
		unsigned char *d = arena_alloc(a, f->len + 1);
		if (f->len)
			memcpy(d, blob, f->len);
		f->data = d;
	}
	if (rc != SQLITE_DONE)
		store_fail(s, "load files");
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Status of the office mail (the one the municipality must get). */
static int load_status(struct store *s, struct arena *a, long long id,
		       long long received, struct store_status *st)
{
	memset(st, 0, sizeof *st);
	st->received_unix = received;
	st->last_error = "";
	sqlite3_stmt *q = store_prep(s, "SELECT coalesce(delivered_unix, 0),"
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
		st->last_error = col_str(a, q, 3);
	} else if (rc != SQLITE_DONE) {
		store_fail(s, "load status");
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Builds a submission from a row of SUB_COLS; caller holds the mutex. */
static struct submission *from_row(struct store *s, struct arena *a,
				   sqlite3_stmt *q, bool with_files,
				   struct store_status *st)
{
	struct submission *sub = arena_alloc(a, sizeof *sub);
	sub->id = sqlite3_column_int64(q, 0);
	sub->reference = col_str(a, q, 1);
	sub->city = col_str(a, q, 2);
	sub->service = col_str(a, q, 3);
	sub->city_name = col_str(a, q, 4);
	sub->service_title = col_str(a, q, 5);
	sub->recipient = col_str(a, q, 6);
	sub->office_name = col_str(a, q, 7);
	sub->applicant_email = col_str(a, q, 8);
	sub->received_at = col_str(a, q, 9);
	long long received = sqlite3_column_int64(q, 10);
	if (load_fields(s, a, sub) < 0 ||
	    (with_files && load_files(s, a, sub) < 0) ||
	    (st && load_status(s, a, sub->id, received, st) < 0))
		return NULL;
	return sub;
}

static struct submission *load_by(struct store *s, struct arena *a,
				  const char *where, long long id,
				  const char *key, bool with_files,
				  struct store_status *st, int *err)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT " SUB_COLS " FROM submissions s WHERE %s",
		 where);
	struct submission *sub = NULL;
	int failed = 0;
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = store_prep(s, sql);
	if (!q) {
		failed = 1;
		goto out;
	}
	if (key)
		sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		sub = from_row(s, a, q, with_files, st);
		failed = !sub;
	} else if (rc != SQLITE_DONE) {
		store_fail(s, "load");
		failed = 1;
	}
out:
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	if (err)
		*err = failed;
	return sub;
}

struct submission *store_load(struct store *s, struct arena *a, long long id,
			      bool with_files, struct store_status *st, int *err)
{
	return load_by(s, a, "s.id = ?", id, NULL, with_files, st, err);
}

struct submission *store_load_ref(struct store *s, struct arena *a,
				  const char *reference, bool with_files,
				  struct store_status *st, int *err)
{
	return load_by(s, a, "s.reference = ?", 0, reference, with_files, st, err);
}

struct submission *store_load_token(struct store *s, struct arena *a,
				    const char *token, bool with_files,
				    struct store_status *st, int *err)
{
	return load_by(s, a, "s.token = ?", 0, token, with_files, st, err);
}

int store_each(struct store *s, const char *city, long long from_unix,
	       long long until_unix, bool with_files, store_each_fn fn, void *ctx)
{
	int ret = 0;
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = store_prep(s, "SELECT " SUB_COLS " FROM submissions s"
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
		struct submission *sub = from_row(s, &a, q, with_files, &st);
		if (!sub)
			ret = -1;
		else
			ret = fn(ctx, sub, &st);
		arena_free(&a);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE) {
		store_fail(s, "list");
		ret = -1;
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	return ret;
}

int store_counts(struct store *s, long long now, struct store_counts *c)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = store_prep(s, "SELECT"
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
		store_fail(s, "counts");
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->mu);
	return rc == SQLITE_ROW ? 0 : -1;
}
