/* fields.c - the fields of a submission as the JSON text every backend
 * stores in submissions.fields (store.h's data model). */
#include "backend.h"
#include <string.h>
#include "util/buf.h"

int store_fields_json(const struct submission *sub, struct buf *b)
{
	int rc = buf_putc(b, '[');
	for (size_t i = 0; i < sub->n_fields && rc == 0; i++) {
		const struct sub_field *f = &sub->fields[i];
		rc |= buf_puts(b, i ? ",{\"name\":\"" : "{\"name\":\"");
		rc |= buf_put_json(b, f->name, strlen(f->name));
		rc |= buf_puts(b, "\",\"label\":\"");
		rc |= buf_put_json(b, f->label, strlen(f->label));
		rc |= buf_puts(b, "\",\"value\":\"");
		rc |= buf_put_json(b, f->value, strlen(f->value));
		if (f->option && f->option[0]) {
			rc |= buf_puts(b, "\",\"option\":\"");
			rc |= buf_put_json(b, f->option, strlen(f->option));
		}
		rc |= buf_puts(b, "\"}");
	}
	rc |= buf_putc(b, ']');
	return rc ? -1 : 0;
}
