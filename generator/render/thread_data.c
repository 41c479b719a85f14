/* thread_data.c - the messages between citizen and office as template
 * data (partial themes/default/thread.mustache), the same for the
 * citizen's application page and the clerk's detail page. */
#include <stdio.h>
#include "render_int.h"

static struct mval *messages(struct arena *a, const struct app_thread *t)
{
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < t->n_messages; i++) {
		const struct app_message *m = &t->messages[i];
		struct mval *v = mv_map(a);
		/* every key on every message: a missing one would be looked
		 * up in the enclosing thread */
		mset(a, v, "id", arena_printf(a, "%lld", m->id));
		mset(a, v, "author", m->author);
		mset(a, v, "when", m->when);
		mset(a, v, "kind_label", m->kind_label ? m->kind_label : "");
		mset(a, v, "body", m->body);
		mv_set_bool(a, v, "own", m->own);
		mv_set_bool(a, v, "question", m->kind_label != NULL);
		mv_push(a, l, v);
	}
	return l;
}

/* A key that is false when s is NULL: never left unset, or the partial
 * would find the page's key of the same name ("notice", "error"). */
static void opt(struct arena *a, struct mval *m, const char *key, const char *s)
{
	if (s)
		mset(a, m, key, s);
	else
		mv_set_bool(a, m, key, false);
}

void thread_data(struct page *pg, const struct app_thread *t)
{
	struct arena *a = pg->a;
	if (!t)
		return;
	struct mval *m = mv_map(a);
	mv_set(a, m, "messages", messages(a, t));
	mv_set_bool(a, m, "has_messages", t->n_messages > 0);
	mset(a, m, "last_id", arena_printf(a, "%lld", t->last_id));
	mset(a, m, "action", t->action);
	mset(a, m, "csrf", t->csrf);
	mset(a, m, "label", t->label);
	opt(a, m, "hint", t->hint);
	mset(a, m, "button", t->button);
	mset(a, m, "text", t->text ? t->text : "");
	opt(a, m, "error", t->error);
	opt(a, m, "notice", t->notice);
	opt(a, m, "empty", t->empty);
	mv_set_bool(a, m, "clerk", t->clerk);
	mv_set_bool(a, m, "rueckfrage", t->rueckfrage);
	opt(a, m, "poll_url", t->poll_url);
	mv_set(a, pg->data, "thread", m);
	if (t->poll_url)
		mset(a, pg->data, "thread_script",
		     arena_printf(a, "%sassets/thread.js", pg->root));
}
