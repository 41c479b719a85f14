/* fuzz_serve - sitegen's preview server (generator/serve/serve.c) as
 * `sitegen serve` runs it: libmicrohttpd, loaded with dlopen, on an
 * ephemeral loopback port, serving a small site from a temporary directory
 * (on /dev/shm when there is one). An editor's browser sends it requests,
 * and so can any page that browser opens: its paths are outside bytes.
 *
 * Beside the site lies a file no request may reach, and the site holds a
 * symbolic link to it, a symbolic link to the directory above and a FIFO
 * (an open without O_NONBLOCK would wait on it for ever). Each input is
 * the raw bytes of one connection, as in fuzz_http. Properties: no answer
 * holds the secret file's text; afterwards GET / on a fresh connection
 * answers 200 with the site's start page (a crash, a hang or a server that
 * stopped answering is a finding).
 *
 * Limits: the rebuild on a change of the watched files is not driven (no
 * input reaches it; t-sitegen-serve.py tests it). */
#include "fuzz_net.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include "serve/serve.h"

#define SECRET "GEHEIM-7f3a-nicht-ausliefern"
#define START "<h1>Startseite der Vorschau</h1>"

static const char *dir;          /* fuzz_scratch's */
static atomic_int port;

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	fuzz_put(p, text, strlen(text));
}

static void made(int rc)
{
	if (rc != 0)
		abort();
}

static void tree(void)
{
	char p[256], q[256];
	put("geheim.txt", SECRET "\n");
	snprintf(p, sizeof p, "%s/site", dir);
	made(mkdir(p, 0755));
	snprintf(p, sizeof p, "%s/site/a", dir);
	made(mkdir(p, 0755));
	snprintf(p, sizeof p, "%s/watch", dir);
	made(mkdir(p, 0755));
	put("site/index.html", "<!doctype html><title>Start</title>" START "\n");
	put("site/404.html", "<!doctype html><title>Nicht gefunden</title>\n");
	put("site/a/index.html", "<!doctype html><title>A</title><a href=\"b.css\">b</a>\n");
	put("site/a/b.css", "body { color: #000 }\n");
	put("site/a/c.js", "\"use strict\";\n");
	put("site/a/d.json", "{}\n");
	snprintf(p, sizeof p, "%s/geheim.txt", dir);
	snprintf(q, sizeof q, "%s/site/aus.html", dir);
	made(symlink(p, q));
	snprintf(q, sizeof q, "%s/site/oben", dir);
	made(symlink("..", q));
	snprintf(q, sizeof q, "%s/site/a/rohr.html", dir);
	made(mkfifo(q, 0644));
}

static int rebuild(void *ctx)
{
	(void)ctx;
	return 0;
}

static void ready(void *ctx, int p)
{
	(void)ctx;
	atomic_store(&port, p);
}

static void *serve_thread(void *arg)
{
	if (serve_run(arg) != 0)
		abort();
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	signal(SIGPIPE, SIG_IGN);
	dir = fuzz_scratch("fuzz_serve");
	tree();
	static char site[128], watch[128];
	static const char *watched[1];
	snprintf(site, sizeof site, "%s/site", dir);
	snprintf(watch, sizeof watch, "%s/watch", dir);
	watched[0] = watch;
	static struct serve_opts o;
	o = (struct serve_opts){ .site_dir = site, .port = 0, .watch = watched,
		.n_watch = 1, .rebuild = rebuild, .ready = ready };
	pthread_t t;
	if (pthread_create(&t, NULL, serve_thread, &o) != 0)
		abort();
	for (int i = 0; !atomic_load(&port); i++) {
		if (i == 10000)
			abort();        /* not listening after 10 s */
		usleep(1000);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char answer[65536];
	unsigned short p = (unsigned short)atomic_load(&port);
	ssize_t n = fuzz_net_exchange(p, data, size, answer, sizeof answer - 1);
	FUZZ_ASSERT(n >= 0, "no answer and no close within 10 s");
	FUZZ_ASSERT(!memmem(answer, (size_t)n, SECRET, sizeof SECRET - 1),
		    "an answer holds the file beside the site");
	static const char start[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	n = fuzz_net_exchange(p, start, sizeof start - 1, answer, sizeof answer - 1);
	FUZZ_ASSERT(n >= 12, "the preview server does not answer GET / any more");
	answer[n] = '\0';
	FUZZ_ASSERT(!strncmp(answer, "HTTP/1.1 200", 12) && strstr(answer, START),
		    "GET /: %.40s", answer);
	return 0;
}
