/* discovery.c - the provider's /.well-known/openid-configuration (OpenID
 * Connect Discovery 1.0): where to send the citizen, where to exchange
 * the code, where the keys are. Outside bytes: fuzzed (fuzz_oidc). */
#include "identity_int.h"
#include <stdlib.h>
#include <string.h>

static char *url_member(json_t *doc, const char *name)
{
	const char *v = json_string_value(json_object_get(doc, name));
	if (!v || (strncmp(v, "https://", 8) && strncmp(v, "http://", 7)) ||
	    strlen(v) > 2000 || strpbrk(v, " \"<>\r\n"))
		return NULL;
	return strdup(v);
}

int discovery_parse(const char *json, size_t n, const char *issuer,
		    struct oidc_meta *m, const char **why)
{
	memset(m, 0, sizeof *m);
	json_error_t e;
	json_t *doc = json_loadb(json, n, JSON_REJECT_DUPLICATES, &e);
	if (!doc || !json_is_object(doc)) {
		json_decref(doc);
		*why = "discovery_not_json";
		return -1;
	}
	const char *iss = json_string_value(json_object_get(doc, "issuer"));
	int rc = -1;
	if (!iss || strcmp(iss, issuer)) {
		*why = "discovery_issuer_mismatch";
	} else {
		m->authorization_endpoint = url_member(doc, "authorization_endpoint");
		m->token_endpoint = url_member(doc, "token_endpoint");
		m->jwks_uri = url_member(doc, "jwks_uri");
		if (m->authorization_endpoint && m->token_endpoint && m->jwks_uri)
			rc = 0;
		else
			*why = "discovery_endpoint_missing";
	}
	json_decref(doc);
	if (rc < 0)
		discovery_free(m);
	return rc;
}

void discovery_free(struct oidc_meta *m)
{
	free(m->authorization_endpoint);
	free(m->token_endpoint);
	free(m->jwks_uri);
	memset(m, 0, sizeof *m);
}
