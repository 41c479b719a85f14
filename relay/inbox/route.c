/* route.c - one request under /amt/ from its first call to its answer:
 * the path, the method, a POST's body (urlencoded, at most
 * INBOX_BODY_MAX bytes), the session a page needs. See inbox.h. */
#include "inbox_int.h"
#include <stdlib.h>
#include <string.h>
#include "formbody.h"

struct inbox *inbox_new(const struct relay_config *cfg)
{
	struct inbox *ib = xcalloc(1, sizeof *ib);
	double window = (double)cfg->inbox.window_minutes * 60.0;
	ib->users = throttle_new(cfg->inbox.attempts_per_user, window);
	ib->clients = throttle_new(cfg->inbox.attempts_per_client, window);
	if (!ib->users || !ib->clients) {
		inbox_free(ib);
		return NULL;
	}
	return ib;
}

void inbox_free(struct inbox *ib)
{
	if (!ib)
		return;
	throttle_free(ib->users);
	throttle_free(ib->clients);
	free(ib);
}

bool inbox_path(const char *url)
{
	return !strncmp(url, "/amt", 4) && (url[4] == '\0' || url[4] == '/');
}

void inbox_req_free(struct inbox_req *q)
{
	if (!q)
		return;
	buf_free(&q->body);
	arena_free(&q->a);
	free(q);
}

/* A page that needs a clerk: the session, or the answer (303 to the login
 * for a GET, 403 for a POST, 503) already queued in *r. */
static bool need_session(struct inbox_req *q, struct MHD_Connection *c,
			 struct store_session *s, enum MHD_Result *r)
{
	bool had = false;
	int rc = inbox_session(q, c, s, &had);
	if (rc == 0)
		return true;
	if (rc < 0)
		*r = inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				 "Der Posteingang ist gerade nicht erreichbar.", "60");
	else if (q->post)
		*r = inbox_error(q, c, MHD_HTTP_FORBIDDEN, "Sie sind nicht (mehr) "
				 "angemeldet. Bitte melden Sie sich an und versuchen "
				 "Sie es erneut.", NULL);
	else    /* an old cookie goes; the login page says why */
		*r = inbox_redirect(q, c, had ? "anmelden?abgelaufen=1" : "anmelden",
				    had ? inbox_cookie(q, INBOX_SESSION_COOKIE, NULL, 0) : NULL,
				    NULL);
	return false;
}

static enum MHD_Result dispatch(struct inbox_req *q, struct MHD_Connection *c)
{
	if (!strcmp(q->path, "anmelden"))
		return q->post ? inbox_login_post(q, c) : inbox_login_get(q, c);
	if (!strcmp(q->path, "abmelden") && q->post)
		return inbox_logout(q, c);
	bool list = !q->post && q->path[0] == '\0';
	bool app = !strncmp(q->path, "antrag/", 7);
	if (!list && !app)
		return inbox_error(q, c, MHD_HTTP_NOT_FOUND, "Diese Seite gibt es nicht.",
				   NULL);
	struct store_session s;
	enum MHD_Result r = MHD_NO;
	if (!need_session(q, c, &s, &r))
		return r;
	return list ? inbox_list(q, c, &s) : inbox_detail(q, c, &s, q->path + 7);
}

/* The first call: what is asked, and for a POST whether its body may
 * come at all. */
static enum MHD_Result begin(struct inbox_req *q, struct MHD_Connection *c,
			     const char *url, const char *method)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	q->post = !strcmp(method, "POST");
	if (!q->env->store)
		return inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "Der Posteingang ist ohne Datenbank nicht verfügbar.", NULL);
	if (!strcmp(url, "/amt"))       /* the cookie's path is /amt/ */
		return inbox_redirect(q, c, "", NULL, NULL);
	const char *rest = url + 5;
	if (strlen(rest) >= sizeof q->path)
		return inbox_error(q, c, MHD_HTTP_NOT_FOUND, "Diese Seite gibt es nicht.",
				   NULL);
	memcpy(q->path, rest, strlen(rest) + 1);
	if (!get && !q->post)
		return inbox_error(q, c, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "Diese Anfrage ist hier nicht möglich.", NULL);
	if (get)
		return dispatch(q, c);
	const char *msg;
	unsigned refused = urlencoded_post_refusal(c, INBOX_BODY_MAX, &msg);
	if (refused)
		return inbox_error(q, c, refused, msg, NULL);
	return MHD_YES;         /* the body comes in the next calls */
}

enum MHD_Result inbox_handle(const struct inbox_env *env, struct inbox_req **rq,
			     struct MHD_Connection *c, const char *url,
			     const char *method, const char *upload,
			     size_t *upload_size)
{
	struct inbox_req *q = *rq;
	if (!q) {
		q = *rq = xcalloc(1, sizeof *q);
		q->env = env;
		arena_init(&q->a);
		buf_init(&q->body, INBOX_BODY_MAX);
		return begin(q, c, url, method);
	}
	if (q->answered) {              /* drop what still comes */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size)
		return urlencoded_body_chunk(&q->body, &q->seen, &q->too_large, upload,
					     upload_size);
	if (q->too_large)
		return inbox_error(q, c, MHD_HTTP_CONTENT_TOO_LARGE, FORM_MSG_TOO_LARGE, NULL);
	return dispatch(q, c);
}
