/* mailhdr.h - the small pieces of a mail's header: checks against header
 * injection, addresses, the RFC 5322 date and the stable Message-ID.
 * libcurl 7.88.1 passes envelope addresses and header lines through as
 * given (CR/LF included), so every value is checked here before use. */
#ifndef MAILHDR_H
#define MAILHDR_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "util/datetime.h"          /* berlin_offset, de_date_time */

/* No CR, LF or other control character: safe inside one header line. */
bool header_safe(const char *s);

/* A plain ASCII address local@domain as used on the SMTP envelope: atext
 * and dots on the left, letters/digits/hyphens/dots on the right, no
 * brackets, spaces, quotes or control characters, at most 254 bytes. */
bool mail_addr_valid(const char *s);
/* The part after '@', or NULL. */
const char *mail_addr_domain(const char *addr);

/* RFC 5322 date in German civil time: "Wed, 25 Nov 2026 21:41:07 +0100".
 * Returns 0, or -1 when out is too small. */
int mail_date(char *out, size_t n, time_t t);

/* "<REFERENCE@host>" or, with a suffix, "<REFERENCE.suffix@host>". The
 * same submission always gives the same id, so a resend after a crash is
 * recognisable as a duplicate. -1 when reference/host/suffix contain
 * anything but [A-Za-z0-9.-] or out is too small. */
int mail_message_id(char *out, size_t n, const char *reference,
		    const char *suffix, const char *host);

/* The host part of a URL ("https://formulare.example.de:443/x" ->
 * "formulare.example.de") into out; -1 when there is none. */
int url_host(const char *url, char *out, size_t n);
#endif
