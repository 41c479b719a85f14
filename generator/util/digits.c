/* digits.c - see digits.h */
#include "digits.h"

char *put_uint(char *p, unsigned long long v, unsigned base)
{
	char t[24];
	int n = 0;
	do {
		t[n++] = (char)('0' + v % base);
		v /= base;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

char *put_int(char *p, long long v)
{
	if (v < 0) {
		*p++ = '-';
		return put_uint(p, 0ULL - (unsigned long long)v, 10);
	}
	return put_uint(p, (unsigned long long)v, 10);
}

char *put_stamp(char *p, long long s, long ns)
{
	p = put_int(p, s);
	*p++ = '.';
	for (int i = 9; i-- > 0; ns /= 10)
		p[i] = (char)('0' + ns % 10);
	return p + 9;
}
