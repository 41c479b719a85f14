/* b64dec.h - the tests' own base64 decoder, to read encoded words and
 * attachments of the mails relayd builds independently of the code under
 * test (tests/unit/deliver_mail.c, tests/fuzz/fuzz_mail.c). Header only. */
#ifndef TEST_B64DEC_H
#define TEST_B64DEC_H
#include <string.h>
#include "util/buf.h"

static inline int b64val(char c)
{
	const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(tab, c);
	return c && p ? (int)(p - tab) : -1;
}

/* Decodes one base64 text; -1 on bad input. */
static inline int b64dec(const char *s, size_t n, struct buf *out)
{
	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (int k = 0; k < 4; k++)
			v[k] = s[i + k] == '=' ? 0 : b64val(s[i + k]);
		if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
			return -1;
		unsigned x = (unsigned)(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
		char b[3] = { (char)(x >> 16), (char)(x >> 8), (char)x };
		size_t k = s[i + 2] == '=' ? 1 : s[i + 3] == '=' ? 2 : 3;
		if (buf_append(out, b, k) < 0)
			return -1;
	}
	return 0;
}
#endif
