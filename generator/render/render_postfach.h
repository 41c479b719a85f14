/* render_postfach.h - the citizens' Postfach pages relayd serves under
 * /postfach (issue 11, point 2): the page that asks for a link by e-mail
 * (also its answer, its errors and the page of a link that no longer
 * works), and the list of an address's applications. Rendered with the
 * umbrella portal's theme (an address may have applications in several
 * cities), noindex. Every string is ready to show (German, dates in
 * Europe/Berlin); the templates escape them. Links are given whole by
 * relayd (its public_url). */
#ifndef RENDER_POSTFACH_H
#define RENDER_POSTFACH_H
#include "render_form.h"

struct postfach_request_view {
	const char *action;         /* {public_url}/postfach */
	const char *csrf;           /* the citizen's CSRF token */
	const char *email;          /* as typed after an error, else "" */
	const char *email_error;    /* NULL: none */
	const char *notice;         /* the answer to a request, or NULL */
	const char *gone;           /* why a link does not work, or NULL */
	const char *login_href;     /* the Servicekonto login (issue 12), or NULL */
};

struct postfach_row_view {
	const char *href;           /* {public_url}/antrag/<token> */
	const char *reference, *service, *city, *received, *status;
};
struct postfach_list_view {
	const char *email;
	const struct postfach_row_view *rows;
	size_t n_rows;
	bool more;                  /* more applications than rows */
	const char *until;          /* when the session ends, German */
	const char *csrf;
	const char *logout_action;  /* {public_url}/postfach/abmelden */
	const char *request_href;   /* {public_url}/postfach */
	const char *provider;       /* listed by a citizen's login (issue 12):
				     * its provider; NULL: by e-mail session */
};

int render_postfach_request(struct renderer *r, const struct postfach_request_view *v,
			    struct buf *out, struct diags *d);
int render_postfach_list(struct renderer *r, const struct postfach_list_view *v,
			 struct buf *out, struct diags *d);
#endif
