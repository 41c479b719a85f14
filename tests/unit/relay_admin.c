/* relay_admin - unit tests of relay/admin: the command lines relayctl sends
 * (and relayd refuses), run on a real SQLite file; the lock that says
 * "relayd is running". The socket paths are covered by t-relay-admin.py. */
#include "admin/admin.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"

static enum admin_status run(struct store *s, const char *line, char *reply,
			     size_t n, bool *resent)
{
	return admin_exec(s, line, (long long)time(NULL), reply, n, resent);
}

int main(void)
{
	char db[256], lock[270], err[256], reply[512];
	const char *tmp = tap_tmpdir("relay_admin");
	if (!tmp)
		return 2;
	if (snprintf(db, sizeof db, "%s/admin.db", tmp) >= (int)sizeof db ||
	    snprintf(lock, sizeof lock, "%s.lock", db) >= (int)sizeof lock)
		return 2;
	struct store *s = store_open(db, err, sizeof err);
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct sub_field f = { "vorname", "Vorname", "Anna", "" };
	struct submission sub = { 0 };
	sub.city = "dorsten";
	sub.service = "hundeanmeldung";
	sub.city_name = "Dorsten";
	sub.service_title = "Hund anmelden";
	sub.recipient = "steueramt@dorsten.example";
	sub.office_name = "Steueramt";
	sub.applicant_email = "";
	sub.fields = &f;
	sub.n_fields = 1;
	struct store_item it = { .sub = &sub, .ref_prefix = "DOR" };
	ok(store_insert(s, &it, 1) == 0 && it.rc == 0, "a submission stored");

	static const char *const bad[] = {
		"", "resend", "purge", "purge 0", "purge 36501", "purge 3x", "purge -5",
		"purge 30 31", "frobnicate 1", "resend DOR-1 extra", "drop table submissions",
	};
	int all = 1;
	bool resent = true;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		enum admin_status st = run(s, bad[i], reply, sizeof reply, &resent);
		if (st != ADMIN_USAGE) {
			printf("# %s -> %d %s\n", bad[i], (int)st, reply);
			all = 0;
		}
	}
	ok(all && !resent, "malformed command lines are usage errors (status 2)");
	char longline[400];
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	memcpy(longline, "purge ", 6);
	ok(run(s, longline, reply, sizeof reply, NULL) == ADMIN_USAGE,
	   "an over-long line is a usage error");

	ok(run(s, "resend DOR-2026-ZZZZZZ", reply, sizeof reply, &resent) == ADMIN_NOTFOUND &&
	   !resent && strstr(reply, "no submission DOR-2026-ZZZZZZ"),
	   "resend of an unknown reference: not found");
	ok(run(s, "resend dor';--", reply, sizeof reply, NULL) == ADMIN_NOTFOUND,
	   "resend of something that is no reference: not found, not looked up");
	char line[64];
	snprintf(line, sizeof line, "resend %s\n", it.reference);
	ok(run(s, line, reply, sizeof reply, &resent) == ADMIN_OK && resent &&
	   strstr(reply, it.reference), "resend of a stored reference (trailing newline ok)");
	ok(run(s, "purge 30", reply, sizeof reply, NULL) == ADMIN_OK &&
	   !strncmp(reply, "purged 0 submissions whose delivery ended before ", 49) &&
	   strstr(reply, "kept back 0 older ones"), "purge reports removed and kept-back counts");

	/* the clerk commands (relayctl user): the hash arrives, never a password */
	static const char *const bad_user[] = {
		"user-add anna", "user-add anna $argon2id$x", "user-add Anna $argon2id$x a/b",
		"user-add anna plaintext a/b", "user-add anna $argon2id$x dorsten",
		"user-add anna $argon2id$x a/b extra", "user-passwd anna",
		"user-disable", "user-drop anna", "user-add -x $argon2id$x a/b",
	};
	all = 1;
	for (size_t i = 0; i < sizeof bad_user / sizeof *bad_user; i++)
		if (run(s, bad_user[i], reply, sizeof reply, NULL) != ADMIN_USAGE) {
			printf("# %s -> %s\n", bad_user[i], reply);
			all = 0;
		}
	ok(all, "malformed clerk commands are usage errors");
	ok(run(s, "user-add anna $argon2id$h1 dorsten/steueramt,bottrop/steueramt",
	       reply, sizeof reply, NULL) == ADMIN_OK && strstr(reply, "added clerk anna"),
	   "user-add");
	ok(run(s, "user-add anna $argon2id$h2 dorsten/steueramt", reply, sizeof reply,
	       NULL) == ADMIN_NOTFOUND && strstr(reply, "exists"), "user-add of a taken name: 1");
	struct arena a;
	struct store_clerk c;
	arena_init(&a);
	ok(store_clerk_get(s, &a, "anna", &c) == 0 && c.n_offices == 2 &&
	   !strcmp(c.offices[1].city, "bottrop") && !strcmp(c.pwhash, "$argon2id$h1"),
	   "the clerk is stored with the hash and both offices");
	ok(run(s, "user-passwd anna $argon2id$h3", reply, sizeof reply, NULL) == ADMIN_OK &&
	   run(s, "user-passwd nobody $argon2id$h3", reply, sizeof reply, NULL) ==
	   ADMIN_NOTFOUND, "user-passwd; of an unknown clerk: 1");
	ok(run(s, "user-disable anna", reply, sizeof reply, NULL) == ADMIN_OK &&
	   store_clerk_get(s, &a, "anna", &c) == 0 && c.disabled &&
	   !strcmp(c.pwhash, "$argon2id$h3") &&
	   run(s, "user-disable nobody", reply, sizeof reply, NULL) == ADMIN_NOTFOUND,
	   "user-disable; of an unknown clerk: 1");
	arena_free(&a);
	store_close(s);

	int fd = admin_lock(lock, 0, err, sizeof err);
	ok(fd >= 0, "the lock is free: taken");
	int fd2 = admin_lock(lock, 300, err, sizeof err);
	ok(fd2 == -2 && strstr(err, "locked by another process"),
	   "taken again (another open file): busy after waiting");
	close(fd);
	fd2 = admin_lock(lock, 0, err, sizeof err);
	ok(fd2 >= 0, "free again once the holder closed it");
	close(fd2);
	ok(admin_lock("/nonexistent-dir/x.lock", 0, err, sizeof err) == -1 &&
	   strstr(err, "/nonexistent-dir/x.lock"), "a lock file that cannot be created: error");
	return tap_exit();
}
