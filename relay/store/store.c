/* store.c - the store's one interface (store.h): picks the backend named
 * by the database string and hands every call to it (backend.h); and the
 * references and tokens every backend stores. */
#include "backend.h"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "util/random.h"
#include <sodium.h>
#include "token.h"
#include <time.h>
#include <unistd.h>

static const struct {
	const char *scheme;
	const struct store_ops *ops;
	bool whole;     /* the backend gets the whole string (libpq reads URIs) */
} backends[] = {
	{ "sqlite", &store_sqlite_ops, false },
	{ "postgresql", &store_pg_ops, true },
	{ "postgres", &store_pg_ops, true },
};

/* A libpq connection string "host=/run/x dbname=relay": a keyword of
 * letters and '_', then '=' (a file name like that needs "sqlite:"). */
static bool is_conninfo(const char *database)
{
	size_t n = strspn(database, "abcdefghijklmnopqrstuvwxyz_");
	return n > 0 && database[n + strspn(database + n, " ")] == '=';
}

/* "scheme:rest" names a backend (rest is what it opens, or the whole
 * string for PostgreSQL); a conninfo string is PostgreSQL; a plain path
 * is an SQLite file. A first path segment with a colon counts as a scheme,
 * so "mysql://..." is refused, not created as a file. NULL with a message
 * for an unknown scheme. The message names only the scheme: the rest may
 * hold a password. */
static const struct store_ops *backend(const char *database, const char **where,
				       char *err, size_t errlen)
{
	static const char scheme_chars[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-";
	size_t n = strspn(database, scheme_chars);
	bool letter = (database[0] | 0x20) >= 'a' && (database[0] | 0x20) <= 'z';
	if (is_conninfo(database)) {
		*where = database;
		return &store_pg_ops;
	}
	if (!letter || database[n] != ':') {
		*where = database;
		return &store_sqlite_ops;
	}
	for (size_t i = 0; i < sizeof backends / sizeof *backends; i++)
		if (strlen(backends[i].scheme) == n &&
		    !strncmp(database, backends[i].scheme, n)) {
			*where = backends[i].whole ? database : database + n + 1;
			if (database[n + 1])
				return backends[i].ops;
			snprintf(err, errlen, "database %s: nothing after the scheme",
				 database);
			return NULL;
		}
	snprintf(err, errlen, "no such store backend \"%.*s\" in database (this "
		 "relay has: sqlite:PATH or a plain file path, postgresql://... or "
		 "a conninfo string \"host=... dbname=...\")", n > 32 ? 32 : (int)n,
		 database);
	return NULL;
}

const char *store_file(const char *database)
{
	char err[8];
	const char *where;
	return backend(database, &where, err, sizeof err) == &store_sqlite_ops ?
		where : NULL;
}

/* Copies [s, e) to out at *k with the value of a secret replaced. */
static void put(char *out, size_t n, size_t *k, const char *s, size_t len)
{
	if (*k + len >= n)
		len = *k + 1 < n ? n - *k - 1 : 0;
	memcpy(out + *k, s, len);
	*k += len;
	out[*k] = '\0';
}

void store_masked(const char *database, char *out, size_t n)
{
	size_t k = 0;
	out[0] = '\0';
	const char *p = database;
	const char *at = strchr(p, '@'), *colon = strstr(p, "://");
	/* URI: scheme://user:password@host... */
	if (colon && at && at > colon) {
		const char *pw = memchr(colon + 3, ':', (size_t)(at - colon - 3));
		if (pw) {
			put(out, n, &k, p, (size_t)(pw + 1 - p));
			put(out, n, &k, "***", 3);
			p = at;
		}
	}
	/* password=... in a conninfo string or a URI's query */
	for (;;) {
		const char *q = strstr(p, "password=");
		if (!q)
			break;
		put(out, n, &k, p, (size_t)(q + 9 - p));
		put(out, n, &k, "***", 3);
		p = q + 9;
		if (*p == '\'') {      /* 'quoted value' with \' escapes */
			for (p++; *p && *p != '\''; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
		} else {
			p += strcspn(p, " &");
		}
	}
	put(out, n, &k, p, strlen(p));
}

static struct store *open_as(const char *database, bool readonly, char *err,
			     size_t errlen)
{
	if (sodium_init() < 0) {        /* token.c's hash and comparison */
		snprintf(err, errlen, "libsodium cannot be initialised");
		return NULL;
	}
	const char *where;
	const struct store_ops *ops = backend(database, &where, err, errlen);
	return ops ? ops->open(where, readonly, err, errlen) : NULL;
}

struct store *store_open(const char *database, char *err, size_t errlen)
{
	return open_as(database, false, err, errlen);
}

struct store *store_open_readonly(const char *database, char *err, size_t errlen)
{
	return open_as(database, true, err, errlen);
}

bool store_exists(const char *database, char *err, size_t errlen)
{
	const char *where;
	const struct store_ops *ops = backend(database, &where, err, errlen);
	return ops && ops->exists(where, err, errlen);
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

const char *store_errmsg(struct store *s)
{
	return s->err[0] ? s->err : "no error";
}

void store_release_memory(struct store *s)
{
	if (s->ops->release_memory)
		s->ops->release_memory(s);
}

/* ---- every other call is the backend's ---- */

int store_insert(struct store *s, struct store_item *items, size_t n)
{
	return s->ops->insert(s, items, n);
}

int store_claim_due(struct store *s, long long now, long long lease,
		    struct outbox_job *jobs, size_t max, size_t *n)
{
	return s->ops->claim_due(s, now, lease, jobs, max, n);
}

int store_job_delivered(struct store *s, long long job_id, long long now,
			const char *detail)
{
	return s->ops->job_delivered(s, job_id, now, detail);
}

int store_job_retry(struct store *s, long long job_id, long long now,
		    long long at, const char *error)
{
	return s->ops->job_retry(s, job_id, now, at, error);
}

int store_job_failed(struct store *s, long long job_id, long long now,
		     const char *error)
{
	return s->ops->job_failed(s, job_id, now, error);
}

int store_resend(struct store *s, long long submission_id, long long now)
{
	return s->ops->resend(s, submission_id, now);
}

long long store_next_due(struct store *s)
{
	return s->ops->next_due(s);
}

struct submission *store_load(struct store *s, struct arena *a, long long id,
			      bool with_files, struct store_status *st, int *err)
{
	return s->ops->load(s, a, STORE_BY_ID, id, NULL, with_files, st, err);
}

struct submission *store_load_ref(struct store *s, struct arena *a,
				  const char *reference, bool with_files,
				  struct store_status *st, int *err)
{
	return s->ops->load(s, a, STORE_BY_REFERENCE, 0, reference, with_files,
			    st, err);
}

/* By the token's key, then the token itself compared in constant time
 * (token.h says why). The backends take the key's length as the id. */
struct submission *store_load_token(struct store *s, struct arena *a,
				    const char *token, bool with_files,
				    struct store_status *st, int *err)
{
	unsigned char key[TOKEN_KEY_MAX];
	size_t n = token_key(token, key);
	struct submission *sub = s->ops->load(s, a, STORE_BY_TOKEN, (long long)n,
					      (const char *)key,
					      with_files, st, err);
	if (sub && (!sub->token || !token_equal(sub->token, token)))
		return NULL;    /* a hash collision: as good as not found */
	return sub;
}

int store_each(struct store *s, const char *city, long long from_unix,
	       long long until_unix, bool with_files, store_each_fn fn, void *ctx)
{
	return s->ops->each(s, city, from_unix, until_unix, with_files, fn, ctx);
}

int store_jobs(struct store *s, struct arena *a, long long submission_id,
	       struct store_job **jobs, size_t *n)
{
	return s->ops->jobs(s, a, submission_id, jobs, n);
}

int store_events(struct store *s, struct arena *a, long long submission_id,
		 struct store_event **events, size_t *n)
{
	return s->ops->events(s, a, submission_id, events, n);
}

int store_documents_add(struct store *s, long long submission_id,
			struct store_document *d, size_t n, size_t max,
			long long now)
{
	return s->ops->documents_add(s, submission_id, d, n, max, now);
}

int store_counts(struct store *s, long long now, struct store_counts *c)
{
	return s->ops->counts(s, now, c);
}

/* ---- insert ---- */

/* For the backends (backend.h). */
time_t store_items_begin(struct store_item *items, size_t n, int *year)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[24];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (size_t i = 0; i < n; i++) {
		items[i].rc = -1;
		items[i].id = 0;
		items[i].number = 0;
		items[i].pay_reference[0] = '\0';
		memcpy(items[i].received_at, stamp, sizeof stamp);
	}
	*year = tm.tm_year + 1900;
	return now;
}

/* Numbered in order, so that the unique index of submissions.reference
 * takes each post at its end: a random reference dirtied a leaf page of
 * that index per post (token.h says the same of the token's key). */
static int numbered_reference(const char *prefix, int year, long long number,
			      char out[24])
{
	int n = snprintf(out, 24, "%.3s-%04d-%06lld", prefix, year, number);
	return number > 0 && n > 0 && n < 24 ? 0 : -1;
}

/* For the backends (backend.h): both ids of a new submission. */
int store_new_ids(struct store_ids_pool *pool, const char *prefix, int year,
		  long long number, char reference[24], char token[TOKEN_CHARS + 1])
{
	unsigned char own[STORE_ID_BYTES], *r = own;
	if (!pool) {
		random_bytes(own, sizeof own);
	} else {
		if (!pool->left) {
			random_bytes(pool->r, sizeof pool->r);
			pool->left = sizeof pool->r / STORE_ID_BYTES;
		}
		r = pool->r + --pool->left * STORE_ID_BYTES;
	}
	token_make(r, token);
	int rc = numbered_reference(prefix, year, number, reference);
	explicit_bzero(r, STORE_ID_BYTES);
	return rc;
}

void store_instance(char out[64])
{
	char host[48];
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	snprintf(out, 64, "%s/%ld", host, (long)getpid());
}
