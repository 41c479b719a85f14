/* inbox.h - the clerks' inbox under /amt/ (issue 11, point 5), as http.c
 * hands requests to it. relayd's own routes stay in receive/http.c; every
 * request whose path is /amt or starts with /amt/ comes here, whatever its
 * method.
 *
 *   GET  /amt/anmelden                login page (sets the login form's cookie)
 *   POST /amt/anmelden                login: 303 to /amt/ | 403 CSRF | 422 | 429
 *   POST /amt/abmelden                logout (CSRF): 303 to the login page
 *   GET  /amt/                        the list of the clerk's offices
 *   GET  /amt/antrag/<id>             one application
 *   GET  /amt/antrag/<id>/datei/<n>   its n-th attachment (download)
 *   POST /amt/antrag/<id>/status      status change (CSRF): 303 back
 *   POST /amt/antrag/<id>/nachricht   a message or Rückfrage (CSRF): 303
 *                                     back, 422 with the error at the field
 *
 * Without a valid session a GET is sent to the login page (303), a POST
 * gets 403. An id of another office answers exactly as an unknown one
 * (404). Every answer: Cache-Control no-store, noindex, nosniff, no
 * Referer, the pages' Content-Security-Policy. */
#ifndef INBOX_H
#define INBOX_H
#include <microhttpd.h>
#include "config/config.h"
#include "receive/forms.h"
#include "store/store.h"

struct inbox;                   /* relayd-wide: the login throttles */
/* NULL when libsodium cannot be initialised (the throttles' hash keys) */
struct inbox *inbox_new(const struct relay_config *cfg);
void inbox_free(struct inbox *ib);

/* What a request under /amt/ gets from relayd. */
struct inbox_env {
	struct inbox *ib;
	const struct relay_config *cfg;
	struct store *store;        /* NULL with --no-store: 503 */
	struct forms *forms;        /* the catalogue and renderer of this request */
	const char *client;         /* the client address (rate limits only) */
	void (*wake)(void *ctx);    /* the delivery worker, after a message */
	void *wake_ctx;
};

/* Whether url is the inbox's. */
bool inbox_path(const char *url);

struct inbox_req;
/* Every call of libmicrohttpd's handler for one request under /amt/;
 * *rq is NULL on the first and kept by the caller until inbox_req_free
 * (NOTIFY_COMPLETED). */
enum MHD_Result inbox_handle(const struct inbox_env *env, struct inbox_req **rq,
			     struct MHD_Connection *c, const char *url,
			     const char *method, const char *upload,
			     size_t *upload_size);
void inbox_req_free(struct inbox_req *rq);
#endif
