/* server.c - relayd's admin socket: one thread answers relayctl's writing
 * commands one at a time on relayd's own store connection, so relayd stays
 * the database's only writer. See admin.h. */
#include "admin.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "../receive/log.h"

struct admin_server {
	int fd;                     /* listening socket */
	int wake[2];                /* admin_stop writes here */
	char path[sizeof ((struct sockaddr_un *)0)->sun_path];
	struct store *store;
	void (*after)(void *);
	void *ctx;
	pthread_t thread;
	bool running;
};

static int set_path(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof sa->sun_path)
		return -1;
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

/* A socket file left by a relayd that died is removed; one that answers
 * belongs to a live relayd (another database with the same socket path). */
static int clear_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s",
				sa->sun_path, strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", sa->sun_path);
		return -1;
	}
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	int live = connect(probe, (const struct sockaddr *)sa, sizeof *sa) == 0;
	close(probe);
	if (live) {
		snprintf(err, errlen, "%s: another relayd answers on this socket",
			 sa->sun_path);
		return -1;
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", sa->sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

struct admin_server *admin_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	if (set_path(&sa, path) < 0) {
		snprintf(err, errlen, "admin socket path too long: %s", path);
		return NULL;
	}
	if (clear_stale(&sa, err, errlen) < 0)
		return NULL;
	struct admin_server *a = xcalloc(1, sizeof *a);
	a->wake[0] = a->wake[1] = -1;
	memcpy(a->path, sa.sun_path, sizeof a->path);
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		free(a);
		return NULL;
	}
	/* created 0600 from the start: no moment in which others may connect */
	mode_t old = umask(0177);
	int rc = bind(a->fd, (const struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(a->fd, 16) < 0 ||
	    pipe2(a->wake, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (rc == 0)
			unlink(path);
		close(a->fd);
		free(a);
		return NULL;
	}
	return a;
}

/* Only relayd's own user (or root) may give commands; the socket's mode
 * says the same, this holds even if someone loosens it. */
static bool peer_allowed(int c)
{
	struct ucred cr;
	socklen_t len = sizeof cr;
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

/* Reads one line (without its newline) into buf; -1 on timeout, EOF
 * before the newline, or a line too long. */
static int read_line(int c, char *buf, size_t n)
{
	size_t len = 0;
	while (len + 1 < n) {
		ssize_t r = read(c, buf + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = '\0';
		char *nl = memchr(buf, '\n', len);
		if (nl) {
			*nl = '\0';
			return 0;
		}
	}
	return -1;
}

static void write_all(int c, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(c, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;     /* relayctl gave up: nothing to tell */
		s += w;
		n -= (size_t)w;
	}
}

/* The reply for the log line: no quotes or control characters. */
static void log_safe(char *s)
{
	for (; *s; s++)
		if (*s == '"' || (unsigned char)*s < 0x20 || *s == 0x7F)
			*s = '?';
}

static void handle(struct admin_server *a, int c)
{
	struct timeval tv = { 5, 0 };
	char line[ADMIN_LINE_MAX + 1], reply[512], out[540];
	enum admin_status st;
	bool resent = false;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (!peer_allowed(c)) {
		st = ADMIN_ERROR;
		snprintf(reply, sizeof reply, "permission denied");
		snprintf(line, sizeof line, "-");
	} else if (read_line(c, line, sizeof line) < 0) {
		st = ADMIN_USAGE;
		snprintf(reply, sizeof reply, "expected one line of at most %d bytes",
			 ADMIN_LINE_MAX - 1);
		snprintf(line, sizeof line, "-");
	} else {
		st = admin_exec(a->store, line, (long long)time(NULL), reply,
				sizeof reply, &resent);
	}
	int n = snprintf(out, sizeof out, "%d %s\n", (int)st, reply);
	if (n > 0)
		write_all(c, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
	if (resent && a->after)
		a->after(a->ctx);
	line[strcspn(line, " ")] = '\0';    /* the command word only */
	log_safe(line);
	log_safe(reply);
	relay_log(st == ADMIN_OK ? "info" : st == ADMIN_ERROR ? "error" : "warn",
		  "admin", "command=%s status=%d msg=\"%s\"", line[0] ? line : "-",
		  (int)st, reply);
}

static void *serve(void *arg)
{
	struct admin_server *a = arg;
	for (;;) {
		struct pollfd p[2] = { { a->fd, POLLIN, 0 }, { a->wake[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			relay_log("error", "admin", "msg=\"poll: %s\"", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		int c = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		handle(a, c);
		close(c);
	}
	return NULL;
}

int admin_serve(struct admin_server *a, struct store *s,
		void (*after)(void *), void *ctx)
{
	a->store = s;
	a->after = after;
	a->ctx = ctx;
	if (pthread_create(&a->thread, NULL, serve, a) != 0)
		return -1;
	a->running = true;
	return 0;
}

void admin_stop(struct admin_server *a)
{
	if (!a)
		return;
	if (a->running) {
		char b = 1;
		while (write(a->wake[1], &b, 1) < 0 && errno == EINTR)
			;
		pthread_join(a->thread, NULL);
	}
	close(a->fd);
	close(a->wake[0]);
	close(a->wake[1]);
	unlink(a->path);
	free(a);
}
