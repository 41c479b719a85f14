/* mhd_load.h - libmicrohttpd for the preview server, loaded with dlopen(3)
 * when `sitegen serve` starts instead of being linked. Linked, it and
 * GnuTLS with its nine libraries were mapped and relocated at every start
 * of sitegen: ~5 ms of every build (measured with an empty program linked
 * with and without it), a twentieth of a one-edit rebuild, for a server
 * only `serve` runs. relayd, which is that server, links it as before. */
#ifndef MHD_LOAD_H
#define MHD_LOAD_H
#include <microhttpd.h>

/* The functions serve.c calls, with the library's own types. */
struct mhd_api {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_create_response_from_fd) *create_response_from_fd;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
};

/* The library loaded (once; it stays loaded) into api: 0, or -1 with the
 * reason on stderr. Call before any thread that uses api starts. */
int mhd_load(struct mhd_api *api);
#endif
