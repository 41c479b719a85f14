/* inbox.c - the clerks' inbox as every backend stores it (store.h, schema
 * version 4): the status words, the offices' text form, the WHERE clause
 * of an inbox query (one text for both backends, so they cannot drift),
 * and the store.h functions, which check their arguments once here before
 * a backend sees them. */
#include "backend.h"
#include <stdio.h>
#include <string.h>

const char *const store_statuses[] = {
	"neu", "in_bearbeitung", "abgeschlossen", "abgelehnt", NULL,
};

bool store_status_settable(const char *status)
{
	for (size_t i = 1; status && store_statuses[i]; i++)
		if (!strcmp(status, store_statuses[i]))
			return true;
	return false;
}

static bool status_known(const char *status)
{
	return status && (!strcmp(status, store_statuses[0]) ||
			  store_status_settable(status));
}

/* A part of "city/role": not empty, no separator, no space. */
static bool part_ok(const char *s)
{
	return s && *s && !strpbrk(s, " /\t\r\n");
}

int store_offices_text(const struct store_office *o, size_t n, char *out,
		       size_t size)
{
	size_t len = 0;
	if (size == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!part_ok(o[i].city) || !part_ok(o[i].role))
			return -1;
		int w = snprintf(out + len, size - len, "%s%s/%s", i ? " " : "",
				 o[i].city, o[i].role);
		if (w < 0 || (size_t)w >= size - len)
			return -1;
		len += (size_t)w;
	}
	return 0;
}

int store_offices_parse(struct arena *a, const char *text,
			struct store_office **out, size_t *n)
{
	struct store_office *v = arena_alloc(a, STORE_MAX_OFFICES * sizeof *v);
	size_t k = 0;
	const char *p = text ? text : "";
	while (*p) {
		size_t len = strcspn(p, " ");
		const char *slash = memchr(p, '/', len);
		if (k == STORE_MAX_OFFICES || !slash || slash == p ||
		    slash + 1 == p + len)
			return -1;
		v[k].city = arena_strndup(a, p, (size_t)(slash - p));
		v[k].role = arena_strndup(a, slash + 1, (size_t)(p + len - slash - 1));
		k++;
		p += len;
		if (*p == ' ')
			p++;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Appends printf text to w->sql; -1 when it does not fit. */
static int put(struct store_inbox_where *w, const char *fmt, const char *a,
	       int x, int y)
{
	size_t len = strlen(w->sql);
	int k = snprintf(w->sql + len, sizeof w->sql - len, fmt, a, x, y);
	return k < 0 || (size_t)k >= sizeof w->sql - len ? -1 : 0;
}

int store_offices_where(const struct store_office *o, size_t n, char mark,
			int first, struct store_inbox_where *w)
{
	memset(w, 0, sizeof *w);
	w->n = first - 1;
	if (n == 0 || n > STORE_MAX_OFFICES)
		return -1;
	/* one office alone as plain equalities: both planners then walk the
	 * (city, office, ...) index in order and stop after the page */
	if (put(w, n > 1 ? "(" : "", "", 0, 0) < 0)
		return -1;
	const char *m = mark == '$' ? "$" : "?";
	for (size_t i = 0; i < n; i++) {
		if (put(w, i ? " OR (s.city = %s%d" : "(s.city = %s%d", m, w->n + 1, 0) < 0 ||
		    put(w, " AND s.office = %s%d)", m, w->n + 2, 0) < 0)
			return -1;
		w->text[w->n++] = o[i].city;
		w->text[w->n++] = o[i].role;
	}
	if (put(w, n > 1 ? ")" : "", "", 0, 0) < 0)
		return -1;
	return w->n;
}

int store_inbox_where(const struct store_inbox_query *q, char mark,
		      struct store_inbox_where *w)
{
	const char *m = mark == '$' ? "$" : "?";
	if (store_offices_where(q->offices, q->n_offices, mark, 1, w) < 0)
		return -1;
	if (q->status) {
		if (put(w, " AND s.status = %s%d", m, w->n + 1, 0) < 0)
			return -1;
		w->text[w->n++] = q->status;
	}
	if (q->service) {
		if (put(w, " AND s.service = %s%d", m, w->n + 1, 0) < 0)
			return -1;
		w->text[w->n++] = q->service;
	}
	if (q->from_unix) {
		if (put(w, " AND s.received_unix >= %s%d", m, w->n + 1, 0) < 0)
			return -1;
		w->ints[w->n++] = q->from_unix;
	}
	if (q->until_unix) {
		if (put(w, " AND s.received_unix < %s%d", m, w->n + 1, 0) < 0)
			return -1;
		w->ints[w->n++] = q->until_unix;
	}
	return w->n;
}

/* ---- store.h: checked here, done by the backend ---- */

static int refuse(struct store *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "%s", what);
	return -1;
}

static bool name_ok(const char *u)
{
	return u && *u && strlen(u) <= 64 && !strpbrk(u, " \t\r\n");
}

int store_clerk_add(struct store *s, const char *username, const char *pwhash,
		    const struct store_office *offices, size_t n, long long now)
{
	char text[STORE_MAX_OFFICES * 140];
	if (!name_ok(username) || !pwhash || !*pwhash)
		return refuse(s, "clerk: bad username or password hash");
	if (n == 0 || n > STORE_MAX_OFFICES ||
	    store_offices_text(offices, n, text, sizeof text) < 0)
		return refuse(s, "clerk: bad offices");
	return s->ops->clerk_add(s, username, pwhash, text, now);
}

int store_clerk_passwd(struct store *s, const char *username, const char *pwhash)
{
	if (!name_ok(username) || !pwhash || !*pwhash)
		return refuse(s, "clerk: bad username or password hash");
	return s->ops->clerk_change(s, username, pwhash);
}

int store_clerk_disable(struct store *s, const char *username)
{
	if (!name_ok(username))
		return refuse(s, "clerk: bad username");
	return s->ops->clerk_change(s, username, NULL);
}

int store_clerk_get(struct store *s, struct arena *a, const char *username,
		    struct store_clerk *out)
{
	struct store_clerk *v = NULL;
	size_t n = 0;
	if (!name_ok(username))
		return 1;
	if (s->ops->clerks(s, a, username, &v, &n) < 0)
		return -1;
	if (n == 0)
		return 1;
	*out = v[0];
	return 0;
}

int store_clerks(struct store *s, struct arena *a, struct store_clerk **out,
		 size_t *n)
{
	return s->ops->clerks(s, a, NULL, out, n);
}

int store_session_new(struct store *s, const unsigned char *hash,
		      const char *username, const char *csrf, long long now,
		      long long expires)
{
	if (!name_ok(username) || !csrf || !*csrf)
		return refuse(s, "session: bad username or csrf");
	return s->ops->session_new(s, hash, username, csrf, now, expires);
}

int store_session_get(struct store *s, struct arena *a, const unsigned char *hash,
		      long long now, long long idle, long long lifetime,
		      struct store_session *out)
{
	memset(out, 0, sizeof *out);
	return s->ops->session_get(s, a, hash, now, idle, lifetime, out);
}

int store_session_end(struct store *s, const unsigned char *hash)
{
	return s->ops->session_end(s, hash);
}

int store_inbox_list(struct store *s, struct arena *a,
		     const struct store_inbox_query *q, struct store_inbox_row **rows,
		     size_t *n, long long *total)
{
	*rows = NULL;
	*n = 0;
	*total = 0;
	if (q->n_offices == 0 || q->n_offices > STORE_MAX_OFFICES ||
	    q->limit == 0 || q->limit > 200 || q->offset < 0 || q->count_limit < 0 ||
	    (q->status && !status_known(q->status)))
		return refuse(s, "inbox: bad query");
	return s->ops->inbox_list(s, a, q, rows, n, total);
}

int store_inbox_load(struct store *s, struct arena *a, long long id,
		     const struct store_office *offices, size_t n_offices,
		     bool with_files, struct submission **sub, const char **status)
{
	*sub = NULL;
	*status = NULL;
	if (n_offices == 0 || n_offices > STORE_MAX_OFFICES)
		return refuse(s, "inbox: bad offices");
	if (id <= 0)
		return 1;
	return s->ops->inbox_load(s, a, id, offices, n_offices, with_files, sub,
				  status);
}

int store_set_status(struct store *s, long long id, const char *status,
		     const char *actor, long long now)
{
	if (!store_status_settable(status) || !name_ok(actor))
		return refuse(s, "status: not a status a clerk sets, or no actor");
	return s->ops->set_status(s, id, status, actor, now);
}

int store_fill_offices(struct store *s, store_office_fn fn, void *ctx,
		       long long *filled)
{
	*filled = 0;
	return s->ops->fill_offices(s, fn, ctx, filled);
}
