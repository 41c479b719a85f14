/* tap.h - the TAP helper of the C unit tests (every tests/unit/X.c).
 *
 *   ok(cond, fmt, ...)    prints "ok - what" or "not ok - what", counts it,
 *                         returns cond
 *   skip(why, fmt, ...)   prints "ok - what # SKIP why": tests/run counts it
 *                         as skipped, neither passed nor failed
 *   tap_tmpdir(name)      the test's scratch directory: $TEST_TMP (tests/run
 *                         makes one per test, removed when it passes), else
 *                         a new /tmp/NAME.XXXXXX; NULL (after perror) when
 *                         none can be made
 *   tap_exit()            prints "# N passed, N failed, N skipped" (a
 *                         comment, not counted) and returns main's exit
 *                         status: 1 when anything failed
 *
 *   #include "tap.h"
 *   int main(void) { ok(1 + 1 == 2, "%d", 2); return tap_exit(); }
 *
 * Header only (static functions, one copy per test binary). The Makefile
 * builds one binary per tests/unit/X.c; a header here is no test of its own. */
#ifndef TAP_H
#define TAP_H
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_passed, tap_failed, tap_skipped;

__attribute__((unused, format(printf, 2, 3)))
static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(cond ? "ok - " : "not ok - ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);        /* a crash later must not lose the line */
	if (cond)
		tap_passed++;
	else
		tap_failed++;
	return cond;
}

__attribute__((unused, format(printf, 2, 3)))
static void skip(const char *why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ok - ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
	tap_skipped++;
}

__attribute__((unused))
static const char *tap_tmpdir(const char *name)
{
	static char dir[256];
	const char *t = getenv("TEST_TMP");
	if (t && *t)
		return t;
	if (snprintf(dir, sizeof dir, "/tmp/%s.XXXXXX", name) >= (int)sizeof dir ||
	    !mkdtemp(dir)) {
		perror("mkdtemp");
		return NULL;
	}
	return dir;
}

__attribute__((unused))
static int tap_exit(void)
{
	printf("# %d passed, %d failed, %d skipped\n", tap_passed, tap_failed, tap_skipped);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}
#endif
