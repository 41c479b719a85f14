/* feed.c - see feed.h. */
#include "feed.h"
#include "../util/arena.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cand {
	const struct service *svc;
	long long time;         /* when it showed on the portal */
	long long commit_time;
	bool is_new;
	const char *commit;
};

/* Escape for XML text and attribute values. Control characters are not
 * allowed in XML 1.0 at all (not even as references): drop them. */
static int xml_put(struct buf *b, const char *s)
{
	int rc = 0;
	for (const char *p = s; *p && rc == 0; p++) {
		unsigned char ch = (unsigned char)*p;
		switch (ch) {
		case '&': rc = buf_puts(b, "&amp;"); break;
		case '<': rc = buf_puts(b, "&lt;"); break;
		case '>': rc = buf_puts(b, "&gt;"); break;
		case '"': rc = buf_puts(b, "&quot;"); break;
		case '\'': rc = buf_puts(b, "&apos;"); break;
		default:
			if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
				continue;
			if (ch == 0x7f)
				continue;
			rc = buf_putc(b, (char)ch);
		}
	}
	return rc;
}

/* RFC 3339 in UTC, as Atom wants. */
static int put_time(struct buf *b, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];
	if (!gmtime_r(&tt, &tm) || strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return buf_puts(b, s);
}

/* Seconds at 00:00 UTC of a YYYY-MM-DD date; 0 for "" or a bad date. */
static long long day_start(const char *date)
{
	struct tm tm = {0};
	if (!date || strlen(date) != 10)
		return 0;
	char *end = strptime(date, "%Y-%m-%d", &tm);
	if (!end || *end)
		return 0;
	return (long long)timegm(&tm);
}

/* The host part of an absolute URL, for tag: ids ("example.org"). */
static void url_host(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strcspn(p, "/:?#");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	if (n == 0)
		snprintf(out, cap, "localhost");
}

/* The service slug an event's path names for this feed, or NULL: shared
 * files "<content>/services/<slug>.yml" on every portal, overrides
 * "<content>/cities/<city>/<slug>.yml" on that city's. */
static const char *event_slug(const char *path, const char *content,
			      const char *city, bool *shared, char *slug,
			      size_t cap)
{
	size_t cl = strlen(content);
	if (strncmp(path, content, cl) != 0 || path[cl] != '/')
		return NULL;
	const char *rest = path + cl + 1;
	if (strncmp(rest, "services/", 9) == 0) {
		rest += 9;
		*shared = true;
	} else if (city && strncmp(rest, "cities/", 7) == 0 &&
		   strncmp(rest + 7, city, strlen(city)) == 0 &&
		   rest[7 + strlen(city)] == '/') {
		rest += 7 + strlen(city) + 1;
		*shared = false;
	} else {
		return NULL;
	}
	size_t n = strlen(rest);
	if (n <= 4 || strcmp(rest + n - 4, ".yml") != 0 || memchr(rest, '/', n) ||
	    n - 4 >= cap)
		return NULL;
	memcpy(slug, rest, n - 4);
	slug[n - 4] = '\0';
	if (!*shared && strcmp(slug, "city") == 0)
		return NULL;
	return slug;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return strcmp(x->svc->slug, y->svc->slug);
}

/* Newest change per service among the events that concern this feed. */
static void gather(const struct catalog *c, const struct feed_opts *o,
		   const struct history_events *ev, struct cand *cands)
{
	const char *content = o->content ? o->content : "content";
	char slug[256];
	for (size_t i = 0; i < ev->n; i++) {
		const struct history_event *e = &ev->v[i];
		bool shared;
		if (e->kind == HISTORY_DELETED ||
		    !event_slug(e->path, content, o->city, &shared, slug, sizeof slug))
			continue;
		const struct service *svc = catalog_service(c, slug);
		if (!svc)
			continue;       /* since removed, or not a service */
		struct cand *k = &cands[svc - c->services];
		if (k->svc && k->commit_time >= e->time)
			continue;
		k->svc = svc;
		k->time = k->commit_time = e->time;
		k->is_new = shared && e->kind == HISTORY_ADDED;
		k->commit = e->commit;
	}
}

/* Drop what the portal does not show on o->date; move an entry to the
 * day it became visible when that is after its commit. */
static size_t visible(const struct catalog *c, const struct feed_opts *o,
		      const struct city *city, struct cand *cands)
{
	const struct override **ovs = NULL;
	if (city) {
		ovs = xcalloc(c->n_services ? c->n_services : 1, sizeof *ovs);
		for (size_t i = 0; i < c->n_overrides; i++) {
			const struct override *ov = &c->overrides[i];
			const struct service *s = strcmp(ov->city, city->slug) == 0 ?
				catalog_service(c, ov->service) : NULL;
			if (s)
				ovs[s - c->services] = ov;
		}
	}
	long long launch = city ? day_start(city->launch) : 0;
	size_t n = 0;
	for (size_t i = 0; i < c->n_services; i++) {
		struct cand k = cands[i];
		if (!k.svc)
			continue;
		const struct override *ov = ovs ? ovs[i] : NULL;
		if (ov && ov->has_offered && !ov->offered)
			continue;
		const char *from = ov && ov->available_from ? ov->available_from :
				   k.svc->available_from;
		const char *until = ov && ov->available_until ? ov->available_until :
				    k.svc->available_until;
		if (o->date && (!date_in_window(o->date, from, until) ||
				(city && city->launch && *city->launch &&
				 strcmp(city->launch, o->date) > 0)))
			continue;
		long long since = day_start(from);
		if (launch > since)
			since = launch;
		if (since > k.time)
			k.time = since;
		cands[n++] = k;
	}
	free(ovs);
	return n;
}

static int put_entry(struct buf *b, const struct catalog *c,
		     const struct city *city, const char *host,
		     const struct cand *k)
{
	const struct service *s = k->svc;
	const struct category *cat = catalog_category(c, s->category);
	char day[11];
	time_t tt = (time_t)k->commit_time;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(day, sizeof day, "%Y-%m-%d", &tm) == 0)
		return -1;
	int rc = buf_puts(b, "  <entry>\n    <title>");
	rc |= buf_puts(b, k->is_new ? "Neu: " : "Geändert: ");
	rc |= xml_put(b, s->title);
	rc |= buf_puts(b, "</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"");
	rc |= xml_put(b, c->region.base_url);
	rc |= buf_putc(b, '/');
	if (city) {
		rc |= xml_put(b, city->slug);
		rc |= buf_putc(b, '/');
	}
	rc |= buf_puts(b, "leistungen/");
	rc |= xml_put(b, s->slug);
	rc |= buf_puts(b, ".html\"/>\n    <id>tag:");
	rc |= xml_put(b, host);
	rc |= buf_printf(b, ",%s:", day);
	rc |= xml_put(b, city ? city->slug : "portal");
	rc |= buf_putc(b, '/');
	rc |= xml_put(b, s->slug);
	rc |= buf_printf(b, "/%.12s</id>\n    <updated>", k->commit);
	rc |= put_time(b, k->time);
	rc |= buf_puts(b, "</updated>\n");
	if (cat) {
		rc |= buf_puts(b, "    <category term=\"");
		rc |= xml_put(b, cat->slug);
		rc |= buf_puts(b, "\" label=\"");
		rc |= xml_put(b, cat->name);
		rc |= buf_puts(b, "\"/>\n");
	}
	rc |= buf_puts(b, "    <summary>");
	rc |= xml_put(b, s->summary);
	rc |= buf_puts(b, "</summary>\n  </entry>\n");
	return rc ? -1 : 0;
}

/* "<base>/<dir><file>", XML-escaped: an absolute URL of a portal page. */
static int portal_url(struct buf *b, const char *base, const char *dir, const char *file)
{
	int rc = xml_put(b, base);
	rc |= buf_putc(b, '/');
	rc |= xml_put(b, dir);
	rc |= xml_put(b, file);
	return rc;
}

static int put_head(struct buf *b, const struct catalog *c,
		    const struct city *city, long long updated)
{
	const char *base = c->region.base_url;
	int rc = buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			  "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">\n"
			  "  <title>Neu im Serviceportal – ");
	rc |= xml_put(b, city ? city->name : c->region.short_name);
	rc |= buf_puts(b, "</title>\n  <subtitle>Neue und geänderte Leistungen</subtitle>\n"
		       "  <link rel=\"self\" type=\"application/atom+xml\" href=\"");
	char dir[200];
	int n = snprintf(dir, sizeof dir, "%s%s", city ? city->slug : "", city ? "/" : "");
	if (n < 0 || (size_t)n >= sizeof dir)
		return -1;
	rc |= portal_url(b, base, dir, "feed.xml");
	rc |= buf_puts(b, "\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"");
	rc |= portal_url(b, base, dir, "index.html");
	rc |= buf_puts(b, "\"/>\n  <id>");
	rc |= portal_url(b, base, dir, "feed.xml");
	rc |= buf_puts(b, "</id>\n  <updated>");
	rc |= put_time(b, updated);
	rc |= buf_puts(b, "</updated>\n  <author><name>");
	rc |= xml_put(b, city ? city->name : c->region.name);
	rc |= buf_puts(b, "</name></author>\n");
	return rc ? -1 : 0;
}

int feed_render(const struct catalog *c, const struct feed_opts *o,
		const struct history_events *ev, struct buf *out)
{
	const struct city *city = NULL;
	if (o->city && !(city = catalog_city(c, o->city)))
		return -1;
	size_t max = o->max_entries ? o->max_entries : FEED_MAX_DEFAULT;
	struct cand *cands = xcalloc(c->n_services ? c->n_services : 1, sizeof *cands);
	gather(c, o, ev, cands);
	size_t n = visible(c, o, city, cands);
	qsort(cands, n, sizeof *cands, cand_cmp);
	if (n > max)
		n = max;
	char host[256];
	url_host(c->region.base_url, host, sizeof host);
	int rc = put_head(out, c, city, n ? cands[0].time : o->updated);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = put_entry(out, c, city, host, &cands[i]);
	if (rc == 0)
		rc = buf_puts(out, "</feed>\n");
	free(cands);
	return rc ? -1 : 0;
}
