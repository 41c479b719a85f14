/* buf.h - growable byte buffer with a hard maximum size (curl's dynbuf
 * idea): appending past max fails with -1 and leaves the buffer unchanged,
 * so no input can make us grow without bound.
 *
 * The failure is sticky: once an append failed, every further append is a
 * no-op returning -1 and buf_failed() is true until buf_reset(). So a page
 * or a mail is built without checking each append, and checked once with
 * buf_failed() before it leaves: a failed buffer is never sent or written,
 * as it would be a truncated document. */
#ifndef BUF_H
#define BUF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct buf {
	char *data;     /* always NUL-terminated when non-NULL */
	size_t len, cap, max;
	bool failed;    /* an append did not fit (see above) */
};

#define BUF_MAX_DEFAULT ((size_t)64 << 20)   /* 64 MiB */

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);   /* len = 0, not failed, keeps memory */
/* Did an append fail since buf_init or buf_reset? */
bool buf_failed(const struct buf *b);
/* Room for n more bytes, allocated exactly (for a known size: doubling
 * would leave up to half unused). 0 ok, -1 beyond max (then failed). */
int  buf_reserve(struct buf *b, size_t n);
int  buf_append(struct buf *b, const void *p, size_t n);
int  buf_puts(struct buf *b, const char *s);
int  buf_putc(struct buf *b, char c);
int  buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* HTML-escape & < > " ' per byte. */
int  buf_put_html(struct buf *b, const char *s, size_t n);
/* Escape for a JSON string body (without quotes); UTF-8 passes through. */
int  buf_put_json(struct buf *b, const char *s, size_t n);
/* Read a whole file; -1 with errno on failure or when larger than max
 * (then the buffer has failed). */
int  buf_read_file(struct buf *b, const char *path);
/* The same, and *st the fstat of the descriptor read (so a file replaced
 * meanwhile cannot lend the bytes of one its stat). */
struct stat;
int  buf_read_file_stat(struct buf *b, const char *path, struct stat *st);
/* Appends what fd holds up to its end; hint (its size by fstat, or 0)
 * sizes the buffer once. -1 with errno as buf_read_file (EFBIG, EIO). */
int  buf_read_fd(struct buf *b, int fd, size_t hint);
/* All of len bytes at data written to fd, over short writes and EINTR:
 * 0, or -1 with errno (EIO when write(2) wrote nothing). */
int  write_all(int fd, const void *data, size_t len);
#endif
