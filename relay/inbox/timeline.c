/* timeline.c - an application's history as the clerk reads it: from the
 * append-only events, with who changed the status. The relay's own
 * bookkeeping (claims, retries) is left out; its outcome (mailed, failed)
 * is shown, as the office may need to know that a mail never came. */
#include "timeline.h"
#include <string.h>
#include "inbox/status.h"
#include "payment/pay.h"
#include "util/datetime.h"

static const char *job_kind(const struct store_job *jobs, size_t n, long long id)
{
	for (size_t i = 0; i < n; i++)
		if (jobs[i].id == id)
			return jobs[i].kind;
	return "";
}

/* What became of the mail of a document handed in later. */
static const char *later_document_mail(const struct store_event *e,
				       const char **text)
{
	if (!strcmp(e->kind, "delivered"))
		return "Nachgereichte Unterlagen per E-Mail an die Stelle gesendet";
	if (!strcmp(e->kind, "failed")) {
		*text = *e->detail ? e->detail : NULL;
		return "E-Mail zu nachgereichten Unterlagen endgültig gescheitert";
	}
	return NULL;
}

/* A notice of a new message (outbox kinds notice_office, notice_citizen):
 * only its outcome, like the mails'. */
static const char *notice_title(const struct store_event *e, const char *kind)
{
	bool office = !strcmp(kind, "notice_office");
	if (!strcmp(e->kind, "delivered"))
		return office ? "Stelle über neue Nachricht benachrichtigt" :
		       "Antragstellende Person über neue Nachricht benachrichtigt";
	if (!strcmp(e->kind, "failed"))
		return office ? "Benachrichtigung der Stelle nicht zustellbar" :
		       "Benachrichtigung der antragstellenden Person nicht zustellbar";
	return NULL;
}

/* The title and text of one event, or NULL for one not shown. */
static const char *title_of(struct arena *a, const struct store_event *e,
			    const char *kind, const char **text)
{
	bool office = !strcmp(kind, "office");
	*text = NULL;
	if (!strcmp(e->kind, "received"))
		return "Eingegangen";
	if (!strcmp(e->kind, "document")) {
		*text = e->detail;
		return "Unterlagen nachgereicht";
	}
	if (!strcmp(kind, "document"))      /* the mail of a later document */
		return later_document_mail(e, text);
	if (!strncmp(kind, "notice_", 7))   /* the notices of messages */
		return notice_title(e, kind);
	if (!strcmp(e->kind, "message")) {
		bool citizen = !strcmp(e->detail, "citizen");
		*text = *e->actor ? arena_printf(a, "von %s", e->actor) : NULL;
		return citizen ? "Nachricht der antragstellenden Person" :
		       "Nachricht an die antragstellende Person";
	}
	if (!strcmp(e->kind, "rueckfrage")) {
		*text = *e->actor ? arena_printf(a, "von %s", e->actor) : NULL;
		return "Rückfrage an die antragstellende Person";
	}
	if (!strcmp(e->kind, "delivered"))
		return office ? "Per E-Mail an die Stelle gesendet" :
		       "Eingangsbestätigung an die antragstellende Person gesendet";
	if (!strcmp(e->kind, "failed")) {
		*text = *e->detail ? e->detail : NULL;
		return office ? "E-Mail an die Stelle endgültig gescheitert" :
		       "Eingangsbestätigung nicht zustellbar";
	}
	if (!strcmp(e->kind, "payment")) {
		const char *title;
		return pay_event_words(a, e->detail, true, &title, text) ? title : NULL;
	}
	if (!strcmp(e->kind, "resend"))
		return "Erneut zum Versand vorgemerkt";
	if (!strcmp(e->kind, "status")) {
		*text = *e->actor ? arena_printf(a, "von %s", e->actor) : NULL;
		return arena_printf(a, "Status: %s", status_label(e->detail));
	}
	return NULL;
}

int inbox_timeline(struct store *s, struct arena *a, long long id,
		   struct app_step **steps, size_t *n)
{
	struct store_job *jobs = NULL;
	struct store_event *ev = NULL;
	size_t nj = 0, ne = 0;
	*steps = NULL;
	*n = 0;
	if (store_jobs(s, a, id, &jobs, &nj) < 0 || store_events(s, a, id, &ev, &ne) < 0)
		return -1;
	*steps = arena_alloc(a, (ne + 1) * sizeof **steps);
	for (size_t i = 0; i < ne; i++) {
		const char *text, *title = title_of(a, &ev[i],
						    job_kind(jobs, nj, ev[i].job_id), &text);
		if (!title)
			continue;
		char when[64];
		if (de_date_time(when, sizeof when, (time_t)ev[i].at_unix) < 0)
			when[0] = '\0';
		(*steps)[(*n)++] = (struct app_step){ arena_strdup(a, when), title, text };
	}
	return 0;
}
