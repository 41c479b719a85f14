/* fuzz_yaml_catalog - the catalogue loader (generator/load: libyaml into
 * the YAML tree, then region, categories, links, services, cities, offices,
 * forms and overrides) over the catalogue of tests/fixtures/content held in
 * memory. The first byte of an input chooses the file that the rest
 * replaces (in the sorted order of the fixture's files, then two new files:
 * a service and a city override); so the fuzzer mutates one editor's file
 * inside an otherwise valid catalogue, as in real life. A catalogue that
 * loads is then resolved for every city x service, as relayd and sitegen
 * do. Diagnostics are fine; crashes, leaks and sanitizer reports are not. */
#include "fuzz.h"
#include "load/catalog_load.h"
#include "memsource.h"

static struct memsrc base;
static const char *const extra[] = {
	"content/services/fuzz.yml",
	"content/cities/bottrop/hundeanmeldung.yml",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	char root[1024];
	snprintf(root, sizeof root, "%s/tests/fixtures", fuzz_root());
	struct source *fs = source_fs_open(root);
	memsrc_init(&base);
	memsrc_copy_tree(&base, fs, "content");
	fs->close(fs);
	/* the fixture must load as it is */
	struct diags d;
	diags_init(&d);
	struct catalog *c = catalog_load(&base.s, "content", &d);
	if (!c) {
		diags_print(&d, fuzz_err());
		abort();
	}
	catalog_free(c);
	diags_free(&d);
	/* the file order for the selector byte (tests/fuzz/README.md) */
	if (getenv("FUZZ_LIST_FILES"))
		for (size_t i = 0; i < base.n; i++)
			fprintf(fuzz_err(), "%zu %s\n", i, base.path[i]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct memsrc m = base;
	size_t k = data[0] % (base.n + 2);
	const char *path = k < base.n ? base.path[k] : extra[k - base.n];
	memsrc_put(&m, path, (const char *)data + 1, size - 1);
	struct diags d;
	diags_init(&d);
	struct catalog *c = catalog_load(&m.s, "content", &d);
	if (c) {
		for (size_t i = 0; i < c->n_cities; i++)
			for (size_t j = 0; j < c->n_services; j++) {
				struct city_service cs;
				catalog_resolve(c, &c->cities[i], &c->services[j], &cs);
			}
		catalog_free(c);
	}
	diags_free(&d);
	return 0;
}
