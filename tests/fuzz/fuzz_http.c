/* fuzz_http - relayd's request path as the daemon runs it: the real
 * libmicrohttpd daemon of relay/receive/server.c (its callbacks in http.c,
 * the post processor for urlencoded and multipart bodies, validation and
 * the pages rendered with the default theme) listens on an ephemeral
 * loopback port, in --no-store mode (no SQLite, no committer), with the
 * catalogue of tests/fixtures/content. Each input is sent as the raw bytes
 * of one connection (request line, headers, body; pipelined requests
 * included), the write side is shut, and the answer is read to EOF. Then
 * GET /healthz on a fresh connection must answer 200: a crash, a hang or a
 * daemon that stopped answering is a finding. Without a store, the pages
 * and posts that need one (the application page, the inbox, the Postfach,
 * payment) answer 503 here: fuzz_http_store drives them.
 *
 * Limits: libmicrohttpd itself is not instrumented (Debian's library), so
 * coverage guides only through relayd's own code; ASan still sees every
 * bad access of relayd's callbacks, including into libmicrohttpd's
 * buffers. */
#include "fuzz_relay.h"

static struct relay_server srv;
static unsigned short port;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	/* A relay.yml as a deployment would have it, but: no rate limit (all
	 * inputs come from one address), many connections per address, and a
	 * short deadline so a request the daemon waits on cannot stall. */
	char yml[2048];
	int w = snprintf(yml, sizeof yml,
		"listen: 127.0.0.1\nport: 8025\ndatabase: /nonexistent/relay.db\n"
		"content_dir: %s/tests/fixtures/content\nthemes_dir: %s/themes\n"
		"public_url: https://formulare.example.de\n"
		"allowed_origins: [https://www.serviceportal-emscher-lippe.de]\n"
		"smtp: { url: \"smtp://127.0.0.1:25\", from: relay@example.de }\n"
		"limits: { max_body: 65536, max_connections: 64, max_per_ip: 64,"
		" timeout: 5, request_deadline: 5, rate_per_ip_per_minute: 0 }\n",
		fuzz_root(), fuzz_root());
	if (w < 0 || (size_t)w >= sizeof yml)
		abort();
	port = fuzz_relay_start(&srv, yml, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_relay_one(port, data, size);
	return 0;
}
