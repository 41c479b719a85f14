/* upload.h - documents handed in later (issue 11, point 4):
 *
 *   POST /antrag/<token>/unterlagen   multipart/form-data: csrf, unterlagen
 *        303 to /antrag/<token>#nachreichen after the COMMIT | 400 | 403
 *        (CSRF: citizen_csrf.h) | 404 | 413 | 415 | 422 (the application
 *        page with the refusal) | 429 | 503
 *
 * http.c receives the body with the form posts' code (its parts) and
 * answers; this file holds what is particular to documents: the page's
 * section and the checks and storing of the files (validate/documents.h,
 * store_documents_add). */
#ifndef UPLOAD_H
#define UPLOAD_H
#include "render/render_form.h"
#include "store/store.h"
#include "validate/validate.h"

/* The section "Unterlagen nachreichen" of the application page of sub
 * (its token tok): the form's action and CSRF token, the rules of cs (may
 * be NULL), error (or NULL); closed when sub has DOCUMENTS_MAX later
 * documents already. Strings in a. */
void upload_section(struct arena *a, const char *public_url,
		    const struct city_service *cs, const struct submission *sub,
		    const char *tok, const char *csrf, const char *error,
		    struct app_upload *out);

struct upload_outcome {
	unsigned status;            /* 303 stored and committed, 400, 404, 422, 503 */
	const char *error;          /* 422: the German message for the page */
	size_t stored;              /* 303: how many documents */
	const char *names;          /* 303: their file names, for the log */
};
/* The files of in (the parsed body; its csrf already checked) against the
 * rules of cs, then stored with their events and jobs in one transaction
 * (store_documents_add): when it returns 303, they are on stable storage. */
void upload_store(struct store *s, struct arena *a, const struct city_service *cs,
		  const struct submission *sub, const struct vinput *in,
		  struct upload_outcome *out);
#endif
