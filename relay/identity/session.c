/* session.c - pending logins and citizen sessions, in relayd's memory
 * (a restart logs every citizen out; see relay/README.md). Each is found
 * by the SHA-256 of its token, the token itself is only in the browser;
 * both tables are bounded and expired rows are swept on each insert. */
#include "identity_int.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

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

int idstore_put_pending(struct idstore *s, const char *state, const struct pending *p)
{
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
