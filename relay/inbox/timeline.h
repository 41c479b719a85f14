/* timeline.h - an application's history for the clerk's detail page. */
#ifndef INBOX_TIMELINE_H
#define INBOX_TIMELINE_H
#include "render/render_form.h"
#include "store/store.h"

/* The steps of submission id, oldest first, into arena a (German times,
 * status changes with the clerk who made them). 0 ok, -1 store error. */
int inbox_timeline(struct store *s, struct arena *a, long long id,
		   struct app_step **steps, size_t *n);
#endif
