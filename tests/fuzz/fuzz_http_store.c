/* fuzz_http_store - relayd's request path with a store: the pages and posts
 * that fuzz_http (--no-store) only ever sees answer 503. The real
 * libmicrohttpd daemon of relay/receive/server.c with its committer runs
 * in-process on a real SQLite store (on /dev/shm when there is one: the
 * fsyncs stay cheap), the catalogue of tests/fixtures/content, an online
 * payment account for Dorsten. The store holds two applications (a
 * Hundeanmeldung, and a Geburtsurkunde with a pending payment), a clerk of
 * Dorsten's Standesamt and Steueramt with a session, a Postfach session
 * of the applicants' address, and a citizen's login session (OpenID
 * Connect, its provider configured on a closed loopback port: a new login
 * fails at once where it would fetch the provider's discovery). So an
 * input reaches, logged in or not: the application page and its message
 * and document posts, the confirmation page, the clerks' inbox (list
 * filters, detail, status, messages, files, login, logout), the Postfach
 * (link request, list, logout, by login), the citizen's login, its
 * return and the form with a session, and the payment start and return.
 *
 * Each input is the raw bytes of one connection, as in fuzz_http, after
 * these words are replaced (the seeds in corpus/http_store use them):
 *   @TOKEN@ @ID@ @REF@      the Hundeanmeldung's private token, id, reference
 *   @TOKEN2@ @ID2@ @PAYREF@ the Geburtsurkunde's, and its payment's reference
 *   @SESSION@ @CSRF@        the clerk's session cookie and its CSRF token
 *   @PFSESSION@             the Postfach session cookie
 *   @CITIZEN@               the citizen's login cookie (buerger_sitzung)
 * A session that an input ended (a logout, a new login) is made again
 * before the next input. Then GET /healthz on a fresh connection must
 * answer 200: a crash, a hang or a daemon that stopped answering is a
 * finding.
 *
 * Limits: not driven here are a login's exchange with the provider
 * (fuzz_oidc drives what one sends), the payment provider's
 * notice beyond its signature (fuzz_payment), and the workers that mail
 * (fuzz_mail builds the mails). Posts that store something grow the
 * database for the run's length: the citizen's posts count against
 * rate_per_ip_per_minute, the clerk's do not. */
#include "fuzz_relay.h"
#include <limits.h>
#include <time.h>
#include "inbox/password.h"
#include "store/store.h"
#include "store/token.h"
#include "util/random.h"
#include "model/catalog.h"

#define EMAIL "anna.beispiel@example.org"
/* fixed values of the shapes relayd checks: 43 and 32 base64url characters */
#define SESSION "fuzzSitzungAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define CSRF "fuzzCsrfAAAAAAAAAAAAAAAAAAAAAAAA"
#define PF_SESSION "fuzzPostfachAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define CITIZEN "fuzzBuergerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define ISSUER "http://127.0.0.1:9"   /* discard: closed, refused at once */
#define SUBJECT ISSUER "|fuzz-buergerin"

static struct relay_server srv;
static struct store *store;
static unsigned short port;

struct seeded {
	char token[TOKEN_CHARS + 1], reference[24], id[24], pay_reference[32];
};
static struct seeded dog, birth;

static void seed_application(const char *service, const char *title,
			     const char *office, long long pay_cents, struct seeded *out)
{
	struct sub_field f[] = {
		{ "vorname", "Vorname", "Anna", "" },
		{ "nachname", "Nachname", "Beispiel", "" },
	};
	static const unsigned char pdf[] = "%PDF-1.4\n%%EOF\n";
	struct sub_file file = { "nachweis", "Nachweis", "nachweis-1.pdf",
				 "application/pdf", pdf, sizeof pdf - 1, 0, 0 };
	struct submission sub = {
		.city = "dorsten", .service = service, .city_name = "Dorsten",
		.service_title = title, .office = office,
		.recipient = "amt@dorsten.example", .office_name = "Amt",
		.applicant_email = EMAIL, .fields = f, .n_fields = 2,
		.files = &file, .n_files = 1,   /* the inbox's /datei/1 */
		/* sent under the citizen's login: the Postfach lists it */
		.subject = SUBJECT, .identity = "{\"provider\":\"Servicekonto Test\","
			"\"level\":\"substantiell\",\"at\":1764950400,\"fields\":[\"vorname\"]}",
	};
	struct store_item it = { .sub = &sub, .ref_prefix = "DOR",
		.hold_office = pay_cents > 0, .pay_amount = pay_cents,
		.pay_deliver = pay_cents > 0 ? "after_payment" : NULL };
	if (store_insert(store, &it, 1) != 0 || it.rc != 0)
		abort();
	memcpy(out->token, it.token, sizeof out->token);
	memcpy(out->reference, it.reference, sizeof out->reference);
	memcpy(out->pay_reference, it.pay_reference, sizeof out->pay_reference);
	snprintf(out->id, sizeof out->id, "%lld", it.id);
}

static void seed_clerk(void)
{
	char pwhash[PASSWORD_HASH_MAX];
	struct store_office o[] = { { "dorsten", "standesamt" }, { "dorsten", "steueramt" } };
	if (password_hash("fuzz-passwort-1", pwhash) != 0 ||
	    store_clerk_add(store, "fuzz", pwhash, o, 2, (long long)time(NULL)) != 0)
		abort();
}

/* The clerk's, the Postfach's and the citizen's session, each made again
 * when an input ended it (or it timed out). */
static void ensure_sessions(void)
{
	const struct inbox_config *ic = &srv.cfg->inbox;
	long long now = (long long)time(NULL), life = ic->lifetime_hours * 3600;
	unsigned char h[TOKEN_HASH_LEN];
	struct arena a;
	arena_init(&a);
	struct store_session s;
	token_hash(SESSION, h);
	int rc = store_session_get(store, &a, h, now, ic->idle_minutes * 60, life, &s);
	if (rc == 1 && store_session_end(store, h) == 0)
		rc = store_session_new(store, h, "fuzz", CSRF, now, now + life);
	FUZZ_ASSERT(rc == 0, "the clerk's session cannot be made again (%d)", rc);

	const char *email = NULL;
	token_hash(PF_SESSION, h);
	rc = store_postfach_session(store, &a, h, now, &email, NULL);
	if (rc == 1 && store_postfach_session_end(store, h) == 0) {
		/* a link as a citizen asks for it, used at once */
		char link[25];
		unsigned char lh[TOKEN_HASH_LEN];
		random_token(link, 24);
		token_hash(link, lh);
		rc = store_postfach_request(store, EMAIL, lh, link, now, now + 3600, INT_MAX);
		if (rc == 0)
			rc = store_postfach_use(store, &a, lh, now, h, now + 3600, &email);
	}
	FUZZ_ASSERT(rc == 0, "the Postfach session cannot be made again (%d)", rc);

	/* the citizen's login, as identity_finish opens it */
	const struct identity_config *idc = &srv.cfg->identity;
	long long idle = idc->idle_minutes * 60, lifetime = idc->lifetime_minutes * 60;
	struct store_citizen_session cs;
	token_hash(CITIZEN, h);
	rc = store_citizen_session_get(store, &a, h, now, idle, lifetime, &cs);
	if (rc == 1 && store_citizen_session_end(store, h) == 0) {
		cs = (struct store_citizen_session){ SUBJECT,
			"{\"given_name\":\"Anna\",\"family_name\":\"Beispiel\","
			"\"email\":\"" EMAIL "\"}", IDENT_SUBSTANTIELL, now };
		rc = store_citizen_session_open(store, h, &cs, idle, lifetime, 1000);
	}
	FUZZ_ASSERT(rc == 0, "the citizen's session cannot be made again (%d)", rc);
	arena_free(&a);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	const char *dir = fuzz_scratch("fuzz_http_store");
	char db[128], err[256];
	snprintf(db, sizeof db, "%s/relay.db", dir);
	store = store_open(db, err, sizeof err);
	if (!store) {
		fprintf(fuzz_err(), "%s\n", err);
		abort();
	}
	seed_application("hundeanmeldung", "Hund anmelden", "steueramt", 0, &dog);
	seed_application("geburtsurkunde", "Geburtsurkunde", "standesamt", 2250, &birth);
	seed_clerk();
	/* As fuzz_http's relay.yml, with the store, the cookies without
	 * Secure (plain HTTP), and a rate limit, so that the citizen's posts
	 * cannot fill the disk in an hour's run. */
	char yml[4096];
	int w = snprintf(yml, sizeof yml,
		"listen: 127.0.0.1\nport: 8025\ndatabase: %s\n"
		"content_dir: %s/tests/fixtures/content\nthemes_dir: %s/themes\n"
		"public_url: http://127.0.0.1:8025\n"
		"allowed_origins: [https://www.serviceportal-emscher-lippe.de]\n"
		"smtp: { url: \"smtp://127.0.0.1:25\", from: relay@example.de }\n"
		"limits: { max_body: 65536, max_connections: 64, max_per_ip: 64,"
		" timeout: 5, request_deadline: 5, rate_per_ip_per_minute: 600 }\n"
		"inbox: { cookie_secure: false }\n"
		"identity: { provider: Servicekonto Test, issuer: \"" ISSUER "\","
		" client_id: relay, client_secret: fuzz-geheimnis, level_claim: acr,"
		" level_basis: basis, level_substantiell: substantiell, level_hoch: hoch }\n"
		"payment:\n  provider: epay\n  page_url: https://pay.example/zahlen\n"
		"  accounts:\n    dorsten:\n      merchant: DOR-4711\n"
		"      key: fuzz-schluessel-xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
		db, fuzz_root(), fuzz_root());
	if (w < 0 || (size_t)w >= sizeof yml)
		abort();
	port = fuzz_relay_start(&srv, yml, store);
	return 0;
}

/* The input with the words of the header comment replaced, in a malloc'd
 * buffer; *n its length. */
static char *expand(const uint8_t *data, size_t size, size_t *n)
{
	const struct { const char *word, *value; } sub[] = {
		{ "@TOKEN@", dog.token }, { "@ID@", dog.id }, { "@REF@", dog.reference },
		{ "@TOKEN2@", birth.token }, { "@ID2@", birth.id },
		{ "@PAYREF@", birth.pay_reference },
		{ "@SESSION@", SESSION }, { "@CSRF@", CSRF }, { "@PFSESSION@", PF_SESSION },
		{ "@CITIZEN@", CITIZEN },
	};
	/* no value is longer than 9 times its word */
	char *out = malloc(size * 9 + 1);
	if (!out)
		abort();
	size_t len = 0;
	for (size_t i = 0; i < size;) {
		size_t k = 0;
		while (k < sizeof sub / sizeof *sub &&
		       (size - i < strlen(sub[k].word) ||
			memcmp(data + i, sub[k].word, strlen(sub[k].word))))
			k++;
		if (k < sizeof sub / sizeof *sub) {
			memcpy(out + len, sub[k].value, strlen(sub[k].value));
			len += strlen(sub[k].value);
			i += strlen(sub[k].word);
		} else {
			out[len++] = (char)data[i++];
		}
	}
	*n = len;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ensure_sessions();
	size_t n;
	char *in = expand(data, size, &n);
	fuzz_relay_one(port, in, n);
	free(in);
	return 0;
}
