/* login.c - citizens' pending logins and sessions (store.h, schema
 * version 8): each function is its backend's op. */
#include "backend.h"

int store_login_pending_put(struct store *s, const unsigned char *hash,
			    const struct store_login_pending *p, long long now,
			    long long max)
{
	return s->ops->login_put(s, hash, p, now, max);
}

int store_login_pending_take(struct store *s, struct arena *a, const unsigned char *hash,
			     long long now, struct store_login_pending *out)
{
	return s->ops->login_take(s, a, hash, now, out);
}

int store_citizen_session_open(struct store *s, const unsigned char *hash,
			       const struct store_citizen_session *cs, long long idle,
			       long long lifetime, long long max)
{
	/* the end a session has until it is used again; each use moves it
	 * (citizen_get), never past the lifetime */
	long long end = cs->login_unix + (idle < lifetime ? idle : lifetime);
	return s->ops->citizen_open(s, hash, cs, end, max);
}

int store_citizen_session_get(struct store *s, struct arena *a, const unsigned char *hash,
			      long long now, long long idle, long long lifetime,
			      struct store_citizen_session *out)
{
	return s->ops->citizen_get(s, a, hash, now, idle, lifetime, out);
}

int store_citizen_session_end(struct store *s, const unsigned char *hash)
{
	return s->ops->citizen_end(s, hash);
}
