/* usercmd.c - see usercmd.h. */
#include "usercmd.h"
#include "admin.h"
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "config/config.h"
#include "inbox/password.h"
#include "load/catalog_load.h"

enum { EXIT_NOTFOUND = 1, EXIT_USAGE = 2, EXIT_ERROR = 3 };

struct uopts {
	const char *config, *sub, *name;
	const char *offices[STORE_MAX_OFFICES];
	size_t n_offices;
};

static int usage(const char *why, const char *arg)
{
	fprintf(stderr, "relayctl: ");
	fprintf(stderr, why, arg);
	fputs("\nusage: relayctl --config relay.yml user add NAME --office CITY/ROLE "
	      "[--office ...]\n"
	      "       relayctl --config relay.yml user passwd NAME\n"
	      "       relayctl --config relay.yml user disable NAME\n"
	      "       relayctl --config relay.yml user list\n"
	      "The password is read from stdin (at least 12 characters).\n", stderr);
	return EXIT_USAGE;
}

/* A request that is well-formed but cannot be carried out: the reason
 * alone, no usage text. */
static int refuse(const char *why, const char *arg)
{
	fprintf(stderr, "relayctl: ");
	fprintf(stderr, why, arg);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* Names a clerk logs in with: lower case letters, digits, . _ - (the
 * same rule as admin/user.c). */
static bool name_ok(const char *u)
{
	size_t n = strlen(u);
	return n >= 1 && n <= 64 && strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n &&
	       u[0] != '.' && u[0] != '-';
}

/* "--x=v" or "--x v"; the value, NULL when missing. */
static const char *value(int argc, char **argv, int *i, size_t len)
{
	const char *a = argv[*i];
	if (a[len] == '=')
		return a + len + 1;
	return *i + 1 < argc ? argv[++*i] : NULL;
}

static int parse(int argc, char **argv, struct uopts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (!strncmp(a, "--config", 8) && (a[8] == '\0' || a[8] == '=')) {
			if (!(o->config = value(argc, argv, &i, 8)))
				return usage("--config needs a value%s", "");
		} else if (!strncmp(a, "--office", 8) && (a[8] == '\0' || a[8] == '=')) {
			if (!(v = value(argc, argv, &i, 8)))
				return usage("--office needs CITY/ROLE%s", "");
			if (o->n_offices == STORE_MAX_OFFICES)
				return usage("at most 16 offices per clerk%s", "");
			o->offices[o->n_offices++] = v;
		} else if (a[0] == '-') {
			return usage("unknown option %s", a);
		} else if (!strcmp(a, "user") && !o->sub) {
			continue;
		} else if (!o->sub) {
			o->sub = a;
		} else if (!o->name) {
			o->name = a;
		} else {
			return usage("unexpected argument %s", a);
		}
	}
	if (!o->config)
		return usage("--config relay.yml is required%s", "");
	bool list = o->sub && !strcmp(o->sub, "list");
	bool add = o->sub && !strcmp(o->sub, "add");
	if (!o->sub || (!list && !add && strcmp(o->sub, "passwd") &&
			strcmp(o->sub, "disable")))
		return usage("user needs add, passwd, disable or list%s", "");
	if (list != !o->name)
		return usage(list ? "user list takes no NAME%s" : "user %s needs a NAME",
			     list ? "" : o->sub);
	if (o->name && !name_ok(o->name))
		return usage("not a user name (1 to 64 of a-z 0-9 . _ -): %s", o->name);
	if (add != (o->n_offices > 0))
		return usage(add ? "user add needs --office CITY/ROLE%s" :
			     "--office belongs to user add%s", "");
	return 0;
}

/* ---- offices against the catalogue ---- */

/* "a/b/content" -> the catalogue of that directory; NULL after printing
 * its errors. */
static struct catalog *load_catalogue(const char *content_dir, struct source **src)
{
	char *d1 = xstrdup(content_dir), *d2 = xstrdup(content_dir);
	*src = source_fs_open(dirname(d1));
	struct diags d;
	diags_init(&d);
	struct catalog *c = *src ? catalog_load(*src, basename(d2), &d) : NULL;
	if (!c) {
		diags_sort(&d);
		diags_print(&d, stderr);
		fprintf(stderr, "relayctl: cannot read the catalogue %s\n", content_dir);
	}
	diags_free(&d);
	free(d1);
	free(d2);
	return c;
}

/* Each "city/role" names a city and one of its offices; the list for the
 * admin line ("a/b,c/d") into out. */
static int check_offices(const struct uopts *o, const struct catalog *c,
			 char *out, size_t size)
{
	size_t len = 0;
	for (size_t i = 0; i < o->n_offices; i++) {
		const char *v = o->offices[i], *slash = strchr(v, '/');
		char city[128];
		if (!slash || (size_t)(slash - v) >= sizeof city || strchr(slash + 1, '/'))
			return refuse("--office must be CITY/ROLE, like "
				     "dorsten/standesamt, not %s", v);
		snprintf(city, sizeof city, "%.*s", (int)(slash - v), v);
		const struct city *ci = catalog_city(c, city);
		if (!ci)
			return refuse("--office %s: the catalogue has no city of that slug", v);
		if (!city_office(ci, slash + 1))
			return refuse("--office %s: the city has no office of that role "
				     "(offices: in its city.yml)", v);
		int w = snprintf(out + len, size - len, "%s%s", i ? "," : "", v);
		if (w < 0 || (size_t)w >= size - len)
			return refuse("too many offices%s", "");
		len += (size_t)w;
	}
	return 0;
}

/* ---- the password ---- */

/* One line from f without its line end; -1 at EOF or when too long. */
static int read_line(FILE *f, char *buf, size_t n)
{
	if (!fgets(buf, (int)n, f))
		return -1;
	size_t len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	else if (!feof(f))
		return -1;      /* longer than the buffer */
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return 0;
}

/* On a terminal without echo; prompt on stderr. */
static int read_hidden(const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	fputs(prompt, stderr);
	fflush(stderr);
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	if (tty && tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return -1;
	int rc = read_line(stdin, buf, n);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

/* The new password from stdin, hashed into hash. */
static int new_password(const char *name, char hash[PASSWORD_HASH_MAX])
{
	char pw[PASSWORD_MAX_BYTES + 3], again[PASSWORD_MAX_BYTES + 3];
	int rc = 0;
	if (isatty(STDIN_FILENO)) {
		char prompt[128];
		snprintf(prompt, sizeof prompt, "Password for %s: ", name);
		if (read_hidden(prompt, pw, sizeof pw) < 0 ||
		    read_hidden("Repeat it: ", again, sizeof again) < 0)
			rc = refuse("no password read%s", "");
		else if (strcmp(pw, again))
			rc = refuse("the two passwords differ%s", "");
	} else if (read_line(stdin, pw, sizeof pw) < 0) {
		rc = refuse("no password on stdin (one line of at most 1024 bytes)%s", "");
	}
	const char *why = rc ? NULL : password_refused(pw);
	if (why)
		rc = refuse("%s", why);
	if (!rc && password_hash(pw, hash) < 0) {
		fprintf(stderr, "relayctl: cannot hash the password (out of memory?)\n");
		rc = EXIT_ERROR;
	}
	sodium_memzero(pw, sizeof pw);
	sodium_memzero(again, sizeof again);
	return rc;
}

/* ---- the commands ---- */

static int list(const struct relay_config *cfg)
{
	char err[300], when[32];
	struct store *st = store_open_readonly(cfg->database, err, sizeof err);
	if (!st) {
		fprintf(stderr, "relayctl: %s\n", err);
		return EXIT_ERROR;
	}
	struct arena a;
	struct store_clerk *c = NULL;
	size_t n = 0;
	arena_init(&a);
	int rc = store_clerks(st, &a, &c, &n);
	if (rc < 0)
		fprintf(stderr, "relayctl: user list: %s\n", store_errmsg(st));
	else
		printf("%-20s  %-8s  %-20s  %s\n", "USER", "STATE", "CREATED", "OFFICES");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		time_t t = (time_t)c[i].created_unix;
		struct tm tm;
		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
			snprintf(when, sizeof when, "%lld", c[i].created_unix);
		printf("%-20s  %-8s  %-20s ", c[i].username,
		       c[i].disabled ? "disabled" : "enabled", when);
		for (size_t k = 0; k < c[i].n_offices; k++)
			printf(" %s/%s", c[i].offices[k].city, c[i].offices[k].role);
		printf("\n");
	}
	if (rc == 0)
		fprintf(stderr, "relayctl: %zu clerk%s\n", n, n == 1 ? "" : "s");
	arena_free(&a);
	store_close(st);
	return rc < 0 ? EXIT_ERROR : 0;
}

/* The admin line of add, passwd or disable; 0 or an exit status. */
static int line_for(const struct uopts *o, const struct relay_config *cfg,
		    char *line, size_t size)
{
	char hash[PASSWORD_HASH_MAX], offices[ADMIN_LINE_MAX];
	int rc = 0, w;
	if (!strcmp(o->sub, "disable")) {
		w = snprintf(line, size, "user-disable %s", o->name);
		return w > 0 && (size_t)w < size ? 0 : EXIT_USAGE;
	}
	if (!strcmp(o->sub, "add")) {
		struct source *src = NULL;
		struct catalog *c = load_catalogue(cfg->content_dir, &src);
		rc = c ? check_offices(o, c, offices, sizeof offices) : EXIT_ERROR;
		if (c)
			catalog_free(c);
		if (src)
			src->close(src);
		if (rc)
			return rc;
	}
	if ((rc = new_password(o->name, hash)))
		return rc;
	if (!strcmp(o->sub, "add"))
		w = snprintf(line, size, "user-add %s %s %s", o->name, hash, offices);
	else
		w = snprintf(line, size, "user-passwd %s %s", o->name, hash);
	sodium_memzero(hash, sizeof hash);
	return w > 0 && (size_t)w < size ? 0 : usage("too many offices%s", "");
}

static int change(const struct uopts *o, const struct relay_config *cfg)
{
	char line[ADMIN_LINE_MAX], reply[600];
	int rc = line_for(o, cfg, line, sizeof line);
	if (rc)
		return rc;
	rc = admin_run(cfg->database, cfg->lock_file, cfg->admin_socket, line,
		       reply, sizeof reply);
	sodium_memzero(line, sizeof line);
	if (rc == 0)
		printf("%s\n", reply);
	else
		fprintf(stderr, "relayctl: %s\n", reply);
	return rc;
}

int relayctl_user(int argc, char **argv)
{
	struct uopts o = { 0 };
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	struct relay_config *cfg = config_load_or_report(o.config, stderr);
	if (!cfg)
		return EXIT_ERROR;
	char err[300];
	/* relayd creates the schema: a missing database is a wrong path */
	if (!store_exists(cfg->database, err, sizeof err)) {
		fprintf(stderr, "relayctl: %s: %s (start relayd once to create it)\n",
			o.config, err);
		rc = EXIT_ERROR;
	} else {
		rc = !strcmp(o.sub, "list") ? list(cfg) : change(&o, cfg);
	}
	config_free(cfg);
	if (fflush(stdout) != 0 || ferror(stdout))
		return EXIT_ERROR;
	return rc;
}
