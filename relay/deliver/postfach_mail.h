/* postfach_mail.h - the worker's second queue: the Postfach's link mails
 * (store.h, store_postfach_*). A due link is claimed with a lease like an
 * outbox job, mailed to its address when that address has applications,
 * and its plain token is cleared once the mail is sent. A request for an
 * address without applications is closed without a mail (the citizen's
 * page says the same in both cases); a link that could not be sent before
 * it expires is given up. The mail names nothing but the link and its
 * end: no reference, no service, no name. */
#ifndef POSTFACH_MAIL_H
#define POSTFACH_MAIL_H
#include "config/config.h"
#include "mail.h"
#include "store/store.h"

/* The link mail for job (its token) into m: From, To, Subject, Date,
 * Message-ID "<PF-id@host>", and the body. 0 ok, -1 with err. */
int postfach_mail_build(struct mail_msg *m, const struct mail_server *srv,
			const struct store_postfach_job *job, char *err,
			size_t errlen);

/* Claims and handles one due link. 0 none due, 1 handled, 2 the mail
 * server could not be reached (the caller pauses), -1 store error. */
int postfach_mail_one(struct store *s, const struct mail_server *srv,
		      long lease, const struct relay_config *cfg);
#endif
