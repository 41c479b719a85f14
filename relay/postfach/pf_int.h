/* pf_int.h - what the Postfach's files (relay/postfach/) share: the
 * request, its two form fields, answering. */
#ifndef PF_INT_H
#define PF_INT_H
#include "postfach.h"
#include "receive/ratelimit.h"
#include "render/render_postfach.h"
#include "util/arena.h"
#include "util/buf.h"

#define PF_SESSION_COOKIE "postfach_sitzung"
#define PF_FIELD_MAX 320        /* an address has at most 254 bytes */
#define PF_BODY_MAX 4096
#define PF_PAGE_MAX ((size_t)1 << 20)
#define PF_LIST_MAX 200         /* applications on the list */

struct postfach {
	struct ratelimit *clients;
};

struct pf_field {
	char v[PF_FIELD_MAX + 1];
	size_t len;
	bool seen, too_long;
};

struct postfach_req {
	const struct postfach_env *env;
	struct arena a;
	struct MHD_PostProcessor *pp;
	bool post, head, answered, bad_body;
	size_t seen;                /* body bytes received */
	char path[128];             /* below /postfach/, "" for /postfach */
	struct pf_field email, csrf;
};

/* ---- answering (respond.c) ---- */
struct pf_answer {
	unsigned status;
	const struct buf *page;     /* text/html */
	const char *location;       /* 303 */
	const char *cookies[2];     /* Set-Cookie values */
	const char *retry_after;
};
enum MHD_Result pf_send(struct postfach_req *q, struct MHD_Connection *c,
			const struct pf_answer *a);
/* A themed error page with message (German). */
enum MHD_Result pf_error(struct postfach_req *q, struct MHD_Connection *c,
			 unsigned status, const char *message,
			 const char *retry_after);
/* 303 to {public_url}/postfach<rest>, with up to two cookies (NULL:
 * none). */
enum MHD_Result pf_redirect(struct postfach_req *q, struct MHD_Connection *c,
			    const char *rest, const char *cookie, const char *cookie2);
/* {public_url}/postfach<rest> in the request's arena. */
const char *pf_url(struct postfach_req *q, const char *rest);
/* Whether relayd's address is https (cookies get Secure). */
bool pf_secure(const struct postfach_req *q);

/* ---- the pages ---- */
/* The request page (GET /postfach, a request's answer and errors, and a
 * link that does not work), status and view as given; action and csrf
 * are filled in here. */
enum MHD_Result pf_request_page(struct postfach_req *q, struct MHD_Connection *c,
				unsigned status, struct postfach_request_view *v);
enum MHD_Result pf_request_get(struct postfach_req *q, struct MHD_Connection *c);
enum MHD_Result pf_request_post(struct postfach_req *q, struct MHD_Connection *c);
/* GET /postfach/<token> */
enum MHD_Result pf_open(struct postfach_req *q, struct MHD_Connection *c,
			const char *token);
enum MHD_Result pf_list(struct postfach_req *q, struct MHD_Connection *c);
enum MHD_Result pf_logout(struct postfach_req *q, struct MHD_Connection *c);
#endif
