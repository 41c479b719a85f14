/* formbody.h - the small application/x-www-form-urlencoded forms relayd
 * answers itself (the inbox's, the Postfach's, the pay button and the
 * provider's notice, the message form on the citizen's application
 * page): whether a POST's body may come at all, and one field of it. */
#ifndef FORMBODY_H
#define FORMBODY_H
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include "util/arena.h"
#include "util/buf.h"

/* What the pages say to a refused form. */
#define FORM_MSG_MEDIA_TYPE "Das Formular wurde in einem unbekannten Format gesendet."
#define FORM_MSG_TOO_LARGE "Die Anfrage ist zu groß."

/* The first call of such a POST, before its body comes: 0 when it may
 * come; else the status to answer, 415 (MHD_HTTP_UNSUPPORTED_MEDIA_TYPE)
 * when the Content-Type is not urlencoded or 413
 * (MHD_HTTP_CONTENT_TOO_LARGE) when the declared Content-Length is over
 * max bytes, with what the page says in *message. A body without a
 * declared length is counted by the caller as it comes. */
unsigned urlencoded_post_refusal(struct MHD_Connection *c, size_t max,
				 const char **message);

/* One chunk of such a body as it comes (*size bytes at data), kept in b,
 * whose max is the limit: counts it in *seen, sets *too_large once b would
 * grow past its max (the caller answers 413 when the body is complete, so
 * the client reads the answer), and marks the chunk consumed. MHD_NO, hang
 * up, on a flood of four times the limit. */
enum MHD_Result urlencoded_body_chunk(struct buf *b, size_t *seen, bool *too_large,
				      const char *data, size_t *size);

/* The value of the first field called name in body[0..len), decoded
 * ('+' a space, %XX a byte) into arena a; NULL when absent, when an
 * escape is broken, or when the value is no valid UTF-8 or holds a NUL. */
const char *urlencoded_field(struct arena *a, const char *body, size_t len,
			     const char *name);
#endif
