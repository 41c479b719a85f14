/* citizen_csrf.h - CSRF protection of the citizens' posts from the
 * application page (/antrag/<token>/...: documents handed in later, and
 * the citizen's messages, which use the same two functions): a
 * double-submit cookie. The citizen has no session; the page sets the
 * cookie antrag_csrf (192 random bits, Path=/antrag/, HttpOnly,
 * SameSite=Strict, Secure unless inbox.cookie_secure is off for a test
 * relay) and puts the same value into each form's hidden field "csrf". A
 * post counts only with both, equal (compared in constant time); else it
 * gets 403. Another site can neither read the cookie nor set it, so it
 * cannot fill in the field. */
#ifndef CITIZEN_CSRF_H
#define CITIZEN_CSRF_H
#include <microhttpd.h>
#include <stdbool.h>
#include "util/arena.h"

#define CITIZEN_CSRF_COOKIE "antrag_csrf"
#define CITIZEN_CSRF_FIELD "csrf"
#define CITIZEN_CSRF_CHARS 32   /* base64url */

/* The token for the page's forms: the request's cookie when it has the
 * shape of one, else a new one, and then *set_cookie is the Set-Cookie
 * value to send with the page (in a); else *set_cookie is NULL. Call it
 * once per page (http.c's application_answer does) and give the token to
 * every form on it: two calls without a cookie make two different tokens. */
const char *citizen_csrf_token(struct MHD_Connection *c, struct arena *a,
			       bool secure, const char **set_cookie);
/* Whether field (the posted "csrf" value; NULL when absent) equals the
 * request's antrag_csrf cookie, in constant time. */
bool citizen_csrf_ok(struct MHD_Connection *c, const char *field);
#endif
