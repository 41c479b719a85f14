/* gitutil.c - see gitutil.h */
#include "gitutil.h"
#include "../util/arena.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct git2_api git2;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_bool loaded;

/* The soname the linker would have recorded (Debian 12: libgit2-1.5);
 * the development link as a fallback. */
static const char *const names[] = { "libgit2.so.1.5", "libgit2.so" };

/* Where each function goes in git2. */
#define FN(f) { "git_" #f, offsetof(struct git2_api, f) }
static const struct {
	const char *name;
	size_t at;
} fns[] = {
	FN(commit_id), FN(commit_time), FN(error_clear), FN(error_last), FN(libgit2_init),
	FN(libgit2_opts), FN(object_free), FN(object_peel), FN(odb_free), FN(odb_hash),
	FN(odb_object_data), FN(odb_object_free), FN(odb_object_size), FN(odb_object_type),
	FN(odb_read), FN(oid_tostr), FN(repository_commondir), FN(repository_free),
	FN(repository_is_shallow), FN(repository_odb), FN(repository_open_ext),
	FN(repository_path), FN(repository_workdir), FN(revparse_single), FN(tree_id),
};

static void load(void)
{
	void *h = NULL;
	for (size_t i = 0; !h && i < sizeof names / sizeof *names; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		die("cannot load libgit2 (needed for --ref and the history): %s", dlerror());
	for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
		/* dlsym gives a void *; copied into the function pointer's
		 * place, as POSIX allows */
		void *p = dlsym(h, fns[i].name);
		if (!p)
			die("libgit2 lacks %s (sitegen is built for libgit2 1.5)", fns[i].name);
		memcpy((char *)&git2 + fns[i].at, &p, sizeof p);
	}
}

/* libgit2 1.5 as Debian builds it (with mbedTLS) parses the system's CA
 * certificates (/etc/ssl/certs/ca-certificates.crt, ~220 KB of PEM) in
 * git_libgit2_init, for HTTPS, which sitegen never speaks: it reads local
 * repositories only. That parse was 5.7 of the init's 7.5 ms, a twelfth
 * of a --ref rebuild, and no option turns it off before the init. sitegen
 * exports this function (the Makefile's SITEGEN_EXPORT), so the dynamic
 * linker binds libgit2's call here instead of to libmbedx509's: nothing
 * is read. libgit2 takes the failure as "no default certificates" and goes
 * on; were HTTPS ever spoken in this process, every certificate check
 * would fail (closed, not open). t-git-cli checks the binding. */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return -0x2900;         /* MBEDTLS_ERR_X509_FILE_IO_ERROR */
}

static void init(void)
{
	atomic_store(&loaded, true);
	load();
	git2.libgit2_init();
	/* (the certificates' failure above, recorded as the last error) */
	git2.error_clear();
	/* libgit2 re-hashes every object it reads (SHA-1 with collision
	 * detection); for the history walk, which reads ~100,000 trees, that
	 * is 80% of the time. git itself trusts its object store on reads and
	 * checks hashes on transfer and fsck; so do we. */
	git2.libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

void gitutil_init(void)
{
	pthread_once(&once, init);
}

int gitutil_open(git_repository **out, const char *path)
{
	/* Inside a pre-receive hook the pushed objects are only reachable
	 * through GIT_OBJECT_DIRECTORY / GIT_ALTERNATE_OBJECT_DIRECTORIES
	 * (git's quarantine); FROM_ENV makes libgit2 honour them. Otherwise
	 * open plainly, so stray GIT_* variables do not redirect us. */
	unsigned flags = 0;
	if (getenv("GIT_OBJECT_DIRECTORY") || getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES"))
		flags = GIT_REPOSITORY_OPEN_FROM_ENV;
	*out = NULL;
	return git2.repository_open_ext(out, path, flags, NULL);
}

bool gitutil_loaded(void)
{
	return atomic_load(&loaded);
}

const char *gitutil_errmsg(void)
{
	const git_error *e = git2.error_last();
	return e && e->message ? e->message : "unknown error";
}
