/* fuzz_admin - relayd's admin socket as relayd runs it (relay/admin: the
 * server thread's line reader, admin_exec's command parser, resend and
 * purge on a real store). The admin server listens on a Unix socket in a
 * temporary directory (on /dev/shm when there is one: SQLite's fsyncs of
 * purge and resend stay cheap) with a store holding one submission. Each
 * input is what a client writes before it shuts its side; the answer must
 * be one line "<status 0-3> <text>\n". The text "@REF@" in an input is
 * replaced by that submission's reference, so "resend @REF@" reaches the
 * resend of an existing submission. */
#include "fuzz.h"
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "admin/admin.h"

static struct store *store;
static struct admin_server *admin;
static struct sockaddr_un sa;
static char reference[24];

static void after(void *ctx)
{
	(void)ctx;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	signal(SIGPIPE, SIG_IGN);
	const char *dir = fuzz_scratch("fuzz_admin");
	char db[128], sock[128], err[256];
	snprintf(db, sizeof db, "%s/relay.db", dir);
	snprintf(sock, sizeof sock, "%s/relay.db.sock", dir);
	store = store_open(db, err, sizeof err);
	if (!store) {
		fprintf(fuzz_err(), "%s\n", err);
		abort();
	}
	struct sub_field f = { "vorname", "Vorname", "Anna", "" };
	struct submission sub = { 0 };
	sub.city = "dorsten";
	sub.service = "hundeanmeldung";
	sub.city_name = "Dorsten";
	sub.service_title = "Hund anmelden";
	sub.recipient = "steueramt@dorsten.example";
	sub.office_name = "Steueramt";
	sub.applicant_email = "";
	sub.fields = &f;
	sub.n_fields = 1;
	struct store_item it = { .sub = &sub, .ref_prefix = "DOR" };
	if (store_insert(store, &it, 1) != 0 || it.rc != 0)
		abort();
	memcpy(reference, it.reference, sizeof reference);
	admin = admin_listen(sock, err, sizeof err);
	if (!admin || admin_serve(admin, store, after, NULL) < 0) {
		fprintf(fuzz_err(), "%s\n", err);
		abort();
	}
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char in[4096 * 4];
	size_t n = 0;
	for (size_t i = 0; i < size; i++) {
		if (i + 5 <= size && !memcmp(data + i, "@REF@", 5)) {
			n += (size_t)snprintf(in + n, sizeof in - n, "%s", reference);
			i += 4;
		} else {
			in[n++] = (char)data[i];
		}
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		abort();
	struct timeval tv = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	FUZZ_ASSERT(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0,
		    "connect: %s", strerror(errno));
	for (size_t off = 0; off < n;) {
		ssize_t w = send(fd, in + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;      /* the server read its line and hung up */
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	char reply[1024];
	size_t len = 0;
	for (;;) {
		ssize_t r = recv(fd, reply + len, sizeof reply - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		/* relayd closes after its reply without reading what follows
		 * the line: the kernel then reports the end as ECONNRESET,
		 * after the queued reply (relayctl's read loop does the same) */
		if (r < 0 && errno == ECONNRESET)
			break;
		FUZZ_ASSERT(r >= 0, "no answer within 10 s: %s", strerror(errno));
		if (r == 0 || (len += (size_t)r) == sizeof reply - 1)
			break;
	}
	close(fd);
	reply[len] = '\0';
	FUZZ_ASSERT(len >= 3 && reply[0] >= '0' && reply[0] <= '3' && reply[1] == ' ',
		    "reply \"%.80s\"", reply);
	FUZZ_ASSERT(reply[len - 1] == '\n' && strchr(reply, '\n') == reply + len - 1,
		    "reply is not one line: \"%.80s\"", reply);
	return 0;
}
