/* inbox_pages.c - the clerks' inbox pages (render_inbox.h) as template
 * data: themes/default/inbox_login, inbox_list and inbox_detail, on the
 * umbrella portal. */
#include "render_inbox.h"
#include <string.h>
#include "render_int.h"

static int finish(struct arena *a, int rc)
{
	arena_free(a);
	return rc;
}

/* Every inbox page: the umbrella's frame, noindex, the crumb back to the
 * list (except on the list itself and the login page). */
static void begin(struct page *pg, struct renderer *r, struct arena *a,
		  const char *title, const char *list_href)
{
	page_begin(pg, r, &r->portals[0], a, MAX_DEPTH, title);
	if (list_href)
		page_crumb(pg, "Posteingang", list_href);
	page_set_title(pg, arena_printf(a, "%s – Posteingang der Behörden", title));
	mv_set_bool(a, pg->data, "noindex", true);
}

static void set_user(struct arena *a, struct mval *m, const struct inbox_user *u)
{
	struct mval *v = mv_map(a);
	mset(a, v, "name", u->name);
	mset_opt(a, v, "offices", u->offices);
	mset(a, v, "csrf", u->csrf);
	mset(a, v, "logout_action", u->logout_action);
	mv_set(a, m, "user", v);
}

static struct mval *options(struct arena *a, const struct inbox_option *o,
			    size_t n, const char *id_prefix)
{
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < n; i++) {
		struct mval *m = mv_map(a);
		mset(a, m, "value", o[i].value);
		mset(a, m, "label", o[i].label);
		mset(a, m, "id", arena_printf(a, "%s-%zu", id_prefix, i + 1));
		mv_set_bool(a, m, "selected", o[i].selected);
		mv_push(a, l, m);
	}
	return l;
}

/* The error summary (partial error_summary): each message linking to its
 * field; the title then starts with "Fehler: " (GOV.UK). */
static void set_errors(struct page *pg, const struct inbox_error *e, size_t n,
		       const char *title)
{
	struct arena *a = pg->a;
	struct mval *l = mv_list(a);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!e[i].message)
			continue;
		struct mval *m = mv_map(a);
		mset(a, m, "href", arena_printf(a, "#%s", e[i].field_id));
		mset(a, m, "message", e[i].message);
		mv_push(a, l, m);
		k++;
	}
	mv_set(a, pg->data, "errors", l);
	mv_set_bool(a, pg->data, "has_errors", k > 0);
	if (k)
		page_set_title(pg, arena_printf(a, "Fehler: %s – Posteingang der Behörden",
						title));
}

int render_inbox_login(struct renderer *r, const struct inbox_login_view *v,
		       struct buf *out, struct diags *d)
{
	struct arena a;
	struct page pg;
	arena_init(&a);
	buf_reset(out);
	begin(&pg, r, &a, "Anmelden", NULL);
	mset(&a, pg.data, "action", v->action);
	mset(&a, pg.data, "csrf", v->csrf);
	mset(&a, pg.data, "username", v->username ? v->username : "");
	mset_opt(&a, pg.data, "user_error", v->user_error);
	mset_opt(&a, pg.data, "password_error", v->password_error);
	mset_opt(&a, pg.data, "notice", v->notice);
	struct inbox_error e[2] = { { "benutzername", v->user_error },
				    { "passwort", v->password_error } };
	set_errors(&pg, e, 2, "Anmelden");
	return finish(&a, page_render(&pg, T_INBOX_LOGIN, out, d));
}

static struct mval *rows(struct arena *a, const struct inbox_list_view *v)
{
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < v->n_rows; i++) {
		const struct inbox_row_view *w = &v->rows[i];
		struct mval *m = mv_map(a);
		mset(a, m, "href", w->href);
		mset(a, m, "reference", w->reference);
		mset(a, m, "received", w->received);
		mset(a, m, "service", w->service);
		mset(a, m, "office", w->office);
		mset(a, m, "status", w->status);
		mv_push(a, l, m);
	}
	return l;
}

int render_inbox_list(struct renderer *r, const struct inbox_list_view *v,
		      struct buf *out, struct diags *d)
{
	struct arena a;
	struct page pg;
	arena_init(&a);
	buf_reset(out);
	begin(&pg, r, &a, "Posteingang", NULL);
	set_user(&a, pg.data, &v->user);
	mset(&a, pg.data, "action", v->action);
	mv_set(&a, pg.data, "statuses", options(&a, v->statuses, v->n_statuses, "status"));
	mv_set(&a, pg.data, "services", options(&a, v->services, v->n_services, "leistung"));
	mset(&a, pg.data, "from", v->from ? v->from : "");
	mset(&a, pg.data, "until", v->until ? v->until : "");
	mset_opt(&a, pg.data, "from_error", v->from_error);
	mset_opt(&a, pg.data, "until_error", v->until_error);
	struct inbox_error e[2] = { { "von", v->from_error }, { "bis", v->until_error } };
	set_errors(&pg, e, 2, "Posteingang");
	mv_set(&a, pg.data, "rows", rows(&a, v));
	mv_set_bool(&a, pg.data, "has_rows", v->n_rows > 0);
	mset(&a, pg.data, "summary", v->summary);
	mset_opt(&a, pg.data, "prev_href", v->prev_href);
	mset_opt(&a, pg.data, "next_href", v->next_href);
	mv_set_bool(&a, pg.data, "has_pages", v->prev_href || v->next_href);
	mset(&a, pg.data, "page_text", v->page_text);
	return finish(&a, page_render(&pg, T_INBOX_LIST, out, d));
}

static struct mval *files(struct arena *a, const struct inbox_detail_view *v)
{
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < v->n_files; i++) {
		const struct inbox_file_view *f = &v->files[i];
		struct mval *m = mv_map(a);
		mset(a, m, "label", f->label);
		mset(a, m, "name", f->name);
		mset(a, m, "href", f->href);
		mset(a, m, "type", f->type);
		mset(a, m, "size", f->size);
		if (f->added)
			mset(a, m, "added", f->added);
		mv_push(a, l, m);
	}
	return l;
}

static struct mval *steps(struct arena *a, const struct inbox_detail_view *v)
{
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < v->n_steps; i++) {
		struct mval *m = mv_map(a);
		mset(a, m, "when", v->steps[i].when);
		mset(a, m, "title", v->steps[i].title);
		mset_opt(a, m, "text", v->steps[i].text);
		mv_set_bool(a, m, "latest", i + 1 == v->n_steps);
		mv_push(a, l, m);
	}
	return l;
}

static struct mval *answers(struct arena *a, const struct inbox_detail_view *v)
{
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < v->n_answers; i++) {
		struct mval *m = mv_map(a);
		mset(a, m, "label", v->answers[i].label);
		/* an empty answer reads as a dash, not as a missing line */
		mset(a, m, "value", *v->answers[i].value ? v->answers[i].value : "–");
		mv_push(a, l, m);
	}
	return l;
}

int render_inbox_detail(struct renderer *r, const struct inbox_detail_view *v,
			struct buf *out, struct diags *d)
{
	struct arena a;
	struct page pg;
	arena_init(&a);
	buf_reset(out);
	const char *title = arena_printf(&a, "Antrag %s", v->reference);
	begin(&pg, r, &a, title, v->list_href);
	set_user(&a, pg.data, &v->user);
	mset(&a, pg.data, "list_href", v->list_href);
	mset(&a, pg.data, "reference", v->reference);
	mset(&a, pg.data, "service", v->service);
	mset(&a, pg.data, "city", v->city);
	mset(&a, pg.data, "office", v->office);
	mset(&a, pg.data, "received", v->received);
	mset_opt(&a, pg.data, "identity", v->identity);
	mset_opt(&a, pg.data, "payment", v->payment);
	mset(&a, pg.data, "status", v->status);
	mv_set(&a, pg.data, "answers", answers(&a, v));
	mv_set(&a, pg.data, "files", files(&a, v));
	mv_set_bool(&a, pg.data, "has_files", v->n_files > 0);
	mv_set(&a, pg.data, "steps", steps(&a, v));
	mset(&a, pg.data, "status_action", v->status_action);
	mv_set(&a, pg.data, "statuses", options(&a, v->statuses, v->n_statuses, "status"));
	mset_opt(&a, pg.data, "status_error", v->status_error);
	mset_opt(&a, pg.data, "notice", v->notice);
	thread_data(&pg, v->thread);
	struct inbox_error e[2] = { { "status-1", v->status_error },
				    { THREAD_FIELD_ID, v->thread ? v->thread->error : NULL } };
	set_errors(&pg, e, 2, title);
	return finish(&a, page_render(&pg, T_INBOX_DETAIL, out, d));
}
