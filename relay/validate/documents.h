/* documents.h - the rules for documents handed in later on the
 * application page (issue 11, point 4). They are the service's own: the
 * catalogue's file fields of its form, turned into one file field that
 * each document passes through validate_file like a form upload (type by
 * the first bytes, never by name or Content-Type; size).
 *
 * That field accepts every type one of the service's file fields accepts,
 * up to the largest max_size among them, and one post carries at most as
 * many files as the most generous of them (max_files). A service without
 * a file field takes PDF, JPEG and PNG at their default sizes, one file a
 * post. An application takes at most DOCUMENTS_MAX later documents in all
 * (store_documents_add counts them). */
#ifndef DOCUMENTS_H
#define DOCUMENTS_H
#include "validate.h"

#define DOCUMENTS_MAX UPLOAD_MAX_FILES_LIMIT
#define DOCUMENTS_INPUT "unterlagen"    /* the file input's name and id */
#define DOCUMENTS_LABEL "Nachgereichte Unterlage"   /* the stored label */

/* The field for the later documents of cs (cs may be NULL: a service no
 * longer in the catalogue gets the defaults); strings in a. */
void documents_field(struct arena *a, const struct city_service *cs,
		     struct field *out);
/* What the page says of the rules: "PDF, JPEG oder PNG, höchstens 5,0 MB
 * je Datei, bis zu 3 Dateien auf einmal". */
const char *documents_hint(struct arena *a, const struct field *f);
/* The accept attribute of the file input: "application/pdf,image/png". */
const char *documents_accept(struct arena *a, const struct field *f);
/* Checks the n files posted under DOCUMENTS_INPUT: NULL when every one
 * passes (types[i] its type), else the German message for the page. */
const char *documents_check(struct arena *a, const struct field *f,
			    const struct vin_file *files, size_t n,
			    const struct upload_type **types);
#endif
