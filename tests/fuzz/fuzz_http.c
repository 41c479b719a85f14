/* fuzz_http - relayd's request path as the daemon runs it: the real
 * libmicrohttpd daemon of relay/receive/server.c (its callbacks in http.c,
 * the post processor for urlencoded and multipart bodies, validation and
 * the pages rendered with the default theme) listens on an ephemeral
 * loopback port, in --no-store mode (no SQLite, no committer), with the
 * catalogue of tests/fixtures/content. Each input is sent as the raw bytes
 * of one connection (request line, headers, body; pipelined requests
 * included), the write side is shut, and the answer is read to EOF. Then
 * GET /healthz on a fresh connection must answer 200: a crash, a hang or a
 * daemon that stopped answering is a finding.
 *
 * Limits: libmicrohttpd itself is not instrumented (Debian's library), so
 * coverage guides only through relayd's own code; ASan still sees every
 * bad access of relayd's callbacks, including into libmicrohttpd's
 * buffers. */
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

static struct relay_server srv;
static unsigned short port;

static int connect_relay(void)
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
static ssize_t exchange(const void *data, size_t size, char *out, size_t n)
{
	int fd = connect_relay();
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	signal(SIGPIPE, SIG_IGN);
	/* A relay.yml as a deployment would have it, but: no rate limit (all
	 * inputs come from one address), many connections per address, and a
	 * short deadline so a request the daemon waits on cannot stall. */
	char path[] = "/tmp/fuzz_http_XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	FILE *f = fdopen(fd, "w");
	fprintf(f, "listen: 127.0.0.1\nport: 8025\ndatabase: /nonexistent/relay.db\n"
		"content_dir: %s/tests/fixtures/content\nthemes_dir: %s/themes\n"
		"public_url: https://formulare.example.de\n"
		"allowed_origins: [https://www.serviceportal-emscher-lippe.de]\n"
		"smtp: { url: \"smtp://127.0.0.1:25\", from: relay@example.de }\n"
		"limits: { max_body: 65536, max_connections: 64, max_per_ip: 64,"
		" timeout: 5, request_deadline: 5, rate_per_ip_per_minute: 0 }\n",
		fuzz_root(), fuzz_root());
	fclose(f);
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
	if (server_start(&srv, cfg, NULL, NULL, NULL) < 0)
		abort();
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(srv.mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (!di || !di->port)
		abort();
	port = di->port;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char answer[65536];
	ssize_t n = exchange(data, size, answer, sizeof answer - 1);
	FUZZ_ASSERT(n >= 0, "no answer and no close within 10 s");
	static const char health[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
				     "Connection: close\r\n\r\n";
	char h[512];
	n = exchange(health, sizeof health - 1, h, sizeof h - 1);
	FUZZ_ASSERT(n >= 12, "relayd does not answer GET /healthz any more");
	h[n] = '\0';
	FUZZ_ASSERT(!strncmp(h, "HTTP/1.1 200", 12), "GET /healthz: %.40s", h);
	return 0;
}
