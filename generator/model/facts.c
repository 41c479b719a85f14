/* facts.c - see facts.h */
#include "facts.h"
#include <string.h>

struct field_type_info field_types[FT_COUNT] = {
	[FT_TEXT]     = { "text",     "text",   200,  true,  false, VC_NONE },
	[FT_TEXTAREA] = { "textarea", NULL,     5000, true,  true,  VC_NONE },
	[FT_EMAIL]    = { "email",    "email",  254,  true,  false, VC_EMAIL },
	[FT_TEL]      = { "tel",      "tel",    40,   true,  false, VC_TEL },
	[FT_DATE]     = { "date",     "date",   10,   false, false, VC_DATE },
	[FT_NUMBER]   = { "number",   "number", 30,   false, false, VC_NUMBER },
	[FT_SELECT]   = { "select",   NULL,     200,  false, false, VC_OPTION },
	[FT_RADIO]    = { "radio",    NULL,     200,  false, false, VC_OPTION },
	[FT_CHECKBOX] = { "checkbox", NULL,     10,   false, false, VC_CHECKBOX },
	[FT_FILE]     = { "file",     NULL,     0,    false, false, VC_FILE },
	[FT_TIME]     = { "time",     "time",   8,    false, false, VC_TIME },
};

const char *field_type_name(enum field_type t)
{
	return (size_t)t < FT_COUNT ? field_types[t].name : "?";
}

bool field_type_by_name(const char *name, enum field_type *out)
{
	for (size_t i = 0; i < FT_COUNT; i++)
		if (strcmp(field_types[i].name, name) == 0) {
			*out = (enum field_type)i;
			return true;
		}
	return false;
}

/* Joins one string per table row; built on each call so that it follows
 * the table (errors only, never on a hot path). */
static const char *join(char *out, size_t cap, const char *(*item)(size_t), size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *s = item(i);
		size_t sl = strlen(s);
		if (len + sl + 3 > cap)
			break;
		if (i) {
			memcpy(out + len, ", ", 2);
			len += 2;
		}
		memcpy(out + len, s, sl + 1);
		len += sl;
	}
	return out;
}

static const char *type_item(size_t i) { return field_types[i].name; }
static const char *mime_item(size_t i) { return upload_types[i].mime; }

const char *field_type_names(void)
{
	static _Thread_local char s[256];
	return join(s, sizeof s, type_item, FT_COUNT);
}

size_t field_max_length(const struct field *f)
{
	if (f->max_length)
		return f->max_length;
	return (size_t)f->type < FT_COUNT ? field_types[f->type].max_length : 0;
}

struct upload_type upload_types[N_UPLOAD_TYPES] = {
	{ "application/pdf", "pdf", "PDF",  "%PDF-", 5, 5u << 20 },
	{ "image/jpeg",      "jpg", "JPEG", "\xff\xd8\xff", 3, 5u << 20 },
	{ "image/png",       "png", "PNG",  "\x89PNG\r\n\x1a\n", 8, 5u << 20 },
};

const struct upload_type *upload_type_by_mime(const char *mime)
{
	for (size_t i = 0; mime && i < N_UPLOAD_TYPES; i++)
		if (strcmp(upload_types[i].mime, mime) == 0)
			return &upload_types[i];
	return NULL;
}

const char *upload_label(const char *mime)
{
	const struct upload_type *u = upload_type_by_mime(mime);
	return u ? u->label : mime;
}

const struct upload_type *upload_type_sniff(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < N_UPLOAD_TYPES; i++) {
		const struct upload_type *u = &upload_types[i];
		if (n >= u->magic_len && memcmp(p, u->magic, u->magic_len) == 0)
			return u;
	}
	return NULL;
}

const char *upload_mime_list(void)
{
	static _Thread_local char s[256];
	return join(s, sizeof s, mime_item, N_UPLOAD_TYPES);
}

size_t upload_default_size(const char *const *accept, size_t n)
{
	size_t best = 0, all = 0;
	for (size_t i = 0; i < N_UPLOAD_TYPES; i++)
		if (upload_types[i].default_size > all)
			all = upload_types[i].default_size;
	for (size_t i = 0; i < n; i++) {
		const struct upload_type *u = upload_type_by_mime(accept[i]);
		if (u && u->default_size > best)
			best = u->default_size;
	}
	return best ? best : all;
}

size_t field_max_size(const struct field *f)
{
	return f->max_size ? f->max_size : upload_default_size(f->accept, f->n_accept);
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool is_date(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < DATE_MIN_YEAR || m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

bool is_slug_n(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-'))
			return false;
	return true;
}

bool is_slug(const char *s)
{
	return is_slug_n(s, strlen(s));
}

bool is_time(const char *s)
{
	size_t n = strlen(s);
	if (n != 5 && n != 8)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((i % 3 == 2) != (s[i] == ':') || (i % 3 != 2 && (s[i] < '0' || s[i] > '9')))
			return false;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	int sec = n == 8 ? (s[6] - '0') * 10 + (s[7] - '0') : 0;
	return h < 24 && m < 60 && sec < 60;
}

bool is_plz(const char *s)
{
	return strlen(s) == 5 && strspn(s, "0123456789") == 5;
}

static bool plz_check(const char *s, char *out)
{
	strcpy(out, s);
	return is_plz(s);
}

bool iban_normalise(const char *s, char *out)
{
	size_t n = 0;
	for (; *s; s++) {
		if (*s == ' ')
			continue;
		char ch = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			return false;
		out[n++] = ch;
	}
	out[n] = '\0';
	if (n < 15 || n > 34 || out[0] < 'A' || out[0] > 'Z' || out[1] < 'A' ||
	    out[1] > 'Z' || out[2] < '0' || out[2] > '9' || out[3] < '0' || out[3] > '9')
		return false;
	if (out[0] == 'D' && out[1] == 'E' && n != 22)
		return false;
	/* ISO 7064 mod 97-10 over the rearranged number, digit by digit */
	unsigned rem = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = out[(i + 4) % n];
		if (ch >= 'A')
			rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
		else
			rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
	}
	return rem == 1;
}

const struct value_format value_formats[N_VALUE_FORMATS] = {
	{ "plz", "numeric", plz_check,
	  "Geben Sie bei „%s“ eine Postleitzahl mit fünf Ziffern an, zum Beispiel 45964" },
	{ "iban", NULL, iban_normalise,
	  "Geben Sie bei „%s“ eine gültige IBAN an, zum Beispiel DE89 3704 0044 0532 0130 00" },
};

const struct value_format *value_format_by_name(const char *name)
{
	for (size_t i = 0; name && i < N_VALUE_FORMATS; i++)
		if (strcmp(value_formats[i].name, name) == 0)
			return &value_formats[i];
	return NULL;
}

static const char *format_item(size_t i) { return value_formats[i].name; }

const char *value_format_names(void)
{
	static _Thread_local char s[128];
	return join(s, sizeof s, format_item, N_VALUE_FORMATS);
}
