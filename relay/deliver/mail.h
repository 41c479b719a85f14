/* mail.h - one notification mail: built from a stored submission, sent with
 * libcurl's SMTP + MIME API (the way of curl's docs/examples/smtp-mime.c).
 *
 * The office mail lists every field by its label in form order and carries
 * the attachments as MIME parts; the optional receipt to the applicant
 * carries no field values and no attachments (the address may be mistyped).
 * Both are UTF-8 text/plain, quoted-printable; header text with umlauts is
 * RFC 2047-encoded. Anything that reaches a header or the SMTP envelope is
 * checked first: CR, LF and other control characters are refused, so no
 * form value can add a header (form values only ever reach the body). */
#ifndef MAIL_H
#define MAIL_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "../store/submission.h"
#include "util/buf.h"

/* the notices of a new message: deliver/notice.h */
enum mail_kind { MAIL_OFFICE, MAIL_RECEIPT, MAIL_NOTICE_OFFICE, MAIL_NOTICE_CITIZEN };
enum mail_status { MAIL_SENT, MAIL_TEMPFAIL, MAIL_PERMFAIL };

struct mail_server {
	const char *url;            /* smtp://host:port or smtps://host:port */
	const char *username, *password;   /* "" or NULL: no AUTH */
	bool require_tls;           /* STARTTLS or fail: CURLUSESSL_ALL */
	const char *from;           /* envelope sender and From: */
	long connect_timeout, timeout;      /* seconds; <= 0: 10 and 60 */
	const char *msgid_host;     /* right side of the Message-ID */
	const char *public_url;     /* relayd's own address: the receipt links
				     * to {public_url}/antrag/{token}; NULL or
				     * "": no link */
};

#define MAIL_MAX_HEADERS 10
#define MAIL_BODY_MAX ((size_t)1 << 20)

struct mail_msg {
	enum mail_kind kind;
	const char *rcpt;           /* envelope recipient (checked) */
	char *headers[MAIL_MAX_HEADERS];    /* "Name: value", maybe folded */
	size_t n_headers;
	struct buf body;            /* UTF-8 text, CRLF line ends */
	const struct sub_file *files;       /* office mail only */
	size_t n_files;
	char message_id[128];
	bool reply_to_dropped;      /* applicant address given but unusable */
};

struct mail_result {
	enum mail_status status;
	long smtp_code;             /* last SMTP reply code, 0 when none */
	bool unreachable;           /* server not reached or 421: the whole
				     * queue would fail the same way now */
	char detail[300];           /* error text, or the server's last reply */
};

/* Builds the message. 0 ok; -1 with a reason in err when a header or
 * envelope value is unusable (a permanent problem of this submission or of
 * the configuration: control characters, an invalid address, a receipt
 * without a usable applicant address). */
int mail_build(struct mail_msg *m, const struct mail_server *srv,
	       const struct submission *sub, enum mail_kind kind,
	       char *err, size_t errlen);
void mail_msg_free(struct mail_msg *m);
/* How many of sub's files came with the form (added_unix 0): they come
 * first (a later document's seq follows the form's). The office mail
 * carries and lists only those; a document handed in later goes to the
 * office in a 'document' mail of its own (maillink.c). */
size_t mail_form_files(const struct submission *sub);
/* The header of a mail to the office about sub, for the mails of
 * maillink.c: From, To the office, Subject subject, Date at, Message-ID
 * <reference[.suffix]@host>, MIME-Version, Auto-Submitted and
 * X-Serviceportal-Reference; no Reply-To (a link mail names no one). m
 * gets kind MAIL_OFFICE, rcpt the office, an empty body. 0 ok, -1 with a
 * reason in err (as mail_build). */
int mail_office_start(struct mail_msg *m, const struct mail_server *srv,
		      const struct submission *sub, const char *subject,
		      const char *suffix, long long at, char *err, size_t errlen);

/* What a mail's header says besides the sender: From srv->from, To
 * to_name <m->rcpt>, Subject, Date, Message-ID <reference[.suffix]@host>,
 * Reply-To the applicant when asked and usable, MIME-Version,
 * Auto-Submitted and X-Serviceportal-Reference. One builder for every mail
 * about a submission (office mail, receipt, link mails, notices). */
struct mail_head {
	const char *subject;
	const char *suffix;         /* of the Message-ID, or NULL */
	time_t date;
	bool reply_to;              /* Reply-To: the applicant (full office mail) */
	const char *to_name;        /* display name of the recipient, or NULL */
};
/* m's kind and rcpt are set. 0, or -1 with a reason in err. */
int mail_headers(struct mail_msg *m, const struct mail_server *srv,
		 const struct submission *sub, const struct mail_head *h,
		 char *err, size_t errlen);

/* The header lines themselves, for mails that are about no submission
 * (the Postfach link): each checks its value (no CR/LF or control
 * characters; text with umlauts RFC 2047-encoded, addresses folded when
 * a display name fills the line) and takes line's content as one header.
 * 0, or -1 when unsafe, too long or the header list is full. */
int mail_add_plain(struct mail_msg *m, struct buf *line, const char *name,
		   const char *value);
int mail_add_mailbox(struct mail_msg *m, struct buf *line, const char *name,
		     const char *display, const char *addr);
int mail_add_subject(struct mail_msg *m, struct buf *line, const char *text);
/* Writes the reason into err (truncated if need be) and returns -1. */
int mail_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The plain-text bodies (also used by mail_build). */
int mail_office_body(struct buf *out, const struct submission *sub);
/* link: the application page's address, NULL for none. */
int mail_receipt_body(struct buf *out, const struct submission *sub,
		      const char *link);

/* One SMTP transaction on a fresh easy handle. Never blocks longer than the
 * configured timeouts. Call curl_global_init() once before any thread. */
void mail_send(const struct mail_server *srv, const struct mail_msg *m,
	       struct mail_result *res);
#endif
