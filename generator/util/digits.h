/* digits.h - numbers written as digits into a caller's buffer, without
 * printf: the stat cache's and the fingerprint's lines have ~800 of them
 * each, and vsnprintf's passes over the format were most of the cost.
 * Each writes at p and returns the end (no NUL). */
#ifndef DIGITS_H
#define DIGITS_H

/* v in base 8 or 10: at most 22 bytes. */
char *put_uint(char *p, unsigned long long v, unsigned base);
/* v in decimal, with '-' when negative: at most 20 bytes. */
char *put_int(char *p, long long v);
/* "<s>.<9 digits>", printf's "%lld.%09ld", for 0 <= ns < 10^9: at most
 * 30 bytes. */
char *put_stamp(char *p, long long s, long ns);
#endif
