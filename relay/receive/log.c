/* log.c - see log.h */
#include "log.h"
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void relay_log(const char *level, const char *event, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	time_t t = time(NULL);
	struct tm tm;
	char ts[24];
	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* one fprintf per line: stdio locks the stream, lines from several
	 * threads do not interleave */
	fprintf(stderr, "relayd: ts=%s level=%s event=%s%s%s%s\n", ts, level, event,
		msg[0] ? " " : "", msg, n >= 0 && (size_t)n >= sizeof msg ? " truncated=1" : "");
}
