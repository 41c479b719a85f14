/* serve.h - `sitegen serve`: preview a built site on 127.0.0.1 and rebuild
 * when content or themes change.
 *
 * HTTP (libmicrohttpd, its own thread) serves the files below site_dir,
 * GET and HEAD only, bound to the loopback address only. Paths are
 * resolved one component at a time with openat(O_NOFOLLOW) from the site
 * directory, reopened per request (a rebuild swaps site/ by rename), so
 * neither "..", nor a symlink, nor a race can reach outside it. A
 * directory serves its index.html; a missing file gets site_dir/404.html
 * with status 404.
 *
 * The calling thread watches the given directories with inotify,
 * recursively, including directories created later, and calls rebuild
 * once changes have been quiet for debounce_ms, so saving ten files is
 * one rebuild. Editor droppings (names starting with '.', ending in '~'
 * or ".swp") are ignored. */
#ifndef SERVE_H
#define SERVE_H
#include <stddef.h>

struct serve_opts {
	const char *site_dir;           /* e.g. "site" */
	int port;                       /* 0: any free port */
	const char *const *watch;       /* e.g. { "content", "themes" } */
	size_t n_watch;
	/* Called in the thread that called serve_run. Its result is only
	 * reported: a failed rebuild keeps serving the old site. */
	int (*rebuild)(void *ctx);
	void *ctx;
	/* Called once the server listens, with the real port. NULL: print
	 * "serving http://127.0.0.1:PORT/" to stderr. */
	void (*ready)(void *ctx, int port);
	int debounce_ms;                /* 0: 200 */
};

/* Runs until SIGINT or SIGTERM: then 0. -1 (after a message on stderr)
 * when the server or the watches cannot be set up. */
int serve_run(const struct serve_opts *o);

/* The Content-Type for a file name (by extension); for tests too. */
const char *serve_content_type(const char *name);
#endif
