/* maillink.h - the office mails beside mail_build's (issue 11): the office
 * mail of the notification mode `link` (relay.yml notify, relay/README.md)
 * and the mail of a document the citizen handed in later. A link mail
 * carries reference, service, city, the office and the inbox link
 * {public_url}/amt/antrag/<id>: no answer, no address of the applicant,
 * no attachment, no Reply-To. */
#ifndef MAILLINK_H
#define MAILLINK_H
#include <stdbool.h>
#include "mail.h"

/* The office mail in link mode: the same subject and Message-ID as the
 * full one (it replaces it), the body without personal data. 0 ok, -1 with
 * a reason in err. */
int mail_build_link(struct mail_msg *m, const struct mail_server *srv,
		    const struct submission *sub, char *err, size_t errlen);
/* The mail of doc, a document handed in later (one of sub's files, with
 * added_unix set): "Unterlagen zu Antrag <reference> nachgereicht". full:
 * with reference, service, the file's name and the file attached; else a
 * notice with the inbox link and no file. Message-ID
 * <reference.document-<id>@host>: a retry is recognisably the same mail. */
int mail_build_document(struct mail_msg *m, const struct mail_server *srv,
			const struct submission *sub, const struct sub_file *doc,
			bool full, char *err, size_t errlen);
#endif
