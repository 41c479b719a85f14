/* rules.c - the syntax checks behind validate.c: UTF-8, e-mail, phone,
 * calendar dates and file types by magic bytes. */
#include "validate.h"
#include <string.h>

bool valid_utf8(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t len;
		unsigned cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4, cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += len;
	}
	return true;
}

size_t utf8_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

static bool atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

/* A pragmatic addr-spec: dot-atom local part, a domain of at least two
 * LDH labels. Quoted local parts and IP literals are refused (no office
 * mail server should need them). */
bool valid_email(const char *s)
{
	size_t n = strlen(s);
	const char *at = strrchr(s, '@');
	if (n > 254 || !at || at == s || (size_t)(at - s) > 64)
		return false;
	for (const char *p = s; p < at; p++)
		if (!(atext(*p) || (*p == '.' && p != s && p + 1 != at && p[1] != '.')))
			return false;
	const char *d = at + 1;
	int labels = 0;
	while (*d) {
		const char *e = d;
		while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') ||
		       (*e >= '0' && *e <= '9') || *e == '-')
			e++;
		if (e == d || e - d > 63 || *d == '-' || e[-1] == '-')
			return false;
		labels++;
		if (*e == '\0')
			break;
		if (*e != '.')
			return false;
		d = e + 1;
		if (!*d)
			return false;
	}
	return labels >= 2;
}

/* Digits with the usual German separators: "+49 2361 53-0", "(02362) 66/0". */
bool valid_tel(const char *s)
{
	int digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '+' && p == s)
			;
		else if (!strchr(" -/()", *p))
			return false;
	}
	return digits >= 3 && digits <= 20;
}

bool valid_date(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1800 || m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

const char *sniff_mime(const unsigned char *p, size_t n)
{
	static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
	if (n >= 5 && !memcmp(p, "%PDF-", 5))
		return "application/pdf";
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (n >= 8 && !memcmp(p, png, 8))
		return "image/png";
	return NULL;
}
