/* load_fee.c - fee: of a service or a city's override:
 *   fee:
 *     amount: 1500            # cents; the first copy's with per
 *     per: anzahl             # a number field counting copies (optional)
 *     unit: Urkunde           # with per
 *     further: 750            # cents for each further copy (with per)
 *     further_label: jede weitere
 *     free_when: { field: zweck, is: rentenversicherung }
 *     deliver: after_payment  # or immediately
 *     source: https://...     # the ordinance */
#include "load_fee.h"
#include <string.h>

static void load_free_when(struct lctx *c, const struct ynode *y, struct fee *f)
{
	static const char *const keys[] = { "field", "is", NULL };
	if (!y || !expect_kind(c, y, YN_MAP, "'free_when'"))
		return;
	check_keys(c, y, "'free_when'", keys);
	f->free_field = get_str(c, y, "field", true);
	f->free_is = get_str(c, y, "is", true);
}

const struct fee *load_fee(struct lctx *c, const struct ynode *y)
{
	static const char *const keys[] = { "amount", "per", "unit", "further",
		"further_label", "free_when", "deliver", "source", NULL };
	if (!y || !expect_kind(c, y, YN_MAP, "'fee'"))
		return NULL;
	check_keys(c, y, "'fee'", keys);
	struct fee *f = arena_alloc(c->a, sizeof *f);
	memset(f, 0, sizeof *f);
	f->pos = (struct srcpos){ y->file, y->line, y->col };
	if (!ymap_get(y, "amount"))
		lerr(c, y, "'fee' needs 'amount' (in cents)");
	f->amount = get_uint(c, y, "amount", 0, FEE_MAX_CENTS);
	const char *per = get_str(c, y, "per", false);
	f->per = *per ? per : NULL;
	f->further = get_uint(c, y, "further", f->amount, FEE_MAX_CENTS);
	f->unit = get_str(c, y, "unit", f->per != NULL);
	const char *fl = get_str(c, y, "further_label", false);
	f->further_label = *fl ? fl : "jede weitere";
	if (!f->per && (ymap_get(y, "further") || ymap_get(y, "unit")))
		lerr(c, y, "'further' and 'unit' count copies: they need 'per'");
	load_free_when(c, ymap_get(y, "free_when"), f);
	const char *d = get_str(c, y, "deliver", false);
	if (*d && !fee_deliver_parse(d, &f->deliver))
		lerr(c, ymap_get(y, "deliver"),
		     "'deliver' must be after_payment or immediately, not '%s'", d);
	f->source = get_str(c, y, "source", false);
	return f;
}

static const struct field *find(const struct field *const *fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i]->name, name) == 0)
			return fields[i];
	return NULL;
}

void load_fee_check(struct lctx *c, const struct fee *f, const struct field *const *fields,
		    size_t n, const char *what)
{
	if (!f)
		return;
	const struct field *p = f->per ? find(fields, n, f->per) : NULL;
	if (f->per && (!p || p->type != FT_NUMBER)) {
		diag_add(c->d, f->pos.file, f->pos.line, f->pos.col,
			 "fee: per: %s has no number field '%s'", what, f->per);
		c->errors++;
	}
	if (f->free_field && !find(fields, n, f->free_field)) {
		diag_add(c->d, f->pos.file, f->pos.line, f->pos.col,
			 "fee: free_when: %s has no field '%s'", what, f->free_field);
		c->errors++;
	}
}
