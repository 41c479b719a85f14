/* pg_insert.c - the PostgreSQL backend's group-commit insert: a batch of
 * submissions in one transaction. See store.h.
 *
 * Each round trip to the server, not the one fsync of the COMMIT, bounds a
 * batch's time. So a batch is first sent as one pipeline (libpq 14+):
 * BEGIN, a statement per submission and one per attachment, COMMIT, and
 * only then are the answers read - one round trip for the batch. Only when
 * something in it fails is it rolled back and done again, a statement at a
 * time with a SAVEPOINT per item (and per reference drawn), so that a bad
 * item is rolled back alone and a reference collision is drawn again.
 * The connection stays blocking in the pipeline: the server's answers, a
 * few bytes a statement, cannot fill its socket while we are still
 * sending, so neither side waits for the other. */
#include "pg_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "token.h"
#include <time.h>
#include "util/buf.h"
#include "util/random.h"

/* The submission row, its office job (unless held for the payment, $16)
 * and receipt job ($13), its pending payment (when $19, the cents, is
 * above 0: reference $21, deliver $20) and its events ('received', then
 * 'payment') in one statement: one round trip per submission. $11 is
 * now; $17 and $18 the citizen's login (subject, identity). */
static const char ins_sql[] =
	"WITH s AS (INSERT INTO submissions(reference, token, city, service,"
	" city_name, service_title, recipient, office_name, applicant_email,"
	" received_at, received_unix, fields, token_hash, office, subject, identity)"
	" VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$14,$15,$17,$18) RETURNING id),"
	" j AS (INSERT INTO outbox(submission_id, kind, next_attempt, created_unix)"
	" SELECT s.id, k.kind, $11, $11 FROM s, unnest(ARRAY['office','receipt'])"
	" WITH ORDINALITY AS k(kind, n) WHERE (k.kind = 'office' AND NOT $16::boolean)"
	" OR (k.kind = 'receipt' AND $13::boolean) ORDER BY k.n),"
	" p AS (INSERT INTO payments(submission_id, reference, amount_cents, deliver,"
	" created_unix, updated_unix) SELECT s.id, $21, $19::bigint, $20, $11, $11"
	" FROM s WHERE $19::bigint > 0),"
	" e AS (INSERT INTO events(submission_id, at_unix, kind, detail)"
	" SELECT s.id, $11, k.kind, k.detail FROM s, (VALUES (1, 'received', $1::text),"
	" (2, 'payment', 'ausstehend ' || $19::bigint)) AS k(n, kind, detail)"
	" WHERE k.n = 1 OR $19::bigint > 0 ORDER BY k.n)"
	" SELECT id FROM s";

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Runs sql, keeping the SQLSTATE of a failure in state (6 bytes). */
static int exec_state(struct pg_store *s, PGconn *c, const char *what,
		      const char *sql, const struct pgp *p, long long *id,
		      char state[6])
{
	state[0] = '\0';
	PGresult *r = PQexecParams(c, sql, p->n, p->type, p->v, p->len, p->fmt, 0);
	ExecStatusType st = PQresultStatus(r);
	int rc = -1;
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		if (id && PQntuples(r) == 1)
			*id = pg_ll(r, 0, 0);
		rc = 0;
	} else {
		const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		snprintf(state, 6, "%s", code ? code : "");
		pg_fail(s, what, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
	}
	PQclear(r);
	return rc;
}

/* The parameters of ins_sql for one item, with a new reference, token
 * and payment reference drawn. p keeps pointers into it, json, h (the
 * token's key) and itself (its numbers): use it where it was filled. */
static int row_params(struct pg_store *s, struct store_item *it, const char *json,
		      long long now, int year, unsigned char h[TOKEN_KEY_MAX],
		      struct pgp *p)
{
	const struct submission *sub = it->sub;
	bool receipt = it->receipt && sub->applicant_email && sub->applicant_email[0];
	if (store_new_ids(NULL, it->ref_prefix, year, it->number, it->reference,
			  it->token) < 0) {
		pg_fail(s, "insert", "cannot make a reference");
		return -1;
	}
	p->n = 0;
	pgp_text(p, it->reference);
	pgp_text(p, it->token);
	pgp_text(p, nz(sub->city));
	pgp_text(p, nz(sub->service));
	pgp_text(p, nz(sub->city_name));
	pgp_text(p, nz(sub->service_title));
	pgp_text(p, nz(sub->recipient));
	pgp_text(p, nz(sub->office_name));
	pgp_text(p, nz(sub->applicant_email));
	pgp_text(p, it->received_at);
	pgp_int(p, now);
	pgp_text(p, json);
	pgp_text(p, receipt ? "true" : "false");
	pgp_bin(p, h, token_key(it->token, h));
	pgp_text(p, nz(sub->office));
	pgp_text(p, it->hold_office ? "true" : "false");
	pgp_text(p, nz(sub->subject));
	pgp_text(p, nz(sub->identity));
	if (it->pay_amount > 0)     /* drawn anew with the reference */
		random_token(it->pay_reference, STORE_PAY_REF_LEN);
	pgp_int(p, it->pay_amount > 0 ? it->pay_amount : 0);
	pgp_text(p, it->pay_amount > 0 ? it->pay_deliver : "after_payment");
	pgp_text(p, it->pay_reference);
	return 0;
}

/* The next n reference numbers into items[0..n) (schema version 10). */
static int take_numbers(struct pg_store *s, PGconn *c, struct store_item *items, size_t n)
{
	struct pgp p = { 0 };
	pgp_int(&p, (long long)n);
	PGresult *r = pg_q(s, c, "reference number", "SELECT nextval('reference_number')"
			   " FROM generate_series(1, $1::int)", &p, false);
	int rc = r && PQntuples(r) == (int)n ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		items[i].number = pg_ll(r, (int)i, 0);
	if (r && rc < 0)
		pg_fail(s, "reference number", "too few numbers");
	PQclear(r);
	return rc;
}

/* Inserts the row and its jobs and event, each try inside its own
 * savepoint, with a new number on a UNIQUE collision (23505): a reference
 * of the random kind from before version 10 may hold it. The first try
 * keeps the number the pipeline took, whose batch was rolled back. */
static int insert_row(struct pg_store *s, PGconn *c, struct store_item *it,
		      const char *json, long long now, int year)
{
	for (int tries = 0; tries < 8; tries++) {
		if ((tries > 0 || it->number <= 0) && take_numbers(s, c, it, 1) < 0)
			return -1;
		struct pgp p;
		unsigned char h[TOKEN_KEY_MAX];
		if (row_params(s, it, json, now, year, h, &p) < 0)
			return -1;
		char state[6];
		if (pg_do(s, c, "insert", "SAVEPOINT try", NULL) < 0)
			return -1;
		if (exec_state(s, c, "insert submission", ins_sql, &p, &it->id,
			       state) == 0)
			return pg_do(s, c, "insert", "RELEASE try", NULL);
		if (pg_do(s, c, "insert", "ROLLBACK TO try", NULL) < 0 ||
		    strcmp(state, "23505") != 0)
			return -1;
		/* the number is taken (or, astronomically unlikely, the token) */
	}
	pg_fail(s, "insert", "no free reference after 8 numbers");
	return -1;
}

static const char att_sql[] = "INSERT INTO attachments(submission_id, seq, field,"
	" label, filename, mime, data) VALUES($7,$1,$2,$3,$4,$5,$6)";
/* In a pipeline the row's id is not known when its attachments are sent:
 * they take it from the sequence the row's INSERT has just advanced in
 * this session. */
static const char att_sql_piped[] = "INSERT INTO attachments(submission_id, seq,"
	" field, label, filename, mime, data) VALUES(currval(pg_get_serial_sequence("
	"'submissions', 'id')),$1,$2,$3,$4,$5,$6)";

/* The parameters of an attachment but its submission's id. */
static void file_params(const struct sub_file *f, size_t seq, struct pgp *p)
{
	p->n = 0;
	pgp_int(p, (long long)seq);
	pgp_text(p, nz(f->field));
	pgp_text(p, nz(f->label));
	pgp_text(p, nz(f->filename));
	pgp_text(p, nz(f->mime));
	pgp_bin(p, f->data, f->len);
}

static int insert_files(struct pg_store *s, PGconn *c, const struct store_item *it)
{
	const struct submission *sub = it->sub;
	for (size_t i = 0; i < sub->n_files; i++) {
		struct pgp p;
		file_params(&sub->files[i], i, &p);
		pgp_int(&p, it->id);
		if (pg_do(s, c, "insert attachment", att_sql, &p) < 0)
			return -1;
	}
	return 0;
}

static int insert_one(struct pg_store *s, PGconn *c, struct store_item *it,
		      struct buf *json, long long now, int year)
{
	buf_reset(json);
	if (store_fields_json(it->sub, json) < 0) {
		pg_fail(s, "insert", "fields too large");
		return -1;
	}
	return insert_row(s, c, it, json->data, now, year) < 0 ||
	       insert_files(s, c, it) < 0 ? -1 : 0;
}

/* ---- the fast path: the batch as one pipeline ---- */

enum { PIPE_OK = 0, PIPE_ITEM_FAILED = 1, PIPE_FAILED = -1 };
/* what a statement sent was: >= 0 the row of that item */
enum { ROLE_BEGIN = -1, ROLE_PREPARE = -2, ROLE_FILE = -3, ROLE_COMMIT = -4 };

struct pipe {
	int *role;                  /* per statement sent */
	size_t sent, cap;
};

/* Sends sql; with name, the statement prepared under that name, or for
 * ROLE_PREPARE prepares sql under it (with p's parameter types). */
static bool pipe_send(struct pg_store *s, PGconn *c, struct pipe *pp, int role,
		      const char *sql, const char *name, const struct pgp *p)
{
	int sent = pp->sent >= pp->cap ? 0 :
		name && role == ROLE_PREPARE ? PQsendPrepare(c, name, sql, p->n, p->type) :
		name ? PQsendQueryPrepared(c, name, p->n, p->v, p->len, p->fmt, 0) :
		PQsendQueryParams(c, sql, p ? p->n : 0, p ? p->type : NULL,
				  p ? p->v : NULL, p ? p->len : NULL, p ? p->fmt : NULL, 0);
	if (sent != 1) {
		pg_fail(s, "insert", PQerrorMessage(c));
		return false;
	}
	pp->role[pp->sent++] = role;
	return true;
}

/* BEGIN, each item's row and attachments, COMMIT; stops at the first
 * statement that cannot be sent (then no COMMIT is sent). */
static void pipe_send_batch(struct pg_store *s, PGconn *c, struct pipe *pp,
			    struct store_item *items, size_t n, struct buf *json,
			    long long now, int year)
{
	struct pgp p;
	unsigned char h[TOKEN_KEY_MAX];
	const char *named = n > 1 ? "relay_insert" : NULL;
	if (!pipe_send(s, c, pp, ROLE_BEGIN, "BEGIN", NULL, NULL))
		return;
	for (size_t i = 0; i < n; i++) {
		struct store_item *it = &items[i];
		buf_reset(json);
		if (store_fields_json(it->sub, json) < 0 ||
		    row_params(s, it, json->data, now, year, h, &p) < 0)
			return;
		/* the row's statement is parsed and planned once per batch, not
		 * once per submission: prepared with the first row's types,
		 * dropped again before the COMMIT */
		if (i == 0 && named && !pipe_send(s, c, pp, ROLE_PREPARE, ins_sql, named, &p))
			return;
		if (!pipe_send(s, c, pp, (int)i, ins_sql, named, &p))
			return;
		for (size_t k = 0; k < it->sub->n_files; k++) {
			file_params(&it->sub->files[k], k, &p);
			if (!pipe_send(s, c, pp, ROLE_FILE, att_sql_piped, NULL, &p))
				return;
		}
	}
	if (n > 1 && !pipe_send(s, c, pp, ROLE_PREPARE, "DEALLOCATE relay_insert", NULL, NULL))
		return;
	pipe_send(s, c, pp, ROLE_COMMIT, "COMMIT", NULL, NULL);
}

/* Reads the answers in the order sent: each row's id, and whether the
 * COMMIT was answered "COMMIT". A statement before the COMMIT that the
 * server refused (a reference taken, a constraint) makes the batch
 * PIPE_ITEM_FAILED: the server skipped the rest, COMMIT included, so
 * nothing was committed. Anything else that goes wrong (a lost
 * connection, a COMMIT without its answer) is PIPE_FAILED: whether the
 * COMMIT happened is not known, so the batch must not be tried again. */
static int pipe_read(struct pg_store *s, PGconn *c, struct pipe *pp,
		     struct store_item *items)
{
	bool committed = false, refused = false, lost = false;
	for (size_t k = 0; k < pp->sent; k++) {
		PGresult *r = PQgetResult(c);
		ExecStatusType st = PQresultStatus(r);
		int role = pp->role[k];
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			if (role >= 0 && PQntuples(r) == 1)
				items[role].id = pg_ll(r, 0, 0);
			if (role == ROLE_COMMIT)
				committed = !strcmp(PQcmdStatus(r), "COMMIT");
		} else if (st == PGRES_FATAL_ERROR && r && role != ROLE_COMMIT) {
			if (!refused)
				pg_fail(s, "insert", PQresultErrorMessage(r));
			refused = true;
		} else if (st != PGRES_PIPELINE_ABORTED || !refused) {
			if (!refused && !lost)
				pg_fail(s, "insert", r ? PQresultErrorMessage(r) :
					PQerrorMessage(c));
			lost = true;
		}
		PQclear(r);
		while (r && (r = PQgetResult(c)) != NULL)   /* the statement's end */
			PQclear(r);
	}
	PGresult *r = PQgetResult(c);
	if (PQresultStatus(r) != PGRES_PIPELINE_SYNC)
		lost = true;
	PQclear(r);
	if (committed && !refused && !lost)
		return PIPE_OK;
	if (lost || committed)
		return PIPE_FAILED;
	return PIPE_ITEM_FAILED;
}

static int insert_piped(struct pg_store *s, PGconn *c, struct store_item *items,
			size_t n, struct buf *json, long long now, int year)
{
	struct pipe pp = { .cap = 4 + n };
	for (size_t i = 0; i < n; i++)
		pp.cap += items[i].sub->n_files;
	if (take_numbers(s, c, items, n) < 0)
		return PIPE_ITEM_FAILED;    /* nothing was sent */
	pp.role = calloc(pp.cap, sizeof *pp.role);
	if (!pp.role || PQenterPipelineMode(c) != 1) {
		free(pp.role);
		pg_fail(s, "insert", "cannot start a pipeline");
		return PIPE_ITEM_FAILED;    /* nothing was sent */
	}
	pipe_send_batch(s, c, &pp, items, n, json, now, year);
	int rc = PIPE_FAILED;
	/* an item that could not be sent leaves the batch without its COMMIT:
	 * pipe_read finds nothing committed and the items are tried alone */
	if (PQpipelineSync(c) == 1)
		rc = pipe_read(s, c, &pp, items);
	if (PQexitPipelineMode(c) != 1) {
		/* answers left unread: this connection cannot be used again */
		PQreset(c);
		if (rc == PIPE_ITEM_FAILED)
			rc = PIPE_FAILED;
	}
	free(pp.role);
	return rc;
}

/* One SAVEPOINT per item, so a bad item is rolled back alone. -1 when the
 * transaction itself broke (then nothing may be committed). */
static int insert_all(struct pg_store *s, PGconn *c, struct store_item *items,
		      size_t n, struct buf *json, long long now, int year)
{
	for (size_t i = 0; i < n; i++) {
		struct store_item *it = &items[i];
		if (pg_do(s, c, "insert", "SAVEPOINT item", NULL) < 0)
			return -1;
		if (insert_one(s, c, it, json, now, year) == 0) {
			it->rc = 0;
			if (pg_do(s, c, "insert", "RELEASE item", NULL) < 0)
				return -1;
			continue;
		}
		char keep[sizeof s->base.err];
		pthread_mutex_lock(&s->mu);
		memcpy(keep, s->base.err, sizeof keep);
		pthread_mutex_unlock(&s->mu);
		fprintf(stderr, "relayd: level=error event=store_item_failed "
			"error=\"%s\"\n", keep);
		bool undone = pg_do(s, c, "insert", "ROLLBACK TO item", NULL) == 0 &&
			      pg_do(s, c, "insert", "RELEASE item", NULL) == 0;
		pthread_mutex_lock(&s->mu);
		memcpy(s->base.err, keep, sizeof keep);
		pthread_mutex_unlock(&s->mu);
		if (!undone)
			return -1;
	}
	return 0;
}

int pg_insert(struct store *base, struct store_item *items, size_t n)
{
	struct pg_store *s = pgs(base);
	int year;
	time_t now = store_items_begin(items, n, &year);
	struct buf json;
	buf_init(&json, (size_t)16 << 20);
	int ret = -1;
	PGconn *c = pg_get(s);
	int piped = c ? insert_piped(s, c, items, n, &json, (long long)now, year) :
		PIPE_FAILED;
	if (piped == PIPE_OK) {
		for (size_t i = 0; i < n; i++)
			items[i].rc = 0;
		ret = 0;
	}
	if (c && PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
	/* a batch that broke off before its DEALLOCATE leaves the statement
	 * prepared, and the next batch's PREPARE would fail on the name */
	if (c && piped != PIPE_OK && PQstatus(c) == CONNECTION_OK)
		PQclear(PQexec(c, "DEALLOCATE ALL"));
	if (c)
		pg_put(s, c);
	if (piped == PIPE_ITEM_FAILED) {
		/* something was refused: none of it stays, then item by item */
		c = pg_tx_begin(s);
		if (c)
			ret = pg_tx_end(s, c, insert_all(s, c, items, n, &json,
							  (long long)now, year) == 0);
	}
	if (ret < 0)
		for (size_t i = 0; i < n; i++)
			items[i].rc = -1;
	buf_free(&json);
	return ret;
}
