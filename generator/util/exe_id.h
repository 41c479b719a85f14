/* exe_id.h - the identity of the running sitegen binary, for the caches
 * kept between builds (load/yamlcache.c, load/statcache.c): a rebuilt
 * binary may parse or digest differently, so it starts with empty ones. */
#ifndef EXE_ID_H
#define EXE_ID_H
#include <stddef.h>

/* "binary <dev> <ino> <size> <mtime s> <mtime ns>\n" into out; "" when
 * it cannot be known (the caller then keeps no cache). */
void exe_identity(char *out, size_t n);
#endif
