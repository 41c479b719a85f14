/* citizen_csrf.c - see citizen_csrf.h. */
#include "citizen_csrf.h"
#include <string.h>
#include "store/token.h"
#include "util/random.h"

#define CSRF_CHARS 32           /* 192 bits of base64url */

static bool shape_ok(const char *t)
{
	return t && random_token_shape(t, CSRF_CHARS);
}

const char *citizen_csrf_issue(struct MHD_Connection *c, struct arena *a,
			       bool secure, const char **set_cookie)
{
	const char *t = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
						    CITIZEN_CSRF_COOKIE);
	if (!shape_ok(t)) {
		char *fresh = arena_alloc(a, CSRF_CHARS + 1);
		random_token(fresh, CSRF_CHARS);
		t = fresh;
	} else {
		t = arena_strdup(a, t);
	}
	/* Lax, not Strict: a page reached from a mail program (the
	 * Postfach's link) would not send a Strict cookie, get a new token
	 * and break the forms of the citizen's other tabs. The token's
	 * strength does not rest on SameSite: another site can neither read
	 * the cookie nor know the value to put in the field. */
	*set_cookie = arena_printf(a, "%s=%s; Path=/; Max-Age=86400; HttpOnly; "
				   "SameSite=Lax%s", CITIZEN_CSRF_COOKIE, t,
				   secure ? "; Secure" : "");
	return t;
}

bool citizen_csrf_check(struct MHD_Connection *c, const char *field)
{
	const char *t = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
						    CITIZEN_CSRF_COOKIE);
	return shape_ok(t) && field && strlen(field) == CSRF_CHARS &&
	       token_equal(t, field);
}
