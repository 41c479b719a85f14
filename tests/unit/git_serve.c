/* git_serve - the preview server (generator/serve) in a child process:
 * files with their content types, index.html for directories, the site's
 * 404 page, refused traversal ("..", encoded "..", symlinks out of the
 * site), GET/HEAD only, listening on 127.0.0.1 only; and inotify: a
 * change under content/ or themes/ rebuilds once after a burst, new
 * directories are watched, editor temp files are ignored, SIGTERM ends
 * the server cleanly. */
#include "serve/serve.h"
#include "git_test.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

static char site[600], proj[600], counter[700];
static int port;

struct child_ctx {
	int ready_fd;
};

static void on_ready(void *ctx, int p)
{
	struct child_ctx *c = ctx;
	if (write(c->ready_fd, &p, sizeof p) != sizeof p)
		_exit(3);
	close(c->ready_fd);
}

/* The rebuild callback: one line per call in the counter file. */
static int on_rebuild(void *ctx)
{
	(void)ctx;
	FILE *f = fopen(counter, "a");
	if (!f)
		return -1;
	fputs("rebuild\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

static int rebuilds(void)
{
	FILE *f = fopen(counter, "r");
	int n = 0, c;
	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Wait up to 3 s for the rebuild count to reach want. */
static int wait_rebuilds(int want)
{
	for (int i = 0; i < 300 && rebuilds() < want; i++)
		sleep_ms(10);
	return rebuilds();
}

/* One raw HTTP/1.0 request; the whole response into resp. */
static int request(const char *raw, char *resp, size_t cap)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	size_t len = strlen(raw);
	if (write(s, raw, len) != (ssize_t)len) {
		close(s);
		return -1;
	}
	size_t n = 0;
	ssize_t r;
	while (n < cap - 1 && (r = read(s, resp + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	resp[n] = '\0';
	close(s);
	return (int)n;
}

static int status_of(const char *resp)
{
	int st = 0;
	return sscanf(resp, "HTTP/1.%*d %d", &st) == 1 ? st : -1;
}

static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");
	return b ? b + 4 : "";
}

static int get(const char *path, char *resp, size_t cap)
{
	char raw[1024];
	snprintf(raw, sizeof raw, "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
	if (request(raw, resp, cap) < 0)
		return -1;
	return status_of(resp);
}

static int has_header(const char *resp, const char *line)
{
	const char *end = strstr(resp, "\r\n\r\n");
	const char *h = strcasestr(resp, line);
	return h && end && h < end;
}

/* Is the port listening on 127.0.0.1 only (per /proc/net/tcp)? */
static int loopback_only(void)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[512];
	int loop = 0, other = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned addr, p, st;
		if (sscanf(line, " %*d: %x:%x %*x:%*x %x", &addr, &p, &st) != 3)
			continue;
		if ((int)p != port || st != 0x0A)      /* LISTEN */
			continue;
		if (addr == htonl(INADDR_LOOPBACK))
			loop++;
		else
			other++;
	}
	if (f)
		fclose(f);
	f = fopen("/proc/net/tcp6", "r");
	while (f && fgets(line, sizeof line, f)) {
		unsigned p, st;
		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &p, &st) == 2 &&
		    (int)p == port && st == 0x0A)
			other++;
	}
	if (f)
		fclose(f);
	return loop == 1 && other == 0;
}

static void make_tree(void)
{
	snprintf(site, sizeof site, "%s/site", tmp);
	snprintf(proj, sizeof proj, "%s/proj", tmp);
	snprintf(counter, sizeof counter, "%s/rebuilds", tmp);
	put(tmp, "site/index.html", "<h1>Start</h1>\n");
	put(tmp, "site/dorsten/index.html", "<h1>Dorsten</h1>\n");
	put(tmp, "site/assets/style.css", "body{}\n");
	put(tmp, "site/feed.xml", "<feed/>\n");
	put(tmp, "site/suche.json", "[]\n");
	put(tmp, "site/404.html", "<h1>Nicht da</h1>\n");
	put(tmp, "secret.txt", "TOP SECRET\n");
	sh("ln -s ../secret.txt '%s/link.txt' && ln -s .. '%s/up'", site, site);
	put(tmp, "proj/content/services/a.yml", "a\n");
	put(tmp, "proj/themes/default/layout.mustache", "x\n");
}

static void test_http(void)
{
	static char resp[65536];
	ok(loopback_only(), "listens on 127.0.0.1 only");
	ok(get("/", resp, sizeof resp) == 200 && strcmp(body_of(resp), "<h1>Start</h1>\n") == 0 &&
	   has_header(resp, "Content-Type: text/html; charset=utf-8"),
	   "/ serves index.html as text/html");
	ok(get("/dorsten/", resp, sizeof resp) == 200 &&
	   strcmp(body_of(resp), "<h1>Dorsten</h1>\n") == 0, "a directory serves its index.html");
	ok(get("/dorsten", resp, sizeof resp) == 301 && has_header(resp, "Location: /dorsten/"),
	   "a directory without slash redirects");
	ok(get("/assets/style.css", resp, sizeof resp) == 200 &&
	   has_header(resp, "Content-Type: text/css"), "css type");
	ok(get("/feed.xml", resp, sizeof resp) == 200 &&
	   has_header(resp, "Content-Type: application/atom+xml"), "feed type");
	ok(get("/suche.json", resp, sizeof resp) == 200 &&
	   has_header(resp, "Content-Type: application/json"), "json type");
	ok(get("/nope.html", resp, sizeof resp) == 404 &&
	   strcmp(body_of(resp), "<h1>Nicht da</h1>\n") == 0, "missing file: the site's 404.html, status 404");
	ok(get("/index.html/x", resp, sizeof resp) == 404, "a file used as a directory: 404");
	int st = get("/../secret.txt", resp, sizeof resp);
	ok(st == 400 && !strstr(resp, "TOP SECRET"), "'..' refused (%d)", st);
	st = get("/%2e%2e/secret.txt", resp, sizeof resp);
	ok(st == 400 && !strstr(resp, "TOP SECRET"), "encoded '..' refused (%d)", st);
	st = get("/assets/%2E%2E/%2E%2E/secret.txt", resp, sizeof resp);
	ok(st == 400 && !strstr(resp, "TOP SECRET"), "deeper encoded '..' refused (%d)", st);
	st = get("/link.txt", resp, sizeof resp);
	ok(st == 404 && !strstr(resp, "TOP SECRET"), "symlink to outside not followed (%d)", st);
	st = get("/up/secret.txt", resp, sizeof resp);
	ok(st == 404 && !strstr(resp, "TOP SECRET"), "symlinked directory not followed (%d)", st);
	ok(request("HEAD /index.html HTTP/1.0\r\n\r\n", resp, sizeof resp) > 0 &&
	   status_of(resp) == 200 && *body_of(resp) == '\0', "HEAD: headers, no body");
	ok(request("POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", resp, sizeof resp) > 0 &&
	   status_of(resp) == 405 && has_header(resp, "Allow: GET, HEAD"), "POST: 405");
	ok(strcmp(serve_content_type("x.SVG"), "image/svg+xml") == 0 &&
	   strcmp(serve_content_type("x.bin"), "application/octet-stream") == 0,
	   "content types by extension");
}

static void test_watch(void)
{
	ok(rebuilds() == 0, "no rebuild without changes");
	put(proj, "content/services/a.yml", "a changed\n");
	ok(wait_rebuilds(1) == 1, "a changed file rebuilds");
	for (int i = 0; i < 10; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "content/services/n%d.yml", i);
		put(proj, rel, "new\n");
	}
	int n = wait_rebuilds(2);
	sleep_ms(400);
	ok(n == 2 && rebuilds() == 2, "ten files at once: one rebuild (%d)", rebuilds());
	put(proj, "themes/default/layout.mustache", "y\n");
	ok(wait_rebuilds(3) == 3, "a theme change rebuilds");
	sh("mkdir -p '%s/content/cities/neu'", proj);
	wait_rebuilds(4);
	sleep_ms(300);
	put(proj, "content/cities/neu/city.yml", "name: Neu\n");
	ok(wait_rebuilds(5) == 5, "a file in a new directory rebuilds (watched)");
	put(proj, "content/services/.a.yml.swp", "swap\n");
	put(proj, "content/services/a.yml~", "backup\n");
	sleep_ms(500);
	ok(rebuilds() == 5, "editor temp files are ignored");
}

int main(void)
{
	setup();
	make_tree();
	int pfd[2];
	if (pipe(pfd) < 0)
		return 2;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		char content[700], themes[700];
		snprintf(content, sizeof content, "%s/content", proj);
		snprintf(themes, sizeof themes, "%s/themes", proj);
		const char *watch[] = { content, themes };
		struct child_ctx c = { pfd[1] };
		struct serve_opts o = {
			.site_dir = site, .port = 0, .watch = watch, .n_watch = 2,
			.rebuild = on_rebuild, .ctx = &c, .ready = on_ready,
			.debounce_ms = 150,
		};
		_exit(serve_run(&o) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	struct pollfd p = { .fd = pfd[0], .events = POLLIN };
	if (poll(&p, 1, 10000) != 1 || read(pfd[0], &port, sizeof port) != sizeof port) {
		ok(false, "server did not start");
		kill(pid, SIGKILL);
		return 1;
	}
	ok(port > 0, "server ready on port %d", port);
	test_http();
	test_watch();
	kill(pid, SIGTERM);
	int status = 0;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGTERM ends serve_run with 0");
	return tap_exit();
}
