/* validate.h - checks one posted form against the catalogue's effective
 * form for a city and service (struct city_service), field by field, and
 * builds the submission to store. Messages are German, in the GOV.UK
 * pattern (say what to do, name the field). Files are typed by their first
 * bytes (upload_type_sniff), never by name or Content-Type. */
#ifndef VALIDATE_H
#define VALIDATE_H
#include "util/utf8.h"
#include <stdbool.h>
#include <stddef.h>
#include "model/catalog.h"
#include "model/facts.h"
#include "render/render_form.h"
#include "../store/submission.h"

#define HONEYPOT_FIELD "hp_website"

struct vin_value {              /* a non-file part or urlencoded pair */
	const char *name;
	const char *value;          /* NUL-terminated; may contain NUL (len) */
	size_t len;
};
struct vin_file {               /* a file part that carried data */
	const char *name;
	const unsigned char *data;
	size_t len;
};
struct vinput {
	struct vin_value *values;
	size_t n_values;
	struct vin_file *files;
	size_t n_files;
};

enum vstatus {
	V_OK,           /* sub is filled */
	V_INVALID,      /* 422: errors[] for the citizen, values[] to refill */
	V_BAD,          /* 400: not something a browser with our form sends */
	V_HONEYPOT      /* the honeypot was filled: pretend success */
};

struct voutput {
	enum vstatus status;
	const char *reason;         /* V_BAD: short reason for the log */
	struct form_error *errors;
	size_t n_errors;
	struct form_value *values;
	size_t n_values;
	const char **reattach;      /* V_INVALID: file fields whose file came */
	size_t n_reattach;          /*   along and must be chosen again */
	struct submission *sub;     /* V_OK */
};

/* Allocates everything in a. The city_service must be offered with a form
 * (the caller answers 404 otherwise). */
void validate_form(struct arena *a, const struct city_service *cs,
		   const struct vinput *in, struct voutput *out);

/* Is the service accepting posts today? (offered, has a form and a
 * recipient, inside its availability window.) */
bool validate_accepting(const struct city_service *cs, const char *today);

/* One uploaded file against a file field's rules (its max_size, its
 * accepted types, the type told by the first bytes): NULL when it passes
 * (*type its type), else the German message naming the field, in a. Form
 * uploads and documents handed in later (documents.h) both pass here. */
const char *validate_file(struct arena *a, const struct field *f,
			  const unsigned char *data, size_t len,
			  const struct upload_type **type);
/* "PDF, JPEG oder PNG": the types f accepts, for messages and hints. */
const char *validate_accept_text(struct arena *a, const struct field *f);

bool valid_email(const char *s);
bool valid_tel(const char *s);
#endif
