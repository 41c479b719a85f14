/* postfach.h - the citizens' Postfach by e-mail link under /postfach
 * (issue 11, point 2), as http.c hands requests to it. Every request whose
 * path is /postfach or starts with /postfach/ comes here.
 *
 *   GET  /postfach              the request page (one e-mail field)
 *   POST /postfach              request a link (CSRF): 200 the same answer
 *                               for every address | 403 | 422 | 429
 *   GET  /postfach/<token>      uses the mailed link once: 303 to the list
 *                               with a session cookie | 410 used or expired
 *                               | 404 unknown
 *   GET  /postfach/antraege     the address's applications (session)
 *   POST /postfach/abmelden     ends the session (CSRF): 303 to /postfach
 *
 * Every answer: Cache-Control no-store, noindex, nosniff, no Referer, the
 * pages' Content-Security-Policy. */
#ifndef POSTFACH_H
#define POSTFACH_H
#include <microhttpd.h>
#include "config/config.h"
#include "receive/forms.h"
#include "store/store.h"

#define POSTFACH_LINK_SECONDS (30 * 60)     /* a mailed link's lifetime */
#define POSTFACH_SESSION_SECONDS (30 * 60)  /* the list's session */
#define POSTFACH_PER_ADDRESS 3      /* requests per address and hour
				     * (STORE_POSTFACH_WINDOW) */
#define POSTFACH_PER_CLIENT 10      /* requests per client and minute */

struct postfach;                /* relayd-wide: the per-client limit */
/* NULL when libsodium cannot be initialised (the limit's hash key) */
struct postfach *postfach_new(void);
void postfach_free(struct postfach *pf);

/* What a request under /postfach gets from relayd. */
struct postfach_env {
	struct postfach *pf;
	const struct relay_config *cfg;
	struct store *store;        /* NULL with --no-store: 503 */
	struct forms *forms;        /* the catalogue and renderer of this request */
	const char *client;         /* the client address (rate limit only) */
	void (*wake)(void *);       /* a link to mail: wake the worker (may be NULL) */
	void *wake_ctx;
	struct identity *identity;  /* citizens' login (issue 12), or NULL */
};

/* Whether url is the Postfach's. */
bool postfach_path(const char *url);

struct postfach_req;
/* Every call of libmicrohttpd's handler for one request under /postfach;
 * *rq is NULL on the first and kept by the caller until
 * postfach_req_free (NOTIFY_COMPLETED). */
enum MHD_Result postfach_handle(const struct postfach_env *env,
				struct postfach_req **rq, struct MHD_Connection *c,
				const char *url, const char *method,
				const char *upload, size_t *upload_size);
void postfach_req_free(struct postfach_req *rq);
#endif
