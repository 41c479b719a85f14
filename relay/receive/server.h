/* server.h - relayd's HTTP side on libmicrohttpd: routes, limits, the
 * Origin check, the POST body, validation and the hand-over to the group
 * committer; /healthz and /metrics.
 *
 *   POST /submit/<city>/<service>   303 | 400 403 404 413 415 422 429 503
 *   GET  /bestaetigung/<token>      confirmation page (no-store, noindex)
 *   GET  /antrag/<token>            the application's page
 *   GET  /suche                     search
 *   *    /amt/...                   the clerks' inbox (inbox/inbox.h)
 *   *    /postfach...               the citizens' Postfach (postfach/postfach.h)
 *   GET  /healthz                   JSON
 *   GET  /metrics                   Prometheus text */
#ifndef SERVER_H
#define SERVER_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "../config/config.h"
#include "../store/store.h"
#include "committer.h"
#include "ratelimit.h"
#include "payment/pay.h"

enum reject_reason {
	RJ_ORIGIN, RJ_RATE, RJ_TOO_LARGE, RJ_MEDIA_TYPE, RJ_NOT_FOUND,
	RJ_BAD_REQUEST, RJ_INVALID, RJ_HONEYPOT, RJ_STORE, RJ_DEADLINE,
	RJ_LOGIN,       /* a service that requires a login, posted without */
	RJ_COUNT
};

struct conn_entry;
struct inbox;
struct postfach;

struct relay_server {
	const struct relay_config *cfg;
	struct store *store;        /* NULL with --no-store */
	struct committer committer;
	struct ratelimit *rl;
	struct inbox *inbox;        /* the clerks' inbox: its login throttles */
	struct postfach *postfach;  /* the Postfach: its per-client limit */
	struct identity *identity;  /* citizens' login (identity/); NULL: none */
	struct MHD_Daemon *mhd;
	MHD_socket listen_fd;       /* after quiesce, closed in server_stop */
	atomic_long active;         /* requests between first call and completion */
	atomic_ullong accepted;
	atomic_ullong rejected[RJ_COUNT];
	atomic_ullong pay_notices[PAY_NOTICE_RESULTS];     /* payment/pay.h */
	/* open connections, for the total per-request deadline */
	pthread_mutex_t conns_mu;
	struct conn_entry *conns;
	unsigned long conn_seq;     /* connections opened so far (conns_mu) */
	pthread_t sweeper;
	atomic_bool stopping;
};

/* after_commit (may be NULL) runs on the writer thread after each commit. */
int  server_start(struct relay_server *s, const struct relay_config *cfg,
		  struct store *store, void (*after_commit)(void *), void *ctx);
/* Stop accepting connections (close the listening socket). */
void server_quiesce(struct relay_server *s);
/* Wait up to timeout seconds for in-flight requests to finish. */
void server_drain(struct relay_server *s, unsigned timeout);
void server_stop(struct relay_server *s);
const char *reject_reason_name(enum reject_reason r);
double mono_now(void);
#endif
