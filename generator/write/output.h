/* output.h - writing a site atomically. Files are written into a sibling
 * temporary directory of the destination; output_commit() swaps it in with
 * rename(2), so a failed build leaves the old site/ untouched. A file whose
 * bytes equal the file already deployed is hard-linked from there instead
 * of rewritten, so its mtime stays and rsync skips it. */
#ifndef OUTPUT_H
#define OUTPUT_H
#include <stddef.h>
#include "../util/diag.h"

struct output;
struct buf;

struct output_stats {
	size_t written, unchanged, removed;
};

/* dest: "site". NULL (with a diagnostic) when the temp dir cannot be made.
 * dry_run: nothing is written at all (sitegen check). */
struct output *output_open(const char *dest, int dry_run, struct diags *d);
/* Diagnostics of the writes go to d from now on: output_open may run on a
 * thread of its own, with diagnostics of its own. */
void output_set_diags(struct output *o, struct diags *d);
/* Incremental builds. key: 40 hex chars summarising every input of the
 * page (content file ids, template ids, options). When the previous build
 * wrote rel under the same key and the file is still there, it is reused
 * (hard-linked, counted unchanged) and 1 is returned: the caller skips
 * rendering. 0: render it and call output_write_buf. The keys are kept
 * in <dest>/.sitegen-cache for the next build. */
int output_reuse(struct output *o, const char *relpath, const char *key);
/* output_reuse of n pages at once (the pages of one service: one taking
 * of the writer's lock, not one per page), each result in res[j]. At
 * most OUT_REUSE_MAX pages; the rest get 0 (render them). */
#define OUT_REUSE_MAX 64
void output_reuse_many(struct output *o, size_t n, const char *const relpath[],
		       const char *const key[], int res[]);
/* Writes the page built in b (util/buf.h) as relpath, like
 * "dorsten/leistungen/hundeanmeldung.html"; parent dirs are created.
 * Thread-safe. 0 ok, -1 after a diagnostic. Writing the same path twice is
 * an error (two pages claiming one URL). b is checked once here: when an
 * append did not fit (buf_failed) the page is cut off, so it is not
 * written and the build fails. key: as for output_reuse, or NULL. */
int output_write_buf(struct output *o, const char *relpath, const struct buf *b,
		     const char *key);
/* A file written in pieces: the search indexes and sitemaps, megabytes
 * each at scale, are never held whole in memory. Append to
 * output_stream_buf() and call output_stream_flush() now and then; the
 * bytes are compared with the deployed file as they come, and only once
 * they differ is the new file written (so an unchanged file is
 * hard-linked as with output_write_buf). Not for HTML: pages are written
 * whole, because their links are checked. key: as for output_write_buf.
 * Open: NULL after a diagnostic. Each stream is used by one thread. */
struct output_stream;
struct output_stream *output_stream_open(struct output *o, const char *relpath,
					 const char *key);
struct buf *output_stream_buf(struct output_stream *s);
/* Passes the buffer on once it holds a piece worth a write. 0 ok, -1
 * after a diagnostic (also when an append to the buffer failed). */
int output_stream_flush(struct output_stream *s);
/* Passes the rest on and finishes the file; frees s. 0 ok, -1 after a
 * diagnostic. */
int output_stream_close(struct output_stream *s);

/* Pages whose rendering was skipped through output_reuse. */
size_t output_skipped(struct output *o);

/* Every relative href/src of the HTML written must name a file of this
 * build; each broken link is reported once (with a page citing it). Pages
 * reused through output_reuse were checked when they were rendered.
 * 0 ok, -1 after diagnostics. */
int output_check_links(struct output *o, struct diags *d);

/* Swap the new tree in. 0 ok. Frees o. */
int output_commit(struct output *o, struct output_stats *st, struct diags *d);
/* Throw the temporary tree away. Frees o. */
void output_abort(struct output *o);
#endif
