/* log.h - relayd's operator log: one line per event on stderr,
 * "relayd: ts=<RFC 3339> level=<level> event=<event> key=value ...".
 * Values with spaces are quoted by the caller. No citizen data. */
#ifndef RELAY_LOG_H
#define RELAY_LOG_H

void relay_log(const char *level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#endif
