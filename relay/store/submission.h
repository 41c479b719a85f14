/* submission.h - one citizen's application as stored and as mailed.
 * Shared by store/ (stored rows), deliver/ (the mail) and relayctl. */
#ifndef SUBMISSION_H
#define SUBMISSION_H
#include <stddef.h>

/* A field as the office reads it. value is what the citizen chose, in
 * words: the text typed, "ja"/"nein" for a checkbox, for select and
 * radio the option's label ("Von einem Züchter"), as shown on the form,
 * and a date as Germans write it ("29.02.2024"). option is that option's
 * value from the catalogue ("zuechter") or the date as posted
 * ("2024-02-29"), kept for exports and programs; "" (or NULL) for every
 * other type. */
struct sub_field {              /* in form order */
	const char *name, *label, *value;
	const char *option;
};

struct sub_file {               /* an attachment, checked by content */
	const char *field, *label;
	const char *filename;   /* generated: "<field>-<n>.<ext>", never the client's */
	const char *mime;       /* application/pdf, image/jpeg, image/png */
	const unsigned char *data;
	size_t len;
	/* as loaded from the store (schema version 5; ignored by
	 * store_insert): the attachments row's id, and when the citizen
	 * handed it in later on the application page, 0 when it came with
	 * the form (the office mail carries only those) */
	long long id, added_unix;
};

struct submission {
	long long id;
	const char *reference;      /* "DOR-2026-004711": city prefix, year, number */
	const char *token;          /* the private link's 144-bit token (loaded
				     * from the store; ignored by store_insert) */
	const char *city, *service; /* slugs */
	const char *city_name, *service_title;
	const char *recipient;      /* office address from the catalogue */
	const char *office_name;
	const char *office;         /* the office role of the catalogue
				     * ("steueramt"), "" when the city names
				     * none: stored by store_insert, loaded by
				     * store_load* and store_inbox_load ("" on a
				     * store older than version 4) */
	const char *applicant_email;    /* "" when none */
	const char *received_at;    /* RFC 3339 UTC, "2026-11-25T20:41:07Z" */
	struct sub_field *fields;
	size_t n_fields;
	struct sub_file *files;
	size_t n_files;
	/* schema version 6 (issue 12): the citizen's login the post came
	 * with, "issuer|sub", and what it verified as JSON
	 * {"provider":..,"level":..,"at":unix,"fields":[names]}; "" (or
	 * NULL) for a post without login. Stored by store_insert, loaded by
	 * store_load* and store_inbox_load. */
	const char *subject, *identity;
	/* Not stored here: the state of its online payment for the office
	 * mail ("ausstehend, 22,50 €"), set by the delivery worker from the
	 * payments table (payment/pay.h); NULL: no payment. */
	const char *payment;
};
#endif
