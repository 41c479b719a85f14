/* notice.c - see notice.h. */
#include "notice.h"
#include "mailhdr.h"
#include "rfc2047.h"
#include "util/arena.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);        /* truncation is fine here */
	va_end(ap);
	return -1;
}

/* Takes the line as a header unless an append did not fit into it. */
static int take(struct mail_msg *m, struct buf *line)
{
	if (m->n_headers >= MAIL_MAX_HEADERS || buf_failed(line) || !line->data)
		return -1;
	m->headers[m->n_headers++] = xstrdup(line->data);
	buf_reset(line);
	return 0;
}

static int plain(struct mail_msg *m, struct buf *line, const char *name,
		 const char *value)
{
	if (!header_safe(value) || buf_printf(line, "%s: %s", name, value) < 0)
		return -1;
	return take(m, line);
}

/* "To: Name <addr>" (display may be NULL); the address on a folded line
 * of its own when the name fills the first. */
static int mailbox(struct mail_msg *m, struct buf *line, const char *name,
		   const char *display, const char *addr)
{
	size_t col = strlen(name) + 2;
	if (buf_printf(line, "%s: ", name) < 0)
		return -1;
	if (display && *display) {
		if (rfc2047_phrase(line, display, &col) < 0 ||
		    buf_puts(line, col + strlen(addr) + 3 > MAIL_LINE_MAX ?
			     "\r\n " : " ") < 0)
			return -1;
	}
	if (buf_printf(line, "<%s>", addr) < 0)
		return -1;
	return take(m, line);
}

static int subject(struct mail_msg *m, struct buf *line, const char *text)
{
	size_t col = strlen("Subject: ");
	if (buf_puts(line, "Subject: ") < 0 || rfc2047_text(line, text, &col) < 0)
		return -1;
	return take(m, line);
}

static int headers(struct mail_msg *m, const struct mail_server *srv,
		   const struct submission *sub, bool to_office, long long job_id,
		   long long created_unix, struct buf *line)
{
	char date[64], suffix[40], subj[200];
	int k = snprintf(suffix, sizeof suffix, "notice-%lld", job_id);
	int j = snprintf(subj, sizeof subj, "Neue Nachricht zu %s %s",
			 to_office ? "Antrag" : "Ihrem Antrag", sub->reference);
	if (k < 0 || (size_t)k >= sizeof suffix || j < 0 || (size_t)j >= sizeof subj ||
	    mail_date(date, sizeof date, (time_t)created_unix) < 0 ||
	    mail_message_id(m->message_id, sizeof m->message_id, sub->reference,
			    suffix, srv->msgid_host) < 0)
		return -1;
	return mailbox(m, line, "From", NULL, srv->from) == 0 &&
	       mailbox(m, line, "To", to_office ? sub->office_name : NULL, m->rcpt) == 0 &&
	       subject(m, line, subj) == 0 &&
	       plain(m, line, "Date", date) == 0 &&
	       plain(m, line, "Message-ID", m->message_id) == 0 &&
	       plain(m, line, "MIME-Version", "1.0") == 0 &&
	       plain(m, line, "Auto-Submitted", "auto-generated") == 0 &&
	       plain(m, line, "X-Serviceportal-Reference", sub->reference) == 0 ? 0 : -1;
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
		return fail(err, errlen, "sender address is not a plain address");
	if (!m->rcpt || !mail_addr_valid(m->rcpt))
		return fail(err, errlen, "no usable %s address for the notice "
			    "(header injection refused)", to_office ? "office" : "applicant");
	if (!srv->public_url || !*srv->public_url)
		return fail(err, errlen, "no public_url: a notice has nothing to link to");
	const char *vals[] = { sub->reference, sub->service_title, sub->office_name };
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
		if (!vals[i] || !header_safe(vals[i]) || !utf8_valid(vals[i], strlen(vals[i])))
			return fail(err, errlen, "reference, service title or office "
				    "name unsafe for a header");
	char link[600];
	int k = to_office ? snprintf(link, sizeof link, "%s/amt/antrag/%lld",
				     srv->public_url, sub->id)
			  : snprintf(link, sizeof link, "%s/antrag/%s", srv->public_url,
				     sub->token ? sub->token : "");
	if (k < 0 || (size_t)k >= sizeof link || (!to_office && (!sub->token || !*sub->token)))
		return fail(err, errlen, "no link for the notice");
	struct buf line;
	buf_init(&line, 4096);
	int rc = headers(m, srv, sub, to_office, job_id, created_unix, &line);
	buf_free(&line);
	if (rc < 0)
		return fail(err, errlen, "cannot build the notice's header (unsafe or "
			    "too long value)");
	if (body(&m->body, sub, to_office, link) < 0)
		return fail(err, errlen, "notice body larger than %zu bytes", m->body.max);
	return 0;
}
