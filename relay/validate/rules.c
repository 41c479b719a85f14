/* rules.c - the syntax checks behind validate.c: e-mail and phone.
 * Dates and file types are domain facts: model/facts.c. */
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
