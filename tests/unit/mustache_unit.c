/* mustache_unit.c - tests of what our Mustache engine adds to the spec:
 * error messages with file:line:col, strict mode, the partial recursion
 * limit, the output limit, escaping of ', repeated and concurrent
 * rendering of one compiled template. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "render/mustache.h"
#include "tap.h"

/* Partials for the tests: a NULL-terminated list of name, source pairs. */
static int load(void *ctx, const char *name, struct buf *src, const char **file)
{
	const char *const *p = ctx;
	for (; p && p[0]; p += 2) {
		if (strcmp(p[0], name) == 0) {
			*file = p[0];
			return buf_puts(src, p[1]);
		}
	}
	return -1;
}

static bool has_diag(const struct diags *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++) {
		char line[1200];
		int n = snprintf(line, sizeof line, "%s:%d:%d: %s", d->v[i].file,
				 d->v[i].line, d->v[i].col, d->v[i].msg);
		if (n > 0 && strstr(line, text))
			return true;
	}
	for (size_t i = 0; i < d->n; i++)
		printf("#   diag: %s:%d:%d: %s\n", d->v[i].file, d->v[i].line,
		       d->v[i].col, d->v[i].msg);
	printf("#   wanted: %s\n", text);
	return false;
}

/* Compile src as "t.mustache" and render it; returns mu_render's result
 * (or -2 when compiling failed). */
static int render(const char *src, const char *const *partials, bool strict,
		  const struct mval *data, struct buf *out, struct diags *d)
{
	struct mu_env *env = mu_env_new(load, (void *)partials);
	mu_env_set_strict(env, strict);
	struct mu_template *t = mu_compile(env, "t.mustache", src, strlen(src), d);
	int rc = t ? mu_render(env, t, data, out, d) : -2;
	mu_env_free(env);
	return rc;
}

static void expect_output(const char *what, const char *src,
			  const char *const *partials, const struct mval *data,
			  const char *want)
{
	struct buf out;
	struct diags d;
	buf_init(&out, 0);
	diags_init(&d);
	int rc = render(src, partials, false, data, &out, &d);
	if (!ok(rc == 0 && strcmp(out.data ? out.data : "", want) == 0, "%s", what))
		printf("#   rc %d, got \"%s\", want \"%s\"\n", rc,
		       out.data ? out.data : "", want);
	buf_free(&out);
	diags_free(&d);
}

static void expect_compile_error(const char *what, const char *src, const char *msg)
{
	struct diags d;
	diags_init(&d);
	struct mu_env *env = mu_env_new(NULL, NULL);
	struct mu_template *t = mu_compile(env, "t.mustache", src, strlen(src), &d);
	ok(!t && has_diag(&d, msg), "%s", what);
	mu_env_free(env);
	diags_free(&d);
}

static void test_parse_errors(void)
{
	expect_compile_error("unclosed section names the section and where it opened",
		"a\n  {{#items}}\n{{x}}\n", "t.mustache:2:3: unclosed section '{{#items}}'");
	expect_compile_error("mismatched closing tag at its position",
		"{{#a}}\n {{/b}}",
		"t.mustache:2:2: mismatched closing tag '{{/b}}': open section is "
		"'{{#a}}' from line 1, column 1");
	expect_compile_error("closing tag without open section",
		"x\n{{/a}}", "t.mustache:2:1: closing tag '{{/a}}' without an open section");
	expect_compile_error("unclosed tag", "ab\ncd {{name", "t.mustache:2:4: unclosed tag");
	expect_compile_error("unclosed triple mustache", "{{{x}}", "t.mustache:1:1: unclosed tag");
	expect_compile_error("empty tag", "x {{ }}", "t.mustache:1:3: empty tag");
	expect_compile_error("name with spaces", "{{a b}}", "t.mustache:1:1: invalid name 'a b'");
	expect_compile_error("delimiter change with one delimiter",
		"x\n  {{=<% =}}", "t.mustache:2:3: invalid delimiter change");
	expect_compile_error("empty delimiter change", "{{= =}}",
		"t.mustache:1:1: invalid delimiter change");
	expect_compile_error("delimiter containing =", "{{=a= b=}}",
		"t.mustache:1:1: invalid delimiter change");
	expect_compile_error("positions after a delimiter change",
		"{{=<% %>=}}\nx <%#list%>", "t.mustache:2:3: unclosed section '{{#list}}'");
	expect_compile_error("unclosed parent",
		"{{<layout}}{{$a}}{{/a}}", "t.mustache:1:1: unclosed section '{{<layout}}'");
	char deep[4000] = "";
	for (int i = 0; i < 101; i++)
		strcat(deep, "{{#a}}");
	expect_compile_error("nesting limit", deep, "nested deeper than 100 levels");
}

static void test_strict(void)
{
	struct arena a;
	arena_init(&a);
	struct mval *data = mv_map(&a);
	mv_set_str(&a, data, "name", "Dorsten");
	mv_set(&a, data, "user", mv_map(&a));
	mv_set(&a, data, "nothing", mv_null(&a));
	struct buf out;
	struct diags d;
	buf_init(&out, 0);
	diags_init(&d);
	int rc = render("Hello {{name}}!\n  {{user.missing}}\n", NULL, true, data, &out, &d);
	ok(rc == -1 && has_diag(&d, "t.mustache:2:3: undefined variable 'user.missing'"),
	   "strict: undefined variable is an error with file:line:col");
	diags_free(&d);
	diags_init(&d);
	buf_reset(&out);
	rc = render("{{#nope}}x{{/nope}}{{^nope}}y{{/nope}}[{{nothing}}]", NULL, true,
		    data, &out, &d);
	ok(rc == 0 && d.n == 0 && strcmp(out.data, "y[]") == 0,
	   "strict: sections on missing names and null values stay legal");
	diags_free(&d);
	diags_init(&d);
	buf_reset(&out);
	rc = render("x\n {{>*nope}}", NULL, true, data, &out, &d);
	ok(rc == -1 && has_diag(&d, "t.mustache:2:2: undefined variable 'nope'"),
	   "strict: undefined dynamic partial name is an error");
	diags_free(&d);
	diags_init(&d);
	buf_reset(&out);
	rc = render("a\n{{>heder}}\n", NULL, true, data, &out, &d);
	ok(rc == -1 && has_diag(&d, "t.mustache:2:1: template 'heder' not found"),
	   "strict: a partial that does not exist is an error");
	diags_free(&d);
	diags_init(&d);
	buf_reset(&out);
	rc = render("{{missing}}{{>nope}}", NULL, false, data, &out, &d);
	ok(rc == 0 && d.n == 0 && out.len == 0, "not strict: missing renders empty");
	buf_free(&out);
	diags_free(&d);
	arena_free(&a);
}

static void test_recursion(void)
{
	static const char *const self[] = { "p", "x{{>p}}", NULL };
	static const char *const mutual[] = { "a", "{{>b}}", "b", "{{<a}}{{/a}}", NULL };
	struct buf out;
	struct diags d;
	buf_init(&out, 0);
	diags_init(&d);
	int rc = render("{{>p}}", self, false, NULL, &out, &d);
	ok(rc == -1 && has_diag(&d, "p:1:2: partials nested deeper than 100 levels at 'p'"),
	   "partial recursion stops at 100 levels with an error");
	ok(out.len == 100, "recursion rendered exactly 100 levels");
	diags_free(&d);
	diags_init(&d);
	buf_reset(&out);
	rc = render("{{>a}}", mutual, false, NULL, &out, &d);
	ok(rc == -1 && has_diag(&d, "partials nested deeper than 100 levels"),
	   "mutual partial/parent recursion stops with an error");
	buf_free(&out);
	diags_free(&d);
}

static void test_output_max(void)
{
	struct arena a;
	arena_init(&a);
	struct mval *data = mv_map(&a), *list = mv_list(&a);
	for (int i = 0; i < 50; i++)
		mv_push(&a, list, mv_num(&a, i));
	mv_set(&a, data, "l", list);
	struct buf out;
	struct diags d;
	buf_init(&out, 100);
	diags_init(&d);
	int rc = render("{{#l}}\n  <li>{{.}}</li>\n{{/l}}", NULL, false, data, &out, &d);
	ok(rc == -1 && out.len <= 100 &&
	   has_diag(&d, "t.mustache:2:") &&
	   has_diag(&d, ": output larger than the limit of 100 bytes"),
	   "output limit: -1 and a diagnostic, buffer within max");
	buf_free(&out);
	diags_free(&d);
	arena_free(&a);
}

static void test_escaping(void)
{
	struct arena a;
	arena_init(&a);
	struct mval *data = mv_map(&a);
	mv_set_str(&a, data, "x", "<a href=\"x\">Tom & Jerry's</a>");
	expect_output("escaping of & \" < > and ' (as &#39;)", "{{x}}|{{{x}}}|{{&x}}", NULL, data,
		      "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;|"
		      "<a href=\"x\">Tom & Jerry's</a>|<a href=\"x\">Tom & Jerry's</a>");
	mv_set(&a, data, "n", mv_num(&a, 1.210));
	mv_set(&a, data, "i", mv_num(&a, 85));
	mv_set(&a, data, "t", mv_bool(&a, true));
	mv_set_str(&a, data, "e", "");
	mv_set(&a, data, "l", mv_list(&a));
	expect_output("numbers and booleans", "{{n}} {{i}} {{t}}", NULL, data, "1.21 85 true");
	expect_output("empty string and empty list are falsey",
		      "{{#e}}E{{/e}}{{^e}}e{{/e}}{{#l}}L{{/l}}{{^l}}l{{/l}}", NULL, data, "el");
	mv_set_str(&a, data, "x", "replaced");
	ok(mv_get(data, "x") && strcmp(mv_get(data, "x")->str, "replaced") == 0 &&
	   data->n == 6 && mv_get(data, "zz") == NULL, "mv_set replaces, mv_get finds");
	arena_free(&a);
}

static void test_partials(void)
{
	static const char *const parts[] = {
		"bad", "{{#open}}",
		"item", "<li>{{name}}</li>\n",
		NULL,
	};
	struct buf out;
	struct diags d;
	buf_init(&out, 0);
	diags_init(&d);
	int rc = render("a{{>missing}}b", parts, false, NULL, &out, &d);
	ok(rc == 0 && strcmp(out.data, "ab") == 0, "missing partial renders empty");
	static const char *const more[] = {
		"page", "<{{$x}}default{{/x}}>",
		"outer", "begin\n  {{>inner}}\nend\n",
		"inner", "a\n  {{>leaf}}\nb {{>leaf}}\n",
		"leaf", "1\n2\n",
		NULL,
	};
	struct arena a;
	arena_init(&a);
	struct mval *data = mv_map(&a);
	mv_set_str(&a, data, "layout", "page");
	expect_output("dynamic parent {{<*name}}...{{/*name}}",
		      "{{<*layout}}{{$x}}over{{/x}}{{/*layout}}", more, data, "<over>");
	expect_output("nested standalone partials add up their indentation",
		      "{{>outer}}", more, NULL,
		      "begin\n  a\n    1\n    2\n  b 1\n2\n\nend\n");
	arena_free(&a);
	buf_reset(&out);
	rc = render("a{{>bad}}b", parts, false, NULL, &out, &d);
	ok(rc == -1 && has_diag(&d, "bad:1:1: unclosed section '{{#open}}'") &&
	   has_diag(&d, "t.mustache:1:2: template 'bad' has errors"),
	   "invalid partial: its error and where it was used");
	buf_free(&out);
	diags_free(&d);
}

/* One template using most features, rendered many times. */
static const char *const page_parts[] = {
	"layout", "<html>\n  <title>{{$title}}Portal{{/title}}</title>\n"
		  "  <body>\n    {{$body}}{{/body}}\n  </body>\n</html>\n",
	"item", "<li>\n  {{name}}\n</li>\n",
	NULL,
};
static const char page_src[] =
	"{{<layout}}\n"
	"{{$title}}{{city}} &amp; more{{/title}}\n"
	"{{$body}}\n"
	"<ul>\n"
	"  {{#services}}\n"
	"  {{>item}}\n"
	"  {{/services}}\n"
	"</ul>\n"
	"{{^services}}\n"
	"none\n"
	"{{/services}}\n"
	"{{/body}}\n"
	"{{/layout}}\n";
static const char page_want[] =
	"<html>\n  <title>Dorsten &amp; more</title>\n  <body>\n"
	"    <ul>\n"
	"      <li>\n        Pass &lt;neu&gt;\n      </li>\n"
	"      <li>\n        Mieter&#39;s Schein\n      </li>\n"
	"    </ul>\n"
	"  </body>\n</html>\n";

static struct mval *page_data(struct arena *a)
{
	struct mval *data = mv_map(a), *list = mv_list(a);
	mv_set_str(a, data, "city", "Dorsten");
	const char *names[] = { "Pass <neu>", "Mieter's Schein" };
	for (int i = 0; i < 2; i++) {
		struct mval *s = mv_map(a);
		mv_set_str(a, s, "name", names[i]);
		mv_push(a, list, s);
	}
	mv_set(a, data, "services", list);
	return data;
}

static void test_repeat(void)
{
	struct arena a;
	arena_init(&a);
	struct mval *data = page_data(&a);
	struct diags d;
	diags_init(&d);
	struct mu_env *env = mu_env_new(load, (void *)page_parts);
	struct mu_template *t = mu_compile(env, "page.mustache", page_src,
					   strlen(page_src), &d);
	struct buf out;
	buf_init(&out, 0);
	int rc = t ? mu_render(env, t, data, &out, &d) : -1;
	if (!ok(rc == 0 && strcmp(out.data, page_want) == 0,
		"page with parent, blocks, indented partials renders as expected"))
		printf("#   got:\n%s\n", out.data ? out.data : "");
	int same = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 10000; i++) {
		buf_reset(&out);
		if (mu_render(env, t, data, &out, &d) == 0 && strcmp(out.data, page_want) == 0)
			same++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ok(same == 10000, "rendering the same template 10,000 times gives identical output");
	printf("# 10,000 renders in %.1f ms\n",
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	buf_free(&out);
	mu_env_free(env);
	diags_free(&d);
	arena_free(&a);
}

struct job {
	struct mu_env *env;
	const struct mu_template *t;
	const struct mval *data;
	int same;
};

static void *render_many(void *arg)
{
	struct job *j = arg;
	struct buf out;
	struct diags d;
	buf_init(&out, 0);
	diags_init(&d);
	for (int i = 0; i < 500; i++) {
		buf_reset(&out);
		if (mu_render(j->env, j->t, j->data, &out, &d) == 0 &&
		    strcmp(out.data, page_want) == 0)
			j->same++;
	}
	buf_free(&out);
	diags_free(&d);
	return NULL;
}

static void test_threads(void)
{
	struct arena a;
	arena_init(&a);
	struct diags d;
	diags_init(&d);
	/* Partials are loaded lazily by whichever thread needs them first. */
	struct mu_env *env = mu_env_new(load, (void *)page_parts);
	struct mu_template *t = mu_compile(env, "page.mustache", page_src,
					   strlen(page_src), &d);
	struct job jobs[4];
	pthread_t th[4];
	int started = 0;
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){ env, t, page_data(&a), 0 };
		if (pthread_create(&th[i], NULL, render_many, &jobs[i]) == 0)
			started++;
	}
	int same = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		same += jobs[i].same;
	}
	ok(t && started == 4 && same == 2000, "4 threads render with one env at once");
	mu_env_free(env);
	diags_free(&d);
	arena_free(&a);
}

int main(void)
{
	test_parse_errors();
	test_strict();
	test_recursion();
	test_output_max();
	test_escaping();
	test_partials();
	test_repeat();
	test_threads();
	return tap_exit();
}
