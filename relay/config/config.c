/* config.c - relay.yml -> struct relay_config, driven by one table
 * (config_keys below): for each key its path, type, range, default,
 * whether it is required, a help line and the member it is stored in.
 * The table checks the file (unknown keys, types, ranges, missing keys:
 * each error as file:line:col: message, through the catalogue loader's
 * helpers), applies the defaults and is printed by `relayd --config-keys`;
 * tests/unit/relay_config.c holds it against relay.yml.example. */
#include "config.h"
#include "util/url.h"
#include "store/store.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include "load/load_util.h"
#include "load/yamltree.h"
#include "util/buf.h"

/* Where a member is, and its C type as an enum config_store. An enum
 * member is stored as unsigned (GCC's compatible type for enums without
 * negative values); another type is a compile error here, never a silent
 * wrong store. */
#define AT(m) .at = offsetof(struct relay_config, m), \
	.store = _Generic(((struct relay_config *)0)->m, \
		const char *: CS_STR, const char **: CS_STRV, bool: CS_BOOL, \
		unsigned: CS_UINT, long: CS_LONG, size_t: CS_SIZE)

static const char *const http_schemes[] = { "https://", "http://", NULL };
static const char *const smtp_schemes[] = { "smtp://", "smtps://", NULL };
static const char *const starttls_names[] = { "none", "required", NULL };
static const char *const notify_names[] = { "link", "full", NULL };
static const char *const pay_provider_names[] = { "epay", NULL };

const struct config_key config_keys[] = {
	{ "listen", CT_HOST, .def_text = "127.0.0.1", AT(listen),
	  .help = "IPv4 or IPv6 address to listen on; keep it on loopback behind the proxy" },
	{ "port", CT_INT, .min = 1, .max = 65535, .def = 8025, AT(port),
	  .help = "TCP port to listen on" },
	{ "database", CT_PATH, .def_text = "relay.db", AT(database),
	  .help = "sqlite:PATH or a plain path (SQLite, WAL), or postgresql://... or a libpq conninfo \"host=... dbname=...\"; the schema is created or upgraded on start" },
	{ "admin_socket", CT_PATH, AT(admin_socket),
	  .help = "Unix socket for relayctl resend/purge (mode 0600); default <database>.sock (required with PostgreSQL), at most 107 bytes" },
	{ "content_dir", CT_PATH, .def_text = "content", AT(content_dir),
	  .help = "the catalogue the site is built from: forms, rules, recipients" },
	{ "themes_dir", CT_PATH, .def_text = "themes", AT(themes_dir),
	  .help = "the site's themes; the directory must be called \"themes\"" },
	{ "public_url", CT_URL, .required = true, .choices = http_schemes, AT(public_url),
	  .help = "relayd's own public base URL; confirmations are at {public_url}/bestaetigung/<token>" },
	{ "allowed_origins", CT_ORIGINS, .required = true, AT(allowed_origins),
	  .count_at = offsetof(struct relay_config, n_allowed_origins),
	  .help = "origins allowed to post: scheme://host[:port], lower case, no path, compared exactly" },
	{ "smtp", CT_SECTION, .required = true,
	  .help = "the mail server that delivers applications to the offices" },
	{ "smtp.url", CT_URL, .required = true, .choices = smtp_schemes, AT(smtp.url),
	  .help = "mail server; smtps:// is implicit TLS" },
	{ "smtp.username", CT_TEXT, .def_text = "", AT(smtp.username),
	  .help = "AUTH user; \"\" = no AUTH" },
	{ "smtp.password", CT_TEXT, .def_text = "", AT(smtp.password),
	  .help = "AUTH password; keep the file 0640 root:relayd" },
	{ "smtp.starttls", CT_ENUM, .choices = starttls_names, .def = SMTP_STARTTLS_NONE,
	  AT(smtp.starttls),
	  .help = "required: STARTTLS or no delivery, never a silent fallback to plain text" },
	{ "smtp.from", CT_MAILBOX, .required = true, AT(smtp.from),
	  .help = "envelope sender and From: address" },
	{ "smtp.connect_timeout", CT_INT, .min = 1, .max = 600, .def = 10,
	  AT(smtp.connect_timeout), .help = "seconds to connect to the mail server" },
	{ "smtp.timeout", CT_INT, .min = 1, .max = 3600, .def = 60, AT(smtp.timeout),
	  .help = "seconds per delivery attempt" },
	{ "limits", CT_SECTION, .help = "limits against slow and abusive clients" },
	{ "limits.max_body", CT_INT, .min = 1024, .max = 1LL << 30, .def = 12LL << 20,
	  AT(limits.max_body),
	  .help = "bytes per request, all fields and files; larger -> 413, nothing stored" },
	{ "limits.max_connections", CT_INT, .min = 1, .max = 65536, .def = 256,
	  AT(limits.max_connections), .help = "open connections in total" },
	{ "limits.max_per_ip", CT_INT, .min = 1, .max = 65536, .def = 32,
	  AT(limits.max_per_ip),
	  .help = "open connections per client address (behind nginx: raise to max_connections)" },
	{ "limits.timeout", CT_INT, .min = 1, .max = 3600, .def = 15, AT(limits.timeout),
	  .help = "idle seconds before a connection is closed" },
	{ "limits.request_deadline", CT_INT, .min = 1, .max = 3600, .def = 60,
	  AT(limits.request_deadline),
	  .help = "seconds a request may take in total, headers included (slow-drip clients)" },
	{ "limits.rate_per_ip_per_minute", CT_INT, .min = 0, .max = 1000000, .def = 60,
	  AT(limits.rate_per_ip_per_minute),
	  .help = "posts per client per minute, bursts up to the same number, then 429; 0 = off" },
	{ "retry", CT_SECTION, .help = "retries of the delivery to an office's mailbox" },
	{ "retry.initial", CT_INT, .min = 1, .max = 86400, .def = 300, AT(retry.initial),
	  .help = "seconds before the first retry, then doubling" },
	{ "retry.max", CT_INT, .min = 1, .max = 7 * 86400, .def = 3600, AT(retry.max),
	  .help = "backoff cap in seconds, not smaller than retry.initial" },
	{ "retry.lifetime_hours", CT_INT, .min = 1, .max = 24 * 365, .def = 120,
	  AT(retry.lifetime_hours),
	  .help = "hours until a job is marked failed and logged at level=error" },
	/* tests need a lifetime of seconds; an operator copying the example
	 * must not get one, so the example does not show it */
	{ "retry.lifetime_seconds", CT_INT, .tests_only = true, .min = 0,
	  .max = 365 * 86400, .def = 0, AT(retry.lifetime_seconds),
	  .help = "for tests: lifetime in seconds, overrides lifetime_hours when > 0" },
	{ "receipt", CT_BOOL, .def = false, AT(receipt),
	  .help = "also mail the applicant a receipt (reference, no field values)" },
	{ "inbox", CT_SECTION, .help = "the clerks' inbox under /amt/ (accounts: relayctl user)" },
	{ "inbox.cookie_secure", CT_BOOL, .def = true, AT(inbox.cookie_secure),
	  .help = "Secure flag on the inbox's cookies; false only with a public_url of http://127.0.0.1 or http://localhost (tests)" },
	{ "inbox.idle_minutes", CT_INT, .min = 1, .max = 24 * 60, .def = 30,
	  AT(inbox.idle_minutes), .help = "a session ends after this many minutes without a request" },
	{ "inbox.lifetime_hours", CT_INT, .min = 1, .max = 7 * 24, .def = 10,
	  AT(inbox.lifetime_hours), .help = "and this many hours after the login at the latest" },
	{ "inbox.login_attempts_per_user", CT_INT, .min = 1, .max = 1000, .def = 5,
	  AT(inbox.attempts_per_user),
	  .help = "failed logins per user name within login_window_minutes, then 429" },
	{ "inbox.login_attempts_per_client", CT_INT, .min = 1, .max = 100000, .def = 30,
	  AT(inbox.attempts_per_client),
	  .help = "login attempts per client address within login_window_minutes, then 429 (behind a NAT: raise it)" },
	{ "inbox.login_window_minutes", CT_INT, .min = 1, .max = 24 * 60, .def = 15,
	  AT(inbox.window_minutes), .help = "the window of both login limits" },
	{ "identity", CT_SECTION,
	  .help = "citizens' login by OpenID Connect (Servicekonto/BundID) for services with identification:" },
	{ "identity.provider", CT_TEXT, .def_text = "Servicekonto", AT(identity.provider),
	  .help = "the provider's name as citizens know it, shown on the pages and to the office" },
	{ "identity.issuer", CT_TEXT, .def_text = "", AT(identity.issuer),
	  .help = "the provider's issuer URL (its /.well-known/openid-configuration is read); empty = no login" },
	{ "identity.client_id", CT_TEXT, .def_text = "", AT(identity.client_id),
	  .help = "relayd's client id at the provider" },
	{ "identity.client_secret", CT_TEXT, .def_text = "", AT(identity.client_secret),
	  .help = "the client secret (client_secret_basic); better client_secret_file" },
	{ "identity.client_secret_file", CT_TEXT, .def_text = "", AT(identity.client_secret_file),
	  .help = "a file (mode 0640 root:relayd) whose first line is the client secret" },
	{ "identity.client_key_file", CT_TEXT, .def_text = "", AT(identity.client_key_file),
	  .help = "private_key_jwt instead of a secret: a file (mode 0640 root:relayd) with relayd's private key as a JWK (RSA or EC P-256); the provider gets its public half" },
	{ "identity.scopes", CT_TEXT, .def_text = "openid profile email address",
	  AT(identity.scopes), .help = "the scopes asked for; must contain openid" },
	{ "identity.level_claim", CT_TEXT, .def_text = "acr", AT(identity.level_claim),
	  .help = "the ID token claim carrying the trust level" },
	{ "identity.level_basis", CT_TEXT, .def_text = "", AT(identity.level_basis),
	  .help = "the claim's value meaning the level basis" },
	{ "identity.level_substantiell", CT_TEXT, .def_text = "", AT(identity.level_substantiell),
	  .help = "the claim's value meaning the level substantiell" },
	{ "identity.level_hoch", CT_TEXT, .def_text = "", AT(identity.level_hoch),
	  .help = "the claim's value meaning the level hoch" },
	{ "identity.idle_minutes", CT_INT, .min = 1, .max = 24 * 60, .def = 30,
	  AT(identity.idle_minutes), .help = "a citizen's session ends after this many minutes unused" },
	{ "identity.lifetime_minutes", CT_INT, .min = 1, .max = 24 * 60, .def = 120,
	  AT(identity.lifetime_minutes), .help = "and this many minutes after the login at the latest" },
	{ "identity.login_minutes", CT_INT, .min = 1, .max = 60, .def = 10,
	  AT(identity.login_minutes), .help = "a started login must return from the provider within this time" },
	{ "payment", CT_SECTION,
	  .help = "online payment of fees (relay/README.md: Online payment); without it nothing is paid online" },
	{ "payment.provider", CT_ENUM, .choices = pay_provider_names, .def = PAY_PROVIDER_EPAY,
	  AT(payment.provider), .help = "the adapter: epay (signed redirect and notice, HMAC-SHA256, as ePayBL/pmPayment)" },
	{ "payment.page_url", CT_TEXT, .def_text = "", AT(payment.page_url),
	  .help = "the provider's payment page, https:// (http:// only on the loopback, for tests); empty: off" },
	{ "payment.accounts", CT_PAY_ACCOUNTS,
	  .help = "per city slug: merchant (the city's id at the provider) and key_file (a file, not readable by others, whose first line is the shared key, at least 32 bytes)" },
	{ "notify", CT_SECTION,
	  .help = "what the mail to an office carries (relay/README.md: notification mode)" },
	{ "notify.default", CT_ENUM, .choices = notify_names, .def = NOTIFY_LINK,
	  AT(notify.mode),
	  .help = "link: reference, service, city and the inbox link only, no personal data; full: the answers and the files" },
	{ "notify.offices", CT_OFFICE_MODES,
	  .help = "per office, city/role: link or full (e.g. dorsten/standesamt: full); others get notify.default" },
};
const size_t config_nkeys = sizeof config_keys / sizeof *config_keys;

const struct config_key *config_key_find(const char *path)
{
	for (size_t i = 0; i < config_nkeys; i++)
		if (!strcmp(config_keys[i].path, path))
			return &config_keys[i];
	return NULL;
}

/* "a, b or c" (prose) or "a|b|c" into out; a table whose choices do not
 * fit is a programming error. */
static void join_choices(char *out, size_t size, const struct config_key *k,
			 bool prose)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; k->choices[i]; i++) {
		const char *sep = i == 0 ? "" : !prose ? "|" :
				  k->choices[i + 1] ? ", " : " or ";
		int w = snprintf(out + len, size - len, "%s%s", sep, k->choices[i]);
		if (w < 0 || (size_t)w >= size - len)
			die("config table: the choices of %s are too long", k->path);
		len += (size_t)w;
	}
}

/* ---- storing into struct relay_config ---- */

static void *member(struct relay_config *c, const struct config_key *k)
{
	return (char *)c + k->at;
}

/* An integer, boolean or enum index, in the member's own type. */
static void store_int(struct relay_config *c, const struct config_key *k, long long v)
{
	void *m = member(c, k);
	switch (k->store) {
	case CS_BOOL: *(bool *)m = v != 0; break;
	case CS_UINT: *(unsigned *)m = (unsigned)v; break;
	case CS_LONG: *(long *)m = (long)v; break;
	case CS_SIZE: *(size_t *)m = (size_t)v; break;
	default: die("config table: %s is not stored as a number", k->path);
	}
}

static void store_str(struct relay_config *c, const struct config_key *k, const char *s)
{
	if (k->store != CS_STR)
		die("config table: %s is not stored as a string", k->path);
	*(const char **)member(c, k) = s;
}

static void apply_defaults(struct relay_config *c)
{
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];
		if (k->type == CT_INT || k->type == CT_BOOL || k->type == CT_ENUM)
			store_int(c, k, k->def);
		else if (k->def_text)
			store_str(c, k, k->def_text);
	}
}

/* ---- checking one value ---- */

struct cfgload {
	struct lctx l;              /* arena, diagnostics, error count */
	struct relay_config *c;
	const struct ynode *root;
};

/* Scalar text without NUL, CR or LF: values reach mail headers and logs. */
static const char *one_line(struct cfgload *p, const struct ynode *n, const char *what)
{
	const char *s = node_text(&p->l, n, what);
	if (s && (strlen(s) != n->len || strpbrk(s, "\r\n"))) {
		lerr(&p->l, n, "'%s' must be a single line", what);
		return NULL;
	}
	return s;
}

static bool starts_with_one_of(const char *s, const char *const *prefixes)
{
	for (; *prefixes; prefixes++)
		if (!strncmp(s, *prefixes, strlen(*prefixes)))
			return true;
	return false;
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

static void load_enum(struct cfgload *p, const struct config_key *k,
		      const struct ynode *n)
{
	const char *s = one_line(p, n, k->path);
	if (!s)
		return;
	for (size_t i = 0; k->choices[i]; i++)
		if (!strcmp(s, k->choices[i])) {
			store_int(p->c, k, (long long)i);
			return;
		}
	char alt[256];
	join_choices(alt, sizeof alt, k, true);
	lerr(&p->l, n, "'%s' must be %s", k->path, alt);
}

/* CT_TEXT, CT_HOST, CT_PATH, CT_URL, CT_MAILBOX */
static void load_text(struct cfgload *p, const struct config_key *k,
		      const struct ynode *n)
{
	const char *s = one_line(p, n, k->path);
	if (!s)
		return;
	if (k->type != CT_TEXT && !*s) {
		lerr(&p->l, n, "'%s' must not be empty", k->path);
		return;
	}
	if (k->type == CT_URL && !starts_with_one_of(s, k->choices)) {
		char alt[256];
		join_choices(alt, sizeof alt, k, true);
		lerr(&p->l, n, "'%s' must start with %s", k->path, alt);
		return;
	}
	if (k->type == CT_URL && strcspn(strstr(s, "://") + 3, "/?#") == 0) {
		lerr(&p->l, n, "'%s' has no host after the scheme", k->path);
		return;
	}
	if (k->type == CT_MAILBOX && (!strchr(s, '@') || strpbrk(s, " <>"))) {
		lerr(&p->l, n, "'%s' must be a bare address like relay@example.de", k->path);
		return;
	}
	store_str(p->c, k, s);
}

static void load_origins(struct cfgload *p, const struct config_key *k,
			 const struct ynode *n)
{
	if (n->kind != YN_SEQ || n->n == 0) {
		lerr(&p->l, n, "'%s' must be a non-empty list of origins", k->path);
		return;
	}
	const char **v = arena_alloc(p->l.a, n->n * sizeof *v);
	size_t count = 0;
	for (size_t i = 0; i < n->n; i++) {
		const char *o = one_line(p, n->items[i], k->path);
		if (!o)
			continue;
		if (!origin_ok(o)) {
			lerr(&p->l, n->items[i], "'%s' is not an origin like "
			     "https://www.example.de (scheme and host, lower case, no path)", o);
			continue;
		}
		v[count++] = o;
	}
	if (k->store != CS_STRV)
		die("config table: %s is not stored as a list", k->path);
	*(const char ***)member(p->c, k) = v;
	*(size_t *)((char *)p->c + k->count_at) = count;
}

/* The node at path, NULL when absent. *parent: the mapping that holds (or
 * would hold) it; NULL when a section on the way is absent or not a
 * mapping, which that section's own entry reports. */
static const struct ynode *lookup(const struct ynode *root, const char *path,
				  const struct ynode **parent)
{
	const struct ynode *m = root;
	const char *dot;
	while ((dot = strchr(path, '.'))) {
		char section[64];
		size_t n = (size_t)(dot - path);
		if (n >= sizeof section)
			die("config table: section of %s is too long", path);
		memcpy(section, path, n);
		section[n] = '\0';
		m = ymap_get(m, section);
		if (!m || m->kind != YN_MAP) {
			*parent = NULL;
			return NULL;
		}
		path = dot + 1;
	}
	*parent = m;
	return ymap_get(m, path);
}

static void load_key(struct cfgload *p, const struct config_key *k)
{
	const struct ynode *parent, *n = lookup(p->root, k->path, &parent);
	if (!n) {
		if (k->required && parent)
			lerr(&p->l, parent, "missing required key '%s'", k->path);
		return;
	}
	long long v;
	bool b;
	switch (k->type) {
	case CT_SECTION:
		if (n->kind != YN_MAP)
			lerr(&p->l, n, "'%s' must be a mapping, not %s", k->path,
			     ykind_name(n->kind));
		break;
	case CT_INT:
		if (node_int(&p->l, n, k->path, k->min, k->max, &v))
			store_int(p->c, k, v);
		break;
	case CT_BOOL:
		if (node_bool(&p->l, n, k->path, &b))
			store_int(p->c, k, b);
		break;
	case CT_ENUM:
		load_enum(p, k, n);
		break;
	case CT_ORIGINS:
		load_origins(p, k, n);
		break;
	case CT_OFFICE_MODES:
		config_load_notify_offices(&p->l, p->c, n);
		break;
	case CT_PAY_ACCOUNTS:
		config_load_pay_accounts(&p->l, p->c, n);
		break;
	case CT_TEXT: case CT_HOST: case CT_PATH: case CT_URL: case CT_MAILBOX:
		load_text(p, k, n);
		break;
	}
}

/* Every key of map (at prefix) must be in the table. A dotted key like
 * "smtp.url" at the top is unknown too: the table's dots are nesting. */
static void check_unknown(struct cfgload *p, const struct ynode *map, const char *prefix)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *key = map->keys[i];
		const char *path = *prefix ? arena_printf(p->l.a, "%s.%s", prefix, key->str)
					   : key->str;
		const struct config_key *k = config_key_find(path);
		if (!k || strchr(key->str, '.'))
			lerr(&p->l, key, "unknown key '%s'", path);
		else if (k->type == CT_SECTION && map->items[i]->kind == YN_MAP)
			check_unknown(p, map->items[i], path);
	}
}

/* Rules between keys, which the table cannot say. */
/* Only a test relay on the loopback may send its inbox cookies over plain
 * HTTP: anywhere else a session cookie without Secure could leak. */
static bool loopback_http(const char *url)
{
	static const char *const ok[] = { "http://127.0.0.1", "http://localhost",
					  "http://[::1]" };
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		size_t n = strlen(ok[i]);
		if (!strncmp(url, ok[i], n) && strchr(":/", url[n] ? url[n] : '/'))
			return true;
	}
	return false;
}

static void check_together(struct cfgload *p)
{
	const struct relay_config *c = p->c;
	if (!c->inbox.cookie_secure && c->public_url && !loopback_http(c->public_url)) {
		const struct ynode *r = ymap_get(p->root, "inbox");
		const struct ynode *n = ymap_get(r, "cookie_secure");
		lerr(&p->l, n ? n : r ? r : p->root, "'inbox.cookie_secure: false' is only "
		     "for a test relay whose public_url is http://127.0.0.1 or http://localhost");
	}
	const char *iss = c->identity.issuer;
	if (iss && *iss && strncmp(iss, "https://", 8) &&
	    !(strncmp(iss, "http://", 7) == 0 && loopback_http(iss))) {
		const struct ynode *r = ymap_get(p->root, "identity");
		const struct ynode *n = ymap_get(r, "issuer");
		lerr(&p->l, n ? n : r ? r : p->root, "'identity.issuer' must be an "
		     "https:// URL (http:// only on the loopback, for tests), or empty");
	}
	const char *pay = c->payment.page_url;
	const struct ynode *pr = ymap_get(p->root, "payment");
	if (pay && *pay && strncmp(pay, "https://", 8) &&
	    !(strncmp(pay, "http://", 7) == 0 && loopback_http(pay))) {
		const struct ynode *n = ymap_get(pr, "page_url");
		lerr(&p->l, n ? n : pr ? pr : p->root, "'payment.page_url' must be an "
		     "https:// URL (http:// only on the loopback, for tests), or empty");
	} else if (pay && *pay && (strpbrk(pay, "#") || strlen(pay) > 512)) {
		const struct ynode *n = ymap_get(pr, "page_url");
		lerr(&p->l, n ? n : pr, "'payment.page_url' must have no fragment and "
		     "at most 512 bytes");
	}
	if ((!pay || !*pay) && c->payment.n_accounts > 0) {
		const struct ynode *n = ymap_get(pr, "accounts");
		lerr(&p->l, n ? n : pr ? pr : p->root, "'payment.accounts' needs "
		     "'payment.page_url', the provider's payment page");
	}
	if (c->retry.max < c->retry.initial) {
		const struct ynode *r = ymap_get(p->root, "retry");
		const struct ynode *n = ymap_get(r, "max");
		lerr(&p->l, n ? n : r ? r : p->root,
		     "'retry.max' must not be smaller than retry.initial");
	}
}

/* The admin socket and the lock file live next to the database unless
 * admin_socket says otherwise. A Unix socket path has a hard limit
 * (sun_path). */
static void derived_paths(struct cfgload *p)
{
	struct relay_config *c = p->c;
	struct sockaddr_un sun;
	/* "sqlite:/var/lib/relayd/relay.db" names the same file as the plain
	 * path (store.h); the lock and the socket go beside the file. A
	 * database server has no file: each instance names its own socket,
	 * and the lock beside it guards that socket (this instance and the
	 * relayctl next to it), not the database. */
	const char *file = store_file(c->database);
	if (!file && !c->admin_socket) {
		const struct ynode *n = ymap_get(p->root, "database");
		lerr(&p->l, n ? n : p->root, "a PostgreSQL database needs "
		     "'admin_socket' (a path of this instance's own)");
		return;
	}
	if (!c->admin_socket)
		c->admin_socket = arena_printf(&c->arena, "%s.sock", file);
	c->lock_file = file ? arena_printf(&c->arena, "%s.lock", file) :
		arena_printf(&c->arena, "%s.lock", c->admin_socket);
	if (strlen(c->admin_socket) >= sizeof sun.sun_path) {
		const struct ynode *n = ymap_get(p->root, "admin_socket");
		lerr(&p->l, n ? n : p->root, "'%s' is too long for a Unix socket (at "
		     "most 107 bytes): set admin_socket to a shorter path", c->admin_socket);
	}
}

/* Checks root against the table; the number of errors added. */
static int load_root(struct relay_config *c, const struct ynode *root, struct diags *d)
{
	struct cfgload p = { { &c->arena, d, 0 }, c, root };
	if (root->kind != YN_MAP) {
		lerr(&p.l, root, "%s must be a mapping of settings", c->file);
		return p.l.errors;
	}
	check_unknown(&p, root, "");
	for (size_t i = 0; i < config_nkeys; i++)
		load_key(&p, &config_keys[i]);
	check_together(&p);
	if (!p.l.errors)
		derived_paths(&p);
	return p.l.errors;
}

struct relay_config *config_load(const char *path, struct diags *d)
{
	struct relay_config *c = xcalloc(1, sizeof *c);
	arena_init(&c->arena);
	apply_defaults(c);
	c->file = arena_strdup(&c->arena, path);
	struct buf b;
	buf_init(&b, (size_t)1 << 20);
	if (buf_read_file(&b, path) < 0) {
		diag_add(d, path, 0, 0, "cannot read: %s", strerror(errno));
		buf_free(&b);
		config_free(c);
		return NULL;
	}
	struct ynode *root = yaml_parse(&c->arena, c->file, b.data ? b.data : "",
					b.len, d);
	buf_free(&b);
	if (!root || load_root(c, root, d)) {
		config_free(c);
		return NULL;
	}
	/* no trailing slash: we append "/bestaetigung/<token>" */
	size_t n = strlen(c->public_url);
	while (n > 0 && c->public_url[n - 1] == '/')
		n--;
	c->public_url = arena_strndup(&c->arena, c->public_url, n);
	c->own_origin = url_origin(&c->arena, c->public_url);   /* NULL: no host */
	return c;
}

void config_free(struct relay_config *c)
{
	if (!c)
		return;
	arena_free(&c->arena);
	free(c);
}

/* ---- relayd --config-keys ---- */

static void describe_type(char *out, size_t size, const struct config_key *k)
{
	static const char *const names[] = {
		[CT_SECTION] = "section", [CT_TEXT] = "text", [CT_HOST] = "address",
		[CT_PATH] = "path", [CT_URL] = "url", [CT_MAILBOX] = "mail-address",
		[CT_INT] = "int", [CT_BOOL] = "bool", [CT_ENUM] = "enum",
		[CT_ORIGINS] = "origin-list", [CT_OFFICE_MODES] = "office-modes",
		[CT_PAY_ACCOUNTS] = "pay-accounts",
	};
	char alt[128] = "";
	int w;
	if (k->type == CT_INT)
		w = snprintf(out, size, "int %lld..%lld", k->min, k->max);
	else if (k->choices) {
		join_choices(alt, sizeof alt, k, false);
		w = snprintf(out, size, "%s %s", names[k->type], alt);
	} else
		w = snprintf(out, size, "%s", names[k->type]);
	if (w < 0 || (size_t)w >= size)
		die("config table: the type of %s does not fit", k->path);
}

static void describe_default(char *out, size_t size, const struct config_key *k)
{
	int w;
	if (k->required)
		w = snprintf(out, size, "required");
	else if (k->type == CT_INT)
		w = snprintf(out, size, "%lld", k->def);
	else if (k->type == CT_BOOL)
		w = snprintf(out, size, "%s", k->def ? "true" : "false");
	else if (k->type == CT_ENUM)
		w = snprintf(out, size, "%s", k->choices[k->def]);
	else if (k->def_text)
		w = snprintf(out, size, "\"%s\"", k->def_text);
	else
		w = snprintf(out, size, "-");
	if (w < 0 || (size_t)w >= size)
		die("config table: the default of %s does not fit", k->path);
}

int config_print_keys(FILE *out)
{
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];
		char type[160], def[64];
		describe_type(type, sizeof type, k);
		describe_default(def, sizeof def, k);
		if (fprintf(out, "%-30s %-22s %-12s %s%s\n", k->path, type, def,
			    k->tests_only ? "(not in the example) " : "", k->help) < 0)
			return -1;
	}
	return fflush(out) == EOF || ferror(out) ? -1 : 0;
}

struct relay_config *config_load_or_report(const char *path, FILE *err)
{
	struct diags d;
	diags_init(&d);
	struct relay_config *c = config_load(path, &d);
	if (!c) {
		diags_sort(&d);
		diags_print(&d, err);
	}
	diags_free(&d);
	return c;
}
