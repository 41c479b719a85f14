/* note.c - what an office reads of a submission's login (submission.h,
 * identity): one German sentence for the clerk's inbox and the office
 * mail, so both say the same. */
#include "identity_int.h"
#include <string.h>
#include "store/submission.h"
#include "util/datetime.h"

static const char *label_of(const struct submission *sub, const char *name)
{
	for (size_t i = 0; i < sub->n_fields; i++)
		if (!strcmp(sub->fields[i].name, name))
			return sub->fields[i].label;
	return name;
}

const char *identity_note(struct arena *a, const struct submission *sub)
{
	if (!sub->identity || !*sub->identity)
		return NULL;
	json_error_t e;
	json_t *doc = json_loads(sub->identity, 0, &e);
	const char *provider = json_string_value(json_object_get(doc, "provider"));
	const char *level = json_string_value(json_object_get(doc, "level"));
	json_t *at = json_object_get(doc, "at"), *fields = json_object_get(doc, "fields");
	char when[64];
	if (!provider || !level || !json_is_integer(at) ||
	    de_date_time(when, sizeof when, (time_t)json_integer_value(at)) < 0) {
		json_decref(doc);
		return "Identität geprüft: (Angaben nicht lesbar)";
	}
	char *s = arena_printf(a, "Identität geprüft: %s, Vertrauensniveau %s, %s; "
			       "geprüfte Angaben: ", provider, level, when);
	size_t n = json_array_size(fields), shown = 0;
	for (size_t i = 0; i < n; i++) {
		const char *name = json_string_value(json_array_get(fields, i));
		if (name)
			s = arena_printf(a, "%s%s%s", s, shown++ ? ", " : "",
					 label_of(sub, name));
	}
	if (!shown)
		s = arena_printf(a, "%skeine", s);
	json_decref(doc);
	return s;
}
