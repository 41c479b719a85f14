/* payconf.c - relay.yml's payment.accounts beyond what the key table
 * checks: a mapping of city slugs to the city's account at the provider,
 *
 *   payment:
 *     accounts:
 *       dorsten:
 *         merchant: "DOR-4711"
 *         key_file: /etc/relayd/pay-dorsten.key
 *
 * (key: inline instead of key_file is accepted, for tests; a key belongs
 * in a file). The keys are read once at start by config_check_payment,
 * with the cities held against the catalogue. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "load/load_util.h"
#include "load/yamltree.h"
#include "model/catalog.h"
#include "model/facts.h"

#define PAY_KEY_MIN 32          /* bytes: at least 256 bits if random */
#define PAY_KEY_MAX 256

/* A merchant id goes into a signed URL and the logs: printable ASCII. */
static bool merchant_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	return true;
}

static const char *text_of(struct lctx *l, const struct ynode *acc, const char *key,
			   const char *what)
{
	const struct ynode *n = ymap_get(acc, key);
	if (!n)
		return NULL;
	const char *s = node_text(l, n, what);
	if (s && (strlen(s) != n->len || strpbrk(s, "\r\n"))) {
		lerr(l, n, "'%s' must be a single line", what);
		return NULL;
	}
	return s;
}

static bool one_account(struct lctx *l, const struct ynode *key, const struct ynode *acc,
			struct pay_city *out)
{
	if (!is_slug(key->str) || strlen(key->str) > 64) {
		lerr(l, key, "'%s' in payment.accounts is not a city slug like dorsten",
		     key->str);
		return false;
	}
	if (acc->kind != YN_MAP) {
		lerr(l, acc, "payment.accounts '%s' must be a mapping with merchant and "
		     "key_file", key->str);
		return false;
	}
	bool good = true;
	for (size_t i = 0; i < acc->n; i++) {
		const char *k = acc->keys[i]->str;
		if (strcmp(k, "merchant") && strcmp(k, "key_file") && strcmp(k, "key")) {
			lerr(l, acc->keys[i], "unknown key 'payment.accounts.%s.%s' (merchant, "
			     "key_file)", key->str, k);
			good = false;
		}
	}
	const char *merchant = text_of(l, acc, "merchant", "payment.accounts merchant");
	const char *file = text_of(l, acc, "key_file", "payment.accounts key_file");
	const char *inline_key = text_of(l, acc, "key", "payment.accounts key");
	if (!merchant || !merchant_ok(merchant)) {
		lerr(l, ymap_get(acc, "merchant") ? ymap_get(acc, "merchant") : key,
		     "payment.accounts '%s' needs a merchant (1 to 64 printable "
		     "characters, no spaces)", key->str);
		good = false;
	}
	if ((file && *file) == (inline_key && *inline_key)) {
		lerr(l, key, "payment.accounts '%s' needs exactly one of key_file and key",
		     key->str);
		good = false;
	}
	*out = (struct pay_city){ key->str, merchant, file ? file : "",
				  inline_key && *inline_key ? inline_key : NULL,
				  key->line, key->col };
	return good;
}

void config_load_pay_accounts(struct lctx *l, struct relay_config *c,
			      const struct ynode *n)
{
	if (n->kind != YN_MAP) {
		lerr(l, n, "'payment.accounts' must be a mapping of city slugs to "
		     "accounts (merchant, key_file)");
		return;
	}
	struct pay_city *v = arena_alloc(l->a, (n->n + 1) * sizeof *v);
	size_t count = 0;
	for (size_t i = 0; i < n->n; i++)
		if (one_account(l, n->keys[i], n->items[i], &v[count]))
			count++;
	c->payment.accounts = v;
	c->payment.n_accounts = count;
}

/* The key file's first line into the config's arena; NULL with why. */
static const char *read_key(struct relay_config *c, const char *path, const char **why)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	if (!f) {
		*why = strerror(errno);
		return NULL;
	}
	char line[PAY_KEY_MAX + 2];
	bool got = fstat(fileno(f), &st) == 0 && fgets(line, sizeof line, f) != NULL;
	fclose(f);
	if (!got) {
		*why = "cannot be read or is empty";
		return NULL;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		*why = "may be read by others (chmod 0640, owner root, group relayd)";
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return arena_strdup(&c->arena, line);
}

int config_check_payment(struct relay_config *c, const struct catalog *cat,
			 struct diags *d)
{
	int errors = 0;
	for (size_t i = 0; i < c->payment.n_accounts; i++) {
		struct pay_city *a = &c->payment.accounts[i];
		const char *why = NULL;
		if (!catalog_city(cat, a->city))
			why = "the catalogue has no city of that slug";
		else if (*a->key_file && !(a->key = read_key(c, a->key_file, &why)))
			why = arena_printf(&c->arena, "key_file %s: %s", a->key_file, why);
		else if (strlen(a->key) < PAY_KEY_MIN || strlen(a->key) > PAY_KEY_MAX)
			why = "the key must have 32 to 256 bytes (agree a random one "
			      "with the provider)";
		if (!why)
			continue;
		diag_add(d, c->file, a->line, a->col, "payment.accounts: '%s': %s", a->city, why);
		errors++;
	}
	return errors;
}

const struct pay_city *config_pay_city(const struct relay_config *c, const char *city)
{
	if (!c->payment.page_url || !*c->payment.page_url)
		return NULL;
	for (size_t i = 0; i < c->payment.n_accounts; i++)
		if (!strcmp(c->payment.accounts[i].city, city) && c->payment.accounts[i].key)
			return &c->payment.accounts[i];
	return NULL;
}
