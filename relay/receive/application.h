/* application.h - the application page's content (relayd's /antrag/<token>):
 * a stored submission and its append-only events, turned into what the
 * citizen reads (render/render_form.h's struct app_view). */
#ifndef APPLICATION_H
#define APPLICATION_H
#include "render/render_form.h"
#include "store/store.h"
#include "util/arena.h"

/* Whether tok has the shape of a private link's token: 24 characters of
 * base64url (144 bits). Anything else is answered 404 without a lookup. */
bool token_shape_ok(const char *tok);

/* The status line of an application as its page says it: the clerk's
 * status (status.h) once one is set ("neu" or NULL: none), else where its
 * mail to the office stands. The Postfach's list says the same. */
const char *application_status(const char *clerk_status, bool office_delivered,
			       bool office_failed);

/* Fills v from sub (loaded with its files' names) and the store's events
 * and jobs of it; every string in arena a. cs (may be NULL: a service since
 * removed) gives the fields' types, so a date answer reads "29.02.2024".
 * 0 ok, -1 when the store failed. */
int application_view(struct store *s, struct arena *a,
		     const struct city_service *cs, const struct submission *sub,
		     struct app_view *v);
#endif
