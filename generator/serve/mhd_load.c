/* mhd_load.c - see mhd_load.h */
#include "mhd_load.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* The soname the linker would have recorded (Debian 12: libmicrohttpd12);
 * the development link as a fallback. */
static const char *const names[] = { "libmicrohttpd.so.12", "libmicrohttpd.so" };

/* One function by name into *slot (a function pointer): dlsym gives a
 * void *, copied as POSIX allows. */
static int sym(void *h, const char *name, void *slot, size_t size)
{
	void *p = dlsym(h, name);
	if (!p || size != sizeof p) {
		fprintf(stderr, "sitegen: %s not found in libmicrohttpd\n", name);
		return -1;
	}
	memcpy(slot, &p, sizeof p);
	return 0;
}

#define SYM(h, api, f) sym(h, "MHD_" #f, &(api)->f, sizeof (api)->f)

int mhd_load(struct mhd_api *api)
{
	void *h = NULL;
	for (size_t i = 0; !h && i < sizeof names / sizeof *names; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "sitegen: cannot load libmicrohttpd for the preview "
			"server: %s\n", dlerror());
		return -1;
	}
	return SYM(h, api, start_daemon) | SYM(h, api, stop_daemon) |
	       SYM(h, api, get_daemon_info) | SYM(h, api, create_response_from_buffer) |
	       SYM(h, api, create_response_from_fd) | SYM(h, api, add_response_header) |
	       SYM(h, api, queue_response) | SYM(h, api, destroy_response) ? -1 : 0;
}
