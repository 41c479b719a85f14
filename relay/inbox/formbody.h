/* formbody.h - one field of an application/x-www-form-urlencoded body,
 * for the small forms relayd answers itself (the inbox's, and the
 * message form on the citizen's application page). */
#ifndef FORMBODY_H
#define FORMBODY_H
#include <stddef.h>
#include "util/arena.h"

/* The value of the first field called name in body[0..len), decoded
 * ('+' a space, %XX a byte) into arena a; NULL when absent, when an
 * escape is broken, or when the value is no valid UTF-8 or holds a NUL. */
const char *urlencoded_field(struct arena *a, const char *body, size_t len,
			     const char *name);
#endif
