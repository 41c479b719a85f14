/* detail.c - one application under /amt/antrag/<id>: the page, its
 * attachments for download, and the status change. Every one of them
 * loads the application through store_inbox_load with the clerk's
 * offices, so an id of another office is "not found" exactly like an
 * unknown one: the same 404, the same page. */
#include "inbox_int.h"
#include "identity/identity.h"
#include "payment/pay.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "inbox/status.h"
#include "inbox/timeline.h"
#include "model/facts.h"
#include "receive/log.h"
#include "receive/thread.h"
#include "util/datetime.h"

#define NOT_HERE "Diesen Antrag gibt es nicht, oder er gehört nicht zu Ihren Stellen."

struct target {
	long long id;
	enum { T_PAGE, T_FILE, T_STATUS, T_MESSAGE } what;
	long file;              /* T_FILE: 1-based */
};

/* "<id>", "<id>/datei/<n>", "<id>/status", "<id>/nachricht"; false for
 * anything else. */
static bool parse_target(const char *rest, struct target *t)
{
	size_t nd = strspn(rest, "0123456789");
	if (nd == 0 || nd > 18 || rest[0] == '0')
		return false;
	t->id = strtoll(rest, NULL, 10);
	const char *tail = rest + nd;
	t->what = T_PAGE;
	if (!*tail)
		return true;
	if (!strcmp(tail, "/status")) {
		t->what = T_STATUS;
		return true;
	}
	if (!strcmp(tail, "/nachricht")) {
		t->what = T_MESSAGE;
		return true;
	}
	if (strncmp(tail, "/datei/", 7))
		return false;
	tail += 7;
	size_t nf = strspn(tail, "0123456789");
	if (nf == 0 || nf > 3 || tail[nf] || tail[0] == '0')
		return false;
	t->what = T_FILE;
	t->file = strtol(tail, NULL, 10);
	return true;
}

/* The application if it is one of the clerk's, or the answer (404, 503)
 * queued in *r. */
static struct submission *load(struct inbox_req *q, struct MHD_Connection *c,
			       const struct store_session *s, long long id,
			       bool files, const char **status, enum MHD_Result *r)
{
	struct submission *sub = NULL;
	int rc = store_inbox_load(q->env->store, &q->a, id, s->clerk.offices,
				  s->clerk.n_offices, files, &sub, status);
	if (rc == 0)
		return sub;
	*r = rc < 0 ? inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "Der Posteingang ist gerade nicht erreichbar.", "60") :
		      inbox_error(q, c, MHD_HTTP_NOT_FOUND, NOT_HERE, NULL);
	return NULL;
}

/* ---- the page ---- */

static const char *size_text(struct inbox_req *q, size_t n)
{
	if (n < 1024)
		return arena_printf(&q->a, "%zu Byte", n);
	if (n < (size_t)1 << 20)
		return arena_printf(&q->a, "%zu KB", (n + 1023) >> 10);
	return arena_printf(&q->a, "%.1f MB", (double)n / (1 << 20));
}

/* When a document was handed in later; NULL for the form's own files. */
static const char *added_text(struct inbox_req *q, const struct sub_file *f)
{
	char when[64];
	if (!f->added_unix || de_date_time(when, sizeof when, (time_t)f->added_unix) < 0)
		return NULL;
	return arena_strdup(&q->a, when);
}

static void fill_files(struct inbox_req *q, const struct submission *sub,
		       struct inbox_detail_view *v)
{
	struct inbox_file_view *f = arena_alloc(&q->a, (sub->n_files + 1) * sizeof *f);
	for (size_t i = 0; i < sub->n_files; i++)
		f[i] = (struct inbox_file_view){
			.label = sub->files[i].label, .name = sub->files[i].filename,
			.href = inbox_url(q, arena_printf(&q->a, "antrag/%lld/datei/%zu",
							  sub->id, i + 1)),
			.type = upload_label(sub->files[i].mime),
			.size = size_text(q, sub->files[i].len),
			.added = added_text(q, &sub->files[i]),
		};
	v->files = f;
	v->n_files = sub->n_files;
}

static void fill_statuses(struct inbox_req *q, const char *current,
			  struct inbox_detail_view *v)
{
	struct inbox_option *o = arena_alloc(&q->a, 8 * sizeof *o);
	size_t n = 0;
	for (size_t i = 0; store_statuses[i] && n < 8; i++)
		if (store_status_settable(store_statuses[i]))
			o[n++] = (struct inbox_option){ store_statuses[i],
				status_label(store_statuses[i]),
				!strcmp(store_statuses[i], current) };
	v->statuses = o;
	v->n_statuses = n;
}

static const char *city_name(struct inbox_req *q, const struct submission *sub)
{
	const struct city *ci = catalog_city(q->env->forms->cat, sub->city);
	return ci ? ci->name : sub->city_name;
}

/* The messages part (receive/thread.h): the thread as the clerk reads it
 * and the form, with what a refused message post left (m: NULL none). */
struct message_state {
	const char *error, *text;
	bool rueckfrage;
};

static struct app_thread *thread_of(struct inbox_req *q, struct MHD_Connection *c,
				    const struct store_session *s,
				    const struct submission *sub,
				    const struct message_state *m)
{
	struct app_thread *t = arena_alloc(&q->a, sizeof *t);
	memset(t, 0, sizeof *t);
	if (thread_load(q->env->store, &q->a, sub, true, 0, t) < 0)
		return NULL;
	/* no fragment: a 422 page would not focus its error summary */
	t->action = inbox_url(q, arena_printf(&q->a, "antrag/%lld/nachricht", sub->id));
	t->csrf = s->csrf;
	t->label = "Text";
	t->hint = "Höchstens 5.000 Zeichen. Die antragstellende Person erhält, wenn "
		  "sie eine E-Mail-Adresse angegeben hat, eine E-Mail ohne den Text, "
		  "dass eine neue Nachricht da ist.";
	t->button = "Senden";
	t->clerk = true;
	t->empty = "Noch keine Nachrichten.";
	t->text = m && m->text ? m->text : "";
	t->error = m ? m->error : NULL;
	t->rueckfrage = m && m->rueckfrage;
	t->poll_url = NULL;     /* the clerk reloads; the citizen's page polls */
	if (inbox_arg(c, "gesendet") && !t->error)
		t->notice = "Ihre Nachricht ist gesendet.";
	return t;
}

/* The detail page; status_error set when a status change was refused, m
 * when a message was. */
static enum MHD_Result page_with(struct inbox_req *q, struct MHD_Connection *c,
				 const struct store_session *s,
				 const struct submission *sub, const char *status,
				 unsigned code, const char *status_error,
				 const struct message_state *m)
{
	struct inbox_detail_view v = {
		.user = inbox_user_of(q, s), .list_href = inbox_url(q, ""),
		.reference = sub->reference, .service = sub->service_title,
		.city = city_name(q, sub), .office = sub->office_name,
		.status = status_label(status), .status_error = status_error,
		.status_action = inbox_url(q, arena_printf(&q->a, "antrag/%lld/status",
							   sub->id)),
	};
	char when[64];
	de_stamp(sub->received_at, when, sizeof when);
	v.received = arena_strdup(&q->a, when);
	v.identity = identity_note(&q->a, sub);
	v.payment = pay_state_line(q->env->store, &q->a, sub->id);
	if (inbox_arg(c, "gespeichert") && !status_error)
		v.notice = arena_printf(&q->a, "Der Status ist gespeichert: „%s“.",
					status_label(status));
	struct app_answer *ans = arena_alloc(&q->a, (sub->n_fields + 1) * sizeof *ans);
	for (size_t i = 0; i < sub->n_fields; i++)
		ans[i] = (struct app_answer){ sub->fields[i].label, sub->fields[i].value };
	v.answers = ans;
	v.n_answers = sub->n_fields;
	fill_files(q, sub, &v);
	fill_statuses(q, status, &v);
	struct app_step *steps = NULL;
	if (inbox_timeline(q->env->store, &q->a, sub->id, &steps, &v.n_steps) < 0)
		return inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "Der Posteingang ist gerade nicht erreichbar.", "60");
	v.steps = steps;
	v.thread = thread_of(q, c, s, sub, m);
	if (!v.thread)
		return inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "Der Posteingang ist gerade nicht erreichbar.", "60");
	struct buf b;
	struct diags d;
	buf_init(&b, INBOX_PAGE_MAX);
	diags_init(&d);
	int rc = render_inbox_detail(q->env->forms->renderer, &v, &b, &d);
	diags_free(&d);
	enum MHD_Result r = rc < 0 ?
		inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "Der Antrag kann gerade nicht angezeigt werden.", "60") :
		inbox_page(q, c, code, &b, NULL);
	if (rc < 0)
		relay_log("error", "render_failed", "page=inbox_detail");
	buf_free(&b);
	return r;
}

static enum MHD_Result page(struct inbox_req *q, struct MHD_Connection *c,
			    const struct store_session *s, const struct submission *sub,
			    const char *status, unsigned code, const char *status_error)
{
	return page_with(q, c, s, sub, status, code, status_error, NULL);
}

/* ---- download ---- */

/* Stored names are generated ("<field>-<n>.<ext>"); a header gets only
 * these characters all the same. */
static const char *safe_name(struct inbox_req *q, const char *name)
{
	char *s = arena_strdup(&q->a, *name ? name : "datei");
	for (char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p))
			*p = '_';
	return s;
}

static enum MHD_Result download(struct inbox_req *q, struct MHD_Connection *c,
				const struct submission *sub, long n)
{
	if (n < 1 || (size_t)n > sub->n_files)
		return inbox_error(q, c, MHD_HTTP_NOT_FOUND, "Diese Datei gibt es nicht.",
				   NULL);
	const struct sub_file *f = &sub->files[n - 1];
	/* the type checked by content at receipt; anything else is bytes */
	const char *mime = upload_type_by_mime(f->mime) ? f->mime : "application/octet-stream";
	struct inbox_answer a = {
		.status = MHD_HTTP_OK, .ctype = mime, .body = f->data, .len = f->len,
		.disposition = arena_printf(&q->a, "attachment; filename=\"%s\"",
					    safe_name(q, f->filename)),
		.plain_csp = true,
	};
	return inbox_send(q, c, &a);
}

/* ---- status change ---- */

static enum MHD_Result change_status(struct inbox_req *q, struct MHD_Connection *c,
				     const struct store_session *s,
				     const struct submission *sub, const char *current)
{
	const char *want = inbox_field(q, "status");
	if (!store_status_settable(want))
		return page(q, c, s, sub, current, MHD_HTTP_UNPROCESSABLE_CONTENT,
			    "Wählen Sie den neuen Status aus");
	int rc = store_set_status(q->env->store, sub->id, want, s->clerk.username,
				  (long long)time(NULL));
	if (rc < 0)
		return inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Der Status konnte "
				   "nicht gespeichert werden. Bitte versuchen Sie es "
				   "erneut.", "60");
	if (rc == 1)
		return inbox_error(q, c, MHD_HTTP_NOT_FOUND, NOT_HERE, NULL);
	relay_log("info", "inbox_status", "user=%s id=%lld status=%s",
		  s->clerk.username, sub->id, want);
	return inbox_redirect(q, c, arena_printf(&q->a, "antrag/%lld?gespeichert=1",
						 sub->id), NULL, NULL);
}

/* ---- a message or Rückfrage to the citizen ---- */

static enum MHD_Result send_message(struct inbox_req *q, struct MHD_Connection *c,
				    const struct store_session *s,
				    const struct submission *sub, const char *current)
{
	const char *art = inbox_field(q, "art");
	struct message_state m = { .rueckfrage = art && !strcmp(art, "rueckfrage") };
	if (!art || (strcmp(art, "nachricht") && !m.rueckfrage))
		return inbox_error(q, c, MHD_HTTP_BAD_REQUEST, "Das Formular enthält "
				   "Angaben, die es nicht gibt.", NULL);
	m.error = thread_check(&q->a, inbox_field(q, "nachricht"), &m.text);
	if (m.error)
		return page_with(q, c, s, sub, current, MHD_HTTP_UNPROCESSABLE_CONTENT,
				 NULL, &m);
	struct store_message msg = { .at_unix = (long long)time(NULL),
		.author = "clerk", .actor = s->clerk.username,
		.kind = m.rueckfrage ? "rueckfrage" : "message", .body = m.text };
	long long id = 0;
	int rc = store_message_add(q->env->store, sub->id, &msg, &id);
	if (rc < 0)
		return inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Die Nachricht "
				   "konnte nicht gespeichert werden. Bitte versuchen Sie "
				   "es erneut.", "60");
	if (rc == 1)
		return inbox_error(q, c, MHD_HTTP_NOT_FOUND, NOT_HERE, NULL);
	if (q->env->wake)       /* the notice goes out now */
		q->env->wake(q->env->wake_ctx);
	relay_log("info", "message", "author=clerk user=%s submission=%lld message=%lld "
		  "kind=%s", s->clerk.username, sub->id, id, msg.kind);
	return inbox_redirect(q, c, arena_printf(&q->a, "antrag/%lld?gesendet=1#nachrichten",
						 sub->id), NULL, NULL);
}

enum MHD_Result inbox_detail(struct inbox_req *q, struct MHD_Connection *c,
			     const struct store_session *s, const char *rest)
{
	struct target t = { 0 };
	if (!parse_target(rest, &t) ||
	    q->post != (t.what == T_STATUS || t.what == T_MESSAGE))
		return inbox_error(q, c, MHD_HTTP_NOT_FOUND, NOT_HERE, NULL);
	/* a forged post learns nothing, not even whether the id exists */
	if (q->post && !inbox_csrf_ok(q, s->csrf))
		return inbox_error(q, c, MHD_HTTP_FORBIDDEN, "Das Formular kam nicht von "
				   "dieser Seite oder ist abgelaufen. Bitte laden Sie die "
				   "Seite neu.", NULL);
	const char *status = NULL;
	enum MHD_Result r = MHD_NO;
	struct submission *sub = load(q, c, s, t.id, true, &status, &r);
	if (!sub)
		return r;
	if (t.what == T_FILE)
		return download(q, c, sub, t.file);
	if (t.what == T_STATUS)
		return change_status(q, c, s, sub, status);
	if (t.what == T_MESSAGE)
		return send_message(q, c, s, sub, status);
	return page(q, c, s, sub, status, MHD_HTTP_OK, NULL);
}
