/* mapfile.h - a whole regular file mapped read-only: sitegen's caches
 * beside the output (the YAML trees, the page cache) are mapped rather
 * than read, because copying their megabytes into fresh memory cost a
 * page fault per 4 KiB (~10 us each on the development VM), while a
 * mapping uses the page cache's own pages. Writers never change such a
 * file in place (a new one is renamed over it), so a mapping stays the
 * file that was opened; one cut short by hand while mapped ends the
 * process with SIGBUS when the lost part is read. */
#ifndef MAPFILE_H
#define MAPFILE_H
#include <stddef.h>

struct mapped {
	const unsigned char *p;     /* NULL: nothing mapped */
	size_t len;
};

/* path mapped whole into *m when it is a regular file of 1 to max bytes;
 * 0, or -1 (errno set) with m empty. */
int map_file(const char *path, size_t max, struct mapped *m);
/* Unmaps m (empty or not) and empties it. */
void map_release(struct mapped *m);
#endif
