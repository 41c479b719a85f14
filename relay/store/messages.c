/* messages.c - the thread between citizen and office as every backend
 * stores it (store.h, schema version 5): a message is checked once here
 * before a backend sees it, so no backend can store what the other would
 * refuse. */
#include "backend.h"
#include <stdio.h>
#include <string.h>
#include "util/utf8.h"

static int refuse(struct store *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "message: %s", what);
	return -1;
}

/* The author, kind and actor go together: the citizen writes plain
 * messages without an actor, a clerk either kind with one. */
static const char *shape_error(const struct store_message *m)
{
	bool citizen = m->author && !strcmp(m->author, "citizen");
	bool clerk = m->author && !strcmp(m->author, "clerk");
	bool plain = m->kind && !strcmp(m->kind, "message");
	bool question = m->kind && !strcmp(m->kind, "rueckfrage");
	if (!citizen && !clerk)
		return "author is neither citizen nor clerk";
	if (!plain && !question)
		return "kind is neither message nor rueckfrage";
	if (citizen && (question || !m->actor || *m->actor))
		return "a citizen writes plain messages, without an actor";
	if (clerk && (!m->actor || !*m->actor || strlen(m->actor) > 64))
		return "a clerk's message needs the clerk as actor";
	return NULL;
}

int store_message_add(struct store *s, long long submission_id,
		      const struct store_message *m, long long *id)
{
	*id = 0;
	const char *bad = shape_error(m);
	if (bad)
		return refuse(s, bad);
	size_t len = m->body ? strlen(m->body) : 0;
	if (len == 0 || !utf8_valid(m->body, len) ||
	    utf8_chars(m->body, len) > STORE_MESSAGE_MAX)
		return refuse(s, "body empty, too long or not UTF-8");
	if (submission_id <= 0)
		return 1;
	return s->ops->message_add(s, submission_id, m, id);
}

int store_messages(struct store *s, struct arena *a, long long submission_id,
		   long long after_id, struct store_message **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return s->ops->messages(s, a, submission_id, after_id < 0 ? 0 : after_id,
				out, n);
}
