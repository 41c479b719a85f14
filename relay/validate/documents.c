/* documents.c - see documents.h. */
#include "documents.h"
#include <stdio.h>
#include <string.h>

static bool field_accepts(const struct field *f, const char *mime)
{
	for (size_t i = 0; i < f->n_accept; i++)
		if (!strcmp(f->accept[i], mime))
			return true;
	return false;
}

void documents_field(struct arena *a, const struct city_service *cs,
		     struct field *out)
{
	const char **acc = arena_alloc(a, (N_UPLOAD_TYPES + 1) * sizeof *acc);
	size_t n_acc = 0, max_size = 0, max_files = 0, n_file_fields = 0;
	for (size_t i = 0; cs && i < cs->n_fields; i++) {
		const struct field *f = cs->fields[i];
		if (f->type != FT_FILE)
			continue;
		n_file_fields++;
		if (field_max_size(f) > max_size)
			max_size = field_max_size(f);
		size_t files = f->max_files ? f->max_files : 1;
		if (files > max_files)
			max_files = files;
	}
	/* in the catalogue's order of types, each once */
	for (size_t t = 0; t < N_UPLOAD_TYPES; t++) {
		bool any = n_file_fields == 0;
		for (size_t i = 0; !any && cs && i < cs->n_fields; i++)
			any = cs->fields[i]->type == FT_FILE &&
			      field_accepts(cs->fields[i], upload_types[t].mime);
		if (any)
			acc[n_acc++] = upload_types[t].mime;
	}
	*out = (struct field){
		.name = DOCUMENTS_INPUT, .label = "Unterlagen", .help = "",
		.type = FT_FILE, .accept = acc, .n_accept = n_acc,
		.max_size = max_size, .max_files = max_files ? max_files : 1,
	};
	if (!out->max_size)     /* no file field: the types' default */
		out->max_size = field_max_size(out);
}

const char *documents_hint(struct arena *a, const struct field *f)
{
	char mb[32];
	int k = snprintf(mb, sizeof mb, "%.1f",
			 (double)field_max_size(f) / (1024.0 * 1024.0));
	if (k < 0 || (size_t)k >= sizeof mb)
		mb[0] = '\0';  /* cannot happen: at most 20 MB (facts.h) */
	char *comma = strchr(mb, '.');
	if (comma)
		*comma = ',';   /* German decimal comma */
	if (f->max_files > 1)
		return arena_printf(a, "Erlaubt: %s, höchstens %s MB je Datei, bis zu "
				    "%zu Dateien auf einmal.", validate_accept_text(a, f),
				    mb, f->max_files);
	return arena_printf(a, "Erlaubt: %s, höchstens %s MB, eine Datei auf einmal.",
			    validate_accept_text(a, f), mb);
}

const char *documents_accept(struct arena *a, const struct field *f)
{
	const char *s = "";
	for (size_t i = 0; i < f->n_accept; i++)
		s = arena_printf(a, "%s%s%s", s, i ? "," : "", f->accept[i]);
	return s;
}

const char *documents_check(struct arena *a, const struct field *f,
			    const struct vin_file *files, size_t n,
			    const struct upload_type **types)
{
	if (n == 0)
		return "Wählen Sie eine Datei aus, die Sie nachreichen möchten";
	if (n > f->max_files)
		return arena_printf(a, "Laden Sie höchstens %zu %s auf einmal hoch",
				    f->max_files, f->max_files == 1 ? "Datei" : "Dateien");
	for (size_t i = 0; i < n; i++) {
		const char *msg = validate_file(a, f, files[i].data, files[i].len,
						&types[i]);
		if (msg)
			return msg;
	}
	return NULL;
}
