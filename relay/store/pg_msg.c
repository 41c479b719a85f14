/* pg_msg.c - the messages of the PostgreSQL backend (store.h, schema
 * version 5). A message, its event and the notice job are one statement:
 * PostgreSQL runs a statement with its data-modifying WITH parts as one
 * transaction, so all three are committed together or not at all. */
#include "pg_int.h"
#include <string.h>

int pg_message_add(struct store *base, long long submission_id,
		   const struct store_message *m, long long *id)
{
	struct pg_store *s = pgs(base);
	bool question = !strcmp(m->kind, "rueckfrage");
	bool citizen = !strcmp(m->author, "citizen");
	struct pgp p = { .n = 0 };
	pgp_int(&p, submission_id);                 /* $1 */
	pgp_int(&p, m->at_unix);                    /* $2 */
	pgp_text(&p, m->author);                    /* $3 */
	pgp_text(&p, m->actor);                     /* $4 */
	pgp_text(&p, m->kind);                      /* $5 */
	pgp_text(&p, m->body);                      /* $6 */
	pgp_text(&p, question ? "rueckfrage" : "message");     /* $7 event */
	pgp_text(&p, question ? "" : m->author);    /* $8 its detail */
	pgp_text(&p, citizen ? "notice_office" : "notice_citizen");   /* $9 */
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	PGresult *r = pg_q(s, c, "message", "WITH s AS (SELECT id,"
		" applicant_email <> '' AS mail FROM submissions WHERE id = $1),"
		" m AS (INSERT INTO messages(submission_id, at_unix, author, actor, kind,"
		" body) SELECT id, $2, $3, $4, $5, $6 FROM s RETURNING id),"
		" e AS (INSERT INTO events(submission_id, at_unix, kind, detail, actor)"
		" SELECT id, $2, $7, $8, $4 FROM s),"
		" o AS (INSERT INTO outbox(submission_id, kind, ref_id, next_attempt,"
		" created_unix) SELECT s.id, $9, m.id, $2, $2 FROM s, m"
		" WHERE $9 = 'notice_office' OR s.mail)"
		" SELECT id FROM m", &p, false);
	pg_put(s, c);
	if (!r)
		return -1;
	int rows = PQntuples(r);
	*id = rows == 1 ? pg_ll(r, 0, 0) : 0;
	PQclear(r);
	return rows == 1 ? 0 : 1;
}

int pg_messages(struct store *base, struct arena *a, long long submission_id,
		long long after_id, struct store_message **out, size_t *n)
{
	struct pg_store *s = pgs(base);
	struct pgp p = { .n = 0 };
	pgp_int(&p, submission_id);
	pgp_int(&p, after_id);
	pgp_int(&p, STORE_MESSAGES_MAX);
	PGconn *c = pg_get(s);
	if (!c)
		return -1;
	PGresult *r = pg_q(s, c, "messages", "SELECT id, at_unix, author, actor, kind,"
			   " body FROM messages WHERE submission_id = $1 AND id > $2"
			   " ORDER BY id LIMIT $3", &p, false);
	pg_put(s, c);
	if (!r)
		return -1;
	int k = PQntuples(r);
	struct store_message *v = arena_alloc(a, (size_t)(k ? k : 1) * sizeof *v);
	for (int i = 0; i < k; i++)
		v[i] = (struct store_message){
			.id = pg_ll(r, i, 0), .at_unix = pg_ll(r, i, 1),
			.author = pg_col_str(a, r, i, 2), .actor = pg_col_str(a, r, i, 3),
			.kind = pg_col_str(a, r, i, 4), .body = pg_col_str(a, r, i, 5),
		};
	PQclear(r);
	*out = k ? v : NULL;
	*n = (size_t)k;
	return 0;
}
