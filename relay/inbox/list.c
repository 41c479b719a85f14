/* list.c - GET /amt/: the applications of the clerk's offices, newest
 * first, INBOX_PAGE_ROWS to a page, filtered by status, service and the
 * days received (German civil days, both ends included). The filter is a
 * plain GET form, so a filtered page is a link like any other; a filter
 * value that is not one of the offered choices is ignored, a date that is
 * not one is reported at its field (GOV.UK).
 *
 * The list counts and pages through the newest INBOX_COUNT_LIMIT matches
 * only ("von mehr als 10.000"): counting 100,000 rows cost more than the
 * page itself, and a page deep down costs its offset. Older ones are found
 * with the filters (a date range), which the indexes serve directly. */
#include "inbox_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "inbox/status.h"
#include "receive/log.h"
#include "util/datetime.h"

#define INBOX_COUNT_LIMIT 10000
#define INBOX_MAX_PAGE (INBOX_COUNT_LIMIT / INBOX_PAGE_ROWS)

struct filter {
	const char *status, *service;       /* validated, or NULL */
	const char *from_text, *until_text; /* as typed */
	const char *from_error, *until_error;
	long long from, until;              /* [from, until), 0 open */
	long long page;
};

/* "2026-12-01" or "1.12.2026" -> the start of that day in Berlin (or of
 * the next day: end). -1 when it is no date. */
static int day_start(const char *s, bool end, long long *out)
{
	int y = 0, m = 0, d = 0, used = 0;
	if (!((sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 ||
	       sscanf(s, "%2d.%2d.%4d%n", &d, &m, &y, &used) == 3) &&
	      s[used] == '\0' && y >= 2000 && y <= 2999 && m >= 1 && m <= 12 &&
	      d >= 1 && d <= 31))
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d }, back;
	time_t t = timegm(&tm);
	/* timegm rolls 2026-02-30 over to March: refuse what is not a day */
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d ||
	    back.tm_mon != m - 1)
		return -1;
	if (end)
		t += 86400;
	*out = (long long)(t - berlin_offset(t - 3600));  /* local midnight */
	return 0;
}

/* The services the clerk's offices receive forms for, by title; the one
 * named selected (if offered) is marked. */
static struct inbox_option *services(struct inbox_req *q, const struct store_clerk *k,
				     const char *selected, size_t *n, bool *found)
{
	const struct catalog *cat = q->env->forms->cat;
	struct inbox_option *v = arena_alloc(&q->a, (cat->n_services + 1) * sizeof *v);
	*n = 0;
	*found = false;
	for (size_t si = 0; si < cat->n_services; si++) {
		bool mine = false;
		for (size_t o = 0; o < k->n_offices && !mine; o++) {
			const struct city *ci = catalog_city(cat, k->offices[o].city);
			const struct city_service *cs = ci ?
				catalog_cs_at(cat, (size_t)(ci - cat->cities), si) : NULL;
			mine = cs && cs->n_fields && cs->office &&
			       !strcmp(cs->office->id, k->offices[o].role);
		}
		if (!mine)
			continue;
		const struct service *sv = &cat->services[si];
		bool sel = selected && !strcmp(selected, sv->slug);
		*found |= sel;
		v[(*n)++] = (struct inbox_option){ sv->slug, sv->title, sel };
	}
	/* by title, as the portal lists services */
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1].label, v[j].label) > 0; j--) {
			struct inbox_option t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v;
}

static struct inbox_option *statuses(struct inbox_req *q, const char *selected,
				     size_t *n)
{
	struct inbox_option *v = arena_alloc(&q->a, 8 * sizeof *v);
	for (*n = 0; store_statuses[*n] && *n < 8; (*n)++)
		v[*n] = (struct inbox_option){ store_statuses[*n],
			status_label(store_statuses[*n]),
			selected && !strcmp(selected, store_statuses[*n]) };
	return v;
}

static void read_filter(struct MHD_Connection *c, struct filter *f)
{
	memset(f, 0, sizeof *f);
	const char *st = inbox_arg(c, "status");
	for (size_t i = 0; st && store_statuses[i]; i++)
		if (!strcmp(st, store_statuses[i]))
			f->status = store_statuses[i];
	f->service = inbox_arg(c, "leistung");
	f->from_text = inbox_arg(c, "von");
	f->until_text = inbox_arg(c, "bis");
	if (f->from_text && *f->from_text && day_start(f->from_text, false, &f->from) < 0)
		f->from_error = "Geben Sie das Datum „Eingegangen ab“ als Tag.Monat.Jahr ein, "
				"zum Beispiel 1.12.2026";
	if (f->until_text && *f->until_text && day_start(f->until_text, true, &f->until) < 0)
		f->until_error = "Geben Sie das Datum „Eingegangen bis“ als Tag.Monat.Jahr ein, "
				 "zum Beispiel 31.12.2026";
	if (f->from && f->until && f->from >= f->until) {
		f->until_error = "„Eingegangen bis“ muss am oder nach „Eingegangen ab“ liegen";
		f->until = 0;
	}
	if (f->from_error)
		f->from = 0;
	if (f->until_error)
		f->until = 0;
	const char *pg = inbox_arg(c, "seite");
	char *end = NULL;
	f->page = pg ? strtoll(pg, &end, 10) : 1;
	if (!pg || *end || f->page < 1)
		f->page = 1;
	if (f->page > INBOX_MAX_PAGE)
		f->page = INBOX_MAX_PAGE;
}

/* %XX for everything but unreserved characters (RFC 3986). */
static const char *query_escape(struct inbox_req *q, const char *s)
{
	char *out = arena_alloc(&q->a, strlen(s) * 3 + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			*o++ = (char)*p;
		else
			o += sprintf(o, "%%%02X", *p);
	}
	*o = '\0';
	return out;
}

/* The list's URL with the filters in force and page. */
static const char *page_href(struct inbox_req *q, const struct filter *f, long long page)
{
	const char *qs = "";
	if (f->status)
		qs = arena_printf(&q->a, "%s&status=%s", qs, query_escape(q, f->status));
	if (f->service)
		qs = arena_printf(&q->a, "%s&leistung=%s", qs, query_escape(q, f->service));
	if (f->from)
		qs = arena_printf(&q->a, "%s&von=%s", qs, query_escape(q, f->from_text));
	if (f->until)
		qs = arena_printf(&q->a, "%s&bis=%s", qs, query_escape(q, f->until_text));
	qs = arena_printf(&q->a, "%s&seite=%lld", qs, page);
	return arena_printf(&q->a, "%s?%s", inbox_url(q, ""), qs + 1);
}

/* 1234567 -> "1.234.567" */
static const char *de_count(struct inbox_req *q, long long n)
{
	char digits[32], out[48];
	int len = snprintf(digits, sizeof digits, "%lld", n), k = 0;
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[k++] = '.';
		out[k++] = digits[i];
	}
	out[k] = '\0';
	return arena_strdup(&q->a, out);
}

static struct inbox_row_view *row_views(struct inbox_req *q,
					const struct store_inbox_row *rows, size_t n)
{
	struct inbox_row_view *v = arena_alloc(&q->a, (n + 1) * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		char when[64];
		if (de_date_time(when, sizeof when, (time_t)rows[i].received_unix) < 0)
			when[0] = '\0';
		v[i] = (struct inbox_row_view){
			.href = inbox_url(q, arena_printf(&q->a, "antrag/%lld", rows[i].id)),
			.reference = rows[i].reference,
			.received = arena_strdup(&q->a, when),
			.service = rows[i].service_title,
			.office = rows[i].office_name,
			.status = status_label(rows[i].status),
		};
	}
	return v;
}

/* The page of the list the filter asks for (the last one when it asks
 * for one beyond); -1 when the store failed. */
static int fetch(struct inbox_req *q, const struct store_session *s,
		 struct filter *f, struct store_inbox_row **rows, size_t *n,
		 long long *total)
{
	struct store_inbox_query qr = {
		.offices = s->clerk.offices, .n_offices = s->clerk.n_offices,
		.status = f->status, .service = f->service,
		.from_unix = f->from, .until_unix = f->until,
		.offset = (f->page - 1) * INBOX_PAGE_ROWS, .limit = INBOX_PAGE_ROWS,
		.count_limit = INBOX_COUNT_LIMIT,
	};
	if (store_inbox_list(q->env->store, &q->a, &qr, rows, n, total) < 0)
		return -1;
	if (*n || !*total)
		return 0;
	f->page = (*total + INBOX_PAGE_ROWS - 1) / INBOX_PAGE_ROWS;
	if (f->page > INBOX_MAX_PAGE)
		f->page = INBOX_MAX_PAGE;
	qr.offset = (f->page - 1) * INBOX_PAGE_ROWS;
	return store_inbox_list(q->env->store, &q->a, &qr, rows, n, total);
}

static void paging(struct inbox_req *q, const struct filter *f, long long total,
		   size_t n, struct inbox_list_view *v)
{
	bool more = total > INBOX_COUNT_LIMIT;
	long long pages = more ? INBOX_MAX_PAGE :
		total ? (total + INBOX_PAGE_ROWS - 1) / INBOX_PAGE_ROWS : 1;
	long long first = (f->page - 1) * INBOX_PAGE_ROWS + 1;
	const char *of = more ? arena_printf(&q->a, "mehr als %s",
					     de_count(q, INBOX_COUNT_LIMIT)) : de_count(q, total);
	v->summary = total == 0 ? "Keine Anträge." : total == 1 ? "1 Antrag." :
		arena_printf(&q->a, "Anträge %s bis %s von %s, die neuesten zuerst.%s",
			     de_count(q, first), de_count(q, first + (long long)n - 1), of,
			     more ? " Ältere finden Sie mit den Filtern, etwa mit "
				    "„Eingegangen bis“." : "");
	v->page_text = arena_printf(&q->a, "Seite %s von %s", de_count(q, f->page),
				    de_count(q, pages));
	v->prev_href = f->page > 1 ? page_href(q, f, f->page - 1) : NULL;
	v->next_href = f->page < pages ? page_href(q, f, f->page + 1) : NULL;
}

enum MHD_Result inbox_list(struct inbox_req *q, struct MHD_Connection *c,
			   const struct store_session *s)
{
	struct filter f;
	read_filter(c, &f);
	struct inbox_list_view v = { .user = inbox_user_of(q, s), .action = inbox_url(q, "") };
	bool known = false;
	struct inbox_option *sv = services(q, &s->clerk, f.service, &v.n_services, &known);
	if (!known)
		f.service = NULL;       /* not one of the offices' services: all */
	v.services = sv;
	v.statuses = statuses(q, f.status, &v.n_statuses);
	v.from = f.from_text ? f.from_text : "";
	v.until = f.until_text ? f.until_text : "";
	v.from_error = f.from_error;
	v.until_error = f.until_error;
	struct store_inbox_row *rows = NULL;
	size_t n = 0;
	long long total = 0;
	if (fetch(q, s, &f, &rows, &n, &total) < 0)
		return inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "Der Posteingang ist gerade nicht erreichbar.", "60");
	v.rows = row_views(q, rows, n);
	v.n_rows = n;
	paging(q, &f, total, n, &v);
	struct buf b;
	struct diags d;
	buf_init(&b, INBOX_PAGE_MAX);
	diags_init(&d);
	int rc = render_inbox_list(q->env->forms->renderer, &v, &b, &d);
	diags_free(&d);
	enum MHD_Result r;
	if (rc < 0) {
		relay_log("error", "render_failed", "page=inbox_list");
		r = inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				"Der Posteingang ist gerade nicht erreichbar.", "60");
	} else {
		r = inbox_page(q, c, f.from_error || f.until_error ?
			       MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK, &b, NULL);
	}
	buf_free(&b);
	return r;
}
