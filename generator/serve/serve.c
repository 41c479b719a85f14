/* serve.c - see serve.h. HTTP side: one request handler over openat();
 * watch side: watch.c. */
#include "serve.h"
#include "mhd_load.h"
#include "watch.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEGMENTS 64

/* libmicrohttpd's functions (mhd_load.h), set by serve_run before the
 * server's thread starts and only read after. */
static struct mhd_api mhd;

static const struct {
	const char *ext, *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ "feed.xml", "application/atom+xml" },
	{ ".xml", "application/xml" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".jpeg", "image/jpeg" },
	{ ".gif", "image/gif" },
	{ ".webp", "image/webp" },
	{ ".ico", "image/x-icon" },
	{ ".pdf", "application/pdf" },
	{ ".woff2", "font/woff2" },
	{ ".woff", "font/woff" },
};

const char *serve_content_type(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t e = strlen(types[i].ext);
		if (n >= e && strcasecmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status,
				 const char *text)
{
	struct MHD_Response *r = mhd.create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	mhd.add_response_header(r, "Content-Type", "text/html; charset=utf-8");
	enum MHD_Result ok = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ok;
}

/* Open path below the site directory without following symlinks or
 * leaving it. Sets *is_dir when the final component is a directory (its
 * fd is returned). -1 with errno when missing, a symlink (ELOOP) or not a
 * regular file/directory. */
static int open_below(int root, const char *path, int *is_dir)
{
	char buf[4096];
	if (strlen(path) >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	int fd = dup(root);
	if (fd < 0)
		return -1;
	*is_dir = 1;
	char *save = NULL;
	int depth = 0;
	for (char *seg = strtok_r(buf, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (++depth > MAX_SEGMENTS) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		int next = openat(fd, seg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		close(fd);
		if (next < 0)
			return -1;
		struct stat st;
		if (fstat(next, &st) < 0) {
			close(next);
			return -1;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			close(next);
			errno = ENOENT;
			return -1;
		}
		*is_dir = S_ISDIR(st.st_mode);
		fd = next;
		if (!*is_dir && strtok_r(NULL, "/", &save)) {
			close(fd);
			errno = ENOTDIR;
			return -1;
		}
		if (!*is_dir)
			break;
	}
	return fd;
}

/* Queue the regular file fd (taken over) with the type for name. */
static enum MHD_Result send_file(struct MHD_Connection *c, unsigned status,
				 int fd, const char *name)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "<h1>500</h1>\n");
	}
	int flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	struct MHD_Response *r = mhd.create_response_from_fd((uint64_t)st.st_size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	mhd.add_response_header(r, "Content-Type", serve_content_type(name));
	mhd.add_response_header(r, "Cache-Control", "no-cache");
	mhd.add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ok = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ok;
}

static enum MHD_Result not_found(struct MHD_Connection *c, int root)
{
	int is_dir;
	int fd = open_below(root, "404.html", &is_dir);
	if (fd >= 0 && !is_dir)
		return send_file(c, MHD_HTTP_NOT_FOUND, fd, "404.html");
	if (fd >= 0)
		close(fd);
	return send_text(c, MHD_HTTP_NOT_FOUND,
			 "<!doctype html><title>Nicht gefunden</title>"
			 "<h1>Seite nicht gefunden</h1>\n");
}

/* "." and ".." segments are refused outright: a browser never sends
 * them, so they are an attempt to leave the site. */
static int bad_path(const char *url)
{
	if (url[0] != '/' || strchr(url, '\\'))
		return 1;
	for (const char *p = url; *p; p++) {
		if (*p != '/')
			continue;
		const char *s = p + 1;
		size_t n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return 1;
	}
	return 0;
}

static enum MHD_Result serve_path(struct MHD_Connection *c, int root,
				  const char *url)
{
	int is_dir;
	int fd = open_below(root, url + 1, &is_dir);
	if (fd < 0)
		return not_found(c, root);
	if (!is_dir) {
		const char *name = strrchr(url, '/') + 1;
		return send_file(c, MHD_HTTP_OK, fd, name);
	}
	if (url[strlen(url) - 1] != '/') {
		/* relative links in dir/index.html need the slash */
		close(fd);
		char loc[4200];
		int n = snprintf(loc, sizeof loc, "%s/", url);
		if (n < 0 || (size_t)n >= sizeof loc)
			return send_text(c, MHD_HTTP_URI_TOO_LONG, "<h1>414</h1>\n");
		struct MHD_Response *r = mhd.create_response_from_buffer(
			0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		mhd.add_response_header(r, "Location", loc);
		enum MHD_Result ok = mhd.queue_response(c, MHD_HTTP_MOVED_PERMANENTLY, r);
		mhd.destroy_response(r);
		return ok;
	}
	int f = openat(fd, "index.html", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	close(fd);
	struct stat st;
	if (f < 0 || fstat(f, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (f >= 0)
			close(f);
		return not_found(c, root);
	}
	return send_file(c, MHD_HTTP_OK, f, "index.html");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	const struct serve_opts *o = cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		struct MHD_Response *r = mhd.create_response_from_buffer(
			0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		mhd.add_response_header(r, "Allow", "GET, HEAD");
		enum MHD_Result ok = mhd.queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
		mhd.destroy_response(r);
		return ok;
	}
	if (bad_path(url))
		return send_text(c, MHD_HTTP_BAD_REQUEST, "<h1>400 Bad Request</h1>\n");
	/* per request: after a rebuild "site" is a new directory */
	int root = open(o->site_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				 "<h1>Die Seite wird gerade gebaut</h1>\n");
	enum MHD_Result ok = serve_path(c, root, url);
	close(root);
	return ok;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for signals and changes; rebuild after a quiet period. */
static void loop(const struct serve_opts *o, int sfd, struct watch *w)
{
	int debounce = o->debounce_ms > 0 ? o->debounce_ms : 200;
	long long due = -1;     /* when to rebuild, or -1 */
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = watch_fd(w), .events = POLLIN },
		};
		int timeout = -1;
		if (due >= 0) {
			long long left = due - now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		int n = poll(p, 2, timeout);
		if (n < 0 && errno != EINTR) {
			perror("sitegen serve: poll");
			return;
		}
		if (n > 0 && (p[0].revents & POLLIN)) {
			/* SIGINT or SIGTERM: consume it, so it is not
			 * delivered when the mask is restored */
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) < 0)
				perror("sitegen serve: signalfd");
			return;
		}
		if (n > 0 && (p[1].revents & POLLIN) && watch_read(w) > 0)
			due = now_ms() + debounce;
		if (due >= 0 && now_ms() >= due) {
			due = -1;
			if (o->rebuild && o->rebuild(o->ctx) != 0)
				fprintf(stderr, "sitegen serve: rebuild failed; "
					"still serving the previous site\n");
		}
	}
}

int serve_run(const struct serve_opts *o)
{
	if (mhd_load(&mhd) < 0)
		return -1;
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	/* blocked before MHD starts its thread, which inherits the mask, so
	 * only the signalfd sees them */
	if (pthread_sigmask(SIG_BLOCK, &set, &old) != 0)
		return -1;
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	struct watch *w = sfd >= 0 ? watch_open(o->watch, o->n_watch) : NULL;
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)o->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = NULL;
	/* poll, not the epoll MHD_USE_AUTO picks: with epoll, libmicrohttpd
	 * 0.9.75 keeps a connection whose client sent half a request and
	 * shut its side until the 30 s timeout (fuzz_serve found it); with
	 * poll it sees the end at once, as relayd's daemon does */
	if (w)
		d = mhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
				     (uint16_t)o->port,
				     NULL, NULL, handle, (void *)o,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				     MHD_OPTION_END);
	int rc = -1;
	if (sfd < 0)
		perror("sitegen serve: signalfd");
	else if (!d && w)
		fprintf(stderr, "sitegen serve: cannot listen on 127.0.0.1:%d\n", o->port);
	if (d) {
		const union MHD_DaemonInfo *info =
			mhd.get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
		int port = info ? info->port : o->port;
		if (o->ready)
			o->ready(o->ctx, port);
		else
			fprintf(stderr, "serving http://127.0.0.1:%d/\n", port);
		loop(o, sfd, w);
		mhd.stop_daemon(d);
		rc = 0;
	}
	watch_close(w);
	if (sfd >= 0)
		close(sfd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
