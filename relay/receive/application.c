/* application.c - see application.h. The timeline shows what the citizen
 * can act on: received, handed to the office, receipt sent, and either of
 * them failing, and the statuses the office's clerk set in the inbox (In
 * Bearbeitung, Abgeschlossen, Abgelehnt: inbox/status.h words them), and
 * the documents the citizen handed in later (Unterlagen nachgereicht),
 * and a clerk's Rückfrage (the status then says the office waits for an
 * answer, until the citizen writes, hands in a document or the case is
 * closed). The
 * relay's own bookkeeping (claims, retries, resends) is not shown: a retry
 * is not news to the citizen, a final failure is. */
#include "application.h"
#include <string.h>
#include "inbox/status.h"
#include "payment/pay.h"
#include "model/facts.h"
#include "util/datetime.h"
#include "util/random.h"

bool token_shape_ok(const char *tok)    /* a Postfach link's, a payment's */
{
	return random_token_shape(tok, 24);
}

static const char *job_kind(const struct store_job *jobs, size_t n, long long id)
{
	for (size_t i = 0; i < n; i++)
		if (jobs[i].id == id)
			return jobs[i].kind;
	return "";
}

struct steps {
	struct app_step *v;
	size_t n, cap;
	bool office_delivered, office_failed;
	const char *clerk_status;   /* the latest a clerk set, or NULL */
	bool waiting;               /* a Rückfrage not answered yet */
	const char *payment;        /* the latest payment event's state
				     * ("ausstehend 2250"), or NULL */
};

static void add(struct steps *s, struct arena *a, long long at,
		const char *title, const char *text)
{
	if (s->n == s->cap)
		return;         /* cap is the number of events: cannot happen */
	char when[64];
	if (de_date_time(when, sizeof when, (time_t)at) < 0)
		when[0] = '\0';
	s->v[s->n++] = (struct app_step){ arena_strdup(a, when), title, text };
}

/* One event as the citizen reads it, or nothing. */
static void step_of(struct steps *s, struct arena *a, const struct store_event *e,
		    const char *kind, const struct submission *sub)
{
	bool office = !strcmp(kind, "office"), receipt = !strcmp(kind, "receipt");
	if (!strcmp(e->kind, "received")) {
		add(s, a, e->at_unix, "Eingegangen",
		    "Ihr Antrag ist eingegangen und sicher gespeichert.");
	} else if (!strcmp(e->kind, "delivered") && office) {
		add(s, a, e->at_unix, s->office_delivered ?
		    "Erneut an die zuständige Stelle übermittelt" :
		    "An die zuständige Stelle übermittelt",
		    arena_printf(a, "Ihr Antrag liegt der Stelle „%s“ vor.",
				 sub->office_name));
		s->office_delivered = true;
		s->office_failed = false;
	} else if (!strcmp(e->kind, "delivered") && receipt) {
		add(s, a, e->at_unix, "Eingangsbestätigung gesendet",
		    "an die E-Mail-Adresse, die Sie angegeben haben.");
	} else if (!strcmp(e->kind, "failed") && office) {
		add(s, a, e->at_unix, "Übermittlung gestört",
		    "Ihr Antrag konnte der zuständigen Stelle nicht elektronisch "
		    "zugestellt werden. Bitte wenden Sie sich mit Ihrer "
		    "Vorgangsnummer an die Stelle, die unten genannt ist.");
		s->office_failed = true;
	} else if (!strcmp(e->kind, "status")) {
		add(s, a, e->at_unix, status_label(e->detail),
		    status_citizen_text(e->detail));
		s->clerk_status = e->detail;
		/* a case closed waits for nothing */
		if (strcmp(e->detail, "in_bearbeitung"))
			s->waiting = false;
	} else if (!strcmp(e->kind, "rueckfrage")) {
		add(s, a, e->at_unix, "Rückfrage",
		    "Die zuständige Stelle hat eine Frage an Sie. Sie steht unten "
		    "unter „Nachrichten“; bitte antworten Sie dort.");
		s->waiting = true;
	} else if (!strcmp(e->kind, "message") && !strcmp(e->detail, "citizen")) {
		s->waiting = false;     /* answered (or at least written) */
	} else if (!strcmp(e->kind, "document")) {
		add(s, a, e->at_unix, "Unterlagen nachgereicht",
		    arena_printf(a, "Die Datei „%s“ ist eingegangen und wird der "
				 "zuständigen Stelle übermittelt.", e->detail));
		s->waiting = false;     /* a Rückfrage often asks for papers */
	} else if (!strcmp(e->kind, "payment")) {
		const char *title, *text;
		if (pay_event_words(a, e->detail, false, &title, &text)) {
			add(s, a, e->at_unix, title, text);
			s->payment = e->detail;
		}
	} else if (!strcmp(e->kind, "failed") && receipt) {
		add(s, a, e->at_unix, "Eingangsbestätigung nicht zustellbar",
		    "Die E-Mail an die angegebene Adresse kam nicht an. Ihr "
		    "Antrag ist davon nicht betroffen.");
	}
}

/* A date field's value as Germans write it. validate.c stores date answers
 * so ("29.02.2024", the ISO date as option); rows stored before that hold
 * 2024-02-29, which is turned here. */
static const char *answer_text(struct arena *a, const struct city_service *cs,
			       const struct sub_field *f)
{
	char de[16];
	if (!cs || !is_date(f->value) || de_date(f->value, de, sizeof de) < 0)
		return f->value;
	for (size_t i = 0; i < cs->n_fields; i++)
		if (!strcmp(cs->fields[i]->name, f->name) && cs->fields[i]->type == FT_DATE)
			return arena_strdup(a, de);
	return f->value;
}

/* When a document handed in later came; NULL for the form's own files. */
static const char *added_text(struct arena *a, const struct sub_file *f)
{
	char when[64];
	if (!f->added_unix || de_date_time(when, sizeof when, (time_t)f->added_unix) < 0)
		return NULL;
	return arena_strdup(a, when);
}

const char *application_status(const char *clerk_status, bool office_delivered,
			       bool office_failed)
{
	/* the office has it and says where it stands */
	if (clerk_status && *clerk_status && strcmp(clerk_status, "neu"))
		return status_label(clerk_status);
	if (office_failed)
		return "Übermittlung gestört – bitte wenden Sie sich an die zuständige Stelle";
	if (office_delivered)
		return "An die zuständige Stelle übermittelt";
	return "Eingegangen, wird an die zuständige Stelle übermittelt";
}

static const char *status_of(const struct steps *s)
{
	/* a fee not paid yet: what the citizen has to do comes first, unless
	 * the office decided already */
	bool open_fee = s->payment && (!strncmp(s->payment, "ausstehend ", 11) ||
				       !strncmp(s->payment, "abgebrochen ", 12));
	if (open_fee && !(s->clerk_status && *s->clerk_status &&
			  strcmp(s->clerk_status, "neu") && strcmp(s->clerk_status,
								  "in_bearbeitung")))
		return !strncmp(s->payment, "ausstehend ", 11) ?
		       "Zahlung ausstehend – bitte bezahlen Sie die Gebühr" :
		       "Zahlung abgebrochen – bitte bezahlen Sie die Gebühr erneut";
	if (s->waiting)
		return "Rückfrage – die zuständige Stelle wartet auf Ihre Antwort";
	return application_status(s->clerk_status, s->office_delivered,
				  s->office_failed);
}

int application_view(struct store *s, struct arena *a,
		     const struct city_service *cs, const struct submission *sub,
		     struct app_view *v)
{
	struct store_job *jobs = NULL;
	struct store_event *ev = NULL;
	size_t nj = 0, ne = 0;
	if (store_jobs(s, a, sub->id, &jobs, &nj) < 0 ||
	    store_events(s, a, sub->id, &ev, &ne) < 0)
		return -1;
	struct steps st = { .cap = ne ? ne : 1 };
	st.v = arena_alloc(a, st.cap * sizeof *st.v);
	for (size_t i = 0; i < ne; i++)
		step_of(&st, a, &ev[i], job_kind(jobs, nj, ev[i].job_id), sub);
	struct app_answer *ans = arena_alloc(a, (sub->n_fields + 1) * sizeof *ans);
	for (size_t i = 0; i < sub->n_fields; i++)
		ans[i] = (struct app_answer){ sub->fields[i].label,
					      answer_text(a, cs, &sub->fields[i]) };
	struct app_file *files = arena_alloc(a, (sub->n_files + 1) * sizeof *files);
	for (size_t i = 0; i < sub->n_files; i++)
		files[i] = (struct app_file){ sub->files[i].label, sub->files[i].filename,
					      added_text(a, &sub->files[i]) };
	char when[64];
	de_stamp(sub->received_at, when, sizeof when);
	*v = (struct app_view){
		.reference = sub->reference, .received_at = arena_strdup(a, when),
		.status = status_of(&st),
		.answers = ans, .n_answers = sub->n_fields,
		.files = files, .n_files = sub->n_files,
		.steps = st.v, .n_steps = st.n,
	};
	return 0;
}
