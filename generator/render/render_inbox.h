/* render_inbox.h - the clerks' inbox pages relayd serves under /amt/
 * (issue 11, point 5): login, the list of an office's applications, and
 * one application. Rendered with the umbrella portal's theme (a clerk may
 * work for several cities), noindex. Every string is ready to show
 * (German, dates in Europe/Berlin); the templates escape them. Links are
 * given whole by relayd (its public_url), never built here. */
#ifndef RENDER_INBOX_H
#define RENDER_INBOX_H
#include <stdbool.h>
#include "render_form.h"

struct inbox_option {           /* a select's option or a radio button */
	const char *value, *label;
	bool selected;
};
struct inbox_error {            /* GOV.UK error summary: message and field id */
	const char *field_id, *message;
};
/* Who is logged in, on every page but the login page: the logout form. */
struct inbox_user {
	const char *name;           /* "anna" */
	const char *offices;        /* "Steueramt Dorsten, Standesamt Bottrop" */
	const char *csrf;
	const char *logout_action;  /* {public_url}/amt/abmelden */
};

struct inbox_login_view {
	const char *action;         /* {public_url}/amt/anmelden */
	const char *csrf;           /* the login form's own token */
	const char *username;       /* as typed, kept after an error */
	const char *user_error, *password_error;    /* NULL: none */
	const char *notice;         /* "Sie sind abgemeldet." or NULL */
};

struct inbox_row_view {
	const char *href, *reference, *received, *service, *office, *status;
};
struct inbox_list_view {
	struct inbox_user user;
	const char *action;         /* the list's own URL (the filter's GET) */
	const struct inbox_option *statuses, *services;
	size_t n_statuses, n_services;
	const char *from, *until;   /* YYYY-MM-DD as typed, or "" */
	const char *from_error, *until_error;   /* NULL: none */
	const struct inbox_row_view *rows;
	size_t n_rows;
	const char *summary;        /* "Anträge 1 bis 50 von 1.234" */
	const char *prev_href, *next_href;      /* NULL: no such page */
	const char *page_text;      /* "Seite 1 von 25" */
};

struct inbox_file_view {
	const char *label, *name, *href, *type, *size;
	const char *added;          /* handed in later: when; NULL: with the form */
};
struct inbox_detail_view {
	struct inbox_user user;
	const char *list_href;
	const char *reference, *service, *city, *office, *received, *status;
	const char *identity;       /* "Identität geprüft: ..." or NULL (issue 12) */
	const char *payment;        /* "ausstehend, 22,50 €" or NULL (issue 12) */
	const struct app_answer *answers;
	size_t n_answers;
	const struct inbox_file_view *files;
	size_t n_files;
	const struct app_step *steps;   /* oldest first */
	size_t n_steps;
	const char *status_action;
	const struct inbox_option *statuses;    /* the statuses a clerk sets */
	size_t n_statuses;
	const char *status_error;   /* NULL: none */
	const char *notice;         /* after a change, or NULL */
	const struct app_thread *thread;    /* the messages; NULL: none */
};

int render_inbox_login(struct renderer *r, const struct inbox_login_view *v,
		       struct buf *out, struct diags *d);
int render_inbox_list(struct renderer *r, const struct inbox_list_view *v,
		      struct buf *out, struct diags *d);
int render_inbox_detail(struct renderer *r, const struct inbox_detail_view *v,
			struct buf *out, struct diags *d);
#endif
