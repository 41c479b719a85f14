/* maillink.c - see maillink.h. Every text that reaches these bodies was
 * checked by mail_office_start (reference, names and titles: no control
 * characters, valid UTF-8) or made by the relay (file names, the link);
 * nothing the citizen typed is in them. Lines end in CRLF (mailbody.c
 * says why). */
#include "maillink.h"
#include <stdio.h>
#include <string.h>
#include "util/datetime.h"

/* {public_url}/amt/antrag/<id> into out; -1 when there is no address or
 * it does not fit (a permanent problem of the configuration). */
static int inbox_link(const struct mail_server *srv, const struct submission *sub,
		      char *out, size_t n)
{
	if (!srv->public_url || !*srv->public_url)
		return -1;
	int k = snprintf(out, n, "%s/amt/antrag/%lld", srv->public_url, sub->id);
	return k < 0 || (size_t)k >= n ? -1 : 0;
}

static void facts(struct buf *b, const struct submission *sub)
{
	char when[128];
	de_stamp(sub->received_at, when, sizeof when);
	buf_printf(b, "Vorgangsnummer: %s\r\nStadt: %s\r\nLeistung: %s\r\n"
		   "Zuständige Stelle: %s\r\nEingegangen: %s\r\n", sub->reference,
		   sub->city_name, sub->service_title, sub->office_name, when);
	if (sub->payment)
		buf_printf(b, "Zahlung: %s\r\n", sub->payment);
}

static int finish(struct mail_msg *m, char *err, size_t errlen)
{
	buf_puts(&m->body, "\r\n-- \r\nDiese Nachricht wurde automatisch erzeugt; "
		 "bitte antworten Sie nicht darauf.\r\n");
	if (!buf_failed(&m->body))
		return 0;
	snprintf(err, errlen, "body larger than %zu bytes", m->body.max);
	return -1;
}

int mail_build_link(struct mail_msg *m, const struct mail_server *srv,
		    const struct submission *sub, char *err, size_t errlen)
{
	char subject[1024], link[600];
	time_t t;
	int k = snprintf(subject, sizeof subject, "Neuer Antrag: %s – %s – %s",
			 sub->service_title, sub->city_name, sub->reference);
	if (k < 0 || (size_t)k >= sizeof subject) {
		memset(m, 0, sizeof *m);
		snprintf(err, errlen, "subject too long");
		return -1;
	}
	if (rfc3339_parse(sub->received_at, &t) < 0)
		t = 0;
	if (mail_office_start(m, srv, sub, subject, NULL, (long long)t, err,
			      errlen) < 0)
		return -1;
	if (inbox_link(srv, sub, link, sizeof link) < 0) {
		snprintf(err, errlen, "no inbox link: public_url missing or too long");
		return -1;
	}
	struct buf *b = &m->body;
	buf_puts(b, "Neuer Antrag über das Serviceportal\r\n\r\n");
	facts(b, sub);
	buf_printf(b, "\r\nDen Antrag mit allen Angaben und Dateien öffnen Sie im "
		   "Posteingang:\r\n%s\r\n\r\nZum Schutz der Daten der "
		   "antragstellenden Person enthält diese E-Mail keine Angaben "
		   "aus dem Antrag und keine Anhänge.\r\n", link);
	return finish(m, err, errlen);
}

int mail_build_document(struct mail_msg *m, const struct mail_server *srv,
			const struct submission *sub, const struct sub_file *doc,
			bool full, char *err, size_t errlen)
{
	char subject[256], suffix[48], link[600], when[64];
	int k = snprintf(subject, sizeof subject, "Unterlagen zu Antrag %s "
			 "nachgereicht", sub->reference);
	int s = snprintf(suffix, sizeof suffix, "document-%lld", doc->id);
	if (k < 0 || (size_t)k >= sizeof subject || s < 0 ||
	    (size_t)s >= sizeof suffix) {
		memset(m, 0, sizeof *m);
		snprintf(err, errlen, "subject too long");
		return -1;
	}
	if (mail_office_start(m, srv, sub, subject, suffix, doc->added_unix, err,
			      errlen) < 0)
		return -1;
	if (inbox_link(srv, sub, link, sizeof link) < 0) {
		snprintf(err, errlen, "no inbox link: public_url missing or too long");
		return -1;
	}
	if (de_date_time(when, sizeof when, (time_t)doc->added_unix) < 0)
		when[0] = '\0';
	struct buf *b = &m->body;
	buf_printf(b, "Zu diesem Antrag wurden Unterlagen nachgereicht.\r\n\r\n");
	facts(b, sub);
	buf_printf(b, "Nachgereicht: %s\r\n", when);
	if (full) {
		/* the name is the relay's ("nachgereicht-2.pdf"), never the client's */
		buf_printf(b, "Datei: %s (%s, %zu Bytes), im Anhang\r\n", doc->filename,
			   doc->mime, doc->len);
		m->files = doc;
		m->n_files = 1;
	}
	buf_printf(b, "\r\nIm Posteingang:\r\n%s\r\n", link);
	if (!full)
		buf_puts(b, "\r\nZum Schutz der Daten der antragstellenden Person "
			 "enthält diese E-Mail die Unterlage nicht.\r\n");
	return finish(m, err, errlen);
}
