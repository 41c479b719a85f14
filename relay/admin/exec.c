/* exec.c - the writing admin commands, run by relayd (request from the
 * socket) or by relayctl when relayd is not running. See admin.h. */
#include "admin.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void utc_text(long long t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "%lld", t);
}

/* References look like DOR-2026-004711 (before schema version 10:
 * DOR-2026-4K7P9X); anything else is not looked up. */
static bool reference_ok(const char *r)
{
	size_t n = strlen(r);
	return n > 0 && n < 24 &&
	       strspn(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static enum admin_status do_resend(struct store *s, const char *ref, long long now,
				   char *reply, size_t n, bool *resent)
{
	if (!reference_ok(ref)) {       /* like show: simply not there */
		snprintf(reply, n, "no submission %.40s", ref);
		return ADMIN_NOTFOUND;
	}
	struct arena a;
	int err = 0;
	arena_init(&a);
	struct submission *sub = store_load_ref(s, &a, ref, false, NULL, &err);
	long long id = sub ? sub->id : 0;
	arena_free(&a);
	int r = sub ? store_resend(s, id, now) : err ? -1 : 1;
	if (r == 1) {
		snprintf(reply, n, "no submission %s", ref);
		return ADMIN_NOTFOUND;
	}
	if (r < 0) {
		snprintf(reply, n, "resend: %s", store_errmsg(s));
		return ADMIN_ERROR;
	}
	if (resent)
		*resent = true;
	snprintf(reply, n, "queued %s again; relayd sends it within seconds", ref);
	return ADMIN_OK;
}

static enum admin_status do_purge(struct store *s, const char *arg, long long now,
				  char *reply, size_t n)
{
	char *end;
	errno = 0;
	long days = strtol(arg, &end, 10);
	if (errno || end == arg || *end || days < 1 || days > 36500) {
		snprintf(reply, n, "--older-than: a whole number of days from 1 to "
			 "36500, not %.20s", arg);
		return ADMIN_USAGE;
	}
	long long cutoff = now - (long long)days * 86400, purged = 0, kept = 0;
	char t[32];
	if (store_purge(s, cutoff, &purged, &kept) < 0) {
		snprintf(reply, n, "purge: %s", store_errmsg(s));
		return ADMIN_ERROR;
	}
	utc_text(cutoff, t, sizeof t);
	snprintf(reply, n, "purged %lld submission%s whose delivery ended before %s; "
		 "kept back %lld older one%s whose mail is still pending",
		 purged, purged == 1 ? "" : "s", t, kept, kept == 1 ? "" : "s");
	return ADMIN_OK;
}

/* Splits line into at most max words (spaces, tabs, a trailing newline);
 * -1 when there are more. The words point into buf. */
static int split(const char *line, char *buf, size_t size, char **w, int max)
{
	snprintf(buf, size, "%s", line);
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return -1;
		w[n++] = t;
	}
	return n;
}

enum admin_status admin_exec(struct store *s, const char *line, long long now,
			     char *reply, size_t n, bool *resent)
{
	char buf[ADMIN_LINE_MAX], *w[5];
	if (resent)
		*resent = false;
	int k = strlen(line) >= ADMIN_LINE_MAX ? -1 :
		split(line, buf, sizeof buf, w, 5);
	if (k >= 1 && !strncmp(w[0], "user-", 5))
		return admin_user(s, w, k, now, reply, n);
	if (k != 2) {
		snprintf(reply, n, "expected \"resend REFERENCE\" or \"purge DAYS\"");
		return ADMIN_USAGE;
	}
	if (!strcmp(w[0], "resend"))
		return do_resend(s, w[1], now, reply, n, resent);
	if (!strcmp(w[0], "purge"))
		return do_purge(s, w[1], now, reply, n);
	snprintf(reply, n, "unknown command %.15s", w[0]);
	return ADMIN_USAGE;
}
