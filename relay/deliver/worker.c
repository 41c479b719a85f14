/* worker.c - the outbox worker thread (see worker.h). */
#include "payment/pay.h"
#include "worker.h"
#include "../receive/log.h"
#include "mail.h"
#include "maillink.h"
#include "mailhdr.h"
#include "postfach_mail.h"
#include "notice.h"
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IDLE_RECHECK 5          /* seconds: look at the outbox at least this often,
				 * a safety net behind deliver_worker_wake() */
#define DB_ERROR_PAUSE 5

struct deliver_worker {
	struct store *store;
	const struct relay_config *cfg;
	struct mail_server srv;
	char msgid_host[256];
	long lease, lifetime;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool stop, woken;
	struct deliver_stats stats;
};

static bool addr_char(char c)
{
	unsigned char u = (unsigned char)c;
	return u > 0x20 && u != 0x7F && !strchr("<>\"'(),;:[]", c);
}

/* The value of error="..." fields: quotes, backslashes and control
 * characters escaped, so one log line stays one line; and anything that
 * looks like an address ("x@y") replaced by [address]: an SMTP error about
 * a receipt names the citizen, and citizens' addresses are not logged (the
 * database keeps the full text for relayctl show). */
static void quote(char *out, size_t n, const char *s)
{
	size_t k = 0;
	for (const char *p = s; *p && k + 10 < n; p++) {
		const char *e = p;
		while (addr_char(*e))
			e++;
		const char *at = memchr(p, '@', (size_t)(e - p));
		if (at && at > p && at + 1 < e) {
			memcpy(out + k, "[address]", 9);
			k += 9;
			p = e - 1;
			continue;
		}
		if (e > p) {    /* a word without '@': copy it */
			for (; p < e && k + 3 < n; p++)
				out[k++] = *p == '\\' ? '/' : *p;
			p--;
			continue;
		}
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			out[k++] = '\\';
			out[k++] = (char)c;
		} else {
			out[k++] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
		}
	}
	out[k] = '\0';
}

long deliver_backoff(long initial, long max, int attempts)
{
	long d = initial > 0 ? initial : 1;
	for (int i = 1; i < attempts && d < max; i++)
		d = d > max / 2 ? max : d * 2;
	return d < max ? d : max;
}

static void count(struct deliver_worker *w, unsigned long long *field)
{
	pthread_mutex_lock(&w->mu);
	(*field)++;
	pthread_mutex_unlock(&w->mu);
}

static void job_failed(struct deliver_worker *w, const struct outbox_job *job,
		       const char *ref, const char *why)
{
	char q[400];
	quote(q, sizeof q, why);
	if (store_job_failed(w->store, job->id, time(NULL), why) < 0)
		relay_log("error", "store_error", "component=deliver job=%lld error=\"%s\"", job->id,
			store_errmsg(w->store));
	count(w, &w->stats.failed);
	relay_log("error", "delivery_failed", "component=deliver job=%lld kind=%s ref=%s attempts=%d "
		"error=\"%s\" action=\"check SMTP, then relayctl resend %s\"",
		job->id, job->kind, ref, job->attempts, q, ref);
}

static void job_retry(struct deliver_worker *w, const struct outbox_job *job,
		      const char *ref, const char *why)
{
	long long now = time(NULL), end = job->created_unix + w->lifetime;
	if (now >= end) {
		char e[400];    /* a truncated error text is still useful */
		snprintf(e, sizeof e, "lifetime of %lds exceeded after %d attempts: %s",
			 w->lifetime, job->attempts, why);
		job_failed(w, job, ref, e);
		return;
	}
	long long at = now + deliver_backoff(w->cfg->retry.initial,
					     w->cfg->retry.max, job->attempts);
	if (at > end)
		at = end;       /* one last attempt when the lifetime ends */
	char q[400];
	quote(q, sizeof q, why);
	if (store_job_retry(w->store, job->id, now, at, why) < 0)
		relay_log("error", "store_error", "component=deliver job=%lld error=\"%s\"", job->id,
			store_errmsg(w->store));
	count(w, &w->stats.retried);
	relay_log("warn", "delivery_retry", "component=deliver job=%lld kind=%s ref=%s attempts=%d "
		"retry_in=%llds error=\"%s\"", job->id, job->kind, ref,
		job->attempts, at - now, q);
}

/* The mail of a job: the office mail in its office's notification mode
 * (relay.yml notify: full, or link through maillink.c), the mail of a
 * document handed in later (in the same mode), the notice of a new
 * message (notice.c), or the receipt. 0 ok, -1
 * with a reason in err (a permanent failure of the job). */
static int compose(struct deliver_worker *w, const struct outbox_job *job,
		   const struct submission *sub, struct mail_msg *m,
		   char *err, size_t errlen)
{
	bool full = config_notify_mode(w->cfg, sub->city, sub->office) == NOTIFY_FULL;
	if (!strcmp(job->kind, "receipt"))
		return mail_build(m, &w->srv, sub, MAIL_RECEIPT, err, errlen);
	if (!strcmp(job->kind, "office"))
		return full ? mail_build(m, &w->srv, sub, MAIL_OFFICE, err, errlen)
			    : mail_build_link(m, &w->srv, sub, err, errlen);
	if (!strncmp(job->kind, "notice_", 7))      /* of a new message: no content */
		return mail_build_notice(m, &w->srv, sub, !strcmp(job->kind, "notice_office"),
					 job->id, job->created_unix, err, errlen);
	memset(m, 0, sizeof *m);
	if (!strcmp(job->kind, "document")) {
		for (size_t i = 0; i < sub->n_files; i++)
			if (sub->files[i].id == job->ref_id && sub->files[i].added_unix)
				return mail_build_document(m, &w->srv, sub, &sub->files[i],
							   full, err, errlen);
		snprintf(err, errlen, "document %lld no longer stored", job->ref_id);
		return -1;
	}
	snprintf(err, errlen, "no mail for job kind %s", job->kind);
	return -1;
}

/* Sends one claimed job. Returns 1 normally, 2 when the server was not
 * reachable, -1 when the database failed (the caller pauses). */
static int send_job(struct deliver_worker *w, const struct outbox_job *job)
{
	struct arena a;
	int err = 0, rc = 1;
	char ebuf[300];
	arena_init(&a);
	/* the files only where a mail may carry them */
	bool files = !strcmp(job->kind, "office") || !strcmp(job->kind, "document");
	struct submission *sub = store_load(w->store, &a, job->submission_id,
					    files, NULL, &err);
	if (!sub) {
		if (err) {
			job_retry(w, job, "-", store_errmsg(w->store));
			rc = -1;
		} else {
			job_failed(w, job, "-", "submission no longer stored");
		}
		arena_free(&a);
		return rc;
	}
	/* the fee's state as it is now (deliver: immediately mails before
	 * the payment; after_payment once it is paid) */
	if (!strcmp(job->kind, "office"))
		sub->payment = pay_state_line(w->store, &a, sub->id);
	struct mail_msg m;
	if (compose(w, job, sub, &m, ebuf, sizeof ebuf) < 0) {
		job_failed(w, job, sub->reference, ebuf);
		mail_msg_free(&m);
		arena_free(&a);
		return 1;
	}
	if (m.reply_to_dropped)
		relay_log("warn", "reply_to_dropped", "component=deliver job=%lld ref=%s "
			"reason=\"applicant address unusable\"", job->id, sub->reference);
	struct mail_result res;
	count(w, &w->stats.attempts);
	mail_send(&w->srv, &m, &res);
	switch (res.status) {
	case MAIL_SENT: {
		char q[400];
		quote(q, sizeof q, res.detail);
		if (store_job_delivered(w->store, job->id, time(NULL), res.detail) < 0)
			relay_log("error", "store_error", "component=deliver job=%lld ref=%s "
				"error=\"%s\" note=\"mail sent; it will be sent "
				"again with the same Message-ID\"", job->id,
				sub->reference, store_errmsg(w->store));
		count(w, &w->stats.delivered);
		relay_log("info", "delivered", "component=deliver job=%lld kind=%s ref=%s attempts=%d "
			"message_id=%s reply=\"%s\"", job->id, job->kind,
			sub->reference, job->attempts, m.message_id, q);
		break;
	}
	case MAIL_TEMPFAIL:
		job_retry(w, job, sub->reference, res.detail);
		rc = res.unreachable ? 2 : 1;
		break;
	case MAIL_PERMFAIL:
		job_failed(w, job, sub->reference, res.detail);
		break;
	}
	mail_msg_free(&m);
	arena_free(&a);
	return rc;
}

/* 0 nothing due, 1 a job was handled, 2 server unreachable, -1 db error. */
static int deliver_one(struct deliver_worker *w)
{
	struct outbox_job job;
	size_t n = 0;
	if (store_claim_due(w->store, time(NULL), w->lease, &job, 1, &n) < 0) {
		relay_log("error", "store_error", "component=deliver op=claim error=\"%s\"",
			store_errmsg(w->store));
		return -1;
	}
	return n == 0 ? 0 : send_job(w, &job);
}

/* Waits up to secs (monotonic) or, unless ignore_wake, until woken. */
static void wait_locked(struct deliver_worker *w, long long secs, bool ignore_wake)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += secs > 0 ? (time_t)secs : 0;
	while (!w->stop && (ignore_wake || !w->woken)) {
		int e = pthread_cond_timedwait(&w->cond, &w->mu, &until);
		if (e == ETIMEDOUT)
			break;
	}
}

static void *run(void *arg)
{
	struct deliver_worker *w = arg;
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		w->woken = false;
		pthread_mutex_unlock(&w->mu);
		int r = deliver_one(w);
		/* the Postfach's link mails go beside the outbox, one each turn */
		if (r >= 0 && r != 2) {
			int p = postfach_mail_one(w->store, &w->srv, w->lease, w->cfg);
			if (r == 0)
				r = p;
		}
		long long next = r == 0 ? store_next_due(w->store) : 0;
		pthread_mutex_lock(&w->mu);
		if (r == 1)
			continue;
		if (r == 2) {
			long pause = w->cfg->retry.initial < 300 ? w->cfg->retry.initial : 300;
			wait_locked(w, pause, true);
		} else if (r < 0 || next < 0) {
			wait_locked(w, DB_ERROR_PAUSE, true);
		} else {
			long long secs = IDLE_RECHECK;
			if (next > 0 && next - time(NULL) < secs)
				secs = next - time(NULL);
			wait_locked(w, secs, false);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void server_from_config(struct deliver_worker *w)
{
	const struct smtp_config *s = &w->cfg->smtp;
	const char *dom;
	if (!w->cfg->public_url ||
	    url_host(w->cfg->public_url, w->msgid_host, sizeof w->msgid_host) < 0) {
		dom = s->from ? mail_addr_domain(s->from) : NULL;
		snprintf(w->msgid_host, sizeof w->msgid_host, "%s",
			 dom && *dom ? dom : "relay.invalid");
	}
	w->srv = (struct mail_server){
		.url = s->url, .username = s->username, .password = s->password,
		.require_tls = s->starttls == SMTP_STARTTLS_REQUIRED,
		.from = s->from, .connect_timeout = s->connect_timeout,
		.timeout = s->timeout, .msgid_host = w->msgid_host,
		.public_url = w->cfg->public_url,
	};
	/* CURLOPT_TIMEOUT bounds the whole attempt, connect included; the
	 * margin covers loading the submission and the commit. */
	w->lease = s->timeout + 15;
	w->lifetime = w->cfg->retry.lifetime_seconds > 0
		      ? w->cfg->retry.lifetime_seconds
		      : w->cfg->retry.lifetime_hours * 3600;
}

struct deliver_worker *deliver_worker_start(struct store *store,
					    const struct relay_config *cfg)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		relay_log("error", "start_failed", "component=deliver error=\"curl_global_init\"");
		return NULL;
	}
	struct deliver_worker *w = xcalloc(1, sizeof *w);
	w->store = store;
	w->cfg = cfg;
	server_from_config(w);
	pthread_condattr_t ca;
	int e = pthread_condattr_init(&ca);
	if (!e)
		e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!e)
		e = pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (!e && (e = pthread_mutex_init(&w->mu, NULL)) != 0)
		pthread_cond_destroy(&w->cond);
	if (!e && (e = pthread_create(&w->thread, NULL, run, w)) != 0) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->mu);
	}
	if (e) {
		relay_log("error", "start_failed", "component=deliver error=\"%s\"", strerror(e));
		free(w);
		curl_global_cleanup();
		return NULL;
	}
	/* the host only: a URL may carry credentials */
	char host[256];
	if (url_host(w->srv.url, host, sizeof host) < 0)
		snprintf(host, sizeof host, "?");
	relay_log("info", "worker_started", "component=deliver smtp_host=%s starttls=%s "
		"retry_initial=%lds retry_max=%lds lifetime=%lds lease=%lds",
		host, w->srv.require_tls ? "required" : "off",
		cfg->retry.initial, cfg->retry.max, w->lifetime, w->lease);
	return w;
}

void deliver_worker_wake(struct deliver_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->woken = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
}

void deliver_worker_stop(struct deliver_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->mu);
	relay_log("info", "worker_stopped", "component=deliver delivered=%llu retried=%llu failed=%llu",
		w->stats.delivered, w->stats.retried, w->stats.failed);
	free(w);
	curl_global_cleanup();
}
