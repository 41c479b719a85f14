/* utf8.h - UTF-8 checks shared by the loader, the relay's validation and
 * its mail builder. */
#ifndef UTF8_H
#define UTF8_H
#include <stdbool.h>
#include <stddef.h>

/* Length (1..4) of the well-formed UTF-8 sequence at the start of s[0..n),
 * 0 when it is not one (bad lead or continuation byte, overlong form,
 * surrogate, beyond U+10FFFF, cut off by n) or n is 0. */
size_t utf8_seq(const char *s, size_t n);
/* Well-formed UTF-8: no overlong forms, no surrogates, nothing beyond
 * U+10FFFF, no truncated sequence. */
bool utf8_valid(const char *s, size_t n);
/* Characters (code points) in valid UTF-8, for max_length checks. */
size_t utf8_chars(const char *s, size_t n);
#endif
