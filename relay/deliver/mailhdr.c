/* mailhdr.c - see mailhdr.h */
#include "mailhdr.h"
#include <stdio.h>
#include <string.h>

bool header_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return false;
	return true;
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9');
}

static bool local_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.' && s[i + 1] == '.')
			return false;
		if (!is_alnum(c) && !strchr(".!#$%&'*+-/=?^_`{|}~", c))
			return false;
	}
	return true;
}

static bool domain_ok(const char *s)
{
	size_t label = 0, labels = 0;
	const char *p;
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			labels++;
		} else if (is_alnum(c) || (c == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && p[-1] != '-' && labels >= 1 && p - s <= 253;
}

bool mail_addr_valid(const char *s)
{
	const char *at = strrchr(s, '@');
	if (!at || strlen(s) > 254)
		return false;
	return local_ok(s, (size_t)(at - s)) && domain_ok(at + 1);
}

const char *mail_addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : NULL;
}

int mail_date(char *out, size_t n, time_t t)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	long off = berlin_offset(t);
	time_t local = t + off;
	struct tm tm;
	if (!gmtime_r(&local, &tm))
		return -1;
	int r = snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +%02ld%02ld",
			 days[tm.tm_wday], tm.tm_mday, mons[tm.tm_mon],
			 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 off / 3600, off % 3600 / 60);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}


static bool id_chars_ok(const char *s)
{
	if (!*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!is_alnum(*p) && *p != '.' && *p != '-')
			return false;
	return true;
}

int mail_message_id(char *out, size_t n, const char *reference,
		    const char *suffix, const char *host)
{
	if (!id_chars_ok(reference) || !id_chars_ok(host) ||
	    (suffix && !id_chars_ok(suffix)))
		return -1;
	int r = snprintf(out, n, "<%s%s%s@%s>", reference, suffix ? "." : "",
			 suffix ? suffix : "", host);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

int url_host(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	const char *at = p + strcspn(p, "/?#");
	const char *userinfo = memchr(p, '@', (size_t)(at - p));
	if (userinfo)
		p = userinfo + 1;
	size_t len = strcspn(p, ":/?#");
	if (len == 0 || len >= n || *p == '[')
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}
