/* deliver_mail.c - unit tests of the mail pieces: RFC 2047 encoding and
 * folding, refusal of header injection, the stable Message-ID, the RFC 5322
 * date in German civil time, addresses, the bodies and the retry backoff. */
#include "deliver/mail.h"
#include "deliver/notice.h"
#include "deliver/mailhdr.h"
#include "deliver/rfc2047.h"
#include "deliver/worker.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "tap.h"
#include "b64dec.h"

struct check {
	size_t longest_line, longest_word, words;
	int bad_word;           /* a word that is not valid UTF-8 by itself */
	int bad_fold;           /* a continuation line not starting with SP */
	struct buf text;        /* decoded concatenation */
};

/* Splits a folded header value into lines and encoded-words, decoding each
 * word on its own, the way a strict reader would. col0 = header name width. */
static void inspect(const char *v, size_t col0, struct check *c)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->text, 1 << 16);
	const char *line = v;
	size_t col = col0;
	for (;;) {
		const char *end = strstr(line, "\r\n");
		size_t n = end ? (size_t)(end - line) : strlen(line);
		if (col + n > c->longest_line)
			c->longest_line = col + n;
		if (line != v && line[0] != ' ')
			c->bad_fold = 1;
		const char *p = line, *stop = line + n;
		while (p < stop) {
			const char *w = strstr(p, "=?UTF-8?B?");
			if (!w || w >= stop) {
				if (buf_append(&c->text, p, (size_t)(stop - p)) < 0)
					c->bad_word = 1;
				break;
			}
			const char *we = strstr(w + 10, "?=");
			if (!we || we > stop) {
				c->bad_word = 1;
				break;
			}
			size_t wl = (size_t)(we + 2 - w);
			if (wl > c->longest_word)
				c->longest_word = wl;
			c->words++;
			struct buf one;
			buf_init(&one, 1024);
			if (b64dec(w + 10, (size_t)(we - w - 10), &one) < 0 ||
			    !utf8_valid(one.data ? one.data : "", one.len))
				c->bad_word = 1;
			else if (buf_append(&c->text, one.data, one.len) < 0)
				c->bad_word = 1;
			buf_free(&one);
			p = we + 2;
			while (p < stop && *p == ' ')
				p++;        /* white space between words is dropped */
		}
		if (!end)
			break;
		line = end + 2;
		col = 0;
	}
	if (!c->text.data)
		buf_puts(&c->text, "");
}

static void test_rfc2047(void)
{
	const char *subj = "Neuer Antrag: Anmeldung einer privaten Veranstaltung – "
			   "Castrop-Rauxel – CAS-2026-4K7P9X (Grünfläche, Straßenfest, Übergabe)";
	struct buf b;
	struct check c;
	size_t col = 9;
	buf_init(&b, 1 << 16);
	ok(rfc2047_text(&b, subj, &col) == 0, "rfc2047: umlaut subject encodes");
	inspect(b.data, 9, &c);
	ok(c.words >= 2, "rfc2047: long subject split into %zu encoded-words", c.words);
	ok(c.longest_word <= 75, "rfc2047: encoded-words <= 75 chars (longest %zu)", c.longest_word);
	ok(c.longest_line <= 78, "rfc2047: folded lines <= 78 chars (longest %zu)", c.longest_line);
	ok(!c.bad_fold, "rfc2047: every continuation line starts with a space");
	ok(!c.bad_word, "rfc2047: every word is valid UTF-8 by itself (no split sequence)");
	ok(strcmp(c.text.data, subj) == 0, "rfc2047: words decode to the original subject");
	ok(!strchr(b.data, '\n') || strstr(b.data, "\r\n "), "rfc2047: folds are CRLF SP");
	buf_free(&c.text);

	/* Only multi-byte characters: a naive 45-byte cut would split one. */
	char many[601] = "";
	for (int i = 0; i < 100; i++)
		strcat(many, i % 3 ? "ä" : "€");
	buf_reset(&b);
	col = 9;
	ok(rfc2047_text(&b, many, &col) == 0, "rfc2047: 100 multi-byte characters encode");
	inspect(b.data, 9, &c);
	ok(!c.bad_word && strcmp(c.text.data, many) == 0 && c.longest_word <= 75 &&
	   c.longest_line <= 78, "rfc2047: multi-byte text round-trips, %zu words, no split", c.words);
	buf_free(&c.text);

	const char *ascii = "Neuer Antrag: Hund anmelden - Dorsten - DOR-2026-4K7P9X";
	buf_reset(&b);
	col = 9;
	ok(rfc2047_text(&b, ascii, &col) == 0 && strcmp(b.data, ascii) == 0,
	   "rfc2047: plain ASCII stays readable");
	char longascii[400] = "";
	for (int i = 0; i < 30; i++)
		strcat(longascii, "Antrag ");
	strcat(longascii, "Ende");
	buf_reset(&b);
	col = 9;
	ok(rfc2047_text(&b, longascii, &col) == 0, "rfc2047: long ASCII folds");
	inspect(b.data, 9, &c);
	ok(c.longest_line <= 78 && !c.bad_fold && c.words == 0,
	   "rfc2047: long ASCII folded at spaces to <= 78 (longest %zu)", c.longest_line);
	buf_free(&c.text);
	buf_reset(&b);
	col = 9;
	ok(rfc2047_text(&b, "Preis =?UTF-8?B?SGk=?= fake", &col) == 0 &&
	   strncmp(b.data, "=?UTF-8?B?", 10) == 0,
	   "rfc2047: ASCII that looks like an encoded-word gets encoded");

	const char *bad[] = { "Antrag\r\nBcc: x@evil.example", "Antrag\nBcc: x",
			      "Antrag\rX", "Tab\there", "bad \xC3\x28 utf8",
			      "overlong \xC0\xAF", "surrogate \xED\xA0\x80" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		buf_reset(&b);
		col = 9;
		ok(rfc2047_text(&b, bad[i], &col) < 0, "rfc2047: refuses control/invalid input #%zu", i);
	}
	buf_reset(&b);
	col = 4;
	ok(rfc2047_phrase(&b, "Standesamt Dorsten", &col) == 0 &&
	   strcmp(b.data, "Standesamt Dorsten") == 0, "phrase: atext stays bare");
	buf_reset(&b);
	col = 4;
	ok(rfc2047_phrase(&b, "Amt \"A\", Dorsten", &col) == 0 &&
	   strcmp(b.data, "\"Amt \\\"A\\\", Dorsten\"") == 0, "phrase: specials are quoted");
	buf_reset(&b);
	col = 4;
	ok(rfc2047_phrase(&b, "Bürgerbüro Gelsenkirchen", &col) == 0 &&
	   strncmp(b.data, "=?UTF-8?B?", 10) == 0, "phrase: umlauts become encoded-words");
	buf_free(&b);
}

static void test_dates(void)
{
	struct { const char *in, *want; } t[] = {
		{ "2026-11-25T20:41:07Z", "Wed, 25 Nov 2026 21:41:07 +0100" },
		{ "2026-07-01T12:00:00Z", "Wed, 01 Jul 2026 14:00:00 +0200" },
		{ "2026-03-29T00:59:59Z", "Sun, 29 Mar 2026 01:59:59 +0100" },
		{ "2026-03-29T01:00:00Z", "Sun, 29 Mar 2026 03:00:00 +0200" },
		{ "2026-10-25T00:59:59Z", "Sun, 25 Oct 2026 02:59:59 +0200" },
		{ "2026-10-25T01:00:00Z", "Sun, 25 Oct 2026 02:00:00 +0100" },
		{ "2024-02-29T23:00:00Z", "Fri, 01 Mar 2024 00:00:00 +0100" },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		time_t x;
		char out[64] = "";
		int r = rfc3339_parse(t[i].in, &x);
		if (r == 0)
			r = mail_date(out, sizeof out, x);
		ok(r == 0 && strcmp(out, t[i].want) == 0, "date: %s -> \"%s\" (got \"%s\")",
		   t[i].in, t[i].want, out);
	}
	const char *bad[] = { "2026-11-25 20:41:07", "2026-13-01T00:00:00Z",
			      "2026-11-25T20:41:07Z\r\nX: y", "", "2026-11-25T20:41:07+01:00",
			      "2026-02-30T00:00:00Z", "2026-04-31T12:00:00Z" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		time_t x;
		ok(rfc3339_parse(bad[i], &x) < 0, "date: refuses malformed received_at #%zu", i);
	}
	char small[10];
	time_t x = 0;
	ok(mail_date(small, sizeof small, x) < 0, "date: too small buffer is an error, not truncation");
}

static void test_addresses(void)
{
	const char *good[] = { "standesamt@dorsten.de", "max.mustermann+antrag@example.org",
			       "a@b.co", "o'brien@x-y.example" };
	const char *bad[] = { "", "no-at", "@dorsten.de", "a@", "a@localhost",
			      "a@b.de\r\nBcc: evil@x.example", "a@b.de>", "<a@b.de>",
			      "a b@c.de", "a@b..de", ".a@b.de", "a..b@c.de", "a@-b.de",
			      "a@b-.de", "a@b.de,c@d.de", "\"a\"@b.de", "jürgen@b.de",
			      "a@b.de\n", "a@b_c.de" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		ok(mail_addr_valid(good[i]), "address: accepts %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(!mail_addr_valid(bad[i]), "address: refuses bad address #%zu", i);
	char h[64];
	ok(url_host("https://formulare.example.de:8443/submit", h, sizeof h) == 0 &&
	   strcmp(h, "formulare.example.de") == 0, "url_host: host from URL");
}

static struct sub_field fields[] = {
	{ "vorname", "Vorname", "Max", "" },
	{ "nachname", "Nachname", "Müller-Lüdenscheidt", "" },
	{ "bemerkung", "Bemerkung", "Zeile eins\r\nBcc: evil@attacker.example\nZeile drei", "" },
	{ "telefon", "Telefon", "", "" },
	{ "einverstanden", "Einverständnis", "ja", "" },
};
static const unsigned char pdf[] = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n";
static struct sub_file files[] = {
	{ "nachweis", "Versicherungsnachweis", "nachweis-1.pdf", "application/pdf",
	  pdf, sizeof pdf - 1, 0, 0 },
};

static struct submission sample(void)
{
	return (struct submission){
		.id = 7, .reference = "DOR-2026-4K7P9X", .city = "dorsten",
		.service = "hundeanmeldung", .city_name = "Dorsten",
		.service_title = "Hund anmelden (Hundesteuer)",
		.recipient = "steueramt@dorsten.example",
		.office_name = "Steueramt Dorsten",
		.applicant_email = "max@example.org",
		.received_at = "2026-11-25T20:41:07Z",
		.fields = fields, .n_fields = sizeof fields / sizeof *fields,
		.files = files, .n_files = 1,
	};
}

static const struct mail_server srv = {
	.url = "smtp://127.0.0.1:1", .from = "formulare@serviceportal.example",
	.msgid_host = "formulare.serviceportal.example",
};

static const char *header(const struct mail_msg *m, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < m->n_headers; i++)
		if (strncasecmp(m->headers[i], name, n) == 0 && m->headers[i][n] == ':')
			return m->headers[i] + n + 2;
	return NULL;
}

static int any_header_has(const struct mail_msg *m, const char *s)
{
	for (size_t i = 0; i < m->n_headers; i++)
		if (strstr(m->headers[i], s))
			return 1;
	return 0;
}

static void test_build(void)
{
	struct submission sub = sample();
	struct mail_msg m, m2;
	char err[300] = "";
	ok(mail_build(&m, &srv, &sub, MAIL_OFFICE, err, sizeof err) == 0,
	   "build: office mail builds (%s)", err);
	ok(strcmp(m.message_id, "<DOR-2026-4K7P9X@formulare.serviceportal.example>") == 0,
	   "message-id: <REFERENCE@relay-host> (%s)", m.message_id);
	ok(mail_build(&m2, &srv, &sub, MAIL_OFFICE, err, sizeof err) == 0 &&
	   strcmp(m.message_id, m2.message_id) == 0 &&
	   strcmp(header(&m, "Date"), header(&m2, "Date")) == 0,
	   "message-id: the same submission always gets the same Message-ID and Date");
	mail_msg_free(&m2);
	ok(header(&m, "Date") && strcmp(header(&m, "Date"), "Wed, 25 Nov 2026 21:41:07 +0100") == 0,
	   "build: Date is the received time in RFC 5322 form");
	ok(header(&m, "Reply-To") && strcmp(header(&m, "Reply-To"), "<max@example.org>") == 0,
	   "build: Reply-To is the applicant");
	ok(header(&m, "To") && strcmp(header(&m, "To"), "Steueramt Dorsten <steueramt@dorsten.example>") == 0,
	   "build: To names the office");
	ok(header(&m, "MIME-Version") && header(&m, "Subject") &&
	   strstr(header(&m, "Subject"), "=?UTF-8?B?"), "build: MIME-Version and encoded Subject");
	ok(!any_header_has(&m, "evil") && !any_header_has(&m, "Bcc"),
	   "injection: a CR/LF form value adds no header");
	ok(strstr(m.body.data, "Bemerkung:\r\n  Zeile eins\r\n  Bcc: evil@attacker.example\r\n  Zeile drei\r\n") != NULL,
	   "body: multi-line value is indented under its label (cannot start a header line)");
	ok(strstr(m.body.data, "Vorname: Max\r\n") && strstr(m.body.data, "Nachname: Müller-Lüdenscheidt\r\n") &&
	   strstr(m.body.data, "Telefon: (keine Angabe)\r\n") && strstr(m.body.data, "Einverständnis: ja\r\n"),
	   "body: every field by its label");
	const char *a = strstr(m.body.data, "Vorname:"), *b = strstr(m.body.data, "Nachname:"),
		   *c = strstr(m.body.data, "Bemerkung:"), *d = strstr(m.body.data, "Einverständnis:");
	ok(a && b && c && d && a < b && b < c && c < d, "body: fields in form order");
	ok(strstr(m.body.data, "Vorgangsnummer: DOR-2026-4K7P9X\r\n") &&
	   strstr(m.body.data, "Stadt: Dorsten\r\n") &&
	   strstr(m.body.data, "Leistung: Hund anmelden (Hundesteuer)\r\n") &&
	   strstr(m.body.data, "Eingegangen: 25. November 2026, 21:41 Uhr\r\n") &&
	   strstr(m.body.data, "1. nachweis-1.pdf – Versicherungsnachweis (application/pdf,"),
	   "body: reference, city, service, received time and attachment list");
	int bare_lf = 0;
	for (size_t i = 0; i < m.body.len; i++)
		if (m.body.data[i] == '\n' && (i == 0 || m.body.data[i - 1] != '\r'))
			bare_lf = 1;
	ok(!bare_lf, "body: CRLF line ends only");
	mail_msg_free(&m);

	struct mail_msg r;
	ok(mail_build(&r, &srv, &sub, MAIL_RECEIPT, err, sizeof err) == 0 &&
	   strcmp(r.rcpt, "max@example.org") == 0 && r.n_files == 0 &&
	   strcmp(r.message_id, "<DOR-2026-4K7P9X.receipt@formulare.serviceportal.example>") == 0,
	   "receipt: to the applicant, own stable Message-ID, no attachments");
	ok(!strstr(r.body.data, "Max") && !strstr(r.body.data, "Müller") &&
	   !strstr(r.body.data, "evil") && strstr(r.body.data, "DOR-2026-4K7P9X"),
	   "receipt: no field values, but the reference");
	ok(!header(&r, "Reply-To"), "receipt: no Reply-To (the office address is never published)");
	ok(!strstr(r.body.data, "/antrag/"), "receipt: no link without public_url and token");
	mail_msg_free(&r);

	/* With relayd's address and the token: the application page's link,
	 * in the receipt only (the office never gets the citizen's link). */
	struct mail_server ls = srv;
	ls.public_url = "https://formulare.serviceportal.example";
	sub.token = "AbCdEfGhIjKlMnOpQrStUvWx";
	ok(mail_build(&r, &ls, &sub, MAIL_RECEIPT, err, sizeof err) == 0 &&
	   strstr(r.body.data, "https://formulare.serviceportal.example/antrag/"
		  "AbCdEfGhIjKlMnOpQrStUvWx\r\n"),
	   "receipt: carries the application page's link on a line of its own");
	mail_msg_free(&r);
	ok(mail_build(&r, &ls, &sub, MAIL_OFFICE, err, sizeof err) == 0 &&
	   !strstr(r.body.data, "AbCdEfGhIjKlMnOpQrStUvWx"),
	   "office mail: no private link");
	mail_msg_free(&r);
	sub.token = NULL;

	/* Injection attempts in everything that reaches a header/envelope. */
	struct { const char **slot; const char *val; const char *what; } inj[] = {
		{ &sub.city_name, "Dorsten\r\nBcc: evil@attacker.example", "city name" },
		{ &sub.service_title, "Hund\nBcc: evil@attacker.example", "service title" },
		{ &sub.office_name, "Amt\rBcc: evil@attacker.example", "office name" },
		{ &sub.reference, "DOR-2026\r\nX-Evil: 1", "reference" },
		{ &sub.recipient, "a@b.de\r\nBcc: evil@attacker.example", "recipient" },
		{ &sub.recipient, "a@b.de>\r\nRCPT TO:<evil@attacker.example", "recipient (envelope)" },
		{ &sub.received_at, "2026-11-25T20:41:07Z\r\nBcc: x", "received_at" },
	};
	for (size_t i = 0; i < sizeof inj / sizeof *inj; i++) {
		struct submission s2 = sample();
		sub = s2;
		*inj[i].slot = inj[i].val;
		err[0] = '\0';
		int rc = mail_build(&m, &srv, &sub, MAIL_OFFICE, err, sizeof err);
		ok(rc < 0 && *err, "injection: CR/LF in %s refused (%s)", inj[i].what, err);
		mail_msg_free(&m);
	}
	sub = sample();
	sub.applicant_email = "max@example.org\r\nBcc: evil@attacker.example";
	ok(mail_build(&m, &srv, &sub, MAIL_OFFICE, err, sizeof err) == 0 &&
	   m.reply_to_dropped && !header(&m, "Reply-To") && !any_header_has(&m, "evil"),
	   "injection: bad applicant address -> office mail without Reply-To");
	mail_msg_free(&m);
	ok(mail_build(&m, &srv, &sub, MAIL_RECEIPT, err, sizeof err) < 0,
	   "injection: bad applicant address -> no receipt (%s)", err);
	mail_msg_free(&m);
	struct mail_server s3 = srv;
	s3.from = "formulare@x.de\r\nBcc: evil@attacker.example";
	sub = sample();
	ok(mail_build(&m, &s3, &sub, MAIL_OFFICE, err, sizeof err) < 0,
	   "injection: CR/LF in the sender address refused");
	mail_msg_free(&m);
	s3 = srv;
	s3.msgid_host = "host\r\nX: y";
	ok(mail_build(&m, &s3, &sub, MAIL_OFFICE, err, sizeof err) < 0,
	   "message-id: unsafe host refused");
	mail_msg_free(&m);
	char id[64];
	ok(mail_message_id(id, sizeof id, "DOR-2026-4K7P9X", NULL, "h.example") == 0 &&
	   strcmp(id, "<DOR-2026-4K7P9X@h.example>") == 0 &&
	   mail_message_id(id, sizeof id, "DOR 2026", NULL, "h.example") < 0 &&
	   mail_message_id(id, 10, "DOR-2026-4K7P9X", NULL, "h.example") < 0,
	   "message-id: formed from safe parts only, never truncated");
}

static void test_backoff(void)
{
	long want[] = { 300, 600, 1200, 2400, 3600, 3600 };
	int good = 1;
	for (int i = 0; i < 6; i++)
		good &= deliver_backoff(300, 3600, i + 1) == want[i];
	ok(good, "backoff: 300, 600, 1200, 2400, then capped at 3600");
	ok(deliver_backoff(1, 8, 1000) == 8 && deliver_backoff(2, 5, 2) == 4,
	   "backoff: no overflow after many attempts; seconds in tests");
}

/* The notices of a new message (deliver/notice.h): to the office with the
 * inbox link, to the applicant with the application page's link; neither
 * carries an answer of the form; each job has its own Message-ID. */
static void test_notice(void)
{
	struct submission sub = sample();
	struct mail_server ls = srv;
	ls.public_url = "https://formulare.serviceportal.example";
	sub.token = "AbCdEfGhIjKlMnOpQrStUvWx";
	struct mail_msg m;
	char err[300] = "";
	ok(mail_build_notice(&m, &ls, &sub, true, 41, 1764100000, err, sizeof err) == 0 &&
	   !strcmp(m.rcpt, "steueramt@dorsten.example") &&
	   !strcmp(header(&m, "Subject"), "Neue Nachricht zu Antrag DOR-2026-4K7P9X") &&
	   !strcmp(m.message_id, "<DOR-2026-4K7P9X.notice-41@formulare.serviceportal.example>") &&
	   !strcmp(header(&m, "Auto-Submitted"), "auto-generated") && header(&m, "Date") &&
	   strstr(m.body.data, "https://formulare.serviceportal.example/amt/antrag/7\r\n") &&
	   strstr(m.body.data, "Hund anmelden (Hundesteuer)") && m.n_files == 0,
	   "office notice: to the recipient, the subject, its own Message-ID, the inbox link");
	ok(!strstr(m.body.data, "Max") && !strstr(m.body.data, "Müller") &&
	   !strstr(m.body.data, "evil") && !strstr(m.body.data, sub.token) &&
	   !strstr(m.body.data, "max@example.org"),
	   "office notice: no answer, no address, not the citizen's link");
	mail_msg_free(&m);
	ok(mail_build_notice(&m, &ls, &sub, false, 42, 1764100000, err, sizeof err) == 0 &&
	   !strcmp(m.rcpt, "max@example.org") &&
	   strstr(header(&m, "Subject"), "=?UTF-8?") == NULL &&
	   !strcmp(header(&m, "Subject"), "Neue Nachricht zu Ihrem Antrag DOR-2026-4K7P9X") &&
	   strstr(m.body.data, "https://formulare.serviceportal.example/antrag/"
		  "AbCdEfGhIjKlMnOpQrStUvWx\r\n") && !strstr(m.body.data, "Max") &&
	   !strstr(m.body.data, "/amt/"),
	   "citizen notice: to the applicant, the application page's link, no answer");
	mail_msg_free(&m);
	sub.applicant_email = "max@example.org\r\nBcc: x@y.example";
	ok(mail_build_notice(&m, &ls, &sub, false, 43, 1764100000, err, sizeof err) < 0 &&
	   strstr(err, "applicant"), "citizen notice: an unusable address is refused");
	mail_msg_free(&m);
	ok(mail_build_notice(&m, &srv, &sub, true, 44, 1764100000, err, sizeof err) < 0 &&
	   strstr(err, "public_url"), "a notice without public_url: refused (nothing to link to)");
	mail_msg_free(&m);
}

int main(void)
{
	test_rfc2047();
	test_dates();
	test_addresses();
	test_build();
	test_notice();
	test_backoff();
	return tap_exit();
}
