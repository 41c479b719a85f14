/* catalog_load.h - read content/ (see content/README.md) into a catalogue.
 * Every problem found is added to d as file:line:col: message, and loading
 * goes on to find more; the result is NULL when there was any error. */
#ifndef CATALOG_LOAD_H
#define CATALOG_LOAD_H
#include "source.h"
#include "../model/catalog.h"

/* content_dir: path inside the source, normally "content". */
struct catalog *catalog_load(struct source *src, const char *content_dir,
			     struct diags *d);
/* The same, with the parsed trees of unchanged files from yc and those of
 * the others put there (yamlcache.h); yc may be NULL. The services are
 * loaded on up to threads threads (src must allow that: both sources
 * lock what they share). */
struct yaml_cache;
struct catalog *catalog_load_cached(struct source *src, const char *content_dir,
				    struct yaml_cache *yc, int threads, struct diags *d);
#endif
