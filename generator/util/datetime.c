/* datetime.c - see datetime.h */
#include "datetime.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The EU switches at 01:00 UTC on the last Sundays of March and October. */
static time_t last_sunday_0100(int year, int mon)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon, .tm_mday = 31,
			 .tm_hour = 1 };
	time_t t = timegm(&tm);
	struct tm out;
	gmtime_r(&t, &out);
	return t - (time_t)out.tm_wday * 86400;
}

long berlin_offset(time_t t)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return 3600;
	int y = tm.tm_year + 1900;
	if (t >= last_sunday_0100(y, 2) && t < last_sunday_0100(y, 9))
		return 7200;
	return 3600;
}

int berlin_tm(time_t t, struct tm *out)
{
	time_t local = t + berlin_offset(t);
	return gmtime_r(&local, out) ? 0 : -1;
}

int berlin_date(time_t t, char *out, size_t n)
{
	struct tm tm;
	if (n < 11 || berlin_tm(t, &tm) < 0 || strftime(out, n, "%Y-%m-%d", &tm) != 10)
		return -1;
	return 0;
}

const char *berlin_today(char out[11])
{
	if (berlin_date(time(NULL), out, 11) < 0)
		out[0] = '\0';
	return out;
}

int de_date_time(char *out, size_t n, time_t t)
{
	static const char *const months[] = {
		"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
		"August", "September", "Oktober", "November", "Dezember",
	};
	struct tm tm;
	if (berlin_tm(t, &tm) < 0)
		return -1;
	int r = snprintf(out, n, "%d. %s %d, %02d:%02d Uhr", tm.tm_mday,
			 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

int rfc3339_parse(const char *s, time_t *out)
{
	int y, mo, d, h, mi, se, used = 0;
	if (strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se,
		   &used) != 6 || used != 20)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 59)
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = se };
	struct tm back;
	*out = timegm(&tm);
	/* timegm rolls 2026-02-30 over to March: refuse what is not a day */
	if (*out == (time_t)-1 || !gmtime_r(out, &back) || back.tm_mday != d ||
	    back.tm_mon != mo - 1)
		return -1;
	return 0;
}

void de_stamp(const char *rfc3339, char *out, size_t n)
{
	time_t t;
	if (rfc3339_parse(rfc3339, &t) == 0 && de_date_time(out, n, t) == 0)
		return;
	snprintf(out, n, "%.60s", rfc3339);
}

int de_date(const char *iso, char *out, size_t n)
{
	static const char shape[] = "dddd-dd-dd";
	if (n < 11 || strlen(iso) != 10)
		return -1;
	for (size_t i = 0; i < 10; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)iso[i]) : iso[i] != '-')
			return -1;
	memcpy(out, iso + 8, 2);
	out[2] = '.';
	memcpy(out + 3, iso + 5, 2);
	out[5] = '.';
	memcpy(out + 6, iso, 4);
	out[10] = '\0';
	return 0;
}
