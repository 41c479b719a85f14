/* session.c - pending logins and citizen sessions. With a database
 * (relayd's usual case) they live there (store.h: login_pending,
 * citizen_sessions), so every relayd on one PostgreSQL knows them and a
 * restart logs no one out; without one (relayd --no-store) in memory.
 * Each is found by the SHA-256 of its token, the token itself is only in
 * the browser; both are bounded and expired rows are swept on each
 * insert. */
#include "identity_int.h"
#include "store/store.h"
#include "receive/log.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void hash_of(const char *token, unsigned char h[32])
{
	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
}

void idstore_init(struct idstore *s, long idle, long lifetime)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	s->pending = calloc(PENDING_MAX, sizeof *s->pending);
	s->sessions = calloc(SESSIONS_MAX, sizeof *s->sessions);
	if (!s->pending || !s->sessions)
		die("out of memory");
	s->idle = idle;
	s->lifetime = lifetime;
}

void idstore_free(struct idstore *s)
{
	for (size_t i = 0; i < s->n_sessions; i++) {
		free(s->sessions[i].subject);
		free(s->sessions[i].claims);
	}
	free(s->pending);
	free(s->sessions);
	pthread_mutex_destroy(&s->mu);
}

static bool session_live(const struct idstore *s, const struct session_row *r,
			 long long now)
{
	return now < r->last + s->idle && now < r->login + s->lifetime;
}

static void sweep(struct idstore *s, long long now)
{
	size_t j = 0;
	for (size_t i = 0; i < s->n_pending; i++)
		if (s->pending[i].expires > now)
			s->pending[j++] = s->pending[i];
	s->n_pending = j;
	j = 0;
	for (size_t i = 0; i < s->n_sessions; i++) {
		if (session_live(s, &s->sessions[i], now)) {
			s->sessions[j++] = s->sessions[i];
		} else {
			free(s->sessions[i].subject);
			free(s->sessions[i].claims);
		}
	}
	s->n_sessions = j;
}

static void db_error(struct idstore *s, const char *what)
{
	relay_log("error", "store_error", "component=identity op=%s error=\"%s\"",
		  what, store_errmsg(s->db));
}

static int db_put_pending(struct idstore *s, const char *state, const struct pending *p)
{
	unsigned char h[32];
	hash_of(state, h);
	struct store_login_pending row = { p->nonce, p->verifier, p->return_path,
					   p->expires };
	int rc = store_login_pending_put(s->db, h, &row, (long long)time(NULL),
					 PENDING_MAX);
	if (rc < 0)
		db_error(s, "login_pending_put");
	return rc == 0 ? 0 : -1;
}

/* A stored string into a fixed field; false when it does not fit (a row
 * that relayd did not write). */
static bool copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	if (len >= n)
		return false;
	memcpy(dst, src, len + 1);
	return true;
}

static bool db_take_pending(struct idstore *s, const char *state, long long now,
			    struct pending *out)
{
	unsigned char h[32];
	hash_of(state, h);
	struct arena a;
	arena_init(&a);
	struct store_login_pending row;
	int rc = store_login_pending_take(s->db, &a, h, now, &row);
	if (rc < 0)
		db_error(s, "login_pending_take");
	bool ok = rc == 0 && copy(out->nonce, sizeof out->nonce, row.nonce) &&
		  copy(out->verifier, sizeof out->verifier, row.verifier) &&
		  copy(out->return_path, sizeof out->return_path, row.return_path);
	if (ok) {
		memcpy(out->hash, h, sizeof h);
		out->expires = row.expires_unix;
	}
	arena_free(&a);
	return ok;
}

int idstore_put_pending(struct idstore *s, const char *state, const struct pending *p)
{
	if (s->db)
		return db_put_pending(s, state, p);
	pthread_mutex_lock(&s->mu);
	sweep(s, p->expires - 1);
	int rc = -1;
	if (s->n_pending < PENDING_MAX) {
		s->pending[s->n_pending] = *p;
		hash_of(state, s->pending[s->n_pending].hash);
		s->n_pending++;
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

bool idstore_take_pending(struct idstore *s, const char *state, long long now,
			  struct pending *out)
{
	if (s->db)
		return db_take_pending(s, state, now, out);
	unsigned char h[32];
	hash_of(state, h);
	bool found = false;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n_pending; i++) {
		if (sodium_memcmp(s->pending[i].hash, h, sizeof h))
			continue;
		found = s->pending[i].expires > now;
		*out = s->pending[i];
		/* single use: gone whether it was live or not */
		s->pending[i] = s->pending[--s->n_pending];
		break;
	}
	pthread_mutex_unlock(&s->mu);
	return found;
}

int idstore_open_session(struct idstore *s, const char *token, const char *subject,
			 unsigned level, const char *claims, long long now)
{
	if (s->db) {
		unsigned char h[32];
		hash_of(token, h);
		struct store_citizen_session cs = { subject, claims, level, now };
		int rc = store_citizen_session_open(s->db, h, &cs, s->idle, s->lifetime,
						    SESSIONS_MAX);
		if (rc < 0)
			db_error(s, "citizen_session_open");
		return rc == 0 ? 0 : -1;
	}
	pthread_mutex_lock(&s->mu);
	sweep(s, now);
	int rc = -1;
	if (s->n_sessions < SESSIONS_MAX) {
		struct session_row *r = &s->sessions[s->n_sessions];
		hash_of(token, r->hash);
		r->subject = xstrdup(subject);
		r->claims = xstrdup(claims);
		r->level = level;
		r->login = r->last = now;
		s->n_sessions++;
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

bool idstore_session(struct idstore *s, struct arena *a, const char *token,
		     long long now, struct citizen *out)
{
	unsigned char h[32];
	hash_of(token, h);
	if (s->db) {
		struct store_citizen_session cs;
		int rc = store_citizen_session_get(s->db, a, h, now, s->idle, s->lifetime, &cs);
		if (rc < 0)
			db_error(s, "citizen_session_get");
		if (rc != 0)
			return false;
		out->subject = cs.subject;
		out->claims = cs.claims;
		out->level = cs.level;
		out->login_unix = cs.login_unix;
		return true;
	}
	bool found = false;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n_sessions; i++) {
		struct session_row *r = &s->sessions[i];
		if (sodium_memcmp(r->hash, h, sizeof h) || !session_live(s, r, now))
			continue;
		r->last = now;
		out->subject = arena_strdup(a, r->subject);
		out->claims = arena_strdup(a, r->claims);
		out->level = r->level;
		out->login_unix = r->login;
		found = true;
		break;
	}
	pthread_mutex_unlock(&s->mu);
	return found;
}

int idstore_end_session(struct idstore *s, const char *token)
{
	unsigned char h[32];
	hash_of(token, h);
	if (s->db) {
		int rc = store_citizen_session_end(s->db, h);
		if (rc < 0)
			db_error(s, "citizen_session_end");
		return rc;
	}
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n_sessions; i++) {
		if (sodium_memcmp(s->sessions[i].hash, h, sizeof h))
			continue;
		free(s->sessions[i].subject);
		free(s->sessions[i].claims);
		s->sessions[i] = s->sessions[--s->n_sessions];
		break;
	}
	pthread_mutex_unlock(&s->mu);
	return 0;
}
