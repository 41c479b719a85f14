/* pay.h - online payment as relayd's pages, timelines and mails show it,
 * and the routes of the payment (route.c):
 *
 *   POST /antrag/<token>/bezahlen   "Jetzt bezahlen" (the page's CSRF
 *                                   token): 303 to the provider's page,
 *                                   signed with the city's key; after
 *                                   "abgebrochen" a new attempt with a new
 *                                   reference
 *   POST /zahlung/benachrichtigung  the provider's signed notice: 200 only
 *                                   after the COMMIT (or for a notice
 *                                   already taken); refusals 4xx, logged
 *   GET  /zahlung/rueckkehr?reference=..  the citizen's return: the state
 *                                   relayd has; changes nothing
 *
 * The amount is always relayd's, computed from the stored answers
 * (amount.h) when the application was stored. */
#ifndef PAYMENT_PAY_H
#define PAYMENT_PAY_H
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "config/config.h"
#include "provider.h"
#include "receive/forms.h"
#include "render/render_form.h"
#include "store/store.h"
#include "util/arena.h"

/* The adapter of relay.yml's payment.provider. */
const struct pay_provider *pay_provider_of(const struct relay_config *cfg);
/* The account of a city as the adapter takes it; false when the city has
 * none (then its applications are not paid online). */
bool pay_account_of(const struct relay_config *cfg, const char *city,
		    struct pay_account *out);

/* One 'payment' event ("ausstehend 2250", "bezahlt 2250", "abgebrochen
 * 2250") in words for the citizen's timeline: title and sentence; false
 * for a detail that is none of these. */
bool pay_event_words(struct arena *a, const char *detail, bool clerk,
		     const char **title, const char **text);
/* "ausstehend, 22,50 €" for the office mail and the clerk's facts; NULL
 * when the submission has no payment or the store cannot tell. */
const char *pay_state_line(struct store *s, struct arena *a, long long submission_id);

/* The fee section of the confirmation and the application page: from the
 * submission's newest payment, with the "Jetzt bezahlen" form while it is
 * pending and "Erneut bezahlen" after it was cancelled (action built from
 * public_url and the page's token, csrf the page's). 1 with *out filled,
 * 0 when the application has no payment, -1 when the store failed. */
int pay_section(struct store *s, struct arena *a, const struct relay_config *cfg,
		long long submission_id, const char *token, const char *csrf,
		struct app_payment *out);

/* ---- the routes (route.c) ---- */
/* What became of the provider's notices, for /metrics: refused ones by
 * their enum pay_refusal (PAY_OK unused), settled ones as paid or
 * cancelled, and notices of a payment already settled (the provider's
 * retries and duplicates). */
enum { PAY_NOTICE_PAID = PAY_WRONG_CURRENCY + 1, PAY_NOTICE_CANCELLED,
       PAY_NOTICE_UNCHANGED, PAY_NOTICE_RESULTS };
const char *pay_notice_result_name(int r);
struct pay_env {
	const struct relay_config *cfg;
	struct store *store;        /* NULL with --no-store: 503 */
	struct forms *forms;        /* the catalogue and renderer of this request */
	void (*wake)(void *);       /* a paid notice queued the office mail */
	void *wake_ctx;
	atomic_ullong *notices;     /* [PAY_NOTICE_RESULTS] counters, or NULL */
};
/* Whether url (and method) is the payment's: /zahlung/... or a POST to
 * /antrag/<token>/bezahlen. */
bool pay_path(const char *url, const char *method);
struct pay_req;
/* Every call of libmicrohttpd's handler for one such request; *rq is
 * NULL on the first and kept by the caller until pay_req_free. */
enum MHD_Result pay_handle(const struct pay_env *env, struct pay_req **rq,
			   struct MHD_Connection *c, const char *url, const char *method,
			   const char *upload, size_t *upload_size);
void pay_req_free(struct pay_req *rq);
#endif
