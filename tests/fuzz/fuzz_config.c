/* fuzz_config - relayd's configuration loader (relay/config: relay.yml
 * through the project's YAML tree, every key, range and derived path). The
 * input is the file's text, handed over as /proc/self/fd/N of a memfd so
 * nothing touches the disk. Errors are diagnostics; a crash, leak or
 * sanitizer report is a finding, and so is a config accepted without what
 * relayd relies on (public_url without trailing slash, an own origin, the
 * derived lock and socket paths). */
#include "fuzz.h"
#include <sys/mman.h>
#include <unistd.h>
#include "config/config.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	fd = memfd_create("relay.yml", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	struct diags d;
	diags_init(&d);
	struct relay_config *c = config_load(path, &d);
	if (c) {
		size_t n = strlen(c->public_url);
		FUZZ_ASSERT(!n || c->public_url[n - 1] != '/', "public_url %s", c->public_url);
		FUZZ_ASSERT(c->own_origin && c->lock_file && c->admin_socket &&
			    c->listen && c->database, "a setting relayd needs is NULL");
		FUZZ_ASSERT(strlen(c->admin_socket) < 108, "admin_socket too long");
		for (size_t i = 0; i < c->n_allowed_origins; i++)
			FUZZ_ASSERT(c->allowed_origins[i], "allowed origin %zu NULL", i);
		config_free(c);
	} else {
		FUZZ_ASSERT(d.n > 0, "refused without a diagnostic");
	}
	diags_free(&d);
	return 0;
}
