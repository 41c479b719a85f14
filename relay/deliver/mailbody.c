/* mailbody.c - the plain-text bodies of the office mail and the receipt.
 * Lines end in CRLF (libcurl's quoted-printable encoder keeps CRLF as a line
 * break and would encode a bare LF as "=0A"). Form values are sanitised:
 * control characters other than line breaks and tabs and invalid UTF-8
 * bytes become '?', line breaks of any style become CRLF. */
#include "mail.h"
#include "identity/identity.h"
#include "mailhdr.h"
#include "rfc2047.h"
#include "util/utf8.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The appends below are not checked one by one: the body's buffer fails
 * sticky (util/buf.h) and mail_office_body/mail_receipt_body check it once,
 * so a body that did not fit is never sent cut off. */

/* Appends one value. Every line after a break is prefixed by indent.
 * NULL is treated as "" (the store gives "", but a mail must not crash). */
static void put_text(struct buf *out, const char *s, const char *indent)
{
	const char *p = s ? s : "";
	const char *end = p + strlen(p);
	while (*p) {
		unsigned char c = (unsigned char)*p;
		if (c == '\r' || c == '\n') {
			p += (c == '\r' && p[1] == '\n') ? 2 : 1;
			buf_puts(out, "\r\n");
			buf_puts(out, indent);
			continue;
		}
		size_t k = utf8_seq(p, (size_t)(end - p));
		if (k == 0 || (c < 0x20 && c != '\t') || c == 0x7F) {
			buf_putc(out, '?');
			p++;
			continue;
		}
		buf_append(out, p, k);
		p += k;
	}
}

static void put_line(struct buf *out, const char *label, const char *value)
{
	put_text(out, label, "");
	buf_puts(out, ": ");
	put_text(out, value, "  ");
	buf_puts(out, "\r\n");
}

static void put_heading(struct buf *out, const char *title, size_t chars)
{
	buf_puts(out, "\r\n");
	buf_puts(out, title);
	buf_puts(out, "\r\n");
	for (size_t i = 0; i < chars; i++)
		buf_putc(out, '=');
	buf_puts(out, "\r\n\r\n");
}

/* A multi-line value starts on the line after its label, indented. */
static void put_field(struct buf *out, const struct sub_field *f)
{
	const char *v = f->value && *f->value ? f->value : "(keine Angabe)";
	if (!strpbrk(v, "\r\n")) {
		put_line(out, f->label, v);
		return;
	}
	put_text(out, f->label, "");
	buf_puts(out, ":\r\n  ");
	put_text(out, v, "  ");
	buf_puts(out, "\r\n");
}

int mail_office_body(struct buf *out, const struct submission *sub)
{
	char when[128];
	de_stamp(sub->received_at, when, sizeof when);
	buf_puts(out, "Neuer Antrag über das Serviceportal\r\n\r\n");
	put_line(out, "Vorgangsnummer", sub->reference);
	put_line(out, "Stadt", sub->city_name);
	put_line(out, "Leistung", sub->service_title);
	put_line(out, "Zuständige Stelle", sub->office_name);
	put_line(out, "Eingegangen", when);
	if (sub->payment)
		put_line(out, "Zahlung", sub->payment);
	struct arena a;
	arena_init(&a);
	const char *ident = identity_note(&a, sub);
	if (ident) {
		put_text(out, ident, "");
		buf_puts(out, "\r\n");
	}
	arena_free(&a);
	put_heading(out, "Angaben", 7);
	for (size_t i = 0; i < sub->n_fields; i++)
		put_field(out, &sub->fields[i]);
	size_t n_files = mail_form_files(sub);
	if (n_files > 0) {
		put_heading(out, "Anhänge", 7);
		for (size_t i = 0; i < n_files; i++) {
			const struct sub_file *f = &sub->files[i];
			buf_printf(out, "%zu. ", i + 1);
			put_text(out, f->filename, "");
			buf_puts(out, " – ");
			put_text(out, f->label, "");
			buf_puts(out, " (");
			put_text(out, f->mime, "");
			buf_printf(out, ", %zu Bytes)\r\n", f->len);
		}
	}
	buf_puts(out, "\r\n-- \r\nDiese Nachricht wurde automatisch "
		 "erzeugt. Eine Antwort geht an die antragstellende "
		 "Person, sofern sie eine E-Mail-Adresse angegeben hat.\r\n");
	return buf_failed(out) ? -1 : 0;
}

/* No field values: only what the applicant needs to refer to the case,
 * and the private link to the application page (which shows them only to
 * whoever holds the link, as the confirmation page in the browser did). */
int mail_receipt_body(struct buf *out, const struct submission *sub,
		      const char *link)
{
	char when[128];
	de_stamp(sub->received_at, when, sizeof when);
	buf_puts(out, "Guten Tag,\r\n\r\nIhr Antrag ist bei uns "
		 "eingegangen und gespeichert.\r\n\r\n");
	put_line(out, "Vorgangsnummer", sub->reference);
	put_line(out, "Leistung", sub->service_title);
	put_line(out, "Stadt", sub->city_name);
	put_line(out, "Zuständige Stelle", sub->office_name);
	put_line(out, "Eingegangen", when);
	if (link && *link) {
		buf_puts(out, "\r\nDen Stand Ihres Antrags sehen Sie jederzeit "
			 "auf dieser Seite:\r\n");
		put_text(out, link, "");
		buf_puts(out, "\r\nWer diesen Link kennt, kann Ihren Antrag "
			 "einsehen. Bitte geben Sie ihn nicht weiter.\r\n");
	}
	buf_puts(out, "\r\nBitte geben Sie bei Rückfragen die "
		 "Vorgangsnummer an. Zum Schutz Ihrer Daten enthält "
		 "diese Bestätigung keine Angaben aus Ihrem Antrag.\r\n"
		 "\r\n-- \r\nDiese Nachricht wurde automatisch erzeugt; "
		 "bitte antworten Sie nicht darauf.\r\n");
	return buf_failed(out) ? -1 : 0;
}
