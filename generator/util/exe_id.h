/* exe_id.h - the identity of the running sitegen binary, for the caches
 * kept between builds (load/yamlcache.c, load/statcache.c): a rebuilt
 * binary may parse or digest differently, so it starts with empty ones. */
#ifndef EXE_ID_H
#define EXE_ID_H
#include <stddef.h>

/* "binary <dev> <ino> <size> <mtime s> <mtime ns>\n" into out; "" when
 * it cannot be known (the caller then keeps no cache). */
void exe_identity(char *out, size_t n);

/* The running program's GNU build-id, which the linker computes from
 * the linked file (ld --build-id, on by default in Debian's gcc), as hex
 * into out (at most 40 digits and a NUL): 0, or -1 when it has none of
 * 8 to 20 bytes. Free to get, where hashing the 2 MB binary took 12 ms
 * of a build that had no stat cache (load/statcache.h) yet. */
int exe_build_id(char out[41]);
#endif
