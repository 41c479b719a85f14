/* fetch.c - the back channel to the provider over libcurl: discovery,
 * JWKS and the code exchange. Only http(s), no redirects followed (an
 * endpoint that moves is the provider's to announce), a 10 s limit and
 * a cap on the answer so a hostile or broken provider cannot fill memory. */
#include "identity_int.h"
#include <curl/curl.h>
#include <string.h>

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	size_t len = size * n;
	if (buf_append(b, p, len) < 0)
		return 0;               /* over OIDC_FETCH_MAX: curl aborts */
	return len;
}

static int perform(CURL *h, struct buf *out, long *status)
{
	*status = 0;
	if (curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, out) != CURLE_OK)
		return -1;
	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK)
		return -1;
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status) != CURLE_OK)
		return -1;
	/* every parser gets a NUL-terminated text */
	return buf_putc(out, '\0') < 0 ? -1 : 0;
}

int oidc_get(const char *url, struct buf *out, long *status)
{
	CURL *h = curl_easy_init();
	if (!h)
		return -1;
	int rc = -1;
	if (curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK)
		rc = perform(h, out, status);
	curl_easy_cleanup(h);
	return rc;
}

int oidc_post_form(const char *url, const char *user, const char *password,
		   const char *body, struct buf *out, long *status)
{
	CURL *h = curl_easy_init();
	if (!h)
		return -1;
	int rc = -1;
	/* client_secret_basic: RFC 6749 2.3.1 wants id and secret
	 * form-encoded before they go into the Basic header; ours are
	 * checked to be plain tokens (identity_open), which encode as is */
	bool basic = user != NULL;      /* NULL: private_key_jwt, in the body */
	if (curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK &&
	    (!basic || (curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) == CURLE_OK &&
			curl_easy_setopt(h, CURLOPT_USERNAME, user) == CURLE_OK &&
			curl_easy_setopt(h, CURLOPT_PASSWORD, password) == CURLE_OK)) &&
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body) == CURLE_OK)
		rc = perform(h, out, status);
	curl_easy_cleanup(h);
	return rc;
}

char *oidc_form_escape(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = arena_alloc(a, 3 * n + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}
