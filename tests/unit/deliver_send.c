/* deliver_send.c - mail_send() against a real SMTP server: starts
 * tests/smtp_sink.py (python3-aiosmtpd) on a free loopback port, sends an
 * office mail with attachments and a receipt, and checks with the stdlib
 * email package (smtp_sink.py dump) what arrived; then the failure
 * classes: 451 temporary, 554 permanent, 421 and a stopped server
 * temporary and "unreachable". */
#include "deliver/mail.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"

extern char **environ;
static char dir[512], root[512];
static int port;
static pid_t sink = -1;

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("free_port");
		exit(2);
	}
	close(fd);
	return ntohs(a.sin_port);
}

static int can_connect(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int r = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	if (fd >= 0)
		close(fd);
	return r;
}

/* auth: NULL, or "user:password" the sink requires before MAIL. */
static void sink_start(const char *auth)
{
	char script[600], portstr[16], authstr[64];
	snprintf(script, sizeof script, "%s/tests/smtp_sink.py", root);
	snprintf(portstr, sizeof portstr, "%d", port);
	snprintf(authstr, sizeof authstr, "%s", auth ? auth : "");
	char *argv[] = { "/usr/bin/python3", script, "serve", "--port", portstr,
			 "--dir", dir, auth ? "--auth" : NULL, authstr, NULL };
	if (posix_spawn(&sink, argv[0], NULL, NULL, argv, environ) != 0) {
		perror("posix_spawn smtp_sink.py");
		exit(2);
	}
	for (int i = 0; i < 200 && !can_connect(); i++)
		usleep(50000);
	ok(can_connect(), "sink: smtp_sink.py listens on 127.0.0.1:%d", port);
}

static void sink_stop(void)
{
	if (sink > 0) {
		kill(sink, SIGTERM);
		waitpid(sink, NULL, 0);
		sink = -1;
	}
}

static void set_mode(const char *mode)
{
	char path[600];
	snprintf(path, sizeof path, "%s/mode", dir);
	FILE *f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", mode) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* smtp_sink.py dump: one JSON line per message, parsed by Python's email. */
static void dump(struct buf *out)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/smtp_sink.py' dump --dir '%s'",
		 root, dir);
	FILE *p = popen(cmd, "r");
	char chunk[4096];
	size_t n;
	buf_reset(out);
	while (p && (n = fread(chunk, 1, sizeof chunk, p)) > 0)
		buf_append(out, chunk, n);
	if (!p || pclose(p) != 0)
		ok(0, "sink: dump ran");
	if (!out->data)
		buf_puts(out, "");
}

static const unsigned char pdf[] =
	"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
static unsigned char png[264];

static struct sub_field fields[] = {
	{ "vorname", "Vorname", "Jürgen", "" },
	{ "nachname", "Nachname", "Groß", "" },
	{ "hinweis", "Hinweis", "Zeile 1\r\nBcc: evil@attacker.example\r\n.\r\nZeile 4", "" },
	{ "email", "E-Mail", "juergen@example.org", "" },
};

static struct sub_file files[2];

static struct submission sample(void)
{
	files[0] = (struct sub_file){ "nachweis", "Versicherungsnachweis",
		"nachweis-1.pdf", "application/pdf", pdf, sizeof pdf - 1, 0, 0 };
	files[1] = (struct sub_file){ "foto", "Foto", "foto-1.png", "image/png",
		png, sizeof png, 0, 0 };
	return (struct submission){
		.id = 1, .reference = "DOR-2026-4K7P9X", .city = "dorsten",
		.service = "hundeanmeldung", .city_name = "Dorsten",
		.service_title = "Hund anmelden – Hundesteuer für Größere Hunde",
		.recipient = "steueramt@dorsten.example", .office_name = "Steueramt Dorsten",
		.applicant_email = "juergen@example.org",
		.received_at = "2026-11-25T20:41:07Z",
		.fields = fields, .n_fields = 4, .files = files, .n_files = 2,
	};
}

static void send_one(const struct mail_server *srv, enum mail_kind kind,
		     struct mail_result *res)
{
	struct submission sub = sample();
	struct mail_msg m;
	char err[300];
	if (mail_build(&m, srv, &sub, kind, err, sizeof err) < 0) {
		ok(0, "build: %s", err);
		res->status = MAIL_PERMFAIL;
		mail_msg_free(&m);
		return;
	}
	mail_send(srv, &m, res);
	mail_msg_free(&m);
}

int main(void)
{
	const char *t = getenv("TEST_TMP"), *r = getenv("ROOT");
	snprintf(root, sizeof root, "%s", r ? r : ".");
	snprintf(dir, sizeof dir, "%s/sink-send-%d", t ? t : "/tmp", (int)getpid());
	for (size_t i = 0; i < sizeof png; i++)
		png[i] = i < 8 ? (unsigned char)"\x89PNG\r\n\x1a\n"[i] : (unsigned char)(i - 8);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 2;
	port = free_port();
	char url[64];
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
	struct mail_server srv = { .url = url, .from = "formulare@serviceportal.example",
				   .connect_timeout = 5, .timeout = 20,
				   .msgid_host = "formulare.serviceportal.example" };
	struct mail_result res;
	struct buf out;
	buf_init(&out, 1 << 24);

	sink_start(NULL);
	send_one(&srv, MAIL_OFFICE, &res);
	ok(res.status == MAIL_SENT && res.smtp_code == 250,
	   "send: office mail accepted (%ld %s)", res.smtp_code, res.detail);
	ok(strstr(res.detail, "250 2.0.0 OK queued as") != NULL,
	   "send: the server's reply is kept for the event log");
	send_one(&srv, MAIL_RECEIPT, &res);
	ok(res.status == MAIL_SENT, "send: receipt accepted (%s)", res.detail);
	dump(&out);
	const char *office = strstr(out.data, "\"message_id\": \"<DOR-2026-4K7P9X@");
	const char *receipt = strstr(out.data, "\"message_id\": \"<DOR-2026-4K7P9X.receipt@");
	ok(office && receipt, "sink: both mails arrived with their Message-IDs");
	ok(strstr(out.data, "\"subject\": \"Neuer Antrag: Hund anmelden – Hundesteuer für "
		  "Größere Hunde – Dorsten – DOR-2026-4K7P9X\"") != NULL,
	   "sink: Python decodes the RFC 2047 subject to the umlauts");
	ok(strstr(out.data, "\"subject\": \"Eingangsbestätigung: Hund anmelden") != NULL,
	   "sink: receipt subject decodes");
	ok(strstr(out.data, "\"filename\": \"nachweis-1.pdf\", \"type\": \"application/pdf\", "
		  "\"size\": 54, \"sha256\": \"828cdf6ae14397b304e56f76b25e95ce72527f8ff70365575b4c7598ff42bf2b\"") != NULL,
	   "sink: PDF attachment decodes byte-equal");
	ok(strstr(out.data, "\"filename\": \"foto-1.png\", \"type\": \"image/png\", "
		  "\"size\": 264, \"sha256\": \"9d0c38e7aafe062c3a6dfc561e42771ec997d9359bb3d417ac4775a303292964\"") != NULL,
	   "sink: PNG attachment (all byte values) decodes byte-equal");
	ok(strstr(out.data, "Vorname: Jürgen\\r\\nNachname: Groß\\r\\n") != NULL ||
	   strstr(out.data, "Vorname: Jürgen\\nNachname: Groß\\n") != NULL,
	   "sink: text part lists the fields with umlauts intact");
	ok(strstr(out.data, "  .\\r\\n  Zeile 4") || strstr(out.data, "  .\\n  Zeile 4"),
	   "sink: a lone '.' line in a value survives SMTP (dot-stuffing)");
	ok(!strstr(out.data, "[\"Bcc\"") && !strstr(out.data, "\"Bcc:"),
	   "sink: the CR/LF value added no Bcc header");
	ok(strstr(out.data, "\"reply_to\": \"juergen@example.org\"") != NULL,
	   "sink: Reply-To is the applicant");
	ok(strstr(out.data, "\"rcpt_tos\": [\"steueramt@dorsten.example\"]") &&
	   strstr(out.data, "\"rcpt_tos\": [\"juergen@example.org\"]"),
	   "sink: envelope recipients are the office and the applicant");
	ok(strstr(out.data, "\"defects\": [\"") == NULL, "sink: Python finds no MIME defects");

	set_mode("tempfail");
	send_one(&srv, MAIL_OFFICE, &res);
	ok(res.status == MAIL_TEMPFAIL && res.smtp_code == 451 && !res.unreachable,
	   "classify: 451 at RCPT is temporary (%s)", res.detail);
	set_mode("tempfail-data");
	send_one(&srv, MAIL_OFFICE, &res);
	ok(res.status == MAIL_TEMPFAIL && res.smtp_code == 451,
	   "classify: 451 after DATA is temporary (%s)", res.detail);
	set_mode("permfail");
	send_one(&srv, MAIL_OFFICE, &res);
	ok(res.status == MAIL_PERMFAIL && res.smtp_code == 554,
	   "classify: 554 at RCPT is permanent (%s)", res.detail);
	set_mode("permfail-data");
	send_one(&srv, MAIL_OFFICE, &res);
	ok(res.status == MAIL_PERMFAIL && res.smtp_code == 554,
	   "classify: 554 after DATA is permanent (%s)", res.detail);
	set_mode("421");
	send_one(&srv, MAIL_OFFICE, &res);
	ok(res.status == MAIL_TEMPFAIL && res.unreachable,
	   "classify: 421 is temporary and marks the server unreachable (%s)", res.detail);
	set_mode("accept");
	sink_stop();
	time_t t0 = time(NULL);
	send_one(&srv, MAIL_OFFICE, &res);
	ok(res.status == MAIL_TEMPFAIL && res.unreachable && time(NULL) - t0 < 5,
	   "classify: connection refused is temporary and quick (%s)", res.detail);
	struct mail_server tls = srv;
	tls.require_tls = true;
	sink_start(NULL);
	send_one(&tls, MAIL_OFFICE, &res);
	ok(res.status == MAIL_TEMPFAIL,
	   "tls: STARTTLS required but not offered -> no plain-text fallback (%s)", res.detail);
	dump(&out);
	size_t n = 0;
	for (const char *p = out.data; (p = strstr(p, "\"message_id\"")); p++)
		n++;
	ok(n == 2, "sink: only the 2 accepted mails were recorded (%zu)", n);
	sink_stop();

	/* SMTP AUTH: credentials are sent; refusals are configuration
	 * problems, so temporary (the mail must go out once fixed). */
	struct mail_server au = srv;
	sink_start("relay:geheim");
	send_one(&au, MAIL_OFFICE, &res);
	ok(res.status == MAIL_TEMPFAIL && res.smtp_code == 530 && !res.unreachable,
	   "auth: server requires AUTH, none configured -> 530, temporary (%s)", res.detail);
	au.username = "relay";
	au.password = "falsch";
	send_one(&au, MAIL_OFFICE, &res);
	ok(res.status == MAIL_TEMPFAIL && res.smtp_code == 535,
	   "auth: wrong password -> 535, temporary (%s)", res.detail);
	au.password = "geheim";
	send_one(&au, MAIL_OFFICE, &res);
	ok(res.status == MAIL_SENT, "auth: right credentials -> delivered (%s)", res.detail);
	dump(&out);
	n = 0;
	for (const char *p = out.data; (p = strstr(p, "\"message_id\"")); p++)
		n++;
	ok(n == 3, "sink: the authenticated mail was recorded (%zu in all)", n);
	sink_stop();
	buf_free(&out);
	curl_global_cleanup();
	return tap_exit();
}
