/* store.c - open, migrate, and the group-commit insert. See store.h. */
#include "store_int.h"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include "util/buf.h"
#include "util/random.h"

static const char *const schema_v1 =
	"CREATE TABLE submissions("
	" id INTEGER PRIMARY KEY,"
	" reference TEXT NOT NULL UNIQUE,"
	" token TEXT NOT NULL UNIQUE,"
	" city TEXT NOT NULL, service TEXT NOT NULL,"
	" city_name TEXT NOT NULL, service_title TEXT NOT NULL,"
	" recipient TEXT NOT NULL, office_name TEXT NOT NULL,"
	" applicant_email TEXT NOT NULL DEFAULT '',"
	" received_at TEXT NOT NULL, received_unix INTEGER NOT NULL,"
	" fields TEXT NOT NULL);"
	"CREATE INDEX submissions_city ON submissions(city, received_unix);"
	"CREATE INDEX submissions_time ON submissions(received_unix);"
	"CREATE TABLE attachments("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL REFERENCES submissions(id),"
	" seq INTEGER NOT NULL, field TEXT NOT NULL, label TEXT NOT NULL,"
	" filename TEXT NOT NULL, mime TEXT NOT NULL, data BLOB NOT NULL);"
	"CREATE INDEX attachments_sub ON attachments(submission_id, seq);"
	"CREATE TABLE outbox("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL REFERENCES submissions(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('office','receipt')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER NOT NULL,"
	" created_unix INTEGER NOT NULL,"
	" delivered_unix INTEGER, failed_unix INTEGER,"
	" last_error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX outbox_due ON outbox(next_attempt)"
	" WHERE delivered_unix IS NULL AND failed_unix IS NULL;"
	"CREATE INDEX outbox_sub ON outbox(submission_id);"
	"CREATE TABLE events("
	" id INTEGER PRIMARY KEY,"
	" submission_id INTEGER NOT NULL, job_id INTEGER,"
	" at_unix INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX events_sub ON events(submission_id);";

void store_fail(struct store *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
}

int store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(s->err, sizeof s->err, "%s", msg ? msg : "sqlite error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *store_prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_fail(s, "prepare");
		return NULL;
	}
	return st;
}

/* Prepares once and keeps the statement for the connection's lifetime. */
static sqlite3_stmt *cached(struct store *s, sqlite3_stmt **slot, const char *sql)
{
	if (!*slot && sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
					 slot, NULL) != SQLITE_OK) {
		store_fail(s, "prepare");
		*slot = NULL;
	}
	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
	}
	return *slot;
}

const char *store_errmsg(struct store *s)
{
	return s->err[0] ? s->err : "no error";
}

static int pragma_int(struct store *s, const char *sql, long long *out)
{
	sqlite3_stmt *st = store_prep(s, sql);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		store_fail(s, sql);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int migrate(struct store *s)
{
	long long v;
	if (pragma_int(s, "PRAGMA user_version", &v) < 0)
		return -1;
	if (v == 1)
		return 0;
	if (v != 0) {
		snprintf(s->err, sizeof s->err,
			 "database schema version %lld is newer than this relayd (1)", v);
		return -1;
	}
	if (store_exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (store_exec(s, schema_v1) < 0 ||
	    store_exec(s, "PRAGMA user_version = 1") < 0) {
		char keep[sizeof s->err];
		memcpy(keep, s->err, sizeof keep);
		store_exec(s, "ROLLBACK");
		memcpy(s->err, keep, sizeof keep);
		return -1;
	}
	return store_exec(s, "COMMIT");
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "cannot open");
		store_close(s);
		return NULL;
	}
	long long ok;
	char mode[16] = "";
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_stmt *st = store_prep(s, "PRAGMA journal_mode=WAL");
	if (st && sqlite3_step(st) == SQLITE_ROW)
		snprintf(mode, sizeof mode, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (strcmp(mode, "wal") != 0) {
		snprintf(err, errlen, "%s: cannot enable WAL mode (%s)", path,
			 s->err[0] ? s->err : mode);
		store_close(s);
		return NULL;
	}
	/* inserts touch the last pages of a few b-trees: 1 MiB of page cache
	 * is plenty and keeps the daemon's RSS small */
	if (store_exec(s, "PRAGMA synchronous=FULL") < 0 ||
	    store_exec(s, "PRAGMA cache_size=-1024") < 0 ||
	    store_exec(s, "PRAGMA foreign_keys=ON") < 0 ||
	    pragma_int(s, "PRAGMA synchronous", &ok) < 0 || ok != 2 ||
	    migrate(s) < 0) {
		snprintf(err, errlen, "%s: %s", path, store_errmsg(s));
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *store_open_readonly(const char *path, char *err, size_t errlen)
{
	struct store *s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	long long v = -1;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
	    pragma_int(s, "PRAGMA user_version", &v) < 0 || v != 1) {
		if (v >= 0 && v != 1)
			snprintf(err, errlen, "%s: schema version %lld, expected 1", path, v);
		else
			snprintf(err, errlen, "%s: %s", path,
				 s->db ? sqlite3_errmsg(s->db) : "cannot open");
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->ins_sub);
	sqlite3_finalize(s->ins_att);
	sqlite3_finalize(s->ins_job);
	sqlite3_finalize(s->ins_event);
	if (s->db)
		sqlite3_close(s->db);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int store_event(struct store *s, long long sub_id, long long job_id,
		long long at, const char *kind, const char *detail)
{
	static const char sql[] = "INSERT INTO events(submission_id, job_id,"
		" at_unix, kind, detail) VALUES(?,?,?,?,?)";
	sqlite3_stmt *st = cached(s, &s->ins_event, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, sub_id);
	if (job_id > 0)
		sqlite3_bind_int64(st, 2, job_id);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, detail ? detail : "", -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		store_fail(s, "event");
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- insert ---- */

static const char ref_alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";   /* 32 */
static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int make_reference(const char *prefix, int year, char out[24])
{
	unsigned char r[6];
	char tail[7];
	random_bytes(r, sizeof r);
	for (int i = 0; i < 6; i++)
		tail[i] = ref_alphabet[r[i] & 31];  /* 32 symbols: no bias */
	tail[6] = '\0';
	int n = snprintf(out, 24, "%.3s-%04d-%s", prefix, year, tail);
	return n > 0 && n < 24 ? 0 : -1;
}

/* 18 random bytes -> 24 base64url characters, no padding. */
static int make_token(char out[32])
{
	unsigned char r[18];
	random_bytes(r, sizeof r);
	char *o = out;
	for (int i = 0; i < 18; i += 3) {
		unsigned v = (unsigned)r[i] << 16 | (unsigned)r[i + 1] << 8 | r[i + 2];
		*o++ = b64url[v >> 18 & 63];
		*o++ = b64url[v >> 12 & 63];
		*o++ = b64url[v >> 6 & 63];
		*o++ = b64url[v & 63];
	}
	*o = '\0';
	return 0;
}

static int fields_json(const struct submission *sub, struct buf *b)
{
	int rc = buf_putc(b, '[');
	for (size_t i = 0; i < sub->n_fields && rc == 0; i++) {
		const struct sub_field *f = &sub->fields[i];
		rc |= buf_puts(b, i ? ",{\"name\":\"" : "{\"name\":\"");
		rc |= buf_put_json(b, f->name, strlen(f->name));
		rc |= buf_puts(b, "\",\"label\":\"");
		rc |= buf_put_json(b, f->label, strlen(f->label));
		rc |= buf_puts(b, "\",\"value\":\"");
		rc |= buf_put_json(b, f->value, strlen(f->value));
		if (f->option && f->option[0]) {
			rc |= buf_puts(b, "\",\"option\":\"");
			rc |= buf_put_json(b, f->option, strlen(f->option));
		}
		rc |= buf_puts(b, "\"}");
	}
	rc |= buf_putc(b, ']');
	return rc ? -1 : 0;
}

struct ins_stmts {
	sqlite3_stmt *sub, *att, *job;
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

static int ins_prepare(struct store *s, struct ins_stmts *p)
{
	memset(p, 0, sizeof *p);
	p->sub = cached(s, &s->ins_sub, "INSERT INTO submissions(reference, token, city,"
		" service, city_name, service_title, recipient, office_name,"
		" applicant_email, received_at, received_unix, fields)"
		" VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
	p->att = cached(s, &s->ins_att, "INSERT INTO attachments(submission_id, seq,"
		" field, label, filename, mime, data) VALUES(?,?,?,?,?,?,?)");
	p->job = cached(s, &s->ins_job, "INSERT INTO outbox(submission_id, kind,"
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

/* Inserts the submission row, drawing a new reference on collision. */
static int insert_row(struct store *s, struct ins_stmts *p, struct store_item *it,
		      const char *json, long long now, int year)
{
	const struct submission *sub = it->sub;
	for (int tries = 0; tries < 8; tries++) {
		if (make_reference(it->ref_prefix, year, it->reference) < 0 ||
		    make_token(it->token) < 0) {
			snprintf(s->err, sizeof s->err, "cannot make a reference");
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
		int rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			it->id = sqlite3_last_insert_rowid(s->db);
			return 0;
		}
		if (sqlite3_extended_errcode(s->db) != SQLITE_CONSTRAINT_UNIQUE) {
			store_fail(s, "insert submission");
			return -1;
		}
		/* a reference (or, astronomically unlikely, a token) is taken */
	}
	snprintf(s->err, sizeof s->err, "no free reference after 8 draws");
	return -1;
}

static int insert_files(struct store *s, struct ins_stmts *p,
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
			store_fail(s, "insert attachment");
			return -1;
		}
	}
	return 0;
}

static int insert_job(struct store *s, struct ins_stmts *p, long long sub_id,
		      const char *kind, long long now)
{
	sqlite3_stmt *st = p->job;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, sub_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, "insert outbox");
		return -1;
	}
	return 0;
}

static int insert_one(struct store *s, struct ins_stmts *p, struct store_item *it,
		      struct buf *json, long long now, int year)
{
	buf_reset(json);
	if (fields_json(it->sub, json) < 0) {
		snprintf(s->err, sizeof s->err, "fields too large");
		return -1;
	}
	if (insert_row(s, p, it, json->data, now, year) < 0 ||
	    insert_files(s, p, it) < 0 ||
	    insert_job(s, p, it->id, "office", now) < 0)
		return -1;
	if (it->receipt && it->sub->applicant_email && it->sub->applicant_email[0] &&
	    insert_job(s, p, it->id, "receipt", now) < 0)
		return -1;
	return store_event(s, it->id, 0, now, "received", it->reference);
}

int store_insert(struct store *s, struct store_item *items, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[24];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct buf json;
	buf_init(&json, (size_t)16 << 20);
	struct ins_stmts p;
	int ret = -1;

	pthread_mutex_lock(&s->mu);
	if (ins_prepare(s, &p) < 0)
		goto out;
	if (store_exec(s, "BEGIN IMMEDIATE") < 0) {
		ins_finalize(&p);
		goto out;
	}
	int broken = 0;
	for (size_t i = 0; i < n; i++) {
		items[i].rc = -1;
		items[i].id = 0;
		memcpy(items[i].received_at, stamp, sizeof stamp);
	}
	for (size_t i = 0; i < n && !broken; i++) {
		struct store_item *it = &items[i];
		if (store_exec(s, "SAVEPOINT item") < 0) {
			broken = 1;
			break;
		}
		if (insert_one(s, &p, it, &json, (long long)now, tm.tm_year + 1900) == 0) {
			it->rc = 0;
			if (store_exec(s, "RELEASE item") < 0)
				broken = 1;
		} else {
			char keep[sizeof s->err];
			memcpy(keep, s->err, sizeof keep);
			fprintf(stderr, "relayd: level=error event=store_item_failed "
				"error=\"%s\"\n", keep);
			if (store_exec(s, "ROLLBACK TO item") < 0 ||
			    store_exec(s, "RELEASE item") < 0)
				broken = 1;
			memcpy(s->err, keep, sizeof keep);
		}
	}
	ins_finalize(&p);
	if (!broken && store_exec(s, "COMMIT") == 0) {
		ret = 0;
	} else {
		char keep[sizeof s->err];
		memcpy(keep, s->err, sizeof keep);
		store_exec(s, "ROLLBACK");
		memcpy(s->err, keep, sizeof keep);
	}
out:
	if (ret < 0)
		for (size_t i = 0; i < n; i++)
			items[i].rc = -1;
	pthread_mutex_unlock(&s->mu);
	buf_free(&json);
	return ret;
}
