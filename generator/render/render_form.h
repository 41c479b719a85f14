/* render_form.h - theme-rendered pages that relayd serves itself: a form
 * shown again with errors (GOV.UK pattern) and the confirmation page.
 * Same templates as the static site; links are absolute (base_url) because
 * these pages are served from the relay's address, not from site/. */
#ifndef RENDER_FORM_H
#define RENDER_FORM_H
#include "../model/catalog.h"
#include "../load/source.h"
#include "../util/buf.h"
#include "../util/diag.h"

struct form_value {             /* what the citizen sent, to fill the form again */
	const char *name, *value;   /* checkbox: value "ja" when ticked */
};
struct form_error {             /* shown in the summary and at the field */
	const char *field;          /* field name */
	const char *message;        /* German, e.g. "Geben Sie Ihren Vornamen ein" */
};
struct form_state {
	const struct form_value *values;
	size_t n_values;
	const struct form_error *errors;
	size_t n_errors;
	/* File fields whose file arrived with a post that had errors: nothing
	 * was stored and a browser cannot fill a file input again, so the page
	 * asks at each of them (and in the summary) to choose the file again. */
	const char *const *reattach;
	size_t n_reattach;
	/* relayd's own form page for a logged-in citizen: the provider and
	 * the level of the login (enum ident_level); NULL on the static page,
	 * which then shows the login start of a service that requires one */
	const char *citizen_provider;
	unsigned citizen_level;
	/* and the fields filled from the login's verified claims (field
	 * prefill:): shown read-only, marked "aus Ihrem Servicekonto" */
	const struct form_value *verified;
	size_t n_verified;
};

struct renderer;

/* Compile the theme templates once (themes/<city theme>/...). relay_url:
 * the form action base (region.relay_url when NULL). */
struct renderer *renderer_open(struct catalog *c, struct source *themes,
			       const char *relay_url, struct diags *d);
void renderer_close(struct renderer *r);
/* One more origin the pages' forms may post to, in form-action: relayd's
 * payment provider, to which "Jetzt bezahlen" is redirected (a browser
 * checks form-action on the redirect too). Before the renderer is shared. */
void renderer_add_form_target(struct renderer *r, const char *origin);
/* The Content-Security-Policy of every page it renders (the layout's
 * <meta>); relayd also sends it as a header. */
const char *renderer_csp(const struct renderer *r);
/* The service page with its form, errors and values; status 422 page. */
int render_form_page(struct renderer *r, const struct city_service *cs,
		     const struct form_state *st, struct buf *out, struct diags *d);
/* After the submission is stored: reference number and what happens next
 * (the service's next_steps and duration). receipt: a sentence on the
 * receipt mail (sent, on its way, or none), or NULL to say nothing. */
struct app_payment;
/* payment: the fee's state and the button to pay (application page's
 * section "Gebühr"), or NULL for an application without online payment. */
int render_confirmation_page(struct renderer *r, const struct city_service *cs,
			     const char *reference, const char *received_at,
			     const char *receipt, const char *app_url,
			     const struct app_payment *payment,
			     struct buf *out, struct diags *d);

/* The application page (relayd's /antrag/<token>): what was sent, read-only,
 * and what has happened since, as the citizen reads it. Every string is
 * ready to show (German dates); the renderer escapes them. */
struct app_answer { const char *label, *value; };
struct app_file {
	const char *label, *name;
	const char *added;          /* a document handed in later: when
				     * ("3. Dezember 2026, 10:15 Uhr"); NULL
				     * for the form's own files */
};
/* The section "Unterlagen nachreichen" (relay/receive/upload.c). */
struct app_upload {
	const char *action;         /* {public_url}/antrag/<token>/unterlagen */
	const char *csrf;           /* the antrag_csrf cookie's twin */
	const char *input;          /* the file input's name and id */
	const char *accept;         /* "application/pdf,image/jpeg" */
	const char *hint;           /* the rules in a sentence */
	bool multiple;
	const char *error;          /* the refusal, at the field; or NULL */
	const char *closed;         /* no more documents: why, instead of the
				     * form; or NULL */
};
struct app_step {               /* one entry of the timeline, oldest first */
	const char *when;           /* "2. Dezember 2026, 16:46 Uhr" */
	const char *title;          /* "Eingegangen" */
	const char *text;           /* a sentence, or NULL */
};
/* The messages between citizen and office, on the citizen's application
 * page and on the clerk's detail page alike: the thread and the form to
 * write (relay/receive/thread.h and relay/inbox/ fill it). */
struct app_message {
	long long id;
	const char *author;         /* "Sie", "Standesamt Dorsten", ... */
	const char *when;           /* "2. Dezember 2026, 16:46 Uhr" */
	const char *kind_label;     /* "Rückfrage", or NULL for a message */
	const char *body;           /* as written; line breaks kept */
	bool own;                   /* written by the side that reads the page */
};
struct app_thread {
	const struct app_message *messages;     /* oldest first */
	size_t n_messages;
	long long last_id;          /* the newest message's id, 0 when none */
	const char *action;         /* the form's post URL */
	const char *csrf;           /* its hidden token */
	const char *label;          /* the text field's label */
	const char *hint;           /* under the label */
	const char *button;         /* "Nachricht senden" */
	const char *text;           /* kept after an error, else "" */
	const char *error;          /* at the field and in the summary; NULL none */
	const char *notice;         /* after a message was sent, or NULL */
	bool clerk;                 /* the clerk's form: Nachricht or Rückfrage */
	bool rueckfrage;            /* the clerk chose Rückfrage (kept after an error) */
	const char *poll_url;       /* JSON of newer messages for the script;
				     * NULL: no script */
	const char *empty;          /* said when there is no message yet */
};
/* The fee of an application paid online (relay/payment/): its state in
 * words and, while it can be paid, the button that sends the citizen to
 * the provider (a POST with the page's CSRF token). */
struct app_payment {
	const char *title;          /* "Zahlung ausstehend", "Bezahlt", "Zahlung abgebrochen" */
	const char *amount;         /* "22,50 €" */
	const char *text;           /* a sentence: what happens next */
	const char *action;         /* {public_url}/antrag/<token>/bezahlen; NULL: no button */
	const char *csrf;           /* the antrag_csrf cookie's twin */
	const char *button;         /* "Jetzt bezahlen" | "Erneut bezahlen" */
};
struct app_view {
	const char *reference, *received_at;
	const char *status;         /* the latest step's title, shown on top */
	const struct app_answer *answers;
	size_t n_answers;
	const struct app_file *files;
	size_t n_files;
	const struct app_step *steps;
	size_t n_steps;
	const struct app_upload *upload;    /* NULL: no upload section */
	const struct app_thread *thread;    /* NULL: no messages part */
	const struct app_payment *payment;  /* NULL: no online payment */
};
int render_application_page(struct renderer *r, const struct city_service *cs,
			    const struct app_view *v, struct buf *out,
			    struct diags *d);
/* The page the citizen comes back to from the payment provider
 * (relayd's /zahlung/rueckkehr): the payment's state as relayd has it
 * (the return itself changes nothing), the way on to the application. */
struct pay_page_view {
	const char *heading;        /* "Ihre Zahlung wird noch bestätigt", ... */
	const char *reference;      /* the application's Vorgangsnummer */
	const struct app_payment *payment;
	const char *app_url;        /* {public_url}/antrag/<token> */
};
int render_payment_page(struct renderer *r, const struct city_service *cs,
			const struct pay_page_view *v, struct buf *out,
			struct diags *d);
/* The results of a search on a portal (city NULL: the umbrella portal),
 * ranked as model/search.h says; with no result, the way to the A-Z list
 * and the categories. */
int render_search_page(struct renderer *r, const struct city *city,
		       const char *query, struct buf *out, struct diags *d);
/* A plain themed error page (city may be NULL: umbrella look). */
int render_error_page(struct renderer *r, const struct city *city, int status,
		      const char *message, struct buf *out, struct diags *d);
/* The same with a way on: a link (link_url) after the message, e.g. to
 * the citizen's login; render_error_page is this without a link. */
int render_error_link_page(struct renderer *r, const struct city *city, int status,
			   const char *message, const char *link_text,
			   const char *link_url, struct buf *out, struct diags *d);
/* The same, or when there is no renderer or it fails, a minimal plain
 * page with the message: what relayd's routes answer an error with. */
void render_error_or_plain(struct renderer *r, const struct city *city, int status,
			   const char *message, struct buf *out);
#endif
