/* watch.h - recursive inotify watches over a few directory trees,
 * following directories created (or moved in) later. */
#ifndef WATCH_H
#define WATCH_H
#include <stddef.h>

struct watch;

/* Watch every directory below each of dirs. NULL (after a message on
 * stderr) when inotify fails or a directory cannot be watched. A missing
 * directory is skipped: a project without themes/ is fine. */
struct watch *watch_open(const char *const *dirs, size_t n);
/* The inotify descriptor, for poll(). */
int watch_fd(const struct watch *w);
/* Read the pending events; watches new directories. Returns the number of
 * relevant changes seen (editor temp files do not count); 0 when none. */
int watch_read(struct watch *w);
void watch_close(struct watch *w);
#endif
