/* fuzz_net.h - one loopback connection to a server a harness started
 * in-process (relayd's, sitegen's preview): the raw bytes sent, the write
 * side shut, the answer read to EOF. Header-only, like fuzz.h. */
#ifndef FUZZ_NET_H
#define FUZZ_NET_H
#include "fuzz.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static inline int fuzz_net_connect(unsigned short port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		abort();
	struct timeval tv = { 10, 0 };  /* a hang of the daemon is a finding */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; connect(fd, (struct sockaddr *)&a, sizeof a) < 0; i++) {
		FUZZ_ASSERT(errno == EINTR || i < 50, "connect: %s", strerror(errno));
		usleep(1000);
	}
	return fd;
}

/* Sends data, shuts the write side, reads the answer until EOF into
 * out (up to n bytes, the rest is drained). Returns bytes kept, or -1 when
 * the daemon did not close within the timeout. */
static inline ssize_t fuzz_net_exchange(unsigned short port, const void *data,
					  size_t size, char *out, size_t n)
{
	int fd = fuzz_net_connect(port);
	const char *p = data;
	while (size > 0) {
		ssize_t w = send(fd, p, size, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;      /* the daemon hung up early (e.g. 413): fine */
		p += w;
		size -= (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	size_t len = 0;
	char sink[4096];
	for (;;) {
		char *dst = len < n ? out + len : sink;
		size_t room = len < n ? n - len : sizeof sink;
		ssize_t r = recv(fd, dst, room, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			close(fd);
			return -1;
		}
		if (r <= 0)
			break;
		if (len < n)
			len += (size_t)r;
	}
	close(fd);
	return (ssize_t)len;
}
#endif
