/* thread.h - the messages between citizen and office (issue 11, point 3)
 * as relayd shows and takes them: on the citizen's application page
 * (/antrag/<token>, receive/http.c) and on the clerk's detail page
 * (/amt/antrag/<id>, inbox/detail.c). The store keeps them (store.h's
 * store_message_add, store_messages); this is what both pages share: the
 * thread as a reader sees it, the check of a new text, the JSON for the
 * poll script, and the citizen form's CSRF token.
 *
 * CSRF on the citizen's form: the path's token is already a secret no
 * other site knows (144 bits), and the form carries a second one as a
 * double submit: a random token in a cookie (THREAD_COOKIE: Path=/antrag/,
 * HttpOnly, SameSite=Lax, Secure unless a loopback test relay) and the
 * same in a hidden field; a post whose field does not equal its cookie
 * gets 403. Lax, not Strict: the page is mostly opened from a link in a
 * mail, a navigation from another site, on which a Strict cookie would not
 * come along and a second tab would replace the first tab's token. The
 * cookie guards nothing by itself; another site can neither read it nor
 * post with it (Lax sends it on no cross-site POST). */
#ifndef THREAD_H
#define THREAD_H
#include <stdbool.h>
#include <microhttpd.h>
#include "config/config.h"
#include "render/render_form.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"

#define THREAD_COOKIE "antrag_formular"
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

/* The citizen form's token: the browser's THREAD_COOKIE when it has one of
 * the right shape (several tabs keep working), else a new one, and then
 * *set_cookie is the Set-Cookie value to send (else NULL). */
const char *thread_csrf(struct arena *a, const struct relay_config *cfg,
			struct MHD_Connection *c, const char **set_cookie);
/* Whether the posted field equals the cookie, in constant time. */
bool thread_csrf_ok(struct MHD_Connection *c, const char *field);
#endif
