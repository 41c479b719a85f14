/* mail.c - builds the header lines and body of a notification (see mail.h).
 * Sending is in smtp.c. */
#include "mail.h"
#include "mailhdr.h"
#include "rfc2047.h"
#include "util/arena.h"
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int mail_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);        /* truncation is fine here */
	va_end(ap);
	return -1;
}

/* The one check before a header line is taken: a line an append did not
 * fit into is cut off. */
static int add_header(struct mail_msg *m, struct buf *line)
{
	if (m->n_headers >= MAIL_MAX_HEADERS || buf_failed(line) || !line->data)
		return -1;
	m->headers[m->n_headers++] = xstrdup(line->data);
	buf_reset(line);
	return 0;
}

int mail_add_plain(struct mail_msg *m, struct buf *line, const char *name,
		   const char *value)
{
	if (!header_safe(value) || buf_printf(line, "%s: %s", name, value) < 0)
		return -1;
	return add_header(m, line);
}

int mail_add_mailbox(struct mail_msg *m, struct buf *line, const char *name,
		     const char *display, const char *addr)
{
	size_t col = strlen(name) + 2;
	if (buf_printf(line, "%s: ", name) < 0)
		return -1;
	if (display && *display) {
		if (rfc2047_phrase(line, display, &col) < 0)
			return -1;
		if (col + strlen(addr) + 3 > MAIL_LINE_MAX) {
			if (buf_puts(line, "\r\n") < 0)
				return -1;
			col = 0;
		}
		if (buf_putc(line, ' ') < 0)
			return -1;
	}
	if (buf_printf(line, "<%s>", addr) < 0)
		return -1;
	return add_header(m, line);
}

int mail_add_subject(struct mail_msg *m, struct buf *line, const char *text)
{
	size_t col = strlen("Subject: ");
	if (buf_puts(line, "Subject: ") < 0 || rfc2047_text(line, text, &col) < 0)
		return -1;
	return add_header(m, line);
}

static int check_submission(const struct submission *sub, char *err, size_t errlen)
{
	const char *what[] = { "reference", "city name", "service title",
				"office name", "received_at" };
	const char *val[] = { sub->reference, sub->city_name, sub->service_title,
			      sub->office_name, sub->received_at };
	for (size_t i = 0; i < sizeof what / sizeof *what; i++)
		if (!val[i] || !header_safe(val[i]) || !utf8_valid(val[i], strlen(val[i])))
			return mail_fail(err, errlen, "%s contains control characters "
				    "or invalid UTF-8 (header injection refused)", what[i]);
	if (!sub->recipient || !mail_addr_valid(sub->recipient))
		return mail_fail(err, errlen, "recipient address is not a plain "
			    "address (header injection refused)");
	return 0;
}

static int build_headers(struct mail_msg *m, const struct mail_server *srv,
			 const struct submission *sub, struct buf *line,
			 const struct mail_head *h, char *err, size_t errlen)
{
	char date[64];
	if (mail_date(date, sizeof date, h->date) < 0)
		return mail_fail(err, errlen, "bad date %lld", (long long)h->date);
	if (mail_message_id(m->message_id, sizeof m->message_id, sub->reference,
			    h->suffix, srv->msgid_host) < 0)
		return mail_fail(err, errlen, "cannot form a Message-ID from "
			    "reference and host \"%.60s\"", srv->msgid_host);
	bool ok = mail_add_mailbox(m, line, "From", NULL, srv->from) == 0 &&
		  mail_add_mailbox(m, line, "To", h->to_name, m->rcpt) == 0 &&
		  mail_add_subject(m, line, h->subject) == 0 &&
		  mail_add_plain(m, line, "Date", date) == 0 &&
		  mail_add_plain(m, line, "Message-ID", m->message_id) == 0;
	if (ok && h->reply_to && sub->applicant_email && *sub->applicant_email) {
		if (mail_addr_valid(sub->applicant_email))
			ok = mail_add_mailbox(m, line, "Reply-To", NULL,
					 sub->applicant_email) == 0;
		else
			m->reply_to_dropped = true;
	}
	ok = ok && mail_add_plain(m, line, "MIME-Version", "1.0") == 0 &&
	     mail_add_plain(m, line, "Auto-Submitted", "auto-generated") == 0 &&
	     mail_add_plain(m, line, "X-Serviceportal-Reference", sub->reference) == 0;
	if (!ok)
		return mail_fail(err, errlen, "cannot build the header (unsafe or "
			    "too long value)");
	return 0;
}

/* {public_url}/antrag/{token} into buf, or NULL when there is no address
 * or no token (a submission loaded without one) or it does not fit. */
static const char *application_link(const struct mail_server *srv,
				    const struct submission *sub,
				    char *buf, size_t n)
{
	if (!srv->public_url || !*srv->public_url || !sub->token || !*sub->token)
		return NULL;
	int k = snprintf(buf, n, "%s/antrag/%s", srv->public_url, sub->token);
	return k < 0 || (size_t)k >= n ? NULL : buf;
}

size_t mail_form_files(const struct submission *sub)
{
	size_t n = 0;
	while (n < sub->n_files && sub->files[n].added_unix == 0)
		n++;
	return n;
}

/* The start every mail shares: sender and submission checked, the body's
 * buffer ready. */
static int start(struct mail_msg *m, const struct mail_server *srv,
		 const struct submission *sub, enum mail_kind kind,
		 char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->kind = kind;
	buf_init(&m->body, MAIL_BODY_MAX);
	if (!srv->from || !mail_addr_valid(srv->from))
		return mail_fail(err, errlen, "sender address is not a plain address");
	return check_submission(sub, err, errlen);
}

int mail_office_start(struct mail_msg *m, const struct mail_server *srv,
		      const struct submission *sub, const char *subject,
		      const char *suffix, long long at, char *err, size_t errlen)
{
	if (start(m, srv, sub, MAIL_OFFICE, err, errlen) < 0)
		return -1;
	m->rcpt = sub->recipient;
	struct mail_head h = { subject, suffix, (time_t)at, false, sub->office_name };
	return mail_headers(m, srv, sub, &h, err, errlen);
}

int mail_build(struct mail_msg *m, const struct mail_server *srv,
	       const struct submission *sub, enum mail_kind kind,
	       char *err, size_t errlen)
{
	if (start(m, srv, sub, kind, err, errlen) < 0)
		return -1;
	if (kind == MAIL_OFFICE) {
		m->rcpt = sub->recipient;
		/* the form's own files: documents handed in later go in
		 * mails of their own ('document' jobs) */
		m->files = sub->files;
		m->n_files = mail_form_files(sub);
	} else {
		if (!sub->applicant_email || !mail_addr_valid(sub->applicant_email))
			return mail_fail(err, errlen, "no usable applicant address "
				    "for the receipt (header injection refused)");
		m->rcpt = sub->applicant_email;
	}
	char subject[1024];
	time_t t;
	if (rfc3339_parse(sub->received_at, &t) < 0)
		return mail_fail(err, errlen, "bad received_at \"%.40s\"", sub->received_at);
	int r = kind == MAIL_OFFICE
		? snprintf(subject, sizeof subject, "Neuer Antrag: %s – %s – %s",
			   sub->service_title, sub->city_name, sub->reference)
		: snprintf(subject, sizeof subject, "Eingangsbestätigung: %s – %s",
			   sub->service_title, sub->reference);
	if (r < 0 || (size_t)r >= sizeof subject)
		return mail_fail(err, errlen, "subject too long");
	struct mail_head h = { subject, kind == MAIL_RECEIPT ? "receipt" : NULL, t,
			       kind == MAIL_OFFICE,
			       kind == MAIL_OFFICE ? sub->office_name : NULL };
	if (mail_headers(m, srv, sub, &h, err, errlen) < 0)
		return -1;
	int rc;
	char link[600];
	if (kind == MAIL_OFFICE)
		rc = mail_office_body(&m->body, sub);
	else
		rc = mail_receipt_body(&m->body, sub,
				       application_link(srv, sub, link, sizeof link));
	if (rc < 0 || buf_failed(&m->body))
		return mail_fail(err, errlen, "body larger than %zu bytes", m->body.max);
	return 0;
}

int mail_headers(struct mail_msg *m, const struct mail_server *srv,
		 const struct submission *sub, const struct mail_head *h,
		 char *err, size_t errlen)
{
	struct buf line;
	buf_init(&line, 4096);
	int rc = build_headers(m, srv, sub, &line, h, err, errlen);
	buf_free(&line);
	return rc;
}

void mail_msg_free(struct mail_msg *m)
{
	for (size_t i = 0; i < m->n_headers; i++)
		free(m->headers[i]);
	m->n_headers = 0;
	buf_free(&m->body);
}
