/* config.h - relayd's configuration (relay.yml, see relay.yml.example).
 * Read with the catalogue loader's YAML tree and helpers, driven by one
 * table of keys (config_keys); every problem is reported as
 * file:line:col: message and unknown keys are errors. */
#ifndef RELAY_CONFIG_H
#define RELAY_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "util/arena.h"
#include "util/diag.h"

enum smtp_starttls { SMTP_STARTTLS_NONE, SMTP_STARTTLS_REQUIRED };

struct smtp_config {
	const char *url;            /* "smtp://127.0.0.1:25" or smtps:// */
	const char *username;       /* "" when no AUTH */
	const char *password;       /* "" when no AUTH */
	enum smtp_starttls starttls;    /* required -> CURLUSESSL_ALL */
	const char *from;           /* envelope and From: address */
	long connect_timeout;       /* seconds, default 10 */
	long timeout;               /* seconds per attempt, default 60 */
};

struct retry_config {
	long initial;               /* seconds before the first retry, default 300 */
	long max;                   /* backoff cap in seconds, default 3600 */
	long lifetime_hours;        /* then failed, default 120 (5 days) */
	long lifetime_seconds;      /* overrides lifetime_hours when > 0 (tests);
				     * default 0 */
};

struct limits_config {
	size_t max_body;            /* bytes per request, default 12 MiB */
	unsigned max_connections;   /* global, default 256 */
	unsigned max_per_ip;        /* concurrent connections per IP, default 32 */
	unsigned timeout;           /* idle seconds per connection, default 15 */
	unsigned request_deadline;  /* total seconds per request, default 60 */
	unsigned rate_per_ip_per_minute;    /* POSTs per IP per minute, default 60;
					     * 0 = no rate limit */
};

/* The clerks' inbox under /amt/ (relay/inbox). */
struct inbox_config {
	bool cookie_secure;         /* Secure on the cookies; false only for
				     * tests on http://127.0.0.1 (checked) */
	long idle_minutes;          /* session ends after this long unused, default 30 */
	long lifetime_hours;        /* and this long after login at the latest, default 10 */
	unsigned attempts_per_user; /* login attempts per user name ... */
	unsigned attempts_per_client;   /* ... and per client ... */
	long window_minutes;        /* ... in this window, then 429; defaults 5, 30, 15 */
};

/* How an office hears of applications (issue 11, point 6): link mails
 * carry only reference, service, city and the inbox link, no personal
 * data and no attachment; full mails carry the answers and the files. */
enum notify_mode { NOTIFY_LINK, NOTIFY_FULL };
struct notify_office {
	const char *office;         /* "dorsten/standesamt": city/role */
	unsigned mode;              /* enum notify_mode */
	int line, col;              /* in relay.yml, for later messages */
};
struct notify_config {
	unsigned mode;              /* every office not listed; default link */
	struct notify_office *offices;
	size_t n_offices;
};

/* Identification of citizens by OpenID Connect (relay/identity/): one
 * provider; an empty issuer turns it off. */
struct identity_config {
	const char *provider;       /* shown name, "Servicekonto.NRW" */
	const char *issuer;         /* "https://..." exactly as in its tokens */
	const char *client_id;
	const char *client_secret;  /* client_secret_basic; or from ... */
	const char *client_secret_file;     /* ... this file (first line) */
	const char *client_key_file;        /* or private_key_jwt: relayd's JWK */
	const char *scopes;         /* "openid profile email address" */
	const char *level_claim;    /* the claim carrying the trust level */
	const char *level_basis;    /* its value for each level; "" = never */
	const char *level_substantiell;
	const char *level_hoch;
	long idle_minutes;          /* citizen session: unused this long, ends */
	long lifetime_minutes;      /* and this long after login at the latest */
	long login_minutes;         /* a started login must come back in this time */
};

/* Online payment (issue 12, relay/payment/): one provider, one payment
 * page, an account per city. A city without an account takes its
 * applications without online payment (relayd logs it at start). */
enum pay_provider_kind { PAY_PROVIDER_EPAY };
struct pay_city {
	const char *city;           /* the catalogue's city slug */
	const char *merchant;       /* the city's merchant id at the provider */
	const char *key_file;       /* the shared HMAC key's file, or "" */
	const char *key;            /* the key: inline, or read from key_file
				     * by config_check_payment; never logged */
	int line, col;              /* in relay.yml, for later messages */
};
struct payment_config {
	unsigned provider;          /* enum pay_provider_kind */
	const char *page_url;       /* the provider's payment page; "" = off */
	struct pay_city *accounts;
	size_t n_accounts;
};

struct relay_config {
	struct arena arena;         /* owns every string below */
	const char *file;           /* the config path */
	const char *listen;         /* "127.0.0.1" */
	unsigned port;              /* 8025 */
	const char *database;       /* "relay.db" */
	/* relayctl's write commands go to relayd through this Unix socket
	 * (mode 0600); default "<database>.sock" */
	const char *admin_socket;
	/* "<database>.lock": relayd holds an exclusive flock on it while it
	 * runs, so relayctl knows whether it may write directly */
	const char *lock_file;
	const char *content_dir;    /* "content" */
	const char *themes_dir;     /* "themes" */
	const char **allowed_origins;   /* "https://www.example.de" (no slash) */
	size_t n_allowed_origins;
	const char *public_url;     /* relay's own base, no trailing slash */
	const char *own_origin;     /* public_url's origin (NULL without a host)
				     * as a browser sends it
				     * ("https://host[:port]", lower case, no
				     * default port): posts from relayd's own
				     * pages (the form shown again after errors)
				     * come from here and are always allowed */
	struct smtp_config smtp;
	struct limits_config limits;
	struct retry_config retry;
	bool receipt;               /* mail a receipt to the applicant */
	struct inbox_config inbox;
	struct notify_config notify;
	struct identity_config identity;
	struct payment_config payment;
};

/* What a key's value must be. */
enum config_type {
	CT_SECTION,     /* a mapping of further keys ("smtp") */
	CT_TEXT,        /* one line of text, may be empty */
	CT_HOST,        /* an address to listen on: one line, not empty */
	CT_PATH,        /* a file or directory: one line, not empty */
	CT_URL,         /* one line starting with one of choices */
	CT_MAILBOX,     /* a bare address local@domain */
	CT_INT,         /* a whole number from min to max */
	CT_BOOL,        /* true or false */
	CT_ENUM,        /* one of choices, stored as its index */
	CT_ORIGINS,     /* a non-empty list of origins scheme://host[:port] */
	CT_OFFICE_MODES,    /* notify.offices: city/role: link|full (notify.c) */
	CT_PAY_ACCOUNTS,    /* payment.accounts: city: {merchant, key_file} (payconf.c) */
};

/* The C type of the member a value is stored in (set by the table's
 * macros from the member's declared type, so they cannot disagree). */
enum config_store { CS_NONE, CS_STR, CS_STRV, CS_BOOL, CS_UINT, CS_LONG, CS_SIZE };

struct config_key {
	const char *path;           /* "limits.max_body" */
	enum config_type type;
	bool required;
	bool tests_only;            /* deliberately not in relay.yml.example */
	long long min, max;         /* CT_INT */
	long long def;              /* default of CT_INT, CT_BOOL, CT_ENUM (index) */
	const char *def_text;       /* default of text types; NULL: none/derived */
	const char *const *choices; /* CT_ENUM names, CT_URL prefixes; NULL-ended */
	size_t at;                  /* offsetof(struct relay_config, ...) */
	size_t count_at;            /* CT_ORIGINS: where the count goes */
	enum config_store store;
	const char *help;           /* one line for `relayd --config-keys` */
};

/* Every key relay.yml may hold, sections before their keys. */
extern const struct config_key config_keys[];
extern const size_t config_nkeys;
const struct config_key *config_key_find(const char *path);
/* The table as text, one key per line; -1 on a write error. */
int config_print_keys(FILE *out);

/* notify.c: the mode of an office ("dorsten", "standesamt"; an office
 * of "" - a city naming none - gets the default). */
enum notify_mode config_notify_mode(const struct relay_config *c,
				    const char *city, const char *office);
/* "link" or "full". */
const char *notify_mode_name(unsigned mode);
struct catalog;
/* Each office of notify.offices against the catalogue: a city of that
 * slug with an office of that role; errors as file:line:col into d. The
 * number of errors. */
int config_check_notify(const struct relay_config *c, const struct catalog *cat,
			struct diags *d);
struct lctx;
struct ynode;
/* notify.offices: a mapping of "city/role" (slugs) to link or full. */
void config_load_notify_offices(struct lctx *l, struct relay_config *c,
				const struct ynode *n);

/* payconf.c: payment.accounts, a mapping of city slugs to
 * {merchant, key_file | key}. */
void config_load_pay_accounts(struct lctx *l, struct relay_config *c,
			      const struct ynode *n);
/* The accounts against the catalogue (a city of that slug) and their
 * keys: a key_file is read (its first line; a file that others may read,
 * or a key under 32 bytes, is refused). Errors as file:line:col into d;
 * the number of errors. Run once at start. */
int config_check_payment(struct relay_config *c, const struct catalog *cat,
			 struct diags *d);
/* The account of a city, or NULL (no page_url, or none for the city). */
const struct pay_city *config_pay_city(const struct relay_config *c, const char *city);

/* Loads path into a new config; NULL after adding diagnostics to d. */
struct relay_config *config_load(const char *path, struct diags *d);
/* config_load for a program's start: on failure its diagnostics are
 * printed to err, sorted, as file:line:col lines, and NULL returned. */
struct relay_config *config_load_or_report(const char *path, FILE *err);
void config_free(struct relay_config *c);
#endif
