/* inbox_int.h - what the inbox's files (relay/inbox/) share: the
 * request, answering, sessions and CSRF, the form body, the throttles. */
#ifndef INBOX_INT_H
#define INBOX_INT_H
#include "inbox.h"
#include "render/render_inbox.h"
#include "throttle.h"
#include "util/arena.h"
#include "util/buf.h"

/* the inbox's forms are a few fields; a message's text (5,000
 * characters, each up to 4 bytes %XX-escaped) the longest */
#define INBOX_BODY_MAX ((size_t)64 << 10)
#define INBOX_PAGE_MAX ((size_t)4 << 20)
#define INBOX_PAGE_ROWS 50
#define INBOX_SESSION_COOKIE "amt_sitzung"
#define INBOX_LOGIN_COOKIE "amt_anmeldung"

struct inbox {
	struct throttle *users, *clients;
};

struct inbox_req {
	const struct inbox_env *env;
	struct arena a;
	struct buf body;            /* a POST's urlencoded body */
	size_t seen;                /* body bytes received, kept or not */
	bool post, answered, too_large;
	char path[256];             /* below /amt/, without the query */
};

/* ---- answering (respond.c) ---- */
struct inbox_answer {
	unsigned status;
	const char *ctype;          /* NULL: text/html; charset=utf-8 */
	const void *body;
	size_t len;
	const char *location;       /* 303 */
	const char *cookies[3];     /* Set-Cookie values */
	const char *retry_after;
	const char *disposition;    /* Content-Disposition (downloads) */
	bool plain_csp;             /* the strictest policy (downloads) */
};
enum MHD_Result inbox_send(struct inbox_req *q, struct MHD_Connection *c,
			   const struct inbox_answer *a);
/* A rendered page from b (a truncated page never leaves: 500). */
enum MHD_Result inbox_page(struct inbox_req *q, struct MHD_Connection *c,
			   unsigned status, const struct buf *b,
			   const char *cookie);
/* A themed error page with message (German). */
enum MHD_Result inbox_error(struct inbox_req *q, struct MHD_Connection *c,
			    unsigned status, const char *message,
			    const char *retry_after);
/* 303 to {public_url}/amt/<where>, with up to two cookies. */
enum MHD_Result inbox_redirect(struct inbox_req *q, struct MHD_Connection *c,
			       const char *where, const char *cookie1,
			       const char *cookie2);
/* {public_url}/amt/<rest> in the request's arena. */
const char *inbox_url(struct inbox_req *q, const char *rest);

/* ---- sessions and CSRF (session.c) ---- */
/* The request's valid session into s: 0; 1 none (or no longer valid:
 * *had_cookie says whether one was presented); -1 the store failed. */
int inbox_session(struct inbox_req *q, struct MHD_Connection *c,
		  struct store_session *s, bool *had_cookie);
/* Whether the form's csrf field equals expected, in constant time. */
bool inbox_csrf_ok(struct inbox_req *q, const char *expected);
/* A Set-Cookie value: name=value with the inbox's attributes (Path=/amt/,
 * HttpOnly, SameSite=Strict, Secure unless configured off); max_age < 0:
 * a cookie for the browser session; value NULL: delete it. */
const char *inbox_cookie(struct inbox_req *q, const char *name,
			 const char *value, long max_age);
/* A new session for username (after the password matched): its cookie
 * value into *cookie. The session the request came with ends (rotation).
 * 0 ok, 1 the clerk is gone or disabled, -1 store error. */
int inbox_session_start(struct inbox_req *q, struct MHD_Connection *c,
			const char *username, const char **cookie);
/* Ends the request's session, if any. */
void inbox_session_end(struct inbox_req *q, struct MHD_Connection *c);
/* What the clerk's offices are called ("Steueramt Dorsten, ...") and
 * whether a city x service belongs to them. */
const char *inbox_offices_text(struct inbox_req *q, const struct store_clerk *k);
struct inbox_user inbox_user_of(struct inbox_req *q, const struct store_session *s);

/* ---- the form body (formbody.c) ---- */
/* The value of field name in the urlencoded body, decoded, in the
 * request's arena; NULL when absent or not valid UTF-8. */
const char *inbox_field(struct inbox_req *q, const char *name);
/* The same for the query string of the request's URL. */
const char *inbox_arg(struct MHD_Connection *c, const char *name);

/* ---- the pages ---- */
enum MHD_Result inbox_login_get(struct inbox_req *q, struct MHD_Connection *c);
enum MHD_Result inbox_login_post(struct inbox_req *q, struct MHD_Connection *c);
enum MHD_Result inbox_logout(struct inbox_req *q, struct MHD_Connection *c);
enum MHD_Result inbox_list(struct inbox_req *q, struct MHD_Connection *c,
			   const struct store_session *s);
/* rest: what follows /amt/antrag/ */
enum MHD_Result inbox_detail(struct inbox_req *q, struct MHD_Connection *c,
			     const struct store_session *s, const char *rest);
#endif
