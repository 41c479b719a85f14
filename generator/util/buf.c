/* buf.c - see buf.h */
#include "buf.h"
#include "arena.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max ? max : BUF_MAX_DEFAULT;
	b->failed = false;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

bool buf_failed(const struct buf *b)
{
	return b->failed;
}

/* Room for extra more bytes; -1 (and failed from now on) when that would
 * pass max, or when an earlier append failed. */
static int buf_grow(struct buf *b, size_t extra)
{
	if (b->failed)
		return -1;
	if (extra > b->max || b->len > b->max - extra) {
		b->failed = true;
		return -1;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return 0;
}

int buf_reserve(struct buf *b, size_t n)
{
	if (b->failed || n > b->max || b->len > b->max - n)
		return buf_grow(b, n);      /* fails the same way */
	size_t need = b->len + n + 1;
	if (need > b->cap) {
		b->data = xrealloc(b->data, need);
		b->cap = need;
	}
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	/* room already (cap never exceeds max + 1, so this is within max):
	 * the common case, without buf_grow's checks - 3 million appends a
	 * build */
	if (!b->failed && n < b->cap - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		b->failed = true;
	if (n < 0 || buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (m != n) {
		b->data[b->len] = '\0';
		b->failed = true;
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

/* The bytes buf_put_html escapes, all below 64: a bit each. */
#define HTML_SPECIAL ((1ULL << '&') | (1ULL << '<') | (1ULL << '>') | (1ULL << '"') | \
		      (1ULL << '\''))

static bool html_special(unsigned char c)
{
	/* one comparison for letters and most of UTF-8, a bit test for the
	 * rest */
	return c < 64 && (HTML_SPECIAL >> c & 1);
}

/* The first byte at or after i that HTML escapes, or n. Pages escape every
 * text they show - 40 MB a full build, 9 % of its instructions at a byte
 * at a time - so with SSE2 (every x86-64) 16 bytes are looked at at once. */
static size_t next_html_special(const char *s, size_t i, size_t n)
{
#ifdef __SSE2__
	const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'),
		      gt = _mm_set1_epi8('>'), quot = _mm_set1_epi8('"'),
		      apos = _mm_set1_epi8('\'');
	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i hit = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, lt)),
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, gt),
						  _mm_cmpeq_epi8(v, quot)),
				     _mm_cmpeq_epi8(v, apos)));
		unsigned bits = (unsigned)_mm_movemask_epi8(hit);
		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	while (i < n && !html_special((unsigned char)s[i]))
		i++;
	return i;
}

int buf_put_html(struct buf *b, const char *s, size_t n)
{
	size_t start = 0, i;
	while ((i = next_html_special(s, start, n)) < n) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		default: rep = "&#39;"; break;
		}
		if (buf_append(b, s + start, i - start) < 0 || buf_puts(b, rep) < 0)
			return -1;
		start = i + 1;
	}
	return buf_append(b, s + start, n - start);
}

int buf_put_json(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* plain bytes first, lower case letters with one comparison:
		 * the search indexes' folded texts are long runs of them */
		if (c > '\\' || (c >= 0x20 && c != '"' && c != '<' && c != '\\'))
			continue;
		char esc[8];
		const char *rep = esc;
		if (c == '"') rep = "\\\"";
		else if (c == '\\') rep = "\\\\";
		else if (c == '\n') rep = "\\n";
		else if (c == '\r') rep = "\\r";
		else if (c == '\t') rep = "\\t";
		else if (c == '<') rep = "\\u003c";  /* safe inside <script> too */
		else    /* another control character */
			snprintf(esc, sizeof esc, "\\u%04x", c);
		if (buf_append(b, s + start, i - start) < 0 || buf_puts(b, rep) < 0)
			return -1;
		start = i + 1;
	}
	return buf_append(b, s + start, n - start);
}

int buf_read_file_stat(struct buf *b, const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Read into a buffer of the file's size at once: read in 64 KiB
	 * steps into one that doubled, a file of 122 KiB (the stat cache)
	 * was copied three times, the last time into fresh pages beyond
	 * glibc's mmap threshold (~15 page faults more a rebuild,
	 * bench/HISTORY.md). The size only sizes the buffer: the file may
	 * grow or shrink meanwhile. */
	int rc = fstat(fd, st);
	if (rc == 0)
		rc = buf_read_fd(b, fd, S_ISREG(st->st_mode) && st->st_size > 0 &&
				 (uintmax_t)st->st_size < SIZE_MAX ? (size_t)st->st_size : 0);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

int buf_read_file(struct buf *b, const char *path)
{
	struct stat st;
	return buf_read_file_stat(b, path, &st);
}

int buf_read_fd(struct buf *b, int fd, size_t hint)
{
	if (buf_reserve(b, hint) < 0) {
		errno = EFBIG;
		return -1;
	}
	b->data[b->len] = '\0';
	for (;;) {
		/* with the buffer full, one byte more tells the end of the
		 * file from a file longer than it may grow */
		size_t room = b->cap - b->len - 1;
		char probe;
		ssize_t n = read(fd, room ? b->data + b->len : &probe, room ? room : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errno = EIO;
			return -1;
		}
		if (n == 0)
			return 0;
		if (!room) {
			if (buf_append(b, &probe, 1) < 0) {
				errno = EFBIG;
				return -1;
			}
			continue;
		}
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}
