/* amount.c - the fee of a stored submission (amount.h). */
#include "amount.h"
#include "model/fee.h"
#include <string.h>

/* A stored answer as the catalogue names it: a choice's option value
 * ("rente"), else the value as typed ("2"). */
static const char *stored_answer(void *ctx, const char *field)
{
	const struct submission *sub = ctx;
	for (size_t i = 0; i < sub->n_fields; i++) {
		const struct sub_field *f = &sub->fields[i];
		if (strcmp(f->name, field) == 0)
			return f->option && *f->option ? f->option : f->value;
	}
	return NULL;
}

long long pay_amount(const struct city_service *cs, const struct submission *sub)
{
	if (!cs || !cs->fee)
		return 0;
	return fee_amount(cs->fee, stored_answer, (void *)sub);
}
