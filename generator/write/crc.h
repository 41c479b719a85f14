/* crc.h - the checksum that ends each file sitegen keeps beside the site
 * (the page cache, the staging tree's marker .sitegen-stage, the
 * fingerprint .sitegen-fingerprint): CRC-32 (zlib's) as 8 hex digits.
 * It is there to find a damaged file (cut, or a line lost or altered),
 * not an attacker, who could as well change the site itself. A digest
 * (BLAKE2b) of the page cache's 830 KB at 600 services took 1.4 ms when
 * the cache was written, which every build waits for, and again when it
 * was read; the CRC 0.15 ms. */
#ifndef WRITE_CRC_H
#define WRITE_CRC_H
#include <stddef.h>
#include "../util/buf.h"

#define CRC_HEX 9               /* 8 hex digits and the NUL */
#define CRC_END_LEN 13          /* "end " 8 hex digits "\n" */

/* crc (zlib's crc32_z, any width) as 8 lowercase hex digits. */
void crc_hex(unsigned long crc, char out[CRC_HEX]);

/* Appends "end <crc>\n", crc that of all b holds before it: the last
 * line of the marker and the fingerprint. 0, or -1 when b is full. */
int crc_end_line(struct buf *b);

/* Do the len bytes at s end with the end line of the bytes before it? */
int crc_end_ok(const char *s, size_t len);
#endif
