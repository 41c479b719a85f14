/* fuzz_mail - the mail builder (relay/deliver: mail_build with its header
 * checks, RFC 2047 encoded-words and folding, the office and receipt
 * bodies) with hostile field values. The input is split at NUL bytes into
 * the values of a submission and of the server settings, in this order:
 *   reference, city name, service title, recipient, office name,
 *   applicant e-mail, received_at, From address, Message-ID host,
 *   then label, value, label, value, ... of the form fields;
 * missing values keep those of a valid submission. Every value also goes
 * through rfc2047_text() and rfc2047_phrase() at a column from the input.
 *
 * Properties (header injection is the point): whatever mail_build accepts
 * has headers of printable ASCII only, CRLF only as folding (followed by a
 * space), no line over 998 characters, encoded-words of at most 75
 * characters that each decode to valid UTF-8; its body has CRLF line ends
 * only. rfc2047_text/_phrase output satisfies the same and decodes back to
 * exactly the input. */
#include "fuzz.h"
#include "deliver/mail.h"
#include "deliver/rfc2047.h"
#include "../unit/b64dec.h"

#define MAX_PIECES 64

/* Checks a header value (folded lines, col0 = width of what precedes it on
 * its first line) and decodes it as a strict reader would into text
 * (encoded-words decoded, white space between two of them dropped). */
static void check_header(const char *v, size_t col0, struct buf *text)
{
	size_t col = col0;
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\r') {
			FUZZ_ASSERT(p[1] == '\n' && (p[2] == ' ' || p[2] == '\t'),
				    "CR not part of folding in \"%.80s\"", v);
			col = 0;
			p++;
			continue;
		}
		FUZZ_ASSERT(c >= 0x20 && c < 0x7F, "byte 0x%02x in header \"%.80s\"", c, v);
		FUZZ_ASSERT(++col <= 998, "header line over 998 characters: \"%.80s\"", v);
	}
	bool last_word = false;
	size_t mark = 0;            /* text length after the last word */
	const char *p = v;
	while (*p) {
		if (!strncmp(p, "\r\n", 2)) {
			p += 2;
			continue;
		}
		/* an encoded-word is a token of its own (RFC 2047 5) */
		size_t tok = strcspn(p, " \r");
		if ((p == v || p[-1] == ' ' || p[-1] == '\n') && tok >= 12 &&
		    !strncmp(p, "=?UTF-8?B?", 10) && !strncmp(p + tok - 2, "?=", 2)) {
			const char *e = p + tok - 2;
			size_t wl = (size_t)(e + 2 - p);
			FUZZ_ASSERT(wl <= 75, "encoded-word of %zu characters", wl);
			struct buf one;
			buf_init(&one, 4096);
			FUZZ_ASSERT(b64dec(p + 10, (size_t)(e - p - 10), &one) == 0,
				    "bad base64 in \"%.80s\"", p);
			FUZZ_ASSERT(utf8_valid(one.data ? one.data : "", one.len),
				    "encoded-word splits a UTF-8 sequence: \"%.80s\"", p);
			/* white space between two encoded-words is dropped */
			if (last_word)
				text->len = mark;
			buf_append(text, one.data ? one.data : "", one.len);
			mark = text->len;
			buf_free(&one);
			p = e + 2;
			last_word = true;
			continue;
		}
		if (*p != ' ')
			last_word = false;
		buf_putc(text, *p++);
	}
	if (text->data)
		text->data[text->len] = '\0';
}

static void check_text(const char *s, size_t col, bool phrase)
{
	struct buf out;
	buf_init(&out, 1 << 16);
	size_t c0 = col;
	int rc = phrase ? rfc2047_phrase(&out, s, &col) : rfc2047_text(&out, s, &col);
	if (rc == 0) {
		const char *o = out.data ? out.data : "";
		struct buf text;
		buf_init(&text, 1 << 16);
		check_header(o, c0, &text);
		/* a reader strips the white space a value starts with (a
		 * fold may put one before the first encoded-word) */
		const char *t = text.data ? text.data : "";
		t += strspn(t, " ");
		s += strspn(s, " ");
		if (phrase && o[strspn(o, "\r\n ")] == '"') {
			/* a quoted-string: unquote */
			char *u = strdup(t), *w = u;
			size_t n = strlen(t);
			FUZZ_ASSERT(n >= 2 && t[n - 1] == '"', "open quoted-string %s", t);
			for (size_t i = 1; i + 1 < n; i++) {
				if (t[i] == '\\')
					i++;
				*w++ = t[i];
			}
			*w = '\0';
			FUZZ_ASSERT(!strcmp(u + strspn(u, " "), s), "phrase \"%s\" reads back as \"%s\"", s, u);
			free(u);
		} else {
			FUZZ_ASSERT(!strcmp(t, s), "\"%.100s\" reads back as \"%.100s\"", s, t);
		}
		buf_free(&text);
	}
	buf_free(&out);
}

static void check_mail(const struct mail_msg *m)
{
	for (size_t i = 0; i < m->n_headers; i++) {
		const char *h = m->headers[i];
		const char *colon = strchr(h, ':');
		FUZZ_ASSERT(colon && colon[1] == ' ', "header without name: %.80s", h);
		for (const char *p = h; p < colon; p++)
			FUZZ_ASSERT(*p > 0x20 && *p < 0x7F, "bad header name %.80s", h);
		struct buf text;
		buf_init(&text, 1 << 16);
		check_header(colon + 2, (size_t)(colon + 2 - h), &text);
		buf_free(&text);
	}
	const char *b = m->body.data ? m->body.data : "";
	for (size_t i = 0; i < m->body.len; i++) {
		if (b[i] == '\r')
			FUZZ_ASSERT(b[i + 1] == '\n', "bare CR in the body at %zu", i);
		if (b[i] == '\n')
			FUZZ_ASSERT(i > 0 && b[i - 1] == '\r', "bare LF in the body at %zu", i);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t col = data[0] % 100;     /* where the text starts on its line */
	char *in = fuzz_str(data + 1, size - 1);
	const char *piece[MAX_PIECES];
	size_t n = 0;
	for (char *p = in; n < MAX_PIECES;) {
		piece[n++] = p;
		char *z = memchr(p, '\0', (size_t)(in + size - 1 - p));
		if (!z)
			break;
		p = z + 1;
	}
	const char *def[9] = { "DOR-2026-4K7P9X", "Dorsten", "Hund anmelden",
			       "steueramt@dorsten.example", "Steueramt Dorsten",
			       "anna@example.de", "2026-11-25T20:41:07Z",
			       "relay@example.de", "formulare.example.de" };
	const char *v[9];
	for (int i = 0; i < 9; i++)
		v[i] = (size_t)i < n ? piece[i] : def[i];
	for (size_t i = 0; i < n; i++) {
		check_text(piece[i], col, false);
		check_text(piece[i], col, true);
	}
	struct sub_field fields[MAX_PIECES / 2];
	size_t nf = 0;
	for (size_t i = 9; i + 1 < n; i += 2)
		fields[nf++] = (struct sub_field){ "f", piece[i], piece[i + 1], "" };
	if (!nf)
		fields[nf++] = (struct sub_field){ "vorname", "Vorname", "Anna\r\nB.", "" };
	static const unsigned char pdf[] = "%PDF-1.4\n";
	struct sub_file file = { "nachweise", "Nachweise", "nachweise-1.pdf",
				 "application/pdf", pdf, sizeof pdf - 1, 0, 0 };
	struct submission sub = {
		.id = 1, .reference = v[0], .city = "dorsten", .service = "hundeanmeldung",
		.city_name = v[1], .service_title = v[2], .recipient = v[3],
		.office_name = v[4], .applicant_email = v[5], .received_at = v[6],
		.fields = fields, .n_fields = nf, .files = &file, .n_files = 1,
	};
	struct mail_server srv = { .url = "smtp://127.0.0.1:25", .from = v[7],
				   .msgid_host = v[8] };
	for (int k = 0; k < 2; k++) {
		struct mail_msg m;
		char err[256];
		if (mail_build(&m, &srv, &sub, k ? MAIL_RECEIPT : MAIL_OFFICE, err,
			       sizeof err) == 0)
			check_mail(&m);
		mail_msg_free(&m);
	}
	free(in);
	return 0;
}
