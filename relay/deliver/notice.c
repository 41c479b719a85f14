/* notice.c - see notice.h. */
#include "notice.h"
#include "mailhdr.h"
#include "util/utf8.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From, To, Subject "Neue Nachricht zu …", Date, a Message-ID of its own
 * per notice job (a resend after a crash keeps it). */
static int headers(struct mail_msg *m, const struct mail_server *srv,
		   const struct submission *sub, bool to_office, long long job_id,
		   long long created_unix, char *err, size_t errlen)
{
	char suffix[40], subj[200];
	int k = snprintf(suffix, sizeof suffix, "notice-%lld", job_id);
	int j = snprintf(subj, sizeof subj, "Neue Nachricht zu %s %s",
			 to_office ? "Antrag" : "Ihrem Antrag", sub->reference);
	if (k < 0 || (size_t)k >= sizeof suffix || j < 0 || (size_t)j >= sizeof subj)
		return mail_fail(err, errlen, "notice subject too long");
	struct mail_head h = { subj, suffix, (time_t)created_unix, false,
			       to_office ? sub->office_name : NULL };
	return mail_headers(m, srv, sub, &h, err, errlen);
}

/* The body: what it is about and where to read it, nothing else. */
static int body(struct buf *out, const struct submission *sub, bool to_office,
		const char *link)
{
	if (to_office)
		buf_printf(out, "Guten Tag,\r\n\r\nzum Antrag %s (%s) gibt es eine neue "
			   "Nachricht der antragstellenden Person.\r\n\r\nSie lesen und "
			   "beantworten sie im Posteingang:\r\n%s\r\n", sub->reference,
			   sub->service_title, link);
	else
		buf_printf(out, "Guten Tag,\r\n\r\nzu Ihrem Antrag %s (%s) hat Ihnen die "
			   "zuständige Stelle eine neue Nachricht geschrieben.\r\n\r\n"
			   "Sie lesen und beantworten sie auf der Seite Ihres Antrags:\r\n"
			   "%s\r\n\r\nWer diesen Link kennt, kann Ihren Antrag einsehen. "
			   "Bitte geben Sie ihn nicht weiter.\r\n", sub->reference,
			   sub->service_title, link);
	buf_puts(out, "\r\nDiese E-Mail wurde automatisch erstellt; bitte antworten "
		 "Sie nicht auf sie.\r\n");
	return buf_failed(out) ? -1 : 0;
}

int mail_build_notice(struct mail_msg *m, const struct mail_server *srv,
		      const struct submission *sub, bool to_office,
		      long long job_id, long long created_unix, char *err,
		      size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->kind = to_office ? MAIL_NOTICE_OFFICE : MAIL_NOTICE_CITIZEN;
	buf_init(&m->body, MAIL_BODY_MAX);
	m->rcpt = to_office ? sub->recipient : sub->applicant_email;
	if (!srv->from || !mail_addr_valid(srv->from))
		return mail_fail(err, errlen, "sender address is not a plain address");
	if (!m->rcpt || !mail_addr_valid(m->rcpt))
		return mail_fail(err, errlen, "no usable %s address for the notice "
			    "(header injection refused)", to_office ? "office" : "applicant");
	if (!srv->public_url || !*srv->public_url)
		return mail_fail(err, errlen, "no public_url: a notice has nothing to link to");
	const char *vals[] = { sub->reference, sub->service_title, sub->office_name };
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
		if (!vals[i] || !header_safe(vals[i]) || !utf8_valid(vals[i], strlen(vals[i])))
			return mail_fail(err, errlen, "reference, service title or office "
				    "name unsafe for a header");
	char link[600];
	int k = to_office ? snprintf(link, sizeof link, "%s/amt/antrag/%lld",
				     srv->public_url, sub->id)
			  : snprintf(link, sizeof link, "%s/antrag/%s", srv->public_url,
				     sub->token ? sub->token : "");
	if (k < 0 || (size_t)k >= sizeof link || (!to_office && (!sub->token || !*sub->token)))
		return mail_fail(err, errlen, "no link for the notice");
	if (headers(m, srv, sub, to_office, job_id, created_unix, err, errlen) < 0)
		return -1;
	if (body(&m->body, sub, to_office, link) < 0)
		return mail_fail(err, errlen, "notice body larger than %zu bytes", m->body.max);
	return 0;
}
