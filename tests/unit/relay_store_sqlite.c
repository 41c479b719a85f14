/* relay_store_sqlite - the SQLite backend's file, which relay_store (through
 * store.h only) cannot see: WAL mode and the current schema version after
 * store_open, a database of a newer relayd refused, and after a purge no
 * row left in any of the tables of a submission (no orphaned attachments,
 * later documents, messages or events). And the WAL buffer
 * (sqlite_walbuf.c), seen from a second connection reading the file. */
#include "store/store.h"
#include "store/backend.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

/* One number from the file, over a connection of our own. -1 on error. */
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

static const char all_rows[] = "SELECT (SELECT count(*) FROM submissions) +"
	" (SELECT count(*) FROM attachments) + (SELECT count(*) FROM outbox) +"
	" (SELECT count(*) FROM events) + (SELECT count(*) FROM messages)";

/* Runs one statement on a connection of our own; 0 ok. */
static int exec1(const char *db, const char *sql)
{
	sqlite3 *h;
	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	int rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

/* How many OpenEphemeral opcodes SQLite compiles sql to; -1 on error. */
static long long ephemeral_tables(const char *db, const char *sql)
{
	char explain[512];
	if (snprintf(explain, sizeof explain, "EXPLAIN %s", sql) >= (int)sizeof explain)
		return -1;
	sqlite3 *h;
	sqlite3_stmt *st;
	long long n = -1;
	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(h, explain, -1, &st, NULL) == SQLITE_OK) {
		n = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *op = sqlite3_column_text(st, 1);
			n += op && strcmp((const char *)op, "OpenEphemeral") == 0;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return n;
}

/* Version 11: the CHECKs of a list of kinds compile to comparisons, not
 * to a table built on every insert, and still refuse what is not listed. */
static void test_check_lists(const char *db)
{
	static const char job[] = "INSERT INTO outbox(submission_id, kind, next_attempt,"
		" created_unix) VALUES(1, ?, 0, 0)";
	static const char pay[] = "INSERT INTO payments(submission_id, reference,"
		" amount_cents, state, deliver, created_unix, updated_unix)"
		" VALUES(1, 'r', 1, ?, 'immediately', 0, 0)";
	ok(ephemeral_tables(db, job) == 0, "an outbox job's insert builds no ephemeral table");
	ok(ephemeral_tables(db, pay) == 0, "a payment's insert builds no ephemeral table");
	static const char *const kinds[] = { "office", "receipt", "notice_office",
					     "notice_citizen", "document" };
	char sql[256];
	int good = 0;
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		int w = snprintf(sql, sizeof sql, "BEGIN; INSERT INTO outbox(submission_id,"
				 " kind, next_attempt, created_unix) VALUES(1, '%s', 0, 0);"
				 " ROLLBACK", kinds[i]);
		good += w > 0 && (size_t)w < sizeof sql && exec1(db, sql) == 0;
	}
	ok(good == 5, "each of the five kinds is taken (%d)", good);
	ok(exec1(db, "INSERT INTO outbox(submission_id, kind, next_attempt, created_unix)"
		 " VALUES(1, 'Office', 0, 0)") < 0, "a kind not listed is refused");
	ok(exec1(db, "INSERT INTO payments(submission_id, reference, amount_cents, state,"
		 " created_unix, updated_unix) VALUES(1, 'r', 1, 'offen', 0, 0)") < 0,
	   "a payment state not listed is refused");
	ok(q1(db, "SELECT count(*) FROM outbox WHERE kind = 'Office'") == 0,
	   "and nothing of it was stored");
}

/* One submission with an attachment, its mail delivered at t, purged. */
static void test_purge_leaves_nothing(struct store *s, const char *db)
{
	struct sub_field f = { "vorname", "Vorname", "Anna", "" };
	unsigned char pdf[] = "%PDF-1.4";
	struct sub_file file = { "nachweis", "Nachweis", "nachweis-1.pdf",
				 "application/pdf", pdf, sizeof pdf, 0, 0 };
	struct submission sub = { .city = "dorsten", .service = "hundeanmeldung",
		.city_name = "Dorsten", .service_title = "Hund anmelden",
		.recipient = "steueramt@dorsten.example", .office_name = "Steueramt",
		.applicant_email = "", .fields = &f, .n_fields = 1, .files = &file,
		.n_files = 1 };
	struct store_item it = { .sub = &sub, .ref_prefix = "DOR" };
	struct outbox_job job[2];
	size_t n = 0;
	long long t = 4102444800LL, purged = 0, kept = 0;   /* 2100, all due */
	/* and a document handed in later, and a message (schema version 5) */
	struct store_document d = { .label = "Nachgereichte Unterlage",
		.mime = "application/pdf", .ext = "pdf", .data = pdf, .len = sizeof pdf };
	char msg[160];
	ok(store_insert(s, &it, 1) == 0 && it.rc == 0 &&
	   store_documents_add(s, it.id, &d, 1, 10, t - 10) == 0 &&
	   snprintf(msg, sizeof msg, "INSERT INTO messages(submission_id, at_unix, author,"
		    " body) VALUES(%lld, 1, 'citizen', 'Hallo')", it.id) < (int)sizeof msg &&
	   exec1(db, msg) == 0 &&
	   store_claim_due(s, t, 60, job, 2, &n) == 0 && n == 2 &&
	   store_job_delivered(s, job[0].id, t, "250 OK") == 0 &&
	   store_job_delivered(s, job[1].id, t, "250 OK") == 0 &&
	   q1(db, all_rows) == 1 + 2 + 2 + 6 + 1,
	   "a submission with its rows, a later document and a message");
	ok(store_purge(s, t + 1, &purged, &kept) == 0 && purged == 1 &&
	   q1(db, all_rows) == 0,
	   "purge leaves no row in any table");
}

/* Schema version 10's counter row gone (a hand-edited file): the batch
 * fails with an error that names it and nothing is stored; put back, the
 * numbers go on from where it says. */
static void test_counter_missing(struct store *s, const char *db)
{
	struct sub_field f = { "vorname", "Vorname", "Anna", "" };
	struct submission sub = { .city = "dorsten", .service = "hundeanmeldung",
		.city_name = "Dorsten", .service_title = "Hund anmelden",
		.recipient = "steueramt@dorsten.example", .office_name = "Steueramt",
		.applicant_email = "", .fields = &f, .n_fields = 1 };
	struct store_item it = { .sub = &sub, .ref_prefix = "DOR" };
	long long before = q1(db, "SELECT count(*) FROM submissions");
	ok(exec1(db, "DELETE FROM counters") == 0 && store_insert(s, &it, 1) < 0 &&
	   it.rc < 0 && strstr(store_errmsg(s), "counters is missing") &&
	   q1(db, "SELECT count(*) FROM submissions") == before,
	   "the counter row missing: the batch fails, naming it, and stores nothing");
	ok(exec1(db, "INSERT INTO counters(name, value) VALUES('reference', 41)") == 0 &&
	   store_insert(s, &it, 1) == 0 && it.rc == 0 && it.number == 42 &&
	   !strcmp(it.reference + 8, "-000042") &&
	   q1(db, "SELECT value FROM counters WHERE name = 'reference'") == 42,
	   "put back at 41: the next reference is number 42, and the counter says so");
}

/* What the writer's connection committed through its WAL buffer is in the
 * file: another connection (the default VFS, its own file handles) reads
 * every row and every byte, before and after a checkpoint. Attachments of
 * 100 KB and 300 KB are larger than the buffer (64 KiB); many small ones
 * fill it. */
static void test_wal_buffer(struct store *s, const char *db)
{
	static unsigned char big[300 * 1024];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 7 + i / 4096);
	struct sub_field f = { "vorname", "Vorname", "Anna", "" };
	struct submission sub[3];
	struct sub_file file[3];
	size_t sizes[3] = { 1000, 100 * 1024, sizeof big };
	for (int k = 0; k < 3; k++) {
		file[k] = (struct sub_file){ "nachweis", "Nachweis", "nachweis-1.pdf",
			"application/pdf", big, sizes[k], 0, 0 };
		sub[k] = (struct submission){ .city = "dorsten", .service = "hundeanmeldung",
			.city_name = "Dorsten", .service_title = "Hund anmelden",
			.recipient = "steueramt@dorsten.example", .office_name = "Steueramt",
			.applicant_email = "", .fields = &f, .n_fields = 1, .files = &file[k],
			.n_files = 1 };
	}
	long long before = q1(db, "SELECT count(*) FROM attachments");
	bool all = true;
	long long want = 0;
	/* the last batch (20 x 300 KB) outgrows the 1 MiB page cache: pages
	 * spill into the WAL before the commit and are written there again */
	for (int batch = 0; batch < 13; batch++) {
		struct store_item it[20];
		size_t n = batch % 3 == 0 || batch == 12 ? 20 : 3;
		for (size_t i = 0; i < n; i++) {
			int k = batch == 12 ? 2 : batch % 3 == 0 ? 0 : (int)i;
			it[i] = (struct store_item){ .sub = &sub[k], .ref_prefix = "DOR" };
			want += (long long)sizes[k];
		}
		all &= store_insert(s, it, n) == 0;
		for (size_t i = 0; i < n; i++)
			all &= it[i].rc == 0;
	}
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT sum(length(data)) FROM attachments WHERE id > %lld",
		 before);
	ok(all && q1(db, sql) == want,
	   "13 batches: another connection reads all %lld bytes", want);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM attachments WHERE id > %lld AND"
		 " length(data) = %zu AND data = (SELECT data FROM attachments WHERE id > %lld"
		 " AND length(data) = %zu LIMIT 1)", before, sizeof big, before, sizeof big);
	ok(q1(db, sql) == 28, "the 300 KB attachments read back the same");
	ok(q1(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") == 1,
	   "integrity_check: ok");
	store_close(s);             /* the last connection: all checkpointed */
	ok(access(db, F_OK) == 0 && q1(db, sql) == 28 &&
	   q1(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") == 1,
	   "and again once the WAL is checkpointed into the database file");
}

int main(void)
{
	char db[256], uri[300], err[256];
	const char *tmp = tap_tmpdir("relay_store_sqlite");
	if (!tmp)
		return 2;
	if (snprintf(db, sizeof db, "%s/sqlite.db", tmp) >= (int)sizeof db ||
	    snprintf(uri, sizeof uri, "sqlite:%s", db) >= (int)sizeof uri)
		return 2;
	struct store *s = store_open(uri, err, sizeof err);
	ok(s != NULL, "store_open(\"sqlite:PATH\") creates the file");
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	ok(access(db, F_OK) == 0, "the file is PATH, without the scheme");
	ok(q1(db, "PRAGMA user_version") == STORE_SCHEMA_VERSION && STORE_SCHEMA_VERSION == 11,
	   "schema migrated to user_version 11");
	ok(q1(db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode='wal'") == 1,
	   "journal_mode is WAL");
	test_check_lists(db);
	test_purge_leaves_nothing(s, db);
	test_counter_missing(s, db);
	test_wal_buffer(s, db);     /* closes s */

	sqlite3 *h;
	if (sqlite3_open(db, &h) == SQLITE_OK) {
		sqlite3_exec(h, "PRAGMA user_version=12", NULL, NULL, NULL);
		sqlite3_close(h);
	}
	s = store_open(db, err, sizeof err);
	ok(!s && strstr(err, "newer"), "a database from a newer relayd is refused");
	store_close(s);
	s = store_open_readonly(db, err, sizeof err);
	ok(!s && strstr(err, "schema version 12"), "also by a reader");
	store_close(s);
	return tap_exit();
}
