/* upload.c - see upload.h. */
#include "upload.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "validate/documents.h"

static size_t later_documents(const struct submission *sub)
{
	size_t n = 0;
	for (size_t i = 0; i < sub->n_files; i++)
		n += sub->files[i].added_unix != 0;
	return n;
}

void upload_section(struct arena *a, const char *public_url,
		    const struct city_service *cs, const struct submission *sub,
		    const char *tok, const char *csrf, const char *error,
		    struct app_upload *out)
{
	struct field f;
	documents_field(a, cs, &f);
	*out = (struct app_upload){
		.action = arena_printf(a, "%s/antrag/%s/unterlagen", public_url, tok),
		.csrf = csrf, .input = DOCUMENTS_INPUT,
		.accept = documents_accept(a, &f), .hint = documents_hint(a, &f),
		.multiple = f.max_files > 1, .error = error,
	};
	if (later_documents(sub) >= DOCUMENTS_MAX)
		out->closed = arena_printf(a, "Sie haben %d Unterlagen nachgereicht, so "
					   "viele, wie hier möglich sind. Weitere "
					   "Unterlagen senden Sie bitte direkt an die "
					   "zuständige Stelle; nennen Sie dabei Ihre "
					   "Vorgangsnummer.", DOCUMENTS_MAX);
}

/* Only the CSRF token and the file input: anything else is not from our
 * page (400). A browser sends an empty file input as a part without a
 * file name, that is as a value: no file chosen. */
static bool parts_ok(const struct vinput *in)
{
	for (size_t i = 0; i < in->n_values; i++)
		if (strcmp(in->values[i].name, "csrf") &&
		    !(strcmp(in->values[i].name, DOCUMENTS_INPUT) == 0 &&
		      in->values[i].len == 0))
			return false;
	for (size_t i = 0; i < in->n_files; i++)
		if (strcmp(in->files[i].name, DOCUMENTS_INPUT))
			return false;
	return true;
}

void upload_store(struct store *s, struct arena *a, const struct city_service *cs,
		  const struct submission *sub, const struct vinput *in,
		  struct upload_outcome *out)
{
	*out = (struct upload_outcome){ .status = 400, .names = "" };
	if (!parts_ok(in))
		return;
	struct field f;
	documents_field(a, cs, &f);
	const struct upload_type **types = arena_alloc(a, (in->n_files + 1) *
						       sizeof *types);
	out->error = documents_check(a, &f, in->files, in->n_files, types);
	if (out->error) {
		out->status = 422;
		return;
	}
	struct store_document *d = arena_alloc(a, in->n_files * sizeof *d);
	for (size_t i = 0; i < in->n_files; i++)
		d[i] = (struct store_document){ .label = DOCUMENTS_LABEL,
			.mime = types[i]->mime, .ext = types[i]->ext,
			.data = in->files[i].data, .len = in->files[i].len };
	int rc = store_documents_add(s, sub->id, d, in->n_files, DOCUMENTS_MAX,
				     (long long)time(NULL));
	if (rc == 2) {
		out->status = 422;
		out->error = arena_printf(a, "Zu einem Antrag können Sie höchstens %d "
					  "Unterlagen nachreichen. Senden Sie weitere "
					  "bitte direkt an die zuständige Stelle", DOCUMENTS_MAX);
		return;
	}
	out->status = rc == 0 ? 303 : rc == 1 ? 404 : 503;
	out->stored = rc == 0 ? in->n_files : 0;
	for (size_t i = 0; rc == 0 && i < in->n_files; i++)
		out->names = arena_printf(a, "%s%s%s", out->names, i ? "," : "",
					  d[i].filename);
}
