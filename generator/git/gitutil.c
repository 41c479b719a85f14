/* gitutil.c - see gitutil.h */
#include "gitutil.h"
#include <git2.h>
#include <pthread.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
	git_libgit2_init();
	/* libgit2 re-hashes every object it reads (SHA-1 with collision
	 * detection); for the history walk, which reads ~100,000 trees, that
	 * is 80% of the time. git itself trusts its object store on reads and
	 * checks hashes on transfer and fsck; so do we. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

void gitutil_init(void)
{
	pthread_once(&once, init);
}

const char *gitutil_errmsg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}
