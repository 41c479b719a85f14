/* crc.c - see crc.h. */
#include "crc.h"
#include <stdio.h>
#include <string.h>
#include <zlib.h>

void crc_hex(unsigned long crc, char out[CRC_HEX])
{
	snprintf(out, CRC_HEX, "%08lx", crc & 0xffffffffUL);
}

/* "end <crc>\n" for the n bytes at s, NUL-terminated. */
static void end_text(const char *s, size_t n, char out[CRC_END_LEN + 1])
{
	char hex[CRC_HEX];
	crc_hex(crc32_z(0, (const unsigned char *)s, n), hex);
	snprintf(out, CRC_END_LEN + 1, "end %s\n", hex);
}

int crc_end_line(struct buf *b)
{
	char line[CRC_END_LEN + 1];
	end_text(b->data, b->len, line);
	return buf_append(b, line, CRC_END_LEN);
}

int crc_end_ok(const char *s, size_t len)
{
	if (len < CRC_END_LEN)
		return 0;
	char want[CRC_END_LEN + 1];
	end_text(s, len - CRC_END_LEN, want);
	return memcmp(s + len - CRC_END_LEN, want, CRC_END_LEN) == 0;
}
