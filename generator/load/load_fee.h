/* load_fee.h - the catalogue's fee: key (model/fee.h, content/README.md). */
#ifndef LOAD_FEE_H
#define LOAD_FEE_H
#include "load_util.h"
#include "../model/fee.h"

/* NULL when y is absent; errors at file:line:col. Which fields per and
 * free_when name is checked against the resolved form (load_fee_check). */
const struct fee *load_fee(struct lctx *c, const struct ynode *y);

/* The fee's fields against the form a city shows: per must be a number
 * field, free_when's field a field of the form. what: "service 'x'". */
void load_fee_check(struct lctx *c, const struct fee *f, const struct field *const *fields,
		    size_t n, const char *what);
#endif
