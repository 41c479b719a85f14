/* url.h - the origin of an absolute http(s) URL, as a browser serialises it
 * in an Origin header and as Content-Security-Policy source lists name it:
 * "HTTPS://Formulare.Example.de:443/submit" -> "https://formulare.example.de"
 * (scheme and host lower case, default port dropped, no path). */
#ifndef URL_H
#define URL_H
#include "arena.h"

/* The origin of url, allocated in a; NULL when url is not http:// or
 * https:// followed by a host. */
const char *url_origin(struct arena *a, const char *url);
#endif
