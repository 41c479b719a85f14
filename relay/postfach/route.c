/* route.c - one request under /postfach from its first call to its
 * answer: the path, the method, a POST's urlencoded body (at most
 * PF_BODY_MAX bytes; the two fields email and csrf, through
 * libmicrohttpd's post processor), then the page. See postfach.h. */
#include "pf_int.h"
#include <stdlib.h>
#include <string.h>
#include "inbox/formbody.h"

struct postfach *postfach_new(void)
{
	struct postfach *pf = xcalloc(1, sizeof *pf);
	pf->clients = ratelimit_new(POSTFACH_PER_CLIENT);
	if (!pf->clients) {
		free(pf);
		return NULL;
	}
	return pf;
}

void postfach_free(struct postfach *pf)
{
	if (!pf)
		return;
	ratelimit_free(pf->clients);
	free(pf);
}

bool postfach_path(const char *url)
{
	return !strncmp(url, "/postfach", 9) && (url[9] == '\0' || url[9] == '/');
}

void postfach_req_free(struct postfach_req *q)
{
	if (!q)
		return;
	if (q->pp)
		MHD_destroy_post_processor(q->pp);
	arena_free(&q->a);
	free(q);
}

/* Keeps the fields the forms have; a longer value is marked, not cut. */
static enum MHD_Result field_iter(void *cls, enum MHD_ValueKind kind,
				  const char *key, const char *filename,
				  const char *ctype, const char *enc,
				  const char *data, uint64_t off, size_t size)
{
	struct postfach_req *q = cls;
	(void)kind, (void)filename, (void)ctype, (void)enc, (void)off;
	struct pf_field *f = !key ? NULL : !strcmp(key, "email") ? &q->email :
			     !strcmp(key, "csrf") ? &q->csrf : NULL;
	if (!f)
		return MHD_YES;         /* a field no form of ours has: ignored */
	f->seen = true;
	if (f->too_long || f->len + size > PF_FIELD_MAX) {
		f->too_long = true;
		return MHD_YES;
	}
	memcpy(f->v + f->len, data, size);
	f->len += size;
	f->v[f->len] = '\0';
	if (memchr(data, '\0', size))
		f->too_long = true;     /* a NUL: no address, no token */
	return MHD_YES;
}

static enum MHD_Result dispatch(struct postfach_req *q, struct MHD_Connection *c)
{
	if (q->path[0] == '\0')
		return q->post ? pf_request_post(q, c) : pf_request_get(q, c);
	if (!strcmp(q->path, "abmelden") && q->post)
		return pf_logout(q, c);
	if (!strcmp(q->path, "antraege") && !q->post)
		return pf_list(q, c);
	if (!q->post && !strchr(q->path, '/'))
		return pf_open(q, c, q->path);
	return pf_error(q, c, MHD_HTTP_NOT_FOUND, "Diese Seite gibt es nicht.", NULL);
}

/* The first call: what is asked, and for a POST whether its body may
 * come at all. */
static enum MHD_Result begin(struct postfach_req *q, struct MHD_Connection *c,
			     const char *url, const char *method)
{
	q->head = !strcmp(method, "HEAD");
	bool get = q->head || !strcmp(method, "GET");
	q->post = !strcmp(method, "POST");
	if (!q->env->store)
		return pf_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				"Das Postfach ist ohne Datenbank nicht verfügbar.", NULL);
	const char *rest = url[9] == '/' ? url + 10 : url + 9;
	if (strlen(rest) >= sizeof q->path)
		return pf_error(q, c, MHD_HTTP_NOT_FOUND, "Diese Seite gibt es nicht.",
				NULL);
	memcpy(q->path, rest, strlen(rest) + 1);
	if (!get && !q->post)
		return pf_error(q, c, MHD_HTTP_METHOD_NOT_ALLOWED,
				"Diese Anfrage ist hier nicht möglich.", NULL);
	if (get)
		return dispatch(q, c);
	const char *msg;
	unsigned refused = urlencoded_post_refusal(c, PF_BODY_MAX, &msg);
	if (refused)
		return pf_error(q, c, refused, msg, NULL);
	q->pp = MHD_create_post_processor(c, 1024, field_iter, q);
	if (!q->pp)
		return pf_error(q, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, FORM_MSG_MEDIA_TYPE,
				NULL);
	return MHD_YES;         /* the body comes in the next calls */
}

enum MHD_Result postfach_handle(const struct postfach_env *env,
				struct postfach_req **rq, struct MHD_Connection *c,
				const char *url, const char *method,
				const char *upload, size_t *upload_size)
{
	struct postfach_req *q = *rq;
	if (!q) {
		q = *rq = xcalloc(1, sizeof *q);
		q->env = env;
		arena_init(&q->a);
		return begin(q, c, url, method);
	}
	if (q->answered) {              /* drop what still comes */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		q->seen += *upload_size;
		if (q->seen > PF_BODY_MAX)
			q->bad_body = true;     /* answered with 413 at the end */
		else if (MHD_post_process(q->pp, upload, *upload_size) != MHD_YES)
			q->bad_body = true;
		*upload_size = 0;
		/* a flood far beyond the limit: hang up */
		return q->seen > 4 * PF_BODY_MAX ? MHD_NO : MHD_YES;
	}
	if (q->seen > PF_BODY_MAX)
		return pf_error(q, c, MHD_HTTP_CONTENT_TOO_LARGE, FORM_MSG_TOO_LARGE, NULL);
	enum MHD_Result done = MHD_destroy_post_processor(q->pp);
	q->pp = NULL;
	if (done != MHD_YES || q->bad_body)
		return pf_error(q, c, MHD_HTTP_BAD_REQUEST, "Das Formular kam "
				"unvollständig an. Bitte senden Sie es erneut.", NULL);
	return dispatch(q, c);
}
