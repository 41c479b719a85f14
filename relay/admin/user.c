/* user.c - the clerk commands as relayd (or relayctl, when relayd is not
 * running) carries them out: user-add, user-passwd, user-disable. relayctl
 * has checked the name, the password and the offices against the
 * catalogue and sends the hash; here they are checked for shape once more,
 * because the line may come from any program that may use the socket. */
#include "admin.h"
#include <stdio.h>
#include <string.h>

/* relayctl's rule for user names (admin/usercmd.c says the same). */
static bool name_ok(const char *u)
{
	size_t n = strlen(u);
	return n >= 1 && n <= 64 && strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n &&
	       u[0] != '.' && u[0] != '-';
}

static bool hash_ok(const char *h)
{
	return !strncmp(h, "$argon2id$", 10) && strlen(h) < 128;
}

/* "city/role,city/role" -> offices in arena a; -1 when malformed. */
static int offices_of(struct arena *a, const char *list, struct store_office **o,
		      size_t *n)
{
	char *text = arena_strdup(a, list);
	for (char *p = text; *p; p++)
		if (*p == ',')
			*p = ' ';
	return store_offices_parse(a, text, o, n) < 0 || *n == 0 ? -1 : 0;
}

static enum admin_status result(int rc, struct store *s, const char *name,
				const char *done, const char *missing,
				char *reply, size_t size)
{
	if (rc < 0) {
		snprintf(reply, size, "user: %s", store_errmsg(s));
		return ADMIN_ERROR;
	}
	snprintf(reply, size, rc ? missing : done, name);
	return rc ? ADMIN_NOTFOUND : ADMIN_OK;
}

static enum admin_status add(struct store *s, char **w, long long now,
			     char *reply, size_t size)
{
	struct arena a;
	struct store_office *o = NULL;
	size_t n = 0;
	arena_init(&a);
	if (offices_of(&a, w[3], &o, &n) < 0) {
		arena_free(&a);
		snprintf(reply, size, "user-add: offices must be city/role,city/role...");
		return ADMIN_USAGE;
	}
	int rc = store_clerk_add(s, w[1], w[2], o, n, now);
	arena_free(&a);
	return result(rc, s, w[1], "added clerk %s",
		      "clerk %s exists already (change the password with user passwd)",
		      reply, size);
}

enum admin_status admin_user(struct store *s, char **w, int n, long long now,
			     char *reply, size_t size)
{
	bool is_add = !strcmp(w[0], "user-add"), is_pw = !strcmp(w[0], "user-passwd"),
	     is_off = !strcmp(w[0], "user-disable");
	int want = is_add ? 4 : is_pw ? 3 : is_off ? 2 : 0;
	if (!want || n != want || !name_ok(w[1]) || (n >= 3 && !hash_ok(w[2]))) {
		snprintf(reply, size, "expected \"user-add NAME HASH OFFICES\", "
			 "\"user-passwd NAME HASH\" or \"user-disable NAME\"");
		return ADMIN_USAGE;
	}
	if (is_add)
		return add(s, w, now, reply, size);
	if (is_pw)
		return result(store_clerk_passwd(s, w[1], w[2]), s, w[1],
			      "new password for %s; the clerk's sessions ended",
			      "no clerk %s", reply, size);
	return result(store_clerk_disable(s, w[1]), s, w[1],
		      "disabled clerk %s; the clerk's sessions ended", "no clerk %s",
		      reply, size);
}
