/* run.c - relayctl's side of the one-writer rule (admin.h): a writing
 * command goes to relayd when it runs, and is carried out here only while
 * this process holds the lock relayd holds when running. */
#include "admin.h"
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* We hold the lock: relayd is not running and cannot start until we are
 * done, so this process is the only writer. */
static int run_directly(const char *database, int lock_fd, const char *line,
			char *reply, size_t n)
{
	char err[300];
	struct store *st = store_open(database, err, sizeof err);
	if (!st) {
		close(lock_fd);
		snprintf(reply, n, "%s", err);
		return ADMIN_ERROR;
	}
	char dbname[512];
	store_masked(database, dbname, sizeof dbname);
	fprintf(stderr, "relayctl: relayd is not running; changing %s directly\n",
		dbname);
	int rc = admin_exec(st, line, (long long)time(NULL), reply, n, NULL);
	store_close(st);
	close(lock_fd);
	return rc;
}

int admin_run(const char *database, const char *lock_file,
	      const char *admin_socket, const char *line, char *reply, size_t n)
{
	char err[300], why[600];
	/* Lock free: relayd is not running, write directly. Lock held: ask
	 * relayd. Held but no answer: relayd is starting or stopping (or
	 * another relayctl writes): try again for a while. */
	for (int waited = 0;; waited += 100) {
		int fd = admin_lock(lock_file, 0, err, sizeof err);
		if (fd == -1) {
			snprintf(reply, n, "%s", err);
			return ADMIN_ERROR;
		}
		if (fd >= 0)
			return run_directly(database, fd, line, reply, n);
		int rc = admin_call(admin_socket, line, 120000, why, sizeof why);
		if (rc >= 0) {
			snprintf(reply, n, "%s", why);
			return rc;
		}
		if (waited >= 10000) {
			snprintf(reply, n, "%s is held (relayd is running?) but relayd "
				 "does not answer on its admin socket: %s", lock_file, why);
			return ADMIN_ERROR;
		}
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
