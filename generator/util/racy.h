/* racy.h - "racily clean" files, as git calls them. A file's mtime and
 * ctime come from a coarse clock (a tick of a few ms), so a file written
 * twice in one tick keeps both: its stat cannot tell the two versions
 * apart. Whatever is recorded about a file by its stat (the build's
 * identity, write/fingerprint.c; a file's id, load/statcache.c) is only
 * trusted for a file changed at least RACY_NS before the record was
 * taken: any later write then gives it a newer ctime. */
#ifndef RACY_H
#define RACY_H

#define RACY_NS 20000000LL      /* 20 ms: two ticks at HZ=100 */

#endif
