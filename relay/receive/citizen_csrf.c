/* citizen_csrf.c - see citizen_csrf.h. */
#include "citizen_csrf.h"
#include <string.h>
#include "store/token.h"
#include "util/random.h"

static bool shape_ok(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	return n == CITIZEN_CSRF_CHARS &&
	       strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789-_") == n;
}

const char *citizen_csrf_token(struct MHD_Connection *c, struct arena *a,
			       bool secure, const char **set_cookie)
{
	const char *have = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
						       CITIZEN_CSRF_COOKIE);
	*set_cookie = NULL;
	if (shape_ok(have))
		return arena_strdup(a, have);
	char tok[CITIZEN_CSRF_CHARS + 1];
	random_token(tok, CITIZEN_CSRF_CHARS);
	*set_cookie = arena_printf(a, "%s=%s; Path=/antrag/; HttpOnly; "
				   "SameSite=Strict%s", CITIZEN_CSRF_COOKIE, tok,
				   secure ? "; Secure" : "");
	return arena_strdup(a, tok);
}

bool citizen_csrf_ok(struct MHD_Connection *c, const char *field)
{
	const char *have = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
						       CITIZEN_CSRF_COOKIE);
	/* both of the public length first: token_equal's time depends on it */
	return shape_ok(have) && shape_ok(field) && token_equal(have, field);
}
