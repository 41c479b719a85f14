/* thread.h - the messages between citizen and office (issue 11, point 3)
 * as relayd shows and takes them: on the citizen's application page
 * (/antrag/<token>, receive/http.c) and on the clerk's detail page
 * (/amt/antrag/<id>, inbox/detail.c). The store keeps them (store.h's
 * store_message_add, store_messages); this is what both pages share: the
 * thread as a reader sees it, the check of a new text, the JSON for the
 * poll script.
 *
 * CSRF on the citizen's form: the path's token is already a secret no
 * other site knows (144 bits), and the form carries a second one as a
 * double submit, the page's one token of citizen_csrf.h (the cookie
 * antrag_csrf, shared with the upload form and the Postfach). */
#ifndef THREAD_H
#define THREAD_H
#include <stdbool.h>
#include <microhttpd.h>
#include "config/config.h"
#include "render/render_form.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"

/* A post's body: 5,000 characters of up to 4 bytes, each %XX-escaped,
 * and the other fields. */
#define THREAD_BODY_MAX ((size_t)64 << 10)

/* The thread of sub as one side reads it (clerk: the clerk's page), into
 * t->messages, t->n_messages and t->last_id; only messages after after_id.
 * Authors: the citizen's own "Sie" and the office by its name; on the
 * clerk's page "Antragstellende Person" and the clerk by name and office.
 * 0 ok, -1 store error. */
int thread_load(struct store *s, struct arena *a, const struct submission *sub,
		bool clerk, long long after_id, struct app_thread *t);
/* The same thread after after_id as JSON for thread.js:
 * {"messages":[{"id","author","when","kind","own","body"}...]}. */
int thread_json(struct store *s, struct arena *a, const struct submission *sub,
		bool clerk, long long after_id, struct buf *out);
/* A text as posted (NULL: absent or not UTF-8): line ends made "\n",
 * control characters dropped, blank lines around it trimmed, into *text
 * (in a). Returns NULL when it can be stored, else the German error for
 * the field ("Geben Sie Ihre Nachricht ein"); *text is then what to show
 * in the field again. */
const char *thread_check(struct arena *a, const char *raw, const char **text);

#endif
