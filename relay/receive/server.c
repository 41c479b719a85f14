/* server.c - starting and stopping the libmicrohttpd daemon, and the
 * per-request deadline against slow clients (see server.h).
 *
 * libmicrohttpd's connection timeout is an idle timeout: every byte resets
 * it, so a client dripping one byte a second would hold a slot forever.
 * Each connection is therefore registered (NOTIFY_CONNECTION) with the time
 * its current request began, and a sweeper thread shuts down the socket of
 * any request older than limits.request_deadline. The entry is removed in
 * NOTIFY_CLOSED, which libmicrohttpd calls before it closes the socket, and
 * both sides hold conns_mu, so the sweeper never touches a reused fd. */
#include "server.h"
#include <malloc.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "inbox/inbox.h"
#include "postfach/postfach.h"
#include "identity/identity.h"

struct conn_entry {
	struct MHD_Connection *conn;
	int fd;
	double start;               /* monotonic: connection or request start */
	bool shut;
	struct conn_entry *prev, *next;
};

enum MHD_Result http_handler(void *cls, struct MHD_Connection *c, const char *url,
			     const char *method, const char *version,
			     const char *upload, size_t *upload_size, void **con_cls);
void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe);

static void on_connection(void *cls, struct MHD_Connection *c, void **sctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct relay_server *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn_entry *e = xcalloc(1, sizeof *e);
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		e->conn = c;
		e->fd = ci ? ci->connect_fd : -1;
		e->start = mono_now();
		pthread_mutex_lock(&s->conns_mu);
		e->next = s->conns;
		if (s->conns)
			s->conns->prev = e;
		s->conns = e;
		s->conn_seq++;
		pthread_mutex_unlock(&s->conns_mu);
		*sctx = e;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *sctx) {
		struct conn_entry *e = *sctx;
		pthread_mutex_lock(&s->conns_mu);
		if (e->prev)
			e->prev->next = e->next;
		else
			s->conns = e->next;
		if (e->next)
			e->next->prev = e->prev;
		pthread_mutex_unlock(&s->conns_mu);
		free(e);
		*sctx = NULL;
	}
}

/* A request finished: the next one on this connection starts its clock. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct relay_server *s = cls;
	http_completed(cls, c, con_cls, toe);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci && ci->socket_context) {
		struct conn_entry *e = ci->socket_context;
		pthread_mutex_lock(&s->conns_mu);
		e->start = mono_now();
		pthread_mutex_unlock(&s->conns_mu);
	}
}

/* After a burst (large posts, hundreds of connections) glibc keeps the
 * freed memory in its per-thread arenas, so relayd would stay at its peak
 * resident size for good. Once no connection has been open for a second
 * after any activity, hand the free memory back to the kernel. */
struct trim_state {
	unsigned long seen;         /* conn_seq at the last look */
	double changed_at;          /* when it last changed */
	bool pending;               /* activity since the last trim */
};

/* True once: the first look at which no connection has been open for a
 * second after any activity. */
static bool quiet_after_burst(struct trim_state *t, unsigned long seq, bool idle,
			      double now)
{
	if (seq != t->seen) {
		t->seen = seq;
		t->changed_at = now;
		t->pending = true;
	} else if (t->pending && idle && now - t->changed_at >= 1.0) {
		t->pending = false;
		return true;
	}
	return false;
}

/* SQLite's page cache first (it frees to malloc), then malloc's free
 * memory to the kernel. */
static void give_memory_back(struct relay_server *s)
{
	if (s->store)
		store_release_memory(s->store);
	malloc_trim(0);
}

static void *sweeper(void *arg)
{
	struct relay_server *s = arg;
	double deadline = s->cfg->limits.request_deadline;
	struct trim_state trim = { 0, 0.0, false };
	while (!atomic_load(&s->stopping)) {
		struct timespec ts = { 0, 250 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		double now = mono_now();
		pthread_mutex_lock(&s->conns_mu);
		bool trim_now = quiet_after_burst(&trim, s->conn_seq, s->conns == NULL, now);
		for (struct conn_entry *e = s->conns; e; e = e->next) {
			if (e->shut || e->fd < 0 || now - e->start <= deadline)
				continue;
			/* the fd stays open (libmicrohttpd closes it); the
			 * connection sees EOF/error and is cleaned up */
			shutdown(e->fd, SHUT_RDWR);
			e->shut = true;
			atomic_fetch_add(&s->rejected[RJ_DEADLINE], 1);
			relay_log("info", "deadline", "msg=\"request exceeded %.0fs, "
				  "connection closed\"", deadline);
		}
		pthread_mutex_unlock(&s->conns_mu);
		if (trim_now)
			give_memory_back(s);
	}
	return NULL;
}

static int listen_addr(const struct relay_config *cfg, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, cfg->listen, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)cfg->port);
		return 0;
	}
	if (inet_pton(AF_INET6, cfg->listen, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)cfg->port);
		return 0;
	}
	return -1;
}

static unsigned pool_size(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[400];
	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '"')
			*p = '\'';
	relay_log("warn", "http", "msg=\"%s\"", msg);
}

int server_start(struct relay_server *s, const struct relay_config *cfg,
		 struct store *store, void (*after_commit)(void *), void *ctx)
{
	memset(s, 0, sizeof *s);
	s->listen_fd = MHD_INVALID_SOCKET;
	s->committer.after_commit = after_commit;
	s->committer.after_ctx = ctx;
	s->cfg = cfg;
	s->store = store;
	s->rl = ratelimit_new(cfg->limits.rate_per_ip_per_minute);
	s->inbox = inbox_new(cfg);
	s->postfach = postfach_new();
	if (!s->rl || !s->inbox || !s->postfach) {  /* their tables' hash keys */
		relay_log("error", "start", "msg=\"libsodium cannot be initialised\"");
		return -1;
	}
	pthread_mutex_init(&s->conns_mu, NULL);
	char ierr[200];
	bool ifailed;
	s->identity = identity_open(cfg, ierr, sizeof ierr, &ifailed);
	if (ifailed) {
		relay_log("error", "start", "msg=\"%s\"", ierr);
		return -1;
	}
	identity_use_store(s->identity, store);
	struct sockaddr_storage ss;
	if (listen_addr(cfg, &ss) < 0) {
		relay_log("error", "start", "msg=\"listen: '%s' is not an IP address\"",
			  cfg->listen);
		return -1;
	}
	if (store && committer_start(&s->committer, store) < 0)
		return -1;
	/* poll(2), not epoll: with a thread pool, libmicrohttpd 0.9.75's
	 * MHD_quiesce_daemon() and its workers race to remove the listening
	 * socket from the epoll sets, and the loser aborts the process
	 * ("Failed to remove listen FD from epoll set", an open MHD defect;
	 * it hit SIGTERM now and then). With poll, quiescing only signals the
	 * workers. A worker polls its share of max_connections: cheap. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL,
		http_handler, s,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, pool_size(),
		MHD_OPTION_CONNECTION_LIMIT, cfg->limits.max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->limits.max_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->limits.timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16 * 1024,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
		MHD_OPTION_END);
	if (!s->mhd) {
		relay_log("error", "start", "msg=\"cannot listen on %s port %u\"",
			  cfg->listen, cfg->port);
		if (store)
			committer_stop(&s->committer);
		return -1;
	}
	if (pthread_create(&s->sweeper, NULL, sweeper, s) != 0) {
		MHD_stop_daemon(s->mhd);
		return -1;
	}
	return 0;
}

/* The listening socket is closed only after MHD_stop_daemon(): the
 * daemon's threads may still hold it (libmicrohttpd's documentation). New
 * clients wait in the backlog until then and are reset. */
void server_quiesce(struct relay_server *s)
{
	s->listen_fd = MHD_quiesce_daemon(s->mhd);
}

void server_drain(struct relay_server *s, unsigned timeout)
{
	double end = mono_now() + timeout;
	while (atomic_load(&s->active) > 0 && mono_now() < end) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

void server_stop(struct relay_server *s)
{
	atomic_store(&s->stopping, true);
	pthread_join(s->sweeper, NULL);
	/* the committer first: it resumes the last suspended requests, which
	 * MHD_stop_daemon then answers or closes */
	if (s->store)
		committer_stop(&s->committer);
	MHD_stop_daemon(s->mhd);
	if (s->listen_fd != MHD_INVALID_SOCKET)
		close(s->listen_fd);
	pthread_mutex_destroy(&s->conns_mu);
	ratelimit_free(s->rl);
	inbox_free(s->inbox);
	postfach_free(s->postfach);
	identity_close(s->identity);
}
