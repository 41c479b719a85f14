/* relay_store - unit tests of relay/store against a real SQLite file: the
 * schema and pragmas, the group-commit insert (references, tokens, rows),
 * the outbox life cycle with its events, loading, listing, counting and
 * purging; and relay/validate's syntax rules. */
#include "store/store.h"
#include "validate/validate.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void ok(int cond, const char *what)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", what);
	if (!cond)
		failures++;
}

static long long q1(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v = -1;
	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
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
	ok(valid_date("2024-02-29") && !valid_date("2023-02-29") &&
	   !valid_date("2024-13-01") && !valid_date("2024-04-31") &&
	   !valid_date("24-01-01") && !valid_date("2024-1-01"), "calendar dates");
	const unsigned char pdf[] = "%PDF-1.7", jpg[] = { 0xff, 0xd8, 0xff, 0xe0 },
		png[] = { 0x89, 'P', 'N', 'G', 13, 10, 26, 10 }, gif[] = "GIF89a";
	ok(sniff_mime(pdf, 8) && !strcmp(sniff_mime(pdf, 8), "application/pdf") &&
	   !strcmp(sniff_mime(jpg, 4), "image/jpeg") &&
	   !strcmp(sniff_mime(png, 8), "image/png") && !sniff_mime(gif, 6) &&
	   !sniff_mime(pdf, 4), "file type by magic bytes");
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

int main(void)
{
	char dir[] = "/tmp/relay_storeXXXXXX", db[256], err[256];
	const char *tmp = getenv("TEST_TMP");
	if (tmp && snprintf(db, sizeof db, "%s/store.db", tmp) < (int)sizeof db) {
		;
	} else if (mkdtemp(dir)) {
		snprintf(db, sizeof db, "%s/store.db", dir);
	} else {
		perror("mkdtemp");
		return 2;
	}
	test_validate_rules();

	struct store *s = store_open(db, err, sizeof err);
	ok(s != NULL, "store_open creates the database");
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	ok(q1(db, "PRAGMA user_version") == 1, "schema migrated to user_version 1");
	ok(q1(db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode='wal'") == 1,
	   "journal_mode is WAL");

	struct sub_field fields[2] = {
		{ "herkunft", "Herkunft", "Von einem Z\xc3\xbc" "chter", "zuechter" },
		{ "bemerkung", "Bemerkung", "Zeile 1\n\"zwei\" \xc3\xbc", "" } };
	unsigned char blob[] = "%PDF-1.4 \0 binary";
	struct sub_file file = { "nachweis", "Nachweis", "nachweis-1.pdf",
				 "application/pdf", blob, sizeof blob };
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
	int all = 1, shape = 1, distinct = 1;
	for (int i = 0; i < N; i++) {
		all &= items[i].rc == 0 && items[i].id > 0;
		shape &= strlen(items[i].reference) == 15 &&
			 !strncmp(items[i].reference, "DOR-", 4) &&
			 strspn(items[i].reference + 9, "23456789ABCDEFGHJKLMNPQRSTUVWXYZ") == 6 &&
			 strlen(items[i].token) == 24;
		for (int j = 0; j < i; j++)
			distinct &= strcmp(items[i].reference, items[j].reference) != 0 &&
				    strcmp(items[i].token, items[j].token) != 0;
	}
	ok(all, "every item stored with an id");
	ok(shape, "references DOR-YYYY-XXXXXX, tokens 24 chars");
	ok(distinct, "references and tokens distinct");
	ok(q1(db, "SELECT count(*) FROM submissions") == N &&
	   q1(db, "SELECT count(*) FROM attachments") == N &&
	   q1(db, "SELECT count(*) FROM outbox") == N + 1 &&
	   q1(db, "SELECT count(*) FROM events WHERE kind='received'") == N,
	   "rows, attachments, outbox jobs (+1 receipt) and events written");

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
	ok(q1(db, "SELECT count(*) FROM events WHERE kind IN ('claimed','delivered','retry','failed')")
	   == 8 + (N + 1 - 3) + 3, "every outbox change is an event");
	ok(store_resend(s, items[2].id, now) == 0 &&
	   q1(db, "SELECT count(*) FROM events WHERE kind='resend'") == 1,
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
	long long pending = q1(db, "SELECT count(*) FROM submissions s WHERE EXISTS"
		" (SELECT 1 FROM outbox o WHERE o.submission_id = s.id AND"
		" o.delivered_unix IS NULL AND o.failed_unix IS NULL)");
	ok(pending > 0 && pending < N, "some submissions are still pending");
	ok(store_purge(s, now + 3600, &purged, &kept) == 0 && purged == N - pending &&
	   kept == pending && q1(db, "SELECT count(*) FROM submissions") == pending,
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
	   kept == 0 &&
	   q1(db, "SELECT (SELECT count(*) FROM submissions) + (SELECT count(*) FROM attachments)"
	      " + (SELECT count(*) FROM outbox) + (SELECT count(*) FROM events)") == 0,
	   "purge removes submissions with attachments, outbox and events");
	arena_free(&a);
	store_close(s);

	s = store_open(db, err, sizeof err);
	ok(s != NULL, "reopen an existing database");
	store_close(s);
	sqlite3 *h;
	if (sqlite3_open(db, &h) == SQLITE_OK) {
		sqlite3_exec(h, "PRAGMA user_version=7", NULL, NULL, NULL);
		sqlite3_close(h);
	}
	s = store_open(db, err, sizeof err);
	ok(!s && strstr(err, "newer"), "a database from a newer relayd is refused");
	store_close(s);
	return failures ? 1 : 0;
}
