/* facts.h - the domain facts every part of the portal must agree on, each
 * written once: what a field type is (YAML name, HTML input, default
 * length, what the relay checks), which files may be uploaded (magic
 * bytes, MIME type, extension, label, default size), what a date and a
 * slug are. The loader, the page and form renderer, the relay's
 * validation and its mail all read these tables; a change here changes
 * them all (tests/unit/model_facts.c proves it). */
#ifndef FACTS_H
#define FACTS_H
#include <stdbool.h>
#include <stddef.h>
#include "catalog.h"

/* ---- field types ---- */

/* What the relay checks of a posted value beyond length and required. */
enum value_check {
	VC_NONE,        /* free text */
	VC_EMAIL,       /* an addr-spec */
	VC_TEL,         /* a phone number */
	VC_DATE,        /* is_date() */
	VC_NUMBER,      /* a number within min/max */
	VC_OPTION,      /* one of the field's options */
	VC_CHECKBOX,    /* ticked or not */
	VC_FILE,        /* uploads: upload_types[] */
	VC_TIME         /* is_time() */
};

struct field_type_info {
	const char *name;           /* as written in YAML: "text" */
	const char *input_type;     /* <input type="...">, or NULL when the
				     * field is another element */
	size_t max_length;          /* default when YAML gives none; 0: none */
	bool maxlength_attr;        /* the page sets maxlength= (browsers
				     * honour it on text-like inputs only) */
	bool multiline;             /* line breaks allowed and kept */
	enum value_check check;
};

/* Indexed by enum field_type. Writable only so that a test can prove
 * that every reader follows it; nothing changes it at run time. */
extern struct field_type_info field_types[FT_COUNT];

const char *field_type_name(enum field_type t);
/* The type written as name in YAML; false when there is none. */
bool field_type_by_name(const char *name, enum field_type *out);
/* "text, textarea, ..., file": for messages. Static storage. */
const char *field_type_names(void);
/* The field's max_length, or its type's default when it has none. */
size_t field_max_length(const struct field *f);

#define FIELD_MAX_LENGTH_LIMIT 100000   /* largest max_length YAML may set */

/* ---- uploads ---- */

struct upload_type {
	const char *mime;           /* as written in accept: "image/jpeg" */
	const char *ext;            /* of stored and mailed files: "jpg" */
	const char *label;          /* what citizens read: "JPEG" */
	const char *magic;          /* first bytes of every such file */
	size_t magic_len;
	size_t default_size;        /* max_size when the field gives none */
};

#define N_UPLOAD_TYPES 3
extern struct upload_type upload_types[N_UPLOAD_TYPES];   /* see field_types */

#define UPLOAD_MAX_SIZE_LIMIT (20u << 20)   /* largest max_size YAML may set */
#define UPLOAD_MAX_FILES_LIMIT 10

const struct upload_type *upload_type_by_mime(const char *mime);
/* What citizens read for a MIME type: its label, or the type itself. */
const char *upload_label(const char *mime);
/* The type of a file by its first bytes, never by name; NULL: none. */
const struct upload_type *upload_type_sniff(const unsigned char *p, size_t n);
/* "application/pdf, image/jpeg, image/png": for messages. Static storage. */
const char *upload_mime_list(void);
/* Default max_size of a field accepting these types: the largest of their
 * defaults (the largest of all when none is known). */
size_t upload_default_size(const char *const *accept, size_t n);
/* The field's max_size, or the default for its accepted types. */
size_t field_max_size(const struct field *f);

/* ---- formats of text fields ---- */

/* A rule a text field's value must follow, named in YAML (`format: plz`).
 * The page shows the hint and input mode, the relay checks exactly this
 * and stores the value normalised. */
struct value_format {
	const char *name;           /* "plz" */
	const char *inputmode;      /* HTML inputmode, or NULL */
	/* Normalises s into out (at least strlen(s) + 1 bytes) and checks
	 * it; false when it does not follow the format. */
	bool (*check)(const char *s, char *out);
	const char *message;        /* German, %s = the field's label */
};

#define N_VALUE_FORMATS 2
extern const struct value_format value_formats[N_VALUE_FORMATS];
const struct value_format *value_format_by_name(const char *name);
/* "plz, iban": for messages. Static storage. */
const char *value_format_names(void);
/* A German postcode: five digits. */
bool is_plz(const char *s);
/* An IBAN (ISO 13616): country, check digits, 11 to 30 letters or
 * digits, mod-97 checksum 1; Germany: 22 characters. Spaces and lower
 * case are allowed in s; out gets it without spaces, upper case. */
bool iban_normalise(const char *s, char *out);

/* ---- dates and slugs ---- */

#define DATE_MIN_YEAR 1800      /* birth and death dates on civil status
				 * forms reach back to the 1800s */
/* YYYY-MM-DD, a real calendar day in DATE_MIN_YEAR..9999. */
bool is_date(const char *s);
/* HH:MM or HH:MM:SS, a time of day (what <input type="time"> sends). */
bool is_time(const char *s);
/* [a-z0-9-], 1 to 64 bytes, no '-' at either end: cities, services,
 * categories, offices; also the relay's URLs. */
bool is_slug(const char *s);
bool is_slug_n(const char *s, size_t n);
#endif
