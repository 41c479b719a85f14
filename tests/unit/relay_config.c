/* relay_config - unit tests of relayd's configuration (relay/config): the
 * key table and relay/relay.yml.example hold the same keys; the defaults
 * and derived values; each kind of error at its exact file:line:col; the
 * range of every integer key, both ends. */
#include "config/config.h"
#include "load/yamltree.h"
#include "util/buf.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"
#include <string.h>
#include <unistd.h>

static char tmpdir[512];


/* A valid configuration of five lines; cases append to it. Lines that
 * start with two spaces continue the smtp mapping. */
#define BASE "public_url: https://formulare.example.de\n" \
	"allowed_origins: [https://www.example.de]\n" \
	"smtp:\n" \
	"  url: smtp://127.0.0.1:25\n" \
	"  from: relay@example.de\n"

static const char *yml_path(void)
{
	static char path[600];
	if (snprintf(path, sizeof path, "%s/relay.yml", tmpdir) >= (int)sizeof path)
		exit(2);
	return path;
}

/* Writes text to the test's relay.yml and loads it. */
static struct relay_config *load(const char *text, struct diags *d)
{
	FILE *f = fopen(yml_path(), "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(yml_path());
		exit(2);
	}
	diags_init(d);
	return config_load(yml_path(), d);
}

static bool has_diag(const struct diags *d, int line, int col, const char *msg)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].file, yml_path()) && d->v[i].line == line &&
		    d->v[i].col == col && !strcmp(d->v[i].msg, msg))
			return true;
	return false;
}

static bool any_diag_has(const struct diags *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->v[i].msg, text))
			return true;
	return false;
}

static void show_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		printf("#   %s:%d:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].col,
		       d->v[i].msg);
}

/* ---- the table and the example ---- */

static const struct ynode *at_path(const struct ynode *root, const char *path)
{
	char buf[128];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return NULL;
	const struct ynode *n = root;
	char *save, *part = strtok_r(buf, ".", &save);
	for (; part && n; part = strtok_r(NULL, ".", &save))
		n = ymap_get(n, part);
	return n;
}

/* Counts the keys the example holds (at any depth) in *n and those not in
 * the table in *unknown. */
static void example_keys_in_table(const struct ynode *map, const char *prefix,
				  int *n, int *unknown)
{
	for (size_t i = 0; i < map->n; i++) {
		char path[128];
		if (snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "",
			     map->keys[i]->str) >= (int)sizeof path)
			exit(2);
		const struct config_key *k = config_key_find(path);
		(*n)++;
		if (!k) {
			(*unknown)++;
			printf("# line %d: '%s' is not in the table\n", map->keys[i]->line, path);
		} else if (k->type == CT_SECTION && map->items[i]->kind == YN_MAP)
			example_keys_in_table(map->items[i], path, n, unknown);
	}
}

static void test_example(void)
{
	const char *root = getenv("ROOT");
	char path[1024];
	if (snprintf(path, sizeof path, "%s/relay/relay.yml.example",
		     root ? root : ".") >= (int)sizeof path)
		exit(2);
	struct buf b;
	buf_init(&b, (size_t)1 << 20);
	if (buf_read_file(&b, path) < 0) {
		perror(path);
		exit(2);
	}
	struct arena a;
	arena_init(&a);
	struct diags d;
	diags_init(&d);
	const struct ynode *ex = yaml_parse(&a, path, b.data, b.len, &d);
	buf_free(&b);
	ok(ex && ex->kind == YN_MAP, "relay.yml.example is a YAML mapping");
	if (!ex) {
		show_diags(&d);
		exit(1);
	}
	int n = 0, unknown = 0, undocumented = 0;
	example_keys_in_table(ex, "", &n, &unknown);
	ok(unknown == 0, "every key of relay.yml.example is in the table (%d keys)", n);
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];
		if ((at_path(ex, k->path) != NULL) == k->tests_only) {
			undocumented++;
			printf("# '%s' %s\n", k->path, k->tests_only
			       ? "is for tests only and must not be in the example"
			       : "is not in the example");
		}
	}
	ok(undocumented == 0, "every key of the table is in relay.yml.example, "
	   "but those for tests only");
	diags_free(&d);
	arena_free(&a);

	diags_init(&d);
	struct relay_config *c = config_load(path, &d);
	ok(c && d.n == 0, "relay.yml.example loads without a diagnostic");
	show_diags(&d);
	ok(c && c->smtp.starttls == SMTP_STARTTLS_REQUIRED && c->receipt &&
	   c->limits.max_body == 12582912 && c->n_allowed_origins == 1 &&
	   !strcmp(c->admin_socket, "/var/lib/relayd/relay.db.sock"),
	   "the example's values are read");
	config_free(c);
	diags_free(&d);
}

static void test_table(void)
{
	bool help = true, ranges = true, sections = true, unique = true;
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];
		if (!k->help || strlen(k->help) < 10 || strchr(k->help, '\n'))
			help = false, printf("# help of %s\n", k->path);
		if (k->type == CT_INT && !(k->min <= k->def && k->def <= k->max))
			ranges = false, printf("# default of %s\n", k->path);
		if (k->required && (k->def_text || k->def))
			ranges = false, printf("# %s is required and has a default\n", k->path);
		const char *dot = strrchr(k->path, '.');
		if (dot) {
			char sec[64];
			snprintf(sec, sizeof sec, "%.*s", (int)(dot - k->path), k->path);
			const struct config_key *s = config_key_find(sec);
			if (!s || s->type != CT_SECTION || s >= k)
				sections = false, printf("# section of %s\n", k->path);
		}
		if (config_key_find(k->path) != k)
			unique = false, printf("# %s twice\n", k->path);
	}
	ok(help, "every key has a one-line help text");
	ok(ranges, "every integer default is within its range; required keys have none");
	ok(sections, "every dotted key's section is in the table before it");
	ok(unique, "no key is in the table twice");

	FILE *f = tmpfile();
	int lines = 0, ch;
	ok(f && config_print_keys(f) == 0, "relayd --config-keys prints the table");
	if (f) {
		rewind(f);
		while ((ch = fgetc(f)) != EOF)
			lines += ch == '\n';
		fclose(f);
	}
	ok(lines == (int)config_nkeys, "one line per key (%d)", lines);
}

/* ---- values ---- */

static void test_defaults(void)
{
	struct diags d;
	struct relay_config *c = load(BASE, &d);
	ok(c != NULL, "the smallest valid configuration loads");
	show_diags(&d);
	diags_free(&d);
	if (!c)
		return;
	ok(!strcmp(c->listen, "127.0.0.1") && c->port == 8025 &&
	   !strcmp(c->database, "relay.db") && !strcmp(c->content_dir, "content") &&
	   !strcmp(c->themes_dir, "themes"), "defaults: listen, port, paths");
	ok(!strcmp(c->admin_socket, "relay.db.sock") && !strcmp(c->lock_file, "relay.db.lock"),
	   "admin_socket and lock file default to <database>.sock/.lock");
	config_free(c);
	c = load(BASE "database: sqlite:/srv/r/relay.db\n", &d);
	ok(c && !strcmp(c->database, "sqlite:/srv/r/relay.db") &&
	   !strcmp(c->lock_file, "/srv/r/relay.db.lock") &&
	   !strcmp(c->admin_socket, "/srv/r/relay.db.sock"),
	   "database sqlite:PATH: lock file and socket beside PATH");
	diags_free(&d);
	if (!c)
		return;
	ok(!strcmp(c->smtp.username, "") && !strcmp(c->smtp.password, "") &&
	   c->smtp.starttls == SMTP_STARTTLS_NONE && c->smtp.connect_timeout == 10 &&
	   c->smtp.timeout == 60, "defaults: smtp");
	ok(c->limits.max_body == (size_t)12 << 20 && c->limits.max_connections == 256 &&
	   c->limits.max_per_ip == 32 && c->limits.timeout == 15 &&
	   c->limits.request_deadline == 60 && c->limits.rate_per_ip_per_minute == 60,
	   "defaults: limits");
	ok(c->retry.initial == 300 && c->retry.max == 3600 && c->retry.lifetime_hours == 120 &&
	   c->retry.lifetime_seconds == 0 && !c->receipt, "defaults: retry, receipt");
	ok(!strcmp(c->own_origin, "https://formulare.example.de"), "own_origin from public_url");
	config_free(c);

	c = load("public_url: https://Formulare.Example.de:443//\n"
		 "allowed_origins: [https://www.example.de, http://localhost:8080]\n"
		 "database: /tmp/x.db\n"
		 "smtp: {url: 'smtps://mail', from: a@b.de, starttls: required}\n", &d);
	ok(c && !strcmp(c->public_url, "https://Formulare.Example.de:443") &&
	   !strcmp(c->own_origin, "https://formulare.example.de"),
	   "public_url: trailing slashes stripped; own_origin lower case, no default port");
	show_diags(&d);
	ok(c && c->n_allowed_origins == 2 && !strcmp(c->allowed_origins[1], "http://localhost:8080"),
	   "allowed_origins: both kept");
	ok(c && !strcmp(c->admin_socket, "/tmp/x.db.sock") && c->smtp.starttls == SMTP_STARTTLS_REQUIRED,
	   "admin_socket follows database; starttls required");
	config_free(c);
	diags_free(&d);
}

/* ---- errors ---- */

static const struct {
	const char *what, *yaml;
	int line, col;
	const char *msg;
} errors[] = {
	{ "unknown key", BASE "colour: blue\n", 6, 1, "unknown key 'colour'" },
	{ "unknown key in a section", BASE "  tls: on\n", 6, 3, "unknown key 'smtp.tls'" },
	{ "dotted key at the top", BASE "limits.timeout: 5\n", 6, 1,
	  "unknown key 'limits.timeout'" },
	{ "not a number", BASE "port: eighty\n", 6, 7, "'port' must be a whole number" },
	{ "quoted number", BASE "port: \"80\"\n", 6, 7, "'port' must be a whole number" },
	{ "not a boolean", BASE "receipt: maybe\n", 6, 10, "'receipt' must be true or false" },
	{ "list for a path", BASE "database: [a, b]\n", 6, 11,
	  "'database' must be a text value, not a list" },
	{ "section not a mapping", BASE "limits: 5\n", 6, 9,
	  "'limits' must be a mapping, not a text value" },
	{ "empty path", BASE "database: \"\"\n", 6, 11, "'database' must not be empty" },
	{ "two lines", BASE "  password: \"a\\nb\"\n", 6, 13,
	  "'smtp.password' must be a single line" },
	{ "out of range", BASE "port: 0\n", 6, 7, "'port' must be between 1 and 65535" },
	{ "out of range in a section", BASE "limits:\n  max_body: 100\n", 7, 13,
	  "'limits.max_body' must be between 1024 and 1073741824" },
	{ "enum", BASE "  starttls: maybe\n", 6, 13, "'smtp.starttls' must be none or required" },
	{ "url scheme", "public_url: ftp://x\nallowed_origins: [https://www.example.de]\n"
	  "smtp:\n  url: smtp://h\n  from: a@b.de\n", 1, 13,
	  "'public_url' must start with https:// or http://" },
	{ "url without a host (found by fuzz_config)", "public_url: \"https:///otmp/re42\"\n"
	  "allowed_origins: [https://www.example.de]\nsmtp:\n  url: smtp://h\n  from: a@b.de\n", 1, 13,
	  "'public_url' has no host after the scheme" },
	{ "smtp url scheme", "public_url: http://x\nallowed_origins: [https://www.example.de]\n"
	  "smtp:\n  url: http://h\n  from: a@b.de\n", 4, 8,
	  "'smtp.url' must start with smtp:// or smtps://" },
	{ "mail address", "public_url: http://x\nallowed_origins: [https://www.example.de]\n"
	  "smtp:\n  url: smtp://h\n  from: Relay <a@b.de>\n", 5, 9,
	  "'smtp.from' must be a bare address like relay@example.de" },
	{ "missing required key", "allowed_origins: [https://www.example.de]\n"
	  "smtp:\n  url: smtp://h\n  from: a@b.de\n", 1, 1,
	  "missing required key 'public_url'" },
	{ "missing required key in a section", "public_url: http://x\n"
	  "allowed_origins: [https://www.example.de]\nsmtp:\n  url: smtp://h\n", 4, 3,
	  "missing required key 'smtp.from'" },
	{ "missing required section", "public_url: http://x\n"
	  "allowed_origins: [https://www.example.de]\n", 1, 1,
	  "missing required key 'smtp'" },
	{ "bad origin", "public_url: http://x\n"
	  "allowed_origins: [https://www.example.de, https://Www.Example.de]\n"
	  "smtp:\n  url: smtp://h\n  from: a@b.de\n", 2, 43,
	  "'https://Www.Example.de' is not an origin like https://www.example.de "
	  "(scheme and host, lower case, no path)" },
	{ "origin with a path", "public_url: http://x\nallowed_origins:\n"
	  "  - https://www.example.de/formulare\nsmtp:\n  url: smtp://h\n  from: a@b.de\n", 3, 5,
	  "'https://www.example.de/formulare' is not an origin like https://www.example.de "
	  "(scheme and host, lower case, no path)" },
	{ "no origins", "public_url: http://x\nallowed_origins: []\n"
	  "smtp:\n  url: smtp://h\n  from: a@b.de\n", 2, 18,
	  "'allowed_origins' must be a non-empty list of origins" },
	{ "retry.max below retry.initial", BASE "retry:\n  initial: 600\n  max: 300\n", 8, 8,
	  "'retry.max' must not be smaller than retry.initial" },
	{ "notify mode", BASE "notify:\n  default: mail\n", 7, 12,
	  "'notify.default' must be link or full" },
	{ "notify office without a role", BASE "notify:\n  offices:\n    dorsten: full\n",
	  8, 5, "'dorsten' in notify.offices is not an office like dorsten/standesamt "
	  "(city slug/office role)" },
	{ "notify office not slugs", BASE "notify:\n  offices:\n    Dorsten/Amt: full\n",
	  8, 5, "'Dorsten/Amt' in notify.offices is not an office like dorsten/standesamt "
	  "(city slug/office role)" },
	{ "notify office mode", BASE "notify:\n  offices:\n    dorsten/standesamt: pdf\n",
	  8, 25, "notify.offices 'dorsten/standesamt' must be link or full" },
	{ "notify offices a list", BASE "notify:\n  offices: [dorsten/standesamt]\n",
	  7, 12, "'notify.offices' must be a mapping of offices to modes, like "
	  "\"dorsten/standesamt: full\"" },
	{ "payment page over http", BASE "payment:\n  page_url: http://pay.example.de/x\n",
	  7, 13, "'payment.page_url' must be an https:// URL (http:// only on the loopback, "
	  "for tests), or empty" },
	{ "payment accounts without a page", BASE "payment:\n  accounts:\n    dorsten:\n"
	  "      merchant: D1\n      key_file: /k\n", 8, 5,
	  "'payment.accounts' needs 'payment.page_url', the provider's payment page" },
	{ "payment account not a slug", BASE "payment:\n  page_url: https://p.de/\n"
	  "  accounts:\n    Dorsten:\n      merchant: D1\n      key_file: /k\n", 9, 5,
	  "'Dorsten' in payment.accounts is not a city slug like dorsten" },
	{ "payment account without merchant", BASE "payment:\n  page_url: https://p.de/\n"
	  "  accounts:\n    dorsten:\n      key_file: /k\n", 9, 5,
	  "payment.accounts 'dorsten' needs a merchant (1 to 64 printable characters, "
	  "no spaces)" },
	{ "payment account with two keys", BASE "payment:\n  page_url: https://p.de/\n"
	  "  accounts:\n    dorsten:\n      merchant: D1\n      key_file: /k\n"
	  "      key: abc\n", 9, 5,
	  "payment.accounts 'dorsten' needs exactly one of key_file and key" },
	{ "payment account unknown key", BASE "payment:\n  page_url: https://p.de/\n"
	  "  accounts:\n    dorsten:\n      merchant: D1\n      secret: x\n", 11, 7,
	  "unknown key 'payment.accounts.dorsten.secret' (merchant, key_file)" },
	{ "payment provider", BASE "payment:\n  provider: paypal\n", 7, 13,
	  "'payment.provider' must be epay" },
};

/* The notification mode: link unless an office is listed (issue 11). */
static void test_notify(void)
{
	struct diags d;
	struct relay_config *c = load(BASE, &d);
	ok(c && c->notify.mode == NOTIFY_LINK && c->notify.n_offices == 0 &&
	   config_notify_mode(c, "dorsten", "standesamt") == NOTIFY_LINK,
	   "without a notify section every office gets link mails");
	config_free(c);
	diags_free(&d);
	c = load(BASE "notify:\n  offices:\n    dorsten/standesamt: full\n"
		 "    gladbeck/steueramt: link\n", &d);
	ok(c && config_notify_mode(c, "dorsten", "standesamt") == NOTIFY_FULL &&
	   config_notify_mode(c, "gladbeck", "steueramt") == NOTIFY_LINK &&
	   config_notify_mode(c, "dorsten", "steueramt") == NOTIFY_LINK &&
	   config_notify_mode(c, "dorstenx", "standesamt") == NOTIFY_LINK &&
	   config_notify_mode(c, "dorsten", "") == NOTIFY_LINK,
	   "a listed office gets its mode, every other one the default");
	ok(c && c->notify.n_offices == 2 && c->notify.offices[0].line == 8 &&
	   c->notify.offices[0].col == 5, "an office keeps its place in relay.yml");
	config_free(c);
	diags_free(&d);
	c = load(BASE "notify:\n  default: full\n  offices:\n    dorsten/standesamt: link\n",
		 &d);
	ok(c && config_notify_mode(c, "dorsten", "standesamt") == NOTIFY_LINK &&
	   config_notify_mode(c, "herten", "standesamt") == NOTIFY_FULL,
	   "default: full, one office in link mode");
	config_free(c);
	diags_free(&d);
}

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof errors / sizeof *errors; i++) {
		struct diags d;
		struct relay_config *c = load(errors[i].yaml, &d);
		bool found = has_diag(&d, errors[i].line, errors[i].col, errors[i].msg);
		ok(!c && found, "%s: relay.yml:%d:%d: %s", errors[i].what, errors[i].line,
		   errors[i].col, errors[i].msg);
		if (!found)
			show_diags(&d);
		config_free(c);
		diags_free(&d);
	}
	struct diags d;
	ok(!load(BASE "smtp: {url: 'smtp://h'}\n", &d) && any_diag_has(&d, "duplicate key 'smtp'"),
	   "a key twice is refused (by the YAML tree)");
	diags_free(&d);
	ok(!load("public_url: http://x\n", &d) && !any_diag_has(&d, "'smtp.url'") &&
	   has_diag(&d, 1, 1, "missing required key 'smtp'"),
	   "a missing section is reported once, not for each of its required keys");
	diags_free(&d);

	char text[512], msg[512], sock[200];
	memset(sock, 'x', 120);
	sock[0] = '/';
	sock[120] = '\0';
	if (snprintf(text, sizeof text, BASE "admin_socket: %s\n", sock) >= (int)sizeof text ||
	    snprintf(msg, sizeof msg, "'%s' is too long for a Unix socket (at most 107 bytes): "
		     "set admin_socket to a shorter path", sock) >= (int)sizeof msg)
		exit(2);
	ok(!load(text, &d) && has_diag(&d, 6, 15, msg), "admin_socket longer than sun_path");
	diags_free(&d);
	if (snprintf(msg, sizeof msg, "%s must be a mapping of settings", yml_path()) >=
	    (int)sizeof msg)
		exit(2);
	ok(!load("- port: 1\n", &d) && has_diag(&d, 1, 1, msg), "a list instead of settings");
	diags_free(&d);
}

/* ---- every integer's range ---- */

/* BASE plus path: value; *line and *col: where the value is. */
static void with_setting(char *out, size_t size, const char *path, long long v,
			 int *line, int *col)
{
	const char *dot = strchr(path, '.');
	int w;
	if (!dot) {
		w = snprintf(out, size, BASE "%s: %lld\n", path, v);
		*line = 6, *col = (int)strlen(path) + 3;
	} else if (!strncmp(path, "smtp.", 5)) {
		w = snprintf(out, size, BASE "  %s: %lld\n", dot + 1, v);
		*line = 6, *col = (int)strlen(dot + 1) + 5;
	} else {
		w = snprintf(out, size, BASE "%.*s:\n  %s: %lld\n", (int)(dot - path), path,
			     dot + 1, v);
		*line = 7, *col = (int)strlen(dot + 1) + 5;
	}
	if (w < 0 || (size_t)w >= size)
		exit(2);
}

static long long stored(const struct relay_config *c, const struct config_key *k)
{
	const char *m = (const char *)c + k->at;
	switch (k->store) {
	case CS_UINT: return *(const unsigned *)m;
	case CS_LONG: return *(const long *)m;
	case CS_SIZE: return (long long)*(const size_t *)m;
	default: return -1;
	}
}

static void test_ranges(void)
{
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];
		if (k->type != CT_INT)
			continue;
		char text[1024], range[200], msg[300];
		int line, col;
		if (snprintf(range, sizeof range, "'%s' must be between", k->path) >= (int)sizeof range ||
		    snprintf(msg, sizeof msg, "%s %lld and %lld", range, k->min, k->max) >= (int)sizeof msg)
			exit(2);
		bool in = true, out = true;
		for (int end = 0; end < 2; end++) {
			long long v = end ? k->max : k->min;
			struct diags d;
			with_setting(text, sizeof text, k->path, v, &line, &col);
			struct relay_config *c = load(text, &d);
			/* retry.max at 1 is below retry.initial: refused, but
			 * not for its range */
			if (any_diag_has(&d, range) || (c && stored(c, k) != v))
				in = false, show_diags(&d);
			config_free(c);
			diags_free(&d);
			with_setting(text, sizeof text, k->path, end ? v + 1 : v - 1, &line, &col);
			c = load(text, &d);
			if (c || !has_diag(&d, line, col, msg))
				out = false, show_diags(&d);
			config_free(c);
			diags_free(&d);
		}
		ok(in, "%s: %lld and %lld are accepted", k->path, k->min, k->max);
		ok(out, "%s: %lld and %lld are refused at file:line:col", k->path, k->min - 1,
		   k->max + 1);
	}
}

int main(void)
{
	const char *tmp = tap_tmpdir("relay_config");
	if (!tmp)
		return 2;
	if (snprintf(tmpdir, sizeof tmpdir, "%s", tmp) >= (int)sizeof tmpdir)
		return 2;
	test_table();
	test_example();
	test_defaults();
	test_errors();
	test_notify();
	test_ranges();
	if (!getenv("TEST_TMP")) {
		remove(yml_path());
		rmdir(tmpdir);
	}
	return tap_exit();
}
