/* mustache_spec.c - runs the official Mustache spec files from
 * $MUSTACHE_SPEC_DIR (tests/run: default ../shared/spec/mustache beside the
 * checkout) against generator/render/mustache.c.
 * Every case is a template, data, optional partials and the expected
 * output; the files are read at run time with libyaml (through yamltree),
 * never copied. ~lambdas needs code in the data and is left out.
 * Without the directory (a clone with no ../shared) each of the 8 files is
 * reported as one skip ("ok - comments.yml # SKIP ..."), not as a failure;
 * a file missing from an existing directory is a failure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "load/yamltree.h"
#include "render/mustache.h"
#include "tap.h"

static const char *const files[] = {
	"comments", "delimiters", "interpolation", "inverted", "partials",
	"sections", "~inheritance", "~dynamic-names",
};

/* A plain YAML scalar that reads as a number: [-+]digits[.digits][e[-+]digits] */
static bool is_number(const char *s)
{
	const char *p = s;
	int digits = 0;
	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p))
		p++, digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

static struct mval *convert(struct arena *a, const struct ynode *y)
{
	switch (y->kind) {
	case YN_SCALAR:
		if (y->plain) {
			if (yscalar_is_null(y))
				return mv_null(a);
			if (strcmp(y->str, "true") == 0 || strcmp(y->str, "false") == 0)
				return mv_bool(a, y->str[0] == 't');
			if (is_number(y->str))
				return mv_num(a, strtod(y->str, NULL));
		}
		return mv_strn(a, y->str, y->len);
	case YN_SEQ: {
		struct mval *l = mv_list(a);
		for (size_t i = 0; i < y->n; i++)
			mv_push(a, l, convert(a, y->items[i]));
		return l;
	}
	case YN_MAP: {
		struct mval *m = mv_map(a);
		for (size_t i = 0; i < y->n; i++)
			mv_set(a, m, y->keys[i]->str, convert(a, y->items[i]));
		return m;
	}
	}
	return mv_null(a);
}

/* Partials come from the case's `partials` map. */
static int load_partial(void *ctx, const char *name, struct buf *src,
			const char **filename)
{
	const struct ynode *partials = ctx;
	const struct ynode *p = ymap_get(partials, name);
	if (!p || p->kind != YN_SCALAR)
		return -1;
	*filename = name;        /* the cached name outlives the env */
	return buf_append(src, p->str, p->len);
}

static void dump(const char *label, const char *s, size_t n)
{
	printf("#   %-9s \"", label);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '"': fputs("\\\"", stdout); break;
		default:
			if (c < 0x20)
				printf("\\x%02x", c);
			else
				putchar(c);
		}
	}
	puts("\"");
}

static const char *scalar(const struct ynode *m, const char *key)
{
	const struct ynode *n = ymap_get(m, key);
	return n && n->kind == YN_SCALAR ? n->str : NULL;
}

static bool run_case(const char *file, const struct ynode *tc)
{
	const char *name = scalar(tc, "name");
	const struct ynode *tpl = ymap_get(tc, "template");
	const struct ynode *exp = ymap_get(tc, "expected");
	const struct ynode *data = ymap_get(tc, "data");
	if (!name || !tpl || tpl->kind != YN_SCALAR || !exp || exp->kind != YN_SCALAR) {
		ok(false, "%s: malformed case at line %d", file, tc->line);
		return false;
	}
	struct arena a;
	arena_init(&a);
	struct diags d;
	diags_init(&d);
	struct buf out;
	buf_init(&out, 1 << 20);
	struct mu_env *env = mu_env_new(load_partial, ymap_get(tc, "partials"));
	struct mu_template *t = mu_compile(env, "template", tpl->str, tpl->len, &d);
	int rc = t ? mu_render(env, t, data ? convert(&a, data) : NULL, &out, &d) : -1;
	const char *got = out.data ? out.data : "";
	bool pass = ok(rc == 0 && out.len == exp->len && memcmp(got, exp->str, exp->len) == 0,
		       "%s: %s", file, name);
	if (!pass) {
		dump("template:", tpl->str, tpl->len);
		dump("expected:", exp->str, exp->len);
		dump("got:", got, out.len);
		size_t at = 0, line = 1, col = 1;
		for (; at < out.len && at < exp->len && got[at] == exp->str[at]; at++, col++)
			if (got[at] == '\n')
				line++, col = 0;
		if (rc == 0)
			printf("#   first difference at byte %zu (line %zu, column %zu)\n",
			       at, line, col);
		for (size_t i = 0; i < d.n; i++)
			printf("#   error: %s:%d:%d: %s\n", d.v[i].file, d.v[i].line,
			       d.v[i].col, d.v[i].msg);
	}
	mu_env_free(env);
	buf_free(&out);
	diags_free(&d);
	arena_free(&a);
	return pass;
}

int main(void)
{
	const char *dir = getenv("MUSTACHE_SPEC_DIR");
	if (!dir || !*dir) {
		ok(false, "MUSTACHE_SPEC_DIR is set (tests/run sets it, see README.md)");
		return tap_exit();
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		char why[4200];
		snprintf(why, sizeof why, "no Mustache spec directory %s (set MUSTACHE_SPEC_DIR)", dir);
		for (size_t f = 0; f < sizeof files / sizeof *files; f++)
			skip(why, "%s.yml", files[f]);
		return tap_exit();
	}
	int pass = 0, total = 0;
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		char path[4096];
		int k = snprintf(path, sizeof path, "%s/%s.yml", dir, files[f]);
		if (k < 0 || (size_t)k >= sizeof path) {
			ok(false, "%s: path too long", files[f]);
			continue;
		}
		struct buf src;
		buf_init(&src, 0);
		struct arena a;
		arena_init(&a);
		struct diags d;
		diags_init(&d);
		const struct ynode *root = NULL, *tests = NULL;
		if (buf_read_file(&src, path) < 0)
			ok(false, "%s: cannot read %s", files[f], path);
		else if (!(root = yaml_parse(&a, path, src.data, src.len, &d)))
			ok(false, "%s: %s", files[f], d.n ? d.v[0].msg : "cannot parse");
		else if (!(tests = ymap_get(root, "tests")) || tests->kind != YN_SEQ)
			ok(false, "%s: no tests list", files[f]);
		if (tests && tests->kind == YN_SEQ) {
			int fp = 0;
			for (size_t i = 0; i < tests->n; i++)
				fp += run_case(files[f], tests->items[i]);
			printf("# %s: %d of %zu\n", files[f], fp, tests->n);
			pass += fp;
			total += (int)tests->n;
		}
		diags_free(&d);
		arena_free(&a);
		buf_free(&src);
	}
	printf("# %d of %d spec cases passed\n", pass, total);
	return tap_exit();
}
