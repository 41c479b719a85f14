/* git_test.h - helpers shared by the tests/unit/git_*.c tests: temporary
 * git repositories built with the git CLI, commits at set dates. Included
 * (static functions), not a test of its own. */
#ifndef GIT_TEST_H
#define GIT_TEST_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"

static char tmp[512];

/* Run a shell command (git config and dates come from the environment
 * set in setup()); a failing command ends the test. */
__attribute__((unused)) static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((unused)) static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof cmd) {
		fprintf(stderr, "command too long\n");
		exit(2);
	}
	if (system(cmd) != 0) {
		ok(false, "command failed: %s", cmd);
		exit(1);
	}
}

/* Output of a shell command, first line, trailing newline removed. */
__attribute__((unused)) static void sh_out(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
__attribute__((unused)) static void sh_out(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	FILE *p = n > 0 && (size_t)n < sizeof cmd ? popen(cmd, "r") : NULL;
	if (!p || !fgets(out, (int)cap, p)) {
		ok(false, "no output from: %s", cmd);
		exit(1);
	}
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
}

/* Write a file below dir (creating directories). */
__attribute__((unused)) static void put(const char *dir, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	for (char *p = strchr(path + strlen(dir) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* A fresh repository tmp/<name> on branch main. */
__attribute__((unused)) static void repo_init(const char *name)
{
	sh("rm -rf '%s/%s' && git init -q -b main '%s/%s'", tmp, name, tmp, name);
}

/* Commit everything in tmp/<name> at time t (seconds since the epoch). */
__attribute__((unused)) static void commit_at(const char *name, long long t, const char *msg)
{
	sh("cd '%s/%s' && git add -A && GIT_AUTHOR_DATE='@%lld +0000' "
	   "GIT_COMMITTER_DATE='@%lld +0000' git commit -q -m '%s'",
	   tmp, name, t, t, msg);
}

__attribute__((unused)) static void setup(void)
{
	const char *t = getenv("TEST_TMP");
	snprintf(tmp, sizeof tmp, "%s", t && *t ? t : "/tmp");
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.org", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.org", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	/* no user or system config: a stable environment */
	char home[600];
	snprintf(home, sizeof home, "%s/home", tmp);
	mkdir(home, 0755);
	setenv("HOME", home, 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
}
#ifdef GIT_SOURCE_H
/* Does path in s read exactly want? (Says what it got when not.) */
__attribute__((unused)) static int read_is(struct source *s, const char *path, const char *want)
{
	struct buf b;
	buf_init(&b, 0);
	int rc = s->read(s, path, &b);
	int same = rc == 0 && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;
	if (!same)
		fprintf(stderr, "read %s: rc %d, got '%s'\n", path, rc, b.data ? b.data : "");
	buf_free(&b);
	return same;
}
#endif
#endif
