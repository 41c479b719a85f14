/* feed.h - "Neu im Serviceportal": an Atom 1.0 feed per portal, from the
 * git history of the catalogue (git/history.h).
 *
 * An entry per service whose shared file (content/services/<slug>.yml) or,
 * on a city portal, whose city override (content/cities/<city>/<slug>.yml)
 * was added or changed: "Neu: <title>" when the newest change added the
 * service file, "Geändert: <title>" otherwise. One entry per service (its
 * newest change), newest first, at most max_entries. An entry's date is
 * the commit's, or the day the service became visible on that portal when
 * that is later (available_from, the city's launch). The output depends
 * only on its inputs, never on the clock: the feed's <updated> is its
 * newest entry's date, so two builds of one commit are byte-identical.
 *
 * Written to "feed.xml" (umbrella) and "<city>/feed.xml"; links are
 * absolute (region.base_url), pointing at the pages site.h lays out:
 * leistungen/<slug>.html and <city>/leistungen/<slug>.html. */
#ifndef FEED_H
#define FEED_H
#include <stddef.h>
#include "../model/catalog.h"
#include "../git/history.h"
#include "../util/buf.h"

#define FEED_MAX_DEFAULT 50

struct feed_opts {
	const char *city;       /* city slug; NULL for the umbrella portal */
	const char *date;       /* build date YYYY-MM-DD: services not visible
				 * then are left out; NULL = no filter */
	size_t max_entries;     /* 0 = FEED_MAX_DEFAULT */
	long long updated;      /* the feed's <updated> when it has no entry:
				 * pass the newest change of the content */
	const char *content;    /* repository path of content/ as in the
				 * history's paths; NULL = "content" */
};

/* Appends the feed document to out. 0 ok; -1 when the city is unknown or
 * out is full. */
int feed_render(const struct catalog *c, const struct feed_opts *o,
		const struct history_events *ev, struct buf *out);
#endif
