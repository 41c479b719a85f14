/* site_history.h - the git history a build of a loaded catalogue needs, in
 * one call: "Stand" dates of service pages and the events for the feeds.
 *
 *   struct site_history sh;
 *   if (site_history_open(&sh, src, cat, "content", d) < 0) fail;
 *   long long t = site_history_service(&sh, "dorsten", "hundeanmeldung");
 *   ... feed_opts.content = sh.content; site_history_events(&sh, &ev) ...
 *   site_history_close(&sh);
 *
 * For a source that is not a commit (the working tree, a bare tree id)
 * there is no history: open succeeds with sh.h == NULL and every date is
 * 0 (the caller then shows no date, or the build date). */
#ifndef SITE_HISTORY_H
#define SITE_HISTORY_H
#include "history.h"
#include "../load/source.h"
#include "../model/catalog.h"

struct site_history {
	struct history *h;      /* NULL: no history for this source */
	char *content;          /* repository path of the content directory,
				 * e.g. "content"; for feed_opts.content */
};

/* Walks the history once for every service file, override, city.yml and
 * the top-level content files. 0 ok; -1 after a diagnostic. */
int site_history_open(struct site_history *sh, struct source *src,
		      const struct catalog *c, const char *content_dir,
		      struct diags *d);
/* The "Stand" of a service page: the newest commit time of its shared
 * file and, on a city portal (city != NULL), the city's override of it.
 * 0 when unknown. */
long long site_history_service(const struct site_history *sh,
			       const char *city, const char *service);
/* Last change of any file below the content directory (e.g.
 * "cities/dorsten/city.yml"); 0 when unknown. */
long long site_history_file(const struct site_history *sh, const char *rel);
/* Like site_history_file, and *commit: the full id of that commit (NULL
 * when unknown). Owned by the history. */
long long site_history_change(const struct site_history *sh, const char *rel,
			      const char **commit);
/* Feed events (empty without history). */
void site_history_events(const struct site_history *sh,
			 struct history_events *ev);
void site_history_close(struct site_history *sh);
#endif
