/* citizen_csrf.h - CSRF protection of the citizens' forms that change
 * state on relayd's own pages (the Postfach's request and logout, the
 * application page's forms): a double-submit token. The browser holds it
 * in the cookie antrag_csrf (Path=/, HttpOnly, SameSite=Lax, Secure
 * when public_url is https) and the form repeats it in the hidden field
 * csrf; a post is taken only when both are there and equal (compared in
 * constant time). Another site can neither read the cookie nor set it, so
 * it cannot fill in the field. There is no session for citizens, so the
 * token is the browser's, not a session's. */
#ifndef CITIZEN_CSRF_H
#define CITIZEN_CSRF_H
#include <microhttpd.h>
#include <stdbool.h>
#include "util/arena.h"

#define CITIZEN_CSRF_COOKIE "antrag_csrf"
#define CITIZEN_CSRF_FIELD "csrf"

/* The token for a form on the page being answered: the browser's cookie
 * when it has the right shape (several tabs keep working), else a new one;
 * *set_cookie gets the Set-Cookie value that (re)sets it for a day; both
 * in arena a. secure: add Secure. */
const char *citizen_csrf_issue(struct MHD_Connection *c, struct arena *a,
			       bool secure, const char **set_cookie);
/* Whether field (the form's csrf value, NULL when absent) matches the
 * request's cookie. */
bool citizen_csrf_check(struct MHD_Connection *c, const char *field);
#endif
