/* rfc2047.h - header text for mail: RFC 2047 encoded-words for non-ASCII
 * text and folding to lines of at most 78 characters where possible.
 * libcurl 7.88.1 writes header lines as given, so everything that reaches a
 * header goes through here (or through mailhdr.h's checks) first. */
#ifndef RFC2047_H
#define RFC2047_H
#include "util/utf8.h"
#include <stdbool.h>
#include <stddef.h>
#include "util/buf.h"

#define MAIL_LINE_MAX    78     /* RFC 5322 2.1.1 "SHOULD" */
#define RFC2047_WORD_MAX 75     /* RFC 2047 2: one encoded-word */


/* Appends unstructured header text (e.g. a Subject) to out. *col is the
 * column the text starts at (e.g. 9 after "Subject: ") and is updated.
 * Printable ASCII stays readable and is folded at spaces (text with a word
 * too long for a line of its own is encoded: RFC 5322 limits a line to 998
 * characters, and folding only happens at spaces); anything else is
 * written as UTF-8 "B" encoded-words of at most 75 characters that never
 * split a UTF-8 sequence, one per folded line. Fails (-1) on CR, LF, other
 * control characters, invalid UTF-8 or when out is full. */
int rfc2047_text(struct buf *out, const char *s, size_t *col);

/* The same for a display name (an RFC 5322 phrase): plain ASCII words stay
 * as they are, ASCII with specials becomes a quoted-string, non-ASCII
 * becomes encoded-words. */
int rfc2047_phrase(struct buf *out, const char *s, size_t *col);
#endif
