/* load_form.h - form and field definitions from YAML. */
#ifndef LOAD_FORM_H
#define LOAD_FORM_H
#include "load_util.h"
#include "../model/catalog.h"

struct form  *load_form(struct lctx *c, const struct ynode *form);
struct field *load_fields(struct lctx *c, const struct ynode *list, size_t *n);
#endif
