/* relay_store - unit tests of relay/store through store.h alone (so they
 * hold for any backend), on a real SQLite file, or on the PostgreSQL
 * database named by $RELAY_STORE_DATABASE (tests/run's second pass gives
 * it a fresh one): the backend choice, the masked database string, the
 * group-commit insert (references, tokens, rows), the outbox life cycle
 * with its events, loading, listing, the jobs and events readers, counting
 * and purging; the clerks' inbox (clerks, sessions, the office-bound list
 * and detail, status changes with their events); and relay/validate's
 * syntax rules. The SQLite file itself
 * (WAL, user_version, tables) is tested by relay_store_sqlite. */
#include "store/store.h"
#include "store/token.h"
#include "validate/validate.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"

/* Counts over every submission's jobs and events, through store.h:
 * pending = submissions with a job neither delivered nor failed. */
struct tally {
	long long submissions, pending, outcome_events, resend_events;
	long long received_events, jobs;
};

struct ids {
	long long id[256];
	size_t n;
};

static int collect_id(void *ctx, const struct submission *sub,
		      const struct store_status *st)
{
	(void)st;
	struct ids *ids = ctx;
	if (ids->n == sizeof ids->id / sizeof *ids->id)
		return -1;
	ids->id[ids->n++] = sub->id;
	return 0;
}

/* store_each's callback must not call the store (it holds the
 * connection): the ids first, then each one's jobs and events. */
static void tally_one(struct store *s, long long id, struct tally *t)
{
	struct arena a;
	struct store_job *j;
	struct store_event *e;
	size_t nj = 0, ne = 0;
	arena_init(&a);
	if (store_jobs(s, &a, id, &j, &nj) < 0 || store_events(s, &a, id, &e, &ne) < 0)
		t->submissions = -1000000;
	t->submissions++;
	t->jobs += (long long)nj;
	bool pending = false;
	for (size_t i = 0; i < nj; i++)
		pending |= !j[i].delivered_unix && !j[i].failed_unix;
	t->pending += pending;
	for (size_t i = 0; i < ne; i++) {
		const char *k = e[i].kind;
		t->received_events += !strcmp(k, "received");
		t->resend_events += !strcmp(k, "resend");
		t->outcome_events += !strcmp(k, "claimed") || !strcmp(k, "delivered") ||
				     !strcmp(k, "retry") || !strcmp(k, "failed");
	}
	arena_free(&a);
}

static struct tally tally(struct store *s)
{
	struct tally t = { 0 };
	struct ids ids = { .n = 0 };
	if (store_each(s, NULL, 0, 0, false, collect_id, &ids) != 0) {
		t.submissions = -1;
		return t;
	}
	for (size_t i = 0; i < ids.n; i++)
		tally_one(s, ids.id[i], &t);
	return t;
}

static int count_cb(void *ctx, const struct submission *sub,
		    const struct store_status *st)
{
	(void)st;
	int *n = ctx;
	if (sub->n_fields == 2)
		(*n)++;
	return 0;
}

static void test_validate_rules(void)
{
	ok(utf8_valid("Gr\xc3\xbc\xc3\x9f", 6) && !utf8_valid("\xc3", 1) &&
	   !utf8_valid("\xc0\xaf", 2) && !utf8_valid("\xed\xa0\x80", 3),
	   "UTF-8: accepts umlauts, refuses truncated, overlong, surrogate");
	ok(utf8_chars("\xc3\xa4\xc3\xb6x", 5) == 3, "characters, not bytes");
	ok(valid_email("a.b+c@stadt-dorsten.de") && !valid_email("a..b@x.de") &&
	   !valid_email("a@x") && !valid_email("@x.de") && !valid_email("a@-x.de") &&
	   !valid_email("a b@x.de") && !valid_email("a@x.de\r\nBcc: y@z.de"),
	   "e-mail syntax");
	ok(valid_tel("+49 2362 66-0") && valid_tel("(02362) 66/0") &&
	   !valid_tel("12") && !valid_tel("0236x") && !valid_tel("1+2345"),
	   "telephone syntax");
	ok(is_date("2024-02-29") && !is_date("2023-02-29") &&
	   !is_date("2024-13-01") && !is_date("2024-04-31") &&
	   !is_date("24-01-01") && !is_date("2024-1-01"), "calendar dates");
	const unsigned char pdf[] = "%PDF-1.7", jpg[] = { 0xff, 0xd8, 0xff, 0xe0 },
		png[] = { 0x89, 'P', 'N', 'G', 13, 10, 26, 10 }, gif[] = "GIF89a";
	ok(upload_type_sniff(pdf, 8) &&
	   !strcmp(upload_type_sniff(pdf, 8)->mime, "application/pdf") &&
	   !strcmp(upload_type_sniff(jpg, 4)->mime, "image/jpeg") &&
	   !strcmp(upload_type_sniff(png, 8)->mime, "image/png") &&
	   !upload_type_sniff(gif, 6) && !upload_type_sniff(pdf, 4),
	   "file type by magic bytes");
}

/* The database string picks the backend: a plain path or sqlite:PATH is
 * SQLite, postgresql:// or a conninfo string PostgreSQL, any other scheme
 * is refused before anything is created. */
static void test_backend_choice(const char *db)
{
	char err[256], uri[300];
	snprintf(uri, sizeof uri, "sqlite:%s", db);
	struct store *s = store_open(uri, err, sizeof err);
	struct store *r = store_open_readonly(uri, err, sizeof err);
	struct store_counts c;
	ok(s && r && store_counts(r, 0, &c) == 0 && c.submissions == 0 &&
	   store_exists(uri, err, sizeof err), "sqlite:PATH opens that file");
	store_close(s);
	store_close(r);
	static const char *const refused[] = {
		"oracle://relay:geheim@db.example/relay", "mysql:relay", "file:relay.db",
	};
	int all = 1;
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		err[0] = '\0';
		all &= !store_open(refused[i], err, sizeof err) &&
		       strstr(err, "no such store backend") && !strstr(err, "geheim");
		err[0] = '\0';
		all &= !store_open_readonly(refused[i], err, sizeof err) &&
		       strstr(err, "no such store backend") != NULL;
		all &= !store_exists(refused[i], err, sizeof err);
	}
	ok(all, "an unknown scheme: \"no such store backend\", the password not "
	   "repeated");
	ok(access("postgresql:", F_OK) != 0 && access("mysql:relay", F_OK) != 0,
	   "nothing created for a refused scheme");
	ok(!store_open("sqlite:", err, sizeof err) && strstr(err, "nothing after"),
	   "sqlite: without a path is refused");
	/* nothing listens on port 1: libpq's refusal, without the password */
	static const char *const pg[] = {
		"postgresql://relay:geheim@127.0.0.1:1/relay",
		"host=127.0.0.1 port=1 dbname=relay password=geheim",
	};
	all = 1;
	for (size_t i = 0; i < sizeof pg / sizeof *pg; i++) {
		err[0] = '\0';
		all &= !store_open(pg[i], err, sizeof err) &&
		       !strncmp(err, "postgresql: connect:", 20) && !strstr(err, "geheim");
	}
	ok(all, "postgresql://... and a conninfo string are PostgreSQL (an "
	   "unreachable server: libpq's error, no password)");
	ok(store_file("sqlite:/a/relay.db") && !strcmp(store_file("sqlite:/a/relay.db"),
	   "/a/relay.db") && !strcmp(store_file("relay.db"), "relay.db") &&
	   !store_file(pg[0]) && !store_file(pg[1]),
	   "store_file: the SQLite file, none for PostgreSQL");
}

/* A batch with an item the database itself refuses in the middle of
 * the batch: PostgreSQL takes no invalid UTF-8 (SQLite stores any bytes).
 * PostgreSQL's batch is one pipeline, which the refusal aborts: the batch
 * is done again item by item, and the next batch is a pipeline again. */
static void test_refused_item(struct store *s, const struct submission *good, bool pg)
{
	struct submission bad = *good;
	bad.service_title = "Hunde\xff\xfe" "anmeldung";
	struct store_item it[3] = {
		{ .sub = good, .ref_prefix = "DOR" }, { .sub = &bad, .ref_prefix = "DOR" },
		{ .sub = good, .ref_prefix = "DOR" },
	};
	ok(store_insert(s, it, 3) == 0 && it[0].rc == 0 && it[2].rc == 0 &&
	   it[1].rc == (pg ? -1 : 0) && it[0].id > 0 && it[2].id > it[0].id,
	   "an item the database refuses mid-batch fails alone (PostgreSQL) or is "
	   "stored (SQLite); the others are stored with their ids");
	struct store_item next[2] = {
		{ .sub = good, .ref_prefix = "DOR" }, { .sub = good, .ref_prefix = "DOR" },
	};
	ok(store_insert(s, next, 2) == 0 && next[0].rc == 0 && next[1].rc == 0 &&
	   next[1].id > next[0].id && next[0].id > it[2].id,
	   "the next batch is stored whole");
}

/* A batch with one item that cannot be stored (its fields exceed the 16
 * MiB the store takes): that item alone fails, the batch commits the
 * others. */
static void test_bad_item(struct store *s, const struct submission *good)
{
	size_t big = (size_t)17 << 20;
	char *huge = malloc(big + 1);
	if (!huge) {
		ok(0, "malloc");
		return;
	}
	memset(huge, 'x', big);
	huge[big] = '\0';
	struct sub_field f = { "bemerkung", "Bemerkung", huge, "" };
	struct submission bad = *good;
	bad.fields = &f;
	bad.n_fields = 1;
	struct store_item it[3] = {
		{ .sub = good, .ref_prefix = "DOR" }, { .sub = &bad, .ref_prefix = "DOR" },
		{ .sub = good, .ref_prefix = "DOR" },
	};
	struct arena a;
	arena_init(&a);
	int err = 1;
	ok(store_insert(s, it, 3) == 0 && it[0].rc == 0 && it[1].rc == -1 &&
	   it[2].rc == 0 && store_load(s, &a, it[0].id, false, NULL, &err) &&
	   store_load(s, &a, it[2].id, false, NULL, &err) && !err,
	   "an item that cannot be stored fails alone; the batch stores the others");
	arena_free(&a);
	free(huge);
}

/* The database string as relayd logs it: no password. */
/* token.h: the time prefix sorts as its number, the key is prefix + hash,
 * an old link's key is the hash alone. */
static void test_token_order(void)
{
	static const long long edge[] = { 0, 1, 63, 64, 4095, 4096,
		1764806400000LL, 1764806400001LL, 4398046511103LL };  /* 2^42 - 1 */
	long long v[200];
	size_t n = 0;
	for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
		v[n++] = edge[i];
	unsigned long long x = 88172645463325252ULL;        /* xorshift64 */
	while (n < sizeof v / sizeof *v) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v[n++] = (long long)(x % 4398046511104ULL);
	}
	int sorted = 1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			char a[TOKEN_ORDER_CHARS], b[TOKEN_ORDER_CHARS];
			token_order_prefix(v[i], a);
			token_order_prefix(v[j], b);
			int c = memcmp(a, b, sizeof a);
			sorted &= (v[i] < v[j]) == (c < 0) && (v[i] == v[j]) == (c == 0);
		}
	ok(sorted, "token_order_prefix: byte order is numeric order (edges, 200 values)");

	char t1[TOKEN_CHARS + 1], t2[TOKEN_CHARS + 1];
	token_make_random(t1);
	token_make_random(t2);
	ok(strlen(t1) == TOKEN_CHARS && token_shape_submission(t1) &&
	   strcmp(t1 + TOKEN_ORDER_CHARS, t2 + TOKEN_ORDER_CHARS) != 0 &&
	   memcmp(t1, t2, TOKEN_ORDER_CHARS) <= 0,
	   "token_make_random: 31 base64url characters, random after the time, in time order");
	unsigned char k[TOKEN_KEY_MAX], h[TOKEN_HASH_LEN];
	size_t kn = token_key(t1, k);
	token_hash(t1, h);
	ok(kn == TOKEN_KEY_MAX && !memcmp(k, t1, TOKEN_ORDER_CHARS) &&
	   !memcmp(k + TOKEN_ORDER_CHARS, h, TOKEN_HASH_LEN),
	   "token_key of a new token: its time, then its SHA-256");
	static const char old[] = "AbCdEfGhIjKlMnOpQrStUvWx";
	kn = token_key(old, k);
	token_hash(old, h);
	ok(kn == TOKEN_HASH_LEN && !memcmp(k, h, TOKEN_HASH_LEN),
	   "token_key of a link from before (24 characters): the SHA-256 alone, as stored then");
	ok(token_shape_submission(old) && !token_shape_submission("AbCdEfGhIjKlMnOpQrStUvW") &&
	   !token_shape_submission("AbCdEfGhIjKlMnOpQrStUvW.") && !token_shape_submission(""),
	   "token_shape_submission: 24 or 31 base64url characters, nothing else");
}

static void test_masked(void)
{
	static const char *const in[][2] = {
		{ "postgresql://relay:geheim@db.example:5432/relay?sslmode=require",
		  "postgresql://relay:***@db.example:5432/relay?sslmode=require" },
		{ "postgresql://db.example/relay?user=relay&password=geheim&x=1",
		  "postgresql://db.example/relay?user=relay&password=***&x=1" },
		{ "host=db dbname=relay password='ge heim\\'x' user=relay",
		  "host=db dbname=relay password=*** user=relay" },
		{ "host=db password=geheim", "host=db password=***" },
		{ "postgresql://relay@db/relay", "postgresql://relay@db/relay" },
		{ "/var/lib/relayd/relay.db", "/var/lib/relayd/relay.db" },
	};
	char out[128];
	int all = 1;
	for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
		store_masked(in[i][0], out, sizeof out);
		if (strcmp(out, in[i][1])) {
			all = 0;
			fprintf(stderr, "masked: %s -> %s\n", in[i][0], out);
		}
	}
	store_masked("password=geheimgeheim", out, 12);
	ok(all && !strstr(out, "geheim"), "the password of a database string is "
	   "masked for the log (URI, query, conninfo, quoted)");
}

/* store_jobs and store_events on the read-only connection relayctl show
 * uses. id's office job was delivered, its receipt is waiting for a retry. */
static void test_history(struct store *w, const char *db, long long id,
			 const char *ref, long long now)
{
	char err[256];
	struct store *s = store_open_readonly(db, err, sizeof err);
	ok(s != NULL, "a read-only connection next to the writer");
	if (!s)
		return;
	struct arena a;
	arena_init(&a);
	struct store_job *j = NULL;
	struct store_event *e = NULL;
	size_t n = 99;
	ok(store_jobs(s, &a, id, &j, &n) == 0 && n == 2 &&
	   !strcmp(j[0].kind, "office") && j[0].attempts == 1 &&
	   j[0].delivered_unix == now && j[0].failed_unix == 0 &&
	   !strcmp(j[1].kind, "receipt") && j[1].delivered_unix == 0 &&
	   j[1].failed_unix == 0 && j[1].next_attempt == now + 300 &&
	   !strcmp(j[1].last_error, "421 busy") && j[0].id < j[1].id,
	   "store_jobs: both jobs in order, with their state");
	static const char *const kinds[] = { "received", "claimed", "claimed",
					     "delivered", "retry" };
	int in_order = store_events(s, &a, id, &e, &n) == 0 && n == 5;
	for (size_t i = 0; in_order && i < n; i++)
		in_order = !strcmp(e[i].kind, kinds[i]);
	ok(in_order && e[0].job_id == 0 && !strcmp(e[0].detail, ref) &&
	   e[3].job_id == j[0].id && !strcmp(e[3].detail, "250 OK") &&
	   e[4].job_id == j[1].id && e[3].at_unix == now,
	   "store_events: the log in the order written, with job and detail");
	ok(store_jobs(s, &a, 999999, &j, &n) == 0 && n == 0 &&
	   store_events(s, &a, 999999, &e, &n) == 0 && n == 0,
	   "jobs and events of an unknown id: none, not an error");
	ok(store_events(w, &a, id, &e, &n) == 0 && n == 5,
	   "the writer's connection reads the log too");
	arena_free(&a);
	store_close(s);
}

/* Clerks: add, a second add refused, list, get, new password, disable. */
static void test_clerks(struct store *s, long long now)
{
	struct store_office dor = { "dorsten", "steueramt" };
	struct store_office two[2] = { { "bottrop", "steueramt" },
				       { "bottrop", "standesamt" } };
	struct arena a;
	arena_init(&a);
	ok(store_clerk_add(s, "anna", "$argon2id$1", &dor, 1, now) == 0 &&
	   store_clerk_add(s, "bert", "$argon2id$2", two, 2, now) == 0,
	   "clerks added with their offices");
	ok(store_clerk_add(s, "anna", "$argon2id$x", &dor, 1, now) == 1,
	   "a second clerk of the same name: 1");
	ok(store_clerk_add(s, "carl", "$argon2id$3", &dor, 0, now) == -1 &&
	   store_clerk_add(s, "bad name", "$argon2id$3", &dor, 1, now) == -1,
	   "no office or a name with a space: refused");
	struct store_clerk *v = NULL, c;
	size_t n = 0;
	ok(store_clerks(s, &a, &v, &n) == 0 && n == 2 && !strcmp(v[0].username, "anna") &&
	   !strcmp(v[1].username, "bert") && v[1].n_offices == 2 &&
	   !strcmp(v[1].offices[1].city, "bottrop") &&
	   !strcmp(v[1].offices[1].role, "standesamt") && !v[0].disabled &&
	   v[0].created_unix == now, "store_clerks: by name, offices parsed");
	ok(store_clerk_get(s, &a, "anna", &c) == 0 && !strcmp(c.pwhash, "$argon2id$1") &&
	   store_clerk_get(s, &a, "nobody", &c) == 1, "store_clerk_get: one, or none");
	ok(store_clerk_passwd(s, "anna", "$argon2id$new") == 0 &&
	   store_clerk_get(s, &a, "anna", &c) == 0 && !strcmp(c.pwhash, "$argon2id$new") &&
	   store_clerk_passwd(s, "nobody", "$argon2id$new") == 1,
	   "store_clerk_passwd: a new hash; unknown clerk 1");
	arena_free(&a);
}

/* Sessions: valid, idle, too old, ended, ended by a new password, by
 * disabling; expired ones purged. */
static void test_sessions(struct store *s, long long now)
{
	unsigned char h1[STORE_SESSION_HASH_LEN], h2[STORE_SESSION_HASH_LEN],
		      h3[STORE_SESSION_HASH_LEN], h4[STORE_SESSION_HASH_LEN];
	token_hash("session-one", h1);
	token_hash("session-two", h2);
	token_hash("session-three", h3);
	token_hash("session-four", h4);
	struct arena a;
	struct store_session ss;
	arena_init(&a);
	ok(store_session_new(s, h1, "anna", "csrf-1", now, now + 3600) == 0 &&
	   store_session_new(s, h2, "nobody", "csrf-2", now, now + 3600) == 1,
	   "a session for a clerk; none for an unknown name");
	ok(store_session_get(s, &a, h1, now + 10, 1800, 3600, &ss) == 0 &&
	   !strcmp(ss.clerk.username, "anna") && !strcmp(ss.csrf, "csrf-1") &&
	   ss.clerk.n_offices == 1 && !strcmp(ss.clerk.offices[0].city, "dorsten"),
	   "store_session_get: the clerk, offices and CSRF token");
	ok(store_session_get(s, &a, h2, now, 1800, 3600, &ss) == 1,
	   "an unknown session: 1");
	ok(store_session_get(s, &a, h1, now + 1800, 1800, 3600, &ss) == 1,
	   "idle for the whole idle timeout: no longer valid");
	ok(store_session_get(s, &a, h1, now + 1700, 1800, 3600, &ss) == 0 &&
	   store_session_get(s, &a, h1, now + 3000, 1800, 3600, &ss) == 0 &&
	   ss.seen_unix == now + 1700, "each use a minute or more later counts as seen");
	ok(store_session_get(s, &a, h1, now + 3600, 1800, 3600, &ss) == 1,
	   "at its absolute lifetime: no longer valid, however active");
	ok(store_session_end(s, h1) == 0 &&
	   store_session_get(s, &a, h1, now + 10, 1800, 3600, &ss) == 1 &&
	   store_session_end(s, h1) == 0, "ended (logout); ending again is fine");
	ok(store_session_new(s, h2, "anna", "c2", now, now + 3600) == 0 &&
	   store_clerk_passwd(s, "anna", "$argon2id$newer") == 0 &&
	   store_session_get(s, &a, h2, now + 10, 1800, 3600, &ss) == 1,
	   "a new password ends the clerk's sessions");
	ok(store_session_new(s, h3, "bert", "c3", now, now + 3600) == 0 &&
	   store_clerk_disable(s, "bert") == 0 &&
	   store_session_get(s, &a, h3, now + 10, 1800, 3600, &ss) == 1 &&
	   store_session_new(s, h3, "bert", "c3", now, now + 3600) == 1 &&
	   store_clerk_disable(s, "nobody") == 1,
	   "disabling ends the sessions and allows no new one");
	struct store_clerk c;
	ok(store_clerk_get(s, &a, "bert", &c) == 0 && c.disabled, "the clerk is disabled");
	/* expired long ago by the clock: purge deletes it, a fresh one stays */
	long long purged, kept;
	ok(store_session_new(s, h4, "anna", "c4", 1000, 2000) == 0 &&
	   store_session_get(s, &a, h4, 1500, 1800, 3600, &ss) == 0 &&
	   store_session_new(s, h1, "anna", "c1", now, now + 3600) == 0 &&
	   store_purge(s, 0, &purged, &kept) == 0 &&
	   store_session_get(s, &a, h4, 1500, 1800, 3600, &ss) == 1 &&
	   store_session_get(s, &a, h1, now + 5, 1800, 3600, &ss) == 0,
	   "purge deletes the sessions that have expired, not the others");
	store_session_end(s, h1);
	arena_free(&a);
}

/* The inbox: only the clerk's offices, newest first, paged, filtered;
 * status changes with their events; another office's id is not there. */
static void test_inbox(struct store *s, const struct submission *proto)
{
	enum { NI = 30 };
	struct submission mine = *proto, other = *proto;
	mine.city = "dorsten";
	mine.office = "steueramt";
	other.city = "bottrop";
	other.office = "steueramt";
	static struct store_item it[NI];
	long long ids[NI];
	for (int i = 0; i < NI; i++) {
		it[i] = (struct store_item){ .sub = i % 3 == 2 ? &other : &mine,
					     .ref_prefix = "INB" };
		/* one commit each: received_unix differs where the clock does */
		if (store_insert(s, &it[i], 1) != 0 || it[i].rc != 0) {
			ok(0, "insert inbox rows");
			return;
		}
		ids[i] = it[i].id;
	}
	struct store_office dor = { "dorsten", "steueramt" };
	struct store_inbox_query q = { .offices = &dor, .n_offices = 1, .limit = 7 };
	struct store_inbox_row *rows;
	size_t n;
	long long total;
	struct arena a;
	arena_init(&a);
	ok(store_inbox_list(s, &a, &q, &rows, &n, &total) == 0 && n == 7 && total == 20,
	   "the list holds only the clerk's office (20 of 30), one page of 7");
	int newest_first = n == 7 && rows[0].id == ids[NI - 2];
	for (size_t i = 1; i < n; i++)
		newest_first &= rows[i - 1].received_unix > rows[i].received_unix ||
			(rows[i - 1].received_unix == rows[i].received_unix &&
			 rows[i - 1].id > rows[i].id);
	long long newest = n ? rows[0].received_unix : 0;
	ok(newest_first && !strcmp(rows[0].status, "neu") &&
	   !strcmp(rows[0].office, "steueramt") && !strcmp(rows[0].city, "dorsten") &&
	   !strcmp(rows[0].reference, it[NI - 2].reference),
	   "newest first, status neu, office and reference");
	q.offset = 14;
	ok(store_inbox_list(s, &a, &q, &rows, &n, &total) == 0 && n == 6 && total == 20,
	   "the last page has the rest");
	q.count_limit = 10;
	ok(store_inbox_list(s, &a, &q, &rows, &n, &total) == 0 && n == 6 && total == 11,
	   "counted no further than count_limit: count_limit + 1 means more");
	q.count_limit = 0;
	q.offset = 0;
	q.limit = 50;
	ok(store_set_status(s, ids[0], "in_bearbeitung", "anna", 5000) == 0 &&
	   store_set_status(s, ids[3], "abgelehnt", "anna", 5001) == 0 &&
	   store_set_status(s, ids[0], "abgeschlossen", "anna", 5002) == 0,
	   "status changes");
	ok(store_set_status(s, 999999, "abgelehnt", "anna", 5003) == 1 &&
	   store_set_status(s, ids[1], "neu", "anna", 5003) == -1 &&
	   store_set_status(s, ids[1], "geloescht", "anna", 5003) == -1 &&
	   store_set_status(s, ids[1], "abgelehnt", "", 5003) == -1,
	   "unknown id 1; 'neu', an unknown status or no actor refused");
	q.status = "abgeschlossen";
	ok(store_inbox_list(s, &a, &q, &rows, &n, &total) == 0 && n == 1 &&
	   total == 1 && rows[0].id == ids[0], "filter by status: the latest one counts");
	q.status = "neu";
	ok(store_inbox_list(s, &a, &q, &rows, &n, &total) == 0 && total == 18,
	   "filter by status neu");
	q.status = NULL;
	q.service = "geburtsurkunde";
	ok(store_inbox_list(s, &a, &q, &rows, &n, &total) == 0 && total == 0,
	   "filter by service");
	q.service = NULL;
	q.from_unix = newest + 1;
	ok(store_inbox_list(s, &a, &q, &rows, &n, &total) == 0 && total == 0,
	   "filter by date: none after the newest");
	q.from_unix = 0;
	q.until_unix = 1;
	ok(store_inbox_list(s, &a, &q, &rows, &n, &total) == 0 && total == 0,
	   "filter by date: none before 1970");
	q.until_unix = 0;
	struct store_office both[2] = { { "bottrop", "steueramt" }, dor };
	q.offices = both;
	q.n_offices = 2;
	ok(store_inbox_list(s, &a, &q, &rows, &n, &total) == 0 && total == 30,
	   "two offices: both lists");
	struct submission *sub = NULL;
	const char *status = NULL;
	ok(store_inbox_load(s, &a, ids[0], &dor, 1, true, &sub, &status) == 0 &&
	   sub && sub->id == ids[0] && !strcmp(status, "abgeschlossen") &&
	   !strcmp(sub->office, "steueramt") && sub->n_files == 1,
	   "store_inbox_load: the clerk's own, with status, office and files");
	ok(store_inbox_load(s, &a, ids[2], &dor, 1, false, &sub, &status) == 1 &&
	   store_inbox_load(s, &a, 999999, &dor, 1, false, &sub, &status) == 1,
	   "another office's id is not found, like an unknown one");
	struct store_event *e;
	ok(store_events(s, &a, ids[0], &e, &n) == 0 && n == 3 &&
	   !strcmp(e[0].kind, "received") && !strcmp(e[0].actor, "") &&
	   !strcmp(e[1].kind, "status") && !strcmp(e[1].detail, "in_bearbeitung") &&
	   !strcmp(e[1].actor, "anna") && e[1].at_unix == 5000 &&
	   !strcmp(e[2].detail, "abgeschlossen"),
	   "each status change is an event with its actor and time");
	arena_free(&a);
}

/* Documents handed in later (schema version 5): rows, events, jobs with
 * ref_id in one transaction, named by their number, the limit, loading. */
static void test_documents(struct store *s, const struct submission *proto)
{
	struct store_item it = { .sub = proto, .ref_prefix = "DOC" };
	ok(store_insert(s, &it, 1) == 0 && it.rc == 0, "documents: an application");
	static const unsigned char pdf[] = "%PDF-1.4 later", png[] = "\x89PNG\r\n\x1a\n..";
	struct store_document d[3] = {
		{ .label = "Nachgereichte Unterlage", .mime = "application/pdf", .ext = "pdf",
		  .data = pdf, .len = sizeof pdf },
		{ .label = "Nachgereichte Unterlage", .mime = "image/png", .ext = "png",
		  .data = png, .len = sizeof png },
		{ .label = "Nachgereichte Unterlage", .mime = "application/pdf", .ext = "pdf",
		  .data = pdf, .len = sizeof pdf },
	};
	long long now = (long long)time(NULL);
	ok(store_documents_add(s, it.id, d, 2, 3, now) == 0 && d[0].id > 0 && d[1].id > d[0].id &&
	   !strcmp(d[0].filename, "nachgereicht-1.pdf") && !strcmp(d[1].filename, "nachgereicht-2.png"),
	   "documents: two in one call, numbered, with their ids");
	ok(store_documents_add(s, it.id, d + 2, 2, 3, now) == 2,
	   "documents: a post that would pass the limit is refused whole");
	ok(store_documents_add(s, 99999999, d + 2, 1, 3, now) == 1,
	   "documents: an unknown submission: 1");
	struct arena a;
	arena_init(&a);
	int e = 0;
	struct submission *got = store_load(s, &a, it.id, true, NULL, &e);
	ok(got && got->n_files == proto->n_files + 2 && got->files[0].added_unix == 0 &&
	   got->files[proto->n_files].added_unix == now &&
	   got->files[proto->n_files].id == d[0].id &&
	   !strcmp(got->files[proto->n_files + 1].filename, "nachgereicht-2.png") &&
	   got->files[proto->n_files + 1].len == sizeof png &&
	   !memcmp(got->files[proto->n_files + 1].data, png, sizeof png),
	   "documents: loaded after the form's files, with id, added_unix and bytes");
	struct store_event *ev;
	size_t ne = 0, docs = 0;
	ok(store_events(s, &a, it.id, &ev, &ne) == 0, "documents: events read");
	for (size_t i = 0; i < ne; i++)
		docs += !strcmp(ev[i].kind, "document") &&
			(!strcmp(ev[i].detail, "nachgereicht-1.pdf") ||
			 !strcmp(ev[i].detail, "nachgereicht-2.png"));
	ok(docs == 2, "documents: a 'document' event each, detail the file name");
	static struct outbox_job jobs[400];
	size_t n = 0, found = 0;
	ok(store_claim_due(s, now + 1000000, 60, jobs, 400, &n) == 0, "documents: claim");
	for (size_t i = 0; i < n; i++)
		found += !strcmp(jobs[i].kind, "document") && jobs[i].submission_id == it.id &&
			 (jobs[i].ref_id == d[0].id || jobs[i].ref_id == d[1].id);
	ok(found == 2, "documents: a 'document' job each, ref_id the attachment");
	arena_free(&a);
}

/* Messages: a message, its event and the notice job in one commit; the
 * thread after an id; what is refused before any write. */
static void test_messages(struct store *s, const struct submission *proto)
{
	struct submission with = *proto, without = *proto;
	without.applicant_email = "";
	struct store_item it[2] = { { .sub = &with, .ref_prefix = "MSG" },
				    { .sub = &without, .ref_prefix = "MSG" } };
	if (store_insert(s, it, 2) != 0 || it[0].rc || it[1].rc) {
		ok(0, "insert message rows");
		return;
	}
	long long a_id = it[0].id, b_id = it[1].id, m1 = 0, m2 = 0, m3 = 0, m4 = 0;
	struct store_message cit = { .at_unix = 7000, .author = "citizen", .actor = "",
				     .kind = "message", .body = "Guten Tag \xc3\xa4" };
	struct store_message ask = { .at_unix = 7001, .author = "clerk", .actor = "anna",
				     .kind = "rueckfrage", .body = "Bitte den Impfpass" };
	ok(store_message_add(s, a_id, &cit, &m1) == 0 && m1 > 0 &&
	   store_message_add(s, a_id, &ask, &m2) == 0 && m2 > m1 &&
	   store_message_add(s, b_id, &ask, &m3) == 0,
	   "messages of the citizen and the clerk stored");
	struct arena a;
	arena_init(&a);
	struct store_job *jobs;
	size_t n;
	int notices = 0, right = 1;
	ok(store_jobs(s, &a, a_id, &jobs, &n) == 0, "jobs read");
	for (size_t i = 0; i < n; i++)
		if (!strncmp(jobs[i].kind, "notice_", 7)) {
			notices++;
			right &= notices == 1 ? !strcmp(jobs[i].kind, "notice_office") :
				 !strcmp(jobs[i].kind, "notice_citizen");
		}
	ok(notices == 2 && right, "a notice for the office, then one for the citizen");
	ok(store_jobs(s, &a, b_id, &jobs, &n) == 0 && n == 1 && !strcmp(jobs[0].kind, "office"),
	   "no citizen notice without an applicant address");
	struct store_event *e;
	ok(store_events(s, &a, a_id, &e, &n) == 0 && n == 3 &&
	   !strcmp(e[1].kind, "message") && !strcmp(e[1].detail, "citizen") &&
	   !strcmp(e[2].kind, "rueckfrage") && !strcmp(e[2].actor, "anna") &&
	   e[2].at_unix == 7001, "each message has its event");
	struct store_message *m;
	ok(store_messages(s, &a, a_id, 0, &m, &n) == 0 && n == 2 && m[0].id == m1 &&
	   !strcmp(m[0].body, cit.body) && !strcmp(m[0].author, "citizen") &&
	   !strcmp(m[1].kind, "rueckfrage") && !strcmp(m[1].actor, "anna") &&
	   m[1].at_unix == 7001, "the thread, oldest first");
	ok(store_messages(s, &a, a_id, m1, &m, &n) == 0 && n == 1 && m[0].id == m2 &&
	   store_messages(s, &a, a_id, m2, &m, &n) == 0 && n == 0,
	   "only messages after an id");
	struct store_message bad = cit;
	bad.body = "";
	int refused = store_message_add(s, a_id, &bad, &m4) == -1;
	bad.body = "\xff";
	refused &= store_message_add(s, a_id, &bad, &m4) == -1;
	char *longer = arena_alloc(&a, STORE_MESSAGE_MAX + 2);
	memset(longer, 'x', STORE_MESSAGE_MAX + 1);
	longer[STORE_MESSAGE_MAX + 1] = '\0';
	bad.body = longer;
	refused &= store_message_add(s, a_id, &bad, &m4) == -1;
	longer[STORE_MESSAGE_MAX] = '\0';
	int at_limit = store_message_add(s, a_id, &bad, &m4) == 0;
	bad = cit;
	bad.kind = "rueckfrage";                /* a citizen asks no Rückfrage */
	refused &= store_message_add(s, a_id, &bad, &m4) == -1;
	bad = ask;
	bad.actor = "";                         /* a clerk writes as someone */
	refused &= store_message_add(s, a_id, &bad, &m4) == -1;
	ok(refused && at_limit, "an empty, invalid or too long body, a citizen's Rueckfrage, "
	   "a clerk without a name: refused; 5,000 characters taken");
	ok(store_message_add(s, 999999, &cit, &m4) == 1, "an unknown submission: 1");
	ok(store_messages(s, &a, a_id, 0, &m, &n) == 0 && n == 3, "nothing refused was stored");
	arena_free(&a);
}

static int office_jobs(struct store *s, long long id)
{
	struct arena a;
	arena_init(&a);
	struct store_job *jobs = NULL;
	size_t n = 0;
	int k = 0;
	if (store_jobs(s, &a, id, &jobs, &n) < 0)
		k = -1;
	for (size_t i = 0; k >= 0 && i < n; i++)
		k += strcmp(jobs[i].kind, "office") == 0;
	arena_free(&a);
	return k;
}

static int payment_events(struct store *s, long long id, const char *detail)
{
	struct arena a;
	arena_init(&a);
	struct store_event *e = NULL;
	size_t n = 0;
	int k = 0;
	if (store_events(s, &a, id, &e, &n) < 0)
		k = -1;
	for (size_t i = 0; k >= 0 && i < n; i++)
		k += strcmp(e[i].kind, "payment") == 0 && strcmp(e[i].detail, detail) == 0;
	arena_free(&a);
	return k;
}

/* Online payment (schema version 7): an office job held at insert, a
 * pending payment, the settle that is idempotent and queues the held
 * office job once; cancelled and a new attempt; immediately. */
static void test_payments(struct store *s, const struct submission *proto)
{
	struct store_item it[2] = { { .sub = proto, .ref_prefix = "PAY", .hold_office = true },
				    { .sub = proto, .ref_prefix = "PAY" } };
	if (store_insert(s, it, 2) != 0 || it[0].rc || it[1].rc) {
		ok(0, "insert payment rows");
		return;
	}
	long long held = it[0].id, now = it[1].id;
	ok(office_jobs(s, held) == 0 && office_jobs(s, now) == 1,
	   "hold_office: no office job at insert (the other gets one)");
	struct store_payment p, q, got;
	ok(store_payment_new(s, held, 2250, "after_payment", 8000, &p) == 0 &&
	   strlen(p.reference) == STORE_PAY_REF_LEN && p.amount_cents == 2250 &&
	   strcmp(p.state, "ausstehend") == 0 && strcmp(p.currency, "EUR") == 0 &&
	   strcmp(p.deliver, "after_payment") == 0 && p.submission_id == held,
	   "a pending payment with a fresh reference");
	ok(store_payment_new(s, 999999999, 100, "immediately", 8000, &q) == 1,
	   "a payment of an unknown submission: 1");
	ok(store_payment_get(s, p.reference, 0, &got) == 0 && got.id == p.id &&
	   store_payment_get(s, NULL, held, &got) == 0 && got.id == p.id &&
	   store_payment_get(s, "AAAAAAAAAAAAAAAAAAAAAAAA", 0, &got) == 1 &&
	   store_payment_get(s, "kurz", 0, &got) == 1, "found by reference and by submission");
	bool changed = false;
	ok(store_payment_settle(s, "AAAAAAAAAAAAAAAAAAAAAAAA", true, "T1", 8001, &changed) == 1 &&
	   !changed, "settling an unknown reference: 1");
	ok(store_payment_settle(s, p.reference, true, "T-42", 8002, &changed) == 0 && changed &&
	   store_payment_get(s, p.reference, 0, &got) == 0 &&
	   strcmp(got.state, "bezahlt") == 0 && strcmp(got.provider_txn, "T-42") == 0 &&
	   got.updated_unix == 8002, "the notice: bezahlt, with the provider's transaction");
	ok(office_jobs(s, held) == 1, "and the held office job is queued with it");
	ok(store_payment_settle(s, p.reference, true, "T-42", 8003, &changed) == 0 && !changed &&
	   store_payment_settle(s, p.reference, false, "T-43", 8004, &changed) == 0 && !changed &&
	   store_payment_get(s, p.reference, 0, &got) == 0 && strcmp(got.state, "bezahlt") == 0 &&
	   got.updated_unix == 8002, "the same notice again (or a late cancel) changes nothing");
	ok(office_jobs(s, held) == 1 && payment_events(s, held, "bezahlt 2250") == 1 &&
	   payment_events(s, held, "ausstehend 2250") == 1,
	   "one office job, one 'payment' event per change");

	ok(store_payment_new(s, now, 1200, "immediately", 8100, &q) == 0 &&
	   store_payment_settle(s, q.reference, false, "", 8101, &changed) == 0 && changed &&
	   store_payment_get(s, q.reference, 0, &got) == 0 && strcmp(got.state, "abgebrochen") == 0,
	   "a cancelled payment: abgebrochen");
	struct store_payment r;
	ok(store_payment_new(s, now, 1200, "immediately", 8200, &r) == 0 &&
	   strcmp(r.reference, q.reference) != 0 && store_payment_get(s, NULL, now, &got) == 0 &&
	   got.id == r.id, "trying again: a new attempt, the newest is the submission's");
	ok(store_payment_settle(s, r.reference, true, "T-9", 8201, &changed) == 0 && changed &&
	   office_jobs(s, now) == 1, "immediately: paying queues no second office job");
	ok(store_payment_new(s, now, -1, "immediately", 8300, &r) == -1 &&
	   store_payment_new(s, now, 1, "sofort", 8300, &r) == -1, "bad amount or deliver: -1");

	/* the payment stored with the submission, in its transaction */
	struct store_item w[3] = {
		{ .sub = proto, .ref_prefix = "PAY", .hold_office = true, .pay_amount = 2250,
		  .pay_deliver = "after_payment" },
		{ .sub = proto, .ref_prefix = "PAY", .pay_amount = 1500, .pay_deliver = "immediately" },
		{ .sub = proto, .ref_prefix = "PAY" } };
	ok(store_insert(s, w, 3) == 0 && !w[0].rc && !w[1].rc && !w[2].rc &&
	   strlen(w[0].pay_reference) == STORE_PAY_REF_LEN &&
	   strcmp(w[0].pay_reference, w[1].pay_reference) != 0 && w[2].pay_reference[0] == '\0',
	   "insert with pay_amount: each item gets its own payment reference (none without)");
	ok(store_payment_get(s, w[0].pay_reference, 0, &got) == 0 && got.submission_id == w[0].id &&
	   got.amount_cents == 2250 && strcmp(got.state, "ausstehend") == 0 &&
	   strcmp(got.deliver, "after_payment") == 0 && office_jobs(s, w[0].id) == 0 &&
	   payment_events(s, w[0].id, "ausstehend 2250") == 1,
	   "after_payment: the pending payment and its event, no office job");
	ok(store_payment_get(s, NULL, w[1].id, &got) == 0 && got.amount_cents == 1500 &&
	   strcmp(got.deliver, "immediately") == 0 && office_jobs(s, w[1].id) == 1 &&
	   store_payment_get(s, NULL, w[2].id, &got) == 1,
	   "immediately: payment and office job; no pay_amount: no payment");
	ok(store_payment_settle(s, w[0].pay_reference, true, "T-1", 8400, &changed) == 0 && changed &&
	   office_jobs(s, w[0].id) == 1, "settling it releases the held office job");
	struct store_item bad = { .sub = proto, .ref_prefix = "PAY", .pay_amount = 100,
				  .pay_deliver = "sofort" };
	long long before = 0;
	struct store_counts k;
	if (store_counts(s, 0, &k) == 0)
		before = k.submissions;
	ok(store_insert(s, &bad, 1) == 0 && bad.rc == -1 && store_counts(s, 0, &k) == 0 &&
	   k.submissions == before, "a payment that cannot be stored takes its submission with it");
}

/* Citizens' logins (schema version 8): a pending login is taken once, an
 * expired one not at all; a session is found until idle or lifetime end,
 * a use moves its idle end; both tables are bounded. */
static void test_logins(struct store *s)
{
	unsigned char h1[STORE_LOGIN_HASH_LEN], h2[STORE_LOGIN_HASH_LEN];
	memset(h1, 0x11, sizeof h1);
	memset(h2, 0x22, sizeof h2);
	struct arena a;
	arena_init(&a);
	struct store_login_pending p = { "nonce-1", "verifier-1", "/formular/dorsten/x", 9100 };
	struct store_login_pending got;
	ok(store_login_pending_put(s, h1, &p, 9000, 10) == 0, "a pending login is stored");
	ok(store_login_pending_take(s, &a, h1, 9001, &got) == 0 &&
	   strcmp(got.nonce, "nonce-1") == 0 && strcmp(got.verifier, "verifier-1") == 0 &&
	   strcmp(got.return_path, "/formular/dorsten/x") == 0 && got.expires_unix == 9100,
	   "taken with nonce, verifier and return path");
	ok(store_login_pending_take(s, &a, h1, 9002, &got) == 1, "taken once only (single use)");
	ok(store_login_pending_put(s, h2, &p, 9000, 10) == 0 &&
	   store_login_pending_take(s, &a, h2, 9100, &got) == 1 &&
	   store_login_pending_take(s, &a, h2, 9000, &got) == 1,
	   "an expired pending login is refused and gone");
	unsigned char hx[STORE_LOGIN_HASH_LEN];
	int full = 0;
	for (int i = 0; i < 3; i++) {
		memset(hx, 0x30 + i, sizeof hx);
		full += store_login_pending_put(s, hx, &p, 9000, 2) == 1;
	}
	ok(full == 1, "pending logins are bounded (the third of max 2 refused)");
	memset(hx, 0x40, sizeof hx);
	struct store_login_pending later = { "n", "v", "/", 20000 };
	ok(store_login_pending_put(s, hx, &later, 9200, 2) == 0,
	   "expired pending logins make room again");

	struct store_citizen_session cs = { "https://id.example|abc", "{\"sub\":\"abc\"}", 3, 10000 };
	struct store_citizen_session out;
	ok(store_citizen_session_open(s, h1, &cs, 1800, 7200, 10) == 0, "a session is opened");
	ok(store_citizen_session_get(s, &a, h1, 10100, 1800, 7200, &out) == 0 &&
	   strcmp(out.subject, cs.subject) == 0 && strcmp(out.claims, cs.claims) == 0 &&
	   out.level == 3 && out.login_unix == 10000, "found with subject, claims, level, login");
	ok(store_citizen_session_get(s, &a, h2, 10100, 1800, 7200, &out) == 1,
	   "an unknown cookie finds none");
	/* used at 10100, so live until 11900 (not 11800) */
	ok(store_citizen_session_get(s, &a, h1, 11850, 1800, 7200, &out) == 0,
	   "a use moves the idle end");
	ok(store_citizen_session_get(s, &a, h1, 11850 + 1800, 1800, 7200, &out) == 1,
	   "idle too long: gone");
	ok(store_citizen_session_open(s, h2, &cs, 1800, 7200, 10) == 0 &&
	   store_citizen_session_get(s, &a, h2, 11500, 1800, 7200, &out) == 0 &&
	   store_citizen_session_get(s, &a, h2, 13000, 1800, 7200, &out) == 0 &&
	   store_citizen_session_get(s, &a, h2, 14500, 1800, 7200, &out) == 0 &&
	   store_citizen_session_get(s, &a, h2, 16000, 1800, 7200, &out) == 0 &&
	   store_citizen_session_get(s, &a, h2, 17150, 1800, 7200, &out) == 0 &&
	   store_citizen_session_get(s, &a, h2, 17200, 1800, 7200, &out) == 1,
	   "used all along, a session still ends at its lifetime");
	struct store_citizen_session c2 = cs;
	c2.login_unix = 20000;
	full = 0;
	for (int i = 0; i < 3; i++) {
		memset(hx, 0x50 + i, sizeof hx);
		full += store_citizen_session_open(s, hx, &c2, 1800, 7200, 2) == 1;
	}
	ok(full == 1, "sessions are bounded (the third of max 2 refused)");
	arena_free(&a);
}

int main(void)
{
	char dbfile[256], err[256];
	const char *tmp = tap_tmpdir("relay_store");
	if (!tmp || snprintf(dbfile, sizeof dbfile, "%s/store.db", tmp) >= (int)sizeof dbfile)
		return 2;
	/* the store under test: the file, or a fresh PostgreSQL database */
	const char *db = getenv("RELAY_STORE_DATABASE");
	if (!db || !*db)
		db = dbfile;
	test_validate_rules();
	test_masked();
	test_token_order();

	struct store *s = store_open(db, err, sizeof err);
	ok(s != NULL, "store_open creates the database");
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}

	struct sub_field fields[2] = {
		{ "herkunft", "Herkunft", "Von einem Z\xc3\xbc" "chter", "zuechter" },
		{ "bemerkung", "Bemerkung", "Zeile 1\n\"zwei\" \xc3\xbc", "" } };
	unsigned char blob[] = "%PDF-1.4 \0 binary";
	struct sub_file file = { "nachweis", "Nachweis", "nachweis-1.pdf",
				 "application/pdf", blob, sizeof blob, 0, 0 };
	struct submission sub = { 0 };
	sub.city = "dorsten";
	sub.service = "hundeanmeldung";
	sub.city_name = "Dorsten";
	sub.service_title = "Hund anmelden";
	sub.recipient = "steueramt@dorsten.example";
	sub.office_name = "Steueramt";
	sub.applicant_email = "anna@example.de";
	sub.fields = fields;
	sub.n_fields = 2;
	sub.files = &file;
	sub.n_files = 1;

	enum { N = 100 };
	static struct store_item items[N];
	for (int i = 0; i < N; i++) {
		items[i].sub = &sub;
		items[i].ref_prefix = "DOR";
		items[i].receipt = i == 0;
	}
	ok(store_insert(s, items, N) == 0, "100 submissions in one commit");
	int all = 1, shape = 1, distinct = 1, numbered = 1;
	for (int i = 0; i < N; i++) {
		char want[24];
		snprintf(want, sizeof want, "DOR-%.4s-%06d", items[i].received_at, i + 1);
		numbered &= items[i].number == i + 1 && !strcmp(items[i].reference, want);
		all &= items[i].rc == 0 && items[i].id > 0;
		shape &= strlen(items[i].reference) == 15 &&
			 !strncmp(items[i].reference, "DOR-", 4) &&
			 strspn(items[i].reference + 9, "0123456789") == 6 &&
			 strlen(items[i].token) == TOKEN_CHARS &&
			 token_shape_submission(items[i].token);
		for (int j = 0; j < i; j++)
			distinct &= strcmp(items[i].reference, items[j].reference) != 0 &&
				    strcmp(items[i].token, items[j].token) != 0;
	}
	ok(all, "every item stored with an id");
	ok(shape, "references DOR-YYYY-NNNNNN, tokens of 7 + 24 characters");
	ok(numbered, "a new store numbers its references from 1, in the batch's order");
	ok(distinct, "references and tokens distinct");
	struct tally t = tally(s);
	ok(t.submissions == N && t.jobs == N + 1 && t.received_events == N &&
	   t.outcome_events == 0 && t.pending == N,
	   "rows, outbox jobs (+1 receipt) and events written");

	struct arena a;
	arena_init(&a);
	struct store_status st;
	int e = 0;
	struct submission *got = store_load_ref(s, &a, items[7].reference, true, &st, &e);
	ok(got && got->id == items[7].id && got->n_fields == 2 &&
	   !strcmp(got->fields[1].value, fields[1].value) &&
	   !strcmp(got->fields[1].option, "") &&
	   !strcmp(got->fields[0].value, fields[0].value) &&
	   !strcmp(got->fields[0].option, "zuechter") && got->n_files == 1 &&
	   got->files[0].len == sizeof blob && !memcmp(got->files[0].data, blob, sizeof blob) &&
	   !strcmp(got->recipient, sub.recipient) && st.delivered_unix == 0,
	   "load by reference: fields (JSON round trip, a select's label and "
	   "option value), attachment bytes, status");
	got = store_load_token(s, &a, items[8].token, false, NULL, &e);
	ok(got && got->id == items[8].id && got->n_files == 0, "load by token without files");
	ok(got && got->token && strcmp(got->token, items[8].token) == 0,
	   "a loaded submission carries its token (for the receipt's link)");
	{       /* looked up by its hash, confirmed in constant time (token.h) */
		char bad[TOKEN_CHARS + 1];
		snprintf(bad, sizeof bad, "%s", items[8].token);
		bad[TOKEN_CHARS - 1] = bad[TOKEN_CHARS - 1] == 'A' ? 'B' : 'A';
		got = store_load_token(s, &a, bad, false, NULL, &e);
		ok(!got && e == 0, "a token with its last character changed: not found");
		snprintf(bad, sizeof bad, "%s", items[8].token);
		bad[0] = bad[0] == '0' ? '1' : '0';
		got = store_load_token(s, &a, bad, false, NULL, &e);
		ok(!got && e == 0, "a token with its time changed: not found");
		bad[TOKEN_CHARS - 1] = '\0';
		got = store_load_token(s, &a, bad, false, NULL, &e);
		ok(!got && e == 0, "a token one character short: not found");
		got = store_load_token(s, &a, "", false, NULL, &e);
		ok(!got && e == 0, "the empty token: not found");
	}
	{
		unsigned char h[TOKEN_HASH_LEN];
		static const unsigned char abc[TOKEN_HASH_LEN] = {       /* FIPS 180-2 */
			0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
			0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
			0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
		};
		token_hash("abc", h);
		ok(memcmp(h, abc, sizeof h) == 0, "token_hash is SHA-256 (the 'abc' test vector)");
		ok(token_equal("AbCdEfGhIjKlMnOpQrStUvWx", "AbCdEfGhIjKlMnOpQrStUvWx") &&
		   !token_equal("AbCdEfGhIjKlMnOpQrStUvWx", "abCdEfGhIjKlMnOpQrStUvWx") &&
		   !token_equal("AbCdEfGhIjKlMnOpQrStUvWx", "AbCdEfGhIjKlMnOpQrStUvW"),
		   "token_equal: same, one byte different, one shorter");
	}
	got = store_load_ref(s, &a, "DOR-2026-ZZZZZZ", false, NULL, &e);
	ok(!got && e == 0, "unknown reference: NULL, not an error");

	/* the batch's own time, not the clock's: a slow (sanitized) insert may
	 * end in the next second, and the jobs are due from the insert on */
	struct tm tm = { 0 };
	const char *end = strptime(items[0].received_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	ok(end && !*end, "received_at is an RFC 3339 UTC time");
	long long now = (long long)timegm(&tm);
	struct outbox_job jobs[8];
	size_t n = 0;
	ok(store_claim_due(s, now, 60, jobs, 8, &n) == 0 && n == 8 &&
	   jobs[0].attempts == 1, "claim 8 due jobs");
	size_t n2 = 0;
	ok(store_claim_due(s, now, 60, jobs + 0, 0, &n2) == 0 && n2 == 0, "claim with max 0");
	ok(store_job_delivered(s, jobs[0].id, now, "250 OK") == 0 &&
	   store_job_retry(s, jobs[1].id, now, now + 300, "421 busy") == 0 &&
	   store_job_failed(s, jobs[2].id, now, "550 no such user") == 0,
	   "delivered / retry / failed recorded");
	struct store_counts c;
	ok(store_counts(s, now + 10, &c) == 0 && c.submissions == N &&
	   c.delivered == 1 && c.failed == 1 && c.outbox_depth == N + 1 - 2 &&
	   c.retrying == 6 && c.oldest_undelivered_age == 10,
	   "counts: submissions, delivered, failed, depth, retrying, oldest age");
	ok(store_next_due(s) == now, "next due is the oldest unclaimed job");
	/* the 5 claimed-but-unreported jobs come back after the lease */
	static struct outbox_job many[200];
	ok(store_claim_due(s, now + 61, 60, many, 200, &n) == 0 && n == N + 1 - 3,
	   "claimed jobs whose lease ran out are due again (at-least-once), the "
	   "retry waits, delivered and failed stay done");
	ok(tally(s).outcome_events == 8 + (N + 1 - 3) + 3,
	   "every outbox change is an event");
	ok(store_resend(s, items[2].id, now) == 0 &&
	   tally(s).resend_events == 1,
	   "resend re-queues with an event");
	ok(store_resend(s, 999999, now) == 1, "resend of an unknown id: 1");
	test_history(s, db, items[0].id, items[0].reference, now);

	int cnt = 0;
	ok(store_each(s, "dorsten", 0, 0, false, count_cb, &cnt) == 0 && cnt == N,
	   "store_each lists the city's submissions");
	cnt = 0;
	ok(store_each(s, "bottrop", 0, 0, false, count_cb, &cnt) == 0 && cnt == 0,
	   "store_each filters by city");
	cnt = 0;
	ok(store_each(s, NULL, now + 3600, 0, false, count_cb, &cnt) == 0 && cnt == 0,
	   "store_each filters by date");
	long long purged = -1, kept = -1;
	ok(store_purge(s, now - 3600, &purged, &kept) == 0 && purged == 0 && kept == 0,
	   "purge keeps recent ones");
	long long pending = tally(s).pending;
	ok(pending > 0 && pending < N, "some submissions are still pending");
	ok(store_purge(s, now + 3600, &purged, &kept) == 0 && purged == N - pending &&
	   kept == pending && tally(s).submissions == pending,
	   "purge removes only submissions whose delivery ended; pending ones are "
	   "kept and counted");
	ok(store_claim_due(s, now + 100000, 60, many, 200, &n) == 0 && n > 0,
	   "claim the rest");
	int all_ok = 1;
	for (size_t i = 0; i < n; i++)
		all_ok &= store_job_delivered(s, many[i].id, now + 7200, "250 OK") == 0;
	ok(all_ok, "the rest delivered");
	ok(store_purge(s, now + 3600, &purged, &kept) == 0 && purged == 0 && kept == 0,
	   "age counts from the end of delivery, not from receipt");
	ok(store_purge(s, now + 7201, &purged, &kept) == 0 && purged == pending &&
	   kept == 0 && tally(s).submissions == 0 &&
	   store_counts(s, now, &c) == 0 && c.submissions == 0 &&
	   c.outbox_depth + c.delivered + c.failed == 0,
	   "purge removes submissions with their outbox jobs");
	size_t ne = 1, nj = 1;
	struct store_event *ev;
	struct store_job *jb;
	ok(store_events(s, &a, items[0].id, &ev, &ne) == 0 && ne == 0 &&
	   store_jobs(s, &a, items[0].id, &jb, &nj) == 0 && nj == 0,
	   "and with their events");
	arena_free(&a);
	store_close(s);

	s = store_open(db, err, sizeof err);
	ok(s != NULL, "reopen an existing database");
	if (s) {
		test_bad_item(s, &sub);
		test_refused_item(s, &sub, db != dbfile);
		test_clerks(s, now);
		test_sessions(s, now);
		test_inbox(s, &sub);
		test_documents(s, &sub);
		test_messages(s, &sub);
		test_payments(s, &sub);
		test_logins(s);
	}
	store_close(s);
	/* a file of its own: the one above may hold the bad-item test's rows */
	char choice[260];
	snprintf(choice, sizeof choice, "%.250s.choice", dbfile);
	test_backend_choice(choice);
	return tap_exit();
}
