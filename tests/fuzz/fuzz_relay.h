/* fuzz_relay.h - relayd's HTTP server started in-process for a harness
 * (fuzz_http without a store, fuzz_http_store with one), and one loopback
 * connection to it: the raw bytes sent, the write side shut, the answer
 * read to EOF. Header-only, like fuzz.h; only harnesses linked with the
 * relay archive include it. */
#ifndef FUZZ_RELAY_H
#define FUZZ_RELAY_H
#include "fuzz.h"
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "config/config.h"
#include "receive/forms.h"
#include "receive/server.h"

/* Starts srv with the relay.yml text yml (written to a temporary file and
 * loaded as relayd loads it) on an ephemeral loopback port, with store
 * (NULL: --no-store). Returns the port; aborts on any failure. */
static inline unsigned short fuzz_relay_start(struct relay_server *srv,
					      const char *yml, struct store *store)
{
	signal(SIGPIPE, SIG_IGN);
	char path[] = "/tmp/fuzz_relay_XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	FILE *f = fdopen(fd, "w");
	if (!f || fputs(yml, f) == EOF || fclose(f) != 0)
		abort();
	struct diags d;
	diags_init(&d);
	struct relay_config *cfg = config_load(path, &d);
	unlink(path);
	if (!cfg) {
		diags_print(&d, fuzz_err());
		abort();
	}
	diags_free(&d);
	cfg->port = 0;              /* an ephemeral port */
	struct forms *fm = forms_load(cfg->content_dir, cfg->themes_dir,
				      "https://formulare.example.de/submit", fuzz_err());
	if (!fm)
		abort();
	forms_set_current(fm);
	if (server_start(srv, cfg, store, NULL, NULL) < 0)
		abort();
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (!di || !di->port)
		abort();
	return di->port;
}

static inline int fuzz_relay_connect(unsigned short port)
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
static inline ssize_t fuzz_relay_exchange(unsigned short port, const void *data,
					  size_t size, char *out, size_t n)
{
	int fd = fuzz_relay_connect(port);
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

/* One input's exchange, then GET /healthz on a fresh connection, which
 * must answer 200: a crash, a hang or a daemon that stopped answering is
 * a finding. With FUZZ_SHOW_ANSWERS set, each answer's status lines go
 * to stderr (to see what a seed reaches: run the harness on it). */
static inline void fuzz_relay_one(unsigned short port, const void *data, size_t size)
{
	static char answer[65536];
	ssize_t n = fuzz_relay_exchange(port, data, size, answer, sizeof answer - 1);
	FUZZ_ASSERT(n >= 0, "no answer and no close within 10 s");
	if (getenv("FUZZ_SHOW_ANSWERS")) {
		answer[n] = '\0';
		for (const char *l = answer; (l = strstr(l, "HTTP/1.1 ")); l++)
			fprintf(fuzz_err(), "answer: %.*s\n", (int)strcspn(l, "\r\n"), l);
	}
	static const char health[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
				     "Connection: close\r\n\r\n";
	char h[512];
	n = fuzz_relay_exchange(port, health, sizeof health - 1, h, sizeof h - 1);
	FUZZ_ASSERT(n >= 12, "relayd does not answer GET /healthz any more");
	h[n] = '\0';
	FUZZ_ASSERT(!strncmp(h, "HTTP/1.1 200", 12), "GET /healthz: %.40s", h);
}
#endif
