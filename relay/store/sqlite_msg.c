/* sqlite_msg.c - the messages of the SQLite backend (store.h, schema
 * version 5): a message, its event and the notice job in one transaction. */
#include "sqlite_int.h"
#include <string.h>

/* Whether the submission exists (1), and whether it has an applicant
 * address; 0 none, -1 error. */
static int submission_of(struct sq_store *s, long long id, bool *has_email)
{
	sqlite3_stmt *q = sq_prep(s, "SELECT applicant_email <> '' FROM submissions"
				  " WHERE id = ?");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q), found = 0;
	if (rc == SQLITE_ROW) {
		*has_email = sqlite3_column_int(q, 0) != 0;
		found = 1;
	} else if (rc != SQLITE_DONE) {
		sq_fail(s, "message: submission");
		found = -1;
	}
	sqlite3_finalize(q);
	return found;
}

static int insert_message(struct sq_store *s, long long sub_id,
			  const struct store_message *m, long long *id)
{
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO messages(submission_id, at_unix,"
				  " author, actor, kind, body) VALUES(?, ?, ?, ?, ?, ?)");
	if (q) {
		sqlite3_bind_int64(q, 1, sub_id);
		sqlite3_bind_int64(q, 2, m->at_unix);
		sqlite3_bind_text(q, 3, m->author, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, m->actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, m->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, m->body, -1, SQLITE_STATIC);
	}
	if (sq_step_done(s, q, "message") < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int insert_event(struct sq_store *s, long long sub_id,
			const struct store_message *m)
{
	bool question = !strcmp(m->kind, "rueckfrage");
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO events(submission_id, job_id, at_unix,"
				  " kind, detail, actor) VALUES(?, NULL, ?, ?, ?, ?)");
	if (q) {
		sqlite3_bind_int64(q, 1, sub_id);
		sqlite3_bind_int64(q, 2, m->at_unix);
		sqlite3_bind_text(q, 3, question ? "rueckfrage" : "message", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(q, 4, question ? "" : m->author, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, m->actor, -1, SQLITE_STATIC);
	}
	return sq_step_done(s, q, "message event");
}

static int insert_notice(struct sq_store *s, long long sub_id, const char *kind,
			 long long msg_id, long long now)
{
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO outbox(submission_id, kind, ref_id,"
				  " next_attempt, created_unix) VALUES(?, ?, ?, ?, ?)");
	if (q) {
		sqlite3_bind_int64(q, 1, sub_id);
		sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, msg_id);
		sqlite3_bind_int64(q, 4, now);
		sqlite3_bind_int64(q, 5, now);
	}
	return sq_step_done(s, q, "message notice");
}

int sq_message_add(struct store *base, long long submission_id,
		   const struct store_message *m, long long *id)
{
	struct sq_store *s = sq(base);
	if (sq_tx_begin(s) < 0)
		return -1;
	bool has_email = false, citizen = !strcmp(m->author, "citizen");
	int found = submission_of(s, submission_id, &has_email);
	bool ok = found == 1 && insert_message(s, submission_id, m, id) == 0 &&
		  insert_event(s, submission_id, m) == 0;
	if (ok && (citizen || has_email))
		ok = insert_notice(s, submission_id, citizen ? "notice_office" :
				   "notice_citizen", *id, m->at_unix) == 0;
	if (sq_tx_end(s, ok) < 0) {
		*id = 0;
		return found == 0 ? 1 : -1;
	}
	return 0;
}

int sq_messages(struct store *base, struct arena *a, long long submission_id,
		long long after_id, struct store_message **out, size_t *n)
{
	struct sq_store *s = sq(base);
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *q = sq_prep(s, "SELECT id, at_unix, author, actor, kind, body"
				  " FROM messages WHERE submission_id = ? AND id > ?"
				  " ORDER BY id LIMIT ?");
	int rc = SQLITE_ERROR;
	size_t cap = 0;
	if (q) {
		sqlite3_bind_int64(q, 1, submission_id);
		sqlite3_bind_int64(q, 2, after_id);
		sqlite3_bind_int(q, 3, STORE_MESSAGES_MAX);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			*out = arena_grow(a, *out, *n, &cap, sizeof **out, 8);
			(*out)[(*n)++] = (struct store_message){
				.id = sqlite3_column_int64(q, 0),
				.at_unix = sqlite3_column_int64(q, 1),
				.author = sq_col_str(a, q, 2), .actor = sq_col_str(a, q, 3),
				.kind = sq_col_str(a, q, 4), .body = sq_col_str(a, q, 5),
			};
		}
		if (rc != SQLITE_DONE)
			sq_fail(s, "messages");
		sqlite3_finalize(q);
	}
	pthread_mutex_unlock(&s->mu);
	if (rc != SQLITE_DONE) {
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}
