/* fuzz_relay.h - relayd's HTTP server started in-process for a harness
 * (fuzz_http without a store, fuzz_http_store with one), and one input
 * sent to it. Header-only, like fuzz.h; only harnesses linked with the
 * relay archive include it. */
#ifndef FUZZ_RELAY_H
#define FUZZ_RELAY_H
#include "fuzz_net.h"
#include <microhttpd.h>
#include <signal.h>
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

/* One input's exchange, then GET /healthz on a fresh connection, which
 * must answer 200: a crash, a hang or a daemon that stopped answering is
 * a finding. With FUZZ_SHOW_ANSWERS set, each answer's status line and
 * page title go to stderr (to see what a seed reaches: run the harness on
 * it). */
static inline void fuzz_relay_one(unsigned short port, const void *data, size_t size)
{
	static char answer[65536];
	ssize_t n = fuzz_net_exchange(port, data, size, answer, sizeof answer - 1);
	FUZZ_ASSERT(n >= 0, "no answer and no close within 10 s");
	if (getenv("FUZZ_SHOW_ANSWERS")) {
		answer[n] = '\0';
		for (const char *l = answer; (l = strstr(l, "HTTP/1.1 ")); l++) {
			const char *t = strstr(l, "<title>");
			fprintf(fuzz_err(), "answer: %.*s %.*s\n", (int)strcspn(l, "\r\n"), l,
				t ? (int)strcspn(t + 7, "<") : 0, t ? t + 7 : "");
		}
	}
	static const char health[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
				     "Connection: close\r\n\r\n";
	char h[512];
	n = fuzz_net_exchange(port, health, sizeof health - 1, h, sizeof h - 1);
	FUZZ_ASSERT(n >= 12, "relayd does not answer GET /healthz any more");
	h[n] = '\0';
	FUZZ_ASSERT(!strncmp(h, "HTTP/1.1 200", 12), "GET /healthz: %.40s", h);
}
#endif
