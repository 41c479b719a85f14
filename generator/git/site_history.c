/* site_history.c - see site_history.h. */
#include "site_history.h"
#include "git_source.h"
#include "../util/arena.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const top_files[] = {
	"region.yml", "categories.yml", "links.yml",
};

/* "<content>/<rel>" into a malloc'd string. */
static char *join(const char *content, const char *rel)
{
	size_t n = strlen(content) + strlen(rel) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s", content, rel);
	return p;
}

int site_history_open(struct site_history *sh, struct source *src,
		      const struct catalog *c, const char *content_dir,
		      struct diags *d)
{
	memset(sh, 0, sizeof *sh);
	/* history paths are repository paths: the source's own prefix
	 * (a project in a subdirectory) comes first */
	const char *prefix = source_git_prefix(src);
	size_t n = strlen(prefix) + strlen(content_dir) + 1;
	sh->content = xmalloc(n);
	snprintf(sh->content, n, "%s%s", prefix, content_dir);
	for (size_t l = strlen(sh->content); l > 1 && sh->content[l - 1] == '/'; l--)
		sh->content[l - 1] = '\0';
	struct objects *objs = source_git_objects(src);
	const git_oid *commit = source_git_commit(src);
	if (!objs || !commit)
		return 0;

	size_t max = 3 + c->n_services + c->n_overrides + c->n_cities, k = 0;
	char **paths = xcalloc(max, sizeof *paths);
	for (size_t i = 0; i < 3; i++)
		paths[k++] = join(sh->content, top_files[i]);
	char rel[512];
	for (size_t i = 0; i < c->n_services; i++) {
		snprintf(rel, sizeof rel, "services/%s.yml", c->services[i].slug);
		paths[k++] = join(sh->content, rel);
	}
	for (size_t i = 0; i < c->n_overrides; i++) {
		snprintf(rel, sizeof rel, "cities/%s/%s.yml", c->overrides[i].city,
			 c->overrides[i].service);
		paths[k++] = join(sh->content, rel);
	}
	for (size_t i = 0; i < c->n_cities; i++) {
		snprintf(rel, sizeof rel, "cities/%s/city.yml", c->cities[i].slug);
		paths[k++] = join(sh->content, rel);
	}
	sh->h = history_compute(objs, source_git_is_shallow(src), commit, (const char *const *)paths, k, d);
	for (size_t i = 0; i < k; i++)
		free(paths[i]);
	free(paths);
	return sh->h ? 0 : -1;
}

long long site_history_file(const struct site_history *sh, const char *rel)
{
	if (!sh->h)
		return 0;
	char *p = join(sh->content, rel);
	long long t = history_time(sh->h, p);
	free(p);
	return t;
}

long long site_history_change(const struct site_history *sh, const char *rel,
			      const char **commit)
{
	*commit = NULL;
	if (!sh->h)
		return 0;
	char *p = join(sh->content, rel);
	long long t = history_time(sh->h, p);
	*commit = history_commit(sh->h, p);
	free(p);
	return t;
}

long long site_history_service(const struct site_history *sh,
			       const char *city, const char *service)
{
	char rel[512];
	int n = snprintf(rel, sizeof rel, "services/%s.yml", service);
	if (n < 0 || (size_t)n >= sizeof rel)
		return 0;
	long long t = site_history_file(sh, rel);
	if (city) {
		n = snprintf(rel, sizeof rel, "cities/%s/%s.yml", city, service);
		if (n > 0 && (size_t)n < sizeof rel) {
			long long o = site_history_file(sh, rel);
			if (o > t)
				t = o;
		}
	}
	return t;
}

void site_history_events(const struct site_history *sh,
			 struct history_events *ev)
{
	if (sh->h) {
		history_events(sh->h, ev);
	} else {
		ev->v = NULL;
		ev->n = 0;
	}
}

void site_history_close(struct site_history *sh)
{
	history_free(sh->h);
	free(sh->content);
	memset(sh, 0, sizeof *sh);
}
