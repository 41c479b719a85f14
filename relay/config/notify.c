/* notify.c - relay.yml's notify section beyond what the key table checks:
 * notify.offices, a mapping of offices ("city/role", the catalogue's city
 * slug and office role) to a mode, and the mode of an office. relayd also
 * holds the offices against the catalogue when it loads it (receive/
 * forms.c cannot: it does not know the configuration's positions). */
#include "config.h"
#include <string.h>
#include "load/load_util.h"
#include "load/yamltree.h"
#include "model/catalog.h"
#include "model/facts.h"

const char *notify_mode_name(unsigned mode)
{
	return mode == NOTIFY_FULL ? "full" : "link";
}

/* "city/role", both slugs (the catalogue's rule), at most 64 bytes each. */
static bool office_syntax_ok(const char *s)
{
	const char *slash = strchr(s, '/');
	if (!slash || slash == s || slash - s > 64 || strlen(slash + 1) > 64)
		return false;
	return is_slug_n(s, (size_t)(slash - s)) && is_slug(slash + 1);
}

static bool mode_of(const char *s, unsigned *mode)
{
	if (!strcmp(s, "link"))
		*mode = NOTIFY_LINK;
	else if (!strcmp(s, "full"))
		*mode = NOTIFY_FULL;
	else
		return false;
	return true;
}

void config_load_notify_offices(struct lctx *l, struct relay_config *c,
				const struct ynode *n)
{
	if (n->kind != YN_MAP) {
		lerr(l, n, "'notify.offices' must be a mapping of offices to modes, "
		     "like \"dorsten/standesamt: full\"");
		return;
	}
	struct notify_office *v = arena_alloc(l->a, (n->n + 1) * sizeof *v);
	size_t count = 0;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *key = n->keys[i], *val = n->items[i];
		if (!office_syntax_ok(key->str)) {
			lerr(l, key, "'%s' in notify.offices is not an office like "
			     "dorsten/standesamt (city slug/office role)", key->str);
			continue;
		}
		const char *m = node_text(l, val, "notify.offices");
		unsigned mode;
		if (!m)
			continue;
		if (!mode_of(m, &mode)) {
			lerr(l, val, "notify.offices '%s' must be link or full", key->str);
			continue;
		}
		v[count++] = (struct notify_office){ key->str, mode, key->line, key->col };
	}
	c->notify.offices = v;
	c->notify.n_offices = count;
}

enum notify_mode config_notify_mode(const struct relay_config *c,
				    const char *city, const char *office)
{
	size_t cl = strlen(city);
	for (size_t i = 0; office && *office && i < c->notify.n_offices; i++) {
		const char *o = c->notify.offices[i].office;
		if (!strncmp(o, city, cl) && o[cl] == '/' && !strcmp(o + cl + 1, office))
			return (enum notify_mode)c->notify.offices[i].mode;
	}
	return (enum notify_mode)c->notify.mode;
}

int config_check_notify(const struct relay_config *c, const struct catalog *cat,
			struct diags *d)
{
	int errors = 0;
	for (size_t i = 0; i < c->notify.n_offices; i++) {
		const struct notify_office *o = &c->notify.offices[i];
		char city[65];
		const char *slash = strchr(o->office, '/');
		size_t n = (size_t)(slash - o->office);
		memcpy(city, o->office, n);     /* syntax checked: n <= 64 */
		city[n] = '\0';
		const struct city *ci = catalog_city(cat, city);
		if (ci && city_office(ci, slash + 1))
			continue;
		diag_add(d, c->file, o->line, o->col, "notify.offices: '%s': %s",
			 o->office, ci ? "the city has no office of that role "
			 "(offices: in its city.yml)" : "the catalogue has no city of that slug");
		errors++;
	}
	return errors;
}
