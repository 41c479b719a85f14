/* admin.h - relayctl's writing commands (resend, purge) and the rule that
 * relayd is the database's only writer.
 *
 * SQLite 3.40.1 (Debian 12) has the WAL-reset bug, which needs two
 * connections writing or checkpointing at the same instant. So while
 * relayd runs, nothing else writes: relayd holds an exclusive flock(2) on
 * "<database>.lock" for its whole life and serves the writing commands on
 * a Unix socket (admin_socket, mode 0600, peers must have relayd's user id
 * or be root). relayctl takes the same lock without waiting: if it gets
 * it, relayd is not running (and cannot start until relayctl is done), so
 * relayctl writes directly; if not, it sends the command to relayd.
 * Either way the same function, admin_exec(), does the work.
 *
 * Protocol: one request line "resend <REFERENCE>\n" or "purge <DAYS>\n",
 * or one of the clerk commands (relayctl user, admin/user.h):
 * "user-add <NAME> <HASH> <city/role,city/role...>\n",
 * "user-passwd <NAME> <HASH>\n", "user-disable <NAME>\n" (HASH is the
 * crypto_pwhash_str relayctl made: the password itself never crosses the
 * socket); at most ADMIN_LINE_MAX bytes. One reply line
 * "<status> <text>\n", then the connection is closed. status is relayctl's
 * exit status. */
#ifndef RELAY_ADMIN_H
#define RELAY_ADMIN_H
#include <stdbool.h>
#include <stddef.h>
#include "../store/store.h"

#define ADMIN_LINE_MAX 4096  /* a clerk with STORE_MAX_OFFICES offices fits */

enum admin_status {
	ADMIN_OK = 0, ADMIN_NOTFOUND = 1, ADMIN_USAGE = 2, ADMIN_ERROR = 3
};

/* Runs one request line on s at time now; writes the reply text (one line,
 * no newline) to reply. *resent is set when jobs were queued again (the
 * worker should look now); it may be NULL. */
enum admin_status admin_exec(struct store *s, const char *line, long long now,
			     char *reply, size_t n, bool *resent);

/* The clerk commands of admin_exec (user.c): w[0] "user-add", ...; n
 * words. */
enum admin_status admin_user(struct store *s, char **w, int n, long long now,
			     char *reply, size_t size);

/* relayctl's writing commands: when the lock is free (relayd is not
 * running) line is run here on a store of our own (saying so on stderr),
 * else sent to relayd, retrying for 10 s while relayd starts or stops
 * (run.c). The status, with the text in reply. */
int admin_run(const char *database, const char *lock_file,
	      const char *admin_socket, const char *line, char *reply, size_t n);

/* Opens (creating) the lock file and takes the exclusive lock, retrying
 * for up to wait_ms. Returns the fd holding the lock; -2 when another
 * process holds it; -1 on error (message in err). Closing the fd (or
 * exiting, or dying) releases the lock. */
int admin_lock(const char *path, int wait_ms, char *err, size_t errlen);

/* relayd side. admin_listen binds the socket (mode 0600; a stale socket
 * of a dead relayd is replaced, a live one is an error) before threads
 * start; admin_serve answers requests on a thread; admin_stop ends it,
 * closes and removes the socket. after(ctx) runs after a resend. */
struct admin_server;
struct admin_server *admin_listen(const char *path, char *err, size_t errlen);
int admin_serve(struct admin_server *a, struct store *s,
		void (*after)(void *), void *ctx);
void admin_stop(struct admin_server *a);

/* relayctl side: sends line, waits up to timeout_ms for the reply. Returns
 * the status with the text in reply, or -1 when relayd cannot be reached
 * (reason in reply). */
int admin_call(const char *path, const char *line, int timeout_ms,
	       char *reply, size_t n);
#endif
