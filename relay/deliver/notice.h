/* notice.h - the notice of a new message (issue 11, point 3): outbox kinds
 * notice_office (to the submission's recipient, the office) and
 * notice_citizen (to its applicant_email). A notice holds no content:
 * neither the message's text nor any answer of the form, only the
 * reference, the service's title and the link to where the message is
 * read - the inbox's {public_url}/amt/antrag/<id> for the office, the
 * application page {public_url}/antrag/<token> for the citizen. Header
 * lines as the other mails have them (mail.h): From, To, an RFC 2047
 * Subject, Date (the job's creation, so a retry carries the same), a
 * Message-ID of its own per job ("<REF.notice-<job>@host>"), MIME-Version,
 * Auto-Submitted: auto-generated, X-Serviceportal-Reference. */
#ifndef NOTICE_H
#define NOTICE_H
#include <stdbool.h>
#include <stddef.h>
#include "mail.h"

/* Builds the notice of job job_id (created at created_unix) about sub.
 * 0 ok; -1 with a reason in err when it cannot be built for good (no
 * usable address, no public_url to link to, an unsafe header value). */
int mail_build_notice(struct mail_msg *m, const struct mail_server *srv,
		      const struct submission *sub, bool to_office,
		      long long job_id, long long created_unix, char *err,
		      size_t errlen);
#endif
