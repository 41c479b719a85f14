/* postfach_mail.c - see postfach_mail.h. */
#include "postfach_mail.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "mailhdr.h"
#include "receive/log.h"
#include "util/datetime.h"
#include "worker.h"

static int body(struct buf *b, const char *public_url, const char *token,
		time_t expires)
{
	char until[64];
	if (de_date_time(until, sizeof until, expires) < 0)
		return -1;
	buf_puts(b, "Guten Tag,\r\n\r\nIhr Link zum Postfach:\r\n");
	buf_printf(b, "%s/postfach/%s\r\n\r\n", public_url, token);
	buf_printf(b, "Er ist gültig bis %s und nur einmal verwendbar.\r\n\r\n", until);
	buf_puts(b, "Wenn Sie keinen Link angefordert haben, können Sie diese "
		 "E-Mail einfach löschen.\r\n");
	return buf_failed(b) ? -1 : 0;
}

int postfach_mail_build(struct mail_msg *m, const struct mail_server *srv,
			const struct store_postfach_job *job, char *err,
			size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->kind = MAIL_RECEIPT;         /* to a citizen, without attachments */
	buf_init(&m->body, MAIL_BODY_MAX);
	char ref[32], date[64];
	snprintf(ref, sizeof ref, "PF-%lld", job->id);
	struct buf line;
	buf_init(&line, 4096);
	const char *why = NULL;
	if (!srv->from || !mail_addr_valid(srv->from))
		why = "sender address is not a plain address";
	else if (!mail_addr_valid(job->email))
		why = "the address is not a plain address";
	else if (!srv->public_url || !*srv->public_url || !*job->token)
		why = "no public_url or no token to link to";
	else if (mail_date(date, sizeof date, time(NULL)) < 0 ||
		 mail_message_id(m->message_id, sizeof m->message_id, ref, NULL,
				 srv->msgid_host) < 0 ||
		 mail_add_mailbox(m, &line, "From", NULL, srv->from) < 0 ||
		 mail_add_mailbox(m, &line, "To", NULL, job->email) < 0 ||
		 mail_add_subject(m, &line, "Ihr Link zum Postfach") < 0 ||
		 mail_add_plain(m, &line, "Date", date) < 0 ||
		 mail_add_plain(m, &line, "Message-ID", m->message_id) < 0 ||
		 mail_add_plain(m, &line, "MIME-Version", "1.0") < 0 ||
		 mail_add_plain(m, &line, "Auto-Submitted", "auto-generated") < 0)
		why = "cannot build the header";
	else if (body(&m->body, srv->public_url, job->token,
		      (time_t)job->expires_unix) < 0)
		why = "cannot build the body";
	buf_free(&line);
	if (why)
		return mail_fail(err, errlen, "%s", why);
	m->rcpt = job->email;
	return 0;
}

static void note_store_error(struct store *s, long long id)
{
	relay_log("error", "store_error", "component=postfach link=%lld error=\"%s\"",
		  id, store_errmsg(s));
}

/* Closes a link without a (further) mail: its token is cleared. */
static void give_up(struct store *s, const struct store_postfach_job *job,
		    const char *why, const char *level)
{
	if (store_postfach_failed(s, job->id, time(NULL), why) < 0)
		note_store_error(s, job->id);
	relay_log(level, "postfach_link_closed", "component=postfach link=%lld "
		  "attempts=%d", job->id, job->attempts);
}

static int send_link(struct store *s, const struct mail_server *srv,
		     const struct store_postfach_job *job,
		     const struct relay_config *cfg)
{
	struct mail_msg m;
	char err[300];
	if (postfach_mail_build(&m, srv, job, err, sizeof err) < 0) {
		mail_msg_free(&m);
		give_up(s, job, err, "error");
		return 1;
	}
	struct mail_result res;
	mail_send(srv, &m, &res);
	mail_msg_free(&m);
	long long now = time(NULL);
	if (res.status == MAIL_SENT) {
		if (store_postfach_sent(s, job->id, now) < 0)
			note_store_error(s, job->id);
		relay_log("info", "postfach_link_sent", "component=postfach link=%lld "
			  "attempts=%d", job->id, job->attempts);
		return 1;
	}
	long long at = now + deliver_backoff(cfg->retry.initial, cfg->retry.max,
					     job->attempts);
	if (res.status == MAIL_PERMFAIL || at >= job->expires_unix) {
		give_up(s, job, res.status == MAIL_PERMFAIL ? res.detail :
			"not sent before the link expired", "warn");
		return 1;
	}
	/* the server's text goes to the database only: it may name the
	 * address, which the log never does */
	if (store_postfach_retry(s, job->id, at, res.detail) < 0)
		note_store_error(s, job->id);
	relay_log("warn", "postfach_link_retry", "component=postfach link=%lld "
		  "attempts=%d retry_in=%llds", job->id, job->attempts, at - now);
	return res.unreachable ? 2 : 1;
}

int postfach_mail_one(struct store *s, const struct mail_server *srv,
		      long lease, const struct relay_config *cfg)
{
	struct arena a;
	struct store_postfach_job job;
	arena_init(&a);
	long long now = time(NULL);
	int rc = store_postfach_claim(s, &a, now, lease, &job);
	if (rc < 0)
		note_store_error(s, 0);
	if (rc != 0) {
		arena_free(&a);
		return rc < 0 ? -1 : 0;
	}
	/* No mail for an address without applications: the request is closed
	 * as if its mail had been dropped, and the page said the same. */
	if (!job.has_applications)
		give_up(s, &job, "no applications for the address", "info");
	else if (now >= job.expires_unix)
		give_up(s, &job, "not sent before the link expired", "warn");
	else
		rc = send_link(s, srv, &job, cfg);
	arena_free(&a);
	return rc == 0 ? 1 : rc;
}
