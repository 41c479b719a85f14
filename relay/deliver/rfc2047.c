/* rfc2047.c - see rfc2047.h */
#include "rfc2047.h"
#include <string.h>

#define EW_PREFIX "=?UTF-8?B?"
#define EW_OVERHEAD 12          /* "=?UTF-8?B?" + "?=" */

/* Control characters (CR and LF above all) never reach a header. */
static bool has_ctl(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return true;
	return false;
}

/* Printable ASCII that cannot be mistaken for an encoded-word. */
static bool plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p > 0x7E)
			return false;
	return strstr(s, "=?") == NULL;
}

static int put_base64(struct buf *out, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = tab[(v >> 18) & 63];
		q[1] = tab[(v >> 12) & 63];
		q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		if (buf_append(out, q, 4) < 0)
			return -1;
	}
	return 0;
}

/* Folds at spaces: a line break goes before a space, which then starts the
 * continuation line. A segment that is only spaces is never moved to a line
 * of its own (a folded line must not be all white space). */
static int fold_ascii(struct buf *out, const char *s, size_t *col)
{
	const char *p = s;
	while (*p) {
		const char *q = p;
		while (*q == ' ')
			q++;
		bool word = *q != '\0';
		while (*q && *q != ' ')
			q++;
		size_t n = (size_t)(q - p);
		if (*p == ' ' && word && *col + n > MAIL_LINE_MAX) {
			if (buf_puts(out, "\r\n") < 0)
				return -1;
			*col = 0;
		}
		if (buf_append(out, p, n) < 0)
			return -1;
		*col += n;
		p = q;
	}
	return 0;
}

/* The whole text as "B" encoded-words, each on its own (folded) line.
 * Adjacent encoded-words separated by folding white space decode to the
 * concatenation of their texts (RFC 2047 6.2), so a word may end anywhere
 * except inside a UTF-8 sequence. */
static int encode_words(struct buf *out, const char *s, size_t *col)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), pos = 0;
	bool first = true;
	while (pos < len) {
		size_t room;
		if (!first || *col + EW_OVERHEAD + 8 > MAIL_LINE_MAX) {
			if (buf_puts(out, "\r\n ") < 0)
				return -1;
			*col = 1;
		}
		room = MAIL_LINE_MAX - *col;
		if (room > RFC2047_WORD_MAX)
			room = RFC2047_WORD_MAX;
		size_t raw = (room - EW_OVERHEAD) / 4 * 3;
		size_t end = pos + raw;
		if (end >= len)
			end = len;
		else
			while (end > pos && (u[end] & 0xC0) == 0x80)
				end--;
		size_t before = out->len;
		if (buf_puts(out, EW_PREFIX) < 0 ||
		    put_base64(out, u + pos, end - pos) < 0 ||
		    buf_puts(out, "?=") < 0)
			return -1;
		*col += out->len - before;
		pos = end;
		first = false;
	}
	return 0;
}

/* Folding happens only at spaces: a word longer than a continuation line
 * (" " + word) would stay one overlong line, beyond RFC 5322's hard limit
 * of 998 characters when long enough. Such text is encoded instead:
 * encoded-words can be split anywhere. */
static bool words_fit(const char *s)
{
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, " ");
		if (n > MAIL_LINE_MAX - 1)
			return false;
		p += n;
		p += strspn(p, " ");
	}
	return true;
}

int rfc2047_text(struct buf *out, const char *s, size_t *col)
{
	if (has_ctl(s) || !utf8_valid(s, strlen(s)))
		return -1;
	if (plain_ascii(s) && words_fit(s))
		return fold_ascii(out, s, col);
	return encode_words(out, s, col);
}

static bool atext_or_space(const char *s)
{
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == ' ')
			continue;
		if (!strchr("!#$%&'*+-/=?^_`{|}~", c))
			return false;
	}
	return true;
}

int rfc2047_phrase(struct buf *out, const char *s, size_t *col)
{
	if (has_ctl(s) || !utf8_valid(s, strlen(s)))
		return -1;
	if (!plain_ascii(s) || !words_fit(s))
		return encode_words(out, s, col);
	if (*s && atext_or_space(s))
		return fold_ascii(out, s, col);
	/* a quoted-string cannot be folded: one that does not fit a line
	 * is encoded */
	size_t quoted = 2;
	for (const char *p = s; *p; p++)
		quoted += 1 + (*p == '"' || *p == '\\');
	if (*col + quoted > MAIL_LINE_MAX)
		return encode_words(out, s, col);
	size_t before = out->len;
	if (buf_putc(out, '"') < 0)
		return -1;
	for (const char *p = s; *p; p++)
		if (((*p == '"' || *p == '\\') && buf_putc(out, '\\') < 0) ||
		    buf_putc(out, *p) < 0)
			return -1;
	if (buf_putc(out, '"') < 0)
		return -1;
	*col += out->len - before;
	return 0;
}
