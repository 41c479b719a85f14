/* config.c - relay.yml -> struct relay_config. Every key is checked: type,
 * range and unknown keys, each error as file:line:col: message. */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include "load/yamltree.h"
#include "util/buf.h"

struct cfgparse {
	struct relay_config *c;
	struct diags *d;
	int errors;
};

static void err(struct cfgparse *p, const struct ynode *n, const char *fmt,
		const char *arg)
{
	diag_add(p->d, n->file, n->line, n->col, fmt, arg);
	p->errors++;
}

static const char *get_str(struct cfgparse *p, const struct ynode *n,
			   const char *key)
{
	if (n->kind != YN_SCALAR) {
		err(p, n, "'%s' must be a string", key);
		return NULL;
	}
	if (memchr(n->str, '\0', n->len) || strpbrk(n->str, "\r\n")) {
		err(p, n, "'%s' must be a single line", key);
		return NULL;
	}
	return arena_strndup(&p->c->arena, n->str, n->len);
}

static void set_str(struct cfgparse *p, const struct ynode *n, const char *key,
		    const char **out, bool nonempty)
{
	const char *s = get_str(p, n, key);
	if (!s)
		return;
	if (nonempty && !*s) {
		err(p, n, "'%s' must not be empty", key);
		return;
	}
	*out = s;
}

static bool get_num(struct cfgparse *p, const struct ynode *n, const char *key,
		    unsigned long long lo, unsigned long long hi,
		    unsigned long long *out)
{
	char *end;
	if (n->kind != YN_SCALAR || !n->plain || n->len == 0 ||
	    !(n->str[0] >= '0' && n->str[0] <= '9')) {
		err(p, n, "'%s' must be a whole number", key);
		return false;
	}
	errno = 0;
	unsigned long long v = strtoull(n->str, &end, 10);
	if (errno || *end) {
		err(p, n, "'%s' must be a whole number", key);
		return false;
	}
	if (v < lo || v > hi) {
		char msg[160];
		snprintf(msg, sizeof msg, "'%%s' must be between %llu and %llu", lo, hi);
		diag_add(p->d, n->file, n->line, n->col, msg, key);
		p->errors++;
		return false;
	}
	*out = v;
	return true;
}

#define NUM(p, n, key, lo, hi, dst) do { unsigned long long v_; \
	if (get_num(p, n, key, lo, hi, &v_)) (dst) = (__typeof__(dst))v_; } while (0)

static bool is_map(struct cfgparse *p, const struct ynode *n, const char *key)
{
	if (n->kind != YN_MAP) {
		err(p, n, "'%s' must be a mapping", key);
		return false;
	}
	return true;
}

/* "scheme://host[:port]" with no path, as browsers send in Origin. */
static bool origin_ok(const char *s)
{
	const char *h;
	if (!strncmp(s, "https://", 8))
		h = s + 8;
	else if (!strncmp(s, "http://", 7))
		h = s + 7;
	else
		return false;
	if (!*h)
		return false;
	for (; *h; h++)
		if (*h == '/' || *h == '?' || *h == '#' || *h == ' ' ||
		    (*h >= 'A' && *h <= 'Z'))
			return false;
	return true;
}

static void parse_smtp(struct cfgparse *p, const struct ynode *m)
{
	struct smtp_config *s = &p->c->smtp;
	if (!is_map(p, m, "smtp"))
		return;
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->keys[i], *v = m->items[i];
		const char *key = k->str;
		if (!strcmp(key, "url"))
			set_str(p, v, key, &s->url, true);
		else if (!strcmp(key, "username"))
			set_str(p, v, key, &s->username, false);
		else if (!strcmp(key, "password"))
			set_str(p, v, key, &s->password, false);
		else if (!strcmp(key, "from"))
			set_str(p, v, key, &s->from, true);
		else if (!strcmp(key, "connect_timeout"))
			NUM(p, v, key, 1, 600, s->connect_timeout);
		else if (!strcmp(key, "timeout"))
			NUM(p, v, key, 1, 3600, s->timeout);
		else if (!strcmp(key, "starttls")) {
			const char *t = get_str(p, v, key);
			if (t && !strcmp(t, "none"))
				s->starttls = SMTP_STARTTLS_NONE;
			else if (t && !strcmp(t, "required"))
				s->starttls = SMTP_STARTTLS_REQUIRED;
			else if (t)
				err(p, v, "'%s' must be none or required", key);
		} else
			err(p, k, "unknown key 'smtp.%s'", key);
	}
	if (s->url && strncmp(s->url, "smtp://", 7) && strncmp(s->url, "smtps://", 8))
		err(p, m, "'%s' must start with smtp:// or smtps://", "smtp.url");
	if (s->from && (!strchr(s->from, '@') || strpbrk(s->from, " <>")))
		err(p, m, "'%s' must be a bare address like relay@example.de", "smtp.from");
}

static void parse_limits(struct cfgparse *p, const struct ynode *m)
{
	struct limits_config *l = &p->c->limits;
	if (!is_map(p, m, "limits"))
		return;
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->keys[i], *v = m->items[i];
		const char *key = k->str;
		if (!strcmp(key, "max_body"))
			NUM(p, v, key, 1024, (unsigned long long)1 << 30, l->max_body);
		else if (!strcmp(key, "max_connections"))
			NUM(p, v, key, 1, 65536, l->max_connections);
		else if (!strcmp(key, "max_per_ip"))
			NUM(p, v, key, 1, 65536, l->max_per_ip);
		else if (!strcmp(key, "timeout"))
			NUM(p, v, key, 1, 3600, l->timeout);
		else if (!strcmp(key, "request_deadline"))
			NUM(p, v, key, 1, 3600, l->request_deadline);
		else if (!strcmp(key, "rate_per_ip_per_minute"))
			NUM(p, v, key, 0, 1000000, l->rate_per_ip_per_minute);
		else
			err(p, k, "unknown key 'limits.%s'", key);
	}
}

static void parse_retry(struct cfgparse *p, const struct ynode *m)
{
	struct retry_config *r = &p->c->retry;
	if (!is_map(p, m, "retry"))
		return;
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->keys[i], *v = m->items[i];
		const char *key = k->str;
		if (!strcmp(key, "initial"))
			NUM(p, v, key, 1, 86400, r->initial);
		else if (!strcmp(key, "max"))
			NUM(p, v, key, 1, 7 * 86400, r->max);
		else if (!strcmp(key, "lifetime_hours"))
			NUM(p, v, key, 1, 24 * 365, r->lifetime_hours);
		else if (!strcmp(key, "lifetime_seconds"))
			NUM(p, v, key, 1, 365 * 86400, r->lifetime_seconds);
		else
			err(p, k, "unknown key 'retry.%s'", key);
	}
	if (r->max < r->initial)
		err(p, m, "'%s' must not be smaller than retry.initial", "retry.max");
}

static void parse_origins(struct cfgparse *p, const struct ynode *n)
{
	struct relay_config *c = p->c;
	if (n->kind != YN_SEQ || n->n == 0) {
		err(p, n, "'%s' must be a non-empty list of origins", "allowed_origins");
		return;
	}
	c->allowed_origins = arena_alloc(&c->arena, n->n * sizeof *c->allowed_origins);
	for (size_t i = 0; i < n->n; i++) {
		const char *o = get_str(p, n->items[i], "allowed_origins");
		if (!o)
			continue;
		if (!origin_ok(o)) {
			err(p, n->items[i], "'%s' is not an origin like "
			    "https://www.example.de (scheme and host, lower case, no path)", o);
			continue;
		}
		c->allowed_origins[c->n_allowed_origins++] = o;
	}
}

static void parse_root(struct cfgparse *p, const struct ynode *root)
{
	struct relay_config *c = p->c;
	for (size_t i = 0; i < root->n; i++) {
		const struct ynode *k = root->keys[i], *v = root->items[i];
		const char *key = k->str;
		if (!strcmp(key, "listen"))
			set_str(p, v, key, &c->listen, true);
		else if (!strcmp(key, "port"))
			NUM(p, v, key, 1, 65535, c->port);
		else if (!strcmp(key, "database"))
			set_str(p, v, key, &c->database, true);
		else if (!strcmp(key, "admin_socket"))
			set_str(p, v, key, &c->admin_socket, true);
		else if (!strcmp(key, "content_dir"))
			set_str(p, v, key, &c->content_dir, true);
		else if (!strcmp(key, "themes_dir"))
			set_str(p, v, key, &c->themes_dir, true);
		else if (!strcmp(key, "public_url"))
			set_str(p, v, key, &c->public_url, true);
		else if (!strcmp(key, "allowed_origins"))
			parse_origins(p, v);
		else if (!strcmp(key, "smtp"))
			parse_smtp(p, v);
		else if (!strcmp(key, "limits"))
			parse_limits(p, v);
		else if (!strcmp(key, "retry"))
			parse_retry(p, v);
		else if (!strcmp(key, "receipt")) {
			if (yscalar_bool(v, &c->receipt) < 0)
				err(p, v, "'%s' must be true or false", key);
		} else
			err(p, k, "unknown key '%s'", key);
	}
}

static void defaults(struct relay_config *c)
{
	c->listen = "127.0.0.1";
	c->port = 8025;
	c->database = "relay.db";
	c->content_dir = "content";
	c->themes_dir = "themes";
	c->smtp.username = c->smtp.password = "";
	c->smtp.starttls = SMTP_STARTTLS_NONE;
	c->smtp.connect_timeout = 10;
	c->smtp.timeout = 60;
	c->limits.max_body = (size_t)12 << 20;
	c->limits.max_connections = 256;
	c->limits.max_per_ip = 32;
	c->limits.timeout = 15;
	c->limits.request_deadline = 60;
	c->limits.rate_per_ip_per_minute = 60;
	c->retry.initial = 300;
	c->retry.max = 3600;
	c->retry.lifetime_hours = 120;
	c->receipt = false;
}

static void required(struct cfgparse *p, const struct ynode *root)
{
	struct relay_config *c = p->c;
	if (!c->public_url)
		err(p, root, "missing required key '%s'", "public_url");
	else if (strncmp(c->public_url, "https://", 8) &&
		 strncmp(c->public_url, "http://", 7))
		err(p, ymap_get(root, "public_url"), "'%s' must be an http(s) URL",
		    "public_url");
	if (!c->allowed_origins && !ymap_get(root, "allowed_origins"))
		err(p, root, "missing required key '%s'", "allowed_origins");
	if (!ymap_get(root, "smtp"))
		err(p, root, "missing required key '%s'", "smtp");
	else if (ymap_get(root, "smtp")->kind == YN_MAP) {
		if (!c->smtp.url)
			err(p, ymap_get(root, "smtp"), "missing required key '%s'", "smtp.url");
		if (!c->smtp.from)
			err(p, ymap_get(root, "smtp"), "missing required key '%s'", "smtp.from");
	}
}

/* The admin socket and the lock file live next to the database unless
 * admin_socket says otherwise. A Unix socket path has a hard limit
 * (sun_path). */
static void derived_paths(struct cfgparse *p, const struct ynode *root)
{
	struct relay_config *c = p->c;
	struct sockaddr_un sun;
	c->lock_file = arena_printf(&c->arena, "%s.lock", c->database);
	if (!c->admin_socket)
		c->admin_socket = arena_printf(&c->arena, "%s.sock", c->database);
	if (strlen(c->admin_socket) >= sizeof sun.sun_path) {
		const struct ynode *n = ymap_get(root, "admin_socket");
		err(p, n ? n : root, "'%s' is too long for a Unix socket (at most 107 "
		    "bytes): set admin_socket to a shorter path", c->admin_socket);
	}
}

/* "HTTPS://Formulare.Example.de:443/x" -> "https://formulare.example.de":
 * the serialisation a browser puts in the Origin header. public_url was
 * checked to start with http:// or https://. */
static const char *origin_of(struct arena *a, const char *url)
{
	const char *host = strstr(url, "://") + 3;
	size_t n = (size_t)(host - url) + strcspn(host, "/?#");
	char *o = arena_strndup(a, url, n);
	for (char *p = o; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	size_t len = strlen(o);
	if (!strncmp(o, "https://", 8) && len > 4 && !strcmp(o + len - 4, ":443"))
		o[len - 4] = '\0';
	else if (!strncmp(o, "http://", 7) && len > 3 && !strcmp(o + len - 3, ":80"))
		o[len - 3] = '\0';
	return o;
}

struct relay_config *config_load(const char *path, struct diags *d)
{
	struct relay_config *c = xcalloc(1, sizeof *c);
	arena_init(&c->arena);
	defaults(c);
	c->file = arena_strdup(&c->arena, path);
	struct buf b;
	buf_init(&b, (size_t)1 << 20);
	if (buf_read_file(&b, path) < 0) {
		diag_add(d, path, 0, 0, "cannot read: %s", strerror(errno));
		buf_free(&b);
		config_free(c);
		return NULL;
	}
	struct cfgparse p = { c, d, 0 };
	struct ynode *root = yaml_parse(&c->arena, c->file, b.data ? b.data : "",
					b.len, d);
	buf_free(&b);
	if (!root) {
		config_free(c);
		return NULL;
	}
	if (root->kind != YN_MAP)
		err(&p, root, "%s must be a mapping of settings", path);
	else {
		parse_root(&p, root);
		required(&p, root);
	}
	if (!p.errors)
		derived_paths(&p, root);
	if (p.errors) {
		config_free(c);
		return NULL;
	}
	/* no trailing slash: we append "/bestaetigung/<token>" */
	size_t n = strlen(c->public_url);
	while (n > 0 && c->public_url[n - 1] == '/')
		n--;
	c->public_url = arena_strndup(&c->arena, c->public_url, n);
	c->own_origin = origin_of(&c->arena, c->public_url);
	return c;
}

void config_free(struct relay_config *c)
{
	if (!c)
		return;
	arena_free(&c->arena);
	free(c);
}
