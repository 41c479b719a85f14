/* claims.c - a verified claim of a citizen's login by its path
 * ("given_name", "address.locality"), for the fields the catalogue
 * prefills. The claims were checked with the ID token (idtoken.c); the
 * text is the session's copy of them. */
#include "identity_int.h"
#include <string.h>

#define CLAIM_MAX 1000          /* longer is no name, date or address part */

const char *identity_claim(struct arena *a, const char *claims, const char *path)
{
	json_error_t e;
	json_t *doc = claims ? json_loads(claims, 0, &e) : NULL;
	json_t *v = doc;
	const char *dot = strchr(path, '.');
	if (dot) {
		char head[64];
		size_t n = (size_t)(dot - path);
		if (n >= sizeof head) {
			json_decref(doc);
			return NULL;
		}
		memcpy(head, path, n);
		head[n] = '\0';
		v = json_object_get(v, head);
		path = dot + 1;
	}
	const char *s = json_string_value(json_object_get(v, path));
	char *out = s && *s && strlen(s) <= CLAIM_MAX ? arena_strdup(a, s) : NULL;
	json_decref(doc);
	return out;
}
