/* buf.h - growable byte buffer with a hard maximum size (curl's dynbuf
 * idea): appending past max fails with -1 and leaves the buffer unchanged,
 * so no input can make us grow without bound. */
#ifndef BUF_H
#define BUF_H
#include <stddef.h>
#include <stdio.h>

struct buf {
	char *data;     /* always NUL-terminated when non-NULL */
	size_t len, cap, max;
};

#define BUF_MAX_DEFAULT ((size_t)64 << 20)   /* 64 MiB */

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);                 /* len = 0, keeps memory */
int  buf_append(struct buf *b, const void *p, size_t n);
int  buf_puts(struct buf *b, const char *s);
int  buf_putc(struct buf *b, char c);
int  buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* HTML-escape & < > " ' per byte. */
int  buf_put_html(struct buf *b, const char *s, size_t n);
/* Escape for a JSON string body (without quotes); UTF-8 passes through. */
int  buf_put_json(struct buf *b, const char *s, size_t n);
/* Percent-encode everything but unreserved URL characters. */
int  buf_put_url(struct buf *b, const char *s, size_t n);
/* Read a whole file; -1 with errno on failure or when larger than max. */
int  buf_read_file(struct buf *b, const char *path);
#endif
