/* postfach.c - the Postfach's store functions (store.h): each is its
 * backend's op. */
#include "backend.h"

int store_postfach_request(struct store *s, const char *email,
			   const unsigned char *hash, const char *token,
			   long long now, long long expires, int max)
{
	return s->ops->pf_request(s, email, hash, token, now, expires, max);
}

int store_postfach_claim(struct store *s, struct arena *a, long long now,
			 long long lease, struct store_postfach_job *job)
{
	return s->ops->pf_claim(s, a, now, lease, job);
}

int store_postfach_sent(struct store *s, long long id, long long now)
{
	return s->ops->pf_outcome(s, id, STORE_PF_SENT, now, NULL);
}

int store_postfach_retry(struct store *s, long long id, long long at,
			 const char *error)
{
	return s->ops->pf_outcome(s, id, STORE_PF_RETRY, at, error);
}

int store_postfach_failed(struct store *s, long long id, long long now,
			  const char *error)
{
	return s->ops->pf_outcome(s, id, STORE_PF_FAILED, now, error);
}

int store_postfach_use(struct store *s, struct arena *a,
		       const unsigned char *hash, long long now,
		       const unsigned char *session_hash,
		       long long session_expires, const char **email)
{
	return s->ops->pf_use(s, a, hash, now, session_hash, session_expires, email);
}

int store_postfach_session(struct store *s, struct arena *a,
			   const unsigned char *hash, long long now,
			   const char **email, long long *expires)
{
	long long end = 0;
	int rc = s->ops->pf_session(s, a, hash, now, email, &end);
	if (expires)
		*expires = end;
	return rc;
}

int store_postfach_session_end(struct store *s, const unsigned char *hash)
{
	return s->ops->pf_session_end(s, hash);
}

int store_postfach_list(struct store *s, struct arena *a, const char *email,
			size_t max, struct store_postfach_row **rows, size_t *n)
{
	*rows = NULL;
	*n = 0;
	return s->ops->pf_list(s, a, email, max, rows, n);
}

int store_postfach_list_by_subject(struct store *s, struct arena *a,
				   const char *subject, size_t max,
				   struct store_postfach_row **rows, size_t *n)
{
	*rows = NULL;
	*n = 0;
	if (!subject || !*subject)
		return 0;
	return s->ops->pf_list_subject(s, a, subject, max, rows, n);
}

int store_postfach_purge(struct store *s, long long now, long long *removed)
{
	*removed = 0;
	return s->ops->pf_purge(s, now, removed);
}
