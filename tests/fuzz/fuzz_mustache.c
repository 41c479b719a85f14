/* fuzz_mustache - the Mustache engine (generator/render/mustache*.c): the
 * input is compiled as a template and rendered twice (spec mode and the
 * themes' strict mode) with a fixed data tree of every value kind. Partials
 * and parents ({{> x}}, {{< x}}) are the templates of themes/default, and
 * "self" is the input itself (recursion). Diagnostics are fine; crashes,
 * leaks, sanitizer reports and output beyond the buffer's limit are not. */
#include "fuzz.h"
#include <dirent.h>
#include "render/mustache.h"

#define MAX_PARTIALS 64
static struct { char *name; struct buf src; } partials[MAX_PARTIALS];
static size_t n_partials;
static struct arena data_arena;
static struct mval *data;
static const char *cur;
static size_t cur_len;

static int load(void *ctx, const char *name, struct buf *src, const char **filename)
{
	(void)ctx;
	if (!strcmp(name, "self")) {
		*filename = "self";
		return buf_append(src, cur, cur_len) < 0 ? -1 : 0;
	}
	for (size_t i = 0; i < n_partials; i++)
		if (!strcmp(partials[i].name, name)) {
			*filename = partials[i].name;
			return buf_append(src, partials[i].src.data,
					  partials[i].src.len) < 0 ? -1 : 0;
		}
	return -1;
}

static void read_theme(void)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/themes/default", fuzz_root());
	DIR *d = opendir(dir);
	if (!d)
		abort();
	struct dirent *e;
	while ((e = readdir(d)) && n_partials < MAX_PARTIALS) {
		size_t n = strlen(e->d_name);
		if (n < 10 || strcmp(e->d_name + n - 9, ".mustache"))
			continue;
		char path[1300];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		partials[n_partials].name = strndup(e->d_name, n - 9);
		buf_init(&partials[n_partials].src, (size_t)1 << 20);
		if (buf_read_file(&partials[n_partials].src, path) < 0)
			abort();
		n_partials++;
	}
	closedir(d);
}

static struct mval *item(struct arena *a, const char *name, const char *href, bool cur_)
{
	struct mval *m = mv_map(a);
	mv_set_str(a, m, "name", name);
	mv_set_str(a, m, "href", href);
	mv_set_bool(a, m, "current", cur_);
	return m;
}

static void build_data(void)
{
	struct arena *a = &data_arena;
	arena_init(a);
	data = mv_map(a);
	mv_set_str(a, data, "title", "Hund anmelden <script>alert(1)</script> & \"Co\"");
	mv_set_str(a, data, "lang", "de");
	mv_set_str(a, data, "root", "../");
	mv_set_str(a, data, "empty", "");
	mv_set_str(a, data, "html", "<p>Text <em>mit</em> Markdown</p>");
	mv_set(a, data, "num", mv_num(a, 1.21));
	mv_set(a, data, "zero", mv_num(a, 0));
	mv_set_bool(a, data, "yes", true);
	mv_set_bool(a, data, "no", false);
	mv_set(a, data, "nothing", mv_null(a));
	struct mval *l = mv_list(a);
	mv_push(a, l, item(a, "Dorsten", "dorsten/index.html", true));
	mv_push(a, l, item(a, "Bottrop", "bottrop/index.html", false));
	mv_push(a, l, item(a, "Ümlaut ß", "x.html?a=1&b=2", false));
	mv_set(a, data, "items", l);
	mv_set(a, data, "crumbs", l);
	mv_set(a, data, "empty_list", mv_list(a));
	struct mval *strs = mv_list(a);
	mv_push(a, strs, mv_str(a, "a"));
	mv_push(a, strs, mv_num(a, 2));
	mv_push(a, strs, mv_bool(a, false));
	mv_set(a, data, "strs", strs);
	struct mval *nested = mv_map(a);
	struct mval *inner = mv_map(a);
	mv_set_str(a, inner, "c", "tief");
	mv_set(a, inner, "list", l);
	mv_set(a, nested, "b", inner);
	mv_set(a, data, "a", nested);
	mv_set(a, data, "city", item(a, "Dorsten", "dorsten/", false));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	read_theme();
	build_data();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
	char *src = fuzz_str(bytes, size);
	cur = src;
	cur_len = size;
	for (int strict = 0; strict < 2; strict++) {
		struct mu_env *env = mu_env_new(load, NULL);
		mu_env_set_strict(env, strict);
		struct diags d;
		diags_init(&d);
		struct mu_template *t = mu_compile(env, "fuzz.mustache", src, size, &d);
		if (t) {
			struct buf out;
			buf_init(&out, (size_t)1 << 20);
			mu_render(env, t, data, &out, &d);
			FUZZ_ASSERT(out.len <= out.max, "output beyond its limit");
			buf_free(&out);
		}
		diags_free(&d);
		mu_env_free(env);
	}
	free(src);
	return 0;
}
