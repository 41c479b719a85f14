/* url.c - see url.h. Shared by the page renderer (Content-Security-Policy)
 * and relayd (which origins may post). */
#include "url.h"
#include <string.h>
#include <strings.h>

const char *url_origin(struct arena *a, const char *url)
{
	size_t skip;
	if (!url)
		return NULL;
	if (!strncasecmp(url, "https://", 8))
		skip = 8;
	else if (!strncasecmp(url, "http://", 7))
		skip = 7;
	else
		return NULL;
	size_t n = skip + strcspn(url + skip, "/?#");
	if (n == skip)
		return NULL;
	char *o = arena_strndup(a, url, n);
	for (char *p = o; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	size_t len = strlen(o);
	if (skip == 8 && len > 4 && !strcmp(o + len - 4, ":443"))
		o[len - 4] = '\0';
	else if (skip == 7 && len > 3 && !strcmp(o + len - 3, ":80"))
		o[len - 3] = '\0';
	return o;
}
