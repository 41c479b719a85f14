/* offices.c - a clerk's offices in the catalogue's words: the names for
 * the pages ("Steueramt Dorsten") and the services the list can be
 * filtered by (those with a form whose office is one of the clerk's). */
#include "inbox_int.h"
#include <string.h>

/* The office's name from the catalogue; "city/role" when it is gone. */
static const char *office_name(struct inbox_req *q, const struct store_office *o)
{
	const struct catalog *cat = q->env->forms ? q->env->forms->cat : NULL;
	const struct city *ci = cat ? catalog_city(cat, o->city) : NULL;
	const struct office *of = ci ? city_office(ci, o->role) : NULL;
	return of ? of->name : arena_printf(&q->a, "%s/%s", o->city, o->role);
}

const char *inbox_offices_text(struct inbox_req *q, const struct store_clerk *k)
{
	const char *s = "";
	for (size_t i = 0; i < k->n_offices; i++)
		s = arena_printf(&q->a, "%s%s%s", s, i ? ", " : "",
				 office_name(q, &k->offices[i]));
	return s;
}

struct inbox_user inbox_user_of(struct inbox_req *q, const struct store_session *s)
{
	return (struct inbox_user){
		.name = s->clerk.username,
		.offices = inbox_offices_text(q, &s->clerk),
		.csrf = s->csrf,
		.logout_action = inbox_url(q, "abmelden"),
	};
}
