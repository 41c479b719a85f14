/* datetime.h - times as citizens and clerks read them: German, in the
 * portal's time zone (Europe/Berlin), never an ISO stamp or UTC. The EU
 * rule (summer time from 01:00 UTC on the last Sunday of March to 01:00 UTC
 * on the last Sunday of October) is computed here, so the result does not
 * depend on the machine's TZ or tzdata. */
#ifndef DATETIME_H
#define DATETIME_H
#include <stddef.h>
#include <time.h>

/* Seconds to add to UTC for Berlin at t: 3600 or 7200. */
long berlin_offset(time_t t);
/* The civil time in Berlin at t, broken down (gmtime_r of the local
 * time). 0 ok, -1 when t cannot be broken down. */
int berlin_tm(time_t t, struct tm *out);
/* The civil day in Berlin at t, "2026-12-04" (11 bytes with the NUL): what
 * "today" means on these portals, whatever the machine's zone. Between
 * 23:00 and 24:00 UTC in winter (22:00 in summer) it is the day after
 * UTC's. 0 ok, -1 when t cannot be broken down or n < 11. */
int berlin_date(time_t t, char *out, size_t n);
/* berlin_date of the clock's now, into out, which it returns: "" only
 * when the clock cannot be broken down (no time of this era). */
const char *berlin_today(char out[11]);
/* "2. Dezember 2026, 16:59 Uhr". 0 ok, -1 when out is too small. */
int de_date_time(char *out, size_t n, time_t t);
/* Parses "2026-11-25T20:41:07Z" (RFC 3339, UTC, as the store keeps it).
 * 0 ok, -1 malformed. */
int rfc3339_parse(const char *s, time_t *out);
/* A stored stamp as citizens and clerks read it, into out: the German form
 * of de_date_time, or the stamp itself when it is no RFC 3339 time. */
void de_stamp(const char *rfc3339, char *out, size_t n);
/* A calendar date "2024-02-29" as Germans write it, "29.02.2024" (11
 * bytes with the NUL). 0 ok; -1 when iso has not that shape (out is then
 * left alone) or out is too small. */
int de_date(const char *iso, char *out, size_t n);
#endif
