/* relayctl - the relay's admin command.
 *
 *   relayctl --config relay.yml list   --city SLUG [--since DATE] [--until DATE]
 *   relayctl --config relay.yml export --city SLUG --format csv|json
 *                                      [--since DATE] [--until DATE]
 *   relayctl --config relay.yml show   REFERENCE
 *   relayctl --config relay.yml resend REFERENCE
 *   relayctl --config relay.yml purge  --older-than DAYS
 *   relayctl --config relay.yml status
 *   relayctl --config relay.yml user add|passwd|disable|list ...
 *                                      (the clerks' inbox: admin/usercmd.h)
 *
 * DATE is YYYY-MM-DD (a day in German civil time; --until includes that
 * day) or an RFC 3339 UTC time "2026-11-25T20:41:07Z".
 * Exit status: 0 ok, 1 no such submission, 2 usage error, 3 configuration,
 * database or output error.
 *
 * list, export, show and status read through store.h over a read-only
 * connection (store_open_readonly; WAL: readers never disturb relayd). resend and purge write,
 * and relayd must be the database's only writer (SQLite 3.40.1's WAL-reset
 * bug): while relayd runs they are sent to it over its admin socket; only
 * when relayctl can take the lock relayd holds while running does it write
 * itself (admin/admin.h). Exports name the attachments (field, file name,
 * type, size); their bytes are in the office mail and in the database. */
#include "admin/admin.h"
#include "admin/usercmd.h"
#include "config/config.h"
#include "deliver/mailhdr.h"
#include "store/store.h"
#include "util/buf.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_NOTFOUND = 1, EXIT_USAGE = 2, EXIT_ERROR = 3 };

struct opts {
	const char *config, *cmd, *arg;
	const char *city, *since, *until, *format, *older_than;
};

static void usage(FILE *f)
{
	fputs("usage: relayctl --config relay.yml COMMAND\n"
	      "  list   --city SLUG [--since DATE] [--until DATE]\n"
	      "  export --city SLUG --format csv|json [--since DATE] [--until DATE]\n"
	      "  show   REFERENCE          a submission with its delivery events\n"
	      "  resend REFERENCE          queue its mails again\n"
	      "  purge  --older-than DAYS  delete submissions whose delivery ended\n"
	      "                            more than DAYS days ago (pending ones stay)\n"
	      "  status                    counts of the store and the outbox\n"
	      "  user add NAME --office CITY/ROLE [--office ...] | passwd NAME |\n"
	      "       disable NAME | list  the clerks of the inbox (password on stdin)\n"
	      "DATE: YYYY-MM-DD (German civil time; --until includes the day)\n"
	      "      or 2026-11-25T20:41:07Z\n"
	      "exit: 0 ok, 1 not found, 2 usage, 3 config/database/output error\n", f);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fputs("relayctl: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	usage(stderr);
	return EXIT_USAGE;
}

/* ---- dates ---- */

/* 0 ok; -1 malformed. A day means its start (or, for end, the start of the
 * next day) in German civil time. */
static int parse_when(const char *s, bool end, long long *out)
{
	time_t t;
	if (rfc3339_parse(s, &t) == 0) {
		*out = t;
		return 0;
	}
	int y, m, d, used = 0;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
	    used != 10 || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d }, back;
	t = timegm(&tm);
	/* timegm rolls 2026-02-30 over to March: refuse what is not a day */
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d ||
	    back.tm_mon != m - 1)
		return -1;
	if (end)
		t += 86400;
	*out = t - berlin_offset(t - 3600);     /* local midnight */
	return 0;
}

static const char *utc_text(long long t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return "";
	return buf;
}

static const char *status_word(const struct store_status *st)
{
	if (st->delivered_unix)
		return "delivered";
	if (st->failed_unix)
		return "failed";
	return st->attempts > 0 ? "retrying" : "queued";
}

/* Citizens' text on an admin's terminal: control characters (escape
 * sequences above all) become '?'; line breaks continue indented. */
static void put_safe(FILE *f, const char *s, const char *indent)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n' || *p == '\r')
			fprintf(f, "\n%s", indent);
		else if (*p < 0x20 || *p == 0x7F)
			fputc('?', f);
		else
			fputc(*p, f);
	}
}

/* ---- list ---- */

struct listing {
	FILE *out;
	long n;
};

static int list_row(void *ctx, const struct submission *sub,
		    const struct store_status *st)
{
	struct listing *l = ctx;
	fprintf(l->out, "%-16s  %-20s  %-9s  %3d  ", sub->reference, sub->received_at,
		status_word(st), st->attempts);
	put_safe(l->out, sub->service, "");
	fputc('\n', l->out);
	l->n++;
	return 0;
}

/* ---- export ---- */

struct column {
	char *name, *label;
};

struct exporter {
	FILE *out;
	bool json;
	struct column *cols;
	size_t n_cols, cap_cols;
	long n;
	struct buf line;
};

static const char *const fixed_cols[] = {
	"reference", "received_at", "city", "service", "service_title",
	"office_name", "applicant_email", "status", "delivered_at", "attempts",
	"last_error",
};
#define N_FIXED (sizeof fixed_cols / sizeof *fixed_cols)

/* Pass 1 of CSV: the union of field names, in order of first appearance. */
static int collect_cols(void *ctx, const struct submission *sub,
			const struct store_status *st)
{
	struct exporter *e = ctx;
	(void)st;
	for (size_t i = 0; i < sub->n_fields; i++) {
		size_t k = 0;
		while (k < e->n_cols && strcmp(e->cols[k].name, sub->fields[i].name))
			k++;
		if (k < e->n_cols)
			continue;
		if (e->n_cols == e->cap_cols) {
			e->cap_cols = e->cap_cols ? e->cap_cols * 2 : 16;
			e->cols = xrealloc(e->cols, e->cap_cols * sizeof *e->cols);
		}
		e->cols[e->n_cols].name = xstrdup(sub->fields[i].name);
		e->cols[e->n_cols].label = xstrdup(sub->fields[i].label);
		e->n_cols++;
	}
	return 0;
}

/* RFC 4180: quoted when needed, quotes doubled. A leading = + - @ would
 * make a spreadsheet evaluate the cell (CSV injection), so it gets a '
 * in front (OWASP). */
static int csv_cell(struct buf *b, const char *s, bool first)
{
	if (!first && buf_putc(b, ',') < 0)
		return -1;
	bool quote = strpbrk(s, ",\"\r\n") != NULL || *s == ' ';
	if (quote && buf_putc(b, '"') < 0)
		return -1;
	if (*s && strchr("=+-@\t", *s) && buf_putc(b, '\'') < 0)
		return -1;
	for (const char *p = s; *p; p++)
		if ((*p == '"' && buf_putc(b, '"') < 0) || buf_putc(b, *p) < 0)
			return -1;
	if (quote && buf_putc(b, '"') < 0)
		return -1;
	return 0;
}

static int flush_line(struct exporter *e)
{
	int ok = fwrite(e->line.data, 1, e->line.len, e->out) == e->line.len;
	buf_reset(&e->line);
	return ok ? 0 : -1;
}

static int csv_header(struct exporter *e)
{
	for (size_t i = 0; i < N_FIXED; i++)
		if (csv_cell(&e->line, fixed_cols[i], i == 0) < 0)
			return -1;
	for (size_t i = 0; i < e->n_cols; i++)
		if (csv_cell(&e->line, e->cols[i].label, false) < 0)
			return -1;
	if (csv_cell(&e->line, "attachments", false) < 0 || buf_puts(&e->line, "\r\n") < 0)
		return -1;
	return flush_line(e);
}

static int csv_row(void *ctx, const struct submission *sub,
		   const struct store_status *st)
{
	struct exporter *e = ctx;
	char delivered[32], attempts[16];
	snprintf(attempts, sizeof attempts, "%d", st->attempts);
	const char *fixed[N_FIXED] = {
		sub->reference, sub->received_at, sub->city, sub->service,
		sub->service_title, sub->office_name, sub->applicant_email,
		status_word(st), utc_text(st->delivered_unix, delivered, sizeof delivered),
		attempts, st->last_error,
	};
	int bad = 0;
	for (size_t i = 0; i < N_FIXED; i++)
		bad |= csv_cell(&e->line, fixed[i] ? fixed[i] : "", i == 0);
	for (size_t c = 0; c < e->n_cols; c++) {
		const char *v = "";
		for (size_t i = 0; i < sub->n_fields; i++)
			if (strcmp(sub->fields[i].name, e->cols[c].name) == 0)
				v = sub->fields[i].value;
		bad |= csv_cell(&e->line, v, false);
	}
	struct buf files;
	buf_init(&files, 1 << 16);
	for (size_t i = 0; i < sub->n_files; i++)
		bad |= buf_printf(&files, "%s%s", i ? "; " : "", sub->files[i].filename);
	bad |= csv_cell(&e->line, files.data ? files.data : "", false);
	buf_free(&files);
	bad |= buf_puts(&e->line, "\r\n");
	if (bad) {
		fprintf(stderr, "relayctl: %s: row too large\n", sub->reference);
		return -1;
	}
	e->n++;
	return flush_line(e);
}

static int json_str(struct buf *b, const char *key, const char *v, bool comma)
{
	v = v ? v : "";
	if (buf_printf(b, "%s\"%s\": \"", comma ? ", " : "", key) < 0 ||
	    buf_put_json(b, v, strlen(v)) < 0 || buf_putc(b, '"') < 0)
		return -1;
	return 0;
}

static int json_row(void *ctx, const struct submission *sub,
		    const struct store_status *st)
{
	struct exporter *e = ctx;
	struct buf *b = &e->line;
	char t1[32], t2[32];
	int bad = buf_puts(b, e->n ? ",\n  {" : "\n  {");
	bad |= json_str(b, "reference", sub->reference, false);
	bad |= json_str(b, "received_at", sub->received_at, true);
	bad |= json_str(b, "city", sub->city, true);
	bad |= json_str(b, "city_name", sub->city_name, true);
	bad |= json_str(b, "service", sub->service, true);
	bad |= json_str(b, "service_title", sub->service_title, true);
	bad |= json_str(b, "office_name", sub->office_name, true);
	bad |= json_str(b, "applicant_email", sub->applicant_email, true);
	bad |= json_str(b, "status", status_word(st), true);
	bad |= json_str(b, "delivered_at", utc_text(st->delivered_unix, t1, sizeof t1), true);
	bad |= json_str(b, "failed_at", utc_text(st->failed_unix, t2, sizeof t2), true);
	bad |= buf_printf(b, ", \"attempts\": %d", st->attempts);
	bad |= json_str(b, "last_error", st->last_error, true);
	bad |= buf_puts(b, ", \"fields\": [");
	for (size_t i = 0; i < sub->n_fields; i++) {
		bad |= buf_puts(b, i ? ", {" : "{");
		bad |= json_str(b, "name", sub->fields[i].name, false);
		bad |= json_str(b, "label", sub->fields[i].label, true);
		bad |= json_str(b, "value", sub->fields[i].value, true);
		if (sub->fields[i].option && sub->fields[i].option[0])
			bad |= json_str(b, "option", sub->fields[i].option, true);
		bad |= buf_putc(b, '}');
	}
	bad |= buf_puts(b, "], \"attachments\": [");
	for (size_t i = 0; i < sub->n_files; i++) {
		const struct sub_file *f = &sub->files[i];
		bad |= buf_puts(b, i ? ", {" : "{");
		bad |= json_str(b, "field", f->field, false);
		bad |= json_str(b, "label", f->label, true);
		bad |= json_str(b, "filename", f->filename, true);
		bad |= json_str(b, "mime", f->mime, true);
		bad |= buf_printf(b, ", \"size\": %zu}", f->len);
	}
	bad |= buf_puts(b, "]}");
	if (bad) {
		fprintf(stderr, "relayctl: %s: record too large\n", sub->reference);
		return -1;
	}
	e->n++;
	return flush_line(e);
}

/* ---- commands ---- */

static int window(const struct opts *o, long long *from, long long *until)
{
	*from = *until = 0;
	if (o->since && parse_when(o->since, false, from) < 0)
		return bad_usage("--since: not a date: %s", o->since);
	if (o->until && parse_when(o->until, true, until) < 0)
		return bad_usage("--until: not a date: %s", o->until);
	if (*until && *from >= *until)
		return bad_usage("--since must be before --until%s", "");
	return 0;
}

static int check_city(const struct opts *o)
{
	if (!o->city)
		return bad_usage("%s needs --city SLUG", o->cmd);
	for (const char *p = o->city; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return bad_usage("--city: not a city slug: %s", o->city);
	return *o->city ? 0 : bad_usage("--city: empty%s", "");
}

static int cmd_list(struct store *st, const struct opts *o)
{
	long long from, until;
	int r = check_city(o);
	if (r || (r = window(o, &from, &until)))
		return r;
	struct listing l = { stdout, 0 };
	printf("%-16s  %-20s  %-9s  %3s  %s\n", "REFERENCE", "RECEIVED", "STATUS",
	       "TRY", "SERVICE");
	if (store_each(st, o->city, from, until, false, list_row, &l) < 0) {
		fprintf(stderr, "relayctl: list: %s\n", store_errmsg(st));
		return EXIT_ERROR;
	}
	fprintf(stderr, "relayctl: %ld submission%s for %s\n", l.n, l.n == 1 ? "" : "s",
		o->city);
	return 0;
}

static int cmd_export(struct store *st, const struct opts *o)
{
	long long from, until;
	int r = check_city(o);
	if (r || (r = window(o, &from, &until)))
		return r;
	if (!o->format || (strcmp(o->format, "csv") && strcmp(o->format, "json")))
		return bad_usage("export needs --format csv or --format json%s", "");
	/* Pin the window: rows arriving between the two CSV passes are left
	 * for the next export rather than written without their columns. */
	if (!until)
		until = (long long)time(NULL) + 1;
	struct exporter e = { .out = stdout, .json = !strcmp(o->format, "json") };
	buf_init(&e.line, (size_t)16 << 20);
	int rc = 0;
	if (e.json) {
		rc = fputs("[", stdout) < 0 ? -1 : 0;
		if (rc == 0)
			rc = store_each(st, o->city, from, until, true, json_row, &e);
		if (rc == 0 && fputs(e.n ? "\n]\n" : "]\n", stdout) < 0)
			rc = -1;
	} else {
		rc = store_each(st, o->city, from, until, false, collect_cols, &e);
		if (rc == 0)
			rc = csv_header(&e);
		if (rc == 0)
			rc = store_each(st, o->city, from, until, true, csv_row, &e);
	}
	for (size_t i = 0; i < e.n_cols; i++) {
		free(e.cols[i].name);
		free(e.cols[i].label);
	}
	free(e.cols);
	buf_free(&e.line);
	if (rc != 0) {
		fprintf(stderr, "relayctl: export: %s\n", store_errmsg(st));
		return EXIT_ERROR;
	}
	fprintf(stderr, "relayctl: exported %ld submission%s of %s\n", e.n,
		e.n == 1 ? "" : "s", o->city);
	return 0;
}

static void print_job(const struct store_job *j)
{
	char t[32];
	long long del = j->delivered_unix, fail = j->failed_unix;
	printf("  job %lld %-7s attempts=%d %s %s", j->id, j->kind, j->attempts,
	       del ? "delivered" : fail ? "failed" : "next_attempt",
	       utc_text(del ? del : fail ? fail : j->next_attempt, t, sizeof t));
	if (*j->last_error && !del) {
		printf(" error=\"");
		put_safe(stdout, j->last_error, "");
		printf("\"");
	}
	printf("\n");
}

static void print_event(const struct store_event *e)
{
	char t[32];
	printf("  %s  %-9s", utc_text(e->at_unix, t, sizeof t), e->kind);
	if (e->job_id)
		printf(" job=%lld", e->job_id);
	if (*e->detail) {
		printf("  ");
		put_safe(stdout, e->detail, "    ");
	}
	if (e->actor && *e->actor) {
		printf("  by ");
		put_safe(stdout, e->actor, "");
	}
	printf("\n");
}

/* The jobs and the event log of submission id. */
static int show_history(struct store *st, long long id)
{
	struct arena a;
	struct store_job *jobs;
	struct store_event *ev;
	size_t n_jobs = 0, n_ev = 0;
	arena_init(&a);
	int rc = store_jobs(st, &a, id, &jobs, &n_jobs);
	if (rc == 0) {
		printf("Jobs:\n");
		for (size_t i = 0; i < n_jobs; i++)
			print_job(&jobs[i]);
		rc = store_events(st, &a, id, &ev, &n_ev);
	}
	if (rc == 0) {
		printf("Events:\n");
		for (size_t i = 0; i < n_ev; i++)
			print_event(&ev[i]);
	}
	arena_free(&a);
	if (rc != 0) {
		fprintf(stderr, "relayctl: show: %s\n", store_errmsg(st));
		return EXIT_ERROR;
	}
	return 0;
}

static int cmd_show(struct store *st, const struct opts *o)
{
	if (!o->arg)
		return bad_usage("show needs a REFERENCE%s", "");
	struct arena a;
	struct store_status s;
	int err = 0;
	arena_init(&a);
	struct submission *sub = store_load_ref(st, &a, o->arg, true, &s, &err);
	if (!sub) {
		arena_free(&a);
		if (err) {
			fprintf(stderr, "relayctl: show: %s\n", store_errmsg(st));
			return EXIT_ERROR;
		}
		fprintf(stderr, "relayctl: no submission %s\n", o->arg);
		return EXIT_NOTFOUND;
	}
	char when[64] = "", t[32];
	time_t rt;
	if (rfc3339_parse(sub->received_at, &rt) == 0)
		de_date_time(when, sizeof when, rt);
	printf("Reference:  %s\nReceived:   %s (%s)\nCity:       ", sub->reference,
	       sub->received_at, when);
	put_safe(stdout, sub->city_name, "");
	printf(" (%s)\nService:    ", sub->city);
	put_safe(stdout, sub->service_title, "");
	printf(" (%s)\nOffice:     ", sub->service);
	put_safe(stdout, sub->office_name, "");
	printf(" <");
	put_safe(stdout, sub->recipient, "");
	printf(">\nApplicant:  ");
	put_safe(stdout, *sub->applicant_email ? sub->applicant_email : "-", "");
	printf("\nStatus:     %s", status_word(&s));
	if (s.delivered_unix || s.failed_unix)
		printf(" %s", utc_text(s.delivered_unix ? s.delivered_unix : s.failed_unix,
				      t, sizeof t));
	printf(" (attempts %d)\nFields:\n", s.attempts);
	for (size_t i = 0; i < sub->n_fields; i++) {
		printf("  ");
		put_safe(stdout, sub->fields[i].label, "");
		printf(": ");
		put_safe(stdout, sub->fields[i].value, "    ");
		printf("\n");
	}
	if (sub->n_files)
		printf("Attachments:\n");
	for (size_t i = 0; i < sub->n_files; i++) {
		printf("  ");
		put_safe(stdout, sub->files[i].filename, "");
		printf(" (%s, %zu bytes) ", sub->files[i].mime, sub->files[i].len);
		put_safe(stdout, sub->files[i].label, "");
		printf("\n");
	}
	long long id = sub->id;
	arena_free(&a);
	return show_history(st, id);
}

/* ---- resend and purge: relayd is the only writer (admin/admin.h) ---- */

static int report(int status, const char *reply)
{
	if (status == 0)
		printf("%s\n", reply);
	else
		fprintf(stderr, "relayctl: %s\n", reply);
	return status;
}

static int cmd_write(const struct relay_config *cfg, const struct opts *o)
{
	char line[ADMIN_LINE_MAX];
	if (!strcmp(o->cmd, "resend")) {
		if (!o->arg)
			return bad_usage("resend needs a REFERENCE%s", "");
		if (strlen(o->arg) > 40 || strpbrk(o->arg, " \t\r\n")) {
			fprintf(stderr, "relayctl: no submission %.40s\n", o->arg);
			return EXIT_NOTFOUND;
		}
		snprintf(line, sizeof line, "resend %s", o->arg);
	} else {
		if (!o->older_than)
			return bad_usage("purge needs --older-than DAYS%s", "");
		char *end;
		errno = 0;
		long days = strtol(o->older_than, &end, 10);
		if (errno || end == o->older_than || *end || days < 1 || days > 36500)
			return bad_usage("--older-than: a whole number of days from 1 to "
					 "36500, not %s", o->older_than);
		snprintf(line, sizeof line, "purge %ld", days);
	}
	char reply[600];
	int rc = admin_run(cfg->database, cfg->lock_file, cfg->admin_socket, line,
			   reply, sizeof reply);
	return report(rc, reply);
}

static int cmd_status(struct store *st)
{
	struct store_counts c;
	if (store_counts(st, (long long)time(NULL), &c) < 0) {
		fprintf(stderr, "relayctl: status: %s\n", store_errmsg(st));
		return EXIT_ERROR;
	}
	printf("submissions %lld\noutbox_depth %lld\noldest_undelivered_age_seconds %lld\n"
	       "delivered %lld\nretrying %lld\nfailed %lld\n", c.submissions,
	       c.outbox_depth, c.oldest_undelivered_age, c.delivered, c.retrying,
	       c.failed);
	return 0;
}

/* ---- main ---- */

static int parse_args(int argc, char **argv, struct opts *o)
{
	struct { const char *name; const char **slot; } flags[] = {
		{ "--config", &o->config }, { "--city", &o->city },
		{ "--since", &o->since }, { "--until", &o->until },
		{ "--format", &o->format }, { "--older-than", &o->older_than },
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		}
		size_t k = 0, n = sizeof flags / sizeof *flags;
		for (; k < n; k++) {
			size_t len = strlen(flags[k].name);
			if (!strncmp(a, flags[k].name, len) && (a[len] == '\0' || a[len] == '='))
				break;
		}
		if (k < n) {
			const char *v = strchr(a, '=') ? strchr(a, '=') + 1 : argv[++i];
			if (!v)
				return bad_usage("%s needs a value", a);
			*flags[k].slot = v;
		} else if (a[0] == '-') {
			return bad_usage("unknown option %s", a);
		} else if (!o->cmd) {
			o->cmd = a;
		} else if (!o->arg) {
			o->arg = a;
		} else {
			return bad_usage("unexpected argument %s", a);
		}
	}
	if (!o->cmd)
		return bad_usage("no command given%s", "");
	if (!o->config)
		return bad_usage("--config relay.yml is required%s", "");
	static const char *cmds[] = { "list", "export", "show", "resend", "purge", "status" };
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
		if (!strcmp(o->cmd, cmds[i]))
			return 0;
	return bad_usage("unknown command %s", o->cmd);
}

static int run(struct store *st, const struct opts *o)
{
	if (!strcmp(o->cmd, "list"))
		return cmd_list(st, o);
	if (!strcmp(o->cmd, "export"))
		return cmd_export(st, o);
	if (!strcmp(o->cmd, "show"))
		return cmd_show(st, o);
	return cmd_status(st);
}

/* The first word that is neither an option nor --config's value. */
static const char *command_word(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config"))
			i++;
		else if (argv[i][0] != '-')
			return argv[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *word = command_word(argc, argv);
	if (word && !strcmp(word, "user"))
		return relayctl_user(argc, argv);
	struct opts o = { 0 };
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	if (o.arg && strcmp(o.cmd, "show") && strcmp(o.cmd, "resend"))
		return bad_usage("unexpected argument %s", o.arg);
	struct relay_config *cfg = config_load_or_report(o.config, stderr);
	if (!cfg)
		return EXIT_ERROR;
	/* store_open would create a missing file: a wrong path must not look
	 * like an empty relay. */
	char err[300];
	if (!store_exists(cfg->database, err, sizeof err)) {
		fprintf(stderr, "relayctl: %s: %s\n", o.config, err);
		config_free(cfg);
		return EXIT_ERROR;
	}
	if (!strcmp(o.cmd, "resend") || !strcmp(o.cmd, "purge")) {
		rc = cmd_write(cfg, &o);
	} else {
		struct store *st = store_open_readonly(cfg->database, err, sizeof err);
		if (!st) {
			fprintf(stderr, "relayctl: %s\n", err);
			config_free(cfg);
			return EXIT_ERROR;
		}
		rc = run(st, &o);
		store_close(st);
	}
	config_free(cfg);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "relayctl: write error: %s\n", strerror(errno));
		return EXIT_ERROR;
	}
	return rc;
}
