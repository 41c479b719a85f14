/* thread.c - see thread.h. */
#include "thread.h"
#include <stdio.h>
#include <string.h>
#include "store/token.h"
#include "util/datetime.h"
#include "util/random.h"
#include "util/utf8.h"


static const char *author_of(struct arena *a, const struct submission *sub,
			     const struct store_message *m, bool clerk)
{
	bool citizen = !strcmp(m->author, "citizen");
	if (!clerk)
		return citizen ? "Sie" : sub->office_name;
	if (citizen)
		return "Antragstellende Person";
	return arena_printf(a, "%s (%s)", m->actor, sub->office_name);
}

int thread_load(struct store *s, struct arena *a, const struct submission *sub,
		bool clerk, long long after_id, struct app_thread *t)
{
	struct store_message *m = NULL;
	size_t n = 0;
	if (store_messages(s, a, sub->id, after_id, &m, &n) < 0)
		return -1;
	struct app_message *v = arena_alloc(a, (n + 1) * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		char when[64];
		if (de_date_time(when, sizeof when, (time_t)m[i].at_unix) < 0)
			when[0] = '\0';
		bool citizen = !strcmp(m[i].author, "citizen");
		v[i] = (struct app_message){
			.id = m[i].id, .author = author_of(a, sub, &m[i], clerk),
			.when = arena_strdup(a, when),
			.kind_label = !strcmp(m[i].kind, "rueckfrage") ? "Rückfrage" : NULL,
			.body = m[i].body, .own = clerk ? !citizen : citizen,
		};
	}
	t->messages = v;
	t->n_messages = n;
	t->last_id = n ? m[n - 1].id : after_id;
	return 0;
}

int thread_json(struct store *s, struct arena *a, const struct submission *sub,
		bool clerk, long long after_id, struct buf *out)
{
	struct app_thread t = { 0 };
	if (thread_load(s, a, sub, clerk, after_id, &t) < 0)
		return -1;
	buf_puts(out, "{\"messages\":[");
	for (size_t i = 0; i < t.n_messages; i++) {
		const struct app_message *m = &t.messages[i];
		const char *kind = m->kind_label ? m->kind_label : "";
		buf_printf(out, "%s{\"id\":%lld,\"author\":\"", i ? "," : "", m->id);
		buf_put_json(out, m->author, strlen(m->author));
		buf_puts(out, "\",\"when\":\"");
		buf_put_json(out, m->when, strlen(m->when));
		buf_puts(out, "\",\"kind\":\"");
		buf_put_json(out, kind, strlen(kind));
		buf_printf(out, "\",\"own\":%s,\"body\":\"", m->own ? "true" : "false");
		buf_put_json(out, m->body, strlen(m->body));
		buf_puts(out, "\"}");
	}
	buf_puts(out, "]}");
	return buf_failed(out) ? -1 : 0;
}

/* Line ends as "\n", no other control character but the tab. */
static char *normalised(struct arena *a, const char *raw)
{
	size_t n = strlen(raw), k = 0;
	char *out = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)raw[i];
		if (ch == '\r') {
			out[k++] = '\n';
			if (raw[i + 1] == '\n')
				i++;
		} else if (ch >= 0x20 && ch != 0x7F) {
			out[k++] = (char)ch;
		} else if (ch == '\n' || ch == '\t') {
			out[k++] = (char)ch;
		}
	}
	out[k] = '\0';
	return out;
}

const char *thread_check(struct arena *a, const char *raw, const char **text)
{
	char *t = normalised(a, raw ? raw : "");
	*text = t;
	const char *start = t + strspn(t, " \t\n");
	size_t len = strlen(start);
	while (len && strchr(" \t\n", start[len - 1]))
		len--;
	if (len == 0)
		return "Geben Sie Ihre Nachricht ein";
	size_t chars = utf8_chars(start, len);
	if (chars > STORE_MESSAGE_MAX)
		return arena_printf(a, "Ihre Nachricht darf höchstens 5.000 Zeichen lang "
				    "sein; sie hat %zu Zeichen. Kürzen Sie sie oder teilen "
				    "Sie sie auf mehrere Nachrichten auf", chars);
	*text = arena_strndup(a, start, len);
	return NULL;
}

