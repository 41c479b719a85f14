/* client.c - relayctl's side of the admin socket. See admin.h. */
#include "admin.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int admin_call(const char *path, const char *line, int timeout_ms,
	       char *reply, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(reply, n, "admin socket path too long: %s", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (const struct sockaddr *)&sa, sizeof sa) < 0) {
		snprintf(reply, n, "%s: %s", path, strerror(errno));
		if (c >= 0)
			close(c);
		return -1;
	}
	/* connected: from here on relayd may have run the command, so any
	 * problem is an error, never a reason to write directly */
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	char req[ADMIN_LINE_MAX + 2], buf[600];
	int len = snprintf(req, sizeof req, "%s\n", line);
	size_t got = 0;
	bool sent = len > 0 && (size_t)len < sizeof req &&
		    send(c, req, (size_t)len, MSG_NOSIGNAL) == len;
	while (sent && got + 1 < sizeof buf) {
		ssize_t r = read(c, buf + got, sizeof buf - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	int saved = errno;
	close(c);
	buf[got] = '\0';
	int status = -1, used = 0;
	char *nl = strchr(buf, '\n');
	if (!sent || !nl || sscanf(buf, "%d %n", &status, &used) != 1 ||
	    status < ADMIN_OK || status > ADMIN_ERROR) {
		snprintf(reply, n, "no answer from relayd on %s (%s); the command may "
			 "still have run: check with relayctl show or status", path,
			 got ? "malformed reply" : strerror(saved ? saved : EPIPE));
		return ADMIN_ERROR;
	}
	*nl = '\0';
	snprintf(reply, n, "%s", buf + used);
	return status;
}
