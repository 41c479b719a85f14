/* formbody.c - the fields of the inbox's forms: an
 * application/x-www-form-urlencoded body of at most INBOX_BODY_MAX bytes
 * (its own small parser: the inbox's forms have two or three fields, and
 * a value is looked up by name when needed), and the query string. */
#include "formbody.h"
#include "inbox_int.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util/utf8.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) ('+' is a space, %XX a byte) into the arena; NULL when
 * a %-escape is broken or the result is no valid UTF-8 or holds a NUL. */
static const char *decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[k++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return NULL;    /* cut off */
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return NULL;    /* not hex, or a NUL */
			out[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = '\0';
	return utf8_valid(out, k) ? out : NULL;
}

unsigned urlencoded_post_refusal(struct MHD_Connection *c, size_t max,
				 const char **message)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	/* a prefix: "; charset=UTF-8" may follow */
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
		*message = FORM_MSG_MEDIA_TYPE;
		return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
	}
	if (len && strtoull(len, NULL, 10) > max) {
		*message = FORM_MSG_TOO_LARGE;
		return MHD_HTTP_CONTENT_TOO_LARGE;
	}
	return 0;
}

const char *urlencoded_field(struct arena *a, const char *body, size_t len,
			     const char *name)
{
	const char *p = body ? body : "";
	const char *end = p + (body ? len : 0);
	size_t nl = strlen(name);
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (eq && (size_t)(eq - p) == nl && !memcmp(p, name, nl))
			return decode(a, eq + 1, (size_t)(stop - eq - 1));
		p = stop + 1;
	}
	return NULL;
}

const char *inbox_field(struct inbox_req *q, const char *name)
{
	return urlencoded_field(&q->a, q->body.data, q->body.len, name);
}

const char *inbox_arg(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	return v && utf8_valid(v, strlen(v)) ? v : NULL;
}

enum MHD_Result urlencoded_body_chunk(struct buf *b, size_t *seen, bool *too_large,
				      const char *data, size_t *size)
{
	*seen += *size;
	if (!*too_large && buf_append(b, data, *size) < 0)
		*too_large = true;
	*size = 0;
	return *seen > 4 * b->max ? MHD_NO : MHD_YES;     /* a flood */
}
