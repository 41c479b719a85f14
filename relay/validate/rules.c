/* rules.c - the syntax checks behind validate.c: e-mail, phone,
 * calendar dates and file types by magic bytes. */
#include "validate.h"
#include <string.h>

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
