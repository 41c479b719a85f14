/* mailbody.c - the plain-text bodies of the office mail and the receipt.
 * Lines end in CRLF (libcurl's quoted-printable encoder keeps CRLF as a line
 * break and would encode a bare LF as "=0A"). Form values are sanitised:
 * control characters other than line breaks and tabs and invalid UTF-8
 * bytes become '?', line breaks of any style become CRLF. */
#include "mail.h"
#include "mailhdr.h"
#include "rfc2047.h"
#include "util/utf8.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Appends one value. Every line after a break is prefixed by indent.
 * NULL is treated as "" (the store gives "", but a mail must not crash). */
static int put_text(struct buf *out, const char *s, const char *indent)
{
	const char *p = s ? s : "";
	const char *end = p + strlen(p);
	while (*p) {
		unsigned char c = (unsigned char)*p;
		if (c == '\r' || c == '\n') {
			p += (c == '\r' && p[1] == '\n') ? 2 : 1;
			if (buf_puts(out, "\r\n") < 0 || buf_puts(out, indent) < 0)
				return -1;
			continue;
		}
		size_t k = utf8_seq(p, (size_t)(end - p));
		if (k == 0 || (c < 0x20 && c != '\t') || c == 0x7F) {
			if (buf_putc(out, '?') < 0)
				return -1;
			p++;
			continue;
		}
		if (buf_append(out, p, k) < 0)
			return -1;
		p += k;
	}
	return 0;
}

static int put_line(struct buf *out, const char *label, const char *value)
{
	if (put_text(out, label, "") < 0 || buf_puts(out, ": ") < 0 ||
	    put_text(out, value, "  ") < 0 || buf_puts(out, "\r\n") < 0)
		return -1;
	return 0;
}

static int put_heading(struct buf *out, const char *title, size_t chars)
{
	if (buf_puts(out, "\r\n") < 0 || buf_puts(out, title) < 0 ||
	    buf_puts(out, "\r\n") < 0)
		return -1;
	for (size_t i = 0; i < chars; i++)
		if (buf_putc(out, '=') < 0)
			return -1;
	return buf_puts(out, "\r\n\r\n");
}

static void received_text(const struct submission *sub, char *out, size_t n)
{
	time_t t;
	char human[64];
	if (rfc3339_parse(sub->received_at, &t) == 0 &&
	    human_date(human, sizeof human, t) == 0) {
		int r = snprintf(out, n, "%s (%s)", human, sub->received_at);
		if (r >= 0 && (size_t)r < n)
			return;
	}
	snprintf(out, n, "%.60s", sub->received_at);
}

/* A multi-line value starts on the line after its label, indented. */
static int put_field(struct buf *out, const struct sub_field *f)
{
	const char *v = f->value && *f->value ? f->value : "(keine Angabe)";
	if (!strpbrk(v, "\r\n"))
		return put_line(out, f->label, v);
	if (put_text(out, f->label, "") < 0 || buf_puts(out, ":\r\n  ") < 0 ||
	    put_text(out, v, "  ") < 0 || buf_puts(out, "\r\n") < 0)
		return -1;
	return 0;
}

int mail_office_body(struct buf *out, const struct submission *sub)
{
	char when[128];
	received_text(sub, when, sizeof when);
	if (buf_puts(out, "Neuer Antrag über das Serviceportal\r\n\r\n") < 0 ||
	    put_line(out, "Vorgangsnummer", sub->reference) < 0 ||
	    put_line(out, "Stadt", sub->city_name) < 0 ||
	    put_line(out, "Leistung", sub->service_title) < 0 ||
	    put_line(out, "Zuständige Stelle", sub->office_name) < 0 ||
	    put_line(out, "Eingegangen", when) < 0 ||
	    put_heading(out, "Angaben", 7) < 0)
		return -1;
	for (size_t i = 0; i < sub->n_fields; i++)
		if (put_field(out, &sub->fields[i]) < 0)
			return -1;
	if (sub->n_files > 0) {
		if (put_heading(out, "Anhänge", 7) < 0)
			return -1;
		for (size_t i = 0; i < sub->n_files; i++) {
			const struct sub_file *f = &sub->files[i];
			if (buf_printf(out, "%zu. ", i + 1) < 0 ||
			    put_text(out, f->filename, "") < 0 ||
			    buf_puts(out, " – ") < 0 ||
			    put_text(out, f->label, "") < 0 ||
			    buf_puts(out, " (") < 0 ||
			    put_text(out, f->mime, "") < 0 ||
			    buf_printf(out, ", %zu Bytes)\r\n", f->len) < 0)
				return -1;
		}
	}
	if (buf_puts(out, "\r\n-- \r\nDiese Nachricht wurde automatisch "
		     "erzeugt. Eine Antwort geht an die antragstellende "
		     "Person, sofern sie eine E-Mail-Adresse angegeben hat.\r\n") < 0)
		return -1;
	return 0;
}

/* No field values: only what the applicant needs to refer to the case. */
int mail_receipt_body(struct buf *out, const struct submission *sub)
{
	char when[128];
	received_text(sub, when, sizeof when);
	if (buf_puts(out, "Guten Tag,\r\n\r\nIhr Antrag ist bei uns "
		     "eingegangen und gespeichert.\r\n\r\n") < 0 ||
	    put_line(out, "Vorgangsnummer", sub->reference) < 0 ||
	    put_line(out, "Leistung", sub->service_title) < 0 ||
	    put_line(out, "Stadt", sub->city_name) < 0 ||
	    put_line(out, "Zuständige Stelle", sub->office_name) < 0 ||
	    put_line(out, "Eingegangen", when) < 0 ||
	    buf_puts(out, "\r\nBitte geben Sie bei Rückfragen die "
		     "Vorgangsnummer an. Zum Schutz Ihrer Daten enthält "
		     "diese Bestätigung keine Angaben aus Ihrem Antrag.\r\n"
		     "\r\n-- \r\nDiese Nachricht wurde automatisch erzeugt; "
		     "bitte antworten Sie nicht darauf.\r\n") < 0)
		return -1;
	return 0;
}
